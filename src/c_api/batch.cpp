// The C API: batches of graph items and record edits, and applying a batch to a graph.
#include <unordered_map>
#include <variant>

#include "c_api/shim.hpp"

using namespace safeguard;
using namespace safeguard::capi;

namespace {

// A whole number as a case file writes it (JSON): an optional minus, then 0 or digits that do
// not start with 0; no spaces, plus sign or leading zeros (std::stoi would take " 3", "+3" and
// "03").
int parse_int_field(const std::string& value, const char* field) {
  const std::size_t first = !value.empty() && value[0] == '-' ? 1 : 0;
  bool plain = value.size() > first && value.size() - first <= 9 &&
               (value[first] != '0' || value.size() == first + 1);
  for (std::size_t i = first; plain && i < value.size(); ++i)
    plain = value[i] >= '0' && value[i] <= '9';
  if (!plain)
    throw Error(Status::invalid_data,
                std::string(field) +
                    " must be a whole number as a case file writes it (\"3\"), not " +
                    detail::quote_for_error(value));
  return std::stoi(value);
}

// true or false, as a case file writes them.
bool parse_bool_field(const std::string& value, const char* field) {
  if (value == "true") return true;
  if (value == "false") return false;
  throw Error(Status::invalid_data,
              std::string(field) + " must be true or false, not " + detail::quote_for_error(value));
}

// Amends one field: value NULL clears an optional field. Unknown fields are refused.
struct FieldSetter {
  const std::string& field;
  const char* value;

  [[noreturn]] void unknown(const char* kind) const {
    bad_argument(std::string("a ") + kind + " has no field '" + field + "' to amend");
  }
  // A field that cannot be cleared: NULL is refused naming it.
  std::string required() const {
    if (value == nullptr)
      bad_argument("'" + field + "' is required and cannot be cleared (value is NULL)");
    return text(value, "value");
  }
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
    } else if (field == "approved_by") {
      a.approved_by = value ? required() : std::string();
    } else if (field == "approved") {
      a.approved = day(false);
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
    if (person->version >= 2) spec.name = optional_text(person->name, "person.name");
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
    if (spec.kind == EventKind::record_source && spec.category.empty())
      bad_argument("a record_source event needs the source in event.category (version 2)");
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
    // Exactly one of child and adult (version 3); before it, always a child.
    if (judgement->version >= 3 && judgement->adult) {
      if (judgement->child) bad_argument("override names both a child and an adult (one only)");
      spec.adult = text(judgement->adult, "override.adult");
    } else {
      spec.child = text(judgement->child, "override.child");
    }
    const std::string direction = text(judgement->direction, "override.direction");
    if (!parse_override_direction(direction, spec.direction))
      bad_argument("override.direction must be \"raise\" or \"lower\"");
    spec.date = date(judgement->date, "override.date", true);
    spec.author = text(judgement->author, "override.author");
    spec.reason = text(judgement->reason, "override.reason");
    if (judgement->version >= 2) {
      spec.approved_by = optional_text(judgement->approved_by, "override.approved_by");
      if (judgement->approved) spec.approved = date(judgement->approved, "override.approved", true);
    }
    batch->batch.add(std::move(spec));
  });
}

int sg_batch_add_entry(sg_batch* batch, const sg_entry* entry) {
  return guard([&] {
    require(batch, "batch");
    require(entry, "entry");
    check_version(entry->version, SG_ENTRY_VERSION, "sg_entry");
    EntrySpec spec;
    spec.id = text(entry->id, "entry.id");
    const std::string kind = text(entry->kind, "entry.kind");
    if (!parse_entry_kind(kind, spec.kind))
      bad_argument("entry.kind " + detail::quote_for_error(kind) + " is unknown");
    spec.date = date(entry->date, "entry.date", true);
    spec.about = text_list(entry->about, entry->about_count, "entry.about");
    spec.author = text(entry->author, "entry.author");
    spec.text = text(entry->text, "entry.text");
    spec.value = entry->value;  // the graph checks it against the kind when applied
    spec.question = optional_text(entry->question, "entry.question");
    spec.source = optional_text(entry->source, "entry.source");
    if (entry->restricted != 0 && entry->restricted != 1)
      bad_argument("entry.restricted must be 0 or 1");
    spec.restricted = entry->restricted == 1;
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

int sg_batch_upsert_entry(sg_batch* batch, const sg_entry* entry) {
  return upsert_with(batch, [&](sg_batch* b) { return sg_batch_add_entry(b, entry); });
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
    const std::string entity = text(id, "id");
    RecordEdit edit = amendment_for(*batch, text(kind, "kind"), entity);
    const std::string name = text(field, "field");
    // A value refused names the entity too, as a case-file error does.
    try {
      std::visit(
          [&](auto& amend) {
            using T = std::decay_t<decltype(amend)>;
            if constexpr (std::is_invocable_v<FieldSetter, T&>) FieldSetter{name, value}(amend);
          },
          edit);
    } catch (const Error& e) {
      if (!e.where().entity.empty()) throw;
      throw Error(e.status(), e.reason(), Location("", 0, 0, entity));
    } catch (ArgumentError& e) {
      e.message = "entity '" + detail::entity_in_message(entity) + "': " + e.message;
      throw;
    }
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

}  // extern "C"
