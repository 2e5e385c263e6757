// The census's code sets (Children in Need census guide, "Code sets" annex), for validation and
// for the factor-to-category table. Private to src/cin/.
#pragma once

#include <string_view>

namespace safeguard::cin::detail {

// One code of a code set and what it means (the guide's wording, shortened).
struct Code {
  std::string_view code;
  std::string_view meaning;
};

// The meaning of `code` in a set, or empty when the code is not in it.
std::string_view ethnicity_meaning(std::string_view code) noexcept;
std::string_view disability_meaning(std::string_view code) noexcept;
std::string_view referral_source_meaning(std::string_view code) noexcept;
std::string_view primary_need_meaning(std::string_view code) noexcept;
std::string_view closure_reason_meaning(std::string_view code) noexcept;
std::string_view abuse_category_meaning(std::string_view code) noexcept;
std::string_view factor_meaning(std::string_view code) noexcept;
std::string_view upn_unknown_meaning(std::string_view code) noexcept;
// GenderCurrent: 0, 1, 2, 9; Sex: M, F, U.
bool is_gender_current_code(std::string_view code) noexcept;
bool is_sex_code(std::string_view code) noexcept;

// The published schema's patterns (CIN_schema_<year>.xsd): UPN and FormerUPN
// ([A-Za-z]\d{12} or [A-Za-z]\d{11}[A-Za-z]), LEA (\d{3}), SerialNo (\d{3}\d*), Year (a
// four-digit xs:gYear) and DateTime (xs:dateTime: YYYY-MM-DDThh:mm:ss, optional fraction and
// zone).
bool is_upn(std::string_view text) noexcept;
bool is_lea(std::string_view text) noexcept;
bool is_serial_no(std::string_view text) noexcept;
bool is_year(std::string_view text) noexcept;
bool is_date_time(std::string_view text) noexcept;

// The factor code that records that an assessment found no factors.
inline constexpr std::string_view kNoFactorsCode = "21";

// The plan category a category-of-abuse code becomes on a plan_start event: NEG -> "neglect".
std::string_view abuse_category_name(std::string_view code) noexcept;
// The other way: "neglect" -> NEG; empty for a category no code names.
std::string_view abuse_category_code(std::string_view name) noexcept;

}  // namespace safeguard::cin::detail
