#include "crawler/net/robots_store.h"

#include <utility>

#include "crawler/common/record_codec.h"

namespace tincrawl {

namespace {
constexpr uint64_t kRobotsRecordVersion = 1;
}  // namespace

std::string EncodeRobotsRecord(const RobotsRecord& r) {
  RecordWriter w(kRobotsRecordVersion);
  w.Str(r.site_id);
  w.I64(r.fetched_unix);
  w.I64(r.expires_unix);
  w.U64(r.allow_all ? 1 : 0);
  w.Str(r.body);
  w.I64(r.failing_since_unix);
  w.Str(r.last_error);
  return w.Take();
}

bool DecodeRobotsRecord(std::string_view data, RobotsRecord* record) {
  RecordReader in(data);
  if (!in.Version(kRobotsRecordVersion)) return false;
  RobotsRecord r;
  uint64_t allow_all = 0;
  const bool read = in.Str(&r.site_id) && in.I64(&r.fetched_unix) && in.I64(&r.expires_unix) &&
                    in.U64(&allow_all) && in.Str(&r.body) && in.I64(&r.failing_since_unix) &&
                    in.Str(&r.last_error);
  if (!read || !in.done()) return false;
  r.allow_all = allow_all != 0;
  *record = std::move(r);
  return true;
}

bool RobotsBytesStore::Load(const std::string& origin, RobotsRecord* record) {
  std::string value;
  return get_ && get_(origin, &value) && DecodeRobotsRecord(value, record);
}

void RobotsBytesStore::Save(const std::string& origin, const RobotsRecord& record) {
  if (put_) put_(origin, EncodeRobotsRecord(record));
}

}  // namespace tincrawl
