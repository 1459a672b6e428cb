#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 in build-fuzz/ and runs each one for SECONDS
# (default 600), one after another, on one core. Prints, per target, the executions, the size of
# the working corpus and the findings (files libFuzzer wrote under build-fuzz/artifacts/<target>/).
#
# Usage: fuzz/run.sh [SECONDS] [TARGET...]   (targets: mm_matrix mm_vector triplet plain_vector)
# Environment: ASOR_FUZZ_BUILD_JOBS (default 2), ASOR_FUZZ_RSS_MB (default 512).
#
# The working corpus (build-fuzz/corpus/<target>/) starts from fuzz/corpus/<target>/ and grows
# between runs. A finding stops its target's run; turn it into a regression file under
# fuzz/regressions/<target>/ (tests/io replays them) after fixing it.
set -euo pipefail

seconds=${1:-600}
shift || true
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(mm_matrix mm_vector triplet plain_vector)
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build-fuzz
rss_mb=${ASOR_FUZZ_RSS_MB:-512}

mkdir -p "$build"
cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DASOR_BUILD_FUZZERS=ON -DASOR_BUILD_TESTS=OFF -DASOR_BUILD_BENCH=OFF \
  -DASOR_BUILD_EXAMPLES=OFF -DASOR_BUILD_CLI=OFF >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j "${ASOR_FUZZ_BUILD_JOBS:-2}" --target "${targets[@]/#/fuzz_}"

status=0
for t in "${targets[@]}"; do
  corpus=$build/corpus/$t
  artifacts=$build/artifacts/$t
  log=$build/logs/$t.log
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  dict=$root/fuzz/triplet.dict
  [[ $t == mm_* ]] && dict=$root/fuzz/mm.dict
  echo "== $t: ${seconds}s"
  rc=0
  "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb="$rss_mb" -timeout=5 \
    -print_final_stats=1 -dict="$dict" -artifact_prefix="$artifacts/" \
    "$corpus" "$root/fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  findings=$(find "$artifacts" -type f | wc -l)
  echo "   exit $rc, executions $execs, corpus $(find "$corpus" -type f | wc -l) files," \
       "findings $findings (log: $log)"
  if [[ $rc -ne 0 || $findings -ne 0 ]]; then
    status=1
    grep -E 'ERROR|SUMMARY|==[0-9]+==' "$log" | head -5 || true
  fi
done
exit $status
