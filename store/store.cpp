// Names of the store's enums and the backend choice behind Store::open.
#include "store/store.hpp"

#include "store/lmdb_store.hpp"

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

std::unique_ptr<Store> Store::open(const Options& opt, const core::Calendar& cal) {
  return open_lmdb_store(opt, cal);
}

}  // namespace brigade::store
