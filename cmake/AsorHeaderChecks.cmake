# Headers prove their hygiene (STYLE.md, habit 8):
#  1. every public header under include/asor/ (detail/ excepted) compiles alone, with our warnings
#     as errors: one generated .cpp per header, built as the OBJECT library asor_header_checks;
#  2. no header under include/asor/ includes anything but the standard library, Eigen,
#     spdlog/fwd.h and asor itself (so never Asio, Boost or OpenMP's omp.h; MPI's mpi.h only in
#     the opt-in asor/distributed.hpp), and every
#     include/asor/detail/ header carries the ASOR_INSIDE_DETAIL_ALLOWED guard: the ctest
#     `header.includes` runs this file in script mode;
#  3. including a detail/ header directly fails to compile with its "is private" #error: one ctest
#     `header.detail_private.<name>` per detail header, each building an EXCLUDE_FROM_ALL target.
# Included from the top-level CMakeLists.txt after the library target exists. Check 1 runs in
# developer mode, check 2 wherever tests are built, check 3 in developer mode with tests.

if(CMAKE_SCRIPT_MODE_FILE)
  # Check 2 (script mode): cmake -DASOR_SOURCE_DIR=<dir> -P AsorHeaderChecks.cmake
  cmake_minimum_required(VERSION 3.25)
  file(GLOB_RECURSE headers LIST_DIRECTORIES false "${ASOR_SOURCE_DIR}/include/asor/*.hpp"
       "${ASOR_SOURCE_DIR}/include/asor/*.h")
  list(SORT headers)
  set(problems)
  foreach(header IN LISTS headers)
    file(RELATIVE_PATH name "${ASOR_SOURCE_DIR}/include" "${header}")
    file(STRINGS "${header}" lines REGEX "^[ \t]*#[ \t]*include")
    foreach(line IN LISTS lines)
      if(NOT line MATCHES "#[ \t]*include[ \t]*[<\"]([^>\"]+)[>\"]")
        list(APPEND problems "${name}: unparsed include: ${line}")
        continue()
      endif()
      set(included "${CMAKE_MATCH_1}")
      if(included MATCHES "^asor/" OR included MATCHES "^Eigen/" OR included STREQUAL "spdlog/fwd.h"
         OR included MATCHES "^[a-z_]+$")
        continue()
      endif()
      if(name STREQUAL "asor/distributed.hpp" AND included STREQUAL "mpi.h")
        continue()  # the one opt-in header that mentions MPI types
      endif()
      list(APPEND problems "${name}: includes <${included}> (a public header may include only the "
                           "standard library, Eigen, spdlog/fwd.h and asor/ headers: Asio, Boost "
                           "and omp.h stay in src/)")
    endforeach()
    if(name MATCHES "^asor/detail/")
      file(READ "${header}" text)
      if(NOT text MATCHES "ASOR_INSIDE_DETAIL_ALLOWED" OR NOT text MATCHES "#[ \t]*error")
        list(APPEND problems "${name}: a detail header must refuse direct inclusion: start it with "
                             "#ifndef ASOR_INSIDE_DETAIL_ALLOWED / #error \"${name} is private\"")
      endif()
    endif()
  endforeach()
  list(LENGTH headers count)
  if(problems)
    list(JOIN problems "\n  " problems)
    message(FATAL_ERROR "asor header hygiene:\n  ${problems}")
  endif()
  message(STATUS "asor header hygiene: ${count} headers include only what they may")
  return()
endif()

if(ASOR_BUILD_TESTS)
  # Check 2, in every configuration with tests (it reads the sources only).
  enable_testing()
  add_test(NAME header.includes
           COMMAND ${CMAKE_COMMAND} -DASOR_SOURCE_DIR=${PROJECT_SOURCE_DIR}
                   -P ${CMAKE_CURRENT_LIST_FILE})
  set_tests_properties(header.includes PROPERTIES LABELS unit TIMEOUT 60)
endif()

if(NOT ASOR_DEVELOPER_MODE)
  return()
endif()

file(GLOB_RECURSE _asor_public_headers CONFIGURE_DEPENDS RELATIVE ${PROJECT_SOURCE_DIR}/include
     ${PROJECT_SOURCE_DIR}/include/asor/*.hpp)
list(FILTER _asor_public_headers EXCLUDE REGEX "^asor/detail/")
if(NOT ASOR_HAVE_MPI)
  list(FILTER _asor_public_headers EXCLUDE REGEX "^asor/distributed.hpp$")  # #errors without MPI
endif()
list(SORT _asor_public_headers)

# Check 1: each public header alone in a translation unit (config.hpp is generated: it is
# checked through the others).
set(_asor_header_sources)
foreach(header IN LISTS _asor_public_headers)
  string(MAKE_C_IDENTIFIER "${header}" stem)
  set(source ${PROJECT_BINARY_DIR}/header_checks/${stem}.cpp)
  file(CONFIGURE OUTPUT ${source} CONTENT "// Generated: ${header} must compile on its own.\n#include \"${header}\"\n" @ONLY)
  list(APPEND _asor_header_sources ${source})
endforeach()
if(_asor_header_sources)
  add_library(asor_header_checks OBJECT ${_asor_header_sources})
  target_link_libraries(asor_header_checks PRIVATE asor::asor asor_warnings)
  if(ASOR_HAVE_MPI)
    target_link_libraries(asor_header_checks PRIVATE MPI::MPI_CXX)  # asor/distributed.hpp
  endif()
endif()

if(NOT ASOR_BUILD_TESTS)
  return()
endif()

# Check 3: a detail header included first, alone, must stop the compiler with its #error.
file(GLOB _asor_detail_headers CONFIGURE_DEPENDS RELATIVE ${PROJECT_SOURCE_DIR}/include
     ${PROJECT_SOURCE_DIR}/include/asor/detail/*.hpp)
foreach(header IN LISTS _asor_detail_headers)
  get_filename_component(name ${header} NAME_WE)
  set(source ${PROJECT_BINARY_DIR}/header_checks/detail_direct_${name}.cpp)
  file(CONFIGURE OUTPUT ${source} CONTENT "// Generated: including ${header} directly must fail.\n#include \"${header}\"\n" @ONLY)
  add_library(asor_detail_direct_${name} OBJECT EXCLUDE_FROM_ALL ${source})
  target_link_libraries(asor_detail_direct_${name} PRIVATE asor::asor)
  add_test(NAME header.detail_private.${name}
           COMMAND ${CMAKE_COMMAND} --build ${PROJECT_BINARY_DIR} --target asor_detail_direct_${name})
  # Passes only on the header's own #error (whatever the exit code); a clean compile fails.
  set_tests_properties(header.detail_private.${name} PROPERTIES
    LABELS unit TIMEOUT 120 RESOURCE_LOCK asor_build_tree
    PASS_REGULAR_EXPRESSION "error:[^\n]*is private")
endforeach()
