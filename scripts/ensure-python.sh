#!/usr/bin/env bash
# Checks for Python 3.11+ with its venv module; installs Debian's python3-venv when it is missing
# (Debian and Ubuntu ship python3 without it, and `python3 -m venv` then fails).
set -euo pipefail
python="${1:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
    echo "$python not found: install Python 3.11 or newer" >&2
    exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "Backprop Explorer needs Python 3.11 or newer; $python is $("$python" -V 2>&1)" >&2
    exit 1
fi
if "$python" -c 'import ensurepip, venv' 2>/dev/null; then exit 0; fi
version="$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
echo "$python has no venv module: installing Debian's python${version}-venv" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "python${version}-venv" >/dev/null \
    || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
"$python" -c 'import ensurepip, venv'
