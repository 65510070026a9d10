#include "extractors/text.h"

#include <gtest/gtest.h>

#include <string>

namespace tincrawl {
namespace {

// "Việt" spelled with a plain "e" followed by U+0302 (circumflex) and U+0323 (dot below).
constexpr char kVietNfd[] = "Vie\xCC\x82\xCC\xA3t";
constexpr char kVietNfc[] = "Vi\xE1\xBB\x87t";  // U+1EC7.

TEST(NormalizeNfcTest, ComposesCombiningMarks) {
  EXPECT_EQ(NormalizeNfc(kVietNfd), kVietNfc);
  EXPECT_EQ(NormalizeNfc(std::string(kVietNfd) + " Nam"), std::string(kVietNfc) + " Nam");
}

TEST(NormalizeNfcTest, ComposesMarksInAnyCanonicalOrder) {
  // Dot below (ccc 220) before circumflex (ccc 230) is canonically equivalent.
  EXPECT_EQ(NormalizeNfc("Vie\xCC\xA3\xCC\x82t"), kVietNfc);
}

TEST(NormalizeNfcTest, KeepsAlreadyNormalizedTextAndAscii) {
  EXPECT_EQ(NormalizeNfc("Đà Nẵng"), "Đà Nẵng");
  EXPECT_EQ(NormalizeNfc("plain ascii"), "plain ascii");
  EXPECT_EQ(NormalizeNfc(""), "");
}

TEST(NormalizeNfcTest, InvalidBytesBecomeReplacementAndRestSurvives) {
  EXPECT_EQ(NormalizeNfc("a\xFF"
                         "b"),
            "a\xEF\xBF\xBD"
            "b");
  // Truncated 3-byte sequence followed by valid text: one U+FFFD, then the text.
  EXPECT_EQ(NormalizeNfc("x\xE1\xBB y Hà Nội"), "x\xEF\xBF\xBD y Hà Nội");
  // Overlong encoding and surrogate: each maximal subpart is one U+FFFD.
  EXPECT_EQ(NormalizeNfc("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(NormalizeNfc("\xED\xA0\x80z"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDz");
  // Truncated at the very end.
  EXPECT_EQ(NormalizeNfc("ok\xF0\x9F\x98"), "ok\xEF\xBF\xBD");
  // Combining marks after an invalid byte still compose with their own base.
  EXPECT_EQ(NormalizeNfc(std::string("\xFE") + kVietNfd), std::string("\xEF\xBF\xBD") + kVietNfc);
}

TEST(CollapseWhitespaceTest, CollapsesUnicodeSpacesAndTrims) {
  EXPECT_EQ(CollapseWhitespace("  Tin\xC2\xA0\xC2\xA0liên \t\n quan  "), "Tin liên quan");
  EXPECT_EQ(CollapseWhitespace("a\xE2\x80\x80"
                               "b\xE2\x80\x8B"
                               "c\xE3\x80\x80"
                               "d\xEF\xBB\xBF"
                               "e"),
            "a b c d e");
  EXPECT_EQ(CollapseWhitespace("\xE2\x80\xAF x \r\n\f\v y\xE2\x80\xA8"), "x y");
  EXPECT_EQ(CollapseWhitespace(" \xC2\xA0 \t"), "");
  EXPECT_EQ(CollapseWhitespace(""), "");
}

TEST(CollapseWhitespaceTest, KeepsOtherCharactersAndReplacesInvalidBytes) {
  EXPECT_EQ(CollapseWhitespace("a\xE2\x80\x8C"
                               "b"),
            "a\xE2\x80\x8C"
            "b");  // ZWNJ is not a space.
  EXPECT_EQ(CollapseWhitespace(" a \xFF b "), "a \xEF\xBF\xBD b");
}

TEST(CleanTextTest, NormalizesAndCollapses) {
  EXPECT_EQ(CleanText(std::string("\xC2\xA0 ") + kVietNfd + " \n Nam "),
            std::string(kVietNfc) + " Nam");
}

TEST(FoldCaseTest, LowerCasesVietnameseLetters) {
  EXPECT_EQ(FoldCase("TIN LIÊN QUAN"), "tin liên quan");
  EXPECT_EQ(FoldCase("ĐÀ NẴNG"), "đà nẵng");
  EXPECT_EQ(FoldCase("Ủy Ban Nhân Dân"), "ủy ban nhân dân");
  EXPECT_EQ(FoldCase("VIE\xCC\x82\xCC\xA3T"), "vi\xE1\xBB\x87t");  // NFD in, NFC out.
  EXPECT_EQ(FoldCase("ABC def"), "abc def");
}

TEST(FoldAsciiTest, StripsDiacriticsAndStroke) {
  EXPECT_EQ(FoldAscii("Tin liên quan"), "tin lien quan");
  EXPECT_EQ(FoldAscii("Đà Nẵng"), "da nang");
  EXPECT_EQ(FoldAscii("Cổng thông tin điện tử"), "cong thong tin dien tu");
  EXPECT_EQ(FoldAscii("ƯU TIÊN HÀNG ĐẦU"), "uu tien hang dau");
  EXPECT_EQ(FoldAscii(kVietNfd), "viet");
  EXPECT_EQ(FoldAscii("news-Item_2"), "news-item_2");
}

TEST(FoldAsciiTest, InvalidBytesBecomeReplacement) {
  EXPECT_EQ(FoldAscii("Hà\xFFNội"), "ha\xEF\xBF\xBDnoi");
}

TEST(IsValidUtf8Test, AcceptsWellFormedRejectsIllFormed) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("Việt Nam \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("Vi\xEA\xF2t"));       // windows-1258 bytes.
  EXPECT_FALSE(IsValidUtf8("\xC0\x80"));          // Overlong NUL.
  EXPECT_FALSE(IsValidUtf8("\xED\xB0\x80"));      // Lone surrogate.
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // Above U+10FFFF.
  EXPECT_FALSE(IsValidUtf8("abc\xE1\xBB"));       // Truncated.
}

TEST(Utf8HelpersTest, NextCodePointAdvancesByMaximalSubpart) {
  const std::string s = "a\xE1\xBB\x87\xE1\xBBz";
  size_t pos = 0;
  EXPECT_EQ(NextCodePoint(s, &pos), U'a');
  EXPECT_EQ(pos, 1u);
  EXPECT_EQ(NextCodePoint(s, &pos), U'\u1EC7');
  EXPECT_EQ(pos, 4u);
  EXPECT_EQ(NextCodePoint(s, &pos), U'\uFFFD');
  EXPECT_EQ(pos, 6u);
  EXPECT_EQ(NextCodePoint(s, &pos), U'z');
  EXPECT_EQ(pos, 7u);
}

TEST(Utf8HelpersTest, AppendAndSanitize) {
  std::string out;
  AppendUtf8(U'\u1EC7', &out);
  AppendUtf8(U'\U0001F600', &out);
  AppendUtf8(0xD800, &out);
  EXPECT_EQ(out, "\xE1\xBB\x87\xF0\x9F\x98\x80\xEF\xBF\xBD");
  bool replaced = true;
  EXPECT_EQ(SanitizeUtf8("Hà Nội", &replaced), "Hà Nội");
  EXPECT_FALSE(replaced);
  EXPECT_EQ(SanitizeUtf8("H\x80"
                         "a",
                         &replaced),
            "H\xEF\xBF\xBD"
            "a");
  EXPECT_TRUE(replaced);
}

}  // namespace
}  // namespace tincrawl
