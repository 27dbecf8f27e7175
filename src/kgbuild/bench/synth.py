"""Synthetic data of the register's shape, at a scale factor, for the benchmark.

`write_project(root, scale)` writes a project folder (data/**.csv with the columns of tables.py,
plus ontology/, shapes/ and queries/ copied from the repository) that reads, maps and conforms.
One unit of scale is about a thousand triples: per unit two regions with five members each over
four periods, eight gemeenten, a source with its locators, an organisation, a project, a funding,
two findings and two convenant parties. The register grows the way publishers grow it (more
regional divisions and memberships over time), so gemeenten stop at the 9,999 codes that
GM0001-GM9999 allow and provincies at PV01-PV99. Everything is seeded: same scale, same bytes.
"""

from __future__ import annotations

import csv
import io
import random
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..read.tables import TABLES

PROJECT_DIRS = ("ontology", "shapes", "queries")
MAX_GEMEENTEN, MAX_PROVINCIES = 9999, 99
PERIODS = (
    ("2018-01-01", "2019-12-31"),
    ("2020-01-01", "2021-12-31"),
    ("2022-01-01", "2023-12-31"),
    ("2024-01-01", ""),
)
SOURCE = "synth-bron"
Row = dict[str, str]


@dataclass(frozen=True)
class Plan:
    """How many of each thing a scale factor gives."""

    scale: int
    themes: tuple[str, ...]

    @property
    def provincies(self) -> int:
        return min(MAX_PROVINCIES, 12 + self.scale // 10)

    @property
    def gemeenten(self) -> int:
        return min(MAX_GEMEENTEN, 8 * self.scale + 32)

    @property
    def units(self) -> range:
        return range(self.scale)


def gm(n: int) -> str:
    return f"GM{n:04d}"


def pv(n: int) -> str:
    return f"PV{n:02d}"


def cite(unit: int, where: str) -> str:
    return f"{SOURCE}-{unit // 10}#{where}"


def sources(plan: Plan, rng: random.Random) -> Iterator[Row]:
    for n in range(max(1, (plan.scale + 9) // 10)):
        yield {
            "id": f"{SOURCE}-{n}",
            "kind": "dataset",
            "title": f"Synthetische indeling {n}",
            "authors": "Benchmark; Generator",
            "year": str(2018 + n % 8),
            "publisher": "Synthetisch bureau",
            "identifier": f"synth-{n}",
            "url": f"https://example.org/synth/{n}",
            "cites": f"{SOURCE}-{n}#kop",
        }


def provincies(plan: Plan, rng: random.Random) -> Iterator[Row]:
    for n in range(1, plan.provincies + 1):
        yield {
            "provinciecode": pv(n),
            "provinciecode_num": f"{n:02d}",
            "provincienaam": f"Provincie {n}",
            "gemeenten_2025": "1",
            "tooi_uri": f"https://identifier.overheid.nl/tooi/id/provincie/pv{n:02d}",
            "cites": cite(0, f"provincie {pv(n)}"),
        }


def gemeenten(plan: Plan, rng: random.Random) -> Iterator[Row]:
    for n in range(1, plan.gemeenten + 1):
        p = 1 + n % plan.provincies
        yield {
            "gemeentecode": gm(n),
            "gemeentecode_num": f"{n:04d}",
            "gemeentenaam": f"Gemeente {n}",
            "provinciecode": pv(p),
            "provincienaam": f"Provincie {p}",
            "tooi_uri": f"https://identifier.overheid.nl/tooi/id/gemeente/gm{n:04d}",
            "tooi_provincie_uri": f"https://identifier.overheid.nl/tooi/id/provincie/pv{p:02d}",
            "cites": cite(min(n // 8, plan.scale - 1), f"gemeente {gm(n)}"),
        }


def former_codes(plan: Plan) -> range:
    """Codes above the current gemeenten for gemeenten that ended in a merger (one per ten units)."""
    return range(plan.gemeenten + 1, min(MAX_GEMEENTEN, plan.gemeenten + plan.scale // 10 + 1) + 1)


def former_gemeenten(plan: Plan, rng: random.Random) -> Iterator[Row]:
    for n in former_codes(plan):
        yield {
            "gemeentecode": gm(n),
            "gemeentecode_num": f"{n:04d}",
            "gemeentenaam": f"Voormalige gemeente {n}",
            "ended": "2019-01-01",
            "tooi_uri": f"https://identifier.overheid.nl/tooi/id/gemeente/gm{n:04d}",
            "status": "stated",
            "cites": cite(0, f"opgeheven {gm(n)}"),
        }


def mergers(plan: Plan, rng: random.Random) -> Iterator[Row]:
    for n in former_codes(plan):
        successor = rng.randint(1, plan.gemeenten)
        yield {
            "event": f"2019-01-01-synth-{n}",
            "date": "2019-01-01",
            "kind": "annexation",
            "successor": gm(successor),
            "successor_new": "no",
            "predecessor": gm(n),
            "status": "stated",
            "cites": cite(0, f"herindeling {gm(n)}"),
        }


def organisations(plan: Plan, rng: random.Random) -> Iterator[Row]:
    kinds = ("network", "institution", "orchestra", "theatre", "research-firm", "other")
    yield {
        "id": "synth-ministerie",
        "kind": "ministry",
        "name": "Synthetisch ministerie",
        "cites": cite(0, "ministerie"),
    }
    for u in plan.units:
        members = sorted({gm(rng.randint(1, plan.gemeenten)) for _ in range(3)})
        yield {
            "id": f"synth-org-{u}",
            "kind": kinds[u % len(kinds)],
            "name": f"Organisatie {u}",
            "description_nl": f"Synthetische organisatie {u}.",
            "description_en": f"Synthetic organisation {u}.",
            "based_in": gm(rng.randint(1, plan.gemeenten)),
            "website": f"https://example.org/org/{u}",
            "members": ";".join(members) if u % 6 == 0 else "",
            "cites": cite(u, f"organisatie {u}"),
        }


def people(plan: Plan, rng: random.Random) -> Iterator[Row]:
    for u in plan.units[::2]:
        yield {
            "id": f"synth-persoon-{u}",
            "name": f"Persoon {u}",
            "role_nl": "wethouder",
            "role_en": "alderman",
            "affiliation": f"synth-org-{u}",
            "cites": cite(u, f"persoon {u}"),
        }


def region_id(u: int, k: int) -> str:
    return f"synth-regio-{u}-{k}"


def regions(plan: Plan, rng: random.Random) -> Iterator[Row]:
    for u in plan.units:
        for k in range(2):
            yield {
                "id": region_id(u, k),
                "kind": "cultuurregio",
                "name": f"Regio {u}.{k}",
                "name_en": f"Region {u}.{k}",
                "alt_names": f"R{u}-{k}",
                "part_of": f"synth-landsdeel-{u // 10}",
                "founded": "2018",
                "stated_span": pv(1 + (u + k) % plan.provincies),
                "stated_member_count": "5",
                "website": f"https://example.org/regio/{u}/{k}",
                "description_nl": f"Synthetische regio {u}.{k}.",
                "description_en": f"Synthetic region {u}.{k}.",
                "cites": cite(u, f"regio {u}.{k}"),
            }
        if u % 10 == 0:
            yield {
                "id": f"synth-landsdeel-{u // 10}",
                "kind": "landsdeel",
                "name": f"Landsdeel {u // 10}",
                "founded": "2024",
                "cites": cite(u, f"landsdeel {u // 10}"),
            }


def memberships(plan: Plan, rng: random.Random) -> Iterator[Row]:
    for u in plan.units:
        for k in range(2):
            members = rng.sample(range(1, plan.gemeenten + 1), 5)
            for i, m in enumerate(members):
                for begin, end in PERIODS:
                    inferred = rng.random() < 0.1
                    yield {
                        "region": region_id(u, k),
                        "member": gm(m),
                        "role": "representative" if i == 0 and begin >= "2024" else "member",
                        "begin": begin,
                        "end": end,
                        "attested": begin[:4],
                        "status": "inferred" if inferred else "stated",
                        "reason_nl": "afgeleid uit de indeling" if inferred else "",
                        "reason_en": "derived from the division" if inferred else "",
                        "cites": cite(u, f"tabel {begin[:4]}"),
                    }


def recognitions(plan: Plan, rng: random.Random) -> Iterator[Row]:
    for u in plan.units[::3]:
        yield {
            "id": f"synth-erkenning-{u}",
            "region": region_id(u, 0),
            "date": "2024-06-01",
            "by": "synth-ministerie",
            "document": f"{SOURCE}-{u // 10}",
            "cites": cite(u, f"erkenning {u}"),
        }


def projects(plan: Plan, rng: random.Random) -> Iterator[Row]:
    kinds = ("proeftuin", "programme", "subsidy-scheme", "project")
    for u in plan.units:
        yield {
            "id": f"synth-project-{u}",
            "kind": kinds[u % 4],
            "name": f"Project {u}",
            "name_en": f"Project {u}",
            "region": region_id(u, 0),
            "executor": f"synth-org-{u}",
            "partners": gm(rng.randint(1, plan.gemeenten)),
            "themes": rng.choice(plan.themes),
            "description_nl": f"Synthetisch project {u}.",
            "description_en": f"Synthetic project {u}.",
            "start": "2021",
            "end": "2028",
            "stated_participant_count": "3",
            "status": "stated",
            "cites": cite(u, f"project {u}"),
        }


def fundings(plan: Plan, rng: random.Random) -> Iterator[Row]:
    for u in plan.units:
        yield {
            "id": f"synth-financiering-{u}",
            "funder": "synth-ministerie",
            "recipient": region_id(u, 0),
            "project": f"synth-project-{u}",
            "amount": f"{rng.randint(10, 5000) * 1000}",
            "year": "2024",
            "purpose_nl": f"Bijdrage {u}.",
            "purpose_en": f"Contribution {u}.",
            "matched_by": region_id(u, 0),
            "themes": rng.choice(plan.themes),
            "cites": cite(u, f"financiering {u}"),
        }


def findings(plan: Plan, rng: random.Random) -> Iterator[Row]:
    kinds = TABLES["findings"].col("kind").choices
    for u in plan.units:
        for k in range(2):
            yield {
                "id": f"synth-bevinding-{u}-{k}",
                "kind": kinds[(u + k) % len(kinds)],
                "statement_nl": f"Bevinding {u}.{k}.",
                "statement_en": f"Finding {u}.{k}.",
                "themes": rng.choice(plan.themes),
                "concerns": region_id(u, k),
                "cites": cite(u, f"bevinding {u}.{k}"),
            }


def events(plan: Plan, rng: random.Random) -> Iterator[Row]:
    for u in plan.units[::2]:
        yield {
            "id": f"synth-gebeurtenis-{u}",
            "date": "2023-05-01",
            "name_nl": f"Besluit {u}",
            "name_en": f"Decision {u}",
            "agent": f"synth-persoon-{u}",
            "on_behalf_of": "synth-ministerie",
            "document": f"{SOURCE}-{u // 10}",
            "description_nl": f"Besluit {u}.",
            "description_en": f"Decision {u}.",
            "cites": cite(u, f"besluit {u}"),
        }


def convenants(plan: Plan, rng: random.Random) -> Iterator[Row]:
    yield {
        "id": "synth-ronde",
        "kind": "round",
        "title": "Synthetische ronde",
        "start": "2025",
        "end": "2028",
        "cites": cite(0, "ronde"),
    }
    for c in range((plan.scale + 4) // 5):
        yield {
            "id": f"synth-convenant-{c}",
            "kind": "convenant",
            "title": f"Convenant {c}",
            "part_of": "synth-ronde",
            "start": "2025-01-01",
            "end": "2028-12-31",
            "date": "2025-01-15",
            "identifier": f"stcrt-synth-{c}",
            "url": f"https://example.org/convenant/{c}",
            "party_list_incomplete": "no",
            "regions": region_id(5 * c, 0),
            "cites": cite(5 * c, f"convenant {c}"),
        }


def convenant_parties(plan: Plan, rng: random.Random) -> Iterator[Row]:
    for u in plan.units:
        for k in range(2):
            yield {
                "convenant": f"synth-convenant-{u // 5}",
                "number": str(2 * (u % 5) + k + 1),
                "party": gm(rng.randint(1, plan.gemeenten)),
                "acts_for": region_id(u, k),
                "acts_for_status": "stated",
                "cites": cite(u, f"partij {u}.{k}"),
            }


def tombstones(plan: Plan, rng: random.Random) -> Iterator[Row]:
    """One retired region URI per ten units, replaced by a region that exists."""
    for u in plan.units[::10]:
        yield {
            "iri": f"https://w3id.org/cultuurregio/id/regio/synth-opgeheven-{u}",
            "reason_nl": f"Synthetische regio {u} is opgegaan in een andere.",
            "reason_en": f"Synthetic region {u} merged into another.",
            "date": "2025-01-01",
            "successor": f"https://w3id.org/cultuurregio/id/regio/{region_id(u, 0)}",
            "cites": cite(u, f"opgeheven {u}"),
        }


MAKERS: dict[str, Callable[[Plan, random.Random], Iterator[Row]]] = {
    "sources": sources,
    "provincies": provincies,
    "gemeenten": gemeenten,
    "former_gemeenten": former_gemeenten,
    "mergers": mergers,
    "organisations": organisations,
    "people": people,
    "regions": regions,
    "memberships": memberships,
    "recognitions": recognitions,
    "projects": projects,
    "fundings": fundings,
    "findings": findings,
    "events": events,
    "convenants": convenants,
    "convenant_parties": convenant_parties,
    "tombstones": tombstones,
}


def csv_text(table: str, rows: Iterator[Row]) -> str:
    """The table's columns in tables.py order; a table without a maker gets its header only."""
    header = [c.name for c in TABLES[table].cols]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return out.getvalue()


def theme_codes(repo: Path) -> tuple[str, ...]:
    text = (repo / "ontology" / "codelists.ttl").read_text(encoding="utf-8")
    return tuple(sorted(set(re.findall(r"^thema:([a-z-]+) a skos:Concept", text, re.MULTILINE))))


def write_project(root: Path, scale: int, repo: Path, seed: int = 7) -> dict[str, int]:
    """Write a synthetic project below root; return the number of rows per table."""
    plan = Plan(scale, theme_codes(repo))
    counts = {}
    for name in PROJECT_DIRS:
        if (repo / name).is_dir():
            shutil.copytree(repo / name, root / name, dirs_exist_ok=True)
    (root / "data" / "synth").mkdir(parents=True, exist_ok=True)
    shutil.copy(repo / "data" / "dataset.toml", root / "data" / "dataset.toml")
    for table in TABLES:
        rng = random.Random(f"{seed}:{table}:{scale}")
        rows = list(MAKERS[table](plan, rng)) if table in MAKERS else []
        (root / "data" / "synth" / f"{table}.csv").write_text(
            csv_text(table, iter(rows)), encoding="utf-8"
        )
        counts[table] = len(rows)
    return counts
