"""Right-to-left text in pages, isolated so that it cannot reorder the text around it.

A label in Arabic or Hebrew, or one with a stray U+202E RIGHT-TO-LEFT OVERRIDE, would otherwise
turn the rest of its line around (a link list, a citation, the page title). Text that holds
such characters is wrapped: in <bdi> in element content, between U+2068 FIRST STRONG ISOLATE
and U+2069 POP DIRECTIONAL ISOLATE where no markup can go (attributes, <title>, SVG titles).
Other text is left as it is.
"""

from __future__ import annotations

import unicodedata

from markupsafe import Markup, escape

# Bidi classes of right-to-left letters and digits and of the explicit formatting characters.
DIRECTIONAL = frozenset(
    {"R", "AL", "AN", "LRE", "LRO", "RLE", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}
)
FSI, PDI = "\u2068", "\u2069"


def needs_isolation(text: str) -> bool:
    return not text.isascii() and any(unicodedata.bidirectional(c) in DIRECTIONAL for c in text)


def isolated(text: object) -> Markup:
    """Escaped text for element content; in <bdi> if it holds right-to-left text."""
    out = escape(text)
    return Markup(f"<bdi>{out}</bdi>") if needs_isolation(str(text)) else out


def isolated_text(text: str) -> str:
    """Plain text (to be escaped by the caller) between FSI and PDI if it holds right-to-left
    text: for attribute values, <title> and SVG, where <bdi> cannot go."""
    return f"{FSI}{text}{PDI}" if needs_isolation(text) else text
