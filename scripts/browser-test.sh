#!/usr/bin/env bash
# Renders `micronet report` pages in a real headless browser and checks what a reader sees: the page
# loads without console errors, and the rendered DOM shows the model's total as `count --format json`
# gives it. Installs Debian's chromium when no browser is found (apt-get, as root or through sudo).
#
#   scripts/browser-test.sh [MICRONET]     # default: .build/debug/micronet (built by scripts/test.sh)
#
# Exit 0: every page rendered and showed its total. 1: a check failed. 3: no browser could be had
# within MICRONET_BROWSER_INSTALL_LIMIT seconds (default 300; the caller decides whether that skips). Screenshots and DOM dumps go to $BROWSER_TEST_OUT
# (default: a temporary folder, named at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/debug/micronet}
out=${BROWSER_TEST_OUT:-$(mktemp -d /tmp/micronet-browser-test.XXXXXX)}
mkdir -p "$out"

find_browser() {
  for b in chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null; then command -v "$b"; return 0; fi
  done
  return 1
}

if ! browser=$(find_browser); then
  limit=${MICRONET_BROWSER_INSTALL_LIMIT:-300}
  echo "browser-test: installing chromium (Debian package, at most ${limit}s)" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo -n)
  command -v apt-get >/dev/null || { echo "browser-test: no apt-get to install chromium with" >&2; exit 3; }
  export DEBIAN_FRONTEND=noninteractive
  if ! timeout "$limit" bash -c "${sudo_cmd[*]} apt-get update -qq && ${sudo_cmd[*]} apt-get install -y -qq --no-install-recommends chromium >/dev/null"; then
    echo "browser-test: could not install chromium within ${limit}s" >&2
    exit 3
  fi
  browser=$(find_browser) || { echo "browser-test: chromium installed but not found on PATH" >&2; exit 3; }
fi

# Headless, sandboxed where the kernel allows it; root needs --no-sandbox. No network is needed:
# --host-resolver-rules makes any fetch the page might attempt fail loudly in the console.
flags=(--headless --disable-gpu --no-first-run --no-default-browser-check --hide-scrollbars
       --host-resolver-rules="MAP * ~NOTFOUND" --user-data-dir="$out/profile" --enable-logging=stderr --v=0)
[ "$(id -u)" -ne 0 ] || flags+=(--no-sandbox)

status=0
check_page() {   # name, model, report-only arguments...
  local name=$1 model=$2; shift 2
  local page="$out/$name.html"
  "$bin" report "$model" "$@" -o "$page" 2>/dev/null || { echo "browser-test: FAIL $name: micronet report failed"; status=1; return; }
  # The figures the page must show, from `count` at the report's settings: params, MB, MFLOPS.
  local table want
  table=$("$bin" count "$model" --input-bits 16)
  want="$(sed -n 's/^parameters: *//p' <<<"$table") $(awk '$1 == "total" { print $2, $5 }' <<<"$table")"
  timeout 120 "$browser" "${flags[@]}" --window-size=1200,1800 --screenshot="$out/$name.png" "file://$(realpath "$page")" \
    >"$out/$name.screenshot.log" 2>&1 || true
  timeout 120 "$browser" "${flags[@]}" --dump-dom "file://$(realpath "$page")" >"$out/$name.dom.html" 2>"$out/$name.console.log" || {
    echo "browser-test: FAIL $name: the browser did not render the page (see $out/$name.console.log)"; status=1; return; }
  # Console errors of the page itself (not the browser's own start-up chatter).
  if grep -E "CONSOLE|Uncaught|ERR_NAME_NOT_RESOLVED|Failed to load" "$out/$name.console.log" | grep -v "^$" >/dev/null; then
    echo "browser-test: FAIL $name: errors while rendering:"; grep -E "CONSOLE|Uncaught|ERR_|Failed to load" "$out/$name.console.log" | head -5
    status=1
  fi
  [ -s "$out/$name.png" ] || { echo "browser-test: FAIL $name: no screenshot"; status=1; }
  local total
  total=$(sed -n 's/.*<p class="totals" id="total"[^>]*>\(.*\)<\/p>.*/\1/p' "$out/$name.dom.html" | sed 's/<[^>]*>//g')
  local missing=0
  for figure in $want; do
    case "$total" in *"$figure"*) ;; *) missing=1 ;; esac
  done
  if [ -z "$total" ] || [ "$missing" -ne 0 ]; then
    echo "browser-test: FAIL $name: the rendered total '$total' does not show '$want'"; status=1
  else
    echo "browser-test: ok $name: renders, shows '$total'"
  fi
}

check_page seed qrnn-wt103
check_page reference-example reference-example
check_page pruned-awd fixtures/count/pruned_awd.pt --track wikitext103
echo "browser-test: screenshots and DOM in $out"
exit $status
