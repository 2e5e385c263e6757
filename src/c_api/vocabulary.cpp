// The C API: names a case uses that no loaded pack declares (issue 17, docs/rules.md
// "Vocabulary"): the findings an assessment carries, and the strict check that refuses them.
#include "c_api/shim.hpp"

using namespace safeguard;
using namespace safeguard::capi;

namespace {

const VocabularyFinding& vocabulary_finding(const sg_result* result, size_t k) {
  const auto& findings = results_of(result).vocabulary();
  if (k >= findings.size())
    throw Error(Status::out_of_range,
                "vocabulary finding " + std::to_string(k) + " is past the end");
  return findings[k];
}

}  // namespace

extern "C" {

int sg_result_vocabulary_count(size_t* out, const sg_result* result) {
  return guard([&] {
    require(out, "out");
    *out = results_of(result).vocabulary().size();
  });
}

int sg_result_vocabulary(sg_vocabulary_finding* out, const sg_result* result, size_t k) {
  return guard([&] {
    require(out, "out");
    check_version(out->version, SG_VOCABULARY_FINDING_VERSION, "sg_vocabulary_finding");
    const VocabularyFinding& finding = vocabulary_finding(result, k);
    out->code = finding.code.c_str();
    out->name = finding.name.c_str();
    out->count = finding.count;
    out->message = finding.message.c_str();
  });
}

int sg_result_vocabulary_id(const char** out, const sg_result* result, size_t k, size_t i) {
  return guard([&] {
    require(out, "out");
    const VocabularyFinding& finding = vocabulary_finding(result, k);
    if (i >= finding.ids.size())
      throw Error(Status::out_of_range, "id " + std::to_string(i) + " is past the end");
    *out = finding.ids[i].c_str();
  });
}

int sg_check_vocabulary(const sg_graph* graph, const sg_rules* rules) {
  return guard([&] {
    require(graph, "graph");
    require(rules, "rules");
    std::shared_ptr<const Snapshot> snapshot;
    {
      ReadAccess access(graph);
      snapshot = graph->assessor.snapshot();
    }
    const auto findings = check_vocabulary(*snapshot, {rules->rules.get()});
    if (!findings.empty())
      throw Error(Status::invalid_data, findings.front().message,
                  Location{{}, 0, 0, findings.front().ids.front()});
  });
}

}  // extern "C"
