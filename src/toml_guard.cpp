// Reading untrusted TOML safely (see toml_guard.hpp).
#include "toml_guard.hpp"

#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "util/text_position.hpp"
#include "util/utf8.hpp"

namespace safeguard::detail {
namespace {

// The most tables a key may put a value under, counting every part of dotted keys and table
// headers along its path (docs/limits.md). Real files use three or four.
constexpr int kMaxKeyPathParts = 64;
// The deepest arrays and inline tables may nest. toml++ allows 256, but its parser takes over a
// kilobyte of stack per level: 255 levels overflowed a 256 KiB thread stack. Real files nest
// two or three.
constexpr std::size_t kMaxValueNesting = 32;

// The first non-ASCII character outside strings and comments, if any. TOML 1.0 allows none
// there, and toml++ 3.3 reaches undefined behaviour (a __builtin_unreachable() in a noexcept
// whitespace test) on code points U+00A1-U+0499 in such places, so they are refused first.
std::optional<std::size_t> stray_non_ascii(std::string_view t) {
  enum class In { code, basic, literal, multiline_basic, multiline_literal, comment };
  In in = In::code;
  auto run_of = [&](std::size_t at, char quote) {
    std::size_t n = 0;
    while (at + n < t.size() && t[at + n] == quote) ++n;
    return n;
  };
  for (std::size_t i = 0; i < t.size();) {
    const unsigned char c = static_cast<unsigned char>(t[i]);
    std::size_t step = 1;
    switch (in) {
      case In::code:
        if (c == '"' || c == '\'') {
          const std::size_t n = run_of(i, static_cast<char>(c));
          if (n >= 3) {
            in = c == '"' ? In::multiline_basic : In::multiline_literal;
            step = 3;
          } else if (n == 2) {
            step = 2;  // an empty string
          } else {
            in = c == '"' ? In::basic : In::literal;
          }
        } else if (c == '#') {
          in = In::comment;
        } else if (c >= 0x80) {
          return i;
        }
        break;
      case In::basic:
        if (c == '\\' && i + 1 < t.size() && t[i + 1] != '\n')
          step = 2;
        else if (c == '"' || c == '\n')
          in = In::code;
        break;
      case In::literal:
        if (c == '\'' || c == '\n') in = In::code;
        break;
      case In::multiline_basic:
      case In::multiline_literal: {
        const char quote = in == In::multiline_basic ? '"' : '\'';
        if (in == In::multiline_basic && c == '\\' && i + 1 < t.size()) {
          step = 2;
        } else if (c == static_cast<unsigned char>(quote)) {
          const std::size_t n = run_of(i, quote);
          step = n;  // up to two quotes may end the content just before the delimiter
          if (n >= 3) in = In::code;
        }
        break;
      }
      case In::comment:
        if (c == '\n') in = In::code;
        break;
    }
    i += step;
  }
  return std::nullopt;
}

// The place of the first key that would put a value more than kMaxKeyPathParts tables deep,
// or of the first array or inline table nested more than kMaxValueNesting deep, if any. A dotted
// key (`a.b.c = 1`) or table header (`[a.b.c]`) makes one table per part, and inline tables nest
// further (`x = { a.b = { c.d = 1 } }`: four). toml++ recurses over that nesting without a bound
// of its own (its 256-level limit counts arrays and inline tables only), so 20,000 parts (40 KB)
// overflowed a 1 MiB thread stack. This scan reads the text once, aware of strings and comments;
// malformed text is left to toml++, which stops at the first error, so only what toml++ builds
// needs counting.
std::optional<Location> too_deep_key(std::string_view t, const std::string& name_,
                                     bool& too_nested_values_) {
  struct Open {
    char bracket;  // '[' for an array, '{' for an inline table
    int depth;     // tables above its contents
  };
  std::vector<Open> open;
  int table_depth = 0;  // of the last [header]
  int depth = 0;        // tables above the key being read
  int parts = 0;        // of the key being read; 0 when reading a value
  bool line_start = true;
  int line = 1, column = 1;
  auto advance = [&](std::size_t from, std::size_t to) {
    for (std::size_t k = from; k < to && k < t.size(); ++k) {
      if (t[k] == '\n') {
        ++line;
        column = 1;
      } else if ((static_cast<unsigned char>(t[k]) & 0xC0) != 0x80) {
        ++column;
      }
    }
  };
  // The end of the string opening at `i` (one past its closing quote), or the end of the
  // text (or line) when it is unterminated: toml++ will refuse that.
  auto skip_string = [&](std::size_t i) {
    const char quote = t[i];
    const bool basic = quote == '"';
    if (t.compare(i, 3, std::string(3, quote)) == 0) {
      std::size_t k = i + 3;
      while (k < t.size()) {
        if (basic && t[k] == '\\') {
          k += 2;
        } else if (t.compare(k, 3, std::string(3, quote)) == 0) {
          k += 3;
          while (k < t.size() && t[k] == quote) ++k;  // up to two quotes end the content
          return k;
        } else {
          ++k;
        }
      }
      return t.size();
    }
    std::size_t k = i + 1;
    while (k < t.size() && t[k] != quote && t[k] != '\n') k += basic && t[k] == '\\' ? 2 : 1;
    return k < t.size() && t[k] == quote ? k + 1 : std::min(k, t.size());
  };
  auto start_key = [&](int above) {
    depth = above;
    parts = 1;
  };
  start_key(0);
  for (std::size_t i = 0; i < t.size();) {
    const char c = t[i];
    std::size_t next = i + 1;
    if (c == '"' || c == '\'') {
      next = skip_string(i);
      line_start = false;
    } else if (c == '#') {
      next = t.find('\n', i);
      if (next == std::string_view::npos) next = t.size();
    } else if (c == '\n') {
      if (open.empty()) {
        start_key(table_depth);
        line_start = true;
      }
    } else if (c == ' ' || c == '\t' || c == '\r') {
    } else if (parts > 0 && open.empty() && line_start && c == '[') {
      // A table header: [a.b] or [[a.b]] (an array of tables: one level more).
      const bool array = i + 1 < t.size() && t[i + 1] == '[';
      int header = 1 + (array ? 1 : 0);
      std::size_t k = i + (array ? 2 : 1);
      while (k < t.size() && t[k] != ']' && t[k] != '\n') {
        if (t[k] == '"' || t[k] == '\'') {
          k = skip_string(k);
          continue;
        }
        if (t[k] == '.' && ++header > kMaxKeyPathParts) {
          advance(i, k);
          return Location{name_, line, column};
        }
        ++k;
      }
      table_depth = header;
      next = k;
      line_start = false;
      parts = 0;
    } else if (parts > 0) {
      line_start = false;
      // Checked at each dot, so a huge key stops early, and at '=', so nested inline tables
      // with one-part keys count too.
      if ((c == '.' && depth + ++parts > kMaxKeyPathParts) ||
          (c == '=' && depth + parts > kMaxKeyPathParts)) {
        return Location{name_, line, column};
      }
      if (c == '=') {
        depth += parts;
        parts = 0;
      } else if (c == '}' && !open.empty() && open.back().bracket == '{') {
        open.pop_back();  // an empty inline table
        depth = open.empty() ? table_depth : open.back().depth;
        parts = 0;
      }
    } else {
      line_start = false;
      if (c == '[' || c == '{') {
        if (open.size() >= kMaxValueNesting) {
          too_nested_values_ = true;
          return Location{name_, line, column};
        }
        open.push_back(Open{c, depth});
        if (c == '{') start_key(depth);
      } else if ((c == ']' || c == '}') && !open.empty()) {
        open.pop_back();
        depth = open.empty() ? table_depth : open.back().depth;
      } else if (c == ',' && !open.empty()) {
        depth = open.back().depth;
        if (open.back().bracket == '{') start_key(depth);
      }
    }
    advance(i, next);
    i = next;
  }
  return std::nullopt;
}

// Where the first table header whose key cannot start a key is ("[%x]", "[[[a]]]"): the case
// toml++'s own checks trip on. Falls back to the file alone.
Location malformed_header_place(std::string_view text, const std::string& name_) {
  int line = 1;
  for (std::size_t start = 0; start <= text.size(); ++line) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::size_t i = start;
    while (i < end && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i < end && text[i] == '[') {
      std::size_t k = i + 1;
      if (k < end && text[k] == '[') ++k;
      while (k < end && (text[k] == ' ' || text[k] == '\t')) ++k;
      const char c = k < end ? text[k] : '\n';
      const bool key_start = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
                             c == '"' || c == '\'' || c == ']';
      if (!key_start) return Location{name_, line, static_cast<int>(k - start) + 1};
    }
    start = end + 1;
  }
  return Location{name_};
}

}  // namespace

toml::table parse_toml_guarded(std::string_view text, const std::string& name, const char* what) {
  auto place = [&](std::size_t offset) {
    const TextPosition at = text_position(text, offset);
    return Location{name, at.line, at.column};
  };
  if (const std::size_t bad = first_invalid_utf8(text); bad != std::string_view::npos)
    throw Error(Status::encoding, std::string(what) + " is not valid UTF-8", place(bad));
  if (const std::optional<std::size_t> stray = stray_non_ascii(text))
    throw Error(Status::parse, "a non-ASCII character outside a string or comment", place(*stray));
  bool too_nested_values = false;
  if (const std::optional<Location> where = too_deep_key(text, name, too_nested_values)) {
    // Kept a parse error, as toml++'s own (higher) nesting limit was.
    if (too_nested_values) {
      throw Error(Status::parse,
                  "arrays and inline tables nest deeper than " + std::to_string(kMaxValueNesting) +
                      " levels",
                  *where);
    }
    throw Error(Status::limit,
                "a key nests more than " + std::to_string(kMaxKeyPathParts) +
                    " tables deep (parts of dotted keys and table headers, inline tables "
                    "included)",
                *where);
  }
  try {
    return toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    throw Error(Status::parse, std::string(e.description()),
                Location{name, static_cast<int>(begin.line), static_cast<int>(begin.column)});
  } catch (const TomlCheckFailed&) {
    const Location where = malformed_header_place(text, name);
    throw Error(Status::parse,
                where.line > 0 ? "malformed TOML: a table header or key that cannot be parsed"
                               : "malformed TOML that the parser cannot handle",
                where);
  }
}

}  // namespace safeguard::detail
