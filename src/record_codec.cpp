// The binary encoding of versions (record_codec.hpp says where it is used and why).
#include "record_codec.hpp"

#include <type_traits>
#include <variant>

namespace safeguard::detail {

namespace {

constexpr unsigned kNoNation = 0xFF;

// A discretionary override with an approval is written under its kind with this bit set, so
// that stores written before approvals existed read as they were and an override without one
// is written as it always was.
constexpr unsigned kApprovedOverride = 0x80;

// Likewise a discretionary override about an adult (its person written where a child's is), so
// that overrides about children are written as they always were.
constexpr unsigned kAdultOverride = 0x40;

// Likewise a person with a display name: stores written before names existed read as they were.
constexpr unsigned kNamedPerson = 0x80;

// Likewise a person with group attributes, and an event with source items (Person::attributes,
// Event::items): stores written before them read as they were, and a fact without them is
// written as it always was.
constexpr unsigned kAttributedPerson = 0x40;
constexpr unsigned kEventWithItems = 0x80;

void write_items(Writer& w, const std::vector<SourceItem>& items) {
  w.varint(items.size());
  for (const SourceItem& item : items) {
    w.text(item.name);
    w.text(item.value);
  }
}

std::vector<SourceItem> read_items(Reader& r) {
  std::vector<SourceItem> items(r.count());
  for (SourceItem& item : items) {
    item.name = r.text();
    item.value = r.text();
  }
  return items;
}

void write_spec(Writer& w, const decltype(FactVersion::spec)& spec) {
  const auto* judgement = std::get_if<DiscretionaryOverrideSpec>(&spec);
  const bool approved =
      judgement && (!judgement->approved_by.empty() || judgement->approved != kNoDay);
  const bool about_adult = judgement && judgement->child.empty();
  const auto* person = std::get_if<PersonSpec>(&spec);
  const bool named = person && !person->name.empty();
  const bool attributed = person && !person->attributes.empty();
  const auto* event = std::get_if<EventSpec>(&spec);
  const bool with_items = event && !event->items.empty();
  w.byte(static_cast<unsigned>(spec.index()) | (approved ? kApprovedOverride : 0) |
         (about_adult ? kAdultOverride : 0) | (named ? kNamedPerson : 0) |
         (attributed ? kAttributedPerson : 0) | (with_items ? kEventWithItems : 0));
  std::visit(
      [&](const auto& s) {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, PersonSpec>) {
          w.text(s.id);
          w.byte(static_cast<unsigned>(s.kind));
          w.day(s.dob);
          w.texts(s.flags);
          w.text(s.household);
          if (named) w.text(s.name);
          if (attributed) write_items(w, s.attributes);
        } else if constexpr (std::is_same_v<T, AgencySpec>) {
          w.text(s.id);
          w.text(s.type);
          w.text(s.name);
        } else if constexpr (std::is_same_v<T, HouseholdSpec>) {
          w.text(s.id);
        } else if constexpr (std::is_same_v<T, PlaceSpec> || std::is_same_v<T, GroupSpec>) {
          w.text(s.id);
          w.text(s.kind);
          w.text(s.name);
        } else if constexpr (std::is_same_v<T, ConcernSpec>) {
          w.text(s.id);
          w.text(s.category);
          w.integer(s.severity);
          w.day(s.incident);
          w.day(s.recorded);
          w.byte(static_cast<unsigned>(s.status));
          w.text(s.source);
          w.byte(s.restricted ? 1 : 0);
          w.texts(s.about);
          w.texts(s.involves);
          w.text(s.summary);
        } else if constexpr (std::is_same_v<T, FactorSpec>) {
          w.text(s.id);
          w.text(s.kind);
          w.integer(s.strength);
          w.day(s.start);
          w.day(s.end);
          w.text(s.provided_by);
          w.texts(s.protects);
          w.text(s.summary);
        } else if constexpr (std::is_same_v<T, EventSpec>) {
          w.text(s.id);
          w.byte(static_cast<unsigned>(s.kind));
          w.day(s.date);
          w.texts(s.about);
          w.text(s.note);
          w.byte(static_cast<unsigned>(s.decision));
          w.text(s.category);
          w.day(s.expected);
          if (with_items) write_items(w, s.items);
        } else if constexpr (std::is_same_v<T, DiscretionaryOverrideSpec>) {
          w.text(s.id);
          w.text(s.person());
          w.byte(s.direction == OverrideDirection::raise ? 1 : 0);
          w.day(s.date);
          w.text(s.author);
          w.text(s.reason);
          if (approved) {
            w.text(s.approved_by);
            w.day(s.approved);
          }
        } else if constexpr (std::is_same_v<T, RelationSpec>) {
          w.byte(static_cast<unsigned>(s.kind));
          w.text(s.from);
          w.text(s.to);
        } else if constexpr (std::is_same_v<T, EntrySpec>) {
          w.text(s.id);
          w.byte(static_cast<unsigned>(s.kind));
          w.day(s.date);
          w.texts(s.about);
          w.text(s.author);
          w.text(s.text);
          w.integer(s.value);
          w.text(s.question);
          w.text(s.source);
          w.byte(s.restricted ? 1 : 0);
        } else if constexpr (std::is_same_v<T, CalendarSpec>) {
          w.byte(s.nation ? static_cast<unsigned>(*s.nation) : kNoNation);
          w.varint(s.closures.size());
          for (Day day : s.closures) w.day(day);
        }
      },
      spec);
}

// A place or a group: an id, a kind and a name, written alike.
template <typename S>
void read_kind_and_name(Reader& r, S& s) {
  s.id = r.text();
  s.kind = r.text();
  s.name = r.text();
}

// Reads a spec through `out`, which makes the spec of each kind: read_version_body builds the
// real spec (SpecMaker); check_version_body only checks the bytes, assigning every field to a
// spec that keeps nothing (SpecChecker). One decoder for both, so the check cannot drift from
// the read.
template <typename Out>
void read_spec_into(Reader& r, Out& out) {
  const unsigned tag = r.byte();
  switch (tag) {
    case 0:
    case 0 | kNamedPerson:
    case 0 | kAttributedPerson:
    case 0 | kNamedPerson | kAttributedPerson: {
      auto& s = out.template make<PersonSpec>();
      s.id = r.text();
      s.kind = r.enumeration<PersonKind>(2, "person kind");
      s.dob = r.day();
      s.flags = r.texts();
      s.household = r.text();
      if (tag & kNamedPerson) s.name = r.text();
      if (tag & kAttributedPerson) s.attributes = read_items(r);
      return;
    }
    case 1: {
      auto& s = out.template make<AgencySpec>();
      s.id = r.text();
      s.type = r.text();
      s.name = r.text();
      return;
    }
    case 2:
      out.template make<HouseholdSpec>().id = r.text();
      return;
    case 3:
      read_kind_and_name(r, out.template make<PlaceSpec>());
      return;
    case 4:
      read_kind_and_name(r, out.template make<GroupSpec>());
      return;
    case 5: {
      auto& s = out.template make<ConcernSpec>();
      s.id = r.text();
      s.category = r.text();
      s.severity = r.small_integer();
      s.incident = r.day();
      s.recorded = r.day();
      s.status = r.enumeration<ConcernStatus>(4, "concern status");
      s.source = r.text();
      s.restricted = r.flag();
      s.about = r.texts();
      s.involves = r.texts();
      s.summary = r.text();
      return;
    }
    case 6: {
      auto& s = out.template make<FactorSpec>();
      s.id = r.text();
      s.kind = r.text();
      s.strength = r.small_integer();
      s.start = r.day();
      s.end = r.day();
      s.provided_by = r.text();
      s.protects = r.texts();
      s.summary = r.text();
      return;
    }
    case 7:
    case 7 | kEventWithItems: {
      auto& s = out.template make<EventSpec>();
      s.id = r.text();
      s.kind = r.enumeration<EventKind>(kEventKindCount, "event kind");
      s.date = r.day();
      s.about = r.texts();
      s.note = r.text();
      s.decision = r.enumeration<EventDecision>(kEventDecisionCount, "event decision");
      s.category = r.text();
      s.expected = r.day();
      if (tag & kEventWithItems) s.items = read_items(r);
      return;
    }
    case 8:
    case 8 | kApprovedOverride:
    case 8 | kAdultOverride:
    case 8 | kApprovedOverride | kAdultOverride: {
      auto& s = out.template make<DiscretionaryOverrideSpec>();
      s.id = r.text();
      (tag & kAdultOverride ? s.adult : s.child) = r.text();
      s.direction = r.flag() ? OverrideDirection::raise : OverrideDirection::lower;
      s.date = r.day();
      s.author = r.text();
      s.reason = r.text();
      if (tag & kApprovedOverride) {
        s.approved_by = r.text();
        s.approved = r.day();
      }
      return;
    }
    case 9: {
      auto& s = out.template make<RelationSpec>();
      s.kind = r.enumeration<RelationKind>(kRelationKindCount, "relation kind");
      s.from = r.text();
      s.to = r.text();
      return;
    }
    case 10: {
      auto& s = out.template make<CalendarSpec>();
      const unsigned nation = r.byte();
      if (nation != kNoNation) {
        if (nation > static_cast<unsigned>(Nation::northern_ireland)) damaged("unknown nation");
        s.nation = static_cast<Nation>(nation);
      }
      const std::size_t closures = r.count();
      s.closures.reserve(closures);
      for (std::size_t i = 0; i < closures; ++i) s.closures.push_back(r.day());
      return;
    }
    case 11: {
      auto& s = out.template make<EntrySpec>();
      s.id = r.text();
      s.kind = r.enumeration<EntryKind>(kEntryKindCount, "entry kind");
      s.date = r.day();
      s.about = r.texts();
      s.author = r.text();
      s.text = r.text();
      s.value = r.small_integer();
      s.question = r.text();
      s.source = r.text();
      s.restricted = r.flag();
      return;
    }
    default:
      damaged("unknown kind of fact");
  }
}

// Makes the real spec, in the version's variant.
struct SpecMaker {
  decltype(FactVersion::spec)& spec;
  template <typename T>
  T& make() {
    return spec.template emplace<T>();
  }
};

// A field that keeps nothing assigned to it; a list that keeps nothing pushed onto it.
struct Ignored {
  template <typename T>
  Ignored& operator=(T&&) noexcept {
    return *this;
  }
  void reserve(std::size_t) noexcept {}
  template <typename T>
  void push_back(T&&) noexcept {}
};

// Every field any spec has, each ignoring what it is given.
struct IgnoredSpec {
  Ignored id, kind, name, dob, flags, household, attributes, type, category, severity, incident,
      recorded, status, source, restricted, about, involves, summary, strength, start, end,
      provided_by, protects, date, note, decision, expected, items, child, adult, direction, author,
      reason, approved_by, approved, from, to, nation, closures, text, value, question;
};

// The position of T among the alternatives of FactVersion::spec, which is its FactKind.
template <typename T, typename... Ts>
constexpr std::size_t alternative_index(const std::variant<Ts...>*) {
  std::size_t i = 0;
  const bool found = ((std::is_same_v<T, Ts> || (++i, false)) || ...);
  return found ? i : sizeof...(Ts);
}
template <typename T>
constexpr FactKind kind_of_alternative() {
  return static_cast<FactKind>(
      alternative_index<T>(static_cast<const decltype(FactVersion::spec)*>(nullptr)));
}
static_assert(kind_of_alternative<PersonSpec>() == FactKind::person &&
                  kind_of_alternative<HouseholdSpec>() == FactKind::household &&
                  kind_of_alternative<ConcernSpec>() == FactKind::concern &&
                  kind_of_alternative<DiscretionaryOverrideSpec>() ==
                      FactKind::discretionary_override &&
                  kind_of_alternative<RelationSpec>() == FactKind::relation &&
                  kind_of_alternative<CalendarSpec>() == FactKind::calendar &&
                  kind_of_alternative<EntrySpec>() == FactKind::entry,
              "FactKind follows the order of FactVersion::spec's alternatives");

// Makes nothing: notes the kind, and hands out a spec that ignores every field.
struct SpecChecker {
  FactKind kind = FactKind::person;
  IgnoredSpec ignored;
  template <typename T>
  IgnoredSpec& make() {
    kind = kind_of_alternative<T>();
    return ignored;
  }
};

}  // namespace

void write_version_body(Writer& w, const FactVersion& f) {
  w.byte(static_cast<unsigned>(f.change));
  w.day(f.ended);
  w.day(f.membership_ended);
  w.day(f.retracted);
  w.text(f.retraction_reason);
  write_spec(w, f.spec);
}

void read_version_body(Reader& r, FactVersion& version) {
  version.change = r.enumeration<ChangeKind>(kChangeKinds, "kind of change");
  version.ended = r.day();
  version.membership_ended = r.day();
  version.retracted = r.day();
  version.retraction_reason = r.text();
  SpecMaker maker{version.spec};
  read_spec_into(r, maker);
}

VersionMarks check_version_body(Reader& r) {
  VersionMarks marks;
  marks.change = r.enumeration<ChangeKind>(kChangeKinds, "kind of change");
  marks.ended = r.day();
  marks.membership_ended = r.day();
  marks.retracted = r.day();
  const bool keep = r.keeps_text();
  r.keep_text(false);
  r.text();  // the retraction reason
  SpecChecker checker;
  read_spec_into(r, checker);
  r.keep_text(keep);
  marks.kind = checker.kind;
  return marks;
}

}  // namespace safeguard::detail
