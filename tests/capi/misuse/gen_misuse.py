#!/usr/bin/python3
"""Generates the C API misuse test from include/safeguard.h.

Every function the header exports with SG_API becomes one doctest case that calls it with each
parameter in turn replaced by a bad value (NULL, invalid enum, empty string, invalid UTF-8,
huge size, wrong struct version...) while the others stay valid, and once with every parameter
bad. The values come from tests/capi/misuse/misuse_support.hpp, chosen by the parameter's C type.

A function with a parameter type this generator does not know is an error: the build fails and
names it, so a function added to the header can never go untested. The generated file also
records how many functions it covers, and a test counts SG_API declarations in the header at
run time to check that nothing was skipped.

usage: gen_misuse.py include/safeguard.h out.cpp
"""
import re
import sys

# C parameter type (whitespace-normalised) -> argument kind in misuse_support.hpp.
KINDS = {
    "sg_graph**": "OutHandle<sg_graph>",
    "sg_batch**": "OutHandle<sg_batch>",
    "sg_rules**": "OutHandle<sg_rules>",
    "sg_result**": "OutHandle<sg_result>",
    "sg_graph*": "GraphArg",
    "const sg_graph*": "GraphArg",
    "sg_batch*": "BatchArg",
    "const sg_batch*": "BatchArg",
    "const sg_rules*": "RulesArg",
    "const sg_result*": "ResultArg",
    "const char*": "TextArg",
    "size_t": "SizeArg",
    "int": "IntArg",
    "char**": "OutBuffer",
    "size_t*": "OutValue<size_t>",
    "double*": "OutValue<double>",
    "int*": "OutValue<int>",
    "const char**": "OutValue<const char*>",
    "const double**": "OutValue<const double*>",
    "const int**": "OutValue<const int*>",
    "sg_rules_info*": "OutStruct<sg_rules_info>",
    "sg_child_result*": "OutStruct<sg_child_result>",
    "sg_contribution*": "OutStruct<sg_contribution>",
    "sg_contribution_columns*": "OutStruct<sg_contribution_columns>",
    "sg_step_columns*": "OutStruct<sg_step_columns>",
    "sg_child_columns*": "OutStruct<sg_child_columns>",
    "sg_safety_finding*": "OutStruct<sg_safety_finding>",
    "const sg_person*": "PersonArg",
    "const sg_concern*": "ConcernArg",
    "const sg_factor*": "FactorArg",
    "const sg_assess_options*": "AssessOptionsArg",
    "const sg_explain_options*": "ExplainOptionsArg",
    "const sg_cin_write_options*": "CinWriteOptionsArg",
    "const sg_joined_options*": "JoinedOptionsArg",
    "const sg_render_options*": "RenderOptionsArg",
    "const sg_training_options*": "TrainingOptionsArg",
    "const sg_limits*": "LimitsArg",
    "const sg_event*": "EventArg",
    "const sg_override*": "OverrideArg",
    "const sg_entry*": "EntryArg",
    "sg_timescales*": "OutStruct<sg_timescales>",
    "sg_lint_warning*": "OutStruct<sg_lint_warning>",
    "sg_vocabulary_finding*": "OutStruct<sg_vocabulary_finding>",
    "sg_place_result*": "OutStruct<sg_place_result>",
    "sg_adult_result*": "OutStruct<sg_adult_result>",
    "sg_step*": "OutStruct<sg_step>",
    "sg_discretionary*": "OutStruct<sg_discretionary>",
    "sg_calendar**": "OutHandle<sg_calendar>",
    "sg_process**": "OutHandle<sg_process>",
    "const sg_process*": "ProcessArg",
    "sg_calendar*": "CalendarArg",
    "const sg_calendar*": "CalendarArg",
    "char[SG_DATE_SIZE]": "DateOut",
    "sg_record**": "OutHandle<sg_record>",
    "sg_record*": "RecordArg",
    "const sg_record*": "RecordArg",
    "const sg_provenance*": "ProvenanceArg",
    "unsigned long long*": "OutValue<unsigned long long>",
    "unsigned long long": "RevisionArg",
    "long long": "RecordTimeArg",
    "const char* const*": "TextListArg",
    "sg_index_def*": "OutStruct<sg_index_def>",
    "sg_level_def*": "OutStruct<sg_level_def>",
    "sg_rule_def*": "OutStruct<sg_rule_def>",
    "sg_policy_override_def*": "OutStruct<sg_policy_override_def>",
    "const sg_caseload_options*": "CaseloadOptionsArg",
    "sg_progress_fn": "ProgressArg",
    "void*": "UserArg",
    "sg_audit**": "OutHandle<sg_audit>",
    "sg_audit*": "AuditArg",
    "const sg_audit*": "AuditArg",
    "const sg_audit_options*": "AuditOptionsArg",
    "const sg_what_if_options*": "WhatIfOptionsArg",
    "const sg_refit_options*": "RefitOptionsArg",
    "sg_tables**": "OutHandle<sg_tables>",
    "const sg_tables*": "TablesHandleArg",
    "const sg_table**": "OutValue<const sg_table*>",
}

# Output arrays the caller sizes (a double* or int* that receives many values): a large buffer, or
# NULL. By (function, parameter), since the C type alone does not say it is an array.
ARRAYS = {
    ("sg_result_scores_for", "out_scores"): "OutArray<double>",
    ("sg_result_scores_for", "out_levels"): "OutArray<int>",
    ("sg_result_scores_for", "out_withheld"): "OutArray<double>",
    ("sg_result_place_scores_for", "out_scores"): "OutArray<double>",
    ("sg_result_contextual_for", "out_contextual"): "OutArray<double>",
    ("sg_result_contextual_for", "out_withheld"): "OutArray<double>",
}

# Handles passed to a _free function are given away: a fresh one (or NULL) each call.
OWNED = {
    "sg_graph*": "Owned<sg_graph>",
    "sg_batch*": "Owned<sg_batch>",
    "sg_rules*": "Owned<sg_rules>",
    "sg_result*": "Owned<sg_result>",
    "sg_calendar*": "Owned<sg_calendar>",
    "sg_process*": "Owned<sg_process>",
    "sg_record*": "Owned<sg_record>",
    "sg_audit*": "Owned<sg_audit>",
    "sg_tables*": "Owned<sg_tables>",
    "char*": "OwnedBuffer",
}

# Pointer parameters the header documents as optional (NULL is a valid value).
OPTIONAL = {
    ("sg_graph_load_buffer", "name"),
    ("sg_graph_load_buffer_progress", "name"),
    ("sg_rules_load_buffer", "name"),
    ("sg_rules_load_buffer_with_limits", "name"),
    ("sg_process_load_buffer", "name"),
    ("sg_graph_save_buffer", "out_size"),
    ("sg_texts_join", "out_size"),
    ("sg_result_explain", "out_size"),
    ("sg_result_place_explain", "out_size"),
    ("sg_result_adult_explain", "out_size"),
    ("sg_result_adult_index_score", "out_level"),
    ("sg_graph_count", "kind"),
    ("sg_batch_add_agency", "name"),
    ("sg_batch_add_place", "name"),
    ("sg_batch_add_group", "name"),
    ("sg_result_index_score", "out_level"),
    ("sg_result_scores_for", "out_levels"),
    ("sg_result_scores_for", "out_withheld"),
    ("sg_result_place_scores_for", "out_withheld"),
    ("sg_result_contextual_for", "out_withheld"),
    ("sg_result_contextual", "out_level"),
    ("sg_result_override", "out_reason"),
    ("sg_result_override_for", "out_reason"),
    ("sg_result_override_for", "out_restricted"),
    ("sg_result_adult_override_for", "out_reason"),
    ("sg_result_adult_override_for", "out_restricted"),
    ("sg_result_safety", "out_count"),
    ("sg_result_not_assessable", "out_missing"),
    ("sg_result_timeline_issue", "out_issue"),
    ("sg_age", "out_years"),
    ("sg_age", "out_months"),
    ("sg_batch_upsert_entity", "type"),
    ("sg_batch_upsert_entity", "name"),
    ("sg_batch_amend", "value"),
    ("sg_batch_amend_list", "values"),
    ("sg_record_apply", "out_revision"),
    ("sg_record_import_buffer", "out_revision"),
    ("sg_record_apply_changes", "out_revision"),
    ("sg_record_import_buffer", "name"),
    ("sg_record_apply_progress", "out_revision"),
    ("sg_record_import_buffer_progress", "out_revision"),
    ("sg_record_import_buffer_progress", "name"),
    ("sg_record_export", "out_size"),
    ("sg_record_get", "out_size"),
    ("sg_record_history", "out_size"),
    ("sg_record_changes", "out_size"),
    ("sg_record_trail", "out_size"),
    ("sg_record_batch_trail", "out_size"),
    ("sg_rules_load_bundled", "limits"),
    ("sg_cin_read_file", "out_size"),
    ("sg_cin_measures_file", "out_size"),
    ("sg_cin_write", "out_size"),
    ("sg_result_joined", "out_size"),
    ("sg_training_pack", "out_size"),
    ("sg_audit_new", "name"),
    ("sg_audit_set_groups", "name"),
    ("sg_audit_run", "out_size"),
    ("sg_audit_run_rows", "out_size"),
    ("sg_audit_what_if", "out_size"),
    ("sg_audit_refit", "out_size"),
    ("sg_result_audit_rows", "out_size"),
    ("sg_render_report", "out_size"),
    ("sg_render_report", "children"),
    ("sg_render_ecomap", "out_size"),
    ("sg_render_timeline", "out_size"),
    ("sg_render_timeline", "children"),
}

DECLARATION = re.compile(r"^\s*SG_API\s+([^;{]*?)\b(sg_\w+)\s*\(([^)]*)\)\s*;", re.M | re.S)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def normalise(c_type):
    c_type = re.sub(r"\s+", " ", c_type).strip()
    return re.sub(r"\s*\*", "*", c_type)


def parse(header_text):
    functions = []
    for match in DECLARATION.finditer(strip_comments(header_text)):
        returns = normalise(match.group(1))
        name = match.group(2)
        params = []
        raw = match.group(3).strip()
        if raw and raw != "void":
            for part in raw.split(","):
                # Fixed-size output arrays, `char out[SG_DATE_SIZE]`: the type keeps the size.
                part = re.sub(r"^\s*(.*?)\s*(\w+)\s*\[\s*(\w+)\s*\]\s*$", r"\1[\3] \2", part)
                part = normalise(part)
                m = re.match(r"^(.*?)(\w+)$", part)
                if not m:
                    raise SystemExit("gen_misuse: cannot read parameter '%s' of %s" % (part, name))
                params.append((normalise(m.group(1)), m.group(2)))
        functions.append((returns, name, params))
    return functions


def kind_of(function, c_type, name, params, index):
    if function.endswith("_free") and c_type in OWNED:
        return OWNED[c_type]
    # A buffer and its length travel together: (data, size).
    if name == "data" and c_type == "const char*":
        if index + 1 < len(params) and params[index + 1] == ("size_t", "size"):
            return "DataArg"
    # Tables of column buffers and their count travel together too: (tables, table_count).
    if name == "tables" and c_type == "const sg_table*":
        if index + 1 < len(params) and params[index + 1] == ("size_t", "table_count"):
            return "TablesArg"
    # Texts and their count travel together: (texts, text_count).
    if name == "texts" and c_type == "const char* const*":
        if index + 1 < len(params) and params[index + 1] == ("size_t", "text_count"):
            return "TextsArg"
    if (function, name) in ARRAYS:
        return ARRAYS[(function, name)]
    if c_type not in KINDS:
        raise SystemExit(
            "gen_misuse: %s has a parameter '%s %s' of a type the misuse test does not know; "
            "teach tests/capi/misuse/gen_misuse.py and misuse_support.hpp how to misuse it"
            % (function, c_type, name))
    return KINDS[c_type]


def generate(functions):
    out = [
        "// Generated by tests/capi/misuse/gen_misuse.py from include/safeguard.h. Do not edit.",
        "#include \"misuse_support.hpp\"",
        "",
        "namespace misuse {",
        "const int kGeneratedFunctionCount = %d;" % len(functions),
        "}  // namespace misuse",
        "",
        "TEST_SUITE(\"c_api_misuse\") {",
    ]
    for returns, name, params in functions:
        args = []
        skip_next = False
        for i, (c_type, pname) in enumerate(params):
            if skip_next:
                skip_next = False
                continue
            kind = kind_of(name, c_type, pname, params, i)
            optional = "true" if (name, pname) in OPTIONAL else "false"
            if kind in ("DataArg", "TablesArg", "TextsArg"):
                skip_next = True
            args.append((kind, pname, optional))
        returns_status = returns == "int" and params != [] and not name.startswith("sg_status_str")
        kinds = ", ".join("misuse::" + k for k, _, _ in args)
        out.append("  TEST_CASE(\"%s never crashes and reports misuse\") {" % name)
        if not args:
            out.append("    misuse::check_no_arguments(\"%s\", [] { return %s(); });" % (name, name))
            out.append("  }")
            continue
        out.append("    misuse::Case<%s> c(\"%s\", {%s}, {%s});" % (
            kinds, name, ", ".join("\"%s\"" % p for _, p, _ in args),
            ", ".join(o for _, _, o in args)))
        call_args = []
        for i, (kind, pname, _) in enumerate(args):
            if kind == "DataArg":
                call_args.append("std::get<%d>(a).data(), std::get<%d>(a).size()" % (i, i))
            elif kind == "TablesArg":
                call_args.append("std::get<%d>(a).tables(), std::get<%d>(a).count()" % (i, i))
            elif kind == "TextsArg":
                call_args.append("std::get<%d>(a).texts(), std::get<%d>(a).count()" % (i, i))
            else:
                call_args.append("std::get<%d>(a).get()" % i)
        if returns == "void":
            body = "%s(%s); return misuse::kNoStatus;" % (name, ", ".join(call_args))
        elif returns_status:
            body = "return %s(%s);" % (name, ", ".join(call_args))
        else:
            body = "misuse::check_returned(%s(%s)); return misuse::kNoStatus;" % (
                name, ", ".join(call_args))
        out.append("    c.run([](auto& a) { %s });" % body)
        out.append("  }")
    out.append("}")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        functions = parse(f.read())
    if not functions:
        raise SystemExit("gen_misuse: no SG_API functions found in " + sys.argv[1])
    text = generate(functions)
    try:
        with open(sys.argv[2], encoding="utf-8") as f:
            if f.read() == text:
                return
    except OSError:
        pass
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
