// SHA-256 through libcrypto's one-shot SHA256() (not deprecated in OpenSSL 3, unlike the
// SHA256_Init/Update/Final triple), rendered as lower-case hex.
#include "util/sha256.hpp"

#include <openssl/sha.h>

#include "safeguard/error.hpp"

namespace safeguard {

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  // libcrypto reads `data` only; an empty view may have a null pointer, which it accepts
  // with length 0, but give it a valid address anyway.
  static const unsigned char kEmpty = 0;
  const auto* bytes = data.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(data.data());
  // SHA256() fails only when libcrypto cannot allocate its digest context.
  if (SHA256(bytes, data.size(), digest) == nullptr)
    throw Error(Status::no_memory, "out of memory computing SHA-256");
  static const char kHex[] = "0123456789abcdef";
  std::string hex(2 * SHA256_DIGEST_LENGTH, '\0');
  for (std::size_t i = 0; i < SHA256_DIGEST_LENGTH; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0x0F];
  }
  return hex;
}

}  // namespace safeguard
