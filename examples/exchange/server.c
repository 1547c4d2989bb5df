/* The exchange (docs/EXCHANGE.md): the pipeline exchange.myl declares,
 * run by the runner myelonc generates for it (exchange_Exchange_*).
 *
 *   exchange_server --dir DIR --orders RING --reports RING
 *                   [--snapshot-every N] [--broken-ack] [--stats] [--health PORT]
 *       attach the two rings (the client creates them), recover the
 *       pipeline in DIR (or create it), run until SIGTERM or SIGINT
 *       (--stats: then print the book's size and digest). --health: keep
 *       the pipeline's per-stage latency trace and serve a health endpoint
 *       on 127.0.0.1:PORT (0: any; the port is printed): the two rings,
 *       and the trace's histograms in /metrics (built with
 *       libmyelon_health only).
 *   exchange_server --dir DIR --check
 *       recover DIR as a restart would (newest snapshot, then the journal
 *       after it), then replay the whole journal on an empty book, and
 *       print one line per journal record ("rec SEQ CLIENT CSEQ STATUS
 *       DIGEST") and a last line "state RECOVERED REPLAYED FULL RECORDS"
 *       (the recovered book's digest, the replay's, the replay's digest
 *       recomputed from scratch, the record count), or only "state none"
 *       when DIR holds no pipeline. Exit 1 on an error.
 *
 * The matching stage applies each order to the book and keeps its report;
 * the response stage sends the report through its output sender, which
 * holds it until the order is durable. --broken-ack breaks that on
 * purpose (the report goes straight onto the ring from the response
 * stage, before the journal has the order): the stress checker must then
 * find acknowledged orders missing after a kill.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "book.h"
#include "exchange.myl.h"
#ifdef EXCHANGE_HEALTH
#include "myelon/health.h"
#endif

typedef struct state {
    book b;
    exchange_Report last; /* the report of the order being applied */
} state;

static exchange_Exchange pipeline;
static bool broken_ack;

static void on_signal(int sig)
{
    (void)sig;
    exchange_Exchange_stop(&pipeline);
}

static int on_reset(void *arg)
{
    book_reset(&((state *)arg)->b);
    return 0;
}

static int on_save(void *arg, void **payload, uint64_t *size)
{
    return book_save(&((state *)arg)->b, payload, size) < 0 ? -ENOMEM : 0;
}

static int on_restore(void *arg, const void *payload, uint64_t size, uint32_t app_version)
{
    if (app_version != 1)
        return MYL_EVERSION;
    return book_restore(&((state *)arg)->b, payload, size) < 0 ? MYL_ECORRUPT : 0;
}

static int on_matching(void *arg, uint64_t seq, const exchange_Order *in)
{
    state *s = (state *)arg;
    book_apply(&s->b, in, &s->last);
    s->last.seq = seq;
    return 0;
}

static int on_response(void *arg, uint64_t seq, const exchange_Order *in,
                       exchange_Exchange_response_out *out)
{
    state *s = (state *)arg;
    (void)seq;
    (void)in;
    if (broken_ack) {
        /* Deliberately wrong: acknowledges before the journal has it. */
        if (out->out && pipeline.response_on)
            (void)exchange_reports_producer_send(&pipeline.response_tx, &s->last, 1000000000);
        return 0;
    }
    return exchange_Exchange_response_send(out, &s->last);
}

static void handlers(exchange_Exchange_handlers *h)
{
    memset(h, 0, sizeof *h);
    h->matching = on_matching;
    h->response = on_response;
    h->reset = on_reset;
    h->save = on_save;
    h->restore = on_restore;
    h->app_version = 1;
}

static const char *status_name(uint8_t s)
{
    static const char *const names[] = {"ACCEPTED", "DUPLICATE", "REJECTED", "CANCELLED",
                                        "NOT_FOUND"};
    return s < 5 ? names[s] : "?";
}

#ifdef EXCHANGE_HEALTH
static const char *health_dir;

static void health_metrics(void *user, FILE *out)
{
    (void)user;
    const char *name = "exchange";
    (void)myl_health_pipeline_metrics(out, &health_dir, &name, 1);
}
#endif

/* --check: see the top of the file. */
static int check(const char *dir)
{
    static state st, fresh;
    exchange_Exchange_cfg cfg;
    exchange_Exchange_handlers h;
    exchange_Exchange_cfg_init(&cfg);
    cfg.state = &st;
    handlers(&h);
    int rc = exchange_Exchange_recover(dir, &cfg, &h, &pipeline);
    if (rc == -ENOENT) { /* killed before it created the pipeline */
        printf("state none\n");
        return 0;
    }
    if (rc < 0) {
        fprintf(stderr, "exchange: recover %s: %s\n", dir, myl_strerror(rc));
        return 1;
    }
    uint64_t recovered = book_digest(&st.b), next = myl_pipeline_next_seq(pipeline.p);
    if (book_digest_full(&st.b) != recovered) {
        fprintf(stderr, "exchange: recovered book's digest differs from scratch\n");
        return 1;
    }
    if ((rc = exchange_Exchange_close(&pipeline)) < 0) {
        fprintf(stderr, "exchange: close: %s\n", myl_strerror(rc));
        return 1;
    }
    char jdir[4096];
    snprintf(jdir, sizeof jdir, "%s/journal", dir);
    myl_journal_reader *r;
    if ((rc = myl_journal_reader_open(jdir, 0, &r)) < 0) {
        fprintf(stderr, "exchange: journal %s: %s\n", jdir, myl_strerror(rc));
        return 1;
    }
    book_reset(&fresh.b);
    myl_journal_record rec;
    uint64_t n = 0;
    while ((rc = myl_journal_read(r, &rec)) == 1) {
        if (rec.seq == n && rec.type == MYL_PIPELINE_INPUT) { /* where the orders ring stood */
            n++;
            continue;
        }
        if (rec.seq != n || rec.type != exchange_Exchange_TYPE ||
            rec.len != sizeof(exchange_Order)) {
            fprintf(stderr, "exchange: journal record %llu: unexpected\n", (unsigned long long)n);
            return 1;
        }
        exchange_Order o;
        exchange_Report rep;
        memcpy(&o, rec.data, sizeof o);
        book_apply(&fresh.b, &o, &rep);
        printf("rec %llu %u %llu %s %016llx\n", (unsigned long long)rec.seq, o.client,
               (unsigned long long)o.cseq, status_name(rep.status), (unsigned long long)rep.digest);
        n++;
    }
    myl_journal_reader_close(r);
    if (rc < 0) {
        fprintf(stderr, "exchange: journal read: %s\n", myl_strerror(rc));
        return 1;
    }
    if (n != next) {
        fprintf(stderr, "exchange: journal has %llu records, recovery %llu\n",
                (unsigned long long)n, (unsigned long long)next);
        return 1;
    }
    printf("state %016llx %016llx %016llx %llu\n", (unsigned long long)recovered,
           (unsigned long long)book_digest(&fresh.b),
           (unsigned long long)book_digest_full(&fresh.b), (unsigned long long)n);
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *orders = NULL, *reports = NULL;
    uint64_t every = 1000;
    bool check_only = false, stats = false;
    const char *health_port = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--orders") == 0 && i + 1 < argc)
            orders = argv[++i];
        else if (strcmp(argv[i], "--reports") == 0 && i + 1 < argc)
            reports = argv[++i];
        else if (strcmp(argv[i], "--snapshot-every") == 0 && i + 1 < argc)
            every = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--check") == 0)
            check_only = true;
        else if (strcmp(argv[i], "--broken-ack") == 0)
            broken_ack = true;
        else if (strcmp(argv[i], "--stats") == 0)
            stats = true;
        else if (strcmp(argv[i], "--health") == 0 && i + 1 < argc)
            health_port = argv[++i];
        else {
            fprintf(stderr,
                    "usage: %s --dir DIR (--orders RING --reports RING [--snapshot-every N] "
                    "[--broken-ack] [--stats] [--health PORT] | --check)\n",
                    argv[0]);
            return 2;
        }
    }
    if (!dir || (!check_only && (!orders || !reports))) {
        fprintf(stderr, "exchange: --dir, and --orders and --reports or --check, are needed\n");
        return 2;
    }
    if (check_only)
        return check(dir);
    static state st, shadow;
    myl_ring *in = NULL, *out = NULL;
    int rc = exchange_orders_attach(orders, 10000000000, &in);
    if (rc >= 0)
        rc = exchange_reports_attach(reports, 10000000000, &out);
    if (rc < 0) {
        fprintf(stderr, "exchange: attach: %s\n", myl_strerror(rc));
        return 1;
    }
    exchange_Exchange_cfg cfg;
    exchange_Exchange_handlers h;
    exchange_Exchange_cfg_init(&cfg);
    cfg.state = &st;
    cfg.shadow_state = &shadow; /* the shadow stage snapshots a copy of the book */
    cfg.opts.snapshot_every = every;
    cfg.input = in;
    cfg.input_id = "exchange";
    cfg.response_ring = out;
    if (health_port)
        cfg.opts.flags |= MYL_PIPELINE_F_TRACE;
    handlers(&h);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    if ((rc = exchange_Exchange_open(dir, &cfg, &h, &pipeline)) < 0) {
        fprintf(stderr, "exchange: open %s: %s\n", dir, myl_strerror(rc));
        return 1;
    }
#ifdef EXCHANGE_HEALTH
    myl_health *health = NULL;
    if (health_port) {
        const char *rings[2] = {orders, reports};
        health_dir = dir;
        myl_health_config hc = {.size = sizeof hc,
                                .port = (uint16_t)strtoul(health_port, NULL, 10),
                                .rings = rings,
                                .nrings = 2,
                                .metrics = health_metrics};
        if ((rc = myl_health_start(&hc, &health)) < 0) {
            fprintf(stderr, "exchange: health: %s\n", myl_strerror(rc));
            (void)exchange_Exchange_close(&pipeline);
            return 1;
        }
        printf("exchange: health endpoint on 127.0.0.1:%u\n", myl_health_port(health));
        fflush(stdout);
    }
#else
    if (health_port) {
        fprintf(stderr, "exchange: built without libmyelon_health: no --health\n");
        (void)exchange_Exchange_close(&pipeline);
        return 2;
    }
#endif
    rc = exchange_Exchange_run(&pipeline);
#ifdef EXCHANGE_HEALTH
    myl_health_stop(health);
#endif
    if (rc < 0)
        fprintf(stderr, "exchange: run: %s\n", myl_strerror(rc));
    uint64_t records = myl_pipeline_next_seq(pipeline.p);
    int crc = exchange_Exchange_close(&pipeline);
    if (crc < 0)
        fprintf(stderr, "exchange: close: %s\n", myl_strerror(crc));
    if (stats)
        fprintf(stderr, "exchange: %llu records, %u resting orders, %llu trades, digest %016llx\n",
                (unsigned long long)records, st.b.resting, (unsigned long long)st.b.trades,
                (unsigned long long)book_digest(&st.b));
    myl_ring_close(in);
    myl_ring_close(out);
    return rc < 0 || crc < 0 ? 1 : 0;
}
