// The case-file reader as it was before the streaming reader (a document built in memory,
// then converted), kept only for the differential test against the streaming one.
//
// nlohmann 3.11 keeps no source positions in its values, so when the graph rejects an entity
// the file is scanned once more with a SAX handler that counts bytes until it reaches that
// entity: errors are rare, and the happy path pays nothing for positions.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "safeguard/calendar.hpp"
#include "safeguard/io.hpp"
#include "safeguard/rules.hpp"
#include "util/sha256.hpp"

namespace safeguard::legacy {
namespace {

using json = nlohmann::json;

// Line and column (1-based, columns in characters) of a byte offset.
void line_column(std::string_view text, std::size_t offset, int& line, int& column) {
  line = 1;
  column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;
    }
  }
}

// Builds the DOM while enforcing the limits; rejects duplicate keys, which JSON leaves
// ambiguous and which would silently drop data.
class LimitedDom : public nlohmann::json_sax<json> {
 public:
  explicit LimitedDom(const CaseFileLimits& limits) : limits_(limits) {}

  bool null() override { return put(nullptr); }
  bool boolean(bool value) override { return put(value); }
  bool number_integer(number_integer_t value) override { return put(value); }
  bool number_unsigned(number_unsigned_t value) override { return put(value); }
  bool number_float(number_float_t value, const string_t&) override { return put(value); }
  bool string(string_t& value) override {
    if (value.size() > limits_.max_string_bytes)
      return stop(Status::limit,
                  "string longer than " + std::to_string(limits_.max_string_bytes) + " bytes");
    return put(std::move(value));
  }
  bool binary(binary_t&) override { return stop(Status::parse, "binary values are not JSON"); }
  bool start_object(std::size_t) override { return open(json::object()); }
  bool end_object() override {
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override { return open(json::array()); }
  bool end_array() override {
    stack_.pop_back();
    return true;
  }
  bool key(string_t& value) override {
    if (stack_.back()->contains(value))
      return stop(Status::duplicate, "duplicate key \"" + value + "\"");
    key_ = std::move(value);
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    status_ = Status::parse;
    position_ = position;
    message_ = e.what();
    // Keep only nlohmann's reason, without its "[json.exception.parse_error.101] parse error at
    // line 1, column 2: " preamble, since we report the place ourselves.
    if (auto column = message_.find("column "); column != std::string::npos) {
      if (auto colon = message_.find(": ", column); colon != std::string::npos)
        message_ = message_.substr(colon + 2);
    }
    return false;
  }

  json root;
  Status status_ = Status::ok;
  std::string message_;
  std::size_t position_ = 0;

 private:
  bool stop(Status status, const std::string& message) {
    status_ = status;
    message_ = message;
    return false;
  }

  template <typename Value>
  bool put(Value&& value) {
    if (stack_.empty()) {
      root = json(std::forward<Value>(value));
      return true;
    }
    json& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(json(std::forward<Value>(value)));
    } else {
      top[key_] = json(std::forward<Value>(value));
    }
    return true;
  }

  bool open(json container) {
    if (stack_.size() >= limits_.max_depth)
      return stop(Status::limit,
                  "nested deeper than " + std::to_string(limits_.max_depth) + " levels");
    if (stack_.empty()) {
      root = std::move(container);
      stack_.push_back(&root);
      return true;
    }
    json& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(std::move(container));
      stack_.push_back(&top.back());
    } else {
      json& slot = top[key_];
      slot = std::move(container);
      stack_.push_back(&slot);
    }
    return true;
  }

  CaseFileLimits limits_;
  std::vector<json*> stack_;
  std::string key_;
};

// An input iterator over the text that reports how far the parser has read, so the locator's
// SAX events can be given byte offsets.
class CountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* at, std::size_t* consumed, const char* base)
      : at_(at), consumed_(consumed), base_(base) {}
  reference operator*() const { return *at_; }
  CountingIterator& operator++() {
    ++at_;
    *consumed_ = static_cast<std::size_t>(at_ - base_);
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const CountingIterator& other) const { return at_ == other.at_; }
  bool operator!=(const CountingIterator& other) const { return at_ != other.at_; }

 private:
  const char* at_;
  std::size_t* consumed_;
  const char* base_;
};

// Finds the byte offset of the value at `path` (tokens of a JSON pointer), or of `key` inside
// it when `key` is not empty.
class Locator : public nlohmann::json_sax<json> {
 public:
  Locator(std::string_view text, std::vector<std::string> path, std::string key,
          const std::size_t* consumed)
      : text_(text), target_(std::move(path)), key_(std::move(key)), consumed_(consumed) {}

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override { return open(false); }
  bool start_array(std::size_t) override { return open(true); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& name) override {
    previous_end_ = *consumed_;
    frames_.back().key = name;
    if (!key_.empty() && name == key_ && container_matches()) {
      found = *consumed_ - name.size() - 2;
      return false;
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

  std::size_t found = std::string::npos;

 private:
  struct Frame {
    bool array;
    std::size_t next;  // arrays: how many elements have started
    std::string key;   // objects: the current key
  };

  // The path component a frame contributes to the value being read inside it.
  static std::string component(const Frame& f) {
    return f.array ? std::to_string(f.next - 1) : f.key;
  }

  // Whether the innermost open container is the target (used when a key is sought in it).
  bool container_matches() const {
    if (frames_.size() != target_.size() + 1) return false;
    for (std::size_t i = 0; i < target_.size(); ++i) {
      if (component(frames_[i]) != target_[i]) return false;
    }
    return true;
  }

  // Whether the value that is starting now is the target.
  bool starting_value_matches() const {
    if (frames_.size() != target_.size()) return false;
    for (std::size_t i = 0; i < frames_.size(); ++i) {
      const Frame& f = frames_[i];
      const bool last = i + 1 == frames_.size();
      const std::string part = last && f.array ? std::to_string(f.next) : component(f);
      if (part != target_[i]) return false;
    }
    return true;
  }

  bool value() {
    if (key_.empty() && starting_value_matches()) {
      // A scalar where the target should be (a string where an object belongs): its token
      // starts after the separators that follow the previous event.
      std::size_t at = previous_end_;
      while (at < text_.size() && (std::isspace(static_cast<unsigned char>(text_[at])) ||
                                   text_[at] == ',' || text_[at] == ':'))
        ++at;
      found = at;
      return false;
    }
    if (!frames_.empty() && frames_.back().array) ++frames_.back().next;
    previous_end_ = *consumed_;
    return true;
  }

  bool open(bool array) {
    if (key_.empty() && starting_value_matches()) {
      found = *consumed_ - 1;
      return false;
    }
    if (!frames_.empty() && frames_.back().array) ++frames_.back().next;
    frames_.push_back(Frame{array, 0, {}});
    previous_end_ = *consumed_;
    return true;
  }

  bool close() {
    frames_.pop_back();
    previous_end_ = *consumed_;
    return true;
  }

  std::string_view text_;
  std::size_t previous_end_ = 0;
  std::vector<std::string> target_;
  std::string key_;
  const std::size_t* consumed_;
  std::vector<Frame> frames_;
};

Location locate(std::string_view text, const std::string& name,
                const std::vector<std::string>& path, const std::string& key,
                const std::string& entity) {
  std::size_t consumed = 0;
  Locator locator(text, path, key, &consumed);
  CountingIterator first(text.data(), &consumed, text.data());
  CountingIterator last(text.data() + text.size(), &consumed, text.data());
  json::sax_parse(first, last, &locator);
  Location where{name, 0, 0, entity};
  if (locator.found != std::string::npos)
    line_column(text, locator.found, where.line, where.column);
  return where;
}

// Converts the DOM into a batch, remembering each item's place for error messages.
class CaseReader {
 public:
  CaseReader(std::string_view text, const std::string& name) : text_(text), name_(name) {}

  Batch read(const json& root) {
    if (!root.is_object()) fail({}, {}, Status::type, "a case file must be a JSON object");
    allow(root, {},
          {"schema_version", "agencies", "households", "persons", "places", "groups", "concerns",
           "factors", "relations", "events", "overrides", "entries", "calendar", "description"});
    const json* version = find(root, "schema_version");
    if (!version)
      fail({}, {}, Status::version,
           "missing \"schema_version\" (this library reads version " +
               std::to_string(kCaseSchemaVersion) + ")");
    if (!version->is_number_integer() || version->get<long long>() != kCaseSchemaVersion) {
      fail({}, "schema_version", Status::version,
           "schema_version must be " + std::to_string(kCaseSchemaVersion));
    }
    if (const json* d = find(root, "description"); d && !d->is_string())
      fail({}, "description", Status::type, "description must be a string");
    each(root, "agencies", [&](const json& e, const Path& at) {
      allow(e, at, {"id", "type", "name"});
      AgencySpec a{str(e, at, "id", true), str(e, at, "type", true), str(e, at, "name", false)};
      add(std::move(a), at);
    });
    each(root, "households", [&](const json& e, const Path& at) {
      allow(e, at, {"id"});
      add(HouseholdSpec{str(e, at, "id", true)}, at);
    });
    each(root, "persons", [&](const json& e, const Path& at) {
      allow(e, at, {"id", "kind", "dob", "household", "flags", "name"});
      PersonSpec p;
      p.id = str(e, at, "id", true);
      const std::string kind = str(e, at, "kind", true);
      if (!parse_person_kind(kind, p.kind))
        fail(at, "kind", Status::invalid_data,
             "kind must be \"child\" or \"adult\", not \"" + kind + "\"", p.id);
      p.dob = date(e, at, "dob", false, p.id);
      p.household = str(e, at, "household", false);
      p.flags = strings(e, at, "flags");
      p.name = str(e, at, "name", false);
      add(std::move(p), at);
    });
    each(root, "places", [&](const json& e, const Path& at) {
      allow(e, at, {"id", "kind", "name"});
      add(PlaceSpec{str(e, at, "id", true), str(e, at, "kind", true), str(e, at, "name", false)},
          at);
    });
    each(root, "groups", [&](const json& e, const Path& at) {
      allow(e, at, {"id", "kind", "name"});
      add(GroupSpec{str(e, at, "id", true), str(e, at, "kind", true), str(e, at, "name", false)},
          at);
    });
    each(root, "concerns", [&](const json& e, const Path& at) {
      allow(e, at,
            {"id", "category", "severity", "incident", "recorded", "status", "source", "restricted",
             "about", "involves", "summary"});
      ConcernSpec c;
      c.id = str(e, at, "id", true);
      c.category = str(e, at, "category", true);
      c.severity = integer(e, at, "severity", true, 1, c.id);
      c.incident = date(e, at, "incident", false, c.id);
      c.recorded = date(e, at, "recorded", true, c.id);
      const std::string status = str(e, at, "status", false);
      if (!status.empty() && !parse_concern_status(status, c.status)) {
        fail(at, "status", Status::invalid_data,
             "status must be open, closed, unsubstantiated or retracted, not \"" + status + "\"",
             c.id);
      }
      c.source = str(e, at, "source", true);
      c.restricted = flag(e, at, "restricted");
      c.about = strings(e, at, "about");
      c.involves = strings(e, at, "involves");
      c.summary = str(e, at, "summary", false);
      add(std::move(c), at);
    });
    each(root, "factors", [&](const json& e, const Path& at) {
      allow(e, at,
            {"id", "kind", "strength", "start", "end", "provided_by", "protects", "summary"});
      FactorSpec f;
      f.id = str(e, at, "id", true);
      f.kind = str(e, at, "kind", true);
      f.strength = integer(e, at, "strength", true, 1, f.id);
      f.start = date(e, at, "start", false, f.id);
      f.end = date(e, at, "end", false, f.id);
      f.provided_by = str(e, at, "provided_by", false);
      f.protects = strings(e, at, "protects");
      f.summary = str(e, at, "summary", false);
      add(std::move(f), at);
    });
    each(root, "relations", [&](const json& e, const Path& at) {
      allow(e, at, {"kind", "from", "to"});
      RelationSpec r;
      const std::string kind = str(e, at, "kind", true);
      if (!parse_relation_kind(kind, r.kind))
        fail(at, "kind", Status::invalid_data, "unknown relation kind \"" + kind + "\"");
      r.from = str(e, at, "from", true);
      r.to = str(e, at, "to", true);
      add(std::move(r), at);
    });
    each(root, "events", [&](const json& e, const Path& at) {
      allow(e, at, {"id", "kind", "date", "about", "note"});
      EventSpec ev;
      ev.id = str(e, at, "id", true);
      const std::string kind = str(e, at, "kind", true);
      if (!parse_event_kind(kind, ev.kind))
        fail(at, "kind", Status::invalid_data, "unknown event kind \"" + kind + "\"", ev.id);
      ev.date = date(e, at, "date", true, ev.id);
      ev.about = strings(e, at, "about");
      ev.note = str(e, at, "note", false);
      add(std::move(ev), at);
    });
    each(root, "overrides", [&](const json& e, const Path& at) {
      // "adult" and the approval (added after this reader was retired): read here as the
      // streaming reader reads them, so the two still agree on every bundled file.
      allow(e, at,
            {"id", "child", "adult", "direction", "date", "author", "reason", "approved_by",
             "approved"});
      DiscretionaryOverrideSpec o;
      o.id = str(e, at, "id", true);
      o.child = str(e, at, "child", false);
      o.adult = str(e, at, "adult", false);
      if (o.child.empty() == o.adult.empty())
        fail(at, o.child.empty() ? "" : "adult", Status::invalid_data,
             o.child.empty() ? "missing \"child\" or \"adult\" (one of the two is required)"
                             : "\"child\" and \"adult\" both given (one only)",
             o.id);
      const std::string direction = str(e, at, "direction", true);
      if (!parse_override_direction(direction, o.direction))
        fail(at, "direction", Status::invalid_data,
             "direction must be \"raise\" or \"lower\", not \"" + direction + "\"", o.id);
      o.date = date(e, at, "date", true, o.id);
      o.author = str(e, at, "author", true);
      o.reason = str(e, at, "reason", true);
      o.approved_by = str(e, at, "approved_by", false);
      o.approved = date(e, at, "approved", false, o.id);
      add(std::move(o), at);
    });
    // Entries (added with display names, after this reader was retired): read here as the
    // streaming reader reads them, so the two still agree on every bundled file.
    each(root, "entries", [&](const json& e, const Path& at) {
      allow(e, at,
            {"id", "kind", "date", "about", "author", "text", "value", "question", "source",
             "restricted"});
      EntrySpec en;
      en.id = str(e, at, "id", true);
      const std::string kind = str(e, at, "kind", true);
      if (!parse_entry_kind(kind, en.kind))
        fail(at, "kind", Status::invalid_data, "unknown entry kind \"" + kind + "\"", en.id);
      en.date = date(e, at, "date", true, en.id);
      en.about = strings(e, at, "about");
      en.author = str(e, at, "author", true);
      en.text = str(e, at, "text", true);
      en.value = integer(e, at, "value", false, kNoScalingValue, en.id);
      if (find(e, "value") && en.kind != EntryKind::scaling)
        fail(at, "value", Status::invalid_data, "only a scaling entry has a value", en.id);
      if (!find(e, "value") && en.kind == EntryKind::scaling)
        fail(at, {}, Status::invalid_data, "missing \"value\": a scaling entry needs 0-10", en.id);
      if (en.kind == EntryKind::scaling && (en.value < 0 || en.value > 10))
        fail(at, "value", Status::invalid_data,
             "\"value\" " + std::to_string(en.value) + " is outside 0-10", en.id);
      en.question = str(e, at, "question", false);
      en.source = str(e, at, "source", false);
      en.restricted = flag(e, at, "restricted");
      add(std::move(en), at);
    });
    if (const json* calendar = find(root, "calendar")) {
      const Path at{"calendar"};
      allow(*calendar, at, {"nation", "closures"});
      CalendarSpec c;
      const std::string nation = str(*calendar, at, "nation", false);
      if (!nation.empty()) {
        Nation parsed{};
        if (!parse_nation(nation, parsed))
          fail(at, "nation", Status::invalid_data,
               "nation must be \"england-and-wales\", \"scotland\" or \"northern-ireland\", "
               "not \"" +
                   nation + "\"");
        c.nation = parsed;
      }
      for (const std::string& day : strings(*calendar, at, "closures")) {
        Day parsed = kNoDay;
        std::string error;
        if (!parse_iso_date(day, parsed, error))
          fail(at, "closures", Status::invalid_data, "closure \"" + day + "\": " + error);
        c.closures.push_back(parsed);
      }
      add(std::move(c), at);
    }
    return std::move(batch_);
  }

  // Where batch item `item` came from.
  const std::vector<std::string>& path_of(std::size_t item) const { return paths_[item]; }

 private:
  using Path = std::vector<std::string>;

  [[noreturn]] void fail(const Path& at, const std::string& key, Status status,
                         const std::string& message, const std::string& entity = {}) const {
    throw Error(status, message, locate(text_, name_, at, key, entity));
  }

  static const json* find(const json& object, const char* key) {
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
  }

  void allow(const json& object, const Path& at, std::initializer_list<const char*> keys) const {
    if (!object.is_object()) fail(at, {}, Status::type, "expected an object");
    for (auto it = object.begin(); it != object.end(); ++it) {
      bool known = false;
      for (const char* k : keys) known = known || it.key() == k;
      if (!known) fail(at, it.key(), Status::invalid_data, "unknown field \"" + it.key() + "\"");
    }
  }

  template <typename Each>
  void each(const json& root, const char* key, Each handle) {
    const json* list = find(root, key);
    if (!list) return;
    if (!list->is_array())
      fail({}, key, Status::type, std::string("\"") + key + "\" must be an array");
    for (std::size_t i = 0; i < list->size(); ++i) handle((*list)[i], Path{key, std::to_string(i)});
  }

  std::string str(const json& e, const Path& at, const char* key, bool required) const {
    const json* value = find(e, key);
    if (!value || value->is_null()) {
      if (required)
        fail(at, {}, Status::invalid_data, std::string("missing \"") + key + "\"", id_of(e));
      return {};
    }
    if (!value->is_string())
      fail(at, key, Status::type, std::string("\"") + key + "\" must be a string", id_of(e));
    return value->get<std::string>();
  }

  static std::string id_of(const json& e) {
    const json* id = find(e, "id");
    return id && id->is_string() ? id->get<std::string>() : std::string();
  }

  int integer(const json& e, const Path& at, const char* key, bool required, int fallback,
              const std::string& id) const {
    const json* value = find(e, key);
    if (!value) {
      if (required) fail(at, {}, Status::invalid_data, std::string("missing \"") + key + "\"", id);
      return fallback;
    }
    if (!value->is_number_integer())
      fail(at, key, Status::type, std::string("\"") + key + "\" must be a whole number", id);
    const long long number = value->get<long long>();
    if (number < -1000000 || number > 1000000)
      fail(at, key, Status::invalid_data, std::string("\"") + key + "\" is out of range", id);
    return static_cast<int>(number);
  }

  bool flag(const json& e, const Path& at, const char* key) const {
    const json* value = find(e, key);
    if (!value) return false;
    if (!value->is_boolean())
      fail(at, key, Status::type, std::string("\"") + key + "\" must be true or false", id_of(e));
    return value->get<bool>();
  }

  Day date(const json& e, const Path& at, const char* key, bool required,
           const std::string& id) const {
    const json* value = find(e, key);
    if (!value || value->is_null()) {
      if (required) fail(at, {}, Status::invalid_data, std::string("missing \"") + key + "\"", id);
      return kNoDay;
    }
    if (!value->is_string())
      fail(at, key, Status::type, std::string("\"") + key + "\" must be a date string YYYY-MM-DD",
           id);
    Day day = kNoDay;
    std::string error;
    if (!parse_iso_date(value->get<std::string>(), day, error)) {
      fail(at, key, Status::invalid_data, std::string("\"") + key + "\": " + error, id);
    }
    return day;
  }

  std::vector<std::string> strings(const json& e, const Path& at, const char* key) const {
    const json* value = find(e, key);
    std::vector<std::string> out;
    if (!value) return out;
    if (!value->is_array())
      fail(at, key, Status::type, std::string("\"") + key + "\" must be an array of strings",
           id_of(e));
    for (const auto& item : *value) {
      if (!item.is_string())
        fail(at, key, Status::type, std::string("\"") + key + "\" must hold only strings",
             id_of(e));
      out.push_back(item.get<std::string>());
    }
    return out;
  }

  template <typename Item>
  void add(Item item, const Path& at) {
    batch_.add(std::move(item));
    paths_.push_back(at);
  }

  std::string_view text_;
  std::string name_;
  Batch batch_;
  std::vector<Path> paths_;
};

std::string read_file(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Status::io, "cannot open file", Location{path});
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) throw Error(Status::io, "cannot read file", Location{path});
  if (static_cast<std::size_t>(size) > max_bytes) {
    throw Error(Status::limit, "file is larger than " + std::to_string(max_bytes) + " bytes",
                Location{path});
  }
  in.seekg(0);
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), size);
  if (!in) throw Error(Status::io, "cannot read file", Location{path});
  return text;
}

json parse_dom(std::string_view text, const std::string& name, const CaseFileLimits& limits) {
  if (text.size() > limits.max_bytes) {
    throw Error(Status::limit,
                "case file is larger than " + std::to_string(limits.max_bytes) + " bytes",
                Location{name});
  }
  LimitedDom dom(limits);
  std::size_t consumed = 0;
  CountingIterator first(text.data(), &consumed, text.data());
  CountingIterator last(text.data() + text.size(), &consumed, text.data());
  const bool ok = json::sax_parse(first, last, &dom);
  if (!ok || dom.status_ != Status::ok) {
    Location where{name};
    const std::size_t offset =
        dom.status_ == Status::parse && dom.position_ > 0 ? dom.position_ - 1 : consumed;
    line_column(text, offset, where.line, where.column);
    const Status status = dom.status_ == Status::ok ? Status::parse : dom.status_;
    std::string message = dom.message_.empty() ? "malformed JSON" : dom.message_;
    // nlohmann reports invalid UTF-8 as a syntax error; give it its own status.
    if (status == Status::parse && message.find("UTF-8") != std::string::npos)
      throw Error(Status::encoding, message, where);
    throw Error(status, message, where);
  }
  return std::move(dom.root);
}

// ---- Checksums ------------------------------------------------------------------------------
// A saved case file ends with one more top-level member,
//     ,\n  "checksum": "sha256:<64 lower-case hex digits>"\n}\n
// whose digest covers the file as it would be without that member (the same text ending in
// "\n}\n"). Loading verifies it before parsing, so a damaged or edited file is refused with a
// clear error instead of loading wrong data. Files without the trailer (written by hand or by
// other tools) load as before. Kept to these two entry points so the format's fields can grow
// without touching it.
constexpr std::string_view kChecksumHead = ",\n  \"checksum\": \"sha256:";
constexpr std::string_view kChecksumTail = "\"\n}\n";
constexpr std::size_t kDigestLength = 64;
constexpr std::size_t kTrailerLength = kChecksumHead.size() + kDigestLength + kChecksumTail.size();

// The text to parse: `text` itself, or — when it ends with a checksum trailer — the text the
// checksum covers, once the digest is verified. Positions before the trailer are unchanged.
std::string_view verified(std::string_view text, const std::string& name, std::string& storage) {
  if (text.size() < kTrailerLength ||
      text.substr(text.size() - kChecksumTail.size()) != kChecksumTail) {
    return text;
  }
  const std::size_t head = text.size() - kTrailerLength;
  if (text.substr(head, kChecksumHead.size()) != kChecksumHead) return text;
  const std::string_view digest = text.substr(head + kChecksumHead.size(), kDigestLength);
  for (char c : digest) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return text;
  }
  storage.assign(text.substr(0, head));
  storage += "\n}\n";
  if (sha256_hex(storage) != digest) {
    Location where{name};
    line_column(text, head + 4, where.line, where.column);
    throw Error(Status::invalid_data,
                "checksum does not match the content: the file was damaged or edited after it "
                "was saved (remove the \"checksum\" member to load a deliberate edit)",
                where);
  }
  return storage;
}

}  // namespace

void load_case(CaseGraph& graph, std::string_view text, const std::string& name,
               const CaseFileLimits& limits) {
  std::string storage;
  text = verified(text, name, storage);
  const json root = parse_dom(text, name, limits);
  CaseReader reader(text, name);
  const Batch batch = reader.read(root);
  try {
    graph.apply(batch);
  } catch (const BatchError& e) {
    Location where = locate(text, name, reader.path_of(e.item()), {}, e.where().entity);
    throw Error(e.status(), e.detail(), where);
  }
}

void load_case_file(CaseGraph& graph, const std::string& path, const CaseFileLimits& limits) {
  const std::string text = read_file(path, limits.max_bytes);
  legacy::load_case(graph, text, path, limits);
}

}  // namespace safeguard::legacy
