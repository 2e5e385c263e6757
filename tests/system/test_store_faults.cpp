// I/O errors and a full disk while a batch commits: a wrapping SQLite VFS (registered as the
// default for the length of the test) fails the Nth write, sync or truncate, and the sweep
// runs N over every such operation of one commit. After each failure apply() has thrown an
// Error naming the store, the record in memory is as it was, the files as a crash would leave
// them hold the record as it was, and the store reopened is as it was; the same record then
// applies the batch once the disk recovers.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <fstream>
#include <iterator>

#include "store_support.hpp"

using namespace safeguard;
using namespace store_test;

namespace {

enum class Op { write, sync, truncate };

// The fault plan: the operation (writes, syncs and truncates counted together) to fail, and
// whether the failure persists (a disk that stays full or broken) or happens once.
struct Faults {
  long counted = 0;
  long fail_at = 0;  // 0: never
  bool persistent = false;
  bool full = false;  // SQLITE_FULL rather than an I/O error
  long failed = 0;

  int hit(Op op) {
    if (fail_at == 0) return SQLITE_OK;
    ++counted;
    if (counted < fail_at || (!persistent && counted > fail_at)) return SQLITE_OK;
    ++failed;
    switch (op) {
      case Op::write:
        return full ? SQLITE_FULL : SQLITE_IOERR_WRITE;
      case Op::sync:
        return SQLITE_IOERR_FSYNC;
      case Op::truncate:
        return full ? SQLITE_FULL : SQLITE_IOERR_TRUNCATE;
    }
    return SQLITE_IOERR;
  }
};

Faults g_faults;
sqlite3_vfs* g_real = nullptr;

struct FaultFile {
  sqlite3_file base;
  sqlite3_file* real;  // the real VFS's file, in the bytes after this struct
};

sqlite3_file* real_of(sqlite3_file* file) { return reinterpret_cast<FaultFile*>(file)->real; }

int fault_close(sqlite3_file* f) { return real_of(f)->pMethods->xClose(real_of(f)); }
int fault_read(sqlite3_file* f, void* buffer, int amount, sqlite3_int64 offset) {
  return real_of(f)->pMethods->xRead(real_of(f), buffer, amount, offset);
}
int fault_write(sqlite3_file* f, const void* buffer, int amount, sqlite3_int64 offset) {
  if (const int code = g_faults.hit(Op::write)) return code;
  return real_of(f)->pMethods->xWrite(real_of(f), buffer, amount, offset);
}
int fault_truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (const int code = g_faults.hit(Op::truncate)) return code;
  return real_of(f)->pMethods->xTruncate(real_of(f), size);
}
int fault_sync(sqlite3_file* f, int flags) {
  if (const int code = g_faults.hit(Op::sync)) return code;
  return real_of(f)->pMethods->xSync(real_of(f), flags);
}
int fault_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real_of(f)->pMethods->xFileSize(real_of(f), size);
}
int fault_lock(sqlite3_file* f, int level) {
  return real_of(f)->pMethods->xLock(real_of(f), level);
}
int fault_unlock(sqlite3_file* f, int level) {
  return real_of(f)->pMethods->xUnlock(real_of(f), level);
}
int fault_check_reserved(sqlite3_file* f, int* out) {
  return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int fault_file_control(sqlite3_file* f, int op, void* arg) {
  return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int fault_sector_size(sqlite3_file* f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); }
int fault_device(sqlite3_file* f) {
  return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}
int fault_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return real_of(f)->pMethods->xShmMap(real_of(f), page, size, extend, out);
}
int fault_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void fault_shm_barrier(sqlite3_file* f) { real_of(f)->pMethods->xShmBarrier(real_of(f)); }
int fault_shm_unmap(sqlite3_file* f, int remove) {
  return real_of(f)->pMethods->xShmUnmap(real_of(f), remove);
}
int fault_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  return real_of(f)->pMethods->xFetch(real_of(f), offset, amount, out);
}
int fault_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* page) {
  return real_of(f)->pMethods->xUnfetch(real_of(f), offset, page);
}

const sqlite3_io_methods kFaultMethods = {3,
                                          fault_close,
                                          fault_read,
                                          fault_write,
                                          fault_truncate,
                                          fault_sync,
                                          fault_file_size,
                                          fault_lock,
                                          fault_unlock,
                                          fault_check_reserved,
                                          fault_file_control,
                                          fault_sector_size,
                                          fault_device,
                                          fault_shm_map,
                                          fault_shm_lock,
                                          fault_shm_barrier,
                                          fault_shm_unmap,
                                          fault_fetch,
                                          fault_unfetch};

int fault_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* wrapper = reinterpret_cast<FaultFile*>(file);
  wrapper->base.pMethods = nullptr;
  wrapper->real = reinterpret_cast<sqlite3_file*>(wrapper + 1);
  const int code = g_real->xOpen(g_real, name, wrapper->real, flags, out_flags);
  // The real file's methods must be version 3 (or older) for the forwarding above.
  if (code == SQLITE_OK && wrapper->real->pMethods) wrapper->base.pMethods = &kFaultMethods;
  return code;
}
int fault_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return g_real->xDelete(g_real, name, sync_dir);
}
int fault_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_real->xAccess(g_real, name, flags, out);
}
int fault_full_pathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return g_real->xFullPathname(g_real, name, size, out);
}
void* fault_dl_open(sqlite3_vfs*, const char* name) { return g_real->xDlOpen(g_real, name); }
void fault_dl_error(sqlite3_vfs*, int size, char* out) { g_real->xDlError(g_real, size, out); }
void (*fault_dl_sym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return g_real->xDlSym(g_real, handle, symbol);
}
void fault_dl_close(sqlite3_vfs*, void* handle) { g_real->xDlClose(g_real, handle); }
int fault_randomness(sqlite3_vfs*, int size, char* out) {
  return g_real->xRandomness(g_real, size, out);
}
int fault_sleep(sqlite3_vfs*, int microseconds) { return g_real->xSleep(g_real, microseconds); }
int fault_current_time(sqlite3_vfs*, double* out) { return g_real->xCurrentTime(g_real, out); }
int fault_last_error(sqlite3_vfs*, int size, char* out) {
  return g_real->xGetLastError(g_real, size, out);
}
int fault_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
  return g_real->xCurrentTimeInt64(g_real, out);
}

// Registers the fault VFS as SQLite's default for its lifetime.
class FaultVfs {
 public:
  FaultVfs() {
    g_real = sqlite3_vfs_find(nullptr);
    REQUIRE(g_real != nullptr);
    REQUIRE(g_real->iVersion >= 2);
    vfs_.iVersion = 2;
    vfs_.szOsFile = static_cast<int>(sizeof(FaultFile)) + g_real->szOsFile;
    vfs_.mxPathname = g_real->mxPathname;
    vfs_.zName = "safeguard-faults";
    vfs_.xOpen = fault_open;
    vfs_.xDelete = fault_delete;
    vfs_.xAccess = fault_access;
    vfs_.xFullPathname = fault_full_pathname;
    vfs_.xDlOpen = fault_dl_open;
    vfs_.xDlError = fault_dl_error;
    vfs_.xDlSym = fault_dl_sym;
    vfs_.xDlClose = fault_dl_close;
    vfs_.xRandomness = fault_randomness;
    vfs_.xSleep = fault_sleep;
    vfs_.xCurrentTime = fault_current_time;
    vfs_.xGetLastError = fault_last_error;
    vfs_.xCurrentTimeInt64 = fault_current_time_int64;
    REQUIRE(sqlite3_vfs_register(&vfs_, 1) == SQLITE_OK);
    g_faults = Faults{};
  }
  ~FaultVfs() {
    g_faults = Faults{};
    sqlite3_vfs_unregister(&vfs_);
  }
  FaultVfs(const FaultVfs&) = delete;
  FaultVfs& operator=(const FaultVfs&) = delete;

 private:
  sqlite3_vfs vfs_{};
};

void copy_store(const std::string& from, const std::string& to) {
  for (const char* suffix : {"", "-wal"}) {
    std::remove((to + suffix).c_str());
    if (std::filesystem::exists(from + suffix)) {
      std::ofstream out(to + suffix, std::ios::binary | std::ios::trunc);
      out << read_bytes(from + suffix);
    }
  }
}

}  // namespace

TEST_SUITE("system/store_faults") {
  TEST_CASE(
      "an I/O error or a full disk during a commit leaves the record and the store as "
      "they were") {
    ScratchDir dir;
    FaultVfs vfs;
    const auto rules = default_rules();
    const std::string base = dir.file("base.store");
    History history(21);
    std::string adult;  // one not yet erased
    {
      Record stored = Record::open(base);
      for (int i = 0; i < 25; ++i) stored.apply(history.next());
      for (int k = 0; adult.empty(); ++k) {
        const auto found = stored.get("P-A" + std::to_string(k));
        REQUIRE(found);
        if (!found->erased) adult = found->id;
      }
    }
    RecordBatch plain = history.next();
    RecordBatch erasure;
    erasure.recorded_at = plain.recorded_at;
    erasure.provenance.author = "dpo-office";
    erasure.add(Erase{adult, "dpo"});
    erasure.add(ConcernAmend{"C-0", std::nullopt, 5});

    const std::string path = dir.file("faulty.store");
    const std::string crashed = dir.file("crashed.store");
    for (const RecordBatch* batch : {&plain, &erasure}) {
      std::string before, after;
      {
        copy_store(base, path);
        Record stored = Record::open(path);
        before = everything(stored, rules);
        stored.apply(*batch);
        after = everything(stored, rules);
      }
      for (bool full : {false, true}) {
        for (bool persistent : {false, true}) {
          long threw = 0;
          long n = 1;
          for (;; ++n) {
            CAPTURE(full);
            CAPTURE(persistent);
            CAPTURE(n);
            copy_store(base, path);
            Record stored = Record::open(path);
            g_faults = Faults{0, n, persistent, full, 0};
            bool failed = false;
            try {
              stored.apply(*batch);
            } catch (const Error& e) {
              failed = true;
              CHECK(e.status() == Status::io);
              const std::string message = e.what();
              CHECK(message.find(path) != std::string::npos);
              CHECK(message.find("batch 26 was not saved") != std::string::npos);
              CHECK((message.find("full") != std::string::npos ||
                     message.find("I/O error") != std::string::npos));
            }
            const bool hit = g_faults.failed > 0;
            g_faults = Faults{};
            if (!hit) {
              // Past the last write, sync and truncate of the commit: the sweep is complete.
              CHECK_FALSE(failed);
              CHECK(everything(stored, rules) == after);
              break;
            }
            if (!failed) {
              // The fault fell after the commit (a checkpoint): the batch stands, durable.
              CHECK(everything(stored, rules) == after);
              stored = Record();
              CHECK(everything(Record::open(path), rules) == after);
              continue;
            }
            ++threw;
            CHECK(everything(stored, rules) == before);
            // The files as a crash at this moment would leave them. After a single failure
            // the store discards the failed commit's tail from the WAL at once; a disk that
            // keeps failing may keep a commit whose sync failed, as any database on it would
            // (the batch is then wholly there or wholly absent).
            copy_store(path, crashed);
            {
              const std::string seen = everything(Record::open(crashed), rules);
              if (persistent) {
                CHECK((seen == before || seen == after));
              } else {
                CHECK(seen == before);
              }
            }
            // Once the disk recovers the same record takes the batch.
            CHECK(stored.apply(*batch) == 26);
            CHECK(everything(stored, rules) == after);
            stored = Record();
            CHECK(everything(Record::open(path), rules) == after);
          }
          const std::string what = std::string(batch == &plain ? "plain" : "erasure") + " batch, " +
                                   (full ? "disk full" : "I/O error") +
                                   (persistent ? ", persistent" : ", once");
          MESSAGE(what << ": " << (n - 1) << " operations, " << threw << " failed commits");
          CHECK(threw > 0);
        }
      }
    }
  }
}
