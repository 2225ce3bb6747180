#!/usr/bin/env bash
# Remakes p3-before-after.png, the README's picture: a photo as a phone
# stores it (Display P3 numbers with a P3 profile), 300 px wide, as pngd
# derived it before it kept profiles (the P3 numbers read as sRGB: dull)
# and as it does now (converted to sRGB). Needs pngd built, ImageMagick
# and Debian's python3-skimage (the photo) and colord-data (sRGB.icc).
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOFLAGS=${GOFLAGS:--tags=nodynamic}
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
go build -o bin/pngd ./cmd/pngd
go run ./internal/colour/colourtest/p3icc >"$work/p3.icc"
# The phone's file: the photo's colours in Display P3 numbers, tagged P3.
convert /usr/lib/python3/dist-packages/skimage/data/coffee.png -profile /usr/share/color/icc/colord/sRGB.icc -profile "$work/p3.icc" -quality 92 "$work/phone.jpg"
# Before: the profile dropped, the numbers kept.
convert "$work/phone.jpg" +profile '*' -resize 300x "$work/before.png"
# Now: pngd's derived image.
./bin/pngd -addr 127.0.0.1:18393 -storage "file://$work/data" >/dev/null 2>&1 & pid=$!
for _ in $(seq 100); do curl -sf -o /dev/null http://127.0.0.1:18393/healthz && break; sleep 0.1; done
id=$(curl -sf -X POST -H 'Content-Type: image/jpeg' --data-binary "@$work/phone.jpg" http://127.0.0.1:18393/images | sed -E 's/.*"id":"([0-9a-f]+)".*/\1/')
curl -sf -o "$work/after.png" "http://127.0.0.1:18393/images/$id?w=300"
montage -font DejaVu-Sans -pointsize 13 -label 'profile dropped (before)' "$work/before.png" -label 'converted to sRGB (pngd now)' "$work/after.png" \
	-tile 2x1 -geometry +6+6 -background white "$work/out.png"
convert "$work/out.png" -strip -define png:compression-level=9 internal/colour/p3-before-after.png
echo "wrote internal/colour/p3-before-after.png ($(stat -c %s internal/colour/p3-before-after.png) bytes)"
