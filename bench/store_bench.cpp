// The record's durable store at scale (docs/record.md, "The store"): a generated caseload
// imported into a store as one batch, small batches committed one at a time, and the store
// reopened. Each figure is shown beside the same work on a record in memory (for reopening,
// beside reading the caseload's case file, as of the import, into a record in memory: what a
// host without a store would do, keeping no history), as a ratio. Wall and CPU times (the
// machine may be shared: CPU time is the steadier figure); medians of several runs.
//
// The commit itself is also timed alone, through the store's private interface
// (src/record_store.hpp): applying a batch to a record costs time in proportion to the record
// (docs/record.md, "How it works"), which hides the commit in the whole.
//
// usage: safeguard_store_bench [--children N] [--batches N] [--reopens N] [--dir DIR] [--keep]
//   --keep  leave the store in DIR; when it is already there, only time reopening it.
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "record_codec.hpp"
#include "record_store.hpp"
#include "safeguard/generate.hpp"
#include "safeguard/io.hpp"
#include "safeguard/record.hpp"

using namespace safeguard;

namespace {

struct Timing {
  double wall = 0;
  double cpu = 0;
};

double wall_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double cpu_now() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

template <typename Work>
Timing timed(Work&& work) {
  const double wall = wall_now(), cpu = cpu_now();
  work();
  return {wall_now() - wall, cpu_now() - cpu};
}

Timing median(std::vector<Timing> runs) {
  if (runs.empty()) return {};
  std::sort(runs.begin(), runs.end(),
            [](const Timing& a, const Timing& b) { return a.wall < b.wall; });
  Timing out = runs[runs.size() / 2];
  std::sort(runs.begin(), runs.end(),
            [](const Timing& a, const Timing& b) { return a.cpu < b.cpu; });
  out.cpu = runs[runs.size() / 2].cpu;
  return out;
}

double megabytes(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0 ? static_cast<double>(info.st_size) / 1e6 : 0;
}

bool exists(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0;
}

void remove_store(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::remove((path + suffix).c_str());
}

// Reads and decodes a store without building a record: the store's share of reopening.
class DiscardingLoader final : public detail::StoreLoader {
 public:
  std::size_t versions = 0;
  void reserve(std::size_t, std::size_t) override {}
  void batch(RecordTime, Provenance) override {}
  void version(std::size_t, const std::string_view*, FactKind, std::uint64_t,
               const detail::VersionMarks&, std::string_view) override {
    ++versions;
  }
  void changes(std::size_t) override {}
  void change(std::size_t, std::size_t, ChangeKind) override {}
  void tombstone(std::uint64_t, std::string, std::string) override {}
};

void print(const char* what, const Timing& t, const char* unit, double scale) {
  std::printf("%-44s wall %8.2f %s, cpu %8.2f %s\n", what, t.wall * scale, unit, t.cpu * scale,
              unit);
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t children = 100000;
  int batches = 3;
  int reopens = 3;
  bool keep = false;
  std::string dir = ".";
  const char* usage =
      "usage: safeguard_store_bench [--children N] [--batches N] [--reopens N] [--dir DIR] "
      "[--keep]\n";
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    const auto is = [&](const char* name) { return std::strcmp(argv[i], name) == 0; };
    if (is("--help") || is("-h")) {
      std::fputs(usage, stdout);  // a mistyped option must not start a minutes-long run
      return 0;
    }
    if (is("--keep")) {
      keep = true;
    } else if (has_value && is("--children")) {
      children = std::strtoull(argv[++i], nullptr, 10);
    } else if (has_value && is("--batches")) {
      batches = std::atoi(argv[++i]);
    } else if (has_value && is("--reopens")) {
      reopens = std::atoi(argv[++i]);
    } else if (has_value && is("--dir")) {
      dir = argv[++i];
    } else {
      std::fprintf(stderr, "safeguard_store_bench: unknown or incomplete option '%s'\n%s", argv[i],
                   usage);
      return 2;
    }
  }
  const std::string store = dir + "/safeguard-store-bench-" + std::to_string(children) + ".store";
  const std::string case_file = dir + "/safeguard-store-bench.json";
  const RecordTime start = 1'790'000'000;
  const Provenance loader{"bench", "import", "generator", ""};
  CaseloadOptions options;
  options.children = children;
  options.children_per_batch = children;  // one batch, as `safeguard store import` takes a file
  std::printf("safeguard store benchmark: %zu children\n", children);

  const bool reopen_only = keep && exists(store);
  if (!reopen_only) {
    remove_store(store);
    Batch caseload;
    generate_caseload(options, [&](Batch&& batch) {
      for (auto& item : batch.items) caseload.items.push_back(std::move(item));
    });
    std::vector<std::string> concerns;
    for (const auto& item : caseload.items) {
      if (auto* c = std::get_if<ConcernSpec>(&item)) concerns.push_back(c->id);
    }
    Record memory;
    const Timing memory_import =
        timed([&] { memory.apply(to_record_batch(caseload, start, loader)); });
    Timing store_import;
    std::vector<Timing> memory_apply, store_apply;
    {
      Record stored = Record::open(store);
      store_import = timed([&] { stored.apply(to_record_batch(caseload, start, loader)); });
      caseload = Batch();
      for (int b = 0; b < batches; ++b) {
        RecordBatch batch;
        batch.recorded_at = start + 1 + b;
        batch.provenance = Provenance{"bench", "severity corrected", "", ""};
        ConcernAmend amend;
        amend.id = concerns[(static_cast<std::size_t>(b) * 7919) % concerns.size()];
        amend.severity = 1 + b % 5;
        batch.add(amend);
        memory_apply.push_back(timed([&] { memory.apply(batch); }));
        store_apply.push_back(timed([&] { stored.apply(batch); }));
      }
    }
    save_case_file(*memory.graph(options.as_of, start), case_file);
    std::printf("items in the import: %zu; store %.1f MB, the caseload as a case file %.1f MB\n",
                memory.batch_trail(1).size(), megabytes(store), megabytes(case_file));
    print("import the caseload into a store (1 batch)", store_import, "s ", 1);
    print("  the same into a record in memory", memory_import, "s ", 1);
    std::printf("  ratio store/memory: wall x%.2f, cpu x%.2f\n",
                store_import.wall / memory_import.wall, store_import.cpu / memory_import.cpu);
    const Timing s = median(store_apply), m = median(memory_apply);
    print("apply one small batch to the store (median)", s, "ms", 1e3);
    print("  the same to a record in memory", m, "ms", 1e3);
    std::printf("  ratio store/memory: wall x%.2f, cpu x%.2f\n", s.wall / m.wall, s.cpu / m.cpu);

    // The commit alone: a one-version batch written to the 100,000-child store. A version of
    // the first fact, as a record would write an amendment of it.
    std::vector<Timing> commits;
    {
      detail::RecordStore raw(store, StoreOpen::must_exist);
      DiscardingLoader discard;
      raw.load(discard);
      const std::string first = memory.changes_since(0).front().fact;
      FactVersion version = memory.history(first).back();
      version.change = ChangeKind::amended;
      detail::Writer body;
      detail::write_version_body(body, version);
      std::uint64_t revision = memory.revision();
      for (int c = 0; c < std::max(batches, 5); ++c) {
        detail::BatchWrite write;
        write.revision = ++revision;
        write.recorded_at = start + 1000 + c;
        write.provenance = &loader;
        write.versions.push_back(detail::StoredVersion{0, false, {}, FactKind::person, body.out});
        write.changes.push_back(detail::StoredChange{0, 0, ChangeKind::amended});
        commits.push_back(timed([&] { raw.commit(write); }));
      }
    }
    print("  of which the commit (median, alone)", median(commits), "ms", 1e3);
  }

  std::vector<Timing> reopen, decode, from_case_file;
  std::uint64_t revision = 0;
  for (int r = 0; r < reopens; ++r) {
    Record stored;
    reopen.push_back(timed([&] { stored = Record::open(store, {}, StoreOpen::must_exist); }));
    revision = stored.revision();
    stored = Record();  // closing is not part of reopening
    decode.push_back(timed([&] {
      detail::RecordStore raw(store, StoreOpen::must_exist);
      DiscardingLoader discard;
      raw.load(discard);
    }));
    if (exists(case_file)) {
      from_case_file.push_back(timed([&] {
        std::ifstream in(case_file, std::ios::binary);
        const std::string text((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
        Record fresh;
        fresh.apply(to_record_batch(parse_case(text, case_file), start, loader));
      }));
    }
  }
  const Timing open = median(reopen);
  std::printf("reopen the store (median of %d), revision %llu, %.1f MB:\n", reopens,
              static_cast<unsigned long long>(revision), megabytes(store));
  print("  Record::open (target: 1 s)", open, "s ", 1);
  print("  of which reading and decoding the store", median(decode), "s ", 1);
  if (!from_case_file.empty()) {
    const Timing json = median(from_case_file);
    print("  reading the case file into a record instead", json, "s ", 1);
    std::printf("  ratio reopen/case file: wall x%.2f, cpu x%.2f\n", open.wall / json.wall,
                open.cpu / json.cpu);
  }
  std::remove(case_file.c_str());
  if (!keep) remove_store(store);
  return revision > 0 ? 0 : 1;
}
