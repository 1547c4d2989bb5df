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
        for (uint32_t i = 0; i < Zoo_Animal_poses_len(o) && i < t->poses()->size(); i++)
            cmp_pose(Zoo_Animal_poses_at(o, i), t->poses()->Get(i));
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
        for (uint32_t i = 0; i < Zoo_Animal_keepers_len(o) && i < t->keepers()->size(); i++)
            cmp_keeper(Zoo_Animal_keepers_at(o, i), t->keepers()->Get(i));
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
}

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
    myl_fb_ref label = copy_str(b, Zoo_Enclosure_label(t)), corners = 0, r = 0;
    if (Zoo_Enclosure_has_corners(t)) {
        std::vector<Zoo_Types_Point> v;
        for (uint32_t i = 0; i < Zoo_Enclosure_corners_len(t); i++)
            v.push_back(*Zoo_Enclosure_corners_at(t, i));
        Zoo_Enclosure_create_corners(b, v.data(), v.size(), &corners);
    }
    Zoo_Enclosure_start(b);
    if (label)
        Zoo_Enclosure_add_label(b, label);
    Zoo_Enclosure_add_area(b, Zoo_Enclosure_area(t));
    if (corners)
        Zoo_Enclosure_add_corners(b, corners);
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

static myl_fb_ref copy_animal(myl_fb_builder *b, Zoo_Animal_table t)
{
    if (!t.t)
        return 0;
    myl_fb_ref name = copy_str(b, Zoo_Animal_name(t));
    myl_fb_ref legs = 0, chip = 0, weights = 0, gaits = 0, poses = 0, nicknames = 0, keepers = 0,
               care = 0, home = 0, parent = 0, tag = 0, r = 0;
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
    if (Zoo_Animal_has_keepers(t)) {
        std::vector<myl_fb_ref> v;
        for (uint32_t i = 0; i < Zoo_Animal_keepers_len(t); i++)
            v.push_back(copy_keeper(b, Zoo_Animal_keepers_at(t, i)));
        Zoo_Animal_create_keepers(b, v.data(), v.size(), &keepers);
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
    Zoo_Animal_add_v_nan(b, Zoo_Animal_v_nan(t));
    Zoo_Animal_add_v_inf(b, Zoo_Animal_v_inf(t));
    Zoo_Animal_add_v_ninf(b, Zoo_Animal_v_ninf(t));
    Zoo_Animal_add_v_nan64(b, Zoo_Animal_v_nan64(t));
    Zoo_Animal_end(b, &r);
    return r;
}

/* ---- verifier agreement ---- */

/* With the file identifier (root_type, file_identifier): flatc's
 * VerifyAnimalBuffer() and our Zoo_Animal_verify_buffer(). */
static bool theirs_ok(const uint8_t *p, size_t n)
{
    flatbuffers::Verifier v(p, n);
    return Zoo::VerifyAnimalBuffer(v);
}

static bool ours_ok(const uint8_t *p, size_t n)
{
    return Zoo_Animal_verify_buffer(p, n) == 0;
}

static unsigned mutate(const std::vector<uint8_t> &buf, const char *what)
{
    unsigned cases = 0, disagree = 0;
    std::vector<uint8_t> m(buf);
    for (size_t i = 0; i < buf.size(); i++)
        for (unsigned bit = 0; bit < 8; bit++) {
            m[i] ^= static_cast<uint8_t>(1u << bit);
            bool a = ours_ok(m.data(), m.size()), b = theirs_ok(m.data(), m.size());
            if (a != b && disagree++ < 5)
                std::fprintf(stderr, "%s: byte %zu bit %u: ours %d, flatc %d\n", what, i, bit, a,
                             b);
            if (a && b)
                cmp_animal(Zoo_Animal_root(m.data()), Zoo::GetAnimal(m.data()), 0);
            m[i] = buf[i];
            cases++;
        }
    for (size_t n = 0; n < buf.size(); n++) {
        std::vector<uint8_t> t(buf.begin(), buf.begin() + static_cast<long>(n));
        bool a = ours_ok(t.data(), n), b = theirs_ok(t.data(), n);
        if (a != b && disagree++ < 5)
            std::fprintf(stderr, "%s: truncated to %zu: ours %d, flatc %d\n", what, n, a, b);
        cases++;
    }
    std::printf("%s: %u mutations, %u disagreements\n", what, cases, disagree);
    CHECK(disagree == 0);
    return cases;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s FLATC_BUFFER OUR_BUFFER_OUT\n", argv[0]);
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
    CHECK(Zoo_Animal_poses_len(root) == 2 && Zoo_Animal_keepers_len(root) == 2);
    /* defaults nan, inf, -inf where absent; the values where present */
    CHECK(std::isnan(Zoo_Animal_v_nan(root)) && std::isinf(Zoo_Animal_v_ninf(root)) &&
          Zoo_Animal_v_ninf(root) < 0);
    CHECK(Zoo_Animal_v_inf(root) == 5.5 && Zoo_Animal_v_nan64(root) == 1.0);
    CHECK(std::isinf(Zoo_Animal_v_inf(Zoo_Animal_parent(root))));

    /* 2. copied through our readers and builders */
    static uint8_t region[1 << 16];
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

    /* 3. verifier agreement */
    mutate(theirs, "flatc's buffer");
    mutate(ours, "our buffer");
    if (g_failures) {
        std::fprintf(stderr, "%d failures\n", g_failures);
        return 1;
    }
    std::printf("ok: %zu-byte flatc buffer, %zu-byte copy\n", theirs.size(), ours.size());
    return 0;
}
