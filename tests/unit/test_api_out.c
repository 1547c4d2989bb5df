/* The runtime's opening calls (open, create, attach) and their out
 * pointers (docs/ARCHITECTURE.md, "Error model"): each sets *out to NULL
 * before it looks at its other arguments, so that *out is NULL after
 * every failure, and refuses a NULL out with MYL_EINVAL; every close
 * takes NULL. Each call is made with each of its required pointers NULL
 * in turn, *out holding a stand-in that must not survive. */
#define _GNU_SOURCE
#include "harness.h"
#include <errno.h>

#include "myelon/myelon.h"
#include "unit_util.h"

static char stand_in;

/* call must fail with MYL_EINVAL and leave o NULL. */
#define REFUSED(o, call)                                                                           \
    do {                                                                                           \
        o = (void *)&stand_in;                                                                     \
        assert_int_equal((call), MYL_EINVAL);                                                      \
        assert_null(o);                                                                            \
    } while (0)

static int st_reset(void *s)
{
    (void)s;
    return 0;
}

static void test_rings(void **state)
{
    (void)state;
    myl_ring_opts ro = {
        .size = sizeof ro, .name = myl_test_name("apiout"), .slot_size = 64, .capacity = 64};
    myl_ring_unlink(MYL_BACKING_SHM, ro.name);
    myl_ring *r, *ring;
    REFUSED(r, myl_ring_create(NULL, &r));
    assert_int_equal(myl_ring_create(&ro, NULL), MYL_EINVAL);
    assert_int_equal(myl_ring_create(&ro, &ring), 0);
    REFUSED(r, myl_ring_attach(NULL, &r));
    REFUSED(r, myl_ring_attach_wait(NULL, 0, &r));
    assert_int_equal(myl_ring_attach(&ro, NULL), MYL_EINVAL);
    assert_int_equal(myl_ring_attach_wait(&ro, 0, NULL), MYL_EINVAL);

    myl_producer *p;
    REFUSED(p, myl_producer_open(NULL, NULL, &p));
    assert_int_equal(myl_producer_open(ring, NULL, NULL), MYL_EINVAL);
    myl_consumer *c;
    REFUSED(c, myl_consumer_open(NULL, "c", NULL, &c));
    REFUSED(c, myl_consumer_open(ring, NULL, NULL, &c));
    assert_int_equal(myl_consumer_open(ring, "c", NULL, NULL), MYL_EINVAL);
    myl_stage *s;
    const char *after[] = {"c"};
    REFUSED(s, myl_stage_open(NULL, "s", after, 1, NULL, 0, &s));
    REFUSED(s, myl_stage_open(ring, NULL, after, 1, NULL, 0, &s));
    REFUSED(s, myl_stage_open(ring, "s", NULL, 1, NULL, 0, &s));
    assert_int_equal(myl_stage_open(ring, "s", after, 1, NULL, 0, NULL), MYL_EINVAL);

    myl_framer *f;
    REFUSED(f, myl_framer_open(NULL, NULL, NULL, &f));
    assert_int_equal(myl_framer_open(ring, NULL, NULL, NULL), MYL_EINVAL);
    myl_defrag *d;
    REFUSED(d, myl_defrag_open(NULL, "d", NULL, NULL, &d));
    REFUSED(d, myl_defrag_open(ring, NULL, NULL, NULL, &d));
    assert_int_equal(myl_defrag_open(ring, "d", NULL, NULL, NULL), MYL_EINVAL);

    myl_group *g;
    REFUSED(g, myl_group_create(NULL, &g));
    REFUSED(g, myl_group_attach(NULL, &g));
    myl_group_opts go = {.size = sizeof go};
    assert_int_equal(myl_group_create(&go, NULL), MYL_EINVAL);
    myl_group_sender *gs;
    REFUSED(gs, myl_group_sender_open(NULL, NULL, &gs));
    myl_group_receiver *gr;
    REFUSED(gr, myl_group_receiver_open(NULL, "r", 0, NULL, &gr));

    myl_topo *t;
    REFUSED(t, myl_topo_open(NULL, NULL, 0, 0, &t));

    /* Every close takes NULL (the int ones say MYL_EINVAL). */
    myl_ring_close(NULL);
    myl_producer_close(NULL);
    myl_consumer_close(NULL);
    myl_stage_close(NULL);
    myl_framer_close(NULL);
    myl_defrag_close(NULL);
    myl_group_close(NULL);
    myl_group_sender_close(NULL);
    myl_group_receiver_close(NULL);
    myl_topo_close(NULL);
    myl_ring_close(ring);
    assert_int_equal(myl_ring_unlink(MYL_BACKING_SHM, ro.name), 0);
}

static void test_journal_pipeline(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("apiout");
    myl_ut_rm_rf(dir);
    myl_journal *j;
    REFUSED(j, myl_journal_open(NULL, NULL, &j));
    REFUSED(j, myl_journal_open("", NULL, &j));
    assert_int_equal(myl_journal_open(dir, NULL, NULL), MYL_EINVAL);
    myl_journal_reader *jr;
    REFUSED(jr, myl_journal_reader_open(NULL, 0, &jr));
    assert_int_equal(myl_journal_reader_open(dir, 0, NULL), MYL_EINVAL);

    int st = 0;
    myl_pipeline_app a = {.size = sizeof a, .state = &st, .reset = st_reset};
    myl_pipeline *p;
    REFUSED(p, myl_pipeline_create(NULL, &a, NULL, &p));
    REFUSED(p, myl_pipeline_create(dir, NULL, NULL, &p));
    REFUSED(p, myl_pipeline_recover(NULL, &a, NULL, &p));
    REFUSED(p, myl_pipeline_recover_from_snapshot(dir, NULL, &a, NULL, &p));
    assert_int_equal(myl_pipeline_create(dir, &a, NULL, NULL), MYL_EINVAL);
    myl_pipeline_trace *t;
    REFUSED(t, myl_pipeline_trace_open(NULL, &t));
    assert_int_equal(myl_pipeline_trace_open(dir, NULL), MYL_EINVAL);

    assert_int_equal(myl_journal_close(NULL), MYL_EINVAL);
    myl_journal_reader_close(NULL);
    assert_int_equal(myl_pipeline_close(NULL), MYL_EINVAL);
    myl_pipeline_trace_close(NULL);
    myl_ut_rm_rf(dir); /* nothing should have made it */
}

MYL_TEST_MAIN("api_out", cmocka_unit_test(test_rings), cmocka_unit_test(test_journal_pipeline))
