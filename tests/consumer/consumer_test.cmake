# The ctest `consumer.find_package` (label: consumer): install this build tree into a scratch
# prefix, configure tests/consumer against it with find_package(asor CONFIG), build it, run it.
# Included by tests/CMakeLists.txt (not in sanitizer builds); the steps are in
# run_consumer_test.cmake.
set(_asor_consumer_dir ${PROJECT_BINARY_DIR}/consumer-test)
add_test(NAME consumer.find_package
         COMMAND ${CMAKE_COMMAND}
                 -DASOR_BINARY_DIR=${PROJECT_BINARY_DIR}
                 -DCONSUMER_SOURCE_DIR=${CMAKE_CURRENT_LIST_DIR}
                 -DWORK_DIR=${_asor_consumer_dir}
                 -DGENERATOR=${CMAKE_GENERATOR}
                 -DCXX_COMPILER=${CMAKE_CXX_COMPILER}
                 -DBUILD_TYPE=$<CONFIG>
                 -P ${CMAKE_CURRENT_LIST_DIR}/run_consumer_test.cmake)
set_tests_properties(consumer.find_package PROPERTIES
  LABELS consumer TIMEOUT 600 PROCESSORS 2 RESOURCE_LOCK asor_build_tree)
