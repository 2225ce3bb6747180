#!/usr/bin/env bash
# Side-by-side load tests of derived images (GET /images/{id}?w=…&h=…).
#
# Cold: a 2048×2048 photo, uploaded as a ~340 KB JPEG, turned into a
# ~256-px-wide PNG, every request a box never asked for before (so no cache
# hits, in memory or in the store), against imaginary (Go + libvips) doing
# the same fit to PNG from the same JPEG. wrk -t2 -c8; rounds alternate
# which server goes first. imaginary is not built here: set IMAGINARY to
# its binary (see docs/performance.md for how to build it).
#
# Warm: one derived image asked for again and again (cache hits) against
# GET of a stored original of about the same size: the same bytes stored
# as an image of their own, served from disk with sendfile.
#
# Then peak RSS. SOAK=600 instead runs the cold load for that many seconds
# and prints pngd's RSS every 30 s. Needs Debian's wrk and imagemagick.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-6}
PNGD_PORT=${PNGD_PORT:-18290}
IMAGINARY_PORT=${IMAGINARY_PORT:-18291}
IMAGINARY=${IMAGINARY:-}
SOAK=${SOAK:-}
for tool in wrk convert curl; do command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y wrk imagemagick curl" >&2; exit 1; }; done

work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

export GOFLAGS="${GOFLAGS:--tags=nodynamic}" # WebAssembly AVIF/HEIC decoders only (internal/imaging/heif.go)
go build -o bin/pngd ./cmd/pngd
go build -o bin/fetchall ./internal/loadtest/fetchall
./bin/pngd -addr "127.0.0.1:$PNGD_PORT" -storage "file://$work/data" -log-format json >/dev/null 2>"$work/pngd.log" & pngd=$!; pids+=($pngd)
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$PNGD_PORT/healthz" && break; sleep 0.1; done
rss() { awk '/VmRSS/ {printf "%d MiB", $2/1024}' "/proc/$pngd/status"; }
peak() { awk '/VmHWM/ {printf "%d MiB", $2/1024}' "/proc/$pngd/status"; }

# A deterministic 2048×2048 "photo": a smooth plasma fractal with grain.
mkdir -p "$work/mount"
convert -seed 4 -size 2048x2048 plasma:fractal -blur 0x1.5 -attenuate 0.25 +noise Gaussian -quality 75 "$work/mount/photo.jpg"
id=$(curl -sf -X POST -H 'Content-Type: image/jpeg' --data-binary "@$work/mount/photo.jpg" "http://127.0.0.1:$PNGD_PORT/images" | sed -E 's/.*"id":"([0-9a-f]+)".*/\1/')
echo "source: 2048x2048 JPEG of $(stat -c %s "$work/mount/photo.jpg") bytes, stored as /images/$id"

measure() { # name url [lua-env...] → "name rps=… p50=… p99=… errors=… non2xx=…"
  local name=$1 url=$2 script=$3; shift 3
  env "$@" wrk -t2 -c8 -d"$DURATION" --latency -s "$script" "$url" | awk -v n="$name" '
    /Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
    /Socket errors/ {err=1} /Non-2xx/ {non=$NF}
    END {printf "%s rps=%s p50=%s p99=%s errors=%d non2xx=%d\n", n, rps, p50, p99, err, non}'
}
summarise() { # label target file-of-"a b" lines
  awk -v label="$1" -v target="$2" '{ split($2, a, "="); split($8, b, "="); r[NR] = a[2] / b[2]; sa += a[2]; sb += b[2] }
     END { n = NR; for (i = 2; i <= n; i++) { v = r[i]; for (j = i - 1; j >= 1 && r[j] > v; j--) r[j + 1] = r[j]; r[j + 1] = v }
           med = (n % 2) ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2;
           printf "%s: mean rps %.0f vs %.0f; ratio of means %.2fx, median per-round %.2fx (min %.2fx, max %.2fx); target >= %s\n",
             label, sa / NR, sb / NR, sa / sb, med, r[1], r[n], target }' "$3"
}
failed=0
check() { grep -Eq 'errors=[1-9]|non2xx=[1-9]' "$1" && { echo "FAIL: errors or non-2xx answers" >&2; failed=1; }; true; }
lua=internal/loadtest/derived.lua
P="http://127.0.0.1:$PNGD_PORT"
PFMT="/images/$id?w=%d&h=%d"

if [ -n "$SOAK" ]; then
  echo "soak: cold load on pngd for ${SOAK}s; RSS every 30 s"
  DURATION=${SOAK}s measure soak "$P" "$lua" FMT="$PFMT" OFFSET=0 > "$work/soak" & soak=$!
  for _ in $(seq $((SOAK / 30))); do sleep 30; echo "  t=$((SECONDS))s rss=$(rss) peak=$(peak)"; done
  wait "$soak" || true; cat "$work/soak"; check "$work/soak"
  exit $failed
fi

# Cold, against imaginary.
if [ -n "$IMAGINARY" ]; then
  "$IMAGINARY" -p "$IMAGINARY_PORT" -mount "$work/mount" >"$work/imaginary.log" 2>&1 & pids+=($!)
  I="http://127.0.0.1:$IMAGINARY_PORT"; IFMT="/fit?file=photo.jpg&width=%d&height=%d&type=png"
  for _ in $(seq 100); do curl -sf -o /dev/null "$I/health" && break; sleep 0.1; done
  # Both answer 256×256 for a 256×3000 box.
  for u in "$P$(printf "$PFMT" 256 3000)" "$I$(printf "$IFMT" 256 3000)"; do
    curl -sf -o "$work/check.png" "$u"; identify -format '%m %wx%h\n' "$work/check.png" | grep -qx 'PNG 256x256' || { echo "unexpected answer from $u" >&2; exit 1; }
  done
  measure warmup-pngd "$P" "$lua" FMT="$PFMT" OFFSET=40000 >/dev/null; measure warmup-imaginary "$I" "$lua" FMT="$IFMT" OFFSET=40000 >/dev/null
  : > "$work/cold"
  for r in $(seq "$ROUNDS"); do
    off=$((r * 4000))
    if [ $((r % 2)) -eq 1 ]; then
      p=$(measure pngd "$P" "$lua" FMT="$PFMT" OFFSET=$off); i=$(measure imaginary "$I" "$lua" FMT="$IFMT" OFFSET=$off)
    else
      i=$(measure imaginary "$I" "$lua" FMT="$IFMT" OFFSET=$off); p=$(measure pngd "$P" "$lua" FMT="$PFMT" OFFSET=$off)
    fi
    echo "$p"; echo "$i"; echo "$p $i" >> "$work/cold"
  done
  summarise "cold, pngd vs imaginary" 3x "$work/cold"; check "$work/cold"
  echo "pngd peak RSS $(peak)"

  # Fresh: the first derive of a fresh upload, where no pyramid level
  # exists yet. 48 distinct 2040×2040 JPEGs, uploaded first (not timed),
  # then each asked for once at w=256, 8 at a time; imaginary shrinks the
  # same JPEGs from disk. The time to answer all 48; the ratio per set, and
  # the median of 3 sets.
  mkdir -p "$work/fresh"
  for n in $(seq 48); do
    convert -seed "$n" -size 2040x2040 plasma:fractal -blur 0x1.5 -attenuate 0.25 +noise Gaussian -quality 75 "$work/mount/fresh$n.jpg"
  done
  fresh() { # file of URLs → seconds to get them all, 8 at a time over kept-alive connections; each must be 200
    local t
    if ! t=$(bin/fetchall -c 8 < "$1"); then echo "FAIL: fresh: $1" >&2; failed=1; t=0; fi
    echo "$t"
  }
  : > "$work/fresh/times"
  for set in 1 2 3; do
    # Each set uploads its own 48 copies (a corner changed), so that no
    # level exists, and imaginary reads files it has not read before.
    : > "$work/fresh/p"; : > "$work/fresh/i"
    for n in $(seq 48); do
      # A 24-px square of a colour of its own: one changed pixel can
      # decode to the same picture, and so the same id, after JPEG.
      convert "$work/mount/fresh$n.jpg" -fill "rgb($((set * 37 % 256)),$((n * 5 % 256)),200)" -draw 'rectangle 0,0 23,23' -quality 90 "$work/mount/f$set-$n.jpg"
      id=$(curl -sf -X POST -H 'Content-Type: image/jpeg' --data-binary "@$work/mount/f$set-$n.jpg" "$P/images" | sed -E 's/.*"id":"([0-9a-f]+)".*/\1/')
      echo "$P/images/$id?w=256" >> "$work/fresh/p"
      echo "$I/resize?file=f$set-$n.jpg&width=256&type=png" >> "$work/fresh/i"
    done
    if [ "$(sort -u "$work/fresh/p" | wc -l)" -ne 48 ]; then
      echo "FAIL: fresh set $set: the 48 uploads are not 48 distinct images" >&2; exit 1
    fi
    tp=$(fresh "$work/fresh/p"); ti=$(fresh "$work/fresh/i")
    echo "fresh set $set: 48 first derives, pngd ${tp}s, imaginary ${ti}s"
    echo "$tp $ti" >> "$work/fresh/times"
  done
  awk '{ r[NR] = $2 / $1 } END { n = NR; for (i = 2; i <= n; i++) { v = r[i]; for (j = i - 1; j >= 1 && r[j] > v; j--) r[j + 1] = r[j]; r[j + 1] = v }
       printf "fresh, first derive of a new upload: pngd at %.2fx imaginary'"'"'s speed, median of %d sets (min %.2fx, max %.2fx); target >= 0.5x\n", r[int((n + 1) / 2)], n, r[1], r[n] }' "$work/fresh/times"
  echo "pngd peak RSS $(peak)"
else
  echo "cold: IMAGINARY is not set; skipping the comparison (see docs/performance.md)"
fi

# Warm: cache hits against a stored original of about the same size.
curl -sf -o "$work/derived.png" "$P/images/$id?w=256"
orig=$(curl -sf -X POST -H 'Content-Type: image/png' --data-binary "@$work/derived.png" "$P/images" | sed -E 's/.*"id":"([0-9a-f]+)".*/\1/')
echo "warm: /images/$id?w=256 ($(stat -c %s "$work/derived.png") bytes, from the cache) vs /images/$orig ($(stat -c %s "$work/data/images/$orig.png") bytes, from disk)"
cat > "$work/one.lua" <<'LUA'
function request() return wrk.format("GET", os.getenv("URLPATH")) end
LUA
: > "$work/warm"
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then
    d=$(measure derived "$P" "$work/one.lua" URLPATH="/images/$id?w=256"); o=$(measure original "$P" "$work/one.lua" URLPATH="/images/$orig")
  else
    o=$(measure original "$P" "$work/one.lua" URLPATH="/images/$orig"); d=$(measure derived "$P" "$work/one.lua" URLPATH="/images/$id?w=256")
  fi
  echo "$d"; echo "$o"; echo "$d $o" >> "$work/warm"
done
summarise "warm, derived (cache hit) vs original" 0.9x "$work/warm"; check "$work/warm"
echo "pngd peak RSS $(peak), now $(rss) (cache budget 256 MiB)"
exit $failed
