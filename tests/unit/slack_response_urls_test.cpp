// Slash commands' response_url: found for the same person and channel, gone once Slack would refuse
// it, and forgotten so the map does not grow with every command.
#include "adapters/slack/response_urls.hpp"

#include <gtest/gtest.h>

namespace brigade::slack {
namespace {

using namespace std::chrono_literals;
using Clock = ResponseUrls::Clock;

TEST(SlackResponseUrls, FoundForTheSamePersonAndChannelOnly) {
  ResponseUrls urls;
  Clock::time_point t0{};
  urls.remember("C1", "U1", "https://hooks/1", t0);
  EXPECT_EQ(urls.find("C1", "U1", t0 + 1min), "https://hooks/1");
  EXPECT_FALSE(urls.find("C1", "U2", t0));
  EXPECT_FALSE(urls.find("C2", "U1", t0));
}

TEST(SlackResponseUrls, ExpireBeforeSlackStopsAcceptingThem) {
  ResponseUrls urls;
  Clock::time_point t0{};
  urls.remember("C1", "U1", "https://hooks/1", t0);
  EXPECT_TRUE(urls.find("C1", "U1", t0 + 28min));
  EXPECT_FALSE(urls.find("C1", "U1", t0 + 29min));
}

TEST(SlackResponseUrls, ANewerCommandRenewsAndOldEntriesAreForgotten) {
  ResponseUrls urls;
  Clock::time_point t0{};
  urls.remember("C1", "U1", "https://hooks/1", t0);
  urls.remember("C1", "U1", "https://hooks/2", t0 + 20min);
  for (int i = 0; i < 100; ++i) urls.remember("C9", "U" + std::to_string(i), "https://hooks/x", t0 + 21min);
  urls.remember("C2", "U2", "https://hooks/3", t0 + 35min);  // the first entry's slot expires here
  EXPECT_EQ(urls.find("C1", "U1", t0 + 35min), "https://hooks/2") << "renewed, not dropped with its old slot";
  urls.remember("C2", "U2", "https://hooks/4", t0 + 60min);
  EXPECT_EQ(urls.size(), 1u) << "everything older than 29 minutes is gone";
}

}  // namespace
}  // namespace brigade::slack
