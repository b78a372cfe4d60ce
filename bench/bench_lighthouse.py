"""Lighthouse's scores for each page, against a real server (not part of the test run).

Runs Lighthouse (npm, installed into .node-tools/ on first use) with Debian's Chromium, its
default mobile emulation (a mid-range phone, 4× CPU slowdown, a slow 4G link), on the
explorer, the lesson list, a lesson and /compare, and prints each page's accessibility and
performance scores with the metrics behind them (cumulative layout shift, largest contentful
paint, total blocking time). Lighthouse's performance figures depend on the machine's load:
run it on an idle machine, and compare pages within one run.

    python bench/bench_lighthouse.py [--runs 1] [--baseline main]

With ``--baseline REF`` each page is also measured on a server running commit REF
(bench/baseline.py), turn by turn with this checkout's, so the two are compared in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.baseline import compare_ids, serving  # noqa: E402

VERSION = "13.5.0"
PACKAGE = f"lighthouse@{VERSION}"
TOOLS = ROOT / ".node-tools"
LIGHTHOUSE = TOOLS / "node_modules" / ".bin" / "lighthouse"
FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking"


def ensure_lighthouse() -> None:
    if LIGHTHOUSE.exists():
        return
    subprocess.run(["bash", str(ROOT / "scripts" / "ensure-node-tools.sh")], check=True)
    subprocess.run(
        ["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(TOOLS), PACKAGE],
        check=True,
    )


def lighthouse(url: str, out: Path) -> dict:
    env = {**os.environ, "CHROME_PATH": "/usr/bin/chromium"}
    command = [
        str(LIGHTHOUSE), url, "--quiet", f"--chrome-flags={FLAGS}",
        "--only-categories=performance,accessibility", "--output=json", f"--output-path={out}",
    ]
    # On a loaded machine Lighthouse now and then loses its trace (NO_NAVSTART): run it again.
    for attempt in range(3):
        if subprocess.run(command, env=env, timeout=300).returncode == 0:
            break
        if attempt == 2:
            raise RuntimeError(f"Lighthouse failed three times on {url}")
    report = json.loads(out.read_text())
    audits = report["audits"]
    return {
        "accessibility": report["categories"]["accessibility"]["score"] * 100,
        "performance": report["categories"]["performance"]["score"] * 100,
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "lcp_ms": audits["largest-contentful-paint"]["numericValue"],
        "tbt_ms": audits["total-blocking-time"]["numericValue"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs per page; the median is printed")
    parser.add_argument("--pages", nargs="+", metavar="PAGE", help="explorer, lessons, lesson, compare (all)")
    parser.add_argument("--baseline", metavar="REF", help="also measure commit REF (e.g. main), turn by turn")
    args = parser.parse_args()
    ensure_lighthouse()
    with tempfile.TemporaryDirectory() as tmp:
        with serving(Path(tmp), args.baseline, "lighthouse.db") as servers:
            ids = compare_ids(servers)
            pages = {
                "explorer": "/",
                "lessons": "/lessons",
                "lesson": "/lessons/chain-rule",
                "compare": "/compare?ids={ids}",
            }
            pages = {name: path for name, path in pages.items() if not args.pages or name in args.pages}
            print(f"{'page':<10} {'server':<8} {'access.':>8} {'perf.':>6} {'CLS':>7}", end="")
            print(f" {'LCP ms':>8} {'TBT ms':>8}")
            for name, path in pages.items():
                runs: dict[str, list[dict]] = {key: [] for key in servers}
                for k in range(args.runs):
                    for key, server in servers.items():
                        url = f"{server}{path.format(ids=ids[key])}"
                        runs[key].append(lighthouse(url, Path(tmp) / f"run{k}.json"))
                for key, results in runs.items():
                    mid = {m: statistics.median(r[m] for r in results) for m in results[0]}
                    print(
                        f"{name:<10} {key:<8} {mid['accessibility']:>8.0f} {mid['performance']:>6.0f}"
                        f" {mid['cls']:>7.3f} {mid['lcp_ms']:>8.0f} {mid['tbt_ms']:>8.0f}"
                    )


if __name__ == "__main__":
    main()
