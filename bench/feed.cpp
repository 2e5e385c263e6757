// Feeds a generated caseload into an sg_graph through the public C API only (sg_batch_add_*,
// sg_graph_apply), the way a C host or the Python package would: the C API and Python
// benchmarks assess a graph built this way. Built into libsafeguard_bench_feed.so for ctypes.
#include "feed.h"

#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "safeguard/generate.hpp"

namespace {

using namespace safeguard;

std::string date_text(Day day) { return format_iso_date(day); }

// Optional dates become NULL; the strings must outlive the sg_batch_add_* call only.
const char* optional_date(Day day, std::string& storage) {
  if (day == kNoDay) return nullptr;
  storage = date_text(day);
  return storage.c_str();
}

std::vector<const char*> c_strings(const std::vector<std::string>& values) {
  std::vector<const char*> out;
  out.reserve(values.size());
  for (const auto& v : values) out.push_back(v.c_str());
  return out;
}

int add_item(sg_batch* batch, const Edit& item) {
  return std::visit(
      [batch](const auto& edit) -> int {
        using T = std::decay_t<decltype(edit)>;
        std::string d1, d2;
        if constexpr (std::is_same_v<T, AgencySpec>) {
          return sg_batch_add_agency(batch, edit.id.c_str(), edit.type.c_str(), edit.name.c_str());
        } else if constexpr (std::is_same_v<T, PlaceSpec>) {
          return sg_batch_add_place(batch, edit.id.c_str(), edit.kind.c_str(), edit.name.c_str());
        } else if constexpr (std::is_same_v<T, HouseholdSpec>) {
          return sg_batch_add_household(batch, edit.id.c_str());
        } else if constexpr (std::is_same_v<T, PersonSpec>) {
          const auto flags = c_strings(edit.flags);
          sg_person p = SG_PERSON_INIT;
          p.id = edit.id.c_str();
          p.kind = edit.kind == PersonKind::child ? SG_PERSON_CHILD : SG_PERSON_ADULT;
          p.dob = optional_date(edit.dob, d1);
          p.household = edit.household.empty() ? nullptr : edit.household.c_str();
          p.flags = flags.data();
          p.flag_count = flags.size();
          return sg_batch_add_person(batch, &p);
        } else if constexpr (std::is_same_v<T, ConcernSpec>) {
          const auto about = c_strings(edit.about);
          const auto involves = c_strings(edit.involves);
          sg_concern c = SG_CONCERN_INIT;
          c.id = edit.id.c_str();
          c.category = edit.category.c_str();
          c.severity = edit.severity;
          c.incident = optional_date(edit.incident, d1);
          c.recorded = optional_date(edit.recorded, d2);
          c.status = static_cast<int>(edit.status);
          c.source = edit.source.c_str();
          c.restricted = edit.restricted;
          c.about = about.data();
          c.about_count = about.size();
          c.involves = involves.data();
          c.involves_count = involves.size();
          return sg_batch_add_concern(batch, &c);
        } else if constexpr (std::is_same_v<T, FactorSpec>) {
          const auto protects = c_strings(edit.protects);
          sg_factor f = SG_FACTOR_INIT;
          f.id = edit.id.c_str();
          f.kind = edit.kind.c_str();
          f.strength = edit.strength;
          f.start = optional_date(edit.start, d1);
          f.end = optional_date(edit.end, d2);
          f.provided_by = edit.provided_by.empty() ? nullptr : edit.provided_by.c_str();
          f.protects = protects.data();
          f.protects_count = protects.size();
          return sg_batch_add_factor(batch, &f);
        } else if constexpr (std::is_same_v<T, RelationSpec>) {
          return sg_batch_add_relation(batch, std::string(to_string(edit.kind)).c_str(),
                                       edit.from.c_str(), edit.to.c_str());
        } else if constexpr (std::is_same_v<T, EventSpec>) {
          const auto about = c_strings(edit.about);
          const std::string kind(to_string(edit.kind));
          sg_event e = SG_EVENT_INIT;
          e.id = edit.id.c_str();
          e.kind = kind.c_str();
          e.date = optional_date(edit.date, d1);
          e.about = about.data();
          e.about_count = about.size();
          return sg_batch_add_event(batch, &e);
        } else if constexpr (std::is_same_v<T, DiscretionaryOverrideSpec>) {
          const std::string direction(to_string(edit.direction));
          sg_override o = SG_OVERRIDE_INIT;
          o.id = edit.id.c_str();
          o.child = edit.child.c_str();
          o.direction = direction.c_str();
          o.date = optional_date(edit.date, d1);
          o.author = edit.author.c_str();
          o.reason = edit.reason.c_str();
          return sg_batch_add_override(batch, &o);
        } else {
          return SG_E_INVALID_ARGUMENT;  // the generator makes no other kind of item
        }
      },
      item);
}

}  // namespace

extern "C" int sgbench_feed_caseload(sg_graph* graph, size_t children, unsigned long long seed,
                                     size_t* out_children) {
  if (graph == nullptr) return SG_E_INVALID_ARGUMENT;
  try {
    CaseloadOptions options;
    options.children = children;
    options.seed = seed;
    int status = SG_OK;
    const CaseloadSummary summary = generate_caseload(options, [&](Batch&& batch) {
      if (status != SG_OK) return;
      sg_batch* c_batch = nullptr;
      status = sg_batch_new(&c_batch);
      for (const Edit& item : batch.items) {
        if (status != SG_OK) break;
        status = add_item(c_batch, item);
      }
      if (status == SG_OK) status = sg_graph_apply(graph, c_batch);
      sg_batch_free(c_batch);
    });
    if (out_children != nullptr) *out_children = summary.children;
    return status;
  } catch (...) {
    return SG_E_INTERNAL;
  }
}

extern "C" const char* sgbench_as_of(void) { return "2026-11-01"; }
