#!/usr/bin/env bash
# Builds micronet in release mode (when needed) and puts the binary on the PATH, so that the README's
# examples run as written: /usr/local/bin as root, else ~/.local/bin (MICRONET_INSTALL_DIR overrides).
#
#   scripts/install.sh            # prints where it went, and warns when that folder is not on PATH
set -euo pipefail
cd "$(dirname "$0")/.."

swift build -c release --product micronet
built=.build/release/micronet

if [ -n "${MICRONET_INSTALL_DIR:-}" ]; then
  dir=$MICRONET_INSTALL_DIR
elif [ "$(id -u)" -eq 0 ]; then
  dir=/usr/local/bin
else
  dir=$HOME/.local/bin
fi
mkdir -p "$dir"
# Copy to a temporary name and rename, so a running micronet is never overwritten in place.
cp "$built" "$dir/.micronet.$$"
mv -f "$dir/.micronet.$$" "$dir/micronet"
echo "install: micronet installed to $dir/micronet"

case ":$PATH:" in
  *":$dir:"*)
    found=$(command -v micronet || true)
    if [ "$found" != "$dir/micronet" ]; then
      echo "install: warning: 'micronet' on your PATH is $found, which comes before $dir" >&2
    fi
    ;;
  *)
    echo "install: warning: $dir is not on your PATH; add it, for example:" >&2
    echo "    export PATH=\"$dir:\$PATH\"    # in ~/.profile or ~/.bashrc" >&2
    ;;
esac
