/* Field-by-field comparison of our C readers with flatc's C++ accessors on
 * the same buffer, and the two verifiers side by side. Used by the interop
 * test and the differential fuzz target. C++ only. */
#ifndef MYELON_TESTS_FB_COMPARE_H
#define MYELON_TESTS_FB_COMPARE_H

#include <cstdio>
#include <cstring>

#include "interop_generated.h"

#include "interop_desc.h"

namespace mylt_cmp
{

/* Differences found; each is printed with its line when verbose. */
struct Diff {
    int count = 0;
    bool verbose = true;
    void fail(int line, const char *what)
    {
        if (verbose && count < 20)
            std::fprintf(stderr, "compare.h:%d: differs: %s\n", line, what);
        count++;
    }
};

#define MYLT_SAME(d, c)                                                                            \
    do {                                                                                           \
        if (!(c))                                                                                  \
            (d).fail(__LINE__, #c);                                                                \
    } while (0)

template <typename T> static bool bits_equal(T a, T b)
{
    return std::memcmp(&a, &b, sizeof a) == 0;
}

static bool str_same(myl_fb_str ours, const flatbuffers::String *theirs)
{
    if (!theirs)
        return ours.ptr == nullptr;
    return ours.ptr && ours.len == theirs->size() &&
           std::memcmp(ours.ptr, theirs->c_str(), ours.len) == 0;
}

static void vec3(Diff &d, const uint8_t *o, const mylt::Vec3 *t)
{
    MYLT_SAME(d, (o == nullptr) == (t == nullptr));
    if (!o || !t)
        return;
    MYLT_SAME(d, bits_equal(myl_fb_rd_f32(o + MYLT_VEC3_X), t->x()));
    MYLT_SAME(d, bits_equal(myl_fb_rd_f32(o + MYLT_VEC3_Y), t->y()));
    MYLT_SAME(d, bits_equal(myl_fb_rd_f32(o + MYLT_VEC3_Z), t->z()));
    MYLT_SAME(d, myl_fb_rd_i16(o + MYLT_VEC3_INNER + MYLT_INNER_A) == t->inner().a());
    MYLT_SAME(d, myl_fb_rd_i8(o + MYLT_VEC3_INNER + MYLT_INNER_B) == t->inner().b());
    MYLT_SAME(d, myl_fb_rd_i64(o + MYLT_VEC3_BIG) == t->big());
}

template <typename T, typename R>
static void scalars(Diff &d, myl_fb_vec o, const flatbuffers::Vector<T> *t,
                    R (*rd)(myl_fb_vec, uint32_t))
{
    MYLT_SAME(d, (o.data == nullptr) == (t == nullptr));
    if (!t || !o.data)
        return;
    MYLT_SAME(d, o.len == t->size());
    for (uint32_t i = 0; i < o.len && i < t->size(); i++)
        MYLT_SAME(d, bits_equal<T>(static_cast<T>(rd(o, i)), t->Get(i)));
}

static void weapon(Diff &d, const uint8_t *o, const mylt::Weapon *t)
{
    MYLT_SAME(d, (o == nullptr) == (t == nullptr));
    if (!o || !t)
        return;
    MYLT_SAME(d, str_same(myl_fb_get_str(o, MYLT_WEAPON_NAME), t->name()));
    MYLT_SAME(d, myl_fb_get_i16(o, MYLT_WEAPON_DAMAGE, MYLT_DEF_DAMAGE) == t->damage());
}

static void shield(Diff &d, const uint8_t *o, const mylt::Shield *t)
{
    MYLT_SAME(d, (o == nullptr) == (t == nullptr));
    if (!o || !t)
        return;
    MYLT_SAME(d, myl_fb_get_i32(o, MYLT_SHIELD_ARMOR, MYLT_DEF_ARMOR) == t->armor());
    myl_fb_vec v = myl_fb_get_vec(o, MYLT_SHIELD_TAGS);
    MYLT_SAME(d, (v.data == nullptr) == (t->tags() == nullptr));
    if (v.data && t->tags()) {
        MYLT_SAME(d, v.len == t->tags()->size());
        for (uint32_t i = 0; i < v.len && i < t->tags()->size(); i++)
            MYLT_SAME(d, str_same(myl_fb_vec_str(v, i), t->tags()->Get(i)));
    }
}

static void monster(Diff &d, const uint8_t *o, const mylt::Monster *t, int depth = 0)
{
    MYLT_SAME(d, (o == nullptr) == (t == nullptr));
    if (!o || !t || depth > 100)
        return;
    MYLT_SAME(d, myl_fb_get_bool(o, MYLT_MONSTER_FLAG, MYLT_DEF_FLAG) == t->flag());
    MYLT_SAME(d, myl_fb_get_i8(o, MYLT_MONSTER_I8, MYLT_DEF_I8) == t->i8());
    MYLT_SAME(d, myl_fb_get_u8(o, MYLT_MONSTER_U8, MYLT_DEF_U8) == t->u8());
    MYLT_SAME(d, myl_fb_get_i16(o, MYLT_MONSTER_I16, MYLT_DEF_I16) == t->i16());
    MYLT_SAME(d, myl_fb_get_u16(o, MYLT_MONSTER_U16, MYLT_DEF_U16) == t->u16());
    MYLT_SAME(d, myl_fb_get_i32(o, MYLT_MONSTER_I32, MYLT_DEF_I32) == t->i32());
    MYLT_SAME(d, myl_fb_get_u32(o, MYLT_MONSTER_U32, MYLT_DEF_U32) == t->u32());
    MYLT_SAME(d, myl_fb_get_i64(o, MYLT_MONSTER_I64, MYLT_DEF_I64) == t->i64());
    MYLT_SAME(d, myl_fb_get_u64(o, MYLT_MONSTER_U64, MYLT_DEF_U64) == t->u64());
    MYLT_SAME(d, bits_equal(myl_fb_get_f32(o, MYLT_MONSTER_F32, MYLT_DEF_F32), t->f32()));
    MYLT_SAME(d, bits_equal(myl_fb_get_f64(o, MYLT_MONSTER_F64, MYLT_DEF_F64), t->f64()));
    MYLT_SAME(d, myl_fb_get_i8(o, MYLT_MONSTER_COLOR, MYLT_DEF_COLOR) ==
                     static_cast<int8_t>(t->color()));
    MYLT_SAME(d, myl_fb_get_u16(o, MYLT_MONSTER_LEVEL, MYLT_DEF_LEVEL) ==
                     static_cast<uint16_t>(t->level()));
    MYLT_SAME(d, str_same(myl_fb_get_str(o, MYLT_MONSTER_NAME), t->name()));
    vec3(d, myl_fb_get_struct(o, MYLT_MONSTER_POS), t->pos());
    scalars(d, myl_fb_get_vec(o, MYLT_MONSTER_INVENTORY), t->inventory(), myl_fb_vec_u8);
    scalars(d, myl_fb_get_vec(o, MYLT_MONSTER_VALUES), t->values(), myl_fb_vec_i64);
    scalars(d, myl_fb_get_vec(o, MYLT_MONSTER_DOUBLES), t->doubles(), myl_fb_vec_f64);
    scalars(d, myl_fb_get_vec(o, MYLT_MONSTER_COLORS), t->colors(), myl_fb_vec_i8);
    scalars(d, myl_fb_get_vec(o, MYLT_MONSTER_FLAGS), t->flags(), myl_fb_vec_u8);
    scalars(d, myl_fb_get_vec(o, MYLT_MONSTER_SMALL), t->small(), myl_fb_vec_i16);
    myl_fb_vec v = myl_fb_get_vec(o, MYLT_MONSTER_PATH);
    MYLT_SAME(d, (v.data == nullptr) == (t->path() == nullptr));
    if (v.data && t->path()) {
        MYLT_SAME(d, v.len == t->path()->size());
        for (uint32_t i = 0; i < v.len && i < t->path()->size(); i++) {
            const uint8_t *e = myl_fb_vec_elem(v, i, MYLT_VEC2_SIZE);
            MYLT_SAME(d, bits_equal(myl_fb_rd_f32(e), t->path()->Get(i)->x()));
            MYLT_SAME(d, bits_equal(myl_fb_rd_f32(e + 4), t->path()->Get(i)->y()));
        }
    }
    v = myl_fb_get_vec(o, MYLT_MONSTER_SPOTS);
    MYLT_SAME(d, (v.data == nullptr) == (t->spots() == nullptr));
    if (v.data && t->spots()) {
        MYLT_SAME(d, v.len == t->spots()->size());
        for (uint32_t i = 0; i < v.len && i < t->spots()->size(); i++)
            vec3(d, myl_fb_vec_elem(v, i, MYLT_VEC3_SIZE), t->spots()->Get(i));
    }
    v = myl_fb_get_vec(o, MYLT_MONSTER_TAGS);
    MYLT_SAME(d, (v.data == nullptr) == (t->tags() == nullptr));
    if (v.data && t->tags()) {
        MYLT_SAME(d, v.len == t->tags()->size());
        for (uint32_t i = 0; i < v.len && i < t->tags()->size(); i++)
            MYLT_SAME(d, str_same(myl_fb_vec_str(v, i), t->tags()->Get(i)));
    }
    v = myl_fb_get_vec(o, MYLT_MONSTER_WEAPONS);
    MYLT_SAME(d, (v.data == nullptr) == (t->weapons() == nullptr));
    if (v.data && t->weapons()) {
        MYLT_SAME(d, v.len == t->weapons()->size());
        for (uint32_t i = 0; i < v.len && i < t->weapons()->size(); i++)
            weapon(d, myl_fb_vec_table(v, i), t->weapons()->Get(i));
    }
    v = myl_fb_get_vec(o, MYLT_MONSTER_ROWS);
    MYLT_SAME(d, (v.data == nullptr) == (t->rows() == nullptr));
    if (v.data && t->rows()) {
        MYLT_SAME(d, v.len == t->rows()->size());
        for (uint32_t i = 0; i < v.len && i < t->rows()->size(); i++)
            scalars(d, myl_fb_get_vec(myl_fb_vec_table(v, i), MYLT_ROW_CELLS),
                    t->rows()->Get(i)->cells(), myl_fb_vec_i32);
    }
    uint8_t type = myl_fb_get_union_type(o, MYLT_MONSTER_EQUIPPED_TYPE);
    MYLT_SAME(d, type == static_cast<uint8_t>(t->equipped_type()));
    if (type == MYLT_EQUIPMENT_WEAPON)
        weapon(d, myl_fb_get_union(o, MYLT_MONSTER_EQUIPPED), t->equipped_as_Weapon());
    else if (type == MYLT_EQUIPMENT_SHIELD)
        shield(d, myl_fb_get_union(o, MYLT_MONSTER_EQUIPPED), t->equipped_as_Shield());
    monster(d, myl_fb_get_table(o, MYLT_MONSTER_ENEMY), t->enemy(), depth + 1);
}

/* Both verifiers on one buffer. */
struct Verdicts {
    int ours;
    bool theirs;
};

/* The one documented difference (docs/FLATBUFFERS.md, "Verifier"): with
 * alignment checks on, ours refuses a vector of structs aligned above 4
 * whose elements are not (readers hand out typed pointers to them);
 * flatc's does not look. */
static inline bool documented_difference(int ours, bool theirs, bool check_alignment)
{
    return ours == MYL_EFBALIGN && theirs && check_alignment;
}

/* The verifiers agree, or differ only as documented. */
static inline bool agree(const Verdicts &v, bool check_alignment)
{
    return (v.ours == 0) == v.theirs || documented_difference(v.ours, v.theirs, check_alignment);
}

static Verdicts verify_both(const uint8_t *buf, size_t len, uint32_t max_depth = 64,
                            uint32_t max_tables = 1000000, bool check_alignment = true)
{
    myl_fb_verify_opts o;
    std::memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.ident = MYLT_IDENT;
    o.max_depth = max_depth;
    o.max_tables = max_tables;
    o.flags = check_alignment ? 0 : MYL_FB_VERIFY_NO_ALIGN;
    Verdicts v;
    v.ours = myl_fb_verify(buf, len, &mylt_Monster_desc, &o, nullptr);
    flatbuffers::Verifier fv(buf, len, max_depth, max_tables, check_alignment);
    v.theirs = mylt::VerifyMonsterBuffer(fv);
    return v;
}

/* Whether flatc's accessors may read the buffer without undefined
 * behaviour. The official Verifier checks the alignment of a vector's
 * length but not of its elements, and flatc's Vector::Get() loads through
 * a typed pointer: a verified buffer whose vector of int64 sits 4 bytes off
 * makes UBSan report a misaligned load inside flatbuffers/buffer.h. Our
 * strict mode checks element alignment; only buffers that pass it are
 * compared through flatc's accessors (ours read anything verified). */
static bool flatc_safe(const uint8_t *buf, size_t len)
{
    myl_fb_verify_opts o;
    std::memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.flags = MYL_FB_VERIFY_STRICT;
    return myl_fb_verify(buf, len, &mylt_Monster_desc, &o, nullptr) == 0;
}

} // namespace mylt_cmp

#endif
