// Statutory timeline scenarios worked by hand from the guidance, as data: each case file in
// tests/data/timeline/ has a .expected beside it giving the as-of date and, for its one child,
// every step in the timeline's order with its status, due date, completion and N (working or
// calendar days), and comments with the working and the guidance it follows. An outside
// checker adds a scenario by adding the two files; `safeguard timeline CASE --as-of DATE
// --format csv` shows the same steps.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "safeguard/io.hpp"
#include "safeguard/timeline.hpp"

using namespace safeguard;

namespace {

struct Expected {
  Day as_of = kNoDay;
  std::vector<std::string> steps;  // "step status due done N unit"
};

std::string date_text(Day day) { return day == kNoDay ? "-" : format_iso_date(day); }

Expected read_expected(const std::filesystem::path& path) {
  std::ifstream in(path);
  REQUIRE(in);
  Expected out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("as_of ", 0) == 0) {
      std::string error;
      REQUIRE(parse_iso_date(line.substr(6), out.as_of, error));
      continue;
    }
    out.steps.push_back(line);
  }
  REQUIRE(out.as_of != kNoDay);
  return out;
}

std::string lines(const std::vector<std::string>& steps) {
  std::string out;
  for (const std::string& step : steps) out += step + "\n";
  return out;
}

// The timeline as the .expected files write it; N in the unit the expected line names.
std::vector<std::string> actual_steps(const Results& results, const Expected& expected) {
  std::vector<std::string> out;
  std::size_t n = 0;
  for (const Step* s = results.steps_begin(0); s != results.steps_end(0); ++s, ++n) {
    const bool calendar = n < expected.steps.size() && expected.steps[n].size() > 3 &&
                          expected.steps[n].compare(expected.steps[n].size() - 3, 3, " cd") == 0;
    std::ostringstream line;
    line << step_definition(results.process(), *s).id << ' ' << to_string(s->status) << ' '
         << date_text(s->due) << ' ' << date_text(s->completed) << ' '
         << (calendar ? s->calendar_days : s->working_days) << (calendar ? " cd" : " wd");
    out.push_back(line.str());
  }
  return out;
}

}  // namespace

TEST_SUITE("unit/timeline_scenarios") {
  TEST_CASE("every scenario worked by hand from the guidance") {
    const std::filesystem::path dir = SAFEGUARD_TEST_DATA_DIR "/timeline";
    std::vector<std::filesystem::path> cases;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() == ".json") cases.push_back(entry.path());
    }
    std::sort(cases.begin(), cases.end());
    REQUIRE(cases.size() >= 12);
    const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    for (const std::filesystem::path& file : cases) {
      CAPTURE(file.filename().string());
      std::filesystem::path expected_file = file;
      expected_file.replace_extension(".expected");
      const Expected expected = read_expected(expected_file);
      CaseGraph graph;
      load_case_file(graph, file.string());
      AssessOptions options;
      options.as_of = expected.as_of;
      const Results results = assess(rules, take_snapshot(graph), options);
      REQUIRE(results.child_count() == 1);
      CHECK(lines(actual_steps(results, expected)) == lines(expected.steps));
    }
  }
}
