"""One regression test per reader bug the property-based tests (test_fuzz_input.py) found.

Before each fix the input below crashed with a traceback, was accepted into the dumps as an
invalid literal or IRI, or drowned its one real problem in follow-on errors.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from kgbuild.build import Config, load_graph
from kgbuild.cli import main
from kgbuild.model.errors import InputError
from kgbuild.read.cells import parse_value
from kgbuild.read.tables import DATE, DECIMAL, INT, Col


def run(project: Path, *args: str) -> tuple[int, list[str]]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["build", "--root", str(project), "-q", *args])
    return code, err.getvalue().splitlines()


def append(project: Path, rel: str, text: str) -> int:
    """Append text to a file; return the line number it starts on."""
    path = project / rel
    old = path.read_text(encoding="utf-8")
    path.write_text(old + text, encoding="utf-8")
    return len(old.splitlines()) + 1


def replace(project: Path, rel: str, old: str, new: str) -> int:
    """Replace the first old by new; return the line it was on."""
    path = project / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


REGION = ",cultuurregio,X,,,,,,,,,,samenwerking-in-cultuurregios#noot 5\n"


@pytest.mark.parametrize("ident", ["a b", "<script>", "../x", "\ufeffx"])
def test_identifier_that_is_no_iri_segment(project, ident):
    """Was: ValueError 'Invalid IRI code point' from the map stage (traceback)."""
    line = append(project, "data/artikel/regions.csv", ident + REGION)
    code, lines = run(project)
    assert code == 2
    assert lines == [
        (
            f"error: data/artikel/regions.csv:{line}: id: not an identifier (letters, "
            f"digits, '.', '_', '-'): {ident!r}"
        )
    ]


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/%zz",
        "https://a:b:c/",
        "http:///x",
        "javascript:alert(1)",
        "data:text/html;base64",
        "http://x/\x01",
    ],
)
def test_url_that_is_no_valid_iri(project, url):
    """Was: a traceback from NamedNode, or (javascript:) 8 follow-on 'unknown source' lines."""
    replace(project, "data/referentie/sources.csv", "https://github.com/cartomap/nl", url)
    code, lines = run(project)
    assert code == 2
    assert len(lines) == 1 and lines[0].startswith("error: data/referentie/sources.csv:2: url: ")


@pytest.mark.parametrize(
    "kind,text",
    [
        (DECIMAL, "NaN"),
        (DECIMAL, "Infinity"),
        (DECIMAL, "1_000"),
        (DECIMAL, "1e5"),
        (INT, "١٢"),
        (DATE, "２０１８"),
        (DATE, "0000"),
    ],
)
def test_numbers_and_dates_are_ascii_xsd_forms(kind, text):
    """Was: accepted, then written as an invalid xsd:decimal / xsd:gYear literal."""
    with pytest.raises(ValueError):
        parse_value(Col("x", kind), text)


def test_very_long_value_names_its_line(project):
    """Was: 'data/artikel/regions.csv: malformed CSV: field larger than field limit' (no line)."""
    line = replace(project, "data/artikel/regions.csv", "BrabantStad", "B" * 200_000)
    assert run(project) == (
        2,
        [
            (
                f"error: data/artikel/regions.csv:{line}: malformed CSV: a value is "
                "longer than 131072 characters"
            )
        ],
    )


def test_unterminated_quote_names_the_line_of_its_row(project):
    line = append(project, "data/artikel/regions.csv", 'x,"cultuurregio\n')
    assert run(project) == (
        2,
        [(f"error: data/artikel/regions.csv:{line}: malformed CSV: unexpected end of data")],
    )


def test_nul_and_control_characters_are_refused(project):
    """Was: a NUL byte inside a name went into the dumps."""
    line = replace(project, "data/artikel/regions.csv", "BrabantStad", "Brabant\x00Stad")
    assert run(project) == (
        2,
        [(f"error: data/artikel/regions.csv:{line}: name: control character U+0000 at position 8")],
    )


def test_duplicate_header_column(project):
    """Was: one 'expected 12 fields, got 11' line for every row of the file."""
    replace(project, "data/artikel/regions.csv", "id,kind,name,", "id,kind,name,name,")
    assert run(project) == (
        2,
        [("error: data/artikel/regions.csv:1: column 'name' appears 2 times")],
    )


def test_unreadable_file_gives_one_line_not_one_per_reference(project):
    """Was: the file's own error plus an 'unknown reference' line for every row citing it."""
    path = project / "data/referentie/provincies.csv"
    path.write_bytes(path.read_bytes().replace("Fryslân".encode(), "Fryslân".encode("latin-1")))
    assert run(project) == (
        2,
        [("error: data/referentie/provincies.csv:3: not valid UTF-8 (save the file as UTF-8)")],
    )


def test_broken_identifier_gives_one_line_not_one_per_citation(project):
    replace(
        project, "data/artikel/sources.csv", "samenwerking-in-cultuurregios,article", ",article"
    )
    assert run(project) == (2, ["error: data/artikel/sources.csv:2: id: required value missing"])


def test_whitespace_only_file_is_empty(project):
    (project / "data/artikel/regions.csv").write_text("  \n")
    assert run(project) == (
        2,
        [("error: data/artikel/regions.csv:1: empty file: expected a header row")],
    )


def test_folder_named_like_a_table(project):
    """Was: IsADirectoryError (traceback)."""
    (project / "data/extra/regions.csv").mkdir(parents=True)
    assert run(project) == (2, ["error: data/extra/regions.csv:1: not a regular file"])


def test_theme_codes_must_be_identifiers():
    """Themes become IRIs (def/thema#code): a code with a space crashed the map stage."""
    from kgbuild.read.tables import TABLES

    with pytest.raises(ValueError, match="not an identifier"):
        parse_value(TABLES["findings"].col("themes"), "cultuur educatie")


def test_turtle_with_byte_order_mark_is_read(project):
    path = project / "ontology/cultuurregio.ttl"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    load_graph(Config(root=project))


@pytest.mark.parametrize(
    "shape,message",
    [
        ('sh:property [ sh:path <http://x/p> ; sh:minCount "x" ]', "sh:minCount value 'x'"),
        ('sh:property [ sh:path "lit" ; sh:minCount 1 ]', "sh:path value 'lit'"),
        ('sh:pattern "(["', "sh:pattern '([' is not a valid regular expression"),
    ],
)
def test_broken_shape_is_an_input_error(project, shape, message):
    """Was: pyshacl's ConstraintLoadError or re.error (traceback), or silently ignored."""
    path = project / "shapes/cultuurregio-shapes.ttl"
    lines = path.read_text().count("\n")
    path.write_text(
        path.read_text() + "\n@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        f"<http://x/S> a sh:NodeShape ; sh:targetNode <http://x/n> ; {shape} .\n"
    )
    code, out = run(project)
    assert code == 2
    assert out == [
        f"error: shapes/cultuurregio-shapes.ttl:{lines + 3}: "
        + out[0].split(f"{lines + 3}: ", 1)[-1]
    ]
    assert message in out[0]


def test_shapes_found_sound_before_are_checked_again_once_changed(project):
    """The check's answer is remembered by content: a sound build leaves its marker, and a
    shape broken after it is still an input error."""
    assert run(project)[0] == 0
    assert len(list((project / "build/cache").glob("shapes-sound-*"))) == 1
    path = project / "shapes/cultuurregio-shapes.ttl"
    path.write_text(
        path.read_text() + "\n@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<http://x/S> a sh:NodeShape ; sh:targetNode <http://x/n> ; "
        'sh:property [ sh:path <http://x/p> ; sh:minCount "x" ] .\n'
    )
    code, out = run(project)
    assert code == 2 and "sh:minCount value 'x'" in out[0]


@pytest.mark.parametrize(
    "query,message",
    [
        (b"ASK { ?s ?p ?o }", "a violation query must be a SELECT"),
        (b"SELECT ?x WHERE { ?x ?p ?o }", "a violation query must be a SELECT"),
        (b"# caf\xe9\nSELECT ?focus ?message WHERE { ?focus ?p ?message }", "not valid UTF-8"),
        (b"SELECT ?focus ?message WHERE {\n ?focus ", "invalid SPARQL"),
    ],
)
def test_broken_violation_query(project, query, message):
    """Was: TypeError / AttributeError / UnicodeDecodeError (traceback)."""
    (project / "shapes/extra-violation.rq").write_bytes(query)
    code, out = run(project)
    assert code == 2 and len(out) == 1, out
    assert out[0].startswith("error: shapes/extra-violation.rq:") and message in out[0]


def test_violation_query_that_finds_something_exits_1(project):
    """Was: AttributeError on QuerySolution.variables as soon as a query returned a row."""
    (project / "shapes/zwolle-violation.rq").write_text(
        "SELECT ?focus ?path ?message WHERE {\n"
        "  BIND(<https://w3id.org/cultuurregio/id/regio/zwolle> AS ?focus)\n"
        "  BIND(<http://example.org/p> AS ?path) BIND('a test violation' AS ?message) }\n"
    )
    code, out = run(project)
    line = replace(project, "data/artikel/regions.csv", "\nzwolle,", "\nzwolle,") + 1
    assert code == 1
    assert out == [
        (
            f"data/artikel/regions.csv:{line}: Violation: <https://w3id.org/cultuurregio/id/"
            "regio/zwolle> path=http://example.org/p shape=shapes/zwolle-violation.rq: "
            "a test violation"
        )
    ]


@pytest.mark.parametrize(
    "old,new,message",
    [
        ('version = "0.1.0"', 'version = "../../escaped"', "version '../../escaped'"),
        ('issued = "2026-11-28"', 'issued = "yesterday"', "not a date"),
        ("[release]", "[release", "invalid TOML"),
    ],
)
def test_release_metadata_is_checked(project, old, new, message):
    """Was: a version of '../../x' wrote the download folder outside dist/."""
    replace(project, "data/dataset.toml", old, new)
    code, out = run(project)
    assert code == 2 and len(out) == 1, out
    assert out[0].startswith("error: data/dataset.toml:") and message in out[0]
    assert not (project / "escaped").exists()


def test_no_traceback_from_the_command_line(project):
    """The same through a real process: exit 2, one line, no Python traceback."""
    import subprocess
    import sys

    append(project, "data/artikel/regions.csv", "<script>" + REGION)
    result = subprocess.run(
        [sys.executable, "-m", "kgbuild.cli", "build", "--root", str(project), "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1


def test_input_error_lines_are_sorted_and_unique():
    from kgbuild.model.errors import Loc, Problem

    e = InputError(
        [Problem(Loc("b", 2), "y"), Problem(Loc("a", 1), "x"), Problem(Loc("a", 1), "x")]
    )
    assert e.lines() == ["a:1: x", "b:2: y"]
