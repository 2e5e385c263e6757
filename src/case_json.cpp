// Case files: JSON in through one streaming pass of a SAX parser that builds no document. Each
// entity's fields are gathered into a small reusable buffer, checked and turned into a batch
// item as soon as the entity closes, and a file is read in fixed-size chunks, so memory follows
// the batch (the record being built), not the file. Out as it is produced, a buffer at a time,
// in a fixed, canonical layout (CaseText, below).
//
// Two parsers drive the same handler (CaseHandler). RapidJSON's reader reads first: it is
// several times faster than nlohmann's, whose lexer keeps a copy of every token for its error
// messages (13% of `safeguard assess` on a generated file; docs/performance.md, "End to end").
// When that pass meets anything it does not take to the end (bad JSON, a field the format does
// not allow, an item the graph refuses), nothing it did is kept and nlohmann's parser reads the
// input again as it always has: every error message, position and entity id comes from that
// pass, word for word as before, so RapidJSON only ever decides "this file is fine".
//
// Positions cost nothing while reading: when something is wrong, the input (a buffer or an
// open file) is read again to find the line and column, since errors are rare.
//
// Why not simdjson (On-Demand), which issue 19 names as one way to stream: it cannot read a
// document a piece at a time. It needs the whole file in memory (padded), its first stage
// indexes every structural character of it before the first value is seen (4 bytes each:
// 93 MB for the 169 MB, 100,000-child generated file, about 0.9 GB at a million children, on
// top of the 1.7 GB file), and simdjson 3.0 refuses any document over 4 GiB, half the default
// file limit. Memory would follow the file, not the record, and a million children would pass
// the 2.5 GB target before the first entity was read (measured: 3.4 GB peak for simdjson alone
// on that file). RapidJSON's reader takes a stream a character at a time, so it reads the same
// 1 MiB chunks nlohmann's does.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rapidjson/reader.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <stdexcept>

#include "case_json.hpp"
#include "case_row.hpp"
#include "case_tables.hpp"
#include "graph_bulk.hpp"
#include "safeguard/calendar.hpp"
#include "safeguard/io.hpp"
#include "safeguard/rules.hpp"
#include "util/atomic_file.hpp"
#include "util/file.hpp"
#include "util/sha256.hpp"
#include "util/utf8.hpp"

namespace safeguard {
namespace {

using json = nlohmann::json;
using Path = std::vector<std::string>;

// ---- Checksums ------------------------------------------------------------------------------
// A saved case file ends with one more top-level member,
//     ,\n  "checksum": "sha256:<64 lower-case hex digits>"\n}\n
// whose digest covers the file as it would be without that member (the same text ending in
// "\n}\n"). Loading verifies it before parsing, so a damaged or edited file is refused with a
// clear error instead of loading wrong data. Files without the trailer (written by hand or by
// other tools) load as before. Kept to CaseText::finish and Source so the format's fields can
// grow without touching it.
constexpr std::string_view kChecksumHead = ",\n  \"checksum\": \"sha256:";
constexpr std::string_view kChecksumTail = "\"\n}\n";
constexpr std::size_t kDigestLength = 64;
constexpr std::size_t kTrailerLength = kChecksumHead.size() + kDigestLength + kChecksumTail.size();

// ---- Input --------------------------------------------------------------------------------

// A megabyte at a time: large enough that system calls are a rounding error, small enough
// that the file never matters to memory.
constexpr std::size_t kChunkBytes = std::size_t{1} << 20;
constexpr std::string_view kCoveredEnd = "\n}\n";

// The bytes the parser reads: a buffer, or a regular file read in chunks. When the input ends
// in a checksum trailer, the parser reads the text the checksum covers instead (the input up
// to the trailer, then "\n}\n"), so positions before the trailer are the input's own.
class Source {
 public:
  Source(std::string_view text, std::string name, const CaseFileLimits& limits)
      : name_(std::move(name)), text_(text), token_limit_(limits.max_string_bytes) {
    size_ = text.size();
    find_trailer();
  }

  Source(const std::string& path, const CaseFileLimits& limits)
      : name_(path), memory_(false), token_limit_(limits.max_string_bytes) {
    const std::size_t max_bytes = limits.max_bytes;
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw Error(Status::io, "cannot open file" + os_reason(errno), Location{path});
    struct stat info;
    if (::fstat(fd_, &info) != 0)
      throw Error(Status::io, "cannot read file" + os_reason(errno), Location{path});
    if (!S_ISREG(info.st_mode))
      throw Error(Status::io,
                  S_ISDIR(info.st_mode) ? "cannot read file: is a directory"
                                        : "cannot read file: not a regular file",
                  Location{path});
    size_ = static_cast<std::size_t>(info.st_size);
    if (size_ > max_bytes) {
      throw Error(Status::limit, "file is larger than " + std::to_string(max_bytes) + " bytes",
                  Location{path});
    }
    buffer_.resize(kChunkBytes);
    find_trailer();
  }

  ~Source() {
    if (fd_ >= 0) ::close(fd_);
  }
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  const std::string& name() const { return name_; }
  // The most bytes one string, key or number may take (CaseFileLimits::max_string_bytes).
  std::size_t token_limit() const { return token_limit_; }
  std::size_t raw_size() const { return size_; }
  // Reports each piece read to `progress` (nullptr: none), which may stop the read.
  void set_progress(const Progress* progress) { progress_ = progress; }
  bool has_trailer() const { return !digest_.empty(); }
  const std::string& digest() const { return digest_; }
  // Where the trailer starts in the input.
  std::size_t trailer_at() const { return body_; }

  // The piece of the parsed text that starts at `offset`, or false at its end. A piece read
  // from a file lives in this source's buffer until the next call.
  bool piece(std::size_t offset, const char*& begin, const char*& end) {
    if (offset >= body_) {
      if (!has_trailer() || offset >= body_ + kCoveredEnd.size()) return false;
      begin = kCoveredEnd.data() + (offset - body_);
      end = kCoveredEnd.data() + kCoveredEnd.size();
      return true;
    }
    const bool reporting = progress_ && *progress_;
    if (memory_) {
      // A buffer is parsed in one piece, or, when someone is watching, a chunk at a time so
      // that the callback hears of each (and may stop the parse).
      begin = text_.data() + offset;
      end = reporting ? begin + std::min(kChunkBytes, body_ - offset) : text_.data() + body_;
      report(static_cast<std::size_t>(end - text_.data()));
      return true;
    }
    const std::size_t want = std::min(kChunkBytes, body_ - offset);
    read_at(offset, buffer_.data(), want);
    report(offset + want);
    begin = buffer_.data();
    end = begin + want;
    return true;
  }

  // Tells the callback (if any) that the text up to `done` has been read; it may stop here.
  void report(std::size_t done) const {
    if (progress_ && *progress_ && !(*progress_)(done, body_))
      throw Error(Status::cancelled, "cancelled by the progress callback", Location{name_});
  }

  // The byte of the parsed text at `offset`, or -1 past its end (for the locator).
  int byte_at(std::size_t offset) {
    if (offset >= body_) {
      const std::size_t past = offset - body_;
      return has_trailer() && past < kCoveredEnd.size() ? kCoveredEnd[past] : -1;
    }
    char byte = 0;
    if (memory_) {
      byte = text_[offset];
    } else {
      read_at(offset, &byte, 1);  // not through buffer_, which a parse may be reading
    }
    return static_cast<unsigned char>(byte);
  }

 private:
  void read_at(std::size_t offset, char* out, std::size_t count) {
    for (std::size_t done = 0; done < count;) {
      const ssize_t n = ::pread(fd_, out + done, count - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw Error(Status::io, "cannot read file", Location{name_});
      done += static_cast<std::size_t>(n);
    }
  }

  // A saved file ends with the checksum member; see CaseText::finish.
  void find_trailer() {
    body_ = size_;
    if (size_ < kTrailerLength) return;
    char tail[kTrailerLength];
    if (memory_) {
      std::memcpy(tail, text_.data() + size_ - kTrailerLength, kTrailerLength);
    } else {
      read_at(size_ - kTrailerLength, tail, kTrailerLength);
    }
    const std::string_view trailer(tail, kTrailerLength);
    if (trailer.substr(0, kChecksumHead.size()) != kChecksumHead ||
        trailer.substr(kTrailerLength - kChecksumTail.size()) != kChecksumTail)
      return;
    const std::string_view digest = trailer.substr(kChecksumHead.size(), kDigestLength);
    for (char c : digest) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return;
    }
    digest_.assign(digest);
    body_ = size_ - kTrailerLength;
  }

  std::string name_;
  std::string_view text_;
  bool memory_ = true;
  std::size_t token_limit_;
  int fd_ = -1;
  const Progress* progress_ = nullptr;
  std::size_t size_ = 0;
  std::size_t body_ = 0;  // bytes of the input the parser reads before "\n}\n" or the end
  std::string digest_;    // the trailer's digest, when there is a trailer
  std::vector<char> buffer_;
};

// Bytes of over-long strings nlohmann's parser was not shown (TokenGuard, below): its own count
// of what it has read falls short of the text by as many as it was not shown before its last
// byte.
struct SteppedOver {
  std::size_t total = 0;
  std::size_t last_count = 0;   // the last step came after the parser's `last_count`th byte,
  std::size_t before_last = 0;  // with this many stepped over until then

  // Bytes stepped over before the parser's `count`th byte.
  std::size_t before(std::size_t count) const { return count == last_count ? before_last : total; }
};

// Hands the source's pieces to the parser in order; hashes them on the reading pass.
class Pieces {
 public:
  explicit Pieces(Source& source, detail::Sha256* digest = nullptr)
      : source_(source), digest_(digest) {}

  bool next(const char*& begin, const char*& end) {
    if (!source_.piece(offset_, begin, end)) return false;
    offset_ += static_cast<std::size_t>(end - begin);
    if (digest_) digest_->update(std::string_view(begin, static_cast<std::size_t>(end - begin)));
    return true;
  }

  // Reads to the end, so the digest covers everything.
  void drain() {
    const char* begin = nullptr;
    const char* end = nullptr;
    while (next(begin, end)) {
    }
  }

  std::size_t token_limit() const { return source_.token_limit(); }
  // Where the pieces handed out so far end in the parsed text.
  std::size_t offset() const { return offset_; }

 private:
  Source& source_;
  detail::Sha256* digest_;
  std::size_t offset_ = 0;
};

// ---- Over-long tokens (nlohmann's passes) ---------------------------------------------------
// nlohmann's lexer keeps a whole token twice while reading it (the decoded value and the raw
// bytes, for its messages), and the handler can refuse a string over the limit only once the
// lexer hands it over: a 200 MB string grew the heap by 386 MB. So what nlohmann reads
// (GuardedPieces, below) follows the tokens itself. Once a string (or key) holds more than the
// limit, the rest of it, up to its closing quote, is stepped over and never shown to the lexer,
// which hands the handler a string still over the limit: the same refusal, at the same place (the
// consumed count and parse-error offsets add the bytes stepped over), from at most the limit and a
// little more of memory. Only characters nlohmann would take are stepped over (well-formed
// UTF-8, valid escapes), a piece at a time; anything else (a control character, a bad escape,
// invalid UTF-8, a character split between two pieces, the end of the input) is left to the
// lexer, which reports it as it always has, or takes it and lets the stepping go on. A number
// cannot be shortened without changing it: one longer than the limit stops the parse
// (LongNumber), reported at its first character.

// Thrown to the lexer when a number token passes the limit: where the number starts.
struct LongNumber {
  std::size_t at;
};

// Thrown to the lexer at a NUL byte, which JSON text cannot hold anywhere (in a string it must
// be escaped as \u0000): where it is. nlohmann's lexer takes a NUL for the end of the input, so
// unstopped it would read a document followed by a NUL and anything at all as that document.
struct NulByte {
  std::size_t at;
};

// The message for a number over the limit (both passes refuse it; only nlohmann's reports).
std::string long_number_message(std::size_t limit) {
  return "number longer than " + std::to_string(limit) + " bytes";
}

bool is_hex(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

unsigned hex_value(unsigned char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

// The code point of the four hex digits at `p`.
unsigned hex4(const char* p) {
  unsigned value = 0;
  for (int i = 0; i < 4; ++i) value = value * 16 + hex_value(static_cast<unsigned char>(p[i]));
  return value;
}

// The length of the one character (or escape) of a string's content at `p`, all of it before
// `end`, when nlohmann's lexer would take it as it is; 0 for the closing quote and for anything
// it would not take (or that is cut off by `end`).
std::size_t plain_length(const char* p, const char* end) {
  const auto c = static_cast<unsigned char>(*p);
  const auto available = static_cast<std::size_t>(end - p);
  auto at = [p](std::size_t i) { return static_cast<unsigned char>(p[i]); };
  auto between = [](unsigned char byte, unsigned char low, unsigned char high) {
    return byte >= low && byte <= high;
  };
  if (c == '"' || c < 0x20) return 0;
  if (c == '\\') {
    if (available < 2) return 0;
    const unsigned char kind = at(1);
    if (std::strchr("\"\\/bfnrt", kind) && kind != 0) return 2;
    if (kind != 'u' || available < 6) return 0;
    for (std::size_t i = 2; i < 6; ++i) {
      if (!is_hex(at(i))) return 0;
    }
    const unsigned code = hex4(p + 2);
    if (code >= 0xDC00 && code <= 0xDFFF) return 0;  // a low surrogate alone
    if (code < 0xD800 || code > 0xDBFF) return 6;
    if (available < 12 || at(6) != '\\' || at(7) != 'u') return 0;
    for (std::size_t i = 8; i < 12; ++i) {
      if (!is_hex(at(i))) return 0;
    }
    const unsigned low = hex4(p + 8);
    return low >= 0xDC00 && low <= 0xDFFF ? 12 : 0;
  }
  if (c < 0x80) return 1;
  // Well-formed UTF-8, as nlohmann's lexer checks it (RFC 3629, table 3-7 of Unicode).
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
  if (between(c, 0xC2, 0xDF)) {
    length = 2;
  } else if (c == 0xE0) {
    length = 3, low = 0xA0;
  } else if (between(c, 0xE1, 0xEC) || between(c, 0xEE, 0xEF)) {
    length = 3;
  } else if (c == 0xED) {
    length = 3, high = 0x9F;
  } else if (c == 0xF0) {
    length = 4, low = 0x90;
  } else if (between(c, 0xF1, 0xF3)) {
    length = 4;
  } else if (c == 0xF4) {
    length = 4, high = 0x8F;
  } else {
    return 0;
  }
  if (available < length || !between(at(1), low, high)) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (!between(at(i), 0x80, 0xBF)) return 0;
  }
  return length;
}

// What a byte is to TokenGuard, outside a string ([0]) and inside one ([1]).
enum class ByteKind : unsigned char { other, digit, text, quote, special };
using ByteKinds = std::array<std::array<ByteKind, 256>, 2>;
constexpr ByteKinds byte_kinds() {
  ByteKinds kinds{};
  for (int c = 0; c < 256; ++c) {
    const bool digit =
        (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
    const bool text = c >= 0x20 && c < 0x80 && c != '\\';
    kinds[0][c] = c == '"' ? ByteKind::quote : digit ? ByteKind::digit : ByteKind::other;
    kinds[1][c] = c == '"' ? ByteKind::quote : text ? ByteKind::text : ByteKind::special;
  }
  return kinds;
}
constexpr ByteKinds kByteKinds = byte_kinds();

// What the lexer reads of the current token, a byte at a time: enough to know when a string has
// passed the limit at a character boundary, and how long a number is. Most bytes (outside a
// string and not a number's, or printable ASCII inside one) cost a table look-up: nlohmann's
// pass reads whole files too (into a graph that holds a record, parse_case, record imports).
class TokenGuard {
 public:
  enum Action : unsigned char { none, step_over, long_number };

  explicit TokenGuard(std::size_t limit = std::numeric_limits<std::size_t>::max())
      : limit_(limit) {}

  // Reads from `at` towards `end`, stopping just past the byte at which the guard acts:
  // step_over when the string it is in has passed the limit at a character boundary (what
  // follows may be stepped over), long_number when a number has. The state is kept in locals
  // while bytes are plain: a char read may alias any member.
  Action scan(const char*& at, const char* const end) {
    std::size_t length = length_;
    bool in_string = in_string_;
    bool pending = pending_;
    Action action = none;
    while (at != end && action == none) {
      if (!pending) {
        // Plain bytes: quotes, one more of a number or a string, and anything else outside a
        // string, which ends a number. Only the special ones (escapes, UTF-8, control
        // characters) leave this loop.
        const ByteKind* kinds = kByteKinds[in_string].data();
        bool over = false;
        while (at != end) {
          const ByteKind kind = kinds[static_cast<unsigned char>(*at)];
          if (kind == ByteKind::special) break;
          ++at;
          if (kind == ByteKind::quote) {  // opens or closes a string (none is pending)
            in_string = !in_string;
            kinds = kByteKinds[in_string].data();
            length = 0;
            continue;
          }
          length = kind == ByteKind::other ? 0 : length + 1;
          if (length > limit_) {
            over = true;
            break;
          }
        }
        if (over) {
          action = in_string ? step_over : long_number;
          break;
        }
        if (at == end) break;
      }
      length_ = length;
      in_string_ = in_string;
      action = take_special(static_cast<unsigned char>(*at++));
      length = length_;
      in_string = in_string_;
      pending = pending_;
    }
    length_ = length;
    in_string_ = in_string;
    pending_ = pending;
    return action;
  }

  // The bytes of the number being read.
  std::size_t length() const { return length_; }

 private:
  __attribute__((noinline)) Action take_special(unsigned char byte) {
    if (!in_string_) {  // an opening quote
      in_string_ = true;
      length_ = 0;
      return none;
    }
    if (after_backslash_) {
      after_backslash_ = false;
      if (byte == 'u') {
        hex_left_ = 4;
        code_ = 0;
      }
    } else if (hex_left_ > 0) {
      code_ = code_ * 16 + (is_hex(byte) ? hex_value(byte) : 0);
      if (--hex_left_ == 0)
        after_high_surrogate_ = !after_high_surrogate_ && code_ >= 0xD800 && code_ <= 0xDBFF;
    } else if (byte == '"') {
      in_string_ = false;
      length_ = 0;
    } else if (byte == '\\') {
      after_backslash_ = true;
      ++length_;  // an escape decodes to one byte at least
    } else {
      ++length_;
      if (byte >= 0xC0) {
        continuation_left_ = byte >= 0xF0 ? 3 : byte >= 0xE0 ? 2 : 1;
      } else if (byte >= 0x80) {
        if (continuation_left_ > 0) --continuation_left_;
      } else {
        continuation_left_ = 0;
      }
    }
    pending_ = after_backslash_ || hex_left_ > 0 || after_high_surrogate_ || continuation_left_ > 0;
    return in_string_ && !pending_ && length_ > limit_ ? step_over : none;
  }

  std::size_t limit_;
  std::size_t length_ = 0;  // a string: its decoded bytes so far, at least; a number: its bytes
  bool in_string_ = false;
  bool pending_ = false;  // inside an escape or a UTF-8 character, or between surrogate halves
  bool after_backslash_ = false;
  bool after_high_surrogate_ = false;  // nlohmann reads the low half next
  unsigned hex_left_ = 0;              // hex digits of a \u escape still to come
  unsigned code_ = 0;                  // the \u escape's code point so far
  unsigned continuation_left_ = 0;     // bytes of a UTF-8 character still to come
};

// The text as nlohmann's lexer is shown it: the pieces, cut into runs that end where TokenGuard
// acts, with the tails of over-long strings left out. The guard reads each piece in a tight loop
// of its own, ahead of the lexer, so the lexer's byte-at-a-time reading costs what it did.
// What a run leaves out is accounted for (stepped, and the consumed count) only once the lexer
// has read to its end and asks for more, as if stepped over then.
class GuardedPieces {
 public:
  GuardedPieces(Pieces& pieces, std::size_t* consumed)
      : pieces_(pieces), consumed_(consumed), guard_(pieces.token_limit()) {}

  bool next(const char*& begin, const char*& end) {
    if (long_number_) throw LongNumber{*long_number_};
    if (nul_byte_) throw NulByte{*nul_byte_};
    if (step_bytes_ > 0) {
      stepped.last_count = step_count_;
      stepped.before_last = stepped.total;
      stepped.total += step_bytes_;
      if (consumed_) *consumed_ += step_bytes_;
      step_bytes_ = 0;
    }
    while (at_ == end_) {
      if (!pieces_.next(at_, end_)) return false;
    }
    begin = at_;
    // At most kRunBytes at a time, so the lexer reads what was just scanned from the cache.
    const auto left = static_cast<std::size_t>(end_ - at_);
    const TokenGuard::Action action = guard_.scan(at_, left > kRunBytes ? at_ + kRunBytes : end_);
    end = at_;
    if (action == TokenGuard::long_number) long_number_ = offset() - guard_.length();
    // The lexer is shown the run up to a NUL byte, so that anything wrong before it is reported
    // first; asking for more then stops the parse.
    if (const void* nul = std::memchr(begin, '\0', static_cast<std::size_t>(end - begin))) {
      end = static_cast<const char*>(nul);
      nul_byte_ = offset() - static_cast<std::size_t>(at_ - end);
      if (long_number_ && *long_number_ > *nul_byte_) long_number_.reset();
      return true;
    }
    if (action == TokenGuard::step_over) step_over_string();
    return true;
  }

  SteppedOver stepped;

 private:
  static constexpr std::size_t kRunBytes = 16 * 1024;

  // Where the next byte to scan is in the parsed text.
  std::size_t offset() const { return pieces_.offset() - static_cast<std::size_t>(end_ - at_); }

  // Steps over the rest of a string already over the limit, up to its closing quote or to
  // anything the lexer must see, within this piece (TokenGuard above).
  __attribute__((noinline)) void step_over_string() {
    const char* from = at_;
    while (at_ != end_) {
      const std::size_t length = plain_length(at_, end_);
      if (length == 0) break;
      at_ += length;
    }
    step_bytes_ = static_cast<std::size_t>(at_ - from);
    step_count_ = offset() - step_bytes_ - stepped.total;  // what the lexer will have read
  }

  Pieces& pieces_;
  std::size_t* consumed_;
  TokenGuard guard_;
  const char* at_ = nullptr;  // the piece being scanned
  const char* end_ = nullptr;
  std::size_t step_bytes_ = 0;  // left out after the run just handed out
  std::size_t step_count_ = 0;  // the lexer's count of bytes read at the end of that run
  std::optional<std::size_t> long_number_;  // where a number over the limit starts
  std::optional<std::size_t> nul_byte_;     // where a NUL byte is
};

// An input iterator over the guarded pieces. `Counting` ones also count the bytes read, which
// only the error path needs (to turn a SAX event into a position).
template <bool Counting>
class PieceIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  PieceIterator() = default;  // the end
  explicit PieceIterator(GuardedPieces& pieces, std::size_t* consumed = nullptr)
      : pieces_(&pieces), consumed_(consumed) {
    if (!pieces_->next(at_, end_)) at_ = nullptr;
  }

  reference operator*() const { return *at_; }
  PieceIterator& operator++() {
    if constexpr (Counting) ++*consumed_;
    if (++at_ == end_ && !pieces_->next(at_, end_)) at_ = nullptr;
    return *this;
  }
  PieceIterator operator++(int) {
    PieceIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const PieceIterator& other) const { return at_ == other.at_; }
  bool operator!=(const PieceIterator& other) const { return at_ != other.at_; }

 private:
  GuardedPieces* pieces_ = nullptr;
  std::size_t* consumed_ = nullptr;
  const char* at_ = nullptr;
  const char* end_ = nullptr;
};

// How a pass of nlohmann's parser went, beyond what its handler saw.
struct PassOutcome {
  bool parsed = false;
  SteppedOver stepped;
  std::optional<std::size_t> long_number;  // where a number over the limit starts
  std::optional<std::size_t> nul_byte;     // where a NUL byte stopped it
};

template <bool Counting, typename Handler>
PassOutcome parse(Source& source, Handler& handler, detail::Sha256* digest = nullptr,
                  std::size_t* consumed = nullptr) {
  Pieces pieces(source, digest);
  GuardedPieces guarded(pieces, consumed);
  PassOutcome outcome;
  try {
    outcome.parsed = json::sax_parse(PieceIterator<Counting>(guarded, consumed),
                                     PieceIterator<Counting>(), &handler);
  } catch (const LongNumber& number) {
    outcome.long_number = number.at;
  } catch (const NulByte& nul) {
    outcome.nul_byte = nul.at;
  }
  outcome.stepped = guarded.stepped;
  if (digest) pieces.drain();
  return outcome;
}

// ---- The fast pass --------------------------------------------------------------------------
// RapidJSON's SAX reader over the same pieces, driving the same handler. It is trusted only to
// say that a file is well formed: anything it refuses, and anything the handler or the graph
// refuses, is read again by nlohmann's parser (load_from), which reports it.

// The pieces as a RapidJSON input stream (Peek, Take, Tell). '\0' past the end is RapidJSON's
// end of input; a NUL byte in the text reads the same, so exhausted() tells the two apart.
class PieceStream {
 public:
  using Ch = char;
  explicit PieceStream(Pieces& pieces) : pieces_(pieces) { next_piece(); }

  // Peek and Take run for every byte of the file: kept inline, the move to the next piece
  // (once a megabyte) out of line.
  __attribute__((always_inline)) Ch Peek() const { return at_ != end_ ? *at_ : '\0'; }
  __attribute__((always_inline)) Ch Take() {
    if (at_ == end_) return '\0';
    const Ch c = *at_++;
    if (at_ == end_) next_piece();
    return c;
  }
  std::size_t Tell() const { return before_ + static_cast<std::size_t>(at_ - begin_); }
  bool exhausted() const { return at_ == end_; }

  // RapidJSON's SkipWhitespace (below) a piece at a time: a saved file is indented, about a
  // fifth of its bytes are spaces.
  // A saved file is a third indentation, in runs of about seven bytes: sixteen at a time where
  // the CPU can (as RapidJSON does for text in memory, which this stream is not).
  void skip_whitespace() {
    while (at_ != end_) {
#if defined(__SSE2__)
      while (end_ - at_ >= 16) {
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at_));
        const __m128i spaces =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(' ')),
                                      _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\n'))),
                         _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('\r')),
                                      _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\t'))));
        const auto others = ~static_cast<unsigned>(_mm_movemask_epi8(spaces)) & 0xFFFFu;
        if (others != 0) {
          at_ += __builtin_ctz(others);
          return;
        }
        at_ += 16;
      }
#endif
      while (at_ != end_ && (*at_ == ' ' || *at_ == '\n' || *at_ == '\r' || *at_ == '\t')) ++at_;
      if (at_ != end_) return;
      next_piece();
    }
  }

  // Writing is asked only of streams parsed in place (kParseInsituFlag), never this one.
  Ch* PutBegin() { return nullptr; }
  void Put(Ch) {}
  void Flush() {}
  std::size_t PutEnd(Ch*) { return 0; }

 private:
  __attribute__((noinline)) void next_piece() {
    before_ += static_cast<std::size_t>(end_ - begin_);
    while (pieces_.next(at_, end_)) {
      if (at_ != end_) {
        begin_ = at_;
        return;
      }
    }
    begin_ = at_ = end_ = nullptr;
  }

  Pieces& pieces_;
  const char* begin_ = nullptr;  // the piece being read
  const char* at_ = nullptr;
  const char* end_ = nullptr;
  std::size_t before_ = 0;  // bytes in the pieces before it
};

}  // namespace
}  // namespace safeguard

template <>
inline void rapidjson::SkipWhitespace(safeguard::PieceStream& stream) {
  stream.skip_whitespace();
}

namespace safeguard {
namespace {

// RapidJSON's events as the nlohmann SAX events `Handler` takes. Numbers arrive as nlohmann
// gives them (a non-negative whole number unsigned, a negative one signed, anything else a
// float), and a string RapidJSON would hand over that is not well-formed UTF-8 (a lone low
// surrogate escaped as \uDC00, which nlohmann refuses) stops the pass.
template <typename Handler>
class FastEvents {
 public:
  FastEvents(Handler& handler, const PieceStream& stream, std::size_t token_limit)
      : handler_(handler), stream_(stream), token_limit_(token_limit) {}

  bool Null() { return seen() && handler_.null(); }
  bool Bool(bool value) { return seen() && handler_.boolean(value); }
  bool Int(int value) { return Int64(value); }
  bool Uint(unsigned value) { return number() && handler_.number_unsigned(value); }
  bool Int64(std::int64_t value) {
    if (!number()) return false;
    return value < 0 ? handler_.number_integer(value)
                     : handler_.number_unsigned(static_cast<std::uint64_t>(value));
  }
  bool Uint64(std::uint64_t value) { return number() && handler_.number_unsigned(value); }
  // A number past double's range (1.8e308) is infinity to RapidJSON 1.1 and an error to
  // nlohmann: stop, so the second pass refuses it as before.
  bool Double(double value) {
    return number() && std::isfinite(value) && handler_.number_float(value, text_);
  }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { return false; }
  bool String(const char* text, rapidjson::SizeType length, bool) {
    return seen() && take(text, length) && handler_.string(text_);
  }
  bool Key(const char* text, rapidjson::SizeType length, bool) {
    return seen() && take(text, length) && handler_.key(text_);
  }
  bool StartObject() { return seen() && handler_.start_object(kUnknownSize); }
  bool EndObject(rapidjson::SizeType) { return seen() && handler_.end_object(); }
  bool StartArray() { return seen() && handler_.start_array(kUnknownSize); }
  bool EndArray(rapidjson::SizeType) { return seen() && handler_.end_array(); }

 private:
  static constexpr std::size_t kUnknownSize = static_cast<std::size_t>(-1);

  // Where the last event ended, so that a number event knows how much text it took.
  bool seen() {
    last_end_ = stream_.Tell();
    return true;
  }

  // False for a number that may be longer than the limit, which nlohmann's pass refuses
  // (RapidJSON reads one without keeping it): the text since the previous event, its
  // separators and spaces included, is over the limit. A long run of spaces before a number
  // only sends a good file to the slower pass, which takes it.
  bool number() {
    const std::size_t since = stream_.Tell() - last_end_;
    seen();
    return since <= token_limit_;
  }

  bool take(const char* text, rapidjson::SizeType length) {
    const std::string_view view(text, length);
    if (!detail::is_valid_utf8(view)) return false;
    text_.assign(view);
    return true;
  }

  Handler& handler_;
  const PieceStream& stream_;
  std::size_t token_limit_;
  std::size_t last_end_ = 0;
  json::string_t text_;
};

// RapidJSON's parse stack (strings being read, nesting) allocated through operator new, so that
// running out of memory throws std::bad_alloc here as everywhere else in the library (RapidJSON's
// own allocator, malloc, would hand it a null pointer it writes through), and the tests that
// fail each allocation in turn reach it too.
//
// The stack also holds each string while RapidJSON reads it, before the handler can refuse it
// for its length: it may grow only to what a string at the limit needs (with the nesting and
// RapidJSON's growth by half), and a request past that stops the pass (StackCapped) as soon as
// an over-long string passes it, so that the string is never read into memory; nlohmann's pass
// then reports it.
struct StackCapped {};

struct ThrowingAllocator {
  static const bool kNeedFree = true;
  std::size_t cap = std::numeric_limits<std::size_t>::max();

  // The most a stack may take when no string is longer than `string_limit` bytes: the string
  // and its terminating NUL, the iterative parser's states (a few bytes a level; 64 KiB is far
  // more than the depth limit asks), and growth by half past what was needed.
  static std::size_t cap_for(std::size_t string_limit) {
    constexpr std::size_t kStates = 64 * 1024;
    const std::size_t most = std::numeric_limits<std::size_t>::max() / 2 - kStates;
    return 2 * (std::min(string_limit, most) + kStates);
  }

  void* Malloc(std::size_t size) {
    if (size > cap) throw StackCapped{};
    return size ? ::operator new(size) : nullptr;
  }
  void* Realloc(void* original, std::size_t original_size, std::size_t new_size) {
    if (new_size == 0) {
      ::operator delete(original);
      return nullptr;
    }
    if (new_size > cap) throw StackCapped{};  // `original` is left to its owner
    void* grown = ::operator new(new_size);   // on failure `original` is left to its owner
    if (original) {
      std::memcpy(grown, original, std::min(original_size, new_size));
      ::operator delete(original);
    }
    return grown;
  }
  static void Free(void* pointer) { ::operator delete(pointer); }
};

// One pass of RapidJSON's reader over the source into `handler`, hashing what it reads into
// `digest` when given. True when the whole input was one JSON value the handler took to the end
// (what it made of it, the handler says).
template <typename Handler>
bool parse_fast(Source& source, Handler& handler, detail::Sha256* digest) {
  Pieces pieces(source, digest);
  PieceStream stream(pieces);
  FastEvents<Handler> events(handler, stream, source.token_limit());
  ThrowingAllocator allocator;
  allocator.cap = ThrowingAllocator::cap_for(source.token_limit());
  // Iterative: nesting costs heap, not stack, and the handler stops at its depth limit.
  rapidjson::GenericReader<rapidjson::UTF8<>, rapidjson::UTF8<>, ThrowingAllocator> reader(
      &allocator);
  try {
    const rapidjson::ParseResult result =
        reader.Parse<rapidjson::kParseIterativeFlag>(stream, events);
    return !result.IsError() && stream.exhausted();
  } catch (const StackCapped&) {
    return false;
  }
}

// ---- Positions (error path only) ----------------------------------------------------------

// Line and column (1-based, columns in characters) of a byte offset of the parsed text.
void line_column(Source& source, std::size_t offset, int& line, int& column) {
  line = 1;
  column = 1;
  Pieces pieces(source);
  const char* begin = nullptr;
  const char* end = nullptr;
  for (std::size_t at = 0; at < offset && pieces.next(begin, end);) {
    for (const char* c = begin; c != end && at < offset; ++c, ++at) {
      if (*c == '\n') {
        ++line;
        column = 1;
      } else if ((static_cast<unsigned char>(*c) & 0xC0) != 0x80) {
        ++column;
      }
    }
  }
}

// Every SAX event, stopping at the given one: how far the parser had read when the reading
// pass stopped at that event.
class EventFinder {
 public:
  explicit EventFinder(std::size_t stop_at) : stop_at_(stop_at) {}
  bool null() { return event(); }
  bool boolean(bool) { return event(); }
  bool number_integer(json::number_integer_t) { return event(); }
  bool number_unsigned(json::number_unsigned_t) { return event(); }
  bool number_float(json::number_float_t, const json::string_t&) { return event(); }
  bool string(json::string_t&) { return event(); }
  bool binary(json::binary_t&) { return event(); }
  bool start_object(std::size_t) { return event(); }
  bool end_object() { return event(); }
  bool start_array(std::size_t) { return event(); }
  bool end_array() { return event(); }
  bool key(json::string_t&) { return event(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

 private:
  bool event() { return ++seen_ < stop_at_; }
  std::size_t stop_at_;
  std::size_t seen_ = 0;
};

// Finds the byte offset of the value at `path` (tokens of a JSON pointer), or of `key` inside
// it when `key` is not empty.
class Locator {
 public:
  Locator(Source& source, Path path, std::string key, const std::size_t* consumed)
      : source_(source), target_(std::move(path)), key_(std::move(key)), consumed_(consumed) {}

  bool null() { return value(); }
  bool boolean(bool) { return value(); }
  bool number_integer(json::number_integer_t) { return value(); }
  bool number_unsigned(json::number_unsigned_t) { return value(); }
  bool number_float(json::number_float_t, const json::string_t&) { return value(); }
  bool string(json::string_t&) { return value(); }
  bool binary(json::binary_t&) { return value(); }
  bool start_object(std::size_t) { return open(false); }
  bool start_array(std::size_t) { return open(true); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(json::string_t& name) {
    previous_end_ = *consumed_;
    frames_.back().key = name;
    if (!key_.empty() && name == key_ && container_matches()) {
      found = *consumed_ - name.size() - 2;
      return false;
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

  std::size_t found = std::string::npos;

 private:
  struct Frame {
    bool array;
    std::size_t next;  // arrays: how many elements have started
    std::string key;   // objects: the current key
  };

  // The path component a frame contributes to the value being read inside it.
  static std::string component(const Frame& f) {
    return f.array ? std::to_string(f.next - 1) : f.key;
  }

  // Whether the innermost open container is the target (used when a key is sought in it).
  bool container_matches() const {
    if (frames_.size() != target_.size() + 1) return false;
    for (std::size_t i = 0; i < target_.size(); ++i) {
      if (component(frames_[i]) != target_[i]) return false;
    }
    return true;
  }

  // Whether the value that is starting now is the target.
  bool starting_value_matches() const {
    if (frames_.size() != target_.size()) return false;
    for (std::size_t i = 0; i < frames_.size(); ++i) {
      const Frame& f = frames_[i];
      const bool last = i + 1 == frames_.size();
      const std::string part = last && f.array ? std::to_string(f.next) : component(f);
      if (part != target_[i]) return false;
    }
    return true;
  }

  bool value() {
    if (key_.empty() && starting_value_matches()) {
      // A scalar where the target should be (a string where an object belongs): its token
      // starts after the separators that follow the previous event.
      std::size_t at = previous_end_;
      for (int c = source_.byte_at(at); c >= 0 && (std::isspace(c) || c == ',' || c == ':');
           c = source_.byte_at(++at)) {
      }
      found = at;
      return false;
    }
    if (!frames_.empty() && frames_.back().array) ++frames_.back().next;
    previous_end_ = *consumed_;
    return true;
  }

  bool open(bool array) {
    if (key_.empty() && starting_value_matches()) {
      found = *consumed_ - 1;
      return false;
    }
    if (!frames_.empty() && frames_.back().array) ++frames_.back().next;
    frames_.push_back(Frame{array, 0, {}});
    previous_end_ = *consumed_;
    return true;
  }

  bool close() {
    frames_.pop_back();
    previous_end_ = *consumed_;
    return true;
  }

  Source& source_;
  std::size_t previous_end_ = 0;
  Path target_;
  std::string key_;
  const std::size_t* consumed_;
  std::vector<Frame> frames_;
};

// An entity id as an error message may show it: ids are meant to be printable, but one read
// from a hostile file may hold control characters or run to the string limit.
std::string shown_id(std::string_view id) {
  constexpr std::size_t kMaxShown = 256;
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < id.size() && out.size() < kMaxShown; ++i) {
    const auto byte = static_cast<unsigned char>(id[i]);
    // C0 controls and DEL, and C1 controls (U+0080..U+009F, encoded C2 80..C2 9F).
    const bool c1 = byte == 0xC2 && i + 1 < id.size() &&
                    static_cast<unsigned char>(id[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(id[i + 1]) <= 0x9F;
    if (byte < 0x20 || byte == 0x7F || c1) {
      const auto code = c1 ? static_cast<unsigned char>(id[++i]) : byte;
      out += "\\x";
      out += kHex[code >> 4];
      out += kHex[code & 0xF];
    } else {
      out += static_cast<char>(byte);
    }
  }
  if (out.size() >= kMaxShown && id.size() > kMaxShown) out += "...";
  return out;
}

// nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1,
// column 2: " preamble (the place is reported separately) and without the "; last read: '...'"
// part, which quotes the input: case text must never reach a message or a log.
std::string syntax_message(const std::string& what) {
  // nlohmann's overflow quotes the whole number, however long (a file may hold thousands of
  // digits): say how long it is instead.
  constexpr std::string_view kOverflow = "number overflow parsing '";
  if (const auto at = what.find(kOverflow); at != std::string::npos) {
    const std::size_t start = at + kOverflow.size();
    const std::size_t end = what.rfind('\'');
    const std::size_t length = end != std::string::npos && end > start ? end - start : 0;
    return "number out of range (" + std::to_string(length) + " characters)";
  }
  std::string message = what;
  if (auto column = message.find("column "); column != std::string::npos) {
    if (auto colon = message.find(": ", column); colon != std::string::npos)
      message = message.substr(colon + 2);
  }
  const std::size_t quoted = message.find("; last read: '");
  if (quoted == std::string::npos) return message;
  // What follows the quote is "; expected <token>" when the parser said what it expected;
  // keep it only when it is one of the parser's own words, never something quoted.
  std::string expected;
  if (auto tail = message.rfind("'; expected "); tail != std::string::npos && tail >= quoted) {
    static const char* const kTokens[] = {"'['",
                                          "'{'",
                                          "string literal",
                                          "':'",
                                          "','",
                                          "']'",
                                          "'}'",
                                          "end of input",
                                          "'[', '{', or a literal",
                                          "<uninitialized>",
                                          "true literal",
                                          "false literal",
                                          "null literal",
                                          "number literal",
                                          "<parse error>"};
    const std::string token = message.substr(tail + 12);
    for (const char* known : kTokens) {
      if (token == known) expected = "; expected " + token;
    }
  }
  return message.substr(0, quoted) + expected;
}

// ---- Reading ------------------------------------------------------------------------------
// The mapping from a case file's JSON to batch items, in one place: the sections, the fields
// each entity may have (Schema), and how an entity becomes an item (EntityReader::build).

enum class Section : unsigned char {
  agencies,
  households,
  persons,
  places,
  groups,
  concerns,
  factors,
  relations,
  events,
  overrides,
  entries,
  calendar,  // one object, not an array
};
constexpr std::size_t kSections = 12;

struct Schema {
  std::string_view name;
  std::vector<std::string_view> fields;
};

// In the order their items go into the batch, whatever their order in the file.
const std::array<Schema, kSections>& schemas() {
  static const std::array<Schema, kSections> kSchemas = {{
      {"agencies", {"id", "type", "name"}},
      {"households", {"id"}},
      {"persons", {"id", "kind", "dob", "household", "flags", "name", "attributes"}},
      {"places", {"id", "kind", "name"}},
      {"groups", {"id", "kind", "name"}},
      {"concerns",
       {"id", "category", "severity", "incident", "recorded", "status", "source", "restricted",
        "about", "involves", "summary"}},
      {"factors", {"id", "kind", "strength", "start", "end", "provided_by", "protects", "summary"}},
      {"relations", {"kind", "from", "to"}},
      {"events",
       {"id", "kind", "date", "about", "note", "decision", "category", "expected", "items"}},
      {"overrides",
       {"id", "child", "adult", "direction", "date", "author", "reason", "approved_by",
        "approved"}},
      {"entries",
       {"id", "kind", "date", "about", "author", "text", "value", "question", "source",
        "restricted"}},
      {"calendar", {"nation", "closures"}},
  }};
  return kSchemas;
}
constexpr std::size_t kMaxFields = 11;

// Whether a field of an entity holds ids: its own, or those of entities it refers to.
bool holds_ids(std::string_view field) {
  for (const std::string_view name :
       {"id", "household", "source", "about", "involves", "provided_by", "protects", "from", "to",
        "child", "adult", "approved_by"}) {
    if (field == name) return true;
  }
  return false;
}

// The fields of each section that hold ids, as a bit per field.
const std::array<std::uint32_t, kSections>& id_fields() {
  static const std::array<std::uint32_t, kSections> kIdFields = [] {
    std::array<std::uint32_t, kSections> masks{};
    for (std::size_t s = 0; s < kSections; ++s) {
      for (std::size_t f = 0; f < schemas()[s].fields.size(); ++f)
        if (holds_ids(schemas()[s].fields[f])) masks[s] |= 1u << f;
    }
    return masks;
  }();
  return kIdFields;
}

// One field of the entity being read: a scalar, or an array of strings (anything else is
// remembered only by its type, which is all an error needs).
struct Value {
  enum class Type : unsigned char {
    absent,
    null,
    boolean,
    integer,
    unsigned_integer,
    floating,
    string,
    array,
    object,
    day  // a date given as a day number (a column of sg_graph_add_tables), not as text
  };
  Type type = Type::absent;
  bool boolean = false;
  long long integer = 0;
  Day day = kNoDay;
  std::uint64_t unsigned_integer = 0;
  std::string text;
  std::vector<std::string> items;
  bool only_strings = true;

  bool is_integer() const { return type == Type::integer || type == Type::unsigned_integer; }
};

// The fields of one entity, reused from entity to entity so that reading allocates only what
// the batch keeps.
struct Entity {
  const Schema* schema = nullptr;
  Section section = Section::agencies;
  std::size_t element = 0;
  std::array<Value, kMaxFields> values;
  std::string unknown;  // the first unknown field name, in byte order (as reported)
  bool has_unknown = false;
  std::size_t next_slot = 0;  // the field after the last key read (key_slot)

  void begin(Section s, std::size_t index) {
    section = s;
    element = index;
    schema = &schemas()[static_cast<std::size_t>(s)];
    for (std::size_t i = 0; i < schema->fields.size(); ++i) {
      values[i].type = Value::Type::absent;
      values[i].items.clear();
      values[i].only_strings = true;
    }
    has_unknown = false;
    next_slot = 0;
  }

  // slot(name) for the key being read: a saved file gives an entity's fields in the schema's
  // order, so the field after the last one read is tried first (one comparison a key, not a
  // search of up to eleven).
  int key_slot(std::string_view name) {
    const auto& fields = schema->fields;
    if (next_slot < fields.size() && fields[next_slot] == name)
      return static_cast<int>(next_slot++);
    const int at = slot(name);
    if (at >= 0) next_slot = static_cast<std::size_t>(at) + 1;
    return at;
  }

  // The slot of a field name, or -1 when the schema has no such field.
  int slot(std::string_view name) const {
    for (std::size_t i = 0; i < schema->fields.size(); ++i) {
      if (schema->fields[i] == name) return static_cast<int>(i);
    }
    return -1;
  }

  const Value* find(std::string_view name) const {
    const int i = slot(name);
    return i < 0 || values[i].type == Value::Type::absent ? nullptr : &values[i];
  }
  Value* find(std::string_view name) {
    return const_cast<Value*>(static_cast<const Entity*>(this)->find(name));
  }

  Path path() const {
    if (section == Section::calendar) return Path{"calendar"};
    return Path{std::string(schema->name), std::to_string(element)};
  }
};

// What is wrong with an entity: which field (empty for the entity itself), the status and
// the reason.
struct Invalid {
  std::string key;
  Status status;
  std::string message;
  std::string entity;
};

// Turns one entity's fields into its batch item, with the checks the case-file format makes
// (the graph checks the rest: ids, references, limits).
class EntityReader {
 public:
  explicit EntityReader(Entity& e) : e_(e) {
    const Value* id = e.find("id");
    if (id && id->type == Value::Type::string) id_ = id->text;
  }

  Edit build() {
    switch (e_.section) {
      case Section::agencies:
        return AgencySpec{str("id", true), str("type", true), str("name", false)};
      case Section::households:
        return HouseholdSpec{str("id", true)};
      case Section::persons: {
        PersonSpec p;
        p.id = str("id", true);
        const std::string kind = str("kind", true);
        if (!parse_person_kind(kind, p.kind))
          fail("kind", Status::invalid_data,
               "kind must be \"child\" or \"adult\", not " + detail::quote_for_error(kind), p.id);
        p.dob = date("dob", false, p.id);
        p.household = str("household", false);
        p.flags = strings("flags");
        p.name = str("name", false);
        p.attributes = source_items("attributes");
        return p;
      }
      case Section::places:
        return PlaceSpec{str("id", true), str("kind", true), str("name", false)};
      case Section::groups:
        return GroupSpec{str("id", true), str("kind", true), str("name", false)};
      case Section::concerns: {
        ConcernSpec c;
        c.id = str("id", true);
        c.category = str("category", true);
        c.severity = integer("severity", true, 1, c.id);
        c.incident = date("incident", false, c.id);
        c.recorded = date("recorded", true, c.id);
        const std::string status = str("status", false);
        if (!status.empty() && !parse_concern_status(status, c.status)) {
          fail("status", Status::invalid_data,
               "status must be open, closed, unsubstantiated or retracted, not " +
                   detail::quote_for_error(status),
               c.id);
        }
        c.source = str("source", true);
        c.restricted = flag("restricted");
        c.about = strings("about");
        c.involves = strings("involves");
        c.summary = str("summary", false);
        return c;
      }
      case Section::factors: {
        FactorSpec f;
        f.id = str("id", true);
        f.kind = str("kind", true);
        f.strength = integer("strength", true, 1, f.id);
        f.start = date("start", false, f.id);
        f.end = date("end", false, f.id);
        f.provided_by = str("provided_by", false);
        f.protects = strings("protects");
        f.summary = str("summary", false);
        return f;
      }
      case Section::relations: {
        RelationSpec r;
        const std::string kind = str("kind", true);
        if (!parse_relation_kind(kind, r.kind))
          fail("kind", Status::invalid_data,
               "unknown relation kind " + detail::quote_for_error(kind));
        r.from = str("from", true);
        r.to = str("to", true);
        return r;
      }
      case Section::events: {
        EventSpec ev;
        ev.id = str("id", true);
        const std::string kind = str("kind", true);
        if (!parse_event_kind(kind, ev.kind))
          fail("kind", Status::invalid_data, "unknown event kind " + detail::quote_for_error(kind),
               ev.id);
        ev.date = date("date", true, ev.id);
        ev.about = strings("about");
        ev.note = str("note", false);
        const std::string decision = str("decision", false);
        if (!decision.empty() && !parse_event_decision(decision, ev.decision))
          fail("decision", Status::invalid_data,
               "unknown event decision " + detail::quote_for_error(decision), ev.id);
        ev.category = str("category", false);
        ev.expected = date("expected", false, ev.id);
        ev.items = source_items("items");
        return ev;
      }
      case Section::overrides: {
        DiscretionaryOverrideSpec o;
        o.id = str("id", true);
        // About one person: "child" (a child's level) or "adult" (an adult's own result).
        o.child = str("child", false);
        o.adult = str("adult", false);
        if (o.child.empty() == o.adult.empty())
          fail(o.child.empty() ? std::string() : "adult", Status::invalid_data,
               o.child.empty() ? "missing \"child\" or \"adult\" (one of the two is required)"
                               : "\"child\" and \"adult\" both given (one only)",
               o.id);
        const std::string direction = str("direction", true);
        if (!parse_override_direction(direction, o.direction))
          fail(
              "direction", Status::invalid_data,
              "direction must be \"raise\" or \"lower\", not " + detail::quote_for_error(direction),
              o.id);
        o.date = date("date", true, o.id);
        o.author = str("author", true);
        o.reason = str("reason", true);
        o.approved_by = str("approved_by", false);
        o.approved = date("approved", false, o.id);
        return o;
      }
      case Section::entries: {
        EntrySpec en;
        en.id = str("id", true);
        const std::string kind = str("kind", true);
        if (!parse_entry_kind(kind, en.kind))
          fail("kind", Status::invalid_data, "unknown entry kind " + detail::quote_for_error(kind),
               en.id);
        en.date = date("date", true, en.id);
        en.about = strings("about");
        en.author = str("author", true);
        en.text = str("text", true);
        en.value = integer("value", false, kNoScalingValue, en.id);
        if (e_.find("value") && en.kind != EntryKind::scaling)
          fail("value", Status::invalid_data, "only a scaling entry has a value", en.id);
        if (!e_.find("value") && en.kind == EntryKind::scaling)
          fail({}, Status::invalid_data, "missing \"value\": a scaling entry needs 0-10", en.id);
        if (en.kind == EntryKind::scaling && (en.value < 0 || en.value > 10))
          fail("value", Status::invalid_data,
               "\"value\" " + std::to_string(en.value) + " is outside 0-10", en.id);
        en.question = str("question", false);
        en.source = str("source", false);
        en.restricted = flag("restricted");
        return en;
      }
      case Section::calendar: {
        CalendarSpec c;
        const std::string nation = str("nation", false);
        if (!nation.empty()) {
          Nation parsed{};
          if (!parse_nation(nation, parsed))
            fail("nation", Status::invalid_data,
                 "nation must be \"england-and-wales\", \"england\", \"wales\", \"scotland\" or "
                 "\"northern-ireland\", "
                 "not " +
                     detail::quote_for_error(nation));
          c.nation = parsed;
        }
        for (const std::string& day : strings("closures")) {
          Day parsed = kNoDay;
          std::string error;
          if (!parse_iso_date(day, parsed, error))
            fail("closures", Status::invalid_data,
                 "closure " + detail::quote_for_error(day) + ": " + error);
          c.closures.push_back(parsed);
        }
        return c;
      }
    }
    throw Error(Status::internal, "unknown case-file section");
  }

 private:
  [[noreturn]] static void fail(std::string key, Status status, std::string message,
                                const std::string& entity = {}) {
    throw Invalid{std::move(key), status, std::move(message), entity};
  }

  std::string str(const char* key, bool required) {
    Value* value = e_.find(key);
    if (!value || value->type == Value::Type::null) {
      if (required) fail({}, Status::invalid_data, std::string("missing \"") + key + "\"", id_);
      return {};
    }
    if (value->type != Value::Type::string)
      fail(key, Status::type, std::string("\"") + key + "\" must be a string", id_);
    return std::move(value->text);
  }

  int integer(const char* key, bool required, int fallback, const std::string& id) const {
    const Value* value = e_.find(key);
    if (!value) {
      if (required) fail({}, Status::invalid_data, std::string("missing \"") + key + "\"", id);
      return fallback;
    }
    if (!value->is_integer())
      fail(key, Status::type, std::string("\"") + key + "\" must be a whole number", id);
    // Unsigned values are those above the largest signed one: all out of range.
    const bool in_range = value->type == Value::Type::integer && value->integer >= -1000000 &&
                          value->integer <= 1000000;
    if (!in_range)
      fail(key, Status::invalid_data, std::string("\"") + key + "\" is out of range", id);
    return static_cast<int>(value->integer);
  }

  bool flag(const char* key) const {
    const Value* value = e_.find(key);
    if (!value) return false;
    if (value->type != Value::Type::boolean)
      fail(key, Status::type, std::string("\"") + key + "\" must be true or false", id_);
    return value->boolean;
  }

  Day date(const char* key, bool required, const std::string& id) const {
    const Value* value = e_.find(key);
    if (!value || value->type == Value::Type::null) {
      if (required) fail({}, Status::invalid_data, std::string("missing \"") + key + "\"", id);
      return kNoDay;
    }
    if (value->type == Value::Type::day) return checked_day(key, value->day, id);
    if (value->type != Value::Type::string)
      fail(key, Status::type, std::string("\"") + key + "\" must be a date string YYYY-MM-DD", id);
    Day day = kNoDay;
    std::string error;
    if (!parse_iso_date(value->text, day, error))
      fail(key, Status::invalid_data, std::string("\"") + key + "\": " + error, id);
    return day;
  }

  // A date given as a day number: within the years parse_iso_date accepts.
  static Day checked_day(const char* key, Day day, const std::string& id) {
    static const Day kFirst = iso_day(std::to_string(detail::kFirstIsoYear) + "-01-01");
    static const Day kLast = iso_day(std::to_string(detail::kLastIsoYear) + "-12-31");
    if (day < kFirst || day > kLast)
      fail(key, Status::invalid_data,
           std::string("\"") + key + "\": day " + std::to_string(day) + " is outside " +
               std::to_string(detail::kFirstIsoYear) + ".." + std::to_string(detail::kLastIsoYear),
           id);
    return day;
  }
  static Day iso_day(const std::string& text) {
    Day day = kNoDay;
    std::string error;
    parse_iso_date(text, day, error);
    return day;
  }

  std::vector<std::string> strings(const char* key) {
    Value* value = e_.find(key);
    if (!value) return {};
    if (value->type != Value::Type::array)
      fail(key, Status::type, std::string("\"") + key + "\" must be an array of strings", id_);
    if (!value->only_strings)
      fail(key, Status::type, std::string("\"") + key + "\" must hold only strings", id_);
    return std::move(value->items);
  }

  // A person's attributes or an event's source items: strings "name=value" (the name is what
  // comes before the first '=', never empty).
  std::vector<SourceItem> source_items(const char* key) {
    std::vector<std::string> texts = strings(key);
    std::vector<SourceItem> out;
    out.reserve(texts.size());
    for (std::string& text : texts) {
      const std::size_t eq = text.find('=');
      if (eq == std::string::npos || eq == 0)
        fail(key, Status::invalid_data,
             std::string("\"") + key + "\" must hold \"name=value\" strings", id_);
      out.push_back(SourceItem{text.substr(0, eq), text.substr(eq + 1)});
    }
    return out;
  }

  Entity& e_;
  std::string id_;  // the entity's id when it has a string one, for error messages
};

// A problem found while reading, and where: a byte offset (syntax errors), the number of the
// SAX event at which reading stopped (limits and duplicate keys), or a path and key for the
// locator. Only the reported one is ever located.
struct Problem {
  enum class Place { offset, event, path };
  Status status = Status::ok;
  std::string message;
  std::string entity;
  Place place = Place::path;
  std::size_t at = 0;
  Path path;
  std::string key;
};

// Where each section's items sit in the batch.
struct Run {
  Section section;
  std::size_t first;
  std::size_t count;
};

// The SAX handler: one pass over the file, straight into the batch.
class CaseHandler {
 public:
  CaseHandler(const CaseFileLimits& limits) : limits_(limits) {}

  bool null() {
    ++events_;
    return scalar(Value::Type::null);
  }
  bool boolean(bool value) {
    ++events_;
    scratch_.boolean = value;
    return scalar(Value::Type::boolean);
  }
  bool number_integer(json::number_integer_t value) {
    ++events_;
    scratch_.integer = value;
    return scalar(Value::Type::integer);
  }
  bool number_unsigned(json::number_unsigned_t value) {
    ++events_;
    // nlohmann gives every non-negative integer as unsigned; keep the ones that fit as signed.
    if (value <= static_cast<std::uint64_t>(std::numeric_limits<long long>::max())) {
      scratch_.integer = static_cast<long long>(value);
      return scalar(Value::Type::integer);
    }
    scratch_.unsigned_integer = value;
    return scalar(Value::Type::unsigned_integer);
  }
  bool number_float(json::number_float_t, const json::string_t&) {
    ++events_;
    return scalar(Value::Type::floating);
  }
  bool string(json::string_t& value) {
    ++events_;
    if (value.size() > limits_.max_string_bytes)
      return stop(Status::limit,
                  "string longer than " + std::to_string(limits_.max_string_bytes) + " bytes");
    string_ = &value;
    return scalar(Value::Type::string);
  }
  bool binary(json::binary_t&) {
    ++events_;
    return stop(Status::parse, "binary values are not JSON");
  }
  bool start_object(std::size_t) {
    ++events_;
    return open(false);
  }
  bool start_array(std::size_t) {
    ++events_;
    return open(true);
  }
  bool end_object() {
    ++events_;
    return close();
  }
  bool end_array() {
    ++events_;
    return close();
  }
  bool key(json::string_t& name) {
    ++events_;
    if (name.size() > limits_.max_string_bytes)
      return stop(Status::limit,
                  "object key longer than " + std::to_string(limits_.max_string_bytes) + " bytes");
    if (skip_ > 0) return true;
    if (frames_.back() == Frame::root) return root_key(name);
    // An entity (or the calendar): the only other objects read rather than skipped.
    field_ = entity_.key_slot(name);
    if (field_ < 0) {
      if (!entity_.has_unknown || name < entity_.unknown) {
        entity_.unknown = name;
        entity_.has_unknown = true;
      }
      return true;
    }
    if (entity_.values[field_].type != Value::Type::absent)
      return stop(Status::duplicate, "duplicate key " + detail::quote_for_error(name));
    return go_on();
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    problem_ = Problem{};
    problem_.message = syntax_message(e.what());
    // nlohmann reports invalid UTF-8 as a syntax error; give it its own status.
    problem_.status =
        problem_.message.find("UTF-8") != std::string::npos ? Status::encoding : Status::parse;
    problem_.place = Problem::Place::offset;
    problem_.at = position > 0 ? position - 1 : 0;
    problem_.entity = reading_id();
    return false;
  }

  // Entities go straight into `build` (a graph being built as the file is read) instead of
  // into the batch, while their sections come in batch order; see stream(). With a `keeper`,
  // each item the build took is handed on to it too, in batch order.
  void stream_into(detail::StreamedBuild& build, detail::ItemKeeper* keeper = nullptr) {
    stream_ = &build;
    keeper_ = keeper;
  }
  // Whether the streamed build declined an entity (or a section out of order): reading stopped
  // there, and the graph is back to empty.
  bool stream_declined() const { return stream_declined_; }
  // The end of a streamed read: the calendar, held back to be last as in the batch, then the
  // checks over all the items. False if the build declined (nothing was read, or a check failed).
  bool finish_stream() {
    if (calendar_ && !stream_->add(*calendar_)) return false;
    if (calendar_ && keeper_ && !keeper_->keep(std::move(*calendar_))) return false;
    return stream_->finish();
  }

  // The parser stopped at a number longer than the limit, which starts at byte `at`.
  void refuse_long_number(std::size_t at) {
    stop(Status::limit, long_number_message(limits_.max_string_bytes));
    problem_.place = Problem::Place::offset;
    problem_.at = at;
  }
  void refuse_nul_byte(std::size_t at) {
    stop(Status::parse, "a NUL byte, which JSON text cannot hold");
    problem_.place = Problem::Place::offset;
    problem_.at = at;
  }

  // After the pass: the problem to report (status ok when there is none).
  Problem& problem() { return problem_; }
  Batch& batch() { return batch_; }
  std::vector<Run>& runs() { return runs_; }

  // Root-level checks that need the whole root object.
  void finish() {
    if (problem_.status != Status::ok || !root_seen_) return;
    if (!version_seen_)
      report(Status::version,
             "missing \"schema_version\" (this library reads version " +
                 std::to_string(kCaseSchemaVersion) + ")",
             {}, {});
  }

 private:
  enum class Frame : unsigned char { root, section, entity, list };
  enum class Member : unsigned char { schema_version, description, section, unknown };

  bool stop(Status status, std::string message) {
    problem_ = Problem{};
    problem_.status = status;
    problem_.message = std::move(message);
    problem_.place = Problem::Place::event;
    problem_.at = events_;
    problem_.entity = reading_id();
    return false;
  }

  // The id of the entity being read when the problem struck, once its "id" has been read (an
  // over-long string or invalid UTF-8 later in the same object then names it); empty outside
  // an entity or before its id.
  std::string reading_id() const {
    if (std::find(frames_.begin(), frames_.end(), Frame::entity) == frames_.end()) return {};
    const Value* id = entity_.find("id");
    return id && id->type == Value::Type::string ? id->text : std::string();
  }

  // The first problem in the file is the one reported, and reading stops soon after (see
  // go_on): what follows is neither kept nor parsed.
  void report(Status status, std::string message, Path path, std::string key,
              std::string entity = {}) {
    if (failed_) return;
    failed_ = true;
    problem_ = Problem{};
    problem_.status = status;
    problem_.message = std::move(message);
    problem_.path = std::move(path);
    problem_.key = std::move(key);
    problem_.entity = std::move(entity);
  }

  // Once a problem is found, reading goes on only to the end of the value it is in, and one
  // event further: a syntax error or a limit there (`"schema_version": 01`, an unknown field
  // nested too deep) is the better report, as it was when the whole file was parsed first.
  bool go_on() {
    if (stream_declined_) return false;
    if (!failed_ || skip_ > 0) return true;
    return ++events_after_problem_ < 2;
  }

  bool open(bool array) {
    if (depth_ >= limits_.max_depth)
      return stop(Status::limit,
                  "nested deeper than " + std::to_string(limits_.max_depth) + " levels");
    ++depth_;
    if (skip_ > 0) {
      ++skip_;
      return true;
    }
    if (!arrive(array ? Value::Type::array : Value::Type::object)) skip_ = 1;
    return go_on();
  }

  bool close() {
    --depth_;
    if (skip_ > 0) {
      --skip_;
      return go_on();
    }
    const Frame frame = frames_.back();
    frames_.pop_back();
    if (frame == Frame::entity) finish_entity();
    return go_on();
  }

  bool scalar(Value::Type type) {
    if (skip_ == 0) arrive(type);
    return go_on();
  }

  // A value starts where the innermost frame says what it is. Returns true when a container
  // is to be read (its frame pushed), false when it is to be skipped.
  bool arrive(Value::Type type) {
    const bool container = type == Value::Type::array || type == Value::Type::object;
    if (frames_.empty()) {
      root_seen_ = true;
      if (type == Value::Type::object) {
        frames_.push_back(Frame::root);
        return true;
      }
      report(Status::type, "a case file must be a JSON object", {}, {});
      return false;
    }
    switch (frames_.back()) {
      case Frame::root:
        return member_value(type);
      case Frame::section: {
        const std::size_t index = element_++;
        if (type == Value::Type::object) {
          begin_entity(section_, index);
          return true;
        }
        report(Status::type, "expected an object",
               Path{std::string(schemas()[static_cast<std::size_t>(section_)].name),
                    std::to_string(index)},
               {});
        return false;
      }
      case Frame::entity: {
        if (field_ < 0) return false;  // an unknown field: reported when the entity closes
        Value& value = entity_.values[field_];
        value.type = type;
        if (type == Value::Type::array) {
          frames_.push_back(Frame::list);
          return true;
        }
        if (!container) {
          if (type == Value::Type::string && stream_ && refers()) stream_->prefetch(*string_);
          take_scalar(value);
        }
        return false;
      }
      case Frame::list: {
        Value& value = entity_.values[field_];
        if (type == Value::Type::string) {
          if (stream_ && refers()) stream_->prefetch(*string_);
          value.items.push_back(std::move(*string_));
        } else {
          value.only_strings = false;
        }
        return false;
      }
    }
    return false;
  }

  // Whether the field being read holds ids (id_fields()).
  bool refers() const {
    return (id_fields()[static_cast<std::size_t>(entity_.section)] >> field_) & 1u;
  }

  void take_scalar(Value& value) {
    switch (value.type) {
      case Value::Type::boolean:
        value.boolean = scratch_.boolean;
        break;
      case Value::Type::integer:
        value.integer = scratch_.integer;
        break;
      case Value::Type::unsigned_integer:
        value.unsigned_integer = scratch_.unsigned_integer;
        break;
      case Value::Type::string:
        value.text = std::move(*string_);
        break;
      default:
        break;
    }
  }

  bool root_key(const std::string& name) {
    const auto& all = schemas();
    member_ = Member::unknown;
    std::size_t bit = kSections + 2;
    if (name == "schema_version") {
      member_ = Member::schema_version;
      bit = kSections;
    } else if (name == "description") {
      member_ = Member::description;
      bit = kSections + 1;
    } else {
      for (std::size_t i = 0; i < kSections; ++i) {
        if (all[i].name == name) {
          member_ = Member::section;
          section_ = static_cast<Section>(i);
          bit = i;
        }
      }
    }
    if (member_ == Member::unknown) {
      // A "checksum" member that Source did not take for a saved file's trailer: the file's
      // end was changed (line endings converted, a newline added, the member moved), so what
      // the checksum covers cannot be known.
      if (name == "checksum") {
        report(Status::invalid_data,
               "the \"checksum\" member is not where or as a saved file writes it (last, "
               "after a comma and a line feed, the file ending \"\\n}\\n\"): the file was edited "
               "or its line endings changed after it was saved (remove the member to load a "
               "deliberate edit)",
               {}, name);
        return go_on();
      }
      report(Status::invalid_data, "unknown field " + detail::quote_for_error(name), {}, name);
      return go_on();
    }
    if (seen_members_ & (1u << bit))
      return stop(Status::duplicate, "duplicate key " + detail::quote_for_error(name));
    seen_members_ |= 1u << bit;
    return true;
  }

  bool member_value(Value::Type type) {
    switch (member_) {
      case Member::schema_version: {
        version_seen_ = true;
        const bool right = type == Value::Type::integer && scratch_.integer == kCaseSchemaVersion;
        if (!right)
          report(Status::version, "schema_version must be " + std::to_string(kCaseSchemaVersion),
                 {}, "schema_version");
        return false;
      }
      case Member::description:
        if (type != Value::Type::string)
          report(Status::type, "description must be a string", {}, "description");
        return false;
      case Member::unknown:
        return false;
      case Member::section:
        break;
    }
    const auto section = static_cast<std::size_t>(section_);
    const std::string name(schemas()[section].name);
    if (section_ == Section::calendar) {
      if (type == Value::Type::object) {
        begin_entity(Section::calendar, 0);
        return true;
      }
      report(Status::type, "expected an object", Path{name}, {});
      return false;
    }
    if (type == Value::Type::array) {
      element_ = 0;
      runs_.push_back(Run{section_, batch_.items.size(), 0});
      frames_.push_back(Frame::section);
      return true;
    }
    report(Status::type, "\"" + name + "\" must be an array", {}, name);
    return false;
  }

  void begin_entity(Section section, std::size_t index) {
    if (section == Section::calendar) runs_.push_back(Run{section, batch_.items.size(), 0});
    entity_.begin(section, index);
    field_ = -1;
    frames_.push_back(Frame::entity);
  }

  void finish_entity() {
    try {
      if (entity_.has_unknown)
        throw Invalid{entity_.unknown,
                      Status::invalid_data,
                      "unknown field " + detail::quote_for_error(entity_.unknown),
                      {}};
      Edit item = EntityReader(entity_).build();
      if (failed_) return;
      if (stream_) {
        stream(std::move(item));
      } else {
        batch_.items.push_back(std::move(item));
        ++runs_.back().count;
      }
    } catch (Invalid& invalid) {
      report(invalid.status, std::move(invalid.message), entity_.path(), std::move(invalid.key),
             std::move(invalid.entity));
    }
  }

  // Into the graph as the batch would take it: sections in schemas() order, the calendar last.
  // A section out of that order (a file not written by save_case) declines, and the caller
  // reads the file again into a batch, which it sorts.
  void stream(Edit item) {
    if (entity_.section == Section::calendar) {
      calendar_ = std::move(item);
      return;
    }
    if (entity_.section < streamed_section_ || !stream_->add(item) ||
        (keeper_ && !keeper_->keep(std::move(item)))) {
      stream_declined_ = true;
      return;
    }
    streamed_section_ = entity_.section;
  }

  CaseFileLimits limits_;
  detail::StreamedBuild* stream_ = nullptr;
  detail::ItemKeeper* keeper_ = nullptr;
  Section streamed_section_ = Section::agencies;
  std::optional<Edit> calendar_;
  bool stream_declined_ = false;
  std::size_t events_ = 0;
  std::size_t depth_ = 0;  // open containers, skipped ones included
  std::size_t skip_ = 0;   // open containers of a value being skipped
  std::vector<Frame> frames_;
  Member member_ = Member::unknown;
  Section section_ = Section::agencies;
  std::size_t element_ = 0;
  Entity entity_;
  int field_ = -1;
  Value scratch_;                     // a scalar on its way to arrive()
  json::string_t* string_ = nullptr;  // a string on its way to arrive()
  std::uint32_t seen_members_ = 0;
  bool root_seen_ = false;
  bool version_seen_ = false;
  bool failed_ = false;
  int events_after_problem_ = 0;
  Problem problem_;
  Batch batch_;
  std::vector<Run> runs_;
};

// A case file read into a batch, with where each item came from.
struct Reading {
  Batch batch;
  std::vector<Run> runs;  // in batch order

  Path path_of(std::size_t item) const {
    for (const Run& run : runs) {
      if (item >= run.first && item < run.first + run.count) {
        if (run.section == Section::calendar) return Path{"calendar"};
        return Path{std::string(schemas()[static_cast<std::size_t>(run.section)].name),
                    std::to_string(item - run.first)};
      }
    }
    return {};
  }
};

Location locate(Source& source, const Path& path, const std::string& key,
                const std::string& entity) {
  std::size_t consumed = 0;
  Locator locator(source, path, key, &consumed);
  parse<true>(source, locator, nullptr, &consumed);
  Location where{source.name(), 0, 0, shown_id(entity)};
  if (locator.found != std::string::npos)
    line_column(source, locator.found, where.line, where.column);
  return where;
}

Location place_of(Source& source, const Problem& problem) {
  if (problem.place == Problem::Place::path)
    return locate(source, problem.path, problem.key, problem.entity);
  std::size_t offset = problem.at;
  if (problem.place == Problem::Place::event) {
    EventFinder finder(problem.at);
    offset = 0;
    parse<true>(source, finder, nullptr, &offset);
  }
  Location where{source.name(), 0, 0, shown_id(problem.entity)};
  line_column(source, offset, where.line, where.column);
  return where;
}

[[noreturn]] void checksum_mismatch(Source& source) {
  // The position of the trailer in the input, which the parsed text does not hold: count the
  // body, then the trailer's ",\n  " before "checksum".
  Location where{source.name()};
  line_column(source, source.trailer_at(), where.line, where.column);
  where.line += 1;
  where.column = 3;
  throw Error(Status::invalid_data,
              "checksum does not match the content: the file was damaged or edited after it "
              "was saved (remove the \"checksum\" member to load a deliberate edit)",
              where);
}

// One pass of `handler` over the source, the checksum verified, and the first problem found
// thrown as an Error with its place.
void read_into(Source& source, CaseHandler& handler) {
  detail::Sha256 digest;
  const bool verify = source.has_trailer();
  const PassOutcome pass = parse<false>(source, handler, verify ? &digest : nullptr);
  if (handler.stream_declined()) return;  // the caller reads again, as a batch
  // A damaged file is the likelier story than whatever its damage looks like to the parser.
  if (verify && digest.hex() != source.digest()) checksum_mismatch(source);
  Problem& problem = handler.problem();
  // nlohmann counts only what it was shown of the text: its position is the count of bytes it
  // had read (problem.at is the last of them).
  if (problem.place == Problem::Place::offset) problem.at += pass.stepped.before(problem.at + 1);
  if (pass.long_number) handler.refuse_long_number(*pass.long_number);
  if (pass.nul_byte) handler.refuse_nul_byte(*pass.nul_byte);
  handler.finish();
  const bool parsed = pass.parsed;
  if (!parsed && problem.status == Status::ok) {
    problem.status = Status::parse;
    problem.message = "malformed JSON";
  }
  if (problem.status != Status::ok)
    throw Error(problem.status, problem.message, place_of(source, problem));
}

Reading read_case(Source& source, const CaseFileLimits& limits) {
  CaseHandler handler(limits);
  read_into(source, handler);
  Reading reading{std::move(handler.batch()), std::move(handler.runs())};
  // Items go into the batch in schemas() order whatever the order of the file's sections, so
  // the record (and the order save_case writes) does not depend on it.
  const bool in_order =
      std::is_sorted(reading.runs.begin(), reading.runs.end(),
                     [](const Run& a, const Run& b) { return a.section < b.section; });
  if (!in_order) {
    std::vector<Run> runs = reading.runs;
    std::stable_sort(runs.begin(), runs.end(),
                     [](const Run& a, const Run& b) { return a.section < b.section; });
    Batch ordered;
    ordered.items.reserve(reading.batch.items.size());
    for (Run& run : runs) {
      const std::size_t first = ordered.items.size();
      for (std::size_t i = 0; i < run.count; ++i)
        ordered.items.push_back(std::move(reading.batch.items[run.first + i]));
      run.first = first;
    }
    reading.batch = std::move(ordered);
    reading.runs = std::move(runs);
  }
  return reading;
}

void apply_reading(CaseGraph& graph, const Reading& reading, Source& source) {
  try {
    graph.apply(reading.batch);
  } catch (const BatchError& e) {
    throw Error(e.status(), e.detail(),
                locate(source, reading.path_of(e.item()), {}, e.where().entity));
  }
}

// The batch item an entity of a section becomes, as Edit's alternative.
std::size_t item_kind(Section section) {
  auto kind = [](auto tag) { return Edit(std::in_place_type<decltype(tag)>).index(); };
  switch (section) {
    case Section::agencies:
      return kind(AgencySpec{});
    case Section::households:
      return kind(HouseholdSpec{});
    case Section::persons:
      return kind(PersonSpec{});
    case Section::places:
      return kind(PlaceSpec{});
    case Section::groups:
      return kind(GroupSpec{});
    case Section::concerns:
      return kind(ConcernSpec{});
    case Section::factors:
      return kind(FactorSpec{});
    case Section::relations:
      return kind(RelationSpec{});
    case Section::events:
      return kind(EventSpec{});
    case Section::overrides:
      return kind(DiscretionaryOverrideSpec{});
    case Section::entries:
      return kind(EntrySpec{});
    case Section::calendar:
      break;
  }
  return kind(CalendarSpec{});
}

// ---- Counting entities before the parse (a hint) ------------------------------------------
// How many entities each section of a file in save_case's layout holds, so that the streamed
// build reserves its record vectors once (detail::StreamedBuild::reserve_records) instead of
// growing them a doubling at a time: each doubling moved every record into fresh pages that
// the kernel had to zero, a fifth of `safeguard assess` (docs/performance.md, "End to end").
// In that layout an entity opens a line of its own at an indent of four, "\n    {", and a
// section's first entity follows the line of its key, `\n  "persons": [`. A raw newline cannot
// sit inside a JSON string, so such bytes are always layout; a file in another layout (minified,
// hand-indented) counts nothing and is read as before. Nothing is trusted: a count only sizes
// vectors whose room costs address space until filled, and is capped at one entity per
// kMinEntityBytes of its section (a household, the smallest entity in this layout, takes
// about 40), so text made to look like the layout reserves a bounded multiple of its size in
// address space and no memory.
class LayoutCounter {
 public:
  void scan(const char* begin, const char* end, std::size_t offset) {
    for (const char* at = begin;
         (at = static_cast<const char*>(std::memchr(at, '{', static_cast<std::size_t>(end - at))));
         ++at) {
      const std::size_t before = static_cast<std::size_t>(at - begin);
      if (before >= kContext) {
        entity_open(std::string_view(at - kContext, kContext), offset + before);
      } else {
        std::string context = tail_;
        context.append(begin, before);
        entity_open(context, offset + before);
      }
    }
    // The bytes a '{' at the start of the next piece looks back on.
    const auto size = static_cast<std::size_t>(end - begin);
    if (size >= kContext) {
      tail_.assign(end - kContext, kContext);
    } else {
      tail_.append(begin, size);
      if (tail_.size() > kContext) tail_.erase(0, tail_.size() - kContext);
    }
  }

  detail::ItemCounts counts() const {
    detail::ItemCounts counts = {};
    for (std::size_t s = 0; s < kSections; ++s) {
      if (sections_[s].count == 0) continue;
      const std::size_t span = sections_[s].last - sections_[s].first;
      counts[item_kind(static_cast<Section>(s))] =
          std::min(sections_[s].count, span / kMinEntityBytes + 1);
    }
    return counts;
  }

 private:
  static constexpr std::size_t kContext = 64;  // a section key's line, and the entity's indent
  static constexpr std::size_t kMinEntityBytes = 32;

  // `context`: the bytes before a '{' at `offset`.
  void entity_open(std::string_view context, std::size_t offset) {
    constexpr std::string_view kIndent = "\n    ";
    constexpr std::string_view kFirst = "[\n    ";
    if (context.size() < kIndent.size() ||
        context.substr(context.size() - kIndent.size()) != kIndent)
      return;
    if (context.size() >= kFirst.size() && context.substr(context.size() - kFirst.size()) == kFirst)
      current_ = section_named(context.substr(0, context.size() - kFirst.size()));
    if (current_ >= kSections) return;
    Counted& section = sections_[current_];
    if (section.count++ == 0) section.first = offset;
    section.last = offset;
  }

  // The section whose key's line `line` ends with (`\n  "name": `), or kSections for none.
  static std::size_t section_named(std::string_view line) {
    constexpr std::string_view kAfter = "\": ";
    if (line.size() < kAfter.size() || line.substr(line.size() - kAfter.size()) != kAfter)
      return kSections;
    line.remove_suffix(kAfter.size());
    const std::size_t quote = line.rfind('"');
    if (quote == std::string_view::npos || quote < 3 || line.substr(quote - 3, 3) != "\n  ")
      return kSections;
    const std::string_view name = line.substr(quote + 1);
    for (std::size_t s = 0; s < kSections; ++s) {
      if (static_cast<Section>(s) != Section::calendar && schemas()[s].name == name) return s;
    }
    return kSections;
  }

  struct Counted {
    std::size_t count = 0;
    std::size_t first = 0;  // offsets of the first and last entity counted
    std::size_t last = 0;
  };
  std::array<Counted, kSections> sections_{};
  std::size_t current_ = kSections;
  std::string tail_;
};

// The entities of each section, as far as the layout tells (LayoutCounter): one pass of memchr
// over the input before the parse, a few percent of reading it.
detail::ItemCounts count_entities(Source& source) {
  LayoutCounter counter;
  const char* begin = nullptr;
  const char* end = nullptr;
  for (std::size_t offset = 0; source.piece(offset, begin, end);
       offset += static_cast<std::size_t>(end - begin))
    counter.scan(begin, end, offset);
  return counter.counts();
}

// The case read by the fast pass straight into an empty graph (detail::StreamedBuild). False
// when anything stopped it, reported nothing: the graph is empty again, and load_from reads the
// input with nlohmann's parser, which finds the problem (or takes what RapidJSON refused).
// With a `keeper`, each item built is handed on to it too; `declined` (if given) says whether
// the build or the keeper refused an item, which no other pass would take either.
bool load_fast(CaseGraph& graph, Source& source, const CaseFileLimits& limits,
               const Progress& progress, detail::ItemKeeper* keeper = nullptr,
               bool* declined = nullptr) {
  detail::StreamedBuild build(graph);
  const detail::ItemCounts counts = count_entities(source);
  build.reserve_records(counts);
  if (keeper) keeper->reserve(counts);
  CaseHandler handler(limits);
  handler.stream_into(build, keeper);
  detail::Sha256 digest;
  const bool verify = source.has_trailer();
  source.set_progress(&progress);
  const bool parsed = parse_fast(source, handler, verify ? &digest : nullptr);
  source.set_progress(nullptr);
  if (declined) *declined = handler.stream_declined();
  if (!parsed || handler.stream_declined() || handler.problem().status != Status::ok) return false;
  if (verify && digest.hex() != source.digest()) return false;
  handler.finish();
  return handler.problem().status == Status::ok && handler.finish_stream();
}

// Reads the case into `graph`. Into an empty graph the entities are built as they are read
// (detail::StreamedBuild), so memory follows the record, not a batch of the whole file: by the
// fast pass, then, if that stops, by nlohmann's. When that declines too (a graph error, or
// sections out of order), or the graph is not empty, the file is read into a batch and applied
// as one, whose errors name the item and its place.
void load_from(CaseGraph& graph, Source& source, const CaseFileLimits& limits,
               const Progress& progress) {
  if (detail::StreamedBuild::accepts(graph)) {
    if (load_fast(graph, source, limits, progress)) return;
    // Read again from the start: the progress reports start again too.
    detail::StreamedBuild build(graph);
    CaseHandler handler(limits);
    handler.stream_into(build);
    source.set_progress(&progress);
    read_into(source, handler);  // on an error, `build` empties the graph again
    // Past the last byte the callback has no more say: what follows completes the build, or
    // declines it and the batch below is applied atomically.
    source.set_progress(nullptr);
    if (!handler.stream_declined() && handler.finish_stream()) return;
  }
  // Read again from the start: the progress reports start again too.
  source.set_progress(&progress);
  const Reading reading = read_case(source, limits);
  source.set_progress(nullptr);
  apply_reading(graph, reading, source);
}

void check_buffer_size(std::size_t size, const std::string& name, const CaseFileLimits& limits) {
  if (size > limits.max_bytes) {
    throw Error(Status::limit,
                "case file is larger than " + std::to_string(limits.max_bytes) + " bytes",
                Location{name});
  }
}

void check_buffer_size(std::string_view text, const std::string& name,
                       const CaseFileLimits& limits) {
  check_buffer_size(text.size(), name, limits);
}

// The file at `path` as a source, refused when larger than the limit as parse_case refuses a
// buffer (the name in its errors is the path, as for the file's text given to parse_case).
std::unique_ptr<Source> file_source(const std::string& path, const CaseFileLimits& limits) {
  CaseFileLimits unbounded = limits;
  unbounded.max_bytes = std::numeric_limits<std::size_t>::max();
  auto source = std::make_unique<Source>(path, unbounded);
  check_buffer_size(source->raw_size(), path, limits);
  return source;
}

// The streamed part of load_from with every item handed on to `keeper` too: the fast pass, then,
// if that stops short of a refused item, nlohmann's, whose problems are thrown as parse_case
// throws them. False when an item was refused (by the build or the keeper): the graph is empty
// again, and the caller reads the input again as a batch, which names what is wrong.
bool stream_from(CaseGraph& graph, detail::ItemKeeper& keeper, Source& source,
                 const CaseFileLimits& limits, const Progress& progress) {
  if (!detail::StreamedBuild::accepts(graph)) return false;
  bool declined = false;
  if (load_fast(graph, source, limits, progress, &keeper, &declined)) return true;
  keeper.restart();
  if (declined) return false;
  // Read again from the start: the progress reports start again too.
  detail::StreamedBuild build(graph);
  CaseHandler handler(limits);
  handler.stream_into(build, &keeper);
  source.set_progress(&progress);
  read_into(source, handler);  // on an error, `build` empties the graph again
  source.set_progress(nullptr);
  if (!handler.stream_declined() && handler.finish_stream()) return true;
  keeper.restart();
  return false;
}

}  // namespace

Batch parse_case(std::string_view text, const std::string& name, const CaseFileLimits& limits) {
  return parse_case(text, name, limits, Progress{});
}

Batch parse_case(std::string_view text, const std::string& name, const CaseFileLimits& limits,
                 const Progress& progress) {
  check_buffer_size(text, name, limits);
  Source source(text, name, limits);
  source.set_progress(&progress);
  return read_case(source, limits).batch;
}

void load_case(CaseGraph& graph, std::string_view text, const std::string& name,
               const CaseFileLimits& limits) {
  load_case(graph, text, name, limits, Progress{});
}

void load_case(CaseGraph& graph, std::string_view text, const std::string& name,
               const CaseFileLimits& limits, const Progress& progress) {
  check_buffer_size(text, name, limits);
  Source source(text, name, limits);
  load_from(graph, source, limits, progress);
}

void load_case_file(CaseGraph& graph, const std::string& path, const CaseFileLimits& limits) {
  load_case_file(graph, path, limits, Progress{});
}

void load_case_file(CaseGraph& graph, const std::string& path, const CaseFileLimits& limits,
                    const Progress& progress) {
  Source source(path, limits);
  load_from(graph, source, limits, progress);
}

namespace detail {

bool load_case_fast(CaseGraph& graph, std::string_view text, const std::string& name,
                    const CaseFileLimits& limits) {
  check_buffer_size(text, name, limits);
  if (!StreamedBuild::accepts(graph)) return false;
  Source source(text, name, limits);
  return load_fast(graph, source, limits, Progress{});
}

bool stream_case(CaseGraph& graph, ItemKeeper& keeper, std::string_view text,
                 const std::string& name, const CaseFileLimits& limits, const Progress& progress) {
  check_buffer_size(text, name, limits);
  Source source(text, name, limits);
  return stream_from(graph, keeper, source, limits, progress);
}

bool stream_case_file(CaseGraph& graph, ItemKeeper& keeper, const std::string& path,
                      const CaseFileLimits& limits, const Progress& progress) {
  const std::unique_ptr<Source> source = file_source(path, limits);
  return stream_from(graph, keeper, *source, limits, progress);
}

Batch parse_case_file(const std::string& path, const CaseFileLimits& limits,
                      const Progress& progress) {
  const std::unique_ptr<Source> source = file_source(path, limits);
  source->set_progress(&progress);
  return read_case(*source, limits).batch;
}

ItemCounts count_case_entities(std::string_view text, std::size_t piece_bytes) {
  if (piece_bytes == 0) {
    Source source(text, "count", CaseFileLimits{});
    return count_entities(source);
  }
  LayoutCounter counter;
  for (std::size_t offset = 0; offset < text.size(); offset += piece_bytes) {
    const std::size_t size = std::min(piece_bytes, text.size() - offset);
    counter.scan(text.data() + offset, text.data() + offset + size, offset);
  }
  return counter.counts();
}

}  // namespace detail

namespace {

// ---- Writing --------------------------------------------------------------------------------
// A case file is written as it is produced, with no document: the text goes into a buffer of
// about a megabyte that is hashed and handed on whenever it fills, so memory stays that of the
// buffer whatever the size of the graph (a document of a 1,000,000-child caseload took about
// 17 GB). The bytes are exactly those nlohmann's ordered_json gave with dump(2): the same
// members in the same order, two-space indentation, `[]` for an empty list, and strings and
// numbers as its serializer writes them (see CaseText::string). tests/oracle keeps that
// document writer and checks byte equality (test_case_differential.cpp).

using Sink = std::function<void(std::string_view)>;

class CaseText {
 public:
  // `hashed`: whether to compute the checksum; a pass that only counts the bytes needs none
  // (the trailer's length is fixed).
  CaseText(const Sink& sink, bool hashed) : sink_(sink), hashed_(hashed) {
    buffer_.reserve(kPiece + kPiece / 4);
  }

  // The canonical text so far, hashed and handed on.
  void flush() {
    if (hashed_) digest_.update(buffer_);
    sink_(buffer_);
    buffer_.clear();
  }

  // The checksum member and the closing brace (see the checksum comment at the top): the digest
  // covers the text as it would end without that member, in "\n}\n".
  void finish() {
    flush();
    buffer_.append(kChecksumHead);
    if (hashed_) {
      digest_.update(kCoveredEnd);
      buffer_.append(digest_.hex());
    } else {
      buffer_.append(kDigestLength, '0');
    }
    buffer_.append(kChecksumTail);
    sink_(buffer_);
    buffer_.clear();
  }

  void begin_object() {
    before_value();
    open('{');
  }
  void end_object() { close('}'); }
  void begin_array() {
    before_value();
    open('[');
  }
  void end_array() { close(']'); }

  // The separator and indentation before an object member, then its quoted key.
  void key(std::string_view name) {
    separate();
    raw('"');
    raw(name);
    raw("\": ");
    after_key_ = true;
  }

  // A string as nlohmann's serializer writes it with ensure_ascii off: UTF-8 passes through,
  // ", \ and the control characters with a short form (\b \t \n \f \r) are escaped so, the
  // other control characters as \u00XX in lower-case hex, and 0x7F and everything above as it
  // is. Text that is not well-formed UTF-8 (which the graph never holds: every string is
  // checked on the way in) goes to nlohmann itself, so it fails exactly as before.
  void string(std::string_view text) {
    before_value();
    if (detail::first_invalid_utf8(text) != std::string_view::npos) {
      raw(nlohmann::ordered_json(std::string(text)).dump());
      return;
    }
    raw('"');
    std::size_t plain_from = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const auto byte = static_cast<unsigned char>(text[i]);
      if (byte >= 0x20 && byte != '"' && byte != '\\') continue;
      raw(text.substr(plain_from, i - plain_from));
      plain_from = i + 1;
      switch (byte) {
        case '\b':
          raw("\\b");
          break;
        case '\t':
          raw("\\t");
          break;
        case '\n':
          raw("\\n");
          break;
        case '\f':
          raw("\\f");
          break;
        case '\r':
          raw("\\r");
          break;
        case '"':
          raw("\\\"");
          break;
        case '\\':
          raw("\\\\");
          break;
        default: {
          static constexpr char kHex[] = "0123456789abcdef";
          const char escaped[] = {'\\', 'u', '0', '0', kHex[byte >> 4], kHex[byte & 0xF]};
          raw(std::string_view(escaped, sizeof escaped));
        }
      }
    }
    raw(text.substr(plain_from));
    raw('"');
  }

  // Integers as nlohmann writes them: decimal digits, a minus sign when negative.
  void integer(long long number) {
    before_value();
    char digits[24];
    const auto written = std::to_chars(digits, digits + sizeof digits, number);
    raw(std::string_view(digits, static_cast<std::size_t>(written.ptr - digits)));
  }

  void boolean(bool value) {
    before_value();
    raw(value ? "true" : "false");
  }

  // A member of the object being written.
  void member(std::string_view name, std::string_view text) {
    key(name);
    string(text);
  }
  // A date member, as the case file writes dates: YYYY-MM-DD.
  void day(std::string_view name, Day value) { member(name, format_iso_date(value)); }

 private:
  static constexpr std::size_t kPiece = std::size_t{1} << 20;
  static constexpr int kDeepest = 8;  // root, section, entity, list: four levels are used

  void raw(std::string_view text) {
    buffer_.append(text);
    if (buffer_.size() >= kPiece) flush();
  }
  void raw(char c) { buffer_.push_back(c); }

  // Before a value: after a key nothing more; in a list, the separator and indentation.
  void before_value() {
    if (after_key_) {
      after_key_ = false;
    } else if (depth_ > 0) {
      separate();
    }
  }
  void separate() {
    raw(empty_[depth_] ? "\n" : ",\n");
    empty_[depth_] = false;
    indent(depth_);
  }
  void indent(int depth) {
    for (int i = 0; i < depth; ++i) raw("  ");
  }
  void open(char bracket) {
    raw(bracket);
    if (depth_ + 1 >= kDeepest) throw std::logic_error("case file nested too deep");
    empty_[++depth_] = true;
  }
  void close(char bracket) {
    if (!empty_[depth_]) {
      raw('\n');
      indent(depth_ - 1);
    }
    --depth_;
    raw(bracket);
  }

  const Sink& sink_;
  bool hashed_;
  std::string buffer_;
  detail::Sha256 digest_;
  int depth_ = 0;
  std::array<bool, kDeepest> empty_{};
  bool after_key_ = false;
};

// The sections, in the order save_case writes them (and the fast reader expects them).
constexpr std::array<const char*, 10> kListSections = {
    "agencies", "households", "persons",   "places", "groups",
    "concerns", "factors",    "relations", "events", "overrides"};

// Written to `out`, a CaseText or a TableSink (the same members, as text or as columns).
template <class Out>
void write_case(const CaseGraph& graph, Out& out) {
  auto date = [&](std::string_view name, Day day) { out.day(name, day); };
  auto ids = [&](std::string_view name, const VertexList& list) {
    out.key(name);
    out.begin_array();
    for (VertexIndex v : list) out.string(graph.id(v));
    out.end_array();
  };
  auto source_items = [&](std::string_view name, const std::vector<SourceItem>& list) {
    out.key(name);
    out.begin_array();
    std::string item;
    for (const SourceItem& source : list) {
      item.assign(source.name).append("=").append(source.value);
      out.string(item);
    }
    out.end_array();
  };
  auto vertex = [&](VertexIndex v) {
    switch (graph.kind(v)) {
      case VertexKind::agency: {
        const Agency& a = graph.agency(v);
        out.member("id", a.id);
        out.member("type", graph.symbol(a.type));
        if (!a.name.empty()) out.member("name", a.name);
        break;
      }
      case VertexKind::household:
        out.member("id", graph.household(v).id);
        break;
      case VertexKind::person: {
        const Person& p = graph.person(v);
        out.member("id", p.id);
        out.member("kind", to_string(p.kind));
        if (p.dob != kNoDay) date("dob", p.dob);
        if (VertexIndex h = graph.household_of(v); h != kNoVertex)
          out.member("household", graph.id(h));
        if (!p.flags.empty()) {
          out.key("flags");
          out.begin_array();
          for (Symbol f : p.flags) out.string(graph.symbol(f));
          out.end_array();
        }
        if (!p.name.empty()) out.member("name", p.name);
        if (!p.attributes.empty()) source_items("attributes", p.attributes);
        break;
      }
      case VertexKind::place: {
        const Place& p = graph.place(v);
        out.member("id", p.id);
        out.member("kind", graph.symbol(p.kind));
        if (!p.name.empty()) out.member("name", p.name);
        break;
      }
      case VertexKind::group: {
        const Group& g = graph.group(v);
        out.member("id", g.id);
        out.member("kind", graph.symbol(g.kind));
        if (!g.name.empty()) out.member("name", g.name);
        break;
      }
      case VertexKind::concern: {
        const Concern& c = graph.concern(v);
        out.member("id", c.id);
        out.member("category", graph.symbol(c.category));
        out.key("severity");
        out.integer(c.severity);
        if (c.incident != kNoDay) date("incident", c.incident);
        date("recorded", c.recorded);
        out.member("status", to_string(c.status));
        out.member("source", graph.id(c.source));
        if (c.restricted) {
          out.key("restricted");
          out.boolean(true);
        }
        ids("about", c.about);
        if (!c.involves.empty()) ids("involves", c.involves);
        if (!c.summary.empty()) out.member("summary", c.summary);
        break;
      }
      case VertexKind::factor: {
        const Factor& f = graph.factor(v);
        out.member("id", f.id);
        out.member("kind", graph.symbol(f.kind));
        out.key("strength");
        out.integer(f.strength);
        if (f.start != kNoDay) date("start", f.start);
        if (f.end != kNoDay) date("end", f.end);
        if (f.provided_by != kNoVertex) out.member("provided_by", graph.id(f.provided_by));
        ids("protects", f.protects);
        if (!f.summary.empty()) out.member("summary", f.summary);
        break;
      }
      case VertexKind::erased:
        break;
    }
  };
  auto section_of = [](VertexKind kind) -> int {
    switch (kind) {
      case VertexKind::agency:
        return 0;
      case VertexKind::household:
        return 1;
      case VertexKind::person:
        return 2;
      case VertexKind::place:
        return 3;
      case VertexKind::group:
        return 4;
      case VertexKind::concern:
        return 5;
      case VertexKind::factor:
        return 6;
      case VertexKind::erased:
        break;
    }
    return -1;
  };

  out.begin_object();
  out.key("schema_version");
  out.integer(kCaseSchemaVersion);
  for (int section = 0; section < static_cast<int>(kListSections.size()); ++section) {
    out.key(kListSections[section]);
    out.begin_array();
    if (section <= 6) {
      // One pass over the vertices per kind, in the order they were added.
      for (VertexIndex v = 0; v < graph.vertex_count(); ++v) {
        if (section_of(graph.kind(v)) != section) continue;
        out.begin_object();
        vertex(v);
        out.end_object();
      }
    } else if (section == 7) {
      for (const Relation& r : graph.declared_relations()) {
        out.begin_object();
        out.member("kind", to_string(r.kind));
        out.member("from", graph.id(r.from));
        out.member("to", graph.id(r.to));
        out.end_object();
      }
    } else if (section == 8) {
      for (const Event& ev : graph.events()) {
        if (ev.id.empty()) continue;
        out.begin_object();
        out.member("id", ev.id);
        out.member("kind", to_string(ev.kind));
        date("date", ev.date);
        ids("about", ev.about);
        if (!ev.note.empty()) out.member("note", ev.note);
        if (ev.decision != EventDecision::none) out.member("decision", to_string(ev.decision));
        if (!ev.category.empty()) out.member("category", ev.category);
        if (ev.expected != kNoDay) date("expected", ev.expected);
        if (!ev.items.empty()) source_items("items", ev.items);
        out.end_object();
      }
    } else {
      for (const DiscretionaryOverride& o : graph.discretionary_overrides()) {
        if (o.id.empty()) continue;
        out.begin_object();
        out.member("id", o.id);
        out.member(graph.person(o.person).kind == PersonKind::adult ? "adult" : "child",
                   graph.id(o.person));
        out.member("direction", to_string(o.direction));
        date("date", o.date);
        out.member("author", o.author);
        out.member("reason", o.reason);
        if (!o.approved_by.empty()) out.member("approved_by", o.approved_by);
        if (o.approved != kNoDay) date("approved", o.approved);
        out.end_object();
      }
    }
    out.end_array();
  }
  // Entries only when there are some, so files without them save as they always did.
  const bool has_entries =
      std::any_of(graph.entries().begin(), graph.entries().end(),
                  [](const RecordedEntry& entry) { return !entry.id.empty(); });
  if (has_entries) {
    out.key("entries");
    out.begin_array();
    for (const RecordedEntry& en : graph.entries()) {
      if (en.id.empty()) continue;
      out.begin_object();
      out.member("id", en.id);
      out.member("kind", to_string(en.kind));
      date("date", en.date);
      ids("about", en.about);
      out.member("author", en.author);
      out.member("text", en.text);
      if (en.value != kNoScalingValue) {
        out.key("value");
        out.integer(en.value);
      }
      if (!en.question.empty()) out.member("question", en.question);
      if (en.source != kNoVertex) out.member("source", graph.id(en.source));
      if (en.restricted) {
        out.key("restricted");
        out.boolean(true);
      }
      out.end_object();
    }
    out.end_array();
  }
  out.key("calendar");
  out.begin_object();
  out.member("nation", to_string(graph.nation()));
  out.key("closures");
  out.begin_array();
  for (Day day : graph.closures()) out.string(format_iso_date(day));
  out.end_array();
  out.end_object();
  // The root's closing brace comes after the checksum member (CaseText::finish).
}

// Writes the case file through `sink`, a piece at a time.
void stream_case(const CaseGraph& graph, const Sink& sink, bool hashed = true) {
  CaseText out(sink, hashed);
  write_case(graph, out);
  out.finish();
}

using detail::CaseTable;
using detail::ColumnType;
using detail::TableColumn;

// The case file's members as columns (detail::case_tables): write_case drives it exactly as it
// drives CaseText, so the tables hold what the file would, member for member.
class TableSink {
 public:
  TableSink() {
    for (const Schema& schema : schemas()) {
      CaseTable table;
      table.name = std::string(schema.name);
      for (const std::string_view field : schema.fields) {
        TableColumn column;
        column.name = std::string(field);
        column.type = type_of(field);
        table.columns.push_back(std::move(column));
      }
      tables_.push_back(std::move(table));
    }
  }

  std::vector<CaseTable> take() { return std::move(tables_); }

  void begin_object() {
    if (in_section_ || (table_ && !in_row_ && table_->name == "calendar")) begin_row();
  }
  void end_object() {
    if (!in_row_) return;  // the root
    end_row();
    if (!in_section_) table_ = nullptr;  // the calendar: an object, not a list
  }
  void begin_array() {
    if (in_row_) {
      in_list_ = true;
      cell(ColumnType::text_list);
    } else {
      in_section_ = table_ != nullptr;
    }
  }
  void end_array() {
    if (in_list_) {
      in_list_ = false;
      column_->list_offsets.push_back(static_cast<std::int64_t>(column_->offsets.size() - 1));
    } else {
      in_section_ = false;
      table_ = nullptr;
    }
  }
  void key(std::string_view name) {
    if (!in_row_) {
      table_ = nullptr;  // schema_version: no table
      for (CaseTable& table : tables_) {
        if (table.name == name) table_ = &table;
      }
      return;
    }
    column_ = nullptr;
    for (std::size_t i = 0; i < table_->columns.size(); ++i) {
      if (table_->columns[i].name == name) column_ = &table_->columns[i], field_ = i;
    }
    if (!column_)
      throw Error(Status::internal, "no column " + std::string(name) + " in " + table_->name);
  }
  void string(std::string_view text) {
    if (!in_list_) cell(ColumnType::text);  // a list's item: its cell began with the list
    column_->data.append(text);
    column_->offsets.push_back(static_cast<std::int64_t>(column_->data.size()));
  }
  void integer(long long number) {
    if (!in_row_) return;  // schema_version
    cell(ColumnType::number);
    column_->numbers.push_back(static_cast<double>(number));
  }
  void boolean(bool value) {
    cell(ColumnType::flag);
    column_->flags.push_back(value ? 1 : 0);
  }
  void member(std::string_view name, std::string_view text) {
    key(name);
    string(text);
  }
  void day(std::string_view name, Day value) {
    key(name);
    cell(ColumnType::day);
    column_->days.push_back(value);
  }

 private:
  // The type a field's column has, whether or not any row holds it.
  static ColumnType type_of(std::string_view field) {
    for (const std::string_view name :
         {"flags", "about", "involves", "protects", "attributes", "items", "closures"}) {
      if (field == name) return ColumnType::text_list;
    }
    for (const std::string_view name :
         {"dob", "incident", "recorded", "start", "end", "date", "expected", "approved"}) {
      if (field == name) return ColumnType::day;
    }
    if (field == "severity" || field == "strength" || field == "value") return ColumnType::number;
    if (field == "restricted") return ColumnType::flag;
    return ColumnType::text;
  }

  static void push_validity(TableColumn& column, std::size_t row, bool valid) {
    if (row % 8 == 0) column.validity.push_back(0);
    if (valid) {
      column.validity.back() |= static_cast<std::uint8_t>(1u << (row % 8));
    } else {
      column.all_valid = false;
    }
  }

  void begin_row() {
    in_row_ = true;
    written_.assign(table_->columns.size(), false);
  }

  // The current field's cell of this row holds a value of `type`.
  void cell(ColumnType type) {
    if (column_->type != type || written_[field_])
      throw Error(Status::internal, "column " + column_->name + " of " + table_->name +
                                        " written out of its type or twice");
    written_[field_] = true;
    push_validity(*column_, table_->rows, true);
  }

  // Every field the row left out: no value, an empty cell.
  void end_row() {
    for (std::size_t i = 0; i < table_->columns.size(); ++i) {
      if (written_[i]) continue;
      TableColumn& column = table_->columns[i];
      push_validity(column, table_->rows, false);
      switch (column.type) {
        case ColumnType::text:
          column.offsets.push_back(column.offsets.back());
          break;
        case ColumnType::text_list:
          column.list_offsets.push_back(column.list_offsets.back());
          break;
        case ColumnType::number:
          column.numbers.push_back(0);
          break;
        case ColumnType::day:
          column.days.push_back(0);
          break;
        case ColumnType::flag:
          column.flags.push_back(0);
          break;
      }
    }
    ++table_->rows;
    in_row_ = false;
  }

  std::vector<CaseTable> tables_;
  CaseTable* table_ = nullptr;
  TableColumn* column_ = nullptr;
  std::size_t field_ = 0;
  std::vector<bool> written_;
  bool in_section_ = false;
  bool in_row_ = false;
  bool in_list_ = false;
};

}  // namespace

std::string save_case(const CaseGraph& graph) {
  std::string text;
  stream_case(graph, [&](std::string_view piece) { text.append(piece); });
  return text;
}

void save_case(const CaseGraph& graph, std::ostream& out) {
  stream_case(graph, [&](std::string_view piece) {
    if (!out.write(piece.data(), static_cast<std::streamsize>(piece.size())))
      throw Error(Status::io, "cannot write the case file to the stream");
  });
}

void save_case_file(const CaseGraph& graph, const std::string& path, const Progress& progress) {
  // The total a progress callback is told needs the size before writing: a first pass counts it
  // (formatting without hashing, a fraction of the write), only when someone is listening.
  std::uint64_t total = 0;
  if (progress) {
    stream_case(
        graph, [&](std::string_view piece) { total += piece.size(); }, false);
  }
  detail::write_file_atomically(
      path, [&](const Sink& write) { stream_case(graph, write); }, total, progress);
}

void save_case_file(const CaseGraph& graph, const std::string& path) {
  save_case_file(graph, path, Progress{});
}

// ---- Rows from elsewhere (src/case_row.hpp) -------------------------------------------------

namespace detail {

struct CaseRow::State {
  Entity entity;
  Section section = Section::agencies;
};

int CaseRow::section_order(std::string_view section) {
  const auto& all = schemas();
  for (std::size_t i = 0; i < kSections; ++i) {
    if (all[i].name == section) return static_cast<int>(i);
  }
  return -1;
}

CaseRow::CaseRow(std::string_view section) : state_(std::make_unique<State>()) {
  const int order = section_order(section);
  if (order < 0) throw Error(Status::internal, "CaseRow of an unknown section");
  state_->section = static_cast<Section>(order);
  state_->entity.begin(state_->section, 0);
}

CaseRow::~CaseRow() = default;

bool CaseRow::is_calendar() const { return state_->section == Section::calendar; }

int CaseRow::field(std::string_view name) const { return state_->entity.slot(name); }

std::size_t CaseRow::item_kind() const { return safeguard::item_kind(state_->section); }

bool CaseRow::holds_ids(int field) const {
  return field >= 0 && ((id_fields()[static_cast<std::size_t>(state_->section)] >> field) & 1u);
}

void CaseRow::begin(std::size_t row) { state_->entity.begin(state_->section, row); }

void CaseRow::set_absent(int field) { state_->entity.values[field].type = Value::Type::absent; }

void CaseRow::set_text(int field, std::string_view text) {
  Value& value = state_->entity.values[field];
  value.type = Value::Type::string;
  value.text.assign(text.data(), text.size());
}

void CaseRow::set_number(int field, double number) {
  Value& value = state_->entity.values[field];
  // Whole numbers within long long are integers, as JSON's 2 is; the rest (2.5, inf, NaN,
  // 1e300) are what JSON's 2.5 is: a number no field of a case file takes.
  const bool whole = number == number && std::floor(number) == number && std::fabs(number) < 9.2e18;
  value.type = whole ? Value::Type::integer : Value::Type::floating;
  if (whole) value.integer = static_cast<long long>(number);
}

void CaseRow::set_flag(int field, bool flag) {
  Value& value = state_->entity.values[field];
  value.type = Value::Type::boolean;
  value.boolean = flag;
}

void CaseRow::set_day(int field, Day day) {
  Value& value = state_->entity.values[field];
  value.type = Value::Type::day;
  value.day = day;
}

void CaseRow::set_list(int field) {
  Value& value = state_->entity.values[field];
  value.type = Value::Type::array;
  value.items.clear();
  value.only_strings = true;
}

void CaseRow::add_item(int field, std::string_view item) {
  state_->entity.values[field].items.emplace_back(item);
}

Edit CaseRow::build() {
  try {
    return EntityReader(state_->entity).build();
  } catch (Invalid& invalid) {
    throw RowError{std::move(invalid.key), invalid.status, std::move(invalid.message),
                   std::move(invalid.entity)};
  }
}

std::vector<CaseTable> case_tables(const CaseGraph& graph) {
  TableSink sink;
  write_case(graph, sink);
  return sink.take();
}

}  // namespace detail

}  // namespace safeguard
