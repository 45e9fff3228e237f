// libpq calls behind store/pg/pg.hpp, and the mapping of SQLSTATE classes to StoreError codes.
#include "store/pg/pg.hpp"

#include <charconv>
#include <cstring>
#include <limits>

namespace brigade::store::pg {

namespace {

using Code = StoreError::Code;

// What a caller can do about a failure, from its SQLSTATE (PostgreSQL's appendix A).
Code code_of(std::string_view state) {
  if (state.size() != 5) return Code::failed;
  const auto cls = state.substr(0, 2);
  if (cls == "08" || cls == "57" || cls == "40") return Code::failed;  // connection, shutdown, retry
  if (cls == "53") return Code::full;                                  // disk full, out of memory
  if (cls == "22" || cls == "23") return Code::invalid;                // bad data, constraint
  if (cls == "XX") return Code::damaged;                               // data_corrupted, index_corrupted
  if (cls == "25") return Code::misuse;                                // invalid transaction state
  return Code::failed;
}

std::string first_line(const char* msg) {
  std::string s = msg != nullptr ? msg : "";
  auto nl = s.find('\n');
  if (nl != std::string::npos) s.resize(nl);
  return s;
}

}  // namespace

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

// ---- Conn --------------------------------------------------------------------------------------

Conn::Conn(const std::string& conninfo, const std::string& password) {
  load_libpq();
  // expand_dbname: "dbname" carries the whole conninfo, whose values override earlier keywords
  // (a URL's own application_name wins) and are overridden by later ones (the password).
  // A server that does not answer must not hang the committer, unless the URL says otherwise:
  // connecting gives up after 5 s; a connection whose server went silent (host gone, no RST) is
  // dropped after 15 s with data unacknowledged (tcp_user_timeout) or ~25 s idle (keepalives),
  // instead of the kernel's quarter of an hour, and the statement fails as `failed`.
  std::vector<const char*> keys = {"application_name", "connect_timeout", "keepalives",      "keepalives_idle",
                                   "keepalives_interval", "keepalives_count", "tcp_user_timeout", "dbname"};
  std::vector<const char*> vals = {"brigade", "5", "1", "10", "5", "3", "15000", conninfo.c_str()};
  if (!password.empty()) {
    keys.push_back("password");
    vals.push_back(password.c_str());
  }
  keys.push_back(nullptr);
  vals.push_back(nullptr);
  c_ = PQconnectdbParams(keys.data(), vals.data(), 1);
  if (c_ == nullptr || PQstatus(c_) != CONNECTION_OK) {
    std::string why = c_ != nullptr ? first_line(PQerrorMessage(c_)) : "out of memory";
    if (c_ != nullptr) PQfinish(c_);
    c_ = nullptr;
    throw StoreError("cannot connect to PostgreSQL at " + describe_target(conninfo) + ": " + why,
                     Code::failed);
  }
  PQsetNoticeProcessor(c_, [](void*, const char*) {}, nullptr);  // NOTICEs are not errors
}

Conn::~Conn() {
  if (c_ != nullptr) PQfinish(c_);
}

bool Conn::ok() const {
  return c_ != nullptr && PQstatus(c_) == CONNECTION_OK;
}

void Conn::fail(PGresult* r, std::string_view sql) {
  const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string msg = r != nullptr ? first_line(PQresultErrorMessage(r)) : first_line(PQerrorMessage(c_));
  if (msg.empty()) msg = first_line(PQerrorMessage(c_));
  Code code = state != nullptr ? code_of(state) : Code::failed;
  if (PQstatus(c_) != CONNECTION_OK) code = Code::failed;
  std::string what = "PostgreSQL: " + msg;
  if (state != nullptr) what += std::string(" [") + state + "]";
  auto head = sql.substr(0, std::min<std::size_t>(sql.size(), 60));
  what += " (in: " + std::string(head) + (sql.size() > 60 ? "…)" : ")");
  if (r != nullptr) PQclear(r);
  throw StoreError(what, code);
}

Result Conn::exec(std::string_view sql, const Params& p) {
  const std::string text(sql);
  const std::string* name = nullptr;
  if (prepare_) {
    auto it = prepared_.find(text);
    if (it == prepared_.end() && prepared_.size() < kMaxPrepared) {
      std::string fresh = "brigade_" + std::to_string(prepared_.size() + 1);
      ++round_trips_;
      PGresult* made = PQprepare(c_, fresh.c_str(), text.c_str(), p.size(), nullptr);
      const auto st = made != nullptr ? PQresultStatus(made) : PGRES_FATAL_ERROR;
      if (st != PGRES_COMMAND_OK) fail(made, sql);
      PQclear(made);
      it = prepared_.emplace(text, std::move(fresh)).first;
    }
    if (it != prepared_.end()) name = &it->second;
  }
  ++round_trips_;
  PGresult* r = name != nullptr
                    ? PQexecPrepared(c_, name->c_str(), p.size(), p.values(), p.lengths(), p.formats(), 0)
                    : PQexecParams(c_, text.c_str(), p.size(), nullptr, p.values(), p.lengths(), p.formats(), 0);
  const auto st = r != nullptr ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail(r, sql);
  return Result(r);
}

void Conn::run(std::string_view sql) {
  const std::string text(sql);
  ++round_trips_;
  PGresult* r = PQexec(c_, text.c_str());
  const auto st = r != nullptr ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail(r, sql);
  PQclear(r);
}

// ---- conninfo ----------------------------------------------------------------------------------

std::string describe_target(const std::string& conninfo) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (opts == nullptr) {
    if (err != nullptr) PQfreemem(err);
    return "(an unreadable connection string)";
  }
  std::string host, port, db;
  for (auto* o = opts; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    if (std::strcmp(o->keyword, "host") == 0) host = o->val;
    if (std::strcmp(o->keyword, "hostaddr") == 0 && host.empty()) host = o->val;
    if (std::strcmp(o->keyword, "port") == 0) port = o->val;
    if (std::strcmp(o->keyword, "dbname") == 0) db = o->val;
  }
  PQconninfoFree(opts);
  if (host.empty()) {
    const char* env = std::getenv("PGHOST");
    host = env != nullptr ? env : "the local socket";
  }
  if (port.empty()) {
    const char* env = std::getenv("PGPORT");
    if (env != nullptr) port = env;
  }
  std::string out = host;
  if (!port.empty()) out += ":" + port;
  if (!db.empty()) out += "/" + db;
  return out;
}

}  // namespace brigade::store::pg
