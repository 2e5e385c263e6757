// One way to name an enum's values: a constexpr table of names indexed by the value, from which
// to_string and the parse_* functions are derived, so a spelling is written once and the two
// directions cannot drift apart. model_inl.hpp holds the tables of model.hpp's enums; other
// headers keep theirs beside the enum.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace safeguard::detail {

// The name of `value` in `names`, or "" for a value the table does not cover.
template <typename Enum, std::size_t N>
constexpr std::string_view enum_name(const std::array<std::string_view, N>& names,
                                     Enum value) noexcept {
  const auto index = static_cast<std::size_t>(value);
  return index < N ? names[index] : std::string_view();
}

// Sets `out` to the value named `text` and returns true; leaves it alone if no name matches.
template <typename Enum, std::size_t N>
constexpr bool parse_enum(const std::array<std::string_view, N>& names, std::string_view text,
                          Enum& out) noexcept {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == text) {
      out = static_cast<Enum>(i);
      return true;
    }
  }
  return false;
}

}  // namespace safeguard::detail
