"""Maps drawn at build time as inline SVG from the municipal boundaries (no outside requests).

The outlines are projected once (equirectangular, scaled by cos(52°) so the Netherlands keeps
its shape); each map only chooses a class per gemeente: in the werkgebied on 1 January 2025
(confirmed or inferred), no known fact, or (on the home page) the region it lies in.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup, escape

from ..derive import REFERENCE_DATES
from ..terms import CR, ORG
from .bidi import isolated_text
from .context import Site
from .index import GraphIndex
from .resource import REGION_TYPES, STATED, period_of

WIDTH = 4000.0  # SVG units (whole numbers keep the path data short)
LAT0 = 52.2
PALETTE = 12  # colour classes region-0 .. region-11 in style.css


@dataclass
class Maps:
    paths: dict[str, str]  # CBS code -> SVG path data
    names: dict[str, str]
    height: float

    def region(self, index: GraphIndex, iri: str) -> Markup | None:
        """A region's map: its members by their status (no words, so one map for every
        language)."""
        if not index.types.get(iri, set()) & REGION_TYPES:
            return None
        status = member_status(index, iri)
        classes = {code: ("stated" if stated else "inferred") for code, stated in status.items()}
        return self.svg(classes, {}, "none")

    def home(self, site: Site) -> tuple[Markup, dict[str, str]]:
        """The map of every region, and the colour class of each region (its legend)."""
        regions = sorted(s for c in REGION_TYPES for s in site.index.of_type(c))
        colours = {r: f"region-{n % PALETTE}" for n, r in enumerate(regions)}
        classes, titles = {}, {}
        for region in regions:
            for code in member_status(site.index, region):
                classes.setdefault(code, colours[region])
                label = site.index.label(region, site.lang)
                titles.setdefault(code, []).append(isolated_text(label))
        notes = {c: ", ".join(t) for c, t in titles.items()}
        return self.svg(classes, notes, "noregion"), colours

    def svg(self, classes: dict[str, str], notes: dict[str, str], other: str) -> Markup:
        parts = [(f'<svg class="nlmap" xmlns="http://www.w3.org/2000/svg" role="img" '
                  f'viewBox="0 0 {WIDTH:.0f} {self.height:.0f}">')]
        for code in sorted(self.paths):
            note = f" ({notes[code]})" if code in notes else ""
            title = isolated_text(self.names[code]) + note
            cls = classes.get(code, other)
            parts.append(f'<path class="{cls}" d="{self.paths[code]}"><title>'
                         f'{escape(title)}</title></path>')
        parts.append("</svg>")
        return Markup("".join(parts))


MAP_DAY = REFERENCE_DATES[-1]


def member_status(index: GraphIndex, region: str, on: str = MAP_DAY) -> dict[str, bool]:
    """{CBS code of a gemeente in the werkgebied on the day: confirmed?} for a region and the
    regions it contains, by the rule of the snapshot (derive.Period.on)."""
    out: dict[str, bool] = {}
    for r in [region, *(v.value for v in index.values(region, ORG.hasSubOrganization))]:
        for t in index.subjects(CR.region, r):
            if CR.TerritoryFact.value not in index.types.get(t, ()):
                continue
            gemeente, status = index.first(t, CR.gemeente), index.first(t, CR.evidenceStatus)
            code = index.first(gemeente.value, CR.cbsCode) if gemeente is not None else None
            if code is not None and period_of(index, t).on(on):
                stated = status is not None and status.value == STATED
                out[code.value] = out.get(code.value, False) or stated
    return out


def numbers(values: list[int]) -> str:
    """SVG number list, as short as it gets: '12-5 3' is 12, -5, 3."""
    return "".join(f"{v}" if v < 0 or i == 0 else f" {v}" for i, v in enumerate(values))


def ring_path(ring, project) -> str:
    """One closed ring in whole units, as a start point and relative steps."""
    points = [project(lon, lat) for lon, lat in ring]
    x0, y0 = points[0]
    steps, (px, py) = [], (x0, y0)
    for x, y in points[1:]:
        if (x, y) != (px, py):
            steps += [x - px, y - py]
            px, py = x, y
    return f"M{numbers([x0, y0])}l{numbers(steps)}z"


def geometry_path(geometry: dict, project) -> str:
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    return "".join(ring_path(ring, project) for polygon in polygons for ring in polygon)


def bounds(features) -> tuple[float, float, float, float]:
    xs, ys = [], []
    for f in features:
        for polygon in ([f["geometry"]["coordinates"]] if f["geometry"]["type"] == "Polygon"
                        else f["geometry"]["coordinates"]):
            for ring in polygon:
                xs += [p[0] for p in ring]
                ys += [p[1] for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def load_maps(geojson: Path) -> Maps | None:
    """The gemeente outlines of a GeoJSON file (features with `statcode`), or None if absent."""
    if not geojson.exists():
        return None
    features = json.loads(geojson.read_text(encoding="utf-8"))["features"]
    west, south, east, north = bounds(features)
    kx = math.cos(math.radians(LAT0))
    scale = WIDTH / ((east - west) * kx)

    def project(lon: float, lat: float) -> tuple[int, int]:
        return round((lon - west) * kx * scale), round((north - lat) * scale)

    paths = {f["properties"]["statcode"]: geometry_path(f["geometry"], project) for f in features}
    names = {f["properties"]["statcode"]: f["properties"]["statnaam"] for f in features}
    return Maps(paths, names, (north - south) * scale)
