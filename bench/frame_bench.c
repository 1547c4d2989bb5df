/* Layer-1 benchmark: framed messages between two processes, against
 * baselines measured in the same run.
 *
 *   frame_bench [--bytes N] [--trials N] [--iters N] [--csv FILE] [--cpus A,B]
 *
 * Sweep: messages of 64 B to 2 MB over 64 KB frames (sender copies in,
 * receiver reassembles and copies out). Baseline: a cross-core copy
 * pipeline with no protocol at all: the sender memcpy()s into 64 KB chunks
 * of a shared buffer and bumps a counter, the receiver memcpy()s out and
 * bumps another. Both move the same bytes the same number of times; the
 * ratio is what the framing costs.
 *
 * Round trip: 64-byte messages ping-ponged over framed rings against the
 * same over raw rings, in alternating blocks within one pair of processes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "myelon/myelon.h"

#define FRAME (64u * 1024u)
#define CHUNKS 64u

/* Children that failed (wrong bytes, a failed call, a signal): a run with
 * any prints its figures marked as such and exits 1. */
static int failures;

/* ---- the copy pipeline baseline ---- */

typedef struct pipe_ctl {
    alignas(128) _Atomic uint64_t head; /* bytes written */
    alignas(128) _Atomic uint64_t tail; /* bytes read */
    alignas(128) _Atomic uint64_t go;
    alignas(128) uint8_t buf[CHUNKS * FRAME];
} pipe_ctl;

static double pipeline(size_t msg, uint64_t count, int ca, int cb)
{
    pipe_ctl *k = mmap(NULL, sizeof *k, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    memset(k, 0, sizeof *k);
    uint8_t *src = malloc(msg), *dst = malloc(msg);
    memset(src, 7, msg);
    pid_t parent = getpid(), child = fork();
    if (child == 0) {
        die_with_parent(parent);
        pin(cb);
        uint64_t tail = 0;
        for (uint64_t m = 0; m < count; m++) {
            for (size_t off = 0; off < msg;) {
                size_t n = msg - off < FRAME ? msg - off : FRAME;
                /* Acquire pairs with the sender's release of head. */
                while (atomic_load_explicit(&k->head, memory_order_acquire) < tail + 1)
                    myl__cpu_relax();
                memcpy(dst + off, k->buf + (tail % CHUNKS) * FRAME, n);
                off += n;
                tail++;
                atomic_store_explicit(&k->tail, tail, memory_order_release);
            }
        }
        _exit(dst[msg - 1] == 7 ? 0 : 1);
    }
    pin(ca);
    uint64_t t0 = now_ns(), head = 0;
    for (uint64_t m = 0; m < count; m++) {
        for (size_t off = 0; off < msg;) {
            size_t n = msg - off < FRAME ? msg - off : FRAME;
            bench_wait w = {0}; /* gives up if the receiver died */
            while (head - atomic_load_explicit(&k->tail, memory_order_acquire) >= CHUNKS)
                bench_spin(&w, "copy pipeline");
            memcpy(k->buf + (head % CHUNKS) * FRAME, src + off, n);
            off += n;
            head++;
            atomic_store_explicit(&k->head, head, memory_order_release);
        }
    }
    if (!reap_ok(child, "copy pipeline receiver"))
        failures++;
    double secs = (double)(now_ns() - t0) / 1e9;
    munmap(k, sizeof *k);
    free(src);
    free(dst);
    return (double)msg * (double)count / secs / 1e9;
}

/* ---- framed ---- */

static double framed(size_t msg, uint64_t count, int ca, int cb)
{
    char name[64];
    snprintf(name, sizeof name, "myl-fbench-%d", (int)getpid());
    myl_ring *r = ring_new(name, FRAME, CHUNKS);
    myl_frame_opts fo = {.size = sizeof fo, .max_message = 2u << 20};
    _Atomic uint64_t *go =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    *go = 0;
    uint8_t *src = malloc(msg), *dst = malloc(msg);
    memset(src, 7, msg);
    pid_t parent = getpid(), child = fork();
    if (child == 0) {
        die_with_parent(parent);
        pin(cb);
        myl_ring *rc = ring_get(name);
        myl_defrag *d;
        check(myl_defrag_open(rc, "rx", NULL, &fo, &d), "defrag");
        atomic_store(go, 1);
        for (uint64_t m = 0; m < count; m++) {
            myl_frame_msg fm;
            int rcv;
            while ((rcv = myl_defrag_recv(d, &fm, 0)) == MYL_ETIMEDOUT)
                myl__cpu_relax();
            if (rcv < 0 || fm.len != msg)
                _exit(2);
            /* Reassembly already copied a multi-frame message out of the
             * ring (as the pipeline's receiver does); a borrowed one is
             * copied out here. */
            if (fm.borrowed)
                memcpy(dst, fm.data, fm.len);
            else
                dst[msg - 1] = ((const uint8_t *)fm.data)[msg - 1];
        }
        _exit(dst[msg - 1] == 7 ? 0 : 1);
    }
    pin(ca);
    myl_framer *f;
    check(myl_framer_open(r, NULL, &fo, &f), "framer");
    bench_wait w = {0};
    while (!atomic_load(go))
        bench_spin(&w, "framed receiver start");
    check(myl_producer_wait_consumers(myl_framer_producer(f), "rx", 1, 30000000000), "wait rx");
    uint64_t t0 = now_ns();
    for (uint64_t m = 0; m < count; m++)
        check(myl_frame_send(f, src, msg, 0, MYL_FOREVER), "send");
    if (!reap_ok(child, "framed receiver"))
        failures++;
    double secs = (double)(now_ns() - t0) / 1e9;
    myl_framer_close(f);
    myl_ring_close(r);
    myl_ring_unlink(MYL_BACKING_SHM, name);
    munmap((void *)go, 4096);
    free(src);
    free(dst);
    return (double)msg * (double)count / secs / 1e9;
}

/* ---- round trip: framed vs raw ---- */

static void roundtrip(int trials, int iters, int ca, int cb, uint64_t *raw50, uint64_t *frm50)
{
    char n[4][64];
    const char *tags[4] = {"rp", "rq", "fp", "fq"};
    myl_ring *rings[4];
    for (int i = 0; i < 4; i++) {
        snprintf(n[i], sizeof n[i], "myl-fbench-%s-%d", tags[i], (int)getpid());
        rings[i] = ring_new(n[i], i < 2 ? 64 : 64 + MYL_FRAME_HDR_SIZE, 1024);
    }
    pid_t parent = getpid(), child = fork();
    if (child == 0) {
        die_with_parent(parent);
        pin(cb);
        myl_ring *rp = ring_get(n[0]), *rq = ring_get(n[1]), *fp = ring_get(n[2]),
                 *fq = ring_get(n[3]);
        myl_consumer *c;
        myl_producer *p;
        myl_defrag *d;
        myl_framer *f;
        check(myl_consumer_open(rp, "echo", NULL, &c), "c");
        check(myl_producer_open(rq, NULL, &p), "p");
        check(myl_defrag_open(fp, "echo", NULL, NULL, &d), "d");
        check(myl_framer_open(fq, NULL, NULL, &f), "f");
        for (int t = 0; t < trials; t++) {
            for (int i = 0; i < iters; i++) {
                uint64_t s, o;
                while (myl_consumer_try_poll(c, 1, &s) <= 0)
                    myl__cpu_relax();
                while (myl_producer_try_claim(p, 1, &o) != 0)
                    myl__cpu_relax();
                memcpy(myl_producer_slot(p, o), myl_consumer_slot(c, s), 64);
                myl_consumer_release(c, 1);
                myl_producer_publish(p, o, 1);
            }
            for (int i = 0; i < iters; i++) {
                myl_frame_msg m;
                while (myl_defrag_recv(d, &m, 0) != 0)
                    myl__cpu_relax();
                while (myl_frame_send(f, m.data, m.len, 0, 0) != 0)
                    myl__cpu_relax();
            }
        }
        _exit(0);
    }
    pin(ca);
    myl_producer *p;
    myl_consumer *c;
    myl_framer *f;
    myl_defrag *d;
    check(myl_producer_open(rings[0], NULL, &p), "p");
    check(myl_consumer_open(rings[1], "ping", NULL, &c), "c");
    check(myl_framer_open(rings[2], NULL, NULL, &f), "f");
    check(myl_defrag_open(rings[3], "ping", NULL, NULL, &d), "d");
    check(myl_producer_wait_consumers(p, "echo", 1, 30000000000), "wait");
    check(myl_producer_wait_consumers(myl_framer_producer(f), "echo", 1, 30000000000), "wait");
    uint64_t *rs = calloc((size_t)trials * iters, 8), *fs = calloc((size_t)trials * iters, 8);
    if (!rs || !fs) {
        fprintf(stderr, "round trip: out of memory for %d x %d samples\n", trials, iters);
        exit(1);
    }
    size_t nr = 0, nf = 0;
    uint8_t msg[64] = {1};
    for (int t = 0; t < trials; t++) {
        for (int i = 0; i < iters; i++) {
            uint64_t s, q, t0 = now_ns();
            bench_wait w = {0}; /* gives up if the echo died */
            while (myl_producer_try_claim(p, 1, &s) != 0)
                bench_spin(&w, "round trip");
            memcpy(myl_producer_slot(p, s), msg, 64);
            myl_producer_publish(p, s, 1);
            while (myl_consumer_try_poll(c, 1, &q) <= 0)
                bench_spin(&w, "round trip");
            myl_consumer_release(c, 1);
            rs[nr++] = now_ns() - t0;
        }
        for (int i = 0; i < iters; i++) {
            uint64_t t0 = now_ns();
            bench_wait w = {0};
            while (myl_frame_send(f, msg, 64, 0, 0) != 0)
                bench_spin(&w, "round trip");
            myl_frame_msg m;
            while (myl_defrag_recv(d, &m, 0) != 0)
                bench_spin(&w, "round trip");
            fs[nf++] = now_ns() - t0;
        }
    }
    if (!reap_ok(child, "round-trip echo"))
        failures++;
    qsort(rs, nr, 8, cmp_u64);
    qsort(fs, nf, 8, cmp_u64);
    *raw50 = rs[nr / 2];
    *frm50 = fs[nf / 2];
    free(rs);
    free(fs);
    for (int i = 0; i < 4; i++) {
        myl_ring_close(rings[i]);
        myl_ring_unlink(MYL_BACKING_SHM, n[i]);
    }
}

int main(int argc, char **argv)
{
    uint64_t bytes = (uint64_t)2 << 30;
    int trials = 10, iters = 5000, ca = 0, cb = 1;
    const char *csv = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--bytes") && i + 1 < argc)
            bytes = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--trials") && i + 1 < argc)
            trials = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
            iters = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--csv") && i + 1 < argc)
            csv = argv[++i];
        else if (!strcmp(argv[i], "--cpus") && i + 1 < argc)
            sscanf(argv[++i], "%d,%d", &ca, &cb);
        else {
            fprintf(stderr,
                    "usage: %s [--bytes N] [--trials N] [--iters N] [--csv FILE] [--cpus A,B]\n",
                    argv[0]);
            return 2;
        }
    }
    /* atoi() reads junk as 0: the round trip needs at least one sample. */
    if (trials < 1 || iters < 1) {
        fprintf(stderr, "%s: --trials and --iters must be at least 1\n", argv[0]);
        return 2;
    }
    FILE *out = csv ? fopen(csv, "w") : NULL;
    if (out)
        fprintf(out, "kind,size,metric,value\n");
    printf("myelon %s frame_bench: 64 KiB frames, %d x 64 KiB ring, cpus %d,%d\n",
           MYL_VERSION_STRING, CHUNKS, ca, cb);
    printf("%-9s %12s %12s %9s\n", "message", "framed GB/s", "pipe GB/s", "of pipe");
    static const size_t sizes[] = {64,    256,   1024,   4096,    16384,
                                   32768, 65536, 262144, 1 << 20, 2 << 20};
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
        uint64_t count = bytes / sizes[z];
        if (count > 4000000)
            count = 4000000;
        if (count == 0)
            count = 1;
        /* Interleave: baseline, framed, baseline; the mean of the two
         * baselines brackets the framed run in time. */
        int failed_before = failures;
        double b1 = pipeline(sizes[z], count, ca, cb);
        double fr = framed(sizes[z], count, ca, cb);
        double b2 = pipeline(sizes[z], count, ca, cb);
        double base = (b1 + b2) / 2;
        printf("%-9zu %12.2f %12.2f %8.1f%%%s\n", sizes[z], fr, base, 100 * fr / base,
               failures > failed_before ? "  (a process failed: not a result)" : "");
        if (out) {
            fprintf(out, "framed,%zu,gb_per_s,%.3f\n", sizes[z], fr);
            fprintf(out, "pipeline,%zu,gb_per_s,%.3f\n", sizes[z], base);
            fprintf(out, "framed,%zu,ratio_to_pipeline,%.4f\n", sizes[z], fr / base);
        }
    }
    uint64_t raw50, frm50;
    int failed_before = failures;
    roundtrip(trials, iters, ca, cb, &raw50, &frm50);
    printf("\n64 B round trip p50: raw %llu ns, framed %llu ns, ratio %.3f%s\n",
           (unsigned long long)raw50, (unsigned long long)frm50, (double)frm50 / (double)raw50,
           failures > failed_before ? "  (a process failed: not a result)" : "");
    if (out) {
        fprintf(out, "roundtrip_raw,64,p50_ns,%llu\n", (unsigned long long)raw50);
        fprintf(out, "roundtrip_framed,64,p50_ns,%llu\n", (unsigned long long)frm50);
        fprintf(out, "roundtrip_framed,64,ratio_to_raw,%.4f\n", (double)frm50 / (double)raw50);
        fclose(out);
    }
    if (failures) {
        fprintf(stderr, "frame_bench: %d process(es) failed; the figures are not results\n",
                failures);
        return 1;
    }
    return 0;
}
