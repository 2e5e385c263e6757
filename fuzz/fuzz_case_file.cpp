// Fuzzes case-file loading (sg_graph_load_buffer) into a graph that already holds a small case.
// Invariants: no crash or sanitizer report; a failed load leaves the graph byte-for-byte as it
// was and explains itself; a successful load saves to a file that loads back to the same bytes.
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sg_graph* graph = nullptr;
  fuzz::check(sg_graph_new(&graph) == SG_OK, "sg_graph_new");
  const std::string base = fuzz::base_case();
  fuzz::check(sg_graph_load_buffer(graph, base.data(), base.size(), "base") == SG_OK,
              "the base case does not load", sg_error_last());
  const std::string before = fuzz::saved(graph);

  const int status =
      sg_graph_load_buffer(graph, reinterpret_cast<const char*>(data), size, "fuzz.json");
  const std::string after = fuzz::saved(graph);
  if (status != SG_OK) {
    fuzz::check_error_message(status);
    fuzz::check(after == before, "a failed load changed the graph", sg_error_last());
  } else {
    fuzz::check_round_trip(after);
  }
  sg_graph_free(graph);
  return 0;
}
