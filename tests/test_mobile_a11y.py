"""Pages for phones and for everyone: no page of any kind scrolls sideways in a 375 px wide
window (nor at 1280 px), and axe-core finds no serious or critical accessibility violation in
headless chromium. Pages are served by `kgbuild serve`'s app on 127.0.0.1; chromium is driven
over the DevTools protocol (tests/cdp.py); axe-core comes from the npm registry into build/npm.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import subprocess
from pathlib import Path

import pytest
from cdp import browser
from conftest import ROOT
from httpservers import kgbuild_server

AXE_VERSION = "4.10.3"
AXE_CACHE = ROOT / "build" / "npm"

# A page of every kind, in both languages.
SAMPLE = [
    "index.html",
    "index.en.html",  # home
    "doc/regio/twente.html",
    "doc/regio/landsdeel-oost.en.html",  # regions
    "doc/gemeente/gm0014.html",
    "doc/gemeente/gm0153.en.html",  # gemeenten
    "doc/lidmaatschap/twente/gm0147/lid.html",  # membership
    "doc/organisatie/tetem.html",  # organisation
    "doc/persoon/anja-van-den-dolder.en.html",  # person
    "doc/bron/plaatsengids-twente.html",  # source
    "doc/bevinding/twente-bestaande-samenwerking.en.html",  # finding
    "index/cr-Cultuurregio.html",  # class index
    "doc/dataset/cultuurregios.html",
    "doc/dataset/cultuurregios.en.html",
    "def/cultuurregio.html",
    "def/cultuurregio.en.html",  # ontology
    "query/index.html",
    "query/index.en.html",
    "query/regions.html",
    "query/members-on-date.en.html",
    "404.html",
    "406.html",
    "410.html",
]

# What the width check reads: the page's width, and the elements whose box sticks out of the
# window outside a box that scrolls on its own (to say where the overflow is).
WIDTH = """JSON.stringify({width: document.documentElement.scrollWidth, wide:
  [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right >
   innerWidth + 0.5 && !e.parentElement.closest('.scroll, pre')).slice(0, 5).map(e =>
   e.tagName.toLowerCase() + '.' + e.getAttribute('class') + ': ' +
   (e.textContent || '').trim().slice(0, 50))})"""

AXE_RUN = """axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(
  r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + n.failureSummary)}))))"""


def page_widths(base: str, pages: list[str], width: int) -> dict[str, dict]:
    out = {}
    with browser() as b:
        for rel in pages:
            b.open(f"{base}/{rel}", width)
            out[rel] = json.loads(b.evaluate(WIDTH))
    return out


def too_wide(widths: dict[str, dict], width: int) -> dict[str, dict]:
    return {rel: w for rel, w in widths.items() if w["width"] > width}


def axe_source() -> str:
    """axe-core's script, installed once into build/npm (from the npm registry)."""
    script = AXE_CACHE / "node_modules" / "axe-core" / "axe.min.js"
    AXE_CACHE.mkdir(parents=True, exist_ok=True)
    with (AXE_CACHE / ".lock").open("w") as lock:  # one install at a time
        fcntl.flock(lock, fcntl.LOCK_EX)
        if installed(AXE_CACHE) != AXE_VERSION:
            result = subprocess.run(
                [
                    "npm",
                    "install",
                    "--no-audit",
                    "--no-fund",
                    "--no-save",
                    "--prefix",
                    str(AXE_CACHE),
                    f"axe-core@{AXE_VERSION}",
                ],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert result.returncode == 0, f"npm could not install axe-core: {result.stderr}"
    return script.read_text(encoding="utf-8")


def installed(folder: Path) -> str:
    with contextlib.suppress(OSError, ValueError, KeyError):
        return json.loads((folder / "node_modules/axe-core/package.json").read_text())["version"]
    return ""


def axe_violations(base: str, pages: list[str], source: str) -> dict[str, list[dict]]:
    """The serious and critical violations axe-core finds on each page (at 1280 and 375 px)."""
    out = {}
    with browser() as b:
        for rel in pages:
            for width in (1280, 375):
                b.open(f"{base}/{rel}", width)
                b.evaluate(source)
                found = [
                    v
                    for v in json.loads(b.evaluate(AXE_RUN))
                    if v["impact"] in ("serious", "critical")
                ]
                if found:
                    out[f"{rel} @{width}"] = found
    return out


@pytest.fixture(scope="module")
def served(site):
    with kgbuild_server(site) as port:
        yield f"http://127.0.0.1:{port}"


def test_the_sample_has_every_page_kind(site):
    assert all((site / rel).is_file() for rel in SAMPLE), [
        rel for rel in SAMPLE if not (site / rel).is_file()
    ]


@pytest.mark.servers
def test_no_page_scrolls_sideways_on_a_phone(site, served):
    queries = sorted(str(p.relative_to(site)) for p in (site / "query").glob("*.html"))
    pages = SAMPLE + [q for q in queries if q not in SAMPLE]
    assert too_wide(page_widths(served, pages, 375), 375) == {}


@pytest.mark.servers
def test_no_page_is_wider_than_a_desktop_window(served):
    assert too_wide(page_widths(served, SAMPLE, 1280), 1280) == {}


@pytest.mark.servers
def test_axe_finds_no_serious_or_critical_violation(served):
    assert axe_violations(served, SAMPLE, axe_source()) == {}


# --- controls: the checks above can fail ----------------------------------------------------

CONTROL = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>control</title>
<style>.tag {{ color: #777; }}</style></head><body><main>
<p>{wide}</p><p><span class="tag">grey on white, 4.48:1</span></p>
<svg role="img" viewBox="0 0 10 10"><path d="M0 0h10v10z"/></svg></main></body></html>"""


@pytest.mark.servers
def test_control_the_checks_see_a_wide_page_low_contrast_and_an_unnamed_map(tmp_path):
    (tmp_path / "bad.html").write_text(CONTROL.format(wide="x" * 300), encoding="utf-8")
    (tmp_path / "good.html").write_text(CONTROL.format(wide="x"), encoding="utf-8")
    with kgbuild_server(tmp_path) as port:
        base = f"http://127.0.0.1:{port}"
        widths = page_widths(base, ["bad.html", "good.html"], 375)
        found = axe_violations(base, ["bad.html"], axe_source())
    assert list(too_wide(widths, 375)) == ["bad.html"]
    ids = {v["id"] for v in found["bad.html @1280"]}
    assert {"color-contrast", "svg-img-alt"} <= ids, found
