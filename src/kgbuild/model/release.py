"""The release: the metadata of data/dataset.toml that every dump and page carries, and the
IRIs of the dataset, its publisher and its versions."""

from __future__ import annotations

from dataclasses import dataclass

from .base import Base
from .terms import DEFAULT_BASE


@dataclass(frozen=True)
class Release:
    """The release metadata (data/dataset.toml). Its IRIs are under the default base, like the
    graph's; `base` is the base the build publishes under, applied where bytes leave."""

    version: str
    issued: str
    title_nl: str
    title_en: str
    description_nl: str
    description_en: str
    license: str
    publisher: str
    base: Base
    publisher_en: str = ""
    contact_url: str = ""  # where to ask about the register; the home page when not given
    contact_email: str = ""  # a functional address of the publisher, only when it has one

    @property
    def dataset_iri(self) -> str:
        return f"{DEFAULT_BASE}id/dataset/cultuurregios"

    @property
    def publisher_iri(self) -> str:
        """The publishing organisation, described in the dataset's own document."""
        return f"{self.dataset_iri}#uitgever"

    @property
    def contact_iri(self) -> str:
        return f"{self.dataset_iri}#contact"

    @property
    def contact(self) -> str:
        return self.contact_url or DEFAULT_BASE

    @property
    def landing_page(self) -> str:
        return f"{DEFAULT_BASE}doc/dataset/cultuurregios"

    @property
    def release_page(self) -> str:
        return f"{DEFAULT_BASE}doc/dataset/cultuurregios/{self.version}"

    def publisher_name(self, lang: str) -> str:
        return self.publisher_en if lang == "en" and self.publisher_en else self.publisher

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_nl

    def release_title(self, lang: str) -> str:
        """The title of this release: the dataset's title and the version."""
        word = "versie" if lang == "nl" else "release"
        return f"{self.title(lang)}, {word} {self.version}"

    def citation(self, lang: str, what: str = "", iri: str = "") -> str:
        """A citation: author (the publishing organisation, as no person is named), year,
        title, version, date, publisher and the versioned IRI; a resource is cited by its own
        IRI in the release it was read in."""
        word = "versie" if lang == "nl" else "version"
        head = f"{what}. In: " if what else ""
        where = f"{iri}, in {self.release_iri}" if iri else self.release_iri
        name = self.publisher_name(lang)
        return (
            f"{name} ({self.issued[:4]}). {head}{self.title(lang)}, {word} {self.version} "
            f"({self.issued}). {name}. {where}"
        )

    @property
    def release_iri(self) -> str:
        return f"{self.dataset_iri}/{self.version}"

    def download_url(self, filename: str) -> str:
        return f"{DEFAULT_BASE}download/{self.version}/{filename}"
