/* Layer-0 benchmark: round-trip latency and one-way streaming throughput
 * between two processes, each against a baseline measured in the same run.
 *
 *   ring_bench [--trials N] [--iters N] [--events N] [--csv FILE]
 *              [--cpus A,B] [--only pingpong|stream]
 *
 * Ping-pong: the parent sends an event on ring "ping", the child answers on
 * ring "pong"; the parent times each round trip. The floor probe
 * (bench/suite_floor.h, shared with the suite) bounces the same payload
 * bytes and a flag after them between the same two processes: as many
 * cache lines each way as the payload and its flag span, copied in and out
 * as the ring path copies them. Floor and ring run in alternating blocks
 * within one pair of pinned processes, so that both see the same placement
 * of the two vCPUs; the ratio of their medians is what counts. Each answer
 * carries the sequence number of its request back, and is checked.
 *
 * Streaming: the parent produces batches (claimed in place, payload fully
 * written), the child consumes them (payload fully read and summed).
 * Baselines: memcpy bandwidth of the same size within one process, and a
 * cross-core copy (the consumer copies the producer's buffer through the
 * shared mapping) is left to the layer-1 benchmark.
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
#include "suite_floor.h"

/* ---- shared control block ---- */

typedef struct ctl {
    alignas(128) _Atomic uint64_t go;
    alignas(128) _Atomic uint64_t sum; /* streaming: the consumer's sum, checked (stream_sum) */
} ctl;

/* ---- ping-pong ---- */

struct pp_result {
    uint64_t *floor, *ring;
    size_t n_floor, n_ring;
};

static void pingpong(uint32_t payload, int trials, int iters, int cpu_a, int cpu_b,
                     struct pp_result *res)
{
    char ping[64], pong[64];
    snprintf(ping, sizeof ping, "myl-bench-ping-%d", (int)getpid());
    snprintf(pong, sizeof pong, "myl-bench-pong-%d", (int)getpid());
    myl_ring *rp = ring_new(ping, payload, 1024);
    myl_ring *rq = ring_new(pong, payload, 1024);
    ctl *k = mmap(NULL, sizeof *k, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    memset(k, 0, sizeof *k);
    sf_floor *fl = sf_floor_new(payload, MYL_WAIT_SPIN);
    if (k == MAP_FAILED || !fl) {
        fprintf(stderr, "ping-pong: out of memory\n");
        exit(1);
    }

    pid_t parent = getpid(), child = fork();
    if (child == 0) {
        die_with_parent(parent);
        pin(cpu_b);
        myl_consumer *c;
        myl_producer *p;
        echo_open(ping, pong, &k->go, &c, &p);
        for (int t = 0; t < trials; t++) {
            if (sf_floor_echo(fl, iters) < 0)
                _exit(1);
            /* ring block: echo each event back */
            ring_echo(c, p, payload, iters);
        }
        _exit(0);
    }
    pin(cpu_a);
    myl_producer *p;
    myl_consumer *c;
    pinger_open(rp, rq, &k->go, &p, &c);
    res->floor = calloc((size_t)trials * iters, sizeof(uint64_t));
    res->ring = calloc((size_t)trials * iters, sizeof(uint64_t));
    if (!res->floor || !res->ring) {
        fprintf(stderr, "ping-pong: out of memory for %d x %d samples\n", trials, iters);
        exit(1);
    }
    /* The reply is copied out whole into a private buffer, as the floor
     * copies its reply out (sf_floor_ping). */
    static uint8_t msg[65536], reply[65536];
    uint64_t seq = 1;
    memset(msg, 0xab, sizeof msg);
    for (int t = 0; t < trials; t++) {
        if (sf_floor_ping(fl, iters, res->floor + res->n_floor) < 0) {
            fprintf(stderr, "ping-pong: the echo process ended\n");
            exit(1);
        }
        res->n_floor += (size_t)iters;
        if (ring_ping(p, c, msg, payload, reply, iters, &seq, res->ring + res->n_ring) != 0) {
            fprintf(stderr, "ping-pong: a wrong answer\n");
            exit(1);
        }
        res->n_ring += (size_t)iters;
    }
    waitpid(child, NULL, 0);
    myl_producer_close(p);
    myl_consumer_close(c);
    myl_ring_close(rp);
    myl_ring_close(rq);
    myl_ring_unlink(MYL_BACKING_SHM, ping);
    myl_ring_unlink(MYL_BACKING_SHM, pong);
    munmap(k, sizeof *k);
    sf_floor_free(fl);
}

/* ---- streaming ---- */

static double memcpy_gbps(size_t size)
{
    size_t total = (size_t)1 << 30; /* bytes copied */
    size_t buf = size < ((size_t)4 << 20) ? ((size_t)4 << 20) : size;
    uint8_t *src = malloc(buf), *dst = malloc(buf);
    memset(src, 1, buf);
    memset(dst, 2, buf);
    uint64_t t0 = now_ns();
    size_t off = 0;
    for (size_t done = 0; done < total; done += size) {
        memcpy(dst + off, src + off, size);
        off += size;
        if (off + size > buf)
            off = 0;
    }
    uint64_t dt = now_ns() - t0;
    volatile uint8_t sink = dst[buf / 2];
    (void)sink;
    free(src);
    free(dst);
    return (double)total / (double)dt;
}

static uint64_t ring_bytes = (uint64_t)1 << 20;
static uint32_t max_batch = 256;

/* The consumer's sum of every word of `events` events of `words` words,
 * event e's word j holding e + j (the producer's pattern below), modulo
 * 2^64 as the consumer adds: words * sum(e) + events * sum(j). The even
 * factor of each n(n-1) is halved before the product wraps. */
static uint64_t stream_sum(uint64_t events, uint64_t words)
{
    uint64_t se = events % 2 == 0 ? events / 2 * (events - 1) : (events - 1) / 2 * events;
    uint64_t sj = words % 2 == 0 ? words / 2 * (words - 1) : (words - 1) / 2 * words;
    return words * se + events * sj;
}

static double stream(uint32_t size, uint64_t events, int cpu_a, int cpu_b)
{
    char name[64];
    snprintf(name, sizeof name, "myl-bench-stream-%d", (int)getpid());
    uint32_t stride = myl_ring_stride(size);
    uint64_t cap = 64;
    while (cap * 2 * stride <= ring_bytes)
        cap *= 2;
    uint32_t batch = cap / 4 < max_batch ? (uint32_t)(cap / 4) : max_batch;
    myl_ring *r = ring_new(name, size, cap);
    ctl *k = mmap(NULL, sizeof *k, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    memset(k, 0, sizeof *k);
    pid_t parent = getpid(), child = fork();
    if (child == 0) {
        die_with_parent(parent);
        pin(cpu_b);
        myl_ring *rc = ring_get(name);
        myl_consumer *c;
        check(myl_consumer_open(rc, "sink", NULL, &c), "sink");
        atomic_store(&k->go, 1);
        uint64_t sum = 0, got = 0;
        while (got < events) {
            uint64_t s;
            int64_t n;
            while ((n = myl_consumer_try_poll(c, batch, &s)) <= 0)
                myl__cpu_relax();
            for (int64_t i = 0; i < n; i++) {
                const uint64_t *w = myl_consumer_slot(c, s + (uint64_t)i);
                for (uint32_t j = 0; j < size / 8; j++)
                    sum += w[j];
            }
            myl_consumer_release(c, (uint32_t)n);
            got += (uint64_t)n;
        }
        atomic_store(&k->sum, sum);
        _exit(0);
    }
    pin(cpu_a);
    myl_producer *p;
    check(myl_producer_open(r, NULL, &p), "producer");
    bench_wait gw = {0};
    while (!atomic_load(&k->go))
        bench_spin(&gw, "stream consumer start");
    check(myl_producer_wait_consumers(p, "sink", 1, 30000000000), "wait sink");
    uint64_t t0 = now_ns();
    for (uint64_t e = 0; e < events;) {
        uint32_t n = events - e < batch ? (uint32_t)(events - e) : batch;
        uint64_t s;
        spin_claim(p, n, &s);
        for (uint32_t i = 0; i < n; i++) {
            uint64_t *w = myl_producer_slot(p, s + i);
            for (uint32_t j = 0; j < size / 8; j++)
                w[j] = e + i + j;
        }
        myl_producer_publish(p, s, n);
        e += n;
    }
    bool ok = reap_ok(child, "stream consumer");
    uint64_t dt = now_ns() - t0;
    uint64_t sum = atomic_load(&k->sum), want = stream_sum(events, size / 8);
    if (ok && sum != want) {
        fprintf(stderr, "stream %u B: the consumer's sum is %llu, the events sent sum to %llu\n",
                size, (unsigned long long)sum, (unsigned long long)want);
        ok = false;
    }
    myl_producer_close(p);
    myl_ring_close(r);
    myl_ring_unlink(MYL_BACKING_SHM, name);
    munmap(k, sizeof *k);
    if (!ok)
        exit(1);
    return (double)events * 1e9 / (double)dt;
}

int main(int argc, char **argv)
{
    int trials = 20, iters = 5000, cpu_a = 0, cpu_b = 1;
    uint64_t events = 20000000;
    const char *csv = NULL, *only = NULL;
    uint32_t pp_sizes[16] = {8, 56, 64};
    size_t nsizes = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--trials") && i + 1 < argc)
            trials = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
            iters = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--events") && i + 1 < argc)
            events = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--csv") && i + 1 < argc)
            csv = argv[++i];
        else if (!strcmp(argv[i], "--ring-bytes") && i + 1 < argc)
            ring_bytes = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
            max_batch = (uint32_t)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--sizes") && i + 1 < argc) {
            nsizes = 0;
            for (char *t = strtok(argv[++i], ","); t && nsizes < 16; t = strtok(NULL, ","))
                pp_sizes[nsizes++] = (uint32_t)strtoul(t, NULL, 10);
            for (size_t z = 0; z < nsizes; z++)
                if (pp_sizes[z] < 8 || pp_sizes[z] > 65536) {
                    fprintf(stderr, "--sizes: each payload is 8 to 65536 bytes\n");
                    return 2;
                }
            if (!nsizes) {
                fprintf(stderr, "--sizes: no payload size given\n");
                return 2;
            }
        } else if (!strcmp(argv[i], "--cpus") && i + 1 < argc)
            sscanf(argv[++i], "%d,%d", &cpu_a, &cpu_b);
        else {
            fprintf(stderr,
                    "usage: %s [--trials N] [--iters N] [--events N] [--csv FILE] "
                    "[--cpus A,B] [--only pingpong|stream] [--ring-bytes N] [--batch N] "
                    "[--sizes A,B,...]\n",
                    argv[0]);
            return 2;
        }
    }
    /* atoi() reads junk as 0: no trials or iterations would leave nothing
     * to take percentiles of, and no batch would never claim. */
    if (trials < 1 || iters < 1 || max_batch < 1) {
        fprintf(stderr, "%s: --trials, --iters and --batch must be at least 1\n", argv[0]);
        return 2;
    }
    FILE *out = csv ? fopen(csv, "w") : NULL;
    if (out)
        fprintf(out, "kind,size,metric,value\n");
    printf("myelon %s ring_bench: cpus %d,%d\n", MYL_VERSION_STRING, cpu_a, cpu_b);

    if (!only || !strcmp(only, "pingpong")) {
        printf("\nround trip, %d trials x %d, floor interleaved (ns); the floor moves the "
               "payload and a flag: 'lines' cache lines each way\n",
               trials, iters);
        printf("%-8s %5s %8s %8s %8s | %8s %8s %8s | %7s\n", "payload", "lines", "flr p50", "p99",
               "p99.9", "ring p50", "p99", "p99.9", "ratio");
        for (size_t z = 0; z < nsizes; z++) {
            struct pp_result res = {0};
            pingpong(pp_sizes[z], trials, iters, cpu_a, cpu_b, &res);
            qsort(res.floor, res.n_floor, 8, cmp_u64);
            qsort(res.ring, res.n_ring, 8, cmp_u64);
            uint64_t f50 = pct(res.floor, res.n_floor, 0.5), r50 = pct(res.ring, res.n_ring, 0.5);
            double ratio = (double)r50 / (double)f50;
            printf("%-8u %5u %8llu %8llu %8llu | %8llu %8llu %8llu | %7.3f\n", pp_sizes[z],
                   sf_floor_lines(pp_sizes[z]), (unsigned long long)f50,
                   (unsigned long long)pct(res.floor, res.n_floor, 0.99),
                   (unsigned long long)pct(res.floor, res.n_floor, 0.999), (unsigned long long)r50,
                   (unsigned long long)pct(res.ring, res.n_ring, 0.99),
                   (unsigned long long)pct(res.ring, res.n_ring, 0.999), ratio);
            if (out) {
                fprintf(out, "floor,%u,p50_ns,%llu\n", pp_sizes[z], (unsigned long long)f50);
                fprintf(out, "floor,%u,p99_ns,%llu\n", pp_sizes[z],
                        (unsigned long long)pct(res.floor, res.n_floor, 0.99));
                fprintf(out, "floor,%u,p999_ns,%llu\n", pp_sizes[z],
                        (unsigned long long)pct(res.floor, res.n_floor, 0.999));
                fprintf(out, "pingpong,%u,p50_ns,%llu\n", pp_sizes[z], (unsigned long long)r50);
                fprintf(out, "pingpong,%u,p99_ns,%llu\n", pp_sizes[z],
                        (unsigned long long)pct(res.ring, res.n_ring, 0.99));
                fprintf(out, "pingpong,%u,p999_ns,%llu\n", pp_sizes[z],
                        (unsigned long long)pct(res.ring, res.n_ring, 0.999));
                fprintf(out, "pingpong,%u,ratio_p50_to_floor,%.4f\n", pp_sizes[z], ratio);
            }
            free(res.floor);
            free(res.ring);
        }
    }
    if (!only || !strcmp(only, "stream")) {
        static const uint32_t sizes[] = {8, 56, 64, 256, 1024, 4096, 16384, 65536};
        printf("\none-way streaming, ring of %llu bytes, batches of up to %u, payload written and "
               "read in full\n",
               (unsigned long long)ring_bytes, max_batch);
        printf("%-8s %12s %10s %12s %9s\n", "payload", "events/s", "GB/s", "memcpy GB/s",
               "of memcpy");
        for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
            uint64_t n = events;
            if ((uint64_t)sizes[z] * n > ((uint64_t)8 << 30))
                n = ((uint64_t)8 << 30) / sizes[z];
            double eps = stream(sizes[z], n, cpu_a, cpu_b);
            double gbps = eps * sizes[z] / 1e9;
            double mc = memcpy_gbps(sizes[z]);
            printf("%-8u %12.0f %10.2f %12.2f %8.1f%%\n", sizes[z], eps, gbps, mc,
                   100.0 * gbps / mc);
            if (out) {
                fprintf(out, "stream,%u,events_per_s,%.0f\n", sizes[z], eps);
                fprintf(out, "stream,%u,gb_per_s,%.3f\n", sizes[z], gbps);
                fprintf(out, "memcpy,%u,gb_per_s,%.3f\n", sizes[z], mc);
            }
        }
    }
    if (out)
        fclose(out);
    return 0;
}
