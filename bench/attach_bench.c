/* Attach time with and without the structural schema check (docs/myl.md
 * §8.3), for a FlatBuffers table channel whose table has 100 fields.
 *
 *   attach_bench [--fields N] [--iters N] [--trials N]
 *
 * A ring is created from version 1 of the schema (table T with N fields).
 * Then, per trial, the median of `iters` attach + close pairs:
 *   same      an attacher built from the same schema: equal fingerprints,
 *             the description is not read (today's path);
 *   evolved   an attacher built from version 2 (one field more): the
 *             fingerprints differ, so attach copies, hashes, decodes and
 *             compares both descriptions before accepting.
 * The schemas are compiled in memory by myelonc's library (the
 * descriptions and fingerprints generated code would carry). Prints
 * medians in microseconds and the ratio evolved / same. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "mylc.h"

typedef struct version {
    mylc_ctx ctx;
    mylc_buf text, blob;
    uint64_t fp;
    uint32_t frame;
} version;

static void compile(version *v, unsigned fields, const char *path)
{
    mylc_buf_puts(&v->text, "myelon 1;\npackage bench;\ntable T {\n");
    for (unsigned i = 0; i < fields; i++)
        mylc_buf_printf(&v->text, "  f%u: %s;\n", i,
                        i % 4 == 0   ? "u64"
                        : i % 4 == 1 ? "string"
                        : i % 4 == 2 ? "[u32]"
                                     : "i32 = 5");
    mylc_buf_puts(&v->text, "}\nchannel c { carries T; capacity 64; }\n");
    mylc_ctx_init(&v->ctx, stderr);
    mylc_file *f = mylc_load_mem(&v->ctx, path, v->text.p, v->text.n);
    mylc_schema *s;
    if (!f || !mylc_compile(&v->ctx, f, &s)) {
        fprintf(stderr, "schema does not compile\n");
        exit(1);
    }
    for (mylc_decl *d = s->decls; d; d = d->next)
        if (d->kind == MYLC_D_CHANNEL) {
            v->fp = d->chan.fingerprint;
            v->frame = (uint32_t)d->chan.slot_size;
            if (!mylc_describe_channel(d, &v->blob)) {
                fprintf(stderr, "no description\n");
                exit(1);
            }
        }
}

static void opts_of(const version *v, const char *name, myl_ring_opts *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->name = name;
    o->fingerprint = v->fp;
    o->slot_size = v->frame;
    o->capacity = 64;
    o->schema = v->blob.p;
    o->schema_len = (uint32_t)v->blob.n;
}

static uint64_t median_attach(const myl_ring_opts *o, unsigned iters, uint64_t *samples)
{
    for (unsigned i = 0; i < iters; i++) {
        myl_ring *r;
        uint64_t t0 = now_ns();
        check(myl_ring_attach(o, &r), "attach");
        myl_ring_close(r);
        samples[i] = now_ns() - t0;
    }
    qsort(samples, iters, sizeof *samples, cmp_u64);
    return samples[iters / 2];
}

int main(int argc, char **argv)
{
    unsigned fields = 100, iters = 2000, trials = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--fields") == 0)
            fields = (unsigned)atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--iters") == 0)
            iters = (unsigned)atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--trials") == 0)
            trials = (unsigned)atoi(argv[i + 1]);
    }
    if (!fields || !iters || !trials) {
        fprintf(stderr, "usage: attach_bench [--fields N] [--iters N] [--trials N]\n");
        return 2;
    }
    static version v1, v2;
    compile(&v1, fields, "v1.myl");
    compile(&v2, fields + 1, "v2.myl");
    char name[64];
    snprintf(name, sizeof name, "attach-bench-%d", (int)getpid());
    myl_ring_opts o1, o2;
    opts_of(&v1, name, &o1);
    opts_of(&v2, name, &o2);
    myl_ring *owner;
    myl_ring_unlink(MYL_BACKING_SHM, name);
    check(myl_ring_create(&o1, &owner), "create");
    uint64_t *samples = malloc(sizeof *samples * iters);
    if (!samples)
        return 1;
    printf("table of %u fields, description %zu bytes (v1), %zu bytes (v2)\n", fields, v1.blob.n,
           v2.blob.n);
    for (unsigned t = 0; t < trials; t++) {
        uint64_t same = median_attach(&o1, iters, samples);
        uint64_t evolved = median_attach(&o2, iters, samples);
        printf("trial %u: attach same %.1f us, evolved %.1f us, ratio %.2f\n", t, same / 1e3,
               evolved / 1e3, (double)evolved / (double)same);
    }
    free(samples);
    myl_ring_close(owner);
    myl_ring_unlink(MYL_BACKING_SHM, name);
    mylc_ctx_free(&v1.ctx);
    mylc_ctx_free(&v2.ctx);
    return 0;
}
