#!/usr/bin/env bash
# Builds the Debian/Ubuntu package target/debian/cwr-station_<version>-1_amd64.deb with
# cargo-deb from [package.metadata.deb] in Cargo.toml: /usr/bin/cwr-station, the menu entry
# (packaging/deb/cwr-station.desktop) and the icons. Installs cargo-deb (crates.io), dpkg-dev
# (dpkg-shlibdeps, for the $auto dependencies) and nasm (libjpeg-turbo's SIMD code in
# mozjpeg-sys: photos normalise twice as fast with it) when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! cargo deb --version >/dev/null 2>&1; then
  cargo install cargo-deb --locked
fi
need=()
command -v dpkg-shlibdeps >/dev/null || need+=(dpkg-dev)
command -v nasm >/dev/null || need+=(nasm)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
started=$(date +%s)
# Builds the release binary first (cargo build --release), strips it, then packs.
deb=$(cargo deb 2>&1 | tee /dev/stderr | tail -n1)
echo "cargo deb took $(( $(date +%s) - started )) s"
ls -l "$deb"
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'
dpkg-deb --contents "$deb"
