// The living record at scale: a generated caseload loaded into a Record, then small batches
// (one concern's severity amended) applied one at a time, each followed by an assessment of the
// whole caseload as of the caseload's date (what a host must do today to learn which children
// changed). Reports medians; see docs/record.md for the figures and why they are what they are.
//
// usage: safeguard_record_bench [--children N] [--batches N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "safeguard/generate.hpp"
#include "safeguard/record.hpp"
#include "safeguard/rules.hpp"

using namespace safeguard;

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t children = 100000;
  int batches = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--children") == 0) children = std::strtoull(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--batches") == 0) batches = std::atoi(argv[i + 1]);
  }
  const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
  CaseloadOptions options;
  options.children = children;
  Record record;
  RecordTime at = 1'790'000'000;
  std::vector<std::string> concerns;
  const double load_start = now_seconds();
  generate_caseload(options, [&](Batch&& batch) {
    for (const auto& item : batch.items) {
      if (auto* c = std::get_if<ConcernSpec>(&item)) concerns.push_back(c->id);
    }
    record.apply(to_record_batch(std::move(batch), at++, Provenance{"bench", "load", "", ""}));
  });
  const double load_seconds = now_seconds() - load_start;

  std::vector<double> apply_ms, assess_ms;
  for (int b = 0; b < batches; ++b) {
    RecordBatch batch;
    batch.recorded_at = at++;
    batch.provenance = Provenance{"bench", "severity corrected", "", ""};
    ConcernAmend amend;
    amend.id = concerns[(static_cast<std::size_t>(b) * 7919) % concerns.size()];
    amend.severity = 1 + b % 5;
    batch.add(amend);
    const double start = now_seconds();
    record.apply(batch);
    const double applied = now_seconds();
    const Results results = record.assess(rules, {options.as_of});
    const double assessed = now_seconds();
    apply_ms.push_back((applied - start) * 1e3);
    assess_ms.push_back((assessed - applied) * 1e3);
    if (results.child_count() == 0) return 1;
  }
  std::printf("children %zu, batches %d\n", children, batches);
  std::printf("load (generated caseload into the record): %.2f s\n", load_seconds);
  std::printf("apply one batch: median %.1f ms\n", median(apply_ms));
  std::printf("assess after it (graph rebuilt + full assessment): median %.1f ms\n",
              median(assess_ms));
  return 0;
}
