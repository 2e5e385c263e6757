// The case-file writer as it was before the streaming one (src/case_json.cpp, CaseText): the
// whole file built as one nlohmann::ordered_json document, dumped with dump(2), then the
// checksum member added. Kept only as the oracle of the writer's differential test
// (test_case_differential.cpp), which checks that the streaming writer gives the same bytes.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "safeguard/calendar.hpp"
#include "safeguard/io.hpp"
#include "util/sha256.hpp"

namespace safeguard::legacy {
namespace {

constexpr std::string_view kChecksumHead = ",\n  \"checksum\": \"sha256:";
constexpr std::string_view kChecksumTail = "\"\n}\n";

std::string with_checksum(const std::string& canonical) {
  // canonical ends in "\n}\n"; the member goes before the closing brace.
  const std::string body = canonical.substr(0, canonical.size() - 3);
  return body + std::string(kChecksumHead) + sha256_hex(canonical) + std::string(kChecksumTail);
}

// nlohmann's ~basic_json allocates: it moves the children of a non-empty array or object onto
// a heap vector (to avoid deep recursion), and an exception from a destructor ends the process.
// Emptying every container from the leaves up first leaves it nothing to allocate for, so a
// document can be destroyed when memory has run out (tests/system/test_failalloc.cpp). The
// recursion is as deep as the document, which the depth limit bounds.
template <typename Json>
void dismantle(Json& value) noexcept {
  if (value.is_array()) {
    auto& array = value.template get_ref<typename Json::array_t&>();
    for (auto& item : array) dismantle(item);
    array.clear();
  } else if (value.is_object()) {
    auto& object = value.template get_ref<typename Json::object_t&>();
    for (auto& member : object) dismantle(member.second);
    object.clear();
  }
}

// Dismantles a document when it goes out of scope, normally or by an exception.
template <typename Json>
struct Dismantled {
  Json value;
  Dismantled() = default;
  explicit Dismantled(Json from) : value(std::move(from)) {}
  ~Dismantled() { dismantle(value); }
  Dismantled(const Dismantled&) = delete;
  Dismantled& operator=(const Dismantled&) = delete;
};

}  // namespace

std::string save_case(const CaseGraph& graph) {
  using ordered = nlohmann::ordered_json;
  // Built in place in one document that is dismantled however this returns, with no
  // initializer lists, whose temporaries nlohmann would allocate to destroy (see dismantle()):
  // so running out of memory while saving is an error, not the end of the process.
  // Objects get room for all their members up front: ordered_json keeps members in a vector
  // whose pair<const string, json> elements are copied, not moved, when it grows, and the
  // copies of a member that is an array would have to be destroyed if a copy failed.
  constexpr std::size_t kMostMembers = 16;
  auto reserve = [](ordered& object) {
    object.get_ref<ordered::object_t&>().reserve(kMostMembers);
  };
  Dismantled<ordered> document(ordered::object());
  ordered& root = document.value;
  reserve(root);
  root["schema_version"] = kCaseSchemaVersion;
  for (const char* key : {"agencies", "households", "persons", "places", "groups", "concerns",
                          "factors", "relations", "events", "overrides"}) {
    root[key] = ordered::array();
  }
  // Entries only when there are some, so files without them save as they always did.
  const bool has_entries =
      std::any_of(graph.entries().begin(), graph.entries().end(),
                  [](const RecordedEntry& entry) { return !entry.id.empty(); });
  if (has_entries) root["entries"] = ordered::array();
  root["calendar"] = ordered::object();
  reserve(root["calendar"]);
  // References taken once every key is in (ordered_json keeps its members in a vector).
  ordered& agencies = root["agencies"];
  ordered& households = root["households"];
  ordered& persons = root["persons"];
  ordered& places = root["places"];
  ordered& groups = root["groups"];
  ordered& concerns = root["concerns"];
  ordered& factors = root["factors"];
  ordered& relations = root["relations"];
  ordered& events = root["events"];
  ordered& overrides = root["overrides"];
  ordered& calendar = root["calendar"];

  auto add = [&](ordered& list) -> ordered& {
    list.push_back(ordered::object());
    reserve(list.back());
    return list.back();
  };
  auto ids = [&](ordered& out, const VertexList& list) {
    out = ordered::array();
    for (VertexIndex v : list) out.push_back(graph.id(v));
  };
  auto source_items = [&](ordered& out, const std::vector<SourceItem>& list) {
    out = ordered::array();
    for (const SourceItem& item : list) out.push_back(item.name + "=" + item.value);
  };
  for (VertexIndex v = 0; v < graph.vertex_count(); ++v) {
    switch (graph.kind(v)) {
      case VertexKind::agency: {
        const Agency& a = graph.agency(v);
        ordered& e = add(agencies);
        e["id"] = a.id;
        e["type"] = graph.symbol(a.type);
        if (!a.name.empty()) e["name"] = a.name;
        break;
      }
      case VertexKind::household:
        add(households)["id"] = graph.household(v).id;
        break;
      case VertexKind::person: {
        const Person& p = graph.person(v);
        ordered& e = add(persons);
        e["id"] = p.id;
        e["kind"] = to_string(p.kind);
        if (p.dob != kNoDay) e["dob"] = format_iso_date(p.dob);
        if (VertexIndex h = graph.household_of(v); h != kNoVertex) e["household"] = graph.id(h);
        if (!p.flags.empty()) {
          ordered& flags = e["flags"] = ordered::array();
          for (Symbol f : p.flags) flags.push_back(graph.symbol(f));
        }
        if (!p.name.empty()) e["name"] = p.name;
        if (!p.attributes.empty()) source_items(e["attributes"], p.attributes);
        break;
      }
      case VertexKind::place: {
        const Place& p = graph.place(v);
        ordered& e = add(places);
        e["id"] = p.id;
        e["kind"] = graph.symbol(p.kind);
        if (!p.name.empty()) e["name"] = p.name;
        break;
      }
      case VertexKind::group: {
        const Group& g = graph.group(v);
        ordered& e = add(groups);
        e["id"] = g.id;
        e["kind"] = graph.symbol(g.kind);
        if (!g.name.empty()) e["name"] = g.name;
        break;
      }
      case VertexKind::concern: {
        const Concern& c = graph.concern(v);
        ordered& e = add(concerns);
        e["id"] = c.id;
        e["category"] = graph.symbol(c.category);
        e["severity"] = c.severity;
        if (c.incident != kNoDay) e["incident"] = format_iso_date(c.incident);
        e["recorded"] = format_iso_date(c.recorded);
        e["status"] = to_string(c.status);
        e["source"] = graph.id(c.source);
        if (c.restricted) e["restricted"] = true;
        ids(e["about"], c.about);
        if (!c.involves.empty()) ids(e["involves"], c.involves);
        if (!c.summary.empty()) e["summary"] = c.summary;
        break;
      }
      case VertexKind::factor: {
        const Factor& f = graph.factor(v);
        ordered& e = add(factors);
        e["id"] = f.id;
        e["kind"] = graph.symbol(f.kind);
        e["strength"] = f.strength;
        if (f.start != kNoDay) e["start"] = format_iso_date(f.start);
        if (f.end != kNoDay) e["end"] = format_iso_date(f.end);
        if (f.provided_by != kNoVertex) e["provided_by"] = graph.id(f.provided_by);
        ids(e["protects"], f.protects);
        if (!f.summary.empty()) e["summary"] = f.summary;
        break;
      }
      case VertexKind::erased:
        break;
    }
  }
  for (const Relation& r : graph.declared_relations()) {
    ordered& e = add(relations);
    e["kind"] = to_string(r.kind);
    e["from"] = graph.id(r.from);
    e["to"] = graph.id(r.to);
  }
  for (const Event& ev : graph.events()) {
    if (ev.id.empty()) continue;
    ordered& e = add(events);
    e["id"] = ev.id;
    e["kind"] = to_string(ev.kind);
    e["date"] = format_iso_date(ev.date);
    ids(e["about"], ev.about);
    if (!ev.note.empty()) e["note"] = ev.note;
    if (ev.decision != EventDecision::none) e["decision"] = to_string(ev.decision);
    if (!ev.category.empty()) e["category"] = ev.category;
    if (ev.expected != kNoDay) e["expected"] = format_iso_date(ev.expected);
    if (!ev.items.empty()) source_items(e["items"], ev.items);
  }
  for (const DiscretionaryOverride& o : graph.discretionary_overrides()) {
    if (o.id.empty()) continue;
    ordered& e = add(overrides);
    e["id"] = o.id;
    e[graph.person(o.person).kind == PersonKind::adult ? "adult" : "child"] = graph.id(o.person);
    e["direction"] = to_string(o.direction);
    e["date"] = format_iso_date(o.date);
    e["author"] = o.author;
    e["reason"] = o.reason;
    if (!o.approved_by.empty()) e["approved_by"] = o.approved_by;
    if (o.approved != kNoDay) e["approved"] = format_iso_date(o.approved);
  }
  for (const RecordedEntry& en : graph.entries()) {
    if (en.id.empty()) continue;
    ordered& e = add(root["entries"]);
    e["id"] = en.id;
    e["kind"] = to_string(en.kind);
    e["date"] = format_iso_date(en.date);
    ids(e["about"], en.about);
    e["author"] = en.author;
    e["text"] = en.text;
    if (en.value != kNoScalingValue) e["value"] = en.value;
    if (!en.question.empty()) e["question"] = en.question;
    if (en.source != kNoVertex) e["source"] = graph.id(en.source);
    if (en.restricted) e["restricted"] = true;
  }
  calendar["nation"] = to_string(graph.nation());
  calendar["closures"] = ordered::array();
  ordered& closures = calendar["closures"];
  for (Day day : graph.closures()) closures.push_back(format_iso_date(day));
  return with_checksum(root.dump(2) + "\n");
}

}  // namespace safeguard::legacy
