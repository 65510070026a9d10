// Tailing the spool: whole lines only, never past the durable end, across rotations, and
// resuming from a committed position (also when the spool no longer matches it).
#include "crawler/sink/spool_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/temp_dir.h"

namespace tincrawl {
namespace {

namespace fs = std::filesystem;
using test_support::TempDir;

class SpoolReaderTest : public ::testing::Test {
 protected:
  std::string Path(int seq) const {
    char name[64];
    std::snprintf(name, sizeof name, "spool-20240501T080000Z-%06d.jsonl", seq);
    return tmp_.Sub(name);
  }
  void Append(int seq, const std::string& bytes) {
    std::ofstream(Path(seq), std::ios::app | std::ios::binary) << bytes;
  }
  std::vector<std::string> ReadAll(SpoolReader* r, const SpoolPosition& limit, size_t max = 100) {
    std::vector<SpoolLine> lines;
    EXPECT_TRUE(r->Read(max, limit, &lines).ok());
    std::vector<std::string> out;
    for (const auto& l : lines) out.push_back(l.text);
    return out;
  }
  TempDir tmp_;
};

TEST_F(SpoolReaderTest, HandsOutWholeLinesUpToTheLimitAcrossFiles) {
  Append(1, "a1\na2\n");
  Append(2, "b1\nb2\npartial");
  SpoolReader r(tmp_.path().string());
  EXPECT_EQ(ReadAll(&r, {1, 3}), (std::vector<std::string>{"a1"}));  // Limit inside file 1.
  EXPECT_EQ(ReadAll(&r, {1, 3}), std::vector<std::string>{});
  EXPECT_EQ(ReadAll(&r, {2, 3}), (std::vector<std::string>{"a2"}));  // One file per call.
  EXPECT_EQ(ReadAll(&r, {2, 3}), (std::vector<std::string>{"b1"}));
  EXPECT_EQ(ReadAll(&r, kSpoolEnd), (std::vector<std::string>{"b2"}));  // Not the partial tail.
  EXPECT_EQ(r.position(), (SpoolPosition{2, 6}));
  Append(2, " line\n");
  EXPECT_EQ(ReadAll(&r, kSpoolEnd), (std::vector<std::string>{"partial line"}));
  EXPECT_EQ(r.file(), fs::path(Path(2)).filename().string());
}

TEST_F(SpoolReaderTest, BatchesAreBoundedAndLongLinesAreWhole) {
  const std::string long_line(9 << 20, 'x');  // Longer than one read chunk.
  Append(1, "1\n2\n3\n" + long_line + "\n4\n");
  SpoolReader r(tmp_.path().string());
  EXPECT_EQ(ReadAll(&r, kSpoolEnd, 2), (std::vector<std::string>{"1", "2"}));
  std::vector<std::string> rest = ReadAll(&r, kSpoolEnd, 10);
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[1].size(), long_line.size());
  EXPECT_EQ(rest[2], "4");
}

TEST_F(SpoolReaderTest, ACompleteFileWithATornTailGivesItAsTorn) {
  Append(1, "a1\ntorn");
  Append(2, "b1\n");
  SpoolReader r(tmp_.path().string());
  std::vector<SpoolLine> lines;
  ASSERT_TRUE(r.Read(10, kSpoolEnd, &lines).ok());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[1].torn);
  EXPECT_EQ(lines[1].text, "torn");
  EXPECT_EQ(ReadAll(&r, kSpoolEnd), (std::vector<std::string>{"b1"}));
}

TEST_F(SpoolReaderTest, SeekResumesOrSaysWhyItCannot) {
  Append(1, "a1\na2\n");
  Append(3, "c1\n");
  const std::string f1 = fs::path(Path(1)).filename().string();
  SpoolReader r(tmp_.path().string());
  std::string note;
  ASSERT_TRUE(r.Seek({1, 3}, f1, &note).ok());
  EXPECT_EQ(note, "");
  EXPECT_EQ(ReadAll(&r, kSpoolEnd), (std::vector<std::string>{"a2"}));
  ASSERT_TRUE(r.Seek({1, 2}, f1, &note).ok());  // Not after a newline: the spool changed.
  EXPECT_NE(note.find("not at the end of a line"), std::string::npos);
  EXPECT_EQ(ReadAll(&r, kSpoolEnd), (std::vector<std::string>{"a1", "a2"}));
  ASSERT_TRUE(r.Seek({1, 99}, f1, &note).ok());  // Shorter than the position.
  EXPECT_NE(note.find("shorter"), std::string::npos);
  EXPECT_EQ(ReadAll(&r, kSpoolEnd), (std::vector<std::string>{"c1"}));
  const std::string f2 = "spool-20240501T080000Z-000002.jsonl";
  ASSERT_TRUE(r.Seek({2, 10}, f2, &note).ok());  // Gone: continue with the next file.
  EXPECT_NE(note.find("is gone"), std::string::npos);
  EXPECT_EQ(ReadAll(&r, kSpoolEnd), (std::vector<std::string>{"c1"}));
  ASSERT_TRUE(r.Seek({9, 10}, "spool-20240501T080000Z-000009.jsonl", &note).ok());
  EXPECT_NE(note.find("replaced"), std::string::npos);  // Position beyond every file.
  EXPECT_EQ(ReadAll(&r, kSpoolEnd), (std::vector<std::string>{"a1", "a2"}));
}

}  // namespace
}  // namespace tincrawl
