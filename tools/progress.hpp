// A progress bar for long batch work, seen only on a terminal.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace safeguard::cli {

// A progress bar on standard error, drawn only when standard error is a terminal and the work
// is large enough to be worth watching; otherwise every call is a no-op. It shows the share
// done, the rate and the time left at that rate. What it draws never changes what the command
// computes or prints on standard output.
class Progress {
 public:
  Progress(std::string label, std::size_t total, bool allowed = true);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void update(std::size_t done);
  void finish();

  // "1.2k/s, 3s left": the rate so far and the time the rest takes at it ("" too early to say).
  static std::string rate_and_time_left(std::size_t done, std::size_t total, double seconds);

  static constexpr std::size_t kMinimumWork = 2000;  // smaller jobs finish before a bar helps

 private:
  std::string label_;
  std::size_t total_;
  bool enabled_;
  int last_percent_ = -1;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace safeguard::cli
