/* Hash partitioning by string keys (tests/gen/topo/keys.myl): the same key
 * always reaches the same worker, on a raw route (a char[8] field), a
 * compact one (a string) and a FlatBuffers one (a string, both through
 * begin/commit with the key given and through the send of a finished
 * buffer, which reads it), since all hash the key's bytes alike
 * (myl_topo_hash_bytes: FNV-1a, checked against the published vectors). */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "harness.h"

#include "keys.myl.h"

enum { NKEYS = 24, REPEAT = 3, NHANDS = 3 };

static const char *const keys[NKEYS] = {
    "AAPL", "MSFT", "GOOG", "AMZN", "NVDA", "META", "TSLA",     "BRK.B",
    "JPM",  "V",    "UNH",  "XOM",  "",     "JNJ",  "WMT",      "MA",
    "PG",   "HD",   "CVX",  "ABBV", "KO",   "PEP",  "12345678", "MRK",
};

/* Per route (0 orders, 1 quotes, 2 trades): which hand got each key (-1:
 * none yet), and how many messages, and messages that went to a second
 * hand. */
struct seen {
    int hand[3][NKEYS];
    int count[3];
    int moved;
    int who; /* the hand polling */
};

static int key_index(const char *p, size_t n)
{
    for (int k = 0; k < NKEYS; k++)
        if (strlen(keys[k]) == n && memcmp(keys[k], p, n) == 0)
            return k;
    return -1;
}

static void saw(struct seen *s, int route, const char *p, size_t n)
{
    int k = key_index(p, n);
    assert_true(k >= 0);
    if (s->hand[route][k] < 0)
        s->hand[route][k] = s->who;
    else if (s->hand[route][k] != s->who)
        s->moved++;
    s->count[route]++;
}

static int on_orders(const ky_Order *msg, ky_Desk_hands *ep, void *user)
{
    (void)ep;
    size_t n = 0;
    while (n < sizeof msg->symbol && msg->symbol[n])
        n++;
    saw(user, 0, msg->symbol, n);
    return 0;
}

static int on_quotes(const ky_Quote *msg, ky_Desk_hands *ep, void *user)
{
    (void)ep;
    saw(user, 1, msg->symbol.p, msg->symbol.n);
    return 0;
}

static int on_trades(const ky_Trade_table *msg, ky_Desk_hands *ep, void *user)
{
    (void)ep;
    myl_fb_str s = ky_Trade_symbol(*msg);
    saw(user, 2, s.ptr ? s.ptr : "", s.len);
    return 0;
}

static void test_hash_vectors(void **state)
{
    (void)state;
    /* FNV-1a 64 test vectors (Fowler, Noll, Vo): "", "a", "foobar". */
    assert_true(myl_topo_hash_bytes(NULL, 0) == UINT64_C(0xcbf29ce484222325));
    assert_true(myl_topo_hash_bytes("a", 1) == UINT64_C(0xaf63dc4c8601ec8c));
    assert_true(myl_topo_hash_bytes("foobar", 6) == UINT64_C(0x85944171f73967e8));
    /* A char[N] hashes its bytes before the first NUL, all N without one. */
    char sym[8] = "foobar";
    assert_true(myl_topo_hash_chars(sym, sizeof sym) == myl_topo_hash_bytes("foobar", 6));
    memcpy(sym, "12345678", 8);
    assert_true(myl_topo_hash_chars(sym, sizeof sym) == myl_topo_hash_bytes("12345678", 8));
}

static void test_same_key_same_worker(void **state)
{
    (void)state;
    char inst[64];
    snprintf(inst, sizeof inst, "ky%d", (int)getpid());
    myl_topo_cfg cfg;
    myl_topo_cfg_init(&cfg);
    cfg.instance = inst;
    cfg.counts[1] = NHANDS;
    ky_Desk_boss boss;
    ky_Desk_hands hands[NHANDS];
    assert_int_equal(ky_Desk_boss_open(&cfg, &boss), 0);
    for (uint32_t i = 0; i < NHANDS; i++)
        assert_int_equal(ky_Desk_hands_open(&cfg, i, &hands[i]), 0);
    const int64_t t = 1000000000;
    /* The owner picks among members it has seen up: run its checks until
     * it has seen every hand join. */
    for (int i = 0; i < 5000; i++) {
        myl_topo_event ev[8];
        assert_true(myl_topo_poll(boss.topo, ev, 8) >= 0);
        uint32_t up = 0;
        for (uint32_t k = 0; k < NHANDS; k++)
            up += myl_topo_is_alive(boss.topo, 1, k);
        if (up == NHANDS)
            break;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    for (uint32_t k = 0; k < NHANDS; k++)
        assert_true(myl_topo_is_alive(boss.topo, 1, k));

    uint64_t id = 0;
    for (int r = 0; r < REPEAT; r++)
        for (int k = 0; k < NKEYS; k++) {
            const char *key = keys[k];
            size_t n = strlen(key);
            ky_Order o = {.id = ++id};
            memcpy(o.symbol, key, n); /* at most 8 bytes, NUL-padded */
            assert_int_equal(ky_Desk_boss_send_orders(&boss, &o, t), 0);

            ky_Quote q = {.id = id, .symbol = {key, n}};
            uint8_t qbuf[128];
            assert_int_equal(ky_Desk_boss_send_quotes(&boss, &q, qbuf, sizeof qbuf, 0, t), 0);

            /* FlatBuffers, built in place with the key given to begin_, and
             * (every other round) a finished buffer, whose key send_ reads. */
            myl_fb_builder b;
            myl_frame_span span;
            myl_fb_ref str, root;
            if (r % 2 == 0) {
                assert_int_equal(ky_Desk_boss_begin_trades(&boss, key, n, &b, NULL, 0, &span, t),
                                 0);
                assert_int_equal(myl_fb_create_string(&b, key, n, &str), 0);
                assert_int_equal(ky_Trade_start(&b), 0);
                assert_int_equal(ky_Trade_add_id(&b, id), 0);
                assert_int_equal(ky_Trade_add_symbol(&b, str), 0);
                assert_int_equal(ky_Trade_end(&b, &root), 0);
                assert_int_equal(ky_Desk_boss_commit_trades(&boss, &b, root, &span, t), 0);
            } else {
                uint8_t buf[256], arena[256];
                myl_fb_msg m;
                myl_fb_builder_init(&b, buf, sizeof buf, arena, sizeof arena);
                assert_int_equal(myl_fb_create_string(&b, key, n, &str), 0);
                assert_int_equal(ky_Trade_start(&b), 0);
                assert_int_equal(ky_Trade_add_id(&b, id), 0);
                assert_int_equal(ky_Trade_add_symbol(&b, str), 0);
                assert_int_equal(ky_Trade_end(&b, &root), 0);
                assert_int_equal(ky_Trade_finish(&b, root, NULL, 0, &m), 0);
                assert_int_equal(ky_Desk_boss_send_trades(&boss, m.data, m.len, t), 0);
            }
        }

    struct seen s;
    memset(&s, 0, sizeof s);
    memset(s.hand, -1, sizeof s.hand);
    ky_Desk_hands_handlers h = {
        .on_orders = on_orders, .on_quotes = on_quotes, .on_trades = on_trades};
    const int want = NKEYS * REPEAT;
    for (int round = 0;
         round < 2000 && (s.count[0] < want || s.count[1] < want || s.count[2] < want); round++)
        for (int i = 0; i < NHANDS; i++) {
            s.who = i;
            assert_true(ky_Desk_hands_poll(&hands[i], &h, &s, 0) >= 0);
        }
    for (int r = 0; r < 3; r++)
        assert_int_equal(s.count[r], want);
    assert_int_equal(s.moved, 0); /* every repeat of a key: the same hand */
    int used[NHANDS] = {0};
    for (int k = 0; k < NKEYS; k++) {
        /* one key, one hand, whatever the codec */
        assert_int_equal(s.hand[1][k], s.hand[0][k]);
        assert_int_equal(s.hand[2][k], s.hand[0][k]);
        used[s.hand[0][k]]++;
    }
    /* The keys spread: each hand owns some (fixed keys: this is fixed). */
    for (int i = 0; i < NHANDS; i++)
        assert_true(used[i] > 0);

    for (uint32_t i = 0; i < NHANDS; i++)
        ky_Desk_hands_close(&hands[i]);
    ky_Desk_boss_close(&boss);
}

MYL_TEST_MAIN("topo_keys", cmocka_unit_test(test_hash_vectors),
              cmocka_unit_test(test_same_key_same_worker))
