// The shortest decimal text that reads back as the same double ("%.*g" with the fewest digits
// that round-trip), for canonical change lists, CSV cells and messages. Hand-written: std::to_chars
// for doubles is not in the libstdc++ of every compiler the project builds with.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace safeguard::detail {

inline std::string round_trip(double value) {
  char text[40];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  return text;
}

}  // namespace safeguard::detail
