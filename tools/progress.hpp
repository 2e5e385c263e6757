// A progress bar for long batch work, seen only on a terminal.
#pragma once

#include <cstddef>
#include <string>

namespace safeguard::cli {

// A progress bar on standard error, drawn only when standard error is a terminal and the work
// is large enough to be worth watching; otherwise every call is a no-op. What it draws never
// changes what the command computes or prints on standard output.
class Progress {
 public:
  Progress(std::string label, std::size_t total, bool allowed = true);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void update(std::size_t done);
  void finish();

  static constexpr std::size_t kMinimumWork = 2000;  // smaller jobs finish before a bar helps

 private:
  std::string label_;
  std::size_t total_;
  bool enabled_;
  int last_percent_ = -1;
};

}  // namespace safeguard::cli
