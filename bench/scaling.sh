#!/bin/bash
# Thread and rank scaling on a many-core machine: `asor compare` at 1..16 threads (shared memory:
# async against the synchronous methods on the same kernels) and under `mpirun -np 1..16` (async
# across ranks against block-Jacobi SOR, with and without one rank slowed), plus ranks x threads
# mixes. Writes one JSON report per run into OUT_DIR; bench/scaling_report.py turns them into the
# tables of docs/scaling.md.
#
#   bench/scaling.sh [BUILD_DIR] [OUT_DIR]
#
# Environment:
#   THREADS ("1 2 4 8 16")  RANKS ("1 2 4 8 16")  HYBRID ("2x8 4x4 8x2")  SLOW_RANKS ("4 16")
#   REPEAT (3)  TOL (1e-6)  SLOW (5: the slowed rank's factor)  MAX_SWEEPS (100000)
#   METHODS ("async,multicolor,block-jacobi,sor": the shared-memory part)
#   MATRICES (default: 2D Poisson 256^2 and 3D Poisson 64^3, generated)
#   (HYBRID= or SLOW_RANKS= set empty: none of them)
#   MPIRUN_ARGS (extra mpirun arguments, e.g. "--bind-to none"; --oversubscribe is added where a
#   run has more ranks than cores)  SKIP_MPI (1: the shared-memory part only)
set -euo pipefail

BUILD=${1:-build/dev}
OUT=${2:-scaling-out}
ASOR=${ASOR:-$BUILD/bin/asor}
THREADS=${THREADS:-"1 2 4 8 16"}
RANKS=${RANKS:-"1 2 4 8 16"}
HYBRID=${HYBRID-"2x8 4x4 8x2"}
SLOW_RANKS=${SLOW_RANKS-"4 16"}
REPEAT=${REPEAT:-3}
TOL=${TOL:-1e-6}
SLOW=${SLOW:-5}
MAX_SWEEPS=${MAX_SWEEPS:-100000}
METHODS=${METHODS:-async,multicolor,block-jacobi,sor}
MPIRUN_ARGS=${MPIRUN_ARGS:-}
CORES=$(nproc)
mkdir -p "$OUT"

if [ -z "${MATRICES:-}" ]; then
  "$ASOR" generate poisson2d --n 256 -o "$OUT/poisson2d_256.mtx" > /dev/null
  "$ASOR" generate poisson3d --n 64 -o "$OUT/poisson3d_64.mtx" > /dev/null
  MATRICES="$OUT/poisson2d_256.mtx $OUT/poisson3d_64.mtx"
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_WAIT_POLICY=passive

{
  echo "date $(date -u +%FT%TZ)"
  echo "cores $CORES"
  grep -m1 'model name' /proc/cpuinfo || true
  echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "repeat $REPEAT tol $TOL max_sweeps $MAX_SWEEPS slow $SLOW"
} > "$OUT/machine.txt"

common=(--repeat "$REPEAT" --tol "$TOL" --max-sweeps "$MAX_SWEEPS" --reference none --no-progress -q)
run() {  # LABEL COMMAND...: runs, says how long it took and how it ended
  local label=$1 t0=${EPOCHREALTIME/./} rc=0
  shift
  "$@" || rc=$?
  local us=$((${EPOCHREALTIME/./} - t0))
  printf '%-40s exit %d  %d.%d s\n' "$label" "$rc" $((us / 1000000)) $((us / 100000 % 10))
}

for m in $MATRICES; do
  name=$(basename "${m%.gz}" .mtx)
  run "threads $name" "$ASOR" compare "$m" --methods "$METHODS" --threads "${THREADS// /,}" \
    "${common[@]}" --json "$OUT/threads_${name}.json"
  [ "${SKIP_MPI:-0}" = 1 ] && continue
  mpi() {  # RANKS THREADS TAG [EXTRA...]
    local np=$1 nt=$2 tag=$3 extra=()
    shift 3
    ((np * nt > CORES)) && extra+=(--oversubscribe)
    # shellcheck disable=SC2086 # MPIRUN_ARGS is a list of words
    run "ranks $name $tag" env OMP_NUM_THREADS="$nt" mpirun -np "$np" "${extra[@]}" $MPIRUN_ARGS \
      "$ASOR" compare "$m" --methods async,block-jacobi --threads "$nt" "${common[@]}" \
      --json "$OUT/ranks_${name}_${tag}.json" "$@"
  }
  for np in $RANKS; do mpi "$np" 1 "${np}x1"; done
  for np in $SLOW_RANKS; do mpi "$np" 1 "${np}x1_slow" --slow-rank "1:$SLOW"; done
  for h in $HYBRID; do mpi "${h%x*}" "${h#*x}" "$h"; done
done
