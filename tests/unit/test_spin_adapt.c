/* A consumer's hybrid waits adapt their spin phase (myl__adapt_spin in
 * runtime/src/ring.c, "Waiting, timeouts and liveness" in
 * docs/ARCHITECTURE.md): a wait that outlasts what its full spin would
 * have lasted halves the next wait's budget, down to 16 steps; a wait
 * answered within it doubles the budget, up to the configured spin. A
 * consumer's poll, and a pipeline stage waiting for the stage it runs
 * after (producers do not adapt: ring.c says why); a consumer opened with
 * MYL_CONSUMER_FIXED_SPIN does not either.
 *
 * Built against the runtime with its test hooks, so that an answer can be
 * given at a known step of the wait: the hook at the first step of the
 * sleep path (MYL__TP_SLEEP_BEGIN) publishes from the waiting thread
 * itself, and the wait's re-check finds it before it would sleep. The margins: the full spin here
 * is 20,000 steps (about 320 us in a Release build on an AMD EPYC guest, more on Intel's slower
 * pause); waits that shrink it last four times what the runtime measured it to be, at least 50 ms;
 * waits that grow it fewer than 1,024 steps and one membarrier. A wait preempted while its spin
 * phase is being timed only keeps the budget for that wait (the least time seen is kept), so the
 * shrinking loops check where they end, not every step. */
#define _GNU_SOURCE
#include "myelon/stage.h"
#include "unit_util.h"

#define FULL_SPIN 20000u
#define MIN_SPIN 16u
#define SHORT_WAIT (50 * MYL_UT_MS)

/* A wait that outlasts the full spin four times over, from the time the
 * runtime measured for 64 steps (ns64; 0 before the first wait). A spin
 * step costs what the build makes it (-O0 with coverage counters: about
 * a microsecond; Release: 16 ns on an AMD EPYC guest), so the length is
 * taken from the measurement, never assumed. */
static int64_t long_wait(uint64_t ns64)
{
    uint64_t w = 4 * ns64 * (FULL_SPIN / 64 + 1);
    return ns64 == 0 || w < (uint64_t)SHORT_WAIT ? SHORT_WAIT : (int64_t)w;
}

/* Shrinking takes 11 waits from 20,000 to 16; growing, 6 from 16 to
 * 1,024. Each wait should move the budget one step. But the rule is
 * about time, and the test cannot stop the scheduler: an answered wait
 * preempted past the full spin halves the budget instead, as it should,
 * and a long wait whose spin was timed while preempted keeps it. So a
 * few more waits are allowed (up to TRIES), and the tests check where
 * the budget ends: one that never moves fails. */
#define GROWN (MIN_SPIN << 6)
#define TRIES 40

static struct {
    myl_producer *p; /* publish one event at the sleep step */
    int fired;
} answer;

static void hook(int point, const void *ring)
{
    (void)ring;
    if (point != MYL__TP_SLEEP_BEGIN)
        return;
    uint64_t s = 0;
    if (answer.p) {
        myl_producer *p = answer.p;
        answer.p = NULL; /* publish's own steps come back here */
        assert_int_equal(myl_producer_try_claim(p, 1, &s), 0);
        myl_producer_publish(p, s, 1);
        answer.fired++;
    }
}

struct fixture {
    myl_ring_opts o;
    myl_ring *r;
    myl_producer *p;
    myl_consumer *c;
};

static void open_all(struct fixture *f, const char *tag, uint32_t wait, uint32_t flags)
{
    f->o = myl_ut_opts(tag, MYL_BACKING_SHM);
    f->o.capacity = 2;
    f->o.wait = wait;
    f->r = myl_ut_create(&f->o);
    myl_producer_opts po = {.size = sizeof po, .spin = FULL_SPIN};
    myl_consumer_opts co = {.size = sizeof co, .spin = FULL_SPIN, .flags = flags};
    assert_int_equal(myl_consumer_open(f->r, "c", &co, &f->c), 0);
    assert_int_equal(myl_producer_open(f->r, &po, &f->p), 0);
    assert_int_equal(f->c->spin_now, FULL_SPIN);
    myl__test_hook = hook;
}

static void close_all(struct fixture *f)
{
    myl__test_hook = NULL;
    memset(&answer, 0, sizeof answer);
    myl_producer_close(f->p);
    myl_consumer_close(f->c);
    myl_ut_destroy(f->r, &f->o);
}

/* Waits that time out long after the full spin halve the budget to the
 * least; then waits answered at once double it again. */
static void test_consumer_adapts(void **state)
{
    (void)state;
    struct fixture f;
    open_all(&f, "spin-c", MYL_WAIT_HYBRID, 0);
    uint64_t s;
    uint32_t last = FULL_SPIN;
    for (int i = 0; i < TRIES && f.c->spin_now > MIN_SPIN; i++) {
        assert_int_equal(myl_consumer_poll(f.c, 1, &s, long_wait(f.c->spin_ns64)), MYL_ETIMEDOUT);
        assert_true(f.c->spin_ns64 > 0); /* measured in the first wait's spin phase */
        assert_true(f.c->spin_now <= last && f.c->spin_now >= MIN_SPIN); /* never grows */
        last = f.c->spin_now;
    }
    assert_int_equal(f.c->spin_now, MIN_SPIN);
    for (int i = 1; i <= TRIES && f.c->spin_now < GROWN; i++) {
        answer.p = f.p;
        assert_int_equal(myl_consumer_poll(f.c, 1, &s, 5 * MYL_UT_SEC), 1);
        myl_consumer_release(f.c, 1);
        assert_int_equal(answer.fired, i); /* answered at the sleep step */
    }
    assert_int_equal(f.c->spin_now, GROWN);
    close_all(&f);
}

/* A stage waiting for the stage it runs after (wait_deps in stage.c)
 * adapts its consumer's budget the same way. */
static void test_stage_adapts(void **state)
{
    (void)state;
    myl_ring_opts o = myl_ut_opts("spin-s", MYL_BACKING_SHM);
    myl_ring *r = myl_ut_create(&o);
    myl_consumer_opts co = {.size = sizeof co, .spin = FULL_SPIN, .start = MYL_START_OLDEST};
    const char *after[] = {"journal"};
    myl_stage *j, *m;
    myl_producer *p;
    assert_int_equal(myl_stage_open(r, "journal", NULL, 0, &co, 0, &j), 0);
    assert_int_equal(myl_stage_open(r, "matching", after, 1, &co, MYL_UT_SEC, &m), 0);
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    uint64_t s;
    assert_int_equal(myl_producer_try_claim(p, 1, &s), 0);
    myl_producer_publish(p, s, 1);
    /* Published, not released by journal: matching waits on it. */
    myl_consumer *mc = myl_stage_consumer(m);
    assert_int_equal(mc->spin_now, FULL_SPIN);
    for (int i = 0; i < TRIES && mc->spin_now > MIN_SPIN; i++)
        assert_int_equal(myl_stage_poll(m, 1, &s, long_wait(mc->spin_ns64)), MYL_ETIMEDOUT);
    assert_true(mc->spin_ns64 > 0);
    assert_int_equal(mc->spin_now, MIN_SPIN);
    assert_int_equal(myl_stage_poll(j, 1, &s, 0), 1);
    myl_stage_release(j, 1);
    assert_int_equal(myl_stage_poll(m, 1, &s, 0), 1);
    myl_stage_release(m, 1);
    myl_producer_close(p);
    myl_stage_close(m);
    myl_stage_close(j);
    myl_ut_destroy(r, &o);
}

/* Only hybrid waits have a spin phase to adapt: block waits leave it. */
static void test_block_keeps(void **state)
{
    (void)state;
    struct fixture f;
    open_all(&f, "spin-b", MYL_WAIT_BLOCK, 0);
    uint64_t s;
    for (int i = 0; i < 3; i++)
        assert_int_equal(myl_consumer_poll(f.c, 1, &s, 10 * MYL_UT_MS), MYL_ETIMEDOUT);
    assert_int_equal(f.c->spin_now, FULL_SPIN);
    assert_int_equal(f.c->spin_ns64, 0);
    close_all(&f);
}

/* MYL_CONSUMER_FIXED_SPIN: the waits that take an adapted budget to the
 * least (test_consumer_adapts), and the spin is timed, but the budget
 * stays the full spin; answered waits keep it there too. */
static void test_fixed_keeps(void **state)
{
    (void)state;
    struct fixture f;
    open_all(&f, "spin-f", MYL_WAIT_HYBRID, MYL_CONSUMER_FIXED_SPIN);
    uint64_t s;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(myl_consumer_poll(f.c, 1, &s, long_wait(f.c->spin_ns64)), MYL_ETIMEDOUT);
        assert_true(f.c->spin_ns64 > 0);
        assert_int_equal(f.c->spin_now, FULL_SPIN);
    }
    answer.p = f.p;
    assert_int_equal(myl_consumer_poll(f.c, 1, &s, 5 * MYL_UT_SEC), 1);
    myl_consumer_release(f.c, 1);
    assert_int_equal(answer.fired, 1);
    assert_int_equal(f.c->spin_now, FULL_SPIN);
    close_all(&f);
}

MYL_TEST_MAIN("spin_adapt", cmocka_unit_test(test_consumer_adapts),
              cmocka_unit_test(test_stage_adapts), cmocka_unit_test(test_block_keeps),
              cmocka_unit_test(test_fixed_keeps))
