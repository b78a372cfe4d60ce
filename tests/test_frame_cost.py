"""bench/frame_cost.py: a trace's main-thread tasks cut at the page's frame timestamps."""

from __future__ import annotations

import json

import pytest

from bench.frame_cost import MARK, frame_costs


def event(
    name: str, ts_us: int, dur_us: int, tdur_us: int, tid: int = 1, cat: str = "devtools.timeline"
) -> dict:
    return {
        "name": name,
        "ph": "X",
        "pid": 7,
        "tid": tid,
        "ts": ts_us,
        "dur": dur_us,
        "tdur": tdur_us,
        "cat": cat,
    }


def trace(*events: dict) -> bytes:
    names = [
        {"name": "thread_name", "ph": "M", "pid": 7, "tid": 1, "args": {"name": "CrRendererMain"}},
        {"name": "thread_name", "ph": "M", "pid": 7, "tid": 2, "args": {"name": "Compositor"}},
    ]
    # The mark at trace time 10 s, when performance.now() read 500 ms: frames at 500, 516.7, ...
    mark = {"name": MARK, "ph": "I", "pid": 7, "tid": 1, "ts": 10_000_000, "cat": "blink.user_timing"}
    return json.dumps({"traceEvents": [*names, mark, *events]}).encode()


FRAMES = [500.0, 516.7, 533.4, 550.1]  # performance.now() of four rAF callbacks: three frames


def test_each_task_counts_its_cpu_time_in_the_frame_it_starts_in():
    cost = frame_costs(
        trace(
            event("RunTask", 10_001_000, 5_000, 4_000, cat="toplevel"),  # frame 0: 4 ms of CPU in 5 ms
            event("RunTask", 10_020_000, 30_000, 18_000, cat="toplevel"),  # frame 1: waited 12 ms for a core
            event("RunTask", 9_990_000, 5_000, 5_000, cat="toplevel"),  # before the first frame: not counted
        ),
        FRAMES,
        500.0,
    )
    assert cost.per_frame == pytest.approx([4.0, 18.0, 0.0])
    assert cost.wall == pytest.approx([5.0, 30.0, 0.0])
    assert cost.over_budget == pytest.approx(1 / 3)  # 18 ms > 16.7 ms
    assert cost.quantile(0.5) == pytest.approx(4.0)


def test_kinds_take_each_events_own_time_less_its_childrens():
    cost = frame_costs(
        trace(
            event("RunTask", 10_001_000, 12_000, 12_000, cat="toplevel"),
            event("FunctionCall", 10_002_000, 6_000, 6_000),  # script: 6 − 2 (its forced layout)
            event("Layout", 10_003_000, 2_000, 2_000),
            event("Paint", 10_009_000, 3_000, 3_000),
            event("Compositor task", 10_001_000, 1_500, 1_500, tid=2, cat="toplevel"),
        ),
        FRAMES,
        500.0,
    )
    frames = 3
    assert cost.per_frame == pytest.approx([12.0, 0.0, 0.0])
    assert cost.kinds["script"] == pytest.approx(4.0 / frames)
    assert cost.kinds["layout"] == pytest.approx(2.0 / frames)
    assert cost.kinds["paint"] == pytest.approx(3.0 / frames)
    assert cost.kinds["other"] == pytest.approx(3.0 / frames)  # the task's own 12 − 6 − 3
    assert sum(cost.kinds.values()) * frames == pytest.approx(sum(cost.per_frame))
    assert cost.threads == {"Compositor": pytest.approx(1.5 / frames)}
