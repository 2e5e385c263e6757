// CSV output (RFC 4180) for --format csv.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace safeguard::cli {

// RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled.
std::string csv_field(std::string_view text);
// csv_field(text) appended to `out`, without a string of its own.
void append_csv_field(std::string& out, std::string_view text);
std::string csv_row(const std::vector<std::string>& fields);

}  // namespace safeguard::cli
