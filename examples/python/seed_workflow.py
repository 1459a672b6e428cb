"""The seed's workflow with asor: a CSV triplet system, asynchronous against sequential SOR, a
sweep over thread counts, and a figure of time against threads and residual against time.

    python3 seed_workflow.py A.csv --rhs b.csv --threads 8 --out workflow.png
    python3 seed_workflow.py --grid 32 --threads 2      # makes its own CSV system first

A.csv holds one `row,col,value` per line (0-based, both triangles of the symmetric matrix, `#`
comments), b.csv one value per line: the files of the notebook this project descends from, which
loaded them into scipy CSR and swept OMP_NUM_THREADS. Here the thread count is an argument of the
solve, and the residual history is the live stream of provisional estimates that on_progress
receives while each solve runs. Run by ctest (example.python.seed_workflow) on a small matrix with
matplotlib's Agg backend.
"""

import argparse
import os
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")  # no display needed: the figure goes to a file
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import asor  # noqa: E402


def write_csv_system(directory, grid):
    """A 2D Poisson system as the seed's CSV files; returns their paths."""
    A = asor.poisson2d(grid)
    coo = A.tocoo()
    matrix = os.path.join(directory, "A.csv")
    with open(matrix, "w") as f:
        f.write("# row,col,value (0-based)\n")
        for i, j, v in zip(coo.row, coo.col, coo.data):
            f.write(f"{i},{j},{v!r}\n")
    rhs = os.path.join(directory, "b.csv")
    np.savetxt(rhs, A @ np.ones(A.shape[0]), fmt="%.17g")
    return matrix, rhs


def watched_solve(A, b, **options):
    """asor.solve with its live stream of provisional residuals collected by on_progress."""
    samples = []

    def on_progress(p):
        if p.provisional_residual is not None:  # None until every block has reported
            samples.append((p.elapsed, p.provisional_residual))

    r = asor.solve(A, b, on_progress=on_progress, progress_interval=0.002, **options)
    return r, samples


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("matrix", nargs="?", help="triplet CSV file (row,col,value; 0-based)")
    parser.add_argument("--rhs", help="right-hand side, one value per line")
    parser.add_argument("--grid", type=int, default=64,
                        help="without a matrix: a Poisson problem on this grid (default 64)")
    parser.add_argument("--threads", type=int, default=asor.default_threads(),
                        help="largest thread count of the sweep (default: asor's default)")
    parser.add_argument("--tol", type=float, default=1e-8)
    parser.add_argument("--out", default="seed_workflow.png", help="the figure (PNG)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        if args.matrix is None:
            args.matrix, args.rhs = write_csv_system(scratch, args.grid)
        if args.rhs is None:
            parser.error("--rhs is needed with a matrix file")
        A, b = asor.read_triplet(args.matrix, b=args.rhs)
    print(f"system: n = {A.shape[0]}, nnz = {A.nnz}")
    x_direct = asor.reference_solve(A, b, kind="ldlt")

    # Asynchronous against sequential SOR, both with the estimated omega, watched live.
    histories = {}
    for method, threads in (("async", args.threads), ("sor", 1)):
        r, samples = watched_solve(A, b, method=method, threads=threads, tol=args.tol)
        error = np.linalg.norm(r.x - x_direct) / np.linalg.norm(x_direct)
        print(f"{method:6s} {threads} thread(s): {r.status}, {r.sweeps['min']} sweeps, omega "
              f"{r.omega:.4f}, {r.solve_seconds * 1e3:.1f} ms, residual {r.residual:.2e}, "
              f"error vs LDLT {error:.2e}, {len(samples)} live samples")
        if not r.converged:
            return f"{method} did not converge: {r.report['stop_reason']}"
        histories[f"{method} ({threads} thread{'s' if threads > 1 else ''})"] = samples

    # The threads sweep (the seed swept OMP_NUM_THREADS; here it is an argument).
    counts = list(range(1, max(1, args.threads) + 1))
    seconds = []
    for t in counts:
        r = asor.solve(A, b, method="async", threads=t, tol=args.tol)
        if not r.converged:
            return f"async on {t} threads did not converge: {r.report['stop_reason']}"
        seconds.append(r.solve_seconds)
        print(f"async, {t} thread(s): {r.solve_seconds * 1e3:.1f} ms")

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    left.plot(counts, seconds, "o-")
    left.set_xlabel("threads")
    left.set_ylabel("solve time (s)")
    left.set_title("asynchronous SOR")
    left.set_xticks(counts)
    for label, samples in histories.items():
        if samples:
            t, res = zip(*samples)
            right.semilogy(t, res, ".-", label=label)
    right.axhline(args.tol, color="gray", linestyle=":", label="tolerance")
    right.set_xlabel("time (s)")
    right.set_ylabel("provisional relative residual")
    right.set_title("live stream (on_progress)")
    right.legend()
    fig.savefig(args.out, dpi=100)
    print(f"figure: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
