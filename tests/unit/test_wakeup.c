/* Lost wake-ups, exhaustively over the steps of the protocol (F1/F2 in
 * runtime/src/ring.c, "Wake-ups" in docs/ARCHITECTURE.md).
 *
 * Built against the runtime with its test hooks (MYL_TEST_HOOKS: a call at
 * every step of the sleep path, MYL__TP_SLEEP_*, and of the wake path of
 * publish and release, MYL__TP_WAKE_*). For each step, in each direction
 * (a consumer sleeping in poll woken by publish; a producer sleeping in
 * claim on a full ring woken by release) and in each pairing of fence
 * modes, rounds are run in which one side is held at that step while the
 * other runs its whole path:
 *
 *   a sleeper step: the sleeper is held there until the waker has
 *   published (or released) and returned;
 *   a waker step: the waker is held there until the sleeper has re-checked
 *   and is about to sleep on the futex (or has returned).
 *
 * Sleep slices are made 60 s long (myl__test_slice_ns), so a lost wake-up
 * is not hidden by the 20 ms slice every wait normally has: the sleeper
 * would sleep through the round. The verdict is a 10 s watchdog per round,
 * which only a lost wake-up reaches; how long a round takes otherwise
 * decides nothing. Every step is checked to have been reached.
 *
 * Pairings (membarrier capabilities masked per handle with
 * MYL_TEST_MEMBARRIER, read at open):
 *   fence      ring without MYL_HDR_ASYM_FENCE: both sides fence
 *   asym       sleeper issues membarrier, waker registered: compiler barrier
 *   unreg      asymmetric ring, waker not registered: it fences
 *   poll       asymmetric ring, sleeper cannot issue membarrier: it polls
 * The asymmetric pairings are skipped where membarrier is missing.
 *
 * Threads in one process, so that TSan checks it too (label concurrency). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>

#include "unit_util.h"

#define ROUNDS 6
#define WATCHDOG_NS (INT64_C(10) * 1000000000)
#define HOLD_NS (INT64_C(200) * 1000000) /* how long a held waker waits for the sleeper */

enum { ROLE_NONE, ROLE_SLEEPER, ROLE_WAKER };
static _Thread_local int role;

static struct {
    int point;           /* the step to hold at */
    _Atomic int armed;   /* one hold per round */
    _Atomic int held;    /* the held side reached the step */
    _Atomic int hits;    /* rounds in which the step was reached */
    _Atomic int begun;   /* the sleeper entered the sleep path this round */
    _Atomic int checked; /* ... re-checked and is about to sleep */
    _Atomic int woke;    /* the waker has done its part */
    _Atomic int done;    /* the sleeper's call returned */
} g;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void nap(int64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
    nanosleep(&ts, NULL);
}

/* Wait until *flag is set, at most ns; true if it was. */
static bool await(_Atomic int *flag, int64_t ns)
{
    uint64_t until = now_ns() + (uint64_t)ns;
    while (!atomic_load(flag)) {
        if (now_ns() >= until)
            return false;
        nap(20000);
    }
    return true;
}

static bool sleeper_point(int point)
{
    return point >= MYL__TP_SLEEP_BEGIN && point <= MYL__TP_SLEEP_CHECKED;
}

static void hook(int point, const void *ring)
{
    (void)ring;
    if (role == ROLE_SLEEPER && point == MYL__TP_SLEEP_BEGIN)
        atomic_store(&g.begun, 1);
    if (role == ROLE_SLEEPER && point == MYL__TP_SLEEP_CHECKED)
        atomic_store(&g.checked, 1);
    if (point != g.point || role != (sleeper_point(point) ? ROLE_SLEEPER : ROLE_WAKER))
        return;
    if (!atomic_exchange(&g.armed, 0))
        return;
    atomic_fetch_add(&g.hits, 1);
    atomic_store(&g.held, 1);
    if (role == ROLE_SLEEPER) {
        /* Held until the waker has done its whole part. */
        (void)await(&g.woke, WATCHDOG_NS);
    } else {
        /* Held until the sleeper is about to sleep (or returned), then a
         * little longer, so that it is inside the futex wait. */
        uint64_t until = now_ns() + (uint64_t)HOLD_NS;
        while (!atomic_load(&g.checked) && !atomic_load(&g.done) && now_ns() < until)
            nap(20000);
        nap(1000000);
    }
}

struct run {
    int dir; /* 0: consumer sleeps in poll; 1: producer sleeps in claim */
    myl_producer *p;
    myl_consumer *c;
    _Atomic int go; /* rounds started by the main thread */
    _Atomic int stop;
    int errors;
};

static void *sleeper(void *arg)
{
    struct run *x = arg;
    role = ROLE_SLEEPER;
    for (int round = 1;; round++) {
        while (atomic_load(&x->go) < round && !atomic_load(&x->stop))
            nap(20000);
        if (atomic_load(&x->stop))
            return NULL;
        if (x->dir == 0) {
            uint64_t s;
            int64_t n = myl_consumer_poll(x->c, 1, &s, MYL_FOREVER);
            if (n != 1)
                x->errors++;
            else
                myl_consumer_release(x->c, 1);
        } else {
            uint64_t s;
            if (myl_producer_claim(x->p, 1, &s, MYL_FOREVER) != 0)
                x->errors++;
            else
                myl_producer_publish(x->p, s, 1);
        }
        atomic_store(&g.done, 1);
    }
}

/* The waker's part of a round: publish one event, or take one and
 * release it (which frees the slot the sleeping producer waits for). */
static void wake(struct run *x)
{
    uint64_t s = 0;
    if (x->dir == 0) {
        assert_int_equal(myl_producer_try_claim(x->p, 1, &s), 0);
        myl_producer_publish(x->p, s, 1);
    } else {
        assert_int_equal(myl_consumer_try_poll(x->c, 1, &s), 1);
        myl_consumer_release(x->c, 1);
    }
}

/* Masks this process's membarrier capabilities for the handles opened
 * next (see os.c); NULL restores them. */
static void caps(const char *mask)
{
    if (mask)
        setenv("MYL_TEST_MEMBARRIER", mask, 1);
    else
        unsetenv("MYL_TEST_MEMBARRIER");
}

struct pairing {
    const char *name;
    const char *ring_caps, *sleeper_caps, *waker_caps; /* NULL: unmasked */
    bool asym;
    uint8_t sleep_mode;
    bool wake_fence;
};

static const struct pairing pairings[] = {
    {"fence", "0", NULL, NULL, false, MYL__SLEEP_FENCE, true},
    {"asym", NULL, NULL, NULL, true, MYL__SLEEP_MEMBARRIER, false},
    {"unreg", NULL, NULL, "1", true, MYL__SLEEP_MEMBARRIER, true},
    {"poll", NULL, "2", NULL, true, MYL__SLEEP_POLL, false},
};

static void run_dir(int dir, const struct pairing *pr)
{
    myl__test_hook = hook;
    myl__test_slice_ns = INT64_C(60) * 1000000000;
    const char *name = myl_test_name(pr->name);
    myl_ring_unlink(MYL_BACKING_SHM, name);
    /* Block, so that every wait sleeps; asymmetric where the creator's
     * capabilities allow, as a hybrid ring is by default. */
    myl_ring_opts o = {.size = sizeof o,
                       .name = name,
                       .slot_size = 8,
                       .capacity = 2,
                       .wait = MYL_WAIT_BLOCK,
                       .flags = MYL_SEG_FENCE_ASYMMETRIC};
    caps(pr->ring_caps);
    myl_ring *r;
    assert_int_equal(myl_ring_create(&o, &r), 0);
    assert_int_equal(r->asym, pr->asym);
    struct run x = {.dir = dir};
    /* dir 0: the consumer sleeps, the producer wakes; dir 1: reversed. */
    caps(dir == 0 ? pr->sleeper_caps : pr->waker_caps);
    assert_int_equal(myl_consumer_open(r, "c", NULL, &x.c), 0);
    caps(dir == 0 ? pr->waker_caps : pr->sleeper_caps);
    assert_int_equal(myl_producer_open(r, NULL, &x.p), 0);
    caps(NULL);
    uint8_t sleep_mode = dir == 0 ? x.c->sleep_mode : x.p->sleep_mode;
    bool wake_fence = dir == 0 ? x.p->wake_fence : x.c->wake_fence;
    assert_int_equal(sleep_mode, pr->sleep_mode);
    assert_int_equal(wake_fence, pr->wake_fence);
    if (dir == 1) {
        /* Fill the ring: every claim of a round then has to wait. */
        uint64_t s = 0;
        for (int i = 0; i < 2; i++) {
            assert_int_equal(myl_producer_try_claim(x.p, 1, &s), 0);
            myl_producer_publish(x.p, s, 1);
        }
    }
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, sleeper, &x), 0);
    role = ROLE_WAKER;
    int round = 0;
    for (int point = MYL__TP_SLEEP_BEGIN; point <= MYL__TP_WAKE_BUMPED; point++) {
        g.point = point;
        atomic_store(&g.hits, 0);
        for (int i = 0; i < ROUNDS; i++) {
            atomic_store(&g.held, 0);
            atomic_store(&g.begun, 0);
            atomic_store(&g.checked, 0);
            atomic_store(&g.woke, 0);
            atomic_store(&g.done, 0);
            atomic_store(&g.armed, 1);
            atomic_store(&x.go, ++round);
            /* The sleeper must be waiting before we wake it: held at its
             * step, or inside the sleep path (for the steps after the
             * waiter check, about to sleep, so that the check sees it). */
            bool ready;
            if (sleeper_point(point))
                ready = await(&g.held, WATCHDOG_NS);
            else if (point >= MYL__TP_WAKE_SEEN)
                ready = await(&g.checked, WATCHDOG_NS);
            else
                ready = await(&g.begun, WATCHDOG_NS);
            if (!ready)
                fail_msg("%s dir %d step %d round %d: the sleeper never waited", pr->name, dir,
                         point, i);
            wake(&x);
            atomic_store(&g.woke, 1);
            if (!await(&g.done, WATCHDOG_NS))
                fail_msg("%s dir %d step %d round %d: lost wake-up (sleeper still asleep after "
                         "10 s)",
                         pr->name, dir, point, i);
        }
        if (atomic_load(&g.hits) == 0)
            fail_msg("%s dir %d: step %d never reached", pr->name, dir, point);
    }
    atomic_store(&x.stop, 1);
    pthread_join(t, NULL);
    assert_int_equal(x.errors, 0);
    myl__test_hook = NULL;
    myl_producer_close(x.p);
    myl_consumer_close(x.c);
    myl_ring_unlink(MYL_BACKING_SHM, name);
    myl_ring_close(r);
}

/* Whether a ring created with wait and flags (unmasked) is asymmetric,
 * or the error create returned. */
static int ring_asym(uint32_t wait, uint32_t flags)
{
    caps(NULL);
    myl_ring_opts o = {.size = sizeof o,
                       .name = myl_test_name("probe"),
                       .slot_size = 8,
                       .capacity = 2,
                       .wait = wait,
                       .flags = flags};
    myl_ring_unlink(MYL_BACKING_SHM, o.name);
    myl_ring *r;
    int rc = myl_ring_create(&o, &r);
    if (rc < 0)
        return rc;
    bool asym = r->asym;
    myl_ring_unlink(MYL_BACKING_SHM, o.name);
    myl_ring_close(r);
    return asym;
}

static bool have_membarrier(void)
{
    return ring_asym(MYL_WAIT_HYBRID, 0) == 1;
}

static void run_pairing(const struct pairing *pr)
{
    if (pr->asym && !have_membarrier()) {
        printf("membarrier(GLOBAL_EXPEDITED) unavailable: %s skipped\n", pr->name);
        exit(MYL_TEST_SKIP);
    }
    run_dir(0, pr);
    run_dir(1, pr);
}

static void test_fence(void **state)
{
    (void)state;
    run_pairing(&pairings[0]);
}

static void test_asym(void **state)
{
    (void)state;
    run_pairing(&pairings[1]);
}

static void test_unregistered_waker(void **state)
{
    (void)state;
    run_pairing(&pairings[2]);
}

static void test_polling_sleeper(void **state)
{
    (void)state;
    run_pairing(&pairings[3]);
}

/* Which rings get asymmetric fences: hybrid by default, block only when
 * asked (its every wait sleeps, and the sleeper's membarrier costs more
 * than the waker's fence), never a spin or yield ring (nobody sleeps). */
static void test_fence_choice(void **state)
{
    (void)state;
    const int mb = have_membarrier();
    assert_int_equal(ring_asym(MYL_WAIT_HYBRID, 0), mb);
    assert_int_equal(ring_asym(MYL_WAIT_HYBRID, MYL_SEG_FENCE_SYMMETRIC), 0);
    assert_int_equal(ring_asym(MYL_WAIT_HYBRID, MYL_SEG_FENCE_ASYMMETRIC), mb);
    assert_int_equal(ring_asym(MYL_WAIT_BLOCK, 0), 0);
    assert_int_equal(ring_asym(MYL_WAIT_BLOCK, MYL_SEG_FENCE_SYMMETRIC), 0);
    assert_int_equal(ring_asym(MYL_WAIT_BLOCK, MYL_SEG_FENCE_ASYMMETRIC), mb);
    assert_int_equal(ring_asym(MYL_WAIT_SPIN, MYL_SEG_FENCE_ASYMMETRIC), 0);
    assert_int_equal(ring_asym(MYL_WAIT_YIELD, MYL_SEG_FENCE_ASYMMETRIC), 0);
    assert_int_equal(ring_asym(MYL_WAIT_HYBRID, MYL_SEG_FENCE_ASYMMETRIC | MYL_SEG_FENCE_SYMMETRIC),
                     MYL_EINVAL);
    if (!mb)
        printf("membarrier(GLOBAL_EXPEDITED) unavailable: no ring is asymmetric\n");
}

MYL_TEST_MAIN("wakeup", cmocka_unit_test(test_fence), cmocka_unit_test(test_asym),
              cmocka_unit_test(test_unregistered_waker), cmocka_unit_test(test_polling_sleeper),
              cmocka_unit_test(test_fence_choice))
