#!/usr/bin/env bash
# Sets up, builds (release), installs `micronet` on the PATH (scripts/install.sh: /usr/local/bin as root,
# else ~/.local/bin) and runs micronet's main job on its built-in default: the seed entry's count under
# the 16-bit freebie, its challenge score, and a test-perplexity check of the small WikiText-2 QRNN in
# fixtures/ on its test set (about half a minute on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
install_log=$(mktemp)
trap 'rm -f "$install_log"' EXIT
scripts/install.sh | tee "$install_log"
bin=$(sed -n 's/^install: micronet installed to //p' "$install_log")

echo "== micronet count --input-bits 16   (the seed QRNN entry, reference layout)"
"$bin" count --input-bits 16
echo
echo "== micronet score"
"$bin" score

echo
echo "== micronet eval   (a small QRNN trained on WikiText-2, on its 245,569-token test set)"
"$bin" eval fixtures/qrnn/wt2-qrnn.pt --text fixtures/wikitext-2/test.txt --vocab fixtures/wikitext-2/vocab.txt
