// Atomic file replacement (see atomic_file.hpp).
#include "util/atomic_file.hpp"
#include <algorithm>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "safeguard/error.hpp"

namespace safeguard::detail {

const FileSystem& system_file_system() noexcept {
  static const FileSystem real{::mkstemp, ::write, ::fsync, ::close, ::rename, ::unlink};
  return real;
}

void write_file_atomically(const std::string& path, std::string_view data, const FileSystem& fs) {
  write_file_atomically(path, data, Progress{}, fs);
}

void write_file_atomically(const std::string& path, std::string_view data, const Progress& progress,
                           const FileSystem& fs) {
  write_file_atomically(
      path, [data](const std::function<void(std::string_view)>& write) { write(data); },
      data.size(), progress, fs);
}

void write_file_atomically(const std::string& path, const TextProducer& produce,
                           std::uint64_t total, const Progress& progress, const FileSystem& fs) {
  auto fail = [&](const char* what, int error) {
    throw Error(Status::io, std::string(what) + ": " + std::strerror(error), Location{path});
  };
  const std::size_t slash = path.find_last_of('/');
  const std::string directory = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  std::string temporary = path + ".tmp-XXXXXX";
  const int fd = fs.make_temporary(temporary.data());
  if (fd < 0) fail("cannot create a temporary file beside it", errno);
  // Whatever stops the writing (a failed write, a cancelled progress, an exception from
  // `produce`) closes and removes the temporary file before it goes on; neither call allocates.
  auto remove_temporary = [&] {
    fs.close(fd);
    fs.unlink(temporary.c_str());
  };
  struct stat existing;
  if (::stat(path.c_str(), &existing) == 0 && ::fchmod(fd, existing.st_mode & 07777) != 0) {
    const int error = errno;
    remove_temporary();
    fail("cannot copy the file's permissions", error);
  }
  // With a progress callback, a megabyte at a time, so the callback is heard while writing.
  std::uint64_t written = 0;
  auto write = [&](std::string_view data) {
    const std::size_t piece = progress ? std::size_t{1} << 20 : data.size();
    for (std::size_t done = 0; done < data.size();) {
      const ssize_t n = fs.write(fd, data.data() + done, std::min(piece, data.size() - done));
      if (n < 0 && errno == EINTR) continue;
      // write() returns 0 for a regular file only when it cannot go on, without an errno.
      if (n == 0) fail("cannot write", EIO);
      if (n < 0) fail("cannot write", errno);
      done += static_cast<std::size_t>(n);  // a short write: carry on with the rest
      written += static_cast<std::uint64_t>(n);
      if (progress && !progress(written, total))
        throw Error(Status::cancelled, "cancelled by the progress callback", Location{path});
    }
  };
  try {
    produce(write);
  } catch (...) {
    remove_temporary();
    throw;
  }
  if (fs.fsync(fd) != 0) {
    const int error = errno;
    remove_temporary();
    fail("cannot flush to disk", error);
  }
  if (fs.close(fd) != 0) {
    const int error = errno;
    fs.unlink(temporary.c_str());
    fail("cannot close", error);
  }
  if (fs.rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    fs.unlink(temporary.c_str());
    fail("cannot replace the file", error);
  }
  // Best effort: the new file is in place whatever happens here, and some file systems refuse
  // fsync on a directory, so a failure is not reported as a failed save.
  const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY);
  if (dir >= 0) {
    fs.fsync(dir);
    fs.close(dir);
  }
}

}  // namespace safeguard::detail
