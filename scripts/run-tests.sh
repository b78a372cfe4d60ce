#!/usr/bin/env bash
# pytest for `make test` (and so CI): fails when no test ran, when a test was skipped, and, for
# the whole suite, when a part of it (engine, app, browser, wheel) ran no test at all.
# Usage: scripts/run-tests.sh [pytest arguments]   (no arguments: the whole suite)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"
report="$(mktemp --suffix=.xml)"
trap 'rm -f "$report"' EXIT

"$python" -m pytest --junitxml="$report" "$@"
status=$?
if [ "$status" -eq 5 ]; then
    echo "run-tests: pytest collected no tests (exit 5): that is a failure, not a pass" >&2
    exit 1
fi
if [ "$status" -ne 0 ]; then
    exit "$status"
fi
if [ "$#" -eq 0 ]; then
    # The whole suite: each part must have run, so a deselection or a broken conftest that
    # silently drops the browser or wheel tests cannot pass.
    exec "$python" "$root/scripts/check_test_report.py" "$report" \
        --require tests.engine --require tests.app --require tests.browser --require tests.test_wheel
fi
exec "$python" "$root/scripts/check_test_report.py" "$report"
