// Concurrency, following the thread rules in include/safeguard.h: a rule pack, a snapshot and a
// result are immutable and shared by any number of threads; a graph is read by many threads at
// once or edited by one, never both. Readers assess a shared pack and shared snapshots (C++)
// and a shared graph (C API) while a writer edits its own copy and publishes new snapshots.
// Every result must equal a single-threaded reference computed beforehand, and readers of old
// snapshots must see no trace of later edits. Built as its own small executable so the
// ThreadSanitizer run in scripts/sanitize.sh does not have to instrument the whole suite.
#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "record_store.hpp"
#include "safeguard.h"
#include "safeguard/generate.hpp"
#include "safeguard/io.hpp"
#include "store_support.hpp"

using namespace safeguard;

// ---- Holding a call open -------------------------------------------------------------------
// The misuse tests need one thread inside a call on a graph while another calls in, every time,
// with no sleeps. A call allocates as it goes, so this binary's operator new is the hook: on a
// thread marked as the holder, each allocation hands the turn to the intruder thread, which
// makes one call of its own and reports its status, and only then does the holder go on. The
// intruder so calls in at every allocation point of the holder's call, serialised with it (no
// race for TSan to find in the test itself), until it is refused with SG_E_MISUSE.
//
// ThreadSanitizer's runtime defines operator new and delete itself, so under TSan the hook is
// left out and the two held-open tests are skipped; the free-running test below is the one TSan
// needs, and the plain and ASan builds run all three.
#if defined(__SANITIZE_THREAD__)
#define SG_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SG_TEST_TSAN 1
#endif
#endif
#ifndef SG_TEST_TSAN
#define SG_TEST_TSAN 0
#endif

namespace {

constexpr bool kHeldOpen = !SG_TEST_TSAN;  // whether operator new is this binary's hook

class Rendezvous {
 public:
  // On the holder's thread, at each allocation: let the intruder call in once.
  void holder_turn() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (stop_) return;
    intruder_turn_ = true;
    turned_.notify_all();
    turned_.wait(lock, [this] { return !intruder_turn_; });
  }
  // On the holder's thread when its call has returned.
  void holder_done() {
    std::lock_guard<std::mutex> lock(mutex_);
    holder_done_ = true;
    turned_.notify_all();
  }
  // On the intruder's thread: calls `intrude` at each of the holder's turns until it returns
  // SG_E_MISUSE (then lets the holder finish undisturbed) or the holder's call returns. Returns
  // the last status.
  template <typename Intrude>
  int intrude_until_refused(Intrude&& intrude) {
    int status = SG_OK;
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      turned_.wait(lock, [this] { return intruder_turn_ || holder_done_; });
      if (!intruder_turn_) return status;
      status = intrude();
      if (status == SG_E_MISUSE) stop_ = true;
      intruder_turn_ = false;
      turned_.notify_all();
      if (stop_) return status;
    }
  }

 private:
  std::mutex mutex_;
  std::condition_variable turned_;
  bool intruder_turn_ = false;
  bool holder_done_ = false;
  bool stop_ = false;
};

std::atomic<Rendezvous*> rendezvous{nullptr};
thread_local bool t_holder = false;  // this thread's allocations hand the turn over

void* allocate(std::size_t size) {
  if (t_holder) {
    if (Rendezvous* r = rendezvous.load()) {
      t_holder = false;  // the hand-over itself must not hand over
      r->holder_turn();
      t_holder = true;
    }
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

}  // namespace

#if !SG_TEST_TSAN
void* operator new(std::size_t size) { return allocate(size); }
void* operator new[](std::size_t size) { return allocate(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
// The nothrow forms too (std::stable_sort's temporary buffer uses them): left to the runtime,
// they allocate where this file's delete does not free, which AddressSanitizer reports.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return allocate(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
  return operator new(size, tag);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
#endif

#ifndef SAFEGUARD_SOURCE_DIR
#define SAFEGUARD_SOURCE_DIR "."
#endif

namespace {

const char* kExample = SAFEGUARD_SOURCE_DIR "/examples/data/families.json";
const char* kRules = SAFEGUARD_SOURCE_DIR "/rules/default.toml";
constexpr int kBatches = 12;
constexpr int kReaders = 4;

Day day(const char* text) {
  Day out = kNoDay;
  std::string error;
  REQUIRE(parse_iso_date(text, out, error));
  return out;
}

// The k-th edit the writer makes: new concerns about the example's children from different
// agencies, then a correction and a retraction, so scores and levels move from batch to batch.
Batch edit(int k) {
  static const char* const categories[] = {"school_attendance", "physical_injury", "domestic_abuse",
                                           "missing_episode", "substance_misuse"};
  static const char* const agencies[] = {"AG-SCH-01", "AG-GP-01", "AG-POL-01", "AG-HSG-01"};
  static const char* const children[] = {"P-ASH-C1", "P-ASH-C2", "P-BIR-C1"};
  Batch batch;
  ConcernSpec c;
  c.id = "C-TS-" + std::to_string(k);
  c.category = categories[k % 5];
  c.severity = 1 + k % 5;
  c.recorded = day("2026-09-01") + 3 * k;
  c.source = agencies[k % 4];
  c.restricted = k % 3 == 0;
  c.about = {children[k % 3]};
  batch.add(c);
  if (k == 5) batch.add(RetractConcern{"C-TS-1"});
  if (k == 8) {
    ConcernSpec amended = c;
    amended.id = "C-TS-2";
    amended.severity = 5;
    amended.about = {"P-BIR-C1"};
    batch.add(AmendConcern{amended});
  }
  return batch;
}

// Everything a result says, as bytes: scores, levels and every child's JSON explanation.
std::string fingerprint(const Results& results) {
  std::string out(reinterpret_cast<const char*>(results.scores().data()),
                  results.scores().size() * sizeof(double));
  for (std::size_t row = 0; row < results.child_count(); ++row) {
    out += std::to_string(results.level(row));
    out += explain(results, row, ExplainFormat::json);
  }
  return out;
}

// The same through the C API (explanations only: they carry every score and contribution).
std::string c_fingerprint(const sg_result* result) {
  std::size_t children = 0;
  REQUIRE(sg_result_child_count(&children, result) == SG_OK);
  std::string out;
  sg_explain_options options = SG_EXPLAIN_OPTIONS_INIT;
  options.format = SG_FORMAT_JSON;
  for (std::size_t row = 0; row < children; ++row) {
    char* text = nullptr;
    if (sg_result_explain(&text, nullptr, result, row, &options) != SG_OK) return "error";
    out += text;
    sg_buffer_free(text);
  }
  return out;
}

template <typename T>
void append_bytes(std::string& out, const T* first, std::size_t count) {
  out.append(reinterpret_cast<const char*>(first), count * sizeof(T));
}

// Every number and id of a result as raw bytes (cheaper than rendering for big caseloads),
// plus the explanation of every 50th child.
std::string result_bytes(const Results& results) {
  std::string out;
  append_bytes(out, results.scores().data(), results.scores().size());
  append_bytes(out, results.totals().data(), results.totals().size());
  append_bytes(out, results.levels().data(), results.levels().size());
  for (std::size_t row = 0; row < results.child_count(); ++row) {
    for (const Contribution* c = results.contributions_begin(row);
         c != results.contributions_end(row); ++c) {
      const std::uint32_t ids[] = {c->rule, c->evidence, c->via,
                                   static_cast<std::uint32_t>(c->path)};
      const double numbers[] = {c->raw, c->decay, c->reach, c->cap_factor, c->value};
      append_bytes(out, ids, 4);
      append_bytes(out, numbers, 5);
    }
    append_bytes(
        out, results.overrides_begin(row),
        static_cast<std::size_t>(results.overrides_end(row) - results.overrides_begin(row)));
    out += results.immediate_safety(row) ? '!' : '.';
    if (row % 50 == 0) out += explain(results, row, ExplainFormat::text);
  }
  return out;
}

std::string explanations(const Results& results) {
  std::string out;
  for (std::size_t row = 0; row < results.child_count(); ++row)
    out += explain(results, row, ExplainFormat::json);
  return out;
}

struct Reference {
  std::shared_ptr<const RuleSet> rules = RuleSet::load_file(kRules);
  Day as_of = day("2026-11-01");
  std::vector<std::string> fingerprints;  // after 0..kBatches edits
  std::vector<std::string> explained;

  Reference() {
    CaseGraph graph;
    load_case_file(graph, kExample);
    for (int k = 0; k <= kBatches; ++k) {
      if (k > 0) graph.apply(edit(k - 1));
      const Results results = assess(rules, take_snapshot(graph), {as_of, 1});
      fingerprints.push_back(fingerprint(results));
      explained.push_back(explanations(results));
    }
    for (int k = 1; k <= kBatches; ++k) REQUIRE(fingerprints[k] != fingerprints[k - 1]);
  }
};

}  // namespace

TEST_SUITE("system/concurrency") {
  TEST_CASE("readers of shared snapshots see exactly their version while a writer publishes") {
    const Reference reference;

    CaseGraph writer_graph;
    load_case_file(writer_graph, kExample);
    const std::shared_ptr<const Snapshot> first = take_snapshot(writer_graph);

    std::mutex published_mutex;
    std::shared_ptr<const Snapshot> published = first;
    int published_version = 0;
    std::atomic<bool> done{false};
    std::atomic<int> mismatches{0}, old_mismatches{0}, assessments{0};

    std::thread writer([&] {
      for (int k = 1; k <= kBatches; ++k) {
        writer_graph.apply(edit(k - 1));  // only this thread touches writer_graph
        std::shared_ptr<const Snapshot> next = take_snapshot(writer_graph);
        std::lock_guard<std::mutex> lock(published_mutex);
        published = std::move(next);
        published_version = k;
      }
      done = true;
    });

    std::vector<std::thread> readers;
    for (int t = 0; t < kReaders; ++t) {
      readers.emplace_back([&, t] {
        int rounds = 0;
        while (!done || rounds < 3) {
          std::shared_ptr<const Snapshot> snapshot;
          int version = 0;
          {
            std::lock_guard<std::mutex> lock(published_mutex);
            snapshot = published;
            version = published_version;
          }
          const unsigned threads = 1 + (t + rounds) % 2;
          const Results now = assess(reference.rules, snapshot, {reference.as_of, threads});
          if (fingerprint(now) != reference.fingerprints[version]) ++mismatches;
          // The first snapshot never changes, however many edits were published since.
          const Results old = assess(reference.rules, first, {reference.as_of, 1});
          if (fingerprint(old) != reference.fingerprints[0]) ++old_mismatches;
          ++assessments;
          ++rounds;
        }
      });
    }
    writer.join();
    for (auto& reader : readers) reader.join();
    CHECK(mismatches == 0);
    CHECK(old_mismatches == 0);
    CHECK(assessments >= 3 * kReaders);
    CHECK(fingerprint(assess(reference.rules, take_snapshot(writer_graph), {reference.as_of, 1})) ==
          reference.fingerprints[kBatches]);
  }

  TEST_CASE("C API: many threads assess one graph and one pack while a writer edits its own copy") {
    const Reference reference;
    sg_rules* rules = nullptr;
    REQUIRE(sg_rules_load_file(&rules, kRules) == SG_OK);
    sg_graph* shared = nullptr;
    REQUIRE(sg_graph_new(&shared) == SG_OK);
    REQUIRE(sg_graph_load_file(shared, kExample) == SG_OK);

    std::atomic<bool> done{false};
    std::atomic<int> mismatches{0}, failures{0}, writer_mismatches{0}, rounds_done{0};

    // The writer copies the shared graph (saving is a read, allowed alongside other reads),
    // then edits only its copy, assessing it after every batch.
    std::thread writer([&] {
      char* saved = nullptr;
      std::size_t size = 0;
      sg_graph* copy = nullptr;
      if (sg_graph_save_buffer(&saved, &size, shared) != SG_OK || sg_graph_new(&copy) != SG_OK ||
          sg_graph_load_buffer(copy, saved, size, "copy") != SG_OK) {
        ++failures;
      }
      sg_buffer_free(saved);
      for (int k = 1; k <= kBatches && copy; ++k) {
        sg_batch* batch = nullptr;
        sg_batch_new(&batch);
        const Batch cpp = edit(k - 1);
        for (const Edit& item : cpp.items) {
          int status = SG_OK;
          auto to_c = [](const ConcernSpec& c, std::vector<const char*>& about, sg_concern& out) {
            about.clear();
            for (const auto& id : c.about) about.push_back(id.c_str());
            out.id = c.id.c_str();
            out.category = c.category.c_str();
            out.severity = c.severity;
            out.status = static_cast<int>(c.status);
            out.source = c.source.c_str();
            out.restricted = c.restricted;
            out.about = about.data();
            out.about_count = about.size();
          };
          std::vector<const char*> about;
          std::string recorded;
          sg_concern concern = SG_CONCERN_INIT;
          if (auto* c = std::get_if<ConcernSpec>(&item)) {
            to_c(*c, about, concern);
            recorded = format_iso_date(c->recorded);
            concern.recorded = recorded.c_str();
            status = sg_batch_add_concern(batch, &concern);
          } else if (auto* a = std::get_if<AmendConcern>(&item)) {
            to_c(a->concern, about, concern);
            recorded = format_iso_date(a->concern.recorded);
            concern.recorded = recorded.c_str();
            status = sg_batch_amend_concern(batch, &concern);
          } else if (auto* r = std::get_if<RetractConcern>(&item)) {
            status = sg_batch_retract_concern(batch, r->id.c_str());
          }
          if (status != SG_OK) ++failures;
        }
        if (sg_graph_apply(copy, batch) != SG_OK) ++failures;
        sg_batch_free(batch);
        sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
        options.as_of = "2026-11-01";
        options.threads = 2;
        sg_result* result = nullptr;
        if (sg_assess(&result, copy, rules, &options) != SG_OK) {
          ++failures;
          continue;
        }
        if (c_fingerprint(result) != reference.explained[k]) ++writer_mismatches;
        sg_result_free(result);
      }
      sg_graph_free(copy);
      done = true;
    });

    // One result shared by every reader as well: explaining it is a read of an immutable value.
    sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
    options.as_of = "2026-11-01";
    sg_result* shared_result = nullptr;
    REQUIRE(sg_assess(&shared_result, shared, rules, &options) == SG_OK);

    std::vector<std::thread> readers;
    for (int t = 0; t < kReaders; ++t) {
      readers.emplace_back([&, t] {
        int rounds = 0;
        while (!done || rounds < 3) {
          sg_assess_options mine = SG_ASSESS_OPTIONS_INIT;
          mine.as_of = "2026-11-01";
          mine.threads = 1 + (t + rounds) % 2;
          sg_result* result = nullptr;
          if (sg_assess(&result, shared, rules, &mine) != SG_OK) {
            ++failures;
            break;
          }
          if (c_fingerprint(result) != reference.explained[0]) ++mismatches;
          if (c_fingerprint(shared_result) != reference.explained[0]) ++mismatches;
          sg_result_free(result);
          ++rounds;
          ++rounds_done;
        }
      });
    }
    writer.join();
    for (auto& reader : readers) reader.join();
    CHECK(failures == 0);
    CHECK(mismatches == 0);
    CHECK(writer_mismatches == 0);
    CHECK(rounds_done >= 3 * kReaders);
    sg_result_free(shared_result);
    sg_graph_free(shared);
    sg_rules_free(rules);
  }

  TEST_CASE("results are bit-identical across repeated runs and 1, 2 and 8 threads") {
    const Reference reference;
    CaseGraph graph;
    load_case_file(graph, kExample);
    // Enough children that 8 threads each get a share (assess gives a thread at least 256
    // children), with evidence reaching across them through a shared household and adult.
    Batch batch;
    batch.add(AgencySpec{"AG-DT", "police", ""});
    batch.add(HouseholdSpec{"HH-DT"});
    batch.add(PersonSpec{"P-DT-A", PersonKind::adult, day("1980-01-01"), {}, "HH-DT"});
    for (int i = 0; i < 2100; ++i) {
      const std::string p = "P-DT-" + std::to_string(i);
      batch.add(PersonSpec{
          p, PersonKind::child, day("2012-01-01") + i % 3000, {}, i % 4 == 0 ? "HH-DT" : ""});
      ConcernSpec c;
      c.id = "C-DT-" + std::to_string(i);
      c.category = i % 3 ? "domestic_abuse" : "school_attendance";
      c.severity = 1 + i % 5;
      c.recorded = day("2026-01-01") + i % 280;
      c.source = "AG-DT";
      c.restricted = i % 2 == 0;
      c.about = {p};
      if (i % 4 == 0) c.involves = {"P-DT-A"};
      batch.add(c);
    }
    graph.apply(batch);
    const std::shared_ptr<const Snapshot> snapshot = take_snapshot(graph);
    const Results baseline = assess(reference.rules, snapshot, {reference.as_of, 1});
    REQUIRE(baseline.child_count() == 2103);
    const std::string expected = result_bytes(baseline);
    for (int run = 0; run < 2; ++run) {
      for (unsigned threads : {1u, 2u, 8u}) {
        CAPTURE(run);
        CAPTURE(threads);
        // A fresh snapshot each time, too: taking one is deterministic.
        const Results results = assess(reference.rules, run == 0 ? snapshot : take_snapshot(graph),
                                       {reference.as_of, threads});
        CHECK(result_bytes(results) == expected);
      }
    }
    // And through the C API, whose default is one thread per hardware thread when 0.
    sg_rules* rules = nullptr;
    REQUIRE(sg_rules_load_file(&rules, kRules) == SG_OK);
    sg_graph* g = nullptr;
    REQUIRE(sg_graph_new(&g) == SG_OK);
    const std::string text = save_case(graph);
    REQUIRE(sg_graph_load_buffer(g, text.data(), text.size(), "copy") == SG_OK);
    std::string first;
    for (unsigned threads : {1u, 8u, 0u}) {
      sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
      options.as_of = "2026-11-01";
      options.threads = threads;
      sg_result* result = nullptr;
      REQUIRE(sg_assess(&result, g, rules, &options) == SG_OK);
      const double* scores = nullptr;
      std::size_t rows = 0, cols = 0;
      REQUIRE(sg_result_scores(&scores, &rows, &cols, result) == SG_OK);
      std::string bytes(reinterpret_cast<const char*>(scores), rows * cols * sizeof(double));
      for (std::size_t row = 0; row < rows; row += 50) {
        char* text = nullptr;
        sg_explain_options explain_options = SG_EXPLAIN_OPTIONS_INIT;
        REQUIRE(sg_result_explain(&text, nullptr, result, row, &explain_options) == SG_OK);
        bytes += text;
        sg_buffer_free(text);
      }
      if (first.empty()) first = bytes;
      CHECK(bytes == first);
      sg_result_free(result);
    }
    sg_graph_free(g);
    sg_rules_free(rules);
  }

  TEST_CASE("many threads reading one lazy result's lines get the eager lines, each row once") {
    CaseGraph graph;
    CaseloadOptions generate;
    generate.children = 2000;
    generate_caseload(graph, generate);
    const std::shared_ptr<const Snapshot> snapshot = take_snapshot(graph);
    for (const char* name : {"default", "exploitation"}) {
      CAPTURE(name);
      const auto rules =
          RuleSet::load_file(std::string(SAFEGUARD_SOURCE_DIR "/rules/") + name + ".toml");
      AssessOptions eager_options(day("2026-11-01"), 1), lazy_options(day("2026-11-01"), 2);
      lazy_options.explanations = Explanations::lazy;
      const Results eager = assess(rules, snapshot, eager_options);
      const Results lazy = assess(rules, snapshot, lazy_options);
      const std::string expected = result_bytes(eager);
      // Eight readers at once, every one asking for the same rows in the same order (so they
      // race to write each row), then for every row's lines again by address and by a copy.
      constexpr int kThreads = 8;
      std::vector<std::string> seen(kThreads);
      std::vector<std::vector<const Contribution*>> starts(kThreads);
      std::vector<std::thread> readers;
      for (int t = 0; t < kThreads; ++t) {
        readers.emplace_back([&, t] {
          const Results copy = lazy;  // copies share what was written
          seen[t] = result_bytes(t % 2 ? copy : lazy);
          for (std::size_t row = 0; row < lazy.child_count(); ++row) {
            starts[t].push_back(lazy.contributions_begin(row));
            if (lazy.contribution_count(row) > 0 &&
                lazy.contribution_row(lazy.contributions_begin(row)) != static_cast<long>(row))
              starts[t].push_back(nullptr);
          }
        });
      }
      for (auto& reader : readers) reader.join();
      for (int t = 0; t < kThreads; ++t) {
        CHECK(seen[t] == expected);
        CHECK(starts[t] == starts[0]);  // one block per row, whoever wrote it
      }
    }
  }

  TEST_CASE("two threads writing one lazy row at once both find its owner by a line's address") {
    // The row a line belongs to (contribution_row, owner_of in the view layer) was entered only
    // after the block was published: the reader that lost the race to write the row could ask
    // for it in between and get -1, and a propagated line with no owner is hidden as a copy.
    CaseGraph graph;
    CaseloadOptions generate;
    generate.children = 300;
    generate_caseload(graph, generate);
    const std::shared_ptr<const Snapshot> snapshot = take_snapshot(graph);
    const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    AssessOptions lazy_options(day("2026-11-01"), 1);
    lazy_options.explanations = Explanations::lazy;
    std::atomic<int> unowned{0};
    for (int result = 0; result < 200; ++result) {
      const Results lazy = assess(rules, snapshot, lazy_options);
      std::atomic<int> started{0};
      auto reader = [&] {
        started.fetch_add(1);
        while (started.load() < 2) std::this_thread::yield();
        for (std::size_t row = 0; row < lazy.child_count(); ++row) {
          const Contribution* first = lazy.contributions_begin(row);
          if (lazy.contribution_count(row) > 0 &&
              lazy.contribution_row(first) != static_cast<long>(row))
            unowned.fetch_add(1);
        }
      };
      std::thread a(reader), b(reader);
      a.join();
      b.join();
    }
    CHECK(unowned.load() == 0);
  }

  // ---- Misuse: a read during an edit, an edit during a read -----------------------------------

  struct Misuse {
    int holder_status = SG_OK;    // the status of the call held open
    int intruder_status = SG_OK;  // the last status the intruder got
    std::string message;          // the intruder's message for it
  };

  // Runs `hold` on a thread whose call is held open at each allocation while this thread runs
  // `intrude` into it, until the intruder is refused.
  template <typename Hold, typename Intrude>
  Misuse hold_and_intrude(Hold && hold, Intrude && intrude) {
    Rendezvous r;
    rendezvous = &r;
    Misuse out;
    std::thread holder([&] {
      t_holder = true;
      out.holder_status = hold();
      t_holder = false;
      r.holder_done();
    });
    out.intruder_status = r.intrude_until_refused([&] {
      const int status = intrude();
      if (status != SG_OK) out.message = sg_error_last();
      return status;
    });
    holder.join();
    rendezvous = nullptr;
    return out;
  }

  sg_batch* one_concern_batch(const char* id) {
    sg_batch* batch = nullptr;
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    const char* about[] = {"P-ASH-C1"};
    sg_concern concern = SG_CONCERN_INIT;
    concern.id = id;
    concern.category = "school_attendance";
    concern.recorded = "2026-10-20";
    concern.source = "AG-SCH-01";
    concern.about = about;
    concern.about_count = 1;
    REQUIRE(sg_batch_add_concern(batch, &concern) == SG_OK);
    return batch;
  }

  TEST_CASE("C API: reading a graph while another thread applies a batch is SG_E_MISUSE" *
            doctest::skip(!kHeldOpen)) {
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_graph_load_file(graph, kExample) == SG_OK);
    sg_batch* batch = one_concern_batch("C-MISUSE-1");
    size_t concerns = 0;
    REQUIRE(sg_graph_count(&concerns, graph, "concern") == SG_OK);

    const Misuse counted = hold_and_intrude([&] { return sg_graph_apply(graph, batch); },
                                            [&] {
                                              size_t count = 0;
                                              return sg_graph_count(&count, graph, nullptr);
                                            });
    CHECK(counted.intruder_status == SG_E_MISUSE);
    CHECK(counted.message.find("being edited by another thread") != std::string::npos);
    CHECK(counted.holder_status == SG_OK);  // the edit itself goes ahead
    size_t after = 0;
    REQUIRE(sg_graph_count(&after, graph, "concern") == SG_OK);
    CHECK(after == concerns + 1);

    // Every kind of read is refused the same way: assess, save, the calendar.
    sg_rules* rules = nullptr;
    REQUIRE(sg_rules_load_file(&rules, kRules) == SG_OK);
    sg_batch* second = one_concern_batch("C-MISUSE-2");
    const Misuse assessed = hold_and_intrude([&] { return sg_graph_apply(graph, second); },
                                             [&] {
                                               sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
                                               options.as_of = "2026-11-01";
                                               sg_result* result = nullptr;
                                               const int status =
                                                   sg_assess(&result, graph, rules, &options);
                                               sg_result_free(result);
                                               return status;
                                             });
    CHECK(assessed.intruder_status == SG_E_MISUSE);
    CHECK(assessed.holder_status == SG_OK);
    const std::string text = R"({"schema_version": 1, "agencies": [{"id": "AG-MISUSE",
        "type": "police"}]})";
    const Misuse saved = hold_and_intrude(
        [&] { return sg_graph_load_buffer(graph, text.data(), text.size(), "misuse.json"); },
        [&] {
          char* buffer = nullptr;
          const int status = sg_graph_save_buffer(&buffer, nullptr, graph);
          sg_buffer_free(buffer);
          return status;
        });
    CHECK(saved.intruder_status == SG_E_MISUSE);
    CHECK(saved.holder_status == SG_OK);
    sg_batch* third = one_concern_batch("C-MISUSE-3");
    const Misuse calendar = hold_and_intrude([&] { return sg_graph_apply(graph, third); },
                                             [&] {
                                               sg_calendar* c = nullptr;
                                               const int status = sg_graph_calendar(&c, graph);
                                               sg_calendar_free(c);
                                               return status;
                                             });
    CHECK(calendar.intruder_status == SG_E_MISUSE);
    CHECK(std::string(sg_status_str(SG_E_MISUSE)) == "library misuse");

    // Refusals leave nothing behind: every read works once the edits are over.
    REQUIRE(sg_graph_count(&after, graph, "concern") == SG_OK);
    CHECK(after == concerns + 3);
    sg_batch_free(third);
    sg_batch_free(second);
    sg_batch_free(batch);
    sg_rules_free(rules);
    sg_graph_free(graph);
  }

  TEST_CASE("C API: editing a graph while another thread reads or edits it is SG_E_MISUSE" *
            doctest::skip(!kHeldOpen)) {
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_graph_load_file(graph, kExample) == SG_OK);
    sg_rules* rules = nullptr;
    REQUIRE(sg_rules_load_file(&rules, kRules) == SG_OK);
    sg_batch* batch = one_concern_batch("C-MISUSE-1");
    size_t concerns = 0;
    REQUIRE(sg_graph_count(&concerns, graph, "concern") == SG_OK);

    sg_result* result = nullptr;
    const Misuse during_read = hold_and_intrude(
        [&] {
          sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
          options.as_of = "2026-11-01";
          options.threads = 1;
          return sg_assess(&result, graph, rules, &options);
        },
        [&] { return sg_graph_apply(graph, batch); });
    CHECK(during_read.intruder_status == SG_E_MISUSE);
    CHECK(during_read.message.find("being read by another thread") != std::string::npos);
    CHECK(during_read.holder_status == SG_OK);
    sg_result_free(result);
    size_t after = 0;
    REQUIRE(sg_graph_count(&after, graph, "concern") == SG_OK);
    CHECK(after == concerns);  // the refused edit changed nothing

    sg_batch* other = one_concern_batch("C-MISUSE-2");
    const Misuse during_edit = hold_and_intrude([&] { return sg_graph_apply(graph, batch); },
                                                [&] { return sg_graph_apply(graph, other); });
    CHECK(during_edit.intruder_status == SG_E_MISUSE);
    CHECK(during_edit.message.find("being edited by another thread") != std::string::npos);
    CHECK(during_edit.holder_status == SG_OK);
    REQUIRE(sg_graph_count(&after, graph, "concern") == SG_OK);
    CHECK(after == concerns + 1);

    // The refused edit can simply be made again now.
    CHECK(sg_graph_apply(graph, other) == SG_OK);
    sg_batch_free(other);
    sg_batch_free(batch);
    sg_rules_free(rules);
    sg_graph_free(graph);
  }

  TEST_CASE(
      "C API: readers racing a writer on one graph get results or SG_E_MISUSE, never a race") {
    // Not held open: real threads at full speed, which is what ThreadSanitizer needs to see that
    // the guard leaves no data race. Which calls are refused varies from run to run; that each
    // one either succeeds or is refused, and that the graph ends complete, does not.
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_graph_load_file(graph, kExample) == SG_OK);
    sg_rules* rules = nullptr;
    REQUIRE(sg_rules_load_file(&rules, kRules) == SG_OK);
    std::atomic<int> unexpected{0};
    std::atomic<bool> writing{true};
    std::vector<std::thread> readers;
    for (int t = 0; t < 2; ++t) {
      readers.emplace_back([&] {
        while (writing.load()) {
          sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
          options.as_of = "2026-11-01";
          options.threads = 1;
          sg_result* result = nullptr;
          const int assessed = sg_assess(&result, graph, rules, &options);
          if (assessed != SG_OK && assessed != SG_E_MISUSE) ++unexpected;
          sg_result_free(result);
          size_t count = 0;
          const int counted = sg_graph_count(&count, graph, nullptr);
          if (counted != SG_OK && counted != SG_E_MISUSE) ++unexpected;
        }
      });
    }
    int applied = 0;
    for (int k = 0; k < 40; ++k) {
      sg_batch* batch = one_concern_batch(("C-RACE-" + std::to_string(k)).c_str());
      int status = SG_E_MISUSE;
      while (status == SG_E_MISUSE) status = sg_graph_apply(graph, batch);  // retried until free
      if (status == SG_OK) ++applied;
      sg_batch_free(batch);
    }
    writing = false;
    for (auto& reader : readers) reader.join();
    CHECK(unexpected.load() == 0);
    CHECK(applied == 40);
    size_t concerns = 0;
    REQUIRE(sg_graph_count(&concerns, graph, "concern") == SG_OK);
    CHECK(concerns == 7 + 40);
    sg_rules_free(rules);
    sg_graph_free(graph);
  }

  TEST_CASE("a store read ahead on a second thread: every piece handed over, stopped cleanly") {
    // Record::open reads a large store on a second thread (RecordStore::load, forced here for a
    // small one) while the caller's thread feeds the record: the pieces and their buffers pass
    // between the two, and a refusal or a cancellation on the caller's side stops the reader.
    // ThreadSanitizer checks the hand-over; the plain build checks the outcomes.
    store_test::ScratchDir dir;
    const std::string path = dir.file("history.store");
    store_test::History history(5);
    Record memory;
    {
      Record stored = Record::open(path);
      for (int i = 0; i < 80; ++i) {
        const RecordBatch batch = history.next();
        stored.apply(batch);
        memory.apply(batch);
      }
    }
    struct Counting final : detail::StoreLoader {
      std::size_t calls = 0, versions = 0, refuse_at = SIZE_MAX;
      std::uint64_t body_bytes = 0;
      void reserve(std::size_t, std::size_t) override {}
      void batch(RecordTime, Provenance) override { ++calls; }
      void version(std::size_t, const std::string_view*, FactKind, std::uint64_t,
                   const detail::VersionMarks&, std::string_view body) override {
        ++calls;
        if (versions++ == refuse_at) throw Error(Status::invalid_data, "refused");
        body_bytes += body.size();
      }
      void changes(std::size_t) override {}
      void change(std::size_t, std::size_t, ChangeKind) override { ++calls; }
      void tombstone(std::uint64_t, std::string, std::string) override { ++calls; }
    };
    auto load = [&](std::size_t read_ahead_from, Counting& loader, const Progress* progress) {
      detail::RecordStore store(path, StoreOpen::must_exist);
      store.load(loader, progress, read_ahead_from);
    };
    Counting alone, ahead;
    load(SIZE_MAX, alone, nullptr);
    load(0, ahead, nullptr);
    CHECK(ahead.calls == alone.calls);
    CHECK(ahead.body_bytes == alone.body_bytes);
    CHECK(alone.calls > 300);
    for (std::size_t refuse : {std::size_t{0}, alone.versions / 3, alone.versions - 1}) {
      Counting refusing;
      refusing.refuse_at = refuse;
      CHECK_THROWS_AS(load(0, refusing, nullptr), Error);
    }
    for (std::uint64_t stop : {0, 5, 40}) {
      std::uint64_t reports = 0;
      const Progress progress = [&](std::uint64_t, std::uint64_t) { return reports++ < stop; };
      Counting cancelled;
      try {
        load(0, cancelled, &progress);
        FAIL("not cancelled");
      } catch (const Error& e) {
        CHECK(e.status() == Status::cancelled);
      }
    }
    // Through the public API, the record reopened equals the one that applied the batches.
    Record reopened = Record::open(path, {}, StoreOpen::must_exist);
    CHECK(store_test::everything(reopened, store_test::default_rules()) ==
          store_test::everything(memory, store_test::default_rules()));
  }
}
