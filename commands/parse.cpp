// The argument grammar: tokens with atomic mentions, recipients, reasons, #values, verbs, dates.
#include "commands/parse.hpp"

#include <algorithm>
#include <limits>

#include "core/text.hpp"
#include "store/store.hpp"

namespace brigade::commands {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Punctuation that ends a #value word.
bool ends_value(char c) {
  return std::string_view(",.;:!?)").find(c) != std::string_view::npos;
}

// A token that only joins recipients: "," "&" "and" (also ",&" typed without spaces).
bool is_separator(const Token& t) {
  if (t.mention) return false;
  if (core::to_lower_ascii(t.text) == "and") return true;
  return std::all_of(t.text.begin(), t.text.end(), [](char c) { return c == ',' || c == '&'; });
}

// A token of punctuation only, like the ":" in "@bob: for the review" or a dash; it is not
// part of what the giver said about the recipient.
bool is_punctuation(const Token& t) {
  if (t.mention) return false;
  std::string_view s = t.text;
  while (!s.empty()) {
    if (std::string_view(",:;-&").find(s.front()) != std::string_view::npos) {
      s.remove_prefix(1);
    } else if (s.substr(0, 3) == "\u2014" || s.substr(0, 3) == "\u2013") {  // em and en dash
      s.remove_prefix(3);
    } else {
      return false;
    }
  }
  return true;
}

// A token that is nothing but one #value and trailing punctuation ("#teamwork", "#speed!").
bool is_tag_only(const Token& t) {
  if (t.mention || t.text.size() < 2 || t.text.front() != '#') return false;
  if (!value_tag(t.text)) return false;
  std::size_t i = 1;
  while (i < t.text.size() && !ends_value(t.text[i]) && t.text[i] != '#') ++i;
  for (; i < t.text.size(); ++i)
    if (!ends_value(t.text[i])) return false;
  return true;
}

void add_user(std::vector<core::UserRef>& users, const core::UserRef& u) {
  if (std::none_of(users.begin(), users.end(), [&](const core::UserRef& x) { return x.id == u.id; }))
    users.push_back(u);
}

// Text from token `first` to the end of token `last`, spacing collapsed.
std::string span_text(std::string_view text, const std::vector<Token>& tokens, std::size_t first,
                      std::size_t last) {
  if (first > last || last >= tokens.size()) return {};
  return collapse_space(text.substr(tokens[first].pos, tokens[last].end() - tokens[first].pos));
}

}  // namespace

std::string lower(const Token& t) {
  return t.mention ? std::string() : core::to_lower_ascii(t.text);
}

std::size_t space_at(std::string_view s, std::size_t i) {
  if (i >= s.size()) return 0;
  auto b = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  switch (b(0)) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
    case '\f':
    case '\v':
      return 1;
    case 0xC2:
      return b(1) == 0xA0 || b(1) == 0x85 ? 2 : 0;  // NBSP, NEL
    case 0xE1:
      return b(1) == 0x9A && b(2) == 0x80 ? 3 : 0;  // U+1680
    case 0xE2:
      if (b(1) == 0x80 && ((b(2) >= 0x80 && b(2) <= 0x8B) || b(2) == 0xA8 || b(2) == 0xA9 || b(2) == 0xAF))
        return 3;  // U+2000..U+200B (incl. zero width), line/paragraph separators, narrow NBSP
      return b(1) == 0x81 && b(2) == 0x9F ? 3 : 0;  // U+205F
    case 0xE3:
      return b(1) == 0x80 && b(2) == 0x80 ? 3 : 0;  // U+3000
    case 0xEF:
      return b(1) == 0xBB && b(2) == 0xBF ? 3 : 0;  // a stray BOM / zero-width no-break space
    default:
      return 0;
  }
}

std::vector<Token> tokenize(std::string_view text, const std::vector<core::Mention>& mentions) {
  // Usable spans in text order; anything malformed is left as plain text.
  // A span must start and end on code-point boundaries, or the text around it would be cut mid-character.
  auto boundary = [&](std::size_t i) { return core::utf8_boundary(text, i); };
  // A span of nothing but white space (a blank display name) is as good as empty.
  auto blank = [&](const core::Mention& m) { return collapse_space(text.substr(m.pos, m.len)).empty(); };
  std::vector<const core::Mention*> spans;
  for (const auto& m : mentions)
    if (m.len > 0 && m.pos < text.size() && m.len <= text.size() - m.pos && boundary(m.pos) &&
        boundary(m.pos + m.len) && (!m.user.id.empty() || m.is_channel()) && !blank(m))
      spans.push_back(&m);
  std::stable_sort(spans.begin(), spans.end(), [](auto* a, auto* b) { return a->pos < b->pos; });
  std::vector<const core::Mention*> clean;
  for (auto* m : spans)
    if (clean.empty() || m->pos >= clean.back()->pos + clean.back()->len) clean.push_back(m);

  std::vector<Token> out;
  std::size_t next = 0;  // index into clean
  std::size_t i = 0;
  while (i < text.size()) {
    while (next < clean.size() && clean[next]->pos < i) ++next;  // (cannot happen with clean spans)
    if (next < clean.size() && clean[next]->pos == i) {
      const auto* m = clean[next++];
      out.push_back(Token{text.substr(i, m->len), i, m});
      i += m->len;
      continue;
    }
    if (auto n = space_at(text, i)) {
      i += n;
      continue;
    }
    std::size_t stop = next < clean.size() ? clean[next]->pos : text.size();
    std::size_t j = i;
    while (j < stop && space_at(text, j) == 0) ++j;
    out.push_back(Token{text.substr(i, j - i), i, nullptr});
    i = j;
  }
  return out;
}

std::string collapse_space(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending = false;
  for (std::size_t i = 0; i < text.size();) {
    if (auto n = space_at(text, i)) {
      pending = !out.empty();
      i += n;
      continue;
    }
    if (pending) out += ' ';
    pending = false;
    out += text[i++];
  }
  return out;
}

std::optional<std::string> value_tag(std::string_view token) {
  while (!token.empty() && (token.front() == '(' || token.front() == '[')) token.remove_prefix(1);
  if (token.size() < 2 || token.front() != '#') return std::nullopt;
  std::size_t i = 1;
  while (i < token.size() && !ends_value(token[i]) && token[i] != '#') ++i;
  std::string_view word = token.substr(1, i - 1);
  if (word.empty() || std::all_of(word.begin(), word.end(), is_digit)) return std::nullopt;
  return core::to_lower_ascii(word);
}

std::optional<std::uint64_t> parse_number(std::string_view token) {
  if (!token.empty() && token.front() == '#') token.remove_prefix(1);
  if (token.empty() || !std::all_of(token.begin(), token.end(), is_digit)) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : token) {
    auto d = static_cast<std::uint64_t>(c - '0');
    if (n > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return 0;  // no request has such an id
    n = n * 10 + d;
  }
  return n;
}

ThanksArgs parse_thanks(std::string_view text, const std::vector<core::Mention>& mentions) {
  ThanksArgs a;
  auto tokens = tokenize(text, mentions);
  if (tokens.empty() || (tokens.size() == 1 && lower(tokens[0]) == "help")) {
    a.help = true;
    return a;
  }

  // Recipients: the leading user mentions. A separator counts only between two mentions, so
  // "@bob and the team" keeps "and the team" as the reason.
  std::size_t i = 0;
  while (i < tokens.size()) {
    if (tokens[i].is_user()) {
      add_user(a.recipients, tokens[i].mention->user);
      ++i;
      continue;
    }
    if (a.recipients.empty() || !is_separator(tokens[i])) break;
    std::size_t j = i;
    while (j < tokens.size() && is_separator(tokens[j])) ++j;
    if (j == tokens.size() || !tokens[j].is_user()) break;
    i = j;
  }
  while (i < tokens.size() && is_punctuation(tokens[i])) ++i;
  if (i == tokens.size()) return a;

  for (std::size_t k = i; k < tokens.size(); ++k) {
    if (tokens[k].is_user() && std::none_of(a.recipients.begin(), a.recipients.end(), [&](const auto& r) {
          return r.id == tokens[k].mention->user.id;
        }))
      add_user(a.not_counted, tokens[k].mention->user);
    if (tokens[k].mention) continue;  // "#general" as a channel mention is a place, not a value
    if (auto v = value_tag(tokens[k].text);
        v && std::find(a.values.begin(), a.values.end(), *v) == a.values.end())
      a.values.push_back(*v);
  }
  std::size_t last = tokens.size();
  while (last > i && is_tag_only(tokens[last - 1])) --last;
  if (last > i) a.reason = span_text(text, tokens, i, last - 1);
  // "@bob,for lunch": punctuation glued to the mention is not part of the reason.
  while (!a.reason.empty() && std::string_view(",;:").find(a.reason.front()) != std::string_view::npos)
    a.reason = std::string(core::trim(std::string_view(a.reason).substr(1)));
  // "for the review, #teamwork": the comma belonged to the tags that were taken off.
  if (last < tokens.size())
    while (!a.reason.empty() && std::string_view(",;:").find(a.reason.back()) != std::string_view::npos)
      a.reason = std::string(core::trim(a.reason.substr(0, a.reason.size() - 1)));
  return a;
}

AskArgs parse_ask(std::string_view text, const std::vector<core::Mention>& mentions) {
  AskArgs a;
  auto tokens = tokenize(text, mentions);
  if (tokens.empty()) return a;
  const std::string verb = lower(tokens[0]);
  if (tokens.size() == 1 && verb == "help") {
    a.verb = AskArgs::Verb::help;
    return a;
  }
  // A sub-command word first is a sub-command, even with bad arguments: a typo such as
  // "take abc" gets the usage privately instead of opening a public request called "take abc".
  if (verb == "list") {
    if (tokens.size() == 1)
      a.verb = AskArgs::Verb::list;
    else
      a.problem = "list takes nothing after it";
    return a;
  }
  if (verb == "take" || verb == "done" || verb == "cancel") {
    // "take 3," / "done #3:": punctuation after the number belongs to the sentence.
    std::string_view num = tokens.size() > 1 && !tokens[1].mention ? tokens[1].text : std::string_view();
    while (!num.empty() && std::string_view(",.;:!?").find(num.back()) != std::string_view::npos)
      num.remove_suffix(1);
    auto n = parse_number(num);
    if (!n) {
      a.problem = verb + " which request? Give its number: " + verb + " N";
      return a;
    }
    a.number = *n;
    a.verb = verb == "take"   ? AskArgs::Verb::take
             : verb == "done" ? AskArgs::Verb::done
                              : AskArgs::Verb::cancel;
    if (a.verb != AskArgs::Verb::done) return a;  // "take 3, on it!": the rest is chat
    std::string_view stray;
    for (std::size_t k = 2; k < tokens.size(); ++k) {
      if (tokens[k].is_user())
        add_user(a.helpers, tokens[k].mention->user);
      else if (stray.empty() && !is_separator(tokens[k]))
        stray = tokens[k].text;
    }
    // "done 3 bob": a name typed without its mention must not quietly credit the taker instead.
    // With helpers mentioned, the rest is chat ("done 3 @erin thanks so much!").
    if (a.helpers.empty() && !stray.empty()) {
      a.verb = AskArgs::Verb::usage;
      const std::string n = std::to_string(a.number);
      a.problem = "\"" + std::string(stray) + "\" is not a mention. Mention the helpers (done " + n +
                  " @name), or send just done " + n + " to credit whoever took it";
    }
    return a;
  }
  a.verb = AskArgs::Verb::open;
  a.text = collapse_space(text);
  return a;
}

namespace {

// `/kudos summary` after its first word: people, a channel, everyone, me, since/until DATE. Sets
// a.problem at the first word it cannot use.
void parse_summary(const std::vector<Token>& tokens, KudosArgs& a) {
  for (std::size_t i = 1; i < tokens.size(); ++i) {
    const auto& t = tokens[i];
    const std::string w = lower(t);
    if (t.is_user()) {
      add_user(a.users, t.mention->user);
    } else if (t.is_channel()) {
      if (a.channel && a.channel->id != t.mention->channel.id) {
        a.problem = "one channel at a time, please";
        return;
      }
      a.channel = t.mention->channel;
    } else if (w == "since" || w == "from" || w == "until" || w == "to") {
      if (i + 1 == tokens.size() || tokens[i + 1].mention) {
        a.problem = "\"" + std::string(t.text) + "\" needs a date (YYYY-MM-DD)";
        return;
      }
      (w == "since" || w == "from" ? a.since : a.until) = std::string(tokens[++i].text);
    } else if (w == "everyone" || w == "everybody" || w == "all" || w == "team") {
      a.everyone = true;
    } else if (w == "me" || w == "myself") {
      a.me = true;
    } else if (is_separator(t)) {
      // "@a, @b and @c"
    } else if (!t.text.empty() && t.text.front() == '#') {
      a.problem = "I don't know the channel " + std::string(t.text) + " — mention it so your chat links it";
      return;
    } else {
      a.problem = "I don't understand \"" + std::string(t.text) + "\"";
      return;
    }
  }
}

}  // namespace

// undo [K42] · revoke K42 reason… · privacy [public|hidden|off]: words, not mentions.
KudosArgs parse_correction(std::string_view text, const std::string& verb) {
  KudosArgs a;
  auto trim_front = [&text]() {
    while (std::size_t n = space_at(text, 0)) text.remove_prefix(n);
  };
  auto next_word = [&text, &trim_front]() {
    trim_front();
    std::size_t end = 0;
    while (end < text.size() && space_at(text, end) == 0) ++end;
    auto w = text.substr(0, end);
    text.remove_prefix(end);
    return w;
  };
  next_word();  // the verb
  const auto arg = next_word();
  trim_front();
  while (!text.empty() && space_at(text, text.size() - 1) == 1) text.remove_suffix(1);
  if (verb == "privacy") {
    a.verb = KudosArgs::Verb::privacy;
    a.privacy = core::to_lower_ascii(arg);
    if (!text.empty()) a.problem = "privacy takes one word: public, hidden or off";
  } else {
    a.verb = verb == "undo" ? KudosArgs::Verb::undo : KudosArgs::Verb::revoke;
    if (!arg.empty()) a.number = store::parse_kudos_label(arg);
    if (!arg.empty() && !a.number)
      a.problem = "\"" + std::string(arg) + "\" is not a kudos number like K42";
    else if (a.verb == KudosArgs::Verb::undo && !text.empty())
      a.problem = "undo takes at most a kudos number, like K42";
    else if (a.verb == KudosArgs::Verb::revoke && !a.number)
      a.problem = "revoke needs a kudos number and a reason, like K42 duplicate of K41";
    a.reason = std::string(text);
  }
  if (!a.problem.empty()) a.verb = KudosArgs::Verb::usage;
  return a;
}

KudosArgs parse_kudos(std::string_view text, const std::vector<core::Mention>& mentions) {
  KudosArgs a;
  auto tokens = tokenize(text, mentions);
  if (tokens.empty()) {
    a.verb = KudosArgs::Verb::me;
    return a;
  }
  const std::string first = lower(tokens[0]);
  if (tokens.size() == 1 && (first == "help" || first == "?")) {
    a.verb = KudosArgs::Verb::help;
    return a;
  }
  if (tokens.size() == 1 && (first == "me" || first == "mine")) {
    a.verb = KudosArgs::Verb::me;
    return a;
  }
  if (first == "undo" || first == "revoke" || first == "privacy") return parse_correction(text, first);
  if (first == "summary" || first == "report") {
    a.verb = KudosArgs::Verb::summary;
    parse_summary(tokens, a);
    if (!a.problem.empty()) a.verb = KudosArgs::Verb::usage;
    return a;
  }
  for (const auto& t : tokens) {
    if (t.is_user()) {
      add_user(a.users, t.mention->user);
    } else if (!is_separator(t)) {
      a.problem = t.is_channel() ? "to see a channel, use summary " + std::string(t.text)
                                 : "I don't understand \"" + std::string(t.text) + "\"";
      a.users.clear();
      return a;
    }
  }
  a.verb = a.users.empty() ? KudosArgs::Verb::usage : KudosArgs::Verb::people;
  return a;
}

}  // namespace brigade::commands
