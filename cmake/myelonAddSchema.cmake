# add_myelon_schema([<target>] SCHEMAS <file.myl>...
#                   [TARGET <library> [LIBRARY_TYPE STATIC|OBJECT]]
#                   [IMPORT_DIRS <dir>...] [FLAGS <myelonc flag>...]
#                   [OUT_DIR <dir>] [OUT_VAR <variable>] [STUBS <dir>])
#
# Compiles each schema with myelonc into <OUT_DIR>/<stem>.myl.h and
# <stem>.myl.c (and <stem>.fbs with FLAGS --emit-fbs).
#
#   <target>     the generated sources are added to this existing target,
#                OUT_DIR goes on its include path and it links
#                myelon::runtime.
#   TARGET       a new library of the generated code instead (STATIC unless
#                LIBRARY_TYPE OBJECT), with OUT_DIR and myelon::runtime as
#                usage requirements: several executables link it and share
#                one generation. With both, <target> links the library.
#   IMPORT_DIRS  where `import "x.myl";` is looked up after the importing
#                schema's own directory (myelonc -I). Imported schemas are
#                generated too, without being listed; an import found
#                nowhere is a configure-time error.
#   FLAGS        passed to myelonc as they are (e.g. --emit-fbs).
#   OUT_DIR      default: ${CMAKE_CURRENT_BINARY_DIR}/myelon_gen/<target or
#                TARGET>, so two targets never generate into one directory;
#                two calls that would write the same file are an error that
#                says to share a TARGET instead.
#   OUT_VAR      set to the list of generated files.
#   STUBS        (relative: to the current source directory) writes, for
#                each role of each topology of the listed schemas,
#                <dir>/<package>_<Topology>_<role>.c (myelonc --stubs): a
#                main loop and a handler per inbound route, to edit, and
#                for each pipeline <dir>/<package>_<Pipeline>.c (a main
#                loop over the generated runner, a handler per stage). A stub
#                is written once, at configure time (so that it can be
#                listed in add_executable()), and never over a file that
#                exists; link an executable of it with the generated code.
#                The listed schemas are then configure dependencies: an
#                edit configures again and writes the stubs of new roles.
#
# myelonc writes a depfile listing every schema a schema imports, so editing
# an imported schema regenerates its dependents. Works after
# find_package(myelon) and inside a build that add_subdirectory()s myelon.
if(COMMAND add_myelon_schema)
  return()
endif()
if(POLICY CMP0116)
  cmake_policy(SET CMP0116 NEW) # depfile paths relative to the build dir
endif()

# The schemas a schema imports, resolved as myelonc does: next to the
# importing file, then in each import dir in order. Sets <out_var> to the
# absolute paths; a missing import is a fatal error naming the fix.
function(_myelon_schema_imports who schema import_dirs out_var)
  file(STRINGS "${schema}" lines REGEX "import")
  get_filename_component(here "${schema}" DIRECTORY)
  set(found)
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "//.*$" "" line "${line}")
    if(NOT line MATCHES "^[ \t]*import[ \t]+\"([^\"]+)\"")
      continue()
    endif()
    set(rel "${CMAKE_MATCH_1}")
    set(path)
    if(IS_ABSOLUTE "${rel}")
      if(EXISTS "${rel}")
        set(path "${rel}")
      endif()
    else()
      set(dirs "${here}" ${import_dirs})
      foreach(dir IN LISTS dirs)
        if(EXISTS "${dir}/${rel}" AND NOT IS_DIRECTORY "${dir}/${rel}")
          get_filename_component(path "${dir}/${rel}" ABSOLUTE)
          break()
        endif()
      endforeach()
    endif()
    if(NOT path)
      string(REPLACE ";" " " dirs "${import_dirs}")
      if(NOT dirs)
        set(dirs "(none)")
      endif()
      message(FATAL_ERROR
        "${who}: ${schema} imports \"${rel}\", which is neither next to it "
        "nor in IMPORT_DIRS ${dirs}. Add the directory that holds it: "
        "IMPORT_DIRS <dir>.")
    endif()
    list(APPEND found "${path}")
  endforeach()
  set(${out_var} "${found}" PARENT_SCOPE)
endfunction()

function(add_myelon_schema)
  # The keywords, in one place so that new ones are easy to add (set inside
  # the function: a caller in another directory scope would not see them).
  set(options "")
  set(one_value TARGET LIBRARY_TYPE OUT_DIR OUT_VAR STUBS)
  set(multi_value SCHEMAS IMPORT_DIRS FLAGS)

  set(target)
  set(args ${ARGN})
  if(args)
    list(GET args 0 first)
    if(NOT first IN_LIST one_value AND NOT first IN_LIST multi_value
       AND NOT first IN_LIST options)
      set(target ${first})
      list(REMOVE_AT args 0)
    endif()
  endif()
  cmake_parse_arguments(ARG "${options}" "${one_value}" "${multi_value}" ${args})
  set(who "add_myelon_schema(${target}${ARG_TARGET})")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "${who}: unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_SCHEMAS)
    message(FATAL_ERROR "${who}: SCHEMAS is required")
  endif()
  if(NOT target AND NOT ARG_TARGET)
    message(FATAL_ERROR "add_myelon_schema: name a target to add the code to, or a "
                        "library to create with TARGET <name>")
  endif()
  if(target AND NOT TARGET ${target})
    message(FATAL_ERROR "${who}: ${target} is not a target (create it first, or use "
                        "TARGET ${target} to have a library of the generated code created)")
  endif()
  if(ARG_TARGET AND TARGET ${ARG_TARGET})
    message(FATAL_ERROR "${who}: TARGET ${ARG_TARGET} exists already; TARGET creates it")
  endif()
  if(NOT ARG_LIBRARY_TYPE)
    set(ARG_LIBRARY_TYPE STATIC)
  elseif(NOT ARG_LIBRARY_TYPE MATCHES "^(STATIC|OBJECT)$")
    message(FATAL_ERROR "${who}: LIBRARY_TYPE is STATIC or OBJECT, not ${ARG_LIBRARY_TYPE}")
  endif()
  if(NOT TARGET myelon::myelonc)
    message(FATAL_ERROR "${who}: myelon::myelonc is not available")
  endif()
  if(ARG_TARGET)
    set(owner ${ARG_TARGET})
  else()
    set(owner ${target})
  endif()
  if(NOT ARG_OUT_DIR)
    set(ARG_OUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/myelon_gen/${owner})
  endif()
  get_filename_component(out_dir "${ARG_OUT_DIR}" ABSOLUTE BASE_DIR ${CMAKE_CURRENT_BINARY_DIR})
  file(MAKE_DIRECTORY ${out_dir})

  # An ALIAS cannot be used where CMake wants a real target name.
  set(compiler myelon::myelonc)
  get_target_property(aliased myelon::myelonc ALIASED_TARGET)
  if(aliased)
    set(compiler ${aliased})
  endif()

  set(import_dirs)
  set(import_flags)
  foreach(dir IN LISTS ARG_IMPORT_DIRS)
    get_filename_component(dir "${dir}" ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    list(APPEND import_dirs ${dir})
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
  set(emit_fbs OFF)
  if("--emit-fbs" IN_LIST ARG_FLAGS)
    set(emit_fbs ON)
  endif()

  # The listed schemas and, transitively, what they import.
  set(todo)
  set(listed)
  foreach(schema IN LISTS ARG_SCHEMAS)
    get_filename_component(abs "${schema}" ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    if(NOT EXISTS "${abs}")
      message(FATAL_ERROR "${who}: schema ${schema} not found (${abs})")
    endif()
    list(APPEND todo "${abs}")
    list(APPEND listed "${abs}")
  endforeach()
  set(all)
  while(todo)
    list(POP_FRONT todo abs)
    if(abs IN_LIST all)
      continue()
    endif()
    list(APPEND all "${abs}")
    _myelon_schema_imports("${who}" "${abs}" "${import_dirs}" imported)
    list(APPEND todo ${imported})
  endwhile()

  set(generated)
  set(sources)
  set(stems)
  foreach(abs IN LISTS all)
    get_filename_component(stem "${abs}" NAME_WLE)
    if(stem IN_LIST stems)
      message(FATAL_ERROR "${who}: two schemas named ${stem}.myl would both generate "
                          "${out_dir}/${stem}.myl.h; give them separate calls and OUT_DIRs")
    endif()
    list(APPEND stems ${stem})
    set(h ${out_dir}/${stem}.myl.h)
    set(c ${out_dir}/${stem}.myl.c)
    set(d ${out_dir}/${stem}.myl.d)
    set(outs ${h} ${c})
    if(emit_fbs)
      list(APPEND outs ${out_dir}/${stem}.fbs)
    endif()
    # One rule per output file in the whole build: a second one would run
    # myelonc twice into one directory, racing with the first.
    get_property(prev GLOBAL PROPERTY "MYELON_SCHEMA_OUTPUT:${h}")
    if(prev)
      message(FATAL_ERROR
        "${who}: ${h} is generated already by ${prev}. To share one "
        "generation between targets, create a library once with "
        "add_myelon_schema(TARGET <name> SCHEMAS ...) and link it to each; "
        "or give this call its own OUT_DIR.")
    endif()
    set_property(GLOBAL PROPERTY "MYELON_SCHEMA_OUTPUT:${h}" "${who}")
    set(stub_flags)
    if(ARG_STUBS AND abs IN_LIST listed)
      if(myelonc_path AND EXISTS "${myelonc_path}")
        # Written now; an edit of the schema configures again (and writes
        # the stubs of roles it added), so the build's own runs need not
        # write them, nor say of each existing one that it is left alone.
        execute_process(
          COMMAND ${myelonc_path} -o ${out_dir} ${import_flags} --stubs ${stub_dir} ${abs}
          RESULT_VARIABLE stub_rc ERROR_VARIABLE stub_err)
        if(NOT stub_rc EQUAL 0)
          message(FATAL_ERROR "${who}: myelonc --stubs ${abs}:\n${stub_err}")
        endif()
        set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${abs})
      else()
        set(stub_flags --stubs ${stub_dir}) # a myelonc this build makes: its runs write them
      endif()
    endif()
    add_custom_command(
      OUTPUT ${outs}
      COMMAND ${compiler} -o ${out_dir} ${import_flags} ${ARG_FLAGS} --depfile ${d} ${stub_flags}
              ${abs}
      DEPENDS ${abs} ${compiler}
      DEPFILE ${d}
      COMMENT "myelonc ${abs}"
      VERBATIM)
    list(APPEND generated ${outs})
    list(APPEND sources ${h} ${c})
  endforeach()

  if(ARG_TARGET)
    add_library(${ARG_TARGET} ${ARG_LIBRARY_TYPE} ${sources})
    target_include_directories(${ARG_TARGET} PUBLIC $<BUILD_INTERFACE:${out_dir}>)
    target_link_libraries(${ARG_TARGET} PUBLIC myelon::runtime)
    set_target_properties(${ARG_TARGET} PROPERTIES POSITION_INDEPENDENT_CODE ON)
    if(target)
      target_link_libraries(${target} PUBLIC ${ARG_TARGET})
    endif()
  else()
    target_sources(${target} PRIVATE ${sources})
    target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${out_dir}>)
    target_link_libraries(${target} PUBLIC myelon::runtime)
  endif()
  if(ARG_OUT_VAR)
    set(${ARG_OUT_VAR} ${generated} PARENT_SCOPE)
  endif()
endfunction()

# myelon_check_compat(BASELINE <old.myl> SCHEMA <new.myl>
#                     [NAME <name>] [IMPORT_DIRS <dir>...] [BUILD])
#
# Checks that SCHEMA is a compatible evolution of a checked-in BASELINE
# (myelonc --check-compat; rules in docs/myl.md §8.1): a ctest NAME
# (default myelon_compat_<stem of SCHEMA>) that fails on a breaking change
# and prints every one, with the compatible changes. With BUILD, a target
# NAME in ALL instead, so that a breaking change fails the build. Relative
# paths are relative to the current source directory.
function(myelon_check_compat)
  cmake_parse_arguments(ARG "BUILD" "BASELINE;SCHEMA;NAME" "IMPORT_DIRS" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "myelon_check_compat: unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_BASELINE OR NOT ARG_SCHEMA)
    message(FATAL_ERROR "myelon_check_compat: BASELINE and SCHEMA are required")
  endif()
  if(NOT TARGET myelon::myelonc)
    message(FATAL_ERROR "myelon_check_compat: myelon::myelonc is not available")
  endif()
  get_filename_component(old ${ARG_BASELINE} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
  get_filename_component(new ${ARG_SCHEMA} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
  if(NOT ARG_NAME)
    get_filename_component(stem ${new} NAME_WE)
    set(ARG_NAME myelon_compat_${stem})
  endif()
  set(incs)
  foreach(d IN LISTS ARG_IMPORT_DIRS)
    get_filename_component(d ${d} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    list(APPEND incs -I ${d})
  endforeach()
  if(ARG_BUILD)
    add_custom_target(${ARG_NAME} ALL
      COMMAND myelon::myelonc ${incs} --check-compat ${old} ${new}
      DEPENDS ${old} ${new}
      COMMENT "myelonc --check-compat ${ARG_BASELINE} ${ARG_SCHEMA}"
      VERBATIM)
  else()
    add_test(NAME ${ARG_NAME} COMMAND myelon::myelonc ${incs} --check-compat ${old} ${new})
  endif()
endfunction()
