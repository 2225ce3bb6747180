#!/usr/bin/env bash
# Side-by-side load test of POST /vector_image (1,024 values → 512×512 PNG):
# pngd against the seed's stack (FastAPI + uvicorn, 2 workers + OpenCV), on
# the same machine, with wrk -t2 -c32. Prints each one's figures and the ratio.
# Needs Debian's wrk, python3-fastapi, python3-uvicorn and python3-opencv.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-10s}
PNGD_PORT=${PNGD_PORT:-18180}
SEED_PORT=${SEED_PORT:-18181}
ROUNDS=${ROUNDS:-6}
for tool in wrk /usr/bin/python3; do command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y wrk python3-fastapi python3-uvicorn python3-opencv" >&2; exit 1; }; done

export GOFLAGS="${GOFLAGS:--tags=nodynamic}" # WebAssembly AVIF/HEIC decoders only (internal/imaging/heif.go)
go build -o bin/pngd ./cmd/pngd
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT
PNGD_GC_PERCENT=${PNGD_GC_PERCENT:-0} PNGD_LOG_FORMAT=json ./bin/pngd -addr "127.0.0.1:$PNGD_PORT" >/dev/null 2>/tmp/pngd-loadtest.log & pids+=($!)
(cd internal/loadtest && exec /usr/bin/python3 -m uvicorn seed_vector_image:app --workers 2 --port "$SEED_PORT" --log-level warning --no-access-log) & pids+=($!)
for port in $PNGD_PORT $SEED_PORT; do
  for _ in $(seq 100); do curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"values":[1,2]}' "http://127.0.0.1:$port/vector_image" && break; sleep 0.2; done
done

measure() { # name port → RESULT line
  wrk -t2 -c32 -d"$DURATION" -s internal/loadtest/vector_image.lua "http://127.0.0.1:$2" | grep '^RESULT' | sed "s/^RESULT/$1/"
}
measure warmup-pngd $PNGD_PORT >/dev/null; measure warmup-seed $SEED_PORT >/dev/null
# Rounds alternate which server goes first, so that drift in the machine's
# speed (it is shared) does not favour either; each round gives one ratio.
out=$(mktemp)
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then
    p=$(measure pngd $PNGD_PORT); s=$(measure seed $SEED_PORT)
  else
    s=$(measure seed $SEED_PORT); p=$(measure pngd $PNGD_PORT)
  fi
  echo "$p"; echo "$s"; echo "$p $s" >> "$out"
done
awk '{ split($2, a, "="); split($8, b, "="); p[NR] = a[2]; s[NR] = b[2]; r[NR] = a[2] / b[2]; sp += a[2]; ss += b[2] }
     END { n = NR; for (i = 2; i <= n; i++) { v = r[i]; for (j = i - 1; j >= 1 && r[j] > v; j--) r[j + 1] = r[j]; r[j + 1] = v }
           med = (n % 2) ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2;
           printf "mean rps: pngd %.0f, seed %.0f; ratio of means %.2fx, median per-round ratio %.2fx (min %.2fx, max %.2fx); target >= 4x\n",
             sp / NR, ss / NR, sp / ss, med, r[1], r[n] }' "$out"
if grep -Eq 'errors=[1-9]|non2xx=[1-9]' "$out"; then echo "FAIL: some requests failed" >&2; rm -f "$out"; exit 1; fi
rm -f "$out"
hwm() { awk '/VmHWM/ {printf "%d MiB", $2/1024}' "/proc/$1/status"; }
echo "peak RSS: pngd $(hwm "${pids[0]}")"

# Bodies of 1,048,576 values (~20 MB of JSON) at 16 and 64 connections:
# requests/s, and peak RSS against the memory budget (pngd's default here).
# 30 s each: at 64 connections every request takes several seconds.
# 503s are the budget's queue turning work away, counted, not hidden.
big=$(mktemp)
/usr/bin/python3 -c 'import sys; sys.stdout.write("{\"values\":[" + ",".join("%.13f" % (1000 + (i % 1000) / 7) for i in range(1 << 20)) + "]}")' > "$big"
echo "1M-value bodies: $(stat -c %s "$big") bytes each"
for c in 16 64; do
  echo 5 > "/proc/${pids[0]}/clear_refs" 2>/dev/null || true
  r=$(BODYFILE=$big wrk -t2 -c$c -d"${BIG_DURATION:-30s}" --timeout 60s -s internal/loadtest/vector_big.lua "http://127.0.0.1:$PNGD_PORT" | grep '^RESULT' | sed 's/^RESULT //')
  echo "1M values, $c connections: $r peak RSS $(hwm "${pids[0]}")"
done
rm -f "$big"
