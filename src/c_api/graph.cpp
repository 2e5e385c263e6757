// The C API: graph handles (create, load, save, count, copy, generate).
#include "safeguard/generate.hpp"
#include "safeguard/io.hpp"

#include "c_api/shim.hpp"

using namespace safeguard;
using namespace safeguard::capi;

extern "C" {

int sg_graph_new(sg_graph** out) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    *out = new sg_graph();
  });
}

void sg_graph_free(sg_graph* graph) { delete graph; }

int sg_graph_new_with_limits(sg_graph** out, const sg_limits* given) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const sg_limits& limits = checked_limits(given);
    GraphLimits graph_limits;
    override_limit(graph_limits.max_id_bytes, limits.max_id_bytes);
    override_limit(graph_limits.max_text_bytes, limits.max_text_bytes);
    override_limit(graph_limits.max_vertices, limits.max_entities);
    override_limit(graph_limits.max_list_items, limits.max_list_items);
    CaseFileLimits case_limits;
    override_limit(case_limits.max_bytes, limits.max_file_bytes);
    override_limit(case_limits.max_depth, limits.max_depth);
    override_limit(case_limits.max_string_bytes, limits.max_string_bytes);
    *out = new sg_graph(graph_limits, case_limits);
  });
}

int sg_graph_load_file(sg_graph* graph, const char* path) {
  return guard([&] {
    require(graph, "graph");
    EditAccess access(graph);
    load_case_file(graph->graph, text(path, "path"), graph->file_limits);
  });
}

int sg_graph_load_buffer(sg_graph* graph, const char* data, size_t size, const char* name) {
  return guard([&] {
    require(graph, "graph");
    if (size > 0) require(data, "data");
    EditAccess access(graph);
    load_case(graph->graph, std::string_view(data ? data : "", size),
              name ? text(name, "name") : std::string("<buffer>"), graph->file_limits);
  });
}

int sg_graph_save_buffer(char** out, size_t* out_size, const sg_graph* graph) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(graph, "graph");
    ReadAccess access(graph);
    const std::string saved = save_case(graph->graph);
    *out = copy_out(saved);
    if (out_size) *out_size = saved.size();
  });
}

int sg_graph_save_file(const sg_graph* graph, const char* path) {
  return guard([&] {
    require(graph, "graph");
    ReadAccess access(graph);
    save_case_file(graph->graph, text(path, "path"));
  });
}

int sg_graph_count(size_t* out, const sg_graph* graph, const char* kind) {
  return guard([&] {
    require(out, "out");
    require(graph, "graph");
    bool all = kind == nullptr;
    VertexKind wanted = VertexKind::person;
    if (!all) {
      const std::string name = text(kind, "kind");
      bool known = false;
      for (int k = 0; k < static_cast<int>(VertexKind::erased); ++k) {
        if (to_string(static_cast<VertexKind>(k)) == name)
          wanted = static_cast<VertexKind>(k), known = true;
      }
      if (!known) bad_argument("unknown entity kind '" + name + "'");
    }
    ReadAccess access(graph);
    *out = all ? graph->graph.count() : graph->graph.count(wanted);
  });
}

// ---- Copies and synthetic caseloads ----

int sg_graph_copy(sg_graph** out, const sg_graph* graph) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(graph, "graph");
    ReadAccess access(graph);
    auto copy = std::make_unique<sg_graph>(graph->graph.limits(), graph->file_limits);
    copy->graph = graph->graph;
    *out = copy.release();
  });
}

int sg_graph_generate(sg_graph** out, const sg_caseload_options* options) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(options, "options");
    check_version(options->version, SG_CASELOAD_OPTIONS_VERSION, "sg_caseload_options");
    if (options->children == 0) bad_argument("options.children must be at least 1");
    CaseloadOptions caseload;
    caseload.children = options->children;
    caseload.seed = options->seed;
    if (options->as_of) caseload.as_of = date(options->as_of, "options.as_of", true);
    auto graph = std::make_unique<sg_graph>();
    generate_caseload(graph->graph, caseload);
    *out = graph.release();
  });
}

// ---- Progress and cancellation ----

int sg_graph_load_file_progress(sg_graph* graph, const char* path, sg_progress_fn progress,
                                void* user) {
  return guard([&] {
    require(graph, "graph");
    EditAccess access(graph);
    load_case_file(graph->graph, text(path, "path"), graph->file_limits,
                   progress_of(progress, user));
  });
}

int sg_graph_load_buffer_progress(sg_graph* graph, const char* data, size_t size, const char* name,
                                  sg_progress_fn progress, void* user) {
  return guard([&] {
    require(graph, "graph");
    if (size > 0) require(data, "data");
    EditAccess access(graph);
    load_case(graph->graph, std::string_view(data ? data : "", size),
              name ? text(name, "name") : std::string("<buffer>"), graph->file_limits,
              progress_of(progress, user));
  });
}

int sg_graph_save_file_progress(const sg_graph* graph, const char* path, sg_progress_fn progress,
                                void* user) {
  return guard([&] {
    require(graph, "graph");
    ReadAccess access(graph);
    save_case_file(graph->graph, text(path, "path"), progress_of(progress, user));
  });
}

}  // extern "C"
