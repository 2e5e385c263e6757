// Drawing DOT with Graphviz's `dot` program; see ecomap.hpp. The ecomap itself is built by the
// library (safeguard/render.hpp), which writes DOT and never starts a process.
#include "ecomap.hpp"
#include "exit_codes.hpp"

#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

extern char** environ;

namespace safeguard::cli {

RenderOptions render_options(const Session& session) {
  RenderOptions options;
  options.viewer = session.viewer;
  options.case_label = session.case_path;
  options.pack_source = session.pack.origin;
  options.as_of_from_evidence = session.as_of.from_evidence;
  return options;
}

bool graphviz_available() {
  const char* path = std::getenv("PATH");
  std::istringstream directories(path ? path : "");
  std::string directory;
  while (std::getline(directories, directory, ':')) {
    if (directory.empty()) continue;
    const std::string candidate = directory + "/dot";
    if (::access(candidate.c_str(), X_OK) == 0) return true;
  }
  return false;
}

namespace {

// A temporary file removed when this goes out of scope.
class TempFile {
 public:
  explicit TempFile(const char* suffix) {
    const char* directory = std::getenv("TMPDIR");
    std::string pattern =
        std::string(directory && *directory ? directory : "/tmp") + "/safeguard-XXXXXX" + suffix;
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    const int fd = ::mkstemps(buffer.data(), static_cast<int>(std::strlen(suffix)));
    if (fd < 0) throw Failure(kExitIo, "could not create a temporary file in " + pattern);
    ::close(fd);
    path_ = buffer.data();
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

std::string render_dot(const std::string& dot_text, const std::string& format) {
  if (!graphviz_available()) {
    throw Failure(kExitGraphviz,
                  "Graphviz `dot` is not installed (Debian: apt-get install graphviz); "
                  "write DOT instead (--format dot)");
  }
  TempFile input(".dot");
  TempFile output(format == "png" ? ".png" : ".svg");
  {
    std::ofstream file(input.path(), std::ios::binary);
    file << dot_text;
    if (!file) throw Failure(kExitIo, "could not write " + input.path());
  }
  const std::string type = "-T" + format;
  const std::string destination = "-o" + output.path();
  // No shell: arguments are passed as they are, so no file name is ever interpreted.
  std::vector<char*> argv = {const_cast<char*>("dot"), const_cast<char*>(type.c_str()),
                             const_cast<char*>(destination.c_str()),
                             const_cast<char*>(input.path().c_str()), nullptr};
  pid_t pid = 0;
  if (::posix_spawnp(&pid, "dot", nullptr, nullptr, argv.data(), environ) != 0)
    throw Failure(kExitGraphviz, "could not run Graphviz `dot`");
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw Failure(kExitGraphviz, "lost track of Graphviz `dot`");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Failure(kExitGraphviz, "Graphviz `dot -T" + format + "` failed");
  std::ifstream file(output.path(), std::ios::binary);
  std::ostringstream bytes;
  bytes << file.rdbuf();
  if (bytes.str().empty()) throw Failure(kExitGraphviz, "Graphviz `dot` wrote nothing");
  return bytes.str();
}

}  // namespace safeguard::cli
