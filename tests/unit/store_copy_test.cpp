// brigade store copy (store/transfer.hpp): an LMDB ledger holding every kind of record copied to
// PostgreSQL and back to LMDB answers every read API the same on all three, keeps its audit head
// and sequences (the next kudos, ask, reply and audit entry continue alike), and a non-empty
// target is refused. Needs a real PostgreSQL: runs under tests/support/with_postgres.sh only.
#include <gtest/gtest.h>

#include <sstream>

#include "store/transfer.hpp"
#include "tests/unit/store_test_util.hpp"

namespace brigade::store {
namespace {

using namespace testing;

const core::Calendar kCal("Europe/Berlin", 1);
const std::string kLongSource = "slack:T1:" + std::string(600, 'x');
std::string g_tomb;  // what dora became when she was forgotten

Options lmdb_at(const TempDir& dir) {
  Options o;
  o.dir = dir.path();
  o.durable = false;
  o.map_size = std::size_t{1} << 30;
  return o;
}

Options pg_at(const TempDir& dir) {
  Options o;
  o.url = brigade::testing::test_store_url(dir.path());
  o.durable = false;
  return o;
}

core::Reply reply_for(const std::string& who) {
  core::Reply r;
  r.audience = core::Audience::private_;
  r.channel = chan("general");
  r.user = user(who);
  r.body = {core::Span{"thanks ", ""}, core::Span{"@" + who, user(who)}};
  r.tag = "kudos:" + who;
  r.blocks = {core::Block{core::Block::Kind::header, {core::Span{"Kudos", ""}}}};
  r.buttons = {core::Button{"ask.take", "I'll take it", "7", "✋", core::Button::Style::primary}};
  return r;
}

void fill_kudos(Writer& w) {
  const Millis times[] = {kOct05, kNov01, kNov16, kNov18Ten, kNov22Noon, kNov23Noon, kNov30Late, kDec01};
  const char* people[] = {"alice", "bob", "carol", "dora", "erin", "frank"};
  int i = 0;
  for (Millis ts : times) {
    for (int j = 0; j < 3; ++j, ++i) {
      auto k = make(people[i % 6], people[(i + 1 + j) % 6], j == 2 ? "" : (j == 0 ? "general" : "dev"),
                    ts + j * kHour, static_cast<Kind>(1 + i % 3),
                    i % 4 == 3 ? "tab\there\nnew\\line " + std::to_string(i) : "because " + std::to_string(i),
                    i % 2 ? std::vector<std::string>{"teamwork", "care\"ful\\"} : std::vector<std::string>{});
      if (k.kind == Kind::help) k.ask = 1;
      w.add_kudos(k);
    }
  }
  for (auto name : {"alice", "bob", "carol", "dora", "erin", "frank"}) w.set_name(user(name), std::string(name) + " A.");
  w.revoke_kudos(w.kudos_numbered(2)->id, Revocation{kNov22Noon, RevokeHow::revoke, user("alice"), "spam"}, Period::day);
  w.revoke_kudos(w.kudos_numbered(5)->id, Revocation{kNov23Noon, RevokeHow::undo, "", ""}, Period::week);
}

void fill_asks(Writer& w) {
  for (int s = 1; s <= 4; ++s) {
    Ask a;
    a.channel = s == 3 ? "" : chan("dev");
    a.requester = user("bob");
    a.text = "help with #" + std::to_string(s);
    a.created = kNov16 + s;
    a.updated = a.created;
    w.add_ask(a);
    a.state = static_cast<AskState>(s);
    if (s >= 2) a.taker = user("carol");
    if (s == 3) a.helpers = {user("carol"), user("frank")};
    a.updated += kHour;
    w.put_ask(a);
  }
}

void fill_rest(Writer& w) {
  for (auto who : {"alice", "bob"}) {
    AuditEntry e{0, kNov18Ten, user(who), "privacy", user("erin"), "hidden, tab\tand\nnewline", "", ""};
    w.append_audit(e);
  }
  AuditEntry revoke{0, kNov22Noon, "cli:root", "revoke", "K2", "spam", "", ""};
  w.append_audit(revoke);
  w.debit_allowance(user("alice"), AllowanceSlot{Period::day, kCal.bucket(Period::day, kNov22Noon)}, 2, 5,
                    user("bob"));
  w.debit_allowance(user("alice"), AllowanceSlot{Period::week, kCal.bucket(Period::week, kNov22Noon)}, 3, 0, {});
  w.mark_seen("slack:ev1", kNov22Noon, {w.kudos_numbered(1)->id, w.kudos_numbered(3)->id});
  w.mark_seen(kLongSource, kNov23Noon, {w.kudos_numbered(4)->id});
  w.mark_seen("matrix:$e\\v", kNov23Noon);
  for (auto who : {"bob", "dora", "frank"}) w.enqueue("console", reply_for(who));
  w.outbox_retry(3, 4, kDec01);
  w.set_cursor("matrix", "s72_\t9");
  w.set_meta("digest.last", "2026-W47");
  w.set_message_ref("ask:1", "C1|1700.1", kNov16);
  w.set_message_ref("ask:2", "C1|1700.2", kNov16);
  w.set_message_ref("ask:2b", "C1|1700.2", kNov18Ten);  // the newer one wins the way back
  w.set_privacy(user("erin"), Privacy::hidden);
  w.set_gone(user("frank"), true);
  w.drop_reasons_before(kNov01 + kHour);
  g_tomb = w.forget(user("dora"));
}

// A ledger holding every kind of record, in `dir`, closed again.
void fill(const TempDir& dir) {
  auto st = Store::open(lmdb_at(dir), kCal);
  auto w = st->write();
  fill_kudos(*w);
  fill_asks(*w);
  fill_rest(*w);
  w->commit();
}

std::string text(const Kudos& k) {
  std::ostringstream s;
  s << "K" << k.number << " " << k.id << " " << k.ts << " " << k.giver << ">" << k.recipient << " #" << k.channel
    << " " << static_cast<int>(k.kind) << " ask" << k.ask << " '" << k.reason << "' revoked=" << k.revoked;
  for (const auto& v : k.values) s << " v:" << v;
  if (k.revocation)
    s << " by " << k.revocation->by << " how " << static_cast<int>(k.revocation->how) << " at " << k.revocation->ts
      << " '" << k.revocation->reason << "'";
  return s.str();
}

std::string text(const Ask& a) {
  std::ostringstream s;
  s << "#" << a.id << " " << a.channel << " " << a.requester << " '" << a.text << "' " << static_cast<int>(a.state)
    << " " << a.taker << " " << a.created << "-" << a.updated;
  for (const auto& h : a.helpers) s << " h:" << h;
  return s.str();
}

std::string text(const AuditEntry& e) {
  return std::to_string(e.seq) + " " + std::to_string(e.ts) + " " + e.actor + " " + e.action + " " + e.subject +
         " '" + e.detail + "' " + e.prev_hash + " " + e.hash;
}

std::string text(const OutboxItem& it) {
  std::ostringstream s;
  s << it.seq << " " << it.adapter << " " << it.attempts << " " << it.not_before << " "
    << static_cast<int>(it.reply.audience) << " " << it.reply.channel << " " << it.reply.user << " "
    << it.reply.plain() << " " << it.reply.tag << " " << it.reply.blocks.size() << " " << it.reply.buttons.size();
  if (!it.reply.buttons.empty()) s << " " << it.reply.buttons[0].reaction;
  return s.str();
}

const std::vector<std::string> kPeople = {"alice", "bob", "carol", "dora", "erin", "frank", "nobody"};

void boards(Reader& r, std::vector<std::string>& out) {
  for (auto p : core::kAllPeriods)
    for (Millis ts : {kOct05, kNov18Ten, kNov30Late, kDec01})
      for (std::string c : {"", "general", "dev"}) {
        std::string line = "board " + std::to_string(static_cast<int>(p)) + " " + std::to_string(ts) + " " + c + ":";
        for (const auto& e : r.leaderboard(c.empty() ? c : chan(c), p, kCal.bucket(p, ts), 0))
          line += " " + e.user + "/" + e.name + "=" + std::to_string(e.count);
        const auto pc = r.counts(user("carol"), c.empty() ? c : chan(c), p, kCal.bucket(p, ts));
        out.push_back(line + " carol " + std::to_string(pc.received) + "/" + std::to_string(pc.given));
      }
}

void summaries(Reader& r, std::vector<std::string>& out) {
  for (std::string c : {"", "dev"}) {
    SummaryQuery q;
    q.from = kNov01;
    q.until = kDec01 + kDay;
    if (!c.empty()) q.channel = chan(c);
    const auto s = r.summary(q);
    out.push_back("summary " + c + " " + std::to_string(s.total));
    for (const auto& p : s.people) {
      std::string line = "  " + p.user + " " + p.name + " " + std::to_string(p.received) + "/" +
                         std::to_string(p.given) + " helps " + std::to_string(p.helps_resolved) +
                         " ranked " + std::to_string(p.ranked);
      for (const auto& [v, n] : p.values) line += " " + v + "=" + std::to_string(n);
      for (const auto& k : p.reasons) line += " [" + text(k) + "]";
      out.push_back(line);
    }
  }
}

void people(Reader& r, std::vector<std::string>& out) {
  for (std::string who : kPeople) {
    const std::string id = who == "dora" ? g_tomb : user(who);
    const auto st = r.person(id);
    out.push_back("person " + id + " " + r.name_of(id) + " " + std::to_string(static_cast<int>(st.privacy)) +
                  std::to_string(st.gone) + std::to_string(st.forgotten) + " named " +
                  std::to_string(r.ids_named(who).size()));
    const auto rec = r.export_person(id);
    if (!rec) continue;
    for (const auto* list : {&rec->given, &rec->received})
      for (const auto& k : *list) out.push_back("  " + text(k));
    for (const auto& a : rec->asks) out.push_back("  " + text(a));
    for (const auto& e : rec->audit) out.push_back("  " + text(e));
  }
}

void records(Reader& r, std::vector<std::string>& out) {
  out.push_back("count " + std::to_string(r.kudos_count()));
  for (std::uint32_t n = 1; n <= r.kudos_count() + 1; ++n)
    if (auto k = r.kudos_numbered(n)) out.push_back(text(*k) + " same=" + std::to_string(r.kudos(k->id).has_value()));
  for (const auto& k : r.kudos_between(kNov16, kNov23Noon, 4, true)) out.push_back("between " + text(k));
  for (const auto& k : r.kudos_of(user("bob"), kNov01, kDec01, 0, false)) out.push_back("of " + text(k));
  for (const auto& a : r.open_asks("", 0)) out.push_back("open " + text(a));
  for (const auto& a : r.open_asks(chan("dev"), 1)) out.push_back("open dev " + text(a));
  for (std::uint64_t id = 1; id <= 5; ++id)
    if (auto a = r.ask(id)) out.push_back("ask " + text(*a));
  for (const auto& e : r.audit(0, 0)) out.push_back("audit " + text(e));
  const auto check = r.verify_audit();
  out.push_back("audit check " + std::to_string(check.entries) + " " + check.head + " ok=" + std::to_string(check.ok()));
  for (const auto& it : r.outbox(0)) out.push_back("outbox " + text(it));
  out.push_back("depth " + std::to_string(r.outbox_depth()) + " from " + std::to_string(r.outbox_from(2, 0).size()));
  for (std::string s : {std::string("slack:ev1"), kLongSource, std::string("matrix:$e\\v"), std::string("x")}) {
    std::string line = "seen " + std::to_string(r.seen(s));
    for (auto id : r.seen_kudos(s)) line += " " + std::to_string(id);
    out.push_back(line);
  }
}

void settings(Reader& r, std::vector<std::string>& out) {
  out.push_back("ref " + r.message_ref("ask:1").value_or("-") + " " + r.message_ref("ask:2b").value_or("-") + " " +
                r.message_tag("C1|1700.2").value_or("-") + " " + r.message_tag("C1|1700.1").value_or("-"));
  for (std::string key : {"digest.last", "store.audit.head", "store.retention.done", "nope"})
    out.push_back("meta " + key + "=" + r.meta(key).value_or("-"));
  out.push_back("cursor " + r.cursor("matrix").value_or("-") + " " + r.cursor("slack").value_or("-"));
  const auto day = AllowanceSlot{Period::day, kCal.bucket(Period::day, kNov22Noon)};
  const auto week = AllowanceSlot{Period::week, kCal.bucket(Period::week, kNov22Noon)};
  out.push_back("allowance " + std::to_string(r.allowance_used(user("alice"), day)) + " " +
                std::to_string(r.allowance_used(user("alice"), day, user("bob"))) + " " +
                std::to_string(r.allowance_used(user("alice"), week)));
  const auto v = r.verify();
  out.push_back("verify " + std::to_string(v.ok()) + " " + std::to_string(v.kudos));
}

// Every read API's answers, one line each.
std::vector<std::string> answers(const Options& o) {
  auto st = Store::open(o, kCal);
  auto r = st->read();
  std::vector<std::string> out;
  boards(*r, out);
  summaries(*r, out);
  people(*r, out);
  records(*r, out);
  settings(*r, out);
  return out;
}

// The same writes on a copy continue its sequences: K number, kudos id, ask id, outbox seq, audit
// seq and hash, the next person's number.
void write_more(const Options& o) {
  auto st = Store::open(o, kCal);
  auto w = st->write();
  auto k = make("gina", "alice", "general", kDec01 + kHour);
  w->add_kudos(k);
  Ask a;
  a.requester = user("gina");
  a.created = a.updated = kDec01;
  w->add_ask(a);
  w->enqueue("console", reply_for("gina"));
  AuditEntry e{0, kDec01, user("gina"), "forget", "", "", "", ""};
  w->append_audit(e);
  w->commit();
}

TEST(StoreCopy, LmdbToPostgresAndBackAnswersAlike) {
  BRIGADE_POSTGRES_ONLY();
  TempDir a, p, b;
  fill(a);
  const auto want = answers(lmdb_at(a));
  ASSERT_GT(want.size(), 100u);

  const auto there = copy_ledger(lmdb_at(a), pg_at(p), kCal);
  EXPECT_EQ(there.copied.kudos, 24u);
  EXPECT_EQ(there.copied.audit, 3u);
  EXPECT_EQ(there.copied.seen, 3u);
  EXPECT_EQ(there.copied.outbox, 2u);  // the reply naming dora went when she was forgotten
  EXPECT_EQ(there.copied.asks, 4u);
  EXPECT_EQ(there.boards, 3u);
  EXPECT_EQ(answers(pg_at(p)), want);

  const auto back = copy_ledger(pg_at(p), lmdb_at(b), kCal);
  EXPECT_EQ(back.audit_head, there.audit_head);
  EXPECT_EQ(back.copied.people, there.copied.people);
  EXPECT_EQ(answers(lmdb_at(b)), want);

  for (const auto& o : {lmdb_at(a), pg_at(p), lmdb_at(b)}) write_more(o);
  const auto after = answers(lmdb_at(a));
  EXPECT_NE(after, want);
  EXPECT_EQ(answers(pg_at(p)), after);
  EXPECT_EQ(answers(lmdb_at(b)), after);
}

TEST(StoreCopy, RefusesANonEmptyTarget) {
  BRIGADE_POSTGRES_ONLY();
  TempDir a, p, b, e;
  fill(a);
  copy_ledger(lmdb_at(a), pg_at(p), kCal);
  copy_ledger(lmdb_at(a), lmdb_at(b), kCal);
  const auto before = answers(pg_at(p));
  for (const auto& target : {pg_at(p), lmdb_at(b)}) {
    try {
      // Another calendar: a refused target's tallies are not rebuilt for it either.
      copy_ledger(lmdb_at(a), target, core::Calendar("UTC", 0));
      ADD_FAILURE() << "copied into a ledger that holds one";
    } catch (const StoreError& err) {
      EXPECT_NE(std::string(err.what()).find("is not empty"), std::string::npos) << err.what();
    }
    EXPECT_FALSE(Store::open(target, kCal)->read()->meta("store.tallies_rebuilt"));
  }
  EXPECT_THROW(copy_ledger(pg_at(p), pg_at(p), kCal), StoreError);
  EXPECT_THROW(copy_ledger(lmdb_at(a), lmdb_at(a), kCal), StoreError);
  EXPECT_EQ(answers(pg_at(p)), before);
  EXPECT_EQ(answers(lmdb_at(b)), answers(lmdb_at(a)));
  // An empty ledger copies too, and leaves its target empty enough to be filled afterwards.
  Store::open(lmdb_at(e), kCal);
  const auto none = copy_ledger(lmdb_at(e), pg_at(e), kCal);
  EXPECT_EQ(none.copied.kudos, 0u);
  EXPECT_EQ(none.audit_head, "");
  EXPECT_EQ(copy_ledger(lmdb_at(a), pg_at(e), kCal).copied.kudos, 24u);
}

}  // namespace
}  // namespace brigade::store
