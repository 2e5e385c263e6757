// The binary encoding of a record's versions, shared by the store (record_store.cpp), which
// writes them to SQLite, and the record (record.cpp), which keeps them in memory encoded
// (docs/record.md, "How it works"): one encoding, so a version read from the store is kept as
// the bytes it was stored as, and written back without being decoded.
//
// Dates are 4-byte little-endian day numbers, integers zigzag varints, text a length and its
// bytes. Reading checks the structure as it goes; damage throws Damaged, never reads past the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "safeguard/record.hpp"
#include "util/utf8.hpp"

namespace safeguard::detail {

// Encoded content failed a structural check while being read.
struct Damaged {
  std::string what;
};

[[noreturn]] inline void damaged(std::string what) { throw Damaged{std::move(what)}; }

class Writer {
 public:
  std::string out;

  void byte(unsigned value) { out.push_back(static_cast<char>(value & 0xFF)); }
  void varint(std::uint64_t value) {
    while (value >= 0x80) {
      byte(static_cast<unsigned>(value & 0x7F) | 0x80);
      value >>= 7;
    }
    byte(static_cast<unsigned>(value));
  }
  void integer(std::int64_t value) {  // zigzag, so small negatives stay small
    varint((static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63));
  }
  void day(Day value) {
    const auto bits = static_cast<std::uint32_t>(value);
    for (int shift = 0; shift < 32; shift += 8) byte(bits >> shift);
  }
  void text(std::string_view value) {
    varint(value.size());
    out += value;
  }
  void texts(const std::vector<std::string>& values) {
    varint(values.size());
    for (const auto& value : values) text(value);
  }
};

class Reader {
 public:
  // SQLite gives an empty blob as a null pointer.
  Reader(const void* data, std::size_t size)
      : at_(static_cast<const unsigned char*>(data)), end_(data ? at_ + size : at_) {}

  bool done() const { return at_ == end_; }
  const unsigned char* position() const { return at_; }
  // With false, text() and texts() check and pass over their bytes and give nothing (no
  // allocation): for reading a version only to check it, keeping its bytes (reopening a store).
  // The check includes UTF-8: the record decodes kept bytes later without checking them again.
  void keep_text(bool keep) { keep_text_ = keep; }
  bool keeps_text() const { return keep_text_; }
  unsigned byte() {
    if (at_ == end_) damaged("a record ends early");
    return *at_++;
  }
  std::uint64_t varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const unsigned b = byte();
      value |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return value;
    }
    damaged("a number is too long");
  }
  std::int64_t integer() {
    const std::uint64_t raw = varint();
    return static_cast<std::int64_t>(raw >> 1) ^ -static_cast<std::int64_t>(raw & 1);
  }
  int small_integer() {
    const std::int64_t value = integer();
    if (value < INT32_MIN || value > INT32_MAX) damaged("a number is out of range");
    return static_cast<int>(value);
  }
  std::size_t count() {
    const std::uint64_t n = varint();
    // Every element takes at least one byte, so a count past the bytes left is damage (and
    // never a huge allocation).
    if (n > static_cast<std::uint64_t>(end_ - at_)) damaged("a count is larger than the data");
    return static_cast<std::size_t>(n);
  }
  Day day() {
    if (end_ - at_ < 4) damaged("a record ends early");
    std::uint32_t bits = 0;
    for (int shift = 0; shift < 32; shift += 8) bits |= static_cast<std::uint32_t>(*at_++) << shift;
    return static_cast<Day>(bits);
  }
  std::string text() {
    const std::string_view t = text_view();
    if (keep_text_) return std::string(t);
    if (!is_valid_utf8(t)) damaged("a text is not valid UTF-8");
    return std::string();
  }
  // The next text as a view of the bytes read, unchecked and not copied.
  std::string_view text_view() {
    const std::size_t n = count();
    const char* start = reinterpret_cast<const char*>(at_);
    at_ += n;
    return std::string_view(start, n);
  }
  std::vector<std::string> texts() {
    const std::size_t n = count();
    if (!keep_text_) {
      for (std::size_t i = 0; i < n; ++i) text();
      return {};
    }
    std::vector<std::string> values(n);
    for (auto& value : values) value = text();
    return values;
  }
  template <typename Enum>
  Enum enumeration(unsigned count, const char* what) {
    const unsigned value = byte();
    if (value >= count) damaged(std::string("unknown ") + what);
    return static_cast<Enum>(value);
  }
  bool flag() {
    const unsigned value = byte();
    if (value > 1) damaged("a flag is neither 0 nor 1");
    return value == 1;
  }

 private:
  const unsigned char* at_;
  const unsigned char* end_;
  bool keep_text_ = true;
};

inline constexpr unsigned kFactKinds = 12;
inline constexpr unsigned kChangeKinds = 6;

// A version's body: its change, valid-time marks, retraction reason and spec (not its
// revision, record time or fact, which whoever keeps it knows).
void write_version_body(Writer& w, const FactVersion& version);
// Reads a body written by write_version_body into `version` (revision and record time untouched).
void read_version_body(Reader& r, FactVersion& version);

// What reopening a store needs of a version it keeps encoded: its change, its marks, and the
// kind of its spec.
struct VersionMarks {
  ChangeKind change = ChangeKind::added;
  Day ended = kNoDay;
  Day membership_ended = kNoDay;
  Day retracted = kNoDay;
  FactKind kind = FactKind::person;
};
// Checks a body as read_version_body reads it (the same decoder: every count, kind, flag and
// date, and every text's UTF-8), building nothing, and says what reopening needs of it.
VersionMarks check_version_body(Reader& r);

}  // namespace safeguard::detail
