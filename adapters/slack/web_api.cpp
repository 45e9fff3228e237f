// Slack Web API calls.
#include "adapters/slack/web_api.hpp"

#include "adapters/net/json_fields.hpp"
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
  if (res.status == 0) {
    r.answer = api_answer(0, false, res.error, "");
    r.answer.transport = res.ec;
    co_return r;
  }
  r.body = nlohmann::json::parse(res.body, nullptr, false);
  bool ok = false;
  std::string error;
  if (r.body.is_discarded()) {
    r.body = nullptr;
    // response_url answers "ok" in plain text; any 2xx there means accepted.
    ok = res.status / 100 == 2 && res.body.find("\"ok\":false") == std::string::npos;
    if (!ok) error = "HTTP " + std::to_string(res.status);
  } else if (r.body.is_object()) {
    ok = net::bool_field(r.body, "ok");  // value() would throw on {"ok": "yes"}
    error = net::string_field(r.body, "error");
  }
  r.answer = api_answer(res.status, ok, std::move(error), res.header("retry-after"));
  co_return r;
}

}  // namespace brigade::slack
