# `asor solve` and `asor compare` under mpiexec (ctest mpi.npN.Cli, label mpi): run by
#   cmake -DMPIEXEC=... -DASOR=... -DDATA=... -DNP=... -DWORK=... -P cli_test.cmake
# Checks what docs/distributed.md promises of the tool across ranks: a verified solve that agrees
# with a direct solve, the JSON's "ranks" and per-rank sweeps, one summary and one error line
# (rank 0 prints), and the same exit code from every rank (mpiexec returns a rank's non-zero code).

cmake_minimum_required(VERSION 3.20)
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(launch ${MPIEXEC} --oversubscribe --timeout 120 -np ${NP} ${ASOR})
set(failures 0)

macro(fail text)
  message(SEND_ERROR "np ${NP}: ${text}")
  math(EXPR failures "${failures} + 1")
endmacro()

# Runs the tool under mpiexec; sets rc, out, err.
function(run_asor)
  execute_process(COMMAND ${launch} ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE o
                  ERROR_VARIABLE e WORKING_DIRECTORY "${WORK}")
  set(rc "${code}" PARENT_SCOPE)
  set(out "${o}" PARENT_SCOPE)
  set(err "${e}" PARENT_SCOPE)
endfunction()

# \returns in \p var how many times \p needle occurs in \p text.
function(count_of var text needle)
  string(REGEX MATCHALL "${needle}" hits "${text}")
  list(LENGTH hits n)
  set(${var} ${n} PARENT_SCOPE)
endfunction()

# A verified solve that agrees with a direct solve, for both distributed methods.
foreach(method async block-jacobi)
  run_asor(solve ${DATA}/gr_30_30.mtx --method ${method} --threads 1 --tol 1e-8 --omega 1.5
           --time-limit 60
           --reference ldlt --json ${method}.json --x-out ${method}_x.mtx --no-progress)
  if(NOT rc EQUAL 0)
    fail("solve --method ${method}: exit ${rc}\n${out}\n${err}")
    continue()
  endif()
  count_of(summaries "${out}" "asor solve: gr_30_30.mtx")
  if(NOT summaries EQUAL 1)
    fail("solve --method ${method}: ${summaries} summaries (rank 0 prints one)\n${out}")
  endif()
  file(READ ${WORK}/${method}.json report)
  string(JSON ranks GET "${report}" ranks)
  string(JSON status GET "${report}" status)
  string(JSON residual GET "${report}" relative_residual)
  string(JSON error GET "${report}" reference relative_error)
  if(NP GREATER 1)
    string(JSON per_rank LENGTH "${report}" distribution per_rank)
    string(JSON min_sweeps GET "${report}" distribution per_rank 0 sweeps min)
  else()  # one process solves in shared memory: no distribution
    string(JSON min_sweeps GET "${report}" sweeps min)
    set(per_rank 1)
  endif()
  if(NOT ranks EQUAL NP OR NOT per_rank EQUAL NP)
    fail("solve --method ${method}: JSON ranks ${ranks}, per_rank ${per_rank}")
  endif()
  if(NOT status STREQUAL "converged" OR residual GREATER 1e-8 OR min_sweeps LESS 1)
    fail("solve --method ${method}: ${status}, residual ${residual}, rank 0 swept ${min_sweeps}")
  endif()
  # gr_30_30: kappa ~ 195, so the error is below 195 * (1e-8 + the direct solve's residual).
  if(error GREATER 2e-6)
    fail("solve --method ${method}: ||x - x_direct|| / ||x_direct|| = ${error}")
  endif()
  file(STRINGS ${WORK}/${method}_x.mtx header LIMIT_COUNT 2)
  if(NOT header MATCHES "array real general;900 1")
    fail("solve --method ${method}: --x-out wrote '${header}'")
  endif()
endforeach()

# Input errors: printed once (by rank 0), exit 2 from every rank.
run_asor(solve ${DATA}/bad/system_zero_diagonal.mtx --method async)
count_of(lines "${err}" "asor: error:")
if(NOT rc EQUAL 2 OR NOT lines EQUAL 1 OR NOT err MATCHES "diagonal entry \\(1, 1\\) is 0")
  fail("bad diagonal: exit ${rc}, ${lines} error lines:\n${err}")
endif()
run_asor(solve ${WORK}/missing.mtx)
count_of(lines "${err}" "asor: error:")
if(NOT rc EQUAL 2 OR NOT lines EQUAL 1 OR NOT err MATCHES "missing.mtx: no such file")
  fail("missing file: exit ${rc}, ${lines} error lines:\n${err}")
endif()
if(NP GREATER 1)
  run_asor(solve ${DATA}/gr_30_30.mtx --method sor)
  count_of(lines "${err}" "asor: error:")
  if(NOT rc EQUAL 2 OR NOT lines EQUAL 1 OR NOT err MATCHES "only async and block-jacobi")
    fail("--method sor across ranks: exit ${rc}, ${lines} error lines:\n${err}")
  endif()
endif()
if(NP GREATER 1)
  # --slow-rank (benchmarks): a rank out of range is a usage error, printed once, exit 2; a
  # slowed rank still converges, verified.
  run_asor(solve ${DATA}/gr_30_30.mtx --method async --slow-rank ${NP}:5)
  count_of(lines "${err}" "asor: error:")
  if(NOT rc EQUAL 2 OR NOT lines EQUAL 1 OR NOT err MATCHES "--slow-rank ${NP}:5: the rank must be in")
    fail("--slow-rank ${NP}:5: exit ${rc}, ${lines} error lines:\n${err}")
  endif()
  run_asor(solve ${DATA}/gr_30_30.mtx --method async --threads 1 --slow-rank 1:3 --time-limit 60
           --json slow.json --no-progress)
  if(NOT rc EQUAL 0)
    fail("--slow-rank 1:3: exit ${rc}\n${out}\n${err}")
  endif()
endif()
# A budget too small: not converged, exit 3 from every rank.
run_asor(solve ${DATA}/gr_30_30.mtx --method async --max-sweeps 2 --threads 1 --no-progress)
if(NOT rc EQUAL 3)
  fail("--max-sweeps 2: exit ${rc} (3 expected)\n${out}\n${err}")
endif()

# compare: async against the synchronous baseline across the ranks, one table.
run_asor(compare ${DATA}/mesh1e1.mtx --threads 1 --repeat 1 --json compare.json --no-progress)
count_of(tables "${out}" "asor compare: mesh1e1.mtx")
if(NOT rc EQUAL 0 OR NOT tables EQUAL 1)
  fail("compare: exit ${rc}, ${tables} tables\n${out}\n${err}")
else()
  file(READ ${WORK}/compare.json report)
  string(JSON ranks GET "${report}" ranks)
  string(JSON rows LENGTH "${report}" summary)
  if(NOT ranks EQUAL NP)
    fail("compare: JSON ranks ${ranks}")
  endif()
  set(expected_rows 2)
  if(NP EQUAL 1)
    set(expected_rows 4)  # one process: the usual methods
  endif()
  if(NOT rows EQUAL expected_rows)
    fail("compare: ${rows} summary rows, ${expected_rows} expected")
  endif()
endif()

if(failures GREATER 0)
  message(FATAL_ERROR "${failures} check(s) failed")
endif()
message(STATUS "np ${NP}: every check passed")
