// What the commands that read a store share (cmd_store.cpp): record times from the command
// line and opening a store, with their failures as exit codes.
#pragma once

#include <string>

#include "safeguard/record.hpp"

namespace safeguard::cli {

// Record time from the command line: seconds since 1970-01-01T00:00:00Z, or that instant
// written "YYYY-MM-DDTHH:MM:SSZ". Never the clock. kExitUsage when malformed.
RecordTime parse_record_time(const std::string& text, const char* option);

// A store that cannot be opened, read or written is an I/O failure (kExitIo).
Record open_store(const std::string& path, StoreOpen mode);

}  // namespace safeguard::cli
