"""How long health, a page, a static file and `/stop` take while 40 CPU-heavy requests run,
on a real server (the scenarios of tests/app/stalls.py).

Each scenario starts a fresh server, sends 40 heavy requests at once from one owner and
meanwhile, as another owner, times health, the page, a static file and ``/stop`` of its own
network every 0.1 s; it prints the slowest and the median of each and how the 40 ended:

- ``landscapes``: 40 loss landscapes over two parameters at 101 × 101 points, on one network;
- ``epochs``: one epoch of 1,000 single-sample updates on each of 40 networks;
- ``previews``: 40 previews of updates made inside one ``/train`` run (each replays updates).

    python bench/bench_stalls.py [--scenarios landscapes,epochs,previews] [--count 40]

Not part of the test run (tests/app/test_class_server.py asserts the bound).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.app.stalls import HEAVY, SCENARIOS, run  # noqa: E402
from tests.conftest import start_server, stop_server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--count", type=int, default=40)
    args = parser.parse_args()
    for name in args.scenarios.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            server = start_server(Path(tmp) / "stalls.db")
            try:
                with httpx.Client(base_url=server.url, timeout=300, headers=HEAVY) as client:
                    requests = SCENARIOS[name](client, args.count)
                outcome = run(server.url, requests)
            finally:
                stop_server(server)
        codes = [a.status_code for a in outcome.answers]
        print(
            f"{name:>10}: {args.count} requests in {outcome.seconds:.1f} s "
            f"{ {c: codes.count(c) for c in sorted(set(codes))} }; "
            + "; ".join(
                f"{what} max {1000 * outcome.worst(what):.0f} ms (p50 {1000 * outcome.median(what):.0f})"
                for what in outcome.probes
            )
            + f"; {len(outcome.probes['health'])} probes",
            flush=True,
        )


if __name__ == "__main__":
    main()
