// Recorded entries (child's voice, parents' views, danger statements, existing safety,
// strengths, safety goals, next steps, scaling) and display names: what a case file may say and
// what it is refused for, that saving and the record keep them, that they never score, and that
// the renderings show them only to readers who may see them.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "safeguard.h"
#include "safeguard/io.hpp"
#include "safeguard/record.hpp"
#include "safeguard/render.hpp"
#include "store_support.hpp"

using namespace safeguard;

namespace {

const std::string kExample = SAFEGUARD_SOURCE_DIR "/examples/data/families.json";

Day day(const char* text) {
  Day out = kNoDay;
  std::string error;
  REQUIRE(parse_iso_date(text, out, error));
  return out;
}

// A case with one child and one adult (both named) and one entry written by `entry`.
std::string case_with(const std::string& entry) {
  return "{\n"
         "  \"schema_version\": 1,\n"
         "  \"agencies\": [{\"id\": \"AG-X\", \"type\": \"police\"}],\n"
         "  \"persons\": [{\"id\": \"P-X\", \"kind\": \"child\", \"name\": \"Zed Quill\"},\n"
         "              {\"id\": \"P-Y\", \"kind\": \"adult\", \"name\": \"Yara Quill\"}],\n"
         "  \"entries\": [\n"
         "    " +
         entry + "\n  ]\n}\n";
}

std::string entry_with(const std::string& fields) {
  return "{\"id\": \"N-X\", \"date\": \"2026-10-01\", \"about\": [\"P-X\"], \"author\": "
         "\"SW-1\", \"text\": \"Fictional words.\", " +
         fields + "}";
}

// Loads `text` into a graph holding the example; expects a refusal that names bad.json, the
// entry's line and the entry, leaves the graph as it was and never quotes a display name.
// Problems the JSON reader finds inside a string (bad UTF-8, a string over the limit) stop it at
// that byte, before the entry is whole: those name the entry when its "id" came before the bad
// string, and only the place when it did not (`names_entry` false).
Error refusal(const std::string& text, const CaseFileLimits& limits = {}, bool names_entry = true,
              int line = 7) {
  CaseGraph graph;
  load_case_file(graph, kExample);
  const std::string before = save_case(graph);
  try {
    load_case(graph, text, "bad.json", limits);
  } catch (const Error& e) {
    CHECK(save_case(graph) == before);
    CHECK(e.where().file == "bad.json");
    CHECK(e.where().line == line);
    CHECK(e.where().column > 0);
    if (names_entry) CHECK(e.where().entity == "N-X");
    const std::string message = e.what();
    CHECK(message.find("Quill") == std::string::npos);
    return e;
  }
  FAIL("the case file was accepted");
  return Error(Status::ok, "");
}

struct Families {
  std::shared_ptr<const RuleSet> rules =
      RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
  CaseGraph graph;
  Results results;
  explicit Families(const std::string& text = {}) : results(make(text)) {}
  Results make(const std::string& text) {
    if (text.empty()) {
      load_case_file(graph, kExample);
    } else {
      load_case(graph, text, "case.json");
    }
    return assess(rules, take_snapshot(graph), {day("2026-11-01"), 1});
  }
  std::size_t row(const char* id) const {
    const long found = results.find_child(id);
    REQUIRE(found >= 0);
    return static_cast<std::size_t>(found);
  }
};

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The example without its entries and names: what it was before they were added.
std::string without_entries_and_names() {
  CaseGraph graph;
  load_case_file(graph, kExample);
  Batch batch;
  for (const RecordedEntry& entry : graph.entries()) batch.add(Remove{entry.id});
  for (VertexIndex v = 0; v < graph.vertex_count(); ++v) {
    if (graph.kind(v) != VertexKind::person) continue;
    const Person& p = graph.person(v);
    PersonSpec spec{p.id, p.kind, p.dob, {}, {}, {}};
    for (Symbol flag : p.flags) spec.flags.emplace_back(graph.symbol(flag));
    if (VertexIndex h = graph.household_of(v); h != kNoVertex) spec.household = graph.id(h);
    batch.add(Replace{spec});
  }
  graph.apply(batch);
  return save_case(graph);
}

}  // namespace

TEST_SUITE("unit/entries") {
  TEST_CASE("a case file's entries and names load, save and load again unchanged") {
    CaseGraph graph;
    load_case_file(graph, kExample);
    REQUIRE(graph.entries().size() == 13);
    const RecordedEntry* scaling = graph.find_entry("N-ASH-8");
    REQUIRE(scaling);
    CHECK(scaling->kind == EntryKind::scaling);
    CHECK(scaling->value == 6);
    CHECK(scaling->about.size() == 2);
    CHECK(graph.person(*graph.find("P-ASH-C1")).name == "Amy Ash");
    const std::string saved = save_case(graph);
    CHECK(saved.find("\"entries\"") != std::string::npos);
    CHECK(saved.find("\"name\": \"Amy Ash\"") != std::string::npos);
    CaseGraph again;
    load_case(again, saved, "saved.json");
    CHECK(save_case(again) == saved);
    const RecordedEntry* restricted = again.find_entry("N-ASH-9");
    REQUIRE(restricted);
    CHECK(restricted->restricted);
    CHECK(again.id(restricted->source) == "AG-POL-01");
    // A graph without entries saves as it always did: no "entries" member.
    CHECK(without_entries_and_names().find("\"entries\"") == std::string::npos);
  }

  TEST_CASE("bad entries are refused with file, line, column and entry id, nothing changes") {
    CHECK(refusal(case_with(entry_with("\"kind\": \"gossip\""))).status() == Status::invalid_data);
    const Error date = refusal(
        case_with("{\"id\": \"N-X\", \"kind\": \"strength\", \"date\": \"2026-02-30\", \"about\": "
                  "[\"P-X\"], \"author\": \"SW-1\", \"text\": \"Fictional words.\"}"));
    CHECK(date.status() == Status::invalid_data);
    CHECK(std::string(date.what()).find("2026-02-30") != std::string::npos);
    const Error unknown = refusal(
        case_with("{\"id\": \"N-X\", \"kind\": \"strength\", \"date\": \"2026-10-01\", \"about\": "
                  "[\"P-NOPE\"], \"author\": \"SW-1\", \"text\": \"Fictional words.\"}"));
    CHECK(unknown.status() == Status::not_found);
    const Error adult = refusal(
        case_with("{\"id\": \"N-X\", \"kind\": \"strength\", \"date\": \"2026-10-01\", \"about\": "
                  "[\"P-Y\"], \"author\": \"SW-1\", \"text\": \"Fictional words.\"}"));
    CHECK(std::string(adult.what()).find("is not a child") != std::string::npos);
    for (const char* value : {"11", "-1"}) {
      CAPTURE(value);
      const Error e =
          refusal(case_with(entry_with("\"kind\": \"scaling\", \"value\": " + std::string(value))));
      CHECK(e.status() == Status::invalid_data);
      CHECK(std::string(e.what()).find("outside 0-10") != std::string::npos);
    }
    CHECK(refusal(case_with(entry_with("\"kind\": \"scaling\", \"value\": 6.5"))).status() ==
          Status::type);
    CHECK(std::string(refusal(case_with(entry_with("\"kind\": \"scaling\""))).what())
              .find("needs 0-10") != std::string::npos);
    CHECK(std::string(refusal(case_with(entry_with("\"kind\": \"strength\", \"value\": 3"))).what())
              .find("only a scaling entry has a value") != std::string::npos);
    CHECK(
        std::string(
            refusal(case_with(entry_with("\"kind\": \"strength\", \"question\": \"How?\""))).what())
            .find("only a scaling entry has a question") != std::string::npos);
    CHECK(std::string(
              refusal(case_with(entry_with("\"kind\": \"strength\", \"restricted\": true"))).what())
              .find("needs its source agency") != std::string::npos);
    CHECK(refusal(case_with(entry_with("\"kind\": \"strength\", \"source\": \"AG-NOPE\"")))
              .status() == Status::not_found);
    // An id any entity, event or entry already has (here, the example's entry).
    const Error duplicate = refusal(
        case_with(
            "{\"id\": \"N-X\", \"kind\": \"strength\", \"date\": \"2026-10-01\", \"about\": "
            "[\"P-X\"], \"author\": \"SW-1\", \"text\": \"a\"},\n"
            "    {\"id\": \"N-X\", \"kind\": \"strength\", \"date\": \"2026-10-01\", \"about\": "
            "[\"P-X\"], \"author\": \"SW-1\", \"text\": \"b\"}"),
        {}, true, 8);
    CHECK(duplicate.status() == Status::duplicate);
    const Error author = refusal(
        case_with("{\"id\": \"N-X\", \"kind\": \"strength\", \"date\": \"2026-10-01\", \"about\": "
                  "[\"P-X\"], \"author\": \"\", \"text\": \"Fictional words.\"}"));
    CHECK(std::string(author.what()).find("entry author is missing") != std::string::npos);
    const Error encoding = refusal(
        case_with("{\"id\": \"N-X\", \"kind\": \"strength\", \"date\": \"2026-10-01\", \"about\": "
                  "[\"P-X\"], \"author\": \"SW-1\", \"text\": \"bad \xff byte\"}"));
    CHECK(std::string(encoding.what()).find("UTF-8") != std::string::npos);
    CHECK(encoding.status() == Status::encoding);
    // Before its id, the entry cannot be named: the place alone.
    const Error early =
        refusal(case_with("{\"text\": \"bad \xff byte\", \"id\": \"N-X\", \"kind\": \"strength\", "
                          "\"date\": \"2026-10-01\", \"about\": [\"P-X\"], \"author\": \"SW-1\"}"),
                {}, false);
    CHECK(early.where().entity.empty());
    CaseFileLimits small;
    small.max_string_bytes = 64;
    const Error big = refusal(case_with("{\"id\": \"N-X\", \"kind\": \"strength\", \"date\": "
                                        "\"2026-10-01\", \"about\": [\"P-X\"], \"author\": "
                                        "\"SW-1\", \"text\": \"" +
                                        std::string(100, 'a') + "\"}"),
                              small);
    CHECK(big.status() == Status::limit);
  }

  TEST_CASE("an entry that names itself is refused, also by the bulk build of an empty graph") {
    // In an empty graph the case file goes through the bulk build, which once declared the
    // entry's id before storing it, and read past the end of the entries resolving it.
    for (const char* fields :
         {"\"about\": [\"N-S\"]", "\"about\": [\"P-X\"], \"source\": \"N-S\""}) {
      CAPTURE(fields);
      const std::string text =
          case_with(std::string("{\"id\": \"N-S\", \"kind\": \"strength\", \"date\": "
                                "\"2026-10-01\", \"author\": \"SW-1\", \"text\": \"a\", ") +
                    fields + "}");
      CaseGraph graph;
      try {
        load_case(graph, text, "self.json");
        FAIL("an entry naming itself loaded");
      } catch (const Error& e) {
        CHECK(e.where().file == "self.json");
        CHECK(e.where().entity == "N-S");
      }
      CHECK(graph.vertex_count() == 0);
      CHECK(graph.entries().empty());
    }
  }

  TEST_CASE("a case file loaded into an empty graph counts its entries against the record limit") {
    std::ifstream in(kExample, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    CaseGraph full;
    load_case(full, text.str(), "families.json");
    REQUIRE(full.entries().size() == 13);
    GraphLimits limits;
    limits.max_records = 12;  // the example's 13 entries, and no events or overrides
    CaseGraph graph(limits);
    CHECK_THROWS_WITH_AS(load_case(graph, text.str(), "families.json"),
                         doctest::Contains("limit of 12"), Error);
    CHECK(graph.vertex_count() == 0);
    CHECK(graph.entries().empty());
    limits.max_records = 13;
    CaseGraph enough(limits);
    load_case(enough, text.str(), "families.json");
    CHECK(save_case(enough) == save_case(full));
  }

  TEST_CASE("the graph refuses an entry over its text limit, naming the entry") {
    GraphLimits limits;
    limits.max_text_bytes = 32;
    CaseGraph graph(limits);
    load_case(graph, case_with(entry_with("\"kind\": \"strength\"")), "ok.json");
    const std::string before = save_case(graph);
    Batch batch;
    EntrySpec entry;
    entry.id = "N-BIG";
    entry.kind = EntryKind::child_voice;
    entry.date = day("2026-10-02");
    entry.about = {"P-X"};
    entry.author = "SW-1";
    entry.text = std::string(40, 'a');
    batch.add(entry);
    CHECK_THROWS_WITH_AS(graph.apply(batch), doctest::Contains("longer than 32 bytes"), BatchError);
    CHECK(save_case(graph) == before);
  }

  TEST_CASE("a malformed case file's error never quotes a person's display name") {
    const std::string text =
        "{\n  \"schema_version\": 1,\n  \"persons\": [{\"id\": \"P-X\", \"kind\": \"kid\", "
        "\"name\": \"Zed Quill\", \"dob\": \"2018-02-30\"}]\n}\n";
    CaseGraph graph;
    try {
      load_case(graph, text, "named.json");
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("Quill") == std::string::npos);
      CHECK(e.where().entity == "P-X");
    }
    CHECK(graph.vertex_count() == 0);
  }

  TEST_CASE("entries never score: the example's results are those without them") {
    Families with;
    Families without(without_entries_and_names());
    REQUIRE(with.results.child_count() == without.results.child_count());
    for (std::size_t row = 0; row < with.results.child_count(); ++row) {
      CHECK(with.results.level(row) == without.results.level(row));
      for (std::size_t i = 0; i < with.results.index_count(); ++i)
        CHECK(with.results.score(row, i) == without.results.score(row, i));
      // Names stay out of the results programs read.
      const std::string json = explain(with.results, row, ExplainFormat::json, Viewer::everyone());
      const std::string text = explain(with.results, row, ExplainFormat::text, Viewer::everyone());
      for (const char* name : {"Amy", "Ben", "Cara", "Dev", "Erin", "Fay", "Gus"}) {
        CHECK(json.find(name) == std::string::npos);
        CHECK(text.find(name) == std::string::npos);
      }
    }
  }

  TEST_CASE("view_entries: dated by the as-of date, restricted ones only for cleared readers") {
    Families f;
    const std::size_t amy = f.row("P-ASH-C1");
    auto ids = [&](const Viewer& viewer) {
      std::vector<std::string> out;
      for (const EntryView& entry : view_entries(f.results, amy, viewer))
        out.emplace_back(entry.id);
      return out;
    };
    // N-ASH-10 (2026-11-20) has not been recorded yet on 2026-11-01.
    CHECK(ids(Viewer{}) == std::vector<std::string>{"N-ASH-1", "N-ASH-2", "N-ASH-3", "N-ASH-4",
                                                    "N-ASH-6", "N-ASH-8"});
    CHECK(ids(Viewer{{"police"}, false}) ==
          std::vector<std::string>{"N-ASH-1", "N-ASH-2", "N-ASH-3", "N-ASH-4", "N-ASH-6", "N-ASH-8",
                                   "N-ASH-9"});
    CHECK(ids(Viewer{{"AG-SCH-01"}, false}).size() == 6);
    const PersonView person = view_person(f.results, f.results.child_vertex(amy));
    CHECK(person.name == "Amy Ash");
    CHECK(person.age_years == 8);
  }

  TEST_CASE("the report: Signs of Safety columns, scaling, voices and names, restricted hidden") {
    Families f;
    const std::vector<std::size_t> rows = household_rows(f.results, "HH-ASH");
    RenderOptions uncleared;
    const std::string html = render_report(f.results, rows, uncleared);
    for (const char* section :
         {"What are we worried about?", "What's working well?", "What needs to happen?",
          ">Scaling<", "The child's voice", "Parents' views"}) {
      CAPTURE(section);
      CHECK(html.find(section) != std::string::npos);
    }
    CHECK(html.find("Amy Ash (8)") != std::string::npos);
    CHECK(html.find("Dev Rowan (35)") != std::string::npos);  // an adult of the household
    CHECK(html.find("I want to go to football club.") != std::string::npos);
    CHECK(html.find("6/10") != std::string::npos);
    // Scaling latest first: Ben's 6 (4 October) before his 5 (21 September).
    const std::size_t ben = html.find("id=\"child-P-ASH-C2\"");
    REQUIRE(ben != std::string::npos);
    CHECK(html.find("6/10", ben) < html.find("5/10", ben));
    // The restricted police entry: neither its words, its author nor its id.
    for (const char* hidden : {"N-ASH-9", "Officers worry", "POL-DA-UNIT"}) {
      CAPTURE(hidden);
      CHECK(html.find(hidden) == std::string::npos);
    }
    CHECK(html.find("Check in with Amy") == std::string::npos);  // after the as-of date
    RenderOptions cleared;
    cleared.viewer = Viewer{{"police"}, false};
    const std::string police = render_report(f.results, rows, cleared);
    CHECK(police.find("Officers worry") != std::string::npos);
    CHECK(police.find("POL-DA-UNIT") != std::string::npos);
  }

  TEST_CASE("the family version: entries in plain words, names, never a restricted entry") {
    Families f;
    RenderOptions options;
    options.audience = Audience::family;
    const std::string html = render_report(f.results, household_rows(f.results, "HH-ASH"), options);
    CHECK(html.find("Amy Ash (8)") != std::string::npos);
    CHECK(html.find("What Amy Ash has told us") != std::string::npos);
    CHECK(html.find("What parents have told us") != std::string::npos);
    CHECK(html.find("The answer was 6 out of 10.") != std::string::npos);
    CHECK(html.find("Ben has the jabs he missed") != std::string::npos);
    CHECK(html.find("Officers worry") == std::string::npos);
    CHECK(html.find("POL-DA-UNIT") == std::string::npos);
  }

  TEST_CASE("the C API adds entries and names, and renders the same bytes as C++") {
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_graph_load_file(graph, kExample.c_str()) == SG_OK);
    sg_batch* batch = nullptr;
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    const char* about[] = {"P-ASH-C1"};
    sg_entry entry = SG_ENTRY_INIT;
    entry.id = "N-C-1";
    entry.kind = "scaling";
    entry.date = "2026-10-20";
    entry.about = about;
    entry.about_count = 1;
    entry.author = "SW-0417";
    entry.text = "Fictional judgement.";
    entry.value = 12;
    REQUIRE(sg_batch_add_entry(batch, &entry) == SG_OK);
    // Out of range: refused when applied, naming the entry; the graph unchanged.
    CHECK(sg_graph_apply(graph, batch) == SG_E_INVALID_DATA);
    CHECK(std::string(sg_error_last()).find("N-C-1") != std::string::npos);
    sg_batch_free(batch);
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    entry.value = 4;
    entry.question = "How safe is Amy at home?";
    REQUIRE(sg_batch_add_entry(batch, &entry) == SG_OK);
    sg_person person = SG_PERSON_INIT;
    person.id = "P-ASH-C3";
    person.dob = "2025-01-02";
    person.household = "HH-ASH";
    person.name = "Cal Ash";
    REQUIRE(sg_batch_add_person(batch, &person) == SG_OK);
    REQUIRE(sg_graph_apply(graph, batch) == SG_OK);
    sg_batch_free(batch);
    char* saved = nullptr;
    size_t size = 0;
    REQUIRE(sg_graph_save_buffer(&saved, &size, graph) == SG_OK);
    const std::string text(saved, size);
    sg_buffer_free(saved);
    CHECK(text.find("\"N-C-1\"") != std::string::npos);
    CHECK(text.find("\"Cal Ash\"") != std::string::npos);
    sg_graph_free(graph);

    Families f(text);
    const std::string html = render_report(f.results, {f.row("P-ASH-C1")});
    CHECK(html.find("4/10") != std::string::npos);
    CHECK(html.find("How safe is Amy at home?") != std::string::npos);
    CHECK(html.find("Cal Ash (1)") != std::string::npos);
  }

  TEST_CASE("the record keeps entries and names, and an erasure takes them") {
    CaseGraph graph;
    load_case_file(graph, kExample);
    RecordBatch batch;
    batch.recorded_at = 1;
    batch.provenance.author = "SW-0417";
    for (const Edit& item : parse_case(read(kExample), "families.json").items) {
      std::visit(
          [&](const auto& spec) {
            using T = std::decay_t<decltype(spec)>;
            if constexpr (std::is_constructible_v<RecordEdit, T>) batch.add(spec);
          },
          item);
    }
    store_test::ScratchDir dir;
    const std::string path = dir.file("entries.store");
    {
      Record stored = Record::open(path);
      stored.apply(batch);
    }
    Record record = Record::open(path, {}, StoreOpen::must_exist);  // reopened from disk
    const std::shared_ptr<const CaseGraph> live = record.graph(day("2026-11-01"));
    CHECK(save_case(*live) == save_case(graph));
    // Restated, an entry is replaced; erased, a child's entries and name go with them.
    EntrySpec restated{"N-BIR-1",
                       EntryKind::child_voice,
                       day("2026-09-30"),
                       {"P-BIR-C1"},
                       "EH-WORKER-12",
                       "Gran helps me with my reading.",
                       kNoScalingValue,
                       "",
                       "",
                       false};
    RecordBatch second;
    second.recorded_at = 2;
    second.provenance.author = "SW-0417";
    second.add(Upsert{restated});
    record.apply(second);
    CHECK(record.graph(day("2026-11-01"))->find_entry("N-BIR-1")->text ==
          "Gran helps me with my reading.");
    RecordBatch third;
    third.recorded_at = 3;
    third.provenance.author = "DPO-1";
    third.add(Erase{"P-BIR-C1", "DPO-1"});
    record.apply(third);
    const std::shared_ptr<const CaseGraph> after = record.graph(day("2026-11-01"));
    CHECK_FALSE(after->find_entry("N-BIR-1"));
    CHECK(save_case(*after).find("Gus") == std::string::npos);
    // Held by value: history() returns a vector, so a reference into it would dangle.
    const std::vector<FactVersion> versions = record.history("N-BIR-1");
    REQUIRE_FALSE(versions.empty());
    const EntrySpec& first = std::get<EntrySpec>(versions.front().spec);
    CHECK(first.text.empty());  // erasure scrubs the words from every version
  }
}

TEST_SUITE("unit/entries: family diagram") {
  TEST_CASE("the family's composition as DOT: names, ages, households and relations") {
    Families f;
    const std::string dot = render_family_dot(f.results, household_rows(f.results, "HH-ASH"));
    CHECK(dot.rfind("graph family {", 0) == 0);
    for (const char* shown :
         {"Amy Ash (8)", "Ben Ash (3)", "Cara Ash (32)", "Dev Rowan (35)", "household HH-ASH",
          "parent or carer", "brother or sister", "partners"}) {
      CAPTURE(shown);
      CHECK(dot.find(shown) != std::string::npos);
    }
    CHECK(dot.find("P-ASH") == std::string::npos);  // nodes are numbers; names stand for ids
    // The report puts the drawn diagram under the composition table.
    RenderOptions options;
    options.family_svg = "<?xml version=\"1.0\"?>\n<svg id=\"drawn\"></svg>\n";
    const std::string html = render_report(f.results, household_rows(f.results, "HH-ASH"), options);
    const std::size_t diagram = html.find("<svg id=\"drawn\">");
    REQUIRE(diagram != std::string::npos);
    CHECK(html.find("Family composition") < diagram);
    CHECK(diagram < html.find("id=\"child-P-ASH-C1\""));
    CHECK(html.find("<?xml") == std::string::npos);
  }

  TEST_CASE("no one known only through restricted evidence is drawn or listed, for any reader") {
    const std::string text =
        "{\n  \"schema_version\": 1,\n"
        "  \"agencies\": [{\"id\": \"AG-P\", \"type\": \"police\"}],\n"
        "  \"households\": [{\"id\": \"HH-Q\"}],\n"
        "  \"persons\": [{\"id\": \"P-X\", \"kind\": \"child\", \"dob\": \"2016-01-01\", "
        "\"household\": \"HH-Q\", \"name\": \"Zed Quill\"},\n"
        "    {\"id\": \"P-M\", \"kind\": \"adult\", \"household\": \"HH-Q\", \"name\": \"Mo "
        "Quill\"},\n"
        "    {\"id\": \"P-H\", \"kind\": \"adult\", \"name\": \"Hal Hidden\"}],\n"
        "  \"concerns\": [{\"id\": \"C-R\", \"category\": \"domestic_abuse\", \"severity\": 3, "
        "\"recorded\": \"2026-10-01\", \"source\": \"AG-P\", \"restricted\": true, \"about\": "
        "[\"P-X\"], \"involves\": [\"P-H\"]}],\n"
        "  \"relations\": [{\"kind\": \"parent_of\", \"from\": \"P-M\", \"to\": \"P-X\"}]\n}\n";
    Families f(text);
    for (const Viewer& viewer : {Viewer{}, Viewer::everyone()}) {
      RenderOptions options;
      options.viewer = viewer;
      const std::string dot = render_family_dot(f.results, {f.row("P-X")}, options);
      CHECK(dot.find("Zed Quill") != std::string::npos);
      CHECK(dot.find("Mo Quill") != std::string::npos);
      CHECK(dot.find("Hidden") == std::string::npos);
      const std::string html = render_report(f.results, {f.row("P-X")}, options);
      const std::string composition = html.substr(0, html.find("id=\"child-P-X\""));
      CHECK(composition.find("Hidden") == std::string::npos);
      options.audience = Audience::family;
      CHECK(render_report(f.results, {f.row("P-X")}, options).find("Hidden") == std::string::npos);
    }
  }

  TEST_CASE("sg_render_family gives the C++ bytes") {
    Families f;
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_graph_load_file(graph, kExample.c_str()) == SG_OK);
    sg_rules* rules = nullptr;
    REQUIRE(sg_rules_load_file(&rules, SAFEGUARD_SOURCE_DIR "/rules/default.toml") == SG_OK);
    sg_assess_options assess_options = SG_ASSESS_OPTIONS_INIT;
    assess_options.as_of = "2026-11-01";
    sg_result* result = nullptr;
    REQUIRE(sg_assess(&result, graph, rules, &assess_options) == SG_OK);
    sg_render_options options = SG_RENDER_OPTIONS_INIT;
    options.household = "HH-BIRCH";
    char* out = nullptr;
    REQUIRE(sg_render_family(&out, nullptr, result, nullptr, 0, &options) == SG_OK);
    CHECK(std::string(out) == render_family_dot(f.results, household_rows(f.results, "HH-BIRCH")));
    sg_buffer_free(out);
    sg_result_free(result);
    sg_rules_free(rules);
    sg_graph_free(graph);
  }
}

TEST_SUITE("unit/entries: erasure") {
  TEST_CASE("erasing a child takes every entry naming them, within the batch too") {
    CaseGraph graph;
    load_case_file(graph, kExample);
    const std::string before = save_case(graph);
    // N-ASH-2 names both children: erasing one takes it, so removing it afterwards is refused
    // (not found), and nothing changes.
    Batch existing;
    existing.add(ErasePerson{"P-ASH-C1"}).add(Remove{"N-ASH-2"});
    CHECK_THROWS_WITH_AS(graph.apply(existing), doctest::Contains("N-ASH-2"), BatchError);
    CHECK(save_case(graph) == before);
    Batch added;
    EntrySpec entry{"N-NEW",
                    EntryKind::strength,
                    day("2026-10-01"),
                    {"P-ASH-C1", "P-ASH-C2"},
                    "SW-0417",
                    "Fictional words.",
                    kNoScalingValue,
                    "",
                    "",
                    false};
    added.add(entry).add(ErasePerson{"P-ASH-C2"}).add(Remove{"N-NEW"});
    try {
      graph.apply(added);
      FAIL("applied");
    } catch (const BatchError& e) {
      CHECK(e.status() == Status::not_found);
      CHECK(e.item() == 2);
    }
    CHECK(save_case(graph) == before);
    Batch erase;
    erase.add(ErasePerson{"P-ASH-C1"});
    graph.apply(erase);
    CHECK_FALSE(graph.find_entry("N-ASH-2"));
    CHECK_FALSE(graph.find_entry("N-ASH-1"));
    CHECK(graph.find_entry("N-ASH-5"));  // about Ben only
  }
}
