// Slack Web API calls over the shared HTTP client (adapter-internal: includes Asio).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "adapters/net/http_client.hpp"
#include "adapters/slack/delivery_policy.hpp"

namespace brigade::slack {

struct ApiResult {
  ApiAnswer answer;
  nlohmann::json body;  // the parsed body (null when it was not JSON)
};

class WebApi {
 public:
  WebApi(boost::asio::any_io_executor ex, std::shared_ptr<boost::asio::ssl::context> tls,
         std::string base_url, std::chrono::milliseconds timeout);

  // POSTs `args` to base_url + method with "Authorization: Bearer <token>". `json_body` sends
  // application/json (chat.* methods); otherwise form fields, which every method accepts.
  boost::asio::awaitable<ApiResult> call(std::string_view method, nlohmann::json args,
                                         const std::string& token, bool json_body = false);
  // POSTs JSON to a slash command's response_url.
  boost::asio::awaitable<ApiResult> post_url(std::string url, nlohmann::json body);

 private:
  boost::asio::awaitable<ApiResult> send(net::HttpRequest req);
  net::HttpClient http_;
  std::string base_;
};

}  // namespace brigade::slack
