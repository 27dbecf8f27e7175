"""Hostile data reaches the pages inert: markup and scripts in labels and notes, `</script>`,
attribute-breaking quotes, `]]>`, comments, a 20 000-character value and right-to-left text are
shown as text, keep the embedded JSON-LD parseable, add nothing live to the SVG maps and run no
script in headless chromium; `javascript:`, `data:`, `vbscript:` and `file:` URLs are refused.

Every script payload would leave the mark `pwned<n>` (in the DOM or on the console) that its own
text cannot contain: it is built at run time from 'pw'+'ned<n>'.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import shutil
import subprocess
import tempfile
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import PROJECT_DIRS, ROOT
from servers import in_thread

from kgbuild.cli import main

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def mark(n: int) -> str:
    """A JavaScript expression worth 'pwned<n>' whose text does not contain it."""
    return f"'pw'+'ned{n}'"


def title_js(n: int) -> str:
    return f"document.title={mark(n)}"


def attr_js(n: int) -> str:
    return f"document.documentElement.setAttribute('data-x',{mark(n)})"


RTL = "\u202eטווענטה توينتي"  # RIGHT-TO-LEFT OVERRIDE (never closed), Hebrew, Arabic
NAME_NL = f"Twente</script><script>{title_js(1)}</script><!--"
NAME_EN = f'{RTL} Twente <img src=x onerror="{title_js(2)}">'
ALT_NAME = f'<svg onload="{title_js(3)}">'
LONG = ("Lange waarde " * 1600)[:19_900] + f"<script>{attr_js(4)}</script>]]><!--"
LONG += "x" * (20_000 - len(LONG))
DESCRIPTION_EN = f"\"><script>{title_js(5)}</script><x y=\" ' autofocus onfocus='{title_js(6)}' x='"
COMPLETE_NL = (
    f"]]><script>{title_js(7)}</script><![CDATA[ <!-- --> --!><script>{title_js(8)}</script>"
)
COMPLETE_EN = (
    f'<iframe src="javascript:{title_js(9)}"></iframe>'
    f'<a href="javascript:{title_js(10)}">x</a> {RTL}'
)
WEBSITE = "https://example.org/x'onmouseover='alert(1)'"  # a valid URL: quotes must not break out
SOURCE_TITLE = f'Gids <img src=x onerror="{title_js(11)}"> & <b>vet</b> {RTL}'
PUBLISHER = f"<svg><script>{title_js(12)}</script></svg>"
AUTHOR = f"<script>console.log({mark(13)})</script>"
FINDING_NL = (
    f'<a href="javascript:{title_js(14)}">klik</a> <math><mtext><table><mglyph>'
    f'<style><img src=x onerror="{title_js(15)}">'
)
FINDING_EN = f"<scr<script>ipt>{title_js(16)}</script> {RTL}"
ORG_NAME = f"Tetem <style>*{{display:none}}</style><script>{title_js(17)}</script>"
ORG_DESCRIPTION = f'<object data="javascript:{title_js(18)}"></object>'
PERSON = f'Anja <body onload="{title_js(19)}">'
REASON_NL = f'<details open ontoggle="{title_js(20)}">'
REASON_EN = f'<video><source onerror="{title_js(21)}"></video> {RTL}'
LOCATOR = f'" autofocus onfocus="{title_js(22)}" x="'  # a place in a source: a title= value

EDITS: list[tuple[str, Callable[[dict], bool], dict[str, str]]] = [
    (
        "regions",
        lambda r: r["id"] == "twente",
        {
            "name": NAME_NL,
            "name_en": NAME_EN,
            "alt_names": ALT_NAME,
            "description_nl": LONG,
            "description_en": DESCRIPTION_EN,
            "completeness_nl": COMPLETE_NL,
            "completeness_en": COMPLETE_EN,
            "website": WEBSITE,
        },
    ),
    (
        "sources",
        lambda r: r["id"] == "plaatsengids-twente",
        {"title": SOURCE_TITLE, "publisher": PUBLISHER, "authors": AUTHOR},
    ),
    (
        "findings",
        lambda r: r["id"] == "twente-bestaande-samenwerking",
        {"statement_nl": FINDING_NL, "statement_en": FINDING_EN},
    ),
    (
        "organisations",
        lambda r: r["id"] == "tetem",
        {"name": ORG_NAME, "description_nl": ORG_DESCRIPTION},
    ),
    ("people", lambda r: r["id"] == "anja-van-den-dolder", {"name": PERSON}),
    (
        "memberships",
        lambda r: r["region"] == "twente" and r["status"] == "inferred",
        {"reason_nl": REASON_NL, "reason_en": REASON_EN, "cites": f"plaatsengids-twente#{LOCATOR}"},
    ),
]

# Page, and the values it must show as text (one text node each).
PAGES = {
    "doc/regio/twente.html": [NAME_NL, ALT_NAME, LONG, COMPLETE_NL, REASON_NL],
    "doc/regio/twente.en.html": [NAME_EN, DESCRIPTION_EN, COMPLETE_EN, REASON_EN],
    "index.html": [NAME_NL],
    "index.en.html": [NAME_EN],
    "index/cr-Cultuurregio.html": [NAME_NL],
    "index/cr-Cultuurregio.en.html": [NAME_EN],
    "doc/bron/plaatsengids-twente.html": [SOURCE_TITLE, PUBLISHER, AUTHOR, LOCATOR],
    "doc/bevinding/twente-bestaande-samenwerking.html": [FINDING_NL],
    "doc/bevinding/twente-bestaande-samenwerking.en.html": [FINDING_EN],
    "doc/organisatie/tetem.html": [ORG_NAME, ORG_DESCRIPTION],
    "doc/persoon/anja-van-den-dolder.html": [PERSON],
    "doc/lidmaatschap/twente/gm0147/lid.html": [REASON_NL],
    "doc/lidmaatschap/twente/gm0147/lid.en.html": [REASON_EN],
    "query/regions.html": [NAME_NL],
}
# The JSON-LD name of each resource page: the label, unchanged.
JSONLD_NAMES = {
    "doc/regio/twente.html": NAME_NL,
    "doc/regio/twente.en.html": NAME_EN,
    "doc/bron/plaatsengids-twente.html": SOURCE_TITLE,
    "doc/organisatie/tetem.html": ORG_NAME,
    "doc/persoon/anja-van-den-dolder.html": PERSON,
}

# --- the hostile project -------------------------------------------------------------------


def edit_rows(root: Path, table: str, match: Callable[[dict], bool], values: dict) -> int:
    """Set values (where the file has the column) in every row of table that matches."""
    edited = 0
    for path in sorted((root / "data").rglob(f"{table}.csv")):
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
        header = rows[0]
        for row in rows[1:]:
            if row and match(dict(zip(header, row, strict=False))):
                edited += 1
                for name, value in values.items():
                    if name in header:
                        row[header.index(name)] = value
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")
    return edited


def make_hostile(root: Path) -> None:
    for table, match, values in EDITS:
        assert edit_rows(root, table, match, values), f"no row of {table} edited"


def build(root: Path) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["build", "--root", str(root), "-q"])
    return code, err.getvalue()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    """The `project` copy (made once for this module), made hostile, built."""
    root = tmp_path_factory.mktemp("hostile")
    for name in PROJECT_DIRS:
        shutil.copytree(ROOT / name, root / name)
    make_hostile(root)
    code, err = build(root)
    assert code == 0, err
    return root / "dist"


# --- a local server and headless chromium ---------------------------------------------------

CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n?')
NO_CSP = "/nocsp/"  # the same pages without their Content-Security-Policy: escaping alone


@contextlib.contextmanager
def static_server(root: Path):
    """dist/ on 127.0.0.1 (an ephemeral port); under /nocsp/ HTML comes without its CSP."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            path = unquote(urlsplit(self.path).path)
            strip = path.startswith(NO_CSP)
            rel = path[len(NO_CSP) :] if strip else path.lstrip("/")
            file = (root / rel).resolve()
            if not file.is_relative_to(root.resolve()) or not file.is_file():
                self.send_error(404)
                return
            body = file.read_bytes()
            if strip and file.suffix == ".html":
                body = CSP_META.sub("", body.decode("utf-8")).encode("utf-8")
            kind = {".html": "text/html; charset=utf-8", ".css": "text/css"}.get(
                file.suffix, "application/octet-stream"
            )
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    with in_thread(ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as base:
        yield base


@pytest.fixture(scope="module")
def served(hostile):
    with static_server(hostile) as url:
        yield url


def chromium(url: str, tmp: Path) -> subprocess.CompletedProcess:
    profile = tempfile.mkdtemp(prefix="profile-", dir=tmp)  # a fresh profile every run
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=3000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def payload_marks(result: subprocess.CompletedProcess) -> list[str]:
    """The marks a payload that ran left: in the DOM chromium dumped, or on its console."""
    found = [f"DOM: {m}" for m in sorted(set(re.findall(r"pwned\d*", result.stdout)))]
    found += [f"console: {line}" for line in result.stderr.splitlines() if "pwned" in line]
    return found


def console_errors(stderr: str) -> list[str]:
    return [
        line
        for line in stderr.splitlines()
        if "CONSOLE" in line or "Uncaught" in line or "Failed to load resource" in line
    ]


# --- reading the HTML back ------------------------------------------------------------------

# What the templates and the maps write; anything else in a page came from the data.
TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "link",
    "script",
    "style",
    "body",
    "header",
    "nav",
    "main",
    "footer",
    "section",
    "div",
    "figure",
    "figcaption",
    "h1",
    "h2",
    "h3",
    "p",
    "a",
    "code",
    "pre",
    "span",
    "strong",
    "bdi",
    "br",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "dl",
    "dt",
    "dd",
    "ul",
    "li",
    "svg",
    "path",
    "details",
    "summary",
    "defs",
    "pattern",
    "rect",
}
ATTRIBUTES = {
    "lang",
    "charset",
    "name",
    "content",
    "http-equiv",
    "rel",
    "type",
    "href",
    "hreflang",
    "class",
    "id",
    "title",
    "scope",
    "role",
    "viewbox",
    "xmlns",
    "d",
    "dir",
    "rowspan",
    "aria-labelledby",
    "aria-label",
    "tabindex",
    "fill",
    "x",
    "y",
    "width",
    "height",
    "patternunits",
    "patterntransform",
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "xlink:href"}
VOID = {
    "meta",
    "link",
    "br",
    "img",
    "input",
    "hr",
    "source",
    "area",
    "base",
    "col",
    "embed",
    "wbr",
    "track",
    "param",
}
DIRECTIONAL = {"R", "AL", "AN", "LRE", "LRO", "RLE", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}
ISOLATE = re.compile("\u2068[^\u2068\u2069]*\u2069")  # FIRST STRONG ISOLATE ... POP


def directional(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in DIRECTIONAL for c in text)


def isolated_as_text(text: str) -> bool:
    """Every right-to-left or bidi-control character lies between FSI and PDI."""
    return not directional(ISOLATE.sub("", text))


class Page(HTMLParser):
    """One page: its text nodes, its JSON-LD, and everything live or not isolated in it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # open elements, and whether each isolates
        self.texts: list[str] = []
        self.jsonld: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.check(tag, attrs)
        if tag not in VOID:
            self.stack.append((tag, tag == "bdi" or any(n == "dir" for n, _ in attrs)))

    def handle_startendtag(self, tag, attrs):
        self.check(tag, attrs)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def check(self, tag, attrs):
        where = "/".join(t for t, _ in self.stack[-3:] + [(tag, False)])
        if tag not in TAGS:
            self.problems.append(f"element <{tag}> at {where}")
        if tag == "script" and dict(attrs).get("type") != "application/ld+json":
            self.problems.append(f"executable <script> at {where}")
        for name, value in attrs:
            if name not in ATTRIBUTES or name.startswith("on"):
                self.problems.append(f"attribute {name}={value!r} on <{tag}>")
            if (
                name in URL_ATTRIBUTES
                and value is not None
                and urlsplit(value.strip()).scheme.lower() not in ("", "http", "https")
            ):
                self.problems.append(f"{name}={value!r} on <{tag}>: not an http(s) link")
            if value and directional(value) and not isolated_as_text(value):
                self.problems.append(f"right-to-left text not isolated in {name}={value!r}")

    def handle_data(self, data):
        tags = [t for t, _ in self.stack]
        if tags and tags[-1] == "script":
            self.jsonld.append(data)
            return
        if tags and tags[-1] == "style":
            return
        self.texts.append(data)
        if not directional(data):
            return
        # <title> (of the page, or of an SVG shape) is plain text: only FSI ... PDI isolate there
        ok = isolated_as_text(data) or (
            "title" not in tags and any(isolates for _, isolates in self.stack)
        )
        if not ok:
            self.problems.append(
                f"right-to-left text not isolated in {'/'.join(tags[-3:])}: {data[:60]!r}"
            )

    def has_text(self, value: str) -> bool:
        return any(value in t for t in self.texts)


def read_page(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def svg_problems(html: str) -> list[str]:
    """The inline SVG maps as XML: only the elements a map uses, only their own attributes; a
    link goes to a page of the site (no scheme), a fill to one of the map's own patterns."""
    problems = []
    for block in re.findall(r"<svg\b.*?</svg>", html, re.DOTALL):
        root = ET.fromstring(block)
        for el in root.iter():
            tag = el.tag.rsplit("}", 1)[-1]
            allowed = {
                "svg": {"class", "role", "viewBox", "aria-labelledby"},
                "path": {"class", "d", "fill"},
                "title": {"id"},
                "a": {"href"},
                "defs": set(),
                "rect": {"class", "x", "y", "width", "height"},
                "pattern": {"id", "patternUnits", "width", "height", "patternTransform"},
            }.get(tag)
            if allowed is None:
                problems.append(f"<{tag}> in the map")
                continue
            problems += [
                f"{name} on <{tag}> in the map" for name in el.attrib if name not in allowed
            ]
            if tag == "path" and not re.fullmatch(
                r"stated|inferred|none|unknown|outside|several|region-\d+", el.get("class", "")
            ):
                problems.append(f"path class {el.get('class')!r} in the map")
            if (
                tag == "path"
                and "fill" in el.attrib
                and not re.fullmatch(r"url\(#strepen-[0-9-]+\)", el.get("fill"))
            ):
                problems.append(f"path fill {el.get('fill')!r} in the map")
            if tag == "a" and (":" in el.get("href", "") or el.get("href", "").startswith("//")):
                problems.append(f"link {el.get('href')!r} in the map")
    return problems


def map_titles(html: str) -> list[str]:
    svg = re.search(r"<svg\b.*?</svg>", html, re.DOTALL)
    root = ET.fromstring(svg.group())
    return [el.text or "" for el in root.iter() if el.tag.endswith("}title")]


# --- the tests ------------------------------------------------------------------------------


ENDPOINT_PAGE = "sparql.html"  # the query form of /sparql: its form, and nothing else, is allowed
ENDPOINT_FORM = {
    "element <form> at html/body/main/form",
    "attribute method='get' on <form>",
    "attribute action='sparql' on <form>",
    "element <label> at main/form/p/label",
    "attribute for='query' on <label>",
    "element <textarea> at main/form/p/textarea",
    "attribute rows='12' on <textarea>",
    "element <button> at main/form/p/button",
}


def test_no_page_has_live_markup_an_unsafe_link_or_unisolated_rtl_text(hostile):
    pages = sorted(hostile.rglob("*.html"))
    assert len(pages) > 700
    problems = []
    for path in pages:
        html = path.read_text(encoding="utf-8")
        found = read_page(html).problems + svg_problems(html)
        if path.relative_to(hostile).as_posix() == ENDPOINT_PAGE:
            found = [p for p in found if p not in ENDPOINT_FORM]
        problems += [f"{path.relative_to(hostile)}: {p}" for p in found]
    assert problems == []


@pytest.mark.parametrize("rel", sorted(PAGES))
def test_hostile_values_are_shown_as_text(hostile, rel):
    page = read_page((hostile / rel).read_text(encoding="utf-8"))
    for value in PAGES[rel]:
        assert page.has_text(value), f"{rel}: {value[:60]!r} not shown as text"


@pytest.mark.parametrize("rel", sorted(PAGES))
def test_embedded_json_ld_parses_and_keeps_the_label(hostile, rel):
    html = (hostile / rel).read_text(encoding="utf-8")
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    assert len(blocks) == 1, f"{rel}: the JSON-LD element was broken open"
    data = json.loads(blocks[0])
    if rel in JSONLD_NAMES:
        assert data["name"] == JSONLD_NAMES[rel]
    assert "</script" not in blocks[0].lower() and "<!--" not in blocks[0]


def test_json_ld_keeps_the_long_and_the_quoted_values_unchanged(hostile):
    html = (hostile / "doc/regio/twente.html").read_text(encoding="utf-8")
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL).group(1)
    )
    assert data["description"] == LONG and len(LONG) == 20_000
    assert data["url"] == WEBSITE
    en = (hostile / "doc/regio/twente.en.html").read_text(encoding="utf-8")
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', en, re.DOTALL).group(1)
    )
    assert data["description"] == DESCRIPTION_EN


def test_a_quoted_website_stays_one_href(hostile):
    class Hrefs(HTMLParser):
        def __init__(self):
            super().__init__()
            self.hrefs = []

        def handle_starttag(self, tag, attrs):
            self.hrefs += [v for n, v in attrs if n == "href"]

    p = Hrefs()
    p.feed((hostile / "doc/regio/twente.html").read_text(encoding="utf-8"))
    assert WEBSITE in p.hrefs


def test_home_map_names_the_hostile_region_as_text_and_isolates_rtl(hostile):
    nl = map_titles((hostile / "index.html").read_text(encoding="utf-8"))
    assert any(NAME_NL in t for t in nl)
    en = map_titles((hostile / "index.en.html").read_text(encoding="utf-8"))
    assert any(f"\u2068{NAME_EN}\u2069" in t for t in en)
    region = (hostile / "doc/regio/twente.html").read_text(encoding="utf-8")
    assert svg_problems(region) == [] and map_titles(region)


def test_right_to_left_labels_are_isolated(hostile):
    en = (hostile / "doc/regio/twente.en.html").read_text(encoding="utf-8")
    escaped = (
        NAME_EN.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("'", "&#39;")
    )
    assert f"<h1><bdi>{escaped}</bdi></h1>" in en
    assert f"<title>\u2068{escaped}\u2069 · " in en
    assert f"\u2068{escaped}\u2069. In: " in en  # the citation line
    source = (hostile / "doc/bron/plaatsengids-twente.en.html").read_text(encoding="utf-8")
    assert "<h1><bdi>Gids &lt;img" in source
    # text without right-to-left characters is left as it was
    assert "<h1>Twente&lt;/script&gt;" in (hostile / "doc/regio/twente.html").read_text()


def test_pages_carry_a_strict_content_security_policy(hostile):
    pages = sorted(hostile.rglob("*.html"))
    assert len(pages) > 700 and [p for p in pages if p.parent.name == "query"]
    for path in pages:
        html = path.read_text(encoding="utf-8")
        metas = CSP_META.findall(html)
        assert len(metas) == 1, path
        assert html.index(metas[0]) < html.find("<link"), "the policy comes first"
        assert not re.search(r"<style|<[a-z][^<>]*\sstyle=", html), path  # no inline CSS
        policy = dict(
            d.strip().split(" ", 1)
            for d in re.search(r'content="([^"]+)"', metas[0]).group(1).split(";")
        )
        assert policy["default-src"] == "'none'" and "script-src" not in policy, path
        # only the endpoint's form may be sent, and only to this site
        form = "'self'" if path.relative_to(hostile).as_posix() == ENDPOINT_PAGE else "'none'"
        assert policy["base-uri"] == "'none'" and policy["form-action"] == form, path
        assert not re.search(r"unsafe|\*|data:", metas[0]), path


@pytest.mark.servers
@pytest.mark.parametrize("rel", sorted(PAGES))
def test_chromium_runs_no_payload(served, rel, tmp_path):
    """Without the Content-Security-Policy, so that escaping alone is what is tested."""
    result = chromium(f"{served}{NO_CSP}{rel}", tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert payload_marks(result) == []
    assert console_errors(result.stderr) == []
    dom = read_page(result.stdout)
    for value in PAGES[rel]:
        assert dom.has_text(value), f"{rel}: {value[:60]!r} not text in chromium's DOM"


@pytest.mark.servers
@pytest.mark.parametrize(
    "rel", ["doc/regio/twente.en.html", "index.html", "query/regions.html", "query/index.html"]
)
def test_chromium_renders_the_pages_with_their_policy_without_console_errors(served, rel, tmp_path):
    result = chromium(f"{served}/{rel}", tmp_path)
    assert result.returncode == 0
    assert payload_marks(result) == [] and console_errors(result.stderr) == []
    if not rel.startswith("query/"):
        assert '<svg class="nlmap"' in result.stdout


BAD_URLS = [
    "javascript:alert(1)",
    "JavaScript:alert(document.domain)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example/x",
]
URL_FIELDS = [
    ("regions", "twente", "website"),
    ("sources", "plaatsengids-twente", "url"),
    ("organisations", "tetem", "website"),
]


@pytest.mark.parametrize("url", BAD_URLS)
@pytest.mark.parametrize(("table", "ident", "column"), URL_FIELDS)
def test_non_http_urls_are_refused_with_file_and_line(project, table, ident, column, url):
    edited: list[dict] = []

    def first(r: dict) -> bool:  # the first row of ident in a file with that column
        if r["id"] == ident and column in r and not edited:
            edited.append(r)
            return True
        return False

    assert edit_rows(project, table, first, {column: url}) == 1
    code, err = build(project)
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 1, lines
    assert re.fullmatch(
        rf"error: data/\w+/{table}\.csv:\d+: {column}: not an http\(s\) URL: .+", lines[0]
    ), lines[0]
    assert not (project / "dist").exists()


# --- controls: the checks above can fail ----------------------------------------------------


@pytest.mark.servers
def test_control_chromium_detection_sees_payloads_that_run(tmp_path):
    (tmp_path / "dom.html").write_text(
        f"<!doctype html><title>x</title><script>{title_js(1)}</script>", encoding="utf-8"
    )
    (tmp_path / "console.html").write_text(
        f'<!doctype html><img src=x onerror="console.log({mark(2)})">', encoding="utf-8"
    )
    (tmp_path / "x").write_text("not an image")
    with static_server(tmp_path) as url:
        dom = chromium(f"{url}/dom.html", tmp_path)
        console = chromium(f"{url}/console.html", tmp_path)
    assert "DOM: pwned1" in payload_marks(dom)
    assert [m for m in payload_marks(console) if m.startswith("console:") and "pwned2" in m]


@pytest.mark.servers
def test_control_the_policy_blocks_an_inline_script_in_chromium(hostile, tmp_path):
    meta = CSP_META.search((hostile / "index.html").read_text(encoding="utf-8")).group()
    (tmp_path / "csp.html").write_text(
        f"<!doctype html><head>{meta}<title>x</title></head><script>{title_js(1)}</script>",
        encoding="utf-8",
    )
    with static_server(tmp_path) as url:
        blocked = chromium(f"{url}/csp.html", tmp_path)
        unblocked = chromium(f"{url}{NO_CSP}csp.html", tmp_path)
    assert payload_marks(blocked) == [] and console_errors(blocked.stderr)
    assert "DOM: pwned1" in payload_marks(unblocked)


def test_control_structure_check_finds_live_markup_and_unisolated_rtl(tmp_path):
    bad = read_page(
        '<p onclick="x">a</p><a href="javascript:alert(1)">b</a>'
        '<a href=" JAVA\tSCRIPT:alert(1)">c</a><script>alert(1)</script>'
        '<iframe srcdoc="x"></iframe><p>טקסט</p><a title="\u202eabc">d</a>'
        "<title>\u2068עברית\u2069 ok</title><p><bdi>עברית</bdi></p>"
    )
    assert bad.problems == [
        "attribute onclick='x' on <p>",
        "href='javascript:alert(1)' on <a>: not an http(s) link",
        "href=' JAVA\\tSCRIPT:alert(1)' on <a>: not an http(s) link",
        "executable <script> at script",
        "element <iframe> at iframe",
        "attribute srcdoc='x' on <iframe>",
        "right-to-left text not isolated in p: 'טקסט'",
        "right-to-left text not isolated in title='\\u202eabc'",
    ]
    broken = (
        '<svg class="nlmap" role="img" viewBox="0 0 1 1"><path class="x" d="M0" '
        'onload="y"><title>t</title></path><script>1</script></svg>'
    )
    assert svg_problems(broken) == [
        "onload on <path> in the map",
        "path class 'x' in the map",
        "<script> in the map",
    ]


def test_control_link_and_query_cells_never_make_an_unsafe_href():
    from kgbuild.emit.pages.context import Link
    from kgbuild.emit.pages.queries import Cell, QueryPage, environment, page_chrome
    from kgbuild.model.base import Base
    from kgbuild.model.release import Release

    link = environment().from_string("{{ l | link }}")
    for href in (
        "javascript:alert(1)",
        " JAVASCRIPT:x",
        "data:text/html,x",
        "vbscript:x",
        "file:///etc/passwd",
    ):
        assert link.render(l=Link("<b>x</b>", href)) == "&lt;b&gt;x&lt;/b&gt;"
    assert link.render(l=Link("x", "../a.html")) == '<a href="../a.html">x</a>'
    page = QueryPage(
        "q",
        "s",
        "",
        (),
        "",
        (),
        ("a",),
        ((Cell("x", "javascript:alert(1)"),), (Cell("y", "https://e.org/"),)),
        (False, False),
    )
    release = Release("0.1.0", "2025-01-01", "t", "t", "", "", "", "", Base("https://e.org/"))
    html = (
        environment()
        .get_template("query.html")
        .render(page=page, chrome=page_chrome(release, "nl", page))
    )
    assert "javascript:" not in html and '<a href="https://e.org/">y</a>' in html
