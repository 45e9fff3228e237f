// UTF-8 validation and trimming.
#include "core/text.hpp"

#include <gtest/gtest.h>

namespace brigade::core {
namespace {

TEST(Utf8, AcceptsAsciiAndMultibyte) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain"));
  EXPECT_TRUE(valid_utf8("Zoë 👩‍💻 Łódź 日本"));
}

TEST(Utf8, RejectsMalformedSequences) {
  EXPECT_FALSE(valid_utf8("\xff"));
  EXPECT_FALSE(valid_utf8("\xc3"));              // truncated
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(valid_utf8("\xe0\x80\xaf"));      // overlong
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(valid_utf8("ok\xe2\x82"));        // truncated at the end
  EXPECT_FALSE(valid_utf8("\x80"));              // lone continuation
}

TEST(Utf8, LengthCountsCodePoints) {
  EXPECT_EQ(utf8_length("Zoë"), 3u);
  EXPECT_EQ(utf8_length("👍"), 1u);
}

TEST(Utf8, TruncateKeepsWholeCodePoints) {
  EXPECT_EQ(utf8_truncate("aé", 2), "a");
  EXPECT_EQ(utf8_truncate("aé", 3), "aé");
  EXPECT_EQ(utf8_truncate("abc", 10), "abc");
}

TEST(Text, TrimAndLower) {
  EXPECT_EQ(trim("  \t hi there \n"), "hi there");
  EXPECT_EQ(trim("   "), "");
  EXPECT_EQ(to_lower_ascii("TeamWork"), "teamwork");
}

// One decoder for every layer (config values, commands): what valid UTF-8 holds, code point by code point.
TEST(Utf8, CodePointsAndPrefixes) {
  EXPECT_EQ(code_points("aé€😀"), (std::vector<char32_t>{U'a', U'é', U'€', U'😀'}));
  EXPECT_TRUE(code_points("").empty());
  EXPECT_EQ(utf8_prefix("aé€😀", 0), 0u);
  EXPECT_EQ(utf8_prefix("aé€😀", 2), 3u);
  EXPECT_EQ(utf8_prefix("aé€😀", 3), 6u);
  EXPECT_EQ(utf8_prefix("aé€😀", 9), 10u);
  EXPECT_TRUE(utf8_boundary("aé", 1));
  EXPECT_FALSE(utf8_boundary("aé", 2));
  EXPECT_TRUE(utf8_boundary("aé", 3));
}

// Commands and the config read a company value the same way.
TEST(Text, ValuesAreNormalisedOnceForEveryone) {
  EXPECT_EQ(normalise_value("#TeamWork"), "teamwork");
  EXPECT_EQ(normalise_value("Teamwork"), "teamwork");
  EXPECT_EQ(normalise_value("#Ärger"), "Ärger") << "no Unicode case tables";
  EXPECT_EQ(normalise_value("#"), "");
}

}  // namespace
}  // namespace brigade::core
