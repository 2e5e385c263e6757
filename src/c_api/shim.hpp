// The C API's private header: the handles behind safeguard.h's opaque types and the shim's
// shared machinery. Every entry point validates its arguments and runs the C++ call inside
// guard(), which turns every exception into a status code and a thread-local message
// (sg_error_last), and never lets one escape. One source file per handle family:
//
//   common.cpp    error state, guard()'s failure paths, argument conversion, version/status
//   graph.cpp     sg_graph_*: create, load, save, count, copy, generate
//   batch.cpp     sg_batch_*: graph items, record edits; sg_graph_apply
//   rules.cpp     sg_rules_*: load, bundled packs, introspection, lint; sg_training_pack
//   calendar.cpp  sg_calendar_*, dates, sg_process_*
//   result.cpp    sg_assess*, sg_result_*
//   record.cpp    sg_record_*: the living record and its store
//   cin.cpp       sg_cin_*: Children in Need census returns
//   audit.cpp     sg_audit_*: validation and the disparity audit (docs/audit.md)
//
// Nothing here is exported: the shared library's version script (cmake/safeguard.map) keeps
// its ABI to the sg_ functions of safeguard.h.
#ifndef SAFEGUARD_SRC_C_API_SHIM_HPP
#define SAFEGUARD_SRC_C_API_SHIM_HPP

#include <atomic>
#include <cstddef>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "safeguard.h"
#include "safeguard/assess.hpp"
#include "safeguard/calendar.hpp"
#include "safeguard/error.hpp"
#include "safeguard/explain.hpp"
#include "safeguard/graph.hpp"
#include "safeguard/io.hpp"
#include "safeguard/process.hpp"
#include "safeguard/record.hpp"
#include "safeguard/rules.hpp"
#include "snapshot_columns.hpp"

struct sg_graph {
  sg_graph() = default;
  sg_graph(const safeguard::GraphLimits& graph_limits, const safeguard::CaseFileLimits& case_limits)
      : graph(graph_limits), file_limits(case_limits) {}
  safeguard::CaseGraph graph;
  safeguard::CaseFileLimits file_limits;  // applied to every case file loaded into this graph
  // Keeps the snapshot of the graph's current revision, shared by assessments until the next
  // edit. Its cache is locked, so sg_assess may run on any number of threads.
  safeguard::Assessor assessor{graph};
  // Who is using the graph: the number of threads reading it, or -1 while one thread edits it.
  // Every entry point that touches the graph takes a ReadAccess or an EditAccess, which never
  // waits: a call that would break the threading rules of safeguard.h gets SG_E_MISUSE instead
  // of racing (as SQLite's SQLITE_MISUSE does).
  mutable std::atomic<int> users{0};
};

struct sg_batch {
  safeguard::Batch batch;
  // Record edits (upsert, amend, end, retract, erase), each with the number of graph items
  // before it, so that the two kinds keep the order they were added in.
  std::vector<std::pair<std::size_t, safeguard::RecordEdit>> record_edits;
};

struct sg_record {
  safeguard::Record record;
  // 1 while a call uses the record: a record is used by one thread at a time, and a call that
  // would break that rule gets SG_E_MISUSE instead of racing (see RecordAccess).
  std::atomic<int> users{0};
};

struct sg_rules {
  std::shared_ptr<const safeguard::RuleSet> rules;
};

struct sg_process {
  std::shared_ptr<const safeguard::Process> process;
};

struct sg_calendar {
  safeguard::WorkingCalendar calendar;
};

struct sg_result {
  safeguard::Results results;
  std::vector<int> levels;  // int copy of the levels for sg_result_levels()
};

namespace safeguard::capi {

// ---- Errors: guard() and its failure paths (common.cpp) ----

// A caller's mistake in an argument (SG_E_INVALID_ARGUMENT).
struct ArgumentError {
  std::string message;
};

// Each records the failure in the thread's error state and returns its status; none throws
// (when memory runs out building a message, a short one that needs no allocation stands).
int fail(ArgumentError&& e) noexcept;
int fail(const Error& e) noexcept;
int fail_out_of_memory() noexcept;
int fail_internal(const char* what) noexcept;

// Runs body; returns SG_OK, or the status of the exception it threw, with the message and the
// place kept for sg_error_last and sg_error_last_detail.
template <typename Body>
int guard(Body&& body) noexcept {
  try {
    body();
    return SG_OK;
  } catch (ArgumentError& e) {
    return fail(std::move(e));
  } catch (const Error& e) {
    return fail(e);
  } catch (const std::bad_alloc&) {
    return fail_out_of_memory();
  } catch (const std::exception& e) {
    return fail_internal(e.what());
  } catch (...) {
    return fail_internal(nullptr);
  }
}

[[noreturn]] void misuse(const char* what);
[[noreturn]] void bad_argument(const std::string& message);

// ---- Threading rules (safeguard.h): a call that would break them gets SG_E_MISUSE ----

// A read of a graph for the length of one call; refused while another thread edits it.
class ReadAccess {
 public:
  explicit ReadAccess(const sg_graph* graph) : graph_(graph) {
    int users = graph_->users.load(std::memory_order_relaxed);
    do {
      if (users < 0) misuse("the graph is being edited by another thread");
    } while (!graph_->users.compare_exchange_weak(users, users + 1, std::memory_order_acquire,
                                                  std::memory_order_relaxed));
  }
  ~ReadAccess() { graph_->users.fetch_sub(1, std::memory_order_release); }
  ReadAccess(const ReadAccess&) = delete;
  ReadAccess& operator=(const ReadAccess&) = delete;

 private:
  const sg_graph* graph_;
};

// An edit of a graph for the length of one call; refused while any other thread uses it.
class EditAccess {
 public:
  explicit EditAccess(sg_graph* graph) : graph_(graph) {
    int users = 0;
    if (!graph_->users.compare_exchange_strong(users, -1, std::memory_order_acquire,
                                               std::memory_order_relaxed)) {
      misuse(users < 0 ? "the graph is being edited by another thread"
                       : "the graph is being read by another thread");
    }
  }
  ~EditAccess() { graph_->users.store(0, std::memory_order_release); }
  EditAccess(const EditAccess&) = delete;
  EditAccess& operator=(const EditAccess&) = delete;

 private:
  sg_graph* graph_;
};

// ---- Arguments (common.cpp) ----

void require(const void* pointer, const char* name);
// A required C string argument: not NULL, bounded, valid UTF-8.
std::string text(const char* value, const char* name);
std::string optional_text(const char* value, const char* name);
std::vector<std::string> text_list(const char* const* values, std::size_t count, const char* name);
// The reader an options struct's viewer_cleared list names ("*" clears for everything).
Viewer cleared_viewer(const char* const* cleared, std::size_t count, const char* name);
// A date argument; NULL is kNoDay unless required.
Day date(const char* value, const char* name, bool required);
// Refuses a struct whose version field is unset or newer than this library.
void check_version(int version, int current, const char* what);
// The record's graph as of `as_of` known at `known_at` (what sg_record_export writes), taken
// while no other thread uses the record (src/c_api/record.cpp).
std::shared_ptr<const CaseGraph> record_graph(const sg_record* record, const char* as_of,
                                              long long known_at);
const sg_limits& checked_limits(const sg_limits* limits);
PackLimits pack_limits(const sg_limits* given);

// A limit from sg_limits: 0 keeps the default.
template <typename T>
void override_limit(T& target, std::size_t value) {
  if (value == 0) return;
  target = value > static_cast<std::size_t>(std::numeric_limits<T>::max())
               ? std::numeric_limits<T>::max()
               : static_cast<T>(value);
}

ConcernSpec concern_spec(const sg_concern* c);
Nation nation_arg(const char* value);
const char* format_arg(int format, bool csv_allowed);
// A C progress callback as the C++ core takes it (empty for NULL).
Progress progress_of(sg_progress_fn callback, void* user);
// The process an sg_assess_options names (version 2 and later), or null for the bundled one.
std::shared_ptr<const Process> process_of(const sg_assess_options& options);
// The explanations an sg_assess_options asks for (version 3 and later; eager before);
// SG_E_INVALID_ARGUMENT for a value that names neither.
Explanations explanations_of(const sg_assess_options& options);

// ---- Results and output buffers (common.cpp) ----

const Results& results_of(const sg_result* result);
void check_row(const Results& results, std::size_t row);
void write_date(char* out, Day day);
// Buffers come from new[] (freed by sg_buffer_free).
char* copy_out(const std::string& data);
// `count` NUL-terminated texts, each followed by its NUL, in one new[] buffer (one more NUL at
// the end, so even no texts make a terminated buffer); *size its length without that last NUL.
// SG_E_INVALID_ARGUMENT naming the index of a NULL text (sg_texts_join, sg_text_codes).
char* join_texts(const char* const* texts, std::size_t count, std::size_t* size);
void buffer_out(char** out, size_t* out_size, const std::string& data);
// A result handle for `results` (the C API's levels are ints).
sg_result* result_out(Results results);

}  // namespace safeguard::capi

#endif  // SAFEGUARD_SRC_C_API_SHIM_HPP
