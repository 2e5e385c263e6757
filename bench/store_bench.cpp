// The record's durable store at scale (docs/record.md, "The store"): a generated caseload
// imported into a store as one batch, small batches committed one at a time, and the store
// reopened. Each figure is shown beside the same work on a record in memory (for reopening,
// beside reading the caseload's case file, as of the import, into a record in memory: what a
// host without a store would do, keeping no history), as a ratio.
//
// usage: safeguard_store_bench [--children N] [--batches N] [--reopens N] [--dir DIR]
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "safeguard/generate.hpp"
#include "safeguard/io.hpp"
#include "safeguard/record.hpp"

using namespace safeguard;

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

double megabytes(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0 ? static_cast<double>(info.st_size) / 1e6 : 0;
}

void remove_store(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::remove((path + suffix).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t children = 100000;
  int batches = 20;
  int reopens = 3;
  std::string dir = ".";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--children") == 0) children = std::strtoull(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--batches") == 0) batches = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--reopens") == 0) reopens = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
  }
  const std::string store = dir + "/safeguard-store-bench.store";
  const std::string case_file = dir + "/safeguard-store-bench.json";
  remove_store(store);

  // The caseload as one batch, as `safeguard store import` takes a case file.
  CaseloadOptions options;
  options.children = children;
  options.children_per_batch = children;
  Batch caseload;
  generate_caseload(options, [&](Batch&& batch) {
    for (auto& item : batch.items) caseload.items.push_back(std::move(item));
  });
  std::vector<std::string> concerns;
  for (const auto& item : caseload.items) {
    if (auto* c = std::get_if<ConcernSpec>(&item)) concerns.push_back(c->id);
  }
  const RecordTime start = 1'790'000'000;
  const Provenance loader{"bench", "import", "generator", ""};

  Record memory;
  const double memory_import_start = now_seconds();
  memory.apply(to_record_batch(caseload, start, loader));
  const double memory_import = now_seconds() - memory_import_start;

  double store_import = 0;
  std::vector<double> memory_ms, store_ms;
  {
    Record stored = Record::open(store);
    const double t0 = now_seconds();
    stored.apply(to_record_batch(caseload, start, loader));
    store_import = now_seconds() - t0;
    caseload = Batch();
    for (int b = 0; b < batches; ++b) {
      RecordBatch batch;
      batch.recorded_at = start + 1 + b;
      batch.provenance = Provenance{"bench", "severity corrected", "", ""};
      ConcernAmend amend;
      amend.id = concerns[(static_cast<std::size_t>(b) * 7919) % concerns.size()];
      amend.severity = 1 + b % 5;
      batch.add(amend);
      const double t1 = now_seconds();
      memory.apply(batch);
      const double t2 = now_seconds();
      stored.apply(batch);
      const double t3 = now_seconds();
      memory_ms.push_back((t2 - t1) * 1e3);
      store_ms.push_back((t3 - t2) * 1e3);
    }
  }

  // Reopening, beside reading the same caseload from its case file into a record.
  save_case_file(*memory.graph(options.as_of, start), case_file);
  std::vector<double> reopen_s, case_file_s;
  std::uint64_t revision = 0;
  for (int r = 0; r < reopens; ++r) {
    const double t0 = now_seconds();
    {
      Record stored = Record::open(store, {}, StoreOpen::must_exist);
      revision = stored.revision();
      reopen_s.push_back(now_seconds() - t0);
    }
    const double t1 = now_seconds();
    {
      std::ifstream in(case_file, std::ios::binary);
      const std::string text((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
      Record fresh;
      fresh.apply(to_record_batch(parse_case(text, case_file), start, loader));
      case_file_s.push_back(now_seconds() - t1);
    }
  }
  const double case_file_mb = megabytes(case_file);
  std::remove(case_file.c_str());

  const double apply_memory = median(memory_ms), apply_store = median(store_ms);
  const double reopen = median(reopen_s), from_case_file = median(case_file_s);
  std::printf(
      "safeguard store benchmark: %zu children, %zu facts' versions in revision 1, %d "
      "small batches, %d reopens\n",
      children, memory.changes_since(0).size() - static_cast<std::size_t>(batches), batches,
      reopens);
  std::printf("store: %s, %.1f MB (the caseload as a case file: %.1f MB)\n", store.c_str(),
              megabytes(store), case_file_mb);
  std::printf("import the caseload (one batch):    store %.2f s, memory %.2f s  (x%.2f)\n",
              store_import, memory_import, store_import / memory_import);
  std::printf(
      "apply one small batch (median):     store %.1f ms, memory %.1f ms  (x%.2f; the "
      "commit %.1f ms)\n",
      apply_store, apply_memory, apply_store / apply_memory, apply_store - apply_memory);
  std::printf("reopen the store (median):          %.2f s at revision %llu (target <= 1 s)\n",
              reopen, static_cast<unsigned long long>(revision));
  std::printf("read the case file into a record:   %.2f s  (reopen is x%.2f of it)\n",
              from_case_file, reopen / from_case_file);
  remove_store(store);
  return revision == static_cast<std::uint64_t>(batches) + 1 ? 0 : 1;
}
