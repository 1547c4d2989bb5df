/* Pipeline stages (stage.h): the dependency barrier. A stage sees an event
 * only after every stage it runs after released it, as threads of one
 * process and as separate processes; a dependency that dies holds its
 * dependents at the last position it released, and one that comes back
 * under its id (resuming) lets them go on; argument errors.
 *
 * The check: each stage marks, in shared memory, every event it has
 * finished with *before* releasing it; a stage that reads event x checks
 * that each of its dependencies marked x. Without the barrier the stages
 * race ahead of each other and the check fails (verified by opening the
 * stages with no dependencies: the test then fails).
 */
#define _GNU_SOURCE
#include "harness.h"

#include <pthread.h>
#include <sys/mman.h>

#include "unit_util.h"

#define N_EVENTS 20000u
#define N_STAGES 4

/* journal; matching after journal; response after matching; audit after
 * journal and matching. */
static const char *const stage_ids[N_STAGES] = {"journal", "matching", "response", "audit"};
static const char *const deps_matching[] = {"journal"};
static const char *const deps_response[] = {"matching"};
static const char *const deps_audit[] = {"journal", "matching"};
static const char *const *const stage_deps[N_STAGES] = {NULL, deps_matching, deps_response,
                                                        deps_audit};
static const uint32_t stage_ndeps[N_STAGES] = {0, 1, 1, 2};
static const int dep_index[N_STAGES][2] = {{-1, -1}, {0, -1}, {1, -1}, {0, 1}};

typedef struct shared {
    _Atomic uint8_t done[N_STAGES][N_EVENTS];
    _Atomic uint32_t violations;
    _Atomic uint64_t count[N_STAGES];
} shared;

static shared *map_shared(void)
{
    void *p = mmap(NULL, sizeof(shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(p != MAP_FAILED);
    memset(p, 0, sizeof(shared));
    return p;
}

typedef struct stage_arg {
    myl_ring *ring;
    shared *sh;
    int stage;
    bool use_deps; /* false: the negative control */
    uint64_t total;
} stage_arg;

/* Run stage a->stage until it has seen total events. Returns 0 or an
 * error. */
static int run_stage(stage_arg *a)
{
    myl_consumer_opts co = {.size = sizeof co, .wait = MYL_WAIT_BLOCK};
    myl_stage *s;
    int rc = myl_stage_open(a->ring, stage_ids[a->stage], a->use_deps ? stage_deps[a->stage] : NULL,
                            a->use_deps ? stage_ndeps[a->stage] : 0, &co, 30 * MYL_UT_SEC, &s);
    if (rc < 0)
        return rc;
    uint64_t x = 0x9e3779b97f4a7c15u * (uint64_t)(a->stage + 1);
    while (myl_stage_consumer(s)->next < a->total) {
        uint64_t seq;
        int64_t n = myl_stage_poll(s, 16, &seq, 30 * MYL_UT_SEC);
        if (n < 0) {
            fprintf(stderr, "stage %s: %s at %llu (barrier %llu)\n", stage_ids[a->stage],
                    myl_strerror((int)n), (unsigned long long)myl_stage_consumer(s)->next,
                    (unsigned long long)myl_stage_barrier(s));
            myl_stage_close(s);
            return (int)n;
        }
        for (int64_t i = 0; i < n; i++) {
            uint64_t ev;
            memcpy(&ev, myl_stage_slot(s, seq + (uint64_t)i), sizeof ev);
            if (ev != seq + (uint64_t)i || ev >= N_EVENTS)
                atomic_fetch_add(&a->sh->violations, 1);
            for (int d = 0; d < 2; d++) {
                int k = dep_index[a->stage][d];
                if (k >= 0 && !atomic_load(&a->sh->done[k][ev % N_EVENTS]))
                    atomic_fetch_add(&a->sh->violations, 1);
            }
            /* A little work, uneven across stages, so that they drift. */
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            if ((x & 63) == 0)
                sched_yield();
            atomic_store(&a->sh->done[a->stage][ev % N_EVENTS], 1);
            atomic_fetch_add(&a->sh->count[a->stage], 1);
        }
        myl_stage_release(s, (uint32_t)n);
    }
    myl_stage_close(s);
    return 0;
}

static void *stage_thread(void *p)
{
    return (void *)(intptr_t)run_stage(p);
}

static myl_ring *make_ring(const char *tag, myl_ring_opts *o)
{
    *o = myl_ut_opts(tag, MYL_BACKING_SHM);
    o->slot_size = 8;
    o->capacity = 64;
    o->wait = MYL_WAIT_BLOCK;
    return myl_ut_create(o);
}

static void wait_consumers(myl_ring *r, uint32_t n)
{
    for (;;) {
        myl_ring_stats rs;
        assert_int_equal(myl_ring_stats_get(r, &rs), 0);
        if (rs.consumers >= n)
            return;
        myl_ut_nap(1000000);
    }
}

static void produce(myl_ring *r, uint64_t n)
{
    myl_producer *p;
    myl_producer_opts po = {.size = sizeof po};
    assert_int_equal(myl_producer_open(r, &po, &p), 0);
    for (uint64_t i = 0; i < n; i++)
        assert_int_equal(myl_producer_send(p, &i, 30 * MYL_UT_SEC), 0);
    myl_producer_close(p);
}

static void run_threads(bool use_deps, uint32_t *violations)
{
    myl_ring_opts o;
    myl_ring *r = make_ring(use_deps ? "thr" : "thr-nodeps", &o);
    shared *sh = map_shared();
    stage_arg args[N_STAGES];
    pthread_t th[N_STAGES];
    for (int k = 0; k < N_STAGES; k++) {
        args[k] = (stage_arg){r, sh, k, use_deps, N_EVENTS};
        /* In dependency order, so that each stage starts at 0 with the
         * ones it runs after registered. */
        assert_int_equal(pthread_create(&th[k], NULL, stage_thread, &args[k]), 0);
        wait_consumers(r, (uint32_t)k + 1);
    }
    produce(r, N_EVENTS);
    for (int k = 0; k < N_STAGES; k++) {
        void *ret;
        pthread_join(th[k], &ret);
        assert_int_equal((intptr_t)ret, 0);
        assert_int_equal(atomic_load(&sh->count[k]), N_EVENTS);
    }
    *violations = atomic_load(&sh->violations);
    munmap(sh, sizeof *sh);
    myl_ut_destroy(r, &o);
}

static void test_threads(void **state)
{
    (void)state;
    uint32_t v;
    run_threads(true, &v);
    assert_int_equal(v, 0);
}

/* The negative control: without dependencies the same stages race, and the
 * check sees it (so the check above can fail). Stages drift randomly, so
 * a run may happen to stay ordered: a few tries. */
static void test_threads_without_barrier_detected(void **state)
{
    (void)state;
    uint32_t v = 0;
    for (int i = 0; i < 5 && v == 0; i++)
        run_threads(false, &v);
    assert_true(v > 0);
}

static void test_processes(void **state)
{
    (void)state;
    myl_ring_opts o;
    myl_ring *r = make_ring("proc", &o);
    shared *sh = map_shared();
    pid_t pid[N_STAGES];
    for (int k = 0; k < N_STAGES; k++) {
        fflush(NULL);
        pid[k] = fork();
        assert_true(pid[k] >= 0);
        if (pid[k] == 0) {
            myl_ring *cr;
            if (myl_ring_attach(&o, &cr) != 0)
                _exit(2);
            stage_arg a = {cr, sh, k, true, N_EVENTS};
            _exit(run_stage(&a) == 0 ? 0 : 3);
        }
        wait_consumers(r, (uint32_t)k + 1);
    }
    produce(r, N_EVENTS);
    for (int k = 0; k < N_STAGES; k++) {
        int st;
        assert_int_equal(waitpid(pid[k], &st, 0), pid[k]);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
        assert_int_equal(atomic_load(&sh->count[k]), N_EVENTS);
    }
    assert_int_equal(atomic_load(&sh->violations), 0);
    munmap(sh, sizeof *sh);
    myl_ut_destroy(r, &o);
}

/* A dependency that dies holds its dependents at what it released; the
 * same id registered again (resuming) lets them go on. */
static void test_dead_dependency_holds(void **state)
{
    (void)state;
    myl_ring_opts o;
    myl_ring *r = make_ring("dead", &o);
    myl_consumer_opts co = {.size = sizeof co, .wait = MYL_WAIT_BLOCK};
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* The journal: releases 10 events, then hangs until killed. */
        myl_ring *cr;
        myl_stage *s;
        if (myl_ring_attach(&o, &cr) != 0 ||
            myl_stage_open(cr, "journal", NULL, 0, &co, 0, &s) != 0)
            _exit(2);
        if (write(fds[1], "r", 1) != 1)
            _exit(3);
        uint64_t got = 0;
        while (got < 10) {
            uint64_t seq;
            int64_t n = myl_stage_poll(s, (uint32_t)(10 - got), &seq, 30 * MYL_UT_SEC);
            if (n < 0)
                _exit(4);
            myl_stage_release(s, (uint32_t)n);
            got += (uint64_t)n;
        }
        if (write(fds[1], "d", 1) != 1)
            _exit(3);
        for (;;)
            pause();
    }
    char ch;
    assert_int_equal(read(fds[0], &ch, 1), 1);
    myl_stage *m;
    static const char *const after[] = {"journal"};
    assert_int_equal(myl_stage_open(r, "matching", after, 1, &co, 5 * MYL_UT_SEC, &m), 0);
    myl_producer *p;
    myl_producer_opts po = {.size = sizeof po, .on_dead_consumer = MYL_DEAD_ERROR};
    assert_int_equal(myl_producer_open(r, &po, &p), 0);
    for (uint64_t i = 0; i < 20; i++)
        assert_int_equal(myl_producer_send(p, &i, 5 * MYL_UT_SEC), 0);
    assert_int_equal(read(fds[0], &ch, 1), 1);
    assert_int_equal(ch, 'd');
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    /* Matching gets the 10 the journal released, then nothing more. */
    uint64_t got = 0, seq;
    while (got < 10) {
        int64_t n = myl_stage_poll(m, 64, &seq, 5 * MYL_UT_SEC);
        assert_true(n > 0);
        myl_stage_release(m, (uint32_t)n);
        got += (uint64_t)n;
    }
    assert_int_equal(got, 10);
    assert_int_equal(myl_stage_poll(m, 64, &seq, 50 * MYL_UT_MS), MYL_ETIMEDOUT);
    assert_int_equal(myl_stage_barrier(m), 10);
    /* The journal comes back (its dead entry is taken over: it resumes at
     * 10) and releases the rest. */
    myl_stage *j;
    assert_int_equal(myl_stage_open(r, "journal", NULL, 0, &co, 0, &j), 0);
    assert_int_equal(myl_stage_consumer(j)->next, 10);
    while (myl_stage_consumer(j)->next < 20) {
        int64_t n = myl_stage_poll(j, 64, &seq, 5 * MYL_UT_SEC);
        assert_true(n > 0);
        myl_stage_release(j, (uint32_t)n);
    }
    while (got < 20) {
        int64_t n = myl_stage_poll(m, 64, &seq, 5 * MYL_UT_SEC);
        assert_true(n > 0);
        assert_int_equal(seq, got);
        myl_stage_release(m, (uint32_t)n);
        got += (uint64_t)n;
    }
    myl_stage_close(j);
    myl_stage_close(m);
    myl_producer_close(p);
    close(fds[0]);
    close(fds[1]);
    myl_ut_destroy(r, &o);
}

/* A slot a dead producer claimed and never published is skipped inside a
 * poll, which then counted on from past it: a stage got an event its
 * dependency had not released (the window was cut at the barrier before
 * the skip moved it). */
static void test_skipped_slot_keeps_barrier(void **state)
{
    (void)state;
    myl_ring_opts o = myl_ut_opts("skip", MYL_BACKING_SHM);
    o.slot_size = 8;
    o.capacity = 64;
    o.producers = MYL_PRODUCERS_MULTI;
    myl_ring *r = myl_ut_create(&o);
    myl_consumer_opts co = {.size = sizeof co, .wait = MYL_WAIT_BLOCK};
    myl_stage *j, *m;
    static const char *const after[] = {"journal"};
    assert_int_equal(myl_stage_open(r, "journal", NULL, 0, &co, 0, &j), 0);
    assert_int_equal(myl_stage_open(r, "matching", after, 1, &co, 0, &m), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* claims slot 0 and dies without publishing it */
        myl_producer *dp;
        uint64_t s0;
        _exit(myl_producer_open(r, NULL, &dp) == 0 &&
                      myl_producer_claim(dp, 1, &s0, MYL_UT_SEC) == 0 && s0 == 0
                  ? 0
                  : 1);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    myl_producer *p;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    for (uint64_t v = 101; v <= 102; v++)
        assert_int_equal(myl_producer_send(p, &v, 5 * MYL_UT_SEC), 0);
    /* The journal skips slot 0 and holds event 1, unreleased. */
    uint64_t seq;
    assert_int_equal(myl_stage_poll(j, 1, &seq, 10 * MYL_UT_SEC), 1);
    assert_int_equal(seq, 1);
    assert_int_equal(myl_stage_barrier(m), 1);
    /* Matching may pass the skipped slot, not event 1. */
    assert_int_equal(myl_stage_poll(m, 1, &seq, 50 * MYL_UT_MS), MYL_ETIMEDOUT);
    assert_int_equal(myl_stage_poll(m, 64, &seq, 50 * MYL_UT_MS), MYL_ETIMEDOUT);
    myl_stage_release(j, 1);
    assert_int_equal(myl_stage_poll(m, 64, &seq, 5 * MYL_UT_SEC), 1);
    assert_int_equal(seq, 1);
    myl_stage_close(m);
    myl_stage_close(j);
    myl_producer_close(p);
    myl_ut_destroy(r, &o);
}

/* A dependency that closes and registers again in another entry of the
 * consumer table is found there: its closed entry (same epoch, FREE) told
 * its final position forever, and the dependent stayed held. */
static void test_dependency_reopens_elsewhere(void **state)
{
    (void)state;
    myl_ring_opts o;
    myl_ring *r = make_ring("reopen", &o);
    myl_consumer_opts co = {.size = sizeof co, .wait = MYL_WAIT_BLOCK, .start = MYL_START_OLDEST};
    myl_consumer *x;
    myl_stage *j, *m;
    static const char *const after[] = {"journal"};
    assert_int_equal(myl_consumer_open(r, "x", &co, &x), 0); /* entry 0 */
    assert_int_equal(myl_stage_open(r, "journal", NULL, 0, &co, 0, &j), 0);
    assert_int_equal(myl_stage_open(r, "matching", after, 1, &co, 0, &m), 0);
    uint32_t first = myl_stage_consumer(j)->idx;
    produce(r, 10);
    uint64_t seq;
    assert_int_equal(myl_stage_poll(j, 2, &seq, 5 * MYL_UT_SEC), 2);
    myl_stage_release(j, 2);
    assert_int_equal(myl_stage_barrier(m), 2);
    myl_consumer_close(x); /* frees an entry before the journal's */
    myl_stage_close(j);
    assert_int_equal(myl_stage_open(r, "journal", NULL, 0, &co, 0, &j), 0);
    assert_true(myl_stage_consumer(j)->idx != first);
    while (myl_stage_consumer(j)->next < 10) {
        int64_t n = myl_stage_poll(j, 64, &seq, 5 * MYL_UT_SEC);
        assert_true(n > 0);
        myl_stage_release(j, (uint32_t)n);
    }
    uint64_t got = 0;
    while (got < 10) {
        int64_t n = myl_stage_poll(m, 64, &seq, 5 * MYL_UT_SEC);
        assert_true(n > 0);
        assert_int_equal(seq, got);
        myl_stage_release(m, (uint32_t)n);
        got += (uint64_t)n;
    }
    assert_int_equal(myl_stage_barrier(m), 10);
    myl_stage_close(m);
    myl_stage_close(j);
    myl_ut_destroy(r, &o);
}

static void test_args(void **state)
{
    (void)state;
    myl_ring_opts o;
    myl_ring *r = make_ring("args", &o);
    myl_stage *s;
    static const char *const self[] = {"a"};
    static const char *const dup[] = {"b", "b"};
    static const char *const empty[] = {""};
    static const char *const nine[] = {"1", "2", "3", "4", "5", "6", "7", "8", "9"};
    assert_int_equal(myl_stage_open(r, "a", self, 1, NULL, 0, &s), MYL_EINVAL);
    assert_int_equal(myl_stage_open(r, "a", dup, 2, NULL, 0, &s), MYL_EINVAL);
    assert_int_equal(myl_stage_open(r, "a", empty, 1, NULL, 0, &s), MYL_EINVAL);
    assert_int_equal(myl_stage_open(r, "a", nine, 9, NULL, 0, &s), MYL_EINVAL);
    assert_int_equal(myl_stage_open(r, "a", NULL, 1, NULL, 0, &s), MYL_EINVAL);
    assert_int_equal(myl_stage_open(NULL, "a", NULL, 0, NULL, 0, &s), MYL_EINVAL);
    /* A dependency that never registers. */
    static const char *const ghost[] = {"ghost"};
    assert_int_equal(myl_stage_open(r, "a", ghost, 1, NULL, 30 * MYL_UT_MS, &s), MYL_ETIMEDOUT);
    uint64_t seq;
    assert_int_equal(myl_stage_poll(NULL, 1, &seq, 0), MYL_EINVAL);
    myl_stage_close(NULL);
    assert_null(myl_stage_consumer(NULL));
    myl_ut_destroy(r, &o);
}

MYL_TEST_MAIN("stage", cmocka_unit_test(test_threads),
              cmocka_unit_test(test_threads_without_barrier_detected),
              cmocka_unit_test(test_processes), cmocka_unit_test(test_dead_dependency_holds),
              cmocka_unit_test(test_skipped_slot_keeps_barrier),
              cmocka_unit_test(test_dependency_reopens_elsewhere), cmocka_unit_test(test_args))
