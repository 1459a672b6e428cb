#!/usr/bin/env python3
"""Draw the pictures of `asor compare --plot F.png` from its JSON report (schema asor.compare/1).

Usage: asor_plot.py REPORT.json OUT.png

Left panel: median time to tolerance per method and thread count (bars), with the direct
solve's time as a dashed line. Right panel: provisional residual estimate against time for the
median run of each configuration (log scale), verified true residuals as markers, and the
tolerance. Exit status: 0 drawn, 2 bad arguments or report, 3 matplotlib missing.
"""

import json
import math
import sys


def fail(message, status=2):
    print(f"asor_plot.py: error: {message}", file=sys.stderr)
    sys.exit(status)


def main(argv):
    if len(argv) != 3:
        fail("usage: asor_plot.py REPORT.json OUT.png")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        fail(f"matplotlib is not installed for {sys.executable} "
             "(apt-get install python3-matplotlib)", 3)

    try:
        with open(argv[1], encoding="utf-8") as f:
            report = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"cannot read {argv[1]}: {e}")
    if report.get("schema") != "asor.compare/1":
        fail(f"{argv[1]}: not an asor.compare/1 report")

    summary = [s for s in report.get("summary", []) if s.get("runs", 0) > 0]
    if not summary:
        fail(f"{argv[1]}: no runs to plot")

    methods = []
    for s in summary:
        if s["method"] not in methods:
            methods.append(s["method"])
    threads = sorted({s["threads"] for s in summary})
    cmap = plt.get_cmap("tab10")
    color = {m: cmap(i % 10) for i, m in enumerate(methods)}
    styles = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1))]
    style = {t: styles[i % len(styles)] for i, t in enumerate(threads)}

    fig, (ax_time, ax_res) = plt.subplots(1, 2, figsize=(16, 6.2),
                                         gridspec_kw={"width_ratios": [1, 1.25]})
    name = report.get("matrix", "").split("/")[-1]
    tol = report.get("tolerance")
    fig.suptitle(f"asor compare: {name}  (n = {report.get('n')}, nnz = {report.get('nnz')}, "
                 f"tol = {tol:g}, median of {report.get('repeat')} runs)", fontsize=12)

    # Left: grouped bars, one group per thread count, one bar per method present there.
    width = 0.8 / max(1, len(methods))
    times = []
    for mi, m in enumerate(methods):
        xs, ys, hatches = [], [], []
        for ti, t in enumerate(threads):
            for s in summary:
                if s["method"] == m and s["threads"] == t and s["median_solve_seconds"]:
                    xs.append(ti - 0.4 + width * (mi + 0.5))
                    ys.append(s["median_solve_seconds"])
                    hatches.append(s["converged_runs"] < s["runs"])
        if not xs:
            continue
        times.extend(ys)
        label = m + (" (sequential)" if any(s["method"] == m and s["sequential"] for s in summary)
                     else "")
        bars = ax_time.bar(xs, ys, width=width * 0.95, color=color[m], label=label)
        for bar, unconverged in zip(bars, hatches):
            if unconverged:
                bar.set_hatch("//")
                bar.set_edgecolor("black")
    direct = report.get("direct")
    if direct and direct.get("median_seconds"):
        ax_time.axhline(direct["median_seconds"], color="black", linestyle="--", linewidth=1.2,
                        label=f"direct solve ({direct['solver']})")
        times.append(direct["median_seconds"])
    ax_time.set_xticks(range(len(threads)))
    ax_time.set_xticklabels([str(t) for t in threads])
    ax_time.set_xlabel("threads")
    ax_time.set_ylabel("median time to tolerance [s]")
    positive = [t for t in times if t and t > 0]
    if positive and max(positive) / min(positive) > 30:
        ax_time.set_yscale("log")
    ax_time.set_title("time to tolerance (hatched: did not converge)")
    ax_time.grid(axis="y", which="both", alpha=0.3)
    ax_time.legend(fontsize=9)

    # Right: residual estimate over time.
    ends = []
    for s in summary:
        curve = s.get("curve") or {}
        t = curve.get("seconds", [])
        r = curve.get("provisional_residual", [])
        pts = [(a, b) for a, b in zip(t, r) if b is not None and b > 0 and a is not None]
        if not pts:
            continue
        ends.append(pts[-1][0])
        label = f"{s['method']}, {s['threads']} thread{'s' if s['threads'] != 1 else ''}"
        ax_res.plot([p[0] for p in pts], [p[1] for p in pts], color=color[s["method"]],
                    linestyle=style[s["threads"]], linewidth=1.5, label=label)
        vt = curve.get("verified_seconds", [])
        vr = curve.get("verified_residual", [])
        vpts = [(a, b) for a, b in zip(vt, vr) if b is not None and b > 0]
        if vpts:
            ax_res.plot([p[0] for p in vpts], [p[1] for p in vpts], linestyle="none", marker="o",
                        markersize=4, color=color[s["method"]])
    if tol:
        ax_res.axhline(tol, color="gray", linestyle=":", linewidth=1.2, label=f"tolerance {tol:g}")
    ax_res.set_yscale("log")
    positive_ends = [e for e in ends if e and e > 0]
    if positive_ends and max(positive_ends) / min(positive_ends) > 50:
        ax_res.set_xscale("log")
    ax_res.set_xlabel("time since the solve began [s]")
    ax_res.set_ylabel("relative residual ||b - Ax|| / ||b||  (estimate; dots: verified)")
    ax_res.set_title("convergence (median run)")
    ax_res.grid(which="both", alpha=0.3)
    ax_res.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0,
                  ncol=2 if len(summary) > 16 else 1)

    fig.tight_layout(rect=(0, 0, 1, 0.95))
    try:
        fig.savefig(argv[2], dpi=120)
    except OSError as e:
        fail(f"cannot write {argv[2]}: {e}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
