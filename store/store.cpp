// Names of the store's enums and the backend choice behind Store::open.
#include "store/store.hpp"

#include "store/lmdb_store.hpp"
#include "store/pg/pg.hpp"
#include "store/pg/pg_store.hpp"

namespace brigade::store {

std::string_view to_string(Kind k) {
  switch (k) {
    case Kind::thanks:
      return "thanks";
    case Kind::praise:
      return "praise";
    case Kind::help:
      return "help";
  }
  return "unknown";
}

std::string_view to_string(AskState s) {
  switch (s) {
    case AskState::open:
      return "open";
    case AskState::taken:
      return "taken";
    case AskState::done:
      return "done";
    case AskState::cancelled:
      return "cancelled";
  }
  return "unknown";
}

std::string_view to_string(RevokeHow h) {
  switch (h) {
    case RevokeHow::undo:
      return "undo";
    case RevokeHow::revoke:
      return "revoke";
    case RevokeHow::reaction:
      return "reaction removed";
    case RevokeHow::redacted:
      return "message deleted";
    case RevokeHow::legacy:
      return "taken back";
  }
  return "unknown";
}

std::string_view to_string(Privacy p) {
  switch (p) {
    case Privacy::public_:
      return "public";
    case Privacy::hidden:
      return "hidden";
    case Privacy::off:
      return "off";
  }
  return "unknown";
}

std::optional<Privacy> parse_privacy(std::string_view text) {
  for (auto p : {Privacy::public_, Privacy::hidden, Privacy::off})
    if (text == to_string(p)) return p;
  return std::nullopt;
}

std::string kudos_label(std::uint32_t number) {
  return "K" + std::to_string(number);
}

std::optional<std::uint32_t> parse_kudos_label(std::string_view text) {
  if (!text.empty() && (text.front() == 'K' || text.front() == 'k')) text.remove_prefix(1);
  if (text.empty() || text.size() > 10) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (n == 0 || n > 0xffff'ffffu) return std::nullopt;
  return static_cast<std::uint32_t>(n);
}

std::unique_ptr<Store> Store::open(const Options& opt, const core::Calendar& cal) {
  if (!opt.url.empty()) {
    if (!is_postgres_url(opt.url))
      throw StoreError("the store URL must start with postgresql:// (or be a libpq conninfo); got '" +
                           pg::describe_target(opt.url) + "'",
                       StoreError::Code::invalid);
    return open_pg_store(opt, cal);
  }
  return open_lmdb_store(opt, cal);
}

}  // namespace brigade::store
