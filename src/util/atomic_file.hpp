// Replacing a file atomically: a crash, a full disk or an I/O error at any moment leaves either
// the old file or the new one complete, never a mix, and never a temporary file behind.
//
// The system calls go through a FileSystem table so that tests can inject the faults real disks
// give (short writes, ENOSPC, EIO on write, fsync or rename) without root or a special file
// system, as SQLite's test VFS does; everything else passes the real one.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "safeguard/progress.hpp"

namespace safeguard::detail {

struct FileSystem {
  int (*make_temporary)(char* name_template);  // mkstemp: opens a new file, fills in the name
  ssize_t (*write)(int fd, const void* data, size_t size);
  int (*fsync)(int fd);
  int (*close)(int fd);
  int (*rename)(const char* from, const char* to);
  int (*unlink)(const char* path);
};

// The real system calls.
const FileSystem& system_file_system() noexcept;

// Writes `data` to `path` through a temporary file in the same directory: written in full
// (short writes are continued), flushed to disk, renamed over `path`, then the directory
// flushed so that the rename itself survives a power cut. A new file is readable by its owner
// only; a replaced file keeps its permission bits. On failure the temporary file is removed,
// `path` is as it was, and Error(Status::io) names the file, the step and strerror's reason.
void write_file_atomically(const std::string& path, std::string_view data,
                           const FileSystem& fs = system_file_system());
// As above, writing a megabyte at a time and reporting the bytes written to `progress`; when it
// asks to stop, the temporary file is removed and Error(Status::cancelled) thrown, `path` as it
// was.
void write_file_atomically(const std::string& path, std::string_view data, const Progress& progress,
                           const FileSystem& fs = system_file_system());

// Text produced a piece at a time: `produce` is called once and hands each piece, in order, to
// the function it is given, which writes it to the temporary file. Everything else is as above:
// if `produce` throws (running out of memory, say), the temporary file is removed, `path` is as
// it was, and the exception goes on. With a progress callback, `total` is the size `produce`
// will write (reported as the total), and pieces are written at most a megabyte at a time.
using TextProducer = std::function<void(const std::function<void(std::string_view)>& write)>;
void write_file_atomically(const std::string& path, const TextProducer& produce,
                           std::uint64_t total, const Progress& progress,
                           const FileSystem& fs = system_file_system());

}  // namespace safeguard::detail
