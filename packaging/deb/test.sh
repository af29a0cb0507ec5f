#!/usr/bin/env bash
# Proves the .deb on this machine: installs it with apt (which brings the declared run-time
# dependencies), runs `cwr-station --version`, opens the demo window under Xvfb for a
# screenshot (packaging/deb/deb-demo.png), compares faces (`cwr-station face compare`) with the
# models the package installed, and lists the shared libraries the running window
# loaded with the packages they come from, then purges the package and checks that nothing of
# it is left: the file list of /usr, /etc and /opt is the same as before it was installed.
# Prints each step's result; exits non-zero on the first failure.
#
# DEB=path/to.deb tests that file; otherwise packaging/deb/build.sh makes one.
# Installs what it lacks (xvfb, xauth, imagemagick, x11-utils, desktop-file-utils, strace).
# Needs root (dpkg). Leaves the dependencies apt installed, as `apt purge` does.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=packaging/lib.sh
source packaging/lib.sh
repo=$PWD
started_all=$(date +%s)
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8

need_packages xvfb xauth imagemagick x11-utils desktop-file-utils strace

work=$(mktemp -d /tmp/cwr-deb.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

step "the package"
if [ -n "${DEB:-}" ]; then
  deb=$DEB
else
  bash packaging/deb/build.sh >"$work/build.log" 2>&1 || {
    tail -30 "$work/build.log"
    fail "packaging/deb/build.sh"
  }
  deb=$(ls -t target/debian/cwr-station_*.deb | head -n1)
fi
deb=$(realpath "$deb")
version=$(dpkg-deb -f "$deb" Version)
echo "     Depends: $(dpkg-deb -f "$deb" Depends)"
echo "     Recommends: $(dpkg-deb -f "$deb" Recommends)"
ok "$deb ($(stat -c %s "$deb") bytes)"
dpkg -s cwr-station >/dev/null 2>&1 && fail "cwr-station is already installed: apt purge cwr-station first"

snapshot() { find /usr /etc /opt -xdev \( -type f -o -type l -o -type d \) 2>/dev/null | LC_ALL=C sort; }

step "dependencies first (install, then purge the package), so the snapshot holds them"
apt-get install -y -qq --no-install-recommends "$deb" >"$work/apt-deps.log" 2>&1 || {
  tail -20 "$work/apt-deps.log"
  fail "apt-get install"
}
apt-get purge -y -qq cwr-station >>"$work/apt-deps.log" 2>&1 || fail "apt-get purge"
snapshot >"$work/before.txt"
ok "$(wc -l <"$work/before.txt") paths under /usr /etc /opt"

step "apt-get install ./$(basename "$deb")"
apt-get install -y -qq --no-install-recommends "$deb" >"$work/apt.log" 2>&1 || {
  tail -20 "$work/apt.log"
  fail "apt-get install"
}
dpkg -L cwr-station | sed 's/^/     /'
for f in /usr/bin/cwr-station /usr/share/applications/cwr-station.desktop \
  /usr/share/icons/hicolor/scalable/apps/cwr-station.svg /usr/share/icons/hicolor/256x256/apps/cwr-station.png \
  /usr/share/cwr-station/models/dlib_resnet_faceapi.onnx /usr/share/cwr-station/models/blazeface_short.onnx \
  /usr/share/cwr-station/models/blazeface_full.onnx /usr/share/cwr-station/models/LICENSE-Apache-2.0; do
  [ -e "$f" ] || fail "no $f"
done
desktop-file-validate /usr/share/applications/cwr-station.desktop || fail "the .desktop entry is not valid"
ok "installed $version"

step "cwr-station --version"
out=$(cwr-station --version 2>&1) || fail "exit $?: $out"
echo "     $out"
grep -qF "${version%-*}" <<<"$out" || fail "the version is not in the output"
ok "from $(command -v cwr-station)"

step "cwr-station face compare, with the face models of the package"
# The program also looks for the models in the source tree it was built from (a build run from
# there); that tree is this checkout, so a passing comparison alone would not prove the package's
# models: strace shows which files the program opened.
mkdir -p "$work/home"
faces=$repo/crates/face/tests/faces
face_compare() {
  HOME=$work/home strace -f -qq -e trace=openat -o "$work/face-$1.strace" \
    cwr-station face compare "$faces/$1.jpg" "$faces/$2.jpg" --json 2>&1
}
out=$(face_compare obama2 obama) || fail "exit $?: $out"
echo "     obama2.jpg, obama.jpg: $(grep '^{' <<<"$out")"
grep -qF '"faces":[1,1]' <<<"$out" || fail "not one face in each picture"
grep -qF '"verdict":"different"' <<<"$out" && fail "the same person was called different"
opened=$(grep -o '"[^"]*\.onnx"' "$work/face-obama2.strace" | tr -d '"' | sort -u)
[ -n "$opened" ] || fail "no .onnx file opened"
while read -r model; do
  echo "     opened $model"
  [ "$(dirname "$(realpath "$model")")" = /usr/share/cwr-station/models ] ||
    fail "$model is not one of the package's models"
done <<<"$opened"
[ "$(wc -l <<<"$opened")" = 3 ] || fail "expected the three models, opened: $opened"
out=$(face_compare biden obama) || fail "exit $?: $out"
echo "     biden.jpg, obama.jpg: $(grep '^{' <<<"$out")"
grep -qF '"match":false' <<<"$out" || fail "two different people were called a match"
ok "the same person not called different, two people not a match, with /usr/share/cwr-station/models"

step "the demo window under Xvfb"
start_xvfb
# demo BACKEND: opens the window with wgpu's own choice (default) or a forced backend; leaves
# its pid in demo_pid and the number of colours on the screen in colours.
demo() {
  local backend=$1 found=0
  if [ "$backend" = default ]; then
    HOME=$work/home DISPLAY=$display RUST_LOG=info cwr-station demo >"$work/demo-$backend.log" 2>&1 &
  else
    HOME=$work/home DISPLAY=$display RUST_LOG=info WGPU_BACKEND=$backend cwr-station demo >"$work/demo-$backend.log" 2>&1 &
  fi
  demo_pid=$!
  pids+=("$demo_pid")
  for _ in $(seq 30); do
    sleep 1
    kill -0 "$demo_pid" 2>/dev/null || break
    if DISPLAY=$display xwininfo -root -tree 2>/dev/null | grep -q '实名制登记工作站'; then
      found=1
      break
    fi
  done
  if [ "$found" = 0 ]; then
    tail -n 25 "$work/demo-$backend.log" | sed 's/^/     /'
    fail "no window (backends: $backend)"
  fi
  sleep 6 # the first frames, the fonts
  DISPLAY=$display import -window root "$work/shot-$backend.png"
  colours=$(identify -format %k "$work/shot-$backend.png")
  echo "   backends $backend: $(grep -o 'backend: [A-Za-z0-9]*, device_type: [A-Za-z]*, name: "[^"]*"' "$work/demo-$backend.log" | head -n1)"
  DISPLAY=$display xwininfo -root -tree | grep '实名制登记工作站' | sed 's/^ */     /'
  [ "$colours" -gt 50 ] || fail "the window is not drawn ($colours colours, backends: $backend)"
}
demo default
cp "$work/shot-default.png" packaging/deb/deb-demo.png
echo "     shared libraries the running window loaded, and their packages:"
grep -o '/[^ ]*\.so[^ ]*' "/proc/$demo_pid/maps" | sort -u | while read -r lib; do
  echo "       $lib  $(dpkg -S "$lib" 2>/dev/null | cut -d: -f1 | head -n1)"
done
kill "$demo_pid"
wait "$demo_pid" 2>/dev/null || true
# What a PC with only the Depends has (no Vulkan loader): wgpu's GL backend on EGL and Mesa.
demo gl
kill "$demo_pid"
wait "$demo_pid" 2>/dev/null || true
ok "drawn with wgpu's own choice and with GL on EGL ($colours colours): packaging/deb/deb-demo.png"

step "apt-get purge cwr-station"
apt-get purge -y -qq cwr-station >"$work/purge.log" 2>&1 || fail "apt-get purge"
dpkg -s cwr-station >/dev/null 2>&1 && fail "still installed"
snapshot >"$work/after.txt"
if ! diff "$work/before.txt" "$work/after.txt" >"$work/diff.txt"; then
  sed 's/^/     /' "$work/diff.txt" | head -n 40
  fail "the file list of /usr /etc /opt differs from before the install"
fi
ok "nothing left: the same $(wc -l <"$work/after.txt") paths as before"

echo
echo "ALL PASSED in $(($(date +%s) - started_all)) s"
