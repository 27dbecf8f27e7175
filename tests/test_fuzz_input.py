"""Property-based tests: broken data gives one clear line per problem, exit 2, dist/ unchanged.

Each example breaks one thing in a copy of the project (a row, a cell, a header, the bytes of a
file), runs the real CLI entry point and checks: exit code 2, stderr is exactly the expected
`error: file:line: ...` line(s), nothing else, no exception escapes (an escaping exception
fails the test with its traceback), and dist/ is byte-for-byte what it was.
Examples are derandomized and bounded so the suite stays fast and repeatable.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import PROJECT_DIRS, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cli import tree_digest

from kgbuild.build import Config, load_graph
from kgbuild.cli import main
from kgbuild.model.errors import InputError
from kgbuild.read.tables import (
    BOOL,
    CITES,
    DATE,
    DECIMAL,
    ENUM,
    INT,
    REF,
    REFS,
    TABLES,
    TEXT,
    URL,
)

FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LINE = re.compile(r"^error: (?P<path>[^:]+):(?P<line>\d+): (?P<msg>.+)$")


@dataclass
class Project:
    root: Path
    digest: str

    def run(self) -> tuple[int, list[str]]:
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["build", "--root", str(self.root), "-q"])
        return code, err.getvalue().splitlines()

    def dist_digest(self) -> str:
        return tree_digest(self.root / "dist")


@pytest.fixture(scope="module")
def proj(tmp_path_factory) -> Project:
    root = tmp_path_factory.mktemp("fuzz")
    for name in PROJECT_DIRS:
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, root / name)
    assert main(["build", "--root", str(root), "-q"]) == 0
    return Project(root, tree_digest(root / "dist"))


@contextlib.contextmanager
def changed(path: Path, new: bytes):
    """Write new bytes into path for the duration of the block, then put the old ones back."""
    old = path.read_bytes()
    path.write_bytes(new)
    try:
        yield
    finally:
        path.write_bytes(old)


def csv_files() -> list[tuple[str, str]]:
    """(relative path, table) of every data file of the bundled project."""
    return [
        (p.relative_to(ROOT).as_posix(), p.stem)
        for p in sorted((ROOT / "data").rglob("*.csv"))
        if p.stem in TABLES
    ]


def rows_of(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def to_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def assert_refused(proj: Project, rel: str, new: bytes, expected: list[str]) -> None:
    """Exit 2, exactly the expected lines (regexes, in order), dist/ untouched."""
    with changed(proj.root / rel, new):
        code, lines = proj.run()
    assert code == 2, lines
    assert len(lines) == len(expected), lines
    for line, pattern in zip(lines, expected, strict=True):
        assert LINE.match(line), line
        assert re.match(pattern, line), (pattern, line)
    assert proj.dist_digest() == proj.digest


def err(rel: str, line: int, rest: str) -> str:
    return re.escape(f"error: {rel}:{line}: ") + rest


# -- strategies for broken values, by column kind --------------------------------------------

BAD_URLS = [
    "javascript:alert(1)",
    "JavaScript:alert(document.domain)",
    "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "ftp://x.example/",
    "mailto:a@b.example",
    "//evil.example/x",
    "http://",
    "https://exa mple.org/",
    "http://x.example/%zz",
    "https://a.example:port/",
    "http://[::1/",
    "https://x.example/<script>",
    "http:///no-host",
    "about:blank",
    "\u202ehttps://x/",
]


def not_matching(pattern: str):
    return (
        st.text(min_size=1, max_size=30)
        .map(str.strip)
        .filter(lambda s: s and "\x00" not in s and not re.fullmatch(pattern, s))
    )


BAD = {
    INT: st.one_of(
        st.sampled_from(["1.5", "x", "١٢", "１２", "1e3", "--1", "0x10"]), not_matching(r"-?[0-9]+")
    ),
    DECIMAL: st.one_of(
        st.sampled_from(["NaN", "Infinity", "-inf", "1e5", "1_000", "1,5", "٣.٥", ".5"]),
        not_matching(r"-?[0-9]+(\.[0-9]+)?"),
    ),
    DATE: st.one_of(
        st.sampled_from(
            [
                "2018-02-30",
                "2018-13",
                "0000",
                "0000-01-01",
                "２０１８",
                "2018-1-1",
                "c. 2021",
                "20180101",
                "2018-00",
                "2018-06-31",
            ]
        ),
        not_matching(r"[0-9]{4}(-[0-9]{2}){0,2}"),
    ),
    URL: st.one_of(st.sampled_from(BAD_URLS), not_matching(r"https?://.*")),
    BOOL: not_matching(r"yes|no|true|false"),
}


def typed_cells(kinds) -> list[tuple[str, str, int, str]]:
    """(file, column, column index, kind) of every column of one of kinds in the data files."""
    out = []
    for rel, table in csv_files():
        header = rows_of(ROOT / rel)[0]
        for col in TABLES[table].cols:
            if col.kind in kinds and col.name in header and len(rows_of(ROOT / rel)) > 1:
                out.append((rel, col.name, header.index(col.name), col.kind))
    return out


def a_row(rel: str):
    return st.integers(min_value=1, max_value=len(rows_of(ROOT / rel)) - 1)


# -- row-level problems ----------------------------------------------------------------------


@FUZZ
@given(data=st.data())
def test_missing_or_extra_field(proj, data):
    rel, _ = data.draw(st.sampled_from(csv_files()))
    rows = rows_of(ROOT / rel)
    i = data.draw(a_row(rel))
    n = len(rows[0])
    if data.draw(st.booleans()):
        rows[i] = rows[i][:-1]
    else:
        rows[i] = rows[i] + [data.draw(st.sampled_from(["", "x", "extra,comma"]))]
    assert_refused(
        proj, rel, to_csv(rows), [err(rel, i + 1, f"expected {n} fields, got {len(rows[i])}$")]
    )


@FUZZ
@given(data=st.data())
def test_wrong_type(proj, data):
    rel, name, j, kind = data.draw(st.sampled_from(typed_cells(BAD)))
    rows = rows_of(ROOT / rel)
    i = data.draw(a_row(rel))
    rows[i][j] = data.draw(BAD[kind])
    assert_refused(proj, rel, to_csv(rows), [err(rel, i + 1, re.escape(f"{name}: "))])


@FUZZ
@given(data=st.data())
def test_value_not_in_code_list(proj, data):
    rel, name, j, _ = data.draw(st.sampled_from(typed_cells({ENUM})))
    table = TABLES[Path(rel).stem]
    rows = rows_of(ROOT / rel)
    i = data.draw(a_row(rel))
    rows[i][j] = data.draw(not_matching("|".join(map(re.escape, table.col(name).choices))))
    assert_refused(proj, rel, to_csv(rows), [err(rel, i + 1, re.escape(f"{name}: "))])


@FUZZ
@given(data=st.data(), ident=st.from_regex(r"zz[a-z0-9-]{0,12}", fullmatch=True))
def test_unknown_reference(proj, data, ident):
    rel, name, j, kind = data.draw(st.sampled_from(typed_cells({REF, REFS, CITES})))
    rows = rows_of(ROOT / rel)
    i = data.draw(a_row(rel))
    rows[i][j] = f"{ident}#p. 1" if kind == CITES else ident
    what = "unknown source" if kind == CITES else "unknown reference"
    assert_refused(proj, rel, to_csv(rows), [err(rel, i + 1, f"{name}: {what} '{ident}'")])


@FUZZ
@given(data=st.data())
def test_duplicate_identifier(proj, data):
    rel, _ = data.draw(st.sampled_from([f for f in csv_files() if TABLES[f[1]].unique]))
    rows = rows_of(ROOT / rel)
    i = data.draw(a_row(rel))
    assert_refused(
        proj,
        rel,
        to_csv(rows + [rows[i]]),
        [
            err(
                rel,
                len(rows) + 1,
                "duplicate identifier .*" + re.escape(f"(first at {rel}:{i + 1})"),
            )
        ],
    )


HOSTILE_IDS = [
    "<script>alert(1)</script>",
    "a b",
    "../../etc/passwd",
    "..",
    "x/y",
    "x%2fy",
    "javascript:alert(1)",
    "\ufeffx",
    "é",
    "-x",
    "x\u202e",
    'x"y',
    "x#y",
    "x?y",
]


@FUZZ
@given(data=st.data())
def test_identifier_that_cannot_be_part_of_an_iri(proj, data):
    rel, table = data.draw(st.sampled_from(csv_files()))
    key = TABLES[table].key[0]
    col = TABLES[table].col(key)
    rows = rows_of(ROOT / rel)
    j = rows[0].index(key)
    i = data.draw(a_row(rel))
    rows[i][j] = data.draw(st.sampled_from(HOSTILE_IDS))
    reason = {
        TEXT: "not an identifier",
        REF: "not an identifier",
        URL: r"not an http\(s\) URL",
    }.get(col.kind, "control character")
    assert_refused(proj, rel, to_csv(rows), [err(rel, i + 1, f"{key}: .*({reason}|U\\+)")])


# -- whole-file and byte-level problems ------------------------------------------------------


@FUZZ
@given(data=st.data(), word=st.text(alphabet="éàçëïüñ€ß", min_size=1, max_size=5))
def test_latin1_bytes(proj, data, word):
    rel, _ = data.draw(st.sampled_from(csv_files()))
    rows = rows_of(ROOT / rel)
    i = data.draw(a_row(rel))
    raw = to_csv(rows).split(b"\n")
    raw[i] = raw[i] + b"," + word.encode("cp1252")
    assert_refused(proj, rel, b"\n".join(raw), [err(rel, i + 1, "not valid UTF-8")])


@FUZZ
@given(data=st.data(), blank=st.sampled_from([b"", b"\n", b"  \r\n", b"\xef\xbb\xbf", b",,\n"]))
def test_empty_file(proj, data, blank):
    rel, _ = data.draw(st.sampled_from(csv_files()))
    assert_refused(proj, rel, blank, [err(rel, 1, "empty file")])


@FUZZ
@given(
    data=st.data(),
    char=st.sampled_from(["\x00", "\x01", "\x1b", "\x7f", "\x85", "\ufeff", "\uffff"]),
)
def test_control_characters(proj, data, char):
    rel, _ = data.draw(st.sampled_from(csv_files()))
    rows = rows_of(ROOT / rel)
    i = data.draw(a_row(rel))
    j = data.draw(st.integers(0, len(rows[0]) - 1))
    name = rows[0][j]
    if len(rows[i][j].strip()) < 2:
        rows[i][j] = "xy"  # the character goes inside the value: the ends are stripped
    k = data.draw(st.integers(1, len(rows[i][j]) - 1))
    rows[i][j] = rows[i][j][:k] + char + rows[i][j][k:]
    raw = to_csv(rows) if char != "\x00" else to_csv(rows).replace(b"\\x00", b"\x00")
    assert_refused(proj, rel, raw, [err(rel, i + 1, re.escape(f"{name}: "))])


@settings(max_examples=12, deadline=None, derandomize=True, database=None)
@given(data=st.data(), size=st.integers(131_073, 400_000))
def test_very_long_value(proj, data, size):
    rel, _ = data.draw(st.sampled_from(csv_files()))
    rows = rows_of(ROOT / rel)
    i = data.draw(a_row(rel))
    rows[i][-1] = "x" * size
    assert_refused(
        proj, rel, to_csv(rows), [err(rel, i + 1, "malformed CSV: a value is longer than")]
    )


@FUZZ
@given(data=st.data())
def test_unterminated_quote(proj, data):
    rel, _ = data.draw(st.sampled_from(csv_files()))
    raw = to_csv(rows_of(ROOT / rel)).split(b"\n")
    i = data.draw(st.integers(1, len(raw) - 2))
    raw[i] = raw[i] + b',"open'
    assert_refused(proj, rel, b"\n".join(raw), [err(rel, i + 1, "malformed CSV")])


@FUZZ
@given(data=st.data())
def test_header_problems(proj, data):
    rel, table = data.draw(st.sampled_from(csv_files()))
    rows = rows_of(ROOT / rel)
    required = [c.name for c in TABLES[table].cols if c.required and c.name in rows[0]]
    kind = data.draw(st.sampled_from(["unknown", "duplicate", "missing"]))
    if kind == "unknown":
        rows = [r + ["x"] for r in rows]
        rows[0][-1] = data.draw(st.sampled_from(["nonsense", "<b>", "naam", "ID"]))
        expected = "unknown column"
    elif kind == "duplicate":
        rows = [r + [r[0]] for r in rows]
        expected = f"column '{rows[0][0]}' appears 2 times"
    else:
        j = rows[0].index(data.draw(st.sampled_from(required)))
        expected = f"missing column '{rows[0][j]}'"
        rows = [r[:j] + r[j + 1 :] for r in rows]
    assert_refused(proj, rel, to_csv(rows), [err(rel, 1, re.escape(expected))])


# -- any text in any cell: read + map either work or point at that row --------------------


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(data=st.data(), text=st.text(max_size=40))
def test_any_text_in_any_cell(proj, data, text):
    """Whatever the cell holds, read and map never crash, and problems name that row."""
    rel, _ = data.draw(st.sampled_from(csv_files()))
    rows = rows_of(ROOT / rel)
    i = data.draw(a_row(rel))
    j = data.draw(st.integers(0, len(rows[0]) - 1))
    rows[i][j] = text.replace("\x00", "")
    with changed(proj.root / rel, to_csv(rows)):
        try:
            load_graph(Config(root=proj.root))
        except InputError as e:
            lines = e.lines()
            assert all(line.startswith(f"{rel}:{i + 1}: ") for line in lines), lines
            assert len(lines) == 1, lines


# -- broken ontology/, shapes/ and violation queries --------------------------------------

RDF_FILES = sorted(
    p.relative_to(ROOT).as_posix() for d in ("ontology", "shapes") for p in (ROOT / d).glob("*.ttl")
)
RQ_FILES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "shapes").glob("*.rq"))
GARBAGE = st.one_of(
    st.sampled_from(
        [
            b"\xe9",
            b"\x00",
            b"<",
            b'"',
            b"@prefix",
            b".",
            b"}",
            b"<http://x/a b>",
            b"zz:a",
            b"\xef\xbb\xbf",
            b"\n;\n",
            b"SELECT",
            b"{",
            b"'''",
        ]
    ),
    st.binary(min_size=1, max_size=8),
)


def broken_bytes(data, rel: str) -> bytes:
    raw = (ROOT / rel).read_bytes()
    at = data.draw(st.integers(0, len(raw)))
    if data.draw(st.booleans()):
        return raw[:at]
    return raw[:at] + data.draw(GARBAGE) + raw[at:]


@settings(max_examples=15, deadline=None, derandomize=True, database=None)
@given(data=st.data())
def test_broken_rdf_and_query_files(proj, data):
    """Truncated or corrupted Turtle/SPARQL: a build either still works or says where."""
    rel = data.draw(st.sampled_from(RDF_FILES + RQ_FILES))
    out = proj.root / "scratch-dist"
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(proj.root / "dist", out)
    err = io.StringIO()
    with (
        changed(proj.root / rel, broken_bytes(data, rel)),
        contextlib.redirect_stderr(err),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        code = main(["build", "--root", str(proj.root), "--out", str(out), "-q"])
    lines = err.getvalue().splitlines()
    assert code in (0, 1, 2), lines
    if code == 2:
        assert_read_error_or_gone_uris(lines, rel)
    if code != 0:
        assert lines and tree_digest(out) == proj.digest


PUBLISHED = "data/published-uris.txt"


def assert_read_error_or_gone_uris(lines: list[str], rel: str) -> None:
    """Exit 2 for a broken file: one line at that file, or, where the broken bytes still parse
    but moved published terms elsewhere (a prefix's IRI changed), one line per published URI
    now missing, each at its line of data/published-uris.txt."""
    found = [LINE.match(line) for line in lines]
    assert lines and all(m and int(m["line"]) >= 1 for m in found), lines
    paths = {m["path"] for m in found if m}
    assert (paths == {rel} and len(lines) == 1) or paths == {PUBLISHED}, lines


def test_a_prefix_moved_by_a_broken_byte_is_reported_per_published_uri(project):
    """A dot inside the IRI of codelists.ttl's prefix `bevinding:` still parses (the scheme
    `https.`), so every finding category it names moves to another IRI: each is reported at its
    line of data/published-uris.txt, and no output is written."""
    path = project / "ontology" / "codelists.ttl"
    good = "@prefix bevinding: <https://w3id.org/cultuurregio/def/bevinding#> ."
    path.write_text(path.read_text().replace(good, good.replace("https:", "https.:")))
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["build", "--root", str(project), "-q"])
    lines = err.getvalue().splitlines()
    assert code == 2 and not (project / "dist").exists()
    assert_read_error_or_gone_uris(lines, "ontology/codelists.ttl")
    assert len(lines) >= 2 and all("def/bevinding#" in line for line in lines), lines


@pytest.mark.parametrize("rel", ["shapes/class-hierarchy.ttl", "ontology/codelists.ttl"])
def test_a_byte_that_is_not_utf8_in_a_turtle_comment_is_its_file_and_line(project, rel):
    """The Turtle parser skips a comment's bytes; the read stage does not: exit 2 at the line,
    where the shapes' check in the validating process used to fail with an internal error."""
    path = project / rel
    lines = path.read_bytes().split(b"\n")
    lines.insert(2, b"# caf\xe9")
    path.write_bytes(b"\n".join(lines))
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["build", "--root", str(project), "-q"])
    assert code == 2, err.getvalue()
    assert err.getvalue().splitlines() == [
        f"error: {rel}:3: not valid UTF-8 (save the file as UTF-8)"
    ]
    assert not (project / "dist").exists()
