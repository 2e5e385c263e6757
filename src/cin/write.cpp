// Writing a census return: the elements in the published schema's order (the DfE's CIN census
// XSD; tests/data/cin/xsd), optional ones left out when empty, text escaped, two-space
// indentation. Text the reader would refuse (invalid UTF-8, a control or other unprintable
// character) is refused here, so what is written reads back.
#include <string>

#include "cin/kept.hpp"
#include "safeguard/cin.hpp"
#include "util/markup.hpp"
#include "util/utf8.hpp"

namespace safeguard::cin {
namespace {

class Writer {
 public:
  std::string out;

  // Without indentation or line ends (an episode kept in the record).
  bool compact = false;

  void open(std::string_view name) {
    indent();
    out += '<';
    out += name;
    out += '>';
    newline();
    ++depth_;
  }
  void close(std::string_view name) {
    --depth_;
    indent();
    out += "</";
    out += name;
    out += '>';
    newline();
  }
  // A later layout's elements kept in container `in`, as the reader kept them (their text
  // escaped when read back and written, so they are written as they are).
  void later(const std::vector<LaterElement>& elements, std::string_view in) {
    for (const LaterElement& element : elements) {
      if (element.in != in) continue;
      check(element.in, element.xml);
      indent();
      out += element.xml;
      newline();
    }
  }
  // The child being written, for errors (empty in the header).
  std::string child;

  void text(std::string_view name, std::string_view value) {
    if (value.empty()) return;
    check(name, value);
    indent();
    out += '<';
    out += name;
    out += '>';
    escape(value);
    out += "</";
    out += name;
    out += '>';
    newline();
  }
  void date(std::string_view name, Day day) {
    if (day != kNoDay) text(name, format_iso_date(day));
  }
  void boolean(std::string_view name, const std::optional<bool>& value) {
    if (value) text(name, *value ? "true" : "false");
  }

 private:
  void check(std::string_view name, std::string_view value) const {
    if (!safeguard::detail::is_valid_utf8(value)) {
      throw Error(Status::encoding, "census return: " + std::string(name) + " is not valid UTF-8",
                  where());
    }
    if (const auto bad = safeguard::detail::first_unprintable(value)) {
      throw Error(Status::invalid_data,
                  "census return: " + std::string(name) + " holds " +
                      safeguard::detail::describe_unprintable(*bad) +
                      ", which a return cannot carry",
                  where());
    }
  }
  // The child being written, when its id is one an error may name (itself printable).
  Location where() const {
    const bool printable = safeguard::detail::is_valid_utf8(child) &&
                           !safeguard::detail::first_unprintable(child).has_value();
    return Location({}, 0, 0, printable ? child : std::string());
  }
  void indent() {
    if (!compact) out.append(static_cast<std::size_t>(depth_) * 2, ' ');
  }
  void newline() {
    if (!compact) out += '\n';
  }
  void escape(std::string_view value) { safeguard::detail::append_escaped(out, value, "&apos;"); }
  int depth_ = 0;
};

bool has_later(const std::vector<LaterElement>& elements, std::string_view in) {
  for (const LaterElement& element : elements) {
    if (element.in == in) return true;
  }
  return false;
}

void write_episode(Writer& w, const Episode& e) {
  w.open("CINdetails");
  w.date("CINreferralDate", e.referral);
  w.text("ReferralSource", e.referral_source);
  w.text("PrimaryNeedCode", e.primary_need);
  w.date("CINclosureDate", e.closure);
  w.text("ReasonForClosure", e.closure_reason);
  w.date("DateOfInitialCPC", e.initial_conference);
  for (const Assessment& a : e.assessments) {
    w.open("Assessments");
    w.date("AssessmentActualStartDate", a.start);
    w.date("AssessmentInternalReviewDate", a.internal_review);
    w.date("AssessmentAuthorisationDate", a.authorised);
    if (!a.factors.empty() || has_later(a.later, "FactorsIdentifiedAtAssessment")) {
      w.open("FactorsIdentifiedAtAssessment");
      for (const std::string& factor : a.factors) w.text("AssessmentFactors", factor);
      w.later(a.later, "FactorsIdentifiedAtAssessment");
      w.close("FactorsIdentifiedAtAssessment");
    }
    w.later(a.later, "Assessments");
    w.close("Assessments");
  }
  for (const CinPlan& p : e.cin_plans) {
    w.open("CINPlanDates");
    w.date("CINPlanStartDate", p.start);
    w.date("CINPlanEndDate", p.end);
    w.later(p.later, "CINPlanDates");
    w.close("CINPlanDates");
  }
  for (const Section47& s : e.section47s) {
    w.open("Section47");
    w.date("S47ActualStartDate", s.start);
    w.date("InitialCPCtarget", s.conference_target);
    w.date("DateOfInitialCPC", s.conference);
    w.boolean("ICPCnotRequired", s.conference_not_required);
    w.later(s.later, "Section47");
    w.close("Section47");
  }
  // After the enquiries, before the plans: the published schema's sequence.
  w.boolean("ReferralNFA", e.referral_nfa);
  for (const ProtectionPlan& p : e.protection_plans) {
    w.open("ChildProtectionPlans");
    w.date("CPPstartDate", p.start);
    w.date("CPPendDate", p.end);
    w.text("InitialCategoryOfAbuse", p.initial_category);
    w.text("LatestCategoryOfAbuse", p.latest_category);
    if (p.previous_plans) w.text("NumberOfPreviousCPP", std::to_string(*p.previous_plans));
    if (!p.reviews.empty() || has_later(p.later, "Reviews")) {
      w.open("Reviews");
      for (Day review : p.reviews) w.date("CPPreviewDate", review);
      w.later(p.later, "Reviews");
      w.close("Reviews");
    }
    w.later(p.later, "ChildProtectionPlans");
    w.close("ChildProtectionPlans");
  }
  w.later(e.later, "CINdetails");
  w.close("CINdetails");
}

void write_child(Writer& w, const Child& c) {
  w.child = c.la_child_id;
  w.open("Child");
  w.open("ChildIdentifiers");
  w.text("LAchildID", c.la_child_id);
  w.text("UPN", c.upn);
  w.text("FormerUPN", c.former_upn);
  w.text("UPNunknown", c.upn_unknown);
  w.date("PersonBirthDate", c.birth);
  w.date("ExpectedPersonBirthDate", c.expected_birth);
  if (c.sex_element == SexElement::gender_current) w.text("GenderCurrent", c.sex);
  if (c.sex_element == SexElement::sex) w.text("Sex", c.sex);
  w.date("PersonDeathDate", c.death);
  w.later(c.later, "ChildIdentifiers");
  w.close("ChildIdentifiers");
  const bool disabilities = !c.disabilities.empty() || has_later(c.later, "Disabilities");
  if (!c.ethnicity.empty() || disabilities || has_later(c.later, "ChildCharacteristics")) {
    w.open("ChildCharacteristics");
    w.text("Ethnicity", c.ethnicity);
    if (disabilities) {
      w.open("Disabilities");
      for (const std::string& code : c.disabilities) w.text("Disability", code);
      w.later(c.later, "Disabilities");
      w.close("Disabilities");
    }
    w.later(c.later, "ChildCharacteristics");
    w.close("ChildCharacteristics");
  }
  for (const Episode& e : c.episodes) write_episode(w, e);
  w.later(c.later, "Child");
  w.close("Child");
}

}  // namespace

std::string write(const Return& r) {
  Writer w;
  w.out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  w.open("Message");
  w.open("Header");
  w.open("CollectionDetails");
  w.text("Collection", r.header.collection);
  w.text("Year", r.header.year);
  w.date("ReferenceDate", r.header.reference_date);
  w.later(r.header.later, "CollectionDetails");
  w.close("CollectionDetails");
  // Source is optional but, when present, must hold the LEA: written only with something in it.
  const Header& h = r.header;
  if (!h.source_level.empty() || !h.authority.empty() || !h.software_code.empty() ||
      !h.release.empty() || !h.serial_no.empty() || !h.date_time.empty() ||
      has_later(h.later, "Source")) {
    w.open("Source");
    w.text("SourceLevel", h.source_level);
    w.text("LEA", h.authority);
    w.text("SoftwareCode", h.software_code);
    w.text("Release", h.release);
    w.text("SerialNo", h.serial_no);
    w.text("DateTime", h.date_time);
    w.later(h.later, "Source");
    w.close("Source");
  }
  w.later(r.header.later, "Header");
  w.close("Header");
  w.open("Children");
  for (const Child& child : r.children) write_child(w, child);
  w.close("Children");
  w.close("Message");
  return w.out;
}

std::string detail::episode_xml(const Episode& episode, const std::string& child) {
  Writer w;
  w.compact = true;
  w.child = child;
  write_episode(w, episode);
  return std::move(w.out);
}

}  // namespace safeguard::cin
