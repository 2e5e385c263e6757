// Census returns: one markup token (a tag with its attributes, a comment, a processing
// instruction, a CDATA section, a DOCTYPE) is bounded by ReadLimits::max_markup_bytes before
// expat holds it (src/cin/markup_bound.hpp): the scan on its own, cut anywhere; the reader's
// error and its place; a token cut by the 1 MiB pieces a file is read in; and a 64 MiB token of
// each kind refused in bounded memory.
#include <doctest/doctest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "cin/markup_bound.hpp"
#include "memory_support.hpp"
#include "safeguard/cin.hpp"

using namespace safeguard;

namespace {

using cin::detail::MarkupBound;

struct Scanned {
  std::size_t over = MarkupBound::npos;  // offset in the whole text
  std::string kind;
  int line = 0;
  int column = 0;
};

// Scans `text` cut at each of `cuts` (offsets, ascending).
Scanned scan_in_pieces(const std::string& text, std::size_t limit,
                       const std::vector<std::size_t>& cuts) {
  MarkupBound bound(limit);
  std::size_t from = 0;
  std::vector<std::size_t> ends = cuts;
  ends.push_back(text.size());
  for (std::size_t to : ends) {
    const std::size_t over = bound.scan(text.data() + from, to - from);
    if (over != MarkupBound::npos) {
      return Scanned{from + over, std::string(bound.kind()), bound.start().line,
                     bound.start().column};
    }
    from = to;
  }
  return Scanned{};
}

bool same(const Scanned& a, const Scanned& b) {
  return a.over == b.over && a.kind == b.kind && a.line == b.line && a.column == b.column;
}

// Every cut into two pieces, and one byte at a time, scan as the whole text does.
void check_every_cut(const std::string& text, std::size_t limit) {
  const Scanned whole = scan_in_pieces(text, limit, {});
  for (std::size_t cut = 1; cut < text.size(); ++cut) {
    const Scanned cut_once = scan_in_pieces(text, limit, {cut});
    CAPTURE(cut);
    CHECK(same(cut_once, whole));
  }
  std::vector<std::size_t> bytes;
  for (std::size_t at = 1; at < text.size(); ++at) bytes.push_back(at);
  CHECK(same(scan_in_pieces(text, limit, bytes), whole));
}

cin::ReadOptions with_markup_limit(std::size_t limit) {
  cin::ReadOptions options;
  options.limits.max_markup_bytes = limit;
  return options;
}

Error read_error(const std::string& text, const cin::ReadOptions& options) {
  try {
    cin::read(text, "markup.xml", options);
  } catch (const Error& error) {
    return error;
  }
  FAIL("the return was read");
  throw 0;
}

const std::string kHead =
    "<Message>\n<Children>\n<Child><ChildIdentifiers><LAchildID>P-MARK-C1</LAchildID>"
    "</ChildIdentifiers>\n";
const std::string kTail =
    "<CINdetails><CINreferralDate>2024-05-01</CINreferralDate></CINdetails></Child>\n"
    "</Children></Message>\n";

// The tokens a return may hold in a child, each made `size` bytes long from its '<' to its '>'
// (a comment, PI and CDATA section sit where text may; the tags are elements the layout does not
// have, read as a later layout's and kept), each well-formed XML.
struct Shape {
  const char* name;
  std::string kind;  // as the error names it
  std::string open;
  char fill;
  std::string close;
  std::string after;  // the element's text and end tag
};

const std::vector<Shape>& shapes() {
  static const std::vector<Shape> all = {
      {"an attribute value holding '>' and the other quote", "a tag", "<Later a=\"'>", 'v', "\">",
       "x</Later>"},
      {"an element name", "a tag", "<L", 'n', "/>", ""},
      {"a comment holding '<', '>' and a dash", "a comment", "<!-- <a> - ", 'c', "-->", ""},
      {"a processing instruction holding '?' and '>'", "a processing instruction", "<?pi ? > ", 'p',
       "?>", ""},
      {"a CDATA section holding '<', '>' and ']]'", "a CDATA section", "<![CDATA[<a>]] ", 'd',
       "]]>", ""},
  };
  return all;
}

void append_token(std::string& out, const Shape& shape, std::size_t size) {
  out += shape.open;
  out.append(size - shape.open.size() - shape.close.size(), shape.fill);
  out += shape.close;
  out += shape.after;
}

// The token in a return: its '<' on line 4, column 1, in child P-MARK-C1.
std::string in_return(const Shape& shape, std::size_t size) {
  std::string text = kHead;
  append_token(text, shape, size);
  return text + kTail;
}

// Runs `work` in a child process; gives its exit code and peak resident set (KiB). The child's
// peak starts at this process's resident set, so what `work` adds is the difference.
std::pair<int, std::size_t> in_child(const std::function<int()>& work) {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    int code = 3;
    try {
      code = work();
    } catch (...) {
    }
    ::_exit(code);
  }
  int status = 0;
  struct rusage usage {};
  REQUIRE(::wait4(child, &status, 0, &usage) == child);
  REQUIRE(WIFEXITED(status));
  return {WEXITSTATUS(status), static_cast<std::size_t>(usage.ru_maxrss)};
}

// 0 when `read` refuses the return with the markup limit's error, naming the token's kind and
// place; 1 when it refuses it otherwise; 2 when it reads it.
int refused_at_limit(const std::function<void()>& read, const std::string& kind) {
  try {
    read();
  } catch (const Error& error) {
    const bool right = error.status() == Status::limit &&
                       error.reason() == kind +
                                             " is longer than 65536 bytes "
                                             "(ReadLimits::max_markup_bytes)" &&
                       error.where().line == 4 && error.where().column == 1 &&
                       error.where().entity == "P-MARK-C1";
    return right ? 0 : 1;
  }
  return 2;
}

}  // namespace

TEST_SUITE("unit/cin") {
  TEST_CASE("the markup bound follows tokens cut anywhere") {
    // Quotes, a '>' in an attribute value, comments, PIs and CDATA holding '<' and '>', a
    // DOCTYPE with an internal subset, CR, CRLF and multi-byte characters before a long token.
    const std::string tokens =
        "<?xml version=\"1.0\"?>\r\n<!DOCTYPE m [<!ENTITY e \"]>\">]>\r<m a='>\"' b=\">'\">"
        "\xC3\xA9t\xE2\x82\xAC<!-- <b> -- > - --><?p ?x>?><![CDATA[ <c> ]] ]>]]></m>\n";
    check_every_cut(tokens, 64);
    CHECK(scan_in_pieces(tokens, 64, {}).over == MarkupBound::npos);
    for (const char* over :
         {"<m a='>\" x'", "<!-- > -- ", "<?p > ", "<![CDATA[ ]] > ", "<!DOCTYPE [ > ", "</m "}) {
      CAPTURE(over);
      const std::string text = tokens + "\xC3\xA9\r\n\xE2\x82\xAC\n" + over + std::string(80, 'x');
      const Scanned whole = scan_in_pieces(text, 64, {});
      CHECK(whole.over == tokens.size() + 8 + 64);  // the 65th byte of the token
      CHECK(whole.line == 6);                       // past CR LF, CR, LF, CR LF and LF
      CHECK(whole.column == 1);
      check_every_cut(text, 64);
    }
    // On a line of its own after two characters: the column counts characters, not bytes.
    const Scanned after =
        scan_in_pieces("a\n\xC3\xA9\xE2\x82\xAC<x" + std::string(70, 'x'), 64, {});
    CHECK(after.line == 2);
    CHECK(after.column == 3);
    CHECK(after.kind == "a tag");
  }

  TEST_CASE("a markup token at the limit is read, one byte over is refused with its place") {
    for (const Shape& shape : shapes()) {
      CAPTURE(shape.name);
      const std::size_t limit = 64;
      const cin::Return r =
          cin::read(in_return(shape, limit), "markup.xml", with_markup_limit(limit));
      CHECK(r.children.size() == 1);
      const Error error = read_error(in_return(shape, limit + 1), with_markup_limit(limit));
      CHECK(error.status() == Status::limit);
      CHECK(error.reason() ==
            shape.kind + " is longer than 64 bytes (ReadLimits::max_markup_bytes)");
      CHECK(error.where().file == "markup.xml");
      CHECK(error.where().line == 4);
      CHECK(error.where().column == 1);
      CHECK(error.where().entity == "P-MARK-C1");
    }
    // Before a child (its id is not known yet): a DOCTYPE, refused by its length before expat
    // reaches the end of its name; and a long end tag.
    const Error doctype =
        read_error("<!DOCTYPE " + std::string(100, 'm') + ">\n<Message/>", with_markup_limit(64));
    CHECK(doctype.reason() ==
          "a declaration (DOCTYPE) is longer than 64 bytes "
          "(ReadLimits::max_markup_bytes)");
    CHECK(doctype.where().line == 1);
    CHECK(doctype.where().entity.empty());
    const Error end_tag =
        read_error("<Message>\n </Message" + std::string(100, ' ') + ">", with_markup_limit(64));
    CHECK(end_tag.reason() == "a tag is longer than 64 bytes (ReadLimits::max_markup_bytes)");
    CHECK(end_tag.where().line == 2);
    CHECK(end_tag.where().column == 2);
  }

  TEST_CASE("an error expat finds before a token's limit is the one reported") {
    // A tag broken inside its first 64 bytes is malformed XML there, not too long; a DOCTYPE
    // whose internal subset opens within the limit is refused as a DOCTYPE.
    const Error broken = read_error(kHead + "<Later a=\"1\"=" + std::string(100, 'x') + kTail,
                                    with_markup_limit(64));
    CHECK(broken.status() == Status::parse);
    CHECK(broken.where().line == 4);
    const Error doctype = read_error(
        "<!DOCTYPE Message [" + std::string(100, ' ') + "]>\n<Message/>", with_markup_limit(64));
    CHECK(doctype.status() == Status::parse);
    CHECK(doctype.reason().find("DOCTYPE declaration is not allowed") != std::string::npos);
  }

  TEST_CASE("a markup token cut by the pieces a file is read in is bounded the same") {
    // read_file reads 1 MiB at a time: blank text (ignored in a container) puts the cut at each
    // place in a token, its quote, its "-->" or its "]]>".
    const std::size_t piece = std::size_t(1) << 20;
    const std::string path = "cin_markup_cut.xml";
    for (const Shape& shape : shapes()) {
      for (const std::size_t size : {std::size_t(65536), std::size_t(65537)}) {
        std::string token;
        append_token(token, shape, size);
        for (const std::size_t cut_in_token : {std::size_t(1), std::size_t(5), std::size_t(12),
                                               size - 3, size - 2, size - 1, size}) {
          CAPTURE(shape.name);
          CAPTURE(size);
          CAPTURE(cut_in_token);
          const std::size_t blank = piece - kHead.size() - cut_in_token;
          {
            std::ofstream out(path, std::ios::binary);
            out << kHead << std::string(blank, ' ') << token << kTail;
          }
          if (size <= 65536) {
            CHECK(cin::read_file(path).children.size() == 1);
          } else {
            try {
              cin::read_file(path);
              FAIL("read");
            } catch (const Error& error) {
              CHECK(error.status() == Status::limit);
              CHECK(error.reason() == shape.kind +
                                          " is longer than 65536 bytes "
                                          "(ReadLimits::max_markup_bytes)");
              CHECK(error.where().line == 4);
              CHECK(error.where().column == static_cast<int>(blank) + 1);
              CHECK(error.where().entity == "P-MARK-C1");
            }
          }
        }
      }
    }
    std::remove(path.c_str());
  }

  // Before the bound, expat held the whole token: 150 MB resident for a 64 MiB attribute
  // value, about 350 MB for a 64 MiB element name (docs/limits.md). Now the reader stops at
  // the limit: from a file, the 1 MiB read buffer and expat's buffer of at most the limit; from a
  // buffer, the return itself and as much again at most.
  TEST_CASE("a 64 MiB markup token of each kind is refused in bounded memory") {
    const std::size_t huge = std::size_t(64) << 20;
    const std::string path = "cin_markup_huge.xml";
    for (const Shape& shape : shapes()) {
      CAPTURE(shape.name);
      {
        std::ofstream out(path, std::ios::binary);
        out << in_return(shape, huge);
      }
      const std::size_t before = test::resident_kib();
      // Named, not a structured binding: clang 14 refuses a binding captured by CAPTURE.
      const auto file_run =
          in_child([&] { return refused_at_limit([&] { cin::read_file(path); }, shape.kind); });
      const auto from_file = file_run.first;
      const auto file_peak = file_run.second;
      CAPTURE(before);
      CAPTURE(file_peak);
      CHECK(from_file == 0);
      if (!test::kUnderAsan) CHECK(file_peak < before + 16 * 1024);
      const auto buffer_run = in_child([&] {
        std::string text;
        text.reserve(kHead.size() + huge + 64 + kTail.size());
        text += kHead;
        append_token(text, shape, huge);
        text += kTail;
        return refused_at_limit([&] { cin::read(text, "markup.xml"); }, shape.kind);
      });
      const auto from_buffer = buffer_run.first;
      const auto buffer_peak = buffer_run.second;
      CAPTURE(buffer_peak);
      CHECK(from_buffer == 0);
      // The return itself (64 MiB), and little more.
      if (!test::kUnderAsan) CHECK(buffer_peak < before + (huge >> 10) + 16 * 1024);
    }
    std::remove(path.c_str());
  }
}

namespace {

// Where the reader puts an error at the '<' of an end tag after `before` in child P-MARK-C1:
// with `long_tag`, the end tag is too long for a 64-byte bound (the bound's error); without, it
// is a short end tag that does not match (expat's own error, no bound involved).
cin::Position end_tag_error(const std::string& declaration, const std::string& before,
                            bool long_tag) {
  const std::string tag = long_tag ? "</Wrong" + std::string(100, ' ') + ">" : "</Wrong>";
  const Error error = read_error(declaration + kHead + before + tag + kTail,
                                 with_markup_limit(long_tag ? 64 : 1 << 20));
  CHECK(error.status() == (long_tag ? Status::limit : Status::parse));
  CHECK(error.where().entity == "P-MARK-C1");
  return cin::Position{error.where().line, error.where().column};
}

}  // namespace

TEST_SUITE("unit/cin") {
  TEST_CASE("the markup bound's place is the one expat gives for an error at the same '<'") {
    // What comes before the token on its line, in each encoding a return may declare: expat
    // counts a column as a character of the document's encoding, a line end as LF, CR or CR LF
    // (also inside an attribute value).
    const std::string utf8 = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    const std::string latin1 = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {utf8, "<Later>\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80x</Later>"},
        {utf8, "<Later a=\"1\r\n2\rx\n\xC3\xA9\">\r\n\xC3\xA9</Later>\r\n  "},
        {utf8, "<!-- - \r\r\n -->\r<![CDATA[\n]]]]>\r\n\t"},
        // Latin-1: '\xA3' (pound sign), '\xB0' (degree sign) and '\xE9' are one character each.
        {latin1, "<Later>\xA3\xB0\xE9\xA0x</Later>"},
        {latin1, "<Later a=\"\xA3\r\n\xB0\xB0\">\xBD</Later>"},
    };
    for (const auto& one : cases) {
      const std::string& declaration = one.first;
      const std::string& before = one.second;
      CAPTURE(before);
      const cin::Position expat = end_tag_error(declaration, before, false);
      const cin::Position bound = end_tag_error(declaration, before, true);
      // Expat puts a mismatched end tag's error at its name, two characters past its '<'.
      CHECK(bound.line == expat.line);
      CHECK(bound.column + 2 == expat.column);
    }
    // On the first line after a byte-order mark, which expat counts as a column too.
    for (const std::string bom : {std::string("\xEF\xBB\xBF"), std::string()}) {
      const Error expat = read_error(bom + "<Message></Wrong>", with_markup_limit(1 << 20));
      const Error bound =
          read_error(bom + "<Message></Wrong" + std::string(100, ' ') + ">", with_markup_limit(64));
      CHECK(bound.where().line == 1);
      CHECK(bound.where().column + 2 == expat.where().column);
      CHECK(bound.where().column == (bom.empty() ? 10 : 11));
    }
    // The declaration cut anywhere, as the pieces a file is read in may cut it: the same place.
    const std::string text = latin1 + "<m>\xA3\xB0</m>\r\n\xA3<x" + std::string(80, 'x');
    const Scanned whole = scan_in_pieces(text, 64, {});
    CHECK(whole.line == 3);
    CHECK(whole.column == 2);
    check_every_cut(text, 64);
    // Spelt in lower case with single quotes; UTF-8 named, or no encoding: a column is a character.
    CHECK(scan_in_pieces(
              "<?xml version='1.0' encoding = 'iso-8859-1' ?>\xC3\xA9<x" + std::string(80, 'x'), 64,
              {})
              .column == 49);
    CHECK(scan_in_pieces("<?xml version='1.0' encoding='utf-8'?>\xC3\xA9<x" + std::string(80, 'x'),
                         64, {})
              .column == 40);
  }
}

namespace {

// `text` (ASCII and Latin-1 letters, given as UTF-8... or any code points below U+10000 as
// UTF-8) as UTF-16, little- or big-endian, with or without a byte-order mark.
std::string utf16(const std::string& utf8, bool little, bool bom) {
  std::u32string points;
  for (std::size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    const int extra = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
    char32_t point = extra == 0 ? c : extra == 1 ? c & 0x1F : extra == 2 ? c & 0x0F : c & 0x07;
    for (int k = 1; k <= extra; ++k) point = (point << 6) | (utf8[i + k] & 0x3F);
    points.push_back(point);
    i += static_cast<std::size_t>(extra) + 1;
  }
  std::string out;
  const auto unit = [&](unsigned value) {
    const char lo = static_cast<char>(value & 0xFF), hi = static_cast<char>(value >> 8);
    out += little ? lo : hi;
    out += little ? hi : lo;
  };
  if (bom) unit(0xFEFF);
  for (char32_t point : points) {
    if (point < 0x10000) {
      unit(static_cast<unsigned>(point));
    } else {
      unit(0xD800 + ((point - 0x10000) >> 10));
      unit(0xDC00 + ((point - 0x10000) & 0x3FF));
    }
  }
  return out;
}

}  // namespace

TEST_SUITE("unit/cin") {
  TEST_CASE("a UTF-16 return is bounded a character at a time, its places expat's") {
    // The limit counts bytes: 128 is 64 characters. U+013C (l with cedilla) is the bytes 3C 01 in
    // UTF-16LE: not a '<'. Before, with an apostrophe after it, the bound read the rest of the
    // return as one quoted tag and refused a valid return whose tokens are all short.
    const std::string declaration = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n";
    const std::string body = kHead +
                             "<Later>K\xC4\xBC"
                             "ava's</Later>" +
                             std::string(400, ' ') + "\n" + kTail;
    for (const bool little : {true, false}) {
      for (const bool bom : {true, false}) {
        CAPTURE(little);
        CAPTURE(bom);
        if (!bom && !little) continue;  // expat takes big-endian without a mark as 00 3C too
        const cin::Return r =
            cin::read(utf16(declaration + body, little, bom), "utf16.xml", with_markup_limit(128));
        REQUIRE(r.children.size() == 1);
        CHECK(r.children[0].la_child_id == "P-MARK-C1");
        // Where a token too long is refused: where expat puts an error at the same '<' (two
        // characters on, at a mismatched end tag's name).
        const std::string before = "<Later>\xC4\xBC\xF0\x9F\x98\x80\xC3\xA9'x</Later>\r\n \r ";
        const Error expat =
            read_error(utf16(declaration + kHead + before + "</Wrong>" + kTail, little, bom),
                       with_markup_limit(1 << 20));
        const Error bound = read_error(
            utf16(declaration + kHead + before + "</Wrong" + std::string(100, ' ') + ">" + kTail,
                  little, bom),
            with_markup_limit(128));
        CHECK(bound.status() == Status::limit);
        CHECK(bound.reason() == "a tag is longer than 128 bytes (ReadLimits::max_markup_bytes)");
        CHECK(bound.where().entity == "P-MARK-C1");
        CHECK(bound.where().line == expat.where().line);
        CHECK(bound.where().column + 2 == expat.where().column);
      }
    }
    // Cut anywhere, an odd byte of a unit included: the same place.
    const std::string text =
        utf16(declaration + "<m>\xC4\xBC'</m>\r\n\xC3\xA9<x" + std::string(80, 'x'), true, true);
    const Scanned whole = scan_in_pieces(text, 128, {});
    CHECK(whole.over != MarkupBound::npos);
    CHECK(whole.line == 3);
    CHECK(whole.column == 2);
    check_every_cut(text, 128);
  }
}
