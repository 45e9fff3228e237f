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

}  // namespace
}  // namespace brigade::core
