// Case-file load benchmark (issue 19; docs/performance.md, "Case files"): a generated caseload of
// N children saved as a case file, then loaded by the streaming reader (the library's) and by
// the document reader it replaced (tests/oracle/legacy_case_reader.cpp, kept for the differential
// test), each in a fresh process so that its peak memory is its own: wall and CPU time to load,
// to take the snapshot and to assess (default pack, one thread), and the process's peak RSS.
// Then the JSON parsers alone on the same file, keeping nothing (RapidJSON's SAX reader, which
// the streaming reader drives first, nlohmann's SAX parser, which reads again only a file the
// first pass stops on, and simdjson On-Demand when it was found at build time: the floors under
// a reader built on each), and `safeguard assess FILE --format csv` itself, as a user runs it,
// timed the same way.
// Ratios against the old reader and the targets are printed beside the figures.
//
//   safeguard_case_load_bench [--children N[,N...]] [--seed S] [--dir D] [--legacy-max N]
//                             [--keep]
//
// Defaults: 100,000 and 1,000,000 children, seed 1, files in /tmp, removed afterwards. The old
// reader holds the whole document (about 18 bytes of memory per byte of file), so it is run
// only up to --legacy-max children (default 200,000); above that it is reported as not run.
// One core: the benchmark runs one measured process at a time, none of them threaded.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <rapidjson/filereadstream.h>
#include <rapidjson/reader.h>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#ifdef SAFEGUARD_HAVE_SIMDJSON
#include <simdjson.h>
#endif

#include "safeguard/assess.hpp"
#include "safeguard/generate.hpp"
#include "safeguard/io.hpp"
#include "safeguard/rules.hpp"
#include "snapshot_columns.hpp"

extern char** environ;

namespace safeguard::legacy {
void load_case_file(CaseGraph& graph, const std::string& path, const CaseFileLimits& limits);
}  // namespace safeguard::legacy

namespace {

using namespace safeguard;

constexpr double kTargetSeconds = 6.0;  // a million children from the file to results
constexpr double kTargetGigabytes = 2.5;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// The limits a national file needs whatever the default: the benchmark measures, it does not
// police sizes.
CaseFileLimits roomy() {
  CaseFileLimits limits;
  limits.max_bytes = std::size_t{64} << 30;
  return limits;
}

// ---- The measured child processes ----------------------------------------------------------

// Writes the generated caseload as a case file (in its own process, so that the generator's
// graph is gone before anything is measured).
int write_mode(std::size_t children, std::uint64_t seed, const std::string& path) {
  CaseGraph graph;
  CaseloadOptions options;
  options.children = children;
  options.seed = seed;
  generate_caseload(graph, options);
  save_case_file(graph, path);
  return 0;
}

// Loads with one reader, snapshots, assesses; prints "load snapshot assess cpu children".
int run_mode(const std::string& reader, const std::string& path) {
  CaseGraph graph;
  const auto start = std::chrono::steady_clock::now();
  if (reader == "legacy") {
    legacy::load_case_file(graph, path, roomy());
  } else {
    load_case_file(graph, path, roomy());
  }
  const double load = seconds_since(start);
  const auto snap_start = std::chrono::steady_clock::now();
  const auto snapshot = take_snapshot(graph);
  const double snap = seconds_since(snap_start);
  const auto assess_start = std::chrono::steady_clock::now();
  AssessOptions options;
  options.as_of = CaseloadOptions{}.as_of;
  options.threads = 1;
  const Results results = assess(load_bundled_pack("default"), snapshot, options);
  const double scored = seconds_since(assess_start);
  std::printf("%.6f %.6f %.6f %.6f %zu\n", load, snap, scored, cpu_seconds(),
              results.child_count());
  return 0;
}

// ---- Parse floors: the JSON parsers alone, keeping nothing ----------------------------------

// nlohmann's SAX parser (the one that reads a file again when the first pass stops) with
// handlers that do nothing, over the file read through a stream.
struct NullSax {
  using json = nlohmann::json;
  std::size_t values = 0;
  bool null() { return ++values, true; }
  bool boolean(bool) { return ++values, true; }
  bool number_integer(json::number_integer_t) { return ++values, true; }
  bool number_unsigned(json::number_unsigned_t) { return ++values, true; }
  bool number_float(json::number_float_t, const json::string_t&) { return ++values, true; }
  bool string(json::string_t&) { return ++values, true; }
  bool binary(json::binary_t&) { return ++values, true; }
  bool start_object(std::size_t) { return true; }
  bool end_object() { return true; }
  bool start_array(std::size_t) { return true; }
  bool end_array() { return true; }
  bool key(json::string_t&) { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }
};

// RapidJSON's SAX reader (the streaming reader's first pass) with handlers that only count,
// over the file read 1 MiB at a time: the floor under the streaming reader.
struct NullRapid : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, NullRapid> {
  std::size_t values = 0;
  bool Default() { return ++values, true; }
  bool Key(const char*, rapidjson::SizeType, bool) { return true; }
  bool StartObject() { return true; }
  bool EndObject(rapidjson::SizeType) { return true; }
  bool StartArray() { return true; }
  bool EndArray(rapidjson::SizeType) { return true; }
};

#ifdef SAFEGUARD_HAVE_SIMDJSON
// simdjson On-Demand visiting every value (strings unescaped, numbers parsed): the floor under
// a reader built on it. It needs the whole file in memory (padded) and indexes every structural
// character of it before the first value is seen.
std::size_t visit(simdjson::ondemand::value value) {
  using simdjson::ondemand::json_type;
  std::size_t values = 0;
  switch (value.type()) {
    case json_type::object:
      for (auto field : value.get_object()) {
        (void)field.unescaped_key().value();
        values += visit(field.value());
      }
      return values;
    case json_type::array:
      for (auto item : value.get_array()) values += visit(item.value());
      return values;
    case json_type::string:
      (void)value.get_string().value();
      return 1;
    case json_type::number:
      (void)value.get_double().value();
      return 1;
    case json_type::boolean:
      (void)value.get_bool().value();
      return 1;
    case json_type::null:
      (void)value.is_null();
      return 1;
  }
  return 0;
}
#endif

// Prints "parse-seconds values"; the file's checksum member is parsed like any other.
int floor_mode(const std::string& parser, const std::string& path) {
  const auto start = std::chrono::steady_clock::now();
  std::size_t values = 0;
  if (parser == "nlohmann") {
    std::ifstream in(path, std::ios::binary);
    NullSax sax;
    if (!nlohmann::json::sax_parse(std::istreambuf_iterator<char>(in),
                                   std::istreambuf_iterator<char>(), &sax))
      return 1;
    values = sax.values;
  } else if (parser == "rapidjson") {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (!file) return 1;
    std::vector<char> buffer(std::size_t{1} << 20);
    rapidjson::FileReadStream stream(file, buffer.data(), buffer.size());
    NullRapid handler;
    rapidjson::Reader reader;
    const bool ok = !reader.Parse<rapidjson::kParseIterativeFlag>(stream, handler).IsError();
    std::fclose(file);
    if (!ok) return 1;
    values = handler.values;
  } else {
#ifdef SAFEGUARD_HAVE_SIMDJSON
    try {
      simdjson::padded_string text = simdjson::padded_string::load(path);
      simdjson::ondemand::parser json_parser;
      simdjson::ondemand::document document = json_parser.iterate(text);
      values = visit(document.get_value());
    } catch (const simdjson::simdjson_error& e) {
      std::fprintf(stderr, "simdjson: %s\n", e.what());
      return 1;
    }
#else
    return 1;
#endif
  }
  std::printf("%.6f %zu\n", seconds_since(start), values);
  return 0;
}

// ---- The parent ----------------------------------------------------------------------------

struct Measured {
  bool ok = false;
  double wall = 0;
  double cpu = 0;      // user + system of the process
  double peak_gb = 0;  // its peak resident set
  std::string out;     // what it printed
};

// Runs argv in a fresh process (its stdout captured, or sent to /dev/null) and measures it.
Measured spawn(const std::vector<std::string>& args, bool capture) {
  Measured m;
  int pipe_fds[2] = {-1, -1};
  if (capture && ::pipe(pipe_fds) != 0) return m;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (capture) {
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  } else {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  }
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (capture) ::close(pipe_fds[1]);
  if (spawned != 0) {
    if (capture) ::close(pipe_fds[0]);
    std::cerr << "cannot run " << args[0] << ": " << std::strerror(spawned) << "\n";
    return m;
  }
  if (capture) {
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0)
      m.out.append(buffer, static_cast<std::size_t>(n));
    ::close(pipe_fds[0]);
  }
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  m.wall = seconds_since(start);
  m.cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
          static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  m.peak_gb = static_cast<double>(usage.ru_maxrss) * 1024.0 / 1e9;  // ru_maxrss is in KiB
  m.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return m;
}

std::string self_path() {
  char buffer[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
}

std::string with_commas(std::size_t n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3)
    digits.insert(static_cast<std::size_t>(i), ",");
  return digits;
}

struct Phases {
  double load = 0, snapshot = 0, assess = 0, cpu = 0;
  std::size_t children = 0;
};

Phases phases_of(const Measured& m) {
  Phases p;
  std::istringstream in(m.out);
  in >> p.load >> p.snapshot >> p.assess >> p.cpu >> p.children;
  return p;
}

void print_reader(const char* name, const Measured& m, const Phases& p) {
  std::printf(
      "  %-10s load %7.3f s   snapshot %6.3f s   assess %6.3f s   process %7.3f s wall, "
      "%7.3f s CPU, peak %5.2f GB\n",
      name, p.load, p.snapshot, p.assess, m.wall, m.cpu, m.peak_gb);
}

int usage(const char* program, int code) {
  (code == 0 ? std::cout : std::cerr)
      << "usage: " << program
      << " [--children N[,N...]] [--seed S] [--dir D] [--legacy-max N] [--keep]\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  // The child processes' modes (not for people).
  if (argc == 5 && std::strcmp(argv[1], "--write-case") == 0)
    return write_mode(std::strtoull(argv[2], nullptr, 10), std::strtoull(argv[3], nullptr, 10),
                      argv[4]);
  if (argc == 4 && std::strcmp(argv[1], "--run") == 0) return run_mode(argv[2], argv[3]);
  if (argc == 4 && std::strcmp(argv[1], "--floor") == 0) return floor_mode(argv[2], argv[3]);

  std::vector<std::size_t> sizes = {100000, 1000000};
  std::uint64_t seed = 1;
  std::string dir = "/tmp";
  std::size_t legacy_max = 200000;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--help" || arg == "-h") return usage(argv[0], 0);
    if (arg == "--children" && has_value) {
      sizes.clear();
      std::stringstream list(argv[++i]);
      std::string item;
      while (std::getline(list, item, ',')) {
        const std::size_t n = std::strtoull(item.c_str(), nullptr, 10);
        if (n == 0) return usage(argv[0], 2);
        sizes.push_back(n);
      }
    } else if (arg == "--seed" && has_value) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--dir" && has_value) {
      dir = argv[++i];
    } else if (arg == "--legacy-max" && has_value) {
      legacy_max = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--keep") {
      keep = true;
    } else {
      std::cerr << "unknown option or missing value: " << arg << "\n";
      return usage(argv[0], 2);
    }
  }
  const std::string self = self_path();
  const std::string cli = SAFEGUARD_CLI_PATH;

  std::printf(
      "case-file load: generated caseloads (seed %llu), one process per measurement, "
      "one core\n",
      static_cast<unsigned long long>(seed));
  bool all_ok = true;
  for (const std::size_t n : sizes) {
    const std::string path = dir + "/safeguard_case_load_" + std::to_string(n) + ".json";
    const Measured written =
        spawn({self, "--write-case", std::to_string(n), std::to_string(seed), path}, false);
    struct stat info {};
    if (!written.ok || ::stat(path.c_str(), &info) != 0) {
      std::cerr << "cannot write " << path << "\n";
      return 1;
    }
    const double file_mb = static_cast<double>(info.st_size) / 1e6;
    std::printf("\n%s children: %s (%.0f MB), written in %.1f s\n", with_commas(n).c_str(),
                path.c_str(), file_mb, written.wall);

    const Measured streaming = spawn({self, "--run", "streaming", path}, true);
    const Phases sp = phases_of(streaming);
    if (!streaming.ok) {
      std::printf("  streaming reader FAILED\n");
      all_ok = false;
    } else {
      print_reader("streaming", streaming, sp);
      std::printf("  %-10s %.1f MB/s of file loaded; %.0f bytes of peak memory per child\n", "",
                  file_mb / sp.load, streaming.peak_gb * 1e9 / static_cast<double>(n));
    }
    if (n <= legacy_max) {
      const Measured legacy = spawn({self, "--run", "legacy", path}, true);
      const Phases lp = phases_of(legacy);
      if (!legacy.ok) {
        std::printf("  old reader FAILED\n");
        all_ok = false;
      } else {
        print_reader("old", legacy, lp);
        if (streaming.ok && sp.children != lp.children) {
          std::printf("  the readers assessed different caseloads (%zu and %zu children)\n",
                      sp.children, lp.children);
          all_ok = false;
        }
        if (streaming.ok)
          std::printf("  streaming against old: load %.2fx faster, peak memory %.2fx smaller\n",
                      lp.load / sp.load, legacy.peak_gb / streaming.peak_gb);
      }
    } else {
      std::printf(
          "  old reader not run above %s children (--legacy-max): it holds the whole "
          "document\n",
          with_commas(legacy_max).c_str());
    }

    // The parsers alone, for what the reader adds to them and what a faster parser could save.
    const Measured rapid = spawn({self, "--floor", "rapidjson", path}, true);
    if (rapid.ok)
      std::printf(
          "  floor: RapidJSON SAX, handlers doing nothing: %.3f s, peak %.2f GB "
          "(%.0f%% of the streaming reader's load)\n",
          std::atof(rapid.out.c_str()), rapid.peak_gb,
          streaming.ok ? 100.0 * std::atof(rapid.out.c_str()) / sp.load : 0.0);
    const Measured sax = spawn({self, "--floor", "nlohmann", path}, true);
    if (sax.ok)
      std::printf(
          "  floor: nlohmann SAX, handlers doing nothing: %.3f s, peak %.2f GB "
          "(%.0f%% of the streaming reader's load; it reads only files the first pass stops "
          "on)\n",
          std::atof(sax.out.c_str()), sax.peak_gb,
          streaming.ok ? 100.0 * std::atof(sax.out.c_str()) / sp.load : 0.0);
#ifdef SAFEGUARD_HAVE_SIMDJSON
    const Measured simd = spawn({self, "--floor", "simdjson", path}, true);
    if (simd.ok)
      std::printf(
          "  floor: simdjson On-Demand, every value visited: %.3f s, peak %.2f GB "
          "(the file, padded, and its structural index)\n",
          std::atof(simd.out.c_str()), simd.peak_gb);
    else
      std::printf("  floor: simdjson On-Demand FAILED (above 4 GiB it cannot read a document)\n");
#else
    std::printf("  floor: simdjson not measured (not found when this was built)\n");
#endif
    if (cli.empty()) {
      std::printf("  safeguard assess not run: the command-line program is not built\n");
      if (!keep) ::unlink(path.c_str());
      continue;
    }
    const Measured end_to_end = spawn({cli, "assess", path, "--format", "csv", "--no-progress",
                                       "--max-case-bytes", "64G", "--as-of", "2026-11-01"},
                                      false);
    if (!end_to_end.ok) {
      std::printf("  safeguard assess FAILED\n");
      all_ok = false;
      continue;
    }
    const double scale = 1e6 / static_cast<double>(n);
    std::printf("  safeguard assess %s --format csv: %.3f s wall, %.3f s CPU, peak %.2f GB\n",
                path.c_str(), end_to_end.wall, end_to_end.cpu, end_to_end.peak_gb);
    std::printf(
        "  %-10s per million children: %.2f s wall (target <= %.1f s: %s), peak %.2f GB "
        "(target <= %.1f GB: %s)%s\n",
        "", end_to_end.wall * scale, kTargetSeconds,
        end_to_end.wall * scale <= kTargetSeconds ? "met" : "missed", end_to_end.peak_gb * scale,
        kTargetGigabytes, end_to_end.peak_gb * scale <= kTargetGigabytes ? "met" : "missed",
        n == 1000000 ? "" : " (scaled linearly from this size)");
    if (!keep) ::unlink(path.c_str());
  }
  return all_ok ? 0 : 1;
}
