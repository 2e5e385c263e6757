// Text positions: between a byte offset in a source text and the 1-based line and column every
// error reports (columns count code points, not bytes, as editors and toml++ do).
#pragma once

#include <cstddef>
#include <string_view>

namespace safeguard {

struct TextPosition {
  int line = 1;
  int column = 1;
};

// Line and column of byte `offset` in `text` (an offset past the end counts to the end).
TextPosition text_position(std::string_view text, std::size_t offset);

// Byte offset of line `line`, column `column` in `text` (clamped to its size).
std::size_t text_offset(std::string_view text, int line, int column);

}  // namespace safeguard
