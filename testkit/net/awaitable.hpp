// The completion token the fakes, the test clients and the benchmarks share: `co_await op(kTuple)`
// gives (error_code, result...) instead of throwing. One definition for all of them; the bot's own
// code has net::kTuple (adapters/net/connect.hpp).
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace brigade::testing {

inline constexpr auto kTuple = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace brigade::testing
