"""One measurement in a fresh process, so each has its own peak memory; results go to a JSON file.

    python -m kgbuild.bench.probe engine fast|rdflib ROOT WORK RESULT.json
    python -m kgbuild.bench.probe validate shapes|all ROOT DUMP.nt RESULT.json

Peak memory is the process's high-water mark (ru_maxrss) at the end of each stage, so it only
grows from stage to stage: a stage's figure is the peak of everything up to and including it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from ..build import peak_mb

Measure = dict[str, float]  # a stage's seconds and peak MB (and size, where it has one)
Result = dict[str, Any]  # what a probe writes as JSON: stages, totals, per-query figures


def measure_engine(name: str, root: Path, work: Path) -> Result:
    from .engines import ENGINES, context

    start = time.perf_counter()
    ctx = context(root, work)
    stages: dict[str, Measure] = {
        "read+map": {"seconds": time.perf_counter() - start, "peak_mb": peak_mb()}
    }
    for stage, fn in ENGINES[name]:
        start = time.perf_counter()
        size = fn(ctx)
        stages[stage] = {"seconds": time.perf_counter() - start, "peak_mb": peak_mb(), "size": size}
    return {
        "stages": stages,
        "per_query": ctx.per_query,
        "failed": ctx.failed,
        "triples": len(ctx.graph.triples),
        "peak_mb": peak_mb(),
    }


def measure_validation(what: str, root: Path, dump: Path) -> Result:
    """What a user of `kgbuild validate` on a dump pays, as a peer's command does: the
    N-Triples dump loaded into an embedded store, then the shapes (what = "shapes") or the
    shapes and the *-violation.rq queries (what = "all")."""
    import pyoxigraph

    from ..read.sources import read_rdf_dir
    from ..validate.graph import read_violation_queries, run_violation_queries, shape_findings

    start = time.perf_counter()
    store = pyoxigraph.Store()
    store.load(path=str(dump), format=pyoxigraph.RdfFormat.N_TRIPLES)
    loaded = time.perf_counter()
    findings = shape_findings(store, read_rdf_dir(root / "shapes", root), {})
    checked = time.perf_counter()
    queries = read_violation_queries(root / "shapes", root) if what == "all" else {}
    findings += run_violation_queries(store, queries, {})
    return {
        "stages": {
            "load": {"seconds": loaded - start},
            "shapes": {"seconds": checked - loaded},
            "violation queries": {"seconds": time.perf_counter() - checked},
        },
        "findings": len(findings),  # no count of the store's triples: it reads them all
        "peak_mb": peak_mb(),
    }


def main(argv: list[str]) -> int:
    if argv[0] == "validate":
        result = measure_validation(argv[1], Path(argv[2]), Path(argv[3]))
    else:
        result = measure_engine(argv[1], Path(argv[2]), Path(argv[3]))
    Path(argv[-1]).write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
