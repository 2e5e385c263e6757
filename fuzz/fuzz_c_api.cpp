// Fuzzes sequences of C API calls. The input is read as a little program: each operation byte
// picks a call (queue an edit or event or judgement in a batch, apply it, assess with one of
// the bundled packs, explain, query timelines and places, working-day arithmetic, save and
// load, load fuzzed bytes as a case file, add a table of fuzzed column buffers...) and the
// following bytes pick its arguments from small pools of ids, dates and kinds that mostly make
// sense, mixed with raw fuzzed strings that mostly do not.
//
// Invariants checked after every call, besides "no crash, leak or sanitizer report":
// - every failure returns an SG_E_* code with a message;
// - a failed apply or load leaves the graph byte-for-byte as it was;
// - the graph always saves to a file that loads back to the same bytes;
// - contributions of each index add up exactly to its score;
// - results are bit-identical with 1 and 3 threads.
#include <unistd.h>

#include <cstring>
#include <deque>
#include <vector>

#include "fuzz_common.hpp"

#ifndef SAFEGUARD_SOURCE_DIR
#define SAFEGUARD_SOURCE_DIR "."
#endif

namespace {

const char* const kIds[] = {"P-1",  "P-2", "P-3",  "P-4",      "C-1",   "C-2",        "C-3",
                            "F-1",  "F-2", "AG-1", "AG-2",     "AG-3",  "HH-1",       "HH-2",
                            "PL-1", "G-1", "",     "\xff\xfe", "P-1\n", "C-\xc3\x28", "P-\xe2\x82"};
const char* const kDates[] = {nullptr,      "2026-01-15", "2025-06-01", "2026-02-30",
                              "2026-11-01", "not-a-date", "1900-01-01", "9999-12-31",
                              "2024-02-29", "2026-13-01", "",           "2026-1-1"};
const char* const kCategories[] = {
    "domestic_abuse", "school_attendance", "physical_injury", "neglect",
    "mental_health",  "cse_indicator",     "missing_episode", ""};
const char* const kTypes[] = {"police", "school", "health", "social_care", "housing", ""};
const char* const kRelations[] = {"parent_of", "carer_of",  "sibling_of", "partner_of", "associate",
                                  "member_of", "frequents", "household",  "about",      "raises",
                                  ""};
const char* const kKinds[] = {nullptr, "person", "agency",    "concern",  "factor",
                              "place", "group",  "household", "spaceship"};
const char* const kEventKinds[] = {"referral",
                                   "referral_decision",
                                   "strategy_discussion",
                                   "assessment_start",
                                   "assessment_complete",
                                   "initial_conference",
                                   "review_conference",
                                   "plan_end",
                                   "party"};
const char* const kDirections[] = {"raise", "lower", "sideways", ""};
const char* const kNations[] = {"england-and-wales", "scotland", "northern-ireland", "wales", ""};
const char* const kPacks[] = {"default", "dash", "neglect", "exploitation"};

template <typename T, std::size_t N>
constexpr std::size_t count(const T (&)[N]) {
  return N;
}

// Picks from a pool, or (for a high byte) takes a raw fuzzed string.
class Program {
 public:
  Program(const std::uint8_t* data, std::size_t size) : in_(data, size) {}

  bool more() const { return !in_.empty(); }
  std::uint8_t byte() { return in_.byte(); }

  const char* id() { return pick(kIds, count(kIds)); }
  const char* date() { return pick(kDates, count(kDates)); }
  const char* category() { return pick(kCategories, count(kCategories)); }
  const char* type() { return pick(kTypes, count(kTypes)); }
  const char* relation() { return pick(kRelations, count(kRelations)); }
  const char* kind() { return pick(kKinds, count(kKinds)); }
  const char* event_kind() { return pick(kEventKinds, count(kEventKinds)); }
  const char* direction() { return pick(kDirections, count(kDirections)); }
  const char* nation() { return pick(kNations, count(kNations)); }
  int small_int() { return static_cast<int>(static_cast<std::int8_t>(byte())) * (byte() % 4 + 1); }
  // Raw bytes to load as a case file (mostly malformed; seeds and the fuzzer find the rest).
  std::string bytes_for_load() { return in_.bytes(255); }
  const char* optional_text() { return (byte() & 1) ? nullptr : raw(); }

  // A list of ids that lives until the next call to ids().
  const char* const* ids(std::size_t& n) {
    n = byte() % 4;
    list_.clear();
    for (std::size_t i = 0; i < n; ++i) list_.push_back(id());
    return list_.data();
  }

 private:
  const char* pick(const char* const* pool, std::size_t n) {
    const std::uint8_t b = byte();
    if (b < 0xF0) return pool[b % n];
    return raw();
  }
  const char* raw() {
    strings_.push_back(in_.bytes(24));
    strings_.back().push_back('\0');  // keep NUL-terminated even if it has inner NULs
    return strings_.back().c_str();
  }

  fuzz::Reader in_;
  std::deque<std::string> strings_;  // keeps raw strings alive (and in place) for the program
  std::vector<const char*> list_;
};

// The bundled packs, loaded once each.
sg_rules* bundled_rules(std::size_t which) {
  static sg_rules* packs[count(kPacks)] = {};
  which %= count(kPacks);
  if (!packs[which]) {
    const std::string path = std::string(SAFEGUARD_SOURCE_DIR "/rules/") + kPacks[which] + ".toml";
    const int status = sg_rules_load_file(&packs[which], path.c_str());
    fuzz::check(status == SG_OK, "a bundled rule pack does not load", sg_error_last());
  }
  return packs[which];
}
sg_rules* default_rules() { return bundled_rules(0); }

std::vector<double> score_matrix(const sg_result* result) {
  const double* matrix = nullptr;
  std::size_t rows = 0, cols = 0;
  fuzz::check(sg_result_scores(&matrix, &rows, &cols, result) == SG_OK, "sg_result_scores");
  return std::vector<double>(matrix, matrix + rows * cols);
}

void check_sums(const sg_result* result, const sg_rules* rules) {
  std::size_t children = 0, indices = 0;
  sg_result_child_count(&children, result);
  sg_result_index_count(&indices, result);
  for (std::size_t row = 0; row < children; ++row) {
    sg_child_result child = SG_CHILD_RESULT_INIT;
    fuzz::check(sg_result_child(&child, result, row) == SG_OK, "sg_result_child");
    // Under a pack's contextual = "apart" (docs/rules.md, "Contextual risk") the rule lines add
    // up to the index score and the propagated lines to the contextual score; under "included"
    // every line adds up to the index score.
    const char* policy = nullptr;
    fuzz::check(sg_result_contextual_policy(&policy, result) == SG_OK, "contextual policy");
    const bool apart = policy && std::strcmp(policy, "apart") == 0;
    std::vector<double> sums(indices, 0.0), contextual(indices, 0.0);
    for (std::size_t k = 0; k < child.contribution_count; ++k) {
      sg_contribution c = SG_CONTRIBUTION_INIT;
      fuzz::check(sg_result_contribution(&c, result, row, k) == SG_OK, "contribution");
      const bool propagated = std::strcmp(c.kind, "propagated") == 0;
      for (std::size_t i = 0; i < indices; ++i) {
        const char* id = nullptr;
        sg_rules_index_id(&id, rules, i);
        if (std::strcmp(id, c.index_id) != 0) continue;
        if (propagated) contextual[i] += c.value;
        if (!(propagated && apart)) sums[i] += c.value;
      }
    }
    for (std::size_t i = 0; i < indices; ++i) {
      double score = 0, context = 0;
      fuzz::check(sg_result_index_score(&score, nullptr, result, row, i) == SG_OK, "score");
      fuzz::check(sg_result_contextual_score(&context, result, row, i) == SG_OK, "context");
      fuzz::check(context == contextual[i], "propagated lines do not add up to the context");
      fuzz::check(score == sums[i], "contributions do not add up to the index score");
    }
  }
}

struct State {
  sg_graph* graph = nullptr;
  sg_batch* batch = nullptr;
  sg_result* result = nullptr;

  State() {
    fuzz::check(sg_graph_new(&graph) == SG_OK, "sg_graph_new");
    fuzz::check(sg_batch_new(&batch) == SG_OK, "sg_batch_new");
  }
  ~State() {
    sg_result_free(result);
    sg_batch_free(batch);
    sg_graph_free(graph);
  }
};

// Queues one edit; the adders check only the form of their arguments.
void queue_edit(Program& p, State& s, std::uint8_t which) {
  int status = SG_OK;
  switch (which % 15) {
    case 0: {
      sg_person person = SG_PERSON_INIT;
      person.id = p.id();
      person.kind = p.byte() % 3 == 2 ? 7 : p.byte() % 2;
      person.dob = p.date();
      person.household = (p.byte() & 1) ? p.id() : nullptr;
      std::vector<const char*> flags;
      const std::size_t n = p.byte() % 3;
      for (std::size_t i = 0; i < n; ++i) flags.push_back(p.category());
      person.flags = flags.data();
      person.flag_count = n;
      status = sg_batch_add_person(s.batch, &person);
      break;
    }
    case 1:
      status = sg_batch_add_agency(s.batch, p.id(), p.type(), p.optional_text());
      break;
    case 2:
      status = sg_batch_add_household(s.batch, p.id());
      break;
    case 3:
    case 4: {
      sg_concern concern = SG_CONCERN_INIT;
      concern.id = p.id();
      concern.category = p.category();
      concern.severity = static_cast<int>(p.byte() % 7);
      concern.incident = p.date();
      concern.recorded = p.date();
      concern.status = static_cast<int>(p.byte() % 5);
      concern.source = p.id();
      concern.restricted = p.byte() & 1;
      std::size_t about_n = 0;
      const char* const* about = p.ids(about_n);
      std::vector<const char*> about_copy(about, about + about_n);
      concern.about = about_copy.data();
      concern.about_count = about_n;
      std::size_t involves_n = 0;
      const char* const* involves = p.ids(involves_n);
      concern.involves = involves;
      concern.involves_count = involves_n;
      concern.summary = p.optional_text();
      status = which % 15 == 3 ? sg_batch_add_concern(s.batch, &concern)
                               : sg_batch_amend_concern(s.batch, &concern);
      break;
    }
    case 5: {
      sg_factor factor = SG_FACTOR_INIT;
      factor.id = p.id();
      factor.kind = p.byte() & 1 ? "protective_adult" : "safety_plan";
      factor.strength = static_cast<int>(p.byte() % 7);
      factor.start = p.date();
      factor.end = p.date();
      factor.provided_by = (p.byte() & 1) ? p.id() : nullptr;
      std::size_t n = 0;
      factor.protects = p.ids(n);
      factor.protects_count = n;
      factor.summary = p.optional_text();
      status = sg_batch_add_factor(s.batch, &factor);
      break;
    }
    case 6:
      status = sg_batch_add_relation(s.batch, p.relation(), p.id(), p.id());
      break;
    case 7:
      status = sg_batch_retract_concern(s.batch, p.id());
      break;
    case 8:
      status = sg_batch_erase_person(s.batch, p.id());
      break;
    case 9:
      status = sg_batch_add_place(s.batch, p.id(), p.type(), p.optional_text());
      break;
    case 10:
      status = sg_batch_add_group(s.batch, p.id(), p.type(), p.optional_text());
      break;
    case 11: {
      sg_event event = SG_EVENT_INIT;
      event.id = p.id();
      event.kind = p.event_kind();
      event.date = p.date();
      std::size_t n = 0;
      event.about = p.ids(n);
      event.about_count = n;
      event.note = p.optional_text();
      status = sg_batch_add_event(s.batch, &event);
      break;
    }
    case 12: {
      sg_override judgement = SG_OVERRIDE_INIT;
      judgement.id = p.id();
      judgement.child = p.id();
      judgement.direction = p.direction();
      judgement.date = p.date();
      judgement.author = (p.byte() & 1) ? "SW-TEAM-1" : p.optional_text();
      judgement.reason = (p.byte() & 1) ? "Fictional reason" : p.optional_text();
      status = sg_batch_add_override(s.batch, &judgement);
      break;
    }
    case 13:
      status = sg_batch_set_nation(s.batch, p.nation());
      break;
    case 14:
      status = sg_batch_add_closure(s.batch, p.date());
      break;
  }
  if (status != SG_OK) fuzz::check_error_message(status);
}

void assess(Program& p, State& s) {
  sg_result_free(s.result);
  s.result = nullptr;
  sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
  options.as_of = p.date();
  sg_rules* rules = bundled_rules(p.byte());
  const int status = sg_assess(&s.result, s.graph, rules, &options);
  if (status != SG_OK) {
    fuzz::check_error_message(status);
    fuzz::check(s.result == nullptr, "a failed assessment returned a result");
    return;
  }
  check_sums(s.result, rules);
  options.threads = 3;
  sg_result* other = nullptr;
  fuzz::check(sg_assess(&other, s.graph, rules, &options) == SG_OK,
              "assessment succeeded with 1 thread but not with 3", sg_error_last());
  const std::vector<double> a = score_matrix(s.result), b = score_matrix(other);
  fuzz::check(
      a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * 8) == 0),
      "scores differ between 1 and 3 threads");
  sg_result_free(other);
}

void explain(Program& p, State& s) {
  if (!s.result) return;
  sg_explain_options options = SG_EXPLAIN_OPTIONS_INIT;
  options.format = p.byte() % 3;  // 2 is not a format: must be refused
  std::size_t n = 0;
  const char* const* cleared = p.ids(n);
  options.viewer_cleared = cleared;
  options.viewer_cleared_count = n;
  char* text = nullptr;
  std::size_t size = 0;
  const int status = sg_result_explain(&text, &size, s.result, p.byte() % 4, &options);
  if (status != SG_OK) {
    fuzz::check_error_message(status);
    fuzz::check(text == nullptr, "a failed explain returned a buffer");
  } else {
    fuzz::check(std::strlen(text) == size, "explain size disagrees with the text");
  }
  sg_buffer_free(text);
}

void query(Program& p, State& s) {
  if (!s.result) return;
  const std::size_t row = p.byte() % 4, k = p.byte() % 8;
  sg_child_result child = SG_CHILD_RESULT_INIT;
  sg_result_child(&child, s.result, row);
  sg_contribution c = SG_CONTRIBUTION_INIT;
  sg_result_contribution(&c, s.result, row, k);
  const char* id = nullptr;
  const char* reason = nullptr;
  sg_result_override(&id, &reason, s.result, row, k);
  sg_result_not_assessable(&id, &reason, s.result, row, k);
  std::size_t found = 0;
  sg_result_find_child(&found, s.result, p.id());
  double score = 0;
  int level = 0;
  sg_result_index_score(&score, &level, s.result, row, k);
  const int* levels = nullptr;
  std::size_t rows = 0;
  fuzz::check(sg_result_levels(&levels, &rows, s.result) == SG_OK, "sg_result_levels");
  std::size_t n = 0;
  sg_result_step_count(&n, s.result, row);
  sg_step step = SG_STEP_INIT;
  sg_result_step(&step, s.result, row, k);
  sg_result_timeline_issue_count(&n, s.result, row);
  sg_result_timeline_issue(&id, &reason, s.result, row, k);
  sg_discretionary judgement = SG_DISCRETIONARY_INIT;
  sg_result_discretionary(&judgement, s.result, row);
  sg_result_place_count(&n, s.result);
  sg_place_result place = SG_PLACE_RESULT_INIT;
  sg_result_place(&place, s.result, row);
  sg_result_find_place(&found, s.result, p.id());
  sg_result_place_index_score(&score, s.result, row, k);
  sg_result_place_contribution(&c, s.result, row, k);
  sg_explain_options options = SG_EXPLAIN_OPTIONS_INIT;
  options.format = p.byte() % 2;
  char* text = nullptr;
  if (sg_result_place_explain(&text, nullptr, s.result, row, &options) == SG_OK)
    fuzz::check(text != nullptr, "place explanation without text");
  sg_buffer_free(text);
}

// Working-day arithmetic on the graph's own calendar and on the free date functions.
void calendar(Program& p, State& s) {
  sg_calendar* cal = nullptr;
  if (sg_graph_calendar(&cal, s.graph) != SG_OK) return;
  if (p.byte() & 1) sg_calendar_add_closure(cal, p.date());
  int flag = 0, days = 0;
  sg_calendar_is_working_day(&flag, cal, p.date());
  char date[SG_DATE_SIZE];
  if (sg_calendar_add_working_days(date, cal, p.date(), p.small_int()) == SG_OK)
    fuzz::check(std::strlen(date) == SG_DATE_SIZE - 1, "a date that is not YYYY-MM-DD", date);
  sg_calendar_working_days_between(&days, cal, p.date(), p.date());
  sg_calendar_free(cal);
  std::size_t holidays = 0;
  const int year = 1390 + p.byte() * 40 + p.byte();
  const char* nation = p.nation();
  if (sg_bank_holiday_count(&holidays, nation, year) == SG_OK && holidays > 0)
    fuzz::check(sg_bank_holiday(date, nation, year, p.byte() % holidays) == SG_OK,
                "a bank holiday within the count is missing", sg_error_last());
  sg_date_add_months(date, p.date(), p.small_int() * 100);
  int years = 0, months = 0;
  sg_age(&years, &months, p.date(), p.date());
}

void save_and_load_file(State& s) {
  static const std::string path = "/tmp/safeguard-fuzz-" + std::to_string(getpid()) + ".json";
  if (sg_graph_save_file(s.graph, path.c_str()) != SG_OK)
    fuzz::die("sg_graph_save_file failed", sg_error_last());
  sg_graph* copy = nullptr;
  sg_graph_new(&copy);
  if (sg_graph_load_file(copy, path.c_str()) != SG_OK)
    fuzz::die("a saved case file does not load", sg_error_last());
  fuzz::check(fuzz::saved(copy) == fuzz::saved(s.graph), "file round trip changed the graph");
  sg_graph_free(copy);
  unlink(path.c_str());
}

// A table of one section with a few columns of any type, their cells from the pools (or raw
// bytes), some missing: buffers always well formed (malformed ones are the misuse test's), so
// what is fuzzed is how the case reader's mapping and the graph take what they hold.
void add_table(Program& p, State& s) {
  static const char* const kSections[] = {"agencies", "households", "persons", "places",
                                          "groups",   "concerns",   "factors", "relations",
                                          "events",   "overrides",  "entries", "calendar"};
  static const char* const kFields[] = {
      "id",       "kind",     "type",     "dob",      "household",  "flags",  "category",
      "severity", "recorded", "source",   "about",    "restricted", "from",   "to",
      "date",     "strength", "protects", "child",    "direction",  "author", "reason",
      "text",     "value",    "nation",   "closures", "colour"};
  struct Column {
    std::string name;
    int type = SG_COLUMN_TEXT;
    std::vector<std::uint8_t> validity;
    std::vector<std::int64_t> offsets{0}, list_offsets{0};
    std::string data;
    std::vector<double> numbers;
    std::vector<std::int32_t> days;
    std::vector<std::uint8_t> flags;
  };
  sg_table table = SG_TABLE_INIT;
  table.name = kSections[p.byte() % count(kSections)];
  table.row_count = p.byte() % 4;
  std::vector<Column> columns(p.byte() % 5);
  for (Column& c : columns) {
    c.name = kFields[p.byte() % count(kFields)];
    c.type = 1 + p.byte() % 5;
    c.validity.assign(1, p.byte() | 0xF0);  // a row may be missing
    for (std::size_t row = 0; row < table.row_count; ++row) {
      const std::size_t items = c.type == SG_COLUMN_TEXT_LIST ? p.byte() % 3 : 1;
      for (std::size_t i = 0; i < items; ++i) {
        const char* text = p.byte() & 1 ? p.date() : p.id();
        c.data += text ? text : "";
        c.offsets.push_back(static_cast<std::int64_t>(c.data.size()));
      }
      c.list_offsets.push_back(static_cast<std::int64_t>(c.offsets.size() - 1));
      c.numbers.push_back(p.small_int() / 2.0);
      c.days.push_back(static_cast<std::int32_t>(p.small_int()) * 97 + 20000);
      c.flags.push_back(p.byte() % 3);
    }
  }
  std::vector<sg_column> views;
  for (const Column& c : columns) {
    sg_column view{};
    view.name = c.name.c_str();
    view.type = c.type;
    view.validity = c.validity.data();
    view.offsets = c.offsets.data();
    view.list_offsets = c.list_offsets.data();
    view.data = c.data.data();
    view.data_size = c.data.size();
    view.numbers = c.numbers.data();
    view.days = c.days.data();
    view.flags = c.flags.data();
    views.push_back(view);
  }
  table.columns = views.data();
  table.column_count = views.size();
  const std::string before = fuzz::saved(s.graph);
  const int status = sg_graph_add_tables(s.graph, &table, 1);
  if (status != SG_OK) {
    fuzz::check_error_message(status);
    fuzz::check(fuzz::saved(s.graph) == before, "a refused table changed the graph",
                sg_error_last());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Program p(data, size);
  State s;
  // Start from nothing, the small base case, or one of the bundled example files.
  switch (p.byte() % 4) {
    case 1: {
      const std::string base = fuzz::base_case();
      fuzz::check(sg_graph_load_buffer(s.graph, base.data(), base.size(), "base") == SG_OK,
                  "the base case does not load", sg_error_last());
      break;
    }
    case 2:
      fuzz::check(
          sg_graph_load_file(s.graph, SAFEGUARD_SOURCE_DIR "/examples/data/timeline.json") == SG_OK,
          "examples/data/timeline.json does not load", sg_error_last());
      break;
    case 3:
      fuzz::check(sg_graph_load_file(
                      s.graph, SAFEGUARD_SOURCE_DIR "/examples/data/peer_network.json") == SG_OK,
                  "examples/data/peer_network.json does not load", sg_error_last());
      break;
  }
  for (int steps = 0; p.more() && steps < 64; ++steps) {
    const std::uint8_t op = p.byte();
    switch (op % 14) {
      case 0:
      case 1:
      case 2:
        queue_edit(p, s, p.byte());
        break;
      case 3: {
        const std::string before = fuzz::saved(s.graph);
        const int status = sg_graph_apply(s.graph, s.batch);
        if (status != SG_OK) {
          fuzz::check_error_message(status);
          fuzz::check(fuzz::saved(s.graph) == before, "a failed apply changed the graph",
                      sg_error_last());
        }
        break;
      }
      case 4:
        sg_batch_free(s.batch);
        s.batch = nullptr;
        fuzz::check(sg_batch_new(&s.batch) == SG_OK, "sg_batch_new");
        break;
      case 5:
        assess(p, s);
        break;
      case 6:
        explain(p, s);
        break;
      case 7:
        query(p, s);
        break;
      case 8:
        fuzz::check_round_trip(fuzz::saved(s.graph));
        break;
      case 9: {
        const std::string before = fuzz::saved(s.graph);
        const std::string text = p.bytes_for_load();
        const int status = sg_graph_load_buffer(s.graph, text.data(), text.size(), nullptr);
        if (status != SG_OK) {
          fuzz::check_error_message(status);
          fuzz::check(fuzz::saved(s.graph) == before, "a failed load changed the graph");
        }
        break;
      }
      case 10: {
        std::size_t n = 0;
        const int status = sg_graph_count(&n, s.graph, p.kind());
        if (status != SG_OK) fuzz::check_error_message(status);
        std::size_t queued = 0;
        fuzz::check(sg_batch_size(&queued, s.batch) == SG_OK, "sg_batch_size");
        break;
      }
      case 11:
        if ((p.byte() & 7) == 0) save_and_load_file(s);
        break;
      case 12:
        calendar(p, s);
        break;
      case 13:
        add_table(p, s);
        break;
    }
  }
  return 0;
}
