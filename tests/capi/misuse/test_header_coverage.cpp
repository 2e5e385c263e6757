// The misuse test is generated from include/safeguard.h at build time; this checks that the
// generator saw every SG_API declaration the header has, counting them a second, simpler way.
#include <doctest/doctest.h>

#include <regex>
#include <sstream>

#include "misuse_support.hpp"

TEST_SUITE("capi/header_coverage") {
  TEST_CASE("every function the header exports has a generated misuse test") {
    const std::string header = misuse::read_text(SAFEGUARD_SOURCE_DIR "/include/safeguard.h");
    REQUIRE(!header.empty());
    std::istringstream lines(header);
    std::string line;
    int declared = 0;
    const std::regex declaration(R"(^\s*SG_API\s)");
    while (std::getline(lines, line)) declared += std::regex_search(line, declaration) ? 1 : 0;
    CHECK(declared == misuse::kGeneratedFunctionCount);
    CHECK(declared >= 79);
  }
}
