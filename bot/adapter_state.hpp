// What a network adapter may read from the store: its resume cursor and its own meta keys, as
// last committed. Narrower than store::Reader on purpose; writes go through the Committer as
// AdapterEffects.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace brigade::store {
class Store;
}

namespace brigade::bot {

class AdapterState {
 public:
  // `owner` names the adapter: it reads the cursor of that name and meta keys "<owner>.…" only;
  // any other key is a programming error (std::logic_error).
  AdapterState(store::Store& store, std::string owner);

  std::optional<std::string> meta(std::string_view key) const;
  std::optional<std::string> cursor() const;
  // The tag of the message at a platform reference (store::Reader::message_tag), for reactions
  // on Brigade's own messages.
  std::optional<std::string> message_tag(std::string_view ref) const;
  const std::string& owner() const { return owner_; }

 private:
  store::Store* store_;
  std::string owner_;
};

}  // namespace brigade::bot
