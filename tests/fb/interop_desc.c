/* Descriptors, sample builder, checker and walker for interop.fbs: the
 * shape of what myelonc will generate, written by hand. */
#include <stdio.h>
#include <string.h>

#include "interop_desc.h"

/* ---- verifier descriptors ---------------------------------------------- */

#define SCALAR(n, i, sz)                                                                           \
    {                                                                                              \
        .name = n, .id = i, .kind = MYL_FB_K_SCALAR, .size = sz                                    \
    }
#define OFFSET(n, i, k)                                                                            \
    {                                                                                              \
        .name = n, .id = i, .kind = k                                                              \
    }

static const myl_fb_field_desc weapon_fields[] = {
    OFFSET("name", MYLT_WEAPON_NAME, MYL_FB_K_STRING),
    SCALAR("damage", MYLT_WEAPON_DAMAGE, 2),
};
const myl_fb_table_desc mylt_Weapon_desc = {"Weapon", 2, weapon_fields};

static const myl_fb_field_desc shield_fields[] = {
    SCALAR("armor", MYLT_SHIELD_ARMOR, 4),
    OFFSET("tags", MYLT_SHIELD_TAGS, MYL_FB_K_VEC_STRING),
};
const myl_fb_table_desc mylt_Shield_desc = {"Shield", 2, shield_fields};

static const myl_fb_field_desc row_fields[] = {
    {.name = "cells", .id = MYLT_ROW_CELLS, .kind = MYL_FB_K_VEC_SCALAR, .size = 4},
};
const myl_fb_table_desc mylt_Row_desc = {"Row", 1, row_fields};

static const myl_fb_table_desc *const equipment_members[] = {&mylt_Weapon_desc, &mylt_Shield_desc};
static const myl_fb_union_desc equipment_desc = {"Equipment", 2, equipment_members, NULL};

static const myl_fb_field_desc monster_fields[] = {
    SCALAR("flag", MYLT_MONSTER_FLAG, 1),
    SCALAR("i8", MYLT_MONSTER_I8, 1),
    SCALAR("u8", MYLT_MONSTER_U8, 1),
    SCALAR("i16", MYLT_MONSTER_I16, 2),
    SCALAR("u16", MYLT_MONSTER_U16, 2),
    SCALAR("i32", MYLT_MONSTER_I32, 4),
    SCALAR("u32", MYLT_MONSTER_U32, 4),
    SCALAR("i64", MYLT_MONSTER_I64, 8),
    SCALAR("u64", MYLT_MONSTER_U64, 8),
    SCALAR("f32", MYLT_MONSTER_F32, 4),
    SCALAR("f64", MYLT_MONSTER_F64, 8),
    SCALAR("color", MYLT_MONSTER_COLOR, 1),
    SCALAR("level", MYLT_MONSTER_LEVEL, 2),
    {.name = "name", .id = MYLT_MONSTER_NAME, .kind = MYL_FB_K_STRING, .flags = MYL_FB_F_REQUIRED},
    {.name = "pos",
     .id = MYLT_MONSTER_POS,
     .kind = MYL_FB_K_STRUCT,
     .size = MYLT_VEC3_SIZE,
     .align = MYLT_VEC3_ALIGN},
    /* old_hp (15) is deprecated: not verified, never read */
    {.name = "inventory", .id = MYLT_MONSTER_INVENTORY, .kind = MYL_FB_K_VEC_SCALAR, .size = 1},
    {.name = "values", .id = MYLT_MONSTER_VALUES, .kind = MYL_FB_K_VEC_SCALAR, .size = 8},
    {.name = "doubles", .id = MYLT_MONSTER_DOUBLES, .kind = MYL_FB_K_VEC_SCALAR, .size = 8},
    {.name = "path",
     .id = MYLT_MONSTER_PATH,
     .kind = MYL_FB_K_VEC_STRUCT,
     .size = MYLT_VEC2_SIZE,
     .align = MYLT_VEC2_ALIGN},
    {.name = "spots",
     .id = MYLT_MONSTER_SPOTS,
     .kind = MYL_FB_K_VEC_STRUCT,
     .size = MYLT_VEC3_SIZE,
     .align = MYLT_VEC3_ALIGN},
    OFFSET("tags", MYLT_MONSTER_TAGS, MYL_FB_K_VEC_STRING),
    {.name = "weapons",
     .id = MYLT_MONSTER_WEAPONS,
     .kind = MYL_FB_K_VEC_TABLE,
     .table = &mylt_Weapon_desc},
    {.name = "rows", .id = MYLT_MONSTER_ROWS, .kind = MYL_FB_K_VEC_TABLE, .table = &mylt_Row_desc},
    {.name = "equipped_type", .id = MYLT_MONSTER_EQUIPPED_TYPE, .kind = MYL_FB_K_UNION_TYPE},
    {.name = "equipped",
     .id = MYLT_MONSTER_EQUIPPED,
     .kind = MYL_FB_K_UNION,
     .type_id = MYLT_MONSTER_EQUIPPED_TYPE,
     .un = &equipment_desc},
    {.name = "enemy",
     .id = MYLT_MONSTER_ENEMY,
     .kind = MYL_FB_K_TABLE,
     .table = &mylt_Monster_desc},
    {.name = "colors", .id = MYLT_MONSTER_COLORS, .kind = MYL_FB_K_VEC_SCALAR, .size = 1},
    {.name = "flags", .id = MYLT_MONSTER_FLAGS, .kind = MYL_FB_K_VEC_SCALAR, .size = 1},
    {.name = "small", .id = MYLT_MONSTER_SMALL, .kind = MYL_FB_K_VEC_SCALAR, .size = 2},
};
const myl_fb_table_desc mylt_Monster_desc = {
    "Monster", sizeof monster_fields / sizeof monster_fields[0], monster_fields};

/* ---- the sample ---------------------------------------------------------- */

static const uint8_t s_inventory[] = {0, 1, 2, 3, 250, 255};
static const int64_t s_values[] = {-1, INT64_C(9007199254740993), -INT64_C(9223372036854775807)};
static const double s_doubles[] = {0.5, -1.25, 1024.0};
static const float s_path[][2] = {{1.5f, -2.5f}, {3.0f, 4.0f}};
static const struct {
    float x, y, z;
    int16_t a;
    int8_t b;
    int64_t big;
} s_spots[] = {{1.0f, 2.0f, 3.0f, -7, 9, INT64_C(-123456789012)},
               {-0.5f, 0.25f, 8.0f, 32767, -128, INT64_C(4611686018427387904)}},
  s_pos = {10.5f, -20.25f, 30.0f, -300, 100, INT64_C(1099511627776)};
static const char *const s_tags[] = {"alpha", "", "gamma \xce\xb4"};
static const int8_t s_colors[] = {MYLT_COLOR_RED, MYLT_COLOR_BLUE, MYLT_COLOR_GREEN};
static const uint8_t s_flags[] = {1, 0, 1};
static const int16_t s_small[] = {-32768, 32767, 0};
static const int32_t s_cells[] = {1, -2, 3};

static void put_vec3(uint8_t *o, float x, float y, float z, int16_t a, int8_t b, int64_t big)
{
    memset(o, 0, MYLT_VEC3_SIZE);
    myl_stf32(o + MYLT_VEC3_X, x);
    myl_stf32(o + MYLT_VEC3_Y, y);
    myl_stf32(o + MYLT_VEC3_Z, z);
    myl_st16(o + MYLT_VEC3_INNER + MYLT_INNER_A, (uint16_t)a);
    o[MYLT_VEC3_INNER + MYLT_INNER_B] = (uint8_t)b;
    myl_st64(o + MYLT_VEC3_BIG, (uint64_t)big);
}

static int build_weapon(myl_fb_builder *b, const char *name, int damage, myl_fb_ref *out)
{
    myl_fb_ref n = 0;
    if (name)
        myl_fb_create_string(b, name, strlen(name), &n);
    myl_fb_table_start(b);
    if (n)
        myl_fb_add_ref(b, MYLT_WEAPON_NAME, n);
    if (damage != MYLT_DEF_DAMAGE)
        myl_fb_add_u16(b, MYLT_WEAPON_DAMAGE, (uint16_t)damage);
    return myl_fb_table_end(b, out);
}

static int build_full(myl_fb_builder *b, myl_fb_ref *root)
{
    myl_fb_ref r, name, inventory, values, doubles, path, spots, tags, weapons, rows, equipped,
        enemy, colors, flags, small;
    /* enemy: Monster{name "Goblin", i32 5, equipped Shield{armor 9, tags
     * ["wood"]}, enemy Monster{name "Rat", flag false}} */
    myl_fb_ref rat_name, rat, gob_name, wood, shield_tags, shield;
    myl_fb_create_string(b, "Rat", 3, &rat_name);
    myl_fb_table_start(b);
    myl_fb_add_ref(b, MYLT_MONSTER_NAME, rat_name);
    myl_fb_add_u8(b, MYLT_MONSTER_FLAG, 0);
    myl_fb_table_end(b, &rat);
    myl_fb_create_string(b, "wood", 4, &wood);
    myl_fb_create_vec_refs(b, &wood, 1, &shield_tags);
    myl_fb_table_start(b);
    myl_fb_add_u32(b, MYLT_SHIELD_ARMOR, 9);
    myl_fb_add_ref(b, MYLT_SHIELD_TAGS, shield_tags);
    myl_fb_table_end(b, &shield);
    myl_fb_create_string(b, "Goblin", 6, &gob_name);
    myl_fb_table_start(b);
    myl_fb_add_ref(b, MYLT_MONSTER_NAME, gob_name);
    myl_fb_add_u32(b, MYLT_MONSTER_I32, 5);
    myl_fb_add_u8(b, MYLT_MONSTER_EQUIPPED_TYPE, MYLT_EQUIPMENT_SHIELD);
    myl_fb_add_ref(b, MYLT_MONSTER_EQUIPPED, shield);
    myl_fb_add_ref(b, MYLT_MONSTER_ENEMY, rat);
    myl_fb_table_end(b, &enemy);

    build_weapon(b, "Sword", 12, &equipped);
    myl_fb_ref w[3];
    build_weapon(b, "Axe", 30, &w[0]);
    build_weapon(b, "Bow", MYLT_DEF_DAMAGE, &w[1]);
    build_weapon(b, NULL, MYLT_DEF_DAMAGE, &w[2]);
    myl_fb_create_vec_refs(b, w, 3, &weapons);

    myl_fb_ref rw[3], cells, empty;
    myl_fb_create_vec_scalar(b, s_cells, 3, 4, &cells);
    myl_fb_table_start(b);
    myl_fb_add_ref(b, MYLT_ROW_CELLS, cells);
    myl_fb_table_end(b, &rw[0]);
    myl_fb_create_vec_scalar(b, NULL, 0, 4, &empty);
    myl_fb_table_start(b);
    myl_fb_add_ref(b, MYLT_ROW_CELLS, empty);
    myl_fb_table_end(b, &rw[1]);
    myl_fb_table_start(b);
    myl_fb_table_end(b, &rw[2]);
    myl_fb_create_vec_refs(b, rw, 3, &rows);

    myl_fb_ref t[3];
    for (int i = 0; i < 3; i++)
        myl_fb_create_string(b, s_tags[i], strlen(s_tags[i]), &t[i]);
    myl_fb_create_vec_refs(b, t, 3, &tags);

    myl_fb_create_string(b, "Orc Chieftain", 13, &name);
    myl_fb_create_vec_scalar(b, s_inventory, 6, 1, &inventory);
    myl_fb_create_vec_scalar(b, s_values, 3, 8, &values);
    myl_fb_create_vec_scalar(b, s_doubles, 3, 8, &doubles);
    uint8_t p2[2 * MYLT_VEC2_SIZE];
    for (int i = 0; i < 2; i++) {
        myl_stf32(p2 + 8 * i, s_path[i][0]);
        myl_stf32(p2 + 8 * i + 4, s_path[i][1]);
    }
    myl_fb_create_vec_struct(b, p2, 2, MYLT_VEC2_SIZE, MYLT_VEC2_ALIGN, &path);
    /* spots written in place */
    void *sp;
    if (myl_fb_vec_start(b, 2, MYLT_VEC3_SIZE, MYLT_VEC3_ALIGN, &sp) == 0)
        for (int i = 0; i < 2; i++)
            put_vec3((uint8_t *)sp + MYLT_VEC3_SIZE * i, s_spots[i].x, s_spots[i].y, s_spots[i].z,
                     s_spots[i].a, s_spots[i].b, s_spots[i].big);
    myl_fb_vec_end(b, &spots);
    myl_fb_create_vec_scalar(b, s_colors, 3, 1, &colors);
    myl_fb_create_vec_scalar(b, s_flags, 3, 1, &flags);
    myl_fb_create_vec_scalar(b, s_small, 3, 2, &small);

    uint8_t pos[MYLT_VEC3_SIZE];
    put_vec3(pos, s_pos.x, s_pos.y, s_pos.z, s_pos.a, s_pos.b, s_pos.big);

    myl_fb_table_start(b);
    /* largest first, as flatc orders fields to minimise padding */
    myl_fb_add_struct(b, MYLT_MONSTER_POS, pos, MYLT_VEC3_SIZE, MYLT_VEC3_ALIGN);
    myl_fb_add_u64(b, MYLT_MONSTER_I64, (uint64_t)INT64_C(-9000000000000000000));
    myl_fb_add_u64(b, MYLT_MONSTER_U64, UINT64_C(18000000000000000001));
    myl_fb_add_f64(b, MYLT_MONSTER_F64, 0.0625);
    myl_fb_add_u32(b, MYLT_MONSTER_I32, (uint32_t)INT32_C(-2000000000));
    myl_fb_add_u32(b, MYLT_MONSTER_U32, UINT32_C(4000000001));
    myl_fb_add_f32(b, MYLT_MONSTER_F32, -1.5f);
    myl_fb_add_u32(b, MYLT_MONSTER_OLD_HP, 77); /* an old writer's deprecated field */
    myl_fb_add_ref(b, MYLT_MONSTER_NAME, name);
    myl_fb_add_ref(b, MYLT_MONSTER_INVENTORY, inventory);
    myl_fb_add_ref(b, MYLT_MONSTER_VALUES, values);
    myl_fb_add_ref(b, MYLT_MONSTER_DOUBLES, doubles);
    myl_fb_add_ref(b, MYLT_MONSTER_PATH, path);
    myl_fb_add_ref(b, MYLT_MONSTER_SPOTS, spots);
    myl_fb_add_ref(b, MYLT_MONSTER_TAGS, tags);
    myl_fb_add_ref(b, MYLT_MONSTER_WEAPONS, weapons);
    myl_fb_add_ref(b, MYLT_MONSTER_ROWS, rows);
    myl_fb_add_ref(b, MYLT_MONSTER_EQUIPPED, equipped);
    myl_fb_add_ref(b, MYLT_MONSTER_ENEMY, enemy);
    myl_fb_add_ref(b, MYLT_MONSTER_COLORS, colors);
    myl_fb_add_ref(b, MYLT_MONSTER_FLAGS, flags);
    myl_fb_add_ref(b, MYLT_MONSTER_SMALL, small);
    myl_fb_add_u16(b, MYLT_MONSTER_I16, (uint16_t)-30000);
    myl_fb_add_u16(b, MYLT_MONSTER_U16, 65000);
    myl_fb_add_u16(b, MYLT_MONSTER_LEVEL, MYLT_LEVEL_HIGH);
    myl_fb_add_u8(b, MYLT_MONSTER_FLAG, 0);
    myl_fb_add_u8(b, MYLT_MONSTER_I8, (uint8_t)-100);
    myl_fb_add_u8(b, MYLT_MONSTER_U8, 250);
    myl_fb_add_u8(b, MYLT_MONSTER_COLOR, MYLT_COLOR_BLUE);
    myl_fb_add_u8(b, MYLT_MONSTER_EQUIPPED_TYPE, MYLT_EQUIPMENT_WEAPON);
    int rc = myl_fb_table_end(b, &r);
    *root = r;
    return rc;
}

int mylt_build_sample(myl_fb_builder *b, int which, myl_fb_ref *root)
{
    myl_fb_ref name;
    *root = 0;
    if (which == MYLT_SAMPLE_FULL)
        return build_full(b, root);
    myl_fb_create_string(b, which == MYLT_SAMPLE_MINIMAL ? "M" : "D", 1, &name);
    myl_fb_table_start(b);
    myl_fb_add_ref(b, MYLT_MONSTER_NAME, name);
    if (which == MYLT_SAMPLE_DEFAULTS) {
        /* force_defaults: every scalar present, equal to its default */
        myl_fb_add_u64(b, MYLT_MONSTER_I64, (uint64_t)MYLT_DEF_I64);
        myl_fb_add_u64(b, MYLT_MONSTER_U64, MYLT_DEF_U64);
        myl_fb_add_f64(b, MYLT_MONSTER_F64, MYLT_DEF_F64);
        myl_fb_add_u32(b, MYLT_MONSTER_I32, (uint32_t)MYLT_DEF_I32);
        myl_fb_add_u32(b, MYLT_MONSTER_U32, MYLT_DEF_U32);
        myl_fb_add_f32(b, MYLT_MONSTER_F32, MYLT_DEF_F32);
        myl_fb_add_u16(b, MYLT_MONSTER_I16, (uint16_t)MYLT_DEF_I16);
        myl_fb_add_u16(b, MYLT_MONSTER_U16, MYLT_DEF_U16);
        myl_fb_add_u16(b, MYLT_MONSTER_LEVEL, MYLT_DEF_LEVEL);
        myl_fb_add_u8(b, MYLT_MONSTER_FLAG, MYLT_DEF_FLAG);
        myl_fb_add_u8(b, MYLT_MONSTER_I8, (uint8_t)MYLT_DEF_I8);
        myl_fb_add_u8(b, MYLT_MONSTER_U8, MYLT_DEF_U8);
        myl_fb_add_u8(b, MYLT_MONSTER_COLOR, MYLT_DEF_COLOR);
    }
    return myl_fb_table_end(b, root);
}

int mylt_build_sample_buf(int which, void *buf, size_t cap, void *arena, size_t arena_cap,
                          unsigned flags, myl_fb_msg *msg)
{
    myl_fb_builder b;
    myl_fb_ref root;
    myl_fb_builder_init(&b, buf, cap, arena, arena_cap);
    mylt_build_sample(&b, which, &root);
    return myl_fb_finish(&b, root, MYLT_IDENT, flags, msg);
}

/* ---- checking with our readers ----------------------------------------- */

#define EXPECT(c)                                                                                  \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: mismatch: %s\n", __FILE__, __LINE__, #c);                      \
            bad++;                                                                                 \
        }                                                                                          \
    } while (0)

static int str_is(myl_fb_str s, const char *want)
{
    size_t n = strlen(want);
    return s.ptr && s.len == n && memcmp(s.ptr, want, n) == 0 && s.ptr[n] == '\0';
}

static int check_vec3(const uint8_t *p, float x, float y, float z, int16_t a, int8_t b, int64_t big)
{
    int bad = 0;
    EXPECT(p != NULL);
    if (!p)
        return bad;
    EXPECT(myl_fb_rd_f32(p + MYLT_VEC3_X) == x);
    EXPECT(myl_fb_rd_f32(p + MYLT_VEC3_Y) == y);
    EXPECT(myl_fb_rd_f32(p + MYLT_VEC3_Z) == z);
    EXPECT(myl_fb_rd_i16(p + MYLT_VEC3_INNER + MYLT_INNER_A) == a);
    EXPECT(myl_fb_rd_i8(p + MYLT_VEC3_INNER + MYLT_INNER_B) == b);
    EXPECT(myl_fb_rd_i64(p + MYLT_VEC3_BIG) == big);
    return bad;
}

static int check_defaults(const uint8_t *m, int present)
{
    int bad = 0;
    static const uint32_t ids[] = {MYLT_MONSTER_FLAG, MYLT_MONSTER_I8,  MYLT_MONSTER_U8,
                                   MYLT_MONSTER_I16,  MYLT_MONSTER_U16, MYLT_MONSTER_I32,
                                   MYLT_MONSTER_U32,  MYLT_MONSTER_I64, MYLT_MONSTER_U64,
                                   MYLT_MONSTER_F32,  MYLT_MONSTER_F64, MYLT_MONSTER_COLOR,
                                   MYLT_MONSTER_LEVEL};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        EXPECT(myl_fb_present(m, ids[i]) == (present != 0));
    EXPECT(myl_fb_get_bool(m, MYLT_MONSTER_FLAG, MYLT_DEF_FLAG) == MYLT_DEF_FLAG);
    EXPECT(myl_fb_get_i8(m, MYLT_MONSTER_I8, MYLT_DEF_I8) == MYLT_DEF_I8);
    EXPECT(myl_fb_get_u8(m, MYLT_MONSTER_U8, MYLT_DEF_U8) == MYLT_DEF_U8);
    EXPECT(myl_fb_get_i16(m, MYLT_MONSTER_I16, MYLT_DEF_I16) == MYLT_DEF_I16);
    EXPECT(myl_fb_get_u16(m, MYLT_MONSTER_U16, MYLT_DEF_U16) == MYLT_DEF_U16);
    EXPECT(myl_fb_get_i32(m, MYLT_MONSTER_I32, MYLT_DEF_I32) == MYLT_DEF_I32);
    EXPECT(myl_fb_get_u32(m, MYLT_MONSTER_U32, MYLT_DEF_U32) == MYLT_DEF_U32);
    EXPECT(myl_fb_get_i64(m, MYLT_MONSTER_I64, MYLT_DEF_I64) == MYLT_DEF_I64);
    EXPECT(myl_fb_get_u64(m, MYLT_MONSTER_U64, MYLT_DEF_U64) == MYLT_DEF_U64);
    EXPECT(myl_fb_get_f32(m, MYLT_MONSTER_F32, MYLT_DEF_F32) == MYLT_DEF_F32);
    EXPECT(myl_fb_get_f64(m, MYLT_MONSTER_F64, MYLT_DEF_F64) == MYLT_DEF_F64);
    EXPECT(myl_fb_get_i8(m, MYLT_MONSTER_COLOR, MYLT_DEF_COLOR) == MYLT_DEF_COLOR);
    EXPECT(myl_fb_get_u16(m, MYLT_MONSTER_LEVEL, MYLT_DEF_LEVEL) == MYLT_DEF_LEVEL);
    /* everything else absent */
    EXPECT(myl_fb_get_struct(m, MYLT_MONSTER_POS) == NULL);
    EXPECT(!myl_fb_present(m, MYLT_MONSTER_OLD_HP));
    for (uint32_t id = MYLT_MONSTER_INVENTORY; id <= MYLT_MONSTER_SMALL; id++) {
        EXPECT(!myl_fb_present(m, id));
    }
    EXPECT(myl_fb_get_vec(m, MYLT_MONSTER_VALUES).data == NULL);
    EXPECT(myl_fb_get_vec(m, MYLT_MONSTER_VALUES).len == 0);
    EXPECT(myl_fb_get_union_type(m, MYLT_MONSTER_EQUIPPED_TYPE) == MYLT_EQUIPMENT_NONE);
    EXPECT(myl_fb_get_table(m, MYLT_MONSTER_ENEMY) == NULL);
    /* an absent table reads as all defaults */
    EXPECT(myl_fb_get_i32(myl_fb_get_table(m, MYLT_MONSTER_ENEMY), MYLT_MONSTER_I32, 42) == 42);
    return bad;
}

static int check_full(const uint8_t *m)
{
    int bad = 0;
    EXPECT(myl_fb_get_bool(m, MYLT_MONSTER_FLAG, MYLT_DEF_FLAG) == false);
    EXPECT(myl_fb_get_i8(m, MYLT_MONSTER_I8, MYLT_DEF_I8) == -100);
    EXPECT(myl_fb_get_u8(m, MYLT_MONSTER_U8, MYLT_DEF_U8) == 250);
    EXPECT(myl_fb_get_i16(m, MYLT_MONSTER_I16, MYLT_DEF_I16) == -30000);
    EXPECT(myl_fb_get_u16(m, MYLT_MONSTER_U16, MYLT_DEF_U16) == 65000);
    EXPECT(myl_fb_get_i32(m, MYLT_MONSTER_I32, MYLT_DEF_I32) == INT32_C(-2000000000));
    EXPECT(myl_fb_get_u32(m, MYLT_MONSTER_U32, MYLT_DEF_U32) == UINT32_C(4000000001));
    EXPECT(myl_fb_get_i64(m, MYLT_MONSTER_I64, MYLT_DEF_I64) == INT64_C(-9000000000000000000));
    EXPECT(myl_fb_get_u64(m, MYLT_MONSTER_U64, MYLT_DEF_U64) == UINT64_C(18000000000000000001));
    EXPECT(myl_fb_get_f32(m, MYLT_MONSTER_F32, MYLT_DEF_F32) == -1.5f);
    EXPECT(myl_fb_get_f64(m, MYLT_MONSTER_F64, MYLT_DEF_F64) == 0.0625);
    EXPECT(myl_fb_get_i8(m, MYLT_MONSTER_COLOR, MYLT_DEF_COLOR) == MYLT_COLOR_BLUE);
    EXPECT(myl_fb_get_u16(m, MYLT_MONSTER_LEVEL, MYLT_DEF_LEVEL) == MYLT_LEVEL_HIGH);
    EXPECT(str_is(myl_fb_get_str(m, MYLT_MONSTER_NAME), "Orc Chieftain"));
    bad += check_vec3(myl_fb_get_struct(m, MYLT_MONSTER_POS), s_pos.x, s_pos.y, s_pos.z, s_pos.a,
                      s_pos.b, s_pos.big);

    myl_fb_vec v = myl_fb_get_vec(m, MYLT_MONSTER_INVENTORY);
    EXPECT(v.len == 6);
    for (uint32_t i = 0; i < v.len && i < 6; i++)
        EXPECT(myl_fb_vec_u8(v, i) == s_inventory[i]);
    v = myl_fb_get_vec(m, MYLT_MONSTER_VALUES);
    EXPECT(v.len == 3);
    for (uint32_t i = 0; i < v.len && i < 3; i++)
        EXPECT(myl_fb_vec_i64(v, i) == s_values[i]);
    v = myl_fb_get_vec(m, MYLT_MONSTER_DOUBLES);
    EXPECT(v.len == 3);
    for (uint32_t i = 0; i < v.len && i < 3; i++)
        EXPECT(myl_fb_vec_f64(v, i) == s_doubles[i]);
    v = myl_fb_get_vec(m, MYLT_MONSTER_PATH);
    EXPECT(v.len == 2);
    for (uint32_t i = 0; i < v.len && i < 2; i++) {
        const uint8_t *p = myl_fb_vec_elem(v, i, MYLT_VEC2_SIZE);
        EXPECT(myl_fb_rd_f32(p) == s_path[i][0]);
        EXPECT(myl_fb_rd_f32(p + 4) == s_path[i][1]);
    }
    v = myl_fb_get_vec(m, MYLT_MONSTER_SPOTS);
    EXPECT(v.len == 2);
    for (uint32_t i = 0; i < v.len && i < 2; i++)
        bad += check_vec3(myl_fb_vec_elem(v, i, MYLT_VEC3_SIZE), s_spots[i].x, s_spots[i].y,
                          s_spots[i].z, s_spots[i].a, s_spots[i].b, s_spots[i].big);
    v = myl_fb_get_vec(m, MYLT_MONSTER_TAGS);
    EXPECT(v.len == 3);
    for (uint32_t i = 0; i < v.len && i < 3; i++)
        EXPECT(str_is(myl_fb_vec_str(v, i), s_tags[i]));

    v = myl_fb_get_vec(m, MYLT_MONSTER_WEAPONS);
    EXPECT(v.len == 3);
    if (v.len == 3) {
        const uint8_t *w = myl_fb_vec_table(v, 0);
        EXPECT(str_is(myl_fb_get_str(w, MYLT_WEAPON_NAME), "Axe"));
        EXPECT(myl_fb_get_i16(w, MYLT_WEAPON_DAMAGE, MYLT_DEF_DAMAGE) == 30);
        w = myl_fb_vec_table(v, 1);
        EXPECT(str_is(myl_fb_get_str(w, MYLT_WEAPON_NAME), "Bow"));
        EXPECT(!myl_fb_present(w, MYLT_WEAPON_DAMAGE));
        EXPECT(myl_fb_get_i16(w, MYLT_WEAPON_DAMAGE, MYLT_DEF_DAMAGE) == MYLT_DEF_DAMAGE);
        w = myl_fb_vec_table(v, 2);
        EXPECT(myl_fb_get_str(w, MYLT_WEAPON_NAME).ptr == NULL);
        EXPECT(myl_fb_get_i16(w, MYLT_WEAPON_DAMAGE, MYLT_DEF_DAMAGE) == MYLT_DEF_DAMAGE);
    }
    v = myl_fb_get_vec(m, MYLT_MONSTER_ROWS);
    EXPECT(v.len == 3);
    if (v.len == 3) {
        myl_fb_vec c = myl_fb_get_vec(myl_fb_vec_table(v, 0), MYLT_ROW_CELLS);
        EXPECT(c.len == 3);
        for (uint32_t i = 0; i < c.len && i < 3; i++)
            EXPECT(myl_fb_vec_i32(c, i) == s_cells[i]);
        c = myl_fb_get_vec(myl_fb_vec_table(v, 1), MYLT_ROW_CELLS);
        EXPECT(c.data != NULL && c.len == 0);
        c = myl_fb_get_vec(myl_fb_vec_table(v, 2), MYLT_ROW_CELLS);
        EXPECT(c.data == NULL && c.len == 0);
    }
    EXPECT(myl_fb_get_union_type(m, MYLT_MONSTER_EQUIPPED_TYPE) == MYLT_EQUIPMENT_WEAPON);
    const uint8_t *w = myl_fb_get_union(m, MYLT_MONSTER_EQUIPPED);
    EXPECT(str_is(myl_fb_get_str(w, MYLT_WEAPON_NAME), "Sword"));
    EXPECT(myl_fb_get_i16(w, MYLT_WEAPON_DAMAGE, MYLT_DEF_DAMAGE) == 12);

    const uint8_t *e = myl_fb_get_table(m, MYLT_MONSTER_ENEMY);
    EXPECT(e != NULL);
    EXPECT(str_is(myl_fb_get_str(e, MYLT_MONSTER_NAME), "Goblin"));
    EXPECT(myl_fb_get_i32(e, MYLT_MONSTER_I32, MYLT_DEF_I32) == 5);
    EXPECT(myl_fb_get_bool(e, MYLT_MONSTER_FLAG, MYLT_DEF_FLAG) == true);
    EXPECT(myl_fb_get_union_type(e, MYLT_MONSTER_EQUIPPED_TYPE) == MYLT_EQUIPMENT_SHIELD);
    const uint8_t *s = myl_fb_get_union(e, MYLT_MONSTER_EQUIPPED);
    EXPECT(myl_fb_get_i32(s, MYLT_SHIELD_ARMOR, MYLT_DEF_ARMOR) == 9);
    v = myl_fb_get_vec(s, MYLT_SHIELD_TAGS);
    EXPECT(v.len == 1);
    if (v.len == 1)
        EXPECT(str_is(myl_fb_vec_str(v, 0), "wood"));
    const uint8_t *rat = myl_fb_get_table(e, MYLT_MONSTER_ENEMY);
    EXPECT(str_is(myl_fb_get_str(rat, MYLT_MONSTER_NAME), "Rat"));
    EXPECT(myl_fb_present(rat, MYLT_MONSTER_FLAG));
    EXPECT(myl_fb_get_bool(rat, MYLT_MONSTER_FLAG, MYLT_DEF_FLAG) == false);
    EXPECT(myl_fb_get_table(rat, MYLT_MONSTER_ENEMY) == NULL);

    v = myl_fb_get_vec(m, MYLT_MONSTER_COLORS);
    EXPECT(v.len == 3);
    for (uint32_t i = 0; i < v.len && i < 3; i++)
        EXPECT(myl_fb_vec_i8(v, i) == s_colors[i]);
    v = myl_fb_get_vec(m, MYLT_MONSTER_FLAGS);
    EXPECT(v.len == 3);
    for (uint32_t i = 0; i < v.len && i < 3; i++)
        EXPECT(myl_fb_vec_bool(v, i) == (s_flags[i] != 0));
    v = myl_fb_get_vec(m, MYLT_MONSTER_SMALL);
    EXPECT(v.len == 3);
    for (uint32_t i = 0; i < v.len && i < 3; i++)
        EXPECT(myl_fb_vec_i16(v, i) == s_small[i]);
    return bad;
}

int mylt_check_sample(const uint8_t *root, int which)
{
    int bad = 0;
    EXPECT(root != NULL);
    if (!root)
        return bad;
    switch (which) {
    case MYLT_SAMPLE_FULL:
        return check_full(root);
    case MYLT_SAMPLE_MINIMAL:
        EXPECT(str_is(myl_fb_get_str(root, MYLT_MONSTER_NAME), "M"));
        return bad + check_defaults(root, 0);
    default:
        EXPECT(str_is(myl_fb_get_str(root, MYLT_MONSTER_NAME), "D"));
        return bad + check_defaults(root, 1);
    }
}

/* ---- walking everything ------------------------------------------------- */

static uint64_t mix(uint64_t h, uint64_t v)
{
    return (h ^ v) * UINT64_C(0x100000001b3);
}

static uint64_t walk_str(uint64_t h, myl_fb_str s)
{
    h = mix(h, s.len);
    for (uint32_t i = 0; s.ptr && i <= s.len; i++) /* the NUL too */
        h = mix(h, (uint8_t)s.ptr[i]);
    return h;
}

static uint64_t walk_bytes(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = mix(h, p[i]);
    return h;
}

static uint64_t walk_weapon(uint64_t h, const uint8_t *w)
{
    h = walk_str(h, myl_fb_get_str(w, MYLT_WEAPON_NAME));
    return mix(h, (uint16_t)myl_fb_get_i16(w, MYLT_WEAPON_DAMAGE, MYLT_DEF_DAMAGE));
}

static uint64_t walk_shield(uint64_t h, const uint8_t *s)
{
    h = mix(h, (uint32_t)myl_fb_get_i32(s, MYLT_SHIELD_ARMOR, MYLT_DEF_ARMOR));
    myl_fb_vec v = myl_fb_get_vec(s, MYLT_SHIELD_TAGS);
    for (uint32_t i = 0; i < v.len; i++)
        h = walk_str(h, myl_fb_vec_str(v, i));
    return h;
}

static uint64_t walk_monster(uint64_t h, const uint8_t *m, int depth)
{
    if (!m || depth > 100)
        return h;
    h = mix(h, myl_fb_get_bool(m, MYLT_MONSTER_FLAG, 1));
    h = mix(h, (uint8_t)myl_fb_get_i8(m, MYLT_MONSTER_I8, MYLT_DEF_I8));
    h = mix(h, myl_fb_get_u8(m, MYLT_MONSTER_U8, MYLT_DEF_U8));
    h = mix(h, (uint16_t)myl_fb_get_i16(m, MYLT_MONSTER_I16, MYLT_DEF_I16));
    h = mix(h, myl_fb_get_u16(m, MYLT_MONSTER_U16, MYLT_DEF_U16));
    h = mix(h, (uint32_t)myl_fb_get_i32(m, MYLT_MONSTER_I32, MYLT_DEF_I32));
    h = mix(h, myl_fb_get_u32(m, MYLT_MONSTER_U32, MYLT_DEF_U32));
    h = mix(h, (uint64_t)myl_fb_get_i64(m, MYLT_MONSTER_I64, MYLT_DEF_I64));
    h = mix(h, myl_fb_get_u64(m, MYLT_MONSTER_U64, MYLT_DEF_U64));
    float f = myl_fb_get_f32(m, MYLT_MONSTER_F32, MYLT_DEF_F32);
    double d = myl_fb_get_f64(m, MYLT_MONSTER_F64, MYLT_DEF_F64);
    h = walk_bytes(h, (const uint8_t *)&f, sizeof f);
    h = walk_bytes(h, (const uint8_t *)&d, sizeof d);
    h = mix(h, (uint8_t)myl_fb_get_i8(m, MYLT_MONSTER_COLOR, MYLT_DEF_COLOR));
    h = mix(h, myl_fb_get_u16(m, MYLT_MONSTER_LEVEL, MYLT_DEF_LEVEL));
    h = walk_str(h, myl_fb_get_str(m, MYLT_MONSTER_NAME));
    const uint8_t *pos = myl_fb_get_struct(m, MYLT_MONSTER_POS);
    if (pos)
        h = walk_bytes(h, pos, MYLT_VEC3_SIZE);
    static const struct {
        uint32_t id, size;
    } vecs[] = {{MYLT_MONSTER_INVENTORY, 1},
                {MYLT_MONSTER_VALUES, 8},
                {MYLT_MONSTER_DOUBLES, 8},
                {MYLT_MONSTER_PATH, MYLT_VEC2_SIZE},
                {MYLT_MONSTER_SPOTS, MYLT_VEC3_SIZE},
                {MYLT_MONSTER_COLORS, 1},
                {MYLT_MONSTER_FLAGS, 1},
                {MYLT_MONSTER_SMALL, 2}};
    for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
        myl_fb_vec v = myl_fb_get_vec(m, vecs[i].id);
        h = walk_bytes(h, v.data, (size_t)v.len * vecs[i].size);
    }
    myl_fb_vec v = myl_fb_get_vec(m, MYLT_MONSTER_TAGS);
    for (uint32_t i = 0; i < v.len; i++)
        h = walk_str(h, myl_fb_vec_str(v, i));
    v = myl_fb_get_vec(m, MYLT_MONSTER_WEAPONS);
    for (uint32_t i = 0; i < v.len; i++)
        h = walk_weapon(h, myl_fb_vec_table(v, i));
    v = myl_fb_get_vec(m, MYLT_MONSTER_ROWS);
    for (uint32_t i = 0; i < v.len; i++) {
        myl_fb_vec c = myl_fb_get_vec(myl_fb_vec_table(v, i), MYLT_ROW_CELLS);
        for (uint32_t j = 0; j < c.len; j++)
            h = mix(h, (uint32_t)myl_fb_vec_i32(c, j));
    }
    uint8_t type = myl_fb_get_union_type(m, MYLT_MONSTER_EQUIPPED_TYPE);
    h = mix(h, type);
    /* only the members the verifier checked: known types */
    if (type == MYLT_EQUIPMENT_WEAPON)
        h = walk_weapon(h, myl_fb_get_union(m, MYLT_MONSTER_EQUIPPED));
    else if (type == MYLT_EQUIPMENT_SHIELD)
        h = walk_shield(h, myl_fb_get_union(m, MYLT_MONSTER_EQUIPPED));
    return walk_monster(h, myl_fb_get_table(m, MYLT_MONSTER_ENEMY), depth + 1);
}

uint64_t mylt_walk(const uint8_t *monster)
{
    return walk_monster(UINT64_C(0xcbf29ce484222325), monster, 0);
}
