// Helpers shared by the libFuzzer targets: a byte reader that turns fuzz input into choices and
// strings, an abort-with-message check (libFuzzer reports it as a crash with the message), and
// the small fixed case file the targets preload so fuzzed input can refer to existing ids.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "safeguard.h"

namespace fuzz {

[[noreturn]] inline void die(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n%s\n", what, detail.c_str());
  std::abort();
}

inline void check(bool ok, const char* what, const std::string& detail = {}) {
  if (!ok) die(what, detail);
}

// Reads choices and strings from the fuzz input; past the end every read gives zero bytes.
class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool empty() const { return at_ >= size_; }
  std::uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | byte();
    return v;
  }
  // A string of up to max_length raw bytes (may be invalid UTF-8, may contain NUL).
  std::string bytes(std::size_t max_length) {
    std::size_t length = byte() % (max_length + 1);
    if (length > size_ - std::min(at_, size_)) length = size_ - std::min(at_, size_);
    std::string out(reinterpret_cast<const char*>(data_ + at_), length);
    at_ += length;
    return out;
  }
  std::string rest() {
    std::string out(reinterpret_cast<const char*>(data_ + std::min(at_, size_)),
                    size_ - std::min(at_, size_));
    at_ = size_;
    return out;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

// A small fictional case that fuzzed edits and case files can refer to.
inline const char* base_case() {
  return R"({
  "schema_version": 1,
  "agencies": [{"id": "AG-1", "type": "school"}, {"id": "AG-2", "type": "police"}],
  "households": [{"id": "HH-1"}],
  "persons": [
    {"id": "P-1", "kind": "adult", "dob": "1990-01-01", "household": "HH-1"},
    {"id": "P-2", "kind": "child", "dob": "2018-05-05", "household": "HH-1"},
    {"id": "P-3", "kind": "child", "dob": "2021-02-28"}
  ],
  "concerns": [
    {"id": "C-1", "category": "domestic_abuse", "severity": 3, "recorded": "2026-01-10",
     "source": "AG-2", "restricted": true, "about": ["P-1"], "involves": ["P-1"]},
    {"id": "C-2", "category": "school_attendance", "severity": 2, "recorded": "2026-02-10",
     "source": "AG-1", "about": ["P-2"]}
  ],
  "factors": [
    {"id": "F-1", "kind": "protective_adult", "strength": 3, "protects": ["P-2"]}
  ],
  "relations": [
    {"kind": "parent_of", "from": "P-1", "to": "P-2"},
    {"kind": "sibling_of", "from": "P-2", "to": "P-3"}
  ]
})";
}

// The graph saved as a case file, for before/after comparisons.
inline std::string saved(const sg_graph* graph) {
  char* buffer = nullptr;
  std::size_t size = 0;
  if (sg_graph_save_buffer(&buffer, &size, graph) != SG_OK)
    die("sg_graph_save_buffer failed", sg_error_last());
  std::string out(buffer, size);
  sg_buffer_free(buffer);
  return out;
}

// Saving, loading into an empty graph and saving again must give the same bytes.
inline void check_round_trip(const std::string& text) {
  sg_graph* copy = nullptr;
  check(sg_graph_new(&copy) == SG_OK, "sg_graph_new");
  const int status = sg_graph_load_buffer(copy, text.data(), text.size(), "saved");
  if (status != SG_OK) die("a saved case file does not load", sg_error_last() + ("\n" + text));
  const std::string again = saved(copy);
  sg_graph_free(copy);
  check(again == text, "save -> load -> save changed the bytes", text + "\n----\n" + again);
}

// Every failure leaves a message that names where it happened or what it is about.
inline void check_error_message(int status) {
  check(status < 0 && std::string(sg_status_str(status)) != "unknown status",
        "a failure with a status that is not an SG_E_* code");
  check(sg_error_last_status() == status, "sg_error_last_status disagrees with the return");
  check(sg_error_last()[0] != '\0', "a failure without a message");
}

}  // namespace fuzz
