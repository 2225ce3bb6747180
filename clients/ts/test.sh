#!/usr/bin/env bash
# The TypeScript SDK's checks, run by `make test`: dependencies from the
# lockfile, the generated types against api/openapi.yaml (drift), tsc
# --strict over the SDK and its tests, then node's test runner against a
# live pngd built from this tree, on a free port with an empty store.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$here"
command -v node >/dev/null || { echo "clients/ts: node is not installed (apt-get install -y nodejs npm)"; exit 1; }
[ -x node_modules/.bin/tsc ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error
node scripts/generate.mjs --check
rm -rf dist
node_modules/.bin/tsc -p tsconfig.json
(cd "$root" && go build -o bin/pngd ./cmd/pngd)

tmp=$(mktemp -d)
log="$tmp/pngd.log"
export PNGD_API_KEY=ts-sdk-test-key-0123456789
"$root/bin/pngd" -addr 127.0.0.1:0 -storage "file://$tmp/store" -drain-delay 0s -api-keys "$PNGD_API_KEY" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
url=
for _ in $(seq 100); do
  url=$(sed -n 's/^pngd listening on \(http:[^ ]*\).*/\1/p' "$log")
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat "$log"; exit 1; }
export PNGD_URL=$url
node --test dist/test/

# The README's example is examples/quickstart.ts, word for word, and runs.
awk '/^## Use from TypeScript/ {on=1} on && /^```ts$/ {code=1; next} code && /^```$/ {exit} code' "$root/README.md" >"$tmp/readme.ts"
diff -u examples/quickstart.ts "$tmp/readme.ts" || { echo "README.md's TypeScript example differs from clients/ts/examples/quickstart.ts"; exit 1; }
(cd "$tmp" && node "$here/dist/examples/quickstart.js") >"$tmp/example.out"
cat "$tmp/example.out"
for want in "stored " "thumbnail { width: 160, height: 160 }" "stored PNG " "422 the derived image would be"; do
  grep -qF "$want" "$tmp/example.out" || { echo "the quickstart's output lacks: $want"; exit 1; }
done
