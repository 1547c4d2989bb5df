/* The compact channels myelonc generates from tests/gen/compact/cgen.myl,
 * used end to end by two processes (the sender in the test process, the
 * receiver a fork + exec of this binary that checks every value and exits
 * non-zero with a message on the first mismatch):
 *
 *   monsters  one framed ring of 256-byte frames carrying table Monster:
 *             small messages encoded in place in the frame (no buffer
 *             needed), large ones through the sender's buffer, fragmented; every field checked
 *             (strings, vectors, the nested struct, the union, recursion,
 *             defaults); puts that fail to encode (bad union type, missing
 *             union value, a cycle, no buffer for a large message) send
 *             nothing; junk byte messages come back as MYL_EC* errors and
 *             the receiver carries on;
 *   samples   event Sample, every integer type at its minimum and maximum,
 *             negative and non-finite floats, char[12] full and short;
 *   vecs      struct Vec3;
 *   sized     size classes 128/1024 carrying Monster, an ordered receiver:
 *             send order kept across the classes, both classes used,
 *             and a 6,000-byte inventory sent through a 1 KiB buffer
 *             (left in the sender's memory, copied once);
 *   urgent    lanes hi and lo carrying Order: per-lane order, and a put
 *             without the required `pick` refused. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <float.h>
#include <math.h>

#include "harness.h"

#include "cgen.myl.h"

#define ROLE_ENV "MYLC_COMPACT_ROLE"
#define NAME_ENV "MYLC_COMPACT_NAME"
#define TMO INT64_C(20000000000) /* generous: the machine may be loaded */

#define N_MONSTERS 2000u
#define N_SAMPLES 400u
#define N_VECS 400u
#define N_SIZED 1000u
#define N_ORDERS 600u

/* Data bytes of a frame of monsters, and of the small class of sized. */
#define MONSTER_ROOM (256u - MYL_FRAME_HDR_SIZE)
#define SIZED_SMALL_ROOM (128u - MYL_FRAME_HDR_SIZE)

/* ---- Monster values ---- */

#define MAX_DEPTH 3u /* a Monster, its enemy, the enemy's enemy */
#define MAX_TAGS 128u
static const char TAGTEXT[] = "abcdefghijklmnopqrstuvwxyz0123456789ABCD"; /* 40 bytes */

/* A Monster and everything it points to. */
typedef struct mstore {
    cgen_Monster m;
    char name[32];
    cgen_Vec3 pos;
    uint8_t inventory[400];
    int8_t deltas[4];
    int64_t values[64];
    double doubles[4];
    cgen_Vec3 spots[4];
    myl_cstr tags[MAX_TAGS];
    cgen_Weapon weapons[4];
    char weapon_names[4][24];
    cgen_Weapon weapon;
    char weapon_name[24];
    cgen_Shield shield;
    myl_cstr shield_tags[3];
    cgen_Nothing nothing;
    cgen_Color colors[4];
    bool flags[4];
    cgen_Level levels[4];
    cgen_Nothing voids[4];
} mstore;

/* Every tenth top-level Monster is large (about 0.5 to 3 KiB): more than a
 * frame of monsters or of the small class of sized. */
static bool is_large(uint64_t i)
{
    return i % 10 == 9;
}

static void make_vec3(cgen_Vec3 *v, uint64_t i, uint32_t k)
{
    memset(v, 0, sizeof *v);
    v->x = -(float)i * 0.5f - (float)k;
    v->y = (i + k) % 2 ? FLT_MAX : -FLT_MIN;
    v->z = (float)k * 1e30f;
    v->inner.a = (int16_t)((i + k) % 3 == 0 ? INT16_MIN : -(int32_t)(i % 30000));
    v->inner.b = (int8_t)((i + k) % 3 == 1 ? INT8_MAX : -(int32_t)(i % 128));
    v->big = (i + k) % 4 == 0 ? INT64_MIN : -(int64_t)i * INT64_C(1000000000007);
}

/* Monster i at depth (0: the message; 1, 2: enemies), built into st[depth]
 * (and st[depth + 1] ... for its enemies). Fields whose value is left at
 * _init are the defaults the receiver checks. */
static void make_monster(mstore *st, uint64_t i, unsigned depth)
{
    mstore *s = &st[depth];
    memset(s, 0, sizeof *s);
    cgen_Monster *m = &s->m;
    cgen_Monster_init(m);
    bool large = depth == 0 && is_large(i);
    int n = depth ? snprintf(s->name, sizeof s->name, "enemy%u-%llu", depth, (unsigned long long)i)
                  : snprintf(s->name, sizeof s->name, "m%llu", (unsigned long long)i);
    m->name.p = s->name;
    m->name.n = (size_t)n;

    switch ((i + depth) % 3) {
    case 0: /* the defaults */
        break;
    case 1: /* values of i */
        m->flag = false;
        m->i8v = (int8_t)(i * 7);
        m->u8v = (uint8_t)i;
        m->i16v = (int16_t)(-(int32_t)(i * 13 % 30000));
        m->u16v = (uint16_t)(i * 31);
        m->i32v = -(int32_t)i * 1000;
        m->u32v = (uint32_t)i * 77777u;
        m->i64v = -(int64_t)i * INT64_C(1000000007);
        m->u64v = i * UINT64_C(0x9E3779B97F4A7C15);
        m->f32v = -(float)i * 0.25f;
        m->f64v = (double)i / 3.0;
        m->color = (cgen_Color)((int)(i % 3) - 1);
        m->level = i % 2 ? cgen_Level_LOW : cgen_Level_HIGH;
        break;
    default: /* every minimum or every maximum */
        if ((i / 3) % 2) {
            m->flag = false;
            m->i8v = INT8_MIN;
            m->u8v = 0;
            m->i16v = INT16_MIN;
            m->u16v = 0;
            m->i32v = INT32_MIN;
            m->u32v = 0;
            m->i64v = INT64_MIN;
            m->u64v = 0;
            m->f32v = -FLT_MAX;
            m->f64v = -DBL_MIN;
            m->color = cgen_Color_RED;
            m->level = 0;
        } else {
            m->flag = true;
            m->i8v = INT8_MAX;
            m->u8v = UINT8_MAX;
            m->i16v = INT16_MAX;
            m->u16v = UINT16_MAX;
            m->i32v = INT32_MAX;
            m->u32v = UINT32_MAX;
            m->i64v = INT64_MAX;
            m->u64v = UINT64_MAX;
            m->f32v = -INFINITY;
            m->f64v = -0.0;
            m->color = cgen_Color_BLUE;
            m->level = UINT16_MAX;
        }
        break;
    }

    if ((i + depth) % 4 != 0) {
        make_vec3(&s->pos, i, depth);
        m->pos = &s->pos;
    }
    m->inventory.n = large ? 300 : i % 5;
    for (size_t k = 0; k < m->inventory.n; k++)
        s->inventory[k] = (uint8_t)(i + k * 3);
    m->inventory.p = s->inventory;
    m->deltas.n = i % 4;
    for (size_t k = 0; k < m->deltas.n; k++)
        s->deltas[k] = (int8_t)(k == 0 ? INT8_MIN : -(int32_t)(k * 40) + 1);
    m->deltas.p = s->deltas;
    m->values.n = large ? 40 : i % 6;
    for (size_t k = 0; k < m->values.n; k++)
        s->values[k] = k == 0   ? INT64_MIN
                       : k == 1 ? INT64_MAX
                                : (int64_t)(i * k) * (k & 1 ? -1 : 1) * 1000003;
    m->values.p = s->values;
    m->doubles.n = i % 3;
    for (size_t k = 0; k < m->doubles.n; k++)
        s->doubles[k] = -(double)i * (double)(k + 1) / 7.0;
    m->doubles.p = s->doubles;
    m->spots.n = (i / 2) % 3;
    for (uint32_t k = 0; k < m->spots.n; k++)
        make_vec3(&s->spots[k], i, k + 10);
    m->spots.p = s->spots;
    m->tags.n = large ? 20 + i % 97 : i % 3;
    for (size_t k = 0; k < m->tags.n; k++) {
        s->tags[k].p = TAGTEXT;
        s->tags[k].n = (k * 7) % 41;
    }
    m->tags.p = s->tags;
    m->weapons.n = (i / 3) % 3;
    for (size_t k = 0; k < m->weapons.n; k++) {
        cgen_Weapon *w = &s->weapons[k];
        cgen_Weapon_init(w);
        int len = snprintf(s->weapon_names[k], sizeof s->weapon_names[k], "w%zu-%llu", k,
                           (unsigned long long)i);
        w->name.p = s->weapon_names[k];
        w->name.n = (size_t)len;
        if (k > 0)
            w->damage = (int16_t)(-100 * (int)k - (int)(i % 50));
    }
    m->weapons.p = s->weapons;
    switch ((i / 5 + depth) % 4) {
    case 0:
        break;
    case 1: {
        cgen_Weapon_init(&s->weapon);
        int len =
            snprintf(s->weapon_name, sizeof s->weapon_name, "sword%llu", (unsigned long long)i);
        s->weapon.name.p = s->weapon_name;
        s->weapon.name.n = (size_t)len;
        if (i % 2)
            s->weapon.damage = INT16_MIN;
        m->equipped_type = cgen_Equipment_Weapon;
        m->equipped = &s->weapon;
        break;
    }
    case 2:
        cgen_Shield_init(&s->shield);
        if (i % 2 == 0)
            s->shield.armor = i % 4 ? -(int32_t)i : INT32_MIN;
        s->shield.tags.n = i % 3;
        for (size_t k = 0; k < s->shield.tags.n; k++) {
            s->shield_tags[k].p = TAGTEXT + k;
            s->shield_tags[k].n = 3 + k;
        }
        s->shield.tags.p = s->shield_tags;
        m->equipped_type = cgen_Equipment_Shield;
        m->equipped = &s->shield;
        break;
    default:
        cgen_Nothing_init(&s->nothing);
        m->equipped_type = cgen_Equipment_Nothing;
        m->equipped = &s->nothing;
        break;
    }
    /* i % 5 == 1: one enemy; i % 5 == 2: an enemy with an enemy */
    if ((depth == 0 && (i % 5 == 1 || i % 5 == 2)) || (depth == 1 && i % 5 == 2)) {
        make_monster(st, i, depth + 1);
        m->enemy = &st[depth + 1].m;
    }
    m->colors.n = i % 4;
    for (size_t k = 0; k < m->colors.n; k++)
        s->colors[k] = (cgen_Color)((int)((i + k) % 3) - 1);
    m->colors.p = s->colors;
    m->flags.n = (i / 4) % 4;
    for (size_t k = 0; k < m->flags.n; k++)
        s->flags[k] = (i + k) & 1;
    m->flags.p = s->flags;
    static const cgen_Level levels[4] = {cgen_Level_LOW, cgen_Level_MID, cgen_Level_HIGH, 12345};
    m->levels.n = (i / 2) % 4;
    memcpy(s->levels, levels, sizeof levels);
    m->levels.p = s->levels;
    m->voids.n = (i / 7) % 4;
    m->voids.p = s->voids;
}

/* ---- comparing decoded values with expected ones ---- */

static char why[200];

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            snprintf(why, sizeof why, __VA_ARGS__);                                                \
            return false;                                                                          \
        }                                                                                          \
    } while (0)

static bool str_eq(myl_cstr a, myl_cstr b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

/* Sequences of plain values (bytes, numbers, bools, structs: all zeroed
 * before they are filled on both sides, so padding compares too). */
#define SEQ_EQ(a, b)                                                                               \
    ((a).n == (b).n && ((a).n == 0 || memcmp((a).p, (b).p, (a).n * sizeof *(a).p) == 0))

#define BITS_EQ(a, b) (sizeof(a) == sizeof(b) && memcmp(&(a), &(b), sizeof(a)) == 0)

static bool weapon_eq(const cgen_Weapon *g, const cgen_Weapon *w, const char *where)
{
    CHECK(str_eq(g->name, w->name), "%s: name '%.*s', want '%.*s'", where, (int)g->name.n,
          g->name.p ? g->name.p : "", (int)w->name.n, w->name.p);
    CHECK(g->damage == w->damage, "%s: damage %d, want %d", where, g->damage, w->damage);
    return true;
}

static bool monster_eq(const cgen_Monster *g, const cgen_Monster *w, unsigned depth)
{
    CHECK(g->flag == w->flag, "depth %u: flag", depth);
    CHECK(g->i8v == w->i8v, "depth %u: i8v %d, want %d", depth, g->i8v, w->i8v);
    CHECK(g->u8v == w->u8v, "depth %u: u8v %u, want %u", depth, g->u8v, w->u8v);
    CHECK(g->i16v == w->i16v, "depth %u: i16v %d, want %d", depth, g->i16v, w->i16v);
    CHECK(g->u16v == w->u16v, "depth %u: u16v %u, want %u", depth, g->u16v, w->u16v);
    CHECK(g->i32v == w->i32v, "depth %u: i32v %d, want %d", depth, g->i32v, w->i32v);
    CHECK(g->u32v == w->u32v, "depth %u: u32v %u, want %u", depth, g->u32v, w->u32v);
    CHECK(g->i64v == w->i64v, "depth %u: i64v %lld, want %lld", depth, (long long)g->i64v,
          (long long)w->i64v);
    CHECK(g->u64v == w->u64v, "depth %u: u64v %llu, want %llu", depth, (unsigned long long)g->u64v,
          (unsigned long long)w->u64v);
    CHECK(BITS_EQ(g->f32v, w->f32v), "depth %u: f32v %g, want %g", depth, (double)g->f32v,
          (double)w->f32v);
    CHECK(BITS_EQ(g->f64v, w->f64v), "depth %u: f64v %g, want %g", depth, g->f64v, w->f64v);
    CHECK(g->color == w->color, "depth %u: color %d, want %d", depth, g->color, w->color);
    CHECK(g->level == w->level, "depth %u: level %u, want %u", depth, g->level, w->level);
    CHECK(str_eq(g->name, w->name), "depth %u: name '%.*s', want '%.*s'", depth, (int)g->name.n,
          g->name.p ? g->name.p : "", (int)w->name.n, w->name.p);
    CHECK(!g->pos == !w->pos, "depth %u: pos %s", depth, g->pos ? "present" : "absent");
    CHECK(!g->pos || BITS_EQ(*g->pos, *w->pos), "depth %u: pos differs", depth);
    CHECK(SEQ_EQ(g->inventory, w->inventory), "depth %u: inventory (%zu bytes, want %zu)", depth,
          g->inventory.n, w->inventory.n);
    CHECK(SEQ_EQ(g->deltas, w->deltas), "depth %u: deltas", depth);
    CHECK(SEQ_EQ(g->values, w->values), "depth %u: values (%zu, want %zu)", depth, g->values.n,
          w->values.n);
    CHECK(SEQ_EQ(g->doubles, w->doubles), "depth %u: doubles", depth);
    CHECK(SEQ_EQ(g->spots, w->spots), "depth %u: spots (%zu, want %zu)", depth, g->spots.n,
          w->spots.n);
    CHECK(g->tags.n == w->tags.n, "depth %u: %zu tags, want %zu", depth, g->tags.n, w->tags.n);
    for (size_t k = 0; k < g->tags.n; k++)
        CHECK(str_eq(g->tags.p[k], w->tags.p[k]), "depth %u: tag %zu", depth, k);
    CHECK(g->weapons.n == w->weapons.n, "depth %u: %zu weapons, want %zu", depth, g->weapons.n,
          w->weapons.n);
    for (size_t k = 0; k < g->weapons.n; k++)
        if (!weapon_eq(&g->weapons.p[k], &w->weapons.p[k], "weapons"))
            return false;
    CHECK(g->equipped_type == w->equipped_type, "depth %u: equipped_type %u, want %u", depth,
          g->equipped_type, w->equipped_type);
    CHECK(!g->equipped == !w->equipped, "depth %u: equipped %s", depth,
          g->equipped ? "present" : "absent");
    switch (g->equipped_type) {
    case cgen_Equipment_Weapon:
        if (!weapon_eq(g->equipped, w->equipped, "equipped Weapon"))
            return false;
        break;
    case cgen_Equipment_Shield: {
        const cgen_Shield *gs = g->equipped, *ws = w->equipped;
        CHECK(gs->armor == ws->armor, "depth %u: Shield armor %d, want %d", depth, gs->armor,
              ws->armor);
        CHECK(gs->tags.n == ws->tags.n, "depth %u: Shield tags", depth);
        for (size_t k = 0; k < gs->tags.n; k++)
            CHECK(str_eq(gs->tags.p[k], ws->tags.p[k]), "depth %u: Shield tag %zu", depth, k);
        break;
    }
    default:
        break;
    }
    CHECK(!g->enemy == !w->enemy, "depth %u: enemy %s", depth, g->enemy ? "present" : "absent");
    if (g->enemy && !monster_eq(g->enemy, w->enemy, depth + 1))
        return false;
    CHECK(SEQ_EQ(g->colors, w->colors), "depth %u: colors", depth);
    CHECK(SEQ_EQ(g->flags, w->flags), "depth %u: flags", depth);
    CHECK(SEQ_EQ(g->levels, w->levels), "depth %u: levels", depth);
    CHECK(g->voids.n == w->voids.n, "depth %u: %zu voids, want %zu", depth, g->voids.n, w->voids.n);
    return true;
}

/* The schema's defaults, spelled out (not through _init), wherever
 * make_monster() left them. */
static bool defaults_ok(const cgen_Monster *m, uint64_t i, unsigned depth)
{
    if ((i + depth) % 3 == 0) {
        CHECK(m->flag == true && m->i8v == -8 && m->u8v == 200 && m->i16v == -1600 &&
                  m->u16v == 60000 && m->i32v == -320000 && m->u32v == 4000000000u &&
                  m->i64v == INT64_C(-6400000000) && m->u64v == UINT64_C(18000000000000000000) &&
                  m->f32v == 3.5f && m->f64v == -2.25 && m->color == 0 && m->level == 500,
              "depth %u: a scalar is not its default", depth);
    }
    if (m->weapons.n)
        CHECK(m->weapons.p[0].damage == 7, "depth %u: Weapon.damage not its default", depth);
    if (m->equipped_type == cgen_Equipment_Weapon && i % 2 == 0)
        CHECK(((const cgen_Weapon *)m->equipped)->damage == 7, "depth %u: equipped damage", depth);
    if (m->equipped_type == cgen_Equipment_Shield && i % 2)
        CHECK(((const cgen_Shield *)m->equipped)->armor == 3, "depth %u: Shield.armor", depth);
    return !m->enemy || defaults_ok(m->enemy, i, depth + 1);
}

/* ---- Sample, Vec3 and Order values ---- */

/* name: prefix and i (zero-padded to width digits), cut to 12 bytes */
static void set_name(cgen_Sample *s, const char *prefix, uint64_t i, int width)
{
    char tmp[48];
    int n = snprintf(tmp, sizeof tmp, "%s%0*llu", prefix, width, (unsigned long long)i);
    memcpy(s->name, tmp, (size_t)n < sizeof s->name ? (size_t)n : sizeof s->name);
}

static void make_sample(cgen_Sample *s, uint64_t i)
{
    memset(s, 0, sizeof *s);
    switch (i % 4) {
    case 0: /* every minimum, name at its full 12 bytes */
        s->b = false;
        s->i8v = INT8_MIN;
        s->i16v = INT16_MIN;
        s->i32v = INT32_MIN;
        s->i64v = INT64_MIN;
        s->f32v = -FLT_MAX;
        s->f64v = -DBL_MAX;
        s->color = cgen_Color_RED;
        s->level = 0;
        memcpy(s->name, "ABCDEFGHIJKL", 12);
        for (int k = 0; k < 3; k++)
            s->temps[k] = INT16_MIN;
        s->pts[0].x = s->pts[0].y = s->pts[1].x = s->pts[1].y = INT32_MIN;
        break;
    case 1: /* every maximum, empty name */
        s->b = true;
        s->u8v = UINT8_MAX;
        s->i8v = INT8_MAX;
        s->u16v = UINT16_MAX;
        s->i16v = INT16_MAX;
        s->u32v = UINT32_MAX;
        s->i32v = INT32_MAX;
        s->u64v = UINT64_MAX;
        s->i64v = INT64_MAX;
        s->f32v = -FLT_MIN;
        s->f64v = -0.0;
        s->color = cgen_Color_BLUE;
        s->level = UINT16_MAX;
        memset(s->raw, 0xff, sizeof s->raw);
        for (int k = 0; k < 3; k++)
            s->temps[k] = INT16_MAX;
        s->pts[0].x = s->pts[0].y = s->pts[1].x = s->pts[1].y = INT32_MAX;
        break;
    case 2: /* values of i, a short name */
        s->b = i & 1;
        s->u8v = (uint8_t)i;
        s->i8v = (int8_t) - (int)(i % 128);
        s->u16v = (uint16_t)(i * 163);
        s->i16v = (int16_t) - (int)(i * 3);
        s->u32v = (uint32_t)(i * 2654435761u);
        s->i32v = -(int32_t)(i * 100003);
        s->u64v = i << 40;
        s->i64v = -(int64_t)(i << 33);
        s->f32v = -(float)i / 8.0f;
        s->f64v = -(double)i * 1e-3;
        s->color = cgen_Color_GREEN;
        s->level = cgen_Level_MID;
        set_name(s, "s", i % 100000, 0);
        for (int k = 0; k < 5; k++)
            s->raw[k] = (uint8_t)(i + (uint64_t)k);
        for (int k = 0; k < 3; k++)
            s->temps[k] = (int16_t) - (int)(i * (uint64_t)k);
        s->pts[0].x = (int32_t)i;
        s->pts[0].y = -(int32_t)i;
        s->pts[1].x = -1;
        s->pts[1].y = 1;
        break;
    default: { /* non-finite floats, an 11-byte name */
        s->b = true;
        s->i8v = -1;
        s->i16v = -1;
        s->i32v = -1;
        s->i64v = -1;
        s->f32v = -INFINITY;
        uint64_t nan = UINT64_C(0xfff8000000000123) ^ i; /* a negative quiet NaN with payload */
        memcpy(&s->f64v, &nan, sizeof nan);
        s->color = (cgen_Color)-128;
        s->level = cgen_Level_HIGH;
        set_name(s, "x", i, 10);
        s->raw[4] = 0x80;
        s->temps[1] = -1;
        break;
    }
    }
}

static void make_vec(cgen_Vec3 *v, uint64_t i)
{
    memset(v, 0, sizeof *v);
    switch (i % 3) {
    case 0:
        v->x = -FLT_MAX;
        v->y = -0.0f;
        v->z = -INFINITY;
        v->inner.a = INT16_MIN;
        v->inner.b = INT8_MIN;
        v->big = INT64_MIN;
        break;
    case 1:
        v->x = FLT_MAX;
        v->y = FLT_MIN;
        v->z = INFINITY;
        v->inner.a = INT16_MAX;
        v->inner.b = INT8_MAX;
        v->big = INT64_MAX;
        break;
    default:
        v->x = -(float)i * 0.5f;
        v->y = (float)i;
        v->z = -1.0f / (float)(i + 1);
        v->inner.a = (int16_t) - (int)(i % 30000);
        v->inner.b = (int8_t)(i % 128);
        v->big = -(int64_t)i * INT64_C(1000000000039);
        break;
    }
}

/* urgent: message i goes on lane hi when i % 3 == 0, else on lo; its
 * qty is its index within the lane. */
static uint32_t order_lane(uint64_t i)
{
    return i % 3 == 0 ? cgen_urgent_LANE_hi : cgen_urgent_LANE_lo;
}

typedef struct ostore {
    cgen_Order o;
    cgen_Weapon pick;
    char name[24];
} ostore;

static void make_order(ostore *s, uint64_t i, uint32_t qty)
{
    memset(s, 0, sizeof *s);
    cgen_Order_init(&s->o);
    cgen_Weapon_init(&s->pick);
    int n = snprintf(s->name, sizeof s->name, "pick%llu", (unsigned long long)i);
    s->pick.name.p = s->name;
    s->pick.name.n = (size_t)n;
    if (i % 2)
        s->pick.damage = (int16_t) - (int)(i % 1000);
    s->o.id = i * UINT64_C(0x100000001);
    s->o.qty = qty;
    s->o.pick = &s->pick;
}

/* ---- the receiving side (the child process) ---- */

/* Junk j (sent with kind 1 before every monsters message i with
 * i % 100 == 50) and the error decoding it gives. */
#define N_JUNK (N_MONSTERS / 100u)
static const int junk_err[5] = {MYL_ECODEC, MYL_ECTRUNC, MYL_ECTRUNC, MYL_ECODEC, MYL_ECVARINT};

#define FAIL(code, ...) return fprintf(stderr, __VA_ARGS__), fputc('\n', stderr), (code)

static int recv_monsters(const char *name)
{
    myl_ring *r;
    int rc = cgen_monsters_attach(name, TMO, &r);
    if (rc < 0)
        FAIL(2, "monsters: attach: %s", myl_strerror(rc));
    cgen_monsters_receiver rx;
    if ((rc = cgen_monsters_receiver_open(r, "r-monsters", NULL, &rx)) < 0)
        FAIL(3, "monsters: open: %s", myl_strerror(rc));
    static uint64_t arena_mem[8192];
    myl_carena arena;
    myl_carena_init(&arena, arena_mem, sizeof arena_mem);
    static mstore want[MAX_DEPTH];
    uint64_t junk = 0, in_place = 0, fragmented = 0, last_id = 0;
    for (uint64_t i = 0; i < N_MONSTERS;) {
        cgen_Monster got;
        myl_frame_msg m;
        memset(&m, 0, sizeof m);
        m.kind = UINT16_MAX;
        rc = cgen_monsters_receiver_get(&rx, &got, &arena, &m, TMO);
        if (rc == MYL_ECTRUNC || rc == MYL_ECVARINT || rc == MYL_ECODEC) {
            /* released by _get(); the next receive goes on */
            if (m.kind != 1 || i % 100 != 50 || junk != i / 100)
                FAIL(4, "monsters: before message %llu: %s (kind %u, %zu bytes)",
                     (unsigned long long)i, myl_strerror(rc), m.kind, m.len);
            if (rc != junk_err[junk % 5])
                FAIL(4, "monsters: junk %llu: %s, want %s", (unsigned long long)junk,
                     myl_strerror(rc), myl_strerror(junk_err[junk % 5]));
            junk++;
            continue;
        }
        if (rc < 0)
            FAIL(5, "monsters: get %llu: %s", (unsigned long long)i, myl_strerror(rc));
        if (m.kind != 0)
            FAIL(6, "monsters: message %llu: kind %u", (unsigned long long)i, m.kind);
        if (i % 100 == 50 && junk != i / 100 + 1)
            FAIL(6, "monsters: junk before message %llu missing", (unsigned long long)i);
        if (i > 0 && m.msg_id <= last_id)
            FAIL(6, "monsters: message %llu: id %llu after %llu", (unsigned long long)i,
                 (unsigned long long)m.msg_id, (unsigned long long)last_id);
        last_id = m.msg_id;
        make_monster(want, i, 0);
        if (!monster_eq(&got, &want[0].m, 0))
            FAIL(7, "monsters: message %llu (%zu bytes): %s", (unsigned long long)i, m.len, why);
        if (!defaults_ok(&got, i, 0))
            FAIL(7, "monsters: message %llu: %s", (unsigned long long)i, why);
        /* in place in one frame exactly when it fits one */
        if (m.borrowed != (m.len <= MONSTER_ROOM))
            FAIL(8, "monsters: message %llu of %zu bytes %s", (unsigned long long)i, m.len,
                 m.borrowed ? "in one frame" : "fragmented");
        in_place += m.borrowed;
        fragmented += !m.borrowed;
        cgen_monsters_receiver_release(&rx);
        i++;
    }
    if (junk != N_JUNK)
        FAIL(9, "monsters: %llu junk messages seen, want %u", (unsigned long long)junk, N_JUNK);
    if (in_place < N_MONSTERS / 4 || fragmented < N_MONSTERS / 20)
        FAIL(9, "monsters: %llu in place, %llu fragmented", (unsigned long long)in_place,
             (unsigned long long)fragmented);
    cgen_monsters_receiver_close(&rx);
    myl_ring_close(r);
    return 0;
}

static int recv_samples(const char *name)
{
    myl_ring *r;
    int rc = cgen_samples_attach(name, TMO, &r);
    if (rc < 0)
        FAIL(2, "samples: attach: %s", myl_strerror(rc));
    cgen_samples_receiver rx;
    if ((rc = cgen_samples_receiver_open(r, "r-samples", NULL, &rx)) < 0)
        FAIL(3, "samples: open: %s", myl_strerror(rc));
    uint64_t first_id = 0;
    for (uint64_t i = 0; i < N_SAMPLES; i++) {
        cgen_Sample got, want;
        myl_frame_msg m;
        if ((rc = cgen_samples_receiver_get(&rx, &got, NULL, &m, TMO)) < 0)
            FAIL(5, "samples: get %llu: %s", (unsigned long long)i, myl_strerror(rc));
        if (i == 0)
            first_id = m.msg_id;
        /* every put fit its frame: no id was skipped */
        if (m.msg_id != first_id + i || m.kind != (uint16_t)(i % 5) || !m.borrowed)
            FAIL(6, "samples: message %llu: id %llu, kind %u, borrowed %d", (unsigned long long)i,
                 (unsigned long long)(m.msg_id - first_id), m.kind, m.borrowed);
        make_sample(&want, i);
        if (memcmp(&got, &want, sizeof got) != 0)
            FAIL(7,
                 "samples: message %llu differs: u64v %llu/%llu i64v %lld/%lld f32v %g/%g "
                 "name '%.12s'/'%.12s'",
                 (unsigned long long)i, (unsigned long long)got.u64v, (unsigned long long)want.u64v,
                 (long long)got.i64v, (long long)want.i64v, (double)got.f32v, (double)want.f32v,
                 got.name, want.name);
        cgen_samples_receiver_release(&rx);
    }
    cgen_samples_receiver_close(&rx);
    myl_ring_close(r);
    return 0;
}

static int recv_vecs(const char *name)
{
    myl_ring *r;
    int rc = cgen_vecs_attach(name, TMO, &r);
    if (rc < 0)
        FAIL(2, "vecs: attach: %s", myl_strerror(rc));
    cgen_vecs_receiver rx;
    if ((rc = cgen_vecs_receiver_open(r, "r-vecs", NULL, &rx)) < 0)
        FAIL(3, "vecs: open: %s", myl_strerror(rc));
    uint64_t first_id = 0;
    for (uint64_t i = 0; i < N_VECS; i++) {
        cgen_Vec3 got, want;
        myl_frame_msg m;
        if ((rc = cgen_vecs_receiver_get(&rx, &got, NULL, &m, TMO)) < 0)
            FAIL(5, "vecs: get %llu: %s", (unsigned long long)i, myl_strerror(rc));
        if (i == 0)
            first_id = m.msg_id;
        if (m.msg_id != first_id + i || m.kind != 3 || !m.borrowed)
            FAIL(6, "vecs: message %llu: id %llu, kind %u", (unsigned long long)i,
                 (unsigned long long)(m.msg_id - first_id), m.kind);
        make_vec(&want, i);
        if (memcmp(&got, &want, sizeof got) != 0)
            FAIL(7, "vecs: message %llu differs: x %g/%g big %lld/%lld a %d/%d",
                 (unsigned long long)i, (double)got.x, (double)want.x, (long long)got.big,
                 (long long)want.big, got.inner.a, want.inner.a);
        cgen_vecs_receiver_release(&rx);
    }
    cgen_vecs_receiver_close(&rx);
    myl_ring_close(r);
    return 0;
}

/* The inventory of sized's last message: more than MYL_EXT_MIN bytes. */
#define BIG_INVENTORY 6000u
static const uint8_t *big_inventory(void)
{
    static uint8_t b[BIG_INVENTORY];
    for (size_t k = 0; k < sizeof b; k++)
        b[k] = (uint8_t)(k * 7 + 1);
    return b;
}

static int recv_sized(const char *name)
{
    myl_group *g;
    int rc = cgen_sized_attach(name, TMO, &g);
    if (rc < 0)
        FAIL(2, "sized: attach: %s", myl_strerror(rc));
    cgen_sized_receiver rx;
    if ((rc = cgen_sized_receiver_open(g, "r-sized", MYL_GROUP_ORDERED, &rx)) < 0)
        FAIL(3, "sized: open: %s", myl_strerror(rc));
    static uint64_t arena_mem[8192];
    myl_carena arena;
    myl_carena_init(&arena, arena_mem, sizeof arena_mem);
    static mstore want[MAX_DEPTH];
    uint64_t per_class[cgen_sized_CLASSES] = {0}, fragmented = 0;
    for (uint64_t i = 0; i < N_SIZED; i++) {
        cgen_Monster got;
        myl_frame_msg m;
        uint32_t cls = UINT32_MAX;
        if ((rc = cgen_sized_receiver_get(&rx, &got, &arena, &m, &cls, TMO)) < 0)
            FAIL(5, "sized: get %llu: %s", (unsigned long long)i, myl_strerror(rc));
        make_monster(want, i, 0);
        if (!monster_eq(&got, &want[0].m, 0))
            FAIL(7, "sized: message %llu (%zu bytes, class %u): %s", (unsigned long long)i, m.len,
                 cls, why);
        if (!defaults_ok(&got, i, 0))
            FAIL(7, "sized: message %llu: %s", (unsigned long long)i, why);
        uint32_t want_cls = m.len <= SIZED_SMALL_ROOM ? 0 : 1;
        if (cls != want_cls || m.kind != (uint16_t)(i & 7))
            FAIL(8, "sized: message %llu of %zu bytes: class %u, kind %u", (unsigned long long)i,
                 m.len, cls, m.kind);
        per_class[cls]++;
        fragmented += m.len > 1024u - MYL_FRAME_HDR_SIZE;
    }
    /* Then one whose inventory (BIG_INVENTORY bytes) the sender left in its
     * own memory: sent through a buffer of 1 KiB, copied once into the
     * frames (myl_group_send_ext), in the large class. */
    {
        cgen_Monster got;
        myl_frame_msg m;
        uint32_t cls = UINT32_MAX;
        if ((rc = cgen_sized_receiver_get(&rx, &got, &arena, &m, &cls, TMO)) < 0)
            FAIL(5, "sized: get the large message: %s", myl_strerror(rc));
        make_monster(want, N_SIZED, 0);
        want[0].m.inventory.p = big_inventory();
        want[0].m.inventory.n = BIG_INVENTORY;
        if (!monster_eq(&got, &want[0].m, 0))
            FAIL(7, "sized: the large message (%zu bytes, class %u): %s", m.len, cls, why);
        if (cls != 1 || m.len <= BIG_INVENTORY)
            FAIL(8, "sized: the large message of %zu bytes: class %u", m.len, cls);
    }
    printf("sized: %llu messages in class 0 (128), %llu in class 1 (1024), %llu of them "
           "fragmented\n",
           (unsigned long long)per_class[0], (unsigned long long)per_class[1],
           (unsigned long long)fragmented);
    if (!per_class[0] || !per_class[1] || !fragmented)
        FAIL(9, "sized: a class or fragmentation never used");
    cgen_sized_receiver_close(&rx);
    myl_group_close(g);
    return 0;
}

static int recv_urgent(const char *name)
{
    myl_group *g;
    int rc = cgen_urgent_attach(name, TMO, &g);
    if (rc < 0)
        FAIL(2, "urgent: attach: %s", myl_strerror(rc));
    cgen_urgent_receiver rx;
    if ((rc = cgen_urgent_receiver_open(g, "r-urgent", 0, NULL, &rx)) < 0)
        FAIL(3, "urgent: open: %s", myl_strerror(rc));
    static uint64_t arena_mem[256];
    myl_carena arena;
    myl_carena_init(&arena, arena_mem, sizeof arena_mem);
    uint64_t next[cgen_urgent_LANES] = {0, 1}; /* index of each lane's next message */
    uint32_t qty[cgen_urgent_LANES] = {0};
    for (uint64_t n = 0; n < N_ORDERS; n++) {
        cgen_Order got;
        myl_frame_msg m;
        uint32_t lane = UINT32_MAX;
        if ((rc = cgen_urgent_receiver_get(&rx, &got, &arena, &m, &lane, TMO)) < 0)
            FAIL(5, "urgent: get %llu: %s", (unsigned long long)n, myl_strerror(rc));
        if (lane >= cgen_urgent_LANES)
            FAIL(6, "urgent: lane %u", lane);
        uint64_t i = next[lane];
        ostore want;
        make_order(&want, i, qty[lane]);
        if (m.kind != 10 + lane || got.id != want.o.id || got.qty != want.o.qty || !got.pick ||
            !weapon_eq(got.pick, &want.pick, "pick"))
            FAIL(7, "urgent: lane %s #%u: id %llx qty %u, want message %llu: id %llx qty %u %s",
                 cgen_urgent_lane_names[lane], qty[lane], (unsigned long long)got.id, got.qty,
                 (unsigned long long)i, (unsigned long long)want.o.id, want.o.qty, why);
        qty[lane]++;
        do
            next[lane]++;
        while (order_lane(next[lane]) != lane);
    }
    if (qty[0] != N_ORDERS / 3 || qty[1] != N_ORDERS - N_ORDERS / 3)
        FAIL(9, "urgent: %u on hi, %u on lo", qty[0], qty[1]);
    cgen_urgent_receiver_close(&rx);
    myl_group_close(g);
    return 0;
}

__attribute__((constructor)) static void receiver_role(void)
{
    const char *role = getenv(ROLE_ENV), *name = getenv(NAME_ENV);
    if (!role || !name)
        return;
    int rc = 100;
    if (strcmp(role, "monsters") == 0)
        rc = recv_monsters(name);
    else if (strcmp(role, "samples") == 0)
        rc = recv_samples(name);
    else if (strcmp(role, "vecs") == 0)
        rc = recv_vecs(name);
    else if (strcmp(role, "sized") == 0)
        rc = recv_sized(name);
    else if (strcmp(role, "urgent") == 0)
        rc = recv_urgent(name);
    fflush(NULL);
    _exit(rc);
}

/* ---- the sending side (the test process) ---- */

static pid_t spawn(const char *role, const char *name)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        setenv(ROLE_ENV, role, 1);
        setenv(NAME_ENV, name, 1);
        char *argv[] = {(char *)"test_myelonc_compact_mp", NULL};
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    return pid;
}

static void reap(pid_t pid)
{
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static uint8_t buf[65536];

static size_t make_junk(uint64_t j, uint8_t *out)
{
    static mstore st[MAX_DEPTH];
    size_t len = 0;
    switch (j % 5) {
    case 0: /* flag 0xff: not a bool */
        memset(out, 0xff, 64);
        return 64;
    case 1: /* nothing at all */
        return 0;
    case 2: /* a valid message cut short */
        make_monster(st, 1000 + j, 0);
        assert_int_equal(cgen_Monster_compact_encode(&st[0].m, out, 4096, &len), 0);
        return len - 1;
    case 3: /* a valid message and one byte more */
        make_monster(st, 1000 + j, 0);
        assert_int_equal(cgen_Monster_compact_encode(&st[0].m, out, 4096, &len), 0);
        out[len] = 0;
        return len + 1;
    default: { /* i16v as an overlong varint */
        static const uint8_t over[] = {1, 0, 0, 0x80, 0x00};
        memcpy(out, over, sizeof over);
        return sizeof over;
    }
    }
}

/* Puts that must fail without sending anything. */
static void bad_monster_puts(cgen_monsters_sender *tx, const mstore *small)
{
    static mstore large[MAX_DEPTH];
    make_monster(large, 9, 0);
    size_t len = 0;
    assert_int_equal(cgen_Monster_compact_encode(&large[0].m, buf, sizeof buf, &len), 0);
    assert_true(len > MONSTER_ROOM);
    cgen_Monster x = small->m;
    x.equipped_type = 99; /* no such union member: in the frame */
    x.equipped = &small->nothing;
    assert_int_equal(cgen_monsters_sender_put(tx, &x, buf, sizeof buf, 0, TMO), MYL_EINVAL);
    x = small->m;
    x.equipped_type = cgen_Equipment_Shield; /* a member without its value */
    x.equipped = NULL;
    assert_int_equal(cgen_monsters_sender_put(tx, &x, buf, sizeof buf, 0, TMO), MYL_EINVAL);
    x = small->m;
    x.enemy = &x; /* a cycle: too deep */
    assert_int_equal(cgen_monsters_sender_put(tx, &x, buf, sizeof buf, 0, TMO), MYL_EINVAL);
    x = large[0].m;
    x.equipped_type = 99; /* through the buffer */
    assert_int_equal(cgen_monsters_sender_put(tx, &x, buf, sizeof buf, 0, TMO), MYL_EINVAL);
    /* too large for a frame, and no buffer or too small a one */
    assert_int_equal(cgen_monsters_sender_put(tx, &large[0].m, NULL, 0, 0, TMO), MYL_ETOOBIG);
    assert_int_equal(cgen_monsters_sender_put(tx, &large[0].m, NULL, sizeof buf, 0, TMO),
                     MYL_ETOOBIG);
    assert_int_equal(cgen_monsters_sender_put(tx, &large[0].m, buf, len - 1, 0, TMO), MYL_ETOOBIG);
}

static void test_monsters(void **state)
{
    (void)state;
    const char *name = myl_test_name("cgen-monsters");
    myl_ring_unlink(cgen_monsters_desc.backing, name);
    myl_ring *r;
    assert_int_equal(cgen_monsters_create(name, &r), 0);
    cgen_monsters_sender tx;
    assert_int_equal(cgen_monsters_sender_open(r, NULL, &tx), 0);
    pid_t pid = spawn("monsters", name);
    assert_true(pid > 0);
    assert_int_equal(myl_producer_wait_consumers(myl_framer_producer(tx.f), "r-monsters", 1, TMO),
                     0);
    static mstore st[MAX_DEPTH];
    static uint8_t junk[4096 + 1];
    unsigned large = 0;
    for (uint64_t i = 0; i < N_MONSTERS; i++) {
        if (i % 100 == 50) {
            size_t len = make_junk(i / 100, junk);
            assert_int_equal(cgen_monsters_sender_send(&tx, junk, len, 1, TMO), 0);
        }
        make_monster(st, i, 0);
        if (i % 250 == 7)
            bad_monster_puts(&tx, &st[0]);
        size_t len = 0;
        assert_int_equal(cgen_Monster_compact_encode(&st[0].m, buf, sizeof buf, &len), 0);
        large += len > MONSTER_ROOM;
        memset(buf, 0xa5, sizeof buf); /* _put() encodes again */
        /* A message that fits a frame is encoded in place: it needs no
         * buffer, and takes one message id (the claimed frame). */
        uint64_t ids = myl_framer_next_id(tx.f);
        bool nobuf = len <= MONSTER_ROOM && i % 2 == 0;
        assert_int_equal(cgen_monsters_sender_put(&tx, &st[0].m, nobuf ? NULL : buf,
                                                  nobuf ? 0 : sizeof buf, 0, TMO),
                         0);
        if (len <= MONSTER_ROOM)
            assert_int_equal(myl_framer_next_id(tx.f) - ids, 1);
    }
    assert_true(large >= N_MONSTERS / 20 && large <= N_MONSTERS * 3 / 4);
    reap(pid);
    cgen_monsters_sender_close(&tx);
    myl_ring_close(r);
    assert_int_equal(myl_ring_unlink(cgen_monsters_desc.backing, name), 0);
}

static void test_samples(void **state)
{
    (void)state;
    const char *name = myl_test_name("cgen-samples");
    myl_ring_unlink(cgen_samples_desc.backing, name);
    myl_ring *r;
    assert_int_equal(cgen_samples_create(name, &r), 0);
    cgen_samples_sender tx;
    assert_int_equal(cgen_samples_sender_open(r, NULL, &tx), 0);
    pid_t pid = spawn("samples", name);
    assert_true(pid > 0);
    assert_int_equal(myl_producer_wait_consumers(myl_framer_producer(tx.f), "r-samples", 1, TMO),
                     0);
    for (uint64_t i = 0; i < N_SAMPLES; i++) {
        cgen_Sample s;
        make_sample(&s, i);
        size_t len = 0;
        assert_int_equal(cgen_Sample_compact_encode(&s, buf, sizeof buf, &len), 0);
        assert_true(len <= 128u - MYL_FRAME_HDR_SIZE); /* in place, no buffer needed */
        assert_int_equal(cgen_samples_sender_put(&tx, &s, NULL, 0, (uint16_t)(i % 5), TMO), 0);
    }
    reap(pid);
    cgen_samples_sender_close(&tx);
    myl_ring_close(r);
    assert_int_equal(myl_ring_unlink(cgen_samples_desc.backing, name), 0);
}

static void test_vecs(void **state)
{
    (void)state;
    const char *name = myl_test_name("cgen-vecs");
    myl_ring_unlink(cgen_vecs_desc.backing, name);
    myl_ring *r;
    assert_int_equal(cgen_vecs_create(name, &r), 0);
    cgen_vecs_sender tx;
    assert_int_equal(cgen_vecs_sender_open(r, NULL, &tx), 0);
    pid_t pid = spawn("vecs", name);
    assert_true(pid > 0);
    assert_int_equal(myl_producer_wait_consumers(myl_framer_producer(tx.f), "r-vecs", 1, TMO), 0);
    for (uint64_t i = 0; i < N_VECS; i++) {
        cgen_Vec3 v;
        make_vec(&v, i);
        assert_int_equal(cgen_vecs_sender_put(&tx, &v, NULL, 0, 3, TMO), 0);
    }
    reap(pid);
    cgen_vecs_sender_close(&tx);
    myl_ring_close(r);
    assert_int_equal(myl_ring_unlink(cgen_vecs_desc.backing, name), 0);
}

static void test_sized(void **state)
{
    (void)state;
    const char *name = myl_test_name("cgen-sized");
    cgen_sized_unlink(name);
    myl_group *g;
    assert_int_equal(cgen_sized_create(name, &g), 0);
    cgen_sized_sender tx;
    assert_int_equal(cgen_sized_sender_open(g, NULL, &tx), 0);
    pid_t pid = spawn("sized", name);
    assert_true(pid > 0);
    for (uint32_t c = 0; c < cgen_sized_CLASSES; c++)
        assert_int_equal(
            myl_producer_wait_consumers(myl_framer_producer(myl_group_sender_framer(tx.s, c)),
                                        "r-sized", 1, TMO),
            0);
    static mstore st[MAX_DEPTH];
    for (uint64_t i = 0; i < N_SIZED; i++) {
        make_monster(st, i, 0);
        if (i % 100 == 3) {
            /* nothing is sent when encoding fails */
            assert_int_equal(cgen_sized_sender_put(&tx, &st[0].m, buf, 8, 0, TMO), MYL_ETOOBIG);
            assert_int_equal(cgen_sized_sender_put(&tx, &st[0].m, NULL, 0, 0, TMO), MYL_ETOOBIG);
            cgen_Monster x = st[0].m;
            x.equipped_type = 4;
            assert_int_equal(cgen_sized_sender_put(&tx, &x, buf, sizeof buf, 0, TMO), MYL_EINVAL);
        }
        assert_int_equal(
            cgen_sized_sender_put(&tx, &st[0].m, buf, sizeof buf, (uint16_t)(i & 7), TMO), 0);
    }
    /* the large inventory stays where it is: 1 KiB of buffer is enough */
    make_monster(st, N_SIZED, 0);
    st[0].m.inventory.p = big_inventory();
    st[0].m.inventory.n = BIG_INVENTORY;
    assert_int_equal(cgen_sized_sender_put(&tx, &st[0].m, buf, 1024, 0, TMO), 0);
    reap(pid);
    cgen_sized_sender_close(&tx);
    myl_group_close(g);
    assert_int_equal(cgen_sized_unlink(name), 0);
}

static void test_urgent(void **state)
{
    (void)state;
    const char *name = myl_test_name("cgen-urgent");
    cgen_urgent_unlink(name);
    myl_group *g;
    assert_int_equal(cgen_urgent_create(name, &g), 0);
    cgen_urgent_sender tx;
    assert_int_equal(cgen_urgent_sender_open(g, NULL, &tx), 0);
    pid_t pid = spawn("urgent", name);
    assert_true(pid > 0);
    for (uint32_t l = 0; l < cgen_urgent_LANES; l++)
        assert_int_equal(
            myl_producer_wait_consumers(myl_framer_producer(myl_group_sender_framer(tx.s, l)),
                                        "r-urgent", 1, TMO),
            0);
    uint32_t qty[cgen_urgent_LANES] = {0};
    for (uint64_t i = 0; i < N_ORDERS; i++) {
        uint32_t lane = order_lane(i);
        ostore s;
        make_order(&s, i, qty[lane]);
        if (i % 50 == 25) {
            /* the required pick missing: refused on either lane */
            cgen_Order x = s.o;
            x.pick = NULL;
            assert_int_equal(cgen_urgent_sender_put(&tx, lane, &x, buf, sizeof buf, 0, TMO),
                             MYL_EINVAL);
            assert_int_equal(cgen_urgent_sender_put(&tx, 1 - lane, &x, buf, sizeof buf, 0, TMO),
                             MYL_EINVAL);
            /* larger than a lane's frame, and the buffer too small */
            static char longname[1500];
            memset(longname, 'x', sizeof longname);
            cgen_Weapon w;
            cgen_Weapon_init(&w);
            w.name = (myl_cstr){longname, sizeof longname};
            x = s.o;
            x.pick = &w;
            assert_int_equal(cgen_urgent_sender_put(&tx, lane, &x, buf, 4, 0, TMO), MYL_ETOOBIG);
            assert_int_equal(cgen_urgent_sender_put(&tx, lane, &x, NULL, 0, 0, TMO), MYL_ETOOBIG);
        }
        /* every third without a buffer: it is encoded in the lane's frame */
        assert_int_equal(cgen_urgent_sender_put(&tx, lane, &s.o, i % 3 ? buf : NULL,
                                                i % 3 ? sizeof buf : 0, (uint16_t)(10 + lane), TMO),
                         0);
        qty[lane]++;
    }
    reap(pid);
    cgen_urgent_sender_close(&tx);
    myl_group_close(g);
    assert_int_equal(cgen_urgent_unlink(name), 0);
}

MYL_TEST_MAIN("myelonc_compact_mp", cmocka_unit_test(test_monsters), cmocka_unit_test(test_samples),
              cmocka_unit_test(test_vecs), cmocka_unit_test(test_sized),
              cmocka_unit_test(test_urgent))
