// What the record keeps of a census return so that it can be written back from the record
// alone (docs/cin-census.md, "What the record keeps"): the child's sex and ethnicity as the
// person's group attributes, and the return's own items (the header, UPNs, death, disabilities
// as written, and each episode of need as written) as the items of the child's record_source
// event for that census year. Private to src/cin/.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "safeguard/cin.hpp"

namespace safeguard::cin::detail {

// Item names on the record_source event: the census elements' own, and "CINdetails" (one per
// episode: the episode's XML as the writer writes it, without indentation); a later layout's
// elements the reader kept are "later:<container>" (their XML).
inline constexpr std::string_view kEpisodeItem = "CINdetails";
inline constexpr std::string_view kLaterItemPrefix = "later:";

// The group attributes of a child: {"Sex" or "GenderCurrent", code}, {"Ethnicity", code}.
std::vector<SourceItem> kept_attributes(const Child& child);
// The return's own items for the child's record_source event.
std::vector<SourceItem> kept_items(const Return& r, const Child& child);

// One episode as census XML (a CINdetails element, no indentation), as write() writes it;
// `child` names the child in an error.
std::string episode_xml(const Episode& episode, const std::string& child);

// The return a graph's kept items give back (the details to_return matches the graph
// against): for each child with a record_source event holding items, the child's items and
// episodes as kept, and the header of the census year ending on `to` (or the latest kept).
// Null when the graph keeps no census items. Throws Error(Status::invalid_data) naming the
// child when a kept episode does not read.
std::optional<Return> kept_return(const CaseGraph& graph, Day to);

// to_return with `options.details` as given (null: from the graph's events alone).
Return to_return_with(const CaseGraph& graph, const ExportOptions& options);

}  // namespace safeguard::cin::detail
