#!/usr/bin/env bash
# Install the Data Docs front-end libraries (Bootstrap, jQuery, Vega, ...) from
# the npm registry into a folder under .venv/, at install time. At run time the
# data centre has no network: validation/datadocs.py copies these files next to
# the generated HTML and points every page at them.
#
# Usage: validation/datadocs_assets/install.sh [DEST]
#   DEST defaults to <repo>/.venv/datadocs-assets (what datadocs.py looks for;
#   override at run time with PORTAL_DATADOCS_ASSETS=<DEST>/node_modules).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
DEST="${1:-$REPO/.venv/datadocs-assets}"
mkdir -p "$DEST"
cp "$HERE/package.json" "$HERE/package-lock.json" "$DEST/"
# --legacy-peer-deps: Bootstrap 4.3.1 asks for popper.js ^1.14.7 as a peer, but
# GX's pages use popper.js 1.12.9; we ship exactly what GX names.
# --ignore-scripts: nothing here needs building, and no install script runs.
npm ci --prefix "$DEST" --legacy-peer-deps --ignore-scripts --no-audit --no-fund
echo "Data Docs assets installed in $DEST/node_modules"
