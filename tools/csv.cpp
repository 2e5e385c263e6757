// CSV fields and rows (RFC 4180); see csv.hpp.
#include "csv.hpp"

namespace safeguard::cli {

std::string csv_field(std::string_view text) {
  std::string field;
  append_csv_field(field, text);
  return field;
}

void append_csv_field(std::string& out, std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(text);
    return;
  }
  out += '"';
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string csv_row(const std::vector<std::string>& fields) {
  std::string row;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i != 0) row += ',';
    append_csv_field(row, fields[i]);
  }
  return row + "\n";
}

}  // namespace safeguard::cli
