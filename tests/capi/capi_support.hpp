// Helpers the C API tests share.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "safeguard.h"

namespace capi_test {

// The graph as the library saves it: what two graphs are compared by.
inline std::string saved(const sg_graph* graph) {
  char* buffer = nullptr;
  size_t size = 0;
  REQUIRE(sg_graph_save_buffer(&buffer, &size, graph) == SG_OK);
  std::string out(buffer, size);
  sg_buffer_free(buffer);
  return out;
}

}  // namespace capi_test
