#!/usr/bin/env bash
# Builds and runs one libFuzzer target for N seconds.
#
#   scripts/fuzz.sh TARGET [SECONDS]       # TARGET: a line of fuzz/targets.conf (checkpoint, pickle,
#                                          # zip, legacy, graph, budget); default 60 s
#   scripts/fuzz.sh --build TARGET         # only build fuzz/out/fuzz-TARGET
#
# Every module the target names in fuzz/targets.conf is compiled with swiftc
# (-sanitize=fuzzer,address, -enable-testing) into fuzz/out/modules, outside SwiftPM, so Package.swift
# stays free of fuzz targets; dependencies SwiftPM fetched (Yams) are compiled from .build/checkouts,
# so run `swift build` once first. The fuzzer runtime ships with the Swift toolchain's clang.
# New corpus entries go to fuzz/out/corpus/TARGET, crashes, leaks and timeouts to fuzz/out/TARGET-*.
# Copy a crash file into fuzz/crashers/TARGET/ once it is fixed: the test suite replays them.
# Environment: FUZZ_RSS_MB (memory cap, default 2048), FUZZ_TIMEOUT (seconds per input, default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
build_only=0
if [ "${1:-}" = "--build" ]; then build_only=1; shift; fi
target="${1:?usage: scripts/fuzz.sh TARGET [SECONDS]}"
seconds="${2:-60}"
modules=$(awk -v t="$target" '$1 == t { $1 = ""; print }' fuzz/targets.conf)
[ -n "$modules" ] || { echo "fuzz.sh: no target '$target' in fuzz/targets.conf" >&2; exit 2; }
[ -f "fuzz/targets/$target.swift" ] || { echo "fuzz.sh: missing fuzz/targets/$target.swift" >&2; exit 2; }
out=fuzz/out
mods="$out/modules"
mkdir -p "$mods" "$out/corpus/$target"

# SWIFT_PACKAGE: sources (Yams) that import their C module only when SwiftPM builds them.
flags=(-sanitize=fuzzer,address -parse-as-library -O -g -enable-testing -D SWIFT_PACKAGE -I "$mods")
links=()
objects=()

module_dir() {
  if [ -d "Sources/$1" ]; then echo "Sources/$1"; return; fi
  local d
  for d in .build/checkouts/*/Sources/"$1"; do [ -d "$d" ] && { echo "$d"; return; }; done
  echo "fuzz.sh: module $1 is neither in Sources/ nor in .build/checkouts (run swift build first)" >&2
  exit 2
}

newer_than() {  # true when $1 is missing or older than any file under $2
  [ ! -e "$1" ] || [ -n "$(find "$2" -newer "$1" -type f -print -quit)" ]
}

for m in $modules; do
  dir=$(module_dir "$m")
  if [ -f "$dir/module.modulemap" ]; then
    # A system-library shim (CZlib): headers plus the libraries its module map links.
    flags+=(-I "$dir" -Xcc "-fmodule-map-file=$dir/module.modulemap")
    for lib in $(sed -n 's/.*link "\([^"]*\)".*/\1/p' "$dir/module.modulemap"); do links+=("-l$lib"); done
  elif [ -f "$dir/include/module.modulemap" ]; then
    # A C module (CYaml): compile its sources with coverage; Swift imports it through the module map.
    flags+=(-I "$dir/include" -Xcc "-fmodule-map-file=$dir/include/module.modulemap" -Xcc -DYAML_DECLARE_STATIC)
    for c in "$dir"/src/*.c; do
      o="$mods/$m-$(basename "$c" .c).o"
      if newer_than "$o" "$dir"; then
        clang -c -O1 -g -fsanitize=fuzzer-no-link,address -DYAML_DECLARE_STATIC -I "$dir/include" "$c" -o "$o"
      fi
      objects+=("$o")
    done
  else
    o="$mods/$m.o"
    stale=0
    newer_than "$o" "$dir" && stale=1
    for prev in "${objects[@]}"; do [ "$prev" -nt "$o" ] && stale=1; done  # a dependency was rebuilt
    if [ "$stale" = 1 ]; then
      echo "fuzz.sh: compiling module $m" >&2
      # Every Swift file under the module's folder, subfolders included (as SwiftPM takes them).
      sources=()
      while IFS= read -r f; do sources+=("$f"); done < <(find "$dir" -name '*.swift' | sort)
      # -package-name: SwiftProtobuf uses `package` access between its own files.
      swiftc "${flags[@]}" -c -wmo -module-name "$m" -package-name "$m" -emit-module -emit-module-path "$mods/$m.swiftmodule" \
        "${sources[@]}" -o "$o"
    fi
    objects+=("$o")
  fi
done

binary="$out/fuzz-$target"
relink=0
newer_than "$binary" "fuzz/targets/$target.swift" && relink=1
for o in "${objects[@]}"; do [ "$o" -nt "$binary" ] && relink=1; done
if [ "$relink" = 1 ]; then
  echo "fuzz.sh: linking $binary" >&2
  swiftc "${flags[@]}" -module-name "Fuzz_$target" "fuzz/targets/$target.swift" "${objects[@]}" "${links[@]}" -o "$binary"
fi
[ "$build_only" = 1 ] && exit 0

seeds=()
[ -d "fuzz/corpus/$target" ] && seeds+=("fuzz/corpus/$target")
[ -d "fuzz/crashers/$target" ] && seeds+=("fuzz/crashers/$target")
dict=()
[ -f "fuzz/dict/$target.dict" ] && dict+=("-dict=fuzz/dict/$target.dict")
# -rss_limit_mb / -malloc_limit_mb cap memory (ASan reserves too much address space for ulimit -v);
# -timeout flags an input that runs too long; -max_len lets small checkpoints mutate whole.
exec "$binary" "$out/corpus/$target" "${seeds[@]}" "${dict[@]}" -max_total_time="$seconds" -max_len=65536 \
  -rss_limit_mb="${FUZZ_RSS_MB:-2048}" -malloc_limit_mb="${FUZZ_RSS_MB:-2048}" -timeout="${FUZZ_TIMEOUT:-10}" \
  -artifact_prefix="$out/$target-" -print_final_stats=1
