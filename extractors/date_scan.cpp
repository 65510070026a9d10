#include "extractors/date_scan.h"

#include <unicode/uchar.h>

#include <cstdio>

#include "extractors/text.h"

// Hand-written scanners (no std::regex: this runs on every page).

namespace tincrawl::date_scan {

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

}  // namespace tincrawl::date_scan
