"""Maps drawn at build time as inline SVG from the municipal boundaries (no outside requests).

The outlines are projected once (equirectangular, scaled by cos(52°) so the Netherlands keeps
its shape); each map only chooses a class per gemeente: in the werkgebied on 1 January 2025
(confirmed or inferred), no known fact, or (on the home page) the region it lies in. What is
drawn is data (`Drawing`); templates/map.html turns it into SVG.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ...derive import REFERENCE_DATES
from ...model.terms import CR, ORG, tooi_gemeente
from .bidi import isolated_text
from .context import Link, Site
from .index import GraphIndex, value_of
from .resource import REGION_TYPES, STATED, period_of

WIDTH = 4000.0  # SVG units (whole numbers keep the path data short)
LAT0 = 52.2
PALETTE = 20  # colour classes region-0 .. region-19 in style.css, one per culture region
STRIPE = 24  # the width of one colour's stripe, in SVG units

GeoJson = dict[str, Any]  # a GeoJSON feature or geometry, as read.read_geojson checked it
Ring = Sequence[Sequence[float]]  # [lon, lat] points
Project = Callable[[float, float], tuple[int, int]]  # (lon, lat) -> SVG (x, y)


@dataclass
class Maps:
    paths: dict[str, str]  # CBS code -> SVG path data
    names: dict[str, str]
    height: float

    def region(self, index: GraphIndex, iri: str) -> Drawing | None:
        """A region's map: its members by their status (no words, so one map for every
        language)."""
        if not index.types.get(iri, set()) & REGION_TYPES:
            return None
        status = member_status(index, iri)
        return Drawing(
            self.view_box,
            tuple(
                Shape(
                    self.paths[code],
                    isolated_text(self.names[code]),
                    ("stated" if status[code] else "inferred") if code in status else "none",
                )
                for code in sorted(self.paths)
            ),
        )

    def home(self, site: Site) -> HomeMap:
        """The werkgebied of every culture region on MAP_DAY: a colour per region (a landsdeel,
        which contains regions, has none), stripes of both colours where a gemeente lies in two,
        "outside" only where a source says so, else "not known"; each gemeente links to its
        page, and a table gives the same content in words."""
        regions = site.index.of_type(CR.Cultuurregio.value)
        colours = {r: f"region-{n % PALETTE}" for n, r in enumerate(regions)}
        inside: dict[str, list[str]] = {}
        for region in regions:
            for code in member_status(site.index, region, MAP_DAY, nested=False):
                inside.setdefault(code, []).append(region)
        outside = outside_codes(site.index, MAP_DAY)
        rows: list[MapRow] = []
        fills: dict[str, list[str]] = {}
        for code in sorted(self.paths, key=lambda c: self.names[c].lower()):
            found = sorted(inside.get(code, []), key=lambda r: site.index.label(r, site.lang))
            state = "in" if found else ("outside" if code in outside else "unknown")
            fills[code] = [colours[r] for r in found] or [state]
            rows.append(
                MapRow(
                    site.link(tooi_gemeente(code).value), state, tuple(site.link(r) for r in found)
                )
            )
        title = site.words["map_title"].format(day=MAP_DAY)
        codes = {row.gemeente.iri.rsplit("/", 1)[1].upper(): row for row in rows}
        links = {
            code: row.gemeente.href
            for code, row in codes.items()
            if row.gemeente.href is not None  # a site link always has one
        }
        notes = {
            code: ", ".join(isolated_text(r.label) for r in row.regions)
            for code, row in codes.items()
            if row.regions
        }
        return HomeMap(self.filled(fills, links, notes, title), colours, tuple(rows))

    def filled(
        self, fills: dict[str, list[str]], links: dict[str, str], notes: dict[str, str], title: str
    ) -> Drawing:
        """A map whose gemeenten each link to their page, filled by one class or, for several,
        a pattern of stripes in their classes."""
        pairs = sorted({tuple(f) for f in fills.values() if len(f) > 1})
        shapes = []
        for code in sorted(self.paths):
            fill = fills.get(code, ["unknown"])
            several = len(fill) > 1
            note = f" ({notes[code]})" if code in notes else ""
            shapes.append(
                Shape(
                    self.paths[code],
                    isolated_text(self.names[code]) + note,
                    "several" if several else fill[0],
                    pattern_id(tuple(fill)) if several else "",
                    links.get(code, "#"),
                )
            )
        return Drawing(
            self.view_box, tuple(shapes), title, tuple(Stripes(pattern_id(p), p) for p in pairs)
        )

    @property
    def view_box(self) -> str:
        return f"0 0 {WIDTH:.0f} {self.height:.0f}"


@dataclass(frozen=True)
class Shape:
    """One gemeente on a map: its outline (SVG path data), its title (plain text) and how it is
    painted: a class of style.css, or "several" with the id of its stripes; on the home map
    the link to its page."""

    d: str
    title: str
    paint: str
    pattern: str = ""
    href: str = ""


@dataclass(frozen=True)
class Stripes:
    """Diagonal stripes, one in each class's colour."""

    ident: str
    classes: tuple[str, ...]
    stripe: int = STRIPE  # the width of each

    @property
    def width(self) -> int:
        return self.stripe * len(self.classes)


@dataclass(frozen=True)
class Drawing:
    """A map as templates/map.html draws it: a region's map is named by its page's caption,
    the home map has its own title."""

    view_box: str
    shapes: tuple[Shape, ...]
    title: str = ""
    stripes: tuple[Stripes, ...] = ()


MAP_DAY = REFERENCE_DATES[-1]


@dataclass(frozen=True)
class MapRow:
    """One gemeente of the home map in words: in which regions, or outside, or not known."""

    gemeente: Link
    state: str  # in | outside | unknown
    regions: tuple[Link, ...]


@dataclass(frozen=True)
class HomeMap:
    drawing: Drawing
    colours: dict[str, str]  # region IRI -> its colour class
    rows: tuple[MapRow, ...]


def pattern_id(classes: tuple[str, ...]) -> str:
    return "strepen-" + "-".join(c.removeprefix("region-") for c in classes)


def outside_codes(index: GraphIndex, on: str) -> set[str]:
    """CBS codes of the gemeenten an outside fact places outside every region on the day."""
    out = set()
    for f in index.of_type(CR.OutsideFact.value):
        gemeente = index.first_value(f, CR.gemeente)
        code = index.first_value(gemeente, CR.cbsCode) if gemeente is not None else None
        if code is not None and period_of(index, f).on(on):
            out.add(code)
    return out


def member_status(
    index: GraphIndex, region: str, on: str = MAP_DAY, nested: bool = True
) -> dict[str, bool]:
    """{CBS code of a gemeente in the werkgebied on the day: confirmed?} for a region and (when
    nested) the regions it contains, by the rule of the snapshot (derive.Period.on)."""
    out: dict[str, bool] = {}
    contained = (
        [value_of(v) for v in index.values(region, ORG.hasSubOrganization)] if nested else []
    )
    for r in [region, *contained]:
        for t in index.subjects(CR.region, r):
            if CR.TerritoryFact.value not in index.types.get(t, ()):
                continue
            gemeente = index.first_value(t, CR.gemeente)
            code = index.first_value(gemeente, CR.cbsCode) if gemeente is not None else None
            if code is not None and period_of(index, t).on(on):
                stated = index.first_value(t, CR.evidenceStatus) == STATED
                out[code] = out.get(code, False) or stated
    return out


def numbers(values: list[int]) -> str:
    """SVG number list, as short as it gets: '12-5 3' is 12, -5, 3."""
    return "".join(f"{v}" if v < 0 or i == 0 else f" {v}" for i, v in enumerate(values))


def ring_path(ring: Ring, project: Project) -> str:
    """One closed ring in whole units, as a start point and relative steps."""
    points = [project(lon, lat) for lon, lat in ring]
    x0, y0 = points[0]
    steps, (px, py) = [], (x0, y0)
    for x, y in points[1:]:
        if (x, y) != (px, py):
            steps += [x - px, y - py]
            px, py = x, y
    return f"M{numbers([x0, y0])}l{numbers(steps)}z"


def geometry_path(geometry: GeoJson, project: Project) -> str:
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    return "".join(ring_path(ring, project) for polygon in polygons for ring in polygon)


def bounds(features: list[GeoJson]) -> tuple[float, float, float, float]:
    xs: list[float] = []
    ys: list[float] = []
    for f in features:
        for polygon in (
            [f["geometry"]["coordinates"]]
            if f["geometry"]["type"] == "Polygon"
            else f["geometry"]["coordinates"]
        ):
            for ring in polygon:
                xs += [p[0] for p in ring]
                ys += [p[1] for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def load_maps(features: list[GeoJson]) -> Maps:
    """The gemeente outlines of GeoJSON features (checked by read.read_geojson)."""
    west, south, east, north = bounds(features)
    kx = math.cos(math.radians(LAT0))
    scale = WIDTH / ((east - west) * kx)

    def project(lon: float, lat: float) -> tuple[int, int]:
        return round((lon - west) * kx * scale), round((north - lat) * scale)

    paths = {f["properties"]["statcode"]: geometry_path(f["geometry"], project) for f in features}
    names = {f["properties"]["statcode"]: f["properties"]["statnaam"] for f in features}
    return Maps(paths, names, (north - south) * scale)
