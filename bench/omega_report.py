#!/usr/bin/python3
"""Turns a run of bench/run_omega.sh into PERF/omega.md, the omega section of docs/performance.md.

Reads PERF/omega.jsonl (one record per matrix from bench_omega), PERF/omega_async.jsonl (when
present: a later rerun of the asynchronous columns only, preferred), PERF/omega_1024.jsonl (the
estimate's cost on 2D Poisson 1024^2) and PERF/omega_machine.txt.
Usage: omega_report.py [--perf docs/perf]
"""
import argparse
import json
import os

# Why a matrix misses a target, from the analysis of its runs (docs/algorithms.md has the
# background). Keyed by matrix; shown next to the matrix when it appears in a miss list.
WHY = {
    "ex5.mtx": "no grid omega reaches 1e-8 in 400,000 sweeps either: lambda_min(D^-1 A) = 7.4e-8 "
    "with a cluster of tiny eigenvalues; SOR is hopeless here",
    "plat362.mtx": "no grid omega reaches 1e-8 in 400,000 sweeps either: lambda_min(D^-1 A) = 2.1e-11 "
    "(condition 1.8e11 after Jacobi scaling)",
    "nos1.mtx": "lambda_min = 5.1e-7 is far below what 100 sweeps of Lanczos resolve (1.6e-4): the start "
    "omega 1.964 is slow (fixed: 199,191 sweeps) and the controller needs two measured phases "
    "(thousands of sweeps at this rate) to reach the optimum 1.998",
    "bcsstk18.mtx": "not consistently ordered: the lambda_min rule with the true lambda_min gives 1.975 "
    "while the best omega is 1.90; the controller's first raise (Young) made things worse and was "
    "taken back, which cost the sweeps spent measuring it",
    "bcsstk20.mtx": "asynchronous: at its grid's best omega (1.998) it needs 316,612 to 400,000 "
    "sweeps in the runs here, and sequential SOR 164,997 at its best; the parallel rule keeps "
    "omega at 1.95 and never raises it, so it is still short of 1e-8 after 400,000 sweeps "
    "(sequential SOR under auto converges: the controller raised omega to 1.9996)",
    "bcsstk13.mtx": "not consistently ordered: the best omega (1.93-1.95) lies far below the lambda_min "
    "rule's 1.992; the residual history is erratic, so the measured rates of nearby omegas cannot "
    "be told apart",
}


def load_jsonl(path):
    out = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    out.append(json.loads(line))
    return out


def fmt(v, spec):
    return "–" if v is None else format(v, spec)


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def sweeps_of(run):
    """Sweeps of a converged run, else None."""
    return run["sweeps"] if run and run.get("converged") else None


def cell(run, with_omega=True):
    if not run:
        return "–"
    s = f"{run['sweeps']:,}" if run.get("converged") else f"> {run['sweeps']:,}"
    if with_omega:
        s += f" ({run['omega']:.4g})"
    return s


def best_of(grid):
    return grid.get("best") if grid else None


def grid_cell(grid, auto):
    """The grid best, or "no better than auto" when no grid omega beat auto's sweeps."""
    if not grid:
        return "–"
    b = grid.get("best")
    if b:
        return cell(b) + ("" if grid.get("complete", True) else " ‡")
    if auto and auto.get("converged") and grid.get("first_cap") == auto["sweeps"]:
        return f"none < {auto['sweeps']:,}" + ("" if grid.get("complete", True) else " ‡")
    return "none converged" + ("" if grid.get("complete", True) else " ‡")


def auto_ratio(grid, auto):
    """auto's sweeps over the grid best's; 1.0 at most when no grid omega beat auto."""
    a = sweeps_of(auto)
    if not grid or a is None:
        return None, False
    b = grid.get("best")
    if b:
        return ratio(a, b["sweeps"]), False
    if grid.get("first_cap") == a:
        return 1.0, True  # no grid omega converged within auto's sweeps
    return None, False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--perf", default="docs/perf")
    a = ap.parse_args()
    rows = load_jsonl(os.path.join(a.perf, "omega.jsonl"))
    later = {r["matrix"]: r for r in load_jsonl(os.path.join(a.perf, "omega_async.jsonl"))}
    for r in rows:
        if r["matrix"] in later and "async" in later[r["matrix"]]:
            r["async"] = later[r["matrix"]]["async"]
            r["async_rerun"] = True
    big = load_jsonl(os.path.join(a.perf, "omega_1024.jsonl"))
    machine = ""
    mpath = os.path.join(a.perf, "omega_machine.txt")
    if os.path.exists(mpath):
        with open(mpath) as f:
            machine = f.read().strip()

    L = []
    L.append("## omega = auto against the best omega of a grid (bench_omega)\n")
    L.append("One command, `bash bench/run_omega.sh` (bench preset: Release, -O3 -march=native), "
             "runs `bench_omega` on every matrix of `../shared/data/matrices`, 2D Poisson 512² "
             "and 3D Poisson 64³: b = A·1, x = 0, to a true relative residual of 1e-8, at most "
             "400,000 sweeps. **Sequential SOR**: `auto` is the engine under the default "
             "`omega = auto` (the estimate's ω, then adapted during the solve by the ITPACK-style "
             "controller; its sweep counts are deterministic), `held` the estimate's ω kept fixed. "
             "**Async, 2 threads**: the engine under `auto` (the parallel rule, with the back-off) "
             "and the grid (one run each; async sweep counts vary from run to run). Grid: 1.0 to "
             "1.95 step 0.05, 1.97, 1.98, 1.99, 1.995, 1.998, 1.999, run from the top down, each "
             "run capped at the fewest sweeps found so far, starting from auto's: the best ω and "
             "its sweeps are exact, and \"none < N\" means no grid ω converged in auto's N "
             "sweeps (the ratio is then at most 1). The machine is shared, so each solve has a "
             "time limit and each grid search a budget and a patience (the numbers are in the "
             "command line); a search cut by its budget is marked ‡, and a run cut by its time "
             "limit shows \"> sweeps\". Times include the estimate for `auto` (the setup "
             "for async).\n")
    if machine:
        L.append("```\n" + machine + "\n```\n")

    L.append("| matrix | n | λ_min est. (rel. error bound) | est. cost [sweeps] | SOR held | SOR auto (final ω, changes) | SOR grid best | auto / best | async auto (final ω) | async grid best | async auto / best |")
    L.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    n_sor = 0
    within = []
    beyond = []
    worse3 = []
    auto_miss = []
    async_miss = []
    async_vs_seq = []
    for r in rows:
        e = r["estimate"]
        sor = r.get("sor", {})
        ad = sor.get("adaptive")
        fx = sor.get("auto_fixed")
        g = sor.get("grid")
        gb = best_of(g)
        rel = e["lambda_min_error"] / e["lambda_min"] if e["lambda_min"] > 0 else float("inf")
        rel_s = "exact" if e["lambda_min_error"] == 0 else (
            f"{100 * rel:.1f} %" if rel < 1 else "not resolved")
        rs, bound = auto_ratio(g, ad)
        asy = r.get("async", {})
        aa = asy.get("auto")
        ag = asy.get("grid")
        ab = best_of(ag)
        ra, abound = auto_ratio(ag, aa)
        name = r["matrix"] + (" †" if r.get("async_rerun") else "")
        ad_cell = cell(ad)
        if ad:
            ad_cell = ad_cell[:-1] + f", {len(ad.get('changes', []))})"
        L.append(f"| {name} | {r['n']:,} | {e['lambda_min']:.3e} ({rel_s}) | "
                 f"{e['cost_sweeps']:.0f} | {cell(fx)} | {ad_cell} | {grid_cell(g, ad)} | "
                 f"{('≤ ' if bound else '') + fmt(rs, '.2f')} | {cell(aa)} | {grid_cell(ag, aa)} | "
                 f"{('≤ ' if abound else '') + fmt(ra, '.2f')} |")
        real = not r["matrix"].startswith("poisson")
        if gb and not (ad and ad.get("converged")):
            auto_miss.append(r["matrix"])
        if ab and aa is not None and not aa.get("converged"):
            async_miss.append(r["matrix"])
        if real:
            n_sor += 1
            if rs is not None and rs <= 1.5:
                within.append(r["matrix"])
            elif gb is None and not (ad and ad.get("converged")):
                within.append(r["matrix"] + " (no grid omega converges either)")
            else:
                beyond.append((r["matrix"], rs))
            if (rs is None and gb is not None) or (rs is not None and rs > 3.0):
                worse3.append((r["matrix"], rs))
        if ad and ad.get("converged") and aa is not None and not aa.get("converged"):
            async_vs_seq.append(r["matrix"])
    L.append("")
    if any(r.get("async_rerun") for r in rows):
        L.append("† async columns from a later `--async-only` run (`omega_async.jsonl`).\n")

    L.append("### Targets (issue 11)\n")
    L.append("| target | measured | met? |")
    L.append("|---|---|---|")
    L.append(f"| auto reaches 1e-8 wherever a grid ω does (SOR adaptive) | misses: "
             f"{', '.join(auto_miss) or 'none'} | {'yes' if not auto_miss else 'no'} |")
    L.append(f"| SOR auto within 1.5x of the grid best on >= 30 of 34 | {len(within)} of {n_sor} "
             f"| {'yes' if len(within) >= 30 else 'no'} |")
    beyond3 = ", ".join("%s (%s)" % (m, fmt(x, ".2f")) for m, x in worse3) or "none"
    L.append(f"| SOR auto never worse than 3x | beyond 3x: {beyond3} | "
             f"{'yes' if not worse3 else 'no'} |")
    L.append(f"| async 2 thr. converges wherever sequential SOR does (auto) | misses: "
             f"{', '.join(async_vs_seq) or 'none'} | {'yes' if not async_vs_seq else 'no'} |")
    if big:
        b = big[0]
        e = b["estimate"]
        ad = b["sor"]["adaptive"]
        cs = e["cost_sweeps"] / ad["sweeps"] if ad["sweeps"] else None
        solve_s = ad["seconds"] - ad.get("setup_seconds", 0.0)  # the engine's run less its setup
        ts = e["seconds"] / solve_s if solve_s > 0 else None
        L.append(f"| the estimate costs <= 5 % of the solve, 2D Poisson 1024² | "
                 f"{e['cost_sweeps']:.0f} sweeps of cost / {ad['sweeps']:,} sweeps = "
                 f"{fmt(100 * cs if cs else None, '.1f')} %; {e['seconds']:.2f} s / "
                 f"{solve_s:.1f} s = {fmt(100 * ts if ts else None, '.1f')} % "
                 f"(one thread; final ω {ad['omega']:.5f}"
                 f"{'' if ad.get('converged') else '; the solve hit its time limit unconverged, so these are upper bounds'}) | "
                 f"{'yes' if cs is not None and cs <= 0.05 and ts is not None and ts <= 0.05 else 'no'} |")
    L.append("")
    cut = [r["matrix"] for r in rows
           if not best_of(r.get("sor", {}).get("grid")) and not sweeps_of(r.get("sor", {}).get("adaptive"))]
    if cut:
        L.append("No ω converged within the limits of this run (so the targets above say nothing "
                 "about these matrices; on a loaded machine this is mostly the time limits, on "
                 "ex5 and plat362 the conditioning): " + ", ".join(cut) + ".\n")
    if beyond:
        L.append("Beyond 1.5x (sequential SOR, adaptive against the grid's best):\n")
        for m, x in beyond:
            L.append(f"- **{m}** ({fmt(x, '.2f')}x): {WHY.get(m, 'no analysis recorded for this run')}.")
        L.append("")
    if auto_miss or async_miss:
        L.append("Not converged under auto where a grid ω converged:\n")
        for m in sorted(set(auto_miss + async_miss)):
            which = " and ".join(
                w for w, lst in (("sequential SOR", auto_miss), ("async", async_miss)) if m in lst)
            L.append(f"- **{m}** ({which}): {WHY.get(m, 'no analysis recorded for this run')}.")
        L.append("")
    slow_async = []
    for r in rows:
        asy = r.get("async", {})
        ra, abound = auto_ratio(asy.get("grid"), asy.get("auto"))
        if ra is not None and not abound and ra > 3.0:
            slow_async.append((r["matrix"], ra))
    if slow_async:
        L.append("Not a target, but measured: asynchronous SOR under auto more than 3x slower (in "
                 "sweeps) than at its grid's best ω: " +
                 ", ".join(f"{m} ({x:.1f}x)" for m, x in slow_async) + ". The parallel "
                 "schedules start from the λ_min rule (kept below 1.95 when the rule gives more) "
                 "and back ω off only when a solve diverges: unlike sequential SOR's controller "
                 "they never raise it, because near ω = 2 is where asynchronous SOR stalls or diverges "
                 "(docs/async_convergence.md), and the only rate signal between verifications is the "
                 "provisional estimate, noisy and stale: a back-off on stalls misfired when it was "
                 "judged on it (docs/algorithms.md), and a raise would be judged on the same. So a λ_min "
                 "estimate "
                 "that is too high (ω too low) is not corrected there; the larger ratios, though, are mostly "
                 "not ω: at a fixed ω the asynchronous sweep counts on these small matrices are "
                 "bimodal from run to run. bcsstk04 at ω = 1.9, 5 runs (`asor solve bcsstk04.mtx "
                 "--method async --threads 2 --omega 1.9`): 241 and 305 sweeps, or about 35,000; "
                 "the slow runs have failed verifications whose true residual was 10⁴ times the "
                 "estimate (8.2e-5 against 7.9e-9), the signature of the two workers relaxing "
                 "their halves in step, block-Jacobi-like, which near ω = 2 converges slowly "
                 "while each block looks converged. One run each here, so a ratio above compares "
                 "one draw with the best of the grid's draws.\n")
    out = os.path.join(a.perf, "omega.md")
    with open(out, "w") as f:
        f.write("\n".join(L) + "\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
