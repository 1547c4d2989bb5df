/* Crash safety of the ring, one deterministic kill point at a time: a
 * process dies between two steps of a protocol (a forked child that stops
 * after a chosen step, or that dies at a named kill point through
 * MYL_TEST_KILL_AT), and the survivors must recover without depending on
 * their own timeouts, without stalling for good and without losing an
 * event silently. Each case is a regression test of a scenario that
 * stalled or lost data before the fix (issue "Crash safety of the ring").
 *
 * Deadlines here are liveness bounds (a hang fails the case); no case
 * passes or fails on how fast something happened.
 */
#define _GNU_SOURCE
#include "unit_util.h"

#include "myelon/group.h"

/* A forked child that runs fn and exits; the parent gets its pid. */
static pid_t child(void (*fn)(void *), void *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        fn(arg);
        _exit(0);
    }
    return pid;
}

/* Wait for a child that died of SIGKILL or exited (either is "dead"). */
static void reap(pid_t pid)
{
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
}

typedef struct ctx {
    const myl_ring_opts *o;
    uint32_t n;
    const char *point;
    const char *id;
} ctx;

static myl_ring *attach(const myl_ring_opts *o)
{
    myl_ring *r;
    if (myl_ring_attach(o, &r) != 0)
        _exit(3);
    return r;
}

/* In a child: attach and open a producer, or exit. */
static myl_producer *child_producer(const ctx *x, myl_ring **r)
{
    *r = attach(x->o);
    myl_producer *p;
    if (myl_producer_open(*r, NULL, &p) != 0)
        _exit(4);
    return p;
}

static myl_ring_opts mp_opts(const char *tag, uint32_t max_producers, uint64_t capacity)
{
    myl_ring_opts o = myl_ut_opts(tag, MYL_BACKING_SHM);
    o.slot_size = 8;
    o.capacity = capacity;
    o.producers = MYL_PRODUCERS_MULTI;
    o.max_producers = max_producers;
    return o;
}

/* Child: open a producer, claim n slots one at a time (each marked with
 * this producer as owner) and die without publishing. */
static void claim_and_die(void *arg)
{
    ctx *x = arg;
    myl_ring *r;
    myl_producer *p = child_producer(x, &r);
    for (uint32_t i = 0; i < x->n; i++) {
        uint64_t s;
        if (myl_producer_try_claim(p, 1, &s) != 0)
            _exit(5);
    }
    raise(SIGKILL);
}

/* Child: open a producer, move the claim cursor as a claim does, and die
 * before marking the slot: nothing in the slot names the claimer. */
static void claim_unmarked_and_die(void *arg)
{
    ctx *x = arg;
    myl_ring *r;
    (void)child_producer(x, &r); /* registered: its death is seen */
    atomic_fetch_add_explicit(&r->hdr->claim, x->n, memory_order_acq_rel);
    raise(SIGKILL);
}

static void send_values(myl_producer *p, uint64_t first, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint64_t v = first + i;
        assert_int_equal(myl_producer_send(p, &v, MYL_UT_LIVENESS), 0);
    }
}

/* Receive n events with polls of poll_ns each (0: a try_poll loop), and
 * check they are first, first+1, ... in order. */
static void expect_values(myl_consumer *c, uint64_t first, uint32_t n, int64_t poll_ns)
{
    uint64_t deadline = myl_ut_now() + (uint64_t)MYL_UT_LIVENESS;
    uint32_t got = 0;
    while (got < n) {
        assert_true(myl_ut_now() < deadline);
        uint64_t s;
        int64_t k =
            poll_ns ? myl_consumer_poll(c, 16, &s, poll_ns) : myl_consumer_try_poll(c, 16, &s);
        if (k == MYL_EAGAIN || k == MYL_ETIMEDOUT)
            continue;
        assert_true(k > 0);
        for (int64_t i = 0; i < k; i++) {
            uint64_t v;
            memcpy(&v, myl_consumer_slot(c, s + (uint64_t)i), sizeof v);
            assert_int_equal(v, first + got);
            got++;
        }
        myl_consumer_release(c, (uint32_t)k);
    }
}

/* A dead MP producer's claimed slot is skipped whatever timeout the
 * consumer polls with: 10 ms polls and a try_poll loop recover too (they
 * never did: the stall clock restarted with every call). */
static void dead_claim_skipped(int64_t poll_ns, const char *tag)
{
    myl_ring_opts o = mp_opts(tag, 4, 64);
    myl_ring *r = myl_ut_create(&o);
    myl_consumer *c;
    assert_int_equal(myl_consumer_open(r, "c", NULL, &c), 0);
    ctx x = {.o = &o, .n = 1};
    reap(child(claim_and_die, &x));
    myl_producer *p;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    send_values(p, 100, 10);
    expect_values(c, 100, 10, poll_ns);
    myl_consumer_stats st;
    assert_int_equal(myl_ring_consumer_stats(r, c->idx, &st), 0);
    assert_int_equal(st.skipped, 1);
    myl_producer_close(p);
    myl_consumer_close(c);
    myl_ut_destroy(r, &o);
}

static void test_dead_claim_short_polls(void **state)
{
    (void)state;
    dead_claim_skipped(10 * MYL_UT_MS, "short");
}

static void test_dead_claim_try_poll(void **state)
{
    (void)state;
    dead_claim_skipped(0, "trypoll");
}

/* 200 slots abandoned by one dead producer are skipped in one recovery,
 * not one stall period each (that took 24 s). The bound asserted is the
 * number of polls that came back empty, not a time: with one recovery per
 * check they are few, with one stall period per slot they were thousands. */
static void test_many_dead_claims(void **state)
{
    (void)state;
    myl_ring_opts o = mp_opts("many", 4, 256);
    myl_ring *r = myl_ut_create(&o);
    myl_consumer *c;
    myl_consumer_opts co = {.size = sizeof co, .stall_ns = 60 * MYL_UT_SEC};
    assert_int_equal(myl_consumer_open(r, "c", &co, &c), 0);
    ctx x = {.o = &o, .n = 200};
    reap(child(claim_and_die, &x));
    myl_producer *p;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    send_values(p, 7, 10);
    /* A stall period of 60 s: skipping 200 slots one stall at a time could
     * not finish within the liveness bound. */
    expect_values(c, 7, 10, 5 * MYL_UT_MS);
    myl_consumer_stats st;
    assert_int_equal(myl_ring_consumer_stats(r, c->idx, &st), 0);
    assert_int_equal(st.skipped, 200);
    myl_producer_close(p);
    myl_consumer_close(c);
    myl_ut_destroy(r, &o);
}

/* A producer died between its claim and its mark: the slot is skipped
 * after the stall period, by a try_poll loop as well, and also after the
 * dead producer's entry was taken over by a new producer (which leaves no
 * dead producer to blame). */
static void unmarked(bool takeover, const char *tag)
{
    myl_ring_opts o = mp_opts(tag, takeover ? 2 : 4, 64);
    myl_ring *r = myl_ut_create(&o);
    myl_consumer *c;
    myl_consumer_opts co = {.size = sizeof co, .stall_ns = 20 * MYL_UT_MS};
    assert_int_equal(myl_consumer_open(r, "c", &co, &c), 0);
    myl_producer *live;
    assert_int_equal(myl_producer_open(r, NULL, &live), 0);
    ctx x = {.o = &o, .n = 3};
    reap(child(claim_unmarked_and_die, &x));
    myl_producer *p = live;
    if (takeover) {
        /* The table is full: this producer takes the dead one's entry. */
        assert_int_equal(myl_producer_open(r, NULL, &p), 0);
        assert_int_not_equal(p->idx, live->idx);
    }
    send_values(p, 1000, 10);
    expect_values(c, 1000, 10, 0);
    myl_consumer_stats st;
    assert_int_equal(myl_ring_consumer_stats(r, c->idx, &st), 0);
    assert_int_equal(st.skipped, 3);
    if (p != live)
        myl_producer_close(p);
    myl_producer_close(live);
    myl_consumer_close(c);
    myl_ut_destroy(r, &o);
}

static void test_unmarked_claim(void **state)
{
    (void)state;
    unmarked(false, "unmarked");
}

static void test_unmarked_claim_taken_over(void **state)
{
    (void)state;
    unmarked(true, "unmarked2");
}

/* Child: die at the kill point x->point inside an open call. */
static void die_in_open(void *arg)
{
    ctx *x = arg;
    myl_ring *r = attach(x->o);
    setenv("MYL_TEST_KILL_AT", x->point, 1);
    if (x->id) {
        myl_consumer *c;
        (void)myl_consumer_open(r, x->id, NULL, &c);
    } else {
        myl_producer *p;
        (void)myl_producer_open(r, NULL, &p);
    }
    _exit(9); /* the kill point was not reached */
}

static void die_at(const myl_ring_opts *o, const char *point, const char *id)
{
    ctx x = {.o = o, .point = point, .id = id};
    pid_t pid = child(die_in_open, &x);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

/* A consumer killed inside myl_consumer_open (at each of its kill points)
 * does not freeze the producer's gate: with a live consumer draining, a
 * producer sends two rings' worth. */
static void test_consumer_killed_in_open(void **state)
{
    (void)state;
    static const char *const points[] = {"consumer_open.claimed", "consumer_open.written"};
    for (size_t k = 0; k < 2; k++) {
        myl_ring_opts o = myl_ut_opts("copen", MYL_BACKING_SHM);
        o.slot_size = 8;
        myl_ring *r = myl_ut_create(&o);
        myl_producer *p;
        assert_int_equal(myl_producer_open(r, NULL, &p), 0);
        myl_consumer *c;
        assert_int_equal(myl_consumer_open(r, "live", NULL, &c), 0);
        die_at(&o, points[k], "doomed");
        for (uint64_t i = 0; i < 2 * o.capacity; i++) {
            /* The entry is given back within a check or two. */
            assert_int_equal(myl_producer_send(p, &i, MYL_UT_LIVENESS), 0);
            uint64_t s;
            assert_int_equal(myl_consumer_poll(c, 1, &s, MYL_UT_LIVENESS), 1);
            myl_consumer_release(c, 1);
        }
        /* The id can register again. */
        myl_consumer *again;
        assert_int_equal(myl_consumer_open(r, "doomed", NULL, &again), 0);
        myl_consumer_close(again);
        myl_consumer_close(c);
        myl_producer_close(p);
        myl_ut_destroy(r, &o);
    }
}

/* A consumer killed while resuming a dead consumer's entry: the entry is
 * given back ACTIVE, so the next registration of the id still resumes at
 * its sequence (nothing it had not released is lost). */
static void test_consumer_killed_resuming(void **state)
{
    (void)state;
    myl_ring_opts o = myl_ut_opts("cres", MYL_BACKING_SHM);
    o.slot_size = 8;
    myl_ring *r = myl_ut_create(&o);
    myl_producer *p;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    myl_consumer *c0;
    assert_int_equal(myl_consumer_open(r, "resumed", NULL, &c0), 0);
    send_values(p, 50, 3);
    /* The first consumer dies without reading: its entry stays ACTIVE at
     * sequence 0 with a pid that is gone. */
    c0->ent->pid = 0;
    free(c0);
    /* Two registrations resuming it are killed half-way. */
    die_at(&o, "consumer_open.claimed", "resumed");
    die_at(&o, "consumer_open.written", "resumed");
    myl_consumer *c;
    assert_int_equal(myl_consumer_open(r, "resumed", NULL, &c), 0);
    expect_values(c, 50, 3, MYL_UT_LIVENESS);
    myl_consumer_close(c);
    myl_producer_close(p);
    myl_ut_destroy(r, &o);
}

/* A single producer killed inside myl_producer_open: the next open works
 * (it returned MYL_EBUSY for good). */
static void test_producer_killed_in_open(void **state)
{
    (void)state;
    static const char *const points[] = {"producer_open.claimed", "producer_open.written"};
    for (size_t k = 0; k < 2; k++) {
        myl_ring_opts o = myl_ut_opts("popen", MYL_BACKING_SHM);
        o.slot_size = 8;
        myl_ring *r = myl_ut_create(&o);
        myl_consumer *c;
        assert_int_equal(myl_consumer_open(r, "c", NULL, &c), 0);
        die_at(&o, points[k], NULL);
        myl_producer *p;
        assert_int_equal(myl_producer_open(r, NULL, &p), 0);
        send_values(p, 1, 4);
        expect_values(c, 1, 4, MYL_UT_LIVENESS);
        myl_producer_close(p);
        myl_consumer_close(c);
        myl_ut_destroy(r, &o);
    }
}

/* Child: publish n events as publish does, stamps first, and die before
 * the cursor store. */
static void publish_without_cursor(void *arg)
{
    ctx *x = arg;
    myl_ring *r;
    myl_producer *p = child_producer(x, &r);
    uint64_t s;
    if (myl_producer_try_claim(p, x->n, &s) != 0)
        _exit(5);
    for (uint32_t i = 0; i < x->n; i++) {
        uint64_t v = 1 + i;
        memcpy(myl_producer_slot(p, s + i), &v, sizeof v);
        atomic_store_explicit(&myl__slot_at(r, s + i)->stamp, s + i + 1, memory_order_release);
    }
    raise(SIGKILL);
}

/* A single producer killed between its stamps and its cursor store: its
 * successor continues after the last published event instead of rewriting
 * sequences consumers have read (the consumer lost 100..104). */
static void test_sp_takeover_after_stamps(void **state)
{
    (void)state;
    myl_ring_opts o = myl_ut_opts("sptake", MYL_BACKING_FILE);
    o.slot_size = 8;
    o.capacity = 64;
    myl_ring *r = myl_ut_create(&o);
    myl_consumer *c;
    assert_int_equal(myl_consumer_open(r, "c", NULL, &c), 0);
    ctx x = {.o = &o, .n = 5};
    reap(child(publish_without_cursor, &x));
    expect_values(c, 1, 5, MYL_UT_LIVENESS);
    myl_producer *p;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    send_values(p, 100, 10);
    expect_values(c, 100, 10, MYL_UT_LIVENESS);
    myl_producer_close(p);
    myl_consumer_close(c);
    myl_ut_destroy(r, &o);
}

/* Child: register as a consumer (or a producer) and exit; the parent does
 * not reap it, so it stays a zombie. */
static void register_and_exit(void *arg)
{
    ctx *x = arg;
    myl_ring *r = attach(x->o);
    if (x->id) {
        myl_consumer *c;
        if (myl_consumer_open(r, x->id, NULL, &c) != 0)
            _exit(4);
    } else {
        myl_producer *p;
        if (myl_producer_open(r, NULL, &p) != 0)
            _exit(4);
    }
    _exit(0);
}

/* Wait until pid is a zombie (it has exited, not been reaped). */
static void wait_zombie(pid_t pid)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
    assert_int_equal(si.si_pid, pid);
}

/* A zombie is dead: the producer gets MYL_EPEERDEAD, reap evicts it, a
 * consumer with the same id registers (it got MYL_EEXIST), and consumers
 * of a zombie producer get MYL_EPEERDEAD. */
static void test_zombies_are_dead(void **state)
{
    (void)state;
    myl_ring_opts o = myl_ut_opts("zombie", MYL_BACKING_SHM);
    o.slot_size = 8;
    myl_ring *r = myl_ut_create(&o);
    myl_producer *p;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    ctx x = {.o = &o, .id = "z1"};
    pid_t z1 = child(register_and_exit, &x);
    wait_zombie(z1);
    int rc = 0;
    for (uint64_t i = 0; i <= o.capacity && rc == 0; i++)
        rc = myl_producer_send(p, &i, MYL_UT_LIVENESS);
    assert_int_equal(rc, MYL_EPEERDEAD);
    myl_consumer *again;
    assert_int_equal(myl_consumer_open(r, "z1", NULL, &again), 0);
    myl_consumer_close(again);
    x.id = "z2";
    pid_t z2 = child(register_and_exit, &x);
    wait_zombie(z2);
    assert_int_equal(myl_ring_reap(r), 1);
    myl_producer_close(p);
    reap(z1);
    reap(z2);

    myl_consumer *c;
    assert_int_equal(myl_consumer_open(r, "c", NULL, &c), 0);
    x.id = NULL;
    pid_t zp = child(register_and_exit, &x);
    wait_zombie(zp);
    uint64_t s;
    assert_int_equal(myl_consumer_poll(c, 1, &s, MYL_UT_LIVENESS), MYL_EPEERDEAD);
    reap(zp);
    myl_consumer_close(c);
    myl_ut_destroy(r, &o);
}

static void just_exit(void *arg)
{
    (void)arg;
    _exit(0);
}

/* Our own start time, field 22 of /proc/self/stat; 0 if unreadable. */
static uint64_t own_start_time(void)
{
    char buf[1024];
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    for (int field = 2; p && field < 22; field++)
        p = strchr(p + 1, ' ');
    return p ? strtoull(p + 1, NULL, 10) : 0;
}

/* The public liveness check (myelon-stat's): a live process under its own
 * start time is alive; a wrong start time (a reused pid), a zombie, a
 * reaped child and pid 0 are dead. */
static void test_peer_alive(void **state)
{
    (void)state;
    int32_t self = (int32_t)getpid();
    uint64_t st = own_start_time();
    assert_true(st != 0);
    assert_true(myl_peer_alive(self, 0));
    assert_true(myl_peer_alive(self, st));
    assert_false(myl_peer_alive(self, st + 1));
    assert_false(myl_peer_alive(0, 0));
    assert_false(myl_peer_alive(-1, 0));
    pid_t z = child(just_exit, NULL);
    wait_zombie(z);
    assert_false(myl_peer_alive((int32_t)z, 0));
    reap(z);
    assert_false(myl_peer_alive((int32_t)z, 0));
}

/* Child: claim a lanes message in place and die before committing. */
static void group_claim_and_die(void *arg)
{
    const myl_group_opts *go = arg;
    myl_group *g;
    myl_group_sender *s;
    if (myl_group_attach(go, &g) != 0 || myl_group_sender_open(g, NULL, &s) != 0)
        _exit(4);
    myl_group_span sp;
    if (myl_group_claim(s, 0, 40, 1, &sp, MYL_UT_LIVENESS) != 0)
        _exit(5);
    raise(SIGKILL);
}

/* A lanes group whose sender died between myl_group_claim and commit: the
 * receiver (which waits in short slices, one ring at a time) gets the
 * other sender's messages (it got none of them). */
static void test_group_sender_killed_after_claim(void **state)
{
    (void)state;
    static const char *const lanes[] = {"hi", "lo"};
    myl_group_opts go = {.size = sizeof go,
                         .kind = MYL_GROUP_LANES,
                         .count = 2,
                         .name = myl_test_name("glanes"),
                         .frame_size = 64,
                         .lane_names = lanes,
                         .capacity = 64,
                         .producers = MYL_PRODUCERS_MULTI,
                         .max_producers = 4};
    (void)myl_group_unlink(&go);
    myl_group *g;
    assert_int_equal(myl_group_create(&go, &g), 0);
    myl_group_receiver *rcv;
    assert_int_equal(myl_group_receiver_open(g, "r", 0, NULL, &rcv), 0);
    reap(child(group_claim_and_die, &go));
    myl_group_sender *s;
    assert_int_equal(myl_group_sender_open(g, NULL, &s), 0);
    for (uint32_t i = 0; i < 10; i++) {
        char msg[32];
        int len = snprintf(msg, sizeof msg, "m%u", i);
        assert_int_equal(myl_group_send(s, 0, msg, (size_t)len, 2, MYL_UT_LIVENESS), 0);
    }
    for (uint32_t i = 0; i < 10; i++) {
        myl_frame_msg m;
        char want[32];
        int len = snprintf(want, sizeof want, "m%u", i);
        assert_int_equal(myl_group_recv(rcv, &m, NULL, MYL_UT_LIVENESS), 0);
        assert_int_equal(m.len, (size_t)len);
        assert_memory_equal(m.data, want, (size_t)len);
    }
    myl_group_sender_close(s);
    myl_group_receiver_close(rcv);
    myl_group_close(g);
    assert_int_equal(myl_group_unlink(&go), 0);
}

/* Child: register on a framed ring, say so on a pipe, receive one message
 * and die before releasing it (while "processing" it). */
static int ready_pipe[2];

static void recv_and_die(void *arg)
{
    ctx *x = arg;
    myl_ring *r = attach(x->o);
    myl_defrag *d;
    myl_frame_msg m;
    if (myl_defrag_open(r, "rx", NULL, NULL, &d) != 0)
        _exit(4);
    if (write(ready_pipe[1], "r", 1) != 1)
        _exit(6);
    if (myl_defrag_recv(d, &m, MYL_UT_LIVENESS) != 0 || m.len != x->n)
        _exit(5);
    raise(SIGKILL);
}

/* A framed consumer killed while it holds a copied (multi-frame) message:
 * restarted under its id, it gets the message again (at-least-once, as a
 * message lent in place always was); the frames used to be released as
 * they were copied, and the message was lost. */
static void test_framed_redelivery(void **state)
{
    (void)state;
    myl_ring_opts o = myl_ut_opts("redeliver", MYL_BACKING_SHM);
    o.slot_size = 64;
    o.capacity = 64;
    myl_ring *r = myl_ut_create(&o);
    myl_framer *f;
    assert_int_equal(myl_framer_open(r, NULL, NULL, &f), 0);
    uint8_t msg[200]; /* four frames */
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 7);
    ctx x = {.o = &o, .n = sizeof msg};
    assert_int_equal(pipe(ready_pipe), 0);
    pid_t pid = child(recv_and_die, &x);
    char b;
    assert_int_equal(read(ready_pipe[0], &b, 1), 1);
    assert_int_equal(myl_frame_send(f, msg, sizeof msg, 3, MYL_UT_LIVENESS), 0);
    reap(pid);
    close(ready_pipe[0]);
    close(ready_pipe[1]);
    myl_defrag *d;
    assert_int_equal(myl_defrag_open(r, "rx", NULL, NULL, &d), 0);
    myl_frame_msg m;
    assert_int_equal(myl_defrag_recv(d, &m, MYL_UT_LIVENESS), 0);
    assert_int_equal(m.len, sizeof msg);
    assert_memory_equal(m.data, msg, sizeof msg);
    myl_defrag_close(d);
    myl_framer_close(f);
    myl_ut_destroy(r, &o);
}

MYL_TEST_MAIN("crash", cmocka_unit_test(test_dead_claim_short_polls),
              cmocka_unit_test(test_dead_claim_try_poll), cmocka_unit_test(test_many_dead_claims),
              cmocka_unit_test(test_unmarked_claim),
              cmocka_unit_test(test_unmarked_claim_taken_over),
              cmocka_unit_test(test_consumer_killed_in_open),
              cmocka_unit_test(test_consumer_killed_resuming),
              cmocka_unit_test(test_producer_killed_in_open),
              cmocka_unit_test(test_sp_takeover_after_stamps),
              cmocka_unit_test(test_zombies_are_dead), cmocka_unit_test(test_peer_alive),
              cmocka_unit_test(test_group_sender_killed_after_claim),
              cmocka_unit_test(test_framed_redelivery))
