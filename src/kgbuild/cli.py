"""The command line: the only place that prints errors and chooses exit codes.

Exit codes: 0 success (the graph conforms), 1 the graph does not conform to the shapes,
2 bad input or usage (one line per problem, with file:line), 3 a store failed or does not hold
what was loaded, 4 the machine stopped the command (disk full or read-only, another build
running, port in use), 5 an internal error.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import io
import json
import multiprocessing
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, NoReturn

from .build import PROJECT_CACHE, Config, Progress, StageLog, build, check, load_graph
from .model.base import Base
from .model.errors import EnvironmentProblem, KgError, UsageError
from .model.terms import DEFAULT_BASE
from .runtime.parallel import available_cores

if TYPE_CHECKING:  # the servers are imported by the commands that start them
    from .serve.site import App, Server

Command = Callable[[argparse.Namespace], int]  # a subcommand: its arguments in, its exit code out


def _progress(quiet: bool) -> Progress:
    def say(message: str) -> None:
        if not quiet:
            print(f"kgbuild: {message}", file=sys.stderr, flush=True)

    return say


class Terminated(KgError):
    """SIGTERM stopped the build: its workers are killed, its new tree removed."""

    exit_code = 128 + signal.SIGTERM


@contextmanager
def sigterm_stops() -> Iterator[list[int]]:
    """While the block runs, SIGTERM kills the worker processes at once and raises Terminated in
    the main thread, so the block unwinds as for any error (the new tree removed, the locks
    released, the old dist/ left). The list yielded holds the signal once it came."""
    came: list[int] = []

    def stop(signum: int, _frame: FrameType | None) -> NoReturn:
        came.append(signum)
        for child in multiprocessing.active_children():
            child.kill()
        raise Terminated("stopped by SIGTERM: the new tree was removed, the output is as it was")

    if threading.current_thread() is not threading.main_thread():
        yield came
        return
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield came
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Collector:
    """What a process forked from this one does with its garbage collector: set by
    collector_paused() and forks_leave_the_heap_shared() while their blocks run."""

    paused = False  # this process does not collect
    serving = False  # a server forks its query processes
    hooked = False


def _hook_forks() -> None:
    if not _Collector.hooked:
        os.register_at_fork(after_in_child=_in_child)
        _Collector.hooked = True


def _in_child() -> None:
    if _Collector.paused:
        _Collector.paused = False
        gc.freeze()
        gc.enable()
    elif _Collector.serving:
        gc.freeze()


@contextmanager
def collector_paused() -> Iterator[None]:
    """While the block runs, this process does not collect: what a build makes (the data, the
    triples, the store, the page index) lives until it ends and holds no cycles, so full
    collections over it free nothing, and cost seconds at 1000x (docs/performance.md). A
    process forked meanwhile (the page workers, validation) leaves alone what it shares with
    this one (gc.freeze: its collections neither walk the graph nor, by writing to the objects'
    headers, copy the memory they share) and collects what it makes itself."""
    _hook_forks()
    was = gc.isenabled()
    gc.disable()
    _Collector.paused = True
    try:
        yield
    finally:
        _Collector.paused = False
        if was:
            gc.enable()


@contextmanager
def forks_leave_the_heap_shared() -> Iterator[None]:
    """While the block runs, a process forked from this one (the endpoint's query processes,
    forked once its store is loaded, and their replacements) leaves alone what it inherits
    (gc.freeze), so that its collections neither walk the server's objects nor, by writing to
    their headers, copy the memory they share. This process collects as before."""
    _hook_forks()
    _Collector.serving = True
    try:
        yield
    finally:
        _Collector.serving = False


def cmd_build(args: argparse.Namespace) -> int:
    timings = Path(args.timings).resolve() if args.timings else None
    if timings is not None and (timings.is_dir() or not timings.parent.is_dir()):
        raise UsageError(f"--timings {args.timings}: not a file in a folder that exists")
    log = StageLog(_progress(args.quiet))
    with sigterm_stops() as came:
        try:
            graph, report = build(_config(args), log, wait=args.wait)
        except Exception as e:  # a worker killed on SIGTERM fails whatever waits on it
            if came and not isinstance(e, Terminated):
                raise Terminated(
                    "stopped by SIGTERM: the new tree was removed, the output is as it was"
                ) from None
            raise
    if timings is not None:  # whole or not at all: written aside, then renamed
        aside = timings.with_name(f".{timings.name}.{os.getpid()}")
        try:
            aside.write_text(json.dumps(log.report(graph), indent=1), encoding="utf-8")
            os.replace(aside, timings)
        finally:
            aside.unlink(missing_ok=True)
    print(
        f"built {len(graph.triples)} triples into {_config(args).dist} "
        f"({len(report.findings)} non-blocking finding(s))"
    )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    config = _config(args)
    graph = load_graph(config, _progress(args.quiet))
    report = check(graph, config, _progress(args.quiet))
    for finding in report.findings:
        print(finding.line())
    print(
        f"{'conforms' if report.conforms else 'does not conform'}: "
        f"{len(report.violations)} violation(s), {len(report.findings)} finding(s)"
    )
    return 0 if report.conforms else 1


def cmd_query(args: argparse.Namespace) -> int:
    from . import queries as q

    root = Path(args.root).resolve()
    specs = {s.name: s for s in q.read_queries(root / "queries", root)}
    if not args.name:
        for spec in specs.values():
            print(f"{spec.name}: {spec.summary}")
        return 0
    if args.name not in specs:
        raise UsageError(f"no query {args.name!r} in {root / 'queries'} (kgbuild query lists them)")
    spec, base = specs[args.name], Base.given(args.base)  # the base of the data asked
    terms = q.bind(spec, q.parse_assignments(args.param or []), base)
    if args.endpoint:
        table = q.run_remote(args.endpoint, spec, terms, base)
    else:
        dist = Path(args.dist).resolve() if args.dist else root / "dist"
        table = q.run_embedded(q.dump_store(dist), spec, terms, base)
    out = {"csv": q.results.to_csv, "json": q.results.to_json}.get(args.format)
    if out:
        sys.stdout.buffer.write(out(table))
    else:
        sys.stdout.write(q.results.to_text(table))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from .bench.harness import Options, run_all
    from .bench.report import render

    try:
        scales = tuple(int(s) for s in args.scales.split(",") if s.strip())
    except ValueError:
        raise UsageError(
            f"--scales takes whole numbers separated by commas: {args.scales!r}"
        ) from None
    repo = Path(args.root).resolve()
    work = Path(args.work).resolve() if args.work else repo / "build" / "bench"
    opts = Options(
        repo=repo,
        work=work,
        scales=scales,
        rdflib_budget=args.rdflib_budget,
        real=not args.no_real,
        store=not args.no_store,
    )
    print(render(run_all(opts, _progress(args.quiet))))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve.site import make_server

    root = Path(args.root).resolve()
    site = root / "dist" if (root / "dist" / "index.html").is_file() else root
    if not (site / "index.html").is_file():
        raise UsageError(f"{root}: no built site here (run `kgbuild build`, or use --root)")
    with forks_leave_the_heap_shared():
        server = make_server(site, args.port, app=_app_with_sparql(site, args))
        print(f"serving {site} on http://127.0.0.1:{server.server_address[1]}/", flush=True)
        return _serve_until_stopped(server)


def _serve_until_stopped(server: Server) -> int:
    """Serve until Ctrl-C or SIGTERM; then close every connection and stop (exit 0)."""
    import signal

    def stop(signum: int, frame: FrameType | None) -> NoReturn:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
    return 0


def _app_with_sparql(site: Path, args: argparse.Namespace) -> App:
    """The site, with the read-only SPARQL endpoint at /sparql over its dump."""
    from .serve.endpoint import Endpoint, serve_handler
    from .serve.site import App

    app = App(site)
    dump = site / "download" / "latest" / "cultuurregios.nt"
    if dump.is_file():
        app.mount(
            "/sparql",
            serve_handler(Endpoint(dump, args.time_limit, args.max_bytes, args.max_memory)),
        )
    return app


def cmd_load(args: argparse.Namespace) -> int:
    from .load import Target, guess_query_endpoint, load

    root = Path(args.root).resolve()
    dist = Path(args.dist).resolve() if args.dist else root / "dist"
    if args.attempts < 1:
        raise UsageError("--attempts must be at least 1")
    if not args.timeout > 0 or args.timeout == float("inf"):
        raise UsageError("--timeout must be a number of seconds above 0")
    target = Target(
        args.endpoint,
        args.query_endpoint or guess_query_endpoint(args.endpoint),
        None if args.default_graph else args.graph,
        attempts=args.attempts,
        deadline=args.timeout,
    )
    n = load(target, dist, args.format)
    where = "the default graph" if target.graph is None else f"<{target.graph}>"
    print(f"loaded {n} triples into {where} at {args.endpoint}; the store holds exactly them")
    return 0


def cmd_sparql(args: argparse.Namespace) -> int:
    from .load import dump_path
    from .serve.endpoint import Endpoint, make_server

    root = Path(args.root).resolve()
    dist = Path(args.dist).resolve() if args.dist else root / "dist"
    try:
        dump = dump_path(dist, "nt")
    except KgError as e:
        raise UsageError(str(e)) from None
    with forks_leave_the_heap_shared():
        server = make_server(
            Endpoint(dump, args.time_limit, args.max_bytes, args.max_memory), args.host, args.port
        )
        print(
            f"SPARQL endpoint at http://{args.host}:{server.server_address[1]}/sparql "
            f"(read-only; Ctrl-C stops)",
            flush=True,
        )
        return _serve_until_stopped(server)


def _config(args: argparse.Namespace) -> Config:
    root = Path(args.root).resolve()
    if not (root / "data").is_dir():
        raise UsageError(f"{root}: no data/ folder here (use --root)")
    base = Base.given(args.base)
    return Config(
        root=root,
        base=base.iri,
        out=Path(args.out).resolve() if args.out else None,
        jobs=_jobs(args),
        cache=root / PROJECT_CACHE,
    )


def _jobs(args: argparse.Namespace) -> int:
    """--jobs, else the environment's KGBUILD_JOBS, else one per core."""
    value: str | None = getattr(args, "jobs", None)
    where = "--jobs"
    if value is None:
        value, where = os.environ.get("KGBUILD_JOBS", ""), "KGBUILD_JOBS"
        if not value:
            return available_cores()
    if not value.isdigit() or int(value) < 1:
        raise UsageError(f"{where} must be a whole number of at least 1: {value!r}")
    return int(value)


def common() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--root", default=".", help="project folder with data/, ontology/, shapes/")
    p.add_argument("--base", default=DEFAULT_BASE, help="base of the published IRIs")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    p.add_argument("--debug", action="store_true", help="a traceback with an internal error")
    return p


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kgbuild", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", parents=[common()], help="read, map, validate and emit into dist/")
    b.add_argument("--out", help="output folder (default: ROOT/dist)")
    b.add_argument(
        "--wait",
        type=float,
        metavar="SECONDS",
        help="wait at most this long for another build of the project or the output "
        "folder to end, then exit 4 (default: as long as it takes)",
    )
    b.add_argument(
        "--jobs",
        metavar="N",
        help="processes that render the pages (validation runs beside the build "
        "from 2 on); the output is the same for every N (default: "
        "$KGBUILD_JOBS, else one per core)",
    )
    b.add_argument(
        "--timings",
        metavar="FILE",
        help="after the build, write each stage's seconds and the peak memory at its end "
        "(MB, this process) to FILE as JSON",
    )
    b.set_defaults(func=cmd_build)
    v = sub.add_parser("validate", parents=[common()], help="validate; one line per finding")
    v.set_defaults(func=cmd_validate, out=None)
    q = sub.add_parser("query", parents=[common()], help="run a canned query from queries/")
    q.add_argument("name", nargs="?", help="query name (file name without .rq); none: list")
    q.add_argument("--param", action="append", metavar="NAME=VALUE", help="a parameter value")
    q.add_argument("--endpoint", help="SPARQL endpoint URL (default: the built dump, embedded)")
    q.add_argument("--dist", help="built output folder (default: ROOT/dist)")
    q.add_argument("--format", choices=("table", "csv", "json"), default="table")
    q.set_defaults(func=cmd_query)
    n = sub.add_parser(
        "bench",
        parents=[common()],
        help="build synthetic scales end to end; time and memory per stage",
    )
    n.add_argument("--scales", default="1,10,100", help="scale factors, e.g. 1,10,100,1000")
    n.add_argument("--work", help="folder for generated projects (default: ROOT/build/bench)")
    n.add_argument(
        "--rdflib-budget",
        type=float,
        default=600.0,
        help="skip the rdflib path where its estimate exceeds this many seconds",
    )
    n.add_argument("--no-real", action="store_true", help="leave out the bundled data")
    n.add_argument(
        "--no-store",
        action="store_true",
        help="leave out loading into Oxigraph and the endpoint under 10 clients",
    )
    n.set_defaults(func=cmd_bench)
    s = sub.add_parser("serve", help="serve the built dist/ on 127.0.0.1 with content negotiation")
    s.add_argument("--root", default=".", help="project folder (serves ROOT/dist) or a dist/")
    s.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (0: any free one)")
    s.add_argument("--time-limit", type=float, default=10.0, help="seconds per SPARQL query")
    s.add_argument("--max-bytes", type=int, default=50_000_000, help="largest SPARQL result")
    s.add_argument("--max-memory", type=int, default=2 * 2**30, help="bytes per SPARQL query")
    s.set_defaults(func=cmd_serve)
    ld = sub.add_parser(
        "load",
        parents=[common()],
        help="load the built dump into a store (Graph Store Protocol) and verify",
    )
    ld.add_argument("--endpoint", required=True, help="Graph Store Protocol URL, e.g. .../store")
    ld.add_argument(
        "--graph",
        default=DEFAULT_BASE + "graph",
        help="target graph IRI, replaced as a whole (default: %(default)s)",
    )
    ld.add_argument("--default-graph", action="store_true", help="load into the default graph")
    ld.add_argument("--query-endpoint", help="SPARQL query URL of the store (default: guessed)")
    ld.add_argument("--format", choices=("nt", "ttl"), default="nt", help="what to send")
    ld.add_argument("--dist", help="built output folder (default: ROOT/dist)")
    ld.add_argument("--attempts", type=int, default=5, help="tries per request (default 5)")
    ld.add_argument(
        "--timeout",
        type=float,
        default=600,
        metavar="SECONDS",
        help="deadline for the whole load: every attempt, pause and the check (default 600)",
    )
    ld.set_defaults(func=cmd_load)
    sp = sub.add_parser(
        "sparql",
        parents=[common()],
        help="read-only SPARQL 1.1 Protocol endpoint over the built dump",
    )
    sp.add_argument("--host", default="127.0.0.1")
    sp.add_argument("--port", type=int, default=7879, help="0: any free port")
    sp.add_argument("--dist", help="built output folder (default: ROOT/dist)")
    sp.add_argument("--time-limit", type=float, default=10.0, help="seconds per query")
    sp.add_argument("--max-bytes", type=int, default=50_000_000, help="largest result")
    sp.add_argument("--max-memory", type=int, default=2 * 2**30, help="bytes per query")
    sp.set_defaults(func=cmd_sparql)
    return p


ENVIRONMENT_ERRNOS = {
    errno.ENOSPC,
    errno.EROFS,
    errno.EDQUOT,
    errno.EACCES,
    errno.EPERM,
    errno.EMFILE,
    errno.ENFILE,
    errno.ENOMEM,
    errno.EADDRINUSE,
}


OFFLINE_COMMANDS = ("build", "validate", "query")
PAUSED_COMMANDS = ("build", "validate")  # run in collector_paused(); a server must collect


def offline(args: argparse.Namespace) -> bool:
    """Does the command need no network at all? Then the process owner may take it away."""
    return args.command in OFFLINE_COMMANDS and not getattr(args, "endpoint", None)


def main(argv: list[str] | None = None, sandbox: bool = False) -> int:
    """Parse the arguments and run the command; with sandbox, a command that needs no network
    runs without it (sandbox.no_network), so no query it runs can reach out, whatever it says."""
    for stream in (sys.stdout, sys.stderr):  # a name the terminal cannot show is escaped
        if isinstance(stream, io.TextIOWrapper):
            with contextlib.suppress(ValueError):
                stream.reconfigure(errors="backslashreplace")
    try:
        args = parser().parse_args(argv)
    except SystemExit as e:
        return 2 if e.code not in (0, None) else 0
    try:
        if sandbox and offline(args):
            from .runtime.sandbox import no_network

            no_network()
        command: Command = args.func
        if args.command in PAUSED_COMMANDS:
            with collector_paused():
                return command(args)
        return command(args)
    except KgError as e:
        for line in e.lines():
            print(line if e.exit_code == 1 else f"error: {line}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except OSError as e:
        if e.errno not in ENVIRONMENT_ERRNOS:
            return _internal(e, args)
        where = f": {e.filename}" if e.filename else ""
        print(f"error: {e.strerror or e}{where}", file=sys.stderr)
        return EnvironmentProblem.exit_code
    except Exception as e:  # noqa: BLE001 - the one place that turns any bug into exit 5
        return _internal(e, args)


def _internal(e: BaseException, args: argparse.Namespace) -> int:
    """An error kgbuild did not expect: one line, the traceback only with --debug."""
    if getattr(args, "debug", False):
        traceback.print_exception(e, file=sys.stderr)
    first = (str(e).splitlines() or [""])[0][:300]
    print(
        f"error: internal error: {type(e).__name__}: {first} (a bug of kgbuild; run again "
        f"with --debug for the traceback)",
        file=sys.stderr,
    )
    return 5


def run() -> None:
    """The console command: main(), its output flushed, and main()'s status as the process's.

    Output that cannot be written (a full disk, a closed pipe) gives the status Python itself
    gives then, 120; the stream is then pointed at /dev/null, so that Python's own flush at
    exit does not fail again. The interpreter ends as usual (atexit handlers run), except that
    its last collections leave alone what exists now: every file of the command is closed and
    its processes are waited for, so they would walk all that is left (the modules, their
    caches) only to free what the end of the process frees anyway."""
    code = main(sandbox=True)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError:
            code = 120
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()
