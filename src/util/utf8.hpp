// UTF-8 validation for every string that crosses into the library (C API arguments, case-file
// and rule-pack text). Private: only src/ uses it. Written by hand because it is twenty lines
// and the standard library has no validator; nlohmann and toml++ validate inside their own
// parsers only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
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
    // ASCII, what nearly all text is, eight bytes at a time: none has its high bit set.
    if (size - i >= 8) {
      std::uint64_t word;
      std::memcpy(&word, bytes + i, sizeof word);
      if ((word & 0x8080808080808080u) == 0) {
        i += 8;
        continue;
      }
    }
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

// The first code point of `text` (well-formed UTF-8) that is not printable, if any: a control
// character (C0, DEL, C1 such as U+0085 NEXT LINE), a format character (Unicode category Cf:
// soft hyphen, zero-width and bidirectional controls, the byte-order mark, tags), a line or
// paragraph separator, or a noncharacter. Ids must be printable: these render as nothing, or
// move text around, so two ids that look the same could differ and a log line could be forged.
// The Cf ranges are those of Unicode 15; a hand-written table, because ICU (the library that
// has it) would be a dependency of every consumer for twenty ranges.
inline std::optional<char32_t> first_unprintable(std::string_view text) noexcept {
  struct Range {
    char32_t first, last;
  };
  static constexpr Range kUnprintable[] = {
      {0x0000, 0x001F},   {0x007F, 0x009F},   {0x00AD, 0x00AD},   {0x0600, 0x0605},
      {0x061C, 0x061C},   {0x06DD, 0x06DD},   {0x070F, 0x070F},   {0x0890, 0x0891},
      {0x08E2, 0x08E2},   {0x180E, 0x180E},   {0x200B, 0x200F},   {0x2028, 0x202E},
      {0x2060, 0x2064},   {0x2066, 0x206F},   {0xFDD0, 0xFDEF},   {0xFEFF, 0xFEFF},
      {0xFFF9, 0xFFFB},   {0x110BD, 0x110BD}, {0x110CD, 0x110CD}, {0x13430, 0x1343F},
      {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F},
  };
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char lead = bytes[i];
    // Printable ASCII, what nearly every id is made of, is in no range below: skipping it
    // saves a walk of the table per byte (the ids of a national case file run to tens of
    // millions of bytes).
    if (lead >= 0x20 && lead < 0x7F) {
      ++i;
      continue;
    }
    const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    char32_t code = length == 1   ? lead
                    : length == 2 ? lead & 0x1Fu
                    : length == 3 ? lead & 0x0Fu
                                  : lead & 0x07u;
    for (std::size_t k = 1; k < length && i + k < text.size(); ++k)
      code = (code << 6) | (bytes[i + k] & 0x3Fu);
    i += length;
    if ((code & 0xFFFE) == 0xFFFE) return code;  // U+FFFE, U+FFFF and their kin in every plane
    for (const Range& range : kUnprintable) {
      if (code >= range.first && code <= range.last) return code;
    }
  }
  return std::nullopt;
}

// The first control character of free text (a summary, a note, a name, a rule's title or
// reason): C0 other than tab and line feed (a carriage return only as part of CR LF), DEL, or C1
// (U+0080 to U+009F, such as U+009B, which a terminal takes as the start of an escape sequence).
// Free text may run over lines, but a NUL cuts it short wherever it becomes a C string, and the
// others ring a terminal, move its cursor or rewrite its title when a practitioner's tool
// prints the text. Looser than first_unprintable, which is for ids and vocabulary: free text may
// hold the joiners and marks some scripts need. `text` is well-formed UTF-8. The byte offset of
// the character (of its first byte), or npos.
inline std::size_t first_control_at(std::string_view text) noexcept {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  constexpr std::uint64_t kOnes = 0x0101010101010101u;
  constexpr std::uint64_t kHighs = 0x8080808080808080u;
  auto has_zero = [](std::uint64_t x) { return (x - kOnes) & ~x & kHighs; };
  std::size_t i = 0;
  while (i < size) {
    // Eight bytes at a time while none is below 0x20, DEL or 0xC2 (the lead byte of C1).
    if (size - i >= 8) {
      std::uint64_t word;
      std::memcpy(&word, bytes + i, sizeof word);
      const std::uint64_t below_space = (word - kOnes * 0x20) & ~word & kHighs;
      if ((below_space | has_zero(word ^ (kOnes * 0x7F)) | has_zero(word ^ (kOnes * 0xC2))) == 0) {
        i += 8;
        continue;
      }
    }
    const unsigned char byte = bytes[i];
    const bool line_break = byte == '\n' || (byte == '\r' && i + 1 < size && bytes[i + 1] == '\n');
    if ((byte < 0x20 && byte != '\t' && !line_break) || byte == 0x7F) return i;
    if (byte == 0xC2 && i + 1 < size && bytes[i + 1] >= 0x80 && bytes[i + 1] <= 0x9F) return i;
    ++i;
  }
  return std::string_view::npos;
}

// The control character first_control_at finds, if any.
inline std::optional<char32_t> first_control(std::string_view text) noexcept {
  const std::size_t at = first_control_at(text);
  if (at == std::string_view::npos) return std::nullopt;
  const auto byte = static_cast<unsigned char>(text[at]);
  return byte == 0xC2 ? static_cast<char32_t>(static_cast<unsigned char>(text[at + 1]))
                      : static_cast<char32_t>(byte);
}

// "a control character (U+0085)": for messages, which name the code point, never the text.
inline std::string describe_unprintable(char32_t code) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "U+%04X", static_cast<unsigned>(code));
  const bool control = code < 0x20 || (code >= 0x7F && code <= 0x9F);
  return std::string(control ? "a control character" : "an unprintable character") + " (" + hex +
         ")";
}

}  // namespace safeguard::detail
