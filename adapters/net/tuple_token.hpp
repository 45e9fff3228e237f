// The completion token of every adapter coroutine: `co_await op(kTuple)` yields (error_code, result…)
// instead of throwing, so failures are values the caller looks at (adapter-internal: includes Asio).
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace brigade::net {

inline constexpr auto kTuple = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace brigade::net
