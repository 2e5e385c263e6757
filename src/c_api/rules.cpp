// The C API: rule packs (load, information, timescales, lint findings).
#include "c_api/common.hpp"

extern "C" {

// ---- Rules ----

int sg_rules_timescales(sg_timescales* out, const sg_rules* rules) {
  return guard([&] {
    require(out, "out");
    require(rules, "rules");
    check_version(out->version, SG_TIMESCALES_VERSION, "sg_timescales");
    const Timescales& t = rules->rules->timescales();
    out->referral_decision_working_days = t.referral_decision_working_days;
    out->assessment_working_days = t.assessment_working_days;
    out->initial_conference_working_days = t.initial_conference_working_days;
    out->first_review_months = t.first_review_months;
    out->review_interval_months = t.review_interval_months;
    out->discretionary = to_string(rules->rules->discretionary()).data();
  });
}

int sg_rules_lint_count(size_t* out, const sg_rules* rules) {
  return guard([&] {
    require(out, "out");
    require(rules, "rules");
    *out = rules->rules->lint_warnings().size();
  });
}

int sg_rules_lint(sg_lint_warning* out, const sg_rules* rules, size_t k) {
  return guard([&] {
    require(out, "out");
    require(rules, "rules");
    check_version(out->version, SG_LINT_WARNING_VERSION, "sg_lint_warning");
    if (k >= rules->rules->lint_warnings().size())
      throw Error(Status::out_of_range, "lint warning " + std::to_string(k) + " is past the end");
    const LintWarning& w = rules->rules->lint_warnings()[k];
    out->code = w.code.c_str();
    out->message = w.message.c_str();
    out->file = w.where.file.c_str();
    out->line = w.where.line;
    out->column = w.where.column;
    out->entity = w.where.entity.c_str();
  });
}

int sg_rules_load_file(sg_rules** out, const char* path) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    auto rules = RuleSet::load_file(text(path, "path"));
    *out = new sg_rules{std::move(rules)};
  });
}

int sg_rules_load_buffer(sg_rules** out, const char* data, size_t size, const char* name) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    if (size > 0) require(data, "data");
    auto rules = RuleSet::load_string(std::string_view(data ? data : "", size),
                                      name ? text(name, "name") : std::string("<buffer>"));
    *out = new sg_rules{std::move(rules)};
  });
}

int sg_rules_load_file_with_limits(sg_rules** out, const char* path, const sg_limits* limits) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const PackLimits checked = pack_limits(limits);
    auto rules = RuleSet::load_file(text(path, "path"), checked);
    *out = new sg_rules{std::move(rules)};
  });
}

int sg_rules_load_buffer_with_limits(sg_rules** out, const char* data, size_t size,
                                     const char* name, const sg_limits* limits) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    if (size > 0) require(data, "data");
    const PackLimits checked = pack_limits(limits);
    auto rules = RuleSet::load_string(std::string_view(data ? data : "", size),
                                      name ? text(name, "name") : std::string("<buffer>"), checked);
    *out = new sg_rules{std::move(rules)};
  });
}

void sg_rules_free(sg_rules* rules) { delete rules; }

int sg_rules_info_get(sg_rules_info* out, const sg_rules* rules) {
  return guard([&] {
    require(out, "out");
    check_version(out->version, SG_RULES_INFO_VERSION, "sg_rules_info");
    require(rules, "rules");
    const RuleSet& pack = *rules->rules;
    out->id = pack.id().c_str();
    out->pack_version = pack.version().c_str();
    out->title = pack.title().c_str();
    out->hash = pack.hash().c_str();
    out->index_count = pack.indices().size();
    out->level_count = pack.levels().size();
    out->rule_count = pack.rules().size();
    out->override_count = pack.overrides().size();
  });
}

int sg_rules_index_id(const char** out, const sg_rules* rules, size_t index) {
  return guard([&] {
    require(out, "out");
    require(rules, "rules");
    if (index >= rules->rules->indices().size())
      throw Error(Status::out_of_range, "index " + std::to_string(index) + " is past the end");
    *out = rules->rules->indices()[index].id.c_str();
  });
}

int sg_rules_level_id(const char** out, const sg_rules* rules, size_t level) {
  return guard([&] {
    require(out, "out");
    require(rules, "rules");
    if (level >= rules->rules->levels().size())
      throw Error(Status::out_of_range, "level " + std::to_string(level) + " is past the end");
    *out = rules->rules->levels()[level].id.c_str();
  });
}

}  // extern "C"
