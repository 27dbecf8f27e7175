"""Read the release metadata (data/dataset.toml), checked: errors carry the file and line."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from ..model.base import Base
from ..model.errors import InputError, Loc, Problem
from ..model.release import Release
from .cells import parse_date, parse_url

RELEASE_FILE = "data/dataset.toml"

_TOML_LINE = re.compile(r"\(at line (\d+)")
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]*")


def read_release(root: Path, base: Base) -> Release:
    rel = RELEASE_FILE
    try:
        meta = tomllib.loads((root / rel).read_bytes().decode("utf-8"))
        release = Release(base=base, **{k: str(v) for k, v in meta["release"].items()})
    except FileNotFoundError:
        raise InputError([Problem(Loc(rel, 1), "missing release metadata")]) from None
    except UnicodeDecodeError:
        raise InputError([Problem(Loc(rel, 1), "not valid UTF-8")]) from None
    except tomllib.TOMLDecodeError as e:
        m = _TOML_LINE.search(str(e))
        raise InputError(
            [Problem(Loc(rel, int(m.group(1)) if m else 1), f"invalid TOML: {e}")]
        ) from None
    except (KeyError, TypeError, AttributeError) as e:
        raise InputError([Problem(Loc(rel, 1), f"bad release metadata: {e}")]) from None
    return check_release(release, rel)


def check_release(release: Release, rel: str) -> Release:
    """The version names a folder of dist/ and issued is a date: refuse anything else."""
    problems = []
    if not _VERSION.fullmatch(release.version):
        problems.append(
            Problem(
                Loc(rel, 1),
                f"version {release.version!r}: use letters, digits, '.', '_' and '-' only",
            )
        )
    try:
        parse_date(release.issued)
        parse_url(release.license)
        if len(release.issued) != 10:
            raise ValueError(f"issued must be YYYY-MM-DD: {release.issued!r}")
    except ValueError as e:
        problems.append(Problem(Loc(rel, 1), f"bad release metadata: {e}"))
    if problems:
        raise InputError(problems)
    return release
