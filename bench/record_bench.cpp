// The living record at scale: a generated caseload loaded into a Record, watched as of the
// caseload's date, then small batches (one new concern, one concern's severity amended, one
// factor ended) applied one at a time, each followed by reading the children it changed
// (Record::changed(): the incremental path). Against it, the full path a host without a watch
// takes: the same kind of batch applied, then every child assessed (the graph rebuilt from the
// record and scored whole); and the materialisation alone, which is what every Record::apply
// did before the record kept a live graph. Reports median and p90; see docs/record.md.
//
// usage: safeguard_record_bench [--children N] [--batches N] [--full-batches N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
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

// Processor time of this (single-threaded) program: what a batch costs whatever else the
// machine is doing, beside the wall-clock time a host waits.
double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<std::size_t>(p * values.size()))];
}

struct Caseload {
  std::vector<std::string> children, concerns, factors, agencies;
};

// One small batch: a new concern about a child, another concern's severity amended, a factor
// ended. Different entities each time (spread by a stride prime to the counts).
RecordBatch small_batch(const Caseload& c, int b, RecordTime at, Day as_of) {
  const auto pick = [b](const std::vector<std::string>& from, std::size_t stride) {
    return from[(static_cast<std::size_t>(b) * stride + 17) % from.size()];
  };
  RecordBatch batch;
  batch.recorded_at = at;
  batch.provenance = Provenance{"bench", "cms sync", "bench-cms", "ref-" + std::to_string(b)};
  ConcernSpec concern;
  concern.id = "C-BENCH-" + std::to_string(b);
  concern.category = "neglect";
  concern.severity = 1 + b % 5;
  concern.recorded = as_of - 3;
  concern.source = pick(c.agencies, 7);
  concern.about = {pick(c.children, 7919)};
  batch.add(concern);
  ConcernAmend amend;
  amend.id = pick(c.concerns, 104729);
  amend.severity = 1 + (b + 2) % 5;
  batch.add(amend);
  batch.add(EndFactor{pick(c.factors, 15485863), as_of});
  return batch;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t children = 100000;
  int batches = 200;
  int full_batches = 5;
  const char* usage =
      "usage: safeguard_record_bench [--children N] [--batches N] [--full-batches N]\n";
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    const auto is = [&](const char* name) { return std::strcmp(argv[i], name) == 0; };
    if (is("--help") || is("-h")) {
      std::fputs(usage, stdout);  // a mistyped option must not start a minutes-long run
      return 0;
    }
    if (has_value && is("--children")) {
      children = std::strtoull(argv[++i], nullptr, 10);
    } else if (has_value && is("--batches")) {
      batches = std::atoi(argv[++i]);
    } else if (has_value && is("--full-batches")) {
      full_batches = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "safeguard_record_bench: unknown or incomplete option '%s'\n%s", argv[i],
                   usage);
      return 2;
    }
  }
  const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
  CaseloadOptions options;
  options.children = children;
  Record record;
  RecordTime at = 1'790'000'000;
  Caseload caseload;
  const double load_start = now_seconds();
  generate_caseload(options, [&](Batch&& batch) {
    for (const auto& item : batch.items) {
      if (auto* c = std::get_if<ConcernSpec>(&item)) caseload.concerns.push_back(c->id);
      if (auto* f = std::get_if<FactorSpec>(&item)) caseload.factors.push_back(f->id);
      if (auto* a = std::get_if<AgencySpec>(&item)) caseload.agencies.push_back(a->id);
      if (auto* p = std::get_if<PersonSpec>(&item)) {
        if (p->kind == PersonKind::child) caseload.children.push_back(p->id);
      }
    }
    record.apply(to_record_batch(std::move(batch), at++, Provenance{"bench", "load", "", ""}));
  });
  const double load_seconds = now_seconds() - load_start;

  const double watch_start = now_seconds();
  const Results everyone = record.watch(rules, {options.as_of, 1});
  const double watch_seconds = now_seconds() - watch_start;

  // The incremental path: apply, then the changed children's results.
  std::vector<double> incremental_ms, incremental_cpu_ms;
  std::size_t rescored = 0;
  for (int b = 0; b < batches; ++b) {
    const RecordBatch batch = small_batch(caseload, b, at++, options.as_of);
    const double start = now_seconds();
    const double start_cpu = cpu_seconds();
    record.apply(batch);
    const Results changed = record.changed();
    incremental_ms.push_back((now_seconds() - start) * 1e3);
    incremental_cpu_ms.push_back((cpu_seconds() - start_cpu) * 1e3);
    rescored += changed.child_count();
    if (changed.child_count() == 0) return 1;  // the new concern's child, at least
  }

  // The full path: apply, then assess every child; and the materialisation alone.
  record.unwatch();
  std::vector<double> full_ms, full_cpu_ms, materialise_ms;
  for (int b = 0; b < full_batches; ++b) {
    const RecordTime recorded_at = at++;
    const RecordBatch batch = small_batch(caseload, batches + b, recorded_at, options.as_of);
    const double start = now_seconds();
    const double start_cpu = cpu_seconds();
    record.apply(batch);
    const Results results = record.assess(rules, {options.as_of});
    full_ms.push_back((now_seconds() - start) * 1e3);
    full_cpu_ms.push_back((cpu_seconds() - start_cpu) * 1e3);
    if (results.child_count() != everyone.child_count()) return 1;
    // A graph built afresh from every fact version (known just before this batch, so not the
    // cached one): what validating a batch cost before the record kept a live graph.
    const double built = now_seconds();
    if (record.graph(options.as_of, recorded_at - 1)->count() == 0) return 1;
    materialise_ms.push_back((now_seconds() - built) * 1e3);
  }

  const double incremental = percentile(incremental_ms, 0.5);
  const double full = percentile(full_ms, 0.5);
  std::printf("children %zu; %d incremental batches, %d full\n", children, batches, full_batches);
  std::printf("load (generated caseload into the record): %.2f s\n", load_seconds);
  std::printf("watch (live graph built, every child assessed): %.2f s\n", watch_seconds);
  std::printf(
      "apply one batch + changed children: median %.3f ms, p90 %.3f ms wall; median "
      "%.3f ms, p90 %.3f ms processor (%.1f children rescored per batch)\n",
      incremental, percentile(incremental_ms, 0.9), percentile(incremental_cpu_ms, 0.5),
      percentile(incremental_cpu_ms, 0.9), static_cast<double>(rescored) / std::max(batches, 1));
  std::printf(
      "apply one batch + full assessment: median %.1f ms, p90 %.1f ms wall; median %.1f "
      "ms processor\n",
      full, percentile(full_ms, 0.9), percentile(full_cpu_ms, 0.5));
  std::printf("materialising the record once (what each apply cost before): median %.1f ms\n",
              percentile(materialise_ms, 0.5));
  std::printf("full / incremental: %.0fx\n", incremental > 0 ? full / incremental : 0.0);
  return 0;
}
