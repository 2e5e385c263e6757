// Incremental results over the living record: after every batch the rows Record::changed()
// gives equal, bit for bit, those of a full assessment of the record at the watched date, and
// every child whose row changed is among them. A randomised history drives every kind of edit.
#include <doctest/doctest.h>

#include <cstring>
#include <map>
#include <set>

#include "safeguard/explain.hpp"
#include "safeguard/generate.hpp"
#include "safeguard/record.hpp"
#include "safeguard/rules.hpp"

using namespace safeguard;

#ifndef SAFEGUARD_SOURCE_DIR
#define SAFEGUARD_SOURCE_DIR "."
#endif

namespace {

constexpr RecordTime kStart = 1790000000;

std::string bits(double value) {
  std::uint64_t raw;
  std::memcpy(&raw, &value, sizeof raw);
  char text[20];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(raw));
  return text;
}

std::string vertex_id(const Results& r, VertexIndex v) {
  return v == kNoVertex ? std::string("-") : std::string(r.vertex_id(v));
}

std::string event_id(const Results& r, std::uint32_t number) {
  return number == kNoEvent ? std::string("-") : std::string(r.event_id(number));
}

// Everything a child's row holds, in terms of ids (a live graph numbers vertices, events and
// overrides its own way), with every double as its raw bits.
std::string full_row(const Results& r, std::size_t row) {
  std::string out = std::to_string(r.level(row)) + "/" + std::to_string(r.score_level(row)) + "/" +
                    std::to_string(r.immediate_safety(row)) + " total " + bits(r.total(row));
  for (std::size_t i = 0; i < r.index_count(); ++i)
    out += " " + bits(r.score(row, i)) + ":" + std::to_string(r.index_level(row, i));
  for (const Contribution* c = r.contributions_begin(row); c != r.contributions_end(row); ++c) {
    out += "\n  " + std::to_string(c->rule) + " i" + std::to_string(c->index) + " " +
           vertex_id(r, c->evidence) + " via " + vertex_id(r, c->via) + " " +
           std::string(to_string(c->path)) + " " + std::to_string(static_cast<int>(c->kind)) + " " +
           std::string(to_string(c->relation));
    for (double value : {c->raw, c->decay, c->reach, c->cap_factor, c->value})
      out += " " + bits(value);
  }
  for (const std::uint32_t* o = r.overrides_begin(row); o != r.overrides_end(row); ++o)
    out += "\n  override " + std::to_string(*o);
  for (const NotAssessable* m = r.not_assessable_begin(row); m != r.not_assessable_end(row); ++m) {
    out += "\n  missing " + std::to_string(m->rule) + (m->is_override ? "o " : " ") +
           vertex_id(r, m->evidence) + " " + std::to_string(static_cast<int>(m->missing));
  }
  for (const Step* s = r.steps_begin(row); s != r.steps_end(row); ++s) {
    out += "\n  step " + std::to_string(static_cast<int>(s->kind)) + " " +
           std::to_string(static_cast<int>(s->status)) + " " + event_id(r, s->trigger) + " " +
           event_id(r, s->done) + " " + std::to_string(s->start) + " " + std::to_string(s->due) +
           " " + std::to_string(s->completed) + " " + std::to_string(s->working_days);
  }
  for (const TimelineIssue* i = r.timeline_issues_begin(row); i != r.timeline_issues_end(row); ++i)
    out += "\n  issue " + std::string(i->text) + " " + event_id(r, i->event);
  const DiscretionaryResult& d = r.discretionary(row);
  out += "\n  discretionary " + std::to_string(static_cast<int>(d.outcome)) + " " +
         std::to_string(d.level_before) + " " +
         (d.override_number == kNoEvent ? std::string("-")
                                        : std::string(view_discretionary(r, row).value().id));
  return out;
}

std::map<std::string, std::string> rows_of(const Results& r) {
  std::map<std::string, std::string> out;
  for (std::size_t row = 0; row < r.child_count(); ++row)
    out[std::string(r.child_id(row))] = full_row(r, row);
  return out;
}

struct Lcg {
  std::uint64_t state;
  std::uint32_t below(std::size_t bound) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::uint32_t>((state >> 33) % bound);
  }
  bool chance(int percent) { return below(100) < static_cast<std::uint32_t>(percent); }
};

// A decision for an event of `kind`: nine times in ten one the kind takes (or none), else any.
EventDecision decision_for(Lcg& rng, EventKind kind) {
  if (rng.chance(10)) return static_cast<EventDecision>(rng.below(kEventDecisionCount));
  std::vector<EventDecision> allowed;
  for (int d = 0; d < kEventDecisionCount; ++d) {
    if (event_decision_allowed(kind, static_cast<EventDecision>(d)))
      allowed.push_back(static_cast<EventDecision>(d));
  }
  return allowed[rng.below(allowed.size())];
}

// What the history generator knows about the record, to make edits that are mostly valid.
struct Known {
  std::vector<std::string> children, adults, concerns, factors, agencies, households, places;
  std::vector<std::string> events, overrides, groups;
  std::map<std::string, EventKind> event_kinds;
  std::vector<RelationSpec> relations;
  std::set<std::string> erased, retracted, ended_factors;
  std::set<std::size_t> ended_relations;

  const std::string& pick(Lcg& rng, const std::vector<std::string>& from) const {
    return from[rng.below(from.size())];
  }
  // A person not erased, or an empty string after a few tries.
  std::string live(Lcg& rng, const std::vector<std::string>& from) const {
    for (int tries = 0; tries < 8; ++tries) {
      const std::string& id = pick(rng, from);
      if (!erased.count(id)) return id;
    }
    return {};
  }
};

// One random record edit of any kind. Some are invalid on purpose (an unknown source, a
// relation that would make a cycle, a retracted concern retracted again): the batch fails.
// `only` >= 0 picks the kind of edit (a case below) instead of drawing it.
void random_edit(Lcg& rng, Known& k, int serial, Day as_of, RecordBatch& b, int only = -1) {
  const Day when = as_of - 200 + static_cast<Day>(rng.below(400));  // before or after as_of
  const std::string tag = std::to_string(serial);
  switch (only >= 0 ? static_cast<std::uint32_t>(only) : rng.below(22)) {
    case 0: {  // a new concern about a child, maybe involving an adult
      const std::string child = k.live(rng, k.children);
      if (child.empty()) return;
      ConcernSpec c;
      c.id = "C-new-" + tag;
      c.category = rng.chance(50) ? "neglect" : "physical_injury";
      c.severity = 1 + static_cast<int>(rng.below(5));
      c.recorded = as_of - static_cast<Day>(rng.below(600));
      c.incident = rng.chance(50) ? c.recorded - static_cast<Day>(rng.below(20)) : kNoDay;
      c.source = k.pick(rng, k.agencies);
      c.about = {child};
      const std::string adult = k.live(rng, k.adults);
      if (!adult.empty() && rng.chance(40)) c.involves = {adult};
      c.restricted = rng.chance(10);
      k.concerns.push_back(c.id);
      b.add(c);
      break;
    }
    case 1: {  // a concern amended: severity, dates, status, source, about, involves
      ConcernAmend a;
      a.id = k.pick(rng, k.concerns);
      switch (rng.below(6)) {
        case 0:
          a.severity = 1 + static_cast<int>(rng.below(5));
          break;
        case 1:
          a.recorded = as_of - static_cast<Day>(rng.below(900));
          a.incident = kNoDay;
          break;
        case 2:
          a.status = rng.chance(50) ? ConcernStatus::closed : ConcernStatus::unsubstantiated;
          break;
        case 3:
          a.source = rng.chance(95) ? k.pick(rng, k.agencies) : std::string("A-unknown");
          break;
        case 4: {
          const std::string child = k.live(rng, k.children);
          if (!child.empty()) a.about = std::vector<std::string>{child};
          break;
        }
        default:
          a.involves = std::vector<std::string>{};
          if (rng.chance(60)) {
            const std::string adult = k.live(rng, k.adults);
            if (!adult.empty()) a.involves = std::vector<std::string>{adult};
          }
          a.category = std::string("domestic_abuse");
          break;
      }
      b.add(a);
      break;
    }
    case 2: {  // a concern retracted, before or after the watched date
      const std::string& id = k.pick(rng, k.concerns);
      b.add(Retract{id, when, "withdrawn"});  // fails when already retracted
      k.retracted.insert(id);
      break;
    }
    case 3: {  // a new factor, maybe provided by an adult
      const std::string child = k.live(rng, k.children);
      if (child.empty()) return;
      FactorSpec f;
      f.id = "F-new-" + tag;
      f.kind = "protective_adult";
      f.strength = 1 + static_cast<int>(rng.below(5));
      f.start = rng.chance(70) ? as_of - static_cast<Day>(rng.below(300)) : kNoDay;
      f.protects = {child};
      if (rng.chance(50)) f.provided_by = k.live(rng, k.adults);
      k.factors.push_back(f.id);
      b.add(f);
      break;
    }
    case 4: {  // a factor amended
      FactorAmend a;
      a.id = k.pick(rng, k.factors);
      if (rng.chance(50)) a.strength = 1 + static_cast<int>(rng.below(5));
      if (rng.chance(30)) {
        const std::string child = k.live(rng, k.children);
        if (!child.empty()) a.protects = std::vector<std::string>{child};
      }
      if (rng.chance(30)) a.provided_by = rng.chance(50) ? k.pick(rng, k.agencies) : "";
      if (rng.chance(20)) a.start = kNoDay;
      b.add(a);
      break;
    }
    case 5: {  // a factor ends
      const std::string& id = k.pick(rng, k.factors);
      if (k.ended_factors.insert(id).second) b.add(EndFactor{id, when});
      break;
    }
    case 6: {  // a factor retracted
      const std::string& id = k.pick(rng, k.factors);
      if (k.retracted.insert(id).second) b.add(Retract{id, when, "recorded in error"});
      break;
    }
    case 7: {  // a declared relation ends
      if (k.relations.empty()) return;
      const std::size_t r = rng.below(k.relations.size());
      const RelationSpec& rel = k.relations[r];
      if (k.erased.count(rel.from) || k.erased.count(rel.to)) return;
      if (k.ended_relations.insert(r).second) b.add(EndRelation{rel.kind, rel.from, rel.to, when});
      break;
    }
    case 8: {  // an ended relation declared again (it starts again)
      if (k.ended_relations.empty()) return;
      auto it = k.ended_relations.begin();
      std::advance(it, rng.below(k.ended_relations.size()));
      const RelationSpec rel = k.relations[*it];
      if (k.erased.count(rel.from) || k.erased.count(rel.to)) return;
      k.ended_relations.erase(it);
      b.add(rel);
      break;
    }
    case 9: {  // a new relation between two people (may make a parent cycle: then it fails)
      const std::string a = k.live(rng, k.children);
      const std::string c = rng.chance(50) ? k.live(rng, k.children) : k.live(rng, k.adults);
      if (a.empty() || c.empty() || a == c) return;
      static const RelationKind kinds[] = {RelationKind::sibling_of, RelationKind::associate,
                                           RelationKind::carer_of, RelationKind::partner_of};
      RelationKind kind = kinds[rng.below(4)];
      RelationSpec rel{kind, a, c};
      if (kind == RelationKind::carer_of) rel = RelationSpec{kind, c, a};
      for (const auto& known : k.relations) {
        if (known.kind == rel.kind && ((known.from == rel.from && known.to == rel.to) ||
                                       (known.from == rel.to && known.to == rel.from)))
          return;
      }
      k.relations.push_back(rel);
      b.add(rel);
      break;
    }
    case 10: {  // membership: ends, or the person moves to another household
      const bool child = rng.chance(50);
      const std::string person = k.live(rng, child ? k.children : k.adults);
      if (person.empty()) return;
      if (rng.chance(50)) {
        b.add(EndMembership{person, when});  // fails when there is no membership to end
      } else {
        PersonAmend a;
        a.id = person;
        a.household = rng.chance(85) ? k.pick(rng, k.households) : std::string();
        b.add(a);
      }
      break;
    }
    case 11: {  // date of birth and flags corrected
      const std::string person = k.live(rng, k.children);
      if (person.empty()) return;
      PersonAmend a;
      a.id = person;
      if (rng.chance(70)) a.dob = as_of - 365 * (1 + static_cast<Day>(rng.below(17)));
      if (rng.chance(40))
        a.flags =
            rng.chance(50) ? std::vector<std::string>{"disability"} : std::vector<std::string>{};
      b.add(a);
      break;
    }
    case 12: {  // a person turns child or adult (fails when something forbids it)
      const bool child = rng.chance(50);
      const std::string person = k.live(rng, child ? k.children : k.adults);
      if (person.empty()) return;
      PersonAmend a;
      a.id = person;
      a.kind = child ? PersonKind::adult : PersonKind::child;
      b.add(a);
      break;
    }
    case 13: {  // an agency's type or a place's kind changes
      if (rng.chance(60)) {
        b.add(AgencyAmend{k.pick(rng, k.agencies),
                          std::string(rng.chance(50) ? "police" : "health"), std::nullopt});
      } else if (!k.places.empty()) {
        b.add(PlaceAmend{k.pick(rng, k.places), std::string("takeaway"), std::string("renamed")});
      }
      break;
    }
    case 14: {  // a group, someone joins it, someone frequents a place
      const std::string g = "G-" + tag;
      b.add(GroupSpec{g, "peer_group", "fictional group"});
      k.groups.push_back(g);
      const std::string person = k.live(rng, k.children);
      if (person.empty()) return;
      k.relations.push_back(RelationSpec{RelationKind::member_of, person, g});
      b.add(k.relations.back());
      if (!k.places.empty() && rng.chance(50)) {
        RelationSpec f{RelationKind::frequents, person, k.pick(rng, k.places)};
        for (const auto& known : k.relations) {
          if (known.kind == f.kind && known.from == f.from && known.to == f.to) return;
        }
        k.relations.push_back(f);
        b.add(f);
      }
      break;
    }
    case 15: {  // a process event: added, amended or retracted
      const std::string child = k.live(rng, k.children);
      if (child.empty()) return;
      if (k.events.empty() || rng.chance(50)) {
        const std::string id = "E-new-" + tag;
        EventSpec e{id, static_cast<EventKind>(rng.below(kEventKindCount)), when, {child}, ""};
        // What the event decided, its category and an expected date: mostly a decision the kind
        // takes, sometimes any, so some batches are refused and must change nothing.
        if (rng.chance(60)) e.decision = decision_for(rng, e.kind);
        if (rng.chance(30)) e.category = rng.chance(50) ? "neglect" : "physical_abuse";
        if (rng.chance(20)) e.expected = when + static_cast<Day>(rng.below(200));
        k.event_kinds[id] = e.kind;
        b.add(e);
        k.events.push_back(id);
      } else if (rng.chance(60)) {
        EventAmend a;
        a.id = k.pick(rng, k.events);
        if (rng.chance(60)) a.date = when;
        if (rng.chance(40)) a.about = std::vector<std::string>{child};
        if (rng.chance(50)) a.decision = decision_for(rng, k.event_kinds[a.id]);
        if (rng.chance(25)) a.category = rng.chance(50) ? "" : "emotional_abuse";
        if (rng.chance(15)) a.expected = rng.chance(50) ? kNoDay : when + 90;
        if (!a.date && !a.about && !a.decision && !a.category && !a.expected) a.date = when;
        b.add(a);
      } else {
        b.add(Retract{k.pick(rng, k.events), when, "duplicate"});
      }
      break;
    }
    case 16: {  // a discretionary override: added, amended or retracted
      const std::string child = k.live(rng, k.children);
      if (child.empty()) return;
      if (k.overrides.empty() || rng.chance(50)) {
        const std::string id = "O-new-" + tag;
        b.add(DiscretionaryOverrideSpec{
            id, child, rng.chance(50) ? OverrideDirection::raise : OverrideDirection::lower, when,
            "sw-1", "fictional reason"});
        k.overrides.push_back(id);
      } else if (rng.chance(60)) {
        OverrideAmend a;
        a.id = k.pick(rng, k.overrides);
        a.direction = rng.chance(50) ? OverrideDirection::raise : OverrideDirection::lower;
        a.date = when;
        b.add(a);
      } else {
        b.add(Retract{k.pick(rng, k.overrides), when, "superseded"});
      }
      break;
    }
    case 17: {  // an upsert replacing a concern whole
      ConcernSpec c;
      c.id = k.pick(rng, k.concerns);
      const std::string child = k.live(rng, k.children);
      if (child.empty()) return;
      c.category = "neglect";
      c.severity = 1 + static_cast<int>(rng.below(5));
      c.recorded = as_of - static_cast<Day>(rng.below(400));
      c.source = k.pick(rng, k.agencies);
      c.about = {child};
      b.add(Upsert{c});
      break;
    }
    case 18: {  // a new person in a household, with a parent
      const std::string id = "P-new-" + tag;
      const std::string& household = k.pick(rng, k.households);
      b.add(PersonSpec{
          id, PersonKind::child, as_of - 365 * static_cast<Day>(1 + rng.below(15)), {}, household});
      k.children.push_back(id);
      const std::string parent = k.live(rng, k.adults);
      if (!parent.empty()) {
        k.relations.push_back(RelationSpec{RelationKind::parent_of, parent, id});
        b.add(k.relations.back());
      }
      break;
    }
    case 19: {  // erasure (rare)
      if (!rng.chance(25)) return;
      const std::string person = k.live(rng, rng.chance(50) ? k.adults : k.children);
      if (person.empty()) return;
      k.erased.insert(person);
      b.add(Erase{person, "dpo"});
      break;
    }
    case 20: {  // the calendar (rare)
      if (rng.chance(20)) b.add(CalendarSpec{std::nullopt, {as_of - 10 - Day(rng.below(30))}});
      break;
    }
    default: {  // a household and an agency added
      const std::string h = "H-new-" + tag;
      b.add(HouseholdSpec{h});
      k.households.push_back(h);
      const std::string a = "A-new-" + tag;
      b.add(AgencySpec{a, "voluntary", "fictional charity"});
      k.agencies.push_back(a);
      break;
    }
  }
}

// Loads a generated caseload into `record`, noting ids in `k`.
void load(Record& record, Known& k, const CaseloadOptions& options, RecordTime& now) {
  generate_caseload(options, [&](Batch&& batch) {
    for (const auto& item : batch.items) {
      std::visit(
          [&](const auto& edit) {
            using T = std::decay_t<decltype(edit)>;
            if constexpr (std::is_same_v<T, PersonSpec>) {
              (edit.kind == PersonKind::child ? k.children : k.adults).push_back(edit.id);
            } else if constexpr (std::is_same_v<T, ConcernSpec>) {
              k.concerns.push_back(edit.id);
            } else if constexpr (std::is_same_v<T, FactorSpec>) {
              k.factors.push_back(edit.id);
            } else if constexpr (std::is_same_v<T, AgencySpec>) {
              k.agencies.push_back(edit.id);
            } else if constexpr (std::is_same_v<T, HouseholdSpec>) {
              k.households.push_back(edit.id);
            } else if constexpr (std::is_same_v<T, PlaceSpec>) {
              k.places.push_back(edit.id);
            } else if constexpr (std::is_same_v<T, EventSpec>) {
              k.events.push_back(edit.id);
              k.event_kinds[edit.id] = edit.kind;
            } else if constexpr (std::is_same_v<T, DiscretionaryOverrideSpec>) {
              k.overrides.push_back(edit.id);
            } else if constexpr (std::is_same_v<T, RelationSpec>) {
              k.relations.push_back(edit);
            }
          },
          item);
    }
    record.apply(to_record_batch(std::move(batch), now++, Provenance{"loader", "load", "", ""}));
  });
}

// What a replayed history did.
struct History {
  int applied = 0, failed = 0, rescored = 0, changed_rows = 0;
};

// Applies `steps` random batches (edits of kind `only`, or any when -1) to a watched record;
// after each, the watch's changed rows must equal a full assessment's rows, a refused batch
// must change nothing, and every child whose row changed must have been rescored. `before`
// holds every child's row and is kept current.
History replay(Record& record, Known& k, RecordTime& now,
               const std::shared_ptr<const RuleSet>& rules, Day as_of,
               std::map<std::string, std::string>& before, int steps, std::uint64_t seed,
               int only) {
  Lcg rng{seed};
  History h;
  for (int step = 0; step < steps; ++step) {
    RecordBatch b;
    b.recorded_at = now++;
    b.provenance = Provenance{"worker-" + std::to_string(step % 4), "step", "cms", ""};
    const int items = 1 + static_cast<int>(rng.below(4));
    Known trial = k;
    for (int n = 0; n < items; ++n) random_edit(rng, trial, step * 10 + n, as_of, b, only);
    if (b.items.empty()) continue;
    const auto revision = record.revision();
    const auto last_changed = rows_of(record.changed());
    bool ok = true;
    try {
      record.apply(b);
    } catch (const BatchError&) {
      ok = false;
    }
    CAPTURE(step);
    if (!ok) {
      // A failed batch changes nothing: not the record, not what the watch last reported.
      ++h.failed;
      CHECK(record.revision() == revision);
      CHECK(rows_of(record.changed()) == last_changed);
      continue;
    }
    ++h.applied;
    k = std::move(trial);
    const Results changed = record.changed();
    const auto after = rows_of(record.assess(rules, {as_of}));
    const auto incremental = rows_of(changed);
    h.rescored += static_cast<int>(incremental.size());
    for (const auto& entry : incremental) {
      const std::string& id = entry.first;
      CAPTURE(id);
      REQUIRE(after.count(id));
      CHECK(entry.second == after.at(id));
    }
    // Every child whose row changed (or who is new) was rescored.
    for (const auto& entry : after) {
      const std::string& id = entry.first;
      auto was = before.find(id);
      if (was != before.end() && was->second == entry.second) continue;
      ++h.changed_rows;
      CAPTURE(id);
      CHECK(incremental.count(id));
    }
    before = after;
  }
  return h;
}

}  // namespace

TEST_SUITE("unit/record_watch") {
  TEST_CASE("watched record: after every batch the changed rows equal a full assessment's") {
    const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    CaseloadOptions options;
    options.children = 80;
    options.seed = 11;
    options.children_per_batch = 40;
    Record record;
    Known k;
    RecordTime now = kStart;
    load(record, k, options, now);
    const Day as_of = options.as_of - 30;  // some later-dated ends and retractions do not count

    Results watched = record.watch(rules, {as_of, 1});
    std::map<std::string, std::string> before = rows_of(record.assess(rules, {as_of}));
    CHECK(rows_of(watched) == before);
    CHECK(watched.child_count() == before.size());

    const History h = replay(record, k, now, rules, as_of, before, 300, 2024, -1);
    // The history did its work: most batches applied, some failed, rows changed.
    CHECK(h.applied > 150);
    CHECK(h.failed > 5);
    CHECK(h.changed_rows > 100);
    // And the incremental path rescored far fewer children than a full assessment each time.
    CHECK(h.rescored < h.applied * static_cast<int>(before.size()) / 2);
  }

  TEST_CASE("watched record: process events added and amended (decisions, categories, dates)") {
    // Only process-event edits, so the timeline's inputs (kind, date, children, decision,
    // category, expected date) change batch after batch and every change is checked.
    const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    CaseloadOptions options;
    options.children = 60;
    options.seed = 5;
    options.children_per_batch = 30;
    Record record;
    Known k;
    RecordTime now = kStart;
    load(record, k, options, now);
    const Day as_of = options.as_of - 30;
    record.watch(rules, {as_of, 1});
    std::map<std::string, std::string> before = rows_of(record.assess(rules, {as_of}));
    const History h = replay(record, k, now, rules, as_of, before, 200, 77, 15);
    CHECK(h.applied > 100);
    CHECK(h.failed > 0);  // a decision the event's kind does not take
    CHECK(h.changed_rows > 50);
  }

  TEST_CASE("watch: unwatched records refuse changed(), and watch() again replaces the watch") {
    const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    Record record;
    CHECK_FALSE(record.watching());
    CHECK_THROWS_AS(record.changed(), Error);
    CaseloadOptions options;
    options.children = 20;
    Known k;
    RecordTime now = kStart;
    load(record, k, options, now);
    const Results first = record.watch(rules, {options.as_of, 1});
    CHECK(record.watching());
    CHECK(first.child_count() == 20);
    CHECK(record.changed().child_count() == 20);

    RecordBatch b;
    b.recorded_at = now++;
    b.provenance = Provenance{"worker", "severity", "", ""};
    ConcernAmend amend;
    amend.id = k.concerns[0];
    amend.severity = 5;
    b.add(amend);
    record.apply(b);
    const Results changed = record.changed();
    CHECK(changed.child_count() >= 1);
    CHECK(changed.child_count() < 20);

    // Watching another date: every child, as of that date.
    const Day earlier = options.as_of - 400;
    const Results again = record.watch(rules, {earlier, 1});
    CHECK(rows_of(again) == rows_of(record.assess(rules, {earlier})));
    record.unwatch();
    CHECK_FALSE(record.watching());
    CHECK_THROWS_AS(record.changed(), Error);
    CHECK_THROWS_AS(record.watch(nullptr, {earlier, 1}), Error);
  }
}
