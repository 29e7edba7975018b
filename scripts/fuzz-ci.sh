#!/usr/bin/env bash
# Runs every libFuzzer target of fuzz/targets.conf briefly (15 s each, 90 s of fuzzing for the six),
# each under a 2 GiB memory cap and a 10 s per-input timeout; any crash, leak, timeout or
# out-of-memory fails the run, naming the target and the input it saved under fuzz/out/.
#
#   scripts/fuzz-ci.sh            # FUZZ_CI_SECONDS=15 per target by default
#
# Builds first (scripts/fuzz.sh --build; the modules are cached in fuzz/out/modules), so a fresh
# machine needs only the Swift toolchain (its clang ships the fuzzer runtime) and one `swift build`.
set -euo pipefail
cd "$(dirname "$0")/.."
per="${FUZZ_CI_SECONDS:-15}"
targets=$(awk '!/^#/ && NF { print $1 }' fuzz/targets.conf)
for t in $targets; do
  # The linker warns about ASan's local symbols; only errors matter here.
  scripts/fuzz.sh --build "$t" 2> >(grep -v "ld.gold: warning: Cannot export local symbol" >&2)
done
failed=()
for t in $targets; do
  log="fuzz/out/ci-$t.log"
  if FUZZ_RSS_MB=2048 FUZZ_TIMEOUT=10 scripts/fuzz.sh "$t" "$per" >"$log" 2>&1; then
    echo "fuzz $t: $(grep -o 'Done [0-9]* runs' "$log" || echo ok) in ${per} s, no crash"
  else
    echo "fuzz $t: FAILED ($(grep -m1 -oE 'ERROR: [^\n]*|Test unit written to [^ ]*' "$log" || echo "see $log"))" >&2
    grep -E "^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)" "$log" >&2 || tail -20 "$log" >&2
    failed+=("$t")
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz-ci: crashes in ${failed[*]}: fix them, then copy each saved input into fuzz/crashers/TARGET/ (the tests replay them)" >&2
  exit 1
fi
