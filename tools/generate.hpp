// Synthetic, fictional caseloads for demonstrations, tests and benchmarks, deterministic by
// seed: the same options give the same caseload on every platform, compiler and run.
//
// Header-only so that bench/ and tests can use it without the CLI: include it, then either
// stream batches with generate_caseload(options, emit) or fill a graph with
// generate_caseload(options, graph). Shape (as issue 7 asks): households of 1-6 children and
// 1-3 adults, about 30 agencies of the usual types, a skewed number of concerns per child
// (geometric, mean 3), about one protective factor per child, parent/carer, sibling, partner,
// household and peer relations, and places that older children frequent. Every id, date and
// attribute is invented; categories are those the bundled default pack scores.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "safeguard/day.hpp"
#include "safeguard/graph.hpp"

namespace safeguard::synth {

// xoshiro256** seeded through splitmix64. Hand-written because the standard library's
// distributions are implementation-defined: std::uniform_int_distribution gives different
// numbers under libstdc++ and libc++, which would break "deterministic by seed".
class Random {
 public:
  explicit Random(std::uint64_t seed) {
    for (auto& word : state_) word = splitmix64(seed);
  }

  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, bound), bound > 0, without modulo bias (Lemire's method).
  std::uint32_t below(std::uint32_t bound) noexcept {
    std::uint64_t product = (next() >> 32) * bound;
    auto low = static_cast<std::uint32_t>(product);
    if (low < bound) {
      const std::uint32_t threshold = static_cast<std::uint32_t>(-bound) % bound;
      while (low < threshold) {
        product = (next() >> 32) * bound;
        low = static_cast<std::uint32_t>(product);
      }
    }
    return static_cast<std::uint32_t>(product >> 32);
  }

  // True with probability numerator / denominator.
  bool chance(std::uint32_t numerator, std::uint32_t denominator) noexcept {
    return below(denominator) < numerator;
  }

  // An index drawn with the given integer weights.
  template <std::size_t N>
  std::size_t pick(const std::array<std::uint32_t, N>& weights) noexcept {
    std::uint32_t total = 0;
    for (const auto w : weights) total += w;
    std::uint32_t draw = below(total);
    for (std::size_t i = 0; i < N; ++i) {
      if (draw < weights[i]) return i;
      draw -= weights[i];
    }
    return N - 1;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& x) noexcept {
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::array<std::uint64_t, 4> state_{};
};

struct CaseloadOptions {
  std::size_t children = 1000;
  std::uint64_t seed = 1;
  // Dates fall in the two years before this day; children are 0-17 and adults 19-69 on it.
  // A fixed default, never the clock.
  Day as_of = 20758;  // 2026-11-01
  std::size_t agencies = 30;
  std::size_t children_per_place = 50;
};

namespace detail {

inline std::string padded(std::size_t value, std::size_t width) {
  std::string digits = std::to_string(value);
  if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
  return digits;
}

// Agency types in the proportions a local partnership has them (30 agencies: 8 schools,
// 6 health, 3 police...).
inline const std::array<const char*, 30>& agency_type_cycle() {
  static const std::array<const char*, 30> kCycle = {
      "school",    "health",        "police",  "school",    "health",     "housing",
      "school",    "social_care",   "school",  "health",    "early_help", "voluntary",
      "school",    "probation",     "police",  "health",    "school",     "housing",
      "voluntary", "youth_justice", "school",  "health",    "early_help", "police",
      "school",    "social_care",   "housing", "probation", "health",     "voluntary"};
  return kCycle;
}

struct ConcernKind {
  const char* category;
  const char* source_type;
  enum Subject { child, carer, partner } subject;
  std::uint32_t restricted_in_100;
  std::uint32_t min_child_age;  // older categories (missing, exploitation) only for older children
};

inline const std::array<ConcernKind, 15>& concern_kinds() {
  static const std::array<ConcernKind, 15> kKinds = {{
      {"school_attendance", "school", ConcernKind::child, 0, 5},
      {"missed_health_appointments", "health", ConcernKind::child, 0, 0},
      {"poor_presentation", "school", ConcernKind::child, 0, 3},
      {"domestic_abuse", "police", ConcernKind::carer, 50, 0},
      {"housing_instability", "housing", ConcernKind::carer, 0, 0},
      {"substance_misuse", "health", ConcernKind::partner, 10, 0},
      {"mental_health", "health", ConcernKind::carer, 0, 0},
      {"physical_injury", "health", ConcernKind::child, 0, 0},
      {"emotional_abuse", "social_care", ConcernKind::child, 0, 0},
      {"sexual_abuse", "police", ConcernKind::child, 60, 3},
      {"missing_episode", "police", ConcernKind::child, 0, 10},
      {"cse_indicator", "social_care", ConcernKind::child, 40, 11},
      {"cce_indicator", "youth_justice", ConcernKind::child, 40, 11},
      {"county_lines", "police", ConcernKind::child, 70, 12},
      {"violent_offending", "probation", ConcernKind::partner, 80, 0},
  }};
  return kKinds;
}
inline constexpr std::array<std::uint32_t, 15> kConcernWeights = {18, 12, 8, 10, 6, 5, 7, 6,
                                                                  4,  1,  4, 2,  2, 1, 2};

}  // namespace detail

// Streams the caseload as batches: first the agencies and places, then one batch per
// household (its people, relations, concerns and factors). Each batch names only entities in
// itself or in earlier batches, so applying them in order to an empty graph always succeeds.
// emit(Batch&&, std::size_t children_so_far) is called for every batch.
template <typename Emit>
void generate_caseload(const CaseloadOptions& options, Emit&& emit) {
  Random random(options.seed);
  const Day as_of = options.as_of;
  const std::size_t agency_count = std::max<std::size_t>(options.agencies, 1);
  const std::size_t place_count = std::max<std::size_t>(
      1, options.children / std::max<std::size_t>(options.children_per_place, 1));

  Batch shared;
  std::vector<std::vector<std::string>> agencies_of_type;
  std::vector<std::string> type_names;
  for (std::size_t a = 0; a < agency_count; ++a) {
    const std::string type = detail::agency_type_cycle()[a % detail::agency_type_cycle().size()];
    const std::string id = "AG-SYN-" + detail::padded(a + 1, 2);
    auto found = std::find(type_names.begin(), type_names.end(), type);
    if (found == type_names.end()) {
      type_names.push_back(type);
      agencies_of_type.emplace_back();
      found = type_names.end() - 1;
    }
    agencies_of_type[static_cast<std::size_t>(found - type_names.begin())].push_back(id);
    shared.add(AgencySpec{id, type, "Synthetic " + type + " agency " + std::to_string(a + 1)});
  }
  auto agency_of = [&](const std::string& type) -> const std::string& {
    auto found = std::find(type_names.begin(), type_names.end(), type);
    // With fewer agencies than types, anything missing is raised by the first agency.
    const auto& pool = found == type_names.end()
                           ? agencies_of_type.front()
                           : agencies_of_type[static_cast<std::size_t>(found - type_names.begin())];
    return pool[random.below(static_cast<std::uint32_t>(pool.size()))];
  };
  static constexpr std::array<const char*, 5> kPlaceKinds = {"park", "takeaway", "shopping_centre",
                                                             "station", "youth_club"};
  for (std::size_t p = 0; p < place_count; ++p) {
    shared.add(PlaceSpec{"PL-SYN-" + detail::padded(p + 1, 5), kPlaceKinds[p % kPlaceKinds.size()],
                         "Synthetic place " + std::to_string(p + 1)});
  }
  emit(std::move(shared), std::size_t{0});

  static constexpr std::array<std::uint32_t, 6> kChildrenWeights = {35, 30, 18, 10, 5, 2};
  static constexpr std::array<std::uint32_t, 3> kAdultWeights = {35, 55, 10};
  static constexpr std::array<std::uint32_t, 5> kSeverityWeights = {30, 30, 22, 12, 6};
  static constexpr std::array<std::uint32_t, 4> kStatusWeights = {55, 30, 12, 3};
  static constexpr std::array<ConcernStatus, 4> kStatuses = {
      ConcernStatus::open, ConcernStatus::closed, ConcernStatus::unsubstantiated,
      ConcernStatus::retracted};
  static constexpr std::array<std::uint32_t, 4> kFactorCountWeights = {35, 40, 20, 5};
  static constexpr std::array<const char*, 5> kFactorKinds = {
      "protective_adult", "kinship_support", "early_help_engagement", "safety_plan", "mentoring"};
  static constexpr std::array<std::uint32_t, 5> kFactorWeights = {35, 20, 25, 10, 10};

  std::size_t made = 0;
  std::size_t household = 0;
  while (made < options.children) {
    ++household;
    const std::string tag = detail::padded(household, 7);
    const std::string household_id = "HH-SYN-" + tag;
    Batch batch;
    batch.add(HouseholdSpec{household_id});

    const std::size_t adult_count = random.pick(kAdultWeights) + 1;
    const std::size_t child_count =
        std::min(random.pick(kChildrenWeights) + 1, options.children - made);
    std::vector<std::string> adults;
    for (std::size_t a = 0; a < adult_count; ++a) {
      const Day age_days = static_cast<Day>((19 + random.below(51)) * 365 + random.below(365));
      adults.push_back("P-SYN-" + tag + "-A" + std::to_string(a + 1));
      batch.add(PersonSpec{adults.back(), PersonKind::adult, as_of - age_days, {}, household_id});
    }
    std::vector<std::string> children;
    std::vector<std::uint32_t> ages;
    for (std::size_t c = 0; c < child_count; ++c) {
      const std::uint32_t age = random.below(18);
      ages.push_back(age);
      children.push_back("P-SYN-" + tag + "-C" + std::to_string(c + 1));
      std::vector<std::string> flags;
      if (random.chance(5, 100)) flags.push_back("disability");
      if (age >= 8 && random.chance(4, 100)) flags.push_back("young_carer");
      if (random.chance(2, 100)) flags.push_back("looked_after");
      batch.add(PersonSpec{children.back(), PersonKind::child,
                           as_of - static_cast<Day>(age * 365 + random.below(365)), flags,
                           household_id});
    }

    for (const auto& child : children)
      batch.add(RelationSpec{RelationKind::parent_of, adults[0], child});
    if (adults.size() > 1) {
      batch.add(RelationSpec{RelationKind::partner_of, adults[0], adults[1]});
      for (const auto& child : children) {
        batch.add(
            RelationSpec{random.chance(1, 2) ? RelationKind::parent_of : RelationKind::carer_of,
                         adults[1], child});
      }
    }
    for (std::size_t i = 0; i < children.size(); ++i) {
      for (std::size_t j = i + 1; j < children.size(); ++j)
        batch.add(RelationSpec{RelationKind::sibling_of, children[i], children[j]});
    }
    for (std::size_t c = 0; c < children.size(); ++c) {
      // Peers in an earlier household (every household has a first child), and places.
      if (ages[c] >= 10 && household > 1 && random.chance(1, 4)) {
        const std::size_t other = 1 + random.below(static_cast<std::uint32_t>(household - 1));
        batch.add(RelationSpec{RelationKind::associate, children[c],
                               "P-SYN-" + detail::padded(other, 7) + "-C1"});
      }
      if (ages[c] >= 12 && random.chance(1, 5)) {
        batch.add(RelationSpec{
            RelationKind::frequents, children[c],
            "PL-SYN-" +
                detail::padded(1 + random.below(static_cast<std::uint32_t>(place_count)), 5)});
      }
    }

    std::size_t concern_number = 0;
    std::size_t factor_number = 0;
    for (std::size_t c = 0; c < children.size(); ++c) {
      std::size_t count = 0;
      while (count < 30 && random.chance(3, 4)) ++count;  // geometric, mean 3
      for (std::size_t k = 0; k < count; ++k) {
        const auto& kind = detail::concern_kinds()[random.pick(detail::kConcernWeights)];
        ConcernSpec concern;
        concern.id = "C-SYN-" + tag + "-" + std::to_string(++concern_number);
        // Too young for this category (a toddler is not absent from school or missing from
        // home on their own): a worry that fits any age instead.
        const bool fits_age = ages[c] >= kind.min_child_age;
        concern.category = fits_age ? kind.category : "missed_health_appointments";
        concern.severity = static_cast<int>(random.pick(kSeverityWeights)) + 1;
        concern.recorded = as_of - static_cast<Day>(random.below(730));
        if (random.chance(7, 10))
          concern.incident = concern.recorded - static_cast<Day>(random.below(14));
        concern.status = kStatuses[random.pick(kStatusWeights)];
        concern.source = agency_of(fits_age ? kind.source_type : "health");
        concern.restricted = fits_age && random.chance(kind.restricted_in_100, 100);
        if (kind.subject == detail::ConcernKind::child || !fits_age) {
          concern.about = {children[c]};
        } else if (kind.subject == detail::ConcernKind::carer || adults.size() == 1) {
          concern.about = {adults[0]};
          if (concern.category == "domestic_abuse" && adults.size() > 1)
            concern.involves = {adults[1]};
        } else {
          concern.about = {adults[1]};
        }
        batch.add(std::move(concern));
      }
      const std::size_t factors = random.pick(kFactorCountWeights);
      for (std::size_t k = 0; k < factors; ++k) {
        FactorSpec factor;
        factor.id = "F-SYN-" + tag + "-" + std::to_string(++factor_number);
        factor.kind = kFactorKinds[random.pick(kFactorWeights)];
        factor.strength = static_cast<int>(random.below(5)) + 1;
        factor.start = as_of - static_cast<Day>(random.below(540));
        if (random.chance(1, 5)) factor.end = factor.start + static_cast<Day>(random.below(300));
        if (factor.kind == "early_help_engagement") {
          factor.provided_by = agency_of("early_help");
        } else if (adults.size() > 2) {
          factor.provided_by = adults[2];
        }
        factor.protects = {children[c]};
        batch.add(std::move(factor));
      }
    }
    made += child_count;
    emit(std::move(batch), made);
  }
}

// Fills `graph` (normally empty) with the caseload; progress(children_so_far) is called after
// each household when given.
inline void generate_caseload(const CaseloadOptions& options, CaseGraph& graph,
                              const std::function<void(std::size_t)>& progress = {}) {
  generate_caseload(options, [&](Batch&& batch, std::size_t children_so_far) {
    graph.apply(batch);
    if (progress) progress(children_so_far);
  });
}

}  // namespace safeguard::synth
