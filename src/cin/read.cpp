// Reading a census return: one streaming pass with expat (no document is built), each element's
// text gathered into one bounded buffer and stored when the element closes, each child checked
// against the census validation rules when it closes.
#include <expat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cin/codes.hpp"
#include "cin/markup_bound.hpp"
#include "safeguard/cin.hpp"
#include "util/file.hpp"
#include "util/markup.hpp"
#include "util/utf8.hpp"

namespace safeguard::cin {

Day Return::period_start() const {
  if (header.reference_date == kNoDay) return kNoDay;
  return add_months(header.reference_date, -12) + 1;
}

namespace {

// Every element of the census layout. `other` is one the layout does not have.
enum class El : std::uint8_t {
  other,
  Message,
  Header,
  CollectionDetails,
  Collection,
  Year,
  ReferenceDate,
  Source,
  SourceLevel,
  LEA,
  SoftwareCode,
  Release,
  SerialNo,
  DateTime,
  Children,
  Child,
  ChildIdentifiers,
  LAchildID,
  UPN,
  FormerUPN,
  UPNunknown,
  PersonBirthDate,
  ExpectedPersonBirthDate,
  GenderCurrent,
  Sex,
  PersonDeathDate,
  ChildCharacteristics,
  Ethnicity,
  Disabilities,
  Disability,
  CINdetails,
  CINreferralDate,
  ReferralSource,
  PrimaryNeedCode,
  CINclosureDate,
  ReasonForClosure,
  DateOfInitialCPC,
  ReferralNFA,
  Assessments,
  AssessmentActualStartDate,
  AssessmentInternalReviewDate,
  AssessmentAuthorisationDate,
  FactorsIdentifiedAtAssessment,
  AssessmentFactorsList,  // our earlier exports' spelling of FactorsIdentifiedAtAssessment
  AssessmentFactors,
  CINPlanDates,
  CINPlanStartDate,
  CINPlanEndDate,
  Section47,
  S47ActualStartDate,
  InitialCPCtarget,
  ICPCnotRequired,
  ChildProtectionPlans,
  CPPstartDate,
  CPPendDate,
  InitialCategoryOfAbuse,
  LatestCategoryOfAbuse,
  NumberOfPreviousCPP,
  Reviews,
  CPPreviewDate,
};

struct ElementInfo {
  std::string_view name;
  El element;
  El parent;  // the element it belongs in (DateOfInitialCPC has two: handled in allowed_in)
};

constexpr ElementInfo kElements[] = {
    {"Message", El::Message, El::other},
    {"Header", El::Header, El::Message},
    {"CollectionDetails", El::CollectionDetails, El::Header},
    {"Collection", El::Collection, El::CollectionDetails},
    {"Year", El::Year, El::CollectionDetails},
    {"ReferenceDate", El::ReferenceDate, El::CollectionDetails},
    {"Source", El::Source, El::Header},
    {"SourceLevel", El::SourceLevel, El::Source},
    {"LEA", El::LEA, El::Source},
    {"SoftwareCode", El::SoftwareCode, El::Source},
    {"Release", El::Release, El::Source},
    {"SerialNo", El::SerialNo, El::Source},
    {"DateTime", El::DateTime, El::Source},
    {"Children", El::Children, El::Message},
    {"Child", El::Child, El::Children},
    {"ChildIdentifiers", El::ChildIdentifiers, El::Child},
    {"LAchildID", El::LAchildID, El::ChildIdentifiers},
    {"UPN", El::UPN, El::ChildIdentifiers},
    {"FormerUPN", El::FormerUPN, El::ChildIdentifiers},
    {"UPNunknown", El::UPNunknown, El::ChildIdentifiers},
    {"PersonBirthDate", El::PersonBirthDate, El::ChildIdentifiers},
    {"ExpectedPersonBirthDate", El::ExpectedPersonBirthDate, El::ChildIdentifiers},
    {"GenderCurrent", El::GenderCurrent, El::ChildIdentifiers},
    {"Sex", El::Sex, El::ChildIdentifiers},
    {"PersonDeathDate", El::PersonDeathDate, El::ChildIdentifiers},
    {"ChildCharacteristics", El::ChildCharacteristics, El::Child},
    {"Ethnicity", El::Ethnicity, El::ChildCharacteristics},
    {"Disabilities", El::Disabilities, El::ChildCharacteristics},
    {"Disability", El::Disability, El::Disabilities},
    {"CINdetails", El::CINdetails, El::Child},
    {"CINreferralDate", El::CINreferralDate, El::CINdetails},
    {"ReferralSource", El::ReferralSource, El::CINdetails},
    {"PrimaryNeedCode", El::PrimaryNeedCode, El::CINdetails},
    {"CINclosureDate", El::CINclosureDate, El::CINdetails},
    {"ReasonForClosure", El::ReasonForClosure, El::CINdetails},
    {"DateOfInitialCPC", El::DateOfInitialCPC, El::CINdetails},
    {"ReferralNFA", El::ReferralNFA, El::CINdetails},
    {"Assessments", El::Assessments, El::CINdetails},
    {"AssessmentActualStartDate", El::AssessmentActualStartDate, El::Assessments},
    {"AssessmentInternalReviewDate", El::AssessmentInternalReviewDate, El::Assessments},
    {"AssessmentAuthorisationDate", El::AssessmentAuthorisationDate, El::Assessments},
    {"FactorsIdentifiedAtAssessment", El::FactorsIdentifiedAtAssessment, El::Assessments},
    {"AssessmentFactorsList", El::AssessmentFactorsList, El::Assessments},
    {"AssessmentFactors", El::AssessmentFactors, El::FactorsIdentifiedAtAssessment},
    {"CINPlanDates", El::CINPlanDates, El::CINdetails},
    {"CINPlanStartDate", El::CINPlanStartDate, El::CINPlanDates},
    {"CINPlanEndDate", El::CINPlanEndDate, El::CINPlanDates},
    {"Section47", El::Section47, El::CINdetails},
    {"S47ActualStartDate", El::S47ActualStartDate, El::Section47},
    {"InitialCPCtarget", El::InitialCPCtarget, El::Section47},
    {"ICPCnotRequired", El::ICPCnotRequired, El::Section47},
    {"ChildProtectionPlans", El::ChildProtectionPlans, El::CINdetails},
    {"CPPstartDate", El::CPPstartDate, El::ChildProtectionPlans},
    {"CPPendDate", El::CPPendDate, El::ChildProtectionPlans},
    {"InitialCategoryOfAbuse", El::InitialCategoryOfAbuse, El::ChildProtectionPlans},
    {"LatestCategoryOfAbuse", El::LatestCategoryOfAbuse, El::ChildProtectionPlans},
    {"NumberOfPreviousCPP", El::NumberOfPreviousCPP, El::ChildProtectionPlans},
    {"Reviews", El::Reviews, El::ChildProtectionPlans},
    {"CPPreviewDate", El::CPPreviewDate, El::Reviews},
};

// kElements lists the elements in El's order, so an element's entry is found by its value.
constexpr bool in_enum_order() {
  for (std::size_t i = 0; i < std::size(kElements); ++i) {
    if (static_cast<std::size_t>(kElements[i].element) != i + 1) return false;
  }
  return true;
}
static_assert(in_enum_order(), "kElements must list the elements in El's order");

const ElementInfo* find_element(std::string_view name) {
  static const std::unordered_map<std::string_view, const ElementInfo*> index = [] {
    std::unordered_map<std::string_view, const ElementInfo*> map;
    for (const ElementInfo& info : kElements) map.emplace(info.name, &info);
    return map;
  }();
  const auto it = index.find(name);
  return it == index.end() ? nullptr : it->second;
}

bool allowed_in(const ElementInfo& info, El parent) {
  if (info.element == El::DateOfInitialCPC) {
    return parent == El::CINdetails || parent == El::Section47;
  }
  if (info.element == El::AssessmentFactors) {
    return parent == El::FactorsIdentifiedAtAssessment || parent == El::AssessmentFactorsList;
  }
  return info.parent == parent;
}

// Elements whose content is other elements; the rest hold text.
bool is_container(El element) {
  switch (element) {
    case El::Message:
    case El::Header:
    case El::CollectionDetails:
    case El::Source:
    case El::Children:
    case El::Child:
    case El::ChildIdentifiers:
    case El::ChildCharacteristics:
    case El::Disabilities:
    case El::CINdetails:
    case El::Assessments:
    case El::FactorsIdentifiedAtAssessment:
    case El::AssessmentFactorsList:
    case El::CINPlanDates:
    case El::Section47:
    case El::ChildProtectionPlans:
    case El::Reviews:
      return true;
    default:
      return false;
  }
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

struct Frame {
  El element = El::other;
  bool skipped = false;  // inside an element the layout does not have: not imported
  Position at;
  bool kept = false;  // inside a later layout's element: kept as written (LaterElement)
};

// Containers in which an element the layout does not name is kept as a later layout's
// (LaterElement): all but the document's own two; elsewhere (beside Header or Children, inside
// a value) it is skipped.
bool keeps_later(El element) {
  return is_container(element) && element != El::Message && element != El::Children;
}

class Reader {
 public:
  Reader(const std::string& name, const ReadOptions& options)
      : name_(name), options_(options), markup_(options.limits.max_markup_bytes) {
    parser_ = XML_ParserCreate(nullptr);
    if (!parser_) throw std::bad_alloc();
    XML_SetUserData(parser_, this);
    XML_SetElementHandler(parser_, &Reader::on_start, &Reader::on_end);
    XML_SetCharacterDataHandler(parser_, &Reader::on_text);
    XML_SetStartDoctypeDeclHandler(parser_, &Reader::on_doctype);
    XML_SetProcessingInstructionHandler(parser_, nullptr);
  }
  ~Reader() { XML_ParserFree(parser_); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Each piece's markup is bounded before expat sees it (markup_bound.hpp): a token over
  // ReadLimits::max_markup_bytes is refused once expat has had the bytes before its limit, so
  // an error expat finds earlier (in the token or before it) is the one reported.
  void feed(const char* data, std::size_t size, bool last) {
    constexpr std::size_t kSlice = std::size_t(1) << 30;  // expat takes an int length
    do {
      const std::size_t slice = size < kSlice ? size : kSlice;
      const std::size_t over = markup_.scan(data, slice);
      if (over != detail::MarkupBound::npos) {
        parse(data, over, false);
        fail(Status::limit,
             std::string(markup_.kind()) + " is longer than " +
                 std::to_string(options_.limits.max_markup_bytes) +
                 " bytes (ReadLimits::max_markup_bytes)",
             markup_.start());
      }
      parse(data, slice, last && slice == size);
      data += slice;
      size -= slice;
    } while (size > 0);
  }

  static bool is_header_item(El element) {
    switch (element) {
      case El::Collection:
      case El::Year:
      case El::ReferenceDate:
      case El::SourceLevel:
      case El::LEA:
      case El::SerialNo:
      case El::DateTime:
        return true;
      default:
        return false;
    }
  }

  // Where the header's element was read, for a finding about it once the return is read; the
  // start of the return when it was not there.
  Position header_at(El element) const {
    const auto found = header_at_.find(element);
    return found != header_at_.end() ? found->second : Position{1, 1};
  }

  Return finish() {
    if (!seen_message_) fail(Status::parse, "the return has no Message element", Position{1, 1});
    const Header& header = result_.header;
    if (header.reference_date == kNoDay) {
      add_finding("mandatory", "the header has no ReferenceDate (the census reference date)",
                  Position{1, 1}, {});
    }
    if (!header.collection.empty() && header.collection != "CIN") {
      add_finding("unknown_code",
                  "Collection " + safeguard::detail::quote_for_error(header.collection) +
                      " is not CIN (this is not a Children in Need census return)",
                  header_at(El::Collection), {});
    }
    // The published schema's patterns for the header's items (an export writes them as read).
    const auto pattern = [&](const std::string& value, bool (*valid)(std::string_view) noexcept,
                             El element, const char* expected) {
      if (!value.empty() && !valid(value)) {
        add_finding("schema_pattern",
                    std::string(element_name(element)) + " " +
                        safeguard::detail::quote_for_error(value) + " is not " + expected +
                        " (the published schema's pattern)",
                    header_at(element), {});
      }
    };
    pattern(header.authority, detail::is_lea, El::LEA, "three digits");
    pattern(header.serial_no, detail::is_serial_no, El::SerialNo, "three or more digits");
    pattern(header.year, detail::is_year, El::Year, "a four-digit year");
    pattern(header.date_time, detail::is_date_time, El::DateTime, "a date and time");
    if (!header.source_level.empty() && header.source_level != "L") {
      add_finding("unknown_code",
                  "SourceLevel " + safeguard::detail::quote_for_error(header.source_level) +
                      " is not L (local authority), the only level the schema has",
                  header_at(El::SourceLevel), {});
    }
    if (!header.year.empty() && header.reference_date != kNoDay &&
        header.year != format_iso_date(header.reference_date).substr(0, 4)) {
      add_finding("header_year",
                  "Year " + safeguard::detail::quote_for_error(header.year) +
                      " is not the year of the ReferenceDate (the census year ends on it)",
                  header_at(El::Year), {});
    }
    if (unlisted_findings_ > 0) {
      result_.findings.push_back(
          Finding{"too_many_findings",
                  std::to_string(unlisted_findings_) +
                      " more findings are not listed (ReadLimits::max_findings is " +
                      std::to_string(options_.limits.max_findings) + ")",
                  Position{1, 1},
                  {}});
    }
    return std::move(result_);
  }

 private:
  // Gives expat `size` more bytes; rethrows what a handler threw, or throws expat's error.
  void parse(const char* data, std::size_t size, bool final_piece) {
    const XML_Status status =
        XML_Parse(parser_, data, static_cast<int>(size), final_piece ? XML_TRUE : XML_FALSE);
    if (pending_) std::rethrow_exception(pending_);
    if (status != XML_STATUS_OK) fail_from_expat();
  }

  // ---- expat callbacks: each catches everything and stops the parser -----------------------
  static void XMLCALL on_start(void* user, const XML_Char* name, const XML_Char** attributes) {
    auto* self = static_cast<Reader*>(user);
    self->guarded([&] { self->start(name, attributes); });
  }
  static void XMLCALL on_end(void* user, const XML_Char* name) {
    auto* self = static_cast<Reader*>(user);
    self->guarded([&] { self->end(name); });
  }
  static void XMLCALL on_text(void* user, const XML_Char* text, int length) {
    auto* self = static_cast<Reader*>(user);
    self->guarded([&] { self->text(std::string_view(text, static_cast<std::size_t>(length))); });
  }
  static void XMLCALL on_doctype(void* user, const XML_Char*, const XML_Char*, const XML_Char*,
                                 int) {
    auto* self = static_cast<Reader*>(user);
    self->guarded([&] {
      self->fail(Status::parse,
                 "a DOCTYPE declaration is not allowed in a census return (entities are not "
                 "expanded)",
                 self->here());
    });
  }

  template <typename Body>
  void guarded(Body&& body) {
    if (pending_) return;
    try {
      body();
    } catch (...) {
      pending_ = std::current_exception();
      XML_StopParser(parser_, XML_FALSE);
    }
  }

  Position here() const {
    return Position{static_cast<int>(XML_GetCurrentLineNumber(parser_)),
                    static_cast<int>(XML_GetCurrentColumnNumber(parser_)) + 1};
  }

  [[noreturn]] void fail(Status status, const std::string& message, Position at) const {
    throw Error(status, message, Location(name_, at.line, at.column, current_child_id()));
  }

  std::string current_child_id() const { return in_child_ ? child_.la_child_id : std::string(); }

  [[noreturn]] void fail_from_expat() {
    const XML_Error code = XML_GetErrorCode(parser_);
    const Position at = here();
    Status status = Status::parse;
    if (code == XML_ERROR_INVALID_TOKEN || code == XML_ERROR_PARTIAL_CHAR) {
      int offset = 0;
      int size = 0;
      const char* context = XML_GetInputContext(parser_, &offset, &size);
      if (context && offset >= 0 && offset < size) {
        const std::string_view rest(context + offset, static_cast<std::size_t>(size - offset));
        if (safeguard::detail::first_invalid_utf8(rest.substr(0, 4)) == 0) {
          status = Status::encoding;
        }
      }
      if (code == XML_ERROR_PARTIAL_CHAR) status = Status::encoding;
    }
    const char* reason = XML_ErrorString(code);
    fail(status,
         status == Status::encoding ? std::string("invalid UTF-8 (") + reason + ")"
                                    : std::string("malformed XML: ") + (reason ? reason : "error"),
         at);
  }

  void add_finding(std::string rule, std::string message, Position at, std::string child) {
    if (options_.strict) {
      throw Error(Status::invalid_data,
                  "breaks a census rule (" + rule + "): " + message + " (strict mode)",
                  Location(name_, at.line, at.column, child));
    }
    if (result_.findings.size() >= options_.limits.max_findings) {
      ++unlisted_findings_;
      return;
    }
    result_.findings.push_back(Finding{std::move(rule), std::move(message), at, std::move(child)});
  }
  void child_finding(std::string rule, std::string message, Position at) {
    add_finding(std::move(rule), std::move(message), at, child_.la_child_id);
  }

  // ---- elements ------------------------------------------------------------------------------
  void start(const XML_Char* raw_name, const XML_Char** attributes) {
    const Position at = here();
    if (stack_.size() >= options_.limits.max_depth) {
      fail(Status::limit,
           "elements nested deeper than " + std::to_string(options_.limits.max_depth) +
               " levels (ReadLimits::max_depth)",
           at);
    }
    (void)attributes;  // the census layout has none; xmlns and the like are allowed and unused
    const std::string_view name(raw_name);
    text_.clear();
    text_at_ = at;
    if (stack_.empty()) {
      if (name != "Message") {
        fail(Status::parse,
             "the root element must be Message, not " + safeguard::detail::quote_for_error(name),
             at);
      }
      seen_message_ = true;
      stack_.push_back(Frame{El::Message, false, at});
      return;
    }
    const Frame& parent = stack_.back();
    if (parent.skipped) {
      if (parent.kept) {
        flush_later_text();
        count_item(at);
        later_xml_ += '<';
        later_xml_ += name;
        later_xml_ += '>';
      }
      stack_.push_back(Frame{El::other, true, at, parent.kept});
      return;
    }
    const ElementInfo* info = find_element(name);
    if (!info && keeps_later(parent.element)) {
      add_finding("later_element",
                  "element " + safeguard::detail::quote_for_error(name) +
                      " is not in the census layout this reader knows (a later layout's, or a "
                      "misspelling); kept as written and given back by an export, not otherwise "
                      "imported",
                  at, current_child_id());
      count_item(at);
      later_in_ = parent.element;
      later_xml_.clear();
      later_text_.clear();
      later_xml_ += '<';
      later_xml_ += name;
      later_xml_ += '>';
      stack_.push_back(Frame{El::other, true, at, true});
      return;
    }
    if (!info || !allowed_in(*info, parent.element)) {
      add_finding("unknown_element",
                  "element " + safeguard::detail::quote_for_error(name) +
                      (info ? " does not belong here in the census layout"
                            : " is not part of the census layout") +
                      "; it and its content are not imported",
                  at, current_child_id());
      stack_.push_back(Frame{El::other, true, at});
      return;
    }
    open(info->element, at);
    stack_.push_back(Frame{info->element, false, at});
  }

  void open(El element, Position at) {
    switch (element) {
      case El::Child:
        if (result_.children.size() >= options_.limits.max_children) {
          fail(Status::limit,
               "more than " + std::to_string(options_.limits.max_children) +
                   " children (ReadLimits::max_children)",
               at);
        }
        child_ = Child{};
        child_.at = at;
        in_child_ = true;
        items_ = 0;
        break;
      case El::CINdetails:
        count_item(at);
        child_.episodes.emplace_back();
        child_.episodes.back().at = at;
        break;
      case El::Assessments:
        count_item(at);
        episode().assessments.emplace_back();
        episode().assessments.back().at = at;
        break;
      case El::CINPlanDates:
        count_item(at);
        episode().cin_plans.emplace_back();
        episode().cin_plans.back().at = at;
        break;
      case El::Section47:
        count_item(at);
        episode().section47s.emplace_back();
        episode().section47s.back().at = at;
        break;
      case El::ChildProtectionPlans:
        count_item(at);
        episode().protection_plans.emplace_back();
        episode().protection_plans.back().at = at;
        break;
      case El::AssessmentFactorsList:
        add_finding("legacy_element",
                    "AssessmentFactorsList is not in the published schema (earlier exports of "
                    "this library wrote it); its factors are read as FactorsIdentifiedAtAssessment "
                    "and an export writes them so",
                    at, current_child_id());
        break;
      case El::Message:
        break;
      default:
        break;
    }
  }

  void count_item(Position at) {
    if (++items_ > options_.limits.max_items_per_child) {
      fail(Status::limit,
           "more than " + std::to_string(options_.limits.max_items_per_child) +
               " items in one child (ReadLimits::max_items_per_child)",
           at);
    }
  }

  Episode& episode() { return child_.episodes.back(); }

  void text(std::string_view chunk) {
    if (!stack_.empty() && stack_.back().kept) {
      if (later_text_.size() + chunk.size() > options_.limits.max_text_bytes) {
        fail(Status::limit,
             "an element's text is longer than " + std::to_string(options_.limits.max_text_bytes) +
                 " bytes (ReadLimits::max_text_bytes)",
             stack_.back().at);
      }
      later_text_.append(chunk);
      return;
    }
    if (stack_.empty() || stack_.back().skipped) return;
    if (is_container(stack_.back().element)) {
      if (!trimmed(chunk).empty() && !text_in_container_reported_) {
        text_in_container_reported_ = true;
        add_finding("unexpected_text",
                    "text directly inside a container element is not part of the census layout; "
                    "it is not imported",
                    here(), current_child_id());
      }
      return;
    }
    if (text_.size() + chunk.size() > options_.limits.max_text_bytes) {
      fail(Status::limit,
           "an element's text is longer than " + std::to_string(options_.limits.max_text_bytes) +
               " bytes (ReadLimits::max_text_bytes)",
           text_at_);
    }
    text_.append(chunk);
  }

  void end(const XML_Char* raw_name) {
    const Frame frame = stack_.back();
    stack_.pop_back();
    if (frame.kept) {
      flush_later_text();
      later_xml_ += "</";
      later_xml_ += raw_name;
      later_xml_ += '>';
      if (!stack_.back().kept) keep_later();
    }
    if (frame.skipped) return;
    if (is_container(frame.element)) {
      close_container(frame);
    } else {
      store(frame.element, std::string(trimmed(text_)), frame.at);
    }
    text_.clear();
  }

  // The text gathered in a later layout's element, trimmed and escaped into its XML.
  void flush_later_text() {
    const std::string_view text = trimmed(later_text_);
    if (!text.empty()) {
      if (const auto bad = safeguard::detail::first_unprintable(text)) {
        fail(Status::invalid_data,
             "a later layout's element holds " + safeguard::detail::describe_unprintable(*bad),
             here());
      }
      safeguard::detail::append_escaped(later_xml_, text, "&apos;");
    }
    later_text_.clear();
  }

  // A later layout's element, complete: kept with the item whose container held it.
  void keep_later() {
    // One kept in the legacy factors list is kept in (and written back into) the published one.
    const El in =
        later_in_ == El::AssessmentFactorsList ? El::FactorsIdentifiedAtAssessment : later_in_;
    LaterElement element{std::string(element_name(in)), std::move(later_xml_)};
    later_xml_.clear();
    switch (later_in_) {
      case El::Header:
      case El::CollectionDetails:
      case El::Source:
        result_.header.later.push_back(std::move(element));
        break;
      case El::CINdetails:
        episode().later.push_back(std::move(element));
        break;
      case El::Assessments:
      case El::FactorsIdentifiedAtAssessment:
      case El::AssessmentFactorsList:
        episode().assessments.back().later.push_back(std::move(element));
        break;
      case El::CINPlanDates:
        episode().cin_plans.back().later.push_back(std::move(element));
        break;
      case El::Section47:
        episode().section47s.back().later.push_back(std::move(element));
        break;
      case El::ChildProtectionPlans:
      case El::Reviews:
        episode().protection_plans.back().later.push_back(std::move(element));
        break;
      default:  // Child, ChildIdentifiers, ChildCharacteristics, Disabilities
        child_.later.push_back(std::move(element));
        break;
    }
  }

  void close_container(const Frame& frame) {
    if (frame.element == El::Child) close_child();
    if (frame.element == El::Assessments) check_factors(episode().assessments.back());
  }

  // ---- values --------------------------------------------------------------------------------
  Day date(const std::string& text, Position at, std::string_view element) const {
    Day day = kNoDay;
    std::string error;
    if (!parse_iso_date(text, day, error)) {
      fail(Status::invalid_data, std::string(element) + ": " + error, at);
    }
    return day;
  }

  bool boolean(const std::string& text, Position at, std::string_view element) const {
    // The published schema's yesnotype (2017 on; 2016's had only 0 and 1).
    if (text == "true" || text == "TRUE" || text == "1") return true;
    if (text == "false" || text == "FALSE" || text == "0") return false;
    fail(Status::invalid_data,
         std::string(element) + ": expected true, false, TRUE, FALSE, 1 or 0, got " +
             safeguard::detail::quote_for_error(text),
         at);
  }

  int number(const std::string& text, Position at, std::string_view element) const {
    if (text.empty() || text.size() > 4) {
      fail(Status::invalid_data,
           std::string(element) + ": expected a whole number 0..9999, got " +
               safeguard::detail::quote_for_error(text),
           at);
    }
    int value = 0;
    for (char c : text) {
      if (c < '0' || c > '9') {
        fail(Status::invalid_data,
             std::string(element) + ": expected a whole number 0..9999, got " +
                 safeguard::detail::quote_for_error(text),
             at);
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  // A code or id: printable text, quoted in messages only through quote_for_error.
  std::string token(std::string text, Position at, std::string_view element) const {
    if (const auto bad = safeguard::detail::first_unprintable(text)) {
      fail(Status::invalid_data,
           std::string(element) + " holds " + safeguard::detail::describe_unprintable(*bad), at);
    }
    return text;
  }

  // Stores a value once; a repeat is reported and the first kept.
  template <typename T, typename Empty>
  void once(T& slot, T value, Empty is_empty, Position at, std::string_view element) {
    if (!is_empty(slot)) {
      add_finding("repeated_element",
                  std::string(element) + " appears more than once; the first is kept", at,
                  current_child_id());
      return;
    }
    slot = std::move(value);
  }
  void once_day(Day& slot, Day value, Position at, std::string_view element) {
    once(
        slot, value, [](Day d) { return d == kNoDay; }, at, element);
  }
  void once_text(std::string& slot, std::string value, Position at, std::string_view element) {
    once(
        slot, std::move(value), [](const std::string& s) { return s.empty(); }, at, element);
  }

  // A child's characteristics (sex, ethnicity, disability) are personal details: a finding
  // about one names the element, its place and the child's id, never the value written there
  // (a system that wrote a description instead of a code would otherwise have it repeated).
  static std::string code_shown(std::string_view value, bool personal) {
    return personal ? std::string() : " " + safeguard::detail::quote_for_error(value);
  }

  void code(std::string& slot, std::string value, Position at, std::string_view element,
            std::string_view (*meaning)(std::string_view) noexcept, std::string_view set,
            bool personal = false) {
    if (!value.empty() && meaning(value).empty()) {
      add_finding("unknown_code",
                  std::string(element) + code_shown(value, personal) +
                      " is not in the census code set for " + std::string(set),
                  at, current_child_id());
    }
    once_text(slot, std::move(value), at, element);
  }

  // The elements whose text is a code from one of the census code sets.
  static bool is_code_element(El element) {
    switch (element) {
      case El::UPNunknown:
      case El::GenderCurrent:
      case El::Sex:
      case El::Ethnicity:
      case El::Disability:
      case El::ReferralSource:
      case El::PrimaryNeedCode:
      case El::ReasonForClosure:
      case El::AssessmentFactors:
      case El::InitialCategoryOfAbuse:
      case El::LatestCategoryOfAbuse:
        return true;
      default:
        return false;
    }
  }

  void store(El element, std::string text, Position at) {
    using namespace detail;
    if (text.empty()) {
      // An empty optional element says nothing; an empty mandatory one is reported by the
      // checks that run when its container closes. An empty code, though, is a code the
      // census code set does not have (the schema's code lists hold no empty one): reported
      // as any unknown code is, and not imported.
      if (is_code_element(element)) {
        add_finding("unknown_code",
                    std::string(element_name(element)) +
                        " is empty, which is not in the census code set; it is not imported",
                    at, current_child_id());
      }
      return;
    }
    Header& header = result_.header;
    const std::string_view name = element_name(element);
    if (is_header_item(element)) header_at_.emplace(element, at);  // the first, as kept
    switch (element) {
      case El::Collection:
        once_text(header.collection, token(std::move(text), at, name), at, name);
        break;
      case El::Year:
        once_text(header.year, token(std::move(text), at, name), at, name);
        break;
      case El::ReferenceDate:
        once_day(header.reference_date, date(text, at, name), at, name);
        break;
      case El::SourceLevel:
        once_text(header.source_level, token(std::move(text), at, name), at, name);
        break;
      case El::LEA:
        once_text(header.authority, token(std::move(text), at, name), at, name);
        break;
      case El::SoftwareCode:
        once_text(header.software_code, token(std::move(text), at, name), at, name);
        break;
      case El::Release:
        once_text(header.release, token(std::move(text), at, name), at, name);
        break;
      case El::SerialNo:
        once_text(header.serial_no, token(std::move(text), at, name), at, name);
        break;
      case El::DateTime:
        once_text(header.date_time, token(std::move(text), at, name), at, name);
        break;
      case El::LAchildID:
        if (text.size() > 256) {
          fail(Status::limit, "LAchildID is longer than 256 bytes", at);
        }
        once_text(child_.la_child_id, token(std::move(text), at, name), at, name);
        break;
      case El::UPN:
        once_text(child_.upn, token(std::move(text), at, name), at, name);
        break;
      case El::FormerUPN:
        once_text(child_.former_upn, token(std::move(text), at, name), at, name);
        break;
      case El::UPNunknown:
        code(child_.upn_unknown, token(std::move(text), at, name), at, name, upn_unknown_meaning,
             "UPN unknown reasons");
        break;
      case El::PersonBirthDate:
        once_day(child_.birth, date(text, at, name), at, name);
        break;
      case El::ExpectedPersonBirthDate:
        once_day(child_.expected_birth, date(text, at, name), at, name);
        break;
      case El::PersonDeathDate:
        once_day(child_.death, date(text, at, name), at, name);
        break;
      case El::GenderCurrent:
      case El::Sex: {
        const bool current = element == El::GenderCurrent;
        text = token(std::move(text), at, name);
        if (current ? !is_gender_current_code(text) : !is_sex_code(text)) {
          add_finding("unknown_code",
                      std::string(name) + code_shown(text, true) +
                          " is not in the census code set (" +
                          (current ? "0, 1, 2 or 9" : "M, F or U") + ")",
                      at, current_child_id());
        }
        if (child_.sex_element != SexElement::none) {
          add_finding("repeated_element",
                      "the child's sex is given more than once; the first is kept", at,
                      current_child_id());
          break;
        }
        child_.sex_element = current ? SexElement::gender_current : SexElement::sex;
        child_.sex = std::move(text);
        break;
      }
      case El::Ethnicity:
        code(child_.ethnicity, token(std::move(text), at, name), at, name, ethnicity_meaning,
             "ethnicity", true);
        break;
      case El::Disability: {
        text = token(std::move(text), at, name);
        count_item(at);
        if (disability_meaning(text).empty()) {
          add_finding("unknown_code",
                      "Disability" + code_shown(text, true) +
                          " is not in the census code set for disability",
                      at, current_child_id());
        }
        child_.disabilities.push_back(std::move(text));
        break;
      }
      case El::CINreferralDate:
        once_day(episode().referral, date(text, at, name), at, name);
        break;
      case El::ReferralSource:
        code(episode().referral_source, token(std::move(text), at, name), at, name,
             referral_source_meaning, "referral source");
        break;
      case El::PrimaryNeedCode:
        code(episode().primary_need, token(std::move(text), at, name), at, name,
             primary_need_meaning, "primary need");
        break;
      case El::CINclosureDate:
        once_day(episode().closure, date(text, at, name), at, name);
        break;
      case El::ReasonForClosure:
        code(episode().closure_reason, token(std::move(text), at, name), at, name,
             closure_reason_meaning, "reason for closure");
        break;
      case El::DateOfInitialCPC:
        if (stack_.back().element == El::Section47) {
          once_day(episode().section47s.back().conference, date(text, at, name), at, name);
        } else {
          once_day(episode().initial_conference, date(text, at, name), at, name);
        }
        break;
      case El::ReferralNFA: {
        const bool value = boolean(text, at, name);
        if (episode().referral_nfa) {
          add_finding("repeated_element", "ReferralNFA appears more than once; the first is kept",
                      at, current_child_id());
        } else {
          episode().referral_nfa = value;
        }
        break;
      }
      case El::AssessmentActualStartDate:
        once_day(episode().assessments.back().start, date(text, at, name), at, name);
        break;
      case El::AssessmentInternalReviewDate:
        once_day(episode().assessments.back().internal_review, date(text, at, name), at, name);
        break;
      case El::AssessmentAuthorisationDate:
        once_day(episode().assessments.back().authorised, date(text, at, name), at, name);
        break;
      case El::AssessmentFactors: {
        text = token(std::move(text), at, name);
        count_item(at);
        if ((text == "18A" || text == "19A") && result_.header.year > "2020") {
          add_finding("unknown_code",
                      "AssessmentFactors " + text +
                          " is in the census code set up to 2020 only (since 2021 18B/18C and "
                          "19B/19C say by whom); imported as before the split",
                      at, current_child_id());
        } else if (!is_factor_code(text)) {
          add_finding("unknown_code",
                      "AssessmentFactors " + safeguard::detail::quote_for_error(text) +
                          " is not in the census code set for factors identified at the end of "
                          "assessment; it is not imported",
                      at, current_child_id());
        }
        episode().assessments.back().factors.push_back(std::move(text));
        break;
      }
      case El::CINPlanStartDate:
        once_day(episode().cin_plans.back().start, date(text, at, name), at, name);
        break;
      case El::CINPlanEndDate:
        once_day(episode().cin_plans.back().end, date(text, at, name), at, name);
        break;
      case El::S47ActualStartDate:
        once_day(episode().section47s.back().start, date(text, at, name), at, name);
        break;
      case El::InitialCPCtarget:
        once_day(episode().section47s.back().conference_target, date(text, at, name), at, name);
        break;
      case El::ICPCnotRequired: {
        const bool value = boolean(text, at, name);
        Section47& enquiry = episode().section47s.back();
        if (enquiry.conference_not_required) {
          add_finding("repeated_element",
                      "ICPCnotRequired appears more than once; the first is kept", at,
                      current_child_id());
        } else {
          enquiry.conference_not_required = value;
        }
        break;
      }
      case El::CPPstartDate:
        once_day(episode().protection_plans.back().start, date(text, at, name), at, name);
        break;
      case El::CPPendDate:
        once_day(episode().protection_plans.back().end, date(text, at, name), at, name);
        break;
      case El::InitialCategoryOfAbuse:
        code(episode().protection_plans.back().initial_category, token(std::move(text), at, name),
             at, name, abuse_category_meaning, "category of abuse");
        break;
      case El::LatestCategoryOfAbuse:
        code(episode().protection_plans.back().latest_category, token(std::move(text), at, name),
             at, name, abuse_category_meaning, "category of abuse");
        break;
      case El::NumberOfPreviousCPP: {
        const int value = number(text, at, name);
        ProtectionPlan& plan = episode().protection_plans.back();
        if (plan.previous_plans) {
          add_finding("repeated_element",
                      "NumberOfPreviousCPP appears more than once; the first is kept", at,
                      current_child_id());
        } else {
          plan.previous_plans = value;
        }
        break;
      }
      case El::CPPreviewDate:
        count_item(at);
        episode().protection_plans.back().reviews.push_back(date(text, at, name));
        break;
      default:
        break;
    }
  }

  static std::string_view element_name(El element) {
    const auto at = static_cast<std::size_t>(element);
    return at == 0 ? std::string_view("element") : kElements[at - 1].name;
  }

  // ---- census rules, checked when a child closes ------------------------------------------
  void check_factors(const Assessment& assessment) {
    bool none = false;
    bool some = false;
    for (const std::string& factor : assessment.factors) {
      (factor == detail::kNoFactorsCode ? none : some) = true;
    }
    if (none && some) {
      child_finding("no_factors_with_factors",
                    "factor 21 (no factors identified) is recorded beside other factors on one "
                    "assessment",
                    assessment.at);
    }
    if (!assessment.factors.empty() && assessment.authorised == kNoDay) {
      child_finding("factors_without_authorisation",
                    "factors are recorded for an assessment that has no authorisation date "
                    "(factors are those identified at the end of the assessment)",
                    assessment.at);
    }
  }

  void after_reference(Day day, std::string_view element, Position at) {
    const Day reference = result_.header.reference_date;
    if (day != kNoDay && reference != kNoDay && day > reference) {
      child_finding("after_reference_date",
                    std::string(element) + " is after the census reference date " +
                        format_iso_date(reference),
                    at);
    }
  }

  void order(Day earlier, Day later, std::string_view first, std::string_view second, Position at) {
    if (earlier != kNoDay && later != kNoDay && later < earlier) {
      child_finding("date_order", std::string(second) + " is before " + std::string(first), at);
    }
  }

  void mandatory(bool present, std::string_view what, Position at) {
    if (!present) child_finding("mandatory", std::string(what) + " is missing", at);
  }

  void close_child() {
    in_child_ = false;
    const Position at = child_.at;
    if (child_.la_child_id.empty()) {
      add_finding("mandatory", "a child has no LAchildID; the child is not imported", at, {});
      return;
    }
    if (!seen_ids_.insert(child_.la_child_id).second) {
      add_finding("duplicate_child",
                  "LAchildID appears on more than one child; this one is not imported (each "
                  "child is returned once, with all its episodes)",
                  at, child_.la_child_id);
      return;
    }
    check_child();
    result_.children.push_back(std::move(child_));
  }

  void check_child() {
    const Child& child = child_;
    const Position at = child.at;
    mandatory(child.birth != kNoDay || child.expected_birth != kNoDay,
              "PersonBirthDate (or, for an unborn child, ExpectedPersonBirthDate)", at);
    if (child.birth != kNoDay && child.expected_birth != kNoDay) {
      child_finding("birth_and_expected",
                    "both PersonBirthDate and ExpectedPersonBirthDate are given; an expected date "
                    "is for an unborn child only",
                    at);
    }
    for (const std::string* upn : {&child.upn, &child.former_upn}) {
      if (!upn->empty() && !detail::is_upn(*upn)) {
        child_finding("schema_pattern",
                      std::string(upn == &child.upn ? "UPN" : "FormerUPN") +
                          " is not a letter and twelve characters (eleven digits, then a digit or "
                          "a letter), the published schema's pattern",
                      at);
      }
    }
    if (child.sex_element == SexElement::sex) {
      child_finding("not_in_schema",
                    "Sex is in no published schema up to 2024 (they have GenderCurrent); read as "
                    "the child's sex and written back as read",
                    at);
    }
    // The published schema's other mandatory items (minOccurs 1 in every year's XSD).
    mandatory(!child.sex.empty(), "GenderCurrent (or Sex)", at);
    mandatory(!child.ethnicity.empty(), "Ethnicity", at);
    order(child.birth, child.death, "PersonBirthDate", "PersonDeathDate", at);
    after_reference(child.birth, "PersonBirthDate", at);
    after_reference(child.death, "PersonDeathDate", at);
    mandatory(!child.episodes.empty(), "CINdetails (each child has at least one episode)", at);
    bool has_none = false;
    for (const std::string& code : child.disabilities) has_none = has_none || code == "NONE";
    if (has_none && child.disabilities.size() > 1) {
      child_finding("disability_none_with_others",
                    "Disability NONE is recorded beside other disabilities", at);
    }
    for (const Episode& episode : child.episodes) check_episode(episode);
  }

  void check_episode(const Episode& e) {
    mandatory(e.referral != kNoDay, "CINreferralDate", e.at);
    mandatory(!e.referral_source.empty(), "ReferralSource", e.at);
    mandatory(e.referral_nfa.has_value(), "ReferralNFA", e.at);
    after_reference(e.referral, "CINreferralDate", e.at);
    after_reference(e.closure, "CINclosureDate", e.at);
    after_reference(e.initial_conference, "DateOfInitialCPC", e.at);
    order(e.referral, e.closure, "CINreferralDate", "CINclosureDate", e.at);
    if (e.closure != kNoDay && e.closure_reason.empty()) {
      child_finding("closure_reason", "CINclosureDate is given without a ReasonForClosure", e.at);
    }
    if (e.closure == kNoDay && !e.closure_reason.empty()) {
      child_finding("closure_reason", "ReasonForClosure is given without a CINclosureDate", e.at);
    }
    if (e.referral_nfa.value_or(false) && (!e.assessments.empty() || !e.section47s.empty() ||
                                           !e.cin_plans.empty() || !e.protection_plans.empty())) {
      child_finding("nfa_with_activity",
                    "the referral is recorded as no further action (ReferralNFA) but the episode "
                    "has assessments, section 47 enquiries or plans",
                    e.at);
    }
    for (const Assessment& a : e.assessments) {
      mandatory(a.start != kNoDay, "AssessmentActualStartDate", a.at);
      order(e.referral, a.start, "CINreferralDate", "AssessmentActualStartDate", a.at);
      order(a.start, a.authorised, "AssessmentActualStartDate", "AssessmentAuthorisationDate",
            a.at);
      order(a.start, a.internal_review, "AssessmentActualStartDate", "AssessmentInternalReviewDate",
            a.at);
      after_reference(a.start, "AssessmentActualStartDate", a.at);
      after_reference(a.authorised, "AssessmentAuthorisationDate", a.at);
    }
    for (const CinPlan& p : e.cin_plans) {
      mandatory(p.start != kNoDay, "CINPlanStartDate", p.at);
      order(p.start, p.end, "CINPlanStartDate", "CINPlanEndDate", p.at);
      after_reference(p.start, "CINPlanStartDate", p.at);
      after_reference(p.end, "CINPlanEndDate", p.at);
    }
    for (const Section47& s : e.section47s) {
      mandatory(s.start != kNoDay, "S47ActualStartDate", s.at);
      mandatory(s.conference_not_required.has_value(), "ICPCnotRequired", s.at);
      order(s.start, s.conference, "S47ActualStartDate", "DateOfInitialCPC", s.at);
      after_reference(s.start, "S47ActualStartDate", s.at);
      after_reference(s.conference, "DateOfInitialCPC", s.at);
      if (s.conference_not_required.value_or(false) && s.conference != kNoDay) {
        child_finding("conference_not_required_held",
                      "ICPCnotRequired is true but a DateOfInitialCPC is given for the enquiry",
                      s.at);
      }
    }
    for (const ProtectionPlan& p : e.protection_plans) {
      mandatory(p.start != kNoDay, "CPPstartDate", p.at);
      mandatory(!p.initial_category.empty(), "InitialCategoryOfAbuse", p.at);
      mandatory(!p.latest_category.empty(), "LatestCategoryOfAbuse", p.at);
      mandatory(p.previous_plans.has_value(), "NumberOfPreviousCPP", p.at);
      order(p.start, p.end, "CPPstartDate", "CPPendDate", p.at);
      after_reference(p.start, "CPPstartDate", p.at);
      after_reference(p.end, "CPPendDate", p.at);
      for (Day review : p.reviews) {
        order(p.start, review, "CPPstartDate", "CPPreviewDate", p.at);
        if (p.end != kNoDay && review > p.end) {
          child_finding("date_order", "CPPreviewDate is after CPPendDate", p.at);
        }
        after_reference(review, "CPPreviewDate", p.at);
      }
    }
  }

  std::string name_;
  ReadOptions options_;
  XML_Parser parser_ = nullptr;
  detail::MarkupBound markup_;
  std::exception_ptr pending_;
  std::vector<Frame> stack_;
  std::string text_;
  Position text_at_;
  El later_in_ = El::other;  // the container of the later layout's element being kept
  std::string later_xml_;    // its XML so far
  std::string later_text_;   // the text of its innermost element so far
  bool seen_message_ = false;
  bool text_in_container_reported_ = false;
  bool in_child_ = false;
  std::size_t items_ = 0;
  std::size_t unlisted_findings_ = 0;
  std::map<El, Position> header_at_;  // where each header item the findings name was read
  Child child_;
  std::unordered_set<std::string> seen_ids_;
  Return result_;
};

}  // namespace

Return read(std::string_view text, const std::string& name, const ReadOptions& options) {
  if (text.size() > options.limits.max_bytes) {
    throw Error(Status::limit,
                "the return is larger than " + std::to_string(options.limits.max_bytes) +
                    " bytes (ReadLimits::max_bytes)",
                Location(name));
  }
  Reader reader(name, options);
  reader.feed(text.data(), text.size(), true);
  return reader.finish();
}

Return read_file(const std::string& path, const ReadOptions& options) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) {
    throw Error(Status::io, "cannot open the return" + os_reason(errno), Location(path));
  }
  regular_file_size(::fileno(file.get()), path, "the return");
  Reader reader(path, options);
  constexpr std::size_t kChunk = std::size_t(1) << 20;
  std::vector<char> buffer(kChunk);
  std::size_t total = 0;
  for (;;) {
    const std::size_t got = std::fread(buffer.data(), 1, buffer.size(), file.get());
    if (got == 0 && std::ferror(file.get())) {
      throw Error(Status::io, "cannot read the return" + os_reason(errno), Location(path));
    }
    total += got;
    if (total > options.limits.max_bytes) {
      throw Error(Status::limit,
                  "the return is larger than " + std::to_string(options.limits.max_bytes) +
                      " bytes (ReadLimits::max_bytes)",
                  Location(path));
    }
    const bool last = got < buffer.size() && std::feof(file.get());
    reader.feed(buffer.data(), got, last);
    if (last) break;
  }
  return reader.finish();
}

}  // namespace safeguard::cin
