#!/usr/bin/env bash
# Reliability soak: pngd on a real MinIO under a mixed load (originals,
# derived images, heatmaps, uploads; soak.lua) for SOAK_DURATION (10m),
# scraping /metrics every 30 s: RSS, goroutines, open files and the p99 of
# each operation per interval, none of which may grow. Halfway, MinIO is
# stopped for OUTAGE (30s) and started again: during it pngd must answer
# only 2xx, 304 or 503 with Retry-After, /readyz must turn 503 and then 200
# again, and pngd must not need a restart.
# Needs wrk, curl and python3, and the MinIO that `make test` installs.
set -euo pipefail
cd "$(dirname "$0")/../.."
SOAK_DURATION=${SOAK_DURATION:-10m}
OUTAGE=${OUTAGE:-30}
SCRAPE=${SCRAPE:-30}
PORT=${PORT:-18580}; METRICS_PORT=${METRICS_PORT:-18581}; MINIO_PORT=${MINIO_PORT:-18582}
for tool in wrk curl python3; do command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }; done
[ -x .bin/minio ] || make .bin/minio

work=$(mktemp -d)
pids=()
minio_pid=
cleanup() { kill "${pids[@]}" $minio_pid 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

start_minio() {
  MINIO_ROOT_USER=soak MINIO_ROOT_PASSWORD=soak-secret-key MINIO_BROWSER=off \
    .bin/minio server "$work/minio" --address "127.0.0.1:$MINIO_PORT" --quiet >>"$work/minio.log" 2>&1 &
  minio_pid=$!
  for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$MINIO_PORT/minio/health/ready" && return; sleep 0.1; done
  echo "MinIO did not start" >&2; cat "$work/minio.log" >&2; exit 1
}
start_minio
curl -sf -X PUT --user soak:soak-secret-key --aws-sigv4 aws:amz:us-east-1:s3 "http://127.0.0.1:$MINIO_PORT/soak"

export GOFLAGS="${GOFLAGS:--tags=nodynamic}" # WebAssembly AVIF/HEIC decoders only (internal/imaging/heif.go)
go build -o bin/pngd ./cmd/pngd
AWS_ACCESS_KEY_ID=soak AWS_SECRET_ACCESS_KEY=soak-secret-key ./bin/pngd -addr "127.0.0.1:$PORT" -metrics-addr "127.0.0.1:$METRICS_PORT" \
  -storage "s3://soak?endpoint=http://127.0.0.1:$MINIO_PORT&region=us-east-1" -drain-delay 0s >/dev/null 2>"$work/pngd.log" &
pids+=($!); pngd_pid=$!
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
B="http://127.0.0.1:$PORT"

# Sources: 8 heatmaps of 600×400 stored; 16 small upload bodies.
ids=""
for i in $(seq 8); do
  curl -sf -o "$work/src$i.png" "$B/vector_image?values=$i,3,1,4,1,5,9,2,6&width=600&height=400&interpolation=bilinear&colormap=turbo"
  ids="$ids $(curl -sf -H 'Content-Type: image/png' --data-binary "@$work/src$i.png" "$B/images" | sed -E 's/.*"id":"([0-9a-f]+)".*/\1/')"
done
bodies=""
for i in $(seq 16); do curl -sf -o "$work/up$i.png" "$B/vector_image?values=$i,$((i*7)),3&width=64&height=48"; bodies="$bodies $work/up$i.png"; done

# The load, and the scrapes.
IDS="$ids" BODIES="$bodies" wrk -t2 -c16 -d"$SOAK_DURATION" --latency -s internal/loadtest/soak.lua "$B" >"$work/wrk.out" 2>&1 &
wrk_pid=$!; pids+=($wrk_pid)
start=$(date +%s)
total=$(python3 -c "import re,sys; s='$SOAK_DURATION'; m=re.fullmatch(r'(\d+)([smh]?)',s); print(int(m[1])*{'':1,'s':1,'m':60,'h':3600}[m[2]])")
outage_at=$((total / 2))
scrape() { curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" > "$work/scrape-$1.txt" || true; }
n=0
scrape "$(printf %04d 0)"
outage_done=0
: > "$work/outage.txt"
while kill -0 "$wrk_pid" 2>/dev/null; do
  now=$(( $(date +%s) - start ))
  if [ "$outage_done" = 0 ] && [ "$now" -ge "$outage_at" ]; then
    outage_done=1
    kill "$minio_pid"; wait "$minio_pid" 2>/dev/null || true
    echo "outage from $now s" >> "$work/outage.txt"
    scrape outage-before
    t_end=$(( $(date +%s) + OUTAGE ))
    while [ "$(date +%s)" -lt "$t_end" ]; do
      # /readyz, an upload of a new picture, and a derived image never made
      echo "readyz $(curl -s -o /dev/null -w '%{http_code}' "$B/readyz")" >> "$work/outage.txt"
      printf 'upload %s\n' "$(curl -s -o /dev/null -D - -H 'Content-Type: image/png' --data-binary "@$work/src1.png" "$B/images" 2>/dev/null | tr -d '\r' | awk 'NR==1 {c=$2} tolower($1)=="retry-after:" {r=$2} END {print c, "retry-after=" r}')" >> "$work/outage.txt"
      sleep 1
    done
    scrape outage-after
    start_minio
    echo "MinIO back at $(( $(date +%s) - start )) s" >> "$work/outage.txt"
    for _ in $(seq 60); do
      code=$(curl -s -o /dev/null -w '%{http_code}' "$B/readyz"); echo "readyz-after $code" >> "$work/outage.txt"
      [ "$code" = 200 ] && break; sleep 1
    done
  fi
  sleep 1
  if [ $(( ( $(date +%s) - start ) / SCRAPE )) -gt "$n" ]; then n=$((n + 1)); scrape "$(printf %04d "$n")"; fi
done
wait "$wrk_pid" || true
scrape "$(printf %04d $((n + 1)))"
kill -0 "$pngd_pid" || { echo "FAIL: pngd died" >&2; cat "$work/pngd.log" | tail -20 >&2; exit 1; }

echo "soak: $SOAK_DURATION of soak.lua's mix on MinIO, wrk -t2 -c16; MinIO stopped for ${OUTAGE}s at $outage_at s"
grep -E "Requests/sec|Non-2xx|Socket errors" "$work/wrk.out" || true
python3 - "$work" <<'PY'
import glob, os, re, sys
work = sys.argv[1]
line = re.compile(r'^([a-zA-Z_:]+)(\{[^}]*\})?\s+(\S+)$')
def parse(path):
    d = {}
    for l in open(path):
        m = line.match(l.strip())
        if m: d[(m[1], m[2] or '')] = float(m[3])
    return d
files = sorted(glob.glob(os.path.join(work, 'scrape-[0-9]*.txt')))
snaps = [parse(f) for f in files if os.path.getsize(f) > 0]
def lab(s, k):
    m = re.search(k + r'="([^"]*)"', s); return m[1] if m else None
def p99(prev, cur, op):
    b = []
    for (name, labels), v in cur.items():
        if name == 'pngd_http_request_duration_seconds_bucket' and lab(labels, 'operation') == op:
            le = lab(labels, 'le'); b.append((float('inf') if le == '+Inf' else float(le), v - prev.get((name, labels), 0)))
    b.sort()
    if not b or b[-1][1] <= 0: return None
    want = 0.99 * b[-1][1]
    for le, c in b:
        if c >= want: return le
ops = ['getImage', 'getVectorImage', 'uploadImage']
print('%6s %8s %10s %6s  %s' % ('t(s)', 'RSS MiB', 'goroutines', 'fds', '  '.join('p99 %s' % o for o in ops)))
rows = []
for i in range(1, len(snaps)):
    s, p = snaps[i], snaps[i - 1]
    r = (s.get(('process_resident_memory_bytes', ''), 0) / 2**20, s.get(('go_goroutines', ''), 0), s.get(('process_open_fds', ''), 0), [p99(p, s, o) for o in ops])
    rows.append(r)
    print('%6d %8.1f %10d %6d  %s' % (i * int(os.environ.get('SCRAPE', '30')), r[0], r[1], r[2], '  '.join('%12s' % ('-' if x is None else ('%.4gs' % x)) for x in r[3])))
codes = {}
last, first = snaps[-1], snaps[0]
for (name, labels), v in last.items():
    if name == 'pngd_http_requests_total':
        c = lab(labels, 'code'); codes[c] = codes.get(c, 0) + v - first.get((name, labels), 0)
print('answers by status over the soak:', ', '.join('%s: %d' % (c, n) for c, n in sorted(codes.items())))
bad = {c: n for c, n in codes.items() if n and not (c.startswith('2') or c in ('304', '503'))}
fail = []
if bad: fail.append('statuses other than 2xx, 304 and 503: %s' % bad)
# Growth: the last third against the first third (after the first minute).
k = max(1, len(rows) // 3)
early, late = rows[:k], rows[-k:]
for idx, name, slack in ((0, 'RSS', 1.25), (1, 'goroutines', 1.25), (2, 'open files', 1.25)):
    e = max(r[idx] for r in early); l = max(r[idx] for r in late)
    print('%s: first third at most %.1f, last third at most %.1f' % (name, e, l))
    if l > e * slack + 8: fail.append('%s grew from %.1f to %.1f' % (name, e, l))
out = open(os.path.join(work, 'outage.txt')).read()
print(out.strip())
ready = re.findall(r'^readyz (\d+)', out, re.M)
after = re.findall(r'^readyz-after (\d+)', out, re.M)
if '503' not in ready: fail.append('/readyz never turned 503 during the outage')
if not after or after[-1] != '200': fail.append('/readyz did not turn 200 again after the outage')
for code, ra in re.findall(r'^upload (\d+) retry-after=(\S*)', out, re.M):
    if code != '503' or not ra: fail.append('an upload during the outage got %s (Retry-After %r)' % (code, ra)); break
if fail:
    print('FAIL: ' + '; '.join(fail)); sys.exit(1)
print('soak: no growth, only 2xx/304/503 answers, /readyz red then green, no restart')
PY
