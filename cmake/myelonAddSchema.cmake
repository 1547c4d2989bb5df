# add_myelon_schema(<target> SCHEMAS <file.myl>... [IMPORT_DIRS <dir>...]
#                   [OUT_DIR <dir>])
#
# Compiles each schema with myelonc into <OUT_DIR>/<stem>.myl.h and
# <stem>.myl.c, adds them to <target>, puts OUT_DIR on its include path and
# links it to myelon::runtime. myelonc writes a depfile listing every schema
# a schema imports, so editing an imported schema regenerates its dependents.
# Works after find_package(myelon) and inside a build that add_subdirectory()s
# myelon. OUT_DIR defaults to ${CMAKE_CURRENT_BINARY_DIR}/myelon_gen.
if(COMMAND add_myelon_schema)
  return()
endif()
if(POLICY CMP0116)
  cmake_policy(SET CMP0116 NEW) # depfile paths relative to the build dir
endif()

function(add_myelon_schema target)
  cmake_parse_arguments(ARG "" "OUT_DIR" "SCHEMAS;IMPORT_DIRS" ${ARGN})
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

  foreach(schema IN LISTS ARG_SCHEMAS)
    get_filename_component(abs "${schema}" ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    get_filename_component(stem "${abs}" NAME_WLE)
    set(h ${out_dir}/${stem}.myl.h)
    set(c ${out_dir}/${stem}.myl.c)
    set(d ${out_dir}/${stem}.myl.d)
    add_custom_command(
      OUTPUT ${h} ${c}
      COMMAND ${compiler} -o ${out_dir} ${import_flags} --depfile ${d} ${abs}
      DEPENDS ${abs} ${compiler}
      DEPFILE ${d}
      COMMENT "myelonc ${schema}"
      VERBATIM)
    target_sources(${target} PRIVATE ${h} ${c})
  endforeach()
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${out_dir}>)
  target_link_libraries(${target} PUBLIC myelon::runtime)
endfunction()
