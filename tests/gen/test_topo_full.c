/* Rejoining without a spare consumer entry (tests/gen/topo/full.myl): on
 * a broadcast ring read by as many hands as it has entries, an evicted
 * hand's new registration finds no free entry while its evicted one is
 * held (MYL_EFULL); it gives that one back first and registers again, on
 * a single ring and in every ring of a group over lanes, and the next
 * broadcast reaches it. */
#include "harness.h"

#include "full.myl.h"

#define SEC INT64_C(1000000000)

/* Evict every active entry of consumer id in ring r. */
static int evict_id(myl_ring *r, const char *id)
{
    int n = 0;
    for (uint32_t k = 0; k < 8; k++) {
        myl_consumer_stats cs;
        if (myl_ring_consumer_stats(r, k, &cs) == 0 && cs.state == MYL_ENTRY_ACTIVE &&
            strcmp(cs.id, id) == 0)
            n += myl_ring_evict(r, k) == 0;
    }
    return n;
}

static int orders[2], alerts[2];

static int on_orders(const fu_Order *m, fu_T_hands *ep, void *user)
{
    (void)m;
    (void)user;
    orders[ep->index]++;
    return 0;
}

static int on_alerts(const myl_frame_msg *m, fu_T_hands *ep, void *user)
{
    (void)m;
    (void)user;
    alerts[ep->index]++;
    return 0;
}

static void test_rejoin_without_spare_entry(void **state)
{
    (void)state;
    myl_topo_cfg cfg;
    myl_topo_cfg_init(&cfg);
    cfg.instance = myl_test_name("fu");
    cfg.liveness.check_interval_ns = SEC / 1000;
    fu_T_boss b;
    fu_T_hands h[2];
    assert_int_equal(fu_T_boss_open(&cfg, &b), 0);
    assert_int_equal(fu_T_hands_open(&cfg, 0, &h[0]), 0);
    assert_int_equal(fu_T_hands_open(&cfg, 1, &h[1]), 0);
    myl_ring *ro = myl_topo_ring(b.topo, fu_T_ROUTE_boss_hands_orders, 0);
    assert_non_null(ro);
    assert_int_equal(evict_id(ro, "hands.1"), 1);
    for (uint32_t lane = 0; lane < 2; lane++)
        assert_int_equal(evict_id(h[1].alerts_grx[0].rings[lane], "hands.1"), 1);
    assert_int_equal(myl_consumer_check(h[1].orders_rx[0].c), MYL_EEVICTED);
    assert_int_equal(myl_group_receiver_check(h[1].alerts_rx[0].r), MYL_EEVICTED);
    /* every entry is taken: hand 0's and hand 1's evicted one */
    myl_consumer *spare;
    assert_int_equal(myl_consumer_open(ro, "spare", NULL, &spare), MYL_EFULL);
    fu_T_hands_handlers hh = {.on_orders = on_orders, .on_alerts = on_alerts};
    for (int i = 0; i < 2000 && (myl_consumer_check(h[1].orders_rx[0].c) != 0 ||
                                 myl_group_receiver_check(h[1].alerts_rx[0].r) != 0);
         i++)
        assert_true(fu_T_hands_poll(&h[1], &hh, NULL, SEC / 1000) >= 0);
    assert_int_equal(myl_consumer_check(h[1].orders_rx[0].c), 0);
    assert_int_equal(myl_group_receiver_check(h[1].alerts_rx[0].r), 0);
    fu_Order o = {.id = 1};
    assert_int_equal(fu_T_boss_send_orders(&b, &o, 5 * SEC), 0);
    assert_int_equal(fu_T_boss_send_alerts(&b, 0, "x", 1, 0, 5 * SEC), 0);
    for (int i = 0; i < 2000 && (orders[1] < 1 || alerts[1] < 1 || orders[0] < 1); i++)
        for (int k = 0; k < 2; k++)
            assert_true(fu_T_hands_poll(&h[k], &hh, NULL, 0) >= 0);
    assert_int_equal(orders[0], 1);
    assert_int_equal(orders[1], 1);
    assert_int_equal(alerts[1], 1);
    fu_T_hands_close(&h[1]);
    fu_T_hands_close(&h[0]);
    fu_T_boss_close(&b);
}

MYL_TEST_MAIN("topo_full", cmocka_unit_test(test_rejoin_without_spare_entry))
