include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS asor_lib EXPORT asorTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS asor_cholmod_plugin LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
if(ASOR_HAVE_MPI)
  install(DIRECTORY include/asor DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
else()
  # Without MPI the library has no distributed engine: its header is not installed.
  install(DIRECTORY include/asor DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
          PATTERN distributed.hpp EXCLUDE)
endif()
install(FILES LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_BINARY_DIR}/include/asor/config.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/asor)
if(TARGET asor_cli)
  install(TARGETS asor_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  if(EXISTS ${PROJECT_SOURCE_DIR}/scripts/asor_plot.py)
    install(PROGRAMS scripts/asor_plot.py DESTINATION ${CMAKE_INSTALL_DATADIR}/asor)
  endif()
endif()
install(EXPORT asorTargets NAMESPACE asor:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/asor)
configure_package_config_file(cmake/asorConfig.cmake.in ${PROJECT_BINARY_DIR}/asorConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/asor)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/asorConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/asorConfig.cmake ${PROJECT_BINARY_DIR}/asorConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/asor)
