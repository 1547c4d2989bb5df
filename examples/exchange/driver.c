/* The exchange's client and crash checker (docs/EXCHANGE.md).
 *
 *   exchange_driver [--trials N] [--seed S] [--orders K] [--kills M]
 *                   [--snapshot-every N] [--dir BASE] [--server PATH]
 *                   [--broken-ack] [--verbose] [--health]
 *
 * Each trial starts an exchange (exchange_server) on a fresh directory and
 * sends it K orders from 8 clients over the `orders` ring, reading a
 * report for each on the `reports` ring: a report is the exchange's
 * acknowledgement (the order is durable and applied). Up to M times per
 * trial (--kills 0: never: the demo) the exchange is killed with SIGKILL at
 * a random instant (after a random number of orders and a random delay,
 * from the trial's seed), and restarted: it recovers its directory, and
 * the client resends every order it has no report for (the exchange
 * applies a client's order once: a resent one it has is reported
 * DUPLICATE). After every kill and at the end, `exchange_server --check`
 * recovers the directory and lists the journal, and the checker verifies:
 *  - recovery (newest snapshot, then the journal after it) gives the book
 *    a replay of the whole journal on an empty book gives;
 *  - every acknowledged order is in the journal, at the sequence its
 *    report gave, with the status and book digest the report gave (no
 *    acknowledged order missing, the state after it as acknowledged);
 *  - replaying the journal's orders here, on this program's own book,
 *    gives every status and digest the exchange's replay gives;
 *  - no order is applied twice (once more is DUPLICATE), and at the end
 *    every order was acknowledged and applied exactly once.
 * --health has the exchange serve its health endpoint (exchange_server
 * --health 0: it prints the port). Exit status 0 if every trial passed, 1 at the first failure
 * (with what failed), 2 for a bad command line.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "book.h"
#include "exchange.myl.h"

#define CLIENTS 8u

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t x = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

typedef struct ack {
    bool have;
    uint8_t status;
    uint64_t seq, digest;
} ack;

typedef struct trial {
    uint32_t n;
    exchange_Order *orders;
    ack *acks;
    uint32_t *applied;   /* per order: journal records that applied it */
    uint32_t next_unack; /* the first order without a report */
} trial;

static const char *server_path;
static const char *snapshot_every = "200";
static bool broken, verbose, health;

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "exchange-stress: FAIL: " __VA_ARGS__);                                    \
        fputc('\n', stderr);                                                                       \
        return -1;                                                                                 \
    } while (0)

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tree(const char *path)
{
    (void)nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The order with index i of a trial: client i % CLIENTS, its cseq-th. A
 * tenth are cancels of one of the client's earlier orders. */
static void make_orders(trial *t)
{
    uint64_t cseq[CLIENTS] = {0};
    for (uint32_t i = 0; i < t->n; i++) {
        exchange_Order *o = &t->orders[i];
        memset(o, 0, sizeof *o);
        o->client = i % CLIENTS;
        o->cseq = ++cseq[o->client];
        if (o->cseq > 1 && rnd() % 10 == 0) {
            o->op = exchange_Op_CANCEL;
            o->target = 1 + rnd() % (o->cseq - 1);
        } else {
            o->op = exchange_Op_NEW;
            o->side = (uint8_t)(rnd() & 1);
            /* around a mid price of 128, so that orders cross often */
            o->price = 118 + (int64_t)(rnd() % 21);
            o->qty = 1 + (uint32_t)(rnd() % 100);
        }
    }
}

/* The index of the order (client, cseq), or UINT32_MAX. */
static uint32_t order_index(const trial *t, uint32_t client, uint64_t cseq)
{
    if (client >= CLIENTS || cseq == 0)
        return UINT32_MAX;
    uint64_t i = (cseq - 1) * CLIENTS + client;
    return i < t->n ? (uint32_t)i : UINT32_MAX;
}

/* Runs `exchange_server --check` on dir and verifies it (see the top). */
static int verify(trial *t, const char *dir, bool final)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' --dir '%s' --check", server_path, dir);
    FILE *f = popen(cmd, "r");
    if (!f)
        FAIL("popen %s: %s", cmd, strerror(errno));
    static book b;
    book_reset(&b);
    for (uint32_t i = 0; i < t->n; i++)
        t->applied[i] = 0;
    char line[256];
    uint64_t n = 0;       /* records up to the last order listed (input marks between) */
    uint64_t records = 0; /* in the journal, from the state line */
    bool state_seen = false;
    int bad = 0;
    char why[512] = "";
    while (fgets(line, sizeof line, f)) {
        unsigned long long seq, cseq, digest, r1, r2, r3, cnt;
        unsigned client;
        char status[32];
        if (sscanf(line, "rec %llu %u %llu %31s %llx", &seq, &client, &cseq, status, &digest) ==
            5) {
            uint32_t i = order_index(t, client, cseq);
            if (bad)
                continue;
            if (seq < n || i == UINT32_MAX) {
                snprintf(why, sizeof why, "journal record %llu: not an order sent (%u, %llu)", seq,
                         client, cseq);
                bad = 1;
                continue;
            }
            exchange_Report rep;
            book_apply(&b, &t->orders[i], &rep);
            if (rep.digest != digest) {
                snprintf(why, sizeof why,
                         "journal record %llu: this replay's digest %016llx, the exchange's "
                         "%016llx",
                         seq, (unsigned long long)rep.digest, digest);
                bad = 1;
                continue;
            }
            if (rep.status != exchange_Status_DUPLICATE && ++t->applied[i] > 1) {
                snprintf(why, sizeof why, "order %u (client %u, cseq %llu) applied twice", i,
                         client, cseq);
                bad = 1;
                continue;
            }
            const ack *a = &t->acks[i];
            /* an ack of this order at this sequence: the same outcome */
            if (a->have && a->seq == seq && (a->status != rep.status || a->digest != digest)) {
                snprintf(why, sizeof why,
                         "order %u acknowledged at %llu as status %u digest %016llx; replay: "
                         "status %u digest %016llx",
                         i, seq, a->status, (unsigned long long)a->digest, rep.status,
                         (unsigned long long)rep.digest);
                bad = 1;
            }
            n = seq + 1;
        } else if (strcmp(line, "state none\n") == 0) {
            state_seen = true; /* no pipeline yet: nothing may be acknowledged */
        } else if (sscanf(line, "state %llx %llx %llx %llu", &r1, &r2, &r3, &cnt) == 4) {
            state_seen = true;
            records = cnt;
            if (!bad && (r1 != r2 || r2 != r3 || cnt < n || r2 != book_digest(&b))) {
                snprintf(why, sizeof why,
                         "recovered book %016llx, journal replay %016llx (from scratch %016llx, "
                         "here %016llx), %llu records of %llu",
                         r1, r2, r3, (unsigned long long)book_digest(&b), cnt,
                         (unsigned long long)n);
                bad = 1;
            }
        }
    }
    int st = pclose(f);
    if (st != 0)
        FAIL("%s: exit status %d", cmd, st);
    if (bad)
        FAIL("%s: %s", dir, why);
    if (!state_seen)
        FAIL("%s: no state line", cmd);
    for (uint32_t i = 0; i < t->n; i++) {
        const ack *a = &t->acks[i];
        if (a->have && a->seq >= records)
            FAIL("%s: order %u acknowledged at sequence %llu, the journal has %llu records: an "
                 "acknowledged order is missing",
                 dir, i, (unsigned long long)a->seq, (unsigned long long)records);
        if (final && (!a->have || t->applied[i] != 1))
            FAIL("%s: order %u: %s, applied %u times", dir, i,
                 a->have ? "acknowledged" : "never acknowledged", t->applied[i]);
    }
    return 0;
}

/* One incarnation of the exchange: start it, send from the first order
 * without a report on, read reports; kill it after kill_after orders sent
 * (and a random delay), or (kill_after UINT32_MAX) stop it once every
 * order has its report. */
static int incarnation(trial *t, const char *dir, uint32_t kill_after, uint64_t delay_ns,
                       uint32_t *kills)
{
    static unsigned counter;
    char on[96], rn[96];
    snprintf(on, sizeof on, "myl-exch-%d-%u-o", (int)getpid(), counter);
    snprintf(rn, sizeof rn, "myl-exch-%d-%u-r", (int)getpid(), counter++);
    myl_ring *oring = NULL, *rring = NULL;
    int rc = exchange_orders_create(on, &oring);
    if (rc >= 0)
        rc = exchange_reports_create(rn, &rring);
    if (rc < 0)
        FAIL("ring create: %s", myl_strerror(rc));
    exchange_reports_consumer rx;
    if ((rc = exchange_reports_consumer_open(rring, "driver", NULL, &rx)) < 0)
        FAIL("reports consumer: %s", myl_strerror(rc));
    pid_t pid = fork();
    if (pid < 0)
        FAIL("fork: %s", strerror(errno));
    if (pid == 0) {
        const char *av[16] = {
            server_path,        "--dir",       dir, "--orders", on, "--reports", rn,
            "--snapshot-every", snapshot_every};
        int ac = 9;
        if (broken)
            av[ac++] = "--broken-ack";
        if (health) {
            av[ac++] = "--health";
            av[ac++] = "0";
        }
        av[ac] = NULL;
        execv(server_path, (char *const *)av);
        _exit(127);
    }
    myl_producer_opts po = {.size = sizeof po,
                            .on_dead_consumer = MYL_DEAD_EVICT,
                            .coordination = MYL_COORD_WAIT,
                            .coord_count = 1,
                            .coord_prefix = "exchange",
                            .coord_timeout_ns = 30000000000};
    exchange_orders_producer tx;
    bool tx_on = false;
    uint32_t next = t->next_unack, sent = 0;
    uint64_t last_progress = now_ns(), kill_at = 0;
    bool killed = false;
    int result = 0;
    if (kill_after == 0) {
        /* killed before it attached, perhaps mid-recovery */
        kill_at = now_ns() + delay_ns;
    } else if ((rc = exchange_orders_producer_open(oring, &po, &tx)) < 0) {
        fprintf(stderr, "exchange-stress: orders producer: %s\n", myl_strerror(rc));
        result = -1;
    } else {
        tx_on = true;
    }
    while (result == 0) {
        /* send, at most 1024 in flight */
        while (tx_on && !killed && next < t->n && next - t->next_unack < 1024 &&
               sent < kill_after) {
            rc = exchange_orders_producer_try_send(&tx, &t->orders[next]);
            if (rc == MYL_EAGAIN)
                break;
            if (rc < 0) {
                fprintf(stderr, "exchange-stress: send: %s\n", myl_strerror(rc));
                result = -1;
                break;
            }
            next++;
            if (++sent == kill_after && kill_after != UINT32_MAX)
                kill_at = now_ns() + delay_ns;
        }
        if (result < 0)
            break;
        uint64_t s;
        int64_t n = exchange_reports_consumer_try_poll(&rx, 256, &s);
        for (int64_t k = 0; k < n; k++) {
            const exchange_Report *r = exchange_reports_consumer_slot(&rx, s + (uint64_t)k);
            uint32_t i = t->next_unack;
            if (i >= t->n || r->client != t->orders[i].client || r->cseq != t->orders[i].cseq) {
                fprintf(stderr, "exchange-stress: FAIL: report for (%u, %llu), expected order %u\n",
                        r->client, (unsigned long long)r->cseq, i);
                result = -1;
                break;
            }
            t->acks[i] = (ack){true, r->status, r->seq, r->digest};
            t->next_unack++;
            last_progress = now_ns();
        }
        if (n > 0)
            exchange_reports_consumer_release(&rx, (uint32_t)n);
        if (result < 0)
            break;
        if (kill_at && !killed && now_ns() >= kill_at) {
            kill(pid, SIGKILL);
            killed = true;
            (*kills)++;
            break;
        }
        if (kill_after == UINT32_MAX && t->next_unack == t->n) {
            kill(pid, SIGTERM);
            break;
        }
        int wst;
        if (waitpid(pid, &wst, WNOHANG) == pid) {
            fprintf(stderr, "exchange-stress: FAIL: the exchange exited by itself (status %d)\n",
                    wst);
            pid = 0;
            result = -1;
            break;
        }
        if (now_ns() - last_progress > 60000000000u) {
            fprintf(stderr, "exchange-stress: FAIL: no report for 60 s (order %u)\n",
                    t->next_unack);
            result = -1;
            break;
        }
        if (n <= 0)
            sched_yield();
    }
    if (pid > 0) {
        if (result < 0)
            kill(pid, SIGKILL);
        int wst;
        while (waitpid(pid, &wst, 0) < 0 && errno == EINTR) {
        }
        if (!killed && result == 0 && !(WIFEXITED(wst) && WEXITSTATUS(wst) == 0)) {
            fprintf(stderr, "exchange-stress: FAIL: the exchange failed (status %d)\n", wst);
            result = -1;
        }
    }
    if (tx_on)
        exchange_orders_producer_close(&tx);
    exchange_reports_consumer_close(&rx);
    myl_ring_close(oring);
    myl_ring_close(rring);
    exchange_orders_unlink(on);
    exchange_reports_unlink(rn);
    return result;
}

/* Price-time priority on a known case. */
static int selftest(void)
{
    static book b;
    book_reset(&b);
    exchange_Order o[5];
    exchange_Report r;
    memset(o, 0, sizeof o);
    /* two asks at 100 (client 1 first, then 2), one at 99 (client 3) */
    o[0] = (exchange_Order){
        .client = 1, .side = exchange_Side_SELL, .cseq = 1, .price = 100, .qty = 5};
    o[1] = (exchange_Order){
        .client = 2, .side = exchange_Side_SELL, .cseq = 1, .price = 100, .qty = 5};
    o[2] =
        (exchange_Order){.client = 3, .side = exchange_Side_SELL, .cseq = 1, .price = 99, .qty = 5};
    /* a buy of 8 at 100: 5 at 99 (better price), then 3 from client 1 (earlier) */
    o[3] =
        (exchange_Order){.client = 4, .side = exchange_Side_BUY, .cseq = 1, .price = 100, .qty = 8};
    for (int i = 0; i < 4; i++)
        book_apply(&b, &o[i], &r);
    if (r.filled != 8 || r.resting != 0 || b.trades != 2)
        FAIL("selftest: filled %u, trades %llu", r.filled, (unsigned long long)b.trades);
    uint32_t head = b.head[exchange_Side_SELL][100];
    if (head == BOOK_NONE || b.pool[head].client != 1 || b.pool[head].qty != 2 ||
        b.head[exchange_Side_SELL][99] != BOOK_NONE)
        FAIL("selftest: price-time priority broken");
    /* a duplicate is not applied; a cancel removes client 2's order */
    book_apply(&b, &o[3], &r);
    if (r.status != exchange_Status_DUPLICATE)
        FAIL("selftest: duplicate applied");
    o[4] = (exchange_Order){.client = 2, .op = exchange_Op_CANCEL, .cseq = 2, .target = 1};
    book_apply(&b, &o[4], &r);
    if (r.status != exchange_Status_CANCELLED || b.resting != 1)
        FAIL("selftest: cancel");
    void *p;
    uint64_t n;
    static book c;
    if (book_save(&b, &p, &n) < 0 || book_restore(&c, p, n) < 0 ||
        book_digest(&c) != book_digest(&b) || book_digest_full(&b) != book_digest(&b))
        FAIL("selftest: save and restore");
    free(p);
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t trials = 1, seed = 1, norders = 2000, kills_max = 0;
    const char *base = NULL;
    static char self_server[4096];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--trials") == 0 && i + 1 < argc)
            trials = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--orders") == 0 && i + 1 < argc)
            norders = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--kills") == 0 && i + 1 < argc)
            kills_max = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--snapshot-every") == 0 && i + 1 < argc)
            snapshot_every = argv[++i];
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            base = argv[++i];
        else if (strcmp(argv[i], "--server") == 0 && i + 1 < argc)
            server_path = argv[++i];
        else if (strcmp(argv[i], "--broken-ack") == 0)
            broken = true;
        else if (strcmp(argv[i], "--verbose") == 0)
            verbose = true;
        else if (strcmp(argv[i], "--health") == 0)
            health = true;
        else {
            fprintf(stderr,
                    "usage: %s [--trials N] [--seed S] [--orders K] [--kills M] "
                    "[--snapshot-every N] [--dir BASE] [--server PATH] [--broken-ack] "
                    "[--verbose] [--health]\n",
                    argv[0]);
            return 2;
        }
    }
    if (norders == 0 || norders > 1000000) {
        fprintf(stderr, "exchange-stress: --orders from 1 to 1000000\n");
        return 2;
    }
    if (!server_path) {
        const char *slash = strrchr(argv[0], '/');
        snprintf(self_server, sizeof self_server, "%.*sexchange_server",
                 slash ? (int)(slash - argv[0] + 1) : 0, argv[0]);
        server_path = self_server;
    }
    if (selftest() < 0)
        return 1;
    char basedir[4096];
    snprintf(basedir, sizeof basedir, "%s/myelon-exchange-%d", base ? base : "/dev/shm",
             (int)getpid());
    rm_tree(basedir);
    if (mkdir(basedir, 0700) < 0) {
        fprintf(stderr, "exchange-stress: mkdir %s: %s\n", basedir, strerror(errno));
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    trial t = {.n = (uint32_t)norders};
    t.orders = calloc(t.n, sizeof *t.orders);
    t.acks = calloc(t.n, sizeof *t.acks);
    t.applied = calloc(t.n, sizeof *t.applied);
    if (!t.orders || !t.acks || !t.applied)
        return 1;
    uint64_t total_kills = 0, t0 = now_ns();
    int status = 0;
    for (uint64_t k = 0; k < trials && status == 0; k++) {
        rng_state = seed * UINT64_C(1000003) + k;
        char dir[4200];
        snprintf(dir, sizeof dir, "%s/trial-%llu", basedir, (unsigned long long)k);
        make_orders(&t);
        memset(t.acks, 0, sizeof *t.acks * t.n);
        t.next_unack = 0;
        uint32_t kills = 0, want = kills_max ? 1 + (uint32_t)(rnd() % kills_max) : 0;
        while (status == 0 && kills < want && t.next_unack < t.n) {
            uint32_t left = t.n - t.next_unack;
            /* one kill in ten while it starts (recovering the last one) */
            uint32_t after = rnd() % 10 == 0 ? 0 : (uint32_t)(rnd() % (left + 1));
            uint64_t delay = rnd() % 3000000; /* up to 3 ms */
            uint32_t before = kills;
            if (incarnation(&t, dir, after, delay, &kills) < 0 || verify(&t, dir, false) < 0)
                status = 1;
            else if (kills == before)
                break;
        }
        if (status == 0 &&
            (incarnation(&t, dir, UINT32_MAX, 0, &kills) < 0 || verify(&t, dir, true) < 0))
            status = 1;
        total_kills += kills;
        if (status)
            fprintf(stderr, "exchange-stress: trial %llu (--seed %llu) failed; directory %s kept\n",
                    (unsigned long long)k, (unsigned long long)seed, dir);
        else {
            if (verbose)
                printf("trial %llu: %u kills, every recovery verified\n", (unsigned long long)k,
                       kills);
            rm_tree(dir);
        }
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    if (status == 0) {
        printf("exchange: %llu trials, %llu orders each, %llu kills (SIGKILL at random instants), "
               "every recovery verified, %.1f s\n",
               (unsigned long long)trials, (unsigned long long)norders,
               (unsigned long long)total_kills, secs);
        rm_tree(basedir);
    }
    free(t.orders);
    free(t.acks);
    free(t.applied);
    return status;
}
