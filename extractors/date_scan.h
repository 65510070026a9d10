#pragma once

#include <string>
#include <string_view>

// Internal to the extractors library: the cursor-based readers shared by the text date finder
// (dates.cpp) and the machine date parsers (machine_dates.cpp). Every reader takes the text and
// a cursor, and only advances the cursor when it succeeds.

namespace tincrawl::date_scan {

inline constexpr int kMinYear = 1990;
inline constexpr int kMaxYear = 2100;
inline constexpr int kVietnamOffsetMinutes = 7 * 60;

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

bool IsDigit(char c);

bool IsAsciiAlpha(char c);

char AsciiLower(char c);

bool IsLeapYear(int y);

int DaysInMonth(int y, int m);

bool ValidCalendarDate(int y, int m, int d);

bool ValidClock(int h, int mi, int s);

bool ValidOffset(int minutes);

std::string FormatRfc3339(const DateTime& t);

// Reads a run of digits whose length is within [min_len, max_len]; the whole run must fit, so
// "20245" is never read as the year 2024.
bool ReadNumber(std::string_view s, size_t* pos, size_t min_len, size_t max_len, int* value);

bool ReadChar(std::string_view s, size_t* pos, char c);

// Skips ASCII blanks and NBSP; returns whether anything was skipped.
bool SkipSpaces(std::string_view s, size_t* pos);

bool IsWordCodePoint(char32_t c);

// Case-insensitive match of the lower-case UTF-8 `word` at `*pos`, ending on a word boundary.
bool ReadWord(std::string_view s, size_t* pos, std::string_view word);

bool ReadMeridiem(std::string_view s, size_t* pos, Meridiem* m);

// "+07:00", "+0700", "-03:30" (the sign included); "+7" and "+07" only when `allow_short`, since
// in running text "10:15-12/03/2024" the "-12" is not an offset.
bool ReadNumericOffset(std::string_view s, size_t* pos, bool allow_short, int* minutes);

// "GMT", "UTC", "(GMT+7)", "GMT+07:00" after optional blanks.
bool ReadNamedZone(std::string_view s, size_t* pos, int* minutes);

// Optional zone after a time: "Z", "+07:00", " GMT+7", " (GMT+07:00)", " UTC".
void ReadZone(std::string_view s, size_t* pos, bool allow_short, DateTime* t);

bool ApplyMeridiem(Meridiem m, int* hour);

// "08:06", "8:06:33", "15h17", each optionally followed by AM/PM/SA/CH and a zone.
Outcome ReadTime(std::string_view s, size_t* pos, DateTime* t);

bool IsDateSeparator(char c);

// Rejects a date that continues as a longer number sequence ("12/03/2024/5", "2024-03-12-7").
bool EndsCleanly(std::string_view s, size_t i);

bool ReadMonthName(std::string_view s, size_t* pos, int* month);

}  // namespace tincrawl::date_scan
