#!/usr/bin/env python3
"""Markdown tables from the JSON reports of bench/scaling.sh.

    python3 bench/scaling_report.py OUT_DIR

Shared memory (threads_<matrix>.json): per method and thread count the median solve time, the
speedup over the same method on one thread and over sequential SOR, and the median sweeps.
Across ranks (ranks_<matrix>_<R>x<T>[_slow].json): per configuration the median solve time of async
and of block-Jacobi SOR, their ratio, and the sweeps of the median run (fewest / most over ranks).
"""
import glob
import json
import os
import re
import sys


def fmt_time(t):
    return "-" if t is None else ("%.3f" % t if t < 10 else "%.1f" % t)


def threads_table(path):
    r = json.load(open(path))
    name = os.path.basename(path)[len("threads_"):-len(".json")]
    print(f"### {name}: threads (n = {r['n']:,}, nnz = {r['nnz']:,}, tol {r['tolerance']:g}, "
          f"median of {r['repeat']})\n")
    sor = [s for s in r["summary"] if s["method"] == "sor"]
    sor_t = sor[0]["median_solve_seconds"] if sor and sor[0]["converged_runs"] else None
    if sor_t is not None:
        print(f"Sequential SOR: {fmt_time(sor_t)} s, {sor[0]['median_sweeps']:.0f} sweeps.\n")
    counts = list(r["thread_counts"])
    methods = [m for m in r["methods"] if m != "sor"]
    print("| method | " + " | ".join(f"{t} thr" for t in counts) + " | speedup 1→%d | vs SOR at %d |"
          % (counts[-1], counts[-1]))
    print("|---|" + "---:|" * (len(counts) + 2))
    for m in methods:
        rows = {s["threads"]: s for s in r["summary"] if s["method"] == m}
        cells = []
        for t in counts:
            s = rows.get(t)
            if s is None:
                cells.append("")
                continue
            ok = s["converged_runs"] == s["runs"]
            cell = fmt_time(s["median_solve_seconds"]) + f" ({s['median_sweeps']:.0f})"
            cells.append(cell if ok else cell + f" {s['converged_runs']}/{s['runs']}✗")
        first, last = rows.get(counts[0]), rows.get(counts[-1])
        scale = vs_sor = "-"
        if first and last and first["converged_runs"] and last["converged_runs"]:
            scale = "%.1f×" % (first["median_solve_seconds"] / last["median_solve_seconds"])
            if sor_t:
                vs_sor = "%.1f×" % (sor_t / last["median_solve_seconds"])
        print(f"| {m} | " + " | ".join(cells) + f" | {scale} | {vs_sor} |")
    print("\nCells: median solve time in seconds (in parentheses: the median over the repeats of "
          "the mean sweeps over the blocks); ✗: runs that did not converge.\n")


def ranks_table(name, paths, slow_factor):
    rows = []
    for p in paths:
        tag = os.path.basename(p)[len("ranks_" + name + "_"):-len(".json")]
        m = re.match(r"(\d+)x(\d+)(_slow)?$", tag)
        if not m:
            continue
        r = json.load(open(p))
        rows.append((bool(m.group(3)), int(m.group(1)) * int(m.group(2)), int(m.group(1)),
                     int(m.group(2)), r))
    if not rows:
        return
    rows.sort(key=lambda x: (x[0], x[1], -x[2]))
    r0 = rows[0][4]
    print(f"### {name}: ranks (n = {r0['n']:,}, tol {r0['tolerance']:g}, median of "
          f"{r0['repeat']})\n")
    print("| ranks × threads | slow rank | async (s) | sweeps | block-Jacobi (s) | sweeps | "
          "block-Jacobi / async |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for slow, _, ranks, threads, r in rows:
        cells = {}
        for method in ("async", "block-jacobi"):
            s = [x for x in r["summary"] if x["method"] == method]
            runs = sorted((x for x in r["runs"] if x["method"] == method),
                          key=lambda x: x["solve_seconds"])
            if not s or not runs:
                cells[method] = ("-", "-", None)
                continue
            med = runs[(len(runs) - 1) // 2]
            t = s[0]["median_solve_seconds"]
            ok = s[0]["converged_runs"] == s[0]["runs"]
            time = fmt_time(t) + ("" if ok else f" {s[0]['converged_runs']}/{s[0]['runs']}✗")
            cells[method] = (time, "%d/%d" % (med["sweeps"]["min"], med["sweeps"]["max"]),
                             t if ok else None)
        a, b = cells["async"], cells["block-jacobi"]
        ratio = "%.2f" % (b[2] / a[2]) if a[2] and b[2] else "-"
        print(f"| {ranks} × {threads} | {'1 (×' + slow_factor + ')' if slow else 'none'} | {a[0]} | "
              f"{a[1]} | {b[0]} | {b[1]} | {ratio} |")
    print("\nSweeps: of the median run, fewest / most over the blocks; ✗: runs that did not "
          "converge.\n")


out = sys.argv[1]
slow_factor = "5"  # scaling.sh's default; each run's machine.txt says its own
for machine in sorted(glob.glob(os.path.join(out, "machine*.txt"))):  # one per run of scaling.sh
    text = open(machine).read()
    m = re.search(r"slow (\S+)", text)
    slow_factor = m.group(1) if m else slow_factor
    print(f"{os.path.basename(machine)}:\n```\n" + text.strip() + "\n```\n")
for p in sorted(glob.glob(os.path.join(out, "threads_*.json"))):
    threads_table(p)
names = sorted({os.path.basename(p)[len("threads_"):-len(".json")]
                for p in glob.glob(os.path.join(out, "threads_*.json"))})
for name in names:
    ranks_table(name, sorted(glob.glob(os.path.join(out, f"ranks_{name}_*.json"))), slow_factor)
