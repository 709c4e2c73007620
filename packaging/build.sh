#!/usr/bin/env bash
# Build the desktop bundle from this checkout:
#
#     bash packaging/build.sh        ->  dist/reviewer/reviewer  and  dist/reviewer-VERSION-linux-ARCH.tar.gz
#
# A fresh venv in build/bundle/ gets the project (not editable, as users get it) and the
# pinned PyInstaller (pyproject's `bundle` extra); PyInstaller then runs
# packaging/reviewer.spec. PYTHON=python3.12 bash packaging/build.sh picks another Python.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work="$root/build/bundle"
dist="$root/dist"
python=${PYTHON:-python3}
export PIP_DISABLE_PIP_VERSION_CHECK=1

started=$SECONDS
rm -rf "$work" "$dist/reviewer"
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$root[bundle]"
# The spec reads the code from the checkout; build/ must not hold a stale copy of it
# (pip's in-tree build leaves build/lib/reviewer behind).
rm -rf "$root/build/lib"
"$work/venv/bin/python" -m PyInstaller --noconfirm --log-level WARN \
  --distpath "$dist" --workpath "$work/pyinstaller" "$root/packaging/reviewer.spec"

bundle="$dist/reviewer"
version=$(env -i PATH=/usr/bin:/bin "$bundle/reviewer" --version | awk '{print $2}')
tarball="$dist/reviewer-$version-linux-$(uname -m).tar.gz"
tar -C "$dist" -czf "$tarball" reviewer

# Libraries the bundle expects from the target system: PyInstaller leaves out libc,
# the GL/EGL drivers, libxcb and libwayland on purpose; anything else listed here was
# missing on this build machine, so it is missing from the bundle too.
missing=$(cd "$bundle/_internal" && find . -name '*.so*' -type f -print0 \
  | xargs -0 -n 50 env LD_LIBRARY_PATH="$PWD" ldd 2>/dev/null \
  | awk '/not found/ {print $1}' | sort -u | tr '\n' ' ')
if [[ -n $missing ]]; then
  echo "warning: not found on this machine, so not in the bundle (the target must have them): $missing" >&2
fi

echo "bundle:  $bundle ($(du -sh "$bundle" | cut -f1), $(find "$bundle" -type f | wc -l) files)"
echo "tarball: $tarball ($(du -h "$tarball" | cut -f1))"
echo "version: $version; built in $((SECONDS - started)) s"
