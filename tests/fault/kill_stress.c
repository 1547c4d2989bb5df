/* kill_stress: random kill -9 trials against every ring shape, counting
 * what the survivors see.
 *
 *   kill_stress [--trials N] [--seed S] [--events N] [--verbose]
 *
 * A trial creates a ring of one shape (single or multi producer; raw,
 * framed or a lanes group), registers a checking consumer in this process
 * and runs producer processes ("incarnations"), each sending events
 * 0, 1, 2, ... stamped with its incarnation number and a checksum. Some
 * incarnations are killed: by SIGKILL from here after a random delay, at a
 * named kill point inside an open call (MYL_TEST_KILL_AT), or by their own
 * SIGKILL right after claiming a slot, frame or group message that they
 * never publish. Each killed incarnation is replaced by a new one, which
 * takes over its table entry where the table is full.
 *
 * The checker drains the ring until its consumer has passed every claimed
 * sequence (not for a while: no timing decides a verdict) and counts:
 *   hangs    the trial did not finish within its liveness bound (60 s)
 *   lost     an incarnation's events are not a gap-free prefix 0..k-1 (a
 *            killed producer may lose what it had not published; nothing
 *            before that may be missing), or a completed one is short
 *   dup      an event seen twice
 *   corrupt  a payload whose checksum or length does not match
 *   skipped  slots abandoned by dead producers and skipped (inherent,
 *            counted by the ring, reported here)
 *   redelivered  events a restarted consumer saw again (below)
 * Half of the trials also run a victim consumer process, killed at random
 * and restarted under the same id: it resumes where its last release left
 * off, so events it had polled but not released come again (at-least-once
 * delivery). Those are counted as redelivered, not as dup, when they come
 * before the restarted victim has caught up with that producer; anything
 * else it sees twice is a dup, anything it misses is lost. Producers whose
 * send meets the dead victim (MYL_EPEERDEAD) retry until it is back.
 * Exit status 0 only when hangs, lost, dup and corrupt are all 0.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "myelon/myelon.h"

#define MAX_INC 16
#define SEC UINT64_C(1000000000)
#define MS UINT64_C(1000000)
#define TRIAL_BOUND (60 * SEC)

enum shape { RAW, FRAMED, GROUP, SHAPES };
static const char *const shape_name[] = {"raw", "framed", "group"};

typedef struct event {
    uint32_t inc;
    uint32_t check;
    uint64_t val;
} event;

static uint64_t rng;

static uint64_t mix(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

static uint64_t rnd(uint64_t n)
{
    return mix(rng++) % n;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

static uint32_t check_of(uint32_t inc, uint64_t val)
{
    return (uint32_t)mix(((uint64_t)inc << 40) ^ val);
}

/* Framed messages: an event, then filler bytes derived from it, 16 to
 * 300 bytes in all (one to several 64-byte frames). */
static size_t framed_len(uint32_t inc, uint64_t val)
{
    return sizeof(event) + mix(val * 31 + inc) % 285;
}

static void fill(uint8_t *buf, uint32_t inc, uint64_t val, size_t len)
{
    event e = {inc, check_of(inc, val), val};
    memcpy(buf, &e, sizeof e);
    for (size_t i = sizeof e; i < len; i++)
        buf[i] = (uint8_t)(e.check + i);
}

typedef struct trial {
    enum shape shape;
    bool multi;
    char name[96];
    myl_ring_opts ro;
    myl_group_opts go;
    uint64_t events; /* per incarnation */
} trial;

/* How an incarnation dies, if it does. */
enum death { LIVE, TIMED, AT_POINT, AFTER_CLAIM };
static const char *const open_points[] = {"producer_open.claimed", "producer_open.written"};

static _Noreturn void producer(const trial *t, uint32_t inc, enum death how, uint64_t claim_at,
                               const char *point)
{
    if (how == AT_POINT)
        setenv("MYL_TEST_KILL_AT", point, 1);
    myl_ring *r = NULL;
    myl_group *g = NULL;
    myl_producer *p = NULL;
    myl_framer *f = NULL;
    myl_group_sender *s = NULL;
    int rc;
    if (t->shape == GROUP) {
        rc = myl_group_attach(&t->go, &g);
        if (rc == 0)
            rc = myl_group_sender_open(g, NULL, &s);
    } else {
        rc = myl_ring_attach(&t->ro, &r);
        if (rc == 0)
            rc = t->shape == RAW ? myl_producer_open(r, NULL, &p)
                                 : myl_framer_open(r, NULL, NULL, &f);
    }
    if (rc != 0) {
        fprintf(stderr, "kill_stress: incarnation %u: open: %s\n", inc, myl_strerror(rc));
        _exit(2);
    }
    uint8_t buf[512];
    for (uint64_t v = 0; v < t->events; v++) {
        bool die = how == AFTER_CLAIM && v == claim_at;
    again:
        if (t->shape == RAW) {
            uint64_t seq;
            rc = myl_producer_claim(p, 1, &seq, TRIAL_BOUND);
            if (rc == 0 && die)
                raise(SIGKILL);
            if (rc == 0) {
                event e = {inc, check_of(inc, v), v};
                memcpy(myl_producer_slot(p, seq), &e, sizeof e);
                myl_producer_publish(p, seq, 1);
            }
        } else {
            size_t len = framed_len(inc, v);
            fill(buf, inc, v, len);
            if (die) {
                if (t->shape == FRAMED) {
                    myl_frame_span sp;
                    rc = myl_frame_claim(f, len, 1, &sp, TRIAL_BOUND);
                } else {
                    myl_group_span sp;
                    rc = myl_group_claim(s, (uint32_t)(v % 2), len, 1, &sp, TRIAL_BOUND);
                }
                if (rc == 0)
                    raise(SIGKILL);
            } else if (t->shape == FRAMED) {
                rc = myl_frame_send(f, buf, len, 1, TRIAL_BOUND);
            } else {
                rc = myl_group_send(s, (uint32_t)(v % 2), buf, len, 1, TRIAL_BOUND);
            }
        }
        if (rc == MYL_EPEERDEAD) {
            /* The victim consumer is dead and holds the gate: wait for its
             * restart (the driver restarts it). */
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
            goto again;
        }
        if (rc != 0) {
            fprintf(stderr, "kill_stress: incarnation %u: send %llu: %s\n", inc,
                    (unsigned long long)v, myl_strerror(rc));
            _exit(3);
        }
    }
    _exit(0);
}

typedef struct counts {
    uint64_t trials, hangs, lost, dup, corrupt, skipped, killed, events, redelivered, victims;
} counts;

typedef struct inc_state {
    pid_t pid;
    bool done;   /* exited 0: every event must arrive */
    bool killed; /* killed: a gap-free prefix must arrive */
    uint64_t kill_at_ns;
} inc_state;

/* What one consumer has seen, per incarnation and lane (groups keep each
 * sender's order per lane; lane l carries l, l+2, ...). Lives in shared
 * memory for the victim, so that it survives the victim's deaths. */
typedef struct view {
    uint64_t next[MAX_INC][2]; /* the next value expected */
    bool caught[MAX_INC][2];   /* seen a new event since the last restart */
    uint64_t lost, dup, corrupt, redelivered, events;
} view;

typedef struct checker {
    const trial *t;
    myl_ring *r;
    myl_consumer *c;
    myl_defrag *d;
    myl_group *g;
    myl_group_receiver *gr;
    view *v;
    bool slow; /* the victim: works a little before it releases */
} checker;

static void check_event(view *w, enum shape shape, const uint8_t *data, size_t len)
{
    event e;
    if (len < sizeof e) {
        w->corrupt++;
        return;
    }
    memcpy(&e, data, sizeof e);
    if (e.inc >= MAX_INC || e.check != check_of(e.inc, e.val)) {
        w->corrupt++;
        return;
    }
    if (shape != RAW) {
        size_t want = framed_len(e.inc, e.val);
        bool ok = len == want;
        for (size_t i = sizeof e; ok && i < len; i++)
            ok = data[i] == (uint8_t)(e.check + i);
        if (!ok) {
            w->corrupt++;
            return;
        }
    }
    uint32_t lane = shape == GROUP ? (uint32_t)(e.val % 2) : 0;
    uint64_t step = shape == GROUP ? 2 : 1;
    uint64_t *next = &w->next[e.inc][lane];
    w->events++;
    if (e.val < *next) {
        if (w->caught[e.inc][lane])
            w->dup++;
        else
            w->redelivered++;
        return;
    }
    if (e.val > *next)
        w->lost += (e.val - *next) / step; /* a gap: events before it missing */
    *next = e.val + step;
    w->caught[e.inc][lane] = true;
}

/* The victim's work between seeing events and releasing them: a kill
 * lands there often enough to re-deliver. */
static void work(const checker *ck)
{
    if (ck->slow) {
        struct timespec ts = {0, 20000};
        nanosleep(&ts, NULL);
    }
}

/* Receive what is there (a few ms at most); 1 when something came. */
static int receive(checker *ck)
{
    if (ck->t->shape == RAW) {
        uint64_t s;
        int64_t n = myl_consumer_poll(ck->c, 64, &s, 2 * (int64_t)MS);
        if (n <= 0)
            return 0;
        for (int64_t i = 0; i < n; i++)
            check_event(ck->v, ck->t->shape, myl_consumer_slot(ck->c, s + (uint64_t)i),
                        sizeof(event));
        work(ck);
        myl_consumer_release(ck->c, (uint32_t)n);
        return 1;
    }
    myl_frame_msg m;
    int rc = ck->t->shape == FRAMED ? myl_defrag_recv(ck->d, &m, 2 * (int64_t)MS)
                                    : myl_group_recv(ck->gr, &m, NULL, 2 * (int64_t)MS);
    if (rc != 0)
        return 0;
    check_event(ck->v, ck->t->shape, m.data, m.len);
    work(ck);
    if (ck->t->shape == FRAMED)
        myl_defrag_release(ck->d);
    return 1;
}

/* Has consumer id passed every claimed sequence on ring r? */
static bool drained_ring(myl_ring *r, const char *id)
{
    myl_ring_stats rs;
    if (myl_ring_stats_get(r, &rs) != 0)
        return false;
    for (uint32_t i = 0; i < r->max_consumers; i++) {
        myl_consumer_stats cs;
        if (myl_ring_consumer_stats(r, i, &cs) == 0 && cs.state == MYL_ENTRY_ACTIVE &&
            strcmp(cs.id, id) == 0)
            return cs.seq >= rs.claim;
    }
    return false;
}

static bool drained(checker *ck, const char *id)
{
    if (ck->t->shape != GROUP)
        return drained_ring(ck->r, id);
    for (uint32_t i = 0; i < ck->g->count; i++)
        if (!drained_ring(ck->g->rings[i], id))
            return false;
    return true;
}

/* Open consumer id on the trial's ring or group. */
static int open_consumer(checker *ck, const char *id)
{
    const trial *t = ck->t;
    myl_consumer_opts co = {.size = sizeof co, .stall_ns = (int64_t)(10 * MS)};
    if (t->shape == GROUP)
        return myl_group_receiver_open(ck->g, id, 0, NULL, &ck->gr);
    return t->shape == RAW ? myl_consumer_open(ck->r, id, &co, &ck->c)
                           : myl_defrag_open(ck->r, id, &co, NULL, &ck->d);
}

/* The victim consumer: attach, resume under its id, check until killed. */
static _Noreturn void victim(const trial *t, view *w)
{
    checker ck = {.t = t, .v = w, .slow = true};
    int rc = t->shape == GROUP ? myl_group_attach(&t->go, &ck.g) : myl_ring_attach(&t->ro, &ck.r);
    if (rc == 0)
        rc = open_consumer(&ck, "victim");
    if (rc != 0) {
        fprintf(stderr, "kill_stress: victim: open: %s\n", myl_strerror(rc));
        _exit(2);
    }
    /* A restart: what comes before the first new event of each producer
     * may be a re-delivery. */
    memset(w->caught, 0, sizeof w->caught);
    for (;;)
        (void)receive(&ck);
}

static uint64_t ring_skipped(myl_ring *r)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < r->max_consumers; i++) {
        myl_consumer_stats cs;
        if (myl_ring_consumer_stats(r, i, &cs) == 0 && strcmp(cs.id, "checker") == 0)
            n += cs.skipped;
    }
    return n;
}

/* The last incarnation a trial can spawn (its budget's last table entry)
 * always lives: a single-producer ring whose last producer died holding a
 * claim keeps it claimed until a new producer opens (nothing is skipped
 * there; the newcomer continues after the last published event), so
 * without one the checker could never pass the claim cursor. */
static pid_t spawn(const trial *t, uint32_t inc, inc_state *st, bool last)
{
    enum death how = LIVE;
    uint64_t r = rnd(100);
    if (last)
        r = 100;
    if (r < 35)
        how = TIMED;
    else if (r < 50)
        how = AFTER_CLAIM;
    else if (r < 60)
        how = AT_POINT;
    uint64_t claim_at = rnd(t->events);
    const char *point = open_points[rnd(2)];
    uint64_t delay = rnd(4 * MS);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(2);
    }
    if (pid == 0)
        producer(t, inc, how, claim_at, point);
    memset(st, 0, sizeof *st);
    st->pid = pid;
    st->kill_at_ns = how == TIMED ? now_ns() + delay : 0;
    return pid;
}

static void run_trial(uint32_t n, counts *k, uint64_t events, bool verbose)
{
    trial t = {0};
    t.shape = (enum shape)(n % SHAPES);
    t.multi = (n / SHAPES) % 2 == 1;
    t.events = t.shape == RAW ? events : events / 4;
    snprintf(t.name, sizeof t.name, "myl-kill-%d-%u", (int)getpid(), n);
    uint32_t mode = t.multi ? MYL_PRODUCERS_MULTI : MYL_PRODUCERS_SINGLE;
    uint32_t concurrent = t.multi ? 3 : 1;
    /* MP: a table one larger than the producers running at once, so that
     * replacements sometimes take a dead producer's entry over. */
    uint32_t maxp = t.multi ? concurrent + (uint32_t)rnd(2) : 1;
    myl_ring_opts ro = {.size = sizeof ro,
                        .name = t.name,
                        .slot_size = t.shape == RAW ? (uint32_t)sizeof(event) : 64,
                        .capacity = 64u << rnd(3),
                        .producers = mode,
                        .max_producers = maxp,
                        .wait = MYL_WAIT_HYBRID};
    t.ro = ro;
    static const char *const lanes[] = {"a", "b"};
    myl_group_opts go = {.size = sizeof go,
                         .kind = MYL_GROUP_LANES,
                         .count = 2,
                         .name = t.name,
                         .frame_size = 64,
                         .lane_names = lanes,
                         .capacity = ro.capacity,
                         .producers = mode,
                         .max_producers = maxp,
                         .wait = MYL_WAIT_HYBRID};
    t.go = go;

    /* The views live in shared memory: the victim's outlives the victim. */
    view *views =
        mmap(NULL, 2 * sizeof(view), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (views == MAP_FAILED) {
        perror("mmap");
        exit(2);
    }
    memset(views, 0, 2 * sizeof(view));
    view *vw = &views[1];
    checker ck = {.t = &t, .v = &views[0]};
    int rc;
    if (t.shape == GROUP) {
        (void)myl_group_unlink(&t.go);
        rc = myl_group_create(&t.go, &ck.g);
    } else {
        (void)myl_ring_unlink(MYL_BACKING_SHM, t.name);
        rc = myl_ring_create(&t.ro, &ck.r);
    }
    if (rc == 0)
        rc = open_consumer(&ck, "checker");
    if (rc != 0) {
        fprintf(stderr, "kill_stress: trial %u: setup: %s\n", n, myl_strerror(rc));
        exit(2);
    }
    bool with_victim = rnd(2) == 1;
    uint32_t victim_kills = with_victim ? 1 + (uint32_t)rnd(3) : 0;
    pid_t vpid = 0;
    uint64_t vkill_at = 0;
    if (with_victim) {
        fflush(NULL);
        vpid = fork();
        if (vpid == 0)
            victim(&t, vw);
        /* Producers start once the victim is registered: a send then
         * waits for it whenever it is dead. */
        while (!drained(&ck, "victim"))
            sched_yield();
        vkill_at = now_ns() + rnd(4 * MS);
        k->victims++;
    }

    inc_state inc[MAX_INC];
    memset(inc, 0, sizeof inc);
    uint32_t spawned = 0, running = 0, budget = MAX_INC;
    for (; spawned < concurrent; spawned++, running++)
        spawn(&t, spawned, &inc[spawned], spawned == budget - 1);
    uint64_t bound = now_ns() + TRIAL_BOUND;
    bool hang = false;
    for (;;) {
        while (receive(&ck) > 0)
            ;
        uint64_t now = now_ns();
        if (vpid && victim_kills && now >= vkill_at) {
            /* Kill the victim and restart it under the same id. */
            kill(vpid, SIGKILL);
            waitpid(vpid, NULL, 0);
            victim_kills--;
            fflush(NULL);
            vpid = fork();
            if (vpid == 0)
                victim(&t, vw);
            vkill_at = now + rnd(6 * MS);
        }
        for (uint32_t i = 0; i < spawned; i++) {
            inc_state *in = &inc[i];
            if (!in->pid)
                continue;
            if (in->kill_at_ns && now >= in->kill_at_ns) {
                kill(in->pid, SIGKILL);
                in->kill_at_ns = 0;
            }
            int st;
            if (waitpid(in->pid, &st, WNOHANG) != in->pid)
                continue;
            in->pid = 0;
            running--;
            if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
                in->done = true;
            } else {
                in->killed = true;
                k->killed++;
                if (WIFEXITED(st))
                    fprintf(stderr, "kill_stress: trial %u incarnation %u exited %d\n", n, i,
                            WEXITSTATUS(st));
            }
            /* A replacement for each one that was killed, while the
             * budget lasts. */
            if (spawned < budget && !in->done) {
                spawn(&t, spawned, &inc[spawned], spawned == budget - 1);
                spawned++;
                running++;
            }
        }
        if (running == 0 && drained(&ck, "checker") && (!vpid || drained(&ck, "victim")))
            break;
        if (now >= bound) {
            hang = true;
            myl_ring_stats rs = {0};
            if (t.shape != GROUP)
                (void)myl_ring_stats_get(ck.r, &rs);
            fprintf(stderr,
                    "kill_stress: trial %u hangs: %u of %u incarnations running, checker %s, "
                    "victim %s, claim %llu, published %llu\n",
                    n, running, spawned, drained(&ck, "checker") ? "drained" : "behind",
                    !vpid                    ? "none"
                    : drained(&ck, "victim") ? "drained"
                                             : "behind",
                    (unsigned long long)rs.claim, (unsigned long long)rs.published);
            break;
        }
    }
    for (uint32_t i = 0; i < spawned; i++)
        if (inc[i].pid) {
            kill(inc[i].pid, SIGKILL);
            waitpid(inc[i].pid, NULL, 0);
        }
    if (vpid) {
        kill(vpid, SIGKILL);
        waitpid(vpid, NULL, 0);
    }
    k->trials++;
    k->hangs += hang;
    uint64_t trial_lost = 0, trial_bad = 0;
    for (uint32_t w = 0; w < (with_victim ? 2u : 1u); w++) {
        view *v = &views[w];
        /* A completed incarnation must have delivered everything: the next
         * value expected on each lane is past its last event. */
        for (uint32_t i = 0; i < spawned; i++)
            for (uint32_t l = 0; l < (t.shape == GROUP ? 2u : 1u); l++)
                if (inc[i].done && v->next[i][l] < t.events)
                    trial_lost += (t.events - v->next[i][l]) / (t.shape == GROUP ? 2 : 1);
        trial_lost += v->lost;
        trial_bad += v->dup + v->corrupt;
        k->dup += v->dup;
        k->corrupt += v->corrupt;
        k->events += v->events;
        k->redelivered += v->redelivered;
        if (verbose)
            printf("  view %u: events %llu redelivered %llu\n", w, (unsigned long long)v->events,
                   (unsigned long long)v->redelivered);
    }
    k->lost += trial_lost;
    uint64_t skipped = 0;
    if (t.shape == GROUP) {
        for (uint32_t i = 0; i < ck.g->count; i++)
            skipped += ring_skipped(ck.g->rings[i]);
        myl_group_receiver_close(ck.gr);
        myl_group_close(ck.g);
        (void)myl_group_unlink(&t.go);
    } else {
        skipped = ring_skipped(ck.r);
        if (ck.c)
            myl_consumer_close(ck.c);
        if (ck.d)
            myl_defrag_close(ck.d);
        myl_ring_close(ck.r);
        (void)myl_ring_unlink(MYL_BACKING_SHM, t.name);
    }
    munmap(views, 2 * sizeof(view));
    k->skipped += skipped;
    if (verbose || hang || trial_lost || trial_bad)
        printf("trial %u %s %s%s: %u incarnations, hang %d, lost %llu, dup/corrupt %llu, "
               "skipped %llu\n",
               n, shape_name[t.shape], t.multi ? "mp" : "sp", with_victim ? " +victim" : "",
               spawned, hang, (unsigned long long)trial_lost, (unsigned long long)trial_bad,
               (unsigned long long)skipped);
}

int main(int argc, char **argv)
{
    uint32_t trials = 60;
    uint64_t seed = now_ns() ^ (uint64_t)getpid();
    uint64_t events = 2000;
    bool verbose = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--trials") == 0 && i + 1 < argc)
            trials = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--events") == 0 && i + 1 < argc)
            events = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--verbose") == 0)
            verbose = true;
        else {
            fprintf(stderr,
                    "usage: kill_stress [--trials N] [--seed S] [--events N] [--verbose]\n");
            return 2;
        }
    }
    if (events < 8)
        events = 8;
    printf("kill_stress: seed %llu (replay with --seed)\n", (unsigned long long)seed);
    fflush(stdout);
    rng = seed;
    counts k = {0};
    for (uint32_t n = 0; n < trials; n++)
        run_trial(n, &k, events, verbose);
    printf("kill_stress: %llu trials, %llu producers killed, %llu with a victim consumer "
           "killed and restarted, %llu events checked: hangs %llu, lost %llu, dup %llu, "
           "corrupt %llu; skipped (abandoned by dead producers, counted by the ring) %llu, "
           "redelivered after a consumer restart (at-least-once) %llu\n",
           (unsigned long long)k.trials, (unsigned long long)k.killed,
           (unsigned long long)k.victims, (unsigned long long)k.events, (unsigned long long)k.hangs,
           (unsigned long long)k.lost, (unsigned long long)k.dup, (unsigned long long)k.corrupt,
           (unsigned long long)k.skipped, (unsigned long long)k.redelivered);
    bool ok = k.hangs == 0 && k.lost == 0 && k.dup == 0 && k.corrupt == 0;
    return ok ? 0 : 1;
}
