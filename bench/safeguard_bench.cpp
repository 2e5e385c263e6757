// The C++ and C API benchmarks: batch assessment of a generated caseload with the default pack,
// incremental updates, a memory-bandwidth floor and peak memory (mode "cpp"), and the same
// batch through the public C API (mode "c"). Each run prints its figures with the issue's
// targets beside them and can write them as JSON for bench/report.py, which joins the runs
// (scaling, ratios, peers) into one table. bench/run.sh runs everything.
//
// Times are reported as CPU time of the assessing thread (what "on one core" means, and what
// survives a machine shared with other work) and as wall time.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <fstream>
#include <sstream>

#include "feed.h"
#include "safeguard/assess.hpp"
#include "safeguard/generate.hpp"
#include "safeguard/propagate.hpp"
#include "safeguard/timeline.hpp"

using namespace safeguard;

namespace {

struct Options {
  std::string mode = "cpp";
  std::size_t children = 1'000'000;
  std::uint64_t seed = 1;
  int repeat = 3;
  int updates = 1000;
  std::string json;
  std::string facts;    // mode "export": where to write the per-child facts for the peers
  std::string network;  // mode "network": where to write the propagation system for networkx
  std::string pack = SAFEGUARD_SOURCE_DIR "/rules/default.toml";
  std::string propagation = SAFEGUARD_SOURCE_DIR "/bench/propagation.toml";
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The pack with the benchmark's [propagation] section appended: "propagation included".
std::shared_ptr<const RuleSet> propagating_pack(const Options& options) {
  return RuleSet::load_string(read_text(options.pack) + "\n" + read_text(options.propagation),
                              options.pack + " + " + options.propagation);
}

double thread_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Timing {
  double cpu = 0;
  double wall = 0;
};

template <typename Work>
Timing time_once(Work&& work) {
  const double cpu = thread_cpu_seconds(), wall = wall_seconds();
  work();
  return {thread_cpu_seconds() - cpu, wall_seconds() - wall};
}

// The best of `repeat` runs: the run least disturbed by other work on the machine.
template <typename Work>
Timing best_of(int repeat, Work&& work) {
  Timing best{1e300, 1e300};
  for (int i = 0; i < repeat; ++i) {
    const Timing t = time_once(work);
    best.cpu = std::min(best.cpu, t.cpu);
    best.wall = std::min(best.wall, t.wall);
  }
  return best;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t at =
      std::min(values.size() - 1, static_cast<std::size_t>(std::ceil(p * values.size())) - 1);
  return values[at];
}

long peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss * 1024L;
}

// Figures in print order, and as JSON for report.py.
class Figures {
 public:
  void add(const std::string& key, double value, const std::string& shown,
           const std::string& target = "") {
    keys_.push_back(key);
    values_[key] = value;
    std::printf("  %-44s %18s   %s\n", key.c_str(), shown.c_str(),
                target.empty() ? "" : ("target " + target).c_str());
    std::fflush(stdout);
  }
  void write(const std::string& path) const {
    if (path.empty()) return;
    std::FILE* f = std::fopen(path.c_str(), "w");
    if (!f) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      std::exit(1);
    }
    std::fprintf(f, "{\n");
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      std::fprintf(f, "  \"%s\": %.9g%s\n", keys_[i].c_str(), values_.at(keys_[i]),
                   i + 1 < keys_.size() ? "," : "");
    }
    std::fprintf(f, "}\n");
    std::fclose(f);
  }

 private:
  std::vector<std::string> keys_;
  std::map<std::string, double> values_;
};

std::string fmt(const char* format, double value) {
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

// One streaming pass over every byte of the snapshot's columns: the least time any assessment
// that reads its input could take. 64-bit loads, summed so the compiler cannot drop them.
std::uint64_t stream_sum(const Snapshot& snap) {
  std::uint64_t sum = 0;
  auto column = [&](const auto& values) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(values.data());
    const std::size_t size = values.size() * sizeof(values[0]);
    std::size_t i = 0;
    for (; i + 8 <= size; i += 8) {
      std::uint64_t word;
      std::memcpy(&word, bytes + i, 8);
      sum += word;
    }
    for (; i < size; ++i) sum += bytes[i];
  };
  auto csr = [&](const auto& c) {
    column(c.offsets);
    column(c.items);
  };
  column(snap.person_kind);
  column(snap.person_dob);
  column(snap.person_household);
  csr(snap.person_flags);
  csr(snap.person_circle);
  csr(snap.person_concerns);
  csr(snap.person_involved_in);
  csr(snap.person_factors);
  column(snap.children);
  csr(snap.concern_about);
  csr(snap.concern_involves);
  column(snap.concern_category);
  column(snap.concern_severity);
  column(snap.concern_incident);
  column(snap.concern_recorded);
  column(snap.concern_status);
  column(snap.concern_source);
  column(snap.concern_restricted);
  column(snap.factor_kind);
  column(snap.factor_strength);
  column(snap.factor_start);
  column(snap.factor_end);
  column(snap.agency_type);
  column(snap.event_kind);
  column(snap.event_date);
  csr(snap.person_events);
  column(snap.override_direction);
  column(snap.override_date);
  csr(snap.person_overrides);
  return sum;
}

// A row in snapshot-independent terms, to check incremental rows against a full assessment.
bool same_row(const Results& a, std::size_t ra, const Results& b, std::size_t rb) {
  if (a.level(ra) != b.level(rb) || a.contribution_count(ra) != b.contribution_count(rb))
    return false;
  for (std::size_t i = 0; i < a.index_count(); ++i) {
    const double x = a.score(ra, i), y = b.score(rb, i);
    if (std::memcmp(&x, &y, sizeof x) != 0) return false;
  }
  for (std::size_t k = 0; k < a.contribution_count(ra); ++k) {
    const Contribution& x = a.contributions_begin(ra)[k];
    const Contribution& y = b.contributions_begin(rb)[k];
    if (x.rule != y.rule || std::memcmp(&x.value, &y.value, sizeof x.value) != 0 ||
        (x.evidence == kNoVertex) != (y.evidence == kNoVertex) ||
        (x.evidence != kNoVertex && a.snapshot().id(x.evidence) != b.snapshot().id(y.evidence))) {
      return false;
    }
  }
  return true;
}

int run_cpp(const Options& options) {
  Figures figures;
  std::printf("safeguard C++ benchmark: %zu children, seed %llu, default pack\n", options.children,
              static_cast<unsigned long long>(options.seed));
  const auto rules = RuleSet::load_file(options.pack);
  CaseloadOptions caseload;
  caseload.children = options.children;
  caseload.seed = options.seed;
  CaseGraph graph;
  CaseloadSummary summary;
  const Timing generate = time_once([&] { summary = generate_caseload(graph, caseload); });
  figures.add("children", static_cast<double>(summary.children), fmt("%.0f", summary.children));
  figures.add("concerns", static_cast<double>(summary.concerns), fmt("%.0f", summary.concerns));
  figures.add("factors", static_cast<double>(summary.factors), fmt("%.0f", summary.factors));
  figures.add("graph_vertices", static_cast<double>(graph.vertex_count()),
              fmt("%.0f", graph.vertex_count()));
  figures.add("graph_edges", static_cast<double>(graph.edge_count()),
              fmt("%.0f", graph.edge_count()));
  figures.add("generate_wall_s", generate.wall, fmt("%.2f s", generate.wall));

  std::shared_ptr<const Snapshot> snapshot;
  const Timing snap_time = time_once([&] { snapshot = take_snapshot(graph); });
  figures.add("snapshot_cpu_s", snap_time.cpu, fmt("%.3f s", snap_time.cpu));
  figures.add("snapshot_bytes", static_cast<double>(snapshot->byte_size()),
              fmt("%.1f MB", snapshot->byte_size() / 1e6));

  const AssessOptions one{caseload.as_of, 1};
  std::size_t rows = 0;
  std::vector<int> level_counts(rules->levels().size(), 0);
  const Timing batch = best_of(options.repeat, [&] {
    const Results results = assess(rules, snapshot, one);
    rows = results.child_count();
    std::fill(level_counts.begin(), level_counts.end(), 0);
    for (std::int32_t level : results.levels()) ++level_counts[level];
  });
  const double per_million = 1e6 / static_cast<double>(rows);
  figures.add("batch_cpu_s", batch.cpu, fmt("%.3f s", batch.cpu));
  figures.add("batch_wall_s", batch.wall, fmt("%.3f s", batch.wall));
  figures.add("batch_cpu_s_per_million", batch.cpu * per_million,
              fmt("%.3f s", batch.cpu * per_million), "<= 1.0 s (1,000,000 children, one core)");
  figures.add("batch_children_per_s", rows / batch.cpu, fmt("%.0f /s", rows / batch.cpu));
  for (std::size_t l = 0; l < level_counts.size(); ++l) {
    figures.add("level_" + rules->levels()[l].id, level_counts[l], fmt("%.0f", level_counts[l]));
  }
  const Timing two = best_of(options.repeat, [&] {
    const Results results = assess(rules, snapshot, {caseload.as_of, 2});
    rows = results.child_count();
  });
  figures.add("batch_2_threads_wall_s", two.wall, fmt("%.3f s", two.wall));

  // Propagation included: the same pack with bench/propagation.toml appended, so the
  // exploitation index also travels through peers, groups and places.
  if (!options.propagation.empty()) {
    const auto spreading = propagating_pack(options);
    PropagationReport report;
    const Timing spread = best_of(options.repeat, [&] {
      const Results results = assess(spreading, snapshot, one);
      report = results.propagation();
    });
    figures.add("batch_propagation_cpu_s", spread.cpu, fmt("%.3f s", spread.cpu));
    figures.add("batch_propagation_cpu_s_per_million", spread.cpu * per_million,
                fmt("%.3f s", spread.cpu * per_million), "<= 1.0 s (1,000,000 children, one core)");
    figures.add("batch_propagation_wall_s", spread.wall, fmt("%.3f s", spread.wall));
    figures.add("propagation_iterations", report.iterations, fmt("%.0f", report.iterations));
  }

  // The floor: one streaming pass over the snapshot's bytes.
  std::uint64_t checksum = 0;
  const Timing floor = best_of(5, [&] { checksum += stream_sum(*snapshot); });
  figures.add("floor_s", floor.cpu, fmt("%.4f s", floor.cpu));
  figures.add("floor_gb_per_s", snapshot->byte_size() / floor.cpu / 1e9,
              fmt("%.1f GB/s", snapshot->byte_size() / floor.cpu / 1e9));
  figures.add("batch_over_floor", batch.cpu / floor.cpu, fmt("%.1fx", batch.cpu / floor.cpu),
              "<= 5x");
  if (checksum == 42) std::printf("(checksum)\n");

  // Incremental: one new concern at a time about a random child, rescoring only the children
  // it can reach.
  if (options.updates > 0) {
    std::vector<std::string> child_ids;
    child_ids.reserve(snapshot->children.size());
    for (std::uint32_t c : snapshot->children)
      child_ids.emplace_back(snapshot->id(snapshot->person_vertex[c]));
    const char* categories[] = {"domestic_abuse",  "physical_injury",    "school_attendance",
                                "missing_episode", "substance_misuse",   "emotional_abuse",
                                "cse_indicator",   "housing_instability"};
    const char* sources[] = {"AG-POL-01", "AG-SCH-01", "AG-HLT-01", "AG-CSC-01", "AG-HSG-01"};
    Reassessor reassessor(rules, one);
    std::vector<double> wall_us, cpu_us;
    std::size_t rescored = 0;
    std::uint64_t state = options.seed * 7919 + 17;
    auto next = [&](std::uint64_t bound) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      return (state >> 33) % bound;
    };
    // An edit batch with one new concern about a random child.
    auto new_concern = [&](std::string id) {
      ConcernSpec concern;
      concern.id = std::move(id);
      concern.category = categories[next(8)];
      concern.severity = 1 + static_cast<int>(next(5));
      concern.recorded = caseload.as_of - static_cast<Day>(next(30));
      concern.source = sources[next(5)];
      concern.about = {child_ids[next(child_ids.size())]};
      Batch batch;
      batch.add(std::move(concern));
      return batch;
    };
    Results last;
    for (int i = 0; i < options.updates; ++i) {
      const Batch batch_edit = new_concern("C-INC-" + std::to_string(i));
      const Timing t = time_once([&] { last = reassessor.apply(graph, batch_edit); });
      wall_us.push_back(t.wall * 1e6);
      cpu_us.push_back(t.cpu * 1e6);
      rescored += last.child_count();
    }
    figures.add("incremental_updates", options.updates, fmt("%.0f", options.updates));
    figures.add("incremental_children_rescored_mean",
                static_cast<double>(rescored) / options.updates,
                fmt("%.1f", static_cast<double>(rescored) / options.updates));
    figures.add("incremental_median_us", percentile(wall_us, 0.5),
                fmt("%.1f us", percentile(wall_us, 0.5)), "<= 20 us");
    figures.add("incremental_p99_us", percentile(wall_us, 0.99),
                fmt("%.1f us", percentile(wall_us, 0.99)), "<= 200 us");
    figures.add("incremental_cpu_median_us", percentile(cpu_us, 0.5),
                fmt("%.1f us", percentile(cpu_us, 0.5)));
    figures.add("incremental_cpu_p99_us", percentile(cpu_us, 0.99),
                fmt("%.1f us", percentile(cpu_us, 0.99)));
    // The workload's peak: the graph, its snapshot, and the largest results held so far
    // (the batch with propagation included). The check below is the benchmark's own work.
    figures.add("peak_rss_workload_bytes", static_cast<double>(peak_rss_bytes()),
                fmt("%.2f GB", peak_rss_bytes() / 1e9), "<= 3 GB (1,000,000 children)");
    // The last update's rows against a full re-assessment of the edited graph (the batch
    // snapshot is let go first: the peak should not count two full snapshots).
    snapshot.reset();
    const Results full = assess(rules, take_snapshot(graph), one);
    bool identical = last.child_count() > 0;
    for (std::size_t row = 0; row < last.child_count(); ++row) {
      const long at = full.find_child(last.child_id(row));
      identical = identical && at >= 0 && same_row(last, row, full, static_cast<std::size_t>(at));
    }
    figures.add("incremental_matches_full", identical ? 1 : 0, identical ? "yes" : "NO",
                "identical rows");
    if (!identical) return 1;
    // Where an update's time goes: the same kind of update taken apart into the first steps
    // Reassessor::apply takes (finding the children reached before and after, applying the
    // batch, the partial snapshot of their families), each timed on its own; the rest of an
    // update is scoring those children and building their results.
    {
      const int probes = std::min(options.updates, 500);
      RecordIndex records;
      records.catch_up(graph);
      std::vector<double> reach_us, apply_us, snapshot_us;
      for (int i = 0; i < probes; ++i) {
        const Batch batch_edit = new_concern("C-PROBE-" + std::to_string(i));
        std::vector<VertexIndex> children;
        Timing t = time_once(
            [&] { children = children_reached_by(graph, persons_touched(graph, batch_edit)); });
        const Timing applied = time_once([&] { graph.apply(batch_edit); });
        const Timing after = time_once([&] {
          const auto now = children_reached_by(graph, persons_touched(graph, batch_edit));
          children.insert(children.end(), now.begin(), now.end());
        });
        // As Reassessor does: catch the record index up, then take the partial snapshot.
        const Timing snapped = time_once([&] {
          records.catch_up(graph);
          (void)take_snapshot(graph, children, &records);
        });
        reach_us.push_back((t.cpu + after.cpu) * 1e6);
        apply_us.push_back(applied.cpu * 1e6);
        snapshot_us.push_back(snapped.cpu * 1e6);
      }
      figures.add("incremental_step_reach_cpu_median_us", percentile(reach_us, 0.5),
                  fmt("%.1f us", percentile(reach_us, 0.5)));
      figures.add("incremental_step_apply_cpu_median_us", percentile(apply_us, 0.5),
                  fmt("%.1f us", percentile(apply_us, 0.5)));
      figures.add("incremental_step_snapshot_cpu_median_us", percentile(snapshot_us, 0.5),
                  fmt("%.1f us", percentile(snapshot_us, 0.5)));
    }
  }
  figures.add("peak_rss_bytes", static_cast<double>(peak_rss_bytes()),
              fmt("%.2f GB", peak_rss_bytes() / 1e9));
  figures.write(options.json);
  return 0;
}

// JSON string escaping for the ids and names the generator makes (ASCII, no quotes), kept
// strict anyway.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Mode "export": the caseload as per-child fact documents for the peers in bench/peers/, with
// this library's level and total for each child to check them against. A fact document holds
// what a rule engine is given about one child: age, flags, the statutory timeline's two flags
// the pack reads, the latest discretionary override, and every visible concern and factor that
// reaches the child with the paths (roles) it arrives by. The peers then evaluate the pack.
int run_export(const Options& options) {
  const auto rules = RuleSet::load_file(options.pack);
  CaseloadOptions caseload;
  caseload.children = options.children;
  caseload.seed = options.seed;
  CaseGraph graph;
  generate_caseload(graph, caseload);
  const auto snap = take_snapshot(graph);
  const Day as_of = caseload.as_of;
  const Results results = assess(rules, snap, {as_of, 1});
  std::FILE* out = std::fopen(options.facts.c_str(), "w");
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", options.facts.c_str());
    return 1;
  }
  auto roles_json = [](RoleMask roles) {
    std::string text = "[";
    for (int r = 0; r < kRoleCount; ++r) {
      if (!(roles & (1u << r))) continue;
      if (text.size() > 1) text += ",";
      text += quoted(to_string(static_cast<Role>(r)));
    }
    return text + "]";
  };
  std::fprintf(out, "{\"as_of\": %s, \"children\": [\n", quoted(format_iso_date(as_of)).c_str());
  std::vector<Step> steps;
  std::vector<TimelineIssue> issues;
  for (std::size_t row = 0; row < results.child_count(); ++row) {
    const std::uint32_t child = snap->children[row];
    std::string doc = "{\"id\": " + quoted(results.child_id(row));
    doc += ", \"level\": " + std::to_string(results.level(row));
    doc += ", \"total\": " + fmt("%.17g", results.total(row));
    const Day dob = snap->person_dob[child];
    doc +=
        ", \"age\": " + (dob == kNoDay || dob > as_of ? std::string("null")
                                                      : std::to_string(age_in_years(dob, as_of)));
    doc += ", \"flags\": [";
    for (const Symbol* f = snap->person_flags.begin(child); f != snap->person_flags.end(child);
         ++f) {
      doc += (f == snap->person_flags.begin(child) ? "" : ",") + quoted(snap->symbol(*f));
    }
    const TimelineSummary timeline =
        build_timeline(*snap, child, rules->timescales(), *snap->calendar, as_of, steps, issues);
    doc += std::string("], \"on_plan\": ") + (timeline.on_plan ? "true" : "false");
    doc += std::string(", \"review_overdue\": ") + (timeline.review_overdue ? "true" : "false");
    std::string judgement = "null";
    for (const std::uint32_t* o = snap->person_overrides.begin(child);
         o != snap->person_overrides.end(child); ++o) {
      if (snap->override_date[*o] <= as_of)
        judgement = quoted(to_string(snap->override_direction[*o]));
    }
    doc += ", \"discretionary\": " + judgement + ", \"concerns\": [";
    bool first = true;
    for_each_circle_concern(*snap, child, [&](std::uint32_t c, RoleMask roles) {
      if (!expr::concern_visible(*snap, c, as_of)) return;
      doc += first ? "" : ",";
      first = false;
      doc += "{\"category\": " + quoted(snap->symbol(snap->concern_category[c]));
      doc += ", \"severity\": " + std::to_string(snap->concern_severity[c]);
      doc += ", \"status\": " + quoted(to_string(snap->concern_status[c]));
      doc += ", \"agency\": " + quoted(snap->id(snap->agency_vertex[snap->concern_source[c]]));
      doc += ", \"age_days\": " + std::to_string(as_of - snap->concern_date(c));
      doc += ", \"roles\": " + roles_json(roles) + "}";
    });
    doc += "], \"factors\": [";
    std::map<std::uint32_t, RoleMask> factors;
    for (const CircleMember* m = snap->person_circle.begin(child);
         m != snap->person_circle.end(child); ++m) {
      for (const std::uint32_t* f = snap->person_factors.begin(m->person);
           f != snap->person_factors.end(m->person); ++f) {
        if (expr::factor_visible(*snap, *f, as_of)) factors[*f] |= m->roles;
      }
    }
    first = true;
    for (const auto& [f, roles] : factors) {
      const Day end = snap->factor_end[f];
      doc += first ? "" : ",";
      first = false;
      doc += "{\"kind\": " + quoted(snap->symbol(snap->factor_kind[f]));
      doc += ", \"strength\": " + std::to_string(snap->factor_strength[f]);
      doc += std::string(", \"active\": ") + (end == kNoDay || end >= as_of ? "true" : "false");
      doc += ", \"roles\": " + roles_json(roles) + "}";
    }
    doc += "]}";
    std::fprintf(out, "%s%s\n", doc.c_str(), row + 1 < results.child_count() ? "," : "");
  }
  std::fprintf(out, "]}\n");
  std::fclose(out);
  std::printf("wrote facts for %zu children to %s\n", results.child_count(), options.facts.c_str());
  return 0;
}

// Mode "network": the propagation step on its own, for the networkx peer. The caseload is
// assessed with the propagating pack to get every network node's own score s on its first
// propagating index (exploitation, with bench/propagation.toml); then W is built and r = s + alpha
// W r solved without the association cap, which is exactly Katz centrality with beta = s (best of
// `repeat`). The system and our solution go to `options.network` as text: a header, s, the edges of
// W and r.
int run_network(const Options& options) {
  Figures figures;
  const auto rules = propagating_pack(options);
  const PropagationSettings& settings = rules->propagation();
  CaseloadOptions caseload;
  caseload.children = options.children;
  caseload.seed = options.seed;
  CaseGraph graph;
  generate_caseload(graph, caseload);
  const auto snap = take_snapshot(graph);
  const Results results = assess(rules, snap, {caseload.as_of, 1});
  if (results.propagating_count() == 0)
    throw std::runtime_error("the pack with " + options.propagation + " does not propagate");
  const std::size_t nodes = snap->node_vertex.size();
  Eigen::VectorXd s(static_cast<Eigen::Index>(nodes));
  for (std::size_t node = 0; node < nodes; ++node)
    s[static_cast<Eigen::Index>(node)] = std::max(0.0, results.node_own_score(node, 0));
  // networkx's katz_centrality stops on a sum of absolute changes; ours on the largest change
  // relative to the largest score. Both are run far past the 1e-9 the comparison needs.
  const SolveOptions solve{settings.alpha, 1e-14, 100000};
  Eigen::VectorXd r, work;
  SolveReport report;
  std::size_t links = 0;
  const Timing step = best_of(options.repeat, [&] {
    const Network network(*snap, settings);
    links = static_cast<std::size_t>(network.weights().nonZeros());
    report = solve_propagation(network.weights(), s, nullptr, solve, r, work);
  });
  if (!report.converged) throw std::runtime_error("the propagation solve did not converge");
  figures.add("network_children", static_cast<double>(results.child_count()),
              fmt("%.0f", results.child_count()));
  figures.add("network_nodes", static_cast<double>(nodes), fmt("%.0f", nodes));
  figures.add("network_links", static_cast<double>(links), fmt("%.0f", links));
  figures.add("network_iterations", report.iterations, fmt("%.0f", report.iterations));
  figures.add("network_cpu_s", step.cpu, fmt("%.4f s", step.cpu));
  figures.add("network_wall_s", step.wall, fmt("%.4f s", step.wall));

  std::FILE* out = std::fopen(options.network.c_str(), "w");
  if (!out) throw std::runtime_error("cannot write " + options.network);
  const Network network(*snap, settings);
  const SparseRowMatrix& w = network.weights();
  std::fprintf(out, "nodes %zu edges %lld alpha %.17g\n", nodes,
               static_cast<long long>(w.nonZeros()), settings.alpha);
  for (std::size_t node = 0; node < nodes; ++node)
    std::fprintf(out, "%.17g\n", s[static_cast<Eigen::Index>(node)]);
  // Row i of W is what node i takes from each neighbour j: the edge j -> i for networkx.
  for (Eigen::Index i = 0; i < w.outerSize(); ++i) {
    for (SparseRowMatrix::InnerIterator it(w, i); it; ++it)
      std::fprintf(out, "%lld %lld %.17g\n", static_cast<long long>(it.col()),
                   static_cast<long long>(i), it.value());
  }
  for (std::size_t node = 0; node < nodes; ++node)
    std::fprintf(out, "%.17g\n", r[static_cast<Eigen::Index>(node)]);
  std::fclose(out);
  std::printf("wrote the propagation system (%zu nodes) to %s\n", nodes, options.network.c_str());
  figures.write(options.json);
  return 0;
}

int check(int status, const char* what) {
  if (status != SG_OK) {
    std::fprintf(stderr, "%s: %s\n", what, sg_error_last());
    std::exit(1);
  }
  return status;
}

int run_c(const Options& options) {
  Figures figures;
  std::printf("safeguard C API benchmark: %zu children, seed %llu, default pack\n",
              options.children, static_cast<unsigned long long>(options.seed));
  sg_graph* graph = nullptr;
  sg_rules* rules = nullptr;
  check(sg_graph_new(&graph), "sg_graph_new");
  check(sg_rules_load_file(&rules, options.pack.c_str()), "sg_rules_load_file");
  std::size_t children = 0;
  const Timing feed = time_once([&] {
    check(sgbench_feed_caseload(graph, options.children, options.seed, &children), "feed");
  });
  figures.add("children", static_cast<double>(children), fmt("%.0f", children));
  figures.add("feed_wall_s", feed.wall, fmt("%.2f s", feed.wall));
  sg_assess_options assess_options = SG_ASSESS_OPTIONS_INIT;
  assess_options.as_of = sgbench_as_of();
  assess_options.threads = 1;
  // The first call takes the graph's snapshot, which the graph then keeps; time the calls
  // after it, as the C++ benchmark times assess() on a snapshot already taken.
  sg_result* result = nullptr;
  const Timing first =
      time_once([&] { check(sg_assess(&result, graph, rules, &assess_options), "sg_assess"); });
  sg_result_free(result);
  figures.add("c_first_call_cpu_s", first.cpu, fmt("%.3f s", first.cpu));
  double checksum = 0;
  const Timing batch = best_of(options.repeat, [&] {
    sg_result* r = nullptr;
    check(sg_assess(&r, graph, rules, &assess_options), "sg_assess");
    const int* levels = nullptr;
    std::size_t rows = 0;
    check(sg_result_levels(&levels, &rows, r), "sg_result_levels");
    for (std::size_t i = 0; i < rows; ++i) checksum += levels[i];
    sg_result_free(r);
  });
  figures.add("c_batch_cpu_s", batch.cpu, fmt("%.3f s", batch.cpu));
  figures.add("c_batch_wall_s", batch.wall, fmt("%.3f s", batch.wall));
  figures.add("c_level_sum", checksum / options.repeat, fmt("%.0f", checksum / options.repeat));
  figures.add("peak_rss_bytes", static_cast<double>(peak_rss_bytes()),
              fmt("%.2f GB", peak_rss_bytes() / 1e9));
  sg_rules_free(rules);
  sg_graph_free(graph);
  figures.write(options.json);
  return 0;
}

void usage() {
  std::fprintf(
      stderr,
      "usage: safeguard_bench [--mode cpp|c|export|network] [--children N] [--seed S]\n"
      "                       [--repeat R] [--updates K] [--pack FILE] [--propagation FILE]\n"
      "                       [--json FILE] [--facts FILE] [--network FILE]\n"
      "  --propagation FILE  [propagation] section appended to the pack for the\n"
      "                      propagation-included figures (default bench/propagation.toml;\n"
      "                      \"\" skips them)\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (arg == "--mode") {
      options.mode = value();
    } else if (arg == "--children") {
      options.children = std::strtoull(value().c_str(), nullptr, 10);
    } else if (arg == "--seed") {
      options.seed = std::strtoull(value().c_str(), nullptr, 10);
    } else if (arg == "--repeat") {
      options.repeat = std::max(1, std::atoi(value().c_str()));
    } else if (arg == "--updates") {
      options.updates = std::max(0, std::atoi(value().c_str()));
    } else if (arg == "--pack") {
      options.pack = value();
    } else if (arg == "--json") {
      options.json = value();
    } else if (arg == "--facts") {
      options.facts = value();
    } else if (arg == "--network") {
      options.network = value();
    } else if (arg == "--propagation") {
      options.propagation = value();
    } else {
      usage();
    }
  }
  if (options.children == 0) usage();
  try {
    if (options.mode == "cpp") return run_cpp(options);
    if (options.mode == "c") return run_c(options);
    if (options.mode == "export" && !options.facts.empty()) return run_export(options);
    if (options.mode == "network" && !options.network.empty()) return run_network(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  usage();
}
