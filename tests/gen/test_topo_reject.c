/* Generated topology endpoints (tests/gen/topo/reject.myl): a received
 * message that fails verification (FlatBuffers) or decoding (compact) is
 * counted and skipped; _poll goes on with the next one instead of ending
 * with the error. A valid compact table whose decoded form outgrows the
 * receiver's arena (eight bytes a u64 that took one on the wire, a string
 * handle for an empty string's byte) is delivered, not rejected. */
#include "harness.h"

#include "reject.myl.h"

struct seen {
    int jobs, notes, vals;
    uint64_t vsum;
    size_t nnames;
    uint64_t job_id, note_id;
    uint32_t score;
};

static int on_jobs(const rj_Job_table *msg, rj_Desk_hands *ep, void *user)
{
    (void)ep;
    struct seen *s = user;
    s->jobs++;
    s->job_id = rj_Job_id(*msg);
    return 0;
}

static int on_notes(const rj_Note *msg, rj_Desk_hands *ep, void *user)
{
    (void)ep;
    struct seen *s = user;
    s->notes++;
    s->note_id = msg->id;
    s->score = msg->score;
    return 0;
}

static int on_vals(const rj_Vals *msg, rj_Desk_hands *ep, void *user)
{
    (void)ep;
    struct seen *s = user;
    s->vals++;
    for (size_t i = 0; i < msg->v.n; i++)
        s->vsum += msg->v.p[i];
    s->nnames = msg->names.n;
    return 0;
}

/* A finished Job with the given id, in buf. */
static myl_fb_msg job(uint64_t id, uint8_t *buf, size_t cap, uint8_t *arena, size_t acap)
{
    myl_fb_builder b;
    myl_fb_builder_init(&b, buf, cap, arena, acap);
    myl_fb_ref root;
    myl_fb_msg m;
    assert_int_equal(rj_Job_start(&b), 0);
    assert_int_equal(rj_Job_add_id(&b, id), 0);
    assert_int_equal(rj_Job_end(&b, &root), 0);
    assert_int_equal(rj_Job_finish(&b, root, NULL, 0, &m), 0);
    return m;
}

static void test_reject_counted_and_skipped(void **state)
{
    (void)state;
    char inst[64];
    snprintf(inst, sizeof inst, "rj%d", (int)getpid());
    myl_topo_cfg cfg;
    myl_topo_cfg_init(&cfg);
    cfg.instance = inst;
    rj_Desk_boss boss;
    rj_Desk_hands hand;
    assert_int_equal(rj_Desk_boss_open(&cfg, &boss), 0);
    assert_int_equal(rj_Desk_hands_open(&cfg, 0, &hand), 0);
    const int64_t t = 1000000000;

    /* Garbage where a Job belongs (a root offset past the end), then a
     * good Job. */
    uint8_t junk[16];
    memset(junk, 0xee, sizeof junk);
    assert_int_equal(rj_Desk_boss_send_jobs_to(&boss, 0, junk, sizeof junk, t), 0);
    uint8_t buf[256], arena[256];
    myl_fb_msg m = job(42, buf, sizeof buf, arena, sizeof arena);
    assert_int_equal(rj_Desk_boss_send_jobs_to(&boss, 0, m.data, m.len, t), 0);
    /* Garbage where a compact Note belongs (an overlong varint), then a
     * good Note. */
    uint8_t bad[12];
    memset(bad, 0xff, sizeof bad);
    assert_int_equal(rj_notes_sender_send(&boss.notes_tx[0], bad, sizeof bad, 0, t), 0);
    rj_Note note = {.id = 7, .score = 99};
    uint8_t nbuf[64];
    assert_int_equal(rj_Desk_boss_send_notes_to(&boss, 0, &note, nbuf, sizeof nbuf, 0, t), 0);

    /* 300 u64 and 400 empty strings: about 700 bytes on the wire (of
     * 1 KiB at most), some 9 KiB decoded. */
    static uint64_t v[300];
    static myl_cstr names[400];
    for (size_t i = 0; i < 300; i++)
        v[i] = i % 100;
    rj_Vals vals;
    rj_Vals_init(&vals);
    vals.v.p = v;
    vals.v.n = 300;
    vals.names.p = names;
    vals.names.n = 400;
    uint8_t vbuf[1024];
    assert_int_equal(rj_Desk_boss_send_vals_to(&boss, 0, &vals, vbuf, sizeof vbuf, 0, t), 0);

    struct seen s = {0};
    rj_Desk_hands_handlers h = {.on_jobs = on_jobs, .on_notes = on_notes, .on_vals = on_vals};
    for (int i = 0; i < 1000 && (s.jobs < 1 || s.notes < 1 || s.vals < 1); i++) {
        int rc = rj_Desk_hands_poll(&hand, &h, &s, 10000000);
        assert_true(rc >= 0); /* never the verification error */
    }
    assert_int_equal(s.jobs, 1);
    assert_int_equal(s.job_id, 42);
    assert_int_equal(s.notes, 1);
    assert_int_equal(s.note_id, 7);
    assert_int_equal(s.score, 99);
    assert_int_equal(s.vals, 1);
    assert_int_equal(s.vsum, 3 * 4950);
    assert_int_equal(s.nnames, 400);
    assert_int_equal(myl_topo_rejected(hand.topo), 2);
    assert_int_equal(myl_topo_rejected(boss.topo), 0);

    rj_Desk_hands_close(&hand);
    rj_Desk_boss_close(&boss);
}

MYL_TEST_MAIN("topo_reject", cmocka_unit_test(test_reject_counted_and_skipped))
