// Runs a libFuzzer target's entry point over files, without libFuzzer: the plain build (gcc),
// the sanitizer build and the coverage build compile every fuzz target with this driver and
// replay its corpus (fuzz/corpus/<target>) as a test, so a target that no longer compiles, or
// a corpus input that breaks an invariant, fails the ordinary suite rather than waiting for the
// clang-only fuzz build in CI. Written by hand because libFuzzer's own driver needs clang and
// -fsanitize=fuzzer; the contract is the same: LLVMFuzzerTestOneInput on each input's bytes, and
// an invariant broken inside a target aborts.
//
//   fuzz_replay_<target> PATH...   each PATH a file or a directory (its regular files, in name
//                                  order); fails when no input was found
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

bool read_file(const std::filesystem::path& path, std::vector<std::uint8_t>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::filesystem::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path path(argv[i]);
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::directory_iterator(path, error))
        if (entry.is_regular_file(error)) files.push_back(entry.path());
      if (error) {
        std::fprintf(stderr, "fuzz replay: cannot list %s: %s\n", argv[i], error.message().c_str());
        return 2;
      }
      std::sort(files.begin(), files.end());
      inputs.insert(inputs.end(), files.begin(), files.end());
    } else if (std::filesystem::is_regular_file(path, error)) {
      inputs.push_back(path);
    } else {
      std::fprintf(stderr, "fuzz replay: no such file or directory: %s\n", argv[i]);
      return 2;
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "fuzz replay: no inputs to run\n");
    return 2;
  }
  std::vector<std::uint8_t> bytes;
  for (const auto& input : inputs) {
    if (!read_file(input, bytes)) {
      std::fprintf(stderr, "fuzz replay: cannot read %s\n", input.string().c_str());
      return 2;
    }
    // The input's name first, so a finding's abort names the input that caused it.
    std::fprintf(stderr, "fuzz replay: %s (%zu bytes)\n", input.string().c_str(), bytes.size());
    // libFuzzer never passes a null pointer for an empty input; neither does this.
    static const std::uint8_t empty = 0;
    LLVMFuzzerTestOneInput(bytes.empty() ? &empty : bytes.data(), bytes.size());
  }
  std::printf("fuzz replay: %zu inputs, no invariant broken\n", inputs.size());
  return 0;
}
