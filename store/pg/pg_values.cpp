// Statement parameters and answers of store/pg/pg.hpp: values in the form libpq sends them, and
// columns read back by type (text output; bytea hex-decoded; arrays in PostgreSQL's literal form).
#include "store/pg/pg.hpp"

#include <charconv>
#include <cstdlib>
#include <limits>

namespace brigade::store::pg {

using Code = StoreError::Code;

// ---- Params ------------------------------------------------------------------------------------

void Params::push(std::string v, bool null, int format) {
  values_.push_back(std::move(v));
  null_.push_back(null);
  formats_.push_back(format);
  fix();
}

void Params::fix() {
  // Pointers into values_ move when it grows: recompute them all (parameter lists are short).
  ptrs_.resize(values_.size());
  lengths_.resize(values_.size());
  for (std::size_t i = 0; i < values_.size(); ++i) {
    ptrs_[i] = null_[i] ? nullptr : values_[i].c_str();
    lengths_[i] = static_cast<int>(values_[i].size());
  }
}

Params& Params::add(std::string_view s) {
  // Text parameters travel as C strings: a NUL would cut them short without a word.
  if (s.find('\0') != std::string_view::npos)
    throw StoreError("text with a NUL byte cannot be stored", Code::invalid);
  push(std::string(s), false, 0);
  return *this;
}
Params& Params::add(std::int64_t v) {
  push(std::to_string(v), false, 0);
  return *this;
}
Params& Params::add(std::uint64_t v) {
  if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    throw StoreError("a number too large for the database: " + std::to_string(v), Code::invalid);
  push(std::to_string(v), false, 0);
  return *this;
}
Params& Params::add(bool v) {
  push(v ? "t" : "f", false, 0);
  return *this;
}
Params& Params::add(Bytes b) {
  push(std::string(b.data), false, 1);
  return *this;
}
Params& Params::add_null() {
  push({}, true, 0);
  return *this;
}

Params& Params::add_array(const std::vector<std::string>& v) {
  std::string out = "{";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : v[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  push(std::move(out), false, 0);
  return *this;
}

Params& Params::add_array(const std::vector<std::uint64_t>& v) {
  std::string out = "{";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(static_cast<std::int64_t>(v[i]));
  }
  out += '}';
  push(std::move(out), false, 0);
  return *this;
}

// ---- Result ------------------------------------------------------------------------------------

std::string_view Result::text(int row, int col) const {
  const char* v = PQgetvalue(r_.get(), row, col);
  return {v, static_cast<std::size_t>(PQgetlength(r_.get(), row, col))};
}

std::int64_t Result::i64(int row, int col) const {
  if (null(row, col)) return 0;
  auto t = text(row, col);
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size())
    throw StoreError("the database answered '" + std::string(t) + "' where a number belongs", Code::damaged);
  return v;
}

std::string Result::bytes(int row, int col) const {
  if (null(row, col)) return {};
  std::size_t n = 0;
  unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(r_.get(), row, col)), &n);
  if (raw == nullptr) throw StoreError("cannot decode a bytea value", Code::failed);
  std::string out(reinterpret_cast<const char*>(raw), n);
  PQfreemem(raw);
  return out;
}

std::vector<std::uint64_t> Result::u64_array(int row, int col) const {
  std::vector<std::uint64_t> out;
  if (null(row, col)) return out;
  auto t = text(row, col);  // {1,2,3}
  if (t.size() < 2) return out;
  t = t.substr(1, t.size() - 2);
  while (!t.empty()) {
    auto comma = t.find(',');
    auto item = t.substr(0, comma);
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (ec != std::errc() || p != item.data() + item.size())
      throw StoreError("the database answered a malformed number array", Code::damaged);
    out.push_back(static_cast<std::uint64_t>(v));
    if (comma == std::string_view::npos) break;
    t = t.substr(comma + 1);
  }
  return out;
}

std::vector<std::string> Result::text_array(int row, int col) const {
  std::vector<std::string> out;
  if (null(row, col)) return out;
  auto t = text(row, col);
  if (t.size() < 2) return out;
  std::size_t i = 1;
  const std::size_t end = t.size() - 1;
  while (i < end) {
    std::string item;
    if (t[i] == '"') {
      for (++i; i < end && t[i] != '"'; ++i) {
        if (t[i] == '\\' && i + 1 < end) ++i;
        item += t[i];
      }
      ++i;  // closing quote
    } else {
      while (i < end && t[i] != ',') item += t[i++];
    }
    out.push_back(std::move(item));
    if (i < end && t[i] == ',') ++i;
  }
  return out;
}

std::uint64_t Result::affected() const {
  const char* n = PQcmdTuples(r_.get());
  if (n == nullptr || *n == '\0') return 0;
  return std::strtoull(n, nullptr, 10);
}

}  // namespace brigade::store::pg
