# Install rules: headers, libmyelon, myelonc, myelon-stat, the CMake package,
# the pkg-config files (myelon.pc; myelon-health.pc and myelon-bridge.pc
# when libmyelon_health and libmyelon_bridge are built: health/ and
# bridge/ install the libraries themselves) and the documentation
# (share/doc/myelon; the man pages are installed by docs/man).
include(CMakePackageConfigHelpers)
set(MYELON_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/myelon)

# Shared libraries: the installed tools find libmyelon* where they were
# installed (RUNPATH $ORIGIN/<bin to lib>), and the libraries find each
# other ($ORIGIN): without it a tool in a prefix that is not the loader's
# path did not start (libmyelon.so.10 not found). A build that sets
# CMAKE_INSTALL_RPATH itself (a distribution's packaging) keeps its own.
if(BUILD_SHARED_LIBS AND NOT CMAKE_INSTALL_RPATH)
  file(RELATIVE_PATH bin_to_lib ${CMAKE_INSTALL_FULL_BINDIR} ${CMAKE_INSTALL_FULL_LIBDIR})
  foreach(t myelon-stat myelon-bridge myelon-health)
    if(TARGET ${t})
      set_target_properties(${t} PROPERTIES INSTALL_RPATH "$ORIGIN/${bin_to_lib}")
    endif()
  endforeach()
  foreach(t myelon_bridge myelon_health)
    if(TARGET ${t})
      set_target_properties(${t} PROPERTIES INSTALL_RPATH "$ORIGIN")
    endif()
  endforeach()
endif()

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
