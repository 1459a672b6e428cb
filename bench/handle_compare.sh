#!/usr/bin/env bash
# The overhead of submit + get over the solve of an older engine, measured side by side: builds
# bench/handle.cpp (this checkout's) against BASE (default 992564e, the last commit before the solve
# handle) in a temporary worktree and against this checkout, both with the `bench` preset, then
# runs `bench_handle overhead` alternately ROUNDS times (default 5) and prints both programs' JSON
# lines. Compare the medians per method: new - base is the handle's fixed cost.
#
#   bench/handle_compare.sh [BASE] [ROUNDS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
base="${1:-992564e}"
rounds="${2:-5}"
work="$(mktemp -d "${TMPDIR:-/tmp}/asor-handle-base.XXXXXX")"
trap 'git -C "$root" worktree remove --force "$work/src" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git -C "$root" worktree add --detach "$work/src" "$base" >/dev/null
cp "$root/bench/handle.cpp" "$work/src/bench/handle.cpp"
for tree in "$work/src" "$root"; do
  cmake --preset bench -S "$tree" >/dev/null
  cmake --build "$tree/build/bench" --target bench_handle >/dev/null
done
for ((r = 1; r <= rounds; ++r)); do
  echo "# round $r: base $base"
  OMP_WAIT_POLICY=passive "$work/src/build/bench/bin/bench_handle" overhead
  echo "# round $r: $(git -C "$root" rev-parse --short HEAD)"
  OMP_WAIT_POLICY=passive "$root/build/bench/bin/bench_handle" overhead
done
