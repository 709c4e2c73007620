#!/usr/bin/env bash
# The Debian packages Qt 6 (PySide6) needs on a minimal Linux; installs those missing.
set -euo pipefail
declare -A needed=(
  [libEGL.so.1]=libegl1 [libGL.so.1]=libgl1 [libxkbcommon.so.0]=libxkbcommon0
  [libfontconfig.so.1]=libfontconfig1 [libdbus-1.so.3]=libdbus-1-3
  [libglib-2.0.so.0]=libglib2.0-0 [libxcb-cursor.so.0]=libxcb-cursor0
)
missing=()
for lib in "${!needed[@]}"; do
  ldconfig -p | grep -q "$lib" || missing+=("${needed[$lib]}")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "installing Qt system libraries: ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  else
    echo "missing Qt system libraries (install them): ${missing[*]}" >&2
  fi
fi
