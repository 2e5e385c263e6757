// Escaping text for HTML and XML, shared by the library's writers (training packs, census
// returns). The CLI keeps its own html_escape (tools/output.cpp): it links the public library
// only and does not see src/util.
#pragma once

#include <string>
#include <string_view>

namespace safeguard::detail {

// Appends `text` with &, <, >, " and ' escaped, for element content and quoted attribute
// values alike. `apostrophe` is how ' is written: "&#39;" for HTML (which had no &apos; before
// HTML5), "&apos;" for XML.
inline void append_escaped(std::string& out, std::string_view text,
                           const char* apostrophe = "&#39;") {
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += apostrophe;
        break;
      default:
        out += c;
    }
  }
}

}  // namespace safeguard::detail
