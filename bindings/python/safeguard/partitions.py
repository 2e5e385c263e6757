"""The audit over many caseloads (many authorities) as partitions on Dask (Debian: python3-dask,
python3-distributed); docs/audit.md, "Many authorities".

Each partition is a case file (one authority's caseload, say) that a Dask worker loads and
assesses on its own; the worker returns the library's rows file for it (sg_result_audit_rows:
per child its id, level, total and index scores, numbers written to read back exactly). The rows
are gathered in partition order and audited together by the library (sg_audit_run_rows), which
takes children in id order, so the report is the same bytes as safeguard.audit() on one result
holding every partition's children, whatever worker ran what.

By default the partitions run on a distributed.LocalCluster made for the call: workers in this
process (processes=False, so nothing is pickled across processes and it fits two cores),
talking TCP on loopback (127.0.0.1) only, no dashboard. Pass `scheduler` ("tcp://127.0.0.1:8786", say) to use
a running cluster; its workers need this package and the library, the case files at the same
paths, and the rule pack by bundled name or a path they can read.
"""

import datetime
import importlib
import os
import typing

from ._core import DateLike
from .audit import Audit, GroupsArg, OutcomesArg, run_rows
from .errors import InvalidArgumentError

PathLike = typing.Union[str, "os.PathLike[str]"]


def assess_rows(case_path: str, rules: str, as_of: str, threads: int = 1) -> str:
    """One partition: the case file assessed with `rules` (a bundled pack name or a TOML path)
    as of `as_of`, as the library's rows file. What each Dask task runs."""
    from .graph import Graph
    from .result import assess
    from .rules import RuleSet
    from .audit import result_rows

    with Graph.from_file(case_path) as graph, RuleSet.load(rules) as pack:
        result = assess(graph, pack, as_of=datetime.date.fromisoformat(as_of), threads=threads)
        with result:
            return result_rows(result)


def audit_partitions(partitions: typing.Sequence[PathLike], outcomes: OutcomesArg,
                     groups: GroupsArg, *, rules: str = "default", as_of: DateLike,
                     scheduler: typing.Optional[str] = None, horizon: str = "", seed: int = 1,
                     bootstrap: int = 1000, min_events: int = 10, min_count: int = 30,
                     band: typing.Tuple[float, float] = (0.8, 1.25),
                     reference: typing.Optional[typing.Mapping[str, str]] = None,
                     suppress_below: int = 5) -> Audit:
    """Assesses each case file of `partitions` on Dask and audits them together against the
    outcomes and group attributes (as safeguard.audit; they cover every partition's children).
    `rules` is a bundled pack name or a path every worker can read."""
    try:
        # Imported by name so mypy --strict takes it as Any: distributed is only partly typed.
        distributed: typing.Any = importlib.import_module("distributed")
    except ImportError:
        raise ImportError("audit_partitions needs dask and distributed (Debian: apt-get install "
                          "python3-dask python3-distributed)") from None
    if isinstance(as_of, datetime.datetime):
        as_of = as_of.date()
    if not isinstance(as_of, datetime.date):
        as_of = datetime.date.fromisoformat(str(as_of))
    paths = [os.path.abspath(os.fspath(p)) for p in partitions]
    if not paths:
        raise InvalidArgumentError("no partitions")
    rules_spec = os.path.abspath(rules) if os.path.exists(rules) else rules
    cluster = None
    if scheduler is None:
        cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                           protocol="tcp://", host="127.0.0.1",
                                           dashboard_address=None)
        client = distributed.Client(cluster)
    else:
        client = distributed.Client(scheduler)
    try:
        futures = [client.submit(assess_rows, path, rules_spec, as_of.isoformat(), pure=False,
                                 key="safeguard-partition-%d" % number)
                   for number, path in enumerate(paths)]
        # gather returns the results in the order of `futures`: partition order.
        texts: typing.List[str] = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return run_rows("".join(texts), rules_spec, outcomes, groups, horizon=horizon, seed=seed,
                    bootstrap=bootstrap, min_events=min_events, min_count=min_count, band=band,
                    reference=reference, suppress_below=suppress_below)
