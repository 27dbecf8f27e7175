"""Where a SPARQL text breaks: the line of the error and a one-line reason, for file:line."""

from __future__ import annotations

import re
from typing import overload


@overload
def syntax_error(query: str) -> tuple[int, str] | None: ...
@overload
def syntax_error(query: str, error: SyntaxError) -> tuple[int, str]: ...


def syntax_error(query: str, error: SyntaxError | None = None) -> tuple[int, str] | None:
    """The line (1-based, in the text) and message of a query that does not parse, or None.

    rdflib's parser only parses (it runs nothing) and names the offending token and its line;
    pyoxigraph's error, when given, reports the furthest point its parser reached, often past
    the mistake, and is the fallback."""
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parseQuery(query)
    except Exception as pe:  # noqa: BLE001 - pyparsing's ParseException; others fall through
        lineno, msg = getattr(pe, "lineno", None), getattr(pe, "msg", None)
        if lineno and msg:
            found = getattr(pe, "found", "")
            return int(lineno), one_line(str(msg) + (f", found {found}" if found else ""))
    if error is None:
        return None
    text = str(error.msg or error)
    m = re.match(r"error at (\d+):\d+: (.*)", text, re.DOTALL)
    return (int(m.group(1)), one_line(m.group(2))) if m else (error.lineno or 1, one_line(text))


def one_line(message: str) -> str:
    return (message.strip().splitlines() or ["syntax error"])[0][:200]
