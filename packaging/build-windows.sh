#!/usr/bin/env bash
# Cross-builds the Windows station on Debian: cwr-station.exe (target x86_64-pc-windows-gnu,
# with its icon, version information and manifest from build.rs) and the per-user installer
# target/dist/cwr-station-setup-<version>.exe (packaging/windows/cwr-station.nsi).
# Installs what it lacks: the Rust target, mingw-w64 (gcc, windres), NSIS and nasm (libjpeg-turbo's
# SIMD code in mozjpeg-sys: photos normalise twice as fast with it; see packaging/README.md).
# The result runs on Windows 10/11 x64 as it is: fonts are inside, SQLite is bundled, and the
# api_secret goes to the Windows Credential Manager.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=packaging/lib.sh
source packaging/lib.sh
target=x86_64-pc-windows-gnu

rustup target list --installed | grep -qx "$target" || rustup target add "$target"
need_packages gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 nsis nasm

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
started=$(date +%s)
cargo build --release --target "$target"
echo "cargo build took $(( $(date +%s) - started )) s"
mkdir -p target/dist
# What is shipped: the linked .exe without its symbol table (about 64 MB with, a fraction without).
exe=target/dist/cwr-station.exe
x86_64-w64-mingw32-strip -o "$exe" "target/$target/release/cwr-station.exe"
setup=target/dist/cwr-station-setup-$version.exe
# VIProductVersion wants four numbers: drop a pre-release or build suffix.
makensis -V2 -INPUTCHARSET UTF8 -DVERSION="$version" -DVIVERSION="${version%%[-+]*}" -DEXE="$PWD/$exe" \
  -DICON="$PWD/assets/icon/cwr-station.ico" -DMODELS="$PWD/assets/models" -DOUTFILE="$PWD/$setup" \
  packaging/windows/cwr-station.nsi
ls -l "$exe" "$setup"
