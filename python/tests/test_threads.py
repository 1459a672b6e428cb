"""Threads, the GIL and Ctrl-C: the solve runs with the GIL released, several solves run at once
from Python threads, and Ctrl-C during asor.solve cancels it and raises KeyboardInterrupt."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest
from conftest import big_problem, ones_rhs

import asor


def test_the_solve_runs_with_the_gil_released():
    A, b = big_problem()
    counter = [0]
    stop = threading.Event()

    def count():
        while not stop.is_set():
            counter[0] += 1

    t = threading.Thread(target=count)
    t.start()
    time.sleep(0.05)
    before = counter[0]
    r = asor.solve(A, b, method="async", threads=2, tol=1e-15, max_sweeps=10**9,
                   time_limit=0.5)
    during = counter[0] - before
    stop.set()
    t.join()
    assert r.status == "time_limit"
    # With the GIL held for 0.5 s the counter would stand still; released, it counts millions.
    assert during > 10000, during


def test_concurrent_solves_from_python_threads_on_different_matrices():
    sizes = [40, 48, 56, 64]
    barrier = threading.Barrier(len(sizes))
    results = {}

    def work(m):
        A = asor.poisson2d(m)
        rng = np.random.default_rng(m)
        b = rng.standard_normal(A.shape[0])
        barrier.wait()
        t0 = time.monotonic()
        # One second of relaxation each: run one after another they would take four.
        r = asor.solve(A, b, method="async", threads=1, tol=1e-15, max_sweeps=10**9,
                       time_limit=1.0)
        results[m] = (A, b, r, t0, time.monotonic())

    threads = [threading.Thread(target=work, args=(m,)) for m in sizes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == sizes
    starts = [v[3] for v in results.values()]
    ends = [v[4] for v in results.values()]
    assert max(starts) < min(ends), "the four solves ran at the same time"
    for A, b, r, _, _ in results.values():
        assert r.status == "time_limit" and r.report["n"] == A.shape[0]
        assert r.residual == pytest.approx(np.linalg.norm(b - A @ r.x) / np.linalg.norm(b),
                                           rel=1e-6)
        assert r.residual < 1e-6, "each solved its own system"


def test_concurrent_converging_solves_agree_with_their_own_systems():
    def work(m, out):
        A = asor.poisson2d(m)
        b = np.cos(np.arange(A.shape[0]))
        out[m] = (A, b, asor.solve(A, b, method="sor", omega="auto", tol=1e-10))

    out = {}
    threads = [threading.Thread(target=work, args=(m, out)) for m in (20, 30, 40, 50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for A, b, r in out.values():
        assert r.converged
        assert np.linalg.norm(b - A @ r.x) / np.linalg.norm(b) <= 1e-10


CHILD = textwrap.dedent("""
    import sys, time
    import numpy as np
    import asor
    A = asor.poisson2d(256)
    b = A @ np.ones(A.shape[0])
    print("ready", flush=True)
    try:
        asor.solve(A, b, method=sys.argv[1], threads=2, omega=1.0, tol=1e-15,
                   max_sweeps=10**9, time_limit=60)
        print("not interrupted", flush=True)
    except KeyboardInterrupt:
        t = time.monotonic()
        print(f"interrupted {t!r} running={asor._asor._running_solves()}", flush=True)
""")


@pytest.mark.parametrize("method", ["async", "sor", "block-jacobi"])
def test_ctrl_c_cancels_the_solve_and_raises_keyboard_interrupt(method):
    child = subprocess.Popen([sys.executable, "-c", CHILD, method], stdout=subprocess.PIPE,
                             text=True, env=os.environ.copy())
    try:
        assert child.stdout.readline().strip() == "ready"
        time.sleep(0.5)  # the solve is relaxing
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        line = child.stdout.readline().split()
        assert child.wait(timeout=60) == 0
    finally:
        if child.poll() is None:
            child.kill()
    assert line[0] == "interrupted", line
    latency = float(line[1]) - sent
    print(f"{method}: KeyboardInterrupt {latency * 1e3:.1f} ms after SIGINT")
    # The target is 100 ms; the bound is generous (a loaded CI machine), the value is reported.
    assert latency < 1.0, latency
    assert line[2] == "running=0", "the solve had stopped when KeyboardInterrupt was raised"


def test_keyboard_interrupt_while_waiting_for_a_handle_leaves_the_solve_running():
    code = textwrap.dedent("""
        import signal, threading, time
        import numpy as np
        import asor
        A = asor.poisson2d(256)
        h = asor.submit(A, A @ np.ones(A.shape[0]), method="sor", omega=1.9, tol=1e-15,
                        max_sweeps=10**9)
        threading.Timer(0.3, lambda: signal.raise_signal(signal.SIGINT)).start()
        try:
            h.result()
        except KeyboardInterrupt:
            print("interrupted", h.running(), flush=True)
        print("cancel", h.cancel(), h.result().status, flush=True)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["interrupted True", "cancel True cancelled"]


def test_exit_with_a_solve_running_cancels_it():
    code = textwrap.dedent("""
        import numpy as np
        import asor
        A = asor.poisson2d(256)
        h = asor.submit(A, A @ np.ones(A.shape[0]), method="async", threads=2, tol=1e-15,
                        max_sweeps=10**9, on_progress=lambda p: None,
                        progress_interval=0.001)
        h.add_done_callback(lambda h: print("done callback:", h.result().status, flush=True))
        while h.progress() is None:
            pass
        print("exiting", flush=True)
    """)
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["exiting", "done callback: cancelled"]
    assert time.monotonic() - t0 < 30
