// The doctest main of every test program: include it in exactly one file of each.
//
// CTest runs each test case on its own, by name (doctest_discover_tests passes
// --test-case=NAME). A name CMake cannot pass intact (a ';' splits it into a list) reaches doctest
// cut short, matches nothing, and doctest counts a run that matched nothing as a success: the
// test would pass without ever running. So a run asked for test cases by name that matched none
// fails here, naming the filter.
#pragma once

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>

namespace {

unsigned g_matched = 0;  // test cases that passed the filters in the last run

// Listens for the end of the run, to learn how many test cases the filters let through.
struct MatchCounter : doctest::IReporter {
  explicit MatchCounter(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& stats) override {
    g_matched = stats.numTestCasesPassingFilters;
  }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

REGISTER_LISTENER("match-counter", 1, MatchCounter);

// The --test-case filter given, or nullptr.
const char* test_case_filter(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    for (const char* prefix : {"--test-case=", "-tc=", "--dt-test-case=", "--dt-tc="}) {
      if (std::strncmp(argv[i], prefix, std::strlen(prefix)) == 0)
        return argv[i] + std::strlen(prefix);
    }
  }
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int result = context.run();
  if (context.shouldExit()) return result;  // a query (--list-test-cases...), not a run
  const char* filter = test_case_filter(argc, argv);
  if (filter != nullptr && g_matched == 0) {
    std::fprintf(stderr,
                 "no test case matches --test-case=%s (a test name must not hold ';', which "
                 "CMake splits on)\n",
                 filter);
    return 1;
  }
  return result;
}
