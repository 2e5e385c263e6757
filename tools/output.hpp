// Writing output: to a file or standard output, numbers fixed to a precision, text escaped for
// HTML, and whether a stream is a terminal (colour and progress only go to one).
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace safeguard::cli {

bool stdout_is_terminal();
bool stderr_is_terminal();

// --color: "auto" (colour on a terminal unless the NO_COLOR environment variable is set and not
// empty; https://no-color.org), "always" or "never".
void set_colour_mode(const std::string& mode);
// Whether text written to standard output may carry colour escapes.
bool colour_on_stdout();

// `value` with `decimals` digits after the point, as printf's "%.*f" writes it (correctly
// rounded), except that a value that rounds to zero is never "-0.00".
std::string fixed(double value, int decimals);
// fixed(value, decimals) appended to `out`, without a string of its own (a CSV of a million rows).
void append_fixed(std::string& out, double value, int decimals);
// Text with &, <, >, " and ' replaced by entities (for HTML, SVG and Graphviz HTML labels).
std::string html_escape(std::string_view text);

// Writes `text` to `path`, or to standard output when path is "-". Failures: kExitIo, with the
// operating system's reason.
void write_output(const std::string& path, std::string_view text);
// As above, for text written a piece at a time by `write` (a case file, which is never held
// whole): the same destinations and the same failures.
void write_output(const std::string& path, const std::function<void(std::ostream&)>& write);

}  // namespace safeguard::cli
