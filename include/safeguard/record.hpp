// Record: the living record of a case. It keeps every version of every fact with two times
// (valid time: when it was true in the world; record time: when the library learnt it), the
// provenance of every batch, and tombstones for erasures, and builds the CaseGraph that was
// known at any record time, as of any valid date, for assessment.
//
// History model (why it is shaped this way):
// - A fact is an entity (person, agency, household, place, group, concern, factor, process
//   event, discretionary override), a declared relation (keyed by kind and its two ends) or a
//   calendar change. Each fact keeps a list of versions; a version is the fact's whole state
//   after one batch (its spec plus valid-time marks: an end date, a retraction date and reason,
//   a household membership's end), stamped with the batch's revision and `recorded_at`.
//   Versions are only ever appended, so what was known at K never changes afterwards.
// - The CaseGraph stays what it was: a plain, current-state graph that knows nothing of time.
//   The record *materialises* a graph for (as_of D, known_at K): the latest version of each fact
//   recorded at or before K, with ends and retractions dated on or before D in effect, added to
//   an empty graph in a fixed order (by kind, then by first appearance). The same (D, K) always
//   gives the same graph, hence bit-identical results, whatever is recorded later.
// - A batch is validated by materialising the state it would produce and letting CaseGraph's
//   own validator check it, so every rule the graph enforces (ids, limits, references, kinds)
//   holds for the record too, and a rejected batch leaves the record untouched.
// - Erasure (data protection) is the one edit that rewrites the past: it scrubs the person's
//   date of birth and flags, and the summaries, notes and reasons of what was about them, from
//   every version, drops the person from graphs known at or after the erasure, and leaves a
//   tombstone (when, on whose authority).
//
// Cost: a batch is checked against a live graph of the latest state, edited in place, so
// applying one costs time in proportion to what it touches; a batch with an erasure, or one
// that turns a person child or adult, is checked on a graph materialised afresh (linear in the
// record). graph(D, K) materialises (linear in the record); the last one asked for is cached.
// watch() keeps a second live graph, as of one date, and rescores only the children each batch
// can reach (docs/record.md, "Incremental results").
//
// Durability: Record::open keeps a record in an SQLite store, one transaction per batch
// (src/record_store.hpp); a record made with the constructor lives in memory only.
#pragma once

#include "safeguard/detail/export.hpp"

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "safeguard/assess.hpp"
#include "safeguard/graph.hpp"
#include "safeguard/io.hpp"  // CaseFileLimits
#include "safeguard/progress.hpp"

namespace safeguard {

// Record time: seconds since 1970-01-01T00:00:00Z, supplied by the caller with each batch
// (never read from the clock, so a replayed history reproduces).
using RecordTime = std::int64_t;
inline constexpr RecordTime kEverythingKnown = std::numeric_limits<RecordTime>::max();
// A batch's record time lies in the years dates may (1900 to 2200, day.hpp): from
// 1900-01-01T00:00:00Z up to, not including, 2201-01-01T00:00:00Z. Anything else is a unit
// mistake (milliseconds, a wrapped integer), and a time near the int64 limit would close the
// record to every later batch.
inline constexpr RecordTime kFirstRecordTime = -2208988800;
inline constexpr RecordTime kRecordTimeLimit = 7289654400;

// Who recorded a batch and why. `author` is an id or role, never a person's name.
struct Provenance {
  std::string author;
  std::string reason;
  std::string source_system;
  std::string source_reference;
};

// ---- Record edits -------------------------------------------------------------------------
// The plain specs of graph.hpp add an entity or relation (the id must be new). The items below
// add the rest: upsert, amend, end, retract, erase.

// Any entity spec an upsert may carry.
using EntitySpec =
    std::variant<PersonSpec, AgencySpec, HouseholdSpec, PlaceSpec, GroupSpec, ConcernSpec,
                 FactorSpec, EventSpec, DiscretionaryOverrideSpec, EntrySpec>;

// Adds the entity, or replaces every field of the existing one with the same id (same kind).
struct Upsert {
  EntitySpec spec;
};

// Amendments change only the fields given; lists given replace the whole list.
struct PersonAmend {
  std::string id;
  std::optional<PersonKind> kind;
  std::optional<Day> dob;
  std::optional<std::vector<std::string>> flags;
  std::optional<std::string> household;  // empty: no household
};
struct AgencyAmend {
  std::string id;
  std::optional<std::string> type;
  std::optional<std::string> name;
};
struct PlaceAmend {
  std::string id;
  std::optional<std::string> kind;
  std::optional<std::string> name;
};
struct GroupAmend {
  std::string id;
  std::optional<std::string> kind;
  std::optional<std::string> name;
};
struct ConcernAmend {
  std::string id;
  std::optional<std::string> category;
  std::optional<int> severity;
  std::optional<Day> incident;
  std::optional<Day> recorded;
  std::optional<ConcernStatus> status;
  std::optional<std::string> source;
  std::optional<bool> restricted;
  std::optional<std::vector<std::string>> about;
  std::optional<std::vector<std::string>> involves;
  std::optional<std::string> summary;
};
struct FactorAmend {
  std::string id;
  std::optional<std::string> kind;
  std::optional<int> strength;
  std::optional<Day> start;
  std::optional<Day> end;
  std::optional<std::string> provided_by;
  std::optional<std::vector<std::string>> protects;
  std::optional<std::string> summary;
};
struct EventAmend {
  std::string id;
  std::optional<EventKind> kind;
  std::optional<Day> date;
  std::optional<std::vector<std::string>> about;
  std::optional<std::string> note;
  std::optional<EventDecision> decision;  // EventDecision::none clears it
  std::optional<std::string> category;    // "" clears it
  std::optional<Day> expected;            // kNoDay clears it
};
struct OverrideAmend {
  std::string id;
  std::optional<OverrideDirection> direction;
  std::optional<Day> date;
  std::optional<std::string> author;
  std::optional<std::string> reason;
  std::optional<std::string> approved_by;  // "" with kNoDay withdraws an approval
  std::optional<Day> approved;
};

// A declared relation (parent_of, sibling_of, member_of a group, frequents a place...) stops
// on `date`: as of that date and after it is absent; before it, present. Kept, not deleted.
struct EndRelation {
  RelationKind kind = RelationKind::parent_of;
  std::string from;
  std::string to;
  Day date = kNoDay;
};

// A person's household membership ends on `date`.
struct EndMembership {
  std::string person;
  Day date = kNoDay;
};

// A protective factor ends on `date` (its end date, which scoring reads).
struct EndFactor {
  std::string id;
  Day date = kNoDay;
};

// A concern, factor, process event or discretionary override is withdrawn from `date` on (a
// concern shows as retracted; the others are absent), with a reason. Assessments as of an
// earlier date still see it; date it on the incident to withdraw it from the start.
struct Retract {
  std::string id;
  Day date = kNoDay;
  std::string reason;
};

// Removes a person's personal data from every version and leaves a tombstone. `authority` is
// the id or role on whose authority the erasure was made.
struct Erase {
  std::string person;
  std::string authority;
};

using RecordEdit =
    std::variant<PersonSpec, AgencySpec, HouseholdSpec, PlaceSpec, GroupSpec, ConcernSpec,
                 FactorSpec, RelationSpec, EventSpec, DiscretionaryOverrideSpec, CalendarSpec,
                 Upsert, PersonAmend, AgencyAmend, PlaceAmend, GroupAmend, ConcernAmend,
                 FactorAmend, EventAmend, OverrideAmend, EndRelation, EndMembership, EndFactor,
                 Retract, Erase, EntrySpec>;

struct RecordBatch {
  RecordTime recorded_at = 0;
  Provenance provenance;
  std::vector<RecordEdit> items;
  // A relation the record already holds (live) is kept as it is rather than refused as a
  // duplicate: the batch restates a whole case (to_upsert_batch) rather than adding to it.
  bool restate_relations = false;

  template <typename Item>
  RecordBatch& add(Item item) {
    items.emplace_back(std::move(item));
    return *this;
  }
};

// ---- History and audit --------------------------------------------------------------------

enum class ChangeKind : std::uint8_t { added, replaced, amended, ended, retracted, erased };
SAFEGUARD_EXPORT std::string_view to_string(ChangeKind kind) noexcept;

// What kind of fact a history entry is about.
enum class FactKind : std::uint8_t {
  person,
  agency,
  household,
  place,
  group,
  concern,
  factor,
  event,
  discretionary_override,
  relation,
  calendar,
  entry,  // a recorded entry (child's voice, parent's view, scaling...)
};
SAFEGUARD_EXPORT std::string_view to_string(FactKind kind) noexcept;

// A fact's state after one batch.
struct FactVersion {
  std::uint64_t revision = 0;  // the batch that recorded it (1 for the first batch)
  RecordTime recorded_at = 0;
  ChangeKind change = ChangeKind::added;
  // The spec: an EntitySpec alternative, or RelationSpec, or CalendarSpec.
  std::variant<PersonSpec, AgencySpec, HouseholdSpec, PlaceSpec, GroupSpec, ConcernSpec, FactorSpec,
               EventSpec, DiscretionaryOverrideSpec, RelationSpec, CalendarSpec, EntrySpec>
      spec;
  Day ended = kNoDay;             // relations: absent as of this date
  Day membership_ended = kNoDay;  // persons: household membership ends on this date
  Day retracted = kNoDay;         // withdrawn as of this date
  std::string retraction_reason;
};

// One line of the audit trail: which batch changed which fact, how, when, by whom and why.
struct AuditEntry {
  std::uint64_t revision = 0;
  RecordTime recorded_at = 0;
  Provenance provenance;
  std::size_t item = 0;  // the batch item that made the change
  std::string fact;      // entity id; relations "kind:from:to"; the calendar "calendar"
  FactKind fact_kind = FactKind::person;
  ChangeKind change = ChangeKind::added;
};

// Left by erasure: that a person was erased, when, and on whose authority. No personal data.
struct Tombstone {
  std::string id;
  std::uint64_t revision = 0;
  RecordTime recorded_at = 0;
  std::string authority;
};

// What an entity looked like as known at some record time.
struct FactView {
  std::string id;
  FactKind kind = FactKind::person;
  FactVersion version;
  bool erased = false;  // the person was erased at or before that record time
};

struct RecordAssessOptions {
  Day as_of = 0;
  RecordTime known_at = kEverythingKnown;
  unsigned threads = 1;
  // The statutory process the timelines follow; null: the bundled one of the case's nation.
  std::shared_ptr<const Process> process;
  // Whether the batch keeps every child's lines or writes them on first read (assess.hpp).
  Explanations explanations = Explanations::eager;
};

// What Record::open does when no store exists at the path.
enum class StoreOpen : std::uint8_t { create_if_missing, must_exist };

// A Record is used by one thread at a time (graph() fills a cache); the graphs, snapshots and
// results it hands out are immutable and may be shared freely.
class SAFEGUARD_EXPORT Record {
 public:
  Record();
  explicit Record(GraphLimits limits);
  ~Record();
  Record(Record&&) noexcept;
  Record& operator=(Record&&) noexcept;

  // A record kept in the durable store at `path` (an SQLite database; docs/record.md, "The
  // store"), restored as it was when last applied to: every version, batch, change and
  // tombstone, and the revision. From then on every successful apply() is also committed to
  // the store, as one transaction, before it returns; when the commit fails the record is left
  // exactly as it was and apply() throws an Error naming the path and the reason. The store
  // belongs to this record until it is destroyed: opening it again meanwhile (in this process
  // or another) throws Status::misuse. A path that holds something other than a store, a store
  // of a newer schema or a damaged store throws an Error naming the path. A large store is
  // read on a second thread, joined before open returns or throws; the record, the reports and
  // any error are those of reading on one (docs/record.md, "Reading ahead").
  static Record open(const std::string& path, GraphLimits limits = {},
                     StoreOpen mode = StoreOpen::create_if_missing);
  // As open, reporting the chunks of stored versions read (1,024 versions each) to
  // `progress`, which may stop it: Error(Status::cancelled), the store left closed and as it was.
  static Record open(const std::string& path, GraphLimits limits, StoreOpen mode,
                     const Progress& progress);
  // The path of the store this record is kept in; empty for a record kept in memory only.
  const std::string& store_path() const noexcept;

  // Applies every item of `batch` or none. Throws BatchError naming the item and entity when
  // an item is invalid, when provenance lacks an author, or when `recorded_at` is earlier than
  // the last batch's (record time only moves forward); the record is then exactly as it was.
  // Returns the new revision.
  std::uint64_t apply(const RecordBatch& batch);
  // As apply, reporting to `progress` in versions: the batch's versions checked (all at once,
  // when the graph has taken them), then, for a record kept in a store, the versions written
  // to it, 1,024 at a time (total: the versions the batch makes, twice over with a store).
  // The last report comes before the commit, so `progress` may stop the call at any report:
  // Error(Status::cancelled), the record and its store exactly as they were.
  std::uint64_t apply(const RecordBatch& batch, const Progress& progress);

  // The number of batches applied.
  std::uint64_t revision() const noexcept;
  // The last revision recorded at or before `known_at` (0: nothing was known).
  std::uint64_t revision_at(RecordTime known_at) const noexcept;

  // The graph as of valid date `as_of`, from what was known at record time `known_at`. Shared
  // and immutable; rebuilt only when (as_of, known_at) differs from the last call's.
  std::shared_ptr<const CaseGraph> graph(Day as_of, RecordTime known_at = kEverythingKnown) const;
  std::shared_ptr<const Snapshot> snapshot(Day as_of, RecordTime known_at = kEverythingKnown) const;
  Results assess(std::shared_ptr<const RuleSet> rules, const RecordAssessOptions& options) const;

  // Incremental results. watch() keeps a live graph as of options.as_of at the latest revision
  // and returns every child's results on it; from then on each apply() edits that graph in
  // place and rescores only the children the batch may have changed, whose rows changed()
  // gives. Each row equals, bit for bit, the child's row in assess(rules, {options.as_of})
  // (ids, not vertex numbers, identify children and evidence: a live graph numbers them its
  // own way). Children the batch erased, or turned adult, have no row. A batch with an erasure,
  // or one that brings back an entity that had gone, rebuilds the graph and rescores everyone.
  // One watch at a time: watch() again replaces it.
  Results watch(std::shared_ptr<const RuleSet> rules, const AssessOptions& options);
  void unwatch() noexcept;
  bool watching() const noexcept;
  // The rows of the children the last batch applied since watch() may have changed (before
  // any batch: every child). Throws Error (Status::invalid_argument) when not watching.
  Results changed();

  // Read-back. `get` gives the entity (or relation "kind:from:to", see relation_key) as known
  // at `known_at`, or nothing if it was not yet recorded. `history` gives every version.
  std::optional<FactView> get(std::string_view id, RecordTime known_at = kEverythingKnown) const;
  std::vector<FactVersion> history(std::string_view id) const;
  // Every change recorded after revision `since` (0: everything), in order.
  std::vector<AuditEntry> changes_since(std::uint64_t since) const;
  // How many changes changes_since(since) gives, without building them.
  std::size_t change_count(std::uint64_t since = 0) const noexcept;

  // The audit trail: per fact (who changed it, when, why) and per batch.
  std::vector<AuditEntry> trail(std::string_view id) const;
  std::vector<AuditEntry> batch_trail(std::uint64_t revision) const;
  const Provenance& provenance(std::uint64_t revision) const;
  RecordTime recorded_at(std::uint64_t revision) const;
  const std::vector<Tombstone>& tombstones() const noexcept;

 private:
  friend class RecordStager;
  friend class RecordLoader;
  friend class ImportKeeper;
  friend class CaseImport;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The key under which a declared relation's history is kept: "kind:from:to" (for symmetric
// kinds, the two ends in byte order).
SAFEGUARD_EXPORT std::string relation_key(RelationKind kind, std::string_view from,
                                          std::string_view to);

// The audit trail as JSON (an array of objects) and as CSV (a header line, then one line per
// entry; fields quoted as RFC 4180 asks).
SAFEGUARD_EXPORT std::string audit_json(const std::vector<AuditEntry>& entries);
SAFEGUARD_EXPORT std::string audit_csv(const std::vector<AuditEntry>& entries);

// Versions as JSON: an array of objects, each with the revision, record time, change, kind, the
// fact's fields in the case-file spelling (dates "YYYY-MM-DD") and its valid-time marks.
SAFEGUARD_EXPORT std::string versions_json(const std::vector<FactVersion>& versions);

// A graph batch (from a case file, or built with the C API) as a record batch. Refused with
// Status::invalid_data if it holds an undated retraction or an erasure without an authority,
// which the record cannot take; an AmendConcern becomes an Upsert.
SAFEGUARD_EXPORT RecordBatch to_record_batch(Batch batch, RecordTime recorded_at,
                                             Provenance provenance);
// As to_record_batch, with every entity an Upsert: one the record already holds is replaced (a
// new version) rather than refused as a duplicate. For a full export
// imported again, or a later year's census return restating the same children
// (docs/cin-census.md). A relation the record already holds is kept (restate_relations); one
// that ended or was retracted starts again, as any added relation does.
SAFEGUARD_EXPORT RecordBatch to_upsert_batch(Batch batch, RecordTime recorded_at,
                                             Provenance provenance);

// ---- Importing a case file ----------------------------------------------------------------

// How a case file becomes a record batch (CaseImport).
struct CaseImportOptions {
  RecordTime recorded_at = 0;
  Provenance provenance;
  // The batch made as to_upsert_batch makes it (every entity an upsert, relations the record
  // holds kept) rather than as to_record_batch.
  bool upsert = false;
  CaseFileLimits limits;
};

// A JSON case file read for a record, then added to it as one batch. The record, its store, the
// revision and every error are those of
//   record.apply(to_record_batch(parse_case(text, name, limits), recorded_at, provenance))
// (to_upsert_batch with `upsert`): read() throws what parse_case would, apply() what the rest
// would. What is saved is memory: for a record that holds nothing yet (a first import), read()
// checks the file's items as the record would check the batch and keeps each, as it is read,
// in the form the record keeps versions in, so no batch of the whole file is held, nor, read
// from a file, its text (docs/record.md, "Importing a case file"). A file that only the batch
// path can judge (a duplicate id, an item the graph refuses, sections out of order) is read
// again as a batch, whose errors name the item and its place.
class SAFEGUARD_EXPORT CaseImport {
 public:
  // Reads `text`, which the caller keeps until apply() returns, for `record`.
  static CaseImport read(const Record& record, std::string_view text, const std::string& name,
                         CaseImportOptions options, const Progress& progress = {});
  // Reads the regular file at `path` a piece at a time for `record` (its errors name `path`,
  // as those of its text given to parse_case with that name would). The file is read again if
  // apply() must make a batch after all.
  static CaseImport read_file(const Record& record, const std::string& path,
                              CaseImportOptions options, const Progress& progress = {});
  ~CaseImport();
  CaseImport(CaseImport&&) noexcept;
  CaseImport& operator=(CaseImport&&) noexcept;

  // Whether the file's items were kept as they were read (a first import), rather than held
  // as a batch.
  bool kept_as_read() const noexcept;

  // Adds the file to `record` (normally the one it was read for) as one batch and returns the
  // new revision; when it throws, the record and its store are as they were. `progress` hears
  // what Record::apply reports. Once only: again, Error(Status::misuse).
  std::uint64_t apply(Record& record, const Progress& progress = {});

 private:
  struct Impl;
  explicit CaseImport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace safeguard
