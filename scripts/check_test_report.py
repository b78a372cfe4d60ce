"""Check a pytest JUnit XML report: some test ran, none was skipped, each required part ran.

    python scripts/check_test_report.py REPORT.xml [--require tests.browser ...]

A passing pytest run can still prove nothing: every test skipped, or a whole folder
deselected. The team counts neither as a pass.
"""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET


def problems(report: str, required: list[str]) -> list[str]:
    cases = ET.parse(report).getroot().iter("testcase")
    ran: list[str] = []
    found: list[str] = []
    for case in cases:
        name = f"{case.get('classname')}::{case.get('name')}"
        if case.find("skipped") is not None:
            found.append(f"skipped: {name}")
        else:
            ran.append(case.get("classname") or "")
    if not ran:
        found.append("no test ran")
    for part in required:
        if not any(classname == part or classname.startswith(part + ".") for classname in ran):
            found.append(f"no test ran from {part}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report")
    parser.add_argument("--require", action="append", default=[], help="a test module or package")
    args = parser.parse_args()
    found = problems(args.report, args.require)
    for problem in found:
        print(f"check_test_report: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
