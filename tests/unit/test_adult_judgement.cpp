// Professional judgement about an adult (issue 17, item 4: "high at 14 or more ticks or on
// professional judgement ... the DASH result belongs to the adult victim"): a discretionary
// override about an adult moves the adult's own result as a child's moves the child's, under the
// pack's [discretionary] policy and approval; a child's rule reading adult_level_at_least sees
// the level after judgement; bad overrides are refused naming the override; the override
// survives the case file and the store; an uncleared reader learns nothing of a restricted
// result through it; and the watched record keeps adults' results equal to a full assessment's.
#include <doctest/doctest.h>

#include <string>

#include "safeguard/explain.hpp"
#include "safeguard/io.hpp"
#include "safeguard/record.hpp"
#include "store_support.hpp"

using namespace safeguard;

namespace {

constexpr Day kAsOf = 20'000;

// An adult index of whole ticks (low 0, mid 2, high 4), an adult override (three incidents:
// at least mid) and a child override reading the carer's level after judgement.
std::shared_ptr<const RuleSet> pack(const std::string& allow, const std::string& approval = "",
                                    const std::string& more = "") {
  std::string text = R"([pack]
id = "adult-judgement-test"
version = "1"

[[level]]
id = "low"
min = 0

[[level]]
id = "mid"
min = 2

[[level]]
id = "high"
min = 4

[[index]]
id = "victim"
subject = "adult"
counting = "whole"

[[rule]]
id = "tick"
index = "victim"
heading = "harm"
for = "concern"
when = 'concern.category == "tick"'
points = 1

[[override]]
id = "three-incidents"
subject = "adult"
reason = "three incidents about this adult"
when = 'count(concerns where concern.category == "incident" and within(365)) >= 3'
min_level = "mid"

[[override]]
id = "carer-high"
reason = "a carer's result is high"
when = 'adult_level_at_least("carer", "high")'
min_level = "high"

)";
  text += more + "\n[discretionary]\n";
  text += "allow = \"" + allow + "\"\n";
  if (!approval.empty()) text += "approval = \"" + approval + "\"\n";
  return RuleSet::load_string(text, "adult-judgement.toml");
}

ConcernSpec concern(const std::string& id, const std::string& category, Day recorded,
                    bool restricted = false) {
  ConcernSpec c;
  c.id = id;
  c.category = category;
  c.severity = 2;
  c.recorded = recorded;
  c.source = "AG-POL";
  c.restricted = restricted;
  c.about = {"P-AJ-M"};
  return c;
}

// A mother with three ticks (mid), her child and a team manager who approves judgements.
Batch family(bool restricted = false) {
  Batch b;
  b.add(AgencySpec{"AG-POL", "police", ""});
  b.add(PersonSpec{"P-AJ-C1", PersonKind::child, kAsOf - 8 * 366, {}, ""});
  b.add(PersonSpec{"P-AJ-M", PersonKind::adult, kAsOf - 35 * 366, {}, ""});
  b.add(PersonSpec{"P-AJ-TM", PersonKind::adult, kAsOf - 45 * 366, {}, ""});
  b.add(RelationSpec{RelationKind::parent_of, "P-AJ-M", "P-AJ-C1"});
  for (const char* id : {"C-AJ-1", "C-AJ-2", "C-AJ-3"})
    b.add(concern(id, "tick", kAsOf - 20, restricted));
  return b;
}

DiscretionaryOverrideSpec judgement(OverrideDirection direction, std::string approved_by = "",
                                    Day approved = kNoDay) {
  DiscretionaryOverrideSpec o;
  o.id = "J-AJ-1";
  o.adult = "P-AJ-M";
  o.direction = direction;
  o.date = kAsOf - 10;
  o.author = "IDVA-7";
  o.reason = "Threats disclosed since the checklist";
  o.approved_by = std::move(approved_by);
  o.approved = approved;
  return o;
}

Results run(const std::shared_ptr<const RuleSet>& rules, Batch b) {
  CaseGraph graph;
  graph.apply(b);
  return assess(rules, take_snapshot(graph), {kAsOf, 1});
}

std::string adult_level(const Results& r, const char* id = "P-AJ-M") {
  const long row = r.find_adult(id);
  REQUIRE_MESSAGE(row >= 0, "no adult result for " << id);
  return r.rules().levels()[r.adult_level(static_cast<std::size_t>(row))].id;
}

const DiscretionaryResult& adult_judgement(const Results& r) {
  const long row = r.find_adult("P-AJ-M");
  REQUIRE(row >= 0);
  return r.adult_discretionary(static_cast<std::size_t>(row));
}

std::string child_level(const Results& r) {
  return r.rules().levels()[r.level(static_cast<std::size_t>(r.find_child("P-AJ-C1")))].id;
}

Error apply_error(const DiscretionaryOverrideSpec& o, std::uint64_t* revision_kept = nullptr) {
  CaseGraph graph;
  graph.apply(family());
  const std::uint64_t before = graph.revision();
  Batch b;
  b.add(o);
  try {
    graph.apply(b);
  } catch (const Error& e) {
    if (revision_kept) *revision_kept = graph.revision() == before ? 1 : 0;
    return e;
  }
  FAIL("applied");
  return Error(Status::ok, "");
}

// Everything an adult's result holds, by ids, for comparing a watched record with a full
// assessment.
std::string adult_row(const Results& r, const std::string& id) {
  const long found = r.find_adult(id);
  if (found < 0) return "none";
  const auto row = static_cast<std::size_t>(found);
  std::string out = std::to_string(r.adult_level(row)) + " " + std::to_string(r.adult_total(row));
  for (const Contribution* c = r.adult_contributions_begin(row);
       c != r.adult_contributions_end(row); ++c)
    out += " " + std::string(r.vertex_id(c->evidence)) + "=" + std::to_string(c->value);
  const DiscretionaryResult& d = r.adult_discretionary(row);
  out += " judgement " + std::string(to_string(d.outcome)) + " " + std::to_string(d.level_before);
  return out;
}

}  // namespace

TEST_SUITE("unit/adult_judgement") {
  TEST_CASE("judgement raises an adult's own result, and a child's rule reads the level after it") {
    Batch b = family();
    const Results plain = run(pack("raise_and_lower"), b);
    CHECK(adult_level(plain) == "mid");
    CHECK(adult_judgement(plain).outcome == DiscretionaryOutcome::none);
    CHECK(child_level(plain) == "low");

    b.add(judgement(OverrideDirection::raise));
    const Results raised = run(pack("raise_and_lower"), b);
    CHECK(adult_level(raised) == "high");
    CHECK(adult_judgement(raised).outcome == DiscretionaryOutcome::applied);
    CHECK(adult_judgement(raised).level_before == 1);
    // The child's carer-high rule sees the mother's level after judgement.
    CHECK(child_level(raised) == "high");
    // The child has no judgement of its own.
    CHECK(raised.discretionary(static_cast<std::size_t>(raised.find_child("P-AJ-C1"))).outcome ==
          DiscretionaryOutcome::none);
    // The approver and no one else gains a result.
    CHECK(raised.find_adult("P-AJ-TM") < 0);
  }

  TEST_CASE("the pack's [discretionary] policy and approval apply to adults as to children") {
    Batch lower = family();
    lower.add(judgement(OverrideDirection::lower));
    const Results refused = run(pack("raise_only"), lower);
    CHECK(adult_judgement(refused).outcome == DiscretionaryOutcome::not_allowed);
    CHECK(adult_level(refused) == "mid");
    const Results lowered = run(pack("raise_and_lower"), lower);
    CHECK(adult_judgement(lowered).outcome == DiscretionaryOutcome::applied);
    CHECK(adult_level(lowered) == "low");

    // Held by the adult policy override: three incidents set at least mid.
    Batch held = lower;
    for (const char* id : {"C-AJ-I1", "C-AJ-I2", "C-AJ-I3"})
      held.add(concern(id, "incident", kAsOf - 30));
    const Results policy = run(pack("raise_and_lower"), held);
    CHECK(adult_judgement(policy).outcome == DiscretionaryOutcome::held_by_policy);
    CHECK(adult_level(policy) == "mid");

    Batch raise = family();
    raise.add(judgement(OverrideDirection::raise));
    const Results waiting = run(pack("raise_and_lower", "raise"), raise);
    CHECK(adult_judgement(waiting).outcome == DiscretionaryOutcome::awaiting_approval);
    CHECK(adult_level(waiting) == "mid");
    CHECK(child_level(waiting) == "low");
    CHECK(explain_adult(waiting, 0, ExplainFormat::text, Viewer::everyone())
              .find("not applied: awaiting approval") != std::string::npos);

    Batch approved = family();
    approved.add(judgement(OverrideDirection::raise, "P-AJ-TM", kAsOf - 5));
    const Results given = run(pack("raise_and_lower", "raise"), approved);
    CHECK(adult_judgement(given).outcome == DiscretionaryOutcome::applied);
    CHECK(child_level(given) == "high");
    const long row = given.find_adult("P-AJ-M");
    const auto view = view_adult_discretionary(given, static_cast<std::size_t>(row), Viewer{});
    REQUIRE(view);
    CHECK(view->id == "J-AJ-1");
    CHECK(view->approved_by == "P-AJ-TM");
    const std::string json = explain_adult(given, static_cast<std::size_t>(row),
                                           ExplainFormat::json, Viewer::everyone());
    CHECK(json.find("\"approved_by\": \"P-AJ-TM\"") != std::string::npos);
    CHECK(json.find("\"outcome\": \"applied\"") != std::string::npos);
  }

  TEST_CASE("an adult whose result is only judgement has one") {
    CaseGraph graph;
    Batch b;
    b.add(PersonSpec{"P-AJ-M", PersonKind::adult, kAsOf - 35 * 366, {}, ""});
    b.add(judgement(OverrideDirection::raise));
    graph.apply(b);
    const Results r = assess(pack("raise_and_lower"), take_snapshot(graph), {kAsOf, 1});
    CHECK(adult_level(r) == "mid");
    CHECK(adult_shown(r, 0, Viewer{}));
  }

  TEST_CASE("a bad judgement about an adult is refused naming the override, changing nothing") {
    std::uint64_t kept = 0;
    DiscretionaryOverrideSpec neither = judgement(OverrideDirection::raise);
    neither.adult.clear();
    Error e = apply_error(neither, &kept);
    CHECK(e.status() == Status::invalid_data);
    CHECK(e.where().entity == "J-AJ-1");
    CHECK(std::string(e.what()).find("neither a child nor an adult") != std::string::npos);
    CHECK(kept == 1);

    DiscretionaryOverrideSpec both = judgement(OverrideDirection::raise);
    both.child = "P-AJ-C1";
    e = apply_error(both);
    CHECK(e.where().entity == "J-AJ-1");
    CHECK(std::string(e.what()).find("both a child and an adult") != std::string::npos);

    DiscretionaryOverrideSpec a_child = judgement(OverrideDirection::raise);
    a_child.adult = "P-AJ-C1";
    e = apply_error(a_child);
    CHECK(e.status() == Status::invalid_data);
    CHECK(e.where().entity == "J-AJ-1");
    CHECK(std::string(e.what()).find("'P-AJ-C1' is not an adult") != std::string::npos);

    DiscretionaryOverrideSpec unknown = judgement(OverrideDirection::raise);
    unknown.adult = "P-NOBODY";
    CHECK(apply_error(unknown).status() == Status::not_found);

    // An adult with a judgement about her cannot become a child.
    CaseGraph graph;
    Batch b = family();
    b.add(judgement(OverrideDirection::raise));
    graph.apply(b);
    Batch turn;
    turn.add(Replace{PersonSpec{"P-AJ-M", PersonKind::child, kAsOf - 10 * 366, {}, ""}});
    try {
      graph.apply(turn);
      FAIL("applied");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("'P-AJ-M' is not an adult (override 'J-AJ-1')") !=
            std::string::npos);
    }
    CHECK(graph.person(*graph.find("P-AJ-M")).kind == PersonKind::adult);
  }

  TEST_CASE(
      "a judgement about an adult survives the case file, and a bad one is refused where it is") {
    CaseGraph graph;
    Batch b = family();
    b.add(judgement(OverrideDirection::raise, "P-AJ-TM", kAsOf - 5));
    graph.apply(b);
    const std::string saved = save_case(graph);
    CHECK(saved.find("\"adult\": \"P-AJ-M\"") != std::string::npos);
    CaseGraph again;
    load_case(again, saved, "saved.json");
    REQUIRE(again.discretionary_overrides().size() == 1);
    CHECK(again.id(again.discretionary_overrides()[0].person) == "P-AJ-M");
    CHECK(save_case(again) == saved);

    // Without the checksum the save adds (an edited file is otherwise refused as damaged).
    const std::string plain = saved.substr(0, saved.rfind(",\n  \"checksum\"")) + "\n}\n";
    const std::string key = "\"adult\": \"P-AJ-M\"";
    const std::size_t at = plain.find(key);
    REQUIRE(at != std::string::npos);
    std::string neither = plain;
    neither.replace(at, key.size(), "\"adult\": null");
    std::string both = plain;
    both.replace(at, key.size(), key + ", \"child\": \"P-AJ-C1\"");
    for (const std::string& bad : {neither, both}) {
      try {
        CaseGraph broken;
        load_case(broken, bad, "bad.json");
        FAIL("loaded");
      } catch (const Error& e) {
        CHECK(e.status() == Status::invalid_data);
        CHECK(e.where().file == "bad.json");
        CHECK(e.where().line > 0);
        CHECK(e.where().entity == "J-AJ-1");
      }
    }
  }

  TEST_CASE("a judgement about an adult survives the durable store") {
    store_test::ScratchDir dir;
    const std::string path = dir.file("adult-judgement.store");
    Batch b = family();
    b.add(judgement(OverrideDirection::raise, "P-AJ-TM", kAsOf - 5));
    DiscretionaryOverrideSpec child = judgement(OverrideDirection::raise);
    child.id = "J-AJ-2";
    child.adult.clear();
    child.child = "P-AJ-C1";
    b.add(child);
    {
      Record record = Record::open(path);
      record.apply(to_record_batch(b, 1, Provenance{"IDVA-7", "test", "", ""}));
    }
    const Record reopened = Record::open(path);
    const auto graph = reopened.graph(kAsOf);
    REQUIRE(graph->discretionary_overrides().size() == 2);
    CHECK(graph->id(graph->discretionary_overrides()[0].person) == "P-AJ-M");
    CHECK(graph->discretionary_overrides()[0].approved_by == "P-AJ-TM");
    CHECK(graph->id(graph->discretionary_overrides()[1].person) == "P-AJ-C1");
    const auto fact = reopened.get("J-AJ-1");
    REQUIRE(fact);
  }

  TEST_CASE("an uncleared reader learns nothing of a restricted result through judgement") {
    Batch b = family(true);
    b.add(judgement(OverrideDirection::raise));
    const Results r = run(pack("raise_and_lower"), b);
    const auto row = static_cast<std::size_t>(r.find_adult("P-AJ-M"));
    CHECK(adult_judgement(r).outcome == DiscretionaryOutcome::applied);
    // Every tick is restricted: the reader not cleared for police sees no result, no judgement.
    const Viewer uncleared{};
    CHECK_FALSE(adult_shown(r, row, uncleared));
    CHECK_FALSE(view_adult_discretionary(r, row, uncleared));
    CHECK_THROWS_AS(explain_adult(r, row, ExplainFormat::text, uncleared), Error);
    // A reader cleared for police sees the result and the judgement.
    const Viewer police{{"police"}, false};
    CHECK(adult_shown(r, row, police));
    REQUIRE(view_adult_discretionary(r, row, police));
    CHECK(explain_adult(r, row, ExplainFormat::text, police).find("J-AJ-1") != std::string::npos);
  }

  TEST_CASE("a child's rule read without restricted evidence counts no judgement on it") {
    // The mother's ticks are all restricted (mid), judgement raises her to high. Read again
    // without restricted evidence she has no result for the reader to know of, so a child's
    // override on "carer at least mid" must not fire there on the judgement alone (it would
    // tell an uncleared reader that a carer has a result the view layer keeps from them).
    const std::string carer_mid = R"(
[[override]]
id = "carer-mid"
reason = "a carer's result is mid or more"
when = 'adult_level_at_least("carer", "mid")'
min_level = "mid"
)";
    const auto rules = pack("raise_and_lower", "", carer_mid);
    const Viewer uncleared{};
    auto child_override = [](const Results& r, const Viewer& viewer) {
      const auto child = static_cast<std::size_t>(r.find_child("P-AJ-C1"));
      for (const OverrideView& o : view_overrides(r, child, viewer)) {
        if (o.id == "carer-mid") return std::string("shown");
      }
      for (const OverrideView& o : view_overrides(r, child, Viewer::everyone())) {
        if (o.id == "carer-mid") return std::string("withheld");
      }
      return std::string("none");
    };
    Batch b = family(true);
    b.add(judgement(OverrideDirection::raise));
    const Results hidden = run(rules, b);
    CHECK(adult_level(hidden) == "high");
    CHECK_FALSE(
        adult_shown(hidden, static_cast<std::size_t>(hidden.find_adult("P-AJ-M")), uncleared));
    CHECK(child_override(hidden, uncleared) == "withheld");
    CHECK(child_level(hidden) == "high");  // the score still counts everything
    // The same ticks unrestricted: the override is anyone's to see.
    Batch open = family(false);
    open.add(judgement(OverrideDirection::raise));
    CHECK(child_override(run(rules, open), uncleared) == "shown");
    // One tick of three unrestricted: the reader sees her result and its judgement, and the
    // child's override read on the unrestricted tick (low, raised to mid) is theirs to see.
    Batch mixed = family(true);
    for (Edit& item : mixed.items) {
      if (auto* tick = std::get_if<ConcernSpec>(&item); tick && tick->id == "C-AJ-1")
        tick->restricted = false;
    }
    mixed.add(judgement(OverrideDirection::raise));
    const Results some = run(rules, mixed);
    CHECK(adult_shown(some, static_cast<std::size_t>(some.find_adult("P-AJ-M")), uncleared));
    CHECK(child_override(some, uncleared) == "shown");
    // A result that is judgement alone (no tick at all) is the same for every reader: counted.
    Batch bare;
    for (Edit& item : family(true).items) {
      if (!std::holds_alternative<ConcernSpec>(item)) bare.items.push_back(std::move(item));
    }
    bare.add(judgement(OverrideDirection::raise));
    const Results only = run(rules, bare);
    CHECK(adult_level(only) == "mid");
    CHECK(child_override(only, uncleared) == "shown");
  }

  TEST_CASE("a watched record keeps adults' results equal to a full assessment's") {
    const auto rules = pack("raise_and_lower");
    Record record;
    Batch setup = family();
    // A lone victim: no child's circle holds her.
    setup.add(PersonSpec{"P-AJ-L", PersonKind::adult, kAsOf - 30 * 366, {}, ""});
    RecordTime now = 1790000000;
    record.apply(to_record_batch(setup, now, Provenance{"IDVA-7", "setup", "", ""}));
    record.watch(rules, {kAsOf, 1});

    // Applies a batch about `adult`: her result among the changed ones equals the full one's.
    auto step = [&](Batch b, const char* adult) {
      record.apply(to_record_batch(std::move(b), ++now, Provenance{"IDVA-7", "step", "", ""}));
      const Results changed = record.changed();
      const Results full = record.assess(rules, {kAsOf});
      CAPTURE(adult);
      CHECK(adult_row(changed, adult) == adult_row(full, adult));
      return full;
    };
    Batch judge;
    judge.add(judgement(OverrideDirection::raise));
    Results full = step(judge, "P-AJ-M");
    CHECK(adult_level(full) == "high");
    CHECK(child_level(full) == "high");
    Batch more;
    more.add(concern("C-AJ-4", "tick", kAsOf - 3));
    full = step(more, "P-AJ-M");
    CHECK(adult_judgement(full).outcome == DiscretionaryOutcome::at_limit);
    Batch lone;
    for (const char* id : {"C-AJ-L1", "C-AJ-L2"}) {
      ConcernSpec c = concern(id, "tick", kAsOf - 4);
      c.about = {"P-AJ-L"};
      lone.add(c);
    }
    full = step(lone, "P-AJ-L");
    CHECK(adult_level(full, "P-AJ-L") == "mid");
    Batch lone_judgement;
    DiscretionaryOverrideSpec o = judgement(OverrideDirection::lower);
    o.id = "J-AJ-L";
    o.adult = "P-AJ-L";
    lone_judgement.add(o);
    full = step(lone_judgement, "P-AJ-L");
    CHECK(adult_level(full, "P-AJ-L") == "low");
  }
}
