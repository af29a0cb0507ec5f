#!/usr/bin/env bash
# Regenerates the V4L2 bindings kept in crates/v4l2-sys-mit (x86_64 and aarch64 Linux), so that
# building the station needs no libclang: the crates.io v4l2-sys-mit runs bindgen at build time.
# Not run by CI. Run it to add an architecture or to take newer kernel headers; then build,
# test and commit the changed bindings.rs files.
# Installs what it needs when missing: libclang-dev, the arm64 kernel and libc headers
# (Debian's *-arm64-cross packages, architecture-independent), and bindgen-cli 0.65.1 (the
# bindgen version of v4l2-sys-mit 0.3.0's build script, so the API is the one v4l expects)
# into target/tools.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=packaging/lib.sh
source packaging/lib.sh
crate=crates/v4l2-sys-mit

need_packages libclang-dev linux-libc-dev libc6-dev linux-libc-dev-arm64-cross libc6-dev-arm64-cross

tools=$PWD/target/tools
bindgen=$tools/bin/bindgen
if ! "$bindgen" --version 2>/dev/null | grep -q '0\.65\.1'; then
  cargo install bindgen-cli --version 0.65.1 --root "$tools"
fi

wrapper=$(mktemp --suffix=.h)
trap 'rm -f "$wrapper"' EXIT
echo '#include <linux/videodev2.h>' >"$wrapper"

gen() { # arch, clang arguments...
  local arch=$1
  shift
  mkdir -p "$crate/src/$arch-linux"
  "$bindgen" "$wrapper" -o "$crate/src/$arch-linux/bindings.rs" -- "$@"
  echo "made $crate/src/$arch-linux/bindings.rs ($(wc -c <"$crate/src/$arch-linux/bindings.rs") bytes)"
}
# The host's headers, as the original build script reads them on an x86_64 machine.
gen x86_64 --target=x86_64-linux-gnu
# The same linux/ UAPI headers as for x86_64 (the arm64-cross package's are an older 6.1),
# with the arm64 asm/ and libc headers; the sysroot keeps the host's x86_64 asm/ out.
uapi=$(mktemp -d)
trap 'rm -f "$wrapper"; rm -rf "$uapi"' EXIT
ln -s /usr/include/linux /usr/include/asm-generic "$uapi/"
gen aarch64 --target=aarch64-linux-gnu --sysroot=/usr/aarch64-linux-gnu \
  -isystem "$uapi" -isystem /usr/aarch64-linux-gnu/include
