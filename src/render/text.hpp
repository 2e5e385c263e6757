// Small text helpers the renderers share: fixed-point numbers, HTML escaping, symbols as words.
#pragma once

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>

#include "util/markup.hpp"

namespace safeguard::render_detail {

inline std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  std::string text = buffer;
  // "-0.00" reads as a negative score that is not there.
  if (text.find_first_not_of("-0.") == std::string::npos && text[0] == '-') text.erase(0, 1);
  return text;
}

// Text with &, <, >, " and ' replaced by entities (HTML, SVG and Graphviz HTML labels): the
// library's one escaper, src/util/markup.hpp.
inline std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  detail::append_escaped(out, text);
  return out;
}

// "school_attendance" -> "school attendance".
inline std::string words(std::string_view symbol) {
  std::string text(symbol);
  std::replace(text.begin(), text.end(), '_', ' ');
  return text;
}

}  // namespace safeguard::render_detail
