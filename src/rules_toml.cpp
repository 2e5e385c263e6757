// Loading rule packs from TOML with toml++. Every key is checked (a misspelt key in a rule pack
// would silently change a child's score, so unknown keys are errors), every expression is
// compiled, and every error carries the file, line and column.
//
// toml++ is configured in toml_setup.hpp (header-only, checks that throw).
#include "toml_guard.hpp"
#include "toml_setup.hpp"
#include "util/number_text.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_set>

#include "interpreter.hpp"
#include "points.hpp"
#include "safeguard/audit.hpp"  // PackChanges: what-if packs are derived here
#include "safeguard/day.hpp"    // quote_for_error
#include "safeguard/rules.hpp"
#include "snapshot_columns.hpp"  // Snapshot: constant expressions are evaluated on an empty one
#include "util/file.hpp"
#include "util/sha256.hpp"
#include "util/text_position.hpp"
#include "util/utf8.hpp"

namespace safeguard {

// A pack version is a label ("0.6.0", "2026-04 draft 3"); 64 bytes leaves room for any scheme.
constexpr std::size_t kMaxPackVersionBytes = 64;

class PackLoader {
 public:
  PackLoader(std::string name, const PackLimits& limits)
      : name_(std::move(name)), limits_(limits) {}

  // A what-if copy of a loaded pack (change_pack in audit.hpp). Works on the RuleSet, never on
  // TOML text: the pack's own types are what assess() reads, so a change made here is exactly
  // the change assessed.
  static std::shared_ptr<const RuleSet> derive(const RuleSet& original, const PackChanges& changes);

  std::shared_ptr<const RuleSet> load(std::string_view text) {
    source_ = text;
    if (text.size() > limits_.max_bytes) {
      throw Error(Status::limit,
                  "rule pack is larger than " + std::to_string(limits_.max_bytes) + " bytes",
                  Location{name_});
    }
    const toml::table root = detail::parse_toml_guarded(text, name_, "rule pack");
    auto pack = std::make_shared<RuleSet>();
    pack_ = pack.get();
    allow(root,
          {"pack", "index", "level", "rule", "override", "timescales", "discretionary",
           "propagation", "vocabulary", "safety"},
          "the top level");
    read_header(root);
    read_levels(root);
    read_indices(root);
    read_rules(root);
    read_overrides(root);
    read_safety(root);
    read_timescales(root);
    read_discretionary(root);
    read_propagation(root);
    read_vocabulary(root);
    // After the readers, so a string with a stricter rule of its own (an id) is refused by it.
    check_texts(root, {});
    std::string canonical;
    write_canonical(root, canonical);
    pack->hash_ = sha256_hex(canonical);
    pack->lint_warnings_ = lint(*pack);
    return pack;
  }

 private:
  Location at(const toml::node& node) const {
    const auto& begin = node.source().begin;
    return Location{name_, static_cast<int>(begin.line), static_cast<int>(begin.column)};
  }

  [[noreturn]] void fail(const toml::node& node, Status status, const std::string& message) const {
    throw Error(status, message, at(node));
  }

  void allow(const toml::table& table, std::initializer_list<std::string_view> keys,
             const std::string& where) const {
    for (auto&& [key, node] : table) {
      bool known = false;
      for (auto k : keys) known = known || key.str() == k;
      if (!known)
        fail(node, Status::invalid_data, "unknown key " + quoted_key(key.str()) + " in " + where);
    }
  }

  const toml::table& table_at(const toml::table& parent, std::string_view key,
                              const std::string& where) const {
    const toml::node* node = parent.get(key);
    if (!node)
      throw Error(Status::invalid_data, "missing [" + std::string(key) + "] in " + where,
                  Location{name_, 1, 1});
    if (!node->is_table()) fail(*node, Status::type, "'" + std::string(key) + "' must be a table");
    return *node->as_table();
  }

  std::string string_at(const toml::table& table, std::string_view key, const std::string& where,
                        bool required, const std::string& fallback = {}) const {
    const toml::node* node = table.get(key);
    if (!node) {
      if (required)
        fail(table, Status::invalid_data, "missing '" + std::string(key) + "' in " + where);
      return fallback;
    }
    if (!node->is_string())
      fail(*node, Status::type, "'" + std::string(key) + "' in " + where + " must be a string");
    return node->as_string()->get();
  }

  // Every string of a pack (titles, reasons, descriptions, rationales, expressions, ids, kept or
  // not) may reach reports, terminals and logs: a NUL would cut it short in C, an escape
  // sequence would restyle or rewrite a terminal. Checked in one walk over the whole pack, so
  // no reader can forget; tab and line breaks are fine.
  void check_texts(const toml::node& node, std::string_view key) const {
    if (const toml::table* table = node.as_table()) {
      for (auto&& [name, value] : *table) check_texts(value, name.str());
    } else if (const toml::array* array = node.as_array()) {
      for (const auto& item : *array) check_texts(item, key);
    } else if (const auto* text = node.as_string()) {
      if (const auto code = detail::first_control(text->get()))
        fail(node, Status::invalid_data,
             quoted_key(key) + " holds " + detail::describe_unprintable(*code));
    }
  }

  // A key as a message quotes it: in full when it is short and printable, as most are, else its
  // escaped beginning.
  static std::string quoted_key(std::string_view key) {
    if (key.size() <= 40 && !detail::first_unprintable(key)) return "'" + std::string(key) + "'";
    return detail::quote_for_error(key);
  }

  double number_at(const toml::node& node, const std::string& what) const {
    if (auto i = node.as_integer()) return static_cast<double>(i->get());
    if (auto f = node.as_floating_point()) {
      if (!std::isfinite(f->get()))
        fail(node, Status::invalid_data, what + " must be a finite number");
      return f->get();
    }
    fail(node, Status::type, what + " must be a number");
  }

  std::string id_at(const toml::table& table, const std::string& where) const {
    std::string id = string_at(table, "id", where, true);
    if (id.empty() || id.size() > 128 || detail::first_unprintable(id)) {
      fail(*table.get("id"), Status::invalid_data,
           "id in " + where + " must be 1-128 printable characters");
    }
    return id;
  }

  template <typename Each>
  void for_each_table(const toml::table& root, std::string_view key, Each each) {
    const toml::node* node = root.get(key);
    if (!node) return;
    const toml::array* array = node->as_array();
    if (!array)
      fail(*node, Status::type,
           "'" + std::string(key) + "' must be an array of tables: write [[" + std::string(key) +
               "]]");
    for (const auto& item : *array) {
      if (!item.is_table())
        fail(item, Status::type, "each [[" + std::string(key) + "]] must be a table");
      each(*item.as_table());
    }
  }

  void read_header(const toml::table& root) {
    const toml::table& pack = table_at(root, "pack", "the rule pack");
    allow(pack, {"id", "version", "title", "status", "description", "neutral_title"}, "[pack]");
    pack_->id_ = id_at(pack, "[pack]");
    pack_->version_ = string_at(pack, "version", "[pack]", true);
    // A version is a label, quoted in every result and report: printable and short.
    if (pack_->version_.empty() || pack_->version_.size() > kMaxPackVersionBytes ||
        detail::first_unprintable(pack_->version_)) {
      fail(*pack.get("version"), Status::invalid_data,
           "version in [pack] must be 1-" + std::to_string(kMaxPackVersionBytes) +
               " printable characters");
    }
    pack_->title_ = string_at(pack, "title", "[pack]", false, pack_->id_);
    pack_->neutral_title_ =
        string_at(pack, "neutral_title", "[pack]", false, std::string(kDefaultNeutralTitle));
    if (pack_->neutral_title_.empty())
      fail(*pack.get("neutral_title"), Status::invalid_data, "neutral_title of [pack] is empty");
  }

  void read_levels(const toml::table& root) {
    std::unordered_set<std::string> seen;
    for_each_table(root, "level", [&](const toml::table& t) {
      allow(t, {"id", "title", "min"}, "a [[level]]");
      if (pack_->levels_.size() >= limits_.max_levels)
        fail(t, Status::limit, "more than " + std::to_string(limits_.max_levels) + " levels");
      LevelDef level;
      level.where = at(t);
      level.id = id_at(t, "a [[level]]");
      level.where.entity = level.id;
      if (!seen.insert(level.id).second)
        fail(t, Status::duplicate, "duplicate level id '" + level.id + "'");
      level.title = string_at(t, "title", "level '" + level.id + "'", false, level.id);
      const toml::node* min = t.get("min");
      if (!min) fail(t, Status::invalid_data, "level '" + level.id + "' needs 'min'");
      level.min = number_at(*min, "min of level '" + level.id + "'");
      if (!pack_->levels_.empty() && level.min <= pack_->levels_.back().min) {
        fail(*min, Status::invalid_data,
             "level '" + level.id + "' must have a higher min than '" + pack_->levels_.back().id +
                 "'; list levels from lowest to highest");
      }
      pack_->levels_.push_back(std::move(level));
    });
    if (pack_->levels_.empty())
      throw Error(Status::invalid_data, "a rule pack needs at least one [[level]]",
                  Location{name_, 1, 1});
  }

  int level_index(const toml::node& node, const std::string& id) const {
    for (std::size_t l = 0; l < pack_->levels_.size(); ++l) {
      if (pack_->levels_[l].id == id) return static_cast<int>(l);
    }
    fail(node, Status::not_found, "unknown level '" + id + "'");
  }

  void read_indices(const toml::table& root) {
    std::unordered_set<std::string> seen;
    for_each_table(root, "index", [&](const toml::table& t) {
      allow(t, {"id", "title", "thresholds", "counting", "subject"}, "an [[index]]");
      if (pack_->indices_.size() >= limits_.max_indices)
        fail(t, Status::limit, "more than " + std::to_string(limits_.max_indices) + " indices");
      IndexDef index;
      index.where = at(t);
      index.id = id_at(t, "an [[index]]");
      index.where.entity = index.id;
      if (!seen.insert(index.id).second)
        fail(t, Status::duplicate, "duplicate index id '" + index.id + "'");
      index.title = string_at(t, "title", "index '" + index.id + "'", false, index.id);
      const std::string counting =
          string_at(t, "counting", "index '" + index.id + "'", false, "weighted");
      if (counting == "whole") {
        index.whole = true;
      } else if (counting != "weighted") {
        fail(*t.get("counting"), Status::invalid_data,
             "counting of index '" + index.id + "' must be \"weighted\" or \"whole\", not '" +
                 counting + "'");
      }
      const std::string subject =
          string_at(t, "subject", "index '" + index.id + "'", false, "child");
      if (subject == "adult") {
        index.adult = true;
      } else if (subject != "child") {
        fail(*t.get("subject"), Status::invalid_data,
             "subject of index '" + index.id + "' must be \"child\" or \"adult\", not '" + subject +
                 "'");
      }
      for (const auto& level : pack_->levels_) index.thresholds.push_back(level.min);
      if (const toml::node* node = t.get("thresholds")) {
        const toml::table* thresholds = node->as_table();
        if (!thresholds) fail(*node, Status::type, "thresholds must be a table of level = min");
        for (auto&& [key, value] : *thresholds) {
          const int l = level_index(value, std::string(key.str()));
          index.thresholds[l] = number_at(value, "threshold");
        }
        for (std::size_t l = 1; l < index.thresholds.size(); ++l) {
          if (index.thresholds[l] <= index.thresholds[l - 1]) {
            fail(*node, Status::invalid_data,
                 "thresholds of index '" + index.id + "' must rise with the levels");
          }
        }
      }
      pack_->indices_.push_back(std::move(index));
    });
    if (pack_->indices_.empty())
      throw Error(Status::invalid_data, "a rule pack needs at least one [[index]]",
                  Location{name_, 1, 1});
  }

  // Byte offset in the source of a 1-based line and column (columns count code points, as
  // toml++ reports them).
  std::size_t source_offset(int line, int column) const {
    return text_offset(source_, line, column);
  }

  Location source_location(std::size_t pos) const {
    const TextPosition at = text_position(source_, pos);
    return Location{name_, at.line, at.column};
  }

  // An error the expression compiler placed relative to the decoded string (line 1, column 1
  // is its first character), mapped back to the TOML source: past the opening quote or
  // quotes, past the newline TOML drops after a multi-line opening, and through escape
  // sequences, which are longer in the source than in the decoded text. Hand-written because
  // toml++ keeps only where a string value starts, not where each of its characters came from.
  Location map_to_source(const toml::node& node, std::string_view decoded,
                         const Location& relative) const {
    std::size_t target = 0;
    for (int line = 1, column = 1; target < decoded.size();) {
      if (line > relative.line || (line == relative.line && column >= relative.column)) break;
      if (decoded[target] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
      ++target;
      while (target < decoded.size() &&
             (static_cast<unsigned char>(decoded[target]) & 0xC0) == 0x80)
        ++target;
    }
    const auto& begin = node.source().begin;
    std::size_t pos = source_offset(static_cast<int>(begin.line), static_cast<int>(begin.column));
    if (pos >= source_.size()) return at(node);
    const char quote = source_[pos];
    const bool literal = quote == '\'';
    const bool multi = source_.compare(pos, 3, std::string(3, quote)) == 0;
    pos += multi ? 3 : 1;
    if (multi && source_.compare(pos, 1, "\n") == 0) pos += 1;
    if (multi && source_.compare(pos, 2, "\r\n") == 0) pos += 2;
    for (std::size_t produced = 0; produced < target && pos < source_.size();) {
      if (literal || source_[pos] != '\\' || pos + 1 >= source_.size()) {
        ++pos;
        ++produced;
        continue;
      }
      const char escape = source_[pos + 1];
      if (multi && (escape == '\n' || escape == '\r' || escape == ' ' || escape == '\t')) {
        // A line-ending backslash: it and the whitespace after it decode to nothing.
        pos += 1;
        while (pos < source_.size() && std::isspace(static_cast<unsigned char>(source_[pos])))
          ++pos;
        continue;
      }
      if (escape == 'u' || escape == 'U') {
        const std::size_t digits = escape == 'u' ? 4 : 8;
        unsigned long code = 0;
        for (std::size_t d = 0; d < digits && pos + 2 + d < source_.size(); ++d) {
          const char h = source_[pos + 2 + d];  // toml++ has already checked it is hex
          const int value = h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10;
          code = code * 16 + static_cast<unsigned long>(value);
        }
        produced += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
        pos += 2 + digits;
        continue;
      }
      pos += 2;
      produced += 1;
    }
    Location where = source_location(pos);
    where.entity = relative.entity;
    return where;
  }

  expr::Expression compile(const toml::node& node, expr::Scope scope, expr::Type type,
                           const std::string& what) {
    expr::Compiled compiled = compile_program(node, scope, type, what);
    for (std::uint32_t symbol : compiled.adult_indices) {
      const std::string_view id = pack_->symbols_.str(symbol);
      const auto& indices = pack_->indices_;
      const bool adult = std::any_of(indices.begin(), indices.end(), [&](const IndexDef& index) {
        return index.adult && index.id == id;
      });
      if (!adult)
        fail(node, Status::invalid_data,
             what + " reads adult_score(\"" + std::string(id) +
                 "\", ...), but the pack has no index with that id and subject = \"adult\"");
    }
    for (std::uint32_t symbol : compiled.adult_levels) {
      const std::string_view id = pack_->symbols_.str(symbol);
      const auto& levels = pack_->levels_;
      if (std::none_of(levels.begin(), levels.end(),
                       [&](const LevelDef& level) { return level.id == id; }))
        fail(node, Status::invalid_data,
             what + " reads adult_level_at_least(..., \"" + std::string(id) +
                 "\"), but the pack has no level with that id");
    }
    return expr::Expression(std::move(compiled));
  }

  // An adult override reads the concerns about the adult: `concerns` aggregates and nothing of
  // a child (no child.*, timeline.*, family_concerns, factors, adult_score or
  // adult_level_at_least), and it can only set a level: immediate safety is a child's.
  void check_adult_override(const toml::table& t, const PolicyOverride& o,
                            const std::string& where) const {
    const std::string why =
        " (" + where + " has subject = \"adult\": it reads the concerns about each adult)";
    if (o.immediate_safety)
      fail(*t.get("immediate_safety"), Status::invalid_data,
           where + " cannot flag immediate safety, which is a child's" + why);
    if (o.min_level < 0) fail(t, Status::invalid_data, where + " needs min_level" + why);
    const expr::Compiled& compiled = o.when.compiled();
    bool reads_child = compiled.reads_adults();
    for (const expr::Aggregate& a : compiled.aggregates)
      reads_child = reads_child || a.collection != expr::Collection::concerns;
    for (expr::Attr attr : compiled.attributes) {
      const expr::Scope scope = expr::attr_info(attr).scope;
      reads_child = reads_child || (scope != expr::Scope::concern);
    }
    if (reads_child)
      fail(*t.get("when"), Status::invalid_data,
           where +
               " reads something other than the concerns about the adult (child.*, timeline.*, "
               "family_concerns, factors, adult_score or adult_level_at_least)" +
               why);
  }

  // A rule of an adult index scores the concerns about an adult: no child to read, no path but
  // self, no network.
  void check_adult(const toml::table& t, const Rule& rule, const std::string& where) const {
    const std::string why = " (index '" + pack_->indices_[rule.index].id + "' has subject = " +
                            "\"adult\": its rules score the concerns about each adult)";
    if (rule.scope != expr::Scope::concern)
      fail(*t.get("for"), Status::invalid_data, where + " must be for = \"concern\"" + why);
    for (int r = 0; r < kRoleCount; ++r) {
      if (static_cast<Role>(r) != Role::self && rule.reach[static_cast<std::size_t>(r)] != 0)
        fail(*t.get("reach"), Status::invalid_data, where + " can only reach self" + why);
    }
    for (const expr::Expression* e : {&rule.when, &rule.points}) {
      const expr::Compiled& compiled = e->compiled();
      bool reads_child = !compiled.aggregates.empty() || compiled.reads_adults();
      for (expr::Attr attr : compiled.attributes)
        reads_child = reads_child || expr::attr_info(attr).scope == expr::Scope::child;
      if (reads_child)
        fail(e == &rule.when && t.get("when") ? *t.get("when") : *t.get("points"),
             Status::invalid_data,
             where + " reads the child (child.*, timeline.*, an aggregate or adult_score)" + why);
    }
  }
  expr::Compiled compile_program(const toml::node& node, expr::Scope scope, expr::Type type,
                                 const std::string& what) {
    if (node.is_boolean() && type == expr::Type::boolean) {
      return expr::compile(node.as_boolean()->get() ? "true" : "false", scope, type,
                           pack_->symbols_, at(node), limits_.expressions);
    }
    if ((node.is_integer() || node.is_floating_point()) && type == expr::Type::number) {
      std::ostringstream text;
      text.precision(17);
      const double value = number_at(node, what);
      text << std::fabs(value);
      return expr::compile((value < 0 ? "-" : "") + text.str(), scope, type, pack_->symbols_,
                           at(node), limits_.expressions);
    }
    if (!node.is_string()) fail(node, Status::type, what + " must be a string expression");
    const std::string& decoded = node.as_string()->get();
    try {
      return expr::compile(decoded, scope, type, pack_->symbols_, Location{name_, 1, 1},
                           limits_.expressions);
    } catch (const Error& e) {
      throw Error(e.status(), e.reason(), map_to_source(node, decoded, e.where()));
    }
  }

  // An expression that reads nothing has one value for every child, known now: if it is
  // unknown (a division by zero, an overflow) or points beyond detail::kMaxPoints, the pack is
  // wrong, and saying so at load beats a rule that is silently never assessable.
  void refuse_bad_constant(const toml::node& node, const expr::Expression& expression,
                           const std::string& what) const {
    if (!expression.constant()) return;
    const expr::Compiled& compiled = expression.compiled();
    static const Snapshot empty;
    expr::EvalContext context;
    context.snapshot = &empty;
    const expr::Value value = expr::evaluate(compiled, context);
    if (!value.known) {
      fail(node, Status::invalid_data,
           what + " has no value (a division by zero or a number out of range)");
    }
    if (compiled.type == expr::Type::number && std::fabs(value.number) > detail::kMaxPoints) {
      fail(node, Status::invalid_data, what + " is beyond +/-1e100");
    }
  }

  // A rule on a whole-counting index must give whole numbers only: constant whole points, no
  // decay, reach 0 or 1 and a whole cap (filled latest evidence first when scoring).
  void check_whole(const toml::table& t, const Rule& rule, const std::string& where) const {
    const std::string index = "index '" + pack_->indices_[rule.index].id + "'";
    const std::string why = " (" + index + " counts whole ticks)";
    const toml::node& points = *t.get("points");
    expr::Value value;
    if (rule.points.constant()) {
      static const Snapshot empty;
      expr::EvalContext context;
      context.snapshot = &empty;
      value = expr::evaluate(rule.points, context);
    }
    if (!rule.points.constant() || !value.known || value.number != std::floor(value.number))
      fail(points, Status::invalid_data,
           "points of " + where + " must be a constant whole number" + why);
    if (const toml::node* node = t.get("half_life_days"))
      fail(*node, Status::invalid_data, where + " cannot decay" + why);
    if (const toml::node* node = t.get("cap")) {
      if (rule.cap != std::floor(rule.cap))
        fail(*node, Status::invalid_data, "cap of " + where + " must be a whole number" + why);
    }
    if (const toml::node* node = t.get("reach")) {
      for (double factor : rule.reach) {
        if (factor != 0 && factor != 1)
          fail(*node, Status::invalid_data, "reach factors of " + where + " must be 0 or 1" + why);
      }
    }
  }

  // `latest = { of = "family.*", within_days = N }`: only each person's latest group of the
  // family's concerns counts (docs/rules.md, "Latest group per person").
  void read_latest(const toml::node& node, Rule& rule, const std::string& where) const {
    if (rule.scope != expr::Scope::concern)
      fail(node, Status::invalid_data,
           "latest applies to concern rules: it keeps the latest group of concerns about each "
           "person (" +
               where + ")");
    const toml::table* table = node.as_table();
    if (!table)
      fail(
          node, Status::type,
          "latest of " + where + " must be a table such as { of = \"dash.*\", within_days = 365 }");
    allow(*table, {"of", "within_days"}, "latest of " + where);
    const std::string family = string_at(*table, "of", "latest of " + where, true);
    const toml::node& of = *table->get("of");
    if (family.size() < 3 || family.compare(family.size() - 2, 2, ".*") != 0 ||
        family.find('*') != family.size() - 1)
      fail(of, Status::invalid_data,
           "latest of " + where + " names a family of categories as \"prefix.*\" (such as " +
               "\"dash.*\"), not '" + family + "'");
    const toml::node* within = table->get("within_days");
    if (!within) fail(node, Status::invalid_data, "missing 'within_days' in latest of " + where);
    const double days = number_at(*within, "within_days of latest of " + where);
    if (days < 1 || days > 36500 || days != std::floor(days))
      fail(*within, Status::invalid_data,
           "within_days of latest of " + where + " must be a whole number of days, 1 to 36500");
    rule.latest_family = family.substr(0, family.size() - 1);
    rule.latest_within_days = static_cast<int>(days);
    rule.latest_where = at(node);
  }

  void read_rules(const toml::table& root) {
    std::unordered_set<std::string> seen;
    for_each_table(root, "rule", [&](const toml::table& t) {
      allow(t,
            {"id", "title", "index", "heading", "for", "when", "points", "half_life_days", "cap",
             "reach", "rationale", "plain", "neutral_title", "latest"},
            "a [[rule]]");
      if (pack_->rules_.size() >= limits_.max_rules) {
        fail(t, Status::limit, "more than " + std::to_string(limits_.max_rules) + " rules");
      }
      Rule rule;
      rule.where = at(t);
      rule.id = id_at(t, "a [[rule]]");
      const std::string where = "rule '" + rule.id + "'";
      if (!seen.insert(rule.id).second)
        fail(t, Status::duplicate, "duplicate rule id '" + rule.id + "'");
      if (rule.id == kPropagationRuleId)
        fail(*t.get("id"), Status::invalid_data,
             "rule id '" + rule.id + "' is reserved for propagated contributions");
      rule.title = string_at(t, "title", where, false, rule.id);
      rule.plain = string_at(t, "plain", where, false);
      rule.neutral_title = string_at(t, "neutral_title", where, false);
      if (rule.neutral_title.empty() && t.get("neutral_title"))
        fail(*t.get("neutral_title"), Status::invalid_data,
             "neutral_title of " + where + " is empty");

      const std::string index = string_at(t, "index", where, true);
      bool found = false;
      for (std::size_t i = 0; i < pack_->indices_.size(); ++i) {
        if (pack_->indices_[i].id == index)
          rule.index = static_cast<std::uint32_t>(i), found = true;
      }
      if (!found)
        fail(*t.get("index"), Status::not_found, "unknown index '" + index + "' in " + where);

      const std::string heading = string_at(t, "heading", where, true);
      if (!parse_heading(heading, rule.heading)) {
        fail(*t.get("heading"), Status::invalid_data,
             "heading must be harm, danger, complicating, safety or strength, not '" + heading +
                 "'");
      }
      const std::string scope = string_at(t, "for", where, true);
      if (scope == "concern")
        rule.scope = expr::Scope::concern;
      else if (scope == "factor")
        rule.scope = expr::Scope::factor;
      else if (scope == "child")
        rule.scope = expr::Scope::child;
      else
        fail(*t.get("for"), Status::invalid_data,
             "'for' must be concern, factor or child, not '" + scope + "'");

      const toml::node* when = t.get("when");
      rule.when = when ? compile(*when, rule.scope, expr::Type::boolean, "when of " + where)
                       : expr::compile_expression("true", rule.scope, expr::Type::boolean,
                                                  pack_->symbols_, rule.where);
      const toml::node* points = t.get("points");
      if (!points) fail(t, Status::invalid_data, where + " needs 'points'");
      rule.points = compile(*points, rule.scope, expr::Type::number, "points of " + where);
      refuse_bad_constant(*points, rule.points, "points of " + where);
      if (when) refuse_bad_constant(*when, rule.when, "when of " + where);

      if (const toml::node* node = t.get("half_life_days")) {
        if (rule.scope == expr::Scope::child)
          fail(*node, Status::invalid_data,
               "half_life_days needs dated evidence: use it in a concern or factor rule");
        rule.half_life_days = number_at(*node, "half_life_days");
        if (rule.half_life_days <= 0)
          fail(*node, Status::invalid_data, "half_life_days must be greater than 0");
      }
      if (const toml::node* node = t.get("cap")) {
        rule.cap = number_at(*node, "cap");
        if (rule.cap <= 0)
          fail(*node, Status::invalid_data,
               "cap must be greater than 0 (it bounds the rule's total either way)");
      }
      rule.reach[static_cast<std::size_t>(Role::self)] = 1.0;
      if (const toml::node* node = t.get("reach")) {
        if (rule.scope == expr::Scope::child)
          fail(*node, Status::invalid_data, "reach applies to concern and factor rules");
        const toml::table* reach = node->as_table();
        if (!reach)
          fail(*node, Status::type, "reach must be a table such as { self = 1.0, sibling = 0.5 }");
        rule.reach.fill(0.0);
        for (auto&& [key, value] : *reach) {
          Role role;
          if (!parse_role(key.str(), role)) {
            fail(value, Status::invalid_data,
                 "unknown reach '" + std::string(key.str()) +
                     "'; use self, sibling, carer, household, associate, partner or involved");
          }
          const double factor = number_at(value, "reach factor");
          if (factor < 0 || factor > 1)
            fail(value, Status::invalid_data, "reach factor must be between 0 and 1");
          rule.reach[static_cast<std::size_t>(role)] = factor;
        }
      }
      if (const toml::node* node = t.get("latest")) read_latest(*node, rule, where);
      if (pack_->indices_[rule.index].whole) check_whole(t, rule, where);
      if (pack_->indices_[rule.index].adult) check_adult(t, rule, where);
      pack_->rules_.push_back(std::move(rule));
    });
  }

  void read_overrides(const toml::table& root) {
    std::unordered_set<std::string> seen;
    for_each_table(root, "override", [&](const toml::table& t) {
      allow(t, {"id", "reason", "when", "min_level", "immediate_safety", "subject"},
            "an [[override]]");
      if (pack_->overrides_.size() >= limits_.max_overrides) {
        fail(t, Status::limit, "more than " + std::to_string(limits_.max_overrides) + " overrides");
      }
      PolicyOverride o;
      o.where = at(t);
      o.id = id_at(t, "an [[override]]");
      const std::string where = "override '" + o.id + "'";
      if (!seen.insert(o.id).second)
        fail(t, Status::duplicate, "duplicate override id '" + o.id + "'");
      o.reason = string_at(t, "reason", where, true);
      const toml::node* when = t.get("when");
      if (!when) fail(t, Status::invalid_data, where + " needs 'when'");
      o.when = compile(*when, expr::Scope::child, expr::Type::boolean, "when of " + where);
      refuse_bad_constant(*when, o.when, "when of " + where);
      if (const toml::node* node = t.get("min_level")) {
        if (!node->is_string()) fail(*node, Status::type, "min_level must be a level id");
        o.min_level = level_index(*node, node->as_string()->get());
      }
      if (const toml::node* node = t.get("immediate_safety")) {
        if (!node->is_boolean())
          fail(*node, Status::type, "immediate_safety must be true or false");
        o.immediate_safety = node->as_boolean()->get();
      }
      if (o.min_level < 0 && !o.immediate_safety) {
        fail(t, Status::invalid_data,
             where + " does nothing: give it min_level, immediate_safety = true, or both");
      }
      const std::string subject = string_at(t, "subject", where, false, "child");
      if (subject == "adult") {
        o.adult = true;
        check_adult_override(t, o, where);
      } else if (subject != "child") {
        fail(*t.get("subject"), Status::invalid_data,
             "subject of " + where + " must be \"child\" or \"adult\", not '" + subject + "'");
      }
      pack_->overrides_.push_back(std::move(o));
    });
  }

  // [safety]: present-danger items ([[safety.danger]], over the child or each concern) and the
  // conditions that count as a safety plan ([[safety.plan]], over the child or each factor).
  // Ids are unique across the section: a finding names its item by id alone.
  void read_safety(const toml::table& root) {
    const toml::node* section = root.get("safety");
    if (!section) return;
    const toml::table* table = section->as_table();
    if (!table) fail(*section, Status::type, "'safety' must be a table: write [[safety.danger]]");
    allow(*table, {"danger", "plan"}, "[safety]");
    SafetySettings& safety = pack_->safety_;
    safety.defined = true;
    safety.where = at(*section);
    std::unordered_set<std::string> seen;
    auto read = [&](std::string_view key, expr::Scope evidence_scope,
                    std::vector<SafetyCondition>& out) {
      const std::string name = "[[safety." + std::string(key) + "]]";
      const toml::node* node = table->get(key);
      if (!node) return;
      const toml::array* array = node->as_array();
      if (!array) fail(*node, Status::type, "'" + std::string(key) + "' must be written " + name);
      for (const auto& item : *array) {
        if (!item.is_table()) fail(item, Status::type, "each " + name + " must be a table");
        const toml::table& t = *item.as_table();
        allow(t, {"id", "title", "for", "when", "paths", "rationale"}, "a " + name);
        if (out.size() >= limits_.max_overrides) {
          fail(t, Status::limit,
               "more than " + std::to_string(limits_.max_overrides) + " " + name + " items");
        }
        SafetyCondition c;
        c.where = at(t);
        c.id = id_at(t, "a " + name);
        const std::string where = "safety " + std::string(key) + " '" + c.id + "'";
        if (!seen.insert(c.id).second)
          fail(t, Status::duplicate, "duplicate id '" + c.id + "' in [safety]");
        c.title = string_at(t, "title", where, true);
        const std::string evidence = evidence_scope == expr::Scope::concern ? "concern" : "factor";
        const std::string scope = string_at(t, "for", where, true);
        if (scope == "child") {
          c.scope = expr::Scope::child;
        } else if (scope == evidence) {
          c.scope = evidence_scope;
        } else {
          fail(*t.get("for"), Status::invalid_data,
               "'for' of " + where + " must be child or " + evidence + ", not '" + scope + "'");
        }
        const toml::node* when = t.get("when");
        if (!when) fail(t, Status::invalid_data, where + " needs 'when'");
        c.when = compile(*when, c.scope, expr::Type::boolean, "when of " + where);
        refuse_bad_constant(*when, c.when, "when of " + where);
        if (const toml::node* paths = t.get("paths")) {
          if (c.scope == expr::Scope::child)
            fail(*paths, Status::invalid_data,
                 "paths of " + where + " needs for = \"" + evidence +
                     "\": a condition on the child has no path");
          const toml::array* list = paths->as_array();
          if (!list || list->empty())
            fail(*paths, Status::type, "paths of " + where + " must be a list such as [\"self\"]");
          c.paths = 0;
          for (const auto& path : *list) {
            Role role;
            if (!path.is_string() || !parse_role(path.as_string()->get(), role)) {
              fail(path, Status::invalid_data,
                   "paths of " + where +
                       ": use self, sibling, carer, household, associate, partner or involved");
            }
            c.paths |= role_bit(role);
          }
        }
        out.push_back(std::move(c));
      }
    };
    read("danger", expr::Scope::concern, safety.dangers);
    read("plan", expr::Scope::factor, safety.plans);
    if (safety.dangers.empty())
      fail(*section, Status::invalid_data,
           "[safety] needs at least one [[safety.danger]]: without one every child is safe");
  }

  // [vocabulary]: tables of name = "description" for categories, factor_kinds, flags and
  // agency_types. What the pack knows is what it declares, or without the section the names
  // its rules compare against.
  void read_vocabulary(const toml::table& root) {
    Vocabulary& vocabulary = pack_->vocabulary_;
    const ReferencedNames referenced = referenced_names(*pack_);
    const toml::node* section = root.get("vocabulary");
    if (section) {
      const toml::table* table = section->as_table();
      if (!table) fail(*section, Status::type, "'vocabulary' must be a table: write [vocabulary]");
      allow(*table, {"categories", "factor_kinds", "flags", "agency_types"}, "[vocabulary]");
      vocabulary.declared = true;
      read_names(*table, "categories", vocabulary.categories);
      read_names(*table, "factor_kinds", vocabulary.factor_kinds);
      read_names(*table, "flags", vocabulary.flags);
      read_names(*table, "agency_types", vocabulary.agency_types);
    }
    const std::vector<VocabularyEntry>* lists[4][2] = {
        {&vocabulary.categories, &referenced.categories},
        {&vocabulary.factor_kinds, &referenced.factor_kinds},
        {&vocabulary.flags, &referenced.flags},
        {&vocabulary.agency_types, &referenced.agency_types}};
    for (int which = 0; which < 4; ++which) {
      static constexpr const char* kTables[] = {"categories", "factor_kinds", "flags",
                                                "agency_types"};
      pack_->checks_[which] =
          vocabulary.declared ? section->as_table()->get(kTables[which]) != nullptr : which < 2;
      auto& known = pack_->known_[which];
      for (const auto& entry : *lists[which][vocabulary.declared ? 0 : 1])
        known.push_back(entry.name);
      std::sort(known.begin(), known.end());
    }
  }

  void read_names(const toml::table& table, std::string_view key,
                  std::vector<VocabularyEntry>& out) const {
    const toml::node* node = table.get(key);
    if (!node) return;
    const toml::table* names = node->as_table();
    const std::string where = "[vocabulary." + std::string(key) + "]";
    if (!names) fail(*node, Status::type, where + " must be a table of name = \"description\"");
    for (auto&& [name, value] : *names) {
      const std::string text(name.str());
      if (text.empty() || text.size() > 128 || detail::first_unprintable(text))
        fail(value, Status::invalid_data,
             "a name in " + where + " must be 1-128 printable characters");
      if (!value.is_string() || value.as_string()->get().empty())
        fail(value, Status::invalid_data,
             "'" + text + "' in " + where + " needs a description (a non-empty string)");
      out.push_back({text, value.as_string()->get(), at(value)});
      out.back().where.entity = text;
    }
    std::sort(out.begin(), out.end(),
              [](const VocabularyEntry& a, const VocabularyEntry& b) { return a.name < b.name; });
  }

  void read_propagation(const toml::table& root) {
    const toml::node* section = root.get("propagation");
    if (!section) return;
    const toml::table* table = section->as_table();
    if (!table) fail(*section, Status::type, "'propagation' must be a table: write [propagation]");
    const toml::table& t = *table;
    const std::string where = "[propagation]";
    allow(t,
          {"enabled", "indices", "alpha", "weights", "normalise", "association_cap", "tolerance",
           "max_iterations", "heading", "title", "contextual", "rationale"},
          where);
    PropagationSettings& p = pack_->propagation_;
    p.where = at(t);
    p.enabled = true;
    if (const toml::node* node = t.get("enabled")) {
      if (!node->is_boolean()) fail(*node, Status::type, "enabled must be true or false");
      p.enabled = node->as_boolean()->get();
    }

    const toml::node* indices = t.get("indices");
    if (!indices)
      fail(t, Status::invalid_data, where + " needs 'indices', e.g. [\"exploitation\"]");
    const toml::array* list = indices->as_array();
    if (!list || list->empty())
      fail(*indices, Status::type, "indices must be a non-empty array of index ids");
    for (const auto& item : *list) {
      if (!item.is_string()) fail(item, Status::type, "indices must be index ids (strings)");
      const std::string id = item.as_string()->get();
      std::uint32_t found = UINT32_MAX;
      for (std::size_t i = 0; i < pack_->indices_.size(); ++i) {
        if (pack_->indices_[i].id == id) found = static_cast<std::uint32_t>(i);
      }
      if (found == UINT32_MAX) fail(item, Status::not_found, "unknown index '" + id + "'");
      if (p.propagates(found)) fail(item, Status::duplicate, "index '" + id + "' listed twice");
      if (pack_->indices_[found].whole)
        fail(item, Status::invalid_data,
             "index '" + id + "' counts whole ticks; propagated risk is fractional");
      if (pack_->indices_[found].adult)
        fail(item, Status::invalid_data,
             "index '" + id + "' has subject = \"adult\"; only a child's indices propagate");
      p.indices.push_back(found);
    }

    const toml::node* alpha = t.get("alpha");
    if (!alpha)
      fail(t, Status::invalid_data, where + " needs 'alpha', the damping (0 < alpha < 1)");
    p.alpha = number_at(*alpha, "alpha");
    if (!(p.alpha > 0 && p.alpha < 1))
      fail(*alpha, Status::invalid_data, "alpha must be greater than 0 and less than 1");

    const toml::node* weights = t.get("weights");
    if (!weights)
      fail(t, Status::invalid_data, where + " needs 'weights', e.g. { associate = 0.3 }");
    const toml::table* weight_table = weights->as_table();
    if (!weight_table)
      fail(*weights, Status::type, "weights must be a table such as { associate = 0.3 }");
    bool any = false;
    for (auto&& [key, value] : *weight_table) {
      RelationKind kind;
      if (!parse_relation_kind(key.str(), kind) || !is_declarable_relation(kind)) {
        fail(value, Status::invalid_data,
             "unknown relation '" + std::string(key.str()) +
                 "' in weights; use parent_of, carer_of, sibling_of, partner_of, associate, "
                 "member_of or frequents");
      }
      const double w = number_at(value, "weight of " + std::string(key.str()));
      if (w < 0)
        fail(value, Status::invalid_data,
             "weight of " + std::string(key.str()) + " must not be negative");
      p.weights[static_cast<std::size_t>(kind)] = w;
      any = any || w > 0;
    }
    if (!any) fail(*weights, Status::invalid_data, "weights are all 0: nothing would propagate");

    const std::string normalise = string_at(t, "normalise", where, false, "per_type");
    if (normalise == "per_type")
      p.normalise = Normalise::per_type;
    else if (normalise == "none")
      p.normalise = Normalise::none;
    else
      fail(*t.get("normalise"), Status::invalid_data,
           "normalise must be \"per_type\" or \"none\", not '" + normalise + "'");

    p.association_cap = 0.5;
    if (const toml::node* node = t.get("association_cap")) {
      p.association_cap = number_at(*node, "association_cap");
      if (!(p.association_cap > 0 && p.association_cap <= 1))
        fail(*node, Status::invalid_data,
             "association_cap is the largest share of a child's score that may come from "
             "association: greater than 0, at most 1 (1: no cap)");
    }
    if (const toml::node* node = t.get("tolerance")) {
      p.tolerance = number_at(*node, "tolerance");
      if (!(p.tolerance > 0 && p.tolerance < 1))
        fail(*node, Status::invalid_data, "tolerance must be greater than 0 and less than 1");
    }
    if (const toml::node* node = t.get("max_iterations")) {
      const auto* count = node->as_integer();
      if (!count) fail(*node, Status::type, "max_iterations must be a whole number");
      if (count->get() < 1 || count->get() > 1'000'000)
        fail(*node, Status::invalid_data, "max_iterations must be between 1 and 1000000");
      p.max_iterations = static_cast<int>(count->get());
    }
    if (t.get("heading")) {
      const std::string heading = string_at(t, "heading", where, false);
      if (!parse_heading(heading, p.heading))
        fail(*t.get("heading"), Status::invalid_data,
             "heading must be harm, danger, complicating, safety or strength, not '" + heading +
                 "'");
    }
    p.title = string_at(t, "title", where, false, p.title);
    const std::string contextual = string_at(t, "contextual", where, false, "apart");
    if (!parse_contextual_policy(contextual, p.contextual))
      fail(*t.get("contextual"), Status::invalid_data,
           "contextual must be \"apart\" (propagated points reported beside the child's own "
           "score, not moving its level) or \"included\" (added to it), not '" +
               contextual + "'");
    check_convergence(p, *weights);
  }

  // Rejects settings under which r = s + alpha * W r could diverge, naming the weights to
  // change. With per-type normalisation every row of W sums to at most the sum of the weights,
  // so alpha times that sum bounds the spectral radius of alpha * W (Gershgorin) on every graph.
  // Without normalisation the radius grows with the graph (assess() checks the graph itself);
  // here only what no graph can escape is refused: two nodes joined by a relation of weight w
  // already give alpha * W a radius of at least alpha * w.
  void check_convergence(const PropagationSettings& p, const toml::node& weights) const {
    auto number = [](double value) {
      std::ostringstream text;
      text << value;
      return text.str();
    };
    std::string terms;
    double sum = 0, largest = 0;
    RelationKind largest_kind = RelationKind::associate;
    for (int k = 0; k < kRelationKindCount; ++k) {
      const double w = p.weights[static_cast<std::size_t>(k)];
      if (w <= 0) continue;
      const auto kind = static_cast<RelationKind>(k);
      terms += (terms.empty() ? "" : " + ") + std::string(to_string(kind)) + " " + number(w);
      sum += w;
      if (w > largest) largest = w, largest_kind = kind;
    }
    if (p.normalise == Normalise::per_type && p.alpha * sum >= 1) {
      fail(weights, Status::divergent,
           "propagation could diverge: alpha x (sum of the weights) = " + number(p.alpha) + " x (" +
               terms + ") = " + number(p.alpha * sum) +
               ", which must be below 1; lower alpha or the weights");
    }
    if (p.normalise == Normalise::none && p.alpha * largest >= 1) {
      fail(weights, Status::divergent,
           "propagation diverges on any graph with a " + std::string(to_string(largest_kind)) +
               " link: alpha x weight = " + number(p.alpha) + " x " + number(largest) + " = " +
               number(p.alpha * largest) + ", which must be below 1; lower alpha or the " +
               std::string(to_string(largest_kind)) + " weight");
    }
  }

  void read_timescales(const toml::table& root) {
    const toml::node* node = root.get("timescales");
    if (!node) return;
    if (!node->is_table()) fail(*node, Status::type, "'timescales' must be a table");
    const toml::table& t = *node->as_table();
    allow(t,
          {"referral_decision_working_days", "assessment_working_days",
           "initial_conference_working_days", "first_review_months", "review_interval_months"},
          "[timescales]");
    Timescales& ts = pack_->timescales_;
    auto read = [&](std::string_view key, int& out, int max, unsigned bit) {
      const toml::node* value = t.get(key);
      if (!value) return;
      ts.set |= bit;
      const auto* integer = value->as_integer();
      if (!integer) fail(*value, Status::type, std::string(key) + " must be a whole number");
      if (integer->get() < 0 || integer->get() > max) {
        fail(*value, Status::invalid_data,
             std::string(key) + " must be between 0 and " + std::to_string(max));
      }
      out = static_cast<int>(integer->get());
    };
    read("referral_decision_working_days", ts.referral_decision_working_days, 250,
         Timescales::referral_decision);
    read("assessment_working_days", ts.assessment_working_days, 750, Timescales::assessment);
    read("initial_conference_working_days", ts.initial_conference_working_days, 250,
         Timescales::initial_conference);
    read("first_review_months", ts.first_review_months, 36, Timescales::first_review);
    read("review_interval_months", ts.review_interval_months, 36, Timescales::review_interval);
    if (ts.first_review_months == 0 || ts.review_interval_months == 0) {
      fail(t, Status::invalid_data, "review timescales in [timescales] must be at least 1 month");
    }
  }

  void read_discretionary(const toml::table& root) {
    const toml::node* node = root.get("discretionary");
    if (!node) return;
    if (!node->is_table()) fail(*node, Status::type, "'discretionary' must be a table");
    const toml::table& t = *node->as_table();
    allow(t, {"allow", "approval"}, "[discretionary]");
    const std::string allowed = string_at(t, "allow", "[discretionary]", true);
    if (!parse_discretionary_policy(allowed, pack_->discretionary_)) {
      fail(*t.get("allow"), Status::invalid_data,
           "allow in [discretionary] must be \"raise_and_lower\", \"raise_only\", "
           "\"lower_only\" or \"none\", not \"" +
               allowed + "\"");
    }
    const std::string approval = string_at(t, "approval", "[discretionary]", false, "none");
    if (!parse_approval_policy(approval, pack_->approval_)) {
      fail(*t.get("approval"), Status::invalid_data,
           "approval in [discretionary] says which judgements need an approver: \"none\", "
           "\"raise\", \"lower\" or \"raise_and_lower\", not \"" +
               approval + "\"");
    }
  }

  // A canonical text of the document: tables by sorted key, arrays in order, numbers in
  // round-trip form. Comments, whitespace and key order do not reach it.
  static void write_canonical(const toml::node& node, std::string& out) {
    if (const toml::table* table = node.as_table()) {
      std::set<std::string_view> keys;
      for (auto&& [key, value] : *table) keys.insert(key.str());
      out += '{';
      for (auto key : keys) {
        write_string(key, out);
        out += ':';
        write_canonical(*table->get(key), out);
        out += ',';
      }
      out += '}';
    } else if (const toml::array* array = node.as_array()) {
      out += '[';
      for (const auto& item : *array) {
        write_canonical(item, out);
        out += ',';
      }
      out += ']';
    } else if (auto s = node.as_string()) {
      write_string(s->get(), out);
    } else if (auto i = node.as_integer()) {
      out += std::to_string(i->get());
    } else if (auto f = node.as_floating_point()) {
      std::ostringstream text;
      text.precision(17);
      text << f->get();
      out += text.str();
    } else if (auto b = node.as_boolean()) {
      out += b->get() ? "true" : "false";
    } else {
      std::ostringstream text;
      if (auto d = node.as_date())
        text << "d" << d->get().year << '-' << int(d->get().month) << '-' << int(d->get().day);
      else if (auto t = node.as_time())
        text << "t" << int(t->get().hour) << ':' << int(t->get().minute) << ':'
             << int(t->get().second) << '.' << t->get().nanosecond;
      else
        text << "dt?";
      out += text.str();
    }
  }

  static void write_string(std::string_view text, std::string& out) {
    out += '"';
    for (char c : text) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }

  std::string name_;
  std::string_view source_;
  PackLimits limits_;
  RuleSet* pack_ = nullptr;
};

namespace {

using detail::round_trip;

Location change_place(const PackChanges& changes, const Location& where, const std::string& id) {
  Location at = where.file.empty() ? Location(changes.source) : where;
  at.entity = id;
  return at;
}

}  // namespace

std::shared_ptr<const RuleSet> PackLoader::derive(const RuleSet& original,
                                                  const PackChanges& changes) {
  auto pack = std::make_shared<RuleSet>(original);
  const auto find_rule = [&](const std::string& id) -> long {
    for (std::size_t r = 0; r < pack->rules_.size(); ++r)
      if (pack->rules_[r].id == id) return static_cast<long>(r);
    return -1;
  };
  // Canonical lines of what changes, sorted, for the hash; a no-op adds none.
  std::vector<std::string> canonical;
  std::set<std::string> named;  // rules removed or weighted: each once
  const auto name_once = [&](const std::string& id, const Location& at) {
    if (!named.insert(id).second)
      throw Error(Status::invalid_data,
                  "rule '" + id + "' is changed twice (remove it, or weight it, once)", at);
  };

  for (std::size_t k = 0; k < changes.weights.size(); ++k) {
    const RuleWeight& weight = changes.weights[k];
    const Location at = change_place(changes, weight.where, weight.rule);
    name_once(weight.rule, at);
    const long r = find_rule(weight.rule);
    if (r < 0)
      throw Error(Status::not_found,
                  "unknown rule '" + weight.rule + "': the pack '" + original.id() +
                      "' has no rule with this id",
                  at);
    const double m = weight.multiplier;
    if (!std::isfinite(m) || m < 0)
      throw Error(Status::invalid_data,
                  "the weight of rule '" + weight.rule +
                      "' must be a finite number at least 0, not " + round_trip(m),
                  at);
    if (m == 1) continue;
    Rule& rule = pack->rules_[static_cast<std::size_t>(r)];
    std::string text;
    bool whole = true;
    if (rule.points.constant()) {
      static const Snapshot empty;
      expr::EvalContext context;
      context.snapshot = &empty;
      const expr::Value value = expr::evaluate(rule.points, context);
      const double scaled = value.number * m;
      whole = std::isfinite(scaled) && scaled == std::floor(scaled);
      if (!std::isfinite(scaled) || std::fabs(scaled) > detail::kMaxPoints)
        throw Error(Status::invalid_data,
                    "the weight of rule '" + weight.rule + "' puts its points beyond +/-1e100", at);
      text = (scaled < 0 ? "-" : "") + round_trip(std::fabs(scaled));
    } else {
      whole = false;
      text = "(" + rule.points.source() + ") * " + round_trip(m);
    }
    if (pack->indices_[rule.index].whole && !whole)
      throw Error(Status::invalid_data,
                  "the weight of rule '" + weight.rule +
                      "' gives points that are not whole, but "
                      "index '" +
                      pack->indices_[rule.index].id + "' counts whole ticks",
                  at);
    rule.points = expr::compile_expression(text, rule.scope, expr::Type::number, pack->symbols_,
                                           Location(changes.source, 0, 0, weight.rule));
    canonical.push_back("weight " + weight.rule + " " + round_trip(m));
  }

  std::vector<std::size_t> removed;
  for (std::size_t k = 0; k < changes.remove.size(); ++k) {
    const std::string& id = changes.remove[k];
    const Location at = change_place(
        changes, k < changes.remove_where.size() ? changes.remove_where[k] : Location(), id);
    name_once(id, at);
    const long r = find_rule(id);
    if (r < 0)
      throw Error(
          Status::not_found,
          "unknown rule '" + id + "': the pack '" + original.id() + "' has no rule with this id",
          at);
    removed.push_back(static_cast<std::size_t>(r));
    canonical.push_back("remove " + id);
  }

  for (const LevelThreshold& change : changes.thresholds) {
    const Location at = change_place(changes, change.where, change.index);
    std::size_t i = 0;
    while (i < pack->indices_.size() && pack->indices_[i].id != change.index) ++i;
    if (i == pack->indices_.size())
      throw Error(Status::not_found,
                  "unknown index '" + change.index + "': the pack '" + original.id() +
                      "' has no index with this id",
                  at);
    std::size_t l = 0;
    while (l < pack->levels_.size() && pack->levels_[l].id != change.level) ++l;
    if (l == pack->levels_.size())
      throw Error(Status::not_found,
                  "unknown level '" + change.level + "' for index '" + change.index + "'",
                  Location(at.file, at.line, at.column, change.level));
    if (!std::isfinite(change.min))
      throw Error(Status::invalid_data, "a threshold must be a finite number", at);
    auto& thresholds = pack->indices_[i].thresholds;
    if (thresholds[l] == change.min) continue;
    thresholds[l] = change.min;
    canonical.push_back("threshold " + change.index + " " + change.level + " " +
                        round_trip(change.min));
  }
  for (const IndexDef& index : pack->indices_) {
    for (std::size_t l = 1; l < index.thresholds.size(); ++l) {
      if (index.thresholds[l] <= index.thresholds[l - 1])
        throw Error(Status::invalid_data,
                    "thresholds of index '" + index.id + "' must rise with the levels",
                    Location(changes.source, 0, 0, index.id));
    }
  }

  std::sort(removed.begin(), removed.end());
  for (auto r = removed.rbegin(); r != removed.rend(); ++r)
    pack->rules_.erase(pack->rules_.begin() + static_cast<std::ptrdiff_t>(*r));

  if (!canonical.empty()) {
    std::sort(canonical.begin(), canonical.end());
    std::string text = "safeguard what-if\n" + original.hash() + "\n";
    for (const std::string& line : canonical) text += line + "\n";
    pack->hash_ = sha256_hex(text);
  }
  pack->lint_warnings_ = lint(*pack);
  return pack;
}

std::shared_ptr<const RuleSet> change_pack(const RuleSet& pack, const PackChanges& changes) {
  return PackLoader::derive(pack, changes);
}

std::shared_ptr<const RuleSet> RuleSet::load_string(std::string_view text, const std::string& name,
                                                    const PackLimits& limits) {
  return PackLoader(name, limits).load(text);
}

std::shared_ptr<const RuleSet> RuleSet::load_file(const std::string& path,
                                                  const PackLimits& limits) {
  return load_string(read_file_bounded(path, limits.max_bytes, "rule pack"), path, limits);
}

}  // namespace safeguard
