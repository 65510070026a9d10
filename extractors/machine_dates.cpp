#include "extractors/date_scan.h"
#include "extractors/dates.h"

// Machine dates: ISO 8601 / RFC 3339 and HTTP-dates from meta tags and attributes.

namespace tincrawl {
namespace {

using namespace date_scan;  // NOLINT(google-build-using-namespace): this file's vocabulary.

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
