// Jittered exponential backoff.
#include "adapters/net/backoff.hpp"

#include <algorithm>

namespace brigade::net {

std::uint64_t jitter_seed() {
  thread_local std::mt19937_64 seeds{std::random_device{}()};
  return seeds();
}

Backoff::Backoff(ms base, ms cap, std::uint64_t seed) : base_(base), cap_(cap), rng_(seed) {}

Backoff::ms Backoff::ceiling() const {
  auto shift = std::min<std::uint32_t>(attempts_, 30);
  auto c = base_.count() * (std::int64_t{1} << shift);
  return ms(std::min<std::int64_t>(c, cap_.count()));
}

Backoff::ms Backoff::next() {
  auto c = ceiling().count();
  ++attempts_;
  std::uniform_int_distribution<std::int64_t> d(c / 2, c);
  return ms(d(rng_));
}

}  // namespace brigade::net
