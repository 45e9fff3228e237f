// Fuzz target: the command grammar (commands/parse.hpp) and commands::handle on a real store in a
// scratch directory, applied the way bot/committer.cpp applies a command, then rolled back.
//
// Input: "<command>[ <ts ms>][ <giver>]\n<text>", optionally followed by "\0" and mention spans as
// 3-byte triples (pos, len, who) that may be out of range or overlap, as a buggy adapter's would.
// Without the "\0" part, "@name" and "#channel" words become spans as a well-behaved adapter's would.
#include <charconv>
#include <memory>

#include "commands/commands.hpp"
#include "core/calendar.hpp"
#include "store/codec.hpp"
#include "store/store.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "tests/support/event_builder.hpp"

namespace {

using namespace brigade;

constexpr core::Millis kNov18Ten = 1794996000000;  // 2026-11-18 10:00 UTC, "now" when the input names none

const std::vector<core::UserRef>& users() {
  static const std::vector<core::UserRef> u = {
      {"console:alice", "alice", false},    {"console:bob", "bob", false},
      {"console:carol", "carol", false},    {"console:zoe", "Zoë Smith", false},
      {"console:brigade", "brigade", true}, {"console:erin", "erin", false, true},
      {"console:dave", "dave", false},
  };
  return u;
}
const std::vector<core::ChannelRef>& channels() {
  static const std::vector<core::ChannelRef> c = {{"console:ops", "ops"}, {"console:wins", "wins"}};
  return c;
}

// One store for the whole run: a few kudos and help requests committed up front, then every input
// runs in a write transaction that is never committed, so each sees the same state.
struct World {
  brigade::testing::TempDir dir{"brigade-fuzz-commands"};
  core::Calendar calendar{"Europe/Berlin", 1};
  commands::Rules rules;
  std::unique_ptr<store::Store> store;

  World() {
    rules.managers = {"console:alice"};
    rules.wins_channel = {{"console", "wins"}};
    store::Options o;
    o.dir = dir.path();
    o.durable = false;
    o.map_size = std::size_t{256} << 20;
    store = store::Store::open(o, calendar);
    setup("bob", "thanks", "@alice for the deploy #teamwork");
    setup("alice", "thanks", "@carol @bob for lunch #care");
    setup("bob", "ask", "can someone review the TLS change?");
    setup("carol", "ask", "who knows the build cache?");
    setup("alice", "ask", "take 2");
    setup("dave", "praise", "@Zoë Smith for calming down the outage call");
  }

  void setup(const std::string& who, const std::string& command, const std::string& text) {
    auto e = testing::make_event(command, text, users(), channels());
    e.user = core::UserRef{"console:" + who, who, false};
    e.source_id = "setup:" + who + ":" + command + ":" + text;
    auto w = store->write();
    commands::Context ctx{rules, calendar, kNov18Ten - 3600'000};
    auto r = commands::handle(e, *w, ctx);
    FUZZ_CHECK(r.outcome == commands::Outcome::ok);
    w->commit();
  }
};

World& world() {
  static World w;
  return w;
}

core::Event event_of(std::string_view in) {
  auto [header, rest] = brigade::fuzz::split_once(in, "\n");
  auto [text, spans] =
      brigade::fuzz::split_once(rest.value_or(std::string_view()), std::string_view("\0", 1));
  auto [command, args] = brigade::fuzz::split_once(header, " ");

  core::Event e = testing::make_event(std::string(command), std::string(text), users(), channels());
  e.source_id = "fuzz:1";
  while (args && !args->empty()) {
    auto [word, more] = brigade::fuzz::split_once(*args, " ");
    args = more;
    if (word.empty()) continue;
    std::int64_t ts = 0;
    auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), ts);
    if (ec == std::errc() && end == word.data() + word.size()) {
      e.ts_ms = ts;
      continue;
    }
    for (const auto& u : users())
      if (u.name == word) e.user = u;
  }
  if (spans) {
    e.mentions.clear();
    std::string_view s = *spans;
    for (; s.size() >= 3; s.remove_prefix(3)) {
      core::Mention m;
      m.pos = static_cast<unsigned char>(s[0]);
      m.len = static_cast<unsigned char>(s[1]);
      auto who = static_cast<unsigned char>(s[2]);
      if (who < users().size())
        m.user = users()[who];
      else if (who - users().size() < channels().size())
        m.channel = channels()[who - users().size()];
      else
        m.user = core::UserRef{"console:" + std::to_string(who), "", false};  // someone never seen
      e.mentions.push_back(std::move(m));
    }
  }
  return e;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  World& w = world();
  const core::Event e = event_of(brigade::fuzz::as_view(data, size));
  brigade::fuzz::check_grammar(e.text, e.mentions);

  // bot/committer.cpp's apply_command, without the commit.
  auto txn = w.store->write();
  commands::Context ctx{w.rules, w.calendar, e.ts_ms != 0 ? e.ts_ms : kNov18Ten};
  auto child = txn->child();
  commands::Result r;
  try {
    r = commands::handle(e, *child, ctx);
  } catch (const store::StoreError&) {
    // The store refuses a kudos stamped outside [0, kMaxTs]; the committer then drops just this
    // command (Outcome::error). For any other time it is a bug.
    FUZZ_CHECK(ctx.now < 0 || ctx.now > store::codec::kMaxTs);
    return 0;
  }
  child->mark_seen(e.source_id, ctx.now, r.kudos_ids);
  FUZZ_CHECK(r.outcome == commands::Outcome::ok || r.outcome == commands::Outcome::refused ||
             r.outcome == commands::Outcome::usage);
  FUZZ_CHECK(!r.replies.empty());
  if (r.outcome != commands::Outcome::ok) FUZZ_CHECK(r.kudos_ids.empty());
  for (auto id : r.kudos_ids) FUZZ_CHECK(child->kudos(id).has_value());
  for (const auto& reply : r.replies) {
    FUZZ_CHECK(!reply.channel.empty() && !reply.plain().empty());
    if (reply.audience == core::Audience::private_) FUZZ_CHECK(reply.user == e.user.id);
    child->enqueue(e.platform, reply);
  }
  child->commit();
  return 0;  // txn goes out of scope uncommitted: the store is as World() left it
}
