# A golden test: compile SCHEMA with myelonc (with --emit-fbs) into OUT and
# compare each output (.myl.h, .myl.c, .fbs, and what --print says, .print)
# with its checked-in copy in GOLDEN. Also used, with two OUT
# directories, for the determinism test (DETERMINISM=ON: compile twice,
# compare the two runs byte for byte).
get_filename_component(stem ${SCHEMA} NAME_WE)
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
execute_process(COMMAND ${MYELONC} --emit-fbs -o ${OUT} -I ${INCLUDE} ${SCHEMA}
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc STREQUAL "0")
  message(FATAL_ERROR "myelonc ${SCHEMA} failed (${rc}):\n${err}")
endif()
# --print (the resolved schema: layouts, field ids, routes, stages,
# fingerprints), run in the schema's folder with a relative -I: the paths
# it prints (the schema's, its imports') are the same on every machine.
function(print_schema dest)
  get_filename_component(dir ${SCHEMA} DIRECTORY)
  get_filename_component(name ${SCHEMA} NAME)
  file(RELATIVE_PATH inc ${dir} ${INCLUDE})
  if(inc STREQUAL "")
    set(inc .)
  endif()
  execute_process(COMMAND ${MYELONC} --print -I ${inc} ${name} WORKING_DIRECTORY ${dir}
    OUTPUT_FILE ${dest} RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc STREQUAL "0")
    message(FATAL_ERROR "myelonc --print ${SCHEMA} failed (${rc}):\n${err}")
  endif()
endfunction()
print_schema(${OUT}/${stem}.print)
if(DETERMINISM)
  file(REMOVE_RECURSE ${OUT}.2)
  file(MAKE_DIRECTORY ${OUT}.2)
  execute_process(COMMAND ${MYELONC} --emit-fbs -o ${OUT}.2 -I ${INCLUDE} ${SCHEMA}
                  RESULT_VARIABLE rc)
  print_schema(${OUT}.2/${stem}.print)
  set(GOLDEN ${OUT}.2)
endif()
foreach(ext myl.h myl.c fbs print)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}/${stem}.${ext}
                          ${GOLDEN}/${stem}.${ext} RESULT_VARIABLE same)
  if(NOT same EQUAL 0)
    execute_process(COMMAND diff -u ${GOLDEN}/${stem}.${ext} ${OUT}/${stem}.${ext}
                    OUTPUT_VARIABLE d)
    message(FATAL_ERROR "${stem}.${ext} differs from ${GOLDEN}/${stem}.${ext} "
                        "(regenerate with scripts/update-goldens.sh if intended):\n${d}")
  endif()
endforeach()
