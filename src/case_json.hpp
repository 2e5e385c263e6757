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

// Takes the items of a case file as a streamed read builds them (stream_case): what a record
// import keeps of each, so that it holds no batch of the whole file.
class ItemKeeper {
 public:
  virtual ~ItemKeeper() = default;
  // Room for about `counts` items of each kind, which may overstate (count_case_entities): a
  // hint, given before the first item.
  virtual void reserve(const ItemCounts& counts) = 0;
  // The next item of the batch parse_case would give, in its order, once the graph took it.
  // False refuses it: reading stops, and the caller reads the input again as a batch.
  virtual bool keep(Edit&& item) = 0;
  // Drops everything kept: the input is read again from the start.
  virtual void restart() = 0;
};

// Reads `text` into `graph`, which must be empty, as load_case streams it (the fast pass, then
// nlohmann's), handing every item the graph takes to `keeper` too. True when the whole case was
// read, built and kept. False when an item was refused, by the graph or the keeper, or the graph
// was not empty: the graph is empty again, the keeper restarted, and the caller reads the input
// as a batch (parse_case), whose errors name what is wrong. Throws what parse_case throws for a
// file it refuses (a read error, a value the format refuses), and a cancelling callback's Error.
bool stream_case(CaseGraph& graph, ItemKeeper& keeper, std::string_view text,
                 const std::string& name, const CaseFileLimits& limits, const Progress& progress);
// As stream_case, from the file at `path`, read a piece at a time (errors name `path`, as for
// its text given to parse_case with that name). The file must be a regular file.
bool stream_case_file(CaseGraph& graph, ItemKeeper& keeper, const std::string& path,
                      const CaseFileLimits& limits, const Progress& progress);
// parse_case of the file at `path`, read a piece at a time.
Batch parse_case_file(const std::string& path, const CaseFileLimits& limits,
                      const Progress& progress);

// How many entities of each kind `text` holds as far as save_case's layout tells, each capped
// at one per 32 bytes of its section: what the fast pass reserves the record's vectors from
// before it parses (zero for every kind in another layout). Read as the fast pass reads it
// (piece_bytes 0), or in pieces of `piece_bytes`, as a file is read a chunk at a time.
ItemCounts count_case_entities(std::string_view text, std::size_t piece_bytes = 0);

}  // namespace safeguard::detail
