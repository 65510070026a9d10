#include "crawler/output/warc.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace tincrawl {
namespace {

namespace fs = std::filesystem;

class TempDir : public test_support::TempDir {
 public:
  TempDir() : test_support::TempDir("tincrawl_warc") {}
};

struct Record {
  std::map<std::string, std::string> headers;
  std::string block;
};

// Inflates one gzip member at a time, as WARC readers seek record by record.
std::vector<std::string> Members(const std::string& data) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < data.size()) {
    z_stream z{};
    EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + pos));
    z.avail_in = static_cast<uInt>(data.size() - pos);
    std::string member;
    char buf[16384];
    int rc;
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof(buf);
      rc = inflate(&z, Z_NO_FLUSH);
      member.append(buf, sizeof(buf) - z.avail_out);
    } while (rc == Z_OK);
    EXPECT_EQ(rc, Z_STREAM_END);
    pos += z.total_in;
    inflateEnd(&z);
    if (rc != Z_STREAM_END) break;
    out.push_back(std::move(member));
  }
  return out;
}

Record Parse(const std::string& member) {
  Record r;
  const size_t end = member.find("\r\n\r\n");
  EXPECT_NE(end, std::string::npos);
  EXPECT_EQ(member.rfind("WARC/1.1\r\n", 0), 0u);
  size_t pos = member.find("\r\n") + 2;
  while (pos < end) {
    const size_t eol = member.find("\r\n", pos);
    const std::string line = member.substr(pos, eol - pos);
    const size_t colon = line.find(": ");
    r.headers[line.substr(0, colon)] = line.substr(colon + 2);
    pos = eol + 2;
  }
  const size_t length = std::stoul(r.headers["Content-Length"]);
  r.block = member.substr(end + 4, length);
  EXPECT_EQ(member.size(), end + 4 + length + 4) << "record must end with CRLF CRLF";
  EXPECT_EQ(member.substr(end + 4 + length), "\r\n\r\n");
  return r;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

HttpExchange Exchange(int i) {
  HttpExchange x;
  x.target_uri = "https://tinh.gov.vn/tin/" + std::to_string(i) + ".html?x=1";
  x.ip = "203.0.113.7";
  x.fetched_at = 1714550400 + i;
  x.request_headers = {{"Host", "tinh.gov.vn"}, {"User-Agent", "tincrawl/0.1"}};
  x.response_headers = {{"Content-Type", "text/html; charset=utf-8"},
                        {"Transfer-Encoding", "chunked"},
                        {"Content-Encoding", "gzip"}};
  x.body_decoded = true;
  x.body = "<html><body>Tin số " + std::to_string(i) + std::string(3000 + i * 100, 'z') +
           "</body></html>";
  return x;
}

// Fails every write while `failing`, after letting `torn_bytes` of the first failing call
// through (a record cut midway, as a full disk leaves it).
struct FlakyDisk {
  bool failing = false;
  size_t torn_bytes = 0;
  int failures = 0;
  decltype(WarcOptions::write) Fn() {
    return [this](int fd, const void* data, size_t size) -> ssize_t {
      if (!failing) return ::write(fd, data, size);
      if (failures++ == 0 && torn_bytes > 0 && torn_bytes < size) {
        return ::write(fd, data, torn_bytes);
      }
      errno = ENOSPC;
      return -1;
    };
  }
};

std::vector<Record> ReadAll(const std::string& dir) {
  std::vector<Record> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    for (const auto& m : Members(ReadFile(e.path().string()))) out.push_back(Parse(m));
  }
  return out;
}

TEST(WarcTest, FailedWriteIsTruncatedAndLaterRecordsReadBack) {
  TempDir tmp;
  FlakyDisk disk;
  disk.torn_bytes = 100;
  WarcOptions o;
  o.dir = tmp.Sub("warc");
  o.write = disk.Fn();
  WarcWriter w(o);
  ASSERT_TRUE(w.WriteExchange(Exchange(0)).ok());
  disk.failing = true;
  const Status st = w.WriteExchange(Exchange(1));
  EXPECT_EQ(st.code(), Status::Code::kNoSpace) << st.ToString();
  disk.failing = false;
  ASSERT_TRUE(w.WriteExchange(Exchange(2)).ok());
  EXPECT_EQ(w.records_written(), 5);  // warcinfo + two exchanges.
  ASSERT_TRUE(w.Close().ok());
  const std::vector<Record> records = ReadAll(o.dir);  // Members() fails on a torn member.
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[1].headers.at("WARC-Target-URI"), Exchange(0).target_uri);
  EXPECT_EQ(records[3].headers.at("WARC-Target-URI"), Exchange(2).target_uri);
}

TEST(WarcTest, FailedRequestRecordTakesItsResponseAlong) {
  TempDir tmp;
  int calls = 0;
  WarcOptions o2;
  o2.dir = tmp.Sub("warc");
  o2.write = [&](int fd, const void* data, size_t size) -> ssize_t {
    if (++calls == 3) {  // warcinfo, response, then the request record fails.
      errno = ENOSPC;
      return -1;
    }
    return ::write(fd, data, size);
  };
  WarcWriter w2(o2);
  EXPECT_EQ(w2.WriteExchange(Exchange(1)).code(), Status::Code::kNoSpace);
  ASSERT_TRUE(w2.WriteExchange(Exchange(2)).ok());
  ASSERT_TRUE(w2.Close().ok());
  const std::vector<Record> records = ReadAll(o2.dir);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].headers.at("WARC-Type"), "response");
  EXPECT_EQ(records[1].headers.at("WARC-Target-URI"), Exchange(2).target_uri);
  EXPECT_EQ(records[2].headers.at("WARC-Type"), "request");
  EXPECT_EQ(w2.records_written(), 3);
}

TEST(WarcTest, RequestRecordHoldsTheHeadBlockAsSent) {
  TempDir tmp;
  WarcOptions o;
  o.dir = tmp.Sub("warc");
  WarcWriter w(o);
  HttpExchange x = Exchange(0);
  x.request_head =
      "GET /tin/0.html?x=1 HTTP/2\r\nHost: tinh.gov.vn\r\nuser-agent: bot/1\r\n"
      "accept-encoding: gzip\r\nif-none-match: \"v1\"\r\n\r\n";
  ASSERT_TRUE(w.WriteExchange(x).ok());
  ASSERT_TRUE(w.Close().ok());
  const std::vector<Record> records = ReadAll(o.dir);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[2].headers.at("WARC-Type"), "request");
  EXPECT_EQ(records[2].block, x.request_head);
}

TEST(WarcTest, Sha1AndBase32KnownAnswers) {
  EXPECT_EQ(WarcSha1Digest("abc"), "sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5");
  EXPECT_EQ(WarcSha1Digest(""), "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ");
  EXPECT_EQ(WarcSha1Digest(std::string(1000, 'a')), "sha1:FEPJU3DGTFEUTNL3UXTFANQ6TD6DNMN2");
  const uint8_t f[] = {'f', 'o', 'o', 'b', 'a'};
  EXPECT_EQ(Base32(f, 1), "MY======");
  EXPECT_EQ(Base32(f, 5), "MZXW6YTB");
}

TEST(WarcTest, WritesRecordsThatReadBack) {
  TempDir tmp;
  WarcOptions o;
  o.dir = tmp.Sub("warc");
  o.rotate_bytes = 2000;  // Force several files.
  o.now = [] { return int64_t{1714550400}; };
  std::vector<HttpExchange> exchanges;
  {
    WarcWriter w(o);
    for (int i = 0; i < 4; ++i) {
      exchanges.push_back(Exchange(i));
      ASSERT_TRUE(w.WriteExchange(exchanges.back()).ok());
    }
    HttpExchange not_modified = Exchange(9);
    not_modified.status = 304;
    not_modified.reason = "Not Modified";
    not_modified.response_headers = {{"ETag", "\"v1\""}};
    ASSERT_TRUE(
        w.WriteRevisit(not_modified, WarcSha1Digest(exchanges[0].body), "2024-05-01T08:00:00Z")
            .ok());
    ASSERT_TRUE(w.Close().ok());
    EXPECT_GE(w.finished_files().size(), 2u);
  }
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(o.dir)) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 2u);
  std::vector<Record> responses, requests, revisits;
  for (const auto& f : files) {
    EXPECT_TRUE(f.ends_with(".warc.gz")) << f;
    const auto members = Members(ReadFile(f));
    ASSERT_FALSE(members.empty());
    for (size_t i = 0; i < members.size(); ++i) {
      Record r = Parse(members[i]);
      EXPECT_EQ(r.headers["WARC-Block-Digest"], WarcSha1Digest(r.block));
      EXPECT_EQ(r.headers["WARC-Record-ID"].rfind("<urn:uuid:", 0), 0u);
      EXPECT_EQ(r.headers["WARC-Record-ID"].size(), 47u);
      EXPECT_FALSE(r.headers["WARC-Date"].empty());
      const std::string& type = r.headers["WARC-Type"];
      if (i == 0) {
        EXPECT_EQ(type, "warcinfo") << f;
        EXPECT_EQ(r.headers["WARC-Filename"], fs::path(f).filename().string());
        EXPECT_NE(r.block.find("format: WARC File Format 1.1"), std::string::npos);
      } else if (type == "response") {
        responses.push_back(r);
      } else if (type == "request") {
        requests.push_back(r);
      } else {
        EXPECT_EQ(type, "revisit");
        revisits.push_back(r);
      }
    }
  }
  ASSERT_EQ(responses.size(), 4u);
  ASSERT_EQ(requests.size(), 4u);
  ASSERT_EQ(revisits.size(), 1u);
  for (size_t i = 0; i < 4; ++i) {
    Record& resp = responses[i];
    EXPECT_EQ(resp.headers["WARC-Target-URI"], exchanges[i].target_uri);
    EXPECT_EQ(resp.headers["Content-Type"], "application/http;msgtype=response");
    EXPECT_EQ(resp.headers["WARC-IP-Address"], "203.0.113.7");
    EXPECT_EQ(resp.headers["WARC-Date"], "2024-05-01T08:00:0" + std::to_string(i) + "Z");
    const size_t head_end = resp.block.find("\r\n\r\n");
    const std::string head = resp.block.substr(0, head_end);
    const std::string payload = resp.block.substr(head_end + 4);
    EXPECT_EQ(payload, exchanges[i].body);
    EXPECT_EQ(resp.headers["WARC-Payload-Digest"], WarcSha1Digest(payload));
    EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
    EXPECT_EQ(head.find("Transfer-Encoding"), std::string::npos);
    EXPECT_EQ(head.find("Content-Encoding"), std::string::npos);
    EXPECT_NE(head.find("Content-Length: " + std::to_string(payload.size())), std::string::npos);
    Record& req = requests[i];
    EXPECT_EQ(req.headers["WARC-Concurrent-To"], resp.headers["WARC-Record-ID"]);
    EXPECT_EQ(req.headers["Content-Type"], "application/http;msgtype=request");
    EXPECT_EQ(req.block.rfind("GET /tin/" + std::to_string(i) + ".html?x=1 HTTP/1.1\r\n", 0), 0u);
  }
  Record& rv = revisits[0];
  EXPECT_EQ(rv.headers["WARC-Profile"],
            "http://netpreserve.org/warc/1.1/revisit/server-not-modified");
  EXPECT_EQ(rv.headers["WARC-Payload-Digest"], WarcSha1Digest(exchanges[0].body));
  EXPECT_EQ(rv.headers["WARC-Refers-To-Date"], "2024-05-01T08:00:00Z");
  EXPECT_EQ(rv.block.rfind("HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n", 0), 0u);
}

}  // namespace
}  // namespace tincrawl
