// Support for the store tests: a seeded generator of valid record histories (every kind of
// edit), a scratch directory, and a deep comparison of two records.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "safeguard/io.hpp"
#include "safeguard/record.hpp"
#include "safeguard/rules.hpp"

namespace store_test {

using namespace safeguard;

constexpr RecordTime kStart = 1772496000;  // 2026-03-03T00:00:00Z
constexpr Day kAsOf = 20515;               // 2026-03-03

#ifndef SAFEGUARD_SOURCE_DIR
#define SAFEGUARD_SOURCE_DIR "."
#endif

// The bundled default rule pack, loaded once.
inline std::shared_ptr<const RuleSet> default_rules() {
  static const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
  return rules;
}

// The bytes of the file at `path`, which must exist.
inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The bytes of the file at `path`, or none when there is no such file (a store's -wal, -shm or
// -journal, which come and go).
inline std::string read_bytes_if_present(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  REQUIRE(out.flush());
}

inline Day iso_day(const char* iso) {
  Day out = kNoDay;
  std::string error;
  REQUIRE(parse_iso_date(iso, out, error));
  return out;
}

// A directory of its own under the system's temporary directory, removed afterwards.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "safeguard-store-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Generates batch 1, 2, 3... of a history from a seed: the same seed gives the same batches in
// any process. Batches are valid in order and use every kind of record edit, erasure included.
class History {
 public:
  explicit History(std::uint64_t seed) : state_(seed * 2654435761u + 1) {}

  RecordBatch next() {
    ++count_;
    RecordBatch b;
    b.recorded_at = kStart + static_cast<RecordTime>(count_) * 60;
    b.provenance =
        Provenance{"worker-" + std::to_string(below(4)), "step " + std::to_string(count_), "cms",
                   "ref-" + std::to_string(count_)};
    if (count_ == 1) {
      b.add(AgencySpec{"A-school", "school", "Fictional Primary"});
      b.add(AgencySpec{"A-police", "police", "Fictional Constabulary"});
      b.add(CalendarSpec{Nation::england_and_wales, {}});
      family(b);
      return b;
    }
    const std::uint32_t items = 1 + below(4);
    for (std::uint32_t i = 0; i < items; ++i) edit(b);
    return b;
  }

  std::uint64_t count() const { return count_; }

 private:
  std::uint32_t below(std::uint32_t bound) {
    state_ = state_ * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::uint32_t>((state_ >> 33) % bound);
  }
  Day some_day() { return kAsOf - 700 + static_cast<Day>(below(690)); }
  template <typename T>
  const T& pick(const std::vector<T>& from) {
    return from[below(static_cast<std::uint32_t>(from.size()))];
  }
  std::vector<std::string> live(const std::vector<std::string>& ids) const {
    std::vector<std::string> out;
    for (const auto& id : ids) {
      if (!erased_.count(id)) out.push_back(id);
    }
    return out;
  }

  ConcernSpec concern(const std::string& id, const std::string& child, const std::string& adult) {
    ConcernSpec c;
    c.id = id;
    c.category = below(2) ? "neglect" : "physical_injury";
    c.severity = 1 + static_cast<int>(below(5));
    c.incident = some_day();
    c.recorded = c.incident + 1;
    c.source = below(2) ? "A-school" : "A-police";
    c.restricted = below(5) == 0;
    c.about = {child};
    if (!adult.empty()) c.involves = {adult};
    c.summary = "fictional summary " + std::to_string(count_);
    return c;
  }

  void family(RecordBatch& b) {
    const std::string n = std::to_string(families_++);
    const std::string household = "H-" + n, adult = "P-A" + n, child = "P-C" + n;
    b.add(HouseholdSpec{household});
    b.add(PersonSpec{
        adult, PersonKind::adult, kAsOf - 365 * 30 - static_cast<Day>(below(3000)), {}, household});
    b.add(PersonSpec{
        child, PersonKind::child, kAsOf - 365 - static_cast<Day>(below(5000)),
        below(3) == 0 ? std::vector<std::string>{"young_carer"} : std::vector<std::string>{},
        household});
    b.add(RelationSpec{RelationKind::parent_of, adult, child});
    const std::string concern_id = "C-" + std::to_string(concerns_made_++);
    b.add(concern(concern_id, child, adult));
    adults_.push_back(adult);
    children_.push_back(child);
    in_household_.push_back(adult);
    concerns_.push_back(concern_id);
    relations_.push_back({adult, child});
  }

  void edit(RecordBatch& b) {
    const auto adults = live(adults_);
    const auto children = children_;
    switch (below(12)) {
      case 0:
        family(b);
        break;
      case 1: {
        PersonAmend a;
        a.id = pick(children);
        a.dob = kAsOf - 365 - static_cast<Day>(below(5000));
        if (below(2)) a.flags = std::vector<std::string>{"disability"};
        b.add(a);
        break;
      }
      case 2: {
        ConcernAmend a;
        a.id = pick(concerns_);
        a.severity = 1 + static_cast<int>(below(5));
        if (below(2)) a.summary = "amended summary " + std::to_string(count_);
        b.add(a);
        break;
      }
      case 3: {
        if (concerns_.size() < 2) break;
        const std::size_t at = below(static_cast<std::uint32_t>(concerns_.size()));
        b.add(Retract{concerns_[at], some_day(), "withdrawn after review"});
        concerns_.erase(concerns_.begin() + static_cast<std::ptrdiff_t>(at));
        break;
      }
      case 4: {
        FactorSpec f;
        f.id = "F-" + std::to_string(factors_made_++);
        f.kind = "protective_adult";
        f.strength = 1 + static_cast<int>(below(3));
        f.start = some_day();
        f.protects = {pick(children)};
        if (!adults.empty() && below(2)) f.provided_by = pick(adults);
        f.summary = "fictional strength " + std::to_string(count_);
        b.add(f);
        factors_.push_back({f.id, f.start});
        break;
      }
      case 5: {
        if (factors_.empty()) break;
        const std::size_t at = below(static_cast<std::uint32_t>(factors_.size()));
        b.add(EndFactor{factors_[at].first, factors_[at].second + static_cast<Day>(below(100))});
        factors_.erase(factors_.begin() + static_cast<std::ptrdiff_t>(at));
        break;
      }
      case 6: {
        if (relations_.empty()) break;
        const std::size_t at = below(static_cast<std::uint32_t>(relations_.size()));
        const auto rel = relations_[at];
        relations_.erase(relations_.begin() + static_cast<std::ptrdiff_t>(at));
        if (erased_.count(rel.first)) break;
        b.add(EndRelation{RelationKind::parent_of, rel.first, rel.second, some_day()});
        break;
      }
      case 7: {
        const std::string child = pick(children);
        const std::string adult = adults.empty() ? std::string() : pick(adults);
        const std::string id = pick(concerns_);
        b.add(Upsert{concern(id, child, adult)});
        break;
      }
      case 8: {
        EventSpec e;
        e.id = "E-" + std::to_string(events_made_++);
        e.kind = EventKind::referral;
        e.date = some_day();
        e.about = {pick(children)};
        e.note = "fictional note " + std::to_string(count_);
        e.category = "fictional-category-" + std::to_string(count_);  // must survive a reopen
        b.add(e);
        const std::string child = pick(children);
        if (overridden_.insert(child).second) {
          DiscretionaryOverrideSpec o;
          o.id = "O-" + child;
          o.child = child;
          o.direction = OverrideDirection::raise;
          o.date = some_day();
          o.author = "worker-1";
          o.reason = "fictional reason " + std::to_string(count_);
          b.add(o);
        }
        break;
      }
      case 9: {
        const auto members = live(in_household_);
        if (members.empty()) break;
        const std::string adult = pick(members);
        in_household_.erase(std::find(in_household_.begin(), in_household_.end(), adult));
        b.add(EndMembership{adult, some_day()});
        break;
      }
      case 10:
        if (below(3) == 0 && adults.size() > 1) {
          const std::string adult = pick(adults);
          // Only people named in no edit of this batch so far are erased.
          for (const auto& item : b.items) {
            if (mentions(item, adult)) return;
          }
          erased_.insert(adult);
          b.add(Erase{adult, "dpo"});
        } else {
          b.add(CalendarSpec{std::nullopt, {some_day()}});
        }
        break;
      case 11: {
        AgencyAmend a;
        a.id = "A-school";
        a.name = "Fictional Primary " + std::to_string(count_);
        b.add(a);
        break;
      }
    }
  }

  static bool mentions(const RecordEdit& item, const std::string& id) {
    return std::visit(
        [&](const auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, PersonSpec> || std::is_same_v<T, PersonAmend>) {
            return e.id == id;
          } else if constexpr (std::is_same_v<T, RelationSpec> || std::is_same_v<T, EndRelation>) {
            return e.from == id || e.to == id;
          } else if constexpr (std::is_same_v<T, FactorSpec>) {
            return e.provided_by == id;
          } else if constexpr (std::is_same_v<T, ConcernSpec>) {
            return std::find(e.involves.begin(), e.involves.end(), id) != e.involves.end();
          } else if constexpr (std::is_same_v<T, Upsert>) {
            return std::visit([&](const auto& s) { return mentions(RecordEdit(s), id); }, e.spec);
          } else if constexpr (std::is_same_v<T, EndMembership>) {
            return e.person == id;
          } else {
            return false;
          }
        },
        item);
  }

  std::uint64_t state_;
  std::uint64_t count_ = 0;
  int families_ = 0, concerns_made_ = 0, factors_made_ = 0, events_made_ = 0;
  std::vector<std::string> adults_, children_, concerns_, in_household_;
  std::vector<std::pair<std::string, Day>> factors_;
  std::vector<std::pair<std::string, std::string>> relations_;
  std::set<std::string> erased_, overridden_;
};

// Every fact key the record has a history for (relations as "kind:from:to").
inline std::set<std::string> fact_keys(const Record& record) {
  std::set<std::string> keys;
  for (const auto& change : record.changes_since(0)) {
    if (change.fact_kind != FactKind::calendar) keys.insert(change.fact);
  }
  return keys;
}

inline std::string describe(const Results& results) {
  std::string out;
  for (std::size_t row = 0; row < results.child_count(); ++row) {
    out += std::string(results.child_id(row)) + " " + std::to_string(results.level(row));
    for (std::size_t i = 0; i < results.index_count(); ++i) {
      char score[32];
      std::snprintf(score, sizeof score, " %.17g", results.score(row, i));
      out += score;
    }
    out += "\n";
  }
  return out;
}

inline std::string describe(const std::vector<Tombstone>& tombstones) {
  std::string out;
  for (const auto& t : tombstones) {
    out += t.id + " " + std::to_string(t.revision) + " " + std::to_string(t.recorded_at) + " " +
           t.authority + "\n";
  }
  return out;
}

// Everything a host can read back from a record, as text: revisions, provenance, the change
// feed, every fact's history, tombstones, and the graph and results as of two dates and two
// record times.
inline std::string everything(const Record& record, const std::shared_ptr<const RuleSet>& rules) {
  std::string out = "revision " + std::to_string(record.revision()) + "\n";
  for (std::uint64_t r = 1; r <= record.revision(); ++r) {
    const Provenance& p = record.provenance(r);
    out += std::to_string(r) + " " + std::to_string(record.recorded_at(r)) + " " + p.author + "|" +
           p.reason + "|" + p.source_system + "|" + p.source_reference + "\n";
  }
  out += audit_json(record.changes_since(0));
  for (const auto& key : fact_keys(record)) out += key + " " + versions_json(record.history(key));
  out += describe(record.tombstones());
  const RecordTime middle = kStart + static_cast<RecordTime>(record.revision()) * 30;
  for (RecordTime known_at : {middle, kEverythingKnown}) {
    for (Day as_of : {kAsOf - 300, kAsOf}) {
      out += save_case(*record.graph(as_of, known_at));
      out += describe(record.assess(rules, {as_of, known_at}));
    }
  }
  return out;
}

}  // namespace store_test
