// The C API: the living record (apply, watch, assess as known, export, history, audit trail)
// and its durable store.
#include "safeguard/io.hpp"

#include "c_api/shim.hpp"

using namespace safeguard;
using namespace safeguard::capi;

namespace {

// A record for the length of one call; refused while another thread uses it (every record
// call reads or fills caches, so there is no shared read).
class RecordAccess {
 public:
  explicit RecordAccess(const sg_record* record) : record_(const_cast<sg_record*>(record)) {
    int users = 0;
    if (!record_->users.compare_exchange_strong(users, 1, std::memory_order_acquire,
                                                std::memory_order_relaxed)) {
      throw Error(Status::misuse,
                  "the record is being used by another thread (a record is used by one thread "
                  "at a time: see the threading rules in safeguard.h)");
    }
  }
  ~RecordAccess() { record_->users.store(0, std::memory_order_release); }
  RecordAccess(const RecordAccess&) = delete;
  RecordAccess& operator=(const RecordAccess&) = delete;

 private:
  sg_record* record_;
};

}  // namespace

std::shared_ptr<const CaseGraph> capi::record_graph(const sg_record* record, const char* as_of,
                                                    long long known_at) {
  require(record, "record");
  RecordAccess access(record);
  const Day day = date(as_of, "as_of", true);
  return record->record.graph(day, known_at);
}

namespace {

Provenance provenance_of(const sg_provenance* p) {
  require(p, "provenance");
  check_version(p->version, SG_PROVENANCE_VERSION, "sg_provenance");
  return Provenance{text(p->author, "provenance.author"),
                    optional_text(p->reason, "provenance.reason"),
                    optional_text(p->source_system, "provenance.source_system"),
                    optional_text(p->source_reference, "provenance.source_reference")};
}

// The graph items and the record edits of `batch` in the order they were added.
RecordBatch record_batch_of(const sg_batch& batch, const sg_provenance* provenance) {
  Provenance who = provenance_of(provenance);
  RecordBatch graph_items = to_record_batch(batch.batch, provenance->recorded_at, who);
  RecordBatch out;
  out.recorded_at = provenance->recorded_at;
  out.provenance = std::move(who);
  auto edit = batch.record_edits.begin();
  for (std::size_t i = 0; i <= graph_items.items.size(); ++i) {
    for (; edit != batch.record_edits.end() && edit->first == i; ++edit)
      out.items.push_back(edit->second);
    if (i < graph_items.items.size()) out.items.push_back(std::move(graph_items.items[i]));
  }
  return out;
}

std::string render_trail(const std::vector<AuditEntry>& entries, int format) {
  return std::string(format_arg(format, true)) == "csv" ? audit_csv(entries) : audit_json(entries);
}

}  // namespace

extern "C" {

int sg_record_new(sg_record** out) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    *out = new sg_record();
  });
}

void sg_record_free(sg_record* record) { delete record; }

int sg_record_apply(unsigned long long* out_revision, sg_record* record, const sg_batch* batch,
                    const sg_provenance* provenance) {
  return sg_record_apply_progress(out_revision, record, batch, provenance, nullptr, nullptr);
}

int sg_record_apply_progress(unsigned long long* out_revision, sg_record* record,
                             const sg_batch* batch, const sg_provenance* provenance,
                             sg_progress_fn progress, void* user) {
  return guard([&] {
    require(record, "record");
    RecordAccess access(record);
    require(batch, "batch");
    const std::uint64_t revision =
        record->record.apply(record_batch_of(*batch, provenance), progress_of(progress, user));
    if (out_revision) *out_revision = revision;
  });
}

int sg_record_watch(sg_result** out, sg_record* record, const sg_rules* rules,
                    const sg_assess_options* options) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(record, "record");
    RecordAccess access(record);
    require(rules, "rules");
    require(options, "options");
    check_version(options->version, SG_ASSESS_OPTIONS_VERSION, "sg_assess_options");
    AssessOptions opts;
    opts.as_of = date(options->as_of, "options.as_of", true);
    opts.threads = options->threads;
    opts.process = process_of(*options);
    opts.explanations = explanations_of(*options);
    *out = result_out(record->record.watch(rules->rules, opts));
  });
}

int sg_record_apply_changes(sg_result** out, unsigned long long* out_revision, sg_record* record,
                            const sg_batch* batch, const sg_provenance* provenance) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(record, "record");
    RecordAccess access(record);
    require(batch, "batch");
    RecordBatch edits = record_batch_of(*batch, provenance);
    if (!record->record.watching())
      bad_argument("the record is not watched: call sg_record_watch first");
    // Room for the result is made first, so that once the batch is in, handing it out cannot
    // fail for want of memory.
    auto result = std::make_unique<sg_result>();
    const std::uint64_t revision = record->record.apply(edits);
    result->results = record->record.changed();
    result->levels.assign(result->results.levels().begin(), result->results.levels().end());
    if (out_revision) *out_revision = revision;
    *out = result.release();
  });
}

int sg_record_import_buffer(unsigned long long* out_revision, sg_record* record, const char* data,
                            size_t size, const char* name, const sg_provenance* provenance) {
  return sg_record_import_buffer_progress(out_revision, record, data, size, name, provenance,
                                          nullptr, nullptr);
}

int sg_record_import_buffer_progress(unsigned long long* out_revision, sg_record* record,
                                     const char* data, size_t size, const char* name,
                                     const sg_provenance* provenance, sg_progress_fn progress,
                                     void* user) {
  return guard([&] {
    require(record, "record");
    RecordAccess access(record);
    if (!data && size > 0) bad_argument("data is NULL");
    const std::string file = optional_text(name, "name");
    Provenance who = provenance_of(provenance);
    // One scale for both halves: the file's bytes as parsed, then the same bytes again in
    // proportion as the batch made from them is checked and stored.
    const Progress report = progress_of(progress, user);
    const std::uint64_t bytes = size;
    Progress applied;
    if (report) {
      applied = [&](std::uint64_t done, std::uint64_t total) {
        const double part = total == 0 ? 1.0 : static_cast<double>(done) / total;
        return report(bytes + static_cast<std::uint64_t>(part * bytes), 2 * bytes);
      };
    }
    Progress parsed;
    if (report) parsed = [&](std::uint64_t done, std::uint64_t) { return report(done, 2 * bytes); };
    // Into an empty record the items are kept as they are read, with no batch of the whole
    // file (CaseImport); the result and the errors are those of parse_case, then apply.
    CaseImportOptions options;
    options.recorded_at = provenance->recorded_at;
    options.provenance = std::move(who);
    CaseImport import = CaseImport::read(record->record, std::string_view(data ? data : "", size),
                                         file, std::move(options), parsed);
    const std::uint64_t revision = import.apply(record->record, applied);
    if (out_revision) *out_revision = revision;
  });
}

int sg_record_revision(unsigned long long* out, const sg_record* record) {
  return guard([&] {
    require(out, "out");
    require(record, "record");
    RecordAccess access(record);
    *out = record->record.revision();
  });
}

int sg_record_assess(sg_result** out, const sg_record* record, const sg_rules* rules,
                     const sg_assess_options* options, long long known_at) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(record, "record");
    RecordAccess access(record);
    require(rules, "rules");
    require(options, "options");
    check_version(options->version, SG_ASSESS_OPTIONS_VERSION, "sg_assess_options");
    RecordAssessOptions opts;
    opts.as_of = date(options->as_of, "options.as_of", true);
    opts.known_at = known_at;
    opts.threads = options->threads;
    opts.process = process_of(*options);
    opts.explanations = explanations_of(*options);
    auto result =
        std::make_unique<sg_result>(sg_result{record->record.assess(rules->rules, opts), {}});
    result->levels.assign(result->results.levels().begin(), result->results.levels().end());
    *out = result.release();
  });
}

int sg_record_export(char** out, size_t* out_size, const sg_record* record, const char* as_of,
                     long long known_at) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    buffer_out(out, out_size, save_case(*capi::record_graph(record, as_of, known_at)));
  });
}

int sg_record_get(char** out, size_t* out_size, const sg_record* record, const char* id,
                  long long known_at) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(record, "record");
    RecordAccess access(record);
    std::vector<FactVersion> versions;
    if (auto found = record->record.get(text(id, "id"), known_at))
      versions.push_back(found->version);
    buffer_out(out, out_size, versions_json(versions));
  });
}

int sg_record_history(char** out, size_t* out_size, const sg_record* record, const char* id) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(record, "record");
    RecordAccess access(record);
    buffer_out(out, out_size, versions_json(record->record.history(text(id, "id"))));
  });
}

int sg_record_changes(char** out, size_t* out_size, const sg_record* record,
                      unsigned long long since, int format) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(record, "record");
    RecordAccess access(record);
    format_arg(format, true);
    buffer_out(out, out_size, render_trail(record->record.changes_since(since), format));
  });
}

int sg_record_trail(char** out, size_t* out_size, const sg_record* record, const char* id,
                    int format) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(record, "record");
    RecordAccess access(record);
    const std::string which = text(id, "id");
    format_arg(format, true);
    buffer_out(out, out_size, render_trail(record->record.trail(which), format));
  });
}

int sg_record_batch_trail(char** out, size_t* out_size, const sg_record* record,
                          unsigned long long revision, int format) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(record, "record");
    RecordAccess access(record);
    format_arg(format, true);
    buffer_out(out, out_size, render_trail(record->record.batch_trail(revision), format));
  });
}

// ---- The record's durable store ----

int sg_record_open(sg_record** out, const char* path, int flags) {
  return sg_record_open_progress(out, path, flags, nullptr, nullptr);
}

int sg_record_open_progress(sg_record** out, const char* path, int flags, sg_progress_fn progress,
                            void* user) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const std::string file = text(path, "path");
    if (file.empty()) bad_argument("path is empty");
    if (flags & ~SG_OPEN_CREATE) bad_argument("flags has bits other than SG_OPEN_CREATE");
    auto record = std::make_unique<sg_record>();
    record->record = Record::open(
        file, GraphLimits{},
        (flags & SG_OPEN_CREATE) ? StoreOpen::create_if_missing : StoreOpen::must_exist,
        progress_of(progress, user));
    *out = record.release();
  });
}

}  // extern "C"
