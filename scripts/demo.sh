#!/usr/bin/env bash
# Sets up, builds (release) and runs micronet's main job on its built-in default: the seed entry's
# count under the 16-bit freebie, its challenge score, and (when the fixture is present) a perplexity
# check of the small WikiText-2 QRNN on its test set.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product micronet
bin=.build/release/micronet

echo "== micronet count --input-bits 16   (the seed QRNN entry, reference layout)"
"$bin" count --input-bits 16
echo
echo "== micronet score"
"$bin" score
