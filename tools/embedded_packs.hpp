// The rule packs bundled in rules/, compiled into the program (see embed_packs.cmake), so that
// `safeguard assess case.json` needs no file beside the binary.
#pragma once

#include <cstddef>
#include <string_view>

namespace safeguard::cli {

struct EmbeddedPack {
  const char* name;    // the file's stem: "default" for rules/default.toml
  const char* origin;  // "rules/default.toml": where it came from, for messages
  const char* data;
  std::size_t size;

  std::string_view text() const { return {data, size}; }
};

extern const EmbeddedPack kEmbeddedPacks[];
extern const std::size_t kEmbeddedPackCount;

}  // namespace safeguard::cli
