#!/usr/bin/env python3
"""Draw the pictures of `asor compare --plot F` from its JSON report (schema asor.compare/2).

Usage: asor_plot.py REPORT.json OUT.png|OUT.pdf|OUT.svg

The format is the output's extension: .pdf and .svg are vector graphics (text kept as text).

Left: median time to tolerance per method and thread count (bars), the range over the repeats
as error bars and every repeat as a dot, the direct solve's median as a dashed line; the time axis
is logarithmic when the values span a decade or more. Middle: parallel speedup T(1)/T(t) of each
parallel method against the thread count, with the ideal line T(1)/T(t) = t. Right: the residual
estimate against time for the median run of each configuration (log scale; every provisional
result of an asynchronous solve, so a short one keeps its curve), verified true residuals as dots,
and the tolerance. Exit status: 0 drawn, 2 bad arguments or report, 3 matplotlib missing.
"""

import json
import sys

FORMATS = (".png", ".pdf", ".svg")


def fail(message, status=2):
    print(f"asor_plot.py: error: {message}", file=sys.stderr)
    sys.exit(status)


def positive(values):
    return [v for v in values if v is not None and v > 0]


def main(argv):
    if len(argv) != 3:
        fail("usage: asor_plot.py REPORT.json OUT.png|OUT.pdf|OUT.svg")
    out = argv[2]
    if not out.lower().endswith(FORMATS):
        fail(f"{out}: the format comes from the extension: .png, .pdf or .svg")
    try:
        import matplotlib

        matplotlib.use("Agg")
        matplotlib.rcParams["svg.fonttype"] = "none"  # SVG text stays text (searchable, editable)
        matplotlib.rcParams["pdf.fonttype"] = 42  # TrueType in PDF: editable in a paper's figure
        import matplotlib.pyplot as plt
    except ImportError:
        fail(f"matplotlib is not installed for {sys.executable} "
             "(apt-get install python3-matplotlib)", 3)

    try:
        with open(argv[1], encoding="utf-8") as f:
            report = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"cannot read {argv[1]}: {e}")
    if report.get("schema") not in ("asor.compare/1", "asor.compare/2"):
        fail(f"{argv[1]}: not an asor.compare report")

    summary = [s for s in report.get("summary", []) if s.get("runs", 0) > 0]
    if not summary:
        fail(f"{argv[1]}: no runs to plot")
    runs = report.get("runs", [])

    methods = []
    for s in summary:
        if s["method"] not in methods:
            methods.append(s["method"])
    threads = sorted({s["threads"] for s in summary})
    cmap = plt.get_cmap("tab10")
    color = {m: cmap(i % 10) for i, m in enumerate(methods)}
    styles = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1))]
    style = {t: styles[i % len(styles)] for i, t in enumerate(threads)}

    fig, (ax_time, ax_speed, ax_res) = plt.subplots(
        1, 3, figsize=(21, 6.4), gridspec_kw={"width_ratios": [1.1, 0.8, 1.3]})
    name = report.get("matrix", "").split("/")[-1]
    tol = report.get("tolerance")
    repeat = report.get("repeat")
    fig.suptitle(f"asor compare: {name}  (n = {report.get('n')}, nnz = {report.get('nnz')}, "
                 f"tol = {tol:g}, {repeat} repeats)", fontsize=12)

    # Left: grouped bars, one group per thread count; error bars min-max, dots the repeats.
    width = 0.8 / max(1, len(methods))
    times = []
    for mi, m in enumerate(methods):
        xs, ys, lo, hi, hatches = [], [], [], [], []
        for ti, t in enumerate(threads):
            for s in summary:
                if s["method"] != m or s["threads"] != t or not s.get("median_solve_seconds"):
                    continue
                x = ti - 0.4 + width * (mi + 0.5)
                med = s["median_solve_seconds"]
                xs.append(x)
                ys.append(med)
                lo.append(med - (s.get("min_solve_seconds") or med))
                hi.append((s.get("max_solve_seconds") or med) - med)
                hatches.append(s["converged_runs"] < s["runs"])
                each = [r["solve_seconds"] for r in runs
                        if r["method"] == m and r["threads"] == t and r.get("solve_seconds")]
                times.extend(each)
                ax_time.plot([x] * len(each), each, linestyle="none", marker="o", markersize=3,
                             markerfacecolor="white", markeredgecolor="black", zorder=3)
        if not xs:
            continue
        times.extend(ys)
        label = m + (" (sequential)" if any(s["method"] == m and s["sequential"] for s in summary)
                     else "")
        bars = ax_time.bar(xs, ys, width=width * 0.95, color=color[m], label=label,
                           yerr=[lo, hi], capsize=3, error_kw={"elinewidth": 1})
        for bar, unconverged in zip(bars, hatches):
            if unconverged:
                bar.set_hatch("//")
                bar.set_edgecolor("black")
    direct = report.get("direct")
    if direct and direct.get("median_seconds"):
        ax_time.axhline(direct["median_seconds"], color="black", linestyle="--", linewidth=1.2,
                        label=f"direct solve ({direct['solver']}), with factorization")
        times.append(direct["median_seconds"])
    ax_time.set_xticks(range(len(threads)))
    ax_time.set_xticklabels([str(t) for t in threads])
    ax_time.set_xlabel("threads")
    ax_time.set_ylabel("time to tolerance [s]")
    pos = positive(times)
    if pos and max(pos) / min(pos) >= 10:
        ax_time.set_yscale("log")
    ax_time.set_title("time to tolerance: median, min-max bars, dots: repeats\n"
                      "(hatched: did not converge)", fontsize=10)
    ax_time.grid(axis="y", which="both", alpha=0.3)
    ax_time.legend(fontsize=8)

    # Middle: speedup T(1)/T(t) of the parallel methods, with the ideal line.
    drawn = False
    for m in methods:
        pts = []
        for s in summary:
            if s["method"] != m or s.get("sequential"):
                continue
            sp = s.get("speedup_vs_one_thread")
            if sp is None:
                one = [o for o in summary if o["method"] == m and o["threads"] == 1]
                if one and one[0].get("median_solve_seconds") and s.get("median_solve_seconds") \
                        and one[0]["converged_runs"] == one[0]["runs"] \
                        and s["converged_runs"] == s["runs"]:
                    sp = one[0]["median_solve_seconds"] / s["median_solve_seconds"]
            if sp is not None:
                pts.append((s["threads"], sp))
        if len(pts) >= 1:
            pts.sort()
            ax_speed.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", color=color[m],
                          label=m)
            drawn = True
    top = max(threads) if threads else 1
    ax_speed.plot([1, top], [1, top], color="gray", linestyle=":", label="ideal: T(1)/T(t) = t")
    ax_speed.set_xlabel("threads t")
    ax_speed.set_ylabel("speedup T(1) / T(t)")
    ax_speed.set_xticks(threads)
    ax_speed.set_title("parallel speedup (median times)" if drawn
                       else "parallel speedup (no method ran at 1 thread and more)", fontsize=10)
    ax_speed.grid(which="both", alpha=0.3)
    ax_speed.legend(fontsize=8)

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
    positive_ends = positive(ends)
    if positive_ends and max(positive_ends) / min(positive_ends) >= 10:
        ax_res.set_xscale("log")
    ax_res.set_xlabel("time since the solve began [s]")
    ax_res.set_ylabel("relative residual ||b - Ax|| / ||b||  (estimate; dots: verified)")
    ax_res.set_title("convergence (median run)", fontsize=10)
    ax_res.grid(which="both", alpha=0.3)
    ax_res.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0,
                  ncol=2 if len(summary) > 16 else 1)

    fig.tight_layout(rect=(0, 0, 1, 0.95))
    try:
        fig.savefig(out, dpi=120)
    except (OSError, ValueError) as e:
        fail(f"cannot write {out}: {e}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
