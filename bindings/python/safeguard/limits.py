"""Bounds on what a graph or rule pack accepts (sg_limits), so hostile or broken input cannot
exhaust the host. A field left 0 keeps the library default (docs/limits.md)."""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 0  # one case file [8 GiB]
    max_depth: int = 0  # JSON nesting in a case file [32]
    max_string_bytes: int = 0  # one JSON string [64 KiB]
    max_id_bytes: int = 0  # one entity id [256]
    max_text_bytes: int = 0  # one name or summary [64 KiB]
    max_entities: int = 0  # entities in one graph [50,000,000]
    max_list_items: int = 0  # about, involves, protects or flags of one entity [10,000]
    max_pack_bytes: int = 0  # one rule pack [4 MiB]
    max_rules: int = 0  # rules in one pack [10,000]
    max_overrides: int = 0  # policy overrides in one pack [10,000]
    max_levels: int = 0  # levels in one pack [32]
    max_indices: int = 0  # indices in one pack [256]
    max_expression_length: int = 0  # bytes in one rule expression [4096]
    max_expression_depth: int = 0  # nesting in one rule expression [48]
