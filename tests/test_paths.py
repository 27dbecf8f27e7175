"""One path rule: an IRI becomes a file of dist/ and a line of the web-server configs only when
its path is safe; hostile IRIs and identifiers in the data are refused with file:line and exit 2,
before anything is written, and the configs the build writes pass nginx's and Apache's checks."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from httpservers import APACHE, APACHE_MODULES, NGINX, NGINX_CONF, free_port

from kgbuild.cli import main
from kgbuild.model.errors import Loc
from kgbuild.model.paths import UnsafePath, checked, document_of, document_problems
from kgbuild.model.terms import DEFAULT_BASE, TOOI

ID = DEFAULT_BASE + "id/"

HOSTILE_PATHS = [
    "../../escaped",
    "regio/../../../escaped",
    "..",
    ".",
    "regio/..",
    "regio/.hidden",
    "regio//twente",
    "regio/twente/",
    "/escaped",
    "regio/%2e%2e",
    "regio/a%2fb",
    "regio/a b",
    "regio/a;b",
    "regio/a{b}",
    'regio/a"b',
    "regio/a'b",
    "regio/$x",
    "regio/a\\b",
    "regio/a\nb",
    "regio/a?b",
    "regio/a*b",
    "regio/Frysl\u00e2n",
    "regio/a\u202eb",
    "regio/twente.ttl",
    "regio/twente.HTML",
    "regio/twente.jsonld",
    "regio/twente.nt",
    "regio/twente.en",
    "regio/twente.nl",
    "regio/" + "a" * 201,
    "a/b/c/d/e/f/g/h/i",
]


@pytest.mark.parametrize("rest", HOSTILE_PATHS)
def test_the_rule_refuses_every_unsafe_path_under_our_prefixes(rest):
    for iri in (ID + rest, TOOI + rest, DEFAULT_BASE + "def/" + rest):
        with pytest.raises(UnsafePath):
            document_of(iri, DEFAULT_BASE)


@pytest.mark.parametrize(
    "rest",
    ["regio/twente", "gemeente/gm0153", "lidmaatschap/a/b.c/d_e-1", "persoon/Ab12", "x/2024-01-01"],
)
def test_the_rule_keeps_safe_paths_as_they_are(rest):
    assert document_of(ID + rest + "#periode", DEFAULT_BASE) == "doc/" + rest
    assert checked("doc/" + rest) == "doc/" + rest


def test_outside_iris_have_no_document_whatever_their_path():
    assert document_of("https://example.org/../../x", DEFAULT_BASE) is None


def test_document_problems_name_the_row_and_both_rows_of_a_case_collision():
    origins = {
        ID + "regio/a/../../x": Loc("data/a.csv", 3),
        ID + "regio/Twente": Loc("b.csv", 4),
        ID + "regio/twente": Loc("b.csv", 7),
    }
    problems = sorted(document_problems(origins, origins, DEFAULT_BASE), key=lambda p: p.loc)
    assert [p.loc for p in problems] == [Loc("b.csv", 7), Loc("data/a.csv", 3)]
    collision = str(problems[0])
    assert "differ only in case" in collision and "b.csv:" in collision.split("(at ")[1]
    assert collision.startswith(f"b.csv:7: {ID}regio/twente and {ID}regio/Twente (at b.csv:4)")
    # the later of the two, in the order given (the build's is the canonical order), is reported
    backwards = document_problems(reversed(origins), origins, DEFAULT_BASE)
    assert sorted(p.loc for p in backwards) == [Loc("b.csv", 4), Loc("data/a.csv", 3)]


def test_the_bundled_graph_has_no_unsafe_or_colliding_path(graph):
    subjects = [t.subject.value for t in graph.triples]
    assert document_problems(subjects, graph.origins, DEFAULT_BASE) == []


# --- hostile values in the data: exit 2 with file:line, nothing written ---------------------


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def _write(path: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _set_cell(path: Path, column: str, value: str, row: int = 1) -> int:
    """Set one cell of a CSV file; return the file line of that row."""
    rows = _rows(path)
    rows[row][rows[0].index(column)] = value
    _write(path, rows)
    return row + 1


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


def _build(project: Path, out: Path) -> tuple[int, list[str]]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["build", "--root", str(project), "--out", str(out), "-q"])
    return code, err.getvalue().splitlines()


def _tombstone_row(project: Path, iri: str, successor: str = "") -> int:
    path = project / "data/ingetrokken/tombstones.csv"
    rows = _rows(path)
    row = dict.fromkeys(rows[0], "")
    row.update(
        iri=iri,
        label_nl="oud",
        label_en="old",
        reason_nl="weg",
        reason_en="gone",
        date="2024-01-01",
        successor=successor,
        cites=rows[1][rows[0].index("cites")],
    )
    rows.append([row[c] for c in rows[0]])
    _write(path, rows)
    return len(rows)


HOSTILE_IRIS = [
    "{prefix}../../escaped",
    "{prefix}regio/..%2f..%2fescaped",
    "{prefix}regio/x;return 200",
    '{prefix}regio/x"y',
    "{prefix}regio/x.ttl",
    "{prefix}regio/x'y",
    "{prefix}regio/a{{b}}",
]


def _hostile(template: str, prefix: str) -> str:
    return template.format(prefix=prefix)


@pytest.mark.parametrize("template", HOSTILE_IRIS)
@pytest.mark.parametrize(
    "column", ["organisation tooi_uri", "tombstone iri", "tombstone successor"]
)
def test_hostile_iris_in_every_iri_column_are_refused_at_their_row(
    project, tmp_path, column, template
):
    before = _files(tmp_path)
    if column == "organisation tooi_uri":
        line = _set_cell(
            project / "data/artikel/organisations.csv", "tooi_uri", _hostile(template, TOOI)
        )
        where, name = "data/artikel/organisations.csv", "tooi_uri"
    elif column == "tombstone iri":
        line = _tombstone_row(project, _hostile(template, ID))
        where, name = "data/ingetrokken/tombstones.csv", "iri"
    else:
        line = _tombstone_row(project, ID + "regio/oud", _hostile(template, ID))
        where, name = "data/ingetrokken/tombstones.csv", "successor"
    code, err = _build(project, tmp_path / "dist")
    assert code == 2, err
    assert f"error: {where}:{line}: {name}: " in "\n".join(err)
    assert not any("Traceback" in e for e in err)
    assert _files(tmp_path) == before  # no dist/, no dist.new-*, nothing escaped


def test_a_tooi_uri_outside_tooi_is_refused(project, tmp_path):
    line = _set_cell(
        project / "data/artikel/organisations.csv", "tooi_uri", "https://example.org/ministerie/x"
    )
    code, err = _build(project, tmp_path / "dist")
    assert code == 2
    assert err == [
        (
            f"error: data/artikel/organisations.csv:{line}: tooi_uri: "
            f"'https://example.org/ministerie/x' is not under {TOOI}"
        )
    ]


@pytest.mark.parametrize("ident", ["twente.ttl", "twente.en", "Twente.HTML", "x.nt", "x.jsonld"])
def test_identifiers_may_not_end_in_a_format_or_language_suffix(project, tmp_path, ident):
    line = _set_cell(project / "data/artikel/people.csv", "id", ident)
    code, err = _build(project, tmp_path / "dist")
    assert code == 2
    assert any(
        e.startswith(f"error: data/artikel/people.csv:{line}: id: identifier")
        and "format or language" in e
        for e in err
    ), err


def test_identifiers_differing_only_in_case_name_both_rows(project, tmp_path):
    path = project / "data/artikel/people.csv"
    rows = _rows(path)
    twin = list(rows[1])
    twin[rows[0].index("id")] = rows[1][rows[0].index("id")].upper()
    rows.append(twin)
    _write(path, rows)
    code, err = _build(project, tmp_path / "dist")
    assert code == 2
    assert f"error: data/artikel/people.csv:{len(rows)}: id: " not in "\n".join(err)
    hit = [e for e in err if "differs only in case" in e]
    assert (
        hit
        and hit[0].startswith(f"error: data/artikel/people.csv:{len(rows)}: ")
        and "(at data/artikel/people.csv:2)" in hit[0]
    ), err


# --- the configs the build writes pass the servers' own checks --------------------------------

APACHE_CHECK = """ServerRoot {tmp}
PidFile {tmp}/httpd.pid
Listen 127.0.0.1:{port}
ServerName 127.0.0.1
{modules}
ErrorLog {tmp}/error.log
TypesConfig /etc/mime.types
DocumentRoot {root}
<Directory {root}>
{htaccess}
</Directory>
"""


@pytest.fixture(scope="module")
def unusual_site(tmp_path_factory) -> Path:
    """The bundled data with tombstones whose paths use every character the rule allows."""
    project = tmp_path_factory.mktemp("unusual")
    root = Path(__file__).resolve().parent.parent
    for name in ("data", "ontology", "shapes", "queries"):
        shutil.copytree(root / name, project / name)
    for rest in ("regio/Oud_Regio-1.v2", "regio/9.x_y-Z", "persoon/a.b.c"):
        _tombstone_row(project, ID + rest)
    code, err = _build(project, project / "dist")
    assert code == 0, err
    return project / "dist"


@pytest.mark.servers
def test_generated_nginx_config_passes_nginx_t(unusual_site, tmp_path):
    assert "regio/Oud_Regio-1.v2" in (unusual_site / "conf/gone.txt").read_text()
    conf = tmp_path / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp_path, root=unusual_site, port=free_port()))
    check = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
        check=False,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    assert "test is successful" in check.stderr


@pytest.mark.servers
def test_generated_apache_htaccess_passes_apache_t(unusual_site, tmp_path):
    htaccess = (unusual_site / "conf/apache.htaccess").read_text()
    assert "'/id/regio/Oud_Regio-1.v2'" in htaccess
    modules = "\n".join(
        f"LoadModule {m}_module /usr/lib/apache2/modules/mod_{m}.so" for m in APACHE_MODULES
    )
    conf = tmp_path / "httpd.conf"
    conf.write_text(
        APACHE_CHECK.format(
            tmp=tmp_path, port=free_port(), modules=modules, root=unusual_site, htaccess=htaccess
        )
    )
    check = subprocess.run(
        [APACHE, "-t", "-f", str(conf)],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, "APACHE_RUN_DIR": str(tmp_path)},
    )
    assert check.returncode == 0, check.stderr
    assert "Syntax OK" in check.stderr


@pytest.mark.servers
def test_control_apache_t_refuses_a_config_a_hostile_path_would_have_made(tmp_path):
    modules = "\n".join(
        f"LoadModule {m}_module /usr/lib/apache2/modules/mod_{m}.so" for m in APACHE_MODULES
    )
    bad = '<If "%{REQUEST_URI} == \'/id/x"y\'">\n    ErrorDocument 410 /doc/x.html\n</If>'
    conf = tmp_path / "httpd.conf"
    conf.write_text(
        APACHE_CHECK.format(
            tmp=tmp_path, port=free_port(), modules=modules, root=tmp_path, htaccess=bad
        )
    )
    check = subprocess.run(
        [APACHE, "-t", "-f", str(conf)], check=False, capture_output=True, text=True
    )
    assert check.returncode != 0
