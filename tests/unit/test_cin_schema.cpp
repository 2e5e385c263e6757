// The census return as the DfE's published schema has it (tests/data/cin/xsd): the reader takes
// the published layout (FactorsIdentifiedAtAssessment, every spelling of yes/no, the 2020
// layout's factor codes), reports the schema's mandatory items when missing and our earlier
// AssessmentFactorsList as a legacy spelling; the writer writes the schema's order; a graph alone
// exports the schema's mandatory items. The same files validated with xmllint:
// tools/tests/test_cin_schema.py.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "safeguard/cin.hpp"
#include "safeguard/graph.hpp"

using namespace safeguard;

namespace {

const std::string kPublished = SAFEGUARD_TEST_DATA_DIR "/cin/published/";

Day day(const char* text) {
  Day out = kNoDay;
  std::string error;
  REQUIRE(parse_iso_date(text, out, error));
  return out;
}

std::vector<std::string> rules_of(const cin::Return& r) {
  std::vector<std::string> rules;
  for (const cin::Finding& f : r.findings) rules.push_back(f.rule + ": " + f.message);
  return rules;
}

bool has_rule(const cin::Return& r, const std::string& rule, const std::string& text = {}) {
  for (const cin::Finding& f : r.findings) {
    if (f.rule == rule && f.message.find(text) != std::string::npos) return true;
  }
  return false;
}

// A return with one child and one episode whose inside is `episode` (the published layout's
// mandatory items around it); `year` is the header's.
std::string one_episode(const std::string& episode, const std::string& year = "2024") {
  return "<?xml version=\"1.0\"?><Message><Header><CollectionDetails><Collection>CIN</Collection>"
         "<Year>" +
         year + "</Year><ReferenceDate>" + year +
         "-03-31</ReferenceDate></CollectionDetails></Header><Children><Child>"
         "<ChildIdentifiers><LAchildID>P-SCH-C1</LAchildID><PersonBirthDate>2015-01-01"
         "</PersonBirthDate><GenderCurrent>1</GenderCurrent></ChildIdentifiers>"
         "<ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics><CINdetails>"
         "<CINreferralDate>" +
         year + "-01-08</CINreferralDate><ReferralSource>6</ReferralSource>" + episode +
         "</CINdetails></Child></Children></Message>";
}

std::string assessment(const std::string& list) {
  return "<Assessments><AssessmentActualStartDate>2024-01-09</AssessmentActualStartDate>"
         "<AssessmentAuthorisationDate>2024-02-01</AssessmentAuthorisationDate><" +
         list + "><AssessmentFactors>3A</AssessmentFactors><AssessmentFactors>4B" +
         "</AssessmentFactors></" + list + "></Assessments><ReferralNFA>false</ReferralNFA>";
}

}  // namespace

TEST_SUITE("unit/cin_schema") {
  TEST_CASE("the published FactorsIdentifiedAtAssessment is read, and makes concerns") {
    const cin::Return r =
        cin::read(one_episode(assessment("FactorsIdentifiedAtAssessment")), "published.xml");
    CHECK(rules_of(r).empty());
    REQUIRE(r.children.size() == 1);
    const cin::Assessment& a = r.children[0].episodes.at(0).assessments.at(0);
    CHECK(a.factors == std::vector<std::string>{"3A", "4B"});
    CHECK(a.later.empty());
    CaseGraph graph;
    cin::load(graph, r, "published.xml");
    CHECK(graph.count(VertexKind::concern) == 2);
  }

  TEST_CASE("AssessmentFactorsList, our earlier exports' spelling, is read with a finding") {
    const cin::Return r = cin::read(one_episode(assessment("AssessmentFactorsList")), "legacy.xml");
    CHECK(has_rule(r, "legacy_element", "AssessmentFactorsList"));
    CHECK(r.findings.size() == 1);
    const cin::Assessment& a = r.children.at(0).episodes.at(0).assessments.at(0);
    CHECK(a.factors == std::vector<std::string>{"3A", "4B"});
    // Written back in the published spelling only.
    const std::string written = cin::write(r);
    CHECK(written.find("AssessmentFactorsList") == std::string::npos);
    CHECK(written.find("<FactorsIdentifiedAtAssessment>") != std::string::npos);
    cin::ReadOptions strict;
    strict.strict = true;
    CHECK_THROWS_AS(cin::read(one_episode(assessment("AssessmentFactorsList")), "l.xml", strict),
                    Error);
    CHECK(rules_of(cin::read(written, "again.xml")).empty());
  }

  TEST_CASE("a later layout's element inside either factors list is kept in the published one") {
    const std::string list =
        "<Assessments><AssessmentActualStartDate>2024-01-09</AssessmentActualStartDate>"
        "<AssessmentFactorsList><AssessmentFactors>3A</AssessmentFactors><FactorNote>x"
        "</FactorNote></AssessmentFactorsList></Assessments><ReferralNFA>0</ReferralNFA>";
    const cin::Return r = cin::read(one_episode(list), "later.xml");
    const cin::Assessment& a = r.children.at(0).episodes.at(0).assessments.at(0);
    REQUIRE(a.later.size() == 1);
    CHECK(a.later[0].in == "FactorsIdentifiedAtAssessment");
    const std::string written = cin::write(r);
    CHECK(written.find("<AssessmentFactors>3A</AssessmentFactors>\n            <FactorNote>x"
                       "</FactorNote>") != std::string::npos);
  }

  TEST_CASE("every spelling of yes/no in the published schema is read") {
    for (const char* yes : {"true", "TRUE", "1"}) {
      const cin::Return r =
          cin::read(one_episode(std::string("<ReferralNFA>") + yes + "</ReferralNFA>"), "y.xml");
      CHECK(r.children.at(0).episodes.at(0).referral_nfa == std::optional<bool>(true));
    }
    for (const char* no : {"false", "FALSE", "0"}) {
      const cin::Return r =
          cin::read(one_episode(std::string("<ReferralNFA>") + no + "</ReferralNFA>"), "n.xml");
      CHECK(r.children.at(0).episodes.at(0).referral_nfa == std::optional<bool>(false));
    }
    CHECK_THROWS_AS(cin::read(one_episode("<ReferralNFA>True</ReferralNFA>"), "t.xml"), Error);
  }

  TEST_CASE("the writer follows the schema's sequence: ReferralNFA after the enquiries") {
    const std::string episode =
        "<ReferralNFA>false</ReferralNFA><Section47><S47ActualStartDate>2024-01-10"
        "</S47ActualStartDate><ICPCnotRequired>true</ICPCnotRequired></Section47>"
        "<Assessments><AssessmentActualStartDate>2024-01-09</AssessmentActualStartDate>"
        "</Assessments><CINPlanDates><CINPlanStartDate>2024-02-01</CINPlanStartDate>"
        "</CINPlanDates>";
    const std::string written = cin::write(cin::read(one_episode(episode), "order.xml"));
    const auto at = [&](const char* name) { return written.find(name); };
    CHECK(at("<PrimaryNeedCode>") == std::string::npos);
    CHECK(at("<Assessments>") < at("<CINPlanDates>"));
    CHECK(at("<CINPlanDates>") < at("<Section47>"));
    CHECK(at("</Section47>") < at("<ReferralNFA>"));
  }

  TEST_CASE("the schema's mandatory items are reported when missing") {
    const std::string bare =
        "<Message><Header><CollectionDetails><ReferenceDate>2024-03-31</ReferenceDate>"
        "</CollectionDetails></Header><Children><Child><ChildIdentifiers><LAchildID>P-SCH-C2"
        "</LAchildID><PersonBirthDate>2015-01-01</PersonBirthDate></ChildIdentifiers>"
        "<CINdetails><CINreferralDate>2024-01-08</CINreferralDate><Section47>"
        "<S47ActualStartDate>2024-01-10</S47ActualStartDate></Section47><ChildProtectionPlans>"
        "<CPPstartDate>2024-02-01</CPPstartDate><InitialCategoryOfAbuse>NEG"
        "</InitialCategoryOfAbuse></ChildProtectionPlans></CINdetails></Child></Children>"
        "</Message>";
    const cin::Return r = cin::read(bare, "bare.xml");
    for (const char* item : {"GenderCurrent", "Ethnicity", "ReferralSource", "ReferralNFA",
                             "ICPCnotRequired", "LatestCategoryOfAbuse", "NumberOfPreviousCPP"}) {
      INFO(item);
      CHECK(has_rule(r, "mandatory", item));
    }
    CHECK(r.children.size() == 1);  // kept as read
  }

  TEST_CASE("UPNunknown is UN1 to UN7, as the schema enumerates") {
    const auto with = [](const char* code) {
      std::string text = one_episode("<ReferralNFA>0</ReferralNFA>");
      const std::string birth = "<PersonBirthDate>";
      text.insert(text.find(birth), std::string("<UPNunknown>") + code + "</UPNunknown>");
      return cin::read(text, "upn.xml");
    };
    CHECK(rules_of(with("UN7")).empty());
    CHECK(has_rule(with("UN8"), "unknown_code", "UPNunknown"));
  }

  TEST_CASE("values outside the schema's patterns are findings: UPN, LEA, SerialNo, DateTime") {
    std::string text = one_episode("<ReferralNFA>0</ReferralNFA>");
    const auto insert_before = [&](const std::string& before, const std::string& what) {
      text.insert(text.find(before), what);
    };
    insert_before("<PersonBirthDate>",
                  "<UPN>A99900000001</UPN><FormerUPN>B99900000001C</FormerUPN>");
    insert_before("</Header>",
                  "<Source><SourceLevel>L</SourceLevel><LEA>99</LEA><SerialNo>7</SerialNo>"
                  "<DateTime>2024-05-02 09:15</DateTime></Source>");
    const cin::Return r = cin::read(text, "patterns.xml");
    CHECK(has_rule(r, "schema_pattern", "LEA \"99\""));
    CHECK(has_rule(r, "schema_pattern", "SerialNo"));
    CHECK(has_rule(r, "schema_pattern", "DateTime"));
    CHECK(has_rule(r, "schema_pattern", "UPN is not"));
    CHECK_FALSE(has_rule(r, "schema_pattern", "FormerUPN"));  // a letter last is allowed
    for (const cin::Finding& f : r.findings) {
      CHECK(f.message.find("A99900000001") == std::string::npos);  // a UPN is never quoted
    }
    // The hand-made returns' values pass.
    CHECK(rules_of(cin::read_file(kPublished + "cin-2024-system.xml")).empty());
  }

  TEST_CASE("Sex, in no published schema, is read with a finding and written back as read") {
    std::string text = one_episode("<ReferralNFA>0</ReferralNFA>");
    const std::string gender = "<GenderCurrent>1</GenderCurrent>";
    text.replace(text.find(gender), gender.size(), "<Sex>M</Sex>");
    const cin::Return r = cin::read(text, "sex.xml");
    CHECK(has_rule(r, "not_in_schema", "Sex"));
    CHECK(r.findings.size() == 1);
    CHECK(r.children.at(0).sex_element == cin::SexElement::sex);
    CHECK(cin::write(r).find("<Sex>M</Sex>") != std::string::npos);
  }

  TEST_CASE("18A and 19A are factors in a return of 2020 or before, unknown after") {
    const std::string factors =
        "<Assessments><AssessmentActualStartDate>2020-01-09</AssessmentActualStartDate>"
        "<AssessmentAuthorisationDate>2020-02-01</AssessmentAuthorisationDate>"
        "<FactorsIdentifiedAtAssessment><AssessmentFactors>18A</AssessmentFactors>"
        "<AssessmentFactors>19A</AssessmentFactors></FactorsIdentifiedAtAssessment>"
        "</Assessments><ReferralNFA>0</ReferralNFA>";
    const cin::Return in_2020 = cin::read(one_episode(factors, "2020"), "2020.xml");
    CHECK(rules_of(in_2020).empty());
    CHECK(cin::factor_category("18A").category == "physical_injury");
    CHECK(cin::factor_category("19A").category == "sexual_abuse");
    CaseGraph graph;
    cin::load(graph, in_2020, "2020.xml");
    CHECK(graph.count(VertexKind::concern) == 2);
    const cin::Return in_2021 = cin::read(one_episode(factors, "2021"), "2021.xml");
    CHECK(has_rule(in_2021, "unknown_code", "18A"));
    CHECK(has_rule(in_2021, "unknown_code", "19A"));
  }

  TEST_CASE("the hand-made returns in the published layout read without findings") {
    for (const char* name :
         {"cin-2024-system.xml", "cin-2020-layout.xml", "cin-2024-minimal.xml"}) {
      INFO(name);
      const cin::Return r = cin::read_file(kPublished + name);
      CHECK(rules_of(r).empty());
      // Export and import again: the same children (a normalised form: one pass is a fixed
      // point).
      const std::string written = cin::write(r);
      const cin::Return back = cin::read(written, "back.xml");
      CHECK(rules_of(back).empty());
      CHECK(cin::write(back) == written);
    }
    const cin::Return system = cin::read_file(kPublished + "cin-2024-system.xml");
    REQUIRE(system.children.size() == 2);
    const cin::Child& a1 = system.children[0];
    CHECK(a1.sex_element == cin::SexElement::gender_current);
    CHECK(a1.episodes.at(0).section47s.at(1).conference_not_required == std::optional<bool>(true));
    CHECK(a1.episodes.at(0).section47s.at(0).conference_not_required == std::optional<bool>(false));
    CHECK(a1.episodes.at(0).referral_nfa == std::optional<bool>(false));                 // FALSE
    CHECK(system.children[1].episodes.at(1).referral_nfa == std::optional<bool>(true));  // 1
    // ISO-8859-1: the software's name arrives as UTF-8.
    const cin::Return old = cin::read_file(kPublished + "cin-2020-layout.xml");
    CHECK(old.header.software_code == "Syst\xc3\xa8me fictif");
    CHECK(old.children.at(0).episodes.at(0).assessments.at(0).factors ==
          std::vector<std::string>{"18A", "4B"});
  }

  TEST_CASE("a graph alone exports the schema's mandatory items, as the census's not-known codes") {
    CaseGraph graph;
    Batch batch;
    PersonSpec person;
    person.id = "P-SCH-C3";
    person.kind = PersonKind::child;
    person.dob = day("2016-03-02");
    batch.add(person);
    const auto add = [&](const char* id, EventKind kind, const char* date) {
      EventSpec e;
      e.id = id;
      e.kind = kind;
      e.date = day(date);
      e.about = {"P-SCH-C3"};
      return e;
    };
    batch.add(add("EV-SCH-1", EventKind::referral, "2024-01-08"));
    batch.add(add("EV-SCH-2", EventKind::section47_start, "2024-01-10"));
    EventSpec first = add("EV-SCH-3", EventKind::plan_start, "2024-01-24");
    first.category = "neglect";
    batch.add(first);
    batch.add(add("EV-SCH-4", EventKind::plan_end, "2024-02-20"));
    EventSpec second = add("EV-SCH-5", EventKind::plan_start, "2024-03-01");
    second.category = "emotional_abuse";
    batch.add(second);
    graph.apply(batch);
    cin::ExportOptions options;
    options.to = day("2024-03-31");  // the ReferenceDate (ours to require, not the schema's)
    const cin::Return r = cin::to_return(graph, options);
    REQUIRE(r.children.size() == 1);
    const cin::Child& c = r.children[0];
    CHECK(c.sex_element == cin::SexElement::gender_current);
    CHECK(c.sex == "0");           // not recorded
    CHECK(c.ethnicity == "NOBT");  // information not yet obtained
    const cin::Episode& e = c.episodes.at(0);
    CHECK(e.referral_source == "10");  // unknown
    CHECK(e.referral_nfa == std::optional<bool>(false));
    CHECK(e.section47s.at(0).conference_not_required == std::optional<bool>(false));
    REQUIRE(e.protection_plans.size() == 2);
    CHECK(e.protection_plans[0].latest_category == "NEG");
    CHECK(e.protection_plans[0].previous_plans == std::optional<int>(0));
    CHECK(e.protection_plans[1].latest_category == "EMO");
    CHECK(e.protection_plans[1].previous_plans == std::optional<int>(1));
    // No authority in the graph: no Source (the schema's Source must hold the LEA).
    const std::string written = cin::write(r);
    CHECK(written.find("<Source>") == std::string::npos);
    const cin::Return back = cin::read(written, "graph.xml");
    for (const cin::Finding& f : back.findings) {
      INFO(f.message);
      CHECK(f.rule != "mandatory");
    }
  }
}
