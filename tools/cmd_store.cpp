// safeguard store: a record's durable store (docs/record.md, "The store") from the command
// line. `import` adds a case file to a store as one batch, with its record time and provenance;
// `export` writes the graph as of a date, as known at a record time, as a case file; `info`
// says what a store holds.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "numbers.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "safeguard/cin.hpp"
#include "safeguard/io.hpp"
#include "safeguard/record.hpp"
#include "store_access.hpp"

namespace safeguard::cli {
namespace {

struct StoreOptions {
  std::string store;
  std::string case_path;
  std::string recorded_at;
  std::string known_at;
  std::string as_of;
  std::string output = "-";
  std::string format = "text";
  Provenance provenance;
  bool no_progress = false;
  bool upsert = false;
};

}  // namespace

RecordTime parse_record_time(const std::string& text, const char* option) {
  if (!text.empty() && text.find_first_not_of("-0123456789") == std::string::npos) {
    errno = 0;
    char* end = nullptr;
    const long long seconds = std::strtoll(text.c_str(), &end, 10);
    if (errno == 0 && end && *end == '\0') return seconds;
  }
  if (text.size() == 20 && text[10] == 'T' && text[19] == 'Z') {
    Day day = kNoDay;
    std::string error;
    int hour = 0, minute = 0, second = 0;
    if (parse_iso_date(text.substr(0, 10), day, error) &&
        std::sscanf(text.c_str() + 11, "%2d:%2d:%2d", &hour, &minute, &second) == 3 &&
        text[13] == ':' && text[16] == ':' && hour < 24 && minute < 60 && second < 60) {
      return static_cast<RecordTime>(day) * 86400 + hour * 3600 + minute * 60 + second;
    }
  }
  throw Failure(kExitUsage, std::string(option) + ": " + detail::quote_for_error(text) +
                                " is not a record time (seconds since 1970-01-01T00:00:00Z, or "
                                "YYYY-MM-DDTHH:MM:SSZ)");
}

Record open_store(const std::string& path, StoreOpen mode) {
  try {
    return Record::open(path, {}, mode);
  } catch (const Error& error) {
    throw Failure(kExitIo, error.what());
  }
}

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Failure(kExitIo, path + ": cannot open the case file");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Failure(kExitIo, path + ": cannot read the case file");
  return text;
}

// What a file to import looks like from its first bytes.
enum class Looks { case_file, census, unreadable };

// A Children in Need census return (XML) starts, after any white space, with '<' or a byte
// order mark; anything else is a case file.
Looks look_at(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Looks::unreadable;
  char piece[4096];
  std::string start;  // from the first byte that is not white space
  while (start.size() < 3 && in) {
    in.read(piece, sizeof piece);
    const std::string_view read(piece, static_cast<std::size_t>(in.gcount()));
    const std::size_t first = start.empty() ? read.find_first_not_of(" \t\r\n") : 0;
    if (first != std::string_view::npos) start += read.substr(first);
  }
  if (in.bad()) return Looks::unreadable;
  if (start.empty()) return Looks::case_file;
  return start[0] == '<' || start.compare(0, 3, "\xEF\xBB\xBF") == 0 ? Looks::census
                                                                     : Looks::case_file;
}

// A store an import creates, removed again (with SQLite's files beside it) if the import fails
// before its batch is committed: a failed command leaves no empty store behind, which a later
// command would take for a real, empty record. A store that existed is never touched.
class NewStoreGuard {
 public:
  explicit NewStoreGuard(std::string path) : path_(std::move(path)) {
    std::error_code ignored;
    existed_ =
        std::filesystem::exists(path_, ignored) || std::filesystem::is_symlink(path_, ignored);
  }
  NewStoreGuard(const NewStoreGuard&) = delete;
  NewStoreGuard& operator=(const NewStoreGuard&) = delete;
  ~NewStoreGuard() {
    if (existed_ || committed_) return;
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      std::filesystem::remove(path_ + suffix, ignored);
  }
  // The batch is in the store: it stays, whatever happens next.
  void committed() { committed_ = true; }

 private:
  std::string path_;
  bool existed_ = true;
  bool committed_ = false;
};

// The second half of an import: `apply` adds the read file to the record, its progress shown
// as the bar's second half (the file's bytes again, in proportion); a refusal is reported as
// the command reports it, and success by the revision made.
template <typename Apply>
int finish_import(const StoreOptions& options, Progress& bar, std::uint64_t bytes,
                  NewStoreGuard& created, Apply apply) {
  const auto storing = [&](std::uint64_t done, std::uint64_t total) {
    const double part = total == 0 ? 1.0 : double(done) / total;
    bar.update(bytes + static_cast<std::uint64_t>(part * bytes));
    return true;
  };
  std::uint64_t revision = 0;
  try {
    revision = apply(storing);
    created.committed();
    bar.finish();
  } catch (const Error& error) {
    throw Failure(error.status() == Status::io ? kExitIo : kExitCaseFile,
                  options.case_path + ": " + error.what());
  }
  std::cerr << "safeguard: imported " << options.case_path << " into " << options.store
            << " as revision " << revision << "\n";
  return kExitOk;
}

// A case file imported as the record reads it (CaseImport): into a store that is missing or
// empty (a first import) its items are kept as they are read, with no batch of the whole file
// and not its text, so memory follows the record (docs/performance.md, "Importing into a
// store"). The store, the messages and the exit codes are those of import_whole: a file that
// cannot be read is reported before the store is opened or created, a batch the record refuses
// after, and a store that cannot be opened after the file is read.
int import_file(const StoreOptions& options, RecordTime recorded_at, std::uint64_t bytes,
                NewStoreGuard& created) {
  Progress bar("import", 2 * bytes, !options.no_progress);
  // An existing store is opened first, to see whether it is empty; one that cannot be opened
  // is opened again, and reported, once the file is read, as before.
  std::optional<Record> record;
  std::error_code ignored;
  if (std::filesystem::exists(options.store, ignored)) {
    try {
      record = Record::open(options.store, {}, StoreOpen::must_exist);
    } catch (const Error&) {
    }
  }
  const auto reading = [&](std::uint64_t done, std::uint64_t) {
    bar.update(done);
    return true;
  };
  std::optional<CaseImport> import;
  try {
    const Record nothing;
    import = CaseImport::read_file(record ? *record : nothing, options.case_path,
                                   {recorded_at, options.provenance, options.upsert, {}}, reading);
  } catch (const Error& error) {
    if (error.status() == Status::io)
      throw Failure(kExitIo, options.case_path + ": cannot read the case file");
    throw Failure(kExitCaseFile, error.what());
  }
  if (!record) record = open_store(options.store, StoreOpen::create_if_missing);
  return finish_import(options, bar, bytes, created,
                       [&](const auto& storing) { return import->apply(*record, storing); });
}

// A case file or census return read whole, then applied as a batch.
int import_whole(const StoreOptions& options, RecordTime recorded_at, NewStoreGuard& created) {
  Batch batch;
  // One bar for the whole import, in the case file's bytes: parsed, then the same bytes again
  // in proportion as the batch is checked and stored (as sg_record_import_buffer_progress).
  std::uint64_t bytes = 0;
  std::unique_ptr<Progress> bar;
  // A census return always restates: a later year's return names the same children and
  // episodes by the same ids (docs/cin-census.md, "Several years in a store").
  bool upsert = options.upsert;
  try {
    const std::string text = read_file(options.case_path);
    bytes = text.size();
    bar = std::make_unique<Progress>("import", 2 * bytes, !options.no_progress);
    // A Children in Need census return (XML) is imported as `import-cin` would convert it;
    // anything else is a case file.
    const std::size_t first = text.find_first_not_of(" \t\r\n");
    const bool census = first != std::string::npos &&
                        (text[first] == '<' || text.compare(first, 3, "\xEF\xBB\xBF") == 0);
    if (census) {
      const cin::Return census_return = cin::read(text, options.case_path);
      cin::Conversion conversion = cin::to_batch(census_return);
      const std::vector<cin::Finding>* lists[] = {&census_return.findings, &conversion.findings};
      for (const std::vector<cin::Finding>* findings : lists) {
        for (const cin::Finding& finding : *findings) {
          std::cerr << "safeguard: warning: " << options.case_path << ":" << finding.at.line << ":"
                    << finding.at.column << ": "
                    << (finding.child.empty() ? "" : "child '" + finding.child + "': ")
                    << finding.rule << ": " << finding.message << "\n";
        }
      }
      batch = std::move(conversion.batch);
      upsert = true;
    } else {
      batch = parse_case(text, options.case_path, CaseFileLimits{},
                         [&](std::uint64_t done, std::uint64_t) {
                           bar->update(done);
                           return true;
                         });
    }
  } catch (const Error& error) {
    throw Failure(kExitCaseFile, error.what());
  }
  Record record = open_store(options.store, StoreOpen::create_if_missing);
  return finish_import(options, *bar, bytes, created, [&](const auto& storing) {
    RecordBatch edits = upsert ? to_upsert_batch(std::move(batch), recorded_at, options.provenance)
                               : to_record_batch(std::move(batch), recorded_at, options.provenance);
    return record.apply(edits, storing);
  });
}

int run_import(const StoreOptions& options) {
  const RecordTime recorded_at = parse_record_time(options.recorded_at, "--recorded-at");
  std::error_code error;
  const bool regular = std::filesystem::is_regular_file(options.case_path, error);
  const std::uintmax_t bytes = regular ? std::filesystem::file_size(options.case_path, error) : 0;
  // Declared before the record each import opens, so the record is closed before a store it
  // created is removed.
  NewStoreGuard created(options.store);
  // A census return, and what is not a regular file (a pipe, say), are read whole.
  const int code = !regular || error || look_at(options.case_path) != Looks::case_file
                       ? import_whole(options, recorded_at, created)
                       : import_file(options, recorded_at, bytes, created);
  return code;
}

int run_export(const StoreOptions& options) {
  Day as_of = kNoDay;
  std::string error;
  if (!parse_iso_date(options.as_of, as_of, error)) throw Failure(kExitUsage, "--as-of: " + error);
  const RecordTime known_at = options.known_at.empty()
                                  ? kEverythingKnown
                                  : parse_record_time(options.known_at, "--known-at");
  const Record record = open_store(options.store, StoreOpen::must_exist);
  std::shared_ptr<const CaseGraph> graph;
  try {
    graph = record.graph(as_of, known_at);
  } catch (const Error& e) {
    throw Failure(kExitIo, options.store + ": " + e.what());
  }
  write_output(options.output, [&](std::ostream& out) { save_case(*graph, out); });
  return kExitOk;
}

int run_info(const StoreOptions& options) {
  const Record record = open_store(options.store, StoreOpen::must_exist);
  const std::uint64_t revision = record.revision();
  nlohmann::json info = {{"store", options.store},
                         {"revision", revision},
                         {"changes", record.change_count()},
                         {"tombstones", record.tombstones().size()}};
  if (revision > 0) {
    info["first_recorded_at"] = record.recorded_at(1);
    info["last_recorded_at"] = record.recorded_at(revision);
    info["last_author"] = record.provenance(revision).author;
  }
  if (options.format == "json") {
    write_output(options.output, info.dump(2) + "\n");
    return kExitOk;
  }
  std::string text = "store       " + options.store + "\nrevision    " + std::to_string(revision) +
                     "\nchanges     " + std::to_string(info["changes"].get<std::size_t>()) +
                     "\ntombstones  " + std::to_string(record.tombstones().size()) + "\n";
  if (revision > 0) {
    text += "first batch recorded at " + std::to_string(record.recorded_at(1)) +
            "\nlast batch recorded at  " + std::to_string(record.recorded_at(revision)) + " by " +
            record.provenance(revision).author + "\n";
  }
  write_output(options.output, text);
  return kExitOk;
}

}  // namespace

Command add_store(CLI::App& parent) {
  auto options = std::make_shared<StoreOptions>();
  CLI::App* command = parent.add_subcommand(
      "store", "Keep a record in a durable store (SQLite): import case files, export as known at");
  command->require_subcommand(1);
  command->footer(
      "A store keeps every version of every fact, with the record time and provenance of each "
      "batch; see docs/record.md.\n"
      "Example: safeguard store import case.store families.json --recorded-at "
      "2026-11-02T09:00:00Z --author worker-7");

  CLI::App* import = command->add_subcommand(
      "import", "Add a case file or census return to a store (created if missing) as one batch");
  import->add_option("store", options->store, "The store")->required()->type_name("STORE");
  import
      ->add_option("case", options->case_path,
                   "The case file (JSON), or a Children in Need census return (XML)")
      ->required()
      ->type_name("CASE");
  import
      ->add_option("--recorded-at", options->recorded_at,
                   "When the record learnt this: seconds since 1970-01-01T00:00:00Z, or "
                   "YYYY-MM-DDTHH:MM:SSZ (never the clock; never earlier than the last batch)")
      ->required()
      ->type_name("TIME");
  import->add_option("--author", options->provenance.author, "Who: an id or role, never a name")
      ->check(provenance_text(true))
      ->required()
      ->type_name("ID");
  import->add_option("--reason", options->provenance.reason, "Why")
      ->check(provenance_text(false))
      ->type_name("TEXT");
  import->add_flag("--upsert", options->upsert,
                   "Replace entities the store already holds (a new version) instead of refusing "
                   "them as duplicates: for a full export imported again (always so for a census "
                   "return)");
  import->add_flag("--no-progress", options->no_progress,
                   "Never draw a progress bar (drawn on standard error only when it is a "
                   "terminal)");
  import->add_option("--source-system", options->provenance.source_system, "Where from")
      ->check(provenance_text(false))
      ->type_name("TEXT");
  import
      ->add_option("--source-reference", options->provenance.source_reference,
                   "The source system's reference")
      ->check(provenance_text(false))
      ->type_name("TEXT");

  CLI::App* exporter = command->add_subcommand(
      "export", "Write the graph as of a date, as known at a record time, as a case file");
  exporter->add_option("store", options->store, "The store")->required()->type_name("STORE");
  exporter->add_option("--as-of", options->as_of, "Valid date")
      ->check(iso_date())
      ->required()
      ->type_name("YYYY-MM-DD");
  exporter
      ->add_option("--known-at", options->known_at,
                   "Record time (default: everything recorded): seconds since "
                   "1970-01-01T00:00:00Z, or YYYY-MM-DDTHH:MM:SSZ")
      ->type_name("TIME");
  exporter->add_option("-o,--output", options->output, "Write here instead of standard output")
      ->type_name("FILE");

  CLI::App* info = command->add_subcommand("info", "Say what a store holds");
  info->add_option("store", options->store, "The store")->required()->type_name("STORE");
  info->add_option("--format", options->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  info->add_option("-o,--output", options->output, "Write here instead of standard output")
      ->type_name("FILE");

  return {command, [options, import, exporter] {
            if (import->parsed()) return run_import(*options);
            if (exporter->parsed()) return run_export(*options);
            return run_info(*options);
          }};
}

}  // namespace safeguard::cli
