"""Content negotiation: the one set of rules behind `kgbuild serve` and the generated configs.

Rules (the web-server configs of emit/webrules.py implement exactly these):

- `GET /id/{path}`: 410 when the URI is withdrawn; 404 when there is no `doc/{path}.html`;
  406 when neither `?format=` nor `Accept` names a format we serve (the 406 page lists the
  formats; `kgbuild serve` adds a `Link` header to the document's files); else **303** to
  `/doc/{path}.{ext}`, with `Vary: Accept`.
- `GET /id/{path}.{ext}` (an extension of the format table): 303 to `/doc/{path}.{ext}` when
  that file exists, else 404.
- `GET /doc/...` or `/def/...`: a file that exists is served as it is; otherwise the path is a
  document without extension and is negotiated like /id/ (406, then `{path}.{ext}` or 404),
  answered **200** with `Vary: Accept` and `Content-Location`.

Accept is read as RFC 9110 says: each media range with its q (0 to 1, at most three decimals;
a malformed q counts as 0); a media type takes the q of its most specific matching range
(`text/turtle`, then `text/*`, then `*/*`); the candidate with the highest q wins and ties go to
the earlier candidate in the format table (HTML first). No or empty Accept means `*/*`.
`preferred()` is that rule for any list of offers; the SPARQL endpoint chooses its result
formats with it too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from .formats import BY_EXTENSION, BY_NAME, FORMATS, Format

NEGOTIATED_PREFIXES = ("/doc/", "/def/")
_QVALUE = re.compile(r"^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$")
T = TypeVar("T")
IsFile = Callable[[str], bool]  # whether a path relative to the served root is a file


def media_ranges(media_type: str) -> tuple[str, ...]:
    """The media ranges that match a media type, most specific first."""
    return (media_type, media_type.split("/")[0] + "/*", "*/*")


@dataclass(frozen=True)
class Candidate:
    """A media type we can answer with, and the format that answers it."""

    media_type: str
    format: Format
    alias: bool = False

    @property
    def ranges(self) -> tuple[str, ...]:
        """The media ranges that match, most specific first."""
        return (self.media_type,) if self.alias else media_ranges(self.media_type)


CANDIDATES: tuple[Candidate, ...] = tuple(
    Candidate(m, f, m != f.media_type) for f in FORMATS for m in (f.media_type, *f.aliases)
)


def qvalue(text: str) -> int:
    """A q parameter in thousandths: '0.5' -> 500; malformed -> 0."""
    text = text.strip()
    if not _QVALUE.match(text):
        return 0
    whole, _, frac = text.partition(".")
    return int(whole) * 1000 + int((frac + "000")[:3])


def parse_accept(header: str | None) -> dict[str, int]:
    """{media range: q in thousandths}; the first mention of a range counts."""
    ranges: dict[str, int] = {}
    for part in (header or "").split(","):
        media, *params = part.split(";")
        media = media.strip().lower()
        if not media:
            continue
        q = 1000
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                q = qvalue(value)
                break
        ranges.setdefault(media, q)
    return ranges or {"*/*": 1000}


def quality(offer_ranges: Sequence[str], ranges: dict[str, int]) -> int:
    """The q of the most specific range that matches an offer (its ranges, most specific
    first)."""
    for key in offer_ranges:
        if key in ranges:
            return ranges[key]
    return 0


def preferred(accept: str | None, offers: Sequence[tuple[T, Sequence[str]]]) -> T | None:
    """Of (value, its media ranges) offers, the value the Accept header likes best: the
    highest q, a tie to the earlier offer; None when every offer has q 0 (406)."""
    ranges = parse_accept(accept)
    best, best_q = None, 0
    for value, offer_ranges in offers:
        q = quality(offer_ranges, ranges)
        if q > best_q:
            best, best_q = value, q
    return best


def choose(accept: str | None) -> Format | None:
    """The format to answer an Accept header with, or None (406)."""
    return preferred(accept, [(c.format, c.ranges) for c in CANDIDATES])


def wanted(format_param: str | None, accept: str | None) -> Format | None:
    """`?format=` overrides Accept; an unknown ?format= value cannot be served (None)."""
    if format_param:
        return BY_NAME.get(format_param)
    return choose(accept)


@dataclass(frozen=True)
class Outcome:
    """What to answer: a status, and a redirect target or a file below the root."""

    status: int
    location: str | None = None
    file: str | None = None  # relative to the served root
    vary: bool = False
    content_location: str | None = None
    alternates: tuple[str, ...] = ()  # with a 406: the files of the document, by format

    @property
    def link(self) -> str | None:
        """The alternates as a Link header (RFC 8288), each with its media type."""
        if not self.alternates:
            return None
        return ", ".join(
            f'</{rel}>; rel="alternate"; type="{media_type_of(rel)}"' for rel in self.alternates
        )


def media_type_of(rel: str) -> str:
    return BY_EXTENSION[rel.rsplit(".", 1)[1]].media_type


def alternates(stem: str, is_file: IsFile) -> tuple[str, ...]:
    """The files of document `stem` (doc/regio/twente), one per format, that exist."""
    return tuple(f"{stem}.{f.extension}" for f in FORMATS if is_file(f"{stem}.{f.extension}"))


def split_extension(path: str) -> tuple[str, Format | None]:
    stem, dot, ext = path.rpartition(".")
    if dot and "/" not in ext and ext in BY_EXTENSION:
        return stem, BY_EXTENSION[ext]
    return path, None


def resolve_id(
    path: str, format_param: str | None, accept: str | None, is_file: IsFile, gone: frozenset[str]
) -> Outcome:
    """The answer for /id/{path} (path without the /id/ prefix)."""
    if path in gone:
        return Outcome(410, file=f"doc/{path}.html")
    stem, fmt = split_extension(path)
    if fmt is not None:
        target = f"doc/{stem}.{fmt.extension}"
        return Outcome(303, location="/" + target) if is_file(target) else Outcome(404)
    if not is_file(f"doc/{path}.html"):
        return Outcome(404)
    fmt = wanted(format_param, accept)
    if fmt is None:
        return Outcome(406, vary=True, alternates=alternates(f"doc/{path}", is_file))
    return Outcome(303, location=f"/doc/{path}.{fmt.extension}", vary=True)


def resolve_document(
    path: str, format_param: str | None, accept: str | None, is_file: IsFile
) -> Outcome:
    """The answer for /doc/... or /def/... (path without the leading slash)."""
    if is_file(path):
        return Outcome(200, file=path)
    fmt = wanted(format_param, accept)
    if fmt is None:
        return Outcome(406, vary=True, alternates=alternates(path, is_file))
    target = f"{path}.{fmt.extension}"
    if not is_file(target):
        return Outcome(404)
    return Outcome(200, file=target, vary=True, content_location="/" + target)


def resolve(
    url_path: str,
    format_param: str | None,
    accept: str | None,
    is_file: IsFile,
    gone: frozenset[str] = frozenset(),
) -> Outcome:
    """The answer for any path of the published tree; `is_file(rel)` looks at the tree."""
    if url_path.startswith("/id/"):
        return resolve_id(url_path[4:], format_param, accept, is_file, gone)
    if url_path.startswith(NEGOTIATED_PREFIXES):
        return resolve_document(url_path[1:], format_param, accept, is_file)
    rel = url_path.lstrip("/")
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return Outcome(200, file=rel) if is_file(rel) else Outcome(404)
