#include "crawler/dedup/dedup.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "crawler/output/spool.h"
#include "extractors/text.h"
#include "support/temp_dir.h"

namespace tincrawl {
namespace {

namespace fs = std::filesystem;

class TempDir : public test_support::TempDir {
 public:
  TempDir() : test_support::TempDir("tincrawl_dedup") {}
};

const std::vector<std::string>& Words() {
  static const std::vector<std::string> words = {
      "Ủy",   "ban",    "nhân",  "dân",   "tỉnh",  "huyện", "xã",     "phường", "thành", "phố",
      "Hà",   "Nội",    "đồng",  "chí",   "chủ",   "tịch",  "phó",    "bí",     "thư",   "đảng",
      "bộ",   "hội",    "nghị",  "triển", "khai",  "kế",    "hoạch",  "năm",    "2024",  "công",
      "tác",  "cải",    "cách",  "hành",  "chính", "người", "kinh",   "tế",     "xây",   "dựng",
      "nông", "thôn",   "mới",   "đường", "giao",  "thông", "trường", "học",    "y",     "tế",
      "dịch", "vụ",     "sản",   "xuất",  "lúa",   "gạo",   "thủy",   "lợi",    "mưa",   "bão",
      "lũ",   "lụt",    "phòng", "chống", "thiên", "tai",   "đầu",    "tư",     "dự",    "án",
      "vốn",  "ngân",   "sách",  "nhà",   "nước",  "doanh", "nghiệp", "lao",    "động",  "việc",
      "làm",  "an",     "ninh",  "quốc",  "phòng", "văn",   "hóa",    "thể",    "thao",  "du",
      "lịch", "chuyển", "đổi",   "số",    "điện",  "tử",    "trực",   "tuyến",  "hồ",    "sơ",
      "thủ",  "tục",    "giải",  "quyết", "kiến",  "nghị",  "cử",     "tri"};
  return words;
}

std::string Sentence(std::mt19937_64* rng, int words) {
  std::uniform_int_distribution<size_t> pick(0, Words().size() - 1);
  std::string s;
  for (int i = 0; i < words; ++i) {
    if (i > 0) s += ' ';
    s += Words()[pick(*rng)];
  }
  return s + ".";
}

std::vector<std::string> Sentences(uint64_t seed, int count) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) out.push_back(Sentence(&rng, 12 + static_cast<int>(rng() % 8)));
  return out;
}

std::string Join(const std::vector<std::string>& sentences) {
  std::string body;
  for (size_t i = 0; i < sentences.size(); ++i) {
    if (i > 0) body += (i % 4 == 0) ? "\n\n" : " ";
    body += sentences[i];
  }
  return body;
}

Article MakeArticle(const std::string& url, const std::string& title, const std::string& body,
                    const std::string& published = "2024-05-01T08:00:00+07:00") {
  Article a;
  a.url = url;
  a.canonical_url = url;
  a.title = title;
  a.body = body;
  a.published = published;
  a.lang = "vi";
  a.page_kind = PageKind::kArticle;
  return a;
}

IngestContext Ctx(const std::string& site, const std::string& url, int64_t at) {
  IngestContext c;
  c.site = site;
  c.url = url;
  c.fetched_at = at;
  c.locality.level = "province";
  c.locality.province = "Hà Nội";
  return c;
}

class DedupTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    deduper_.reset();
    store_.reset();
    StoreConfig c;
    c.block_cache_bytes = 4 << 20;
    ASSERT_TRUE(Store::Open(tmp_.Sub("db"), c, &store_).ok());
    ASSERT_TRUE(Deduper::Open(store_.get(), DedupOptions(), &deduper_).ok());
  }

  IngestResult Ingest(const Article& a, const IngestContext& ctx) {
    rocksdb::WriteBatch batch;
    IngestResult r;
    Status st = deduper_->Ingest(a, ctx, &batch, &r);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return r;
  }

  ArticleRecord Get(const std::string& id) {
    ArticleRecord r;
    EXPECT_TRUE(GetArticle(*store_, id, &r).ok()) << id;
    return r;
  }

  TempDir tmp_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Deduper> deduper_;
};

TEST(FingerprintTest, HashesAreStableAndSpread) {
  EXPECT_EQ(Hash64("abc"), Hash64("abc"));
  EXPECT_NE(Hash64("abc"), Hash64("abd"));
  EXPECT_NE(Hash64(""), Hash64("", 1));
  EXPECT_EQ(Hex64(0x00ab), "00000000000000ab");
  uint64_t v = 0;
  ASSERT_TRUE(ParseHex64("00000000000000ab", &v));
  EXPECT_EQ(v, 0xabu);
  EXPECT_FALSE(ParseHex64("xyz", &v));
  const auto tokens = Tokenize("ủy ban, “nhân dân” – tỉnh… hà nội");
  EXPECT_EQ(tokens,
            (std::vector<std::string_view>{"ủy", "ban", "nhân", "dân", "tỉnh", "hà", "nội"}));
}

TEST(FingerprintTest, BandIndexFindsEverythingWithinDistance) {
  NearIndex index(3, 16);
  std::mt19937_64 rng(7);
  std::vector<uint64_t> hashes;
  for (uint64_t id = 1; id <= 2000; ++id) {
    hashes.push_back(rng());
    index.Add(id, hashes.back(), {});
  }
  for (int trial = 0; trial < 500; ++trial) {
    const size_t target = rng() % hashes.size();
    uint64_t probe = hashes[target];
    const int flips = static_cast<int>(rng() % 4);
    std::set<int> bits;
    while (static_cast<int>(bits.size()) < flips) bits.insert(static_cast<int>(rng() % 64));
    for (int b : bits) probe ^= 1ULL << b;
    NearIndex::Match m;
    ASSERT_TRUE(index.FindNearest(probe, 0, 3, &m));
    EXPECT_EQ(m.id, target + 1);
    EXPECT_EQ(m.distance, flips);
  }
  NearIndex::Match m;
  index.Remove(1, hashes[0], {});
  EXPECT_FALSE(index.FindNearest(hashes[0], 0, 3, &m) && m.id == 1);
  EXPECT_EQ(index.size(), 1999u);
}

// Sketch candidates, the common-text cap, removal, and buckets far fuller than a real index's
// (every hash in one band bucket and every sketch hash in one sketch bucket).
TEST(NearIndexTest, SketchCandidatesFanoutRemovalAndFullBuckets) {
  NearIndex index(3, 4);
  std::mt19937_64 rng(21);
  const uint64_t band0 = 0xBEEF;  // Same band-0 value for all: one bucket of 3,000 entries.
  std::vector<uint64_t> hashes;
  for (uint64_t id = 1; id <= 3000; ++id) {
    hashes.push_back((rng() & ~0xFFFFULL) | band0);
    // Sketch hashes share their top 16 bits (one bucket); 0xABCD0001 is in every sketch.
    index.Add(id, hashes.back(),
              {0xABCD0001u, 0xABCD0000u | static_cast<uint32_t>(id * 2 + 2),
               0xABCD0000u | static_cast<uint32_t>(id * 2 + 3)});
  }
  EXPECT_EQ(index.size(), 3000u);
  for (uint64_t id : {1u, 777u, 3000u}) {
    NearIndex::Match m;
    ASSERT_TRUE(index.FindNearest(hashes[id - 1] ^ 0x5ULL << 30, 0, 3, &m)) << id;
    EXPECT_EQ(m.id, id);
    EXPECT_EQ(m.distance, 2);
    EXPECT_FALSE(index.FindNearest(hashes[id - 1], id, 0, &m) && m.id == id);  // Excluded.
  }
  // The shared hash was indexed for the first 4 articles only, and finds nothing (common).
  auto c = index.FindBySketch({0xABCD0001u}, 0, 10);
  EXPECT_TRUE(c.empty());
  c = index.FindBySketch({0xABCD0000u | 1002, 0xABCD0000u | 1003, 0xABCD0000u | 9999}, 0, 10);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].id, 500u);
  EXPECT_EQ(c[0].shared, 2);
  // Most shared first, then earliest added.
  c = index.FindBySketch({0xABCD0000u | 12, 0xABCD0000u | 13, 0xABCD0000u | 9}, 0, 10);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].id, 5u);
  EXPECT_EQ(c[1].id, 3u);
  index.Remove(500, hashes[499], {0xABCD0001u, 0xABCD0000u | 1002, 0xABCD0000u | 1003});
  EXPECT_TRUE(index.FindBySketch({0xABCD0000u | 1002}, 0, 10).empty());
  NearIndex::Match m;
  EXPECT_FALSE(index.FindNearest(hashes[499], 0, 0, &m));
  EXPECT_EQ(index.size(), 2999u);
  index.Remove(500, hashes[499], {});  // Absent: nothing changes.
  EXPECT_EQ(index.size(), 2999u);
}

TEST_F(DedupTest, NewStoryIsStoredWithAllFields) {
  Article a = MakeArticle("https://hanoi.gov.vn/tin/1", "Hội nghị", Join(Sentences(1, 20)));
  a.images.push_back({"https://hanoi.gov.vn/a.jpg", "Ảnh"});
  a.attachments.push_back({"https://hanoi.gov.vn/qd.pdf", "Quyết định", "pdf"});
  const IngestResult r = Ingest(a, Ctx("hanoi", a.url, 1714500000));
  EXPECT_EQ(r.decision, IngestDecision::kNew);
  EXPECT_TRUE(r.emit);
  EXPECT_EQ(r.story_id, r.id);
  const ArticleRecord rec = Get(r.id);
  EXPECT_EQ(rec.title, "Hội nghị");
  EXPECT_EQ(rec.site, "hanoi");
  EXPECT_EQ(rec.locality.province, "Hà Nội");
  EXPECT_EQ(rec.images.size(), 1u);
  EXPECT_EQ(rec.attachments[0].type, "pdf");
  EXPECT_EQ(rec.revision, 1);
  EXPECT_TRUE(rec.duplicate_of.empty());
  ASSERT_EQ(rec.sightings.size(), 1u);
  EXPECT_EQ(rec.sightings[0].url, a.url);
  std::string marker;
  EXPECT_TRUE(store_->Get(Cf::kMeta, EmitMarkerKey(r.id, 1), &marker).ok());
}

// The byline, the posting account and the source outlet are kept apart, with the extractor's
// confidence; records written before those fields existed still decode.
TEST_F(DedupTest, CreditsAndConfidenceAreStored) {
  Article a = MakeArticle("https://hanoi.gov.vn/tin/2", "Hội nghị", Join(Sentences(3, 20)));
  a.author = "Phạm Linh";
  a.posted_by = "Ban biên tập";
  a.source = "Báo Nhân Dân";
  a.confidence = 0.7;
  const IngestResult r = Ingest(a, Ctx("hanoi", a.url, 1714500000));
  const ArticleRecord rec = Get(r.id);
  EXPECT_EQ(rec.author, "Phạm Linh");
  EXPECT_EQ(rec.posted_by, "Ban biên tập");
  EXPECT_EQ(rec.source, "Báo Nhân Dân");
  EXPECT_DOUBLE_EQ(rec.confidence, 0.7);
  const std::string json = ArticleRecordToJson(rec);
  EXPECT_NE(json.find("\"posted_by\":\"Ban biên tập\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"source\":\"Báo Nhân Dân\""), std::string::npos) << json;

  std::string old = EncodeArticleRecord(rec);
  old.resize(old.size() - (rec.posted_by.size() + 1) - (rec.source.size() + 1) - 8);
  ArticleRecord back;
  ASSERT_TRUE(DecodeArticleRecord(old, &back));
  EXPECT_EQ(back.title, rec.title);
  EXPECT_TRUE(back.posted_by.empty());
  EXPECT_DOUBLE_EQ(back.confidence, 1);
}

TEST_F(DedupTest, ExactDuplicatesAreLinked) {
  const std::string body = Join(Sentences(2, 20));
  const Article a = MakeArticle("https://hanoi.gov.vn/tin/1", "Tin A", body);
  const Article b = MakeArticle("https://bacninh.gov.vn/x/9", "Tin A (đăng lại)",
                                "  " + body + "  ");  // Whitespace differs only.
  const IngestResult ra = Ingest(a, Ctx("hanoi", a.url, 100));
  const IngestResult rb = Ingest(b, Ctx("bacninh", b.url, 200));
  EXPECT_EQ(rb.decision, IngestDecision::kExactDuplicate);
  EXPECT_EQ(rb.story_id, ra.id);
  EXPECT_TRUE(rb.emit);
  EXPECT_EQ(Get(rb.id).duplicate_of, ra.id);
  const ArticleRecord root = Get(ra.id);
  ASSERT_EQ(root.sightings.size(), 2u);
  EXPECT_EQ(root.sightings[1].site, "bacninh");
  EXPECT_EQ(root.sightings[1].seen_at, 200);
}

// What a committed batch wrote into the articles and texts column families: head ids, and the ids
// of the texts written (a text key is 8 bytes of sequence number, then the id) and deleted.
struct ArticleKeys : rocksdb::WriteBatch::Handler {
  explicit ArticleKeys(const Store& store)
      : articles(store.cf(Cf::kArticles)->GetID()), texts_cf(store.cf(Cf::kTexts)->GetID()) {}
  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice&) override {
    if (cf == articles) heads.push_back(key.ToString());
    if (cf == texts_cf) texts.push_back(key.ToString().substr(8));
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    if (cf == texts_cf) deleted.push_back(key.ToString().substr(8));
    return rocksdb::Status::OK();
  }
  uint32_t articles, texts_cf;
  std::vector<std::string> heads, texts, deleted;
};

int CountTexts(const Store& store) {
  std::unique_ptr<rocksdb::Iterator> it(
      store.db()->NewIterator(rocksdb::ReadOptions(), store.cf(Cf::kTexts)));
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  EXPECT_TRUE(it->status().ok());
  return n;
}

// Ingests `a` and returns what its committed batch wrote into articles and texts.
ArticleKeys IngestKeys(Deduper* deduper, const Store& store, const Article& a,
                       const IngestContext& ctx, IngestResult* out) {
  rocksdb::WriteBatch batch;
  ArticleKeys keys(store);
  Status st = deduper->Ingest(a, ctx, &batch, out);
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_TRUE(batch.Iterate(&keys).ok());
  return keys;
}

// A story's texts are written once: a copy adds its own head and text and rewrites the first
// publisher's head (a new sighting), never the first publisher's text. Reads see whole records.
TEST_F(DedupTest, CopiesRewriteHeadsNotTexts) {
  const std::string body = Join(Sentences(3, 20));
  const Article a = MakeArticle("https://hanoi.gov.vn/tin/1", "Tin A", body);
  const Article b = MakeArticle("https://bacninh.gov.vn/x/9", "Tin A", body);
  const Article c =
      MakeArticle("https://hue.gov.vn/y/2", "Tin A", body, "2024-04-30T08:00:00+07:00");
  const IngestResult ra = Ingest(a, Ctx("hanoi", a.url, 100));
  IngestResult rb;
  const ArticleKeys keys = IngestKeys(deduper_.get(), *store_, b, Ctx("bacninh", b.url, 200), &rb);
  ASSERT_EQ(rb.decision, IngestDecision::kExactDuplicate);
  EXPECT_EQ(keys.texts, std::vector<std::string>{rb.id});
  EXPECT_TRUE(keys.deleted.empty());
  EXPECT_EQ(keys.heads.size(), 2u);  // The copy's and the first publisher's.

  // An earlier-published copy takes the story over: every other head changes, no old text.
  IngestResult rc;
  const ArticleKeys rekeys = IngestKeys(deduper_.get(), *store_, c, Ctx("hue", c.url, 300), &rc);
  ASSERT_TRUE(rc.rerooted);
  EXPECT_EQ(rekeys.texts, std::vector<std::string>{rc.id});
  EXPECT_TRUE(rekeys.deleted.empty());
  EXPECT_EQ(rekeys.heads.size(), 3u);

  for (const std::string& id : {ra.id, rb.id, rc.id}) {
    const ArticleRecord r = Get(id);
    EXPECT_EQ(r.body, body) << id;
    ArticleRecord head;
    ASSERT_TRUE(GetArticleHead(*store_, id, &head).ok());
    EXPECT_FALSE(head.text_key.empty());
    EXPECT_TRUE(head.body.empty());
    EXPECT_EQ(head.title, "Tin A");
  }
  EXPECT_EQ(Get(rc.id).sightings.size(), 3u);
  EXPECT_EQ(Get(ra.id).duplicate_of, rc.id);
  int seen = 0;
  ASSERT_TRUE(ForEachArticle(*store_, [&](const ArticleRecord& r) {
                EXPECT_EQ(r.body, body) << r.id;
                ++seen;
                return true;
              }).ok());
  EXPECT_EQ(seen, 3);
  EXPECT_EQ(CountTexts(*store_), 3);
}

// A new revision writes its text under a new, later key and deletes the text it replaces, so
// the texts family holds one text per article; later writes always sort later.
TEST_F(DedupTest, RevisionsReplaceTheirTextUnderALaterKey) {
  const Article v1 = MakeArticle("https://hanoi.gov.vn/tin/1", "Tin A", Join(Sentences(1, 20)));
  Article v2 = v1;
  v2.body = Join(Sentences(2, 20));
  const IngestResult r1 = Ingest(v1, Ctx("hanoi", v1.url, 100));
  ArticleRecord head1;
  ASSERT_TRUE(GetArticleHead(*store_, r1.id, &head1).ok());
  const IngestResult other =
      Ingest(MakeArticle("https://hue.gov.vn/y/2", "Tin B", Join(Sentences(3, 20))),
             Ctx("hue", "https://hue.gov.vn/y/2", 150));
  IngestResult r2;
  const ArticleKeys keys = IngestKeys(deduper_.get(), *store_, v2, Ctx("hanoi", v2.url, 200), &r2);
  ASSERT_EQ(r2.decision, IngestDecision::kUpdated);
  EXPECT_EQ(keys.texts, std::vector<std::string>{r1.id});
  EXPECT_EQ(keys.deleted, std::vector<std::string>{r1.id});
  ArticleRecord head2, head_other;
  ASSERT_TRUE(GetArticleHead(*store_, r1.id, &head2).ok());
  ASSERT_TRUE(GetArticleHead(*store_, other.id, &head_other).ok());
  EXPECT_LT(head1.text_key, head_other.text_key);
  EXPECT_LT(head_other.text_key, head2.text_key);
  EXPECT_EQ(Get(r1.id).body, v2.body);
  EXPECT_EQ(Get(r1.id).revision, 2);
  EXPECT_EQ(CountTexts(*store_), 2);
}

// Records written before the split (text inside the record) are read as they are, and the first
// rewrite of one (here: a copy adds a sighting) splits it without losing its text.
TEST_F(DedupTest, RecordsFromBeforeTheSplitAreReadAndSplitOnRewrite) {
  const std::string body = Join(Sentences(4, 20));
  const Article a = MakeArticle("https://hanoi.gov.vn/tin/1", "Tin A", body);
  const IngestResult ra = Ingest(a, Ctx("hanoi", a.url, 100));
  ArticleRecord old = Get(ra.id);
  {  // Rewrite it in the old layout: one record, no stored text.
    rocksdb::WriteBatch batch;
    batch.Put(store_->cf(Cf::kArticles), old.id, EncodeArticleRecord(old));
    batch.Delete(store_->cf(Cf::kTexts), old.text_key);
    ASSERT_TRUE(store_->Write(&batch).ok());
  }
  ASSERT_EQ(CountTexts(*store_), 0);
  ArticleRecord head;
  ASSERT_TRUE(GetArticleHead(*store_, ra.id, &head).ok());
  EXPECT_TRUE(head.text_key.empty());
  EXPECT_EQ(head.body, body);
  EXPECT_EQ(Get(ra.id).body, body);
  int seen = 0;
  ASSERT_TRUE(ForEachArticle(*store_, [&](const ArticleRecord& r) {
                EXPECT_EQ(r.body, body);
                ++seen;
                return true;
              }).ok());
  EXPECT_EQ(seen, 1);

  const Article b = MakeArticle("https://bacninh.gov.vn/x/9", "Tin A", body);
  const IngestResult rb = Ingest(b, Ctx("bacninh", b.url, 200));
  ASSERT_EQ(rb.decision, IngestDecision::kExactDuplicate);
  ASSERT_TRUE(GetArticleHead(*store_, ra.id, &head).ok());
  EXPECT_FALSE(head.text_key.empty());
  EXPECT_TRUE(head.body.empty());
  const ArticleRecord root = Get(ra.id);
  EXPECT_EQ(root.body, body);
  EXPECT_EQ(root.sightings.size(), 2u);
  EXPECT_EQ(CountTexts(*store_), 2);
}

// A head whose text is gone is reported, not read as an empty article.
TEST_F(DedupTest, LostTextIsCorruption) {
  const Article a = MakeArticle("https://hanoi.gov.vn/tin/1", "Tin A", Join(Sentences(5, 20)));
  const IngestResult ra = Ingest(a, Ctx("hanoi", a.url, 100));
  ArticleRecord head;
  ASSERT_TRUE(GetArticleHead(*store_, ra.id, &head).ok());
  rocksdb::WriteBatch batch;
  batch.Delete(store_->cf(Cf::kTexts), head.text_key);
  ASSERT_TRUE(store_->Write(&batch).ok());
  ArticleRecord r;
  EXPECT_EQ(GetArticle(*store_, ra.id, &r).code(), Status::Code::kCorruption);
  EXPECT_EQ(ForEachArticle(*store_, [](const ArticleRecord&) { return true; }).code(),
            Status::Code::kCorruption);
}

// A copy with one sentence of `words` words inserted mid-body: returns its SimHash distance from
// the original (20 sentences, ~310 words).
int AddedSentenceDistance(uint64_t seed, int words) {
  std::vector<std::string> s = Sentences(seed, 20);
  const std::string original = FoldCase(CleanText(Join(s)));
  std::mt19937_64 rng(seed ^ 0xABCDEF);
  s.insert(s.begin() + 10, Sentence(&rng, words));
  const std::string copy = FoldCase(CleanText(Join(s)));
  return HammingDistance(SimHash(Tokenize(original)), SimHash(Tokenize(copy)));
}

TEST_F(DedupTest, NearDuplicateWithNewTitleAndAddedSentenceIsLinked) {
  std::vector<std::string> s = Sentences(3, 20);
  const Article a = MakeArticle("https://hanoi.gov.vn/tin/1", "Tin gốc", Join(s));
  s.insert(s.begin() + 10, "Đây là câu mới được bổ sung.");
  const Article b = MakeArticle("https://laocai.gov.vn/tin/5", "Tiêu đề khác hẳn", Join(s));
  const IngestResult ra = Ingest(a, Ctx("hanoi", a.url, 100));
  const IngestResult rb = Ingest(b, Ctx("laocai", b.url, 200));
  ASSERT_EQ(rb.decision, IngestDecision::kNearDuplicate) << IngestDecisionName(rb.decision);
  EXPECT_LE(rb.distance, 3);
  EXPECT_GT(rb.distance, 0);
  EXPECT_EQ(rb.story_id, ra.id);
  EXPECT_EQ(Get(rb.id).duplicate_of, ra.id);
  EXPECT_EQ(Get(ra.id).sightings.size(), 2u);
}

// SimHash distance is ~64 * angle / pi between the shingle vectors: an added sentence of w words
// in n shingles moves it by about 64/pi * sqrt(2w/n) bits. This pins the measured recall so a
// regression in tokenizing or hashing shows up; the figures are in the report.
TEST(NearDuplicateRecallTest, AddedSentenceRecallByDistance) {
  for (int words : {6, 10}) {
    std::vector<int> histogram(65);
    for (uint64_t seed = 1; seed <= 200; ++seed) ++histogram[AddedSentenceDistance(seed, words)];
    int within3 = 0, within5 = 0;
    std::string h;
    for (int d = 0; d <= 64; ++d) {
      within3 += d <= 3 ? histogram[d] : 0;
      within5 += d <= 5 ? histogram[d] : 0;
      if (d <= 10) h += std::to_string(d) + ":" + std::to_string(histogram[d]) + " ";
    }
    std::printf("+%d words: distance histogram %s; <=3: %d/200, <=5: %d/200\n", words, h.c_str(),
                within3, within5);
    EXPECT_GE(within3, words == 6 ? 100 : 50) << h;
    EXPECT_GE(within5, words == 6 ? 170 : 140) << h;
    EXPECT_LT(histogram[0], 20) << "the SimHash ignores the edit";
  }
}

TEST(NearDuplicateRecallTest, WiderAcceptDistanceLinksMoreEdits) {
  NearIndex index(3, 16);
  std::mt19937_64 rng(11);
  int found3 = 0, found5 = 0, distance_le5 = 0;
  for (uint64_t id = 1; id <= 300; ++id) {
    const uint64_t h = rng();
    index.Add(id, h, {});
    uint64_t probe = h;
    std::set<int> bits;
    while (bits.size() < 5) bits.insert(static_cast<int>(rng() % 64));
    for (int b : bits) probe ^= 1ULL << b;
    NearIndex::Match m;
    found3 += index.FindNearest(probe, 0, 3, &m);
    const bool f5 = index.FindNearest(probe, 0, 5, &m);
    found5 += f5;
    distance_le5 += f5 && m.id == id && m.distance == 5;
  }
  EXPECT_EQ(found3, 0);             // Distance 5 is beyond the guaranteed radius.
  EXPECT_GT(found5, 300 * 6 / 10);  // Most still share a 16-bit band.
  EXPECT_EQ(distance_le5, found5);
}

TEST_F(DedupTest, UnrelatedArticlesAreNotLinked) {
  std::set<std::string> ids;
  for (uint64_t seed = 10; seed < 60; ++seed) {
    const std::string url = "https://site.gov.vn/tin/" + std::to_string(seed);
    const IngestResult r = Ingest(MakeArticle(url, "T", Join(Sentences(seed, 20))),
                                  Ctx("site", url, static_cast<int64_t>(seed)));
    EXPECT_EQ(r.decision, IngestDecision::kNew) << seed;
    ids.insert(r.id);
  }
  EXPECT_EQ(ids.size(), 50u);
  EXPECT_EQ(deduper_->indexed(), 50u);
}

TEST_F(DedupTest, EarliestPublishedBecomesFirstPublisherEvenIfIngestedLater) {
  const std::string body = Join(Sentences(4, 20));
  const Article late1 = MakeArticle("https://a.gov.vn/1", "A", body, "2024-05-03T08:00:00+07:00");
  const Article late2 = MakeArticle("https://b.gov.vn/2", "B", body, "2024-05-02T08:00:00+07:00");
  const Article early = MakeArticle("https://c.gov.vn/3", "C", body, "2024-05-01T08:00:00+07:00");
  const IngestResult r1 = Ingest(late1, Ctx("a", late1.url, 100));
  const IngestResult r2 = Ingest(late2, Ctx("b", late2.url, 200));
  EXPECT_EQ(r2.decision, IngestDecision::kExactDuplicate);
  EXPECT_TRUE(r2.rerooted);  // Published a day before late1.
  EXPECT_EQ(r2.story_id, r2.id);
  const IngestResult r3 = Ingest(early, Ctx("c", early.url, 300));
  EXPECT_TRUE(r3.rerooted);
  EXPECT_EQ(r3.story_id, r3.id);
  EXPECT_TRUE(Get(r3.id).duplicate_of.empty());
  EXPECT_EQ(Get(r1.id).duplicate_of, r3.id);
  EXPECT_EQ(Get(r2.id).duplicate_of, r3.id);
  EXPECT_TRUE(Get(r1.id).sightings.empty());
  const ArticleRecord root = Get(r3.id);
  ASSERT_EQ(root.sightings.size(), 3u);
  std::set<std::string> sites;
  for (const auto& s : root.sightings) sites.insert(s.site);
  EXPECT_EQ(sites, (std::set<std::string>{"a", "b", "c"}));
}

TEST_F(DedupTest, RevisitUpdatesOrReportsUnchanged) {
  std::vector<std::string> s = Sentences(5, 20);
  const std::string url = "https://hue.gov.vn/tin/7";
  const IngestResult r1 = Ingest(MakeArticle(url, "T", Join(s)), Ctx("hue", url, 100));
  const IngestResult same = Ingest(MakeArticle(url, "T", Join(s)), Ctx("hue", url, 200));
  EXPECT_EQ(same.decision, IngestDecision::kUnchanged);
  EXPECT_FALSE(same.emit);
  s[3] = "Nội dung đã được đính chính lại cho chính xác.";
  const IngestResult edited = Ingest(MakeArticle(url, "T", Join(s)), Ctx("hue", url, 300));
  EXPECT_EQ(edited.decision, IngestDecision::kUpdated);
  EXPECT_TRUE(edited.emit);
  EXPECT_EQ(edited.id, r1.id);
  const ArticleRecord rec = Get(r1.id);
  EXPECT_EQ(rec.revision, 2);
  EXPECT_NE(rec.body.find("đính chính"), std::string::npos);
  EXPECT_EQ(rec.first_seen, 100);
  EXPECT_EQ(rec.fetched_at, 300);
  const IngestResult again = Ingest(MakeArticle(url, "T", Join(s)), Ctx("hue", url, 400));
  EXPECT_EQ(again.decision, IngestDecision::kUnchanged);
  EXPECT_EQ(Get(r1.id).revision, 2);
  // The old body no longer names this article; a copy of the new body is an exact duplicate.
  const std::string other = "https://hue.gov.vn/tin/8";
  const IngestResult copy = Ingest(MakeArticle(other, "T", Join(s)), Ctx("hue", other, 500));
  EXPECT_EQ(copy.decision, IngestDecision::kExactDuplicate);
  EXPECT_EQ(copy.story_id, r1.id);
}

TEST_F(DedupTest, RestartKeepsDecisions) {
  const std::string body = Join(Sentences(6, 20));
  std::vector<std::string> s = Sentences(7, 20);
  const IngestResult a =
      Ingest(MakeArticle("https://a.gov.vn/1", "A", body), Ctx("a", "https://a.gov.vn/1", 100));
  const IngestResult n =
      Ingest(MakeArticle("https://a.gov.vn/2", "N", Join(s)), Ctx("a", "https://a.gov.vn/2", 100));
  Reopen();
  EXPECT_EQ(deduper_->indexed(), 2u);
  EXPECT_EQ(
      Ingest(MakeArticle("https://a.gov.vn/1", "A", body), Ctx("a", "https://a.gov.vn/1", 200))
          .decision,
      IngestDecision::kUnchanged);
  EXPECT_EQ(
      Ingest(MakeArticle("https://b.gov.vn/1", "B", body), Ctx("b", "https://b.gov.vn/1", 200))
          .story_id,
      a.id);
  s[19].replace(s[19].find(' '), 1, " mới ");  // One word inserted.
  const IngestResult near =
      Ingest(MakeArticle("https://c.gov.vn/1", "C", Join(s)), Ctx("c", "https://c.gov.vn/1", 300));
  EXPECT_EQ(near.decision, IngestDecision::kNearDuplicate);
  EXPECT_EQ(near.story_id, n.id);
}

TEST_F(DedupTest, ConcurrentCopiesAreLinked) {
  const std::string body = Join(Sentences(8, 20));
  std::vector<IngestResult> results(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      const std::string url = "https://s" + std::to_string(i) + ".gov.vn/tin";
      rocksdb::WriteBatch batch;
      EXPECT_TRUE(
          deduper_->Ingest(MakeArticle(url, "T", body), Ctx("s", url, 100 + i), &batch, &results[i])
              .ok());
    });
  }
  for (auto& t : threads) t.join();
  int news = 0;
  std::set<std::string> stories;
  for (const auto& r : results) {
    news += r.decision == IngestDecision::kNew;
  }
  EXPECT_EQ(news, 1);
  size_t roots = 0, sightings = 0;
  ASSERT_TRUE(ForEachArticle(*store_, [&](const ArticleRecord& rec) {
                if (rec.duplicate_of.empty()) {
                  ++roots;
                  sightings = rec.sightings.size();
                }
                stories.insert(rec.duplicate_of.empty() ? rec.id : rec.duplicate_of);
                return true;
              }).ok());
  EXPECT_EQ(roots, 1u);
  EXPECT_EQ(sightings, 8u);
  EXPECT_EQ(stories.size(), 1u);
}

TEST_F(DedupTest, CallerWritesCommitWithTheArticle) {
  const std::string url = "https://a.gov.vn/9";
  rocksdb::WriteBatch batch;
  UrlState state;
  state.status = UrlStatus::kFetched;
  state.site = "a";
  store_->PutUrlState(&batch, url, state);
  IngestResult r;
  ASSERT_TRUE(
      deduper_->Ingest(MakeArticle(url, "T", Join(Sentences(9, 20))), Ctx("a", url, 1), &batch, &r)
          .ok());
  UrlState back;
  EXPECT_TRUE(store_->GetUrlState(url, &back).ok());
  EXPECT_EQ(back.site, "a");
}

// Paragraphs of `per_paragraph` sentences.
std::string JoinEvery(const std::vector<std::string>& sentences, size_t per_paragraph) {
  std::string body;
  for (size_t i = 0; i < sentences.size(); ++i) {
    if (i > 0) body += (i % per_paragraph == 0) ? "\n\n" : " ";
    body += sentences[i];
  }
  return body;
}

TEST_F(DedupTest, RetitledCopyWithAppendedSentenceIsLinkedAtAnyDistance) {
  int beyond_simhash = 0;
  for (uint64_t seed = 100; seed < 140; ++seed) {
    std::vector<std::string> s = Sentences(seed, 14 + static_cast<int>(seed % 20));
    const std::string a_url = "https://tinh.gov.vn/tin/" + std::to_string(seed);
    const std::string b_url = "https://huyen.gov.vn/tin/" + std::to_string(seed);
    const IngestResult ra = Ingest(MakeArticle(a_url, "Tin gốc " + std::to_string(seed), Join(s)),
                                   Ctx("tinh", a_url, 100));
    std::mt19937_64 rng(seed);
    s.back() += " " + Sentence(&rng, 15);  // Appended to the last paragraph, as portals do.
    const IngestResult rb =
        Ingest(MakeArticle(b_url, "Huyện: tiêu đề khác", Join(s)), Ctx("huyen", b_url, 200));
    ASSERT_EQ(rb.decision, IngestDecision::kNearDuplicate)
        << seed << " " << IngestDecisionName(rb.decision);
    EXPECT_EQ(rb.story_id, ra.id);
    EXPECT_GE(rb.similarity, 0.7);
    EXPECT_LT(rb.similarity, 1.0);
    beyond_simhash += rb.distance > DedupOptions().accept_distance;
  }
  std::printf("copies linked beyond SimHash distance %d: %d/40\n", DedupOptions().accept_distance,
              beyond_simhash);
  EXPECT_GT(beyond_simhash, 0) << "the test no longer exercises the sentence-unit signal";
}

TEST_F(DedupTest, CopyWithRemovedSentenceIsLinked) {
  for (uint64_t seed = 200; seed < 220; ++seed) {
    std::vector<std::string> s = Sentences(seed, 18);
    const std::string a_url = "https://tinh.gov.vn/tin/" + std::to_string(seed);
    const std::string b_url = "https://xa.gov.vn/tin/" + std::to_string(seed);
    const IngestResult ra = Ingest(MakeArticle(a_url, "A", Join(s)), Ctx("tinh", a_url, 100));
    s.erase(s.begin() + static_cast<long>(seed % s.size()));
    const IngestResult rb = Ingest(MakeArticle(b_url, "B", Join(s)), Ctx("xa", b_url, 200));
    ASSERT_EQ(rb.decision, IngestDecision::kNearDuplicate) << seed;
    EXPECT_EQ(rb.story_id, ra.id);
  }
}

TEST_F(DedupTest, CopyWithDifferentParagraphSplittingAndEditIsLinked) {
  for (uint64_t seed = 300; seed < 320; ++seed) {
    std::vector<std::string> s = Sentences(seed, 20);
    const std::string a_url = "https://tinh.gov.vn/tin/" + std::to_string(seed);
    const std::string b_url = "https://phuong.gov.vn/tin/" + std::to_string(seed);
    const IngestResult ra =
        Ingest(MakeArticle(a_url, "A", JoinEvery(s, 4)), Ctx("tinh", a_url, 100));
    std::mt19937_64 rng(seed);
    s.back() += " " + Sentence(&rng, 15);
    const IngestResult rb =
        Ingest(MakeArticle(b_url, "B", JoinEvery(s, 2)), Ctx("phuong", b_url, 200));
    ASSERT_EQ(rb.decision, IngestDecision::kNearDuplicate) << seed;
    EXPECT_EQ(rb.story_id, ra.id);
  }
}

TEST_F(DedupTest, SharedBoilerplateParagraphDoesNotLinkDifferentStories) {
  const std::string boilerplate =
      "Thông tin chi tiết xin liên hệ Văn phòng HĐND và UBND huyện, số điện thoại "
      "0203.3826.123 hoặc thư điện tử vanphong@huyen.gov.vn. Trân trọng thông báo tới toàn thể "
      "cán bộ, công chức và Nhân dân trên địa bàn được biết và thực hiện.";
  std::set<std::string> stories;
  for (uint64_t seed = 400; seed < 440; ++seed) {
    const std::string url = "https://huyen.gov.vn/tin/" + std::to_string(seed);
    const std::string body =
        Join(Sentences(seed, 8 + static_cast<int>(seed % 12))) + "\n\n" + boilerplate;
    const IngestResult r = Ingest(MakeArticle(url, "T", body), Ctx("huyen", url, 100));
    EXPECT_EQ(r.decision, IngestDecision::kNew) << seed << " similarity " << r.similarity;
    stories.insert(r.story_id);
  }
  EXPECT_EQ(stories.size(), 40u);
}

TEST_F(DedupTest, UnitSimilarityIgnoresParagraphsAndWeighsSentences) {
  const std::vector<std::string> s = Sentences(500, 10);
  BodyFingerprint a, b, c;
  FingerprintClean(CleanText(JoinEvery(s, 5)), &a);
  FingerprintClean(CleanText(JoinEvery(s, 1)), &b);
  EXPECT_EQ(a.units, b.units);
  EXPECT_EQ(a.units.size(), 10u);
  EXPECT_DOUBLE_EQ(UnitSimilarity(a.units, b.units), 1.0);
  std::vector<std::string> half(s.begin(), s.begin() + 5);
  FingerprintClean(CleanText(Join(half)), &c);
  const double sim = UnitSimilarity(a.units, c.units);
  EXPECT_GT(sim, 0.3);
  EXPECT_LT(sim, 0.7);
  // The same tokens as the SimHash of Tokenize(FoldCase(...)).
  const std::string clean = CleanText(Join(s));
  FingerprintClean(clean, &a);
  EXPECT_EQ(a.simhash, SimHash(Tokenize(FoldCase(clean))));
  EXPECT_EQ(a.tokens, static_cast<int>(Tokenize(FoldCase(clean)).size()));
}

TEST(CleanBodyTest, EqualsCleanText) {
  const std::vector<std::string> inputs = {
      "",
      "   ",
      "  Plain ASCII\ttext\n\nwith  spaces ",
      "Ủy ban nhân dân tỉnh\u00a0Hà Nội – “Hội nghị”… 2024\r\n",
      "\u00a0\u00a0Đầu\u0085cuối\u00a0",
      "Tie\u0302\u0301ng Vie\u0323t NFD",  // Combining marks: NFC through ICU.
      "bad \xff\xfe bytes \xe1\xbb",       // Ill-formed UTF-8.
      "wide\u2003space and\u3000ideographic, 漢字 and emoji \U0001F600",
      "Phường\u200bzero width",
  };
  for (const std::string& in : inputs) EXPECT_EQ(CleanBody(in), CleanText(in)) << in;
  for (uint64_t seed = 1; seed < 20; ++seed) {
    const std::string body = Join(Sentences(seed, 10));
    EXPECT_EQ(CleanBody(body), CleanText(body));
  }
}

TEST_F(DedupTest, EarlierPublishedEditedCopyBecomesFirstPublisher) {
  std::vector<std::string> s = Sentences(600, 16);
  const Article late =
      MakeArticle("https://huyen.gov.vn/1", "Huyện: tin", Join(s), "2024-05-02T08:00:00+07:00");
  const IngestResult r1 = Ingest(late, Ctx("huyen", late.url, 100));
  s.pop_back();
  std::mt19937_64 rng(600);
  s.back() += " " + Sentence(&rng, 15);
  const Article early =
      MakeArticle("https://tinh.gov.vn/1", "Tin", Join(s), "2024-05-01T08:00:00+07:00");
  const IngestResult r2 = Ingest(early, Ctx("tinh", early.url, 200));
  ASSERT_EQ(r2.decision, IngestDecision::kNearDuplicate);
  EXPECT_TRUE(r2.rerooted);
  EXPECT_EQ(r2.story_id, r2.id);
  EXPECT_EQ(Get(r1.id).duplicate_of, r2.id);
  EXPECT_EQ(Get(r2.id).sightings.size(), 2u);
}

TEST_F(DedupTest, SentenceIndexSurvivesRestartAndRebuild) {
  std::vector<std::string> s = Sentences(700, 20);
  const IngestResult a =
      Ingest(MakeArticle("https://a.gov.vn/7", "A", Join(s)), Ctx("a", "https://a.gov.vn/7", 1));
  std::mt19937_64 rng(700);
  s.back() += " " + Sentence(&rng, 15);
  s.erase(s.begin() + 3);
  const std::string edited = Join(s);
  // Restart: the in-memory indexes are reloaded from the store.
  Reopen();
  BodyFingerprint fp;
  FingerprintClean(CleanText(edited), &fp);
  NearMatch m;
  ASSERT_TRUE(deduper_->FindNear(fp, &m).ok());
  EXPECT_EQ(m.id, a.id);
  // A store from an older layout (or an interrupted rebuild) has no layout key: rebuilt from
  // the articles at Open.
  rocksdb::WriteBatch wipe;
  ASSERT_TRUE(
      wipe.DeleteRange(store_->cf(Cf::kSimhash), std::string(1, '\0'), std::string(9, '\xff'))
          .ok());
  ASSERT_TRUE(wipe.Delete(store_->cf(Cf::kMeta), "dedup_index_layout").ok());
  ASSERT_TRUE(store_->Write(&wipe).ok());
  Reopen();
  EXPECT_EQ(deduper_->indexed(), 1u);
  const IngestResult b =
      Ingest(MakeArticle("https://b.gov.vn/7", "B", edited), Ctx("b", "https://b.gov.vn/7", 2));
  EXPECT_EQ(b.decision, IngestDecision::kNearDuplicate);
  EXPECT_EQ(b.story_id, a.id);
  Reopen();
  EXPECT_EQ(deduper_->indexed(), 2u);
}

TEST_F(DedupTest, UpdatedBodyReplacesItsSentenceIndex) {
  const std::string url = "https://a.gov.vn/8";
  std::vector<std::string> old_body = Sentences(800, 20);
  const IngestResult r = Ingest(MakeArticle(url, "A", Join(old_body)), Ctx("a", url, 1));
  const IngestResult u = Ingest(MakeArticle(url, "A", Join(Sentences(801, 20))), Ctx("a", url, 2));
  ASSERT_EQ(u.decision, IngestDecision::kUpdated);
  std::mt19937_64 rng(800);
  old_body.back() += " " + Sentence(&rng, 15);
  BodyFingerprint fp;
  FingerprintClean(CleanText(Join(old_body)), &fp);
  NearMatch m;
  EXPECT_EQ(deduper_->FindNear(fp, &m).code(), Status::Code::kNotFound) << m.id;
  EXPECT_EQ(deduper_->indexed(), 1u);
  EXPECT_EQ(r.id, u.id);
}

TEST(ArticleIdTest, CanonicalOnlyWhenSameHostAndNotHome) {
  const std::string url = "https://a.gov.vn/tin?id=5";
  EXPECT_EQ(ArticleIdFor(url, "https://a.gov.vn/"), ArticleIdFor(url, ""));
  EXPECT_EQ(ArticleIdFor(url, "https://evil.example/x"), ArticleIdFor(url, ""));
  EXPECT_EQ(ArticleIdFor(url, "https://a.gov.vn/tin/5.html"),
            ArticleIdFor("https://a.gov.vn/tin/5.html", ""));
}

}  // namespace
}  // namespace tincrawl
