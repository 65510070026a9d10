#pragma once

#include <rocksdb/cache.h>
#include <rocksdb/env.h>
#include <rocksdb/options.h>

#include <memory>
#include <string>

#include "crawler/store/store.h"

namespace tincrawl {

// RocksDB options of the store: per column family tuning and the database-wide settings.

// Maps store.compression ("none", "snappy", "lz4", "zstd") to the compression of the upper
// levels and of the bottommost one; false for an unknown name.
bool ParseCompression(const std::string& name, rocksdb::CompressionType* upper,
                      rocksdb::CompressionType* bottom);

// Options of column family `cf`, sharing the block cache `cache`.
rocksdb::ColumnFamilyOptions CfOptions(Cf cf, const std::shared_ptr<rocksdb::Cache>& cache,
                                       rocksdb::CompressionType upper,
                                       rocksdb::CompressionType bottom);

// Database options; `env` (may be null: the default Env) is not owned. Only a read-write open
// creates what is missing.
rocksdb::DBOptions DbOptions(rocksdb::Env* env, bool read_write);

}  // namespace tincrawl
