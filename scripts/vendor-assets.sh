#!/usr/bin/env bash
# vendor-assets.sh refreshes the third-party browser files that kamp embeds
# (web/static/vendor/): pinned copies from the npm registry, with their
# licences. No Node step is needed at build or run time; this script only uses
# `npm pack` to fetch the published package tarballs.
#
# Usage: scripts/vendor-assets.sh [HTMX_VERSION [ECHARTS_VERSION]]
# Defaults are the versions recorded below; pass newer ones to upgrade, then
# review the diff and run `go test ./web/...`.
set -euo pipefail

HTMX_VERSION="${1:-2.0.11}"
ECHARTS_VERSION="${2:-5.6.0}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/web/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# fetch NAME VERSION: downloads NAME@VERSION's tarball into $work/NAME and
# unpacks it there (the tarball's top folder is "package").
fetch() {
	local name="$1" version="$2"
	mkdir -p "$work/$name"
	(cd "$work/$name" && npm pack --silent "$name@$version" >/dev/null)
	tar -xzf "$work/$name"/*.tgz -C "$work/$name"
}

fetch htmx.org "$HTMX_VERSION"
fetch echarts "$ECHARTS_VERSION"

mkdir -p "$dest"
install -m 0644 "$work/htmx.org/package/dist/htmx.min.js" "$dest/htmx.min.js"
install -m 0644 "$work/htmx.org/package/LICENSE" "$dest/htmx.LICENSE"
install -m 0644 "$work/echarts/package/dist/echarts.min.js" "$dest/echarts.min.js"
install -m 0644 "$work/echarts/package/LICENSE" "$dest/echarts.LICENSE"
if [ -f "$work/echarts/package/NOTICE" ]; then
	install -m 0644 "$work/echarts/package/NOTICE" "$dest/echarts.NOTICE"
fi

{
	echo "# Third-party browser files embedded by kamp, pinned from the npm registry."
	echo "# Refresh with scripts/vendor-assets.sh; the web server puts these versions in the asset URLs."
	echo "htmx.org $HTMX_VERSION"
	echo "echarts $ECHARTS_VERSION"
} >"$dest/VERSIONS"

echo "vendored htmx.org $HTMX_VERSION and echarts $ECHARTS_VERSION into $dest"
