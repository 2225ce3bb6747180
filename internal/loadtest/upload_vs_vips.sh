#!/usr/bin/env bash
# upload_vs_vips.sh: storing a 12 MP JPEG as PNG, pngd against
# `vips copy photo.jpg out.png` (libvips 8.14 from Debian, its defaults),
# side by side on the same files. pngd's time is the whole upload
# (curl, loopback): read, decode, encode the stored PNG and its pyramid
# levels, write to disk. Each JPEG is uploaded to a fresh store each
# round, so every upload does the full work. Prints the median of ROUNDS.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${PNGD_PORT:-18391}
ROUNDS=${ROUNDS:-5}
for tool in vips convert curl; do command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y libvips-tools imagemagick curl" >&2; exit 1; }; done
internal/pngenc/mkcorpus.sh bin/corpus >/dev/null
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export GOFLAGS="${GOFLAGS:--tags=nodynamic}" # WebAssembly AVIF/HEIC decoders only (internal/imaging/heif.go)
go build -o bin/pngd ./cmd/pngd

# Two 12 MP JPEGs at quality 92: a photo with sensor-like noise, and a
# smooth wallpaper.
convert bin/corpus/photo-coffee.png -resize '4000x3000!' -attenuate 0.3 +noise Gaussian -quality 92 "$work/photo.jpg"
convert bin/corpus/wall-adwaita-l-12mp.png -resize '4000x3000!' -quality 92 "$work/wall.jpg"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for jpg in photo wall; do
  f="$work/$jpg.jpg"
  pt=() vt=()
  for r in $(seq "$ROUNDS"); do
    rm -rf "$work/data"
    ./bin/pngd -addr "127.0.0.1:$PORT" -storage "file://$work/data" -log-format json -memory-budget 4294967296 >/dev/null 2>"$work/pngd.log" &
    pid=$!
    for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
    out=$(curl -s -o "$work/resp.json" -w '%{http_code} %{time_total}' -X POST -H 'Content-Type: image/jpeg' --data-binary "@$f" "http://127.0.0.1:$PORT/images")
    [ "${out%% *}" = 201 ] || { echo "upload answered ${out%% *}: $(cat "$work/resp.json")" >&2; exit 1; }
    pt+=("${out##* }")
    psize=$(sed -E 's/.*"size":([0-9]+).*/\1/' "$work/resp.json")
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
    s=$(date +%s.%N); vips copy "$f" "$work/out.png"; e=$(date +%s.%N)
    vt+=("$(echo "$e - $s" | bc -l)")
  done
  p=$(printf '%s\n' "${pt[@]}" | median) v=$(printf '%s\n' "${vt[@]}" | median)
  printf '%s.jpg (%d bytes): pngd upload %.3f s, %d bytes stored; vips copy %.3f s, %d bytes; pngd is %.2fx as fast, at %.3fx the bytes\n' \
    "$jpg" "$(stat -c %s "$f")" "$p" "$psize" "$v" "$(stat -c %s "$work/out.png")" "$(echo "$v / $p" | bc -l)" "$(echo "$psize / $(stat -c %s "$work/out.png")" | bc -l)"
done
