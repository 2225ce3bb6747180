#!/usr/bin/env bash
# mkcorpus.sh DIR: the PNG encoder's corpus, made from Debian packages
# (python3-skimage, gnome-backgrounds, imagemagick) and pngd's own heatmaps.
#   photo-*   skimage's data photos, as they come (0.1–0.5 MP)
#   wall-*    gnome-backgrounds' wallpapers scaled to 12 MP (3464×3464)
#   noisy-*   a 12 MP photo with sensor-like noise
#   heat-*    heatmaps as /vector_image draws them
#   flat-*    flat UI-like graphics
# Every file is a PNG written by ImageMagick or image/png, never by pngenc.
set -euo pipefail
out=${1:?usage: mkcorpus.sh DIR}
mkdir -p "$out"
root=$(cd "$(dirname "$0")/../.." && pwd)
sk=/usr/lib/python3/dist-packages/skimage/data
bg=/usr/share/backgrounds/gnome
for need in "$sk/astronaut.png" "$bg/wood-d.webp" /usr/bin/convert; do
  [ -e "$need" ] || { echo "mkcorpus: $need is missing: apt-get install python3-skimage gnome-backgrounds imagemagick" >&2; exit 1; }
done
if [ -f "$out/.done" ]; then exit 0; fi
im() { /usr/bin/convert "$@"; }

for f in astronaut chelsea coffee motorcycle_left brick grass camera page ihc; do
  im "$sk/$f.png" -strip "PNG:$out/photo-$f.png"
done
im "$sk/hubble_deep_field.jpg" -strip "PNG:$out/photo-hubble.png"
for f in adwaita-l wood-d pixels-l licorice-d; do
  im "$bg/$f.webp" -strip -resize '3464x3464!' "PNG:$out/wall-$f-12mp.png"
done
im "$sk/coffee.png" -strip -resize '4000x3000!' -attenuate 0.6 +noise Gaussian "PNG:$out/noisy-coffee-12mp.png"
for f in truchet-l grid-l symbolic-d; do
  im "$bg/$f.webp" -strip -resize '1920x1920!' "PNG:$out/flat-$f.png"
done
im "$sk/logo.png" -strip "PNG:$out/flat-logo.png"
im -size 1600x1000 xc:'#f6f6f6' -fill '#3584e4' -draw 'rectangle 0,0 1600,64' \
  -fill white -draw 'roundrectangle 40,120 760,940 12,12' -draw 'roundrectangle 840,120 1560,520 12,12' \
  -fill '#e01b24' -draw 'circle 1200,760 1300,760' -strip -depth 8 "PNG:$out/flat-ui.png"
export GOFLAGS="${GOFLAGS:--tags=nodynamic}" # WebAssembly AVIF/HEIC decoders only (internal/imaging/heif.go)
(cd "$root" && go run ./internal/render/heatmaps "$out")
touch "$out/.done"
ls "$out" | wc -l | xargs echo "mkcorpus: images in $out:"
