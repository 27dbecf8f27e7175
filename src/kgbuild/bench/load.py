"""How `kgbuild load` of a dump compares with `oxigraph load` of the same dump.

`measure(dump)` times, each in fresh processes on 127.0.0.1 and stopped afterwards:
  - `oxigraph load --location NEW --file DUMP --graph GRAPH`: Oxigraph's own bulk load into a
    fresh location, no server, no check;
  - `kgbuild load` of the same dump into a fresh running Oxigraph server (`oxigraph serve`):
    the whole command as a user runs it (Python start, upload, the store's work, the check that
    the store holds exactly the dump).
Each is timed by its wall time; the peak memory is each process's own ru_maxrss (for
`kgbuild load`: the loading process and the server, apart). The ratio is kgbuild over oxigraph.

`python -m kgbuild.bench.load DUMP [--runs N] [--src DIR ...]` prints a table; with --src the
kgbuild side runs with each given source folder first on PYTHONPATH, alternating run by run,
so that an old and a new loader are measured side by side.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .memory import waited

GRAPH = "https://w3id.org/cultuurregio/graph"
DUMP_IN_DIST = Path("download") / "latest" / "cultuurregios.nt"
CHILD = (
    "import sys\n"
    "from pathlib import Path\n"
    "from kgbuild.load import Target, load\n"
    "base, graph, dist = sys.argv[1:4]\n"
    "t = Target(base + '/store', base + '/query', graph, timeout=3600, deadline=7200)\n"
    "print(load(t, Path(dist)))\n"
)


@dataclass(frozen=True)
class LoadTimes:
    """One side-by-side run: seconds and peak memory (MB) of each side."""

    triples: int  # as `kgbuild load` reports them
    oxigraph_seconds: float  # `oxigraph load` into a fresh location
    oxigraph_peak_mb: float
    kgbuild_seconds: float  # `kgbuild load` into a fresh server, the check included
    kgbuild_peak_mb: float  # the kgbuild process
    server_peak_mb: float  # the Oxigraph server it loaded into

    @property
    def ratio(self) -> float:
        return self.kgbuild_seconds / self.oxigraph_seconds


class NotInstalled(RuntimeError):
    """The Oxigraph server is not on this machine."""


def oxigraph_binary() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(found).exists():
        raise NotInstalled("the oxigraph server is not installed (pip install oxigraph)")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def time_oxigraph_load(dump: Path, location: Path, graph: str = GRAPH) -> tuple[float, float]:
    """`oxigraph load` of the dump into a fresh location: seconds and peak MB. Its messages go
    to a file, not a pipe that nobody reads while it runs."""
    args = [oxigraph_binary(), "load", "--location", str(location), "--file", str(dump)]
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([*args, "--graph", graph], stdout=subprocess.DEVNULL, stderr=err)
        code, peak = waited(proc)
        seconds = time.perf_counter() - start
        if code:
            err.seek(0)
            said = err.read().decode(errors="replace")
            raise RuntimeError(f"oxigraph load failed ({code}): {said[-2000:]}")
    return seconds, peak


@contextlib.contextmanager
def server(location: Path) -> Iterator[tuple[str, list[float]]]:
    """A fresh Oxigraph server on 127.0.0.1; yields its base URL and a list that holds its
    peak MB once it is stopped."""
    port = free_port()
    proc = subprocess.Popen(
        [oxigraph_binary(), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base, peak = f"http://127.0.0.1:{port}", list[float]()
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=5):
                    break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("the oxigraph server did not start") from None
                time.sleep(0.1)
        yield base, peak
    finally:
        proc.terminate()
        try:
            peak.append(waited(proc)[1])
        except ChildProcessError:
            pass


def time_kgbuild_load(
    dump: Path, work: Path, graph: str = GRAPH, src: Path | None = None
) -> tuple[int, float, float, float]:
    """`kgbuild load` of the dump into a fresh Oxigraph server below work: triples, seconds,
    peak MB of the loader and of the server. With src, that source folder is first on the
    loader's PYTHONPATH."""
    dist = work / "dist"
    (dist / DUMP_IN_DIST).parent.mkdir(parents=True)
    try:
        os.link(dump, dist / DUMP_IN_DIST)
    except OSError:  # another file system
        shutil.copy(dump, dist / DUMP_IN_DIST)
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    out, err = work / "stdout", work / "stderr"
    with server(work / "store") as (base, server_peak), out.open("wb") as o, err.open("wb") as e:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, base, graph, str(dist)], env=env, stdout=o, stderr=e
        )
        code, peak = waited(proc)
        seconds = time.perf_counter() - start
    if code:
        raise RuntimeError(f"kgbuild load failed ({code}): {err.read_text()[-2000:]}")
    return int(out.read_text().split()[-1]), seconds, peak, server_peak[0] if server_peak else 0.0


def measure(
    dump: Path, work: Path | None = None, graph: str = GRAPH, src: Path | None = None
) -> LoadTimes:
    """Time `oxigraph load` and `kgbuild load` of one N-Triples dump, once each, in fresh
    stores below work (a temporary folder if None; removed afterwards)."""
    with tempfile.TemporaryDirectory(dir=work, prefix="loadbench-") as tmp:
        here = Path(tmp)
        ox_seconds, ox_peak = time_oxigraph_load(dump, here / "oxigraph", graph)
        shutil.rmtree(here / "oxigraph")
        triples, kg_seconds, kg_peak, server_peak = time_kgbuild_load(
            dump, here / "kgbuild", graph, src
        )
    return LoadTimes(triples, ox_seconds, ox_peak, kg_seconds, kg_peak, server_peak)


def table(rows: list[tuple[str, list[LoadTimes]]]) -> str:
    """Medians per label: a Markdown table."""
    lines = [
        (
            "| loader | runs | triples | oxigraph load s | kgbuild load s | ratio | "
            "oxigraph MB | kgbuild MB | server MB |"
        ),
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, runs in rows:

        def med(values: list[float]) -> float:
            return statistics.median(values)

        lines.append(
            f"| {label} | {len(runs)} | {runs[0].triples} "
            f"| {med([r.oxigraph_seconds for r in runs]):.2f} "
            f"| {med([r.kgbuild_seconds for r in runs]):.2f} "
            f"| ×{med([r.ratio for r in runs]):.2f} "
            f"| {med([r.oxigraph_peak_mb for r in runs]):.0f} "
            f"| {med([r.kgbuild_peak_mb for r in runs]):.0f} "
            f"| {med([r.server_peak_mb for r in runs]):.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kgbuild.bench.load", description=__doc__)
    parser.add_argument("dump", type=Path, help="an N-Triples dump")
    parser.add_argument("--runs", type=int, default=1, help="runs per loader (default 1)")
    parser.add_argument("--work", type=Path, help="folder for the stores (default: a temporary)")
    parser.add_argument(
        "--src", type=Path, action="append", help="a kgbuild source folder to time (repeatable)"
    )
    parser.add_argument("--graph", default=GRAPH, help="the graph to load into")
    args = parser.parse_args(argv)
    sources: list[Path | None] = list(args.src) if args.src else [None]
    results: dict[int, list[LoadTimes]] = {i: [] for i in range(len(sources))}
    for run in range(args.runs):
        for i, src in enumerate(sources):
            found = measure(args.dump, args.work, args.graph, src)
            results[i].append(found)
            print(
                f"run {run + 1} {src or 'kgbuild'}: oxigraph {found.oxigraph_seconds:.2f} s, "
                f"kgbuild {found.kgbuild_seconds:.2f} s (×{found.ratio:.2f})",
                file=sys.stderr,
                flush=True,
            )
    print(table([(str(src or "kgbuild"), results[i]) for i, src in enumerate(sources)]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
