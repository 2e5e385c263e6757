// The C API's shared machinery: the thread-local error state, guard()'s failure paths,
// argument conversion, and the library-wide entry points (version, status, buffers, errors).
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "c_api/shim.hpp"
#include "util/utf8.hpp"

using namespace safeguard;
using namespace safeguard::capi;

namespace safeguard::capi {

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

}  // namespace

// Messages name what the caller passed (a kind, a decision, an id): written printable, as an
// Error's are (detail::printable_message), so that none holds a NUL, an escape sequence or
// broken UTF-8.
int fail(ArgumentError&& e) noexcept {
  return set_error_with(SG_E_INVALID_ARGUMENT,
                        [&] { return detail::printable_message(e.message); });
}

int fail(const Error& e) noexcept {
  const int status =
      set_error_with(static_cast<int>(e.status()), [&] { return std::string(e.what()); });
  remember_place(e);
  return status;
}

int fail_out_of_memory() noexcept {
  return set_error_with(SG_E_NOMEM, [] { return std::string("out of memory"); });
}

int fail_internal(const char* what) noexcept {
  return set_error_with(SG_E_INTERNAL, [&] {
    return what ? detail::printable_message(std::string("internal error: ") + what)
                : std::string("internal error");
  });
}

[[noreturn]] void misuse(const char* what) {
  throw Error(Status::misuse, std::string(what) +
                                  " (a graph may be read by several threads at once or edited "
                                  "by one, never both: see the threading rules in safeguard.h)");
}

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

Viewer cleared_viewer(const char* const* cleared, std::size_t count, const char* name) {
  Viewer viewer;
  viewer.cleared = text_list(cleared, count, name);
  for (const std::string& id : viewer.cleared) viewer.cleared_all = viewer.cleared_all || id == "*";
  return viewer;
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

const char* format_arg(int format, bool csv_allowed) {
  if (format == SG_FORMAT_JSON) return "json";
  if (format == SG_FORMAT_CSV && csv_allowed) return "csv";
  bad_argument(csv_allowed ? "format must be SG_FORMAT_JSON or SG_FORMAT_CSV"
                           : "format must be SG_FORMAT_JSON");
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

// The process an sg_assess_options names (version 2 and later), or null for the bundled one.
std::shared_ptr<const Process> process_of(const sg_assess_options& options) {
  if (options.version < 2 || !options.process) return nullptr;
  return options.process->process;
}

// The explanations an sg_assess_options asks for (version 3 and later); eager before.
Explanations explanations_of(const sg_assess_options& options) {
  if (options.version < 3) return Explanations::eager;
  switch (options.explanations) {
    case SG_EXPLANATIONS_EAGER:
      return Explanations::eager;
    case SG_EXPLANATIONS_LAZY:
      return Explanations::lazy;
    default:
      throw Error(Status::invalid_argument,
                  "options.explanations is " + std::to_string(options.explanations) +
                      ", not SG_EXPLANATIONS_EAGER or SG_EXPLANATIONS_LAZY");
  }
}

// A result handle for `results` (the C API's levels are ints).
sg_result* result_out(Results results) {
  auto result = std::make_unique<sg_result>(sg_result{std::move(results), {}});
  result->levels.assign(result->results.levels().begin(), result->results.levels().end());
  return result.release();
}

char* join_texts(const char* const* texts, std::size_t count, std::size_t* size) {
  std::vector<std::size_t> lengths(count);
  std::size_t total = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (!texts[i]) bad_argument("texts[" + std::to_string(i) + "] is NULL");
    lengths[i] = std::strlen(texts[i]) + 1;
    total += lengths[i];
  }
  char* buffer = new char[total + 1];
  char* at = buffer;
  for (std::size_t i = 0; i < count; ++i) {
    std::memcpy(at, texts[i], lengths[i]);
    at += lengths[i];
  }
  *at = '\0';  // a valid, terminated buffer even for no texts
  *size = total;
  return buffer;
}

}  // namespace safeguard::capi

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

int sg_texts_join(char** out, size_t* out_size, const char* const* texts, size_t text_count) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    if (text_count > 0) require(texts, "texts");
    std::size_t size = 0;
    *out = join_texts(texts, text_count, &size);
    if (out_size) *out_size = size;
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

}  // extern "C"
