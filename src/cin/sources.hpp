// Which item of a census return each entity of its import was made from, so an export of the
// graph can put what the graph does not hold (codes, CIN plans, closure) back beside it.
// Private to src/cin/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "safeguard/cin.hpp"

namespace safeguard::cin::detail {

struct ItemSource {
  enum class What : std::uint8_t {
    person,
    expected_birth,
    referral,
    referral_nfa,
    assessment_start,
    assessment_complete,
    factor,  // a concern: `sub` is the factor's place in the assessment's list
    s47_start,
    s47_outcome,
    s47_conference,
    episode_conference,
    plan_start,
    plan_review,  // `sub` is the review's place in the plan's list
    plan_end,
    record_source,  // the child's record_source event: never written back
  };
  What what = What::person;
  std::size_t child = 0;    // in Return::children
  std::size_t episode = 0;  // in Child::episodes
  std::size_t item = 0;     // the assessment, enquiry or plan in the episode
  std::size_t sub = 0;
};

// The id of every event and concern to_batch makes from the return's child `child`, with the
// item it was made from, in the batch's order. One child at a time, so an export's index of a
// national return is never bigger than one child's items.
std::vector<std::pair<std::string, ItemSource>> item_sources(const Return& r, std::size_t child);

}  // namespace safeguard::cin::detail
