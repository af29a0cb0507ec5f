#!/usr/bin/env bash
# Makes the station's PNG and ICO icons from assets/icon/cwr-station.svg (the one source).
# Needs rsvg-convert (librsvg2-bin) and ImageMagick's convert; installs them when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v rsvg-convert >/dev/null || need+=(librsvg2-bin)
command -v convert >/dev/null || need+=(imagemagick)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
src=assets/icon/cwr-station.svg
out=assets/icon
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for size in 16 24 32 48 64 128 256; do
  rsvg-convert -w "$size" -h "$size" "$src" -o "$tmp/$size.png"
done
cp "$tmp/256.png" "$out/cwr-station-256.png"
# One .ico with every size Windows asks for (Explorer, taskbar, Start, the installer).
convert "$tmp"/16.png "$tmp"/24.png "$tmp"/32.png "$tmp"/48.png "$tmp"/64.png "$tmp"/128.png "$tmp"/256.png "$out/cwr-station.ico"
echo "made $out/cwr-station-256.png and $out/cwr-station.ico"
