// Reply wording shared by the handlers, so every command speaks with one voice.
#include "commands/format.hpp"

#include "core/text.hpp"

namespace brigade::commands {

std::string display_name(std::string_view id, std::string_view name) {
  if (!name.empty() && core::valid_utf8(name)) return std::string(name);
  std::string_view rest = id;
  if (auto colon = rest.find(':'); colon != std::string_view::npos) rest.remove_prefix(colon + 1);
  if (!rest.empty() && (rest.front() == '@' || rest.front() == '!' || rest.front() == '#')) {
    // Matrix ids read "@alice:example.org": the local part is the name people know.
    rest.remove_prefix(1);
    rest = rest.substr(0, rest.find(':'));
  } else if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    rest.remove_prefix(colon + 1);
  }
  if (rest.empty()) rest = id;
  return core::valid_utf8(rest) ? std::string(rest) : std::string("someone");
}

std::string display_name(const core::UserRef& u) {
  return display_name(u.id, u.name);
}

std::string channel_label(const core::ChannelRef& c) {
  std::string n = display_name(c.id, c.name);
  if (!n.empty() && n.front() == '#') n.erase(0, 1);
  return "#" + n;
}

std::string_view prefix(const core::Event& e) {
  return e.platform == "matrix" ? "!" : "/";
}

core::Reply private_reply(const core::Event& e, std::vector<core::Span> body) {
  core::Reply r;
  r.audience = core::Audience::private_;
  r.channel = e.channel.id;
  r.user = e.user.id;
  r.body = std::move(body);
  r.ping = false;
  return r;
}

core::Reply private_reply(const core::Event& e, std::string_view text) {
  return private_reply(e, core::BodyBuilder().text(text).take());
}

core::Reply public_reply(const core::Event& e, std::vector<core::Span> body, bool ping) {
  core::Reply r;
  r.audience = core::Audience::channel;
  r.channel = e.channel.id;
  r.body = std::move(body);
  r.ping = ping;
  return r;
}

Result refuse(const core::Event& e, std::vector<core::Span> body) {
  Result r;
  r.outcome = Outcome::refused;
  r.replies.push_back(private_reply(e, std::move(body)));
  return r;
}

Result refuse(const core::Event& e, std::string_view text) {
  return refuse(e, core::BodyBuilder().text(text).take());
}

Result usage(const core::Event& e, std::string_view text) {
  Result r;
  r.outcome = Outcome::usage;
  r.replies.push_back(private_reply(e, text));
  return r;
}

std::string count_of(std::uint64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string duration_text(core::Millis ms) {
  if (ms < 0) ms = 0;
  std::int64_t minutes = (ms + 59'999) / 60'000;
  if (minutes == 0) minutes = 1;
  std::int64_t h = minutes / 60, m = minutes % 60;
  if (h == 0) return std::to_string(m) + " min";
  // Weekly and monthly allowances renew days away: "4 days 15 h" reads better than "111 h 51 min".
  if (h >= 48) return std::to_string(h / 24) + " days" + (h % 24 ? " " + std::to_string(h % 24) + " h" : "");
  return std::to_string(h) + " h" + (m ? " " + std::to_string(m) + " min" : std::string());
}

void mention_list(core::BodyBuilder& b, const std::vector<core::UserRef>& users) {
  for (std::size_t i = 0; i < users.size(); ++i) {
    if (i > 0) b.text(i + 1 == users.size() ? " and " : ", ");
    b.mention(users[i].id, display_name(users[i]));
  }
}

std::string shorten(std::string_view s, std::size_t max) {
  if (core::utf8_length(s) <= max) return std::string(s);
  if (max == 0) return {};
  // max - 1 code points, and room for "…"
  return std::string(core::trim(s.substr(0, core::utf8_prefix(s, max - 1)))) + "…";
}

std::size_t slack_cost(const std::vector<core::Span>& spans) {
  constexpr std::size_t kMention = 32;  // "<@U0123456789>" and room to spare
  std::size_t n = 0;
  for (const auto& s : spans) {
    if (!s.user_id.empty()) {
      n += kMention;
      continue;
    }
    n += s.text.size();  // bytes: never fewer than characters
    for (char c : s.text) n += c == '&' ? 4 : (c == '<' || c == '>') ? 3 : 0;
  }
  return n;
}

namespace {

// Usage texts are written with "{p}" where the command prefix goes, so they read as users type them.
std::string with_prefix(std::string_view text, std::string_view p) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (text.compare(i, 3, "{p}") == 0) {
      out += p;
      i += 3;
    } else {
      out += text[i++];
    }
  }
  return out;
}

std::string per_period(core::Period p) {
  return p == core::Period::week ? "a week" : p == core::Period::month ? "a month" : "a day";
}

std::string quota_rule(const Rules& rules) {
  std::string out = rules.allowance == 0
                        ? "There is no limit on kudos."
                        : "Everyone can give " + count_of(rules.allowance, "kudos", "kudos") + " " +
                              per_period(rules.allowance_period) + ", one per person thanked.";
  if (rules.max_per_recipient != 0)
    out += " At most " + count_of(rules.max_per_recipient, "goes", "go") + " to the same person " +
           per_period(rules.allowance_period) + ".";
  return out;
}

std::string period_end(const Rules& rules, const core::Calendar& calendar) {
  if (rules.allowance == 0) return "";
  const std::string when = rules.allowance_period == core::Period::week    ? "week ends"
                           : rules.allowance_period == core::Period::month ? "month ends"
                                                                           : "day ends";
  return " The " + when + " at midnight, " + calendar.tz_name() + " time.";
}

}  // namespace

std::string thanks_usage(const core::Event& e, const Rules& rules) {
  std::string values;
  if (!rules.values.empty()) {
    values = rules.values_required ? "\nTag it with one of our values: " : "\nOur values (optional tags): ";
    for (std::size_t i = 0; i < rules.values.size(); ++i) values += (i ? ", #" : "#") + rules.values[i];
  }
  return with_prefix(
             "🙏 Say thanks with a mention and, if you like, a reason:\n"
             "  {p}thanks @alice for the review\n"
             "  {p}thanks @alice @bob for the release #teamwork\n"
             "  {p}praise @alice shipped the migration a week early!  (public praise)\n",
             prefix(e)) +
         quota_rule(rules) + values + with_prefix("\nMore: {p}kudos help", prefix(e));
}

// How a reply "to you" is shown on this platform.
std::string private_words(const core::Event& e, const Rules& rules) {
  return rules.replies_seen_by_room.count(e.platform) ? "as a reply to your message" : "shown only to you";
}

std::string ask_usage(const core::Event& e, const Rules& rules) {
  return with_prefix(
      "🙋 Help requests:\n"
      "  {p}ask how do I rotate the certs?  — opens request #N in this channel\n"
      "  {p}ask list  — open requests in this channel (" +
          private_words(e, rules) +
          ")\n"
          "  {p}ask take N  — you're on it\n"
          "  {p}ask done N [@helper …]  — resolve it and thank the helpers (whoever took it, by default)\n"
          "  {p}ask cancel N  — withdraw it",
      prefix(e));
}

std::string leaderboard_usage(const core::Event& e) {
  return with_prefix(
      "🏆 {p}leaderboard [week|month|quarter|year|all] [all-channels] [share]\n"
      "  e.g. {p}leaderboard month, {p}leaderboard last week, {p}leaderboard all all-channels\n"
      "  Default: this week, this channel. Add share to post it in the channel for everyone.",
      prefix(e));
}

std::string kudos_help(const core::Event& e, const Rules& rules, const core::Calendar& calendar) {
  return with_prefix(
             "Brigade — say thanks where the work happens 🙌\n"
             "  {p}thanks @a [@b …] [reason] [#value …]  — thank people; posted in the channel\n"
             "  {p}praise @a [@b …] message  — public praise, also shared in the wins channel if there is "
             "one\n"
             "  {p}ask what you need  — open a help request #N; {p}ask list (" +
                 private_words(e, rules) +
                 ") · "
                 "{p}ask take N · {p}ask done N [@helper …] · {p}ask cancel N\n"
                 "  {p}leaderboard [week|month|quarter|year|all] [all-channels] [share]  — top 10 (share: "
                 "post it in the channel)\n"
                 "  {p}kudos · {p}kudos @a  — received/given this week, this month, all time\n"
                 "  {p}kudos summary [@a …|#channel|everyone] [since YYYY-MM-DD] [until YYYY-MM-DD]  — "
                 "your recognition summary (others: managers and admins)\n"
                 "  {p}kudos undo [K42]  — take back your latest kudos (or K42) within " +
                 std::to_string(rules.undo_minutes) +
                 " min\n"
                 "  {p}kudos privacy [public|hidden|off]  — how visible you are on leaderboards\n"
                 "  {p}kudos revoke K42 reason  — admins: withdraw a kudos, with a reason\n"
                 "  {p}kudos help  — this message\n",
             prefix(e)) +
         quota_rule(rules) + period_end(rules, calendar) +
         (rules.replies_seen_by_room.count(e.platform)
              ? " Replies like this one are threaded to your message, so others in the room can see them "
                "(an admin can send them to a direct chat instead: matrix.private_replies = \"direct\")."
              : " Replies like this one are only visible to you.");
}

}  // namespace brigade::commands
