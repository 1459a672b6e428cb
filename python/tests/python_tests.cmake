# The Python tests (included by python/CMakeLists.txt when ASOR_BUILD_TESTS):
#  - every python/tests/test_*.py is one ctest, python.<name> (label python), run by pytest with
#    the interpreter the module was built for (Python3_EXECUTABLE), on the build tree's package;
#  - python.install installs the build into a scratch prefix and imports asor from there.
file(GLOB ASOR_PYTHON_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/test_*.py)
set(ASOR_PYTHON_TEST_ENV
    PYTHONPATH=${ASOR_PYTHON_BUILD_DIR}
    PYTHONDONTWRITEBYTECODE=1
    PYTHONNOUSERSITE=1
    MPLBACKEND=Agg
    ASOR_TEST_DATA_DIR=${PROJECT_SOURCE_DIR}/tests/data
    ASOR_SOURCE_DIR=${PROJECT_SOURCE_DIR}
    ASOR_VERSION=${PROJECT_VERSION})
if(TARGET asor_cli)
  list(APPEND ASOR_PYTHON_TEST_ENV ASOR_CLI=$<TARGET_FILE:asor_cli>)
endif()
foreach(test IN LISTS ASOR_PYTHON_TESTS)
  get_filename_component(name ${test} NAME_WE)
  string(REGEX REPLACE "^test_" "" name ${name})
  add_test(NAME python.${name}
           COMMAND ${Python3_EXECUTABLE} -m pytest -q -p no:cacheprovider
                   --rootdir=${CMAKE_CURRENT_LIST_DIR} ${test})
  set_tests_properties(python.${name} PROPERTIES
    LABELS python TIMEOUT 300 PROCESSORS 2 ENVIRONMENT "${ASOR_PYTHON_TEST_ENV}")
endforeach()

add_test(NAME python.install
         COMMAND ${CMAKE_COMMAND}
                 -DASOR_BINARY_DIR=${PROJECT_BINARY_DIR}
                 -DWORK_DIR=${PROJECT_BINARY_DIR}/python-install-test
                 -DPYTHON=${Python3_EXECUTABLE}
                 -DINSTALL_DIR=${ASOR_PYTHON_INSTALL_DIR}
                 -DCHECK=${CMAKE_CURRENT_LIST_DIR}/installed_check.py
                 -DVERSION=${PROJECT_VERSION}
                 -DBUILD_TYPE=$<CONFIG>
                 -P ${CMAKE_CURRENT_LIST_DIR}/run_install_test.cmake)
set_tests_properties(python.install PROPERTIES
  LABELS "python;consumer" TIMEOUT 300 PROCESSORS 1 RESOURCE_LOCK asor_build_tree)
