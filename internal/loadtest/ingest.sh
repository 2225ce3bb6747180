#!/usr/bin/env bash
# ingest.sh: faithful ingest, side by side with libvips (Debian's 8.14, its
# defaults) on the same files: a 12 MP Display P3 JPEG, a 100-frame GIF and
# a 12 MP AVIF with the same P3 profile. For each, the upload (pngd: the
# whole POST over loopback into a fresh store; vips: `vips copy in out.png`)
# and a cold derive 400 px wide (pngd: the first GET ?w=400 after the
# upload; vips: `vipsthumbnail in -s 400`, which also converts to sRGB by
# default when an image has a profile). For the GIF, vips is given every
# frame ([n=-1]: a strip of frames; pngd keeps an animation). Prints the
# median of ROUNDS.
# pngd runs with -memory-budget 4 GiB: the AVIF decoder's WebAssembly
# memory (about 97 bytes a pixel) does not fit the 1 GiB default for 12 MP.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${PNGD_PORT:-18392}
ROUNDS=${ROUNDS:-3}
for tool in vips vipsthumbnail convert avifenc curl bc; do command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y libvips-tools imagemagick libavif-bin curl bc" >&2; exit 1; }; done
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export GOFLAGS=${GOFLAGS:--tags=nodynamic}
go build -o bin/pngd ./cmd/pngd
go run ./internal/colour/colourtest/p3icc >"$work/p3.icc"

echo "making the files (a minute)…" >&2
convert -seed 5 -size 4000x3000 plasma:fractal -attenuate 0.2 +noise Gaussian -depth 8 "$work/p3.png"
convert "$work/p3.png" -quality 90 -profile "$work/p3.icc" "$work/p3.jpg"
avifenc -s 8 --min 20 --max 30 --icc "$work/p3.icc" "$work/p3.png" "$work/p3.avif" >/dev/null
convert -seed 6 -size 480x270 plasma:fractal -duplicate 99 -virtual-pixel tile -distort SRT '%[fx:t*3.6]' -set delay 4 -loop 0 "$work/anim.gif"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
for f in ${FILES:-p3.jpg anim.gif p3.avif}; do
  src=$work/$f
  [ "$f" = anim.gif ] && src="$src[n=-1]" # every frame, as pngd keeps them (vips loads the first alone by default)
  up=() der=() vc=() vt=()
  for r in $(seq "$ROUNDS"); do
    rm -rf "$work/data"
    ./bin/pngd -addr "127.0.0.1:$PORT" -storage "file://$work/data" -log-format json -memory-budget 4294967296 >/dev/null 2>"$work/pngd.log" &
    pid=$!
    for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
    sleep 1 # the AVIF decoder's WebAssembly compiles at start
    out=$(curl -s -o "$work/resp.json" -w '%{http_code} %{time_total}' -X POST -H 'Content-Type: image/*' --data-binary "@$work/$f" "http://127.0.0.1:$PORT/images")
    [ "${out%% *}" = 201 ] || { echo "$f: upload answered ${out%% *}: $(cat "$work/resp.json")" >&2; exit 1; }
    up+=("${out##* }")
    id=$(sed -E 's/.*"id":"([0-9a-f]+)".*/\1/' "$work/resp.json")
    out=$(curl -s -o "$work/derived.png" -w '%{http_code} %{time_total}' "http://127.0.0.1:$PORT/images/$id?w=400")
    [ "${out%% *}" = 200 ] || { echo "$f: derive answered ${out%% *}" >&2; exit 1; }
    der+=("${out##* }")
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
    vc+=("$(secs vips copy "$src" "$work/out.png")")
    vt+=("$(secs vipsthumbnail "$src" -s 400 -o "$work/thumb.png")")
  done
  u=$(printf '%s\n' "${up[@]}" | median) d=$(printf '%s\n' "${der[@]}" | median)
  c=$(printf '%s\n' "${vc[@]}" | median) t=$(printf '%s\n' "${vt[@]}" | median)
  printf '%-9s (%9d bytes): upload pngd %.3f s, vips copy %.3f s (pngd %.2fx as fast); cold derive w=400 pngd %.3f s, vipsthumbnail %.3f s (%.2fx); %s\n' \
    "$f" "$(stat -c %s "$work/$f")" "$u" "$c" "$(echo "$c / $u" | bc -l)" "$d" "$t" "$(echo "$t / $d" | bc -l)" \
    "$(sed -E 's/.*"colour":(\{[^}]*\}).*/\1/' "$work/resp.json")"
done
