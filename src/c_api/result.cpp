// The C API: assessing a graph and reading results (scores, contributions through the view
// layer, timelines, explanations, joining up).
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "safeguard/joining.hpp"

#include "c_api/shim.hpp"
#include "views_network.hpp"

using namespace safeguard;
using namespace safeguard::capi;

namespace {

void fill_contribution(sg_contribution* out, const LineView& line) {
  check_version(out->version, SG_CONTRIBUTION_VERSION, "sg_contribution");
  auto c_str = [](std::string_view text) { return text.empty() ? nullptr : text.data(); };
  const double withheld = std::numeric_limits<double>::quiet_NaN();
  out->rule_id = c_str(line.rule_id);
  out->rule_title = line.title.data();
  out->heading = to_string(line.heading).data();
  out->path = c_str(line.path);
  // A withheld line names no index: an index fed only by restricted evidence names its
  // category (docs/rules.md, "Who sees what").
  out->index_id = line.withheld() ? nullptr : line.index_id.data();
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
  if (out->version >= 3) out->hidden = line.hidden ? 1 : 0;
}

// The one line a reader is shown for everything withheld from them (sg_result_shown_contribution):
// no rule, index, heading, evidence or path, and one value for every index.
void fill_withheld(sg_contribution* out, const ScoresView& scores) {
  check_version(out->version, SG_CONTRIBUTION_VERSION, "sg_contribution");
  const double withheld = std::numeric_limits<double>::quiet_NaN();
  out->rule_id = nullptr;
  out->rule_title = scores.withheld_title.data();  // a whole title the pack owns
  out->index_id = nullptr;
  out->heading = "withheld";
  out->evidence_id = nullptr;
  out->via_id = nullptr;
  out->path = nullptr;
  out->source_agency_id = nullptr;
  out->restricted = 1;
  out->raw = out->decay = out->reach = out->cap_factor = withheld;
  out->value = scores.withheld;
  if (out->version >= 2) {
    out->kind = "withheld";
    out->relation = nullptr;
    out->via_kind = nullptr;
  }
  if (out->version >= 3) out->hidden = 0;
}

// A child's lines as a reader is shown them: those the viewer sees that are not withheld, and
// the scores whose withheld figures make the one line for the rest.
struct ShownLines {
  std::vector<LineView> lines;
  ScoresView scores;
  std::size_t count() const { return lines.size() + (scores.any_withheld() ? 1 : 0); }
};

ShownLines shown_lines(const Results& results, std::size_t row, const Viewer& viewer) {
  std::vector<LineView> all = view_contributions(results, row, viewer);
  ShownLines out;
  out.scores = view_scores(results, row, all);
  out.lines.reserve(all.size());
  for (LineView& line : all) {
    if (!line.withheld()) out.lines.push_back(std::move(line));
  }
  return out;
}

// A text column as codes (sg_text_codes): each distinct text pointer gets the next code in the
// order of its first line. The texts a column call hands out are the result's own, one pointer
// per text (ids are the snapshot's, symbols and titles the pack's), so pointers stand for texts.
// An open-addressing table keyed by the pointer, with the last pointer remembered: a child's
// lines repeat their rule, heading and kind, so most lines never reach the table.
class TextCoder {
 public:
  std::int32_t code(const char* text) {
    if (!text) return -1;
    if (text == last_) return last_code_;
    if ((texts_.size() + 1) * 2 > slots_.size()) grow();
    std::size_t at = slot_of(text);
    while (slots_[at].text && slots_[at].text != text) at = (at + 1) & (slots_.size() - 1);
    if (!slots_[at].text) {
      slots_[at] = {text, static_cast<std::int32_t>(texts_.size())};
      texts_.push_back(text);
    }
    last_ = text;
    last_code_ = slots_[at].code;
    return last_code_;
  }
  // The same for an id text that is `vertex`'s (the snapshot keeps one text per vertex): a
  // code per vertex, looked up in an array rather than the table (a child's evidence and
  // neighbours are near each other in it, where pointers hashed into the table are not).
  std::int32_t code(const char* text, VertexIndex vertex) {
    if (!text) return -1;
    if (vertex == kNoVertex) return code(text);
    if (vertex >= by_vertex_.size()) by_vertex_.resize(std::size_t{vertex} + 1, -1);
    std::int32_t& known = by_vertex_[vertex];
    if (known < 0) {
      known = static_cast<std::int32_t>(texts_.size());
      texts_.push_back(text);
    } else if (texts_[known] != text) {
      throw Error(Status::internal, "text codes: a vertex with two ids");
    }
    return known;
  }
  // The same for a text known by a small key the caller gives it (a rule's number, an enum's
  // value): a code per key in an array, so a line whose texts are keyed never reaches the
  // table. A key stands for one text in a column; the first time a key is met its text is
  // coded by pointer, so keyed and unkeyed lines of one call share their codes.
  std::int32_t code_keyed(const char* text, std::size_t key) {
    if (!text) return -1;
    if (key >= by_key_.size()) by_key_.resize(key + 1, -1);
    std::int32_t& known = by_key_[key];
    if (known < 0) known = code(text);
    return known;
  }
  void reserve_vertices(std::size_t count) { by_vertex_.assign(count, -1); }
  // Equal texts kept in two places (two rules with one title) made one entry: false when there
  // were none; otherwise `remap` takes each old code to its new one (first appearances stay in
  // order). Not needed for ids coded by vertex: a graph's ids are unique.
  bool merge_equal(std::vector<std::int32_t>& remap) {
    std::unordered_map<std::string_view, std::int32_t> seen;
    seen.reserve(texts_.size());
    std::vector<const char*> kept;
    remap.resize(texts_.size());
    for (std::size_t i = 0; i < texts_.size(); ++i) {
      const auto [at, fresh] =
          seen.emplace(std::string_view(texts_[i]), static_cast<std::int32_t>(kept.size()));
      if (fresh) kept.push_back(texts_[i]);
      remap[i] = at->second;
    }
    if (kept.size() == texts_.size()) return false;
    texts_.swap(kept);
    return true;
  }
  const std::vector<const char*>& texts() const { return texts_; }

 private:
  struct Slot {
    const char* text = nullptr;
    std::int32_t code = -1;
  };
  std::size_t slot_of(const char* text) const {
    // Fibonacci hashing: the top bits of the pointer times 2^64 / phi.
    const auto key = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(text));
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  void grow() {
    const std::size_t size = slots_.empty() ? 64 : slots_.size() * 2;
    shift_ = 64;
    for (std::size_t s = size; s > 1; s >>= 1) --shift_;
    slots_.assign(size, Slot{});
    for (std::size_t i = 0; i < texts_.size(); ++i) {
      std::size_t at = slot_of(texts_[i]);
      while (slots_[at].text) at = (at + 1) & (size - 1);
      slots_[at] = {texts_[i], static_cast<std::int32_t>(i)};
    }
  }
  std::vector<Slot> slots_;
  std::vector<std::int32_t> by_vertex_;
  std::vector<std::int32_t> by_key_;
  std::vector<const char*> texts_;
  unsigned shift_ = 64;
  const char* last_ = nullptr;
  std::int32_t last_code_ = -1;
};

// One line of sg_result_contribution_columns, as its columns take it: the texts in
// SG_CONTRIBUTION_TEXT_* order, each with a key when one is known (kNoKey: coded by pointer),
// and the evidence and neighbour vertices the id columns are coded by.
struct LineCells {
  static constexpr std::size_t kNoKey = static_cast<std::size_t>(-1);
  const char* text[SG_CONTRIBUTION_TEXT_COLUMNS] = {};
  std::size_t key[SG_CONTRIBUTION_TEXT_COLUMNS] = {kNoKey, kNoKey, kNoKey, kNoKey, kNoKey, kNoKey,
                                                   kNoKey, kNoKey, kNoKey, kNoKey, kNoKey};
  VertexIndex evidence = kNoVertex;
  VertexIndex via = kNoVertex;
  unsigned char restricted = 0;
  double raw = 0, decay = 0, reach = 0, cap_factor = 0, value = 0;

  void set(std::size_t column, const char* value_text, std::size_t value_key = kNoKey) {
    text[column] = value_text;
    key[column] = value_key;
  }
  // The figures of a stored line (Contribution) or of one as the C API gives it (sg_contribution).
  template <class Line>
  void set_figures(const Line& line) {
    raw = line.raw;
    decay = line.decay;
    reach = line.reach;
    cap_factor = line.cap_factor;
    value = line.value;
  }
};

// A line as fill_contribution writes it (through a line view, for any reader).
LineCells cells_of(const sg_contribution& line, VertexIndex evidence, VertexIndex via) {
  LineCells out;
  const char* const texts[SG_CONTRIBUTION_TEXT_COLUMNS] = {
      line.rule_id,     line.rule_title, line.index_id, line.heading,
      line.evidence_id, line.via_id,     line.path,     line.source_agency_id,
      line.kind,        line.relation,   line.via_kind};
  std::copy(std::begin(texts), std::end(texts), out.text);
  out.evidence = evidence;
  out.via = via;
  out.restricted = static_cast<unsigned char>(line.restricted);
  out.set_figures(line);
  return out;
}

// A child's stored line as fill_contribution writes its line view when the reader sees the
// child's lines as the results store them (ScoreReader::withholds false: no line withheld and
// none rescoped by the reader's network, so no line is hidden either): what line_of gives a
// line it does not withhold and scope_propagated_line leaves alone, written without the view.
// Texts are keyed by what they are known by at pack load (rule and index numbers, enum values,
// agency slots), so most lines are coded without looking at a pointer.
LineCells stored_cells(const Results& results, const Contribution& c) {
  const RuleSet& pack = results.rules();
  const Snapshot& snap = results.snapshot();
  const auto text = [](std::string_view s) { return s.empty() ? nullptr : s.data(); };
  // Keys of the path column: a rule line's role, a propagated line's relation, the network.
  constexpr std::size_t kRelationPaths = 256, kNetworkPath = 512;
  LineCells out;
  out.set(SG_CONTRIBUTION_TEXT_INDEX_ID, pack.indices()[c.index].id.c_str(), c.index);
  if (c.propagated()) {
    const std::size_t propagation = pack.rules().size();
    out.set(SG_CONTRIBUTION_TEXT_RULE_ID, kPropagationRuleId.data(), propagation);
    out.set(SG_CONTRIBUTION_TEXT_RULE_TITLE, pack.propagation().title.c_str(), propagation);
    const Heading heading = pack.propagation().heading;
    out.set(SG_CONTRIBUTION_TEXT_HEADING, to_string(heading).data(),
            static_cast<std::size_t>(heading));
    out.set(SG_CONTRIBUTION_TEXT_KIND, "propagated", 1);
    if (c.via == kNoVertex) {
      out.set(SG_CONTRIBUTION_TEXT_PATH, "network", kNetworkPath);
    } else {
      const char* relation = to_string(c.relation).data();
      const auto relation_key = static_cast<std::size_t>(c.relation);
      out.via = c.via;
      out.set(SG_CONTRIBUTION_TEXT_VIA_ID, text(snap.id(c.via)));
      out.set(SG_CONTRIBUTION_TEXT_VIA_KIND, to_string(snap.vertex_kind[c.via]).data(),
              static_cast<std::size_t>(snap.vertex_kind[c.via]));
      out.set(SG_CONTRIBUTION_TEXT_RELATION, relation, relation_key);
      out.set(SG_CONTRIBUTION_TEXT_PATH, relation, kRelationPaths + relation_key);
    }
  } else {
    const Rule& rule = pack.rules()[c.rule];
    out.set(SG_CONTRIBUTION_TEXT_RULE_ID, text(rule.id), c.rule);
    out.set(SG_CONTRIBUTION_TEXT_RULE_TITLE, rule.title.c_str(), c.rule);
    out.set(SG_CONTRIBUTION_TEXT_HEADING, to_string(rule.heading).data(),
            static_cast<std::size_t>(rule.heading));
    out.set(SG_CONTRIBUTION_TEXT_KIND, "rule", 0);
    out.set(SG_CONTRIBUTION_TEXT_PATH, text(to_string(c.path)), static_cast<std::size_t>(c.path));
    if (c.via != kNoVertex) {
      out.via = c.via;
      out.set(SG_CONTRIBUTION_TEXT_VIA_ID, text(snap.id(c.via)));
      out.set(SG_CONTRIBUTION_TEXT_VIA_KIND, to_string(snap.vertex_kind[c.via]).data(),
              static_cast<std::size_t>(snap.vertex_kind[c.via]));
    }
    if (c.evidence != kNoVertex) {
      out.evidence = c.evidence;
      out.set(SG_CONTRIBUTION_TEXT_EVIDENCE_ID, text(snap.id(c.evidence)));
      if (snap.vertex_kind[c.evidence] == VertexKind::concern) {
        const std::uint32_t slot = snap.vertex_slot[c.evidence];
        out.restricted = snap.concern_restricted[slot] != 0 ? 1 : 0;
        const std::uint32_t agency = snap.concern_source[slot];
        out.set(SG_CONTRIBUTION_TEXT_SOURCE_AGENCY_ID, text(snap.id(snap.agency_vertex[agency])),
                agency);
      }
    }
  }
  out.set_figures(c);
  return out;
}

// The columnar accessors' sizing: says how many `count` items there are; false when the caller
// only asked (capacity 0); SG_E_RANGE, before anything is written, when they do not fit.
bool fits(std::size_t* out_count, std::size_t count, std::size_t capacity, const char* what) {
  *out_count = count;
  if (capacity == 0) return false;
  if (capacity < count)
    throw Error(Status::out_of_range, "the rows hold " + std::to_string(count) + " " + what +
                                          ", more than the capacity of " +
                                          std::to_string(capacity));
  return true;
}

// SG_E_RANGE unless rows first_row .. first_row + row_count - 1 are children of `results`.
void check_rows(const Results& results, std::size_t first_row, std::size_t row_count) {
  const std::size_t children = results.child_count();
  if (first_row > children || row_count > children - first_row)
    throw Error(Status::out_of_range, "rows " + std::to_string(first_row) + " + " +
                                          std::to_string(row_count) + " run past the last child (" +
                                          std::to_string(children) + ")");
}

// Calls `read(r, view)` for the children at rows first_row + r (r < row_count), their scores as
// `reader` may attribute them; SG_E_RANGE, before anything is read, when the rows run past the
// last child.
template <class Read>
void for_rows_as_read(const Results& results, const Viewer& reader, std::size_t first_row,
                      std::size_t row_count, Read&& read) {
  check_rows(results, first_row, row_count);
  const ScoreReader scores(results, reader);
  for (std::size_t r = 0; r < row_count; ++r) read(r, scores.scores(first_row + r));
}

static_assert(SG_NO_DAY == kNoDay, "SG_NO_DAY is the library's kNoDay");

// One step as sg_result_step gives it (the fields of out's version).
void fill_step(sg_step* out, const Results& results, const Step& step) {
  const Snapshot& snap = results.snapshot();
  const ProcessStep& def = step_definition(results.process(), step);
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
  if (out->version >= 3) {
    const Process& process = step.process ? *step.process : results.process();
    out->nation = to_string(process.nation()).data();  // static, NUL-terminated
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
  return cleared_viewer(options->viewer_cleared, options->viewer_cleared_count, "viewer_cleared");
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

void check_adult_row(const Results& results, std::size_t row) {
  if (row >= results.adult_count()) {
    throw Error(Status::out_of_range, "adult row " + std::to_string(row) +
                                          " is past the last adult result (" +
                                          std::to_string(results.adult_count()) + ")");
  }
}

// Fills `out` (its version checked by the caller) from a judgement's result and its view (none when
// the reader may not know of it).
void write_discretionary(sg_discretionary* out, const Results& results,
                         const DiscretionaryResult& d,
                         const std::optional<DiscretionaryView>& view) {
  const Snapshot& snap = results.snapshot();
  const bool none = !view;
  out->outcome = to_string(none ? DiscretionaryOutcome::none : d.outcome).data();
  out->level_before = none ? 0 : d.level_before;
  const bool v2 = out->version >= 2;
  if (none) {
    out->id = out->direction = out->author = out->reason = nullptr;
    out->date[0] = '\0';
    if (v2) {
      out->approved_by = nullptr;
      out->approved[0] = '\0';
      out->needs_approval = 0;
    }
    return;
  }
  const std::uint32_t o = d.override_number;
  out->id = snap.override_ids.c_str(o);
  out->direction = to_string(snap.override_direction[o]).data();
  out->author = snap.override_author.c_str(o);
  out->reason = snap.override_reason.c_str(o);
  write_date(out->date, snap.override_date[o]);
  if (v2) {
    // As of the result's date: an approval given later had not been given then.
    out->approved_by = view->approved_by.empty() ? nullptr : snap.override_approved_by.c_str(o);
    out->approved[0] = '\0';
    if (view->approved != kNoDay) write_date(out->approved, view->approved);
    out->needs_approval = view->needs_approval ? 1 : 0;
  }
}

// The k-th of the policy overrides a reader sees (a child's or an adult's). Pack strings and the
// neutral reason are NUL-terminated text the result keeps alive.
void write_override(const std::vector<OverrideView>& fired, std::size_t k, const char** out_id,
                    const char** out_reason, int* out_restricted) {
  if (k >= fired.size())
    throw Error(Status::out_of_range, "override " + std::to_string(k) + " is past the end");
  const OverrideView& o = fired[k];
  *out_id = o.withheld() ? nullptr : o.id.data();
  if (out_reason) *out_reason = o.reason.data();
  if (out_restricted) *out_restricted = o.withheld() ? 1 : 0;
}

}  // namespace

extern "C" {

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

int sg_result_child_columns(sg_child_columns* columns, const sg_result* result, size_t first_row,
                            size_t row_count) {
  return guard([&] {
    require(columns, "columns");
    check_version(columns->version, SG_CHILD_COLUMNS_VERSION, "sg_child_columns");
    const Results& results = results_of(result);
    check_rows(results, first_row, row_count);
    if (columns->capacity < row_count)
      throw Error(Status::out_of_range, std::to_string(row_count) +
                                            " rows asked for, more than the capacity of " +
                                            std::to_string(columns->capacity));
    const Snapshot& snap = results.snapshot();
    for (std::size_t k = 0; k < row_count; ++k) {
      const std::size_t row = first_row + k;
      const auto put = [k](auto* column, auto value) {
        if (column) column[k] = value;
      };
      // As sg_result_child, sg_result_discretionary, sg_result_safety and sg_result_contextual
      // give them; the names are static, NUL-terminated text.
      put(columns->id, snap.id_c_str(results.child_vertex(row)));
      put(columns->total, results.total(row));
      put(columns->level, static_cast<int>(results.level(row)));
      put(columns->score_level, static_cast<int>(results.score_level(row)));
      put(columns->immediate_safety,
          static_cast<unsigned char>(results.immediate_safety(row) ? 1 : 0));
      put(columns->override_count,
          static_cast<size_t>(results.overrides_end(row) - results.overrides_begin(row)));
      put(columns->discretionary, to_string(results.discretionary(row).outcome).data());
      put(columns->safety, to_string(results.safety(row)).data());
      put(columns->contextual_total, results.contextual_total(row));
      put(columns->context_level, static_cast<int>(results.context_level(row)));
    }
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

int sg_result_scores_for(double* out_scores, int* out_levels, double* out_withheld,
                         const sg_result* result, size_t first_row, size_t row_count,
                         const sg_explain_options* viewer) {
  return guard([&] {
    require(out_scores, "out_scores");
    const Results& results = results_of(result);
    const std::size_t indices = results.index_count();
    for_rows_as_read(
        results, viewer_of(viewer), first_row, row_count,
        [&](std::size_t r, const ScoresView& view) {
          std::copy(view.index_scores.begin(), view.index_scores.end(), out_scores + r * indices);
          if (out_levels)
            std::copy(view.index_levels.begin(), view.index_levels.end(), out_levels + r * indices);
          if (out_withheld) out_withheld[r] = view.withheld;
        });
  });
}

int sg_result_contextual_for(double* out_contextual, double* out_withheld, const sg_result* result,
                             size_t first_row, size_t row_count, const sg_explain_options* viewer) {
  return guard([&] {
    require(out_contextual, "out_contextual");
    const Results& results = results_of(result);
    const std::size_t indices = results.index_count();
    for_rows_as_read(results, viewer_of(viewer), first_row, row_count,
                     [&](std::size_t r, const ScoresView& view) {
                       double* row = out_contextual + r * indices;
                       if (view.has_contextual())
                         std::copy(view.contextual_scores.begin(), view.contextual_scores.end(),
                                   row);
                       else
                         std::fill(row, row + indices, 0.0);
                       if (out_withheld) out_withheld[r] = view.contextual_withheld;
                     });
  });
}

int sg_result_contribution_columns(size_t* out_count, sg_contribution_columns* columns,
                                   const sg_result* result, size_t first_row, size_t row_count,
                                   const sg_explain_options* viewer) {
  return guard([&] {
    require(out_count, "out_count");
    require(columns, "columns");
    check_version(columns->version, SG_CONTRIBUTION_COLUMNS_VERSION, "sg_contribution_columns");
    const Results& results = results_of(result);
    const Viewer reader = viewer_of(viewer);
    check_rows(results, first_row, row_count);
    // The lines the reader sees: a child's own, unless the network as the reader may attribute
    // it hides some of its propagated ones (then counted from its view).
    const std::shared_ptr<const detail::ViewerNetwork> net =
        detail::viewer_network(results, reader);
    const Snapshot& snap = results.snapshot();
    const bool fold = columns->version >= 2 && columns->fold_withheld != 0;
    // Whether the reader sees a child's lines as the results store them (none withheld, none
    // rescoped by the reader's network): the view layer's ScoreReader says, for most children
    // without reading their lines. With the fold, a child's withheld lines count as one.
    const ScoreReader scores(results, reader);
    std::vector<unsigned char> as_stored(row_count);
    std::size_t count = 0;
    for (std::size_t r = first_row; r < first_row + row_count; ++r) {
      const bool withholds = scores.withholds(r);
      as_stored[r - first_row] = withholds ? 0 : 1;
      const bool altered = net && net->altered[snap.vertex_node[results.child_vertex(r)]];
      count +=
          altered ? view_contributions(results, r, reader).size() : results.contribution_count(r);
      if (fold && withholds) {
        const std::size_t withheld = scores.scores(r).withheld_lines;
        if (withheld > 0) count -= withheld - 1;
      }
    }
    // Version 3: the text columns asked for as codes (a coder each), handed out at the end; a
    // call that fills clears the entries first, so a failure hands out nothing.
    sg_text_codes* const codes =
        columns->version >= 3 && columns->capacity != 0 ? columns->text_codes : nullptr;
    if (codes) {
      for (std::size_t c = 0; c < SG_CONTRIBUTION_TEXT_COLUMNS; ++c) {
        codes[c].texts = nullptr;
        codes[c].texts_size = codes[c].text_count = 0;
      }
    }
    if (!fits(out_count, count, columns->capacity, "contributions")) return;
    if (codes && count > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
      throw Error(Status::out_of_range, "the rows hold " + std::to_string(count) +
                                            " contributions, more than text codes can number");
    std::vector<TextCoder> coders(codes ? SG_CONTRIBUTION_TEXT_COLUMNS : 0);
    for (const std::size_t c : {SG_CONTRIBUTION_TEXT_EVIDENCE_ID, SG_CONTRIBUTION_TEXT_VIA_ID}) {
      if (codes && codes[c].codes) coders[c].reserve_vertices(snap.vertex_kind.size());
    }
    // Each line as sg_result_contribution_for (or, folded, sg_result_shown_contribution) gives
    // it: the same view, so the same restriction, whichever way a host reads. A child the
    // reader sees as stored is written from its stored lines; any other through its line views.
    std::size_t at = 0;
    const auto write = [&](std::size_t r, const LineCells& line) {
      // The count above and these lines come from the same views; never write past it.
      if (at >= count) throw Error(Status::internal, "contribution columns miscounted");
      const auto put = [at = at](auto* column, auto value) {
        if (column) column[at] = value;
      };
      put(columns->row, r);
      const char** const pointers[SG_CONTRIBUTION_TEXT_COLUMNS] = {
          columns->rule_id,     columns->rule_title, columns->index_id, columns->heading,
          columns->evidence_id, columns->via_id,     columns->path,     columns->source_agency_id,
          columns->kind,        columns->relation,   columns->via_kind};
      for (std::size_t c = 0; c < SG_CONTRIBUTION_TEXT_COLUMNS; ++c) {
        if (pointers[c]) pointers[c][at] = line.text[c];
        if (!codes || !codes[c].codes) continue;
        std::int32_t code;
        if (c == SG_CONTRIBUTION_TEXT_EVIDENCE_ID)
          code = coders[c].code(line.text[c], line.evidence);
        else if (c == SG_CONTRIBUTION_TEXT_VIA_ID)
          code = coders[c].code(line.text[c], line.via);
        else if (line.key[c] != LineCells::kNoKey)
          code = coders[c].code_keyed(line.text[c], line.key[c]);
        else
          code = coders[c].code(line.text[c]);
        codes[c].codes[at] = code;
      }
      put(columns->restricted, line.restricted);
      put(columns->raw, line.raw);
      put(columns->decay, line.decay);
      put(columns->reach, line.reach);
      put(columns->cap_factor, line.cap_factor);
      put(columns->value, line.value);
      ++at;
    };
    sg_contribution line = SG_CONTRIBUTION_INIT;
    std::vector<LineView> views;  // each child's in turn, the memory kept
    std::vector<const Contribution*> scratch;
    for (std::size_t r = first_row; r < first_row + row_count; ++r) {
      if (as_stored[r - first_row]) {
        for (const Contribution* c = results.contributions_begin(r);
             c != results.contributions_end(r); ++c)
          write(r, stored_cells(results, *c));
        continue;
      }
      detail::view_contributions_into(results, r, reader, net.get(), views, scratch);
      const bool folding = fold && std::any_of(views.begin(), views.end(),
                                               [](const LineView& v) { return v.withheld(); });
      for (const LineView& view : views) {
        if (folding && view.withheld()) continue;
        fill_contribution(&line, view);
        // Evidence and neighbour ids by their vertex.
        write(r, cells_of(line, view.evidence.vertex, view.via));
      }
      if (folding) {
        fill_withheld(&line, view_scores(results, r, views));
        write(r, cells_of(line, kNoVertex, kNoVertex));
      }
    }
    // The tables last, so a failure before leaves nothing to free; a failure while joining
    // frees what was joined.
    if (codes) {
      std::vector<std::int32_t> remap;
      for (std::size_t c = 0; c < SG_CONTRIBUTION_TEXT_COLUMNS; ++c) {
        if (!codes[c].codes || c == SG_CONTRIBUTION_TEXT_EVIDENCE_ID ||
            c == SG_CONTRIBUTION_TEXT_VIA_ID || !coders[c].merge_equal(remap))
          continue;
        for (std::size_t i = 0; i < count; ++i) {
          if (codes[c].codes[i] >= 0) codes[c].codes[i] = remap[codes[c].codes[i]];
        }
      }
      std::vector<char*> tables(SG_CONTRIBUTION_TEXT_COLUMNS, nullptr);
      std::vector<std::size_t> sizes(SG_CONTRIBUTION_TEXT_COLUMNS, 0);
      try {
        for (std::size_t c = 0; c < SG_CONTRIBUTION_TEXT_COLUMNS; ++c) {
          if (codes[c].codes)
            tables[c] = join_texts(coders[c].texts().data(), coders[c].texts().size(), &sizes[c]);
        }
      } catch (...) {
        for (char* table : tables) delete[] table;
        throw;
      }
      for (std::size_t c = 0; c < SG_CONTRIBUTION_TEXT_COLUMNS; ++c) {
        if (!codes[c].codes) continue;
        codes[c].texts = tables[c];
        codes[c].texts_size = sizes[c];
        codes[c].text_count = coders[c].texts().size();
      }
    }
  });
}

int sg_result_place_scores_for(double* out_scores, double* out_withheld, const sg_result* result,
                               size_t rank, const sg_explain_options* viewer) {
  return guard([&] {
    require(out_scores, "out_scores");
    const Results& results = results_of(result);
    const Viewer reader = viewer_of(viewer);
    check_rank(results, rank);
    const ScoresView view =
        view_place_scores(results, rank, view_place_contributions(results, rank, reader));
    std::copy(view.index_scores.begin(), view.index_scores.end(), out_scores);
    if (out_withheld) *out_withheld = view.withheld;
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

int sg_result_contextual_score(double* out_score, const sg_result* result, size_t row,
                               size_t index) {
  return guard([&] {
    require(out_score, "out_score");
    const Results& results = results_of(result);
    check_row(results, row);
    if (index >= results.index_count())
      throw Error(Status::out_of_range, "index " + std::to_string(index) + " is past the end");
    *out_score = results.contextual_score(row, index);
  });
}

int sg_result_contextual(double* out_total, int* out_level, const sg_result* result, size_t row) {
  return guard([&] {
    require(out_total, "out_total");
    const Results& results = results_of(result);
    check_row(results, row);
    *out_total = results.contextual_total(row);
    if (out_level) *out_level = results.context_level(row);
  });
}

int sg_result_contextual_policy(const char** out, const sg_result* result) {
  return guard([&] {
    require(out, "out");
    const Results& results = results_of(result);
    // The names are static (std::string_view over literals, NUL-terminated).
    *out = results.propagation().ran ? to_string(results.rules().propagation().contextual).data()
                                     : nullptr;
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

int sg_result_shown_count(size_t* out, const sg_result* result, size_t row,
                          const sg_explain_options* viewer) {
  return guard([&] {
    require(out, "out");
    const Results& results = results_of(result);
    check_row(results, row);
    *out = shown_lines(results, row, viewer_of(viewer)).count();
  });
}

int sg_result_shown_contribution(sg_contribution* out, const sg_result* result, size_t row,
                                 size_t k, const sg_explain_options* viewer) {
  return guard([&] {
    require(out, "out");
    check_version(out->version, SG_CONTRIBUTION_VERSION, "sg_contribution");
    const Results& results = results_of(result);
    check_row(results, row);
    const ShownLines shown = shown_lines(results, row, viewer_of(viewer));
    if (k >= shown.count())
      throw Error(Status::out_of_range, "contribution " + std::to_string(k) + " is past the end");
    if (k < shown.lines.size()) {
      fill_contribution(out, shown.lines[k]);
    } else {
      fill_withheld(out, shown.scores);
    }
  });
}

// ---- Results for adults ----

int sg_result_adult_count(size_t* out, const sg_result* result) {
  return guard([&] {
    require(out, "out");
    *out = results_of(result).adult_count();
  });
}

int sg_result_adult(sg_adult_result* out, const sg_result* result, size_t row) {
  return guard([&] {
    require(out, "out");
    check_version(out->version, SG_ADULT_RESULT_VERSION, "sg_adult_result");
    const Results& results = results_of(result);
    check_adult_row(results, row);
    out->id = results.snapshot().id_c_str(results.adult_vertex(row));
    out->total = results.adult_total(row);
    out->level = results.adult_level(row);
    out->level_id = results.rules().levels()[static_cast<std::size_t>(out->level)].id.c_str();
    out->contribution_count = results.adult_contribution_count(row);
    if (out->version >= 2)
      out->override_count = static_cast<size_t>(results.adult_overrides_end(row) -
                                                results.adult_overrides_begin(row));
  });
}

int sg_result_find_adult(size_t* out, const sg_result* result, const char* adult_id) {
  return guard([&] {
    require(out, "out");
    const Results& results = results_of(result);
    const std::string id = text(adult_id, "adult_id");
    const long row = results.find_adult(id);
    if (row < 0) throw Error(Status::not_found, "no adult result for '" + id + "'");
    *out = static_cast<size_t>(row);
  });
}

int sg_result_adult_index_score(double* out_score, int* out_level, const sg_result* result,
                                size_t row, size_t index) {
  return guard([&] {
    require(out_score, "out_score");
    const Results& results = results_of(result);
    check_adult_row(results, row);
    if (index >= results.index_count())
      throw Error(Status::out_of_range, "index " + std::to_string(index) + " is past the end");
    *out_score = results.adult_score(row, index);
    if (out_level)
      *out_level = results.rules().level_for(static_cast<std::uint32_t>(index), *out_score);
  });
}

int sg_result_adult_contribution_for(sg_contribution* out, const sg_result* result, size_t row,
                                     size_t k, const sg_explain_options* viewer) {
  return guard([&] {
    require(out, "out");
    check_version(out->version, SG_CONTRIBUTION_VERSION, "sg_contribution");
    const Results& results = results_of(result);
    const Viewer reader = viewer_of(viewer);
    check_adult_row(results, row);
    if (k >= results.adult_contribution_count(row))
      throw Error(Status::out_of_range, "contribution " + std::to_string(k) + " is past the end");
    fill_contribution(out, view_line(results, results.adult_contributions_begin(row)[k], reader));
  });
}

int sg_result_adult_explain(char** out, size_t* out_size, const sg_result* result, size_t row,
                            const sg_explain_options* options) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const Results& results = results_of(result);
    const Viewer viewer = viewer_of(options);
    check_adult_row(results, row);
    const std::string rendered = explain_adult(
        results, row, options->format == SG_FORMAT_JSON ? ExplainFormat::json : ExplainFormat::text,
        viewer);
    *out = copy_out(rendered);
    if (out_size) *out_size = rendered.size();
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

int sg_result_override_for(const char** out_id, const char** out_reason, int* out_restricted,
                           const sg_result* result, size_t row, size_t k,
                           const sg_explain_options* viewer) {
  return guard([&] {
    require(out_id, "out_id");
    const Results& results = results_of(result);
    check_row(results, row);
    const Viewer reader = viewer_of(viewer);
    write_override(view_overrides(results, row, reader), k, out_id, out_reason, out_restricted);
  });
}

int sg_result_adult_override_for(const char** out_id, const char** out_reason, int* out_restricted,
                                 const sg_result* result, size_t row, size_t k,
                                 const sg_explain_options* viewer) {
  return guard([&] {
    require(out_id, "out_id");
    const Results& results = results_of(result);
    const Viewer reader = viewer_of(viewer);
    check_adult_row(results, row);
    write_override(view_adult_overrides(results, row, reader), k, out_id, out_reason,
                   out_restricted);
  });
}

int sg_result_safety(const char** out_decision, size_t* out_count, const sg_result* result,
                     size_t row, const sg_explain_options* viewer) {
  return guard([&] {
    require(out_decision, "out_decision");
    const Results& results = results_of(result);
    check_row(results, row);
    const Viewer reader = viewer_of(viewer);
    const SafetyView view = view_safety(results, row, reader);
    *out_decision = to_string(view.decision).data();  // static, NUL-terminated
    if (out_count) *out_count = view.lines.size();
  });
}

int sg_result_safety_finding_for(sg_safety_finding* out, const sg_result* result, size_t row,
                                 size_t k, const sg_explain_options* viewer) {
  return guard([&] {
    require(out, "out");
    check_version(out->version, SG_SAFETY_FINDING_VERSION, "sg_safety_finding");
    const Results& results = results_of(result);
    check_row(results, row);
    const Viewer reader = viewer_of(viewer);
    const SafetyView view = view_safety(results, row, reader);
    if (k >= view.lines.size())
      throw Error(Status::out_of_range, "safety finding " + std::to_string(k) + " is past the end");
    const SafetyLineView& line = view.lines[k];
    // Pack strings, ids and the neutral titles are NUL-terminated text the result keeps alive.
    out->kind = line.plan ? "plan" : "danger";
    out->id = line.withheld() ? nullptr : line.id.data();
    out->title = line.title.data();
    out->evidence_id =
        line.evidence == kNoVertex ? nullptr : results.snapshot().id_c_str(line.evidence);
    out->restricted = line.withheld() ? 1 : 0;
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
    *out_rule_id = not_assessable_id(results.rules(), n).c_str();
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
    fill_step(out, results, results.steps_begin(row)[k]);
  });
}

int sg_result_step_columns(size_t* out_count, sg_step_columns* columns, const sg_result* result,
                           size_t first_row, size_t row_count) {
  return guard([&] {
    require(out_count, "out_count");
    require(columns, "columns");
    check_version(columns->version, SG_STEP_COLUMNS_VERSION, "sg_step_columns");
    const Results& results = results_of(result);
    check_rows(results, first_row, row_count);
    std::size_t count = 0;
    for (std::size_t r = first_row; r < first_row + row_count; ++r) count += results.step_count(r);
    if (!fits(out_count, count, columns->capacity, "steps")) return;
    std::size_t at = 0;
    sg_step one = SG_STEP_INIT;
    for (std::size_t r = first_row; r < first_row + row_count; ++r) {
      for (const Step* step = results.steps_begin(r); step != results.steps_end(r); ++step) {
        fill_step(&one, results, *step);  // as sg_result_step fills it
        const auto put = [at](auto* column, auto value) {
          if (column) column[at] = value;
        };
        put(columns->row, r);
        put(columns->step, one.step);
        put(columns->status, one.status);
        put(columns->working_days, one.working_days);
        put(columns->trigger_id, one.trigger_id);
        put(columns->done_id, one.done_id);
        put(columns->start, static_cast<int>(step->start));
        put(columns->due, static_cast<int>(step->due));
        put(columns->completed, static_cast<int>(step->completed));
        put(columns->title, one.title);
        put(columns->reason, one.reason);
        put(columns->calendar_days, one.calendar_days);
        put(columns->counts_working_days, static_cast<unsigned char>(one.counts_working_days));
        put(columns->source, one.source);
        if (columns->version >= 2) put(columns->nation, one.nation);
        ++at;
      }
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
    write_discretionary(out, results, results.discretionary(row), view_discretionary(results, row));
  });
}

int sg_result_adult_discretionary(sg_discretionary* out, const sg_result* result, size_t row,
                                  const sg_explain_options* viewer) {
  return guard([&] {
    require(out, "out");
    check_version(out->version, SG_DISCRETIONARY_VERSION, "sg_discretionary");
    const Results& results = results_of(result);
    const Viewer reader = viewer_of(viewer);
    check_adult_row(results, row);
    write_discretionary(out, results, results.adult_discretionary(row),
                        view_adult_discretionary(results, row, reader));
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
    const Viewer viewer =
        cleared_viewer(options->viewer_cleared, options->viewer_cleared_count, "viewer_cleared");
    const Joining joining =
        join(results, viewer,
             JoinOptions{static_cast<unsigned>(options->threads), options->exact_up_to});
    const std::string rendered = render_joining(joining, format, options->limit);
    *out = copy_out(rendered);
    if (out_size) *out_size = rendered.size();
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
    opts.explanations = explanations_of(*options);
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

}  // extern "C"
