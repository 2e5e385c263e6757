// The C API: edit batches (built item by item, applied by sg_graph_apply).
#include "c_api/common.hpp"

extern "C" {

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
    *out = batch->batch.items.size();
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

}  // extern "C"
