// CaseGraph edits. A batch is validated in full against a simulated view of the graph before
// anything changes, so a batch with one bad item leaves the graph exactly as it was.
#include <algorithm>
#include <unordered_set>

#include "graph_topology.hpp"
#include "safeguard/graph.hpp"
#include "util/utf8.hpp"

namespace safeguard {
namespace {

template <typename T>
void sort_unique(std::vector<T>& values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
}

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

}  // namespace

// Checks a batch against the graph plus everything earlier items in the same batch would add
// or erase. Throws BatchError for the first invalid item; touches nothing.
class CaseGraph::Validator {
 public:
  explicit Validator(const CaseGraph& graph) : graph_(graph) {}

  void check(const Batch& batch) {
    for (item_ = 0; item_ < batch.items.size(); ++item_) {
      std::visit([this](const auto& edit) { check_item(edit); }, batch.items[item_]);
    }
  }

 private:
  [[noreturn]] void fail(Status status, const std::string& message) const {
    throw BatchError(status, message, item_, entity_);
  }

  // The kind an id names once the earlier items of the batch have applied, if any.
  std::optional<VertexKind> kind_of(const std::string& id) const {
    if (erased_.count(id)) return std::nullopt;
    if (auto found = pending_.find(id); found != pending_.end()) return found->second;
    if (auto v = graph_.find(id)) return graph_.kind(*v);
    return std::nullopt;
  }

  void check_text(std::string_view text, const char* field) const {
    if (text.size() > graph_.limits_.max_text_bytes) {
      fail(Status::limit, std::string(field) + " is longer than " +
                              std::to_string(graph_.limits_.max_text_bytes) + " bytes");
    }
    if (!detail::is_valid_utf8(text)) {
      fail(Status::encoding, std::string(field) + " is not valid UTF-8");
    }
  }

  void check_id_syntax(const std::string& id, const char* field) const {
    if (id.empty()) fail(Status::invalid_data, std::string(field) + " is empty");
    if (id.size() > graph_.limits_.max_id_bytes) {
      fail(Status::limit, std::string(field) + " is longer than " +
                              std::to_string(graph_.limits_.max_id_bytes) + " bytes");
    }
    if (!detail::is_valid_utf8(id))
      fail(Status::encoding, std::string(field) + " is not valid UTF-8");
    if (detail::has_control_character(id)) {
      fail(Status::invalid_data, std::string(field) + " contains a control character");
    }
  }

  void check_symbol(std::string_view text, const char* field) const {
    if (text.empty()) fail(Status::invalid_data, std::string(field) + " is empty");
    check_text(text, field);
  }

  bool record_taken(const std::string& id) const {
    return pending_records_.count(id) > 0 || (graph_.has_record(id) && !erased_.count(id));
  }

  void declare(const std::string& id, VertexKind kind) {
    entity_ = id;
    check_id_syntax(id, "id");
    if (kind_of(id) || record_taken(id)) fail(Status::duplicate, "duplicate id " + quoted(id));
    // Checked at the item that crosses the limit, so the error can name it.
    if (graph_.vertex_count() + added_ + 1 > graph_.limits_.max_vertices) {
      fail(Status::limit, "the graph would exceed its limit of " +
                              std::to_string(graph_.limits_.max_vertices) + " entities");
    }
    pending_[id] = kind;
    erased_.erase(id);
    ++added_;
  }

  void require(const std::string& id, VertexKind kind, const char* role) const {
    check_id_syntax(id, role);
    auto found = kind_of(id);
    if (!found) fail(Status::not_found, std::string("unknown ") + role + " " + quoted(id));
    if (*found != kind) {
      fail(Status::invalid_data, std::string(role) + " " + quoted(id) + " is a " +
                                     std::string(to_string(*found)) + ", not a " +
                                     std::string(to_string(kind)));
    }
  }

  void require_list(const std::vector<std::string>& ids, VertexKind kind, const char* role) const {
    if (ids.size() > graph_.limits_.max_list_items) {
      fail(Status::limit, std::string(role) + " list has more than " +
                              std::to_string(graph_.limits_.max_list_items) + " items");
    }
    std::unordered_set<std::string_view> seen;
    for (const auto& id : ids) {
      require(id, kind, role);
      if (!seen.insert(id).second)
        fail(Status::duplicate, std::string(role) + " " + quoted(id) + " listed twice");
    }
  }

  // A concern is about persons, or about the places and groups of contextual safeguarding
  // (police intelligence about a takeaway, a youth worker's worry about a peer group).
  void require_about(const std::vector<std::string>& ids) const {
    if (ids.size() > graph_.limits_.max_list_items) {
      fail(Status::limit,
           "about list has more than " + std::to_string(graph_.limits_.max_list_items) + " items");
    }
    std::unordered_set<std::string_view> seen;
    for (const auto& id : ids) {
      check_id_syntax(id, "about");
      auto found = kind_of(id);
      if (!found) fail(Status::not_found, "unknown person, place or group " + quoted(id));
      if (*found != VertexKind::person && *found != VertexKind::place &&
          *found != VertexKind::group) {
        fail(Status::invalid_data, "about " + quoted(id) + " is a " +
                                       std::string(to_string(*found)) +
                                       ", not a person, place or group");
      }
      if (!seen.insert(id).second) fail(Status::duplicate, "about " + quoted(id) + " listed twice");
    }
  }

  // Process events and discretionary overrides share the id space of entities.
  void declare_record(const std::string& id) {
    entity_ = id;
    check_id_syntax(id, "id");
    if (kind_of(id) || record_taken(id)) fail(Status::duplicate, "duplicate id " + quoted(id));
    pending_records_.insert(id);
    if (graph_.events_.size() + graph_.discretionary_.size() + ++records_added_ >
        graph_.limits_.max_records) {
      fail(Status::limit, "the graph would exceed its limit of " +
                              std::to_string(graph_.limits_.max_records) +
                              " events and discretionary overrides");
    }
  }

  void require_child(const std::string& id, const char* role) const {
    require(id, VertexKind::person, role);
    bool child = false;
    if (auto found = pending_persons_.find(id); found != pending_persons_.end()) {
      child = found->second == PersonKind::child;
    } else if (auto v = graph_.find(id)) {
      child = graph_.person(*v).kind == PersonKind::child;
    }
    if (!child)
      fail(Status::invalid_data, std::string(role) + " " + quoted(id) + " is not a child");
  }

  bool is_adult(const std::string& id) const {
    if (auto found = pending_persons_.find(id); found != pending_persons_.end()) {
      return found->second == PersonKind::adult;
    }
    auto v = graph_.find(id);
    return v && graph_.kind(*v) == VertexKind::person &&
           graph_.person(*v).kind == PersonKind::adult;
  }

  void check_item(const PersonSpec& p) {
    declare(p.id, VertexKind::person);
    pending_persons_[p.id] = p.kind;
    if (p.flags.size() > graph_.limits_.max_list_items) fail(Status::limit, "too many flags");
    for (const auto& flag : p.flags) check_symbol(flag, "flag");
    if (!p.household.empty()) require(p.household, VertexKind::household, "household");
  }

  void check_item(const AgencySpec& a) {
    declare(a.id, VertexKind::agency);
    check_symbol(a.type, "agency type");
    check_text(a.name, "agency name");
  }

  void check_concern_fields(const ConcernSpec& c) {
    check_symbol(c.category, "category");
    if (c.severity < 1 || c.severity > 5) {
      fail(Status::invalid_data, "severity " + std::to_string(c.severity) + " is outside 1-5");
    }
    if (c.recorded == kNoDay) fail(Status::invalid_data, "recorded date is missing");
    if (c.incident != kNoDay && c.incident > c.recorded) {
      fail(Status::invalid_data, "incident date " + format_iso_date(c.incident) +
                                     " is after the recorded date " + format_iso_date(c.recorded));
    }
    require(c.source, VertexKind::agency, "source agency");
    if (c.about.empty()) {
      fail(Status::invalid_data, "a concern must be about at least one person, place or group");
    }
    require_about(c.about);
    require_list(c.involves, VertexKind::person, "involved person");
    for (const auto& id : c.involves) {
      if (!is_adult(id))
        fail(Status::invalid_data, "involved person " + quoted(id) + " is not an adult");
    }
    check_text(c.summary, "summary");
  }

  void check_item(const ConcernSpec& c) {
    declare(c.id, VertexKind::concern);
    check_concern_fields(c);
    pending_about_[c.id] = c.about;
  }

  void check_item(const FactorSpec& f) {
    declare(f.id, VertexKind::factor);
    check_symbol(f.kind, "factor kind");
    if (f.strength < 1 || f.strength > 5) {
      fail(Status::invalid_data, "strength " + std::to_string(f.strength) + " is outside 1-5");
    }
    if (f.start != kNoDay && f.end != kNoDay && f.end < f.start) {
      fail(Status::invalid_data, "end date " + format_iso_date(f.end) +
                                     " is before the start date " + format_iso_date(f.start));
    }
    if (!f.provided_by.empty()) {
      check_id_syntax(f.provided_by, "provided_by");
      auto kind = kind_of(f.provided_by);
      if (!kind) fail(Status::not_found, "unknown provider " + quoted(f.provided_by));
      if (*kind != VertexKind::person && *kind != VertexKind::agency) {
        fail(Status::invalid_data,
             "provider " + quoted(f.provided_by) + " is not a person or agency");
      }
    }
    if (f.protects.empty()) fail(Status::invalid_data, "a factor must protect at least one person");
    require_list(f.protects, VertexKind::person, "person");
    check_text(f.summary, "summary");
    pending_about_[f.id] = f.protects;
  }

  void check_item(const PlaceSpec& p) {
    declare(p.id, VertexKind::place);
    check_symbol(p.kind, "place kind");
    check_text(p.name, "place name");
  }

  void check_item(const GroupSpec& g) {
    declare(g.id, VertexKind::group);
    check_symbol(g.kind, "group kind");
    check_text(g.name, "group name");
  }

  void check_item(const HouseholdSpec& h) { declare(h.id, VertexKind::household); }

  void check_item(const RelationSpec& r) {
    entity_ = r.from;
    if (!is_declarable_relation(r.kind)) {
      fail(Status::invalid_data, "relation kind " + quoted(to_string(r.kind)) +
                                     " comes from entity fields and cannot be declared");
    }
    require(r.from, VertexKind::person, "person");
    VertexKind target = VertexKind::person;
    if (r.kind == RelationKind::member_of) target = VertexKind::group;
    if (r.kind == RelationKind::frequents) target = VertexKind::place;
    require(r.to, target, to_string(target).data());
    if (r.from == r.to) fail(Status::invalid_data, "a person cannot be related to themselves");
    auto key = std::make_tuple(r.kind, r.from, r.to);
    auto reverse = std::make_tuple(r.kind, r.to, r.from);
    bool exists = pending_relations_.count(key) ||
                  (is_symmetric(r.kind) && pending_relations_.count(reverse));
    if (!exists) {
      auto from = graph_.find(r.from);
      auto to = graph_.find(r.to);
      if (from && to && !erased_.count(r.from) && !erased_.count(r.to)) {
        exists = graph_.has_relation(r.kind, *from, *to);
      }
    }
    if (exists) {
      fail(Status::duplicate, "relation " + std::string(to_string(r.kind)) + " from " +
                                  quoted(r.from) + " to " + quoted(r.to) + " already exists");
    }
    pending_relations_.insert(key);
  }

  void check_item(const AmendConcern& a) {
    entity_ = a.concern.id;
    require(a.concern.id, VertexKind::concern, "concern");
    check_concern_fields(a.concern);
    pending_about_[a.concern.id] = a.concern.about;
  }

  void check_item(const EventSpec& e) {
    declare_record(e.id);
    if (e.date == kNoDay) fail(Status::invalid_data, "event date is missing");
    if (e.about.empty()) fail(Status::invalid_data, "an event must be about at least one child");
    require_list(e.about, VertexKind::person, "child");
    for (const auto& id : e.about) require_child(id, "child");
    check_text(e.note, "note");
    pending_about_[e.id] = e.about;
  }

  void check_item(const DiscretionaryOverrideSpec& o) {
    declare_record(o.id);
    require_child(o.child, "child");
    if (o.date == kNoDay) fail(Status::invalid_data, "override date is missing");
    if (o.author.empty()) fail(Status::invalid_data, "override author is missing");
    if (o.reason.empty()) fail(Status::invalid_data, "override reason is missing");
    check_text(o.author, "author");
    check_text(o.reason, "reason");
    pending_about_[o.id] = {o.child};
  }

  void check_item(const CalendarSpec& c) {
    entity_.clear();
    if (c.closures.size() > graph_.limits_.max_list_items) {
      fail(Status::limit,
           "closure list has more than " + std::to_string(graph_.limits_.max_list_items) + " days");
    }
    for (Day day : c.closures) {
      if (day == kNoDay || day < detail::kFirstSupportedDay || day > detail::kLastSupportedDay)
        fail(Status::invalid_data, "closure day is missing or out of range");
    }
  }

  void check_item(const RetractConcern& r) {
    entity_ = r.id;
    require(r.id, VertexKind::concern, "concern");
  }

  void check_item(const ErasePerson& e) {
    entity_ = e.id;
    require(e.id, VertexKind::person, "person");
    erased_.insert(e.id);
    pending_.erase(e.id);
    // Concerns and factors that were only about erased persons go with them.
    auto all_erased = [this](const std::vector<std::string>& ids) {
      return std::all_of(ids.begin(), ids.end(),
                         [this](const std::string& id) { return erased_.count(id) > 0; });
    };
    for (auto it = pending_about_.begin(); it != pending_about_.end();) {
      if (all_erased(it->second)) {
        erased_.insert(it->first);
        pending_.erase(it->first);
        it = pending_about_.erase(it);
      } else {
        ++it;
      }
    }
    if (auto v = graph_.find(e.id)) {
      for (auto edge :
           boost::make_iterator_range(boost::in_edges(*v, graph_.topology_->adjacency))) {
        const auto kind = graph_.topology_->adjacency[edge].kind;
        if (kind != RelationKind::about && kind != RelationKind::protects) continue;
        const auto source = boost::source(edge, graph_.topology_->adjacency);
        const std::string& source_id = graph_.id(source);
        if (erased_.count(source_id) || pending_about_.count(source_id)) continue;
        bool only_erased = true;
        for (auto other :
             boost::make_iterator_range(boost::out_edges(source, graph_.topology_->adjacency))) {
          if (graph_.topology_->adjacency[other].kind != kind) continue;
          if (!erased_.count(graph_.id(boost::target(other, graph_.topology_->adjacency))))
            only_erased = false;
        }
        if (only_erased) erased_.insert(source_id);
      }
    }
  }

  struct TupleHash {
    std::size_t operator()(const std::tuple<RelationKind, std::string, std::string>& t) const {
      std::size_t h = std::hash<std::string>{}(std::get<1>(t));
      h = h * 31 + std::hash<std::string>{}(std::get<2>(t));
      return h * 31 + static_cast<std::size_t>(std::get<0>(t));
    }
  };

  const CaseGraph& graph_;
  std::size_t item_ = 0;
  std::size_t added_ = 0;
  std::string entity_;
  std::unordered_map<std::string, VertexKind> pending_;
  std::unordered_map<std::string, PersonKind> pending_persons_;
  std::unordered_map<std::string, std::vector<std::string>> pending_about_;
  std::unordered_set<std::string> erased_;
  std::unordered_set<std::string> pending_records_;
  std::size_t records_added_ = 0;
  std::unordered_set<std::tuple<RelationKind, std::string, std::string>, TupleHash>
      pending_relations_;
};

// ---- Queries ------------------------------------------------------------------------------

std::optional<VertexIndex> CaseGraph::find(std::string_view id) const {
  auto found = index_.find(std::string(id));
  if (found == index_.end()) return std::nullopt;
  return found->second;
}

bool CaseGraph::has_record(std::string_view id) const {
  return record_index_.count(std::string(id)) > 0;
}

namespace detail {
TopologyHolder::TopologyHolder() : topology_(std::make_unique<Topology>()) {}
TopologyHolder::~TopologyHolder() = default;
TopologyHolder::TopologyHolder(const TopologyHolder& other)
    : topology_(std::make_unique<Topology>(*other.topology_)) {}
TopologyHolder& TopologyHolder::operator=(const TopologyHolder& other) {
  if (this != &other) topology_ = std::make_unique<Topology>(*other.topology_);
  return *this;
}
TopologyHolder::TopologyHolder(TopologyHolder&& other) noexcept = default;
TopologyHolder& TopologyHolder::operator=(TopologyHolder&& other) noexcept = default;
}  // namespace detail

std::size_t CaseGraph::vertex_count() const noexcept {
  return boost::num_vertices(topology_->adjacency);
}
std::size_t CaseGraph::edge_count() const noexcept {
  return boost::num_edges(topology_->adjacency);
}
VertexKind CaseGraph::kind(VertexIndex v) const { return topology_->adjacency[v].kind; }

std::size_t CaseGraph::count(VertexKind kind) const noexcept {
  if (kind == VertexKind::erased) return 0;
  std::size_t live = 0;
  for (VertexIndex v = 0; v < vertex_count(); ++v) live += topology_->adjacency[v].kind == kind;
  return live;
}

std::size_t CaseGraph::count() const noexcept {
  std::size_t live = 0;
  for (VertexIndex v = 0; v < vertex_count(); ++v)
    live += topology_->adjacency[v].kind != VertexKind::erased;
  return live;
}

std::shared_ptr<const WorkingCalendar> CaseGraph::default_calendar() {
  // Built once per process: every graph starts on England and Wales with no closures.
  static const auto shared = std::make_shared<const WorkingCalendar>(Nation::england_and_wales);
  return shared;
}

std::uint32_t CaseGraph::slot(VertexIndex v, VertexKind expected) const {
  if (v >= vertex_count() || topology_->adjacency[v].kind != expected) {
    throw Error(Status::invalid_argument,
                "vertex " + std::to_string(v) + " is not a " + std::string(to_string(expected)));
  }
  return topology_->adjacency[v].slot;
}

VertexIndex CaseGraph::household_of(VertexIndex person) const {
  for (auto edge : boost::make_iterator_range(boost::out_edges(person, topology_->adjacency))) {
    if (topology_->adjacency[edge].kind == RelationKind::household)
      return boost::target(edge, topology_->adjacency);
  }
  return kNoVertex;
}

bool CaseGraph::has_relation(RelationKind kind, VertexIndex from, VertexIndex to) const {
  for (auto edge : boost::make_iterator_range(boost::out_edges(from, topology_->adjacency))) {
    if (topology_->adjacency[edge].kind == kind && boost::target(edge, topology_->adjacency) == to)
      return true;
  }
  if (is_symmetric(kind)) {
    for (auto edge : boost::make_iterator_range(boost::out_edges(to, topology_->adjacency))) {
      if (topology_->adjacency[edge].kind == kind &&
          boost::target(edge, topology_->adjacency) == from)
        return true;
    }
  }
  return false;
}

// ---- Edits --------------------------------------------------------------------------------

void CaseGraph::apply(const Batch& batch) {
  Validator(*this).check(batch);
  // Validation has accepted every item; applying cannot fail short of memory exhaustion.
  for (const auto& item : batch.items) apply_item(item);
  ++revision_;
}

VertexIndex CaseGraph::add_vertex(VertexKind kind, std::uint32_t slot, const std::string& id) {
  auto v = static_cast<VertexIndex>(
      boost::add_vertex(detail::VertexData{kind, slot}, topology_->adjacency));
  ids_.push_back(id);
  index_[id] = v;
  return v;
}

void CaseGraph::add_edge(RelationKind kind, VertexIndex from, VertexIndex to) {
  boost::add_edge(from, to, detail::EdgeData{kind}, topology_->adjacency);
}

void CaseGraph::remove_edges_of_kind(VertexIndex v, RelationKind kind, bool outgoing) {
  if (outgoing) {
    boost::remove_out_edge_if(
        v, [&](const auto& e) { return topology_->adjacency[e].kind == kind; },
        topology_->adjacency);
  } else {
    boost::remove_in_edge_if(
        v, [&](const auto& e) { return topology_->adjacency[e].kind == kind; },
        topology_->adjacency);
  }
}

void CaseGraph::apply_item(const Edit& item) {
  auto resolve = [this](const std::string& id) { return index_.at(id); };
  auto resolve_all = [&](const std::vector<std::string>& ids) {
    std::vector<VertexIndex> out;
    out.reserve(ids.size());
    for (const auto& id : ids) out.push_back(resolve(id));
    return out;
  };
  auto set_concern_edges = [&](VertexIndex v, const Concern& c) {
    add_edge(RelationKind::raised, c.source, v);
    for (auto p : c.about) add_edge(RelationKind::about, v, p);
    for (auto p : c.involves) add_edge(RelationKind::involves, v, p);
  };
  auto make_concern = [&](const ConcernSpec& spec) {
    Concern c;
    c.id = spec.id;
    c.category = intern(spec.category);
    c.severity = spec.severity;
    c.incident = spec.incident;
    c.recorded = spec.recorded;
    c.status = spec.status;
    c.source = resolve(spec.source);
    c.restricted = spec.restricted;
    c.about = resolve_all(spec.about);
    c.involves = resolve_all(spec.involves);
    c.summary = spec.summary;
    return c;
  };

  std::visit(
      [&](const auto& edit) {
        using T = std::decay_t<decltype(edit)>;
        if constexpr (std::is_same_v<T, PersonSpec>) {
          Person p;
          p.id = edit.id;
          p.kind = edit.kind;
          p.dob = edit.dob;
          // Flags in the order given, each once. (They used to be sorted by symbol number,
          // which depends on what the graph had interned before: a saved file loaded into a
          // fresh graph could save its flags in another order.)
          std::vector<Symbol> seen;  // sorted, to find repeats
          for (const auto& flag : edit.flags) {
            const Symbol symbol = intern(flag);
            const auto at = std::lower_bound(seen.begin(), seen.end(), symbol);
            if (at != seen.end() && *at == symbol) continue;
            seen.insert(at, symbol);
            p.flags.push_back(symbol);
          }
          auto v =
              add_vertex(VertexKind::person, static_cast<std::uint32_t>(persons_.size()), edit.id);
          persons_.push_back(std::move(p));
          if (!edit.household.empty())
            add_edge(RelationKind::household, v, resolve(edit.household));
        } else if constexpr (std::is_same_v<T, AgencySpec>) {
          add_vertex(VertexKind::agency, static_cast<std::uint32_t>(agencies_.size()), edit.id);
          agencies_.push_back(Agency{edit.id, intern(edit.type), edit.name});
        } else if constexpr (std::is_same_v<T, ConcernSpec>) {
          Concern c = make_concern(edit);
          auto v = add_vertex(VertexKind::concern, static_cast<std::uint32_t>(concerns_.size()),
                              edit.id);
          set_concern_edges(v, c);
          concerns_.push_back(std::move(c));
        } else if constexpr (std::is_same_v<T, FactorSpec>) {
          Factor f;
          f.id = edit.id;
          f.kind = intern(edit.kind);
          f.strength = edit.strength;
          f.start = edit.start;
          f.end = edit.end;
          f.provided_by = edit.provided_by.empty() ? kNoVertex : resolve(edit.provided_by);
          f.protects = resolve_all(edit.protects);
          f.summary = edit.summary;
          auto v =
              add_vertex(VertexKind::factor, static_cast<std::uint32_t>(factors_.size()), edit.id);
          for (auto p : f.protects) add_edge(RelationKind::protects, v, p);
          factors_.push_back(std::move(f));
        } else if constexpr (std::is_same_v<T, PlaceSpec>) {
          add_vertex(VertexKind::place, static_cast<std::uint32_t>(places_.size()), edit.id);
          places_.push_back(Place{edit.id, intern(edit.kind), edit.name});
        } else if constexpr (std::is_same_v<T, GroupSpec>) {
          add_vertex(VertexKind::group, static_cast<std::uint32_t>(groups_.size()), edit.id);
          groups_.push_back(Group{edit.id, intern(edit.kind), edit.name});
        } else if constexpr (std::is_same_v<T, HouseholdSpec>) {
          add_vertex(VertexKind::household, static_cast<std::uint32_t>(households_.size()),
                     edit.id);
          households_.push_back(Household{edit.id});
        } else if constexpr (std::is_same_v<T, RelationSpec>) {
          Relation r{edit.kind, resolve(edit.from), resolve(edit.to)};
          add_edge(r.kind, r.from, r.to);
          relations_.push_back(r);
        } else if constexpr (std::is_same_v<T, AmendConcern>) {
          auto v = resolve(edit.concern.id);
          remove_edges_of_kind(v, RelationKind::raised, false);
          remove_edges_of_kind(v, RelationKind::about, true);
          remove_edges_of_kind(v, RelationKind::involves, true);
          Concern c = make_concern(edit.concern);
          set_concern_edges(v, c);
          concerns_[topology_->adjacency[v].slot] = std::move(c);
        } else if constexpr (std::is_same_v<T, RetractConcern>) {
          concerns_[topology_->adjacency[resolve(edit.id)].slot].status = ConcernStatus::retracted;
        } else if constexpr (std::is_same_v<T, ErasePerson>) {
          erase_vertex(resolve(edit.id));
        } else if constexpr (std::is_same_v<T, EventSpec>) {
          record_index_[edit.id] = static_cast<std::uint32_t>(events_.size());
          events_.push_back(
              Event{edit.id, edit.kind, edit.date, resolve_all(edit.about), edit.note});
        } else if constexpr (std::is_same_v<T, DiscretionaryOverrideSpec>) {
          record_index_[edit.id] = static_cast<std::uint32_t>(discretionary_.size());
          discretionary_.push_back(DiscretionaryOverride{
              edit.id, resolve(edit.child), edit.direction, edit.date, edit.author, edit.reason});
        } else if constexpr (std::is_same_v<T, CalendarSpec>) {
          const Nation nation = edit.nation.value_or(calendar_->nation());
          auto calendar = nation == calendar_->nation()
                              ? std::make_shared<WorkingCalendar>(*calendar_)
                              : std::make_shared<WorkingCalendar>(nation);
          for (Day day : calendar_->closures()) calendar->add_closure(day);
          for (Day day : edit.closures) calendar->add_closure(day);
          calendar_ = std::move(calendar);
        }
      },
      item);
}

// Wipes a vertex's record and edges and leaves a tombstone. Erasing a person cascades to the
// concerns and factors that were only about them.
void CaseGraph::erase_vertex(VertexIndex v) {
  const VertexKind kind = topology_->adjacency[v].kind;
  std::vector<VertexIndex> orphans;
  if (kind == VertexKind::person) {
    for (auto edge : boost::make_iterator_range(boost::in_edges(v, topology_->adjacency))) {
      const auto source = boost::source(edge, topology_->adjacency);
      switch (topology_->adjacency[edge].kind) {
        case RelationKind::about: {
          auto& about = concerns_[topology_->adjacency[source].slot].about;
          about.erase(std::remove(about.begin(), about.end(), v), about.end());
          if (about.empty()) orphans.push_back(source);
          break;
        }
        case RelationKind::involves: {
          auto& involves = concerns_[topology_->adjacency[source].slot].involves;
          involves.erase(std::remove(involves.begin(), involves.end(), v), involves.end());
          break;
        }
        case RelationKind::protects: {
          auto& protects = factors_[topology_->adjacency[source].slot].protects;
          protects.erase(std::remove(protects.begin(), protects.end(), v), protects.end());
          if (protects.empty()) orphans.push_back(source);
          break;
        }
        default:
          break;
      }
    }
    for (auto& f : factors_) {
      if (f.provided_by == v) f.provided_by = kNoVertex;
    }
    // Events and overrides go with the last child they were about.
    for (auto& e : events_) {
      if (e.id.empty()) continue;
      e.about.erase(std::remove(e.about.begin(), e.about.end(), v), e.about.end());
      if (e.about.empty()) {
        record_index_.erase(e.id);
        e = Event{};
      }
    }
    for (auto& o : discretionary_) {
      if (!o.id.empty() && o.child == v) {
        record_index_.erase(o.id);
        o = DiscretionaryOverride{};
      }
    }
    persons_[topology_->adjacency[v].slot] = Person{};
  } else if (kind == VertexKind::concern) {
    concerns_[topology_->adjacency[v].slot] = Concern{};
  } else if (kind == VertexKind::factor) {
    factors_[topology_->adjacency[v].slot] = Factor{};
  }
  relations_.erase(std::remove_if(relations_.begin(), relations_.end(),
                                  [v](const Relation& r) { return r.from == v || r.to == v; }),
                   relations_.end());
  boost::clear_vertex(v, topology_->adjacency);
  index_.erase(ids_[v]);
  ids_[v].clear();
  topology_->adjacency[v].kind = VertexKind::erased;
  sort_unique(orphans);
  for (auto orphan : orphans) erase_vertex(orphan);
}

std::vector<Relation> CaseGraph::declared_relations() const { return relations_; }

}  // namespace safeguard
