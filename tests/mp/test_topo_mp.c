/* Topologies with real processes: a scheduler (this test, the owner) and
 * 1, 4 or 16 topo_worker processes (fork/exec), every route shape of the
 * test topology (topo_common.h) used end to end, each request answered
 * exactly once; and the liveness cases: kill -9 (DEAD, re-dispatch, no
 * request lost), SIGSTOP (STALLED, then RESUMED), a zombie (DEAD), a
 * graceful leave (LEFT) and a restart (JOINED again, answers again); and
 * the route channels' fences in the rings.
 * Waits are blocking (futex) or sleeps: two shared cores. No timing decides
 * a result: deadlines only turn hangs into failures.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "fences_util.h"
#include "harness.h"
#include "topo_driver.h"

#define CHECK(d, expr)                                                                             \
    do {                                                                                           \
        if ((expr) < 0) {                                                                          \
            print_error("%s: %s\n", #expr, (d)->err);                                              \
            td_abort(d);                                                                           \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

static uint64_t mp_requests(uint64_t dflt)
{
    const char *e = getenv("MYL_MP_EVENTS");
    return e ? strtoull(e, NULL, 10) : dflt;
}

/* The route channels' fences reach the topology's rings (topo.c): the
 * control route asks for asymmetric fences on its blocking rings, which
 * it gets where this process may use membarrier (fences_util.h); the
 * request route keeps block's symmetric default. */
static void check_fences(const myl_topo *t)
{
    assert_int_equal(myl_topo_ring(t, 2, 0)->asym,
                     myl_test_default_asym());  /* scheduler_workers_control */
    assert_false(myl_topo_ring(t, 0, 0)->asym); /* scheduler_workers_requests */
}

static void run_workers(uint32_t n, uint64_t requests)
{
    td d;
    td_cfg cfg = {.workers = n, .requests = requests};
    char tag[16];
    snprintf(tag, sizeof tag, "w%u", n);
    CHECK(&d, td_open(&d, &cfg, tag));
    check_fences(d.t);
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(d.events[MYL_TOPO_EV_JOINED][i], 1);
        assert_int_equal(d.hellos[i], 1); /* shared route */
    }
    for (uint64_t id = 1; id <= requests; id++)
        CHECK(&d, td_send(&d, id));   /* partitioned route */
    CHECK(&d, td_until_answered(&d)); /* direct routes */
    CHECK(&d, td_check_exactly_once(&d));
    assert_int_equal(d.dups, 0);
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++)
        total += d.by_worker[i];
    assert_int_equal(total, requests);
    for (uint32_t i = 0; i < n; i++)
        assert_int_equal(myl_topo_outstanding(d.t, TOPO_ROLE_WORKERS, i), 0);
    CHECK(&d, td_close(&d, true)); /* broadcast route: quit */
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(d.events[MYL_TOPO_EV_LEFT][i], 1);
        assert_int_equal(d.events[MYL_TOPO_EV_DEAD][i], 0);
        assert_int_equal(d.exit_status[i], 0);
    }
}

static void test_one_worker(void **state)
{
    (void)state;
    run_workers(1, mp_requests(2000));
}

static void test_four_workers(void **state)
{
    (void)state;
    run_workers(4, mp_requests(4000));
}

static void test_sixteen_workers(void **state)
{
    (void)state;
    run_workers(16, mp_requests(4000));
}

static bool event_seen(td *d, void *arg)
{
    const uint32_t *ki = arg; /* {kind, index, times} */
    return d->events[ki[0]][ki[1]] >= ki[2];
}

static int wait_event(td *d, uint32_t kind, uint32_t index, uint32_t times)
{
    uint32_t ki[3] = {kind, index, times};
    static const char *names[] = {"?", "JOINED", "DEAD", "STALLED", "LEFT", "RESUMED"};
    char what[64];
    snprintf(what, sizeof what, "%s event for worker %u", names[kind], index);
    return td_until(d, event_seen, ki, what);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* kill -9 one of four workers a third of the way through: DEAD is
 * reported, its unanswered requests are re-dispatched, none is lost. */
static void test_kill9_redispatch(void **state)
{
    (void)state;
    td d;
    uint64_t m = mp_requests(3000);
    td_cfg cfg = {.workers = 4, .requests = m};
    CHECK(&d, td_open(&d, &cfg, "kill"));
    uint64_t killed_at = 0;
    for (uint64_t id = 1; id <= m; id++) {
        CHECK(&d, td_send(&d, id));
        if (id == m / 3) {
            assert_int_equal(kill(d.pid[2], SIGKILL), 0);
            killed_at = now_ns();
        }
    }
    CHECK(&d, wait_event(&d, MYL_TOPO_EV_DEAD, 2, 1));
    print_message("DEAD reported %.1f ms after kill -9 (check interval 5 ms)\n",
                  (double)(d.event_ns[MYL_TOPO_EV_DEAD][2] - killed_at) / 1e6);
    assert_int_equal(td_reap(&d, 2), 128 + SIGKILL);
    CHECK(&d, td_until_answered(&d));
    CHECK(&d, td_check_exactly_once(&d));
    assert_false(myl_topo_is_alive(d.t, TOPO_ROLE_WORKERS, 2));
    assert_int_equal(myl_topo_member_state(d.t, TOPO_ROLE_WORKERS, 2), MYL_TOPO_MEMBER_DEAD);
    print_message("re-dispatched %llu, duplicates dropped %llu\n",
                  (unsigned long long)d.redispatched, (unsigned long long)d.dups);
    CHECK(&d, td_close(&d, true));
    assert_int_equal(d.events[MYL_TOPO_EV_DEAD][2], 1);
}

static bool time_passed(td *d, void *arg)
{
    (void)d;
    return now_ns() >= *(const uint64_t *)arg;
}

/* SIGSTOP: alive, no heartbeat, no progress: STALLED; still stopped after
 * its eviction: not RESUMED (the eviction is no progress of its own);
 * SIGCONT: RESUMED, and after its eviction it registers again and
 * answers. */
static void test_sigstop_stalled(void **state)
{
    (void)state;
    td d;
    td_cfg cfg = {.workers = 2, .requests = 400, .progress_timeout_ns = INT64_C(200000000)};
    CHECK(&d, td_open(&d, &cfg, "stop"));
    assert_int_equal(kill(d.pid[0], SIGSTOP), 0);
    CHECK(&d, wait_event(&d, MYL_TOPO_EV_STALLED, 0, 1));
    assert_false(myl_topo_is_alive(d.t, TOPO_ROLE_WORKERS, 0));
    assert_int_equal(d.events[MYL_TOPO_EV_DEAD][0], 0);
    assert_int_equal(myl_topo_pick(d.t, TOPO_R_REQUESTS, 0), 1); /* out of rotation */
    uint64_t until = now_ns() + 3 * (uint64_t)cfg.progress_timeout_ns;
    CHECK(&d, td_until(&d, time_passed, &until, "three progress timeouts"));
    assert_int_equal(d.events[MYL_TOPO_EV_RESUMED][0], 0);
    assert_int_equal(kill(d.pid[0], SIGCONT), 0);
    CHECK(&d, wait_event(&d, MYL_TOPO_EV_RESUMED, 0, 1));
    for (uint64_t id = 1; id <= d.nreq; id++)
        CHECK(&d, td_send(&d, id));
    CHECK(&d, td_until_answered(&d));
    CHECK(&d, td_check_exactly_once(&d));
    CHECK(&d, td_close(&d, true));
}

static char proc_state(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return '?';
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return '?';
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' ? p[2] : '?';
}

/* A worker that exited but was not reaped (a zombie) passes kill(pid, 0):
 * it is reported DEAD all the same. */
static void test_zombie_dead(void **state)
{
    (void)state;
    td d;
    td_cfg cfg = {.workers = 2, .requests = 200};
    CHECK(&d, td_open(&d, &cfg, "zomb"));
    CHECK(&d, td_control(&d, TOPO_CMD_EXIT, 1)); /* _exit without leaving */
    uint64_t deadline = now_ns() + UINT64_C(60000000000);
    while (proc_state(d.pid[1]) != 'Z') {
        assert_true(now_ns() < deadline);
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(kill(d.pid[1], 0), 0); /* still there for kill(2) */
    CHECK(&d, wait_event(&d, MYL_TOPO_EV_DEAD, 1, 1));
    assert_int_equal(d.events[MYL_TOPO_EV_LEFT][1], 0);
    assert_int_equal(proc_state(d.pid[1]), 'Z');
    assert_int_equal(td_reap(&d, 1), 0);
    for (uint64_t id = 1; id <= d.nreq; id++)
        CHECK(&d, td_send(&d, id));
    CHECK(&d, td_until_answered(&d));
    CHECK(&d, td_check_exactly_once(&d));
    assert_int_equal(d.by_worker[1], 0);
    CHECK(&d, td_close(&d, true));
}

/* A graceful leave: LEFT, never DEAD; nothing is sent to it afterwards. */
static void test_graceful_leave(void **state)
{
    (void)state;
    td d;
    td_cfg cfg = {.workers = 3, .requests = 300};
    CHECK(&d, td_open(&d, &cfg, "leave"));
    CHECK(&d, td_control(&d, TOPO_CMD_QUIT, 1));
    CHECK(&d, wait_event(&d, MYL_TOPO_EV_LEFT, 1, 1));
    assert_int_equal(td_reap(&d, 1), 0);
    assert_int_equal(myl_topo_member_state(d.t, TOPO_ROLE_WORKERS, 1), MYL_TOPO_MEMBER_LEFT);
    for (uint64_t id = 1; id <= d.nreq; id++)
        CHECK(&d, td_send(&d, id));
    CHECK(&d, td_until_answered(&d));
    CHECK(&d, td_check_exactly_once(&d));
    assert_int_equal(d.by_worker[1], 0);
    assert_int_equal(d.events[MYL_TOPO_EV_DEAD][1], 0);
    CHECK(&d, td_close(&d, true));
}

/* kill -9, then a new process with the same index: JOINED again, hello
 * again, and it answers. */
static void test_restart_rejoin(void **state)
{
    (void)state;
    td d;
    td_cfg cfg = {.workers = 2, .requests = 400};
    CHECK(&d, td_open(&d, &cfg, "rejoin"));
    for (uint64_t id = 1; id <= 100; id++)
        CHECK(&d, td_send(&d, id));
    assert_int_equal(kill(d.pid[1], SIGKILL), 0);
    CHECK(&d, wait_event(&d, MYL_TOPO_EV_DEAD, 1, 1));
    assert_int_equal(td_reap(&d, 1), 128 + SIGKILL);
    assert_true(td_spawn(&d, 1, NULL) > 0);
    CHECK(&d, wait_event(&d, MYL_TOPO_EV_JOINED, 1, 2));
    assert_true(myl_topo_is_alive(d.t, TOPO_ROLE_WORKERS, 1));
    d.watch_pid = d.pid[1];
    for (uint64_t id = 101; id <= d.nreq; id++)
        CHECK(&d, td_send(&d, id));
    CHECK(&d, td_until_answered(&d));
    CHECK(&d, td_check_exactly_once(&d));
    assert_true(d.watch_answers > 0); /* the new process answered */
    assert_int_equal(d.hellos[1], 2);
    CHECK(&d, td_close(&d, true));
}

MYL_TEST_MAIN("topo_mp", cmocka_unit_test(test_one_worker), cmocka_unit_test(test_four_workers),
              cmocka_unit_test(test_sixteen_workers), cmocka_unit_test(test_kill9_redispatch),
              cmocka_unit_test(test_sigstop_stalled), cmocka_unit_test(test_zombie_dead),
              cmocka_unit_test(test_graceful_leave), cmocka_unit_test(test_restart_rejoin))
