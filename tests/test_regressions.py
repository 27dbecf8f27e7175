"""One test per fixed bug, run the way a user meets it."""

from __future__ import annotations

import subprocess
import sys


def test_a_violation_query_finding_is_reported_not_a_crash(project):
    # run_violation_queries read `variables` off a row instead of the results: any row that a
    # *-violation.rq returned ended the build with an AttributeError traceback.
    path = project / "data/artikel/memberships.csv"
    text = path.read_text(encoding="utf-8")
    line = len(text.splitlines()) + 1
    path.write_text(
        text + "zeeland,GM0014,member,,,,inferred,,,samenwerking-in-cultuurregios#noot 5\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "kgbuild.cli", "validate", "--root", str(project), "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    [finding] = [x for x in result.stdout.splitlines() if "Violation" in x]
    assert finding.startswith(
        f"data/artikel/memberships.csv:{line}: Violation: "
        "<https://w3id.org/cultuurregio/id/lidmaatschap/zeeland/gm0014/lid>"
    )
    assert "shape=shapes/inferred-reason-violation.rq" in finding
