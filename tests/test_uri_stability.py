"""URIs never break: a published URI stays in the data, or a tombstone retires it (410 + page)."""

from __future__ import annotations

import contextlib
import csv
import io
import re
from pathlib import Path

import pyoxigraph
import pytest
from httpservers import fetch, kgbuild_server

from kgbuild.cli import main
from kgbuild.validate.manifest import CHECKSUM, MANIFEST, read_manifest

BASE = "https://w3id.org/cultuurregio/"
REGION = "flevoland"


def run(project: Path) -> tuple[int, list[str]]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["build", "--root", str(project), "-q"])
    return code, err.getvalue().splitlines()


def cells(row: list[str]) -> set[str]:
    return {part.strip() for cell in row for part in cell.split(";")}


def remove_everything_about(project: Path, ident: str) -> None:
    """Delete the rows of ident and, until nothing changes, every row that refers to a deleted
    row (a region takes its memberships, a project its fundings ...)."""
    gone, changed = {ident}, True
    while changed:
        changed = False
        for path in sorted((project / "data").rglob("*.csv")):
            rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
            keep = [rows[0]] + [r for r in rows[1:] if not cells(r) & gone]
            if len(keep) < len(rows):
                gone |= {r[0] for r in rows[1:] if r not in keep and path.stem != "memberships"}
                out = io.StringIO()
                csv.writer(out, lineterminator="\n").writerows(keep)
                path.write_text(out.getvalue(), encoding="utf-8")
                changed = True


def tombstones(uris: list[str], successor: str) -> str:
    rows = [["iri", "label_nl", "label_en", "reason_nl", "reason_en", "date", "successor", "cites"]]
    for uri in uris:
        rows.append(
            [
                uri,
                "Flevoland (oud)",
                "Flevoland (old)",
                "Samengevoegd <script>document.title='x'</script> met een andere regio.",
                "Merged into another region.",
                "2026-11-28",
                successor if uri == BASE + f"id/regio/{REGION}" else "",
                "samenwerking-in-cultuurregios#noot 5",
            ]
        )
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The bundled project, built once so its manifest lists everything it published."""
    import shutil

    from conftest import PROJECT_DIRS, ROOT

    project = tmp_path_factory.mktemp("uris")
    for name in PROJECT_DIRS:
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, project / name)
    (project / MANIFEST).unlink(missing_ok=True)
    assert run(project) == (0, [])
    return project


def test_the_build_records_what_it_published(built):
    manifest = read_manifest(built)
    assert BASE + f"id/regio/{REGION}" in manifest
    assert BASE + "def/cultuurregio#Cultuurregio" in manifest
    assert not [u for u in manifest if "/id/" in u and "#" in u]
    lines = [x for x in (built / MANIFEST).read_text().splitlines() if not x.startswith("#")]
    assert lines == sorted(set(lines))
    before = (built / MANIFEST).read_bytes()
    assert run(built) == (0, [])
    assert (built / MANIFEST).read_bytes() == before  # nothing new: the file stays as it was


def test_the_committed_manifest_is_kept(built):
    """Every URI in the repository's manifest is still published (or retired) by its data."""
    from conftest import ROOT

    committed = read_manifest(ROOT)
    assert committed, "data/published-uris.txt is missing from the repository"
    assert set(committed) <= set(read_manifest(built))


@pytest.mark.servers
def test_dropping_a_region_fails_then_a_tombstone_retires_it(built, tmp_path):
    import shutil

    project = tmp_path / "p"
    shutil.copytree(built, project)
    region = BASE + f"id/regio/{REGION}"
    manifest = read_manifest(project)
    remove_everything_about(project, REGION)
    before = (project / "dist/download/latest/cultuurregios.nt").read_bytes()

    code, lines = run(project)
    assert code == 2
    expected = (
        f"error: {MANIFEST}:{manifest[region]}: {region} was published but is no longer in the data"
    )
    assert any(line.startswith(expected) for line in lines), lines
    assert all(re.match(rf"error: {MANIFEST}:\d+: {BASE}\S+ was published", x) for x in lines)
    assert (project / "dist/download/latest/cultuurregios.nt").read_bytes() == before

    dropped = [line.split(": ")[2].split()[0] for line in lines]
    successor = (
        BASE
        + "id/regio/"
        + next(
            u.rsplit("/", 1)[1] for u in manifest if "/id/regio/" in u and not u.endswith(REGION)
        )
    )
    folder = project / "data/register"
    folder.mkdir(exist_ok=True)
    (folder / "tombstones.csv").write_text(tombstones(dropped, successor), encoding="utf-8")
    assert run(project) == (0, [])

    dump = pyoxigraph.Store()
    dump.load(
        path=str(project / "dist/download/latest/cultuurregios.nt"),
        format=pyoxigraph.RdfFormat.N_TRIPLES,
    )
    assert dump.query(
        f"ASK {{ <{region}> <http://www.w3.org/2002/07/owl#deprecated> true ; "
        f"<http://purl.org/dc/terms/isReplacedBy> <{successor}> }}"
    )
    assert (project / "dist/conf/gone.txt").read_text().split().count(f"regio/{REGION}") == 1

    with kgbuild_server(project / "dist") as port:
        for accept in ("text/html", "text/turtle", None):
            reply = fetch(port, f"/id/regio/{REGION}", accept)
            assert reply.status == 410, accept
            page = reply.body.decode()
            assert "Merged into another region." in page or "Samengevoegd" in page
            assert successor.rsplit("/", 1)[1] in page
            assert "<script>document.title" not in page  # the reason is text, not markup


def test_a_tombstone_cannot_retire_what_is_still_there(built, tmp_path):
    import shutil

    project = tmp_path / "p"
    shutil.copytree(built, project)
    (project / "data/register").mkdir(exist_ok=True)
    (project / "data/register/tombstones.csv").write_text(
        tombstones([BASE + f"id/regio/{REGION}"], BASE + "id/regio/nergens"), encoding="utf-8"
    )
    code, lines = run(project)
    assert code == 2
    assert lines == [
        (
            f"error: data/register/tombstones.csv:2: iri: {BASE}id/regio/{REGION} is retired but "
            "still in the data"
        ),
        (
            f"error: data/register/tombstones.csv:2: successor: {BASE}id/regio/nergens is not in "
            "the data"
        ),
    ]


def test_the_committed_manifest_carries_its_checksum():
    from conftest import ROOT

    lines = (ROOT / MANIFEST).read_text(encoding="utf-8").splitlines()
    assert [x for x in lines if x.startswith(CHECKSUM)] == [lines[3]]
    assert read_manifest(ROOT)  # the checksum holds


@pytest.mark.parametrize(
    ("damage", "line", "message"),
    [
        (
            lambda text: text[: text.rindex("\n", 0, len(text) // 2) + 1],
            4,
            "checksum does not match the",
        ),  # cut short halfway, at a line's end
        (
            lambda text: text.replace("/id/regio/flevoland\n", "/id/regio/flevolandx\n"),
            4,
            "checksum does not match the 1332 URI line(s)",
        ),
        (lambda text: "", 1, "holds no URI: the file was emptied"),
        (lambda text: text[: text.index("https://")], 1, "holds no URI: the file was emptied"),
        (None, 0, "missing, but a site was built before"),
    ],
)
def test_a_damaged_or_lost_manifest_stops_the_build(built, tmp_path, damage, line, message):
    """Never read as 'nothing was published': the build stops at the file, dist/ as it was."""
    import shutil

    project = tmp_path / "p"
    shutil.copytree(built, project)
    path = project / MANIFEST
    if damage is None:
        path.unlink()
    else:
        path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    damaged = path.read_bytes() if path.exists() else None
    before = (project / "dist/download/latest/cultuurregios.nt").read_bytes()
    code, lines = run(project)
    assert code == 2
    where = f"{MANIFEST}:{line}" if line else MANIFEST
    assert len(lines) == 1 and lines[0].startswith(f"error: {where}: {message}"), lines
    assert f"git checkout {MANIFEST}" in lines[0]
    assert (project / "dist/download/latest/cultuurregios.nt").read_bytes() == before
    assert (path.read_bytes() if path.exists() else None) == damaged


def test_a_manifest_without_a_checksum_line_is_read_and_given_one(built, tmp_path):
    """As an earlier kgbuild wrote it, or after an edit by hand and its checksum line deleted."""
    import shutil

    project = tmp_path / "p"
    shutil.copytree(built, project)
    path = project / MANIFEST
    written = path.read_text(encoding="utf-8")
    path.write_text(
        "".join(x for x in written.splitlines(True) if not x.startswith(CHECKSUM)), encoding="utf-8"
    )
    assert run(project) == (0, [])
    assert path.read_text(encoding="utf-8") == written


def test_a_first_build_without_a_manifest_writes_one(project):
    (project / MANIFEST).unlink()
    assert run(project) == (0, [])
    from conftest import ROOT

    assert set(read_manifest(project)) == set(read_manifest(ROOT))
