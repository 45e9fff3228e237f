// Matrix /sync responses and room events → what Brigade should do: no I/O, unit-tested.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/types.hpp"

namespace brigade::matrix {

struct Identity {
  std::string user_id;         // the bot, as the homeserver spells it (whoami / login)
  std::string reaction = "🙏";  // the reaction key that gives kudos
};

// Display names as rooms report them (m.room.member, joined_members). Names are per room in
// Matrix; a name seen in any room is the fallback, then the localpart.
class Directory {
 public:
  void set(const std::string& room, const std::string& user, const std::string& name);
  void remove(const std::string& room, const std::string& user);
  void forget_room(const std::string& room);
  std::string name(std::string_view room, std::string_view user) const;
  // The members of `room` whose display name is exactly `name`.
  std::vector<std::string> named(std::string_view room, std::string_view name) const;
  // Whether `user` is known to be in `room` (from joined_members or member events).
  bool member(std::string_view room, std::string_view user) const;
  // A room's whole member list (joined_members), replacing what was known: the room is complete.
  void set_members(const std::string& room, std::vector<std::pair<std::string, std::string>> members);
  bool complete(std::string_view room) const;
  // Whether `user` is known to be in a room Brigade is in, leaving out `except` (their direct room
  // with Brigade, which only carries its private replies).
  bool shares_room(std::string_view user, std::string_view except = {}) const;

  // Rooms' names (m.room.name), so replies say "#Kudos" rather than a room id.
  void set_room_name(const std::string& room, const std::string& name);
  std::string room_name(std::string_view room) const;  // "" when unknown

 private:
  std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> rooms_;
  std::map<std::string, std::string, std::less<>> any_room_;
  std::map<std::string, std::string, std::less<>> room_names_;
  std::set<std::string, std::less<>> complete_;
};

struct Rewritten {
  std::string text;
  std::vector<core::Mention> mentions;  // sorted by pos
};

// Finds who a command's text (the part after the command word) mentions, in this order:
// formatted_body pills (their anchor text located in the plain text), plain user ids typed in
// the text, then m.mentions ids not placed yet: by display name, else put in front of the text
// when the text mentions nobody. Not for replies: Element adds the author of the message
// replied to into m.mentions without it being a command target.
Rewritten resolve_mentions(std::string_view text, std::string_view formatted_body,
                           const std::vector<std::string>& mentioned_ids, bool is_reply,
                           std::string_view room, const Identity& me, const Directory& dir);

// One timeline event, classified.
struct Parsed {
  enum class Kind { ignore, command, reaction, revoke };
  Kind kind = Kind::ignore;
  std::string why;     // ignore: for the debug log
  core::Event event;   // command, and reaction (mention and text filled by complete_reaction)
  std::string target;  // reaction: the event reacted to
  std::string key;     // reaction: its key, as sent
  std::string revoke;  // revoke: the source id whose kudos are taken back
};
Parsed parse_event(const nlohmann::json& ev, const std::string& room, const Identity& me,
                   const Directory& dir);

// A reaction is kept (Kind::reaction) when its key is the configured kudos reaction (event.command
// "thanks") or a button's (buttons.hpp: event.command empty until read_reaction_button reads it).

// Finishes a reaction once the author of the message it is on is known. False (and `why`)
// when it gives nothing: not the kudos reaction, a reaction on one's own message or on Brigade's.
bool complete_reaction(Parsed& p, const std::string& author, const Identity& me, const Directory& dir);

// The parts of a /sync answer Brigade acts on.
struct Invite {
  std::string room;
  std::string inviter;
};
struct JoinedRoom {
  std::string room;
  std::vector<nlohmann::json> timeline;
  bool limited = false;
  // The bot's own join is in this timeline: events before it (the gap a `limited` timeline
  // leaves) were sent before Brigade was there, so no command in them was meant for it.
  bool joined_here = false;
  bool encrypted = false;  // m.room.encryption in state or timeline, or an m.room.encrypted event
};
// Someone else joining, leaving or being banned from a room Brigade is in (m.room.member in a
// joined room's state or timeline). Not the bot's own membership, not invites, knocks or renames,
// not leaving from an invite (declined or withdrawn: never in the room).
struct MembershipChange {
  std::string room;
  std::string user;
  bool joined = false;  // false: left, was kicked or banned
};
std::optional<MembershipChange> membership_change(const nlohmann::json& ev, const std::string& room,
                                                  const Identity& me);

struct SyncBatch {
  std::string next_batch;
  std::vector<Invite> invites;
  std::vector<std::string> left;  // rooms the bot left, was kicked or banned from
  std::vector<JoinedRoom> joined;
  std::vector<MembershipChange> members;  // in the order the answer holds them
};
// Also records display names and members from m.room.member events into `dir`. Throws
// std::runtime_error when the answer has no next_batch (nothing in it can be trusted then).
// The answer is taken by value: timeline events are moved out of it, not copied.
SyncBatch parse_sync(nlohmann::json body, const Identity& me, Directory& dir);

// Who is gone or back after a batch's membership changes (`dir` updated with them): someone who
// left or was banned and now shares no room with Brigade is gone; someone who joined one is back.
// `direct` maps people to the direct room Brigade opened for their private replies, which does not
// count. Qualified ids ("matrix:@…"), each once, sorted. Gone is only as true as `dir` is
// complete: the adapter loads every room's members before it believes one.
struct PeopleChanges {
  std::vector<std::string> gone, back;
};
PeopleChanges people_changes(const std::vector<MembershipChange>& changes, const Directory& dir,
                             const std::map<std::string, std::string>& direct = {});

// Reaction keys compare without variation selectors and skin tones ("🙏🏽" counts as "🙏").
std::string normalise_reaction(std::string_view key);

// The commands Brigade answers, without the '!'.
bool is_command(std::string_view word);

}  // namespace brigade::matrix
