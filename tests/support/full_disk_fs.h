#pragma once

// A RocksDB file system for disk-full tests: while `full` is set, every writable file's
// Append/Sync/Fsync fails with NoSpace (and counts in `failures`). Pass it to Store::Open
// through rocksdb::NewCompositeEnv(fs); both must outlive the store.

#include <rocksdb/file_system.h>

#include <atomic>
#include <memory>
#include <string>
#include <utility>

namespace tincrawl::test_support {

class FullDiskFs : public rocksdb::FileSystemWrapper {
 public:
  explicit FullDiskFs(const std::shared_ptr<rocksdb::FileSystem>& base) : FileSystemWrapper(base) {}
  const char* Name() const override { return "FullDiskFs"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& opts,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    std::unique_ptr<rocksdb::FSWritableFile> file;
    return Wrap(target()->NewWritableFile(name, opts, &file, dbg), &file, result);
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& opts,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override {
    std::unique_ptr<rocksdb::FSWritableFile> file;
    return Wrap(target()->ReopenWritableFile(name, opts, &file, dbg), &file, result);
  }

  std::atomic<bool> full{false};
  std::atomic<int> failures{0};

 private:
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile>&& t, FullDiskFs* fs)
        : FSWritableFileOwnerWrapper(std::move(t)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->full) return Fail();
      return FSWritableFileOwnerWrapper::Append(data, o, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             const rocksdb::DataVerificationInfo& v,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->full) return Fail();
      return FSWritableFileOwnerWrapper::Append(data, o, v, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      if (fs_->full) return Fail();
      return FSWritableFileOwnerWrapper::Sync(o, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      if (fs_->full) return Fail();
      return FSWritableFileOwnerWrapper::Fsync(o, dbg);
    }

   private:
    rocksdb::IOStatus Fail() {
      fs_->failures++;
      return rocksdb::IOStatus::NoSpace("No space left on device (injected)");
    }
    FullDiskFs* fs_;
  };

  // Wraps the file `s` opened (a pointer, so it is read only after the call that filled it).
  rocksdb::IOStatus Wrap(rocksdb::IOStatus s, std::unique_ptr<rocksdb::FSWritableFile>* file,
                         std::unique_ptr<rocksdb::FSWritableFile>* result) {
    if (s.ok()) result->reset(new File(std::move(*file), this));
    return s;
  }
};

}  // namespace tincrawl::test_support
