# The Python interpreter the module asor is built for, and whose tests run with it
# (ASOR_BUILD_PYTHON; docs/python.md, "Installation"):
#
#   1. Python3_EXECUTABLE, when given (-DPython3_EXECUTABLE=/path/to/python3), is used as it is;
#      it is only checked, with a warning when it cannot import numpy and scipy;
#   2. otherwise the first of `python3` on PATH and /usr/bin/python3 (Debian's) that imports numpy
#      and scipy.sparse: on a machine whose PATH starts with a pyenv or virtualenv python3 without
#      them, Debian's interpreter is chosen, and the configure log says why;
#   3. otherwise configuration stops and names the Debian packages.
#
# Then Python3 (Interpreter, Development.Module: python3-dev) and pybind11 (pybind11-dev) are
# found for that interpreter, and ASOR_PYTHON_INSTALL_DIR is where `cmake --install` puts the
# package, relative to the prefix.

set(_asor_python_check "import numpy, scipy.sparse")

function(_asor_python_imports interpreter result)
  execute_process(COMMAND ${interpreter} -c "${_asor_python_check}" RESULT_VARIABLE rc
                  OUTPUT_QUIET ERROR_QUIET)
  if(rc EQUAL 0)
    set(${result} TRUE PARENT_SCOPE)
  else()
    set(${result} FALSE PARENT_SCOPE)
  endif()
endfunction()

if(Python3_EXECUTABLE)
  _asor_python_imports(${Python3_EXECUTABLE} _asor_python_ok)
  if(NOT _asor_python_ok)
    message(WARNING "asor: Python3_EXECUTABLE=${Python3_EXECUTABLE} cannot `${_asor_python_check}`: "
                    "the module builds, but `import asor` and its tests need numpy and scipy there "
                    "(Debian 12: apt-get install python3-numpy python3-scipy)")
  endif()
  message(STATUS "asor: Python module for ${Python3_EXECUTABLE} (Python3_EXECUTABLE)")
else()
  find_program(_asor_python_on_path NAMES python3 NO_CACHE)
  set(_asor_candidates)
  if(_asor_python_on_path)
    list(APPEND _asor_candidates ${_asor_python_on_path})
  endif()
  if(EXISTS /usr/bin/python3)
    list(APPEND _asor_candidates /usr/bin/python3)
  endif()
  list(REMOVE_DUPLICATES _asor_candidates)
  set(_asor_rejected)
  foreach(candidate IN LISTS _asor_candidates)
    _asor_python_imports(${candidate} _asor_python_ok)
    if(_asor_python_ok)
      set(Python3_EXECUTABLE ${candidate} CACHE FILEPATH
          "The Python interpreter the module asor is built for (chosen at first configure)")
      break()
    endif()
    list(APPEND _asor_rejected "${candidate} (cannot ${_asor_python_check})")
  endforeach()
  if(NOT Python3_EXECUTABLE)
    list(JOIN _asor_rejected "\n  " _asor_rejected)
    message(FATAL_ERROR "asor: ASOR_BUILD_PYTHON=ON needs a python3 that imports numpy and scipy. "
                        "Tried:\n  ${_asor_rejected}\nOn Debian 12 install them with:\n"
                        "  apt-get install python3-numpy python3-scipy\n"
                        "or name an interpreter with -DPython3_EXECUTABLE=/path/to/python3, or "
                        "configure with -DASOR_BUILD_PYTHON=OFF.")
  endif()
  if(_asor_rejected)
    list(JOIN _asor_rejected "; " _asor_rejected)
    message(STATUS "asor: skipped ${_asor_rejected}")
  endif()
  message(STATUS "asor: Python module for ${Python3_EXECUTABLE} (the first that imports numpy "
                 "and scipy; -DPython3_EXECUTABLE=... to choose another)")
endif()

find_package(Python3 3.9 COMPONENTS Interpreter Development.Module QUIET)
if(NOT Python3_Development.Module_FOUND)
  message(FATAL_ERROR "asor: the headers of ${Python3_EXECUTABLE} were not found. On Debian 12 "
                      "install them with:\n  apt-get install python3-dev")
endif()
asor_require_package(pybind11 pybind11-dev 2.6 CONFIG)

# Where `cmake --install` puts the package, relative to CMAKE_INSTALL_PREFIX: Debian's python3
# reads PREFIX/lib/python3.X/dist-packages for PREFIX=/usr/local (its site directory); other
# interpreters read lib/python3.X/site-packages under their prefix.
if(NOT ASOR_PYTHON_INSTALL_DIR)
  execute_process(
    COMMAND ${Python3_EXECUTABLE} -c
            "import sysconfig; print('dist' if 'dist-packages' in sysconfig.get_path('platlib') else 'site')"
    OUTPUT_VARIABLE _asor_site_kind OUTPUT_STRIP_TRAILING_WHITESPACE)
  set(ASOR_PYTHON_INSTALL_DIR
      "lib/python${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}/${_asor_site_kind}-packages"
      CACHE STRING "Where the Python package is installed, relative to CMAKE_INSTALL_PREFIX")
endif()
