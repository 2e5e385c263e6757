// What the program asks of the machine it runs on, decided from what the machine says of itself.
#pragma once

#include <string>

namespace safeguard::cli {

// Where Linux lists the virtio devices of a virtual machine.
inline constexpr const char* kVirtioDevices = "/sys/bus/virtio/devices";

// Whether the machine has a virtio balloon that reports free pages to its host
// (VIRTIO_BALLOON_F_REPORTING): the host then takes free 2 MiB blocks back, and the first touch
// of a transparent huge page, which needs such a block, faults into the host and costs about
// five times a small page's (docs/performance.md, "What fresh memory costs on the VM"). Reads
// `devices` (kVirtioDevices, or a copy of its layout in a test): each device's `device` file
// holds its id ("0x0005" for a balloon) and its `features` file one '0' or '1' a feature bit,
// bit 0 first. False when nothing can be read: a machine that says nothing keeps the default.
bool balloon_reports_free_pages(const std::string& devices = kVirtioDevices);

}  // namespace safeguard::cli
