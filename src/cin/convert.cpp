// A census return as a batch for the case graph: children, assessment factors as concerns,
// and the census's dated steps as process events. Sex and ethnicity stay out of the graph.
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "cin/codes.hpp"
#include "cin/kept.hpp"
#include "cin/sources.hpp"
#include "graph_bulk.hpp"
#include "safeguard/cin.hpp"

namespace safeguard::cin {
namespace {

// Severity given to a concern made from an assessment factor: the census records no severity,
// so every factor gets the middle of the 1-5 scale (docs/cin-census.md).
constexpr int kFactorSeverity = 3;
// The source every imported child's record_source event names (process files declare it).
constexpr std::string_view kSource = "cin_census";
constexpr std::string_view kSourceEvent = "source_cin_census";

struct Builder {
  Conversion out;
  // When set, the return's item each batch item was made from (the export reads them back).
  std::vector<detail::ItemSource>* sources = nullptr;
  detail::ItemSource current;                            // what the next item is made from
  std::vector<std::pair<Position, std::string>> origin;  // per batch item: where and which child
  std::map<std::string, std::pair<long, Position>> unmatched;  // code -> count, first place
  std::string first_unmatched_child;
  std::set<std::string> used;  // the current child's item ids, to tell repeats apart
  // Keep the return's own items in the record (false when only the ids are wanted).
  bool keep = true;

  // `id`, or, when the child already has an item with it (two reviews recorded on one day),
  // "<id>#2", "#3"... in the order the return gives them.
  std::string unique(std::string id) {
    if (used.insert(id).second) return id;
    for (int n = 2;; ++n) {
      std::string next = id + "#" + std::to_string(n);
      if (used.insert(next).second) return next;
    }
  }

  template <typename Item>
  void add(Item item, Position at, const std::string& child) {
    out.batch.add(std::move(item));
    origin.emplace_back(at, child);
    if (sources) sources->push_back(current);
  }
  // Says what the following items are made from.
  void from(detail::ItemSource::What what, std::size_t item = 0, std::size_t sub = 0) {
    current.what = what;
    current.item = item;
    current.sub = sub;
  }

  void event(const std::string& id, EventKind kind, Day date, const std::string& child, Position at,
             EventDecision decision = EventDecision::none, std::string category = {}) {
    if (date == kNoDay) return;  // a missing date is a finding of the read, never an event
    EventSpec spec;
    spec.id = unique(id);
    spec.kind = kind;
    spec.date = date;
    spec.about = {child};
    spec.decision = decision;
    spec.category = std::move(category);
    add(std::move(spec), at, child);
  }
};

std::string agency_id(const Return& r) {
  return r.header.authority.empty() ? std::string("LA") : "LA-" + r.header.authority;
}

// Item ids name the child and the dates that make an item the same one in every year's return
// (an episode by its referral date, an assessment, enquiry or plan by its start), not its
// position: an episode open across the year end is in both years' returns, and its place among
// the child's episodes changes as older ones leave the return. So a later return, applied to a
// record as upserts (to_record_batch), restates the same entities. `what` and its date, or
// `what` and its position when the return lacks the date (a `mandatory` finding).
std::string dated(const std::string& what, Day day, std::size_t position) {
  return day == kNoDay ? what + std::to_string(position) : what + "_" + format_iso_date(day);
}

void add_episode(Builder& b, const Child& child, const Episode& e, std::size_t number,
                 const std::string& agency) {
  const std::string& id = child.la_child_id;
  using What = detail::ItemSource::What;
  const std::string prefix = id + "/" + dated("episode", e.referral, number) + "/";
  b.current.episode = number - 1;
  b.from(What::referral);
  b.event(prefix + "referral", EventKind::referral, e.referral, id, e.at);
  if (e.referral_nfa.value_or(false)) {
    b.from(What::referral_nfa);
    b.event(prefix + "referral_nfa", EventKind::referral_decision, e.referral, id, e.at,
            EventDecision::nfa);
  }
  for (std::size_t k = 0; k < e.assessments.size(); ++k) {
    const Assessment& a = e.assessments[k];
    const std::string name = prefix + dated("assessment", a.start, k + 1);
    b.from(What::assessment_start, k);
    b.event(name + "_start", EventKind::assessment_start, a.start, id, a.at);
    b.from(What::assessment_complete, k);
    b.event(name + "_complete", EventKind::assessment_complete, a.authorised, id, a.at);
    const Day recorded = a.authorised != kNoDay ? a.authorised : a.start;
    for (std::size_t j = 0; j < a.factors.size(); ++j) {
      const std::string& code = a.factors[j];
      if (code == detail::kNoFactorsCode || !is_factor_code(code) || recorded == kNoDay) continue;
      const FactorCategory category = factor_category(code);
      if (!category.matched) {
        auto& entry = b.unmatched[code];
        if (entry.first == 0) entry.second = a.at;
        if (b.first_unmatched_child.empty()) b.first_unmatched_child = id;
        ++entry.first;
      }
      ConcernSpec concern;
      concern.id = b.unique(name + "/" + code);
      concern.category = category.category;
      concern.severity = kFactorSeverity;
      concern.recorded = recorded;
      concern.status = e.closure != kNoDay ? ConcernStatus::closed : ConcernStatus::open;
      concern.source = agency;
      concern.about = {id};
      concern.summary = "census assessment factor " + code;
      b.from(What::factor, k, j);
      b.add(std::move(concern), a.at, id);
    }
  }
  for (std::size_t k = 0; k < e.section47s.size(); ++k) {
    const Section47& s = e.section47s[k];
    const std::string name = prefix + dated("s47", s.start, k + 1);
    b.from(What::s47_start, k);
    b.event(name, EventKind::section47_start, s.start, id, s.at);
    if (s.conference_not_required.value_or(false)) {
      b.from(What::s47_outcome, k);
      b.event(name + "_outcome", EventKind::section47_outcome, s.start, id, s.at,
              EventDecision::no_conference);
    }
    if (s.conference != kNoDay) {
      bool plan = false;
      for (const ProtectionPlan& p : e.protection_plans) plan = plan || p.start == s.conference;
      b.from(What::s47_conference, k);
      b.event(name + "_icpc", EventKind::initial_conference, s.conference, id, s.at,
              plan ? EventDecision::plan : EventDecision::no_plan);
    }
  }
  // The episode's own DateOfInitialCPC, when no enquiry already carried that conference.
  bool carried = false;
  for (const Section47& s : e.section47s) carried = carried || s.conference == e.initial_conference;
  if (e.initial_conference != kNoDay && !carried) {
    bool plan = false;
    for (const ProtectionPlan& p : e.protection_plans)
      plan = plan || p.start == e.initial_conference;
    b.from(What::episode_conference);
    b.event(prefix + "icpc", EventKind::initial_conference, e.initial_conference, id, e.at,
            plan ? EventDecision::plan : EventDecision::no_plan);
  }
  for (std::size_t k = 0; k < e.protection_plans.size(); ++k) {
    const ProtectionPlan& p = e.protection_plans[k];
    const std::string name = prefix + dated("cpp", p.start, k + 1);
    b.from(What::plan_start, k);
    b.event(name + "_start", EventKind::plan_start, p.start, id, p.at, EventDecision::none,
            std::string(detail::abuse_category_name(p.initial_category)));
    for (std::size_t j = 0; j < p.reviews.size(); ++j) {
      b.from(What::plan_review, k, j);
      b.event(name + "_" + dated("review", p.reviews[j], j + 1), EventKind::review_conference,
              p.reviews[j], id, p.at);
    }
    b.from(What::plan_end, k);
    b.event(name + "_end", EventKind::plan_end, p.end, id, p.at);
  }
}

// Adds the person, expected birth and episodes of the return's child `index`.
void add_child(Builder& b, const Return& r, std::size_t index, const std::string& agency) {
  const Child& child = r.children[index];
  b.used.clear();
  b.current.child = index;
  b.from(detail::ItemSource::What::person);
  PersonSpec person;
  person.id = child.la_child_id;
  person.kind = PersonKind::child;
  person.dob = child.birth;
  if (b.keep) person.attributes = detail::kept_attributes(child);
  for (const std::string& code : child.disabilities) {
    if (code == "NONE" || detail::disability_meaning(code).empty()) continue;
    if (person.flags.empty()) person.flags.push_back("disability");
    std::string flag = "disability_";
    for (char c : code) flag += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    person.flags.push_back(std::move(flag));
  }
  b.add(std::move(person), child.at, child.la_child_id);
  // The first referral (the reference date when the child has none).
  Day recorded = kNoDay;
  for (const Episode& e : child.episodes) {
    if (e.referral != kNoDay && (recorded == kNoDay || e.referral < recorded))
      recorded = e.referral;
  }
  if (recorded == kNoDay) recorded = r.header.reference_date;
  // The record comes from the census, which holds only some of the process's steps, and only
  // from its census year on: the process file's [sources.cin_census] says which, and the
  // timeline shows those "not recorded" rather than overdue (docs/cin-census.md). Dated at the
  // start of the census year (the first referral when the header has no reference date); one
  // per year, so a record holding several years' returns covers them all.
  const Day covered = r.period_start() != kNoDay ? r.period_start() : recorded;
  if (covered != kNoDay) {
    EventSpec spec;
    spec.id = b.unique(child.la_child_id + "/" + dated(std::string(kSourceEvent), covered, 1));
    spec.kind = EventKind::record_source;
    spec.date = covered;
    spec.about = {child.la_child_id};
    spec.category = std::string(kSource);
    if (b.keep) spec.items = detail::kept_items(r, child);
    b.from(detail::ItemSource::What::record_source);
    b.add(std::move(spec), child.at, child.la_child_id);
  }
  if (child.birth == kNoDay && child.expected_birth != kNoDay) {
    if (recorded != kNoDay) {
      EventSpec spec;
      spec.id = child.la_child_id + "/expected_birth";
      spec.kind = EventKind::expected_birth;
      spec.date = recorded;
      spec.about = {child.la_child_id};
      spec.expected = child.expected_birth;
      b.from(detail::ItemSource::What::expected_birth);
      b.add(std::move(spec), child.at, child.la_child_id);
    }
  }
  for (std::size_t n = 0; n < child.episodes.size(); ++n) {
    add_episode(b, child, child.episodes[n], n + 1, agency);
  }
}

// The authority, as the agency every factor's concern names as its source.
void add_agency(Builder& b, const Return& r, const std::string& agency) {
  AgencySpec la;
  la.id = agency;
  la.type = "social_care";
  la.name =
      r.header.authority.empty() ? "local authority" : "local authority " + r.header.authority;
  b.add(std::move(la), Position{}, {});
}

// `with_agency`: add the authority as an agency (false when the graph already has it, from an
// earlier year's return).
// An upper bound on the batch items a child makes, so the batch is allocated once rather than
// grown (each growth moves every item: a tenth of a national import's time, measured).
std::size_t items_of(const Child& c) {
  std::size_t items = 3;  // the person, its source and an expected birth
  for (const Episode& e : c.episodes) {
    items += 3 + e.section47s.size() * 3;
    for (const Assessment& a : e.assessments) items += 2 + a.factors.size();
    for (const ProtectionPlan& p : e.protection_plans) items += 2 + p.reviews.size();
  }
  return items;
}

Builder build(const Return& r, bool with_agency,
              std::vector<detail::ItemSource>* sources = nullptr) {
  Builder b;
  b.sources = sources;
  std::size_t items = 1;
  for (const Child& c : r.children) items += items_of(c);
  b.out.batch.items.reserve(items);
  b.origin.reserve(items);
  const std::string agency = agency_id(r);
  if (with_agency) add_agency(b, r, agency);
  for (std::size_t index = 0; index < r.children.size(); ++index) {
    add_child(b, r, index, agency);
  }
  for (const auto& entry : b.unmatched) {
    b.out.findings.push_back(Finding{"unmatched_factor",
                                     "assessment factor " + entry.first + " (" +
                                         std::string(detail::factor_meaning(entry.first)) +
                                         ") has no category in the default pack; " +
                                         std::to_string(entry.second.first) + " imported as " +
                                         factor_category(entry.first).category,
                                     entry.second.second,
                                     {}});
  }
  return b;
}

void add_item(std::vector<SourceItem>& items, std::string_view name, std::string value) {
  if (!value.empty()) items.push_back(SourceItem{std::string(name), std::move(value)});
}

std::string iso_or_empty(Day day) { return day == kNoDay ? std::string() : format_iso_date(day); }

void add_later(std::vector<SourceItem>& items, const std::vector<LaterElement>& later) {
  for (const LaterElement& element : later) {
    items.push_back(SourceItem{std::string(detail::kLaterItemPrefix) + element.in, element.xml});
  }
}

}  // namespace

std::vector<SourceItem> detail::kept_attributes(const Child& child) {
  std::vector<SourceItem> out;
  if (child.sex_element == SexElement::gender_current) add_item(out, "GenderCurrent", child.sex);
  if (child.sex_element == SexElement::sex) add_item(out, "Sex", child.sex);
  add_item(out, "Ethnicity", child.ethnicity);
  return out;
}

namespace {

// Whether the episode makes anything in the graph. One without a single date (say an empty
// CINdetails, a `mandatory` finding) makes nothing, so nothing restates it on export: the
// record does not keep it either, or a record would keep what it can never write back (found by
// fuzz_cin). An episode with its referral date always makes its referral; only one without is
// tried on a scratch builder, which is the conversion's own test.
bool makes_items(const Child& child, const Episode& e) {
  if (e.referral != kNoDay) return true;
  Builder scratch;
  scratch.keep = false;
  add_episode(scratch, child, e, 1, std::string());
  return !scratch.origin.empty();
}

}  // namespace

std::vector<SourceItem> detail::kept_items(const Return& r, const Child& child) {
  std::vector<SourceItem> out;
  out.reserve(12 + child.disabilities.size() + child.episodes.size() + child.later.size());
  const Header& h = r.header;
  add_item(out, "Collection", h.collection);
  add_item(out, "Year", h.year);
  add_item(out, "ReferenceDate", iso_or_empty(h.reference_date));
  add_item(out, "SourceLevel", h.source_level);
  add_item(out, "LEA", h.authority);
  add_item(out, "SoftwareCode", h.software_code);
  add_item(out, "Release", h.release);
  add_item(out, "SerialNo", h.serial_no);
  add_item(out, "DateTime", h.date_time);
  add_later(out, h.later);
  add_item(out, "UPN", child.upn);
  add_item(out, "FormerUPN", child.former_upn);
  add_item(out, "UPNunknown", child.upn_unknown);
  add_item(out, "PersonDeathDate", iso_or_empty(child.death));
  for (const std::string& code : child.disabilities) add_item(out, "Disability", code);
  add_later(out, child.later);
  for (const Episode& e : child.episodes) {
    if (!makes_items(child, e)) continue;
    out.push_back(SourceItem{std::string(kEpisodeItem), episode_xml(e, child.la_child_id)});
  }
  return out;
}

Conversion to_batch(const Return& cin_return) { return build(cin_return, true).out; }

std::vector<std::pair<std::string, detail::ItemSource>> detail::item_sources(const Return& r,
                                                                             std::size_t child) {
  std::vector<ItemSource> sources;
  Builder b;
  b.sources = &sources;
  b.keep = false;
  add_child(b, r, child, agency_id(r));
  std::vector<std::pair<std::string, ItemSource>> out;
  out.reserve(sources.size());
  for (std::size_t i = 0; i < sources.size(); ++i) {
    std::visit(
        [&](auto& item) {
          if constexpr (std::is_same_v<std::decay_t<decltype(item)>, EventSpec> ||
                        std::is_same_v<std::decay_t<decltype(item)>, ConcernSpec>) {
            out.emplace_back(std::move(item.id), sources[i]);
          }
        },
        b.out.batch.items[i]);
  }
  return out;
}

namespace {

template <typename Item>
std::size_t kind_of() {
  return Edit(std::in_place_type<Item>).index();
}

// Upper bounds on the items of each kind to_batch makes of a return (as items_of).
safeguard::detail::ItemCounts item_counts(const Return& r) {
  safeguard::detail::ItemCounts counts = {};
  counts[kind_of<AgencySpec>()] = 1;
  counts[kind_of<PersonSpec>()] = r.children.size();
  std::size_t& events = counts[kind_of<EventSpec>()];
  std::size_t& concerns = counts[kind_of<ConcernSpec>()];
  for (const Child& c : r.children) {
    events += 2;  // its source, an expected birth
    for (const Episode& e : c.episodes) {
      events += 3 + e.section47s.size() * 3;
      for (const Assessment& a : e.assessments) {
        events += 2;
        concerns += a.factors.size();
      }
      for (const ProtectionPlan& p : e.protection_plans) events += 2 + p.reviews.size();
    }
  }
  return counts;
}

// The return built straight into an empty graph (detail::StreamedBuild), one child's items at a
// time in the order to_batch gives them, so the graph is the one applying the whole batch builds
// (bit for bit) but no batch of the whole return is held beside it: at 100,000 children that
// batch was most of the import's memory and a third of its time, in page faults and frees. False
// when an item fails a check: the graph is empty again, and load applies the whole batch, whose
// error names the item.
bool load_streamed(CaseGraph& graph, const Return& r) {
  safeguard::detail::StreamedBuild streamed(graph);
  streamed.reserve(item_counts(r));
  Builder b;
  const std::string agency = agency_id(r);
  add_agency(b, r, agency);
  for (std::size_t index = 0;; ++index) {
    for (const Edit& item : b.out.batch.items) {
      if (!streamed.add(item)) return false;
    }
    if (index == r.children.size()) break;
    b.out.batch.items.clear();
    b.origin.clear();
    add_child(b, r, index, agency);
  }
  return streamed.finish();
}

}  // namespace

void load(CaseGraph& graph, const Return& cin_return, const std::string& name) {
  if (safeguard::detail::StreamedBuild::accepts(graph) && load_streamed(graph, cin_return)) return;
  const auto existing = graph.find(agency_id(cin_return));
  const bool has_agency = existing && graph.kind(*existing) == VertexKind::agency;
  Builder b = build(cin_return, !has_agency);
  try {
    graph.apply(b.out.batch);
  } catch (const BatchError& error) {
    const auto& [at, child] = b.origin.at(error.item());
    throw Error(error.status(), error.detail(), Location(name, at.line, at.column, child));
  }
}

}  // namespace safeguard::cin
