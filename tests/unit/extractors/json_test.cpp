#include "extractors/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace tincrawl {
namespace {

std::string Quote(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

TEST(AppendJsonStringTest, EscapesPerRfc8259) {
  EXPECT_EQ(Quote(""), R"("")");
  EXPECT_EQ(Quote("plain"), R"("plain")");
  EXPECT_EQ(Quote("a\"b\\c/d"), R"("a\"b\\c/d")");
  EXPECT_EQ(Quote("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(Quote(std::string("\x00\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(Quote("\x7f"), "\"\x7f\"");
}

TEST(AppendJsonStringTest, PassesValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(Quote("Thường vụ Thị ủy"), "\"Thường vụ Thị ủy\"");
  EXPECT_EQ(Quote("😀"), "\"😀\"");
  EXPECT_EQ(Quote("a\xff"
                  "b"),
            "\"a\xEF\xBF\xBD"
            "b\"");
  EXPECT_EQ(Quote("\xC3"), "\"\xEF\xBF\xBD\"");                  // Truncated sequence.
  EXPECT_EQ(Quote("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");  // Overlong '/'.
  EXPECT_EQ(Quote("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // Surrogate.
  EXPECT_EQ(Quote("\xE2\x80\xA8"), R"("\u2028")");
}

TEST(AppendJsonStringTest, AppendsToExistingContent) {
  std::string out = "x=";
  AppendJsonString("y", &out);
  EXPECT_EQ(out, "x=\"y\"");
}

TEST(JsonWriterTest, BuildsNestedObjectsAndArrays) {
  JsonWriter w;
  w.BeginObject()
      .Field("title", "Tin \"nóng\"")
      .Key("n")
      .Int(-42)
      .Key("ok")
      .Bool(true)
      .Key("none")
      .Null()
      .Key("tags")
      .BeginArray()
      .String("a")
      .BeginObject()
      .Field("k", "v")
      .EndObject()
      .BeginArray()
      .EndArray()
      .EndArray()
      .Key("empty")
      .BeginObject()
      .EndObject()
      .EndObject();
  EXPECT_EQ(w.str(), R"({"title":"Tin \"nóng\"","n":-42,"ok":true,"none":null,)"
                     R"("tags":["a",{"k":"v"},[]],"empty":{}})");
}

TEST(JsonWriterTest, DoublesRoundTripAndNonFiniteBecomesNull) {
  JsonWriter w;
  w.BeginArray().Double(0.1).Double(1.5).Double(1e21).Double(NAN).Double(INFINITY).EndArray();
  EXPECT_EQ(w.str(), "[0.1,1.5,1e+21,null,null]");
}

TEST(JsonWriterTest, TopLevelScalarsAndRaw) {
  JsonWriter a;
  a.String("x");
  EXPECT_EQ(a.str(), R"("x")");
  JsonWriter b;
  b.BeginArray().Raw(R"({"pre":1})").Int(2).EndArray();
  EXPECT_EQ(b.Take(), R"([{"pre":1},2])");
}

}  // namespace
}  // namespace tincrawl
