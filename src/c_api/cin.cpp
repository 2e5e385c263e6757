// The C API: Children in Need census returns.
#include "safeguard/cin.hpp"

#include "c_api/shim.hpp"
#include "safeguard/explain.hpp"

using namespace safeguard;
using namespace safeguard::capi;

namespace {

cin::ReadOptions cin_options(int strict) {
  if (strict != 0 && strict != 1) bad_argument("strict must be 0 or 1");
  cin::ReadOptions options;
  options.strict = strict == 1;
  return options;
}

}  // namespace

int sg_cin_load_file(sg_graph* graph, const char* path, int strict) {
  return guard([&] {
    require(graph, "graph");
    const cin::ReadOptions options = cin_options(strict);
    const std::string file = text(path, "path");
    EditAccess access(graph);
    cin::load(graph->graph, cin::read_file(file, options), file);
  });
}

int sg_cin_read_file(char** out, size_t* out_size, const char* path, int strict) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const cin::ReadOptions options = cin_options(strict);
    cin::Return cin_return = cin::read_file(text(path, "path"), options);
    cin::Conversion conversion = cin::to_batch(cin_return);
    for (cin::Finding& finding : conversion.findings) {
      cin_return.findings.push_back(std::move(finding));
    }
    const std::string json = cin::to_json(cin_return);
    *out = copy_out(json);
    if (out_size) *out_size = json.size();
  });
}

int sg_cin_measures_file(char** out, size_t* out_size, const char* path) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const cin::Return cin_return = cin::read_file(text(path, "path"));
    const std::string json = cin::to_json(cin::measures(cin_return));
    *out = copy_out(json);
    if (out_size) *out_size = json.size();
  });
}

int sg_cin_write(char** out, size_t* out_size, const sg_graph* graph,
                 const sg_cin_write_options* options) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(graph, "graph");
    require(options, "options");
    check_version(options->version, SG_CIN_WRITE_OPTIONS_VERSION, "sg_cin_write_options");
    cin::ExportOptions exporting;
    exporting.from = date(options->from, "options.from", false);
    exporting.to = date(options->to, "options.to", false);
    if (exporting.from != kNoDay && exporting.to != kNoDay && exporting.to < exporting.from) {
      bad_argument("options.to is before options.from");
    }
    const Viewer viewer = cleared_viewer(options->viewer_cleared, options->viewer_cleared_count,
                                         "options.viewer_cleared");
    exporting.viewer = &viewer;
    cin::Return details;
    if (options->details_path) {
      details = cin::read_file(text(options->details_path, "options.details_path"));
      exporting.details = &details;
    }
    ReadAccess access(graph);
    const std::string xml = cin::write_return(graph->graph, exporting);
    *out = copy_out(xml);
    if (out_size) *out_size = xml.size();
  });
}
