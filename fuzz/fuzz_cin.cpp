// Fuzzes the Children in Need census reader (safeguard::cin::read) and what follows a read:
// conversion to a graph, the measures and the writer. Invariants: no crash or sanitizer report;
// a refused return says why with a Status other than internal; a return that reads is written
// back to XML that reads to the same data; loading it into a graph either applies or leaves
// the graph as it was; a graph that loaded, written back as a return (with the return as
// details), reads and loads as the same graph (for a return with census-rule findings, from the
// first export on).
#include <string>

#include "fuzz_common.hpp"
#include "safeguard/cin.hpp"
#include "safeguard/io.hpp"

using namespace safeguard;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  cin::Return first;
  try {
    first = cin::read(text, "fuzz.xml");
  } catch (const Error& error) {
    fuzz::check(error.status() != Status::internal, "the reader failed internally", error.what());
    return 0;
  }
  const std::string written = cin::write(first);
  cin::Return second;
  try {
    second = cin::read(written, "written.xml");
  } catch (const Error& error) {
    fuzz::die("a written return does not read back", error.what());
  }
  fuzz::check(second.header == first.header, "the header changed in the round trip");
  fuzz::check(second.children == first.children, "a child changed in the round trip");
  fuzz::check(cin::write(second) == written, "writing twice gave different bytes");

  CaseGraph graph;
  const std::string empty = save_case(graph);
  bool loaded = false;
  try {
    cin::load(graph, first, "fuzz.xml");
    loaded = true;
  } catch (const Error& error) {
    fuzz::check(error.status() != Status::internal, "loading failed internally", error.what());
    fuzz::check(save_case(graph) == empty, "a failed load changed the graph");
  }
  if (loaded) {
    cin::ExportOptions options;
    options.details = &first;
    CaseGraph again;
    cin::Return exported;
    try {
      exported = cin::read(cin::write_return(graph, options), "exported.xml");
      cin::load(again, exported, "exported");
    } catch (const Error& error) {
      fuzz::die("an exported graph does not read and load back", error.what());
    }
    if (first.findings.empty()) {
      fuzz::check(save_case(again) == save_case(graph), "the graph changed in the export");
    } else {
      // A return that breaks the census rules (a plan or an episode missing its mandatory
      // date) is kept as written, but the export writes what the graph restates, which can
      // leave out what the graph cannot place (docs/cin-census.md): from then on the round
      // trip is exact. Exported again, the exported graph gives itself back.
      cin::ExportOptions twice;
      twice.details = &exported;
      CaseGraph third;
      try {
        cin::load(third, cin::read(cin::write_return(again, twice), "exported2.xml"), "again");
      } catch (const Error& error) {
        fuzz::die("a graph exported twice does not read and load back", error.what());
      }
      fuzz::check(save_case(third) == save_case(again), "the graph changed in a second export");
    }
  }
  if (first.header.reference_date != kNoDay) (void)cin::measures(first);
  return 0;
}
