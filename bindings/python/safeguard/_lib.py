"""Finds and loads the safeguard shared library, checks its version, and declares the C API.

Every C function the package calls is declared here with its argtypes and restype, so a wrong
argument type fails in Python instead of corrupting memory. The structs mirror
include/safeguard.h field for field; each carries the version number of the C header it was
written against.
"""

import ctypes
import ctypes.util
import importlib
import os
import sys
import typing
from pathlib import Path

from . import _version
from .errors import LibraryError

LIBRARY_ENV = "SAFEGUARD_LIBRARY"
_SONAME = "libsafeguard.so.%d" % _version.VERSION_MAJOR if sys.platform != "darwin" else (
    "libsafeguard.%d.dylib" % _version.VERSION_MAJOR)
_FILE_NAMES = (_SONAME, "libsafeguard.so", "libsafeguard.dylib", "safeguard.dll")

c_size_t = ctypes.c_size_t
c_int = ctypes.c_int
c_double = ctypes.c_double
c_char_p = ctypes.c_char_p
c_void_p = ctypes.c_void_p
POINTER = ctypes.POINTER


# ---- Structs (field order and types exactly as in safeguard.h) ----------------------------


LIMIT_FIELDS = ("max_file_bytes", "max_depth", "max_string_bytes", "max_id_bytes",
                "max_text_bytes", "max_entities", "max_list_items", "max_pack_bytes", "max_rules",
                "max_overrides", "max_levels", "max_indices", "max_expression_length",
                "max_expression_depth")


class Limits(ctypes.Structure):
    VERSION = 1
    _fields_ = [("version", c_int)] + [(name, c_size_t) for name in LIMIT_FIELDS]


class Person(ctypes.Structure):
    VERSION = 2
    _fields_ = [
        ("version", c_int),
        ("id", c_char_p),
        ("kind", c_int),
        ("dob", c_char_p),
        ("household", c_char_p),
        ("flags", POINTER(c_char_p)),
        ("flag_count", c_size_t),
        ("name", c_char_p),
    ]


class Concern(ctypes.Structure):
    VERSION = 1
    _fields_ = [
        ("version", c_int),
        ("id", c_char_p),
        ("category", c_char_p),
        ("severity", c_int),
        ("incident", c_char_p),
        ("recorded", c_char_p),
        ("status", c_int),
        ("source", c_char_p),
        ("restricted", c_int),
        ("about", POINTER(c_char_p)),
        ("about_count", c_size_t),
        ("involves", POINTER(c_char_p)),
        ("involves_count", c_size_t),
        ("summary", c_char_p),
    ]


class Factor(ctypes.Structure):
    VERSION = 1
    _fields_ = [
        ("version", c_int),
        ("id", c_char_p),
        ("kind", c_char_p),
        ("strength", c_int),
        ("start", c_char_p),
        ("end", c_char_p),
        ("provided_by", c_char_p),
        ("protects", POINTER(c_char_p)),
        ("protects_count", c_size_t),
        ("summary", c_char_p),
    ]


class Event(ctypes.Structure):
    VERSION = 2
    _fields_ = [
        ("version", c_int),
        ("id", c_char_p),
        ("kind", c_char_p),
        ("date", c_char_p),
        ("about", POINTER(c_char_p)),
        ("about_count", c_size_t),
        ("note", c_char_p),
        ("decision", c_char_p),
        ("category", c_char_p),
        ("expected", c_char_p),
    ]


class Entry(ctypes.Structure):
    """sg_entry: a recorded entry (child's voice, parent's view, scaling...)."""
    VERSION = 1
    NO_VALUE = -1
    _fields_ = [
        ("version", c_int),
        ("id", c_char_p),
        ("kind", c_char_p),
        ("date", c_char_p),
        ("about", POINTER(c_char_p)),
        ("about_count", c_size_t),
        ("author", c_char_p),
        ("text", c_char_p),
        ("value", c_int),
        ("question", c_char_p),
        ("source", c_char_p),
        ("restricted", c_int),
    ]


class Override(ctypes.Structure):
    """sg_override: a discretionary override (recorded professional judgement)."""
    VERSION = 3
    _fields_ = [
        ("version", c_int),
        ("id", c_char_p),
        ("child", c_char_p),
        ("direction", c_char_p),
        ("date", c_char_p),
        ("author", c_char_p),
        ("reason", c_char_p),
        ("approved_by", c_char_p),
        ("approved", c_char_p),
        ("adult", c_char_p),  # version 3: about an adult instead of a child
    ]


class Provenance(ctypes.Structure):
    """sg_provenance: who recorded a batch, when (record time) and why."""
    VERSION = 1
    _fields_ = [
        ("version", c_int),
        ("recorded_at", ctypes.c_longlong),
        ("author", c_char_p),
        ("reason", c_char_p),
        ("source_system", c_char_p),
        ("source_reference", c_char_p),
    ]


class RulesInfo(ctypes.Structure):
    VERSION = 1
    _fields_ = [
        ("version", c_int),
        ("id", c_char_p),
        ("pack_version", c_char_p),
        ("title", c_char_p),
        ("hash", c_char_p),
        ("index_count", c_size_t),
        ("level_count", c_size_t),
        ("rule_count", c_size_t),
        ("override_count", c_size_t),
    ]


class LintWarning(ctypes.Structure):
    VERSION = 1
    _fields_ = [
        ("version", c_int),
        ("code", c_char_p),
        ("message", c_char_p),
        ("file", c_char_p),
        ("line", c_int),
        ("column", c_int),
        ("entity", c_char_p),
    ]


class VocabularyFinding(ctypes.Structure):
    VERSION = 1
    _fields_ = [
        ("version", c_int),
        ("code", c_char_p),
        ("name", c_char_p),
        ("count", c_size_t),
        ("message", c_char_p),
    ]


class Timescales(ctypes.Structure):
    VERSION = 1
    _fields_ = [
        ("version", c_int),
        ("referral_decision_working_days", c_int),
        ("assessment_working_days", c_int),
        ("initial_conference_working_days", c_int),
        ("first_review_months", c_int),
        ("review_interval_months", c_int),
        ("discretionary", c_char_p),
    ]


DATE_SIZE = 11  # SG_DATE_SIZE: "YYYY-MM-DD" and its NUL
_date_buffer = ctypes.c_char * DATE_SIZE


class AssessOptions(ctypes.Structure):
    VERSION = 3
    _fields_ = [
        ("version", c_int),
        ("as_of", c_char_p),
        ("threads", ctypes.c_uint),
        ("process", c_void_p),  # version 2
        ("explanations", c_int),  # version 3: EXPLANATIONS_EAGER or EXPLANATIONS_LAZY
    ]


class ChildResult(ctypes.Structure):
    VERSION = 1
    _fields_ = [
        ("version", c_int),
        ("id", c_char_p),
        ("total", c_double),
        ("level", c_int),
        ("level_id", c_char_p),
        ("score_level", c_int),
        ("immediate_safety", c_int),
        ("contribution_count", c_size_t),
        ("override_count", c_size_t),
        ("not_assessable_count", c_size_t),
    ]


class Contribution(ctypes.Structure):
    VERSION = 3
    _fields_ = [
        ("version", c_int),
        ("rule_id", c_char_p),
        ("rule_title", c_char_p),
        ("index_id", c_char_p),
        ("heading", c_char_p),
        ("evidence_id", c_char_p),
        ("via_id", c_char_p),
        ("path", c_char_p),
        ("source_agency_id", c_char_p),
        ("restricted", c_int),
        ("raw", c_double),
        ("decay", c_double),
        ("reach", c_double),
        ("cap_factor", c_double),
        ("value", c_double),
        ("kind", c_char_p),  # since version 2
        ("relation", c_char_p),
        ("via_kind", c_char_p),
        ("hidden", c_int),  # since version 3
    ]


class TextCodes(ctypes.Structure):
    """sg_text_codes: a text column as int32 codes (the caller's array) into a table of its
    distinct texts (the library's buffer, freed with sg_buffer_free)."""
    _fields_ = [
        ("codes", c_void_p),
        ("texts", c_void_p),
        ("texts_size", c_size_t),
        ("text_count", c_size_t),
    ]


class ContributionColumns(ctypes.Structure):
    """sg_contribution_columns: caller-owned arrays (numpy's memory, here) the library fills."""
    VERSION = 3
    # The text columns sg_text_codes entries stand for, in order (SG_CONTRIBUTION_TEXT_*).
    TEXT_COLUMNS = ("rule_id", "rule_title", "index_id", "heading", "evidence_id", "via_id",
                    "path", "source_agency_id", "kind", "relation", "via_kind")
    _fields_ = [
        ("version", c_int),
        ("capacity", c_size_t),
        ("row", c_void_p),
        ("rule_id", c_void_p),
        ("rule_title", c_void_p),
        ("index_id", c_void_p),
        ("heading", c_void_p),
        ("evidence_id", c_void_p),
        ("via_id", c_void_p),
        ("path", c_void_p),
        ("source_agency_id", c_void_p),
        ("restricted", c_void_p),
        ("raw", c_void_p),
        ("decay", c_void_p),
        ("reach", c_void_p),
        ("cap_factor", c_void_p),
        ("value", c_void_p),
        ("kind", c_void_p),
        ("relation", c_void_p),
        ("via_kind", c_void_p),
        ("fold_withheld", c_int),
        ("text_codes", c_void_p),  # since version 3: SG_CONTRIBUTION_TEXT_COLUMNS TextCodes
    ]


class Column(ctypes.Structure):
    """sg_column: one column of a table, as buffers the caller owns (numpy's memory, here)."""
    TEXT = 1
    NUMBER = 2
    DAY = 3
    FLAG = 4
    TEXT_LIST = 5
    _fields_ = [
        ("name", c_char_p),
        ("type", c_int),
        ("validity", c_void_p),
        ("offsets", c_void_p),
        ("data", c_void_p),
        ("data_size", c_size_t),
        ("list_offsets", c_void_p),
        ("numbers", c_void_p),
        ("days", c_void_p),
        ("flags", c_void_p),
    ]


class Table(ctypes.Structure):
    """sg_table: a case-file section as columns (sg_graph_add_tables)."""
    VERSION = 1
    _fields_ = [
        ("version", c_int),
        ("name", c_char_p),
        ("row_count", c_size_t),
        ("columns", POINTER(Column)),
        ("column_count", c_size_t),
    ]


class ChildColumns(ctypes.Structure):
    """sg_child_columns: caller-owned arrays the library fills, one entry per child."""
    VERSION = 1
    _fields_ = [
        ("version", c_int),
        ("capacity", c_size_t),
        ("id", c_void_p),
        ("total", c_void_p),
        ("level", c_void_p),
        ("score_level", c_void_p),
        ("immediate_safety", c_void_p),
        ("override_count", c_void_p),
        ("discretionary", c_void_p),
        ("safety", c_void_p),
        ("contextual_total", c_void_p),
        ("context_level", c_void_p),
    ]


class StepColumns(ctypes.Structure):
    """sg_step_columns: caller-owned arrays (numpy's memory, here) the library fills."""
    VERSION = 2
    NO_DAY = -2147483648
    _fields_ = [
        ("version", c_int),
        ("capacity", c_size_t),
        ("row", c_void_p),
        ("step", c_void_p),
        ("status", c_void_p),
        ("working_days", c_void_p),
        ("trigger_id", c_void_p),
        ("done_id", c_void_p),
        ("start", c_void_p),
        ("due", c_void_p),
        ("completed", c_void_p),
        ("title", c_void_p),
        ("reason", c_void_p),
        ("calendar_days", c_void_p),
        ("counts_working_days", c_void_p),
        ("source", c_void_p),
        ("nation", c_void_p),
    ]


class AdultResult(ctypes.Structure):
    VERSION = 2
    _fields_ = [
        ("version", c_int),
        ("id", c_char_p),
        ("total", c_double),
        ("level", c_int),
        ("level_id", c_char_p),
        ("contribution_count", c_size_t),
        ("override_count", c_size_t),  # since version 2
    ]


class PlaceResult(ctypes.Structure):
    VERSION = 1
    _fields_ = [
        ("version", c_int),
        ("id", c_char_p),
        ("kind", c_char_p),
        ("label", c_char_p),
        ("score", c_double),
        ("own_score", c_double),
        ("contribution_count", c_size_t),
    ]


class Step(ctypes.Structure):
    VERSION = 3
    _fields_ = [
        ("version", c_int),
        ("step", c_char_p),
        ("status", c_char_p),
        ("working_days", c_int),
        ("trigger_id", c_char_p),
        ("done_id", c_char_p),
        ("start", _date_buffer),
        ("due", _date_buffer),
        ("completed", _date_buffer),
        ("title", c_char_p),
        ("reason", c_char_p),
        ("calendar_days", c_int),
        ("counts_working_days", c_int),
        ("source", c_char_p),
        ("nation", c_char_p),
    ]


class Discretionary(ctypes.Structure):
    VERSION = 2
    _fields_ = [
        ("version", c_int),
        ("id", c_char_p),
        ("direction", c_char_p),
        ("author", c_char_p),
        ("reason", c_char_p),
        ("date", _date_buffer),
        ("outcome", c_char_p),
        ("level_before", c_int),
        ("approved_by", c_char_p),
        ("approved", _date_buffer),
        ("needs_approval", c_int),
    ]


class SafetyFinding(ctypes.Structure):
    VERSION = 1
    _fields_ = [
        ("version", c_int),
        ("kind", c_char_p),
        ("id", c_char_p),
        ("title", c_char_p),
        ("evidence_id", c_char_p),
        ("restricted", c_int),
    ]


class ExplainOptions(ctypes.Structure):
    VERSION = 1
    _fields_ = [
        ("version", c_int),
        ("format", c_int),
        ("viewer_cleared", POINTER(c_char_p)),
        ("viewer_cleared_count", c_size_t),
    ]


class CinWriteOptions(ctypes.Structure):
    VERSION = 1
    _fields_ = [
        ("version", c_int),
        ("details_path", c_char_p),
        ("from_", c_char_p),
        ("to", c_char_p),
        ("viewer_cleared", POINTER(c_char_p)),
        ("viewer_cleared_count", c_size_t),
    ]


AUDIENCE_PROFESSIONAL = 0
AUDIENCE_FAMILY = 1


class RenderOptions(ctypes.Structure):
    VERSION = 2
    _fields_ = [
        ("version", c_int),
        ("viewer_cleared", POINTER(c_char_p)),
        ("viewer_cleared_count", c_size_t),
        ("case_label", c_char_p),
        ("pack_source", c_char_p),
        ("as_of_from_evidence", c_int),
        ("audience", c_int),
        ("household", c_char_p),
        ("ecomap_svg", POINTER(c_char_p)),
        ("ecomap_svg_count", c_size_t),
        ("ecomap_note", c_char_p),
        ("layout", c_char_p),
        ("all_evidence", c_int),
        ("overdue_only", c_int),
        ("terminal_colour", c_int),
        ("family_svg", c_char_p),
    ]


class JoinedOptions(ctypes.Structure):
    VERSION = 1
    _fields_ = [
        ("version", c_int),
        ("format", c_int),
        ("viewer_cleared", POINTER(c_char_p)),
        ("viewer_cleared_count", c_size_t),
        ("threads", c_size_t),
        ("exact_up_to", c_size_t),
        ("limit", c_size_t),
    ]


class TrainingOptions(ctypes.Structure):
    VERSION = 2
    _fields_ = [
        ("version", c_int),
        ("seed", ctypes.c_ulonglong),
        ("difficulty", c_size_t),
        ("scenarios", c_size_t),
        ("as_of", c_char_p),
        # Version 2: each scenario's ecomap drawn (SVG), for its reveal page.
        ("figures", POINTER(c_char_p)),
        ("figure_count", c_size_t),
    ]


class AuditOptions(ctypes.Structure):
    VERSION = 2
    _fields_ = [
        ("version", c_int),
        ("format", c_int),
        ("seed", ctypes.c_ulonglong),
        ("bootstrap", c_size_t),
        ("min_events", c_size_t),
        ("min_count", c_size_t),
        ("band_low", ctypes.c_double),
        ("band_high", ctypes.c_double),
        ("references", POINTER(c_char_p)),
        ("reference_count", c_size_t),
        ("suppress_below", c_size_t),
    ]


class WhatIfOptions(ctypes.Structure):
    VERSION = 2
    _fields_ = [
        ("version", c_int),
        ("format", c_int),
        ("threads", ctypes.c_uint),
        ("spec", c_char_p),
        ("spec_size", c_size_t),
        ("viewer_cleared", POINTER(c_char_p)),
        ("viewer_cleared_count", c_size_t),
        ("suppress_below", c_size_t),
    ]


class RefitOptions(ctypes.Structure):
    VERSION = 2
    _fields_ = [
        ("version", c_int),
        ("format", c_int),
        ("seed", ctypes.c_ulonglong),
        ("folds", c_size_t),
        ("min_firing", c_size_t),
        ("pack_text", c_char_p),
        ("pack_text_size", c_size_t),
        # Version 2: the reader.
        ("viewer_cleared", POINTER(c_char_p)),
        ("viewer_cleared_count", c_size_t),
    ]


class IndexDef(ctypes.Structure):
    VERSION = 2
    _fields_ = [("version", c_int), ("id", c_char_p), ("title", c_char_p),
                ("subject", c_char_p)]


class LevelDef(ctypes.Structure):
    VERSION = 1
    _fields_ = [("version", c_int), ("id", c_char_p), ("title", c_char_p), ("min", c_double)]


class RuleDef(ctypes.Structure):
    VERSION = 1
    _fields_ = [
        ("version", c_int),
        ("id", c_char_p),
        ("title", c_char_p),
        ("index", c_size_t),
        ("index_id", c_char_p),
        ("heading", c_char_p),
        ("over", c_char_p),
        ("condition", c_char_p),
        ("points", c_char_p),
        ("half_life_days", c_double),
        ("cap", c_double),
        ("reach_count", c_size_t),
        ("line", c_int),
    ]


class PolicyOverrideDef(ctypes.Structure):
    VERSION = 1
    _fields_ = [
        ("version", c_int),
        ("id", c_char_p),
        ("reason", c_char_p),
        ("condition", c_char_p),
        ("min_level", c_int),
        ("min_level_id", c_char_p),
        ("immediate_safety", c_int),
        ("line", c_int),
    ]


class CaseloadOptions(ctypes.Structure):
    VERSION = 1
    _fields_ = [
        ("version", c_int),
        ("children", c_size_t),
        ("seed", ctypes.c_ulonglong),
        ("as_of", c_char_p),
    ]


class ErrorDetail(ctypes.Structure):
    """sg_error_detail: read through the pointer sg_error_last_detail() returns; fields past
    the library's `version` are not read."""
    VERSION = 1
    _fields_ = [
        ("version", c_int),
        ("status", c_int),
        ("message", c_char_p),
        ("reason", c_char_p),
        ("file", c_char_p),
        ("line", c_int),
        ("column", c_int),
        ("entity", c_char_p),
        ("item", ctypes.c_longlong),
    ]


# sg_progress_fn: int (*)(void* user, unsigned long long done, unsigned long long total)
PROGRESS_FN = ctypes.CFUNCTYPE(c_int, c_void_p, ctypes.c_ulonglong, ctypes.c_ulonglong)

# Constants of safeguard.h that the package passes in.
PERSON_CHILD = 0
PERSON_ADULT = 1
STATUS_OPEN = 0
STATUS_CLOSED = 1
STATUS_UNSUBSTANTIATED = 2
STATUS_RETRACTED = 3
EXPLANATIONS_EAGER = 0
EXPLANATIONS_LAZY = 1
FORMAT_TEXT = 0
FORMAT_JSON = 1
FORMAT_CSV = 2
FORMAT_HTML = 3
FORMAT_TOML = 4
KNOWN_ALL = 9223372036854775807
OPEN_CREATE = 1

# ---- Function declarations ------------------------------------------------------------------

_graph_p = c_void_p
_calendar_p = c_void_p
_batch_p = c_void_p
_rules_p = c_void_p
_result_p = c_void_p
_out_handle = POINTER(c_void_p)
_out_size = POINTER(c_size_t)
_record_p = c_void_p
_out_revision = POINTER(ctypes.c_ulonglong)

# name: (restype, argtypes)
_FUNCTIONS: typing.Dict[str, typing.Tuple[typing.Any, typing.List[typing.Any]]] = {
    "sg_version_number": (c_int, []),
    "sg_version_string": (c_char_p, []),
    "sg_status_str": (c_char_p, [c_int]),
    "sg_error_last": (c_char_p, []),
    "sg_error_last_status": (c_int, []),
    "sg_buffer_free": (None, [c_void_p]),
    "sg_texts_join": (c_int, [POINTER(c_void_p), _out_size, c_void_p, c_size_t]),
    "sg_graph_new": (c_int, [_out_handle]),
    "sg_graph_new_with_limits": (c_int, [_out_handle, POINTER(Limits)]),
    "sg_graph_free": (None, [_graph_p]),
    "sg_graph_load_file": (c_int, [_graph_p, c_char_p]),
    "sg_graph_load_buffer": (c_int, [_graph_p, c_char_p, c_size_t, c_char_p]),
    "sg_graph_add_tables": (c_int, [_graph_p, POINTER(Table), c_size_t]),
    "sg_graph_tables": (c_int, [_out_handle, _graph_p]),
    "sg_tables_get": (c_int, [POINTER(POINTER(Table)), _out_size, c_void_p]),
    "sg_tables_free": (None, [c_void_p]),
    "sg_graph_save_buffer": (c_int, [POINTER(c_void_p), _out_size, _graph_p]),
    "sg_graph_save_file": (c_int, [_graph_p, c_char_p]),
    "sg_graph_count": (c_int, [_out_size, _graph_p, c_char_p]),
    "sg_batch_new": (c_int, [_out_handle]),
    "sg_batch_free": (None, [_batch_p]),
    "sg_batch_size": (c_int, [_out_size, _batch_p]),
    "sg_batch_add_person": (c_int, [_batch_p, POINTER(Person)]),
    "sg_batch_add_agency": (c_int, [_batch_p, c_char_p, c_char_p, c_char_p]),
    "sg_batch_add_household": (c_int, [_batch_p, c_char_p]),
    "sg_batch_add_place": (c_int, [_batch_p, c_char_p, c_char_p, c_char_p]),
    "sg_batch_add_group": (c_int, [_batch_p, c_char_p, c_char_p, c_char_p]),
    "sg_batch_add_concern": (c_int, [_batch_p, POINTER(Concern)]),
    "sg_batch_add_factor": (c_int, [_batch_p, POINTER(Factor)]),
    "sg_batch_add_relation": (c_int, [_batch_p, c_char_p, c_char_p, c_char_p]),
    "sg_batch_amend_concern": (c_int, [_batch_p, POINTER(Concern)]),
    "sg_batch_retract_concern": (c_int, [_batch_p, c_char_p]),
    "sg_batch_erase_person": (c_int, [_batch_p, c_char_p]),
    "sg_batch_add_event": (c_int, [_batch_p, POINTER(Event)]),
    "sg_batch_add_override": (c_int, [_batch_p, POINTER(Override)]),
    "sg_batch_add_entry": (c_int, [_batch_p, POINTER(Entry)]),
    "sg_batch_set_nation": (c_int, [_batch_p, c_char_p]),
    "sg_batch_add_closure": (c_int, [_batch_p, c_char_p]),
    "sg_graph_apply": (c_int, [_graph_p, _batch_p]),
    "sg_rules_load_file": (c_int, [_out_handle, c_char_p]),
    "sg_rules_load_buffer": (c_int, [_out_handle, c_char_p, c_size_t, c_char_p]),
    "sg_rules_load_file_with_limits": (c_int, [_out_handle, c_char_p, POINTER(Limits)]),
    "sg_rules_load_buffer_with_limits": (c_int, [_out_handle, c_char_p, c_size_t, c_char_p,
                                                 POINTER(Limits)]),
    "sg_rules_free": (None, [_rules_p]),
    "sg_rules_info_get": (c_int, [POINTER(RulesInfo), _rules_p]),
    "sg_rules_index_id": (c_int, [POINTER(c_char_p), _rules_p, c_size_t]),
    "sg_rules_level_id": (c_int, [POINTER(c_char_p), _rules_p, c_size_t]),
    "sg_rules_lint_count": (c_int, [_out_size, _rules_p]),
    "sg_rules_lint": (c_int, [POINTER(LintWarning), _rules_p, c_size_t]),
    "sg_rules_timescales": (c_int, [POINTER(Timescales), _rules_p]),
    "sg_calendar_new": (c_int, [_out_handle, c_char_p]),
    "sg_process_load_file": (c_int, [_out_handle, c_char_p, c_char_p]),
    "sg_process_load_buffer": (c_int, [_out_handle, c_char_p, c_size_t, c_char_p, c_char_p]),
    "sg_process_free": (None, [c_void_p]),
    "sg_process_nation": (c_int, [POINTER(c_char_p), c_void_p]),
    "sg_graph_calendar": (c_int, [_out_handle, _graph_p]),
    "sg_calendar_free": (None, [_calendar_p]),
    "sg_calendar_add_closure": (c_int, [_calendar_p, c_char_p]),
    "sg_calendar_is_working_day": (c_int, [POINTER(c_int), _calendar_p, c_char_p]),
    "sg_calendar_add_working_days": (c_int, [POINTER(_date_buffer), _calendar_p, c_char_p,
                                             c_int]),
    "sg_calendar_working_days_between": (c_int, [POINTER(c_int), _calendar_p, c_char_p,
                                                 c_char_p]),
    "sg_bank_holiday_count": (c_int, [_out_size, c_char_p, c_int]),
    "sg_bank_holiday": (c_int, [POINTER(_date_buffer), c_char_p, c_int, c_size_t]),
    "sg_date_add_months": (c_int, [POINTER(_date_buffer), c_char_p, c_int]),
    "sg_age": (c_int, [POINTER(c_int), POINTER(c_int), c_char_p, c_char_p]),
    "sg_assess": (c_int, [_out_handle, _graph_p, _rules_p, POINTER(AssessOptions)]),
    "sg_result_vocabulary_count": (c_int, [_out_size, _result_p]),
    "sg_result_vocabulary": (c_int, [POINTER(VocabularyFinding), _result_p, c_size_t]),
    "sg_result_vocabulary_id": (c_int, [POINTER(c_char_p), _result_p, c_size_t, c_size_t]),
    "sg_check_vocabulary": (c_int, [_graph_p, _rules_p]),
    "sg_result_free": (None, [_result_p]),
    "sg_result_child_count": (c_int, [_out_size, _result_p]),
    "sg_result_index_count": (c_int, [_out_size, _result_p]),
    "sg_result_find_child": (c_int, [_out_size, _result_p, c_char_p]),
    "sg_result_child": (c_int, [POINTER(ChildResult), _result_p, c_size_t]),
    "sg_result_index_score": (c_int, [POINTER(c_double), POINTER(c_int), _result_p, c_size_t,
                                      c_size_t]),
    "sg_result_scores": (c_int, [POINTER(POINTER(c_double)), _out_size, _out_size, _result_p]),
    "sg_result_levels": (c_int, [POINTER(POINTER(c_int)), _out_size, _result_p]),
    "sg_result_scores_for": (c_int, [POINTER(c_double), POINTER(c_int), POINTER(c_double),
                                     _result_p, c_size_t, c_size_t, POINTER(ExplainOptions)]),
    "sg_result_contribution_columns": (c_int, [_out_size, POINTER(ContributionColumns), _result_p,
                                               c_size_t, c_size_t, POINTER(ExplainOptions)]),
    "sg_result_step_columns": (c_int, [_out_size, POINTER(StepColumns), _result_p, c_size_t,
                                       c_size_t]),
    "sg_result_child_columns": (c_int, [POINTER(ChildColumns), _result_p, c_size_t, c_size_t]),
    "sg_result_contextual_for": (c_int, [POINTER(c_double), POINTER(c_double), _result_p,
                                         c_size_t, c_size_t, POINTER(ExplainOptions)]),
    "sg_result_place_scores_for": (c_int, [POINTER(c_double), POINTER(c_double), _result_p,
                                           c_size_t, POINTER(ExplainOptions)]),
    "sg_result_contextual_score": (c_int, [POINTER(c_double), _result_p, c_size_t, c_size_t]),
    "sg_result_contextual": (c_int, [POINTER(c_double), POINTER(c_int), _result_p, c_size_t]),
    "sg_result_contextual_policy": (c_int, [POINTER(c_char_p), _result_p]),
    "sg_result_contribution": (c_int, [POINTER(Contribution), _result_p, c_size_t, c_size_t]),
    "sg_result_override": (c_int, [POINTER(c_char_p), POINTER(c_char_p), _result_p, c_size_t,
                                   c_size_t]),
    "sg_result_adult_override_for": (c_int, [POINTER(c_char_p), POINTER(c_char_p),
                                             POINTER(c_int), _result_p, c_size_t, c_size_t,
                                             POINTER(ExplainOptions)]),
    "sg_result_override_for": (c_int, [POINTER(c_char_p), POINTER(c_char_p), POINTER(c_int),
                                       _result_p, c_size_t, c_size_t, POINTER(ExplainOptions)]),
    "sg_result_safety": (c_int, [POINTER(c_char_p), _out_size, _result_p, c_size_t,
                                 POINTER(ExplainOptions)]),
    "sg_result_safety_finding_for": (c_int, [POINTER(SafetyFinding), _result_p, c_size_t,
                                             c_size_t, POINTER(ExplainOptions)]),
    "sg_result_not_assessable": (c_int, [POINTER(c_char_p), POINTER(c_char_p), _result_p,
                                         c_size_t, c_size_t]),
    "sg_result_step_count": (c_int, [_out_size, _result_p, c_size_t]),
    "sg_result_step": (c_int, [POINTER(Step), _result_p, c_size_t, c_size_t]),
    "sg_result_timeline_issue_count": (c_int, [_out_size, _result_p, c_size_t]),
    "sg_result_timeline_issue": (c_int, [POINTER(c_char_p), POINTER(c_char_p), _result_p,
                                         c_size_t, c_size_t]),
    "sg_result_discretionary": (c_int, [POINTER(Discretionary), _result_p, c_size_t]),
    "sg_result_adult_discretionary": (c_int, [POINTER(Discretionary), _result_p, c_size_t,
                                              POINTER(ExplainOptions)]),
    "sg_result_adult_count": (c_int, [_out_size, _result_p]),
    "sg_result_adult": (c_int, [POINTER(AdultResult), _result_p, c_size_t]),
    "sg_result_find_adult": (c_int, [_out_size, _result_p, c_char_p]),
    "sg_result_adult_index_score": (c_int, [POINTER(c_double), POINTER(c_int), _result_p,
                                            c_size_t, c_size_t]),
    "sg_result_adult_contribution_for": (c_int, [POINTER(Contribution), _result_p, c_size_t,
                                                 c_size_t, POINTER(ExplainOptions)]),
    "sg_result_adult_explain": (c_int, [POINTER(c_void_p), _out_size, _result_p, c_size_t,
                                        POINTER(ExplainOptions)]),
    "sg_result_place_count": (c_int, [_out_size, _result_p]),
    "sg_result_place": (c_int, [POINTER(PlaceResult), _result_p, c_size_t]),
    "sg_result_find_place": (c_int, [_out_size, _result_p, c_char_p]),
    "sg_result_place_index_score": (c_int, [POINTER(c_double), _result_p, c_size_t, c_size_t]),
    "sg_result_place_contribution": (c_int, [POINTER(Contribution), _result_p, c_size_t,
                                             c_size_t]),
    "sg_result_place_explain": (c_int, [POINTER(c_void_p), _out_size, _result_p, c_size_t,
                                        POINTER(ExplainOptions)]),
    "sg_result_explain": (c_int, [POINTER(c_void_p), _out_size, _result_p, c_size_t,
                                  POINTER(ExplainOptions)]),
    "sg_training_pack": (c_int, [POINTER(c_void_p), _out_size, _rules_p,
                                 POINTER(TrainingOptions)]),
    "sg_result_joined": (c_int, [POINTER(c_void_p), _out_size, _result_p,
                                 POINTER(JoinedOptions)]),
    "sg_audit_new": (c_int, [_out_handle, c_char_p, c_size_t, c_char_p]),
    "sg_audit_free": (None, [c_void_p]),
    "sg_audit_set_groups": (c_int, [c_void_p, c_char_p, c_size_t, c_char_p]),
    "sg_audit_set_record_groups": (c_int, [c_void_p, _graph_p]),
    "sg_audit_set_record_groups_at": (c_int, [c_void_p, _record_p, c_char_p, ctypes.c_longlong]),
    "sg_audit_check_rules": (c_int, [c_void_p, _rules_p]),
    "sg_audit_run": (c_int, [POINTER(c_void_p), _out_size, c_void_p, _result_p,
                             POINTER(AuditOptions)]),
    "sg_result_audit_rows": (c_int, [POINTER(c_void_p), _out_size, _result_p]),
    "sg_audit_what_if": (c_int, [POINTER(c_void_p), _out_size, c_void_p, _result_p,
                                 POINTER(WhatIfOptions)]),
    "sg_audit_refit": (c_int, [POINTER(c_void_p), _out_size, c_void_p, _result_p,
                               POINTER(RefitOptions)]),
    "sg_audit_run_rows": (c_int, [POINTER(c_void_p), _out_size, c_void_p, _rules_p, c_char_p,
                                  c_size_t, POINTER(AuditOptions)]),
    "sg_render_report": (c_int, [POINTER(c_void_p), _out_size, _result_p, POINTER(c_char_p),
                                 c_size_t, POINTER(RenderOptions)]),
    "sg_render_family": (c_int, [POINTER(c_void_p), _out_size, _result_p, POINTER(c_char_p),
                                 c_size_t, POINTER(RenderOptions)]),
    "sg_render_ecomap": (c_int, [POINTER(c_void_p), _out_size, _result_p, c_size_t,
                                 POINTER(RenderOptions)]),
    "sg_render_timeline": (c_int, [POINTER(c_void_p), _out_size, _result_p, POINTER(c_char_p),
                                   c_size_t, POINTER(RenderOptions)]),
    "sg_result_contribution_for": (c_int, [POINTER(Contribution), _result_p, c_size_t, c_size_t,
                                           POINTER(ExplainOptions)]),
    "sg_result_place_contribution_for": (c_int, [POINTER(Contribution), _result_p, c_size_t,
                                                 c_size_t, POINTER(ExplainOptions)]),
    "sg_result_shown_count": (c_int, [_out_size, _result_p, c_size_t, POINTER(ExplainOptions)]),
    "sg_result_shown_contribution": (c_int, [POINTER(Contribution), _result_p, c_size_t,
                                             c_size_t, POINTER(ExplainOptions)]),
    "sg_record_new": (c_int, [_out_handle]),
    "sg_record_free": (None, [_record_p]),
    "sg_batch_upsert_person": (c_int, [_batch_p, POINTER(Person)]),
    "sg_batch_upsert_concern": (c_int, [_batch_p, POINTER(Concern)]),
    "sg_batch_upsert_factor": (c_int, [_batch_p, POINTER(Factor)]),
    "sg_batch_upsert_event": (c_int, [_batch_p, POINTER(Event)]),
    "sg_batch_upsert_override": (c_int, [_batch_p, POINTER(Override)]),
    "sg_batch_upsert_entry": (c_int, [_batch_p, POINTER(Entry)]),
    "sg_batch_upsert_entity": (c_int, [_batch_p, c_char_p, c_char_p, c_char_p, c_char_p]),
    "sg_batch_amend": (c_int, [_batch_p, c_char_p, c_char_p, c_char_p, c_char_p]),
    "sg_batch_amend_list": (c_int, [_batch_p, c_char_p, c_char_p, c_char_p, POINTER(c_char_p),
                                    c_size_t]),
    "sg_batch_end_relation": (c_int, [_batch_p, c_char_p, c_char_p, c_char_p, c_char_p]),
    "sg_batch_end_membership": (c_int, [_batch_p, c_char_p, c_char_p]),
    "sg_batch_end_factor": (c_int, [_batch_p, c_char_p, c_char_p]),
    "sg_batch_retract": (c_int, [_batch_p, c_char_p, c_char_p, c_char_p]),
    "sg_batch_erase": (c_int, [_batch_p, c_char_p, c_char_p]),
    "sg_record_apply": (c_int, [_out_revision, _record_p, _batch_p, POINTER(Provenance)]),
    "sg_record_import_buffer": (c_int, [_out_revision, _record_p, c_char_p, c_size_t, c_char_p,
                                        POINTER(Provenance)]),
    "sg_record_revision": (c_int, [_out_revision, _record_p]),
    "sg_record_assess": (c_int, [_out_handle, _record_p, _rules_p, POINTER(AssessOptions),
                                 ctypes.c_longlong]),
    "sg_record_export": (c_int, [POINTER(c_void_p), _out_size, _record_p, c_char_p,
                                 ctypes.c_longlong]),
    "sg_record_watch": (c_int, [_out_handle, _record_p, _rules_p, POINTER(AssessOptions)]),
    "sg_record_apply_changes": (c_int, [_out_handle, _out_revision, _record_p, _batch_p,
                                        POINTER(Provenance)]),
    "sg_record_get": (c_int, [POINTER(c_void_p), _out_size, _record_p, c_char_p,
                              ctypes.c_longlong]),
    "sg_record_history": (c_int, [POINTER(c_void_p), _out_size, _record_p, c_char_p]),
    "sg_record_changes": (c_int, [POINTER(c_void_p), _out_size, _record_p, ctypes.c_ulonglong,
                                  c_int]),
    "sg_record_trail": (c_int, [POINTER(c_void_p), _out_size, _record_p, c_char_p, c_int]),
    "sg_record_batch_trail": (c_int, [POINTER(c_void_p), _out_size, _record_p,
                                      ctypes.c_ulonglong, c_int]),
    "sg_rules_bundled_count": (c_int, [_out_size]),
    "sg_rules_bundled_name": (c_int, [POINTER(c_char_p), c_size_t]),
    "sg_rules_load_bundled": (c_int, [_out_handle, c_char_p, POINTER(Limits)]),
    "sg_rules_index": (c_int, [POINTER(IndexDef), _rules_p, c_size_t]),
    "sg_rules_index_threshold": (c_int, [POINTER(c_double), _rules_p, c_size_t, c_size_t]),
    "sg_rules_level": (c_int, [POINTER(LevelDef), _rules_p, c_size_t]),
    "sg_rules_rule": (c_int, [POINTER(RuleDef), _rules_p, c_size_t]),
    "sg_rules_rule_reach": (c_int, [POINTER(c_char_p), POINTER(c_double), _rules_p, c_size_t,
                                    c_size_t]),
    "sg_rules_override": (c_int, [POINTER(PolicyOverrideDef), _rules_p, c_size_t]),
    "sg_graph_copy": (c_int, [_out_handle, _graph_p]),
    "sg_graph_generate": (c_int, [_out_handle, POINTER(CaseloadOptions)]),
    "sg_error_last_detail": (POINTER(ErrorDetail), []),
    "sg_graph_load_file_progress": (c_int, [_graph_p, c_char_p, PROGRESS_FN, c_void_p]),
    "sg_graph_load_buffer_progress": (c_int, [_graph_p, c_char_p, c_size_t, c_char_p, PROGRESS_FN,
                                              c_void_p]),
    "sg_graph_save_file_progress": (c_int, [_graph_p, c_char_p, PROGRESS_FN, c_void_p]),
    "sg_assess_progress": (c_int, [_out_handle, _graph_p, _rules_p, POINTER(AssessOptions),
                                   PROGRESS_FN, c_void_p]),
    "sg_record_open": (c_int, [_out_handle, c_char_p, c_int]),
    "sg_record_open_progress": (c_int, [_out_handle, c_char_p, c_int, PROGRESS_FN, c_void_p]),
    "sg_record_apply_progress": (c_int, [_out_revision, _record_p, _batch_p, POINTER(Provenance),
                                         PROGRESS_FN, c_void_p]),
    "sg_record_import_buffer_progress": (c_int, [_out_revision, _record_p, c_char_p, c_size_t,
                                                 c_char_p, POINTER(Provenance), PROGRESS_FN,
                                                 c_void_p]),
    "sg_cin_load_file": (c_int, [_graph_p, c_char_p, c_int]),
    "sg_cin_read_file": (c_int, [POINTER(c_void_p), _out_size, c_char_p, c_int]),
    "sg_cin_measures_file": (c_int, [POINTER(c_void_p), _out_size, c_char_p]),
    "sg_cin_write": (c_int, [POINTER(c_void_p), _out_size, _graph_p, POINTER(CinWriteOptions)]),
}


# ---- Discovery ------------------------------------------------------------------------------


def _candidates_in(directory: typing.Union[str, Path]) -> typing.List[Path]:
    return [Path(directory) / name for name in _FILE_NAMES]


def _installed_location() -> typing.List[Path]:
    """The library installed with this package: bundled into it by pip, or beside it by
    `cmake --install` (see _install.py)."""
    try:
        # Written only by an install (cmake --install, or pip with the library bundled).
        install = importlib.import_module("._install", __package__)
    except ImportError:
        return []
    package = Path(__file__).resolve().parent
    return [Path(os.path.normpath(package / str(install.LIBRARY_RELATIVE_PATH)))]


def _build_tree_location() -> typing.List[Path]:
    """The library of a source checkout built with scripts/build.sh (./build)."""
    package = Path(__file__).resolve().parent
    root = package.parent.parent.parent  # bindings/python/safeguard -> repository root
    if not (root / "include" / "safeguard.h").is_file():
        return []
    return _candidates_in(root / "build")


def candidate_paths() -> typing.List[Path]:
    """Where the library is looked for, in order (the environment variable is handled apart)."""
    return _installed_location() + _build_tree_location()


def _from_environment(value: str) -> Path:
    path = Path(value)
    if path.is_dir():
        for candidate in _candidates_in(path):
            if candidate.is_file():
                return candidate
        raise LibraryError("%s=%s is a directory without a safeguard library in it"
                           % (LIBRARY_ENV, value))
    if not path.is_file():
        raise LibraryError("%s=%s names no file" % (LIBRARY_ENV, value))
    return path


def find_library() -> str:
    """Returns the path (or soname) of the library to load, or raises LibraryError."""
    value = os.environ.get(LIBRARY_ENV)
    if value:
        return str(_from_environment(value))
    tried = candidate_paths()
    for path in tried:
        if path.is_file():
            return str(path)
    system = ctypes.util.find_library("safeguard")
    if system:
        return system
    raise LibraryError(
        "cannot find the safeguard shared library; tried %s and the system library path. "
        "Build it (bash scripts/build.sh), install it (cmake --install build), or set %s to "
        "its path." % (", ".join(str(p) for p in tried) or "nothing", LIBRARY_ENV))


def _declare(lib: ctypes.CDLL) -> None:
    for name, (restype, argtypes) in _FUNCTIONS.items():
        try:
            function = getattr(lib, name)
        except AttributeError:
            raise LibraryError("the safeguard library lacks %s; it is older than this package"
                               % name) from None
        function.restype = restype
        function.argtypes = argtypes


class Library(ctypes.CDLL):
    """The loaded library, with the path it was loaded from."""

    _safeguard_path: str


def load(path: typing.Optional[str] = None) -> Library:
    """Loads the library (found as find_library() says unless a path is given) and checks that
    its major and minor version match this package's."""
    path = path or find_library()
    try:
        lib = Library(path)
    except OSError as error:
        raise LibraryError("cannot load the safeguard library %s: %s" % (path, error)) from None
    try:
        number = lib.sg_version_number
    except AttributeError:
        raise LibraryError("%s is not a safeguard library (no sg_version_number)" % path) from None
    number.restype = c_int
    number.argtypes = []
    found = number()
    major, minor = found // 10000, found // 100 % 100
    if (major, minor) != (_version.VERSION_MAJOR, _version.VERSION_MINOR):
        raise LibraryError(
            "the safeguard library %s is version %d.%d.%d but this package needs %d.%d.x"
            % (path, major, minor, found % 100, _version.VERSION_MAJOR, _version.VERSION_MINOR))
    _declare(lib)
    lib._safeguard_path = path
    return lib


lib = load()
