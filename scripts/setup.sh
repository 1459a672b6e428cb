#!/usr/bin/env bash
# asor's setup script: one entry point from a fresh Debian 12 machine to a demo, the tests and CI.
#
#   bash scripts/setup.sh deps          install what is missing (root), or check it is all there
#   bash scripts/setup.sh deps-check    prove with apt's solver that every package installs together
#   bash scripts/setup.sh build         deps + configure and build the `dev` preset (-Werror)
#   bash scripts/setup.sh demo          build + the main job: generate, solve (async), compare
#   bash scripts/setup.sh test          build + ctest --preset dev
#   bash scripts/setup.sh plain         the README's plain CMake build (no preset) of a fresh clone
#   bash scripts/setup.sh format-check  clang-format 14 over the sources (no changes, fails on diff)
#   bash scripts/setup.sh asan          ASan+UBSan build (clang-14), the whole suite
#   bash scripts/setup.sh tsan          TSan build (clang-14, LLVM libomp + Archer), threaded suites
#   bash scripts/setup.sh lint          clang-tidy 14 over every source file (findings are errors)
#   bash scripts/setup.sh ci            deps-check, test, plain, format-check, lint, asan, tsan; a
#                                       summary
#
# Environment: ASOR_JOBS (parallel build and test jobs, default: nproc).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPT="$ROOT/scripts/setup.sh"
cd "$ROOT"
JOBS=${ASOR_JOBS:-$(nproc)}

# Debian 12 packages. The base image is assumed to have git, build-essential and cmake; they are
# checked too. The clang/LLVM 14 ones serve the tsan and lint presets and format-check; Open MPI
# and METIS the distributed engine (asor/distributed.hpp, the mpi tests); the python3 ones the
# Python module (ASOR_BUILD_PYTHON, on in the dev preset), its tests and examples;
# chromium, chromium-driver and python3-selenium the browser test of the monitor page
# (docs/monitor.md). They all install together (Boost is Debian's default 1.74, which
# python3-scipy's pythran needs).
PACKAGES=(
  build-essential cmake ninja-build git
  libeigen3-dev libboost-dev libboost-graph-dev nlohmann-json3-dev zlib1g-dev
  libspdlog-dev libcli11-dev libsuitesparse-dev libgtest-dev libbenchmark-dev
  python3-dev pybind11-dev python3-numpy python3-scipy python3-pytest python3-matplotlib
  chromium chromium-driver python3-selenium
  libopenmpi-dev openmpi-bin libmetis-dev
  clang-format-14 clang-tidy-14
  clang-14 llvm-14 libomp-14-dev libclang-rt-14-dev
)
ARCHER=/usr/lib/llvm-14/lib/libarcher.so

log() { printf '\n==> %s\n' "$*"; }
die() {
  printf '\nsetup.sh: error: %s\n' "$*" >&2
  exit 1
}
run() {
  printf '+ %s\n' "$*"
  "$@"
}

missing_packages() {
  local p status
  for p in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ $status == 'install ok installed' ]] || echo "$p"
  done
}

cmd_deps() {
  command -v dpkg-query >/dev/null ||
    die "dpkg-query not found: this script sets up Debian 12. Elsewhere install by hand:" \
      "${PACKAGES[*]}"
  if [[ -r /etc/os-release ]] && ! grep -q '^VERSION_ID="12"' /etc/os-release; then
    echo "setup.sh: warning: this script targets Debian 12 (bookworm); package names may differ" >&2
  fi
  local missing
  mapfile -t missing < <(missing_packages "${PACKAGES[@]}")
  if ((${#missing[@]} == 0)); then
    log "deps: all ${#PACKAGES[@]} packages are installed"
  elif [[ $(id -u) -ne 0 ]]; then
    die "missing Debian packages: ${missing[*]}
  Run as root:   bash scripts/setup.sh deps
  or install:   sudo apt-get install ${missing[*]}"
  else
    log "deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    run apt-get update -qq
    # Never remove a package the machine already has (a user's python3-scipy, say): first ask apt
    # what it would do; when that needs a removal, stop and name it instead of letting apt decide.
    local plan
    if ! plan=$(apt-get install -s --no-remove --no-install-recommends "${missing[@]}" 2>&1); then
      die "apt cannot install ${missing[*]} without removing packages this machine has:
$(sed -n '/will be REMOVED/,/^[^ ]/{/^ /p}; /^E:/p' <<<"$plan")
  setup.sh never removes a package. Resolve the conflict by hand, then run it again."
    fi
    run apt-get install -y -qq --no-remove --no-install-recommends "${missing[@]}"
  fi
  local version
  version=$(cmake --version | sed -n 's/^cmake version \([0-9]*\.[0-9]*\).*/\1/p')
  if [[ $(printf '%s\n3.25\n' "$version" | sort -V | head -n1) != 3.25 ]]; then
    die "CMake >= 3.25 is needed (found ${version:-none})"
  fi
}

# apt's own solver, asked (-s: simulate, nothing is installed) for every package of the list at
# once with --no-remove, twice: on this machine, and on a machine with nothing installed (an empty
# dpkg status: every dependency, Boost 1.74 and scipy's pythran included, must resolve together).
# Needs apt's package lists (apt-get update), not root.
cmd_deps_check() {
  command -v apt-get >/dev/null || die "apt-get not found: deps-check needs Debian's apt"
  local empty plan rc=0
  empty=$(mktemp "${TMPDIR:-/tmp}/asor-empty-status.XXXXXX")
  for state in machine fresh; do
    local -a opts=(-s --no-remove --no-install-recommends)
    [[ $state == fresh ]] && opts+=(-o "Dir::State::status=$empty")
    if plan=$(apt-get install "${opts[@]}" "${PACKAGES[@]}" 2>&1) &&
      ! grep -q '^Remv ' <<<"$plan"; then
      log "deps-check ($state): all ${#PACKAGES[@]} packages install together:" \
        "$(grep -c '^Inst ' <<<"$plan") to install, none removed"
    else
      rc=1
      printf '%s\n' "$plan" | grep -E '^(E:|Remv |  )' | head -n 40 >&2
      echo "setup.sh: deps-check ($state): apt cannot install the package list together" >&2
    fi
  done
  rm -f "$empty"
  return "$rc"
}

configure_and_build() {
  local preset=$1
  log "configure + build: preset $preset (-j$JOBS)"
  run cmake --preset "$preset"
  run cmake --build --preset "$preset" --parallel "$JOBS"
}

cmd_build() {
  cmd_deps
  configure_and_build dev
}

cmd_test() {
  cmd_build
  log "ctest --preset dev"
  run ctest --preset dev --parallel "$JOBS"
}

cmd_demo() {
  cmd_build
  local asor="$ROOT/build/dev/bin/asor"
  [[ -x $asor ]] || die "$asor was not built (the CLI sources live in src/cli)"
  local work
  work=$(mktemp -d "${TMPDIR:-/tmp}/asor-demo.XXXXXX")
  local A="$work/poisson2d_256.mtx"
  log "demo: 2D Poisson, 256 x 256 grid (65536 unknowns), in $work"
  run "$asor" generate poisson2d --n 256 -o "$A"
  log "demo: asynchronous SOR, omega estimated (the default), checked against a direct LDL^T solve"
  run "$asor" solve "$A" --method async --tol 1e-8 --reference ldlt --json "$work/solve.json"
  log "demo: asynchronous vs block-Jacobi vs sequential SOR, 1 and 2 threads"
  local rc=0
  run "$asor" compare "$A" --methods async,block-jacobi,sor --threads 1,2 \
    --json "$work/compare.json" --plot "$work/compare.png" || rc=$?
  # Exit code 3: a run stopped without converging; that is a result of the comparison, not a
  # failure of the demo (the table says which and why).
  ((rc == 0 || rc == 3)) || die "asor compare failed (exit $rc)"
  log "demo: done (matrix, JSON reports and compare.png in $work)"
}

# The build a newcomer types (README, "Building without the presets"): no preset, no developer
# mode, the compiler's own warnings, on a fresh clone of the committed HEAD (uncommitted changes
# are not in it). Builds the library and the tool only, then solves a small CSV system with them.
cmd_plain() {
  cmd_deps
  local work="$ROOT/build/plain-clone"
  rm -rf "$work"
  log "plain: fresh clone of $(git -C "$ROOT" rev-parse --short HEAD) in build/plain-clone"
  run git clone --quiet --no-hardlinks "$ROOT" "$work"
  (
    cd "$work"
    # Unix Makefiles build one file at a time unless told otherwise; the command line stays the
    # README's.
    export CMAKE_BUILD_PARALLEL_LEVEL=$JOBS
    run cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
    run cmake --build build
    grep -q '^ASOR_BUILD_TESTS:BOOL=OFF' build/CMakeCache.txt ||
      die "a plain build must not build the tests (developer mode is off by default)"
    grep -q -- '-march=native' build/CMakeCache.txt &&
      die "a plain build must not use -march=native"
    local asor="$work/build/bin/asor" csv="$work/build/smoke"
    [[ -x $asor ]] || die "the plain build did not produce build/bin/asor"
    mkdir -p "$csv"
    # 0-based `row col value`, both triangles, and b, as in the README's first example.
    printf '0,0,4\n0,1,-1\n1,0,-1\n1,1,4\n1,2,-1\n2,1,-1\n2,2,4\n' >"$csv/A.csv"
    printf '3\n2\n3\n' >"$csv/b.csv"
    run "$asor" solve "$csv/A.csv" --rhs "$csv/b.csv" --method sor --x-out "$csv/x.csv"
    awk '{ if ($1 < 0.999999 || $1 > 1.000001) bad = 1; n++ } END { exit !(n == 3 && !bad) }' \
      "$csv/x.csv" || die "plain build: x = $(tr '\n' ' ' <"$csv/x.csv"), expected 1 1 1"
  )
  log "plain: build/bin/asor of a plain Release build solves a CSV system"
}

cmd_format_check() {
  cmd_deps
  [[ -f build/dev/CMakeCache.txt ]] || run cmake --preset dev
  run cmake --build --preset dev --target format-check
}

# clang-tidy over every source file of every target (repository .clang-tidy, warnings as errors),
# from the lint preset's compilation database, without compiling: its command lines carry -Werror,
# so clang's own warnings are errors here too. `cmake --build --preset lint` runs the same checks
# around a clang build (about 14 min against 11 on a 2-core VM). Left out: the generated files (the
# embedded monitor page) and the header self-containment files (each header compiles alone in
# the dev build, and is checked here through the sources that include it).
cmd_lint() {
  cmd_deps
  log "configure: preset lint"
  run cmake --preset lint
  local -a files
  mapfile -t files < <(python3 -c '
import json, sys
for entry in json.load(open(sys.argv[1] + "/compile_commands.json")):
    if not entry["file"].startswith(sys.argv[1] + "/"):
        print(entry["file"])' "$ROOT/build/lint")
  ((${#files[@]} > 0)) || die "build/lint/compile_commands.json lists no source file"
  log "clang-tidy-14: ${#files[@]} files (-j$JOBS)"
  local -a statuses
  # clang-tidy counts the warnings it suppressed in system headers on stderr: not findings.
  set +e
  printf '%s\0' "${files[@]}" |
    xargs -0 -n 1 -P "$JOBS" clang-tidy-14 -p "$ROOT/build/lint" --quiet 2>&1 |
    grep -v -E '^[0-9]+ warnings? generated\.$'
  statuses=("${PIPESTATUS[@]}")
  set -e
  local status=${statuses[1]}
  ((status == 0)) || die "clang-tidy found problems (above), exit $status"
  log "lint: clang-tidy found nothing in ${#files[@]} files"
}

cmd_asan() {
  cmd_deps
  configure_and_build asan
  log "ctest --preset asan (ASan+UBSan, the whole suite)"
  run ctest --preset asan --parallel "$JOBS"
}

cmd_tsan() {
  cmd_deps
  [[ -f $ARCHER ]] || die "$ARCHER not found (package libomp-14-dev)"
  configure_and_build tsan
  # TSan understands OpenMP only through LLVM's libomp and its Archer tool: make sure the library
  # itself needs libomp, not GCC's libgomp (CHOLMOD's own libgomp, loaded indirectly, runs only
  # uninstrumented code).
  local lib needed
  lib=$(find build/tsan -name 'libasor.so*' -type f -print -quit)
  [[ -n $lib ]] || die "build/tsan: libasor.so not found"
  needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
  if [[ $needed != *libomp.so* || $needed == *libgomp.so* ]]; then
    die "$lib must link LLVM's libomp (not libgomp) for TSan+Archer; it needs: $needed"
  fi
  log "tsan: $(basename "$lib") needs: $needed"
  log "ctest --preset tsan (TSan+Archer, threaded suites)"
  run ctest --preset tsan --parallel "$JOBS"
}

cmd_ci() {
  local logs="$ROOT/build/ci-logs"
  mkdir -p "$logs"
  local -a names=() results=() times=() notes=() failures=()
  local start=$SECONDS failed=0 stage t0 status note
  for stage in deps-check test plain format-check lint asan tsan; do
    t0=$SECONDS
    log "CI stage: $stage (log: build/ci-logs/$stage.log)"
    if bash "$SCRIPT" "$stage" 2>&1 | tee "$logs/$stage.log"; then
      status=PASS
    else
      status=FAIL
      failed=1
    fi
    note=$(grep -E '[0-9]+% tests passed' "$logs/$stage.log" | tail -n1 || true)
    names+=("$stage") results+=("$status") times+=($((SECONDS - t0))) notes+=("$note")
    # ctest lists the failed tests after this header; keep them for the summary, which is what
    # a CI page that shows only the end of the log still shows.
    note=$(sed -n '/The following tests FAILED:/,/^[^[:space:]]/{/^[[:space:]]/p}' \
      "$logs/$stage.log" | sed "s/^[[:space:]]*/    $stage: /")
    # A stage that failed without a failed test (a build, a clang-tidy finding, a check): its
    # first error lines, which a log cut to its end would not show.
    if [[ $status == FAIL && -z $note ]]; then
      note=$({ grep -E -m 12 'error:|FAILED:|Error [0-9]' "$logs/$stage.log" || true; } |
        cut -c 1-300 | sed "s/^/    $stage: /")
    fi
    failures+=("$note")
  done
  local total=$((SECONDS - start)) i
  printf '\n================================ asor CI summary ================================\n'
  for i in "${!names[@]}"; do
    printf '  %-13s %-5s %4dm%02ds  %s\n' "${names[$i]}" "${results[$i]}" \
      $((times[i] / 60)) $((times[i] % 60)) "${notes[$i]}"
  done
  printf '  %-13s %-5s %4dm%02ds  (%s jobs)\n' total "$( ((failed)) && echo FAIL || echo PASS)" \
    $((total / 60)) $((total % 60)) "$JOBS"
  for i in "${!failures[@]}"; do
    [[ -n ${failures[$i]} ]] && printf 'failures:\n%s\n' "${failures[$i]}"
  done
  printf '=================================================================================\n'
  return "$failed"
}

usage() {
  sed -n '2,15p' "$SCRIPT" | sed 's/^# \{0,1\}//'
  exit 2
}

case "${1:-}" in
  deps) cmd_deps ;;
  deps-check) cmd_deps_check ;;
  build) cmd_build ;;
  demo) cmd_demo ;;
  test) cmd_test ;;
  plain) cmd_plain ;;
  format-check) cmd_format_check ;;
  asan) cmd_asan ;;
  tsan) cmd_tsan ;;
  lint) cmd_lint ;;
  ci) cmd_ci ;;
  *) usage ;;
esac
