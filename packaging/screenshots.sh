#!/usr/bin/env bash
# Takes the README's screenshots from the real window, so they can be re-taken after a screen
# changes: every screen of `cwr-station demo --sample` in the light theme (人员登记 in the dark
# one as well), and 首次设置 from a first run on an empty data dir, on a 1366×768 screen under
# Xvfb. Each window opens on its screen by `--screen` (no clicking: xdotool is not needed).
#
#   packaging/screenshots.sh [BINARY]      (default target/debug/cwr-station; build it first)
#
# Needs Xvfb and ImageMagick (`import`, `convert`). SCREENSHOT_DISPLAY picks the X display
# (default: the first free one from :95); SCREENSHOT_WAIT_SECS how long a window may take to
# settle (default 20). Writes docs/screenshots/*.png.
# To look over every screen in another look without touching the README's pictures:
#   SCREENSHOT_OUT=/tmp/dark SCREENSHOT_THEME=dark SCREENSHOT_TEXT_SIZE=125 packaging/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${1:-target/debug/cwr-station}
OUT=${SCREENSHOT_OUT:-docs/screenshots}
THEME=${SCREENSHOT_THEME:-light}
TEXT_SIZE=${SCREENSHOT_TEXT_SIZE:-100}
WAIT_SECS=${SCREENSHOT_WAIT_SECS:-20}
[ -x "$BIN" ] || { echo "no $BIN: build it first (cargo build --bin cwr-station)"; exit 1; }
for tool in Xvfb import convert; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install xvfb imagemagick)"; exit 1; }
done

display=${SCREENSHOT_DISPLAY:-}
if [ -z "$display" ]; then
  for n in $(seq 95 120); do
    if [ ! -e "/tmp/.X$n-lock" ] && [ ! -e "/tmp/.X11-unix/X$n" ]; then display=$n; break; fi
  done
fi
[ -n "$display" ] || { echo "no free X display between :95 and :120"; exit 1; }

scratch=$(mktemp -d)
xvfb_pid=""
app_pid=""
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null
  rm -rf "$scratch"
}
trap cleanup EXIT

# Twice as wide as the laptop: the pointer starts in the middle of the screen, which puts it
# beside the window (at x=1366) instead of hovering a button and opening its tooltip. The
# pictures are cut to the left 1366×768.
Xvfb ":$display" -screen 0 2732x768x24 -nolisten tcp >"$scratch/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$display" ] && break; sleep 0.1; done
export DISPLAY=":$display"
# The demo's throwaway data dirs go here (the window is stopped, not closed, so they stay).
export TMPDIR="$scratch"
mkdir -p "$OUT"

# shoot NAME COMMAND…: starts the window, waits until two pictures a second apart are the same
# (the screen has settled; screens with a live camera never do, and are taken at the end of the
# wait), keeps the last one as $OUT/NAME.png and stops the window.
shoot() {
  local name=$1; shift
  "$@" >"$scratch/$name.log" 2>&1 &
  app_pid=$!
  local shot="$scratch/$name.png" last="$scratch/$name.last.png" i
  sleep 3
  for i in $(seq "$WAIT_SECS"); do
    kill -0 "$app_pid" 2>/dev/null || { echo "$name: the window stopped:"; cat "$scratch/$name.log"; exit 1; }
    import -window root -crop 1366x768+0+0 +repage "$shot"
    if [ -e "$last" ] && cmp -s "$shot" "$last"; then break; fi
    mv "$shot" "$last"
    sleep 1
  done
  [ -e "$shot" ] || mv "$last" "$shot"
  kill "$app_pid"; wait "$app_pid" 2>/dev/null || true
  app_pid=""
  # Only the window (it first opens smaller than the screen, on black); 256 colours: a quarter
  # of the size, and egui's flat colours lose nothing visible.
  convert "$shot" -bordercolor black -border 1 -trim +repage -colors 256 "PNG8:$OUT/$name.png"
  echo "$OUT/$name.png"
}

for screen in enroll attendance roster import companies blacklist queue settings; do
  shoot "$screen" "$BIN" demo --sample --screen "$screen" --theme "$THEME" --text-size "$TEXT_SIZE"
done
shoot enroll-dark "$BIN" demo --sample --screen enroll --theme dark --text-size "$TEXT_SIZE"

# 首次设置 as a new station shows it: no settings yet. The window's kept state (eframe's
# window.ron) asks for the same theme and text size.
mkdir -p "$scratch/first-run"
chmod 700 "$scratch/first-run"
case $THEME in dark) kept_theme=Dark ;; *) kept_theme=Light ;; esac
case $TEXT_SIZE in 125) kept_size=Percent125 ;; 150) kept_size=Percent150 ;; *) kept_size=Percent100 ;; esac
printf '{"station_window":"{\\"theme\\":\\"%s\\",\\"text_size\\":\\"%s\\"}"}\n' "$kept_theme" "$kept_size" \
  >"$scratch/first-run/window.ron"
shoot setup "$BIN" --data-dir "$scratch/first-run"
