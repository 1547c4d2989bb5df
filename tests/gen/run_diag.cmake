# A diagnostic test: `myelonc --check NAME.myl` (NAME.fbs if there is one:
# a FlatBuffers schema; run in DIR, so that paths in messages are relative)
# must exit with status 1 and print exactly NAME.err on standard error.
# Expected files are regenerated with scripts/update-goldens.sh (review the
# diff before committing).
set(src ${NAME}.myl)
if(EXISTS ${DIR}/${NAME}.fbs)
  set(src ${NAME}.fbs)
endif()
execute_process(COMMAND ${MYELONC} --check ${src}
  WORKING_DIRECTORY ${DIR}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(READ ${DIR}/${NAME}.err expected)
if(NOT rc STREQUAL "1")
  message(FATAL_ERROR "myelonc --check ${src}: exit status '${rc}', expected 1\n${err}")
endif()
if(NOT err STREQUAL expected)
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/${NAME}.actual.err "${err}")
  message(FATAL_ERROR "myelonc --check ${src}: diagnostics differ from ${NAME}.err\n"
                      "--- expected\n${expected}\n--- actual\n${err}")
endif()
if(NOT out STREQUAL "")
  message(FATAL_ERROR "myelonc --check wrote to standard output:\n${out}")
endif()
