#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tincrawl {

struct DateMatch {
  std::string rfc3339;  // "2018-10-18T08:06:00+07:00"; date-only matches use T00:00:00.
  size_t begin = 0;     // Byte range of the match within the searched text.
  size_t end = 0;
  bool has_time = false;
};

// Finds the first Vietnamese-portal date in `text`: "18/10/2018 08:06",
// "Thứ năm - 18/10/2018 08:06", "(Thứ hai, 19/04/2021 15:17)", "Ngày đăng 06/01/2016 | 03:30 PM",
// "21/12/2012 | 12:00 AM", "... SA/CH", "ngày 12 tháng 3 năm 2024", "12-03-2024", "2024-03-12",
// "Đăng ngày 12/3/2024". Times without an offset are Asia/Ho_Chi_Minh (+07:00). `hints` are
// strptime-like formats tried first ("%d/%m/%Y %H:%M"). Implausible dates (month 13, year
// 1890, Feb 30) are rejected. The match range covers the date, its time and zone ("GMT+7") and
// the "ngày" of the long form; weekday names and labels like "Ngày đăng" stay outside. The
// first plausible date in the text wins.
std::optional<DateMatch> FindDate(std::string_view text,
                                  const std::vector<std::string>& hints = {});

// Parses a machine date from meta tags / <time datetime>: ISO 8601 / RFC 3339 with or without
// offset (no offset = +07:00), or an HTTP-date. Returns RFC 3339 with offset.
std::optional<std::string> ParseMachineDate(std::string_view text);

// Seconds since the Unix epoch of an RFC 3339 string produced by this module, or nullopt.
std::optional<long long> Rfc3339ToUnix(std::string_view rfc3339);

}  // namespace tincrawl
