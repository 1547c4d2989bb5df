/* Topology routes over lanes and size classes (tests/gen/topo/groups.myl):
 * each ring of such a route is a group of rings, made by the owner and
 * named from the instance; the generated endpoints send and receive on
 * them in every codec. Checked: lanes deliver by priority (ep->lane says
 * which), size classes keep each sender's order whatever the class, a
 * string-keyed FlatBuffers route over lanes partitions by the key and is
 * tracked (answers on a compact lanes route), a shared route over size
 * classes takes every hand's messages, every group ring exists under the
 * instance's names, and a dead hand's entries in every ring of its groups
 * are evicted so that a broadcast over lanes does not block on it. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#include "groups.myl.h"

enum { NHANDS = 2 };
static const int64_t T = 1000000000;

struct topo {
    char inst[64];
    myl_topo_cfg cfg;
    gr_Grouped_boss boss;
    gr_Grouped_hands hands[NHANDS];
};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The owner picks among members it has seen up. */
static void wait_up(struct topo *t, uint32_t n)
{
    for (int i = 0; i < 5000; i++) {
        myl_topo_event ev[8];
        assert_true(myl_topo_poll(t->boss.topo, ev, 8) >= 0);
        uint32_t up = 0;
        for (uint32_t k = 0; k < n; k++)
            up += myl_topo_is_alive(t->boss.topo, 1, k);
        if (up == n)
            return;
        sleep_ms(1);
    }
    fail_msg("hands not up");
}

/* progress_ns: the stall timeout (0: the default). */
static void open_all(struct topo *t, const char *what, int64_t progress_ns)
{
    snprintf(t->inst, sizeof t->inst, "gr%s%d", what, (int)getpid());
    myl_topo_cfg_init(&t->cfg);
    t->cfg.instance = t->inst;
    t->cfg.counts[1] = NHANDS;
    t->cfg.track = 1;
    t->cfg.liveness.check_interval_ns = 1000000;
    if (progress_ns)
        t->cfg.liveness.progress_timeout_ns = progress_ns;
    assert_int_equal(gr_Grouped_boss_open(&t->cfg, &t->boss), 0);
    for (uint32_t i = 0; i < NHANDS; i++)
        assert_int_equal(gr_Grouped_hands_open(&t->cfg, i, &t->hands[i]), 0);
    wait_up(t, NHANDS);
}

static void close_all(struct topo *t)
{
    for (uint32_t i = 0; i < NHANDS; i++)
        gr_Grouped_hands_close(&t->hands[i]);
    gr_Grouped_boss_close(&t->boss);
}

/* What the hands and the boss saw. */
struct seen {
    int who;
    char alerts[NHANDS][8][16]; /* in order of arrival */
    uint32_t alert_lane[NHANDS][8];
    int nalerts[NHANDS];
    uint64_t last_note[NHANDS]; /* sized: ids in order per hand */
    int notes, notes_big, note_order;
    int trades[NHANDS], trade_moved;
    int trade_hand[16];
    int books, books_big;
    int replies;
    int blobs, blobs_big, blob_from_bad;
};

static int on_alerts(const myl_frame_msg *msg, gr_Grouped_hands *ep, void *user)
{
    struct seen *s = user;
    int w = s->who, n = s->nalerts[w]++;
    assert_true(n < 8 && msg->len < 16);
    memcpy(s->alerts[w][n], msg->data, msg->len);
    s->alerts[w][n][msg->len] = 0;
    s->alert_lane[w][n] = ep->lane;
    return 0;
}

static int on_prio(const gr_Trade_table *msg, gr_Grouped_hands *ep, void *user)
{
    struct seen *s = user;
    uint64_t id = gr_Trade_id(*msg);
    assert_true(id < 16);
    myl_fb_str sym = gr_Trade_symbol(*msg);
    assert_true(sym.len == 4);
    /* the same symbol (id % 4) on one hand */
    int key = (int)(id % 4);
    if (s->trade_hand[key] < 0)
        s->trade_hand[key] = s->who;
    else if (s->trade_hand[key] != s->who)
        s->trade_moved++;
    s->trades[s->who]++;
    /* the answer, on the compact lanes route back */
    gr_Note n;
    gr_Note_init(&n);
    n.id = id;
    return gr_Grouped_hands_send_replies(ep, gr_replies_LANE_lo, &n, NULL, 0, 0, T);
}

static int on_sized(const gr_Note *msg, gr_Grouped_hands *ep, void *user)
{
    struct seen *s = user;
    if (s->last_note[s->who] && msg->id <= s->last_note[s->who])
        s->note_order++;
    s->last_note[s->who] = msg->id;
    /* the class the message came in: the small one for a short text */
    bool big = msg->text.n > 64;
    if (ep->lane != (big ? 1u : 0u))
        s->note_order++;
    s->notes++;
    s->notes_big += big;
    for (size_t i = 0; i < msg->text.n; i++)
        if (msg->text.p[i] != (char)('a' + (msg->id + i) % 26))
            return MYL_EINVAL;
    return 0;
}

static int on_books(const gr_Quote_table *msg, gr_Grouped_hands *ep, void *user)
{
    struct seen *s = user;
    assert_int_equal(ep->index, 1); /* sent to hand 1 */
    myl_fb_str sym = gr_Quote_symbol(*msg);
    s->books++;
    s->books_big += sym.len > 128;
    return 0;
}

static int on_replies(const gr_Note *msg, gr_Grouped_boss *ep, void *user)
{
    struct seen *s = user;
    (void)msg;
    assert_int_equal(ep->lane, gr_replies_LANE_lo);
    s->replies++;
    return 0;
}

static int on_blobs(const myl_frame_msg *msg, gr_Grouped_boss *ep, void *user)
{
    struct seen *s = user;
    if (ep->from != UINT32_MAX)
        s->blob_from_bad++;
    s->blobs++;
    s->blobs_big += msg->len > 100;
    assert_int_equal(ep->lane, msg->len > 100 ? 1u : 0u);
    return 0;
}

static const gr_Grouped_hands_handlers hands_h = {
    .on_alerts = on_alerts, .on_prio = on_prio, .on_sized = on_sized, .on_books = on_books};
static const gr_Grouped_boss_handlers boss_h = {.on_replies = on_replies, .on_blobs = on_blobs};

static void poll_hands(struct topo *t, struct seen *s, int rounds)
{
    for (int r = 0; r < rounds; r++)
        for (int i = 0; i < NHANDS; i++) {
            s->who = i;
            assert_true(gr_Grouped_hands_poll(&t->hands[i], &hands_h, s, 0) >= 0);
        }
}

static void test_group_rings_named(void **state)
{
    (void)state;
    struct topo t;
    open_all(&t, "n", 0);
    myl_topo *tp = t.boss.topo;
    assert_int_equal(myl_topo_route_width(tp, gr_Grouped_ROUTE_boss_hands_alerts), 2);
    assert_int_equal(myl_topo_route_width(tp, gr_Grouped_ROUTE_boss_hands_books), 2);
    /* broadcast: one group per boss; direct: one per (boss, hand) */
    assert_int_equal(myl_topo_route_rings(tp, gr_Grouped_ROUTE_boss_hands_alerts), 1);
    assert_int_equal(myl_topo_route_rings(tp, gr_Grouped_ROUTE_boss_hands_books), NHANDS);
    char base[256], want[300];
    assert_true(myl_topo_segment_name(tp, gr_Grouped_ROUTE_boss_hands_books, 1, base, sizeof base) >
                0);
    myl_ring *r = myl_topo_group_ring(tp, gr_Grouped_ROUTE_boss_hands_books, 1, 1);
    assert_non_null(r);
    assert_int_equal(r->slot_size, 1024);
    /* the group ring's segment exists under <ring>.f<frame size> */
    snprintf(want, sizeof want, "%s.f1024", base);
    myl_ring_opts o;
    memset(&o, 0, sizeof o);
    o.size = (uint32_t)sizeof o;
    o.name = want;
    myl_ring *again;
    assert_int_equal(myl_ring_attach(&o, &again), 0);
    myl_ring_close(again);
    assert_null(myl_topo_group_ring(tp, gr_Grouped_ROUTE_boss_hands_books, 1, 2));
    myl_group g;
    assert_int_equal(myl_topo_group(tp, gr_Grouped_ROUTE_boss_hands_alerts, 0, &g), 0);
    assert_int_equal(g.kind, MYL_GROUP_LANES);
    assert_int_equal(g.count, 2);
    /* not a group route: the shared one is, the test's others are too; a
     * bad ring index is refused */
    assert_int_equal(myl_topo_group(tp, gr_Grouped_ROUTE_boss_hands_alerts, 5, &g), MYL_EINVAL);
    close_all(&t);
    /* the owner unlinked every group ring */
    assert_int_equal(myl_ring_attach(&o, &again), -ENOENT);
}

static void test_every_codec(void **state)
{
    (void)state;
    struct topo t;
    open_all(&t, "c", 0);
    struct seen s;
    memset(&s, 0, sizeof s);
    memset(s.trade_hand, -1, sizeof s.trade_hand);

    /* lanes, broadcast: the normal one first, the urgent one is served first */
    assert_int_equal(gr_Grouped_boss_send_alerts(&t.boss, gr_alerts_LANE_normal, "n1", 2, 0, T), 0);
    assert_int_equal(gr_Grouped_boss_send_alerts(&t.boss, gr_alerts_LANE_urgent, "u1", 2, 0, T), 0);

    /* FlatBuffers on lanes, partitioned by a string key, tracked */
    static const char *const syms[4] = {"AAPL", "MSFT", "GOOG", "AMZN"};
    for (uint64_t id = 0; id < 12; id++) {
        uint8_t buf[256], arena[256];
        myl_fb_builder b;
        myl_fb_ref str, root;
        myl_fb_msg m;
        myl_fb_builder_init(&b, buf, sizeof buf, arena, sizeof arena);
        assert_int_equal(myl_fb_create_string(&b, syms[id % 4], 4, &str), 0);
        assert_int_equal(gr_Trade_start(&b), 0);
        assert_int_equal(gr_Trade_add_id(&b, id), 0);
        assert_int_equal(gr_Trade_add_symbol(&b, str), 0);
        assert_int_equal(gr_Trade_end(&b, &root), 0);
        assert_int_equal(gr_Trade_finish(&b, root, NULL, 0, &m), 0);
        assert_int_equal(gr_Grouped_boss_send_prio(&t.boss, gr_prio_LANE_hi, m.data, m.len, T), 0);
    }
    assert_int_equal(
        myl_topo_outstanding(t.boss.topo, 1, 0) + myl_topo_outstanding(t.boss.topo, 1, 1), 12);

    /* compact in size classes, round robin: short and long texts */
    char text[200];
    for (uint64_t id = 1; id <= 10; id++) {
        size_t n = id % 2 ? 10 : 150;
        for (size_t i = 0; i < n; i++)
            text[i] = (char)('a' + (id + i) % 26);
        gr_Note note;
        gr_Note_init(&note);
        note.id = id;
        note.text = (myl_cstr){text, n};
        uint8_t buf[512];
        assert_int_equal(gr_Grouped_boss_send_sized(&t.boss, &note, buf, sizeof buf, 0, T), 0);
    }

    /* FlatBuffers in size classes, direct to hand 1: a small and a large one */
    for (int k = 0; k < 2; k++) {
        uint8_t buf[1024];
        char sym[600];
        size_t n = k ? 500 : 8;
        memset(sym, 'q', n);
        myl_fb_builder b;
        myl_fb_ref str, root;
        myl_fb_msg m;
        myl_fb_builder_init(&b, buf, sizeof buf, NULL, 0);
        assert_int_equal(myl_fb_create_string(&b, sym, n, &str), 0);
        assert_int_equal(gr_Quote_start(&b), 0);
        assert_int_equal(gr_Quote_add_symbol(&b, str), 0);
        assert_int_equal(gr_Quote_end(&b, &root), 0);
        assert_int_equal(gr_Quote_finish(&b, root, NULL, 0, &m), 0);
        assert_int_equal(gr_Grouped_boss_send_books_to(&t.boss, 1, m.data, m.len, T), 0);
    }

    poll_hands(&t, &s, 200);
    for (int i = 0; i < NHANDS; i++) {
        assert_int_equal(s.nalerts[i], 2);
        assert_string_equal(s.alerts[i][0], "u1");
        assert_int_equal(s.alert_lane[i][0], gr_alerts_LANE_urgent);
        assert_string_equal(s.alerts[i][1], "n1");
        assert_int_equal(s.alert_lane[i][1], gr_alerts_LANE_normal);
    }
    assert_int_equal(s.trades[0] + s.trades[1], 12);
    assert_int_equal(s.trade_moved, 0);
    assert_int_equal(s.notes, 10);
    assert_int_equal(s.notes_big, 5);
    assert_int_equal(s.note_order, 0);
    assert_int_equal(s.books, 2);
    assert_int_equal(s.books_big, 1);

    /* shared, in size classes: every hand's blobs reach the boss */
    for (int i = 0; i < NHANDS; i++) {
        char blob[400];
        memset(blob, 'b', sizeof blob);
        assert_int_equal(gr_Grouped_hands_send_blobs(&t.hands[i], blob, 10, 0, T), 0);
        assert_int_equal(gr_Grouped_hands_send_blobs(&t.hands[i], blob, sizeof blob, 0, T), 0);
    }
    for (int r = 0; r < 200 && (s.replies < 12 || s.blobs < 2 * NHANDS); r++)
        assert_true(gr_Grouped_boss_poll(&t.boss, &boss_h, &s, 0) >= 0);
    assert_int_equal(s.replies, 12);
    assert_int_equal(s.blobs, 2 * NHANDS);
    assert_int_equal(s.blobs_big, NHANDS);
    assert_int_equal(s.blob_from_bad, 0);
    /* every tracked trade was answered */
    assert_int_equal(
        myl_topo_outstanding(t.boss.topo, 1, 0) + myl_topo_outstanding(t.boss.topo, 1, 1), 0);
    close_all(&t);
}

static void test_dead_hand_evicted(void **state)
{
    (void)state;
    char inst[64];
    snprintf(inst, sizeof inst, "grd%d", (int)getpid());
    myl_topo_cfg cfg;
    myl_topo_cfg_init(&cfg);
    cfg.instance = inst;
    cfg.counts[1] = NHANDS;
    cfg.liveness.check_interval_ns = 1000000;
    gr_Grouped_boss boss;
    gr_Grouped_hands hand0;
    assert_int_equal(gr_Grouped_boss_open(&cfg, &boss), 0);
    assert_int_equal(gr_Grouped_hands_open(&cfg, 0, &hand0), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* hand 1: joins, then dies without leaving */
        gr_Grouped_hands h1;
        _exit(gr_Grouped_hands_open(&cfg, 1, &h1) == 0 ? 0 : 1);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* the owner finds it dead */
    bool dead = false;
    for (int i = 0; i < 5000 && !dead; i++) {
        myl_topo_event ev[8];
        int n = myl_topo_poll(boss.topo, ev, 8);
        assert_true(n >= 0);
        for (int k = 0; k < n; k++)
            dead = dead || (ev[k].kind == MYL_TOPO_EV_DEAD && ev[k].role == 1 && ev[k].index == 1);
        sleep_ms(1);
    }
    assert_true(dead);
    /* More urgent alerts than a lane holds: hand 0 drains, and the dead
     * hand's entry in every ring of the group was evicted, so no send
     * waits for it (each would time out after 200 ms). */
    struct seen s;
    memset(&s, 0, sizeof s);
    int got = 0;
    for (int i = 0; i < 300; i++) {
        for (uint32_t lane = 0; lane < 2; lane++)
            assert_int_equal(gr_Grouped_boss_send_alerts(&boss, lane, "x", 1, 0, 200000000), 0);
        s.who = 0;
        s.nalerts[0] = 0;
        for (int r = 0; r < 4; r++) {
            int rc = gr_Grouped_hands_poll(&hand0, &hands_h, &s, 0);
            assert_true(rc >= 0);
            got += rc;
            s.nalerts[0] = 0;
        }
    }
    assert_true(got > 500);
    gr_Grouped_hands_close(&hand0);
    gr_Grouped_boss_close(&boss);
}

/* Every group receiver of hand 1 checks `want` (MYL_EEVICTED or 0). */
static bool hand1_receivers(struct topo *t, int want)
{
    gr_Grouped_hands *h = &t->hands[1];
    return myl_group_receiver_check(h->alerts_rx[0].r) == want &&
           myl_group_receiver_check(h->prio_rx[0].r) == want &&
           myl_group_receiver_check(h->sized_rx[0].r) == want &&
           myl_group_receiver_check(h->books_rx[0].r) == want;
}

/* A hand that stops polling is found stalled and evicted from every ring of
 * its groups; polling again, it registers again in each by itself, and the
 * boss sends it work again. */
static void test_stalled_hand_rejoins(void **state)
{
    (void)state;
    struct topo t;
    open_all(&t, "s", T / 2);
    struct seen s;
    memset(&s, 0, sizeof s);
    for (int i = 0; i < 20000 && !hand1_receivers(&t, MYL_EEVICTED); i++) {
        s.who = 0;
        assert_true(gr_Grouped_hands_poll(&t.hands[0], &hands_h, &s, 0) >= 0);
        assert_true(gr_Grouped_boss_poll(&t.boss, &boss_h, &s, T / 1000) >= 0);
    }
    assert_true(hand1_receivers(&t, MYL_EEVICTED));
    s.who = 1;
    for (int i = 0; i < 20000 && !hand1_receivers(&t, 0); i++) {
        assert_true(gr_Grouped_hands_poll(&t.hands[1], &hands_h, &s, 0) >= 0);
        assert_true(gr_Grouped_boss_poll(&t.boss, &boss_h, &s, T / 1000) >= 0);
    }
    assert_true(hand1_receivers(&t, 0));
    /* Notes go round robin over the hands the boss picks: hand 1 again. */
    uint8_t buf[256];
    int got1 = 0;
    for (uint64_t id = 1; id < 20000 && !got1; id++) {
        gr_Note n;
        gr_Note_init(&n);
        n.id = id;
        assert_int_equal(gr_Grouped_boss_send_sized(&t.boss, &n, buf, sizeof buf, 0, T), 0);
        s.who = 0;
        assert_true(gr_Grouped_hands_poll(&t.hands[0], &hands_h, &s, 0) >= 0);
        s.who = 1;
        int before = s.notes;
        assert_true(gr_Grouped_hands_poll(&t.hands[1], &hands_h, &s, 0) >= 0);
        got1 = s.notes > before;
        assert_true(gr_Grouped_boss_poll(&t.boss, &boss_h, &s, T / 1000) >= 0);
    }
    assert_true(got1);
    close_all(&t);
}

/* A receiver evicted in one ring of its group only (an operator's
 * myl_ring_evict, or an owner that has evicted the first rings of a
 * member and not yet the others) registers again in all of them; _poll
 * does not fail. */
static void test_partly_evicted(void **state)
{
    (void)state;
    struct topo t;
    open_all(&t, "p", 0);
    char id[64];
    assert_true(myl_topo_member_id(t.hands[1].topo, 1, 1, id, sizeof id) > 0);
    myl_ring *r0 = t.hands[1].alerts_grx[0].rings[0];
    int evicted = 0;
    for (uint32_t k = 0; k < 8; k++) {
        myl_consumer_stats cs;
        if (myl_ring_consumer_stats(r0, k, &cs) == 0 && cs.state == MYL_ENTRY_ACTIVE &&
            strcmp(cs.id, id) == 0)
            evicted += myl_ring_evict(r0, k) == 0;
    }
    assert_int_equal(evicted, 1);
    assert_int_equal(myl_group_receiver_check(t.hands[1].alerts_rx[0].r), MYL_EEVICTED);
    struct seen s;
    memset(&s, 0, sizeof s);
    s.who = 1;
    for (int i = 0; i < 2000 && !hand1_receivers(&t, 0); i++)
        assert_true(gr_Grouped_hands_poll(&t.hands[1], &hands_h, &s, T / 1000) >= 0);
    assert_true(hand1_receivers(&t, 0));
    close_all(&t);
}

MYL_TEST_MAIN("topo_groups", cmocka_unit_test(test_group_rings_named),
              cmocka_unit_test(test_every_codec), cmocka_unit_test(test_dead_hand_evicted),
              cmocka_unit_test(test_stalled_hand_rejoins), cmocka_unit_test(test_partly_evicted))
