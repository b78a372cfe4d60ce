"""What each frame costs the page's threads, from a Chrome trace taken while it animates.

Frames per second on a shared machine move with the other processes' load; the CPU time a
frame takes the renderer's main thread moves far less: a thread that waits for a core is not
charged for it (trace events' ``tdur`` is thread time). ``frame_costs`` cuts the main thread's
top-level tasks at the page's own ``requestAnimationFrame`` timestamps (bench_ui.py's counter)
and sums the CPU time of each frame; ``breakdown`` splits it by kind of work (script, style,
layout, paint and compositing, the rest) by each trace event's self time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

BUDGET_MS = 1000 / 60  # one frame at 60 Hz
MARK = "bench-frames-start"  # a performance.mark placed when the counter starts: the clocks' offset
CATEGORIES = [
    "toplevel",
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "blink.user_timing",
    "v8.execute",
]

KINDS = {
    "script": {
        "FunctionCall",
        "EvaluateScript",
        "v8.compile",
        "v8.compileModule",
        "V8.Execute",
        "v8.run",
        "TimerFire",
        "FireAnimationFrame",
        "EventDispatch",
        "RunMicrotasks",
        "XHRReadyStateChange",
        "MajorGC",
        "MinorGC",
        "V8.GCScavenger",
        "V8.GCFinalizeMC",
        "V8.GC_MC_BACKGROUND_MARKING",
        "ResourceReceivedData",
        "FireIdleCallback",
        "v8.evaluateModule",
        "BlinkGC.AtomicPhase",
    },
    "style": {"UpdateLayoutTree", "RecalculateStyles", "ParseAuthorStyleSheet", "ScheduleStyleRecalculation"},
    "layout": {"Layout", "UpdateLayerTree", "IntersectionObserverController::computeIntersections"},
    "paint": {
        "Paint",
        "PrePaint",
        "Layerize",
        "UpdateLayer",
        "CompositeLayers",
        "Commit",
        "PaintImage",
        "Decode Image",
        "Draw LazyPixelRef",
        "Rasterize",
        "RasterTask",
        "PaintSetup",
    },
}
KIND_OF = {name: kind for kind, names in KINDS.items() for name in names}


@dataclass
class FrameCost:
    """One scenario's frames: CPU ms each frame cost the main thread, and the kinds of work."""

    per_frame: list[float]  # main-thread CPU ms in each interval between two rAF callbacks
    kinds: dict[str, float]  # mean ms per frame by kind of work (self time)
    threads: dict[str, float] = field(default_factory=dict)  # mean CPU ms per frame of other threads
    names: dict[str, float] = field(default_factory=dict)  # mean self ms per frame by event name
    wall: list[float] = field(default_factory=list)  # main-thread wall ms of tasks in each frame

    def quantile(self, q: float) -> float:
        if not self.per_frame:
            return float("nan")
        ordered = sorted(self.per_frame)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def over_budget(self) -> float:
        """Share of frames whose main-thread work alone exceeds one 60 Hz frame."""
        if not self.per_frame:
            return float("nan")
        return sum(1 for ms in self.per_frame if ms > BUDGET_MS) / len(self.per_frame)

    @property
    def mean(self) -> float:
        return sum(self.per_frame) / len(self.per_frame) if self.per_frame else float("nan")


def _cpu_ms(event: dict[str, Any]) -> float:
    """An event's thread (CPU) time in ms; its wall time where the trace has no thread time."""
    return float(event.get("tdur", event.get("dur", 0))) / 1000


def _outermost(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The complete events of one thread that no other of its events encloses (its tasks)."""
    tasks: list[dict[str, Any]] = []
    end = -1.0
    for event in sorted(events, key=lambda e: (e["ts"], -e["dur"])):
        if event["ts"] >= end:
            tasks.append(event)
            end = event["ts"] + event["dur"]
    return tasks


def frame_costs(trace: bytes, frames: list[float], mark_now: float) -> FrameCost:
    """Per-frame main-thread CPU time of the renderer that placed MARK.

    ``frames`` are the counter's rAF timestamps (performance.now() ms) and ``mark_now`` the
    performance.now() at which MARK was placed: together they put the frames on the trace's clock.
    """
    events: list[dict[str, Any]] = json.loads(trace)["traceEvents"]
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e.get("name") == "thread_name"}
    mark = next((e for e in events if e.get("name") == MARK), None)
    if mark is None or len(frames) < 2:
        return FrameCost([], {})
    offset = mark["ts"] / 1000 - mark_now  # trace ms = performance.now() ms + offset
    bounds = [t + offset for t in frames]
    start, end = bounds[0], bounds[-1]
    by_thread: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for e in events:
        if e.get("ph") == "X" and "dur" in e and start <= e["ts"] / 1000 < end:
            by_thread.setdefault((e["pid"], e["tid"]), []).append(e)
    main = by_thread.pop((mark["pid"], mark["tid"]), [])
    per_frame = [0.0] * (len(bounds) - 1)
    wall = [0.0] * len(per_frame)
    index = 0
    for task in _outermost(main):
        t0 = task["ts"] / 1000
        while index + 1 < len(per_frame) and bounds[index + 1] <= t0:
            index += 1
        per_frame[index] += _cpu_ms(task)
        wall[index] += task["dur"] / 1000
    # Each event's own time (less its children's), by kind; the tasks' own time is "other".
    kinds = dict.fromkeys([*KINDS, "other"], 0.0)
    by_name: dict[str, float] = {}
    stack: list[tuple[float, str, str]] = []  # (end, kind, name) of the enclosing events
    for event in sorted(main, key=lambda e: (e["ts"], -e["dur"])):
        t0 = event["ts"] / 1000
        while stack and stack[-1][0] <= t0:
            stack.pop()
        own = KIND_OF.get(event["name"])
        kind = own or (stack[-1][1] if stack else "other")  # unnamed work counts as its parent's
        if stack:
            kinds[stack[-1][1]] -= _cpu_ms(event)
            by_name[stack[-1][2]] -= _cpu_ms(event)
        kinds[kind] += _cpu_ms(event)
        by_name[event["name"]] = by_name.get(event["name"], 0.0) + _cpu_ms(event)
        stack.append((t0 + event["dur"] / 1000, kind, event["name"]))
    count = len(per_frame)
    threads: dict[str, float] = {}
    for key, list_ in by_thread.items():
        name = names.get(key, "?")
        group = "raster" if "TileWorker" in name or "Raster" in name else name
        if group in ("Compositor", "raster", "VizCompositorThread"):
            threads[group] = threads.get(group, 0.0) + sum(_cpu_ms(t) for t in _outermost(list_)) / count
    mean = {k: v / count for k, v in kinds.items()}
    return FrameCost(per_frame, mean, threads, {k: v / count for k, v in by_name.items()}, wall)
