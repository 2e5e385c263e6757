// The markup bound's scan: text is skipped with memchr to the next '<'; a token's bytes go
// through a small state machine that stops at the limit; line and column are counted over each
// piece in passes the compiler vectorises, so the 1 MiB pieces a return is read in cost little
// (in an ISO-8859-1 return, a column is a byte).
#include "cin/markup_bound.hpp"

#include <algorithm>
#include <climits>
#include <cstring>

namespace safeguard::cin::detail {
namespace {

constexpr std::string_view kCdataOpen = "[CDATA[";  // after "<!"

bool is_continuation(char byte) { return (static_cast<unsigned char>(byte) & 0xC0) == 0x80; }

// How many of the `size` bytes at `data` are `byte`, in blocks the compiler vectorises.
long count_bytes(const char* data, std::size_t size, char byte) {
  long count = 0;
  while (size > 0) {
    const std::size_t block = size < 255 ? size : 255;
    unsigned char in_block = 0;
    for (std::size_t i = 0; i < block; ++i) in_block += data[i] == byte;
    count += in_block;
    data += block;
    size -= block;
  }
  return count;
}

int clamped(long value) { return value > INT_MAX ? INT_MAX : static_cast<int>(value); }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The value of the encoding pseudo-attribute of the declaration `declaration` (from "<?xml" to
// before its "?>"), or empty.
std::string_view declared_encoding(std::string_view declaration) {
  const std::size_t name = declaration.find("encoding");
  if (name == std::string_view::npos) return {};
  std::size_t i = name + 8;
  while (i < declaration.size() && is_space(declaration[i])) ++i;
  if (i == declaration.size() || declaration[i] != '=') return {};
  ++i;
  while (i < declaration.size() && is_space(declaration[i])) ++i;
  if (i == declaration.size() || (declaration[i] != '"' && declaration[i] != '\'')) return {};
  const std::size_t close = declaration.find(declaration[i], i + 1);
  if (close == std::string_view::npos) return {};
  return declaration.substr(i + 1, close - i - 1);
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

void MarkupBound::read_declaration(const char* data, std::size_t size) {
  const std::size_t take = std::min(size, head_.size() - head_size_);
  std::memcpy(head_.data() + head_size_, data, take);
  head_size_ += take;
  const std::string_view head(head_.data(), head_size_);
  constexpr std::string_view kOpen = "<?xml";
  // Not a declaration (no declaration means UTF-8, as does a byte-order mark before one).
  if (head.substr(0, std::min(head.size(), kOpen.size())) != kOpen.substr(0, head.size())) {
    declaration_read_ = true;
    return;
  }
  const std::size_t end = head.find("?>");
  if (end != std::string_view::npos) {
    single_byte_ = equal_ignoring_case(declared_encoding(head.substr(0, end)), "ISO-8859-1");
    declaration_read_ = true;
  } else if (head_size_ == head_.size()) {
    declaration_read_ = true;  // longer than any declaration a return has: left to expat
  }
}

void MarkupBound::advance(Place& at, const char* from, const char* to) const {
  if (from == to) return;
  // Just past the range's last line end: the column counts from there.
  const char* line_start = to;
  while (line_start != from && line_start[-1] != '\n' && line_start[-1] != '\r') --line_start;
  if (line_start != from) {
    const auto length = static_cast<std::size_t>(line_start - from);
    long ends = count_bytes(from, length, '\n');
    // CR LF ends one line, as a CR and an LF alone each do (most returns have no CR at all).
    if (std::memchr(from, '\r', length) != nullptr) {
      for (const char* p = from; p != line_start; ++p) {
        ends += p[0] == '\r' && (p + 1 == line_start || p[1] != '\n');
      }
    }
    if (at.after_cr && *from == '\n') --ends;  // the CR of its pair ended the previous piece
    at.line += ends;
    at.column = 0;
  }
  long characters = 0;
  if (single_byte_) {
    characters = static_cast<long>(to - line_start);
  } else {
    for (const char* p = line_start; p != to; ++p) characters += !is_continuation(*p);
  }
  at.column += characters;
  at.after_cr = to[-1] == '\r';
}

std::size_t MarkupBound::follow(const char* data, std::size_t i, std::size_t stop) {
  while (i < stop) {
    const char c = data[i++];
    switch (state_) {
      case State::open:
        if (c == '!') {
          state_ = State::bang;
          bang_ = 0;
        } else if (c == '?') {
          state_ = State::pi;
          run_ = 0;
        } else {
          state_ = State::tag;
          quote_ = 0;
          --i;  // the tag's own first byte (a name, '/', or a stray '>' or quote)
        }
        break;
      case State::tag:
        // The hot loop: most of a census return's markup is short tags without attributes.
        for (char b = c;;) {
          if (quote_ != 0) {
            if (b == quote_) quote_ = 0;
          } else if (b == '>') {
            state_ = State::text;
            return i;
          } else if (b == '"' || b == '\'') {
            quote_ = b;
          }
          if (i == stop) return i;
          b = data[i++];
        }
      case State::bang:
        if (bang_ == 0) bang_first_ = c;
        if (bang_first_ == '-' && c == '-') {
          if (++bang_ == 2) {
            state_ = State::comment;
            run_ = 0;
          }
        } else if (bang_first_ == '[' && c == kCdataOpen[bang_]) {
          if (++bang_ == kCdataOpen.size()) {
            state_ = State::cdata;
            run_ = 0;
          }
        } else {
          state_ = State::declaration;
          quote_ = 0;
          depth_ = 0;
          --i;
        }
        break;
      case State::comment:
        if (c == '>' && run_ >= 2) {
          state_ = State::text;
          return i;
        }
        run_ = c == '-' ? static_cast<std::uint8_t>(std::min(run_ + 1, 2)) : 0;
        break;
      case State::cdata:
        if (c == '>' && run_ >= 2) {
          state_ = State::text;
          return i;
        }
        run_ = c == ']' ? static_cast<std::uint8_t>(std::min(run_ + 1, 2)) : 0;
        break;
      case State::pi:
        if (c == '>' && run_ != 0) {
          state_ = State::text;
          return i;
        }
        run_ = c == '?';
        break;
      case State::declaration:
        if (quote_ != 0) {
          if (c == quote_) quote_ = 0;
        } else if (c == '"' || c == '\'') {
          quote_ = c;
        } else if (c == '[') {
          ++depth_;
        } else if (c == ']') {
          if (depth_ > 0) --depth_;
        } else if (c == '>' && depth_ == 0) {
          state_ = State::text;
          return i;
        }
        break;
      case State::text:
        return i - 1;  // not reached: scan() skips text itself
    }
  }
  return i;
}

// How the document's first bytes say it is encoded, as expat tells (its byte-order mark, or "<?"
// in UTF-16 without one); undecided while one byte could still begin either.
MarkupBound::Width MarkupBound::width_of(const unsigned char* first, std::size_t size) {
  if (size == 0) return Width::undecided;
  const unsigned char c = first[0];
  if (c != 0xFF && c != 0xFE && c != 0x00 && c != '<') return Width::bytes;
  if (size < 2) return Width::undecided;
  if ((c == 0xFF && first[1] == 0xFE) || (c == '<' && first[1] == 0x00)) return Width::utf16le;
  if ((c == 0xFE && first[1] == 0xFF) || (c == 0x00 && first[1] == '<')) return Width::utf16be;
  return Width::bytes;
}

std::size_t MarkupBound::scan(const char* data, std::size_t size) {
  if (width_ == Width::undecided) {
    const std::size_t held = first_size_;  // bytes of earlier pieces not scanned yet
    while (first_size_ < first_.size() && first_size_ - held < size) {
      first_[first_size_] = static_cast<unsigned char>(data[first_size_ - held]);
      ++first_size_;
    }
    width_ = width_of(first_.data(), first_size_);
    if (width_ == Width::undecided) return npos;  // the one byte so far is held
    if (held > 0) {
      char earlier[sizeof first_];
      std::memcpy(earlier, first_.data(), held);
      if (scan_width(earlier, held) != npos) return 0;  // a limit under the held byte
    }
  }
  return scan_width(data, size);
}

std::size_t MarkupBound::scan_width(const char* data, std::size_t size) {
  if (width_ != Width::bytes) return scan_utf16(data, size);
  if (!declaration_read_) read_declaration(data, size);
  return scan_units(data, size, std::max<std::size_t>(limit_, 1));  // a token has its '<'
}

// UTF-16: each code unit becomes one byte the state machine reads (ASCII as itself, a low
// surrogate as a continuation byte so a pair is one column, anything else as a lead byte), a
// few thousand at a time; the limit counts two bytes a unit. A byte 0x3C in a character such as
// U+013C is not a '<'.
std::size_t MarkupBound::scan_utf16(const char* data, std::size_t size) {
  const std::size_t limit = std::max<std::size_t>(limit_ / 2, 1);
  const std::size_t carried = has_odd_ ? 1 : 0;  // a unit's first byte, from the piece before
  const bool little = width_ == Width::utf16le;
  char units[4096];
  std::size_t i = 0;
  std::size_t done = 0;  // units of this piece scanned
  for (;;) {
    std::size_t n = 0;
    while (n < sizeof units) {
      unsigned char a = 0;
      if (has_odd_) {
        if (i == size) break;
        a = odd_;
        has_odd_ = false;
      } else {
        if (i == size) break;
        a = static_cast<unsigned char>(data[i++]);
        if (i == size) {
          odd_ = a;
          has_odd_ = true;
          break;
        }
      }
      const auto b = static_cast<unsigned char>(data[i++]);
      const unsigned unit = little ? (a | (b << 8)) : ((a << 8) | b);
      units[n++] = unit < 0x80                          ? static_cast<char>(unit)
                   : (unit >= 0xDC00 && unit <= 0xDFFF) ? '\x80'
                                                        : '\xC0';
    }
    if (n == 0) break;
    const std::size_t over = scan_units(units, n, limit);
    if (over != npos) {
      const std::size_t byte = 2 * (done + over);
      return byte >= carried ? byte - carried : 0;
    }
    done += n;
  }
  // The piece ends inside a unit that is past the limit: its first byte is over, as the byte
  // after the limit is for UTF-8.
  if (has_odd_ && state_ != State::text && offset_ - token_start_ == limit) return size - 1;
  return npos;
}

std::size_t MarkupBound::scan_units(const char* data, std::size_t size, std::size_t limit) {
  std::size_t i = 0;
  std::size_t over = npos;
  while (i < size) {
    if (state_ == State::text) {
      const void* open = std::memchr(data + i, '<', size - i);
      if (open == nullptr) break;
      i = static_cast<std::size_t>(static_cast<const char*>(open) - data);
      state_ = State::open;
      token_start_ = offset_ + i;
      ++i;
      continue;
    }
    // The token may hold `limit` bytes from its '<'; the byte after them is over.
    const std::size_t last = token_start_ > SIZE_MAX - limit ? SIZE_MAX : token_start_ + limit;
    const std::size_t end_of_limit = last - offset_;  // in this piece (or past it)
    i = follow(data, i, std::min(size, end_of_limit));
    if (state_ != State::text && i == end_of_limit && i < size) {
      over = i;
      break;
    }
  }
  if (state_ != State::text && token_start_ >= offset_) {
    Place at = place_;
    advance(at, data, data + (token_start_ - offset_));
    token_at_ = Position{clamped(at.line), clamped(at.column + 1)};
  }
  advance(place_, data, data + (over == npos ? size : over));
  offset_ += over == npos ? size : over;
  return over;
}

std::string_view MarkupBound::kind() const {
  switch (state_) {
    case State::comment:
      return "a comment";
    case State::pi:
      return "a processing instruction";
    case State::cdata:
      return "a CDATA section";
    case State::bang:
    case State::declaration:
      return "a declaration (DOCTYPE)";
    default:
      return "a tag";
  }
}

}  // namespace safeguard::cin::detail
