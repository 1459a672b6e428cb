#!/usr/bin/python3
"""Turns a run of bench/run_scenarios.sh into docs/performance.md and the plots in docs/perf/.

Reads PERF/scenarios.jsonl (cases + STREAM probe), PERF/history.jsonl (residual histories),
PERF/kernels_summary.json and PERF/kernels.json (bench_kernels), PERF/machine.txt, and appends
PERF/omega.md (bench/run_omega.sh) when present.
Usage: make_report.py [--perf docs/perf] [--doc docs/performance.md]
"""
import argparse
import glob
import json
import math
import os
import statistics

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SOR_FAMILY = ["sor", "ssor", "multicolor", "block-jacobi", "async"]
METHODS = SOR_FAMILY + ["cg-diag", "cg-ichol", "ldlt", "cholmod"]


def load_jsonl(path):
    out = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    out.append(json.loads(line))
    return out


def pct(v):
    return None if v is None else 100 * v


def fmt(v, spec=".3g"):
    if v is None or (isinstance(v, float) and (math.isnan(v) or math.isinf(v))):
        return "–"
    return format(v, spec)


def pipeline_section(perf):
    """Lines of the section on pipelined sweeps (bench/pipeline_compare.sh), and its plot."""
    kpath = os.path.join(perf, "pipeline_kernels_summary.json")
    spath = os.path.join(perf, "pipeline_solves.jsonl")
    if not os.path.exists(kpath) and not os.path.exists(spath):
        return []
    L = ["## Pipelined sweeps: several SOR sweeps per pass (issue 12)\n"]
    mpath = os.path.join(perf, "pipeline_machine.txt")
    if os.path.exists(mpath):
        L.append("```\n" + open(mpath).read().strip() + "\n```\n")
    L.append("Rerun (builds the `bench` preset when needed, rewrites `docs/perf/pipeline_*` and "
             "this page):\n")
    L.append("```\nbash bench/pipeline_compare.sh\n```\n")
    L.append("`t` sweeps run in one pass over the rows, each `lag` = bandwidth + 1 rows behind the "
             "one before (docs/algorithms.md, \"Pipelined sweeps\"); the iterate is bitwise that "
             "of `t` = 1 (tests/unit/pipeline_test.cpp). Kernel table: `bench_kernels` "
             "`pipeline/<matrix>/t:<t>`, 8 forward sweeps per iteration (8 / t passes), one "
             "thread, plain access; ms per sweep = median over the repetitions (min and max in "
             "brackets); speed-up = t = 1 over t in the same run; effective bandwidth = "
             "`sweep_bytes` × sweeps / time as a fraction of the 1-thread STREAM triad "
             "(`stream_triad/1`, 3 × 512 MB) of the same run. Real matrices in RCM order.\n")
    rows = []
    if os.path.exists(kpath):
        with open(kpath) as f:
            ks = json.load(f)
        rows = ks.get("pipeline", [])
        triad = ks.get("bandwidth_GBps", {}).get("stream_triad/1", {}).get("median")
        lags = {}
        cpu_ms = {}
        kj = os.path.join(perf, "pipeline_kernels.json")
        if os.path.exists(kj):
            with open(kj) as f:
                for b in json.load(f).get("benchmarks", []):
                    if b.get("aggregate_name") == "median" and "lag" in b:
                        m = b["run_name"].split("/")[1]
                        lags[m] = (b["lag"], b.get("rows"), b.get("auto_t"))
                        # CPU time of the 8 sweeps of one iteration (ms): what the thread used
                        cpu_ms[(m, int(b["run_name"].split("t:")[1].split("/")[0]))] = (
                            b["cpu_time"] / 8.0)
        if triad:
            L.append(f"1-thread triad of this run: {fmt(triad, '.3g')} GB/s (median).\n")
        L.append("CPU columns: the thread's CPU time (Google Benchmark `cpu_time`, median), which "
                 "on a machine shared with other tenants is closer to what a quiet core gives "
                 "than the wall time.\n")
        L.append("| matrix | rows | lag | auto t | t | ms / sweep [min, max] | speed-up vs t = 1 | "
                 "GB/s | of triad | CPU ms / sweep | CPU speed-up | CPU of triad |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            lag, n, auto_t = lags.get(r["matrix"], (None, None, None))
            c = cpu_ms.get((r["matrix"], r["t"]))
            c1 = cpu_ms.get((r["matrix"], 1))
            L.append(f"| {r['matrix']} | {fmt(n, '.0f')} | {fmt(lag, '.0f')} | "
                     f"{fmt(auto_t, '.0f')} | {r['t']} | {fmt(r['ms_per_sweep'], '.4g')} "
                     f"[{fmt(r['ms_per_sweep_min'], '.4g')}, {fmt(r['ms_per_sweep_max'], '.4g')}] | "
                     f"{fmt(r['speedup_vs_t1'], '.2f')} | {fmt(r['GBps'], '.3g')} | "
                     f"{fmt(pct(r['fraction_of_triad']), '.0f')} % | {fmt(c, '.4g')} | "
                     f"{fmt(c1 / c if c and c1 else None, '.2f')} | "
                     f"{fmt(pct(r.get('cpu_time_fraction_of_triad')), '.0f')} % |")
        L.append("")
        if rows:
            mats = list(dict.fromkeys(r["matrix"] for r in rows))
            fig, ax = plt.subplots(figsize=(8, 3.5))
            width = 0.8 / 4
            for k, t in enumerate((1, 2, 4, 8)):
                ys = [next((r["fraction_of_triad"] for r in rows
                            if r["matrix"] == m and r["t"] == t), 0) or 0 for m in mats]
                ax.bar([i + (k - 1.5) * width for i in range(len(mats))], ys, width,
                       label=f"t = {t}")
            ax.axhline(1.0, color="k", lw=0.8, ls="--")
            ax.set_xticks(range(len(mats)))
            ax.set_xticklabels(mats, fontsize=8)
            ax.set_ylabel("effective bandwidth / 1-thread triad")
            ax.set_title("Forward SOR, t sweeps per pass (one thread)")
            ax.legend(fontsize=8)
            ax.grid(True, axis="y", alpha=0.3)
            fig.tight_layout()
            fig.savefig(os.path.join(perf, "pipeline_bandwidth.png"), dpi=110)
            plt.close(fig)
            L.append("![pipelined sweeps: effective bandwidth](perf/pipeline_bandwidth.png)\n")
    solves = load_jsonl(spath)
    if solves:
        L.append("Time to a true relative residual of 1e-8 on 3D Poisson 64³ (b = A·1, x0 = 0, "
                 "omega estimated, 2 threads for async and CG), the variants interleaved round "
                 "by round (`bench_scenarios --reps 1` per variant and round); medians over the "
                 "rounds, ratios of those medians.\n")
        groups = {}
        for c in solves:
            key = (c["method"], c.get("pipeline_sweeps", 1))
            groups.setdefault(key, []).append(c)
        cg = groups.get(("cg-diag", 1))
        cg_t = statistics.median(c["seconds_median"] for c in cg) if cg else None
        base = {}
        for (meth, t), cs in groups.items():
            if t == 1:
                base[meth] = statistics.median(c["seconds_median"] for c in cs)
        L.append("| method | threads | sweeps per pass | time [s] (median) | [min, max] | "
                 "sweeps / iters | converged | vs t = 1 | vs Eigen CG |")
        L.append("|---|---:|---:|---:|---:|---:|---|---:|---:|")
        for (meth, t), cs in sorted(groups.items(), key=lambda kv: (kv[0][0] == "cg-diag",
                                                                    kv[0][0], kv[0][1])):
            ts = [c["seconds_median"] for c in cs]
            med = statistics.median(ts)
            sw = statistics.median(c["sweeps_median"] for c in cs)
            conv = all(c["converged"] for c in cs)
            shown_t = "–" if meth.startswith("cg") else str(t)
            vs1 = med / base[meth] if meth in base and not meth.startswith("cg") else None
            vcg = med / cg_t if cg_t and not meth.startswith("cg") else None
            L.append(f"| {meth} | {cs[0]['threads']} | {shown_t} | {fmt(med, '.4g')} | "
                     f"[{fmt(min(ts), '.4g')}, {fmt(max(ts), '.4g')}] | {fmt(sw, '.5g')} | "
                     f"{'yes' if conv else 'no'} ({len(cs)} rounds) | {fmt(vs1, '.2f')} | "
                     f"{fmt(vcg, '.2f')} |")
        L.append("")
    L += pipeline_targets(rows, solves)
    return L


def pipeline_targets(rows, solves):
    """The issue's targets against this run, and why the missed ones are missed."""
    if not rows:
        return []
    L = ["### Targets (issue 12)\n"]
    p2 = [r for r in rows if r["matrix"] == "poisson2d:1024"]
    best2 = max((r for r in p2 if r["t"] > 1), key=lambda r: r["speedup_vs_t1"] or 0, default=None)
    t1 = next((r for r in p2 if r["t"] == 1), None)
    # Matrices whose one-sweep pass already beats the triad fit in the caches: they say nothing
    # about several sweeps exceeding one stream from memory.
    cached = sorted({r["matrix"] for r in rows if r["t"] == 1 and (r["fraction_of_triad"] or 0) >= 1.0})
    best_bw = max((r for r in rows if r["t"] > 1 and r["matrix"] not in cached),
                  key=lambda r: r["fraction_of_triad"] or 0, default=None)
    L.append("| target | measured | met? |")
    L.append("|---|---|---|")
    if best2:
        L.append(f"| sequential SOR on 2D Poisson 1024² ≥ 2.5× faster per sweep than t = 1 | best "
                 f"t = {best2['t']}: {fmt(best2['speedup_vs_t1'], '.2f')}× | "
                 f"{'yes' if best2['speedup_vs_t1'] >= 2.5 else 'no'} |")
    if best_bw:
        note = (f" (not counted: {', '.join(cached)}, above the triad at t = 1 already: it "
                f"fits in the caches)" if cached else "")
        L.append(f"| effective bandwidth ≥ 1.0× the 1-thread triad (t > 1) | best: "
                 f"{best_bw['matrix']} t = {best_bw['t']}, "
                 f"{fmt(100 * best_bw['fraction_of_triad'], '.0f')} %{note} | "
                 f"{'yes' if best_bw['fraction_of_triad'] >= 1.0 else 'no'} |")
    groups = {}
    for c in solves:
        groups.setdefault((c["method"], c.get("pipeline_sweeps", 1)), []).append(c["seconds_median"])
    cg = groups.get(("cg-diag", 1))
    asy = [(t, statistics.median(v)) for (m, t), v in groups.items() if m == "async"]
    if cg and asy:
        t_best, a_best = min(asy, key=lambda x: x[1])
        ratio = a_best / statistics.median(cg)
        L.append(f"| async, 2 threads, 3D Poisson 64³ to 1e-8 in ≤ 0.8× the time of Eigen CG "
                 f"(diagonal), 2 threads | best async (t = {t_best}): {fmt(ratio, '.2f')}× | "
                 f"{'yes' if ratio <= 0.8 else 'no'} |")
    L.append("")
    if t1:
        L.append(f"**Why.** The targets assumed a sweep bound by the x[i−1] → x[i] chain, at a "
                 f"third of the triad (the issue's AMD EPYC). On this machine one sweep per pass "
                 f"already runs at {fmt(100 * t1['fraction_of_triad'], '.0f')} % of the 1-thread "
                 f"triad on 2D Poisson 1024²: the kernel is bound by memory, not by the chain, so "
                 f"more sweeps in flight have little latency to hide, and the pass pays for "
                 f"what they add (per-row bookkeeping of the lags, a second stream of rows "
                 f"through the lag window). The window fits: for 2D 1024² at t = 4 it is about "
                 f"4 × 1025 rows × 88 B (values, columns, row pointers, x, b, the diagonal) ≈ "
                 f"360 kB against 2 MiB of L2, yet t = 4 is no faster. The real matrices after RCM (lags 271–1578) run shorter rows, "
                 f"where the bookkeeping weighs more: t > 1 is 0.7–0.84× there. The only gains "
                 f"are t = 2 on the 3D grids. The solve to 1e-8 is decided by sweep counts, "
                 f"not by the kernel: CG needs about a third of async's iterations (see the "
                 f"table), so async at 2 threads stays behind CG whatever the kernel does; "
                 f"sequential SOR with the adaptive ω (issue 11) now matches async at 2 threads "
                 f"on this problem. So `--pipeline-sweeps` defaults to 1 "
                 f"(docs/algorithms.md).\n")
    return L


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--perf", default="docs/perf")
    ap.add_argument("--doc", default="docs/performance.md")
    a = ap.parse_args()
    perf = a.perf
    rows = load_jsonl(os.path.join(perf, "scenarios.jsonl"))
    hist = load_jsonl(os.path.join(perf, "history.jsonl"))
    stream = {r["threads"]: r for r in rows if r.get("kind") == "stream"}
    cases = [r for r in rows if r.get("kind") == "case"]
    failures = [r for r in rows if r.get("kind") == "failure"]
    ks = {}
    kpath = os.path.join(perf, "kernels_summary.json")
    if os.path.exists(kpath):
        with open(kpath) as f:
            ks = json.load(f)
    machine = open(os.path.join(perf, "machine.txt")).read() if os.path.exists(
        os.path.join(perf, "machine.txt")) else "(missing)"

    matrices = []
    for c in cases:
        if c["matrix"] not in matrices:
            matrices.append(c["matrix"])
    by = {(c["matrix"], c["method"], c["threads"]): c for c in cases}
    tmax = max([c["threads"] for c in cases] + [1])

    def triad(t):
        s = stream.get(t)
        return s["triad_GBps_median"] if s else float("nan")

    def bw_frac(c):
        g = c.get("sweep_GBps")
        return g / triad(c["threads"]) if g else None

    # ---- plot 1: time to tolerance vs threads per method, one panel per matrix
    n = len(matrices)
    cols = min(3, max(1, n))
    rws = (n + cols - 1) // cols
    fig, axes = plt.subplots(rws, cols, figsize=(max(9.0, 5.2 * cols), 3.8 * rws + 0.8),
                             squeeze=False)
    for idx, mname in enumerate(matrices):
        ax = axes[idx // cols][idx % cols]
        for meth in METHODS:
            pts = [(t, by[(mname, meth, t)]) for t in range(1, tmax + 1) if (mname, meth, t) in by]
            if not pts:
                continue
            ts = [p[0] for p in pts]
            ys = [p[1]["seconds_median"] for p in pts]
            style = "-o" if meth in SOR_FAMILY else "--s"
            ax.plot(ts, ys, style, label=meth)
            for t, c in pts:
                if not c["converged"]:
                    ax.plot([t], [c["seconds_median"]], "kx", markersize=10)
        ax.set_yscale("log")
        ax.set_xticks(range(1, tmax + 1))
        ax.set_xlabel("threads")
        ax.set_ylabel("time to rel. residual 1e-8 [s]")
        ax.set_title(mname, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
    for idx in range(n, rws * cols):
        axes[idx // cols][idx % cols].axis("off")
    h, l = axes[0][0].get_legend_handles_labels()
    fig.legend(h, l, loc="lower center", ncol=min(5, len(l)), fontsize=9)
    fig.suptitle("Time to tolerance (median of repetitions; x = time cap hit / not converged)",
                 fontsize=11)
    fig.tight_layout(rect=(0, 0.12 if rws == 1 else 0.06, 1, 0.95))
    fig.savefig(os.path.join(perf, "time_vs_threads.png"), dpi=110)
    plt.close(fig)

    # ---- plot 2: residual vs time, async vs sync, per matrix with a history (first two)
    hm = []
    for h in hist:
        if h["matrix"] not in hm:
            hm.append(h["matrix"])
    hm = hm[:4]
    if hm:
        fig, axes = plt.subplots(1, len(hm), figsize=(max(8.0, 5.2 * len(hm)), 4.2),
                                 squeeze=False)
        for i, mname in enumerate(hm):
            ax = axes[0][i]
            for h in hist:
                if h["matrix"] != mname or h["method"] not in SOR_FAMILY:
                    continue
                pts = [p for p in h["points"] if p[2] is not None and p[2] > 0]
                if not pts:
                    continue
                ax.plot([p[0] for p in pts], [p[2] for p in pts],
                        label=f'{h["method"]} ({h["threads"]} thr.)')
            ax.set_yscale("log")
            ax.set_xlabel("time since the first sweep [s]")
            ax.set_ylabel("provisional relative residual")
            ax.set_title(mname, fontsize=10)
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=8)
        fig.suptitle("Residual history, asynchronous vs synchronous (last repetition)",
                     fontsize=11)
        fig.tight_layout()
        fig.savefig(os.path.join(perf, "residual_vs_time.png"), dpi=110)
        plt.close(fig)

    # ---- plot 3: bandwidth fraction per method (bars per matrix, one group per thread count)
    fig, ax = plt.subplots(figsize=(max(9, 1.8 * n + 4), 4.6))
    width = 0.8 / (len(SOR_FAMILY) * tmax)
    k = 0
    for meth in SOR_FAMILY:
        for t in range(1, tmax + 1):
            xs, ys = [], []
            for j, mname in enumerate(matrices):
                c = by.get((mname, meth, t))
                if c and bw_frac(c) is not None:
                    xs.append(j + k * width)
                    ys.append(100 * bw_frac(c))
            if xs:
                ax.bar(xs, ys, width, label=f"{meth} {t}t")
            k += 1
    ax.axhline(80, color="k", linestyle=":", label="target 80 %")
    ax.set_xticks([j + 0.4 - width / 2 for j in range(n)])
    ax.set_xticklabels(matrices, rotation=20, fontsize=8)
    ax.set_ylabel("sweep bandwidth / STREAM triad [%]")
    ax.set_title("Sweep bandwidth (sweeps x sweep_bytes / time) / STREAM triad", fontsize=11)
    ax.legend(fontsize=7, ncol=1, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(perf, "bandwidth_fraction.png"), dpi=110)
    plt.close(fig)

    # ---- the document
    L = []
    L.append("# Performance\n")
    L.append("Generated by `bench/make_report.py` from the run kept in `docs/perf/` "
             "(raw JSON: `scenarios.jsonl`, `history.jsonl`, `kernels.json`, "
             "`kernels_summary.json`; machine: `machine.txt`). Do not edit by hand: rerun.\n")
    L.append("## Machine and how to reproduce\n")
    L.append("```\n" + machine.strip() + "\n```\n")
    L.append("One command builds the `bench` preset (Release, -O3 -march=native, into "
             "`build/bench`) when needed, runs everything and rewrites this page and `docs/perf/`:\n")
    L.append("```\nbash bench/run_scenarios.sh --quick   # this report's flags are on the "
             "'command:' line above; the full run: no --quick\n```\n")
    L.append("**Caveats.** The machine has 2 cores and is shared with other tenants "
             "(see the load averages above): wall times are noisy, so every comparison below is a "
             "ratio of figures measured in the same run, medians of repetitions. **Thread scaling "
             "beyond 2 threads is not measured here** (the 16-core series is in "
             "[scaling.md](scaling.md)), and at 2 threads on a loaded 2-core machine every barrier (OpenMP "
             "regions of the synchronous schedules, Eigen's parallel SpMV) waits for a "
             "descheduled thread, so 2-thread figures here understate what a quiet machine "
             "gives.\n")

    # targets
    L.append("## Targets (issue) and what this run measured\n")
    L.append("| target | measured | met? |")
    L.append("|---|---|---|")
    bw = ks.get("bandwidth_GBps", {}) if ks else {}

    def kfrac(key, field):
        v = bw.get(key, {}).get(field)
        return v

    for key in ("sweep/plain/forward/1", "sweep/relaxed/forward/1",
                "sweep_parallel/relaxed/forward/2"):
        fw, fc = kfrac(key, "fraction_of_triad"), kfrac(key, "cpu_time_fraction_of_triad")
        if fw is None:
            continue
        ok = "yes" if fw >= 0.8 else "no"
        L.append(f"| {key}: >= 80 % of triad (2D Poisson 1024², residual included) | "
                 f"{fmt(pct(fw), '.0f')} % (wall), {fmt(pct(fc), '.0f')} % (CPU time) | {ok} |")
    p2 = [m for m in matrices if m.startswith("poisson2d")]
    for mname in matrices:
        a2, s1, b2 = (by.get((mname, "async", tmax)), by.get((mname, "sor", 1)),
                      by.get((mname, "block-jacobi", tmax)))
        if not (a2 and s1):
            continue
        r = a2["seconds_median"] / s1["seconds_median"]
        note = "" if a2["converged"] else " (async hit the cap)"
        rb = a2["seconds_median"] / b2["seconds_median"] if b2 else None
        ok = "yes" if (r <= 0.8 and a2["converged"] and (rb is None or rb <= 1.0)) else "no"
        if mname in p2 or True:
            L.append(f"| {mname}: async {tmax} thr. <= 0.8 x SOR, <= block-Jacobi {tmax} thr. | "
                     f"{fmt(r, '.2f')} x SOR, {fmt(rb, '.2f')} x block-Jacobi{note} | {ok} |")
    for mname in matrices:
        c = by.get((mname, "async", tmax))
        if c and c.get("streaming_ratio"):
            ok = "yes" if c["streaming_ratio"] <= 1.03 else "no"
            L.append(f"| {mname}: streaming overhead <= 3 % | "
                     f"{fmt(100 * (c['streaming_ratio'] - 1), '+.1f')} % | {ok} |")
    cl = ks.get("values", {}).get("cancel_latency_ms/2") if ks else None
    if cl:
        ok = "yes" if cl["max"] <= 1.0 else ("median only" if cl["median"] <= 1.0 else "no")
        L.append(f"| cancel latency <= 1 ms (2D Poisson 1000², 2 threads, {cl['count']} solves) | "
                 f"median {fmt(cl['median'], '.3g')} ms, max {fmt(cl['max'], '.3g')} ms | {ok} |")
    for mname in matrices:
        c = by.get((mname, "async", tmax))
        if c:
            model = c["csr_plus_vectors_bytes"]
            ratio = c["peak_rss_bytes"] / model
            extra = c.get("solve_peak_above_resident_bytes")
            solve = (model + extra) / model if extra is not None else None
            ok = "yes" if solve is not None and solve <= 1.3 else "no"
            L.append(f"| {mname}: peak RSS <= 1.3 x (CSR + vectors), async {tmax} thr. | "
                     f"{fmt(solve, '.2f')} x during the solves (+{fmt(extra / 1e3 if extra is not None else None, '.0f')} kB "
                     f"above the resident matrix and vectors); process peak {fmt(ratio, '.2f')} x "
                     f"(libraries, reading, harness) | {ok} |")
    # The solve alone (bench_memory): the harness's own vectors and start-up memory excluded.
    for rec in load_jsonl(os.path.join(perf, "memory.jsonl")):
        ok = "yes" if rec["ratio"] <= 1.3 else "no"
        L.append(f"| bench_memory, 2D Poisson n = {rec['n']:.0f}: solve peak <= 1.3 x "
                 f"(CSR + b, x, inv. diagonal), {rec['method']} | {rec['ratio']:.2f} x | {ok} |")
    L.append("")

    # asor compare runs (docs/perf/compare/*.json): time to tolerance per method and thread count.
    cdir = os.path.join(perf, "compare")
    cfiles = sorted(glob.glob(os.path.join(cdir, "*.json"))) if os.path.isdir(cdir) else []
    if cfiles:
        L.append("## `asor compare`: async vs synchronous, time to 1e-8\n")
        L.append("Each row: median of 9 solves from x = 0, b = A·1, omega estimated (`--omega auto`), "
                 "the repeats interleaved across the configurations; "
                 "`async/SOR` = async 2-thread time / sequential SOR time (target <= 0.8). "
                 "Command (run by `bench/run_scenarios.sh`, bench preset): `asor compare A "
                 "--methods async,sor,block-jacobi --threads 1,..,T --repeat 9 --omega auto "
                 "--max-sweeps 200000 --time-limit CAP --json F`; the load average of the run is "
                 "in the machine block above.\n")
        L.append("Row order: `--ordering auto`, the default: reverse Cuthill-McKee for async and "
                 "block-Jacobi on 2 threads where it at least halves the bandwidth, the file's order "
                 "otherwise and for SOR (column `async 2 thr. order`; docs/algorithms.md).\n")
        L.append("| matrix | n | SOR 1 thr. [s] | async 1 thr. [s] | async 2 thr. [s] | "
                 "async 2 thr. order | block-Jacobi 2 thr. [s] | async/SOR | target met |")
        L.append("|---|---:|---:|---:|---:|---|---:|---:|---|")
        for cf in cfiles:
            with open(cf) as f:
                cd = json.load(f)
            summ = {(r["method"], r["threads"]): r for r in cd["summary"]}

            def t(key):
                r = summ.get(key)
                if not r:
                    return None, "-"
                if r["converged_runs"] < r["runs"]:
                    return None, f"{r['converged_runs']}/{r['runs']} conv."
                return r["median_solve_seconds"], f"{r['median_solve_seconds']:.4g}"
            sor, sor_s = t(("sor", 1))
            a1, a1_s = t(("async", 1))
            a2, a2_s = t(("async", 2))
            b2, b2_s = t(("block-jacobi", 2))
            ratio = a2 / sor if (a2 and sor) else None
            ok = "yes" if (ratio is not None and ratio <= 0.8 and (b2 is None or a2 <= b2)) else "no"
            orders = sorted({r.get("ordering", "natural") for r in cd.get("runs", [])
                             if r["method"] == "async" and r["threads"] == 2})
            order = "/".join(orders) if orders else "-"
            L.append(f"| {os.path.basename(cd['matrix'])} | {cd['n']} | {sor_s} | {a1_s} | {a2_s} | "
                     f"{order} | {b2_s} | {fmt(ratio, '.2f')} | {ok} |")
        L.append("")

    L.append("## What was changed, and why targets are not met\n")
    L.append("""- **Kernel, chained row.** `sor_sweep` calls `relax_row_chained`: the entry of the row
  relaxed just before (column i-1 forward, i+1 backward) is summed last, so only one multiply-add
  and the update sit on the row-to-row dependency chain instead of the whole row's sum.
- **Kernel, four partial sums.** Every row sum (`row_sum` in `include/asor/sweep.hpp`: SOR, SSOR,
  async, block-Jacobi, multicolor, Jacobi, the residual) keeps four independent partial sums added
  pairwise at the end, so four products proceed at once instead of each waiting for the previous
  addition. The order is fixed by the row alone: plain and relaxed accesses still agree bit for bit.
  `sor_sweep` also works on a local copy of the view, so that GCC keeps its pointers in registers
  across the atomic stores to x. The `sweep_textbook/*` rows (one running sum over the whole row)
  and `sweep_bcsstk16/*` (59 entries per row, in cache: kernel against textbook) show the gain in
  the same run.
- **Relaxed vs plain.** GCC 12 loads a `std::atomic_ref<double>` through a general-purpose
  register (`mov` then `vmovq`), clang 14 straight into an XMM register; in cache this costs the
  relaxed sweep 10-30 % on short rows (Poisson, fv1), nothing on long rows (bcsstk16). Reading the
  worker's own entries with plain loads would avoid it but breaks the rule that every access to an
  object referenced by an `atomic_ref` goes through one ([atomics.ref.generic]); not done.
- **Bandwidth target (80 % of triad).** The kernel benchmark uses b = 1 (with b = A·1, zero in
  Poisson's interior, sweeps from x = 0 crawl through subnormal numbers and run 3x slower; the
  scenario runs use b = A·1 for a known solution, so their early sweeps on Poisson pay that). The
  VM reports a 260 MB L3 shared with other tenants, larger than the ~100 MB a 2D Poisson 1024²
  sweep touches, so a single-threaded sweep can exceed the DRAM triad: compare the "96 MB triad"
  row, the same footprint as the sweep.
- **Async fixed costs.** The solving thread no longer waits for the coordinator's thread before
  starting the workers (on this VM that wait took 1-3 ms in about half of the solves: a new thread
  lands on an idle virtual CPU), and workers ask the coordinator for a tick as soon as the sum of
  their last pass residuals passes the tolerance, instead of waiting up to two 200 µs periods.
- **async vs sequential SOR** (the `asor compare` table). With omega = 1 asynchronous block SOR is
  block Gauss-Seidel and needs ~20x the sweeps of SOR with the optimal omega on Poisson; async and
  block-Jacobi therefore run with the estimated omega too. The compare JSON files keep every run's
  sweeps. On this shared VM the 2-thread figures of the small matrices (solves of 1-40 ms) move a
  lot from one run to the next: when one worker is descheduled the other sweeps against stale
  values, and the sweep count grows (fv1: 37-57 sweeps for SOR's 34).
- **How much the table above moves.** The `asor compare` ratios of one run are medians, but on
  this shared VM whole runs differ: the afternoon of 2026-11-21 gave, over 9 runs of the same
  tables (6 quick-report runs and 3 passes of the compare step alone, after the RCM change),
  async 2 thr. / SOR = Poisson 256² 0.71-0.98 (<= 0.8 in 5 of 9), bcsstk16 0.59-0.82 (8 of 9),
  bodyy4 0.63-1.29 (6 of 9), bodyy5 0.62-1.39 (4 of 9), fv1 0.72-1.58 (3 of 9), fv2 0.68-0.99
  (2 of 9), gr_30_30 0.61-1.70 (1 of 9), 1138_bus 0.95-2.16 (0 of 9), mesh2e1 2.0-5.1 (never)
  and nos6 1.5-2.8 (never; in 3 of the 9 runs some async repeats did not converge). The
  morning's four runs (before the RCM change, on a quieter machine) gave Poisson 256² 0.69-0.76,
  bcsstk16 0.56-0.67, fv1 0.74-1.33, fv2 0.74-1.23. The 2-thread solves of a few milliseconds
  move most: a descheduled worker leaves the other sweeping against stale values (fv1: 38-53 sweeps
  for SOR's 34), and waking an idle virtual CPU costs up to milliseconds.
- **Row order (reverse Cuthill-McKee).** Each worker owns a contiguous half of the rows; the
  entries coupling the halves are where a worker reads values a sweep old. Finite element meshes
  and networks numbered as their files give them couple the halves everywhere (bodyy5: 1663
  entries between the halves, bandwidth 17831). `--ordering auto` (the default) renumbers the rows
  by reverse Cuthill-McKee (Boost.Graph) for async and block-Jacobi on 2+ threads when that at least
  halves the bandwidth (bodyy5: 476 entries, bandwidth 300). Measured in one run,
  `asor compare M --methods async,sor,block-jacobi --threads 2 --repeat 5 --omega auto
  --ordering auto|natural`: bodyy5 async 577 -> 345 sweeps, async/SOR 1.23 -> 0.73; 1138_bus
  0 of 5 converged within 200 000 sweeps -> 4 of 5 at 39 082 sweeps (async/SOR 1.04); mesh2e1
  90 -> 76 sweeps. Sequential SOR keeps the file's order: in RCM order neighbours are numbered
  consecutively, which lengthens its row-to-row dependency chain (bodyy4: 1.5x slower per sweep).
  The reordered solve owns one permuted copy of the matrix (docs/algorithms.md).
- **Where async at 2 threads still loses**: gr_30_30 and mesh2e1 (a few hundred rows, the whole
  solve under a millisecond: the handshakes with the coordinator's thread, the confirmation pass
  and the verification are a large share), and the very ill-conditioned nos6 and 1138_bus (omega
  1.99 and 1.96), where the two halves coupled asynchronously need 1.2-2.4x the sweeps of
  sequential SOR (nos6: 93 000-125 000 against 53 000) or diverge in some runs; no asynchronous
  convergence theory covers omega that close to 2 (docs/async_convergence.md).
- **Synchronous parallel schedules at 2 threads** (multicolor, block-Jacobi, Eigen CG): each sweep
  or color ends in an OpenMP barrier; on a shared 2-core VM a barrier waits for a descheduled
  thread. Not changed.
- **Cancel latency** is measured from the coordinator's decision to the return of the last worker.
  Workers poll the stop token every 4096 rows (~20-40 µs of work).
- **Peak memory.** The target rows take the solves' own peak: VmHWM reset before the solves of a
  thread count, minus the RSS then (matrix, b, x already resident), plus the model. The omega
  estimate used to keep its whole Lanczos basis (81 vectors of n: 6.2 MB for fv1, a 1.1 MB matrix);
  it now does so only when the basis is small against the matrix (src/asor/spectral.cpp). Since
  the row order became automatic, async and block-Jacobi on 2+ threads also run the reverse
  Cuthill-McKee search once per engine to decide (about 13 bytes per row, freed before the solve:
  +12.6 MB on 2D Poisson 1024², whose matrix is 65 MB; `--ordering natural` skips it), and a
  reordered solve keeps one permuted copy of the matrix (the one copy the target allows) plus
  permuted b and x. On 2D Poisson 256² the solves' peak above the model (+2.7 MB measured) comes
  from the omega estimate's four vectors (2 MB), the RCM search (0.9 MB, freed before the estimate
  runs) and the fallback's copy of x (0.5 MB). What is left on
  small matrices is fixed: thread stacks, the workers' result rings (256 kB each) and the
  allocator's per-thread arenas, a few hundred kB whatever the matrix. `bench_memory` measures the
  large 2D Poisson case on its own.
- **Thread scaling beyond 2 threads is not measured by this run**: its machine has 2 cores. A
  16-core machine was lent once: the 1..16-thread and 1..16-rank series are in
  [scaling.md](scaling.md) (`bench/scaling.sh`).
""")

    # kernels
    if ks:
        bw = ks.get("bandwidth_GBps", {})
        vals = ks.get("values", {})
        L.append("## Kernels (bench_kernels, 2D Poisson 1024², 1,048,576 rows)\n")
        L.append("Bandwidth = `csr_view::sweep_bytes` (12 B per entry + 36 B per row) per sweep / "
                 "time. Fractions are of the STREAM triad measured in the same program at the "
                 "same thread count (3 arrays far larger than the LLC); the CPU-time columns "
                 "divide by the thread's CPU time instead of wall time, which removes most of "
                 "the other tenants' effect on single-threaded figures.\n")
        L.append("| kernel / threads | GB/s (wall) | of triad | GB/s (CPU time) | of triad (CPU time) | samples |")
        L.append("|---|---:|---:|---:|---:|---:|")
        for k, v in bw.items():
            L.append(f"| {k} | {fmt(v['median'])} | {fmt(pct(v['fraction_of_triad']), '.0f')} % | "
                     f"{fmt(v.get('cpu_time_GBps'))} | "
                     f"{fmt(pct(v.get('cpu_time_fraction_of_triad')), '.0f')} % | "
                     f"{len(v['samples'])} |")
        L.append("")
        L.append("| value | median | max | count |")
        L.append("|---|---:|---:|---:|")
        for k, v in vals.items():
            L.append(f"| {k} | {fmt(v['median'], '.4g')} | {fmt(v['max'], '.4g')} | {v['count']} |")
        L.append("")
        # atomic cost and publish from kernels.json
        kj = os.path.join(perf, "kernels.json")
        if os.path.exists(kj):
            with open(kj) as f:
                bj = json.load(f)
            med = {}
            for b in bj.get("benchmarks", []):
                if b.get("aggregate_name") == "median":
                    med[b["run_name"]] = b
            L.append("Medians from `kernels.json` (Google Benchmark):\n")
            L.append("| benchmark | real time | CPU time | counters |")
            L.append("|---|---:|---:|---|")
            for name, b in med.items():
                extra = ", ".join(f"{k}={fmt(b[k], '.4g')}" for k in
                                  ("ns_per_row", "GBps", "median_latency_ms", "max_latency_ms",
                                   "dropped_fraction") if k in b)
                L.append(f"| {name} | {fmt(b['real_time'], '.4g')} {b['time_unit']} | "
                         f"{fmt(b['cpu_time'], '.4g')} {b['time_unit']} | {extra} |")
            L.append("")

    L.extend(pipeline_section(perf))

    # stream
    L.append("## STREAM probe of the scenario run\n")
    L.append("| threads | triad GB/s (median) | triad GB/s (max) | copy GB/s |")
    L.append("|---:|---:|---:|---:|")
    for t, s in sorted(stream.items()):
        L.append(f"| {t} | {fmt(s['triad_GBps_median'])} | {fmt(s['triad_GBps_max'])} | "
                 f"{fmt(s['copy_GBps_median'])} |")
    L.append("")

    # scenario tables
    L.append("## Scenarios\n")
    L.append("Each case solves A x = b with b = A·1 from x = 0 to a true relative residual of "
             "1e-8, with a time cap (reason `time_limit` = the cap was hit: the time shown is the "
             "cap, not a time to tolerance). omega: estimated (Lanczos) for every SOR-type "
             "method; for async and block-Jacobi the estimate too, with the omega-1 fallback "
             "on divergence (`fallback_policy::omega_one`): with omega = 1 neither reaches 1e-8 "
             "on 2D Poisson in any useful time. Speed-up = time at 1 thread / time at t threads "
             "(same method). async/SOR = async time / sequential SOR time. Bandwidth = "
             "sweeps × sweep_bytes / time / triad at the same thread count (time includes the "
             "verification and, for async, the coordinator). Peak RSS is the process's maximum "
             "(one process per matrix × method, all thread counts); model = CSR (12 B/entry + "
             "4 B/row) + x, b, inverse diagonal.\n")
    L.append("![time to tolerance vs threads](perf/time_vs_threads.png)\n")
    L.append("![residual vs time](perf/residual_vs_time.png)\n")
    L.append("![bandwidth fraction](perf/bandwidth_fraction.png)\n")
    for mname in matrices:
        c0 = next(c for c in cases if c["matrix"] == mname)
        L.append(f"### {mname} (n = {c0['n']:,}, nnz = {c0['nnz']:,})\n")
        L.append("| method | threads | time [s] | sweeps / iters | true residual | reason | omega | "
                 "bandwidth of triad | speed-up | async/SOR | cancel latency [ms] | "
                 "peak RSS [MB] | RSS / model |")
        L.append("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|")
        sor1 = by.get((mname, "sor", 1))
        for meth in METHODS:
            for t in range(1, tmax + 1):
                c = by.get((mname, meth, t))
                if not c:
                    continue
                one = by.get((mname, meth, 1))
                sp = one["seconds_median"] / c["seconds_median"] if one else None
                ratio = (c["seconds_median"] / sor1["seconds_median"]
                         if meth == "async" and sor1 else None)
                bf = bw_frac(c)
                lat = c.get("cancel_latency_max_s")
                rss = c["peak_rss_bytes"]
                L.append(
                    f"| {meth} | {t} | {fmt(c['seconds_median'], '.4g')} | "
                    f"{fmt(c['sweeps_median'], '.5g')} | {fmt(c['true_residual_max'], '.2e')} | "
                    f"{c['reason']} | {fmt(c['omega'], '.4g')} | "
                    f"{fmt(100 * bf, '.0f') + ' %' if bf else '–'} | {fmt(sp, '.2f')} | "
                    f"{fmt(ratio, '.2f')} | {fmt(1e3 * lat if lat else None, '.3g')} | "
                    f"{fmt(rss / 1e6, '.1f')} | {fmt(rss / c['csr_plus_vectors_bytes'], '.2f')} |")
        L.append("")
    if failures:
        L.append("Failed runs: " + ", ".join(f"{f['matrix']} {f['method']}" for f in failures) + "\n")

    # streaming
    L.append("## Streaming overhead\n")
    L.append("Async at the highest thread count with a progress callback on every provisional "
             "result (`progress_interval_seconds = 0`) vs no callback; the two are interleaved "
             "run by run; ratio of medians.\n")
    L.append("| matrix | with callbacks [s] (median) | without [s] (median) | ratio | callbacks |")
    L.append("|---|---:|---:|---:|---:|")
    for mname in matrices:
        c = by.get((mname, "async", tmax))
        if c and c.get("streaming_ratio"):
            L.append(f"| {mname} | {fmt(statistics.median(c['with_callbacks_s']), '.4g')} | "
                     f"{fmt(statistics.median(c['without_callbacks_s']), '.4g')} | "
                     f"{fmt(c['streaming_ratio'], '.3f')} | {c['streaming_callbacks']} |")
    L.append("")

    # omega = auto (bench/run_omega.sh writes omega.md through bench/omega_report.py)
    omega_md = os.path.join(perf, "omega.md")
    if os.path.exists(omega_md):
        with open(omega_md) as f:
            L.append(f.read().rstrip("\n") + "\n")

    # Sections written by hand after the marker (measurements of other programs) are kept.
    marker = "<!-- Written by hand below this line: bench/make_report.py keeps it as it is. -->"
    kept = ""
    if os.path.exists(a.doc):
        old = open(a.doc).read()
        if marker in old:
            kept = "\n" + old[old.index(marker):]
    with open(a.doc, "w") as f:
        f.write("\n".join(L) + "\n" + kept)
    print("wrote", a.doc)


if __name__ == "__main__":
    main()
