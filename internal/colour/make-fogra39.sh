#!/bin/sh
# Remakes fogra39.icc, pngd's CMYK profile for images that carry none, from
# the FOGRA39L characterisation data Debian ships (icc-profiles-free, zlib
# licence), with ArgyllCMS (Debian's argyll). Not run by the build: the
# profile is committed, and this says how it was made.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp /usr/share/color/icc/FOGRA39L.ti3 "$tmp/"
colprof -v -ql -D "Coated FOGRA39 (pngd, from FOGRA39L characterisation data)" \
	-C "Zlib licence; characterisation data: Kai-Uwe Behrmann, icc-profiles-free" \
	"$tmp/FOGRA39L"
mv "$tmp/FOGRA39L.icc" fogra39.icc
