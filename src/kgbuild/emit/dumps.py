"""Stage 5, emit: write the dumps, checksums, dataset description and validation report.

Everything here is a pure function of the graph and the release metadata, so two builds of the
same input are byte-identical.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple

from ..model.base import Base
from ..model.errors import KgError
from ..model.formats import BY_NAME, RDF_FORMATS, Format, rdf_bytes
from ..model.release import Release
from ..model.terms import DCAT, DCT, DEFAULT_BASE, NS, ORG, PREFIXES, VOID, XSD, A

SPDX = NS("http://spdx.org/rdf/terms#")
FOAF = NS("http://xmlns.com/foaf/0.1/")
VCARD = NS("http://www.w3.org/2006/vcard/ns#")
SKOS_CONCEPT = NamedNode("http://www.w3.org/2004/02/skos/core#Concept")
SKOS_PREF_LABEL = NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
EU = "http://publications.europa.eu/resource/authority/"
EU_FILE_TYPES = {"ttl": "RDF_TURTLE", "jsonld": "JSON_LD", "nt": "RDF_N_TRIPLES", "rdf": "RDF_XML"}
IANA = "https://www.iana.org/assignments/media-types/"
GZIP = "application/gzip"
# The EU data themes the register falls under, with their labels in the EU vocabulary.
THEMES = {"EDUC": "Education, culture and sport", "GOVE": "Government and public sector"}
LANGUAGES = ("NLD", "ENG")
DUMP_NAME = "cultuurregios"
PROTOCOL = NamedNode("https://www.w3.org/TR/sparql11-protocol/")  # what the endpoint speaks
PREFIXES_WRITTEN = {k: v for k, v in PREFIXES.items() if k != "sh"}  # the files' prefixes
T = TypeVar("T")
# JSON-LD as pyoxigraph writes it expanded: each node's "@id", and each property's list of
# values, {"@id": …} or {"@value": …} with "@type" or "@language"
Expanded = dict[str, str]
ExpandedNode = dict[str, str | list[Expanded]]
# compacted: a value is a prefixed name, a plain string or a value object; a list if several
Compact = str | dict[str, str]
CompactNode = dict[str, Compact | Sequence[Compact]]


_TYPE = A.value
_TYPE_KEY = f"\0 <{_TYPE}\0 "  # where a key holds rdf:type as its predicate


def sort_key(t: Triple) -> str:
    """Subject, then rdf:type before the other predicates, then predicate, then object, as one
    string made from the triple's N-Triples form (`<s> <p> o`, one call into pyoxigraph instead
    of one per term): the '>' that ends the subject and the one that ends the predicate become
    NUL, which no IRI holds, so a subject sorts before the longer IRIs it is a prefix of (and a
    predicate likewise); an rdf:type predicate becomes \x01, below the space that starts any
    other. A blank node subject (`_:id`) is written as `<id>`, so subjects of both kinds compare
    by their value. The order is that of the tuple (subject value, predicate is not rdf:type,
    predicate, str(object)); the object's '>' are not touched, as it is compared as it is
    written."""
    k = str(t)
    if k[0] != "<":  # a blank node: no space or '>' in its label
        k = "<" + k[2:].replace(" ", "> ", 1)
    return k.replace(">", "\0", 2).replace(_TYPE_KEY, "\0\x01", 1)


def canonical(triples: Iterable[Triple]) -> list[Triple]:
    """The triples without repeats, in the canonical order (sort_key) that every output's
    bytes rest on."""
    return sorted(triples if isinstance(triples, (set, frozenset)) else set(triples), key=sort_key)


def serialize(triples: list[Triple], fmt: Format, base: Base) -> bytes:
    """Serialise already-sorted triples (under the default base) as published under `base`;
    Turtle, RDF/XML and JSON-LD get readable prefixes."""
    return base.data(written(triples, fmt))


def written(
    triples: list[Triple], fmt: Format, prefixes: dict[str, str] = PREFIXES_WRITTEN
) -> bytes:
    """The triples in one format, with those of `prefixes` that they use where it has them."""
    rdf = fmt.rdf
    if rdf is None:
        raise ValueError(f"{fmt.name} is not an RDF format")
    if rdf == RdfFormat.TURTLE:
        return sorted_prefix_lines(rdf_bytes(triples, rdf, plain_prefixes(triples, prefixes)))
    if rdf == RdfFormat.RDF_XML:
        names = element_names(triples)
        for iri in names:
            xml_nameable(iri)
        return rdf_bytes(triples, rdf, element_prefixes(names, prefixes))
    if rdf == RdfFormat.JSON_LD:
        return compact_jsonld((rdf_bytes(run, rdf) for run in subject_runs(triples)), prefixes)
    return rdf_bytes(triples, rdf)


JSONLD_RUN = 20_000  # triples written as expanded JSON-LD and compacted at a time


def subject_runs(triples: list[Triple], size: int = JSONLD_RUN) -> Iterator[list[Triple]]:
    """The triples in runs of about `size`, each cut where the subject changes, so that each
    node of the JSON-LD (one per subject, its triples being together) is in one run."""
    start = 0
    while start < len(triples):
        end = min(start + size, len(triples))
        while end < len(triples) and triples[end].subject == triples[end - 1].subject:
            end += 1
        yield triples[start:end]
        start = end


class NotExpressible(KgError):
    """A graph that RDF/XML cannot write: a predicate, or a class, whose IRI does not end in an
    XML name (`…/123`, `…/a:1`, `…/`), so no element can stand for it."""

    def __init__(self, iri: str):
        self.iri = iri
        super().__init__(
            f"<{iri}> cannot be written as RDF/XML: an element name stands for "
            "each predicate and class there, and this IRI does not end in an XML "
            "name (a letter or '_' followed by letters, digits, '_', '-', '.')"
        )

    def __reduce__(self) -> tuple[type[NotExpressible], tuple[str]]:
        return (NotExpressible, (self.iri,))


# XML 1.0 (fifth edition) NameStartChar and NameChar, without ':' (a namespaced local name)
_NAME_START = (
    "A-Z_a-z\xc0-\xd6\xd8-\xf6\xf8-\u02ff\u0370-\u037d\u037f-\u1fff"
    "\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf"
    "\ufdf0-\ufffd\U00010000-\U000effff"
)
_NAME_CHAR = _NAME_START + "\\-.0-9\xb7\u0300-\u036f\u203f-\u2040"
XML_NAME_TAIL = re.compile(f"[{_NAME_START}][{_NAME_CHAR}]*$")
XML_NAME = re.compile(f"[{_NAME_START}][{_NAME_CHAR}]*")


def element_names(triples: list[Triple]) -> set[str]:
    """The IRIs that RDF/XML writes as element names: predicates, and classes (pyoxigraph
    writes a subject's rdf:type as a typed node element)."""
    return {t.predicate.value for t in triples} | {
        t.object.value for t in triples if t.predicate == A and isinstance(t.object, NamedNode)
    }


def xml_nameable(iri: str) -> None:
    """Refuse (NotExpressible) an element IRI with no XML name at its end: pyoxigraph 0.5 would
    write it as an empty element name (`<oxprefix:>`), which no XML parser reads."""
    if XML_NAME_TAIL.search(iri) is None:
        raise NotExpressible(iri)


def element_prefixes(names: set[str], spaces: dict[str, str]) -> dict[str, str]:
    """The prefixes that name an element of the RDF/XML (a predicate or class that is the
    namespace and an XML name); the others would only be declared."""
    return {
        name: ns
        for name, ns in spaces.items()
        if any(iri.startswith(ns) and XML_NAME.fullmatch(iri, len(ns)) for iri in names)
    }


def compact_jsonld(expanded: Iterable[bytes], spaces: dict[str, str]) -> bytes:
    """pyoxigraph's expanded JSON-LD (full IRIs everywhere), in parts that each hold whole
    nodes, written as one document with a @context of the prefixes it uses: keys read
    `cr:memberOf`, classes go under @type, plain strings and single values stand alone. The
    same graph; the order of the input is kept. The parts are read one at a time, so that only
    one part's nodes are objects in memory at once."""
    used: set[str] = set()
    by_namespace = {ns: name for name, ns in spaces.items()}
    compacted: dict[str, tuple[str, str | None]] = {}

    def iri(value: str) -> str:
        if value not in compacted:
            compacted[value] = compact_iri(value, by_namespace)
        short, name = compacted[value]
        if name:
            used.add(name)
        return short

    def one(v: Expanded) -> Compact:
        if "@id" in v:
            return {"@id": iri(v["@id"])}
        if "@type" in v:
            return {**v, "@type": iri(v["@type"])}
        return v["@value"] if v.keys() == {"@value"} else v

    def single(values: list[T]) -> T | list[T]:
        return values[0] if len(values) == 1 else values

    def compact(node: ExpandedNode) -> CompactNode:
        out: CompactNode = {}
        for key, values in node.items():
            if isinstance(values, str):  # "@id", the one key whose value is not a list
                out[key] = iri(values)
            elif key == A.value and all(
                v.keys() == {"@id"} and not v["@id"].startswith("_:") for v in values
            ):
                out["@type"] = single([iri(v["@id"]) for v in values])
            else:
                out[iri(key)] = single([one(v) for v in values])
        return out

    text = JsonLdText()
    nodes = [text.node(compact(node)) for part in expanded for node in json.loads(part)]
    return text.document({name: spaces[name] for name in sorted(used)}, nodes)


def compact_iri(iri: str, by_namespace: dict[str, str]) -> tuple[str, str | None]:
    """(`name:rest`, name) under the longest namespace (each ends in '/' or '#') that leaves a
    rest not starting with '//', else (the IRI, None)."""
    end = len(iri) - 1
    while end > 0:
        end = max(iri.rfind("/", 0, end), iri.rfind("#", 0, end))
        if end < 0:
            break
        name = by_namespace.get(iri[: end + 1])
        if name and not iri.startswith("//", end + 1):
            return f"{name}:{iri[end + 1 :]}", name
    return iri, None


# json.dumps(v, ensure_ascii=False) without making an encoder per value: a string is
# written by the C function json.dumps itself ends in, anything else by one kept encoder
_string = json.encoder.encode_basestring
_value = json.JSONEncoder(ensure_ascii=False).encode


class JsonLdText:
    """The JSON-LD document as text: one line per prefix and per property, each value on its
    property's line."""

    def __init__(self) -> None:
        self.keys: dict[str, str] = {}  # a few hundred keys, written many times

    def key(self, k: str) -> str:
        if k not in self.keys:
            self.keys[k] = json.dumps(k)
        return self.keys[k]

    def members(self, obj: Mapping[str, object], indent: str) -> str:
        return ",\n".join(
            f"{indent}{self.key(k)}: {_string(v) if type(v) is str else _value(v)}"
            for k, v in obj.items()
        )

    def node(self, node: CompactNode) -> str:
        return "  {\n" + self.members(node, "   ") + "\n  }"

    def document(self, context: dict[str, str], nodes: list[str]) -> bytes:
        ctx = f"{{\n{self.members(context, '  ')}\n }}" if context else "{}"
        graph = "[\n" + ",\n".join(nodes) + "\n ]" if nodes else "[]"
        return f'{{\n "@context": {ctx},\n "@graph": {graph}\n}}\n'.encode()


def sorted_prefix_lines(turtle: bytes) -> bytes:
    """Put the @prefix header in a fixed order, whatever order the serialiser chose."""
    lines = turtle.split(b"\n")
    n = next((i for i, line in enumerate(lines) if not line.startswith(b"@prefix")), len(lines))
    return b"\n".join(sorted(lines[:n]) + lines[n:])


# Characters a prefixed name can hold only behind a backslash (`bron:x\#y`); some stores
# (Virtuoso 7) keep the backslash in the IRI, so such names are never written.
ESCAPED_IN_LOCAL_NAME = re.compile(r"[~!$&'()*+,;=/?#@%]")


def plain_prefixes(triples: list[Triple], spaces: dict[str, str]) -> dict[str, str]:
    """The prefixes under which every IRI of the triples is a prefixed name with no escape;
    IRIs of the others are written in full."""
    iris = sorted(
        {
            term.value
            for t in triples
            for term in (t.subject, t.predicate, t.object)
            if isinstance(term, NamedNode)
        }
    )
    plain: dict[str, str] = {}
    for name, ns in spaces.items():
        first, last = bisect_left(iris, ns), bisect_left(iris, ns + "\U0010ffff")
        if not any(ESCAPED_IN_LOCAL_NAME.search(iri, len(ns)) for iri in iris[first:last]):
            plain[name] = ns
    return plain


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Written:
    """A file of the download area as the dataset description tells of it."""

    size: int
    sha256: str

    @classmethod
    def of(cls, data: bytes) -> Written:
        return cls(len(data), sha256(data))


def write_dumps(
    triples: list[Triple], base: Base, put: Callable[[str, bytes], None]
) -> dict[str, Written]:
    """Every RDF format of the triples, plain and gzipped, handed to `put` (file name, bytes)
    as it is made; what was written, by file name. A format is compressed and written while
    the next is serialised (zlib and the file system let go of the GIL), so at most two
    formats' bytes are held at once, not all of them."""

    def finish(name: str, data: bytes) -> dict[str, Written]:
        put(name, data)
        packed = gzipped(data)
        put(name + ".gz", packed)
        return {name: Written.of(data), name + ".gz": Written.of(packed)}

    written: dict[str, Written] = {}
    with ThreadPoolExecutor(1) as pool:
        pending: Future[dict[str, Written]] | None = None
        for fmt in RDF_FORMATS:
            data = serialize(triples, fmt, base)
            if pending is not None:
                written.update(pending.result())
            pending = pool.submit(finish, f"{DUMP_NAME}.{fmt.extension}", data)
            del data
        if pending is not None:
            written.update(pending.result())
    return written


def sha256sums(files: Mapping[str, Written]) -> bytes:
    return "".join(f"{files[n].sha256}  {n}\n" for n in sorted(files)).encode()


def dcat_ap_nl(release: Release) -> list[Triple]:
    """What DCAT-AP(-NL) asks beyond plain DCAT: identifier, landing page, languages, access
    rights, themes (EU vocabularies), keywords, vocabularies used and a citation."""
    ds = NamedNode(release.dataset_iri)
    out = [
        Triple(ds, DCT.identifier, Literal(release.dataset_iri)),
        Triple(ds, DCAT.landingPage, NamedNode(release.landing_page)),
        Triple(ds, DCT.accessRights, NamedNode(EU + "access-right/PUBLIC")),
        Triple(ds, VOID.uriSpace, Literal(DEFAULT_BASE + "id/")),
        Triple(ds, VOID.vocabulary, NamedNode(DEFAULT_BASE + "def/cultuurregio")),
        Triple(ds, DCT.bibliographicCitation, Literal(release.citation("nl"), language="nl")),
        Triple(ds, DCT.bibliographicCitation, Literal(release.citation("en"), language="en")),
    ]
    out += [Triple(ds, DCT.language, NamedNode(EU + f"language/{c}")) for c in LANGUAGES]
    out += [Triple(ds, DCAT.theme, NamedNode(EU + f"data-theme/{t}")) for t in THEMES]
    out += [
        Triple(ds, DCAT.keyword, Literal(k, language="nl"))
        for k in ("cultuurregio", "cultuurbeleid", "gemeenten", "provincies")
    ]
    return out


def agents(release: Release) -> list[Triple]:
    """The publishing organisation (also the creator: the sources name no person) and the
    contact point, each with an IRI in the dataset's document."""
    org, contact = NamedNode(release.publisher_iri), NamedNode(release.contact_iri)
    out = [Triple(org, A, t) for t in (FOAF.Agent, FOAF.Organization, ORG.Organization)]
    out += [
        Triple(org, FOAF.name, Literal(release.publisher_name(lang), language=lang))
        for lang in ("nl", "en")
    ]
    out += [
        Triple(org, FOAF.homepage, NamedNode(DEFAULT_BASE)),
        Triple(contact, A, VCARD.Kind),
        Triple(contact, A, VCARD.Organization),
        Triple(contact, VCARD.fn, Literal(release.publisher)),
        Triple(contact, VCARD.hasURL, NamedNode(release.contact)),
    ]
    if release.contact_email:
        out.append(Triple(contact, VCARD.hasEmail, NamedNode(f"mailto:{release.contact_email}")))
    return out


def described_terms(release: Release) -> list[Triple]:
    """The classes DCAT-AP asks of the outside terms used (a licence document, a landing page,
    languages, themes, access rights, checksum algorithm): shapes check these without
    inference, so the description states them."""
    out = [
        Triple(NamedNode(release.license), A, DCT.LicenseDocument),
        Triple(NamedNode(release.landing_page), A, FOAF.Document),
        Triple(NamedNode(release.release_page), A, FOAF.Document),
        Triple(NamedNode(EU + "access-right/PUBLIC"), A, DCT.RightsStatement),
        Triple(SPDX.checksumAlgorithm_sha256, A, SPDX.ChecksumAlgorithm),
    ]
    out += [Triple(NamedNode(EU + f"language/{c}"), A, DCT.LinguisticSystem) for c in LANGUAGES]
    for code, label in THEMES.items():
        theme = NamedNode(EU + f"data-theme/{code}")
        out += [
            Triple(theme, A, SKOS_CONCEPT),
            Triple(theme, SKOS_PREF_LABEL, Literal(label, language="en")),
        ]
    return out


def described(
    release: Release,
    node: NamedNode,
    lang_title: Callable[[str], str],
    lang_description: Callable[[str], str],
) -> list[Triple]:
    """What the dataset and each release both carry: titles, descriptions, agents, contact,
    licence, languages."""
    out = [
        Triple(node, A, DCAT.Dataset),
        Triple(node, A, VOID.Dataset),
        Triple(node, DCT.publisher, NamedNode(release.publisher_iri)),
        Triple(node, DCT.creator, NamedNode(release.publisher_iri)),
        Triple(node, DCAT.contactPoint, NamedNode(release.contact_iri)),
        Triple(node, DCT.license, NamedNode(release.license)),
    ]
    for lang in ("nl", "en"):
        out += [
            Triple(node, DCT.title, Literal(lang_title(lang), language=lang)),
            Triple(node, DCT.description, Literal(lang_description(lang), language=lang)),
        ]
    out += [Triple(node, DCT.language, NamedNode(EU + f"language/{c}")) for c in LANGUAGES]
    return out


def media_type(name: str) -> str:
    return IANA + name


def distribution(release: Release, name: str, fmt: Format, file: Written) -> list[Triple]:
    """One download as a DCAT distribution: a `.gz` file has the format of what it holds and
    gzip as its compression format."""
    dist = NamedNode(release.download_url(name))
    checksum = NamedNode(dist.value + "#sha256")
    out = [
        Triple(dist, A, DCAT.Distribution),
        Triple(dist, DCAT.downloadURL, dist),
        Triple(dist, DCAT.accessURL, dist),
        Triple(dist, DCT.license, NamedNode(release.license)),
        Triple(dist, DCT.title, Literal(name)),
        Triple(dist, DCT.issued, Literal(release.issued, datatype=XSD.date)),
        Triple(dist, DCT.format, NamedNode(EU + f"file-type/{EU_FILE_TYPES[fmt.extension]}")),
        Triple(
            NamedNode(EU + f"file-type/{EU_FILE_TYPES[fmt.extension]}"), A, DCT.MediaTypeOrExtent
        ),
        Triple(dist, DCAT.mediaType, NamedNode(media_type(fmt.media_type))),
        Triple(NamedNode(media_type(fmt.media_type)), A, DCT.MediaType),
        Triple(dist, DCAT.byteSize, Literal(str(file.size), datatype=XSD.nonNegativeInteger)),
        Triple(dist, SPDX.checksum, checksum),
        Triple(checksum, A, SPDX.Checksum),
        Triple(checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256),
        Triple(checksum, SPDX.checksumValue, Literal(file.sha256, datatype=XSD.hexBinary)),
    ]
    if name.endswith(".gz"):
        out += [
            Triple(dist, DCAT.compressFormat, NamedNode(media_type(GZIP))),
            Triple(NamedNode(media_type(GZIP)), A, DCT.MediaType),
        ]
    return out


def dataset_triples(release: Release, files: Mapping[str, Written], count: int) -> list[Triple]:
    """DCAT and VoID description of the dataset, this release and each download (plain and
    gzipped)."""
    ds, rel = NamedNode(release.dataset_iri), NamedNode(release.release_iri)
    issued = Literal(release.issued, datatype=XSD.date)

    def description(lang: str) -> str:
        return release.description_en if lang == "en" else release.description_nl

    out = described(release, ds, release.title, description)
    out += described(release, rel, release.release_title, description)
    out += [
        Triple(ds, DCAT.hasVersion, rel),
        Triple(ds, DCT.modified, issued),
        Triple(rel, DCT.isVersionOf, ds),
        Triple(rel, DCAT.version, Literal(release.version)),
        Triple(rel, DCT.issued, issued),
        Triple(rel, DCT.modified, issued),
        Triple(rel, DCAT.landingPage, NamedNode(release.release_page)),
        Triple(rel, DCT.identifier, Literal(release.release_iri)),
        Triple(rel, VOID.triples, Literal(str(count), datatype=XSD.integer)),
        Triple(rel, VOID.uriSpace, Literal(DEFAULT_BASE + "id/")),
    ]
    for fmt in RDF_FORMATS:
        for name in (f"{DUMP_NAME}.{fmt.extension}", f"{DUMP_NAME}.{fmt.extension}.gz"):
            out += [Triple(rel, DCAT.distribution, NamedNode(release.download_url(name)))]
            out += distribution(release, name, fmt, files[name])
            if not name.endswith(".gz"):
                out += [Triple(rel, VOID.dataDump, NamedNode(release.download_url(name)))]
    svc = NamedNode(DEFAULT_BASE + "sparql")  # the endpoint, described at its own URL
    out += [
        Triple(ds, VOID.sparqlEndpoint, svc),
        Triple(svc, A, DCAT.DataService),
        Triple(svc, DCAT.endpointURL, svc),
        Triple(svc, DCAT.endpointDescription, svc),
        Triple(svc, DCAT.servesDataset, ds),
        Triple(svc, DCT.license, NamedNode(release.license)),
        Triple(svc, DCT.conformsTo, PROTOCOL),
        Triple(PROTOCOL, A, DCT.Standard),
        Triple(svc, DCT.title, Literal(f"SPARQL-endpoint: {release.title_nl}", language="nl")),
        Triple(svc, DCT.title, Literal(f"SPARQL endpoint: {release.title_en}", language="en")),
    ]
    return canonical(out + dcat_ap_nl(release) + agents(release) + described_terms(release))


def emit_release(
    dumps: Mapping[str, Written],
    triple_count: int,
    release: Release,
    report_lines: list[str],
    report_ttl: bytes,
) -> dict[str, bytes]:
    """The files of the download area around the dumps (written already, see write_dumps), as
    {relative path: bytes}, in the release's folder and in latest/."""
    files = {
        "dataset.ttl": serialize(
            dataset_triples(release, dumps, triple_count), BY_NAME["ttl"], release.base
        ),
        "shacl-report.ttl": report_ttl,
        "shacl-report.txt": release.base.data(
            "".join(line + "\n" for line in report_lines).encode()
        ),
    }
    files["SHA256SUMS"] = sha256sums(
        {**dumps, **{name: Written.of(data) for name, data in files.items()}}
    )
    out: dict[str, bytes] = {}
    for folder in (release.version, "latest"):
        out.update({f"download/{folder}/{name}": data for name, data in files.items()})
    return out
