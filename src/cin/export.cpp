// A case graph written back as a census return: the events the import made go back to the items
// they came from (by id), with the codes only the return held taken from it; events added since
// are placed by date; restricted concerns leave only for a reader cleared for them.
#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cin/codes.hpp"
#include "cin/kept.hpp"
#include "cin/sources.hpp"
#include "safeguard/cin.hpp"
#include "safeguard/explain.hpp"
#include "util/markup.hpp"
#include "views_restriction.hpp"

namespace safeguard::cin {
namespace {

// The census's codes for an item the graph does not hold (the Guide's code sets).
constexpr std::string_view kNotRecordedGender = "0";        // GenderCurrent: not recorded
constexpr std::string_view kNotObtainedEthnicity = "NOBT";  // information not yet obtained
constexpr std::string_view kUnknownReferralSource = "10";   // ReferralSource: unknown

using What = detail::ItemSource::What;

// Whether the reader may be given a concern: a restricted one only when cleared for its source
// agency, by the view layer's rule (views_restriction.hpp).
bool may_read(const CaseGraph& graph, const Viewer* viewer, const Concern& concern) {
  if (!concern.restricted) return true;
  if (viewer == nullptr) return false;
  if (concern.source == kNoVertex) return safeguard::detail::cleared_for(*viewer, false, {}, {});
  return safeguard::detail::cleared_for(*viewer, true, graph.id(concern.source),
                                        graph.symbol(graph.agency(concern.source).type));
}

// The details' children by LAchildID (the first of a repeated one, as the import keeps).
std::unordered_map<std::string_view, std::size_t> children_of(const Return* r) {
  std::unordered_map<std::string_view, std::size_t> out;
  if (r == nullptr) return out;
  out.reserve(r->children.size());
  for (std::size_t c = 0; c < r->children.size(); ++c) out.emplace(r->children[c].la_child_id, c);
  return out;
}

// One child's items in the details, by the ids the import gives what it makes from them.
struct ChildSources {
  std::unordered_map<std::string, detail::ItemSource> by_id;
  // The concern id of each factor, by its episode, assessment and place in the list.
  std::map<std::tuple<std::size_t, std::size_t, std::size_t>, std::string> factor_concern;

  ChildSources(const Return* r, std::optional<std::size_t> child) {
    if (!child) return;
    for (auto& [id, source] : detail::item_sources(*r, *child)) {
      if (source.what == What::factor) {
        factor_concern.emplace(std::make_tuple(source.episode, source.item, source.sub), id);
      }
      by_id.emplace(std::move(id), source);
    }
  }
};

EventKind kind_of(What what) {
  switch (what) {
    case What::referral:
      return EventKind::referral;
    case What::referral_nfa:
      return EventKind::referral_decision;
    case What::assessment_start:
      return EventKind::assessment_start;
    case What::assessment_complete:
      return EventKind::assessment_complete;
    case What::s47_start:
      return EventKind::section47_start;
    case What::s47_outcome:
      return EventKind::section47_outcome;
    case What::s47_conference:
    case What::episode_conference:
      return EventKind::initial_conference;
    case What::plan_start:
      return EventKind::plan_start;
    case What::plan_review:
      return EventKind::review_conference;
    case What::plan_end:
      return EventKind::plan_end;
    case What::expected_birth:
      return EventKind::expected_birth;
    case What::record_source:
      return EventKind::record_source;
    case What::person:
    case What::factor:
      break;
  }
  return EventKind::expected_birth;  // never an episode's item
}

// One child being written: its episodes, each remembering the details' episode it restates.
class ChildWriter {
 public:
  ChildWriter(const CaseGraph& graph, const ExportOptions& options, VertexIndex person,
              const Child* from, const ChildSources& sources)
      : graph_(graph), options_(options), person_(person), from_(from), sources_(sources) {}

  Child write(const std::vector<const Event*>& events,
              const std::vector<const Concern*>& concerns) {
    Child out;
    out.la_child_id = graph_.id(person_);
    out.at = {};
    if (from_) {
      out.upn = from_->upn;
      out.former_upn = from_->former_upn;
      out.upn_unknown = from_->upn_unknown;
      out.death = within(from_->death) ? from_->death : kNoDay;
      out.sex_element = from_->sex_element;
      out.sex = from_->sex;
      out.ethnicity = from_->ethnicity;
      out.later = from_->later;
    } else {
      // A child the graph alone gives: the published schema's mandatory items the graph does
      // not hold, as the census's own codes for "not known" (GenderCurrent 0, not recorded;
      // Ethnicity NOBT, information not yet obtained).
      out.sex_element = SexElement::gender_current;
      out.sex = std::string(kNotRecordedGender);
      out.ethnicity = std::string(kNotObtainedEthnicity);
    }
    out.birth = graph_.person(person_).dob;
    out.disabilities = disabilities();
    for (const Concern* concern : concerns) factors_.insert(concern->id);

    std::vector<const Event*> placed_by_date;
    for (const Event* e : events) {
      if (!within(e->date)) continue;
      if (e->kind == EventKind::expected_birth) {
        out.expected_birth = e->expected;
        continue;
      }
      // Says where the record came from (the import's declaration): no census item.
      if (e->kind == EventKind::record_source) continue;
      const detail::ItemSource* source = source_of(*e);
      if (source) {
        restate(*e, *source);
      } else {
        placed_by_date.push_back(e);
      }
    }
    std::stable_sort(placed_by_date.begin(), placed_by_date.end(),
                     [](const Event* a, const Event* b) {
                       if (a->date != b->date) return a->date < b->date;
                       return event_order_rank(a->kind) < event_order_rank(b->kind);
                     });
    for (const Event* e : placed_by_date) place(*e);
    for (const Concern* concern : concerns) add_factor(*concern);
    finish();
    out.episodes = std::move(episodes_);
    return out;
  }

 private:
  bool within(Day day) const {
    return day == kNoDay || options_.to == kNoDay || day <= options_.to;
  }

  // The flags disability_<code> as codes; the details' list as written when it says the same
  // (its order, and NONE, which makes no flag).
  std::vector<std::string> disabilities() const {
    std::vector<std::string> codes;
    for (Symbol s : graph_.person(person_).flags) {
      const std::string_view flag = graph_.symbol(s);
      if (flag.rfind("disability_", 0) != 0) continue;
      std::string code;
      for (char c : flag.substr(11)) {
        code += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      if (!detail::disability_meaning(code).empty()) codes.push_back(std::move(code));
    }
    if (from_) {
      std::vector<std::string> written;
      for (const std::string& code : from_->disabilities) {
        if (code != "NONE" && !detail::disability_meaning(code).empty()) written.push_back(code);
      }
      std::vector<std::string> sorted_codes = codes;
      for (auto* list : {&written, &sorted_codes}) {
        std::sort(list->begin(), list->end());
        list->erase(std::unique(list->begin(), list->end()), list->end());
      }
      if (written == sorted_codes) return from_->disabilities;
    }
    return codes;
  }

  const detail::ItemSource* source_of(const Event& e) const {
    const auto found = sources_.by_id.find(e.id);
    if (found == sources_.by_id.end() || kind_of(found->second.what) != e.kind) return nullptr;
    return &found->second;
  }

  // The output episode restating the details' episode `n`, made on first use with the codes
  // only the return holds.
  Episode& episode_from(std::size_t n) {
    const auto found = episode_of_.find(n);
    if (found != episode_of_.end()) return episodes_[found->second];
    const Episode& d = from_->episodes[n];
    Episode e;
    e.referral_source = d.referral_source;
    e.primary_need = d.primary_need;
    if (within(d.closure)) {
      e.closure = d.closure;
      e.closure_reason = d.closure_reason;
    }
    if (d.referral_nfa == false) e.referral_nfa = false;
    e.later = d.later;
    for (const CinPlan& plan : d.cin_plans) {
      if (!within(plan.start)) continue;
      CinPlan kept = plan;
      kept.at = {};
      if (!within(kept.end)) kept.end = kNoDay;
      e.cin_plans.push_back(kept);
    }
    episode_of_.emplace(n, episodes_.size());
    detail_of_.push_back(n);
    episodes_.push_back(std::move(e));
    return episodes_.back();
  }

  template <typename Item>
  static Item& item_from(std::vector<Item>& items,
                         std::unordered_map<std::size_t, std::size_t>& map, std::size_t k,
                         const Item& fresh) {
    const auto found = map.find(k);
    if (found != map.end()) return items[found->second];
    map.emplace(k, items.size());
    items.push_back(fresh);
    return items.back();
  }

  struct Places {
    std::unordered_map<std::size_t, std::size_t> assessments, section47s, plans;
  };

  void restate(const Event& e, const detail::ItemSource& s) {
    Episode& episode = episode_from(s.episode);
    Places& places = places_[s.episode];
    const Episode& d = from_->episodes[s.episode];
    switch (s.what) {
      case What::referral:
        episode.referral = e.date;
        break;
      case What::referral_nfa:
        if (e.decision == EventDecision::nfa) episode.referral_nfa = true;
        break;
      case What::assessment_start:
      case What::assessment_complete: {
        Assessment& a = item_from(episode.assessments, places.assessments, s.item,
                                  assessment_from(s, d.assessments[s.item]));
        (s.what == What::assessment_start ? a.start : a.authorised) = e.date;
        break;
      }
      case What::s47_start:
      case What::s47_outcome:
      case What::s47_conference: {
        Section47 fresh;
        fresh.conference_target = d.section47s[s.item].conference_target;
        fresh.later = d.section47s[s.item].later;
        if (d.section47s[s.item].conference_not_required == false) {
          fresh.conference_not_required = false;
        }
        Section47& enquiry = item_from(episode.section47s, places.section47s, s.item, fresh);
        if (s.what == What::s47_start) enquiry.start = e.date;
        if (s.what == What::s47_outcome && e.decision == EventDecision::no_conference) {
          enquiry.conference_not_required = true;
        }
        if (s.what == What::s47_conference) enquiry.conference = e.date;
        break;
      }
      case What::episode_conference:
        episode.initial_conference = e.date;
        break;
      case What::plan_start:
      case What::plan_review:
      case What::plan_end: {
        const ProtectionPlan& dp = d.protection_plans[s.item];
        ProtectionPlan fresh;
        fresh.latest_category = dp.latest_category;
        fresh.previous_plans = dp.previous_plans;
        fresh.later = dp.later;
        ProtectionPlan& plan = item_from(episode.protection_plans, places.plans, s.item, fresh);
        if (s.what == What::plan_start) {
          plan.start = e.date;
          plan.initial_category = detail::abuse_category_name(dp.initial_category) == e.category
                                      ? dp.initial_category
                                      : std::string(detail::abuse_category_code(e.category));
        }
        if (s.what == What::plan_review) plan.reviews.push_back(e.date);
        if (s.what == What::plan_end) plan.end = e.date;
        break;
      }
      case What::person:
      case What::expected_birth:
      case What::record_source:
      case What::factor:
        break;
    }
  }

  // An assessment restated from the details: its internal review, and its factor codes as
  // written except those whose concern the graph no longer holds, or holds restricted from the
  // reader (those are in factors_ only when they may be written).
  Assessment assessment_from(const detail::ItemSource& s, const Assessment& d) {
    Assessment a;
    if (within(d.internal_review)) a.internal_review = d.internal_review;
    a.later = d.later;
    for (std::size_t j = 0; j < d.factors.size(); ++j) {
      const auto concern = sources_.factor_concern.find(std::make_tuple(s.episode, s.item, j));
      if (concern != sources_.factor_concern.end()) {
        if (factors_.count(concern->second) == 0) continue;
        written_factors_.insert(concern->second);
      }
      a.factors.push_back(d.factors[j]);
    }
    return a;
  }

  // The episode an event the import did not make joins: that of the latest referral on or
  // before it, else the first; null when the child has no episode yet.
  Episode* episode_for(Day day) {
    Episode* best = nullptr;
    for (Episode& e : episodes_) {
      if (e.referral != kNoDay && e.referral <= day && (!best || e.referral >= best->referral)) {
        best = &e;
      }
    }
    if (!best && !episodes_.empty()) best = &episodes_.front();
    return best;
  }

  void place(const Event& e) {
    if (e.kind == EventKind::referral) {
      Episode fresh;
      fresh.referral = e.date;
      // Mandatory in the schema: the source as the census's "unknown", and no further action
      // false unless a referral decision says nfa.
      fresh.referral_source = std::string(kUnknownReferralSource);
      fresh.referral_nfa = false;
      detail_of_.push_back(kNoDetail);
      episodes_.push_back(std::move(fresh));
      return;
    }
    Episode* episode = episode_for(e.date);
    if (episode == nullptr) return;  // the census has no episode without a referral
    switch (e.kind) {
      case EventKind::referral_decision:
        if (e.decision == EventDecision::nfa) episode->referral_nfa = true;
        break;
      case EventKind::assessment_start: {
        Assessment a;
        a.start = e.date;
        episode->assessments.push_back(std::move(a));
        break;
      }
      case EventKind::assessment_complete: {
        Assessment* open = nullptr;
        for (Assessment& a : episode->assessments) {
          if (a.authorised == kNoDay && a.start <= e.date) open = &a;
        }
        if (open) {
          open->authorised = e.date;
        } else {
          Assessment a;
          a.authorised = e.date;
          episode->assessments.push_back(std::move(a));
        }
        break;
      }
      case EventKind::section47_start: {
        Section47 s;
        s.start = e.date;
        s.conference_not_required = false;  // true when a no_conference outcome follows
        episode->section47s.push_back(std::move(s));
        break;
      }
      case EventKind::section47_outcome:
        if (e.decision == EventDecision::no_conference && !episode->section47s.empty()) {
          episode->section47s.back().conference_not_required = true;
        }
        break;
      case EventKind::initial_conference: {
        Section47* open = nullptr;
        for (Section47& s : episode->section47s) {
          if (s.conference == kNoDay && s.start <= e.date) open = &s;
        }
        if (open) {
          open->conference = e.date;
        } else {
          episode->initial_conference = e.date;
        }
        break;
      }
      case EventKind::plan_start: {
        ProtectionPlan p;
        p.start = e.date;
        p.initial_category = std::string(detail::abuse_category_code(e.category));
        // The graph records no later category, and the plans before this one are those it
        // holds for the child.
        p.latest_category = p.initial_category;
        p.previous_plans = plans_before(e.date);
        episode->protection_plans.push_back(std::move(p));
        break;
      }
      case EventKind::review_conference:
      case EventKind::plan_end: {
        ProtectionPlan* open = nullptr;
        for (ProtectionPlan& p : episode->protection_plans) {
          if (p.end == kNoDay && p.start <= e.date) open = &p;
        }
        if (!open) break;
        if (e.kind == EventKind::plan_end) {
          open->end = e.date;
        } else {
          open->reviews.push_back(e.date);
        }
        break;
      }
      default:
        break;  // a step the census does not record
    }
  }

  // The child's plans written so far that started before `day`.
  int plans_before(Day day) const {
    int count = 0;
    for (const Episode& episode : episodes_) {
      for (const ProtectionPlan& plan : episode.protection_plans) {
        if (plan.start != kNoDay && plan.start < day) ++count;
      }
    }
    return count;
  }

  // A concern the import did not make from the details, named "<assessment>/<code>" after an
  // assessment_start event "<assessment>_start" of this child: a factor of that assessment.
  void add_factor(const Concern& concern) {
    if (written_factors_.count(concern.id)) return;
    const std::size_t slash = concern.id.rfind('/');
    if (slash == std::string::npos) return;
    std::string code = concern.id.substr(slash + 1);
    code = code.substr(0, code.find('#'));
    if (!is_factor_code(code)) return;
    const Event* start = graph_.find_event(concern.id.substr(0, slash) + "_start");
    if (start == nullptr || start->kind != EventKind::assessment_start) return;
    for (Episode& episode : episodes_) {
      for (Assessment& a : episode.assessments) {
        if (a.start == start->date) {
          a.factors.push_back(code);
          return;
        }
      }
    }
  }

  // The episode's own DateOfInitialCPC when it names an enquiry's conference (the import made
  // one event of the two).
  void finish() {
    for (std::size_t k = 0; k < episodes_.size(); ++k) {
      if (detail_of_[k] == kNoDetail) continue;
      Episode& e = episodes_[k];
      const Day written = from_->episodes[detail_of_[k]].initial_conference;
      if (e.initial_conference != kNoDay || written == kNoDay) continue;
      for (const Section47& s : e.section47s) {
        if (s.conference == written) e.initial_conference = written;
      }
    }
  }

  static constexpr std::size_t kNoDetail = static_cast<std::size_t>(-1);
  const CaseGraph& graph_;
  const ExportOptions& options_;
  VertexIndex person_;
  const Child* from_;
  const ChildSources& sources_;
  std::vector<Episode> episodes_;
  std::vector<std::size_t> detail_of_;  // per episode: the details' episode, or kNoDetail
  std::unordered_map<std::size_t, std::size_t> episode_of_;
  std::unordered_map<std::size_t, Places> places_;
  std::unordered_set<std::string> factors_;          // concerns that may be written
  std::unordered_set<std::string> written_factors_;  // those written from the details
};

// Whether an episode is open on some day of the period.
bool open_in(const Episode& e, const ExportOptions& options) {
  if (options.to != kNoDay && e.referral != kNoDay && e.referral > options.to) return false;
  if (options.from != kNoDay && e.closure != kNoDay && e.closure < options.from) return false;
  return true;
}

// The header of a return written from the graph's events alone: the census collection, at
// local authority level, for the authority the import made an agency of.
Header plain_header(const CaseGraph& graph) {
  Header h;
  h.collection = "CIN";
  for (VertexIndex v = 0; v < graph.vertex_count(); ++v) {
    if (graph.kind(v) != VertexKind::agency) continue;
    const auto& id = graph.id(v);
    if (id.rfind("LA-", 0) == 0 && graph.symbol(graph.agency(v).type) == "social_care") {
      h.authority = id.substr(3);
      // The schema's Source must hold the LEA: without an authority there is no Source.
      h.source_level = "L";
      break;
    }
  }
  return h;
}

Header header_of(const CaseGraph& graph, const ExportOptions& options) {
  Header h = options.details ? options.details->header : plain_header(graph);
  if (options.to != kNoDay) {
    h.reference_date = options.to;
    h.year = format_iso_date(options.to).substr(0, 4);
  }
  return h;
}

// ---- What the record kept ------------------------------------------------------------------

// The value of the first item named `name`, or empty.
std::string_view item_value(const std::vector<SourceItem>& items, std::string_view name) {
  for (const SourceItem& item : items) {
    if (item.name == name) return item.value;
  }
  return {};
}

Day item_day(const std::vector<SourceItem>& items, std::string_view name) {
  Day day = kNoDay;
  std::string error;
  const std::string_view text = item_value(items, name);
  if (text.empty() || !parse_iso_date(text, day, error)) return kNoDay;
  return day;
}

bool is_header_container(std::string_view in) {
  return in == "Header" || in == "CollectionDetails" || in == "Source";
}

// Which of a child's kept census years stands for the return ending on `to`: the year ending
// on it, else the latest ending before it, else the latest (no `to`: the latest).
bool better_year(Day candidate, Day best, bool first, Day to) {
  if (first) return true;
  if (to == kNoDay) return candidate > best;
  const bool fits = candidate != kNoDay && candidate <= to;
  const bool best_fits = best != kNoDay && best <= to;
  if (fits != best_fits) return fits;
  return candidate > best;
}

// The episodes kept on record_source events, read back through the census reader in one
// pass: one document, a Child per kept year named by its place in `years` (so the reader keeps
// them all apart), its episodes as kept. Gives each year's episodes; an error names the child
// whose kept items do not read (`children`: each year's child).
std::vector<std::vector<Episode>> kept_episodes(const std::vector<const Event*>& years,
                                                const std::vector<std::string>& children) {
  std::string doc = "<Message><Children>";
  for (std::size_t k = 0; k < years.size(); ++k) {
    doc += "<Child><ChildIdentifiers><LAchildID>";
    doc += std::to_string(k);
    doc += "</LAchildID></ChildIdentifiers>";
    for (const SourceItem& item : years[k]->items) {
      if (item.name == detail::kEpisodeItem) doc += item.value;
    }
    doc += "</Child>";
  }
  doc += "</Children></Message>";
  std::vector<std::vector<Episode>> out(years.size());
  Return r;
  try {
    r = read(doc, "the census items the record keeps");
  } catch (const Error& e) {
    std::string child;
    const std::string& at = e.where().entity;
    if (!at.empty() && at.size() < 12 && at.find_first_not_of("0123456789") == std::string::npos) {
      const std::size_t k = std::stoul(at);
      if (k < children.size()) child = children[k];
    }
    throw Error(Status::invalid_data,
                "census export: the census items the record keeps for this child do not read (" +
                    e.reason() + ")",
                Location({}, 0, 0, child));
  }
  for (Child& c : r.children) {
    const std::size_t k = std::stoul(c.la_child_id);
    if (k < out.size()) out[k] = std::move(c.episodes);
  }
  return out;
}

}  // namespace

std::optional<Return> detail::kept_return(const CaseGraph& graph, Day to) {
  // Each child's kept census years (record_source events with items), in the graph's order.
  std::unordered_map<VertexIndex, std::vector<const Event*>> years;
  std::vector<VertexIndex> order;
  const Event* header_event = nullptr;
  Day header_day = kNoDay;
  for (const Event& e : graph.events()) {
    if (e.id.empty() || e.kind != EventKind::record_source || e.items.empty() ||
        e.about.size() != 1)
      continue;
    auto [at, fresh] = years.try_emplace(e.about.front());
    if (fresh) order.push_back(e.about.front());
    at->second.push_back(&e);
    const Day reference = item_day(e.items, "ReferenceDate");
    if (better_year(reference, header_day, header_event == nullptr, to)) {
      header_event = &e;
      header_day = reference;
    }
  }
  if (header_event == nullptr) return std::nullopt;

  Return out;
  out.header = plain_header(graph);
  {
    const auto& items = header_event->items;
    const auto text = [&](std::string_view name) { return std::string(item_value(items, name)); };
    out.header.collection = text("Collection");
    out.header.year = text("Year");
    out.header.reference_date = header_day;
    out.header.source_level = text("SourceLevel");
    out.header.authority = text("LEA");
    out.header.software_code = text("SoftwareCode");
    out.header.release = text("Release");
    out.header.serial_no = text("SerialNo");
    out.header.date_time = text("DateTime");
    for (const SourceItem& item : items) {
      if (item.name.rfind(kLaterItemPrefix, 0) != 0) continue;
      const std::string in = item.name.substr(kLaterItemPrefix.size());
      if (is_header_container(in)) out.header.later.push_back(LaterElement{in, item.value});
    }
  }
  std::sort(order.begin(), order.end());
  // Each child's kept years, the latest first, and the one that stands for the return.
  struct Kept {
    VertexIndex person;
    std::vector<const Event*> years;
    const Event* primary = nullptr;
  };
  std::vector<Kept> kept;
  kept.reserve(order.size());
  std::vector<const Event*> all_years;
  std::vector<std::string> year_child;
  for (VertexIndex v : order) {
    if (graph.kind(v) != VertexKind::person) continue;
    Kept k{v, std::move(years[v])};
    std::vector<std::pair<Day, const Event*>> dated;
    for (const Event* e : k.years) dated.emplace_back(item_day(e->items, "ReferenceDate"), e);
    std::stable_sort(dated.begin(), dated.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    k.years.clear();
    Day primary_day = kNoDay;
    for (const auto& [reference, e] : dated) {
      k.years.push_back(e);
      all_years.push_back(e);
      year_child.push_back(graph.id(v));
      if (better_year(reference, primary_day, k.primary == nullptr, to)) {
        k.primary = e;
        primary_day = reference;
      }
    }
    kept.push_back(std::move(k));
  }
  std::vector<std::vector<Episode>> episodes = kept_episodes(all_years, year_child);

  out.children.reserve(kept.size());
  std::size_t next_year = 0;
  for (const Kept& k : kept) {
    const Person& person = graph.person(k.person);
    Child child;
    child.la_child_id = person.id;
    child.birth = person.dob;
    for (const SourceItem& a : person.attributes) {
      if (a.name == "GenderCurrent" || a.name == "Sex") {
        child.sex_element = a.name == "Sex" ? SexElement::sex : SexElement::gender_current;
        child.sex = a.value;
      } else if (a.name == "Ethnicity") {
        child.ethnicity = a.value;
      }
    }
    const auto& items = k.primary->items;
    child.upn = std::string(item_value(items, "UPN"));
    child.former_upn = std::string(item_value(items, "FormerUPN"));
    child.upn_unknown = std::string(item_value(items, "UPNunknown"));
    child.death = item_day(items, "PersonDeathDate");
    for (const SourceItem& item : items) {
      if (item.name == "Disability") child.disabilities.push_back(item.value);
      if (item.name.rfind(kLaterItemPrefix, 0) != 0) continue;
      const std::string in = item.name.substr(kLaterItemPrefix.size());
      if (!is_header_container(in)) child.later.push_back(LaterElement{in, item.value});
    }
    // The primary year's episodes as kept; then those only other years hold (an episode
    // closed before the primary year began), the latest year's restatement of each, by
    // referral date.
    const std::size_t first = next_year;
    next_year += k.years.size();
    for (std::size_t y = first; y < next_year; ++y) {
      if (k.years[y - first] == k.primary) child.episodes = std::move(episodes[y]);
    }
    std::unordered_set<Day> have;
    for (const Episode& e : child.episodes) have.insert(e.referral);
    std::vector<Episode> others;
    for (std::size_t y = first; y < next_year; ++y) {
      if (k.years[y - first] == k.primary) continue;
      for (Episode& episode : episodes[y]) {
        if (episode.referral == kNoDay || !have.insert(episode.referral).second) continue;
        others.push_back(std::move(episode));
      }
    }
    std::stable_sort(others.begin(), others.end(),
                     [](const Episode& a, const Episode& b) { return a.referral < b.referral; });
    for (Episode& e : others) child.episodes.push_back(std::move(e));
    out.children.push_back(std::move(child));
  }
  return out;
}

Return to_return(const CaseGraph& graph, const ExportOptions& options) {
  if (options.from != kNoDay && options.to != kNoDay && options.to < options.from)
    throw Error(Status::invalid_argument, "census export: the period ends (" +
                                              format_iso_date(options.to) + ") before it starts (" +
                                              format_iso_date(options.from) + ")");
  // Without details, what the record kept of the return it came from stands in for them.
  std::optional<Return> kept;
  ExportOptions effective = options;
  if (options.details == nullptr) {
    kept = detail::kept_return(graph, options.to);
    if (kept) effective.details = &*kept;
  }
  return detail::to_return_with(graph, effective);
}

Return detail::to_return_with(const CaseGraph& graph, const ExportOptions& options) {
  const auto details = children_of(options.details);
  Return out;
  out.header = header_of(graph, options);

  std::unordered_map<VertexIndex, std::vector<const Event*>> events;
  for (const Event& e : graph.events()) {
    if (e.id.empty()) continue;
    for (VertexIndex v : e.about) events[v].push_back(&e);
  }
  std::unordered_map<VertexIndex, std::vector<const Concern*>> concerns;
  for (VertexIndex v = 0; v < graph.vertex_count(); ++v) {
    if (graph.kind(v) != VertexKind::concern) continue;
    const Concern& c = graph.concern(v);
    if (c.status == ConcernStatus::retracted || !may_read(graph, options.viewer, c)) continue;
    if (c.recorded != kNoDay && options.to != kNoDay && c.recorded > options.to) continue;
    for (VertexIndex about : c.about) concerns[about].push_back(&c);
  }

  const bool period = options.from != kNoDay || options.to != kNoDay;
  for (VertexIndex v = 0; v < graph.vertex_count(); ++v) {
    if (graph.kind(v) != VertexKind::person || graph.person(v).kind != PersonKind::child) continue;
    std::optional<std::size_t> index;
    if (const auto found = details.find(graph.id(v)); found != details.end()) {
      index = found->second;
    }
    const Child* from = index ? &options.details->children[*index] : nullptr;
    const auto child_events = events.find(v);
    if (child_events == events.end() && from == nullptr) continue;
    static const std::vector<const Event*> kNone;
    static const std::vector<const Concern*> kNoConcerns;
    const auto child_concerns = concerns.find(v);
    const ChildSources sources(options.details, index);
    ChildWriter writer(graph, options, v, from, sources);
    Child child =
        writer.write(child_events == events.end() ? kNone : child_events->second,
                     child_concerns == concerns.end() ? kNoConcerns : child_concerns->second);
    if (period) {
      auto& eps = child.episodes;
      eps.erase(std::remove_if(eps.begin(), eps.end(),
                               [&](const Episode& e) { return !open_in(e, options); }),
                eps.end());
    }
    if (child.episodes.empty() && (period || from == nullptr)) continue;
    out.children.push_back(std::move(child));
  }
  return out;
}

std::string write_return(const CaseGraph& graph, const ExportOptions& options) {
  return write(to_return(graph, options));
}

}  // namespace safeguard::cin
