// Progress of a long call (reading or writing a case file, assessing a caseload): how much is
// done, and a way for the caller to stop it.
#pragma once

#include <cstdint>
#include <functional>

namespace safeguard {

// Called now and then with `done` of `total` units (bytes for a file, children for an
// assessment). Returning false stops the call, which throws Error(Status::cancelled) and
// leaves everything as it was. An empty function reports nothing.
using Progress = std::function<bool(std::uint64_t done, std::uint64_t total)>;

}  // namespace safeguard
