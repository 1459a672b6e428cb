# Script mode (the ctest python.install): install the build tree into a scratch prefix, then run
# installed_check.py with the interpreter the module was built for, with only that prefix's
# package directory on PYTHONPATH and no LD_LIBRARY_PATH (the module finds libasor by its RPATH).
cmake_minimum_required(VERSION 3.25)

set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
if(NOT BUILD_TYPE)
  set(BUILD_TYPE Release)
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --install ${ASOR_BINARY_DIR} --prefix ${prefix}
                        --config ${BUILD_TYPE}
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "python.install: cmake --install failed (${rc})")
endif()
set(site ${prefix}/${INSTALL_DIR})
if(NOT EXISTS ${site}/asor/__init__.py)
  message(FATAL_ERROR "python.install: ${site}/asor/__init__.py was not installed")
endif()
# Run from the work directory (not the source or build tree), with a clean environment.
execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=LD_LIBRARY_PATH --unset=PYTHONHOME
                        PYTHONPATH=${site} PYTHONNOUSERSITE=1 PYTHONDONTWRITEBYTECODE=1
                        ${PYTHON} ${CHECK} ${prefix} ${INSTALL_DIR} ${VERSION}
                WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "python.install: the installed package failed its check (${rc})")
endif()
