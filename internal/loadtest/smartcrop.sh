#!/usr/bin/env bash
# A cold smart crop, pngd against imaginary's /smartcrop (libvips's
# attention crop), side by side on the same files and box.
#
# 24 distinct 2048×1536 JPEGs (skimage's astronaut, enlarged, one pixel
# changed in each) are uploaded to pngd first (not timed); then each is
# asked for once as a 256×256 smart crop, 4 at a time: pngd's
# ?w=256&h=256&fit=cover&gravity=smart against imaginary's
# /smartcrop?width=256&height=256&type=png on the same JPEG files, which
# imaginary reads from disk (its -mount). No answer is a cache hit on
# either side. The time to answer all 24, in 3 sets, pngd or imaginary
# first by turns; every answer must be a 200. The centre crop is timed the
# same way on fresh uploads, in 3 sets between those, for the ratio
# smart/centre.
#
# FROM_STORE=1 restarts pngd between the uploads and the requests, so that
# no pyramid level is in its memory (it reads and decodes one from disk);
# by default the levels the uploads made are still in memory, as they are
# when a thumbnail is asked for right after an upload.
#
# imaginary is not in Debian: set IMAGINARY to its binary (docs/performance.md
# says how to build it). Needs imagemagick, curl, bc and python3-skimage.
set -euo pipefail
cd "$(dirname "$0")/../.."
PNGD_PORT=${PNGD_PORT:-18292}
IMAGINARY_PORT=${IMAGINARY_PORT:-18293}
IMAGINARY=${IMAGINARY:?set IMAGINARY to the imaginary binary}
N=${N:-24}
for tool in convert curl bc; do command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y imagemagick curl bc" >&2; exit 1; }; done
# Each request is timed by internal/loadtest/fetchall (4 at a time, kept-alive
# connections, every answer a 200 read whole), not a curl process each.

work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

export GOFLAGS="${GOFLAGS:--tags=nodynamic}"
go build -o bin/pngd ./cmd/pngd
go build -o bin/fetchall ./internal/loadtest/fetchall
start_pngd() { # and wait until it has compiled its WebAssembly decoders, which takes both cores for about 0.3 s after it starts serving
  : > "$work/pngd.log"
  ./bin/pngd -addr "127.0.0.1:$PNGD_PORT" -storage "file://$work/data" -log-format json >/dev/null 2>>"$work/pngd.log" & pngd=$!; pids+=($pngd)
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$PNGD_PORT/healthz" && grep -q '"image decoders compiled"' "$work/pngd.log" && break; sleep 0.1; done
}
start_pngd
mkdir -p "$work/mount"
"$IMAGINARY" -p "$IMAGINARY_PORT" -mount "$work/mount" >"$work/imaginary.log" 2>&1 & pids+=($!)
P="http://127.0.0.1:$PNGD_PORT"
I="http://127.0.0.1:$IMAGINARY_PORT"
for u in "$P/healthz" "$I/health"; do
  for _ in $(seq 100); do curl -sf -o /dev/null "$u" && break; sleep 0.1; done
done
convert /usr/lib/python3/dist-packages/skimage/data/astronaut.png -resize '2048x1536!' -quality 90 "$work/base.jpg"

upload() { # set n → pngd id of a fresh copy, also written to the mount
  local f="$work/mount/f$1-$2.jpg"
  # A 24-px square of a colour of its own: one changed pixel can decode
  # to the same picture, and so the same id, after JPEG.
  convert "$work/base.jpg" -fill "rgb($(($1 * 37 % 256)),$(($2 * 11 % 256)),200)" -draw 'rectangle 0,0 23,23' -quality 90 "$f"
  curl -sf -X POST -H 'Content-Type: image/jpeg' --data-binary "@$f" "$P/images" | sed -E 's/.*"id":"([0-9a-f]+)".*/\1/'
}
failed=0
timed() { # file of URLs → seconds to get them all, 4 at a time over kept-alive connections; each must be 200
  local t
  if ! t=$(bin/fetchall -c 4 < "$1"); then failed=1; t=0; fi
  echo "$t"
}
: > "$work/ratios"
for set in 1 2 3 4 5 6; do
  : > "$work/p"; : > "$work/i"
  for n in $(seq "$N"); do
    id=$(upload "$set" "$n")
    if [ $((set % 2)) -eq 1 ]; then # smart and centre sets alternate
      echo "$P/images/$id?w=256&h=256&fit=cover&gravity=smart" >> "$work/p"
      echo "$I/smartcrop?file=f$set-$n.jpg&width=256&height=256&type=png" >> "$work/i"
    else # the centre crop, on fresh uploads too
      echo "$P/images/$id?w=256&h=256&fit=cover" >> "$work/p"
    fi
  done
  if [ -n "${FROM_STORE:-}" ]; then # a pngd that has not seen the uploads: every level read from the store
    kill "$pngd"; wait "$pngd" 2>/dev/null || true; start_pngd
  fi
  if [ "$(sed -E 's/.*images\/([0-9a-f]+).*/\1/' "$work/p" | sort -u | wc -l)" -ne "$N" ]; then
    echo "FAIL: set $set: the $N uploads are not $N distinct images" >&2; exit 1
  fi
  if [ $((set % 2)) -eq 1 ]; then
    if [ $((set % 4)) -eq 1 ]; then tp=$(timed "$work/p"); ti=$(timed "$work/i"); else ti=$(timed "$work/i"); tp=$(timed "$work/p"); fi
    echo "set $set: pngd smart ${tp}s, imaginary /smartcrop ${ti}s, ratio $(echo "scale=2; $ti / $tp" | bc)x"
    echo "$tp" >> "$work/smart"
    echo "$(echo "scale=4; $ti / $tp" | bc)" >> "$work/ratios"
  else
    tc=$(timed "$work/p")
    echo "set $set: pngd centre ${tc}s"
    echo "$tc" >> "$work/centre"
  fi
done
function median_of { sort -n "$1" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo "cold smart crop, pngd vs imaginary: median ratio $(median_of "$work/ratios")x (target >= 3x)"
echo "pngd smart vs centre, fresh uploads: $(echo "scale=2; $(median_of "$work/smart") / $(median_of "$work/centre")" | bc)x (target <= 1.2x)"
exit $failed
