#include "util/file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "safeguard/error.hpp"

namespace safeguard {

std::string os_reason(int error_number) {
  // strerror's text is static in glibc and musl; a message needs it only briefly.
  return error_number != 0 ? std::string(": ") + std::strerror(error_number) : std::string();
}

std::string read_file_bounded(const std::string& path, std::size_t max_bytes,
                              std::string_view what) {
  const std::string noun(what);
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Status::io, "cannot open " + noun + os_reason(errno), Location{path});
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) throw Error(Status::io, "cannot read " + noun, Location{path});
  if (static_cast<std::size_t>(size) > max_bytes) {
    throw Error(Status::limit, noun + " is larger than " + std::to_string(max_bytes) + " bytes",
                Location{path});
  }
  in.seekg(0);
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), size);
  if (!in) throw Error(Status::io, "cannot read " + noun, Location{path});
  return text;
}

}  // namespace safeguard
