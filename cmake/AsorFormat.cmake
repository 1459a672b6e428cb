# `format` and `format-check`: clang-format 14 (the pinned formatter, see .clang-format) over every
# *.cpp / *.hpp under include/ src/ tests/ bench/ examples/ fuzz/ python/.
#
# Included from the top-level CMakeLists.txt it defines the two targets; each runs this same file
# in script mode (cmake -P), which lists the files when it runs, so a new file needs no
# reconfigure:
#   cmake -DASOR_CLANG_FORMAT=<exe> -DASOR_SOURCE_DIR=<dir> -DASOR_FORMAT_MODE=fix|check -P <this>

set(_asor_format_dirs include src tests bench examples fuzz python)

if(CMAKE_SCRIPT_MODE_FILE)
  cmake_minimum_required(VERSION 3.25)
  set(files)
  foreach(dir IN LISTS _asor_format_dirs)
    file(GLOB_RECURSE found LIST_DIRECTORIES false "${ASOR_SOURCE_DIR}/${dir}/*.cpp"
         "${ASOR_SOURCE_DIR}/${dir}/*.hpp")
    list(APPEND files ${found})
  endforeach()
  list(SORT files)
  list(LENGTH files count)
  if(count EQUAL 0)
    message(STATUS "asor format: no files")
    return()
  endif()
  if(ASOR_FORMAT_MODE STREQUAL "fix")
    execute_process(COMMAND ${ASOR_CLANG_FORMAT} -i --style=file ${files}
                    WORKING_DIRECTORY ${ASOR_SOURCE_DIR} RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "asor format: clang-format failed (${rc})")
    endif()
    message(STATUS "asor format: formatted ${count} files")
  else()
    execute_process(COMMAND ${ASOR_CLANG_FORMAT} --dry-run --Werror --style=file ${files}
                    WORKING_DIRECTORY ${ASOR_SOURCE_DIR} RESULT_VARIABLE rc
                    ERROR_VARIABLE diagnostics)
    if(NOT rc EQUAL 0)
      # One line per file that needs formatting, with its number of places.
      string(REGEX MATCHALL "[^\n]+:[0-9]+:[0-9]+: (error|warning): code should be clang-formatted"
             lines "${diagnostics}")
      set(bad)
      foreach(line IN LISTS lines)
        string(REGEX REPLACE ":[0-9]+:[0-9]+: .*" "" path "${line}")
        file(RELATIVE_PATH path ${ASOR_SOURCE_DIR} ${path})
        list(APPEND bad ${path})
      endforeach()
      if(NOT bad)
        message("${diagnostics}")
        message(FATAL_ERROR "asor format-check: clang-format failed (${rc})")
      endif()
      set(report)
      set(seen)
      foreach(path IN LISTS bad)
        if(NOT path IN_LIST seen)
          list(APPEND seen ${path})
          set(n 0)
          foreach(other IN LISTS bad)
            if(other STREQUAL path)
              math(EXPR n "${n} + 1")
            endif()
          endforeach()
          list(APPEND report "${path} (${n} places)")
        endif()
      endforeach()
      list(LENGTH seen nbad)
      list(JOIN report "\n  " report)
      message(FATAL_ERROR "asor format-check: ${nbad} of ${count} files are not clang-formatted; "
                          "fix with `cmake --build --preset dev --target format` (or "
                          "`clang-format-14 -i FILE`), see with `clang-format-14 --dry-run FILE`:"
                          "\n  ${report}")
    endif()
    message(STATUS "asor format-check: ${count} files are clang-formatted")
  endif()
  return()
endif()

# Project mode: find clang-format 14 exactly (another major version formats differently).
find_program(ASOR_CLANG_FORMAT NAMES clang-format-14 clang-format
             DOC "clang-format 14, the formatter pinned by .clang-format")
set(_asor_format_error "")
if(ASOR_CLANG_FORMAT)
  execute_process(COMMAND ${ASOR_CLANG_FORMAT} --version OUTPUT_VARIABLE _asor_format_version
                  ERROR_QUIET)
  if(NOT _asor_format_version MATCHES "version 14\\.")
    set(_asor_format_error "${ASOR_CLANG_FORMAT} is not clang-format 14 (${_asor_format_version})")
  endif()
else()
  set(_asor_format_error "clang-format 14 not found (Debian 12: apt-get install clang-format-14)")
endif()

if(_asor_format_error)
  string(STRIP "${_asor_format_error}" _asor_format_error)
  foreach(target format format-check)
    add_custom_target(${target}
      COMMAND ${CMAKE_COMMAND} -E echo "asor ${target}: ${_asor_format_error}"
      COMMAND ${CMAKE_COMMAND} -E false
      VERBATIM)
  endforeach()
else()
  add_custom_target(format
    COMMAND ${CMAKE_COMMAND} -DASOR_CLANG_FORMAT=${ASOR_CLANG_FORMAT}
            -DASOR_SOURCE_DIR=${PROJECT_SOURCE_DIR} -DASOR_FORMAT_MODE=fix
            -P ${CMAKE_CURRENT_LIST_FILE}
    COMMENT "clang-format 14: formatting the sources in place"
    VERBATIM USES_TERMINAL)
  add_custom_target(format-check
    COMMAND ${CMAKE_COMMAND} -DASOR_CLANG_FORMAT=${ASOR_CLANG_FORMAT}
            -DASOR_SOURCE_DIR=${PROJECT_SOURCE_DIR} -DASOR_FORMAT_MODE=check
            -P ${CMAKE_CURRENT_LIST_FILE}
    COMMENT "clang-format 14: checking the sources (--dry-run --Werror)"
    VERBATIM USES_TERMINAL)
endif()
