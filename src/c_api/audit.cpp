// The C API: the audit of a result against host outcomes and protected group attributes
// (issue 18, docs/audit.md).
#include "safeguard/audit.hpp"
#include "safeguard/graph.hpp"

#include "c_api/shim.hpp"
#include "util/utf8.hpp"

struct sg_audit {
  safeguard::Outcomes outcomes;
  safeguard::GroupAttributes file;    // sg_audit_set_groups
  safeguard::GroupAttributes record;  // sg_audit_set_record_groups
  bool has_record = false;
  safeguard::GroupAttributes groups;  // what the audit runs on: the two together
};

using namespace safeguard;
using namespace safeguard::capi;

namespace {

// Outcome and group files are small beside a case file; 1 GiB is far past any caseload.
constexpr std::size_t kMaxAuditFileBytes = std::size_t{1} << 30;

std::string_view audit_text(const char* data, std::size_t size, const std::string& name) {
  require(data, "data");
  if (size > kMaxAuditFileBytes)
    throw Error(Status::limit, name + " is larger than 1 GiB", Location(name));
  const std::string_view text(data, size);
  if (!detail::is_valid_utf8(text))
    throw Error(Status::encoding, "not valid UTF-8", Location(name));
  return text;
}

const sg_audit& audit_of(const sg_audit* audit) {
  require(audit, "audit");
  return *audit;
}

AuditOptions options_of(const sg_audit_options* options) {
  require(options, "options");
  check_version(options->version, SG_AUDIT_OPTIONS_VERSION, "sg_audit_options");
  if (options->format != SG_FORMAT_JSON && options->format != SG_FORMAT_CSV &&
      options->format != SG_FORMAT_HTML)
    bad_argument("options.format must be SG_FORMAT_JSON, SG_FORMAT_CSV or SG_FORMAT_HTML");
  if (options->bootstrap > 100000) bad_argument("options.bootstrap is above 100000");
  AuditOptions audit_options;
  audit_options.seed = options->seed;
  audit_options.bootstrap = options->bootstrap;
  audit_options.min_events = options->min_events;
  audit_options.min_count = options->min_count;
  audit_options.band_low = options->band_low;
  audit_options.band_high = options->band_high;
  // A version 1 caller knew no disclosure control; it gets the safe default.
  if (options->version >= 2) audit_options.suppress_below = options->suppress_below;
  for (const std::string& pair :
       text_list(options->references, options->reference_count, "options.references")) {
    const auto equals = pair.find('=');
    if (equals == std::string::npos || equals == 0)
      bad_argument("options.references: expected ATTRIBUTE=GROUP, not '" + pair + "'");
    audit_options.reference[pair.substr(0, equals)] = pair.substr(equals + 1);
  }
  return audit_options;
}

void render(char** out, size_t* out_size, const AuditReport& report, int format) {
  const std::string rendered = format == SG_FORMAT_CSV    ? audit_csv(report)
                               : format == SG_FORMAT_HTML ? audit_html(report)
                                                          : audit_json(report);
  *out = copy_out(rendered);
  if (out_size) *out_size = rendered.size();
}

// The record's attributes, with the groups file's if one is set (the file wins per child).
void take_record_groups(sg_audit& audit, GroupAttributes recorded) {
  GroupAttributes combined =
      audit.file.attributes.empty() ? recorded : merge_groups(audit.file, recorded);
  audit.record = std::move(recorded);
  audit.has_record = true;
  audit.groups = std::move(combined);
}

}  // namespace

extern "C" {

int sg_audit_new(sg_audit** out, const char* data, size_t size, const char* name) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const std::string source = name ? text(name, "name") : std::string("outcomes");
    auto audit = std::make_unique<sg_audit>();
    audit->outcomes = parse_outcomes_csv(audit_text(data, size, source), source);
    audit->file.source = "groups";
    audit->groups.source = "groups";
    *out = audit.release();
  });
}

void sg_audit_free(sg_audit* audit) { delete audit; }

int sg_audit_set_groups(sg_audit* audit, const char* data, size_t size, const char* name) {
  return guard([&] {
    require(audit, "audit");
    const std::string source = name ? text(name, "name") : std::string("groups");
    GroupAttributes groups = parse_groups_csv(audit_text(data, size, source), source);
    GroupAttributes combined = audit->has_record ? merge_groups(groups, audit->record) : groups;
    audit->file = std::move(groups);
    audit->groups = std::move(combined);
  });
}

int sg_audit_set_record_groups(sg_audit* audit, const sg_graph* graph) {
  return guard([&] {
    require(audit, "audit");
    require(graph, "graph");
    take_record_groups(*audit, record_groups(graph->graph));
  });
}

int sg_audit_set_record_groups_at(sg_audit* audit, const sg_record* record, const char* as_of,
                                  long long known_at) {
  return guard([&] {
    require(audit, "audit");
    take_record_groups(*audit, record_groups(*record_graph(record, as_of, known_at)));
  });
}

int sg_audit_check_rules(const sg_audit* audit, const sg_rules* rules) {
  return guard([&] {
    const sg_audit& a = audit_of(audit);
    require(rules, "rules");
    check_protected(*rules->rules, a.groups);
  });
}

int sg_audit_run(char** out, size_t* out_size, const sg_audit* audit, const sg_result* result,
                 const sg_audit_options* options) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const sg_audit& a = audit_of(audit);
    const Results& results = results_of(result);
    const AuditOptions audit_options = options_of(options);
    render(out, out_size, safeguard::audit(results, a.outcomes, a.groups, audit_options),
           options->format);
  });
}

int sg_result_audit_rows(char** out, size_t* out_size, const sg_result* result) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const Results& results = results_of(result);
    const std::string rendered = audit_rows_csv(audit_rows(results), results.rules());
    *out = copy_out(rendered);
    if (out_size) *out_size = rendered.size();
  });
}

int sg_audit_run_rows(char** out, size_t* out_size, const sg_audit* audit, const sg_rules* rules,
                      const char* data, size_t size, const sg_audit_options* options) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const sg_audit& a = audit_of(audit);
    require(rules, "rules");
    const std::string_view text = audit_text(data, size, "rows");
    const AuditOptions audit_options = options_of(options);
    const AuditRows rows = parse_audit_rows_csv(text, "rows", *rules->rules);
    render(out, out_size,
           safeguard::audit(rows, *rules->rules, a.outcomes, a.groups, audit_options),
           options->format);
  });
}

int sg_audit_what_if(char** out, size_t* out_size, const sg_audit* audit, const sg_result* result,
                     const sg_what_if_options* options) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const sg_audit& a = audit_of(audit);
    const Results& results = results_of(result);
    require(options, "options");
    check_version(options->version, SG_WHAT_IF_OPTIONS_VERSION, "sg_what_if_options");
    if (options->format != SG_FORMAT_JSON && options->format != SG_FORMAT_CSV)
      bad_argument("options.format must be SG_FORMAT_JSON or SG_FORMAT_CSV");
    if (!options->spec && options->spec_size > 0) bad_argument("options.spec is NULL");
    WhatIfOptions what_if_options;
    what_if_options.threads = options->threads;
    what_if_options.viewer = cleared_viewer(options->viewer_cleared, options->viewer_cleared_count,
                                            "options.viewer_cleared");
    if (options->version >= 2) what_if_options.suppress_below = options->suppress_below;
    const std::string_view spec =
        options->spec ? audit_text(options->spec, options->spec_size, "what-if spec")
                      : std::string_view();
    const PackChanges changes = parse_what_if_toml(spec, "what-if spec");
    const WhatIfReport report = what_if(results, changes, a.groups, what_if_options);
    const std::string rendered =
        options->format == SG_FORMAT_CSV ? what_if_csv(report) : what_if_json(report);
    *out = copy_out(rendered);
    if (out_size) *out_size = rendered.size();
  });
}

int sg_audit_refit(char** out, size_t* out_size, const sg_audit* audit, const sg_result* result,
                   const sg_refit_options* options) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const sg_audit& a = audit_of(audit);
    const Results& results = results_of(result);
    require(options, "options");
    check_version(options->version, SG_REFIT_OPTIONS_VERSION, "sg_refit_options");
    if (options->format != SG_FORMAT_JSON && options->format != SG_FORMAT_TEXT &&
        options->format != SG_FORMAT_TOML)
      bad_argument("options.format must be SG_FORMAT_JSON, SG_FORMAT_TEXT or SG_FORMAT_TOML");
    if (options->folds < 2 || options->folds > 50) bad_argument("options.folds must be 2 to 50");
    if (!options->pack_text && options->pack_text_size > 0)
      bad_argument("options.pack_text is NULL");
    std::string pack_text;
    std::string pack_source = "pack";
    if (options->format == SG_FORMAT_TOML) {
      if (options->pack_text) {
        pack_text = std::string(audit_text(options->pack_text, options->pack_text_size, "pack"));
      } else {
        for (const std::string& name : bundled_pack_names()) {
          if (load_bundled_pack(name)->hash() == results.rules().hash()) {
            pack_text = bundled_pack_text(name);
            pack_source = "rules/" + name + ".toml";
          }
        }
        if (pack_text.empty())
          bad_argument("options.pack_text is NULL and the result's pack is not a bundled one");
      }
    }
    RefitOptions refit_options;
    refit_options.seed = options->seed;
    refit_options.folds = options->folds;
    refit_options.min_firing = options->min_firing;
    if (options->version >= 2)
      refit_options.viewer = cleared_viewer(options->viewer_cleared, options->viewer_cleared_count,
                                            "options.viewer_cleared");
    const RefitReport report = refit(results, a.outcomes, refit_options);
    const std::string rendered =
        options->format == SG_FORMAT_TOML   ? refit_pack_toml(report, pack_text, pack_source)
        : options->format == SG_FORMAT_TEXT ? refit_diff(report, results.rules())
                                            : refit_json(report);
    *out = copy_out(rendered);
    if (out_size) *out_size = rendered.size();
  });
}

}  // extern "C"
