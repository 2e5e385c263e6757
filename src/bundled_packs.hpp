// The rule packs of rules/, compiled into the library by cmake/embed_packs.cmake, so that a
// pack is loaded by name with no rules/ directory beside the program.
#pragma once

#include <cstddef>
#include <string_view>

namespace safeguard::detail {

struct EmbeddedPack {
  const char* name;    // the file's stem: "default" for rules/default.toml
  const char* origin;  // "rules/default.toml": where it came from, for messages
  const char* data;
  std::size_t size;

  std::string_view text() const { return {data, size}; }
};

extern const EmbeddedPack kEmbeddedPacks[];
extern const std::size_t kEmbeddedPackCount;

}  // namespace safeguard::detail
