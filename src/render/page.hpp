// Pieces the two HTML pages (the conference report and the family version) share.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "safeguard/assess.hpp"
#include "safeguard/explain.hpp"
#include "safeguard/render.hpp"

namespace safeguard::render_detail {

// From the DOCTYPE to the opening <body>: lang, charset, viewport, title and the style sheet.
std::string page_head(const std::string& title, Audience audience);

// The level's colour, on the report's level panel and the ecomap's child alike: a neutral
// grey for the lowest (blue means "reduces risk"), deepening to red for the highest; and whether
// white text contrasts more with it than the ink does (WCAG 2.1 contrast ratio).
std::string level_colour(int level, std::size_t level_count);
bool is_dark(const std::string& colour);

// "child P-ASH-C1", or "an adult": adults go unnamed by id, because the adult a restricted
// concern is about is one of them, and a person's id beside the family is a detail of that
// concern (docs/rules.md, "Who sees what"). The case's ids of adults stay in the ecomap.
std::string person_label(const NodeView& person);

// ", aged 8", ", aged under 1", or "" when the date of birth is unknown.
std::string aged(int age_in_years);

// "Amy Ash (8)", "Amy Ash (under 1)", "Amy Ash" when the age is unknown, or "" when the case
// gives the person no display name. Not escaped. Names appear only on the two HTML pages.
std::string display_name(const PersonView& person);

// A child as a heading names them: "Amy Ash (8)" when the case gives a name, else
// "P-ASH-C1, aged 8". Escaped.
std::string child_heading(const Results& results, std::size_t row);

// A recorded entry's attribution: "SW-0417, 12 October 2026, AG-SCH-01" (who, when, from where).
// Escaped; `date` is already formatted.
std::string attribution(const EntryView& entry, const std::string& date);

// The entries of one kind, in date order.
std::vector<EntryView> entries_of(const std::vector<EntryView>& entries, EntryKind kind);

// The people of the children's households and circles, as a reader may see them: each person
// (vertex order) with how they are related to the children, "looks after" -> child ids.
// Friends (peers outside the household) are left out, and so is anyone the reader could know
// of only through evidence (a person a concern names but no relation or household joins): only
// declared relations and households put someone in the family.
inline constexpr const char* kLooksAfter = "looks after";
inline constexpr const char* kSiblingOf = "brother or sister of";
using FamilyPeople = std::map<VertexIndex, std::map<std::string, std::vector<std::string>>>;
FamilyPeople family_people(const Results& results, const std::vector<std::size_t>& rows,
                           const Viewer& viewer);

// The people of the children's households and circles (friends left out) as a table: who,
// age, household and how each is related to the children.
std::string composition_table(const Results& results, const std::vector<std::size_t>& rows,
                              const Viewer& viewer);

// Which index set the child's level from its score, and why: "Set by the Neglect index: its
// score 8.26 reaches Child in need (from 8)." A level comes from the highest single index.
std::string level_reason(const Results& results, std::size_t row, const Viewer& viewer);

// The family version (family.cpp).
std::string family_html(const Results& results, const std::vector<std::size_t>& rows,
                        const RenderOptions& options);

}  // namespace safeguard::render_detail
