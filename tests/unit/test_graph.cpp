// CaseGraph: entities, relations, atomic batches, correction and erasure.
#include <doctest/doctest.h>

#include "safeguard/graph.hpp"
#include "safeguard/io.hpp"
#include "snapshot_columns.hpp"  // private (src/)

using namespace safeguard;

namespace {

Day day(const char* text) {
  Day out = kNoDay;
  std::string error;
  REQUIRE(parse_iso_date(text, out, error));
  return out;
}

ConcernSpec concern(const std::string& id, const std::string& about, int severity = 2) {
  ConcernSpec c;
  c.id = id;
  c.category = "school_attendance";
  c.severity = severity;
  c.recorded = day("2026-10-01");
  c.source = "AG-1";
  c.about = {about};
  return c;
}

// A household with a mother, a child and a school.
Batch family() {
  Batch b;
  b.add(AgencySpec{"AG-1", "school", "Fictional School"});
  b.add(HouseholdSpec{"HH-1"});
  b.add(PersonSpec{"P-M", PersonKind::adult, day("1990-01-01"), {}, "HH-1"});
  b.add(PersonSpec{"P-C", PersonKind::child, day("2018-06-01"), {"young_carer"}, "HH-1"});
  b.add(RelationSpec{RelationKind::parent_of, "P-M", "P-C"});
  b.add(concern("C-1", "P-C"));
  return b;
}

std::string failure(CaseGraph& graph, const Batch& batch) {
  try {
    graph.apply(batch);
  } catch (const BatchError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_SUITE("unit/graph") {
  TEST_CASE("a batch adds entities, ids map to dense indices and strings are interned") {
    CaseGraph graph;
    graph.apply(family());
    CHECK(graph.vertex_count() == 5);  // the relation is an edge
    auto child = graph.find("P-C");
    REQUIRE(child);
    CHECK(graph.kind(*child) == VertexKind::person);
    CHECK(graph.person(*child).kind == PersonKind::child);
    CHECK(graph.id(*child) == "P-C");
    CHECK(graph.household_of(*child) == *graph.find("HH-1"));
    CHECK(graph.has_relation(RelationKind::parent_of, *graph.find("P-M"), *child));
    CHECK_FALSE(graph.has_relation(RelationKind::parent_of, *child, *graph.find("P-M")));
    const Concern& c = graph.concern(*graph.find("C-1"));
    CHECK(graph.symbol(c.category) == "school_attendance");
    const std::size_t symbols = graph.symbols().size();
    Batch more;
    more.add(concern("C-2", "P-C"));
    graph.apply(more);
    CHECK(graph.symbols().size() == symbols);  // "school_attendance" was interned once
    CHECK(graph.revision() == 2);
  }

  TEST_CASE("a batch with one invalid item changes nothing and names the item") {
    CaseGraph graph;
    graph.apply(family());
    const auto vertices = graph.vertex_count();
    const auto edges = graph.edge_count();
    Batch batch;
    batch.add(PersonSpec{"P-NEW", PersonKind::child, kNoDay, {}, ""});
    batch.add(concern("C-9", "P-NOBODY"));
    const std::string message = failure(graph, batch);
    CHECK(message.find("batch item 1") != std::string::npos);
    CHECK(message.find("P-NOBODY") != std::string::npos);
    CHECK(message.find("C-9") != std::string::npos);
    CHECK(graph.vertex_count() == vertices);
    CHECK(graph.edge_count() == edges);
    CHECK_FALSE(graph.find("P-NEW"));
    CHECK(graph.revision() == 1);
  }

  TEST_CASE("validation: duplicates, ranges, kinds and dates") {
    CaseGraph graph;
    graph.apply(family());
    auto status_of = [&](Batch batch) {
      try {
        graph.apply(batch);
      } catch (const Error& e) {
        return e.status();
      }
      return Status::ok;
    };
    CHECK(status_of(Batch().add(AgencySpec{"AG-1", "police", ""})) == Status::duplicate);
    CHECK(status_of(Batch().add(HouseholdSpec{"X"}).add(HouseholdSpec{"X"})) == Status::duplicate);
    CHECK(status_of(Batch().add(concern("C-5", "P-C", 0))) == Status::invalid_data);
    CHECK(status_of(Batch().add(concern("C-5", "P-C", 6))) == Status::invalid_data);
    CHECK(status_of(Batch().add(concern("C-5", "P-C", -3))) == Status::invalid_data);
    CHECK(status_of(Batch().add(concern("C-5", "AG-1"))) == Status::invalid_data);  // not a person
    ConcernSpec late = concern("C-5", "P-C");
    late.incident = day("2026-10-02");  // after it was recorded
    CHECK(status_of(Batch().add(late)) == Status::invalid_data);
    ConcernSpec child_involved = concern("C-5", "P-C");
    child_involved.involves = {"P-C"};  // involves must name adults
    CHECK(status_of(Batch().add(child_involved)) == Status::invalid_data);
    CHECK(status_of(Batch().add(RelationSpec{RelationKind::parent_of, "P-M", "P-C"})) ==
          Status::duplicate);
    CHECK(status_of(Batch().add(RelationSpec{RelationKind::sibling_of, "P-C", "P-C"})) ==
          Status::invalid_data);
    CHECK(status_of(Batch().add(RelationSpec{RelationKind::about, "P-C", "P-M"})) ==
          Status::invalid_data);
    CHECK(status_of(Batch().add(RelationSpec{RelationKind::frequents, "P-C", "P-M"})) ==
          Status::invalid_data);
    CHECK(status_of(Batch().add(PersonSpec{"", PersonKind::child, kNoDay, {}, ""})) ==
          Status::invalid_data);
    CHECK(status_of(Batch().add(PersonSpec{"P-\xff", PersonKind::child, kNoDay, {}, ""})) ==
          Status::encoding);
    CHECK(status_of(Batch().add(PersonSpec{"P-\n", PersonKind::child, kNoDay, {}, ""})) ==
          Status::invalid_data);
    CHECK(status_of(Batch().add(PersonSpec{
              std::string(300, 'x'), PersonKind::child, kNoDay, {}, ""})) == Status::limit);
    FactorSpec backwards{
        "F-1", "protective_adult", 3, day("2026-05-01"), day("2026-04-01"), "", {"P-C"}, ""};
    CHECK(status_of(Batch().add(backwards)) == Status::invalid_data);
    CHECK(graph.revision() == 1);  // every failed batch left the graph alone
  }

  TEST_CASE("ids must be printable: Unicode controls, format characters and separators too") {
    CaseGraph graph;
    graph.apply(family());
    // U+0085 NEXT LINE (C1), U+200B ZERO WIDTH SPACE, U+202E RIGHT-TO-LEFT OVERRIDE, U+FEFF,
    // U+2028 LINE SEPARATOR, U+E0041 TAG LATIN CAPITAL A, U+FFFF (a noncharacter).
    const std::pair<const char*, const char*> unprintable[] = {
        {"P-\u0085", "a control character (U+0085)"},
        {"P-\u200b", "an unprintable character (U+200B)"},
        {"P-\u202e1", "an unprintable character (U+202E)"},
        {"\ufeffP-1", "an unprintable character (U+FEFF)"},
        {"P-\u2028", "an unprintable character (U+2028)"},
        {"P-\U000E0041", "an unprintable character (U+E0041)"},
        {"P-\uffff", "an unprintable character (U+FFFF)"},
    };
    for (const auto& item : unprintable) {
      const auto& id = item.first;
      const auto& what = item.second;
      const std::string message =
          failure(graph, Batch().add(PersonSpec{id, PersonKind::child, kNoDay, {}, ""}));
      CAPTURE(message);
      CHECK(message.find(std::string("id contains ") + what) != std::string::npos);
    }
    // A reference to an existing entity is checked the same way.
    const std::string message =
        failure(graph, Batch().add(concern("C-7", "P-C\u00ad")));  // a soft hyphen
    CHECK(message.find("about contains an unprintable character (U+00AD)") != std::string::npos);
    // Printable non-ASCII stays welcome.
    graph.apply(Batch().add(PersonSpec{"P-Zoë-Łódź-日本", PersonKind::child, kNoDay, {}, ""}));
    CHECK(graph.find("P-Zoë-Łódź-日本"));
    CHECK(graph.revision() == 2);
  }

  TEST_CASE("parentage: no child is the parent of an adult and no one is their own ancestor") {
    CaseGraph graph;
    graph.apply(family());  // P-M parent_of P-C
    const auto edges = graph.edge_count();
    std::string message =
        failure(graph, Batch().add(RelationSpec{RelationKind::parent_of, "P-C", "P-M"}));
    CHECK(message.find("a child cannot be the parent of an adult") != std::string::npos);
    CHECK(message.find("'P-C'") != std::string::npos);
    // A young parent: a child may be the parent of a child (here a baby).
    Batch baby;
    baby.add(PersonSpec{"P-B", PersonKind::child, day("2026-09-01"), {}, ""});
    baby.add(RelationSpec{RelationKind::parent_of, "P-C", "P-B"});
    graph.apply(baby);
    // A direct cycle between two adults, and a longer one closed through the graph.
    Batch two;
    two.add(PersonSpec{"P-X", PersonKind::adult, kNoDay, {}, ""});
    two.add(PersonSpec{"P-Y", PersonKind::adult, kNoDay, {}, ""});
    two.add(RelationSpec{RelationKind::parent_of, "P-X", "P-Y"});
    two.add(RelationSpec{RelationKind::parent_of, "P-Y", "P-X"});
    message = failure(graph, two);
    CHECK(message.find("batch item 3") != std::string::npos);
    CHECK(message.find("makes 'P-Y' their own ancestor") != std::string::npos);
    Batch longer;  // C > B (in the graph) > B2 > C
    longer.add(PersonSpec{"P-B2", PersonKind::child, kNoDay, {}, ""});
    longer.add(RelationSpec{RelationKind::parent_of, "P-B", "P-B2"});
    longer.add(RelationSpec{RelationKind::parent_of, "P-B2", "P-C"});
    message = failure(graph, longer);
    CHECK(message.find("batch item 2") != std::string::npos);
    CHECK(message.find("makes 'P-B2' their own ancestor") != std::string::npos);
    // In one batch, the item reported is the first that closes a cycle, not a later one.
    Batch chain;
    for (int i = 0; i < 40; ++i)
      chain.add(PersonSpec{"A-" + std::to_string(i), PersonKind::adult, kNoDay, {}, ""});
    for (int i = 39; i > 0; --i)
      chain.add(RelationSpec{RelationKind::parent_of, "A-" + std::to_string(i - 1),
                             "A-" + std::to_string(i)});
    chain.add(RelationSpec{RelationKind::parent_of, "A-30", "A-5"});  // item 79: the first
    chain.add(RelationSpec{RelationKind::parent_of, "A-39", "A-0"});  // item 80
    message = failure(graph, chain);
    CHECK(message.find("batch item 79") != std::string::npos);
    CHECK(message.find("makes 'A-30' their own ancestor") != std::string::npos);
    CHECK(graph.edge_count() == edges + 1);  // the baby's parent only
    // An edge to a person erased later in the batch is gone, so it closes nothing.
    Batch erased;
    erased.add(PersonSpec{"P-Z", PersonKind::adult, kNoDay, {}, ""});
    erased.add(RelationSpec{RelationKind::parent_of, "P-M", "P-Z"});
    erased.add(RelationSpec{RelationKind::parent_of, "P-Z", "P-M"});
    erased.add(ErasePerson{"P-Z"});
    graph.apply(erased);
    // Parents of one child who are also partners, siblings who share parents: no cycle.
    Batch family_tree;
    family_tree.add(PersonSpec{"P-F", PersonKind::adult, kNoDay, {}, ""});
    family_tree.add(PersonSpec{"P-S", PersonKind::child, kNoDay, {}, ""});
    family_tree.add(RelationSpec{RelationKind::parent_of, "P-F", "P-C"});
    family_tree.add(RelationSpec{RelationKind::parent_of, "P-F", "P-S"});
    family_tree.add(RelationSpec{RelationKind::parent_of, "P-M", "P-S"});
    family_tree.add(RelationSpec{RelationKind::partner_of, "P-F", "P-M"});
    graph.apply(family_tree);
  }

  TEST_CASE(
      "ids, names and summaries either side of 15 bytes, a two-byte character across the "
      "boundary, are found, kept whole and saved as given") {
    // A record's texts are held in place up to 15 bytes and on the heap past it
    // (detail/compact_string.hpp): every length around that, and a character split by it.
    std::vector<std::string> ids;
    for (std::size_t n = 12; n <= 18; ++n) {
      std::string id = "P-";
      while (id.size() + 2 <= n) id += "\xc3\xbc";  // u with diaeresis, two bytes
      if (id.size() < n) id += "x";
      ids.push_back(id);
    }
    Batch batch;
    batch.add(AgencySpec{"AG-1", "school", "Fictional School With A Long Name"});
    for (const std::string& id : ids) {
      PersonSpec person{id, PersonKind::child, day("2018-06-01")};
      person.name = id + " name";
      batch.add(person);
      ConcernSpec c = concern("C-" + id, id);
      c.summary = std::string(id.size(), 's');
      batch.add(c);
    }
    CaseGraph graph;
    graph.apply(batch);
    CaseGraph reloaded;
    load_case(reloaded, save_case(graph), "saved.json");
    for (const CaseGraph* g : {&graph, &reloaded}) {
      for (const std::string& id : ids) {
        CAPTURE(id);
        const auto v = g->find(id);
        REQUIRE(v);
        CHECK(g->id(*v) == id);
        CHECK(std::string(g->id(*v).c_str()) == id);
        CHECK(g->person(*v).name == id + " name");
        const auto c = g->find("C-" + id);
        REQUIRE(c);
        CHECK(g->concern(*c).summary == std::string(id.size(), 's'));
        CHECK(g->concern(*c).about == std::vector<VertexIndex>{*v});
      }
      CHECK(g->agency(*g->find("AG-1")).name == "Fictional School With A Long Name");
    }
  }

  TEST_CASE(
      "an id is kept once, in its record: erased vertices have none, refused batches "
      "keep theirs") {
    CaseGraph graph;
    Batch batch = family();  // an agency, a household, two persons and a concern
    batch.add(FactorSpec{"F-1", "mentor", 3, kNoDay, kNoDay, "", {"P-C"}, ""});
    graph.apply(batch);
    for (VertexIndex v = 0; v < graph.vertex_count(); ++v) {
      const auto& id = graph.id(v);  // the record's own id, not a copy
      REQUIRE(graph.find(id) == v);
      switch (graph.kind(v)) {
        case VertexKind::person:
          CHECK(&id == &graph.person(v).id);
          break;
        case VertexKind::concern:
          CHECK(&id == &graph.concern(v).id);
          break;
        case VertexKind::agency:
          CHECK(&id == &graph.agency(v).id);
          break;
        case VertexKind::household:
          CHECK(&id == &graph.household(v).id);
          break;
        case VertexKind::factor:
          CHECK(&id == &graph.factor(v).id);
          CHECK(graph.factor(v).protects == std::vector<VertexIndex>{*graph.find("P-C")});
          break;
        default:
          FAIL("a vertex of another kind");
      }
    }
    CHECK_THROWS_AS(graph.id(static_cast<VertexIndex>(graph.vertex_count())), Error);
    const VertexIndex mother = *graph.find("P-M");
    // Erased, then refused: the erasure is undone and the id found again.
    Batch refused;
    refused.add(ErasePerson{"P-M"});
    refused.add(concern("C-2", "P-NOBODY"));
    CHECK_THROWS_AS(graph.apply(refused), Error);
    CHECK(graph.id(mother) == "P-M");
    CHECK(graph.find("P-M") == mother);
    // Erased: the vertex has no id, and the id may name a new person.
    graph.apply(Batch().add(ErasePerson{"P-M"}));
    CHECK(graph.kind(mother) == VertexKind::erased);
    CHECK(graph.id(mother).empty());
    CHECK_FALSE(graph.find("P-M"));
    graph.apply(Batch().add(PersonSpec{"P-M", PersonKind::adult, kNoDay, {}, ""}));
    const VertexIndex again = *graph.find("P-M");
    CHECK(again != mother);
    CHECK(graph.id(again) == "P-M");
    CHECK(graph.id(mother).empty());
    // Added and refused in one batch: the new vertices and their ids are gone.
    const std::size_t vertices = graph.vertex_count();
    Batch added;
    added.add(PersonSpec{"P-NEW", PersonKind::child, kNoDay, {}, ""});
    added.add(concern("C-3", "P-NEW"));
    added.add(concern("C-3", "P-NEW"));  // a duplicate id: refused
    CHECK_THROWS_AS(graph.apply(added), Error);
    CHECK(graph.vertex_count() == vertices);
    CHECK_FALSE(graph.find("P-NEW"));
    CHECK_FALSE(graph.find("C-3"));
  }

  TEST_CASE("ids added earlier in the same batch can be referenced later in it") {
    CaseGraph graph;
    Batch batch = family();
    batch.add(PersonSpec{"P-C2", PersonKind::child, kNoDay, {}, "HH-1"});
    batch.add(RelationSpec{RelationKind::sibling_of, "P-C", "P-C2"});
    graph.apply(batch);
    CHECK(graph.has_relation(RelationKind::sibling_of, *graph.find("P-C2"), *graph.find("P-C")));
  }

  TEST_CASE("amend corrects a concern and retract keeps it recorded but retracted") {
    CaseGraph graph;
    graph.apply(family());
    ConcernSpec fixed = concern("C-1", "P-M", 4);
    graph.apply(Batch().add(AmendConcern{fixed}));
    const Concern& c = graph.concern(*graph.find("C-1"));
    CHECK(c.severity == 4);
    REQUIRE(c.about.size() == 1);
    CHECK(graph.id(c.about[0]) == "P-M");
    graph.apply(Batch().add(RetractConcern{"C-1"}));
    CHECK(graph.concern(*graph.find("C-1")).status == ConcernStatus::retracted);
    CHECK_THROWS_AS(graph.apply(Batch().add(RetractConcern{"C-404"})), BatchError);
  }

  TEST_CASE("erasing a person removes them, their relations and what was only about them") {
    CaseGraph graph;
    Batch batch = family();
    ConcernSpec shared = concern("C-2", "P-C");
    shared.about = {"P-C", "P-M"};
    batch.add(shared);
    batch.add(FactorSpec{"F-1", "protective_adult", 3, kNoDay, kNoDay, "P-M", {"P-C"}, ""});
    graph.apply(batch);
    graph.apply(Batch().add(ErasePerson{"P-C"}));
    CHECK_FALSE(graph.find("P-C"));
    CHECK_FALSE(graph.find("C-1"));  // only about the child: erased with them
    CHECK_FALSE(graph.find("F-1"));  // protected only the child
    REQUIRE(graph.find("C-2"));      // also about the mother: kept, without the child
    const Concern& c = graph.concern(*graph.find("C-2"));
    REQUIRE(c.about.size() == 1);
    CHECK(graph.id(c.about[0]) == "P-M");
    CHECK(graph.declared_relations().empty());
    auto snap = take_snapshot(graph);
    CHECK(snap->children.empty());
    // The id may be reused afterwards.
    graph.apply(Batch().add(PersonSpec{"P-C", PersonKind::child, kNoDay, {}, ""}));
    CHECK(graph.find("P-C"));
  }

  TEST_CASE("snapshot circles give each child's relations with their roles") {
    CaseGraph graph;
    Batch batch = family();
    batch.add(PersonSpec{"P-C2", PersonKind::child, kNoDay, {}, "HH-1"});
    batch.add(RelationSpec{RelationKind::sibling_of, "P-C2", "P-C"});
    graph.apply(batch);
    auto snap = take_snapshot(graph);
    REQUIRE(snap->children.size() == 2);
    const std::uint32_t child = snap->children[0];
    CHECK(snap->id(snap->person_vertex[child]) == "P-C");
    RoleMask mother = 0, sibling = 0, self = 0;
    for (const CircleMember* m = snap->person_circle.begin(child);
         m != snap->person_circle.end(child); ++m) {
      const auto id = snap->id(snap->person_vertex[m->person]);
      if (id == "P-M") mother = m->roles;
      if (id == "P-C2") sibling = m->roles;
      if (id == "P-C") self = m->roles;
    }
    CHECK(mother == (role_bit(Role::carer) | role_bit(Role::household)));
    CHECK(sibling == (role_bit(Role::sibling) | role_bit(Role::household)));
    CHECK(self == role_bit(Role::self));
  }

  TEST_CASE("replace edits every kind of entity in place and keeps vertices and slots") {
    CaseGraph graph;
    Batch setup = family();
    setup.add(HouseholdSpec{"HH-2"});
    setup.add(PlaceSpec{"PL-1", "park", "Fictional Park"});
    setup.add(GroupSpec{"GR-1", "peer_group", "Fictional group"});
    setup.add(PersonSpec{"P-S", PersonKind::child, day("2016-01-01"), {}, "HH-1"});
    FactorSpec f;
    f.id = "F-1";
    f.kind = "protective_adult";
    f.strength = 2;
    f.protects = {"P-C"};
    f.provided_by = "P-M";
    setup.add(f);
    setup.add(EventSpec{"E-1", EventKind::referral, day("2026-10-02"), {"P-C"}, "note"});
    setup.add(DiscretionaryOverrideSpec{"O-1", "P-C", OverrideDirection::raise, day("2026-10-03"),
                                        "sw-1", "reason"});
    graph.apply(setup);
    const VertexIndex child = *graph.find("P-C");
    const VertexIndex factor = *graph.find("F-1");
    const std::size_t vertices = graph.vertex_count();

    Batch b;
    b.add(Replace{PersonSpec{"P-C", PersonKind::child, day("2018-07-01"), {"disability"}, "HH-2"}});
    b.add(Replace{AgencySpec{"AG-1", "health", "Fictional Clinic"}});
    b.add(Replace{PlaceSpec{"PL-1", "takeaway", "Fictional Takeaway"}});
    b.add(Replace{GroupSpec{"GR-1", "gang", "Renamed group"}});
    f.strength = 5;
    f.protects = {"P-S"};
    f.provided_by = "AG-1";
    b.add(Replace{f});
    b.add(Replace{EventSpec{"E-1", EventKind::referral, day("2026-10-04"), {"P-S"}, "moved"}});
    b.add(Replace{DiscretionaryOverrideSpec{"O-1", "P-S", OverrideDirection::lower,
                                            day("2026-10-05"), "sw-2", "revised"}});
    graph.apply(b);
    CHECK(graph.vertex_count() == vertices);
    CHECK(*graph.find("P-C") == child);
    CHECK(graph.person(child).dob == day("2018-07-01"));
    REQUIRE(graph.person(child).flags.size() == 1);
    CHECK(graph.symbol(graph.person(child).flags[0]) == "disability");
    CHECK(graph.household_of(child) == *graph.find("HH-2"));
    CHECK(graph.symbol(graph.agency(*graph.find("AG-1")).type) == "health");
    CHECK(graph.place(*graph.find("PL-1")).name == "Fictional Takeaway");
    CHECK(graph.symbol(graph.group(*graph.find("GR-1")).kind) == "gang");
    CHECK(graph.factor(factor).strength == 5);
    CHECK(graph.factor(factor).protects == std::vector<VertexIndex>{*graph.find("P-S")});
    CHECK(graph.factor(factor).provided_by == *graph.find("AG-1"));
    // The protects edge moved with the list: the snapshot sees the factor on the sibling only.
    const auto snap = take_snapshot(graph);
    CHECK(snap->person_factors.size(snap->vertex_slot[child]) == 0);
    CHECK(snap->person_factors.size(snap->vertex_slot[*graph.find("P-S")]) == 1);
    REQUIRE(graph.find_event("E-1"));
    CHECK(graph.find_event("E-1")->about == std::vector<VertexIndex>{*graph.find("P-S")});
    CHECK(graph.find_override("O-1")->direction == OverrideDirection::lower);
    CHECK_FALSE(graph.find_event("O-1"));
    CHECK_FALSE(graph.find_override("E-1"));

    // Replacing names an existing entity of the same kind, and its fields are checked as when
    // it was added.
    Batch unknown;
    unknown.add(Replace{PersonSpec{"P-X", PersonKind::child, kNoDay, {}, ""}});
    CHECK(failure(graph, unknown).find("unknown person 'P-X'") != std::string::npos);
    Batch wrong_kind;
    wrong_kind.add(Replace{AgencySpec{"P-C", "school", ""}});
    CHECK(failure(graph, wrong_kind).find("is a person, not a agency") != std::string::npos);
    Batch bad_field;
    f.strength = 9;
    bad_field.add(Replace{f});
    CHECK(failure(graph, bad_field).find("strength 9 is outside 1-5") != std::string::npos);
    Batch not_event;
    not_event.add(Replace{EventSpec{"O-1", EventKind::referral, day("2026-10-04"), {"P-S"}, ""}});
    CHECK(failure(graph, not_event).find("'O-1' is not a event") != std::string::npos);
  }

  TEST_CASE("a person's kind may change only when nothing in the graph forbids it afterwards") {
    CaseGraph graph;
    Batch setup = family();
    ConcernSpec involving = concern("C-2", "P-C");
    involving.involves = {"P-M"};
    setup.add(involving);
    setup.add(PersonSpec{"P-A", PersonKind::adult, day("1985-01-01"), {}, ""});
    setup.add(EventSpec{"E-1", EventKind::referral, day("2026-10-02"), {"P-C"}, ""});
    graph.apply(setup);
    const auto before = graph.revision();

    auto replace_kind = [](const char* id, PersonKind kind) {
      return Replace{PersonSpec{id, kind, day("2000-01-01"), {}, ""}};
    };
    // The mother is involved in a concern: she cannot become a child.
    Batch b;
    b.add(HouseholdSpec{"HH-9"});
    b.add(replace_kind("P-M", PersonKind::child));
    std::string error = failure(graph, b);
    CHECK(error.find("batch item 1") != std::string::npos);
    CHECK(error.find("involved person 'P-M' is not an adult") != std::string::npos);
    // The child has a process event: she cannot become an adult.
    b.items = {replace_kind("P-C", PersonKind::adult)};
    CHECK(failure(graph, b).find("is not a child") != std::string::npos);
    CHECK(graph.revision() == before);
    CHECK_FALSE(graph.find("HH-9"));
    CHECK(graph.person(*graph.find("P-M")).kind == PersonKind::adult);

    // A child who is the parent of an adult is refused however the batch orders it.
    Batch parent;
    parent.add(RelationSpec{RelationKind::parent_of, "P-A", "P-M"});
    parent.add(replace_kind("P-A", PersonKind::child));
    CHECK(failure(graph, parent).find("a child cannot be the parent of an adult") !=
          std::string::npos);

    // With the concern no longer involving her and nothing else in the way, the change is made.
    Batch ok;
    ok.add(replace_kind("P-A", PersonKind::child));
    ok.add(AmendConcern{concern("C-2", "P-C")});
    graph.apply(ok);
    CHECK(graph.person(*graph.find("P-A")).kind == PersonKind::child);
  }

  TEST_CASE("carer_of: a child may care for a child, never be the carer of an adult") {
    CaseGraph graph;
    graph.apply(family());
    Batch setup;
    setup.add(PersonSpec{"P-S", PersonKind::child, day("2020-01-01"), {}, "HH-1"});
    setup.add(PersonSpec{"P-A", PersonKind::adult, day("1985-01-01"), {}, ""});
    setup.add(RelationSpec{RelationKind::carer_of, "P-C", "P-S"});  // a young carer
    setup.add(RelationSpec{RelationKind::carer_of, "P-A", "P-M"});  // an adult's carer
    graph.apply(setup);
    const auto revision = graph.revision();
    const auto edges = graph.edge_count();
    std::string message =
        failure(graph, Batch().add(RelationSpec{RelationKind::carer_of, "P-C", "P-M"}));
    CHECK(message.find("carer_of from 'P-C' to 'P-M': a child cannot be the carer of an adult") !=
          std::string::npos);
    // However a batch orders it: the adult cared for by a child made an adult by the batch, or
    // the carer made a child.
    auto replace_kind = [](const char* id, PersonKind kind) {
      return Replace{PersonSpec{id, kind, day("2000-01-01"), {}, "HH-1"}};
    };
    Batch grown;
    grown.add(replace_kind("P-S", PersonKind::adult));
    CHECK(failure(graph, grown).find("a child cannot be the carer of an adult") !=
          std::string::npos);
    Batch young;
    young.add(replace_kind("P-A", PersonKind::child));
    CHECK(failure(graph, young).find("a child cannot be the carer of an adult") !=
          std::string::npos);
    CHECK(graph.revision() == revision);
    CHECK(graph.edge_count() == edges);
    // Read from a case file into an empty graph (the bulk build) it is refused the same way.
    const std::string text = R"({"schema_version": 1,
      "persons": [{"id": "P-K", "kind": "child"}, {"id": "P-G", "kind": "adult"}],
      "relations": [{"kind": "carer_of", "from": "P-K", "to": "P-G"}]})";
    CaseGraph empty;
    try {
      load_case(empty, text, "carer.json");
      FAIL("the file was taken");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("a child cannot be the carer of an adult") !=
            std::string::npos);
      CHECK(e.where().line == 3);
    }
    CHECK(empty.vertex_count() == 0);
  }

  TEST_CASE(
      "free text holds tabs and line breaks but no other control, and vocabulary is printable") {
    // Through a batch (the validator) and through a case file read into an empty graph (the
    // bulk build, which must refuse what the validator refuses).
    struct Bad {
      const char* fields;  // the concern's category and summary, as JSON
      const char* message;
    };
    const Bad bad[] = {
        {R"("category": "neglect", "summary": "a\u0000b")",
         "summary contains a control character (U+0000)"},
        {R"("category": "neglect", "summary": "a\u001b[31mb")",
         "summary contains a control character (U+001B)"},
        {R"("category": "neglect", "summary": "a\u007f")",
         "summary contains a control character (U+007F)"},
        {R"("category": "neglect", "summary": "a\u0085")",
         "summary contains a control character (U+0085)"},
        {R"("category": "neglect\u200b")", "category contains an unprintable character (U+200B)"},
        {R"("category": "neglect\t")", "category contains a control character (U+0009)"},
    };
    for (const Bad& b : bad) {
      const std::string fields = b.fields;
      CAPTURE(fields);
      const std::string text = std::string(R"({"schema_version": 1,
        "agencies": [{"id": "AG-1", "type": "school"}],
        "persons": [{"id": "P-1", "kind": "child"}],
        "concerns": [{"id": "C-1", "severity": 2, "recorded": "2026-10-01",
                      "source": "AG-1", "about": ["P-1"], )") +
                               fields + "}]}";
      for (const bool into_empty : {true, false}) {
        CaseGraph graph;
        if (!into_empty) graph.apply(Batch().add(HouseholdSpec{"HH-0"}));
        const std::string saved = save_case(graph);
        try {
          load_case(graph, text, "text.json");
          FAIL("the file was taken");
        } catch (const Error& e) {
          const std::string what = e.what();
          CAPTURE(what);
          CHECK(std::string(e.what()).find(b.message) != std::string::npos);
          CHECK(e.where().entity == "C-1");
        }
        CHECK(save_case(graph) == saved);
      }
    }
    // Tabs, line breaks and printable text of every script stay welcome in free text.
    CaseGraph graph;
    graph.apply(family());
    ConcernSpec lines = concern("C-2", "P-C");
    lines.summary = "first line\nsecond\tline\r\nZoë, Łódź, 日本, \u200f";
    graph.apply(Batch().add(lines));
    CHECK(graph.concern(*graph.find("C-2")).summary == lines.summary);
  }

  TEST_CASE("remove takes out a concern, factor, event, override or declared relation") {
    CaseGraph graph;
    Batch setup = family();
    setup.add(PersonSpec{"P-S", PersonKind::child, day("2016-01-01"), {}, "HH-1"});
    setup.add(RelationSpec{RelationKind::sibling_of, "P-C", "P-S"});
    FactorSpec f;
    f.id = "F-1";
    f.kind = "protective_adult";
    f.protects = {"P-C"};
    setup.add(f);
    setup.add(EventSpec{"E-1", EventKind::referral, day("2026-10-02"), {"P-C"}, ""});
    setup.add(DiscretionaryOverrideSpec{"O-1", "P-C", OverrideDirection::raise, day("2026-10-03"),
                                        "sw-1", "reason"});
    graph.apply(setup);
    const std::size_t vertices = graph.vertex_count();
    const std::size_t edges = graph.edge_count();
    const auto relations = graph.declared_relations().size();

    // A failing batch undoes every removal before it.
    Batch failing;
    failing.add(Remove{"C-1"});
    failing.add(Remove{"F-1"});
    failing.add(Remove{"E-1"});
    failing.add(Remove{"O-1"});
    failing.add(RemoveRelation{{RelationKind::sibling_of, "P-S", "P-C"}});  // either direction
    failing.add(RemoveRelation{{RelationKind::parent_of, "P-M", "P-C"}});
    failing.add(Remove{"P-C"});
    CHECK(failure(graph, failing).find("persons are erased") != std::string::npos);
    CHECK(graph.vertex_count() == vertices);
    CHECK(graph.edge_count() == edges);
    CHECK(graph.declared_relations().size() == relations);
    CHECK(graph.find("C-1"));
    CHECK(graph.find_event("E-1"));
    CHECK(graph.has_relation(RelationKind::sibling_of, *graph.find("P-C"), *graph.find("P-S")));

    failing.items.pop_back();
    graph.apply(failing);
    CHECK_FALSE(graph.find("C-1"));
    CHECK_FALSE(graph.find("F-1"));
    CHECK_FALSE(graph.has_record("E-1"));
    CHECK_FALSE(graph.has_record("O-1"));
    CHECK(graph.events().size() == 1);  // numbering stays: an empty record is left in place
    CHECK(graph.events()[0].id.empty());
    CHECK(graph.declared_relations().empty());
    CHECK(graph.count(VertexKind::concern) == 0);
    CHECK(graph.count(VertexKind::factor) == 0);
    const auto snap = take_snapshot(graph);
    CHECK(snap->person_circle.size(snap->vertex_slot[*graph.find("P-C")]) == 3);  // household

    // A removed relation can be declared again; removing one that is not there is an error.
    Batch again;
    again.add(RelationSpec{RelationKind::parent_of, "P-M", "P-C"});
    graph.apply(again);
    Batch missing;
    missing.add(RemoveRelation{{RelationKind::sibling_of, "P-C", "P-S"}});
    CHECK(failure(graph, missing).find("no relation sibling_of") != std::string::npos);
    // Removed in the batch, then declared again in reverse: no cycle is seen.
    Batch reverse;
    reverse.add(RemoveRelation{{RelationKind::parent_of, "P-M", "P-C"}});
    reverse.add(Replace{PersonSpec{"P-M", PersonKind::child, day("2012-01-01"), {}, "HH-1"}});
    reverse.add(Replace{PersonSpec{"P-C", PersonKind::adult, day("1980-01-01"), {}, "HH-1"}});
    reverse.add(RelationSpec{RelationKind::parent_of, "P-C", "P-M"});
    graph.apply(reverse);
    CHECK(graph.has_relation(RelationKind::parent_of, *graph.find("P-C"), *graph.find("P-M")));
  }
}
