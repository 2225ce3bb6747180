#!/usr/bin/env bash
# Side-by-side load test of GET /images/{id}: pngd serving a ~790 KB and a
# ~38 KB stored PNG from local disk against Debian's nginx serving the same
# files as it is run in production at its fastest (sendfile, tcp_nopush,
# open_file_cache, access log off), with wrk -t2 -c32 and keep-alive. pngd
# keeps its request log on (buffered, its default). Rounds alternate which
# server goes first; the ratio of each round is printed, then their median.
# Then upload throughput for a ~5 MB PNG and a ~2 MB JPEG.
# NGINX_ACCESS_LOG=FILE turns nginx's log on.
# Needs Debian's wrk, nginx and imagemagick.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-6}
PNGD_PORT=${PNGD_PORT:-18280}
NGINX_PORT=${NGINX_PORT:-18281}
for tool in wrk nginx convert curl; do command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y wrk nginx imagemagick curl" >&2; exit 1; }; done

work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

export GOFLAGS="${GOFLAGS:--tags=nodynamic}" # WebAssembly AVIF/HEIC decoders only (internal/imaging/heif.go)
go build -o bin/pngd ./cmd/pngd
./bin/pngd -addr "127.0.0.1:$PNGD_PORT" -storage "file://$work/data" -log-format json >/dev/null 2>"$work/pngd.log" & pids+=($!)
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$PNGD_PORT/healthz" && break; sleep 0.1; done

# Deterministic test pictures (plasma fractals with fixed seeds).
convert -seed 1 -size 780x580 plasma:fractal -depth 8 "$work/serve.png"
convert -seed 4 -size 160x120 plasma:fractal -depth 8 "$work/small.png"
convert -seed 2 -size 2060x1500 plasma:fractal -depth 8 "$work/up.png"
convert -seed 3 -size 2700x2050 plasma:fractal -depth 8 -quality 92 "$work/up.jpg"
id=$(curl -sf -X POST -H 'Content-Type: image/png' --data-binary "@$work/serve.png" "http://127.0.0.1:$PNGD_PORT/images" | sed -E 's/.*"id":"([0-9a-f]+)".*/\1/')
small=$(curl -sf -X POST -H 'Content-Type: image/png' --data-binary "@$work/small.png" "http://127.0.0.1:$PNGD_PORT/images" | sed -E 's/.*"id":"([0-9a-f]+)".*/\1/')
echo "serving stored PNGs of $(stat -c %s "$work/data/images/$id.png") and $(stat -c %s "$work/data/images/$small.png") bytes"

# nginx serves pngd's own file: /images/ID → DATA/images/ID.png.
cat > "$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
daemon on;
user root;
events { worker_connections 1024; }
http {
  types { image/png png; }
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 1000000;
  open_file_cache max=10000 inactive=60s;
  access_log ${NGINX_ACCESS_LOG:-off};
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location /images/ { root $work/data; try_files \$uri.png =404; }
  }
}
CONF
nginx -c "$work/nginx.conf"
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$NGINX_PORT/images/$id" && break; sleep 0.1; done
curl -sf -o /dev/null "http://127.0.0.1:$NGINX_PORT/images/$id" || { echo "nginx does not serve the file:" >&2; cat "$work/nginx-error.log" >&2; exit 1; }
cmp <(curl -sf "http://127.0.0.1:$PNGD_PORT/images/$id") <(curl -sf "http://127.0.0.1:$NGINX_PORT/images/$id") || { echo "pngd and nginx serve different bytes" >&2; exit 1; }

measure() { # name url → "name rps=… p50=… p99=… errors=… non2xx=…"
  wrk -t2 -c32 -d"$DURATION" --latency -s internal/loadtest/get.lua "$2" | awk -v n="$1" '
    /Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
    /Socket errors/ {err=1} /Non-2xx/ {non=$NF}
    END {printf "%s rps=%s p50=%s p99=%s errors=%d non2xx=%d\n", n, rps, p50, p99, err, non}'
}
failed=0
compare() { # label id
  local P="http://127.0.0.1:$PNGD_PORT/images/$2" N="http://127.0.0.1:$NGINX_PORT/images/$2" out r p n
  measure warmup-pngd "$P" >/dev/null; measure warmup-nginx "$N" >/dev/null
  out=$(mktemp)
  for r in $(seq "$ROUNDS"); do
    if [ $((r % 2)) -eq 1 ]; then p=$(measure pngd "$P"); n=$(measure nginx "$N"); else n=$(measure nginx "$N"); p=$(measure pngd "$P"); fi
    echo "$1 $p"; echo "$1 $n"; echo "$p $n" >> "$out"
  done
  awk -v label="$1" '{ split($2, a, "="); split($8, b, "="); r[NR] = a[2] / b[2]; sp += a[2]; sn += b[2] }
       END { n = NR; for (i = 2; i <= n; i++) { v = r[i]; for (j = i - 1; j >= 1 && r[j] > v; j--) r[j + 1] = r[j]; r[j + 1] = v }
             med = (n % 2) ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2;
             printf "GET /images/{id}, %s: mean rps pngd %.0f, nginx %.0f; ratio of means %.2fx, median per-round %.2fx (min %.2fx, max %.2fx); target >= 1.0x\n",
               label, sp / NR, sn / NR, sp / sn, med, r[1], r[n] }' "$out"
  grep -Eq 'errors=[1-9]|non2xx=[1-9]' "$out" && failed=1
  rm -f "$out"
}
compare "$(stat -c %s "$work/data/images/$id.png") B" "$id"
compare "$(stat -c %s "$work/data/images/$small.png") B" "$small"
echo "peak RSS: pngd $(awk '/VmHWM/ {printf "%d MiB", $2/1024}' "/proc/${pids[0]}/status")"

# Upload throughput: the same picture again and again (decode, normalise,
# encode and hash each time; the store write happens once).
upload() { # file content-type concurrency
  local size; size=$(stat -c %s "$1")
  BODY_FILE="$1" CONTENT_TYPE="$2" wrk -t1 -c"$3" -d"$DURATION" -s internal/loadtest/upload.lua "http://127.0.0.1:$PNGD_PORT/images" |
    awk -v size="$size" -v name="$(basename "$1")" -v c="$3" '/Requests\/sec/ {printf "upload %s (%.1f MB), %d at a time: %.1f uploads/s, %.1f MB/s\n", name, size/1e6, c, $2, $2*size/1e6} /Non-2xx/ {print "FAIL: " $0; exit 1}'
}
for c in 1 2; do upload "$work/up.png" image/png "$c"; upload "$work/up.jpg" image/jpeg "$c"; done
exit $failed
