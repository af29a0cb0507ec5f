# Shared by the packaging scripts (sourced, not run): install the Debian packages a script
# needs when they are missing, and print each step of a test with its time.

# need_packages PKG…: apt-get installs those of PKG… that are not installed (needs root).
need_packages() {
  local need=() p
  for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
  done
  if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"
  fi
}

step_started=0
# step TEXT: a test step begins.
step() {
  step_started=$(date +%s)
  echo
  echo "== $*"
}
# ok TEXT: the step passed, with how long it took.
ok() { echo "   ok ($(($(date +%s) - step_started)) s): $*"; }
# fail TEXT: the step failed; the script stops.
fail() {
  echo "   FAILED: $*"
  exit 1
}

# start_xvfb: an X server on a display number it picks itself (others may run their own Xvfb
# here). Uses the caller's $work (a scratch dir) and pids (killed by its cleanup); sets
# display (":N").
start_xvfb() {
  exec {fd}>"$work/display"
  Xvfb -displayfd "$fd" -screen 0 1600x900x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 20); do
    [ -s "$work/display" ] && break
    sleep 0.5
  done
  exec {fd}>&-
  [ -s "$work/display" ] || fail "Xvfb did not start: $(cat "$work/xvfb.log")"
  display=:$(head -n1 "$work/display")
}
