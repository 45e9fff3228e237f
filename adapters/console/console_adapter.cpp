// Console parsing (@name mentions, #channel references) and plain-text rendering of replies.
#include "adapters/console/console_adapter.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>

#include "commands/commands.hpp"
#include "core/text.hpp"

namespace brigade::console {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// A name runs until white space or punctuation that ends a word in prose; a trailing dot is
// punctuation ("thanks @bob."), inner dots and dashes are part of names ("@ana.lima").
std::size_t name_end(std::string_view s, std::size_t from) {
  std::size_t i = from;
  while (i < s.size() && !is_space(s[i]) &&
         std::string_view(",;:!?()[]{}\"'<>@#").find(s[i]) == std::string_view::npos)
    ++i;
  while (i > from && (s[i - 1] == '.' || s[i - 1] == '-')) --i;
  return i;
}

bool starts_token(std::string_view s, std::size_t i) {
  return i == 0 || is_space(s[i - 1]) || s[i - 1] == '(';
}

std::string first_word(std::string_view& rest) {
  rest = core::trim(rest);
  std::size_t i = 0;
  while (i < rest.size() && !is_space(rest[i])) ++i;
  std::string w(rest.substr(0, i));
  rest = core::trim(rest.substr(i));
  return w;
}

}  // namespace

ConsoleAdapter::ConsoleAdapter(std::ostream& out, Options opt) : out_(out), opt_(std::move(opt)) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  session_ = std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(now).count()) + "-" +
             std::to_string(::getpid());
}

core::UserRef ConsoleAdapter::user_ref(std::string_view name, const std::vector<std::string>& bots) {
  core::UserRef u;
  // Ids are case-insensitive so "@Bob" and "@bob" are one person; the display keeps the case.
  u.id = "console:" + core::to_lower_ascii(name);
  u.name = std::string(name);
  u.is_bot = std::any_of(bots.begin(), bots.end(), [&](const std::string& b) {
    return core::to_lower_ascii(b) == core::to_lower_ascii(name);
  });
  return u;
}

std::string ConsoleAdapter::prompt() const {
  return opt_.user + " in #" + opt_.channel + "> ";
}

Line ConsoleAdapter::parse_line(std::string_view raw) {
  Line line;
  std::string_view rest = core::trim(raw);
  if (rest.empty()) return line;
  if (rest.front() != '/' && rest.front() != '!') {
    line.kind = Line::Kind::meta;
    line.response = "Commands start with / or ! — try /thanks @someone for something, or /kudos help";
    return line;
  }
  rest.remove_prefix(1);
  std::string word = core::to_lower_ascii(first_word(rest));
  if (word == "quit" || word == "exit") {
    line.kind = Line::Kind::quit;
    return line;
  }
  if (auto answer = console_command(word, rest)) {
    line.kind = Line::Kind::meta;
    line.response = std::move(*answer);
    return line;
  }
  const auto& known = commands::command_names();
  if (std::find(known.begin(), known.end(), word) == known.end()) {
    line.kind = Line::Kind::meta;
    line.response = "I don't know /" + word + " — try /kudos help";
    return line;
  }
  line.kind = Line::Kind::command;
  line.event = command_event(word, rest);
  return line;
}

// The console's own commands (/as, /channel, /whoami, /help): their answer, or nothing for a
// Brigade command.
std::optional<std::string> ConsoleAdapter::console_command(const std::string& word, std::string_view rest) {
  if (word == "as" || word == "channel" || word == "join") {
    std::string arg = first_word(rest);
    while (!arg.empty() && (arg.front() == '@' || arg.front() == '#')) arg.erase(0, 1);
    if (arg.empty() || !core::valid_utf8(arg))
      return word == "as" ? "Usage: /as NAME" : "Usage: /channel NAME";
    if (word == "as") {
      opt_.user = arg;
      return "You are now " + arg + ".";
    }
    opt_.channel = arg;
    return "You are now in #" + arg + ".";
  }
  if (word == "whoami") return "You are " + opt_.user + " in #" + opt_.channel + ".";
  if (word == "help")
    return "Console: /as NAME switches who you are, /channel NAME where you are, /quit leaves.\n"
           "Brigade: /thanks /praise /ask /leaderboard /kudos — /kudos help explains them.";
  return std::nullopt;
}

core::Event ConsoleAdapter::command_event(const std::string& word, std::string_view rest) {
  core::Event ev;
  ev.platform = "console";
  ev.source_id = "console:" + session_ + ":" + std::to_string(++line_no_);
  ev.user = user_ref(opt_.user, opt_.bots);
  ev.channel = core::ChannelRef{qualify_channel(opt_.channel), opt_.channel};
  ev.command = word;
  ev.text = std::string(rest);
  // @name is a person everywhere; #name is a channel only where a command takes channels
  // (/kudos summary), elsewhere it is a #value.
  const std::string& t = ev.text;
  bool channels = word == "kudos";
  for (std::size_t i = 0; i < t.size(); ++i) {
    if ((t[i] != '@' && !(channels && t[i] == '#')) || !starts_token(t, i)) continue;
    std::size_t end = name_end(t, i + 1);
    if (end == i + 1) continue;
    std::string_view name(t.data() + i + 1, end - i - 1);
    core::Mention m;
    m.pos = i;
    m.len = end - i;
    if (t[i] == '@')
      m.user = user_ref(name, opt_.bots);
    else
      m.channel = core::ChannelRef{qualify_channel(name), std::string(name)};
    ev.mentions.push_back(std::move(m));
    i = end - 1;
  }
  return ev;
}

void ConsoleAdapter::deliver(const store::OutboxItem& item, bot::DeliveryDone done) {
  const auto& r = item.reply;
  auto channel_name = [](std::string_view id) {
    return std::string(id.substr(0, 8) == "console:" ? id.substr(8) : id);
  };
  std::string head;
  switch (r.audience) {
    case core::Audience::channel:
      head = "[#" + channel_name(r.channel) + "] ";
      break;
    case core::Audience::crosspost:
      head = "[#" + channel_name(r.channel) + "] ";
      break;
    case core::Audience::private_:
    case core::Audience::direct: {
      std::string who = r.user.substr(0, 8) == "console:" ? r.user.substr(8) : r.user;
      head = "[private to " + who + "] ";
      break;
    }
    case core::Audience::home:
      // There is no Home page in a terminal: nothing to show, and nothing to try again.
      done(bot::Delivery::sent());
      return;
  }
  std::string text = r.plain();
  std::string indent(head.size(), ' ');
  std::string out = head;
  // The console cannot change a line it printed: an edit is a new line that says what it replaces.
  if (!r.replaces.empty()) out += "✏️ (updated) ";
  for (char c : text) {
    out += c;
    if (c == '\n') out += indent;
  }
  {
    std::lock_guard lock(out_mu_);
    out_ << out << '\n' << std::flush;
  }
  done(bot::Delivery::sent());
}

void run_repl(std::istream& in, std::ostream& out, ConsoleAdapter& adapter, bool interactive,
              const std::function<void(core::Event)>& apply) {
  if (interactive) {
    out << "Brigade console — you are " << adapter.options().user << " in #" << adapter.options().channel
        << ". Try: /thanks @bob for the review #teamwork  (/help for console commands)\n";
  }
  std::string raw;
  for (;;) {
    if (interactive) out << adapter.prompt() << std::flush;
    if (!std::getline(in, raw)) break;
    auto line = adapter.parse_line(raw);
    switch (line.kind) {
      case Line::Kind::empty:
        break;
      case Line::Kind::quit:
        return;
      case Line::Kind::meta:
        out << line.response << '\n' << std::flush;
        break;
      case Line::Kind::command:
        apply(std::move(line.event));
        break;
    }
  }
  if (interactive) out << '\n';
}

}  // namespace brigade::console
