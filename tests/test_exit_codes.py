"""Exit codes that mean one thing: 2 bad input (at the line of the mistake), 4 the machine
stopped the command, 5 a bug; one `error:` line each, a traceback only with --debug."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

KGBUILD = [sys.executable, "-m", "kgbuild.cli"]
BROKEN_SELECT = '''
<https://w3id.org/cultuurregio/def/shapes#Broken> a sh:NodeShape ;
    sh:targetClass org:Organization ;
    sh:sparql [ a sh:SPARQLConstraint ;
        sh:message "x" ;
        sh:select """SELECT $this WHERE {
   $this ?p ?o .
   FILTER( ?o = = 3)
}""" ] .
'''


def kgbuild(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*KGBUILD, *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_a_shape_whose_sparql_does_not_parse_is_exit_2_at_the_line_of_the_error(project):
    shapes = project / "shapes/register-shapes.ttl"
    shapes.write_text(shapes.read_text() + BROKEN_SELECT)
    run = kgbuild("build", "--root", str(project), "-q")
    assert run.returncode == 2, run.stderr
    line = line_of(shapes, "FILTER( ?o = = 3)")
    assert run.stderr.splitlines() == [
        (
            f"error: shapes/register-shapes.ttl:{line}: invalid "
            "SPARQL in sh:select: Expected SelectQuery, found "
            "'FILTER'"
        )
    ]
    assert not (project / "dist").exists()


def test_a_canned_query_that_does_not_parse_is_reported_at_the_line_of_the_error(project):
    query = project / "queries/broken.rq"
    query.write_text(
        "#+ summary: broken\nSELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER(?o = = 1)\n} ORDER BY ?s\n"
    )
    run = kgbuild("build", "--root", str(project), "-q")
    assert run.returncode == 2
    assert run.stderr.startswith("error: queries/broken.rq:4: query does not parse: ")


@pytest.mark.parametrize(
    "text, line",
    [("x", 1), ('{"features": [\n{"geometry": 1}\n]}', 1), ('{"features": [\n{"a": 1}\n', 3)],
)
def test_a_broken_map_file_is_bad_input_read_before_anything_is_built(project, text, line):
    (project / "data/referentie/geo/gemeente_2025.geojson").write_text(text)
    run = kgbuild("build", "--root", str(project))
    assert run.returncode == 2, run.stderr
    errors = [e for e in run.stderr.splitlines() if e.startswith("error:")]
    assert errors[0].startswith(f"error: data/referentie/geo/gemeente_2025.geojson:{line}: ")
    assert "Traceback" not in run.stderr
    assert "kgbuild: map ..." not in run.stderr  # refused in the read stage, before mapping


@pytest.fixture
def own_mounts():
    """A mount namespace of our own (unshare -m), so a test may mount a small tmpfs."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare to mount a small file system")


def _in_tmpfs(project: Path, folder: Path, options: str, *args: str):
    folder.mkdir()
    build = f"{' '.join(KGBUILD)} build --root {project} --out {folder}/dist {' '.join(args)}"
    script = f"mount -t tmpfs -o {options} tmpfs {folder} && exec {build}"
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.servers
def test_a_full_disk_is_exit_4_with_one_line(project, tmp_path, own_mounts):
    run = _in_tmpfs(project, tmp_path / "small", "size=2m", "-q")
    assert run.returncode == 4, run.stderr
    assert run.stderr.splitlines() == ["error: No space left on device"]


@pytest.mark.servers
def test_a_read_only_output_is_exit_4_naming_the_folder(project, tmp_path, own_mounts):
    run = _in_tmpfs(project, tmp_path / "ro", "ro,size=2m", "-q")
    assert run.returncode == 4, run.stderr
    [line] = run.stderr.splitlines()
    assert line.startswith("error: Read-only file system: ") and str(tmp_path / "ro") in line


SIMULATED_BUG = """
import sys
import kgbuild.build
def broken(*args, **kwargs):
    raise KeyError('a bug')
kgbuild.build.read_data = broken
from kgbuild.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("debug", [False, True])
def test_an_internal_error_is_exit_5_with_one_line_and_the_traceback_only_with_debug(debug):
    args = ["build", "--root", str(ROOT), "--out", "/nonexistent/never-written", "-q"]
    run = subprocess.run(
        [sys.executable, "-c", SIMULATED_BUG, *args, *(["--debug"] * debug)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 5
    last = run.stderr.splitlines()[-1]
    assert last == (
        "error: internal error: KeyError: 'a bug' (a bug of kgbuild; run again "
        "with --debug for the traceback)"
    )
    assert ("Traceback (most recent call last)" in run.stderr) is debug


def test_query_output_on_a_terminal_that_cannot_show_a_name_is_escaped_not_a_crash(site):
    run = kgbuild(
        "query",
        "regions",
        "--root",
        str(ROOT),
        "--dist",
        str(site),
        env={"PYTHONIOENCODING": "ascii"},
    )
    assert run.returncode == 0, run.stderr
    assert "amste\\u2026" in run.stdout  # the ellipsis of a shortened cell, escaped
