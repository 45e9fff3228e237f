// Slack Web API calls.
#include "adapters/slack/web_api.hpp"

#include "adapters/net/url.hpp"

namespace brigade::slack {

namespace {
std::string form_escape(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string o;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      o += static_cast<char>(c);
    } else {
      o += '%';
      o += hex[c >> 4];
      o += hex[c & 15];
    }
  }
  return o;
}
}  // namespace

WebApi::WebApi(boost::asio::any_io_executor ex, std::shared_ptr<boost::asio::ssl::context> tls,
               std::string base_url, std::chrono::milliseconds timeout)
    : http_(std::move(ex), std::move(tls), timeout), base_(std::move(base_url)) {}

boost::asio::awaitable<ApiResult> WebApi::call(std::string_view method, nlohmann::json args,
                                               const std::string& token, bool json_body) {
  net::HttpRequest req;
  req.url = net::join_url(base_, method);
  req.headers.emplace_back("Authorization", "Bearer " + token);
  if (json_body) {
    req.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    req.body = args.is_null() ? std::string("{}") : args.dump();
  } else {
    req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    if (args.is_object()) {
      for (auto& [k, v] : args.items()) {
        if (!req.body.empty()) req.body += '&';
        req.body += form_escape(k) + "=" + form_escape(v.is_string() ? v.get<std::string>() : v.dump());
      }
    }
  }
  co_return co_await send(std::move(req));
}

boost::asio::awaitable<ApiResult> WebApi::post_url(std::string url, nlohmann::json body) {
  net::HttpRequest req;
  req.url = std::move(url);
  req.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  req.body = body.dump();
  co_return co_await send(std::move(req));
}

boost::asio::awaitable<ApiResult> WebApi::send(net::HttpRequest req) {
  ApiResult r;
  auto res = co_await http_.request(std::move(req));
  r.answer.http_status = res.status;
  if (res.status == 0) {
    r.answer.error = res.error;
    co_return r;
  }
  r.answer.retry_after = res.header("retry-after");
  r.body = nlohmann::json::parse(res.body, nullptr, false);
  if (r.body.is_discarded()) {
    r.body = nullptr;
    // response_url answers "ok" in plain text; any 2xx there means accepted.
    r.answer.ok = res.status / 100 == 2 && res.body.find("\"ok\":false") == std::string::npos;
    if (!r.answer.ok) r.answer.error = "HTTP " + std::to_string(res.status);
    co_return r;
  }
  if (r.body.is_object()) {
    r.answer.ok = r.body.value("ok", false);
    if (auto it = r.body.find("error"); it != r.body.end() && it->is_string())
      r.answer.error = it->get<std::string>();
  }
  co_return r;
}

}  // namespace brigade::slack
