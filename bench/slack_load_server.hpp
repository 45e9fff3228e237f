// slack_load's Slack: the Web API over HTTP and Socket Mode over a WebSocket on 127.0.0.1 (on the
// testkit's loopback server), pushing slash-command envelopes with at most W un-acked and timing
// each ack. Includes Asio and Beast: only slack_load's sources include it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "bench/slack_load.hpp"
#include "testkit/net/loopback_server.hpp"

namespace brigade::bench {

class LoadServer {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LoadServer(const Options& o);
  ~LoadServer();
  std::string api_url() const { return server_.url() + "/api/"; }

  // WebSocket connections accepted so far (one per bot process).
  std::size_t connections() const { return connections_.load(); }
  void start_load();  // the first W envelopes; every ack releases the next
  std::size_t acked() const { return acked_.load(); }
  std::size_t posts() const { return posts_.load(); }
  // Read once the load is over (the io thread only appends until every ack is in).
  void finish(Result& r);

 private:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  struct Ws {
    Ws(testing::PlainStream s, boost::asio::io_context& ioc)
        : ws(std::move(s)), wake(ioc, boost::asio::steady_timer::time_point::max()) {}
    boost::beast::websocket::stream<testing::PlainStream> ws;
    std::deque<const std::string*> q;
    boost::asio::steady_timer wake;
    bool dead = false;
  };

  void build_envelopes();
  boost::asio::awaitable<void> session(testing::PlainStream s);
  std::string answer(const Request& req);
  void count_post();
  boost::asio::awaitable<void> writer(std::shared_ptr<Ws> c);
  void push_next();
  std::shared_ptr<Ws> pick();
  boost::asio::awaitable<void> ws_session(testing::PlainStream s, Request req);
  void on_frame(std::string_view f);

  const Options& opt_;
  testing::LoopbackServer server_;  // before conns_: see LoopbackServer
  std::vector<std::string> envelopes_;
  std::vector<Clock::time_point> sent_at_;
  std::vector<double> latency_ms_;
  std::vector<std::shared_ptr<Ws>> conns_;  // envelopes are dealt round-robin over the live ones
  std::size_t next_ = 0, turn_ = 0;
  Clock::time_point started_, first_ack_, last_ack_, last_post_;
  std::atomic<std::size_t> connections_{0}, acked_{0}, posts_{0};
};

}  // namespace brigade::bench
