#include "extractors/dates.h"

#include <unicode/uchar.h>

#include <cstdio>

#include "extractors/text.h"

// Hand-written scanners (no std::regex: this runs on every page). Every reader takes the text and
// a cursor, and only advances the cursor when it succeeds.

namespace tincrawl {
namespace {

constexpr int kMinYear = 1990;
constexpr int kMaxYear = 2100;
constexpr int kVietnamOffsetMinutes = 7 * 60;
constexpr size_t kMaxConnectorBytes = 24;  // How far a time may sit from its date.

struct DateTime {
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int offset_minutes = kVietnamOffsetMinutes;
  bool has_time = false;
};

enum class Meridiem { kNone, kAm, kPm };
enum class Outcome { kNone, kOk, kInvalid };  // kInvalid: the shape matched, the values did not.

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return (m == 2 && IsLeapYear(y)) ? 29 : kDays[m - 1];
}

bool ValidCalendarDate(int y, int m, int d) {
  return y >= kMinYear && y <= kMaxYear && m >= 1 && m <= 12 && d >= 1 && d <= DaysInMonth(y, m);
}

bool ValidClock(int h, int mi, int s) {
  return h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 59;
}

bool ValidOffset(int minutes) { return minutes > -24 * 60 && minutes < 24 * 60; }

std::string FormatRfc3339(const DateTime& t) {
  const int off = t.offset_minutes < 0 ? -t.offset_minutes : t.offset_minutes;
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", t.year, t.month,
                t.day, t.hour, t.minute, t.second, t.offset_minutes < 0 ? '-' : '+', off / 60,
                off % 60);
  return buf;
}

// Reads a run of digits whose length is within [min_len, max_len]; the whole run must fit, so
// "20245" is never read as the year 2024.
bool ReadNumber(std::string_view s, size_t* pos, size_t min_len, size_t max_len, int* value) {
  size_t i = *pos;
  while (i < s.size() && IsDigit(s[i]) && i - *pos <= max_len) ++i;
  const size_t len = i - *pos;
  if (len < min_len || len > max_len) return false;
  int v = 0;
  for (size_t k = *pos; k < i; ++k) v = v * 10 + (s[k] - '0');
  *value = v;
  *pos = i;
  return true;
}

bool ReadChar(std::string_view s, size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

// Skips ASCII blanks and NBSP; returns whether anything was skipped.
bool SkipSpaces(std::string_view s, size_t* pos) {
  const size_t start = *pos;
  while (*pos < s.size()) {
    if (s[*pos] == ' ' || s[*pos] == '\t' || s[*pos] == '\n' || s[*pos] == '\r') {
      ++*pos;
    } else if (s.substr(*pos, 2) == "\xC2\xA0") {
      *pos += 2;
    } else {
      break;
    }
  }
  return *pos != start;
}

bool IsWordCodePoint(char32_t c) {
  return u_isalnum(static_cast<UChar32>(c)) ||
         u_charType(static_cast<UChar32>(c)) == U_NON_SPACING_MARK;
}

// Case-insensitive match of the lower-case UTF-8 `word` at `*pos`, ending on a word boundary.
bool ReadWord(std::string_view s, size_t* pos, std::string_view word) {
  size_t i = *pos;
  size_t w = 0;
  while (w < word.size()) {
    if (i >= s.size()) return false;
    const char32_t a = NextCodePoint(s, &i);
    const char32_t b = NextCodePoint(word, &w);
    if (static_cast<char32_t>(u_tolower(static_cast<UChar32>(a))) != b) return false;
  }
  size_t next = i;
  if (next < s.size() && IsWordCodePoint(NextCodePoint(s, &next))) return false;
  *pos = i;
  return true;
}

bool ReadMeridiem(std::string_view s, size_t* pos, Meridiem* m) {
  static constexpr struct {
    std::string_view word;
    Meridiem value;
  } kWords[] = {{"am", Meridiem::kAm},  {"a.m.", Meridiem::kAm}, {"sa", Meridiem::kAm},
                {"pm", Meridiem::kPm},  {"p.m.", Meridiem::kPm}, {"ch", Meridiem::kPm},
                {"a.m", Meridiem::kAm}, {"p.m", Meridiem::kPm}};
  size_t i = *pos;
  SkipSpaces(s, &i);
  for (const auto& w : kWords) {
    size_t j = i;
    if (ReadWord(s, &j, w.word)) {
      *m = w.value;
      *pos = j;
      return true;
    }
  }
  return false;
}

// "+07:00", "+0700", "-03:30" (the sign included); "+7" and "+07" only when `allow_short`, since
// in running text "10:15-12/03/2024" the "-12" is not an offset.
bool ReadNumericOffset(std::string_view s, size_t* pos, bool allow_short, int* minutes) {
  size_t i = *pos;
  if (i >= s.size() || (s[i] != '+' && s[i] != '-')) return false;
  const int sign = s[i++] == '-' ? -1 : 1;
  int h = 0;
  int m = 0;
  const size_t digits_start = i;
  if (!ReadNumber(s, &i, 1, 4, &h)) return false;
  const size_t len = i - digits_start;
  if (len == 4) {
    m = h % 100;
    h /= 100;
  } else if (len == 3) {
    return false;
  } else if (ReadChar(s, &i, ':')) {
    if (len != 2 || !ReadNumber(s, &i, 2, 2, &m)) return false;
  } else if (!allow_short) {
    return false;
  }
  if (h > 23 || m > 59) return false;
  *minutes = sign * (h * 60 + m);
  *pos = i;
  return true;
}

// "GMT", "UTC", "(GMT+7)", "GMT+07:00" after optional blanks.
bool ReadNamedZone(std::string_view s, size_t* pos, int* minutes) {
  size_t i = *pos;
  SkipSpaces(s, &i);
  const bool paren = ReadChar(s, &i, '(');
  const std::string_view name = s.substr(i, 3);
  if (name.size() < 3 || (AsciiLower(name[0]) != 'g' && AsciiLower(name[0]) != 'u')) return false;
  std::string lower;
  for (char c : name) lower.push_back(AsciiLower(c));
  if (lower != "gmt" && lower != "utc") return false;
  i += 3;
  if (i < s.size() && IsAsciiAlpha(s[i])) return false;
  int offset = 0;
  ReadNumericOffset(s, &i, true, &offset);
  if (paren && !ReadChar(s, &i, ')')) return false;
  *minutes = offset;
  *pos = i;
  return true;
}

// Optional zone after a time: "Z", "+07:00", " GMT+7", " (GMT+07:00)", " UTC".
void ReadZone(std::string_view s, size_t* pos, bool allow_short, DateTime* t) {
  size_t i = *pos;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z') &&
      (i + 1 == s.size() || !IsAsciiAlpha(s[i + 1]))) {
    t->offset_minutes = 0;
    *pos = i + 1;
    return;
  }
  int minutes = 0;
  if (ReadNumericOffset(s, &i, allow_short, &minutes) || ReadNamedZone(s, &i, &minutes)) {
    t->offset_minutes = minutes;
    *pos = i;
  }
}

bool ApplyMeridiem(Meridiem m, int* hour) {
  if (m == Meridiem::kNone) return true;
  if (m == Meridiem::kAm) {
    if (*hour > 12) return false;
    if (*hour == 12) *hour = 0;
    return true;
  }
  if (*hour == 0) return false;
  if (*hour < 12) *hour += 12;
  return true;
}

// "08:06", "8:06:33", "15h17", each optionally followed by AM/PM/SA/CH and a zone.
Outcome ReadTime(std::string_view s, size_t* pos, DateTime* t) {
  size_t i = *pos;
  int h = 0;
  int mi = 0;
  int sec = 0;
  if (!ReadNumber(s, &i, 1, 2, &h)) return Outcome::kNone;
  if (i >= s.size() || (s[i] != ':' && s[i] != 'h' && s[i] != 'H')) return Outcome::kNone;
  const bool colon = s[i++] == ':';
  if (!ReadNumber(s, &i, 2, 2, &mi)) return Outcome::kNone;
  if (colon && i + 1 < s.size() && s[i] == ':' && IsDigit(s[i + 1])) {
    ++i;
    if (!ReadNumber(s, &i, 2, 2, &sec)) return Outcome::kNone;
  }
  Meridiem m = Meridiem::kNone;
  if (!ReadMeridiem(s, &i, &m) && i < s.size() && (IsAsciiAlpha(s[i]) || IsDigit(s[i]))) {
    return Outcome::kNone;
  }
  if (!ApplyMeridiem(m, &h) || !ValidClock(h, mi, sec)) return Outcome::kInvalid;
  t->hour = h;
  t->minute = mi;
  t->second = sec;
  t->has_time = true;
  ReadZone(s, &i, false, t);
  *pos = i;
  return Outcome::kOk;
}

bool IsDateSeparator(char c) { return c == '/' || c == '-' || c == '.'; }

// Rejects a date that continues as a longer number sequence ("12/03/2024/5", "2024-03-12-7").
bool EndsCleanly(std::string_view s, size_t i) {
  if (i >= s.size()) return true;
  if (IsDigit(s[i])) return false;
  return !((s[i] == '/' || s[i] == '-') && i + 1 < s.size() && IsDigit(s[i + 1]));
}

// "18/10/2018", "12-3-2024", "12.03.2024": day first, always.
bool ReadDmy(std::string_view s, size_t* pos, DateTime* t) {
  size_t i = *pos;
  if (!ReadNumber(s, &i, 1, 2, &t->day)) return false;
  if (i >= s.size() || !IsDateSeparator(s[i])) return false;
  const char sep = s[i++];
  if (!ReadNumber(s, &i, 1, 2, &t->month) || !ReadChar(s, &i, sep)) return false;
  if (!ReadNumber(s, &i, 4, 4, &t->year) || !EndsCleanly(s, i)) return false;
  *pos = i;
  return true;
}

// "2024-03-12", "2024/03/12", optionally followed by "T08:06:00+07:00".
bool ReadYmd(std::string_view s, size_t* pos, DateTime* t) {
  size_t i = *pos;
  if (!ReadNumber(s, &i, 4, 4, &t->year)) return false;
  if (i >= s.size() || !IsDateSeparator(s[i])) return false;
  const char sep = s[i++];
  if (!ReadNumber(s, &i, 1, 2, &t->month) || !ReadChar(s, &i, sep)) return false;
  if (!ReadNumber(s, &i, 1, 2, &t->day)) return false;
  if (i + 1 < s.size() && (s[i] == 'T' || s[i] == 't') && IsDigit(s[i + 1])) {
    size_t j = i + 1;
    DateTime timed = *t;
    if (ReadTime(s, &j, &timed) == Outcome::kOk) {
      *t = timed;
      *pos = j;
      return true;
    }
  }
  if (!EndsCleanly(s, i)) return false;
  *pos = i;
  return true;
}

// "12 tháng 3 năm 2024", "12 Tháng 03, 2024" (the leading "ngày" is added by the caller).
bool ReadLongForm(std::string_view s, size_t* pos, DateTime* t) {
  size_t i = *pos;
  if (!ReadNumber(s, &i, 1, 2, &t->day)) return false;
  SkipSpaces(s, &i);
  if (!ReadWord(s, &i, "tháng")) return false;
  SkipSpaces(s, &i);
  if (!ReadNumber(s, &i, 1, 2, &t->month)) return false;
  const bool comma = ReadChar(s, &i, ',');
  const bool space = SkipSpaces(s, &i);
  if (!comma && ReadWord(s, &i, "năm")) {
    SkipSpaces(s, &i);
  } else if (!comma && !space) {
    return false;
  }
  if (!ReadNumber(s, &i, 4, 4, &t->year)) return false;
  *pos = i;
  return true;
}

// Start of a "ngày " that directly precedes `pos`, or `pos` itself.
size_t ExtendOverNgay(std::string_view s, size_t pos) {
  static constexpr std::string_view kForms[] = {"ngày", "Ngày", "NGÀY"};
  size_t i = pos;
  while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t')) --i;
  for (std::string_view form : kForms) {
    if (i >= form.size() && s.substr(i - form.size(), form.size()) == form) {
      const size_t start = i - form.size();
      if (start == 0 || !IsAsciiAlpha(s[start - 1])) return start;
    }
  }
  return pos;
}

// Punctuation and words that may sit between a date and its time ("18/10/2018 - 08:06",
// "06/01/2016 | 03:30 PM", "10:15 ngày 12/03/2024"). Returns false when nothing was skipped.
bool SkipConnector(std::string_view s, size_t* pos) {
  static constexpr std::string_view kSymbols[] = {
      ",", "-", "|", "(", "\xE2\x80\x93", "\xE2\x80\x94", "\xC2\xB7", "@"};
  static constexpr std::string_view kWords[] = {"lúc", "vào", "ngày", "at"};
  const size_t start = *pos;
  for (int guard = 0; guard < 6 && *pos - start <= kMaxConnectorBytes; ++guard) {
    bool progressed = SkipSpaces(s, pos);
    for (std::string_view sym : kSymbols) {
      if (s.substr(*pos, sym.size()) == sym) {
        *pos += sym.size();
        progressed = true;
        break;
      }
    }
    for (std::string_view word : kWords) {
      if (ReadWord(s, pos, word)) progressed = true;
    }
    if (!progressed) break;
  }
  return *pos != start && *pos - start <= kMaxConnectorBytes;
}

bool ReadDate(std::string_view s, size_t* pos, DateTime* t, size_t* begin) {
  *begin = *pos;
  if (ReadDmy(s, pos, t) || ReadYmd(s, pos, t)) return true;
  if (ReadLongForm(s, pos, t)) {
    *begin = ExtendOverNgay(s, *begin);
    return true;
  }
  return false;
}

// A date starting at `pos`, with an optional time after it.
Outcome MatchDateThenTime(std::string_view s, size_t pos, DateMatch* out) {
  DateTime t;
  size_t i = pos;
  size_t begin = pos;
  if (!ReadDate(s, &i, &t, &begin)) return Outcome::kNone;
  if (!ValidCalendarDate(t.year, t.month, t.day)) return Outcome::kInvalid;
  if (!t.has_time) {
    size_t j = i;
    if (!SkipConnector(s, &j)) j = i;
    const Outcome time = ReadTime(s, &j, &t);
    if (time == Outcome::kInvalid) return Outcome::kInvalid;
    if (time == Outcome::kOk) i = j;
  }
  *out = DateMatch{FormatRfc3339(t), begin, i, t.has_time};
  return Outcome::kOk;
}

// A time starting at `pos` followed by its date ("Cập nhật: 10:15 12/03/2024").
Outcome MatchTimeThenDate(std::string_view s, size_t pos, DateMatch* out) {
  DateTime t;
  size_t i = pos;
  if (ReadTime(s, &i, &t) != Outcome::kOk) return Outcome::kNone;
  if (!SkipConnector(s, &i)) return Outcome::kNone;
  DateTime d;
  size_t date_begin = i;
  if (!ReadDate(s, &i, &d, &date_begin) || d.has_time) return Outcome::kNone;
  if (!ValidCalendarDate(d.year, d.month, d.day)) return Outcome::kInvalid;
  d.hour = t.hour;
  d.minute = t.minute;
  d.second = t.second;
  d.offset_minutes = t.offset_minutes;
  d.has_time = true;
  *out = DateMatch{FormatRfc3339(d), pos, i, true};
  return Outcome::kOk;
}

// A position where a number starts: not inside a digit run nor right after "3/" or "1.".
bool IsNumberStart(std::string_view s, size_t i) {
  if (!IsDigit(s[i])) return false;
  if (i == 0) return true;
  if (IsDigit(s[i - 1])) return false;
  const char prev = s[i - 1];
  return !((prev == '/' || prev == '-' || prev == '.' || prev == ':') && i >= 2 &&
           IsDigit(s[i - 2]));
}

// ---- strptime-like hints ----

bool ReadMonthName(std::string_view s, size_t* pos, int* month) {
  static constexpr std::string_view kNames[] = {"january",   "february", "march",    "april",
                                                "may",       "june",     "july",     "august",
                                                "september", "october",  "november", "december"};
  for (int m = 0; m < 12; ++m) {
    size_t i = *pos;
    if (ReadWord(s, &i, kNames[m]) || ReadWord(s, &i, kNames[m].substr(0, 3))) {
      *month = m + 1;
      *pos = i;
      return true;
    }
  }
  return false;
}

bool ReadDirective(char d, std::string_view s, size_t* pos, DateTime* t, Meridiem* m) {
  switch (d) {
    case 'd':
    case 'e':
      return ReadNumber(s, pos, 1, 2, &t->day);
    case 'm':
      return ReadNumber(s, pos, 1, 2, &t->month);
    case 'Y':
      return ReadNumber(s, pos, 4, 4, &t->year);
    case 'y':
      if (!ReadNumber(s, pos, 2, 2, &t->year)) return false;
      t->year += t->year < 70 ? 2000 : 1900;
      return true;
    case 'H':
    case 'I':
      t->has_time = true;
      return ReadNumber(s, pos, 1, 2, &t->hour);
    case 'M':
      t->has_time = true;
      return ReadNumber(s, pos, 1, 2, &t->minute);
    case 'S':
      return ReadNumber(s, pos, 1, 2, &t->second);
    case 'p':
      return ReadMeridiem(s, pos, m);
    case 'b':
    case 'B':
    case 'h':
      return ReadMonthName(s, pos, &t->month);
    case 'n':
    case 't':
      SkipSpaces(s, pos);
      return true;
    case '%':
      return ReadChar(s, pos, '%');
    default:
      return false;
  }
}

bool MatchFormatAt(std::string_view s, size_t start, std::string_view fmt, DateMatch* out) {
  DateTime t;
  Meridiem m = Meridiem::kNone;
  size_t i = start;
  for (size_t f = 0; f < fmt.size(); ++f) {
    const char c = fmt[f];
    if (c == '%' && f + 1 < fmt.size()) {
      if (!ReadDirective(fmt[++f], s, &i, &t, &m)) return false;
    } else if (c == ' ' || c == '\t') {
      SkipSpaces(s, &i);
    } else if (i >= s.size() || AsciiLower(s[i++]) != AsciiLower(c)) {
      return false;
    }
  }
  if (i < s.size() && IsDigit(s[i]) && i > start && IsDigit(s[i - 1])) return false;
  if (!ApplyMeridiem(m, &t.hour) || !ValidCalendarDate(t.year, t.month, t.day) ||
      !ValidClock(t.hour, t.minute, t.second)) {
    return false;
  }
  if (t.has_time) ReadZone(s, &i, false, &t);
  *out = DateMatch{FormatRfc3339(t), start, i, t.has_time};
  return true;
}

std::optional<DateMatch> FindWithHints(std::string_view text,
                                       const std::vector<std::string>& hints) {
  for (size_t start = 0; start < text.size(); ++start) {
    if (IsDigit(text[start]) && !IsNumberStart(text, start)) continue;
    if (start > 0 && IsAsciiAlpha(text[start]) && IsAsciiAlpha(text[start - 1])) continue;
    for (const std::string& hint : hints) {
      DateMatch match;
      if (!hint.empty() && MatchFormatAt(text, start, hint, &match)) return match;
    }
  }
  return std::nullopt;
}

// ---- machine dates ----

std::string_view Trim(std::string_view s) {
  size_t b = 0;
  SkipSpaces(s, &b);
  s.remove_prefix(b);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  if (s.size() >= 2 && s.substr(s.size() - 2) == "\xC2\xA0") return Trim(s.substr(0, s.size() - 2));
  return s;
}

// "2018-10-18", "2018-10-18T08:06:00.123+07:00", "2018-10-18 08:06", "2018-10-18T01:06:00Z".
std::optional<std::string> ParseIso(std::string_view s) {
  DateTime t;
  size_t i = 0;
  if (!ReadNumber(s, &i, 4, 4, &t.year) || !ReadChar(s, &i, '-') ||
      !ReadNumber(s, &i, 2, 2, &t.month) || !ReadChar(s, &i, '-') ||
      !ReadNumber(s, &i, 2, 2, &t.day)) {
    return std::nullopt;
  }
  if (i < s.size()) {
    if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') return std::nullopt;
    ++i;
    if (!ReadNumber(s, &i, 2, 2, &t.hour) || !ReadChar(s, &i, ':') ||
        !ReadNumber(s, &i, 2, 2, &t.minute)) {
      return std::nullopt;
    }
    if (ReadChar(s, &i, ':') && !ReadNumber(s, &i, 2, 2, &t.second)) return std::nullopt;
    if (ReadChar(s, &i, '.') || ReadChar(s, &i, ',')) {
      while (i < s.size() && IsDigit(s[i])) ++i;  // Fractions of a second are dropped.
    }
    t.has_time = true;
    ReadZone(s, &i, true, &t);
  }
  if (i != s.size() || !ValidCalendarDate(t.year, t.month, t.day) ||
      !ValidClock(t.hour, t.minute, t.second) || !ValidOffset(t.offset_minutes)) {
    return std::nullopt;
  }
  return FormatRfc3339(t);
}

bool IsWeekdayName(std::string_view token) {
  static constexpr std::string_view kDays[] = {"monday", "tuesday",  "wednesday", "thursday",
                                               "friday", "saturday", "sunday"};
  for (std::string_view day : kDays) {
    size_t a = 0;
    size_t b = 0;
    if (ReadWord(token, &a, day) && a == token.size()) return true;
    if (ReadWord(token, &b, day.substr(0, 3)) && b == token.size()) return true;
  }
  return false;
}

bool ReadClockToken(std::string_view token, DateTime* t) {
  size_t i = 0;
  if (!ReadNumber(token, &i, 1, 2, &t->hour) || !ReadChar(token, &i, ':') ||
      !ReadNumber(token, &i, 2, 2, &t->minute)) {
    return false;
  }
  if (ReadChar(token, &i, ':') && !ReadNumber(token, &i, 2, 2, &t->second)) return false;
  t->has_time = true;
  return i == token.size();
}

bool ReadZoneToken(std::string_view token, DateTime* t) {
  static constexpr std::string_view kUtc[] = {"gmt", "utc", "ut", "z"};
  for (std::string_view name : kUtc) {
    size_t i = 0;
    if (ReadWord(token, &i, name) && i == token.size()) {
      t->offset_minutes = 0;
      return true;
    }
  }
  size_t i = 0;
  int minutes = 0;
  if (!ReadNumericOffset(token, &i, true, &minutes) || i != token.size()) return false;
  t->offset_minutes = minutes;
  return true;
}

bool ApplyHttpToken(std::string_view token, DateTime* t) {
  size_t i = 0;
  int month = 0;
  if (ReadMonthName(token, &i, &month) && i == token.size()) {
    t->month = month;
    return true;
  }
  if (IsWeekdayName(token)) return true;
  if (token.find(':') != std::string_view::npos && !t->has_time && IsDigit(token[0])) {
    return ReadClockToken(token, t);
  }
  int number = 0;
  i = 0;
  if (ReadNumber(token, &i, 1, 4, &number) && i == token.size()) {
    if (token.size() == 4 && t->year == 0) {
      t->year = number;
    } else if (token.size() <= 2 && t->day == 0) {
      t->day = number;
    } else if (token.size() == 2 && t->year == 0) {
      t->year = number + (number < 70 ? 2000 : 1900);  // RFC 850 two-digit year.
    } else {
      return false;
    }
    return true;
  }
  return t->has_time && ReadZoneToken(token, t);
}

// RFC 1123 "Thu, 18 Oct 2018 01:06:00 GMT", RFC 850 "Thursday, 18-Oct-18 01:06:00 GMT", asctime
// "Thu Oct 18 01:06:00 2018" and RFC 2822 "Thu, 18 Oct 2018 08:06:00 +0700".
std::optional<std::string> ParseHttpDate(std::string_view s) {
  DateTime t;
  t.offset_minutes = 0;  // HTTP-dates are GMT unless a zone says otherwise.
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',' || (s[i] == '-' && !t.has_time))) ++i;
    size_t end = i;
    while (end < s.size() && s[end] != ' ' && s[end] != ',' &&
           (s[end] != '-' || t.has_time || end == i)) {
      ++end;
    }
    if (end == i) break;
    if (!ApplyHttpToken(s.substr(i, end - i), &t)) return std::nullopt;
    i = end;
  }
  if (!t.has_time) t.offset_minutes = kVietnamOffsetMinutes;
  if (t.month == 0 || !ValidCalendarDate(t.year, t.month, t.day) ||
      !ValidClock(t.hour, t.minute, t.second)) {
    return std::nullopt;
  }
  return FormatRfc3339(t);
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
long long DaysFromCivil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

}  // namespace

std::optional<DateMatch> FindDate(std::string_view text, const std::vector<std::string>& hints) {
  if (!hints.empty()) {
    if (auto match = FindWithHints(text, hints)) return match;
  }
  for (size_t i = 0; i < text.size(); ++i) {
    if (!IsNumberStart(text, i)) continue;
    DateMatch match;
    if (MatchTimeThenDate(text, i, &match) == Outcome::kOk) return match;
    if (MatchDateThenTime(text, i, &match) == Outcome::kOk) return match;
  }
  return std::nullopt;
}

std::optional<std::string> ParseMachineDate(std::string_view text) {
  const std::string_view s = Trim(text);
  if (s.empty()) return std::nullopt;
  if (auto iso = ParseIso(s)) return iso;
  if (auto http = ParseHttpDate(s)) return http;
  auto match = FindDate(s);
  if (match && match->begin == 0 && match->end == s.size()) return match->rfc3339;
  return std::nullopt;
}

std::optional<long long> Rfc3339ToUnix(std::string_view rfc3339) {
  DateTime t;
  const std::string_view s = rfc3339;
  size_t i = 0;
  if (!ReadNumber(s, &i, 4, 4, &t.year) || !ReadChar(s, &i, '-') ||
      !ReadNumber(s, &i, 2, 2, &t.month) || !ReadChar(s, &i, '-') ||
      !ReadNumber(s, &i, 2, 2, &t.day) || i >= s.size() || (s[i] != 'T' && s[i] != 't')) {
    return std::nullopt;
  }
  ++i;
  if (!ReadNumber(s, &i, 2, 2, &t.hour) || !ReadChar(s, &i, ':') ||
      !ReadNumber(s, &i, 2, 2, &t.minute) || !ReadChar(s, &i, ':') ||
      !ReadNumber(s, &i, 2, 2, &t.second)) {
    return std::nullopt;
  }
  if (ReadChar(s, &i, '.')) {
    while (i < s.size() && IsDigit(s[i])) ++i;
  }
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    t.offset_minutes = 0;
    ++i;
  } else if (i + 6 != s.size() || s[i + 3] != ':' ||
             !ReadNumericOffset(s, &i, false, &t.offset_minutes)) {
    return std::nullopt;
  }
  if (i != s.size() || t.month < 1 || t.month > 12 || t.day < 1 ||
      t.day > DaysInMonth(t.year, t.month) || !ValidClock(t.hour, t.minute, t.second)) {
    return std::nullopt;
  }
  const long long days =
      DaysFromCivil(t.year, static_cast<unsigned>(t.month), static_cast<unsigned>(t.day));
  return days * 86400 + t.hour * 3600 + t.minute * 60 + t.second - t.offset_minutes * 60LL;
}

}  // namespace tincrawl
