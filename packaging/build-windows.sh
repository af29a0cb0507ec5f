#!/usr/bin/env bash
# Cross-builds the Windows station (cwr-station.exe) on Debian.
# Needs: rustup target add x86_64-pc-windows-gnu; apt-get install gcc-mingw-w64-x86-64.
# The result runs on Windows 10/11 as it is: fonts are inside, SQLite is bundled, and the
# api_secret goes to the Windows Credential Manager.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --target x86_64-pc-windows-gnu
ls -l target/x86_64-pc-windows-gnu/release/cwr-station.exe
