"""The pipeline: read -> map -> derive -> validate -> emit, then swap the new output tree into place."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import pyoxigraph
from pyoxigraph import NamedNode, Triple

from .derive import derive
from .emit.dumps import Written, canonical, emit_release, serialize, write_dumps
from .emit.pages.queries import query_files
from .emit.site import publish_site
from .emit.tree import NewTree, locked, new_tree, output_folder, recover
from .mapping import map_data
from .model.base import Base
from .model.errors import InputError, Loc, NotConforming
from .model.formats import BY_NAME
from .model.memstore import add, store_of
from .model.paths import document_problems
from .model.release import Release
from .model.terms import DEFAULT_BASE
from .queries import read_queries
from .read.release import read_release
from .read.sources import MAP_FILE, Data, read_data, read_geojson, read_rdf_dir
from .runtime.parallel import available_cores, in_background
from .validate.graph import Report, read_violation_queries, report_triples, validate
from .validate.manifest import MANIFEST, check_manifest, record, remove_temporaries
from .validate.shapes import check_shapes

Progress = Callable[[str], None]

P = ParamSpec("P")
R = TypeVar("R")

PROJECT_CACHE = Path("build/cache")  # under the project: what `kgbuild build` keeps between builds


@dataclass(frozen=True)
class Config:
    """What a build is told: the project, the base it publishes under (the graph is under the
    default base whatever it is, see model/base.py), where the site goes; how many processes may
    work at once (`jobs`: the pages' workers, and validation beside the build from two on); and
    the folder where it may keep what it found out for the next build (`cache`; None: nothing is
    kept)."""

    root: Path
    base: str = DEFAULT_BASE
    out: Path | None = None
    jobs: int = field(default_factory=available_cores)
    cache: Path | None = None

    @property
    def dist(self) -> Path:
        return self.out or self.root / "dist"

    @property
    def publish_base(self) -> Base:
        return Base(self.base)


@dataclass
class Graph:
    """What read + map produce: the data, the sorted triples and where each node came from,
    and the same triples in an embedded store, loaded once for derive, validation and the
    query results."""

    data: Data
    triples: list[Triple]
    origins: dict[str, Loc]
    release: Release
    store: pyoxigraph.Store
    timings: dict[str, float] = field(default_factory=dict)
    features: list[dict[str, Any]] | None = None  # the gemeenten of the maps (GeoJSON)


def _quiet(_: str) -> None:
    pass


class _Timer:
    def __init__(self, progress: Progress, timings: dict[str, float]):
        self.progress, self.timings = progress, timings

    def __call__(self, stage: str, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        self.progress(f"{stage} ...")
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        self.timings[stage] = time.perf_counter() - start
        self.progress(f"{stage}: {self.timings[stage]:.2f} s")
        return result


def peak_mb() -> float:
    """This process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class StageLog:
    """A Progress that passes every message on and notes this process's peak memory as each
    stage reports its time ("name: 1.23 s"): with the build's own timings, where its time and
    memory went (`kgbuild build --timings`)."""

    def __init__(self, say: Progress = _quiet):
        self.say = say
        self.peaks: dict[str, float] = {}

    def __call__(self, message: str) -> None:
        name, _, rest = message.rpartition(": ")
        if name and rest.endswith(" s"):
            self.peaks[name] = peak_mb()
        self.say(message)

    def report(self, graph: Graph) -> dict[str, Any]:
        """Each stage's seconds and the peak MB at its end, in the order the stages ended; the
        triples built and the peak MB of the whole."""
        end = peak_mb()
        order = list(dict.fromkeys([*self.peaks, *graph.timings]))
        return {
            "stages": {
                name: {"seconds": graph.timings[name], "peak_mb": self.peaks.get(name, end)}
                for name in order
                if name in graph.timings
            },
            "triples": len(graph.triples),
            "peak_mb": end,
        }


def load_graph(config: Config, progress: Progress = _quiet) -> Graph:
    """Read and map: the whole graph (ontology, code lists and data) with its origins."""
    timings: dict[str, float] = {}
    timed = _Timer(progress, timings)
    root = config.root
    release = read_release(root, config.publish_base)
    data = timed("read data", read_data, root / "data", root)
    ontology = timed("read ontology", read_rdf_dir, root / "ontology", root)
    features = timed("read map", read_geojson, root / MAP_FILE, root)
    mapped = timed("map", map_data, data)
    store = timed("load store", store_of, mapped.triples)
    derived = timed("derive", derive, mapped, store)
    added = list(derived.triples) + ontology
    origins = {**mapped.origins, **derived.origins}
    # the store's inserts let go of the GIL: the added triples go in on a thread while the
    # graph is sorted and its paths checked ("complete store" is the wait for them)
    with ThreadPoolExecutor(1) as pool:
        completing = pool.submit(add, store, added)
        # the union keeps the hashes of the mapped triples' set: only the added ones are hashed
        triples = timed("sort", lambda: canonical(mapped.triples.union(added)))
        problems = timed(
            "check paths",
            document_problems,
            (subject.value for t in triples if isinstance(subject := t.subject, NamedNode)),
            origins,
            DEFAULT_BASE,
        )
        timed("complete store", completing.result)
    if problems:
        raise InputError(problems)
    return Graph(data, triples, origins, release, store, timings, features)


def check(graph: Graph, config: Config, progress: Progress = _quiet) -> Report:
    return start_check(graph, replace(config, jobs=1), progress)()


class UnsoundShapes(InputError):
    """Shapes that SHACL does not allow, found beside the dumps (validate.shapes.check_shapes)."""


def start_check(
    graph: Graph,
    config: Config,
    progress: Progress = _quiet,
) -> Callable[[], Report]:
    """Read the shapes (their syntax errors are raised here), then, in a forked process that
    has no network (sandbox.no_network), check the shapes against SHACL, check the violation
    queries and validate: shapes and queries may hold SPARQL, and SERVICE in it would reach
    out. The shapes' check is there, beside the dumps and query results, rather than before
    them: with no marker of shapes found sound (a fresh clone) it takes seconds. The function
    returned waits for the report, or raises UnsoundShapes, or the violation queries' errors."""
    timed = _Timer(progress, graph.timings)
    root = config.root
    shapes = timed("read shapes", read_rdf_dir, root / "shapes", root)
    store = graph.store

    def validated() -> tuple[Report | InputError, float, float]:
        start = time.perf_counter()
        try:
            check_shapes(root / "shapes", root, config.cache)
        except InputError as e:  # returned, not raised, so the caller knows it from the others
            return e, time.perf_counter() - start, 0.0
        checked = time.perf_counter()
        queries = read_violation_queries(root / "shapes", root)  # checking one runs it
        report = validate(graph.triples, shapes, queries, graph.origins, store)
        return report, checked - start, time.perf_counter() - checked

    progress("check shapes, validate ...")
    wait = in_background(validated, config.jobs, sandboxed=True)

    def report() -> Report:
        result, graph.timings["check shapes"], graph.timings["validate"] = wait()
        if isinstance(result, InputError):
            raise UnsoundShapes(result.problems)
        progress(f"check shapes: {graph.timings['check shapes']:.2f} s")
        progress(f"validate: {graph.timings['validate']:.2f} s")
        return result

    return report


def published_before(config: Config) -> bool:
    """A site was built here before: the output folder, or the project's dist/, holds one."""
    return any((folder / "download").is_dir() for folder in (config.dist, config.root / "dist"))


def build(
    config: Config, progress: Progress = _quiet, wait: float | None = None
) -> tuple[Graph, Report]:
    """Build into a new tree and swap it in; on any failure the old output stays as it was.

    One build at a time per project and per output folder: another one is waited for, at most
    `wait` seconds (None: as long as it takes). What builds killed before left is cleaned up
    first. The dumps and the query results are made while the graph is validated in another
    process; nothing of them is swapped in unless it conforms. The URI manifest is written
    before the new tree is swapped in."""
    dist = output_folder(config.dist)
    with locked(
        [config.root, dist.parent],
        wait,
        lambda folder: progress(f"waiting for the other build in {folder} ..."),
    ):
        recover(dist)
        remove_temporaries(config.root)
        graph = load_graph(config, progress)
        timed = _Timer(progress, graph.timings)
        uris = timed(
            "check URIs",
            check_manifest,
            graph.data,
            graph.triples,
            config.root,
            published_before(config),
        )
        specs = timed("read queries", read_queries, config.root / "queries", config.root)
        validated = start_check(graph, config, progress)
        with new_tree(dist) as tree:
            try:
                dumps = timed(
                    "dumps",
                    write_dumps,
                    graph.triples,
                    graph.release.base,
                    into_downloads(tree, graph.release.version),
                )
                timed(
                    "queries",
                    lambda: tree.write(
                        query_files(graph.triples, specs, graph.release, graph.store).items()
                    ),
                )
            except BaseException as failure:
                unsound = None
                with suppress(Exception):  # the first error is the one to report
                    try:
                        validated()
                    except UnsoundShapes as e:
                        unsound = e
                if unsound is not None and isinstance(failure, Exception):
                    raise unsound from failure  # the shapes' errors come before the dumps'
                raise
            report = timed("wait for validate", validated)
            if not report.conforms:
                raise NotConforming(report)
            files = timed("emit", emit_all, graph, report, dumps, tree)
            timed(
                "publish",
                publish_site,
                graph.triples,
                graph.release,
                files,
                config.root,
                tree.put,
                graph.features,
                config.jobs,
            )
            if timed("record URIs", record, config.root, uris):
                progress(f"wrote {MANIFEST}: {len(uris)} URIs")
            timed("swap in", tree.swap_in)
    return graph, report


def into_downloads(tree: NewTree, version: str) -> Callable[[str, bytes], None]:
    """Writes a file of the download area into the release's folder and into latest/."""
    return lambda name, data: tree.put_copies(
        (f"download/{version}/{name}", f"download/latest/{name}"), data
    )


def emit_all(
    graph: Graph, report: Report, dumps: dict[str, Written], tree: NewTree
) -> dict[str, Written]:
    """The rest of the download area, written into the tree beside the dumps; the dumps are
    returned by their paths in the release's folder, for the dataset page."""
    release = graph.release
    report_ttl = serialize(
        canonical(report_triples(report, release.release_iri + "/shacl")),
        BY_NAME["ttl"],
        release.base,
    )
    files = emit_release(
        dumps, len(graph.triples), release, [f.line() for f in report.findings], report_ttl
    )
    tree.write(files.items())
    return {f"download/{release.version}/{name}": file for name, file in dumps.items()}
