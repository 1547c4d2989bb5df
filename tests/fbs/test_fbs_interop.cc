/* The C that myelonc generates from tests/fbs/zoo.fbs (read as it is)
 * against the C++ that flatc generates from the same file:
 *   1. the buffer flatc built from animal.json (argv[1]) passes our
 *      generated verifier (Zoo_Animal_verify_buffer: the root type with
 *      its file identifier, as flatc's VerifyAnimalBuffer) and our readers agree with flatc's
 * accessors on every field, recursively;
 *   2. every field read with our readers is written again with our
 *      builders (argv[2] receives the buffer): flatbuffers::Verifier
 *      accepts it and flatc's accessors read the same values as from
 *      flatc's buffer (fbs_interop.sh then compares `flatc --json` of both);
 *   3. on every bit flip and truncation of both buffers, our generated
 *      verifier accepts exactly what flatc's accepts.
 * Nothing here restates the data: the JSON is the only source of values. */
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "zoo.myl.h"
#include "zoo_generated.h"

static int g_failures;

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c);             \
            g_failures++;                                                                          \
        }                                                                                          \
    } while (0)

/* Equal, NaN included (bit for bit is too strict for -0.0 vs 0.0: no). */
template <class T> static bool same(T a, T b)
{
    return a == b;
}
static bool same(double a, double b)
{
    return a == b || (std::isnan(a) && std::isnan(b));
}
static bool same(float a, float b)
{
    return a == b || (std::isnan(a) && std::isnan(b));
}

static void cmp_str(myl_fb_str ours, const flatbuffers::String *theirs)
{
    CHECK((ours.ptr == nullptr) == (theirs == nullptr));
    if (ours.ptr && theirs)
        CHECK(ours.len == theirs->size() && std::memcmp(ours.ptr, theirs->data(), ours.len) == 0);
}

static void cmp_point(const Zoo_Types_Point *o, const Zoo::Types::Point *t)
{
    CHECK(same(o->x, t->x()));
    CHECK(same(o->y, t->y()));
}

static void cmp_pose(const Zoo_Types_Pose *o, const Zoo::Types::Pose *t)
{
    CHECK((o == nullptr) == (t == nullptr));
    if (!o || !t)
        return;
    cmp_point(&o->at, &t->at());
    CHECK(o->heading == t->heading());
    CHECK(o->spare == t->spare());
    CHECK(o->gait == static_cast<int8_t>(t->gait()));
    CHECK(same(o->altitude, t->altitude()));
    for (unsigned i = 0; i < 3; i++)
        CHECK(o->marks[i] == t->marks()->Get(i));
    for (unsigned i = 0; i < 2; i++)
        cmp_point(&o->corners[i], t->corners()->Get(i));
}

static void cmp_keeper(Zoo_Keeper_table o, const Zoo::Keeper *t)
{
    CHECK((o.t == nullptr) == (t == nullptr));
    if (!o.t || !t)
        return;
    cmp_str(Zoo_Keeper_name(o), t->name());
    CHECK(Zoo_Keeper_years(o) == t->years());
}

static void cmp_feed(Zoo_Feed_table o, const Zoo::Feed *t)
{
    CHECK((o.t == nullptr) == (t == nullptr));
    if (!o.t || !t)
        return;
    CHECK(same(Zoo_Feed_kg(o), t->kg()));
    CHECK(Zoo_Feed_diet(o) == static_cast<uint16_t>(t->diet()));
}

/* A lookup by a scalar key k, ours against flatc's LookupByKey(), in a
 * vector where `with` elements have k. FlatBuffers defines lookups on
 * sorted vectors: there both find k, or neither does when no element has
 * it, and of one element with k, the same (same_elem: their fields
 * agree). On a vector out of order (a mutated buffer) either may miss k
 * and they may find different elements (ours does not probe as flatc's
 * bsearch() does: fb.h, MYL__FB_KEY_SEARCH); what ours finds has k. */
static void cmp_found(bool sorted, unsigned with, const void *ours, bool ours_has_k,
                      const void *theirs, bool same_elem)
{
    if (sorted) {
        CHECK((ours != nullptr) == (with > 0));
        CHECK((theirs != nullptr) == (with > 0));
    }
    CHECK(!ours || ours_has_k);
    if (sorted && with == 1)
        CHECK(same_elem);
}

static void cmp_enclosure(Zoo_Enclosure_table o, const Zoo::Enclosure *t)
{
    CHECK((o.t == nullptr) == (t == nullptr));
    if (!o.t || !t)
        return;
    cmp_str(Zoo_Enclosure_label(o), t->label());
    CHECK(same(Zoo_Enclosure_area(o), t->area()));
    CHECK(Zoo_Enclosure_has_corners(o) == (t->corners() != nullptr));
    if (t->corners()) {
        CHECK(Zoo_Enclosure_corners_len(o) == t->corners()->size());
        for (uint32_t i = 0; i < Zoo_Enclosure_corners_len(o) && i < t->corners()->size(); i++)
            cmp_point(Zoo_Enclosure_corners_at(o, i), t->corners()->Get(i));
    }
    CHECK(Zoo_Enclosure_has_stalls(o) == (t->stalls() != nullptr));
    if (const auto *v = t->stalls()) {
        CHECK(Zoo_Enclosure_stalls_len(o) == v->size());
        for (uint32_t i = 0; i < Zoo_Enclosure_stalls_len(o) && i < v->size(); i++) {
            CHECK(Zoo_Enclosure_stalls_at(o, i)->num == v->Get(i)->num());
            CHECK(same(Zoo_Enclosure_stalls_at(o, i)->width, v->Get(i)->width()));
        }
        /* lookup by a struct's key, for every key in the vector and its
         * neighbours */
        bool sorted = true;
        for (uint32_t i = 1; i < v->size(); i++)
            sorted = sorted && v->Get(i - 1)->num() <= v->Get(i)->num();
        for (uint32_t i = 0; i < v->size(); i++)
            for (int64_t d = -1; d <= 1; d++) {
                int64_t k64 = v->Get(i)->num() + d;
                if (k64 < INT32_MIN || k64 > INT32_MAX)
                    continue;
                auto k = static_cast<int32_t>(k64);
                unsigned with = 0;
                for (uint32_t j = 0; j < v->size(); j++)
                    with += v->Get(j)->num() == k;
                const Zoo_Stall *ours = Zoo_Enclosure_stalls_lookup_by_key(o, k);
                CHECK(Zoo_Enclosure_stalls_lookup_by_key_in(Zoo_Enclosure_stalls(o), k) == ours);
                const Zoo::Stall *theirs = v->LookupByKey(k);
                cmp_found(sorted, with, ours, ours && ours->num == k, theirs,
                          ours && theirs && same(ours->width, theirs->width()));
            }
    } else {
        CHECK(Zoo_Enclosure_stalls_lookup_by_key(o, 0) == nullptr);
    }
}

static void cmp_tag(Zoo_Tag_table o, const Zoo::Tag *t)
{
    CHECK((o.t == nullptr) == (t == nullptr));
    if (!o.t || !t)
        return;
    CHECK(Zoo_Tag_a(o) == t->a());
    CHECK(Zoo_Tag_b(o) == t->b());
    cmp_str(Zoo_Tag_c(o), t->c());
}

/* A vector of scalars: same presence, length and elements. */
template <class O, class T>
static void cmp_vec(const char *name, bool has, uint32_t len, O (*at)(Zoo_Animal_table, uint32_t),
                    Zoo_Animal_table o, const flatbuffers::Vector<T> *t)
{
    CHECK(has == (t != nullptr));
    if (!t)
        return;
    CHECK(len == t->size());
    for (uint32_t i = 0; i < len && i < t->size(); i++) {
        /* a bool is any non-zero byte to flatc's reader too (mutated
         * buffers have others than 1), but its Get() returns the byte */
        bool eq = std::is_same<O, bool>::value ? at(o, i) == (t->Get(i) != 0)
                                               : same(static_cast<T>(at(o, i)), t->Get(i));
        if (!eq) {
            std::fprintf(stderr, "%s[%u]: ours %g, flatc %g\n", name, i,
                         static_cast<double>(at(o, i)), static_cast<double>(t->Get(i)));
            g_failures++;
        }
    }
}

/* An optional scalar: present in both or neither, then the same value
 * (ours reads 0 when absent). */
template <class O, class T> static void cmp_opt(bool has, O ours, const flatbuffers::Optional<T> &t)
{
    CHECK(has == t.has_value());
    if (t.has_value())
        CHECK(same(ours, static_cast<O>(*t)));
    else
        CHECK(same(ours, O()));
}

/* Lookup by string key: ours finds what flatc's LookupByKey() finds (an
 * element with the same fields, or none), for every key in the vector and
 * two neighbours, in any vector: both probe as bsearch() does. (o and t may
 * be two buffers of the same values.) Scalar keys: cmp_found(). */
static void cmp_lookups(Zoo_Animal_table o, const Zoo::Animal *t)
{
    if (const auto *v = t->rations()) {
        bool sorted = true;
        for (uint32_t i = 1; i < v->size(); i++)
            sorted = sorted && v->Get(i - 1)->id() <= v->Get(i)->id();
        for (uint32_t i = 0; i < v->size(); i++)
            for (int d = -1; d <= 1; d++) {
                auto k = static_cast<int16_t>(v->Get(i)->id() + d);
                unsigned with = 0;
                for (uint32_t j = 0; j < v->size(); j++)
                    with += v->Get(j)->id() == k;
                Zoo_Ration_table ours = Zoo_Animal_rations_lookup_by_key(o, k);
                CHECK(Zoo_Animal_rations_lookup_by_key_in(Zoo_Animal_rations(o), k).t == ours.t);
                const Zoo::Ration *theirs = v->LookupByKey(k);
                cmp_found(sorted, with, ours.t, ours.t && Zoo_Ration_id(ours) == k, theirs,
                          ours.t && theirs && same(Zoo_Ration_kg(ours), theirs->kg()));
            }
    } else {
        CHECK(Zoo_Animal_rations_lookup_by_key(o, 0).t == nullptr);
    }
    if (const auto *v = t->keepers()) {
        for (uint32_t i = 0; i < v->size(); i++) {
            const flatbuffers::String *n = v->Get(i)->name();
            if (!n || std::memchr(n->c_str(), 0, n->size()))
                continue; /* flatc compares with strcmp: no NULs inside */
            std::string k(n->c_str(), n->size());
            for (const std::string &q : {k, k + "a", k.substr(0, k.size() / 2)}) {
                Zoo_Keeper_table ours = Zoo_Animal_keepers_lookup_by_key(o, q.data(), q.size());
                CHECK(Zoo_Animal_keepers_lookup_by_key_in(Zoo_Animal_keepers(o), q.data(), q.size())
                          .t == ours.t);
                const Zoo::Keeper *theirs = v->LookupByKey(q.c_str());
                CHECK((ours.t == nullptr) == (theirs == nullptr));
                cmp_keeper(ours, theirs);
            }
        }
    }
}

/* Element i of the [Extra] vector: the same type, and the member it names
 * equal to flatc's (its other accessors give nothing). */
static void cmp_extra_at(Zoo_Animal_table o, const Zoo::Animal *t, uint32_t i)
{
    uint8_t type = t->pets_type()->Get(i);
    CHECK(Zoo_Animal_pets_type_at(o, i) == type);
    myl_fb_vec types = Zoo_Animal_pets_types(o);
    CHECK(types.len == t->pets_type()->size() && myl_fb_vec_u8(types, i) == type);
    const auto *v = t->pets();
    cmp_keeper(Zoo_Animal_pets_at_as_Boss(o, i),
               type == Zoo::Extra_Boss ? v->GetAs<Zoo::Keeper>(i) : nullptr);
    cmp_keeper(Zoo_Animal_pets_at_as_Helper(o, i),
               type == Zoo::Extra_Helper ? v->GetAs<Zoo::Keeper>(i) : nullptr);
    cmp_feed(Zoo_Animal_pets_at_as_Feed(o, i),
             type == Zoo::Extra_Feed ? v->GetAs<Zoo::Feed>(i) : nullptr);
    Zoo_Types_Feed_table tf = Zoo_Animal_pets_at_as_Zoo_Types_Feed(o, i);
    CHECK((tf.t != nullptr) == (type == Zoo::Extra_Zoo_Types_Feed));
    if (tf.t && type == Zoo::Extra_Zoo_Types_Feed)
        CHECK(Zoo_Types_Feed_grams(tf) == v->GetAs<Zoo::Types::Feed>(i)->grams());
    const Zoo_Types_Point *pin = Zoo_Animal_pets_at_as_Pin(o, i);
    CHECK((pin != nullptr) == (type == Zoo::Extra_Pin));
    if (pin && type == Zoo::Extra_Pin)
        cmp_point(pin, v->GetAs<Zoo::Types::Point>(i));
    myl_fb_str memo = Zoo_Animal_pets_at_as_Memo(o, i);
    CHECK((memo.ptr != nullptr) == (type == Zoo::Extra_Memo));
    if (type == Zoo::Extra_Memo)
        cmp_str(memo, v->GetAs<flatbuffers::String>(i));
}

static void cmp_animal(Zoo_Animal_table o, const Zoo::Animal *t, unsigned depth)
{
    CHECK((o.t == nullptr) == (t == nullptr));
    if (!o.t || !t || depth > 8)
        return;
    cmp_str(Zoo_Animal_name(o), t->name());
    CHECK(Zoo_Animal_tame(o) == t->tame());
    CHECK(Zoo_Animal_v_byte(o) == t->v_byte());
    CHECK(Zoo_Animal_v_ubyte(o) == t->v_ubyte());
    CHECK(Zoo_Animal_v_short(o) == t->v_short());
    CHECK(Zoo_Animal_v_ushort(o) == t->v_ushort());
    CHECK(Zoo_Animal_v_int(o) == t->v_int());
    CHECK(Zoo_Animal_v_uint(o) == t->v_uint());
    CHECK(Zoo_Animal_v_long(o) == t->v_long());
    CHECK(Zoo_Animal_v_ulong(o) == t->v_ulong());
    CHECK(same(Zoo_Animal_v_float(o), t->v_float()));
    CHECK(same(Zoo_Animal_v_double(o), t->v_double()));
    CHECK(Zoo_Animal_v_int8(o) == t->v_int8());
    CHECK(Zoo_Animal_v_uint8(o) == t->v_uint8());
    CHECK(Zoo_Animal_v_int16(o) == t->v_int16());
    CHECK(Zoo_Animal_v_uint16(o) == t->v_uint16());
    CHECK(Zoo_Animal_v_int32(o) == t->v_int32());
    CHECK(Zoo_Animal_v_uint32(o) == t->v_uint32());
    CHECK(Zoo_Animal_v_int64(o) == t->v_int64());
    CHECK(Zoo_Animal_v_uint64(o) == t->v_uint64());
    CHECK(same(Zoo_Animal_v_float32(o), t->v_float32()));
    CHECK(same(Zoo_Animal_v_float64(o), t->v_float64()));
    CHECK(Zoo_Animal_gait(o) == static_cast<int8_t>(t->gait()));
    CHECK(Zoo_Animal_diet(o) == static_cast<uint16_t>(t->diet()));
    CHECK(Zoo_Animal_size(o) == static_cast<uint64_t>(t->size()));
    CHECK(Zoo_Animal_mood(o) == static_cast<int32_t>(t->mood()));
    cmp_pose(Zoo_Animal_pose(o), t->pose());
    cmp_vec("legs", Zoo_Animal_has_legs(o), Zoo_Animal_legs_len(o), Zoo_Animal_legs_at, o,
            t->legs());
    cmp_vec("chip", Zoo_Animal_has_chip(o), Zoo_Animal_chip_len(o), Zoo_Animal_chip_at, o,
            t->chip());
    cmp_vec("weights", Zoo_Animal_has_weights(o), Zoo_Animal_weights_len(o), Zoo_Animal_weights_at,
            o, t->weights());
    cmp_vec("gaits", Zoo_Animal_has_gaits(o), Zoo_Animal_gaits_len(o), Zoo_Animal_gaits_at, o,
            t->gaits());
    cmp_vec("flags", Zoo_Animal_has_flags(o), Zoo_Animal_flags_len(o), Zoo_Animal_flags_at, o,
            t->flags());
    CHECK(Zoo_Animal_has_poses(o) == (t->poses() != nullptr));
    if (t->poses()) {
        CHECK(Zoo_Animal_poses_len(o) == t->poses()->size());
        myl_fb_vec v = Zoo_Animal_poses(o); /* the vector read once, as flatc's loop */
        for (uint32_t i = 0; i < Zoo_Animal_poses_len(o) && i < t->poses()->size(); i++) {
            cmp_pose(Zoo_Animal_poses_at(o, i), t->poses()->Get(i));
            cmp_pose(MYL_FB_VEC_STRUCT_AT(v, i, Zoo_Types_Pose), t->poses()->Get(i));
        }
    }
    CHECK(Zoo_Animal_has_nicknames(o) == (t->nicknames() != nullptr));
    if (t->nicknames()) {
        CHECK(Zoo_Animal_nicknames_len(o) == t->nicknames()->size());
        for (uint32_t i = 0; i < Zoo_Animal_nicknames_len(o) && i < t->nicknames()->size(); i++)
            cmp_str(Zoo_Animal_nicknames_at(o, i), t->nicknames()->Get(i));
    }
    CHECK(Zoo_Animal_has_keepers(o) == (t->keepers() != nullptr));
    if (t->keepers()) {
        CHECK(Zoo_Animal_keepers_len(o) == t->keepers()->size());
        myl_fb_vec v = Zoo_Animal_keepers(o);
        for (uint32_t i = 0; i < Zoo_Animal_keepers_len(o) && i < t->keepers()->size(); i++) {
            cmp_keeper(Zoo_Animal_keepers_at(o, i), t->keepers()->Get(i));
            cmp_keeper(Zoo_Keeper_vec_at(v, i), t->keepers()->Get(i));
        }
    }
    CHECK(Zoo_Animal_care_type(o) == static_cast<uint8_t>(t->care_type()));
    cmp_keeper(Zoo_Animal_care_as_Keeper(o), t->care_as_Keeper());
    cmp_feed(Zoo_Animal_care_as_Feed(o), t->care_as_Feed());
    cmp_enclosure(Zoo_Animal_home(o), t->home());
    cmp_animal(Zoo_Animal_parent(o), t->parent(), depth + 1);
    cmp_tag(Zoo_Animal_tag(o), t->tag());
    CHECK(same(Zoo_Animal_v_nan(o), t->v_nan()));
    CHECK(same(Zoo_Animal_v_inf(o), t->v_inf()));
    CHECK(same(Zoo_Animal_v_ninf(o), t->v_ninf()));
    CHECK(same(Zoo_Animal_v_nan64(o), t->v_nan64()));
    CHECK(Zoo_Animal_marks(o) == static_cast<uint8_t>(t->marks()));
    CHECK(Zoo_Animal_no_marks(o) == static_cast<uint8_t>(t->no_marks()));
    cmp_opt(Zoo_Animal_has_o_int(o), Zoo_Animal_o_int(o), t->o_int());
    cmp_opt(Zoo_Animal_has_o_double(o), Zoo_Animal_o_double(o), t->o_double());
    cmp_opt(Zoo_Animal_has_o_gait(o), Zoo_Animal_o_gait(o), t->o_gait());
    cmp_opt(Zoo_Animal_has_o_bool(o), Zoo_Animal_o_bool(o), t->o_bool());
    cmp_opt(Zoo_Animal_has_o_marks(o), Zoo_Animal_o_marks(o), t->o_marks());
    cmp_opt(Zoo_Animal_has_o_absent(o), Zoo_Animal_o_absent(o), t->o_absent());
    CHECK(Zoo_Animal_has_rations(o) == (t->rations() != nullptr));
    if (t->rations()) {
        CHECK(Zoo_Animal_rations_len(o) == t->rations()->size());
        for (uint32_t i = 0; i < Zoo_Animal_rations_len(o) && i < t->rations()->size(); i++) {
            Zoo_Ration_table r = Zoo_Animal_rations_at(o, i);
            CHECK(Zoo_Ration_id(r) == t->rations()->Get(i)->id());
            CHECK(same(Zoo_Ration_kg(r), t->rations()->Get(i)->kg()));
        }
    }
    cmp_lookups(o, t);
    /* nested FlatBuffers: the bytes' presence, then their roots */
    CHECK(Zoo_Animal_has_twin(o) == (t->twin() != nullptr));
    CHECK(Zoo_Animal_has_badge(o) == (t->badge() != nullptr));
    if (t->twin())
        cmp_animal(Zoo_Animal_twin_nested_root(o), t->twin_nested_root(), depth + 1);
    else
        CHECK(Zoo_Animal_twin_nested_root(o).t == nullptr);
    if (t->badge())
        cmp_keeper(Zoo_Animal_badge_nested_root(o), t->badge_nested_root());
    /* a vector of unions: types and values */
    CHECK(Zoo_Animal_has_pets(o) == (t->pets() != nullptr));
    if (t->pets() && t->pets_type()) {
        CHECK(Zoo_Animal_pets_len(o) == t->pets()->size());
        for (uint32_t i = 0; i < Zoo_Animal_pets_len(o) && i < t->pets()->size(); i++)
            cmp_extra_at(o, t, i);
    }
    /* structs aligned to 16 */
    CHECK((Zoo_Animal_wide(o) == nullptr) == (t->wide() == nullptr));
    if (Zoo_Animal_wide(o) && t->wide())
        CHECK(Zoo_Animal_wide(o)->lo == t->wide()->lo() &&
              Zoo_Animal_wide(o)->hi == t->wide()->hi());
    CHECK(Zoo_Animal_has_wides(o) == (t->wides() != nullptr));
    if (t->wides()) {
        CHECK(Zoo_Animal_wides_len(o) == t->wides()->size());
        for (uint32_t i = 0; i < Zoo_Animal_wides_len(o) && i < t->wides()->size(); i++)
            CHECK(Zoo_Animal_wides_at(o, i)->hi == t->wides()->Get(i)->hi());
    }
    /* a union with aliases, explicit codes, two Feeds */
    CHECK(Zoo_Animal_extra_type(o) == static_cast<uint8_t>(t->extra_type()));
    cmp_keeper(Zoo_Animal_extra_as_Boss(o), t->extra_as_Boss());
    cmp_keeper(Zoo_Animal_extra_as_Helper(o), t->extra_as_Helper());
    cmp_feed(Zoo_Animal_extra_as_Feed(o), t->extra_as_Feed());
    Zoo_Types_Feed_table tf = Zoo_Animal_extra_as_Zoo_Types_Feed(o);
    CHECK((tf.t == nullptr) == (t->extra_as_Zoo_Types_Feed() == nullptr));
    if (tf.t && t->extra_as_Zoo_Types_Feed())
        CHECK(Zoo_Types_Feed_grams(tf) == t->extra_as_Zoo_Types_Feed()->grams());
    CHECK((Zoo_Animal_extra_as_Pin(o) == nullptr) == (t->extra_as_Pin() == nullptr));
    if (Zoo_Animal_extra_as_Pin(o) && t->extra_as_Pin())
        cmp_point(Zoo_Animal_extra_as_Pin(o), t->extra_as_Pin());
    cmp_str(Zoo_Animal_extra_as_Memo(o), t->extra_as_Memo());
}

#ifndef MYLT_FBS_FUZZ /* the fuzz target only verifies and reads */
/* ---- copying with our readers into our builders ---- */

static myl_fb_ref copy_str(myl_fb_builder *b, myl_fb_str s)
{
    myl_fb_ref r = 0;
    if (s.ptr)
        myl_fb_create_string(b, s.ptr, s.len, &r);
    return r;
}

static myl_fb_ref copy_keeper(myl_fb_builder *b, Zoo_Keeper_table t)
{
    myl_fb_ref name = copy_str(b, Zoo_Keeper_name(t)), r = 0;
    Zoo_Keeper_start(b);
    if (name)
        Zoo_Keeper_add_name(b, name);
    Zoo_Keeper_add_years(b, Zoo_Keeper_years(t));
    Zoo_Keeper_end(b, &r);
    return r;
}

static myl_fb_ref copy_ration(myl_fb_builder *b, Zoo_Ration_table t)
{
    myl_fb_ref r = 0;
    Zoo_Ration_start(b);
    Zoo_Ration_add_id(b, Zoo_Ration_id(t));
    Zoo_Ration_add_kg(b, Zoo_Ration_kg(t));
    Zoo_Ration_end(b, &r);
    return r;
}

static myl_fb_ref copy_feed(myl_fb_builder *b, Zoo_Feed_table t)
{
    myl_fb_ref r = 0;
    Zoo_Feed_start(b);
    Zoo_Feed_add_kg(b, Zoo_Feed_kg(t));
    Zoo_Feed_add_diet(b, Zoo_Feed_diet(t));
    Zoo_Feed_end(b, &r);
    return r;
}

static myl_fb_ref copy_enclosure(myl_fb_builder *b, Zoo_Enclosure_table t)
{
    myl_fb_ref label = copy_str(b, Zoo_Enclosure_label(t)), corners = 0, stalls = 0, r = 0;
    if (Zoo_Enclosure_has_corners(t)) {
        std::vector<Zoo_Types_Point> v;
        for (uint32_t i = 0; i < Zoo_Enclosure_corners_len(t); i++)
            v.push_back(*Zoo_Enclosure_corners_at(t, i));
        Zoo_Enclosure_create_corners(b, v.data(), v.size(), &corners);
    }
    if (Zoo_Enclosure_has_stalls(t)) { /* reversed: the builder sorts them */
        std::vector<Zoo_Stall> v;
        for (uint32_t i = Zoo_Enclosure_stalls_len(t); i-- > 0;)
            v.push_back(*Zoo_Enclosure_stalls_at(t, i));
        Zoo_Enclosure_create_stalls(b, v.data(), v.size(), &stalls);
    }
    Zoo_Enclosure_start(b);
    if (label)
        Zoo_Enclosure_add_label(b, label);
    Zoo_Enclosure_add_area(b, Zoo_Enclosure_area(t));
    if (corners)
        Zoo_Enclosure_add_corners(b, corners);
    if (stalls)
        Zoo_Enclosure_add_stalls(b, stalls);
    Zoo_Enclosure_end(b, &r);
    return r;
}

static myl_fb_ref copy_tag(myl_fb_builder *b, Zoo_Tag_table t)
{
    myl_fb_ref c = copy_str(b, Zoo_Tag_c(t)), r = 0;
    Zoo_Tag_start(b);
    Zoo_Tag_add_a(b, Zoo_Tag_a(t));
    Zoo_Tag_add_b(b, Zoo_Tag_b(t));
    if (c)
        Zoo_Tag_add_c(b, c);
    Zoo_Tag_end(b, &r);
    return r;
}

static myl_fb_ref copy_animal(myl_fb_builder *b, Zoo_Animal_table t);

/* A nested FlatBuffer: built apart with our builder (no identifier, as
 * flatc builds them from JSON), then its bytes as a [ubyte] vector by
 * create (T_create_f: at the alignment the nested type needs). */
template <class Tab, class Copy>
static myl_fb_ref copy_nested(myl_fb_builder *b, Tab root, Copy copy,
                              int (*create)(myl_fb_builder *, const uint8_t *, size_t,
                                            myl_fb_ref *))
{
    std::vector<uint8_t> region(1 << 16);
    myl_fb_builder nb;
    myl_fb_builder_init(&nb, region.data(), region.size(), nullptr, 0);
    myl_fb_ref r = copy(&nb, root), out = 0;
    myl_fb_msg m;
    CHECK(myl_fb_finish(&nb, r, nullptr, 0, &m) == 0);
    if (nb.err == 0)
        CHECK(create(b, m.data, m.len, &out) == 0);
    return out;
}

/* A vector of scalars of element type E, copied element by element. */
#define COPY_VEC(b, t, f, E, out)                                                                  \
    do {                                                                                           \
        if (Zoo_Animal_has_##f(t)) {                                                               \
            uint32_t n = Zoo_Animal_##f##_len(t);                                                  \
            std::unique_ptr<E[]> v(new E[n ? n : 1]);                                              \
            for (uint32_t i = 0; i < n; i++)                                                       \
                v[i] = Zoo_Animal_##f##_at(t, i);                                                  \
            Zoo_Animal_create_##f(b, v.get(), n, &(out));                                          \
        }                                                                                          \
    } while (0)

static myl_fb_ref copy_point(myl_fb_builder *b, const Zoo_Types_Point *p)
{
    myl_fb_ref r = 0;
    myl_fb_create_struct(b, p, sizeof *p, alignof(Zoo_Types_Point), &r);
    return r;
}

/* A member of Extra: a table, a struct or a string (NULL / absent: 0). */
static myl_fb_ref copy_member(myl_fb_builder *b, Zoo_Extra type, Zoo_Keeper_table k,
                              Zoo_Feed_table f, Zoo_Types_Feed_table tf, const Zoo_Types_Point *pin,
                              myl_fb_str memo)
{
    myl_fb_ref r = 0;
    switch (type) {
    case Zoo_Extra_Boss:
    case Zoo_Extra_Helper:
        return copy_keeper(b, k);
    case Zoo_Extra_Feed:
        return copy_feed(b, f);
    case Zoo_Extra_Zoo_Types_Feed:
        Zoo_Types_Feed_start(b);
        Zoo_Types_Feed_add_grams(b, Zoo_Types_Feed_grams(tf));
        Zoo_Types_Feed_end(b, &r);
        return r;
    case Zoo_Extra_Pin:
        return copy_point(b, pin);
    case Zoo_Extra_Memo:
        return copy_str(b, memo);
    default:
        return 0;
    }
}

static myl_fb_ref copy_extra(myl_fb_builder *b, Zoo_Animal_table t)
{
    Zoo_Extra type = Zoo_Animal_extra_type(t);
    Zoo_Keeper_table k =
        type == Zoo_Extra_Boss ? Zoo_Animal_extra_as_Boss(t) : Zoo_Animal_extra_as_Helper(t);
    return copy_member(b, type, k, Zoo_Animal_extra_as_Feed(t),
                       Zoo_Animal_extra_as_Zoo_Types_Feed(t), Zoo_Animal_extra_as_Pin(t),
                       Zoo_Animal_extra_as_Memo(t));
}

static myl_fb_ref copy_extra_at(myl_fb_builder *b, Zoo_Animal_table t, uint32_t i)
{
    Zoo_Extra type = Zoo_Animal_pets_type_at(t, i);
    Zoo_Keeper_table k = type == Zoo_Extra_Boss ? Zoo_Animal_pets_at_as_Boss(t, i)
                                                : Zoo_Animal_pets_at_as_Helper(t, i);
    return copy_member(b, type, k, Zoo_Animal_pets_at_as_Feed(t, i),
                       Zoo_Animal_pets_at_as_Zoo_Types_Feed(t, i), Zoo_Animal_pets_at_as_Pin(t, i),
                       Zoo_Animal_pets_at_as_Memo(t, i));
}

static myl_fb_ref copy_animal(myl_fb_builder *b, Zoo_Animal_table t)
{
    if (!t.t)
        return 0;
    myl_fb_ref name = copy_str(b, Zoo_Animal_name(t));
    myl_fb_ref legs = 0, chip = 0, weights = 0, gaits = 0, poses = 0, nicknames = 0, keepers = 0,
               care = 0, home = 0, parent = 0, tag = 0, rations = 0, r = 0;
    myl_fb_ref flags = 0;
    COPY_VEC(b, t, legs, int16_t, legs);
    COPY_VEC(b, t, chip, uint8_t, chip);
    COPY_VEC(b, t, weights, double, weights);
    COPY_VEC(b, t, gaits, Zoo_Types_Gait, gaits);
    COPY_VEC(b, t, flags, bool, flags);
    if (Zoo_Animal_has_poses(t)) {
        std::vector<Zoo_Types_Pose> v;
        for (uint32_t i = 0; i < Zoo_Animal_poses_len(t); i++)
            v.push_back(*Zoo_Animal_poses_at(t, i));
        Zoo_Animal_create_poses(b, v.data(), v.size(), &poses);
    }
    if (Zoo_Animal_has_nicknames(t)) {
        std::vector<myl_fb_ref> v;
        for (uint32_t i = 0; i < Zoo_Animal_nicknames_len(t); i++)
            v.push_back(copy_str(b, Zoo_Animal_nicknames_at(t, i)));
        Zoo_Animal_create_nicknames(b, v.data(), v.size(), &nicknames);
    }
    /* vectors sorted by key: given in reverse, _create_ sorts them */
    if (Zoo_Animal_has_keepers(t)) {
        std::vector<myl_fb_ref> v;
        for (uint32_t i = Zoo_Animal_keepers_len(t); i-- > 0;)
            v.push_back(copy_keeper(b, Zoo_Animal_keepers_at(t, i)));
        Zoo_Animal_create_keepers(b, v.data(), v.size(), &keepers);
    }
    if (Zoo_Animal_has_rations(t)) {
        std::vector<myl_fb_ref> v;
        for (uint32_t i = Zoo_Animal_rations_len(t); i-- > 0;)
            v.push_back(copy_ration(b, Zoo_Animal_rations_at(t, i)));
        Zoo_Animal_create_rations(b, v.data(), v.size(), &rations);
    }
    Zoo_Care care_type = Zoo_Animal_care_type(t);
    if (care_type == Zoo_Care_Keeper)
        care = copy_keeper(b, Zoo_Animal_care_as_Keeper(t));
    else if (care_type == Zoo_Care_Feed)
        care = copy_feed(b, Zoo_Animal_care_as_Feed(t));
    if (Zoo_Animal_has_home(t))
        home = copy_enclosure(b, Zoo_Animal_home(t));
    parent = copy_animal(b, Zoo_Animal_parent(t));
    if (Zoo_Animal_has_tag(t))
        tag = copy_tag(b, Zoo_Animal_tag(t));
    myl_fb_ref twin = 0, badge = 0, pets_types = 0, pets = 0, wides = 0;
    if (Zoo_Animal_has_wides(t)) {
        std::vector<Zoo_Types_Wide> v;
        for (uint32_t i = 0; i < Zoo_Animal_wides_len(t); i++)
            v.push_back(*Zoo_Animal_wides_at(t, i));
        Zoo_Animal_create_wides(b, v.data(), v.size(), &wides);
    }
    if (Zoo_Animal_has_pets(t)) {
        std::vector<Zoo_Extra> types;
        std::vector<myl_fb_ref> refs;
        for (uint32_t i = 0; i < Zoo_Animal_pets_len(t); i++) {
            types.push_back(Zoo_Animal_pets_type_at(t, i));
            refs.push_back(copy_extra_at(b, t, i));
        }
        Zoo_Animal_create_pets(b, types.data(), refs.data(), refs.size(), &pets_types, &pets);
    }
    Zoo_Extra extra_type = Zoo_Animal_extra_type(t);
    myl_fb_ref extra = copy_extra(b, t);
    if (Zoo_Animal_has_twin(t))
        twin = copy_nested(b, Zoo_Animal_twin_nested_root(t), copy_animal, Zoo_Animal_create_twin);
    if (Zoo_Animal_has_badge(t))
        badge =
            copy_nested(b, Zoo_Animal_badge_nested_root(t), copy_keeper, Zoo_Animal_create_badge);

    Zoo_Animal_start(b);
    if (name)
        Zoo_Animal_add_name(b, name);
    Zoo_Animal_add_tame(b, Zoo_Animal_tame(t));
    Zoo_Animal_add_v_byte(b, Zoo_Animal_v_byte(t));
    Zoo_Animal_add_v_ubyte(b, Zoo_Animal_v_ubyte(t));
    Zoo_Animal_add_v_short(b, Zoo_Animal_v_short(t));
    Zoo_Animal_add_v_ushort(b, Zoo_Animal_v_ushort(t));
    Zoo_Animal_add_v_int(b, Zoo_Animal_v_int(t));
    Zoo_Animal_add_v_uint(b, Zoo_Animal_v_uint(t));
    Zoo_Animal_add_v_long(b, Zoo_Animal_v_long(t));
    Zoo_Animal_add_v_ulong(b, Zoo_Animal_v_ulong(t));
    Zoo_Animal_add_v_float(b, Zoo_Animal_v_float(t));
    Zoo_Animal_add_v_double(b, Zoo_Animal_v_double(t));
    Zoo_Animal_add_v_int8(b, Zoo_Animal_v_int8(t));
    Zoo_Animal_add_v_uint8(b, Zoo_Animal_v_uint8(t));
    Zoo_Animal_add_v_int16(b, Zoo_Animal_v_int16(t));
    Zoo_Animal_add_v_uint16(b, Zoo_Animal_v_uint16(t));
    Zoo_Animal_add_v_int32(b, Zoo_Animal_v_int32(t));
    Zoo_Animal_add_v_uint32(b, Zoo_Animal_v_uint32(t));
    Zoo_Animal_add_v_int64(b, Zoo_Animal_v_int64(t));
    Zoo_Animal_add_v_uint64(b, Zoo_Animal_v_uint64(t));
    Zoo_Animal_add_v_float32(b, Zoo_Animal_v_float32(t));
    Zoo_Animal_add_v_float64(b, Zoo_Animal_v_float64(t));
    Zoo_Animal_add_gait(b, Zoo_Animal_gait(t));
    Zoo_Animal_add_diet(b, Zoo_Animal_diet(t));
    Zoo_Animal_add_size(b, Zoo_Animal_size(t));
    Zoo_Animal_add_mood(b, Zoo_Animal_mood(t));
    if (Zoo_Animal_has_pose(t))
        Zoo_Animal_add_pose(b, Zoo_Animal_pose(t));
    myl_fb_ref vecs[] = {legs, chip, weights, gaits, flags, poses, nicknames, keepers};
    int (*adds[])(myl_fb_builder *, myl_fb_ref) = {
        Zoo_Animal_add_legs,      Zoo_Animal_add_chip,   Zoo_Animal_add_weights,
        Zoo_Animal_add_gaits,     Zoo_Animal_add_flags,  Zoo_Animal_add_poses,
        Zoo_Animal_add_nicknames, Zoo_Animal_add_keepers};
    for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++)
        if (vecs[i])
            adds[i](b, vecs[i]);
    if (care)
        Zoo_Animal_add_care(b, care_type, care);
    if (home)
        Zoo_Animal_add_home(b, home);
    if (parent)
        Zoo_Animal_add_parent(b, parent);
    if (tag)
        Zoo_Animal_add_tag(b, tag);
    if (rations)
        Zoo_Animal_add_rations(b, rations);
    if (twin)
        Zoo_Animal_add_twin(b, twin);
    if (Zoo_Animal_has_wide(t))
        Zoo_Animal_add_wide(b, Zoo_Animal_wide(t));
    if (wides)
        Zoo_Animal_add_wides(b, wides);
    if (extra)
        Zoo_Animal_add_extra(b, extra_type, extra);
    if (pets)
        Zoo_Animal_add_pets(b, pets_types, pets);
    if (badge)
        Zoo_Animal_add_badge(b, badge);
    Zoo_Animal_add_v_nan(b, Zoo_Animal_v_nan(t));
    Zoo_Animal_add_v_inf(b, Zoo_Animal_v_inf(t));
    Zoo_Animal_add_v_ninf(b, Zoo_Animal_v_ninf(t));
    Zoo_Animal_add_v_nan64(b, Zoo_Animal_v_nan64(t));
    Zoo_Animal_add_marks(b, Zoo_Animal_marks(t));
    Zoo_Animal_add_no_marks(b, Zoo_Animal_no_marks(t));
    /* optional scalars: added when present (even as 0), else left out */
    if (Zoo_Animal_has_o_int(t))
        Zoo_Animal_add_o_int(b, Zoo_Animal_o_int(t));
    if (Zoo_Animal_has_o_double(t))
        Zoo_Animal_add_o_double(b, Zoo_Animal_o_double(t));
    if (Zoo_Animal_has_o_gait(t))
        Zoo_Animal_add_o_gait(b, Zoo_Animal_o_gait(t));
    if (Zoo_Animal_has_o_bool(t))
        Zoo_Animal_add_o_bool(b, Zoo_Animal_o_bool(t));
    if (Zoo_Animal_has_o_marks(t))
        Zoo_Animal_add_o_marks(b, Zoo_Animal_o_marks(t));
    if (Zoo_Animal_has_o_absent(t))
        Zoo_Animal_add_o_absent(b, Zoo_Animal_o_absent(t));
    Zoo_Animal_end(b, &r);
    return r;
}

/* ---- optional scalars in the compact codec ---- */

/* Present (even as 0) or absent survives an encode and decode. */
static void compact_optional()
{
    Zoo_Animal a, d;
    Zoo_Animal_init(&a);
    a.name.p = "x";
    a.name.n = 1;
    a.has_o_int = true; /* 0, present */
    a.o_int = 0;
    a.o_double = 3.0; /* not present: not encoded */
    a.has_o_gait = true;
    a.o_gait = Zoo_Types_Gait_Crawl;
    a.has_o_marks = true;
    a.o_marks = Zoo_Types_Marks_Spots | Zoo_Types_Marks_Stripes;
    uint8_t buf[1024], mem[4096];
    size_t len = 0;
    CHECK(Zoo_Animal_compact_encode(&a, buf, sizeof buf, &len) == 0);
    myl_carena arena;
    myl_carena_init(&arena, mem, sizeof mem);
    std::memset(&d, 0xa5, sizeof d);
    CHECK(Zoo_Animal_compact_decode(&d, buf, len, &arena) == 0);
    CHECK(d.has_o_int && d.o_int == 0 && !d.has_o_double && !d.has_o_bool && !d.has_o_absent);
    CHECK(d.has_o_gait && d.o_gait == Zoo_Types_Gait_Crawl);
    CHECK(d.has_o_marks && d.o_marks == 9);
    CHECK(d.marks == Zoo_Types_Marks_Spots && d.no_marks == 0);
    /* a vector of unions: a Keeper, none, a Feed */
    Zoo_Keeper k;
    Zoo_Keeper_init(&k);
    k.name.p = "K";
    k.name.n = 1;
    k.years = 7;
    Zoo_Feed f;
    Zoo_Feed_init(&f);
    f.kg = 2.5f;
    myl_cunion pets[3] = {{Zoo_Extra_Boss, &k}, {Zoo_Extra_NONE, nullptr}, {Zoo_Extra_Feed, &f}};
    a.pets.p = pets;
    a.pets.n = 3;
    CHECK(Zoo_Animal_compact_encode(&a, buf, sizeof buf, &len) == 0);
    myl_carena_init(&arena, mem, sizeof mem);
    CHECK(Zoo_Animal_compact_decode(&d, buf, len, &arena) == 0);
    CHECK(d.pets.n == 3 && d.pets.p[0].type == Zoo_Extra_Boss && d.pets.p[1].value == nullptr);
    if (d.pets.n == 3) {
        CHECK(static_cast<const Zoo_Keeper *>(d.pets.p[0].value)->years == 7);
        CHECK(static_cast<const Zoo_Feed *>(d.pets.p[2].value)->kg == 2.5f);
    }
    /* a string and a struct member, in the vector and alone */
    myl_cstr memo = {"hi", 2};
    Zoo_Types_Point pt = {1.0f, 2.0f};
    myl_cunion more[2] = {{Zoo_Extra_Memo, &memo}, {Zoo_Extra_Pin, &pt}};
    a.pets.p = more;
    a.pets.n = 2;
    a.extra_type = Zoo_Extra_Memo;
    a.extra = &memo;
    CHECK(Zoo_Animal_compact_encode(&a, buf, sizeof buf, &len) == 0);
    myl_carena_init(&arena, mem, sizeof mem);
    CHECK(Zoo_Animal_compact_decode(&d, buf, len, &arena) == 0);
    CHECK(d.pets.n == 2 && d.extra_type == Zoo_Extra_Memo && d.extra != nullptr);
    if (d.pets.n == 2 && d.extra) {
        const auto *dm = static_cast<const myl_cstr *>(d.pets.p[0].value);
        CHECK(dm->n == 2 && std::memcmp(dm->p, "hi", 2) == 0);
        CHECK(static_cast<const Zoo_Types_Point *>(d.pets.p[1].value)->y == 2.0f);
        CHECK(static_cast<const myl_cstr *>(d.extra)->n == 2);
    }
    a.extra_type = Zoo_Extra_NONE;
    a.extra = nullptr;
    a.pets.p = pets;
    a.pets.n = 3;
    pets[0].value = nullptr; /* a member without its value */
    CHECK(Zoo_Animal_compact_encode(&a, buf, sizeof buf, &len) == MYL_EINVAL);
}

#endif

/* ---- verifier agreement ---- */

/* With the file identifier (root_type, file_identifier): flatc's
 * VerifyAnimalBuffer() and our Zoo_Animal_verify_buffer(). */
static bool g_size_prefixed; /* mutate() works on size-prefixed buffers */

static bool theirs_ok(const uint8_t *p, size_t n)
{
    flatbuffers::Verifier v(p, n);
    return g_size_prefixed ? Zoo::VerifySizePrefixedAnimalBuffer(v) : Zoo::VerifyAnimalBuffer(v);
}

static int ours_rc(const uint8_t *p, size_t n)
{
    return g_size_prefixed ? Zoo_Animal_verify_size_prefixed_buffer(p, n)
                           : Zoo_Animal_verify_buffer(p, n);
}

#ifndef MYLT_FBS_FUZZ
static bool ours_ok(const uint8_t *p, size_t n)
{
    return ours_rc(p, n) == 0;
}
#endif

/* Our verdict and flatc's agree, or differ as documented
 * (docs/FLATBUFFERS.md, "Verifier"): ours refuses misaligned elements of
 * structs aligned above 4 (zoo's [Wide]), flatc's does not look. */
static bool agree(const uint8_t *p, size_t n, bool *ours, bool *theirs)
{
    int rc = ours_rc(p, n);
    *ours = rc == 0;
    *theirs = theirs_ok(p, n);
    return *ours == *theirs || (rc == MYL_EFBALIGN && *theirs);
}

#ifndef MYLT_FBS_FUZZ
static unsigned mutate(const std::vector<uint8_t> &buf, const char *what)
{
    unsigned cases = 0, disagree = 0;
    std::vector<uint8_t> m(buf);
    for (size_t i = 0; i < buf.size(); i++)
        for (unsigned bit = 0; bit < 8; bit++) {
            m[i] ^= static_cast<uint8_t>(1u << bit);
            bool a, b;
            if (!agree(m.data(), m.size(), &a, &b) && disagree++ < 5)
                std::fprintf(stderr, "%s: byte %zu bit %u: ours %d, flatc %d\n", what, i, bit, a,
                             b);
            if (a && b && g_size_prefixed)
                cmp_animal(Zoo_Animal_size_prefixed_root(m.data()),
                           Zoo::GetSizePrefixedAnimal(m.data()), 0);
            else if (a && b)
                cmp_animal(Zoo_Animal_root(m.data()), Zoo::GetAnimal(m.data()), 0);
            m[i] = buf[i];
            cases++;
        }
    for (size_t n = 0; n < buf.size(); n++) {
        std::vector<uint8_t> t(buf.begin(), buf.begin() + static_cast<long>(n));
        bool a, b;
        if (!agree(t.data(), n, &a, &b) && disagree++ < 5)
            std::fprintf(stderr, "%s: truncated to %zu: ours %d, flatc %d\n", what, n, a, b);
        cases++;
    }
    std::printf("%s: %u mutations, %u disagreements\n", what, cases, disagree);
    CHECK(disagree == 0);
    return cases;
}

#endif

#ifdef MYLT_FBS_FUZZ
/* The differential fuzz target (fuzz_fbs_diff, and its replay in every
 * build): on any bytes, our generated verifier and flatc's agree, plain
 * and size-prefixed; where both accept, every field read by our readers
 * equals flatc's (nested buffers, vectors of unions, lookups by key and
 * optional scalars included). */
extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    std::vector<uint64_t> words(size / 8 + 1); /* aligned as flatc's accessors need */
    if (size)
        std::memcpy(words.data(), data, size);
    const uint8_t *buf = reinterpret_cast<const uint8_t *>(words.data());
    for (int sp = 0; sp < 2; sp++) {
        g_size_prefixed = sp != 0;
        bool a, b;
        if (!agree(buf, size, &a, &b)) {
            std::fprintf(stderr, "verifiers disagree (size-prefixed %d): ours %d, flatc %d\n", sp,
                         a, b);
            std::abort();
        }
        if (!a)
            continue;
        g_failures = 0;
        if (sp)
            cmp_animal(Zoo_Animal_size_prefixed_root(buf), Zoo::GetSizePrefixedAnimal(buf), 0);
        else
            cmp_animal(Zoo_Animal_root(buf), Zoo::GetAnimal(buf), 0);
        if (g_failures)
            std::abort();
    }
    return 0;
}
#else
/* Lookups by key in vectors of every length from 0 to 40, keys 0, 2, 4,
 * ... or each twice (0, 0, 2, 2, ...; key 0 is the default, not written),
 * built and sorted by our builder: a key from -1 to past the largest is
 * found exactly when an element has it, and as flatc finds it. */
static void test_lookup_lengths()
{
    std::vector<uint8_t> region(1u << 16);
    for (unsigned twice = 0; twice <= 1; twice++)
        for (uint32_t n = 0; n <= 40; n++) {
            myl_fb_builder b;
            myl_fb_builder_init(&b, region.data(), region.size(), nullptr, 0);
            std::vector<myl_fb_ref> rations(n);
            std::vector<Zoo_Stall> stalls(n);
            for (uint32_t i = 0; i < n; i++) {
                auto id = static_cast<int16_t>(2 * (twice ? i / 2 : i));
                Zoo_Ration_start(&b);
                Zoo_Ration_add_id(&b, id);
                Zoo_Ration_add_kg(&b, static_cast<float>(i));
                Zoo_Ration_end(&b, &rations[i]);
                stalls[i] = Zoo_Stall{static_cast<float>(i), id};
            }
            myl_fb_ref rv, sv, home, name, root;
            Zoo_Animal_create_rations(&b, rations.data(), n, &rv);
            Zoo_Enclosure_create_stalls(&b, stalls.data(), n, &sv);
            Zoo_Enclosure_start(&b);
            Zoo_Enclosure_add_stalls(&b, sv);
            Zoo_Enclosure_end(&b, &home);
            myl_fb_create_string(&b, "lookup", 6, &name);
            Zoo_Animal_start(&b);
            Zoo_Animal_add_name(&b, name);
            Zoo_Animal_add_rations(&b, rv);
            Zoo_Animal_add_home(&b, home);
            Zoo_Animal_end(&b, &root);
            myl_fb_msg m;
            CHECK(Zoo_Animal_finish_buffer(&b, root, 0, &m) == 0);
            if (b.err)
                return;
            CHECK(ours_ok(m.data, m.len) && theirs_ok(m.data, m.len));
            Zoo_Animal_table o = Zoo_Animal_root(m.data);
            const Zoo::Animal *t = Zoo::GetAnimal(m.data);
            cmp_lookups(o, t);
            cmp_enclosure(Zoo_Animal_home(o), t->home());
            uint32_t keys = twice ? (n + 1) / 2 : n; /* 0, 2, ..., 2 * (keys - 1) */
            for (int k = -1; k <= static_cast<int>(2 * keys + 1); k++) {
                bool has = k >= 0 && k % 2 == 0 && static_cast<uint32_t>(k / 2) < keys;
                Zoo_Ration_table r = Zoo_Animal_rations_lookup_by_key(o, static_cast<int16_t>(k));
                const Zoo_Stall *st = Zoo_Enclosure_stalls_lookup_by_key(Zoo_Animal_home(o), k);
                CHECK((r.t != nullptr) == has && (!r.t || Zoo_Ration_id(r) == k));
                CHECK((st != nullptr) == has && (!st || st->num == k));
            }
        }
}

/* Lookups by struct key where there is nothing to search (the per-query
 * lookup finds the vector without a jump, through stand-in bytes): a NULL
 * table; one whose vtable ends before the field (flatc's builder trims
 * the vtable after the last field present); one whose vtable says the
 * field is absent (our builder writes every entry). */
static void test_lookup_absent()
{
    Zoo_Enclosure_table none = {nullptr};
    CHECK(Zoo_Enclosure_stalls_lookup_by_key(none, 0) == nullptr);
    CHECK(!Zoo_Enclosure_has_stalls(none) && Zoo_Enclosure_stalls_len(none) == 0);

    flatbuffers::FlatBufferBuilder fbb;
    fbb.Finish(Zoo::CreateEnclosure(fbb, fbb.CreateString("short")));
    const uint8_t *tb = flatbuffers::GetRoot<uint8_t>(fbb.GetBufferPointer());
    CHECK(myl_ld16(tb - static_cast<int32_t>(myl_ld32(tb))) < MYL_FB_VT(3)); /* short */
    Zoo_Enclosure_table trimmed = {tb};
    CHECK(Zoo_Enclosure_label(trimmed).len == 5);
    for (int32_t k = -1; k <= 1; k++)
        CHECK(Zoo_Enclosure_stalls_lookup_by_key(trimmed, k) == nullptr);
    CHECK(!Zoo_Enclosure_has_stalls(trimmed));

    std::vector<uint8_t> region(4096);
    myl_fb_builder b;
    myl_fb_builder_init(&b, region.data(), region.size(), nullptr, 0);
    myl_fb_ref label, home;
    myl_fb_create_string(&b, "absent", 6, &label);
    CHECK(Zoo_Enclosure_create(&b, label, 2.0, 0, 0, &home) == 0);
    myl_fb_msg m;
    CHECK(myl_fb_finish(&b, home, nullptr, 0, &m) == 0);
    Zoo_Enclosure_table absent = {myl_fb_root(m.data)};
    const uint8_t *ab = absent.t;
    uint32_t vo = MYL_FB_VT(3);
    const uint8_t *avt = ab - static_cast<int32_t>(myl_ld32(ab));
    CHECK(myl_ld16(avt) > vo && myl_ld16(avt + vo) == 0); /* entry present, 0 */
    CHECK(Zoo_Enclosure_area(absent) == 2.0);
    for (int32_t k = -1; k <= 1; k++)
        CHECK(Zoo_Enclosure_stalls_lookup_by_key(absent, k) == nullptr);
    CHECK(!Zoo_Enclosure_has_stalls(absent));
}

static void put16(uint8_t *b, size_t at, uint16_t v)
{
    std::memcpy(b + at, &v, 2);
}

static void put32(uint8_t *b, size_t at, uint32_t v)
{
    std::memcpy(b + at, &v, 4);
}

/* A vector of structs aligned to 16 (zoo's [Wide], force_align) whose
 * elements start at 4 mod 16: refused (MYL_EFBALIGN) with alignment
 * checks on (flatc's verifier does not look), since T_f_at hands out a
 * typed pointer to the element (a misaligned load, undefined; the lookup
 * by key does the same). The same vector aligned is accepted and read.
 * Alignment checks off, it is the caller's risk: accepted. */
static void test_struct_vector_alignment()
{
    alignas(16) static uint8_t b[256];
    for (unsigned aligned = 0; aligned < 2; aligned++) {
        std::memset(b, 0, sizeof b);
        const uint32_t vec = aligned ? 140 : 144; /* elements at 144 / 148 */
        put32(b, 0, 124);                         /* root table at 124 */
        put16(b, 4, 4 + 2 * 57);                  /* vtable at 4, fields 0..56 */
        put16(b, 6, 12);                          /* table size */
        put16(b, 8, 4);                           /* name (id 0) at +4 */
        put16(b, 8 + 2 * 56, 8);                  /* wides (id 56) at +8 */
        put32(b, 124, 120);                       /* soffset to the vtable */
        put32(b, 128, 160 - 128);                 /* name: "a" at 160 */
        put32(b, 132, vec - 132);
        put32(b, vec, 1); /* one Wide */
        uint64_t lo = 42;
        std::memcpy(b + vec + 4, &lo, 8);
        put32(b, 160, 1);
        b[164] = 'a';
        const size_t len = 168;
        CHECK(Zoo_Animal_verify(b, len) == (aligned ? 0 : MYL_EFBALIGN));
        myl_fb_verify_opts o = {sizeof o, MYL_FB_VERIFY_NO_ALIGN, 0, 0, nullptr};
        CHECK(Zoo_Animal_verify_with(b, len, &o, nullptr) == 0);
        if (aligned)
            CHECK(Zoo_Animal_wides_len(Zoo_Animal_root(b)) == 1 &&
                  Zoo_Animal_wides_at(Zoo_Animal_root(b), 0)->lo == 42);
    }
}

/* ---- nested buffers' structs aligned in memory ---- */

/* An Animal holding a Wide (aligned to 16) alone and in a vector, and a
 * Pose (aligned to 8), built by flatc's builder; with `inner` set, also a
 * twin holding `inner` (aligned as flatc's JSON parser does it). */
static void flatc_animal(flatbuffers::FlatBufferBuilder &fbb, const std::vector<uint8_t> *inner)
{
    auto name = fbb.CreateString("in");
    std::vector<Zoo::Types::Wide> ws{Zoo::Types::Wide(1, 2)};
    auto wides = fbb.CreateVectorOfStructs(ws);
    flatbuffers::Offset<flatbuffers::Vector<uint8_t>> twin;
    if (inner) {
        fbb.ForceVectorAlignment(inner->size(), 1, 16);
        twin = fbb.CreateVector(inner->data(), inner->size());
    }
    Zoo::Types::Wide wide(7, 1);
    Zoo::Types::Pose pose;
    Zoo::AnimalBuilder a(fbb);
    a.add_name(name);
    a.add_wide(&wide);
    a.add_wides(wides);
    a.add_pose(&pose);
    if (inner)
        a.add_twin(twin);
    fbb.Finish(a.Finish(), Zoo::AnimalIdentifier());
}

/* An outer Animal whose twin holds `inner`, built by flatc's builder
 * before a string of 4 * pad bytes (which moves the twin's bytes by 4 a
 * step relative to the buffer's start), its bytes aligned to 16
 * (ForceVectorAlignment(), as flatc's JSON parser does for a
 * nested_flatbuffer) or not (CreateVector() alone: 4-aligned). Copied to
 * a 32-aligned buffer. */
static size_t flatc_outer(uint8_t *out, const std::vector<uint8_t> &inner, unsigned pad, bool force)
{
    flatbuffers::FlatBufferBuilder fbb;
    if (force)
        fbb.ForceVectorAlignment(inner.size(), 1, 16);
    auto twin = fbb.CreateVector(inner.data(), inner.size());
    auto name = fbb.CreateString(std::string(4 * pad, 'p'));
    Zoo::AnimalBuilder a(fbb);
    a.add_name(name);
    a.add_twin(twin);
    fbb.Finish(a.Finish(), Zoo::AnimalIdentifier());
    std::memcpy(out, fbb.GetBufferPointer(), fbb.GetSize());
    return fbb.GetSize();
}

/* Where the Wide of the innermost twin lies, relative to the buffer. */
static size_t wide_at(const uint8_t *buf, unsigned levels)
{
    Zoo_Animal_table t = Zoo_Animal_root(buf);
    for (unsigned i = 0; i < levels; i++)
        t = Zoo_Animal_twin_nested_root(t);
    return static_cast<size_t>(reinterpret_cast<const uint8_t *>(Zoo_Animal_wide(t)) - buf);
}

/* A nested buffer is verified relative to its own start (as flatc's
 * VerifyNestedFlatBuffer()), but our readers hand out typed pointers to
 * its structs: with alignment checks on, its structs aligned above 4 must
 * also be aligned in memory, that is relative to the outermost buffer.
 * flatc's builder places a nested buffer's bytes 4-aligned unless told
 * (ForceVectorAlignment(); its JSON parser does): then its Wide can sit at
 * 4, 8 or 12 mod 16 in memory. Such a buffer is refused (MYL_EFBALIGN; flatc's
 * verifier accepts it) and accepted without alignment checks; aligned, it
 * is accepted and read in place; the same one level deeper (a twin
 * aligned inside a twin that is not). And our builder (T_create_f) places
 * the bytes at the alignment the nested type needs, wherever its buffer
 * puts them. */
static void test_nested_alignment()
{
    flatbuffers::FlatBufferBuilder ib;
    flatc_animal(ib, nullptr);
    const std::vector<uint8_t> inner(ib.GetBufferPointer(), ib.GetBufferPointer() + ib.GetSize());
    flatbuffers::FlatBufferBuilder mb;
    flatc_animal(mb, &inner);
    const std::vector<uint8_t> middle(mb.GetBufferPointer(), mb.GetBufferPointer() + mb.GetSize());
    alignas(32) static uint8_t buf[4096];
    myl_fb_verify_opts noalign = {sizeof noalign, MYL_FB_VERIFY_NO_ALIGN, 0, 0, nullptr};
    unsigned misaligned[3] = {0, 0, 0};
    for (unsigned levels = 1; levels <= 2; levels++)
        for (unsigned pad = 0; pad < 4; pad++)
            for (int force = 0; force < 2; force++) {
                size_t n = flatc_outer(buf, levels == 1 ? inner : middle, pad, force != 0);
                CHECK(theirs_ok(buf, n));
                bool aligned = wide_at(buf, levels) % 16 == 0;
                CHECK(aligned || !force);
                misaligned[levels] += !aligned;
                CHECK(Zoo_Animal_verify_buffer(buf, n) == (aligned ? 0 : MYL_EFBALIGN));
                CHECK(Zoo_Animal_verify_with(buf, n, &noalign, nullptr) == 0);
                if (aligned)
                    CHECK(Zoo_Animal_wides_at(Zoo_Animal_twin_nested_root(Zoo_Animal_root(buf)), 0)
                              ->lo == 1);
            }
    CHECK(misaligned[1] && misaligned[2]); /* the test meets the case, at both levels */

    /* ours: the inner Animal built by our builder, nested at every
     * offset modulo 16 its outer buffer can give it */
    alignas(32) static uint8_t ir[1024], orr[4096];
    myl_fb_builder b;
    myl_fb_builder_init(&b, ir, sizeof ir, nullptr, 0);
    myl_fb_ref name = 0, wides = 0, root = 0;
    Zoo_Types_Wide wd, w1;
    std::memset(&wd, 0, sizeof wd);
    std::memset(&w1, 0, sizeof w1);
    wd.lo = 7;
    w1.lo = 1;
    CHECK(myl_fb_create_string(&b, "in", 2, &name) == 0);
    CHECK(Zoo_Animal_create_wides(&b, &w1, 1, &wides) == 0);
    Zoo_Animal_start(&b);
    Zoo_Animal_add_name(&b, name);
    Zoo_Animal_add_wide(&b, &wd);
    Zoo_Animal_add_wides(&b, wides);
    CHECK(Zoo_Animal_end(&b, &root) == 0);
    myl_fb_msg m;
    CHECK(myl_fb_finish(&b, root, nullptr, 0, &m) == 0);
    const std::vector<uint8_t> ours_inner(m.data, m.data + m.len);
    for (unsigned pad = 0; pad < 4; pad++) {
        myl_fb_builder_init(&b, orr, sizeof orr, nullptr, 0);
        myl_fb_ref twin = 0;
        std::string p(4 * pad, 'p');
        CHECK(Zoo_Animal_create_twin(&b, ours_inner.data(), ours_inner.size(), &twin) == 0);
        CHECK(myl_fb_create_string(&b, p.data(), p.size(), &name) == 0);
        Zoo_Animal_start(&b);
        Zoo_Animal_add_name(&b, name);
        Zoo_Animal_add_twin(&b, twin);
        CHECK(Zoo_Animal_end(&b, &root) == 0);
        CHECK(Zoo_Animal_finish_buffer(&b, root, 0, &m) == 0);
        std::memcpy(buf, m.data, m.len);
        CHECK(wide_at(buf, 1) % 16 == 0);
        CHECK(Zoo_Animal_verify_buffer(buf, m.len) == 0 && theirs_ok(buf, m.len));
        CHECK(Zoo_Animal_wide(Zoo_Animal_twin_nested_root(Zoo_Animal_root(buf)))->lo == 7);
    }
}

/* Nested buffers built by levels: each level a chain of L Animals
 * (parent links), the first built (the deepest of the chain) or all of
 * them with `twin` set to the same [ubyte] vector holding the level
 * below. */
static std::vector<uint8_t> nested_levels(unsigned levels, unsigned chain, bool all_twins)
{
    alignas(32) static uint8_t region[1 << 20], arena[1 << 20]; /* twin: aligned to 16 */
    std::vector<uint8_t> inner;
    for (unsigned k = 0; k < levels; k++) {
        myl_fb_builder b;
        myl_fb_builder_init(&b, region, sizeof region, arena, sizeof arena);
        myl_fb_ref name = 0, twin = 0, prev = 0;
        CHECK(myl_fb_create_string(&b, "x", 1, &name) == 0);
        if (!inner.empty())
            CHECK(Zoo_Animal_create_twin(&b, inner.data(), inner.size(), &twin) == 0);
        for (unsigned i = 0; i < chain; i++) {
            Zoo_Animal_start(&b);
            Zoo_Animal_add_name(&b, name);
            if (twin && (all_twins || i == 0))
                Zoo_Animal_add_twin(&b, twin);
            if (prev)
                Zoo_Animal_add_parent(&b, prev);
            CHECK(Zoo_Animal_end(&b, &prev) == 0);
        }
        myl_fb_msg m;
        CHECK(myl_fb_finish(&b, prev, nullptr, 0, &m) == 0);
        const uint8_t *d = static_cast<const uint8_t *>(m.data);
        inner.assign(d, d + m.len);
    }
    return inner;
}

/* The verifier's work on nested buffers: every field pointing at a
 * nested buffer verifies it again, and each nested verifier used to count
 * its tables against a limit of its own, so levels of 60 Animals all
 * pointing at the next level took 60^levels table visits (4 levels, 29
 * KB: 2 s; 5 levels: two minutes) and were accepted. The tables of nested
 * buffers now count against the outer limit: refused, at once. And the
 * depth of all nested buffers together is capped at
 * MYL_FB_MAX_DEPTH_LIMIT (64 nested buffers of 64 levels each recursed
 * 4,096 tables deep): 17 levels of a 60-Animal chain (1,020 deep) pass,
 * 18 do not. */
static void test_nested_work()
{
    std::vector<uint8_t> wide = nested_levels(4, 60, true);
    alignas(16) static uint8_t buf[1 << 20];
    CHECK(wide.size() <= sizeof buf);
    std::memcpy(buf, wide.data(), wide.size());
    CHECK(Zoo_Animal_verify(buf, wide.size()) == MYL_EFBTABLES);
    std::vector<uint8_t> ok = nested_levels(2, 60, true); /* 3,660 tables */
    std::memcpy(buf, ok.data(), ok.size());
    CHECK(Zoo_Animal_verify(buf, ok.size()) == 0);
    std::vector<uint8_t> deep = nested_levels(17, 60, false);
    std::memcpy(buf, deep.data(), deep.size());
    CHECK(Zoo_Animal_verify(buf, deep.size()) == 0);
    deep = nested_levels(18, 60, false);
    std::memcpy(buf, deep.data(), deep.size());
    CHECK(Zoo_Animal_verify(buf, deep.size()) == MYL_EFBDEPTH);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s FLATC_BUFFER OUR_BUFFER_OUT FLATC_SIZE_PREFIXED\n",
                     argv[0]);
        return 2;
    }
    std::ifstream in(argv[1], std::ios::binary);
    std::vector<uint8_t> theirs((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
    CHECK(theirs.size() >= 12);
    CHECK(theirs_ok(theirs.data(), theirs.size()));
    CHECK(ours_ok(theirs.data(), theirs.size()));
    if (g_failures)
        return 1;
    /* 1. our readers on flatc's buffer */
    Zoo_Animal_table root = Zoo_Animal_root(theirs.data());
    cmp_animal(root, Zoo::GetAnimal(theirs.data()), 0);
    /* the JSON sets union, recursion and vectors: make sure they are read */
    CHECK(Zoo_Animal_care_type(root) == Zoo_Care_Feed);
    CHECK(Zoo_Animal_care_type(Zoo_Animal_parent(root)) == Zoo_Care_Keeper);
    CHECK(Zoo_Animal_parent(Zoo_Animal_parent(root)).t != nullptr);
    CHECK(Zoo_Animal_poses_len(root) == 2 && Zoo_Animal_keepers_len(root) == 3);
    /* sorted by flatc (from JSON given out of order): found by key */
    CHECK(Zoo_Ration_id(Zoo_Animal_rations_at(root, 0)) == INT16_MIN);
    CHECK(Zoo_Ration_kg(Zoo_Animal_rations_lookup_by_key(root, 0)) == 3.0f);
    CHECK(Zoo_Ration_kg(Zoo_Animal_rations_lookup_by_key(root, 7)) == 1.0f);
    CHECK(Zoo_Animal_rations_lookup_by_key(root, 8).t == nullptr);
    Zoo_Enclosure_table home = Zoo_Animal_home(root); /* structs sorted by key */
    CHECK(Zoo_Enclosure_stalls_len(home) == 5 &&
          Zoo_Enclosure_stalls_at(home, 0)->num == INT32_MIN);
    CHECK(Zoo_Enclosure_stalls_lookup_by_key(home, 7) &&
          Zoo_Enclosure_stalls_lookup_by_key(home, 7)->width == 4.0f);
    CHECK(Zoo_Enclosure_stalls_lookup_by_key(home, 8) == nullptr);
    CHECK(Zoo_Keeper_years(Zoo_Animal_keepers_lookup_by_key(root, "Ann", 3)) == 12);
    CHECK(Zoo_Animal_keepers_lookup_by_key(root, "A", 1).t == nullptr);
    test_lookup_lengths();
    test_lookup_absent();
    test_nested_work();
    test_struct_vector_alignment();
    test_nested_alignment();
    CHECK(Zoo_Animal_keepers_lookup_by_key(Zoo_Animal_parent(root), "Ann", 3).t == nullptr);
    /* nested buffers, two deep, and a sorted vector inside */
    Zoo_Animal_table twin = Zoo_Animal_twin_nested_root(root);
    CHECK(Zoo_Animal_v_int(twin) == 9 && Zoo_Animal_keepers_len(twin) == 2);
    CHECK(Zoo_Animal_rations_lookup_by_key(Zoo_Animal_twin_nested_root(twin), 4).t != nullptr);
    CHECK(Zoo_Keeper_years(Zoo_Animal_badge_nested_root(root)) == 3);
    CHECK(Zoo_Animal_wide(root) && Zoo_Animal_wide(root)->hi == -5 &&
          Zoo_Animal_wides_len(root) == 3);
    CHECK((reinterpret_cast<uintptr_t>(Zoo_Animal_wide(root)) -
           reinterpret_cast<uintptr_t>(theirs.data())) %
              16 ==
          0);
    CHECK(Zoo_Animal_extra_type(root) == 9 && Zoo_Animal_extra_as_Boss(root).t == nullptr);
    CHECK(Zoo_Keeper_years(Zoo_Animal_extra_as_Helper(root)) == 2);
    CHECK(Zoo_Animal_pets_len(root) == 5 && Zoo_Animal_pets_type_at(root, 1) == Zoo_Extra_Feed);
    CHECK(Zoo_Feed_kg(Zoo_Animal_pets_at_as_Feed(root, 1)) == 0.5f);
    CHECK(Zoo_Animal_pets_at_as_Feed(root, 0).t == nullptr);
    CHECK(Zoo_Animal_pets_at_as_Memo(root, 3).len == 6);
    CHECK(Zoo_Animal_pets_at_as_Pin(root, 4) && Zoo_Animal_pets_at_as_Pin(root, 4)->y == -3.0f);
    Zoo_Animal_table gp = Zoo_Animal_parent(Zoo_Animal_parent(root));
    CHECK(Zoo_Animal_extra_as_Pin(gp) && Zoo_Animal_extra_as_Pin(gp)->x == -1.0f);
    CHECK(std::strcmp(Zoo_Animal_extra_as_Memo(Zoo_Animal_parent(root)).ptr, "remember") == 0);
    CHECK(Zoo_Animal_twin_nested_root(Zoo_Animal_parent(root)).t == nullptr);
    /* defaults nan, inf, -inf where absent; the values where present */
    CHECK(std::isnan(Zoo_Animal_v_nan(root)) && std::isinf(Zoo_Animal_v_ninf(root)) &&
          Zoo_Animal_v_ninf(root) < 0);
    CHECK(Zoo_Animal_v_inf(root) == 5.5 && Zoo_Animal_v_nan64(root) == 1.0);
    CHECK(std::isinf(Zoo_Animal_v_inf(Zoo_Animal_parent(root))));
    /* optional scalars: set to 0 / false / a zero enum is present, never
     * set is absent; bit_flags are combinations of 1 << position */
    CHECK(Zoo_Animal_has_o_int(root) && Zoo_Animal_o_int(root) == 0);
    CHECK(Zoo_Animal_has_o_bool(root) && Zoo_Animal_has_o_gait(root));
    CHECK(!Zoo_Animal_has_o_absent(root) && !Zoo_Animal_has_o_int(Zoo_Animal_parent(root)));
    CHECK(Zoo_Animal_marks(root) == (Zoo_Types_Marks_Spots | Zoo_Types_Marks_Patches));
    CHECK(Zoo_Types_Marks_Stripes == 8 && Zoo_Types_Marks_Patches == 16);
    CHECK(Zoo_Animal_marks(Zoo_Animal_parent(root)) == Zoo_Types_Marks_Spots);

    /* 2. copied through our readers and builders */
    alignas(32) static uint8_t region[1 << 16]; /* Wide: aligned to 16 */
    myl_fb_builder b;
    myl_fb_builder_init(&b, region, sizeof region, nullptr, 0);
    myl_fb_ref r = copy_animal(&b, root);
    myl_fb_msg msg;
    int rc = Zoo_Animal_finish_buffer(&b, r, 0, &msg);
    CHECK(rc == 0);
    if (rc != 0)
        return 1;
    std::vector<uint8_t> ours(static_cast<const uint8_t *>(msg.data),
                              static_cast<const uint8_t *>(msg.data) + msg.len);
    CHECK(theirs_ok(ours.data(), ours.size()));
    CHECK(ours_ok(ours.data(), ours.size()));
    CHECK(Zoo::AnimalBufferHasIdentifier(ours.data()));
    CHECK(std::strcmp(ZOO_FILE_IDENTIFIER, Zoo::AnimalIdentifier()) == 0);
    CHECK(std::strcmp(ZOO_FILE_EXTENSION, Zoo::AnimalExtension()) == 0);
    /* another identifier: refused by both, accepted without the check */
    std::vector<uint8_t> other(ours);
    other[4] = 'X';
    CHECK(!ours_ok(other.data(), other.size()) && !theirs_ok(other.data(), other.size()));
    CHECK(Zoo_Animal_verify_buffer(other.data(), other.size()) == MYL_EFBIDENT);
    CHECK(Zoo_Animal_verify(other.data(), other.size()) == 0);
    cmp_animal(Zoo_Animal_root(ours.data()), Zoo::GetAnimal(ours.data()), 0);
    cmp_animal(Zoo_Animal_root(theirs.data()), Zoo::GetAnimal(ours.data()), 0);
    std::ofstream out(argv[2], std::ios::binary);
    out.write(reinterpret_cast<const char *>(ours.data()), static_cast<long>(ours.size()));
    out.close();
    CHECK(out.good());

    compact_optional();

    /* 3. verifier agreement */
    mutate(theirs, "flatc's buffer");
    mutate(ours, "our buffer");

    /* 4. size-prefixed: flatc's (flatc -b --size-prefixed) read by ours,
     * ours (tail and at front) read by flatc, then both mutated */
    std::ifstream spin(argv[3], std::ios::binary);
    std::vector<uint8_t> sp_theirs((std::istreambuf_iterator<char>(spin)),
                                   std::istreambuf_iterator<char>());
    g_size_prefixed = true;
    CHECK(ours_ok(sp_theirs.data(), sp_theirs.size()) &&
          theirs_ok(sp_theirs.data(), sp_theirs.size()));
    CHECK(Zoo_Animal_verify_buffer(sp_theirs.data(), sp_theirs.size()) != 0);
    cmp_animal(Zoo_Animal_size_prefixed_root(sp_theirs.data()),
               Zoo::GetSizePrefixedAnimal(sp_theirs.data()), 0);
    CHECK(Zoo_Ration_kg(Zoo_Animal_rations_lookup_by_key(
              Zoo_Animal_size_prefixed_root(sp_theirs.data()), -1)) == 1.5f);
    std::vector<uint8_t> sp_ours;
    for (unsigned flags : {0u, static_cast<unsigned>(MYL_FB_FINISH_AT_FRONT)}) {
        alignas(32) static uint8_t spregion[1 << 16];
        myl_fb_builder_init(&b, spregion, sizeof spregion, nullptr, 0);
        r = copy_animal(&b, root);
        CHECK(Zoo_Animal_finish_buffer(&b, r, flags | MYL_FB_FINISH_SIZE_PREFIX, &msg) == 0);
        CHECK(ours_ok(msg.data, msg.len) && theirs_ok(msg.data, msg.len));
        CHECK(flatbuffers::GetPrefixedSize(msg.data) == msg.len - 4);
        cmp_animal(Zoo_Animal_size_prefixed_root(msg.data), Zoo::GetSizePrefixedAnimal(msg.data),
                   0);
        cmp_animal(Zoo_Animal_root(theirs.data()), Zoo::GetSizePrefixedAnimal(msg.data), 0);
        if (!flags)
            sp_ours.assign(msg.data, msg.data + msg.len);
    }
    mutate(sp_theirs, "flatc's size-prefixed buffer");
    mutate(sp_ours, "our size-prefixed buffer");
    g_size_prefixed = false;
    if (g_failures) {
        std::fprintf(stderr, "%d failures\n", g_failures);
        return 1;
    }
    std::printf("ok: %zu-byte flatc buffer, %zu-byte copy\n", theirs.size(), ours.size());
    return 0;
}
#endif
