// A census return and its measures as JSON (flat tables, one array per kind of row, for data
// frames) and the measures as CSV. Dates are ISO text or null.
#include <nlohmann/json.hpp>

#include <cstdio>

#include "safeguard/cin.hpp"

namespace safeguard::cin {
namespace {

using nlohmann::ordered_json;

ordered_json date(Day day) {
  return day == kNoDay ? ordered_json(nullptr) : ordered_json(format_iso_date(day));
}
ordered_json text(const std::string& value) {
  return value.empty() ? ordered_json(nullptr) : ordered_json(value);
}
template <typename T>
ordered_json optional(const std::optional<T>& value) {
  return value ? ordered_json(*value) : ordered_json(nullptr);
}

std::string_view sex_element_name(SexElement element) {
  switch (element) {
    case SexElement::gender_current:
      return "GenderCurrent";
    case SexElement::sex:
      return "Sex";
    default:
      return "";
  }
}

// A rate with a fixed number of digits, so the output is the same on every platform.
std::string rate_text(const Count& count) {
  const auto rate = count.rate();
  if (!rate) return "";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4f", *rate);
  return buffer;
}

}  // namespace

std::string to_json(const Return& r) {
  ordered_json out = ordered_json::object();
  const Header& h = r.header;
  out["header"] = {
      {"collection", text(h.collection)},         {"year", text(h.year)},
      {"reference_date", date(h.reference_date)}, {"period_start", date(r.period_start())},
      {"source_level", text(h.source_level)},     {"authority", text(h.authority)},
      {"software_code", text(h.software_code)},   {"release", text(h.release)},
      {"serial_no", text(h.serial_no)},           {"date_time", text(h.date_time)}};
  ordered_json children = ordered_json::array();
  ordered_json disabilities = ordered_json::array();
  ordered_json episodes = ordered_json::array();
  ordered_json assessments = ordered_json::array();
  ordered_json factors = ordered_json::array();
  ordered_json cin_plans = ordered_json::array();
  ordered_json section47 = ordered_json::array();
  ordered_json plans = ordered_json::array();
  ordered_json reviews = ordered_json::array();
  for (const Child& c : r.children) {
    const std::string& id = c.la_child_id;
    children.push_back({{"child", id},
                        {"upn", text(c.upn)},
                        {"former_upn", text(c.former_upn)},
                        {"upn_unknown", text(c.upn_unknown)},
                        {"birth", date(c.birth)},
                        {"expected_birth", date(c.expected_birth)},
                        {"death", date(c.death)},
                        {"sex", text(c.sex)},
                        {"sex_element", text(std::string(sex_element_name(c.sex_element)))},
                        {"ethnicity", text(c.ethnicity)},
                        {"episodes", c.episodes.size()},
                        {"line", c.at.line}});
    for (const std::string& code : c.disabilities) {
      disabilities.push_back({{"child", id}, {"disability", code}});
    }
    for (std::size_t n = 0; n < c.episodes.size(); ++n) {
      const Episode& e = c.episodes[n];
      const int episode = static_cast<int>(n + 1);
      episodes.push_back({{"child", id},
                          {"episode", episode},
                          {"referral", date(e.referral)},
                          {"referral_source", text(e.referral_source)},
                          {"primary_need", text(e.primary_need)},
                          {"closure", date(e.closure)},
                          {"closure_reason", text(e.closure_reason)},
                          {"initial_conference", date(e.initial_conference)},
                          {"referral_nfa", optional(e.referral_nfa)},
                          {"line", e.at.line}});
      for (std::size_t k = 0; k < e.assessments.size(); ++k) {
        const Assessment& a = e.assessments[k];
        assessments.push_back({{"child", id},
                               {"episode", episode},
                               {"assessment", k + 1},
                               {"start", date(a.start)},
                               {"internal_review", date(a.internal_review)},
                               {"authorised", date(a.authorised)},
                               {"line", a.at.line}});
        for (const std::string& code : a.factors) {
          const FactorCategory category = factor_category(code);
          factors.push_back({{"child", id},
                             {"episode", episode},
                             {"assessment", k + 1},
                             {"factor", code},
                             {"category", is_factor_code(code) ? ordered_json(category.category)
                                                               : ordered_json(nullptr)},
                             {"matched", category.matched}});
        }
      }
      for (std::size_t k = 0; k < e.cin_plans.size(); ++k) {
        cin_plans.push_back({{"child", id},
                             {"episode", episode},
                             {"plan", k + 1},
                             {"start", date(e.cin_plans[k].start)},
                             {"end", date(e.cin_plans[k].end)}});
      }
      for (std::size_t k = 0; k < e.section47s.size(); ++k) {
        const Section47& s = e.section47s[k];
        section47.push_back({{"child", id},
                             {"episode", episode},
                             {"enquiry", k + 1},
                             {"start", date(s.start)},
                             {"conference_target", date(s.conference_target)},
                             {"conference", date(s.conference)},
                             {"conference_not_required", optional(s.conference_not_required)}});
      }
      for (std::size_t k = 0; k < e.protection_plans.size(); ++k) {
        const ProtectionPlan& p = e.protection_plans[k];
        plans.push_back({{"child", id},
                         {"episode", episode},
                         {"plan", k + 1},
                         {"start", date(p.start)},
                         {"end", date(p.end)},
                         {"initial_category", text(p.initial_category)},
                         {"latest_category", text(p.latest_category)},
                         {"previous_plans", optional(p.previous_plans)},
                         {"reviews", p.reviews.size()}});
        for (Day review : p.reviews) {
          reviews.push_back(
              {{"child", id}, {"episode", episode}, {"plan", k + 1}, {"review", date(review)}});
        }
      }
    }
  }
  ordered_json findings = ordered_json::array();
  for (const Finding& f : r.findings) {
    findings.push_back({{"rule", f.rule},
                        {"message", f.message},
                        {"line", f.at.line},
                        {"column", f.at.column},
                        {"child", text(f.child)}});
  }
  out["children"] = std::move(children);
  out["disabilities"] = std::move(disabilities);
  out["episodes"] = std::move(episodes);
  out["assessments"] = std::move(assessments);
  out["factors"] = std::move(factors);
  out["cin_plans"] = std::move(cin_plans);
  out["section47"] = std::move(section47);
  out["protection_plans"] = std::move(plans);
  out["reviews"] = std::move(reviews);
  out["findings"] = std::move(findings);
  return out.dump(2) + "\n";
}

std::string to_json(const Measures& m) {
  ordered_json out = ordered_json::object();
  out["period_start"] = date(m.period_start);
  out["period_end"] = date(m.period_end);
  ordered_json authority = ordered_json::array();
  for (int i = 0; i < kMeasureCount; ++i) {
    const auto id = static_cast<MeasureId>(i);
    const Count& c = m.authority[i];
    const auto rate = c.rate();
    authority.push_back({{"measure", std::string(to_string(id))},
                         {"title", std::string(measure_title(id))},
                         {"count", c.count},
                         {"denominator", c.denominator},
                         {"rate", rate ? ordered_json(*rate) : ordered_json(nullptr)}});
  }
  out["authority"] = std::move(authority);
  ordered_json children = ordered_json::array();
  for (const ChildMeasures& row : m.children) {
    ordered_json child = {{"child", row.child}};
    for (int i = 0; i < kMeasureCount; ++i) {
      const std::string name(to_string(static_cast<MeasureId>(i)));
      child[name + "_count"] = row.counts[i].count;
      child[name + "_denominator"] = row.counts[i].denominator;
    }
    children.push_back(std::move(child));
  }
  out["children"] = std::move(children);
  return out.dump(2) + "\n";
}

std::string to_csv(const Measures& m, bool per_child) {
  std::string out;
  if (!per_child) {
    out = "measure,count,denominator,rate\n";
    for (int i = 0; i < kMeasureCount; ++i) {
      const Count& c = m.authority[i];
      out += std::string(to_string(static_cast<MeasureId>(i))) + "," + std::to_string(c.count) +
             "," + std::to_string(c.denominator) + "," + rate_text(c) + "\n";
    }
    return out;
  }
  out = "child";
  for (int i = 0; i < kMeasureCount; ++i) {
    const std::string name(to_string(static_cast<MeasureId>(i)));
    out += "," + name + "_count," + name + "_denominator";
  }
  out += "\n";
  for (const ChildMeasures& row : m.children) {
    // LAchildID is printable text; a comma or quote in one is quoted as CSV requires.
    std::string id = row.child;
    if (id.find_first_of(",\"") != std::string::npos) {
      std::string quoted = "\"";
      for (char c : id) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
      id = quoted + "\"";
    }
    out += id;
    for (int i = 0; i < kMeasureCount; ++i) {
      out += "," + std::to_string(row.counts[i].count) + "," +
             std::to_string(row.counts[i].denominator);
    }
    out += "\n";
  }
  return out;
}

}  // namespace safeguard::cin
