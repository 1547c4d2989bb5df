/* Ring semantics in one process (with forked children where a peer has to
 * die): batches, gating on the slowest consumer, start positions, lossy
 * overruns with exact loss counts, consumer take-over, dead consumers and
 * producers, reaping, and the counters seen from a second handle. */
#define _GNU_SOURCE
#include <pthread.h>

#include "unit_util.h"

typedef struct ev {
    uint64_t seq;
    uint64_t check; /* ~seq * a constant: catches torn or misplaced slots */
    uint64_t pad;
} ev;

#define CHECK(s) (~(s)*UINT64_C(0x9e3779b97f4a7c15))

static myl_ring_opts opts(const char *tag, uint32_t producers, uint32_t mode, uint64_t cap)
{
    myl_ring_opts o = myl_ut_opts(tag, MYL_BACKING_SHM);
    o.slot_size = sizeof(ev);
    o.producers = producers;
    o.mode = mode;
    o.capacity = cap;
    return o;
}

static void put(myl_producer *p, uint64_t seq, uint64_t value)
{
    ev *e = myl_producer_slot(p, seq);
    e->seq = value;
    e->check = CHECK(value);
    e->pad = 0;
}

static void send_value(myl_producer *p, uint64_t value)
{
    ev e = {value, CHECK(value), 0};
    assert_int_equal(myl_producer_send(p, &e, 0), 0);
}

static uint64_t get(myl_consumer *c, uint64_t seq)
{
    const ev *e = myl_consumer_slot(c, seq);
    assert_int_equal(e->check, CHECK(e->seq));
    return e->seq;
}

/* Read exactly n events (waiting at most the liveness bound) and check
 * that they carry the values first, first+1, ... */
static void expect_values(myl_consumer *c, uint64_t first, uint64_t n)
{
    uint64_t got = 0;
    while (got < n) {
        uint64_t s = 0;
        int64_t k = myl_consumer_poll(c, (uint32_t)(n - got), &s, MYL_UT_LIVENESS);
        if (k < 0)
            fprintf(stderr, "poll: %s\n", myl_errname((int)k));
        assert_true(k > 0);
        for (int64_t i = 0; i < k; i++)
            assert_int_equal(get(c, s + (uint64_t)i), first + got + (uint64_t)i);
        myl_consumer_release(c, (uint32_t)k);
        got += (uint64_t)k;
    }
}

static void test_batch(void **state)
{
    (void)state;
    for (uint32_t prod = MYL_PRODUCERS_SINGLE; prod <= MYL_PRODUCERS_MULTI; prod++) {
        myl_ring_opts o = opts("batch", prod, MYL_MODE_GATED, 16);
        myl_ring *r = myl_ut_create(&o);
        myl_producer *p;
        myl_consumer *c;
        assert_int_equal(myl_producer_open(r, NULL, &p), 0);
        assert_int_equal(myl_consumer_open(r, "c", NULL, &c), 0);
        uint64_t a = 0, b = 0, s = 0;
        assert_int_equal(myl_producer_claim(p, 5, &a, 0), 0);
        assert_int_equal(myl_producer_claim(p, 3, &b, 0), 0);
        assert_int_equal(a, 0);
        assert_int_equal(b, 5);
        for (uint64_t i = 0; i < 8; i++)
            put(p, i, 100 + i);
        /* Publishing the second batch first shows nothing: the first slot
         * is not published yet, and order is kept. */
        myl_producer_publish(p, b, 3);
        assert_int_equal(myl_consumer_try_poll(c, 16, &s), MYL_EAGAIN);
        myl_producer_publish(p, a, 5);
        int64_t n = myl_consumer_try_poll(c, 16, &s);
        assert_int_equal(n, 8);
        assert_int_equal(s, 0);
        for (uint64_t i = 0; i < 8; i++)
            assert_int_equal(get(c, s + i), 100 + i);
        /* A batch can be released in parts. */
        myl_consumer_release(c, 2);
        assert_int_equal(myl_consumer_try_poll(c, 4, &s), 4);
        assert_int_equal(s, 2);
        myl_consumer_release(c, 4);
        assert_int_equal(myl_consumer_try_poll(c, 16, &s), 2);
        assert_int_equal(s, 6);
        myl_consumer_release(c, 2);
        /* Batch read into a buffer, max smaller than what is there. */
        for (uint64_t i = 0; i < 10; i++)
            send_value(p, 200 + i);
        ev out[4];
        uint64_t got = 0;
        while (got < 10) {
            int64_t k = myl_consumer_read(c, out, 4, NULL, 0);
            assert_true(k >= 1 && k <= 4);
            for (int64_t i = 0; i < k; i++)
                assert_int_equal(out[i].seq, 200 + got + (uint64_t)i);
            got += (uint64_t)k;
        }
        /* The whole ring in one claim when the consumer is caught up. */
        assert_int_equal(myl_producer_claim(p, 16, &s, 0), 0);
        assert_int_equal(s, 18);
        for (uint64_t i = 0; i < 16; i++)
            put(p, s + i, 300 + i);
        myl_producer_publish(p, s, 16);
        expect_values(c, 300, 16);
        myl_ring_stats st;
        assert_int_equal(myl_ring_stats_get(r, &st), 0);
        assert_int_equal(st.published, 34);
        assert_int_equal(st.claim, 34);
        myl_consumer_close(c);
        myl_producer_close(p);
        myl_ut_destroy(r, &o);
    }
}

static void test_gating_slowest(void **state)
{
    (void)state;
    for (uint32_t prod = MYL_PRODUCERS_SINGLE; prod <= MYL_PRODUCERS_MULTI; prod++) {
        myl_ring_opts o = opts("gate", prod, MYL_MODE_GATED, 8);
        myl_ring *r = myl_ut_create(&o);
        myl_producer *p;
        myl_consumer *c[3];
        assert_int_equal(myl_producer_open(r, NULL, &p), 0);
        for (int i = 0; i < 3; i++) {
            char id[8];
            snprintf(id, sizeof id, "c%d", i);
            assert_int_equal(myl_consumer_open(r, id, NULL, &c[i]), 0);
        }
        uint64_t sent = 0, s = 0;
        while (myl_producer_try_claim(p, 1, &s) == 0) {
            put(p, s, s);
            myl_producer_publish(p, s, 1);
            sent++;
        }
        assert_int_equal(sent, 8);
        /* c0 reads everything, c1 five, c2 two: c2 gates. */
        uint32_t take[3] = {8, 5, 2};
        for (int i = 0; i < 3; i++)
            expect_values(c[i], 0, take[i]);
        for (uint32_t k = 0; k < 2; k++) {
            assert_int_equal(myl_producer_try_claim(p, 1, &s), 0);
            put(p, s, s);
            myl_producer_publish(p, s, 1);
        }
        assert_int_equal(myl_producer_try_claim(p, 1, &s), MYL_EAGAIN);
        /* A batch larger than the room left is refused whole. */
        expect_values(c[2], 2, 2); /* c2 at 4: room for 2 */
        assert_int_equal(myl_producer_try_claim(p, 3, &s), MYL_EAGAIN);
        assert_int_equal(myl_producer_try_claim(p, 2, &s), 0);
        put(p, s, s);
        put(p, s + 1, s + 1);
        myl_producer_publish(p, s, 2);
        assert_int_equal(myl_producer_try_claim(p, 1, &s), MYL_EAGAIN);
        /* Closing the slowest moves the gate to the next slowest (c1 at 5). */
        myl_consumer_close(c[2]);
        assert_int_equal(myl_producer_try_claim(p, 1, &s), 0);
        put(p, s, s);
        myl_producer_publish(p, s, 1);
        assert_int_equal(s, 12);
        assert_int_equal(myl_producer_try_claim(p, 1, &s), MYL_EAGAIN);
        expect_values(c[1], 5, 8);
        expect_values(c[0], 8, 5);
        /* With no consumer at all, the producer is not gated. */
        myl_consumer_close(c[0]);
        myl_consumer_close(c[1]);
        for (int i = 0; i < 20; i++) {
            assert_int_equal(myl_producer_try_claim(p, 1, &s), 0);
            myl_producer_publish(p, s, 1);
        }
        myl_producer_close(p);
        myl_ut_destroy(r, &o);
    }
}

static void test_start_positions(void **state)
{
    (void)state;
    myl_ring_opts o = opts("start", MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, 8);
    myl_ring *r = myl_ut_create(&o);
    myl_producer *p;
    myl_consumer *live, *old, *old2;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    for (uint64_t i = 0; i < 5; i++)
        send_value(p, i);
    /* A late joiner starts at the live cursor: nothing to read yet. */
    assert_int_equal(myl_consumer_open(r, "live", NULL, &live), 0);
    uint64_t s = 0;
    assert_int_equal(myl_consumer_try_poll(live, 8, &s), MYL_EAGAIN);
    myl_consumer_stats cst;
    assert_int_equal(myl_ring_consumer_stats(r, live->idx, &cst), 0);
    assert_int_equal(cst.seq, 5);
    /* MYL_START_OLDEST sees what is still in the ring. */
    myl_consumer_opts co = {.size = sizeof co, .start = MYL_START_OLDEST};
    assert_int_equal(myl_consumer_open(r, "old", &co, &old), 0);
    expect_values(old, 0, 5);
    send_value(p, 5);
    expect_values(live, 5, 1);
    expect_values(old, 5, 1);
    myl_consumer_close(live);
    myl_consumer_close(old);
    /* Ungated (no consumer): 12 published, 8 still in the ring. */
    for (uint64_t i = 6; i < 12; i++)
        send_value(p, i);
    assert_int_equal(myl_consumer_open(r, "old2", &co, &old2), 0);
    expect_values(old2, 4, 8);
    assert_int_equal(myl_consumer_try_poll(old2, 8, &s), MYL_EAGAIN);
    myl_consumer_close(old2);
    myl_producer_close(p);
    myl_ut_destroy(r, &o);

    /* Lossy: the oldest half a ring behind the head, the part the producer
     * will not overwrite first. */
    o = opts("startl", MYL_PRODUCERS_SINGLE, MYL_MODE_LOSSY, 8);
    r = myl_ut_create(&o);
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    for (uint64_t i = 0; i < 20; i++)
        send_value(p, i);
    assert_int_equal(myl_consumer_open(r, "old", &co, &old), 0);
    expect_values(old, 16, 4);
    assert_int_equal(myl_consumer_take_lost(old), 0);
    myl_consumer_close(old);
    myl_producer_close(p);
    myl_ut_destroy(r, &o);
}

/* Lossy: whatever the interleaving, every event is delivered or counted
 * lost, delivered ones in increasing order and intact. */
static void lossy_run(uint32_t prod, bool use_read, uint64_t total, uint32_t seed)
{
    myl_ring_opts o = opts("lossy", prod, MYL_MODE_LOSSY, 16);
    myl_ring *r = myl_ut_create(&o);
    myl_producer *p;
    myl_consumer *c;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    assert_int_equal(myl_consumer_open(r, "c", NULL, &c), 0);
    uint64_t sent = 0, delivered = 0, lost = 0, last = 0, overruns = 0;
    bool any = false;
    uint32_t x = seed;
    while (delivered + lost < total) {
        x = x * 1103515245u + 12345u;
        uint64_t burst = (x >> 16) % 40;
        for (uint64_t i = 0; i < burst && sent < total; i++, sent++)
            assert_int_equal(myl_producer_try_send(p, &(ev){sent, CHECK(sent), 0}), 0);
        x = x * 1103515245u + 12345u;
        uint32_t max = 1 + (x >> 16) % 20;
        if (use_read) {
            ev out[20];
            uint64_t l = 0;
            int64_t n = myl_consumer_read(c, out, max, &l, 0);
            lost += l;
            if (n == MYL_ETIMEDOUT) {
                assert_int_equal(sent, delivered + lost); /* nothing left unread */
                continue;
            }
            assert_true(n > 0);
            for (int64_t i = 0; i < n; i++) {
                assert_int_equal(out[i].check, CHECK(out[i].seq));
                assert_true(!any || out[i].seq > last);
                assert_true(out[i].seq < sent);
                last = out[i].seq;
                any = true;
            }
            delivered += (uint64_t)n;
        } else {
            uint64_t s = 0;
            int64_t n = myl_consumer_try_poll(c, max, &s);
            if (n == MYL_EOVERRUN) {
                overruns++;
                lost += myl_consumer_take_lost(c);
                continue;
            }
            if (n == MYL_EAGAIN)
                continue;
            assert_true(n > 0);
            for (int64_t i = 0; i < n; i++) {
                uint64_t v = get(c, s + (uint64_t)i);
                assert_true(myl_consumer_valid(c, s + (uint64_t)i)); /* no writer ran */
                assert_int_equal(v, s + (uint64_t)i);                /* seq == value here */
                assert_true(!any || v > last);
                last = v;
                any = true;
            }
            myl_consumer_release(c, (uint32_t)n);
            delivered += (uint64_t)n;
        }
    }
    assert_int_equal(sent, total);
    assert_int_equal(delivered + lost, total);
    assert_true(lost > 0);
    assert_int_equal(last, total - 1);
    /* The segment's counters agree. */
    myl_consumer_stats cst;
    assert_int_equal(myl_ring_consumer_stats(r, c->idx, &cst), 0);
    assert_int_equal(cst.lost, lost);
    assert_int_equal(cst.consumed, delivered);
    assert_true(cst.overruns >= 1);
    if (!use_read)
        assert_int_equal(cst.overruns, overruns);
    assert_int_equal(myl_consumer_take_lost(c), 0);
    myl_consumer_close(c);
    myl_producer_close(p);
    myl_ut_destroy(r, &o);
}

static void test_lossy_exact_loss(void **state)
{
    (void)state;
    /* Lossy rings are single-producer (multi is refused, see test_api). */
    for (uint32_t prod = MYL_PRODUCERS_SINGLE; prod <= MYL_PRODUCERS_SINGLE; prod++)
        for (uint32_t seed = 1; seed <= 5; seed++) {
            lossy_run(prod, false, 2000, seed);
            lossy_run(prod, true, 2000, seed);
        }
}

/* One overrun, counted by hand: 40 events into 16 slots, nothing read. */
static void test_lossy_single_overrun(void **state)
{
    (void)state;
    myl_ring_opts o = opts("lossy1", MYL_PRODUCERS_SINGLE, MYL_MODE_LOSSY, 16);
    myl_ring *r = myl_ut_create(&o);
    myl_producer *p;
    myl_consumer *c;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    assert_int_equal(myl_consumer_open(r, "c", NULL, &c), 0);
    for (uint64_t i = 0; i < 40; i++)
        send_value(p, i);
    uint64_t s = 0;
    assert_int_equal(myl_consumer_poll(c, 64, &s, 0), MYL_EOVERRUN);
    /* It resumes half a ring behind the head: 40 - 8 = 32 lost. */
    assert_int_equal(myl_consumer_take_lost(c), 32);
    assert_int_equal(myl_consumer_take_lost(c), 0);
    expect_values(c, 32, 8);
    assert_int_equal(myl_consumer_poll(c, 1, &s, 0), MYL_ETIMEDOUT);
    myl_consumer_stats cst;
    assert_int_equal(myl_ring_consumer_stats(r, c->idx, &cst), 0);
    assert_int_equal(cst.overruns, 1);
    assert_int_equal(cst.lost, 32);
    assert_int_equal(cst.consumed, 8);
    myl_consumer_close(c);
    myl_producer_close(p);
    myl_ut_destroy(r, &o);
}

/* ---- peers that die ---- */

/* A child that registers consumer id, reads n events, and dies without
 * closing. */
static void consumer_child_dies(myl_ring *r, const char *id, uint32_t n)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        myl_consumer *c;
        if (myl_consumer_open(r, id, NULL, &c) != 0)
            _exit(2);
        for (uint32_t got = 0; got < n;) {
            uint64_t s = 0;
            int64_t k = myl_consumer_poll(c, n - got, &s, MYL_UT_LIVENESS);
            if (k <= 0)
                _exit(3);
            myl_consumer_release(c, (uint32_t)k);
            got += (uint32_t)k;
        }
        _exit(0);
    }
    myl_ut_reap_child(pid);
}

static void test_consumer_takeover(void **state)
{
    (void)state;
    myl_ring_opts o = opts("take", MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, 8);
    myl_ring *r = myl_ut_create(&o);
    myl_producer *p;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    /* The child registers first, then reads the three events we send. */
    fflush(NULL);
    int go[2];
    assert_int_equal(pipe(go), 0);
    pid_t pid = fork();
    if (pid == 0) {
        myl_consumer *c;
        if (myl_consumer_open(r, "worker", NULL, &c) != 0)
            _exit(2);
        if (write(go[1], "r", 1) != 1)
            _exit(4);
        for (uint32_t got = 0; got < 3;) {
            uint64_t s = 0;
            int64_t k = myl_consumer_poll(c, 3 - got, &s, MYL_UT_LIVENESS);
            if (k <= 0)
                _exit(3);
            myl_consumer_release(c, (uint32_t)k);
            got += (uint32_t)k;
        }
        _exit(0); /* no close: the entry stays, its process is dead */
    }
    char b;
    assert_int_equal(read(go[0], &b, 1), 1);
    for (uint64_t i = 0; i < 5; i++)
        send_value(p, i);
    myl_ut_reap_child(pid);
    close(go[0]);
    close(go[1]);
    myl_consumer_stats cst;
    assert_int_equal(myl_ring_consumer_stats(r, 0, &cst), 0);
    assert_string_equal(cst.id, "worker");
    assert_int_equal(cst.state, MYL_ENTRY_ACTIVE);
    assert_int_equal(cst.pid, pid);
    assert_false(cst.alive);
    assert_int_equal(cst.seq, 3);
    assert_int_equal(cst.consumed, 3);
    /* Re-opening the id takes the entry over and resumes at its sequence. */
    myl_consumer *c;
    assert_int_equal(myl_consumer_open(r, "worker", NULL, &c), 0);
    assert_int_equal(c->idx, 0);
    expect_values(c, 3, 2);
    assert_int_equal(myl_ring_consumer_stats(r, 0, &cst), 0);
    assert_int_equal(cst.pid, getpid());
    assert_true(cst.alive);
    assert_int_equal(cst.consumed, 5);
    assert_int_equal(cst.seq, 5);
    /* Now it is alive: the id is taken. */
    myl_consumer *dup;
    assert_int_equal(myl_consumer_open(r, "worker", NULL, &dup), MYL_EEXIST);
    myl_ring_stats st;
    assert_int_equal(myl_ring_stats_get(r, &st), 0);
    assert_int_equal(st.consumers, 1);
    /* Detached (a bridge exporter's close): still registered and gating,
     * owned by no process, so this process may take it over again. */
    for (uint64_t i = 5; i < 9; i++)
        send_value(p, i);
    uint64_t s = 0;
    assert_int_equal(myl_consumer_try_poll(c, 2, &s), 2);
    myl_consumer_release(c, 2); /* seq 7: 7 and 8 not released */
    myl__consumer_detach(c);
    assert_int_equal(myl_ring_consumer_stats(r, 0, &cst), 0);
    assert_int_equal(cst.state, MYL_ENTRY_ACTIVE);
    assert_int_equal(cst.pid, 0);
    assert_false(cst.alive);
    assert_int_equal(cst.seq, 7);
    for (uint64_t i = 9; i < 15; i++)
        send_value(p, i); /* 8 slots: up to 7 + 8 */
    uint64_t t;
    assert_int_equal(myl_producer_try_claim(p, 1, &t), MYL_EAGAIN); /* gated by it */
    assert_int_equal(myl_consumer_open(r, "worker", NULL, &c), 0);
    expect_values(c, 7, 8);
    myl_consumer_close(c);
    myl_producer_close(p);
    myl_ut_destroy(r, &o);
}

static void test_dead_consumer_policies(void **state)
{
    (void)state;
    uint32_t waits[] = {MYL_WAIT_HYBRID, MYL_WAIT_YIELD, MYL_WAIT_SPIN};
    for (size_t w = 0; w < sizeof waits / sizeof waits[0]; w++) {
        myl_ring_opts o = opts("deadc", MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, 4);
        o.wait = waits[w];
        myl_ring *r = myl_ut_create(&o);
        consumer_child_dies(r, "dead", 0);
        myl_consumer *live;
        assert_int_equal(myl_consumer_open(r, "live", NULL, &live), 0);
        /* MYL_DEAD_ERROR (the default): a producer held back by a dead
         * consumer is told so. */
        myl_producer *p;
        assert_int_equal(myl_producer_open(r, NULL, &p), 0);
        for (uint64_t i = 0; i < 4; i++)
            send_value(p, i);
        uint64_t s = 0;
        assert_int_equal(myl_producer_claim(p, 1, &s, MYL_FOREVER), MYL_EPEERDEAD);
        myl_ring_stats st;
        assert_int_equal(myl_ring_stats_get(r, &st), 0);
        assert_int_equal(st.consumers, 2);
        assert_true(st.producer_waits >= 1);
        myl_producer_close(p);
        /* MYL_DEAD_EVICT: it is evicted and the producer goes on, gated by
         * the live consumer only. */
        myl_producer_opts po = {.size = sizeof po, .on_dead_consumer = MYL_DEAD_EVICT};
        assert_int_equal(myl_producer_open(r, &po, &p), 0);
        expect_values(live, 0, 4);
        assert_int_equal(myl_producer_claim(p, 1, &s, MYL_FOREVER), 0);
        assert_int_equal(s, 4);
        put(p, s, 4);
        myl_producer_publish(p, s, 1);
        myl_consumer_stats cst;
        assert_int_equal(myl_ring_consumer_stats(r, 0, &cst), 0);
        assert_string_equal(cst.id, "dead");
        assert_int_equal(cst.state, MYL_ENTRY_EVICTED);
        assert_int_equal(myl_ring_stats_get(r, &st), 0);
        assert_int_equal(st.consumers, 1);
        expect_values(live, 4, 1);
        myl_consumer_close(live);
        myl_producer_close(p);
        myl_ut_destroy(r, &o);
    }
}

static void test_reap(void **state)
{
    (void)state;
    myl_ring_opts o = opts("reap", MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, 8);
    myl_ring *r = myl_ut_create(&o);
    myl_consumer *live;
    consumer_child_dies(r, "dead1", 0);
    assert_int_equal(myl_consumer_open(r, "live", NULL, &live), 0);
    consumer_child_dies(r, "dead2", 0);
    myl_ring_stats st;
    assert_int_equal(myl_ring_stats_get(r, &st), 0);
    assert_int_equal(st.consumers, 3);
    assert_int_equal(myl_ring_reap(r), 2);
    assert_int_equal(myl_ring_reap(r), 0);
    assert_int_equal(myl_ring_stats_get(r, &st), 0);
    assert_int_equal(st.consumers, 1);
    myl_consumer_stats cst;
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(myl_ring_consumer_stats(r, i, &cst), 0);
        assert_int_equal(cst.state, i == live->idx ? MYL_ENTRY_ACTIVE : MYL_ENTRY_EVICTED);
        assert_int_equal(cst.alive, i == live->idx);
    }
    /* A reaped id may register again, from the head. */
    myl_consumer *again;
    assert_int_equal(myl_consumer_open(r, "dead2", NULL, &again), 0);
    assert_int_equal(myl_ring_reap(r), 0);
    myl_consumer_close(again);
    myl_consumer_close(live);
    myl_ut_destroy(r, &o);
}

/* Entries of evicted consumers whose process is gone are reused by new
 * ids; an evicted consumer that is still alive keeps its entry, so that it
 * can learn of the eviction. */
static void test_evicted_entries_recycled(void **state)
{
    (void)state;
    myl_ring_opts o = opts("recycle", MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, 8);
    o.max_consumers = 2;
    myl_ring *r = myl_ut_create(&o);
    consumer_child_dies(r, "gone1", 0);
    consumer_child_dies(r, "gone2", 0);
    assert_int_equal(myl_ring_reap(r), 2);
    myl_consumer *a, *b, *c;
    assert_int_equal(myl_consumer_open(r, "fresh1", NULL, &a), 0);
    assert_int_equal(myl_consumer_open(r, "fresh2", NULL, &b), 0);
    assert_int_equal(myl_consumer_open(r, "fresh3", NULL, &c), MYL_EFULL);
    myl_consumer_stats cst;
    assert_int_equal(myl_ring_consumer_stats(r, a->idx, &cst), 0);
    assert_string_equal(cst.id, "fresh1");
    assert_int_equal(cst.consumed + cst.lost + cst.skipped, 0);
    /* Evicted but alive: not reused. */
    assert_int_equal(myl_ring_evict(r, a->idx), 0);
    assert_int_equal(myl_consumer_open(r, "fresh3", NULL, &c), MYL_EFULL);
    uint64_t s;
    assert_int_equal(myl_consumer_poll(a, 1, &s, MYL_FOREVER), MYL_EEVICTED);
    myl_consumer_close(a);
    myl_consumer_close(b);
    myl_ut_destroy(r, &o);
}

/* A child producer on an MP ring that claims n slots and dies before
 * publishing them. With raw = true it dies between the claim and the CLAIM
 * marks (simulated: it only advances the claim cursor). */
static void producer_child_dies_claiming(myl_ring *r, uint32_t n, bool raw)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        myl_producer *p;
        uint64_t s = 0;
        if (myl_producer_open(r, NULL, &p) != 0)
            _exit(2);
        if (raw)
            atomic_fetch_add(&r->hdr->claim, n);
        else if (myl_producer_try_claim(p, n, &s) != 0)
            _exit(3);
        _exit(0);
    }
    myl_ut_reap_child(pid);
}

static void test_mp_dead_claimer_skipped(void **state)
{
    (void)state;
    for (int raw = 0; raw <= 1; raw++) {
        for (uint32_t n = 1; n <= 3; n += 2) {
            myl_ring_opts o = opts("mpdead", MYL_PRODUCERS_MULTI, MYL_MODE_GATED, 16);
            myl_ring *r = myl_ut_create(&o);
            myl_producer *p;
            myl_consumer *c, *c2;
            myl_consumer_opts co = {.size = sizeof co, .stall_ns = 5 * MYL_UT_MS};
            assert_int_equal(myl_producer_open(r, NULL, &p), 0);
            assert_int_equal(myl_consumer_open(r, "c", &co, &c), 0);
            assert_int_equal(myl_consumer_open(r, "c2", NULL, &c2), 0); /* default stall */
            send_value(p, 0);
            producer_child_dies_claiming(r, n, raw);
            /* Later events from the live producer. */
            uint64_t s = 0;
            for (uint64_t i = 1; i <= 3; i++) {
                assert_int_equal(myl_producer_claim(p, 1, &s, 0), 0);
                assert_int_equal(s, i + n);
                put(p, s, 100 + i);
                myl_producer_publish(p, s, 1);
            }
            expect_values(c, 0, 1);
            /* The consumer waits stall_ns on the dead claimer's slots, then
             * skips them; the events after them arrive intact. */
            expect_values(c, 101, 3);
            expect_values(c2, 0, 1);
            expect_values(c2, 101, 3);
            myl_consumer_stats cst;
            assert_int_equal(myl_ring_consumer_stats(r, c->idx, &cst), 0);
            assert_int_equal(cst.skipped, n);
            assert_int_equal(cst.consumed, 4);
            assert_int_equal(cst.seq, 4 + n);
            assert_int_equal(myl_ring_consumer_stats(r, c2->idx, &cst), 0);
            assert_int_equal(cst.skipped, n);
            /* The skipped slots do not hold the producer back. */
            for (uint64_t i = 0; i < 16; i++) {
                assert_int_equal(myl_producer_claim(p, 1, &s, 0), 0);
                put(p, s, 200 + i);
                myl_producer_publish(p, s, 1);
            }
            expect_values(c, 200, 16);
            expect_values(c2, 200, 16);
            myl_consumer_close(c);
            myl_consumer_close(c2);
            myl_producer_close(p);
            myl_ut_destroy(r, &o);
        }
    }
}

/* MP: when every registered producer is dead, a waiting consumer drains
 * what was published, skips what a dead producer claimed, and is then told
 * that its peers are dead instead of waiting forever. */
static void test_mp_all_producers_dead(void **state)
{
    (void)state;
    myl_ring_opts o = opts("mpalldead", MYL_PRODUCERS_MULTI, MYL_MODE_GATED, 8);
    myl_ring *r = myl_ut_create(&o);
    myl_consumer *c;
    myl_consumer_opts co = {.size = sizeof co, .stall_ns = MYL_UT_MS};
    assert_int_equal(myl_consumer_open(r, "c", &co, &c), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        myl_producer *p;
        uint64_t s;
        if (myl_producer_open(r, NULL, &p) != 0)
            _exit(2);
        for (uint64_t i = 0; i < 2; i++) {
            ev e = {i, CHECK(i), 0};
            if (myl_producer_try_send(p, &e) != 0)
                _exit(3);
        }
        if (myl_producer_try_claim(p, 1, &s) != 0) /* dies holding it */
            _exit(4);
        _exit(0);
    }
    myl_ut_reap_child(pid);
    expect_values(c, 0, 2);
    uint64_t s;
    assert_int_equal(myl_consumer_poll(c, 1, &s, MYL_FOREVER), MYL_EPEERDEAD);
    assert_int_equal(c->skipped, 1);
    myl_consumer_stats cst;
    assert_int_equal(myl_ring_consumer_stats(r, c->idx, &cst), 0);
    assert_int_equal(cst.skipped, 1);
    assert_int_equal(cst.seq, 3);
    myl_consumer_close(c);
    myl_ut_destroy(r, &o);
}

static double thread_cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct delayed_send {
    myl_producer *p;
    uint64_t value;
};

static void *delayed_send_main(void *arg)
{
    struct delayed_send *d = arg;
    myl_ut_nap(50 * MYL_UT_MS);
    ev e = {d->value, CHECK(d->value), 0};
    d->value = (uint64_t)myl_producer_send(d->p, &e, MYL_UT_LIVENESS);
    return NULL;
}

/* A slot skipped in one lap still holds its SKIP stamp when a blocking
 * consumer waits on it in the next lap: the wait must sleep (not spin) and
 * end when the slot is published. */
static void test_skipped_slot_next_lap(void **state)
{
    (void)state;
    myl_ring_opts o = opts("skiplap", MYL_PRODUCERS_MULTI, MYL_MODE_GATED, 4);
    o.wait = MYL_WAIT_BLOCK;
    myl_ring *r = myl_ut_create(&o);
    myl_producer *p;
    myl_consumer *c;
    myl_consumer_opts co = {.size = sizeof co, .stall_ns = MYL_UT_MS};
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    assert_int_equal(myl_consumer_open(r, "c", &co, &c), 0);
    producer_child_dies_claiming(r, 1, false); /* seq 0 */
    for (uint64_t i = 1; i <= 3; i++)
        send_value(p, i);
    expect_values(c, 1, 3);
    assert_int_equal(c->skipped, 1);
    /* Waiting on seq 4, whose slot says "seq 0 skipped". */
    uint64_t s = 0;
    uint64_t t0 = myl_ut_now();
    double c0 = thread_cpu_s();
    assert_int_equal(myl_consumer_poll(c, 1, &s, 200 * MYL_UT_MS), MYL_ETIMEDOUT);
    double cpu = thread_cpu_s() - c0;
    double wall = (double)(myl_ut_now() - t0) / 1e9;
    /* A resource check, not a timing one: a sleeping wait uses next to no
     * CPU; the bug this guards against used all of it. */
    if (cpu >= wall / 2)
        fprintf(stderr, "blocking poll used %.3f s of CPU in %.3f s\n", cpu, wall);
    assert_true(cpu < wall / 2);
    struct delayed_send d = {p, 4};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, delayed_send_main, &d), 0);
    expect_values(c, 4, 1);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(d.value, 0);
    assert_int_equal(c->skipped, 1);
    myl_consumer_close(c);
    myl_producer_close(p);
    myl_ut_destroy(r, &o);
}

static void test_sp_producer_death(void **state)
{
    (void)state;
    myl_ring_opts o = opts("spdead", MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, 8);
    myl_ring *r = myl_ut_create(&o);
    myl_consumer *c;
    assert_int_equal(myl_consumer_open(r, "c", NULL, &c), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        myl_producer *p;
        uint64_t s = 0;
        if (myl_producer_open(r, NULL, &p) != 0)
            _exit(2);
        for (uint64_t i = 0; i < 3; i++) {
            ev e = {i, CHECK(i), 0};
            if (myl_producer_try_send(p, &e) != 0)
                _exit(3);
        }
        if (myl_producer_try_claim(p, 2, &s) != 0) /* never published */
            _exit(4);
        _exit(0);
    }
    myl_ut_reap_child(pid);
    /* The consumer drains what was published, then learns that the only
     * producer is dead instead of waiting forever. */
    expect_values(c, 0, 3);
    uint64_t s = 0;
    assert_int_equal(myl_consumer_poll(c, 1, &s, MYL_FOREVER), MYL_EPEERDEAD);
    myl_ring_stats st;
    assert_int_equal(myl_ring_stats_get(r, &st), 0);
    assert_int_equal(st.published, 3);
    assert_int_equal(st.producers, 1); /* its entry, dead */
    /* A new producer takes the entry over and re-claims the unpublished
     * slots; the published count continues. */
    myl_producer *p;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    assert_int_equal(myl_producer_claim(p, 1, &s, 0), 0);
    assert_int_equal(s, 3);
    put(p, s, 3);
    myl_producer_publish(p, s, 1);
    send_value(p, 4);
    expect_values(c, 3, 2);
    assert_int_equal(myl_ring_stats_get(r, &st), 0);
    assert_int_equal(st.published, 5);
    assert_int_equal(st.producers, 1);
    myl_consumer_close(c);
    myl_producer_close(p);
    myl_ut_destroy(r, &o);
}

/* ---- counters, read through a second mapping ---- */

struct sleeper {
    myl_consumer *c;
    int64_t rc;
    uint64_t value;
};

static void *sleeper_main(void *arg)
{
    struct sleeper *s = arg;
    uint64_t seq;
    s->rc = myl_consumer_poll(s->c, 1, &seq, MYL_UT_LIVENESS);
    if (s->rc == 1) {
        s->value = ((const ev *)myl_consumer_slot(s->c, seq))->seq;
        myl_consumer_release(s->c, 1);
    }
    return NULL;
}

static void test_counters_second_handle(void **state)
{
    (void)state;
    uint32_t waits[] = {MYL_WAIT_BLOCK, MYL_WAIT_HYBRID};
    for (size_t w = 0; w < 2; w++) {
        myl_ring_opts o = opts("ctr", MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, 4);
        o.wait = waits[w];
        myl_ring *r = myl_ut_create(&o), *view;
        assert_int_equal(myl_ring_attach(&o, &view), 0);
        myl_producer *p;
        myl_consumer *c;
        assert_int_equal(myl_producer_open(r, NULL, &p), 0);
        assert_int_equal(myl_consumer_open(r, "c", NULL, &c), 0);
        /* A consumer asleep on the futex is woken by a publish, and the
         * wake is counted. The sleeper re-arms its futex every 20 ms: a
         * publish that falls between two sleeps rightly wakes nobody, so
         * try a few times; a wake counter that never counts fails. */
        uint64_t attempts = 0, sent = 0;
        myl_ring_stats st;
        do {
            struct sleeper sl = {.c = c};
            pthread_t t;
            assert_int_equal(pthread_create(&t, NULL, sleeper_main, &sl), 0);
            uint64_t deadline = myl_ut_now() + (uint64_t)MYL_UT_LIVENESS;
            while (atomic_load(&view->hdr->cons_waiters) == 0 && myl_ut_now() < deadline)
                myl_ut_nap(MYL_UT_MS);
            assert_true(atomic_load(&view->hdr->cons_waiters) > 0);
            send_value(p, 42 + sent);
            assert_int_equal(pthread_join(t, NULL), 0);
            assert_int_equal(sl.rc, 1);
            assert_int_equal(sl.value, 42 + sent);
            sent++;
            attempts++;
            assert_int_equal(myl_ring_stats_get(view, &st), 0);
        } while (st.futex_wakes == 0 && attempts < 5);
        assert_true(st.futex_wakes >= 1);
        assert_int_equal(st.published, sent);
        assert_int_equal(st.producer_waits, 0);
        myl_consumer_stats cst;
        assert_int_equal(myl_ring_consumer_stats(view, 0, &cst), 0);
        assert_string_equal(cst.id, "c");
        assert_int_equal(cst.consumed, sent);
        assert_int_equal(cst.waits, attempts);
        assert_int_equal(cst.seq, sent);
        assert_true(cst.alive);
        /* A producer that has to wait is counted. */
        for (uint64_t i = 0; i < 4; i++)
            send_value(p, i);
        uint64_t s = 0;
        assert_int_equal(myl_producer_claim(p, 1, &s, MYL_UT_MS), MYL_ETIMEDOUT);
        assert_int_equal(myl_producer_claim(p, 1, &s, 0), MYL_ETIMEDOUT);
        assert_int_equal(myl_ring_stats_get(view, &st), 0);
        assert_int_equal(st.producer_waits, 2);
        assert_int_equal(st.published, sent + 4);
        assert_int_equal(st.claim, sent + 4);
        assert_int_equal(st.consumers, 1);
        assert_int_equal(st.producers, 1);
        expect_values(c, 0, 4);
        assert_int_equal(myl_ring_consumer_stats(view, 0, &cst), 0);
        assert_int_equal(cst.consumed, sent + 4);
        /* Counters outlive the producer's registration. */
        myl_producer_close(p);
        assert_int_equal(myl_ring_stats_get(view, &st), 0);
        assert_int_equal(st.published, sent + 4);
        assert_int_equal(st.producers, 0);
        myl_consumer_close(c);
        myl_ring_close(view);
        myl_ut_destroy(r, &o);
    }
    /* Overruns and losses of a lossy consumer, and skips, from outside. */
    myl_ring_opts o = opts("ctrl", MYL_PRODUCERS_SINGLE, MYL_MODE_LOSSY, 8);
    myl_ring *r = myl_ut_create(&o), *view;
    assert_int_equal(myl_ring_attach(&o, &view), 0);
    myl_producer *p;
    myl_consumer *c;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    assert_int_equal(myl_consumer_open(r, "lossy", NULL, &c), 0);
    for (uint64_t i = 0; i < 30; i++)
        send_value(p, i);
    uint64_t s = 0;
    assert_int_equal(myl_consumer_poll(c, 8, &s, 0), MYL_EOVERRUN);
    uint64_t lost = myl_consumer_take_lost(c);
    assert_int_equal(lost, 30 - 4); /* resumed half a ring behind the head */
    expect_values(c, lost, 30 - lost);
    myl_consumer_stats cst;
    assert_int_equal(myl_ring_consumer_stats(view, 0, &cst), 0);
    assert_int_equal(cst.overruns, 1);
    assert_int_equal(cst.lost, lost);
    assert_int_equal(cst.consumed, 30 - lost);
    assert_int_equal(cst.skipped, 0);
    myl_ring_stats st;
    assert_int_equal(myl_ring_stats_get(view, &st), 0);
    assert_int_equal(st.published, 30);
    assert_int_equal(st.ring_mode, MYL_MODE_LOSSY);
    myl_consumer_close(c);
    myl_producer_close(p);
    myl_ring_close(view);
    myl_ut_destroy(r, &o);
}

MYL_TEST_MAIN("semantics", cmocka_unit_test(test_batch), cmocka_unit_test(test_gating_slowest),
              cmocka_unit_test(test_start_positions), cmocka_unit_test(test_lossy_exact_loss),
              cmocka_unit_test(test_lossy_single_overrun), cmocka_unit_test(test_consumer_takeover),
              cmocka_unit_test(test_dead_consumer_policies), cmocka_unit_test(test_reap),
              cmocka_unit_test(test_evicted_entries_recycled),
              cmocka_unit_test(test_mp_dead_claimer_skipped),
              cmocka_unit_test(test_mp_all_producers_dead),
              cmocka_unit_test(test_skipped_slot_next_lap),
              cmocka_unit_test(test_sp_producer_death),
              cmocka_unit_test(test_counters_second_handle))
