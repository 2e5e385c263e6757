// Saving case files: atomic replacement (a writer killed at any moment leaves the old file or
// the new one, complete, never a mix) and the checksum that detects damage on load.
#include <doctest/doctest.h>

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "safeguard.h"
#include "safeguard/io.hpp"

using namespace safeguard;

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_all(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// A fresh directory of its own for one test, under the system's temporary directory.
std::string scratch_dir(const char* name) {
  const std::string dir = (std::filesystem::temp_directory_path() /
                           ("safeguard-persistence-" + std::to_string(getpid()) + "-" + name))
                              .string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// A caseload big enough that one save takes a while (so kills land mid-write).
CaseGraph caseload(int families, const std::string& tag) {
  CaseGraph graph;
  Batch batch;
  batch.add(AgencySpec{"AG-" + tag, "school", "Fictional School " + tag});
  Day born = kNoDay;
  std::string error;
  parse_iso_date("2016-04-01", born, error);
  for (int i = 0; i < families; ++i) {
    const std::string p = "P-" + tag + "-" + std::to_string(i);
    batch.add(PersonSpec{p, PersonKind::child, born + i % 900, {"young_carer"}, ""});
    ConcernSpec c;
    c.id = "C-" + tag + "-" + std::to_string(i);
    c.category = "school_attendance";
    c.severity = 1 + i % 5;
    c.recorded = born + 3000 + i % 200;
    c.source = "AG-" + tag;
    c.about = {p};
    c.summary = "Fictional note " + std::to_string(i) + " for " + tag;
    batch.add(c);
  }
  graph.apply(batch);
  return graph;
}

int count_entries(const std::string& dir) {
  int n = 0;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
    closedir(d);
  }
  return n;
}

}  // namespace

TEST_SUITE("unit/persistence") {
  TEST_CASE("a saved file carries a checksum and loads back to the same bytes") {
    const std::string dir = scratch_dir("checksum");
    const CaseGraph graph = caseload(3, "CK");
    const std::string path = dir + "/case.json";
    save_case_file(graph, path);
    const std::string text = read_all(path);
    CHECK(text == save_case(graph));
    CHECK(text.find("\"checksum\": \"sha256:") != std::string::npos);
    CaseGraph again;
    load_case_file(again, path);
    CHECK(save_case(again) == text);
    CHECK(count_entries(dir) == 1);  // no temporary left behind
  }

  TEST_CASE("a damaged or edited file is refused with the place of the checksum") {
    const CaseGraph graph = caseload(2, "DM");
    const std::string text = save_case(graph);
    std::string edited = text;
    const std::size_t at = edited.find("Fictional note 1");
    REQUIRE(at != std::string::npos);
    edited[at] = 'f';  // still valid JSON, different content
    CaseGraph target;
    load_case(target, R"({"schema_version": 1, "households": [{"id": "HH-KEEP"}]})", "x");
    const std::string before = save_case(target);
    try {
      load_case(target, edited, "damaged.json");
      FAIL("a damaged file loaded");
    } catch (const Error& e) {
      CHECK(e.status() == Status::invalid_data);
      CHECK(std::string(e.what()).find("damaged.json:") == 0);
      CHECK(e.where().line > 1);
      CHECK(e.reason().find("checksum does not match") != std::string::npos);
    }
    CHECK(save_case(target) == before);

    // A wrong digest is refused the same way; through the C API it is SG_E_INVALID_DATA.
    std::string wrong = text;
    const std::size_t digest = wrong.rfind("sha256:") + 7;
    wrong[digest] = wrong[digest] == '0' ? '1' : '0';
    sg_graph* g = nullptr;
    REQUIRE(sg_graph_new(&g) == SG_OK);
    CHECK(sg_graph_load_buffer(g, wrong.data(), wrong.size(), "wrong.json") == SG_E_INVALID_DATA);
    CHECK(std::string(sg_error_last()).find("wrong.json:") == 0);
    // Truncated (the end, and with it the checksum, is lost): a syntax error, not a load.
    const std::string cut = text.substr(0, text.size() / 2);
    CHECK(sg_graph_load_buffer(g, cut.data(), cut.size(), "cut.json") == SG_E_PARSE);
    size_t n = 1;
    REQUIRE(sg_graph_count(&n, g, nullptr) == SG_OK);
    CHECK(n == 0);
    sg_graph_free(g);
  }

  TEST_CASE("files without a checksum (written by hand) still load") {
    CaseGraph graph;
    load_case(graph, R"({"schema_version": 1, "persons": [{"id": "P-HW-1", "kind": "child"}]})",
              "hand.json");
    CHECK(graph.find("P-HW-1").has_value());
    // Removing the member from a saved file is how a deliberate edit is loaded.
    const std::string text = save_case(graph);
    const std::size_t member = text.rfind(",\n  \"checksum\"");
    REQUIRE(member != std::string::npos);
    const std::string stripped = text.substr(0, member) + "\n}\n";
    CaseGraph again;
    load_case(again, stripped, "stripped.json");
    CHECK(save_case(again) == text);
  }

  TEST_CASE("saving replaces the file atomically and keeps its permissions") {
    const std::string dir = scratch_dir("permissions");
    const std::string path = dir + "/case.json";
    save_case_file(caseload(2, "PA"), path);
    struct stat info;
    REQUIRE(stat(path.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);  // new files: owner only
    REQUIRE(chmod(path.c_str(), 0640) == 0);
    save_case_file(caseload(3, "PB"), path);
    REQUIRE(stat(path.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0640);
    CHECK(count_entries(dir) == 1);
    // A directory that does not exist is an I/O error naming the path.
    sg_graph* g = nullptr;
    REQUIRE(sg_graph_new(&g) == SG_OK);
    const std::string missing = dir + "/no/such/dir/case.json";
    CHECK(sg_graph_save_file(g, missing.c_str()) == SG_E_IO);
    CHECK(std::string(sg_error_last()).find(missing) == 0);
    sg_graph_free(g);
  }

  TEST_CASE("a writer killed at random points leaves the old or the new file, never a mix") {
    const std::string dir = scratch_dir("kill");
    const std::string path = dir + "/case.json";
    const CaseGraph old_graph = caseload(500, "OLD");
    const CaseGraph new_graph = caseload(600, "NEW");
    const std::string old_text = save_case(old_graph);
    const std::string new_text = save_case(new_graph);
    REQUIRE(old_text != new_text);

    // Kill points spread over a few saves' time, measured here (sanitizers and load vary it).
    const auto started = std::chrono::steady_clock::now();
    save_case_file(new_graph, path);
    const auto one_save = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - started)
                              .count();
    long window = 4 * one_save + 2000;
    std::mt19937 random(20261101);  // fixed seed: the same kill points every run
    int saw_old = 0, saw_new = 0;
    // At least 16 rounds, and more (with a longer wait before the kill) until both outcomes have
    // been seen: on a loaded machine a forked writer may not finish one save in the first window.
    for (int round = 0; round < 256 && (round < 16 || saw_new == 0 || saw_old == 0); ++round) {
      save_case_file(old_graph, path);
      const pid_t child = fork();
      REQUIRE(child >= 0);
      if (child == 0) {
        // Alternate so that, whenever the kill lands, a save is in progress.
        for (int i = 0;; ++i) save_case_file(i % 2 ? old_graph : new_graph, path);
      }
      std::this_thread::sleep_for(std::chrono::microseconds(random() % window));
      kill(child, SIGKILL);
      int status = 0;
      waitpid(child, &status, 0);
      const std::string text = read_all(path);
      const bool is_old = text == old_text, is_new = text == new_text;
      CHECK_MESSAGE((is_old || is_new), "round " << round << ": the file is a mix");
      saw_old += is_old;
      saw_new += is_new;
      if (saw_new == 0 && round >= 8) window = std::min(window * 2, 2'000'000L);
      CaseGraph loaded;
      CHECK_NOTHROW(load_case_file(loaded, path));
    }
    // Both outcomes happen, so the kills really did land at different points.
    CHECK(saw_new > 0);
    CHECK(saw_old > 0);
    // Temporaries of killed writers may be left (nothing can remove them); they are separate
    // files beside the target, never the target itself.
    std::filesystem::remove_all(dir);
  }
}
