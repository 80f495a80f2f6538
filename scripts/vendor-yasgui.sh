#!/usr/bin/env bash
# Vendor YASGUI (the SPARQL editor of the web UI) from the npm package @zazuko/yasgui into
# src/cicagraph/web/static/yasgui/: only the built UMD bundle and its stylesheet, no source
# maps, no node_modules. The UI then works offline (no CDN).
#
#   scripts/vendor-yasgui.sh            # the pinned version below
#   YASGUI_VERSION=4.6.2 scripts/vendor-yasgui.sh
set -euo pipefail
VERSION="${YASGUI_VERSION:-4.6.2}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/src/cicagraph/web/static/yasgui"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
TARBALL="$(npm pack --silent "@zazuko/yasgui@$VERSION")"
tar xzf "$TARBALL"
mkdir -p "$DEST"
cp package/build/yasgui.min.js package/build/yasgui.min.css "$DEST/"
# The bundle ends with a sourceMappingURL comment; the map is not vendored.
sed -i 's|^//# sourceMappingURL=.*$||' "$DEST/yasgui.min.js"
{
  echo "package: @zazuko/yasgui"
  echo "version: $VERSION"
  echo "license: MIT ($(node -e "console.log(require('./package/package.json').homepage)"))"
  echo "tarball: $TARBALL"
  echo "tarball-sha256: $(sha256sum "$TARBALL" | cut -d' ' -f1)"
  echo "files:"
  (cd "$DEST" && sha256sum yasgui.min.js yasgui.min.css | sed 's/^/  /')
} > "$DEST/VERSION"
echo "vendored @zazuko/yasgui $VERSION into $DEST"
