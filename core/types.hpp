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
