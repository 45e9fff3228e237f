// Core value types shared by adapters, commands and the store: who, where, what was asked, what to say back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace brigade::core {

// A person (or bot) on some platform. `id` is platform-qualified and stable:
// "slack:T1:U1", "matrix:@alice:example.org", "console:alice".
struct UserRef {
  std::string id;
  std::string name;  // display name as last seen; may be empty
  bool is_bot = false;
  bool deactivated = false;  // the platform says the account is gone (Slack `deleted`)
  bool unknown = false;      // the platform has no such account (Matrix: no profile; a typo)

  bool operator==(const UserRef& o) const { return id == o.id; }
};

// A conversation: "slack:T1:C1", "matrix:!room:server", "console:general".
struct ChannelRef {
  std::string id;
  std::string name;
};

// A mention the adapter recognised in `Event::text`: bytes [pos, pos+len) name `user`.
// Adapters rewrite platform syntax (`<@U1|bob>`, pills, `@bob`) into readable text
// and record where the mentions are, so commands parse one grammar for every platform
// and nothing typed by a user can forge a mention.
// A mention of a channel (Slack `<#C1|general>`, console `#general` in /kudos summary) sets
// `channel` instead of `user`.
struct Mention {
  std::size_t pos = 0;
  std::size_t len = 0;
  UserRef user;
  ChannelRef channel;
  bool is_channel() const { return !channel.id.empty(); }
};

// One command invocation, normalised by an adapter.
struct Event {
  std::string source_id;  // idempotency key, unique per platform delivery ("console:17", "slack:trigger:…")
  std::string platform;   // "console", "slack", "matrix"
  UserRef user;           // who typed it
  ChannelRef channel;     // where
  std::string command;    // "thanks", "praise", "ask", "leaderboard", "kudos" (no prefix)
  std::string text;       // everything after the command word, mentions rewritten readable
  std::vector<Mention> mentions;  // sorted by pos, non-overlapping
  std::int64_t ts_ms = 0;         // when the platform says it happened (0: use the clock)
  // The platform message a private answer should be threaded to (Matrix: the command's event,
  // or the message a reaction was on). Empty when the platform has private replies of its own.
  std::string reply_to;
  // The command came from a form that shows a refusal itself, next to the field it is about (a
  // Slack modal): the committer queues no private refusal for it (commands::Result::field says where).
  bool form = false;
  // A web address the command is about (the message a "Thank the author" shortcut was used on);
  // celebrations show it. Never stored with the kudos.
  std::string link;
};

// A piece of reply text: plain text, or a mention the adapter renders natively.
struct Span {
  std::string text;     // plain text, or the display fallback of a mention
  std::string user_id;  // non-empty: render as a mention of this qualified user id
};

enum class Audience : std::uint8_t {
  channel = 1,    // public, in `channel`
  private_ = 2,   // only `user` sees it (ephemeral / reply / console "(private)")
  crosspost = 3,  // public, in `channel`, which is the configured wins channel
  direct = 4,     // only `user` sees it, in a direct conversation with the bot (Slack DM, Matrix
                  // direct room); for news about them from elsewhere, such as an admin's revoke
  home = 5,       // `user`'s own page of the app (Slack App Home tab); dropped where there is none
};

// A control on a reply. Slack shows a button; Matrix a reaction the bot puts on its own message
// (when `reaction` is set), which members click by reacting the same; the console shows neither
// (the text says what to type). A click comes back as the command the action names, so it
// follows the same rules as typing it.
struct Button {
  enum class Style : std::uint8_t { plain = 0, primary = 1, danger = 2 };
  std::string action;    // "ask.take", "ask.done", "ask.cancel", "leaderboard.share", "kudos.give"
  std::string label;     // "I'll take it"
  std::string value;     // what the click carries back: the request number, the leaderboard's words
  std::string reaction;  // Matrix: the emoji that stands for it ("✋"); empty: Slack only
  Style style = Style::plain;
};

// A part of a laid-out reply (Slack Block Kit; elsewhere plain text, one paragraph each).
struct Block {
  enum class Kind : std::uint8_t { section = 1, header = 2, context = 3, divider = 4 };
  Kind kind = Kind::section;
  std::vector<Span> text;  // header: plain words; section and context: spans; divider: none
};

// What a handler wants said. Adapters render the spans (mrkdwn, HTML, plain text)
// and escape the text; handlers never produce platform syntax.
struct Reply {
  Audience audience = Audience::channel;
  std::string channel;  // qualified channel id
  std::string user;     // for private replies: the qualified user id
  std::vector<Span> body;
  bool ping = false;     // whether mentions in body should notify (thanks: yes; leaderboards: no)
  std::string reply_to;  // copied from Event::reply_to by the committer; see there
  // A name for the message this reply becomes ("kudos:<id>" for a celebration): once sent, the
  // store remembers where it landed (store::Writer::set_message_ref).
  std::string tag;
  // The tag of an earlier message this reply replaces in place (Slack chat.update, Matrix m.replace
  // edit). Where the platform cannot edit, or the message is unknown, it is posted as a new message.
  std::string replaces;
  // The tag of a message this reply links to ("see it in #kudos"): held until that message
  // landed, like an edit; the adapter turns its reference into a link (Slack permalink, matrix.to).
  std::string link_to;
  // Layout for platforms that have it; `body` stays the whole message in plain words (what
  // notifications, screen readers and the console show). Empty: the body alone.
  std::vector<Block> blocks;
  std::vector<Button> buttons;  // after the text, in this order

  std::string plain() const;  // body flattened, mentions as their display text
};

// Builds reply bodies without repeating Span{...} everywhere.
class BodyBuilder {
 public:
  BodyBuilder& text(std::string_view s);
  BodyBuilder& mention(const UserRef& u);
  BodyBuilder& mention(std::string_view user_id, std::string_view display);
  std::vector<Span> take() { return std::move(spans_); }

 private:
  std::vector<Span> spans_;
};

// The platform part of a qualified id ("slack" for "slack:T1:U1").
std::string_view platform_of(std::string_view qualified_id);

}  // namespace brigade::core
