// SHA-256, for a rule pack's content hash and a saved case file's checksum. Private to src/;
// computed by OpenSSL's libcrypto (a well-kept, audited implementation) rather than by hand.
#pragma once

#include <string>
#include <string_view>

namespace safeguard {

// SHA-256 of `data` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);

}  // namespace safeguard
