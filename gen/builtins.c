/* Facts about the built-in types, in one table that resolve, check,
 * layout and both emitters read: a new built-in type is a row here (and
 * the runtime's accessors and cursor calls it names). */
#include "mylc.h"

/* clang-format off */
#define NONE_ROW {NULL, "void", 0, false, false, false, NULL, "u8", "myl_cenc_uvar", "myl_cdec_uvar"}
const mylc_builtin_row mylc_builtins[MYLC_T_NAMED + 1] = {
    /*               name      C type      size int    signed scalar .fbs      fb     compact put       compact get */
    [MYLC_T_NONE]   = NONE_ROW,
    [MYLC_T_U8]     = {"u8",     "uint8_t",  1, true,  false, true,  "ubyte",  "u8",   "myl_cenc_u8",   "myl_cdec_u8"},
    [MYLC_T_U16]    = {"u16",    "uint16_t", 2, true,  false, true,  "ushort", "u16",  "myl_cenc_uvar", "myl_cdec_uvar16"},
    [MYLC_T_U32]    = {"u32",    "uint32_t", 4, true,  false, true,  "uint",   "u32",  "myl_cenc_uvar", "myl_cdec_uvar32"},
    [MYLC_T_U64]    = {"u64",    "uint64_t", 8, true,  false, true,  "ulong",  "u64",  "myl_cenc_uvar", "myl_cdec_uvar"},
    [MYLC_T_I8]     = {"i8",     "int8_t",   1, true,  true,  true,  "byte",   "i8",   "myl_cenc_i8",   "myl_cdec_i8"},
    [MYLC_T_I16]    = {"i16",    "int16_t",  2, true,  true,  true,  "short",  "i16",  "myl_cenc_svar", "myl_cdec_svar16"},
    [MYLC_T_I32]    = {"i32",    "int32_t",  4, true,  true,  true,  "int",    "i32",  "myl_cenc_svar", "myl_cdec_svar32"},
    [MYLC_T_I64]    = {"i64",    "int64_t",  8, true,  true,  true,  "long",   "i64",  "myl_cenc_svar", "myl_cdec_svar"},
    [MYLC_T_F32]    = {"f32",    "float",    4, false, false, true,  "float",  "f32",  "myl_cenc_f32",  "myl_cdec_f32"},
    [MYLC_T_F64]    = {"f64",    "double",   8, false, false, true,  "double", "f64",  "myl_cenc_f64",  "myl_cdec_f64"},
    [MYLC_T_BOOL]   = {"bool",   "bool",     1, false, false, true,  "bool",   "bool", "myl_cenc_bool", "myl_cdec_bool"},
    /* char: a byte of text (char[N] in events), not a scalar of tables */
    [MYLC_T_CHAR]   = {"char",   "char",     1, false, false, false, "byte",   "u8",   "myl_cenc_u8",   "myl_cdec_u8"},
    [MYLC_T_STRING] = {"string", "void",     0, false, false, false, "string", "u8",   "myl_cenc_uvar", "myl_cdec_uvar"},
    [MYLC_T_BYTES]  = {"bytes",  "void",     0, false, false, false, NULL,     "u8",   "myl_cenc_uvar", "myl_cdec_uvar"},
    [MYLC_T_NAMED]  = NONE_ROW,
};
/* clang-format on */

/* FlatBuffers' sized names of the scalar types, accepted in .myl too
 * (docs/myl.md): the same types under another name. */
static const struct {
    const char *name;
    mylc_builtin b;
} aliases[] = {
    {"int8", MYLC_T_I8},     {"uint8", MYLC_T_U8},    {"int16", MYLC_T_I16}, {"uint16", MYLC_T_U16},
    {"int32", MYLC_T_I32},   {"uint32", MYLC_T_U32},  {"int64", MYLC_T_I64}, {"uint64", MYLC_T_U64},
    {"float32", MYLC_T_F32}, {"float64", MYLC_T_F64},
};

mylc_builtin mylc_builtin_lookup(mylc_str name)
{
    for (int b = MYLC_T_NONE + 1; b < MYLC_T_NAMED; b++)
        if (mylc_builtins[b].name && mylc_str_eq(name, mylc_builtins[b].name))
            return (mylc_builtin)b;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (mylc_str_eq(name, aliases[i].name))
            return aliases[i].b;
    return MYLC_T_NONE;
}

const char *mylc_builtin_name(mylc_builtin b)
{
    return mylc_builtins[b].name ? mylc_builtins[b].name : "?";
}

const char *mylc_builtin_ctype(mylc_builtin b)
{
    return mylc_builtins[b].ctype;
}

uint32_t mylc_builtin_size(mylc_builtin b)
{
    return mylc_builtins[b].size;
}

bool mylc_builtin_is_int(mylc_builtin b)
{
    return mylc_builtins[b].is_int;
}

bool mylc_builtin_is_signed(mylc_builtin b)
{
    return mylc_builtins[b].is_signed;
}
