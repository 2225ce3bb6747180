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
. "$root/internal/contract/start-pngd.sh"
export PNGD_API_KEY=ts-sdk-test-key-0123456789
start_pngd -api-keys "$PNGD_API_KEY"
node --test dist/test/

# docs/typescript.md's example is examples/quickstart.ts, word for word, and runs.
awk '/^## Use from TypeScript/ {on=1} on && /^```ts$/ {code=1; next} code && /^```$/ {exit} code' "$root/docs/typescript.md" >"$tmp/readme.ts"
diff -u examples/quickstart.ts "$tmp/readme.ts" || { echo "docs/typescript.md's TypeScript example differs from clients/ts/examples/quickstart.ts"; exit 1; }
# docs/typescript.md's shell block, run as written from the repository's
# root: npm ci, the build, the quickstart (against $PNGD_URL), npm pack.
awk '/^```sh$/ {code=1; next} code && /^```$/ {exit} code' "$root/docs/typescript.md" >"$tmp/block.sh"
grep -q "npm run quickstart" "$tmp/block.sh" || { echo "docs/typescript.md's shell block does not run the quickstart"; exit 1; }
(cd "$root" && bash -euo pipefail "$tmp/block.sh") >"$tmp/example.out"
cat "$tmp/example.out"
for want in "stored " "thumbnail { width: 160, height: 160 }" "stored PNG " "422 the derived image would be"; do
  grep -qF "$want" "$tmp/example.out" || { echo "the quickstart's output lacks: $want"; exit 1; }
done

# Installed into another project from the packed tarball, as that block
# says, it imports and answers.
tgz=$(ls "$here"/pngd-client-*.tgz)
mv "$tgz" "$tmp/"
mkdir -p "$tmp/app" && cd "$tmp/app"
echo '{"name": "app", "private": true, "type": "module"}' >package.json
npm install --no-audit --no-fund --loglevel=error "$tmp"/pngd-client-*.tgz
echo 'import { Pngd } from "@pngd/client"; const p = new Pngd({ baseUrl: process.env.PNGD_URL }); const r = await p.health(); console.log("installed client:", JSON.stringify(r));' >check.mjs
node check.mjs | tee "$tmp/app.out"
grep -q "installed client:" "$tmp/app.out" || { echo "the packed SDK does not run in another project"; exit 1; }
