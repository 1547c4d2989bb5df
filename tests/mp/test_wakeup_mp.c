/* Wake-ups between processes with different membarrier capabilities
 * (F1/F2 in runtime/src/ring.c, "Wake-ups" in docs/ARCHITECTURE.md).
 *
 * tests/unit/test_wakeup.c holds each side at each step of the protocol,
 * but its threads share one process, hence one membarrier registration:
 * masking a capability there changes what a handle does, not what the
 * kernel does. Here each peer is its own exec'ed process, started with
 * MYL_TEST_MEMBARRIER set; a peer without the "registered" bit also gets
 * MYL_TEST_MEMBARRIER_NOREG, so that it never registers and really misses
 * the sleepers' membarrier. A peer without the "issue" bit cannot order
 * its sleep with membarrier and must poll.
 *
 * Per pairing, a driver creates two block-mode rings of capacity 2 (with
 * the creator's mask deciding MYL_HDR_ASYM_FENCE) and starts two peers:
 *   A sends ROUNDS pings, each answered by B with a pong (both sides sleep
 *     on every wait: F1 in both directions), then streams STREAM events to
 *     B through the ring of 2 (A sleeps on a full ring: F2);
 *   B checks every value, in order.
 * Random pauses at the protocol's steps (the test hook) shake the
 * interleavings. Sleep slices are an hour long, so a lost wake-up is a
 * hang, which each peer's 90 s alarm turns into a failure; how long a run
 * takes otherwise decides nothing. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <time.h>

#include "harness.h"
#include "myelon/myelon.h"

#define ROUNDS 3000
#define STREAM 20000
#define PEER_ALARM_S 90

static uint64_t rng_state;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* At one step in 8, pause for 0..~2 us, or yield the CPU. */
static void shake(int point, const void *ring)
{
    (void)point;
    (void)ring;
    uint64_t r = rnd();
    if ((r & 7) != 0)
        return;
    if ((r >> 3) & 1) {
        sched_yield();
        return;
    }
    for (volatile unsigned i = 0, n = (unsigned)(r >> 8) % 2000; i < n; i++)
        ;
}

static int peer_fail(const char *what, long long a, long long b)
{
    fprintf(stderr, "wakeup_mp peer %d: %s (%lld, %lld)\n", (int)getpid(), what, a, b);
    return 1;
}

static int open_ring(const char *name, myl_ring **r)
{
    myl_ring_opts o = {.size = sizeof o, .name = name};
    return myl_ring_attach_wait(&o, INT64_C(10) * 1000000000, r);
}

static int open_producer(myl_ring *r, myl_producer **p)
{
    myl_producer_opts po = {.size = sizeof po,
                            .coordination = MYL_COORD_WAIT,
                            .coord_count = 1,
                            .coord_timeout_ns = INT64_C(30) * 1000000000};
    return myl_producer_open(r, &po, p);
}

static int recv_one(myl_consumer *c, uint64_t *v)
{
    uint64_t s;
    int64_t n = myl_consumer_poll(c, 1, &s, -1);
    if (n != 1)
        return (int)(n < 0 ? n : -EIO);
    memcpy(v, myl_consumer_slot(c, s), sizeof *v);
    myl_consumer_release(c, 1);
    return 0;
}

/* The process's part of the protocol, as its mask and the ring decide:
 * only a registered process on an asymmetric ring skips the waker's
 * fence; on such a ring a process that cannot issue membarrier polls. */
static int check_modes(bool wake_fence, uint8_t sleep_mode, const myl_ring *r)
{
    const char *m = getenv("MYL_TEST_MEMBARRIER");
    int caps = m ? m[0] - '0' : 3;
    bool fence = !(r->asym && (caps & 2));
    uint8_t sleep = !r->asym     ? MYL__SLEEP_FENCE
                    : (caps & 1) ? MYL__SLEEP_MEMBARRIER
                                 : MYL__SLEEP_POLL;
    if (wake_fence != fence || sleep_mode != sleep)
        return peer_fail("modes", wake_fence * 10 + sleep_mode, fence * 10 + sleep);
    return 0;
}

/* Peer A: pings on ring 0, pongs back on ring 1, then streams on ring 0. */
static int peer_a(myl_ring *ping, myl_ring *pong)
{
    myl_producer *p;
    myl_consumer *c;
    myl_consumer_opts co = {.size = sizeof co, .start = MYL_START_OLDEST};
    int rc = myl_consumer_open(pong, "a", &co, &c);
    if (rc == 0)
        rc = open_producer(ping, &p);
    if (rc)
        return peer_fail("open", rc, 0);
    if ((rc = check_modes(p->wake_fence, p->sleep_mode, ping)) ||
        (rc = check_modes(c->wake_fence, c->sleep_mode, pong)))
        return rc;
    for (uint64_t i = 0; i < ROUNDS; i++) {
        uint64_t v;
        if ((rc = myl_producer_send(p, &i, -1)) != 0)
            return peer_fail("ping", rc, (long long)i);
        if ((rc = recv_one(c, &v)) != 0 || v != ~i)
            return peer_fail("pong", rc, (long long)v);
    }
    for (uint64_t i = 0; i < STREAM; i++)
        if ((rc = myl_producer_send(p, &i, -1)) != 0)
            return peer_fail("stream", rc, (long long)i);
    myl_producer_close(p);
    myl_consumer_close(c);
    return 0;
}

static int peer_b(myl_ring *ping, myl_ring *pong)
{
    myl_producer *p;
    myl_consumer *c;
    myl_consumer_opts co = {.size = sizeof co, .start = MYL_START_OLDEST};
    int rc = myl_consumer_open(ping, "b", &co, &c);
    if (rc == 0)
        rc = open_producer(pong, &p);
    if (rc)
        return peer_fail("open", rc, 0);
    if ((rc = check_modes(p->wake_fence, p->sleep_mode, pong)) ||
        (rc = check_modes(c->wake_fence, c->sleep_mode, ping)))
        return rc;
    for (uint64_t i = 0; i < ROUNDS; i++) {
        uint64_t v;
        if ((rc = recv_one(c, &v)) != 0 || v != i)
            return peer_fail("ping", rc, (long long)v);
        v = ~i;
        if ((rc = myl_producer_send(p, &v, -1)) != 0)
            return peer_fail("pong", rc, (long long)i);
    }
    for (uint64_t i = 0; i < STREAM; i++) {
        uint64_t v;
        if ((rc = recv_one(c, &v)) != 0 || v != i)
            return peer_fail("stream", rc, (long long)v);
        /* Now and then B is slow, so that A finds the ring full. */
        if ((rnd() & 15) == 0)
            sched_yield();
    }
    myl_producer_close(p);
    myl_consumer_close(c);
    return 0;
}

/* wakeup_mp --peer a|b PING PONG SEED: the peer's own process. */
static int peer_main(char **argv)
{
    alarm(PEER_ALARM_S);
    rng_state = strtoull(argv[5], NULL, 10) | 1;
    myl__test_hook = shake;
    myl__test_slice_ns = INT64_C(3600) * 1000000000;
    myl_ring *ping, *pong;
    int rc = open_ring(argv[3], &ping);
    if (rc == 0)
        rc = open_ring(argv[4], &pong);
    if (rc)
        return peer_fail("attach", rc, 0);
    rc = argv[2][0] == 'a' ? peer_a(ping, pong) : peer_b(ping, pong);
    myl_ring_close(ping);
    myl_ring_close(pong);
    return rc;
}

static const char *self_exe;

static pid_t spawn(const char *role, const char *mask, const char *ping, const char *pong,
                   uint64_t seed)
{
    char s[32];
    snprintf(s, sizeof s, "%llu", (unsigned long long)seed);
    pid_t pid = fork();
    if (pid == 0) {
        unsetenv("MYL_TEST_MEMBARRIER");
        unsetenv("MYL_TEST_MEMBARRIER_NOREG");
        if (mask)
            setenv("MYL_TEST_MEMBARRIER", mask, 1);
        if (mask && !((mask[0] - '0') & 2))
            setenv("MYL_TEST_MEMBARRIER_NOREG", "1", 1);
        execl(self_exe, self_exe, "--peer", role, ping, pong, s, (char *)NULL);
        _exit(127);
    }
    return pid;
}

struct pairing {
    const char *name;
    const char *creator, *a, *b; /* MYL_TEST_MEMBARRIER per process; NULL: none */
    bool asym;                   /* the rings carry MYL_HDR_ASYM_FENCE */
};

/* 3: may issue membarrier and registered; 1: may issue, not registered
 * (a waker that fences); 2: registered, may not issue (a sleeper that
 * polls); 0: neither. */
static const struct pairing pairings[] = {
    {"fence", "0", NULL, NULL, false},   {"asym", NULL, NULL, NULL, true},
    {"unreg_a", NULL, "1", NULL, true},  {"unreg_both", NULL, "1", "1", true},
    {"poll_b", NULL, NULL, "2", true},   {"none_a", NULL, "0", NULL, true},
    {"none_both", NULL, "0", "0", true}, {"unreg_a_poll_b", NULL, "1", "2", true},
};

static void run_pairing(const struct pairing *pr)
{
    if (pr->creator)
        setenv("MYL_TEST_MEMBARRIER", pr->creator, 1);
    else
        unsetenv("MYL_TEST_MEMBARRIER");
    const char *names[2] = {myl_test_name("ping"), myl_test_name("pong")};
    myl_ring *r[2];
    for (int i = 0; i < 2; i++) {
        myl_ring_unlink(MYL_BACKING_SHM, names[i]);
        myl_ring_opts o = {.size = sizeof o,
                           .name = names[i],
                           .slot_size = 8,
                           .capacity = 2,
                           .wait = MYL_WAIT_BLOCK,
                           .flags = MYL_SEG_FENCE_ASYMMETRIC};
        assert_int_equal(myl_ring_create(&o, &r[i]), 0);
    }
    if (r[0]->asym != pr->asym) {
        for (int i = 0; i < 2; i++) {
            myl_ring_unlink(MYL_BACKING_SHM, names[i]);
            myl_ring_close(r[i]);
        }
        /* Only a host without membarrier(GLOBAL_EXPEDITED) gets here. */
        assert_false(pr->asym);
        skip();
    }
    uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
    printf("pairing %s: seed %llu\n", pr->name, (unsigned long long)seed);
    pid_t a = spawn("a", pr->a, names[0], names[1], seed);
    pid_t b = spawn("b", pr->b, names[0], names[1], seed * 31 + 7);
    assert_true(a > 0 && b > 0);
    int st_a, st_b;
    assert_int_equal(waitpid(a, &st_a, 0), a);
    assert_int_equal(waitpid(b, &st_b, 0), b);
    for (int i = 0; i < 2; i++) {
        myl_ring_unlink(MYL_BACKING_SHM, names[i]);
        myl_ring_close(r[i]);
    }
    /* A peer killed by its alarm slept through a wake-up. */
    assert_true(WIFEXITED(st_a) && WEXITSTATUS(st_a) == 0);
    assert_true(WIFEXITED(st_b) && WEXITSTATUS(st_b) == 0);
}

#define PAIRING(i, name)                                                                           \
    static void test_##name(void **state)                                                          \
    {                                                                                              \
        (void)state;                                                                               \
        run_pairing(&pairings[i]);                                                                 \
    }
PAIRING(0, fence)
PAIRING(1, asym)
PAIRING(2, unreg_a)
PAIRING(3, unreg_both)
PAIRING(4, poll_b)
PAIRING(5, none_a)
PAIRING(6, none_both)
PAIRING(7, unreg_a_poll_b)

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "--peer") == 0)
        return peer_main(argv);
    self_exe = "/proc/self/exe";
    static char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        self_exe = exe;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fence),     cmocka_unit_test(test_asym),
        cmocka_unit_test(test_unreg_a),   cmocka_unit_test(test_unreg_both),
        cmocka_unit_test(test_poll_b),    cmocka_unit_test(test_none_a),
        cmocka_unit_test(test_none_both), cmocka_unit_test(test_unreg_a_poll_b),
    };
    return myl_test_run("wakeup_mp", tests, sizeof tests / sizeof tests[0]);
}
