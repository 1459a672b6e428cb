#!/usr/bin/env bash
# The omega benchmark of issue 11: omega = auto against the best omega of a grid, to a relative
# residual of 1e-8 with a 400,000-sweep cap, on the 34 development matrices, 2D Poisson 512^2 and
# 3D Poisson 64^3: sequential SOR (the engine under auto, which adapts omega; the estimate's omega
# held) and asynchronous SOR on 2 threads (the engine under auto, with its back-off; the grid).
# Then the estimate's cost on 2D Poisson 1024^2 against the adaptive solve.
# Time limits keep it to ~20 minutes on a loaded 2-core machine: each solve stops after
# --time-limit seconds (default 10; a cut run is "not converged, more than N sweeps"), each grid
# search after --grid-budget seconds (default 30) or --patience omegas (default 2) that did not
# improve on the best. Raise them for a complete grid on a quiet machine. Writes OUT/omega.jsonl, OUT/omega_1024.jsonl and
# OUT/omega.md (bench/omega_report.py), then regenerates docs/performance.md (make_report.py
# includes OUT/omega.md). Builds the bench preset when bench_omega is missing.
#
#   bench/run_omega.sh [--matrices DIR] [--build DIR] [--out DIR] [--threads T]
#                      [--async-only] [--no-async] [--time-limit S] [--grid-budget S]
#                      [--patience K] [--quick]
#
# --async-only: rerun only the asynchronous columns (OUT/omega_async.jsonl, which the report
#   prefers over the async part of omega.jsonl).
# --quick: five small matrices, no 1024^2 run (minutes).
set -euo pipefail
invocation="$0 $*"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
matrices="$root/../shared/data/matrices"
build="$root/build/bench"
out="$root/docs/perf"
threads=2
async_only=0
no_async=0
quick=0
time_limit=10
grid_budget=30
patience=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --matrices) matrices="$2"; shift ;;
    --build) build="$2"; shift ;;
    --out) out="$2"; shift ;;
    --threads) threads="$2"; shift ;;
    --async-only) async_only=1 ;;
    --no-async) no_async=1 ;;
    --time-limit) time_limit="$2"; shift ;;
    --grid-budget) grid_budget="$2"; shift ;;
    --patience) patience="$2"; shift ;;
    --quick) quick=1 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
bin="$build/bin/bench_omega"
if [[ ! -x $bin && $build == "$root/build/bench" ]]; then
  (cd "$root" && cmake --preset bench && cmake --build --preset bench --target bench_omega)
fi
[[ -x $bin ]] || { echo "$bin: not built (cmake --build --preset bench)" >&2; exit 1; }
mkdir -p "$out"

specs=(poisson2d:512 poisson3d:64)
if [[ $quick == 1 ]]; then
  specs=(poisson2d:128)
  for f in gr_30_30 nos4 bcsstk01 494_bus; do specs+=("$matrices/$f.mtx"); done
else
  # smallest files first, so that a partial run still covers most matrices
  while IFS= read -r f; do specs+=("$f"); done < <(ls -S -r "$matrices"/*.mtx)
fi

common=(--threads "$threads" --time-limit "$time_limit" --async-time-limit "$time_limit"
        --grid-budget "$grid_budget" --patience "$patience")
# An --async-only run adds its own lines: the other columns came from the run before it.
machine_lines() {
  echo "command: $invocation"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  lscpu | grep -E '^(CPU\(s\)|Model name)' || true
}
if [[ $async_only == 1 && -f "$out/omega_machine.txt" ]]; then
  machine_lines >> "$out/omega_machine.txt"
else
  machine_lines > "$out/omega_machine.txt"
fi

if [[ $async_only == 1 ]]; then
  rm -f "$out/omega_async.jsonl"
  for s in "${specs[@]}"; do
    OMP_WAIT_POLICY=passive "$bin" --no-sor "${common[@]}" --json "$out/omega_async.jsonl" "$s"
  done
else
  rm -f "$out/omega.jsonl" "$out/omega_async.jsonl"
  extra=()
  [[ $no_async == 1 ]] && extra+=(--no-async)
  for s in "${specs[@]}"; do
    OMP_WAIT_POLICY=passive "$bin" "${common[@]}" "${extra[@]}" --json "$out/omega.jsonl" "$s"
  done
  if [[ $quick == 0 ]]; then
    # The estimate's cost against the adaptive solve on 2D Poisson 1024^2 (no grid, no async).
    rm -f "$out/omega_1024.jsonl"
    OMP_NUM_THREADS=1 "$bin" --no-grid --no-async --no-fixed --time-limit 600 \
      --json "$out/omega_1024.jsonl" poisson2d:1024
  fi
fi
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/omega_machine.txt"
/usr/bin/python3 "$here/omega_report.py" --perf "$out"
/usr/bin/python3 "$here/make_report.py" --perf "$out" --doc "$root/docs/performance.md"
