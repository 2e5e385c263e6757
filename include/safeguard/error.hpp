// The one exception type of the C++ API. It carries a status code (the same numbers as the C
// API's SG_E_* codes) and the place the problem was found: file, line, column, entity id.
#pragma once

#include "safeguard/detail/export.hpp"

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

class SAFEGUARD_EXPORT Error : public std::runtime_error {
 public:
  Error(Status status, const std::string& message, Location where = {})
      : std::runtime_error(format(message, where)),
        status_(status),
        reason_(message),
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
    if (!where.entity.empty()) text += "entity '" + where.entity + "': ";
    return text + message;
  }

  Status status_;
  std::string reason_;
  Location where_;
};

}  // namespace safeguard
