/* The C that myelonc generates for tests/gen/fb/fbgen.myl against the C++
 * that flatc generates from myelonc's --emit-fbs output of the same schema:
 *   1. a buffer built with our generated builders is accepted by
 *      flatbuffers::Verifier and read by flatc's accessors with the values
 *      we wrote (and by our generated readers);
 *   2. a buffer built with flatc's generated builders is accepted by our
 *      generated verifier and read by our generated readers with the values
 *      flatc wrote;
 *   3. on truncations and bit flips of both buffers our generated verifier
 *      accepts exactly what the official one accepts (the point: the
 *      generated descriptors describe the schema flatc compiled).
 * The expected values are written once (struct Sample) and fed to both
 * builders. */
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "fbgen.myl.h"
#include "fbgen_generated.h"

static int g_failures;

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c);             \
            g_failures++;                                                                          \
        }                                                                                          \
    } while (0)

/* ---- the sample ---------------------------------------------------------- */

struct Spot {
    float x, y, z;
    int16_t a;
    int8_t b;
    int64_t big;
};

static const uint8_t k_inventory[] = {0, 1, 250, 255};
static const int64_t k_values[] = {-1, INT64_C(9007199254740993), INT64_MIN};
static const double k_doubles[] = {0.5, -1.25, 1e300};
static const Spot k_spots[] = {{1.0f, 2.0f, 3.0f, -7, 9, INT64_C(-123456789012)},
                               {-0.5f, 0.25f, 8.0f, 32767, -128, INT64_C(4611686018427387904)}};
static const Spot k_pos = {10.5f, -20.25f, 30.0f, -300, 100, INT64_C(1099511627776)};
static const char *const k_tags[] = {"alpha", "", "gamma \xce\xb4"};
static const int8_t k_colors[] = {fbgen_Color_RED, fbgen_Color_BLUE, fbgen_Color_GREEN};
static const bool k_flags[] = {true, false, true};
static const uint16_t k_levels[] = {fbgen_Level_LOW, fbgen_Level_HIGH};
/* i16v and u32v keep their defaults (not written by either builder). */
static const bool k_flag = false;
static const int8_t k_i8 = -100;
static const uint8_t k_u8 = 0;
static const uint16_t k_u16 = 1;
static const int32_t k_i32 = INT32_MIN;
static const int64_t k_i64 = INT64_MIN;
static const uint64_t k_u64 = UINT64_MAX;
static const float k_f32 = 0.5f;
static const double k_f64 = -1e-300;
static const char *const k_name = "Orc Chieftain";

#define N(a) (sizeof(a) / sizeof((a)[0]))

static fbgen_Vec3 c_vec3(const Spot &s)
{
    fbgen_Vec3 v;
    std::memset(&v, 0, sizeof v);
    v.x = s.x;
    v.y = s.y;
    v.z = s.z;
    v.inner.a = s.a;
    v.inner.b = s.b;
    v.big = s.big;
    return v;
}

/* ---- building with our generated C ---------------------------------------- */

static std::vector<uint64_t> g_region(1 << 13);

/* The sample's name and vectors, built the same way for both builds of
 * ours. */
struct Lists {
    myl_fb_ref tags, name, inventory, values, doubles, spots, colors, flags, levels;
};

static void build_lists(myl_fb_builder *b, Lists *l)
{
    myl_fb_ref t[N(k_tags)];
    for (size_t i = 0; i < N(k_tags); i++)
        myl_fb_create_string(b, k_tags[i], std::strlen(k_tags[i]), &t[i]);
    fbgen_Monster_create_tags(b, t, N(k_tags), &l->tags);
    myl_fb_create_string(b, k_name, std::strlen(k_name), &l->name);
    fbgen_Monster_create_inventory(b, k_inventory, N(k_inventory), &l->inventory);
    fbgen_Monster_create_values(b, k_values, N(k_values), &l->values);
    fbgen_Monster_create_doubles(b, k_doubles, N(k_doubles), &l->doubles);
    fbgen_Vec3 sp[N(k_spots)];
    for (size_t i = 0; i < N(k_spots); i++)
        sp[i] = c_vec3(k_spots[i]);
    fbgen_Monster_create_spots(b, sp, N(k_spots), &l->spots);
    fbgen_Color cs[N(k_colors)];
    for (size_t i = 0; i < N(k_colors); i++)
        cs[i] = k_colors[i];
    fbgen_Monster_create_colors(b, cs, N(cs), &l->colors);
    fbgen_Monster_create_flags(b, k_flags, N(k_flags), &l->flags);
    fbgen_Level ls[N(k_levels)];
    for (size_t i = 0; i < N(k_levels); i++)
        ls[i] = k_levels[i];
    fbgen_Monster_create_levels(b, ls, N(ls), &l->levels);
}

static std::vector<uint8_t> build_ours()
{
    myl_fb_builder *b = new myl_fb_builder;
    myl_fb_builder_init(b, g_region.data(), g_region.size() * 8, NULL, 0);
    myl_fb_ref rat_name, rat, wood, shield_tags, shield, axe_name, w[2], weapons, root;
    Lists l;
    myl_fb_create_string(b, "Rat", 3, &rat_name);
    fbgen_Monster_start(b);
    fbgen_Monster_add_name(b, rat_name);
    fbgen_Monster_add_flag(b, false);
    fbgen_Monster_end(b, &rat);

    myl_fb_create_string(b, "wood", 4, &wood);
    fbgen_Shield_create_tags(b, &wood, 1, &shield_tags);
    fbgen_Shield_start(b);
    fbgen_Shield_add_armor(b, 9);
    fbgen_Shield_add_tags(b, shield_tags);
    fbgen_Shield_end(b, &shield);

    myl_fb_create_string(b, "Axe", 3, &axe_name);
    fbgen_Weapon_start(b);
    fbgen_Weapon_add_name(b, axe_name);
    fbgen_Weapon_add_damage(b, 30);
    fbgen_Weapon_end(b, &w[0]);
    fbgen_Weapon_start(b);
    fbgen_Weapon_add_damage(b, 7); /* the default: not written */
    fbgen_Weapon_end(b, &w[1]);
    fbgen_Monster_create_weapons(b, w, 2, &weapons);

    build_lists(b, &l);

    fbgen_Vec3 pos = c_vec3(k_pos);
    fbgen_Monster_start(b);
    fbgen_Monster_add_flag(b, k_flag);
    fbgen_Monster_add_i8v(b, k_i8);
    fbgen_Monster_add_u8v(b, k_u8);
    fbgen_Monster_add_i16v(b, -1600);
    fbgen_Monster_add_u16v(b, k_u16);
    fbgen_Monster_add_i32v(b, k_i32);
    fbgen_Monster_add_u32v(b, 4000000000u);
    fbgen_Monster_add_i64v(b, k_i64);
    fbgen_Monster_add_u64v(b, k_u64);
    fbgen_Monster_add_f32v(b, k_f32);
    fbgen_Monster_add_f64v(b, k_f64);
    fbgen_Monster_add_color(b, fbgen_Color_BLUE);
    fbgen_Monster_add_level(b, fbgen_Level_HIGH);
    fbgen_Monster_add_name(b, l.name);
    fbgen_Monster_add_pos(b, &pos);
    fbgen_Monster_add_inventory(b, l.inventory);
    fbgen_Monster_add_values(b, l.values);
    fbgen_Monster_add_doubles(b, l.doubles);
    fbgen_Monster_add_spots(b, l.spots);
    fbgen_Monster_add_tags(b, l.tags);
    fbgen_Monster_add_weapons(b, weapons);
    fbgen_Monster_add_equipped(b, fbgen_Equipment_Shield, shield);
    fbgen_Monster_add_enemy(b, rat);
    fbgen_Monster_add_colors(b, l.colors);
    fbgen_Monster_add_flags(b, l.flags);
    fbgen_Monster_add_levels(b, l.levels);
    fbgen_Monster_end(b, &root);
    myl_fb_msg m;
    int rc = fbgen_Monster_finish(b, root, NULL, 0, &m);
    CHECK(rc == 0);
    delete b;
    if (rc)
        return std::vector<uint8_t>();
    return std::vector<uint8_t>(m.data, m.data + m.len);
}

/* The same sample built with the generated T_create()s, which write every
 * scalar (defaults too) and leave a 0 reference or NULL struct absent:
 * in a region of region_bytes with an arena, so that, over a range of
 * sizes, the move to the arena falls on each T_create() in turn. */
static std::vector<uint8_t> build_created(size_t region_bytes)
{
    myl_fb_builder *b = new myl_fb_builder;
    std::vector<uint64_t> arena(1 << 13);
    myl_fb_builder_init(b, g_region.data(), region_bytes, arena.data(), arena.size() * 8);
    myl_fb_ref rat_name, rat, wood, shield_tags, shield, axe_name, w[2], weapons, root;
    Lists l;
    myl_fb_create_string(b, "Rat", 3, &rat_name);
    /* the rat: its name and flag, every other scalar its default */
    fbgen_Monster_create(b, false, -8, 200, -1600, 60000, -320000, 4000000000u,
                         INT64_C(-6400000000), UINT64_C(18000000000000000000), 3.5f, -2.25,
                         fbgen_Color_GREEN, fbgen_Level_MID, rat_name, NULL, 0, 0, 0, 0, 0, 0,
                         fbgen_Equipment_NONE, 0, 0, 0, 0, 0, &rat);
    myl_fb_create_string(b, "wood", 4, &wood);
    fbgen_Shield_create_tags(b, &wood, 1, &shield_tags);
    fbgen_Shield_create(b, 9, shield_tags, &shield);
    myl_fb_create_string(b, "Axe", 3, &axe_name);
    fbgen_Weapon_create(b, axe_name, 30, &w[0]);
    fbgen_Weapon_create(b, 0, 7, &w[1]);
    fbgen_Monster_create_weapons(b, w, 2, &weapons);
    build_lists(b, &l);
    fbgen_Vec3 pos = c_vec3(k_pos);
    int rc = fbgen_Monster_create(
        b, k_flag, k_i8, k_u8, -1600, k_u16, k_i32, 4000000000u, k_i64, k_u64, k_f32, k_f64,
        fbgen_Color_BLUE, fbgen_Level_HIGH, l.name, &pos, l.inventory, l.values, l.doubles, l.spots,
        l.tags, weapons, fbgen_Equipment_Shield, shield, rat, l.colors, l.flags, l.levels, &root);
    CHECK(rc == 0);
    myl_fb_msg m;
    rc = fbgen_Monster_finish(b, root, NULL, 0, &m);
    CHECK(rc == 0);
    std::vector<uint8_t> r;
    if (rc == 0)
        r.assign(m.data, m.data + m.len);
    delete b;
    return r;
}

/* What T_create() does differently: defaults present, absent fields
 * absent, and a reference to no finished object refused. */
static void check_created(const uint8_t *p)
{
    fbgen_Monster_table m = fbgen_Monster_root(p);
    CHECK(fbgen_Monster_has_i16v(m) && fbgen_Monster_has_u32v(m));
    fbgen_Monster_table e = fbgen_Monster_enemy(m);
    CHECK(fbgen_Monster_has_u8v(e) && fbgen_Monster_u8v(e) == 200);
    CHECK(!fbgen_Monster_has_pos(e) && fbgen_Monster_pos(e) == NULL);
    CHECK(!fbgen_Monster_has_inventory(e) && !fbgen_Monster_has_enemy(e));
    CHECK(!fbgen_Monster_has_equipped(e) && fbgen_Monster_equipped_type(e) == fbgen_Equipment_NONE);
    fbgen_Weapon_table w1 = fbgen_Monster_weapons_at(m, 1);
    CHECK(!fbgen_Weapon_has_name(w1) && fbgen_Weapon_has_damage(w1));

    myl_fb_builder *b = new myl_fb_builder;
    myl_fb_builder_init(b, g_region.data(), 4096, NULL, 0);
    myl_fb_ref s, r = 1;
    myl_fb_create_string(b, "x", 1, &s);
    CHECK(fbgen_Weapon_create(b, s + 64, 1, &r) == MYL_EINVAL && r == 0);
    CHECK(fbgen_Weapon_create(b, s, 1, &r) == MYL_EINVAL); /* sticky */
    myl_fb_builder_reset(b);
    CHECK(fbgen_Weapon_start(b) == 0 && fbgen_Weapon_create(b, 0, 1, &r) == MYL_EINVAL);
    delete b;
}

/* ---- building with flatc's C++ ------------------------------------------- */

static fbgen::Vec3 cxx_vec3(const Spot &s)
{
    return fbgen::Vec3(s.x, s.y, s.z, fbgen::Inner(s.a, s.b), s.big);
}

static std::vector<uint8_t> build_flatc()
{
    flatbuffers::FlatBufferBuilder fbb;
    auto rat_name = fbb.CreateString("Rat");
    fbgen::MonsterBuilder rb(fbb);
    rb.add_name(rat_name);
    rb.add_flag(false);
    auto rat = rb.Finish();
    auto wood = fbb.CreateString("wood");
    auto shield_tags = fbb.CreateVector(&wood, 1);
    auto shield = fbgen::CreateShield(fbb, 9, shield_tags);
    auto axe = fbgen::CreateWeapon(fbb, fbb.CreateString("Axe"), 30);
    auto plain = fbgen::CreateWeapon(fbb, 0, 7);
    flatbuffers::Offset<fbgen::Weapon> ws[] = {axe, plain};
    auto weapons = fbb.CreateVector(ws, 2);
    std::vector<flatbuffers::Offset<flatbuffers::String>> ts;
    for (size_t i = 0; i < N(k_tags); i++)
        ts.push_back(fbb.CreateString(k_tags[i]));
    auto tags = fbb.CreateVector(ts);
    auto name = fbb.CreateString(k_name);
    auto inventory = fbb.CreateVector(k_inventory, N(k_inventory));
    auto values = fbb.CreateVector(k_values, N(k_values));
    auto doubles = fbb.CreateVector(k_doubles, N(k_doubles));
    std::vector<fbgen::Vec3> sp;
    for (size_t i = 0; i < N(k_spots); i++)
        sp.push_back(cxx_vec3(k_spots[i]));
    auto spots = fbb.CreateVectorOfStructs(sp);
    auto colors = fbb.CreateVector(k_colors, N(k_colors));
    std::vector<uint8_t> fl(k_flags, k_flags + N(k_flags));
    auto flags = fbb.CreateVector(fl);
    auto levels = fbb.CreateVector(k_levels, N(k_levels));
    fbgen::Vec3 pos = cxx_vec3(k_pos);
    fbgen::MonsterBuilder mb(fbb);
    mb.add_flag(k_flag);
    mb.add_i8v(k_i8);
    mb.add_u8v(k_u8);
    mb.add_u16v(k_u16);
    mb.add_i32v(k_i32);
    mb.add_i64v(k_i64);
    mb.add_u64v(k_u64);
    mb.add_f32v(k_f32);
    mb.add_f64v(k_f64);
    mb.add_color(fbgen::Color_BLUE);
    mb.add_level(fbgen::Level_HIGH);
    mb.add_name(name);
    mb.add_pos(&pos);
    mb.add_inventory(inventory);
    mb.add_values(values);
    mb.add_doubles(doubles);
    mb.add_spots(spots);
    mb.add_tags(tags);
    mb.add_weapons(weapons);
    mb.add_equipped_type(fbgen::Equipment_Shield);
    mb.add_equipped(shield.Union());
    mb.add_enemy(rat);
    mb.add_colors(colors);
    mb.add_flags(flags);
    mb.add_levels(levels);
    fbb.Finish(mb.Finish());
    return std::vector<uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

/* ---- reading with flatc's C++ -------------------------------------------- */

static bool official_ok(const uint8_t *p, size_t n)
{
    flatbuffers::Verifier v(p, n);
    return v.VerifyBuffer<fbgen::Monster>(nullptr);
}

static void check_cxx_vec3(const fbgen::Vec3 *v, const Spot &s)
{
    CHECK(v != nullptr);
    if (!v)
        return;
    CHECK(v->x() == s.x && v->y() == s.y && v->z() == s.z);
    CHECK(v->inner().a() == s.a && v->inner().b() == s.b);
    CHECK(v->big() == s.big);
}

static void read_flatc(const uint8_t *p, size_t n)
{
    CHECK(official_ok(p, n));
    const fbgen::Monster *m = flatbuffers::GetRoot<fbgen::Monster>(p);
    CHECK(m->flag() == k_flag);
    CHECK(m->i8v() == k_i8);
    CHECK(m->u8v() == k_u8);
    CHECK(m->i16v() == -1600);
    CHECK(m->u16v() == k_u16);
    CHECK(m->i32v() == k_i32);
    CHECK(m->u32v() == 4000000000u);
    CHECK(m->i64v() == k_i64);
    CHECK(m->u64v() == k_u64);
    CHECK(m->f32v() == k_f32);
    CHECK(m->f64v() == k_f64);
    CHECK(m->color() == fbgen::Color_BLUE);
    CHECK(m->level() == fbgen::Level_HIGH);
    CHECK(m->name() && m->name()->str() == k_name);
    check_cxx_vec3(m->pos(), k_pos);
    CHECK(m->inventory() && m->inventory()->size() == N(k_inventory));
    for (size_t i = 0; m->inventory() && i < N(k_inventory); i++)
        CHECK(m->inventory()->Get((flatbuffers::uoffset_t)i) == k_inventory[i]);
    CHECK(m->values() && m->values()->size() == N(k_values));
    for (size_t i = 0; m->values() && i < N(k_values); i++)
        CHECK(m->values()->Get((flatbuffers::uoffset_t)i) == k_values[i]);
    CHECK(m->doubles() && m->doubles()->size() == N(k_doubles));
    for (size_t i = 0; m->doubles() && i < N(k_doubles); i++)
        CHECK(m->doubles()->Get((flatbuffers::uoffset_t)i) == k_doubles[i]);
    CHECK(m->spots() && m->spots()->size() == N(k_spots));
    for (size_t i = 0; m->spots() && i < N(k_spots); i++)
        check_cxx_vec3(m->spots()->Get((flatbuffers::uoffset_t)i), k_spots[i]);
    CHECK(m->tags() && m->tags()->size() == N(k_tags));
    for (size_t i = 0; m->tags() && i < N(k_tags); i++)
        CHECK(m->tags()->Get((flatbuffers::uoffset_t)i)->str() == k_tags[i]);
    CHECK(m->weapons() && m->weapons()->size() == 2);
    if (m->weapons() && m->weapons()->size() == 2) {
        CHECK(m->weapons()->Get(0)->name()->str() == "Axe");
        CHECK(m->weapons()->Get(0)->damage() == 30);
        CHECK(m->weapons()->Get(1)->name() == nullptr);
        CHECK(m->weapons()->Get(1)->damage() == 7);
    }
    CHECK(m->equipped_type() == fbgen::Equipment_Shield);
    const fbgen::Shield *sh = m->equipped_as_Shield();
    CHECK(sh && sh->armor() == 9 && sh->tags() && sh->tags()->size() == 1 &&
          sh->tags()->Get(0)->str() == "wood");
    CHECK(m->equipped_as_Weapon() == nullptr);
    CHECK(m->enemy() && m->enemy()->name()->str() == "Rat" && !m->enemy()->flag());
    CHECK(m->enemy() && m->enemy()->enemy() == nullptr && m->enemy()->i32v() == -320000);
    CHECK(m->colors() && m->colors()->size() == N(k_colors));
    for (size_t i = 0; m->colors() && i < N(k_colors); i++)
        CHECK(m->colors()->Get((flatbuffers::uoffset_t)i) == k_colors[i]);
    CHECK(m->flags() && m->flags()->size() == N(k_flags));
    for (size_t i = 0; m->flags() && i < N(k_flags); i++)
        CHECK((m->flags()->Get((flatbuffers::uoffset_t)i) != 0) == k_flags[i]);
    CHECK(m->levels() && m->levels()->size() == N(k_levels));
    for (size_t i = 0; m->levels() && i < N(k_levels); i++)
        CHECK(m->levels()->Get((flatbuffers::uoffset_t)i) == k_levels[i]);
}

/* ---- reading with our generated C ---------------------------------------- */

static bool str_is(myl_fb_str s, const char *z)
{
    return s.ptr && s.len == std::strlen(z) && std::memcmp(s.ptr, z, s.len) == 0 &&
           s.ptr[s.len] == '\0';
}

static void check_c_vec3(const fbgen_Vec3 *v, const Spot &s)
{
    CHECK(v != NULL);
    if (!v)
        return;
    CHECK(v->x == s.x && v->y == s.y && v->z == s.z);
    CHECK(v->inner.a == s.a && v->inner.b == s.b);
    CHECK(v->big == s.big);
}

/* forced: built by T_create(), which writes i16v and u32v (their
 * defaults) and Weapon.damage 7 */
static void read_ours(const uint8_t *p, size_t n, bool forced = false)
{
    myl_fb_verify_info info = {0, NULL, NULL};
    int rc = fbgen_Monster_verify_with(p, n, NULL, &info);
    if (rc)
        std::fprintf(stderr, "verify: %d at %llu (%s.%s)\n", rc, (unsigned long long)info.offset,
                     info.table ? info.table : "-", info.field ? info.field : "-");
    CHECK(rc == 0);
    if (rc)
        return;
    fbgen_Monster_table m = fbgen_Monster_root(p);
    CHECK(fbgen_Monster_flag(m) == k_flag && fbgen_Monster_has_flag(m));
    CHECK(fbgen_Monster_i8v(m) == k_i8);
    CHECK(fbgen_Monster_u8v(m) == k_u8);
    CHECK(fbgen_Monster_i16v(m) == -1600 && fbgen_Monster_has_i16v(m) == forced);
    CHECK(fbgen_Monster_u16v(m) == k_u16);
    CHECK(fbgen_Monster_i32v(m) == k_i32);
    CHECK(fbgen_Monster_u32v(m) == 4000000000u && fbgen_Monster_has_u32v(m) == forced);
    CHECK(fbgen_Monster_i64v(m) == k_i64);
    CHECK(fbgen_Monster_u64v(m) == k_u64);
    CHECK(fbgen_Monster_f32v(m) == k_f32);
    CHECK(fbgen_Monster_f64v(m) == k_f64);
    CHECK(fbgen_Monster_color(m) == fbgen_Color_BLUE);
    CHECK(fbgen_Monster_level(m) == fbgen_Level_HIGH);
    CHECK(str_is(fbgen_Monster_name(m), k_name));
    check_c_vec3(fbgen_Monster_pos(m), k_pos);
    CHECK(fbgen_Monster_inventory_len(m) == N(k_inventory));
    for (uint32_t i = 0; i < N(k_inventory) && i < fbgen_Monster_inventory_len(m); i++)
        CHECK(fbgen_Monster_inventory_at(m, i) == k_inventory[i]);
    CHECK(fbgen_Monster_values_len(m) == N(k_values));
    for (uint32_t i = 0; i < N(k_values) && i < fbgen_Monster_values_len(m); i++)
        CHECK(fbgen_Monster_values_at(m, i) == k_values[i]);
    myl_fb_vec dv = fbgen_Monster_doubles(m);
    CHECK(dv.len == N(k_doubles));
    for (uint32_t i = 0; i < N(k_doubles) && i < dv.len; i++)
        CHECK(myl_fb_vec_f64(dv, i) == k_doubles[i] &&
              fbgen_Monster_doubles_at(m, i) == k_doubles[i]);
    CHECK(fbgen_Monster_spots_len(m) == N(k_spots));
    for (uint32_t i = 0; i < N(k_spots) && i < fbgen_Monster_spots_len(m); i++)
        check_c_vec3(fbgen_Monster_spots_at(m, i), k_spots[i]);
    CHECK(fbgen_Monster_tags_len(m) == N(k_tags));
    for (uint32_t i = 0; i < N(k_tags) && i < fbgen_Monster_tags_len(m); i++)
        CHECK(str_is(fbgen_Monster_tags_at(m, i), k_tags[i]));
    CHECK(fbgen_Monster_weapons_len(m) == 2);
    if (fbgen_Monster_weapons_len(m) == 2) {
        fbgen_Weapon_table w0 = fbgen_Monster_weapons_at(m, 0);
        fbgen_Weapon_table w1 = fbgen_Monster_weapons_at(m, 1);
        CHECK(str_is(fbgen_Weapon_name(w0), "Axe") && fbgen_Weapon_damage(w0) == 30);
        CHECK(!fbgen_Weapon_has_name(w1) && fbgen_Weapon_name(w1).ptr == NULL);
        CHECK(fbgen_Weapon_damage(w1) == 7 && fbgen_Weapon_has_damage(w1) == forced);
    }
    CHECK(fbgen_Monster_equipped_type(m) == fbgen_Equipment_Shield);
    fbgen_Shield_table sh = fbgen_Monster_equipped_as_Shield(m);
    CHECK(sh.t != NULL && fbgen_Shield_armor(sh) == 9 && fbgen_Shield_tags_len(sh) == 1);
    CHECK(fbgen_Shield_tags_len(sh) == 1 && str_is(fbgen_Shield_tags_at(sh, 0), "wood"));
    CHECK(fbgen_Monster_equipped_as_Weapon(m).t == NULL);
    fbgen_Monster_table e = fbgen_Monster_enemy(m);
    CHECK(e.t != NULL && str_is(fbgen_Monster_name(e), "Rat") && !fbgen_Monster_flag(e));
    CHECK(fbgen_Monster_enemy(e).t == NULL && fbgen_Monster_i32v(e) == -320000);
    /* every field of an absent table reads as its default */
    fbgen_Monster_table none = fbgen_Monster_enemy(e);
    CHECK(fbgen_Monster_u8v(none) == 200 && fbgen_Monster_level(none) == fbgen_Level_MID);
    CHECK(fbgen_Monster_f32v(none) == 3.5f && fbgen_Monster_color(none) == fbgen_Color_GREEN);
    CHECK(fbgen_Monster_u64v(none) == UINT64_C(18000000000000000000));
    CHECK(fbgen_Monster_i64v(none) == INT64_C(-6400000000) && fbgen_Monster_flag(none));
    CHECK(fbgen_Monster_tags_len(none) == 0 && fbgen_Monster_pos(none) == NULL);
    CHECK(fbgen_Monster_colors_len(m) == N(k_colors));
    for (uint32_t i = 0; i < N(k_colors) && i < fbgen_Monster_colors_len(m); i++)
        CHECK(fbgen_Monster_colors_at(m, i) == k_colors[i]);
    CHECK(fbgen_Monster_flags_len(m) == N(k_flags));
    for (uint32_t i = 0; i < N(k_flags) && i < fbgen_Monster_flags_len(m); i++)
        CHECK(fbgen_Monster_flags_at(m, i) == k_flags[i]);
    CHECK(fbgen_Monster_levels_len(m) == N(k_levels));
    for (uint32_t i = 0; i < N(k_levels) && i < fbgen_Monster_levels_len(m); i++)
        CHECK(fbgen_Monster_levels_at(m, i) == k_levels[i]);
}

/* ---- mutations ----------------------------------------------------------- */

/* Our verdict and the official one on bytes copied to 8-aligned memory. */
/* Our verdict and the official one on bytes copied to 8-aligned memory;
 * for a Flat (flat), the unrolled T_verify()'s against both the official
 * one and myl_fb_verify() over the descriptor. */
static long differ(const std::vector<uint8_t> &bytes, long *rejected, bool flat)
{
    std::vector<uint64_t> mem(bytes.size() / 8 + 1);
    if (!bytes.empty())
        std::memcpy(mem.data(), bytes.data(), bytes.size());
    const uint8_t *p = reinterpret_cast<const uint8_t *>(mem.data());
    const size_t n = bytes.size();
    bool theirs;
    int rc;
    if (flat) {
        rc = fbgen_Flat_verify(p, n);
        theirs = flatbuffers::Verifier(p, n).VerifyBuffer<fbgen::Flat>(nullptr);
        if (rc != myl_fb_verify(p, n, &fbgen_Flat_desc, NULL, NULL))
            return 1;
    } else {
        rc = fbgen_Monster_verify(p, n);
        theirs = official_ok(p, n);
    }
    if (!theirs)
        (*rejected)++;
    /* The documented difference (docs/FLATBUFFERS.md, "Verifier"): ours
     * refuses misaligned elements of structs aligned above 4. */
    return (rc == 0) != theirs && !(rc == MYL_EFBALIGN && theirs);
}

static void mutate(const std::vector<uint8_t> &good, const char *what, bool flat = false)
{
    long cases = 0, disagree = 0, rejected = 0;
    for (size_t n = 0; n < good.size(); n++) {
        std::vector<uint8_t> t(good.begin(), good.begin() + (long)n);
        disagree += differ(t, &rejected, flat);
        cases++;
    }
    for (size_t i = 0; i < good.size(); i++)
        for (int bit = 0; bit < 8; bit++) {
            std::vector<uint8_t> t(good);
            t[i] ^= (uint8_t)(1u << bit);
            long d = differ(t, &rejected, flat);
            if (d && disagree < 5)
                std::fprintf(stderr, "%s: byte %zu bit %d: verifiers disagree\n", what, i, bit);
            disagree += d;
            cases++;
        }
    /* a flat table's every byte set to every value: an offset moved to
     * each place, a bound off by one shows */
    for (size_t i = 0; flat && i < good.size(); i++)
        for (int v = 0; v < 256; v++) {
            std::vector<uint8_t> t(good);
            t[i] = (uint8_t)v;
            long d = differ(t, &rejected, flat);
            if (d && disagree < 5)
                std::fprintf(stderr, "%s: byte %zu = %d: verifiers disagree\n", what, i, v);
            disagree += d;
            cases++;
        }
    std::printf("%s: %ld mutations, %ld rejected by the official verifier, %ld disagreements\n",
                what, cases, rejected, disagree);
    CHECK(disagree == 0);
    CHECK(rejected > 0);
}

int main()
{
    std::vector<uint8_t> ours = build_ours();
    std::vector<uint8_t> theirs = build_flatc();
    CHECK(!ours.empty() && !theirs.empty());
    /* aligned copies: both readers load typed data in place */
    std::vector<uint64_t> a(ours.size() / 8 + 1), b(theirs.size() / 8 + 1);
    std::memcpy(a.data(), ours.data(), ours.size());
    std::memcpy(b.data(), theirs.data(), theirs.size());
    const uint8_t *pa = reinterpret_cast<const uint8_t *>(a.data());
    const uint8_t *pb = reinterpret_cast<const uint8_t *>(b.data());
    std::printf("ours: %zu bytes, flatc's: %zu bytes\n", ours.size(), theirs.size());
    read_flatc(pa, ours.size()); /* 1 */
    read_ours(pa, ours.size());
    read_ours(pb, theirs.size()); /* 2 */
    read_flatc(pb, theirs.size());
    mutate(ours, "ours"); /* 3 */
    mutate(theirs, "flatc's");
    /* 4: T_create(), in one region and then in regions that make each
     * table move the bytes to the arena */
    for (size_t region = 8192; region >= 64; region = region > 1024 ? 1024 : region - 8) {
        std::vector<uint8_t> made = build_created(region);
        CHECK(!made.empty());
        if (made.empty())
            break;
        std::vector<uint64_t> c(made.size() / 8 + 1);
        std::memcpy(c.data(), made.data(), made.size());
        const uint8_t *pc = reinterpret_cast<const uint8_t *>(c.data());
        read_flatc(pc, made.size());
        read_ours(pc, made.size(), true);
        check_created(pc);
        if (region == 8192) {
            std::printf("created: %zu bytes\n", made.size());
            mutate(made, "created");
        }
    }
    /* 5: a flat table, its verifier unrolled; built by both sides */
    {
        myl_fb_builder *fb = new myl_fb_builder;
        myl_fb_builder_init(fb, g_region.data(), g_region.size() * 8, NULL, 0);
        myl_fb_ref name, note, inv, spots, levels, root;
        fbgen_Vec3 pos = c_vec3(k_pos), sp[N(k_spots)];
        for (size_t i = 0; i < N(k_spots); i++)
            sp[i] = c_vec3(k_spots[i]);
        fbgen_Level ls[N(k_levels)];
        for (size_t i = 0; i < N(k_levels); i++)
            ls[i] = k_levels[i];
        myl_fb_create_string(fb, k_name, std::strlen(k_name), &name);
        myl_fb_create_string(fb, "", 0, &note);
        fbgen_Flat_create_inventory(fb, k_inventory, N(k_inventory), &inv);
        fbgen_Flat_create_spots(fb, sp, N(sp), &spots);
        fbgen_Flat_create_levels(fb, ls, N(ls), &levels);
        fbgen_Flat_create(fb, 77, name, &pos, -3, inv, spots, note, levels, fbgen_Color_RED, &root);
        myl_fb_msg m;
        CHECK(fbgen_Flat_finish(fb, root, NULL, 0, &m) == 0);
        std::vector<uint8_t> flat_ours(m.data, m.data + m.len);
        delete fb;
        flatbuffers::FlatBufferBuilder fbb;
        auto fname = fbb.CreateString(k_name);
        std::vector<fbgen::Vec3> fsp;
        for (size_t i = 0; i < N(k_spots); i++)
            fsp.push_back(cxx_vec3(k_spots[i]));
        auto fspots = fbb.CreateVectorOfStructs(fsp);
        fbgen::Vec3 fpos = cxx_vec3(k_pos);
        auto froot = fbgen::CreateFlat(fbb, 77, fname, &fpos, -3, 0, fspots);
        fbb.Finish(froot);
        std::vector<uint8_t> flat_theirs(fbb.GetBufferPointer(),
                                         fbb.GetBufferPointer() + fbb.GetSize());
        /* T_create() pads no more in front of a table with 8-byte items
         * than _start()/_add_*()/_end() (it has a layout for a start 4 off
         * 8 too): Flat and Blob after vectors of 0 to 7 bytes */
        static const uint8_t bytes8[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        for (size_t k = 0; k < 16; k++) {
            size_t len[2];
            for (int way = 0; way < 2; way++) {
                myl_fb_builder *wb = new myl_fb_builder;
                myl_fb_builder_init(wb, g_region.data(), 4096, NULL, 0);
                myl_fb_ref nm, in, sp2, no, lv, r;
                fbgen_Flat_create_inventory(wb, bytes8, k % 8, &in);
                myl_fb_create_string(wb, "x", 1, &nm);
                fbgen_Flat_create_spots(wb, sp, 1, &sp2);
                myl_fb_create_string(wb, "n", 1, &no);
                fbgen_Flat_create_levels(wb, ls, 1, &lv);
                /* every field present: the layouts differ only in padding */
                if (k >= 8 && way) {
                    fbgen_Blob_create(wb, 9, in, &r);
                } else if (k >= 8) {
                    fbgen_Blob_start(wb);
                    fbgen_Blob_add_seq(wb, 9);
                    fbgen_Blob_add_data(wb, in);
                    fbgen_Blob_end(wb, &r);
                } else if (way) {
                    fbgen_Flat_create(wb, 1, nm, &pos, -3, in, sp2, no, lv, fbgen_Color_RED, &r);
                } else {
                    fbgen_Flat_start(wb);
                    fbgen_Flat_add_id(wb, 1);
                    fbgen_Flat_add_name(wb, nm);
                    fbgen_Flat_add_pos(wb, &pos);
                    fbgen_Flat_add_hp(wb, -3);
                    fbgen_Flat_add_inventory(wb, in);
                    fbgen_Flat_add_spots(wb, sp2);
                    fbgen_Flat_add_note(wb, no);
                    fbgen_Flat_add_levels(wb, lv);
                    fbgen_Flat_add_color(wb, fbgen_Color_RED);
                    fbgen_Flat_end(wb, &r);
                }
                myl_fb_msg fm;
                CHECK(myl_fb_finish(wb, r, NULL, 0, &fm) == 0);
                len[way] = fm.len;
                delete wb;
            }
            if (len[1] > len[0])
                std::fprintf(stderr, "%s after %zu bytes: %zu created, %zu added\n",
                             k >= 8 ? "Blob" : "Flat", k % 8, len[1], len[0]);
            CHECK(len[1] <= len[0]);
        }
        long rejected = 0;
        CHECK(differ(flat_ours, &rejected, true) == 0 && rejected == 0);
        CHECK(differ(flat_theirs, &rejected, true) == 0 && rejected == 0);
        mutate(flat_ours, "flat, ours", true);
        mutate(flat_theirs, "flat, flatc's", true);
    }
    if (g_failures) {
        std::fprintf(stderr, "%d checks failed\n", g_failures);
        return 1;
    }
    std::printf("ok\n");
    return 0;
}
