/* The exporter's zero copy (docs/BRIDGE.md, "When a slot is given
 * back"): ZeroMQ's I/O thread reads the ring slots it was handed after
 * zmq_msg_send returned, so myl_bridge_close must not give the slots back
 * to the ring (unregister its consumer) before ZeroMQ let go of them.
 *
 * The importer here is a bare ZeroMQ DEALER speaking the handshake, with
 * tiny receive buffers, that reads nothing until the exporter is closed:
 * the exporter's I/O thread is left mid-way through BATCHZ frames that
 * point into the ring. The exporter is closed (unregistering), every slot
 * is then overwritten with a poison byte, and only then does the peer
 * read: whatever it receives must be the events as published, never
 * poison. Another bridge of the process stays open, so that the shared
 * ZeroMQ context (and its I/O thread) outlives the close: the close
 * itself must wait for the frames, not the context's termination. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <zmq.h>

#include "harness.h"
#include "myelon/bridge.h"
#include "myelon/myelon.h"
#include "wire.h"

#define SLOT (256u << 10)
#define CAP 32u
#define POISON 0xeeu

static uint8_t pattern(uint64_t seq)
{
    return (uint8_t)(1 + seq % 200); /* never POISON */
}

static myl_ring *make_ring(const char *tag, uint32_t slot, uint32_t cap)
{
    myl_ring_opts o = {.size = sizeof o,
                       .name = myl_test_name(tag),
                       .slot_size = slot,
                       .capacity = cap,
                       .fingerprint = 0x1234};
    myl_ring *r;
    myl_ring_unlink(MYL_BACKING_SHM, o.name);
    assert_int_equal(myl_ring_create(&o, &r), 0);
    return r;
}

/* Close a bridge and remove its state object, which outlives it by design
 * (a restarted bridge resumes from it): the test is done with it. */
static void close_bridge(myl_bridge *b)
{
    char name[300];
    snprintf(name, sizeof name, "%s", myl_bridge_state_name(b));
    myl_bridge_close(b);
    assert_int_equal(shm_unlink(name), 0);
}

static int free_port(void)
{
    /* A port ZeroMQ picks: bind to :*, read it back, unbind. */
    void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_DEALER);
    assert_int_equal(zmq_bind(s, "tcp://127.0.0.1:*"), 0);
    char ep[64];
    size_t len = sizeof ep;
    assert_int_equal(zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, ep, &len), 0);
    zmq_close(s);
    zmq_ctx_term(ctx);
    const char *colon = strrchr(ep, ':');
    assert_non_null(colon);
    return atoi(colon + 1);
}

static void test_close_waits_for_zeromq(void **state)
{
    (void)state;
    myl_ring *r = make_ring("zcsrc", SLOT, CAP), *other = make_ring("zcother", 16, 8);
    char ep[64];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", free_port());
    myl_bridge_opts eo = {
        .size = sizeof eo, .endpoint = ep, .batch = 2, .flags = MYL_BRIDGE_UNREGISTER};
    myl_bridge *ex, *keep;
    assert_int_equal(myl_bridge_export_open(r, &eo, &ex), 0);
    /* Keeps the process's ZeroMQ context alive past ex's close. */
    myl_bridge_opts ko = {.size = sizeof ko, .endpoint = "tcp://127.0.0.1:1"};
    assert_int_equal(myl_bridge_import_open(other, &ko, &keep), 0);

    myl_producer *p;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    for (uint64_t i = 0; i < CAP; i++) {
        uint64_t s = 0;
        assert_int_equal(myl_producer_try_claim(p, 1, &s), 0);
        memset(myl_producer_slot(p, s), pattern(s), SLOT);
        myl_producer_publish(p, s, 1);
    }

    /* The peer: its own context, small buffers, one message queued at
     * most. */
    void *pctx = zmq_ctx_new(), *peer = zmq_socket(pctx, ZMQ_DEALER);
    int one = 1, small = 4096, tmo = 2000;
    assert_int_equal(zmq_setsockopt(peer, ZMQ_RCVHWM, &one, sizeof one), 0);
    assert_int_equal(zmq_setsockopt(peer, ZMQ_RCVBUF, &small, sizeof small), 0);
    assert_int_equal(zmq_setsockopt(peer, ZMQ_RCVTIMEO, &tmo, sizeof tmo), 0);
    assert_int_equal(zmq_connect(peer, ep), 0);
    myl__br_msg h = {.session = 77,
                     .fingerprint = r->fingerprint,
                     .slot_size = SLOT,
                     .kind = MYL_BRIDGE_RAW,
                     .mode = MYL_MODE_GATED,
                     .next = MYL__BR_NONE,
                     .stream = 0};
    uint8_t hello[MYL__BR_HELLO_SIZE];
    size_t hn = myl__br_hello(hello, &h);
    assert_int_equal(zmq_send(peer, hello, hn, 0), (int)hn);

    /* The exporter sends until ZeroMQ holds frames it cannot write. */
    myl_bridge_stats st = {0};
    for (int i = 0; i < 400 && st.frames < 8; i++) {
        assert_true(myl_bridge_step(ex, 10000000) >= 0);
        myl_bridge_stats_get(ex, &st);
    }
    assert_true(st.frames >= 8);

    close_bridge(ex);
    /* Every slot back to the producer (the consumer is gone): poison. */
    for (uint64_t i = 0; i < CAP; i++) {
        uint64_t s = 0;
        assert_int_equal(myl_producer_claim(p, 1, &s, 5000000000), 0);
        memset(myl_producer_slot(p, s), POISON, SLOT);
        myl_producer_publish(p, s, 1);
    }

    /* Now read what arrives: events as published, never poison. */
    uint64_t events = 0;
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, peer, 0) < 0) {
            zmq_msg_close(&m);
            break; /* the exporter's socket is gone: nothing more */
        }
        const uint8_t *d = zmq_msg_data(&m);
        size_t n = zmq_msg_size(&m);
        if (n == SLOT) {
            for (size_t k = 0; k < n; k++)
                if (d[k] == POISON)
                    fail_msg("event frame %llu: byte %zu was overwritten while ZeroMQ sent it",
                             (unsigned long long)events, k);
            events++;
        }
        zmq_msg_close(&m);
    }
    print_message("the peer received %llu whole event frames\n", (unsigned long long)events);

    zmq_close(peer);
    zmq_ctx_term(pctx);
    myl_producer_close(p);
    close_bridge(keep);
    myl_ring_unlink(MYL_BACKING_SHM, r->name);
    myl_ring_unlink(MYL_BACKING_SHM, other->name);
    myl_ring_close(r);
    myl_ring_close(other);
}

/* An exporter whose bind fails (the port is taken) leaves nothing behind:
 * the same process opens it again, with the same consumer id, once the
 * port is free. The consumer used to be registered before the bind and
 * stayed registered under this live process: the retry found the id
 * taken (MYL_EEXIST) for as long as the process lived, which a topology
 * relay retrying its bridges in a loop hit as an endless refusal. */
static void test_failed_bind_leaves_no_consumer(void **state)
{
    (void)state;
    myl_ring *r = make_ring("zcbind", 64, 8);
    char ep[64];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", free_port());
    void *hctx = zmq_ctx_new(), *holder = zmq_socket(hctx, ZMQ_DEALER);
    assert_int_equal(zmq_bind(holder, ep), 0);
    myl_bridge_opts eo = {.size = sizeof eo, .endpoint = ep};
    myl_bridge *ex = NULL;
    assert_true(myl_bridge_export_open(r, &eo, &ex) < 0);
    assert_null(ex);
    zmq_close(holder);
    zmq_ctx_term(hctx);
    int rc = 0;
    for (int i = 0; i < 100; i++) { /* the port may take a moment to be free */
        rc = myl_bridge_export_open(r, &eo, &ex);
        if (rc != MYL_EINVAL)
            break;
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(rc, 0);
    close_bridge(ex);
    myl_ring_unlink(MYL_BACKING_SHM, r->name);
    myl_ring_close(r);
}

MYL_TEST_MAIN("bridge_zc", cmocka_unit_test(test_close_waits_for_zeromq),
              cmocka_unit_test(test_failed_bind_leaves_no_consumer))
