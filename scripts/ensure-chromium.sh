#!/usr/bin/env bash
# Chromium for the browser tests: Debian's chromium package where apt-get can install it,
# else the build `playwright install chromium` downloads (where that download is reachable).
# tests/browser/conftest.py takes Debian's first, then Playwright's.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-.venv/bin/python}"
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then exit 0; fi
playwright_chromium() {
    "$python" -c 'import pathlib, sys
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    sys.exit(0 if pathlib.Path(p.chromium.executable_path).exists() else 1)' 2>/dev/null
}
if playwright_chromium; then exit 0; fi
if command -v apt-get >/dev/null 2>&1; then
    echo "Chromium not found: installing Debian's chromium package" >&2
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    if $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null \
        && command -v chromium >/dev/null 2>&1; then
        exit 0
    fi
    echo "Debian's chromium could not be installed" >&2
fi
echo "installing Playwright's Chromium (playwright install chromium)" >&2
"$python" -m playwright install chromium
playwright_chromium
