// The audit report as JSON, CSV and a self-contained HTML page of tables (docs/audit.md).
#include <cmath>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "safeguard/audit.hpp"
#include "safeguard/day.hpp"
#include "util/number_text.hpp"

namespace safeguard {
namespace {

nlohmann::json number(double value) {
  return std::isnan(value) ? nlohmann::json(nullptr) : nlohmann::json(value);
}

// Shortest text that reads back as the same double; empty for NaN (CSV's missing value).
std::string csv_number(double value) {
  return std::isnan(value) ? std::string() : detail::round_trip(value);
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The GSS symbol for a figure suppressed to protect confidentiality.
const std::string kSuppressed = "c";

std::string shown(double value, int decimals) {
  if (std::isnan(value)) return "&ndash;";
  char text[40];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

}  // namespace

std::string audit_json(const AuditReport& report) {
  nlohmann::json out;
  out["pack"] = {
      {"id", report.pack_id}, {"version", report.pack_version}, {"hash", report.pack_hash}};
  out["as_of"] = format_iso_date(report.as_of);
  out["horizon"] = report.horizon;
  out["children"] = report.children;
  out["with_outcome"] = report.with_outcome;
  out["positives"] =
      report.positives_suppressed ? nlohmann::json(nullptr) : nlohmann::json(report.positives);
  out["levels"] = report.levels;
  out["settings"] = {{"seed", report.options.seed},
                     {"bootstrap", report.options.bootstrap},
                     {"confidence", 0.95},
                     {"min_events", report.options.min_events},
                     {"min_count", report.options.min_count},
                     {"suppress_below", report.options.suppress_below},
                     {"band", {report.options.band_low, report.options.band_high}}};
  nlohmann::json attributes = nlohmann::json::array();
  for (std::size_t a = 0; a < report.attributes.size(); ++a)
    attributes.push_back(
        {{"attribute", report.attributes[a]},
         {"reference", a < report.references.size() ? report.references[a] : std::string()},
         {"not_recorded", a < report.not_recorded.size() ? report.not_recorded[a] : 0}});
  out["attributes"] = attributes;
  nlohmann::json rows = nlohmann::json::array();
  for (const AuditRow& row : report.rows) {
    rows.push_back(
        {{"table", row.table},
         {"measure", row.measure},
         {"attribute", row.attribute},
         {"group", row.group},
         {"level", row.level},
         {"level_id", row.level_id},
         {"count", row.count_suppressed ? nlohmann::json(nullptr) : nlohmann::json(row.count)},
         {"denominator",
          row.denominator_suppressed ? nlohmann::json(nullptr) : nlohmann::json(row.denominator)},
         {"value", number(row.value)},
         {"low", number(row.low)},
         {"high", number(row.high)},
         {"ratio", number(row.ratio)},
         {"ratio_low", number(row.ratio_low)},
         {"ratio_high", number(row.ratio_high)},
         {"flag", row.flag},
         {"suppressed", row.suppressed()},
         {"note", row.note}});
  }
  out["rows"] = rows;
  nlohmann::json warnings = nlohmann::json::array();
  for (const AuditWarning& warning : report.warnings)
    warnings.push_back({{"code", warning.code}, {"message", warning.message}});
  out["warnings"] = warnings;
  out["flags"] = report.flags;
  return out.dump(2) + "\n";
}

std::string audit_csv(const AuditReport& report) {
  std::string out =
      "table,measure,attribute,group,level,level_id,count,denominator,value,low,high,ratio,"
      "ratio_low,ratio_high,flag,note\n";
  for (const AuditRow& row : report.rows) {
    // The GSS symbol for a figure suppressed to protect confidentiality.
    const auto hidden = [&row](double value) {
      return row.suppressed() ? kSuppressed : csv_number(value);
    };
    out += row.table + "," + row.measure + "," + csv_field(row.attribute) + "," +
           csv_field(row.group) + "," +
           (row.level < 0 ? std::string() : std::to_string(row.level)) + "," + row.level_id + "," +
           (row.count_suppressed ? kSuppressed : std::to_string(row.count)) + "," +
           (row.denominator_suppressed ? kSuppressed : std::to_string(row.denominator)) + "," +
           hidden(row.value) + "," + hidden(row.low) + "," + hidden(row.high) + "," +
           hidden(row.ratio) + "," + hidden(row.ratio_low) + "," + hidden(row.ratio_high) + "," +
           (row.flag ? "1" : "0") + "," + csv_field(row.note) + "\n";
  }
  return out;
}

std::string audit_html(const AuditReport& report) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>Audit of " +
      html_escape(report.pack_id) +
      "</title>\n<style>\n"
      "body{font-family:sans-serif;color:#111;max-width:60em;margin:1em auto;padding:0 1em}\n"
      "table{border-collapse:collapse;margin:0 0 1.5em}th,td{border:1px solid #666;"
      "padding:.2em .5em;text-align:right}th[scope=row],td.text{text-align:left}\n"
      ".flag{font-weight:bold;color:#8a0000}\n</style>\n</head>\n<body>\n<main>\n";
  out += "<h1>Audit of rule pack " + html_escape(report.pack_id) + " " +
         html_escape(report.pack_version) + "</h1>\n";
  out += "<p>Assessed as of " + format_iso_date(report.as_of) + ": " +
         std::to_string(report.children) + " children, " + std::to_string(report.with_outcome) +
         " with an outcome, " +
         (report.positives_suppressed ? kSuppressed : std::to_string(report.positives)) +
         " of them positive. Outcome: " +
         html_escape(report.horizon.empty() ? "not stated" : report.horizon) +
         ". Intervals are 95%; see docs/audit.md for what each figure can and cannot show.</p>\n";
  out += report.options.suppress_below > 1
             ? "<p>c: suppressed to protect confidentiality (a count of 1 to " +
                   std::to_string(report.options.suppress_below - 1) +
                   " children, or a figure from which one could be worked out).</p>\n"
             : std::string("<p>Small counts are not suppressed: not for sharing.</p>\n");
  out += "<h2>Flags</h2>\n";
  if (report.flags.empty()) {
    out += "<p>No ratio leaves the band " + shown(report.options.band_low, 2) + "&ndash;" +
           shown(report.options.band_high, 2) + ".</p>\n";
  } else {
    out += "<ul>\n";
    for (const std::string& flag : report.flags) out += "<li>" + html_escape(flag) + "</li>\n";
    out += "</ul>\n";
  }
  out += "<h2>Warnings</h2>\n";
  if (report.warnings.empty()) {
    out += "<p>None.</p>\n";
  } else {
    out += "<ul>\n";
    for (const AuditWarning& w : report.warnings)
      out += "<li>" + html_escape(w.message) + "</li>\n";
    out += "</ul>\n";
  }
  struct Section {
    const char* table;
    const char* heading;
    const char* value_name;
  };
  const Section sections[] = {
      {"discrimination", "Discrimination (ROC AUC)", "AUC"},
      {"calibration", "Calibration: outcome rate per level", "Rate"},
      {"level_distribution", "Level distribution by group", "Share"},
      {"outcome_by_level", "Outcome rate per level by group", "Rate"},
      {"error_rates", "False positive and false negative rates by group", "Rate"}};
  for (const Section& section : sections) {
    out += "<h2>" + std::string(section.heading) + "</h2>\n<table>\n<caption>" + section.heading +
           "</caption>\n<thead><tr><th scope=\"col\">Measure</th>"
           "<th scope=\"col\">Group</th><th scope=\"col\">Level</th><th scope=\"col\">Count</th>"
           "<th scope=\"col\">Of</th><th scope=\"col\">" +
           section.value_name +
           "</th><th scope=\"col\">95% interval</th><th scope=\"col\">Ratio to reference</th>"
           "<th scope=\"col\">Ratio interval</th><th scope=\"col\">Note</th></tr></thead>\n"
           "<tbody>\n";
    for (const AuditRow& row : report.rows) {
      if (row.table != section.table) continue;
      const auto hidden = [&row](double value, int decimals) {
        return row.suppressed() ? kSuppressed : shown(value, decimals);
      };
      const std::string group = row.attribute.empty() ? "all" : row.attribute + " = " + row.group;
      out += std::string("<tr") + (row.flag ? " class=\"flag\"" : "") + "><th scope=\"row\">" +
             html_escape(row.measure) + "</th><td class=\"text\">" + html_escape(group) +
             "</td><td class=\"text\">" + html_escape(row.level_id) + "</td><td>" +
             (row.count_suppressed ? kSuppressed : std::to_string(row.count)) + "</td><td>" +
             (row.denominator_suppressed ? kSuppressed : std::to_string(row.denominator)) +
             "</td><td>" + hidden(row.value, 3) + "</td><td>" + hidden(row.low, 3) + "&ndash;" +
             hidden(row.high, 3) + "</td><td>" + hidden(row.ratio, 2) + "</td><td>" +
             hidden(row.ratio_low, 2) + "&ndash;" + hidden(row.ratio_high, 2) +
             "</td><td class=\"text\">" + (row.flag ? "flagged. " : "") + html_escape(row.note) +
             "</td></tr>\n";
    }
    out += "</tbody>\n</table>\n";
  }
  out += "</main>\n</body>\n</html>\n";
  return out;
}

}  // namespace safeguard
