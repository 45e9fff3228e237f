// The Matrix adapter's I/O-free logic: ids, HTML pills, event classification, /sync parsing,
// error answers and reply rendering, against the reference fixtures.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "adapters/matrix/api.hpp"
#include "adapters/matrix/events.hpp"
#include "adapters/matrix/html.hpp"
#include "adapters/matrix/ids.hpp"

namespace brigade::matrix {
namespace {

using nlohmann::json;

json fixture(const std::string& name) {
  // Copies of ../shared/reference/fixtures, so the tests run from the repository alone.
  std::ifstream in(std::string(BRIGADE_SOURCE_DIR) + "/tests/unit/fixtures/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) throw std::runtime_error("bad fixture " + name);
  return j;
}

const std::string kRoom = "!TeamRoomOpaqueId:example.org";

Identity bot() {
  Identity me;
  me.user_id = "@brigade:example.org";
  return me;
}

json message(const std::string& body, const std::string& sender = "@carol:example.org",
             const std::string& id = "$m1") {
  json c = json::object();
  c["msgtype"] = "m.text";
  c["body"] = body;
  json ev = json::object();
  ev["type"] = "m.room.message";
  ev["event_id"] = id;
  ev["sender"] = sender;
  ev["origin_server_ts"] = 1767268860000;
  ev["content"] = c;
  return ev;
}

std::string span(const core::Event& e, std::size_t i) {
  return e.text.substr(e.mentions.at(i).pos, e.mentions.at(i).len);
}

// ---- ids --------------------------------------------------------------------------------------------

TEST(MatrixIds, QualifyAndBack) {
  EXPECT_EQ(qualify("@alice:example.org"), "matrix:@alice:example.org");
  EXPECT_EQ(raw_id("matrix:!r:example.org"), "!r:example.org");
  EXPECT_EQ(raw_id("slack:T1:C1"), "");
  EXPECT_EQ(source_of("$abc"), "matrix:$abc");
  EXPECT_EQ(txn_id("a1b2", 42), "brigade.a1b2.42");
}

TEST(MatrixIds, UserIdGrammar) {
  EXPECT_TRUE(is_user_id("@alice:example.org"));
  EXPECT_TRUE(is_user_id("@alice:matrix.example.org:8448"));
  EXPECT_TRUE(is_user_id("@alice:[::1]:8448"));
  EXPECT_TRUE(is_user_id("@Old_Style=Name:example.org"));  // historical localparts are accepted
  EXPECT_FALSE(is_user_id("alice:example.org"));
  EXPECT_FALSE(is_user_id("@alice"));
  EXPECT_FALSE(is_user_id("@:example.org"));
  EXPECT_FALSE(is_user_id("@alice:exa mple.org"));
  EXPECT_FALSE(is_user_id("@alice:example.org:port"));
  EXPECT_EQ(server_of("@alice:matrix.example.org:8448"), "matrix.example.org:8448");
  EXPECT_EQ(localpart("@alice:example.org"), "alice");
}

TEST(MatrixIds, PathSegmentsArePercentEncoded) {
  EXPECT_EQ(path_segment("!room:example.org"), "%21room%3Aexample.org");
  EXPECT_EQ(path_segment("@a/b:s"), "%40a%2Fb%3As");
  EXPECT_EQ(path_segment("$ev+x"), "%24ev%2Bx");
  EXPECT_EQ(path_segment("brigade.ab12.7"), "brigade.ab12.7");
  EXPECT_EQ(percent_decode("%40alice%3Aexample.org").value(), "@alice:example.org");
  EXPECT_FALSE(percent_decode("%zz").has_value());
}

// ---- HTML ---------------------------------------------------------------------------------------------

TEST(MatrixHtml, EscapesEverythingThatMatters) {
  EXPECT_EQ(escape_html("<b>\"Tom\" & 'Jerry'</b>"),
            "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;");
}

TEST(MatrixHtml, FindsAnchorsTolerantly) {
  auto a = anchors(
      "<p>hi <a href=\"https://matrix.to/#/@alice:example.org\">Alice</a> and <A class=x "
      "HREF='https://matrix.to/#/%40bob%3Aexample.org'><b>Bob</b> &amp; co</A> <abbr>x</abbr></p>");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].href, "https://matrix.to/#/@alice:example.org");
  EXPECT_EQ(a[0].text, "Alice");
  EXPECT_EQ(a[1].href, "https://matrix.to/#/%40bob%3Aexample.org");
  EXPECT_EQ(a[1].text, "Bob & co");
  EXPECT_TRUE(anchors("<a href=").empty());  // truncated: nothing, no crash
  EXPECT_TRUE(anchors("<a>x").empty());
  auto reply = anchors("<mx-reply><a href=\"https://matrix.to/#/@carol:example.org\">c</a></mx-reply>!kudos");
  EXPECT_TRUE(reply.empty());  // quoted pills are not this message's mentions
}

TEST(MatrixHtml, UserLinks) {
  EXPECT_EQ(user_from_href("https://matrix.to/#/@alice:example.org").value(), "@alice:example.org");
  EXPECT_EQ(user_from_href("https://matrix.to/#/%40alice%3Aexample.org?via=example.org").value(),
            "@alice:example.org");
  EXPECT_EQ(user_from_href("https://chat.example.org/#/user/@alice:example.org").value(),
            "@alice:example.org");
  EXPECT_EQ(user_from_href("matrix:u/alice:example.org").value(), "@alice:example.org");
  EXPECT_FALSE(user_from_href("https://matrix.to/#/!room:example.org").has_value());
  EXPECT_FALSE(user_from_href("https://example.org/alice").has_value());
  EXPECT_FALSE(user_from_href("javascript:alert(1)").has_value());
}

TEST(MatrixHtml, StripsLegacyReplyFallback) {
  EXPECT_EQ(strip_reply_fallback("> <@carol:example.org> quoted\n> more\n\n!kudos"), "!kudos");
  EXPECT_EQ(strip_reply_fallback("!kudos"), "!kudos");
}

// ---- events -------------------------------------------------------------------------------------------

TEST(MatrixEvents, ElementPillsCreditTheLinkedUsers) {
  auto sync = fixture("matrix_sync_incremental_pill_mention.json");
  const auto& ev = sync["rooms"]["join"][kRoom]["timeline"]["events"][0];
  Directory dir;
  auto p = parse_event(ev, kRoom, bot(), dir);
  ASSERT_EQ(p.kind, Parsed::Kind::command) << p.why;
  const auto& e = p.event;
  EXPECT_EQ(e.command, "thanks");
  EXPECT_EQ(e.platform, "matrix");
  EXPECT_EQ(e.source_id, "matrix:$ThanksCmdPill0001");
  EXPECT_EQ(e.reply_to, "$ThanksCmdPill0001");
  EXPECT_EQ(e.user.id, "matrix:@carol:example.org");
  EXPECT_EQ(e.channel.id, "matrix:" + kRoom);
  EXPECT_EQ(e.ts_ms, 1767268860000);
  EXPECT_EQ(e.text, "Alice Bob Smith for the release review #teamwork");
  ASSERT_EQ(e.mentions.size(), 2u);
  EXPECT_EQ(e.mentions[0].user.id, "matrix:@alice:example.org");
  EXPECT_EQ(span(e, 0), "Alice");
  EXPECT_EQ(e.mentions[1].user.id, "matrix:@bob:example.org");
  EXPECT_EQ(span(e, 1), "Bob Smith");
  EXPECT_EQ(e.mentions[1].user.name, "Bob Smith");
}

TEST(MatrixEvents, EditsNeverRunAgain) {
  auto p = parse_event(fixture("matrix_event_edit.json"), kRoom, bot(), Directory{});
  EXPECT_EQ(p.kind, Parsed::Kind::ignore);
  EXPECT_NE(p.why.find("edit"), std::string::npos);
}

TEST(MatrixEvents, ReplyFallbackIsStrippedAndTheRepliedToAuthorIsNotATarget) {
  auto p = parse_event(fixture("matrix_event_reply_with_fallback.json"), kRoom, bot(), Directory{});
  ASSERT_EQ(p.kind, Parsed::Kind::command) << p.why;
  EXPECT_EQ(p.event.command, "kudos");
  EXPECT_EQ(p.event.text, "");
  EXPECT_TRUE(p.event.mentions.empty());
}

TEST(MatrixEvents, TypedUserIdsAreMentions) {
  auto p = parse_event(message("!thanks @alice:example.org, @bob:example.org: for the fix!"), kRoom, bot(),
                       Directory{});
  ASSERT_EQ(p.kind, Parsed::Kind::command);
  ASSERT_EQ(p.event.mentions.size(), 2u);
  EXPECT_EQ(span(p.event, 0), "@alice:example.org");
  EXPECT_EQ(span(p.event, 1), "@bob:example.org");
  EXPECT_EQ(p.event.mentions[1].user.id, "matrix:@bob:example.org");
}

TEST(MatrixEvents, MentionsOnlyInMMentionsArePlacedByNameOrPutFirst) {
  Directory dir;
  dir.set(kRoom, "@alice:example.org", "Alice");
  auto ev = message("!thanks Alice for the help");
  ev["content"]["m.mentions"]["user_ids"] = json::array({"@alice:example.org"});
  auto p = parse_event(ev, kRoom, bot(), dir);
  ASSERT_EQ(p.event.mentions.size(), 1u);
  EXPECT_EQ(span(p.event, 0), "Alice");

  auto ev2 = message("!thanks for the help");
  ev2["content"]["m.mentions"]["user_ids"] = json::array({"@dave:example.org"});
  auto p2 = parse_event(ev2, kRoom, bot(), dir);
  EXPECT_EQ(p2.event.text, "dave for the help");
  ASSERT_EQ(p2.event.mentions.size(), 1u);
  EXPECT_EQ(p2.event.mentions[0].user.id, "matrix:@dave:example.org");
}

TEST(MatrixEvents, WhatIsNotACommand) {
  Directory dir;
  auto me = bot();
  EXPECT_EQ(parse_event(message("hello"), kRoom, me, dir).kind, Parsed::Kind::ignore);
  EXPECT_EQ(parse_event(message("!weather"), kRoom, me, dir).kind, Parsed::Kind::ignore);
  EXPECT_EQ(parse_event(message("!thanks x", "@brigade:example.org"), kRoom, me, dir).kind,
            Parsed::Kind::ignore);
  auto notice = message("!thanks @a:b.c");
  notice["content"]["msgtype"] = "m.notice";
  EXPECT_EQ(parse_event(notice, kRoom, me, dir).kind, Parsed::Kind::ignore);
  auto redacted = message("!thanks @a:b.c");
  redacted["unsigned"]["redacted_because"] = json::object();
  EXPECT_EQ(parse_event(redacted, kRoom, me, dir).kind, Parsed::Kind::ignore);
  EXPECT_EQ(parse_event(json::array(), kRoom, me, dir).kind, Parsed::Kind::ignore);
  auto upper = parse_event(message("  !THANKS @alice:example.org"), kRoom, me, dir);
  EXPECT_EQ(upper.kind, Parsed::Kind::command);
  EXPECT_EQ(upper.event.command, "thanks");
}

TEST(MatrixEvents, RedactionsRevokeTheirTarget) {
  json top = json::object();
  top["type"] = "m.room.redaction";
  top["event_id"] = "$r1";
  top["sender"] = "@carol:example.org";
  top["redacts"] = "$thanks1";
  top["content"] = json::object();
  auto p = parse_event(top, kRoom, bot(), Directory{});
  ASSERT_EQ(p.kind, Parsed::Kind::revoke);
  EXPECT_EQ(p.revoke, "matrix:$thanks1");
  top.erase("redacts");
  top["content"]["redacts"] = "$thanks2";  // room version 11
  EXPECT_EQ(parse_event(top, kRoom, bot(), Directory{}).revoke, "matrix:$thanks2");
}

TEST(MatrixEvents, ReactionsWithTheConfiguredKeyThankTheAuthor) {
  json ev = json::object();
  ev["type"] = "m.reaction";
  ev["event_id"] = "$react1";
  ev["sender"] = "@carol:example.org";
  ev["content"]["m.relates_to"]["rel_type"] = "m.annotation";
  ev["content"]["m.relates_to"]["event_id"] = "$msg1";
  ev["content"]["m.relates_to"]["key"] = "🙏🏽";  // skin tone: still the configured reaction
  Directory dir;
  dir.set(kRoom, "@alice:example.org", "Alice");
  auto me = bot();
  auto p = parse_event(ev, kRoom, me, dir);
  ASSERT_EQ(p.kind, Parsed::Kind::reaction);
  EXPECT_EQ(p.target, "$msg1");
  EXPECT_EQ(p.event.source_id, "matrix:$react1");
  ASSERT_TRUE(complete_reaction(p, "@alice:example.org", me, dir));
  EXPECT_EQ(p.event.command, "thanks");
  // The private answer (quota left) is for the giver: not threaded to the recipient's message.
  EXPECT_EQ(p.event.reply_to, "");
  ASSERT_EQ(p.event.mentions.size(), 1u);
  EXPECT_EQ(p.event.mentions[0].user.id, "matrix:@alice:example.org");

  auto own = parse_event(ev, kRoom, me, dir);
  EXPECT_FALSE(complete_reaction(own, "@carol:example.org", me, dir));
  auto on_bot = parse_event(ev, kRoom, me, dir);
  EXPECT_FALSE(complete_reaction(on_bot, "@brigade:example.org", me, dir));

  ev["content"]["m.relates_to"]["key"] = "👍";
  EXPECT_EQ(parse_event(ev, kRoom, me, dir).kind, Parsed::Kind::ignore);
  EXPECT_EQ(normalise_reaction("🙏\xEF\xB8\x8F"), "🙏");
}

// ---- /sync --------------------------------------------------------------------------------------------

TEST(MatrixSync, InitialSyncInvitesNamesAndTimeline) {
  Directory dir;
  auto b = parse_sync(fixture("matrix_sync_initial.json"), bot(), dir);
  EXPECT_EQ(b.next_batch, "s1001_42_0_1_1_1_1_17_0_1");
  ASSERT_EQ(b.invites.size(), 1u);
  EXPECT_EQ(b.invites[0].room, "!NewRoomOpaqueId:example.org");
  EXPECT_EQ(b.invites[0].inviter, "@dave:example.org");
  ASSERT_EQ(b.joined.size(), 1u);
  EXPECT_FALSE(b.joined[0].encrypted);
  EXPECT_FALSE(b.joined[0].timeline.empty());
  EXPECT_EQ(dir.name(kRoom, "@bob:example.org"), "Bob Smith");
  EXPECT_EQ(dir.name("!other:example.org", "@carol:example.org"), "Carol Jones");  // any room's name
  EXPECT_EQ(dir.name(kRoom, "@zed:example.org"), "zed");
}

TEST(MatrixSync, EncryptionIsDetected) {
  json sync = json::object();
  sync["next_batch"] = "s2";
  json ev = json::object();
  ev["type"] = "m.room.encryption";
  ev["state_key"] = "";
  ev["content"]["algorithm"] = "m.megolm.v1.aes-sha2";
  sync["rooms"]["join"]["!secret:example.org"]["state"]["events"] = json::array({ev});
  Directory dir;
  auto b = parse_sync(sync, bot(), dir);
  ASSERT_EQ(b.joined.size(), 1u);
  EXPECT_TRUE(b.joined[0].encrypted);
}

TEST(MatrixSync, AnswerWithoutNextBatchIsRefused) {
  Directory dir;
  EXPECT_THROW(parse_sync(json::object(), bot(), dir), std::runtime_error);
  EXPECT_THROW(parse_sync(json::array(), bot(), dir), std::runtime_error);
}

// ---- answers and replies ------------------------------------------------------------------------------

TEST(MatrixApi, RateLimitPrefersTheHeader) {
  auto f = fixture("matrix_error_limit_exceeded.http.json");
  auto a = read_answer(429, f["body"].dump(), "3", "", 0);
  EXPECT_TRUE(a.rate_limited());
  EXPECT_EQ(a.retry_after_ms, 3000);
  auto body_only = read_answer(429, f["body"].dump(), "", "", 0);
  EXPECT_EQ(body_only.retry_after_ms, 2350);
  auto dated = read_answer(429, "{}", "Thu, 01 Jan 2026 00:00:10 GMT", "", 1767225600000);
  EXPECT_EQ(dated.retry_after_ms, 10000);
  auto d = send_outcome(a);
  EXPECT_EQ(d.status, bot::Delivery::Status::retry);
  EXPECT_EQ(d.retry_after_ms, 3000);
}

// Found by tests/fuzz/matrix_fuzz.cpp: a huge Retry-After overflowed seconds * 1000, a malformed
// date made date::parse convert a NaN (both undefined), and a huge retry_after_ms overflowed
// now + wait later. Every wait is capped at a day; an unreadable header falls back to the body.
TEST(MatrixApi, RetryAfterIsCappedAndMalformedDatesAreIgnored) {
  const core::Millis day = 86'400'000;
  EXPECT_EQ(read_answer(429, "{}", "99999999999999999", "", 0).retry_after_ms, day);
  EXPECT_EQ(read_answer(429, "{}", "99999999999999999999999", "", 0).retry_after_ms, day);
  EXPECT_EQ(read_answer(429, "{}", "86400", "", 0).retry_after_ms, day);
  EXPECT_EQ(read_answer(429, "{}", "Fri, 31 Dec 9999 23:59:59 GMT", "", 0).retry_after_ms, day);
  EXPECT_EQ(read_answer(429, R"({"retry_after_ms": 9223372036854775807})", "", "", 0).retry_after_ms, day);
  EXPECT_EQ(read_answer(429, R"({"retry_after_ms": 18446744073709551615})", "", "", 0).retry_after_ms, 0);
  EXPECT_EQ(read_answer(429, "{}", "Wed, 21 Oct 2015 07:28:r0 GMT", "", 0).retry_after_ms, -1);
  EXPECT_EQ(
      read_answer(429, R"({"retry_after_ms": 500})", "Wed, 21 Oct 2015 07:28:r0 GMT", "", 0).retry_after_ms,
      500);
  EXPECT_EQ(read_answer(429, "{}", "Wed, 21 Oct 2015 07:28:00 GMT", "", 1445412470000).retry_after_ms, 10000);
}

TEST(MatrixApi, ErrorsAreClassified) {
  auto soft = fixture("matrix_error_unknown_token_soft_logout.http.json");
  auto a = read_answer(401, soft["body"].dump(), "", "", 0);
  EXPECT_TRUE(a.token_invalid());
  EXPECT_TRUE(a.soft_logout);
  auto forbidden =
      read_answer(403, fixture("matrix_error_forbidden_join.http.json")["body"].dump(), "", "", 0);
  EXPECT_EQ(forbidden.code, "M_FORBIDDEN");
  EXPECT_EQ(send_outcome(forbidden).status, bot::Delivery::Status::drop);
  EXPECT_EQ(send_outcome(read_answer(502, "<html>", "", "", 0)).status, bot::Delivery::Status::retry);
  EXPECT_EQ(send_outcome(read_answer(0, "", "", "connection refused", 0)).status,
            bot::Delivery::Status::retry);
  EXPECT_TRUE(read_answer(200, "{\"event_id\":\"$x\"}", "", "", 0).ok());
}

TEST(MatrixApi, NoticesEscapeAndPing) {
  core::Reply r;
  r.channel = "matrix:" + kRoom;
  r.ping = true;
  r.body = {core::Span{"🎉 <script> thanks ", ""}, core::Span{"Bob & Co", "matrix:@bob:example.org"},
            core::Span{"\nand ", ""}, core::Span{"carol", "slack:T1:U1"}};
  auto c = notice_content(r);
  EXPECT_EQ(c["msgtype"], "m.notice");
  EXPECT_EQ(c["body"], "🎉 <script> thanks Bob & Co\nand carol");
  EXPECT_EQ(c["format"], "org.matrix.custom.html");
  EXPECT_EQ(c["formatted_body"],
            "🎉 &lt;script&gt; thanks <a href=\"https://matrix.to/#/@bob:example.org\">Bob &amp; "
            "Co</a><br>and carol");
  EXPECT_EQ(c["m.mentions"]["user_ids"], json::array({"@bob:example.org"}));
  EXPECT_FALSE(c.contains("m.relates_to"));

  r.ping = false;  // leaderboards: pills, but nobody is notified
  EXPECT_EQ(notice_content(r)["m.mentions"], json::object());

  r.audience = core::Audience::private_;
  r.user = "matrix:@carol:example.org";
  r.reply_to = "$cmd1";
  auto p = notice_content(r);
  EXPECT_EQ(p["m.relates_to"]["m.in_reply_to"]["event_id"], "$cmd1");
  EXPECT_EQ(p["m.mentions"]["user_ids"], json::array({"@carol:example.org"}));
}

}  // namespace
}  // namespace brigade::matrix
