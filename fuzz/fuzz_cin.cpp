// Fuzzes the Children in Need census reader (safeguard::cin::read) and what follows a read:
// conversion to a graph, the measures and the writer. Invariants: no crash or sanitizer report;
// a refused return says why with a Status other than internal; a return that reads is written
// back to XML that reads to the same data; loading it into a graph either applies or leaves
// the graph as it was; a graph that loaded, written back as a return (with the return as
// details), reads and loads as the same graph.
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
    try {
      cin::load(again, cin::read(cin::write_return(graph, options), "exported.xml"), "exported");
    } catch (const Error& error) {
      fuzz::die("an exported graph does not read and load back", error.what());
    }
    fuzz::check(save_case(again) == save_case(graph), "the graph changed in the export");
  }
  if (first.header.reference_date != kNoDay) (void)cin::measures(first);
  return 0;
}
