#include "numbers.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "safeguard/day.hpp"
#include "util/utf8.hpp"

namespace safeguard::cli {
namespace {

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

std::string range_text(long double low, long double high) {
  const auto whole = [](long double bound) {
    char text[64];
    std::snprintf(text, sizeof text, "%.0Lf", bound);
    return std::string(text);
  };
  return whole(low) + " to " + whole(high);
}

}  // namespace

std::string read_whole(std::string_view text, long double low, long double high,
                       std::uint64_t& magnitude, bool& negative) {
  negative = !text.empty() && text.front() == '-';
  const std::string_view digits = negative ? text.substr(1) : text;
  if (!all_digits(digits)) return "must be a whole number written in decimal digits";
  // Digit by digit, so nothing wraps or clamps: anything past 2^64 - 1 is out of range.
  std::uint64_t value = 0;
  bool overflow = false;
  for (const char c : digits) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
      overflow = true;
      break;
    }
    value = value * 10 + digit;
  }
  const long double signed_value =
      negative ? -static_cast<long double>(value) : static_cast<long double>(value);
  if (overflow || signed_value < low || signed_value > high || (negative && value != 0 && low >= 0))
    return "is out of range (" + range_text(low, high) + ")";
  magnitude = value;
  if (value == 0) negative = false;
  return "";
}

std::string read_decimal(std::string_view text, double& value) {
  std::string_view rest = text;
  if (!rest.empty() && rest.front() == '-') rest.remove_prefix(1);
  const std::size_t point = rest.find('.');
  const bool plain = point == std::string_view::npos
                         ? all_digits(rest)
                         : all_digits(rest.substr(0, point)) && all_digits(rest.substr(point + 1));
  if (!plain) return "must be a number written in decimal digits (such as 1.5)";
  const std::string copy(text);
  const double parsed = std::strtod(copy.c_str(), nullptr);
  if (!std::isfinite(parsed)) return "is out of range";
  value = parsed;
  return "";
}

CLI::Validator decimal_number() {
  return CLI::Validator(
      [](std::string& text) {
        double value = 0;
        return read_decimal(text, value);
      },
      "");
}

CLI::Validator iso_date() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (text.empty()) return "must be a date (YYYY-MM-DD), not empty";
        Day day = kNoDay;
        std::string error;
        if (!parse_iso_date(text, day, error)) return error;
        return "";
      },
      "");
}

CLI::Validator byte_size() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::size_t end = 0;
        while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
        std::string unit = text.substr(end);
        for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        int shift = 0;
        if (!unit.empty() && unit != "b") {
          const std::string_view prefixes = "kmgt";
          const std::size_t at = prefixes.find(unit.front());
          const std::string_view after = std::string_view(unit).substr(1);
          if (at == std::string_view::npos || !(after.empty() || after == "b" || after == "ib"))
            return "must be a size in bytes: digits with an optional K, M, G or T (such as 16G)";
          shift = 10 * static_cast<int>(at + 1);
        }
        std::uint64_t count = 0;
        const std::string error = read_whole(std::string_view(text).substr(0, end), count);
        if (!error.empty())
          return error.rfind("is out of range", 0) == 0
                     ? "is out of range (at most 18446744073709551615 bytes)"
                     : "must be a size in bytes: digits with an optional K, M, G or T (such as "
                       "16G)";
        if (count > (std::numeric_limits<std::uint64_t>::max() >> shift))
          return "is out of range (at most 18446744073709551615 bytes)";
        if (count == 0) return "must be at least 1 byte";
        text = std::to_string(count << shift);
        return "";
      },
      "");
}

CLI::Validator provenance_text(bool required) {
  return CLI::Validator(
      [required](std::string& text) -> std::string {
        if (text.empty()) return required ? "must not be empty" : "";
        if (const std::size_t bad = detail::first_invalid_utf8(text); bad != std::string::npos)
          return "is not valid UTF-8 (byte " + std::to_string(bad + 1) + ")";
        if (const auto code = detail::first_unprintable(text))
          return "holds " + detail::describe_unprintable(*code);
        return "";
      },
      "");
}

}  // namespace safeguard::cli
