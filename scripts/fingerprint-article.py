#!/usr/bin/env python3
"""Write the seed article's fingerprint (tests/fingerprints/) from its text, kept outside the repo.

    python scripts/fingerprint-article.py ../shared/seed/000_c34e227a536540cb.txt
    python scripts/fingerprint-article.py --check ARTICLE.txt   # exit 1 if the files differ

The hashing is in tests/article_fingerprint.py, shared with the tests that read the fingerprint.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import article_fingerprint as fp


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("article", type=Path, help="the article's text (UTF-8)")
    parser.add_argument("--check", action="store_true",
                        help="compare with the committed files instead of writing them")
    args = parser.parse_args()
    runs, paragraphs = fp.render(args.article.read_text(encoding="utf-8"))
    wanted = {fp.RUNS_FILE: runs, fp.PARAGRAPHS_FILE: paragraphs}
    if args.check:
        stale = [p for p, text in wanted.items()
                 if not p.exists() or p.read_text(encoding="utf-8") != text]
        for path in stale:
            print(f"{path} is not the fingerprint of {args.article}", file=sys.stderr)
        return 1 if stale else 0
    for path, text in wanted.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
