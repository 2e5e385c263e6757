// The one exception type of the C++ API. It carries a status code (the same numbers as the C
// API's SG_E_* codes) and the place the problem was found: file, line, column, entity id.
#pragma once

#include "safeguard/detail/export.hpp"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

namespace safeguard {

// Values are part of the stable C API (safeguard.h mirrors them); never renumber or reuse one.
enum class Status : int {
  ok = 0,
  invalid_argument = -1,
  parse = -2,
  invalid_data = -3,
  not_found = -4,
  duplicate = -5,
  type = -6,
  io = -7,
  limit = -8,
  no_memory = -9,
  out_of_range = -10,
  version = -11,
  divergent = -12,
  internal = -13,
  encoding = -14,
  misuse = -15,
  cancelled = -16,
};

struct Location {
  Location() = default;
  Location(std::string file_name, int line_number = 0, int column_number = 0,
           std::string entity_id = {})
      : file(std::move(file_name)),
        line(line_number),
        column(column_number),
        entity(std::move(entity_id)) {}

  std::string file;    // file name or the name given to an in-memory buffer; may be empty
  int line = 0;        // 1-based; 0 when unknown
  int column = 0;      // 1-based; 0 when unknown
  std::string entity;  // external id of the entity concerned; may be empty
};

namespace detail {

// `text` as a message may carry it: each control character but line feed and tab (C0, DEL, and
// C1 as U+0080..U+009F), and each byte that does not begin or continue well-formed UTF-8,
// written as \xNN, so that no message holds a NUL that cuts it short in C, an escape sequence a
// terminal would act on, or bytes a reader cannot decode. Everything else is kept as it is.
// (Written here, not taken from src/util/utf8.hpp, because this header is public.)
inline std::string printable_message(const std::string& text) {
  auto plain = [](unsigned char b) { return (b >= 0x20 && b < 0x7F) || b == '\n' || b == '\t'; };
  std::size_t i = 0;
  while (i < text.size() && plain(static_cast<unsigned char>(text[i]))) ++i;
  if (i == text.size()) return text;
  static const char* kHex = "0123456789ABCDEF";
  std::string out = text.substr(0, i);
  auto escape = [&](unsigned char b) {
    out += "\\x";
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  };
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (plain(lead)) {
      out += static_cast<char>(lead);
      ++i;
      continue;
    }
    // A well-formed multi-byte sequence (RFC 3629: no overlong forms, no surrogates, nothing
    // above U+10FFFF) is kept whole, unless it is a C1 control.
    std::size_t length = 0;
    std::uint32_t code = 0, least = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2, code = lead & 0x1Fu, least = 0x80;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3, code = lead & 0x0Fu, least = 0x800;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4, code = lead & 0x07u, least = 0x10000;
    }
    bool whole = length != 0 && text.size() - i >= length;
    for (std::size_t k = 1; whole && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      whole = (next & 0xC0) == 0x80;
      code = (code << 6) | (next & 0x3Fu);
    }
    whole = whole && code >= least && code <= 0x10FFFF && !(code >= 0xD800 && code <= 0xDFFF) &&
            !(code >= 0x80 && code <= 0x9F);
    if (whole) {
      out.append(text, i, length);
      i += length;
    } else if (length == 2 && text.size() - i >= 2 && code >= 0x80 && code <= 0x9F &&
               (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80) {
      escape(lead);  // a C1 control: both its bytes written out
      escape(static_cast<unsigned char>(text[i + 1]));
      i += 2;
    } else {
      escape(lead);
      ++i;
    }
  }
  return out;
}

// The entity id as a message names it: printable (above), and at most about 200 bytes of it
// (cut where a character starts), so that a hostile id cannot make every message huge.
inline std::string entity_in_message(const std::string& id) {
  constexpr std::size_t kMost = 200;
  if (id.size() <= kMost) return printable_message(id);
  std::size_t cut = kMost;
  while (cut > 0 && (static_cast<unsigned char>(id[cut]) & 0xC0) == 0x80) --cut;
  return printable_message(id.substr(0, cut)) + "...";
}

}  // namespace detail

class SAFEGUARD_EXPORT Error : public std::runtime_error {
 public:
  Error(Status status, const std::string& message, Location where = {})
      : std::runtime_error(format(message, where)),
        status_(status),
        reason_(detail::printable_message(message)),
        where_(std::move(where)) {}

  Status status() const noexcept { return status_; }
  // The message without the location prefix.
  const std::string& reason() const noexcept { return reason_; }
  const Location& where() const noexcept { return where_; }

 private:
  // "file:line:column: entity 'id': message", leaving out the parts that are unknown.
  static std::string format(const std::string& message, const Location& where) {
    std::string text;
    if (!where.file.empty()) {
      text += where.file;
      if (where.line > 0) {
        text += ':' + std::to_string(where.line);
        if (where.column > 0) text += ':' + std::to_string(where.column);
      }
      text += ": ";
    } else if (where.line > 0) {
      text += "line " + std::to_string(where.line);
      if (where.column > 0) text += ", column " + std::to_string(where.column);
      text += ": ";
    }
    if (!where.entity.empty()) text += "entity '" + detail::entity_in_message(where.entity) + "': ";
    return detail::printable_message(text) + detail::printable_message(message);
  }

  Status status_;
  std::string reason_;
  Location where_;
};

}  // namespace safeguard
