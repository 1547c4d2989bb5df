/* The read-all case of bench/fbs_bench.cc: every field of an Animal
 * (tests/fbs/zoo.fbs) through our readers and through flatc's, in
 * templates on the sum's type S. The bench times read_*<double>; its
 * check (fbs_bench_check.cc, another translation unit, so that its
 * instantiations do not change how the timed ones are inlined) records
 * every term with read_*<Terms> and compares them one by one. */
#ifndef MYELON_BENCH_FBS_BENCH_READ_H
#define MYELON_BENCH_FBS_BENCH_READ_H

#include "zoo.myl.h"
#include "zoo_generated.h"

/* The first term of a sum as it is: in read_*<double>, the integer terms
 * that lead are added as integers, as plain code would; the check
 * specializes it to record each term (fbs_bench_check.cc). */
template <class S> struct Lead {
    template <class T> static T of(T x)
    {
        return x;
    }
};

/* Every field of an Animal, both ways: the same terms from each. */
template <class S> static S read_ours(Zoo_Animal_table a, unsigned depth)
{
    if (!a.t || depth > 8)
        return S();
    S s = Lead<S>::of(Zoo_Animal_name(a).len) + Zoo_Animal_tame(a) + Zoo_Animal_v_byte(a) +
          Zoo_Animal_v_ubyte(a) + Zoo_Animal_v_short(a) + Zoo_Animal_v_ushort(a) +
          Zoo_Animal_v_int(a) + Zoo_Animal_v_uint(a) + static_cast<double>(Zoo_Animal_v_long(a)) +
          static_cast<double>(Zoo_Animal_v_ulong(a)) + Zoo_Animal_v_float(a) +
          Zoo_Animal_v_double(a) + Zoo_Animal_v_int8(a) + Zoo_Animal_v_uint8(a) +
          Zoo_Animal_v_int16(a) + Zoo_Animal_v_uint16(a) + Zoo_Animal_v_int32(a) +
          Zoo_Animal_v_uint32(a) + static_cast<double>(Zoo_Animal_v_int64(a)) +
          static_cast<double>(Zoo_Animal_v_uint64(a)) + Zoo_Animal_v_float32(a) +
          Zoo_Animal_v_float64(a) + Zoo_Animal_gait(a) + Zoo_Animal_diet(a) +
          static_cast<double>(Zoo_Animal_size(a)) + Zoo_Animal_mood(a) + Zoo_Animal_marks(a) +
          Zoo_Animal_no_marks(a) + Zoo_Animal_o_int(a) + Zoo_Animal_o_double(a) +
          Zoo_Animal_o_gait(a) + Zoo_Animal_o_bool(a) + Zoo_Animal_o_marks(a) +
          Zoo_Animal_o_absent(a);
    if (const Zoo_Types_Pose *p = Zoo_Animal_pose(a))
        s += p->at.x + p->heading + p->altitude + p->marks[2] + p->corners[1].y;
    for (uint32_t i = 0, n = Zoo_Animal_legs_len(a); i < n; i++)
        s += Zoo_Animal_legs_at(a, i);
    for (uint32_t i = 0, n = Zoo_Animal_chip_len(a); i < n; i++)
        s += Zoo_Animal_chip_at(a, i);
    for (uint32_t i = 0, n = Zoo_Animal_weights_len(a); i < n; i++)
        s += Zoo_Animal_weights_at(a, i);
    for (uint32_t i = 0, n = Zoo_Animal_poses_len(a); i < n; i++)
        s += Zoo_Animal_poses_at(a, i)->altitude;
    for (uint32_t i = 0, n = Zoo_Animal_nicknames_len(a); i < n; i++)
        s += Zoo_Animal_nicknames_at(a, i).len;
    for (uint32_t i = 0, n = Zoo_Animal_keepers_len(a); i < n; i++)
        s += Zoo_Keeper_years(Zoo_Animal_keepers_at(a, i));
    for (uint32_t i = 0, n = Zoo_Animal_gaits_len(a); i < n; i++)
        s += Zoo_Animal_gaits_at(a, i);
    for (uint32_t i = 0, n = Zoo_Animal_flags_len(a); i < n; i++)
        s += Zoo_Animal_flags_at(a, i);
    for (uint32_t i = 0, n = Zoo_Animal_rations_len(a); i < n; i++)
        s += Zoo_Ration_kg(Zoo_Animal_rations_at(a, i));
    s += Zoo_Keeper_years(Zoo_Animal_care_as_Keeper(a)) + Zoo_Feed_kg(Zoo_Animal_care_as_Feed(a));
    s += Zoo_Enclosure_area(Zoo_Animal_home(a)) + Zoo_Tag_b(Zoo_Animal_tag(a));
    s += Zoo_Keeper_years(Zoo_Animal_extra_as_Helper(a)) + Zoo_Animal_extra_as_Memo(a).len;
    for (uint32_t i = 0, n = Zoo_Animal_pets_len(a); i < n; i++)
        s += Zoo_Animal_pets_type_at(a, i);
    s += Zoo_Animal_wides_len(a) + (Zoo_Animal_wide(a) ? Zoo_Animal_wide(a)->hi : 0);
    s += Zoo_Keeper_years(Zoo_Animal_badge_nested_root(a));
    Zoo_Animal_table p = Zoo_Animal_parent(a), w = Zoo_Animal_twin_nested_root(a);
    return s + (p.t ? read_ours<S>(p, depth + 1) : S()) + (w.t ? read_ours<S>(w, depth + 1) : S());
}

/* read_ours with each vector looked up once, as flatc's loops do (its
 * accessor returns the vector; ours per element looks it up again). */
template <class S> static S read_ours_vec(Zoo_Animal_table a, unsigned depth)
{
    if (!a.t || depth > 8)
        return S();
    S s = Lead<S>::of(Zoo_Animal_name(a).len) + Zoo_Animal_tame(a) + Zoo_Animal_v_byte(a) +
          Zoo_Animal_v_ubyte(a) + Zoo_Animal_v_short(a) + Zoo_Animal_v_ushort(a) +
          Zoo_Animal_v_int(a) + Zoo_Animal_v_uint(a) + static_cast<double>(Zoo_Animal_v_long(a)) +
          static_cast<double>(Zoo_Animal_v_ulong(a)) + Zoo_Animal_v_float(a) +
          Zoo_Animal_v_double(a) + Zoo_Animal_v_int8(a) + Zoo_Animal_v_uint8(a) +
          Zoo_Animal_v_int16(a) + Zoo_Animal_v_uint16(a) + Zoo_Animal_v_int32(a) +
          Zoo_Animal_v_uint32(a) + static_cast<double>(Zoo_Animal_v_int64(a)) +
          static_cast<double>(Zoo_Animal_v_uint64(a)) + Zoo_Animal_v_float32(a) +
          Zoo_Animal_v_float64(a) + Zoo_Animal_gait(a) + Zoo_Animal_diet(a) +
          static_cast<double>(Zoo_Animal_size(a)) + Zoo_Animal_mood(a) + Zoo_Animal_marks(a) +
          Zoo_Animal_no_marks(a) + Zoo_Animal_o_int(a) + Zoo_Animal_o_double(a) +
          Zoo_Animal_o_gait(a) + Zoo_Animal_o_bool(a) + Zoo_Animal_o_marks(a) +
          Zoo_Animal_o_absent(a);
    if (const Zoo_Types_Pose *p = Zoo_Animal_pose(a))
        s += p->at.x + p->heading + p->altitude + p->marks[2] + p->corners[1].y;
    myl_fb_vec v = Zoo_Animal_legs(a);
    for (uint32_t i = 0; i < v.len; i++)
        s += myl_fb_vec_i16(v, i);
    v = Zoo_Animal_chip(a);
    for (uint32_t i = 0; i < v.len; i++)
        s += myl_fb_vec_u8(v, i);
    v = Zoo_Animal_weights(a);
    for (uint32_t i = 0; i < v.len; i++)
        s += myl_fb_vec_f64(v, i);
    v = Zoo_Animal_poses(a);
    for (uint32_t i = 0; i < v.len; i++)
        s += MYL_FB_VEC_STRUCT_AT(v, i, Zoo_Types_Pose)->altitude;
    v = Zoo_Animal_nicknames(a);
    for (uint32_t i = 0; i < v.len; i++)
        s += myl_fb_vec_str(v, i).len;
    v = Zoo_Animal_keepers(a);
    for (uint32_t i = 0; i < v.len; i++)
        s += Zoo_Keeper_years(Zoo_Keeper_vec_at(v, i));
    v = Zoo_Animal_gaits(a);
    for (uint32_t i = 0; i < v.len; i++)
        s += myl_fb_vec_i8(v, i);
    v = Zoo_Animal_flags(a);
    for (uint32_t i = 0; i < v.len; i++)
        s += myl_fb_vec_bool(v, i);
    v = Zoo_Animal_rations(a);
    for (uint32_t i = 0; i < v.len; i++)
        s += Zoo_Ration_kg(Zoo_Ration_vec_at(v, i));
    s += Zoo_Keeper_years(Zoo_Animal_care_as_Keeper(a)) + Zoo_Feed_kg(Zoo_Animal_care_as_Feed(a));
    s += Zoo_Enclosure_area(Zoo_Animal_home(a)) + Zoo_Tag_b(Zoo_Animal_tag(a));
    s += Zoo_Keeper_years(Zoo_Animal_extra_as_Helper(a)) + Zoo_Animal_extra_as_Memo(a).len;
    v = Zoo_Animal_pets_types(a);
    for (uint32_t i = 0; i < v.len; i++)
        s += myl_fb_vec_u8(v, i);
    s += Zoo_Animal_wides_len(a) + (Zoo_Animal_wide(a) ? Zoo_Animal_wide(a)->hi : 0);
    s += Zoo_Keeper_years(Zoo_Animal_badge_nested_root(a));
    Zoo_Animal_table p = Zoo_Animal_parent(a), w = Zoo_Animal_twin_nested_root(a);
    return s + (p.t ? read_ours_vec<S>(p, depth + 1) : S()) +
           (w.t ? read_ours_vec<S>(w, depth + 1) : S());
}

template <class S> static S read_theirs(const Zoo::Animal *a, unsigned depth)
{
    if (!a || depth > 8)
        return S();
    S s = Lead<S>::of(a->name() ? a->name()->size() : 0) + a->tame() + a->v_byte() + a->v_ubyte() +
          a->v_short() + a->v_ushort() + a->v_int() + a->v_uint() +
          static_cast<double>(a->v_long()) + static_cast<double>(a->v_ulong()) + a->v_float() +
          a->v_double() + a->v_int8() + a->v_uint8() + a->v_int16() + a->v_uint16() + a->v_int32() +
          a->v_uint32() + static_cast<double>(a->v_int64()) + static_cast<double>(a->v_uint64()) +
          a->v_float32() + a->v_float64() + static_cast<int8_t>(a->gait()) +
          static_cast<uint16_t>(a->diet()) + static_cast<double>(a->size()) +
          static_cast<int32_t>(a->mood()) + static_cast<uint8_t>(a->marks()) +
          static_cast<uint8_t>(a->no_marks()) + a->o_int().value_or(0) + a->o_double().value_or(0) +
          static_cast<int8_t>(a->o_gait().value_or(Zoo::Types::Gait_Walk)) +
          a->o_bool().value_or(false) +
          static_cast<uint8_t>(a->o_marks().value_or(static_cast<Zoo::Types::Marks>(0))) +
          a->o_absent().value_or(0);
    if (const Zoo::Types::Pose *p = a->pose())
        s += p->at().x() + p->heading() + p->altitude() + p->marks()->Get(2) +
             p->corners()->Get(1)->y();
    if (a->legs())
        for (auto v : *a->legs())
            s += v;
    if (a->chip())
        for (auto v : *a->chip())
            s += v;
    if (a->weights())
        for (auto v : *a->weights())
            s += v;
    if (a->poses())
        for (auto v : *a->poses())
            s += v->altitude();
    if (a->nicknames())
        for (auto v : *a->nicknames())
            s += v->size();
    if (a->keepers())
        for (auto v : *a->keepers())
            s += v->years();
    if (a->gaits())
        for (auto v : *a->gaits())
            s += v;
    if (a->flags())
        for (auto v : *a->flags())
            s += v;
    if (a->rations())
        for (auto v : *a->rations())
            s += v->kg();
    /* an absent table: its field's default, what our getters return on a
     * NULL table (zoo.fbs; the check fails if these go out of date) */
    s += (a->care_as_Keeper() ? a->care_as_Keeper()->years() : 1) +
         (a->care_as_Feed() ? a->care_as_Feed()->kg() : 0.25f);
    s += (a->home() ? a->home()->area() : 12.5) + (a->tag() ? a->tag()->b() : -1);
    s += (a->extra_as_Helper() ? a->extra_as_Helper()->years() : 1) +
         (a->extra_as_Memo() ? a->extra_as_Memo()->size() : 0);
    if (a->pets_type())
        for (auto v : *a->pets_type())
            s += v;
    s += (a->wides() ? a->wides()->size() : 0) + (a->wide() ? a->wide()->hi() : 0);
    s += a->badge() ? a->badge_nested_root()->years() : 1;
    const Zoo::Animal *p = a->parent(), *w = a->twin() ? a->twin_nested_root() : nullptr;
    return s + (p ? read_theirs<S>(p, depth + 1) : S()) + (w ? read_theirs<S>(w, depth + 1) : S());
}

#endif
