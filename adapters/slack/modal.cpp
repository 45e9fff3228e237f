// The thanks modal: view JSON, private_metadata, submission → command, errors ack (see modal.hpp).
#include "adapters/slack/modal.hpp"

#include <algorithm>
#include <cctype>

#include "adapters/net/json_fields.hpp"
#include "adapters/slack/blocks.hpp"
#include "adapters/slack/mrkdwn.hpp"
#include "core/text.hpp"

namespace brigade::slack {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxErrorText = 200;  // an error under a field: a line or two
constexpr std::size_t kMaxOptions = 100;    // a static select's options

const json& field(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

json plain(std::string_view text) {
  json t = json::object();
  t["type"] = "plain_text";
  t["text"] = std::string(text);
  t["emoji"] = true;
  return t;
}

json input(std::string_view block, std::string_view label, json element, bool optional) {
  element["action_id"] = std::string(block);
  json b = json::object();
  b["type"] = "input";
  b["block_id"] = std::string(block);
  b["label"] = plain(label);
  b["element"] = std::move(element);
  b["optional"] = optional;
  return b;
}

// Slack ids (U…, C…, W…): letters and digits only, so nothing read back can become markup.
bool slack_id(std::string_view id) {
  return !id.empty() && id.size() <= 32 &&
         std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isalnum(c) != 0; });
}

bool plain_value(std::string_view v) {
  return !v.empty() && v.find_first_of(" \t\r\n<>&#|*_~`") == std::string_view::npos;
}

json recipients_element(const ModalRequest& req, const ModalSettings& s) {
  json e = json::object();
  e["type"] = "multi_users_select";
  e["placeholder"] = plain("Choose people");
  if (s.max_recipients > 0) e["max_selected_items"] = s.max_recipients;
  if (slack_id(req.author) && req.author != req.user) e["initial_users"] = json::array({req.author});
  return e;
}

json reason_element(const ModalSettings& s) {
  json e = json::object();
  e["type"] = "plain_text_input";
  e["multiline"] = true;
  e["placeholder"] = plain("for the review, the late-night fix, …");
  // The command's reason is "for " + what was typed: 4 characters of the allowance go to it.
  if (s.max_reason_length > 4) e["max_length"] = std::min<std::size_t>(s.max_reason_length - 4, kMaxTextChars);
  return e;
}

json values_element(const ModalSettings& s) {
  json options = json::array();
  for (const auto& v : s.values) {
    if (!plain_value(v) || options.size() >= kMaxOptions || v.size() > 150) continue;
    json o = json::object();
    o["text"] = plain(shorten("#" + v, 75));
    o["value"] = v;
    options.push_back(std::move(o));
  }
  json e = json::object();
  e["type"] = "multi_static_select";
  e["placeholder"] = plain("Choose values");
  e["options"] = std::move(options);
  return e;
}

json channel_element(const ModalRequest& req) {
  json e = json::object();
  e["type"] = "conversations_select";
  e["placeholder"] = plain("Choose a channel");
  e["default_to_current_conversation"] = true;
  if (slack_id(req.channel)) e["initial_conversation"] = req.channel;
  json filter = json::object();
  filter["include"] = json::array({"public", "private"});
  filter["exclude_bot_users"] = true;
  e["filter"] = std::move(filter);
  return e;
}

// state.values[block][block]: the element's state (the action id is the block id).
const json& state_of(const json& view, std::string_view block) {
  const json& values = field(field(view, "state"), "values");
  std::string key(block);
  return field(field(values, key.c_str()), key.c_str());
}

// The reason as one line, & < > escaped: nothing typed can become a mention, a link or markup.
std::string reason_text(std::string reason) {
  std::replace_if(reason.begin(), reason.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
  reason = std::string(core::trim(reason));
  if (reason.empty()) return {};
  std::string low = core::to_lower_ascii(reason.substr(0, 4));
  return (low == "for " ? "" : "for ") + escape(reason);
}

}  // namespace

ModalSettings ModalSettings::from(const commands::Rules& rules) {
  ModalSettings s;
  s.values = rules.values;
  s.values_required = rules.values_required;
  s.max_recipients = rules.max_recipients;
  s.max_reason_length = rules.max_reason_length;
  return s;
}

std::string encode_meta(const ModalMeta& m) {
  json j = json::object();
  j["c"] = m.command;
  if (!m.channel.empty()) j["ch"] = m.channel;
  if (!m.link.empty()) j["l"] = m.link;
  return std::string(core::utf8_truncate(j.dump(), 3000));
}

ModalMeta decode_meta(std::string_view text) {
  ModalMeta m;
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return m;
  if (std::string c = net::string_field(j, "c"); c == "thanks" || c == "praise") m.command = c;
  if (std::string ch = net::string_field(j, "ch"); slack_id(ch)) m.channel = ch;
  m.link = net::string_field(j, "l");
  return m;
}

json thanks_modal(const ModalRequest& req, const ModalSettings& s, const ModalMeta& meta) {
  const bool praise = meta.command == "praise";
  json blocks = json::array();
  blocks.push_back(input(kRecipientsBlock, praise ? "Who do you want to praise?" : "Who do you want to thank?",
                         recipients_element(req, s), false));
  blocks.push_back(input(kReasonBlock, "What for?", reason_element(s), true));
  if (!s.values.empty())
    blocks.push_back(input(kValuesBlock, "Company values", values_element(s), !s.values_required));
  blocks.push_back(input(kChannelBlock, "Celebrate in", channel_element(req), false));
  if (!meta.link.empty()) {
    json c = json::object();
    c["type"] = "context";
    c["elements"] = json::array({json::object({{"type", "mrkdwn"}, {"text", "For this message: " + meta.link}})});
    blocks.push_back(std::move(c));
  }
  json view = json::object();
  view["type"] = "modal";
  view["callback_id"] = std::string(kModalCallback);
  view["title"] = plain(praise ? "Praise" : "Give kudos");
  view["submit"] = plain("Send");
  view["close"] = plain("Cancel");
  view["private_metadata"] = encode_meta(meta);
  view["blocks"] = std::move(blocks);
  return view;
}

Action read_submission(const json& p) {
  const json& view = field(p, "view");
  Action a;
  std::string view_id = net::string_field(view, "id");
  std::string user = net::string_field(field(p, "user"), "id");
  if (view_id.empty() || !slack_id(user)) {
    a.why = "view_submission without view id or user";
    return a;
  }
  ModalMeta meta = decode_meta(net::string_field(view, "private_metadata"));
  std::string text;
  for (const auto& u : net::strings_field(state_of(view, kRecipientsBlock), "selected_users"))
    if (slack_id(u)) text += "<@" + u + "> ";
  std::string channel = net::string_field(state_of(view, kChannelBlock), "selected_conversation");
  if (!slack_id(channel)) channel = meta.channel;
  if (text.empty() || channel.empty()) {
    a.kind = Action::Kind::answer;
    a.answer = text.empty() ? errors_payload(kRecipientsBlock, "Choose at least one person.")
                            : errors_payload(kChannelBlock, "Choose where to celebrate.");
    return a;
  }
  if (std::string reason = reason_text(net::string_field(state_of(view, kReasonBlock), "value")); !reason.empty())
    text += reason + " ";
  const json& options = field(state_of(view, kValuesBlock), "selected_options");
  if (options.is_array())
    for (const auto& o : options)
      if (std::string v = net::string_field(o, "value"); plain_value(v)) text += "#" + core::normalise_value(v) + " ";
  a.kind = Action::Kind::command;
  Inbound& c = a.command;
  c.source_id = "slack:view:" + view_id;
  c.team = net::string_field(field(p, "team"), "id");
  if (c.team.empty()) c.team = net::string_field(field(p, "user"), "team_id");
  c.user = user;
  c.user_name = net::string_field(field(p, "user"), "name");
  c.channel = channel;
  c.command = meta.command;
  c.text = std::string(core::trim(text));
  c.form = true;
  c.link = meta.link;
  return a;
}

std::string_view field_block(commands::Field f) {
  switch (f) {
    case commands::Field::reason:
      return kReasonBlock;
    case commands::Field::values:
      return kValuesBlock;
    case commands::Field::channel:
      return kChannelBlock;
    case commands::Field::none:
    case commands::Field::recipients:
      break;
  }
  return kRecipientsBlock;
}

json errors_payload(commands::Field f, std::string_view text) {
  return errors_payload(field_block(f), text);
}

json errors_payload(std::string_view block, std::string_view text) {
  std::string t(text);
  std::replace(t.begin(), t.end(), '\n', ' ');
  t = std::string(core::trim(t));
  if (t.empty()) t = "That did not work; please try again.";
  json errors = json::object();
  errors[std::string(block)] = shorten(t, kMaxErrorText);
  json p = json::object();
  p["response_action"] = "errors";
  p["errors"] = std::move(errors);
  return p;
}

json submission_ack(const commands::Result& r, bool values_shown) {
  using commands::Outcome;
  if (r.outcome == Outcome::ok || r.outcome == Outcome::duplicate) return nullptr;
  if (r.outcome == Outcome::error)
    return errors_payload(kRecipientsBlock, "Brigade could not save that just now; please send it again.");
  std::string text;
  for (const auto& rep : r.replies)
    if (text.empty() && rep.audience == core::Audience::private_) text = rep.plain();
  if (text.empty() && !r.replies.empty()) text = r.replies.front().plain();
  commands::Field f = r.field == commands::Field::values && !values_shown ? commands::Field::recipients : r.field;
  return errors_payload(f, text);
}

json slash_hint(std::string_view command) {
  json p = json::object();
  p["response_type"] = "ephemeral";
  p["text"] = "The form could not be opened. Type it instead: `/" + std::string(command) +
              " @someone for what they did #value`";
  return p;
}

CommandAck command_ack(const commands::Result& r, std::string_view envelope_type, bool form, bool values_shown) {
  if (form) return {true, submission_ack(r, values_shown)};
  if (r.outcome != commands::Outcome::error) return {};
  if (envelope_type == "events_api") return {false, nullptr};
  if (envelope_type != "slash_commands") return {};  // a button: Slack shows nothing from its ack
  json p = json::object();
  p["response_type"] = "ephemeral";
  p["text"] = "Brigade could not save that just now; nothing was recorded. Please send it again.";
  return {true, p};
}

}  // namespace brigade::slack
