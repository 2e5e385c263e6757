// The shared plumbing in src/util/: text positions, UTF-8 validation and bounded file reading.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "safeguard/error.hpp"
#include "util/file.hpp"
#include "util/text_position.hpp"
#include "util/utf8.hpp"

namespace {

std::string scratch_file(const std::string& name, const std::string& content) {
  const std::string path = std::string(SAFEGUARD_BINARY_DIR) + "/util-" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

}  // namespace

TEST_SUITE("util") {
  TEST_CASE("text_position: lines from 1, columns in code points, offsets past the end clamp") {
    const std::string text = "ab\n\xC3\xA9x\n";  // "é" is two bytes, one column
    CHECK(safeguard::text_position(text, 0).line == 1);
    CHECK(safeguard::text_position(text, 0).column == 1);
    CHECK(safeguard::text_position(text, 2).column == 3);
    CHECK(safeguard::text_position(text, 3).line == 2);
    CHECK(safeguard::text_position(text, 3).column == 1);
    CHECK(safeguard::text_position(text, 5).column == 2);  // the x after the two-byte é
    CHECK(safeguard::text_position(text, 1000).line == 3);
  }

  TEST_CASE("text_offset inverts text_position on every character start") {
    const std::string text = "k = 1\n\xE2\x82\xAC = \"\xF0\x9F\x98\x80\"\n\nend";
    for (std::size_t offset = 0; offset <= text.size(); ++offset) {
      if (offset < text.size() && (static_cast<unsigned char>(text[offset]) & 0xC0) == 0x80)
        continue;
      const safeguard::TextPosition at = safeguard::text_position(text, offset);
      CAPTURE(offset);
      CHECK(safeguard::text_offset(text, at.line, at.column) == offset);
    }
  }

  TEST_CASE("first_invalid_utf8 finds the first bad sequence") {
    using safeguard::detail::first_invalid_utf8;
    CHECK(first_invalid_utf8("plain") == std::string_view::npos);
    CHECK(first_invalid_utf8("caf\xC3\xA9") == std::string_view::npos);
    CHECK(first_invalid_utf8("ab\xC0\xAF") == 2);          // overlong "/"
    CHECK(first_invalid_utf8("a\xED\xA0\x80z") == 1);      // a surrogate
    CHECK(first_invalid_utf8("ok\xF4\x90\x80\x80") == 2);  // above U+10FFFF
    CHECK(first_invalid_utf8("\xC3\xA9\xE2\x82") == 2);    // truncated at the end
    CHECK(first_invalid_utf8(std::string("a\0\x80", 3)) == 2);
    CHECK(safeguard::detail::is_valid_utf8("\xF0\x9F\x98\x80"));
    CHECK_FALSE(safeguard::detail::is_valid_utf8("\x80"));
  }

  TEST_CASE("read_file_bounded reads a file whole and refuses one over the limit") {
    const std::string path = scratch_file("ten.txt", "0123456789");
    CHECK(safeguard::read_file_bounded(path, 10, "file") == "0123456789");
    try {
      safeguard::read_file_bounded(path, 9, "rule pack");
      FAIL("a file over the limit was read");
    } catch (const safeguard::Error& e) {
      CHECK(e.status() == safeguard::Status::limit);
      CHECK(std::string(e.what()).find("rule pack is larger than 9 bytes") != std::string::npos);
      CHECK(e.where().file == path);
    }
    std::remove(path.c_str());
    try {
      safeguard::read_file_bounded(path, 10, "file");
      FAIL("a missing file was read");
    } catch (const safeguard::Error& e) {
      CHECK(e.status() == safeguard::Status::io);
      CHECK(std::string(e.what()).find("cannot open file") != std::string::npos);
    }
  }
}
