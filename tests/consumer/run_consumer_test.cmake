# Script mode (see consumer_test.cmake): install, configure, build and run the consumer project.
cmake_minimum_required(VERSION 3.25)

set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/build)
file(REMOVE_RECURSE ${prefix} ${build})

function(step name)
  message(STATUS "consumer: ${name}: ${ARGN}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer: ${name} failed (${rc})")
  endif()
endfunction()

if(NOT BUILD_TYPE)
  set(BUILD_TYPE Release)
endif()
step(install ${CMAKE_COMMAND} --install ${ASOR_BINARY_DIR} --prefix ${prefix} --config ${BUILD_TYPE})
if(NOT EXISTS ${prefix}/include/asor/asor.hpp OR NOT EXISTS ${prefix}/include/asor/config.hpp)
  message(FATAL_ERROR "consumer: the install tree lacks include/asor/asor.hpp or config.hpp")
endif()
step(configure ${CMAKE_COMMAND} -S ${CONSUMER_SOURCE_DIR} -B ${build} -G ${GENERATOR}
     -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
     -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)
file(STRINGS ${build}/CMakeCache.txt found REGEX "^asor_DIR:")
if(NOT found MATCHES "=${prefix}/")
  message(FATAL_ERROR "consumer: find_package(asor) did not pick the install tree: ${found}")
endif()
step(build ${CMAKE_COMMAND} --build ${build} --parallel 2)
step(run ${build}/asor_consumer)

# The installed tool runs from the prefix as it is (its RPATH finds libasor), and finds the
# CHOLMOD plugin installed beside libasor.
if(EXISTS ${prefix}/bin/asor)
  step(tool-version ${prefix}/bin/asor --version)
  step(tool-generate ${prefix}/bin/asor generate poisson2d --n 8 -o ${WORK_DIR}/A.mtx)
  step(tool-solve ${prefix}/bin/asor solve ${WORK_DIR}/A.mtx --method sor --reference cholmod
       --json ${WORK_DIR}/report.json)
  file(READ ${WORK_DIR}/report.json report)
  string(JSON solver GET "${report}" reference solver)
  string(JSON status GET "${report}" status)
  if(NOT solver STREQUAL "cholmod" OR NOT status STREQUAL "converged")
    message(FATAL_ERROR "consumer: the installed tool reported ${status}, reference ${solver}")
  endif()
endif()
