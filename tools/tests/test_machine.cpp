// The program's reading of the machine (tools/machine.hpp), on copies of sysfs's layout.
#include "doctest_main.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "machine.hpp"

namespace fs = std::filesystem;
using safeguard::cli::balloon_reports_free_pages;

namespace {

// A directory laid out as /sys/bus/virtio/devices, removed at the end of the test.
struct Devices {
  fs::path root;
  Devices() {
    static std::atomic<int> counter{0};
    root = fs::temp_directory_path() /
           ("sg-virtio-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(root);
  }
  ~Devices() {
    std::error_code ignored;
    fs::remove_all(root, ignored);
  }
  void add(const std::string& name, const std::string& id, const std::string& features) {
    fs::create_directories(root / name);
    std::ofstream(root / name / "device") << id << "\n";
    std::ofstream(root / name / "features") << features << "\n";
  }
  std::string path() const { return root.string(); }
};

// Feature bits as sysfs writes them: 64 characters, bit 0 first.
std::string bits(std::initializer_list<int> set) {
  std::string out(64, '0');
  for (int bit : set) out[static_cast<std::size_t>(bit)] = '1';
  return out;
}

}  // namespace

TEST_CASE("a balloon with free page reporting is found among the virtio devices") {
  Devices d;
  d.add("virtio0", "0x0002", bits({1, 2, 5}));  // a block device: its bit 5 means something else
  d.add("virtio1", "0x0005", bits({1, 2, 5}));  // the balloon, reporting free pages
  CHECK(balloon_reports_free_pages(d.path()));
}

TEST_CASE("a balloon without free page reporting, or another device with bit 5, is not") {
  Devices d;
  d.add("virtio0", "0x0005", bits({1, 2}));
  d.add("virtio1", "0x0001", bits({5}));
  d.add("virtio2", "0x00005x", bits({5}));  // not a hexadecimal id
  CHECK_FALSE(balloon_reports_free_pages(d.path()));
}

TEST_CASE("a machine that says nothing about its devices keeps the default") {
  Devices d;
  CHECK_FALSE(balloon_reports_free_pages(d.path()));                       // no devices
  CHECK_FALSE(balloon_reports_free_pages((d.root / "missing").string()));  // no virtio bus
  fs::create_directories(d.root / "virtio0");  // a device whose files cannot be read
  CHECK_FALSE(balloon_reports_free_pages(d.path()));
  d.add("virtio1", "0x0005", "00001");  // a features line too short to hold bit 5
  CHECK_FALSE(balloon_reports_free_pages(d.path()));
  std::ofstream(d.root / "virtio2") << "not a directory\n";
  CHECK_FALSE(balloon_reports_free_pages(d.path()));
}
