/* Races of a topology owner's checks placed at a known step, against the
 * runtime built with its test hooks (MYL_TEST_HOOKS: MYL__TP_TOPO_*).
 *
 * A dead worker restarted between the owner's look at its entry and the
 * owner's mark of it as DEAD: the owner had found the old incarnation's
 * process gone and then stored DEAD by a CAS that compared the state only,
 * which the restart's UP (a new epoch) passed. The live restart was marked
 * DEAD and evicted for good. The hook stops the owner right before that
 * CAS and lets the restart join and be ready there.
 */
#define _GNU_SOURCE
#include <sys/wait.h>

#include "harness.h"
#include "topo_common.h"

static int go_fd[2], up_fd[2], quit_fd[2], answer_fd[2];
static bool armed;

/* The owner, at MYL__TP_TOPO_PEER_GONE: once, the restart joins and is
 * ready before the owner goes on to mark the dead incarnation. */
static void hook(int point, const void *arg)
{
    (void)arg;
    if (point != MYL__TP_TOPO_PEER_GONE || !armed)
        return;
    armed = false;
    char b = 1;
    assert_int_equal(write(go_fd[1], &b, 1), 1);
    assert_int_equal(read(up_fd[0], &b, 1), 1);
    assert_int_equal(b, 1);
}

/* The restart of worker 0: waits for the hook's go, joins, registers its
 * reader of the requests ring, is ready and says so; at the test's
 * second byte it answers whether its entry is still UP and its reader
 * still registered, then leaves. */
static void restart(const myl_topo_cfg *c)
{
    /* Only the ends it uses: a test that fails before the go ends it. */
    close(go_fd[1]);
    close(up_fd[0]);
    close(quit_fd[1]);
    close(answer_fd[0]);
    char b = 0;
    if (read(go_fd[0], &b, 1) != 1)
        _exit(1);
    myl_topo *w = NULL;
    myl_consumer *cons = NULL;
    char id[32];
    bool ok = myl_topo_open(&topo_desc, c, TOPO_ROLE_WORKERS, 0, &w) == 0 &&
              myl_topo_member_id(w, TOPO_ROLE_WORKERS, 0, id, sizeof id) > 0 &&
              myl_consumer_open(
                  myl_topo_ring(w, TOPO_R_REQUESTS, myl_topo_ring_index(w, TOPO_R_REQUESTS, 0, 0)),
                  id, NULL, &cons) == 0 &&
              myl_topo_ready(w) == 0;
    b = ok;
    (void)!write(up_fd[1], &b, 1);
    if (!ok || read(quit_fd[0], &b, 1) != 1)
        _exit(1);
    b = myl_topo_member_state(w, TOPO_ROLE_WORKERS, 0) == MYL_TOPO_MEMBER_UP &&
        myl_consumer_check(cons) == 0;
    (void)!write(answer_fd[1], &b, 1);
    myl_consumer_close(cons);
    myl_topo_close(w);
    _exit(0);
}

static void test_restart_before_dead_mark(void **state)
{
    (void)state;
    char inst[64];
    snprintf(inst, sizeof inst, "myl-test-%d-abadead", (int)getpid());
    myl_topo_cfg c;
    myl_topo_cfg_init(&c);
    c.instance = inst;
    c.counts[TOPO_ROLE_WORKERS] = 1;
    c.liveness.startup_wait_ns = INT64_C(2000000000);
    c.liveness.check_interval_ns = 1; /* every poll checks */
    c.liveness.grace_ns = 0;          /* a DEAD is acted on (evicted) at once */
    myl_topo *t = NULL;
    assert_int_equal(myl_topo_open(&topo_desc, &c, TOPO_ROLE_SCHED, 0, &t), 0);
    assert_int_equal(myl_topo_ready(t), 0);
    int a_up[2];
    assert_int_equal(pipe(go_fd), 0);
    assert_int_equal(pipe(up_fd), 0);
    assert_int_equal(pipe(quit_fd), 0);
    assert_int_equal(pipe(answer_fd), 0);
    assert_int_equal(pipe(a_up), 0);
    fflush(NULL);
    /* The first incarnation: up, then killed. */
    pid_t a = fork();
    if (a == 0) {
        myl_topo *w;
        char b =
            myl_topo_open(&topo_desc, &c, TOPO_ROLE_WORKERS, 0, &w) == 0 && myl_topo_ready(w) == 0;
        (void)!write(a_up[1], &b, 1);
        for (;;)
            pause();
    }
    char b = 0;
    assert_int_equal(read(a_up[0], &b, 1), 1);
    assert_int_equal(b, 1);
    myl_topo_event ev[32];
    int n = myl_topo_poll(t, ev, 32);
    uint32_t joined = 0;
    for (int i = 0; i < n; i++)
        joined += ev[i].kind == MYL_TOPO_EV_JOINED && ev[i].pid == a;
    assert_int_equal(joined, 1);
    pid_t rs = fork();
    if (rs == 0)
        restart(&c);
    close(go_fd[0]);
    close(up_fd[1]);
    close(quit_fd[0]);
    close(answer_fd[1]);
    kill(a, SIGKILL);
    assert_int_equal(waitpid(a, NULL, 0), a);
    myl__test_hook = hook;
    armed = true;
    /* One check: the old incarnation DEAD, the restart JOINED, and the
     * restart's entry left UP. */
    uint32_t dead = 0;
    joined = 0;
    n = myl_topo_poll(t, ev, 32);
    assert_false(armed); /* the hook ran: the restart is up */
    for (int i = 0; i < n; i++) {
        assert_true(ev[i].kind != MYL_TOPO_EV_DEAD || ev[i].pid == a);
        dead += ev[i].kind == MYL_TOPO_EV_DEAD;
        joined += ev[i].kind == MYL_TOPO_EV_JOINED && ev[i].pid == rs;
    }
    assert_int_equal(dead, 1);
    assert_int_equal(joined, 1);
    assert_int_equal(myl_topo_member_state(t, TOPO_ROLE_WORKERS, 0), MYL_TOPO_MEMBER_UP);
    /* Later checks find it alive, and evict nothing of it. */
    for (int round = 0; round < 3; round++) {
        n = myl_topo_poll(t, ev, 32);
        for (int i = 0; i < n; i++)
            assert_int_not_equal(ev[i].kind, MYL_TOPO_EV_DEAD);
    }
    assert_true(myl_topo_is_alive(t, TOPO_ROLE_WORKERS, 0));
    assert_int_equal(myl_topo_member_state(t, TOPO_ROLE_WORKERS, 0), MYL_TOPO_MEMBER_UP);
    b = 1;
    assert_int_equal(write(quit_fd[1], &b, 1), 1);
    b = 0;
    assert_int_equal(read(answer_fd[0], &b, 1), 1);
    assert_int_equal(b, 1); /* the restart: UP, its reader registered */
    int st = 0;
    assert_int_equal(waitpid(rs, &st, 0), rs);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    myl__test_hook = NULL;
    myl_topo_close(t);
}

MYL_TEST_MAIN("topo_race", cmocka_unit_test(test_restart_before_dead_mark))
