// Fuzzes statutory process files (process/*.toml): national files (Process::load_string),
// local files over the bundled English process (Process::load_local_string) and either
// (Process::load_string_for, which the CLI and the C API use), chosen by the first byte. When one
// loads, the case in examples/data/timeline.json is assessed with it. Invariants: no crash, hang or
// sanitizer report; a refused file is an Error with a message; every step of a timeline names a
// step of the process, and the timelines do not depend on the thread count.
#include <cstring>
#include <fstream>
#include <sstream>

#include "fuzz_common.hpp"
#include "safeguard/assess.hpp"
#include "safeguard/error.hpp"
#include "safeguard/graph.hpp"
#include "safeguard/io.hpp"
#include "safeguard/process.hpp"
#include "safeguard/rules.hpp"
#include "safeguard/snapshot.hpp"

namespace {

using namespace safeguard;

const std::shared_ptr<const Snapshot>& timeline_case() {
  static const std::shared_ptr<const Snapshot> snapshot = [] {
    CaseGraph graph;
    load_case_file(graph, SAFEGUARD_SOURCE_DIR "/examples/data/timeline.json");
    return take_snapshot(graph);
  }();
  return snapshot;
}

const std::shared_ptr<const RuleSet>& rules() {
  static const std::shared_ptr<const RuleSet> pack =
      RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
  return pack;
}

std::string timelines(const Results& results, const Process& process) {
  std::ostringstream out;
  for (std::size_t row = 0; row < results.child_count(); ++row) {
    for (const Step* s = results.steps_begin(row); s != results.steps_end(row); ++s) {
      fuzz::check(s->kind < process.steps().size(), "a step the process does not have");
      out << row << ' ' << s->kind << ' ' << static_cast<int>(s->status) << ' ' << s->start << ' '
          << s->due << ' ' << s->completed << ' ' << s->working_days << '\n';
    }
  }
  return out.str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int how = data[0] % 3;  // 0: national, 1: local, 2: either, as the C API reads one
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  std::shared_ptr<const Process> process;
  try {
    if (how == 1) {
      process = Process::load_local_string(text, "fuzz.toml",
                                           *Process::bundled(Nation::england_and_wales));
    } else if (how == 2) {
      process = Process::load_string_for(text, "fuzz.toml", Nation::england_and_wales);
    } else {
      process = Process::load_string(text, "fuzz.toml");
    }
  } catch (const Error& e) {
    fuzz::check(std::strlen(e.what()) > 0, "an error without a message");
    return 0;
  }
  fuzz::check(process != nullptr, "a load returned no process");
  try {
    static const Day as_of = [] {
      Day day = kNoDay;
      std::string error;
      parse_iso_date("2026-11-20", day, error);
      return day;
    }();
    AssessOptions one(as_of, 1, process);
    AssessOptions three(as_of, 3, process);
    const Results a = assess(rules(), timeline_case(), one);
    const Results b = assess(rules(), timeline_case(), three);
    fuzz::check(timelines(a, *process) == timelines(b, *process),
                "timelines differ between 1 and 3 threads");
  } catch (const Error& e) {
    // A process for another nation than the case's is refused by name; nothing else may fail.
    fuzz::check(e.status() == Status::invalid_argument, "assessing with a loaded process failed",
                e.what());
  }
  return 0;
}
