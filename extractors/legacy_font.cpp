#include "extractors/legacy_font.h"

#include <unicode/uchar.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <unordered_set>

#include "extractors/text.h"

// Legacy 8-bit Vietnamese font converters (TCVN3 and VNI), which work on text that was already
// decoded as windows-1252.

namespace tincrawl {
namespace {

constexpr size_t kLegacySampleBytes = 64 * 1024;  // Thousands of words: plenty of evidence.

// Legacy fonts.

// TCVN 5712:1993 (VN3, the ".Vn" fonts typed with ABC) bytes 0xA0..0xFF, as seen after a
// windows-1252 decoding (code point == byte). 0xB0..0xB4 are the combining tone marks.
constexpr std::array<char16_t, 96> kTcvn3High = {
    0x00A0, 0x0102, 0x00C2, 0x00CA, 0x00D4, 0x01A0, 0x01AF, 0x0110,  // A0
    0x0103, 0x00E2, 0x00EA, 0x00F4, 0x01A1, 0x01B0, 0x0111, 0x1EB0,  // A8
    0x0300, 0x0309, 0x0303, 0x0301, 0x0323, 0x00E0, 0x1EA3, 0x00E3,  // B0
    0x00E1, 0x1EA1, 0x1EB2, 0x1EB1, 0x1EB3, 0x1EB5, 0x1EAF, 0x1EB4,  // B8
    0x1EAE, 0x1EA6, 0x1EA8, 0x1EAA, 0x1EA4, 0x1EC0, 0x1EB7, 0x1EA7,  // C0
    0x1EA9, 0x1EAB, 0x1EA5, 0x1EAD, 0x00E8, 0x1EC2, 0x1EBB, 0x1EBD,  // C8
    0x00E9, 0x1EB9, 0x1EC1, 0x1EC3, 0x1EC5, 0x1EBF, 0x1EC7, 0x00EC,  // D0
    0x1EC9, 0x1EC4, 0x1EBE, 0x1ED2, 0x0129, 0x00ED, 0x1ECB, 0x00F2,  // D8
    0x1ED4, 0x1ECF, 0x00F5, 0x00F3, 0x1ECD, 0x1ED3, 0x1ED5, 0x1ED7,  // E0
    0x1ED1, 0x1ED9, 0x1EDD, 0x1EDF, 0x1EE1, 0x1EDB, 0x1EE3, 0x00F9,  // E8
    0x1ED6, 0x1EE7, 0x0169, 0x00FA, 0x1EE5, 0x1EEB, 0x1EED, 0x1EEF,  // F0
    0x1EE9, 0x1EF1, 0x1EF3, 0x1EF7, 0x1EF9, 0x00FD, 0x1EF5, 0x1ED0,  // F8
};

// The "few lower slots" of TCVN 5712: upper-case letters placed among the C0 controls.
struct CodeMap {
  char32_t from;
  char32_t to;
};
constexpr CodeMap kTcvn3Low[] = {{0x01, 0x00DA}, {0x02, 0x1EE4}, {0x04, 0x1EEA}, {0x05, 0x1EEC},
                                 {0x06, 0x1EEE}, {0x11, 0x1EE8}, {0x12, 0x1EF0}, {0x13, 0x1EF2},
                                 {0x14, 0x1EF6}, {0x15, 0x1EF8}, {0x16, 0x00DD}, {0x17, 0x1EF4}};

char32_t Lookup(const CodeMap* begin, const CodeMap* end, char32_t c, char32_t fallback) {
  for (const CodeMap* m = begin; m != end; ++m) {
    if (m->from == c) return m->to;
  }
  return fallback;
}

char32_t Tcvn3Low(char32_t c) { return Lookup(std::begin(kTcvn3Low), std::end(kTcvn3Low), c, c); }

char32_t Tcvn3ToUnicode(char32_t c) {
  if (c >= 0xA0 && c <= 0xFF) return kTcvn3High[c - 0xA0];
  return c < 0x20 ? Tcvn3Low(c) : c;
}

// VNI-Windows: a base letter followed by a modifier byte carrying the diacritics.
enum Mark : unsigned {
  kGrave = 1,
  kAcute = 2,
  kHook = 4,
  kTilde = 8,
  kDot = 16,
  kCircumflex = 32,
  kBreve = 64,
};

// Modifier code points (windows-1252 view, lower- and upper-case forms) and their marks.
constexpr CodeMap kVniModifiers[] = {
    {0xF8, kGrave},
    {0xD8, kGrave},
    {0xF9, kAcute},
    {0xD9, kAcute},
    {0xFB, kHook},
    {0xDB, kHook},
    {0xF5, kTilde},
    {0xD5, kTilde},
    {0xEF, kDot},
    {0xCF, kDot},
    {0xE2, kCircumflex},
    {0xC2, kCircumflex},
    {0xEA, kBreve},
    {0xCA, kBreve},
    {0xE0, kCircumflex | kGrave},
    {0xC0, kCircumflex | kGrave},
    {0xE1, kCircumflex | kAcute},
    {0xC1, kCircumflex | kAcute},
    {0xE5, kCircumflex | kHook},
    {0xC5, kCircumflex | kHook},
    {0xE3, kCircumflex | kTilde},
    {0xC3, kCircumflex | kTilde},
    {0xE4, kCircumflex | kDot},
    {0xC4, kCircumflex | kDot},
    {0xE8, kBreve | kGrave},
    {0xC8, kBreve | kGrave},
    {0xE9, kBreve | kAcute},
    {0xC9, kBreve | kAcute},
    {0xFA, kBreve | kHook},
    {0xDA, kBreve | kHook},
    {0xFC, kBreve | kTilde},
    {0xDC, kBreve | kTilde},
    {0xEB, kBreve | kDot},
    {0xCB, kBreve | kDot},
};

// Single VNI code points that are whole letters: đ Đ ơ Ơ ư Ư ỉ Ỉ ĩ Ĩ ị Ị ỵ Ỵ.
constexpr CodeMap kVniStandalone[] = {
    {0xF1, 0x0111}, {0xD1, 0x0110}, {0xF4, 0x01A1}, {0xD4, 0x01A0}, {0xF6, 0x01B0},
    {0xD6, 0x01AF}, {0xE6, 0x1EC9}, {0xC6, 0x1EC8}, {0xF3, 0x0129}, {0xD3, 0x0128},
    {0xF2, 0x1ECB}, {0xD2, 0x1ECA}, {0xEE, 0x1EF5}, {0xCE, 0x1EF4},
};

unsigned VniModifierMarks(char32_t c) {
  if (c < 0xC0 || c > 0xFF) return 0;
  return static_cast<unsigned>(Lookup(std::begin(kVniModifiers), std::end(kVniModifiers), c, 0));
}

char32_t VniStandalone(char32_t c) {
  if (c < 0xC0 || c > 0xFF) return 0;
  return Lookup(std::begin(kVniStandalone), std::end(kVniStandalone), c, 0);
}

// Whether `marks` can sit on `base` in Vietnamese (circumflex on a/e/o, breve on a only, tones
// on any vowel, including ơ/ư produced by VniStandalone).
bool VniAccepts(char32_t base, unsigned marks) {
  const char32_t lower = base < 0x80 ? (base | 0x20) : base;
  const bool vowel = lower == 'a' || lower == 'e' || lower == 'o' || lower == 'u' || lower == 'y' ||
                     base == 0x01A1 || base == 0x01A0 || base == 0x01B0 || base == 0x01AF;
  if (!vowel) return false;
  if ((marks & kCircumflex) && lower != 'a' && lower != 'e' && lower != 'o') return false;
  if ((marks & kBreve) && lower != 'a') return false;
  return true;
}

void AppendMarks(unsigned marks, std::string* out) {
  if (marks & kCircumflex) AppendUtf8(0x0302, out);
  if (marks & kBreve) AppendUtf8(0x0306, out);
  if (marks & kGrave) AppendUtf8(0x0300, out);
  if (marks & kAcute) AppendUtf8(0x0301, out);
  if (marks & kHook) AppendUtf8(0x0309, out);
  if (marks & kTilde) AppendUtf8(0x0303, out);
  if (marks & kDot) AppendUtf8(0x0323, out);
}

std::string ConvertVni(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size() + utf8.size() / 4);
  char32_t base = 0;  // The last letter written, if a modifier may still attach to it.
  size_t i = 0;
  while (i < utf8.size()) {
    const char32_t c = NextCodePoint(utf8, &i);
    const unsigned marks = VniModifierMarks(c);
    if (marks != 0 && base != 0 && VniAccepts(base, marks)) {
      AppendMarks(marks, &out);
      base = 0;
      continue;
    }
    const char32_t whole = VniStandalone(c);
    const char32_t letter = whole != 0 ? whole : c;
    AppendUtf8(letter, &out);
    base = letter;
  }
  return NormalizeNfc(out);
}

std::string ConvertTcvn3(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size() + utf8.size() / 4);
  size_t i = 0;
  while (i < utf8.size()) AppendUtf8(Tcvn3ToUnicode(NextCodePoint(utf8, &i)), &out);
  return NormalizeNfc(out);
}

// Common Vietnamese syllables (with diacritics, lower case, NFC): the check that a conversion
// produced Vietnamese and not a scramble of French or English.
const std::unordered_set<std::string_view>& CommonSyllables() {
  static const std::unordered_set<std::string_view> kWords = {
      "của",    "và",    "các",   "ngày",   "thông",  "việt",  "năm",    "người", "được",  "trong",
      "những",  "là",    "có",    "cho",    "với",    "này",   "đã",     "để",    "không", "một",
      "tại",    "về",    "đến",   "từ",     "đồng",   "nhân",  "dân",    "tỉnh",  "huyện", "xã",
      "thành",  "phố",   "quốc",  "hội",    "chính",  "phủ",   "công",   "tác",   "báo",   "học",
      "tế",     "triển", "phát",  "nhà",    "nước",   "bộ",    "cơ",     "ủy",    "đảng",  "văn",
      "bản",    "quyết", "định",  "số",     "hành",   "việc",  "thực",   "hiện",  "đơn",   "vị",
      "tổ",     "chức",  "lãnh",  "đạo",    "cán",    "dự",    "án",     "xây",   "dựng",  "quản",
      "lý",     "đầu",   "tư",    "sở",     "phòng",  "ngành", "hoạt",   "động",  "kế",    "hoạch",
      "chỉ",    "hướng", "dẫn",   "kết",    "quả",    "tháng", "trên",   "địa",   "bàn",   "tiếp",
      "tục",    "đề",    "nghị",  "hà",     "nội",    "mới",   "sẽ",     "còn",   "nhiều", "đó",
      "như",    "cũng",  "sự",    "lại",    "vào",    "trước", "phải",   "đình",  "điều",  "thể",
      "lực",    "đô",    "thị",   "giáo",   "dục",    "tuyên", "truyền", "toàn",  "thủ",   "tướng",
      "ương",   "đại",   "biểu",  "viên",   "thường", "vụ",    "bí",     "thư",   "chủ",   "tịch",
      "tổng",   "cục",   "luật",  "điện",   "tử",     "đất",   "sản",    "xuất",  "nông",  "nghiệp",
      "nẵng",   "đà",    "hồ",    "chí",    "minh",   "tin",   "tức",    "sáng",  "chiều", "tuần",
      "giữa",   "bảo",   "đảm",   "triệu",  "đồng",   "tỷ",    "lớn",    "nhỏ",   "cao",   "mạnh",
      "phương", "pháp",  "đổi",   "mở",     "rộng",   "vùng",  "miền",   "dịch",  "giải",  "quyết",
      "ý",      "kiến",  "trình", "trường", "cấp",    "ngoài", "hợp",    "tích",  "cực",   "sách",
      "nhiệm",  "kỳ",    "khóa",  "mặt",    "trận",   "đoàn",  "thanh",  "niên",  "phụ",   "nữ",
      "thôn",   "bản",   "làng",  "bà",     "ông",    "anh",   "chị",    "em",    "hiệu",  "lệnh",
      "kiểm",   "tra",   "giám",  "sát",    "thanh",  "đăng",  "ký",     "hồ",    "sơ",    "cải",
      "cách",   "thủ",   "tục",   "hỗ",     "trợ",    "nghèo", "khó",    "khăn",  "ở",     "đây",
      "đi",     "làm",   "đang",  "cùng",   "bị",     "nếu",   "khác",   "sau",   "khi",   "nhất",
      "thì",    "rất",   "vì",    "hơn",    "đều",
  };
  return kWords;
}

struct SyllableScore {
  size_t words = 0;       // Words containing a non-ASCII letter.
  size_t common = 0;      // Words found in the common-syllable list.
  size_t vietnamese = 0;  // Vietnamese-specific letters.
};

bool IsWordPart(char32_t c) {
  return u_isalpha(static_cast<UChar32>(c)) ||
         u_charType(static_cast<UChar32>(c)) == U_NON_SPACING_MARK;
}

void ScoreWord(const std::string& word, bool non_ascii, SyllableScore* score) {
  if (word.empty()) return;
  if (non_ascii) ++score->words;
  if (CommonSyllables().count(word) != 0) ++score->common;
}

SyllableScore ScoreSyllables(std::string_view utf8) {
  SyllableScore score;
  std::string word;
  bool non_ascii = false;
  size_t i = 0;
  while (i < utf8.size()) {
    const char32_t c = NextCodePoint(utf8, &i);
    if (IsWordPart(c)) {
      AppendUtf8(static_cast<char32_t>(u_tolower(static_cast<UChar32>(c))), &word);
      non_ascii = non_ascii || c >= 0x80;
      if (IsVietnameseLetter(c)) ++score.vietnamese;
      continue;
    }
    ScoreWord(word, non_ascii, &score);
    word.clear();
    non_ascii = false;
  }
  ScoreWord(word, non_ascii, &score);
  return score;
}

// How convincingly `font` turns `utf8` into Vietnamese: the number of common syllables gained,
// or 0 when the result does not read as Vietnamese.
size_t LegacyEvidence(std::string_view utf8, LegacyFont font, size_t original_common) {
  const SyllableScore converted = ScoreSyllables(ConvertLegacyFont(utf8, font));
  if (converted.common <= original_common || converted.words == 0) return 0;
  const size_t gained = converted.common - original_common;
  // At least a quarter of the accented words must be common syllables.
  return gained * 4 >= converted.words ? gained : 0;
}

bool HasLegacyCandidates(std::string_view utf8) {
  size_t i = 0;
  while (i < utf8.size()) {
    const char32_t c = NextCodePoint(utf8, &i);
    if (c >= 0xA0 && c <= 0xFF) return true;
  }
  return false;
}

}  // namespace

LegacyFont DetectLegacyFont(std::string_view text) {
  // Judge a prefix (cut on a code point boundary) so huge documents cost the same as small ones.
  size_t cut = std::min(text.size(), kLegacySampleBytes);
  while (cut > 0 && cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  const std::string_view utf8 = text.substr(0, cut);
  if (!HasLegacyCandidates(utf8)) return LegacyFont::kNone;
  const SyllableScore original = ScoreSyllables(utf8);
  // Real Unicode Vietnamese: legacy text has no precomposed Vietnamese-only letters.
  if (original.vietnamese > 2) return LegacyFont::kNone;
  const size_t tcvn3 = LegacyEvidence(utf8, LegacyFont::kTcvn3, original.common);
  const size_t vni = LegacyEvidence(utf8, LegacyFont::kVni, original.common);
  if (tcvn3 == 0 && vni == 0) return LegacyFont::kNone;
  return tcvn3 >= vni ? LegacyFont::kTcvn3 : LegacyFont::kVni;
}

std::string ConvertLegacyFont(std::string_view utf8, LegacyFont font) {
  switch (font) {
    case LegacyFont::kTcvn3:
      return ConvertTcvn3(utf8);
    case LegacyFont::kVni:
      return ConvertVni(utf8);
    case LegacyFont::kNone:
      break;
  }
  return std::string(utf8);
}

}  // namespace tincrawl
