#!/usr/bin/env bash
# Sets up and runs the whole test suite (unit tests of every module and end-to-end CLI tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests
swift test --skip-build "$@"

# The project's own budget: its presets' counts must not drift (a table says what moved).
.build/debug/micronet check micronet.budget.yml --with-eval
