#!/usr/bin/env bash
# Regenerates docs/img/region.png: a region page of the built dist/, drawn by headless chromium.
# Usage: scripts/screenshot.sh [region-slug]   (run `kgbuild build` first)
set -euo pipefail
cd "$(dirname "$0")/.."
slug="${1:-rotterdam-dordrecht}"
page="dist/doc/regio/${slug}.html"
[ -f "$page" ] || { echo "no $page: run kgbuild build first" >&2; exit 2; }
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
mkdir -p docs/img
chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
  --hide-scrollbars --window-size=1100,1500 --screenshot=docs/img/region.png \
  "file://$PWD/$page" >/dev/null 2>&1
echo "docs/img/region.png from $page"
