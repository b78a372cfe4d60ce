#!/usr/bin/env bash
# mypy over the package as it installs: backprop_explorer.{app,engine} are the repository's
# app/ and engine/ folders, which mypy cannot map by itself, so link them into a temporary tree.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mypy="${MYPY:-mypy}"
# A relative path (.venv/bin/mypy) must survive the cd into the temporary tree below.
case "$mypy" in */*) mypy="$(cd "$(dirname "$mypy")" && pwd)/$(basename "$mypy")" ;; esac
tree="$(mktemp -d)"
trap 'rm -rf "$tree"' EXIT
mkdir "$tree/backprop_explorer"
for f in "$root"/backprop_explorer/*.py; do ln -s "$f" "$tree/backprop_explorer/"; done
ln -s "$root/app" "$tree/backprop_explorer/app"
ln -s "$root/engine" "$tree/backprop_explorer/engine"
cd "$tree"
"$mypy" --config-file "$root/pyproject.toml" -p backprop_explorer
