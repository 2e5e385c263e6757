// The synthetic caseload generator. Distributions are hand-written over a splitmix64 stream
// because the standard library's distributions differ between implementations, and a caseload
// must be the same everywhere for a seed.
#include "safeguard/generate.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace safeguard {
namespace {

// splitmix64 (Steele, Lea and Flood 2014): tiny, fast, and good enough for synthetic data.
class Stream {
 public:
  explicit Stream(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound): the high bits of a 64x64 multiply (Lemire), exact enough here.
  std::uint32_t below(std::uint32_t bound) {
    return static_cast<std::uint32_t>(((next() >> 32) * bound) >> 32);
  }
  int between(int low, int high) { return low + static_cast<int>(below(high - low + 1)); }
  // Uniform in [0, 1) with 53 bits.
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }
  // Index drawn with the given integer weights.
  template <std::size_t N>
  std::size_t weighted(const std::array<int, N>& weights) {
    int total = 0;
    for (int w : weights) total += w;
    int pick = static_cast<int>(below(static_cast<std::uint32_t>(total)));
    for (std::size_t i = 0; i < N; ++i) {
      if (pick < weights[i]) return i;
      pick -= weights[i];
    }
    return N - 1;
  }
  // Poisson by inversion of the CDF (fine for the small means used here), capped.
  int poisson(double mean, int cap) {
    const double u = unit();
    double p = std::exp(-mean), cumulative = p;
    int k = 0;
    while (u > cumulative && k < cap) {
      ++k;
      p *= mean / k;
      cumulative += p;
    }
    return k;
  }

 private:
  std::uint64_t state_;
};

std::uint64_t household_seed(std::uint64_t seed, std::uint64_t household) {
  Stream mix(seed * 0xD1B54A32D192ED03ull + household);
  return mix.next();
}

// ---- The fictional world --------------------------------------------------------------------

enum AgencyType : std::uint8_t {
  school,
  health,
  police,
  social_care,
  housing,
  probation,
  youth_justice,
  voluntary,
  early_help,
  kAgencyTypes
};

struct AgencyGroup {
  const char* type;
  const char* code;
  const char* name;
  int count;
};

// 30 agencies in all.
constexpr std::array<AgencyGroup, kAgencyTypes> kAgencyGroups = {{
    {"school", "SCH", "Fictional School", 8},
    {"health", "HLT", "Fictional Health Service", 5},
    {"police", "POL", "Fictional Constabulary", 3},
    {"social_care", "CSC", "Fictional Children's Social Care", 3},
    {"housing", "HSG", "Fictional Housing Association", 2},
    {"probation", "PRB", "Fictional Probation Office", 2},
    {"youth_justice", "YJS", "Fictional Youth Justice Service", 2},
    {"voluntary", "VOL", "Fictional Family Charity", 3},
    {"early_help", "EH", "Fictional Early Help Hub", 2},
}};

std::string agency_id(AgencyType type, int number) {
  char id[32];
  std::snprintf(id, sizeof id, "AG-%s-%02d", kAgencyGroups[type].code, number + 1);
  return id;
}

struct Category {
  const char* name;
  bool about_adult;   // about a carer, naming the other adult as involved
  int min_age;        // youngest child it is raised about
  AgencyType source;  // the agency type that usually raises it
  AgencyType alternative;
  int weight;
};

// Weights per 1000 concerns. The last two child categories are not scored by the default pack;
// they stand for the many worries a real system holds that no rule counts.
constexpr std::array<Category, 19> kCategories = {{
    {"school_attendance", false, 5, school, early_help, 150},
    {"missed_health_appointments", false, 0, health, health, 120},
    {"poor_presentation", false, 0, school, health, 80},
    {"emotional_abuse", false, 0, social_care, school, 50},
    {"physical_injury", false, 0, health, police, 50},
    {"non_accidental_injury", false, 0, health, social_care, 8},
    {"sexual_abuse", false, 3, police, social_care, 10},
    {"missing_episode", false, 10, police, social_care, 35},
    {"cse_indicator", false, 11, police, youth_justice, 12},
    {"cce_indicator", false, 11, youth_justice, police, 12},
    {"county_lines", false, 12, police, youth_justice, 8},
    {"behaviour_at_school", false, 5, school, school, 150},
    {"bullying", false, 5, school, voluntary, 100},
    {"domestic_abuse", true, 0, police, voluntary, 60},
    {"substance_misuse", true, 0, health, probation, 35},
    {"mental_health", true, 0, health, voluntary, 35},
    {"violent_offending", true, 0, probation, police, 15},
    {"housing_instability", true, 0, housing, housing, 40},
    {"debt", true, 0, voluntary, housing, 30},
}};

struct FactorKind {
  const char* name;
  int weight;
};

constexpr std::array<FactorKind, 6> kFactorKinds = {{
    {"protective_adult", 28},
    {"kinship_support", 14},
    {"early_help_engagement", 20},
    {"safety_plan", 8},
    {"positive_activity", 20},
    {"trusted_teacher", 10},
}};

constexpr std::array<const char*, 5> kPlaceKinds = {"park", "shopping_centre", "takeaway",
                                                    "youth_club", "transport_hub"};

// A household's risk multiplies its children's expected concerns: most households carry
// little, a few carry a lot. Mean 1.25 before normalising.
constexpr std::array<int, 4> kRiskWeights = {50, 30, 15, 5};
constexpr std::array<double, 4> kRiskLevels = {0.2, 1.0, 3.0, 8.0};
constexpr double kMeanRisk = 1.25;
constexpr double kConcernsPerChild = 3.0;

constexpr std::array<int, 6> kChildrenWeights = {38, 32, 17, 8, 3, 2};  // 1..6 children
constexpr std::array<int, 3> kAdultWeights = {40, 50, 10};              // 1..3 adults
constexpr std::array<int, 5> kSeverityWeights = {35, 30, 20, 10, 5};    // severity 1..5
constexpr std::array<int, 4> kStatusWeights = {55, 35, 8, 2};  // open, closed, unsubst., retr.
constexpr int kPeerWindow = 4096;  // peers are drawn from the most recent older children

struct World {
  std::array<int, kAgencyTypes> first_agency{};  // index of each type's first agency
  std::vector<std::string> agencies;
  std::vector<std::string> places;
  std::vector<std::string> peer_pool;  // ring of recent children aged ten and over
  std::size_t peer_next = 0;
};

std::string person_id(std::size_t household, char role, int number) {
  char id[40];
  std::snprintf(id, sizeof id, "P-%07zu-%c%d", household + 1, role, number + 1);
  return id;
}

std::string numbered(const char* prefix, std::size_t household, int number) {
  char id[40];
  std::snprintf(id, sizeof id, "%s-%07zu-%d", prefix, household + 1, number + 1);
  return id;
}

// Adds one household of `children` children (already drawn) to the batch.
void add_household(Batch& batch, World& world, CaseloadSummary& summary, Stream& rng, std::size_t h,
                   int children, Day as_of) {
  char household_id[24];
  std::snprintf(household_id, sizeof household_id, "HH-%07zu", h + 1);
  const std::string household = household_id;
  batch.add(HouseholdSpec{household});
  ++summary.households;

  const int adults = 1 + static_cast<int>(rng.weighted(kAdultWeights));
  const double risk = kRiskLevels[rng.weighted(kRiskWeights)] / kMeanRisk;
  // The household's own school, GP and police force, so its concerns come from a few agencies.
  std::array<int, kAgencyTypes> local{};
  for (int t = 0; t < kAgencyTypes; ++t) {
    local[t] = world.first_agency[t] + static_cast<int>(rng.below(kAgencyGroups[t].count));
  }

  std::vector<std::string> adult_ids, child_ids;
  std::vector<int> child_ages;
  for (int a = 0; a < adults; ++a) {
    PersonSpec p;
    p.id = person_id(h, 'A', a);
    p.kind = PersonKind::adult;
    const int age = a == 2 ? rng.between(48, 75) : rng.between(18, 55);
    p.dob = as_of - age * 365 - rng.between(0, 364);
    p.household = household;
    adult_ids.push_back(p.id);
    batch.add(std::move(p));
  }
  summary.adults += adults;
  for (int c = 0; c < children; ++c) {
    PersonSpec p;
    p.id = person_id(h, 'C', c);
    p.kind = PersonKind::child;
    const int age = rng.between(0, 17);
    p.dob = as_of - age * 365 - rng.between(0, 364);
    p.household = household;
    if (rng.chance(0.06)) p.flags.push_back("disability");
    if (rng.chance(0.08)) p.flags.push_back("send");
    if (rng.chance(0.02)) p.flags.push_back("young_carer");
    if (rng.chance(0.01)) p.flags.push_back("looked_after");
    child_ids.push_back(p.id);
    child_ages.push_back(age);
    batch.add(std::move(p));
  }
  summary.children += children;

  auto relate = [&](RelationKind kind, const std::string& from, const std::string& to) {
    batch.add(RelationSpec{kind, from, to});
    ++summary.relations;
  };
  // The first adult is a parent; a second is a parent or a step-parent and the first's
  // partner; a third is a grandparent who helps care (kinship carer).
  for (int a = 0; a < adults; ++a) {
    const bool parent = a == 0 || (a == 1 && rng.chance(0.6));
    for (const auto& child : child_ids) {
      relate(parent ? RelationKind::parent_of : RelationKind::carer_of, adult_ids[a], child);
    }
  }
  if (adults >= 2) relate(RelationKind::partner_of, adult_ids[0], adult_ids[1]);
  for (int i = 0; i < children; ++i) {
    for (int j = i + 1; j < children; ++j)
      relate(RelationKind::sibling_of, child_ids[i], child_ids[j]);
  }
  // Older children: peers from nearby households and places they spend time.
  for (int c = 0; c < children; ++c) {
    if (child_ages[c] < 10) continue;
    const int peers = world.peer_pool.empty() ? 0 : rng.between(0, 2);
    std::size_t last_peer = SIZE_MAX;
    for (int k = 0; k < peers; ++k) {
      const std::size_t pick = rng.below(static_cast<std::uint32_t>(world.peer_pool.size()));
      if (pick == last_peer) continue;
      last_peer = pick;
      relate(RelationKind::associate, child_ids[c], world.peer_pool[pick]);
    }
    const int places = rng.between(0, 2);
    std::size_t last_place = SIZE_MAX;
    for (int k = 0; k < places; ++k) {
      const std::size_t place = rng.below(static_cast<std::uint32_t>(world.places.size()));
      if (place == last_place) continue;
      last_place = place;
      relate(RelationKind::frequents, child_ids[c], world.places[place]);
    }
  }
  for (int c = 0; c < children; ++c) {
    if (child_ages[c] < 10) continue;
    if (world.peer_pool.size() < kPeerWindow) {
      world.peer_pool.push_back(child_ids[c]);
    } else {
      world.peer_pool[world.peer_next] = child_ids[c];
      world.peer_next = (world.peer_next + 1) % kPeerWindow;
    }
  }

  // Concerns: the household's total is drawn from its risk, then spread over categories.
  int total = 0;
  for (int c = 0; c < children; ++c) total += rng.poisson(kConcernsPerChild * risk, 60);
  std::array<int, kCategories.size()> weights{};
  for (std::size_t k = 0; k < kCategories.size(); ++k) weights[k] = kCategories[k].weight;
  int made = 0;
  Day latest_concern = kNoDay;
  for (int n = 0; n < total; ++n) {
    const Category& category = kCategories[rng.weighted(weights)];
    ConcernSpec concern;
    concern.id = numbered("C", h, made);
    concern.category = category.name;
    concern.severity = 1 + static_cast<int>(rng.weighted(kSeverityWeights));
    concern.recorded = as_of - rng.between(0, 3 * 365);
    if (rng.chance(0.8)) concern.incident = concern.recorded - rng.between(0, 14);
    concern.status = static_cast<ConcernStatus>(rng.weighted(kStatusWeights));
    const AgencyType source = rng.chance(0.75) ? category.source : category.alternative;
    concern.source = world.agencies[local[source]];
    concern.restricted = source == police ? rng.chance(0.4) : rng.chance(0.03);
    if (category.about_adult) {
      const int victim = rng.between(0, adults - 1);
      concern.about.push_back(adult_ids[victim]);
      if (adults >= 2 && rng.chance(0.7)) concern.involves.push_back(adult_ids[victim == 0]);
    } else {
      // A child old enough for the category; a household with none becomes a missed health
      // appointment instead, which applies at any age.
      std::vector<int> eligible;
      for (int c = 0; c < children; ++c) {
        if (child_ages[c] >= category.min_age) eligible.push_back(c);
      }
      if (eligible.empty()) {
        concern.category = "missed_health_appointments";
        concern.source = world.agencies[local[health]];
        for (int c = 0; c < children; ++c) eligible.push_back(c);
      }
      const int child = eligible[rng.below(static_cast<std::uint32_t>(eligible.size()))];
      concern.about.push_back(child_ids[child]);
      // Some worries are about the whole sibling group.
      if (children > 1 && rng.chance(0.15)) {
        for (int c = 0; c < children; ++c) {
          if (c != child) concern.about.push_back(child_ids[c]);
        }
      }
      // An injury sometimes names a carer as its suspected cause.
      const std::string_view name = category.name;
      if ((name == "physical_injury" || name == "non_accidental_injury") && rng.chance(0.2)) {
        concern.involves.push_back(adult_ids[rng.between(0, adults - 1)]);
      }
    }
    latest_concern = std::max(latest_concern, concern.recorded);
    batch.add(std::move(concern));
    ++made;
  }
  summary.concerns += made;

  // The child protection process for the busier households: a referral after their latest
  // concern, then for some a strategy discussion, an initial conference and reviews, as far as
  // the dates have got by the as-of day.
  if (made >= 4 && rng.chance(0.5)) {
    int events = 0;
    Day date = latest_concern;
    auto event = [&](EventKind kind, int after_min, int after_max) {
      date += rng.between(after_min, after_max);
      if (date > as_of) return false;
      EventSpec spec;
      spec.id = numbered("EV", h, events++);
      spec.kind = kind;
      spec.date = date;
      spec.about = child_ids;
      batch.add(std::move(spec));
      return true;
    };
    if (event(EventKind::referral, 0, 3) && event(EventKind::referral_decision, 0, 2) &&
        rng.chance(0.5) && event(EventKind::strategy_discussion, 2, 10) && rng.chance(0.6) &&
        event(EventKind::initial_conference, 12, 25) && rng.chance(0.8) &&
        event(EventKind::review_conference, 80, 100) && rng.chance(0.5)) {
      event(EventKind::plan_end, 150, 200);
    }
    summary.events += events;
  }
  // Recorded professional judgement for about one child in a hundred.
  for (int c = 0; c < children; ++c) {
    if (!rng.chance(0.01)) continue;
    DiscretionaryOverrideSpec judgement;
    judgement.id = numbered("DO", h, c);
    judgement.child = child_ids[c];
    judgement.direction = rng.chance(0.7) ? OverrideDirection::raise : OverrideDirection::lower;
    judgement.date = as_of - rng.between(0, 200);
    judgement.author = "SW-" + std::to_string(100 + rng.below(900));
    judgement.reason = "Fictional practitioner judgement for testing";
    batch.add(std::move(judgement));
    ++summary.discretionary_overrides;
  }

  // Protective factors: about one per child.
  std::array<int, kFactorKinds.size()> factor_weights{};
  for (std::size_t k = 0; k < kFactorKinds.size(); ++k) factor_weights[k] = kFactorKinds[k].weight;
  int factors = 0;
  for (int c = 0; c < children; ++c) {
    const int count = rng.poisson(1.0, 6);
    for (int k = 0; k < count; ++k) {
      FactorSpec factor;
      factor.id = numbered("F", h, factors++);
      factor.kind = kFactorKinds[rng.weighted(factor_weights)].name;
      factor.strength = rng.between(1, 5);
      if (rng.chance(0.9)) factor.start = as_of - rng.between(0, 2 * 365);
      if (factor.start != kNoDay && rng.chance(0.25))
        factor.end = factor.start + rng.between(30, 365);
      if (rng.chance(0.5)) {
        factor.provided_by = adult_ids[rng.between(0, adults - 1)];
      } else if (rng.chance(0.5)) {
        factor.provided_by = world.agencies[local[rng.chance(0.5) ? early_help : voluntary]];
      }
      factor.protects.push_back(child_ids[c]);
      if (children > 1 && rng.chance(0.3)) {
        for (int o = 0; o < children; ++o) {
          if (o != c) factor.protects.push_back(child_ids[o]);
        }
      }
      batch.add(std::move(factor));
    }
  }
  summary.factors += factors;
}

}  // namespace

CaseloadSummary generate_caseload(const CaseloadOptions& options,
                                  const std::function<void(Batch&&)>& sink) {
  CaseloadSummary summary;
  World world;
  Batch batch;
  for (int t = 0; t < kAgencyTypes; ++t) {
    world.first_agency[t] = static_cast<int>(world.agencies.size());
    for (int n = 0; n < kAgencyGroups[t].count; ++n) {
      world.agencies.push_back(agency_id(static_cast<AgencyType>(t), n));
      batch.add(AgencySpec{world.agencies.back(), kAgencyGroups[t].type,
                           std::string(kAgencyGroups[t].name) + " " + std::to_string(n + 1)});
    }
  }
  summary.agencies = world.agencies.size();
  const std::size_t places = std::max<std::size_t>(5, options.children / 400);
  for (std::size_t p = 0; p < places; ++p) {
    char id[24];
    std::snprintf(id, sizeof id, "PL-%06zu", p + 1);
    world.places.push_back(id);
    const char* kind = kPlaceKinds[p % kPlaceKinds.size()];
    batch.add(PlaceSpec{id, kind, std::string("Fictional ") + kind + " " + std::to_string(p + 1)});
  }
  summary.places = places;

  const std::size_t per_batch = std::max<std::size_t>(1, options.children_per_batch);
  std::size_t in_batch = 0;
  for (std::size_t h = 0; summary.children < options.children; ++h) {
    Stream rng(household_seed(options.seed, h));
    const int wanted = 1 + static_cast<int>(rng.weighted(kChildrenWeights));
    const int children =
        static_cast<int>(std::min<std::size_t>(wanted, options.children - summary.children));
    add_household(batch, world, summary, rng, h, children, options.as_of);
    in_batch += children;
    if (in_batch >= per_batch) {
      sink(std::move(batch));
      batch = Batch{};
      in_batch = 0;
    }
  }
  if (!batch.items.empty()) sink(std::move(batch));
  return summary;
}

CaseloadSummary generate_caseload(CaseGraph& graph, const CaseloadOptions& options) {
  return generate_caseload(options, [&graph](Batch&& batch) { graph.apply(batch); });
}

}  // namespace safeguard
