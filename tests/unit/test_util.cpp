// The shared plumbing in src/util/: text positions, UTF-8 validation and bounded file reading.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "safeguard/detail/compact_list.hpp"
#include "safeguard/detail/compact_string.hpp"
#include "safeguard/detail/key_index.hpp"
#include "safeguard/detail/paged_vector.hpp"
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

TEST_SUITE("unit/util") {
  TEST_CASE("an error message writes control characters and broken UTF-8 as hex escapes") {
    using namespace std::string_literals;
    // A NUL would cut the message short in C; an escape sequence would act on a terminal.
    using safeguard::Error;
    using safeguard::Location;
    using safeguard::Status;
    namespace detail = safeguard::detail;
    const Error nul(Status::invalid_data, "bad", Location("f.json", 0, 0, "H\0X"s));
    CHECK(std::string(nul.what()) == "f.json: entity 'H\\x00X': bad");
    CHECK(nul.where().entity == "H\0X"s);  // the structured place keeps the id as given
    const Error esc(Status::not_found, "unknown pack 'd\x1b[2J'", Location("", 0, 0, "P\x1b[2J"));
    CHECK(std::string(esc.what()) == "entity 'P\\x1B[2J': unknown pack 'd\\x1B[2J'");
    CHECK(esc.reason() == "unknown pack 'd\\x1B[2J'");
    // Well-formed UTF-8, tabs and line breaks are kept; C1 controls, broken and overlong
    // sequences and surrogates are not.
    const Error utf8(Status::invalid_data, "Zo\xC3\xAB\tline\nnext",
                     Location("", 0, 0, "\xE2\x82\xAC-1"));
    CHECK(std::string(utf8.what()) == "entity '\xE2\x82\xAC-1': Zo\xC3\xAB\tline\nnext");
    const Error broken(Status::invalid_data,
                       "a\xC2\x85"
                       "b\xFF"
                       "c\xC0\xAF"
                       "d\xED\xA0\x80"
                       "e\r",
                       Location());
    CHECK(broken.reason() == "a\\xC2\\x85b\\xFFc\\xC0\\xAFd\\xED\\xA0\\x80e\\x0D");
    CHECK(detail::printable_message(broken.reason()) == broken.reason());  // idempotent
    // A hostile id is named by its first 200 bytes at most, cut where a character starts.
    std::string euros;
    for (int i = 0; i < 150; ++i) euros += "\xE2\x82\xAC";  // 450 bytes
    const Error bounded(Status::duplicate, "twice", Location("", 0, 0, euros));
    const std::string text = bounded.what();
    CHECK(text.size() < 220);
    CHECK(text.find("...': twice") != std::string::npos);
    CHECK(text.find("\\x") == std::string::npos);  // no character cut in half
  }

  TEST_CASE("KeyIndex agrees with std::unordered_map over random inserts, finds and erases") {
    // Keys live in a vector, as a record's facts do; the index keeps only positions. Few
    // distinct keys and many erasures make long probe runs that wrap around the table, which is
    // where backward-shift deletion can go wrong.
    std::vector<std::string> keys;
    safeguard::detail::KeyIndex index;
    std::unordered_map<std::string, std::size_t> reference;
    const auto key_of = [&keys](std::size_t at) -> std::string_view { return keys[at]; };
    std::uint64_t state = 7;
    const auto next = [&state](std::uint64_t bound) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      return (state >> 33) % bound;
    };
    int inserted = 0, refused = 0, erased = 0;
    for (int step = 0; step < 200000; ++step) {
      const std::string key = "K-" + std::to_string(next(step < 100000 ? 3000 : 40));
      const auto op = next(10);
      if (op < 5) {
        keys.push_back(key);
        const bool added = index.insert(key, keys.size() - 1, key_of);
        const bool expected = reference.emplace(key, keys.size() - 1).second;
        REQUIRE(added == expected);
        (added ? inserted : refused)++;
      } else if (op < 8) {
        const auto found = index.find(key, key_of);
        const auto it = reference.find(key);
        REQUIRE(found.has_value() == (it != reference.end()));
        if (found) REQUIRE(*found == it->second);
      } else {
        index.erase(key, key_of);
        erased += static_cast<int>(reference.erase(key));
      }
      REQUIRE(index.size() == reference.size());
    }
    for (const auto& entry : reference) {
      const auto found = index.find(entry.first, key_of);
      REQUIRE(found.has_value());
      CHECK(*found == entry.second);
    }
    CHECK_FALSE(index.find("absent", key_of).has_value());
    CHECK(inserted > 1000);
    CHECK(refused > 1000);
    CHECK(erased > 1000);
    index.reserve(100000);  // growing keeps every entry
    for (const auto& entry : reference) CHECK(index.contains(entry.first, key_of));
  }

  TEST_CASE("insert_prefetched indexes every position into the index each names, once") {
    // Two indexes fed from one sequence (a record's entities and relations), fewer keys than
    // the prefetch distance and more, a duplicate reported by its position, and an index that
    // grows in between (not reserved): the same entries as inserting one key at a time.
    for (const std::size_t count : {std::size_t{0}, std::size_t{3}, std::size_t{5000}}) {
      CAPTURE(count);
      std::vector<std::string> keys;
      for (std::size_t i = 0; i < count; ++i) keys.push_back("F-" + std::to_string(i % 4000));
      const auto key_of = [&keys](std::size_t at) -> std::string_view { return keys[at]; };
      safeguard::detail::KeyIndex odd, even;
      even.reserve(count / 2 + 1);  // `odd` grows as it goes
      std::vector<std::size_t> duplicates;
      safeguard::detail::insert_prefetched(
          count, key_of, [&](std::size_t at) { return at % 2 ? &odd : &even; }, key_of,
          [&](std::size_t at) { duplicates.push_back(at); });
      std::vector<std::size_t> expected_duplicates;
      std::unordered_map<std::string, std::size_t> odd_reference, even_reference;
      for (std::size_t i = 0; i < count; ++i) {
        auto& reference = i % 2 ? odd_reference : even_reference;
        if (!reference.emplace(keys[i], i).second) expected_duplicates.push_back(i);
      }
      CHECK(duplicates == expected_duplicates);
      CHECK(odd.size() == odd_reference.size());
      CHECK(even.size() == even_reference.size());
      for (const auto& [key, at] : odd_reference) CHECK(odd.find(key, key_of) == at);
      for (const auto& [key, at] : even_reference) CHECK(even.find(key, key_of) == at);
      // The hash prefetch() gives is the one insert() uses: a key inserted with it is found.
      safeguard::detail::KeyIndex one;
      if (count > 0) {
        CHECK(one.insert(keys[0], 0, key_of, one.prefetch(keys[0])));
        CHECK(one.find(keys[0], key_of) == 0);
        CHECK_FALSE(one.insert(keys[0], 0, key_of, one.prefetch(keys[0])));
      }
    }
  }

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

  TEST_CASE("first_invalid_utf8 finds a bad byte at every offset past runs of ASCII") {
    // ASCII is skipped eight bytes at a time: a bad byte, or a good multi-byte character, at
    // every position of a long text, with ASCII before and after it.
    using safeguard::detail::first_invalid_utf8;
    for (std::size_t at = 0; at < 72; ++at) {
      for (std::size_t tail = 0; tail < 40; ++tail) {
        CAPTURE(at);
        CAPTURE(tail);
        const std::string ascii_before(at, 'x');
        const std::string ascii_after(tail, 'y');
        CHECK(first_invalid_utf8(ascii_before + "\x80" + ascii_after) == at);
        CHECK(first_invalid_utf8(ascii_before + "\xC3" + ascii_after) == at);  // truncated
        CHECK(first_invalid_utf8(ascii_before + "\xC3\xA9" + ascii_after) ==
              std::string_view::npos);
        CHECK(first_invalid_utf8(ascii_before + "\xF0\x9F\x98\x80" + ascii_after) ==
              std::string_view::npos);
        CHECK(first_invalid_utf8(ascii_before + "\xC3\xA9" + ascii_after + "\xFF") ==
              at + 2 + tail);
      }
    }
  }

  TEST_CASE("first_invalid_utf8 agrees with a byte at a time reading of random texts") {
    // The reference: RFC 3629 read one byte at a time, with no fast path.
    const auto reference = [](const std::string& text) -> std::size_t {
      const auto* b = reinterpret_cast<const unsigned char*>(text.data());
      for (std::size_t i = 0; i < text.size();) {
        const unsigned lead = b[i];
        std::size_t length = lead < 0x80             ? 1
                             : (lead & 0xE0) == 0xC0 ? 2
                             : (lead & 0xF0) == 0xE0 ? 3
                             : (lead & 0xF8) == 0xF0 ? 4
                                                     : 0;
        if (length == 0 || text.size() - i < length) return i;
        std::uint32_t code = length == 1 ? lead : lead & (0x7Fu >> length);
        for (std::size_t k = 1; k < length; ++k) {
          if ((b[i + k] & 0xC0) != 0x80) return i;
          code = (code << 6) | (b[i + k] & 0x3F);
        }
        const std::uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
        if (code < least[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return i;
        i += length;
      }
      return std::string_view::npos;
    };
    const char* const pieces[] = {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\x80",
                                  "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82",
                                  "\xFF"};
    std::mt19937 random(19);
    for (int t = 0; t < 20000; ++t) {
      std::string text;
      const std::size_t n = random() % 80;
      for (std::size_t k = 0; k < n; ++k) {
        if (random() % 8 != 0)
          text += static_cast<char>('a' + random() % 26);
        else
          text += pieces[random() % 9];
      }
      CAPTURE(t);
      CHECK(safeguard::detail::first_invalid_utf8(text) == reference(text));
    }
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

  TEST_CASE("CompactList holds two items in its 16 bytes and behaves as a std::vector") {
    using List = safeguard::detail::CompactList<std::uint32_t>;
    static_assert(sizeof(List) == 16);
    List list;
    CHECK(list.empty());
    list.push_back(7);
    list.push_back(8);
    CHECK(list.capacity() == List::kInPlace);  // in place: no heap block
    CHECK(reinterpret_cast<const char*>(list.data()) >= reinterpret_cast<const char*>(&list));
    CHECK(reinterpret_cast<const char*>(list.data()) < reinterpret_cast<const char*>(&list + 1));
    list.push_back(9);
    CHECK(list.capacity() > List::kInPlace);
    CHECK(list == std::vector<std::uint32_t>{7, 8, 9});
    CHECK_THROWS_AS(list.at(3), std::out_of_range);
    // Erasing keeps the room, so inserting as many back never allocates (an undo's need).
    const std::uint32_t* block = list.data();
    list.erase(list.begin());
    list.erase(list.begin());
    CHECK(list.data() == block);
    list.insert(list.begin(), 8);
    list.insert(list.begin(), 7);
    CHECK(list.data() == block);
    CHECK(list == std::vector<std::uint32_t>{7, 8, 9});
    // Copies are deep, moves take the block and leave the source empty.
    List copy = list;
    CHECK(copy == list);
    CHECK(copy.data() != list.data());
    List moved = std::move(copy);
    CHECK(moved == list);
    CHECK(copy.empty());  // NOLINT(bugprone-use-after-move): what a move leaves is specified
    List small = {1};
    small.swap(moved);
    CHECK(small == std::vector<std::uint32_t>{7, 8, 9});
    CHECK(moved == std::vector<std::uint32_t>{1});
    small = moved;
    CHECK(small == moved);
    small = {4, 5, 6, 7, 8};
    CHECK(small.size() == 5);
    CHECK(small.front() == 4);
    CHECK(small.back() == 8);
  }

  TEST_CASE("CompactList agrees with std::vector over random edits") {
    using List = safeguard::detail::CompactList<std::uint32_t>;
    std::mt19937 random(20261203);
    for (int round = 0; round < 200; ++round) {
      List list;
      std::vector<std::uint32_t> model;
      for (int step = 0; step < 60; ++step) {
        const auto op = random() % 6;
        const auto value = static_cast<std::uint32_t>(random() % 100);
        if (op <= 1) {
          list.push_back(value);
          model.push_back(value);
        } else if (op == 2) {
          const std::size_t at = model.empty() ? 0 : random() % (model.size() + 1);
          list.insert(list.begin() + at, value);
          model.insert(model.begin() + static_cast<std::ptrdiff_t>(at), value);
        } else if (op == 3 && !model.empty()) {
          const std::size_t at = random() % model.size();
          list.erase(list.begin() + at);
          model.erase(model.begin() + static_cast<std::ptrdiff_t>(at));
        } else if (op == 4) {
          List copy(list);
          list = std::move(copy);
        } else {
          list = List(model);
        }
        REQUIRE(list.size() == model.size());
        REQUIRE(list == model);
      }
    }
  }
  TEST_CASE("CompactString holds up to 15 bytes in its 16, longer texts on the heap, NUL-ended") {
    using Text = safeguard::detail::CompactString;
    static_assert(sizeof(Text) == 16);
    const Text empty;
    CHECK(empty.empty());
    CHECK(empty.size() == 0);
    CHECK(std::string_view(empty.c_str()) == "");
    CHECK_FALSE(empty.on_heap());
    for (std::size_t n = 0; n <= 40; ++n) {
      std::string text;
      for (std::size_t i = 0; i < n; ++i) text += static_cast<char>('a' + i % 26);
      const Text t(text);
      CAPTURE(n);
      CHECK(t.on_heap() == (n > Text::kInPlace));
      CHECK(t.size() == n);
      CHECK(t.view() == text);
      CHECK(t.c_str()[n] == '\0');  // 15 bytes in place end at the NUL the last byte makes
      CHECK(std::string(t.c_str()) == text);
      CHECK(t.str() == text);
      CHECK(std::string(t.begin(), t.end()) == text);
      Text copy(t);
      CHECK(copy == t);
      CHECK(copy.data() != t.data());
      Text moved(std::move(copy));
      CHECK(moved == text);
      CHECK(copy.empty());  // a moved-from text is empty
    }
    // Bytes are bytes: a NUL inside counts, in place and on the heap.
    const std::string inner("a\0b", 3);
    CHECK(Text(inner).size() == 3);
    CHECK(Text(inner) == inner);
    const std::string long_inner = std::string(20, 'x') + '\0' + "y";
    CHECK(Text(long_inner).size() == 22);
    CHECK(Text(long_inner) == long_inner);
  }

  TEST_CASE("CompactString compares, joins, hashes and prints as a std::string does") {
    using Text = safeguard::detail::CompactString;
    const Text id("P-0000001-C2");
    const std::string same = "P-0000001-C2";
    CHECK(id == "P-0000001-C2");
    CHECK("P-0000001-C2" == id);
    CHECK(id == same);
    CHECK(same == id);
    CHECK(id == std::string_view(same));
    CHECK(id != "P-0000001-C3");
    CHECK(id < "P-0000001-C3");
    CHECK(Text("a") < Text("b"));
    CHECK_FALSE(Text("b") < Text("a"));
    const std::string_view later = "P-0000001-C3";
    CHECK(later > id);
    CHECK(id <= later);
    CHECK(id >= "P-0000001-C2");
    CHECK(later >= id);
    CHECK("P-0000001-C1" <= id);
    CHECK(id > std::string("P-0000001-C1"));
    Text emptied("a text longer than fifteen bytes");
    emptied = {};  // empties it, as it does a std::string
    CHECK(emptied.empty());
    emptied.swap(emptied);
    CHECK(emptied.empty());
    CHECK(std::hash<Text>()(id) == std::hash<std::string_view>()(same));
    CHECK("child " + id == "child P-0000001-C2");
    CHECK(id + " (a child)" == "P-0000001-C2 (a child)");
    CHECK(same + id == same + same);
    CHECK(id + '!' == same + '!');
    CHECK(std::string("x") + id + "y" == "xP-0000001-C2y");
    std::ostringstream out;
    out << id;
    CHECK(out.str() == same);
    const std::string converted = id;
    CHECK(converted == same);
    std::string appended = "id ";
    appended += id;
    CHECK(appended == "id P-0000001-C2");
    CHECK(id.find("C2") == 10);
    CHECK(id.find('Z') == Text::npos);
    CHECK(id.substr(0, 1) == "P");
    std::map<Text, int> ordered{{Text("b"), 2}, {Text("a"), 1}};
    CHECK(ordered.begin()->first == "a");
  }

  TEST_CASE("CompactString agrees with std::string over random assignments, copies and swaps") {
    using Text = safeguard::detail::CompactString;
    std::mt19937 random(20261203);
    constexpr int kSlots = 8;
    std::vector<Text> texts(kSlots);
    std::vector<std::string> model(kSlots);
    auto any_text = [&] {
      std::string text(random() % 40, '\0');
      for (char& c : text) c = static_cast<char>(random() % 256);
      return text;
    };
    for (int step = 0; step < 4000; ++step) {
      const std::size_t a = random() % kSlots;
      const std::size_t b = random() % kSlots;
      switch (random() % 7) {
        case 0: {
          const std::string text = any_text();
          texts[a] = text;
          model[a] = text;
          break;
        }
        case 1:
          texts[a] = texts[b];  // may be itself
          model[a] = model[b];
          break;
        case 2:
          if (a != b) {
            texts[a] = std::move(texts[b]);
            model[a] = model[b];
            model[b].clear();
          }
          break;
        case 3:
          texts[a].swap(texts[b]);
          std::swap(model[a], model[b]);
          break;
        case 4: {
          const std::string more = any_text();
          texts[a] += more;
          model[a] += more;
          break;
        }
        case 5:
          texts[a].clear();
          model[a].clear();
          break;
        default:
          texts[a].assign(texts[a].view().substr(model[a].size() / 2));  // aliases itself
          model[a] = model[a].substr(model[a].size() / 2);
          break;
      }
      for (int i = 0; i < kSlots; ++i) {
        REQUIRE(texts[i] == model[i]);
        REQUIRE(texts[i].size() == model[i].size());
        REQUIRE(texts[i].c_str()[model[i].size()] == '\0');
        REQUIRE(texts[i].on_heap() == (model[i].size() > Text::kInPlace));
      }
    }
  }

  TEST_CASE("PagedVector keeps its elements in place as it grows, and frees what it holds") {
    using Pages = safeguard::detail::PagedVector<std::string>;
    static_assert(Pages::kPerPage * sizeof(std::string) <= 65536);
    static_assert(2 * Pages::kPerPage * sizeof(std::string) > 65536);
    Pages pages;
    CHECK(pages.empty());
    CHECK(pages.capacity() == 0);
    pages.reserve(10 * Pages::kPerPage);  // the page table only
    CHECK(pages.capacity() == 0);
    pages.push_back("a long string that does not fit a small string buffer");
    // The first page starts small (a graph of a few entities holds little) and doubles.
    CHECK(pages.capacity() == Pages::kFirstPage);
    for (std::size_t i = 1; i < Pages::kPerPage; ++i) pages.push_back(std::to_string(i));
    CHECK(pages.capacity() == Pages::kPerPage);
    CHECK(pages[0] == "a long string that does not fit a small string buffer");
    const std::string* first = &pages[0];
    for (std::size_t i = Pages::kPerPage; i < 3 * Pages::kPerPage + 5; ++i)
      pages.push_back(std::to_string(i));
    CHECK(pages.size() == 3 * Pages::kPerPage + 5);
    CHECK(pages.capacity() == 4 * Pages::kPerPage);  // never more than one page unfilled
    CHECK(&pages[0] == first);                       // nothing moves once the first page is whole
    CHECK(pages[Pages::kPerPage] == std::to_string(Pages::kPerPage));
    CHECK(pages.back() == std::to_string(3 * Pages::kPerPage + 4));
    // Popping back keeps the page, so making room again allocates nothing.
    for (std::size_t i = 0; i < 5; ++i) pages.pop_back();
    CHECK(pages.capacity() == 4 * Pages::kPerPage);
    pages.reserve_one_more();
    CHECK(pages.capacity() == 4 * Pages::kPerPage);
    // Iteration, copies and moves.
    std::size_t seen = 0;
    for (const std::string& s : pages) seen += !s.empty();
    CHECK(seen == pages.size());
    CHECK(std::distance(pages.begin(), pages.end()) == static_cast<std::ptrdiff_t>(pages.size()));
    Pages copy(pages);
    CHECK(copy.size() == pages.size());
    CHECK(copy[17] == pages[17]);
    CHECK(&copy[0] != &pages[0]);
    Pages moved(std::move(copy));
    CHECK(copy.empty());
    CHECK(copy.capacity() == 0);
    CHECK(moved.size() == pages.size());
    moved.clear();
    CHECK(moved.empty());
    CHECK(moved.capacity() == 0);
    moved = pages;
    CHECK(moved.back() == pages.back());
  }

  TEST_CASE("PagedVector agrees with std::vector over random edits") {
    using Pages = safeguard::detail::PagedVector<std::uint64_t>;
    std::mt19937 random(20261203);
    for (int round = 0; round < 20; ++round) {
      Pages pages;
      std::vector<std::uint64_t> model;
      for (int step = 0; step < 120; ++step) {
        const auto op = random() % 8;
        if (op <= 3) {
          const std::size_t count = random() % (Pages::kPerPage + 3);
          for (std::size_t i = 0; i < count; ++i) {
            const std::uint64_t value = random();
            pages.push_back(value);
            model.push_back(value);
          }
        } else if (op <= 5) {
          std::size_t count = random() % (Pages::kPerPage + 3);
          for (; count > 0 && !model.empty(); --count) {
            pages.pop_back();
            model.pop_back();
          }
        } else if (op == 6 && !model.empty()) {
          const std::size_t at = random() % model.size();
          pages[at] = model[at] = random();
        } else {
          Pages copy(pages);
          pages = std::move(copy);
        }
        REQUIRE(pages.size() == model.size());
        REQUIRE(pages.capacity() >= model.size());
        REQUIRE(std::equal(pages.begin(), pages.end(), model.begin(), model.end()));
      }
    }
  }
}
