// `brigade report` on a ledger written here: which names its filters take, and which they refuse.
#include <gtest/gtest.h>

#include <sstream>

#include "app/report.hpp"
#include "tests/unit/store_test_util.hpp"

namespace brigade::store {
namespace {

using namespace testing;

struct Ran {
  int rc;
  std::string out, err;
};

Ran report(Store& s, app::ReportOptions opt) {
  std::ostringstream out, err;
  const int rc = app::run_report(s, opt, kNov23Noon, out, err);
  return {rc, out.str(), err.str()};
}

// Two channels called "general": a summary of whichever the index lists first would be another
// channel's without a word, so the name is refused with both ids, as the API's channel filter does.
TEST(AppReport, AChannelNameOfSeveralIdsIsRefusedWithThem) {
  TempDir dir;
  auto s = open_store(dir);
  add(*s, make("alice", "bob", "general", kNov18Ten, Kind::thanks, "the deploy"));
  {
    auto w = s->write();
    w->set_name(chan("general"), "general");
    w->set_name("slack:T1:C1", "General");
    w->commit();
  }
  auto r = report(*s, {.channel = "#general"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("'#general' names 2 ids (console:#general, slack:T1:C1)"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");

  r = report(*s, {.channel = chan("general")});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("the deploy"), std::string::npos) << r.out;
  r = report(*s, {.channel = " slack:T1:C1 "});  // trimmed, as the web filters are
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out.find("the deploy"), std::string::npos) << r.out;
}

TEST(AppReport, AUserOrChannelNobodyHasIsAUsageErrorNamingTheOption) {
  TempDir dir;
  auto s = open_store(dir);
  add(*s, make("alice", "bob", "general", kNov18Ten, Kind::thanks, "the deploy"));
  auto r = report(*s, {.channel = "#nosuch"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("--channel: no channel called '#nosuch'"), std::string::npos) << r.err;
  r = report(*s, {.user = "@"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("--user: nobody called '@'"), std::string::npos) << r.err;
  r = report(*s, {.user = "@bob"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("the deploy"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace brigade::store
