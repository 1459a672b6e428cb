"""on_progress: one Python thread holding the GIL, at most every progress_interval; False stops
the solve (user_stop); an exception stops it and is raised again; misuse inside the callback is
an error, not a deadlock."""

import gc
import threading
import time

import numpy as np
import pytest
from conftest import big_problem, ones_rhs

import asor

METHODS = ["async", "sor", "ssor", "multicolor", "block-jacobi", "jacobi"]


@pytest.mark.parametrize("method", METHODS)
def test_callback_thread_and_interval(method):
    A, b = big_problem()
    calls = []

    def on_progress(p):
        calls.append((time.monotonic(), threading.get_ident(), p))

    r = asor.solve(A, b, method=method, omega=1.0, threads=2, tol=1e-15, max_sweeps=10**9,
                   time_limit=0.6, on_progress=on_progress, progress_interval=0.05)
    assert r.status == "time_limit"
    assert len(calls) >= 2, "called while the solve ran"
    threads = {t for _, t, _ in calls}
    assert len(threads) == 1, "one Python thread"
    assert threads != {threading.get_ident()}, "not the caller's thread: the solve's observer"
    starts = [t for t, _, _ in calls]
    gaps = np.diff(starts)
    assert gaps.min() >= 0.05 * 0.95, "at most every progress_interval"
    assert all(isinstance(p, asor.Progress) for _, _, p in calls)
    assert [p.elapsed for _, _, p in calls] == sorted(p.elapsed for _, _, p in calls)


@pytest.mark.parametrize("method", METHODS)
def test_returning_false_stops_the_solve(method):
    A, b = big_problem()
    calls = []

    def on_progress(p):
        calls.append(p.min_sweeps)
        return len(calls) < 3  # True twice, then False

    r = asor.solve(A, b, method=method, omega=1.0, threads=2, tol=1e-15, max_sweeps=10**9,
                   on_progress=on_progress, progress_interval=0.01)
    assert r.status == "user_stop" and not r.converged
    assert len(calls) == 3
    assert r.report["stop_reason"].startswith("stopped by a progress observer")
    assert 0 < r.residual < 1


def test_only_false_stops():
    A = asor.poisson2d(48)
    b = ones_rhs(A)
    for answer in (None, True, 0, "", [], 1):
        r = asor.solve(A, b, method="sor", omega=1.5, progress_interval=0,
                       on_progress=lambda p, a=answer: a)
        assert r.converged, f"{answer!r} must not stop the solve"
    r = asor.solve(A, b, method="sor", omega=1.0, tol=1e-14, progress_interval=0,
                   on_progress=lambda p: np.False_)
    assert r.status == "user_stop", "numpy's False is False"


class Boom(Exception):
    pass


def test_an_exception_in_the_callback_stops_the_solve_and_is_raised():
    A, b = big_problem()

    def on_progress(p):
        raise Boom(f"at {p.min_sweeps} sweeps")

    t0 = time.monotonic()
    with pytest.raises(Boom, match="at .* sweeps") as e:
        asor.solve(A, b, method="async", threads=2, tol=1e-15, max_sweeps=10**9,
                   on_progress=on_progress)
    assert time.monotonic() - t0 < 30
    frames = [f.name for f in e.traceback]
    assert "on_progress" in frames, "the callback's own traceback is kept"

    h = asor.submit(A, b, method="sor", omega=1.5, tol=1e-15, max_sweeps=10**9,
                    on_progress=on_progress)
    error = h.exception(timeout=30)
    assert isinstance(error, Boom)
    with pytest.raises(Boom):
        h.result()
    with pytest.raises(Boom):
        h.result()  # every time
    assert h.done() and not h.cancelled()
    assert repr(h) == "<asor.Handle failed>"


def test_waiting_inside_the_callback_is_an_error_not_a_deadlock():
    A, b = big_problem()
    errors = []
    box = {}

    def on_progress(p):
        if "h" not in box:  # a call before submit() has returned
            return None
        try:
            box["h"].result()
        except RuntimeError as e:
            errors.append(str(e))
        try:
            next(iter(box["h"].stream()))
        except RuntimeError as e:
            errors.append(str(e))
        return False

    box["h"] = asor.submit(A, b, method="sor", omega=1.5, tol=1e-15, on_progress=on_progress)
    r = box["h"].result(timeout=30)
    assert r.status == "user_stop"
    assert errors == [
        "asor: waiting for a solve inside its own on_progress would never end (the solve waits "
        "for the callback to return)",
        "asor: iterating over a solve's stream inside its own on_progress would never end",
    ]
    box.clear()


def test_dropping_the_last_reference_inside_the_callback():
    """The callback holds the last reference and lets it go: the solve is cancelled and freed by
    the dispatcher, not waited for on its own observer thread (which would deadlock)."""
    A, b = big_problem()
    for _ in range(5):  # the dispatcher may free the solve before the callback has returned
        box = {}
        dropped = threading.Event()

        def on_progress(p, box=box, dropped=dropped):
            if "h" in box:
                del box["h"]  # the last reference to the Handle, and so to the solve
                dropped.set()

        box["h"] = asor.submit(A, b, method="sor", omega=1.9, tol=1e-15, max_sweeps=10**9,
                               on_progress=on_progress, progress_interval=0.001)
        assert dropped.wait(30)
        deadline = time.monotonic() + 30
        while asor._asor._running_solves() and time.monotonic() < deadline:
            gc.collect()
            time.sleep(0.01)
        assert asor._asor._running_solves() == 0


def test_cancel_inside_the_callback():
    A, b = big_problem()
    box = {}

    def on_progress(p):
        if "h" in box:  # not a call before submit() has returned
            box["h"].cancel()

    box["h"] = asor.submit(A, b, method="async", threads=2, tol=1e-15, max_sweeps=10**9,
                           on_progress=on_progress)
    assert box["h"].result(timeout=60).status == "cancelled"
    box.clear()


def test_a_slow_callback_does_not_delay_the_time_limit():
    A, b = big_problem()

    def slow(p):
        time.sleep(1.0)

    r = asor.solve(A, b, method="async", threads=2, tol=1e-15, max_sweeps=10**9,
                   time_limit=0.2, on_progress=slow, progress_interval=0)
    assert r.status == "time_limit"
    # The workers stop on time; solve() returns once the callback in progress has returned.
    assert r.solve_seconds < 1.0, r.solve_seconds
