// Memory a test measures from outside the heap (expat and other C code allocate with malloc,
// which a replaced operator new does not see): the resident set of this process, and whether
// AddressSanitizer is on (its quarantine keeps freed blocks, so a peak is the sanitizer's).
#pragma once

#include <cstddef>
#include <fstream>
#include <string>

namespace safeguard::test {

// The process's resident set now, in KiB (Linux /proc).
inline std::size_t resident_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  }
  return 0;
}

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kUnderAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kUnderAsan = true;
#else
inline constexpr bool kUnderAsan = false;
#endif
#else
inline constexpr bool kUnderAsan = false;
#endif

}  // namespace safeguard::test
