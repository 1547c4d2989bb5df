# add_myelon_schema(<target> SCHEMAS <file.myl>... [IMPORT_DIRS <dir>...]
#                   [OUT_DIR <dir>] [STUBS <dir>])
#
# Compiles each schema with myelonc into <OUT_DIR>/<stem>.myl.h and
# <stem>.myl.c, adds them to <target>, puts OUT_DIR on its include path and
# links it to myelon::runtime. myelonc writes a depfile listing every schema
# a schema imports, so editing an imported schema regenerates its dependents.
# Works after find_package(myelon) and inside a build that add_subdirectory()s
# myelon. OUT_DIR defaults to ${CMAKE_CURRENT_BINARY_DIR}/myelon_gen.
# STUBS <dir> (relative: to the current source directory) writes, for each
# role of each topology, <dir>/<package>_<Topology>_<role>.c (myelonc
# --stubs): a main loop and a handler per inbound route, to edit. A stub
# is written once, at configure time (so that it can be listed in
# add_executable()), and never over a file that exists; link an executable
# of it with <target>.
if(COMMAND add_myelon_schema)
  return()
endif()
if(POLICY CMP0116)
  cmake_policy(SET CMP0116 NEW) # depfile paths relative to the build dir
endif()

function(add_myelon_schema target)
  cmake_parse_arguments(ARG "" "OUT_DIR;STUBS" "SCHEMAS;IMPORT_DIRS" ${ARGN})
  if(NOT ARG_SCHEMAS)
    message(FATAL_ERROR "add_myelon_schema(${target}): SCHEMAS is required")
  endif()
  if(NOT TARGET myelon::myelonc)
    message(FATAL_ERROR "add_myelon_schema(${target}): myelon::myelonc is not available")
  endif()
  if(NOT ARG_OUT_DIR)
    set(ARG_OUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/myelon_gen)
  endif()
  get_filename_component(out_dir "${ARG_OUT_DIR}" ABSOLUTE BASE_DIR ${CMAKE_CURRENT_BINARY_DIR})
  file(MAKE_DIRECTORY ${out_dir})

  # An ALIAS cannot be used where CMake wants a real target name.
  set(compiler myelon::myelonc)
  get_target_property(aliased myelon::myelonc ALIASED_TARGET)
  if(aliased)
    set(compiler ${aliased})
  endif()

  set(import_flags)
  foreach(dir IN LISTS ARG_IMPORT_DIRS)
    get_filename_component(dir "${dir}" ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    list(APPEND import_flags -I ${dir})
  endforeach()

  if(ARG_STUBS)
    get_filename_component(stub_dir "${ARG_STUBS}" ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    # At configure time, with the myelonc of an installed package (a myelonc
    # built in this project does not exist yet: its build writes them).
    get_target_property(myelonc_path ${compiler} IMPORTED_LOCATION)
    get_target_property(configs ${compiler} IMPORTED_CONFIGURATIONS)
    foreach(cfg IN LISTS configs)
      if(NOT myelonc_path)
        get_target_property(myelonc_path ${compiler} IMPORTED_LOCATION_${cfg})
      endif()
    endforeach()
  endif()

  foreach(schema IN LISTS ARG_SCHEMAS)
    get_filename_component(abs "${schema}" ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    set(stub_flags)
    if(ARG_STUBS)
      set(stub_flags --stubs ${stub_dir})
      if(myelonc_path AND EXISTS "${myelonc_path}")
        execute_process(
          COMMAND ${myelonc_path} -o ${out_dir} ${import_flags} --stubs ${stub_dir} ${abs}
          RESULT_VARIABLE stub_rc ERROR_VARIABLE stub_err)
        if(NOT stub_rc EQUAL 0)
          message(FATAL_ERROR "add_myelon_schema(${target}): myelonc --stubs ${schema}:\n${stub_err}")
        endif()
      endif()
    endif()
    get_filename_component(stem "${abs}" NAME_WLE)
    set(h ${out_dir}/${stem}.myl.h)
    set(c ${out_dir}/${stem}.myl.c)
    set(d ${out_dir}/${stem}.myl.d)
    add_custom_command(
      OUTPUT ${h} ${c}
      COMMAND ${compiler} -o ${out_dir} ${import_flags} --depfile ${d} ${stub_flags} ${abs}
      DEPENDS ${abs} ${compiler}
      DEPFILE ${d}
      COMMENT "myelonc ${schema}"
      VERBATIM)
    target_sources(${target} PRIVATE ${h} ${c})
  endforeach()
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${out_dir}>)
  target_link_libraries(${target} PUBLIC myelon::runtime)
endfunction()
