#!/usr/bin/env bash
# Install the Debian packages Qt 6 (PySide6) needs offscreen on a minimal Linux, where
# missing. The list lives in reviewer/ui/display_check.py (the app names the same ones).
set -euo pipefail
cd "$(dirname "$0")/.."
read -r -a missing <<<"$(python3 reviewer/ui/display_check.py offscreen)"
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "installing Qt system libraries: ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  else
    echo "missing Qt system libraries (install them): ${missing[*]}" >&2
  fi
fi
