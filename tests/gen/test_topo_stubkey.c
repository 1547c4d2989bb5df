/* The stubs of myelonc --stubs answering on a hash-partitioned route
 * (tests/gen/topo/stubkey.myl): the generated handler of role hands answers
 * every request with a message that carries the request's key and goes to
 * the destination that key hashes to. A string key in FlatBuffers (Book:
 * Trade in, Fill out) and a compact string in, a char[8] out (Desk: Quote
 * in, Ack out), and a compact string in size classes in, a FlatBuffers
 * answer on lanes out (Pool: Quote in, Fill out). The stubs are compiled as generated (stub_book.c,
 * stub_desk.c); they used to send every answer with an empty key, so to
 * one destination, with no key in the message. */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "harness.h"

#include "stubkey.myl.h"

const sk_Book_hands_handlers *stub_book_handlers(void);
const sk_Desk_hands_handlers *stub_desk_handlers(void);
const sk_Pool_hands_handlers *stub_pool_handlers(void);
const sk_Hall_server_handlers *stub_hall_handlers(void);

enum { NKEYS = 12, NFRONTS = 3, NHANDS = 2 };

static const char *const keys[NKEYS] = {"AAPL", "MSFT", "GOOG", "AMZN", "NVDA",     "META",
                                        "TSLA", "JPM",  "V",    "XOM",  "12345678", "KO"};

/* Where a key must go: splitmix64's finalizer of its FNV-1a hash, modulo
 * the count (docs/myl.md, "Hash keys"); every front is up. */
static uint32_t dest(const char *p, size_t n)
{
    uint64_t x = myl_topo_hash_bytes(p, n);
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return (uint32_t)(x % NFRONTS);
}

struct got {
    int who;          /* the front polling */
    int count[NKEYS]; /* answers per key */
    int wrong;        /* answers at a front their key does not go to, or keyless */
};

static void saw(struct got *g, const char *p, size_t n)
{
    for (int k = 0; k < NKEYS; k++)
        if (strlen(keys[k]) == n && memcmp(keys[k], p, n) == 0) {
            g->count[k]++;
            if (dest(p, n) != (uint32_t)g->who)
                g->wrong++;
            return;
        }
    g->wrong++; /* no key, or not one sent */
}

static int on_fills(const sk_Fill_table *msg, sk_Book_fronts *ep, void *user)
{
    (void)ep;
    myl_fb_str s = sk_Fill_symbol(*msg);
    saw(user, s.ptr ? s.ptr : "", s.len);
    return 0;
}

static int on_acks(const sk_Ack *msg, sk_Desk_fronts *ep, void *user)
{
    (void)ep;
    saw(user, msg->symbol, strnlen(msg->symbol, sizeof msg->symbol));
    return 0;
}

static int on_lfills(const sk_Fill_table *msg, sk_Pool_fronts *ep, void *user)
{
    struct got *g = user;
    if (ep->lane != sk_lfills_LANE_hi) /* the stub answers on the first lane */
        g->wrong++;
    myl_fb_str s = sk_Fill_symbol(*msg);
    saw(g, s.ptr ? s.ptr : "", s.len);
    return 0;
}

static void config(myl_topo_cfg *cfg, char *inst, size_t cap, const char *what)
{
    snprintf(inst, cap, "sk%s%d", what, (int)getpid());
    myl_topo_cfg_init(cfg);
    cfg->instance = inst;
    cfg->counts[1] = NFRONTS;
    cfg->counts[2] = NHANDS;
}

static void check(const struct got *g)
{
    assert_int_equal(g->wrong, 0);
    for (int k = 0; k < NKEYS; k++)
        assert_int_equal(g->count[k], 1);
}

static void test_book_fb_string_key(void **state)
{
    (void)state;
    char inst[64];
    myl_topo_cfg cfg;
    config(&cfg, inst, sizeof inst, "b");
    sk_Book_boss boss;
    sk_Book_fronts fronts[NFRONTS];
    sk_Book_hands hands[NHANDS];
    assert_int_equal(sk_Book_boss_open(&cfg, &boss), 0);
    for (uint32_t i = 0; i < NFRONTS; i++)
        assert_int_equal(sk_Book_fronts_open(&cfg, i, &fronts[i]), 0);
    for (uint32_t i = 0; i < NHANDS; i++)
        assert_int_equal(sk_Book_hands_open(&cfg, i, &hands[i]), 0);
    const int64_t t = 1000000000;
    for (int k = 0; k < NKEYS; k++) {
        const char *key = keys[k];
        size_t n = strlen(key);
        myl_fb_builder b;
        myl_frame_span span;
        myl_fb_ref str, root;
        sk_Book_fronts *f = &fronts[k % NFRONTS];
        assert_int_equal(sk_Book_fronts_begin_trades(f, key, n, &b, NULL, 0, &span, t), 0);
        assert_int_equal(myl_fb_create_string(&b, key, n, &str), 0);
        assert_int_equal(sk_Trade_start(&b), 0);
        assert_int_equal(sk_Trade_add_id(&b, (uint64_t)k), 0);
        assert_int_equal(sk_Trade_add_symbol(&b, str), 0);
        assert_int_equal(sk_Trade_end(&b, &root), 0);
        assert_int_equal(sk_Book_fronts_commit_trades(f, &b, root, &span, t), 0);
    }
    /* the stub's handlers answer */
    int answered = 0;
    for (int round = 0; round < 1000 && answered < NKEYS; round++)
        for (uint32_t i = 0; i < NHANDS; i++) {
            int rc = sk_Book_hands_poll(&hands[i], stub_book_handlers(), NULL, 0);
            assert_true(rc >= 0);
            answered += rc;
        }
    assert_int_equal(answered, NKEYS);
    struct got g;
    memset(&g, 0, sizeof g);
    sk_Book_fronts_handlers h = {.on_fills = on_fills};
    int total = 0;
    for (int round = 0; round < 1000 && total < NKEYS; round++)
        for (int i = 0; i < NFRONTS; i++) {
            g.who = i;
            int rc = sk_Book_fronts_poll(&fronts[i], &h, &g, 0);
            assert_true(rc >= 0);
            total += rc;
        }
    check(&g);
    for (uint32_t i = 0; i < NHANDS; i++)
        sk_Book_hands_close(&hands[i]);
    for (uint32_t i = 0; i < NFRONTS; i++)
        sk_Book_fronts_close(&fronts[i]);
    sk_Book_boss_close(&boss);
}

static void test_desk_compact_to_chars(void **state)
{
    (void)state;
    char inst[64];
    myl_topo_cfg cfg;
    config(&cfg, inst, sizeof inst, "d");
    sk_Desk_boss boss;
    sk_Desk_fronts fronts[NFRONTS];
    sk_Desk_hands hands[NHANDS];
    assert_int_equal(sk_Desk_boss_open(&cfg, &boss), 0);
    for (uint32_t i = 0; i < NFRONTS; i++)
        assert_int_equal(sk_Desk_fronts_open(&cfg, i, &fronts[i]), 0);
    for (uint32_t i = 0; i < NHANDS; i++)
        assert_int_equal(sk_Desk_hands_open(&cfg, i, &hands[i]), 0);
    const int64_t t = 1000000000;
    for (int k = 0; k < NKEYS; k++) {
        sk_Quote q = {.id = (uint64_t)k, .symbol = {keys[k], strlen(keys[k])}};
        uint8_t buf[128];
        assert_int_equal(
            sk_Desk_fronts_send_quotes(&fronts[k % NFRONTS], &q, buf, sizeof buf, 0, t), 0);
    }
    int answered = 0;
    for (int round = 0; round < 1000 && answered < NKEYS; round++)
        for (uint32_t i = 0; i < NHANDS; i++) {
            int rc = sk_Desk_hands_poll(&hands[i], stub_desk_handlers(), NULL, 0);
            assert_true(rc >= 0);
            answered += rc;
        }
    assert_int_equal(answered, NKEYS);
    struct got g;
    memset(&g, 0, sizeof g);
    sk_Desk_fronts_handlers h = {.on_acks = on_acks};
    int total = 0;
    for (int round = 0; round < 1000 && total < NKEYS; round++)
        for (int i = 0; i < NFRONTS; i++) {
            g.who = i;
            int rc = sk_Desk_fronts_poll(&fronts[i], &h, &g, 0);
            assert_true(rc >= 0);
            total += rc;
        }
    check(&g);
    for (uint32_t i = 0; i < NHANDS; i++)
        sk_Desk_hands_close(&hands[i]);
    for (uint32_t i = 0; i < NFRONTS; i++)
        sk_Desk_fronts_close(&fronts[i]);
    sk_Desk_boss_close(&boss);
}

static void test_pool_groups(void **state)
{
    (void)state;
    char inst[64];
    myl_topo_cfg cfg;
    config(&cfg, inst, sizeof inst, "p");
    sk_Pool_boss boss;
    sk_Pool_fronts fronts[NFRONTS];
    sk_Pool_hands hands[NHANDS];
    assert_int_equal(sk_Pool_boss_open(&cfg, &boss), 0);
    for (uint32_t i = 0; i < NFRONTS; i++)
        assert_int_equal(sk_Pool_fronts_open(&cfg, i, &fronts[i]), 0);
    for (uint32_t i = 0; i < NHANDS; i++)
        assert_int_equal(sk_Pool_hands_open(&cfg, i, &hands[i]), 0);
    const int64_t t = 1000000000;
    for (int k = 0; k < NKEYS; k++) {
        sk_Quote q;
        sk_Quote_init(&q);
        q.id = (uint64_t)k;
        q.symbol = (myl_cstr){keys[k], strlen(keys[k])};
        uint8_t buf[128];
        assert_int_equal(
            sk_Pool_fronts_send_squotes(&fronts[k % NFRONTS], &q, buf, sizeof buf, 0, t), 0);
    }
    int answered = 0;
    for (int round = 0; round < 1000 && answered < NKEYS; round++)
        for (uint32_t i = 0; i < NHANDS; i++) {
            int rc = sk_Pool_hands_poll(&hands[i], stub_pool_handlers(), NULL, 0);
            assert_true(rc >= 0);
            answered += rc;
        }
    assert_int_equal(answered, NKEYS);
    struct got g;
    memset(&g, 0, sizeof g);
    sk_Pool_fronts_handlers h = {.on_lfills = on_lfills};
    int total = 0;
    for (int round = 0; round < 1000 && total < NKEYS; round++)
        for (int i = 0; i < NFRONTS; i++) {
            g.who = i;
            int rc = sk_Pool_fronts_poll(&fronts[i], &h, &g, 0);
            assert_true(rc >= 0);
            total += rc;
        }
    check(&g);
    for (uint32_t i = 0; i < NHANDS; i++)
        sk_Pool_hands_close(&hands[i]);
    for (uint32_t i = 0; i < NFRONTS; i++)
        sk_Pool_fronts_close(&fronts[i]);
    sk_Pool_boss_close(&boss);
}

/* Hall: requests on a shared route, which does not say their sender; the
 * server's stub handles them without an answer it cannot address (its
 * poll failed with MYL_EINVAL, the stub's main loop stopped). */
static void test_hall_shared_route(void **state)
{
    (void)state;
    char inst[64];
    snprintf(inst, sizeof inst, "skh%d", (int)getpid());
    myl_topo_cfg cfg;
    myl_topo_cfg_init(&cfg);
    cfg.instance = inst;
    sk_Hall_boss boss;
    sk_Hall_clients clients[2];
    sk_Hall_server server;
    assert_int_equal(sk_Hall_boss_open(&cfg, &boss), 0);
    for (uint32_t i = 0; i < 2; i++)
        assert_int_equal(sk_Hall_clients_open(&cfg, i, &clients[i]), 0);
    assert_int_equal(sk_Hall_server_open(&cfg, &server), 0);
    assert_int_equal(myl_topo_wait_ready(boss.topo, INT64_C(5000000000)), 0);
    for (uint32_t i = 0; i < 2; i++) {
        sk_Ask a = {.id = i + 1};
        assert_int_equal(sk_Hall_clients_send_asks(&clients[i], &a, INT64_C(5000000000)), 0);
    }
    int got = 0;
    for (int round = 0; round < 50 && got < 2; round++) {
        int rc = sk_Hall_server_poll(&server, stub_hall_handlers(), NULL, 0);
        assert_true(rc >= 0);
        got += rc;
    }
    assert_int_equal(got, 2);
    sk_Hall_server_close(&server);
    for (uint32_t i = 0; i < 2; i++)
        sk_Hall_clients_close(&clients[i]);
    sk_Hall_boss_close(&boss);
}

MYL_TEST_MAIN("topo_stubkey", cmocka_unit_test(test_book_fb_string_key),
              cmocka_unit_test(test_desk_compact_to_chars), cmocka_unit_test(test_pool_groups),
              cmocka_unit_test(test_hall_shared_route))
