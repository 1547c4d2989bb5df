/* Single-process behaviour of the ring: the data path in every mode. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#include "myelon/myelon.h"

typedef struct ev {
    uint64_t seq;
    uint64_t payload[7];
} ev;

static myl_ring *make(const char *tag, uint32_t producers, uint32_t mode, uint64_t cap)
{
    myl_ring_opts o = {.size = sizeof o,
                       .name = myl_test_name(tag),
                       .slot_size = sizeof(ev),
                       .capacity = cap,
                       .producers = producers,
                       .mode = mode,
                       .wait = MYL_WAIT_HYBRID,
                       .fingerprint = 0x1234};
    myl_ring *r = NULL;
    myl_ring_unlink(MYL_BACKING_SHM, o.name);
    assert_int_equal(myl_ring_create(&o, &r), 0);
    return r;
}

static void drop(myl_ring *r, const char *tag)
{
    myl_ring_close(r);
    assert_int_equal(myl_ring_unlink(MYL_BACKING_SHM, myl_test_name(tag)), 0);
}

static void roundtrip(uint32_t producers)
{
    myl_ring *r = make("rt", producers, MYL_MODE_GATED, 8);
    myl_producer *p;
    myl_consumer *c;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    assert_int_equal(myl_consumer_open(r, "c0", NULL, &c), 0);
    uint64_t s;
    /* Fill the ring: the ninth claim would overwrite an unread event. */
    for (uint64_t i = 0; i < 8; i++) {
        ev e = {.seq = i};
        assert_int_equal(myl_producer_try_send(p, &e), 0);
    }
    assert_int_equal(myl_producer_try_claim(p, 1, &s), MYL_EAGAIN);
    assert_int_equal(myl_producer_claim(p, 1, &s, 1000000), MYL_ETIMEDOUT);
    int64_t n = myl_consumer_try_poll(c, 16, &s);
    assert_int_equal(n, 8);
    assert_int_equal(s, 0);
    for (int64_t i = 0; i < n; i++)
        assert_int_equal(((const ev *)myl_consumer_slot(c, s + (uint64_t)i))->seq, (uint64_t)i);
    myl_consumer_release(c, 3);
    assert_int_equal(myl_producer_try_claim(p, 3, &s), 0);
    assert_int_equal(s, 8);
    assert_int_equal(myl_producer_try_claim(p, 1, &s), MYL_EAGAIN);
    myl_consumer_release(c, 5);
    assert_int_equal(myl_consumer_try_poll(c, 1, &s), MYL_EAGAIN); /* claimed, unpublished */
    myl_producer_publish(p, 8, 3);
    assert_int_equal(myl_consumer_poll(c, 16, &s, 1000000), 3);
    assert_int_equal(s, 8);
    myl_ring_stats st;
    assert_int_equal(myl_ring_stats_get(r, &st), 0);
    assert_int_equal(st.published, 11);
    assert_int_equal(st.consumers, 1);
    myl_consumer_close(c);
    myl_producer_close(p);
    drop(r, "rt");
}

static void test_roundtrip_sp(void **state)
{
    (void)state;
    roundtrip(MYL_PRODUCERS_SINGLE);
}

static void test_roundtrip_mp(void **state)
{
    (void)state;
    roundtrip(MYL_PRODUCERS_MULTI);
}

static void test_lossy_overrun(void **state)
{
    (void)state;
    myl_ring *r = make("lossy", MYL_PRODUCERS_SINGLE, MYL_MODE_LOSSY, 16);
    myl_producer *p;
    myl_consumer *c;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    assert_int_equal(myl_consumer_open(r, "c0", NULL, &c), 0);
    for (uint64_t i = 0; i < 100; i++) {
        ev e = {.seq = i};
        assert_int_equal(myl_producer_try_send(p, &e), 0); /* never blocks */
    }
    ev out[32];
    uint64_t lost = 0, got = 0, last = 0;
    for (;;) {
        uint64_t l = 0;
        int64_t n = myl_consumer_read(c, out, 32, &l, 0);
        lost += l;
        if (n == MYL_ETIMEDOUT || n == MYL_EAGAIN)
            break;
        assert_true(n > 0);
        for (int64_t i = 0; i < n; i++) {
            assert_true(got == 0 || out[i].seq > last);
            last = out[i].seq;
        }
        got += (uint64_t)n;
    }
    assert_int_equal(got + lost, 100);
    assert_true(lost > 0);
    assert_int_equal(last, 99);
    myl_consumer_close(c);
    myl_producer_close(p);
    drop(r, "lossy");
}

static void test_coordination_wait(void **state)
{
    (void)state;
    myl_ring *r = make("coord", MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, 8);
    const char *name = myl_test_name("coord"); /* the parent's pid is in it */
    pid_t child = fork();
    if (child == 0) {
        /* Another process registers "w-1" a little later and stays alive
         * until the parent has seen it. */
        myl_ring_opts o = {.size = sizeof o, .name = name};
        myl_ring *rc;
        myl_consumer *c;
        nanosleep(&(struct timespec){0, 50000000}, NULL);
        if (myl_ring_attach(&o, &rc) < 0 || myl_consumer_open(rc, "w-1", NULL, &c) < 0)
            _exit(1);
        uint64_t s;
        myl_consumer_poll(c, 1, &s, 10000000000); /* returns when the parent publishes */
        _exit(0);
    }
    myl_producer_opts po = {.size = sizeof po,
                            .coordination = MYL_COORD_WAIT,
                            .coord_prefix = "w-",
                            .coord_count = 1,
                            .coord_timeout_ns = 10000000000};
    myl_producer *p;
    assert_int_equal(myl_producer_open(r, &po, &p), 0);
    ev e = {.seq = 1};
    assert_int_equal(myl_producer_try_send(p, &e), 0);
    int st;
    waitpid(child, &st, 0);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    myl_producer_close(p);
    /* Two "w-" consumers never come: open gives up with the timeout. */
    po.coord_count = 2;
    po.coord_timeout_ns = 50000000;
    assert_int_equal(myl_producer_open(r, &po, &p), MYL_ETIMEDOUT);
    /* ...and its table entry was given back: an immediate open works. */
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    myl_producer_close(p);
    drop(r, "coord");
}

static void test_stale_handle_after_reregistration(void **state)
{
    (void)state;
    myl_ring *r = make("stale", MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, 8);
    myl_consumer *old, *fresh;
    assert_int_equal(myl_consumer_open(r, "a", NULL, &old), 0);
    assert_int_equal(myl_ring_evict(r, old->idx), 0);
    /* The same process registers "a" again: not in the evicted entry,
     * which the stale handle still writes its releases to. */
    assert_int_equal(myl_consumer_open(r, "a", NULL, &fresh), 0);
    assert_int_not_equal(fresh->idx, old->idx);
    uint32_t old_idx = old->idx;
    uint64_t s;
    /* The stale handle learns it was evicted, even from a wait too short
     * for the wait's own periodic check (1 us: it ends at its first look
     * at the clock; under load a 30 ms wait did too)... */
    assert_int_equal(myl_consumer_poll(old, 1, &s, 1000), MYL_EEVICTED);
    assert_int_equal(myl_consumer_poll(old, 1, &s, 30000000), MYL_EEVICTED);
    /* ...and closing it leaves the new registration alone. */
    myl_consumer_close(old);
    myl_ring_stats st;
    assert_int_equal(myl_ring_stats_get(r, &st), 0);
    assert_int_equal(st.consumers, 1);
    myl_consumer_stats cs;
    assert_int_equal(myl_ring_consumer_stats(r, fresh->idx, &cs), 0);
    assert_int_equal(cs.state, MYL_ENTRY_ACTIVE);
    assert_int_equal(myl_ring_consumer_stats(r, old_idx, &cs), 0);
    assert_int_equal(cs.state, MYL_ENTRY_FREE); /* freed by its close */
    myl_consumer_close(fresh);
    assert_int_equal(myl_ring_stats_get(r, &st), 0);
    assert_int_equal(st.consumers, 0);
    drop(r, "stale");
}

/* A consumer evicted while its process lives keeps storing its releases
 * in its entry until it notices. A new registrant of its id must not get
 * that entry meanwhile: the stale releases would move the new one's gate
 * past events it has not read, and a gated ring would overwrite them
 * (MYL_EOVERRUN with 18 lost, found by an audit). */
static void test_evicted_live_holder(void **state)
{
    (void)state;
    myl_ring *r = make("evlive", MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, 16);
    myl_producer *p;
    myl_consumer *a, *b;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    assert_int_equal(myl_consumer_open(r, "x", NULL, &a), 0);
    ev e = {0};
    for (uint64_t i = 0; i < 10; i++) {
        e.seq = i;
        assert_int_equal(myl_producer_try_send(p, &e), 0);
    }
    uint64_t s;
    assert_int_equal(myl_consumer_try_poll(a, 5, &s), 5);
    myl_consumer_release(a, 5);
    assert_int_equal(myl_ring_evict(r, a->idx), 0);
    myl_consumer_opts co = {.size = sizeof co, .start = MYL_START_OLDEST};
    assert_int_equal(myl_consumer_open(r, "x", &co, &b), 0);
    assert_int_equal(b->next, 0);
    /* The stale handle reads on and releases (what was published before
     * its eviction is still read). */
    assert_int_equal(myl_consumer_try_poll(a, 5, &s), 5);
    myl_consumer_release(a, 5);
    /* b gates at 0: sixteen events fit, the seventeenth does not. */
    for (uint64_t i = 10; i < 16; i++) {
        e.seq = i;
        assert_int_equal(myl_producer_try_send(p, &e), 0);
    }
    e.seq = 16;
    assert_int_equal(myl_producer_try_send(p, &e), MYL_EAGAIN);
    for (uint64_t i = 0; i < 16; i++) {
        assert_int_equal(myl_consumer_try_poll(b, 1, &s), 1);
        assert_int_equal(((const ev *)myl_consumer_slot(b, s))->seq, i);
        myl_consumer_release(b, 1);
    }
    myl_consumer_close(a);
    myl_consumer_close(b);
    myl_producer_close(p);
    drop(r, "evlive");
}

/* Two processes opening the same consumer id at once: one succeeds, the
 * other gets MYL_EEXIST, every time. Both could find the id unused and
 * take two entries under it before the registration lock (an audit hit
 * it on its third trial). The children wait on a pipe, not spinning (the
 * machine may have fewer cores than processes), and stay alive until the
 * table is counted. */
static void test_same_id_race(void **state)
{
    (void)state;
    myl_ring *r = make("dupid", MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, 8);
    for (int trial = 0; trial < 100; trial++) {
        int go[2], done[2], hold[2];
        assert_int_equal(pipe(go), 0);
        assert_int_equal(pipe(done), 0);
        assert_int_equal(pipe(hold), 0);
        pid_t kids[2];
        fflush(NULL);
        for (int k = 0; k < 2; k++) {
            kids[k] = fork();
            assert_true(kids[k] >= 0);
            if (kids[k] == 0) {
                char b;
                if (read(go[0], &b, 1) != 1)
                    _exit(3);
                myl_consumer *c = NULL;
                int rc = myl_consumer_open(r, "dup", NULL, &c);
                b = rc == 0 ? 'y' : rc == MYL_EEXIST ? 'n' : 'e';
                if (write(done[1], &b, 1) != 1)
                    _exit(3);
                if (read(hold[0], &b, 1) != 1) /* alive until counted */
                    _exit(3);
                myl_consumer_close(c);
                _exit(0);
            }
        }
        assert_int_equal(write(go[1], "gg", 2), 2);
        int yes = 0, no = 0;
        for (int k = 0; k < 2; k++) {
            char b = 0;
            assert_int_equal(read(done[0], &b, 1), 1);
            yes += b == 'y';
            no += b == 'n';
        }
        int live = 0;
        for (uint32_t i = 0; i < r->max_consumers; i++) {
            myl_consumer_stats cs;
            assert_int_equal(myl_ring_consumer_stats(r, i, &cs), 0);
            live += cs.state == MYL_ENTRY_ACTIVE && strcmp(cs.id, "dup") == 0;
        }
        assert_int_equal(write(hold[1], "hh", 2), 2);
        for (int k = 0; k < 2; k++) {
            int st = 0;
            assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
            assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        }
        int fds[] = {go[0], go[1], done[0], done[1], hold[0], hold[1]};
        for (int i = 0; i < 6; i++)
            close(fds[i]);
        assert_int_equal(yes, 1);
        assert_int_equal(no, 1);
        assert_int_equal(live, 1);
    }
    drop(r, "dupid");
}

static void test_lossy_is_single_producer(void **state)
{
    (void)state;
    /* A second producer preempted for a lap between claim and publish could
     * tear an event no reader can detect: lossy rings refuse MP. */
    myl_ring_opts o = {.size = sizeof o,
                       .name = myl_test_name("lossymp"),
                       .slot_size = sizeof(ev),
                       .producers = MYL_PRODUCERS_MULTI,
                       .mode = MYL_MODE_LOSSY};
    myl_ring *r;
    assert_int_equal(myl_ring_create(&o, &r), MYL_EINVAL);
    assert_int_equal(myl_ring_attach(&o, &r), -ENOENT); /* nothing was created */
}

/* MYL_CONSUMER_NO_BEAT: a consumer's waits store its entry's heartbeat
 * (a topology owner reads it as the member's), except with the flag (a
 * bridge exporter standing in for a remote member); an unknown flag is
 * refused. */
static void test_consumer_no_beat(void **state)
{
    (void)state;
    myl_ring *r = make("nobeat", MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, 64);
    myl_producer *p;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    myl_consumer_opts co = {.size = sizeof co, .flags = MYL_CONSUMER_NO_BEAT};
    myl_consumer *quiet, *loud, *bad = NULL;
    assert_int_equal(myl_consumer_open(r, "quiet", &co, &quiet), 0);
    assert_int_equal(myl_consumer_open(r, "loud", NULL, &loud), 0);
    uint64_t q0 = quiet->ent->heartbeat_ns, l0 = loud->ent->heartbeat_ns;
    assert_true(q0 > 0); /* stamped at registration all the same */
    uint64_t seq;
    /* Nothing published: each poll waits out 30 ms. */
    assert_int_equal(myl_consumer_poll(quiet, 1, &seq, 30000000), MYL_ETIMEDOUT);
    assert_int_equal(myl_consumer_poll(loud, 1, &seq, 30000000), MYL_ETIMEDOUT);
    assert_true(quiet->ent->heartbeat_ns == q0);
    assert_true(loud->ent->heartbeat_ns > l0);
    co.flags = 0x80;
    assert_int_equal(myl_consumer_open(r, "bad", &co, &bad), MYL_EINVAL);
    myl_consumer_close(quiet);
    myl_consumer_close(loud);
    myl_producer_close(p);
    drop(r, "nobeat");
}

/* Producer table entries as any process reads them (myl_ring_producer_stats):
 * a live producer's counters and liveness, the same through a read-only
 * attach, a producer that died without closing (not alive), a free entry,
 * and indices out of range. */
static void test_producer_stats(void **state)
{
    (void)state;
    myl_ring *r = make("pstats", MYL_PRODUCERS_MULTI, MYL_MODE_GATED, 64);
    myl_producer *p;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    ev e = {0};
    for (int i = 0; i < 5; i++)
        assert_int_equal(myl_producer_try_send(p, &e), 0);
    myl_producer_stats ps;
    assert_int_equal(myl_ring_producer_stats(r, p->idx, &ps), 0);
    assert_int_equal(ps.state, MYL_ENTRY_ACTIVE);
    assert_int_equal(ps.pid, (int32_t)getpid());
    assert_true(ps.alive);
    assert_int_equal(ps.published, 5);
    assert_true(ps.heartbeat_ns > 0);

    /* A producer that exits without closing: ACTIVE, not alive. */
    fflush(NULL);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        myl_producer *q;
        if (myl_producer_open(r, NULL, &q) < 0 || q->idx == p->idx)
            _exit(1);
        for (int i = 0; i < 3; i++)
            if (myl_producer_try_send(q, &e) < 0)
                _exit(2);
        _exit((int)(10 + q->idx)); /* tells the parent its entry */
    }
    int st = 0;
    assert_int_equal(waitpid(child, &st, 0), child);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) >= 10);
    uint32_t dead = (uint32_t)WEXITSTATUS(st) - 10;

    /* Read-only, as myelon-stat attaches: the same figures. */
    myl_ring_opts o = {.size = sizeof o,
                       .name = myl_test_name("pstats"),
                       .flags = MYL_SEG_READONLY | MYL_SEG_ANY_OWNER};
    myl_ring *ro;
    assert_int_equal(myl_ring_attach(&o, &ro), 0);
    assert_int_equal(myl_ring_producer_stats(ro, dead, &ps), 0);
    assert_int_equal(ps.state, MYL_ENTRY_ACTIVE);
    assert_int_equal(ps.pid, (int32_t)child);
    assert_false(ps.alive);
    assert_int_equal(ps.published, 3);
    assert_int_equal(myl_ring_producer_stats(ro, p->idx, &ps), 0);
    assert_true(ps.alive);
    assert_int_equal(ps.published, 5);
    uint32_t free_idx = 0;
    while (free_idx == p->idx || free_idx == dead)
        free_idx++;
    assert_int_equal(myl_ring_producer_stats(ro, free_idx, &ps), 0);
    assert_int_equal(ps.state, MYL_ENTRY_FREE);
    assert_false(ps.alive);
    assert_int_equal(myl_ring_producer_stats(ro, ro->max_producers, &ps), MYL_EINVAL);
    assert_int_equal(myl_ring_producer_stats(NULL, 0, &ps), MYL_EINVAL);
    assert_int_equal(myl_ring_producer_stats(ro, 0, NULL), MYL_EINVAL);
    myl_ring_close(ro);

    /* Closed: the entry is free and keeps its counters. */
    uint32_t idx = p->idx;
    myl_producer_close(p);
    assert_int_equal(myl_ring_producer_stats(r, idx, &ps), 0);
    assert_int_equal(ps.state, MYL_ENTRY_FREE);
    assert_int_equal(ps.published, 5);
    drop(r, "pstats");
}

/* A poll that does not wait (timeout 0) on an empty ring answers at once:
 * MYL_ETIMEDOUT, MYL_ECLOSED once the ring is shut down, and it is no
 * wait: the consumer's wait counter (shared memory) is not written. It
 * used to spin 64 rounds, read the clock and count a wait each time,
 * which a topology endpoint's poll paid on every empty framed route. */
static void test_poll_no_wait(void **state)
{
    (void)state;
    myl_ring *r = make("nowait", MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, 8);
    myl_producer *p;
    myl_consumer *c;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    assert_int_equal(myl_consumer_open(r, "c0", NULL, &c), 0);
    uint64_t s;
    for (int i = 0; i < 100; i++)
        assert_int_equal(myl_consumer_poll(c, 1, &s, 0), MYL_ETIMEDOUT);
    myl_consumer_stats cs;
    assert_int_equal(myl_ring_consumer_stats(r, 0, &cs), 0);
    assert_string_equal(cs.id, "c0");
    assert_int_equal(cs.waits, 0);
    ev e = {.seq = 7};
    assert_int_equal(myl_producer_try_send(p, &e), 0);
    assert_int_equal(myl_consumer_poll(c, 1, &s, 0), 1);
    myl_consumer_release(c, 1);
    assert_int_equal(myl_ring_shutdown(r), 0);
    assert_int_equal(myl_consumer_poll(c, 1, &s, 0), MYL_ECLOSED);
    myl_consumer_close(c);
    myl_producer_close(p);
    drop(r, "nowait");
}

MYL_TEST_MAIN("ring_basic", cmocka_unit_test(test_stale_handle_after_reregistration),
              cmocka_unit_test(test_evicted_live_holder), cmocka_unit_test(test_same_id_race),
              cmocka_unit_test(test_lossy_is_single_producer),
              cmocka_unit_test(test_coordination_wait), cmocka_unit_test(test_roundtrip_sp),
              cmocka_unit_test(test_roundtrip_mp), cmocka_unit_test(test_lossy_overrun),
              cmocka_unit_test(test_producer_stats), cmocka_unit_test(test_poll_no_wait),
              cmocka_unit_test(test_consumer_no_beat))
