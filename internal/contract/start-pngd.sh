# Sourced by the scripts that test pngd from outside (api/tools/dredd.sh,
# clients/ts/test.sh): start_pngd builds bin/pngd from this tree and starts
# it on a free loopback port over an empty store in a temporary directory,
# with the flags given. It sets tmp (the directory, removed on exit) and
# exports PNGD_URL; the process is stopped on exit.
start_pngd() {
  local root log pid
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  export GOFLAGS="${GOFLAGS:--tags=nodynamic}" # WebAssembly AVIF/HEIC decoders only (internal/imaging/heif.go)
  (cd "$root" && go build -o bin/pngd ./cmd/pngd)
  tmp=$(mktemp -d)
  log="$tmp/pngd.log"
  "$root/bin/pngd" -addr 127.0.0.1:0 -storage "file://$tmp/store" -drain-delay 0s "$@" >"$log" 2>&1 &
  pid=$!
  trap "kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf '$tmp'" EXIT
  PNGD_URL=
  for _ in $(seq 100); do
    PNGD_URL=$(sed -n 's/^pngd listening on \(http:[^ ]*\).*/\1/p' "$log")
    [ -n "$PNGD_URL" ] && break
    sleep 0.1
  done
  [ -n "$PNGD_URL" ] || { cat "$log"; return 1; }
  export PNGD_URL
}
