// Record: versioned facts with valid and record time, provenance, audit trail and erasure.
// The history model is described at the top of include/safeguard/record.hpp.
#include "safeguard/record.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_set>

#include "byte_arena.hpp"
#include "case_json.hpp"
#include "huge_pages.hpp"
#include "record_codec.hpp"
#include "record_store.hpp"
#include "safeguard/detail/key_index.hpp"
#include "snapshot_columns.hpp"
#include "util/utf8.hpp"

namespace safeguard {

std::string_view to_string(ChangeKind kind) noexcept {
  switch (kind) {
    case ChangeKind::added:
      return "added";
    case ChangeKind::replaced:
      return "replaced";
    case ChangeKind::amended:
      return "amended";
    case ChangeKind::ended:
      return "ended";
    case ChangeKind::retracted:
      return "retracted";
    case ChangeKind::erased:
      return "erased";
  }
  return "unknown";
}

std::string_view to_string(FactKind kind) noexcept {
  switch (kind) {
    case FactKind::person:
      return "person";
    case FactKind::agency:
      return "agency";
    case FactKind::household:
      return "household";
    case FactKind::place:
      return "place";
    case FactKind::group:
      return "group";
    case FactKind::concern:
      return "concern";
    case FactKind::factor:
      return "factor";
    case FactKind::event:
      return "event";
    case FactKind::discretionary_override:
      return "discretionary_override";
    case FactKind::relation:
      return "relation";
    case FactKind::calendar:
      return "calendar";
    case FactKind::entry:
      return "entry";
  }
  return "unknown";
}

std::string relation_key(RelationKind kind, std::string_view from, std::string_view to) {
  if (is_symmetric(kind) && to < from) std::swap(from, to);
  std::string key(to_string(kind));
  key += ':';
  key += from;
  key += ':';
  key += to;
  return key;
}

namespace {

using Spec = decltype(FactVersion::spec);

template <typename T>
FactKind kind_of_spec() {
  if constexpr (std::is_same_v<T, PersonSpec>) return FactKind::person;
  if constexpr (std::is_same_v<T, AgencySpec>) return FactKind::agency;
  if constexpr (std::is_same_v<T, HouseholdSpec>) return FactKind::household;
  if constexpr (std::is_same_v<T, PlaceSpec>) return FactKind::place;
  if constexpr (std::is_same_v<T, GroupSpec>) return FactKind::group;
  if constexpr (std::is_same_v<T, ConcernSpec>) return FactKind::concern;
  if constexpr (std::is_same_v<T, FactorSpec>) return FactKind::factor;
  if constexpr (std::is_same_v<T, EventSpec>) return FactKind::event;
  if constexpr (std::is_same_v<T, DiscretionaryOverrideSpec>)
    return FactKind::discretionary_override;
  if constexpr (std::is_same_v<T, RelationSpec>) return FactKind::relation;
  if constexpr (std::is_same_v<T, CalendarSpec>) return FactKind::calendar;
  if constexpr (std::is_same_v<T, EntrySpec>) return FactKind::entry;
}

FactKind kind_of(const Spec& spec) {
  return std::visit([](const auto& s) { return kind_of_spec<std::decay_t<decltype(s)>>(); }, spec);
}

bool in_effect(Day mark, Day as_of) { return mark != kNoDay && mark <= as_of; }

// The order in which a graph is built from the facts: what an item refers to comes first.
constexpr FactKind kOrder[] = {FactKind::household, FactKind::agency,
                               FactKind::place,     FactKind::group,
                               FactKind::person,    FactKind::concern,
                               FactKind::factor,    FactKind::relation,
                               FactKind::event,     FactKind::discretionary_override,
                               FactKind::entry,     FactKind::calendar};

int order_of(FactKind kind) {
  return static_cast<int>(std::find(std::begin(kOrder), std::end(kOrder), kind) -
                          std::begin(kOrder));
}

bool contains(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

template <typename T>
void set_if(T& field, const std::optional<T>& value) {
  if (value) field = *value;
}

// A fact version as a graph as of `as_of` holds it, with the persons `gone(id)` says were erased
// taken out: the item that adds it, or nothing when the fact is absent from that graph.
// Materialisation and the live graphs both use it, so they cannot disagree.
template <typename Gone>
std::optional<Edit> form(const FactVersion& v, Day as_of, Gone&& gone) {
  const bool retracted = in_effect(v.retracted, as_of);
  auto drop_gone = [&](std::vector<std::string>& ids) {
    ids.erase(std::remove_if(ids.begin(), ids.end(), gone), ids.end());
  };
  return std::visit(
      [&](const auto& spec) -> std::optional<Edit> {
        using T = std::decay_t<decltype(spec)>;
        if constexpr (std::is_same_v<T, PersonSpec>) {
          if (gone(spec.id)) return std::nullopt;
          PersonSpec p = spec;
          if (in_effect(v.membership_ended, as_of)) p.household.clear();
          return Edit(std::move(p));
        } else if constexpr (std::is_same_v<T, ConcernSpec>) {
          ConcernSpec c = spec;
          drop_gone(c.about);
          drop_gone(c.involves);
          // Erasure takes the concerns that were only about the erased (as CaseGraph does).
          if (c.about.empty()) return std::nullopt;
          if (retracted) c.status = ConcernStatus::retracted;
          return Edit(std::move(c));
        } else if constexpr (std::is_same_v<T, FactorSpec>) {
          FactorSpec f = spec;
          drop_gone(f.protects);
          if (f.protects.empty() || retracted) return std::nullopt;
          if (!f.provided_by.empty() && gone(f.provided_by)) f.provided_by.clear();
          return Edit(std::move(f));
        } else if constexpr (std::is_same_v<T, RelationSpec>) {
          if (retracted || in_effect(v.ended, as_of)) return std::nullopt;
          if (gone(spec.from) || gone(spec.to)) return std::nullopt;
          return Edit(spec);
        } else if constexpr (std::is_same_v<T, EventSpec>) {
          EventSpec e = spec;
          drop_gone(e.about);
          if (e.about.empty() || retracted) return std::nullopt;
          return Edit(std::move(e));
        } else if constexpr (std::is_same_v<T, DiscretionaryOverrideSpec>) {
          if (retracted || gone(spec.person())) return std::nullopt;
          return Edit(spec);
        } else if constexpr (std::is_same_v<T, EntrySpec>) {
          // An entry naming an erased child goes whole: its words are about them too.
          if (retracted || std::any_of(spec.about.begin(), spec.about.end(), gone))
            return std::nullopt;
          return Edit(spec);
        } else {
          return Edit(spec);
        }
      },
      v.spec);
}

// Whether erasing `person` removes anything from this version (see record.hpp), and the
// removal itself. The store uses the first to find the stored versions it must rewrite.
bool holds_data_of(const FactVersion& v, const std::string& person) {
  // A retraction's reason is a reason about whoever the withdrawn fact was about.
  const bool reason = !v.retraction_reason.empty();
  return std::visit(
      [&](const auto& spec) {
        using T = std::decay_t<decltype(spec)>;
        if constexpr (std::is_same_v<T, PersonSpec>) {
          return spec.id == person && (spec.dob != kNoDay || !spec.flags.empty() ||
                                       !spec.name.empty() || !spec.attributes.empty());
        } else if constexpr (std::is_same_v<T, ConcernSpec>) {
          return (reason || !spec.summary.empty()) &&
                 (contains(spec.about, person) || contains(spec.involves, person));
        } else if constexpr (std::is_same_v<T, FactorSpec>) {
          return (reason || !spec.summary.empty()) &&
                 (contains(spec.protects, person) || spec.provided_by == person);
        } else if constexpr (std::is_same_v<T, EventSpec>) {
          return (reason || !spec.note.empty() || !spec.items.empty()) &&
                 contains(spec.about, person);
        } else if constexpr (std::is_same_v<T, DiscretionaryOverrideSpec>) {
          return (reason || !spec.reason.empty()) && spec.person() == person;
        } else if constexpr (std::is_same_v<T, EntrySpec>) {
          return (reason || !spec.text.empty() || !spec.question.empty()) &&
                 contains(spec.about, person);
        } else {
          return false;
        }
      },
      v.spec);
}

// Field-by-field equality of the forms a live graph compares (same alternative assumed).
bool same_form(const Edit& a, const Edit& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        const T& y = std::get<T>(b);
        if constexpr (std::is_same_v<T, PersonSpec>) {
          return std::tie(x.id, x.kind, x.dob, x.flags, x.household, x.name, x.attributes) ==
                 std::tie(y.id, y.kind, y.dob, y.flags, y.household, y.name, y.attributes);
        } else if constexpr (std::is_same_v<T, AgencySpec>) {
          return std::tie(x.id, x.type, x.name) == std::tie(y.id, y.type, y.name);
        } else if constexpr (std::is_same_v<T, PlaceSpec> || std::is_same_v<T, GroupSpec>) {
          return std::tie(x.id, x.kind, x.name) == std::tie(y.id, y.kind, y.name);
        } else if constexpr (std::is_same_v<T, HouseholdSpec>) {
          return x.id == y.id;
        } else if constexpr (std::is_same_v<T, ConcernSpec>) {
          return std::tie(x.id, x.category, x.severity, x.incident, x.recorded, x.status, x.source,
                          x.restricted, x.about, x.involves, x.summary) ==
                 std::tie(y.id, y.category, y.severity, y.incident, y.recorded, y.status, y.source,
                          y.restricted, y.about, y.involves, y.summary);
        } else if constexpr (std::is_same_v<T, FactorSpec>) {
          return std::tie(x.id, x.kind, x.strength, x.start, x.end, x.provided_by, x.protects,
                          x.summary) == std::tie(y.id, y.kind, y.strength, y.start, y.end,
                                                 y.provided_by, y.protects, y.summary);
        } else if constexpr (std::is_same_v<T, RelationSpec>) {
          return std::tie(x.kind, x.from, x.to) == std::tie(y.kind, y.from, y.to);
        } else if constexpr (std::is_same_v<T, EventSpec>) {
          return std::tie(x.id, x.kind, x.date, x.about, x.note, x.decision, x.category, x.expected,
                          x.items) == std::tie(y.id, y.kind, y.date, y.about, y.note, y.decision,
                                               y.category, y.expected, y.items);
        } else if constexpr (std::is_same_v<T, DiscretionaryOverrideSpec>) {
          return std::tie(x.id, x.child, x.adult, x.direction, x.date, x.author, x.reason,
                          x.approved_by,
                          x.approved) == std::tie(y.id, y.child, y.adult, y.direction, y.date,
                                                  y.author, y.reason, y.approved_by, y.approved);
        } else if constexpr (std::is_same_v<T, EntrySpec>) {
          return std::tie(x.id, x.kind, x.date, x.about, x.author, x.text, x.value, x.question,
                          x.source, x.restricted) == std::tie(y.id, y.kind, y.date, y.about,
                                                              y.author, y.text, y.value, y.question,
                                                              y.source, y.restricted);
        } else {
          return false;  // a calendar change is always a new fact
        }
      },
      a);
}

// The edit that turns a graph holding `before` (a form, or nothing) into one holding `after`.
// Appends nothing when they are the same.
void append_change(const std::optional<Edit>& before, std::optional<Edit> after, Batch& removals,
                   Batch& changes) {
  if (!before && !after) return;
  if (before && after && same_form(*before, *after)) return;
  if (before && (!after || std::holds_alternative<RelationSpec>(*before) ||
                 std::holds_alternative<EntrySpec>(*before))) {
    // Gone, or a relation restated (its ends may have swapped), or an entry restated (entries
    // are never replaced in place): take the old one out first.
    std::visit(
        [&](const auto& spec) {
          using T = std::decay_t<decltype(spec)>;
          if constexpr (std::is_same_v<T, RelationSpec>) {
            removals.items.emplace_back(RemoveRelation{spec});
          } else if constexpr (std::is_same_v<T, ConcernSpec> || std::is_same_v<T, FactorSpec> ||
                               std::is_same_v<T, EventSpec> ||
                               std::is_same_v<T, DiscretionaryOverrideSpec> ||
                               std::is_same_v<T, EntrySpec>) {
            removals.items.emplace_back(Remove{spec.id});
          } else {
            throw Error(Status::internal, "a person, agency, place, group or household cannot go");
          }
        },
        *before);
    if (!after) return;
    changes.items.push_back(std::move(*after));
    return;
  }
  if (!before) {
    changes.items.push_back(std::move(*after));
    return;
  }
  std::visit(
      [&](auto& spec) {
        using T = std::decay_t<decltype(spec)>;
        if constexpr (std::is_same_v<T, ConcernSpec>) {
          changes.items.emplace_back(AmendConcern{std::move(spec)});
        } else if constexpr (std::is_same_v<T, PersonSpec> || std::is_same_v<T, AgencySpec> ||
                             std::is_same_v<T, PlaceSpec> || std::is_same_v<T, GroupSpec> ||
                             std::is_same_v<T, FactorSpec> || std::is_same_v<T, EventSpec> ||
                             std::is_same_v<T, DiscretionaryOverrideSpec>) {
          changes.items.emplace_back(Replace{std::move(spec)});
        } else {
          throw Error(Status::internal, "a household or calendar change is never replaced");
        }
      },
      *after);
}

void scrub_version(FactVersion& v, const std::string& person) {
  if (!holds_data_of(v, person)) return;
  std::string().swap(v.retraction_reason);  // a person is erased, never retracted
  std::visit(
      [&](auto& spec) {
        using T = std::decay_t<decltype(spec)>;
        if constexpr (std::is_same_v<T, PersonSpec>) {
          spec.dob = kNoDay;
          spec.flags.clear();
          spec.flags.shrink_to_fit();
          std::string().swap(spec.name);
          std::vector<SourceItem>().swap(spec.attributes);
        } else if constexpr (std::is_same_v<T, ConcernSpec> || std::is_same_v<T, FactorSpec>) {
          std::string().swap(spec.summary);
        } else if constexpr (std::is_same_v<T, EventSpec>) {
          std::string().swap(spec.note);
          std::vector<SourceItem>().swap(spec.items);
        } else if constexpr (std::is_same_v<T, DiscretionaryOverrideSpec>) {
          std::string().swap(spec.reason);
        } else if constexpr (std::is_same_v<T, EntrySpec>) {
          std::string().swap(spec.text);
          std::string().swap(spec.question);
        }
      },
      v.spec);
}

bool keyed_as_relation(FactKind kind) {
  return kind == FactKind::relation || kind == FactKind::calendar;
}

}  // namespace

class RecordStager;

struct Record::Impl {
  static constexpr std::uint32_t kNoVersion = 0xffffffffu;
  struct Fact {
    detail::ByteArena::Span key;      // in `keys`: entity id, relation key, or calendar change key
    std::uint32_t last = kNoVersion;  // its latest version in `versions`
    FactKind kind = FactKind::person;
  };
  // One version of a fact, kept encoded (record_codec.hpp, the store's encoding) in `bytes`
  // and decoded when read: a FactVersion is about 290 bytes before its strings, which made the
  // record several kilobytes per child, while the encoding is about 65 bytes. A fact's versions
  // are chained from its latest back (ascending revision, at most one per batch).
  struct VersionRef {
    detail::ByteArena::Span body;
    std::uint32_t revision = 0;
    std::uint32_t previous = kNoVersion;  // the fact's version before this one
  };
  // One change a batch made, by fact index: the audit entry (AuditEntry) is built from it, its
  // batch and its fact when asked for. Kept this small because a record holds one per item ever
  // applied, and reopening a store rebuilds them all (a copy of the batch's provenance and the
  // fact's id per change made reopening a million-item store take seconds).
  struct AuditChange {
    std::uint32_t item = 0;
    std::uint32_t fact = 0;
    ChangeKind change = ChangeKind::added;
  };
  struct BatchInfo {
    RecordTime recorded_at = 0;
    Provenance provenance;
    std::vector<AuditChange> changes;
  };

  AuditEntry audit_entry(std::size_t batch, const AuditChange& c) const {
    AuditEntry entry;
    entry.revision = batch + 1;
    entry.recorded_at = batches[batch].recorded_at;
    entry.provenance = batches[batch].provenance;
    entry.item = c.item;
    const Fact& fact = facts[c.fact];
    entry.fact = fact.kind == FactKind::calendar ? std::string("calendar") : std::string(key(fact));
    entry.fact_kind = fact.kind;
    entry.change = c.change;
    return entry;
  }

  GraphLimits limits;
  std::vector<Fact> facts;           // in order of first appearance
  detail::ByteArena keys;            // their keys, one after another
  std::vector<VersionRef> versions;  // every fact's, in the order they were recorded
  detail::ByteArena bytes;           // their encodings
  detail::KeyIndex entities;         // entity id -> fact (the key is the fact's id)
  detail::KeyIndex relations;        // relation key (and calendar change key) -> fact

  std::string_view key(const Fact& fact) const { return keys.view(fact.key); }

  // The key of each fact, read from `keys` (the index keeps no copy).
  struct KeyOf {
    const Impl* record;
    std::string_view operator()(std::size_t fact) const { return record->key(record->facts[fact]); }
  };
  KeyOf key_of() const { return KeyOf{this}; }
  // The fact stored under `key`, among relations or entities.
  std::optional<std::size_t> find_fact(std::string_view key, bool relation) const {
    return (relation ? relations : entities).find(key, key_of());
  }
  // The fact under `key`, entity first, then relation.
  std::optional<std::size_t> find_any(std::string_view key) const {
    if (auto found = find_fact(key, false)) return found;
    return find_fact(key, true);
  }

  std::vector<BatchInfo> batches;
  std::vector<Tombstone> tombstones;
  std::unordered_map<std::string, std::uint64_t> erased;  // person id -> erasing revision
  bool has_marks = false;  // any relation end, membership end or retraction recorded
  std::unique_ptr<detail::RecordStore> store;  // Record::open: where every batch is committed

  // The last graph built, for (as_of, revision). as_of is kNoDay when no marks exist, since the
  // graph then does not depend on it.
  mutable std::shared_ptr<const CaseGraph> cached;
  mutable std::uint64_t cached_revision = 0;
  mutable Day cached_as_of = 0;

  std::uint64_t revision() const { return batches.size(); }

  // The fact's version known at `revision` (kNoVersion: none yet).
  std::uint32_t version_at(const Fact& fact, std::uint64_t revision) const {
    std::uint32_t at = fact.last;
    while (at != kNoVersion && versions[at].revision > revision) at = versions[at].previous;
    return at;
  }

  FactVersion decode(std::uint32_t at) const {
    const VersionRef& ref = versions[at];
    FactVersion version;
    version.revision = ref.revision;
    version.recorded_at = batches[ref.revision - 1].recorded_at;
    const std::string_view body = bytes.view(ref.body);
    detail::Reader reader(body.data(), body.size());
    try {
      detail::read_version_body(reader, version);
    } catch (const detail::Damaged& d) {
      throw Error(Status::internal, "a version the record holds does not decode: " + d.what);
    }
    return version;
  }

  // Every version of the fact, oldest first, as indices into `versions`.
  std::vector<std::uint32_t> chain(const Fact& fact) const {
    std::vector<std::uint32_t> out;
    for (std::uint32_t at = fact.last; at != kNoVersion; at = versions[at].previous)
      out.push_back(at);
    std::reverse(out.begin(), out.end());
    return out;
  }

  // Keeps `body` (an encoded version recorded at `revision`) as the fact's latest version.
  void keep_version(std::size_t fact, std::uint64_t revision, std::string_view body) {
    if (revision > UINT32_MAX || versions.size() >= kNoVersion)
      throw Error(Status::limit, "too many batches or versions for one record");
    // Room first, so nothing fails once the bytes are kept.
    if (versions.size() == versions.capacity())
      detail::reserve_huge(versions, std::max<std::size_t>(64, versions.capacity() * 2));
    const detail::ByteArena::Span span = bytes.append(body);
    versions.push_back(VersionRef{span, static_cast<std::uint32_t>(revision), facts[fact].last});
    facts[fact].last = static_cast<std::uint32_t>(versions.size() - 1);
  }
  void keep_version(std::size_t fact, const FactVersion& version) {
    detail::Writer writer;
    detail::write_version_body(writer, version);
    keep_version(fact, version.revision, writer.out);
  }

  bool erased_by(const std::string& id, std::uint64_t revision) const {
    auto found = erased.find(id);
    return found != erased.end() && found->second <= revision;
  }

  // The batch that adds, in a fixed order, every fact known at `revision` as it stood on
  // `as_of` (kNoDay: before any end or retraction). `origin` gets, per item, the fact's key.
  Batch materialise(std::uint64_t revision, Day as_of, std::vector<std::string>* origin) const {
    std::unordered_set<std::string> gone;  // persons erased
    for (const auto& [id, at] : erased) {
      if (at <= revision) gone.insert(id);
    }
    Batch batch;
    auto emit = [&](Edit item, std::string_view key) {
      batch.items.push_back(std::move(item));
      if (origin) origin->emplace_back(key);
    };
    auto is_gone = [&](const std::string& id) { return gone.count(id) > 0; };
    for (FactKind kind : kOrder) {
      for (const Fact& fact : facts) {
        if (fact.kind != kind) continue;
        const std::uint32_t at = version_at(fact, revision);
        if (at == kNoVersion) continue;
        if (auto item = form(decode(at), as_of, is_gone)) emit(std::move(*item), key(fact));
      }
    }
    return batch;
  }

  std::shared_ptr<const CaseGraph> build(std::uint64_t revision, Day as_of) const {
    auto graph = std::make_shared<CaseGraph>(limits);
    graph->apply(materialise(revision, as_of, nullptr));
    return graph;
  }

  // ---- Live graphs: the latest revision edited in place (docs/record.md, "How it works") ----

  // A fact a batch touched: its index in `facts` and whether the batch added it.
  struct Touched {
    std::size_t fact = 0;
    bool is_new = false;
  };

  // The graph edits that take a graph as of `as_of` from the revision before the last batch
  // (whose versions are committed) to the last batch's: for each fact it touched, the change of
  // its form (absent to present: add; present to absent: remove; changed: replace), removals
  // first, then in materialise's order (by kind, then by first appearance), so each item finds
  // what it refers to. `origin` names each item's fact.
  struct Change {
    Batch batch;
    std::vector<std::string> origin;
    bool removes = false;      // something goes
    bool returns = false;      // an entity that had gone comes back: materialise places it
                               // among its kind by first appearance, an in-place add at the end
    bool kind_change = false;  // a person turned child or adult
  };

  Change translate(std::vector<Touched> touched, Day as_of) const {
    std::sort(touched.begin(), touched.end(), [&](const Touched& a, const Touched& b) {
      const int ka = order_of(facts[a.fact].kind), kb = order_of(facts[b.fact].kind);
      return ka != kb ? ka < kb : a.fact < b.fact;
    });
    auto is_gone = [&](const std::string& id) { return erased.count(id) > 0; };
    Change change;
    Batch changes;
    std::vector<std::string> change_origin;
    for (const Touched& t : touched) {
      const Fact& fact = facts[t.fact];
      std::optional<Edit> before;
      if (!t.is_new) before = form(decode(versions[fact.last].previous), as_of, is_gone);
      std::optional<Edit> after = form(decode(fact.last), as_of, is_gone);
      if (before && after) {
        const auto* was = std::get_if<PersonSpec>(&*before);
        const auto* now = std::get_if<PersonSpec>(&*after);
        if (was && now && was->kind != now->kind) change.kind_change = true;
      }
      if (!before && after && !t.is_new && fact.kind != FactKind::relation) change.returns = true;
      const std::size_t removals = change.batch.items.size();
      append_change(before, std::move(after), change.batch, changes);
      if (change.batch.items.size() != removals) change.removes = true;
      const std::string id(key(fact));
      change.origin.resize(change.batch.items.size(), id);
      change_origin.resize(changes.items.size(), id);
    }
    for (auto& item : changes.items) change.batch.items.push_back(std::move(item));
    change.origin.insert(change.origin.end(), change_origin.begin(), change_origin.end());
    return change;
  }

  // The latest state as materialise(revision(), kNoDay) gives it, kept in step: what a batch is
  // validated against. Null until the first batch applies.
  std::unique_ptr<CaseGraph> checked;

  // What Record::watch keeps: a graph as of the watched date at the latest revision, edited in
  // place, and the rows of the children the last batch may have changed.
  struct Watch {
    std::shared_ptr<const RuleSet> rules;
    AssessOptions options;
    std::unique_ptr<CaseGraph> graph;  // null: to be rebuilt (an update failed part way)
    std::unique_ptr<Reassessor> reassessor;
    std::unique_ptr<Results> changed;
  };
  std::unique_ptr<Watch> watch;

  // Builds the watched graph afresh and scores every child on it.
  void rebuild(Watch& w) const {
    auto graph = std::make_unique<CaseGraph>(limits);
    graph->apply(materialise(revision(), w.options.as_of, nullptr));
    auto all =
        std::make_unique<Results>(safeguard::assess(w.rules, take_snapshot(*graph), w.options));
    // A fresh Reassessor: the old one's record index belongs to the old graph.
    auto reassessor = std::make_unique<Reassessor>(w.rules, w.options);
    w.graph = std::move(graph);
    w.changed = std::move(all);
    w.reassessor = std::move(reassessor);
  }

  // After a batch committed: brings the watched graph to the new revision and rescores the
  // children the batch can reach. Never throws: the batch is in the record whatever happens
  // here; on failure the graph is dropped and rebuilt on next use.
  void update_watch(const std::vector<Touched>& touched, bool erasure) noexcept {
    Watch& w = *watch;
    try {
      if (w.graph && !erasure) {
        Change change = translate(touched, w.options.as_of);
        if (!change.returns) {
          w.changed.reset();
          w.changed = std::make_unique<Results>(w.reassessor->apply(*w.graph, change.batch));
          return;
        }
      }
      rebuild(w);
    } catch (...) {
      w.graph.reset();
      w.changed.reset();
    }
  }

  // Versions by index, each with its encoding scrubbed of the erased persons' data.
  using Scrubbed = std::map<std::uint32_t, std::string>;

  // Every version holding personal data of `persons` (see record.hpp), scrubbed. Worked out
  // before the batch commits, so that scrub() after the commit cannot fail.
  Scrubbed scrubbed_versions(const std::vector<std::string>& persons) const {
    Scrubbed out;
    for (std::uint32_t at = 0; at < versions.size(); ++at) {
      FactVersion v = decode(at);
      bool changed = false;
      for (const auto& person : persons) {
        if (!holds_data_of(v, person)) continue;
        scrub_version(v, person);
        changed = true;
      }
      if (!changed) continue;
      detail::Writer writer;
      detail::write_version_body(writer, v);
      // Scrubbing only takes data out, so the new encoding fits where the old one was.
      if (writer.out.size() > versions[at].body.size)
        throw Error(Status::internal, "a scrubbed version is larger than the version");
      out.emplace(at, std::move(writer.out));
    }
    return out;
  }

  // Overwrites each version with its scrubbed encoding, zeroing the old bytes.
  void scrub(const Scrubbed& scrubbed) noexcept {
    for (const auto& [at, body] : scrubbed)
      versions[at].body = bytes.overwrite(versions[at].body, body);
  }

  std::size_t fact_at(const std::string& key, bool relation) const {
    if (auto found = find_fact(key, relation)) return *found;
    throw Error(Status::internal, "no fact '" + key + "' in the record's index");
  }
  std::size_t index_of(const std::string& key, FactKind kind) const {
    return fact_at(key, keyed_as_relation(kind));
  }

  // Version `at` of fact `index` as the store writes it.
  detail::StoredVersion stored(std::size_t index, std::uint32_t at) const {
    const Fact& fact = facts[index];
    const bool first = versions[at].previous == kNoVersion;
    return detail::StoredVersion{index, first, key(fact), fact.kind, bytes.view(versions[at].body)};
  }

  // Commits the batch just staged into `facts` (revision `revision`) to the store: its
  // versions, scrubbed of what the batch erases; its changes and tombstones; and, when it
  // erases, every earlier chunk of versions that held the erased data, rewritten.
  // Commits the batch to the store; `written` (null: none) hears of the versions written.
  void persist(const RecordStager& stager, const RecordBatch& batch, std::uint64_t revision,
               const Scrubbed& scrubbed, const Progress* written);
};

// Stages one batch: each item's effect on the facts, checked against the record plus the
// batch's earlier items. Nothing in the record changes until commit().
class RecordStager {
 public:
  using Impl = Record::Impl;

  RecordStager(const Impl& record, const RecordBatch& batch)
      : record_(record), batch_(batch), revision_(record.revision() + 1) {}

  void stage() {
    check_text(batch_.provenance.author, "author");
    if (batch_.provenance.author.empty())
      throw Error(Status::invalid_argument, "a batch needs provenance: the author is missing");
    check_text(batch_.provenance.reason, "reason");
    check_text(batch_.provenance.source_system, "source system");
    check_text(batch_.provenance.source_reference, "source reference");
    if (batch_.recorded_at < kFirstRecordTime || batch_.recorded_at >= kRecordTimeLimit) {
      throw Error(Status::invalid_argument,
                  "recorded_at " + std::to_string(batch_.recorded_at) +
                      " is outside 1900-01-01T00:00:00Z to 2200-12-31T23:59:59Z (seconds since "
                      "1970-01-01T00:00:00Z)");
    }
    if (!record_.batches.empty() && batch_.recorded_at < record_.batches.back().recorded_at) {
      throw Error(Status::invalid_argument, "recorded_at " + std::to_string(batch_.recorded_at) +
                                                " is earlier than the last batch's " +
                                                std::to_string(record_.batches.back().recorded_at));
    }
    for (item_ = 0; item_ < batch_.items.size(); ++item_) {
      std::visit([this](const auto& edit) { stage_item(edit); }, batch_.items[item_]);
    }
  }

  struct Staged {
    std::string key;
    FactKind kind = FactKind::person;
    bool relation = false;
    bool is_new = false;
    std::size_t last_item = 0;
    FactVersion version;
  };

  // One change an item made: the record's audit change once the staged fact has its index.
  // Kept this small (not an AuditEntry, which copies the provenance and the key) because a
  // batch from a case file makes one per item, millions for a large file.
  struct StagedChange {
    std::size_t item = 0;
    std::size_t staged = 0;  // in `staged`
    ChangeKind change = ChangeKind::added;
  };

  std::vector<Staged> staged;  // in order of first touch in the batch
  std::vector<StagedChange> changes;
  std::vector<std::string> erasures;
  std::vector<std::string> authorities;                    // of each erasure
  std::unordered_map<std::string, std::size_t> staged_at;  // (relation? 'r' : 'e') + key

 private:
  [[noreturn]] void fail(Status status, const std::string& message, const std::string& entity) {
    throw BatchError(status, message, item_, entity);
  }

  void check_text(const std::string& text, const char* field) const {
    if (text.size() > record_.limits.max_text_bytes)
      throw Error(Status::limit, std::string(field) + " is too long");
    if (!detail::is_valid_utf8(text))
      throw Error(Status::encoding, std::string(field) + " is not valid UTF-8");
    if (const auto code = detail::first_control(text)) {
      throw Error(Status::invalid_argument,
                  std::string(field) + " contains " + detail::describe_unprintable(*code));
    }
  }

  // The fact's latest version, staged or recorded; null if it does not exist. A recorded one
  // is decoded into `latest_`, so the pointer holds until the next call.
  const FactVersion* current(const std::string& key, bool relation, FactKind* kind = nullptr) {
    if (auto found = staged_at.find((relation ? "r" : "e") + key); found != staged_at.end()) {
      if (kind) *kind = staged[found->second].kind;
      return &staged[found->second].version;
    }
    if (auto found = record_.find_fact(key, relation)) {
      const auto& fact = record_.facts[*found];
      if (kind) *kind = fact.kind;
      latest_ = record_.decode(fact.last);
      return &latest_;
    }
    return nullptr;
  }

  bool erased(const std::string& id) const {
    return record_.erased.count(id) > 0 ||
           std::find(erasures.begin(), erasures.end(), id) != erasures.end();
  }

  // Records `version` as the fact's new state and the item as a change.
  void put(const std::string& key, FactKind kind, bool relation, FactVersion version) {
    version.revision = revision_;
    version.recorded_at = batch_.recorded_at;
    const ChangeKind item_change = version.change;
    const std::string slot = (relation ? "r" : "e") + key;
    std::size_t at = staged.size();
    if (auto found = staged_at.find(slot); found != staged_at.end()) {
      at = found->second;
      // A fact added by this batch is "added" in its history, whatever later items did to it.
      if (staged[at].is_new) version.change = ChangeKind::added;
      staged[at].version = std::move(version);
      staged[at].last_item = item_;
    } else {
      staged_at[slot] = at;
      staged.push_back(Staged{key, kind, relation, !record_.find_fact(key, relation), item_,
                              std::move(version)});
    }
    changes.push_back(StagedChange{item_, at, item_change});
  }

  // An existing, unerased entity of the expected kind, for an amendment, end or retraction.
  const FactVersion& existing(const std::string& id, const FactKind* expected) {
    if (erased(id)) fail(Status::not_found, "'" + id + "' was erased", id);
    FactKind kind;
    const FactVersion* v = current(id, false, &kind);
    if (!v) fail(Status::not_found, "unknown id '" + id + "'", id);
    if (expected && kind != *expected) {
      fail(Status::invalid_data,
           "'" + id + "' is a " + std::string(to_string(kind)) + ", not a " +
               std::string(to_string(*expected)),
           id);
    }
    return *v;
  }

  template <typename T>
  void add_entity(const T& spec, bool replace) {
    const FactKind kind = kind_of_spec<T>();
    if (erased(spec.id)) fail(Status::duplicate, "'" + spec.id + "' was erased", spec.id);
    FactKind found_kind;
    const FactVersion* v = current(spec.id, false, &found_kind);
    FactVersion next;
    if (v) {
      if (!replace) fail(Status::duplicate, "duplicate id '" + spec.id + "'", spec.id);
      if (found_kind != kind) {
        fail(Status::invalid_data,
             "'" + spec.id + "' is a " + std::string(to_string(found_kind)) + ", not a " +
                 std::string(to_string(kind)),
             spec.id);
      }
      next = *v;  // keeps its ends and retraction
      next.change = ChangeKind::replaced;
    }
    next.spec = spec;
    put(spec.id, kind, false, std::move(next));
  }

  void stage_item(const PersonSpec& s) { add_entity(s, false); }
  void stage_item(const AgencySpec& s) { add_entity(s, false); }
  void stage_item(const HouseholdSpec& s) { add_entity(s, false); }
  void stage_item(const PlaceSpec& s) { add_entity(s, false); }
  void stage_item(const GroupSpec& s) { add_entity(s, false); }
  void stage_item(const ConcernSpec& s) { add_entity(s, false); }
  void stage_item(const FactorSpec& s) { add_entity(s, false); }
  void stage_item(const EventSpec& s) { add_entity(s, false); }
  void stage_item(const DiscretionaryOverrideSpec& s) { add_entity(s, false); }
  void stage_item(const EntrySpec& s) { add_entity(s, false); }
  void stage_item(const Upsert& u) {
    std::visit([this](const auto& spec) { add_entity(spec, true); }, u.spec);
  }

  void stage_item(const RelationSpec& r) {
    const std::string key = relation_key(r.kind, r.from, r.to);
    for (const auto* end : {&r.from, &r.to}) {
      if (erased(*end)) fail(Status::not_found, "'" + *end + "' was erased", *end);
    }
    const FactVersion* v = current(key, true);
    FactVersion next;
    if (v) {
      // An ended relation may start again; a live one is a duplicate, or, in a batch that
      // restates a whole case, already said.
      if (v->ended == kNoDay && v->retracted == kNoDay) {
        if (batch_.restate_relations) return;
        fail(Status::duplicate,
             "relation " + std::string(to_string(r.kind)) + " from '" + r.from + "' to '" + r.to +
                 "' already exists",
             r.from);
      }
    }
    next.spec = r;
    put(key, FactKind::relation, true, std::move(next));
  }

  void stage_item(const CalendarSpec& c) {
    FactVersion next;
    next.spec = c;
    // Each calendar change is a fact of its own, applied in order. Its key lives beside the
    // relation keys ("kind:from:to"), which it cannot collide with, not among entity ids.
    put("calendar#" + std::to_string(revision_) + "." + std::to_string(item_), FactKind::calendar,
        true, std::move(next));
  }

  template <typename T, typename Amend, typename Fill>
  void amend(const Amend& a, Fill fill) {
    const FactKind kind = kind_of_spec<T>();
    FactVersion next = existing(a.id, &kind);
    T spec = std::get<T>(next.spec);
    fill(spec);
    next.spec = std::move(spec);
    next.change = ChangeKind::amended;
    put(a.id, kind, false, std::move(next));
  }

  void stage_item(const PersonAmend& a) {
    amend<PersonSpec>(a, [&](PersonSpec& s) {
      set_if(s.kind, a.kind);
      set_if(s.dob, a.dob);
      set_if(s.flags, a.flags);
      set_if(s.household, a.household);
    });
    // A new household starts a new membership: the old one's end no longer applies.
    if (a.household) staged[staged_at["e" + a.id]].version.membership_ended = kNoDay;
  }
  void stage_item(const AgencyAmend& a) {
    amend<AgencySpec>(a, [&](AgencySpec& s) {
      set_if(s.type, a.type);
      set_if(s.name, a.name);
    });
  }
  void stage_item(const PlaceAmend& a) {
    amend<PlaceSpec>(a, [&](PlaceSpec& s) {
      set_if(s.kind, a.kind);
      set_if(s.name, a.name);
    });
  }
  void stage_item(const GroupAmend& a) {
    amend<GroupSpec>(a, [&](GroupSpec& s) {
      set_if(s.kind, a.kind);
      set_if(s.name, a.name);
    });
  }
  void stage_item(const ConcernAmend& a) {
    amend<ConcernSpec>(a, [&](ConcernSpec& s) {
      set_if(s.category, a.category);
      set_if(s.severity, a.severity);
      set_if(s.incident, a.incident);
      set_if(s.recorded, a.recorded);
      set_if(s.status, a.status);
      set_if(s.source, a.source);
      set_if(s.restricted, a.restricted);
      set_if(s.about, a.about);
      set_if(s.involves, a.involves);
      set_if(s.summary, a.summary);
    });
  }
  void stage_item(const FactorAmend& a) {
    amend<FactorSpec>(a, [&](FactorSpec& s) {
      set_if(s.kind, a.kind);
      set_if(s.strength, a.strength);
      set_if(s.start, a.start);
      set_if(s.end, a.end);
      set_if(s.provided_by, a.provided_by);
      set_if(s.protects, a.protects);
      set_if(s.summary, a.summary);
    });
  }
  void stage_item(const EventAmend& a) {
    amend<EventSpec>(a, [&](EventSpec& s) {
      set_if(s.kind, a.kind);
      set_if(s.date, a.date);
      set_if(s.about, a.about);
      set_if(s.note, a.note);
      set_if(s.decision, a.decision);
      set_if(s.category, a.category);
      set_if(s.expected, a.expected);
    });
  }
  void stage_item(const OverrideAmend& a) {
    amend<DiscretionaryOverrideSpec>(a, [&](DiscretionaryOverrideSpec& s) {
      set_if(s.direction, a.direction);
      set_if(s.date, a.date);
      set_if(s.author, a.author);
      set_if(s.reason, a.reason);
      set_if(s.approved_by, a.approved_by);
      set_if(s.approved, a.approved);
    });
  }

  void require_date(Day date, const std::string& entity) {
    if (date == kNoDay) fail(Status::invalid_data, "the date is missing", entity);
  }

  void stage_item(const EndRelation& e) {
    const std::string key = relation_key(e.kind, e.from, e.to);
    require_date(e.date, e.from);
    const FactVersion* v = current(key, true);
    if (!v) {
      fail(Status::not_found,
           "no relation " + std::string(to_string(e.kind)) + " from '" + e.from + "' to '" + e.to +
               "'",
           e.from);
    }
    if (v->ended != kNoDay) fail(Status::invalid_data, "the relation has already ended", e.from);
    FactVersion next = *v;
    next.ended = e.date;
    next.change = ChangeKind::ended;
    put(key, FactKind::relation, true, std::move(next));
  }

  void stage_item(const EndMembership& e) {
    const FactKind kind = FactKind::person;
    FactVersion next = existing(e.person, &kind);
    require_date(e.date, e.person);
    if (std::get<PersonSpec>(next.spec).household.empty())
      fail(Status::invalid_data, "the person is not a member of a household", e.person);
    if (next.membership_ended != kNoDay)
      fail(Status::invalid_data, "the household membership has already ended", e.person);
    next.membership_ended = e.date;
    next.change = ChangeKind::ended;
    put(e.person, kind, false, std::move(next));
  }

  void stage_item(const EndFactor& e) {
    const FactKind kind = FactKind::factor;
    FactVersion next = existing(e.id, &kind);
    require_date(e.date, e.id);
    std::get<FactorSpec>(next.spec).end = e.date;
    next.change = ChangeKind::ended;
    put(e.id, kind, false, std::move(next));
  }

  void stage_item(const Retract& r) {
    FactKind kind;
    if (erased(r.id)) fail(Status::not_found, "'" + r.id + "' was erased", r.id);
    const FactVersion* v = current(r.id, false, &kind);
    if (!v) fail(Status::not_found, "unknown id '" + r.id + "'", r.id);
    if (kind != FactKind::concern && kind != FactKind::factor && kind != FactKind::event &&
        kind != FactKind::discretionary_override && kind != FactKind::entry) {
      fail(Status::invalid_data,
           "only concerns, factors, events, discretionary overrides and entries can be "
           "retracted, not a " +
               std::string(to_string(kind)),
           r.id);
    }
    require_date(r.date, r.id);
    if (r.reason.empty()) fail(Status::invalid_data, "a retraction needs a reason", r.id);
    if (r.reason.size() > record_.limits.max_text_bytes || !detail::is_valid_utf8(r.reason))
      fail(Status::invalid_data, "the reason is too long or not valid UTF-8", r.id);
    if (v->retracted != kNoDay) fail(Status::invalid_data, "already retracted", r.id);
    FactVersion next = *v;
    next.retracted = r.date;
    next.retraction_reason = r.reason;
    next.change = ChangeKind::retracted;
    put(r.id, kind, false, std::move(next));
  }

  void stage_item(const Erase& e) {
    const FactKind kind = FactKind::person;
    FactVersion next = existing(e.person, &kind);
    if (e.authority.empty()) fail(Status::invalid_data, "an erasure needs an authority", e.person);
    if (e.authority.size() > record_.limits.max_text_bytes || !detail::is_valid_utf8(e.authority))
      fail(Status::invalid_data, "the authority is too long or not valid UTF-8", e.person);
    if (const auto code = detail::first_control(e.authority))
      fail(Status::invalid_data, "the authority contains " + detail::describe_unprintable(*code),
           e.person);
    next.change = ChangeKind::erased;
    put(e.person, kind, false, std::move(next));
    erasures.push_back(e.person);
    authorities.push_back(e.authority);
  }

  const Impl& record_;
  const RecordBatch& batch_;
  std::uint64_t revision_;
  std::size_t item_ = 0;
  FactVersion latest_;  // what current() last decoded
};

Record::Record() : Record(GraphLimits{}) {}
Record::Record(GraphLimits limits) : impl_(std::make_unique<Impl>()) { impl_->limits = limits; }
Record::~Record() = default;
Record::Record(Record&&) noexcept = default;
Record& Record::operator=(Record&&) noexcept = default;

std::uint64_t Record::apply(const RecordBatch& batch) { return apply(batch, Progress{}); }

std::uint64_t Record::apply(const RecordBatch& batch, const Progress& progress) {
  Impl& r = *impl_;
  RecordStager stager(r, batch);
  stager.stage();
  const std::uint64_t revision = r.revision() + 1;
  // Progress in versions: checked, then (with a store) written. Every report comes before the
  // commit, so a stop at any of them can still undo everything.
  const std::uint64_t versions = stager.staged.size();
  const std::uint64_t total = r.store ? 2 * versions : versions;
  auto report = [&](std::uint64_t done) {
    if (progress && !progress(done, total))
      throw Error(Status::cancelled, "cancelled by the progress callback");
  };
  report(0);

  // Commit tentatively, then let CaseGraph validate the state the batch produces; undo on error.
  if (batch.items.size() >= Impl::kNoVersion)
    throw Error(Status::limit, "a batch of more than 4,294,967,294 items");
  const std::size_t facts_before = r.facts.size();
  const std::size_t versions_before = r.versions.size();
  const std::size_t batches_before = r.batches.size();
  const detail::ByteArena::Mark bytes_before = r.bytes.mark();
  const detail::ByteArena::Mark keys_before = r.keys.mark();
  auto undo = [&] {
    r.batches.resize(batches_before);
    for (const auto& id : stager.erasures) r.erased.erase(id);
    for (auto& s : stager.staged) {
      auto& map = s.relation ? r.relations : r.entities;
      const auto found = r.find_fact(s.key, s.relation);
      if (!found) continue;
      Impl::Fact& fact = r.facts[*found];
      if (fact.last != Impl::kNoVersion && fact.last >= versions_before)
        fact.last = r.versions[fact.last].previous;
      if (s.is_new) map.erase(s.key, r.key_of());
    }
    r.facts.resize(facts_before);
    r.versions.resize(versions_before);
    r.bytes.rollback(bytes_before);
    r.keys.rollback(keys_before);
  };
  std::vector<Impl::Touched> touched;
  std::vector<std::string> origin;
  try {
    std::vector<std::size_t> fact_of;  // each staged fact's index in the record
    fact_of.reserve(stager.staged.size());
    for (auto& s : stager.staged) {
      auto& map = s.relation ? r.relations : r.entities;
      if (s.is_new) {
        r.facts.push_back(Impl::Fact{r.keys.append(s.key), Impl::kNoVersion, s.kind});
        map.insert(s.key, r.facts.size() - 1, r.key_of());
      }
      fact_of.push_back(r.fact_at(s.key, s.relation));
      r.keep_version(fact_of.back(), s.version);
    }
    for (const auto& id : stager.erasures) r.erased[id] = revision;
    std::vector<Impl::AuditChange> changes;
    changes.reserve(stager.changes.size());
    for (const auto& c : stager.changes) {
      changes.push_back(Impl::AuditChange{static_cast<std::uint32_t>(c.item),
                                          static_cast<std::uint32_t>(fact_of[c.staged]), c.change});
    }
    r.batches.push_back(Impl::BatchInfo{batch.recorded_at, batch.provenance, std::move(changes)});

    touched.reserve(stager.staged.size());
    for (const auto& s : stager.staged)
      touched.push_back(Impl::Touched{r.fact_at(s.key, s.relation), s.is_new});
    // The live checked graph takes the batch's changes in place, unless they cannot be made
    // there in materialise's order (then the whole state is materialised and checked, and
    // becomes the live graph). Either way CaseGraph's validator sees the state the batch makes.
    Impl::Change change;
    bool in_place = false;
    if (r.checked && stager.erasures.empty()) {
      change = r.translate(touched, kNoDay);
      in_place = !change.removes && !change.returns && !change.kind_change;
    }
    if (in_place) {
      origin = std::move(change.origin);
      r.checked->apply(change.batch);
    } else {
      auto check = std::make_unique<CaseGraph>(r.limits);
      check->apply(r.materialise(revision, kNoDay, &origin));
      r.checked = std::move(check);
    }
  } catch (const BatchError& e) {
    undo();
    // Point at the batch item that last touched the fact the graph rejected.
    std::size_t item = 0;
    std::string entity = e.where().entity;
    if (e.item() < origin.size()) {
      const std::string& key = origin[e.item()];
      for (const auto& s : stager.staged) {
        if (s.key == key) item = s.last_item;
      }
      if (entity.empty()) entity = key;
    }
    throw BatchError(e.status(), e.detail(), item, entity);
  } catch (...) {
    undo();
    throw;
  }

  Impl::Scrubbed scrubbed;
  try {
    report(versions);
    if (!stager.erasures.empty()) scrubbed = r.scrubbed_versions(stager.erasures);
    if (r.store) {
      // Room for the tombstones first, so nothing after a successful commit can fail.
      r.tombstones.reserve(r.tombstones.size() + stager.erasures.size());
      const Progress written = [&](std::uint64_t done, std::uint64_t) {
        report(versions + done);
        return true;
      };
      r.persist(stager, batch, revision, scrubbed, progress ? &written : nullptr);
    }
  } catch (...) {
    undo();
    // The live checked graph already took the batch: drop it (the next batch materialises).
    r.checked.reset();
    throw;
  }

  r.scrub(scrubbed);
  for (std::size_t i = 0; i < stager.erasures.size(); ++i) {
    // Moved, not copied: with the room reserved above, nothing here can fail after a commit.
    r.tombstones.push_back(Tombstone{std::move(stager.erasures[i]), revision, batch.recorded_at,
                                     std::move(stager.authorities[i])});
  }
  // The checked graph was built before the scrub and may still hold summaries about the
  // erased: drop it, so no copy of erased data outlives the batch (the next one materialises).
  if (!stager.erasures.empty()) r.checked.reset();
  for (const auto& s : stager.staged) {
    if (s.version.ended != kNoDay || s.version.membership_ended != kNoDay ||
        s.version.retracted != kNoDay)
      r.has_marks = true;
  }
  r.cached.reset();
  if (r.watch) r.update_watch(touched, !stager.erasures.empty());
  return revision;
}

Results Record::watch(std::shared_ptr<const RuleSet> rules, const AssessOptions& options) {
  if (!rules) throw Error(Status::invalid_argument, "watch needs a rule pack");
  auto w = std::make_unique<Impl::Watch>();
  w->rules = std::move(rules);
  w->options = options;
  impl_->rebuild(*w);
  Results all = *w->changed;
  impl_->watch = std::move(w);
  return all;
}

void Record::unwatch() noexcept { impl_->watch.reset(); }

bool Record::watching() const noexcept { return impl_->watch != nullptr; }

Results Record::changed() {
  if (!impl_->watch)
    throw Error(Status::invalid_argument, "the record is not watched: call watch() first");
  Impl::Watch& w = *impl_->watch;
  if (!w.graph || !w.changed) impl_->rebuild(w);
  return *w.changed;
}

void Record::Impl::persist(const RecordStager& stager, const RecordBatch& batch,
                           std::uint64_t revision, const Scrubbed& scrubbed,
                           const Progress* written) {
  detail::BatchWrite write;
  write.revision = revision;
  write.recorded_at = batch.recorded_at;
  write.provenance = &batch.provenance;
  const auto& erasures = stager.erasures;
  auto as_stored = [&](std::size_t index, std::uint32_t at) {
    detail::StoredVersion out = stored(index, at);
    if (auto found = scrubbed.find(at); found != scrubbed.end()) out.body = found->second;
    return out;
  };

  write.versions.reserve(stager.staged.size());
  for (const auto& s : stager.staged) {
    const std::size_t index = index_of(s.key, s.kind);
    write.versions.push_back(as_stored(index, facts[index].last));
  }
  std::sort(write.versions.begin(), write.versions.end(),
            [](const auto& a, const auto& b) { return a.fact < b.fact; });

  const auto& changes = batches[revision - 1].changes;
  write.changes.reserve(changes.size());
  for (const auto& c : changes)
    write.changes.push_back(detail::StoredChange{c.item, c.fact, c.change});
  for (std::size_t i = 0; i < erasures.size(); ++i)
    write.tombstones.push_back(detail::StoredTombstone{erasures[i], stager.authorities[i]});

  if (!scrubbed.empty()) {
    // Earlier batches were stored in fact order, kStoreChunk versions to a row: walking the
    // facts in order and counting each batch's versions finds the row of every version.
    std::vector<std::size_t> position(revision, 0);
    std::set<std::pair<std::uint64_t, std::size_t>> dirty;
    for (const Fact& fact : facts) {
      for (const std::uint32_t at : chain(fact)) {
        const std::uint64_t by = versions[at].revision;
        if (by >= revision) continue;
        const std::size_t slot = position[by]++;
        if (scrubbed.count(at)) dirty.emplace(by, slot / detail::kStoreChunk);
      }
    }
    if (!dirty.empty()) {
      std::map<std::pair<std::uint64_t, std::size_t>, detail::StoredChunk> chunks;
      std::fill(position.begin(), position.end(), 0);
      for (std::size_t index = 0; index < facts.size(); ++index) {
        for (const std::uint32_t at : chain(facts[index])) {
          const std::uint64_t by = versions[at].revision;
          if (by >= revision) continue;
          const std::pair<std::uint64_t, std::size_t> slot{by,
                                                           position[by]++ / detail::kStoreChunk};
          if (!dirty.count(slot)) continue;
          auto& chunk = chunks[slot];
          chunk.revision = slot.first;
          chunk.chunk = slot.second;
          chunk.versions.push_back(as_stored(index, at));
        }
      }
      for (auto& entry : chunks) write.rewritten.push_back(std::move(entry.second));
    }
  }
  store->commit(write, written);
}

// Rebuilds a record from its store (Record::open), checking what the store cannot: that each
// fact's versions are of its kind, in order, and that keys are unique.
class RecordLoader final : public detail::StoreLoader {
 public:
  RecordLoader(Record::Impl& record, const std::string& path) : r_(record), path_(path) {}

  // Large vectors are sized once and marked for huge pages: on a virtual machine the page
  // faults of growing them cost more than filling them (src/huge_pages.hpp).
  void reserve(std::size_t facts, std::size_t batches) override {
    detail::reserve_huge(r_.facts, facts);
    detail::reserve_huge(r_.versions, facts);  // at least one version per fact
    r_.batches.reserve(batches);
  }

  void changes(std::size_t count) override {
    detail::reserve_huge(r_.batches.back().changes, count);
  }

  void batch(RecordTime recorded_at, Provenance provenance) override {
    if (!r_.batches.empty() && recorded_at < r_.batches.back().recorded_at)
      damaged("record time goes back", std::string());
    if (r_.batches.size() >= Record::Impl::kNoVersion) damaged("too many batches", std::string());
    r_.batches.push_back(Record::Impl::BatchInfo{recorded_at, std::move(provenance), {}});
  }

  // The version is kept as the bytes it was stored as; the facts' indices are built once
  // every fact is known (finish), each sized once.
  void version(std::size_t fact, const std::string_view* key, FactKind kind, std::uint64_t revision,
               const detail::VersionMarks& marks, std::string_view body) override {
    if (key) {
      if (r_.facts.size() >= Record::Impl::kNoVersion) damaged("too many facts", std::string(*key));
      r_.facts.push_back(Record::Impl::Fact{r_.keys.append(*key), Record::Impl::kNoVersion, kind});
    }
    auto& f = r_.facts[fact];
    if (marks.kind != f.kind)
      damaged("a version of another kind than its fact", std::string(r_.key(f)));
    if (f.last != Record::Impl::kNoVersion && r_.versions[f.last].revision >= revision)
      damaged("two versions of a fact in one batch", std::string(r_.key(f)));
    if (marks.ended != kNoDay || marks.membership_ended != kNoDay || marks.retracted != kNoDay)
      r_.has_marks = true;
    r_.keep_version(fact, revision, body);
  }

  void change(std::size_t item, std::size_t fact, ChangeKind change) override {
    if (item >= Record::Impl::kNoVersion)
      damaged("a change of an item out of range", std::string());
    r_.batches.back().changes.push_back(Record::Impl::AuditChange{
        static_cast<std::uint32_t>(item), static_cast<std::uint32_t>(fact), change});
  }

  // Indexes every fact by its key, entities and relations each sized for their count.
  void finish() {
    std::size_t relations = 0;
    for (const auto& f : r_.facts) relations += keyed_as_relation(f.kind) ? 1 : 0;
    r_.relations.reserve(relations);
    r_.entities.reserve(r_.facts.size() - relations);
    // Each fact's slot fetched a few facts ahead: a cache miss per fact otherwise, once the
    // indexes outgrow the cache (docs/performance.md, "Reopening a store").
    detail::insert_prefetched(
        r_.facts.size(), [&](std::size_t at) { return r_.key(r_.facts[at]); },
        [&](std::size_t at) {
          return keyed_as_relation(r_.facts[at].kind) ? &r_.relations : &r_.entities;
        },
        r_.key_of(),
        [&](std::size_t at) { damaged("a fact stored twice", std::string(r_.key(r_.facts[at]))); });
  }

  void tombstone(std::uint64_t revision, std::string person, std::string authority) override {
    if (!r_.erased.emplace(person, revision).second) damaged("a person erased twice", person);
    r_.tombstones.push_back(Tombstone{std::move(person), revision,
                                      r_.batches[revision - 1].recorded_at, std::move(authority)});
  }

 private:
  [[noreturn]] void damaged(const char* what, const std::string& entity) const {
    throw Error(Status::invalid_data, std::string("the store is damaged: ") + what,
                Location(path_, 0, 0, entity));
  }

  Record::Impl& r_;
  const std::string& path_;
};

Record Record::open(const std::string& path, GraphLimits limits, StoreOpen mode) {
  return open(path, limits, mode, Progress{});
}

Record Record::open(const std::string& path, GraphLimits limits, StoreOpen mode,
                    const Progress& progress) {
  Record record(limits);
  auto store = std::make_unique<detail::RecordStore>(path, mode);
  RecordLoader loader(*record.impl_, store->path());
  store->load(loader, &progress);
  loader.finish();
  record.impl_->store = std::move(store);
  return record;
}

const std::string& Record::store_path() const noexcept {
  static const std::string kInMemory;
  return impl_->store ? impl_->store->path() : kInMemory;
}

std::uint64_t Record::revision() const noexcept { return impl_->revision(); }

std::uint64_t Record::revision_at(RecordTime known_at) const noexcept {
  const auto& b = impl_->batches;
  // recorded_at never decreases, so the batches known at `known_at` are a prefix.
  auto after = std::upper_bound(
      b.begin(), b.end(), known_at,
      [](RecordTime k, const Impl::BatchInfo& info) { return k < info.recorded_at; });
  return static_cast<std::uint64_t>(after - b.begin());
}

std::shared_ptr<const CaseGraph> Record::graph(Day as_of, RecordTime known_at) const {
  const Impl& r = *impl_;
  const std::uint64_t revision = revision_at(known_at);
  const Day key = r.has_marks ? as_of : kNoDay;
  if (!r.cached || r.cached_revision != revision || r.cached_as_of != key) {
    r.cached = r.build(revision, key);
    r.cached_revision = revision;
    r.cached_as_of = key;
  }
  return r.cached;
}

std::shared_ptr<const Snapshot> Record::snapshot(Day as_of, RecordTime known_at) const {
  return take_snapshot(*graph(as_of, known_at));
}

Results Record::assess(std::shared_ptr<const RuleSet> rules,
                       const RecordAssessOptions& options) const {
  AssessOptions assess_options;
  assess_options.as_of = options.as_of;
  assess_options.threads = options.threads;
  assess_options.process = options.process;
  assess_options.explanations = options.explanations;
  return safeguard::assess(std::move(rules), snapshot(options.as_of, options.known_at),
                           assess_options);
}

std::optional<FactView> Record::get(std::string_view id, RecordTime known_at) const {
  const Impl& r = *impl_;
  const std::uint64_t revision = revision_at(known_at);
  const auto found = r.find_any(id);
  if (!found) return std::nullopt;
  const auto& fact = r.facts[*found];
  const std::uint32_t at = r.version_at(fact, revision);
  if (at == Impl::kNoVersion) return std::nullopt;
  std::string fact_id(r.key(fact));
  const bool erased = r.erased_by(fact_id, revision);
  return FactView{std::move(fact_id), fact.kind, r.decode(at), erased};
}

std::vector<FactVersion> Record::history(std::string_view id) const {
  const Impl& r = *impl_;
  const auto found = r.find_any(id);
  if (!found) return {};
  std::vector<FactVersion> out;
  for (const std::uint32_t at : r.chain(r.facts[*found])) out.push_back(r.decode(at));
  return out;
}

std::size_t Record::change_count(std::uint64_t since) const noexcept {
  std::size_t count = 0;
  const auto& b = impl_->batches;
  for (std::size_t i = std::min<std::uint64_t>(since, b.size()); i < b.size(); ++i)
    count += b[i].changes.size();
  return count;
}

std::vector<AuditEntry> Record::changes_since(std::uint64_t since) const {
  std::vector<AuditEntry> out;
  const auto& b = impl_->batches;
  for (std::size_t i = std::min<std::uint64_t>(since, b.size()); i < b.size(); ++i) {
    for (const auto& change : b[i].changes) out.push_back(impl_->audit_entry(i, change));
  }
  return out;
}

std::vector<AuditEntry> Record::trail(std::string_view id) const {
  const Impl& r = *impl_;
  // The facts the id names: an entity, or every calendar change for "calendar".
  std::vector<bool> named(r.facts.size(), false);
  bool any = false;
  if (id == "calendar") {
    for (std::size_t f = 0; f < r.facts.size(); ++f) {
      if (r.facts[f].kind == FactKind::calendar) named[f] = any = true;
    }
  }
  for (const bool relation : {false, true}) {
    if (auto found = r.find_fact(id, relation)) {
      if (r.facts[*found].kind != FactKind::calendar) named[*found] = any = true;
    }
  }
  std::vector<AuditEntry> out;
  if (!any) return out;
  for (std::size_t i = 0; i < r.batches.size(); ++i) {
    for (const auto& change : r.batches[i].changes) {
      if (named[change.fact]) out.push_back(r.audit_entry(i, change));
    }
  }
  return out;
}

std::vector<AuditEntry> Record::batch_trail(std::uint64_t revision) const {
  if (revision == 0 || revision > impl_->batches.size())
    throw Error(Status::out_of_range, "no batch " + std::to_string(revision));
  std::vector<AuditEntry> out;
  for (const auto& change : impl_->batches[revision - 1].changes)
    out.push_back(impl_->audit_entry(revision - 1, change));
  return out;
}

const Provenance& Record::provenance(std::uint64_t revision) const {
  if (revision == 0 || revision > impl_->batches.size())
    throw Error(Status::out_of_range, "no batch " + std::to_string(revision));
  return impl_->batches[revision - 1].provenance;
}

RecordTime Record::recorded_at(std::uint64_t revision) const {
  if (revision == 0 || revision > impl_->batches.size())
    throw Error(Status::out_of_range, "no batch " + std::to_string(revision));
  return impl_->batches[revision - 1].recorded_at;
}

const std::vector<Tombstone>& Record::tombstones() const noexcept { return impl_->tombstones; }

// ---- Importing a case file ----------------------------------------------------------------

namespace {

// Whether the record's graph holds the item as it is (form(), with nothing erased, ended or
// retracted): a concern, factor or event about no one is left out of it.
template <typename T>
bool held_whole(const T& spec) {
  if constexpr (std::is_same_v<T, ConcernSpec> || std::is_same_v<T, EventSpec>) {
    return !spec.about.empty();
  } else if constexpr (std::is_same_v<T, FactorSpec>) {
    return !spec.protects.empty();
  } else {
    return true;
  }
}

bool same_limits(const GraphLimits& a, const GraphLimits& b) {
  return std::tie(a.max_id_bytes, a.max_text_bytes, a.max_vertices, a.max_list_items,
                  a.max_records) == std::tie(b.max_id_bytes, b.max_text_bytes, b.max_vertices,
                                             b.max_list_items, b.max_records);
}

}  // namespace

// Keeps a case file's items, as a streamed read hands them over (detail::stream_case), in a
// record of their own: its first batch, exactly as RecordStager and Record::apply make it from
// to_record_batch or to_upsert_batch of the file's batch (into an empty record every item is an
// addition, and an upsert adds too). It refuses whatever that path would treat otherwise, so
// that the batch path decides and names what is wrong: an item other than an entity, relation
// or calendar; an id or relation met before in the file; an item the record's graph would leave
// out (held_whole), since the graph being built alongside has it.
class ImportKeeper final : public detail::ItemKeeper {
 public:
  using Impl = Record::Impl;

  ImportKeeper(const GraphLimits& limits, RecordTime recorded_at, const Provenance& provenance)
      : limits_(limits), recorded_at_(recorded_at), provenance_(provenance) {
    version_.revision = 1;
    version_.recorded_at = recorded_at;
    restart();
  }

  void reserve(const detail::ItemCounts& counts) override {
    std::size_t items = 0;
    for (const std::size_t count : counts) items += count;
    // Room as address space, filled as items come (huge_pages.hpp).
    detail::reserve_huge(kept_->facts, items);
    detail::reserve_huge(kept_->versions, items);
    detail::reserve_huge(kept_->batches.back().changes, items);
  }

  bool keep(Edit&& item) override {
    if (item_ + 1 >= Impl::kNoVersion) return false;  // Record::apply's limit on a batch
    return std::visit([this](auto& spec) { return keep_spec(spec); }, item);
  }

  void restart() override {
    kept_ = std::make_unique<Impl>();
    kept_->limits = limits_;
    kept_->batches.push_back(Impl::BatchInfo{recorded_at_, provenance_, {}});
    item_ = 0;
  }

  std::unique_ptr<Impl> take() { return std::move(kept_); }

 private:
  template <typename T>
  bool keep_spec(T& spec) {
    if constexpr (std::is_constructible_v<EntitySpec, T>) {
      return held_whole(spec) && add(spec.id, kind_of_spec<T>(), false, spec);
    } else if constexpr (std::is_same_v<T, RelationSpec>) {
      return add(relation_key(spec.kind, spec.from, spec.to), FactKind::relation, true, spec);
    } else if constexpr (std::is_same_v<T, CalendarSpec>) {
      // The key RecordStager gives a calendar change of batch 1.
      return add("calendar#1." + std::to_string(item_), FactKind::calendar, true, spec);
    } else {
      return false;
    }
  }

  template <typename T>
  bool add(std::string_view key, FactKind kind, bool relation, T& spec) {
    Impl& r = *kept_;
    const std::size_t fact = r.facts.size();
    r.facts.push_back(Impl::Fact{r.keys.append(key), Impl::kNoVersion, kind});
    if (!(relation ? r.relations : r.entities).insert(key, fact, r.key_of())) return false;
    version_.spec = std::move(spec);
    writer_.out.clear();
    detail::write_version_body(writer_, version_);
    r.keep_version(fact, 1, writer_.out);
    r.batches.back().changes.push_back(Impl::AuditChange{
        static_cast<std::uint32_t>(item_), static_cast<std::uint32_t>(fact), ChangeKind::added});
    ++item_;
    return true;
  }

  GraphLimits limits_;
  RecordTime recorded_at_;
  const Provenance& provenance_;
  std::unique_ptr<Impl> kept_;
  std::size_t item_ = 0;
  FactVersion version_;    // the version being kept: an addition in batch 1
  detail::Writer writer_;  // its encoding, the buffer reused
};

struct CaseImport::Impl {
  CaseImportOptions options;
  std::string name;       // the file's name in errors, or its path
  std::string_view text;  // the caller's text, unless read from the file at `name`
  bool from_file = false;
  // Read for an empty record: its first batch, kept (ImportKeeper), for a record of `limits`.
  std::unique_ptr<Record::Impl> kept;
  GraphLimits limits;
  // Otherwise the file's batch.
  std::optional<Batch> batch;
  bool applied = false;

  Batch parse(const Progress& progress) const {
    return from_file ? detail::parse_case_file(name, options.limits, progress)
                     : parse_case(text, name, options.limits, progress);
  }

  // Whether `record` takes the file as kept: it holds nothing and watches nothing, and the
  // batch's provenance and record time pass RecordStager's checks (else apply says why).
  bool keeps_for(const Record::Impl& record) const {
    if (!record.batches.empty() || record.watch) return false;
    RecordBatch probe;
    probe.recorded_at = options.recorded_at;
    probe.provenance = options.provenance;
    try {
      RecordStager(record, probe).stage();
    } catch (const Error&) {
      return false;
    }
    return true;
  }

  void read(const Record::Impl& record, const Progress& progress) {
    if (keeps_for(record)) {
      ImportKeeper keeper(record.limits, options.recorded_at, options.provenance);
      bool whole = false;
      {
        // The graph the record would check the batch on, built as the items come; dropped
        // once built (the record builds its own for the next batch).
        CaseGraph graph(record.limits);
        whole = from_file
                    ? detail::stream_case_file(graph, keeper, name, options.limits, progress)
                    : detail::stream_case(graph, keeper, text, name, options.limits, progress);
      }
      if (whole) {
        kept = keeper.take();
        limits = record.limits;
        return;
      }
    }
    // Read again from the start: the progress reports start again too.
    batch = parse(progress);
  }

  // Makes the kept batch `record`'s first, committed to its store if it has one, as
  // Record::apply would: the same reports to `progress`, the same store contents.
  std::uint64_t adopt(Record::Impl& r, const Progress& progress) {
    Record::Impl& k = *kept;
    const std::uint64_t versions = k.versions.size();
    const std::uint64_t total = r.store ? 2 * versions : versions;
    auto report = [&](std::uint64_t done) {
      if (progress && !progress(done, total))
        throw Error(Status::cancelled, "cancelled by the progress callback");
    };
    report(0);
    report(versions);  // checked as they were read
    if (r.store) {
      detail::BatchWrite write;
      write.revision = 1;
      write.recorded_at = k.batches[0].recorded_at;
      write.provenance = &k.batches[0].provenance;
      write.versions.reserve(k.facts.size());
      for (std::size_t fact = 0; fact < k.facts.size(); ++fact)
        write.versions.push_back(k.stored(fact, k.facts[fact].last));
      const auto& changes = k.batches[0].changes;
      write.changes.reserve(changes.size());
      for (const auto& c : changes)
        write.changes.push_back(detail::StoredChange{c.item, c.fact, c.change});
      const Progress written = [&](std::uint64_t done, std::uint64_t) {
        report(versions + done);
        return true;
      };
      r.store->commit(write, progress ? &written : nullptr);
    }
    // Committed: nothing below can fail.
    r.facts = std::move(k.facts);
    r.keys = std::move(k.keys);
    r.versions = std::move(k.versions);
    r.bytes = std::move(k.bytes);
    r.entities = std::move(k.entities);
    r.relations = std::move(k.relations);
    r.batches = std::move(k.batches);
    r.checked.reset();  // as after reopening a store: the next batch materialises
    r.cached.reset();
    kept.reset();
    return 1;
  }
};

CaseImport::CaseImport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CaseImport::~CaseImport() = default;
CaseImport::CaseImport(CaseImport&&) noexcept = default;
CaseImport& CaseImport::operator=(CaseImport&&) noexcept = default;

CaseImport CaseImport::read(const Record& record, std::string_view text, const std::string& name,
                            CaseImportOptions options, const Progress& progress) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->name = name;
  impl->text = text;
  impl->read(*record.impl_, progress);
  return CaseImport(std::move(impl));
}

CaseImport CaseImport::read_file(const Record& record, const std::string& path,
                                 CaseImportOptions options, const Progress& progress) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->name = path;
  impl->from_file = true;
  impl->read(*record.impl_, progress);
  return CaseImport(std::move(impl));
}

bool CaseImport::kept_as_read() const noexcept { return impl_->kept != nullptr; }

std::uint64_t CaseImport::apply(Record& record, const Progress& progress) {
  Impl& i = *impl_;
  if (i.applied) throw Error(Status::misuse, "the case file was already applied");
  i.applied = true;
  Record::Impl& r = *record.impl_;
  if (i.kept) {
    if (r.batches.empty() && !r.watch && same_limits(r.limits, i.limits))
      return i.adopt(r, progress);
    // Not the empty record it was read for: as a batch after all.
    i.kept.reset();
    i.batch = i.parse(Progress{});
  }
  Batch batch = std::move(*i.batch);
  i.batch.reset();
  RecordBatch edits =
      i.options.upsert
          ? to_upsert_batch(std::move(batch), i.options.recorded_at, i.options.provenance)
          : to_record_batch(std::move(batch), i.options.recorded_at, i.options.provenance);
  return record.apply(edits, progress);
}

std::string audit_json(const std::vector<AuditEntry>& entries) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : entries) {
    out.push_back({{"revision", e.revision},
                   {"recorded_at", e.recorded_at},
                   {"item", e.item},
                   {"fact", e.fact},
                   {"kind", std::string(to_string(e.fact_kind))},
                   {"change", std::string(to_string(e.change))},
                   {"author", e.provenance.author},
                   {"reason", e.provenance.reason},
                   {"source_system", e.provenance.source_system},
                   {"source_reference", e.provenance.source_reference}});
  }
  return out.dump(2) + "\n";
}

namespace {
std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}
}  // namespace

std::string audit_csv(const std::vector<AuditEntry>& entries) {
  std::string out =
      "revision,recorded_at,item,fact,kind,change,author,reason,source_system,source_reference\r\n";
  for (const auto& e : entries) {
    out += std::to_string(e.revision) + "," + std::to_string(e.recorded_at) + "," +
           std::to_string(e.item) + "," + csv_field(e.fact) + "," +
           csv_field(to_string(e.fact_kind)) + "," + csv_field(to_string(e.change)) + "," +
           csv_field(e.provenance.author) + "," + csv_field(e.provenance.reason) + "," +
           csv_field(e.provenance.source_system) + "," + csv_field(e.provenance.source_reference) +
           "\r\n";
  }
  return out;
}

namespace {

std::string iso(Day day) { return day == kNoDay ? std::string() : format_iso_date(day); }

void put_date(nlohmann::json& out, const char* name, Day day) {
  out[name] = day == kNoDay ? nlohmann::json(nullptr) : nlohmann::json(iso(day));
}

nlohmann::json spec_json(const Spec& spec) {
  nlohmann::json out;
  std::visit(
      [&](const auto& s) {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, PersonSpec>) {
          out["id"] = s.id;
          out["kind"] = std::string(to_string(s.kind));
          put_date(out, "dob", s.dob);
          out["flags"] = s.flags;
          out["household"] = s.household;
        } else if constexpr (std::is_same_v<T, AgencySpec>) {
          out = {{"id", s.id}, {"type", s.type}, {"name", s.name}};
        } else if constexpr (std::is_same_v<T, HouseholdSpec>) {
          out = {{"id", s.id}};
        } else if constexpr (std::is_same_v<T, PlaceSpec> || std::is_same_v<T, GroupSpec>) {
          out = {{"id", s.id}, {"kind", s.kind}, {"name", s.name}};
        } else if constexpr (std::is_same_v<T, ConcernSpec>) {
          out["id"] = s.id;
          out["category"] = s.category;
          out["severity"] = s.severity;
          put_date(out, "incident", s.incident);
          put_date(out, "recorded", s.recorded);
          out["status"] = std::string(to_string(s.status));
          out["source"] = s.source;
          out["restricted"] = s.restricted;
          out["about"] = s.about;
          out["involves"] = s.involves;
          out["summary"] = s.summary;
        } else if constexpr (std::is_same_v<T, FactorSpec>) {
          out["id"] = s.id;
          out["kind"] = s.kind;
          out["strength"] = s.strength;
          put_date(out, "start", s.start);
          put_date(out, "end", s.end);
          out["provided_by"] = s.provided_by;
          out["protects"] = s.protects;
          out["summary"] = s.summary;
        } else if constexpr (std::is_same_v<T, EventSpec>) {
          out["id"] = s.id;
          out["kind"] = std::string(to_string(s.kind));
          put_date(out, "date", s.date);
          out["about"] = s.about;
          out["note"] = s.note;
          if (s.decision != EventDecision::none)
            out["decision"] = std::string(to_string(s.decision));
          if (!s.category.empty()) out["category"] = s.category;
          if (s.expected != kNoDay) put_date(out, "expected", s.expected);
        } else if constexpr (std::is_same_v<T, DiscretionaryOverrideSpec>) {
          out["id"] = s.id;
          out[s.child.empty() ? "adult" : "child"] = s.person();
          out["direction"] = std::string(to_string(s.direction));
          put_date(out, "date", s.date);
          out["author"] = s.author;
          out["reason"] = s.reason;
          if (!s.approved_by.empty()) out["approved_by"] = s.approved_by;
          if (s.approved != kNoDay) put_date(out, "approved", s.approved);
        } else if constexpr (std::is_same_v<T, RelationSpec>) {
          out = {{"kind", std::string(to_string(s.kind))}, {"from", s.from}, {"to", s.to}};
        } else if constexpr (std::is_same_v<T, EntrySpec>) {
          out["id"] = s.id;
          out["kind"] = std::string(to_string(s.kind));
          put_date(out, "date", s.date);
          out["about"] = s.about;
          out["author"] = s.author;
          out["text"] = s.text;
          if (s.value != kNoScalingValue) out["value"] = s.value;
          if (!s.question.empty()) out["question"] = s.question;
          if (!s.source.empty()) out["source"] = s.source;
          if (s.restricted) out["restricted"] = true;
        } else if constexpr (std::is_same_v<T, CalendarSpec>) {
          if (s.nation) out["nation"] = std::string(to_string(*s.nation));
          std::vector<std::string> closures;
          for (Day day : s.closures) closures.push_back(iso(day));
          out["closures"] = closures;
        }
      },
      spec);
  return out;
}

}  // namespace

std::string versions_json(const std::vector<FactVersion>& versions) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& v : versions) {
    nlohmann::json entry = {{"revision", v.revision},
                            {"recorded_at", v.recorded_at},
                            {"change", std::string(to_string(v.change))},
                            {"kind", std::string(to_string(kind_of(v.spec)))},
                            {"fields", spec_json(v.spec)}};
    put_date(entry, "ended", v.ended);
    put_date(entry, "membership_ended", v.membership_ended);
    put_date(entry, "retracted", v.retracted);
    entry["retraction_reason"] = v.retraction_reason;
    out.push_back(std::move(entry));
  }
  return out.dump(2) + "\n";
}

RecordBatch to_record_batch(Batch batch, RecordTime recorded_at, Provenance provenance) {
  RecordBatch out;
  out.recorded_at = recorded_at;
  out.provenance = std::move(provenance);
  out.items.reserve(batch.items.size());
  for (std::size_t i = 0; i < batch.items.size(); ++i) {
    std::visit(
        [&](auto& edit) {
          using T = std::decay_t<decltype(edit)>;
          if constexpr (std::is_same_v<T, AmendConcern>) {
            out.items.emplace_back(Upsert{std::move(edit.concern)});
          } else if constexpr (std::is_same_v<T, RetractConcern>) {
            throw BatchError(Status::invalid_data,
                             "a retraction in the record needs a date and a reason", i, edit.id);
          } else if constexpr (std::is_same_v<T, ErasePerson>) {
            throw BatchError(Status::invalid_data, "an erasure in the record needs an authority", i,
                             edit.id);
          } else if constexpr (!std::is_constructible_v<RecordEdit, T>) {
            // Replace, Remove, RemoveRelation: the record says why (upsert, end, retract).
            throw BatchError(Status::invalid_data,
                             "the record takes upserts, ends and retractions, not graph edits "
                             "that replace or remove",
                             i, "");
          } else {
            out.items.emplace_back(std::move(edit));
          }
        },
        batch.items[i]);
  }
  return out;
}

RecordBatch to_upsert_batch(Batch batch, RecordTime recorded_at, Provenance provenance) {
  RecordBatch out = to_record_batch(std::move(batch), recorded_at, std::move(provenance));
  out.restate_relations = true;
  for (RecordEdit& item : out.items) {
    std::visit(
        [&](auto& edit) {
          using T = std::decay_t<decltype(edit)>;
          if constexpr (!std::is_same_v<T, Upsert> && std::is_constructible_v<EntitySpec, T>) {
            item = Upsert{EntitySpec(std::move(edit))};
          }
        },
        item);
  }
  return out;
}

}  // namespace safeguard
