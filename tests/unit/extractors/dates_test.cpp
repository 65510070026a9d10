#include "extractors/dates.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tincrawl {
namespace {

struct FindCase {
  std::string text;
  std::string expected;  // RFC 3339, or empty when no date must be found.
  std::string matched;   // The exact substring the match must cover (its byte range).
  bool has_time = false;
  std::vector<std::string> hints = {};
};

class FindDateTest : public ::testing::TestWithParam<FindCase> {};

TEST_P(FindDateTest, FindsExpectedDateAndRange) {
  const FindCase& c = GetParam();
  const std::optional<DateMatch> match = FindDate(c.text, c.hints);
  if (c.expected.empty()) {
    EXPECT_FALSE(match.has_value()) << c.text << " -> " << match->rfc3339;
    return;
  }
  ASSERT_TRUE(match.has_value()) << c.text;
  EXPECT_EQ(match->rfc3339, c.expected) << c.text;
  const size_t begin = c.text.find(c.matched);
  ASSERT_NE(begin, std::string::npos) << "bad test case: " << c.matched;
  EXPECT_EQ(match->begin, begin) << c.text;
  EXPECT_EQ(match->end, begin + c.matched.size()) << c.text;
  EXPECT_EQ(match->has_time, c.has_time) << c.text;
  // Everything FindDate produces must be readable back.
  EXPECT_TRUE(Rfc3339ToUnix(match->rfc3339).has_value()) << match->rfc3339;
}

const FindCase kFindCases[] = {
    // Portal formats from the field.
    {"18/10/2018 08:06", "2018-10-18T08:06:00+07:00", "18/10/2018 08:06", true},
    {"Thứ năm - 18/10/2018 08:06", "2018-10-18T08:06:00+07:00", "18/10/2018 08:06", true},
    {"(Thứ hai, 19/04/2021 15:17)", "2021-04-19T15:17:00+07:00", "19/04/2021 15:17", true},
    {"Ngày đăng 06/01/2016 | 03:30 PM", "2016-01-06T15:30:00+07:00", "06/01/2016 | 03:30 PM", true},
    {"21/12/2012 | 12:00 AM", "2012-12-21T00:00:00+07:00", "21/12/2012 | 12:00 AM", true},
    {"21/12/2012 | 12:00 PM", "2012-12-21T12:00:00+07:00", "21/12/2012 | 12:00 PM", true},
    {"18/10/2018 08:06 SA", "2018-10-18T08:06:00+07:00", "18/10/2018 08:06 SA", true},
    {"06/01/2016 03:30 CH", "2016-01-06T15:30:00+07:00", "06/01/2016 03:30 CH", true},
    {"06/01/2016 03:30 ch", "2016-01-06T15:30:00+07:00", "06/01/2016 03:30 ch", true},
    {"Hà Nội, ngày 12 tháng 3 năm 2024", "2024-03-12T00:00:00+07:00", "ngày 12 tháng 3 năm 2024",
     false},
    {"Ngày 5 Tháng 11 Năm 2019.", "2019-11-05T00:00:00+07:00", "Ngày 5 Tháng 11 Năm 2019", false},
    {"12 tháng 03, 2024", "2024-03-12T00:00:00+07:00", "12 tháng 03, 2024", false},
    {"Cập nhật 12-03-2024", "2024-03-12T00:00:00+07:00", "12-03-2024", false},
    {"12.03.2024", "2024-03-12T00:00:00+07:00", "12.03.2024", false},
    {"Published 2024-03-12.", "2024-03-12T00:00:00+07:00", "2024-03-12", false},
    {"Đăng ngày 12/3/2024", "2024-03-12T00:00:00+07:00", "12/3/2024", false},
    {"Cập nhật: 10:15 12/03/2024", "2024-03-12T10:15:00+07:00", "10:15 12/03/2024", true},
    {"08:06 SA, 18/10/2018", "2018-10-18T08:06:00+07:00", "08:06 SA, 18/10/2018", true},
    {"Lúc 15:17 ngày 19/04/2021", "2021-04-19T15:17:00+07:00", "15:17 ngày 19/04/2021", true},
    {"Thứ Tư, 05/03/2025 - 14:20", "2025-03-05T14:20:00+07:00", "05/03/2025 - 14:20", true},
    {"18/10/2018 8:06:33", "2018-10-18T08:06:33+07:00", "18/10/2018 8:06:33", true},
    {"19/04/2021 lúc 15h17", "2021-04-19T15:17:00+07:00", "19/04/2021 lúc 15h17", true},
    {"18/10/2018 08:06 GMT+7", "2018-10-18T08:06:00+07:00", "18/10/2018 08:06 GMT+7", true},
    {"18/10/2018 01:06 (GMT+0)", "2018-10-18T01:06:00+00:00", "18/10/2018 01:06 (GMT+0)", true},
    {"2018-10-18T08:06:00+07:00 đăng", "2018-10-18T08:06:00+07:00", "2018-10-18T08:06:00+07:00",
     true},
    {"2018-10-18 08:06", "2018-10-18T08:06:00+07:00", "2018-10-18 08:06", true},
    {"29/02/2024", "2024-02-29T00:00:00+07:00", "29/02/2024", false},
    {"Số 123/QĐ-UBND ngày 05/06/2020", "2020-06-05T00:00:00+07:00", "05/06/2020", false},
    {"Lượt xem: 1234 - 18/10/2018", "2018-10-18T00:00:00+07:00", "18/10/2018", false},
    {"Tin 13/2018 và 31/12/2018", "2018-12-31T00:00:00+07:00", "31/12/2018", false},
    // The first valid date wins; invalid candidates are skipped.
    {"30/02/2020 rồi 01/03/2020", "2020-03-01T00:00:00+07:00", "01/03/2020", false},
    {"Date: 18/10/2018 | 19/10/2018", "2018-10-18T00:00:00+07:00", "18/10/2018", false},
    // Rejects.
    {"30/02/2020", "", ""},
    {"29/02/2023", "", ""},
    {"12/13/2024", "", ""},
    {"01/01/1890", "", ""},
    {"01/01/2101", "", ""},
    {"18/10/2018 24:00", "", ""},
    {"18/10/2018 25:61", "", ""},
    {"18/10/2018 13:00 SA", "", ""},
    {"0/10/2018", "", ""},
    {"Điện thoại 024.3823.4567", "", ""},
    {"Phiên bản 1.12.03.2024", "", ""},
    {"Giá 12/03/20245 đồng", "", ""},
    {"10:15 hôm nay", "", ""},
    {"", "", ""},
    {"không có ngày tháng", "", ""},
    // Site hints are tried first.
    {"Posted 10-18-2018 8:06 PM",
     "2018-10-18T20:06:00+07:00",
     "10-18-2018 8:06 PM",
     true,
     {"%m-%d-%Y %I:%M %p"}},
    {"Ngày: 2018/18/10 và 05/06/2020",
     "2018-10-18T00:00:00+07:00",
     "2018/18/10",
     false,
     {"%Y/%d/%m"}},
    {"Posted Oct 18, 2018 at 08:06",
     "2018-10-18T08:06:00+07:00",
     "Oct 18, 2018 at 08:06",
     true,
     {"%b %d, %Y at %H:%M"}},
    {"Ngày 18/10/2018 08:06",
     "2018-10-18T08:06:00+07:00",
     "18/10/2018 08:06",
     true,
     {"%d/%m/%Y %H:%M", "%d/%m/%Y"}},
    // A hint that matches nothing falls back to the generic scanner.
    {"18/10/2018", "2018-10-18T00:00:00+07:00", "18/10/2018", false, {"%Y.%m.%d"}},
};

INSTANTIATE_TEST_SUITE_P(Table, FindDateTest, ::testing::ValuesIn(kFindCases));

struct MachineCase {
  std::string text;
  std::string expected;  // Empty: must be rejected.
};

class ParseMachineDateTest : public ::testing::TestWithParam<MachineCase> {};

TEST_P(ParseMachineDateTest, ParsesOrRejects) {
  const MachineCase& c = GetParam();
  const std::optional<std::string> parsed = ParseMachineDate(c.text);
  if (c.expected.empty()) {
    EXPECT_FALSE(parsed.has_value()) << c.text << " -> " << *parsed;
    return;
  }
  ASSERT_TRUE(parsed.has_value()) << c.text;
  EXPECT_EQ(*parsed, c.expected) << c.text;
  // Idempotent: our own output parses to itself.
  EXPECT_EQ(ParseMachineDate(*parsed), *parsed);
}

const MachineCase kMachineCases[] = {
    {"2018-10-18T08:06:00+07:00", "2018-10-18T08:06:00+07:00"},
    {"2018-10-18T01:06:00Z", "2018-10-18T01:06:00+00:00"},
    {"2018-10-18 08:06:00", "2018-10-18T08:06:00+07:00"},
    {"2018-10-18T08:06", "2018-10-18T08:06:00+07:00"},
    {"2018-10-18", "2018-10-18T00:00:00+07:00"},
    {"  2018-10-18T08:06:00.123+0700 ", "2018-10-18T08:06:00+07:00"},
    {"2018-10-18T08:06:00-05:30", "2018-10-18T08:06:00-05:30"},
    {"2018-10-18T08:06:00+07", "2018-10-18T08:06:00+07:00"},
    {"Thu, 18 Oct 2018 01:06:00 GMT", "2018-10-18T01:06:00+00:00"},
    {"Thursday, 18-Oct-18 01:06:00 GMT", "2018-10-18T01:06:00+00:00"},
    {"Thu Oct 18 01:06:00 2018", "2018-10-18T01:06:00+00:00"},
    {"Thu, 18 Oct 2018 08:06:00 +0700", "2018-10-18T08:06:00+07:00"},
    {"18/10/2018 08:06", "2018-10-18T08:06:00+07:00"},
    {"2018-02-30", ""},
    {"2018-13-01", ""},
    {"2018-10-18T24:00:00Z", ""},
    {"1890-01-01", ""},
    {"2018-10-18T08:06:00+25:00", ""},
    {"Thu, 32 Oct 2018 01:06:00 GMT", ""},
    {"not a date", ""},
    {"18/10/2018 08:06 and more words", ""},
    {"", ""},
};

INSTANTIATE_TEST_SUITE_P(Table, ParseMachineDateTest, ::testing::ValuesIn(kMachineCases));

TEST(Rfc3339ToUnixTest, ConvertsIndependentlyOfOffsetNotation) {
  EXPECT_EQ(Rfc3339ToUnix("1970-01-01T00:00:00+00:00"), 0);
  EXPECT_EQ(Rfc3339ToUnix("2018-10-18T08:06:00+07:00"), 1539824760);
  EXPECT_EQ(Rfc3339ToUnix("2018-10-18T01:06:00Z"), 1539824760);
  EXPECT_EQ(Rfc3339ToUnix("2018-10-18T01:06:00+00:00"), 1539824760);
  EXPECT_EQ(Rfc3339ToUnix("2018-10-17T19:36:00-05:30"), 1539824760);
  EXPECT_EQ(Rfc3339ToUnix("2024-02-29T00:00:00+07:00"), 1709139600);
  EXPECT_EQ(Rfc3339ToUnix("1969-12-31T23:59:59Z"), -1);
}

TEST(Rfc3339ToUnixTest, RejectsMalformed) {
  EXPECT_FALSE(Rfc3339ToUnix("").has_value());
  EXPECT_FALSE(Rfc3339ToUnix("2018-10-18").has_value());
  EXPECT_FALSE(Rfc3339ToUnix("2018-10-18T08:06:00").has_value());
  EXPECT_FALSE(Rfc3339ToUnix("2018-10-18T08:06:00+0700").has_value());
  EXPECT_FALSE(Rfc3339ToUnix("2018-02-30T08:06:00+07:00").has_value());
  EXPECT_FALSE(Rfc3339ToUnix("2018-10-18T08:06:00+07:00x").has_value());
}

TEST(FindDateTest, RoundTripsThroughMachineParser) {
  const auto match = FindDate("Cập nhật: 10:15 12/03/2024");
  ASSERT_TRUE(match.has_value());
  EXPECT_EQ(ParseMachineDate(match->rfc3339), match->rfc3339);
  EXPECT_EQ(Rfc3339ToUnix(match->rfc3339), Rfc3339ToUnix("2024-03-12T03:15:00Z"));
}

TEST(FindDateTest, LargeTextWithoutDatesIsLinear) {
  std::string text;
  for (int i = 0; i < 200000; ++i) text += "12:3 1/2 - 08:06 | ";
  EXPECT_FALSE(FindDate(text).has_value());
  EXPECT_FALSE(FindDate(text, {"%d/%m/%Y %H:%M"}).has_value());
}

}  // namespace
}  // namespace tincrawl
