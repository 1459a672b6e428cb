# Every dependency comes from a Debian 12 package; a missing one stops with the package's name.
# scripts/setup.sh installs them all.

macro(asor_require_package name debian_package)
  find_package(${name} ${ARGN} QUIET)
  if(NOT ${name}_FOUND)
    message(FATAL_ERROR "asor: dependency '${name}' not found. On Debian 12 install it with:\n"
                        "  apt-get install ${debian_package}\n"
                        "(or run scripts/setup.sh, which installs every dependency)")
  endif()
endmacro()

asor_require_package(Eigen3 libeigen3-dev 3.4 NO_MODULE)
asor_require_package(spdlog libspdlog-dev CONFIG)
asor_require_package(OpenMP "g++ (libgomp) or libomp-14-dev for clang")
# Debian's default Boost (1.74): Asio, lockfree and Graph are header-only there. Debian's
# python3-scipy depends on it (through pythran), so a newer libboost1.81-dev could not be installed
# beside the scientific Python stack.
asor_require_package(Boost libboost-dev 1.74 CONFIG)
# zlib: the readers take gzip-compressed files (.mtx.gz as SuiteSparse distributes them).
asor_require_package(ZLIB zlib1g-dev)
if(ASOR_BUILD_CLI OR ASOR_BUILD_BENCH OR ASOR_BUILD_TESTS OR ASOR_BUILD_PYTHON)
  asor_require_package(nlohmann_json nlohmann-json3-dev 3.11 CONFIG)
endif()
if(ASOR_BUILD_CLI OR ASOR_BUILD_BENCH)
  asor_require_package(CLI11 libcli11-dev CONFIG)
endif()

# CHOLMOD (SuiteSparse 5.x in Debian 12 ships no CMake package): find the header and library.
find_path(CHOLMOD_INCLUDE_DIR cholmod.h PATH_SUFFIXES suitesparse)
find_library(CHOLMOD_LIBRARY cholmod)
if(NOT CHOLMOD_INCLUDE_DIR OR NOT CHOLMOD_LIBRARY)
  message(FATAL_ERROR "asor: CHOLMOD not found. On Debian 12 install it with:\n"
                      "  apt-get install libsuitesparse-dev")
endif()
# Linked by the plugin libasor_cholmod.so only, never by libasor (see src/plugins/).
add_library(asor_cholmod_deps INTERFACE)
target_include_directories(asor_cholmod_deps SYSTEM INTERFACE ${CHOLMOD_INCLUDE_DIR})
target_link_libraries(asor_cholmod_deps INTERFACE ${CHOLMOD_LIBRARY})

# STRUMPACK: no Debian package; compiled in only when its CMake package is found.
set(ASOR_HAVE_STRUMPACK OFF)
if(NOT ASOR_WITH_STRUMPACK STREQUAL "OFF")
  find_package(STRUMPACK CONFIG QUIET)
  if(STRUMPACK_FOUND)
    set(ASOR_HAVE_STRUMPACK ON)
    message(STATUS "asor: STRUMPACK found, reference backend enabled")
  elseif(ASOR_WITH_STRUMPACK STREQUAL "ON")
    message(FATAL_ERROR "asor: ASOR_WITH_STRUMPACK=ON but find_package(STRUMPACK CONFIG) failed. "
                        "STRUMPACK has no Debian package; build it and set STRUMPACK_DIR.")
  else()
    message(STATUS "asor: STRUMPACK not found, reference backend disabled (optional)")
  endif()
endif()

# MPI (distributed solves, asor/distributed.hpp): AUTO turns it on when find_package(MPI) finds
# Open MPI (Debian's libopenmpi-dev + openmpi-bin); ON requires an MPI; OFF builds without.
# METIS (libmetis-dev) is optional on top of it: rank_partition::metis.
set(ASOR_HAVE_MPI OFF)
set(ASOR_HAVE_METIS OFF)
if(NOT ASOR_WITH_MPI STREQUAL "OFF")
  find_package(MPI COMPONENTS CXX QUIET)
  if(MPI_CXX_FOUND)
    # Open MPI's mpi.h defines OPEN_MPI (reading it needs no test program run at configure time).
    set(_asor_open_mpi OFF)
    foreach(dir IN LISTS MPI_CXX_INCLUDE_DIRS)
      if(EXISTS "${dir}/mpi.h")
        file(STRINGS "${dir}/mpi.h" _asor_mpi_flavour REGEX "^#define OPEN_MPI 1")
        if(_asor_mpi_flavour)
          set(_asor_open_mpi ON)
        endif()
      endif()
    endforeach()
    if(ASOR_WITH_MPI STREQUAL "ON" OR _asor_open_mpi)
      set(ASOR_HAVE_MPI ON)
    else()
      message(STATUS "asor: an MPI other than Open MPI was found; distributed solves off "
                     "(ASOR_WITH_MPI=ON to use it)")
    endif()
  elseif(ASOR_WITH_MPI STREQUAL "ON")
    message(FATAL_ERROR "asor: ASOR_WITH_MPI=ON but no MPI was found. On Debian 12 install it with:\n"
                        "  apt-get install libopenmpi-dev openmpi-bin")
  endif()
endif()
if(ASOR_HAVE_MPI)
  find_path(METIS_INCLUDE_DIR metis.h)
  find_library(METIS_LIBRARY metis)
  if(METIS_INCLUDE_DIR AND METIS_LIBRARY)
    set(ASOR_HAVE_METIS ON)
    add_library(asor_metis INTERFACE)
    target_include_directories(asor_metis SYSTEM INTERFACE ${METIS_INCLUDE_DIR})
    target_link_libraries(asor_metis INTERFACE ${METIS_LIBRARY})
  endif()
  find_program(ASOR_MPIEXEC NAMES mpiexec mpirun HINTS ${MPI_HOME} PATH_SUFFIXES bin)
  message(STATUS "asor: distributed solves on MPI ${MPI_CXX_VERSION} (${ASOR_MPIEXEC}), "
                 "METIS ${ASOR_HAVE_METIS}")
else()
  message(STATUS "asor: distributed solves off (ASOR_WITH_MPI=${ASOR_WITH_MPI})")
endif()

if(ASOR_BUILD_TESTS)
  asor_require_package(GTest libgtest-dev CONFIG)
endif()
if(ASOR_BUILD_BENCH)
  asor_require_package(benchmark libbenchmark-dev CONFIG)
endif()
