/* Hand-written C binding of tests/fb/interop.fbs: field ids, verifier
 * descriptors, and the sample message the tests build and check. myelonc
 * will generate descriptors of this shape; until then this file is what
 * the interop test, the unit tests, the fuzz targets and the benchmark
 * share. Compiles as C and as C++. */
#ifndef MYELON_TESTS_FB_INTEROP_DESC_H
#define MYELON_TESTS_FB_INTEROP_DESC_H

#include <stddef.h>
#include <stdint.h>

#include "myelon/fb.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Field ids in flatc's numbering (a union takes two: type, then value). */
enum {
    MYLT_MONSTER_FLAG = 0,
    MYLT_MONSTER_I8 = 1,
    MYLT_MONSTER_U8 = 2,
    MYLT_MONSTER_I16 = 3,
    MYLT_MONSTER_U16 = 4,
    MYLT_MONSTER_I32 = 5,
    MYLT_MONSTER_U32 = 6,
    MYLT_MONSTER_I64 = 7,
    MYLT_MONSTER_U64 = 8,
    MYLT_MONSTER_F32 = 9,
    MYLT_MONSTER_F64 = 10,
    MYLT_MONSTER_COLOR = 11,
    MYLT_MONSTER_LEVEL = 12,
    MYLT_MONSTER_NAME = 13,
    MYLT_MONSTER_POS = 14,
    MYLT_MONSTER_OLD_HP = 15, /* deprecated */
    MYLT_MONSTER_INVENTORY = 16,
    MYLT_MONSTER_VALUES = 17,
    MYLT_MONSTER_DOUBLES = 18,
    MYLT_MONSTER_PATH = 19,
    MYLT_MONSTER_SPOTS = 20,
    MYLT_MONSTER_TAGS = 21,
    MYLT_MONSTER_WEAPONS = 22,
    MYLT_MONSTER_ROWS = 23,
    MYLT_MONSTER_EQUIPPED_TYPE = 24,
    MYLT_MONSTER_EQUIPPED = 25,
    MYLT_MONSTER_ENEMY = 26,
    MYLT_MONSTER_COLORS = 27,
    MYLT_MONSTER_FLAGS = 28,
    MYLT_MONSTER_SMALL = 29,
    MYLT_WEAPON_NAME = 0,
    MYLT_WEAPON_DAMAGE = 1,
    MYLT_SHIELD_ARMOR = 0,
    MYLT_SHIELD_TAGS = 1,
    MYLT_ROW_CELLS = 0
};

/* Enums and union members. */
enum { MYLT_COLOR_RED = 0, MYLT_COLOR_GREEN = 1, MYLT_COLOR_BLUE = 2 };
enum { MYLT_LEVEL_LOW = 10, MYLT_LEVEL_MID = 500, MYLT_LEVEL_HIGH = 60000 };
enum { MYLT_EQUIPMENT_NONE = 0, MYLT_EQUIPMENT_WEAPON = 1, MYLT_EQUIPMENT_SHIELD = 2 };

/* Structs: sizes, alignments and member offsets. */
#define MYLT_INNER_SIZE 4u
#define MYLT_INNER_ALIGN 2u
#define MYLT_INNER_A 0u
#define MYLT_INNER_B 2u
#define MYLT_VEC3_SIZE 24u
#define MYLT_VEC3_ALIGN 8u
#define MYLT_VEC3_X 0u
#define MYLT_VEC3_Y 4u
#define MYLT_VEC3_Z 8u
#define MYLT_VEC3_INNER 12u
#define MYLT_VEC3_BIG 16u
#define MYLT_VEC2_SIZE 8u
#define MYLT_VEC2_ALIGN 4u

/* Defaults from the schema. */
#define MYLT_DEF_FLAG 1
#define MYLT_DEF_I8 (-8)
#define MYLT_DEF_U8 200
#define MYLT_DEF_I16 (-1600)
#define MYLT_DEF_U16 60000
#define MYLT_DEF_I32 (-320000)
#define MYLT_DEF_U32 UINT32_C(4000000000)
#define MYLT_DEF_I64 INT64_C(-6400000000)
#define MYLT_DEF_U64 UINT64_C(18000000000000000000)
#define MYLT_DEF_F32 3.5f
#define MYLT_DEF_F64 (-2.25)
#define MYLT_DEF_COLOR MYLT_COLOR_GREEN
#define MYLT_DEF_LEVEL MYLT_LEVEL_MID
#define MYLT_DEF_DAMAGE 7
#define MYLT_DEF_ARMOR 3

extern const myl_fb_table_desc mylt_Monster_desc;
extern const myl_fb_table_desc mylt_Weapon_desc;
extern const myl_fb_table_desc mylt_Shield_desc;
extern const myl_fb_table_desc mylt_Row_desc;

#define MYLT_IDENT "MYLT"

/* Sample messages (the values are in tests/fb/sample_full.json too). */
#define MYLT_SAMPLE_FULL 0     /* every field set to a non-default value */
#define MYLT_SAMPLE_MINIMAL 1  /* the required name only */
#define MYLT_SAMPLE_DEFAULTS 2 /* every scalar written, equal to its default */

/* Build sample `which` with b (root left in *root; not finished). */
int mylt_build_sample(myl_fb_builder *b, int which, myl_fb_ref *root);
/* Build and finish sample `which` into buf (flags: myl_fb_finish's). */
int mylt_build_sample_buf(int which, void *buf, size_t cap, void *arena, size_t arena_cap,
                          unsigned flags, myl_fb_msg *msg);
/* Check the Monster at root against sample `which` with our readers;
 * returns the number of mismatches (printed to stderr). */
int mylt_check_sample(const uint8_t *root, int which);
/* Read every field of a Monster (recursively) with our readers and fold
 * the values into a checksum: what the fuzz targets run over accepted
 * buffers (reads outside the buffer would be caught by ASan). */
uint64_t mylt_walk(const uint8_t *monster);

#ifdef __cplusplus
}
#endif

#endif
