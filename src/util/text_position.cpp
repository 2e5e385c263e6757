// Positions are computed only when an error is reported, so these walk the text from the start
// rather than keeping a line index the happy path would pay for.
#include "util/text_position.hpp"

namespace safeguard {
namespace {

bool is_continuation(char byte) { return (static_cast<unsigned char>(byte) & 0xC0) == 0x80; }

}  // namespace

TextPosition text_position(std::string_view text, std::size_t offset) {
  TextPosition at;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++at.line;
      at.column = 1;
    } else if (!is_continuation(text[i])) {
      ++at.column;
    }
  }
  return at;
}

std::size_t text_offset(std::string_view text, int line, int column) {
  std::size_t pos = 0;
  for (int l = 1; l < line && pos < text.size(); ++pos) {
    if (text[pos] == '\n') ++l;
  }
  for (int c = 1; c < column && pos < text.size(); ++c) {
    ++pos;
    while (pos < text.size() && is_continuation(text[pos])) ++pos;
  }
  return pos;
}

}  // namespace safeguard
