// What every part of the C shim shares: the handle types behind the opaque pointers, guard()
// (no exception crosses the C boundary), the thread-local error state, argument checks and
// option-version checks. Private to src/c_api/.
#pragma once

#include <cstring>
#include <limits>
#include <mutex>
#include <new>

#include "safeguard.h"
#include "util/utf8.hpp"
#include "safeguard/io.hpp"

using namespace safeguard;

struct sg_graph {
  sg_graph() = default;
  sg_graph(const GraphLimits& graph_limits, const CaseFileLimits& case_limits)
      : graph(graph_limits), file_limits(case_limits) {}
  CaseGraph graph;
  CaseFileLimits file_limits;  // applied to every case file loaded into this graph
  // Keeps the snapshot of the graph's current revision and the pack tables between
  // assessments. Its caches are locked, so sg_assess may run on any number of threads.
  Assessor assessor{graph};
};

struct sg_batch {
  Batch batch;
};

struct sg_rules {
  std::shared_ptr<const RuleSet> rules;
};

struct sg_calendar {
  WorkingCalendar calendar;
};

struct sg_result {
  Results results;
  std::vector<int> levels;  // int copy of the levels for sg_result_levels()
};

namespace safeguard::capi {

inline thread_local std::string t_error;
inline thread_local int t_status = SG_OK;

// Argument strings longer than this are refused before any work (ids, names, paths); case
// files and rule packs given as buffers have their own, larger limits.
inline constexpr std::size_t kMaxArgumentBytes = 1 << 20;

inline int set_error(int status, std::string message) {
  t_status = status;
  t_error = std::move(message);
  return status;
}

struct ArgumentError {
  std::string message;
};

template <typename Body>
int guard(Body&& body) noexcept {
  try {
    body();
    return SG_OK;
  } catch (const ArgumentError& e) {
    return set_error(SG_E_INVALID_ARGUMENT, e.message);
  } catch (const Error& e) {
    return set_error(static_cast<int>(e.status()), e.what());
  } catch (const std::bad_alloc&) {
    return set_error(SG_E_NOMEM, "out of memory");
  } catch (const std::exception& e) {
    return set_error(SG_E_INTERNAL, std::string("internal error: ") + e.what());
  } catch (...) {
    return set_error(SG_E_INTERNAL, "internal error");
  }
}

[[noreturn]] inline void bad_argument(const std::string& message) { throw ArgumentError{message}; }

inline void require(const void* pointer, const char* name) {
  if (!pointer) bad_argument(std::string(name) + " is NULL");
}

// A required C string argument: not NULL, bounded, valid UTF-8.
inline std::string text(const char* value, const char* name) {
  require(value, name);
  const std::size_t length = strnlen(value, kMaxArgumentBytes + 1);
  if (length > kMaxArgumentBytes) bad_argument(std::string(name) + " is longer than 1 MiB");
  std::string out(value, length);
  if (!detail::is_valid_utf8(out))
    throw Error(Status::encoding, std::string(name) + " is not valid UTF-8");
  return out;
}

inline std::string optional_text(const char* value, const char* name) {
  return value ? text(value, name) : std::string();
}

inline std::vector<std::string> text_list(const char* const* values, std::size_t count,
                                          const char* name) {
  if (count > 0) require(values, name);
  if (count > 1'000'000) bad_argument(std::string(name) + " has too many items");
  std::vector<std::string> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) out.push_back(text(values[i], name));
  return out;
}

inline Day date(const char* value, const char* name, bool required) {
  if (!value) {
    if (required) bad_argument(std::string(name) + " is NULL");
    return kNoDay;
  }
  Day day = kNoDay;
  std::string error;
  if (!parse_iso_date(text(value, name), day, error))
    throw Error(Status::invalid_data, std::string(name) + ": " + error);
  return day;
}

inline void check_version(int version, int current, const char* what) {
  if (version < 1)
    bad_argument(std::string(what) + ".version is not set; initialise it with its _INIT macro");
  if (version > current) {
    throw Error(Status::version, std::string(what) + ".version " + std::to_string(version) +
                                     " is newer than this library supports (" +
                                     std::to_string(current) + ")");
  }
}

// A limit from sg_limits: 0 keeps the default.
template <typename T>
void override_limit(T& target, std::size_t value) {
  if (value == 0) return;
  target = value > static_cast<std::size_t>(std::numeric_limits<T>::max())
               ? std::numeric_limits<T>::max()
               : static_cast<T>(value);
}

inline const sg_limits& checked_limits(const sg_limits* limits) {
  require(limits, "limits");
  check_version(limits->version, SG_LIMITS_VERSION, "sg_limits");
  return *limits;
}

inline PackLimits pack_limits(const sg_limits* given) {
  const sg_limits& limits = checked_limits(given);
  PackLimits out;
  override_limit(out.max_bytes, limits.max_pack_bytes);
  override_limit(out.max_rules, limits.max_rules);
  override_limit(out.max_overrides, limits.max_overrides);
  override_limit(out.max_levels, limits.max_levels);
  override_limit(out.max_indices, limits.max_indices);
  override_limit(out.expressions.max_length, limits.max_expression_length);
  override_limit(out.expressions.max_depth, limits.max_expression_depth);
  return out;
}

inline ConcernSpec concern_spec(const sg_concern* c) {
  require(c, "concern");
  check_version(c->version, SG_CONCERN_VERSION, "sg_concern");
  ConcernSpec spec;
  spec.id = text(c->id, "concern.id");
  spec.category = text(c->category, "concern.category");
  spec.severity = c->severity;
  spec.incident = date(c->incident, "concern.incident", false);
  spec.recorded = date(c->recorded, "concern.recorded", true);
  if (c->status < SG_STATUS_OPEN || c->status > SG_STATUS_RETRACTED)
    bad_argument("concern.status is not an SG_STATUS_* value");
  spec.status = static_cast<ConcernStatus>(c->status);
  spec.source = text(c->source, "concern.source");
  spec.restricted = c->restricted != 0;
  spec.about = text_list(c->about, c->about_count, "concern.about");
  spec.involves = text_list(c->involves, c->involves_count, "concern.involves");
  spec.summary = optional_text(c->summary, "concern.summary");
  return spec;
}

inline const Results& results_of(const sg_result* result) {
  require(result, "result");
  return result->results;
}

inline void check_row(const Results& results, std::size_t row) {
  if (row >= results.child_count()) {
    throw Error(Status::out_of_range, "row " + std::to_string(row) + " is past the last child (" +
                                          std::to_string(results.child_count()) + " children)");
  }
}

inline Nation nation_arg(const char* value) {
  const std::string name = text(value, "nation");
  Nation nation{};
  if (!parse_nation(name, nation))
    bad_argument("nation must be \"england-and-wales\", \"scotland\" or \"northern-ireland\"");
  return nation;
}

inline void write_date(char* out, Day day) {
  if (day == kNoDay) {
    out[0] = '\0';
    return;
  }
  const std::string text = format_iso_date(day);
  std::memcpy(out, text.c_str(), std::min<std::size_t>(text.size() + 1, SG_DATE_SIZE));
  out[SG_DATE_SIZE - 1] = '\0';
}

inline char* copy_out(const std::string& data) {
  char* buffer = static_cast<char*>(std::malloc(data.size() + 1));
  if (!buffer) throw std::bad_alloc();
  std::memcpy(buffer, data.data(), data.size());
  buffer[data.size()] = '\0';
  return buffer;
}

// Fills a caller's sg_contribution of any supported version; fields newer than its version are
// left alone (the caller's struct may be too small for them).
inline void fill_contribution(sg_contribution* out, const Results& results, const Contribution& c) {
  check_version(out->version, SG_CONTRIBUTION_VERSION, "sg_contribution");
  const Snapshot& snap = results.snapshot();
  const RuleSet& pack = results.rules();
  if (c.propagated()) {
    out->rule_id = kPropagationRuleId.data();  // a literal: NUL-terminated
    out->rule_title = pack.propagation().title.c_str();
    out->heading = to_string(pack.propagation().heading).data();
    out->path = c.via == kNoVertex ? "network" : to_string(c.relation).data();
  } else {
    const Rule& rule = pack.rules()[c.rule];
    out->rule_id = rule.id.c_str();
    out->rule_title = rule.title.c_str();
    out->heading = to_string(rule.heading).data();
    out->path = to_string(c.path).data();
  }
  out->index_id = pack.indices()[c.index].id.c_str();
  out->evidence_id = c.evidence == kNoVertex ? nullptr : snap.id_c_str(c.evidence);
  out->via_id = c.via == kNoVertex ? nullptr : snap.id_c_str(c.via);
  out->source_agency_id = nullptr;
  out->restricted = 0;
  if (c.evidence != kNoVertex && snap.vertex_kind[c.evidence] == VertexKind::concern) {
    const std::uint32_t slot = snap.vertex_slot[c.evidence];
    out->source_agency_id = snap.id_c_str(snap.agency_vertex[snap.concern_source[slot]]);
    out->restricted = snap.concern_restricted[slot];
  }
  out->raw = c.raw;
  out->decay = c.decay;
  out->reach = c.reach;
  out->cap_factor = c.cap_factor;
  out->value = c.value;
  if (out->version >= 2) {
    out->kind = c.propagated() ? "propagated" : "rule";
    out->relation = c.propagated() && c.via != kNoVertex ? to_string(c.relation).data() : nullptr;
    out->via_kind = c.via == kNoVertex ? nullptr : to_string(snap.vertex_kind[c.via]).data();
  }
}

inline void check_rank(const Results& results, std::size_t rank) {
  if (rank >= results.place_count()) {
    throw Error(Status::out_of_range, "rank " + std::to_string(rank) +
                                          " is past the last place or group (" +
                                          std::to_string(results.place_count()) + ")");
  }
}

inline Viewer viewer_of(const sg_explain_options* options) {
  require(options, "options");
  check_version(options->version, SG_EXPLAIN_OPTIONS_VERSION, "sg_explain_options");
  if (options->format != SG_FORMAT_TEXT && options->format != SG_FORMAT_JSON)
    bad_argument("format is not SG_FORMAT_TEXT or SG_FORMAT_JSON");
  Viewer viewer;
  viewer.cleared =
      text_list(options->viewer_cleared, options->viewer_cleared_count, "viewer_cleared");
  for (const auto& name : viewer.cleared) viewer.cleared_all = viewer.cleared_all || name == "*";
  return viewer;
}

}  // namespace safeguard::capi

using namespace safeguard::capi;
