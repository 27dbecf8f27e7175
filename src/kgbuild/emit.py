"""Stage 4: write the dumps, checksums, dataset description and validation report.

Everything here is a pure function of the graph and the release metadata, so two builds of the
same input are byte-identical.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from bisect import bisect_left
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pyoxigraph
from pyoxigraph import Literal, NamedNode, Triple

from .errors import KgError
from .formats import BY_NAME, RDF_FORMATS, Format
from .terms import DCAT, DCT, DEFAULT_BASE, NS, PREFIXES, VOID, XSD, A

SPDX = NS("http://spdx.org/rdf/terms#")
EU = "http://publications.europa.eu/resource/authority/"
EU_FILE_TYPES = {"ttl": "RDF_TURTLE", "jsonld": "JSON_LD", "nt": "RDF_N_TRIPLES",
                 "rdf": "RDF_XML"}
DUMP_NAME = "cultuurregios"


@dataclass(frozen=True)
class Release:
    version: str
    issued: str
    title_nl: str
    title_en: str
    description_nl: str
    description_en: str
    license: str
    publisher: str
    base: str

    @property
    def dataset_iri(self) -> str:
        return f"{self.base}id/dataset/cultuurregios"

    @property
    def release_iri(self) -> str:
        return f"{self.dataset_iri}/{self.version}"

    def download_url(self, filename: str) -> str:
        return f"{self.base}download/{self.version}/{filename}"


_TYPE = A.value


def sort_key(t: Triple) -> str:
    """Subject, then rdf:type before the other predicates, then predicate, then object, as one
    string: NUL, which no IRI holds, ends the subject and the predicate, so the order is that
    of the tuple of the four, at a third of the cost of comparing tuples."""
    p = t.predicate.value
    return f"{t.subject.value}\0{'0' if p == _TYPE else '1'}{p}\0{t.object}"


def canonical(triples) -> list[Triple]:
    return sorted(set(triples), key=sort_key)


def serialize(triples: list[Triple], fmt: Format, base: str) -> bytes:
    """Serialise already-sorted triples; Turtle, RDF/XML and JSON-LD get readable prefixes."""
    if fmt.rdf == pyoxigraph.RdfFormat.TURTLE:
        data = pyoxigraph.serialize(triples, format=fmt.rdf,
                                    prefixes=plain_prefixes(triples, prefixes(base)))
        return sorted_prefix_lines(data)
    if fmt.rdf == pyoxigraph.RdfFormat.RDF_XML:
        names = element_names(triples)
        for iri in names:
            xml_nameable(iri)
        return pyoxigraph.serialize(triples, format=fmt.rdf,
                                    prefixes=element_prefixes(names, prefixes(base)))
    if fmt.rdf == pyoxigraph.RdfFormat.JSON_LD:
        return compact_jsonld(pyoxigraph.serialize(triples, format=fmt.rdf), prefixes(base))
    return pyoxigraph.serialize(triples, format=fmt.rdf)


class NotExpressible(KgError):
    """A graph that RDF/XML cannot write: a predicate, or a class, whose IRI does not end in an
    XML name (`…/123`, `…/a:1`, `…/`), so no element can stand for it."""

    def __init__(self, iri: str):
        self.iri = iri
        super().__init__(f"<{iri}> cannot be written as RDF/XML: an element name stands for "
                         "each predicate and class there, and this IRI does not end in an XML "
                         "name (a letter or '_' followed by letters, digits, '_', '-', '.')")

    def __reduce__(self):
        return (NotExpressible, (self.iri,))


# XML 1.0 (fifth edition) NameStartChar and NameChar, without ':' (a namespaced local name)
_NAME_START = ("A-Z_a-z\xC0-\xD6\xD8-\xF6\xF8-\u02FF\u0370-\u037D\u037F-\u1FFF"
               "\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF"
               "\uFDF0-\uFFFD\U00010000-\U000EFFFF")
_NAME_CHAR = _NAME_START + "\\-.0-9\xB7\u0300-\u036F\u203F-\u2040"
XML_NAME_TAIL = re.compile(f"[{_NAME_START}][{_NAME_CHAR}]*$")
XML_NAME = re.compile(f"[{_NAME_START}][{_NAME_CHAR}]*")


def element_names(triples) -> set[str]:
    """The IRIs that RDF/XML writes as element names: predicates, and classes (pyoxigraph
    writes a subject's rdf:type as a typed node element)."""
    return {t.predicate.value for t in triples} | {
        t.object.value for t in triples if t.predicate == A and isinstance(t.object, NamedNode)}


def xml_nameable(iri: str) -> None:
    """Refuse (NotExpressible) an element IRI with no XML name at its end: pyoxigraph 0.5 would
    write it as an empty element name (`<oxprefix:>`), which no XML parser reads."""
    if XML_NAME_TAIL.search(iri) is None:
        raise NotExpressible(iri)


def xml_checked(triples):
    """The triples as they come (a stream), refusing the first whose predicate or class has
    no XML name."""
    named: set[str] = set()
    for t in triples:
        for iri in element_names((t,)) - named:
            xml_nameable(iri)
            named.add(iri)
        yield t


def element_prefixes(names: set[str], spaces: dict[str, str]) -> dict[str, str]:
    """The prefixes that name an element of the RDF/XML (a predicate or class that is the
    namespace and an XML name); the others would only be declared."""
    return {name: ns for name, ns in spaces.items()
            if any(iri.startswith(ns) and XML_NAME.fullmatch(iri, len(ns)) for iri in names)}


def compact_jsonld(expanded: bytes, spaces: dict[str, str]) -> bytes:
    """pyoxigraph's expanded JSON-LD (full IRIs everywhere) written with a @context of the
    prefixes it uses: keys read `cr:memberOf`, classes go under @type, plain strings and single
    values stand alone. The same graph; the order of the input is kept."""
    nodes = json.loads(expanded)
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

    def one(v: dict):
        if "@id" in v:
            return {"@id": iri(v["@id"])}
        if "@type" in v:
            return {**v, "@type": iri(v["@type"])}
        return v["@value"] if v.keys() == {"@value"} else v

    def single(values: list):
        return values[0] if len(values) == 1 else values

    graph = []
    for node in nodes:
        out = {}
        for key, values in node.items():
            if key == "@id":
                out[key] = iri(values)
            elif key == A.value and all(v.keys() == {"@id"} and not v["@id"].startswith("_:")
                                        for v in values):
                out["@type"] = single([iri(v["@id"]) for v in values])
            else:
                out[iri(key)] = single([one(v) for v in values])
        graph.append(out)
    return jsonld_text({name: spaces[name] for name in sorted(used)}, graph)


def compact_iri(iri: str, by_namespace: dict[str, str]) -> tuple[str, str | None]:
    """(`name:rest`, name) under the longest namespace (each ends in '/' or '#') that leaves a
    rest not starting with '//', else (the IRI, None)."""
    end = len(iri) - 1
    while end > 0:
        end = max(iri.rfind("/", 0, end), iri.rfind("#", 0, end))
        if end < 0:
            break
        name = by_namespace.get(iri[:end + 1])
        if name and not iri.startswith("//", end + 1):
            return f"{name}:{iri[end + 1:]}", name
    return iri, None


def jsonld_text(context: dict[str, str], graph: list[dict]) -> bytes:
    """One line per prefix and per property, each value on its property's line."""
    def members(obj: dict, indent: str) -> str:
        return ",\n".join(f"{indent}{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
                           for k, v in obj.items())
    nodes = ",\n".join("  {\n" + members(node, "   ") + "\n  }" for node in graph)
    ctx = f'{{\n{members(context, "  ")}\n }}' if context else "{}"
    return (f'{{\n "@context": {ctx},\n "@graph": ' + (f"[\n{nodes}\n ]" if graph else "[]")
            + "\n}\n").encode()


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
    iris = sorted({term.value for t in triples for term in (t.subject, t.predicate, t.object)
                   if isinstance(term, NamedNode)})
    plain = {}
    for name, ns in spaces.items():
        first, last = bisect_left(iris, ns), bisect_left(iris, ns + "\U0010ffff")
        if not any(ESCAPED_IN_LOCAL_NAME.search(iri, len(ns)) for iri in iris[first:last]):
            plain[name] = ns
    return plain


def prefixes(base: str) -> dict[str, str]:
    return {k: v.replace(DEFAULT_BASE, base, 1) for k, v in PREFIXES.items() if k != "sh"}


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dump_files(triples: list[Triple], base: str) -> dict[str, bytes]:
    """{filename: bytes} for every RDF format, plain and gzipped."""
    files = {f"{DUMP_NAME}.{fmt.extension}": serialize(triples, fmt, base) for fmt in RDF_FORMATS}
    with ThreadPoolExecutor() as pool:  # zlib lets go of the GIL while it compresses
        packed = dict(zip(files, pool.map(gzipped, files.values())))
    return {name: out for plain, data in files.items()
            for name, out in ((plain, data), (plain + ".gz", packed[plain]))}


def sha256sums(files: dict[str, bytes]) -> bytes:
    return "".join(f"{sha256(files[n])}  {n}\n" for n in sorted(files)).encode()


def dcat_ap_nl(release: Release) -> list[Triple]:
    """What DCAT-AP(-NL) asks beyond plain DCAT: identifier, landing page, languages, access
    rights, themes (EU vocabularies), keywords, vocabularies used and a citation."""
    ds = NamedNode(release.dataset_iri)
    out = [
        Triple(ds, DCT.identifier, Literal(release.dataset_iri)),
        Triple(ds, DCAT.landingPage, NamedNode(release.base + "doc/dataset/cultuurregios")),
        Triple(ds, DCT.accessRights, NamedNode(EU + "access-right/PUBLIC")),
        Triple(ds, VOID.uriSpace, Literal(release.base + "id/")),
        Triple(ds, VOID.vocabulary, NamedNode(release.base + "def/cultuurregio")),
        Triple(ds, DCT.bibliographicCitation, Literal(
            f"{release.title_nl}, versie {release.version} ({release.issued}). "
            f"{release.dataset_iri}")),
    ]
    out += [Triple(ds, DCT.language, NamedNode(EU + f"language/{c}")) for c in ("NLD", "ENG")]
    out += [Triple(ds, DCAT.theme, NamedNode(EU + f"data-theme/{t}")) for t in ("EDUC", "GOVE")]
    out += [Triple(ds, DCAT.keyword, Literal(k, language="nl"))
            for k in ("cultuurregio", "cultuurbeleid", "gemeenten", "provincies")]
    return out


def dataset_triples(release: Release, files: dict[str, bytes], count: int) -> list[Triple]:
    """DCAT and VoID description of the dataset, this release and each download."""
    ds, rel = NamedNode(release.dataset_iri), NamedNode(release.release_iri)
    out = [
        Triple(ds, A, DCAT.Dataset), Triple(ds, A, VOID.Dataset),
        Triple(ds, DCT.title, Literal(release.title_nl, language="nl")),
        Triple(ds, DCT.title, Literal(release.title_en, language="en")),
        Triple(ds, DCT.description, Literal(release.description_nl, language="nl")),
        Triple(ds, DCT.description, Literal(release.description_en, language="en")),
        Triple(ds, DCT.license, NamedNode(release.license)),
        Triple(ds, DCT.publisher, Literal(release.publisher)),
        Triple(ds, DCAT.hasVersion, rel),
        Triple(rel, A, DCAT.Dataset), Triple(rel, A, VOID.Dataset),
        Triple(rel, DCT.isVersionOf, ds),
        Triple(rel, DCAT.version, Literal(release.version)),
        Triple(rel, DCT.issued, Literal(release.issued, datatype=XSD.date)),
        Triple(rel, DCT.license, NamedNode(release.license)),
        Triple(rel, VOID.triples, Literal(str(count), datatype=XSD.integer)),
        Triple(rel, VOID.uriSpace, Literal(release.base + "id/")),
    ]
    for fmt in RDF_FORMATS:
        name = f"{DUMP_NAME}.{fmt.extension}"
        dist = NamedNode(release.download_url(name))
        out += [
            Triple(rel, DCAT.distribution, dist), Triple(dist, A, DCAT.Distribution),
            Triple(rel, VOID.dataDump, dist),
            Triple(dist, DCAT.downloadURL, dist), Triple(dist, DCAT.accessURL, dist),
            Triple(dist, DCT.license, NamedNode(release.license)),
            Triple(dist, DCT.format, NamedNode(EU + f"file-type/{EU_FILE_TYPES[fmt.extension]}")),
            Triple(dist, DCAT.mediaType, NamedNode(
                f"https://www.iana.org/assignments/media-types/{fmt.media_type}")),
            Triple(dist, DCAT.byteSize, Literal(str(len(files[name])), datatype=XSD.decimal)),
            Triple(dist, SPDX.checksum, NamedNode(dist.value + "#sha256")),
            Triple(NamedNode(dist.value + "#sha256"), SPDX.algorithm, SPDX.checksumAlgorithm_sha256),
            Triple(NamedNode(dist.value + "#sha256"), SPDX.checksumValue,
                   Literal(sha256(files[name]), datatype=XSD.hexBinary)),
        ]
    svc = NamedNode(release.base + "sparql")  # the endpoint, described at its own URL
    out += [Triple(ds, VOID.sparqlEndpoint, svc), Triple(svc, A, DCAT.DataService),
            Triple(svc, DCAT.endpointURL, svc), Triple(svc, DCAT.endpointDescription, svc),
            Triple(svc, DCAT.servesDataset, ds), Triple(svc, DCT.license, NamedNode(release.license)),
            Triple(svc, DCT.conformsTo, NamedNode("https://www.w3.org/TR/sparql11-protocol/")),
            Triple(svc, DCT.title, Literal(f"SPARQL-endpoint: {release.title_nl}", language="nl")),
            Triple(svc, DCT.title, Literal(f"SPARQL endpoint: {release.title_en}", language="en"))]
    return canonical(out + dcat_ap_nl(release))


def emit_release(dumps: dict[str, bytes], triple_count: int, release: Release,
                 report_lines: list[str], report_ttl: bytes) -> dict[str, bytes]:
    """All files of the download area, as {relative path: bytes}, around the dumps."""
    files = dict(dumps)
    meta = serialize(dataset_triples(release, files, triple_count), BY_NAME["ttl"],
                     release.base)
    files["dataset.ttl"] = meta
    files["shacl-report.ttl"] = report_ttl
    files["shacl-report.txt"] = "".join(line + "\n" for line in report_lines).encode()
    files["SHA256SUMS"] = sha256sums(files)
    out = {}
    for folder in (release.version, "latest"):
        out.update({f"download/{folder}/{name}": data for name, data in files.items()})
    return out
