#!/usr/bin/env bash
# Installs the test suite's npm packages into .node-tools/ (git-ignored): axe-core, which the
# browser tests inject into the page to check its accessibility. Installs Debian's nodejs and
# npm first when they are missing. Lighthouse is not here: bench/bench_lighthouse.py installs it.
set -euo pipefail
cd "$(dirname "$0")/.."
AXE_VERSION="4.14.1"
if [ -f .node-tools/node_modules/axe-core/axe.min.js ] \
  && grep -q "\"version\": \"$AXE_VERSION\"" .node-tools/node_modules/axe-core/package.json; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm not found: installing Debian's nodejs and npm" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi
mkdir -p .node-tools
npm install --silent --no-audit --no-fund --prefix .node-tools "axe-core@$AXE_VERSION" >/dev/null
test -f .node-tools/node_modules/axe-core/axe.min.js
