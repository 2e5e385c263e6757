// The bundled statutory process files (process/*.toml), compiled into the library by
// cmake/embed_process.cmake so that Process::bundled() needs no file at run time.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace safeguard::detail {

struct EmbeddedProcess {
  const char* origin;  // "process/england.toml", for messages
  const char* data;
  std::size_t size;

  std::string_view text() const { return {data, size}; }
};

// Every bundled file, in file-name order.
const std::vector<EmbeddedProcess>& embedded_processes();

}  // namespace safeguard::detail
