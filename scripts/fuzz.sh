#!/usr/bin/env bash
# Fuzzes the checkpoint reader (pickle machine + zip/legacy archive reader) with libFuzzer for N seconds.
#
#   scripts/fuzz.sh 300          # 5 minutes; new corpus entries go to fuzz/out/corpus, crashes to fuzz/out/
#
# It compiles Sources/Checkpoint plus fuzz/FuzzCheckpoint.swift directly with swiftc
# (-sanitize=fuzzer,address), so Package.swift stays free of fuzz targets. Seeds: fuzz/corpus
# (small fixtures, committed). Copy any crash-* file it reports into fuzz/crashers/ once fixed:
# CheckpointTests replays every file of fuzz/corpus and fuzz/crashers through the reader.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
out=fuzz/out
mkdir -p "$out/corpus"
swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name CheckpointFuzz \
    -I Sources/CZlib -Xcc -fmodule-map-file=Sources/CZlib/module.modulemap \
    Sources/Checkpoint/*.swift fuzz/FuzzCheckpoint.swift -lz -o "$out/fuzz-checkpoint"
# -rss_limit_mb bounds memory; -max_len lets whole small checkpoints mutate; -timeout flags hangs.
"$out/fuzz-checkpoint" "$out/corpus" fuzz/corpus -max_total_time="$seconds" -max_len=65536 \
    -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$out/" -print_final_stats=1
