#!/usr/bin/env bash
# Scenario benchmark: every matrix x every method, threads 1..T, to a relative residual of 1e-8.
# Writes JSON lines (one per matrix x method x threads, plus the STREAM probe), the residual
# histories, the kernel microbenchmarks, `asor compare` runs (async vs SOR vs block-Jacobi on
# the small real matrices) and the machine description into OUT (default docs/perf), then
# docs/performance.md through bench/make_report.py. Builds the `bench` preset (Release,
# -O3 -march=native) into build/bench first when its programs are missing.
#
#   bench/run_scenarios.sh [--quick] [--matrices DIR] [--build DIR] [--threads T] [--reps R]
#                          [--time-cap S] [--out DIR] [--no-kernels]
# --quick: 2D Poisson 256^2, 3D Poisson 32^3 and a few real matrices, 3 s cap, 3 repetitions
# (a few minutes). Default: 2D Poisson 1024^2, 3D Poisson 64^3, every .mtx in DIR, 60 s cap, 5
# repetitions (hours on 2 cores when methods hit the cap).
set -euo pipefail
invocation="$0 $*"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
matrices="$root/../shared/data/matrices"
build="$root/build/bench"
threads="$(nproc)"
reps=5
cap=60
quick=0
kernels=1
out="$root/docs/perf"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1 ;;
    --matrices) matrices="$2"; shift ;;
    --build) build="$2"; shift ;;
    --threads) threads="$2"; shift ;;
    --reps) reps="$2"; shift ;;
    --time-cap) cap="$2"; shift ;;
    --out) out="$2"; shift ;;
    --no-kernels) kernels=0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
bin="$build/bin"
if [[ $build == "$root/build/bench" ]]; then
  for prog in bench_scenarios bench_kernels bench_memory asor; do
    if [[ ! -x $bin/$prog ]]; then
      (cd "$root" && cmake --preset bench && cmake --build --preset bench)
      break
    fi
  done
fi
for prog in bench_scenarios bench_kernels bench_memory asor; do
  [[ -x $bin/$prog ]] || { echo "$bin/$prog: not built (cmake --build --preset bench)" >&2; exit 1; }
done
mkdir -p "$out"
if [[ $quick == 1 ]]; then
  reps=3; cap=3
  specs=(poisson2d:256 poisson3d:32)
  for f in gr_30_30 mesh2e1 fv1 bcsstk16; do
    [[ -f "$matrices/$f.mtx" ]] && specs+=("$matrices/$f.mtx")
  done
else
  specs=(poisson2d:1024 poisson3d:64)
  for f in "$matrices"/*.mtx; do specs+=("$f"); done
fi
cases="$out/scenarios.jsonl"
history="$out/history.jsonl"
rm -f "$cases" "$history"
{
  echo "command: $invocation"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git -C "$root" rev-parse --short HEAD)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "quick: $quick reps: $reps time cap: $cap s threads: 1..$threads"
  lscpu | grep -E 'Model name|^CPU\(s\)|Thread|Core|Socket|L1d|L2|L3|NUMA node\(s\)|Hypervisor'
  grep MemTotal /proc/meminfo
  c++ --version | head -1
} > "$out/machine.txt"
"$bin/bench_scenarios" --stream --threads "$threads" --stream-mb 256 --out "$cases"
methods=(async block-jacobi multicolor sor ssor cg-diag cg-ichol ldlt cholmod)
for spec in "${specs[@]}"; do
  for m in "${methods[@]}"; do
    echo "== $spec $m" >&2
    "$bin/bench_scenarios" --matrix "$spec" --method "$m" --threads "$threads" --reps "$reps" \
      --time-cap "$cap" --out "$cases" --history "$history" > /dev/null ||
      echo "{\"kind\": \"failure\", \"matrix\": \"$(basename "$spec")\", \"method\": \"$m\"}" >> "$cases"
  done
done
if [[ $kernels == 1 ]]; then
  "$bin/bench_kernels" --benchmark_repetitions=5 --benchmark_min_time=0.2 \
    --benchmark_out="$out/kernels.json" --benchmark_out_format=json \
    --summary_out="$out/kernels_summary.json" > "$out/kernels.txt"
fi
# Peak memory of the solve itself, one method per process (bench/memory.cpp explains why).
: > "$out/memory.jsonl"
for m in async sor ssor jacobi multicolor block-jacobi; do
  "$bin/bench_memory" 1024 "$m" >> "$out/memory.jsonl"
done
# Time to tolerance of async against sequential SOR and block-Jacobi-SOR at 1..T threads, on the
# small real matrices where fixed costs (thread start, coordinator, verification) matter most.
rm -rf "$out/compare"
mkdir -p "$out/compare"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin/asor" generate poisson2d --n 256 -o "$work/poisson2d_256.mtx" > /dev/null
compare_specs=("$work/poisson2d_256.mtx")
for f in 1138_bus bcsstk16 bodyy4 bodyy5 fv1 fv2 gr_30_30 mesh2e1 nos6; do
  [[ -f "$matrices/$f.mtx" ]] && compare_specs+=("$matrices/$f.mtx")
done
thread_list=$(seq -s, 1 "$threads")
for f in "${compare_specs[@]}"; do
  echo "== compare $(basename "$f")" >&2
  # Exit code 3 = some run did not converge: a result of the comparison, kept in the JSON.
  "$bin/asor" compare "$f" --methods async,sor,block-jacobi --threads "$thread_list" --repeat 9 \
    --omega auto --max-sweeps 200000 --time-limit "$cap" --quiet \
    --json "$out/compare/$(basename "$f" .mtx).json" > /dev/null || (($? == 3))
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"
/usr/bin/python3 "$here/make_report.py" --perf "$out" --doc "$root/docs/performance.md"
