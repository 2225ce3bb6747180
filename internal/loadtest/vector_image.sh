#!/usr/bin/env bash
# Side-by-side load test of POST /vector_image (1,024 values → 512×512 PNG):
# pngd against the seed's stack (FastAPI + uvicorn, 2 workers + OpenCV), on
# the same machine, with wrk -t2 -c32. Prints each one's figures and the ratio.
# Needs Debian's wrk, python3-fastapi, python3-uvicorn and python3-opencv.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-20s}
PNGD_PORT=${PNGD_PORT:-18180}
SEED_PORT=${SEED_PORT:-18181}
ROUNDS=${ROUNDS:-2}
for tool in wrk /usr/bin/python3; do command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y wrk python3-fastapi python3-uvicorn python3-opencv" >&2; exit 1; }; done

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
for r in $(seq "$ROUNDS"); do
  measure pngd $PNGD_PORT | tee -a /tmp/vector-loadtest.$$
  measure seed $SEED_PORT | tee -a /tmp/vector-loadtest.$$
done
awk '{ split($2, a, "="); sum[$1] += a[2]; n[$1]++ }
     END { p = sum["pngd"]/n["pngd"]; s = sum["seed"]/n["seed"];
           printf "mean rps: pngd %.0f, seed %.0f; ratio %.2fx (target >= 4x)\n", p, s, p/s }' /tmp/vector-loadtest.$$
rm -f /tmp/vector-loadtest.$$
hwm() { awk '/VmHWM/ {printf "%d MiB", $2/1024}' "/proc/$1/status"; }
echo "peak RSS: pngd $(hwm "${pids[0]}")"
