r"""Load the built dump into a triple store over the SPARQL 1.1 Graph Store Protocol, then prove
the store holds exactly the dump's triples.

The dump replaces the target graph as a whole (HTTP PUT). Credentials come from the
environment (KGBUILD_STORE_USER, KGBUILD_STORE_PASSWORD); the store's challenge picks basic or
digest authentication. Transient failures (connection errors, timeouts, 408, 425, 429, 5xx) are
retried with a bounded, growing pause; then the load stops with a LoadError (exit 3). A store
that refuses an upload before reading it and closes the connection is asked again without a
body (HEAD), so that its refusal (401, 403, 407) is reported instead of a broken pipe.
Only Turtle or N-Triples is sent: some stores accept JSON-LD and then store nothing.

The check (`verify`) compares triples, not counts: one SPARQL CONSTRUCT of the target graph,
answered as N-Triples and parsed while it streams in, against the dump parsed with pyoxigraph,
as sets. Each triple is kept as a 16-byte digest of its N-Triples form, so a dump of a million
triples costs some 100 MB and seconds, not the memory of two graphs; a difference is reported
with how many triples are missing and extra and one example of each. Terms compare as RDF 1.1
terms, as pyoxigraph parses them on both sides: "x" and "x"^^xsd:string are one literal, and
language tags are compared in lower case (they are case-insensitive). Nothing else is
normalised: another lexical form of the same value ("1" for "true"^^xsd:boolean, "01" for
"1"^^xsd:integer), another datatype, a dropped language tag or a changed IRI is "not exactly
the dump". The bundled dump comes back from both stores unchanged: Oxigraph 0.5 would store
"1"^^xsd:boolean, "01"^^xsd:integer and "1.50"^^xsd:decimal in canonical form (true, 1, 1.5),
so a dump with such forms would fail the check there, by design; Virtuoso 7.2.5 answers every
literal as it was sent (its JSON results write booleans as 1/0, one reason the check does not
use them). Virtuoso keeps the backslash of a Turtle local-name escape (`bron:x\#y`) in the IRI
it stores, which is why our Turtle writes no such escapes. The store's answer is parsed
leniently, so an invalid IRI is reported as an extra triple rather than a parse error. Virtuoso
cuts results
at ResultSetMaxRows without saying so; that shows as missing triples and nothing extra.
Triples with a blank node (the dump has none) cannot be matched across stores: those are
compared by count per predicate only.
"""

from __future__ import annotations

import hashlib
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from .errors import KgError

MEDIA = {"ttl": "text/turtle", "nt": "application/n-triples"}
TRANSIENT = {408, 425, 429, 500, 502, 503, 504}
USER_VAR, PASSWORD_VAR = "KGBUILD_STORE_USER", "KGBUILD_STORE_PASSWORD"


class LoadError(KgError):
    """The store could not be reached, refused the dump, or does not hold it afterwards."""

    exit_code = 3


@dataclass(frozen=True)
class Target:
    store: str  # Graph Store Protocol endpoint, e.g. http://host/store
    query: str  # SPARQL query endpoint of the same store, e.g. http://host/query
    graph: str | None  # None: the default graph
    attempts: int = 5
    pause: float = 0.5  # first pause between attempts; doubles each time
    timeout: float = 120

    def gsp_url(self) -> str:
        sep = "&" if "?" in self.store else "?"
        if self.graph is None:
            return f"{self.store}{sep}default"
        return f"{self.store}{sep}graph={urllib.parse.quote(self.graph, safe='')}"


def guess_query_endpoint(store: str) -> str:
    """The query endpoint beside a Graph Store endpoint, for the stores we know."""
    for suffix, query in (("/store", "/query"), ("/sparql-graph-crud-auth", "/sparql"),
                          ("/sparql-graph-crud", "/sparql"), ("/data", "/sparql")):
        if store.rstrip("/").endswith(suffix):
            return store.rstrip("/")[: -len(suffix)] + query
    raise LoadError(f"{store}: cannot tell its SPARQL query endpoint; give --query-endpoint")


def opener(url: str) -> urllib.request.OpenerDirector:
    """An opener that answers basic or digest challenges with the environment's credentials."""
    user, password = os.environ.get(USER_VAR), os.environ.get(PASSWORD_VAR)
    if not user:
        return urllib.request.build_opener()
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, url, user, password or "")
    return urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords),
                                       urllib.request.HTTPBasicAuthHandler(passwords))


def request(target: Target, req: urllib.request.Request, what: str,
            sleep: Callable[[float], None] = time.sleep, read: Callable = lambda r: r.read()):
    """Send with bounded retries on transient failures; a LoadError names the last failure.
    `read` turns the response into the result (its body, unless told otherwise), while the
    connection is open: a failure while reading is retried too."""
    pause, last = target.pause, ""
    for attempt in range(1, target.attempts + 1):
        try:
            with opener(req.full_url).open(req, timeout=target.timeout) as resp:
                return read(resp)
        except urllib.error.HTTPError as e:
            body = e.read()[:200].decode("utf-8", "replace")
            last = f"HTTP {e.code} {e.reason}: {' '.join(body.split())}".rstrip(": ")
            if e.code not in TRANSIENT:
                raise LoadError(f"{what}: {req.full_url}: {last}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
            last = str(getattr(e, "reason", e))
            if req.data and isinstance(getattr(e, "reason", e),
                                       (BrokenPipeError, ConnectionResetError)):
                refused_upload(req, what)
        if attempt < target.attempts:
            sleep(pause)
            pause *= 2
    raise LoadError(f"{what}: {req.full_url}: gave up after {target.attempts} attempts: {last}")


REFUSED = {401, 403, 407}  # answers a store may give before reading an upload, then close


def refused_upload(req: urllib.request.Request, what: str) -> None:
    """A store that refuses an upload may answer before reading it and close the connection:
    the sender then sees only a broken pipe. Ask without a body what it answered; raise a
    LoadError with that status if it refuses us."""
    probe = urllib.request.Request(req.full_url, method="HEAD")
    try:
        with opener(req.full_url).open(probe, timeout=30):
            return
    except urllib.error.HTTPError as e:
        if e.code in REFUSED:
            raise LoadError(f"{what}: {req.full_url}: HTTP {e.code} {e.reason} "
                            "(answered before the upload was read)") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        return


def put(target: Target, data: bytes, fmt: str, sleep=time.sleep) -> None:
    req = urllib.request.Request(target.gsp_url(), data=data, method="PUT",
                                 headers={"Content-Type": MEDIA[fmt]})
    request(target, req, "load", sleep)


def graph_pattern(target: Target) -> str:
    inner = "?s ?p ?o"
    return f"GRAPH <{target.graph}> {{ {inner} }}" if target.graph else inner


def format_of(path: Path) -> pyoxigraph.RdfFormat:
    return pyoxigraph.RdfFormat.TURTLE if path.suffix == ".ttl" else \
        pyoxigraph.RdfFormat.N_TRIPLES


def differences(want: Counter, have: Counter) -> list[str]:
    keys = sorted(set(want) | set(have))
    return [f"<{k}> dump {want[k]}, store {have[k]}" for k in keys if want[k] != have[k]]


Digests = tuple[set[bytes], Counter]  # triples without blank nodes; with: per predicate


def digest(triple: pyoxigraph.Triple) -> bytes:
    return hashlib.blake2b(str(triple).encode(), digest_size=16).digest()


def has_blank(triple: pyoxigraph.Triple) -> bool:
    return isinstance(triple.subject, pyoxigraph.BlankNode) or \
        isinstance(triple.object, pyoxigraph.BlankNode)


def dump_digests(path: Path) -> Digests:
    ground, blank = set(), Counter()
    for t in pyoxigraph.parse(path=str(path), format=format_of(path)):
        if has_blank(t):
            blank[t.predicate.value] += 1
        else:
            ground.add(digest(t))
    return ground, blank


@dataclass
class Comparison:
    """The store's triples streamed against the dump's digests."""
    missing: set[bytes]  # dump digests not (yet) seen in the store
    blank: Counter  # the store's triples with a blank node, per predicate
    extra: int = 0
    extra_example: pyoxigraph.Triple | None = None
    total: int = 0  # triples the store answered

    def add(self, t: pyoxigraph.Triple, dump: set[bytes]) -> None:
        self.total += 1
        if has_blank(t):
            self.blank[t.predicate.value] += 1
            return
        d = digest(t)
        if d in dump:
            self.missing.discard(d)  # a store may answer a triple twice: not extra
        else:
            self.extra += 1
            self.extra_example = self.extra_example or t


def store_triples(target: Target, dump: set[bytes], sleep=time.sleep) -> Comparison:
    """The target graph's triples, by one CONSTRUCT, compared with the dump as they stream in."""
    query = "CONSTRUCT { ?s ?p ?o } WHERE { " + graph_pattern(target) + " }"
    body = urllib.parse.urlencode({"query": query}).encode()
    req = urllib.request.Request(target.query, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/n-triples, text/plain;q=0.5"})

    def read(resp) -> Comparison:
        media = (resp.headers.get("Content-Type") or "application/n-triples").split(";")[0]
        fmt = pyoxigraph.RdfFormat.from_media_type(media)
        if fmt not in (pyoxigraph.RdfFormat.N_TRIPLES, pyoxigraph.RdfFormat.TURTLE):
            raise LoadError(f"verify: {target.query}: answered {media}, not N-Triples")
        seen = Comparison(set(dump), Counter())
        try:
            for t in pyoxigraph.parse(resp, format=fmt, lenient=True):
                seen.add(t, dump)
        except SyntaxError as e:
            raise LoadError(f"verify: {target.query}: the answer is not {fmt.name}: "
                            f"{' '.join(str(e).split())}") from None
        return seen

    return request(target, req, "verify", sleep, read)


def first_missing(path: Path, missing: set[bytes]) -> pyoxigraph.Triple:
    return next(t for t in pyoxigraph.parse(path=str(path), format=format_of(path))
                if not has_blank(t) and digest(t) in missing)


def verify(target: Target, path: Path, sleep=time.sleep) -> int:
    """The number of triples, when the store's target graph holds exactly the dump's: the same
    triples (those with a blank node: as many per predicate)."""
    dump, dump_blank = dump_digests(path)
    seen = store_triples(target, dump, sleep)
    want = len(dump) + sum(dump_blank.values())
    if seen.missing or seen.extra:
        examples = []
        if seen.missing:
            examples.append(f"missing: {first_missing(path, seen.missing)} .")
        if seen.extra:
            examples.append(f"extra: {seen.extra_example} .")
        hint = "" if seen.extra else (" (a store that cuts its answers, e.g. Virtuoso at "
                                      "ResultSetMaxRows, answers too few: raise the limit)")
        raise LoadError(f"verify: the store does not hold exactly the dump: "
                        f"{len(seen.missing)} triple(s) missing, {seen.extra} extra (dump "
                        f"{want}, store answered {seen.total}); e.g. {'; '.join(examples)}"
                        + hint)
    wrong = differences(dump_blank, seen.blank)
    if wrong:
        raise LoadError(f"verify: the store does not hold exactly the dump: triples with a "
                        f"blank node differ in {len(wrong)} predicate(s), e.g. {wrong[0]}")
    return want


def dump_path(dist: Path, fmt: str) -> Path:
    path = dist / "download" / "latest" / f"cultuurregios.{fmt}"
    if not path.is_file():
        raise LoadError(f"{path}: no built dump here; run 'kgbuild build' first")
    return path


def load(target: Target, dist: Path, fmt: str = "nt", sleep=time.sleep) -> int:
    """PUT the dump into the target graph, then verify; the number of triples loaded."""
    path = dump_path(dist, fmt)
    put(target, path.read_bytes(), fmt, sleep)
    return verify(target, path, sleep)
