"""A corpus of bad inputs (tests/bad_inputs/): each one, run through the CLI after a good build,
gives exactly one `error:` line with file:line, exit code 2, no traceback, and dist/ unchanged."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kgbuild.cli import main

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.txt").is_file())


def tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def built_template(tmp_path_factory) -> Path:
    """The project copied and built once; each case starts from a copy of it."""
    from conftest import PROJECT_DIRS, ROOT

    root = tmp_path_factory.mktemp("built")
    for name in PROJECT_DIRS:
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, root / name)
    assert main(["build", "--root", str(root), "-q"]) == 0
    return root


def apply_case(case: Path, project: Path) -> dict[str, int]:
    """Write the case's files into the project; return the line numbers for expected.txt."""
    lines: dict[str, int] = {}
    for src in sorted(p for p in case.rglob("*") if p.is_file() and p.name != "expected.txt"):
        rel = src.relative_to(case).as_posix()
        if rel.endswith(".append"):
            target = project / rel.removesuffix(".append")
            text = target.read_text(encoding="utf-8")
            lines = {"line": len(text.splitlines()) + 1, "next": len(text.splitlines()) + 2}
            target.write_text(text + src.read_text(encoding="utf-8"), encoding="utf-8")
        else:
            target = project / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
    return lines


def test_the_corpus_has_the_required_cases():
    assert {
        "malformed-csv-quote",
        "wrong-field-count",
        "unknown-reference",
        "duplicate-identifier",
        "bad-date",
        "invalid-turtle-ontology",
        "invalid-turtle-shapes",
        "bad-sparql-violation-query",
    } <= set(CASES)


@pytest.mark.parametrize("name", CASES)
def test_bad_input_gives_one_located_error(name, built_template, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(built_template, project)
    before = tree_digest(project / "dist")
    numbers = apply_case(CORPUS / name, project)
    expected = (CORPUS / name / "expected.txt").read_text(encoding="utf-8").strip()
    result = subprocess.run(
        [sys.executable, "-m", "kgbuild.cli", "build", "--root", str(project), "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [expected.format(**numbers)]
    assert tree_digest(project / "dist") == before
