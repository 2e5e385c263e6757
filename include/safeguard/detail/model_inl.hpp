// Name tables for the enums in model.hpp. One table per enum, so the spelling in case files,
// rule packs, the C API and renderings can never drift apart.
#pragma once

#include <array>
#include <string_view>

#include "safeguard/detail/enum_names.hpp"
#include "safeguard/model.hpp"  // the enums named here; model.hpp includes this at its end

namespace safeguard {
namespace detail {

inline constexpr std::array<std::string_view, 8> kVertexKindNames = {
    "person", "agency", "concern", "factor", "place", "group", "household", "erased"};
inline constexpr std::array<std::string_view, 2> kPersonKindNames = {"child", "adult"};
inline constexpr std::array<std::string_view, 4> kConcernStatusNames = {
    "open", "closed", "unsubstantiated", "retracted"};
inline constexpr std::array<std::string_view, 5> kHeadingNames = {"harm", "danger", "complicating",
                                                                  "safety", "strength"};
inline constexpr std::array<std::string_view, kRelationKindCount> kRelationKindNames = {
    "parent_of", "carer_of",  "sibling_of", "partner_of", "household", "associate",
    "member_of", "frequents", "raised",     "about",      "involves",  "protects"};

inline constexpr std::array<std::string_view, kEventKindCount> kEventKindNames = {
    "referral",
    "referral_decision",
    "strategy_discussion",
    "assessment_start",
    "assessment_complete",
    "initial_conference",
    "review_conference",
    "plan_end",
    "section47_start",
    "section47_outcome",
    "core_group",
    "outline_plan",
    "detailed_plan",
    "cp_visit",
    "plan_start",
    "looked_after_start",
    "looked_after_review",
    "looked_after_end",
    "statutory_visit",
    "missing_episode",
    "missing_return",
    "return_interview",
    "expected_birth",
    "ird",
    "transfer_in",
    "transfer_conference",
    "record_source"};
inline constexpr std::array<std::string_view, kEventDecisionCount> kEventDecisionNames = {
    "",
    "nfa",
    "assessment",
    "early_help",
    "s47",
    "no_s47",
    "conference",
    "no_conference",
    "plan",
    "no_plan",
    "continue_plan",
    "end_plan",
    "services",
    "investigation",
    "no_investigation",
    "declined",
    "from_england",
    "from_wales",
    "from_scotland",
    "from_northern_ireland"};
inline constexpr std::array<std::string_view, kEntryKindCount> kEntryKindNames = {
    "child_voice", "parent_view", "danger_statement", "existing_safety",
    "strength",    "safety_goal", "next_step",        "scaling"};
// Indexed by (value + 1) / 2: a direction's value is the step it adds to a level (-1 or +1).
inline constexpr std::array<std::string_view, 2> kOverrideDirectionNames = {"lower", "raise"};
inline constexpr std::array<std::string_view, kRoleCount> kRoleNames = {
    "self", "sibling", "carer", "household", "associate", "partner", "involved"};

}  // namespace detail

inline std::string_view to_string(VertexKind kind) noexcept {
  return detail::enum_name(detail::kVertexKindNames, kind);
}
inline std::string_view to_string(PersonKind kind) noexcept {
  return detail::enum_name(detail::kPersonKindNames, kind);
}
inline std::string_view to_string(ConcernStatus status) noexcept {
  return detail::enum_name(detail::kConcernStatusNames, status);
}
inline std::string_view to_string(Heading heading) noexcept {
  return detail::enum_name(detail::kHeadingNames, heading);
}
inline std::string_view to_string(RelationKind kind) noexcept {
  return detail::enum_name(detail::kRelationKindNames, kind);
}

inline std::string_view to_string(EventKind kind) noexcept {
  return detail::enum_name(detail::kEventKindNames, kind);
}
inline std::string_view to_string(EventDecision decision) noexcept {
  return detail::enum_name(detail::kEventDecisionNames, decision);
}
inline std::string_view to_string(OverrideDirection direction) noexcept {
  return detail::kOverrideDirectionNames[direction == OverrideDirection::raise ? 1 : 0];
}

inline std::string_view to_string(EntryKind kind) noexcept {
  return detail::enum_name(detail::kEntryKindNames, kind);
}

inline std::string_view to_string(Role role) noexcept {
  return detail::enum_name(detail::kRoleNames, role);
}

inline bool parse_person_kind(std::string_view text, PersonKind& out) noexcept {
  return detail::parse_enum(detail::kPersonKindNames, text, out);
}
inline bool parse_concern_status(std::string_view text, ConcernStatus& out) noexcept {
  return detail::parse_enum(detail::kConcernStatusNames, text, out);
}
inline bool parse_heading(std::string_view text, Heading& out) noexcept {
  return detail::parse_enum(detail::kHeadingNames, text, out);
}
inline bool parse_relation_kind(std::string_view text, RelationKind& out) noexcept {
  return detail::parse_enum(detail::kRelationKindNames, text, out);
}

inline bool parse_event_kind(std::string_view text, EventKind& out) noexcept {
  return detail::parse_enum(detail::kEventKindNames, text, out);
}
inline bool parse_event_decision(std::string_view text, EventDecision& out) noexcept {
  if (text.empty()) return false;  // "" names none, which is spelt by leaving the field out
  return detail::parse_enum(detail::kEventDecisionNames, text, out);
}
inline bool parse_entry_kind(std::string_view text, EntryKind& out) noexcept {
  return detail::parse_enum(detail::kEntryKindNames, text, out);
}
inline bool event_decision_allowed(EventKind kind, EventDecision decision) noexcept {
  using D = EventDecision;
  if (decision == D::none) return true;
  switch (kind) {
    case EventKind::referral_decision:
      return decision == D::nfa || decision == D::assessment || decision == D::early_help ||
             decision == D::s47;
    case EventKind::strategy_discussion:
      return decision == D::s47 || decision == D::no_s47;
    case EventKind::section47_outcome:
      return decision == D::conference || decision == D::no_conference || decision == D::nfa;
    case EventKind::assessment_complete:
      return decision == D::nfa || decision == D::services || decision == D::s47;
    case EventKind::initial_conference:
      return decision == D::plan || decision == D::no_plan;
    case EventKind::review_conference:
      return decision == D::continue_plan || decision == D::end_plan;
    case EventKind::ird:
      return decision == D::investigation || decision == D::no_investigation;
    case EventKind::return_interview:
      return decision == D::declined;
    case EventKind::transfer_in:
      return decision == D::from_england || decision == D::from_wales ||
             decision == D::from_scotland || decision == D::from_northern_ireland;
    case EventKind::transfer_conference:
      return decision == D::plan || decision == D::no_plan;
    default:
      return false;
  }
}
inline int event_order_rank(EventKind kind) noexcept {
  // Lower first. Ends come after the meetings of the same day that may have decided them.
  static constexpr int kRanks[kEventKindCount] = {
      0,   // referral
      1,   // referral_decision
      3,   // strategy_discussion
      5,   // assessment_start
      6,   // assessment_complete
      8,   // initial_conference
      12,  // review_conference
      16,  // plan_end
      4,   // section47_start
      7,   // section47_outcome
      10,  // core_group
      9,   // outline_plan
      11,  // detailed_plan
      13,  // cp_visit
      9,   // plan_start (after the conference that decided it)
      14,  // looked_after_start
      15,  // looked_after_review
      17,  // looked_after_end
      15,  // statutory_visit
      14,  // missing_episode
      15,  // missing_return
      16,  // return_interview
      0,   // expected_birth
      2,   // ird
      0,   // transfer_in (as a referral: it starts the receiving authority's work)
      8,   // transfer_conference (as an initial conference)
      0,   // record_source (says where the record comes from; starts and ends nothing)
  };
  return kRanks[static_cast<int>(kind)];
}
inline bool parse_override_direction(std::string_view text, OverrideDirection& out) noexcept {
  int index = 0;
  if (!detail::parse_enum(detail::kOverrideDirectionNames, text, index)) return false;
  out = static_cast<OverrideDirection>(2 * index - 1);
  return true;
}

inline bool parse_role(std::string_view text, Role& out) noexcept {
  return detail::parse_enum(detail::kRoleNames, text, out);
}

inline bool is_declarable_relation(RelationKind kind) noexcept {
  switch (kind) {
    case RelationKind::parent_of:
    case RelationKind::carer_of:
    case RelationKind::sibling_of:
    case RelationKind::partner_of:
    case RelationKind::associate:
    case RelationKind::member_of:
    case RelationKind::frequents:
      return true;
    default:
      return false;
  }
}

inline bool is_symmetric(RelationKind kind) noexcept {
  return kind == RelationKind::sibling_of || kind == RelationKind::partner_of ||
         kind == RelationKind::associate;
}

}  // namespace safeguard
