/* Interop with the official FlatBuffers C++ (flatc --cpp, libflatbuffers
 * headers):
 *   1. buffers our C builder makes are accepted by flatbuffers::Verifier
 *      and read by flatc's accessors with the values we wrote;
 *   2. buffers `flatc -b` made from tests/fb/sample_*.json are accepted by
 *      our verifier and read by our C readers with the JSON's values;
 *   3. our verifier and the official one agree, accept or reject, on a
 *      corpus of valid buffers and their mutations (every bit of every
 *      byte flipped, bytes set to 0x00/0xff, every truncation), with
 *      alignment checks on and off and with tight depth/table limits; when
 *      both accept, both readers return identical values.
 * Usage: fb_interop <sample_full.bin> <sample_minimal.bin> <sample_defaults.bin> */
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "compare.h"

static int g_failures;

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c);             \
            g_failures++;                                                                          \
        }                                                                                          \
    } while (0)

/* 8-aligned bytes (a vector<uint64_t> underneath). */
struct Buf {
    std::vector<uint64_t> words;
    size_t len = 0;
    Buf() = default;
    Buf(const void *p, size_t n) : words(n / 8 + 1), len(n)
    {
        if (n)
            std::memcpy(words.data(), p, n);
    }
    uint8_t *data()
    {
        return reinterpret_cast<uint8_t *>(words.data());
    }
};

static Buf read_file(const char *path)
{
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        std::fprintf(stderr, "cannot read %s\n", path);
        std::exit(1);
    }
    std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    return Buf(s.data(), s.size());
}

static Buf build_ours(int which, unsigned flags, size_t region, size_t arena)
{
    std::vector<uint64_t> r(region / 8 + 1), a(arena / 8 + 1);
    myl_fb_msg m;
    int rc = mylt_build_sample_buf(which, r.data(), region, arena ? a.data() : nullptr, arena,
                                   flags, &m);
    CHECK(rc == 0);
    if (rc)
        return Buf();
    return Buf(m.data, m.len);
}

/* 1. ours -> flatc */
static void test_ours_read_by_flatc()
{
    struct {
        unsigned flags;
        size_t region, arena;
        const char *what;
    } modes[] = {{0, 4096, 0, "tail"},
                 {MYL_FB_FINISH_AT_FRONT, 4096, 0, "at front"},
                 {MYL_FB_FINISH_AT_FRONT, 200, 4096, "arena"}};
    for (auto &mode : modes) {
        for (int which = 0; which < 3; which++) {
            Buf b = build_ours(which, mode.flags, mode.region, mode.arena);
            flatbuffers::Verifier v(b.data(), b.len);
            CHECK(mylt::VerifyMonsterBuffer(v));
            CHECK(mylt::MonsterBufferHasIdentifier(b.data()));
            const mylt::Monster *m = mylt::GetMonster(b.data());
            CHECK(mylt_check_sample(myl_fb_root(b.data()), which) == 0);
            mylt_cmp::Diff d;
            mylt_cmp::monster(d, myl_fb_root(b.data()), m);
            if (d.count)
                std::fprintf(stderr, "%s, sample %d: %d differences\n", mode.what, which, d.count);
            CHECK(d.count == 0);
            if (which == MYLT_SAMPLE_FULL) {
                /* a few values read by flatc alone, against the literals */
                CHECK(m->name()->str() == "Orc Chieftain");
                CHECK(m->u64() == 18000000000000000001ULL);
                CHECK(m->i64() == -9000000000000000000LL);
                CHECK(m->f64() == 0.0625);
                CHECK(m->color() == mylt::Color_Blue);
                CHECK(m->level() == mylt::Level_High);
                CHECK(m->pos()->inner().a() == -300);
                CHECK(m->pos()->big() == 1099511627776LL);
                CHECK(m->values()->Get(1) == 9007199254740993LL);
                CHECK(m->spots()->Get(1)->inner().b() == -128);
                CHECK(m->tags()->Get(2)->str() == "gamma \xce\xb4");
                CHECK(m->weapons()->Get(0)->damage() == 30);
                CHECK(m->weapons()->Get(1)->damage() == 7);
                CHECK(m->weapons()->Get(2)->name() == nullptr);
                CHECK(m->rows()->Get(0)->cells()->Get(1) == -2);
                CHECK(m->rows()->Get(2)->cells() == nullptr);
                CHECK(m->equipped_as_Weapon()->name()->str() == "Sword");
                CHECK(m->enemy()->equipped_as_Shield()->armor() == 9);
                CHECK(m->enemy()->enemy()->name()->str() == "Rat");
                CHECK(m->enemy()->enemy()->flag() == false);
                CHECK(m->small()->Get(0) == -32768);
            } else if (which == MYLT_SAMPLE_DEFAULTS) {
                CHECK(reinterpret_cast<const flatbuffers::Table *>(m)->CheckField(
                    mylt::Monster::VT_U64));
                CHECK(m->u64() == 18000000000000000000ULL);
            } else {
                CHECK(!reinterpret_cast<const flatbuffers::Table *>(m)->CheckField(
                    mylt::Monster::VT_U64));
                CHECK(m->i16() == -1600);
                CHECK(m->enemy() == nullptr);
            }
        }
    }
}

/* 2. flatc (from JSON) -> ours */
static void test_flatc_read_by_ours(Buf *bins)
{
    for (int which = 0; which < 3; which++) {
        Buf &b = bins[which];
        myl_fb_verify_opts o;
        std::memset(&o, 0, sizeof o);
        o.size = sizeof o;
        o.ident = MYLT_IDENT;
        myl_fb_verify_info info;
        int rc = myl_fb_verify(b.data(), b.len, &mylt_Monster_desc, &o, &info);
        if (rc)
            std::fprintf(stderr, "sample %d: %s at %llu\n", which, myl_strerror(rc),
                         static_cast<unsigned long long>(info.offset));
        CHECK(rc == 0);
        o.flags = MYL_FB_VERIFY_STRICT;
        CHECK(myl_fb_verify(b.data(), b.len, &mylt_Monster_desc, &o, nullptr) == 0);
        flatbuffers::Verifier v(b.data(), b.len);
        CHECK(mylt::VerifyMonsterBuffer(v));
        if (rc)
            continue;
        CHECK(mylt_check_sample(myl_fb_root(b.data()), which) == 0);
        mylt_cmp::Diff d;
        mylt_cmp::monster(d, myl_fb_root(b.data()), mylt::GetMonster(b.data()));
        CHECK(d.count == 0);
    }
    /* flatc and our builder wrote the same values, not the same bytes
     * (flatc shares vtables and orders fields its own way) */
    Buf ours = build_ours(MYLT_SAMPLE_FULL, 0, 4096, 0);
    std::printf("sample_full: ours %zu bytes, flatc %zu bytes\n", ours.len, bins[0].len);
}

struct Stats {
    size_t cases = 0, both_accept = 0, both_reject = 0, disagree = 0;
};

static void differential(Stats &st, const uint8_t *p, size_t len, uint32_t depth, uint32_t tables,
                         bool align, const char *what, size_t where)
{
    Buf b(p, len);
    mylt_cmp::Verdicts v = mylt_cmp::verify_both(b.data(), b.len, depth, tables, align);
    st.cases++;
    bool ours = v.ours == 0;
    if (!mylt_cmp::agree(v, align)) {
        if (st.disagree < 20)
            std::fprintf(stderr,
                         "DISAGREE (%s at %zu, len %zu, depth %u, tables %u, align %d): ours %s, "
                         "official %s\n",
                         what, where, len, depth, tables, align, myl_errname(v.ours),
                         v.theirs ? "accepts" : "rejects");
        st.disagree++;
        return;
    }
    if (!ours) {
        st.both_reject++;
        return;
    }
    st.both_accept++;
    (void)mylt_walk(myl_fb_root(b.data()));
    if (align && mylt_cmp::flatc_safe(b.data(), b.len)) {
        /* flatc's accessors load through typed pointers: aligned data only */
        mylt_cmp::Diff d;
        d.verbose = false;
        mylt_cmp::monster(d, myl_fb_root(b.data()), mylt::GetMonster(b.data()));
        if (d.count) {
            std::fprintf(stderr, "values differ (%s at %zu)\n", what, where);
            st.disagree++;
        }
    }
}

/* 3. the two verifiers on a corpus and its mutations */
static void test_differential(Buf *bins)
{
    std::vector<Buf> corpus;
    for (int i = 0; i < 3; i++) {
        corpus.push_back(bins[i]);
        corpus.push_back(build_ours(i, 0, 4096, 0));
    }
    corpus.push_back(build_ours(MYLT_SAMPLE_FULL, MYL_FB_FINISH_AT_FRONT, 1200, 0));
    Stats st;
    for (Buf &c : corpus) {
        std::vector<uint8_t> m(c.data(), c.data() + c.len);
        for (int align = 1; align >= 0; align--) {
            for (size_t i = 0; i < c.len; i++) {
                uint8_t keep = m[i];
                for (int bit = 0; bit < 8; bit++) {
                    m[i] = static_cast<uint8_t>(keep ^ (1u << bit));
                    differential(st, m.data(), c.len, 64, 1000000, align, "bit flip", i);
                }
                m[i] = static_cast<uint8_t>(~keep);
                differential(st, m.data(), c.len, 64, 1000000, align, "byte inverted", i);
                m[i] = 0;
                differential(st, m.data(), c.len, 64, 1000000, align, "byte zeroed", i);
                m[i] = 0xff;
                differential(st, m.data(), c.len, 64, 1000000, align, "byte 0xff", i);
                m[i] = keep;
            }
            for (size_t cut = 0; cut <= c.len; cut++)
                differential(st, m.data(), cut, 64, 1000000, align, "truncated", cut);
        }
        /* limits: depth and table count, at and around what the samples use */
        for (uint32_t depth = 1; depth <= 4; depth++)
            for (uint32_t tables = 1; tables <= 12; tables++)
                differential(st, c.data(), c.len, depth, tables, true, "limits",
                             depth * 100 + tables);
    }
    std::printf("differential: %zu cases, %zu both accept, %zu both reject, %zu disagree\n",
                st.cases, st.both_accept, st.both_reject, st.disagree);
    CHECK(st.disagree == 0);
    /* the corpus exercises both verdicts */
    CHECK(st.both_accept > 1000);
    CHECK(st.both_reject > 1000);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s full.bin minimal.bin defaults.bin\n", argv[0]);
        return 2;
    }
    Buf bins[3] = {read_file(argv[1]), read_file(argv[2]), read_file(argv[3])};
    test_ours_read_by_flatc();
    test_flatc_read_by_ours(bins);
    test_differential(bins);
    if (g_failures) {
        std::fprintf(stderr, "fb_interop: %d failures\n", g_failures);
        return 1;
    }
    std::printf("fb_interop: all checks passed\n");
    return 0;
}
