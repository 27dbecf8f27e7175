"""The fixed words of the pages, in Dutch and English, and labels of outside properties."""

from __future__ import annotations

from ...model.formats import LANGUAGES

LANGS = LANGUAGES


class Words(dict):
    """The words of one language. Templates read them as attributes (`words.home`), which
    jinja2 tries before an item: a word is both, so that first try finds it."""

    def __init__(self, words: dict[str, str]):
        super().__init__(words)
        self.__dict__.update(words)


UI = {lang: Words(words) for lang, words in {
    "nl": {
        "home": "Register", "dataset": "Dataset", "ontology": "Ontologie",
        "formats": "Ook als", "sources": "Bronnen", "source": "bron", "cite": "Citeer",
        "facts": "Feiten", "property": "Eigenschap", "value": "Waarde", "source_col": "Bron",
        "inverse": "Verwijzingen hierheen", "members": "Partijen",
        "confirmed": "Bevestigd door een bron", "inferred": "Afgeleid, niet bevestigd",
        "regions": "Regio's door de tijd", "all_regions": "Regio's", "region": "Regio", "member": "Lid",
        "role": "Rol", "status": "Status", "begin": "Begin", "end": "Einde",
        "reason": "Toelichting", "claims": "Wat deze bron onderbouwt", "location": "Vindplaats",
        "parts": "Onderdelen", "map": "Kaart", "type": "Soort", "other_lang": "English",
        "identifier": "URI", "downloads": "Downloads", "file": "Bestand", "size": "Grootte",
        "license": "Licentie", "version": "Versie", "issued": "Uitgegeven", "version_of": "Versie van",
        "classes": "Klassen", "properties": "Eigenschappen", "index_of": "Alle",
        "no_region": "regio niet bekend (leemte in de gegevens)", "legend_stated": "lid (bevestigd)",
        "legend_inferred": "lid (afgeleid)", "legend_none": "geen partij bekend",
        "domain": "Domein", "range": "Bereik", "definition": "Definitie",
        "concepts": "Begrippen", "count": "Aantal", "not_found": "Niet gevonden",
        "gone": "Ingetrokken", "not_acceptable": "Dit formaat kunnen we niet leveren",
        "unknown": "onbekend", "replaced_by": "Vervangen door",
        "map_title": "Kaart van het werkgebied van elke cultuurregio op {day}",
        "map_caption": "Het werkgebied op 1 januari 2025; elke regio heeft haar eigen kleur "
                       "(zie de lijst hieronder).",
        "map_several": "in twee regio's (strepen in beide kleuren)",
        "map_table": "De kaart als tabel", "member_gemeente": "Gemeente",
        "places_title": "Werkgebied per peildatum", "reference_date": "Peildatum",
        "place": "In het werkgebied van", "confirmed_short": "vermeld",
        "inferred_short": "afgeleid", "possibly": "mogelijk",
        "outside_every": "buiten elke cultuurregio, volgens een bron",
        "not_known": "niet bekend",
        "gap_title": "Leemten in de gegevens",
        "gap_text": "Op {day} is van {unknown} van de {known} bekende gemeenten niet bekend in "
                    "welke cultuurregio ze lagen. Dat is een leemte in het register, geen "
                    "uitspraak dat ze buiten elke regio lagen.",
        "gap_report": "Overzicht per gemeente",
        "queries": "Vragen", "queries_title": "Vragen aan het register",
        "queries_intro": "Vaste SPARQL-vragen over de cultuurregio's, elk met zijn resultaat op "
                         "de dag van deze release.",
        "query": "Vraag", "about": "Waarover", "rows": "Rijen", "parameters": "Parameters",
        "param_name": "Naam", "required": "Verplicht", "param_value": "Waarde op deze pagina",
        "choices": "Keuzes", "yes": "ja", "no": "nee", "topics": "Onderwerpen",
        "no_params": "Deze vraag heeft geen parameters.", "result": "Resultaat",
        "row_one": "rij", "row_many": "rijen", "download": "Download",
        "inferred_rows": "Rijen die op een afgeleid (niet door een bron bevestigd) feit rusten, "
                         "zijn gemarkeerd.",
        "run_yourself": "Zelf uitvoeren", "endpoint": "SPARQL",
        "region_map": "Kaart van de gemeenten die partij zijn bij deze regio",
        "nav": "Navigatie",
    },
    "en": {
        "home": "Register", "dataset": "Dataset", "ontology": "Ontology",
        "formats": "Also as", "sources": "Sources", "source": "source", "cite": "Cite",
        "facts": "Facts", "property": "Property", "value": "Value", "source_col": "Source",
        "inverse": "Referred to by", "members": "Parties",
        "confirmed": "Confirmed by a source", "inferred": "Inferred, not confirmed",
        "regions": "Regions over time", "all_regions": "Regions", "region": "Region", "member": "Member",
        "role": "Role", "status": "Status", "begin": "Begin", "end": "End",
        "reason": "Reason", "claims": "What this source supports", "location": "Location",
        "parts": "Parts", "map": "Map", "type": "Kind", "other_lang": "Nederlands",
        "identifier": "URI", "downloads": "Downloads", "file": "File", "size": "Size",
        "license": "Licence", "version": "Version", "issued": "Issued", "version_of": "Version of",
        "classes": "Classes", "properties": "Properties", "index_of": "All",
        "no_region": "region not known (a gap in the data)", "legend_stated": "member (confirmed)",
        "legend_inferred": "member (inferred)", "legend_none": "no known party",
        "domain": "Domain", "range": "Range", "definition": "Definition",
        "concepts": "Concepts", "count": "Count", "not_found": "Not found",
        "gone": "Withdrawn", "not_acceptable": "We cannot serve this format",
        "unknown": "unknown", "replaced_by": "Replaced by",
        "map_title": "Map of the werkgebied of every culture region on {day}",
        "map_caption": "The werkgebied on 1 January 2025; each region has its own colour (see "
                       "the list below).",
        "map_several": "in two regions (stripes in both colours)",
        "map_table": "The map as a table", "member_gemeente": "Municipality",
        "places_title": "Werkgebied per reference date", "reference_date": "Reference date",
        "place": "In the werkgebied of", "confirmed_short": "stated",
        "inferred_short": "inferred", "possibly": "possibly",
        "outside_every": "outside every culture region, according to a source",
        "not_known": "not known",
        "gap_title": "Gaps in the data",
        "gap_text": "On {day}, for {unknown} of the {known} known municipalities the register "
                    "does not know which culture region they lay in. That is a gap in the "
                    "register, not a statement that they lay outside every region.",
        "gap_report": "List per municipality",
        "queries": "Queries", "queries_title": "Queries to the register",
        "queries_intro": "Canned SPARQL queries about the culture regions, each with its result "
                         "on the day of this release.",
        "query": "Query", "about": "About", "rows": "Rows", "parameters": "Parameters",
        "param_name": "Name", "required": "Required", "param_value": "Value on this page",
        "choices": "Choices", "yes": "yes", "no": "no", "topics": "Topics",
        "no_params": "This query has no parameters.", "result": "Result",
        "row_one": "row", "row_many": "rows", "download": "Download",
        "inferred_rows": "Rows that rest on an inferred fact (not confirmed by a source) are "
                         "marked.",
        "run_yourself": "Run it yourself", "endpoint": "SPARQL",
        "region_map": "Map of the municipalities that are parties to this region",
        "nav": "Navigation",
    },
}.items()}

# Labels of properties from outside vocabularies (our own come from the ontology).
PROPERTY_LABELS = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type": ("soort", "type"),
    "http://www.w3.org/2004/02/skos/core#prefLabel": ("naam", "name"),
    "http://www.w3.org/2004/02/skos/core#altLabel": ("andere naam", "other name"),
    "http://www.w3.org/2004/02/skos/core#definition": ("definitie", "definition"),
    "http://www.w3.org/2004/02/skos/core#notation": ("code", "code"),
    "http://www.w3.org/2004/02/skos/core#inScheme": ("in lijst", "in scheme"),
    "http://www.w3.org/2000/01/rdf-schema#label": ("label", "label"),
    "http://www.w3.org/2000/01/rdf-schema#subClassOf": ("subklasse van", "subclass of"),
    "http://www.w3.org/2000/01/rdf-schema#subPropertyOf": ("deeleigenschap van",
                                                           "subproperty of"),
    "http://www.w3.org/2000/01/rdf-schema#domain": ("domein", "domain"),
    "http://www.w3.org/2000/01/rdf-schema#range": ("bereik", "range"),
    "http://purl.org/dc/terms/title": ("titel", "title"),
    "http://purl.org/dc/terms/description": ("beschrijving", "description"),
    "http://purl.org/dc/terms/source": ("bron", "source"),
    "http://purl.org/dc/terms/creator": ("auteur", "author"),
    "http://purl.org/dc/terms/issued": ("uitgegeven", "issued"),
    "http://purl.org/dc/terms/publisher": ("uitgever", "publisher"),
    "http://purl.org/dc/terms/identifier": ("kenmerk", "identifier"),
    "http://purl.org/dc/terms/bibliographicCitation": ("bronvermelding", "citation"),
    "http://purl.org/dc/terms/isPartOf": ("deel van", "part of"),
    "http://purl.org/dc/terms/hasPart": ("heeft deel", "has part"),
    "http://purl.org/dc/terms/date": ("datum", "date"),
    "http://purl.org/dc/terms/license": ("licentie", "licence"),
    "http://purl.org/dc/terms/isReplacedBy": ("vervangen door", "replaced by"),
    "http://www.w3.org/ns/prov#wasDerivedFrom": ("vindplaats", "derived from"),
    "http://www.w3.org/ns/prov#wasAssociatedWith": ("betrokken", "associated with"),
    "http://www.w3.org/ns/prov#used": ("gebruikte", "used"),
    "http://www.w3.org/ns/org#member": ("lid", "member"),
    "http://www.w3.org/ns/org#organization": ("organisatie", "organization"),
    "http://www.w3.org/ns/org#role": ("rol", "role"),
    "http://www.w3.org/ns/org#memberDuring": ("periode", "period"),
    "http://www.w3.org/ns/org#hasMember": ("heeft lid", "has member"),
    "http://www.w3.org/ns/org#subOrganizationOf": ("onderdeel van", "part of"),
    "http://www.w3.org/ns/org#hasSubOrganization": ("omvat", "contains"),
    "https://schema.org/startDate": ("begin", "start date"),
    "https://schema.org/endDate": ("einde", "end date"),
    "https://schema.org/foundingDate": ("opgericht", "founded"),
    "https://schema.org/dissolutionDate": ("opgeheven", "dissolved"),
    "https://schema.org/url": ("website", "website"),
    "https://schema.org/name": ("naam", "name"),
    "https://schema.org/jobTitle": ("functie", "job title"),
    "https://schema.org/location": ("gevestigd in", "based in"),
    "http://www.w3.org/2006/time#hasBeginning": ("begin", "beginning"),
    "http://www.w3.org/2006/time#hasEnd": ("einde", "end"),
    "http://www.w3.org/2006/time#inXSDDate": ("datum", "date"),
    "http://www.w3.org/2006/time#inXSDgYear": ("jaar", "year"),
    "http://www.w3.org/2006/time#inXSDgYearMonth": ("maand", "month"),
    "http://www.w3.org/2002/07/owl#deprecated": ("ingetrokken", "withdrawn"),
    "http://www.w3.org/2004/02/skos/core#changeNote": ("reden van intrekking", "why withdrawn"),
    "https://schema.org/expires": ("ingetrokken op", "withdrawn on"),
    "http://www.w3.org/2002/07/owl#versionInfo": ("versie", "version"),
}
