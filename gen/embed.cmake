# cmake -DOUT=<file.c> -DINPUTS=<name>=<path>|... -P embed.cmake
# Writes a C file defining `const char mylc_tpl_<name>[]` with each input's
# bytes, so that an installed myelonc needs no source tree.
set(text "/* Generated at build time from templates/ by gen/embed.cmake. */\n")
string(REPLACE "|" ";" INPUTS "${INPUTS}")
foreach(pair IN LISTS INPUTS)
  string(REPLACE "=" ";" kv "${pair}")
  list(GET kv 0 name)
  list(GET kv 1 path)
  file(READ "${path}" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
  string(APPEND text "extern const char mylc_tpl_${name}[];\n")
  string(APPEND text "const char mylc_tpl_${name}[] = {\n${bytes}0x00};\n")
endforeach()
file(WRITE "${OUT}.tmp" "${text}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
