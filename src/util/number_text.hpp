// Numbers as text. round_trip: the shortest decimal text that reads back as the same double ("%.*g"
// with the fewest digits that round-trip), for canonical change lists, CSV cells and messages.
// Hand-written: std::to_chars for doubles is not in the libstdc++ of every compiler the project
// builds with.
#pragma once

#include <cfloat>
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

// `value` with `decimals` digits after the point (0 to 17), as printf's "%.*f" writes it, for the
// texts people read (explanations, reports, the training pack), whatever the number's size: rule
// points may be as large as 1e100 (docs/rules.md), over a hundred characters in "%.2f", which a
// small buffer would cut short without a word. "-0.00" and the like lose their sign, which reads
// as a negative score that is not there. Infinities and NaN come out as printf writes them.
inline std::string fixed_text(double value, int decimals) {
  if (decimals < 0) decimals = 0;
  if (decimals > 17) decimals = 17;
  // The largest double has DBL_MAX_10_EXP + 1 digits before the point; with a sign, the point,
  // the decimals and the NUL this always fits.
  char buffer[DBL_MAX_10_EXP + 1 + 1 + 1 + 17 + 1 + 8];
  const int written = std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  std::string text =
      written < 0 ? std::string() : std::string(buffer, static_cast<std::size_t>(written));
  if (!text.empty() && text[0] == '-' && text.find_first_not_of("-0.") == std::string::npos)
    text.erase(0, 1);
  return text;
}

}  // namespace safeguard::detail
