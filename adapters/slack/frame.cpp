// Socket Mode frame parsing.
#include "adapters/slack/frame.hpp"

namespace brigade::slack {

Frame parse_frame(std::string_view text) {
  Frame f;
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    f.error = "not JSON";
    return f;
  }
  if (!j.is_object()) {
    f.error = "not a JSON object";
    return f;
  }
  if (auto it = j.find("type"); it != j.end() && it->is_string()) f.type = it->get<std::string>();
  if (auto it = j.find("envelope_id"); it != j.end() && it->is_string())
    f.envelope_id = it->get<std::string>();
  if (auto it = j.find("reason"); it != j.end() && it->is_string()) f.reason = it->get<std::string>();
  if (auto it = j.find("accepts_response_payload"); it != j.end() && it->is_boolean())
    f.accepts_response_payload = it->get<bool>();
  if (auto it = j.find("retry_attempt"); it != j.end() && it->is_number_integer())
    f.retry_attempt = it->get<int>();
  if (auto it = j.find("payload"); it != j.end() && it->is_object()) f.payload = std::move(*it);
  if (f.type == "hello") {
    f.kind = Frame::Kind::hello;
  } else if (f.type == "disconnect") {
    f.kind = Frame::Kind::disconnect;
  } else if (!f.envelope_id.empty() &&
             (f.type == "events_api" || f.type == "slash_commands" || f.type == "interactive")) {
    f.kind = Frame::Kind::envelope;
  } else {
    f.kind = Frame::Kind::other;
  }
  return f;
}

std::string ack_json(std::string_view envelope_id) {
  return nlohmann::json{{"envelope_id", envelope_id}}.dump();
}

std::string ack_json(std::string_view envelope_id, const nlohmann::json& payload) {
  if (payload.is_null()) return ack_json(envelope_id);
  nlohmann::json j = nlohmann::json::object();
  j["envelope_id"] = envelope_id;
  j["payload"] = payload;
  return j.dump();
}

}  // namespace brigade::slack
