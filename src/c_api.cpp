// The C API: a thin shim over the C++ core. Every entry point validates its arguments, runs
// the C++ call inside guard(), which turns every exception into a status code and a
// thread-local message, and never lets one escape.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <unordered_map>
#include <variant>

#include <nlohmann/json.hpp>

#include "bundled_packs.hpp"
#include "safeguard.h"
#include "safeguard/cin.hpp"
#include "safeguard/generate.hpp"
#include "safeguard/io.hpp"
#include "safeguard/joining.hpp"
#include "safeguard/process.hpp"
#include "safeguard/record.hpp"
#include "safeguard/training.hpp"
#include "util/utf8.hpp"

using namespace safeguard;

struct sg_graph {
  sg_graph() = default;
  sg_graph(const GraphLimits& graph_limits, const CaseFileLimits& case_limits)
      : graph(graph_limits), file_limits(case_limits) {}
  CaseGraph graph;
  CaseFileLimits file_limits;  // applied to every case file loaded into this graph
  // Keeps the snapshot of the graph's current revision, shared by assessments until the next
  // edit. Its cache is locked, so sg_assess may run on any number of threads.
  Assessor assessor{graph};
  // Who is using the graph: the number of threads reading it, or -1 while one thread edits it.
  // Every entry point that touches the graph takes a ReadAccess or an EditAccess, which never
  // waits: a call that would break the threading rules of safeguard.h gets SG_E_MISUSE instead
  // of racing (as SQLite's SQLITE_MISUSE does).
  mutable std::atomic<int> users{0};
};

struct sg_batch {
  Batch batch;
  // Record edits (upsert, amend, end, retract, erase), each with the number of graph items
  // before it, so that the two kinds keep the order they were added in.
  std::vector<std::pair<std::size_t, RecordEdit>> record_edits;
};

struct sg_record {
  Record record;
  // 1 while a call uses the record: a record is used by one thread at a time, and a call that
  // would break that rule gets SG_E_MISUSE instead of racing (see RecordAccess).
  std::atomic<int> users{0};
};

struct sg_rules {
  std::shared_ptr<const RuleSet> rules;
};

struct sg_process {
  std::shared_ptr<const Process> process;
};

struct sg_calendar {
  WorkingCalendar calendar;
};

struct sg_result {
  Results results;
  std::vector<int> levels;  // int copy of the levels for sg_result_levels()
};

namespace {

thread_local std::string t_error;
thread_local int t_status = SG_OK;

// Argument strings longer than this are refused before any work (ids, names, paths); case
// files and rule packs given as buffers have their own, larger limits.
constexpr std::size_t kMaxArgumentBytes = 1 << 20;

// The place of the last failure, field by field (sg_error_last_detail); cleared by every new
// failure and filled only when the failure was an Error that knew its place.
struct ErrorPlace {
  std::string reason, file, entity;
  int line = 0, column = 0;
  long long item = -1;
};
thread_local ErrorPlace t_place;

void clear_place() noexcept {
  t_place.reason.clear();
  t_place.file.clear();
  t_place.entity.clear();
  t_place.line = t_place.column = 0;
  t_place.item = -1;
}

int set_error(int status, std::string message) noexcept {
  t_status = status;
  t_error = std::move(message);
  clear_place();
  return status;
}

// Keeps an Error's place for sg_error_last_detail; when memory runs out copying it, the
// detail is left empty (the message still says everything).
void remember_place(const Error& e) noexcept {
  try {
    t_place.reason = e.reason();
    t_place.file = e.where().file;
    t_place.entity = e.where().entity;
    t_place.line = e.where().line;
    t_place.column = e.where().column;
    if (const auto* batch_error = dynamic_cast<const BatchError*>(&e)) {
      t_place.item = static_cast<long long>(batch_error->item());
      t_place.reason = batch_error->detail();
    }
  } catch (...) {
    clear_place();
  }
}

// For a message that has yet to be built: when memory runs out building it, the status stands
// with a short message that needs no allocation (it fits std::string's inline buffer).
template <typename Message>
int set_error_with(int status, Message&& message) noexcept {
  try {
    return set_error(status, message());
  } catch (...) {
    t_status = status;
    t_error.clear();
    t_error.append("out of memory");
    clear_place();
    return status;
  }
}

struct ArgumentError {
  std::string message;
};

template <typename Body>
int guard(Body&& body) noexcept {
  try {
    body();
    return SG_OK;
  } catch (ArgumentError& e) {
    return set_error(SG_E_INVALID_ARGUMENT, std::move(e.message));
  } catch (const Error& e) {
    const int status =
        set_error_with(static_cast<int>(e.status()), [&] { return std::string(e.what()); });
    remember_place(e);
    return status;
  } catch (const std::bad_alloc&) {
    return set_error_with(SG_E_NOMEM, [] { return std::string("out of memory"); });
  } catch (const std::exception& e) {
    return set_error_with(SG_E_INTERNAL,
                          [&] { return std::string("internal error: ") + e.what(); });
  } catch (...) {
    return set_error_with(SG_E_INTERNAL, [] { return std::string("internal error"); });
  }
}

[[noreturn]] void misuse(const char* what) {
  throw Error(Status::misuse, std::string(what) +
                                  " (a graph may be read by several threads at once or edited "
                                  "by one, never both: see the threading rules in safeguard.h)");
}

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

[[noreturn]] void bad_argument(const std::string& message) { throw ArgumentError{message}; }

void require(const void* pointer, const char* name) {
  if (!pointer) bad_argument(std::string(name) + " is NULL");
}

// A required C string argument: not NULL, bounded, valid UTF-8.
std::string text(const char* value, const char* name) {
  require(value, name);
  const std::size_t length = strnlen(value, kMaxArgumentBytes + 1);
  if (length > kMaxArgumentBytes) bad_argument(std::string(name) + " is longer than 1 MiB");
  std::string out(value, length);
  if (!detail::is_valid_utf8(out))
    throw Error(Status::encoding, std::string(name) + " is not valid UTF-8");
  return out;
}

std::string optional_text(const char* value, const char* name) {
  return value ? text(value, name) : std::string();
}

std::vector<std::string> text_list(const char* const* values, std::size_t count, const char* name) {
  if (count > 0) require(values, name);
  if (count > 1'000'000) bad_argument(std::string(name) + " has too many items");
  std::vector<std::string> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) out.push_back(text(values[i], name));
  return out;
}

Day date(const char* value, const char* name, bool required) {
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

void check_version(int version, int current, const char* what) {
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

const sg_limits& checked_limits(const sg_limits* limits) {
  require(limits, "limits");
  check_version(limits->version, SG_LIMITS_VERSION, "sg_limits");
  return *limits;
}

PackLimits pack_limits(const sg_limits* given) {
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

ConcernSpec concern_spec(const sg_concern* c) {
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

const Results& results_of(const sg_result* result) {
  require(result, "result");
  return result->results;
}

void check_row(const Results& results, std::size_t row) {
  if (row >= results.child_count()) {
    throw Error(Status::out_of_range, "row " + std::to_string(row) + " is past the last child (" +
                                          std::to_string(results.child_count()) + " children)");
  }
}

Nation nation_arg(const char* value) {
  const std::string name = text(value, "nation");
  Nation nation{};
  if (!parse_nation(name, nation))
    bad_argument(
        "nation must be \"england-and-wales\", \"england\", \"wales\", \"scotland\" or "
        "\"northern-ireland\"");
  return nation;
}

void write_date(char* out, Day day) {
  if (day == kNoDay) {
    out[0] = '\0';
    return;
  }
  const std::string text = format_iso_date(day);
  std::memcpy(out, text.c_str(), std::min<std::size_t>(text.size() + 1, SG_DATE_SIZE));
  out[SG_DATE_SIZE - 1] = '\0';
}

// Buffers come from new[] (freed by sg_buffer_free), so allocation-failure tests that replace
// operator new reach them too.
char* copy_out(const std::string& data) {
  char* buffer = new char[data.size() + 1];
  std::memcpy(buffer, data.data(), data.size());
  buffer[data.size()] = '\0';
  return buffer;
}

// Fills a caller's sg_contribution of any supported version from the view layer
// (explain.hpp); fields newer than its version are left alone (the caller's struct may be too
// small for them). Every string of a view is NUL-terminated text the result keeps alive (pack
// strings, snapshot ids and symbols, literals), so .data() is a C string.
void fill_contribution(sg_contribution* out, const LineView& line) {
  check_version(out->version, SG_CONTRIBUTION_VERSION, "sg_contribution");
  auto c_str = [](std::string_view text) { return text.empty() ? nullptr : text.data(); };
  const double withheld = std::numeric_limits<double>::quiet_NaN();
  out->rule_id = c_str(line.rule_id);
  out->rule_title = line.title.data();
  out->heading = to_string(line.heading).data();
  out->path = c_str(line.path);
  out->index_id = line.index_id.data();
  out->evidence_id = c_str(line.evidence.id);
  out->via_id = c_str(line.via_id);
  out->source_agency_id = c_str(line.evidence.agency_id);
  out->restricted = line.withheld() || line.evidence.restricted;
  out->raw = line.withheld() ? withheld : line.raw;
  out->decay = line.withheld() ? withheld : line.decay;
  out->reach = line.withheld() ? withheld : line.reach;
  out->cap_factor = line.withheld() ? withheld : line.cap_factor;
  out->value = line.value;
  if (out->version >= 2) {
    out->kind = line.propagated() ? "propagated" : "rule";
    out->relation = c_str(line.relation);
    out->via_kind = line.via_id.empty() ? nullptr : to_string(line.via_kind).data();
  }
}

void check_rank(const Results& results, std::size_t rank) {
  if (rank >= results.place_count()) {
    throw Error(Status::out_of_range, "rank " + std::to_string(rank) +
                                          " is past the last place or group (" +
                                          std::to_string(results.place_count()) + ")");
  }
}

Viewer viewer_of(const sg_explain_options* options) {
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

// The accessors' shared body. Without a viewer (sg_result_contribution) the reader is the
// host system itself, which passed every record in and sees them all.
void child_contribution(sg_contribution* out, const sg_result* result, std::size_t row,
                        std::size_t k, const Viewer& viewer) {
  require(out, "out");
  check_version(out->version, SG_CONTRIBUTION_VERSION, "sg_contribution");
  const Results& results = results_of(result);
  check_row(results, row);
  if (k >= results.contribution_count(row))
    throw Error(Status::out_of_range, "contribution " + std::to_string(k) + " is past the end");
  fill_contribution(out, view_line(results, results.contributions_begin(row)[k], viewer));
}

void place_contribution(sg_contribution* out, const sg_result* result, std::size_t rank,
                        std::size_t k, const Viewer& viewer) {
  require(out, "out");
  check_version(out->version, SG_CONTRIBUTION_VERSION, "sg_contribution");
  const Results& results = results_of(result);
  check_rank(results, rank);
  if (k >= results.place_contribution_count(rank))
    throw Error(Status::out_of_range, "contribution " + std::to_string(k) + " is past the end");
  fill_contribution(out, view_line(results, results.place_contributions_begin(rank)[k], viewer));
}

// ---- Record helpers ----

int parse_int_field(const std::string& value, const char* field) {
  try {
    std::size_t used = 0;
    const int parsed = std::stoi(value, &used);
    if (used == value.size()) return parsed;
  } catch (const std::exception&) {
  }
  throw Error(Status::invalid_data, std::string(field) + " is not a whole number");
}

bool parse_bool_field(const std::string& value, const char* field) {
  if (value == "true" || value == "1") return true;
  if (value == "false" || value == "0") return false;
  throw Error(Status::invalid_data, std::string(field) + " must be true or false");
}

// Amends one field: value NULL clears an optional field. Unknown fields are refused.
struct FieldSetter {
  const std::string& field;
  const char* value;

  [[noreturn]] void unknown(const char* kind) const {
    bad_argument(std::string("a ") + kind + " has no field '" + field + "' to amend");
  }
  std::string required() const { return text(value, "value"); }
  std::string optional() const { return optional_text(value, "value"); }
  Day day(bool required_day) const { return date(value, "value", required_day); }

  void operator()(PersonAmend& a) const {
    if (field == "kind") {
      const std::string kind = required();
      PersonKind parsed;
      if (!parse_person_kind(kind, parsed)) bad_argument("person kind must be child or adult");
      a.kind = parsed;
    } else if (field == "dob") {
      a.dob = day(false);
    } else if (field == "household") {
      a.household = optional();
    } else {
      unknown("person");
    }
  }
  void operator()(AgencyAmend& a) const {
    if (field == "type") {
      a.type = required();
    } else if (field == "name") {
      a.name = optional();
    } else {
      unknown("agency");
    }
  }
  template <typename Amend>
  void kind_or_name(Amend& a, const char* what) const {
    if (field == "kind") {
      a.kind = required();
    } else if (field == "name") {
      a.name = optional();
    } else {
      unknown(what);
    }
  }
  void operator()(PlaceAmend& a) const { kind_or_name(a, "place"); }
  void operator()(GroupAmend& a) const { kind_or_name(a, "group"); }
  void operator()(ConcernAmend& a) const {
    if (field == "category") {
      a.category = required();
    } else if (field == "severity") {
      a.severity = parse_int_field(required(), "severity");
    } else if (field == "incident") {
      a.incident = day(false);
    } else if (field == "recorded") {
      a.recorded = day(true);
    } else if (field == "status") {
      ConcernStatus status;
      if (!parse_concern_status(required(), status))
        bad_argument("status must be open, closed, unsubstantiated or retracted");
      a.status = status;
    } else if (field == "source") {
      a.source = required();
    } else if (field == "restricted") {
      a.restricted = parse_bool_field(required(), "restricted");
    } else if (field == "summary") {
      a.summary = optional();
    } else {
      unknown("concern");
    }
  }
  void operator()(FactorAmend& a) const {
    if (field == "kind") {
      a.kind = required();
    } else if (field == "strength") {
      a.strength = parse_int_field(required(), "strength");
    } else if (field == "start") {
      a.start = day(false);
    } else if (field == "end") {
      a.end = day(false);
    } else if (field == "provided_by") {
      a.provided_by = optional();
    } else if (field == "summary") {
      a.summary = optional();
    } else {
      unknown("factor");
    }
  }
  void operator()(EventAmend& a) const {
    if (field == "kind") {
      EventKind kind;
      if (!parse_event_kind(required(), kind)) bad_argument("unknown event kind");
      a.kind = kind;
    } else if (field == "date") {
      a.date = day(true);
    } else if (field == "note") {
      a.note = optional();
    } else if (field == "decision") {
      // NULL clears it; whether the event's kind takes it is checked when the batch applies.
      EventDecision decision = EventDecision::none;
      const std::string text = optional();
      if (!text.empty() && !parse_event_decision(text, decision))
        bad_argument("unknown event decision");
      a.decision = decision;
    } else if (field == "category") {
      a.category = optional();
    } else if (field == "expected") {
      a.expected = day(false);
    } else {
      unknown("event");
    }
  }
  void operator()(OverrideAmend& a) const {
    if (field == "direction") {
      OverrideDirection direction;
      if (!parse_override_direction(required(), direction))
        bad_argument("direction must be raise or lower");
      a.direction = direction;
    } else if (field == "date") {
      a.date = day(true);
    } else if (field == "author") {
      a.author = required();
    } else if (field == "reason") {
      a.reason = required();
    } else {
      unknown("override");
    }
  }
};

// Sets one list field.
struct ListSetter {
  const std::string& field;
  const std::vector<std::string>& values;

  [[noreturn]] void unknown(const char* kind) const {
    bad_argument(std::string("a ") + kind + " has no list field '" + field + "'");
  }
  void operator()(PersonAmend& a) const {
    if (field != "flags") unknown("person");
    a.flags = values;
  }
  void operator()(ConcernAmend& a) const {
    if (field == "about") {
      a.about = values;
    } else if (field == "involves") {
      a.involves = values;
    } else {
      unknown("concern");
    }
  }
  void operator()(FactorAmend& a) const {
    if (field != "protects") unknown("factor");
    a.protects = values;
  }
  void operator()(EventAmend& a) const {
    if (field != "about") unknown("event");
    a.about = values;
  }
  template <typename Amend>
  void operator()(Amend&) const {
    bad_argument("'" + field + "' is not a list field of this kind");
  }
};

template <typename Amend>
RecordEdit blank_amendment(const std::string& id) {
  Amend amend;
  amend.id = id;
  return amend;
}

// The amendment of `kind` for `id` that the next amend call adds to: the batch's last item when
// it amends the same entity, else a new one.
RecordEdit amendment_for(const sg_batch& batch, const std::string& kind, const std::string& id) {
  if (!batch.record_edits.empty() && batch.record_edits.back().first == batch.batch.items.size()) {
    const RecordEdit& last = batch.record_edits.back().second;
    const bool same = std::visit(
        [&](const auto& edit) {
          using T = std::decay_t<decltype(edit)>;
          if constexpr (std::is_same_v<T, PersonAmend>) return kind == "person" && edit.id == id;
          if constexpr (std::is_same_v<T, AgencyAmend>) return kind == "agency" && edit.id == id;
          if constexpr (std::is_same_v<T, PlaceAmend>) return kind == "place" && edit.id == id;
          if constexpr (std::is_same_v<T, GroupAmend>) return kind == "group" && edit.id == id;
          if constexpr (std::is_same_v<T, ConcernAmend>) return kind == "concern" && edit.id == id;
          if constexpr (std::is_same_v<T, FactorAmend>) return kind == "factor" && edit.id == id;
          if constexpr (std::is_same_v<T, EventAmend>) return kind == "event" && edit.id == id;
          if constexpr (std::is_same_v<T, OverrideAmend>)
            return kind == "override" && edit.id == id;
          return false;
        },
        last);
    if (same) return last;
  }
  if (kind == "person") return blank_amendment<PersonAmend>(id);
  if (kind == "agency") return blank_amendment<AgencyAmend>(id);
  if (kind == "place") return blank_amendment<PlaceAmend>(id);
  if (kind == "group") return blank_amendment<GroupAmend>(id);
  if (kind == "concern") return blank_amendment<ConcernAmend>(id);
  if (kind == "factor") return blank_amendment<FactorAmend>(id);
  if (kind == "event") return blank_amendment<EventAmend>(id);
  if (kind == "override") return blank_amendment<OverrideAmend>(id);
  bad_argument("kind must be person, agency, place, group, concern, factor, event or override");
}

// Stores an amendment built by amendment_for: in place of the last item when it extends it.
void put_amendment(sg_batch& batch, RecordEdit edit) {
  auto& edits = batch.record_edits;
  if (!edits.empty() && edits.back().first == batch.batch.items.size() &&
      edits.back().second.index() == edit.index()) {
    const auto same_id = [](const RecordEdit& a, const RecordEdit& b) {
      return std::visit(
          [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, PersonAmend> || std::is_same_v<T, AgencyAmend> ||
                          std::is_same_v<T, PlaceAmend> || std::is_same_v<T, GroupAmend> ||
                          std::is_same_v<T, ConcernAmend> || std::is_same_v<T, FactorAmend> ||
                          std::is_same_v<T, EventAmend> || std::is_same_v<T, OverrideAmend>) {
              return x.id == std::get<T>(b).id;
            }
            return false;
          },
          a);
    };
    if (same_id(edits.back().second, edit)) {
      edits.back().second = std::move(edit);
      return;
    }
  }
  edits.emplace_back(batch.batch.items.size(), std::move(edit));
}

void add_record_edit(sg_batch& batch, RecordEdit edit) {
  batch.record_edits.emplace_back(batch.batch.items.size(), std::move(edit));
}

// Adds an item through the graph-batch call `add` on a scratch batch, then moves it into
// `batch` as an upsert; `add` has already set the error state when it fails.
template <typename Add>
int upsert_with(sg_batch* batch, Add add) {
  if (!batch) return guard([] { bad_argument("batch is NULL"); });
  sg_batch scratch;
  const int status = add(&scratch);
  if (status != SG_OK) return status;
  return guard([&] {
    std::visit(
        [&](auto& spec) {
          using T = std::decay_t<decltype(spec)>;
          if constexpr (std::is_constructible_v<EntitySpec, T>) {
            add_record_edit(*batch, Upsert{EntitySpec(std::move(spec))});
          } else {
            throw Error(Status::internal, "not an entity");
          }
        },
        scratch.batch.items.back());
  });
}

Provenance provenance_of(const sg_provenance* p) {
  require(p, "provenance");
  check_version(p->version, SG_PROVENANCE_VERSION, "sg_provenance");
  return Provenance{text(p->author, "provenance.author"),
                    optional_text(p->reason, "provenance.reason"),
                    optional_text(p->source_system, "provenance.source_system"),
                    optional_text(p->source_reference, "provenance.source_reference")};
}

// The graph items and the record edits of `batch` in the order they were added.
RecordBatch record_batch_of(const sg_batch& batch, const sg_provenance* provenance) {
  Provenance who = provenance_of(provenance);
  RecordBatch graph_items = to_record_batch(batch.batch, provenance->recorded_at, who);
  RecordBatch out;
  out.recorded_at = provenance->recorded_at;
  out.provenance = std::move(who);
  auto edit = batch.record_edits.begin();
  for (std::size_t i = 0; i <= graph_items.items.size(); ++i) {
    for (; edit != batch.record_edits.end() && edit->first == i; ++edit)
      out.items.push_back(edit->second);
    if (i < graph_items.items.size()) out.items.push_back(std::move(graph_items.items[i]));
  }
  return out;
}

const char* format_arg(int format, bool csv_allowed) {
  if (format == SG_FORMAT_JSON) return "json";
  if (format == SG_FORMAT_CSV && csv_allowed) return "csv";
  bad_argument(csv_allowed ? "format must be SG_FORMAT_JSON or SG_FORMAT_CSV"
                           : "format must be SG_FORMAT_JSON");
}

std::string render_trail(const std::vector<AuditEntry>& entries, int format) {
  return std::string(format_arg(format, true)) == "csv" ? audit_csv(entries) : audit_json(entries);
}

void buffer_out(char** out, size_t* out_size, const std::string& data) {
  *out = copy_out(data);
  if (out_size) *out_size = data.size();
}

// A C progress callback as the C++ core takes it (empty for NULL).
Progress progress_of(sg_progress_fn callback, void* user) {
  if (!callback) return {};
  return [callback, user](std::uint64_t done, std::uint64_t total) {
    return callback(user, done, total) == 0;
  };
}

const char* scope_name(expr::Scope scope) {
  switch (scope) {
    case expr::Scope::child:
      return "child";
    case expr::Scope::concern:
      return "concern";
    case expr::Scope::factor:
      return "factor";
  }
  return "unknown";
}

// A concern as a ConcernSpec, the base a partial amendment fills in.
ConcernSpec spec_of(const CaseGraph& graph, const Concern& concern) {
  ConcernSpec spec;
  spec.id = concern.id;
  spec.category = std::string(graph.symbol(concern.category));
  spec.severity = concern.severity;
  spec.incident = concern.incident;
  spec.recorded = concern.recorded;
  spec.status = concern.status;
  if (concern.source != kNoVertex) spec.source = graph.id(concern.source);
  spec.restricted = concern.restricted;
  for (const VertexIndex v : concern.about) spec.about.push_back(graph.id(v));
  for (const VertexIndex v : concern.involves) spec.involves.push_back(graph.id(v));
  spec.summary = concern.summary;
  return spec;
}

void amend_spec(ConcernSpec& spec, const ConcernAmend& amend) {
  if (amend.category) spec.category = *amend.category;
  if (amend.severity) spec.severity = *amend.severity;
  if (amend.incident) spec.incident = *amend.incident;
  if (amend.recorded) spec.recorded = *amend.recorded;
  if (amend.status) spec.status = *amend.status;
  if (amend.source) spec.source = *amend.source;
  if (amend.restricted) spec.restricted = *amend.restricted;
  if (amend.about) spec.about = *amend.about;
  if (amend.involves) spec.involves = *amend.involves;
  if (amend.summary) spec.summary = *amend.summary;
}

// The graph batch for a batch that also holds partial concern amendments (sg_batch_amend with
// kind "concern"): each becomes a whole AmendConcern, its other fields taken from the concern
// as the items before it leave it (added or amended earlier in the batch, else the graph's).
// An amendment of a concern that exists nowhere keeps only its id, and the graph's check
// reports it as the failing item.
Batch with_concern_amendments(const CaseGraph& graph, const sg_batch& batch) {
  Batch merged;
  std::unordered_map<std::string, ConcernSpec> pending;
  const auto note = [&](const Edit& item) {
    if (const auto* added = std::get_if<ConcernSpec>(&item)) pending[added->id] = *added;
    if (const auto* whole = std::get_if<AmendConcern>(&item))
      pending[whole->concern.id] = whole->concern;
  };
  std::size_t next = 0;
  for (const auto& [position, edit] : batch.record_edits) {
    for (; next < position; ++next) {
      note(batch.batch.items[next]);
      merged.items.push_back(batch.batch.items[next]);
    }
    const auto& amend = std::get<ConcernAmend>(edit);
    ConcernSpec spec;
    spec.id = amend.id;
    if (auto found = pending.find(amend.id); found != pending.end()) {
      spec = found->second;
    } else if (auto v = graph.find(amend.id); v && graph.kind(*v) == VertexKind::concern) {
      spec = spec_of(graph, graph.concern(*v));
    }
    amend_spec(spec, amend);
    pending[spec.id] = spec;
    merged.items.emplace_back(AmendConcern{std::move(spec)});
  }
  for (; next < batch.batch.items.size(); ++next) merged.items.push_back(batch.batch.items[next]);
  return merged;
}

}  // namespace

extern "C" {

int sg_version_number(void) { return SG_VERSION_NUMBER; }
const char* sg_version_string(void) { return SG_VERSION_STRING; }

const char* sg_status_str(int status) {
  switch (status) {
    case SG_OK:
      return "ok";
    case SG_E_INVALID_ARGUMENT:
      return "invalid argument";
    case SG_E_PARSE:
      return "syntax error";
    case SG_E_INVALID_DATA:
      return "invalid data";
    case SG_E_NOT_FOUND:
      return "not found";
    case SG_E_DUPLICATE:
      return "duplicate";
    case SG_E_TYPE:
      return "type error";
    case SG_E_IO:
      return "input/output error";
    case SG_E_LIMIT:
      return "limit exceeded";
    case SG_E_NOMEM:
      return "out of memory";
    case SG_E_RANGE:
      return "index out of range";
    case SG_E_VERSION:
      return "unsupported version";
    case SG_E_DIVERGENT:
      return "propagation would diverge";
    case SG_E_INTERNAL:
      return "internal error";
    case SG_E_ENCODING:
      return "invalid UTF-8";
    case SG_E_MISUSE:
      return "library misuse";
    case SG_E_CANCELLED:
      return "cancelled";
    default:
      return "unknown status";
  }
}

const char* sg_error_last(void) { return t_error.c_str(); }
int sg_error_last_status(void) { return t_status; }

void sg_buffer_free(char* buffer) { delete[] buffer; }

// ---- Graph ----

int sg_graph_new(sg_graph** out) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    *out = new sg_graph();
  });
}

void sg_graph_free(sg_graph* graph) { delete graph; }

int sg_graph_new_with_limits(sg_graph** out, const sg_limits* given) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const sg_limits& limits = checked_limits(given);
    GraphLimits graph_limits;
    override_limit(graph_limits.max_id_bytes, limits.max_id_bytes);
    override_limit(graph_limits.max_text_bytes, limits.max_text_bytes);
    override_limit(graph_limits.max_vertices, limits.max_entities);
    override_limit(graph_limits.max_list_items, limits.max_list_items);
    CaseFileLimits case_limits;
    override_limit(case_limits.max_bytes, limits.max_file_bytes);
    override_limit(case_limits.max_depth, limits.max_depth);
    override_limit(case_limits.max_string_bytes, limits.max_string_bytes);
    *out = new sg_graph(graph_limits, case_limits);
  });
}

int sg_graph_load_file(sg_graph* graph, const char* path) {
  return guard([&] {
    require(graph, "graph");
    EditAccess access(graph);
    load_case_file(graph->graph, text(path, "path"), graph->file_limits);
  });
}

int sg_graph_load_buffer(sg_graph* graph, const char* data, size_t size, const char* name) {
  return guard([&] {
    require(graph, "graph");
    if (size > 0) require(data, "data");
    EditAccess access(graph);
    load_case(graph->graph, std::string_view(data ? data : "", size),
              name ? text(name, "name") : std::string("<buffer>"), graph->file_limits);
  });
}

int sg_graph_save_buffer(char** out, size_t* out_size, const sg_graph* graph) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(graph, "graph");
    ReadAccess access(graph);
    const std::string saved = save_case(graph->graph);
    *out = copy_out(saved);
    if (out_size) *out_size = saved.size();
  });
}

int sg_graph_save_file(const sg_graph* graph, const char* path) {
  return guard([&] {
    require(graph, "graph");
    ReadAccess access(graph);
    save_case_file(graph->graph, text(path, "path"));
  });
}

int sg_graph_count(size_t* out, const sg_graph* graph, const char* kind) {
  return guard([&] {
    require(out, "out");
    require(graph, "graph");
    bool all = kind == nullptr;
    VertexKind wanted = VertexKind::person;
    if (!all) {
      const std::string name = text(kind, "kind");
      bool known = false;
      for (int k = 0; k < static_cast<int>(VertexKind::erased); ++k) {
        if (to_string(static_cast<VertexKind>(k)) == name)
          wanted = static_cast<VertexKind>(k), known = true;
      }
      if (!known) bad_argument("unknown entity kind '" + name + "'");
    }
    ReadAccess access(graph);
    *out = all ? graph->graph.count() : graph->graph.count(wanted);
  });
}

// ---- Batches ----

int sg_batch_new(sg_batch** out) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    *out = new sg_batch();
  });
}

void sg_batch_free(sg_batch* batch) { delete batch; }

int sg_batch_size(size_t* out, const sg_batch* batch) {
  return guard([&] {
    require(out, "out");
    require(batch, "batch");
    *out = batch->batch.items.size() + batch->record_edits.size();
  });
}

int sg_batch_add_person(sg_batch* batch, const sg_person* person) {
  return guard([&] {
    require(batch, "batch");
    require(person, "person");
    check_version(person->version, SG_PERSON_VERSION, "sg_person");
    PersonSpec spec;
    spec.id = text(person->id, "person.id");
    if (person->kind != SG_PERSON_CHILD && person->kind != SG_PERSON_ADULT)
      bad_argument("person.kind is not SG_PERSON_CHILD or SG_PERSON_ADULT");
    spec.kind = person->kind == SG_PERSON_CHILD ? PersonKind::child : PersonKind::adult;
    spec.dob = date(person->dob, "person.dob", false);
    spec.household = optional_text(person->household, "person.household");
    spec.flags = text_list(person->flags, person->flag_count, "person.flags");
    batch->batch.add(std::move(spec));
  });
}

int sg_batch_add_agency(sg_batch* batch, const char* id, const char* type, const char* name) {
  return guard([&] {
    require(batch, "batch");
    batch->batch.add(AgencySpec{text(id, "id"), text(type, "type"), optional_text(name, "name")});
  });
}

int sg_batch_add_household(sg_batch* batch, const char* id) {
  return guard([&] {
    require(batch, "batch");
    batch->batch.add(HouseholdSpec{text(id, "id")});
  });
}

int sg_batch_add_place(sg_batch* batch, const char* id, const char* kind, const char* name) {
  return guard([&] {
    require(batch, "batch");
    batch->batch.add(PlaceSpec{text(id, "id"), text(kind, "kind"), optional_text(name, "name")});
  });
}

int sg_batch_add_group(sg_batch* batch, const char* id, const char* kind, const char* name) {
  return guard([&] {
    require(batch, "batch");
    batch->batch.add(GroupSpec{text(id, "id"), text(kind, "kind"), optional_text(name, "name")});
  });
}

int sg_batch_add_concern(sg_batch* batch, const sg_concern* concern) {
  return guard([&] {
    require(batch, "batch");
    batch->batch.add(concern_spec(concern));
  });
}

int sg_batch_add_factor(sg_batch* batch, const sg_factor* factor) {
  return guard([&] {
    require(batch, "batch");
    require(factor, "factor");
    check_version(factor->version, SG_FACTOR_VERSION, "sg_factor");
    FactorSpec spec;
    spec.id = text(factor->id, "factor.id");
    spec.kind = text(factor->kind, "factor.kind");
    spec.strength = factor->strength;
    spec.start = date(factor->start, "factor.start", false);
    spec.end = date(factor->end, "factor.end", false);
    spec.provided_by = optional_text(factor->provided_by, "factor.provided_by");
    spec.protects = text_list(factor->protects, factor->protects_count, "factor.protects");
    spec.summary = optional_text(factor->summary, "factor.summary");
    batch->batch.add(std::move(spec));
  });
}

int sg_batch_add_relation(sg_batch* batch, const char* kind, const char* from, const char* to) {
  return guard([&] {
    require(batch, "batch");
    RelationSpec spec;
    const std::string name = text(kind, "kind");
    if (!parse_relation_kind(name, spec.kind)) bad_argument("unknown relation kind '" + name + "'");
    spec.from = text(from, "from");
    spec.to = text(to, "to");
    batch->batch.add(std::move(spec));
  });
}

int sg_batch_amend_concern(sg_batch* batch, const sg_concern* concern) {
  return guard([&] {
    require(batch, "batch");
    batch->batch.add(AmendConcern{concern_spec(concern)});
  });
}

int sg_batch_retract_concern(sg_batch* batch, const char* id) {
  return guard([&] {
    require(batch, "batch");
    batch->batch.add(RetractConcern{text(id, "id")});
  });
}

int sg_batch_erase_person(sg_batch* batch, const char* id) {
  return guard([&] {
    require(batch, "batch");
    batch->batch.add(ErasePerson{text(id, "id")});
  });
}

int sg_batch_add_event(sg_batch* batch, const sg_event* event) {
  return guard([&] {
    require(batch, "batch");
    require(event, "event");
    check_version(event->version, SG_EVENT_VERSION, "sg_event");
    EventSpec spec;
    spec.id = text(event->id, "event.id");
    const std::string kind = text(event->kind, "event.kind");
    if (!parse_event_kind(kind, spec.kind)) bad_argument("event.kind \"" + kind + "\" is unknown");
    spec.date = date(event->date, "event.date", true);
    spec.about = text_list(event->about, event->about_count, "event.about");
    spec.note = optional_text(event->note, "event.note");
    if (event->version >= 2) {
      const std::string decision = optional_text(event->decision, "event.decision");
      if (!decision.empty() && !parse_event_decision(decision, spec.decision))
        bad_argument("event.decision \"" + decision + "\" is unknown");
      spec.category = optional_text(event->category, "event.category");
      if (event->expected) spec.expected = date(event->expected, "event.expected", true);
    }
    batch->batch.add(std::move(spec));
  });
}

int sg_batch_add_override(sg_batch* batch, const sg_override* judgement) {
  return guard([&] {
    require(batch, "batch");
    require(judgement, "override");
    check_version(judgement->version, SG_OVERRIDE_VERSION, "sg_override");
    DiscretionaryOverrideSpec spec;
    spec.id = text(judgement->id, "override.id");
    spec.child = text(judgement->child, "override.child");
    const std::string direction = text(judgement->direction, "override.direction");
    if (!parse_override_direction(direction, spec.direction))
      bad_argument("override.direction must be \"raise\" or \"lower\"");
    spec.date = date(judgement->date, "override.date", true);
    spec.author = text(judgement->author, "override.author");
    spec.reason = text(judgement->reason, "override.reason");
    batch->batch.add(std::move(spec));
  });
}

int sg_batch_set_nation(sg_batch* batch, const char* nation) {
  return guard([&] {
    require(batch, "batch");
    CalendarSpec spec;
    spec.nation = nation_arg(nation);
    batch->batch.add(std::move(spec));
  });
}

int sg_batch_add_closure(sg_batch* batch, const char* day) {
  return guard([&] {
    require(batch, "batch");
    CalendarSpec spec;
    spec.closures.push_back(date(day, "date", true));
    batch->batch.add(std::move(spec));
  });
}

int sg_graph_apply(sg_graph* graph, const sg_batch* batch) {
  return guard([&] {
    require(graph, "graph");
    require(batch, "batch");
    const bool only_concern_amendments = std::all_of(
        batch->record_edits.begin(), batch->record_edits.end(),
        [](const auto& edit) { return std::holds_alternative<ConcernAmend>(edit.second); });
    if (!only_concern_amendments)
      bad_argument(
          "the batch holds record edits (upsert, amend, end, retract, erase) other than "
          "concern amendments; apply it to an sg_record");
    EditAccess access(graph);
    if (batch->record_edits.empty()) {
      graph->graph.apply(batch->batch);
    } else {
      graph->graph.apply(with_concern_amendments(graph->graph, *batch));
    }
  });
}

// ---- Rules ----

int sg_rules_timescales(sg_timescales* out, const sg_rules* rules) {
  return guard([&] {
    require(out, "out");
    require(rules, "rules");
    check_version(out->version, SG_TIMESCALES_VERSION, "sg_timescales");
    const Timescales& t = rules->rules->timescales();
    out->referral_decision_working_days = t.referral_decision_working_days;
    out->assessment_working_days = t.assessment_working_days;
    out->initial_conference_working_days = t.initial_conference_working_days;
    out->first_review_months = t.first_review_months;
    out->review_interval_months = t.review_interval_months;
    out->discretionary = to_string(rules->rules->discretionary()).data();
  });
}

int sg_rules_lint_count(size_t* out, const sg_rules* rules) {
  return guard([&] {
    require(out, "out");
    require(rules, "rules");
    *out = rules->rules->lint_warnings().size();
  });
}

int sg_rules_lint(sg_lint_warning* out, const sg_rules* rules, size_t k) {
  return guard([&] {
    require(out, "out");
    require(rules, "rules");
    check_version(out->version, SG_LINT_WARNING_VERSION, "sg_lint_warning");
    if (k >= rules->rules->lint_warnings().size())
      throw Error(Status::out_of_range, "lint warning " + std::to_string(k) + " is past the end");
    const LintWarning& w = rules->rules->lint_warnings()[k];
    out->code = w.code.c_str();
    out->message = w.message.c_str();
    out->file = w.where.file.c_str();
    out->line = w.where.line;
    out->column = w.where.column;
    out->entity = w.where.entity.c_str();
  });
}

// ---- Calendars and dates ----

int sg_calendar_new(sg_calendar** out, const char* nation) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    *out = new sg_calendar{WorkingCalendar(nation_arg(nation))};
  });
}

int sg_graph_calendar(sg_calendar** out, const sg_graph* graph) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(graph, "graph");
    ReadAccess access(graph);
    *out = new sg_calendar{*graph->graph.calendar()};
  });
}

void sg_calendar_free(sg_calendar* calendar) { delete calendar; }

int sg_calendar_add_closure(sg_calendar* calendar, const char* day) {
  return guard([&] {
    require(calendar, "calendar");
    calendar->calendar.add_closure(date(day, "date", true));
  });
}

int sg_calendar_is_working_day(int* out, const sg_calendar* calendar, const char* day) {
  return guard([&] {
    require(out, "out");
    require(calendar, "calendar");
    *out = calendar->calendar.is_working_day(date(day, "date", true)) ? 1 : 0;
  });
}

int sg_calendar_add_working_days(char out[SG_DATE_SIZE], const sg_calendar* calendar,
                                 const char* day, int count) {
  return guard([&] {
    require(out, "out");
    require(calendar, "calendar");
    if (count < 0) bad_argument("count must be >= 0");
    write_date(out, calendar->calendar.add_working_days(date(day, "date", true), count));
  });
}

int sg_calendar_working_days_between(int* out, const sg_calendar* calendar, const char* from,
                                     const char* to) {
  return guard([&] {
    require(out, "out");
    require(calendar, "calendar");
    *out = calendar->calendar.working_days_between(date(from, "from", true), date(to, "to", true));
  });
}

int sg_bank_holiday_count(size_t* out, const char* nation, int year) {
  return guard([&] {
    require(out, "out");
    *out = bank_holidays(nation_arg(nation), year).size();
  });
}

int sg_bank_holiday(char out[SG_DATE_SIZE], const char* nation, int year, size_t k) {
  return guard([&] {
    require(out, "out");
    const std::vector<Day> days = bank_holidays(nation_arg(nation), year);
    if (k >= days.size())
      throw Error(Status::out_of_range, "bank holiday " + std::to_string(k) + " is past the end");
    write_date(out, days[k]);
  });
}

int sg_date_add_months(char out[SG_DATE_SIZE], const char* day, int months) {
  return guard([&] {
    require(out, "out");
    write_date(out, add_months(date(day, "date", true), months));
  });
}

int sg_age(int* out_years, int* out_months, const char* birth, const char* at) {
  return guard([&] {
    const int months = age_in_months(date(birth, "birth", true), date(at, "at", true));
    if (out_months) *out_months = months;
    if (out_years) *out_years = age_in_years(date(birth, "birth", true), date(at, "at", true));
  });
}

int sg_rules_load_file(sg_rules** out, const char* path) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    auto rules = RuleSet::load_file(text(path, "path"));
    *out = new sg_rules{std::move(rules)};
  });
}

int sg_rules_load_buffer(sg_rules** out, const char* data, size_t size, const char* name) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    if (size > 0) require(data, "data");
    auto rules = RuleSet::load_string(std::string_view(data ? data : "", size),
                                      name ? text(name, "name") : std::string("<buffer>"));
    *out = new sg_rules{std::move(rules)};
  });
}

int sg_rules_load_file_with_limits(sg_rules** out, const char* path, const sg_limits* limits) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const PackLimits checked = pack_limits(limits);
    auto rules = RuleSet::load_file(text(path, "path"), checked);
    *out = new sg_rules{std::move(rules)};
  });
}

int sg_rules_load_buffer_with_limits(sg_rules** out, const char* data, size_t size,
                                     const char* name, const sg_limits* limits) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    if (size > 0) require(data, "data");
    const PackLimits checked = pack_limits(limits);
    auto rules = RuleSet::load_string(std::string_view(data ? data : "", size),
                                      name ? text(name, "name") : std::string("<buffer>"), checked);
    *out = new sg_rules{std::move(rules)};
  });
}

void sg_rules_free(sg_rules* rules) { delete rules; }

// ---- Statutory processes ----

int sg_process_load_file(sg_process** out, const char* path, const char* nation) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const Nation case_nation = nation_arg(nation);
    auto process = Process::load_file_for(text(path, "path"), case_nation);
    *out = new sg_process{std::move(process)};
  });
}

int sg_process_load_buffer(sg_process** out, const char* data, size_t size, const char* name,
                           const char* nation) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    if (!data && size > 0) bad_argument("data is NULL");
    const Nation case_nation = nation_arg(nation);
    auto process = Process::load_string_for(std::string_view(data ? data : "", size),
                                            optional_text(name, "name"), case_nation);
    *out = new sg_process{std::move(process)};
  });
}

void sg_process_free(sg_process* process) { delete process; }

int sg_process_nation(const char** out, const sg_process* process) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(process, "process");
    *out = to_string(process->process->nation()).data();
  });
}

namespace {
// The process an sg_assess_options names (version 2 and later), or null for the bundled one.
std::shared_ptr<const Process> process_of(const sg_assess_options& options) {
  if (options.version < 2 || !options.process) return nullptr;
  return options.process->process;
}
}  // namespace

int sg_rules_info_get(sg_rules_info* out, const sg_rules* rules) {
  return guard([&] {
    require(out, "out");
    check_version(out->version, SG_RULES_INFO_VERSION, "sg_rules_info");
    require(rules, "rules");
    const RuleSet& pack = *rules->rules;
    out->id = pack.id().c_str();
    out->pack_version = pack.version().c_str();
    out->title = pack.title().c_str();
    out->hash = pack.hash().c_str();
    out->index_count = pack.indices().size();
    out->level_count = pack.levels().size();
    out->rule_count = pack.rules().size();
    out->override_count = pack.overrides().size();
  });
}

int sg_rules_index_id(const char** out, const sg_rules* rules, size_t index) {
  return guard([&] {
    require(out, "out");
    require(rules, "rules");
    if (index >= rules->rules->indices().size())
      throw Error(Status::out_of_range, "index " + std::to_string(index) + " is past the end");
    *out = rules->rules->indices()[index].id.c_str();
  });
}

int sg_rules_level_id(const char** out, const sg_rules* rules, size_t level) {
  return guard([&] {
    require(out, "out");
    require(rules, "rules");
    if (level >= rules->rules->levels().size())
      throw Error(Status::out_of_range, "level " + std::to_string(level) + " is past the end");
    *out = rules->rules->levels()[level].id.c_str();
  });
}

// ---- Assessment ----

int sg_assess(sg_result** out, const sg_graph* graph, const sg_rules* rules,
              const sg_assess_options* options) {
  return sg_assess_progress(out, graph, rules, options, nullptr, nullptr);
}

void sg_result_free(sg_result* result) { delete result; }

int sg_result_child_count(size_t* out, const sg_result* result) {
  return guard([&] {
    require(out, "out");
    *out = results_of(result).child_count();
  });
}

int sg_result_index_count(size_t* out, const sg_result* result) {
  return guard([&] {
    require(out, "out");
    *out = results_of(result).index_count();
  });
}

int sg_result_find_child(size_t* out, const sg_result* result, const char* child_id) {
  return guard([&] {
    require(out, "out");
    const Results& results = results_of(result);
    const std::string id = text(child_id, "child_id");
    const long row = results.find_child(id);
    if (row < 0) throw Error(Status::not_found, "no child '" + id + "' in this result");
    *out = static_cast<size_t>(row);
  });
}

int sg_result_child(sg_child_result* out, const sg_result* result, size_t row) {
  return guard([&] {
    require(out, "out");
    check_version(out->version, SG_CHILD_RESULT_VERSION, "sg_child_result");
    const Results& results = results_of(result);
    check_row(results, row);
    out->id = results.snapshot().id_c_str(results.child_vertex(row));
    out->total = results.total(row);
    out->level = results.level(row);
    out->level_id = results.rules().levels()[results.level(row)].id.c_str();
    out->score_level = results.score_level(row);
    out->immediate_safety = results.immediate_safety(row) ? 1 : 0;
    out->contribution_count = results.contribution_count(row);
    out->override_count =
        static_cast<size_t>(results.overrides_end(row) - results.overrides_begin(row));
    out->not_assessable_count =
        static_cast<size_t>(results.not_assessable_end(row) - results.not_assessable_begin(row));
  });
}

int sg_result_index_score(double* out_score, int* out_level, const sg_result* result, size_t row,
                          size_t index) {
  return guard([&] {
    require(out_score, "out_score");
    const Results& results = results_of(result);
    check_row(results, row);
    if (index >= results.index_count())
      throw Error(Status::out_of_range, "index " + std::to_string(index) + " is past the end");
    *out_score = results.score(row, index);
    if (out_level) *out_level = results.index_level(row, index);
  });
}

int sg_result_scores(const double** out, size_t* out_rows, size_t* out_cols,
                     const sg_result* result) {
  return guard([&] {
    require(out, "out");
    require(out_rows, "out_rows");
    require(out_cols, "out_cols");
    const Results& results = results_of(result);
    *out = results.scores().data();
    *out_rows = results.child_count();
    *out_cols = results.index_count();
  });
}

int sg_result_levels(const int** out, size_t* out_rows, const sg_result* result) {
  return guard([&] {
    require(out, "out");
    require(out_rows, "out_rows");
    results_of(result);
    *out = result->levels.data();
    *out_rows = result->levels.size();
  });
}

int sg_result_contribution(sg_contribution* out, const sg_result* result, size_t row, size_t k) {
  return guard([&] { child_contribution(out, result, row, k, Viewer::everyone()); });
}

int sg_result_contribution_for(sg_contribution* out, const sg_result* result, size_t row, size_t k,
                               const sg_explain_options* viewer) {
  return guard([&] {
    require(out, "out");
    child_contribution(out, result, row, k, viewer_of(viewer));
  });
}

int sg_result_place_count(size_t* out, const sg_result* result) {
  return guard([&] {
    require(out, "out");
    *out = results_of(result).place_count();
  });
}

int sg_result_place(sg_place_result* out, const sg_result* result, size_t rank) {
  return guard([&] {
    require(out, "out");
    check_version(out->version, SG_PLACE_RESULT_VERSION, "sg_place_result");
    const Results& results = results_of(result);
    check_rank(results, rank);
    const Snapshot& snap = results.snapshot();
    const std::uint32_t node = results.place_node(rank);
    const VertexIndex v = results.place_vertex(rank);
    out->id = snap.id_c_str(v);
    out->kind = to_string(snap.vertex_kind[v]).data();
    out->label = snap.symbols[snap.node_label[node]].c_str();
    out->score = results.place_score(rank);
    double own = 0;
    for (std::size_t k = 0; k < results.propagating_count(); ++k)
      own += results.node_own_score(node, k);
    out->own_score = own;
    out->contribution_count = results.place_contribution_count(rank);
  });
}

int sg_result_find_place(size_t* out, const sg_result* result, const char* place_id) {
  return guard([&] {
    require(out, "out");
    const Results& results = results_of(result);
    const std::string id = text(place_id, "place_id");
    const long rank = results.find_place(id);
    if (rank < 0) throw Error(Status::not_found, "no place or group '" + id + "' in this result");
    *out = static_cast<size_t>(rank);
  });
}

int sg_result_place_index_score(double* out, const sg_result* result, size_t rank, size_t index) {
  return guard([&] {
    require(out, "out");
    const Results& results = results_of(result);
    check_rank(results, rank);
    if (index >= results.index_count())
      throw Error(Status::out_of_range, "index " + std::to_string(index) + " is past the end");
    *out = results.place_index_score(rank, index);
  });
}

int sg_result_place_contribution(sg_contribution* out, const sg_result* result, size_t rank,
                                 size_t k) {
  return guard([&] { place_contribution(out, result, rank, k, Viewer::everyone()); });
}

int sg_result_place_contribution_for(sg_contribution* out, const sg_result* result, size_t rank,
                                     size_t k, const sg_explain_options* viewer) {
  return guard([&] {
    require(out, "out");
    place_contribution(out, result, rank, k, viewer_of(viewer));
  });
}

int sg_result_place_explain(char** out, size_t* out_size, const sg_result* result, size_t rank,
                            const sg_explain_options* options) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const Results& results = results_of(result);
    const Viewer viewer = viewer_of(options);
    check_rank(results, rank);
    const std::string rendered = explain_place(
        results, rank,
        options->format == SG_FORMAT_JSON ? ExplainFormat::json : ExplainFormat::text, viewer);
    *out = copy_out(rendered);
    if (out_size) *out_size = rendered.size();
  });
}

int sg_result_override(const char** out_id, const char** out_reason, const sg_result* result,
                       size_t row, size_t k) {
  return guard([&] {
    require(out_id, "out_id");
    const Results& results = results_of(result);
    check_row(results, row);
    const std::size_t count =
        static_cast<std::size_t>(results.overrides_end(row) - results.overrides_begin(row));
    if (k >= count)
      throw Error(Status::out_of_range, "override " + std::to_string(k) + " is past the end");
    const PolicyOverride& o = results.rules().overrides()[results.overrides_begin(row)[k]];
    *out_id = o.id.c_str();
    if (out_reason) *out_reason = o.reason.c_str();
  });
}

int sg_result_not_assessable(const char** out_rule_id, const char** out_missing,
                             const sg_result* result, size_t row, size_t k) {
  return guard([&] {
    require(out_rule_id, "out_rule_id");
    const Results& results = results_of(result);
    check_row(results, row);
    const std::size_t count = static_cast<std::size_t>(results.not_assessable_end(row) -
                                                       results.not_assessable_begin(row));
    if (k >= count)
      throw Error(Status::out_of_range, "note " + std::to_string(k) + " is past the end");
    const NotAssessable& n = results.not_assessable_begin(row)[k];
    *out_rule_id = n.is_override ? results.rules().overrides()[n.rule].id.c_str()
                                 : results.rules().rules()[n.rule].id.c_str();
    if (out_missing) *out_missing = expr::attr_info(n.missing).name.data();
  });
}

int sg_result_step_count(size_t* out, const sg_result* result, size_t row) {
  return guard([&] {
    require(out, "out");
    const Results& results = results_of(result);
    check_row(results, row);
    *out = results.step_count(row);
  });
}

int sg_result_step(sg_step* out, const sg_result* result, size_t row, size_t k) {
  return guard([&] {
    require(out, "out");
    check_version(out->version, SG_STEP_VERSION, "sg_step");
    const Results& results = results_of(result);
    check_row(results, row);
    if (k >= results.step_count(row))
      throw Error(Status::out_of_range, "step " + std::to_string(k) + " is past the end");
    const Step& step = results.steps_begin(row)[k];
    const Snapshot& snap = results.snapshot();
    const ProcessStep& def = results.process().steps()[step.kind];
    out->step = def.id.c_str();
    out->status = to_string(step.status).data();
    out->working_days = step.working_days;
    out->trigger_id = snap.event_ids.c_str(step.trigger);
    out->done_id = step.done == kNoEvent ? nullptr : snap.event_ids.c_str(step.done);
    write_date(out->start, step.start);
    write_date(out->due, step.due);
    write_date(out->completed, step.completed);
    if (out->version >= 2) {
      out->title = def.title.c_str();
      out->reason = step.reason.empty() ? nullptr : step.reason.data();
      out->calendar_days = step.calendar_days;
      out->counts_working_days = counts_working_days(def) ? 1 : 0;
      out->source = def.source.c_str();
    }
  });
}

int sg_result_timeline_issue_count(size_t* out, const sg_result* result, size_t row) {
  return guard([&] {
    require(out, "out");
    const Results& results = results_of(result);
    check_row(results, row);
    *out = static_cast<std::size_t>(results.timeline_issues_end(row) -
                                    results.timeline_issues_begin(row));
  });
}

int sg_result_timeline_issue(const char** out_event_id, const char** out_issue,
                             const sg_result* result, size_t row, size_t k) {
  return guard([&] {
    require(out_event_id, "out_event_id");
    const Results& results = results_of(result);
    check_row(results, row);
    const std::size_t count = static_cast<std::size_t>(results.timeline_issues_end(row) -
                                                       results.timeline_issues_begin(row));
    if (k >= count)
      throw Error(Status::out_of_range, "timeline issue " + std::to_string(k) + " is past the end");
    const TimelineIssue& issue = results.timeline_issues_begin(row)[k];
    *out_event_id = results.snapshot().event_ids.c_str(issue.event);
    if (out_issue) *out_issue = issue.text.data();
  });
}

int sg_result_discretionary(sg_discretionary* out, const sg_result* result, size_t row) {
  return guard([&] {
    require(out, "out");
    check_version(out->version, SG_DISCRETIONARY_VERSION, "sg_discretionary");
    const Results& results = results_of(result);
    check_row(results, row);
    const DiscretionaryResult& d = results.discretionary(row);
    const Snapshot& snap = results.snapshot();
    out->outcome = to_string(d.outcome).data();
    out->level_before = d.level_before;
    if (d.outcome == DiscretionaryOutcome::none) {
      out->id = out->direction = out->author = out->reason = nullptr;
      out->date[0] = '\0';
      return;
    }
    const std::uint32_t o = d.override_number;
    out->id = snap.override_ids.c_str(o);
    out->direction = to_string(snap.override_direction[o]).data();
    out->author = snap.override_author[o].c_str();
    out->reason = snap.override_reason[o].c_str();
    write_date(out->date, snap.override_date[o]);
  });
}

int sg_result_explain(char** out, size_t* out_size, const sg_result* result, size_t row,
                      const sg_explain_options* options) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const Results& results = results_of(result);
    const Viewer viewer = viewer_of(options);
    check_row(results, row);
    const std::string rendered = explain(
        results, row, options->format == SG_FORMAT_JSON ? ExplainFormat::json : ExplainFormat::text,
        viewer);
    *out = copy_out(rendered);
    if (out_size) *out_size = rendered.size();
  });
}

// ---- Joining up ----

int sg_result_joined(char** out, size_t* out_size, const sg_result* result,
                     const sg_joined_options* options) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const Results& results = results_of(result);
    require(options, "options");
    check_version(options->version, SG_JOINED_OPTIONS_VERSION, "sg_joined_options");
    JoinFormat format = JoinFormat::text;
    if (options->format == SG_FORMAT_JSON) {
      format = JoinFormat::json;
    } else if (options->format == SG_FORMAT_CSV) {
      format = JoinFormat::csv;
    } else if (options->format != SG_FORMAT_TEXT) {
      bad_argument("format is not SG_FORMAT_TEXT, SG_FORMAT_JSON or SG_FORMAT_CSV");
    }
    if (options->exact_up_to > 20) bad_argument("exact_up_to is above 20");
    if (options->threads > 4096) bad_argument("threads is above 4096");
    Viewer viewer;
    viewer.cleared =
        text_list(options->viewer_cleared, options->viewer_cleared_count, "viewer_cleared");
    for (const auto& name : viewer.cleared) viewer.cleared_all = viewer.cleared_all || name == "*";
    const Joining joining =
        join(results, viewer,
             JoinOptions{static_cast<unsigned>(options->threads), options->exact_up_to});
    const std::string rendered = render_joining(joining, format, options->limit);
    *out = copy_out(rendered);
    if (out_size) *out_size = rendered.size();
  });
}

int sg_training_pack(char** out, size_t* out_size, const sg_rules* rules,
                     const sg_training_options* options) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(rules, "rules");
    require(options, "options");
    check_version(options->version, SG_TRAINING_OPTIONS_VERSION, "sg_training_options");
    TrainingOptions training;
    training.seed = options->seed;
    training.difficulty = options->difficulty;
    training.scenarios = options->scenarios;
    if (options->as_of) training.as_of = date(options->as_of, "options.as_of", true);
    const std::vector<TrainingPage> pages = training_pack(rules->rules, training);
    nlohmann::json document;
    nlohmann::json list = nlohmann::json::array();
    for (const TrainingPage& page : pages)
      list.push_back({{"path", page.path}, {"html", page.html}});
    document["pages"] = std::move(list);
    const std::string rendered = document.dump();
    *out = copy_out(rendered);
    if (out_size) *out_size = rendered.size();
  });
}

// ---- The living record ----

namespace {

// A record for the length of one call; refused while another thread uses it (every record
// call reads or fills caches, so there is no shared read).
class RecordAccess {
 public:
  explicit RecordAccess(const sg_record* record) : record_(const_cast<sg_record*>(record)) {
    int users = 0;
    if (!record_->users.compare_exchange_strong(users, 1, std::memory_order_acquire,
                                                std::memory_order_relaxed)) {
      throw Error(Status::misuse,
                  "the record is being used by another thread (a record is used by one thread "
                  "at a time: see the threading rules in safeguard.h)");
    }
  }
  ~RecordAccess() { record_->users.store(0, std::memory_order_release); }
  RecordAccess(const RecordAccess&) = delete;
  RecordAccess& operator=(const RecordAccess&) = delete;

 private:
  sg_record* record_;
};

// A result handle for `results` (the C API's levels are ints).
sg_result* result_out(Results results) {
  auto result = std::make_unique<sg_result>(sg_result{std::move(results), {}});
  result->levels.assign(result->results.levels().begin(), result->results.levels().end());
  return result.release();
}

}  // namespace

int sg_record_new(sg_record** out) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    *out = new sg_record();
  });
}

void sg_record_free(sg_record* record) { delete record; }

int sg_batch_upsert_person(sg_batch* batch, const sg_person* person) {
  return upsert_with(batch, [&](sg_batch* b) { return sg_batch_add_person(b, person); });
}

int sg_batch_upsert_concern(sg_batch* batch, const sg_concern* concern) {
  return upsert_with(batch, [&](sg_batch* b) { return sg_batch_add_concern(b, concern); });
}

int sg_batch_upsert_factor(sg_batch* batch, const sg_factor* factor) {
  return upsert_with(batch, [&](sg_batch* b) { return sg_batch_add_factor(b, factor); });
}

int sg_batch_upsert_event(sg_batch* batch, const sg_event* event) {
  return upsert_with(batch, [&](sg_batch* b) { return sg_batch_add_event(b, event); });
}

int sg_batch_upsert_override(sg_batch* batch, const sg_override* judgement) {
  return upsert_with(batch, [&](sg_batch* b) { return sg_batch_add_override(b, judgement); });
}

int sg_batch_upsert_entity(sg_batch* batch, const char* kind, const char* id, const char* type,
                           const char* name) {
  std::string which;
  const int status = guard([&] { which = text(kind, "kind"); });
  if (status != SG_OK) return status;
  return upsert_with(batch, [&](sg_batch* b) {
    if (which == "agency") return sg_batch_add_agency(b, id, type, name);
    if (which == "place") return sg_batch_add_place(b, id, type, name);
    if (which == "group") return sg_batch_add_group(b, id, type, name);
    if (which == "household") return sg_batch_add_household(b, id);
    return guard([] { bad_argument("kind must be agency, place, group or household"); });
  });
}

int sg_batch_amend(sg_batch* batch, const char* kind, const char* id, const char* field,
                   const char* value) {
  return guard([&] {
    require(batch, "batch");
    RecordEdit edit = amendment_for(*batch, text(kind, "kind"), text(id, "id"));
    const std::string name = text(field, "field");
    std::visit(
        [&](auto& amend) {
          using T = std::decay_t<decltype(amend)>;
          if constexpr (std::is_invocable_v<FieldSetter, T&>) FieldSetter{name, value}(amend);
        },
        edit);
    put_amendment(*batch, std::move(edit));
  });
}

int sg_batch_amend_list(sg_batch* batch, const char* kind, const char* id, const char* field,
                        const char* const* values, size_t count) {
  return guard([&] {
    require(batch, "batch");
    RecordEdit edit = amendment_for(*batch, text(kind, "kind"), text(id, "id"));
    const std::string name = text(field, "field");
    const std::vector<std::string> list = text_list(values, count, "values");
    std::visit(
        [&](auto& amend) {
          using T = std::decay_t<decltype(amend)>;
          if constexpr (std::is_invocable_v<ListSetter, T&>) ListSetter{name, list}(amend);
        },
        edit);
    put_amendment(*batch, std::move(edit));
  });
}

int sg_batch_end_relation(sg_batch* batch, const char* kind, const char* from, const char* to,
                          const char* date_text) {
  return guard([&] {
    require(batch, "batch");
    EndRelation end;
    const std::string name = text(kind, "kind");
    if (!parse_relation_kind(name, end.kind)) bad_argument("unknown relation kind '" + name + "'");
    end.from = text(from, "from");
    end.to = text(to, "to");
    end.date = date(date_text, "date", true);
    add_record_edit(*batch, std::move(end));
  });
}

int sg_batch_end_membership(sg_batch* batch, const char* person, const char* date_text) {
  return guard([&] {
    require(batch, "batch");
    EndMembership end{text(person, "person"), date(date_text, "date", true)};
    add_record_edit(*batch, std::move(end));
  });
}

int sg_batch_end_factor(sg_batch* batch, const char* id, const char* date_text) {
  return guard([&] {
    require(batch, "batch");
    EndFactor end{text(id, "id"), date(date_text, "date", true)};
    add_record_edit(*batch, std::move(end));
  });
}

int sg_batch_retract(sg_batch* batch, const char* id, const char* date_text, const char* reason) {
  return guard([&] {
    require(batch, "batch");
    Retract retract{text(id, "id"), date(date_text, "date", true), text(reason, "reason")};
    if (retract.reason.empty()) bad_argument("reason is empty");
    add_record_edit(*batch, std::move(retract));
  });
}

int sg_batch_erase(sg_batch* batch, const char* person, const char* authority) {
  return guard([&] {
    require(batch, "batch");
    Erase erase{text(person, "person"), text(authority, "authority")};
    if (erase.authority.empty()) bad_argument("authority is empty");
    add_record_edit(*batch, std::move(erase));
  });
}

int sg_record_apply(unsigned long long* out_revision, sg_record* record, const sg_batch* batch,
                    const sg_provenance* provenance) {
  return guard([&] {
    require(record, "record");
    RecordAccess access(record);
    require(batch, "batch");
    const std::uint64_t revision = record->record.apply(record_batch_of(*batch, provenance));
    if (out_revision) *out_revision = revision;
  });
}

int sg_record_watch(sg_result** out, sg_record* record, const sg_rules* rules,
                    const sg_assess_options* options) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(record, "record");
    RecordAccess access(record);
    require(rules, "rules");
    require(options, "options");
    check_version(options->version, SG_ASSESS_OPTIONS_VERSION, "sg_assess_options");
    AssessOptions opts;
    opts.as_of = date(options->as_of, "options.as_of", true);
    opts.threads = options->threads;
    opts.process = process_of(*options);
    *out = result_out(record->record.watch(rules->rules, opts));
  });
}

int sg_record_apply_changes(sg_result** out, unsigned long long* out_revision, sg_record* record,
                            const sg_batch* batch, const sg_provenance* provenance) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(record, "record");
    RecordAccess access(record);
    require(batch, "batch");
    RecordBatch edits = record_batch_of(*batch, provenance);
    if (!record->record.watching())
      bad_argument("the record is not watched: call sg_record_watch first");
    // Room for the result is made first, so that once the batch is in, handing it out cannot
    // fail for want of memory.
    auto result = std::make_unique<sg_result>();
    const std::uint64_t revision = record->record.apply(edits);
    result->results = record->record.changed();
    result->levels.assign(result->results.levels().begin(), result->results.levels().end());
    if (out_revision) *out_revision = revision;
    *out = result.release();
  });
}

int sg_record_import_buffer(unsigned long long* out_revision, sg_record* record, const char* data,
                            size_t size, const char* name, const sg_provenance* provenance) {
  return guard([&] {
    require(record, "record");
    RecordAccess access(record);
    if (!data && size > 0) bad_argument("data is NULL");
    const std::string file = optional_text(name, "name");
    Provenance who = provenance_of(provenance);
    Batch batch = parse_case(std::string_view(data ? data : "", size), file);
    const std::uint64_t revision = record->record.apply(
        to_record_batch(std::move(batch), provenance->recorded_at, std::move(who)));
    if (out_revision) *out_revision = revision;
  });
}

int sg_record_revision(unsigned long long* out, const sg_record* record) {
  return guard([&] {
    require(out, "out");
    require(record, "record");
    RecordAccess access(record);
    *out = record->record.revision();
  });
}

int sg_record_assess(sg_result** out, const sg_record* record, const sg_rules* rules,
                     const sg_assess_options* options, long long known_at) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(record, "record");
    RecordAccess access(record);
    require(rules, "rules");
    require(options, "options");
    check_version(options->version, SG_ASSESS_OPTIONS_VERSION, "sg_assess_options");
    RecordAssessOptions opts;
    opts.as_of = date(options->as_of, "options.as_of", true);
    opts.known_at = known_at;
    opts.threads = options->threads;
    opts.process = process_of(*options);
    auto result =
        std::make_unique<sg_result>(sg_result{record->record.assess(rules->rules, opts), {}});
    result->levels.assign(result->results.levels().begin(), result->results.levels().end());
    *out = result.release();
  });
}

int sg_record_export(char** out, size_t* out_size, const sg_record* record, const char* as_of,
                     long long known_at) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(record, "record");
    RecordAccess access(record);
    const Day day = date(as_of, "as_of", true);
    buffer_out(out, out_size, save_case(*record->record.graph(day, known_at)));
  });
}

int sg_record_get(char** out, size_t* out_size, const sg_record* record, const char* id,
                  long long known_at) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(record, "record");
    RecordAccess access(record);
    std::vector<FactVersion> versions;
    if (auto found = record->record.get(text(id, "id"), known_at))
      versions.push_back(found->version);
    buffer_out(out, out_size, versions_json(versions));
  });
}

int sg_record_history(char** out, size_t* out_size, const sg_record* record, const char* id) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(record, "record");
    RecordAccess access(record);
    buffer_out(out, out_size, versions_json(record->record.history(text(id, "id"))));
  });
}

int sg_record_changes(char** out, size_t* out_size, const sg_record* record,
                      unsigned long long since, int format) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(record, "record");
    RecordAccess access(record);
    format_arg(format, true);
    buffer_out(out, out_size, render_trail(record->record.changes_since(since), format));
  });
}

int sg_record_trail(char** out, size_t* out_size, const sg_record* record, const char* id,
                    int format) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(record, "record");
    RecordAccess access(record);
    const std::string which = text(id, "id");
    format_arg(format, true);
    buffer_out(out, out_size, render_trail(record->record.trail(which), format));
  });
}

int sg_record_batch_trail(char** out, size_t* out_size, const sg_record* record,
                          unsigned long long revision, int format) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(record, "record");
    RecordAccess access(record);
    format_arg(format, true);
    buffer_out(out, out_size, render_trail(record->record.batch_trail(revision), format));
  });
}

// ---- Bundled rule packs ----

int sg_rules_bundled_count(size_t* out) {
  return guard([&] {
    require(out, "out");
    *out = bundled_pack_names().size();
  });
}

int sg_rules_bundled_name(const char** out, size_t k) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    if (k >= detail::kEmbeddedPackCount)
      throw Error(Status::out_of_range, "bundled pack " + std::to_string(k) + " is past the end (" +
                                            std::to_string(detail::kEmbeddedPackCount) + " packs)");
    *out = detail::kEmbeddedPacks[k].name;  // static storage
  });
}

int sg_rules_load_bundled(sg_rules** out, const char* name, const sg_limits* limits) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const PackLimits checked = limits ? pack_limits(limits) : PackLimits{};
    // Lint findings are computed once, by the rule set itself (RuleSet::lint_warnings).
    *out = new sg_rules{load_bundled_pack(text(name, "name"), checked)};
  });
}

// ---- Rule pack introspection ----

int sg_rules_index(sg_index_def* out, const sg_rules* rules, size_t index) {
  return guard([&] {
    require(out, "out");
    check_version(out->version, SG_INDEX_DEF_VERSION, "sg_index_def");
    require(rules, "rules");
    const auto& indices = rules->rules->indices();
    if (index >= indices.size())
      throw Error(Status::out_of_range, "index " + std::to_string(index) + " is past the end");
    out->id = indices[index].id.c_str();
    out->title = indices[index].title.c_str();
  });
}

int sg_rules_index_threshold(double* out, const sg_rules* rules, size_t index, size_t level) {
  return guard([&] {
    require(out, "out");
    require(rules, "rules");
    const auto& indices = rules->rules->indices();
    if (index >= indices.size())
      throw Error(Status::out_of_range, "index " + std::to_string(index) + " is past the end");
    if (level >= indices[index].thresholds.size())
      throw Error(Status::out_of_range, "level " + std::to_string(level) + " is past the end");
    *out = indices[index].thresholds[level];
  });
}

int sg_rules_level(sg_level_def* out, const sg_rules* rules, size_t level) {
  return guard([&] {
    require(out, "out");
    check_version(out->version, SG_LEVEL_DEF_VERSION, "sg_level_def");
    require(rules, "rules");
    const auto& levels = rules->rules->levels();
    if (level >= levels.size())
      throw Error(Status::out_of_range, "level " + std::to_string(level) + " is past the end");
    out->id = levels[level].id.c_str();
    out->title = levels[level].title.c_str();
    out->min = levels[level].min;
  });
}

int sg_rules_rule(sg_rule_def* out, const sg_rules* rules, size_t k) {
  return guard([&] {
    require(out, "out");
    check_version(out->version, SG_RULE_DEF_VERSION, "sg_rule_def");
    require(rules, "rules");
    const RuleSet& pack = *rules->rules;
    if (k >= pack.rules().size())
      throw Error(Status::out_of_range, "rule " + std::to_string(k) + " is past the end");
    const Rule& rule = pack.rules()[k];
    out->id = rule.id.c_str();
    out->title = rule.title.c_str();
    out->index = rule.index;
    out->index_id = pack.indices()[rule.index].id.c_str();
    out->heading = to_string(rule.heading).data();
    out->over = scope_name(rule.scope);
    out->condition = rule.when.source.c_str();
    out->points = rule.points.source.c_str();
    out->half_life_days = rule.half_life_days;
    out->cap = rule.cap;
    out->reach_count = static_cast<size_t>(
        std::count_if(rule.reach.begin(), rule.reach.end(), [](double f) { return f != 0; }));
    out->line = rule.where.line;
  });
}

int sg_rules_rule_reach(const char** out_path, double* out_factor, const sg_rules* rules,
                        size_t rule, size_t k) {
  return guard([&] {
    require(out_path, "out_path");
    *out_path = nullptr;
    require(out_factor, "out_factor");
    require(rules, "rules");
    const auto& all = rules->rules->rules();
    if (rule >= all.size())
      throw Error(Status::out_of_range, "rule " + std::to_string(rule) + " is past the end");
    std::size_t seen = 0;
    for (int r = 0; r < kRoleCount; ++r) {
      const double factor = all[rule].reach[static_cast<std::size_t>(r)];
      if (factor == 0) continue;
      if (seen++ == k) {
        *out_path = to_string(static_cast<Role>(r)).data();
        *out_factor = factor;
        return;
      }
    }
    throw Error(Status::out_of_range,
                "reach " + std::to_string(k) + " of rule '" + all[rule].id + "' is past the end");
  });
}

int sg_rules_override(sg_policy_override_def* out, const sg_rules* rules, size_t k) {
  return guard([&] {
    require(out, "out");
    check_version(out->version, SG_POLICY_OVERRIDE_DEF_VERSION, "sg_policy_override_def");
    require(rules, "rules");
    const RuleSet& pack = *rules->rules;
    if (k >= pack.overrides().size())
      throw Error(Status::out_of_range, "override " + std::to_string(k) + " is past the end");
    const PolicyOverride& o = pack.overrides()[k];
    out->id = o.id.c_str();
    out->reason = o.reason.c_str();
    out->condition = o.when.source.c_str();
    out->min_level = o.min_level;
    out->min_level_id = o.min_level >= 0
                            ? pack.levels()[static_cast<std::size_t>(o.min_level)].id.c_str()
                            : nullptr;
    out->immediate_safety = o.immediate_safety ? 1 : 0;
    out->line = o.where.line;
  });
}

// ---- Copies and synthetic caseloads ----

int sg_graph_copy(sg_graph** out, const sg_graph* graph) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(graph, "graph");
    ReadAccess access(graph);
    auto copy = std::make_unique<sg_graph>(graph->graph.limits(), graph->file_limits);
    copy->graph = graph->graph;
    *out = copy.release();
  });
}

int sg_graph_generate(sg_graph** out, const sg_caseload_options* options) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(options, "options");
    check_version(options->version, SG_CASELOAD_OPTIONS_VERSION, "sg_caseload_options");
    if (options->children == 0) bad_argument("options.children must be at least 1");
    CaseloadOptions caseload;
    caseload.children = options->children;
    caseload.seed = options->seed;
    if (options->as_of) caseload.as_of = date(options->as_of, "options.as_of", true);
    auto graph = std::make_unique<sg_graph>();
    generate_caseload(graph->graph, caseload);
    *out = graph.release();
  });
}

// ---- Progress and cancellation ----

int sg_graph_load_file_progress(sg_graph* graph, const char* path, sg_progress_fn progress,
                                void* user) {
  return guard([&] {
    require(graph, "graph");
    EditAccess access(graph);
    load_case_file(graph->graph, text(path, "path"), graph->file_limits,
                   progress_of(progress, user));
  });
}

int sg_graph_save_file_progress(const sg_graph* graph, const char* path, sg_progress_fn progress,
                                void* user) {
  return guard([&] {
    require(graph, "graph");
    ReadAccess access(graph);
    save_case_file(graph->graph, text(path, "path"), progress_of(progress, user));
  });
}

int sg_assess_progress(sg_result** out, const sg_graph* graph, const sg_rules* rules,
                       const sg_assess_options* options, sg_progress_fn progress, void* user) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(graph, "graph");
    require(rules, "rules");
    require(options, "options");
    check_version(options->version, SG_ASSESS_OPTIONS_VERSION, "sg_assess_options");
    AssessOptions opts;
    opts.as_of = date(options->as_of, "options.as_of", true);
    opts.threads = options->threads;
    opts.progress = progress_of(progress, user);
    opts.process = process_of(*options);
    std::shared_ptr<const Snapshot> snapshot;
    {
      // Only taking the snapshot reads the graph; the assessment reads the snapshot, which an
      // edit never changes.
      ReadAccess access(graph);
      snapshot = graph->assessor.snapshot();
    }
    auto result = std::make_unique<sg_result>(sg_result{assess(rules->rules, snapshot, opts), {}});
    result->levels.assign(result->results.levels().begin(), result->results.levels().end());
    *out = result.release();
  });
}

// ---- Error details ----

const sg_error_detail* sg_error_last_detail(void) {
  thread_local sg_error_detail detail;
  const auto or_null = [](const std::string& text) {
    return text.empty() ? nullptr : text.c_str();
  };
  detail.version = SG_ERROR_DETAIL_VERSION;
  detail.status = t_status;
  detail.message = t_error.c_str();
  detail.reason = t_place.reason.empty() ? t_error.c_str() : t_place.reason.c_str();
  detail.file = or_null(t_place.file);
  detail.line = t_place.line;
  detail.column = t_place.column;
  detail.entity = or_null(t_place.entity);
  detail.item = t_place.item;
  return &detail;
}

// ---- The record's durable store ----

int sg_record_open(sg_record** out, const char* path, int flags) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const std::string file = text(path, "path");
    if (file.empty()) bad_argument("path is empty");
    if (flags & ~SG_OPEN_CREATE) bad_argument("flags has bits other than SG_OPEN_CREATE");
    auto record = std::make_unique<sg_record>();
    record->record = Record::open(
        file, GraphLimits{},
        (flags & SG_OPEN_CREATE) ? StoreOpen::create_if_missing : StoreOpen::must_exist);
    *out = record.release();
  });
}

}  // extern "C"

// ---- Children in Need census returns ------------------------------------------------------

namespace {

cin::ReadOptions cin_options(int strict) {
  if (strict != 0 && strict != 1) bad_argument("strict must be 0 or 1");
  cin::ReadOptions options;
  options.strict = strict == 1;
  return options;
}

}  // namespace

int sg_cin_load_file(sg_graph* graph, const char* path, int strict) {
  return guard([&] {
    require(graph, "graph");
    const cin::ReadOptions options = cin_options(strict);
    const std::string file = text(path, "path");
    EditAccess access(graph);
    cin::load(graph->graph, cin::read_file(file, options), file);
  });
}

int sg_cin_read_file(char** out, size_t* out_size, const char* path, int strict) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const cin::ReadOptions options = cin_options(strict);
    cin::Return cin_return = cin::read_file(text(path, "path"), options);
    cin::Conversion conversion = cin::to_batch(cin_return);
    for (cin::Finding& finding : conversion.findings) {
      cin_return.findings.push_back(std::move(finding));
    }
    const std::string json = cin::to_json(cin_return);
    *out = copy_out(json);
    if (out_size) *out_size = json.size();
  });
}

int sg_cin_measures_file(char** out, size_t* out_size, const char* path) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const cin::Return cin_return = cin::read_file(text(path, "path"));
    const std::string json = cin::to_json(cin::measures(cin_return));
    *out = copy_out(json);
    if (out_size) *out_size = json.size();
  });
}

// ---- Vocabulary (issue 17) ----

namespace {
const VocabularyFinding& vocabulary_finding(const sg_result* result, size_t k) {
  const auto& findings = results_of(result).vocabulary();
  if (k >= findings.size())
    throw Error(Status::out_of_range,
                "vocabulary finding " + std::to_string(k) + " is past the end");
  return findings[k];
}
}  // namespace

int sg_result_vocabulary_count(size_t* out, const sg_result* result) {
  return guard([&] {
    require(out, "out");
    *out = results_of(result).vocabulary().size();
  });
}

int sg_result_vocabulary(sg_vocabulary_finding* out, const sg_result* result, size_t k) {
  return guard([&] {
    require(out, "out");
    check_version(out->version, SG_VOCABULARY_FINDING_VERSION, "sg_vocabulary_finding");
    const VocabularyFinding& finding = vocabulary_finding(result, k);
    out->code = finding.code.c_str();
    out->name = finding.name.c_str();
    out->count = finding.count;
    out->message = finding.message.c_str();
  });
}

int sg_result_vocabulary_id(const char** out, const sg_result* result, size_t k, size_t i) {
  return guard([&] {
    require(out, "out");
    const VocabularyFinding& finding = vocabulary_finding(result, k);
    if (i >= finding.ids.size())
      throw Error(Status::out_of_range, "id " + std::to_string(i) + " is past the end");
    *out = finding.ids[i].c_str();
  });
}

int sg_check_vocabulary(const sg_graph* graph, const sg_rules* rules) {
  return guard([&] {
    require(graph, "graph");
    require(rules, "rules");
    std::shared_ptr<const Snapshot> snapshot;
    {
      ReadAccess access(graph);
      snapshot = graph->assessor.snapshot();
    }
    const auto findings = check_vocabulary(*snapshot, {rules->rules.get()});
    if (!findings.empty())
      throw Error(Status::invalid_data, findings.front().message,
                  Location{{}, 0, 0, findings.front().ids.front()});
  });
}
