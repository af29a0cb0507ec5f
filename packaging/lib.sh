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
