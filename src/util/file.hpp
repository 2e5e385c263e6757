// Bounded file reading: a whole file into memory, refused before reading when it is larger
// than the caller's limit, so a huge or endless input costs nothing.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace safeguard {

// The contents of `path`. Throws Error (Status::io, or Status::limit past `max_bytes`) naming
// the file; `what` names it in the message ("file", "rule pack"). A directory or anything else
// that is not a regular file is refused as such (Status::io), before any size check.
std::string read_file_bounded(const std::string& path, std::size_t max_bytes,
                              std::string_view what);

// The size of the open file `descriptor` (named `path`), after checking it is a regular file:
// a directory, pipe or device is refused with Error (Status::io) saying so. `what` names it in
// the message ("file", "rule pack").
std::size_t regular_file_size(int descriptor, const std::string& path, std::string_view what);

// ": " and the operating system's reason for errno value `error_number` ("No such file or
// directory"), or "" for 0: what an I/O error message appends so the user can act on it.
std::string os_reason(int error_number);

}  // namespace safeguard
