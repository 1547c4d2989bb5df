/* Generated compact codecs (tests/gen/compact/cgen.myl): the wire bytes of
 * a few values pinned down, round trips of every field kind at the ends of
 * its range, defaults, the encoder's and decoder's limits (buffer and
 * arena sizes, nesting depth, required fields, union types, value ranges)
 * and hostile input: every truncation, trailing bytes, random mutations
 * (which decode to an error or re-encode to the same bytes). */
#include <float.h>
#include <math.h>

#include "harness.h"

#include "cgen.myl.h"

static uint8_t g_buf[1 << 16];
static uint64_t g_arena_mem[1 << 13];

/* ---- wire bytes ---- */

static void test_wire_bytes(void **state)
{
    (void)state;
    size_t len = 0;
    cgen_Weapon w;
    cgen_Weapon_init(&w);
    assert_int_equal(w.damage, 7);
    w.name.p = "ab";
    w.name.n = 2;
    w.damage = -2;
    assert_int_equal(cgen_Weapon_compact_encode(&w, g_buf, sizeof g_buf, &len), 0);
    static const uint8_t weapon[] = {0x02, 'a', 'b', 0x03};
    assert_int_equal(len, sizeof weapon);
    assert_memory_equal(g_buf, weapon, sizeof weapon);

    cgen_Vec3 v;
    memset(&v, 0, sizeof v);
    v.x = 1.0f;
    v.z = -2.0f;
    v.inner.a = -1;
    v.inner.b = 5;
    v.big = 300;
    assert_int_equal(cgen_Vec3_compact_encode(&v, g_buf, sizeof g_buf, &len), 0);
    static const uint8_t vec[] = {0x00, 0x00, 0x80, 0x3f, 0,    0,    0,    0,
                                  0x00, 0x00, 0x00, 0xc0, 0x01, 0x05, 0xd8, 0x04};
    assert_int_equal(len, sizeof vec);
    assert_memory_equal(g_buf, vec, sizeof vec);

    /* tables in id order: qty (id 0), id, pick (presence byte, then the
     * Weapon: empty name, damage 7 as svar 14) */
    cgen_Order o;
    cgen_Order_init(&o);
    cgen_Weapon_init(&w);
    o.qty = 1;
    o.id = 2;
    o.pick = &w;
    assert_int_equal(cgen_Order_compact_encode(&o, g_buf, sizeof g_buf, &len), 0);
    static const uint8_t order[] = {0x01, 0x02, 0x01, 0x00, 0x0e};
    assert_int_equal(len, sizeof order);
    assert_memory_equal(g_buf, order, sizeof order);

    /* an event: bool, u8, i8 fixed; u16 300 uvar; i16 -1 svar; ...;
     * char[12] up to its NUL; u8[5] raw; i16[3] svar each; Point[2] */
    cgen_Sample s;
    memset(&s, 0, sizeof s);
    s.b = true;
    s.u8v = 0xfe;
    s.i8v = -1;
    s.u16v = 300;
    s.i16v = -1;
    s.u64v = UINT64_MAX;
    s.color = cgen_Color_RED;
    s.level = cgen_Level_HIGH;
    memcpy(s.name, "hi", 2);
    s.raw[4] = 9;
    s.temps[1] = 1;
    s.pts[1].y = -3;
    assert_int_equal(cgen_Sample_compact_encode(&s, g_buf, sizeof g_buf, &len), 0);
    static const uint8_t sample[] = {
        0x01, 0xfe, 0xff,                                              /* b u8v i8v */
        0xac, 0x02, 0x01,                                              /* u16v i16v */
        0x00, 0x00,                                                    /* u32v i32v */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,          /* u64v ... */
        0x01, 0x00,                                                    /* ... i64v */
        0,    0,    0,    0,    0,    0,    0,    0,    0,    0, 0, 0, /* f32v f64v */
        0xff, 0xe0, 0xd4, 0x03,                                        /* color level */
        0x02, 'h',  'i',                                               /* name */
        0,    0,    0,    0,    9,                                     /* raw */
        0x00, 0x02, 0x00,                                              /* temps */
        0x00, 0x00, 0x00, 0x05,                                        /* pts */
    };
    assert_int_equal(len, sizeof sample);
    assert_memory_equal(g_buf, sample, sizeof sample);
    cgen_Sample back;
    assert_int_equal(cgen_Sample_compact_decode(&back, sample, sizeof sample), 0);
    assert_memory_equal(&back, &s, sizeof s);
}

/* ---- a Monster with every field set ---- */

typedef struct full {
    cgen_Monster m, enemy;
    cgen_Vec3 pos, spots[3];
    cgen_Weapon weapons[2], equipped;
    cgen_Shield shield;
    myl_cstr tags[3], shield_tags[1];
    uint8_t inventory[300];
    int8_t deltas[4];
    int64_t values[4];
    double doubles[3];
    cgen_Color colors[3];
    bool flags[3];
    cgen_Level levels[2];
    cgen_Nothing voids[5];
} full;

static void fill_full(full *f)
{
    memset(f, 0, sizeof *f);
    cgen_Monster *m = &f->m;
    cgen_Monster_init(m);
    m->flag = false;
    m->i8v = INT8_MIN;
    m->u8v = UINT8_MAX;
    m->i16v = INT16_MIN;
    m->u16v = UINT16_MAX;
    m->i32v = INT32_MIN;
    m->u32v = UINT32_MAX;
    m->i64v = INT64_MIN;
    m->u64v = UINT64_MAX;
    m->f32v = -FLT_MAX;
    m->f64v = DBL_MIN;
    m->color = cgen_Color_RED;
    m->level = cgen_Level_HIGH;
    m->name.p = "a monster";
    m->name.n = 9;
    f->pos.x = 1.5f;
    f->pos.inner.a = INT16_MAX;
    f->pos.inner.b = INT8_MIN;
    f->pos.big = INT64_MAX;
    m->pos = &f->pos;
    for (size_t i = 0; i < sizeof f->inventory; i++)
        f->inventory[i] = (uint8_t)(i * 7);
    m->inventory.p = f->inventory;
    m->inventory.n = sizeof f->inventory;
    f->deltas[0] = -128;
    f->deltas[3] = 127;
    m->deltas.p = f->deltas;
    m->deltas.n = 4;
    f->values[0] = INT64_MIN;
    f->values[1] = -1;
    f->values[2] = 0;
    f->values[3] = INT64_MAX;
    m->values.p = f->values;
    m->values.n = 4;
    f->doubles[0] = -0.0;
    f->doubles[1] = INFINITY;
    f->doubles[2] = 1e300;
    m->doubles.p = f->doubles;
    m->doubles.n = 3;
    for (int i = 0; i < 3; i++) {
        f->spots[i].y = (float)i;
        f->spots[i].big = -i;
    }
    m->spots.p = f->spots;
    m->spots.n = 3;
    f->tags[0] = (myl_cstr){"x", 1};
    f->tags[1] = (myl_cstr){NULL, 0};
    f->tags[2] = (myl_cstr){"third tag", 9};
    m->tags.p = f->tags;
    m->tags.n = 3;
    cgen_Weapon_init(&f->weapons[0]);
    cgen_Weapon_init(&f->weapons[1]);
    f->weapons[1].name = (myl_cstr){"sword", 5};
    f->weapons[1].damage = INT16_MIN;
    m->weapons.p = f->weapons;
    m->weapons.n = 2;
    cgen_Shield_init(&f->shield);
    f->shield.armor = -5;
    f->shield_tags[0] = (myl_cstr){"oak", 3};
    f->shield.tags.p = f->shield_tags;
    f->shield.tags.n = 1;
    m->equipped_type = cgen_Equipment_Shield;
    m->equipped = &f->shield;
    cgen_Monster_init(&f->enemy);
    f->enemy.name = (myl_cstr){"enemy", 5};
    f->enemy.equipped_type = cgen_Equipment_Nothing;
    f->enemy.equipped = &f->voids[0];
    m->enemy = &f->enemy;
    f->colors[0] = cgen_Color_BLUE;
    f->colors[1] = cgen_Color_RED;
    f->colors[2] = (cgen_Color)100; /* not a named value: kept as it is */
    m->colors.p = f->colors;
    m->colors.n = 3;
    f->flags[1] = true;
    m->flags.p = f->flags;
    m->flags.n = 3;
    f->levels[0] = cgen_Level_LOW;
    f->levels[1] = (cgen_Level)65535;
    m->levels.p = f->levels;
    m->levels.n = 2;
    m->voids.p = f->voids;
    m->voids.n = 5;
}

static bool str_eq(myl_cstr a, myl_cstr b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

static bool vec3_eq(const cgen_Vec3 *a, const cgen_Vec3 *b)
{
    return memcmp(&a->x, &b->x, 12) == 0 && a->inner.a == b->inner.a && a->inner.b == b->inner.b &&
           a->big == b->big;
}

static bool weapon_eq(const cgen_Weapon *a, const cgen_Weapon *b)
{
    return str_eq(a->name, b->name) && a->damage == b->damage;
}

#define VEC_EQ(a, b, f)                                                                            \
    ((a)->f.n == (b)->f.n &&                                                                       \
     ((a)->f.n == 0 || memcmp((a)->f.p, (b)->f.p, (a)->f.n * sizeof *(a)->f.p) == 0))

static bool monster_eq(const cgen_Monster *a, const cgen_Monster *b)
{
    if (a->flag != b->flag || a->i8v != b->i8v || a->u8v != b->u8v || a->i16v != b->i16v ||
        a->u16v != b->u16v || a->i32v != b->i32v || a->u32v != b->u32v || a->i64v != b->i64v ||
        a->u64v != b->u64v || memcmp(&a->f32v, &b->f32v, 4) != 0 ||
        memcmp(&a->f64v, &b->f64v, 8) != 0 || a->color != b->color || a->level != b->level ||
        !str_eq(a->name, b->name))
        return false;
    if (!a->pos != !b->pos || (a->pos && !vec3_eq(a->pos, b->pos)))
        return false;
    if (!VEC_EQ(a, b, inventory) || !VEC_EQ(a, b, deltas) || !VEC_EQ(a, b, values) ||
        !VEC_EQ(a, b, doubles) || !VEC_EQ(a, b, colors) || !VEC_EQ(a, b, flags) ||
        !VEC_EQ(a, b, levels) || a->voids.n != b->voids.n)
        return false;
    if (a->spots.n != b->spots.n || a->tags.n != b->tags.n || a->weapons.n != b->weapons.n)
        return false;
    for (size_t i = 0; i < a->spots.n; i++)
        if (!vec3_eq(&a->spots.p[i], &b->spots.p[i]))
            return false;
    for (size_t i = 0; i < a->tags.n; i++)
        if (!str_eq(a->tags.p[i], b->tags.p[i]))
            return false;
    for (size_t i = 0; i < a->weapons.n; i++)
        if (!weapon_eq(&a->weapons.p[i], &b->weapons.p[i]))
            return false;
    if (a->equipped_type != b->equipped_type || !a->equipped != !b->equipped)
        return false;
    if (a->equipped_type == cgen_Equipment_Weapon && !weapon_eq(a->equipped, b->equipped))
        return false;
    if (a->equipped_type == cgen_Equipment_Shield) {
        const cgen_Shield *x = a->equipped, *y = b->equipped;
        if (x->armor != y->armor || x->tags.n != y->tags.n)
            return false;
        for (size_t i = 0; i < x->tags.n; i++)
            if (!str_eq(x->tags.p[i], y->tags.p[i]))
                return false;
    }
    if (!a->enemy != !b->enemy)
        return false;
    return !a->enemy || monster_eq(a->enemy, b->enemy);
}

static size_t encode_full(full *f)
{
    fill_full(f);
    size_t len = 0;
    assert_int_equal(cgen_Monster_compact_encode(&f->m, g_buf, sizeof g_buf, &len), 0);
    return len;
}

static void test_roundtrip_full(void **state)
{
    (void)state;
    static full f;
    size_t len = encode_full(&f);
    myl_carena a;
    myl_carena_init(&a, g_arena_mem, sizeof g_arena_mem);
    cgen_Monster back;
    assert_int_equal(cgen_Monster_compact_decode(&back, g_buf, len, &a), 0);
    assert_true(monster_eq(&f.m, &back));
    /* strings and [u8]/[i8] point into the message */
    assert_true((const uint8_t *)back.name.p > g_buf && (const uint8_t *)back.name.p < g_buf + len);
    assert_true(back.inventory.p > g_buf && back.inventory.p < g_buf + len);
    assert_true((const uint8_t *)back.deltas.p > g_buf);
    /* everything else in the arena */
    assert_true((const uint8_t *)back.values.p >= (const uint8_t *)g_arena_mem &&
                (const uint8_t *)back.values.p < (const uint8_t *)g_arena_mem + a.used);
    assert_true(back.enemy != NULL && back.enemy->equipped_type == cgen_Equipment_Nothing &&
                back.enemy->equipped != NULL);
    /* re-encoding gives the same bytes */
    static uint8_t again[sizeof g_buf];
    size_t len2 = 0;
    assert_int_equal(cgen_Monster_compact_encode(&back, again, sizeof again, &len2), 0);
    assert_int_equal(len2, len);
    assert_memory_equal(again, g_buf, len);
}

static void test_defaults(void **state)
{
    (void)state;
    cgen_Monster m, back;
    cgen_Monster_init(&m);
    assert_true(m.flag);
    assert_int_equal(m.i8v, -8);
    assert_int_equal(m.u8v, 200);
    assert_int_equal(m.i16v, -1600);
    assert_int_equal(m.u16v, 60000);
    assert_int_equal(m.i32v, -320000);
    assert_int_equal(m.u32v, 4000000000u);
    assert_true(m.i64v == INT64_C(-6400000000));
    assert_true(m.u64v == UINT64_C(18000000000000000000));
    assert_true(m.f32v == 3.5f && m.f64v == -2.25);
    assert_int_equal(m.color, cgen_Color_GREEN);
    assert_int_equal(m.level, cgen_Level_MID);
    assert_null(m.pos);
    assert_null(m.enemy);
    assert_int_equal(m.equipped_type, cgen_Equipment_NONE);
    assert_int_equal(m.tags.n, 0);
    size_t len = 0;
    assert_int_equal(cgen_Monster_compact_encode(&m, g_buf, sizeof g_buf, &len), 0);
    /* nothing to allocate: no arena needed */
    assert_int_equal(cgen_Monster_compact_decode(&back, g_buf, len, NULL), 0);
    assert_true(monster_eq(&m, &back));
}

/* ---- limits ---- */

static void test_truncated_and_trailing(void **state)
{
    (void)state;
    static full f;
    size_t len = encode_full(&f);
    myl_carena a;
    for (size_t n = 0; n < len; n++) {
        myl_carena_init(&a, g_arena_mem, sizeof g_arena_mem);
        cgen_Monster back;
        int rc = cgen_Monster_compact_decode(&back, g_buf, n, &a);
        assert_true(rc < 0);
        assert_true(rc == MYL_ECTRUNC || rc == MYL_ECVARINT || rc == MYL_ECODEC);
    }
    g_buf[len] = 0;
    myl_carena_init(&a, g_arena_mem, sizeof g_arena_mem);
    cgen_Monster back;
    assert_int_equal(cgen_Monster_compact_decode(&back, g_buf, len + 1, &a), MYL_ECODEC);
}

static void test_encode_cap(void **state)
{
    (void)state;
    static full f;
    size_t len = encode_full(&f);
    static uint8_t out[sizeof g_buf + 16];
    for (size_t cap = 0; cap < len; cap++) {
        memset(out, 0xa5, cap + 16);
        size_t got = 0;
        assert_int_equal(cgen_Monster_compact_encode(&f.m, out, cap, &got), MYL_ETOOBIG);
        assert_true(got <= cap);
        for (size_t k = cap; k < cap + 16; k++)
            assert_int_equal(out[k], 0xa5);
    }
    size_t got = 0;
    assert_int_equal(cgen_Monster_compact_encode(&f.m, out, len, &got), 0);
    assert_int_equal(got, len);
    assert_int_equal(cgen_Monster_compact_encode(&f.m, NULL, 0, &got), MYL_ETOOBIG);
}

static void test_value_ranges(void **state)
{
    (void)state;
    cgen_Sample s;
    /* b u8v i8v, then u16v = 65536 */
    static const uint8_t u16_big[] = {0, 0, 0, 0x80, 0x80, 0x04};
    assert_int_equal(cgen_Sample_compact_decode(&s, u16_big, sizeof u16_big), MYL_ECVARINT);
    /* i16v: zigzag 65536 */
    static const uint8_t i16_big[] = {0, 0, 0, 0, 0x80, 0x80, 0x04};
    assert_int_equal(cgen_Sample_compact_decode(&s, i16_big, sizeof i16_big), MYL_ECVARINT);
    /* u32v = 2^32 */
    static const uint8_t u32_big[] = {0, 0, 0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x10};
    assert_int_equal(cgen_Sample_compact_decode(&s, u32_big, sizeof u32_big), MYL_ECVARINT);
    /* overlong u16v: 0x80 0x00 */
    static const uint8_t overlong[] = {0, 0, 0, 0x80, 0x00};
    assert_int_equal(cgen_Sample_compact_decode(&s, overlong, sizeof overlong), MYL_ECVARINT);
    /* bool 2 */
    static const uint8_t bad_bool[] = {2};
    assert_int_equal(cgen_Sample_compact_decode(&s, bad_bool, sizeof bad_bool), MYL_ECODEC);

    /* char[12]: 13 bytes, or a NUL inside, do not decode */
    cgen_Sample ok;
    memset(&ok, 0, sizeof ok);
    memcpy(ok.name, "abcdefghijkl", 12); /* full length, no NUL */
    size_t len = 0;
    assert_int_equal(cgen_Sample_compact_encode(&ok, g_buf, sizeof g_buf, &len), 0);
    assert_int_equal(cgen_Sample_compact_decode(&s, g_buf, len), 0);
    assert_memory_equal(s.name, "abcdefghijkl", 12);
    /* the name's length byte follows 23 bytes of zero-valued fields
     * (b..i64v: 9 bytes; f32v, f64v: 12; color, level: 1 + 1) */
    size_t at = 9 + 12 + 1 + 1;
    assert_int_equal(g_buf[at], 12);
    g_buf[at + 5] = 0;
    assert_int_equal(cgen_Sample_compact_decode(&s, g_buf, len), MYL_ECODEC);
    static uint8_t longer[64];
    memcpy(longer, g_buf, at);
    longer[at] = 13;
    memset(longer + at + 1, 'x', 13);
    assert_int_equal(cgen_Sample_compact_decode(&s, longer, at + 14), MYL_ECODEC);
}

static void test_union_and_required(void **state)
{
    (void)state;
    size_t len = 0;
    cgen_Monster m;
    cgen_Monster_init(&m);
    m.equipped_type = (cgen_Equipment)99;
    assert_int_equal(cgen_Monster_compact_encode(&m, g_buf, sizeof g_buf, &len), MYL_EINVAL);
    m.equipped_type = cgen_Equipment_Weapon; /* and no value */
    assert_int_equal(cgen_Monster_compact_encode(&m, g_buf, sizeof g_buf, &len), MYL_EINVAL);
    cgen_Weapon w;
    cgen_Weapon_init(&w);
    m.equipped = &w;
    assert_int_equal(cgen_Monster_compact_encode(&m, g_buf, sizeof g_buf, &len), 0);
    /* the union's type byte follows the fields before it: find it by
     * encoding once with NONE and once with Weapon */
    static uint8_t none[256];
    size_t nlen = 0;
    cgen_Monster m0;
    cgen_Monster_init(&m0);
    assert_int_equal(cgen_Monster_compact_encode(&m0, none, sizeof none, &nlen), 0);
    size_t at = 0;
    while (at < nlen && none[at] == g_buf[at])
        at++;
    assert_int_equal(none[at], 0);
    assert_int_equal(g_buf[at], cgen_Equipment_Weapon);
    g_buf[at] = 4; /* past the last member */
    static uint64_t mem[64];
    myl_carena a;
    myl_carena_init(&a, mem, sizeof mem);
    cgen_Monster back;
    assert_int_equal(cgen_Monster_compact_decode(&back, g_buf, len, &a), MYL_ECODEC);

    cgen_Order o;
    cgen_Order_init(&o);
    assert_int_equal(cgen_Order_compact_encode(&o, g_buf, sizeof g_buf, &len), MYL_EINVAL);
    static const uint8_t no_pick[] = {0x01, 0x02, 0x00};
    assert_int_equal(cgen_Order_compact_decode(&o, no_pick, sizeof no_pick, &a), MYL_ECODEC);
    static const uint8_t bad_presence[] = {0x01, 0x02, 0x02};
    assert_int_equal(cgen_Order_compact_decode(&o, bad_presence, sizeof bad_presence, &a),
                     MYL_ECODEC);
}

static void test_depth(void **state)
{
    (void)state;
    static cgen_Monster chain[MYL_COMPACT_MAX_DEPTH + 1];
    for (int i = 0; i <= MYL_COMPACT_MAX_DEPTH; i++) {
        cgen_Monster_init(&chain[i]);
        chain[i].enemy = i < MYL_COMPACT_MAX_DEPTH ? &chain[i + 1] : NULL;
    }
    size_t len = 0;
    /* 65 nested: one too many */
    assert_int_equal(cgen_Monster_compact_encode(&chain[0], g_buf, sizeof g_buf, &len), MYL_EINVAL);
    /* 64: the limit */
    assert_int_equal(cgen_Monster_compact_encode(&chain[1], g_buf, sizeof g_buf, &len), 0);
    myl_carena a;
    myl_carena_init(&a, g_arena_mem, sizeof g_arena_mem);
    cgen_Monster back;
    assert_int_equal(cgen_Monster_compact_decode(&back, g_buf, len, &a), 0);
    int depth = 0;
    for (const cgen_Monster *p = &back; p->enemy; p = p->enemy)
        depth++;
    assert_int_equal(depth, MYL_COMPACT_MAX_DEPTH - 1);
    /* the same bytes one level further down are too deep */
    myl_cdec d;
    myl_cdec_init(&d, g_buf, len);
    myl_carena_init(&a, g_arena_mem, sizeof g_arena_mem);
    cgen_Monster_compact_get(&d, &back, &a, 1);
    assert_int_equal(myl_cdec_finish(&d), MYL_ECODEC);
    /* a cycle in the caller's values is refused, not followed forever */
    cgen_Monster loop;
    cgen_Monster_init(&loop);
    loop.enemy = &loop;
    assert_int_equal(cgen_Monster_compact_encode(&loop, g_buf, sizeof g_buf, &len), MYL_EINVAL);
}

static void test_arena(void **state)
{
    (void)state;
    static full f;
    size_t len = encode_full(&f);
    cgen_Monster back;
    assert_int_equal(cgen_Monster_compact_decode(&back, g_buf, len, NULL), MYL_ETOOBIG);
    myl_carena a;
    myl_carena_init(&a, g_arena_mem, sizeof g_arena_mem);
    assert_int_equal(cgen_Monster_compact_decode(&back, g_buf, len, &a), 0);
    size_t need = a.used;
    assert_true(need > 0);
    /* exactly enough (same alignment of the base), and one byte less */
    myl_carena_init(&a, g_arena_mem, need);
    assert_int_equal(cgen_Monster_compact_decode(&back, g_buf, len, &a), 0);
    assert_true(monster_eq(&f.m, &back));
    myl_carena_init(&a, g_arena_mem, need - 1);
    assert_int_equal(cgen_Monster_compact_decode(&back, g_buf, len, &a), MYL_ETOOBIG);
    /* an element count beyond the bytes left is refused before anything is
     * allocated: a Shield with armor 0 and 2^40 tags */
    static const uint8_t many[] = {0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20};
    cgen_Shield sh;
    myl_carena_init(&a, g_arena_mem, sizeof g_arena_mem);
    assert_int_equal(cgen_Shield_compact_decode(&sh, many, sizeof many, &a), MYL_ECVARINT);
    assert_int_equal(a.used, 0);
}

/* Elements of a table without fields take no bytes: their count is
 * bounded by the arena alone. */
static void test_empty_elements(void **state)
{
    (void)state;
    static cgen_Nothing none[1000];
    cgen_Monster m;
    cgen_Monster_init(&m);
    m.voids.p = none;
    m.voids.n = 1000;
    size_t len = 0;
    assert_int_equal(cgen_Monster_compact_encode(&m, g_buf, sizeof g_buf, &len), 0);
    myl_carena a;
    myl_carena_init(&a, g_arena_mem, sizeof g_arena_mem);
    cgen_Monster back;
    assert_int_equal(cgen_Monster_compact_decode(&back, g_buf, len, &a), 0);
    assert_int_equal(back.voids.n, 1000);
    /* a count of 2^60 of them: the arena runs out at once */
    static uint8_t huge[256];
    memcpy(huge, g_buf, len);
    size_t at = len - 2; /* voids' count (1000: 2 bytes) is the last field */
    assert_int_equal(huge[at], 0xe8);
    static const uint8_t count[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10};
    memcpy(huge + at, count, sizeof count);
    myl_carena_init(&a, g_arena_mem, sizeof g_arena_mem);
    assert_int_equal(cgen_Monster_compact_decode(&back, huge, at + sizeof count, &a), MYL_ETOOBIG);
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void test_mutations(void **state)
{
    (void)state;
    static full f;
    size_t len = encode_full(&f);
    static uint8_t mut[sizeof g_buf], again[sizeof g_buf];
    uint64_t seed = 0x9e3779b97f4a7c15u;
    unsigned ok = 0;
    for (int round = 0; round < 20000; round++) {
        memcpy(mut, g_buf, len);
        size_t n = len;
        int edits = 1 + (int)(rnd(&seed) % 3);
        for (int k = 0; k < edits; k++) {
            size_t at = (size_t)(rnd(&seed) % n);
            switch (rnd(&seed) % 3) {
            case 0:
                mut[at] ^= (uint8_t)(1u << (rnd(&seed) % 8));
                break;
            case 1:
                mut[at] = (uint8_t)rnd(&seed);
                break;
            default:
                n = at + 1; /* cut */
            }
        }
        myl_carena a;
        myl_carena_init(&a, g_arena_mem, sizeof g_arena_mem);
        cgen_Monster back;
        if (cgen_Monster_compact_decode(&back, mut, n, &a) < 0)
            continue;
        ok++;
        size_t len2 = 0;
        assert_int_equal(cgen_Monster_compact_encode(&back, again, sizeof again, &len2), 0);
        assert_int_equal(len2, n);
        assert_memory_equal(again, mut, n);
    }
    /* many mutations hit bytes of strings and numbers, which decode */
    assert_true(ok > 1000);
}

MYL_TEST_MAIN("myelonc_compact_gen", cmocka_unit_test(test_wire_bytes),
              cmocka_unit_test(test_roundtrip_full), cmocka_unit_test(test_defaults),
              cmocka_unit_test(test_truncated_and_trailing), cmocka_unit_test(test_encode_cap),
              cmocka_unit_test(test_value_ranges), cmocka_unit_test(test_union_and_required),
              cmocka_unit_test(test_depth), cmocka_unit_test(test_arena),
              cmocka_unit_test(test_empty_elements), cmocka_unit_test(test_mutations))
