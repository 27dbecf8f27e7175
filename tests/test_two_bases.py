"""One register, published under two bases (docs/decisions/0023-one-base.md).

A build under another base publishes the same files as under the default base, each with the
same bytes once the base's text is put back (a gzipped file: what it holds); only the sizes
and checksums of the downloads differ, and those must be the downloads' own. The canned
queries answer alike on each published dump, and every violation query finds the same rows in
deliberately broken data under each base, so none can pass by matching nothing.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import shutil
from pathlib import Path

import pyoxigraph
import pytest
from conftest import PROJECT_DIRS, ROOT
from test_shapes import CASES, HERE, change

from kgbuild.build import Config, build, check, load_graph
from kgbuild.cli import main
from kgbuild.model.memstore import store_of
from kgbuild.model.terms import DEFAULT_BASE
from kgbuild.read.sources import read_rdf

OTHER_BASES = ("https://example.org/cr/", "http://localhost:8080/x/y/")
# the files that state the downloads' sizes and checksums
DESCRIBES_DOWNLOADS = re.compile(
    r"download/[^/]+/(dataset\.ttl|SHA256SUMS)"
    r"|doc/dataset/cultuurregios(/[^/]+)?\.[a-z.]+"
)


@pytest.fixture(scope="module", params=OTHER_BASES)
def other(request, tmp_path_factory) -> tuple[str, Path]:
    """(base, the bundled project built under it)."""
    out = tmp_path_factory.mktemp("base") / "dist"
    build(Config(root=ROOT, base=request.param, out=out))
    return request.param, out


def files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def content(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def downloads(dist: Path, pattern: str = "*") -> dict[str, bytes]:
    """The files of the download area that SHA256SUMS lists, by name."""
    folder = dist / "download/latest"
    return {p.name: p.read_bytes() for p in sorted(folder.glob(pattern)) if p.name != "SHA256SUMS"}


def facts(data: bytes) -> tuple[bytes, bytes]:
    return hashlib.sha256(data).hexdigest().encode(), str(len(data)).encode()


def with_default_downloads(data: bytes, dist: Path, default: Path) -> bytes:
    """The text with each download's checksum and size under the other base replaced by those
    under the default base (in one pass, so no value is replaced twice)."""
    mine, theirs = downloads(dist), downloads(default)
    swap = {
        a: b for name in mine for a, b in zip(facts(mine[name]), facts(theirs[name]), strict=True)
    }
    pattern = re.compile(rb"(?<![0-9a-f])(" + b"|".join(map(re.escape, swap)) + rb")(?![0-9a-f])")
    return pattern.sub(lambda m: swap[m.group(1)], data)


def as_default(data: bytes, base: str) -> bytes:
    return data.replace(base.encode(), DEFAULT_BASE.encode())


def test_the_same_files_are_published(other, site):
    _, dist = other
    assert files(dist) == files(site)


def test_every_file_is_the_same_but_for_the_base(other, site):
    base, dist = other
    differ = []
    for name in sorted(set(files(site)) & set(files(dist))):
        data = as_default(content(dist / name), base)
        if DESCRIBES_DOWNLOADS.fullmatch(name):
            data = with_default_downloads(data, dist, site)
        if data != content(site / name):
            differ.append(name)
    assert differ == [], f"{len(differ)} file(s) differ, e.g. {differ[:10]}"


def test_the_downloads_are_described_by_their_own_bytes(other):
    """What the files above may differ in: each states the sizes and checksums of the
    downloads published beside it."""
    base, dist = other
    store = pyoxigraph.Store()
    store.load(path=str(dist / "download/latest/dataset.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
    stated = {
        row["url"].value: (row["sum"].value, row["size"].value)
        for row in store.query(
            "PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX spdx: <http://spdx.org/rdf/terms#> "
            "SELECT ?url ?sum ?size { ?d dcat:downloadURL ?url ; dcat:byteSize ?size ; "
            "spdx:checksum/spdx:checksumValue ?sum }"
        )
    }
    version = next(p.name for p in (dist / "download").iterdir() if p.name != "latest")
    mine = {
        f"{base}download/{version}/{name}": tuple(v.decode() for v in facts(data))
        for name, data in downloads(dist, "cultuurregios.*").items()
    }
    assert stated == mine
    sums = (dist / "download/latest/SHA256SUMS").read_text()
    assert sums == "".join(
        f"{facts(data)[0].decode()}  {name}\n" for name, data in downloads(dist).items()
    )


def query_names() -> list[str]:
    return sorted(p.stem for p in (ROOT / "queries").glob("*.rq"))


def answers(capsysbinary, dist: Path, base: str) -> dict[str, list[bytes]]:
    """Every canned query's CSV, run by `kgbuild query` on the dump published in dist: its
    header, then its rows sorted (a dump under another base holds other IRIs, and an ORDER BY
    on IRIs may put them in another order)."""
    out = {}
    for name in query_names():
        code = main(
            [
                "query",
                name,
                "--root",
                str(ROOT),
                "--dist",
                str(dist),
                "--base",
                base,
                "--format",
                "csv",
                "-q",
            ]
        )
        captured = capsysbinary.readouterr()
        assert code == 0, captured.err
        header, *rows = as_default(captured.out, base).splitlines()
        out[name] = [header, *sorted(rows)]
    return out


def test_canned_queries_answer_alike_on_each_published_dump(other, site, capsysbinary):
    base, dist = other
    mine, theirs = answers(capsysbinary, dist, base), answers(capsysbinary, site, DEFAULT_BASE)
    assert len(mine) > 10 and all(len(rows) > 1 for rows in theirs.values())
    assert mine == theirs


def violation_cases() -> list[dict]:
    """The first violating example of each violation query (tests/shapes/manifest.toml)."""
    first: dict[str, dict] = {}
    for case in CASES:
        if case["rule"].endswith("-violation.rq"):
            first.setdefault(case["rule"], case)
    return list(first.values())


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> tuple[Path, list[str]]:
    """A copy of the project whose ontology/ also holds the conforming example with every
    violation query's case applied; and the violation queries."""
    root = tmp_path_factory.mktemp("broken")
    for name in PROJECT_DIRS:
        shutil.copytree(ROOT / name, root / name)
    store = store_of(read_rdf(HERE / "conforming.ttl", HERE))
    cases = violation_cases()
    for case in cases:
        change(store, case)
    triples = [pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in store]
    (root / "ontology/zz-violations.ttl").write_bytes(
        pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.TURTLE)
    )
    return root, [case["rule"] for case in cases]


def findings(root: Path, base: str) -> list[str]:
    """Every finding of validating the project under a base, with the default base's text."""
    config = Config(root=root, base=base)
    report = check(load_graph(config), config)
    return sorted(as_default(f.line().encode(), base).decode() for f in report.findings)


def test_each_violation_query_finds_the_same_rows_under_every_base(broken):
    """Some find the case's node, others (date-datatype) the first node by IRI: each must find
    a row, and the same rows under every base."""
    root, rules = broken
    default = findings(root, DEFAULT_BASE)
    assert {
        rule for rule in rules if any(f"shape=shapes/{rule}:" in line for line in default)
    } == set(rules)
    for base in OTHER_BASES:
        assert findings(root, base) == default, base


def test_a_base_is_text_no_syntax_escapes():
    """Moving the base in written bytes equals moving it in each IRI only when no syntax
    written escapes it; anything else is refused at the command line."""
    from kgbuild.model.base import Base
    from kgbuild.model.errors import UsageError

    assert Base.given("https://example.org/cr") == Base("https://example.org/cr/")
    assert Base.given("http://localhost:8080/x/y/").iri == "http://localhost:8080/x/y/"
    for bad in (
        "ftp://x/",
        "https://e.org/a b/",
        "https://e.org/a&b/",
        "https://e.org/?q/",
        "https://e.org/#x/",
        "https://e.org/%7E/",
        "https://e.org/../",
        "https://e.org//",
        "https://user@e.org/",
        "https://e.org/a'b/",
        "https://e.org/<x>/",
    ):
        with pytest.raises(UsageError, match="--base"):
            Base.given(bad)


def test_the_default_base_moves_once():
    """Also to a base that begins with the default one."""
    from kgbuild.model.base import DEFAULT, Base

    iri = DEFAULT_BASE + "id/regio/twente"
    assert DEFAULT.text(iri) == iri and DEFAULT.data(iri.encode()) == iri.encode()
    moved = DEFAULT_BASE + "test/id/regio/twente"
    assert Base(DEFAULT_BASE + "test/").text(f"<{iri}> <{iri}>") == f"<{moved}> <{moved}>"
