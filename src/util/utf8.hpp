// UTF-8 validation for every string that crosses into the library (C API arguments, case-file
// and rule-pack text). Private: only src/ uses it. Written by hand because it is twenty lines
// and the standard library has no validator; nlohmann and toml++ validate inside their own
// parsers only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace safeguard::detail {

// Byte offset of the first byte that does not begin a well-formed UTF-8 sequence (RFC 3629:
// no overlong forms, no surrogates, no code points above U+10FFFF), or npos when `text` is
// well-formed.
inline std::size_t first_invalid_utf8(std::string_view text) noexcept {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t i = 0;
  while (i < size) {
    const unsigned char lead = bytes[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    std::uint32_t min_code = 0;
    std::uint32_t code = 0;
    if ((lead & 0xE0) == 0xC0) {
      length = 2, min_code = 0x80, code = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, min_code = 0x800, code = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, min_code = 0x10000, code = lead & 0x07;
    } else {
      return i;
    }
    if (size - i < length) return i;
    for (std::size_t k = 1; k < length; ++k) {
      const unsigned char next = bytes[i + k];
      if ((next & 0xC0) != 0x80) return i;
      code = (code << 6) | (next & 0x3F);
    }
    if (code < min_code || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return i;
    i += length;
  }
  return std::string_view::npos;
}

// True when `text` is well-formed UTF-8.
inline bool is_valid_utf8(std::string_view text) noexcept {
  return first_invalid_utf8(text) == std::string_view::npos;
}

// True when `text` has an ASCII control character (ids must be printable).
inline bool has_control_character(std::string_view text) noexcept {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

}  // namespace safeguard::detail
