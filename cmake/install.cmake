# Install rules: headers, libmyelon, myelonc, myelon-stat, the CMake package,
# the pkg-config files (myelon.pc; myelon-health.pc and myelon-bridge.pc
# when libmyelon_health and libmyelon_bridge are built: health/ and
# bridge/ install the libraries themselves) and the documentation
# (share/doc/myelon; the man pages are installed by docs/man).
include(CMakePackageConfigHelpers)
set(MYELON_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/myelon)

install(TARGETS myelon_runtime EXPORT myelonTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET myelonc)
  install(TARGETS myelonc EXPORT myelonTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
foreach(tool myelon-stat)
  if(TARGET ${tool})
    install(TARGETS ${tool} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endforeach()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/myelon
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/runtime/include/myelon/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/myelon)

install(EXPORT myelonTargets NAMESPACE myelon:: DESTINATION ${MYELON_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/myelonConfig.cmake.in
  ${PROJECT_BINARY_DIR}/myelonConfig.cmake INSTALL_DESTINATION ${MYELON_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/myelonConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/myelonConfig.cmake
              ${PROJECT_BINARY_DIR}/myelonConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/myelonAddSchema.cmake
        DESTINATION ${MYELON_CMAKE_DIR})

# myelon.pc finds the prefix relative to itself: one ".." per component of
# <libdir>/pkgconfig, so a multiarch libdir (lib/x86_64-linux-gnu) climbs
# three levels. A directory given as an absolute path is written as is.
string(REGEX REPLACE "/+$" "" pc_dir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(MYELON_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  string(REGEX REPLACE "[^/]+" ".." up "${pc_dir}")
  string(REGEX REPLACE "/+" "/" up "${up}")
  set(MYELON_PC_PREFIX "\${pcfiledir}/${up}")
endif()
foreach(d LIBDIR INCLUDEDIR BINDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${d}}")
    set(MYELON_PC_${d} "${CMAKE_INSTALL_${d}}")
  else()
    set(MYELON_PC_${d} "\${prefix}/${CMAKE_INSTALL_${d}}")
  endif()
endforeach()
configure_file(${PROJECT_SOURCE_DIR}/cmake/myelon.pc.in ${PROJECT_BINARY_DIR}/myelon.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/myelon.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
foreach(lib health bridge)
  if(TARGET myelon_${lib})
    configure_file(${PROJECT_SOURCE_DIR}/cmake/myelon-${lib}.pc.in
                   ${PROJECT_BINARY_DIR}/myelon-${lib}.pc @ONLY)
    install(FILES ${PROJECT_BINARY_DIR}/myelon-${lib}.pc
            DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
  endif()
endforeach()

install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/CONTRIBUTING.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
file(GLOB MYELON_DOCS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${MYELON_DOCS} DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)
