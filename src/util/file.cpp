#include "util/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "safeguard/error.hpp"

namespace safeguard {

std::string os_reason(int error_number) {
  // strerror's text is static in glibc and musl; a message needs it only briefly.
  return error_number != 0 ? std::string(": ") + std::strerror(error_number) : std::string();
}

std::size_t regular_file_size(int descriptor, const std::string& path, std::string_view what) {
  const std::string noun(what);
  struct stat info;
  if (::fstat(descriptor, &info) != 0)
    throw Error(Status::io, "cannot read " + noun + os_reason(errno), Location{path});
  // A directory opens and reports a size (or, seeked, a huge one), a pipe or device has none:
  // say what it is rather than that it is too large or empty.
  if (S_ISDIR(info.st_mode))
    throw Error(Status::io, "cannot read " + noun + ": is a directory", Location{path});
  if (!S_ISREG(info.st_mode))
    throw Error(Status::io, "cannot read " + noun + ": not a regular file", Location{path});
  return static_cast<std::size_t>(info.st_size);
}

std::string read_file_bounded(const std::string& path, std::size_t max_bytes,
                              std::string_view what) {
  const std::string noun(what);
  const int descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0)
    throw Error(Status::io, "cannot open " + noun + os_reason(errno), Location{path});
  struct Closer {
    int descriptor;
    ~Closer() { ::close(descriptor); }
  } closer{descriptor};
  const std::size_t size = regular_file_size(descriptor, path, what);
  if (size > max_bytes) {
    throw Error(Status::limit, noun + " is larger than " + std::to_string(max_bytes) + " bytes",
                Location{path});
  }
  std::string text(size, '\0');
  std::size_t done = 0;
  while (done < size) {
    const ::ssize_t got = ::read(descriptor, text.data() + done, size - done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw Error(Status::io, "cannot read " + noun + os_reason(errno), Location{path});
    if (got == 0) break;  // the file shrank while it was read: what is there is what it holds
    done += static_cast<std::size_t>(got);
  }
  text.resize(done);
  return text;
}

}  // namespace safeguard
