// The case-file reader's fast pass on its own (src/case_json.cpp), for the tests that check it:
// load_case runs it first and, whenever it stops, reads the input again with nlohmann's parser.
#pragma once

#include <string>
#include <string_view>

#include "graph_bulk.hpp"
#include "safeguard/graph.hpp"
#include "safeguard/io.hpp"

namespace safeguard::detail {

// Reads `text` into `graph`, which must be empty, by RapidJSON's reader alone. True when it
// built the whole record (the one load_case builds); false when anything stopped it (bad JSON,
// a field the format refuses, an item the graph refuses), reporting nothing and leaving the
// graph empty. Throws only what load_case would (out of memory, a cancelling callback).
bool load_case_fast(CaseGraph& graph, std::string_view text, const std::string& name,
                    const CaseFileLimits& limits);

// How many entities of each kind `text` holds as far as save_case's layout tells, each capped
// at one per 32 bytes of its section: what the fast pass reserves the record's vectors from
// before it parses (zero for every kind in another layout). Read as the fast pass reads it
// (piece_bytes 0), or in pieces of `piece_bytes`, as a file is read a chunk at a time.
ItemCounts count_case_entities(std::string_view text, std::size_t piece_bytes = 0);

}  // namespace safeguard::detail
