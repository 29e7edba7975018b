#!/usr/bin/env bash
# Installs what micronet needs beyond the Swift toolchain, only when it is missing.
# Debian/Ubuntu: libopenblas-dev (BLAS for inference), zlib1g-dev (deflated zips), pkg-config.
set -euo pipefail

missing=()
for pkg in libopenblas-dev zlib1g-dev pkg-config; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v swift >/dev/null || { echo "setup: the Swift toolchain (6.x) is required: https://swift.org/install" >&2; exit 1; }
