// What a network adapter may change in the store, as data: the Committer turns it into writes in
// its own transaction, so adapters never hold a store::Writer (see docs/architecture.md).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/types.hpp"

namespace brigade::bot {

struct AdapterEffects {
  // A notice the adapter words itself (e.g. "this room is encrypted"), said once ever: it is
  // queued only if the meta key `once_key` is unset, and the key is set in the same transaction.
  struct Notice {
    std::string once_key;
    std::string adapter;
    core::Reply reply;
  };

  std::vector<std::string> revoke_sources;                // take back what these sources recorded
  std::vector<std::pair<std::string, std::string>> meta;  // the adapter's own meta keys
  std::vector<Notice> notices;
  // People the platform says are gone (deactivated, left every room the bot shares with them) or
  // back: hidden from rankings automatically, their history kept (store::Writer::set_gone).
  std::vector<std::string> gone;
  std::vector<std::string> back;
  std::optional<std::pair<std::string, std::string>> cursor;  // adapter name → resume token

  // Built outside coroutines: g++ 12 mis-destroys braced temporaries inside them.
  static AdapterEffects revoke(std::string source);
  static AdapterEffects set_meta(std::string key, std::string value);
};

}  // namespace brigade::bot
