// The progress bar on standard error; see progress.hpp.
#include "progress.hpp"

#include <algorithm>
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
  std::cerr << "\r" << label_ << " [" << std::string(filled, '#')
            << std::string(kWidth - filled, '.') << "] " << percent << "% (" << done << "/"
            << total_ << ")" << std::flush;
}

void Progress::finish() {
  if (!enabled_) return;
  std::cerr << "\r\033[K" << std::flush;
  enabled_ = false;
}

}  // namespace safeguard::cli
