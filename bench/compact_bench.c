/* The compact codec (layer 2) as myelonc generates it, on the schema of its
 * tests (tests/gen/compact/cgen.myl): encode and decode of a small table,
 * a large one and a fixed-size event, in ns per message and encoded MB/s,
 * beside a memcpy of the same number of bytes (the floor any codec sits
 * on). Medians over --trials; timing is reported, never judged.
 *
 * usage: compact_bench [--trials N] [--iters N] */
#define _GNU_SOURCE
#include "bench_util.h"

#include "cgen.myl.h"

static uint64_t g_arena[1 << 13];
static uint8_t g_buf[1 << 16], g_copy[1 << 16];

typedef struct store {
    cgen_Monster m;
    cgen_Vec3 pos;
    uint8_t inventory[400];
    int64_t values[64];
    double doubles[8];
    myl_cstr tags[100];
    cgen_Weapon weapons[4];
    cgen_Weapon equipped;
} store;

/* small: scalars, a name, a nested struct, a union, short vectors; large:
 * the same with 100 tags, 64 values and 400 bytes of inventory */
static void make(store *s, int large)
{
    memset(s, 0, sizeof *s);
    cgen_Monster *m = &s->m;
    cgen_Monster_init(m);
    m->i32v = -123456;
    m->u64v = 1234567890123u;
    m->f64v = 0.125;
    m->name = (myl_cstr){"a goblin", 8};
    s->pos.x = 1.5f;
    s->pos.big = -42;
    m->pos = &s->pos;
    cgen_Weapon_init(&s->equipped);
    s->equipped.name = (myl_cstr){"sword", 5};
    m->equipped_type = cgen_Equipment_Weapon;
    m->equipped = &s->equipped;
    size_t nv = large ? 64 : 4, nt = large ? 100 : 2, ni = large ? 400 : 16;
    for (size_t i = 0; i < nv; i++)
        s->values[i] = (int64_t)(i * 1000003u) - 5000;
    m->values.p = s->values;
    m->values.n = nv;
    for (size_t i = 0; i < nt; i++)
        s->tags[i] = (myl_cstr){"tag-text", 3 + i % 6};
    m->tags.p = s->tags;
    m->tags.n = nt;
    for (size_t i = 0; i < ni; i++)
        s->inventory[i] = (uint8_t)i;
    m->inventory.p = s->inventory;
    m->inventory.n = ni;
    for (int i = 0; i < 4; i++) {
        cgen_Weapon_init(&s->weapons[i]);
        s->weapons[i].name = (myl_cstr){"axe", 3};
    }
    m->weapons.p = s->weapons;
    m->weapons.n = large ? 4 : 1;
}

static void opaque(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

/* ns per operation of each case over iters, for one trial */
typedef struct result {
    double enc, dec, copy;
} result;

static result run_monster(const cgen_Monster *m, size_t len, long iters)
{
    result r;
    size_t n = 0;
    uint64_t t0 = now_ns();
    for (long i = 0; i < iters; i++) {
        opaque((void *)m);
        check(cgen_Monster_compact_encode(m, g_buf, sizeof g_buf, &n), "encode");
        opaque(g_buf);
    }
    uint64_t t1 = now_ns();
    cgen_Monster out;
    myl_carena a;
    for (long i = 0; i < iters; i++) {
        myl_carena_init(&a, g_arena, sizeof g_arena);
        opaque(g_buf);
        check(cgen_Monster_compact_decode(&out, g_buf, len, &a), "decode");
        opaque(&out);
    }
    uint64_t t2 = now_ns();
    for (long i = 0; i < iters; i++) {
        opaque(g_buf);
        memcpy(g_copy, g_buf, len);
        opaque(g_copy);
    }
    uint64_t t3 = now_ns();
    r.enc = (double)(t1 - t0) / (double)iters;
    r.dec = (double)(t2 - t1) / (double)iters;
    r.copy = (double)(t3 - t2) / (double)iters;
    return r;
}

static result run_sample(const cgen_Sample *s, size_t len, long iters)
{
    result r;
    size_t n = 0;
    uint64_t t0 = now_ns();
    for (long i = 0; i < iters; i++) {
        opaque((void *)s);
        check(cgen_Sample_compact_encode(s, g_buf, sizeof g_buf, &n), "encode");
        opaque(g_buf);
    }
    uint64_t t1 = now_ns();
    cgen_Sample out;
    for (long i = 0; i < iters; i++) {
        opaque(g_buf);
        check(cgen_Sample_compact_decode(&out, g_buf, len), "decode");
        opaque(&out);
    }
    uint64_t t2 = now_ns();
    for (long i = 0; i < iters; i++) {
        opaque(g_buf);
        memcpy(g_copy, g_buf, len);
        opaque(g_copy);
    }
    uint64_t t3 = now_ns();
    r.enc = (double)(t1 - t0) / (double)iters;
    r.dec = (double)(t2 - t1) / (double)iters;
    r.copy = (double)(t3 - t2) / (double)iters;
    return r;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define MAX_TRIALS 101

int main(int argc, char **argv)
{
    int trials = 11;
    long iters = 200000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--trials") && i + 1 < argc)
            trials = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
            iters = atol(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--trials N] [--iters N]\n", argv[0]);
            return 2;
        }
    }
    if (trials < 1 || trials > MAX_TRIALS || iters < 1)
        return 2;
    static store small, large;
    make(&small, 0);
    make(&large, 1);
    cgen_Sample sample;
    memset(&sample, 0, sizeof sample);
    sample.u64v = 123456789;
    sample.i32v = -77;
    sample.f64v = 2.5;
    memcpy(sample.name, "TICKER", 6);
    size_t lens[3];
    check(cgen_Monster_compact_encode(&small.m, g_buf, sizeof g_buf, &lens[0]), "encode");
    check(cgen_Monster_compact_encode(&large.m, g_buf, sizeof g_buf, &lens[1]), "encode");
    check(cgen_Sample_compact_encode(&sample, g_buf, sizeof g_buf, &lens[2]), "encode");
    static const char *const names[3] = {"Monster, small", "Monster, large", "Sample (event)"};
    printf("compact_bench: %d trials x %ld iterations; ns per message (median)\n", trials, iters);
    printf("%-16s %7s %9s %9s %9s %10s %10s\n", "message", "bytes", "encode", "decode", "memcpy",
           "enc MB/s", "dec MB/s");
    for (int c = 0; c < 3; c++) {
        double enc[MAX_TRIALS], dec[MAX_TRIALS], cp[MAX_TRIALS];
        for (int t = 0; t < trials; t++) {
            result r;
            if (c < 2) {
                const cgen_Monster *m = c ? &large.m : &small.m;
                check(cgen_Monster_compact_encode(m, g_buf, sizeof g_buf, &lens[c]), "encode");
                r = run_monster(m, lens[c], iters);
            } else {
                check(cgen_Sample_compact_encode(&sample, g_buf, sizeof g_buf, &lens[c]), "encode");
                r = run_sample(&sample, lens[c], iters);
            }
            enc[t] = r.enc;
            dec[t] = r.dec;
            cp[t] = r.copy;
        }
        double e = median(enc, trials), d = median(dec, trials), k = median(cp, trials);
        printf("%-16s %7zu %9.1f %9.1f %9.1f %10.0f %10.0f\n", names[c], lens[c], e, d, k,
               (double)lens[c] * 1e3 / e, (double)lens[c] * 1e3 / d);
    }
    return 0;
}
