/* Tracked routes (tests/gen/topo/track.myl): what re-dispatch resends and
 * how.
 *
 * - A hash-partitioned route: hand 1 (a child process) takes its keys'
 *   messages and dies without reading them; re-dispatched, each goes
 *   where its key maps now, so every key's messages, resent and new, reach
 *   one hand, in the order they were sent. (They were resent by the hash
 *   of their id, in the tracking table's order: one key's messages split
 *   over two hands, out of order.)
 * - A FlatBuffers message built in place with a deferred vector
 *   (myl_fb_builder_defer) on a tracked route arrives whole (the vector's
 *   bytes were never written into the frame, nor into the copy kept).
 * - A tracked compact send needs the caller's buffer (MYL_EINVAL without,
 *   not a misleading MYL_ETOOBIG), and works with one.
 * - A hand that stops polling (stopped, or stuck) is found stalled, its
 *   messages re-dispatched and its receivers evicted; once it polls again
 *   it registers again by itself and its keys come back to it. Answers
 *   that come twice are flagged (ep->repeat) from the second on. (Its
 *   receivers saw the eviction only if the boss lapped them, which it
 *   never does once the hand is out of rotation: it never got work again.)
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#include "track.myl.h"

#define SEC INT64_C(1000000000)

enum { NKEYS = 32, PER_PHASE = 96, NHANDS = 3 };

/* What hands 0 and 2 received: per key, the hand (-1: none yet), the last
 * id, and faults (a key on two hands, an id out of order). */
typedef struct seen {
    int hand[NKEYS];
    int64_t last[NKEYS];
    int split, disorder, count;
} seen;

static int on_orders(const trk_Order *m, trk_T_hands *ep, void *user)
{
    seen *s = user;
    uint32_t k = m->key;
    assert_true(k < NKEYS);
    if (s->hand[k] < 0)
        s->hand[k] = (int)ep->index;
    else if (s->hand[k] != (int)ep->index)
        s->split++;
    if ((int64_t)m->id <= s->last[k])
        s->disorder++;
    s->last[k] = (int64_t)m->id;
    s->count++;
    return 0;
}

/* The members this process plays: every hand but `away` (UINT32_MAX:
 * all), the pool and the desk; the topology ready. */
typedef struct members {
    trk_T_hands w[NHANDS];
    uint32_t away;
    trk_T_pool p;
    trk_T_desk d;
} members;

static void open_members(const myl_topo_cfg *cfg, trk_T_boss *b, members *m, uint32_t away)
{
    memset(m, 0, sizeof *m);
    m->away = away;
    for (uint32_t i = 0; i < NHANDS; i++)
        if (i != away)
            assert_int_equal(trk_T_hands_open(cfg, i, &m->w[i]), 0);
    assert_int_equal(trk_T_pool_open(cfg, &m->p), 0);
    assert_int_equal(trk_T_desk_open(cfg, &m->d), 0);
    assert_int_equal(myl_topo_wait_ready(b->topo, 5 * SEC), 0);
}

static void close_members(members *m)
{
    for (uint32_t i = 0; i < NHANDS; i++)
        if (i != m->away)
            trk_T_hands_close(&m->w[i]);
    trk_T_pool_close(&m->p);
    trk_T_desk_close(&m->d);
}

static int redispatched;

static void on_event(const myl_topo_event *ev, trk_T_boss *ep, void *user)
{
    (void)user;
    if (ev->kind == MYL_TOPO_EV_DEAD && ev->role == trk_T_ROLE_hands) {
        int rc = trk_T_boss_redispatch(ep, ev->role, ev->index);
        assert_true(rc > 0);
        redispatched += rc;
    }
}

static void send_orders(trk_T_boss *b, uint64_t first)
{
    for (uint64_t id = first; id < first + PER_PHASE; id++) {
        trk_Order o = {.id = id, .key = (uint32_t)(id % NKEYS)};
        assert_int_equal(trk_T_boss_send_orders(b, &o, 5 * SEC), 0);
    }
}

static void drain(trk_T_hands *w, seen *s)
{
    trk_T_hands_handlers hh = {.on_orders = on_orders};
    for (int round = 0; round < 50; round++)
        for (uint32_t i = 0; i < NHANDS; i += 2)
            (void)trk_T_hands_poll(&w[i], &hh, s, 0);
}

static void test_redispatch_follows_key(void **state)
{
    (void)state;
    myl_topo_cfg cfg;
    myl_topo_cfg_init(&cfg);
    cfg.instance = myl_test_name("trk-key");
    cfg.track = 1;
    cfg.liveness.check_interval_ns = SEC / 100;
    trk_T_boss b;
    assert_int_equal(trk_T_boss_open(&cfg, &b), 0);
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    fflush(NULL);
    pid_t kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) { /* hand 1: takes its messages, never reads them */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        trk_T_hands w;
        if (trk_T_hands_open(&cfg, 1, &w) != 0 || write(ready[1], "r", 1) != 1)
            _exit(2);
        for (;;)
            pause();
    }
    char ch;
    assert_int_equal(read(ready[0], &ch, 1), 1);
    members m;
    open_members(&cfg, &b, &m, 1);
    trk_T_hands *w = m.w;
    trk_T_boss_handlers bh = {.on_event = on_event};
    (void)trk_T_boss_events(&b, &bh, NULL);
    seen s;
    memset(&s, 0, sizeof s);
    for (int k = 0; k < NKEYS; k++) {
        s.hand[k] = -1;
        s.last[k] = -1;
    }
    send_orders(&b, 0);
    uint32_t held = myl_topo_outstanding(b.topo, trk_T_ROLE_hands, 1);
    assert_true(held > 0); /* some keys map to hand 1 */
    drain(w, &s);
    assert_int_equal(s.count, PER_PHASE - (int)held);
    kill(kid, SIGKILL);
    assert_int_equal(waitpid(kid, NULL, 0), kid);
    for (int i = 0; i < 500 && !redispatched; i++)
        (void)trk_T_boss_poll(&b, &bh, NULL, SEC / 100);
    assert_int_equal(redispatched, (int)held);
    send_orders(&b, PER_PHASE);
    drain(w, &s);
    assert_int_equal(s.count, 2 * PER_PHASE);
    assert_int_equal(s.split, 0);
    assert_int_equal(s.disorder, 0);
    close_members(&m);
    trk_T_boss_close(&b);
    close(ready[0]);
    close(ready[1]);
}

/* ---- a stalled hand rejoins ---- */

enum { NIDS = 4 * PER_PHASE };

typedef struct answers {
    uint8_t got[NIDS]; /* answers per id */
    int stalled, hand1;
    int repeats, repeat_first; /* answers flagged ep->repeat; wrongly so */
} answers;

static int answer_order(const trk_Order *m, trk_T_hands *ep, void *user)
{
    answers *a = user;
    if (ep->index == 1)
        a->hand1++;
    return trk_T_hands_send_done(ep, m, 5 * SEC);
}

static int on_done(const trk_Order *m, trk_T_boss *ep, void *user)
{
    answers *a = user;
    assert_true(m->id < NIDS);
    /* the first answer of each id is news; any other is a repeat */
    a->repeats += ep->repeat;
    a->repeat_first += ep->repeat && a->got[m->id] == 0;
    a->repeat_first += !ep->repeat && a->got[m->id] != 0;
    a->got[m->id]++;
    return 0;
}

static void stall_event(const myl_topo_event *ev, trk_T_boss *ep, void *user)
{
    answers *a = user;
    /* any hand (this process descheduled for long stalls them all) */
    if (ev->kind == MYL_TOPO_EV_STALLED && ev->role == trk_T_ROLE_hands) {
        a->stalled += ev->index == 1;
        (void)trk_T_boss_redispatch(ep, ev->role, ev->index);
    }
}

/* One round of every member this process plays but hand `skip`, and of
 * the boss (which runs its checks). */
static void round_but(trk_T_boss *b, members *m, uint32_t skip, answers *a)
{
    trk_T_hands_handlers hh = {.on_orders = answer_order};
    trk_T_pool_handlers ph = {0};
    trk_T_desk_handlers dh = {0};
    trk_T_boss_handlers bh = {.on_done = on_done, .on_event = stall_event};
    for (uint32_t i = 0; i < NHANDS; i++)
        if (i != skip)
            assert_true(trk_T_hands_poll(&m->w[i], &hh, a, 0) >= 0);
    assert_true(trk_T_pool_poll(&m->p, &ph, NULL, 0) >= 0);
    assert_true(trk_T_desk_poll(&m->d, &dh, NULL, 0) >= 0);
    assert_true(trk_T_boss_poll(b, &bh, a, SEC / 1000) >= 0);
}

static void test_stalled_hand_rejoins(void **state)
{
    (void)state;
    myl_topo_cfg cfg;
    myl_topo_cfg_init(&cfg);
    cfg.instance = myl_test_name("trk-stall");
    cfg.track = 1;
    cfg.liveness.check_interval_ns = SEC / 1000;
    cfg.liveness.progress_timeout_ns = SEC / 2;
    cfg.liveness.grace_ns = SEC / 20;
    trk_T_boss b;
    assert_int_equal(trk_T_boss_open(&cfg, &b), 0);
    members m;
    open_members(&cfg, &b, &m, UINT32_MAX);
    answers *a = calloc(1, sizeof *a);
    assert_non_null(a);
    /* Phase 1: everyone answers. */
    send_orders(&b, 0);
    for (int i = 0; i < 200 && a->hand1 == 0; i++)
        round_but(&b, &m, UINT32_MAX, a);
    assert_true(a->hand1 > 0);
    /* Phase 2: hand 1 stops; what it is sent waits in its ring. */
    send_orders(&b, PER_PHASE);
    myl_consumer *old = m.w[1].orders_rx[0].c;
    for (int i = 0; i < 20000 && myl_consumer_check(old) == 0; i++)
        round_but(&b, &m, 1, a);
    assert_true(a->stalled >= 1);
    assert_int_equal(myl_consumer_check(old), MYL_EEVICTED);
    /* Its keys go to the others now. */
    send_orders(&b, 2 * PER_PHASE);
    for (int i = 0; i < 50; i++)
        round_but(&b, &m, 1, a);
    /* Phase 3: hand 1 polls again. It answers what it still finds (twice
     * answered then), registers again, and the boss takes it back. */
    trk_T_hands_handlers hh = {.on_orders = answer_order};
    for (int i = 0; i < 20000 && myl_consumer_check(m.w[1].orders_rx[0].c) != 0; i++) {
        assert_true(trk_T_hands_poll(&m.w[1], &hh, a, 0) >= 0);
        round_but(&b, &m, 1, a);
    }
    assert_int_equal(myl_consumer_check(m.w[1].orders_rx[0].c), 0);
    int back = 0;
    for (int i = 0; i < 20000 && !back; i++) {
        round_but(&b, &m, UINT32_MAX, a);
        back = myl_topo_pick(b.topo, trk_T_ROUTE_boss_hands_orders, 1) == 1 ? 1 : 0;
    }
    assert_true(back);
    int before = a->hand1;
    send_orders(&b, 3 * PER_PHASE);
    for (int i = 0; i < 200; i++)
        round_but(&b, &m, UINT32_MAX, a);
    assert_true(a->hand1 > before); /* its keys came back to it */
    int answers_total = 0;
    for (uint32_t id = 0; id < NIDS; id++) {
        if (a->got[id] == 0)
            fail_msg("order %u never answered", id);
        answers_total += a->got[id];
    }
    assert_int_equal(a->repeat_first, 0);
    assert_int_equal(a->repeats, answers_total - NIDS);
    assert_int_equal(myl_topo_outstanding(b.topo, trk_T_ROLE_hands, 0) +
                         myl_topo_outstanding(b.topo, trk_T_ROLE_hands, 1) +
                         myl_topo_outstanding(b.topo, trk_T_ROLE_hands, 2),
                     0);
    free(a);
    close_members(&m);
    trk_T_boss_close(&b);
}

/* A handler may run the checks (_events): when its member was evicted
 * meanwhile, the receiver it is handling a message of stays its own
 * until it returns (the receiver was closed under it, and released on
 * after), and _poll registers it again afterwards. */
static myl_consumer *held;
static int evicted_in_handler;

static int evict_then_events(const trk_Order *m, trk_T_hands *ep, void *user)
{
    (void)m;
    (void)user;
    myl_consumer *c = ep->orders_rx[0].c;
    held = c;
    assert_int_equal(myl_ring_evict(myl_topo_ring(ep->topo, trk_T_ROUTE_boss_hands_orders,
                                                  myl_topo_ring_index(ep->topo, 0, 0, ep->index)),
                                    c->idx),
                     0);
    struct timespec ts = {0, 3000000}; /* past the check interval */
    nanosleep(&ts, NULL);
    assert_true(trk_T_hands_events(ep, NULL, NULL) >= 0);
    evicted_in_handler += ep->orders_rx[0].c == c;
    return 0;
}

static void test_events_in_handler(void **state)
{
    (void)state;
    myl_topo_cfg cfg;
    myl_topo_cfg_init(&cfg);
    cfg.instance = myl_test_name("trk-ev");
    cfg.liveness.check_interval_ns = SEC / 1000;
    trk_T_boss b;
    assert_int_equal(trk_T_boss_open(&cfg, &b), 0);
    members m;
    open_members(&cfg, &b, &m, UINT32_MAX);
    trk_Order o = {.id = 1, .key = 0};
    int pick = myl_topo_pick(b.topo, trk_T_ROUTE_boss_hands_orders, 0);
    assert_true(pick >= 0);
    assert_int_equal(trk_T_boss_send_orders(&b, &o, 5 * SEC), 0);
    trk_T_hands *w = &m.w[pick];
    trk_T_hands_handlers hh = {.on_orders = evict_then_events};
    for (int i = 0; i < 1000 && !held; i++)
        assert_true(trk_T_hands_poll(w, &hh, NULL, SEC / 1000) >= 0);
    assert_non_null(held);
    assert_int_equal(evicted_in_handler, 1);
    /* then the poll registers it again */
    for (int i = 0; i < 1000 && myl_consumer_check(w->orders_rx[0].c) != 0; i++)
        assert_true(trk_T_hands_poll(w, &hh, NULL, SEC / 1000) >= 0);
    assert_int_equal(myl_consumer_check(w->orders_rx[0].c), 0);
    close_members(&m);
    trk_T_boss_close(&b);
}

/* ---- a deferred vector, and a compact send's buffer ---- */

static uint32_t src[4096];
static int blobs_ok;

static int on_blobs(const trk_Blob_table *m, trk_T_pool *ep, void *user)
{
    (void)ep;
    (void)user;
    uint32_t n = trk_Blob_data_len(*m), bad = 0;
    for (uint32_t i = 0; i < n; i++)
        bad += trk_Blob_data_at(*m, i) != src[i];
    assert_int_equal(n, 4096);
    assert_int_equal(bad, 0);
    blobs_ok++;
    return 0;
}

static int notes_ok;

static int on_notes(const trk_Note *m, trk_T_desk *ep, void *user)
{
    (void)ep;
    (void)user;
    assert_int_equal(m->text.n, 4);
    assert_memory_equal(m->text.p, "AAPL", 4);
    notes_ok++;
    return 0;
}

static void test_tracked_builds(void **state)
{
    (void)state;
    for (uint32_t i = 0; i < 4096; i++)
        src[i] = 0xa5000000u + i;
    myl_topo_cfg cfg;
    myl_topo_cfg_init(&cfg);
    cfg.instance = myl_test_name("trk-build");
    cfg.track = 1;
    trk_T_boss b;
    assert_int_equal(trk_T_boss_open(&cfg, &b), 0);
    members m;
    open_members(&cfg, &b, &m, UINT32_MAX);
    (void)trk_T_boss_events(&b, NULL, NULL);
    /* In place, with the vector deferred and without. */
    static uint8_t arena[65536];
    for (int defer = 0; defer < 2; defer++) {
        myl_fb_builder fb;
        myl_frame_span span;
        myl_fb_ref v, root;
        memset(arena, 0, sizeof arena); /* no bytes of the last build where a hole is */
        assert_int_equal(trk_T_boss_begin_blobs(&b, &fb, arena, sizeof arena, &span, 5 * SEC), 0);
        if (defer)
            myl_fb_builder_defer(&fb);
        assert_int_equal(trk_Blob_create_data(&fb, src, 4096, &v), 0);
        trk_Blob_start(&fb);
        trk_Blob_add_id(&fb, (uint64_t)defer + 1);
        trk_Blob_add_data(&fb, v);
        assert_int_equal(trk_Blob_end(&fb, &root), 0);
        assert_int_equal(trk_T_boss_commit_blobs(&b, &fb, root, &span, 5 * SEC), 0);
    }
    assert_int_equal(myl_topo_outstanding(b.topo, trk_T_ROLE_pool, 0), 2);
    trk_T_pool_handlers ph = {.on_blobs = on_blobs};
    for (int round = 0; round < 20 && blobs_ok < 2; round++)
        (void)trk_T_pool_poll(&m.p, &ph, NULL, 0);
    assert_int_equal(blobs_ok, 2);
    /* A tracked compact send: the copy is made from the caller's buffer. */
    trk_Note n;
    trk_Note_init(&n);
    n.id = 7;
    n.text = (myl_cstr){"AAPL", 4};
    assert_int_equal(trk_T_boss_send_notes(&b, &n, NULL, 0, 0, SEC), MYL_EINVAL);
    uint8_t buf[256];
    assert_int_equal(trk_T_boss_send_notes(&b, &n, buf, sizeof buf, 0, SEC), 0);
    trk_T_desk_handlers dh = {.on_notes = on_notes};
    for (int round = 0; round < 20 && notes_ok < 1; round++)
        (void)trk_T_desk_poll(&m.d, &dh, NULL, 0);
    assert_int_equal(notes_ok, 1);
    close_members(&m);
    trk_T_boss_close(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redispatch_follows_key),
        cmocka_unit_test(test_tracked_builds),
        cmocka_unit_test(test_stalled_hand_rejoins),
        cmocka_unit_test(test_events_in_handler),
    };
    return myl_test_run("topo_track", tests, sizeof tests / sizeof *tests);
}
