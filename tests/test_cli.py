"""The CLI edge: exit codes 0/1/2, one line per problem, and dist/ untouched on failure."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kgbuild.cli import main


def tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(folder).as_posix().encode() + path.read_bytes())
    return h.hexdigest()


@pytest.fixture
def built(project):
    assert main(["build", "--root", str(project), "-q"]) == 0
    return project


def run(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kgbuild.cli", *args, "--root", str(project), "-q"],
        capture_output=True,
        text=True,
        check=False,
    )


def test_build_then_validate_conforms(built):
    result = run(built, "validate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("0 violation(s), 0 finding(s)")
    assert (built / "dist/download/latest/cultuurregios.ttl").stat().st_size > 0


def test_violation_exits_1_with_source_line(built):
    path = built / "data/artikel/regions.csv"
    # two more rows about the same region give it two English labels: one too many
    path.write_text(
        path.read_text()
        + "".join(
            f"025-arnhem-nijmegen,cultuurregio,025 Arnhem-Nijmegen,{name},,,,,,,,,"
            "samenwerking-in-cultuurregios#noot 5\n"
            for name in ("Second English", "Third English")
        )
    )
    before = tree_digest(built / "dist")
    result = run(built, "build")
    assert result.returncode == 1
    assert (
        "data/artikel/regions.csv:2: Violation: <https://w3id.org/cultuurregio/id/regio/"
        "025-arnhem-nijmegen> path=http://www.w3.org/2004/02/skos/core#prefLabel" in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert tree_digest(built / "dist") == before  # the dumps made while validating are gone
    assert not [p for p in built.iterdir() if p.name.startswith("dist.")]


def test_two_end_dates_of_one_membership_fail_the_build_at_its_row(built):
    path = built / "data/artikel/memberships.csv"
    first = len(path.read_text().splitlines()) + 1
    path.write_text(
        path.read_text()
        + "".join(
            f"we-the-north,PV20,member,2020,{end},,stated,,,samenwerking-in-cultuurregios#\n"
            for end in ("2021-12-31", "2022-12-31")
        )
    )
    result = run(built, "build")
    assert result.returncode == 1
    assert (
        f"data/artikel/memberships.csv:{first}: Violation: <https://w3id.org/cultuurregio/"
        "id/lidmaatschap/we-the-north/pv20/lid/2020> path=https://schema.org/endDate"
        in result.stderr
    )


def test_bad_input_exits_2_and_leaves_dist(built):
    path = built / "data/artikel/sources.csv"
    path.write_text(path.read_text() + "broken,report,\n")
    before = tree_digest(built / "dist")
    result = run(built, "build")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: data/artikel/sources.csv:9: expected 11 fields, got 3"
    ]
    assert tree_digest(built / "dist") == before


def test_usage_error_exits_2(project):
    assert run(project, "build", "--base", "ftp://x/").returncode == 2
    assert (
        subprocess.run(
            [sys.executable, "-m", "kgbuild.cli", "nonsense"], capture_output=True, check=False
        ).returncode
        == 2
    )


def console(*args: str, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    """The installed `kgbuild` command, its output block-buffered as in a pipe or a file."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run(
        [str(Path(sys.executable).with_name("kgbuild")), *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        check=False,
    )


def test_the_command_ends_with_its_output_written(project):
    result = console("build", "--root", str(project), "-q")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("built ") and result.stdout.endswith("finding(s))\n")
    listing = console("query", "--root", str(project))
    assert listing.returncode == 0 and len(listing.stdout.splitlines()) == len(
        list((project / "queries").glob("*.rq"))
    )


def test_output_that_cannot_be_written_is_a_failure(project):
    with open("/dev/full", "w") as full:
        result = console("query", "--root", str(project), stdout=full)
    assert result.returncode == 120, result.stderr
    assert result.stderr == ""  # Python's own flush at exit does not fail a second time


ATEXIT = """
import atexit, sys
atexit.register(lambda: print("atexit handler ran", file=sys.stderr))
sys.argv[0] = "kgbuild"
from kgbuild.cli import run
run()
"""


@pytest.mark.parametrize("args,code", [(["query"], 0), (["query", "no-such-query"], 2)])
def test_the_command_ends_as_python_does_with_its_status(project, args, code):
    """No os._exit: the interpreter's own exit runs (atexit handlers, coverage of subprocess
    runs), and the command's status is the process's."""
    result = subprocess.run(
        [sys.executable, "-c", ATEXIT, *args, "--root", str(project)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == code, result.stderr
    assert result.stderr.splitlines()[-1] == "atexit handler ran"


def config_of(*args: str):
    from kgbuild.cli import _config, parser

    return _config(parser().parse_args(list(args)))


def test_jobs_come_from_the_option_else_the_environment_else_the_cores(project, monkeypatch):
    monkeypatch.delenv("KGBUILD_JOBS", raising=False)
    assert config_of("build", "--root", str(project)).jobs == len(os.sched_getaffinity(0))
    monkeypatch.setenv("KGBUILD_JOBS", "3")
    assert config_of("build", "--root", str(project)).jobs == 3
    assert config_of("build", "--root", str(project), "--jobs", "1").jobs == 1
    assert config_of("build", "--root", str(project)).cache == project / "build/cache"


@pytest.mark.parametrize(
    "option,env,message",
    [
        (["--jobs", "0"], None, "error: --jobs must be a whole number of at least 1: '0'"),
        ([], "none", "error: KGBUILD_JOBS must be a whole number of at least 1: 'none'"),
    ],
)
def test_a_job_count_that_is_not_one_is_a_usage_error(
    project, monkeypatch, capsys, option, env, message
):
    if env is None:
        monkeypatch.delenv("KGBUILD_JOBS", raising=False)
    else:
        monkeypatch.setenv("KGBUILD_JOBS", env)
    assert main(["build", "--root", str(project), "-q", *option]) == 2
    assert capsys.readouterr().err.splitlines() == [message]
    assert not (project / "dist").exists()


def test_the_build_command_pauses_the_collector_here_and_freezes_it_in_forks():
    """collector_paused(): no collections in this process while the block runs; a forked worker
    leaves the objects it shares with this process alone and collects its own; afterwards
    everything is as it was."""
    import gc

    from kgbuild.cli import collector_paused
    from kgbuild.runtime.parallel import MIN_ITEMS, Pool, in_background

    shared = [[i] for i in range(10)]  # lists: objects the collector tracks

    def seen(_=None) -> tuple[bool, bool]:
        return gc.isenabled(), any(o is shared[0] for o in gc.get_objects())

    assert seen() == (True, True)
    with collector_paused():
        assert not gc.isenabled()
        assert set(Pool(seen, 2).map(list(range(MIN_ITEMS)))) == {(True, False)}
        assert in_background(seen, jobs=2)() == (True, False)
        assert not gc.isenabled()
    assert seen() == (True, True) and gc.get_freeze_count() == 0
    assert set(Pool(seen, 2).map(list(range(MIN_ITEMS)))) == {(True, True)}  # outside: as is
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


FORKED = """
import gc, multiprocessing
from kgbuild.cli import forks_leave_the_heap_shared

def frozen(q):
    q.put(gc.get_freeze_count() > 0)

def fork():
    p = ctx.Process(target=frozen, args=(q,))
    p.start()
    print(q.get(timeout=60), gc.get_freeze_count() > 0)
    p.join()

ctx = multiprocessing.get_context("fork")
q = ctx.Queue()
fork()
with forks_leave_the_heap_shared():
    fork()
fork()
"""


def test_the_serving_commands_fork_query_processes_that_leave_the_heap_shared():
    """Within forks_leave_the_heap_shared() (around `kgbuild sparql` and `kgbuild serve`), a
    process forked from this one has frozen what it inherited; this one has not, and forks
    before and after the block are left as Python makes them."""
    result = subprocess.run(
        [sys.executable, "-c", FORKED], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines() == ["False False", "True False", "False False"]


def test_timings_are_the_stages_the_build_reports_with_their_memory(project, tmp_path):
    """`kgbuild build --timings F`: every stage that printed its time, in the order they
    ended, with the same seconds and a peak that only grows; the triples it printed."""
    timings = tmp_path / "timings.json"
    result = subprocess.run(
        [sys.executable, "-m", "kgbuild.cli", "build", "--root", str(project)]
        + ["--timings", str(timings)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    said = [
        line.removeprefix("kgbuild: ").rsplit(": ", 1)
        for line in result.stderr.splitlines()
        if line.endswith(" s")
    ]
    found = json.loads(timings.read_text(encoding="utf-8"))
    stages = found["stages"]
    assert [name for name, _ in said] == list(stages)
    assert {"read data", "map", "validate", "publish", "swap in"} <= set(stages)
    assert all(f"{stages[name]['seconds']:.2f} s" == seconds for name, seconds in said)
    peaks = [s["peak_mb"] for s in stages.values()]
    assert peaks == sorted(peaks) and 0 < peaks[-1] <= found["peak_mb"]
    assert f"built {found['triples']} triples into " in result.stdout


@pytest.mark.parametrize("where", ["no-such-folder/t.json", "."])
def test_timings_where_no_file_can_be_written_is_a_usage_error_before_the_build(project, where):
    result = run(project, "build", "--timings", str(project / where))
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"error: --timings {project / where}: not a file in a folder that exists"
    ]
    assert not (project / "dist").exists()  # was: built and swapped in, then exit 5
