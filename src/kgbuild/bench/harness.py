"""The benchmark: build the real data and each synthetic scale end to end, then compare engines.

For every scale, in fresh processes: `kgbuild build` as a user runs it (Python start included),
the build's own stages with their peak memory, and the side-by-side stages of the build's engines
and of the straightforward rdflib + pyshacl path. The rdflib path is skipped where its estimate
(the previous scale's time times the growth in triples) exceeds a budget; the table says so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .memory import PeakPss, waited
from .probe import Measure, Result
from .synth import write_project

REAL = 0  # the scale label of the bundled data
UNMEASURED_LIMIT = 300_000  # triples; above this the rdflib path runs only with an estimate


@dataclass
class Run:
    label: str
    triples: int = 0
    whole: Measure = field(default_factory=dict)  # kgbuild build: seconds, peak_mb
    rebuild: Measure = field(default_factory=dict)  # the same build again over its own output
    pss: Measure = field(default_factory=dict)  # again, peak_mb the PSS of all its processes
    build: dict[str, Measure] = field(default_factory=dict)  # stage -> {seconds, peak_mb}
    engines: dict[str, Result] = field(default_factory=dict)  # engine -> probe result, or
    # {"skipped": why}
    peers: list[Result] = field(default_factory=list)  # validation of the dump, per engine
    load: Result = field(default_factory=dict)  # `kgbuild load` beside `oxigraph load` (load.py)
    endpoint: Result = field(default_factory=dict)  # the endpoint under clients (endpoint.py)


@dataclass(frozen=True)
class Options:
    repo: Path
    work: Path
    scales: tuple[int, ...] = (1, 10, 100)
    rdflib_budget: float = 600.0  # seconds; skip the rdflib path where it would take longer
    real: bool = True
    peers: bool = True  # validate the dump with Jena and pyshacl too, where installed
    peer_budget: float = 600.0  # seconds; a peer is stopped, or skipped by estimate, beyond it
    store: bool = True  # load each synthetic dump into Oxigraph; the endpoint on the real data
    clients: int = 10  # clients at once on the endpoint


def child_env(repo: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(repo / "src"), env.get("PYTHONPATH", "")])
    )
    return env


def timed_child(args: list[str], env: dict[str, str], pss: bool = False) -> Measure:
    """Run a Python child; its wall time and peak memory: ru_maxrss of that child alone, or
    with `pss` the highest PSS summed over it and its descendants (sampled, memory.PeakPss)."""
    with tempfile.TemporaryFile() as err:  # a file: a pipe read only at the end could fill
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, *args], env=env, stdout=subprocess.DEVNULL, stderr=err
        )
        with PeakPss(proc.pid) if pss else nullcontext() as sampled:
            code, peak = waited(proc)
        seconds = time.perf_counter() - start
        peak = sampled.peak if sampled else peak
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    if code:
        raise RuntimeError(f"{' '.join(args[:3])} failed ({code}): {stderr[-2000:]}")
    return {"seconds": seconds, "peak_mb": peak}


def probe(args: list[str], env: dict[str, str], result: Path) -> Result:
    timed_child(["-m", "kgbuild.bench.probe", *args, str(result)], env)
    found: Result = json.loads(result.read_text(encoding="utf-8"))
    return found


def project_root(opts: Options, scale: int) -> Path:
    """The project a scale builds: the repository itself for the bundled data, else a synthetic
    project written anew in every run, so that it holds the repository's ontology, shapes and
    queries of now and the generator's data of now, never those of an earlier run."""
    if scale == REAL:
        return opts.repo
    root = opts.work / f"scale-{scale}"
    if root.exists():
        shutil.rmtree(root)
    write_project(root, scale, opts.repo)
    return root


def measure(opts: Options, scale: int, previous: Run | None) -> Run:
    env, root = child_env(opts.repo), project_root(opts, scale)
    here = opts.work / f"out-{scale}"
    run = Run("real" if scale == REAL else f"{scale}x")
    whole = ["-m", "kgbuild.cli", "build", "-q", "--root", str(root), "--out", str(here / "whole")]
    run.whole = timed_child([*whole, "--timings", str(here / "build.json")], env)
    built = json.loads((here / "build.json").read_text(encoding="utf-8"))
    run.triples, run.build = built["triples"], built["stages"]  # the stages of that first build
    run.rebuild = timed_child(whole, env)
    run.pss = timed_child(whole, env, pss=True)
    run.engines["fast"] = probe(
        ["engine", "fast", str(root), str(here / "fast")], env, here / "fast.json"
    )
    if opts.peers:
        run.peers = validate_peers(opts, root, here, env, previous, run.triples)
    if opts.store:
        run.load, run.endpoint = store_rows(opts, scale, root, here, env)
    why = rdflib_skip(previous, run.triples, opts.rdflib_budget)
    run.engines["rdflib"] = (
        {"skipped": why}
        if why
        else probe(["engine", "rdflib", str(root), str(here / "rdflib")], env, here / "rdflib.json")
    )
    return run


def validate_peers(
    opts: Options,
    root: Path,
    here: Path,
    env: dict[str, str],
    previous: Run | None,
    triples: int,
) -> list[Result]:
    """The build's N-Triples dump validated by each engine, as whole processes (peers.py);
    a peer whose estimate from the previous scale exceeds the budget is skipped."""
    from .peers import compare

    dump = here / "whole" / "download" / "latest" / "cultuurregios.nt"
    skip = []
    for row in previous.peers if previous else []:
        if "seconds" in row and not row["name"].startswith("kgbuild"):
            estimate = row["seconds"] * triples / max(previous.triples if previous else 1, 1)
            if estimate > opts.peer_budget or "stopped" in row:
                skip.append(row["name"])
    return compare(root, dump, here / "peers", env, sys.executable, opts.peer_budget, tuple(skip))


def store_rows(
    opts: Options, scale: int, root: Path, here: Path, env: dict[str, str]
) -> tuple[Result, Result]:
    """`kgbuild load` of a synthetic scale's dump beside `oxigraph load` (load.py), and the
    endpoint under `opts.clients` clients on the real data (endpoint.py), in this run."""
    from . import load
    from .endpoint import measure_endpoint

    if scale == REAL:
        found = measure_endpoint(here / "whole", root / "queries", opts.clients, env=env)
        return {}, asdict(found)
    try:
        times = load.measure(here / "whole" / load.DUMP_IN_DIST, here)
    except load.NotInstalled as e:
        return {"skipped": str(e)}, {}
    return {**asdict(times), "ratio": times.ratio}, {}


def rdflib_skip(previous: Run | None, triples: int, budget: float) -> str:
    """Why the rdflib path is not run at this size, or '' to run it."""
    before = previous.engines.get("rdflib") if previous else None
    if previous is None or not before or "stages" not in before:
        if triples > UNMEASURED_LIMIT:
            return (
                f"no smaller scale measured in this run to estimate from, and above "
                f"{UNMEASURED_LIMIT} triples it takes tens of minutes"
            )
        return ""
    spent = sum(s["seconds"] for s in before["stages"].values())
    estimate = spent * triples / max(previous.triples, 1)
    if estimate <= budget:
        return ""
    return (
        f"estimated {estimate:.0f} s from {previous.label} ({spent:.0f} s for "
        f"{previous.triples} triples), over the {budget:.0f} s budget"
    )


def run_all(opts: Options, progress: Callable[[str], None] = lambda _: None) -> list[Run]:
    opts.work.mkdir(parents=True, exist_ok=True)
    runs: list[Run] = []
    scales = ((REAL,) if opts.real else ()) + tuple(opts.scales)
    for scale in scales:
        progress(f"scale {'real' if scale == REAL else f'{scale}x'} ...")
        previous = next((r for r in reversed(runs) if r.label != "real"), None)
        runs.append(measure(opts, scale, previous if scale != REAL else None))
        progress(
            f"scale {runs[-1].label}: {runs[-1].triples} triples, {runs[-1].whole['seconds']:.1f} s"
        )
    return runs
