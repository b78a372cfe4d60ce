"""The gate's rules on its own (app/gate.py): turns between owners, the bounds on waiting, the
memory budget, and which requests pass it (the real server under load: test_class_server.py)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading

import pytest
from backprop_explorer.app.config import Limits
from backprop_explorer.app.errors import LimitExceeded
from backprop_explorer.app.gate import READ, WORK, Busy, Gate, kind_of

MB = 1_000_000


def gate(**limits: int) -> Gate:
    # A baseline of 0: the whole budget but the caches' share is the requests'.
    return Gate(Limits(**{"max_cpu_work": 1, "max_memory_bytes": 1_000 * MB, **limits}), baseline=0)


def run(coroutine):
    """``asyncio.run(coroutine)`` on a thread of its own: a test process that drove a browser
    earlier has Playwright's event loop marked running on its main thread."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_owners_take_turns_on_one_slot() -> None:
    """One slot: the first owner's five requests and the second's one, all waiting; the second
    owner's goes right after the first request, not after the first owner's whole queue."""

    async def scenario() -> list[str]:
        g = gate()
        order: list[str] = []
        first = await g.enter("alice", WORK, MB)
        waiting = [asyncio.create_task(g.enter("alice", WORK, MB)) for _ in range(4)]
        await asyncio.sleep(0)
        bobs = asyncio.create_task(g.enter("bob", WORK, MB))
        await asyncio.sleep(0)
        pending = {**{t: "alice" for t in waiting}, bobs: "bob"}
        current = first
        while pending:
            g.leave(current)
            done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            (task,) = done
            order.append(pending.pop(task))
            current = task.result()
        g.leave(current)
        assert g.busy == {WORK: 0, READ: 0} and g.queued == 0 and g.budget.used == 0
        return order

    assert run(scenario()) == ["bob", "alice", "alice", "alice", "alice"]


def test_one_owner_never_holds_every_slot() -> None:
    async def scenario() -> None:
        g = gate(max_cpu_work=3)
        held = [await g.enter("alice", WORK, MB) for _ in range(2)]
        third = asyncio.create_task(g.enter("alice", WORK, MB))
        await asyncio.sleep(0)
        assert not third.done()  # two of three slots: the last is kept for someone else
        bobs = await asyncio.wait_for(g.enter("bob", WORK, MB), 1)
        g.leave(held[0])
        await asyncio.wait_for(third, 1)
        for ticket in (held[1], bobs, third.result()):
            g.leave(ticket)

    run(scenario())


def test_waiting_is_bounded_per_owner_and_in_all() -> None:
    async def scenario() -> None:
        g = gate(max_queued_per_owner=2, max_queued_requests=3)
        held = await g.enter("alice", WORK, MB)
        queued = [asyncio.create_task(g.enter("alice", WORK, MB)) for _ in range(2)]
        await asyncio.sleep(0)
        with pytest.raises(Busy) as mine:
            await g.enter("alice", WORK, MB)
        assert mine.value.status_code == 429 and mine.value.headers == {"Retry-After": "2"}
        assert mine.value.code == "rate_limited"
        assert "max_queued_per_owner=2" in mine.value.detail
        queued.append(asyncio.create_task(g.enter("bob", WORK, MB)))
        await asyncio.sleep(0)
        with pytest.raises(Busy) as everyone:
            await g.enter("carol", WORK, MB)
        assert everyone.value.status_code == 503 and "max_queued_requests=3" in everyone.value.detail
        assert everyone.value.code == "server_busy"
        g.leave(held)
        # Bob has not been served yet: his turn comes before Alice's two waiting ones.
        for task in (queued[2], queued[0], queued[1]):
            g.leave(await asyncio.wait_for(task, 1))
        assert g.queued == 0 and g.served == {}

    run(scenario())


def test_memory_is_reserved_before_it_is_used() -> None:
    """Two requests that each grow to 60 % of the budget: the second waits (in its worker
    thread) until the first has left; one larger than the whole budget is refused."""

    async def scenario() -> None:
        g = gate(max_cpu_work=2, max_memory_bytes=1_000 * MB)
        total = g.budget.total
        a, b = await g.enter("alice", WORK, MB), await g.enter("bob", WORK, MB)
        g.grow(a, int(0.6 * total), "a")
        grown = threading.Event()
        worker = threading.Thread(target=lambda: (g.grow(b, int(0.6 * total), "b"), grown.set()))
        worker.start()
        await asyncio.sleep(0.2)
        assert not grown.is_set() and g.budget.used <= total
        g.leave(a)
        await asyncio.to_thread(worker.join, 5)
        assert grown.is_set() and b.held == int(0.6 * total)
        with pytest.raises(LimitExceeded) as too_big:
            g.grow(b, total + 1, "this predict")
        assert (
            "this predict needs about" in too_big.value.detail and "max_memory_bytes" in too_big.value.detail
        )
        assert too_big.value.code == "memory_budget"
        g.leave(b)
        assert g.budget.used == 0

    run(scenario())


def test_memory_others_hold_for_too_long_is_a_503() -> None:
    async def scenario() -> None:
        g = gate(max_cpu_work=2, max_memory_bytes=1_000 * MB)
        g.memory_wait = 0.2
        total = g.budget.total
        a, b = await g.enter("alice", WORK, MB), await g.enter("bob", WORK, MB)
        g.grow(a, int(0.6 * total), "a")
        with pytest.raises(Busy) as waited:
            await asyncio.to_thread(g.grow, b, int(0.6 * total), "this landscape")
        assert (waited.value.status_code, waited.value.code) == (503, "memory_busy")
        assert waited.value.headers == {"Retry-After": "5"} and waited.value.detail.startswith(
            "this landscape needs about"
        )
        assert b.held == MB  # nothing more was taken
        g.leave(a)
        g.leave(b)
        assert g.budget.used == 0

    run(scenario())


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("GET", "/api/health", None),
        ("GET", "/api/catalog", None),
        ("GET", "/api/lessons/loss", None),
        ("POST", "/api/networks/abc/stop", None),
        ("GET", "/", None),
        ("GET", "/static/js/api.js", None),
        ("POST", "/api/networks/abc/step", WORK),
        ("POST", "/api/networks/abc/landscape", WORK),
        ("POST", "/api/networks/abc/gradient-shares", WORK),
        ("GET", "/api/networks/abc/snapshots/step/5", WORK),
        ("POST", "/api/lessons/loss/start", WORK),
        ("POST", "/api/datasets", WORK),
        ("POST", "/api/networks", WORK),
        ("GET", "/api/networks/abc", READ),
        ("GET", "/api/networks/abc/snapshots", READ),
        ("DELETE", "/api/networks/abc", READ),
        ("PATCH", "/api/networks/abc", READ),
        ("PUT", "/api/networks/abc/name", READ),
        ("POST", "/api/lessons/loss/steps/2/render", READ),
    ],
)
def test_which_requests_pass_the_gate(method: str, path: str, kind: str | None) -> None:
    assert kind_of(method, path) == kind
