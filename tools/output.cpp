// Writing output, number formatting, HTML escaping and terminal checks; see output.hpp.
#include "output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

#include "exit_codes.hpp"
#include "safeguard/error.hpp"

namespace safeguard::cli {

bool stdout_is_terminal() { return ::isatty(STDOUT_FILENO) == 1; }
bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

namespace {
std::string& colour_mode() {
  static std::string mode = "auto";
  return mode;
}
}  // namespace

void set_colour_mode(const std::string& mode) { colour_mode() = mode; }

bool colour_on_stdout() {
  if (colour_mode() == "always") return true;
  if (colour_mode() == "never") return false;
  const char* no_colour = std::getenv("NO_COLOR");
  return (no_colour == nullptr || no_colour[0] == '\0') && stdout_is_terminal();
}

std::string fixed(double value, int decimals) {
  std::string text;
  append_fixed(text, value, decimals);
  return text;
}

void append_fixed(std::string& out, double value, int decimals) {
  // std::to_chars writes the exact decimal value rounded as printf's "%.*f" does (both are
  // correctly rounded), without printf's format parsing and locale (about a sixth of the CSV's
  // time before, at 200,000 children). The buffer holds any double with a few decimals (DBL_MAX is
  // 309 digits); more decimals than that take printf's own path.
  char buffer[400];
  const auto [end, error] =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, decimals);
  if (error != std::errc()) {
    const int length = std::snprintf(nullptr, 0, "%.*f", decimals, value);
    std::string text(static_cast<std::size_t>(length) + 1, '\0');
    std::snprintf(text.data(), text.size(), "%.*f", decimals, value);
    text.pop_back();
    out += text;
    return;
  }
  std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
  // "-0.00" reads as a negative score that is not there.
  if (text[0] == '-' && text.find_first_not_of("-0.") == std::string_view::npos)
    text.remove_prefix(1);
  out.append(text);
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void write_output(const std::string& path, std::string_view text) {
  write_output(path, [text](std::ostream& out) {
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  });
}

void write_output(const std::string& path, const std::function<void(std::ostream&)>& write) {
  // A writer that stops at a failed stream says so with Error(Status::io); the stream's state
  // and errno say why, as for text written whole.
  auto attempt = [&](std::ostream& out) {
    try {
      write(out);
    } catch (const Error& e) {
      if (e.status() != Status::io || out) throw;
    }
  };
  if (path == "-") {
    attempt(std::cout);
    std::cout.flush();
    if (!std::cout) {
      const int error = errno;
      throw Failure(kExitIo, std::string("could not write to standard output") +
                                 (error != 0 ? std::string(": ") + std::strerror(error) : ""));
    }
    return;
  }
  // A new file is created owner-only (0600), as the library creates the case files it saves
  // (SECURITY.md): what the program writes (results, reports with display names, case files)
  // is personal data. An existing file is truncated and keeps its mode. (std::ofstream cannot
  // be given a mode, so the file is made first.)
  const int created = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (created >= 0) ::close(created);
  errno = 0;
  std::ofstream file(path, std::ios::binary);
  if (file) attempt(file);
  if (file) file.close();
  if (!file) {
    const int error = errno;
    throw Failure(kExitIo, "could not write '" + path + "'" +
                               (error != 0 ? std::string(": ") + std::strerror(error) : ""));
  }
}

}  // namespace safeguard::cli
