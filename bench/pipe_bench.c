/* Pipeline benchmarks (issue 10): the journal's append rate against its
 * baselines, and the exchange's end-to-end latency with and without fsync.
 *
 *   pipe_bench [--dir DIR] [--trials T] [--payload B] [--batches A,B,...]
 *              [--orders N] [--only journal|exchange] [--sync batch|group|none]
 *              [--csv-dir DIR]
 *
 * journal: records of B payload bytes (default 64), appended in batches
 * (default 1, 16, 256 records), one commit per batch, in DIR (default
 * ./pipe-bench; the file system is printed). Three pairs, each alternated
 * in one run (T trials of each side, the order swapped every trial; the
 * figure is the median records/s, the ratio that of the medians):
 *  - SYNC_BATCH (fdatasync every commit) against a plain loop that copies
 *    the same records into a buffer, write()s it and fdatasyncs, per batch;
 *  - SYNC_GROUP (fdatasync once 1 ms or 1 MiB passed) against the same
 *    plain loop under the same rule;
 *  - SYNC_NONE (written to the page cache) against the raw ring's
 *    events/s: events of B bytes streamed in claims of the batch size
 *    from a producer thread to a consumer thread (yielding waits).
 * The plain loop's bytes are the journal's (24-byte header, payload, zero
 * padding to 8), so both write the same amount. Every pair also times the
 * journal's write path (MYL_JOURNAL_WRITE) against its default mapped
 * path, in the same alternation; SYNC_NONE also times the mapped path
 * with inline allocation (MYL_JOURNAL_NO_THREAD) against the default,
 * whose allocating thread makes the segment's pages ahead of the writer.
 *
 * exchange: the exchange example's pipeline (examples/exchange) run by its
 * generated runner in a thread, a client in this thread sending N orders
 * (default 20000, after 2000 unmeasured) on the orders ring and timing
 * each until its report arrives on the reports ring: with the schema's
 * `fsync batch` and with SYNC_NONE, with 1 and 16 orders in flight.
 * Percentiles of those latencies.
 *
 * Timing never decides anything: exit 1 only on a wrong answer or an
 * error. CSV: <csv-dir>/pipeline_journal.csv, exchange_latency.csv.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "book.h"
#include "exchange.myl.h"
#include "myelon/myelon.h"
#include "myelon/pipeline.h"

static const char *g_dir = "pipe-bench";
static int g_trials = 5;
static uint32_t g_payload = 64;
static const char *g_sync; /* --sync: one mode only */

_Noreturn static void die(const char *what, int rc)
{
    fprintf(stderr, "pipe_bench: %s: %s\n", what, myl_strerror(rc));
    exit(1);
}

static void rm_dir(const char *dir)
{
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        die("rm", -EIO);
}

static double median(double *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- the journal and its baselines ---- */

#define GROUP_NS UINT64_C(1000000)
#define GROUP_BYTES (UINT64_C(1) << 20)

/* Records/s of the journal under sync, n records in batches of batch;
 * flags MYL_JOURNAL_WRITE: the write path instead of the mapped one. */
static double journal_run(uint32_t sync, uint32_t batch, uint64_t n, uint32_t flags)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/journal", g_dir);
    rm_dir(dir);
    myl_journal_opts o = {.size = sizeof o,
                          .sync = sync,
                          .group_ns = GROUP_NS,
                          .group_bytes = GROUP_BYTES,
                          .segment_bytes = UINT64_C(1) << 30,
                          .flags = flags};
    myl_journal *j;
    int rc = myl_journal_open(dir, &o, &j);
    if (rc < 0)
        die("journal open", rc);
    uint8_t payload[65536];
    memset(payload, 0x5a, sizeof payload);
    uint64_t t0 = now_ns();
    for (uint64_t r = 0; r < n;) {
        for (uint32_t i = 0; i < batch && r < n; i++, r++) {
            memcpy(payload, &r, sizeof r);
            if ((rc = myl_journal_append(j, 7, payload, g_payload, NULL)) < 0)
                die("append", rc);
        }
        if ((rc = myl_journal_commit(j)) < 0)
            die("commit", rc);
    }
    if ((rc = myl_journal_close(j)) < 0) /* the last sync */
        die("close", rc);
    uint64_t dt = now_ns() - t0;
    rm_dir(dir);
    return (double)n * 1e9 / (double)dt;
}

/* The plain loop: the same bytes per batch into a buffer, write(),
 * fdatasync per the same rule (sync 0: every batch; 1: group). */
static double plain_run(uint32_t sync, uint32_t batch, uint64_t n)
{
    char path[4200];
    mkdir(g_dir, 0700);
    snprintf(path, sizeof path, "%s/plain.dat", g_dir);
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        die("open plain", -errno);
    size_t rec = (24 + g_payload + 7) & ~(size_t)7;
    uint8_t *buf = calloc(batch, rec);
    uint8_t payload[65536];
    memset(payload, 0x5a, sizeof payload);
    uint64_t unsynced = 0, last = now_ns();
    uint64_t t0 = now_ns();
    for (uint64_t r = 0; r < n;) {
        size_t len = 0;
        for (uint32_t i = 0; i < batch && r < n; i++, r++) {
            memcpy(payload, &r, sizeof r);
            uint32_t l = g_payload;
            memcpy(buf + len, &l, 4);
            memcpy(buf + len + 8, &r, 8);
            memcpy(buf + len + 24, payload, g_payload);
            len += rec;
        }
        for (size_t off = 0; off < len;) {
            ssize_t w = write(fd, buf + off, len - off);
            if (w <= 0)
                die("write", -errno);
            off += (size_t)w;
        }
        unsynced += len;
        if (sync == MYL_JOURNAL_SYNC_BATCH ||
            (sync == MYL_JOURNAL_SYNC_GROUP &&
             (unsynced >= GROUP_BYTES || now_ns() - last >= GROUP_NS))) {
            if (fdatasync(fd) != 0)
                die("fdatasync", -errno);
            unsynced = 0;
            last = now_ns();
        }
    }
    if (sync != MYL_JOURNAL_SYNC_NONE && fdatasync(fd) != 0)
        die("fdatasync", -errno);
    close(fd);
    uint64_t dt = now_ns() - t0;
    free(buf);
    unlink(path);
    return (double)n * 1e9 / (double)dt;
}

/* The raw ring: n events of g_payload bytes, producer here, consumer in a
 * thread, claims of batch events; both wait by yielding. */
typedef struct sink {
    myl_consumer *c;
    uint64_t n, sum;
    uint32_t batch;
} sink;

static void *sink_main(void *arg)
{
    sink *s = arg;
    uint64_t got = 0, sum = 0;
    while (got < s->n) {
        uint64_t q;
        int64_t k = myl_consumer_try_poll(s->c, s->batch, &q);
        if (k <= 0) {
            sched_yield();
            continue;
        }
        for (int64_t i = 0; i < k; i++)
            sum += *(const uint64_t *)myl_consumer_slot(s->c, q + (uint64_t)i);
        myl_consumer_release(s->c, (uint32_t)k);
        got += (uint64_t)k;
    }
    s->sum = sum;
    return NULL;
}

static double ring_run(uint32_t batch, uint64_t n)
{
    char name[64];
    snprintf(name, sizeof name, "myl-pipe-bench-%d", (int)getpid());
    myl_ring *r = ring_new(name, g_payload, 4096);
    myl_producer *p;
    sink s = {NULL, n, 0, batch};
    int rc;
    if ((rc = myl_producer_open(r, NULL, &p)) < 0 ||
        (rc = myl_consumer_open(r, "sink", NULL, &s.c)) < 0)
        die("ring open", rc);
    uint8_t payload[65536];
    memset(payload, 0x5a, sizeof payload);
    pthread_t t;
    uint64_t t0 = now_ns();
    pthread_create(&t, NULL, sink_main, &s);
    for (uint64_t e = 0; e < n;) {
        uint32_t k = n - e < batch ? (uint32_t)(n - e) : batch;
        uint64_t q;
        while (myl_producer_try_claim(p, k, &q) != 0)
            sched_yield();
        for (uint32_t i = 0; i < k; i++) {
            uint64_t v = e + i;
            memcpy(payload, &v, sizeof v);
            memcpy(myl_producer_slot(p, q + i), payload, g_payload);
        }
        myl_producer_publish(p, q, k);
        e += k;
    }
    pthread_join(t, NULL);
    uint64_t dt = now_ns() - t0;
    if (s.sum != n * (n - 1) / 2)
        die("ring: a wrong sum", MYL_ECORRUPT);
    myl_producer_close(p);
    myl_consumer_close(s.c);
    myl_ring_close(r);
    myl_ring_unlink(MYL_BACKING_SHM, name);
    return (double)n * 1e9 / (double)dt;
}

static void journal_bench(const uint32_t *batches, int nb, FILE *csv)
{
    static const struct {
        uint32_t sync;
        const char *name, *base;
    } modes[] = {
        {MYL_JOURNAL_SYNC_BATCH, "fsync every commit", "write+fdatasync every batch"},
        {MYL_JOURNAL_SYNC_GROUP, "group commit (1 ms / 1 MiB)",
         "write, fdatasync by the same rule"},
        {MYL_JOURNAL_SYNC_NONE, "no fsync", "raw ring events/s (2 threads)"},
    };
    printf("\njournal append, %u-byte payloads (records/s, median of %d; ratio of medians)\n",
           g_payload, g_trials);
    printf("%-28s %6s %14s %14s %7s   baseline\n", "journal", "batch", "journal", "baseline",
           "ratio");
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        static const char *const words[] = {"batch", "group", "none"};
        if (g_sync && strcmp(g_sync, words[modes[m].sync]) != 0)
            continue;
        for (int b = 0; b < nb; b++) {
            uint32_t batch = batches[b];
            uint64_t n = modes[m].sync == MYL_JOURNAL_SYNC_BATCH   ? (uint64_t)batch * 400
                         : modes[m].sync == MYL_JOURNAL_SYNC_GROUP ? 200000
                                                                   : 2000000;
            /* Without fsync, the plain write loop too: the floor a
             * journal that write()s each commit can reach. */
            bool none = modes[m].sync == MYL_JOURNAL_SYNC_NONE;
            double jr[64], br[64], pr[64], wr[64], ir[64];
            int sides = none ? 5 : 4;
            for (int t = 0; t < g_trials; t++) {
                ir[t] = 0;
                for (int side = 0; side < sides; side++) {
                    int k = (side + t) % sides;
                    if (k == 4)
                        ir[t] = journal_run(modes[m].sync, batch, n, MYL_JOURNAL_NO_THREAD);
                    else if (k == 3)
                        wr[t] = journal_run(modes[m].sync, batch, n, MYL_JOURNAL_WRITE);
                    else if (k == 0)
                        jr[t] = journal_run(modes[m].sync, batch, n, 0);
                    else if (k == 1 && none)
                        br[t] = ring_run(batch, n);
                    else if (k == 1)
                        br[t] = plain_run(modes[m].sync, batch, n);
                    else
                        pr[t] = none ? plain_run(modes[m].sync, batch, n) : 0;
                }
            }
            double jm = median(jr, g_trials), bm = median(br, g_trials), pm = median(pr, g_trials),
                   wm = median(wr, g_trials), im = median(ir, g_trials);
            printf("%-28s %6u %14.0f %14.0f %6.2fx   %s", modes[m].name, batch, jm, bm, jm / bm,
                   modes[m].base);
            if (none)
                printf(" (plain write loop %.0f/s: journal %.2fx of it, it %.2fx the ring)", pm,
                       jm / pm, pm / bm);
            printf(" [journal's write path %.0f/s: mapped %.2fx of it]", wm, jm / wm);
            if (none)
                printf(" {inline allocation %.0f/s: the thread's %.2fx of it}", im, jm / im);
            printf("\n");
            if (csv)
                fprintf(csv, "%s,%u,%u,%.0f,%.0f,%.3f,%.0f,%.0f,%.0f\n",
                        modes[m].sync == MYL_JOURNAL_SYNC_BATCH   ? "batch"
                        : modes[m].sync == MYL_JOURNAL_SYNC_GROUP ? "group"
                                                                  : "none",
                        batch, g_payload, jm, bm, jm / bm, pm, wm, im);
        }
    }
}

/* ---- the exchange ---- */

typedef struct xstate {
    book b;
    exchange_Report last;
} xstate;

static int x_reset(void *arg)
{
    book_reset(&((xstate *)arg)->b);
    return 0;
}

static int x_save(void *arg, void **payload, uint64_t *size)
{
    return book_save(&((xstate *)arg)->b, payload, size) < 0 ? -ENOMEM : 0;
}

static int x_restore(void *arg, const void *payload, uint64_t size, uint32_t v)
{
    (void)v;
    return book_restore(&((xstate *)arg)->b, payload, size) < 0 ? MYL_ECORRUPT : 0;
}

static int x_matching(void *arg, uint64_t seq, const exchange_Order *in)
{
    xstate *s = arg;
    book_apply(&s->b, in, &s->last);
    s->last.seq = seq;
    return 0;
}

static int x_response(void *arg, uint64_t seq, const exchange_Order *in,
                      exchange_Exchange_response_out *out)
{
    (void)seq;
    (void)in;
    return exchange_Exchange_response_send(out, &((xstate *)arg)->last);
}

static void *x_run(void *arg)
{
    intptr_t rc = exchange_Exchange_run(arg);
    return (void *)rc;
}

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Latencies (ns) of n orders after warm ones, window in flight. */
static void exchange_run(bool fsync, uint32_t window, uint64_t warm, uint64_t n, uint64_t *lat)
{
    char dir[4200], on[64], rn[64];
    snprintf(dir, sizeof dir, "%s/exchange", g_dir);
    rm_dir(dir);
    mkdir(g_dir, 0700);
    snprintf(on, sizeof on, "myl-pb-orders-%d", (int)getpid());
    snprintf(rn, sizeof rn, "myl-pb-reports-%d", (int)getpid());
    exchange_orders_unlink(on);
    exchange_reports_unlink(rn);
    myl_ring *ro, *rr;
    int rc;
    if ((rc = exchange_orders_create(on, &ro)) < 0 || (rc = exchange_reports_create(rn, &rr)) < 0)
        die("exchange rings", rc);
    exchange_reports_consumer rx;
    exchange_orders_producer tx;
    if ((rc = exchange_reports_consumer_open(rr, "client", NULL, &rx)) < 0 ||
        (rc = exchange_orders_producer_open(ro, NULL, &tx)) < 0)
        die("exchange endpoints", rc);
    static xstate st;
    static exchange_Exchange px;
    exchange_Exchange_cfg cfg;
    exchange_Exchange_cfg_init(&cfg);
    if (!fsync)
        cfg.opts.journal.sync = MYL_JOURNAL_SYNC_NONE;
    cfg.state = &st;
    cfg.input = ro;
    cfg.response_ring = rr;
    exchange_Exchange_handlers h;
    memset(&h, 0, sizeof h);
    h.matching = x_matching;
    h.response = x_response;
    h.reset = x_reset;
    h.save = x_save;
    h.restore = x_restore;
    h.app_version = 1;
    if ((rc = exchange_Exchange_create(dir, &cfg, &h, &px)) < 0)
        die("exchange create", rc);
    pthread_t t;
    pthread_create(&t, NULL, x_run, &px);
    uint64_t total = warm + n, sent = 0, got = 0, last_seq = 0, seed = 0x9e3779b97f4a7c15u;
    uint64_t *t_sent = calloc(total, sizeof *t_sent);
    uint64_t cseq[8] = {0};
    while (got < total) {
        while (sent < total && sent - got < window) {
            uint32_t c = (uint32_t)(sent % 8);
            exchange_Order o;
            memset(&o, 0, sizeof o);
            o.client = c;
            o.op = exchange_Op_NEW;
            o.side = (uint8_t)(rng(&seed) & 1);
            o.cseq = ++cseq[c];
            o.price = 120 + (int64_t)(rng(&seed) % 17);
            o.qty = 1 + (uint32_t)(rng(&seed) % 10);
            o.target = sent; /* the order's index, echoed back below */
            t_sent[sent] = now_ns();
            while ((rc = exchange_orders_producer_try_send(&tx, &o)) == MYL_EAGAIN)
                sched_yield();
            if (rc < 0)
                die("send order", rc);
            sent++;
        }
        uint64_t q;
        int64_t k = exchange_reports_consumer_try_poll(&rx, 64, &q);
        if (k <= 0) {
            sched_yield();
            continue;
        }
        uint64_t now = now_ns();
        for (int64_t i = 0; i < k; i++) {
            const exchange_Report *r = exchange_reports_consumer_slot(&rx, q + (uint64_t)i);
            /* Reports come in order: report got is for order got, at a
             * journal sequence past the last (input marks between). */
            if (r->seq < got || (got && r->seq <= last_seq) || r->cseq != got / 8 + 1 ||
                r->client != got % 8)
                die("a wrong report", MYL_ECORRUPT);
            last_seq = r->seq;
            if (got >= warm)
                lat[got - warm] = now - t_sent[got];
            got++;
        }
        exchange_reports_consumer_release(&rx, (uint32_t)k);
    }
    exchange_Exchange_stop(&px);
    void *ret;
    pthread_join(t, &ret);
    if ((intptr_t)ret < 0)
        die("exchange run", (int)(intptr_t)ret);
    if ((rc = exchange_Exchange_close(&px)) < 0)
        die("exchange close", rc);
    free(t_sent);
    exchange_reports_consumer_close(&rx);
    exchange_orders_producer_close(&tx);
    myl_ring_close(ro);
    myl_ring_close(rr);
    exchange_orders_unlink(on);
    exchange_reports_unlink(rn);
    rm_dir(dir);
}

static void exchange_bench(uint64_t n, FILE *csv)
{
    static const double ps[] = {50, 90, 99, 99.9, 100};
    static const double curve[] = {1,  5,  10, 20, 30,   40,   50,    60,    70,
                                   80, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100};
    printf("\nexchange end to end (order sent -> report received), %llu orders after 2000\n",
           (unsigned long long)n);
    printf("%-22s %7s %10s %10s %10s %10s %10s\n", "journal", "window", "p50 us", "p90 us",
           "p99 us", "p99.9 us", "max us");
    uint64_t *lat = calloc(n, sizeof *lat);
    for (int f = 1; f >= 0; f--) {
        for (uint32_t w = 1; w <= 16; w *= 16) {
            /* with fsync every order waits for its own or its batch's
             * fdatasync: fewer orders */
            uint64_t m = f ? n / 4 : n;
            exchange_run(f, w, 2000, m, lat);
            qsort(lat, m, sizeof *lat, cmp_u64);
            const char *name = f ? "fsync batch" : "no fsync";
            printf("%-22s %7u", name, w);
            for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
                printf(" %10.1f", (double)pct(lat, m, ps[i] / 100) / 1e3);
            printf("\n");
            if (csv)
                for (size_t i = 0; i < sizeof curve / sizeof curve[0]; i++)
                    fprintf(csv, "%s,%u,%g,%llu\n", f ? "fsync" : "nofsync", w, curve[i],
                            (unsigned long long)pct(lat, m, curve[i] / 100));
        }
    }
    free(lat);
}

int main(int argc, char **argv)
{
    const char *only = NULL, *csv_dir = NULL;
    uint32_t batches[16] = {1, 16, 256};
    int nb = 3;
    uint64_t orders = 20000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            g_dir = argv[++i];
        else if (!strcmp(argv[i], "--trials") && i + 1 < argc)
            g_trials = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--payload") && i + 1 < argc)
            g_payload = (uint32_t)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--orders") && i + 1 < argc)
            orders = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--sync") && i + 1 < argc)
            g_sync = argv[++i];
        else if (!strcmp(argv[i], "--csv-dir") && i + 1 < argc)
            csv_dir = argv[++i];
        else if (!strcmp(argv[i], "--batches") && i + 1 < argc) {
            nb = 0;
            for (char *s = argv[++i]; *s && nb < 16;) {
                batches[nb++] = (uint32_t)strtoul(s, &s, 10);
                if (*s == ',')
                    s++;
            }
        } else {
            fprintf(stderr,
                    "usage: %s [--dir DIR] [--trials T] [--payload B] [--batches A,B,...] "
                    "[--orders N] [--only journal|exchange] [--sync batch|group|none] "
                    "[--csv-dir DIR]\n",
                    argv[0]);
            return 2;
        }
    }
    if (g_trials < 1 || g_trials > 64 || g_payload < 8 || g_payload > 65536 || orders < 4 ||
        nb < 1) {
        fprintf(stderr, "pipe_bench: bad --trials, --payload, --orders or --batches\n");
        return 2;
    }
    for (int b = 0; b < nb; b++)
        if (batches[b] < 1 || batches[b] > 1024) {
            fprintf(stderr, "pipe_bench: a batch is 1 to 1024\n");
            return 2;
        }
    mkdir(g_dir, 0700);
    struct statfs sf;
    const char *fs = "?";
    if (statfs(g_dir, &sf) == 0)
        fs = sf.f_type == 0xEF53       ? "ext4"
             : sf.f_type == 0x01021994 ? "tmpfs"
             : sf.f_type == 0x9123683E ? "btrfs"
             : sf.f_type == 0x58465342 ? "xfs"
                                       : "other";
    printf("pipe_bench: directory %s (%s)\n", g_dir, fs);
    FILE *jc = NULL, *xc = NULL;
    char path[4200];
    if (csv_dir) {
        snprintf(path, sizeof path, "%s/pipeline_journal.csv", csv_dir);
        if ((!only || !strcmp(only, "journal")) && (jc = fopen(path, "w")))
            fprintf(jc, "sync,batch,payload,journal_per_s,baseline_per_s,ratio,"
                        "plain_write_per_s,journal_write_path_per_s,"
                        "journal_inline_alloc_per_s\n");
        snprintf(path, sizeof path, "%s/exchange_latency.csv", csv_dir);
        if ((!only || !strcmp(only, "exchange")) && (xc = fopen(path, "w")))
            fprintf(xc, "journal,window,percentile,ns\n");
    }
    if (!only || !strcmp(only, "journal"))
        journal_bench(batches, nb, jc);
    if (!only || !strcmp(only, "exchange"))
        exchange_bench(orders, xc);
    if (jc)
        fclose(jc);
    if (xc)
        fclose(xc);
    rm_dir(g_dir);
    return 0;
}
