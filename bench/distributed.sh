#!/bin/bash
# Asynchronous block SOR across MPI ranks against its synchronous baseline (block-Jacobi SOR,
# a halo exchange and an allreduce every sweep), ranks x threads in {1x2, 2x1, 4x1}, with and
# without one rank slowed by an injected delay (--slow-rank). Prints one Markdown table: the
# medians of `asor compare` under mpirun (docs/distributed.md has the results and the caveats).
#
#   bench/distributed.sh [BUILD_DIR] [MATRIX.mtx]
#
# Environment: REPEAT (5), TOL (1e-6), OMEGA (auto), SLOW (5: the slow rank's factor),
# CONFIGS ("1x2 2x1 4x1"), PARTITION (nnz), HALO (l1: --halo-diagonal), MAX_SWEEPS (100000: no block sweeps past it, so with
# the default 10,000 a rank 5x faster than the slow one froze its blocks at the budget when the
# slow one had made 2,000). Without a matrix it generates 2D Poisson 256^2.
set -euo pipefail

BUILD=${1:-build/dev}
ASOR=$BUILD/bin/asor
MATRIX=${2:-}
REPEAT=${REPEAT:-5}
TOL=${TOL:-1e-6}
OMEGA=${OMEGA:-auto}
MAX_SWEEPS=${MAX_SWEEPS:-100000}
SLOW=${SLOW:-5}
CONFIGS=${CONFIGS:-"1x2 2x1 4x1"}
PARTITION=${PARTITION:-nnz}
HALO=${HALO:-l1}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ -z "$MATRIX" ]; then
  MATRIX=$WORK/poisson256.mtx
  "$ASOR" generate poisson2d --n 256 -o "$MATRIX" > /dev/null
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_WAIT_POLICY=passive

echo "# $(basename "$MATRIX"), tol $TOL, omega $OMEGA, halo diagonal $HALO, max sweeps $MAX_SWEEPS, median of $REPEAT, $(nproc) cores," \
     "load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| ranks x threads | slow rank | method | median time (s) | sweeps min/max over ranks | sync / async |"
echo "|---|---|---|---|---|---|"
for config in $CONFIGS; do
  ranks=${config%x*}
  threads=${config#*x}
  for slow in none "1:$SLOW"; do
    extra=()
    if [ "$slow" != none ]; then
      [ "$ranks" -gt 1 ] || continue  # one rank: nothing to be slower than
      extra=(--slow-rank "$slow")
    fi
    json=$WORK/${config}_${slow/:/_}.json
    OMP_NUM_THREADS=$threads mpirun --oversubscribe -np "$ranks" "$ASOR" compare "$MATRIX" \
      --methods async,block-jacobi --threads "$threads" --repeat "$REPEAT" --tol "$TOL" \
      --omega "$OMEGA" --max-sweeps "$MAX_SWEEPS" --partition "$PARTITION" --halo-diagonal "$HALO" --reference none --no-progress -q \
      --json "$json" "${extra[@]}" || true
    python3 - "$json" "$config" "$slow" <<'EOF'
import json, statistics, sys
path, config, slow = sys.argv[1:]
r = json.load(open(path))
times = {}
for s in r["summary"]:
    times[s["method"]] = s["median_solve_seconds"]
ratio = ""
if times.get("async") and times.get("block-jacobi"):
    ratio = "%.2f" % (times["block-jacobi"] / times["async"])
for s in r["summary"]:
    m = s["method"]
    runs = [x for x in r["runs"] if x["method"] == m]
    med = sorted(runs, key=lambda x: x["solve_seconds"])[(len(runs) - 1) // 2]
    sweeps = "%d/%d" % (med["sweeps"]["min"], med["sweeps"]["max"])
    t = s["median_solve_seconds"]
    conv = "%d/%d" % (s["converged_runs"], s["runs"])
    print("| %s | %s | %s | %s (%s converged) | %s | %s |" % (
        config, slow, m, "%.3f" % t if t is not None else "-", conv, sweeps,
        ratio if m == "async" else ""))
EOF
  done
done
