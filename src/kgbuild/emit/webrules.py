"""Generated web-server configurations that implement the rules of negotiate.py.

The Accept logic is written once, as a chain of `Rule`s (a variable, the text it is computed
from, regex cases in order, a default), and rendered to nginx `map` blocks and to Apache
`RewriteCond`/`RewriteRule` chains. Each media type's q is extracted and normalised to four
digits ('0500'), then a knock-out tournament over the candidates keeps the higher q (the earlier
candidate on a tie); the tests check both servers against negotiate.choose().
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model.formats import FORMATS
from ..model.negotiate import CANDIDATES, Candidate

ABSENT = "-"


@dataclass(frozen=True)
class Rule:
    """var := the first case whose regex matches `source`, else default.

    `source` and values use {name} for other variables and {1}..{9} for regex captures.
    """

    var: str
    source: str
    cases: tuple[tuple[str, str], ...]
    default: str
    nocase: bool = False


def range_regex(media_range: str) -> tuple[str, str]:
    """Regexes for a media range with a q parameter (captures it) and without one."""
    r = re.escape(media_range)
    head = rf"(?:^|,)\s*{r}\s*"
    with_q = head + r"(?:;\s*(?!q\s*=)[^;,]*)*;\s*q\s*=\s*([^;,]*?)\s*(?:[;,]|$)"
    without_q = head + r"(?:;[^,]*)?(?:,|$)"
    return with_q, without_q


def var_name(media_range: str) -> str:
    """text/* -> text_any, application/ld+json -> application_ld_json."""
    return re.sub(r"[^a-z0-9]+", "_", media_range.lower().replace("*", "any")).strip("_")


def q_rules(media_range: str) -> list[Rule]:
    """The q of one media range in Accept, as four digits, or '-' when it is not mentioned."""
    raw, norm = f"qraw_{var_name(media_range)}", f"q_{var_name(media_range)}"
    with_q, without_q = range_regex(media_range)
    return [
        Rule(raw, "{accept}", ((with_q, "q{1}"), (without_q, "q1")), ABSENT, nocase=True),
        Rule(
            norm,
            "{" + raw + "}",
            (
                (r"^q1(?:\.0{0,3})?$", "1000"),
                (r"^q0\.(\d)(\d)(\d)$", "0{1}{2}{3}"),
                (r"^q0\.(\d)(\d)$", "0{1}{2}0"),
                (r"^q0\.(\d)$", "0{1}00"),
                (r"^q0\.?$", "0000"),
                (r"^-$", ABSENT),
            ),
            "0000",
        ),
    ]


def candidate_rule(i: int, candidate: Candidate) -> Rule:
    """Candidate i's q from the most specific range mentioned (else 0), as 'i:qqqq'."""
    ranges = candidate.ranges
    source = "|".join("{q_" + var_name(r) + "}" for r in ranges)
    cases = tuple(("^" + r"-\|" * k + r"(\d{4})(?:\||$)", f"{i}:{{1}}") for k in range(len(ranges)))
    return Rule(f"c{i}", source, cases, f"{i}:0000")


def match_rule(var: str, left: str, right: str) -> Rule:
    """The higher of two 'i:qqqq' values; the left one on a tie (digit-wise comparison)."""
    cases = [(r"^(\d+:(\d{4}))\|\d+:\2$", "{1}")]
    cases += [(rf"^(\d+:(\d*){d}\d*)\|\d+:\2[0-{d - 1}]\d*$", "{1}") for d in range(9, 0, -1)]
    cases.append((r"\|(.+)$", "{1}"))
    return Rule(var, "{" + left + "}|{" + right + "}", tuple(cases), ABSENT)


def tournament(names: list[str]) -> tuple[list[Rule], str]:
    rules: list[Rule] = []
    n = 0
    while len(names) > 1:
        nxt = []
        for k in range(0, len(names) - 1, 2):
            rules.append(match_rule(f"w{n}", names[k], names[k + 1]))
            nxt.append(f"w{n}")
            n += 1
        if len(names) % 2:
            nxt.append(names[-1])
        names = nxt
    return rules, names[0]


def negotiation_rules() -> list[Rule]:
    """From Accept and ?format= to `want`: a format extension, or '-' (406)."""
    ranges = sorted({r for c in CANDIDATES for r in c.ranges})
    rules = [rule for r in ranges for rule in q_rules(r)]
    rules += [candidate_rule(i, c) for i, c in enumerate(CANDIDATES)]
    matches, winner = tournament([f"c{i}" for i in range(len(CANDIDATES))])
    rules += matches
    rules.append(
        Rule(
            "negotiated",
            "{" + winner + "}",
            ((r"^\d+:0000$", ABSENT),)
            + tuple((rf"^{i}:", c.format.extension) for i, c in enumerate(CANDIDATES)),
            ABSENT,
        )
    )
    rules.append(
        Rule(
            "want",
            "{format}|{negotiated}",
            ((r"^\|(.+)$", "{1}"),) + tuple((rf"^{f.name}\|", f.extension) for f in FORMATS),
            ABSENT,
        )
    )
    return rules
