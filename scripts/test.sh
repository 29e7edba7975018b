#!/usr/bin/env bash
# Sets up and runs the whole test suite: the project's own budget check (its presets' and fixtures'
# counts and a fixture's perplexity must not drift; a table says what moved), the HTML report in a
# headless browser (scripts/browser-test.sh, skipped with a line when no browser can be had), then the
# unit tests of every module and the end-to-end CLI tests (XCTest).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests
scripts/fuzz-ci.sh   # every libFuzzer target briefly; a crash fails the run

budget=0
.build/debug/micronet check micronet.budget.yml --with-eval || budget=$?

# The report in a real headless browser, when one can be had: Debian's chromium is installed when
# missing, within MICRONET_BROWSER_INSTALL_LIMIT seconds (default 300); otherwise one line says it was
# skipped and why. Once a browser is there, a page that fails to render fails the suite.
browser=0
scripts/browser-test.sh .build/debug/micronet || browser=$?
case "$browser" in
  0) ;;
  3) echo "test.sh: SKIPPED the browser test: no browser, and chromium could not be installed in time (see above)" >&2; browser=0 ;;
  *) echo "test.sh: the browser test failed (exit $browser)" >&2 ;;
esac

# Every test is XCTest; skipping the empty Swift Testing pass keeps the XCTest summary as the last line.
swift test --skip-build --disable-swift-testing "$@"
if [ "$browser" -ne 0 ]; then exit "$browser"; fi
if [ "$budget" -ne 0 ]; then
  echo "the project's budget check failed (exit $budget): see the table above" >&2
  exit "$budget"
fi
