/* Layer 1: framed messages over a ring. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <time.h>

#include "harness.h"

#include "myelon/myelon.h"

static myl_defrag_stats dstats(const myl_defrag *d)
{
    myl_defrag_stats st;
    myl_defrag_stats_get(d, &st);
    return st;
}

#define SLOT 64u /* frame size: 40 data bytes per frame */
#define DATA (SLOT - MYL_FRAME_HDR_SIZE)

static myl_ring *make(const char *tag, uint32_t producers, uint32_t mode, uint64_t cap)
{
    myl_ring_opts o = {.size = sizeof o,
                       .name = myl_test_name(tag),
                       .slot_size = SLOT,
                       .capacity = cap,
                       .producers = producers,
                       .mode = mode,
                       .wait = MYL_WAIT_BLOCK};
    myl_ring *r = NULL;
    myl_ring_unlink(MYL_BACKING_SHM, o.name);
    assert_int_equal(myl_ring_create(&o, &r), 0);
    return r;
}

static void drop(myl_ring *r, const char *tag)
{
    myl_ring_close(r);
    myl_ring_unlink(MYL_BACKING_SHM, myl_test_name(tag));
}

/* A ring with a framer and a receiver ("rx") on it. */
static myl_ring *open_pair(const char *tag, uint32_t mode, uint64_t cap, myl_framer **f,
                           myl_defrag **d)
{
    myl_ring *r = make(tag, MYL_PRODUCERS_SINGLE, mode, cap);
    assert_int_equal(myl_framer_open(r, NULL, NULL, f), 0);
    assert_int_equal(myl_defrag_open(r, "rx", NULL, NULL, d), 0);
    return r;
}

static void close_pair(myl_ring *r, const char *tag, myl_framer *f, myl_defrag *d)
{
    myl_defrag_close(d);
    myl_framer_close(f);
    drop(r, tag);
}

/* The next message is lent in place, of kind and msg[0, len). */
static void expect_lent(myl_defrag *d, uint16_t kind, const uint8_t *msg, uint32_t len)
{
    myl_frame_msg m;
    assert_int_equal(myl_defrag_recv(d, &m, 1000000000), 0);
    assert_int_equal(m.kind, kind);
    assert_int_equal(m.len, len);
    assert_true(m.borrowed);
    if (len)
        assert_memory_equal(m.data, msg, len);
    myl_defrag_release(d);
}

/* Publish one raw frame, bypassing the framer: what a hostile or broken
 * producer could write. */
static void raw(myl_producer *p, myl_frame_hdr h, uint8_t byte)
{
    uint64_t s = 0;
    assert_int_equal(myl_producer_try_claim(p, 1, &s), 0);
    uint8_t *slot = myl_producer_slot(p, s);
    memcpy(slot, &h, sizeof h);
    memset(slot + sizeof h, byte, DATA);
    myl_producer_publish(p, s, 1);
}

static void fill(uint8_t *b, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++)
        b[i] = (uint8_t)(seed * 131u + i * 7u + (i >> 8));
}

static void test_every_split_point(void **state)
{
    (void)state;
    myl_framer *f;
    myl_defrag *d;
    myl_ring *r = open_pair("split", MYL_MODE_GATED, 64, &f, &d);
    uint8_t msg[6 * DATA + 2];
    /* Every length from empty to six frames and one byte: every place a
     * message can be cut, including exactly full frames. */
    for (uint32_t len = 0; len <= sizeof msg; len++) {
        fill(msg, len, len);
        assert_int_equal(myl_frame_send(f, msg, len, (uint16_t)len, 1000000000), 0);
        myl_frame_msg m;
        assert_int_equal(myl_defrag_recv(d, &m, 1000000000), 0);
        assert_int_equal(m.len, len);
        assert_int_equal(m.kind, (uint16_t)len);
        assert_int_equal(m.borrowed, len <= DATA);
        assert_memory_equal(m.data, msg, len ? len : 1 - 1);
        assert_int_equal(myl_frame_count(r, len), len == 0 ? 1 : (len + DATA - 1) / DATA);
    }
    myl_defrag_release(d);
    myl_consumer_stats cs;
    myl_ring_consumer_stats(r, myl_defrag_consumer(d)->idx, &cs);
    assert_int_equal(cs.dropped, 0);
    assert_int_equal(cs.bad_frames, 0);
    assert_int_equal(dstats(d).id_gaps, 0);
    close_pair(r, "split", f, d);
}

struct rx_arg {
    myl_defrag *d;
    const uint8_t *want;
    size_t len;
    int ok;
};

static void *rx_one(void *arg)
{
    struct rx_arg *a = arg;
    myl_frame_msg m;
    a->ok = myl_defrag_recv(a->d, &m, 10000000000) == 0 && m.len == a->len &&
            memcmp(m.data, a->want, a->len) == 0;
    return NULL;
}

/* A copied message's frames are held (not released) until the message
 * is, and released then even when nothing else follows: the producer
 * gates on them. */
static void test_release_frees_copied_frames(void **state)
{
    (void)state;
    myl_framer *f;
    myl_defrag *d;
    myl_ring *r = open_pair("held", MYL_MODE_GATED, 8, &f, &d);
    uint8_t msg[4 * DATA]; /* four frames: half the ring */
    fill(msg, sizeof msg, 9);
    myl_frame_msg m;
    assert_int_equal(myl_frame_send(f, msg, sizeof msg, 1, 0), 0);
    assert_int_equal(myl_defrag_recv(d, &m, 0), 0);
    assert_false(m.borrowed);
    assert_memory_equal(m.data, msg, sizeof msg);
    /* Held: room for one more message of four frames, not two. */
    assert_int_equal(myl_frame_send(f, msg, sizeof msg, 2, 0), 0);
    assert_int_equal(myl_frame_send(f, msg, sizeof msg, 3, 0), MYL_ETIMEDOUT);
    myl_defrag_release(d);
    assert_int_equal(myl_frame_send(f, msg, sizeof msg, 3, 0), 0);
    for (uint16_t k = 2; k <= 3; k++) {
        assert_int_equal(myl_defrag_recv(d, &m, 0), 0);
        assert_int_equal(m.kind, k);
        assert_memory_equal(m.data, msg, sizeof msg);
    }
    myl_defrag_release(d);
    /* Released after the last one too: the whole ring is free. */
    assert_int_equal(myl_frame_send(f, msg, sizeof msg, 4, 0), 0);
    assert_int_equal(myl_frame_send(f, msg, sizeof msg, 5, 0), 0);
    close_pair(r, "held", f, d);
}

static uint64_t released(myl_ring *r, myl_defrag *d)
{
    myl_consumer_stats cs;
    myl_ring_consumer_stats(r, myl_defrag_consumer(d)->idx, &cs);
    return cs.seq;
}

/* A message being copied holds its frames from the first until it is
 * released, through calls that return without it; padding inside it (no
 * sender of ours writes that) ends it, and the gate never moves back. */
static void test_held_frames_never_move_back(void **state)
{
    (void)state;
    myl_ring *r = make("heldpad", MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, 8);
    myl_producer *p;
    myl_defrag *d;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    assert_int_equal(myl_defrag_open(r, "rx", NULL, NULL, &d), 0);
    myl_frame_msg m;
    for (uint32_t i = 0; i < 3; i++) {
        raw(p,
            (myl_frame_hdr){DATA,
                            (uint8_t)(i == 0   ? MYL_FRAME_FIRST
                                      : i == 2 ? MYL_FRAME_LAST
                                               : 0),
                            1, 0, 90, 3 * DATA, i},
            (uint8_t)(i + 1));
        if (i < 2) {
            assert_int_equal(myl_defrag_recv(d, &m, 0), MYL_ETIMEDOUT);
            assert_int_equal(myl_defrag_recv(d, &m, 0), MYL_ETIMEDOUT);
            assert_int_equal(released(r, d), 0); /* still held from frame 0 */
        }
    }
    assert_int_equal(myl_defrag_recv(d, &m, 0), 0);
    assert_int_equal(m.len, 3 * DATA);
    const uint8_t *b = m.data;
    assert_true(b[0] == 1 && b[DATA] == 2 && b[2 * DATA] == 3);
    assert_int_equal(released(r, d), 0);
    myl_defrag_release(d);
    assert_int_equal(released(r, d), 3);

    /* Padding inside a message: a ring's worth and more of it, each frame
     * read as it comes (raw() fails if the ring is full). */
    raw(p, (myl_frame_hdr){DATA, MYL_FRAME_FIRST, 1, 0, 91, 2 * DATA, 0}, 4);
    assert_int_equal(myl_defrag_recv(d, &m, 0), MYL_ETIMEDOUT);
    assert_int_equal(released(r, d), 3);
    for (int i = 0; i < 20; i++) {
        raw(p, (myl_frame_hdr){0, MYL_FRAME_PAD, 1, 0, 0, 0, 0}, 0);
        assert_int_equal(myl_defrag_recv(d, &m, 0), MYL_ETIMEDOUT);
    }
    assert_int_equal(released(r, d), 24);
    /* the rest of that message: not delivered (it was dropped), and
     * nothing held again */
    raw(p, (myl_frame_hdr){DATA, MYL_FRAME_LAST, 1, 0, 91, 2 * DATA, 1}, 5);
    assert_int_equal(myl_defrag_recv(d, &m, 0), MYL_ETIMEDOUT);
    assert_true(released(r, d) >= 24);
    assert_int_equal(dstats(d).dropped, 1);
    for (int i = 0; i < 8; i++)
        raw(p, (myl_frame_hdr){1, MYL_FRAME_FIRST | MYL_FRAME_LAST, 1, 0, 92 + (uint64_t)i, 1, 0},
            6);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(myl_defrag_recv(d, &m, 0), 0);
        assert_int_equal(m.len, 1);
        myl_defrag_release(d);
    }
    myl_defrag_close(d);
    myl_producer_close(p);
    drop(r, "heldpad");
}

static void test_long_message_in_chunks(void **state)
{
    (void)state;
    /* A message larger than the ring (SP): sent in chunks while the
     * receiver, a thread, drains them. */
    myl_ring *r = make("chunks", MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, 16);
    myl_frame_opts fo = {.size = sizeof fo, .max_message = 100 * DATA + 5};
    myl_framer *f;
    myl_defrag *d;
    assert_int_equal(myl_framer_open(r, NULL, &fo, &f), 0);
    assert_int_equal(myl_defrag_open(r, "rx", NULL, &fo, &d), 0);
    static uint8_t msg[100 * DATA + 5];
    fill(msg, sizeof msg, 9);
    struct rx_arg a = {d, msg, sizeof msg, 0};
    pthread_t t;
    pthread_create(&t, NULL, rx_one, &a);
    assert_int_equal(myl_frame_send(f, msg, sizeof msg, 1, 10000000000), 0);
    pthread_join(t, NULL);
    assert_true(a.ok);
    assert_int_equal(myl_frame_send(f, msg, sizeof msg + 1, 1, 0), MYL_ETOOBIG);
    myl_defrag_close(d);
    myl_framer_close(f);
    drop(r, "chunks");
}

static void test_max_message_and_claim(void **state)
{
    (void)state;
    myl_ring *r = make("claim", MYL_PRODUCERS_MULTI, MYL_MODE_GATED, 64);
    myl_frame_opts big = {.size = sizeof big, .max_message = 64 * DATA};
    myl_framer *f;
    /* MP rings claim a message at once: at most half a ring. */
    assert_int_equal(myl_framer_open(r, NULL, &big, &f), MYL_EINVAL);
    myl_frame_opts fo = {.size = sizeof fo, .max_message = 3 * DATA};
    myl_defrag *d;
    assert_int_equal(myl_framer_open(r, NULL, &fo, &f), 0);
    assert_int_equal(myl_defrag_open(r, "rx", NULL, &fo, &d), 0);
    uint8_t msg[4 * DATA];
    fill(msg, sizeof msg, 3);
    assert_int_equal(myl_frame_send(f, msg, 3 * DATA + 1, 0, 0), MYL_ETOOBIG);
    myl_frame_msg m;
    assert_int_equal(myl_defrag_recv(d, &m, 0), MYL_ETIMEDOUT); /* nothing was sent */

    /* Claim in place, abort: receivers skip it. Then claim and commit. */
    myl_frame_span c;
    assert_int_equal(myl_frame_claim(f, 2 * DATA + 3, 5, &c, 0), 0);
    assert_int_equal(c.frames, 3);
    myl_frame_abort(f, &c);
    assert_int_equal(myl_frame_claim(f, 2 * DATA + 3, 6, &c, 0), 0);
    /* The claim leaves the headers alone (these slots were never written:
     * still zero); they are written at the commit, so that the line of the
     * stamp a receiver polls is not taken from it twice. */
    for (uint32_t i = 0; i < c.frames; i++) {
        const uint8_t *h =
            (const uint8_t *)myl_frame_claim_data(f, &c, i, NULL) - MYL_FRAME_HDR_SIZE;
        myl_frame_hdr hdr;
        memcpy(&hdr, h, sizeof hdr);
        assert_int_equal(hdr.flags, 0);
        assert_int_equal(hdr.kind, 0);
    }
    for (uint32_t i = 0; i < c.frames; i++) {
        uint32_t len;
        uint8_t *p = myl_frame_claim_data(f, &c, i, &len);
        assert_non_null(p);
        assert_int_equal(len, i < 2 ? DATA : 3);
        memcpy(p, msg + i * DATA, len);
    }
    assert_null(myl_frame_claim_data(f, &c, 3, NULL));
    myl_frame_commit(f, &c);
    assert_int_equal(myl_defrag_recv(d, &m, 1000000000), 0);
    assert_int_equal(m.kind, 6);
    assert_int_equal(m.len, 2 * DATA + 3);
    assert_memory_equal(m.data, msg, m.len);
    myl_defrag_close(d);
    myl_framer_close(f);
    drop(r, "claim");
}

/* Claim room for the most a writer could write, commit what it wrote:
 * every shorter length, the frames it no longer needs skipped. */
static void test_commit_len(void **state)
{
    (void)state;
    myl_ring *r = make("commitlen", MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, 64);
    myl_frame_opts fo = {.size = sizeof fo, .max_message = 8 * DATA};
    myl_framer *f;
    myl_defrag *d;
    assert_int_equal(myl_framer_open(r, NULL, &fo, &f), 0);
    assert_int_equal(myl_defrag_open(r, "rx", NULL, &fo, &d), 0);
    uint8_t msg[3 * DATA];
    fill(msg, sizeof msg, 9);
    for (uint32_t len = 0; len <= 3 * DATA; len++) {
        myl_frame_span c;
        assert_int_equal(myl_frame_claim(f, 3 * DATA, (uint16_t)len, &c, 0), 0);
        assert_int_equal(c.frames, 3);
        for (uint32_t i = 0; i < 3; i++)
            memcpy(myl_frame_claim_data(f, &c, i, NULL), msg + i * DATA, DATA);
        assert_int_equal(myl_frame_commit_len(f, &c, len), 0);
        assert_int_equal(c.len, len);
        myl_frame_msg m;
        assert_int_equal(myl_defrag_recv(d, &m, 1000000000), 0);
        assert_int_equal(m.kind, (uint16_t)len);
        assert_int_equal(m.len, len);
        if (len)
            assert_memory_equal(m.data, msg, len);
        myl_defrag_release(d);
    }
    /* one frame shortened (the encoders' case): its lengths patched */
    for (uint32_t len = 0; len <= DATA; len++) {
        myl_frame_span c;
        assert_int_equal(myl_frame_claim(f, DATA, 7, &c, 0), 0);
        assert_int_equal(c.frames, 1);
        memcpy(myl_frame_claim_data(f, &c, 0, NULL), msg, DATA);
        assert_int_equal(myl_frame_commit_len(f, &c, len), 0);
        expect_lent(d, 7, msg, len);
    }
    assert_int_equal(dstats(d).bad_frames, 0);
    /* an aborted claim gives its message id back: the message sent after
     * it takes that id, and receivers count no gap */
    uint64_t last_id = 0;
    {
        myl_frame_span c;
        myl_frame_msg m;
        assert_int_equal(myl_frame_send(f, msg, 5, 0, 0), 0);
        assert_int_equal(myl_defrag_recv(d, &m, 1000000000), 0);
        last_id = m.msg_id;
        assert_int_equal(myl_frame_claim(f, DATA, 0, &c, 0), 0);
        assert_int_equal(c.msg_id, last_id + 1);
        myl_frame_abort(f, &c);
        assert_int_equal(myl_frame_send(f, msg, 2 * DATA + 1, 0, 0), 0);
        assert_int_equal(myl_defrag_recv(d, &m, 1000000000), 0);
        assert_int_equal(m.msg_id, last_id + 1);
        assert_int_equal(m.len, 2 * DATA + 1);
        assert_int_equal(dstats(d).id_gaps, 0);
    }
    /* longer than the claim: aborted, nothing delivered */
    myl_frame_span c;
    assert_int_equal(myl_frame_claim(f, DATA, 1, &c, 0), 0);
    assert_int_equal(myl_frame_commit_len(f, &c, DATA + 1), MYL_EINVAL);
    myl_frame_msg m;
    assert_int_equal(myl_defrag_recv(d, &m, 0), MYL_ETIMEDOUT);
    assert_int_equal(dstats(d).bad_frames, 0);
    assert_int_equal(dstats(d).dropped, 0);
    assert_int_equal(myl_frame_commit_len(NULL, &c, 0), MYL_EINVAL);
    myl_defrag_close(d);
    myl_framer_close(f);
    drop(r, "commitlen");
}

static uint32_t rnd(uint32_t *x)
{
    *x = *x * 1103515245u + 12345u;
    return *x >> 8;
}

/* myl_frame_send_ext: a message in pieces arrives whole, the runs
 * inserted (an encoder's) or filling holes (a builder's arena), across
 * every kind of frame boundary; bad runs are refused and send nothing. */
/* myl_frame_claim_one(): myl_frame_claim() and frame 0's data in one
 * call, for messages of up to one frame. */
static void test_claim_one(void **state)
{
    (void)state;
    myl_framer *f;
    myl_defrag *d;
    myl_ring *r = open_pair("claimone", MYL_MODE_GATED, 4, &f, &d);
    uint8_t msg[DATA];
    myl_frame_span c;
    void *p;
    for (uint32_t len = 0; len <= DATA; len++) {
        fill(msg, len, len);
        assert_int_equal(myl_frame_claim_one(f, len, (uint16_t)(len + 1), &c, &p, 0), 0);
        uint32_t room = 0;
        assert_ptr_equal(p, myl_frame_claim_data(f, &c, 0, &room));
        assert_int_equal(room, len);
        assert_int_equal(c.frames, 1);
        memcpy(p, msg, len);
        /* committed whole, or shortened by one byte */
        uint32_t sent = len && (len & 1) ? len - 1 : len;
        assert_int_equal(myl_frame_commit_len(f, &c, sent), 0);
        expect_lent(d, (uint16_t)(len + 1), msg, sent);
    }
    assert_int_equal(dstats(d).id_gaps, 0);
    assert_int_equal(myl_frame_claim_one(f, DATA + 1, 0, &c, &p, 0), MYL_ETOOBIG);
    assert_int_equal(myl_frame_claim_one(f, 1, 0, &c, NULL, 0), MYL_EINVAL);
    assert_int_equal(myl_frame_claim_one(NULL, 1, 0, &c, &p, 0), MYL_EINVAL);
    assert_int_equal(myl_frame_claim_one(f, 1, 0, NULL, &p, 0), MYL_EINVAL);
    /* a full ring: the claim waits (here not at all) */
    for (int i = 0; i < 4; i++)
        assert_int_equal(myl_frame_send(f, msg, 1, 0, 0), 0);
    assert_int_equal(myl_frame_claim_one(f, 1, 0, &c, &p, 0), MYL_ETIMEDOUT);
    close_pair(r, "claimone", f, d);

    /* above max_message, though within a frame */
    r = make("claimone", MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, 4);
    myl_frame_opts fo = {.size = sizeof fo, .max_message = 10};
    assert_int_equal(myl_framer_open(r, NULL, &fo, &f), 0);
    assert_int_equal(myl_frame_claim_one(f, 11, 0, &c, &p, 0), MYL_ETOOBIG);
    assert_int_equal(myl_frame_claim_one(f, 10, 0, &c, &p, 0), 0);
    myl_frame_abort(f, &c);
    myl_framer_close(f);
    drop(r, "claimone");
}

static void test_send_ext(void **state)
{
    (void)state;
    myl_framer *f;
    myl_defrag *d;
    myl_ring *r = open_pair("sendext", MYL_MODE_GATED, 64, &f, &d);
    uint8_t msg[128], src[4][96], want[128 + 4 * 96];
    uint32_t x = 1;
    for (int trial = 0; trial < 2000; trial++) {
        bool holes = trial & 1;
        size_t len = rnd(&x) % (sizeof msg + 1);
        size_t next = rnd(&x) % 5;
        myl_ext ext[4];
        fill(msg, len, (uint32_t)trial);
        size_t from = 0, w = 0, pos = 0;
        for (size_t i = 0; i < next; i++) {
            size_t at = from + (len > from ? rnd(&x) % (len - from + 1) : 0);
            size_t n = rnd(&x) % (holes ? (len - at) + 1 : sizeof src[i] + 1);
            if (n > sizeof src[i])
                n = sizeof src[i];
            fill(src[i], n, (uint32_t)(trial * 5 + (int)i + 1));
            ext[i] = (myl_ext){.at = at, .p = src[i], .n = n};
            memcpy(want + w, msg + pos, at - pos);
            w += at - pos;
            memcpy(want + w, src[i], n);
            w += n;
            pos = holes ? at + n : at;
            from = pos;
        }
        memcpy(want + w, msg + pos, len - pos);
        w += len - pos;
        assert_int_equal(myl_frame_send_ext(f, msg, len, ext, next, holes ? MYL_FRAME_EXT_HOLES : 0,
                                            3, 1000000000),
                         0);
        myl_frame_msg m;
        assert_int_equal(myl_defrag_recv(d, &m, 1000000000), 0);
        assert_int_equal(m.len, w);
        assert_int_equal(m.kind, 3);
        if (w)
            assert_memory_equal(m.data, want, w);
        myl_defrag_release(d);
    }
    /* refused, nothing sent */
    myl_ext bad[2] = {{.at = 8, .p = src[0], .n = 4}, {.at = 4, .p = src[1], .n = 4}};
    assert_int_equal(myl_frame_send_ext(f, msg, 16, bad, 2, 0, 0, 0), MYL_EINVAL); /* order */
    bad[1].at = 10; /* holes overlap: [8, 12) and [10, 14) */
    assert_int_equal(myl_frame_send_ext(f, msg, 16, bad, 2, MYL_FRAME_EXT_HOLES, 0, 0), MYL_EINVAL);
    assert_int_equal(myl_frame_send_ext(f, msg, 16, bad, 2, 0, 0, 0), 0); /* inserted: fine */
    myl_frame_msg m;
    assert_int_equal(myl_defrag_recv(d, &m, 1000000000), 0);
    assert_int_equal(m.len, 24);
    myl_defrag_release(d);
    bad[0].at = 17; /* past the end */
    assert_int_equal(myl_frame_send_ext(f, msg, 16, bad, 1, 0, 0, 0), MYL_EINVAL);
    bad[0].at = 14; /* hole past the end */
    assert_int_equal(myl_frame_send_ext(f, msg, 16, bad, 1, MYL_FRAME_EXT_HOLES, 0, 0), MYL_EINVAL);
    bad[0].p = NULL;
    bad[0].at = 0;
    assert_int_equal(myl_frame_send_ext(f, msg, 16, bad, 1, 0, 0, 0), MYL_EINVAL);
    assert_int_equal(myl_frame_send_ext(f, msg, 16, NULL, 1, 0, 0, 0), MYL_EINVAL);
    assert_int_equal(myl_frame_send_ext(f, msg, 16, NULL, 0, 2, 0, 0), MYL_EINVAL);
    /* the runs count toward max_message (32 frames of 40 bytes here) */
    static uint8_t big[32 * DATA];
    myl_ext one = {.at = 0, .p = big, .n = sizeof big};
    assert_int_equal(myl_frame_send_ext(f, msg, 1, &one, 1, 0, 0, 0), MYL_ETOOBIG);
    assert_int_equal(myl_defrag_recv(d, &m, 0), MYL_ETIMEDOUT);
    assert_int_equal(dstats(d).bad_frames, 0);
    assert_int_equal(dstats(d).dropped, 0);
    close_pair(r, "sendext", f, d);
}

/* MYL_CONSUMER_COPY: single-frame messages are copied out too, and their
 * frame released at once, so a writer that scribbles on the ring after
 * publishing cannot change what the receiver holds. */
static void test_copy_mode(void **state)
{
    (void)state;
    myl_ring *r = make("copymode", MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, 64);
    myl_frame_opts fo = {.size = sizeof fo, .max_message = 4 * DATA};
    myl_consumer_opts co = {.size = sizeof co, .flags = MYL_CONSUMER_COPY};
    myl_framer *f;
    myl_defrag *d, *lend;
    assert_int_equal(myl_framer_open(r, NULL, &fo, &f), 0);
    assert_int_equal(myl_defrag_open(r, "rx", &co, &fo, &d), 0);
    assert_int_equal(myl_defrag_open(r, "lend", NULL, &fo, &lend), 0);
    co.flags = 0x80;
    myl_defrag *bad;
    assert_int_equal(myl_defrag_open(r, "bad", &co, &fo, &bad), MYL_EINVAL);
    uint8_t msg[DATA];
    fill(msg, sizeof msg, 3);
    myl_frame_span c;
    assert_int_equal(myl_frame_claim(f, DATA, 9, &c, 0), 0);
    uint8_t *slot = myl_frame_claim_data(f, &c, 0, NULL);
    memcpy(slot, msg, DATA);
    myl_frame_commit(f, &c);
    myl_frame_msg m, ml;
    assert_int_equal(myl_defrag_recv(d, &m, 1000000000), 0);
    assert_false(m.borrowed);
    assert_int_equal(m.kind, 9);
    assert_int_equal(myl_defrag_recv(lend, &ml, 1000000000), 0);
    assert_true(ml.borrowed); /* the other receiver still reads in place */
    memset(slot, 0xee, DATA); /* the writer scribbles on the published frame */
    assert_memory_equal(m.data, msg, DATA);
    assert_int_equal(ml.len, DATA);
    assert_int_equal(((const uint8_t *)ml.data)[0], 0xee);
    myl_defrag_release(lend);
    myl_defrag_close(lend);
    myl_defrag_close(d);
    myl_framer_close(f);
    drop(r, "copymode");
}

static void test_hostile_frames(void **state)
{
    (void)state;
    myl_ring *r = make("hostile", MYL_PRODUCERS_MULTI, MYL_MODE_GATED, 64);
    myl_producer *p;
    myl_framer *f;
    myl_defrag *d;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    assert_int_equal(myl_framer_open(r, NULL, NULL, &f), 0);
    assert_int_equal(myl_defrag_open(r, "rx", NULL, NULL, &d), 0);
    const myl_frame_hdr ok1 = {DATA, MYL_FRAME_FIRST, 1, 0, 77, 2 * DATA, 0};
    /* len beyond the frame */
    raw(p, (myl_frame_hdr){DATA + 1, MYL_FRAME_FIRST | MYL_FRAME_LAST, 1, 0, 1, DATA + 1, 0}, 1);
    /* unknown flag bits; wrong version */
    raw(p, (myl_frame_hdr){4, 0x80 | MYL_FRAME_FIRST | MYL_FRAME_LAST, 1, 0, 2, 4, 0}, 1);
    raw(p, (myl_frame_hdr){4, MYL_FRAME_FIRST | MYL_FRAME_LAST, 9, 0, 3, 4, 0}, 1);
    /* a continuation with no FIRST before it */
    raw(p, (myl_frame_hdr){DATA, MYL_FRAME_LAST, 1, 0, 4, 2 * DATA, 1}, 1);
    /* FIRST without LAST, then a new FIRST: the partial one is dropped */
    raw(p, ok1, 1);
    /* index jump inside a message */
    raw(p, ok1, 1);
    raw(p, (myl_frame_hdr){DATA, MYL_FRAME_LAST, 1, 0, 77, 3 * DATA, 2}, 1);
    /* total larger than max_message; flags that contradict the index */
    raw(p, (myl_frame_hdr){DATA, MYL_FRAME_FIRST, 1, 0, 5, UINT32_MAX, 0}, 1);
    raw(p, (myl_frame_hdr){4, MYL_FRAME_LAST, 1, 0, 6, 4, 0}, 1);
    /* and then a good message, which must arrive intact */
    uint8_t msg[3 * DATA];
    fill(msg, sizeof msg, 42);
    assert_int_equal(myl_frame_send(f, msg, sizeof msg, 7, 0), 0);
    myl_frame_msg m;
    assert_int_equal(myl_defrag_recv(d, &m, 1000000000), 0);
    assert_int_equal(m.len, sizeof msg);
    assert_int_equal(m.kind, 7);
    assert_memory_equal(m.data, msg, sizeof msg);
    myl_consumer_stats cs;
    myl_ring_consumer_stats(r, myl_defrag_consumer(d)->idx, &cs);
    /* bad: len, flags, version, orphan continuation, index jump (ends the
     * second partial), total, contradicting flags = 7; dropped: the first
     * partial (replaced by a new FIRST) and the second (bad continuation). */
    assert_int_equal(cs.bad_frames, 7);
    assert_int_equal(cs.dropped, 2);
    assert_int_equal(myl_defrag_recv(d, &m, 0), MYL_ETIMEDOUT);
    myl_defrag_close(d);
    myl_framer_close(f);
    myl_producer_close(p);
    drop(r, "hostile");
}

static void test_lossy_never_delivers_torn(void **state)
{
    (void)state;
    myl_framer *f;
    myl_defrag *d;
    myl_ring *r = open_pair("lossy", MYL_MODE_LOSSY, 32, &f, &d);
    uint8_t msg[5 * DATA];
    uint32_t sent = 0, got = 0;
    for (int round = 0; round < 50; round++) {
        /* Send more than the ring holds, then read what is left. */
        for (int k = 0; k < 40; k++, sent++) { /* >= 40 frames: more than the ring */
            uint32_t len = 1 + (sent * 37) % (uint32_t)sizeof msg;
            fill(msg, len, sent);
            assert_int_equal(myl_frame_send(f, msg, len, 0, 0), 0);
        }
        myl_frame_msg m;
        while (myl_defrag_recv(d, &m, 0) == 0) {
            uint32_t id = (uint32_t)(m.msg_id & 0xffffffu);
            uint8_t want[sizeof msg];
            assert_int_equal(m.len, 1 + (id * 37) % (uint32_t)sizeof msg);
            fill(want, m.len, id);
            assert_memory_equal(m.data, want, m.len);
            got++;
        }
    }
    assert_true(got > 0);
    assert_true(got < sent);
    myl_consumer_stats cs;
    myl_ring_consumer_stats(r, myl_defrag_consumer(d)->idx, &cs);
    assert_true(cs.overruns > 0);
    close_pair(r, "lossy", f, d);
}

struct mp_arg {
    myl_ring *r;
    int id;
    int count;
};

static void *mp_sender(void *arg)
{
    struct mp_arg *a = arg;
    myl_framer *f;
    if (myl_framer_open(a->r, NULL, NULL, &f) < 0)
        return (void *)1;
    uint8_t msg[8 * DATA];
    for (int i = 0; i < a->count; i++) {
        uint32_t len = 4 + (uint32_t)(i * 13) % (sizeof msg - 4);
        fill(msg + 4, len - 4, (uint32_t)i);
        msg[0] = (uint8_t)a->id;
        memcpy(msg + 1, &(uint16_t){(uint16_t)i}, 2);
        msg[3] = 0;
        if (myl_frame_send(f, msg, len, (uint16_t)a->id, 10000000000) < 0)
            return (void *)1;
    }
    myl_framer_close(f);
    return NULL;
}

static void test_mp_senders(void **state)
{
    (void)state;
    enum { SENDERS = 2, COUNT = 2000 };
    myl_ring *r = make("mp", MYL_PRODUCERS_MULTI, MYL_MODE_GATED, 256);
    myl_defrag *d;
    assert_int_equal(myl_defrag_open(r, "rx", NULL, NULL, &d), 0);
    pthread_t t[SENDERS];
    struct mp_arg a[SENDERS];
    for (int i = 0; i < SENDERS; i++) {
        a[i] = (struct mp_arg){r, i, COUNT};
        pthread_create(&t[i], NULL, mp_sender, &a[i]);
    }
    int next[SENDERS] = {0};
    for (int n = 0; n < SENDERS * COUNT; n++) {
        myl_frame_msg m;
        assert_int_equal(myl_defrag_recv(d, &m, 10000000000), 0);
        const uint8_t *b = m.data;
        int id = b[0];
        uint16_t i;
        memcpy(&i, b + 1, 2);
        assert_true(id < SENDERS);
        assert_int_equal(i, (uint16_t)next[id]);
        assert_int_equal(m.len, 4 + (uint32_t)(i * 13) % (8 * DATA - 4));
        uint8_t want[8 * DATA];
        fill(want, m.len - 4, i);
        assert_memory_equal(b + 4, want, m.len - 4);
        next[id]++;
    }
    for (int i = 0; i < SENDERS; i++) {
        void *rv;
        pthread_join(t[i], &rv);
        assert_null(rv);
    }
    assert_int_equal(dstats(d).id_gaps, 0);
    myl_defrag_close(d);
    drop(r, "mp");
}

static void test_sender_dies_mid_message(void **state)
{
    (void)state;
    myl_ring *r = make("dies", MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, 16);
    const char *name = myl_test_name("dies");
    myl_defrag *d;
    myl_frame_opts fo = {.size = sizeof fo, .max_message = 40 * DATA};
    assert_int_equal(myl_defrag_open(r, "rx", NULL, &fo, &d), 0);
    pid_t child = fork();
    if (child == 0) {
        /* A sender that publishes the first half-ring chunk of a long
         * message and is then killed while waiting for room. */
        myl_ring_opts o = {.size = sizeof o, .name = name};
        myl_ring *rc;
        myl_framer *f;
        static uint8_t msg[40 * DATA];
        if (myl_ring_attach(&o, &rc) < 0 || myl_framer_open(rc, NULL, &fo, &f) < 0)
            _exit(1);
        myl_frame_send(f, msg, sizeof msg, 1, MYL_FOREVER);
        _exit(2);
    }
    /* Wait until the first chunk (8 frames) is published, then kill it. */
    myl_ring_stats st;
    do {
        nanosleep(&(struct timespec){0, 1000000}, NULL);
        myl_ring_stats_get(r, &st);
    } while (st.published < 8);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    myl_frame_msg m;
    /* The partial message is never delivered; with its sender dead and
     * nothing else to read, recv reports the dead peer. */
    assert_int_equal(myl_defrag_recv(d, &m, 5000000000), MYL_EPEERDEAD);
    /* A new sender takes over; its first message drops the partial one. */
    myl_framer *f;
    assert_int_equal(myl_framer_open(r, NULL, &fo, &f), 0);
    uint8_t msg[3 * DATA];
    fill(msg, sizeof msg, 5);
    assert_int_equal(myl_frame_send(f, msg, sizeof msg, 2, 1000000000), 0);
    assert_int_equal(myl_defrag_recv(d, &m, 1000000000), 0);
    assert_int_equal(m.kind, 2);
    assert_memory_equal(m.data, msg, sizeof msg);
    myl_consumer_stats cs;
    myl_ring_consumer_stats(r, myl_defrag_consumer(d)->idx, &cs);
    assert_int_equal(cs.dropped, 1);
    myl_framer_close(f);
    myl_defrag_close(d);
    drop(r, "dies");
}

struct tx_arg {
    myl_framer *f;
    const uint8_t *msg;
    size_t len;
    int rc;
};

static void *tx_one(void *arg)
{
    struct tx_arg *a = arg;
    a->rc = myl_frame_send(a->f, a->msg, a->len, 6, 10000000000);
    return NULL;
}

/* Receive and release the next message; its kind, and that it is
 * msg[0, len). */
static void expect_msg(myl_defrag *d, uint16_t kind, const uint8_t *msg, size_t len)
{
    myl_frame_msg m;
    assert_int_equal(myl_defrag_recv(d, &m, 1000000000), 0);
    assert_int_equal(m.kind, kind);
    assert_int_equal(m.len, len);
    assert_memory_equal(m.data, msg, len);
    myl_defrag_release(d);
}

/* Under myl_defrag_hold() nothing received goes back to the ring until the
 * next call: a receiver killed before it resumes, under its id, at the
 * first message received since that call. */
static void test_hold_until_given_back(void **state)
{
    (void)state;
    myl_frame_opts fo = {.size = sizeof fo, .max_message = 12 * DATA};
    myl_ring *r = make("hold", MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, 16);
    myl_framer *f;
    assert_int_equal(myl_framer_open(r, NULL, &fo, &f), 0);
    uint8_t msg[12 * DATA];
    fill(msg, sizeof msg, 3);
    int go[2], ready[2];
    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(ready), 0);
    pid_t child = fork();
    if (child == 0) {
        /* Registers "rx", takes the first three messages under a hold,
         * gives back the first two only, and dies without closing. */
        myl_defrag *d;
        char b = 0;
        int bad = myl_defrag_open(r, "rx", NULL, &fo, &d) != 0;
        bad |= write(ready[1], &b, 1) != 1 || read(go[0], &b, 1) != 1;
        bad |= bad || myl_defrag_hold(d, true) != 0;
        for (int i = 0; i < 3 && !bad; i++) {
            myl_frame_msg m;
            bad = myl_defrag_recv(d, &m, 1000000000) != 0 || m.kind != i + 1;
            myl_defrag_release(d);
            bad |= released(r, d) != (i < 2 ? 0u : 3u);
            bad |= myl_defrag_position(d) != (uint64_t[]){1, 3, 4}[i];
            if (i == 1)
                bad |= myl_defrag_hold(d, true) != 0 || released(r, d) != 3;
        }
        _exit(bad ? 1 : 0);
    }
    char b = 0;
    assert_int_equal(read(ready[0], &b, 1), 1);
    assert_int_equal(myl_frame_send(f, msg, 5, 1, 0), 0);        /* frame 0 */
    assert_int_equal(myl_frame_send(f, msg, 2 * DATA, 2, 0), 0); /* 1, 2 */
    assert_int_equal(myl_frame_send(f, msg, 7, 3, 0), 0);        /* 3 */
    assert_int_equal(myl_frame_send(f, msg, 9, 4, 0), 0);        /* 4 */
    assert_int_equal(write(go[1], &b, 1), 1);
    int st = -1;
    assert_int_equal(waitpid(child, &st, 0), child);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    for (int i = 0; i < 2; i++) {
        close(go[i]);
        close(ready[i]);
    }
    /* the dead receiver's entry, taken over where it was given back */
    myl_defrag *d;
    assert_int_equal(myl_defrag_open(r, "rx", NULL, &fo, &d), 0);
    assert_int_equal(released(r, d), 3);
    assert_int_equal(myl_defrag_position(d), 3);
    expect_msg(d, 3, msg, 7);
    expect_msg(d, 4, msg, 9);
    assert_int_equal(released(r, d), 5);

    /* A message too long to hold (12 frames of a 16-frame ring, sent in
     * chunks) is not begun while anything is held; given back, it is
     * received, its frames released as they are read. */
    assert_int_equal(myl_defrag_hold(d, true), 0);
    assert_int_equal(myl_frame_send(f, msg, 1, 5, 0), 0); /* frame 5 */
    expect_msg(d, 5, msg, 1);
    struct tx_arg tx = {f, msg, 12 * DATA, -1};
    pthread_t t;
    pthread_create(&t, NULL, tx_one, &tx);
    /* the first frame of it is there before recv looks */
    myl_ring_stats rs;
    do {
        nanosleep(&(struct timespec){0, 1000000}, NULL);
        myl_ring_stats_get(r, &rs);
    } while (rs.published < 7);
    myl_frame_msg m;
    assert_int_equal(myl_defrag_recv(d, &m, 1000000000), MYL_EHELD);
    assert_int_equal(released(r, d), 5);
    assert_int_equal(myl_defrag_hold(d, true), 0);
    assert_int_equal(released(r, d), 6);
    assert_int_equal(myl_defrag_recv(d, &m, 10000000000), 0);
    assert_int_equal(m.len, 12 * DATA);
    assert_memory_equal(m.data, msg, 12 * DATA);
    myl_defrag_release(d);
    pthread_join(t, NULL);
    assert_int_equal(tx.rc, 0);
    assert_int_equal(myl_defrag_position(d), 18);
    assert_int_equal(myl_defrag_hold(d, false), 0);
    assert_int_equal(released(r, d), 18);
    myl_defrag_close(d);
    myl_framer_close(f);
    drop(r, "hold");

    /* A lossy ring keeps nothing: no hold. */
    r = open_pair("hold", MYL_MODE_LOSSY, 16, &f, &d);
    assert_int_equal(myl_defrag_hold(d, true), MYL_EINVAL);
    assert_int_equal(myl_defrag_hold(d, false), 0);
    close_pair(r, "hold", f, d);
}

/* A slot of a dead producer skipped while a hold holds nothing moves the
 * entry forward (the producer's gate: a producer may reuse the slot): the
 * next message held keeps it there, never back, and a receiver
 * restarted under the id reads every message after it once. */
static void test_hold_after_skipped_slot(void **state)
{
    (void)state;
    myl_ring *r = make("hskip", MYL_PRODUCERS_MULTI, MYL_MODE_GATED, 16);
    const char *name = myl_test_name("hskip");
    myl_framer *f;
    assert_int_equal(myl_framer_open(r, NULL, NULL, &f), 0);
    int go[2], ready[2];
    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(ready), 0);
    pid_t rx = fork();
    if (rx == 0) {
        /* Holds, takes message A (past the skipped slot), releases it
         * and dies before any give-back. */
        myl_defrag *d;
        char b = 0;
        int bad = myl_defrag_open(r, "rx", NULL, NULL, &d) != 0;
        bad |= myl_defrag_hold(d, true) != 0;
        bad |= write(ready[1], &b, 1) != 1;
        myl_frame_msg m;
        bad |= myl_defrag_recv(d, &m, 5000000000) != 0 || m.kind != 100;
        bad |= released(r, d) != 1; /* the skip moved it to A's frame */
        bad |= write(ready[1], &b, 1) != 1 || read(go[0], &b, 1) != 1;
        myl_defrag_release(d);
        bad |= released(r, d) != 1; /* held at A, not back to the slot */
        _exit(bad ? 1 : 0);
    }
    char b = 0;
    assert_int_equal(read(ready[0], &b, 1), 1);
    pid_t dead = fork(); /* claims slot 0 and dies */
    if (dead == 0) {
        myl_ring_opts o = {.size = sizeof o, .name = name};
        myl_ring *rc;
        myl_producer *p;
        uint64_t s;
        if (myl_ring_attach(&o, &rc) < 0 || myl_producer_open(rc, NULL, &p) < 0 ||
            myl_producer_try_claim(p, 1, &s) < 0)
            _exit(1);
        raise(SIGKILL);
    }
    assert_int_equal(waitpid(dead, NULL, 0), dead);
    uint8_t msg[8] = {0};
    assert_int_equal(myl_frame_send(f, msg, 1, 100, 0), 0); /* A, at 1 */
    assert_int_equal(read(ready[0], &b, 1), 1);
    for (int i = 0; i < 15; i++) /* 2..16: a full ring from A on */
        assert_int_equal(myl_frame_send(f, msg, 1, (uint16_t)(i + 1), 1000000000), 0);
    assert_int_equal(write(go[1], &b, 1), 1);
    int st = -1;
    assert_int_equal(waitpid(rx, &st, 0), rx);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    for (int i = 0; i < 2; i++) {
        close(go[i]);
        close(ready[i]);
    }
    myl_defrag *d;
    assert_int_equal(myl_defrag_open(r, "rx", NULL, NULL, &d), 0);
    myl_frame_msg m;
    uint16_t want = 100;
    int got = 0;
    while (myl_defrag_recv(d, &m, 0) == 0) {
        assert_int_equal(m.kind, want);
        want = (uint16_t)(got == 0 ? 1 : want + 1);
        got++;
        myl_defrag_release(d);
    }
    assert_int_equal(got, 16); /* A again, then the 15 */
    myl_defrag_close(d);
    myl_framer_close(f);
    drop(r, "hskip");
}

/* A hold call gives back only what was released: a message received and
 * not yet released stays held, lent or copied. */
static void test_hold_keeps_unreleased(void **state)
{
    (void)state;
    myl_framer *f;
    myl_defrag *d;
    myl_ring *r = open_pair("hkeep", MYL_MODE_GATED, 16, &f, &d);
    uint8_t msg[3 * DATA];
    fill(msg, sizeof msg, 1);
    assert_int_equal(myl_defrag_hold(d, true), 0);
    assert_int_equal(myl_frame_send(f, msg, 5, 1, 0), 0);          /* 0: lent */
    assert_int_equal(myl_frame_send(f, msg, sizeof msg, 2, 0), 0); /* 1..3: copied */
    myl_frame_msg m;
    assert_int_equal(myl_defrag_recv(d, &m, 0), 0);
    assert_true(m.borrowed);
    assert_int_equal(myl_defrag_hold(d, true), 0);
    assert_int_equal(released(r, d), 0);
    myl_defrag_release(d);
    assert_int_equal(myl_defrag_recv(d, &m, 0), 0);
    assert_false(m.borrowed);
    assert_int_equal(myl_defrag_hold(d, true), 0);
    assert_int_equal(released(r, d), 1); /* the lent one, released before */
    assert_memory_equal(m.data, msg, sizeof msg);
    myl_defrag_release(d);
    assert_int_equal(myl_defrag_hold(d, false), 0);
    assert_int_equal(released(r, d), 4);
    close_pair(r, "hkeep", f, d);
}

MYL_TEST_MAIN("frame", cmocka_unit_test(test_every_split_point),
              cmocka_unit_test(test_release_frees_copied_frames),
              cmocka_unit_test(test_held_frames_never_move_back),
              cmocka_unit_test(test_long_message_in_chunks),
              cmocka_unit_test(test_max_message_and_claim), cmocka_unit_test(test_commit_len),
              cmocka_unit_test(test_claim_one), cmocka_unit_test(test_send_ext),
              cmocka_unit_test(test_copy_mode), cmocka_unit_test(test_hostile_frames),
              cmocka_unit_test(test_lossy_never_delivers_torn), cmocka_unit_test(test_mp_senders),
              cmocka_unit_test(test_sender_dies_mid_message),
              cmocka_unit_test(test_hold_until_given_back),
              cmocka_unit_test(test_hold_after_skipped_slot),
              cmocka_unit_test(test_hold_keeps_unreleased))
