#include "machine.hpp"

#include <filesystem>
#include <fstream>
#include <system_error>

namespace safeguard::cli {

namespace {

// The virtio device id of a memory balloon, and the feature bit of free page reporting
// (the virtio specification, 5.5 "Traditional Memory Balloon Device").
constexpr int kBalloonDevice = 5;
constexpr std::size_t kReportingBit = 5;

// The first line of a small sysfs file, or empty.
std::string first_line(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  if (in) std::getline(in, line);
  if (line.size() > 4096) line.clear();  // not a sysfs attribute
  return line;
}

bool is_balloon(const std::string& id) {
  // "0x0005"; sysfs writes the id in hexadecimal with four digits.
  if (id.size() < 3 || id[0] != '0' || (id[1] != 'x' && id[1] != 'X')) return false;
  int value = 0;
  for (std::size_t i = 2; i < id.size(); ++i) {
    const char c = id[i];
    int digit = 0;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return false;
    }
    if (value > 0xffff) return false;
    value = value * 16 + digit;
  }
  return value == kBalloonDevice;
}

}  // namespace

bool balloon_reports_free_pages(const std::string& devices) {
  std::error_code error;
  std::filesystem::directory_iterator it(devices, error), end;
  for (; !error && it != end; it.increment(error)) {
    const std::filesystem::path device = it->path();
    if (!is_balloon(first_line(device / "device"))) continue;
    const std::string features = first_line(device / "features");
    if (features.size() > kReportingBit && features[kReportingBit] == '1') return true;
  }
  return false;
}

}  // namespace safeguard::cli
