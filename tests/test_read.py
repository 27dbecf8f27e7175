"""Stage 1: the reader turns cells into typed values and every problem into file:line."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Triple

from kgbuild.model.errors import InputError
from kgbuild.read.sources import Cite, When, parse_cites, parse_date, read_data, read_rdf


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2018", When("2018", "gYear")),
        ("2024-03", When("2024-03", "gYearMonth")),
        ("2022-03-24", When("2022-03-24", "date")),
    ],
)
def test_dates_keep_their_precision(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2018-02-30", "2018-13", "18", "c. 2021", "2021-1-1"])
def test_bad_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_date(text)


def test_citations_name_document_and_place():
    assert parse_cites("artikel#noot 5; web#") == [Cite("artikel", "noot 5"), Cite("web", "")]
    with pytest.raises(ValueError):
        parse_cites("#noot 5")


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def problems(root: Path) -> list[str]:
    with pytest.raises(InputError) as e:
        read_data(root / "data", root)
    return e.value.lines()


def next_line(path: Path) -> int:
    """The line number a row appended to this file will have."""
    return len(path.read_text(encoding="utf-8").splitlines()) + 1


def test_a_problem_names_file_and_line(project):
    path = project / "data/artikel/regions.csv"
    n = next_line(path)
    write(
        project,
        "data/artikel/regions.csv",
        path.read_text() + "x,cultuurregio,X,,,2018-99,,,,,,,"
        "samenwerking-in-cultuurregios#noot 5\n",
    )
    lines = problems(project)
    assert lines == [f"data/artikel/regions.csv:{n}: founded: month out of range: '2018-99'"]


def test_unknown_reference_and_unknown_source(project):
    path = project / "data/artikel/regions.csv"
    n = next_line(path)
    write(
        project,
        "data/artikel/regions.csv",
        path.read_text() + "y,cultuurregio,Y,,,,,PV99,,,,,nergens#noot 1\n",
    )
    lines = problems(project)
    assert any(f"regions.csv:{n}: coincides_with: unknown reference 'PV99'" in x for x in lines)
    assert any(f"regions.csv:{n}: cites: unknown source 'nergens'" in x for x in lines)


def test_duplicate_identifier_points_at_both_rows(project):
    path = project / "data/artikel/sources.csv"
    first = path.read_text().splitlines()[1]
    write(project, "data/artikel/sources.csv", path.read_text() + first + "\n")
    [line] = problems(project)
    assert line.startswith("data/artikel/sources.csv:9: duplicate identifier")
    assert "first at data/artikel/sources.csv:2" in line


def test_row_with_too_many_fields(project):
    path = project / "data/artikel/organisations.csv"
    n = next_line(path)
    write(project, "data/artikel/organisations.csv", path.read_text() + "a,b,c\n")
    expected = f"data/artikel/organisations.csv:{n}: expected 10 fields, got 3"
    assert problems(project) == [expected]


def test_invalid_turtle_gives_its_line(project):
    path = project / "ontology/broken.ttl"
    path.write_text('@prefix a: <http://x/> .\na:b a:c a:d .\na:e a:f "open .\n')
    with pytest.raises(InputError) as e:
        read_rdf(path, project)
    [line] = e.value.lines()
    assert line.startswith("ontology/broken.ttl:3: invalid Turtle")


def test_the_ontology_and_shapes_are_read_as_triples_like_the_data(graph):
    """pyoxigraph parses Turtle into quads; a quad never equals the triple it holds, so the
    graph would hold two kinds of the same statement."""
    root = Path(__file__).resolve().parent.parent
    assert all(type(t) is Triple for t in read_rdf(root / "ontology/cultuurregio.ttl", root))
    assert all(type(t) is Triple for t in graph.triples)
