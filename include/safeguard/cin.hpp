// The Children in Need census return (the Department for Education's yearly XML collection):
// read it in one streaming pass, check it against the census validation rules, turn it into a
// case graph, compute the measures the census is published for, and write it back.
// docs/cin-census.md maps every element and cites the census guide for each rule and measure.
#pragma once

#include "safeguard/detail/export.hpp"

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "safeguard/calendar.hpp"
#include "safeguard/day.hpp"
#include "safeguard/graph.hpp"

namespace safeguard {
struct Viewer;  // explain.hpp
}

namespace safeguard::cin {

// Where an item starts in the return (expat's line and column, 1-based; 0 when built in code).
// Not part of the data: the comparisons below leave it out.
struct Position {
  int line = 0;
  int column = 0;
};

// An element of a later census layout than the one this reader knows (a name the layout below
// does not have, such as a new year's pre-proceedings items), kept as written so an export gives
// it back where it was: the container it was in, and its XML (its elements and their trimmed
// text; attributes, comments and layout are not kept). Reported as `later_element`.
struct LaterElement {
  std::string in;   // the container: "ChildIdentifiers", "CINdetails", "Section47"...
  std::string xml;  // "<PreProceedings><PLOStartDate>2025-01-06</PLOStartDate></PreProceedings>"
  bool operator==(const LaterElement& o) const { return in == o.in && xml == o.xml; }
};

struct Assessment {
  Day start = kNoDay;                // AssessmentActualStartDate
  Day internal_review = kNoDay;      // AssessmentInternalReviewDate
  Day authorised = kNoDay;           // AssessmentAuthorisationDate: the assessment's completion
  std::vector<std::string> factors;  // AssessmentFactors codes, in the order written
  std::vector<LaterElement> later;   // in Assessments or FactorsIdentifiedAtAssessment
  Position at;
  bool operator==(const Assessment& o) const {
    return start == o.start && internal_review == o.internal_review && authorised == o.authorised &&
           factors == o.factors && later == o.later;
  }
};

struct CinPlan {
  Day start = kNoDay;  // CINPlanStartDate
  Day end = kNoDay;    // CINPlanEndDate
  std::vector<LaterElement> later;
  Position at;
  bool operator==(const CinPlan& o) const {
    return start == o.start && end == o.end && later == o.later;
  }
};

struct Section47 {
  Day start = kNoDay;                           // S47ActualStartDate
  Day conference_target = kNoDay;               // InitialCPCtarget
  Day conference = kNoDay;                      // DateOfInitialCPC
  std::optional<bool> conference_not_required;  // ICPCnotRequired
  std::vector<LaterElement> later;
  Position at;
  bool operator==(const Section47& o) const {
    return start == o.start && conference_target == o.conference_target &&
           conference == o.conference && conference_not_required == o.conference_not_required &&
           later == o.later;
  }
};

struct ProtectionPlan {
  Day start = kNoDay;                 // CPPstartDate
  Day end = kNoDay;                   // CPPendDate
  std::string initial_category;       // InitialCategoryOfAbuse: NEG, PHY, SAB, EMO, MUL
  std::string latest_category;        // LatestCategoryOfAbuse
  std::optional<int> previous_plans;  // NumberOfPreviousCPP
  std::vector<Day> reviews;           // Reviews/CPPreviewDate, in the order written
  std::vector<LaterElement> later;    // in ChildProtectionPlans or Reviews
  Position at;
  bool operator==(const ProtectionPlan& o) const {
    return start == o.start && end == o.end && initial_category == o.initial_category &&
           latest_category == o.latest_category && previous_plans == o.previous_plans &&
           reviews == o.reviews && later == o.later;
  }
};

// One episode of need (CINdetails): a referral and what followed it.
struct Episode {
  Day referral = kNoDay;             // CINreferralDate
  std::string referral_source;       // ReferralSource: 1A..10
  std::string primary_need;          // PrimaryNeedCode: N0..N9
  Day closure = kNoDay;              // CINclosureDate
  std::string closure_reason;        // ReasonForClosure: RC1..RC9
  Day initial_conference = kNoDay;   // DateOfInitialCPC (on the episode)
  std::optional<bool> referral_nfa;  // ReferralNFA
  std::vector<Assessment> assessments;
  std::vector<CinPlan> cin_plans;
  std::vector<Section47> section47s;
  std::vector<ProtectionPlan> protection_plans;
  std::vector<LaterElement> later;  // in CINdetails
  Position at;
  bool operator==(const Episode& o) const {
    return referral == o.referral && referral_source == o.referral_source &&
           primary_need == o.primary_need && closure == o.closure &&
           closure_reason == o.closure_reason && initial_conference == o.initial_conference &&
           referral_nfa == o.referral_nfa && assessments == o.assessments &&
           cin_plans == o.cin_plans && section47s == o.section47s &&
           protection_plans == o.protection_plans && later == o.later;
  }
};

// How the return states a child's sex: GenderCurrent (1, 2, 0, 9), as every published schema
// 2016-2024 has it, or Sex (M, F, U), which none of them has (read with a not_in_schema
// finding). Kept as written so an export gives back what it read.
enum class SexElement : std::uint8_t { none, gender_current, sex };

struct Child {
  std::string la_child_id;      // LAchildID: the authority's id, the child's id in the graph
  std::string upn;              // UPN
  std::string former_upn;       // FormerUPN
  std::string upn_unknown;      // UPNunknown: UN1..UN10
  Day birth = kNoDay;           // PersonBirthDate
  Day expected_birth = kNoDay;  // ExpectedPersonBirthDate (an unborn child)
  Day death = kNoDay;           // PersonDeathDate
  // Group attributes, for a disparity audit only: kept here and in the frames, never in the
  // graph, so no rule can read them.
  SexElement sex_element = SexElement::none;
  std::string sex;                        // the code as written
  std::string ethnicity;                  // Ethnicity: WBRI, MWBC, ...
  std::vector<std::string> disabilities;  // Disability codes: NONE, MOB, HAND, ...
  std::vector<Episode> episodes;
  std::vector<LaterElement> later;  // in Child, ChildIdentifiers, ChildCharacteristics...
  Position at;
  bool operator==(const Child& o) const {
    return la_child_id == o.la_child_id && upn == o.upn && former_upn == o.former_upn &&
           upn_unknown == o.upn_unknown && birth == o.birth && expected_birth == o.expected_birth &&
           death == o.death && sex_element == o.sex_element && sex == o.sex &&
           ethnicity == o.ethnicity && disabilities == o.disabilities && episodes == o.episodes &&
           later == o.later;
  }
};

struct Header {
  std::string collection;           // Collection: "CIN"
  std::string year;                 // Year: the census year, "2025"
  Day reference_date = kNoDay;      // ReferenceDate: the last day of the census period
  std::string source_level;         // SourceLevel: "L"
  std::string authority;            // LEA: the local authority's three-digit code
  std::string software_code;        // SoftwareCode
  std::string release;              // Release
  std::string serial_no;            // SerialNo
  std::string date_time;            // DateTime: when the return was made, as written
  std::vector<LaterElement> later;  // in Header, CollectionDetails or Source
  bool operator==(const Header& o) const {
    return collection == o.collection && year == o.year && reference_date == o.reference_date &&
           source_level == o.source_level && authority == o.authority &&
           software_code == o.software_code && release == o.release && serial_no == o.serial_no &&
           date_time == o.date_time && later == o.later;
  }
};

// An item that breaks a census validation rule: the rule (our id, docs/cin-census.md lists
// them with the census guide's wording), what it means, and where. Never quotes case text.
struct Finding {
  std::string rule;     // "date_order", "nfa_with_assessment", "unknown_code"...
  std::string message;  // the rule's meaning for this item
  Position at;
  std::string child;  // LAchildID, or empty
};

struct Return {
  Header header;
  std::vector<Child> children;
  std::vector<Finding> findings;
  // The census period: the year up to and including header.reference_date.
  Day period_start() const;
  Day period_end() const { return header.reference_date; }
};

// Limits a return is held to; input past one fails with Status::limit naming it.
struct ReadLimits {
  std::size_t max_bytes = std::size_t(4) << 30;  // a national-scale return is far smaller
  std::size_t max_depth = 16;                    // the census layout is 7 deep
  std::size_t max_text_bytes = 1024;             // one element's text (codes, dates, ids)
  // One markup token: a tag with its attributes, a comment, a processing instruction, a CDATA
  // section or a DOCTYPE, from its '<' to its '>'; checked before expat holds it in memory.
  std::size_t max_markup_bytes = 64 * 1024;
  std::size_t max_children = 5'000'000;
  std::size_t max_items_per_child = 10'000;  // episodes, assessments, plans, reviews, factors
  // Findings kept; past it they are counted, and one last finding (too_many_findings) says how
  // many more there were, so a file of nothing but unknown elements cannot grow memory.
  std::size_t max_findings = 100'000;
};

struct ReadOptions {
  // Refuse a return with any finding (Status::invalid_data naming the first), instead of
  // reporting them beside the data.
  bool strict = false;
  ReadLimits limits;
};

// Reads a return in one streaming pass (expat; no document is built). Malformed XML, a
// malformed value (a date such as 2026-02-30, a number that is not one), a DOCTYPE or a limit
// throw Error with the name, line, column and LAchildID; items that break census rules become
// findings (or, strict, an Error). `name` labels messages.
SAFEGUARD_EXPORT Return read(std::string_view text, const std::string& name,
                             const ReadOptions& options = {});
SAFEGUARD_EXPORT Return read_file(const std::string& path, const ReadOptions& options = {});

// The return as census XML: the elements in the order the schema lists them, optional ones
// left out when empty, text escaped. read(write(r)) gives r's data back.
SAFEGUARD_EXPORT std::string write(const Return& cin_return);

// ---- Into the graph ------------------------------------------------------------------------

// The category an assessment factor code becomes: the default pack's category where one
// matches ("16A" -> "neglect"...), otherwise "cin_" and the code in lower case ("cin_7a"),
// reported by to_batch. `matched` says which.
struct FactorCategory {
  std::string category;
  bool matched = false;
};
SAFEGUARD_EXPORT FactorCategory factor_category(std::string_view code);
// Whether a code is one of the census's assessment factor codes.
SAFEGUARD_EXPORT bool is_factor_code(std::string_view code);
// What an assessment factor code means in the census's code set ("22A": "female genital
// mutilation"; docs/cin-census.md gives the source), or empty for a code not in it.
SAFEGUARD_EXPORT std::string_view factor_meaning(std::string_view code);

struct Conversion {
  Batch batch;
  // Findings of the conversion: factor codes with no category in the default pack.
  std::vector<Finding> findings;
};

// The batch that puts a return into a graph: the authority as an agency, each child as a
// person (disabilities as flags), each assessment factor as a concern, and referrals,
// assessments, section 47 enquiries, conferences, plans and reviews as process events. Ids are
// derived from LAchildID and the dates that make an item the same one in every year's return
// ("<id>/episode_2024-04-02/assessment_2024-04-03/3B": an episode by its referral date, an
// assessment, enquiry or plan by its start, a review by its date; "#2" tells apart two on one
// day). So a second load of the same return into a graph is refused as duplicate rather than
// doubling it, and a later year's return applied to a record with to_upsert_batch (record.hpp)
// restates the children it holds and adds what is new.
SAFEGUARD_EXPORT Conversion to_batch(const Return& cin_return);
// Applies to_batch(cin_return) to `graph` as one batch, all or nothing; an error names the
// child and the return's line and column. The authority's agency is added only when the graph
// does not already have it (a second year's return for the same authority).
SAFEGUARD_EXPORT void load(CaseGraph& graph, const Return& cin_return, const std::string& name);

// ---- Out of the graph ---------------------------------------------------------------------

// What to_return writes from a graph.
struct ExportOptions {
  // The census period, both days included; kNoDay leaves that end open. An episode is written
  // when it is open on some day of it (referred by `to`, not closed before `from`), with what
  // happened up to `to`: later events, closures, plan ends and CIN plans are left out. `to`
  // is the return's ReferenceDate (and Year); without it, the details' header's.
  Day from = kNoDay;
  Day to = kNoDay;
  // The reader the return is for. A restricted concern (an assessment factor) is written only
  // when the reader is cleared for its source agency (docs/rules.md, "Who sees what"); null is
  // a reader cleared for nothing, so nothing restricted leaves by default.
  const Viewer* viewer = nullptr;
  // The return the graph was imported from (cin::read), or null. Its items (sex, ethnicity,
  // UPNs, death, referral source, primary need, closure and its reason, CIN plans, internal
  // reviews, conference targets, categories as coded, previous plans, factor codes that make no
  // concern, later layouts' elements, the header) are matched to the graph's events and
  // concerns by the ids the import gave them. Null: the graph's own kept items (the import
  // keeps them in the record: the children's group attributes and their record_source events'
  // items), so a graph or record imported from a return needs no details; a graph that never
  // came from a return is written from its events alone.
  const Return* details = nullptr;
};

// The graph as a census return. Each child with a referral event (or, without a period, in the
// details) is a Child; its events, in the graph's order, become the episode items the import
// made them from (by id, with the details' codes), and events added since are placed by date:
// a referral starts an episode, other steps join the episode of the latest referral on or
// before them (an assessment completion the open assessment, a conference the open enquiry,
// a review or end the open plan). Steps the census does not record (strategy discussions, core
// groups, visits...) are not written. Assessment factors are the concerns named
// "<assessment>/<code>"; retracted ones, and restricted ones the reader is not cleared for,
// are left out. import -> to_return -> import gives the same return (docs/cin-census.md,
// "Writing a return").
SAFEGUARD_EXPORT Return to_return(const CaseGraph& graph, const ExportOptions& options = {});
// write(to_return(graph, options)).
SAFEGUARD_EXPORT std::string write_return(const CaseGraph& graph,
                                          const ExportOptions& options = {});

// ---- Measures ------------------------------------------------------------------------------

enum class MeasureId : std::uint8_t {
  assessments_within_45_days,
  conferences_within_15_days,
  reviews_within_timescale,
  rereferrals_within_12_months,
  second_or_subsequent_plans,
  plans_two_years_or_more,
};
inline constexpr int kMeasureCount = 6;

SAFEGUARD_EXPORT std::string_view to_string(MeasureId id) noexcept;
// "assessments completed within 45 working days", for tables.
SAFEGUARD_EXPORT std::string_view measure_title(MeasureId id) noexcept;

struct Count {
  long count = 0;
  long denominator = 0;
  // count / denominator, or nullopt when there is nothing to measure.
  std::optional<double> rate() const {
    if (denominator == 0) return std::nullopt;
    return static_cast<double>(count) / static_cast<double>(denominator);
  }
};

struct ChildMeasures {
  std::string child;  // LAchildID
  std::array<Count, kMeasureCount> counts;
};

struct Measures {
  Day period_start = kNoDay;
  Day period_end = kNoDay;
  std::array<Count, kMeasureCount> authority;
  std::vector<ChildMeasures> children;  // in the return's order, every child
};

// The census measures over the return's period, with working days on `calendar` (England's
// bank holidays for an English return). docs/cin-census.md gives each definition. Throws
// Error(Status::invalid_data) when the return has no ReferenceDate.
SAFEGUARD_EXPORT Measures measures(const Return& cin_return, const WorkingCalendar& calendar);
SAFEGUARD_EXPORT Measures measures(const Return& cin_return);  // England's calendar

// ---- As JSON and CSV -----------------------------------------------------------------------

// The return as flat tables, one JSON array per kind of row (children, disabilities,
// episodes, assessments, factors, cin_plans, section47, protection_plans, reviews, findings),
// each row naming its child: what the Python package turns into data frames.
SAFEGUARD_EXPORT std::string to_json(const Return& cin_return);
// The measures: the period, one row per measure for the authority (count, denominator, rate)
// and one row per child (each measure's count and denominator).
SAFEGUARD_EXPORT std::string to_json(const Measures& measures);
// The measures as CSV: one row per measure (measure,count,denominator,rate), or, per_child,
// one row per child with each measure's count and denominator.
SAFEGUARD_EXPORT std::string to_csv(const Measures& measures, bool per_child);

}  // namespace safeguard::cin
