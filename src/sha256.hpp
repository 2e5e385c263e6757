// Incremental SHA-256, for digests of input read in pieces (a case file's checksum is verified
// while the file streams through the parser, so the file is never held whole in memory).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace safeguard::detail {

class Sha256 {
 public:
  void update(std::string_view data);
  // The digest of everything given, as lower-case hex. Call once.
  std::string hex();

 private:
  std::array<std::uint32_t, 8> state_ = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                         0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  unsigned char block_[64] = {};
  std::size_t buffered_ = 0;
  std::uint64_t total_ = 0;
};

}  // namespace safeguard::detail
