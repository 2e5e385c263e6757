// The progress bar on standard error; see progress.hpp.
#include "progress.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "output.hpp"

namespace safeguard::cli {

Progress::Progress(std::string label, std::size_t total, bool allowed)
    : label_(std::move(label)),
      total_(total),
      enabled_(allowed && total >= kMinimumWork && stderr_is_terminal()) {}

Progress::~Progress() { finish(); }

void Progress::update(std::size_t done) {
  if (!enabled_) return;
  const int percent = static_cast<int>(std::min<std::size_t>(done, total_) * 100 / total_);
  if (percent == last_percent_) return;
  last_percent_ = percent;
  constexpr int kWidth = 30;
  const int filled = percent * kWidth / 100;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const std::string pace = rate_and_time_left(done, total_, seconds);
  std::cerr << "\r\033[K" << label_ << " [" << std::string(filled, '#')
            << std::string(kWidth - filled, '.') << "] " << percent << "% (" << done << "/"
            << total_ << ")" << (pace.empty() ? "" : " " + pace) << std::flush;
}

std::string Progress::rate_and_time_left(std::size_t done, std::size_t total, double seconds) {
  if (done == 0 || seconds <= 0) return {};
  const double rate = static_cast<double>(done) / seconds;
  char text[64];
  if (rate >= 1e6) {
    std::snprintf(text, sizeof text, "%.1fM/s", rate / 1e6);
  } else if (rate >= 1e3) {
    std::snprintf(text, sizeof text, "%.1fk/s", rate / 1e3);
  } else {
    std::snprintf(text, sizeof text, "%.0f/s", rate);
  }
  std::string out = text;
  const double left = static_cast<double>(total > done ? total - done : 0) / rate;
  const long whole = static_cast<long>(left + 0.5);
  if (whole >= 3600) {
    std::snprintf(text, sizeof text, ", %ldh%02ldm left", whole / 3600, whole / 60 % 60);
  } else if (whole >= 60) {
    std::snprintf(text, sizeof text, ", %ldm%02lds left", whole / 60, whole % 60);
  } else {
    std::snprintf(text, sizeof text, ", %lds left", whole);
  }
  return out + text;
}

void Progress::finish() {
  if (!enabled_) return;
  std::cerr << "\r\033[K" << std::flush;
  enabled_ = false;
}

}  // namespace safeguard::cli
