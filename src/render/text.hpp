// Small text helpers the renderers share: fixed-point numbers, HTML escaping, symbols as words.
#pragma once

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>

#include "util/markup.hpp"
#include "util/number_text.hpp"

namespace safeguard::render_detail {

inline std::string fixed(double value, int decimals) { return detail::fixed_text(value, decimals); }

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
