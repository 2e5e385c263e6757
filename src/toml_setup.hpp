// toml++ set up the one way every reader of TOML in the library uses it (rule packs,
// rules_toml.cpp; statutory process files, process.cpp). Both must include it this way: toml++
// is header-only, and two translation units that configured it differently would break the
// one-definition rule.
//
// toml++ is used in header-only mode inside the library so that the installed library has no
// link-time dependency on it.
//
// toml++ 3.3 (Debian 12) has preconditions that malformed input can break, such as a table
// header whose key starts with a character no key may start with ("[%x]", "[[[a]]]"; upstream
// marzer/tomlplusplus#294). With NDEBUG they become __builtin_assume, i.e. undefined
// behaviour; without it, assert() aborts the host. Neither is acceptable for untrusted packs, so
// its checks stay compiled in here and throw instead; the loader reports a parse error.
#pragma once

#include <stdexcept>
#include <string>

namespace safeguard::detail {
struct TomlCheckFailed : std::logic_error {
  using std::logic_error::logic_error;
};
}  // namespace safeguard::detail
// A few of those checks sit in noexcept functions (UTF-8 decoding of text already validated
// here, buffer rewinds); failing there ends in std::terminate, as assert() would, and the
// compiler's warning about it is silenced. The checks that input can reach are in the parser
// proper, which may throw.
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wexceptions"
#elif defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wterminate"
#endif
#ifdef NDEBUG
#undef NDEBUG
#define SAFEGUARD_RESTORE_NDEBUG
#endif
#define TOML_ASSERT(expr) \
  ((expr) ? static_cast<void>(0) : throw ::safeguard::detail::TomlCheckFailed(#expr))
#define TOML_HEADER_ONLY 1
#define TOML_ENABLE_FORMATTERS 0
// Its "unreachable" points are reachable too: is_non_ascii_horizontal_whitespace() falls
// through to TOML_UNREACHABLE (__builtin_unreachable) for code points U+00A1-U+0499, so "1.Й"
// in a pack was undefined behaviour. The macro is defined unconditionally in preprocessor.h,
// so it is redefined after that header and before the rest.
#include <toml++/impl/preprocessor.h>
#undef TOML_UNREACHABLE
#define TOML_UNREACHABLE throw ::safeguard::detail::TomlCheckFailed("unreachable")
#include <toml++/toml.h>
#ifdef SAFEGUARD_RESTORE_NDEBUG
#define NDEBUG
#undef SAFEGUARD_RESTORE_NDEBUG
#endif
