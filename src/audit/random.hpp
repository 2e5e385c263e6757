// The audit's random stream: splitmix64 (Steele, Lea and Flood 2014). Written out here rather
// than taken from <random> because the standard library's distributions (uniform_int, ...)
// differ between implementations, and an audit's bootstrap intervals and planted outcomes must
// be the same bytes on every platform for a seed.
#ifndef SAFEGUARD_SRC_AUDIT_RANDOM_HPP
#define SAFEGUARD_SRC_AUDIT_RANDOM_HPP

#include <cstdint>
#include <string_view>

namespace safeguard::audit_detail {

class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound) for bound < 2^32 (Lemire's multiply; the bias is below 2^-32).
  std::uint32_t below(std::uint32_t bound) {
    return static_cast<std::uint32_t>(((next() >> 32) * bound) >> 32);
  }
  // Uniform in [0, 1) with 53 bits.
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  std::uint64_t state_;
};

// FNV-1a of a child id, so a child's draws depend on its id, not on its row.
inline std::uint64_t id_hash(std::string_view id) {
  std::uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : id) {
    h ^= c;
    h *= 0x100000001B3ull;
  }
  return h;
}

}  // namespace safeguard::audit_detail

#endif
