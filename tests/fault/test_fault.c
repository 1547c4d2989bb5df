/* Faults between processes: kill -9 (and SIGSTOP) of real mp_producer and
 * mp_consumer processes (tests/mp) at random points, and what the
 * survivors must then do: return an error instead of hanging, time out
 * cleanly, skip and count a dead producer's claimed slot, evict a dead
 * consumer, resume a dead consumer's stream without loss, and recreate a
 * segment left behind.
 *
 * Random delays and kill points come from one seed per case, printed as
 * "MYL_FAULT_SEED=<n>"; set that variable (and MYL_TEST_ONLY=<case>) to
 * replay a failure. MYL_FAULT_ROUNDS sets the rounds of random_kills.
 * Timing decides only where a kill lands, never whether a case passes.
 */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "mp_args.h"
#include "mp_driver.h"
#include "mp_event.h"

#define SEC UINT64_C(1000000000)
#define MS UINT64_C(1000000)
#define WATCHDOG (60 * SEC)

static uint64_t rng;

/* What a case started and created, so that the teardown can kill and
 * remove it if the case fails half-way (a stopped child left behind would
 * also hold ctest's output pipe open). */
static struct {
    pid_t pids[64];
    int npids;
    char rings[16][256];
    uint32_t backings[16];
    int nrings;
    char files[64][300];
    int nfiles;
} own;

static pid_t track(pid_t pid)
{
    assert_true(pid > 0);
    if (own.npids < 64)
        own.pids[own.npids++] = pid;
    return pid;
}

/* The child was reaped: its pid may be reused, never kill it again. */
static void reaped(pid_t pid)
{
    for (int i = 0; i < own.npids; i++)
        if (own.pids[i] == pid)
            own.pids[i] = 0;
}

static void track_ring(const mp_cfg *cfg)
{
    if (own.nrings < 16) {
        mp_ring_name(cfg, own.rings[own.nrings], sizeof own.rings[0]);
        own.backings[own.nrings++] = cfg->backing;
    }
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < own.npids; i++)
        if (own.pids[i] > 0) {
            kill(own.pids[i], SIGKILL);
            waitpid(own.pids[i], NULL, 0);
        }
    for (int i = 0; i < own.nrings; i++)
        (void)myl_ring_unlink(own.backings[i], own.rings[i]);
    for (int i = 0; i < own.nfiles; i++)
        unlink(own.files[i]);
    memset(&own, 0, sizeof own);
    return 0;
}

static int create(const mp_cfg *cfg, myl_ring **r)
{
    track_ring(cfg);
    return mp_create(cfg, r);
}

/* Producers are started once the consumers are registered (each case
 * waits for that first), and do not wait for consumers themselves: a
 * producer still waiting for its consumers when one of them is killed
 * would wait for a consumer that never comes. */
static pid_t spawn_p(const mp_cfg *cfg, uint32_t id, const char *report, const char *const *extra)
{
    const char *args[16];
    size_t n = 0;
    for (; extra && *extra && n < 12; extra++)
        args[n++] = *extra;
    args[n++] = "--consumers";
    args[n++] = "0";
    args[n] = NULL;
    return track(mp_spawn_producer(cfg, id, report, args));
}

static pid_t spawn_c(const mp_cfg *cfg, const char *id, const char *report,
                     const char *const *extra)
{
    return track(mp_spawn_consumer(cfg, id, report, extra));
}

static void seed(const char *name)
{
    uint64_t s;
    const char *e = getenv("MYL_FAULT_SEED");
    if (!e || mp_parse_u64(e, &s) < 0)
        s = mp_now_ns() ^ ((uint64_t)getpid() << 32);
    printf("[ seed     ] %s: MYL_FAULT_SEED=%llu\n", name, (unsigned long long)s);
    fflush(stdout);
    rng = s;
}

/* Uniform in [lo, hi). */
static uint64_t rnd(uint64_t lo, uint64_t hi)
{
    return lo + mp_mix(rng++) % (hi - lo);
}

static mp_cfg base_cfg(const char *tag, uint32_t nprod, uint32_t backing)
{
    mp_cfg c = {.label = myl_test_name(tag),
                .backing = backing,
                .producers_mode = nprod > 1 ? MYL_PRODUCERS_MULTI : MYL_PRODUCERS_SINGLE,
                .mode = MYL_MODE_GATED,
                .wait = MYL_WAIT_HYBRID,
                .nprod = nprod,
                .ncons = 2,
                .slot = 64,
                .batch = 4,
                .cbatch = 32,
                .capacity = 256,
                .count = 0,
                .timeout_ms = 30000};
    return c;
}

static const char *rep(const mp_cfg *cfg, const char *who)
{
    static char buf[8][300];
    static unsigned next;
    char *b = buf[next++ % 8];
    char suffix[32];
    snprintf(suffix, sizeof suffix, "%s.rep", who);
    mp_tmp_path(cfg, suffix, b, 300);
    if (own.nfiles < 64)
        snprintf(own.files[own.nfiles++], sizeof own.files[0], "%s", b);
    return b;
}

/* Wait until the consumers are registered and alive (a consumer killed
 * before it registered would hold the producers' start, not its stream). */
static void wait_registered(myl_ring *r, uint32_t n)
{
    uint64_t deadline = mp_now_ns() + WATCHDOG;
    for (;;) {
        uint32_t found = 0;
        for (uint32_t i = 0; i < n; i++) {
            char id[16];
            myl_consumer_stats cs;
            snprintf(id, sizeof id, "c%u", i);
            if (mp_find_consumer(r, id, &cs) >= 0 && cs.alive)
                found++;
        }
        if (found == n)
            return;
        assert_true(mp_now_ns() < deadline);
        mp_sleep_ns(MS);
    }
}

/* Wait until the ring has published at least n events in all. */
static void wait_published(myl_ring *r, uint64_t n)
{
    uint64_t deadline = mp_now_ns() + WATCHDOG;
    myl_ring_stats rs;
    while (myl_ring_stats_get(r, &rs) == 0 && rs.published < n) {
        assert_true(mp_now_ns() < deadline);
        mp_sleep_ns(MS);
    }
}

/* Wait until n producers are registered: one killed before it registered
 * would leave the consumers nothing to find dead (they would time out). */
static void wait_producers(myl_ring *r, uint32_t n)
{
    uint64_t deadline = mp_now_ns() + WATCHDOG;
    myl_ring_stats rs;
    while (myl_ring_stats_get(r, &rs) == 0 && rs.producers < n) {
        assert_true(mp_now_ns() < deadline);
        mp_sleep_ns(MS);
    }
}

static void kill9(pid_t pid)
{
    assert_int_equal(kill(pid, SIGKILL), 0);
}

/* Wait for one process under the watchdog; returns its exit code (-1 if
 * signalled). */
static int wait_exit(pid_t pid, const char *who)
{
    int st;
    int late = mp_wait(&pid, &st, 1, mp_now_ns() + WATCHDOG, true);
    reaped(pid);
    char sb[32];
    printf("             %s: %s\n", who, mp_status_str(st, sb, sizeof sb));
    assert_int_equal(late, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void wait_killed(pid_t pid)
{
    int st;
    int late = mp_wait(&pid, &st, 1, mp_now_ns() + WATCHDOG, true);
    reaped(pid);
    assert_int_equal(late, 0);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

static void read_creport(const char *path, mp_creport *c)
{
    assert_int_equal(mp_read_creport(path, c), 0);
    assert_int_equal(c->bad, 0);
}

static uint64_t read_published(const char *path)
{
    uint64_t pub = 0;
    char rc[40];
    assert_int_equal(mp_read_preport(path, &pub, rc, sizeof rc), 0);
    return pub;
}

/* A consumer that got everything some producers published before they all
 * stopped: from event 0, no gap, per producer (the consumer checked the
 * order and contents itself). */
static void expect_prefix(const mp_creport *c, uint32_t nprod, const uint64_t *published)
{
    for (uint32_t p = 0; p < nprod; p++) {
        if (published)
            assert_int_equal(c->count[p], published[p]);
        if (c->count[p]) {
            assert_int_equal(c->first[p], 0);
            assert_int_equal(c->last[p], c->count[p] - 1);
        }
    }
}

/* After every producer stopped: MP consumers skip slots claimed by dead
 * producers, so delivered + skipped covers every claim; an SP consumer
 * stops at the last published event (a dead SP producer's claims are
 * claimed again by its successor, never skipped). The published counter
 * is stored after the stamps, so it may lag behind what was delivered. */
static void expect_claims(const mp_creport *c, const myl_ring_stats *rs, uint32_t nprod)
{
    assert_int_equal(c->lost, 0);
    assert_true(c->delivered >= rs->published);
    if (nprod > 1) {
        assert_int_equal(c->delivered + c->skipped, rs->claim);
    } else {
        assert_int_equal(c->skipped, 0);
        assert_true(c->delivered <= rs->claim);
    }
}

static void cleanup(const mp_cfg *cfg, myl_ring *r, const char *const *files)
{
    for (; files && *files; files++)
        unlink(*files);
    assert_int_equal(mp_destroy(cfg, r), 0);
}

/* ---- a consumer dies: the producer returns an error, not a hang ---- */

/* Producers that never finish, two consumers; kill -9 c0 at a random
 * point. Every producer must return MYL_EPEERDEAD (on_dead_consumer =
 * error); then c1 drains exactly what they published and learns that they
 * are gone (MYL_EPEERDEAD) instead of waiting. */
static void consumer_killed(uint32_t nprod, const char *tag)
{
    seed(tag);
    mp_cfg cfg = base_cfg(tag, nprod, MYL_BACKING_SHM);
    myl_ring *r;
    assert_int_equal(create(&cfg, &r), 0);
    const char *crep = rep(&cfg, "c1");
    const char *total0[] = {"--total", "0", NULL};
    pid_t c0 = spawn_c(&cfg, "c0", NULL, total0);
    pid_t c1 = spawn_c(&cfg, "c1", crep, total0);
    wait_registered(r, 2);
    pid_t prod[4];
    const char *prep[4];
    for (uint32_t i = 0; i < nprod; i++) {
        char who[16];
        snprintf(who, sizeof who, "p%u", i);
        prep[i] = rep(&cfg, who);
        prod[i] = spawn_p(&cfg, i, prep[i], NULL);
    }
    mp_sleep_ns(rnd(0, 300) * MS);
    kill9(c0);
    wait_killed(c0);
    uint64_t published[4];
    for (uint32_t i = 0; i < nprod; i++) {
        assert_int_equal(wait_exit(prod[i], "producer"), MP_EXIT_PEERDEAD);
        published[i] = read_published(prep[i]);
    }
    assert_int_equal(wait_exit(c1, "survivor c1"), MP_EXIT_PEERDEAD);
    mp_creport c;
    read_creport(crep, &c);
    expect_prefix(&c, nprod, published);
    assert_int_equal(c.skipped, 0);
    myl_consumer_stats cs;
    assert_true(mp_find_consumer(r, "c0", &cs) >= 0);
    assert_int_equal(cs.state, MYL_ENTRY_ACTIVE); /* not evicted: policy is error */
    assert_false(cs.alive);
    printf("             c0 killed at seq %llu; c1 got %llu events\n", (unsigned long long)cs.seq,
           (unsigned long long)c.delivered);
    const char *files[] = {crep, prep[0], nprod > 1 ? prep[1] : NULL, NULL};
    cleanup(&cfg, r, files);
}

static void test_consumer_killed_sp(void **state)
{
    (void)state;
    consumer_killed(1, "ckill-sp");
}

static void test_consumer_killed_mp(void **state)
{
    (void)state;
    consumer_killed(2, "ckill-mp");
}

/* A consumer that is alive but stuck (SIGSTOP after a random number of
 * events): the producer's claim times out (MYL_ETIMEDOUT, not
 * MYL_EPEERDEAD: the process exists). */
static void test_consumer_stopped_producer_times_out(void **state)
{
    (void)state;
    seed("cstop");
    mp_cfg cfg = base_cfg("cstop", 1, MYL_BACKING_SHM);
    myl_ring *r;
    assert_int_equal(create(&cfg, &r), 0);
    char stop[32];
    snprintf(stop, sizeof stop, "%llu", (unsigned long long)rnd(0, 5000));
    const char *c0x[] = {"--total", "0", "--stop-at", stop, NULL};
    const char *c1x[] = {"--total", "0", NULL};
    const char *crep = rep(&cfg, "c1"), *prep = rep(&cfg, "p0");
    pid_t c0 = spawn_c(&cfg, "c0", NULL, c0x);
    pid_t c1 = spawn_c(&cfg, "c1", crep, c1x);
    wait_registered(r, 2);
    /* Long enough that c1, alive and reading, never makes it time out. */
    const char *px[] = {"--timeout-ms", "2000", NULL};
    pid_t p = spawn_p(&cfg, 0, prep, px);
    assert_int_equal(wait_exit(p, "producer"), MP_EXIT_TIMEDOUT);
    /* The producer gave up while the stopped consumer held it back. */
    myl_consumer_stats cs;
    assert_true(mp_find_consumer(r, "c0", &cs) >= 0);
    assert_true(cs.alive);
    uint64_t published = read_published(prep);
    /* It stopped exactly where c0's position gates it: within a batch of
     * c0's released sequence plus the capacity. */
    assert_true(published <= cs.seq + cfg.capacity);
    assert_true(published + cfg.batch > cs.seq + cfg.capacity);
    kill9(c0);
    wait_killed(c0);
    assert_int_equal(wait_exit(c1, "c1"), MP_EXIT_PEERDEAD);
    mp_creport c;
    read_creport(crep, &c);
    expect_prefix(&c, 1, &published);
    const char *files[] = {crep, prep, NULL};
    cleanup(&cfg, r, files);
}

/* ---- producers die: consumers end cleanly ---- */

/* Producers that never finish; kill -9 each at a random point. Every
 * consumer then drains what was published and returns MYL_EPEERDEAD.
 * Each producer's events arrived from 0 without a gap, the same at every
 * consumer; slots claimed but never published (MP) were skipped, and
 * delivered + skipped covers every claimed sequence. */
static void producers_killed(uint32_t nprod, uint32_t backing, const char *tag)
{
    seed(tag);
    mp_cfg cfg = base_cfg(tag, nprod, backing);
    cfg.batch = (uint32_t)rnd(1, 9);
    myl_ring *r;
    assert_int_equal(create(&cfg, &r), 0);
    const char *crep[2] = {rep(&cfg, "c0"), rep(&cfg, "c1")};
    const char *total0[] = {"--total", "0", NULL};
    pid_t c[2];
    for (int i = 0; i < 2; i++) {
        char id[16];
        snprintf(id, sizeof id, "c%d", i);
        c[i] = spawn_c(&cfg, id, crep[i], total0);
    }
    wait_registered(r, 2);
    pid_t prod[4];
    for (uint32_t i = 0; i < nprod; i++)
        prod[i] = spawn_p(&cfg, i, NULL, NULL);
    wait_producers(r, nprod);
    wait_published(r, 1);
    for (uint32_t i = 0; i < nprod; i++) {
        mp_sleep_ns(rnd(0, 200) * MS);
        kill9(prod[i]);
        wait_killed(prod[i]);
    }
    mp_creport rc[2];
    for (int i = 0; i < 2; i++) {
        assert_int_equal(wait_exit(c[i], "consumer"), MP_EXIT_PEERDEAD);
        read_creport(crep[i], &rc[i]);
        expect_prefix(&rc[i], nprod, NULL);
    }
    myl_ring_stats rs;
    assert_int_equal(myl_ring_stats_get(r, &rs), 0);
    for (int i = 0; i < 2; i++) {
        for (uint32_t p = 0; p < nprod; p++)
            assert_int_equal(rc[i].count[p], rc[0].count[p]);
        assert_int_equal(rc[i].skipped, rc[0].skipped);
        expect_claims(&rc[i], &rs, nprod);
    }
    printf("             %llu delivered, %llu skipped, claim %llu\n",
           (unsigned long long)rc[0].delivered, (unsigned long long)rc[0].skipped,
           (unsigned long long)rs.claim);
    const char *files[] = {crep[0], crep[1], NULL};
    cleanup(&cfg, r, files);
}

static void test_producer_killed_sp(void **state)
{
    (void)state;
    producers_killed(1, MYL_BACKING_SHM, "pkill-sp");
}

static void test_producers_killed_mp(void **state)
{
    (void)state;
    producers_killed(2, MYL_BACKING_SHM, "pkill-mp");
}

static void test_producers_killed_mp_file(void **state)
{
    (void)state;
    producers_killed(3, MYL_BACKING_FILE, "pkill-mpf");
}

/* A live producer that stops publishing (SIGSTOP): consumers time out
 * (MYL_ETIMEDOUT), they do not report it dead. */
static void test_producer_stopped_consumers_time_out(void **state)
{
    (void)state;
    seed("pstop");
    mp_cfg cfg = base_cfg("pstop", 1, MYL_BACKING_SHM);
    cfg.timeout_ms = 300;
    myl_ring *r;
    assert_int_equal(create(&cfg, &r), 0);
    const char *crep = rep(&cfg, "c0");
    const char *total0[] = {"--total", "0", NULL};
    pid_t c0 = spawn_c(&cfg, "c0", crep, total0);
    pid_t c1 = spawn_c(&cfg, "c1", NULL, total0);
    wait_registered(r, 2);
    const char *px[] = {"--timeout-ms", "30000", NULL};
    pid_t p = spawn_p(&cfg, 0, NULL, px);
    wait_published(r, 1);
    mp_sleep_ns(rnd(0, 100) * MS);
    assert_int_equal(kill(p, SIGSTOP), 0);
    assert_int_equal(wait_exit(c0, "c0"), MP_EXIT_TIMEDOUT);
    assert_int_equal(wait_exit(c1, "c1"), MP_EXIT_TIMEDOUT);
    mp_creport c;
    read_creport(crep, &c);
    expect_prefix(&c, 1, NULL);
    myl_ring_stats rs;
    assert_int_equal(myl_ring_stats_get(r, &rs), 0);
    assert_true(c.delivered >= rs.published && c.delivered <= rs.claim);
    kill9(p);
    wait_killed(p);
    const char *files[] = {crep, NULL};
    cleanup(&cfg, r, files);
}

/* ---- a multi-producer dies between claim and publish ---- */

/* Three producers; one publishes the events before a random K of its
 * batch and kills itself, its claimed slots unpublished. The survivors'
 * events all arrive; the dead one's arrive up to K; each consumer skips
 * exactly the unpublished slots and counts them. */
static void test_mp_producer_dies_after_claim(void **state)
{
    (void)state;
    seed("claimdie");
    mp_cfg cfg = base_cfg("claimdie", 3, MYL_BACKING_SHM);
    cfg.count = 20000;
    cfg.batch = (uint32_t)rnd(1, 5);
    uint64_t k = rnd(0, cfg.count / 2);
    uint64_t claimed = (k / cfg.batch + 1) * cfg.batch; /* the dead producer's claims */
    uint64_t total = 2 * cfg.count + claimed;
    myl_ring *r;
    assert_int_equal(create(&cfg, &r), 0);
    char tot[32], die[32];
    snprintf(tot, sizeof tot, "%llu", (unsigned long long)total);
    snprintf(die, sizeof die, "%llu", (unsigned long long)k);
    /* Between one producer's death and the next one's registration, every
     * registered producer may be dead: a consumer is told so (EPEERDEAD),
     * and these consumers wait for the producers still to come. */
    const char *cx[] = {"--total", tot, "--on-dead", "wait", NULL};
    const char *crep[2] = {rep(&cfg, "c0"), rep(&cfg, "c1")};
    pid_t c[2] = {spawn_c(&cfg, "c0", crep[0], cx), spawn_c(&cfg, "c1", crep[1], cx)};
    wait_registered(r, 2);
    const char *dx[] = {"--die-at", die, NULL};
    pid_t p[3];
    for (uint32_t i = 0; i < 3; i++)
        p[i] = spawn_p(&cfg, i, NULL, i == 1 ? dx : NULL);
    printf("             producer 1 dies at %llu (batch %u)\n", (unsigned long long)k, cfg.batch);
    wait_killed(p[1]);
    assert_int_equal(wait_exit(p[0], "p0"), 0);
    assert_int_equal(wait_exit(p[2], "p2"), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(wait_exit(c[i], "consumer"), 0);
        mp_creport cr;
        read_creport(crep[i], &cr);
        uint64_t expect[3] = {cfg.count, k, cfg.count};
        expect_prefix(&cr, 3, expect);
        assert_int_equal(cr.skipped, claimed - k);
        assert_int_equal(cr.delivered + cr.skipped, total);
        myl_consumer_stats cs;
        char id[16];
        snprintf(id, sizeof id, "c%d", i);
        assert_true(mp_find_consumer(r, id, &cs) >= 0);
        assert_int_equal(cs.skipped, claimed - k);
    }
    const char *files[] = {crep[0], crep[1], NULL};
    cleanup(&cfg, r, files);
}

/* The same, but the producer table is full (two entries), so the
 * producer started after the death must take over the dead one's entry,
 * under which its CLAIM marks still stand: they must still be skipped,
 * not taken for the new producer's own. */
static void test_mp_producer_replaced_after_claim(void **state)
{
    (void)state;
    seed("replace");
    mp_cfg cfg = base_cfg("replace", 3, MYL_BACKING_SHM);
    cfg.max_producers = 2;
    cfg.count = 20000;
    cfg.batch = (uint32_t)rnd(1, 5);
    uint64_t k = rnd(0, cfg.count / 2);
    uint64_t claimed = (k / cfg.batch + 1) * cfg.batch;
    uint64_t total = 2 * cfg.count + claimed;
    myl_ring *r;
    assert_int_equal(create(&cfg, &r), 0);
    char tot[32], die[32];
    snprintf(tot, sizeof tot, "%llu", (unsigned long long)total);
    snprintf(die, sizeof die, "%llu", (unsigned long long)k);
    /* Between one producer's death and the next one's registration, every
     * registered producer may be dead: a consumer is told so (EPEERDEAD),
     * and these consumers wait for the producers still to come. */
    const char *cx[] = {"--total", tot, "--on-dead", "wait", NULL};
    const char *crep[2] = {rep(&cfg, "c0"), rep(&cfg, "c1")};
    pid_t c[2] = {spawn_c(&cfg, "c0", crep[0], cx), spawn_c(&cfg, "c1", crep[1], cx)};
    wait_registered(r, 2);
    const char *dx[] = {"--die-at", die, NULL};
    pid_t p0 = spawn_p(&cfg, 0, NULL, NULL);
    pid_t p1 = spawn_p(&cfg, 1, NULL, dx);
    printf("             producer 1 dies at %llu (batch %u)\n", (unsigned long long)k, cfg.batch);
    wait_killed(p1);
    pid_t p2 = spawn_p(&cfg, 2, NULL, NULL);
    assert_int_equal(wait_exit(p0, "p0"), 0);
    assert_int_equal(wait_exit(p2, "p2"), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(wait_exit(c[i], "consumer"), 0);
        mp_creport cr;
        read_creport(crep[i], &cr);
        uint64_t expect[3] = {cfg.count, k, cfg.count};
        expect_prefix(&cr, 3, expect);
        assert_int_equal(cr.skipped, claimed - k);
        assert_int_equal(cr.delivered + cr.skipped, total);
    }
    myl_ring_stats rs;
    assert_int_equal(myl_ring_stats_get(r, &rs), 0);
    assert_int_equal(rs.published, 2 * cfg.count + k);
    const char *files[] = {crep[0], crep[1], NULL};
    cleanup(&cfg, r, files);
}

/* ---- eviction ---- */

/* on_dead_consumer = evict: a producer held back by a consumer that was
 * killed evicts it and finishes; the other consumer gets everything. */
static void test_dead_consumer_evicted(void **state)
{
    (void)state;
    seed("evict");
    mp_cfg cfg = base_cfg("evict", 2, MYL_BACKING_SHM);
    cfg.count = 20000;
    myl_ring *r;
    assert_int_equal(create(&cfg, &r), 0);
    char stop[32];
    /* c0 stops (alive) by then at the latest, so the producers cannot
     * finish without evicting it, wherever the kill lands. */
    snprintf(stop, sizeof stop, "%llu", (unsigned long long)rnd(0, cfg.count));
    const char *c0x[] = {"--stop-at", stop, NULL};
    const char *crep = rep(&cfg, "c1");
    pid_t c0 = spawn_c(&cfg, "c0", NULL, c0x);
    pid_t c1 = spawn_c(&cfg, "c1", crep, NULL);
    wait_registered(r, 2);
    const char *px[] = {"--on-dead", "evict", NULL};
    pid_t p[2] = {spawn_p(&cfg, 0, NULL, px), spawn_p(&cfg, 1, NULL, px)};
    mp_sleep_ns(rnd(0, 300) * MS);
    kill9(c0);
    wait_killed(c0);
    assert_int_equal(wait_exit(p[0], "p0"), 0);
    assert_int_equal(wait_exit(p[1], "p1"), 0);
    assert_int_equal(wait_exit(c1, "c1"), 0);
    mp_creport c;
    read_creport(crep, &c);
    uint64_t expect[2] = {cfg.count, cfg.count};
    expect_prefix(&c, 2, expect);
    myl_consumer_stats cs;
    assert_true(mp_find_consumer(r, "c0", &cs) >= 0);
    assert_int_equal(cs.state, MYL_ENTRY_EVICTED);
    const char *files[] = {crep, NULL};
    cleanup(&cfg, r, files);
}

/* ---- a restarted consumer resumes ---- */

static size_t read_log(const char *path, mp_log_rec **out)
{
    struct stat sb;
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &sb), 0);
    /* A kill during a write may leave a partial record: it was not
     * released, so it is ignored. */
    size_t n = (size_t)sb.st_size / sizeof(mp_log_rec);
    *out = calloc(n + 1, sizeof(mp_log_rec));
    assert_non_null(*out);
    assert_int_equal(read(fd, *out, n * sizeof(mp_log_rec)), (ssize_t)(n * sizeof(mp_log_rec)));
    close(fd);
    return n;
}

/* c0 logs every event before releasing it; it is killed at a random point
 * and restarted with the same id. The successor must start exactly at the
 * dead one's released sequence, and the two logs together must hold every
 * event of every producer once, in order (the overlap, events read but not
 * released before the kill, read again identically). The producers wait
 * for the consumer to come back (they retry MYL_EPEERDEAD). */
static void consumer_restart(uint32_t nprod, const char *tag)
{
    seed(tag);
    mp_cfg cfg = base_cfg(tag, nprod, MYL_BACKING_SHM);
    cfg.ncons = 1;
    cfg.count = 20000;
    cfg.cbatch = (uint32_t)rnd(1, 65);
    uint64_t total = cfg.count * nprod;
    myl_ring *r;
    assert_int_equal(create(&cfg, &r), 0);
    const char *log1 = rep(&cfg, "log1"), *log2 = rep(&cfg, "log2"), *crep = rep(&cfg, "c0");
    unlink(log1);
    unlink(log2);
    char stop[32];
    snprintf(stop, sizeof stop, "%llu", (unsigned long long)rnd(1, total / 2));
    const char *c0x[] = {"--log", log1, "--stop-at", stop, NULL};
    pid_t c0 = spawn_c(&cfg, "c0", NULL, c0x);
    wait_registered(r, 1);
    const char *px[] = {"--on-dead", "retry", NULL};
    pid_t p[4];
    for (uint32_t i = 0; i < nprod; i++)
        p[i] = spawn_p(&cfg, i, NULL, px);
    mp_sleep_ns(rnd(0, 200) * MS);
    kill9(c0);
    wait_killed(c0);
    myl_consumer_stats dead;
    assert_true(mp_find_consumer(r, "c0", &dead) >= 0);
    assert_false(dead.alive);
    mp_sleep_ns(rnd(0, 100) * MS); /* the producers notice and retry */
    const char *c1x[] = {"--log", log2, "--resume", "1", NULL};
    pid_t c1 = spawn_c(&cfg, "c0", crep, c1x);
    for (uint32_t i = 0; i < nprod; i++)
        assert_int_equal(wait_exit(p[i], "producer"), 0);
    assert_int_equal(wait_exit(c1, "restarted c0"), 0);
    mp_creport c;
    read_creport(crep, &c);
    assert_int_equal(c.start, dead.seq);
    assert_int_equal(c.end, total);

    mp_log_rec *l1, *l2;
    size_t n1 = read_log(log1, &l1), n2 = read_log(log2, &l2);
    printf("             killed at released seq %llu, %zu logged; successor read %zu\n",
           (unsigned long long)dead.seq, n1, n2);
    /* Everything released was logged first: nothing lost... */
    assert_true(dead.seq <= n1);
    /* ...and what was logged but not released is at most a batch. */
    assert_true(n1 - dead.seq <= cfg.cbatch);
    assert_int_equal(n2, total - dead.seq);
    uint64_t next[4] = {0};
    for (uint64_t s = 0; s < total; s++) {
        const mp_log_rec *e = s < dead.seq ? &l1[s] : &l2[s - dead.seq];
        assert_int_equal(e->ring_seq, s);
        assert_true(e->producer < nprod);
        assert_int_equal(e->pseq, next[e->producer]);
        next[e->producer]++;
        if (s >= dead.seq && s < n1) {
            assert_int_equal(l1[s].producer, e->producer);
            assert_int_equal(l1[s].pseq, e->pseq);
        }
    }
    for (uint32_t i = 0; i < nprod; i++)
        assert_int_equal(next[i], cfg.count);
    free(l1);
    free(l2);
    const char *files[] = {log1, log2, crep, NULL};
    cleanup(&cfg, r, files);
}

static void test_consumer_restart_resumes_sp(void **state)
{
    (void)state;
    consumer_restart(1, "resume-sp");
}

static void test_consumer_restart_resumes_mp(void **state)
{
    (void)state;
    consumer_restart(2, "resume-mp");
}

/* ---- a segment left behind ---- */

/* The creator (a producer) and a consumer are killed: the segment stays.
 * Creating it again fails with EEXIST; created with MYL_SEG_REPLACE_STALE
 * it is replaced, and the new ring carries a full run. */
static void stale_segment(uint32_t backing, const char *tag)
{
    seed(tag);
    mp_cfg cfg = base_cfg(tag, 1, backing);
    cfg.ncons = 1;
    char name[256], cap[32];
    mp_ring_name(&cfg, name, sizeof name);
    (void)myl_ring_unlink(backing, name);
    track_ring(&cfg);
    snprintf(cap, sizeof cap, "%llu", (unsigned long long)cfg.capacity);
    const char *px[] = {"--create", cap, NULL};
    const char *total0[] = {"--total", "0", NULL};
    pid_t p = spawn_p(&cfg, 0, NULL, px);
    pid_t c = spawn_c(&cfg, "c0", NULL, total0);
    myl_ring_opts o = {.size = sizeof o, .backing = backing, .name = name};
    myl_ring *r;
    assert_int_equal(myl_ring_attach_wait(&o, 30 * (int64_t)SEC, &r), 0);
    wait_registered(r, 1);
    wait_published(r, 1);
    mp_sleep_ns(rnd(0, 100) * MS);
    kill9(p);
    kill9(c);
    wait_killed(p);
    wait_killed(c);
    myl_ring_close(r);

    myl_ring_opts co = {.size = sizeof co,
                        .backing = backing,
                        .name = name,
                        .slot_size = cfg.slot,
                        .capacity = cfg.capacity,
                        .wait = cfg.wait};
    assert_int_equal(myl_ring_create(&co, &r), -EEXIST);
    /* Still a valid segment whose peers are all dead. */
    assert_int_equal(myl_ring_attach(&o, &r), 0);
    myl_consumer_stats cs;
    assert_true(mp_find_consumer(r, "c0", &cs) >= 0);
    assert_false(cs.alive);
    myl_ring_close(r);
    /* Replace-if-stale takes it over: its creator and both peers are dead. */
    co.flags = MYL_SEG_REPLACE_STALE;
    assert_int_equal(myl_ring_create(&co, &r), 0);
    mp_result res;
    cfg.count = 20000;
    int rc = mp_run_on(&cfg, r, &res);
    if (rc)
        printf("             %s\n", res.err);
    assert_int_equal(rc, 0);
    cleanup(&cfg, r, NULL);
}

static void test_stale_segment_shm(void **state)
{
    (void)state;
    stale_segment(MYL_BACKING_SHM, "stale-shm");
}

static void test_stale_segment_file(void **state)
{
    (void)state;
    stale_segment(MYL_BACKING_FILE, "stale-file");
}

/* ---- repeated random kills ---- */

/* Rounds of: SP or MP (2 producers), both never-ending; two consumers;
 * kill -9 a random victim (a consumer, or the producers one by one) after
 * a random delay, and check the same invariants as the cases above. */
static void test_random_kills(void **state)
{
    (void)state;
    seed("random");
    uint64_t rounds = mp_env_u64("MYL_FAULT_ROUNDS", 6);
    for (uint64_t round = 0; round < rounds; round++) {
        uint32_t nprod = (uint32_t)rnd(1, 3);
        bool kill_consumer = rnd(0, 2) == 0;
        char tag[32];
        snprintf(tag, sizeof tag, "rnd%llu", (unsigned long long)round);
        mp_cfg cfg = base_cfg(tag, nprod, rnd(0, 2) ? MYL_BACKING_SHM : MYL_BACKING_FILE);
        cfg.batch = (uint32_t)rnd(1, 17);
        cfg.cbatch = (uint32_t)rnd(1, 129);
        cfg.capacity = UINT64_C(1) << rnd(4, 12); /* >= the largest batch */
        printf("             round %llu: %u producer(s), kill %s, batch %u/%u, capacity %llu\n",
               (unsigned long long)round, nprod, kill_consumer ? "c0" : "producers", cfg.batch,
               cfg.cbatch, (unsigned long long)cfg.capacity);
        myl_ring *r;
        assert_int_equal(create(&cfg, &r), 0);
        const char *crep[2] = {rep(&cfg, "c0"), rep(&cfg, "c1")};
        const char *prep[2] = {rep(&cfg, "p0"), rep(&cfg, "p1")};
        const char *total0[] = {"--total", "0", NULL};
        pid_t c[2] = {spawn_c(&cfg, "c0", crep[0], total0), spawn_c(&cfg, "c1", crep[1], total0)};
        wait_registered(r, 2);
        pid_t p[2];
        for (uint32_t i = 0; i < nprod; i++)
            p[i] = spawn_p(&cfg, i, prep[i], NULL);
        wait_producers(r, nprod);
        mp_sleep_ns(rnd(0, 250) * MS);
        uint64_t published[2] = {0, 0};
        int first = 0;
        if (kill_consumer) {
            kill9(c[0]);
            wait_killed(c[0]);
            for (uint32_t i = 0; i < nprod; i++) {
                assert_int_equal(wait_exit(p[i], "producer"), MP_EXIT_PEERDEAD);
                published[i] = read_published(prep[i]);
            }
            first = 1;
        } else {
            for (uint32_t i = 0; i < nprod; i++) {
                if (i)
                    mp_sleep_ns(rnd(0, 100) * MS);
                kill9(p[i]);
                wait_killed(p[i]);
            }
        }
        myl_ring_stats rs;
        mp_creport cr[2];
        for (int i = first; i < 2; i++) {
            assert_int_equal(wait_exit(c[i], "consumer"), MP_EXIT_PEERDEAD);
            read_creport(crep[i], &cr[i]);
            expect_prefix(&cr[i], nprod, kill_consumer ? published : NULL);
            assert_int_equal(myl_ring_stats_get(r, &rs), 0);
            expect_claims(&cr[i], &rs, nprod);
            if (kill_consumer) /* the producers stopped cleanly, on an error */
                assert_int_equal(cr[i].skipped, 0);
            for (uint32_t q = 0; q < nprod; q++)
                assert_int_equal(cr[i].count[q], cr[first].count[q]);
        }
        printf("             -> %llu delivered, %llu skipped\n",
               (unsigned long long)cr[1].delivered, (unsigned long long)cr[1].skipped);
        const char *files[] = {crep[0], crep[1], prep[0], prep[1], NULL};
        cleanup(&cfg, r, files);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_consumer_killed_sp, teardown),
        cmocka_unit_test_teardown(test_consumer_killed_mp, teardown),
        cmocka_unit_test_teardown(test_consumer_stopped_producer_times_out, teardown),
        cmocka_unit_test_teardown(test_producer_killed_sp, teardown),
        cmocka_unit_test_teardown(test_producers_killed_mp, teardown),
        cmocka_unit_test_teardown(test_producers_killed_mp_file, teardown),
        cmocka_unit_test_teardown(test_producer_stopped_consumers_time_out, teardown),
        cmocka_unit_test_teardown(test_mp_producer_dies_after_claim, teardown),
        cmocka_unit_test_teardown(test_mp_producer_replaced_after_claim, teardown),
        cmocka_unit_test_teardown(test_dead_consumer_evicted, teardown),
        cmocka_unit_test_teardown(test_consumer_restart_resumes_sp, teardown),
        cmocka_unit_test_teardown(test_consumer_restart_resumes_mp, teardown),
        cmocka_unit_test_teardown(test_stale_segment_shm, teardown),
        cmocka_unit_test_teardown(test_stale_segment_file, teardown),
        cmocka_unit_test_teardown(test_random_kills, teardown),
    };
    return myl_test_run("fault", tests, sizeof tests / sizeof tests[0]);
}
