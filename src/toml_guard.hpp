// Reading untrusted TOML (rule packs, statutory process files) with toml++ safely.
//
// toml++ 3.3 (Debian 12) has inputs it cannot take: a non-ASCII character outside strings and
// comments reaches an "unreachable" point inside a noexcept function (so std::terminate even
// with toml_setup.hpp's checks turned into exceptions), and keys or values nested deep enough
// overflow the stack. parse_toml_guarded refuses those first, by a scan of the text aware of
// strings and comments, and turns every toml++ failure into an Error with file, line and
// column. Every reader of TOML in the library goes through it; a fuzzer found the process
// reader crashing on "\xcf\x94" because it called toml::parse directly.
#pragma once

#include <string>
#include <string_view>

#include "safeguard/error.hpp"
#include "toml_setup.hpp"

namespace safeguard::detail {

// Parses `text` (named `name` in errors; `what` says what it is, "rule pack"). Throws Error:
// encoding (invalid UTF-8), parse (a stray non-ASCII character, values nested deeper than 32,
// malformed TOML), limit (a key more than 64 tables deep). The caller checks the size.
toml::table parse_toml_guarded(std::string_view text, const std::string& name, const char* what);

}  // namespace safeguard::detail
