// CaseGraph edits. A batch is validated in full against a simulated view of the graph before
// anything changes, so a batch with one bad item leaves the graph exactly as it was.
#include <algorithm>
#include <iterator>
#include <new>
#include <unordered_set>

#include "graph_records.hpp"
#include "graph_topology.hpp"
#include "safeguard/graph.hpp"
#include "util/utf8.hpp"

namespace safeguard {

using detail::Adjacency;
using detail::EdgeDescriptor;
using detail::EdgeRef;
using detail::VertexData;
namespace {

template <typename T>
void sort_unique(std::vector<T>& values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
}

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

// parent_of and carer_of: from whoever cares for a child to the child. A child may be a young
// parent or a young carer, never the parent or the carer of an adult.
bool is_caring(RelationKind kind) {
  return kind == RelationKind::parent_of || kind == RelationKind::carer_of;
}
std::string caring_refusal(RelationKind kind) {
  return kind == RelationKind::parent_of ? "a child cannot be the parent of an adult"
                                         : "a child cannot be the carer of an adult";
}

}  // namespace

// Checks a batch against the graph plus everything earlier items in the same batch would add
// or erase. Throws BatchError for the first invalid item; touches nothing.
class CaseGraph::Validator {
  enum class RecordKind : std::uint8_t { event, discretionary_override, entry };

 public:
  explicit Validator(const CaseGraph& graph) : graph_(graph) {}

  // Every key the validator keeps is a view of an id in `batch` or in the graph, both of which
  // outlive it: a batch of half a million events no longer copies each id into three maps.
  void check(const Batch& batch) {
    // What the batch's items are about is needed only to take concerns, factors and records
    // with an erased person; most batches erase no one.
    track_about_ = std::any_of(batch.items.begin(), batch.items.end(), [](const auto& item) {
      return std::holds_alternative<ErasePerson>(item);
    });
    pending_.reserve(batch.items.size());
    for (item_ = 0; item_ < batch.items.size(); ++item_) {
      std::visit([this](const auto& edit) { check_item(edit); }, batch.items[item_]);
    }
    check_parentage();
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

  // A person's attributes or an event's source items: each named, within the list and text
  // limits, valid UTF-8 (the error names the field, never the value).
  void check_items(const std::vector<SourceItem>& items, const char* field) const {
    if (items.size() > graph_.limits_.max_list_items)
      fail(Status::limit, std::string("too many ") + field + "s");
    for (const SourceItem& item : items) {
      if (item.name.empty() || item.name.find('=') != std::string::npos)
        fail(Status::invalid_data, std::string(field) + " name is empty or holds '='");
      check_text(item.name, field);
      check_text(item.value, field);
    }
  }

  void check_text(std::string_view text, const char* field) const {
    if (text.size() > graph_.limits_.max_text_bytes) {
      fail(Status::limit, std::string(field) + " is longer than " +
                              std::to_string(graph_.limits_.max_text_bytes) + " bytes");
    }
    if (!detail::is_valid_utf8(text)) {
      fail(Status::encoding, std::string(field) + " is not valid UTF-8");
    }
    if (const auto code = detail::first_control(text)) {
      fail(Status::invalid_data, std::string(field) + " contains " +
                                     detail::describe_unprintable(*code) +
                                     ": text may hold tabs and line breaks, no other control");
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
    if (const auto code = detail::first_unprintable(id)) {
      fail(Status::invalid_data, std::string(field) + " contains " +
                                     detail::describe_unprintable(*code) +
                                     ": ids must be printable");
    }
  }

  // A word of the vocabulary (a category, a kind, a flag): printable, as an id is, since it is
  // printed on its own, matched by rules and listed in the vocabulary report.
  void check_symbol(std::string_view text, const char* field) const {
    if (text.empty()) fail(Status::invalid_data, std::string(field) + " is empty");
    check_text(text, field);
    if (const auto code = detail::first_unprintable(text)) {
      fail(Status::invalid_data, std::string(field) + " contains " +
                                     detail::describe_unprintable(*code) +
                                     ": a vocabulary word must be printable");
    }
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

  // An id that names something was checked when it was declared; only an unknown one is
  // checked here, so the error says what is wrong with it (an id checked on every reference
  // was a twentieth of loading a large file).
  void require(const std::string& id, VertexKind kind, const char* role) const {
    auto found = kind_of(id);
    if (!found) {
      check_id_syntax(id, role);
      fail(Status::not_found, std::string("unknown ") + role + " " + quoted(id));
    }
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
      auto found = kind_of(id);
      if (!found) {
        check_id_syntax(id, "about");
        fail(Status::not_found, "unknown person, place or group " + quoted(id));
      }
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
    erased_.erase(id);  // an id removed earlier in the batch may be used again
    if (graph_.events_.size() + graph_.discretionary_.size() + graph_.entries_.size() +
            ++records_added_ >
        graph_.limits_.max_records) {
      fail(Status::limit, "the graph would exceed its limit of " +
                              std::to_string(graph_.limits_.max_records) +
                              " events, discretionary overrides and entries");
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

  bool is_child(const std::string& id) const {
    if (auto found = pending_persons_.find(id); found != pending_persons_.end()) {
      return found->second == PersonKind::child;
    }
    auto v = graph_.find(id);
    return v && graph_.kind(*v) == VertexKind::person &&
           graph_.person(*v).kind == PersonKind::child;
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
    check_text(p.name, "name");
    check_items(p.attributes, "attribute");
    if (detail::attribute_named_twice(p.attributes))  // personal data: never quoted
      fail(Status::duplicate, "an attribute is named twice");
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
    if (track_about_) pending_about_[c.id] = IdList{c.about.data(), c.about.size()};
  }

  void check_item(const FactorSpec& f) {
    declare(f.id, VertexKind::factor);
    check_factor_fields(f);
  }

  void check_factor_fields(const FactorSpec& f) {
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
    if (track_about_) pending_about_[f.id] = IdList{f.protects.data(), f.protects.size()};
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
    if (relation_exists(r.kind, r.from, r.to)) {
      fail(Status::duplicate, "relation " + std::string(to_string(r.kind)) + " from " +
                                  quoted(r.from) + " to " + quoted(r.to) + " already exists");
    }
    pending_relations_.insert(key);
    if (is_caring(r.kind)) {
      // A young parent (a child parent_of a baby) or a young carer of a sibling is real; a
      // child who is the parent or the carer of an adult is a data error, and would make the
      // adult's carers include a child.
      if (is_child(r.from) && is_adult(r.to)) {
        fail(Status::invalid_data, std::string(to_string(r.kind)) + " from " + quoted(r.from) +
                                       " to " + quoted(r.to) + ": " + caring_refusal(r.kind));
      }
      if (r.kind == RelationKind::parent_of)
        parent_edges_.push_back(ParentEdge{r.from, r.to, item_});
    }
  }

  void check_item(const AmendConcern& a) {
    entity_ = a.concern.id;
    require(a.concern.id, VertexKind::concern, "concern");
    check_concern_fields(a.concern);
    if (track_about_)
      pending_about_[a.concern.id] = IdList{a.concern.about.data(), a.concern.about.size()};
  }

  void check_item(const EventSpec& e) {
    declare_record(e.id);
    pending_records_[e.id] = RecordKind::event;
    check_event_fields(e);
  }

  void check_event_fields(const EventSpec& e) {
    if (e.date == kNoDay) fail(Status::invalid_data, "event date is missing");
    if (e.about.empty()) fail(Status::invalid_data, "an event must be about at least one child");
    require_list(e.about, VertexKind::person, "child");
    for (const auto& id : e.about) require_child(id, "child");
    check_text(e.note, "note");
    check_text(e.category, "category");
    check_items(e.items, "source item");
    if (!event_decision_allowed(e.kind, e.decision)) {
      fail(Status::invalid_data, "a " + std::string(to_string(e.kind)) +
                                     " event cannot record the decision \"" +
                                     std::string(to_string(e.decision)) + "\"");
    }
    if (e.expected != kNoDay && e.kind != EventKind::expected_birth)
      fail(Status::invalid_data, "only an expected_birth event has an expected date");
    if (e.kind == EventKind::expected_birth && e.expected == kNoDay)
      fail(Status::invalid_data, "an expected_birth event needs its expected date");
    if (e.kind == EventKind::record_source && e.category.empty())
      fail(Status::invalid_data, "a record_source event needs the source in its category");
    if (track_about_) pending_about_[e.id] = IdList{e.about.data(), e.about.size()};
  }

  // Entries never score; what is checked is what a report needs to show them truthfully.
  void check_item(const EntrySpec& e) {
    declare_record(e.id);
    pending_records_[e.id] = RecordKind::entry;
    if (const std::string problem = detail::entry_fields_problem(e); !problem.empty())
      fail(Status::invalid_data, problem);
    require_list(e.about, VertexKind::person, "child");
    for (const auto& id : e.about) require_child(id, "child");
    check_text(e.author, "author");
    check_text(e.text, "text");
    check_text(e.question, "question");
    if (!e.source.empty()) require(e.source, VertexKind::agency, "source agency");
    if (track_about_) pending_entries_[e.id] = IdList{e.about.data(), e.about.size()};
  }

  void check_item(const DiscretionaryOverrideSpec& o) {
    declare_record(o.id);
    pending_records_[o.id] = RecordKind::discretionary_override;
    check_override_fields(o);
  }

  void check_override_fields(const DiscretionaryOverrideSpec& o) {
    // About one person: a child's level, or an adult's own result.
    if (o.child.empty() == o.adult.empty())
      fail(Status::invalid_data, o.child.empty()
                                     ? "override names neither a child nor an adult"
                                     : "override names both a child and an adult (one only)");
    if (!o.child.empty()) {
      require_child(o.child, "child");
    } else {
      require(o.adult, VertexKind::person, "adult");
      if (!is_adult(o.adult))
        fail(Status::invalid_data, "adult " + quoted(o.adult) + " is not an adult");
    }
    if (o.date == kNoDay) fail(Status::invalid_data, "override date is missing");
    if (o.author.empty()) fail(Status::invalid_data, "override author is missing");
    if (o.reason.empty()) fail(Status::invalid_data, "override reason is missing");
    check_text(o.author, "author");
    check_text(o.reason, "reason");
    // An approval names who approved (an adult in the graph, by entity id: never a name) and
    // when, on or after the judgement's own date.
    if (!o.approved_by.empty() && o.approved == kNoDay)
      fail(Status::invalid_data,
           "override approver " + quoted(o.approved_by) + " has no approval date (approved)");
    if (o.approved_by.empty() && o.approved != kNoDay)
      fail(Status::invalid_data, "override approval date has no approver (approved_by)");
    if (!o.approved_by.empty()) {
      require(o.approved_by, VertexKind::person, "approver");
      if (!is_adult(o.approved_by))
        fail(Status::invalid_data, "approver " + quoted(o.approved_by) + " is not an adult");
      if (o.approved < o.date)
        fail(Status::invalid_data, "override approved on " + format_iso_date(o.approved) +
                                       ", before it was made on " + format_iso_date(o.date));
    }
    if (track_about_) pending_about_[o.id] = IdList{&o.person(), 1};
  }

  void check_item(const Replace& r) {
    std::visit([this](const auto& spec) { check_replacement(spec); }, r.spec);
  }

  void check_replacement(const PersonSpec& p) {
    entity_ = p.id;
    require(p.id, VertexKind::person, "person");
    pending_persons_[p.id] = p.kind;
    if (p.flags.size() > graph_.limits_.max_list_items) fail(Status::limit, "too many flags");
    for (const auto& flag : p.flags) check_symbol(flag, "flag");
    if (!p.household.empty()) require(p.household, VertexKind::household, "household");
    check_text(p.name, "name");
    check_items(p.attributes, "attribute");
    if (detail::attribute_named_twice(p.attributes))  // personal data: never quoted
      fail(Status::duplicate, "an attribute is named twice");
  }

  void check_replacement(const AgencySpec& a) {
    entity_ = a.id;
    require(a.id, VertexKind::agency, "agency");
    check_symbol(a.type, "agency type");
    check_text(a.name, "agency name");
  }

  void check_replacement(const PlaceSpec& p) {
    entity_ = p.id;
    require(p.id, VertexKind::place, "place");
    check_symbol(p.kind, "place kind");
    check_text(p.name, "place name");
  }

  void check_replacement(const GroupSpec& g) {
    entity_ = g.id;
    require(g.id, VertexKind::group, "group");
    check_symbol(g.kind, "group kind");
    check_text(g.name, "group name");
  }

  void check_replacement(const FactorSpec& f) {
    entity_ = f.id;
    require(f.id, VertexKind::factor, "factor");
    check_factor_fields(f);
  }

  void check_replacement(const EventSpec& e) {
    entity_ = e.id;
    require_record(e.id, RecordKind::event);
    check_event_fields(e);
  }

  void check_replacement(const DiscretionaryOverrideSpec& o) {
    entity_ = o.id;
    require_record(o.id, RecordKind::discretionary_override);
    check_override_fields(o);
  }

  // The kind of live record (event or discretionary override) an id names once the earlier
  // items of the batch have applied, if any.
  std::optional<RecordKind> record_kind_of(const std::string& id) const {
    if (erased_.count(id)) return std::nullopt;
    if (auto found = pending_records_.find(id); found != pending_records_.end())
      return found->second;
    if (graph_.find_event(id)) return RecordKind::event;
    if (graph_.find_override(id)) return RecordKind::discretionary_override;
    if (graph_.find_entry(id)) return RecordKind::entry;
    return std::nullopt;
  }

  void require_record(const std::string& id, RecordKind kind) const {
    const char* name = kind == RecordKind::event ? "event" : "discretionary override";
    auto found = record_kind_of(id);
    if (!found) {
      check_id_syntax(id, "id");
      fail(Status::not_found, std::string("unknown ") + name + " " + quoted(id));
    }
    if (*found != kind) fail(Status::invalid_data, quoted(id) + " is not a " + name);
  }

  void check_item(const Remove& r) {
    entity_ = r.id;
    check_id_syntax(r.id, "id");
    if (record_kind_of(r.id)) {
      pending_records_.erase(r.id);
    } else if (auto kind = kind_of(r.id)) {
      if (*kind != VertexKind::concern && *kind != VertexKind::factor) {
        fail(Status::invalid_data, quoted(r.id) + " is a " + std::string(to_string(*kind)) +
                                       ": only concerns, factors, events, discretionary "
                                       "overrides and entries are removed (persons are erased)");
      }
      pending_.erase(r.id);
    } else {
      fail(Status::not_found,
           "unknown concern, factor, event, discretionary override or entry " + quoted(r.id));
    }
    erased_.insert(r.id);
    pending_about_.erase(r.id);
    pending_entries_.erase(r.id);
  }

  void check_item(const RemoveRelation& remove) {
    const RelationSpec& r = remove.relation;
    entity_ = r.from;
    if (!is_declarable_relation(r.kind)) {
      fail(Status::invalid_data, "relation kind " + quoted(to_string(r.kind)) +
                                     " comes from entity fields and cannot be removed");
    }
    check_id_syntax(r.from, "from");
    check_id_syntax(r.to, "to");
    if (!relation_exists(r.kind, r.from, r.to)) {
      fail(Status::not_found, "no relation " + std::string(to_string(r.kind)) + " from " +
                                  quoted(r.from) + " to " + quoted(r.to));
    }
    pending_relations_.erase(std::make_tuple(r.kind, r.from, r.to));
    if (is_symmetric(r.kind)) pending_relations_.erase(std::make_tuple(r.kind, r.to, r.from));
    removed_relations_[removal_key(r.kind, r.from, r.to)] = item_;
  }

  // The key under which a removal is remembered: symmetric relations in byte order of ends.
  static std::tuple<RelationKind, std::string, std::string> removal_key(RelationKind kind,
                                                                        const std::string& from,
                                                                        const std::string& to) {
    if (is_symmetric(kind) && to < from) return std::make_tuple(kind, to, from);
    return std::make_tuple(kind, from, to);
  }

  // Whether the relation exists once the earlier items of the batch have applied.
  bool relation_exists(RelationKind kind, const std::string& from, const std::string& to) const {
    if (pending_relations_.count(std::make_tuple(kind, from, to)) ||
        (is_symmetric(kind) && pending_relations_.count(std::make_tuple(kind, to, from))))
      return true;
    if (removed_relations_.count(removal_key(kind, from, to))) return false;
    if (erased_.count(from) || erased_.count(to)) return false;
    auto v_from = graph_.find(from);
    auto v_to = graph_.find(to);
    return v_from && v_to && graph_.has_relation(kind, *v_from, *v_to);
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
    last_erased_at_[e.id] = item_;
    pending_.erase(e.id);
    // Concerns and factors that were only about erased persons go with them.
    auto all_erased = [this](const IdList& ids) {
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
    // Entries that name an erased person go with them, whoever else they name (as erase_vertex
    // takes them).
    auto names_erased = [this](const IdList& ids) {
      return std::any_of(ids.begin(), ids.end(),
                         [this](const std::string& id) { return erased_.count(id) > 0; });
    };
    for (auto it = pending_entries_.begin(); it != pending_entries_.end();) {
      if (names_erased(it->second)) {
        erased_.insert(it->first);
        it = pending_entries_.erase(it);
      } else {
        ++it;
      }
    }
    if (auto v = graph_.find(e.id)) {
      for (const RecordedEntry& entry : graph_.entries_) {
        if (!entry.id.empty() && !erased_.count(entry.id) &&
            std::find(entry.about.begin(), entry.about.end(), *v) != entry.about.end())
          erased_.insert(entry.id);
      }
      for (auto edge : boost::make_iterator_range(in_edges(*v, graph_.topology_->adjacency))) {
        const auto kind = graph_.topology_->adjacency[edge].kind;
        if (kind != RelationKind::about && kind != RelationKind::protects) continue;
        const auto source = detail::source(edge, graph_.topology_->adjacency);
        const auto& source_id = graph_.id(source);
        if (erased_.count(source_id) || pending_about_.count(source_id)) continue;
        bool only_erased = true;
        for (auto other :
             boost::make_iterator_range(out_edges(source, graph_.topology_->adjacency))) {
          if (graph_.topology_->adjacency[other].kind != kind) continue;
          if (!erased_.count(graph_.id(target(other, graph_.topology_->adjacency))))
            only_erased = false;
        }
        if (only_erased) erased_.insert(source_id);
      }
    }
  }

  // No one may be their own ancestor: parent_of, the graph's and the batch's, must stay
  // acyclic. Checked once the whole batch is known, by one depth-first search from the new
  // edges (the graph before the batch has no cycle, so any cycle runs through one of them):
  // O(what those edges reach), where checking each item in turn would be quadratic in a chain.
  // Only when there is a cycle is the item that first closes one searched for, by bisection.
  void check_parentage() {
    if (parent_edges_.empty() || !has_parent_cycle(parent_edges_.size())) return;
    std::size_t clean = 0, cyclic = parent_edges_.size();  // prefixes: clean has no cycle
    while (cyclic - clean > 1) {
      const std::size_t middle = clean + (cyclic - clean) / 2;
      (has_parent_cycle(middle) ? cyclic : clean) = middle;
    }
    const ParentEdge& closing = parent_edges_[cyclic - 1];
    item_ = closing.item;
    entity_ = closing.from;
    fail(Status::invalid_data, "parent_of from " + quoted(closing.from) + " to " +
                                   quoted(closing.to) + " makes " + quoted(closing.from) +
                                   " their own ancestor");
  }

  // Whether the graph's parent_of edges plus the batch's first `prefix` ones have a cycle, as
  // the graph will be after the batch: edges of erased persons are gone.
  bool has_parent_cycle(std::size_t prefix) const {
    auto alive = [this](const ParentEdge& e) {
      for (const std::string* id : {&e.from, &e.to}) {
        auto erased = last_erased_at_.find(*id);
        if (erased != last_erased_at_.end() && erased->second > e.item) return false;
      }
      auto removed = removed_relations_.find(removal_key(RelationKind::parent_of, e.from, e.to));
      return removed == removed_relations_.end() || removed->second < e.item;
    };
    std::unordered_map<std::string_view, std::vector<std::string_view>> added;
    for (std::size_t i = 0; i < prefix; ++i) {
      if (alive(parent_edges_[i])) added[parent_edges_[i].from].push_back(parent_edges_[i].to);
    }
    auto children = [&](std::string_view id, std::vector<std::string_view>& out) {
      out.clear();
      if (auto found = added.find(id); found != added.end()) out = found->second;
      if (last_erased_at_.count(std::string(id))) return;  // the graph's vertex is gone
      auto v = graph_.find(id);
      if (!v) return;
      for (auto edge : boost::make_iterator_range(out_edges(*v, graph_.topology_->adjacency))) {
        if (graph_.topology_->adjacency[edge].kind != RelationKind::parent_of) continue;
        const auto& child = graph_.id(target(edge, graph_.topology_->adjacency));
        if (last_erased_at_.count(child)) continue;
        if (removed_relations_.count(
                std::make_tuple(RelationKind::parent_of, std::string(id), std::string(child))))
          continue;  // removed by the batch (a re-added one is among `added`)
        out.push_back(child);
      }
    };
    enum : char { on_path = 1, done = 2 };
    std::unordered_map<std::string_view, char> state;
    struct Frame {
      std::string_view id;
      std::vector<std::string_view> next;
      std::size_t at = 0;
    };
    std::vector<Frame> path;
    for (const auto& [start, unused] : added) {
      if (state.count(start)) continue;
      path.push_back(Frame{start, {}, 0});
      children(start, path.back().next);
      state[start] = on_path;
      while (!path.empty()) {
        Frame& top = path.back();
        if (top.at == top.next.size()) {
          state[top.id] = done;
          path.pop_back();
          continue;
        }
        const std::string_view child = top.next[top.at++];
        const auto seen = state.find(child);
        if (seen != state.end()) {
          if (seen->second == on_path) return true;
          continue;
        }
        state[child] = on_path;
        path.push_back(Frame{child, {}, 0});
        children(child, path.back().next);
      }
    }
    return false;
  }

  struct ParentEdge {
    std::string from, to;
    std::size_t item;
  };

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
  // A list of ids held by a batch item (about, protects, an override's child).
  struct IdList {
    const std::string* ids = nullptr;
    std::size_t size = 0;
    const std::string* begin() const { return ids; }
    const std::string* end() const { return ids + size; }
  };

  bool track_about_ = false;  // the batch erases someone: pending_about_ is kept
  std::unordered_map<std::string_view, VertexKind> pending_;
  std::unordered_map<std::string_view, PersonKind> pending_persons_;
  std::unordered_map<std::string_view, IdList> pending_about_;
  std::unordered_map<std::string_view, IdList> pending_entries_;  // entries the batch adds
  std::unordered_set<std::string_view> erased_;
  // Events and discretionary overrides the batch adds, with which they are.
  std::unordered_map<std::string_view, RecordKind> pending_records_;
  std::size_t records_added_ = 0;
  std::unordered_set<std::tuple<RelationKind, std::string, std::string>, TupleHash>
      pending_relations_;
  std::vector<ParentEdge> parent_edges_;
  std::unordered_map<std::string_view, std::size_t> last_erased_at_;  // id -> last erasure item
  // Relations removed by the batch (relation_key) -> the last RemoveRelation item.
  std::unordered_map<std::tuple<RelationKind, std::string, std::string>, std::size_t, TupleHash>
      removed_relations_;
};

// ---- Queries ------------------------------------------------------------------------------

std::optional<VertexIndex> CaseGraph::find(std::string_view id) const {
  const auto found = index_.find(id, id_of());
  if (!found) return std::nullopt;
  return static_cast<VertexIndex>(*found);
}

VertexIndex CaseGraph::indexed(std::string_view id) const {
  const auto found = index_.find(id, id_of());
  if (!found) throw std::out_of_range("no vertex with this id");
  return static_cast<VertexIndex>(*found);
}

const std::string& CaseGraph::record_id(std::size_t position) const noexcept {
  const std::size_t number = position & kRecordNumberMask;
  switch (record_list(position)) {
    case RecordList::events:
      return events_[number].id;
    case RecordList::overrides:
      return discretionary_[number].id;
    case RecordList::entries:
      break;
  }
  return entries_[number].id;
}

std::optional<std::uint32_t> CaseGraph::find_record(std::string_view id) const {
  const auto found = record_index_.find(id, record_id_of());
  if (!found) return std::nullopt;
  return static_cast<std::uint32_t>(*found);
}

bool CaseGraph::index_record(RecordList list, std::uint32_t number) {
  if (number > kRecordNumberMask) throw std::length_error("too many records for the index");
  const std::uint32_t position = record_position(list, number);
  return record_index_.insert(record_id(position), position, record_id_of());
}

bool CaseGraph::has_record(std::string_view id) const { return find_record(id).has_value(); }

const Event* CaseGraph::find_event(std::string_view id) const {
  const auto found = find_record(id);
  if (!found || record_list(*found) != RecordList::events) return nullptr;
  return &events_[*found & kRecordNumberMask];
}

const RecordedEntry* CaseGraph::find_entry(std::string_view id) const {
  const auto found = find_record(id);
  if (!found || record_list(*found) != RecordList::entries) return nullptr;
  return &entries_[*found & kRecordNumberMask];
}

const DiscretionaryOverride* CaseGraph::find_override(std::string_view id) const {
  const auto found = find_record(id);
  if (!found || record_list(*found) != RecordList::overrides) return nullptr;
  return &discretionary_[*found & kRecordNumberMask];
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

std::size_t CaseGraph::vertex_count() const noexcept { return num_vertices(topology_->adjacency); }
std::size_t CaseGraph::edge_count() const noexcept { return num_edges(topology_->adjacency); }
VertexKind CaseGraph::kind(VertexIndex v) const { return topology_->adjacency[v].kind; }

const RecordString& CaseGraph::id(VertexIndex v) const {
  static const RecordString erased;
  if (v >= vertex_count()) {
    throw Error(Status::invalid_argument, "vertex " + std::to_string(v) + " is not in the graph");
  }
  const detail::VertexData& data = topology_->adjacency[v];
  switch (data.kind) {
    case VertexKind::person:
      return persons_[data.slot].id;
    case VertexKind::agency:
      return agencies_[data.slot].id;
    case VertexKind::concern:
      return concerns_[data.slot].id;
    case VertexKind::factor:
      return factors_[data.slot].id;
    case VertexKind::place:
      return places_[data.slot].id;
    case VertexKind::group:
      return groups_[data.slot].id;
    case VertexKind::household:
      return households_[data.slot].id;
    case VertexKind::erased:
      break;
  }
  return erased;
}

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
  for (auto edge : boost::make_iterator_range(out_edges(person, topology_->adjacency))) {
    if (topology_->adjacency[edge].kind == RelationKind::household)
      return target(edge, topology_->adjacency);
  }
  return kNoVertex;
}

bool CaseGraph::has_relation(RelationKind kind, VertexIndex from, VertexIndex to) const {
  for (auto edge : boost::make_iterator_range(out_edges(from, topology_->adjacency))) {
    if (topology_->adjacency[edge].kind == kind && target(edge, topology_->adjacency) == to)
      return true;
  }
  if (is_symmetric(kind)) {
    for (auto edge : boost::make_iterator_range(out_edges(to, topology_->adjacency))) {
      if (topology_->adjacency[edge].kind == kind && target(edge, topology_->adjacency) == from)
        return true;
    }
  }
  return false;
}

// ---- Edits --------------------------------------------------------------------------------
//
// A batch applies all or nothing, also when memory runs out part way (the strong exception
// guarantee; tests/system/test_failalloc.cpp fails each allocation of a load and of an edit in turn
// to check it). The Validator has refused invalid items before anything changes, so the only
// failure left while applying is std::bad_alloc. Every change made while applying goes through
// a Transaction and follows three rules:
//
//  1. Allocate first: build whatever the change needs (strings, records, room in the vectors
//     it appends to, room for one more Step in the log) before touching the graph.
//  2. Change with steps that cannot throw, or with one call that is all or nothing by itself
//     (Adjacency::add_vertex, unordered_map::emplace, Interner::intern; Adjacency::add_edge
//     cannot fail once Adjacency::reserve_edge has made room for it).
//  3. Log the change as a Step that says how to undo it without allocating: pop what was
//     appended, move back what was replaced (the old value waits in a graveyard of the
//     Transaction), reinsert an extracted map node.
//
// If an item throws, apply() undoes the Steps newest first, which walks the graph back through
// every state it passed, so each undo finds its container as it left it (a map node goes back
// into a table that held as many entries with the same buckets, so it never rehashes). While a
// batch applies, a removed edge is only marked (both its entries, src/graph_topology.hpp): the
// edge walks below skip marked edges, an undo clears the mark, and commit() turns the marks
// into tombstones once nothing can fail. A new kind of edit makes its changes through the
// Transaction's helpers (or adds a Step kind with its undo), never by writing to the graph
// directly.

class CaseGraph::Transaction {
 public:
  enum class Op : std::uint8_t {
    vertex_added,         // undo: drop the last vertex and its index entry
    edge_added,           // a, b: source, target; undo: drop the last entry of each
    edge_removed,         // marked only (edge: both its entries); commit() removes it
    appended,             // list: which vector; undo: pop_back
    record_indexed,       // list: events or overrides; undo: unindex the last one's id
    interned,             // undo: Interner::forget_last
    replaced,             // list: which vector, a: slot; the old value is in its graveyard
    list_erased,          // list: which list, a: its owner's slot, b: position, c: the value
    status_changed,       // a: concern slot, b: the old status
    provided_by_changed,  // a: factor slot, b: the old value
    kind_changed,         // a: vertex, b: the old kind
    unindexed,            // vertex a's id was taken out of index_
    record_unindexed,     // a: the id's position in record_index_
    relations_replaced,   // the old vector is in old_relations_
    calendar_replaced,    // the old calendar is in old_calendars_
    relation_erased,      // a: position in relations_, b: from, c: to, kind: its kind
  };
  enum class List : std::uint8_t {
    persons,
    agencies,
    concerns,
    factors,
    places,
    groups,
    households,
    relations,
    events,
    overrides,
    entries,
    concern_about,
    concern_involves,
    factor_protects,
    event_about,
  };

  explicit Transaction(CaseGraph& graph) : graph_(graph) {}

  // ---- Changes (each all or nothing, and logged) ----

  template <typename Records, typename T>
  void append(Records& to, List list, T value) {
    make_room(to);
    reserve_step();
    to.push_back(std::move(value));
    log({Op::appended, list});
  }

  template <typename Records, typename T>
  void replace(Records& in, std::vector<T>& graveyard, List list, std::uint32_t slot, T value) {
    make_room(graveyard);
    reserve_step();
    graveyard.push_back(std::move(in[slot]));
    in[slot] = std::move(value);
    log({Op::replaced, list, slot});
  }
  void replace(List list, std::uint32_t slot, Person value) {
    replace(graph_.persons_, old_persons_, list, slot, std::move(value));
  }
  void replace(List list, std::uint32_t slot, Concern value) {
    replace(graph_.concerns_, old_concerns_, list, slot, std::move(value));
  }
  void replace(List list, std::uint32_t slot, Factor value) {
    replace(graph_.factors_, old_factors_, list, slot, std::move(value));
  }
  void replace(List list, std::uint32_t slot, Event value) {
    replace(graph_.events_, old_events_, list, slot, std::move(value));
  }
  void replace(List list, std::uint32_t slot, DiscretionaryOverride value) {
    replace(graph_.discretionary_, old_overrides_, list, slot, std::move(value));
  }
  void replace(List list, std::uint32_t slot, RecordedEntry value) {
    replace(graph_.entries_, old_entries_, list, slot, std::move(value));
  }
  void replace(List list, std::uint32_t slot, Agency value) {
    replace(graph_.agencies_, old_agencies_, list, slot, std::move(value));
  }
  void replace(List list, std::uint32_t slot, Place value) {
    replace(graph_.places_, old_places_, list, slot, std::move(value));
  }
  void replace(List list, std::uint32_t slot, Group value) {
    replace(graph_.groups_, old_groups_, list, slot, std::move(value));
  }

  // Takes one declared relation out of relations_ (it keeps its capacity, so undo can put it
  // back without allocating).
  void erase_relation(std::uint32_t position) {
    reserve_step();
    const Relation r = graph_.relations_[position];
    graph_.relations_.erase(graph_.relations_.begin() + position);
    Step step{Op::relation_erased, List::relations, position, r.from, r.to};
    step.kind = static_cast<std::uint8_t>(r.kind);
    log(step);
  }

  // Persons whose kind a Replace changed, with the item that changed it last.
  std::vector<std::pair<VertexIndex, std::size_t>> kind_changes;
  std::size_t item = 0;

  // Removes every `value` from `which` list of the record in `owner` slot.
  void erase_from(List which, std::uint32_t owner, VertexIndex value) {
    VertexList& list = list_of(which, owner);
    for (auto at = std::find(list.begin(), list.end(), value); at != list.end();
         at = std::find(at, list.end(), value)) {
      reserve_step();
      const auto position = static_cast<std::uint32_t>(at - list.begin());
      at = list.erase(at);
      log({Op::list_erased, which, owner, position, value});
    }
  }

  Symbol intern(std::string_view text) {
    reserve_step();
    const std::size_t before = graph_.symbols_.size();
    const Symbol symbol = graph_.symbols_.intern(text);
    if (graph_.symbols_.size() != before) log({Op::interned});
    return symbol;
  }

  // The vertex of a record just appended (at `slot` of `kind`'s vector), which holds its id.
  VertexIndex add_vertex(VertexKind kind, std::uint32_t slot, const std::string& id) {
    reserve_step();
    VertexData data;
    data.kind = kind;
    data.slot = slot;
    const VertexIndex v = graph_.topology_->adjacency.add_vertex(data);
    try {
      graph_.index_.insert(id, v, graph_.id_of());
    } catch (...) {
      graph_.topology_->adjacency.pop_vertex();
      throw;
    }
    log({Op::vertex_added});
    return v;
  }

  void add_edge(RelationKind kind, VertexIndex from, VertexIndex to) {
    graph_.topology_->adjacency.reserve_edge(from, to);
    reserve_step();
    graph_.topology_->adjacency.add_edge(from, to, kind);
    log({Op::edge_added, List::persons, from, to});
  }

  bool removed(const EdgeDescriptor& edge) const {
    return graph_.topology_->adjacency.marked(edge);
  }

  void remove_edge(const EdgeDescriptor& edge) {
    reserve_step();
    Adjacency& adjacency = graph_.topology_->adjacency;
    if (adjacency.marked(edge)) return;
    Step step{Op::edge_removed};
    step.edge = adjacency.locate(edge);
    adjacency.mark(step.edge);
    log(step);
  }

  void set_status(std::uint32_t slot, ConcernStatus status) {
    reserve_step();
    log({Op::status_changed, List::concerns, slot,
         static_cast<std::uint32_t>(graph_.concerns_[slot].status)});
    graph_.concerns_[slot].status = status;
  }

  void set_provided_by(std::uint32_t slot, VertexIndex provider) {
    reserve_step();
    log({Op::provided_by_changed, List::factors, slot, graph_.factors_[slot].provided_by});
    graph_.factors_[slot].provided_by = provider;
  }

  void set_kind(VertexIndex v, VertexKind kind) {
    reserve_step();
    log({Op::kind_changed, List::persons, v,
         static_cast<std::uint32_t>(graph_.topology_->adjacency[v].kind)});
    graph_.topology_->adjacency.set_kind(v, kind);
  }

  // Undone by putting the id back, which never allocates: the index holds one entry fewer
  // than it did, and it never shrinks.
  void unindex(VertexIndex v) {
    reserve_step();
    if (graph_.find(graph_.id(v)) != v) return;
    graph_.index_.erase(graph_.id(v), graph_.id_of());
    log({Op::unindexed, List::persons, v});
  }

  // The record `number` of `list` (appended already) indexed under its id. Undone by erasing it.
  void index_record(List list, std::uint32_t number) {
    const RecordList in = list == List::events      ? RecordList::events
                          : list == List::overrides ? RecordList::overrides
                                                    : RecordList::entries;
    reserve_step();
    if (graph_.index_record(in, number)) log({Op::record_indexed, list});
  }

  // Undone by putting the id back, which never allocates (as unindex: the index holds one entry
  // fewer than it did, and never shrinks), once the record holds its id again.
  void unindex_record(const std::string& id) {
    reserve_step();
    const auto position = graph_.find_record(id);
    if (!position) return;
    graph_.record_index_.erase(id, graph_.record_id_of());
    log({Op::record_unindexed, List::events, *position});
  }

  void replace_relations(std::vector<Relation> kept) {
    make_room(old_relations_);
    reserve_step();
    old_relations_.push_back(std::move(graph_.relations_));
    graph_.relations_ = std::move(kept);
    log({Op::relations_replaced});
  }

  void replace_calendar(std::shared_ptr<const WorkingCalendar> calendar) {
    make_room(old_calendars_);
    reserve_step();
    old_calendars_.push_back(std::move(graph_.calendar_));
    graph_.calendar_ = std::move(calendar);
    log({Op::calendar_replaced});
  }

  // ---- End ----

  // Removes the edges marked as removed: the batch has applied, and this cannot fail.
  void commit() noexcept {
    for (const Step& step : steps_) {
      if (step.op == Op::edge_removed) graph_.topology_->adjacency.kill(step.edge);
    }
  }

  // Undoes every change, newest first: the graph is as it was before the batch.
  void rollback() noexcept {
    for (auto step = steps_.rbegin(); step != steps_.rend(); ++step) undo(*step);
    steps_.clear();
  }

 private:
  struct Step {
    Op op;
    List list = List::persons;
    std::uint32_t a = 0;
    std::uint32_t b = 0;
    std::uint32_t c = 0;
    EdgeRef edge{};
    std::uint8_t kind = 0;
  };

  // Room for one more element, growing geometrically as push_back would.
  template <typename T>
  static void make_room(std::vector<T>& values) {
    if (values.size() == values.capacity())
      values.reserve(values.empty() ? 8 : 2 * values.capacity());
  }
  template <typename T>
  static void make_room(detail::PagedVector<T>& values) {
    values.reserve_one_more();
  }
  // Room for one more Step, made before a change, so that logging it afterwards cannot throw.
  void reserve_step() { make_room(steps_); }
  void log(const Step& step) noexcept { steps_.push_back(step); }

  VertexList& list_of(List which, std::uint32_t owner) noexcept {
    switch (which) {
      case List::concern_involves:
        return graph_.concerns_[owner].involves;
      case List::factor_protects:
        return graph_.factors_[owner].protects;
      case List::event_about:
        return graph_.events_[owner].about;
      default:
        return graph_.concerns_[owner].about;
    }
  }

  void pop(List list) noexcept {
    switch (list) {
      case List::persons:
        return graph_.persons_.pop_back();
      case List::agencies:
        return graph_.agencies_.pop_back();
      case List::concerns:
        return graph_.concerns_.pop_back();
      case List::factors:
        return graph_.factors_.pop_back();
      case List::places:
        return graph_.places_.pop_back();
      case List::groups:
        return graph_.groups_.pop_back();
      case List::households:
        return graph_.households_.pop_back();
      case List::relations:
        return graph_.relations_.pop_back();
      case List::events:
        return graph_.events_.pop_back();
      case List::overrides:
        return graph_.discretionary_.pop_back();
      case List::entries:
        return graph_.entries_.pop_back();
      default:
        return;
    }
  }

  template <typename Records, typename T>
  static void restore(Records& in, std::uint32_t slot, std::vector<T>& graveyard) noexcept {
    in[slot] = std::move(graveyard.back());
    graveyard.pop_back();
  }

  void undo(const Step& step) noexcept {
    CaseGraph& g = graph_;
    switch (step.op) {
      case Op::vertex_added:
        // Its record is still there: the record is appended before its vertex, so undone after.
        g.index_.erase(g.id(static_cast<VertexIndex>(g.vertex_count() - 1)), g.id_of());
        g.topology_->adjacency.pop_vertex();
        break;
      case Op::edge_added:
        g.topology_->adjacency.pop_edge(step.a, step.b);
        break;
      case Op::edge_removed:
        g.topology_->adjacency.unmark(step.edge);
        break;
      case Op::appended:
        pop(step.list);
        break;
      case Op::record_indexed:
        g.record_index_.erase(step.list == List::events    ? g.events_.back().id
                              : step.list == List::entries ? g.entries_.back().id
                                                           : g.discretionary_.back().id,
                              g.record_id_of());
        break;
      case Op::interned:
        g.symbols_.forget_last();
        break;
      case Op::replaced:
        switch (step.list) {
          case List::persons:
            restore(g.persons_, step.a, old_persons_);
            break;
          case List::concerns:
            restore(g.concerns_, step.a, old_concerns_);
            break;
          case List::factors:
            restore(g.factors_, step.a, old_factors_);
            break;
          case List::events:
            restore(g.events_, step.a, old_events_);
            break;
          case List::entries:
            restore(g.entries_, step.a, old_entries_);
            break;
          case List::agencies:
            restore(g.agencies_, step.a, old_agencies_);
            break;
          case List::places:
            restore(g.places_, step.a, old_places_);
            break;
          case List::groups:
            restore(g.groups_, step.a, old_groups_);
            break;
          default:
            restore(g.discretionary_, step.a, old_overrides_);
            break;
        }
        break;
      case Op::list_erased: {
        // The list held this value at this position before, so it has the capacity: no
        // reallocation.
        VertexList& list = list_of(step.list, step.a);
        list.insert(list.begin() + step.b, step.c);
        break;
      }
      case Op::status_changed:
        g.concerns_[step.a].status = static_cast<ConcernStatus>(step.b);
        break;
      case Op::provided_by_changed:
        g.factors_[step.a].provided_by = step.b;
        break;
      case Op::kind_changed:
        g.topology_->adjacency.set_kind(step.a, static_cast<VertexKind>(step.b));
        break;
      case Op::unindexed:
        g.index_.insert(g.id(step.a), step.a, g.id_of());
        break;
      case Op::record_unindexed:
        g.record_index_.insert(g.record_id(step.a), step.a, g.record_id_of());
        break;
      case Op::relations_replaced:
        g.relations_ = std::move(old_relations_.back());
        old_relations_.pop_back();
        break;
      case Op::calendar_replaced:
        g.calendar_ = std::move(old_calendars_.back());
        old_calendars_.pop_back();
        break;
      case Op::relation_erased:
        g.relations_.insert(g.relations_.begin() + step.a,
                            Relation{static_cast<RelationKind>(step.kind), step.b, step.c});
        break;
    }
  }

  CaseGraph& graph_;
  std::vector<Step> steps_;
  // Graveyards: values replaced or taken out, kept until the batch commits or rolls back.
  std::vector<Person> old_persons_;
  std::vector<Concern> old_concerns_;
  std::vector<Factor> old_factors_;
  std::vector<Event> old_events_;
  std::vector<DiscretionaryOverride> old_overrides_;
  std::vector<RecordedEntry> old_entries_;
  std::vector<Agency> old_agencies_;
  std::vector<Place> old_places_;
  std::vector<Group> old_groups_;
  std::vector<std::vector<Relation>> old_relations_;
  std::vector<std::shared_ptr<const WorkingCalendar>> old_calendars_;
};

void CaseGraph::apply(const Batch& batch) {
  // Into an empty graph, a batch that only adds (a case file, a materialised record, frames
  // from Python) takes the bulk path (src/graph_bulk.cpp). It declines anything it cannot
  // build exactly as the steps below would, and leaves the graph empty when it does; then the
  // steps run, and their Validator reports the first bad item.
  if (apply_in_bulk(batch)) {
    ++revision_;
    return;
  }
  apply_in_steps(batch);
}

void detail::apply_stepwise(CaseGraph& graph, const Batch& batch) { graph.apply_in_steps(batch); }

void CaseGraph::apply_in_steps(const Batch& batch) {
  Validator(*this).check(batch);
  // Validation has accepted every item: applying can fail only for want of memory, and then
  // the transaction puts everything back.
  Transaction tx(*this);
  try {
    for (tx.item = 0; tx.item < batch.items.size(); ++tx.item) apply_item(tx, batch.items[tx.item]);
    if (!tx.kind_changes.empty()) check_kind_changes(tx);
  } catch (...) {
    tx.rollback();
    throw;
  }
  tx.commit();
  ++revision_;
  // Folding the delta into the base is only an optimisation: without memory for it, the graph
  // stays as it is, whole.
  if (topology_->adjacency.wants_compaction()) {
    try {
      topology_->adjacency.compact();
    } catch (const std::bad_alloc&) {
    }
  }
}

Symbol CaseGraph::intern(Transaction& tx, std::string_view text) { return tx.intern(text); }

VertexIndex CaseGraph::add_vertex(Transaction& tx, VertexKind kind, std::uint32_t slot,
                                  const std::string& id) {
  return tx.add_vertex(kind, slot, id);
}

void CaseGraph::add_edge(Transaction& tx, RelationKind kind, VertexIndex from, VertexIndex to) {
  tx.add_edge(kind, from, to);
}

void CaseGraph::remove_edges_of_kind(Transaction& tx, VertexIndex v, RelationKind kind,
                                     bool outgoing) {
  if (outgoing) {
    for (auto edge : boost::make_iterator_range(out_edges(v, topology_->adjacency))) {
      if (topology_->adjacency[edge].kind == kind && !tx.removed(edge)) tx.remove_edge(edge);
    }
  } else {
    for (auto edge : boost::make_iterator_range(in_edges(v, topology_->adjacency))) {
      if (topology_->adjacency[edge].kind == kind && !tx.removed(edge)) tx.remove_edge(edge);
    }
  }
}

void CaseGraph::apply_item(Transaction& tx, const Edit& item) {
  using List = Transaction::List;
  auto resolve = [this](const std::string& id) { return indexed(id); };
  auto intern_text = [&](std::string_view text) { return intern(tx, text); };
  auto set_concern_edges = [&](VertexIndex v, const Concern& c) {
    add_edge(tx, RelationKind::raised, c.source, v);
    for (auto p : c.about) add_edge(tx, RelationKind::about, v, p);
    for (auto p : c.involves) add_edge(tx, RelationKind::involves, v, p);
  };
  auto make_concern = [&](const ConcernSpec& spec) {
    return detail::make_concern(spec, resolve, intern_text);
  };
  auto slot_count = [](const auto& records) { return static_cast<std::uint32_t>(records.size()); };
  auto make_person = [&](const PersonSpec& spec) { return detail::make_person(spec, intern_text); };
  auto make_factor = [&](const FactorSpec& spec) {
    return detail::make_factor(spec, resolve, intern_text);
  };
  // The household the person belongs to as the batch stands (edges removed by it skipped).
  auto current_household = [&](VertexIndex v) -> VertexIndex {
    for (auto edge : boost::make_iterator_range(out_edges(v, topology_->adjacency))) {
      if (topology_->adjacency[edge].kind == RelationKind::household && !tx.removed(edge))
        return static_cast<VertexIndex>(target(edge, topology_->adjacency));
    }
    return kNoVertex;
  };
  auto make_event = [&](const EventSpec& spec) { return detail::make_event(spec, resolve); };
  auto replace_entity = [&](const auto& spec) {
    using S = std::decay_t<decltype(spec)>;
    if constexpr (std::is_same_v<S, EventSpec>) {
      const std::uint32_t number = find_record(spec.id).value() & kRecordNumberMask;
      tx.replace(List::events, number, make_event(spec));
    } else if constexpr (std::is_same_v<S, DiscretionaryOverrideSpec>) {
      const std::uint32_t number = find_record(spec.id).value() & kRecordNumberMask;
      tx.replace(List::overrides, number, detail::make_override(spec, resolve));
    } else {
      const VertexIndex v = resolve(spec.id);
      const std::uint32_t slot = topology_->adjacency[v].slot;
      if constexpr (std::is_same_v<S, PersonSpec>) {
        Person p = make_person(spec);
        const PersonKind before = persons_[slot].kind;
        const VertexIndex household = spec.household.empty() ? kNoVertex : resolve(spec.household);
        if (current_household(v) != household) {
          remove_edges_of_kind(tx, v, RelationKind::household, true);
          if (household != kNoVertex) add_edge(tx, RelationKind::household, v, household);
        }
        tx.replace(List::persons, slot, std::move(p));
        if (before != spec.kind) tx.kind_changes.emplace_back(v, tx.item);
      } else if constexpr (std::is_same_v<S, AgencySpec>) {
        tx.replace(List::agencies, slot, Agency{spec.id, intern(tx, spec.type), spec.name});
      } else if constexpr (std::is_same_v<S, PlaceSpec>) {
        tx.replace(List::places, slot, Place{spec.id, intern(tx, spec.kind), spec.name});
      } else if constexpr (std::is_same_v<S, GroupSpec>) {
        tx.replace(List::groups, slot, Group{spec.id, intern(tx, spec.kind), spec.name});
      } else if constexpr (std::is_same_v<S, FactorSpec>) {
        Factor f = make_factor(spec);
        remove_edges_of_kind(tx, v, RelationKind::protects, true);
        for (auto p : f.protects) add_edge(tx, RelationKind::protects, v, p);
        tx.replace(List::factors, slot, std::move(f));
      }
    }
  };

  std::visit(
      [&](const auto& edit) {
        using T = std::decay_t<decltype(edit)>;
        if constexpr (std::is_same_v<T, PersonSpec>) {
          Person p = make_person(edit);
          const std::uint32_t slot = slot_count(persons_);
          tx.append(persons_, List::persons, std::move(p));
          auto v = add_vertex(tx, VertexKind::person, slot, edit.id);
          if (!edit.household.empty())
            add_edge(tx, RelationKind::household, v, resolve(edit.household));
        } else if constexpr (std::is_same_v<T, AgencySpec>) {
          Agency agency{edit.id, intern(tx, edit.type), edit.name};
          const std::uint32_t slot = slot_count(agencies_);
          tx.append(agencies_, List::agencies, std::move(agency));
          add_vertex(tx, VertexKind::agency, slot, edit.id);
        } else if constexpr (std::is_same_v<T, ConcernSpec>) {
          Concern c = make_concern(edit);
          const std::uint32_t slot = slot_count(concerns_);
          tx.append(concerns_, List::concerns, std::move(c));
          auto v = add_vertex(tx, VertexKind::concern, slot, edit.id);
          set_concern_edges(v, concerns_[slot]);
        } else if constexpr (std::is_same_v<T, FactorSpec>) {
          Factor f = make_factor(edit);
          const std::uint32_t slot = slot_count(factors_);
          tx.append(factors_, List::factors, std::move(f));
          auto v = add_vertex(tx, VertexKind::factor, slot, edit.id);
          for (auto p : factors_[slot].protects) add_edge(tx, RelationKind::protects, v, p);
        } else if constexpr (std::is_same_v<T, PlaceSpec>) {
          Place place{edit.id, intern(tx, edit.kind), edit.name};
          const std::uint32_t slot = slot_count(places_);
          tx.append(places_, List::places, std::move(place));
          add_vertex(tx, VertexKind::place, slot, edit.id);
        } else if constexpr (std::is_same_v<T, GroupSpec>) {
          Group group{edit.id, intern(tx, edit.kind), edit.name};
          const std::uint32_t slot = slot_count(groups_);
          tx.append(groups_, List::groups, std::move(group));
          add_vertex(tx, VertexKind::group, slot, edit.id);
        } else if constexpr (std::is_same_v<T, HouseholdSpec>) {
          Household household{edit.id};
          const std::uint32_t slot = slot_count(households_);
          tx.append(households_, List::households, std::move(household));
          add_vertex(tx, VertexKind::household, slot, edit.id);
        } else if constexpr (std::is_same_v<T, RelationSpec>) {
          Relation r{edit.kind, resolve(edit.from), resolve(edit.to)};
          add_edge(tx, r.kind, r.from, r.to);
          tx.append(relations_, List::relations, r);
        } else if constexpr (std::is_same_v<T, AmendConcern>) {
          auto v = resolve(edit.concern.id);
          remove_edges_of_kind(tx, v, RelationKind::raised, false);
          remove_edges_of_kind(tx, v, RelationKind::about, true);
          remove_edges_of_kind(tx, v, RelationKind::involves, true);
          Concern c = make_concern(edit.concern);
          set_concern_edges(v, c);
          tx.replace(List::concerns, topology_->adjacency[v].slot, std::move(c));
        } else if constexpr (std::is_same_v<T, RetractConcern>) {
          tx.set_status(topology_->adjacency[resolve(edit.id)].slot, ConcernStatus::retracted);
        } else if constexpr (std::is_same_v<T, ErasePerson>) {
          erase_vertex(tx, resolve(edit.id));
        } else if constexpr (std::is_same_v<T, EventSpec>) {
          const std::uint32_t number = slot_count(events_);
          tx.append(events_, List::events, make_event(edit));
          tx.index_record(List::events, number);
        } else if constexpr (std::is_same_v<T, DiscretionaryOverrideSpec>) {
          DiscretionaryOverride o = detail::make_override(edit, resolve);
          const std::uint32_t number = slot_count(discretionary_);
          tx.append(discretionary_, List::overrides, std::move(o));
          tx.index_record(List::overrides, number);
        } else if constexpr (std::is_same_v<T, EntrySpec>) {
          const std::uint32_t number = slot_count(entries_);
          tx.append(entries_, List::entries, detail::make_entry(edit, resolve));
          tx.index_record(List::entries, number);
        } else if constexpr (std::is_same_v<T, CalendarSpec>) {
          tx.replace_calendar(detail::next_calendar(*calendar_, edit));
        } else if constexpr (std::is_same_v<T, Replace>) {
          std::visit(replace_entity, edit.spec);
        } else if constexpr (std::is_same_v<T, Remove>) {
          if (has_record(edit.id)) {
            remove_record(tx, edit.id);
          } else {
            erase_vertex(tx, resolve(edit.id));
          }
        } else if constexpr (std::is_same_v<T, RemoveRelation>) {
          remove_relation(tx, edit.relation);
        }
      },
      item);
}

void CaseGraph::remove_record(Transaction& tx, const std::string& id) {
  using List = Transaction::List;
  const std::uint32_t position = find_record(id).value();
  const std::uint32_t number = position & kRecordNumberMask;
  const bool event = record_list(position) == RecordList::events;
  const bool entry = record_list(position) == RecordList::entries;
  tx.unindex_record(id);
  if (event) {
    tx.replace(List::events, number, Event{});
  } else if (entry) {
    tx.replace(List::entries, number, RecordedEntry{});
  } else {
    tx.replace(List::overrides, number, DiscretionaryOverride{});
  }
}

void CaseGraph::remove_relation(Transaction& tx, const RelationSpec& relation) {
  const VertexIndex from = indexed(relation.from);
  const VertexIndex to = indexed(relation.to);
  auto take_edge = [&](VertexIndex a, VertexIndex b) {
    for (auto edge : boost::make_iterator_range(out_edges(a, topology_->adjacency))) {
      if (topology_->adjacency[edge].kind == relation.kind &&
          target(edge, topology_->adjacency) == b && !tx.removed(edge)) {
        tx.remove_edge(edge);
        return true;
      }
    }
    return false;
  };
  if (!take_edge(from, to) && is_symmetric(relation.kind)) take_edge(to, from);
  for (std::uint32_t at = 0; at < relations_.size(); ++at) {
    const Relation& r = relations_[at];
    if (r.kind == relation.kind && ((r.from == from && r.to == to) ||
                                    (is_symmetric(r.kind) && r.from == to && r.to == from))) {
      tx.erase_relation(at);
      return;
    }
  }
}

// A Replace that changed a person's kind is checked against the graph as the batch left it:
// the Validator saw each item against the kinds of the moment, not the final ones.
void CaseGraph::check_kind_changes(const Transaction& tx) const {
  const Adjacency& adj = topology_->adjacency;
  auto is_kind = [&](VertexIndex v, PersonKind kind) {
    return adj[v].kind == VertexKind::person && persons_[adj[v].slot].kind == kind;
  };
  for (const auto& change : tx.kind_changes) {
    const VertexIndex v = change.first;
    const auto& who = id(v);
    auto fail = [&](const std::string& message) {
      throw BatchError(Status::invalid_data, message, change.second, who);
    };
    if (is_kind(v, PersonKind::adult)) {
      for (auto edge : boost::make_iterator_range(in_edges(v, adj))) {
        const VertexIndex source = detail::source(edge, adj);
        if (is_caring(adj[edge].kind) && !tx.removed(edge) && is_kind(source, PersonKind::child)) {
          fail(std::string(to_string(adj[edge].kind)) + " from " + quoted(id(source)) + " to " +
               quoted(who) + ": " + caring_refusal(adj[edge].kind));
        }
      }
      for (const Event& e : events_) {
        if (!e.id.empty() && std::find(e.about.begin(), e.about.end(), v) != e.about.end())
          fail("child " + quoted(who) + " is not a child (event " + quoted(e.id) + ")");
      }
      for (const DiscretionaryOverride& o : discretionary_) {
        if (!o.id.empty() && o.person == v)
          fail("child " + quoted(who) + " is not a child (override " + quoted(o.id) + ")");
      }
      for (const RecordedEntry& e : entries_) {
        if (!e.id.empty() && std::find(e.about.begin(), e.about.end(), v) != e.about.end())
          fail("child " + quoted(who) + " is not a child (entry " + quoted(e.id) + ")");
      }
    } else if (is_kind(v, PersonKind::child)) {
      for (const DiscretionaryOverride& o : discretionary_) {
        if (!o.id.empty() && o.person == v)
          fail("adult " + quoted(who) + " is not an adult (override " + quoted(o.id) + ")");
      }
      for (auto edge : boost::make_iterator_range(in_edges(v, adj))) {
        if (adj[edge].kind == RelationKind::involves && !tx.removed(edge)) {
          fail("involved person " + quoted(who) + " is not an adult (concern " +
               quoted(id(source(edge, adj))) + ")");
        }
      }
      for (auto edge : boost::make_iterator_range(out_edges(v, adj))) {
        const VertexIndex target = detail::target(edge, adj);
        if (is_caring(adj[edge].kind) && !tx.removed(edge) && is_kind(target, PersonKind::adult)) {
          fail(std::string(to_string(adj[edge].kind)) + " from " + quoted(who) + " to " +
               quoted(id(target)) + ": " + caring_refusal(adj[edge].kind));
        }
      }
    }
  }
}

// Wipes a vertex's record and edges and leaves a tombstone. Erasing a person cascades to the
// concerns and factors that were only about them.
void CaseGraph::erase_vertex(Transaction& tx, VertexIndex v) {
  using List = Transaction::List;
  const VertexKind kind = topology_->adjacency[v].kind;
  // Out of the index first, while its record (which holds the id) is still in place.
  tx.unindex(v);
  std::vector<VertexIndex> orphans;
  if (kind == VertexKind::person) {
    for (auto edge : boost::make_iterator_range(in_edges(v, topology_->adjacency))) {
      if (tx.removed(edge)) continue;
      const auto source = detail::source(edge, topology_->adjacency);
      const std::uint32_t source_slot = topology_->adjacency[source].slot;
      switch (topology_->adjacency[edge].kind) {
        case RelationKind::about:
          tx.erase_from(List::concern_about, source_slot, v);
          if (concerns_[source_slot].about.empty()) orphans.push_back(source);
          break;
        case RelationKind::involves:
          tx.erase_from(List::concern_involves, source_slot, v);
          break;
        case RelationKind::protects:
          tx.erase_from(List::factor_protects, source_slot, v);
          if (factors_[source_slot].protects.empty()) orphans.push_back(source);
          break;
        default:
          break;
      }
    }
    for (std::uint32_t slot = 0; slot < factors_.size(); ++slot) {
      if (factors_[slot].provided_by == v) tx.set_provided_by(slot, kNoVertex);
    }
    // Events and overrides go with the last child they were about.
    for (std::uint32_t number = 0; number < events_.size(); ++number) {
      if (events_[number].id.empty()) continue;
      tx.erase_from(List::event_about, number, v);
      if (events_[number].about.empty()) {
        tx.unindex_record(events_[number].id);
        tx.replace(List::events, number, Event{});
      }
    }
    // Entries that name the person go whole, whoever else they name: their words are about
    // the person too (erasure removes a person's data everywhere).
    for (std::uint32_t number = 0; number < entries_.size(); ++number) {
      const RecordedEntry& entry = entries_[number];
      if (entry.id.empty() ||
          std::find(entry.about.begin(), entry.about.end(), v) == entry.about.end())
        continue;
      tx.unindex_record(entry.id);
      tx.replace(List::entries, number, RecordedEntry{});
    }
    for (std::uint32_t number = 0; number < discretionary_.size(); ++number) {
      const DiscretionaryOverride& o = discretionary_[number];
      if (!o.id.empty() && o.person == v) {
        tx.unindex_record(o.id);
        tx.replace(List::overrides, number, DiscretionaryOverride{});
      }
    }
    tx.replace(List::persons, topology_->adjacency[v].slot, Person{});
  } else if (kind == VertexKind::concern) {
    tx.replace(List::concerns, topology_->adjacency[v].slot, Concern{});
  } else if (kind == VertexKind::factor) {
    tx.replace(List::factors, topology_->adjacency[v].slot, Factor{});
  }
  // Declared relations join persons, places and groups only.
  if (kind != VertexKind::concern && kind != VertexKind::factor) {
    std::vector<Relation> kept;
    kept.reserve(relations_.size());
    std::copy_if(relations_.begin(), relations_.end(), std::back_inserter(kept),
                 [v](const Relation& r) { return r.from != v && r.to != v; });
    if (kept.size() != relations_.size()) tx.replace_relations(std::move(kept));
  }
  for (auto edge : boost::make_iterator_range(out_edges(v, topology_->adjacency))) {
    if (!tx.removed(edge)) tx.remove_edge(edge);
  }
  for (auto edge : boost::make_iterator_range(in_edges(v, topology_->adjacency))) {
    if (!tx.removed(edge)) tx.remove_edge(edge);
  }
  tx.set_kind(v, VertexKind::erased);  // and its id(v) is empty from now on
  sort_unique(orphans);
  for (auto orphan : orphans) erase_vertex(tx, orphan);
}

std::vector<Relation> CaseGraph::declared_relations() const { return relations_; }

}  // namespace safeguard
