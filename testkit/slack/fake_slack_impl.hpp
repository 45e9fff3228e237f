// The fake Slack's insides, shared by its two sources: fake_slack.cpp (the server, Socket Mode and
// the public API) and fake_slack_web_api.cpp (what each Web API method answers). Includes Beast.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/http.hpp>

#include "testkit/net/loopback_server.hpp"
#include "testkit/slack/fake_slack.hpp"

namespace brigade::testing {

namespace http = beast::http;

// One Socket Mode connection, whatever its stream.
struct WsConnBase {
  virtual ~WsConnBase() = default;
  virtual void send(std::string frame) = 0;
  virtual void reset() = 0;
  virtual void freeze() = 0;
};

struct FakeSlack::Impl {
  using Request = http::request<http::string_body>;

  Impl(FakeSlack& s, const TestPki* pki);
  ~Impl();

  asio::io_context& ioc() { return server.ioc(); }
  void notify() { cv.notify_all(); }
  std::chrono::milliseconds take_delay(std::string_view target);

  // HTTP on one connection, until it is upgraded to Socket Mode (fake_slack.cpp).
  template <class Stream>
  asio::awaitable<void> serve(Stream s);
  template <class Stream>
  asio::awaitable<void> ws_session(Stream s, Request req);

  // The Web API (fake_slack_web_api.cpp): records the call, answers as scripted or as Slack would.
  http::response<http::string_body> handle(const Request& req);
  Reply answer(const Call& c);
  std::optional<Reply> scripted(const Call& c);
  Reply connections_open(const Call& c);
  Reply users_list(const Call& c);
  Reply users_info(const Call& c);
  Reply usergroup_members(const Call& c);
  Reply post(const Call& c);
  Reply update(const Call& c);
  Reply views_open(const Call& c);
  Reply views_update(const Call& c);
  Reply views_publish(const Call& c);
  Reply permalink(const Call& c);
  std::string next_hash();

  FakeSlack& self;
  LoopbackServer server;  // first: see LoopbackServer

  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::vector<Call> calls;
  std::vector<std::string> acks;
  std::vector<std::size_t> ack_conn;
  std::map<std::string, nlohmann::json> ack_payloads;  // envelope id → the latest ack's payload
  std::set<std::size_t> clean_close;
  std::map<std::string, std::deque<Reply>> scripts;
  std::map<std::string, std::deque<std::chrono::milliseconds>> delays;  // method → answer late by
  std::vector<nlohmann::json> users;
  std::map<std::string, std::vector<std::string>> groups;
  std::map<std::pair<std::string, std::string>, std::string>
      messages;  // (channel, ts) → text, as posted or updated
  std::map<std::pair<std::string, std::string>, nlohmann::json> message_blocks;  // (channel, ts) → blocks
  std::map<std::string, std::chrono::steady_clock::time_point> triggers;  // minted → when
  std::map<std::string, nlohmann::json> views;  // modal views by id
  std::vector<std::string> opened;              // their ids, in the order views.open opened them
  std::map<std::string, nlohmann::json> homes;  // Home views by user
  std::size_t view_seq = 0;
  std::size_t trigger_seq = 0;
  std::size_t opens = 0;
  std::vector<std::shared_ptr<WsConnBase>> ws;
};

}  // namespace brigade::testing
