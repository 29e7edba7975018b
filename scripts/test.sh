#!/usr/bin/env bash
# Sets up and runs the whole test suite: the project's own budget check (its presets' and fixtures'
# counts and a fixture's perplexity must not drift; a table says what moved), then the unit tests of
# every module and the end-to-end CLI tests (XCTest).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests
scripts/fuzz-ci.sh   # every libFuzzer target briefly; a crash fails the run

budget=0
.build/debug/micronet check micronet.budget.yml --with-eval || budget=$?

# Every test is XCTest; skipping the empty Swift Testing pass keeps the XCTest summary as the last line.
swift test --skip-build --disable-swift-testing "$@"
if [ "$budget" -ne 0 ]; then
  echo "the project's budget check failed (exit $budget): see the table above" >&2
  exit "$budget"
fi
