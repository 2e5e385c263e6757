// I/O fault injection on saving (src/util/atomic_file.cpp): short writes, a full disk (ENOSPC),
// EIO on write, on fsync, on close and on rename, injected through the FileSystem table as
// SQLite's test VFS injects them. Each fault leaves the old file exactly as it was, no temporary
// file behind, and an error naming the file, the step and the system's reason.
#include <doctest/doctest.h>

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "safeguard/error.hpp"
#include "util/atomic_file.hpp"

using namespace safeguard;

namespace {

enum class Fault { none, short_writes, no_space, write_eio, fsync_eio, close_eio, rename_eio };

// What the faulty calls do: set by each test (the tests run one at a time).
Fault g_fault = Fault::none;
int g_writes = 0;  // write() calls since the fault was set

ssize_t faulty_write(int fd, const void* data, size_t size) {
  ++g_writes;
  switch (g_fault) {
    case Fault::short_writes:
      // A few bytes at a time, as a pipe, a signal or a nearly full quota can give.
      return ::write(fd, data, std::min<size_t>(size, 7));
    case Fault::no_space:
    case Fault::write_eio:
      // The first write gets half way, so the temporary file holds a partial copy.
      if (g_writes == 1) return ::write(fd, data, size / 2);
      errno = g_fault == Fault::no_space ? ENOSPC : EIO;
      return -1;
    default:
      return ::write(fd, data, size);
  }
}

int faulty_fsync(int fd) {
  if (g_fault == Fault::fsync_eio) {
    errno = EIO;
    return -1;
  }
  return ::fsync(fd);
}

int faulty_close(int fd) {
  const int result = ::close(fd);  // the descriptor is released whatever close() reports
  if (g_fault == Fault::close_eio) {
    errno = EIO;
    return -1;
  }
  return result;
}

int faulty_rename(const char* from, const char* to) {
  if (g_fault == Fault::rename_eio) {
    errno = EIO;
    return -1;
  }
  return ::rename(from, to);
}

const detail::FileSystem kFaulty{::mkstemp,    faulty_write,  faulty_fsync,
                                 faulty_close, faulty_rename, ::unlink};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string scratch_dir(const char* name) {
  const std::string dir = (std::filesystem::temp_directory_path() /
                           ("safeguard-atomic-" + std::to_string(getpid()) + "-" + name))
                              .string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    out.push_back(entry.path().filename().string());
  return out;
}

// New content large enough to take several writes when they are short.
std::string new_content() {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "line " + std::to_string(i) + " of the new file\n";
  return text;
}

// Replaces `old content` in a fresh directory under `fault`; returns the error (or none).
struct Outcome {
  std::string dir, path;
  bool threw = false;
  Status status = Status::ok;
  std::string message;
};

Outcome replace_under(Fault fault, const char* name) {
  Outcome out;
  out.dir = scratch_dir(name);
  out.path = out.dir + "/case.json";
  { std::ofstream(out.path, std::ios::binary) << "old content"; }
  g_fault = fault;
  g_writes = 0;
  try {
    detail::write_file_atomically(out.path, new_content(), kFaulty);
  } catch (const Error& e) {
    out.threw = true;
    out.status = e.status();
    out.message = e.what();
  }
  g_fault = Fault::none;
  return out;
}

void check_refused(const Outcome& out, const char* step, int error) {
  CHECK(out.threw);
  CHECK(out.status == Status::io);
  // "<file>: <step>: <strerror>", naming the file the caller asked for.
  CHECK(out.message.find(out.path) == 0);
  CHECK(out.message.find(step) != std::string::npos);
  CHECK(out.message.find(std::strerror(error)) != std::string::npos);
  CHECK(read_all(out.path) == "old content");
  CHECK(entries(out.dir) == std::vector<std::string>{"case.json"});  // no temporary file left
  std::filesystem::remove_all(out.dir);
}

}  // namespace

TEST_SUITE("unit/atomic_file") {
  TEST_CASE("short writes are carried on until the whole file is written") {
    const Outcome out = replace_under(Fault::short_writes, "short");
    CHECK_FALSE(out.threw);
    CHECK(g_writes > 100);  // it really was written in small pieces
    CHECK(read_all(out.path) == new_content());
    CHECK(entries(out.dir) == std::vector<std::string>{"case.json"});
    std::filesystem::remove_all(out.dir);
  }

  TEST_CASE("a full disk (ENOSPC) part way leaves the old file and no temporary file") {
    check_refused(replace_under(Fault::no_space, "enospc"), "cannot write", ENOSPC);
  }

  TEST_CASE("EIO on write leaves the old file and no temporary file") {
    check_refused(replace_under(Fault::write_eio, "write-eio"), "cannot write", EIO);
  }

  TEST_CASE("EIO on fsync leaves the old file and no temporary file") {
    check_refused(replace_under(Fault::fsync_eio, "fsync-eio"), "cannot flush to disk", EIO);
  }

  TEST_CASE("EIO on close leaves the old file and no temporary file") {
    check_refused(replace_under(Fault::close_eio, "close-eio"), "cannot close", EIO);
  }

  TEST_CASE("EIO on rename leaves the old file and no temporary file") {
    check_refused(replace_under(Fault::rename_eio, "rename-eio"), "cannot replace the file", EIO);
  }

  TEST_CASE("without faults the file is replaced") {
    const Outcome out = replace_under(Fault::none, "none");
    CHECK_FALSE(out.threw);
    CHECK(read_all(out.path) == new_content());
    CHECK(entries(out.dir) == std::vector<std::string>{"case.json"});
    std::filesystem::remove_all(out.dir);
  }
}
