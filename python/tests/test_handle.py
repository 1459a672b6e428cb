"""asor.submit and the Handle: a concurrent.futures.Future-like object that also stops a running
solve, watches it (progress, stream) and can be awaited."""

import asyncio
import gc
import threading
import time
import weakref

import numpy as np
import pytest
from conftest import big_problem, ones_rhs

import asor


def wait_until_relaxing(h):
    """Until the first snapshot exists: the solve is relaxing (preparation done)."""
    deadline = time.monotonic() + 60
    while h.progress() is None and not h.done():
        assert time.monotonic() < deadline, "no snapshot after 60 s"
        time.sleep(0.001)


def test_submit_returns_at_once_and_result_waits():
    # omega=1: asynchronous Gauss-Seidel converges on Poisson whatever the delays of a loaded
    # machine (an omega near 1.9 may stall at ~1e-5 when a thread is descheduled for long).
    A = asor.poisson2d(32)
    b = ones_rhs(A)
    h = asor.submit(A, b, method="async", omega=1.0, threads=2, tol=1e-10, max_sweeps=100000)
    assert isinstance(h, asor.Handle)
    r = h.result(timeout=60)
    assert h.done() and not h.running()
    assert r.converged and np.allclose(r.x, 1.0, atol=1e-7)
    assert h.result() is r, "result() returns the same Result every time"
    assert h.exception() is None
    assert h.cancel() is False, "cancel() on a finished handle returns False, as a Future's"
    assert h.cancelled() is False
    assert h.result().status == "converged", "a late cancel changes nothing"
    assert repr(h) == "<asor.Handle converged>"


def test_cancel_stops_a_running_solve_and_result_has_the_x_reached():
    A, b = big_problem()
    h = asor.submit(A, b, method="sor", omega=1.9, tol=1e-15, max_sweeps=10**9)
    assert h.running() and not h.done()
    assert repr(h) == "<asor.Handle running>"
    wait_until_relaxing(h)
    time.sleep(0.05)
    assert h.cancel() is True
    r = h.result(timeout=30)  # no CancelledError: a stopped solve still has an answer
    assert r.status == "cancelled" and r.converged is False
    assert h.cancelled() is True
    assert r.sweeps["min"] > 0
    true_residual = np.linalg.norm(b - A @ r.x) / np.linalg.norm(b)
    assert 0 < true_residual < 1, "x is the iterate reached, not the start"
    assert r.residual == pytest.approx(true_residual, rel=1e-6)
    assert r.report["stop_reason"].startswith("cancelled by cancel(); true residual")
    assert h.cancel() is False


def test_cancel_from_another_thread():
    A, b = big_problem()
    h = asor.submit(A, b, method="async", threads=2, tol=1e-15, max_sweeps=10**9)
    wait_until_relaxing(h)
    answers = []
    t = threading.Thread(target=lambda: answers.append(h.cancel()))
    t.start()
    t.join()
    assert answers == [True]
    r = h.result(timeout=30)
    assert r.status == "cancelled"
    assert r.report["cancel_latency_seconds"] is not None


def test_result_timeout_raises_timeout_error():
    A, b = big_problem()
    h = asor.submit(A, b, method="sor", omega=1.9, tol=1e-15, max_sweeps=10**9)
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        h.result(timeout=0.05)
    with pytest.raises(TimeoutError):
        h.exception(timeout=0)
    assert time.monotonic() - t0 < 20
    h.cancel()
    assert h.result().status == "cancelled"


def test_add_done_callback_runs_once_after_the_end_with_the_handle():
    A = asor.poisson2d(48)
    b = ones_rhs(A)
    h = asor.submit(A, b, method="async", threads=2)
    seen = []
    done = threading.Event()

    def callback(handle):
        seen.append((handle, handle.done(), threading.get_ident()))
        done.set()

    h.add_done_callback(callback)
    assert done.wait(60)
    r = h.result()
    assert len(seen) == 1
    handle, was_done, thread = seen[0]
    assert handle is h and was_done
    assert thread != threading.get_ident(), "runs on asor's dispatcher thread"
    # After the end: at once, in this thread.
    h.add_done_callback(callback)
    assert len(seen) == 2 and seen[1][2] == threading.get_ident()
    assert r.converged


def test_done_callbacks_run_in_order_and_errors_are_logged(caplog):
    A = asor.poisson2d(32)
    h = asor.submit(A, ones_rhs(A), method="sor", omega=1.5)
    order = []
    finished = threading.Event()

    def failing(handle):
        order.append("failing")
        raise RuntimeError("a callback that fails")

    h.add_done_callback(lambda handle: order.append(1))
    h.add_done_callback(failing)
    h.add_done_callback(lambda handle: (order.append(2), finished.set()))
    with caplog.at_level("ERROR", logger="asor"):
        assert finished.wait(60)
    assert order == [1, "failing", 2]
    assert any("exception calling callback" in rec.message for rec in caplog.records)
    assert h.result().converged


def test_a_handle_with_callbacks_waiting_runs_to_its_end_when_dropped():
    A = asor.poisson2d(64)
    done = threading.Event()
    results = []
    h = asor.submit(A, ones_rhs(A), method="sor", omega=1.9)
    h.add_done_callback(lambda handle: (results.append(handle.result()), done.set()))
    ref = weakref.ref(h)
    del h
    gc.collect()
    assert done.wait(60)
    assert results[0].converged, "not cancelled: its callbacks wait for its end"
    deadline = time.monotonic() + 10
    while ref() is not None and time.monotonic() < deadline:
        gc.collect()
        time.sleep(0.01)
    assert ref() is None, "freed once its callbacks have run"


def test_dropping_a_running_handle_cancels_its_solve():
    A, b = big_problem()
    h = asor.submit(A, b, method="async", threads=2, tol=1e-15, max_sweeps=10**9)
    wait_until_relaxing(h)
    assert asor._asor._running_solves() == 1
    t0 = time.monotonic()
    del h  # cancels and waits, with the GIL released
    assert asor._asor._running_solves() == 0
    assert time.monotonic() - t0 < 10


def test_progress_is_none_then_snapshots():
    A, b = big_problem()
    h = asor.submit(A, b, method="sor", omega=1.9, tol=1e-15, max_sweeps=10**9)
    wait_until_relaxing(h)
    time.sleep(0.2)
    p = h.progress()
    assert isinstance(p, asor.Progress)
    assert p.elapsed > 0 and p.min_sweeps > 0 and p.max_sweeps >= p.min_sweeps
    assert p.all_blocks_reported is True and 0 < p.provisional_residual < 1
    assert p.omega == 1.9 and p.verifications == 0
    assert "Progress(elapsed=" in repr(p)
    h.cancel()
    r = h.result()
    final = h.progress()
    assert final.min_sweeps == r.sweeps["min"], "after the end: the final snapshot"


def test_stream_yields_snapshots_until_the_end():
    A = asor.poisson2d(96)
    h = asor.submit(A, ones_rhs(A), method="sor", omega=1.0, tol=1e-9, max_sweeps=10**6,
                    progress_interval=0.01)
    stream = h.stream()
    snapshots = list(stream)
    r = h.result()
    assert r.converged
    assert len(snapshots) >= 2
    elapsed = [p.elapsed for p in snapshots]
    sweeps = [p.min_sweeps for p in snapshots]
    assert elapsed == sorted(elapsed) and sweeps == sorted(sweeps)
    assert snapshots[-1].min_sweeps == r.sweeps["min"], "the last one is the final snapshot"
    assert stream.dropped == 0
    # A stream made after the end holds the final snapshot only.
    late = list(h.stream())
    assert len(late) == 1 and late[0].min_sweeps == r.sweeps["min"]


def test_stream_buffer_is_bounded_and_drops_the_oldest():
    A, b = big_problem()
    h = asor.submit(A, b, method="sor", omega=1.9, tol=1e-15, max_sweeps=10**9,
                    progress_interval=0.005)
    stream = h.stream(maxlen=3)
    time.sleep(0.5)  # a slow reader: ~100 snapshots are offered meanwhile
    h.cancel()
    r = h.result()
    # Done callbacks run after the streams have their final snapshot: then read what waited.
    ended = threading.Event()
    h.add_done_callback(lambda handle: ended.set())
    assert ended.wait(30)
    items = list(stream)
    assert len(items) == 3, "never more than maxlen waiting"
    assert stream.dropped > 0, "the oldest were dropped"
    assert items[-1].min_sweeps == r.sweeps["min"], "the newest are kept, the final last"
    with pytest.raises(ValueError, match="maxlen: must be at least 1"):
        h.stream(maxlen=0)


def test_two_streams_and_a_callback_see_the_same_snapshots():
    A = asor.poisson2d(96)
    seen = []
    h = asor.submit(A, ones_rhs(A), method="sor", omega=1.0, tol=1e-9, max_sweeps=10**6,
                    progress_interval=0.01, on_progress=lambda p: seen.append(p.elapsed))
    s1 = h.stream(maxlen=100000)
    s2 = h.stream(maxlen=100000)
    h.result()
    a = [p.elapsed for p in s1]
    b = [p.elapsed for p in s2]
    assert a == b
    # The streams were made after submit: they may miss the first calls, and end with the final
    # snapshot, which is not a callback's.
    assert a[:-1] == seen[len(seen) - (len(a) - 1):]


async def _await(h):
    return await h


def test_await_gives_the_result():
    A = asor.poisson2d(48)

    async def main():
        h = asor.submit(A, ones_rhs(A), method="async", threads=2)
        ticks = 0
        task = asyncio.ensure_future(_await(h))
        while not task.done():  # the event loop runs while the solve does
            ticks += 1
            await asyncio.sleep(0.001)
        return await task, ticks

    r, ticks = asyncio.run(main())
    assert r.converged and np.allclose(r.x, 1.0, atol=1e-6)
    assert ticks >= 1


def test_await_a_failed_solve_raises_and_cancelling_the_task_cancels_the_solve():
    A, b = big_problem()

    def boom(p):
        raise ZeroDivisionError("from the callback")

    async def failing():
        return await asor.submit(A, b, method="sor", omega=1.5, on_progress=boom)

    with pytest.raises(ZeroDivisionError, match="from the callback"):
        asyncio.run(failing())

    async def cancelled():
        h = asor.submit(A, b, method="sor", omega=1.9, tol=1e-15, max_sweeps=10**9)
        task = asyncio.ensure_future(_await(h))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return h.result(timeout=30)

    r = asyncio.run(cancelled())
    assert r.status == "cancelled"
    assert r.report["stop_reason"].startswith("cancelled by the cancellation of the awaiting task")
