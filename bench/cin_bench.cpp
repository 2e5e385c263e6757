// Children in Need census import benchmark (docs/performance.md, docs/cin-census.md): a
// generated return of N children (100,000 by default), read with safeguard::cin::read, turned
// into a graph, and measured, against the peer of expat parsing the same bytes with handlers
// that do nothing (the floor any expat-based reader stands on); then the graph written back as
// a return (cin::write_return, with the return as details, and from the graph alone, with the
// items the record kept), which must give a generated return's bytes back. One core: nothing here
// uses threads. The generator is here, outside the library, as the caseload generator is.
//
//   safeguard_cin_bench [--children N] [--repeat R] [--seed S] [--write FILE] [--input FILE]
//
// --write saves the generated return (to try other tools on it); --input times a return the
// repository does not hold instead of a generated one.
#include <expat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>

#include "safeguard/cin.hpp"

using namespace safeguard;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One step's best wall-clock and best CPU time over the runs: on a shared machine the CPU time
// (this process's, user and system) is the steadier of the two.
struct Best {
  double wall = 1e300;
  double cpu = 1e300;
};
class Timer {
 public:
  Timer() : wall_(std::chrono::steady_clock::now()), cpu_(std::clock()) {}
  void stop(Best& best) const {
    best.wall = std::min(best.wall, seconds_since(wall_));
    best.cpu = std::min(best.cpu, static_cast<double>(std::clock() - cpu_) / CLOCKS_PER_SEC);
  }

 private:
  std::chrono::steady_clock::time_point wall_;
  std::clock_t cpu_;
};

// A deterministic fictional return: each child has one to three episodes; most have an
// assessment with factors; some a section 47 enquiry, a conference, a plan and its reviews.
class Generator {
 public:
  explicit Generator(std::uint64_t seed) : random_(seed) {}

  std::string make(std::size_t children) {
    cin::Return r;
    r.header.collection = "CIN";
    r.header.year = "2025";
    r.header.reference_date = day(2025, 3, 31);
    r.header.source_level = "L";
    r.header.authority = "999";
    r.header.software_code = "safeguard_cin_bench";
    r.header.release = "1";
    r.header.serial_no = "001";
    r.header.date_time = "2025-05-06T10:15:00";
    r.children.reserve(children);
    for (std::size_t i = 0; i < children; ++i) r.children.push_back(child(i));
    return cin::write(r);
  }

 private:
  static Day day(int y, int m, int d) {
    return to_day(boost::gregorian::date(static_cast<unsigned short>(y),
                                         static_cast<unsigned short>(m),
                                         static_cast<unsigned short>(d)));
  }
  std::uint64_t below(std::uint64_t n) { return random_() % n; }
  template <std::size_t N>
  const char* pick(const char* const (&options)[N]) {
    return options[below(N)];
  }

  cin::Child child(std::size_t i) {
    // GenderCurrent, as every published schema (2016-2024) has it; three codes, as before.
    static const char* const kGender[] = {"1", "2", "0"};
    static const char* const kEthnicity[] = {"WBRI", "WOTH", "MWBC", "AIND", "APKN",
                                             "BAFR", "BCRB", "CHNE", "OOTH", "NOBT"};
    static const char* const kDisability[] = {"MOB", "HAND", "LD", "HEAR", "VIS", "AUT"};
    static const char* const kSource[] = {"1A", "2A", "3A", "3E", "5A", "6", "8", "10"};
    static const char* const kNeed[] = {"N1", "N1", "N4", "N5", "N2", "N0"};
    static const char* const kFactors[] = {"1B",  "2B",  "3A",  "3B",  "4B",  "6A", "10A",
                                           "11A", "16A", "17A", "18B", "19B", "21", "24A"};
    static const char* const kCategory[] = {"NEG", "PHY", "SAB", "EMO", "MUL"};
    cin::Child c;
    c.la_child_id = "P-GEN-C" + std::to_string(i + 1);
    const Day reference = day(2025, 3, 31);
    if (below(50) == 0) {
      c.expected_birth = reference + static_cast<Day>(below(200));
    } else {
      c.birth = reference - static_cast<Day>(400 + below(6500));
      c.upn = "A999" + std::to_string(100000000 + i);
    }
    c.sex_element = cin::SexElement::gender_current;
    c.sex = pick(kGender);
    c.ethnicity = pick(kEthnicity);
    if (below(8) == 0) c.disabilities.push_back(pick(kDisability));
    const int episodes = 1 + static_cast<int>(below(10) == 0) + static_cast<int>(below(30) == 0);
    Day cursor = reference - static_cast<Day>(60 + below(700));
    // Dates past the reference date have not happened yet: they are left out, as a return
    // leaves out what is still open.
    auto upto = [reference](Day d) { return d <= reference ? d : kNoDay; };
    for (int e = 0; e < episodes && cursor <= reference - 10; ++e) {
      cin::Episode ep;
      ep.referral = cursor;
      ep.referral_source = pick(kSource);
      ep.primary_need = pick(kNeed);
      ep.referral_nfa = below(6) == 0;
      if (!*ep.referral_nfa) {
        cin::Assessment a;
        a.start = cursor + static_cast<Day>(below(5));
        a.authorised = upto(a.start + static_cast<Day>(20 + below(60)));
        const int factors = a.authorised == kNoDay ? 0 : 1 + static_cast<int>(below(4));
        for (int f = 0; f < factors; ++f) {
          const std::string code = pick(kFactors);
          if (code == "21") continue;
          if (std::find(a.factors.begin(), a.factors.end(), code) == a.factors.end()) {
            a.factors.push_back(code);
          }
        }
        if (a.factors.empty() && a.authorised != kNoDay) a.factors.push_back("21");
        ep.assessments.push_back(a);
        if (a.authorised != kNoDay && a.authorised < reference && below(3) == 0) {
          cin::CinPlan p;
          p.start = a.authorised + 1;
          if (below(2) == 0) p.end = upto(p.start + static_cast<Day>(30 + below(200)));
          ep.cin_plans.push_back(p);
        }
        if (a.start + 10 <= reference && below(5) == 0) {
          cin::Section47 s;
          s.start = a.start + static_cast<Day>(below(10));
          s.conference_target = s.start + 21;
          const Day conference = upto(s.start + static_cast<Day>(10 + below(20)));
          if (below(4) == 0 || conference == kNoDay) {
            s.conference_not_required = conference != kNoDay;
          } else {
            s.conference = conference;
            s.conference_not_required = false;
            ep.initial_conference = s.conference;
            cin::ProtectionPlan plan;
            plan.start = s.conference;
            plan.initial_category = pick(kCategory);
            plan.latest_category = plan.initial_category;
            plan.previous_plans = static_cast<int>(below(3));
            Day review = add_months(plan.start, 3) - static_cast<Day>(below(10));
            while (review <= reference && below(8) != 0) {
              plan.reviews.push_back(review);
              review = add_months(review, 6) - static_cast<Day>(below(5));
            }
            if (below(3) == 0) plan.end = std::min<Day>(review, reference);
            ep.protection_plans.push_back(plan);
          }
          ep.section47s.push_back(s);
        }
      }
      const bool open_plan = !ep.protection_plans.empty() && ep.protection_plans[0].end == kNoDay;
      if (!open_plan && (e + 1 < episodes || below(2) == 0)) {
        Day last = cursor;
        for (const cin::Assessment& a : ep.assessments)
          last = std::max({last, a.start, a.authorised});
        for (const cin::CinPlan& p : ep.cin_plans) last = std::max({last, p.start, p.end});
        for (const cin::Section47& s : ep.section47s)
          last = std::max({last, s.start, s.conference});
        for (const cin::ProtectionPlan& p : ep.protection_plans) last = std::max(last, p.end);
        ep.closure = upto(last + static_cast<Day>(1 + below(30)));
        if (ep.closure != kNoDay) ep.closure_reason = "RC7";
      }
      c.episodes.push_back(ep);
      if (ep.closure == kNoDay) break;
      cursor = ep.closure + static_cast<Day>(1 + below(60));
    }
    return c;
  }

  std::mt19937_64 random_;
};

// The peer: expat over the same bytes, every handler empty.
void XMLCALL ignore_start(void*, const XML_Char*, const XML_Char**) {}
void XMLCALL ignore_end(void*, const XML_Char*) {}
void XMLCALL ignore_text(void*, const XML_Char*, int) {}

void expat_only(const std::string& text) {
  XML_Parser parser = XML_ParserCreate(nullptr);
  XML_SetElementHandler(parser, ignore_start, ignore_end);
  XML_SetCharacterDataHandler(parser, ignore_text);
  constexpr std::size_t kChunk = std::size_t(1) << 20;
  for (std::size_t at = 0; at < text.size(); at += kChunk) {
    const std::size_t n = std::min(kChunk, text.size() - at);
    if (XML_Parse(parser, text.data() + at, static_cast<int>(n),
                  at + n == text.size() ? XML_TRUE : XML_FALSE) != XML_STATUS_OK) {
      std::cerr << "expat: " << XML_ErrorString(XML_GetErrorCode(parser)) << "\n";
      std::exit(1);
    }
  }
  XML_ParserFree(parser);
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t children = 100000;
  int repeat = 3;
  std::uint64_t seed = 22;
  std::string write_path;
  std::string input_path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << arg << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--children") {
      children = std::stoul(value());
    } else if (arg == "--repeat") {
      repeat = std::max(1, std::stoi(value()));
    } else if (arg == "--seed") {
      seed = std::stoull(value());
    } else if (arg == "--write") {
      write_path = value();
    } else if (arg == "--input") {
      input_path = value();
    } else {
      std::cerr << "usage: safeguard_cin_bench [--children N] [--repeat R] [--seed S] "
                   "[--write FILE] [--input FILE]\n";
      return 2;
    }
  }
  std::string text;
  if (!input_path.empty()) {
    std::ifstream in(input_path, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  } else {
    const auto start = std::chrono::steady_clock::now();
    text = Generator(seed).make(children);
    std::printf("generated %zu children, %.1f MB, in %.2f s\n", children, text.size() / 1e6,
                seconds_since(start));
  }
  if (!write_path.empty()) {
    std::ofstream(write_path, std::ios::binary) << text;
    std::printf("written to %s\n", write_path.c_str());
  }

  Best peer, reading, import, convert, apply, export_details, export_kept, measuring;
  std::size_t read_children = 0, findings = 0, entities = 0;
  for (int r = 0; r < repeat; ++r) {
    Timer timer;
    expat_only(text);
    timer.stop(peer);

    timer = Timer();
    const cin::Return parsed = cin::read(text, "bench.xml");
    timer.stop(reading);
    read_children = parsed.children.size();
    findings = parsed.findings.size();

    // The import the user waits for: the bytes read and the graph built from them.
    timer = Timer();
    const cin::Return again = cin::read(text, "bench.xml");
    CaseGraph graph;
    cin::load(graph, again, "bench.xml");
    timer.stop(import);
    entities = graph.count();

    // Where the import's time goes: building the batch, and the graph applying it (cin::load
    // into an empty graph builds each child's items into the graph as it makes them, so it
    // holds no batch of the whole return: these two together cost more than its share).
    timer = Timer();
    const cin::Conversion conversion = cin::to_batch(parsed);
    timer.stop(convert);
    timer = Timer();
    CaseGraph applied;
    applied.apply(conversion.batch);
    timer.stop(apply);

    // The export: the graph back to census XML, with the return as details.
    timer = Timer();
    cin::ExportOptions exporting;
    exporting.details = &again;
    const std::string exported = cin::write_return(graph, exporting);
    timer.stop(export_details);
    // A generated return is in the writer's own layout: the export must give its bytes back.
    if (input_path.empty() && exported != text) {
      std::fprintf(stderr, "the export differs from the generated return\n");
      return 1;
    }
    // The export from the graph alone: the items the record kept of the return.
    timer = Timer();
    const std::string kept = cin::write_return(graph);
    timer.stop(export_kept);
    if (kept != exported) {
      std::fprintf(stderr, "the export from the graph alone differs from the one with details\n");
      return 1;
    }

    timer = Timer();
    const cin::Measures m = cin::measures(parsed);
    timer.stop(measuring);
    if (r == 0) {
      for (int i = 0; i < cin::kMeasureCount; ++i) {
        const auto id = static_cast<cin::MeasureId>(i);
        std::printf("  %-30s %7ld / %7ld\n", std::string(cin::to_string(id)).c_str(),
                    m.authority[i].count, m.authority[i].denominator);
      }
    }
  }
  std::printf("return: %zu children, %.1f MB, %zu census-rule findings; graph: %zu entities\n",
              read_children, text.size() / 1e6, findings, entities);
  std::printf("%-38s %8s %8s\n", "step (best of the runs)", "wall s", "CPU s");
  const auto row = [&](const char* step, const Best& best, const char* note = "") {
    std::printf("%-38s %8.3f %8.3f  %s\n", step, best.wall, best.cpu, note);
  };
  row("expat alone (peer, empty handlers)", peer);
  row("cin::read", reading);
  row("cin::read + cin::load (import)", import, "(target <= 5 s)");
  row("  cin::to_batch", convert);
  row("  CaseGraph::apply of that batch", apply);
  row("cin::write_return (export, details)", export_details);
  row("cin::write_return (graph alone)", export_kept);
  row("cin::measures", measuring);
  std::printf("import against the peer: %.2fx wall, %.2fx CPU; %d runs, one core\n",
              import.wall / peer.wall, import.cpu / peer.cpu, repeat);
  return 0;
}
