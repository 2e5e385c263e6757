// The census code sets and the table from assessment factor codes to the default pack's
// categories. Meanings follow the Children in Need census guide's code sets; the mapping is
// ours, and docs/cin-census.md gives the reasons for each match.
#include "cin/codes.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include "safeguard/cin.hpp"

namespace safeguard::cin {
namespace detail {
namespace {

constexpr Code kEthnicity[] = {
    {"WBRI", "White British"},
    {"WIRI", "White Irish"},
    {"WIRT", "Traveller of Irish heritage"},
    {"WOTH", "any other White background"},
    {"WROM", "Gypsy / Roma"},
    {"MWBC", "White and Black Caribbean"},
    {"MWBA", "White and Black African"},
    {"MWAS", "White and Asian"},
    {"MOTH", "any other mixed background"},
    {"AIND", "Indian"},
    {"APKN", "Pakistani"},
    {"ABAN", "Bangladeshi"},
    {"AOTH", "any other Asian background"},
    {"BCRB", "Black Caribbean"},
    {"BAFR", "Black African"},
    {"BOTH", "any other Black background"},
    {"CHNE", "Chinese"},
    {"OOTH", "any other ethnic group"},
    {"REFU", "refused"},
    {"NOBT", "information not yet obtained"},
};

constexpr Code kDisability[] = {
    {"NONE", "no disability"},
    {"MOB", "mobility"},
    {"HAND", "hand function"},
    {"PC", "personal care"},
    {"INC", "incontinence"},
    {"COMM", "communication"},
    {"LD", "learning"},
    {"HEAR", "hearing"},
    {"VIS", "vision"},
    {"BEH", "behaviour"},
    {"CON", "consciousness"},
    {"AUT", "autism or Asperger syndrome"},
    {"DDA", "other disability (Disability Discrimination Act)"},
};

constexpr Code kReferralSource[] = {
    {"1A", "individual: family member, relative or carer"},
    {"1B", "individual: acquaintance"},
    {"1C", "individual: self"},
    {"1D", "individual: other"},
    {"2A", "schools"},
    {"2B", "education services"},
    {"3A", "health: GP"},
    {"3B", "health: visitor"},
    {"3C", "health: school nurse"},
    {"3D", "health: other primary health services"},
    {"3E", "health: A&E"},
    {"3F", "health: other"},
    {"4", "housing"},
    {"5A", "local authority services: social care"},
    {"5B", "local authority services: other internal department"},
    {"5C", "local authority services: external"},
    {"5D", "local authority services: early help"},
    {"6", "police"},
    {"7", "other legal agency"},
    {"8", "other"},
    {"9", "anonymous"},
    {"10", "unknown"},
};

constexpr Code kPrimaryNeed[] = {
    {"N0", "not stated"},
    {"N1", "abuse or neglect"},
    {"N2", "child's disability or illness"},
    {"N3", "parental illness or disability"},
    {"N4", "family in acute stress"},
    {"N5", "family dysfunction"},
    {"N6", "socially unacceptable behaviour"},
    {"N7", "low income"},
    {"N8", "absent parenting"},
    {"N9", "cases other than children in need"},
};

constexpr Code kClosureReason[] = {
    {"RC1", "adopted"},
    {"RC2", "died"},
    {"RC3", "child arrangements order"},
    {"RC4", "special guardianship order"},
    {"RC5", "transferred to services of another local authority"},
    {"RC6", "transferred to adult social care services"},
    {"RC7", "services ceased for any other reason, including the child no longer in need"},
    {"RC8", "case closed after assessment, no further action"},
    {"RC9", "case closed after assessment, referred to early help"},
};

constexpr Code kAbuseCategory[] = {
    {"NEG", "neglect"},         {"PHY", "physical abuse"}, {"SAB", "sexual abuse"},
    {"EMO", "emotional abuse"}, {"MUL", "multiple"},
};

// UN1-UN7: the published schema's unknownupntype (2016-2024 alike).
constexpr Code kUpnUnknown[] = {
    {"UN1", "child is now adopted"},
    {"UN2", "child has never attended school"},
    {"UN3", "child is educated outside England"},
    {"UN4", "child is newly arrived in the UK"},
    {"UN5", "sources collating UPNs reflect discrepancy"},
    {"UN6", "child aged under 6 years old and not yet in school"},
    {"UN7", "child is aged 6 or over and not in school"},
};

// Factors identified at the end of assessment, and the default pack's category where one
// matches (empty: none does; the factor is imported as "cin_<code>"). Meanings checked against
// the published code set (docs/cin-census.md, "Assessment factors": the census guide's list as
// reproduced in the Standard Safeguarding Dataset, data-to-insight/ssd-data-model,
// data/objects/ssd_assessment_factors.yml). 18B/19B are by another child and 18C/19C by an
// adult; 20 is "other", 22A female genital mutilation, 23A abuse linked to faith or belief and
// 24A child criminal exploitation (earlier tables here had those wrong).
struct Factor {
  std::string_view code;
  std::string_view meaning;
  std::string_view category;
};

constexpr Factor kFactors[] = {
    {"1A", "alcohol misuse: the child", "substance_misuse"},
    {"1B", "alcohol misuse: a parent or carer", "substance_misuse"},
    {"1C", "alcohol misuse: another person in the household", "substance_misuse"},
    {"2A", "drug misuse: the child", "substance_misuse"},
    {"2B", "drug misuse: a parent or carer", "substance_misuse"},
    {"2C", "drug misuse: another person in the household", "substance_misuse"},
    {"3A", "domestic abuse: the child", "domestic_abuse"},
    {"3B", "domestic abuse: a parent or carer", "domestic_abuse"},
    {"3C", "domestic abuse: another person in the household", "domestic_abuse"},
    {"4A", "mental health: the child", "mental_health"},
    {"4B", "mental health: a parent or carer", "mental_health"},
    {"4C", "mental health: another person in the household", "mental_health"},
    {"5A", "learning disability: the child", ""},
    {"5B", "learning disability: a parent or carer", "parental_learning_disability"},
    {"5C", "learning disability: another person in the household", ""},
    {"6A", "physical disability or illness: the child", ""},
    {"6B", "physical disability or illness: a parent or carer", ""},
    {"6C", "physical disability or illness: another person in the household", ""},
    {"7A", "young carer", ""},
    {"8B", "privately fostered: overseas child intending to return", ""},
    {"8C", "privately fostered: overseas child intending to stay", ""},
    {"8D", "privately fostered: UK child in an educational placement", ""},
    {"8E", "privately fostered: UK child making alternative family arrangements", ""},
    {"8F", "privately fostered: other", ""},
    {"9A", "unaccompanied asylum-seeking child", ""},
    {"10A", "going or being missing", "missing_episode"},
    {"11A", "child sexual exploitation", "cse_indicator"},
    {"12A", "trafficking", ""},
    {"13A", "gangs", "cce_indicator"},
    {"14A", "socially unacceptable behaviour", ""},
    {"15A", "self-harm", ""},
    {"16A", "abuse or neglect: neglect", ""},
    {"17A", "abuse or neglect: emotional abuse", "emotional_abuse"},
    // 18A and 19A: the published schemas up to 2020's (2021 split each by whom); the reader
    // reports them in a later year's return (read.cpp).
    {"18A", "abuse or neglect: physical abuse (the schemas up to 2020)", "physical_injury"},
    {"18B", "abuse or neglect: physical abuse by another child (child on child)",
     "physical_injury"},
    {"18C", "abuse or neglect: physical abuse by an adult (adult on child)", "physical_injury"},
    {"19A", "abuse or neglect: sexual abuse (the schemas up to 2020)", "sexual_abuse"},
    {"19B", "abuse or neglect: sexual abuse by another child (child on child)", "sexual_abuse"},
    {"19C", "abuse or neglect: sexual abuse by an adult (adult on child)", "sexual_abuse"},
    {"20", "other", ""},
    {"21", "no factors identified", ""},
    {"22A", "female genital mutilation", "female_genital_mutilation"},
    {"23A", "abuse linked to faith or belief", ""},
    {"24A", "child criminal exploitation", "cce_indicator"},
};

template <std::size_t N>
std::string_view find_meaning(const Code (&table)[N], std::string_view code) noexcept {
  for (const Code& entry : table) {
    if (entry.code == code) return entry.meaning;
  }
  return {};
}

const Factor* find_factor(std::string_view code) noexcept {
  for (const Factor& entry : kFactors) {
    if (entry.code == code) return &entry;
  }
  return nullptr;
}

}  // namespace

std::string_view ethnicity_meaning(std::string_view code) noexcept {
  return find_meaning(kEthnicity, code);
}
std::string_view disability_meaning(std::string_view code) noexcept {
  return find_meaning(kDisability, code);
}
std::string_view referral_source_meaning(std::string_view code) noexcept {
  return find_meaning(kReferralSource, code);
}
std::string_view primary_need_meaning(std::string_view code) noexcept {
  return find_meaning(kPrimaryNeed, code);
}
std::string_view closure_reason_meaning(std::string_view code) noexcept {
  return find_meaning(kClosureReason, code);
}
std::string_view abuse_category_meaning(std::string_view code) noexcept {
  return find_meaning(kAbuseCategory, code);
}
std::string_view upn_unknown_meaning(std::string_view code) noexcept {
  return find_meaning(kUpnUnknown, code);
}
std::string_view factor_meaning(std::string_view code) noexcept {
  const Factor* factor = find_factor(code);
  return factor ? factor->meaning : std::string_view();
}
bool is_gender_current_code(std::string_view code) noexcept {
  return code == "0" || code == "1" || code == "2" || code == "9";
}
bool is_sex_code(std::string_view code) noexcept {
  return code == "M" || code == "F" || code == "U";
}

namespace {
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_letter(char c) noexcept { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool all_digits(std::string_view text) noexcept {
  return std::all_of(text.begin(), text.end(), is_digit);
}
// `text` at `at` is `n` digits.
bool digits_at(std::string_view text, std::size_t at, std::size_t n) noexcept {
  return text.size() >= at + n && all_digits(text.substr(at, n));
}
}  // namespace

bool is_upn(std::string_view text) noexcept {
  return text.size() == 13 && is_letter(text[0]) && all_digits(text.substr(1, 11)) &&
         (is_digit(text[12]) || is_letter(text[12]));
}
bool is_lea(std::string_view text) noexcept { return text.size() == 3 && all_digits(text); }
bool is_serial_no(std::string_view text) noexcept { return text.size() >= 3 && all_digits(text); }
bool is_year(std::string_view text) noexcept { return text.size() == 4 && all_digits(text); }
bool is_date_time(std::string_view text) noexcept {
  // YYYY-MM-DDThh:mm:ss[.s+][Z|(+|-)hh:mm]
  if (!(digits_at(text, 0, 4) && text.size() >= 19 && text[4] == '-' && digits_at(text, 5, 2) &&
        text[7] == '-' && digits_at(text, 8, 2) && text[10] == 'T' && digits_at(text, 11, 2) &&
        text[13] == ':' && digits_at(text, 14, 2) && text[16] == ':' && digits_at(text, 17, 2))) {
    return false;
  }
  std::size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    const std::size_t start = ++at;
    while (at < text.size() && is_digit(text[at])) ++at;
    if (at == start) return false;
  }
  const std::string_view zone = text.substr(at);
  return zone.empty() || zone == "Z" ||
         (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && digits_at(zone, 1, 2) &&
          zone[3] == ':' && digits_at(zone, 4, 2));
}

std::string_view abuse_category_name(std::string_view code) noexcept {
  if (code == "NEG") return "neglect";
  if (code == "PHY") return "physical_abuse";
  if (code == "SAB") return "sexual_abuse";
  if (code == "EMO") return "emotional_abuse";
  if (code == "MUL") return "multiple";
  return {};
}

std::string_view abuse_category_code(std::string_view name) noexcept {
  for (std::string_view code : {"NEG", "PHY", "SAB", "EMO", "MUL"}) {
    if (abuse_category_name(code) == name) return code;
  }
  return {};
}

}  // namespace detail

bool is_factor_code(std::string_view code) { return detail::find_factor(code) != nullptr; }

std::string_view factor_meaning(std::string_view code) { return detail::factor_meaning(code); }

FactorCategory factor_category(std::string_view code) {
  const detail::Factor* factor = detail::find_factor(code);
  if (factor && !factor->category.empty()) return {std::string(factor->category), true};
  std::string fallback = "cin_";
  for (char c : code) {
    fallback += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return {fallback, false};
}

}  // namespace safeguard::cin
