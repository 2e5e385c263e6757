// How the audit's messages name a child id from the host's files: whole when it could be an id,
// else its escaped beginning, so a malformed file cannot make a huge message or put control
// bytes into a log (an outcomes file with a 2 MB id once made a 2 MB message).
#pragma once

#include <cstddef>
#include <string>

#include "safeguard/day.hpp"  // quote_for_error
#include "util/utf8.hpp"

namespace safeguard::audit_detail {

// The longest id named whole: GraphLimits::max_id_bytes by default, so every id a case file
// could have given the results.
constexpr std::size_t kMaxNamedIdBytes = 256;

// `id` as a Location's entity: itself when it is at most kMaxNamedIdBytes and printable, else
// quote_for_error's bounded, escaped form.
inline std::string named_id(const std::string& id) {
  if (id.size() <= kMaxNamedIdBytes && !detail::first_unprintable(id)) return id;
  return detail::quote_for_error(id);
}

// A value from the host's files as a message quotes it: 'value' when it is short and printable,
// as nearly every value is, else quote_for_error's bounded, escaped form.
inline std::string quoted_value(const std::string& value) {
  constexpr std::size_t kMaxWhole = 40;
  if (value.size() <= kMaxWhole && !detail::first_unprintable(value)) return "'" + value + "'";
  return detail::quote_for_error(value);
}

}  // namespace safeguard::audit_detail
