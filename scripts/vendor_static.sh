#!/usr/bin/env bash
# Copy the map's browser code and the country outlines into static/.
#
# The map must work without any content delivery network: Streamlit serves
# static/ at /app/static/ (server.enableStaticServing = true) and the
# self-contained HTML export inlines the same files. This script fetches the
# pinned npm packages with `npm pack` (no install scripts run), copies the few
# files the map needs next to each package's licence, converts the world-atlas
# TopoJSON to a small GeoJSON and writes static/README.md.
#
# Also copies axe-core, for the accessibility checks of the browser tests,
# into tests/axe/ (never served).
#
# Usage: scripts/vendor_static.sh   (needs bash, node and npm; run from anywhere)
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

LEAFLET_VERSION="1.9.4"
SUPERCLUSTER_VERSION="8.0.1"
# Built into supercluster's dist/ file; its licence is shipped beside it.
KDBUSH_VERSION="4.0.2"
WORLD_ATLAS_VERSION="2.0.2"
# Used only to convert TopoJSON to GeoJSON here; nothing of it is shipped.
TOPOJSON_CLIENT_VERSION="3.1.0"
# Only for the browser tests (tests/axe/), never served to members.
AXE_CORE_VERSION="4.14.1"
# Decimal places kept in outline coordinates: 2 is about 1 km, finer than the
# 1:110m source, and keeps the file small.
OUTLINE_DECIMALS="2"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
static="$root/static"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

unpack() {  # unpack NAME VERSION -> $work/NAME
    local name="$1" version="$2" tarball
    tarball="$(cd "$work" && npm pack --silent "$name@$version" | tail -n 1)"
    mkdir -p "$work/$name"
    tar -xzf "$work/$tarball" -C "$work/$name" --strip-components=1
}

# Drop the trailing source-map comment: the .map files are not shipped, and a
# browser with developer tools open would otherwise ask the server for them.
copy_without_source_map() {  # copy_without_source_map SOURCE TARGET
    grep -v '^//# sourceMappingURL=' "$1" > "$2"
}

unpack leaflet "$LEAFLET_VERSION"
unpack supercluster "$SUPERCLUSTER_VERSION"
unpack kdbush "$KDBUSH_VERSION"
unpack world-atlas "$WORLD_ATLAS_VERSION"
unpack topojson-client "$TOPOJSON_CLIENT_VERSION"
unpack axe-core "$AXE_CORE_VERSION"

rm -rf "$root/tests/axe"
mkdir -p "$root/tests/axe"
cp "$work/axe-core/axe.min.js" "$work/axe-core/LICENSE" "$root/tests/axe/"
echo "axe-core $AXE_CORE_VERSION (MPL-2.0, LICENSE), from npm by scripts/vendor_static.sh; used only by the browser tests." \
    > "$root/tests/axe/README.md"

rm -rf "$static/leaflet" "$static/leaflet.markercluster" "$static/supercluster" "$static/world"
mkdir -p "$static/leaflet" "$static/supercluster" "$static/world"

copy_without_source_map "$work/leaflet/dist/leaflet.js" "$static/leaflet/leaflet.js"
cp "$work/leaflet/dist/leaflet.css" "$static/leaflet/leaflet.css"
cp "$work/leaflet/LICENSE" "$static/leaflet/LICENSE"

copy_without_source_map "$work/supercluster/dist/supercluster.min.js" "$static/supercluster/supercluster.min.js"
cp "$work/supercluster/LICENSE" "$static/supercluster/LICENSE"
cp "$work/kdbush/LICENSE" "$static/supercluster/LICENSE-kdbush"

cp "$work/world-atlas/LICENSE" "$static/world/LICENSE"
# 1:110m for the world view (inlined in the standalone page); 1:50m, loaded by
# the app's map only once it is zoomed in, for coasts and borders that still
# say where the map is when no tile server answers.
for scale in 110m 50m; do
node - "$work/topojson-client/dist/topojson-client.js" \
    "$work/world-atlas/countries-$scale.json" \
    "$static/world/countries-$scale.geojson" \
    "$OUTLINE_DECIMALS" <<'NODE'
const fs = require("fs");
const [clientPath, topologyPath, outputPath, decimals] = process.argv.slice(2);
const topojson = require(clientPath);
const topology = JSON.parse(fs.readFileSync(topologyPath, "utf8"));
const scale = 10 ** Number(decimals);
const round = (value) => Math.round(value * scale) / scale;

// Round a ring and drop points that became equal to their predecessor.
function ring(points) {
  const out = [];
  for (const [lng, lat] of points) {
    const point = [round(lng), round(lat)];
    const last = out[out.length - 1];
    if (!last || last[0] !== point[0] || last[1] !== point[1]) out.push(point);
  }
  return out;
}
// Leaflet draws in plain longitude, so a ring that crosses the antimeridian
// (Fiji, Chukotka, Wrangel Island) would be drawn as a band across the whole
// world. Continue such a ring past 180 degrees instead. Antarctica's ring,
// which goes once around the pole, does not close when continued and is kept.
function unwrap(points) {
  const out = [points[0].slice()];
  for (let i = 1; i < points.length; i++) {
    let lng = points[i][0];
    const previous = out[i - 1][0];
    while (lng - previous > 180) lng -= 360;
    while (previous - lng > 180) lng += 360;
    out.push([lng, points[i][1]]);
  }
  const first = out[0], last = out[out.length - 1];
  if (first[0] !== last[0] || first[1] !== last[1]) return points;
  const west = Math.min(...out.map((p) => p[0]));
  return west < -180 ? out.map(([lng, lat]) => [lng + 360, lat]) : out;
}
const polygon = (rings) => rings.map(ring).filter((r) => r.length >= 4).map(unwrap);

const collection = topojson.feature(topology, topology.objects.countries);
const features = [];
for (const feature of collection.features) {
  const geometry = feature.geometry;
  if (!geometry) continue;
  let coordinates;
  if (geometry.type === "Polygon") {
    coordinates = polygon(geometry.coordinates);
  } else if (geometry.type === "MultiPolygon") {
    coordinates = geometry.coordinates.map(polygon).filter((p) => p.length > 0);
  } else {
    continue;
  }
  if (coordinates.length === 0) continue;
  features.push({
    type: "Feature",
    properties: { name: (feature.properties || {}).name || "" },
    geometry: { type: geometry.type, coordinates },
  });
}
fs.writeFileSync(outputPath, JSON.stringify({ type: "FeatureCollection", features }));
console.log(`${outputPath}: ${features.length} countries`);
NODE
done

cat > "$static/README.md" <<EOF
# Vendored browser assets

Written by \`scripts/vendor_static.sh\`; do not edit by hand, re-run the
script instead. Streamlit serves this folder at \`/app/static/\` when
\`server.enableStaticServing = true\`; \`partner_directory.maps.assets\` links these
files in the app and inlines them in the self-contained HTML export, so the
map loads no code from the internet. \`map/\` is the project's own map code
(\`offices.js\`, \`offices.css\`), kept in git and edited by hand; this script leaves it alone.
\`offices/\` holds the map files the app writes (one per published list and language,
see \`partner_directory/maps/office_file.py\`); not in git, and this script leaves it alone too.

| Folder | npm package | Version | Licence | Files |
| --- | --- | --- | --- | --- |
| \`leaflet/\` | leaflet | $LEAFLET_VERSION | BSD-2-Clause (\`leaflet/LICENSE\`) | \`leaflet.js\`, \`leaflet.css\` |
| \`supercluster/\` | supercluster (with kdbush $KDBUSH_VERSION built in) | $SUPERCLUSTER_VERSION | ISC (\`supercluster/LICENSE\`; kdbush's ISC licence \`supercluster/LICENSE-kdbush\`) | \`supercluster.min.js\` (the package's UMD build; the map's clusters, a KD-tree per zoom level) |
| \`world/\` | world-atlas | $WORLD_ATLAS_VERSION | ISC (\`world/LICENSE\`); the shapes are Natural Earth 1:110m and 1:50m admin-0 countries, public domain | \`countries-110m.geojson\`, \`countries-50m.geojson\` |

Changes made while copying:

- \`leaflet.js\` and \`supercluster.min.js\`: the trailing
  \`//# sourceMappingURL=\` comment is removed, because the source maps are
  not shipped.
- \`countries-110m.geojson\` and \`countries-50m.geojson\`: converted from
  the package's \`countries-110m.json\` and \`countries-50m.json\` TopoJSON with topojson-client $TOPOJSON_CLIENT_VERSION
  (ISC, used only for the conversion), coordinates rounded to
  $OUTLINE_DECIMALS decimal places, repeated points dropped, rings that cross
  the antimeridian continued past 180° (so Leaflet does not draw them as
  bands around the world), only the \`name\` property kept.
EOF

echo "Vendored into $static:"
(cd "$static" && find . -type f | sort | xargs ls -l | awk '{print $5, $9}')
