// Block Kit rendering of replies, within Slack's limits (see blocks.hpp).
#include "adapters/slack/blocks.hpp"

#include "adapters/slack/mrkdwn.hpp"
#include "core/text.hpp"

namespace brigade::slack {

namespace {

using nlohmann::json;

const char* const kEllipsis = "…";  // 3 bytes

json plain_text(std::string_view text) {
  json t = json::object();
  t["type"] = "plain_text";
  t["text"] = std::string(text);
  t["emoji"] = true;
  return t;
}

json mrkdwn_text(std::string_view text) {
  json t = json::object();
  t["type"] = "mrkdwn";
  t["text"] = std::string(text);
  return t;
}

json section(std::string_view text) {
  json b = json::object();
  b["type"] = "section";
  b["text"] = mrkdwn_text(shorten(text, kMaxTextChars));
  return b;
}

json context(std::string_view text) {
  json b = json::object();
  b["type"] = "context";
  b["elements"] = json::array({mrkdwn_text(shorten(text, kMaxTextChars))});
  return b;
}

std::string flatten(const std::vector<core::Span>& spans) {
  std::string s;
  for (const auto& sp : spans) s += sp.text;
  return s;
}

// One layout block; null when it would be empty (Slack refuses empty text objects).
json layout_block(const core::Block& b, bool ping) {
  switch (b.kind) {
    case core::Block::Kind::divider: {
      json d = json::object();
      d["type"] = "divider";
      return d;
    }
    case core::Block::Kind::header: {
      std::string words = std::string(core::trim(flatten(b.text)));
      if (words.empty()) return nullptr;
      json h = json::object();
      h["type"] = "header";
      h["text"] = plain_text(shorten(words, kMaxHeaderChars));
      return h;
    }
    case core::Block::Kind::context: {
      std::string text = render(b.text, ping);
      return core::trim(text).empty() ? json(nullptr) : context(text);
    }
    case core::Block::Kind::section:
      break;
  }
  std::string text = render(b.text, ping);
  return core::trim(text).empty() ? json(nullptr) : section(text);
}

json actions(const std::vector<core::Button>& buttons) {
  json elements = json::array();
  for (const auto& btn : buttons) {
    if (btn.action.empty() || btn.label.empty() || elements.size() >= kMaxActionElements) continue;
    json e = json::object();
    e["type"] = "button";
    e["action_id"] = btn.action;
    e["text"] = plain_text(shorten(btn.label, kMaxButtonText));
    e["value"] = std::string(core::utf8_truncate(btn.value, kMaxButtonValue));
    if (btn.style == core::Button::Style::primary) e["style"] = "primary";
    if (btn.style == core::Button::Style::danger) e["style"] = "danger";
    elements.push_back(std::move(e));
  }
  if (elements.empty()) return nullptr;
  json a = json::object();
  a["type"] = "actions";
  a["block_id"] = "brigade_actions";
  a["elements"] = std::move(elements);
  return a;
}

// A permalink as Slack link syntax: nothing in it may close the <…> early.
std::string link_line(std::string_view permalink) {
  std::string url;
  for (char c : permalink)
    if (c != '<' && c != '>' && c != '|' && c != ' ' && c != '\n') url += c;
  return "<" + url + "|See it in the channel>";
}

// The blocks of `rep` within `max_blocks`: layout, link, then actions.
json build(const core::Reply& rep, std::string_view permalink, std::size_t max_blocks, bool ping,
           bool always) {
  json content = json::array();
  for (const auto& b : rep.blocks)
    if (json j = layout_block(b, ping); !j.is_null()) content.push_back(std::move(j));
  json acts = actions(rep.buttons);
  if (content.empty() && (always || !acts.is_null() || !permalink.empty())) {
    std::string body = render(rep.body, ping);
    if (!core::trim(body).empty()) content.push_back(section(body));
  }
  if (content.empty() && acts.is_null() && permalink.empty()) return json::array();
  std::size_t reserved = (acts.is_null() ? 0 : 1) + (permalink.empty() ? 0 : 1);
  std::size_t room = max_blocks > reserved ? max_blocks - reserved : 0;
  if (content.size() > room) {
    content.erase(content.begin() + static_cast<std::ptrdiff_t>(room - 1), content.end());
    content.push_back(context(std::string(kEllipsis) + " (shortened)"));
  }
  if (!permalink.empty()) content.push_back(context(link_line(permalink)));
  if (!acts.is_null()) content.push_back(std::move(acts));
  return content;
}

}  // namespace

std::string shorten(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  if (max_bytes < 4) return std::string(core::utf8_truncate(text, max_bytes));
  std::string_view cut = core::utf8_truncate(text, max_bytes - 3);
  // Never inside a <…> token or an &…; entity: cut before it.
  auto open = cut.rfind('<');
  if (open != std::string_view::npos && cut.find('>', open) == std::string_view::npos) cut = cut.substr(0, open);
  auto amp = cut.rfind('&');
  if (amp != std::string_view::npos && cut.find(';', amp) == std::string_view::npos) cut = cut.substr(0, amp);
  return std::string(cut) + kEllipsis;
}

json message_blocks(const core::Reply& rep, std::string_view permalink) {
  json blocks = build(rep, permalink, kMaxMessageBlocks, rep.ping, false);
  return blocks;
}

std::string message_text(const core::Reply& rep, std::string_view permalink) {
  std::string text = render(rep.body, rep.ping);
  if (!permalink.empty()) text += (text.empty() ? "" : "\n") + link_line(permalink);
  return shorten(text, 39000);  // Slack truncates `text` after 40,000 characters
}

json home_view(const core::Reply& rep) {
  json view = json::object();
  view["type"] = "home";
  view["callback_id"] = "brigade_home";
  // Mentions in a view notify nobody: they show as names.
  view["blocks"] = build(rep, {}, kMaxViewBlocks, true, true);
  fit_bytes(view, kMaxViewBytes);
  return view;
}

void fit_bytes(json& view, std::size_t max_bytes) {
  if (!view.is_object() || !view.contains("blocks") || !view["blocks"].is_array()) return;
  json& blocks = view["blocks"];
  std::size_t total = view.dump().size();
  while (total > max_bytes && !blocks.empty()) {
    std::size_t at = blocks.size() - 1;
    if (blocks[at].value("type", "") == "actions" && at > 0) --at;
    total -= blocks[at].dump().size() + (blocks.size() > 1 ? 1 : 0);
    blocks.erase(blocks.begin() + static_cast<std::ptrdiff_t>(at));
  }
}

}  // namespace brigade::slack
