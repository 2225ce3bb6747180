#!/usr/bin/env bash
# bench.sh: pngenc against image/png and vips pngsave on the corpus, side by
# side in one run. Prints MP/s and bytes per category and encoder, and the
# ratios the issue asks for: fast vs image/png BestSpeed, stored vs
# image/png DefaultCompression. vips (Debian libvips-tools) gets the same
# pixels as uncompressed .v files; its times include starting the process.
set -euo pipefail
cd "$(dirname "$0")/../.."
corpus=${PNGENC_CORPUS:-bin/corpus}
internal/pngenc/mkcorpus.sh "$corpus" >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

export GOFLAGS="${GOFLAGS:--tags=nodynamic}" # WebAssembly AVIF/HEIC decoders only (internal/imaging/heif.go)
go test -run '^$' -bench 'Corpus' -benchtime "${BENCHTIME:-3x}" ./internal/pngenc/ | tee "$out/go.txt" | grep Benchmark
awk '/^BenchmarkCorpus/ {
  split($1, p, "/"); cat = p[2]; enc = p[3]; sub(/-[0-9]+$/, "", enc)
  for (i = 2; i <= NF; i++) { if ($(i+1) == "MP/s") mp[cat, enc] = $i; if ($(i+1) == "bytes") by[cat, enc] = $i }
  cats[cat] = 1
}
END {
  printf "\n%-6s %28s %28s\n", "", "fast / stdlib BestSpeed", "stored / stdlib Default"
  printf "%-6s %14s %13s %14s %13s\n", "corpus", "throughput", "bytes", "throughput", "bytes"
  for (c in cats)
    printf "%-6s %13.2fx %12.3fx %13.2fx %12.3fx\n", c, mp[c, "fast"] / mp[c, "stdlib-bestspeed"], by[c, "fast"] / by[c, "stdlib-bestspeed"], mp[c, "stored"] / mp[c, "stdlib-default"], by[c, "stored"] / by[c, "stdlib-default"]
}' "$out/go.txt"

if ! command -v vips >/dev/null; then
  echo "vips is not installed (apt-get install libvips-tools): no vips figures" >&2
  exit 0
fi
echo
printf "%-6s %-14s %10s %12s\n" corpus encoder MP/s bytes
for cat in photo wall noisy flat heat; do
  for f in "$corpus"/$cat-*.png; do vips copy "$f" "$out/$(basename "$f" .png).v"; done
  for level in 1 6; do
    px=0 bytes=0
    start=$(date +%s.%N)
    for v in "$out"/$cat-*.v; do
      vips pngsave "$v" "$out/o.png" --compression $level
      bytes=$((bytes + $(stat -c %s "$out/o.png")))
      px=$((px + $(vipsheader -f width "$v") * $(vipsheader -f height "$v")))
    done
    end=$(date +%s.%N)
    printf "%-6s %-14s %10.2f %12d\n" $cat "vips-level$level" "$(echo "$px / ($end - $start) / 1000000" | bc -l)" $bytes
  done
  rm -f "$out"/$cat-*.v
done
