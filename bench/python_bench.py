"""Benchmarks of the Python module (issue "import asor", item 9), one JSON line per measurement:

  large     asor.solve against the C++ engine (libasor_python_baseline, called through ctypes
            in this process: the same validation, engine and solve without Python, timed in
            C++) on 2D Poisson 1024^2, a fixed sweep budget; target: within 2 %
  overhead  the same on a 1,024-unknown problem with a budget of one sweep, so that the fixed
            costs dominate; target: <= 100 us of overhead (median against median)
  callback  asor.solve with an on_progress callback at progress_interval=0.01 against none, on
            2D Poisson 1024^2; target: within 3 %

The two sides of each comparison run interleaved, call by call (ABAB...), in one process, and
the medians are compared, as docs/performance.md asks of every benchmark.

    PYTHONPATH=build/bench/python python3 bench/python_bench.py --bin build/bench/bin all
"""

import argparse
import ctypes
import json
import os
import statistics
import sys
import time

import numpy as np

import asor


class Baseline:
    """The C++ side: libasor_python_baseline's asor_python_baseline, called through ctypes in this
    process (the GIL is released during the call; its times are taken inside C++)."""

    def __init__(self, directory):
        path = os.path.join(directory, "libasor_python_baseline.so")
        self.lib = ctypes.CDLL(path)
        f = self.lib.asor_python_baseline
        f.restype = ctypes.c_int
        f.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_double,
                      ctypes.c_longlong, ctypes.c_double, ctypes.c_double, ctypes.c_int,
                      ctypes.c_int, ctypes.POINTER(ctypes.c_double),
                      ctypes.POINTER(ctypes.c_double), ctypes.POINTER(ctypes.c_longlong)]
        self.f = f

    def __call__(self, grid, method, threads, omega, max_sweeps, tol, calls=1,
                 progress_interval=0.1, callback=False):
        """The wall time of each of `calls` calls, in seconds."""
        seconds = (ctypes.c_double * calls)()
        solve_seconds = (ctypes.c_double * calls)()
        sweeps = (ctypes.c_longlong * calls)()
        status = self.f(grid, method.encode(), threads, omega, max_sweeps, tol,
                        progress_interval, int(callback), calls, seconds, solve_seconds, sweeps)
        if status != 0:
            raise RuntimeError(f"asor_python_baseline failed with status {status}")
        if tol <= 1e-15:  # the large runs: the whole sweep budget, as on the Python side
            assert all(s == max_sweeps for s in sweeps), list(sweeps)
        return list(seconds)


def py_solve(A, b, method, threads, omega, max_sweeps, tol, on_progress=None,
             progress_interval=0.1):
    t0 = time.perf_counter()
    r = asor.solve(A, b, method=method, threads=threads, omega=omega, max_sweeps=max_sweeps,
                   tol=tol, ordering="natural", on_progress=on_progress,
                   progress_interval=progress_interval)
    return time.perf_counter() - t0, r


def quartiles(v):
    q = statistics.quantiles(v, n=4)
    return {"q1": q[0], "median": statistics.median(v), "q3": q[2]}


def emit(record):
    print(json.dumps(record), flush=True)


def large(args):
    A = asor.poisson2d(args.grid)
    b = A @ np.ones(A.shape[0])
    for method in args.methods:
        params = dict(method=method, threads=2, omega=1.9, max_sweeps=args.sweeps, tol=1e-15)
        py, cc = [], []
        for _ in range(args.reps):
            cc += args.baseline(args.grid, **params)
            seconds, r = py_solve(A, b, **params)
            assert r.status == "max_sweeps" and r.sweeps["min"] == args.sweeps, r
            py.append(seconds)
        emit({"kind": "large", "method": method, "n": A.shape[0], "sweeps": args.sweeps,
              "reps": args.reps, "python_s": quartiles(py), "cpp_s": quartiles(cc),
              "ratio": statistics.median(py) / statistics.median(cc)})


def overhead(args):
    A = asor.poisson2d(32)
    b = A @ np.ones(A.shape[0])
    for method in args.methods:
        params = dict(method=method, threads=2, omega=1.0, max_sweeps=1, tol=1e-8)
        py, cc = [], []
        for k in range(args.calls + 50):  # one C++ call, one Python call, alternating
            c = args.baseline(32, **params)[0]
            seconds, r = py_solve(A, b, **params)
            if k >= 50:  # the first 50 warm up threads and caches
                cc.append(c)
                py.append(seconds)
        emit({"kind": "overhead", "method": method, "n": A.shape[0], "calls": len(py),
              "python_s": quartiles(py), "cpp_s": quartiles(cc),
              "overhead_us": (statistics.median(py) - statistics.median(cc)) * 1e6})


def callback(args):
    A = asor.poisson2d(args.grid)
    b = A @ np.ones(A.shape[0])
    calls = []
    for method in args.methods:
        params = dict(method=method, threads=2, omega=1.9, max_sweeps=args.sweeps, tol=1e-15)
        with_cb, without = [], []
        for _ in range(args.reps):
            seconds, r = py_solve(A, b, **params)
            without.append(seconds)
            calls.clear()
            seconds, r = py_solve(A, b, on_progress=lambda p: calls.append(p.elapsed),
                                  progress_interval=0.01, **params)
            assert r.sweeps["min"] == args.sweeps
            with_cb.append(seconds)
        emit({"kind": "callback", "method": method, "n": A.shape[0], "sweeps": args.sweeps,
              "reps": args.reps, "progress_interval": 0.01, "callbacks_last_run": len(calls),
              "with_callback_s": quartiles(with_cb), "without_s": quartiles(without),
              "ratio": statistics.median(with_cb) / statistics.median(without)})


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("what", nargs="?", default="all", choices=["all", "large", "overhead",
                                                                "callback"])
    p.add_argument("--bin", default="build/bench/bin",
                   help="where libasor_python_baseline.so is")
    p.add_argument("--grid", type=int, default=1024)
    p.add_argument("--sweeps", type=int, default=100, help="sweep budget of the large runs")
    p.add_argument("--reps", type=int, default=7)
    p.add_argument("--calls", type=int, default=2000)
    p.add_argument("--methods", default="sor,async")
    args = p.parse_args()
    args.methods = args.methods.split(",")
    args.baseline = Baseline(args.bin)
    emit({"kind": "machine", "cpus": os.cpu_count(), "python": sys.version.split()[0],
          "asor": asor.__version__, "load_average": os.getloadavg()})
    if args.what in ("all", "overhead"):
        overhead(args)
    if args.what in ("all", "large"):
        large(args)
    if args.what in ("all", "callback"):
        callback(args)


if __name__ == "__main__":
    main()
