// AdapterState and AdapterEffects: the adapters' narrow way into the store.
#include "bot/adapter_state.hpp"

#include <stdexcept>

#include "bot/adapter_effects.hpp"
#include "store/store.hpp"

namespace brigade::bot {

AdapterState::AdapterState(store::Store& store, std::string owner)
    : store_(&store), owner_(std::move(owner)) {}

std::optional<std::string> AdapterState::meta(std::string_view key) const {
  if (key.size() <= owner_.size() + 1 || key.substr(0, owner_.size()) != owner_ || key[owner_.size()] != '.')
    throw std::logic_error("adapter " + owner_ + " may not read the meta key " + std::string(key));
  return store_->read()->meta(key);
}

std::optional<std::string> AdapterState::cursor() const {
  return store_->read()->cursor(owner_);
}

std::optional<std::string> AdapterState::message_tag(std::string_view ref) const {
  return store_->read()->message_tag(ref);
}

AdapterEffects AdapterEffects::revoke(std::string source) {
  AdapterEffects e;
  e.revoke_sources.push_back(std::move(source));
  return e;
}

AdapterEffects AdapterEffects::set_meta(std::string key, std::string value) {
  AdapterEffects e;
  e.meta.emplace_back(std::move(key), std::move(value));
  return e;
}

}  // namespace brigade::bot
