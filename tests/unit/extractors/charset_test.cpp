#include "extractors/charset.h"

#include <gtest/gtest.h>

#include <string>

namespace tincrawl {
namespace {

// "Việt Nam" in windows-1258: "ê" (0xEA) followed by the combining dot below (0xF2).
constexpr char kVietNam1258[] = "Vi\xEA\xF2t Nam";
// "Thông báo của Ủy ban về việc tổ chức" in windows-1258 (tones as combining-mark bytes).
constexpr char kSentence1258[] =
    "Th\xF4ng ba\xEC"
    "o cu\xD2"
    "a U\xD2"
    "y ban v\xEA\xCC "
    "vi\xEA\xF2"
    "c t\xF4\xD2 ch\xFD\xEC"
    "c";
constexpr char kSentenceUnicode[] = "Thông báo của Ủy ban về việc tổ chức";

size_t CountOccurrences(const std::string& haystack, const std::string& needle) {
  size_t count = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++count;
  }
  return count;
}

TEST(DecodeHtmlTest, Utf8BomWinsOverHeaderAndIsStripped) {
  const DecodedHtml d =
      DecodeHtml("\xEF\xBB\xBF<p>Việt Nam</p>", "text/html; charset=windows-1252");
  EXPECT_EQ(d.utf8, "<p>Việt Nam</p>");
  EXPECT_EQ(d.charset, "utf-8");
  EXPECT_EQ(d.source, "bom");
  EXPECT_FALSE(d.replaced_invalid);
}

TEST(DecodeHtmlTest, Utf16Boms) {
  // "<p>Việt</p>" in UTF-16LE and UTF-16BE.
  const std::string le("\xFF\xFE<\0p\0>\0V\0i\0\xC7\x1Et\0<\0/\0p\0>\0", 24);
  const std::string be("\xFE\xFF\0<\0p\0>\0V\0i\x1E\xC7\0t\0<\0/\0p\0>", 24);
  DecodedHtml d = DecodeHtml(le, "text/html; charset=utf-8");
  EXPECT_EQ(d.utf8, "<p>Việt</p>");
  EXPECT_EQ(d.charset, "utf-16le");
  EXPECT_EQ(d.source, "bom");
  d = DecodeHtml(be, "");
  EXPECT_EQ(d.utf8, "<p>Việt</p>");
  EXPECT_EQ(d.charset, "utf-16be");
}

TEST(DecodeHtmlTest, HttpHeaderBeatsMeta) {
  const std::string html = std::string("<meta charset=\"utf-8\"><p>") + kVietNam1258 + "</p>";
  const DecodedHtml d = DecodeHtml(html, "text/html; Charset=\"Windows-1258\"");
  EXPECT_EQ(d.charset, "windows-1258");
  EXPECT_EQ(d.source, "http");
  EXPECT_EQ(d.utf8, "<meta charset=\"utf-8\"><p>Việt Nam</p>");
}

TEST(DecodeHtmlTest, Windows1258IsComposedToNfc) {
  const DecodedHtml d = DecodeHtml(kVietNam1258, "text/html;charset=cp1258");
  EXPECT_EQ(d.utf8, "Vi\xE1\xBB\x87t Nam");  // Precomposed U+1EC7.
  EXPECT_EQ(d.charset, "windows-1258");
  EXPECT_FALSE(d.replaced_invalid);
  EXPECT_EQ(DecodeHtml(kSentence1258, "text/html; charset=windows-1258").utf8, kSentenceUnicode);
}

struct MetaCase {
  std::string head;
  std::string charset;  // Expected charset.
  std::string source;
};

class MetaPrescanTest : public ::testing::TestWithParam<MetaCase> {};

TEST_P(MetaPrescanTest, FindsDeclaration) {
  const MetaCase& c = GetParam();
  const DecodedHtml d = DecodeHtml(c.head + "<p>" + kVietNam1258 + "</p>", "text/html");
  EXPECT_EQ(d.charset, c.charset) << c.head;
  EXPECT_EQ(d.source, c.source) << c.head;
}

const MetaCase kMetaCases[] = {
    {"<meta charset=\"windows-1258\">", "windows-1258", "meta"},
    {"<!DOCTYPE html><html><head><META CHARSET = 'Windows-1258' >", "windows-1258", "meta"},
    {"<meta charset=windows-1258>", "windows-1258", "meta"},
    {"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1258\">",
     "windows-1258", "meta"},
    {"<meta content='text/html;charset=x-cp1258' http-equiv=content-type />", "windows-1258",
     "meta"},
    {"<meta\thttp-equiv=\"content-type\"\ncontent=\"text/html; charset = 'cp1258'\">",
     "windows-1258", "meta"},
    {"<?xml version=\"1.0\"?><html><head><title>x</title><meta charset=\"windows-1258\">",
     "windows-1258", "meta"},
    // Duplicate attributes: the first one counts.
    {"<meta charset=\"windows-1258\" charset=\"utf-8\">", "windows-1258", "meta"},
    // Ignored declarations: then the bytes decide (they are not UTF-8, so detection runs).
    {"<!-- <meta charset=\"utf-8\"> -->", "windows-1258", "detected"},
    {"<div title='<meta charset=utf-8>'></div>", "windows-1258", "detected"},
    {"<meta content=\"text/html; charset=utf-8\">", "windows-1258", "detected"},
    {"<meta charset=\"klingon\">", "windows-1258", "detected"},
    {std::string(1100, ' ') + "<meta charset=\"windows-1258\">", "windows-1258", "detected"},
};

INSTANTIATE_TEST_SUITE_P(Variants, MetaPrescanTest, ::testing::ValuesIn(kMetaCases));

TEST(DecodeHtmlTest, MetaUtf16MeansUtf8) {
  const DecodedHtml d = DecodeHtml("<meta charset=\"utf-16\"><p>Việt Nam</p>", "");
  EXPECT_EQ(d.charset, "utf-8");
  EXPECT_EQ(d.source, "meta");
  EXPECT_EQ(d.utf8, "<meta charset=\"utf-16\"><p>Việt Nam</p>");
}

TEST(DecodeHtmlTest, DeclaredUtf8ButWindows1258IsDetected) {
  const std::string html = std::string("<html><meta charset=\"utf-8\"><p>") + kSentence1258 +
                           "</p><p>" + kVietNam1258 + "</p>";
  const DecodedHtml d = DecodeHtml(html, "text/html; charset=UTF-8");
  EXPECT_EQ(d.charset, "windows-1258");
  EXPECT_EQ(d.source, "detected");
  EXPECT_NE(d.utf8.find(kSentenceUnicode), std::string::npos) << d.utf8;
  EXPECT_NE(d.utf8.find("<p>Việt Nam</p>"), std::string::npos);
  EXPECT_FALSE(d.replaced_invalid);
}

TEST(DecodeHtmlTest, DeclaredLatin1ButUtf8VietnameseIsDetected) {
  const DecodedHtml d = DecodeHtml("<p>Thông báo của Ủy ban</p>", "text/html; charset=ISO-8859-1");
  EXPECT_EQ(d.charset, "utf-8");
  EXPECT_EQ(d.source, "detected");
  EXPECT_EQ(d.utf8, "<p>Thông báo của Ủy ban</p>");
}

TEST(DecodeHtmlTest, DeclaredLatin1KeptForRealLatin1) {
  const DecodedHtml d = DecodeHtml("<p>caf\xE9 \x93quoted\x94</p>", "text/html; charset=latin1");
  EXPECT_EQ(d.charset, "windows-1252");
  EXPECT_EQ(d.source, "http");
  EXPECT_EQ(d.utf8, "<p>café \xE2\x80\x9Cquoted\xE2\x80\x9D</p>");
}

TEST(DecodeHtmlTest, InvalidBytesInTheMiddleKeepTheRest) {
  const DecodedHtml d =
      DecodeHtml("<p>Việt Nam \xFF\xC3 Hà Nội, Đà Nẵng, Thông báo của Ủy ban nhân dân</p>", "");
  EXPECT_EQ(d.charset, "utf-8");
  EXPECT_EQ(d.source, "default");
  EXPECT_TRUE(d.replaced_invalid);
  EXPECT_EQ(d.utf8,
            "<p>Việt Nam \xEF\xBF\xBD\xEF\xBF\xBD Hà Nội, Đà Nẵng, Thông báo của Ủy ban nhân "
            "dân</p>");
}

TEST(DecodeHtmlTest, InvalidBytesInIcuCharsetsBecomeReplacement) {
  // A Shift_JIS lead byte followed by a space, then bytes that are never valid; decoding
  // continues with the valid text after them.
  const DecodedHtml d = DecodeHtml("a\x81 b\xFF\xFE c \x93\xFA\x96\x7B", "text/html; charset=sjis");
  EXPECT_EQ(d.charset, "shift_jis");
  EXPECT_TRUE(d.replaced_invalid);
  EXPECT_EQ(d.utf8, "a\xEF\xBF\xBD b\xEF\xBF\xBD\xEF\xBF\xBD c 日本");
  // windows-1258 maps every byte (0x81 is U+0081 as in the WHATWG index): nothing replaced.
  const DecodedHtml v = DecodeHtml(
      "a\x81"
      "b",
      "text/html; charset=windows-1258");
  EXPECT_FALSE(v.replaced_invalid);
  EXPECT_EQ(v.utf8,
            "a\xC2\x81"
            "b");
}

TEST(DecodeHtmlTest, UndeclaredDefaultsAndDetection) {
  DecodedHtml d = DecodeHtml("<p>Việt Nam</p>", "text/html");
  EXPECT_EQ(d.charset, "utf-8");
  EXPECT_EQ(d.source, "default");
  d = DecodeHtml("", "");
  EXPECT_EQ(d.utf8, "");
  EXPECT_EQ(d.charset, "utf-8");
  d = DecodeHtml(std::string("<p>") + kSentence1258 + "</p>", "");
  EXPECT_EQ(d.charset, "windows-1258");
  EXPECT_EQ(d.source, "detected");
  EXPECT_EQ(d.utf8, std::string("<p>") + kSentenceUnicode + "</p>");
}

TEST(DecodeHtmlTest, UndeclaredTcvn3PageStaysWindows1252ForFontConversion) {
  // "Thông báo của ủy ban về việc tổ chức" typed in a .VnTime font.
  const std::string bytes =
      "<p>Th\xABng b\xB8o c\xF1"
      "a \xF1y ban v\xD2 vi\xD6"
      "c t\xE6 ch\xF8"
      "c</p>";
  const DecodedHtml d = DecodeHtml(bytes, "");
  EXPECT_EQ(d.charset, "windows-1252");
  EXPECT_EQ(d.source, "detected");
  EXPECT_EQ(DetectLegacyFont(d.utf8), LegacyFont::kTcvn3);
  EXPECT_EQ(ConvertLegacyFont(d.utf8, LegacyFont::kTcvn3),
            "<p>Thông báo của ủy ban về việc tổ chức</p>");
}

TEST(DecodeHtmlTest, TwentyMegabytesDecodeCompletely) {
  // NFD input forces the normalizer through every byte.
  const std::string unit = "<p>Vie\xCC\x82\xCC\xA3t Nam \xC4\x91\xC3\xB4ng</p>\n";
  std::string html;
  while (html.size() < 20u * 1024 * 1024) html += unit;
  const size_t units = html.size() / unit.size();
  const DecodedHtml d = DecodeHtml(html, "text/html; charset=utf-8");
  EXPECT_EQ(d.charset, "utf-8");
  EXPECT_EQ(CountOccurrences(d.utf8, "<p>Việt Nam đông</p>\n"), units);

  std::string legacy;
  const std::string unit1258 = std::string("<p>") + kSentence1258 + "</p>\n";
  while (legacy.size() < 20u * 1024 * 1024) legacy += unit1258;
  const size_t units1258 = legacy.size() / unit1258.size();
  const DecodedHtml l = DecodeHtml(legacy, "");
  EXPECT_EQ(l.charset, "windows-1258");
  EXPECT_EQ(CountOccurrences(l.utf8, kSentenceUnicode), units1258);
}

struct LegacyCase {
  std::string legacy;
  LegacyFont font;
  std::string unicode;
};

class LegacyFontTest : public ::testing::TestWithParam<LegacyCase> {};

TEST_P(LegacyFontTest, DetectsAndConverts) {
  const LegacyCase& c = GetParam();
  EXPECT_EQ(DetectLegacyFont(c.legacy), c.font) << c.legacy;
  EXPECT_EQ(ConvertLegacyFont(c.legacy, c.font), c.unicode);
}

const LegacyCase kLegacyCases[] = {
    {"Th«ng b¸o", LegacyFont::kTcvn3, "Thông báo"},
    {"ViÖt Nam", LegacyFont::kTcvn3, "Việt Nam"},
    {"§µ N½ng", LegacyFont::kTcvn3, "Đà Nẵng"},
    {"Hµ Néi", LegacyFont::kTcvn3, "Hà Nội"},
    {"Th«ng b¸o cña ñy ban nh©n d©n tØnh vÒ viÖc tæ chøc c¸c ho¹t ®éng chµo mõng ngµy Quèc "
     "kh¸nh",
     LegacyFont::kTcvn3,
     "Thông báo của ủy ban nhân dân tỉnh về việc tổ chức các hoạt động chào mừng ngày Quốc "
     "khánh"},
    {"Ng\xC2\xAD\xC3\xAAi d©n ®\xC2\xAD\xC3\xAE"
     "c h\xC2\xAD\xC3\xADng dÉn thùc hiÖn thñ tôc "
     "hµnh chÝnh trªn ®Þa bµn",
     LegacyFont::kTcvn3, "Người dân được hướng dẫn thực hiện thủ tục hành chính trên địa bàn"},
    {"Thoâng baùo", LegacyFont::kVni, "Thông báo"},
    {"Vieät Nam", LegacyFont::kVni, "Việt Nam"},
    {"Ñaø Naüng", LegacyFont::kVni, "Đà Nẵng"},
    {"Haø Noäi", LegacyFont::kVni, "Hà Nội"},
    {"Thoâng baùo cuûa UÛy ban nhaân daân tænh veà vieäc toå chöùc caùc hoaït ñoäng chaøo möøng "
     "ngaøy Quoác khaùnh",
     LegacyFont::kVni,
     "Thông báo của Ủy ban nhân dân tỉnh về việc tổ chức các hoạt động chào mừng ngày Quốc "
     "khánh"},
    {"Ngöôøi daân ñöôïc höôùng daãn thöïc hieän thuû tuïc haønh chính treân ñòa baøn",
     LegacyFont::kVni, "Người dân được hướng dẫn thực hiện thủ tục hành chính trên địa bàn"},
    {"THOÂNG BAÙO KEÁT QUAÛ", LegacyFont::kVni, "THÔNG BÁO KẾT QUẢ"},
};

INSTANTIATE_TEST_SUITE_P(Sentences, LegacyFontTest, ::testing::ValuesIn(kLegacyCases));

TEST(LegacyFontTest, OrdinaryTextIsNotLegacy) {
  const char* const kTexts[] = {
      "Thông báo của Ủy ban nhân dân tỉnh về việc tổ chức các hoạt động",
      "Hà Nội",
      "và các",
      "Đà Nẵng, ngày 12 tháng 3 năm 2024",
      "Le café est très bon, à côté de la gare. Où êtes-vous? Noël à Paris, déjà été là.",
      "Die Straße für Männer, schön und groß. Über alles.",
      "El niño y la niña mañana en España.",
      "Plain English text with © 2024 and 25°C and “smart quotes” — nothing else.",
      "",
  };
  for (const char* text : kTexts) {
    EXPECT_EQ(DetectLegacyFont(text), LegacyFont::kNone) << text;
  }
}

TEST(LegacyFontTest, NoneReturnsInputUnchanged) {
  EXPECT_EQ(ConvertLegacyFont("Th«ng b¸o", LegacyFont::kNone), "Th«ng b¸o");
  EXPECT_EQ(ConvertLegacyFont("", LegacyFont::kVni), "");
}

}  // namespace
}  // namespace tincrawl
