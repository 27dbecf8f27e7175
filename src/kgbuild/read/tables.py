"""The source tables in data/: their columns, types and references.

A table is every file named `<table>.csv` anywhere below data/ (data/artikel/, data/register/,
data/referentie/ ...), so facts are grouped by where they come from. Rows keep their file:line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Column kinds understood by read/sources.py.
TEXT, INT, DECIMAL, BOOL, DATE, URL, ENUM, REF, REFS, LIST, CITES = (
    "text",
    "int",
    "decimal",
    "bool",
    "date",
    "url",
    "enum",
    "ref",
    "refs",
    "list",
    "cites",
)
CODES = "codes"  # a list of code-list codes; each becomes part of an IRI, so each is an identifier


@dataclass(frozen=True)
class Col:
    name: str
    kind: str = TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    ref: tuple[str, ...] = ()  # tables a REF/REFS column may point to


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    cols: tuple[Col, ...]
    extra_ok: tuple[str, ...] = field(default=())  # source columns carried along, not mapped
    unique: bool = True  # False: several rows (one per source) add facts to the same node

    def col(self, name: str) -> Col:
        return next(c for c in self.cols if c.name == name)


AGENTS = ("gemeenten", "former_gemeenten", "provincies", "organisations", "people", "regions")
CITES_COL = Col("cites", CITES, required=True)

TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table(
            "sources",
            ("id",),
            (
                Col("id", required=True),
                Col(
                    "kind",
                    ENUM,
                    True,
                    (
                        "article",
                        "report",
                        "advice",
                        "letter",
                        "webpage",
                        "publication",
                        "dataset",
                        "news",
                    ),
                ),
                Col("title", required=True),
                Col("authors", LIST),
                Col("year", DATE),
                Col("date", DATE),
                Col("publisher"),
                Col("place"),
                Col("identifier"),
                Col("url", URL),
                Col("cites", CITES),
            ),
        ),
        Table(
            "provincies",
            ("provinciecode",),
            (
                Col("provinciecode", required=True),
                Col("provinciecode_num", required=True),
                Col("provincienaam", required=True),
                Col("tooi_uri", URL, True),
                Col("gemeenten_2025", INT),
                CITES_COL,
            ),
        ),
        Table(
            "gemeenten",
            ("gemeentecode",),
            (
                Col("gemeentecode", required=True),
                Col("gemeentecode_num", required=True),
                Col("gemeentenaam", required=True),
                Col("provinciecode", REF, True, ref=("provincies",)),
                Col("provincienaam"),
                Col("tooi_uri", URL, True),
                Col("tooi_provincie_uri", URL),
                CITES_COL,
            ),
        ),
        Table(
            "former_gemeenten",
            ("gemeentecode",),
            (
                Col("gemeentecode", required=True),
                Col("gemeentecode_num", required=True),
                Col("gemeentenaam", required=True),
                Col("provinciecode", REF, ref=("provincies",)),
                Col("ended", DATE, True),
                Col("tooi_uri", URL, True),
                Col("status", ENUM, True, ("stated", "inferred")),
                Col("reason_nl"),
                Col("reason_en"),
                CITES_COL,
            ),
            extra_ok=("code_source",),
        ),
        Table(
            "mergers",
            ("event", "predecessor"),
            (
                Col("event", required=True),
                Col("date", DATE, True),
                Col("kind", ENUM, True, ("merger", "annexation", "split", "new-municipality")),
                Col("successor", REFS, True, ref=("gemeenten",)),
                Col("successor_new", BOOL, True),
                Col("predecessor", REF, ref=("former_gemeenten",)),
                Col("status", ENUM, True, ("stated", "inferred")),
                Col("reason_nl"),
                Col("reason_en"),
                Col("note_nl"),
                Col("note_en"),
                CITES_COL,
            ),
            extra_ok=(
                "successor_name",
                "predecessor_name",
                "change_type",
                "source_url",
                "source_date",
                "code_source",
            ),
            unique=False,
        ),
        Table(
            "organisations",
            ("id",),
            (
                Col("id", required=True),
                Col(
                    "kind",
                    ENUM,
                    True,
                    (
                        "ministry",
                        "advisory-council",
                        "institution",
                        "research-firm",
                        "network",
                        "orchestra",
                        "theatre",
                        "public-body",
                        "other",
                    ),
                ),
                Col("name", required=True),
                Col("description_nl"),
                Col("description_en"),
                Col("based_in", REF, ref=("gemeenten",)),
                Col("website", URL),
                Col("tooi_uri", URL),
                Col("members", REFS, ref=AGENTS),
                CITES_COL,
            ),
        ),
        Table(
            "people",
            ("id",),
            (
                Col("id", required=True),
                Col("name", required=True),
                Col("role_nl", required=True),
                Col("role_en", required=True),
                Col("affiliation", REF, ref=AGENTS),
                CITES_COL,
            ),
        ),
        Table(
            "regions",
            ("id",),
            (
                Col("id", required=True),
                Col("kind", ENUM, True, ("cultuurregio", "landsdeel")),
                Col("name", required=True),
                Col("name_en"),
                Col("alt_names", LIST),
                Col("part_of", REFS, ref=("regions",)),
                Col("founded", DATE),
                Col("ended", DATE),
                Col("grew_out_of", REFS, ref=("organisations",)),
                Col("coincides_with", REF, ref=("provincies",)),
                Col("covers", REFS, ref=("provincies",)),
                Col("stated_span", REFS, ref=("provincies",)),
                Col("outside_before", DATE),
                Col("stated_member_count", INT),
                Col("website", URL),
                Col("description_nl"),
                Col("description_en"),
                Col("completeness_nl"),
                Col("completeness_en"),
                CITES_COL,
            ),
            unique=False,
        ),
        Table(
            "memberships",
            ("region", "member", "role", "begin"),
            (
                Col("region", REF, True, ref=("regions",)),
                Col("member", REF, True, ref=AGENTS),
                Col("role", ENUM, True, ("member", "representative", "lead")),
                Col("begin", DATE),
                Col("end", DATE),
                Col("attested", DATE),
                Col("status", ENUM, True, ("stated", "inferred")),
                Col("reason_nl"),
                Col("reason_en"),
                Col("named_as", REFS, ref=("former_gemeenten",)),
                CITES_COL,
            ),
            extra_ok=("member_name", "source_url", "source_date", "evidence"),
            unique=False,
        ),
        Table(
            "recognitions",
            ("id",),
            (
                Col("id", required=True),
                Col("region", REF, True, ref=("regions",)),
                Col("date", DATE, True),
                Col("by", REF, ref=AGENTS),
                Col("on_behalf_of", REF, ref=AGENTS),
                Col("document", REF, ref=("sources",)),
                CITES_COL,
            ),
            unique=False,
        ),  # several rows (one per source) describe the same recognition
        Table(
            "projects",
            ("id",),
            (
                Col("id", required=True),
                Col("kind", ENUM, True, ("proeftuin", "programme", "subsidy-scheme", "project")),
                Col("name", required=True),
                Col("name_en"),
                Col("region", REFS, ref=("regions",)),
                Col("executor", REFS, ref=AGENTS),
                Col("partners", REFS, ref=AGENTS),
                Col("participants", REFS, ref=AGENTS),
                Col("themes", CODES),
                Col("description_nl", required=True),
                Col("description_en", required=True),
                Col("start", DATE),
                Col("end", DATE),
                Col("stated_participant_count", INT),
                Col("status", ENUM, choices=("stated", "inferred")),
                Col("reason_nl"),
                Col("reason_en"),
                CITES_COL,
            ),
        ),
        Table(
            "fundings",
            ("id",),
            (
                Col("id", required=True),
                Col("funder", REF, True, ref=AGENTS),
                Col("recipient", REFS, ref=AGENTS),
                Col("project", REF, ref=("projects",)),
                Col("amount", DECIMAL),
                Col("year", DATE),
                Col("purpose_nl", required=True),
                Col("purpose_en", required=True),
                Col("matched_by", REFS, ref=AGENTS),
                Col("themes", CODES),
                CITES_COL,
            ),
        ),
        Table(
            "findings",
            ("id",),
            (
                Col("id", required=True),
                Col(
                    "kind",
                    ENUM,
                    True,
                    ("meerwaarde", "resultaat", "nadeel", "knelpunt", "optie", "kans", "context"),
                ),
                Col("statement_nl", required=True),
                Col("statement_en", required=True),
                Col("themes", CODES),
                Col("concerns", REFS, ref=AGENTS),
                Col("attributed_to", REFS, ref=AGENTS),
                CITES_COL,
            ),
        ),
        Table(
            "events",
            ("id",),
            (
                Col("id", required=True),
                Col("date", DATE),
                Col("name_nl", required=True),
                Col("name_en", required=True),
                Col("agent", REF, ref=AGENTS),
                Col("on_behalf_of", REF, ref=AGENTS),
                Col("document", REF, ref=("sources",)),
                Col("informed_by", REFS, ref=("sources",)),
                Col("description_nl"),
                Col("description_en"),
                CITES_COL,
            ),
        ),
        Table(
            "convenants",
            ("id",),
            (
                Col("id", required=True),
                Col("kind", ENUM, True, ("convenant", "round")),
                Col("title", required=True),
                Col("part_of", REF, ref=("convenants",)),
                Col("start", DATE),
                Col("end", DATE),
                Col("date", DATE),
                Col("identifier"),
                Col("url", URL),
                Col("party_list_incomplete", BOOL),
                Col("regions", REFS, ref=("regions",)),
                CITES_COL,
            ),
        ),
        Table(
            "convenant_parties",
            ("convenant", "number"),
            (
                Col("convenant", REF, True, ref=("convenants",)),
                Col("number", INT, True),
                Col("party", REF, True, ref=AGENTS),
                Col("acts_for", REFS, ref=("regions",)),
                Col("acts_for_status", ENUM, choices=("stated", "inferred")),
                Col("reason_nl"),
                Col("reason_en"),
                CITES_COL,
            ),
            extra_ok=("party_name", "acts_for_region_as_stated"),
        ),
        Table(
            "tombstones",
            ("iri",),
            (
                Col("iri", URL, True),
                Col("label_nl"),
                Col("label_en"),
                Col("reason_nl", required=True),
                Col("reason_en", required=True),
                Col("date", DATE, True),
                Col("successor", URL),
                CITES_COL,
            ),
        ),
    ]
}
