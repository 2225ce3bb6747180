#!/usr/bin/env bash
# Makes docs/pictures/smartcrop.png, the README's before-and-after picture:
# photographs from Debian's python3-skimage cropped by a running pngd to
# the same boxes with gravity=center (left) and gravity=smart (right).
# Run from the repository's root after `make build`, with ImageMagick and
# pngquant (which makes the picture smaller):
#   docs/pictures/smartcrop.sh
set -euo pipefail
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
bin/pngd -addr 127.0.0.1:0 -storage "file://$dir/data" >"$dir/log" 2>&1 &
pid=$!
until addr=$(sed -n 's|.*listening on http://\([0-9.:]*\).*|\1|p' "$dir/log") && [ -n "$addr" ]; do sleep 0.1; done
sk=/usr/lib/python3/dist-packages/skimage/data
rows=()
for spec in "astronaut.png 320 180" "chelsea.png 200 200" "motorcycle_left.png 180 240"; do
  read -r file w h <<<"$spec"
  id=$(curl -sf -H 'Content-Type: image/png' --data-binary "@$sk/$file" "http://$addr/images" | sed 's/.*"id":"\([0-9a-f]*\)".*/\1/')
  for g in center smart; do
    curl -sf -o "$dir/$file-$g.png" "http://$addr/images/$id?w=$w&h=$h&fit=cover&gravity=$g"
  done
  convert "$dir/$file-center.png" "$dir/$file-smart.png" -background white -splice 8x0 +append -chop 8x0 "$dir/$file-row.png"
  rows+=("$dir/$file-row.png")
done
convert "${rows[@]}" -background white -splice 0x8 -gravity west -append -gravity northwest -chop 0x8 docs/pictures/smartcrop.png
pngquant --force --skip-if-larger --output docs/pictures/smartcrop.png docs/pictures/smartcrop.png || true
echo "wrote docs/pictures/smartcrop.png"
