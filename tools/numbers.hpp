// Strict reading of the numbers, sizes, dates and provenance texts given on the command line:
// one place, so every option refuses the same things. CLI11's own conversion (like strtoull and
// stod) takes "0x10", "1e3", " 5" and "-1" for an unsigned option (as 2^64 - 1), and clamps an
// overflow to the largest value: a typo then runs with a number nobody asked for.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace safeguard::cli {

// Why `text` is not a whole number of the range [low, high] written in plain decimal (an
// optional '-', then digits), or "" when it is one; `value` is then set. Never quotes `text`.
std::string read_whole(std::string_view text, long double low, long double high,
                       std::uint64_t& magnitude, bool& negative);

template <typename T>
std::string read_whole(std::string_view text, T& value) {
  static_assert(std::numeric_limits<T>::is_integer, "a whole-number type");
  std::uint64_t magnitude = 0;
  bool negative = false;
  const std::string error =
      read_whole(text, static_cast<long double>(std::numeric_limits<T>::min()),
                 static_cast<long double>(std::numeric_limits<T>::max()), magnitude, negative);
  if (error.empty()) {
    value =
        negative ? static_cast<T>(-static_cast<long double>(magnitude)) : static_cast<T>(magnitude);
  }
  return error;
}

// Why `text` is not a finite number in plain decimal (an optional '-', digits, optionally '.'
// and more digits: no '+', exponent, hex, "inf" or spaces), or "" with `value` set.
std::string read_decimal(std::string_view text, double& value);

// A Validator for an option read into a whole-number T: plain decimal, within T's range.
template <typename T>
CLI::Validator whole_number() {
  return CLI::Validator(
      [](std::string& text) {
        T value{};
        return read_whole(text, value);
      },
      "");
}

// A Validator for an option read into a double: plain decimal, finite.
CLI::Validator decimal_number();

// A Validator for a date option: YYYY-MM-DD, a real date in the supported years; never empty.
CLI::Validator iso_date();

// A transform for a size in bytes: digits with an optional K, M, G or T (powers of 1024, an
// optional trailing B or iB, any case), at least 1 and at most 2^64 - 1; rewritten to the
// number of bytes for the option's integer.
CLI::Validator byte_size();

// A Validator for a provenance text kept in a store (--author, --reason...): well-formed UTF-8
// with no control or other unprintable character (no newline, no escape sequence: these texts
// are shown one per line in trails and logs); not empty when `required`.
CLI::Validator provenance_text(bool required);

}  // namespace safeguard::cli
