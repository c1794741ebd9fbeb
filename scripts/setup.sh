#!/usr/bin/env bash
# Set up parindex on a fresh machine: the Debian packages it needs (scripts/system-packages.txt),
# then a virtualenv in .venv with the project and its test tools.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
if [ -f scripts/system-packages.txt ]; then
  while read -r pkg; do
    pkg=${pkg%%#*}; pkg=${pkg//[[:space:]]/}
    [ -n "$pkg" ] || continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || packages+=("$pkg")
  done < scripts/system-packages.txt
fi
if [ ${#packages[@]} -gt 0 ]; then
  echo "installing system packages: ${packages[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"
