/* Topologies: 1->1, 1->4 broadcast (gated: every consumer gets every
 * event), 4->1 and 8->1 producers into one multi-producer ring, priority
 * lanes under a mixed load, size classes under mixed sizes. Each case runs
 * twice: flat out (events/s, and the latency events see in the queue:
 * sat_p50/sat_p99) and paced (one event per producer every 20 us spun or
 * 50 us slept: p50/p99 of one-way latency, CLOCK_MONOTONIC stamped by the
 * sender and read by the receiver). Every receiver checks each payload
 * and each producer's order.
 *
 * Two cores: a case with more processes than cores uses blocking waits
 * (MYL_WAIT_BLOCK) and says so in its name ("... block"), else spin. */
#define _GNU_SOURCE
#include "suite.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define EV 64u           /* event size */
#define LAT_MAX 200000u  /* latency samples kept per receiver */
#define MAX_RX 4u        /* receivers */
#define MAX_LAT_CLASS 4u /* lanes or classes */

typedef struct topo_rx {
    _Atomic uint64_t done_ns;
    uint64_t got, bad;
    uint64_t nlat[MAX_LAT_CLASS];
    uint64_t lat[MAX_LAT_CLASS][LAT_MAX];
} topo_rx;

typedef struct topo_shared {
    _Atomic uint32_t ready;
    _Atomic uint32_t go;
    topo_rx rx[MAX_RX];
} topo_shared;

typedef struct topo_case {
    const char *name;
    int np, nc;
    uint32_t wait;
    uint64_t per_producer;
    uint64_t pace_ns; /* 0: flat out */
    bool full;
    int pin_a, pin_b; /* 1->1 only; -1 elsewhere */
} topo_case;

static void start_child(int cpu)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (cpu >= 0) {
        pin(cpu);
        return;
    }
    /* the suite's process is pinned (round trips): let the scheduler
     * place processes that outnumber the cores */
    cpu_set_t all;
    CPU_ZERO(&all);
    for (long i = 0, n = sysconf(_SC_NPROCESSORS_ONLN); i < n && i < CPU_SETSIZE; i++)
        CPU_SET((int)i, &all);
    sched_setaffinity(0, sizeof all, &all);
}

static void pace(uint64_t until, uint32_t wait)
{
    if (wait == MYL_WAIT_SPIN) {
        while (now_ns() < until)
            myl__cpu_relax();
        return;
    }
    uint64_t now = now_ns();
    if (now < until) {
        struct timespec ts = {0, (long)(until - now)};
        nanosleep(&ts, NULL);
    }
}

/* The event: send time, the producer's own sequence, its index, then the
 * payload pattern. */
static void ev_fill(uint8_t *w, const uint8_t *pat, uint64_t seq, uint32_t prod)
{
    memcpy(w + 16, pat + 16, EV - 16);
    memcpy(w + 8, &seq, 8);
    memcpy(w + 12, &prod, 4); /* high half of seq: seq < 2^32 */
    uint64_t t = now_ns();
    memcpy(w, &t, 8);
}

/* Keep latency sample v of lane or class cls with probability 1/stride,
 * drawn at random (xorshift64*, *rng the receiver's state, never 0). A
 * count of messages modulo stride aliased with the message mix, which is
 * periodic (size classes repeat every 8 messages, lanes every 10,
 * producers write batches of 32): with a stride sharing a factor with the
 * period some classes got no samples at all, and a count per class would
 * still pick one size of the two its class holds. A random pick keeps
 * every message equally likely to be sampled. */
static void lat_add(topo_rx *rx, uint32_t cls, uint64_t v, uint64_t *rng, uint64_t stride)
{
    if (cls >= MAX_LAT_CLASS || rx->nlat[cls] >= LAT_MAX)
        return;
    if (stride > 1) {
        uint64_t x = *rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *rng = x;
        if ((x * UINT64_C(0x2545F4914F6CDD1D)) % stride != 0)
            return;
    }
    rx->lat[cls][rx->nlat[cls]++] = v;
}

/* A receiver's sampling state (lat_add): fixed seeds, so runs pick alike. */
static uint64_t lat_seed(int receiver)
{
    return UINT64_C(0x9E3779B97F4A7C15) + (uint64_t)receiver;
}

/* ---- one ring: N producers, M consumers ---- */

static void ring_topo(suite *S, const topo_case *tc, topo_shared *k, uint8_t *pat)
{
    char name[64];
    snprintf(name, sizeof name, "myl-suite-topo-%d", (int)getpid());
    myl_ring *r = suite_ring(name, EV, 4096, tc->wait,
                             tc->np > 1 ? MYL_PRODUCERS_MULTI : MYL_PRODUCERS_SINGLE);
    uint64_t total = tc->per_producer * (uint64_t)tc->np;
    uint64_t stride = total / LAT_MAX + 1;
    pid_t pids[16];
    int n = 0;
    for (int c = 0; c < tc->nc; c++) {
        pid_t pid = fork();
        if (pid == 0) {
            start_child(tc->pin_b);
            myl_ring_opts o = {.size = sizeof o, .name = name};
            myl_ring *rc;
            myl_consumer *cons;
            char id[16];
            snprintf(id, sizeof id, "c%d", c);
            if (myl_ring_attach(&o, &rc) < 0 || myl_consumer_open(rc, id, NULL, &cons) < 0)
                _exit(2);
            atomic_fetch_add(&k->ready, 1);
            topo_rx *rx = &k->rx[c];
            uint64_t next[16] = {0}, rng = lat_seed(c);
            uint8_t buf[EV];
            while (rx->got < total) {
                uint64_t s;
                int64_t got = myl_consumer_poll(cons, 64, &s, MYL_FOREVER);
                if (got <= 0)
                    _exit(3);
                uint64_t now = now_ns();
                for (int64_t i = 0; i < got; i++) {
                    memcpy(buf, myl_consumer_slot(cons, s + (uint64_t)i), EV);
                    uint64_t t, seq;
                    uint32_t prod;
                    memcpy(&t, buf, 8);
                    memcpy(&seq, buf + 8, 8);
                    memcpy(&prod, buf + 12, 4);
                    seq &= 0xffffffffu;
                    if (prod >= (uint32_t)tc->np || seq != next[prod] ||
                        (tc->full ? memcmp(buf + 16, pat + 16, EV - 16) != 0
                                  : buf[EV - 1] != pat[EV - 1]))
                        rx->bad++;
                    else
                        next[prod]++;
                    lat_add(rx, 0, now - t, &rng, stride);
                    rx->got++;
                }
                myl_consumer_release(cons, (uint32_t)got);
            }
            atomic_store(&rx->done_ns, now_ns());
            myl_consumer_close(cons);
            _exit(rx->bad ? 4 : 0);
        }
        pids[n++] = pid;
    }
    uint64_t deadline = now_ns() + 30000000000u;
    while (atomic_load(&k->ready) < (uint32_t)tc->nc && now_ns() < deadline)
        usleep(100);
    for (int p = 0; p < tc->np; p++) {
        pid_t pid = fork();
        if (pid == 0) {
            start_child(tc->pin_a);
            myl_ring_opts o = {.size = sizeof o, .name = name};
            myl_ring *rp;
            myl_producer *prod;
            if (myl_ring_attach(&o, &rp) < 0 || myl_producer_open(rp, NULL, &prod) < 0)
                _exit(2);
            atomic_fetch_add(&k->ready, 1);
            while (!atomic_load(&k->go))
                tc->wait == MYL_WAIT_SPIN ? myl__cpu_relax() : (void)sched_yield();
            uint64_t t_next = now_ns();
            uint32_t batch = tc->pace_ns ? 1 : 32;
            for (uint64_t e = 0; e < tc->per_producer;) {
                uint32_t b =
                    tc->per_producer - e < batch ? (uint32_t)(tc->per_producer - e) : batch;
                uint64_t s;
                if (myl_producer_claim(prod, b, &s, MYL_FOREVER) < 0)
                    _exit(3);
                for (uint32_t i = 0; i < b; i++)
                    ev_fill(myl_producer_slot(prod, s + i), pat, e + i, (uint32_t)p);
                myl_producer_publish(prod, s, b);
                e += b;
                if (tc->pace_ns) {
                    t_next += tc->pace_ns;
                    pace(t_next, tc->wait);
                }
            }
            myl_producer_close(prod);
            _exit(0);
        }
        pids[n++] = pid;
    }
    while (atomic_load(&k->ready) < (uint32_t)(tc->nc + tc->np) && now_ns() < deadline)
        usleep(100);
    uint64_t t0 = now_ns();
    atomic_store(&k->go, 1);
    bool ok = true;
    for (int i = 0; i < n; i++) {
        int st;
        waitpid(pids[i], &st, 0);
        ok = ok && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    myl_ring_close(r);
    myl_ring_unlink(MYL_BACKING_SHM, name);
    if (!ok) {
        suite_fail(S, "topology %s: a process failed or saw wrong events", tc->name);
        return;
    }
    uint64_t t1 = 0;
    for (int c = 0; c < tc->nc; c++)
        if (k->rx[c].done_ns > t1)
            t1 = k->rx[c].done_ns;
    if (!tc->pace_ns) {
        double eps = (double)total * 1e9 / (double)(t1 - t0);
        suite_row(S, tc->name, tc->wait, EV, "events_per_s", eps);
        suite_row(S, tc->name, tc->wait, EV, "deliveries_per_s", eps * tc->nc);
    }
}

/* ---- groups: lanes and size classes ---- */

static const char *const lane_names[] = {"critical", "high", "low"};
static const uint32_t class_frames[] = {64, 256, 1024, 4096};
static const uint32_t mix_sizes[] = {16, 40, 100, 200, 700, 1000, 3000, 6000};
/* lanes: of every 10 messages, 1 critical, 3 high, 6 low */
static const uint8_t lane_mix[] = {2, 1, 2, 0, 2, 1, 2, 2, 1, 2};

static uint32_t group_msg_size(bool lanes, uint64_t seq)
{
    return lanes ? EV : mix_sizes[seq % 8];
}

static void group_topo(suite *S, const topo_case *tc, bool lanes, topo_shared *k, uint8_t *pat)
{
    char name[64];
    snprintf(name, sizeof name, "myl-suite-grp-%d", (int)getpid());
    myl_group_opts go = {.size = sizeof go,
                         .kind = lanes ? MYL_GROUP_LANES : MYL_GROUP_CLASSES,
                         .count = lanes ? 3 : 4,
                         .name = name,
                         .frame_sizes = lanes ? NULL : class_frames,
                         .frame_size = lanes ? 128 : 0,
                         .lane_names = lanes ? lane_names : NULL,
                         .capacity = 1024,
                         .wait = tc->wait};
    myl_group_unlink(&go);
    myl_group *g;
    if (myl_group_create(&go, &g) < 0) {
        suite_fail(S, "topology %s: group create", tc->name);
        return;
    }
    uint64_t total = tc->per_producer;
    uint64_t stride = total / LAT_MAX + 1;
    pid_t rx_pid = fork();
    if (rx_pid == 0) {
        start_child(tc->pin_b);
        myl_group *gc;
        myl_group_receiver *r;
        if (myl_group_attach(&go, &gc) < 0 ||
            myl_group_receiver_open(gc, "rx", lanes ? 0 : MYL_GROUP_ORDERED, NULL, &r) < 0)
            _exit(2);
        atomic_fetch_add(&k->ready, 1);
        topo_rx *rx = &k->rx[0];
        uint64_t last[MAX_LAT_CLASS] = {0}, next = 0, rng = lat_seed(0);
        while (rx->got < total) {
            myl_frame_msg m;
            uint32_t ring;
            if (myl_group_recv(r, &m, &ring, MYL_FOREVER) < 0)
                _exit(3);
            uint64_t now = now_ns(), t, seq;
            const uint8_t *b = m.data;
            if (m.len < 16) {
                rx->bad++;
                rx->got++;
                continue;
            }
            memcpy(&t, b, 8);
            memcpy(&seq, b + 8, 8);
            bool ok = m.len == group_msg_size(lanes, seq) &&
                      (tc->full ? memcmp(b + 16, pat + 16, m.len - 16) == 0
                                : m.len == 16 || b[m.len - 1] == pat[m.len - 1]);
            if (lanes) {
                /* each lane in its own send order */
                ok = ok && ring == lane_mix[seq % 10] && (seq + 1 > last[ring]);
                last[ring < MAX_LAT_CLASS ? ring : 0] = seq + 1;
            } else {
                /* ordered receiver: the send order across classes */
                ok = ok && seq == next;
                next = seq + 1;
            }
            if (!ok && rx->bad++ == 0)
                fprintf(stderr, "\n%s: message %llu: %zu bytes on ring %u, expected %llu\n",
                        tc->name, (unsigned long long)seq, m.len, ring,
                        (unsigned long long)(lanes ? seq : next - 1));
            lat_add(rx, ring, now - t, &rng, stride);
            rx->got++;
        }
        atomic_store(&rx->done_ns, now_ns());
        myl_group_receiver_close(r);
        _exit(rx->bad ? 4 : 0);
    }
    pid_t tx_pid = fork();
    if (tx_pid == 0) {
        start_child(tc->pin_a);
        myl_group *gs;
        myl_group_sender *s;
        if (myl_group_attach(&go, &gs) < 0 || myl_group_sender_open(gs, NULL, &s) < 0)
            _exit(2);
        for (uint32_t i = 0; i < go.count; i++)
            if (myl_producer_wait_consumers(myl_framer_producer(myl_group_sender_framer(s, i)),
                                            "rx", 1, 30000000000) < 0)
                _exit(2);
        atomic_fetch_add(&k->ready, 1);
        while (!atomic_load(&k->go))
            sched_yield();
        uint8_t msg[8192];
        memcpy(msg, pat, sizeof msg);
        uint64_t t_next = now_ns();
        for (uint64_t e = 0; e < total; e++) {
            uint32_t len = group_msg_size(lanes, e);
            memcpy(msg + 8, &e, 8);
            uint64_t t = now_ns();
            memcpy(msg, &t, 8);
            if (myl_group_send(s, lanes ? lane_mix[e % 10] : 0, msg, len, 0, MYL_FOREVER) < 0)
                _exit(3);
            if (tc->pace_ns) {
                t_next += tc->pace_ns;
                pace(t_next, tc->wait);
            }
        }
        myl_group_sender_close(s);
        _exit(0);
    }
    uint64_t deadline = now_ns() + 30000000000u;
    while (atomic_load(&k->ready) < 2 && now_ns() < deadline)
        usleep(100);
    uint64_t t0 = now_ns();
    atomic_store(&k->go, 1);
    int st1, st2;
    waitpid(rx_pid, &st1, 0);
    waitpid(tx_pid, &st2, 0);
    myl_group_close(g);
    myl_group_unlink(&go);
    if (!WIFEXITED(st1) || WEXITSTATUS(st1) || !WIFEXITED(st2) || WEXITSTATUS(st2)) {
        suite_fail(S, "topology %s: receiver status %#x, sender status %#x", tc->name, st1, st2);
        return;
    }
    if (!tc->pace_ns) {
        double eps = (double)total * 1e9 / (double)(k->rx[0].done_ns - t0);
        suite_row(S, tc->name, tc->wait, 0, "events_per_s", eps);
    }
}

/* ---- reporting ---- */

static void lat_rows(suite *S, const topo_case *tc, topo_shared *k, uint32_t cls, uint64_t size,
                     const char *sub, bool paced)
{
    size_t n = 0;
    for (int c = 0; c < tc->nc; c++)
        n += k->rx[c].nlat[cls];
    if (!n)
        return;
    uint64_t *all = malloc(n * 8);
    size_t j = 0;
    for (int c = 0; c < tc->nc; c++) {
        memcpy(all + j, k->rx[c].lat[cls], k->rx[c].nlat[cls] * 8);
        j += k->rx[c].nlat[cls];
    }
    qsort(all, n, 8, cmp_u64);
    char name[96];
    snprintf(name, sizeof name, "%s%s%s", tc->name, sub ? " " : "", sub ? sub : "");
    suite_row(S, name, tc->wait, size, paced ? "p50_ns" : "sat_p50_ns",
              (double)all[(size_t)(0.5 * (double)(n - 1) + 0.5)]);
    suite_row(S, name, tc->wait, size, paced ? "p99_ns" : "sat_p99_ns",
              (double)all[(size_t)(0.99 * (double)(n - 1) + 0.5)]);
    free(all);
}

void suite_topo(suite *S)
{
    uint64_t flat = S->smoke ? 200 : S->events / 4;
    uint64_t paced = S->smoke ? 20 : 2000;
    const topo_case cases[] = {
        {"1->1 spin", 1, 1, MYL_WAIT_SPIN, 0, 0, 0, S->cpu_a, S->cpu_b},
        {"1->4 broadcast block", 1, 4, MYL_WAIT_BLOCK, 0, 0, 0, -1, -1},
        {"4->1 block", 4, 1, MYL_WAIT_BLOCK, 0, 0, 0, -1, -1},
        {"8->1 block", 8, 1, MYL_WAIT_BLOCK, 0, 0, 0, -1, -1},
        {"lanes hybrid", 1, 1, MYL_WAIT_HYBRID, 0, 0, 0, S->cpu_a, S->cpu_b},
        {"classes hybrid", 1, 1, MYL_WAIT_HYBRID, 0, 0, 0, S->cpu_a, S->cpu_b},
    };
    size_t shared_size = sizeof(topo_shared);
    uint8_t pat[8192];
    pay_fill(pat, sizeof pat);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int phase = 0; phase < 2; phase++) {
            topo_case tc = cases[i];
            tc.full = S->smoke;
            bool many = tc.np > 1 || tc.nc > 1;
            /* flat out: the same number of events in total whatever the
             * producer count */
            tc.per_producer = phase == 0 ? flat / (uint64_t)tc.np : paced;
            tc.pace_ns = phase == 0 ? 0 : tc.wait == MYL_WAIT_SPIN ? 20000 : 50000;
            if (!suite_case(S, "%s, %s", tc.name, phase ? "paced" : "flat out"))
                continue;
            topo_shared *k =
                mmap(NULL, shared_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
            if (k == MAP_FAILED) {
                suite_fail(S, "mmap");
                return;
            }
            bool lanes = !strncmp(tc.name, "lanes", 5), classes = !strncmp(tc.name, "classes", 7);
            (void)many;
            if (lanes || classes) {
                group_topo(S, &tc, lanes, k, pat);
                uint32_t nl = lanes ? 3 : 4;
                for (uint32_t l = 0; l < nl; l++) {
                    char sub[32];
                    if (lanes)
                        snprintf(sub, sizeof sub, "%s", lane_names[l]);
                    else
                        snprintf(sub, sizeof sub, "f%u", class_frames[l]);
                    lat_rows(S, &tc, k, l, lanes ? EV : class_frames[l], sub, phase == 1);
                }
            } else {
                ring_topo(S, &tc, k, pat);
                lat_rows(S, &tc, k, 0, EV, NULL, phase == 1);
            }
            munmap(k, shared_size);
        }
    }
}
