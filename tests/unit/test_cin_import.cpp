// Census returns: what an import makes, pinned. The graph each bundled return and a generated
// one import as (its case file) and the return the graph alone exports, byte for byte against
// files written by the import before it was made faster (tests/data/cin/expected), so a change to
// the reader or the conversion that changes a result, by a byte, fails here.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "safeguard/cin.hpp"
#include "safeguard/io.hpp"

using namespace safeguard;

#ifndef SAFEGUARD_TEST_DATA_DIR
#define SAFEGUARD_TEST_DATA_DIR "tests/data"
#endif

namespace {

const std::string kDir = SAFEGUARD_TEST_DATA_DIR "/cin/";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_SUITE("unit/cin") {
  TEST_CASE("a return imports as the pinned case file and exports as the pinned return") {
    // generated-60.xml is safeguard_cin_bench's return of 60 children (seed 22): its export from
    // the graph alone is the return itself.
    for (const char* stem : {"full", "findings", "generated-60"}) {
      CAPTURE(stem);
      const std::string path = kDir + stem + ".xml";
      const cin::Return r = cin::read_file(path);
      CaseGraph graph;
      cin::load(graph, r, std::string(stem) + ".xml");
      CHECK(save_case(graph) == slurp(kDir + "expected/" + stem + ".case.json"));
      const std::string exported = std::string(stem) == "generated-60"
                                       ? slurp(path)
                                       : slurp(kDir + "expected/" + stem + ".export.xml");
      CHECK(cin::write_return(graph) == exported);
      // The same bytes read from a buffer, in one piece.
      CaseGraph from_buffer;
      cin::load(from_buffer, cin::read(slurp(path), path), std::string(stem) + ".xml");
      CHECK(save_case(from_buffer) == save_case(graph));
    }
  }
}
