# A compatibility test: `myelonc --check-compat NAME.old.myl NAME.new.myl`
# (or NAME.old.fbs NAME.new.fbs, FlatBuffers schemas read as they are)
# (run in DIR, so that paths in messages are relative) must print exactly
# NAME.out: its standard error, "--- stdout", its standard output and
# "--- exit N". Expected files are regenerated with
# scripts/update-goldens.sh (review the diff before committing).
set(ext myl)
if(EXISTS ${DIR}/${NAME}.old.fbs)
  set(ext fbs)
endif()
execute_process(COMMAND ${MYELONC} --check-compat ${NAME}.old.${ext} ${NAME}.new.${ext}
  WORKING_DIRECTORY ${DIR}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(actual "${err}--- stdout\n${out}--- exit ${rc}\n")
file(READ ${DIR}/${NAME}.out expected)
if(NOT actual STREQUAL expected)
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/${NAME}.actual.out "${actual}")
  message(FATAL_ERROR "myelonc --check-compat ${NAME}: output differs from ${NAME}.out\n"
                      "--- expected\n${expected}\n--- actual\n${actual}")
endif()
# The table's names say what each pair is: ok_* must pass, bad_* must break.
if(NAME MATCHES "^ok_" AND NOT rc STREQUAL "0")
  message(FATAL_ERROR "${NAME}: a compatible pair, exit status ${rc}")
endif()
if(NAME MATCHES "^bad_" AND NOT rc STREQUAL "1")
  message(FATAL_ERROR "${NAME}: a breaking pair, exit status ${rc}")
endif()
