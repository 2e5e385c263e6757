// How an add item's spec becomes the record the graph stores: one place for both ways a batch
// applies (step by step with an undo log, src/graph.cpp; in bulk into an empty graph,
// src/graph_bulk.cpp), so the two build the same record. `resolve` maps an id to its vertex;
// `intern` maps a string to its symbol (and decides what interning costs and how it is undone).
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "safeguard/calendar.hpp"
#include "safeguard/graph.hpp"

namespace safeguard::detail {

template <typename Resolve>
VertexList resolve_all(const std::vector<std::string>& ids, const Resolve& resolve) {
  VertexList out;
  out.reserve(ids.size());
  for (const auto& id : ids) out.push_back(resolve(id));
  return out;
}

template <typename Intern>
Person make_person(const PersonSpec& spec, const Intern& intern) {
  Person p;
  p.id = spec.id;
  p.kind = spec.kind;
  p.dob = spec.dob;
  p.name = spec.name;
  p.attributes = spec.attributes;
  // Flags in the order given, each once. (They used to be sorted by symbol number, which
  // depends on what the graph had interned before: a saved file loaded into a fresh graph could
  // save its flags in another order.)
  std::vector<Symbol> seen;  // sorted, to find repeats
  for (const auto& flag : spec.flags) {
    const Symbol symbol = intern(flag);
    const auto at = std::lower_bound(seen.begin(), seen.end(), symbol);
    if (at != seen.end() && *at == symbol) continue;
    seen.insert(at, symbol);
    p.flags.push_back(symbol);
  }
  return p;
}

template <typename Resolve, typename Intern>
Concern make_concern(const ConcernSpec& spec, const Resolve& resolve, const Intern& intern) {
  Concern c;
  c.id = spec.id;
  c.category = intern(spec.category);
  c.severity = spec.severity;
  c.incident = spec.incident;
  c.recorded = spec.recorded;
  c.status = spec.status;
  c.source = resolve(spec.source);
  c.restricted = spec.restricted;
  c.about = resolve_all(spec.about, resolve);
  c.involves = resolve_all(spec.involves, resolve);
  c.summary = spec.summary;
  return c;
}

template <typename Resolve, typename Intern>
Factor make_factor(const FactorSpec& spec, const Resolve& resolve, const Intern& intern) {
  Factor f;
  f.id = spec.id;
  f.kind = intern(spec.kind);
  f.strength = spec.strength;
  f.start = spec.start;
  f.end = spec.end;
  f.provided_by = spec.provided_by.empty() ? kNoVertex : resolve(spec.provided_by);
  f.protects = resolve_all(spec.protects, resolve);
  f.summary = spec.summary;
  return f;
}

// One place that turns an event's spec into the stored event, for additions and replacements
// alike (a replacement once dropped the decision, category and expected date).
template <typename Resolve>
Event make_event(const EventSpec& spec, const Resolve& resolve) {
  return Event{spec.id,   spec.kind,     spec.date,     resolve_all(spec.about, resolve),
               spec.note, spec.decision, spec.category, spec.expected,
               spec.items};
}

template <typename Resolve>
DiscretionaryOverride make_override(const DiscretionaryOverrideSpec& spec, const Resolve& resolve) {
  return DiscretionaryOverride{
      spec.id,     resolve(spec.person()), spec.direction, spec.date, spec.author,
      spec.reason, spec.approved_by,       spec.approved};
}

// Whether a list of source items (a person's attributes, an event's items) is within the
// graph's limits: at most `max_items` of them, each name a symbol's length and each value a
// text's, all valid UTF-8. `valid` checks one text.
template <typename Valid>
bool source_items_fit(const std::vector<SourceItem>& items, std::size_t max_items,
                      const Valid& valid) {
  if (items.size() > max_items) return false;
  for (const SourceItem& item : items) {
    if (item.name.empty() || item.name.find('=') != std::string::npos || !valid(item.name) ||
        !valid(item.value))
      return false;
  }
  return true;
}

// A person's group attributes name each attribute once ("Sex=F" and "Sex=M" together would
// put the person in two groups of one fairness audit). An event's source items may repeat a
// name (a return lists several factors under one). Whether some attribute is named twice (which
// one is never said: attributes are personal data).
inline bool attribute_named_twice(const std::vector<SourceItem>& items) {
  if (items.size() <= 16) {  // what a person has: a few attributes, compared pairwise
    for (std::size_t i = 0; i < items.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (items[i].name == items[j].name) return true;
      }
    }
    return false;
  }
  std::vector<std::string_view> names;  // a long list (up to max_list_items) sorted instead
  names.reserve(items.size());
  for (const SourceItem& item : items) names.emplace_back(item.name);
  std::sort(names.begin(), names.end());
  return std::adjacent_find(names.begin(), names.end()) != names.end();
}

// What is wrong with an entry's own fields (not its ids, texts' encoding or limits, which the
// graph checks like any other), or empty: one rule for the step and bulk paths alike.
inline std::string entry_fields_problem(const EntrySpec& e) {
  if (e.date == kNoDay) return "entry date is missing";
  if (e.about.empty()) return "an entry must be about at least one child";
  if (e.author.empty()) return "entry author is missing";
  if (e.text.empty()) return "entry text is missing";
  if (e.kind == EntryKind::scaling) {
    if (e.value == kNoScalingValue) return "a scaling entry needs a value from 0 to 10";
    if (e.value < 0 || e.value > 10)
      return "scaling value " + std::to_string(e.value) + " is outside 0-10";
  } else {
    if (e.value != kNoScalingValue) return "only a scaling entry has a value";
    if (!e.question.empty()) return "only a scaling entry has a question";
  }
  if (e.restricted && e.source.empty()) return "a restricted entry needs its source agency";
  return {};
}

template <typename Resolve>
RecordedEntry make_entry(const EntrySpec& spec, const Resolve& resolve) {
  RecordedEntry e;
  e.id = spec.id;
  e.kind = spec.kind;
  e.date = spec.date;
  e.about = resolve_all(spec.about, resolve);
  e.author = spec.author;
  e.text = spec.text;
  e.value = spec.value;
  e.question = spec.question;
  e.source = spec.source.empty() ? kNoVertex : resolve(spec.source);
  e.restricted = spec.restricted;
  return e;
}

// The calendar after a CalendarSpec: the nation it names (or the current one) with the current
// closures and its own.
inline std::shared_ptr<const WorkingCalendar> next_calendar(const WorkingCalendar& current,
                                                            const CalendarSpec& spec) {
  const Nation nation = spec.nation.value_or(current.nation());
  auto calendar = nation == current.nation() ? std::make_shared<WorkingCalendar>(current)
                                             : std::make_shared<WorkingCalendar>(nation);
  for (Day day : current.closures()) calendar->add_closure(day);
  for (Day day : spec.closures) calendar->add_closure(day);
  return calendar;
}

}  // namespace safeguard::detail
