/* Size classes and priority lanes over framed rings. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "harness.h"

#include "myelon/myelon.h"

static const uint32_t class_sizes[] = {64, 256, 1024};
static const char *const lanes[] = {"critical", "high", "low"};

static myl_group_opts classes_opts(const char *tag)
{
    return (myl_group_opts){.size = sizeof(myl_group_opts),
                            .kind = MYL_GROUP_CLASSES,
                            .count = 3,
                            .name = myl_test_name(tag),
                            .frame_sizes = class_sizes,
                            .capacity = 16,
                            .producers = MYL_PRODUCERS_SINGLE,
                            .wait = MYL_WAIT_BLOCK};
}

static myl_group_opts lanes_opts(const char *tag)
{
    return (myl_group_opts){.size = sizeof(myl_group_opts),
                            .kind = MYL_GROUP_LANES,
                            .count = 3,
                            .name = myl_test_name(tag),
                            .frame_size = 64,
                            .lane_names = lanes,
                            .capacity = 16,
                            .wait = MYL_WAIT_BLOCK};
}

static void fill(uint8_t *b, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++)
        b[i] = (uint8_t)(seed * 29u + i * 3u);
}

/* The end of a test on a group: nothing left to receive, no hole in the
 * send order, everything closed and the group's rings unlinked. */
static void drained_and_closed(myl_group_receiver *r, myl_group_sender *s, myl_group *g,
                               const myl_group_opts *o)
{
    myl_frame_msg m;
    assert_int_equal(myl_group_recv(r, &m, NULL, 0), MYL_ETIMEDOUT);
    assert_int_equal(myl_group_receiver_order_gaps(r), 0);
    myl_group_receiver_close(r);
    myl_group_sender_close(s);
    myl_group_close(g);
    assert_int_equal(myl_group_unlink(o), 0);
}

static void test_names_and_options(void **state)
{
    (void)state;
    myl_group_opts o = classes_opts("names");
    char name[256];
    assert_true(myl_group_ring_name(&o, 1, name, sizeof name) > 0);
    char want[256];
    snprintf(want, sizeof want, "%s.f256", o.name);
    assert_string_equal(name, want);
    myl_group_opts l = lanes_opts("names");
    assert_true(myl_group_ring_name(&l, 2, name, sizeof name) > 0);
    snprintf(want, sizeof want, "%s.low", l.name);
    assert_string_equal(name, want);
    myl_group *g;
    static const uint32_t unsorted[] = {256, 64, 1024};
    o.frame_sizes = unsorted;
    assert_int_equal(myl_group_create(&o, &g), MYL_EINVAL);
    static const uint32_t tiny[] = {24, 64, 1024}; /* no room for data */
    o.frame_sizes = tiny;
    assert_int_equal(myl_group_create(&o, &g), MYL_EINVAL);
    static const char *const bad[] = {"critical", "hi gh", "low"};
    l.lane_names = bad;
    assert_int_equal(myl_group_create(&l, &g), MYL_EINVAL);
    l.lane_names = lanes;
    l.warn_pct = 95;
    l.crit_pct = 90;
    assert_int_equal(myl_group_create(&l, &g), MYL_EINVAL);
}

static void test_classes_pick_smallest_and_keep_order(void **state)
{
    (void)state;
    myl_group_opts o = classes_opts("cls");
    myl_group_unlink(&o);
    myl_group *g;
    myl_group_sender *s;
    myl_group_receiver *r;
    assert_int_equal(myl_group_create(&o, &g), 0);
    assert_int_equal(myl_group_sender_open(g, NULL, &s), 0);
    assert_int_equal(myl_group_receiver_open(g, "rx", MYL_GROUP_ORDERED, NULL, &r), 0);
    /* data per frame: 40, 232, 1000; the last class also fragments */
    static const size_t lens[] = {10, 100, 500, 3000, 40, 41, 232, 233, 1000, 0};
    static const uint32_t want_ring[] = {0, 1, 2, 2, 0, 1, 1, 2, 2, 0};
    uint8_t msg[3000];
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        fill(msg, lens[k], (uint32_t)k);
        assert_int_equal(myl_group_send(s, 0, msg, lens[k], (uint16_t)k, 0), 0);
    }
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        myl_frame_msg m;
        uint32_t ring;
        assert_int_equal(myl_group_recv(r, &m, &ring, 1000000000), 0);
        assert_int_equal(m.kind, (uint16_t)k); /* send order, across classes */
        assert_int_equal(ring, want_ring[k]);
        assert_int_equal(m.len, lens[k]);
        fill(msg, lens[k], (uint32_t)k);
        assert_memory_equal(m.data, msg, lens[k] ? lens[k] : 0);
    }
    assert_int_equal(myl_group_send(s, 0, msg, g->max_message + 1, 0, 0), MYL_ETOOBIG);
    drained_and_closed(r, s, g, &o);
}

/* myl_group_send_ext: a message plus runs from elsewhere (inserted, or
 * filling holes) arrives whole, in the class its whole length picks, on
 * the lane asked for, in send order with plain sends; bad runs are
 * refused and take no place in the order. */
static void test_send_ext(void **state)
{
    (void)state;
    for (int kind = 0; kind < 2; kind++) {
        myl_group_opts o = kind ? lanes_opts("gext_l") : classes_opts("gext_c");
        myl_group_unlink(&o);
        myl_group *g;
        myl_group_sender *s;
        myl_group_receiver *r;
        assert_int_equal(myl_group_create(&o, &g), 0);
        assert_int_equal(myl_group_sender_open(g, NULL, &s), 0);
        assert_int_equal(myl_group_receiver_open(g, "rx", MYL_GROUP_ORDERED, NULL, &r), 0);
        /* lanes: 64-byte frames (40 of data), 16 in a ring: 6 + 1 + 6 + 1 */
        const size_t n = kind ? 240 : 600, a = n / 3, w = n * 7 / 12;
        uint8_t whole[600], head[600];
        fill(whole, sizeof whole, 7);
        /* inserted: head is whole without [10, 30) and [a, a + w) */
        memcpy(head, whole, 10);
        memcpy(head + 10, whole + 30, a - 30);
        memcpy(head + a - 20, whole + a + w, n - a - w);
        const size_t hlen = n - 20 - w;
        myl_ext ins[2] = {{.at = 10, .p = whole + 10, .n = 20},
                          {.at = a - 20, .p = whole + a, .n = w}};
        /* holes: the message is n bytes, [10, 30) and [a, a + w) unwritten */
        uint8_t holed[600];
        memcpy(holed, whole, sizeof holed);
        memset(holed + 10, 0xee, 20);
        memset(holed + a, 0xee, w);
        myl_ext hol[2] = {{.at = 10, .p = whole + 10, .n = 20}, {.at = a, .p = whole + a, .n = w}};
        uint32_t lane = kind ? 2 : 0;
        assert_int_equal(myl_group_send_ext(s, lane, head, hlen, ins, 2, 0, 1, 0), 0);
        assert_int_equal(myl_group_send(s, lane, whole, 30, 2, 0), 0);
        assert_int_equal(myl_group_send_ext(s, lane, holed, n, hol, 2, MYL_FRAME_EXT_HOLES, 3, 0),
                         0);
        /* no runs: a plain send */
        assert_int_equal(myl_group_send_ext(s, lane, whole, 40, NULL, 0, 0, 4, 0), 0);
        /* out of order, out of bounds, unknown flags, too large: refused */
        myl_ext bad[2] = {{.at = 100, .p = whole, .n = 1}, {.at = 50, .p = whole, .n = 1}};
        assert_int_equal(myl_group_send_ext(s, lane, head, hlen, bad, 2, 0, 9, 0), MYL_EINVAL);
        myl_ext past = {.at = hlen + 1, .p = whole, .n = 1};
        assert_int_equal(myl_group_send_ext(s, lane, head, hlen, &past, 1, 0, 9, 0), MYL_EINVAL);
        assert_int_equal(myl_group_send_ext(s, lane, head, hlen, ins, 2, 0x80, 9, 0), MYL_EINVAL);
        myl_ext over = {.at = n - 10, .p = whole, .n = 20};
        assert_int_equal(myl_group_send_ext(s, lane, holed, n, &over, 1, MYL_FRAME_EXT_HOLES, 9, 0),
                         MYL_EINVAL);
        myl_ext huge = {.at = 0, .p = whole, .n = g->max_message};
        assert_int_equal(myl_group_send_ext(s, lane, head, 1, &huge, 1, 0, 9, 0), MYL_ETOOBIG);
        const size_t want_len[] = {n, 30, n, 40};
        static const uint32_t want_ring[] = {2, 0, 2, 0};
        for (int k = 0; k < 4; k++) {
            myl_frame_msg m;
            uint32_t ring;
            assert_int_equal(myl_group_recv(r, &m, &ring, 1000000000), 0);
            assert_int_equal(m.kind, k + 1);
            assert_int_equal(m.len, want_len[k]);
            assert_int_equal(ring, kind ? lane : want_ring[k]);
            assert_memory_equal(m.data, whole, m.len);
        }
        drained_and_closed(r, s, g, &o);
    }
}

struct sender_arg {
    myl_group *g;
    int count;
    int rc;
};

static void *send_many(void *arg)
{
    struct sender_arg *a = arg;
    myl_group_sender *s;
    if ((a->rc = myl_group_sender_open(a->g, NULL, &s)) < 0)
        return NULL;
    uint8_t msg[1500];
    for (int k = 0; k < a->count && a->rc == 0; k++) {
        size_t len = ((size_t)k * 7919u) % sizeof msg;
        fill(msg, len, (uint32_t)k);
        a->rc = myl_group_send(s, 0, msg, len, (uint16_t)k, 10000000000);
    }
    myl_group_sender_close(s);
    return NULL;
}

static void test_classes_order_under_concurrency(void **state)
{
    (void)state;
    myl_group_opts o = classes_opts("clsmt");
    myl_group_unlink(&o);
    myl_group *g;
    myl_group_receiver *r;
    assert_int_equal(myl_group_create(&o, &g), 0);
    assert_int_equal(myl_group_receiver_open(g, "rx", MYL_GROUP_ORDERED, NULL, &r), 0);
    struct sender_arg a = {g, 3000, 0};
    pthread_t t;
    pthread_create(&t, NULL, send_many, &a);
    uint8_t want[1500];
    for (int k = 0; k < a.count; k++) {
        myl_frame_msg m;
        assert_int_equal(myl_group_recv(r, &m, NULL, 10000000000), 0);
        assert_int_equal(m.kind, (uint16_t)k);
        size_t len = ((size_t)k * 7919u) % sizeof want;
        assert_int_equal(m.len, len);
        fill(want, len, (uint32_t)k);
        assert_memory_equal(m.data, want, len ? len : 0);
    }
    pthread_join(t, NULL);
    assert_int_equal(a.rc, 0);
    assert_int_equal(myl_group_receiver_order_gaps(r), 0);
    myl_group_receiver_close(r);
    myl_group_close(g);
    myl_group_unlink(&o);
}

/* A receiver's first message from a sender must be that sender's first
 * one even when the second, on another ring, is seen first: fill() looked
 * at the small class before the sender published there, then at the large
 * class after it published there too. Each round opens a fresh receiver
 * (which knows nothing of the sender) and races the sender's two sends
 * against the receive. */
struct race_arg {
    myl_group *g;
    int rounds;
    atomic_int go; /* round number the sender may send */
    int rc;
};

static void *send_pairs(void *arg)
{
    struct race_arg *a = arg;
    myl_group_sender *s;
    if ((a->rc = myl_group_sender_open(a->g, NULL, &s)) < 0)
        return NULL;
    uint8_t big[900];
    memset(big, 7, sizeof big);
    for (int k = 1; k <= a->rounds && a->rc == 0; k++) {
        /* Acquire: pairs with the receiver's release after it opened. */
        while (atomic_load_explicit(&a->go, memory_order_acquire) < k)
            sched_yield();
        a->rc = myl_group_send(s, 0, "a", 1, 1, 10000000000);
        if (a->rc == 0)
            a->rc = myl_group_send(s, 0, big, sizeof big, 2, 10000000000);
    }
    myl_group_sender_close(s);
    return NULL;
}

static void test_classes_first_message_race(void **state)
{
    (void)state;
    myl_group_opts o = classes_opts("clsfirst");
    myl_group_unlink(&o);
    myl_group *g;
    assert_int_equal(myl_group_create(&o, &g), 0);
    struct race_arg a = {.g = g, .rounds = 5000};
    atomic_init(&a.go, 0);
    pthread_t t;
    pthread_create(&t, NULL, send_pairs, &a);
    for (int k = 1; k <= a.rounds; k++) {
        myl_group_receiver *r;
        assert_int_equal(myl_group_receiver_open(g, "rx", MYL_GROUP_ORDERED, NULL, &r), 0);
        /* Release: pairs with the sender's acquire; the receiver is
         * registered on every ring before the sender sends. */
        atomic_store_explicit(&a.go, k, memory_order_release);
        myl_frame_msg m;
        uint32_t cls = 9;
        assert_int_equal(myl_group_recv(r, &m, &cls, 10000000000), 0);
        assert_int_equal(m.kind, 1);
        assert_int_equal(cls, 0);
        assert_int_equal(myl_group_recv(r, &m, &cls, 10000000000), 0);
        assert_int_equal(m.kind, 2);
        assert_int_equal(cls, 2);
        myl_group_receiver_close(r);
    }
    pthread_join(t, NULL);
    assert_int_equal(a.rc, 0);
    myl_group_close(g);
    myl_group_unlink(&o);
}

/* One single-frame message of one byte (kind) published by hand on a ring
 * of a group, as a sender with message id `id` would: the receiver cannot
 * tell it from a real one. */
static void forge(myl_producer *p, uint64_t id, uint16_t kind)
{
    uint64_t s;
    assert_int_equal(myl_producer_claim(p, 1, &s, INT64_C(1000000000)), 0);
    uint8_t *slot = myl_producer_slot(p, s);
    myl_frame_hdr h = {.len = 1,
                       .flags = MYL_FRAME_FIRST | MYL_FRAME_LAST,
                       .version = MYL_FRAME_VERSION,
                       .kind = kind,
                       .msg_id = id,
                       .total = 1,
                       .index = 0};
    memcpy(slot, &h, sizeof h);
    slot[sizeof h] = (uint8_t)kind;
    myl_producer_publish(p, s, 1);
}

/* An ordered receiver and a message id that never comes (a sender's
 * message lost): the messages after it are held until the receiver gives
 * up waiting, then delivered in id order, the gap counted once. */
static void test_ordered_gap(void **state)
{
    (void)state;
    myl_group_opts o = classes_opts("clsgap");
    o.producers = MYL_PRODUCERS_MULTI;
    myl_group_unlink(&o);
    myl_group *g;
    myl_group_receiver *r;
    assert_int_equal(myl_group_create(&o, &g), 0);
    assert_int_equal(myl_group_receiver_open(g, "rx", MYL_GROUP_ORDERED, NULL, &r), 0);
    myl_producer *p0, *p1;
    assert_int_equal(myl_producer_open(g->rings[0], NULL, &p0), 0);
    assert_int_equal(myl_producer_open(g->rings[1], NULL, &p1), 0);
    const uint64_t who = UINT64_C(3) << 56; /* sender 3's ids */
    forge(p0, who | 0, 10);
    forge(p1, who | 2, 12); /* id 1 never comes */
    forge(p0, who | 3, 13);
    forge(p1, who | 4, 14);
    static const uint16_t want[] = {10, 12, 13, 14};
    for (int k = 0; k < 4; k++) {
        myl_frame_msg m;
        assert_int_equal(myl_group_recv(r, &m, NULL, INT64_C(10000000000)), 0);
        assert_int_equal(m.kind, want[k]);
        assert_int_equal(m.len, 1);
        assert_int_equal(((const uint8_t *)m.data)[0], (uint8_t)want[k]);
        assert_int_equal(myl_group_receiver_order_gaps(r), k == 0 ? 0 : 1);
    }
    myl_frame_msg m;
    assert_int_equal(myl_group_recv(r, &m, NULL, 0), MYL_ETIMEDOUT);
    myl_producer_close(p1);
    myl_producer_close(p0);
    myl_group_receiver_close(r);
    myl_group_close(g);
    myl_group_unlink(&o);
}

/* The same gap seen by a receiver that only polls (timeout 0, as a
 * generated topology endpoint's _poll does): the wait for the missing id
 * is timed across the calls, so the receiver gives up on it after the
 * same 100 ms in all; a clock restarted at each call never got there and
 * held the later messages for good. The bound on the polls (20,000 of at
 * least 1 ms) is generous; the receiver needs about 100 of them. */
static void test_ordered_gap_polled(void **state)
{
    (void)state;
    myl_group_opts o = classes_opts("clsgappoll");
    o.producers = MYL_PRODUCERS_MULTI;
    myl_group_unlink(&o);
    myl_group *g;
    myl_group_receiver *r;
    assert_int_equal(myl_group_create(&o, &g), 0);
    assert_int_equal(myl_group_receiver_open(g, "rx", MYL_GROUP_ORDERED, NULL, &r), 0);
    myl_producer *p0, *p1;
    assert_int_equal(myl_producer_open(g->rings[0], NULL, &p0), 0);
    assert_int_equal(myl_producer_open(g->rings[1], NULL, &p1), 0);
    const uint64_t who = UINT64_C(5) << 56; /* sender 5's ids */
    forge(p0, who | 0, 10);
    forge(p1, who | 2, 12); /* id 1 taken and never published */
    forge(p0, who | 3, 13);
    static const uint16_t want[] = {10, 12, 13};
    int k = 0;
    for (int polls = 0; k < 3 && polls < 20000; polls++) {
        myl_frame_msg m;
        int rc = myl_group_recv(r, &m, NULL, 0);
        if (rc == MYL_ETIMEDOUT) {
            nanosleep(&(struct timespec){0, 1000000}, NULL);
            continue;
        }
        assert_int_equal(rc, 0);
        assert_int_equal(m.kind, want[k]);
        assert_int_equal(((const uint8_t *)m.data)[0], (uint8_t)want[k]);
        k++;
    }
    assert_int_equal(k, 3);
    assert_int_equal(myl_group_receiver_order_gaps(r), 1);
    myl_frame_msg m;
    assert_int_equal(myl_group_recv(r, &m, NULL, 0), MYL_ETIMEDOUT);
    myl_producer_close(p1);
    myl_producer_close(p0);
    myl_group_receiver_close(r);
    myl_group_close(g);
    myl_group_unlink(&o);
}

/* Claims in place on a group: the lane's ring or the class for the length;
 * commit of a shorter message; an abort takes no place in the send order
 * (an ordered receiver waits for nothing). */
/* A new group of o (a leftover of an earlier run removed), a sender and
 * a receiver "rx" opened with rflags. */
static void open_three(const myl_group_opts *o, uint32_t rflags, myl_group **g,
                       myl_group_sender **s, myl_group_receiver **r)
{
    myl_group_unlink(o);
    assert_int_equal(myl_group_create(o, g), 0);
    assert_int_equal(myl_group_sender_open(*g, NULL, s), 0);
    assert_int_equal(myl_group_receiver_open(*g, "rx", rflags, NULL, r), 0);
}

static void test_group_claim(void **state)
{
    (void)state;
    myl_group_opts o = classes_opts("gclaim");
    myl_group *g;
    myl_group_sender *s;
    myl_group_receiver *r;
    open_three(&o, MYL_GROUP_ORDERED, &g, &s, &r);
    uint8_t msg[600];
    fill(msg, sizeof msg, 5);
    myl_group_span sp;
    uint32_t room = 0;
    /* 1: sent; 2: claimed in the 1024 class, aborted; 3: claimed for 500
     * bytes (1024 class), committed at 100; 4: claimed in the 64 class */
    assert_int_equal(myl_group_send(s, 0, msg, 10, 1, 0), 0);
    assert_int_equal(myl_group_claim(s, 0, 500, 2, &sp, 0), 0);
    assert_int_equal(sp.ring, 2);
    myl_group_abort(s, &sp);
    assert_int_equal(myl_group_claim(s, 0, 500, 3, &sp, 0), 0);
    uint8_t *d = myl_group_claim_data(s, &sp, 0, &room);
    assert_non_null(d);
    assert_int_equal(room, 500);
    memcpy(d, msg, 100);
    assert_int_equal(myl_group_commit_len(s, &sp, 100), 0);
    assert_int_equal(myl_group_claim(s, 0, 30, 4, &sp, 0), 0);
    assert_int_equal(sp.ring, 0);
    memcpy(myl_group_claim_data(s, &sp, 0, NULL), msg, 30);
    assert_int_equal(myl_group_commit_len(s, &sp, 30), 0);
    assert_null(myl_group_claim_data(s, &sp, 1, NULL));
    assert_int_equal(myl_group_claim(s, 0, g->max_message + 1, 5, &sp, 0), MYL_ETOOBIG);
    /* in one call: claim and data (5: aborted, no place in the order; 6:
     * the 256 class); not above the largest class's frame */
    void *p;
    assert_int_equal(myl_group_claim_one(s, 0, 200, 5, &sp, &p, 0), 0);
    myl_group_abort(s, &sp);
    assert_int_equal(myl_group_claim_one(s, 0, 200, 6, &sp, &p, 0), 0);
    assert_int_equal(sp.ring, 1);
    assert_ptr_equal(p, myl_group_claim_data(s, &sp, 0, &room));
    assert_int_equal(room, 200);
    memcpy(p, msg, 200);
    assert_int_equal(myl_group_commit_len(s, &sp, 200), 0);
    assert_int_equal(myl_group_claim_one(s, 0, 1024 - MYL_FRAME_HDR_SIZE + 1, 7, &sp, &p, 0),
                     MYL_ETOOBIG);
    assert_int_equal(myl_group_claim_one(NULL, 0, 8, 7, &sp, &p, 0), MYL_EINVAL);
    assert_int_equal(myl_group_claim_one(s, 0, 8, 7, &sp, NULL, 0), MYL_EINVAL);
    static const uint16_t kinds[] = {1, 3, 4, 6};
    static const size_t lens[] = {10, 100, 30, 200};
    for (int k = 0; k < 4; k++) {
        myl_frame_msg m;
        assert_int_equal(myl_group_recv(r, &m, NULL, 1000000000), 0);
        assert_int_equal(m.kind, kinds[k]);
        assert_int_equal(m.len, lens[k]);
        assert_memory_equal(m.data, msg, m.len);
    }
    drained_and_closed(r, s, g, &o);

    /* lanes: the named lane, and none other */
    myl_group_opts l = lanes_opts("glclaim");
    myl_group_unlink(&l);
    assert_int_equal(myl_group_create(&l, &g), 0);
    assert_int_equal(myl_group_sender_open(g, NULL, &s), 0);
    assert_int_equal(myl_group_receiver_open(g, "rx", 0, NULL, &r), 0);
    assert_int_equal(myl_group_claim(s, 3, 8, 0, &sp, 0), MYL_EINVAL);
    assert_int_equal(myl_group_claim(s, 1, 40, 7, &sp, 0), 0);
    assert_int_equal(sp.ring, 1);
    memcpy(myl_group_claim_data(s, &sp, 0, NULL), msg, 40);
    assert_int_equal(myl_group_commit_len(s, &sp, 5), 0);
    uint32_t lane = 9;
    myl_frame_msg m;
    assert_int_equal(myl_group_recv(r, &m, &lane, 1000000000), 0);
    assert_int_equal(lane, 1);
    assert_int_equal(m.kind, 7);
    assert_int_equal(m.len, 5);
    assert_memory_equal(m.data, msg, 5);
    assert_int_equal(myl_group_commit_len(NULL, &sp, 0), MYL_EINVAL);
    /* in one call, on the lane named */
    void *lp;
    assert_int_equal(myl_group_claim_one(s, 3, 8, 0, &sp, &lp, 0), MYL_EINVAL);
    assert_int_equal(myl_group_claim_one(s, 2, 40, 8, &sp, &lp, 0), 0);
    assert_int_equal(sp.ring, 2);
    memcpy(lp, msg, 40);
    assert_int_equal(myl_group_commit_len(s, &sp, 40), 0);
    assert_int_equal(myl_group_recv(r, &m, &lane, 1000000000), 0);
    assert_int_equal(lane, 2);
    assert_int_equal(m.kind, 8);
    assert_int_equal(m.len, 40);
    assert_memory_equal(m.data, msg, 40);
    myl_group_receiver_close(r);
    myl_group_sender_close(s);
    myl_group_close(g);
    assert_int_equal(myl_group_unlink(&l), 0);
}

/* Messages sent while a claim is open take their ids before it: the
 * claim's id is taken at its commit. It used to be read at the claim, so
 * a send in between went out with the same id, and an ordered receiver
 * waited for the id it had skipped (ORDER_WAIT_NS) and counted two gaps
 * where nothing was lost. */
static void test_claim_open_while_sending(void **state)
{
    (void)state;
    myl_group_opts o = classes_opts("gclsend");
    myl_group *g;
    myl_group_sender *s;
    myl_group_receiver *r;
    open_three(&o, MYL_GROUP_ORDERED, &g, &s, &r);
    uint8_t msg[500];
    fill(msg, sizeof msg, 9);
    myl_group_span sp, sp2;
    assert_int_equal(myl_group_claim(s, 0, 500, 1, &sp, 0), 0); /* 1024 class */
    memcpy(myl_group_claim_data(s, &sp, 0, NULL), msg, 500);
    assert_int_equal(myl_group_send(s, 0, msg, 4, 2, 0), 0);     /* 64 class */
    assert_int_equal(myl_group_claim(s, 0, 200, 3, &sp2, 0), 0); /* 256 class */
    memcpy(myl_group_claim_data(s, &sp2, 0, NULL), msg, 200);
    assert_int_equal(myl_group_commit_len(s, &sp2, 200), 0);
    assert_int_equal(myl_group_commit_len(s, &sp, 500), 0);
    assert_int_equal(myl_group_send(s, 0, msg, 4, 4, 0), 0);
    /* In commit order, each id once, no wait: 0 of these calls times out
     * (an ordered receiver waiting for a skipped id would return it after
     * ORDER_WAIT_NS, with the gap counted). */
    static const uint16_t kinds[] = {2, 3, 1, 4};
    static const size_t lens[] = {4, 200, 500, 4};
    uint64_t last = 0;
    for (int k = 0; k < 4; k++) {
        myl_frame_msg m;
        assert_int_equal(myl_group_recv(r, &m, NULL, 1000000000), 0);
        assert_int_equal(m.kind, kinds[k]);
        assert_int_equal(m.len, lens[k]);
        assert_memory_equal(m.data, msg, m.len);
        if (k)
            assert_int_equal(m.msg_id, last + 1);
        last = m.msg_id;
    }
    drained_and_closed(r, s, g, &o);
}

/* Deliver everything queued on the lanes; record the lane of each. */
static int drain(myl_group_receiver *r, uint32_t *seq, int max)
{
    int n = 0;
    myl_frame_msg m;
    uint32_t ring;
    while (n < max && myl_group_recv(r, &m, &ring, 0) == 0) {
        assert_int_equal(m.kind, ring); /* the kind says which lane it was sent on */
        seq[n++] = ring;
    }
    return n;
}

static void test_lanes_priority_and_starvation_guard(void **state)
{
    (void)state;
    myl_group_opts o = lanes_opts("lanes");
    myl_group_unlink(&o);
    myl_group *g;
    myl_group_sender *s;
    assert_int_equal(myl_group_create(&o, &g), 0);
    assert_int_equal(myl_group_sender_open(g, NULL, &s), 0);
    uint8_t msg[8] = {0};
    uint32_t seq[64];

    /* Strict priority when the guard never trips. */
    static const uint32_t never[] = {1000, 1000, 1000};
    myl_group_receiver *r;
    assert_int_equal(myl_group_receiver_open(g, "strict", 0, never, &r), 0);
    for (uint32_t lane = 3; lane-- > 0;)
        for (int k = 0; k < 10; k++)
            assert_int_equal(myl_group_send(s, lane, msg, sizeof msg, (uint16_t)lane, 0), 0);
    assert_int_equal(drain(r, seq, 64), 30);
    for (int k = 0; k < 30; k++)
        assert_int_equal(seq[k], (uint32_t)(k / 10));
    myl_group_receiver_close(r);

    /* With a guard of 3 for "low" (and 5 for "high"), no lane holding
     * messages is passed over more than its limit + lanes - 2 in a row. */
    static const uint32_t guard[] = {16, 5, 3};
    assert_int_equal(myl_group_receiver_open(g, "guarded", 0, guard, &r), 0);
    for (uint32_t lane = 3; lane-- > 0;)
        for (int k = 0; k < 12; k++)
            assert_int_equal(myl_group_send(s, lane, msg, sizeof msg, (uint16_t)lane, 0), 0);
    int n = drain(r, seq, 64);
    assert_int_equal(n, 36);
    assert_int_equal(seq[0], 0);
    int left[3] = {12, 12, 12}, passed[3] = {0, 0, 0};
    for (int k = 0; k < n; k++) {
        for (uint32_t lane = 0; lane < 3; lane++) {
            if (lane == seq[k])
                passed[lane] = 0;
            else if (left[lane] > 0 && ++passed[lane] > (int)guard[lane] + 3 - 2)
                fail_msg("lane %u passed over %d times in a row", lane, passed[lane]);
        }
        left[seq[k]]--;
    }
    /* ... and "low" was served before "critical" ran dry. */
    int first_low = -1, last_critical = -1;
    for (int k = 0; k < n; k++) {
        if (seq[k] == 2 && first_low < 0)
            first_low = k;
        if (seq[k] == 0)
            last_critical = k;
    }
    assert_true(first_low < last_critical);
    myl_group_receiver_close(r);
    myl_group_sender_close(s);
    myl_group_close(g);
    myl_group_unlink(&o);
}

static void test_pressure_and_high_water(void **state)
{
    (void)state;
    myl_group_opts o = lanes_opts("press");
    myl_group_unlink(&o);
    myl_group *g;
    myl_group_sender *s;
    myl_group_receiver *r;
    assert_int_equal(myl_group_create(&o, &g), 0);
    assert_int_equal(myl_group_sender_open(g, NULL, &s), 0);
    assert_int_equal(myl_group_receiver_open(g, "rx", 0, NULL, &r), 0);
    uint8_t msg[8] = {0};
    uint32_t pct;
    for (int k = 0; k < 12; k++) /* 12 of 16 frames: 75% */
        assert_int_equal(myl_group_send(s, 1, msg, sizeof msg, 1, 0), 0);
    assert_int_equal(myl_group_pressure(s, 1, &pct), MYL_PRESSURE_OK);
    assert_int_equal(pct, 75);
    assert_int_equal(myl_group_send(s, 1, msg, sizeof msg, 1, 0), 0); /* 81% */
    assert_int_equal(myl_group_pressure(s, 1, &pct), MYL_PRESSURE_WARN);
    assert_int_equal(myl_group_send(s, 1, msg, sizeof msg, 1, 0), 0);
    assert_int_equal(myl_group_send(s, 1, msg, sizeof msg, 1, 0), 0); /* 93% */
    assert_int_equal(myl_group_pressure(s, 1, &pct), MYL_PRESSURE_CRITICAL);
    assert_int_equal(myl_group_pressure(s, 0, &pct), MYL_PRESSURE_OK);
    assert_int_equal(pct, 0);
    myl_group_ring_stats st;
    assert_int_equal(myl_group_stats(g, 1, &st), 0);
    assert_int_equal(st.capacity, 16);
    assert_int_equal(st.in_use, 15);
    assert_int_equal(st.high_water, 15);
    assert_int_equal(st.level, MYL_PRESSURE_CRITICAL);
    myl_frame_msg m;
    for (int k = 0; k < 15; k++)
        assert_int_equal(myl_group_recv(r, &m, NULL, 1000000000), 0);
    assert_int_equal(myl_group_recv(r, &m, NULL, 0), MYL_ETIMEDOUT); /* releases the last */
    assert_int_equal(myl_group_stats(g, 1, &st), 0);
    assert_int_equal(st.in_use, 0);
    assert_int_equal(st.high_water, 15); /* the mark stays */
    assert_int_equal(st.level, MYL_PRESSURE_OK);
    myl_group_receiver_close(r);
    myl_group_sender_close(s);
    myl_group_close(g);
    myl_group_unlink(&o);
}

MYL_TEST_MAIN("group", cmocka_unit_test(test_names_and_options), cmocka_unit_test(test_send_ext),
              cmocka_unit_test(test_classes_first_message_race), cmocka_unit_test(test_group_claim),
              cmocka_unit_test(test_ordered_gap), cmocka_unit_test(test_ordered_gap_polled),
              cmocka_unit_test(test_classes_pick_smallest_and_keep_order),
              cmocka_unit_test(test_classes_order_under_concurrency),
              cmocka_unit_test(test_lanes_priority_and_starvation_guard),
              cmocka_unit_test(test_pressure_and_high_water),
              cmocka_unit_test(test_claim_open_while_sending))
