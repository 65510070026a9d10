#include "extractors/dates.h"

#include "extractors/date_scan.h"
#include "extractors/text.h"

// Hand-written scanners (no std::regex: this runs on every page). Every reader takes the text and
// a cursor, and only advances the cursor when it succeeds.

namespace tincrawl {
namespace {

using namespace date_scan;  // NOLINT(google-build-using-namespace): this file's vocabulary.

constexpr size_t kMaxConnectorBytes = 24;  // How far a time may sit from its date.

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

}  // namespace tincrawl
