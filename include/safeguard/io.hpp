// Case files (JSON) in and out, and explanations rendered as text or JSON.
//
// A case file holds agencies, households, persons, places, groups, concerns, factors and
// relations with a schema version; loading one applies it to a graph as one atomic batch.
// docs/case-files.md describes the format.
#pragma once

#include "safeguard/detail/export.hpp"

#include <algorithm>
#include <iosfwd>  // std::ostream
#include <limits>
#include <string>
#include <string_view>

#include "safeguard/assess.hpp"
#include "safeguard/explain.hpp"
#include "safeguard/graph.hpp"
#include "safeguard/progress.hpp"

namespace safeguard {

inline constexpr int kCaseSchemaVersion = 1;

// Case files are read in one streaming pass that never holds the file, so the size limit is no
// longer what bounds memory (the record being built is): the default admits a national file
// (a generated 1,000,000-child caseload is about 1.7 GB) with room to spare.
struct CaseFileLimits {
  std::size_t max_bytes = static_cast<std::size_t>(
      std::min<unsigned long long>(8ULL << 30, std::numeric_limits<std::size_t>::max()));
  std::size_t max_depth = 32;
  std::size_t max_string_bytes = 64 * 1024;
};

// Parses a case file and returns the batch it describes. Throws Error with the name, line and
// column for syntax errors and for wrong types or values (including impossible dates).
SAFEGUARD_EXPORT Batch parse_case(std::string_view text, const std::string& name,
                                  const CaseFileLimits& limits = {});

// Parses and applies a case file to `graph` as one batch: all of it, or (on error) none of it.
// Errors from the graph (unknown or duplicate ids...) carry the line and column of the entity.
// Into an empty graph the entities are built as they are read, so memory follows the record,
// not the file: by a fast parser first, and, when the file has any problem, by the parser that
// reports it, from the start again. A graph that is not empty, a file whose sections are not in
// the order save_case writes them, or an entity the graph refuses, makes it read the file again
// as a batch. The record, and any error, are the same either way.
SAFEGUARD_EXPORT void load_case(CaseGraph& graph, std::string_view text, const std::string& name,
                                const CaseFileLimits& limits = {});
SAFEGUARD_EXPORT void load_case_file(CaseGraph& graph, const std::string& path,
                                     const CaseFileLimits& limits = {});

// The graph as a case file: entities in the order they were added, two-space indented.
// Loading the output into an empty graph and saving again gives the same bytes.
// Written as it is produced, a section at a time through a buffer of about a megabyte: no
// document of the file is built, so saving needs little memory beyond the graph (and, for the
// string, the string).
SAFEGUARD_EXPORT std::string save_case(const CaseGraph& graph);
SAFEGUARD_EXPORT void save_case_file(const CaseGraph& graph, const std::string& path);
// The same bytes written to `out`, a megabyte at a time; when the stream fails, stops there and
// throws Error(Status::io) (what was written is left as it is: the caller owns the stream).
SAFEGUARD_EXPORT void save_case(const CaseGraph& graph, std::ostream& out);

// As load_case, load_case_file and save_case_file, reporting the bytes read (a megabyte at a
// time) or written to `progress`, which may stop the call: Error(Status::cancelled), with the
// graph (or the file) as it was. A load that reads the file again (see load_case) reports the
// second reading from the start.
SAFEGUARD_EXPORT void load_case(CaseGraph& graph, std::string_view text, const std::string& name,
                                const CaseFileLimits& limits, const Progress& progress);
SAFEGUARD_EXPORT void load_case_file(CaseGraph& graph, const std::string& path,
                                     const CaseFileLimits& limits, const Progress& progress);
SAFEGUARD_EXPORT void save_case_file(const CaseGraph& graph, const std::string& path,
                                     const Progress& progress);
// As parse_case, reporting the bytes parsed (a megabyte at a time) to `progress`, which may stop
// it: Error(Status::cancelled).
SAFEGUARD_EXPORT Batch parse_case(std::string_view text, const std::string& name,
                                  const CaseFileLimits& limits, const Progress& progress);

enum class ExplainFormat { text, json };

// One child's explanation, rendered from the views of explain.hpp for `viewer`: scores, levels,
// overrides and every contribution, grouped under the Signs of Safety headings.
SAFEGUARD_EXPORT std::string explain(const Results& results, std::size_t row, ExplainFormat format,
                                     const Viewer& viewer = {});

// One place's or group's explanation (by rank, as Results::place_count() orders them): its
// network score per propagating index, its own evidence and what it takes from each neighbour.
SAFEGUARD_EXPORT std::string explain_place(const Results& results, std::size_t rank,
                                           ExplainFormat format, const Viewer& viewer = {});

// An adult's own result (by adult row; docs/rules.md, "Results for adults"): its level, its
// scores on the pack's adult indices and every line, as `viewer` may see them (withheld lines
// fold into one figure, as a child's do; the level counts them).
SAFEGUARD_EXPORT std::string explain_adult(const Results& results, std::size_t row,
                                           ExplainFormat format, const Viewer& viewer = {});

}  // namespace safeguard
