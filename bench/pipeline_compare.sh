#!/usr/bin/env bash
# Pipelined sweeps (issue 12), measured in one run on one machine:
#  1. bench_kernels: per-sweep time of forward SOR with t = 1, 2, 4 and 8 sweeps per pass on
#     2D Poisson 1024^2, 3D Poisson 64^3 and 96^3 and the three largest dev-set matrices in RCM
#     order, against t = 1 and against the 1-thread STREAM triad of the same run;
#  2. bench_scenarios: time to a relative residual of 1e-8 on 3D Poisson 64^3 at 2 threads of
#     async with one sweep per pass (--pipeline-sweeps 1), with the automatic choice and with 4
#     sweeps per pass, and Eigen's ConjugateGradient with the diagonal preconditioner
#     (Eigen::setNbThreads(2)), interleaved round by round so that load changes hit them alike;
#     plus sequential SOR with t = 1, auto and 4.
# Writes OUT/pipeline_kernels.json (Google Benchmark), OUT/pipeline_kernels_summary.json (the
# table), OUT/pipeline_solves.jsonl (one line per method and round), OUT/pipeline_machine.txt,
# and docs/performance.md through bench/make_report.py. Builds the bench preset (Release, -O3
# -march=native, build/bench) first when its programs are missing.
#
#   bench/pipeline_compare.sh [--build DIR] [--matrices DIR] [--out DIR] [--rounds R]
#                             [--repetitions K]
set -euo pipefail
invocation="$0 $*"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
build="$root/build/bench"
matrices="$root/../shared/data/matrices"
out="$root/docs/perf"
rounds=5
repetitions=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift ;;
    --matrices) matrices="$2"; shift ;;
    --out) out="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    --repetitions) repetitions="$2"; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
bin="$build/bin"
if [[ $build == "$root/build/bench" && ( ! -x $bin/bench_kernels || ! -x $bin/bench_scenarios ) ]]; then
  (cd "$root" && cmake --preset bench && cmake --build --preset bench --target bench_kernels bench_scenarios)
fi
for prog in bench_kernels bench_scenarios; do
  [[ -x $bin/$prog ]] || { echo "$bin/$prog: not built" >&2; exit 1; }
done
mkdir -p "$out"
{
  echo "command: $invocation"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git -C "$root" rev-parse --short HEAD)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  lscpu | grep -E 'Model name|^CPU\(s\)|L2|L3|Hypervisor'
} > "$out/pipeline_machine.txt"

export OMP_WAIT_POLICY=passive
ASOR_MATRICES_DIR="$matrices" "$bin/bench_kernels" \
  --benchmark_filter='^(pipeline/|stream_triad/1/)' \
  --benchmark_repetitions="$repetitions" --benchmark_enable_random_interleaving=true \
  --benchmark_out="$out/pipeline_kernels.json" --benchmark_out_format=json \
  --summary_out="$out/pipeline_kernels_summary.json"

solves="$out/pipeline_solves.jsonl"
rm -f "$solves"
for ((r = 1; r <= rounds; ++r)); do
  echo "== round $r of $rounds" >&2
  for variant in "async 1" "async auto" "async 4" "cg-diag auto" "sor 1" "sor auto" "sor 4"; do
    read -r method t <<< "$variant"
    "$bin/bench_scenarios" --matrix poisson3d:64 --method "$method" --threads 2 --min-threads 2 \
      --reps 1 --tol 1e-8 --time-cap 60 --pipeline-sweeps "$t" --out "$solves" > /dev/null
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/pipeline_machine.txt"
/usr/bin/python3 "$here/make_report.py" --perf "$out" --doc "$root/docs/performance.md"
