// Approval of discretionary overrides (issue 17, item 6; docs/rules.md, "Discretionary
// overrides"): a judgement records who approved it (an adult's entity id) and when; a pack's
// `[discretionary] approval` says which directions need one; an unapproved judgement that needs
// it is reported (outcome awaiting_approval) and not applied. Bad approvals are refused naming
// the override's id, and an approval survives the case file and the durable store.
#include <doctest/doctest.h>

#include <string>

#include "safeguard/explain.hpp"
#include "safeguard/io.hpp"
#include "safeguard/record.hpp"
#include "store_support.hpp"

using namespace safeguard;

namespace {

constexpr Day kAsOf = 20'000;

// One index: a "worry" concern scores 5 (mid); judgement may move it a step.
std::shared_ptr<const RuleSet> pack(const std::string& approval) {
  std::string text = R"([pack]
id = "approval-test"
version = "1"

[[level]]
id = "low"
min = 0

[[level]]
id = "mid"
min = 4

[[level]]
id = "high"
min = 8

[[index]]
id = "risk"

[[rule]]
id = "worry"
index = "risk"
heading = "harm"
for = "concern"
when = 'concern.category == "worry"'
points = 5

[discretionary]
allow = "raise_and_lower"
)";
  if (!approval.empty()) text += "approval = \"" + approval + "\"\n";
  return RuleSet::load_string(text, "approval.toml");
}

// A child with one worry (mid), its parent, and a team manager who approves judgements.
Batch family() {
  Batch b;
  b.add(AgencySpec{"AG-SCH", "school", ""});
  b.add(PersonSpec{"P-APR-C1", PersonKind::child, kAsOf - 10 * 366, {}, ""});
  b.add(PersonSpec{"P-APR-M", PersonKind::adult, kAsOf - 40 * 366, {}, ""});
  b.add(PersonSpec{"P-APR-TM", PersonKind::adult, kAsOf - 45 * 366, {}, ""});
  ConcernSpec worry;
  worry.id = "C-APR-1";
  worry.category = "worry";
  worry.severity = 2;
  worry.recorded = kAsOf - 20;
  worry.source = "AG-SCH";
  worry.about = {"P-APR-C1"};
  b.add(worry);
  return b;
}

DiscretionaryOverrideSpec judgement(OverrideDirection direction, std::string approved_by = "",
                                    Day approved = kNoDay) {
  DiscretionaryOverrideSpec o;
  o.id = "J-APR-1";
  o.child = "P-APR-C1";
  o.direction = direction;
  o.date = kAsOf - 10;
  o.author = "SW-TEAM-1";
  o.reason = "Known to the worker: the family has moved in with relatives who protect the child";
  o.approved_by = std::move(approved_by);
  o.approved = approved;
  return o;
}

Results run(const std::string& approval, const DiscretionaryOverrideSpec& o, Day as_of = kAsOf) {
  CaseGraph graph;
  Batch b = family();
  b.add(o);
  graph.apply(b);
  return assess(pack(approval), take_snapshot(graph), {as_of, 1});
}

std::string level(const Results& r) { return r.rules().levels()[r.level(0)].id; }

Error apply_error(const DiscretionaryOverrideSpec& o) {
  CaseGraph graph;
  Batch b = family();
  b.add(o);
  try {
    graph.apply(b);
  } catch (const Error& e) {
    return e;
  }
  FAIL("applied");
  return Error(Status::ok, "");
}

}  // namespace

TEST_SUITE("unit/approval") {
  TEST_CASE("an unapproved judgement that the pack needs approved is reported, not applied") {
    const Results waiting = run("lower", judgement(OverrideDirection::lower));
    CHECK(waiting.discretionary(0).outcome == DiscretionaryOutcome::awaiting_approval);
    CHECK(level(waiting) == "mid");
    const auto view = view_discretionary(waiting, 0);
    REQUIRE(view);
    CHECK(view->needs_approval);
    CHECK(view->approved_by.empty());
    const std::string text = explain(waiting, 0, ExplainFormat::text);
    CHECK(text.find("not applied: awaiting approval") != std::string::npos);
    CHECK(explain(waiting, 0, ExplainFormat::json).find("\"awaiting_approval\"") !=
          std::string::npos);

    // Approved before the as-of date by an adult in the graph: applied, and the approver shown.
    const Results approved =
        run("lower", judgement(OverrideDirection::lower, "P-APR-TM", kAsOf - 5));
    CHECK(approved.discretionary(0).outcome == DiscretionaryOutcome::applied);
    CHECK(level(approved) == "low");
    CHECK(explain(approved, 0, ExplainFormat::text).find("approved by P-APR-TM") !=
          std::string::npos);

    // The pack needs approval only to lower: raising applies without one; with no approval
    // policy (the default) nothing needs one.
    CHECK(run("lower", judgement(OverrideDirection::raise)).discretionary(0).outcome ==
          DiscretionaryOutcome::applied);
    CHECK(run("", judgement(OverrideDirection::lower)).discretionary(0).outcome ==
          DiscretionaryOutcome::applied);
    CHECK(run("raise_and_lower", judgement(OverrideDirection::raise)).discretionary(0).outcome ==
          DiscretionaryOutcome::awaiting_approval);
    CHECK(run("raise", judgement(OverrideDirection::lower)).discretionary(0).outcome ==
          DiscretionaryOutcome::applied);
  }

  TEST_CASE("an approval counts from its date: as of an earlier date it was not given") {
    const DiscretionaryOverrideSpec later =
        judgement(OverrideDirection::lower, "P-APR-TM", kAsOf + 3);
    const Results before = run("lower", later);
    CHECK(before.discretionary(0).outcome == DiscretionaryOutcome::awaiting_approval);
    CHECK(view_discretionary(before, 0)->approved_by.empty());
    const Results after = run("lower", later, kAsOf + 3);
    CHECK(after.discretionary(0).outcome == DiscretionaryOutcome::applied);
    CHECK(view_discretionary(after, 0)->approved_by == "P-APR-TM");
  }

  TEST_CASE("a bad approval is refused, naming the override") {
    Error unknown = apply_error(judgement(OverrideDirection::lower, "P-NOBODY", kAsOf - 5));
    CHECK(unknown.status() == Status::not_found);
    CHECK(unknown.where().entity == "J-APR-1");
    CHECK(std::string(unknown.what()).find("P-NOBODY") != std::string::npos);

    Error child = apply_error(judgement(OverrideDirection::lower, "P-APR-C1", kAsOf - 5));
    CHECK(child.status() == Status::invalid_data);
    CHECK(child.where().entity == "J-APR-1");

    Error early = apply_error(judgement(OverrideDirection::lower, "P-APR-TM", kAsOf - 11));
    CHECK(early.status() == Status::invalid_data);
    CHECK(std::string(early.what()).find("before it was made") != std::string::npos);

    CHECK(apply_error(judgement(OverrideDirection::lower, "P-APR-TM")).status() ==
          Status::invalid_data);
    CHECK(apply_error(judgement(OverrideDirection::lower, "", kAsOf - 5)).status() ==
          Status::invalid_data);

    try {
      pack("sometimes");
      FAIL("loaded");
    } catch (const Error& e) {
      CHECK(e.status() == Status::invalid_data);
      CHECK(e.where().line > 0);
    }
  }

  TEST_CASE("an approval survives the case file, with a bad date refused where it is") {
    CaseGraph graph;
    Batch b = family();
    b.add(judgement(OverrideDirection::lower, "P-APR-TM", kAsOf - 5));
    graph.apply(b);
    const std::string saved = save_case(graph);
    CHECK(saved.find("\"approved_by\": \"P-APR-TM\"") != std::string::npos);
    CaseGraph again;
    load_case(again, saved, "saved.json");
    REQUIRE(again.discretionary_overrides().size() == 1);
    CHECK(again.discretionary_overrides()[0].approved_by == "P-APR-TM");
    CHECK(again.discretionary_overrides()[0].approved == kAsOf - 5);

    // Without the checksum the save adds (an edited file is otherwise refused as damaged).
    std::string bad = saved.substr(0, saved.rfind(",\n  \"checksum\"")) + "\n}\n";
    const std::size_t at = bad.find("\"approved\": \"");
    REQUIRE(at != std::string::npos);
    bad.replace(at + 13, 10, "2026-13-01");
    try {
      CaseGraph broken;
      load_case(broken, bad, "bad.json");
      FAIL("loaded");
    } catch (const Error& e) {
      CHECK(e.where().line > 0);
      CHECK(e.where().entity == "J-APR-1");
    }
  }

  TEST_CASE("an approval survives the durable store") {
    store_test::ScratchDir dir;
    const std::string path = dir.file("approval.store");
    Batch b = family();
    b.add(judgement(OverrideDirection::lower, "P-APR-TM", kAsOf - 5));
    DiscretionaryOverrideSpec plain = judgement(OverrideDirection::raise);
    plain.id = "J-APR-2";
    b.add(plain);
    {
      Record record = Record::open(path);
      record.apply(to_record_batch(b, 1, Provenance{"SW-TEAM-1", "test", "", ""}));
    }
    const Record reopened = Record::open(path);
    const auto graph = reopened.graph(kAsOf);
    REQUIRE(graph->discretionary_overrides().size() == 2);
    CHECK(graph->discretionary_overrides()[0].approved_by == "P-APR-TM");
    CHECK(graph->discretionary_overrides()[0].approved == kAsOf - 5);
    CHECK(graph->discretionary_overrides()[1].approved_by.empty());
    CHECK(graph->discretionary_overrides()[1].approved == kNoDay);
  }
}
