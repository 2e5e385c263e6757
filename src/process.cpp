// Reading statutory process files (process/*.toml; the format is in docs/timescales.md). Every
// key is checked and every error names the file, line and column: a misspelt key in a process
// file would silently move a child's due dates.
#include "toml_guard.hpp"
#include "toml_setup.hpp"

#include <algorithm>
#include <map>

#include "process_embedded.hpp"
#include "safeguard/day.hpp"
#include "safeguard/process.hpp"
#include "util/file.hpp"
#include "util/utf8.hpp"

namespace safeguard {
namespace {

constexpr std::size_t kMaxProcessBytes = 1 << 20;
constexpr int kMaxCount = 10000;

constexpr std::array<std::string_view, 5> kDueUnitNames = {"working_days", "calendar_days", "hours",
                                                           "weeks", "months"};
constexpr std::array<std::string_view, 3> kNonWorkingDayNames = {"keep", "previous", "next"};
constexpr std::array<std::string_view, 2> kMonthEndNames = {"clamp", "next_day"};
constexpr std::array<std::string_view, 3> kRepeatNames = {"keep", "restart", "again"};

// The nations a process file may name (the case's england-and-wales reads as england).
bool parse_process_nation(std::string_view text, Nation& out) {
  Nation nation{};
  if (!parse_nation(text, nation) || nation == Nation::england_and_wales) return false;
  out = nation;
  return true;
}

}  // namespace

std::string_view to_string(DueUnit unit) noexcept { return detail::enum_name(kDueUnitNames, unit); }

// Reads one process file into a Process, national or local.
class ProcessReader {
 public:
  explicit ProcessReader(std::string name) : name_(std::move(name)) {}

  std::shared_ptr<const Process> national(std::string_view text) {
    const toml::table root = parse(text);
    allow(root, {"process", "state", "step", "sources"}, "a process file");
    auto process = std::make_shared<Process>();
    process->origin_ = name_;
    const toml::table& head = table_at(root, "process");
    allow(head, {"nation", "title", "source"}, "[process]");
    const std::string nation = string_at(head, "nation", "[process]", true);
    if (!parse_process_nation(nation, process->nation_)) {
      fail(*head.get("nation"), Status::invalid_data,
           "nation in [process] must be \"england\", \"wales\", \"scotland\" or "
           "\"northern-ireland\", not " +
               detail::quote_for_error(nation));
    }
    process->title_ = string_at(head, "title", "[process]", true);
    process->source_ = string_at(head, "source", "[process]", true);

    for (const toml::table* state : tables(root, "state")) read_state(*process, *state);
    const std::vector<const toml::table*> steps = tables(root, "step");
    if (steps.empty())
      throw Error(Status::invalid_data, "a process file needs at least one [[step]]",
                  Location{name_, 1, 1});
    if (steps.size() > kMaxProcessSteps)
      fail(*steps[kMaxProcessSteps], Status::limit,
           "a process may have at most " + std::to_string(kMaxProcessSteps) + " steps");
    // Ids first, so that opens_after may name a step defined further down.
    for (const toml::table* step : steps) {
      ProcessStep def;
      def.id = string_at(*step, "id", "[[step]]", true);
      check_id(*step->get("id"), def.id);
      if (process->find_step(def.id) >= 0)
        fail(*step->get("id"), Status::invalid_data, "step '" + def.id + "' is defined twice");
      def.line = static_cast<int>(step->source().begin.line);
      process->steps_.push_back(std::move(def));
    }
    for (std::size_t k = 0; k < steps.size(); ++k)
      read_step(*process, *steps[k], process->steps_[k]);
    if (const toml::node* sources = root.get("sources")) read_sources(*process, *sources);
    return process;
  }

  std::shared_ptr<const Process> local(std::string_view text, const Process& base) {
    const toml::table root = parse(text);
    allow(root, {"process", "step"}, "a local process file");
    auto process = std::make_shared<Process>(base);
    process->origin_ = name_ + " (over " + base.origin() + ")";
    const toml::table& head = table_at(root, "process");
    allow(head, {"extends", "title", "source"}, "[process]");
    const std::string extends = string_at(head, "extends", "[process]", true);
    Nation nation{};
    if (!parse_process_nation(extends, nation))
      fail(*head.get("extends"), Status::invalid_data,
           "extends in [process] must name a nation: \"england\", \"wales\", \"scotland\" or "
           "\"northern-ireland\", not " +
               detail::quote_for_error(extends));
    if (nation != base.nation())
      fail(*head.get("extends"), Status::invalid_data,
           "this local file extends " + extends + ", but the process it is read over is " +
               std::string(to_string(base.nation())) + "'s");
    process->source_ = string_at(head, "source", "[process]", true);
    if (const std::string title = string_at(head, "title", "[process]", false); !title.empty())
      process->title_ = title;
    // Which base steps this file has set already: a second [[step]] for one of them would
    // silently replace the first, as the national reader refuses too.
    std::vector<bool> set_here(process->steps_.size(), false);
    for (const toml::table* step : tables(root, "step")) {
      allow(*step, {"id", "title", "source", "enabled", "due", "on_non_working_day", "month_end"},
            "a local [[step]] (only whether it is on, its due rule, title and source may change)");
      const std::string id = string_at(*step, "id", "[[step]]", true);
      const int k = process->find_step(id);
      if (k < 0)
        fail(*step->get("id"), Status::invalid_data,
             "no step " + detail::quote_for_error(id) + " in " + extends);
      if (set_here[static_cast<std::size_t>(k)])
        fail(*step->get("id"), Status::invalid_data,
             "step '" + id + "' is defined twice in this local file");
      set_here[static_cast<std::size_t>(k)] = true;
      ProcessStep& def = process->steps_[static_cast<std::size_t>(k)];
      if (!def.local) {
        fail(*step->get("id"), Status::invalid_data,
             "step '" + id + "' is statutory (" + def.source +
                 ") and a local file cannot change it; only steps marked local = true can");
      }
      def.source = string_at(*step, "source", "[[step]]", true);
      if (const std::string title = string_at(*step, "title", "[[step]]", false); !title.empty())
        def.title = title;
      if (step->get("enabled")) def.enabled = bool_at(*step, "enabled");
      if (const toml::node* due = step->get("due")) def.due = read_due(*due);
      read_day_rules(*step, def);
    }
    return process;
  }

 private:
  toml::table parse(std::string_view text) const {
    if (text.size() > kMaxProcessBytes) {
      throw Error(Status::limit,
                  "process file is larger than " + std::to_string(kMaxProcessBytes) + " bytes",
                  Location{name_});
    }
    return detail::parse_toml_guarded(text, name_, "process file");
  }

  Location at(const toml::node& node) const {
    const auto& begin = node.source().begin;
    return Location{name_, static_cast<int>(begin.line), static_cast<int>(begin.column)};
  }

  [[noreturn]] void fail(const toml::node& node, Status status, const std::string& message) const {
    throw Error(status, message, at(node));
  }

  void allow(const toml::table& table, std::initializer_list<std::string_view> keys,
             const std::string& where) const {
    for (auto&& entry : table) {
      const std::string_view key = entry.first.str();
      if (std::find(keys.begin(), keys.end(), key) == keys.end())
        fail(entry.second, Status::invalid_data,
             "unknown key " +
                 (key.size() <= 40 && !detail::first_unprintable(key)
                      ? "'" + std::string(key) + "'"
                      : detail::quote_for_error(key)) +
                 " in " + where);
    }
  }

  const toml::table& table_at(const toml::table& parent, std::string_view key) const {
    const toml::node* node = parent.get(key);
    if (!node)
      throw Error(Status::invalid_data, "missing [" + std::string(key) + "]",
                  Location{name_, 1, 1});
    if (!node->is_table()) fail(*node, Status::type, "'" + std::string(key) + "' must be a table");
    return *node->as_table();
  }

  // The tables of an array of tables ([[step]]); none when the key is absent.
  std::vector<const toml::table*> tables(const toml::table& root, std::string_view key) const {
    std::vector<const toml::table*> out;
    const toml::node* node = root.get(key);
    if (!node) return out;
    const toml::array* array = node->as_array();
    if (!array)
      fail(*node, Status::type,
           "'" + std::string(key) + "' must be [[" + std::string(key) + "]] tables");
    for (const toml::node& item : *array) {
      if (!item.is_table())
        fail(item, Status::type, "each [[" + std::string(key) + "]] must be a table");
      out.push_back(item.as_table());
    }
    return out;
  }

  std::string string_at(const toml::table& table, std::string_view key, const std::string& where,
                        bool required) const {
    const toml::node* node = table.get(key);
    if (!node) {
      if (required)
        fail(table, Status::invalid_data, "missing '" + std::string(key) + "' in " + where);
      return {};
    }
    if (!node->is_string())
      fail(*node, Status::type, "'" + std::string(key) + "' in " + where + " must be a string");
    std::string text = node->as_string()->get();
    if (required && text.empty())
      fail(*node, Status::invalid_data, "'" + std::string(key) + "' in " + where + " is empty");
    // Titles and sources reach reports and terminals: no NUL, no escape sequences.
    if (const auto code = detail::first_control(text))
      fail(*node, Status::invalid_data,
           "'" + std::string(key) + "' in " + where + " holds " +
               detail::describe_unprintable(*code));
    return text;
  }

  bool bool_at(const toml::table& table, std::string_view key) const {
    const toml::node* node = table.get(key);
    if (!node) return false;
    if (!node->is_boolean())
      fail(*node, Status::type, "'" + std::string(key) + "' must be true or false");
    return node->as_boolean()->get();
  }

  template <std::size_t N, typename Enum>
  void enum_at(const toml::table& table, std::string_view key,
               const std::array<std::string_view, N>& names, Enum& out) const {
    const toml::node* node = table.get(key);
    if (!node) return;
    const std::string text = string_at(table, key, "[[step]]", true);
    if (!detail::parse_enum(names, text, out)) {
      std::string choices;
      for (std::string_view name : names)
        choices += (choices.empty() ? "\"" : ", \"") + std::string(name) + "\"";
      fail(*node, Status::invalid_data,
           std::string(key) + " must be one of " + choices + ", not \"" + text + "\"");
    }
  }

  void check_id(const toml::node& node, const std::string& id) const {
    const bool ok = !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
    if (!ok)
      fail(node, Status::invalid_data,
           "an id is 1 to 64 of a-z, 0-9 and _, not \"" + id.substr(0, 64) + "\"");
  }

  EventMatch read_match(const toml::node& node) const {
    if (!node.is_string())
      fail(node, Status::type, "an event is a string: \"kind\", \"kind:decision\" or \"kind:\"");
    const std::string text = node.as_string()->get();
    const std::size_t colon = text.find(':');
    EventMatch match;
    const std::string kind = text.substr(0, colon);
    if (!parse_event_kind(kind, match.kind))
      fail(node, Status::invalid_data, "unknown event kind \"" + kind + "\" (docs/case-files.md)");
    if (colon != std::string::npos) {
      match.any_decision = false;
      const std::string decision = text.substr(colon + 1);
      if (!decision.empty() && !parse_event_decision(decision, match.decision))
        fail(node, Status::invalid_data, "unknown decision \"" + decision + "\"");
      if (!event_decision_allowed(match.kind, match.decision))
        fail(node, Status::invalid_data,
             "a " + kind + " event never records the decision \"" + decision + "\"");
    }
    return match;
  }

  std::vector<EventMatch> matches_at(const toml::table& table, std::string_view key) const {
    std::vector<EventMatch> out;
    const toml::node* node = table.get(key);
    if (!node) return out;
    const toml::array* array = node->as_array();
    if (!array) fail(*node, Status::type, "'" + std::string(key) + "' must be an array of events");
    for (const toml::node& item : *array) out.push_back(read_match(item));
    return out;
  }

  DueRule read_one_due(const toml::node& node) const {
    const toml::table* table = node.as_table();
    if (!table)
      fail(node, Status::type, "a due rule is a table: { count = 15, unit = \"working_days\" }");
    allow(*table, {"count", "unit", "from"}, "a due rule");
    DueRule rule;
    const toml::node* count = table->get("count");
    if (!count || !count->is_integer())
      fail(count ? *count : node, Status::type, "a due rule needs a whole-number count");
    const std::int64_t value = count->as_integer()->get();
    const std::string unit = string_at(*table, "unit", "a due rule", true);
    if (!detail::parse_enum(kDueUnitNames, unit, rule.unit))
      fail(*table->get("unit"), Status::invalid_data,
           "unit must be \"working_days\", \"calendar_days\", \"hours\", \"weeks\" or \"months\", "
           "not \"" +
               unit + "\"");
    const std::string from = string_at(*table, "from", "a due rule", false);
    if (!from.empty() && from != "trigger" && from != "expected")
      fail(*table->get("from"), Status::invalid_data,
           "from must be \"trigger\" or \"expected\" (the expected date of birth), not \"" + from +
               "\"");
    rule.from_expected = from == "expected";
    const bool may_be_negative =
        rule.from_expected && (rule.unit == DueUnit::calendar_days || rule.unit == DueUnit::weeks);
    if (value > kMaxCount || value < (may_be_negative ? -kMaxCount : 0)) {
      fail(*count, Status::invalid_data,
           may_be_negative ? "count must be between -10000 and 10000"
                           : "count must be between 0 and 10000 (only a calendar-day or week "
                             "count from the expected date may be negative)");
    }
    rule.count = static_cast<int>(value);
    return rule;
  }

  std::vector<DueRule> read_due(const toml::node& node) const {
    std::vector<DueRule> out;
    if (const toml::array* array = node.as_array()) {
      if (array->empty()) fail(node, Status::invalid_data, "due needs at least one rule");
      for (const toml::node& item : *array) out.push_back(read_one_due(item));
    } else {
      out.push_back(read_one_due(node));
    }
    return out;
  }

  void read_day_rules(const toml::table& table, ProcessStep& def) const {
    enum_at(table, "on_non_working_day", kNonWorkingDayNames, def.on_non_working_day);
    enum_at(table, "month_end", kMonthEndNames, def.month_end);
  }

  std::uint16_t state_at(const Process& process, const toml::table& table,
                         std::string_view key) const {
    const std::string id = string_at(table, key, "[[step]]", false);
    if (id.empty()) return kNoState;
    const int s = process.find_state(id);
    if (s < 0) fail(*table.get(key), Status::invalid_data, "no [[state]] with id '" + id + "'");
    return static_cast<std::uint16_t>(s);
  }

  void read_state(Process& process, const toml::table& table) const {
    allow(table, {"id", "title", "starts_on", "ends_on", "end_reason", "gap"}, "[[state]]");
    ProcessState state;
    state.id = string_at(table, "id", "[[state]]", true);
    check_id(*table.get("id"), state.id);
    if (process.find_state(state.id) >= 0)
      fail(*table.get("id"), Status::invalid_data, "state '" + state.id + "' is defined twice");
    if (process.states_.size() >= kMaxProcessStates)
      fail(table, Status::limit,
           "a process may have at most " + std::to_string(kMaxProcessStates) + " states");
    state.title = string_at(table, "title", "[[state]]", true);
    state.starts_on = matches_at(table, "starts_on");
    state.ends_on = matches_at(table, "ends_on");
    if (state.starts_on.empty())
      fail(table, Status::invalid_data, "state '" + state.id + "' needs starts_on");
    state.end_reason = string_at(table, "end_reason", "[[state]]", true);
    state.gap = string_at(table, "gap", "[[state]]", false);
    process.states_.push_back(std::move(state));
  }

  // [sources.<id>]: a source a child's record may come from, and the steps it never records.
  void read_sources(Process& process, const toml::node& node) const {
    const toml::table* sources = node.as_table();
    if (!sources) fail(node, Status::type, "'sources' must be a table of [sources.<id>] tables");
    for (auto&& [key, value] : *sources) {
      ProcessSource source;
      source.id = std::string(key.str());
      const std::string where = "[sources." + source.id + "]";
      check_id(value, source.id);
      const toml::table* table = value.as_table();
      if (!table) fail(value, Status::type, where + " must be a table");
      allow(*table, {"title", "not_recorded"}, where);
      source.title = string_at(*table, "title", where, true);
      const toml::node* list = table->get("not_recorded");
      if (!list) fail(*table, Status::invalid_data, "missing 'not_recorded' in " + where);
      const toml::array* array = list->as_array();
      if (!array) fail(*list, Status::type, "not_recorded in " + where + " must list step ids");
      for (const toml::node& item : *array) {
        if (!item.is_string()) fail(item, Status::type, "not_recorded lists step ids (strings)");
        const int k = process.find_step(item.as_string()->get());
        if (k < 0) fail(item, Status::invalid_data, "no step '" + item.as_string()->get() + "'");
        source.not_recorded.push_back(static_cast<std::uint16_t>(k));
      }
      source.reason = "not recorded in the source (" + source.title + ")";
      source.before_reason = source.reason + ": started before the period it covers";
      process.sources_.push_back(std::move(source));
    }
  }

  void read_step(Process& process, const toml::table& table, ProcessStep& def) const {
    allow(table,
          {"id", "title", "source", "local", "enabled", "review", "opens_on", "opens_after",
           "on_repeat", "due", "on_non_working_day", "month_end", "completed_by", "not_required",
           "while", "unless", "gap"},
          "[[step]] '" + def.id + "'");
    def.title = string_at(table, "title", "[[step]]", true);
    def.source = string_at(table, "source", "[[step]]", true);
    def.local = bool_at(table, "local");
    def.enabled = !table.get("enabled") || bool_at(table, "enabled");
    if (!def.enabled && !def.local)
      fail(*table.get("enabled"), Status::invalid_data,
           "only a local step may be off (enabled = false): a statutory step always applies");
    def.review = bool_at(table, "review");
    def.opens_on = matches_at(table, "opens_on");
    if (const toml::node* after = table.get("opens_after")) {
      const toml::array* array = after->as_array();
      if (!array) fail(*after, Status::type, "opens_after must be an array of step ids");
      for (const toml::node& item : *array) {
        if (!item.is_string()) fail(item, Status::type, "opens_after lists step ids (strings)");
        const int k = process.find_step(item.as_string()->get());
        if (k < 0) fail(item, Status::invalid_data, "no step '" + item.as_string()->get() + "'");
        def.opens_after.push_back(static_cast<std::uint16_t>(k));
      }
    }
    if (def.opens_on.empty() && def.opens_after.empty())
      fail(table, Status::invalid_data,
           "step '" + def.id + "' never starts: give opens_on or opens_after");
    enum_at(table, "on_repeat", kRepeatNames, def.on_repeat);
    const toml::node* due = table.get("due");
    if (!due) fail(table, Status::invalid_data, "step '" + def.id + "' needs a due rule");
    def.due = read_due(*due);
    read_day_rules(table, def);
    def.completed_by = matches_at(table, "completed_by");
    if (def.completed_by.empty())
      fail(table, Status::invalid_data, "step '" + def.id + "' needs completed_by");
    if (const toml::node* node = table.get("not_required")) {
      const toml::array* array = node->as_array();
      if (!array)
        fail(*node, Status::type, "not_required must be an array of { on = ..., reason = ... }");
      for (const toml::node& item : *array) {
        const toml::table* rule = item.as_table();
        if (!rule)
          fail(item, Status::type, "each not_required entry is { on = ..., reason = ... }");
        allow(*rule, {"on", "reason"}, "a not_required entry");
        const toml::node* on = rule->get("on");
        if (!on) fail(item, Status::invalid_data, "a not_required entry needs on = \"event\"");
        def.not_required_by.push_back(
            {read_match(*on), string_at(*rule, "reason", "a not_required entry", true)});
      }
    }
    def.while_state = state_at(process, table, "while");
    def.unless_state = state_at(process, table, "unless");
    def.gap = string_at(table, "gap", "[[step]]", false);
  }

  std::string name_;
};

int Process::find_step(std::string_view id) const noexcept {
  for (std::size_t k = 0; k < steps_.size(); ++k) {
    if (steps_[k].id == id) return static_cast<int>(k);
  }
  return -1;
}

int Process::find_state(std::string_view id) const noexcept {
  for (std::size_t s = 0; s < states_.size(); ++s) {
    if (states_[s].id == id) return static_cast<int>(s);
  }
  return -1;
}

int Process::find_source(std::string_view id) const noexcept {
  for (std::size_t s = 0; s < sources_.size(); ++s) {
    if (sources_[s].id == id) return static_cast<int>(s);
  }
  return -1;
}

std::shared_ptr<const Process> Process::with_due(std::string_view step, DueRule due) const {
  const int k = find_step(step);
  if (k < 0) throw Error(Status::not_found, "no step '" + std::string(step) + "' in " + origin_);
  auto copy = std::make_shared<Process>(*this);
  copy->steps_[static_cast<std::size_t>(k)].due = {due};
  return copy;
}

std::shared_ptr<const Process> Process::load_string(std::string_view text, std::string_view name) {
  return ProcessReader(std::string(name)).national(text);
}

std::shared_ptr<const Process> Process::load_file(const std::string& path) {
  return load_string(read_file_bounded(path, kMaxProcessBytes, "process file"), path);
}

std::shared_ptr<const Process> Process::load_local_string(std::string_view text,
                                                          std::string_view name,
                                                          const Process& base) {
  return ProcessReader(std::string(name)).local(text, base);
}

std::shared_ptr<const Process> Process::load_local_file(const std::string& path,
                                                        const Process& base) {
  return load_local_string(read_file_bounded(path, kMaxProcessBytes, "process file"), path, base);
}

std::shared_ptr<const Process> Process::load_file_for(const std::string& path, Nation nation) {
  return load_string_for(read_file_bounded(path, kMaxProcessBytes, "process file"), path, nation);
}

std::shared_ptr<const Process> Process::load_string_for(std::string_view text,
                                                        std::string_view name, Nation nation) {
  // A local file says what it extends; reading its head first picks the reader. Through the
  // guarded parser: toml::parse on untrusted text can end the process (toml_guard.hpp).
  bool local = false;
  try {
    const toml::table root = detail::parse_toml_guarded(text, std::string(name), "process file");
    const toml::node* head = root.get("process");
    local = head && head->is_table() && head->as_table()->get("extends");
  } catch (const Error&) {
    // The reader below reports the problem with its place.
  }
  std::shared_ptr<const Process> process =
      local ? load_local_string(text, name, *bundled(nation)) : load_string(text, name);
  if (process->nation() != process_nation(nation)) {
    throw Error(Status::invalid_argument,
                "the process file is " + std::string(to_string(process->nation())) +
                    "'s, but the case is in " + std::string(to_string(nation)),
                Location{std::string(name)});
  }
  return process;
}

std::shared_ptr<const Process> Process::bundled(Nation nation) {
  // Parsed on first use and kept: the files are part of the library and never change.
  static const std::map<Nation, std::shared_ptr<const Process>> loaded = [] {
    std::map<Nation, std::shared_ptr<const Process>> all;
    for (const detail::EmbeddedProcess& file : detail::embedded_processes()) {
      std::shared_ptr<const Process> process = load_string(file.text(), file.origin);
      all[process->nation()] = std::move(process);
    }
    return all;
  }();
  const auto found = loaded.find(process_nation(nation));
  if (found == loaded.end())
    throw Error(Status::not_found, "no bundled process for " + std::string(to_string(nation)));
  return found->second;
}

}  // namespace safeguard
