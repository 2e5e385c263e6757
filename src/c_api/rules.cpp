// The C API: rule packs (loading, bundled packs, introspection, lint) and training packs.
#include <nlohmann/json.hpp>

#include "bundled_packs.hpp"
#include "safeguard/render.hpp"
#include "safeguard/training.hpp"

#include "c_api/shim.hpp"

using namespace safeguard;
using namespace safeguard::capi;

namespace {

const char* scope_name(expr::Scope scope) {
  switch (scope) {
    case expr::Scope::child:
      return "child";
    case expr::Scope::concern:
      return "concern";
    case expr::Scope::factor:
      return "factor";
  }
  return "unknown";
}

}  // namespace

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

// ---- Bundled rule packs ----

int sg_rules_bundled_count(size_t* out) {
  return guard([&] {
    require(out, "out");
    *out = bundled_pack_names().size();
  });
}

int sg_rules_bundled_name(const char** out, size_t k) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    if (k >= detail::kEmbeddedPackCount)
      throw Error(Status::out_of_range, "bundled pack " + std::to_string(k) + " is past the end (" +
                                            std::to_string(detail::kEmbeddedPackCount) + " packs)");
    *out = detail::kEmbeddedPacks[k].name;  // static storage
  });
}

int sg_rules_load_bundled(sg_rules** out, const char* name, const sg_limits* limits) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const PackLimits checked = limits ? pack_limits(limits) : PackLimits{};
    // Lint findings are computed once, by the rule set itself (RuleSet::lint_warnings).
    *out = new sg_rules{load_bundled_pack(text(name, "name"), checked)};
  });
}

// ---- Rule pack introspection ----

int sg_rules_index(sg_index_def* out, const sg_rules* rules, size_t index) {
  return guard([&] {
    require(out, "out");
    check_version(out->version, SG_INDEX_DEF_VERSION, "sg_index_def");
    require(rules, "rules");
    const auto& indices = rules->rules->indices();
    if (index >= indices.size())
      throw Error(Status::out_of_range, "index " + std::to_string(index) + " is past the end");
    out->id = indices[index].id.c_str();
    out->title = indices[index].title.c_str();
    if (out->version >= 2) out->subject = indices[index].adult ? "adult" : "child";
  });
}

int sg_rules_index_threshold(double* out, const sg_rules* rules, size_t index, size_t level) {
  return guard([&] {
    require(out, "out");
    require(rules, "rules");
    const auto& indices = rules->rules->indices();
    if (index >= indices.size())
      throw Error(Status::out_of_range, "index " + std::to_string(index) + " is past the end");
    if (level >= indices[index].thresholds.size())
      throw Error(Status::out_of_range, "level " + std::to_string(level) + " is past the end");
    *out = indices[index].thresholds[level];
  });
}

int sg_rules_level(sg_level_def* out, const sg_rules* rules, size_t level) {
  return guard([&] {
    require(out, "out");
    check_version(out->version, SG_LEVEL_DEF_VERSION, "sg_level_def");
    require(rules, "rules");
    const auto& levels = rules->rules->levels();
    if (level >= levels.size())
      throw Error(Status::out_of_range, "level " + std::to_string(level) + " is past the end");
    out->id = levels[level].id.c_str();
    out->title = levels[level].title.c_str();
    out->min = levels[level].min;
  });
}

int sg_rules_rule(sg_rule_def* out, const sg_rules* rules, size_t k) {
  return guard([&] {
    require(out, "out");
    check_version(out->version, SG_RULE_DEF_VERSION, "sg_rule_def");
    require(rules, "rules");
    const RuleSet& pack = *rules->rules;
    if (k >= pack.rules().size())
      throw Error(Status::out_of_range, "rule " + std::to_string(k) + " is past the end");
    const Rule& rule = pack.rules()[k];
    out->id = rule.id.c_str();
    out->title = rule.title.c_str();
    out->index = rule.index;
    out->index_id = pack.indices()[rule.index].id.c_str();
    out->heading = to_string(rule.heading).data();
    out->over = scope_name(rule.scope);
    out->condition = rule.when.source().c_str();
    out->points = rule.points.source().c_str();
    out->half_life_days = rule.half_life_days;
    out->cap = rule.cap;
    out->reach_count = static_cast<size_t>(
        std::count_if(rule.reach.begin(), rule.reach.end(), [](double f) { return f != 0; }));
    out->line = rule.where.line;
  });
}

int sg_rules_rule_reach(const char** out_path, double* out_factor, const sg_rules* rules,
                        size_t rule, size_t k) {
  return guard([&] {
    require(out_path, "out_path");
    *out_path = nullptr;
    require(out_factor, "out_factor");
    require(rules, "rules");
    const auto& all = rules->rules->rules();
    if (rule >= all.size())
      throw Error(Status::out_of_range, "rule " + std::to_string(rule) + " is past the end");
    std::size_t seen = 0;
    for (int r = 0; r < kRoleCount; ++r) {
      const double factor = all[rule].reach[static_cast<std::size_t>(r)];
      if (factor == 0) continue;
      if (seen++ == k) {
        *out_path = to_string(static_cast<Role>(r)).data();
        *out_factor = factor;
        return;
      }
    }
    throw Error(Status::out_of_range,
                "reach " + std::to_string(k) + " of rule '" + all[rule].id + "' is past the end");
  });
}

int sg_rules_override(sg_policy_override_def* out, const sg_rules* rules, size_t k) {
  return guard([&] {
    require(out, "out");
    check_version(out->version, SG_POLICY_OVERRIDE_DEF_VERSION, "sg_policy_override_def");
    require(rules, "rules");
    const RuleSet& pack = *rules->rules;
    if (k >= pack.overrides().size())
      throw Error(Status::out_of_range, "override " + std::to_string(k) + " is past the end");
    const PolicyOverride& o = pack.overrides()[k];
    out->id = o.id.c_str();
    out->reason = o.reason.c_str();
    out->condition = o.when.source().c_str();
    out->min_level = o.min_level;
    out->min_level_id = o.min_level >= 0
                            ? pack.levels()[static_cast<std::size_t>(o.min_level)].id.c_str()
                            : nullptr;
    out->immediate_safety = o.immediate_safety ? 1 : 0;
    out->line = o.where.line;
  });
}

// ---- Training packs ----

int sg_training_pack(char** out, size_t* out_size, const sg_rules* rules,
                     const sg_training_options* options) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(rules, "rules");
    require(options, "options");
    check_version(options->version, SG_TRAINING_OPTIONS_VERSION, "sg_training_options");
    TrainingOptions training;
    training.seed = options->seed;
    training.difficulty = options->difficulty;
    training.scenarios = options->scenarios;
    if (options->as_of) training.as_of = date(options->as_of, "options.as_of", true);
    std::vector<std::string> figures;
    if (options->version >= 2 && options->figure_count > 0) {
      require(options->figures, "options.figures");
      if (options->figure_count > 20) bad_argument("options.figures has more than 20 items");
      for (std::size_t i = 0; i < options->figure_count; ++i) {
        const std::string svg = optional_text(options->figures[i], "options.figures");
        // Graphviz's SVG opens with an XML declaration and a DOCTYPE: the page takes the <svg>,
        // as `safeguard training` does.
        const std::size_t start = svg.find("<svg");
        figures.push_back(start == std::string::npos ? std::string() : svg.substr(start));
      }
    }
    const TrainingScenarios scenarios = choose_training_scenarios(rules->rules, training);
    const std::vector<TrainingPage> pages = training_pages(scenarios, figures);
    nlohmann::json document;
    nlohmann::json list = nlohmann::json::array();
    for (const TrainingPage& page : pages)
      list.push_back({{"path", page.path}, {"html", page.html}});
    document["pages"] = std::move(list);
    // Each scenario's ecomap as DOT, drawn for the host to pass back as figures: the reveal
    // page is the host's view (everything is invented, nothing withheld), as the CLI draws it.
    nlohmann::json ecomaps = nlohmann::json::array();
    RenderOptions render;
    render.viewer = Viewer::everyone();
    for (const std::size_t row : scenarios.rows)
      ecomaps.push_back(render_ecomap_dot(scenarios.results, row, render));
    document["ecomaps"] = std::move(ecomaps);
    const std::string rendered = document.dump();
    *out = copy_out(rendered);
    if (out_size) *out_size = rendered.size();
  });
}

}  // extern "C"
