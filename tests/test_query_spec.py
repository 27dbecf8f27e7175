"""Query files: grlc headers read strictly, parameters typed, checked and bound safely."""

from __future__ import annotations

import pytest
from pyoxigraph import Literal, NamedNode

from kgbuild.model.errors import InputError, UsageError
from kgbuild.queries import bind, read_queries
from kgbuild.queries.params import ParamError, find_params, parse_param, substitute, to_term
from kgbuild.queries.run import bound_text
from kgbuild.queries.spec import parse_query

GOOD = """#+ summary: Members of a region
#+ tags:
#+   - memberships
#+ defaults:
#+   - peildatum: "2025-01-01"
PREFIX org: <http://www.w3.org/ns/org#>
SELECT ?m WHERE {
  ?m org:organization ?_regio_iri .
  # ?_not_a_param_iri in a comment
  FILTER(STR(?m) != "?_nor_in_a_string" && ?x <= COALESCE(?__peildatum_xsd_date, 1))
} ORDER BY ?m
"""


def write(project, name, text):
    (project / "queries").mkdir(exist_ok=True)
    (project / "queries" / f"{name}.rq").write_text(text)


def test_header_and_params_are_read():
    spec = parse_query("members", "queries/members.rq", GOOD)
    assert spec.summary == "Members of a region"
    assert spec.tags == ("memberships",)
    assert spec.defaults == {"peildatum": "2025-01-01"}
    assert [(p.name, p.kind, p.required) for p in spec.params] == [
        ("regio", "iri", True),
        ("peildatum", "xsd_date", False),
    ]


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("SELECT * WHERE {} ORDER BY ?x\n", 1, "no '#+' header"),
        ("#+ summary: a: b\nSELECT * {} ORDER BY ?x\n", 1, "not valid YAML"),
        (
            "#+ summary: x\n#+ tags:\n#+   - a\n#+  - b\nSELECT * {} ORDER BY ?x\n",
            4,
            "not valid YAML",
        ),
        ("#+ summary: x\n#+ colour: red\nSELECT * {} ORDER BY ?x\n", 2, "unknown header key"),
        ("#+ description: x\nSELECT * {} ORDER BY ?x\n", 1, "'summary' must be"),
        ("#+ summary: x\n#+ tags: yes\nSELECT * {} ORDER BY ?x\n", 2, "'tags' must be"),
        (
            "#+ summary: x\n#+ defaults:\n#+   - nope: 1\nSELECT * { ?a ?b ?_x_iri } ORDER BY ?a\n",
            3,
            "not a parameter",
        ),
        (
            "#+ summary: x\n#+ defaults:\n#+   - x: not-an-iri\nSELECT * { ?a ?b ?_x_iri } ORDER BY ?a\n",
            3,
            "default of 'x'",
        ),
        ("#+ summary: x\nSELECT * { ?a ?b ?c }\n", 2, "ORDER BY"),
        ("#+ summary: x\nSELECT * { ?a ?b \n", 2, "does not parse"),
        ("#+ summary: x\nSELECT * { ?a ?b ?c } ORDER BY ?a\n#+ tags: [a]\n", 3, "after the query"),
        ("#+ summary: x\nPREFIX s: <https://schema.org/>\nASK { ?a s:name ?b }\n", 3, "SELECT"),
        ("#+ summary: x\n# ASK\nCONSTRUCT { ?a ?b ?c }\nWHERE { ?a ?b ?c }\n", 3, "SELECT"),
        ("#+ summary: x\ndescribe <https://example.org/x>\n", 2, "SELECT"),
    ],
)
def test_malformed_header_is_an_error_with_file_line(project, text, line, message):
    write(project, "broken", text)
    with pytest.raises(InputError) as e:
        read_queries(project / "queries", project)
    [problem] = [p for p in e.value.problems if p.loc.path == "queries/broken.rq"]
    assert problem.loc.line == line and message in problem.message


def test_cli_reports_bad_query_file_with_exit_2(project):
    from kgbuild.cli import main

    write(project, "broken", "#+ summary: [unclosed\nSELECT * {} ORDER BY ?x\n")
    assert main(["query", "--root", str(project), "-q"]) == 2


def test_a_build_with_a_canned_ask_is_exit_2_not_an_internal_error(project):
    from kgbuild.cli import main

    write(project, "any-region", "#+ summary: x\nASK { ?r ?p ?o }\n")
    assert main(["build", "--root", str(project), "-q", "--out", str(project / "out")]) == 2


def test_every_shipped_query_reads(project):
    specs = read_queries(project / "queries", project)
    assert len(specs) >= 15
    assert all(s.summary and s.description and s.tags for s in specs)


@pytest.mark.parametrize(
    "var, expected",
    [
        ("_regio_iri", ("regio", "iri", True)),
        ("__peildatum_xsd_date", ("peildatum", "xsd_date", False)),
        ("_n_xsd_integer", ("n", "xsd_integer", True)),
        ("__label_en", ("label", "en", False)),
        ("_naam", ("naam", "", True)),
    ],
)
def test_param_suffixes(var, expected):
    p = parse_param(var)
    assert (p.name, p.kind, p.required) == expected


def test_ordinary_variables_are_not_params():
    assert parse_param("region") is None
    assert [p.var for p in find_params(GOOD)] == ["_regio_iri", "__peildatum_xsd_date"]


HOSTILE = [
    "https://x.org/a> } DROP ALL { <b",
    'https://x.org/"q"',
    "https://x.org/{a}",
    "https://x.org/a b",
    "<https://x.org/a>",
    "javascript:alert(1)",
    "x.org/a",
    "https://x.org/a\\u003e",
    "https://x.org/`a`",
    "https://x.org/a|b",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_iris_are_refused(value):
    spec = parse_query("members", "queries/members.rq", GOOD)
    with pytest.raises(UsageError, match=r"parameter 'regio' \(iri\): .* refused: not an abs"):
        bind(spec, {"regio": value})


@pytest.mark.parametrize(
    "value", ['2025-01-01" } DROP ALL', "2025-02-30", "2025-1-1", "", "2025-01-01T00:00:00"]
)
def test_bad_dates_are_refused(value):
    spec = parse_query("members", "queries/members.rq", GOOD)
    with pytest.raises(UsageError, match="parameter 'peildatum'"):
        bind(spec, {"regio": "https://x.org/r", "peildatum": value})


def test_unknown_and_missing_params_are_usage_errors():
    spec = parse_query("members", "queries/members.rq", GOOD)
    with pytest.raises(UsageError, match="unknown parameter 'colour'"):
        bind(spec, {"regio": "https://x.org/r", "colour": "red"})
    with pytest.raises(UsageError, match="'regio' is required"):
        bind(spec, {})


def test_defaults_fill_optional_params():
    spec = parse_query("members", "queries/members.rq", GOOD)
    terms = bind(spec, {"regio": "https://x.org/r"})
    assert terms["__peildatum_xsd_date"] == Literal(
        "2025-01-01", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#date")
    )


def test_substitution_touches_only_variables():
    spec = parse_query("members", "queries/members.rq", GOOD)
    text = bound_text(spec, bind(spec, {"regio": "https://x.org/r"}))
    assert "?m org:organization <https://x.org/r> ." in text
    assert "# ?_not_a_param_iri in a comment" in text
    assert '"?_nor_in_a_string"' in text
    assert 'COALESCE("2025-01-01"^^<http://www.w3.org/2001/XMLSchema#date>, 1)' in text


def test_string_values_stay_one_literal():
    p = parse_param("_naam")
    term = to_term(p, 'x" } ; DROP ALL ; SELECT * { "')
    text = substitute("SELECT * { ?s ?p ?_naam } ORDER BY ?s", {"_naam": term})
    import pyoxigraph

    assert list(pyoxigraph.Store().query(text)) == []
    assert text.count("DROP ALL") == 1 and '\\"' in text
    with pytest.raises(ParamError):
        to_term(p, "bell\x07")
