#!/usr/bin/env bash
# Dredd, an outside contract tester, against a live pngd built from this
# tree: `make dredd`. The server gets an API key, a signing key and small
# body limits so that 401, 403, 413 and 422 can be provoked; the hooks
# (dredd-hooks.js) set each transaction up, and skip with the reason those
# no client can cause.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$here"
[ -x node_modules/.bin/dredd ] || npm ci --no-audit --no-fund --loglevel=error
. "$root/internal/contract/start-pngd.sh"
export PNGD_API_KEY=dredd-api-key-0123456789
export PNGD_SIGNING_KEY=dredd-signing-key-0123456789-0123456789
start_pngd -api-keys "$PNGD_API_KEY" -signing-key "$PNGD_SIGNING_KEY" -max-body-bytes 65536 -max-upload-bytes 262144
url=$PNGD_URL

out="$tmp/dredd.out"
set +e
node_modules/.bin/dredd ../openapi.yaml "$url" --hookfiles=dredd-hooks.js --loglevel=warning >"$out" 2>&1
rc=$?
set -e
# The parser's warnings are about keys Dredd's OpenAPI 3 reader does not
# know (format, minimum, pattern, tags, ...); the skips are listed with
# their reasons; then the verdict.
grep -v "API description parser warning\|padLevels\|trace-warnings" "$out" | grep -v '^$' | sed 's/\x1b\[[0-9;]*m//g'
exit $rc
