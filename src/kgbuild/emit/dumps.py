"""Stage 5, emit: write the dumps, checksums, dataset description and validation report.

Everything here is a pure function of the graph and the release metadata, so two builds of the
same input are byte-identical.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple

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
MAX_KNOWN = 100_000  # IRIs kept per map of prefixes (then forgotten), see Prefixed
T = TypeVar("T")
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
        return compact_jsonld(triples, prefixes)
    return rdf_bytes(triples, rdf)


class NotExpressible(KgError):
    """A graph that a format cannot write: RDF/XML a predicate, or a class, whose IRI does not
    end in an XML name (`…/123`, `…/a:1`, `…/`), so no element can stand for it; JSON-LD a
    triple as a term (RDF 1.2)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)

    @classmethod
    def no_element(cls, iri: str) -> NotExpressible:
        return cls(
            f"<{iri}> cannot be written as RDF/XML: an element name stands for "
            "each predicate and class there, and this IRI does not end in an XML "
            "name (a letter or '_' followed by letters, digits, '_', '-', '.')"
        )

    @classmethod
    def triple_term(cls, triple: Triple) -> NotExpressible:
        return cls(f"{triple} cannot be written as JSON-LD: it has no triples as terms")

    def __reduce__(self) -> tuple[type[NotExpressible], tuple[str]]:
        return (NotExpressible, (self.message,))


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


@lru_cache(maxsize=MAX_KNOWN)
def xml_nameable(iri: str) -> None:
    """Refuse (NotExpressible) an element IRI with no XML name at its end: pyoxigraph 0.5 would
    write it as an empty element name (`<oxprefix:>`), which no XML parser reads."""
    if XML_NAME_TAIL.search(iri) is None:
        raise NotExpressible.no_element(iri)


def element_prefixes(names: set[str], spaces: dict[str, str]) -> dict[str, str]:
    """The prefixes that name an element of the RDF/XML (a predicate or class that is the
    namespace and an XML name); the others would only be declared."""
    known = prefixed(tuple(spaces.items()))
    used = {name for iri in names for name in known.element_of(iri)}
    return {name: ns for name, ns in spaces.items() if name in used}


def compact_jsonld(triples: Iterable[Triple], spaces: dict[str, str]) -> bytes:
    """The triples as one JSON-LD document with a @context of the prefixes it uses: keys read
    `cr:memberOf`, classes go under @type, plain strings and single values stand alone. The
    nodes are those of pyoxigraph's expanded JSON-LD: one per run of a subject's triples, and a
    new one where a predicate comes back after another; the order of the triples is kept. Each
    node is written as text as soon as it ends, so no node is held as objects."""
    text = JsonLdText(prefixed(tuple(spaces.items())))
    nodes: list[str] = []
    subject: NamedNode | BlankNode | Triple | None = None
    props: dict[NamedNode, list[Term]] = {}
    last: NamedNode | None = None
    for t in triples:
        p = t.predicate
        if t.subject != subject or (p != last and p in props):
            if subject is not None:
                nodes.append(text.node(subject, props))
            subject, props = t.subject, {}
        if p != last or p not in props:
            props[p], last = [], p
        props[p].append(t.object)
    if subject is not None:
        nodes.append(text.node(subject, props))
    return text.document(nodes)


Term = NamedNode | BlankNode | Literal | Triple


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


# a string as JSON without escaping what is not ASCII (json.dumps(v, ensure_ascii=False))
_string = json.encoder.encode_basestring


class Prefixed:
    """What each IRI is under one map of prefixes, kept for every document written with the map
    (most documents name the same few thousand IRIs): its prefixed name (JSON-LD), the prefixes
    under which it would need an escape (Turtle) and those under which it is an element name
    (RDF/XML); and each predicate's JSON-LD key as JSON text."""

    def __init__(self, spaces: tuple[tuple[str, str], ...]) -> None:
        self.spaces = dict(spaces)
        self.by_namespace = {ns: name for name, ns in spaces}
        self.compacted: dict[str, tuple[str, str | None]] = {}
        self.escaped: dict[str, tuple[str, ...]] = {}
        self.elements: dict[str, tuple[str, ...]] = {}
        self.keys: dict[str, tuple[str, str | None]] = {}

    def __call__(self, iri: str) -> tuple[str, str | None]:
        """(the prefixed name or the IRI, the prefix's name or None), as compact_iri gives."""
        return kept(self.compacted, iri, lambda: compact_iri(iri, self.by_namespace))

    def needs_escape(self, iri: str) -> tuple[str, ...]:
        """The prefixes under which the IRI's rest holds a character that needs a backslash."""
        return kept(
            self.escaped,
            iri,
            lambda: tuple(
                name
                for name, ns in self.spaces.items()
                if iri.startswith(ns) and ESCAPED_IN_LOCAL_NAME.search(iri, len(ns))
            ),
        )

    def element_of(self, iri: str) -> tuple[str, ...]:
        """The prefixes under which the IRI is the prefix and an XML name."""
        return kept(
            self.elements,
            iri,
            lambda: tuple(
                name
                for name, ns in self.spaces.items()
                if iri.startswith(ns) and XML_NAME.fullmatch(iri, len(ns))
            ),
        )

    def key(self, iri: str) -> tuple[str, str | None]:
        """A predicate's key as JSON text (what is not ASCII escaped, as json.dumps writes it),
        and the name of its prefix or None."""
        return kept(self.keys, iri, lambda: (json.dumps(self(iri)[0]), self(iri)[1]))


def kept(table: dict[str, T], key: str, make: Callable[[], T]) -> T:
    """table[key], made and kept if it is not there; a full table is emptied first."""
    value = table.get(key)
    if value is None:
        if len(table) >= MAX_KNOWN:
            table.clear()
        value = table[key] = make()
    return value


@lru_cache(maxsize=4)
def prefixed(spaces: tuple[tuple[str, str], ...]) -> Prefixed:
    return Prefixed(spaces)


class JsonLdText:
    """The JSON-LD document as text: one line per prefix and per property, each value on its
    property's line, as json.dumps writes it (`{"@id": "cr:x"}`, `["a", "b"]`)."""

    def __init__(self, prefixed: Prefixed) -> None:
        self.prefixed = prefixed
        self.compacted = prefixed.compacted  # looked up here first: most IRIs are in it
        self.keys = prefixed.keys
        self.used: set[str] = set()  # the names of the prefixes written

    def iri(self, value: str) -> str:
        """The IRI as a prefixed name where a prefix fits."""
        short, name = self.compacted.get(value) or self.prefixed(value)
        if name:
            self.used.add(name)
        return short

    def value(self, term: Term) -> str:
        if isinstance(term, NamedNode):
            return '{"@id": ' + _string(self.iri(term.value)) + "}"
        if isinstance(term, BlankNode):
            return '{"@id": ' + _string(f"_:{term.value}") + "}"
        if isinstance(term, Literal):
            value = _string(term.value)
            if term.language:
                lang = '{"@language": ' + _string(term.language)
                if term.direction:
                    lang += ', "@direction": ' + _string(term.direction.value)
                return lang + ', "@value": ' + value + "}"
            if term.datatype == XSD.string:
                return value
            datatype = _string(self.iri(term.datatype.value))
            return '{"@type": ' + datatype + ', "@value": ' + value + "}"
        raise NotExpressible.triple_term(term)

    def node(self, subject: Term, props: dict[NamedNode, list[Term]]) -> str:
        """One node: its "@id", then a line per predicate; rdf:type is "@type" where every
        class is an IRI."""
        if isinstance(subject, (Literal, Triple)):  # pyoxigraph 0.5 makes neither a subject
            raise TypeError(f"{subject} as a subject")
        node = self.iri(subject.value) if isinstance(subject, NamedNode) else f"_:{subject.value}"
        lines = ['   "@id": ' + _string(node)]
        for p, objects in props.items():
            if p == A:
                classes = [o.value for o in objects if isinstance(o, NamedNode)]
                if len(classes) == len(objects):
                    types = [_string(self.iri(c)) for c in classes]
                    lines.append('   "@type": ' + one_or_list(types))
                    continue
            key, prefix = self.keys.get(p.value) or self.prefixed.key(p.value)
            if prefix:
                self.used.add(prefix)
            lines.append(f"   {key}: {one_or_list([self.value(o) for o in objects])}")
        return "  {\n" + ",\n".join(lines) + "\n  }"

    def document(self, nodes: list[str]) -> bytes:
        context = {name: self.prefixed.spaces[name] for name in sorted(self.used)}
        members = ",\n".join(f"  {json.dumps(k)}: {_string(v)}" for k, v in context.items())
        ctx = f"{{\n{members}\n }}" if context else "{}"
        graph = "[\n" + ",\n".join(nodes) + "\n ]" if nodes else "[]"
        return f'{{\n "@context": {ctx},\n "@graph": {graph}\n}}\n'.encode()


def one_or_list(values: list[str]) -> str:
    """A single value alone, several as a JSON list (already JSON text each)."""
    return values[0] if len(values) == 1 else "[" + ", ".join(values) + "]"


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
    known = prefixed(tuple(spaces.items()))
    iris = {
        term.value
        for t in triples
        for term in (t.subject, t.predicate, t.object)
        if isinstance(term, NamedNode)
    }
    escaped = {name for iri in iris for name in known.needs_escape(iri)}
    return {name: ns for name, ns in spaces.items() if name not in escaped}


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
