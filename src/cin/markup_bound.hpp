// A bound on each markup token of a census return, checked on the bytes before expat sees them:
// expat holds a whole tag (its name and attributes), comment, processing instruction or DOCTYPE
// in memory until it ends, so a 64 MiB attribute value cost about 150 MB and a 64 MiB element
// name about 350 MB before this (docs/limits.md, "One long token"). Private to src/cin/.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "safeguard/cin.hpp"

namespace safeguard::cin::detail {

// Follows the markup of a document given in pieces of any size (a token, a quote or a "-->" may
// be cut anywhere) and finds the first token longer than the limit: a tag from its '<' to its
// '>' (a '>' inside a quoted attribute value does not end it), a comment to "-->", a processing
// instruction to "?>", a CDATA section to "]]>", a declaration (DOCTYPE) to its '>' outside
// quotes and its internal subset. Text between tokens is not bounded here (the reader bounds an
// element's text as expat delivers it). Line and column are counted as expat counts them (a
// line ends at LF, CR or CRLF; a column is a character of the document's encoding: UTF-8, or
// ISO-8859-1 when the XML declaration names it, whose every byte is one, or UTF-16 when the
// document starts as expat recognises it, scanned a code unit at a time), so they agree with
// expat's errors.
class MarkupBound {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  explicit MarkupBound(std::size_t limit) : limit_(limit) {}

  // Scans the next `size` bytes. Gives the index in them of the first byte past the limit of a
  // token that is longer (the bytes before it hold that token's first `limit` bytes), or npos.
  // Once it has found one, it is not to be called again.
  std::size_t scan(const char* data, std::size_t size);

  // The token over the limit: what it is ("a tag"...) and where its '<' is.
  std::string_view kind() const;
  Position start() const { return token_at_; }

 private:
  enum class State : std::uint8_t { text, open, bang, tag, comment, pi, cdata, declaration };

  struct Place {
    long line = 1;
    long column = 0;  // characters before this one on its line (expat's, 0-based)
    bool after_cr = false;
  };
  enum class Width : std::uint8_t { undecided, bytes, utf16le, utf16be };
  static Width width_of(const unsigned char* first, std::size_t size);
  // scan() once the encoding is known; the UTF-16 one; and the state machine over one byte a
  // character (a UTF-16 code unit narrowed to one), `limit` counted in them.
  std::size_t scan_width(const char* data, std::size_t size);
  std::size_t scan_utf16(const char* data, std::size_t size);
  std::size_t scan_units(const char* data, std::size_t size, std::size_t limit);

  // `at` moved over bytes [from, to).
  void advance(Place& at, const char* from, const char* to) const;
  // Reads the XML declaration at the document's start, as the first pieces give it, for the
  // encoding it names: until it has decided, the bytes seen are the declaration's own (ASCII).
  void read_declaration(const char* data, std::size_t size);

  // Runs the token's state machine over [i, stop); gives where it stopped: just past the
  // token's last byte (the state is then text) or `stop`.
  std::size_t follow(const char* data, std::size_t i, std::size_t stop);

  std::size_t limit_;
  State state_ = State::text;
  char quote_ = 0;               // inside a tag or declaration: the quote of the value it is in
  std::uint8_t run_ = 0;         // '-' or ']' just before (comment, CDATA), '?' just before (PI)
  std::uint8_t bang_ = 0;        // bytes after "<!" matched against "--" or "[CDATA["
  char bang_first_ = 0;          // the first of them
  long depth_ = 0;               // a declaration's open '['
  std::size_t offset_ = 0;       // bytes (UTF-16: units) scanned before this piece
  std::size_t token_start_ = 0;  // offset of the open token's '<'
  Place place_;                  // of the first byte of the piece being scanned
  Position token_at_;            // of the open token's '<', once known
  bool single_byte_ = false;     // ISO-8859-1: a column is a byte
  bool declaration_read_ = false;
  std::size_t head_size_ = 0;  // the document's first bytes, while the declaration is read
  std::array<char, 128> head_{};
  Width width_ = Width::undecided;
  std::size_t first_size_ = 0;  // the document's first bytes, while its width is undecided
  std::array<unsigned char, 2> first_{};
  bool has_odd_ = false;  // UTF-16: a unit's first byte ended the piece before
  unsigned char odd_ = 0;
};

}  // namespace safeguard::cin::detail
