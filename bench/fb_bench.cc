/* FlatBuffers benchmark (layer 3), on the interop schema's full sample
 * (tests/fb/interop.fbs, 11 tables, every field kind):
 *
 *   read-all   our C readers vs flatc's C++ accessors, every field
 *   read-few   the same, five fields (what a typical consumer touches)
 *   verify     myl_fb_verify() vs flatbuffers::Verifier
 *   decode     copying the whole message into a C struct (fixed arrays, no
 *              malloc), then reading it: what "decode, then use" costs
 *   unpack     flatc's object API (UnPack() into C++ objects: strings,
 *              vectors, unique_ptrs), then reading them: the decode a
 *              FlatBuffers C++ user reaches for
 *   build      our builder vs flatbuffers::FlatBufferBuilder (reference)
 *
 * Each trial times every case over --iters iterations, the cases
 * interleaved (in reverse order on odd trials), and prints ns/op; the summary gives the median over
 * --trials of each case and of the ratios that the targets name. The
 * buffer is the same for both sides (ours, or flatc's with --flatc-buf).
 * Speed is never a test verdict; bench_fb_smoke only runs it. */
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "interop_generated.h"

#include "interop_desc.h"

/* Keep the compiler from hoisting loads out of the timing loop or dropping
 * the result: the pointer is "modified" and the sum "used" each time. */
template <typename T> static inline void opaque(T &v)
{
    asm volatile("" : "+r"(v) : : "memory");
}
static inline void sink(uint64_t v)
{
    asm volatile("" : : "r"(v) : "memory");
}

static double now_ns()
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static inline uint64_t fbits(float f)
{
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}
static inline uint64_t dbits(double d)
{
    uint64_t u;
    std::memcpy(&u, &d, 8);
    return u;
}

/* ---- read everything: ours ------------------------------------------------ */

static uint64_t ours_str(myl_fb_str s)
{
    return s.ptr ? s.len + static_cast<uint8_t>(s.ptr[0]) : 0;
}

static uint64_t ours_weapon(const uint8_t *w)
{
    return ours_str(myl_fb_get_str(w, MYLT_WEAPON_NAME)) +
           static_cast<uint64_t>(myl_fb_get_i16(w, MYLT_WEAPON_DAMAGE, MYLT_DEF_DAMAGE));
}

static uint64_t ours_vec3(const uint8_t *p)
{
    return fbits(myl_fb_rd_f32(p + MYLT_VEC3_X)) + fbits(myl_fb_rd_f32(p + MYLT_VEC3_Y)) +
           fbits(myl_fb_rd_f32(p + MYLT_VEC3_Z)) +
           static_cast<uint64_t>(myl_fb_rd_i16(p + MYLT_VEC3_INNER + MYLT_INNER_A)) +
           static_cast<uint64_t>(myl_fb_rd_i8(p + MYLT_VEC3_INNER + MYLT_INNER_B)) +
           static_cast<uint64_t>(myl_fb_rd_i64(p + MYLT_VEC3_BIG));
}

static uint64_t ours_all(const uint8_t *m)
{
    uint64_t s = 0;
    for (int depth = 0; m && depth < 8; depth++) {
        s += myl_fb_get_bool(m, MYLT_MONSTER_FLAG, MYLT_DEF_FLAG);
        s += static_cast<uint64_t>(myl_fb_get_i8(m, MYLT_MONSTER_I8, MYLT_DEF_I8));
        s += myl_fb_get_u8(m, MYLT_MONSTER_U8, MYLT_DEF_U8);
        s += static_cast<uint64_t>(myl_fb_get_i16(m, MYLT_MONSTER_I16, MYLT_DEF_I16));
        s += myl_fb_get_u16(m, MYLT_MONSTER_U16, MYLT_DEF_U16);
        s += static_cast<uint64_t>(myl_fb_get_i32(m, MYLT_MONSTER_I32, MYLT_DEF_I32));
        s += myl_fb_get_u32(m, MYLT_MONSTER_U32, MYLT_DEF_U32);
        s += static_cast<uint64_t>(myl_fb_get_i64(m, MYLT_MONSTER_I64, MYLT_DEF_I64));
        s += myl_fb_get_u64(m, MYLT_MONSTER_U64, MYLT_DEF_U64);
        s += fbits(myl_fb_get_f32(m, MYLT_MONSTER_F32, MYLT_DEF_F32));
        s += dbits(myl_fb_get_f64(m, MYLT_MONSTER_F64, MYLT_DEF_F64));
        s += static_cast<uint64_t>(myl_fb_get_i8(m, MYLT_MONSTER_COLOR, MYLT_DEF_COLOR));
        s += myl_fb_get_u16(m, MYLT_MONSTER_LEVEL, MYLT_DEF_LEVEL);
        s += ours_str(myl_fb_get_str(m, MYLT_MONSTER_NAME));
        const uint8_t *pos = myl_fb_get_struct(m, MYLT_MONSTER_POS);
        if (pos)
            s += ours_vec3(pos);
        myl_fb_vec v = myl_fb_get_vec(m, MYLT_MONSTER_INVENTORY);
        for (uint32_t i = 0; i < v.len; i++)
            s += myl_fb_vec_u8(v, i);
        v = myl_fb_get_vec(m, MYLT_MONSTER_VALUES);
        for (uint32_t i = 0; i < v.len; i++)
            s += static_cast<uint64_t>(myl_fb_vec_i64(v, i));
        v = myl_fb_get_vec(m, MYLT_MONSTER_DOUBLES);
        for (uint32_t i = 0; i < v.len; i++)
            s += dbits(myl_fb_vec_f64(v, i));
        v = myl_fb_get_vec(m, MYLT_MONSTER_PATH);
        for (uint32_t i = 0; i < v.len; i++) {
            const uint8_t *e = myl_fb_vec_elem(v, i, MYLT_VEC2_SIZE);
            s += fbits(myl_fb_rd_f32(e)) + fbits(myl_fb_rd_f32(e + 4));
        }
        v = myl_fb_get_vec(m, MYLT_MONSTER_SPOTS);
        for (uint32_t i = 0; i < v.len; i++)
            s += ours_vec3(myl_fb_vec_elem(v, i, MYLT_VEC3_SIZE));
        v = myl_fb_get_vec(m, MYLT_MONSTER_TAGS);
        for (uint32_t i = 0; i < v.len; i++)
            s += ours_str(myl_fb_vec_str(v, i));
        v = myl_fb_get_vec(m, MYLT_MONSTER_WEAPONS);
        for (uint32_t i = 0; i < v.len; i++)
            s += ours_weapon(myl_fb_vec_table(v, i));
        v = myl_fb_get_vec(m, MYLT_MONSTER_ROWS);
        for (uint32_t i = 0; i < v.len; i++) {
            myl_fb_vec c = myl_fb_get_vec(myl_fb_vec_table(v, i), MYLT_ROW_CELLS);
            for (uint32_t j = 0; j < c.len; j++)
                s += static_cast<uint64_t>(myl_fb_vec_i32(c, j));
        }
        uint8_t type = myl_fb_get_union_type(m, MYLT_MONSTER_EQUIPPED_TYPE);
        if (type == MYLT_EQUIPMENT_WEAPON) {
            s += ours_weapon(myl_fb_get_union(m, MYLT_MONSTER_EQUIPPED));
        } else if (type == MYLT_EQUIPMENT_SHIELD) {
            const uint8_t *sh = myl_fb_get_union(m, MYLT_MONSTER_EQUIPPED);
            s += static_cast<uint64_t>(myl_fb_get_i32(sh, MYLT_SHIELD_ARMOR, MYLT_DEF_ARMOR));
            v = myl_fb_get_vec(sh, MYLT_SHIELD_TAGS);
            for (uint32_t i = 0; i < v.len; i++)
                s += ours_str(myl_fb_vec_str(v, i));
        }
        v = myl_fb_get_vec(m, MYLT_MONSTER_COLORS);
        for (uint32_t i = 0; i < v.len; i++)
            s += static_cast<uint64_t>(myl_fb_vec_i8(v, i));
        v = myl_fb_get_vec(m, MYLT_MONSTER_FLAGS);
        for (uint32_t i = 0; i < v.len; i++)
            s += myl_fb_vec_bool(v, i);
        v = myl_fb_get_vec(m, MYLT_MONSTER_SMALL);
        for (uint32_t i = 0; i < v.len; i++)
            s += static_cast<uint64_t>(myl_fb_vec_i16(v, i));
        m = myl_fb_get_table(m, MYLT_MONSTER_ENEMY);
    }
    return s;
}

/* ---- read everything: flatc ---------------------------------------------- */

static uint64_t theirs_str(const flatbuffers::String *s)
{
    return s ? s->size() + static_cast<uint8_t>(s->c_str()[0]) : 0;
}

static uint64_t theirs_weapon(const mylt::Weapon *w)
{
    return theirs_str(w->name()) + static_cast<uint64_t>(w->damage());
}

static uint64_t theirs_vec3(const mylt::Vec3 *p)
{
    return fbits(p->x()) + fbits(p->y()) + fbits(p->z()) + static_cast<uint64_t>(p->inner().a()) +
           static_cast<uint64_t>(p->inner().b()) + static_cast<uint64_t>(p->big());
}

static uint64_t theirs_all(const mylt::Monster *m)
{
    uint64_t s = 0;
    for (int depth = 0; m && depth < 8; depth++) {
        s += m->flag();
        s += static_cast<uint64_t>(m->i8());
        s += m->u8();
        s += static_cast<uint64_t>(m->i16());
        s += m->u16();
        s += static_cast<uint64_t>(m->i32());
        s += m->u32();
        s += static_cast<uint64_t>(m->i64());
        s += m->u64();
        s += fbits(m->f32());
        s += dbits(m->f64());
        s += static_cast<uint64_t>(m->color());
        s += static_cast<uint64_t>(m->level());
        s += theirs_str(m->name());
        if (m->pos())
            s += theirs_vec3(m->pos());
        if (auto v = m->inventory())
            for (uint32_t i = 0; i < v->size(); i++)
                s += v->Get(i);
        if (auto v = m->values())
            for (uint32_t i = 0; i < v->size(); i++)
                s += static_cast<uint64_t>(v->Get(i));
        if (auto v = m->doubles())
            for (uint32_t i = 0; i < v->size(); i++)
                s += dbits(v->Get(i));
        if (auto v = m->path())
            for (uint32_t i = 0; i < v->size(); i++)
                s += fbits(v->Get(i)->x()) + fbits(v->Get(i)->y());
        if (auto v = m->spots())
            for (uint32_t i = 0; i < v->size(); i++)
                s += theirs_vec3(v->Get(i));
        if (auto v = m->tags())
            for (uint32_t i = 0; i < v->size(); i++)
                s += theirs_str(v->Get(i));
        if (auto v = m->weapons())
            for (uint32_t i = 0; i < v->size(); i++)
                s += theirs_weapon(v->Get(i));
        if (auto v = m->rows())
            for (uint32_t i = 0; i < v->size(); i++)
                if (auto c = v->Get(i)->cells())
                    for (uint32_t j = 0; j < c->size(); j++)
                        s += static_cast<uint64_t>(c->Get(j));
        if (auto w = m->equipped_as_Weapon()) {
            s += theirs_weapon(w);
        } else if (auto sh = m->equipped_as_Shield()) {
            s += static_cast<uint64_t>(sh->armor());
            if (auto v = sh->tags())
                for (uint32_t i = 0; i < v->size(); i++)
                    s += theirs_str(v->Get(i));
        }
        if (auto v = m->colors())
            for (uint32_t i = 0; i < v->size(); i++)
                s += static_cast<uint64_t>(v->Get(i));
        if (auto v = m->flags())
            for (uint32_t i = 0; i < v->size(); i++)
                s += v->Get(i) != 0;
        if (auto v = m->small())
            for (uint32_t i = 0; i < v->size(); i++)
                s += static_cast<uint64_t>(v->Get(i));
        m = m->enemy();
    }
    return s;
}

/* ---- flatc's object API: unpack into C++ objects, then read -------------- */

static uint64_t obj_str(const std::string &s)
{
    return s.size() + static_cast<uint8_t>(s.c_str()[0]);
}

static uint64_t obj_weapon(const mylt::WeaponT &w)
{
    return obj_str(w.name) + static_cast<uint64_t>(w.damage);
}

/* The same sum as theirs_all, over what UnPack() made. */
static uint64_t obj_all(const mylt::MonsterT *m)
{
    uint64_t s = 0;
    for (int depth = 0; m && depth < 8; depth++) {
        s += m->flag;
        s += static_cast<uint64_t>(m->i8);
        s += m->u8;
        s += static_cast<uint64_t>(m->i16);
        s += m->u16;
        s += static_cast<uint64_t>(m->i32);
        s += m->u32;
        s += static_cast<uint64_t>(m->i64);
        s += m->u64;
        s += fbits(m->f32);
        s += dbits(m->f64);
        s += static_cast<uint64_t>(m->color);
        s += static_cast<uint64_t>(m->level);
        s += obj_str(m->name);
        if (m->pos)
            s += theirs_vec3(m->pos.get());
        for (auto v : m->inventory)
            s += v;
        for (auto v : m->values)
            s += static_cast<uint64_t>(v);
        for (auto v : m->doubles)
            s += dbits(v);
        for (auto &v : m->path)
            s += fbits(v.x()) + fbits(v.y());
        for (auto &v : m->spots)
            s += theirs_vec3(&v);
        for (auto &v : m->tags)
            s += obj_str(v);
        for (auto &w : m->weapons)
            s += obj_weapon(*w);
        for (auto &r : m->rows)
            for (auto c : r->cells)
                s += static_cast<uint64_t>(c);
        if (auto w = m->equipped.AsWeapon()) {
            s += obj_weapon(*w);
        } else if (auto sh = m->equipped.AsShield()) {
            s += static_cast<uint64_t>(sh->armor);
            for (auto &t : sh->tags)
                s += obj_str(t);
        }
        for (auto v : m->colors)
            s += static_cast<uint64_t>(v);
        for (bool v : m->flags)
            s += v;
        for (auto v : m->small)
            s += static_cast<uint64_t>(v);
        m = m->enemy.get();
    }
    return s;
}

static uint64_t obj_few(const mylt::MonsterT *m)
{
    return m->name.size() + static_cast<uint64_t>(m->i32) + m->u64 +
           (m->pos ? fbits(m->pos->x()) : 0) +
           (m->values.size() ? static_cast<uint64_t>(m->values[0]) : 0);
}

/* ---- read a few fields ------------------------------------------------- */

static uint64_t ours_few(const uint8_t *m)
{
    myl_fb_str n = myl_fb_get_str(m, MYLT_MONSTER_NAME);
    myl_fb_vec v = myl_fb_get_vec(m, MYLT_MONSTER_VALUES);
    const uint8_t *pos = myl_fb_get_struct(m, MYLT_MONSTER_POS);
    return n.len + static_cast<uint64_t>(myl_fb_get_i32(m, MYLT_MONSTER_I32, MYLT_DEF_I32)) +
           myl_fb_get_u64(m, MYLT_MONSTER_U64, MYLT_DEF_U64) +
           (pos ? fbits(myl_fb_rd_f32(pos + MYLT_VEC3_X)) : 0) +
           (v.len ? static_cast<uint64_t>(myl_fb_vec_i64(v, 0)) : 0);
}

static uint64_t theirs_few(const mylt::Monster *m)
{
    auto n = m->name();
    auto v = m->values();
    auto pos = m->pos();
    return (n ? n->size() : 0) + static_cast<uint64_t>(m->i32()) + m->u64() +
           (pos ? fbits(pos->x()) : 0) + (v && v->size() ? static_cast<uint64_t>(v->Get(0)) : 0);
}

/* ---- decode into a C struct ------------------------------------------- */

#define NMAX 16
#define NSTR 32

struct NStr {
    uint32_t len;
    char s[NSTR];
};
struct NVec3 {
    float x, y, z;
    int16_t a;
    int8_t b;
    int64_t big;
};
struct NWeapon {
    NStr name;
    int16_t damage;
};
struct NShield {
    int32_t armor;
    uint32_t ntags;
    NStr tags[NMAX];
};
struct NMonster {
    bool flag;
    int8_t i8, color;
    uint8_t u8;
    int16_t i16;
    uint16_t u16, level;
    int32_t i32;
    uint32_t u32;
    int64_t i64;
    uint64_t u64;
    float f32;
    double f64;
    NStr name;
    bool has_pos;
    NVec3 pos;
    uint32_t ninventory, nvalues, ndoubles, npath, nspots, ntags, nweapons, nrows, ncolors, nflags,
        nsmall;
    uint8_t inventory[NMAX];
    int64_t values[NMAX];
    double doubles[NMAX];
    float path[NMAX][2];
    NVec3 spots[NMAX];
    NStr tags[NMAX];
    NWeapon weapons[NMAX];
    uint32_t ncells[NMAX];
    int32_t cells[NMAX][NMAX];
    uint8_t equipped_type;
    NWeapon weapon;
    NShield shield;
    int8_t colors[NMAX];
    bool flags[NMAX];
    int16_t small[NMAX];
    int enemy; /* index in the pool, -1: none */
};

static void dec_str(NStr *d, myl_fb_str s)
{
    d->len = s.len < NSTR ? s.len : NSTR - 1;
    if (s.ptr)
        std::memcpy(d->s, s.ptr, d->len);
    d->s[d->len] = 0;
}

static void dec_vec3(NVec3 *d, const uint8_t *p)
{
    d->x = myl_fb_rd_f32(p + MYLT_VEC3_X);
    d->y = myl_fb_rd_f32(p + MYLT_VEC3_Y);
    d->z = myl_fb_rd_f32(p + MYLT_VEC3_Z);
    d->a = myl_fb_rd_i16(p + MYLT_VEC3_INNER + MYLT_INNER_A);
    d->b = myl_fb_rd_i8(p + MYLT_VEC3_INNER + MYLT_INNER_B);
    d->big = myl_fb_rd_i64(p + MYLT_VEC3_BIG);
}

static void dec_weapon(NWeapon *d, const uint8_t *w)
{
    dec_str(&d->name, myl_fb_get_str(w, MYLT_WEAPON_NAME));
    d->damage = myl_fb_get_i16(w, MYLT_WEAPON_DAMAGE, MYLT_DEF_DAMAGE);
}

static uint32_t cap(uint32_t n)
{
    return n < NMAX ? n : NMAX;
}

/* Decodes the monster chain into pool[0..]; returns the count. */
static int decode(NMonster *pool, int npool, const uint8_t *m)
{
    int n = 0;
    for (; m && n < npool; n++) {
        NMonster *d = &pool[n];
        d->flag = myl_fb_get_bool(m, MYLT_MONSTER_FLAG, MYLT_DEF_FLAG);
        d->i8 = myl_fb_get_i8(m, MYLT_MONSTER_I8, MYLT_DEF_I8);
        d->u8 = myl_fb_get_u8(m, MYLT_MONSTER_U8, MYLT_DEF_U8);
        d->i16 = myl_fb_get_i16(m, MYLT_MONSTER_I16, MYLT_DEF_I16);
        d->u16 = myl_fb_get_u16(m, MYLT_MONSTER_U16, MYLT_DEF_U16);
        d->i32 = myl_fb_get_i32(m, MYLT_MONSTER_I32, MYLT_DEF_I32);
        d->u32 = myl_fb_get_u32(m, MYLT_MONSTER_U32, MYLT_DEF_U32);
        d->i64 = myl_fb_get_i64(m, MYLT_MONSTER_I64, MYLT_DEF_I64);
        d->u64 = myl_fb_get_u64(m, MYLT_MONSTER_U64, MYLT_DEF_U64);
        d->f32 = myl_fb_get_f32(m, MYLT_MONSTER_F32, MYLT_DEF_F32);
        d->f64 = myl_fb_get_f64(m, MYLT_MONSTER_F64, MYLT_DEF_F64);
        d->color = myl_fb_get_i8(m, MYLT_MONSTER_COLOR, MYLT_DEF_COLOR);
        d->level = myl_fb_get_u16(m, MYLT_MONSTER_LEVEL, MYLT_DEF_LEVEL);
        dec_str(&d->name, myl_fb_get_str(m, MYLT_MONSTER_NAME));
        const uint8_t *pos = myl_fb_get_struct(m, MYLT_MONSTER_POS);
        d->has_pos = pos != nullptr;
        if (pos)
            dec_vec3(&d->pos, pos);
        myl_fb_vec v = myl_fb_get_vec(m, MYLT_MONSTER_INVENTORY);
        d->ninventory = cap(v.len);
        for (uint32_t i = 0; i < d->ninventory; i++)
            d->inventory[i] = myl_fb_vec_u8(v, i);
        v = myl_fb_get_vec(m, MYLT_MONSTER_VALUES);
        d->nvalues = cap(v.len);
        for (uint32_t i = 0; i < d->nvalues; i++)
            d->values[i] = myl_fb_vec_i64(v, i);
        v = myl_fb_get_vec(m, MYLT_MONSTER_DOUBLES);
        d->ndoubles = cap(v.len);
        for (uint32_t i = 0; i < d->ndoubles; i++)
            d->doubles[i] = myl_fb_vec_f64(v, i);
        v = myl_fb_get_vec(m, MYLT_MONSTER_PATH);
        d->npath = cap(v.len);
        for (uint32_t i = 0; i < d->npath; i++) {
            const uint8_t *e = myl_fb_vec_elem(v, i, MYLT_VEC2_SIZE);
            d->path[i][0] = myl_fb_rd_f32(e);
            d->path[i][1] = myl_fb_rd_f32(e + 4);
        }
        v = myl_fb_get_vec(m, MYLT_MONSTER_SPOTS);
        d->nspots = cap(v.len);
        for (uint32_t i = 0; i < d->nspots; i++)
            dec_vec3(&d->spots[i], myl_fb_vec_elem(v, i, MYLT_VEC3_SIZE));
        v = myl_fb_get_vec(m, MYLT_MONSTER_TAGS);
        d->ntags = cap(v.len);
        for (uint32_t i = 0; i < d->ntags; i++)
            dec_str(&d->tags[i], myl_fb_vec_str(v, i));
        v = myl_fb_get_vec(m, MYLT_MONSTER_WEAPONS);
        d->nweapons = cap(v.len);
        for (uint32_t i = 0; i < d->nweapons; i++)
            dec_weapon(&d->weapons[i], myl_fb_vec_table(v, i));
        v = myl_fb_get_vec(m, MYLT_MONSTER_ROWS);
        d->nrows = cap(v.len);
        for (uint32_t i = 0; i < d->nrows; i++) {
            myl_fb_vec c = myl_fb_get_vec(myl_fb_vec_table(v, i), MYLT_ROW_CELLS);
            d->ncells[i] = cap(c.len);
            for (uint32_t j = 0; j < d->ncells[i]; j++)
                d->cells[i][j] = myl_fb_vec_i32(c, j);
        }
        d->equipped_type = myl_fb_get_union_type(m, MYLT_MONSTER_EQUIPPED_TYPE);
        if (d->equipped_type == MYLT_EQUIPMENT_WEAPON) {
            dec_weapon(&d->weapon, myl_fb_get_union(m, MYLT_MONSTER_EQUIPPED));
        } else if (d->equipped_type == MYLT_EQUIPMENT_SHIELD) {
            const uint8_t *sh = myl_fb_get_union(m, MYLT_MONSTER_EQUIPPED);
            d->shield.armor = myl_fb_get_i32(sh, MYLT_SHIELD_ARMOR, MYLT_DEF_ARMOR);
            v = myl_fb_get_vec(sh, MYLT_SHIELD_TAGS);
            d->shield.ntags = cap(v.len);
            for (uint32_t i = 0; i < d->shield.ntags; i++)
                dec_str(&d->shield.tags[i], myl_fb_vec_str(v, i));
        }
        v = myl_fb_get_vec(m, MYLT_MONSTER_COLORS);
        d->ncolors = cap(v.len);
        for (uint32_t i = 0; i < d->ncolors; i++)
            d->colors[i] = myl_fb_vec_i8(v, i);
        v = myl_fb_get_vec(m, MYLT_MONSTER_FLAGS);
        d->nflags = cap(v.len);
        for (uint32_t i = 0; i < d->nflags; i++)
            d->flags[i] = myl_fb_vec_bool(v, i);
        v = myl_fb_get_vec(m, MYLT_MONSTER_SMALL);
        d->nsmall = cap(v.len);
        for (uint32_t i = 0; i < d->nsmall; i++)
            d->small[i] = myl_fb_vec_i16(v, i);
        m = myl_fb_get_table(m, MYLT_MONSTER_ENEMY);
        d->enemy = m ? n + 1 : -1;
    }
    return n;
}

/* The same sum as ours_few over the decoded struct. */
static uint64_t native_few(const NMonster *d)
{
    return d->name.len + static_cast<uint64_t>(d->i32) + d->u64 +
           (d->has_pos ? fbits(d->pos.x) : 0) +
           (d->nvalues ? static_cast<uint64_t>(d->values[0]) : 0);
}

/* ---- builders ------------------------------------------------------------- */

static size_t theirs_build(flatbuffers::FlatBufferBuilder &fbb)
{
    fbb.Clear();
    auto rat = mylt::CreateMonsterDirect(fbb, false, -8, 200, -1600, 60000, -320000, 4000000000u,
                                         -6400000000LL, 18000000000000000000ULL, 3.5f, -2.25,
                                         mylt::Color_Green, mylt::Level_Mid, "Rat");
    std::vector<flatbuffers::Offset<flatbuffers::String>> wood{fbb.CreateString("wood")};
    auto shield = mylt::CreateShield(fbb, 9, fbb.CreateVector(wood));
    auto goblin = mylt::CreateMonsterDirect(
        fbb, true, -8, 200, -1600, 60000, 5, 4000000000u, -6400000000LL, 18000000000000000000ULL,
        3.5f, -2.25, mylt::Color_Green, mylt::Level_Mid, "Goblin", nullptr, nullptr, nullptr,
        nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, mylt::Equipment_Shield,
        shield.Union(), rat);
    auto sword = mylt::CreateWeaponDirect(fbb, "Sword", 12);
    std::vector<flatbuffers::Offset<mylt::Weapon>> weapons{mylt::CreateWeaponDirect(fbb, "Axe", 30),
                                                           mylt::CreateWeaponDirect(fbb, "Bow"),
                                                           mylt::CreateWeapon(fbb)};
    std::vector<int32_t> cells{1, -2, 3}, none;
    std::vector<flatbuffers::Offset<mylt::Row>> rows{mylt::CreateRowDirect(fbb, &cells),
                                                     mylt::CreateRowDirect(fbb, &none),
                                                     mylt::CreateRow(fbb)};
    std::vector<flatbuffers::Offset<flatbuffers::String>> tags{
        fbb.CreateString("alpha"), fbb.CreateString(""), fbb.CreateString("gamma \xce\xb4")};
    std::vector<uint8_t> inventory{0, 1, 2, 3, 250, 255};
    std::vector<int64_t> values{-1, 9007199254740993LL, -9223372036854775807LL};
    std::vector<double> doubles{0.5, -1.25, 1024.0};
    std::vector<mylt::Vec2> path{mylt::Vec2(1.5f, -2.5f), mylt::Vec2(3.0f, 4.0f)};
    std::vector<mylt::Vec3> spots{
        mylt::Vec3(1.0f, 2.0f, 3.0f, mylt::Inner(-7, 9), -123456789012LL),
        mylt::Vec3(-0.5f, 0.25f, 8.0f, mylt::Inner(32767, -128), 4611686018427387904LL)};
    std::vector<int8_t> colors{0, 2, 1};
    std::vector<uint8_t> flags{1, 0, 1};
    std::vector<int16_t> small{-32768, 32767, 0};
    mylt::Vec3 pos(10.5f, -20.25f, 30.0f, mylt::Inner(-300, 100), 1099511627776LL);
    auto root = mylt::CreateMonsterDirect(
        fbb, false, -100, 250, -30000, 65000, -2000000000, 4000000001u, -9000000000000000000LL,
        18000000000000000001ULL, -1.5f, 0.0625, mylt::Color_Blue, mylt::Level_High, "Orc Chieftain",
        &pos, &inventory, &values, &doubles, &path, &spots, &tags, &weapons, &rows,
        mylt::Equipment_Weapon, sword.Union(), goblin, &colors, &flags, &small);
    mylt::FinishMonsterBuffer(fbb, root);
    return fbb.GetSize();
}

/* ---- harness -------------------------------------------------------------- */

static double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

enum {
    READ_ALL_OURS,
    READ_ALL_FLATC,
    READ_FEW_OURS,
    READ_FEW_FLATC,
    VERIFY_OURS,
    VERIFY_FLATC,
    DECODE,
    DECODE_FEW,
    UNPACK,
    UNPACK_FEW,
    BUILD_OURS,
    BUILD_FLATC,
    NCASES
};
static const char *const k_names[NCASES] = {"read-all ours",   "read-all flatc",  "read-few ours",
                                            "read-few flatc",  "verify ours",     "verify flatc",
                                            "decode struct",   "decode+read-few", "unpack (flatc)",
                                            "unpack+read-few", "build ours",      "build flatc"};

int main(int argc, char **argv)
{
    int trials = 15;
    long iters = 200000;
    const char *flatc_buf = nullptr;
    for (int i = 1; i < argc; i++) {
        if (!std::strcmp(argv[i], "--trials") && i + 1 < argc)
            trials = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--iters") && i + 1 < argc)
            iters = std::atol(argv[++i]);
        else if (!std::strcmp(argv[i], "--flatc-buf") && i + 1 < argc)
            flatc_buf = argv[++i];
        else {
            std::fprintf(stderr, "usage: %s [--trials N] [--iters N] [--flatc-buf file]\n",
                         argv[0]);
            return 2;
        }
    }
    if (trials < 1 || iters < 1)
        return 2;

    static uint64_t region[1024];
    static uint64_t work[1024];
    myl_fb_msg msg;
    if (mylt_build_sample_buf(MYLT_SAMPLE_FULL, region, sizeof region, nullptr, 0, 0, &msg))
        return 1;
    size_t len = msg.len;
    std::memcpy(work, msg.data, len);
    if (flatc_buf) {
        std::ifstream f(flatc_buf, std::ios::binary);
        std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        if (s.empty() || s.size() > sizeof work)
            return 1;
        len = s.size();
        std::memcpy(work, s.data(), len);
    }
    const uint8_t *buf = reinterpret_cast<const uint8_t *>(work);
    myl_fb_verify_opts vo;
    std::memset(&vo, 0, sizeof vo);
    vo.size = sizeof vo;
    vo.ident = MYLT_IDENT;
    {
        flatbuffers::Verifier v(buf, len);
        if (myl_fb_verify(buf, len, &mylt_Monster_desc, &vo, nullptr) != 0 ||
            !mylt::VerifyMonsterBuffer(v) ||
            ours_all(myl_fb_root(buf)) != theirs_all(mylt::GetMonster(buf)) ||
            ours_few(myl_fb_root(buf)) != theirs_few(mylt::GetMonster(buf)) ||
            obj_all(mylt::GetMonster(buf)->UnPack()) != ours_all(myl_fb_root(buf)) ||
            obj_few(mylt::GetMonster(buf)->UnPack()) != ours_few(myl_fb_root(buf))) {
            std::fprintf(stderr, "fb_bench: the two sides disagree on the buffer\n");
            return 1;
        }
    }
    static NMonster pool[4];
    flatbuffers::FlatBufferBuilder fbb(2048);
    static uint64_t out[1024];
    std::printf("fb_bench: %s buffer, %zu bytes, %d trials x %ld iterations\n",
                flatc_buf ? "flatc's" : "our", len, trials, iters);

    std::vector<double> ns[NCASES];
    std::vector<double> r_read_all, r_read_few, r_verify, r_decode_all, r_decode_few, r_unpack_all,
        r_unpack_few;
    for (int t = 0; t < trials; t++) {
        double tn[NCASES];
        for (int k = 0; k < NCASES; k++) {
            /* odd trials run the cases in reverse, so that neither side of
             * a pair always runs first */
            int c = t % 2 ? NCASES - 1 - k : k;
            uint64_t s = 0;
            double t0 = now_ns();
            for (long i = 0; i < iters; i++) {
                const uint8_t *p = buf;
                opaque(p);
                switch (c) {
                case READ_ALL_OURS:
                    s += ours_all(myl_fb_root(p));
                    break;
                case READ_ALL_FLATC:
                    s += theirs_all(mylt::GetMonster(p));
                    break;
                case READ_FEW_OURS:
                    s += ours_few(myl_fb_root(p));
                    break;
                case READ_FEW_FLATC:
                    s += theirs_few(mylt::GetMonster(p));
                    break;
                case VERIFY_OURS:
                    s += static_cast<uint64_t>(
                        myl_fb_verify(p, len, &mylt_Monster_desc, &vo, nullptr));
                    break;
                case VERIFY_FLATC: {
                    flatbuffers::Verifier v(p, len);
                    s += mylt::VerifyMonsterBuffer(v);
                    break;
                }
                case DECODE:
                    s += static_cast<uint64_t>(decode(pool, 4, myl_fb_root(p)));
                    opaque(s);
                    break;
                case DECODE_FEW:
                    decode(pool, 4, myl_fb_root(p));
                    s += native_few(&pool[0]);
                    break;
                case UNPACK: {
                    std::unique_ptr<mylt::MonsterT> o(mylt::GetMonster(p)->UnPack());
                    s += obj_all(o.get());
                    break;
                }
                case UNPACK_FEW: {
                    std::unique_ptr<mylt::MonsterT> o(mylt::GetMonster(p)->UnPack());
                    s += obj_few(o.get());
                    break;
                }
                case BUILD_OURS: {
                    myl_fb_msg m;
                    mylt_build_sample_buf(MYLT_SAMPLE_FULL, out, sizeof out, nullptr, 0, 0, &m);
                    s += m.len;
                    break;
                }
                case BUILD_FLATC:
                    s += theirs_build(fbb);
                    break;
                }
            }
            tn[c] = (now_ns() - t0) / static_cast<double>(iters);
            sink(s);
            ns[c].push_back(tn[c]);
        }
        r_read_all.push_back(tn[READ_ALL_OURS] / tn[READ_ALL_FLATC]);
        r_read_few.push_back(tn[READ_FEW_OURS] / tn[READ_FEW_FLATC]);
        r_verify.push_back(tn[VERIFY_OURS] / tn[VERIFY_FLATC]);
        r_decode_all.push_back(tn[DECODE] / tn[READ_ALL_OURS]);
        r_decode_few.push_back(tn[DECODE_FEW] / tn[READ_FEW_OURS]);
        r_unpack_all.push_back(tn[UNPACK] / tn[READ_ALL_OURS]);
        r_unpack_few.push_back(tn[UNPACK_FEW] / tn[READ_FEW_OURS]);
        std::printf("trial %2d:", t);
        for (int c = 0; c < NCASES; c++)
            std::printf(" %.1f", tn[c]);
        std::printf("\n");
    }
    std::printf("\nmedian ns/op over %d trials:\n", trials);
    for (int c = 0; c < NCASES; c++)
        std::printf("  %-16s %9.1f\n", k_names[c], median(ns[c]));
    std::printf("\nmedian ratios (per-trial, then median):\n");
    std::printf("  read-all ours / flatc          %.2f   (target <= 1.2)\n", median(r_read_all));
    std::printf("  read-few ours / flatc          %.2f   (target <= 1.2)\n", median(r_read_few));
    std::printf("  verify ours / flatc            %.2f   (target <= 1.2)\n", median(r_verify));
    std::printf("  decode struct / read-all place %.2f   (target >= 3)\n", median(r_decode_all));
    std::printf("  decode+few / read-few in place %.2f   (target >= 3)\n", median(r_decode_few));
    std::printf("  unpack / read-all in place     %.2f   (target >= 3)\n", median(r_unpack_all));
    std::printf("  unpack+few / read-few in place %.2f   (target >= 3)\n", median(r_unpack_few));
    return 0;
}
