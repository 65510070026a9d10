// The deduper against the simulated portal farm's gold (tests/farm): every syndicated press
// release (exact copies and retitled copies with an added sentence or a removed paragraph, all
// sharing one canonical_id) must end as one story whose first publisher is the earliest
// published copy, and no two different canonical_ids may be linked. The farm's bodies are built
// from shared phrase templates, so unrelated articles share many sentences: a hard precision test.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "crawler/dedup/dedup.h"
#include "extractors/dates.h"
#include "support/subprocess.h"

namespace tincrawl {
namespace {

namespace fs = std::filesystem;

struct GoldArticle {
  std::string url;
  std::string title;
  std::string published;
  std::string canonical_id;
  std::string body;  // Paragraphs joined by "\n\n".
};

// Flattens the gold JSONL into records of fields separated by \x1f, records ended by \x1e.
constexpr const char* kFlattenGold = R"(
import glob, json, sys
out = []
for path in sorted(glob.glob(sys.argv[1] + '/gold/*.jsonl')):
    for line in open(path, encoding='utf-8'):
        a = json.loads(line)
        out.append('\x1f'.join([a['url'], a['title'], a['published'], a['canonical_id'],
                                '\n\n'.join(a['body'])]) + '\x1e')
sys.stdout.write(''.join(out))
)";

std::vector<GoldArticle> ParseGold(const std::string& flat) {
  std::vector<GoldArticle> out;
  size_t pos = 0;
  while (pos < flat.size()) {
    const size_t end = flat.find('\x1e', pos);
    if (end == std::string::npos) break;
    std::vector<std::string> f;
    size_t start = pos;
    for (size_t sep; (sep = flat.find('\x1f', start)) < end; start = sep + 1) {
      f.push_back(flat.substr(start, sep - start));
    }
    f.push_back(flat.substr(start, end - start));
    if (f.size() == 5) out.push_back({f[0], f[1], f[2], f[3], f[4]});
    pos = end + 1;
  }
  return out;
}

class DedupFarmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() /
           ("tincrawl_dedup_farm_" + std::to_string(rd()) + "_" + std::to_string(rd()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::vector<GoldArticle> GenerateFarm(int seed, int sites) {
    const std::string farm = (dir_ / "farm").string();
    const auto gen = testing::RunProcess(
        {"/usr/bin/env", "python3", std::string(TINCRAWL_SOURCE_DIR) + "/tests/farm/farm.py",
         "generate", "--out", farm, "--seed", std::to_string(seed), "--sites",
         std::to_string(sites)},
        {}, "", 240);
    EXPECT_EQ(gen.exit_code, 0) << gen.err;
    const auto flat =
        testing::RunProcess({"/usr/bin/env", "python3", "-c", kFlattenGold, farm}, {}, "", 120);
    EXPECT_EQ(flat.exit_code, 0) << flat.err;
    return ParseGold(flat.out);
  }

  fs::path dir_;
};

TEST_F(DedupFarmTest, EverySyndicatedGroupIsOneStoryAndNothingElseIsLinked) {
  std::vector<GoldArticle> gold = GenerateFarm(3, 60);
  ASSERT_GT(gold.size(), 1000u);
  // Copies often arrive before their original: ingest in a fixed pseudo-random order.
  std::shuffle(gold.begin(), gold.end(), std::mt19937_64(3));
  std::unique_ptr<Store> store;
  StoreConfig config;
  config.block_cache_bytes = 8 << 20;
  ASSERT_TRUE(Store::Open((dir_ / "db").string(), config, &store).ok());
  std::unique_ptr<Deduper> deduper;
  ASSERT_TRUE(Deduper::Open(store.get(), DedupOptions(), &deduper).ok());

  std::map<std::string, std::string> canonical_of;          // article id -> canonical_id
  std::map<std::string, int64_t> seen_at;                   // article id -> ingest time
  std::map<std::string, std::vector<std::string>> members;  // canonical_id -> article ids
  std::map<std::string, const GoldArticle*> by_id;
  int64_t now = 1700000000;
  std::map<IngestDecision, int> decisions;
  for (const GoldArticle& g : gold) {
    Article a;
    a.url = g.url;
    a.title = g.title;
    a.published = g.published;
    a.body = g.body;
    a.lang = "vi";
    a.page_kind = PageKind::kArticle;
    IngestContext ctx;
    ctx.site = g.canonical_id.substr(0, g.canonical_id.find('/'));
    ctx.url = g.url;
    ctx.fetched_at = ++now;
    rocksdb::WriteBatch batch;
    IngestResult r;
    ASSERT_TRUE(deduper->Ingest(a, ctx, &batch, &r).ok()) << g.url;
    ++decisions[r.decision];
    canonical_of[r.id] = g.canonical_id;
    seen_at[r.id] = now;
    members[g.canonical_id].push_back(r.id);
    by_id[r.id] = &g;
  }
  ASSERT_EQ(canonical_of.size(), gold.size()) << "article ids must be distinct";

  std::map<std::string, std::string> story_of;  // article id -> first publisher id
  ASSERT_TRUE(ForEachArticle(*store, [&](const ArticleRecord& rec) {
                story_of[rec.id] = rec.duplicate_of.empty() ? rec.id : rec.duplicate_of;
                return true;
              }).ok());
  ASSERT_EQ(story_of.size(), gold.size());

  int groups = 0;
  for (const auto& [canonical, ids] : members) {
    if (ids.size() < 2) continue;
    ++groups;
    std::set<std::string> stories;
    for (const auto& id : ids) stories.insert(story_of[id]);
    ASSERT_EQ(stories.size(), 1u) << canonical << " split into " << stories.size() << " stories";
    // The first publisher: earliest published, then earliest seen.
    std::string expected = ids[0];
    for (const auto& id : ids) {
      const auto t = Rfc3339ToUnix(by_id[id]->published);
      const auto best = Rfc3339ToUnix(by_id[expected]->published);
      ASSERT_TRUE(t && best);
      if (*t < *best || (*t == *best && seen_at[id] < seen_at[expected])) expected = id;
    }
    EXPECT_EQ(*stories.begin(), expected) << canonical;
    ArticleRecord root;
    ASSERT_TRUE(GetArticle(*store, expected, &root).ok());
    EXPECT_EQ(root.sightings.size(), ids.size()) << canonical;
  }
  EXPECT_GE(groups, 10);
  // No story mixes canonical ids.
  std::map<std::string, std::set<std::string>> canonicals_in_story;
  for (const auto& [id, story] : story_of) canonicals_in_story[story].insert(canonical_of[id]);
  for (const auto& [story, canonicals] : canonicals_in_story) {
    EXPECT_EQ(canonicals.size(), 1u)
        << "story " << story << " links " << *canonicals.begin() << " and " << *canonicals.rbegin();
  }
  std::printf("%zu articles, %d syndicated groups: new %d, exact %d, near %d\n", gold.size(),
              groups, decisions[IngestDecision::kNew], decisions[IngestDecision::kExactDuplicate],
              decisions[IngestDecision::kNearDuplicate]);
}

}  // namespace
}  // namespace tincrawl
