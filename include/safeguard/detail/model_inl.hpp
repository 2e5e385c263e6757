// Name tables for the enums in model.hpp. One table per enum, so the spelling in case files,
// rule packs, the C API and renderings can never drift apart.
#pragma once

#include <array>
#include <string_view>

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
    "plan_end"};
inline constexpr std::array<std::string_view, kRoleCount> kRoleNames = {
    "self", "sibling", "carer", "household", "associate", "partner", "involved"};

template <typename Enum, std::size_t N>
bool parse_enum(const std::array<std::string_view, N>& names, std::string_view text,
                Enum& out) noexcept {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == text) {
      out = static_cast<Enum>(i);
      return true;
    }
  }
  return false;
}

}  // namespace detail

inline std::string_view to_string(VertexKind kind) noexcept {
  return detail::kVertexKindNames[static_cast<std::size_t>(kind)];
}
inline std::string_view to_string(PersonKind kind) noexcept {
  return detail::kPersonKindNames[static_cast<std::size_t>(kind)];
}
inline std::string_view to_string(ConcernStatus status) noexcept {
  return detail::kConcernStatusNames[static_cast<std::size_t>(status)];
}
inline std::string_view to_string(Heading heading) noexcept {
  return detail::kHeadingNames[static_cast<std::size_t>(heading)];
}
inline std::string_view to_string(RelationKind kind) noexcept {
  return detail::kRelationKindNames[static_cast<std::size_t>(kind)];
}

inline std::string_view to_string(EventKind kind) noexcept {
  return detail::kEventKindNames[static_cast<std::size_t>(kind)];
}
inline std::string_view to_string(OverrideDirection direction) noexcept {
  return direction == OverrideDirection::raise ? "raise" : "lower";
}

inline std::string_view to_string(Role role) noexcept {
  return detail::kRoleNames[static_cast<std::size_t>(role)];
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
inline bool parse_override_direction(std::string_view text, OverrideDirection& out) noexcept {
  if (text == "raise") {
    out = OverrideDirection::raise;
  } else if (text == "lower") {
    out = OverrideDirection::lower;
  } else {
    return false;
  }
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
