#!/bin/bash
# omega = auto against the estimate's omega held fixed, for one method, over a set of matrices:
# what the adaptation during the solve gains or loses. Each matrix is solved twice, under `auto`
# and with `--omega` set to the report's `initial_omega` (the estimate's rule, never adapted).
# For sequential and multicolor SOR the sweep counts are deterministic. Prints a Markdown table
# and a summary line (docs/algorithms.md quotes the multicolor run).
#
#   bench/auto_vs_held.sh [BUILD_DIR] [MATRIX...]
#
# Environment: METHOD (multicolor), THREADS (1), TOL (1e-8), MAX_SWEEPS (200000), TIME_LIMIT (30 s
# per solve). Without matrices: every .mtx of ../shared/data/matrices.
set -euo pipefail

BUILD=${1:-build/dev}
shift || true
ASOR=$BUILD/bin/asor
METHOD=${METHOD:-multicolor}
THREADS=${THREADS:-1}
TOL=${TOL:-1e-8}
MAX_SWEEPS=${MAX_SWEEPS:-200000}
TIME_LIMIT=${TIME_LIMIT:-30}
if (($# == 0)); then
  set -- ../shared/data/matrices/*.mtx
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

common=(--method "$METHOD" --threads "$THREADS" --tol "$TOL" --max-sweeps "$MAX_SWEEPS"
  --time-limit "$TIME_LIMIT" --reference none --no-progress)
for m in "$@"; do
  name=$(basename "${m%.gz}" .mtx)
  "$ASOR" solve "$m" "${common[@]}" --json "$WORK/$name.auto.json" > /dev/null 2>&1 || true
  [ -s "$WORK/$name.auto.json" ] || continue
  w=$(python3 -c 'import json, sys; print(repr(json.load(open(sys.argv[1]))["initial_omega"]))' \
    "$WORK/$name.auto.json")
  "$ASOR" solve "$m" "${common[@]}" --omega "$w" --json "$WORK/$name.held.json" > /dev/null 2>&1 ||
    true
done

python3 - "$WORK" "$METHOD" "$THREADS" "$TOL" <<'EOF'
import glob, json, math, os, sys
work, method, threads, tol = sys.argv[1:]
print(f"{method}, {threads} thread(s), tol {tol}: sweeps under auto and with the estimate's omega held\n")
print("| matrix | initial omega | auto: final omega (changes) | auto sweeps | held sweeps | held / auto |")
print("|---|---:|---:|---:|---:|---:|")
logs, better, worse = [], 0, 0
for a in sorted(glob.glob(os.path.join(work, "*.auto.json"))):
    name = os.path.basename(a)[:-len(".auto.json")]
    held = os.path.join(work, name + ".held.json")
    if not os.path.exists(held):
        continue
    A, H = json.load(open(a)), json.load(open(held))
    def cell(r):
        return f"{r['sweeps']['max']:,}" + ("" if r["converged"] else f" ({r['status']})")
    ratio = ""
    if A["converged"] and H["converged"]:
        q = H["sweeps"]["max"] / A["sweeps"]["max"]
        ratio = f"{q:.2f}"
        logs.append(math.log(q))
        better += q > 1.05
        worse += q < 1 / 1.05
    print(f"| {name} | {A['initial_omega']:.4f} | {A['omega']:.4f} ({len(A['omega_history'])}) | "
          f"{cell(A)} | {cell(H)} | {ratio} |")
if logs:
    print(f"\nBoth converged on {len(logs)}: auto needs fewer sweeps (by > 5 %) on {better}, more on "
          f"{worse}; geometric mean of held / auto {math.exp(sum(logs) / len(logs)):.2f}, "
          f"from {math.exp(min(logs)):.2f} to {math.exp(max(logs)):.2f}.")
EOF
