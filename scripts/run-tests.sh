#!/usr/bin/env bash
# pytest for `make test` and `make test-fast` (and so CI): fails when no test ran (pytest's
# exit code 5), when a test was skipped, and when a part that must run ran no test at all.
# Usage: scripts/run-tests.sh [--fast] [pytest arguments]
#   (nothing)  the whole suite on every core (pytest-xdist); engine, app, browser and wheel
#              tests must each have run
#   --fast     the engine and in-process tests on SQLite (no browser, no real server, nothing
#              marked slow, not the PostgreSQL copies) on every core; engine and app tests must
#              each have run. What is left out is not imported either (tests/conftest.py), and
#              schemathesis's pytest plugin, which only the slow schema tests use, is not loaded.
#   arguments  passed to pytest as they are (add -n auto for every core)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"
report="$(mktemp --suffix=.xml)"
# Python may keep the modules it compiles (__pycache__, ignored by git): an environment that says
# PYTHONDONTWRITEBYTECODE makes every test process, and each of the hundred servers the tests
# start, compile the app and rewrite the test modules' assertions again from source.
unset PYTHONDONTWRITEBYTECODE
trap 'rm -f "$report"' EXIT

# Tests are handed out one by one, but a module with a module-scoped fixture (a server, the
# built wheel) goes to one worker as a whole (tests/conftest.py, pytest_xdist_make_scheduler).
parallel=(-n auto)
required=()
if [ "$#" -eq 0 ]; then
    set -- "${parallel[@]}"
    required=(--require tests.engine --require tests.app --require tests.browser --require tests.test_wheel)
elif [ "$1" = "--fast" ]; then
    shift
    set -- "${parallel[@]}" -m "not browser and not server and not slow and not postgresql" \
        -p no:schemathesis "$@"
    required=(--require tests.engine --require tests.app)
fi

"$python" -m pytest --junitxml="$report" "$@"
status=$?
if [ "$status" -eq 5 ]; then
    echo "run-tests: pytest collected no tests (exit 5): that is a failure, not a pass" >&2
    exit 1
fi
if [ "$status" -ne 0 ]; then
    exit "$status"
fi
# A deselection or a broken conftest that silently drops a part cannot pass.
exec "$python" "$root/scripts/check_test_report.py" "$report" "${required[@]}"
