// SHA-256, for a rule pack's content hash and a saved case file's checksum. Private to src/;
// computed by OpenSSL's libcrypto (a well-kept, audited implementation) rather than by hand.
#pragma once

#include <string>
#include <string_view>

namespace safeguard {

// SHA-256 of `data` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);

namespace detail {

// SHA-256 of input given in pieces (a case file's checksum is verified while the file streams
// through the parser, so the file is never held whole).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  // The digest of everything given, as lower-case hex. Call once.
  std::string hex();

 private:
  void* context_;  // EVP_MD_CTX, kept out of this header
};

}  // namespace detail

}  // namespace safeguard
