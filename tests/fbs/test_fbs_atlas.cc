/* Several namespaces in one .fbs file (tests/fbs/atlas.fbs): the C that
 * myelonc generates against the C++ that flatc generates from the same
 * file, as test_fbs_interop.cc does for zoo.fbs:
 *   1. flatc's buffer of atlas.json (argv[1]) passes our verifier and our
 *      readers agree with flatc's accessors on every field: the two types
 *      named Place (Atlas.Geo and Atlas.Trip) are told apart, names are
 *      resolved as flatc resolves them;
 *   2. copied with our builders (argv[2] receives the copy), it passes
 *      flatc's verifier and reads the same through flatc's accessors
 *      (interop_atlas.sh then compares `flatc --json` of both);
 *   3. on every bit flip and truncation of both buffers, our verifier
 *      accepts exactly what flatc's accepts.
 * The JSON is the only source of values. */
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "atlas.myl.h"
#include "atlas_generated.h"

static int g_failures;

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c);             \
            g_failures++;                                                                          \
        }                                                                                          \
    } while (0)

static void cmp_str(myl_fb_str ours, const flatbuffers::String *theirs)
{
    CHECK((ours.ptr == nullptr) == (theirs == nullptr));
    if (ours.ptr && theirs)
        CHECK(ours.len == theirs->size() && std::memcmp(ours.ptr, theirs->data(), ours.len) == 0);
}

/* Equal, NaN included (a bit flip can make one) */
static bool same(double a, double b)
{
    return a == b || (std::isnan(a) && std::isnan(b));
}

static void cmp_point(const Atlas_Geo_Point *o, const Atlas::Geo::Point *t)
{
    CHECK((o == nullptr) == (t == nullptr));
    if (o && t)
        CHECK(same(o->lat, t->lat()) && same(o->lon, t->lon()));
}

static void cmp_geo_place(Atlas_Geo_Place_table o, const Atlas::Geo::Place *t)
{
    CHECK((o.t == nullptr) == (t == nullptr));
    if (!o.t || !t)
        return;
    cmp_str(Atlas_Geo_Place_name(o), t->name());
    cmp_point(Atlas_Geo_Place_at(o), t->at());
    CHECK(Atlas_Geo_Place_kind(o) == static_cast<int8_t>(t->kind()));
}

static void cmp_trip_place(Atlas_Trip_Place_table o, const Atlas::Trip::Place *t)
{
    CHECK((o.t == nullptr) == (t == nullptr));
    if (!o.t || !t)
        return;
    CHECK(Atlas_Trip_Place_code(o) == t->code());
    CHECK(Atlas_Trip_Place_day(o) == t->day());
}

static void cmp_origin(atlas_Origin_table o, const Origin *t)
{
    CHECK((o.t == nullptr) == (t == nullptr));
    if (o.t && t)
        cmp_str(atlas_Origin_label(o), t->label());
}

static void cmp_leg(Atlas_Trip_Leg_table o, const Atlas::Trip::Leg *t)
{
    CHECK((o.t == nullptr) == (t == nullptr));
    if (!o.t || !t)
        return;
    cmp_geo_place(Atlas_Trip_Leg_from(o), t->from());
    cmp_geo_place(Atlas_Trip_Leg_to(o), t->to());
    cmp_trip_place(Atlas_Trip_Leg_via(o), t->via());
    CHECK(Atlas_Trip_Leg_kind(o) == static_cast<int8_t>(t->kind()));
    CHECK(Atlas_Trip_Leg_has_stops(o) == (t->stops() != nullptr));
    if (t->stops()) {
        CHECK(Atlas_Trip_Leg_stops_len(o) == t->stops()->size());
        for (uint32_t i = 0; i < Atlas_Trip_Leg_stops_len(o) && i < t->stops()->size(); i++) {
            const Atlas::Geo::Place *p = t->stops()->Get(i);
            cmp_geo_place(Atlas_Trip_Leg_stops_at(o, i), p);
            /* found by key, as by flatc's LookupByKey (which compares
             * with strcmp: no NULs inside) */
            const flatbuffers::String *n = p->name();
            if (n && !std::memchr(n->c_str(), 0, n->size()))
                cmp_geo_place(Atlas_Trip_Leg_stops_lookup_by_key(o, n->c_str(), n->size()),
                              t->stops()->LookupByKey(n->c_str()));
        }
    }
    CHECK(Atlas_Trip_Leg_stop_type(o) == static_cast<uint8_t>(t->stop_type()));
    cmp_geo_place(Atlas_Trip_Leg_stop_as_Geo_Place(o), t->stop_as_Geo_Place());
    cmp_trip_place(Atlas_Trip_Leg_stop_as_Place(o), t->stop_as_Place());
    cmp_origin(Atlas_Trip_Leg_stop_as_Origin(o), t->stop_as_Origin());
    cmp_origin(Atlas_Trip_Leg_origin(o), t->origin());
    cmp_point(Atlas_Trip_Leg_at(o), t->at());
}

static void cmp_journey(Atlas_Journey_table o, const Atlas::Journey *t)
{
    CHECK((o.t == nullptr) == (t == nullptr));
    if (!o.t || !t)
        return;
    CHECK(Atlas_Journey_has_legs(o) == (t->legs() != nullptr));
    if (t->legs()) {
        CHECK(Atlas_Journey_legs_len(o) == t->legs()->size());
        for (uint32_t i = 0; i < Atlas_Journey_legs_len(o) && i < t->legs()->size(); i++)
            cmp_leg(Atlas_Journey_legs_at(o, i), t->legs()->Get(i));
    }
    atlas_Note_table n = Atlas_Journey_note(o);
    CHECK((n.t == nullptr) == (t->note() == nullptr));
    if (n.t && t->note())
        cmp_str(atlas_Note_text(n), t->note()->text());
    CHECK(Atlas_Journey_has_places(o) == (t->places() != nullptr));
    if (t->places()) {
        CHECK(Atlas_Journey_places_len(o) == t->places()->size());
        for (uint32_t i = 0; i < Atlas_Journey_places_len(o) && i < t->places()->size(); i++)
            cmp_trip_place(Atlas_Journey_places_at(o, i), t->places()->Get(i));
    }
}

/* ---- copies through our readers and builders ---- */

static myl_fb_ref copy_str(myl_fb_builder *b, myl_fb_str s)
{
    myl_fb_ref r = 0;
    if (s.ptr)
        myl_fb_create_string(b, s.ptr, s.len, &r);
    return r;
}

static myl_fb_ref copy_geo_place(myl_fb_builder *b, Atlas_Geo_Place_table t)
{
    if (!t.t)
        return 0;
    myl_fb_ref name = copy_str(b, Atlas_Geo_Place_name(t)), r = 0;
    Atlas_Geo_Place_start(b);
    if (name)
        Atlas_Geo_Place_add_name(b, name);
    if (Atlas_Geo_Place_has_at(t))
        Atlas_Geo_Place_add_at(b, Atlas_Geo_Place_at(t));
    Atlas_Geo_Place_add_kind(b, Atlas_Geo_Place_kind(t));
    Atlas_Geo_Place_end(b, &r);
    return r;
}

static myl_fb_ref copy_trip_place(myl_fb_builder *b, Atlas_Trip_Place_table t)
{
    if (!t.t)
        return 0;
    myl_fb_ref r = 0;
    Atlas_Trip_Place_start(b);
    Atlas_Trip_Place_add_code(b, Atlas_Trip_Place_code(t));
    Atlas_Trip_Place_add_day(b, Atlas_Trip_Place_day(t));
    Atlas_Trip_Place_end(b, &r);
    return r;
}

static myl_fb_ref copy_origin(myl_fb_builder *b, atlas_Origin_table t)
{
    if (!t.t)
        return 0;
    myl_fb_ref label = copy_str(b, atlas_Origin_label(t)), r = 0;
    atlas_Origin_start(b);
    if (label)
        atlas_Origin_add_label(b, label);
    atlas_Origin_end(b, &r);
    return r;
}

static myl_fb_ref copy_leg(myl_fb_builder *b, Atlas_Trip_Leg_table t)
{
    myl_fb_ref from = copy_geo_place(b, Atlas_Trip_Leg_from(t));
    myl_fb_ref to = copy_geo_place(b, Atlas_Trip_Leg_to(t));
    myl_fb_ref via = copy_trip_place(b, Atlas_Trip_Leg_via(t));
    myl_fb_ref origin = copy_origin(b, Atlas_Trip_Leg_origin(t));
    myl_fb_ref stops = 0, stop = 0, r = 0;
    if (Atlas_Trip_Leg_has_stops(t)) {
        /* given in reverse: _create_ sorts them by key */
        std::vector<myl_fb_ref> v;
        for (uint32_t i = Atlas_Trip_Leg_stops_len(t); i-- > 0;)
            v.push_back(copy_geo_place(b, Atlas_Trip_Leg_stops_at(t, i)));
        Atlas_Trip_Leg_create_stops(b, v.data(), v.size(), &stops);
    }
    Atlas_Trip_Stop type = Atlas_Trip_Leg_stop_type(t);
    if (type == Atlas_Trip_Stop_Geo_Place)
        stop = copy_geo_place(b, Atlas_Trip_Leg_stop_as_Geo_Place(t));
    else if (type == Atlas_Trip_Stop_Place)
        stop = copy_trip_place(b, Atlas_Trip_Leg_stop_as_Place(t));
    else if (type == Atlas_Trip_Stop_Origin)
        stop = copy_origin(b, Atlas_Trip_Leg_stop_as_Origin(t));
    Atlas_Trip_Leg_start(b);
    if (from)
        Atlas_Trip_Leg_add_from(b, from);
    if (to)
        Atlas_Trip_Leg_add_to(b, to);
    if (via)
        Atlas_Trip_Leg_add_via(b, via);
    Atlas_Trip_Leg_add_kind(b, Atlas_Trip_Leg_kind(t));
    if (stops)
        Atlas_Trip_Leg_add_stops(b, stops);
    if (stop)
        Atlas_Trip_Leg_add_stop(b, type, stop);
    if (origin)
        Atlas_Trip_Leg_add_origin(b, origin);
    if (Atlas_Trip_Leg_has_at(t))
        Atlas_Trip_Leg_add_at(b, Atlas_Trip_Leg_at(t));
    Atlas_Trip_Leg_end(b, &r);
    return r;
}

static myl_fb_ref copy_journey(myl_fb_builder *b, Atlas_Journey_table t)
{
    myl_fb_ref legs = 0, note = 0, places = 0, r = 0;
    if (Atlas_Journey_has_legs(t)) {
        std::vector<myl_fb_ref> v;
        for (uint32_t i = 0; i < Atlas_Journey_legs_len(t); i++)
            v.push_back(copy_leg(b, Atlas_Journey_legs_at(t, i)));
        Atlas_Journey_create_legs(b, v.data(), v.size(), &legs);
    }
    atlas_Note_table n = Atlas_Journey_note(t);
    if (n.t) {
        myl_fb_ref text = copy_str(b, atlas_Note_text(n));
        atlas_Note_start(b);
        if (text)
            atlas_Note_add_text(b, text);
        atlas_Note_end(b, &note);
    }
    if (Atlas_Journey_has_places(t)) {
        std::vector<myl_fb_ref> v;
        for (uint32_t i = 0; i < Atlas_Journey_places_len(t); i++)
            v.push_back(copy_trip_place(b, Atlas_Journey_places_at(t, i)));
        Atlas_Journey_create_places(b, v.data(), v.size(), &places);
    }
    Atlas_Journey_start(b);
    if (legs)
        Atlas_Journey_add_legs(b, legs);
    if (note)
        Atlas_Journey_add_note(b, note);
    if (places)
        Atlas_Journey_add_places(b, places);
    Atlas_Journey_end(b, &r);
    return r;
}

/* ---- verifier agreement ---- */

static bool theirs_ok(const uint8_t *p, size_t n)
{
    flatbuffers::Verifier v(p, n);
    return Atlas::VerifyJourneyBuffer(v);
}

static bool ours_ok(const uint8_t *p, size_t n)
{
    return Atlas_Journey_verify_buffer(p, n) == 0;
}

static void mutate(const std::vector<uint8_t> &buf, const char *what)
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
                cmp_journey(Atlas_Journey_root(m.data()), Atlas::GetJourney(m.data()));
            m[i] = buf[i];
            cases++;
        }
    for (size_t n = 0; n < buf.size(); n++) {
        bool a = ours_ok(buf.data(), n), b = theirs_ok(buf.data(), n);
        if (a != b && disagree++ < 5)
            std::fprintf(stderr, "%s: truncated to %zu: ours %d, flatc %d\n", what, n, a, b);
        cases++;
    }
    std::printf("%s: %u mutations, %u disagreements\n", what, cases, disagree);
    CHECK(disagree == 0);
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
    Atlas_Journey_table root = Atlas_Journey_root(theirs.data());
    cmp_journey(root, Atlas::GetJourney(theirs.data()));
    /* what the JSON sets, so that a reader returning nothing cannot pass */
    CHECK(Atlas_Journey_legs_len(root) == 3 && Atlas_Journey_places_len(root) == 2);
    Atlas_Trip_Leg_table leg = Atlas_Journey_legs_at(root, 0);
    CHECK(Atlas_Trip_Leg_stops_len(leg) == 3);
    CHECK(Atlas_Geo_Place_at(Atlas_Trip_Leg_stops_lookup_by_key(leg, "Arendal", 7))->lon == 8.77);
    CHECK(Atlas_Trip_Leg_stops_lookup_by_key(leg, "Bergen", 6).t == nullptr);
    CHECK(Atlas_Trip_Place_day(Atlas_Trip_Leg_via(leg)) == 2);
    CHECK(Atlas_Trip_Leg_kind(leg) == Atlas_Geo_Kind_Sea && Atlas_Geo_Kind_Sea == 3);
    CHECK(Atlas_Geo_Place_kind(Atlas_Trip_Leg_to(leg)) == Atlas_Geo_Kind_Sea);
    CHECK(Atlas_Trip_Leg_stop_type(leg) == Atlas_Trip_Stop_Geo_Place);
    CHECK(Atlas_Trip_Place_code(Atlas_Trip_Leg_stop_as_Place(Atlas_Journey_legs_at(root, 1))) ==
          -3);
    CHECK(atlas_Origin_label(Atlas_Trip_Leg_stop_as_Origin(Atlas_Journey_legs_at(root, 2))).len ==
          4);
    CHECK(std::strcmp(ATLAS_FILE_IDENTIFIER, Atlas::JourneyIdentifier()) == 0);

    /* 2. copied through our readers and builders */
    alignas(16) static uint8_t region[1 << 14];
    myl_fb_builder b;
    myl_fb_builder_init(&b, region, sizeof region, nullptr, 0);
    myl_fb_ref r = copy_journey(&b, root);
    myl_fb_msg msg;
    int rc = Atlas_Journey_finish_buffer(&b, r, 0, &msg);
    CHECK(rc == 0);
    if (rc != 0)
        return 1;
    std::vector<uint8_t> ours(static_cast<const uint8_t *>(msg.data),
                              static_cast<const uint8_t *>(msg.data) + msg.len);
    CHECK(theirs_ok(ours.data(), ours.size()));
    CHECK(ours_ok(ours.data(), ours.size()));
    cmp_journey(Atlas_Journey_root(ours.data()), Atlas::GetJourney(ours.data()));
    cmp_journey(Atlas_Journey_root(theirs.data()), Atlas::GetJourney(ours.data()));
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
