/* Unit tests for the bridge's pieces: the runtime's consumer rewind (held
 * events are polled again, the gate stays at the released position) and
 * the wire format's encoders and decoder. */
#define _GNU_SOURCE /* setenv */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "harness.h"
#include "myelon/bridge.h"
#include "myelon/myelon.h"
#include "wire.h"

static myl_ring *make_ring(const char *tag, uint32_t cap)
{
    myl_ring_opts o = {.size = sizeof o,
                       .name = myl_test_name(tag),
                       .slot_size = 16,
                       .capacity = cap,
                       .wait = MYL_WAIT_SPIN};
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

static void send_n(myl_producer *p, uint64_t from, uint64_t n)
{
    uint8_t ev[16] = {0};
    for (uint64_t i = from; i < from + n; i++) {
        memcpy(ev, &i, 8);
        assert_int_equal(myl_producer_try_send(p, ev), 0);
    }
}

static uint64_t value_at(myl_consumer *c, uint64_t seq)
{
    uint64_t v;
    memcpy(&v, myl_consumer_slot(c, seq), 8);
    return v;
}

static void test_rewind_replays_held(void **state)
{
    (void)state;
    myl_ring *r = make_ring("rewind", 8);
    myl_consumer *c;
    myl_producer *p;
    myl_consumer_opts co = {.size = sizeof co, .start = MYL_START_OLDEST};
    assert_int_equal(myl_consumer_open(r, "exp", &co, &c), 0);
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    send_n(p, 100, 8);
    uint64_t s, t;
    assert_int_equal(myl_consumer_try_poll(c, 8, &s), 8);
    assert_int_equal(s, 0);
    /* Read all eight, release none: the producer is gated at 0. */
    myl__consumer_hold(c, 8, 0);
    assert_int_equal(myl_consumer_try_poll(c, 8, &t), MYL_EAGAIN);
    assert_int_equal(myl_producer_try_claim(p, 1, &t), MYL_EAGAIN);
    /* Rewind: the same eight again, same contents. */
    myl__consumer_rewind(c);
    assert_int_equal(myl_consumer_try_poll(c, 8, &s), 8);
    assert_int_equal(s, 0);
    for (uint64_t i = 0; i < 8; i++)
        assert_int_equal(value_at(c, i), 100 + i);
    /* Acknowledge five: the producer gets exactly five slots. */
    myl__consumer_hold(c, 8, 5);
    assert_int_equal(myl_producer_try_claim(p, 5, &t), 0);
    assert_int_equal(t, 8);
    myl_producer_publish(p, t, 5);
    assert_int_equal(myl_producer_try_claim(p, 1, &t), MYL_EAGAIN);
    /* A rewind now goes back to 5, not to 0. */
    myl__consumer_rewind(c);
    assert_int_equal(myl_consumer_try_poll(c, 16, &s), 8);
    assert_int_equal(s, 5);
    assert_int_equal(value_at(c, 5), 105);
    myl_consumer_release(c, 8);
    /* After an ordinary release, rewind changes nothing. */
    myl__consumer_rewind(c);
    assert_int_equal(myl_consumer_try_poll(c, 1, &s), MYL_EAGAIN);
    assert_int_equal(c->next, 13);
    myl_producer_close(p);
    myl_consumer_close(c);
    myl_ring_unlink(MYL_BACKING_SHM, r->name);
    myl_ring_close(r);
}

/* A slot skipped (its MP claimer died) while the consumer holds events:
 * the skip must not release the held events (a bridge would lose them on
 * a reconnect), and a rewind goes back to the held position. */
static void test_skip_keeps_hold(void **state)
{
    (void)state;
    myl_ring_opts o = {.size = sizeof o,
                       .name = myl_test_name("skiphold"),
                       .slot_size = 16,
                       .capacity = 16,
                       .producers = MYL_PRODUCERS_MULTI,
                       .wait = MYL_WAIT_SPIN};
    myl_ring *r;
    myl_ring_unlink(MYL_BACKING_SHM, o.name);
    assert_int_equal(myl_ring_create(&o, &r), 0);
    myl_consumer *c;
    myl_producer *p;
    myl_consumer_opts co = {.size = sizeof co, .start = MYL_START_OLDEST, .stall_ns = 1000000};
    assert_int_equal(myl_consumer_open(r, "exp", &co, &c), 0);
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    send_n(p, 100, 3);
    pid_t pid = fork();
    if (pid == 0) {
        myl_producer *q;
        uint64_t t;
        if (myl_producer_open(r, NULL, &q) == 0 && myl_producer_try_claim(q, 1, &t) == 0)
            _exit(0); /* claimed sequence 3, never published */
        _exit(1);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    send_n(p, 104, 2);
    uint64_t s;
    assert_int_equal(myl_consumer_try_poll(c, 8, &s), 3);
    myl__consumer_hold(c, 3, 0);
    /* The dead claim is found and skipped; 4 and 5 follow. */
    assert_int_equal(myl_consumer_poll(c, 8, &s, 10000000000), 2);
    assert_int_equal(s, 4);
    assert_int_equal(value_at(c, 4), 104);
    myl_consumer_stats cs;
    assert_int_equal(myl_ring_consumer_stats(r, c->idx, &cs), 0);
    assert_int_equal(cs.seq, 0); /* still held */
    assert_int_equal(cs.skipped, 1);
    myl__consumer_rewind(c);
    assert_int_equal(myl_consumer_try_poll(c, 8, &s), 3);
    assert_int_equal(s, 0);
    /* An ordinary consumer's skip releases as before. */
    myl_consumer_release(c, 3);
    assert_int_equal(myl_consumer_poll(c, 8, &s, 10000000000), 2);
    assert_int_equal(s, 4);
    assert_int_equal(myl_ring_consumer_stats(r, c->idx, &cs), 0);
    assert_int_equal(cs.seq, 4);
    myl_producer_close(p);
    myl_consumer_close(c);
    myl_ring_unlink(MYL_BACKING_SHM, o.name);
    myl_ring_close(r);
}

static void test_wire_roundtrip(void **state)
{
    (void)state;
    uint8_t buf[512];
    myl__br_msg m, h = {.session = 0x1122334455667788u,
                        .fingerprint = 0xabcdef,
                        .slot_size = 64,
                        .kind = 2,
                        .mode = 1,
                        .next = 12345,
                        .stream = 77};
    size_t n = myl__br_hello(buf, &h);
    assert_int_equal(n, MYL__BR_HELLO_SIZE);
    assert_int_equal(myl__br_decode(buf, n, &m), 0);
    assert_int_equal(m.type, MYL__BR_HELLO);
    assert_true(m.session == h.session && m.fingerprint == h.fingerprint && m.slot_size == 64 &&
                m.kind == 2 && m.mode == 1 && m.next == 12345 && m.stream == 77);
    /* every shorter or longer HELLO is refused */
    for (size_t k = 0; k < n; k++)
        assert_int_equal(myl__br_decode(buf, k, &m), MYL_EINVAL);
    assert_int_equal(myl__br_decode(buf, n + 1, &m), MYL_EINVAL);

    n = myl__br_welcome(buf, 9, 10, 11, 2);
    assert_int_equal(myl__br_decode(buf, n, &m), 0);
    assert_true(m.type == MYL__BR_WELCOME && m.session == 9 && m.stream == 10 && m.start == 11 &&
                m.mode == 2);
    n = myl__br_ack(buf, 9, 42);
    assert_int_equal(myl__br_decode(buf, n, &m), 0);
    assert_true(m.type == MYL__BR_ACK && m.next == 42);
    n = myl__br_refuse(buf, 9, 1006, "bad\x01text");
    assert_int_equal(myl__br_decode(buf, n, &m), 0);
    assert_true(m.type == MYL__BR_REFUSE && m.reason == 1006);
    assert_string_equal(m.text, "bad?text");

    /* a batch: header + count * slot_size, exactly */
    n = myl__br_batch_hdr(buf, 9, 1000, 990, 3, 16);
    memset(buf + n, 0x5a, 48);
    assert_int_equal(myl__br_decode(buf, n + 48, &m), 0);
    assert_true(m.type == MYL__BR_BATCH && m.first == 1000 && m.prev == 990 && m.count == 3 &&
                m.slot_size == 16 && m.payload == buf + n);
    assert_int_equal(myl__br_decode(buf, n + 47, &m), MYL_EINVAL);
    assert_int_equal(myl__br_decode(buf, n + 49, &m), MYL_EINVAL);
    /* prev after first */
    n = myl__br_batch_hdr(buf, 9, 1000, 1001, 3, 16);
    assert_int_equal(myl__br_decode(buf, n + 48, &m), MYL_EINVAL);
    /* sequences that would wrap */
    n = myl__br_batch_hdr(buf, 9, UINT64_MAX - 1, 0, 3, 16);
    assert_int_equal(myl__br_decode(buf, n + 48, &m), MYL_EINVAL);
    /* count * slot_size overflowing 32 bits must not pass the length check */
    n = myl__br_batch_hdr(buf, 9, 0, 0, 0x10000, 0x10000);
    assert_int_equal(myl__br_decode(buf, n, &m), MYL_EINVAL);

    /* a BATCHZ: the 40-byte header frame alone (its events are frames of
     * their own), at most MYL__BR_MAX_PARTS of them */
    n = myl__br_batchz_hdr(buf, 9, 1000, 990, 3, 32768);
    assert_int_equal(n, MYL__BR_BATCH_HDR);
    assert_int_equal(myl__br_decode(buf, n, &m), 0);
    assert_true(m.type == MYL__BR_BATCHZ && m.first == 1000 && m.prev == 990 && m.count == 3 &&
                m.slot_size == 32768 && m.payload == NULL);
    assert_int_equal(myl__br_decode(buf, n + 1, &m), MYL_EINVAL);
    n = myl__br_batchz_hdr(buf, 9, 0, 0, MYL__BR_MAX_PARTS + 1, 16);
    assert_int_equal(myl__br_decode(buf, n, &m), MYL_EINVAL);
    n = myl__br_batchz_hdr(buf, 9, 0, 0, 65, 1u << 20); /* 65 MiB > MYL__BR_MAX_BYTES */
    assert_int_equal(myl__br_decode(buf, n, &m), MYL_EINVAL);

    /* another version (the previous one, 1): named, with its session */
    n = myl__br_ack(buf, 5, 1);
    buf[4] = 1;
    assert_int_equal(myl__br_decode(buf, n, &m), MYL_EVERSION);
    assert_int_equal(m.session, 5);
    /* bad magic, unknown type, nonzero reserved bytes */
    n = myl__br_ack(buf, 5, 1);
    buf[0] ^= 1;
    assert_int_equal(myl__br_decode(buf, n, &m), MYL_EINVAL);
    n = myl__br_put_hdr(buf, 99, 5);
    assert_int_equal(myl__br_decode(buf, n, &m), MYL_EINVAL);
    n = myl__br_put_hdr(buf, MYL__BR_PING, 5);
    assert_int_equal(myl__br_decode(buf, n, &m), 0);
    buf[6] = 1;
    assert_int_equal(myl__br_decode(buf, n, &m), MYL_EINVAL);
    /* flags: ACK_NOW on batches only, no other bit */
    n = myl__br_batch_hdr(buf, 9, 1000, 990, 1, 16) + 16;
    assert_int_equal(myl__br_decode(buf, n, &m), 0);
    assert_int_equal(m.flags, 0);
    myl__br_set_flags(buf, MYL__BR_F_ACK_NOW);
    assert_int_equal(myl__br_decode(buf, n, &m), 0);
    assert_int_equal(m.flags, MYL__BR_F_ACK_NOW);
    myl__br_set_flags(buf, 2);
    assert_int_equal(myl__br_decode(buf, n, &m), MYL_EINVAL);
    myl__br_set_flags(buf, 0x100);
    assert_int_equal(myl__br_decode(buf, n, &m), MYL_EINVAL);
    n = myl__br_batchz_hdr(buf, 9, 1000, 990, 3, 32768);
    myl__br_set_flags(buf, MYL__BR_F_ACK_NOW);
    assert_int_equal(myl__br_decode(buf, n, &m), 0);
    assert_int_equal(m.flags, MYL__BR_F_ACK_NOW);
    n = myl__br_ack(buf, 5, 1);
    myl__br_set_flags(buf, MYL__BR_F_ACK_NOW);
    assert_int_equal(myl__br_decode(buf, n, &m), MYL_EINVAL);
    assert_int_equal(myl__br_decode(NULL, 0, &m), MYL_EINVAL);
}

/* Read what the reader has (nothing, maybe), checking that event i
 * holds i. */
static void read_in_order(myl_consumer *c, uint64_t *got)
{
    uint64_t s;
    int64_t k = myl_consumer_try_poll(c, 64, &s);
    if (k == MYL_EAGAIN)
        return;
    assert_true(k > 0);
    for (int64_t i = 0; i < k; i++, (*got)++)
        assert_int_equal(value_at(c, s + (uint64_t)i), *got);
    myl_consumer_release(c, (uint32_t)k);
}

/* Publish events numbered *sent.. up to `until` into p's ring and step
 * both bridges (1 ms each) until the reader c has read every one, in
 * order; *moved_ex and *moved_im (when not NULL) add what the steps
 * report moving. */
static void step_until(myl_bridge *ex, myl_bridge *im, myl_producer *p, myl_consumer *c,
                       uint64_t *sent, uint64_t *got, uint64_t until, uint64_t *moved_ex,
                       uint64_t *moved_im)
{
    for (int spins = 0; *got < until;) {
        assert_true(++spins < 20000); /* a bridge that never delivers fails here */
        uint64_t t;
        while (*sent < until && myl_producer_try_claim(p, 1, &t) == 0) {
            memcpy(myl_producer_slot(p, t), sent, 8);
            myl_producer_publish(p, t, 1);
            (*sent)++;
        }
        int rc = myl_bridge_step(ex, 1000000);
        assert_true(rc >= 0);
        if (moved_ex)
            *moved_ex += (uint64_t)rc;
        rc = myl_bridge_step(im, 1000000);
        assert_true(rc >= 0);
        if (moved_im)
            *moved_im += (uint64_t)rc;
        read_in_order(c, got);
    }
}

/* An in-process pair: source ring a with its producer and exporter, ring
 * b with its importer and reader, over an ipc endpoint named after the
 * tag. */
typedef struct pair {
    myl_ring *a, *b;
    char ep[128];
    myl_bridge *ex, *im;
    myl_producer *p;
    myl_consumer *c;
} pair;

/* Rings of cap_a and cap_b slots, the exporter sending batches of
 * `batch`; ex_peer_ns and im_peer_ns: each side's peer timeout (0: the
 * default; a far one puts heartbeats beyond the test); refuse_acks: the
 * importer's ACKs refused (MYL_TEST_BRIDGE_ACK_REFUSE). */
static void open_pair(pair *x, const char *tag, uint32_t cap_a, uint32_t cap_b, uint32_t batch,
                      int64_t ex_peer_ns, int64_t im_peer_ns, bool refuse_acks)
{
    char na[32], nb[32];
    snprintf(na, sizeof na, "%sa", tag);
    snprintf(nb, sizeof nb, "%sb", tag);
    x->a = make_ring(na, cap_a);
    x->b = make_ring(nb, cap_b);
    snprintf(x->ep, sizeof x->ep, "ipc:///tmp/%s.sock", myl_test_name(tag));
    myl_bridge_opts eo = {.size = sizeof eo,
                          .endpoint = x->ep,
                          .batch = batch,
                          .peer_timeout_ns = ex_peer_ns},
                    io = {.size = sizeof io, .endpoint = x->ep, .peer_timeout_ns = im_peer_ns};
    assert_int_equal(myl_bridge_export_open(x->a, &eo, &x->ex), 0);
    if (refuse_acks)
        setenv("MYL_TEST_BRIDGE_ACK_REFUSE", "1", 1);
    assert_int_equal(myl_bridge_import_open(x->b, &io, &x->im), 0);
    unsetenv("MYL_TEST_BRIDGE_ACK_REFUSE");
    myl_consumer_opts co = {.size = sizeof co, .start = MYL_START_OLDEST};
    assert_int_equal(myl_consumer_open(x->b, "reader", &co, &x->c), 0);
    assert_int_equal(myl_producer_open(x->a, NULL, &x->p), 0);
}

/* Close a pair (either bridge may be closed already: NULL), the socket
 * file and both rings. */
static void close_pair(pair *x)
{
    myl_producer_close(x->p);
    myl_consumer_close(x->c);
    if (x->ex)
        close_bridge(x->ex);
    if (x->im)
        close_bridge(x->im);
    unlink(x->ep + strlen("ipc://")); /* ZeroMQ leaves the socket file */
    myl_ring_unlink(MYL_BACKING_SHM, x->a->name);
    myl_ring_unlink(MYL_BACKING_SHM, x->b->name);
    myl_ring_close(x->a);
    myl_ring_close(x->b);
}

/* The in-process bridge: exporter and importer driven by one thread's
 * myl_bridge_step calls only (no myl_bridge_run, no thread of their own)
 * carry every event, in order, and an idle step with timeout 0 returns 0
 * at once. */
static void step_inprocess(const char *tag, bool refuse_acks)
{
    /* A peer timeout far beyond the test's: only an ACK can move the
     * exporter on, never the importer's heartbeat. */
    pair x;
    open_pair(&x, tag, 64, 64, 16, 0, refuse_acks ? INT64_C(600000000000) : 0, refuse_acks);
    myl_bridge *ex = x.ex, *im = x.im;
    myl_consumer *c = x.c;
    myl_producer *p = x.p;
    /* Nothing to do: a zero-timeout step returns 0 without waiting. */
    assert_true(myl_bridge_step(ex, 0) >= 0);
    assert_true(myl_bridge_step(im, 0) >= 0);
    const uint64_t n = 1000;
    uint64_t sent = 0, got = 0, moved_ex = 0, moved_im = 0;
    step_until(ex, im, p, c, &sent, &got, n, &moved_ex, &moved_im);
    assert_int_equal(moved_ex, n);
    assert_int_equal(moved_im, n);
    myl_bridge_stats st;
    myl_bridge_stats_get(im, &st);
    assert_int_equal(st.messages, n);
    assert_int_equal(st.drops, 0);
    close_pair(&x);
}

/* Rings in files (MYL_BACKING_FILE): each bridge keeps its state in a
 * file next to its ring (ring path + ".bridge-export" / "-import"),
 * readable by myl_bridge_stats_read; bridges opened again on the same
 * rings resume from it, so the reader gets every event once, in order. */
static void test_file_rings(void **state)
{
    (void)state;
    char dir[] = "/tmp/myl-brfile-XXXXXX", pa[96], pb[96], ep[160];
    assert_non_null(mkdtemp(dir));
    snprintf(pa, sizeof pa, "%s/a.ring", dir);
    snprintf(pb, sizeof pb, "%s/b.ring", dir);
    snprintf(ep, sizeof ep, "ipc://%s/sock", dir);
    myl_ring *a, *b;
    myl_ring_opts o = {.size = sizeof o,
                       .name = pa,
                       .backing = MYL_BACKING_FILE,
                       .slot_size = 16,
                       .capacity = 64,
                       .wait = MYL_WAIT_SPIN};
    assert_int_equal(myl_ring_create(&o, &a), 0);
    o.name = pb;
    assert_int_equal(myl_ring_create(&o, &b), 0);
    myl_producer *p;
    myl_consumer *c;
    myl_consumer_opts co = {.size = sizeof co, .start = MYL_START_OLDEST};
    assert_int_equal(myl_producer_open(a, NULL, &p), 0);
    assert_int_equal(myl_consumer_open(b, "reader", &co, &c), 0);
    uint64_t sent = 0, got = 0;
    for (int round = 0; round < 2; round++) {
        myl_bridge_opts eo = {.size = sizeof eo, .endpoint = ep, .batch = 16},
                        io = {.size = sizeof io, .endpoint = ep};
        myl_bridge *ex, *im;
        assert_int_equal(myl_bridge_export_open(a, &eo, &ex), 0);
        assert_int_equal(myl_bridge_import_open(b, &io, &im), 0);
        char want[128];
        snprintf(want, sizeof want, "%s.bridge-export", pa);
        assert_string_equal(myl_bridge_state_name(ex), want);
        snprintf(want, sizeof want, "%s.bridge-import", pb);
        assert_string_equal(myl_bridge_state_name(im), want);
        step_until(ex, im, p, c, &sent, &got, sent + 300, NULL, NULL);
        myl_bridge_close(ex);
        myl_bridge_close(im);
        /* The counters outlive the bridges, in their files. */
        myl_bridge_stats st;
        bool exporting = true;
        int32_t pid = 0;
        assert_int_equal(myl_bridge_stats_read(MYL_BACKING_FILE, want, &st, &exporting, &pid), 0);
        assert_false(exporting);
        assert_int_equal(pid, (int32_t)getpid());
        assert_int_equal(st.messages, 300u * (uint64_t)(round + 1)); /* kept across opens */
        assert_int_equal(st.duplicates, 0);
    }
    assert_int_equal(got, 600);
    myl_producer_close(p);
    myl_consumer_close(c);
    myl_ring_close(a);
    myl_ring_close(b);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* Options a bridge cannot honour are refused at open (MYL_EINVAL), before
 * a socket, a consumer or a state object exists; the largest time ZeroMQ's
 * int milliseconds hold is accepted, one more is not. */
static void test_open_refuses_bad_options(void **state)
{
    (void)state;
    myl_ring *r = make_ring("bropts", 64);
    char ep[96];
    snprintf(ep, sizeof ep, "ipc:///tmp/myl-bropts-%d.sock", (int)getpid());
    const myl_bridge_opts base = {.size = sizeof base, .endpoint = ep};
    myl_bridge_opts bad[9];
    for (int i = 0; i < 9; i++)
        bad[i] = base;
    bad[0].kind = 3;
    bad[1].kind = MYL_BRIDGE_FRAMED; /* 16-byte slots hold no frame header */
    bad[2].reconnect_ns = -1;
    bad[3].peer_timeout_ns = -1;
    bad[4].reconnect_ns = MYL__BR_MAX_TIME_NS + 1;
    bad[5].peer_timeout_ns = MYL__BR_MAX_TIME_NS + 1;
    bad[6].start = MYL_BRIDGE_START_LIVE + 1;
    bad[7].flags = 0x80000000u;
    bad[8].hwm = (uint32_t)INT32_MAX + 1;
    /* Each failed open sets *out to NULL (b starts elsewhere). */
    myl_bridge *b;
    for (int i = 0; i < 9; i++) {
        b = (myl_bridge *)&b;
        assert_int_equal(myl_bridge_export_open(r, &bad[i], &b), MYL_EINVAL);
        assert_null(b);
        b = (myl_bridge *)&b;
        assert_int_equal(myl_bridge_import_open(r, &bad[i], &b), MYL_EINVAL);
        assert_null(b);
    }
    /* Missing arguments: refused, not "opened" with *out NULL. */
    myl_bridge_opts none = base;
    none.endpoint = NULL;
    b = (myl_bridge *)&b;
    assert_int_equal(myl_bridge_export_open(r, &none, &b), MYL_EINVAL);
    assert_null(b);
    b = (myl_bridge *)&b;
    assert_int_equal(myl_bridge_import_open(r, &none, &b), MYL_EINVAL);
    assert_null(b);
    assert_int_equal(myl_bridge_export_open(NULL, &base, &b), MYL_EINVAL);
    assert_int_equal(myl_bridge_import_open(r, NULL, &b), MYL_EINVAL);
    assert_int_equal(myl_bridge_export_open(r, &base, NULL), MYL_EINVAL);
    assert_int_equal(myl_bridge_import_open(r, &base, NULL), MYL_EINVAL);
    /* Nothing was left behind: the default consumer id is free. */
    myl_bridge_opts edge = base;
    edge.reconnect_ns = edge.peer_timeout_ns = MYL__BR_MAX_TIME_NS;
    assert_int_equal(myl_bridge_export_open(r, &edge, &b), 0);
    close_bridge(b);
    myl_ring_unlink(MYL_BACKING_SHM, r->name);
    myl_ring_close(r);
}

static void test_step_inprocess(void **state)
{
    (void)state;
    step_inprocess("step", false);
}

/* An ACK that ZeroMQ refuses (EAGAIN: the high-water mark of the
 * importer's outgoing pipe, hit when its I/O thread lags) must be sent
 * again as soon as it can, not dropped: a dropped last ACK of a burst
 * left the exporter with a full window until the importer's next
 * heartbeat (peer timeout / 4, 750 ms by default), the bimodal 64 B
 * streaming of docs/PERFORMANCE.md. Here every ACK is refused except
 * the importer's retries of a refused one, and the heartbeat is 150 s
 * away: without the retry the exporter stops once the 64-slot ring is
 * held, and the step loop's bound fails the test. */
static void test_step_ack_refused(void **state)
{
    (void)state;
    step_inprocess("stepack", true);
}

static uint64_t acked_position(myl_bridge *ex)
{
    myl_bridge_stats st;
    myl_bridge_stats_get(ex, &st);
    return st.position;
}

/* Step the exporter until it has the importer's ACK for everything below
 * want (the importer is not stepped meanwhile); false if it never comes. */
static bool ack_arrives(myl_bridge *ex, uint64_t want)
{
    for (int i = 0; i < 3000 && acked_position(ex) < want; i++)
        assert_true(myl_bridge_step(ex, 1000000) >= 0);
    return acked_position(ex) >= want;
}

/* Step both until the reader has seen `want` events in all. */
static void deliver(myl_bridge *ex, myl_bridge *im, myl_consumer *c, uint64_t *got, uint64_t want)
{
    for (int spins = 0; *got < want; spins++) {
        assert_true(spins < 20000);
        assert_true(myl_bridge_step(ex, 1000000) >= 0);
        assert_true(myl_bridge_step(im, 1000000) >= 0);
        read_in_order(c, got);
    }
}

/* Acknowledgements (wire version 3): a batch sent while little of the
 * exporter's ring waits is acknowledged by the importer's first step
 * after MYL__BR_ACK_DELAY_NS, not by the step that published it (a round
 * trip then sends one message a leg); a batch flagged ACK_NOW (half the
 * ring waiting) is acknowledged by the step that published it. The
 * importer is never stepped while the test waits for an ACK, so each
 * check is of which step sent it, not of timing. */
static void test_ack_deferred(void **state)
{
    (void)state;
    /* Heartbeats (a quarter of the peer timeout) far beyond the test. */
    pair x;
    open_pair(&x, "ackd", 64, 64, 64, INT64_C(600000000000), INT64_C(600000000000), false);
    myl_bridge *ex = x.ex, *im = x.im;
    myl_consumer *c = x.c;
    myl_producer *p = x.p;
    uint64_t got = 0;

    /* One event: 1 of 64 slots waits, no ACK_NOW; the publishing step
     * owes the ACK and does not send it. */
    send_n(p, 0, 1);
    deliver(ex, im, c, &got, 1);
    assert_false(ack_arrives(ex, 1));
    /* The importer's next step, past the delay, sends it. */
    assert_true(myl_bridge_step(im, 5000000) >= 0);
    assert_true(ack_arrives(ex, 1));

    /* 40 events in one batch: 40 of 64 slots wait, ACK_NOW; acknowledged
     * by the step that published them. */
    send_n(p, 1, 40);
    deliver(ex, im, c, &got, 41);
    assert_true(ack_arrives(ex, 41));

    close_pair(&x);
}

/* A step ends when acknowledgements made room in the exporter's ring:
 * its caller may be the ring's producer, waiting for that room, and
 * nothing else will come to move (the producer is this thread). The
 * step used to wait on its own ring then, until its deadline: with
 * MYL_FOREVER, for ever (the alarm fails the test). */
static void test_step_returns_on_room(void **state)
{
    (void)state;
    pair x;
    open_pair(&x, "room", 8, 8, 16, 0, 0, false);
    myl_bridge *ex = x.ex, *im = x.im;
    myl_consumer *c = x.c;
    myl_producer *p = x.p;
    /* The whole ring in one batch: every slot waits, so the batch asks
     * for its ACK at once, and the importer's step that publishes it
     * sends the ACK; the exporter has not read it yet. */
    send_n(p, 0, 8);
    uint64_t got = 0, t;
    deliver(ex, im, c, &got, 8);
    assert_true(acked_position(ex) < 8);
    assert_int_equal(myl_producer_try_claim(p, 1, &t), MYL_EAGAIN);
    alarm(60);
    assert_true(myl_bridge_step(ex, MYL_FOREVER) >= 0);
    alarm(0);
    assert_int_equal(acked_position(ex), 8);
    assert_int_equal(myl_producer_try_claim(p, 1, &t), 0);
    myl_producer_publish(p, t, 1);
    close_pair(&x);
}

/* An importer's step never waits past its deadline for room in its
 * ring: the thread that steps it may be the ring's reader. A batch of 16
 * into a ring of 8, stepped with timeout 0 by a reader that takes one
 * event at a time: each step publishes what fits and keeps the rest for
 * the next. The step used to wait for room for ever (the alarm fails the
 * test). */
static void test_step_import_full_ring(void **state)
{
    (void)state;
    pair x;
    open_pair(&x, "full", 64, 8, 16, 0, 0, false);
    myl_bridge *ex = x.ex, *im = x.im;
    myl_consumer *c = x.c;
    myl_producer *p = x.p;
    send_n(p, 0, 16);
    alarm(60);
    uint64_t got = 0;
    bool was_full = false;
    for (int spins = 0; got < 16; spins++) {
        assert_true(spins < 20000);
        assert_true(myl_bridge_step(ex, 1000000) >= 0);
        assert_true(myl_bridge_step(im, 0) >= 0);
        uint64_t s;
        int64_t n = myl_consumer_try_poll(c, 8, &s);
        if (n == 8)
            was_full = true;
        if (n > 0) {
            assert_int_equal(value_at(c, s), got);
            got++;
            myl_consumer_release(c, 1);
        }
    }
    alarm(0);
    assert_true(was_full); /* the batch did not fit at once */
    myl_bridge_stats st;
    myl_bridge_stats_get(im, &st);
    assert_int_equal(st.messages, 16);
    assert_int_equal(st.duplicates, 0);
    close_pair(&x);
}

/* A kept batch's events that did fit are acknowledged, here by the
 * importer's close (it drops the rest, which the exporter still holds
 * and would send again): the exporter's position reaches 8 of 16. */
static void test_held_batch_close_acks(void **state)
{
    (void)state;
    /* Heartbeats (a quarter of the peer timeout) far beyond the test:
     * only the close can acknowledge. */
    pair x;
    open_pair(&x, "held", 64, 8, 16, INT64_C(600000000000), INT64_C(600000000000), false);
    send_n(x.p, 0, 16);
    alarm(60);
    uint64_t s;
    for (int spins = 0; myl_consumer_try_poll(x.c, 8, &s) != 8; spins++) {
        assert_true(spins < 20000);
        assert_true(myl_bridge_step(x.ex, 1000000) >= 0);
        assert_true(myl_bridge_step(x.im, 0) >= 0);
    }
    assert_int_equal(acked_position(x.ex), 0);
    close_bridge(x.im);
    x.im = NULL;
    assert_true(ack_arrives(x.ex, 8));
    assert_int_equal(acked_position(x.ex), 8);
    alarm(0);
    close_pair(&x);
}

/* glibc's own allocator: a sanitizer brings its own, which mallopt and
 * mallinfo2 do not describe. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED_MALLOC 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED_MALLOC 1
#endif
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33) && !defined(SANITIZED_MALLOC)
#define GLIBC_MALLOC 1
#endif

#ifdef GLIBC_MALLOC
/* In a fresh child (keep: after myl_bridge_keep_memory()): bit 0, the
 * first 1 MiB allocation got a mapping of its own; bit 1, after four
 * 1 MiB blocks of the heap were freed the heap gave memory back. */
static int malloc_habits(bool keep)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (keep && myl_bridge_keep_memory() != 0)
            _exit(9);
        int bits = 0;
        size_t before = mallinfo2().hblkhd;
        void *p = malloc(1 << 20);
        if (!p)
            _exit(9);
        memset(p, 1, 1 << 20);
        bits |= mallinfo2().hblkhd > before;
        free(p); /* glibc raises its mapping threshold past 1 MiB here */
        void *q[4];
        for (int i = 0; i < 4; i++)
            if (!(q[i] = malloc(1 << 20)))
                _exit(9);
        size_t held = mallinfo2().arena;
        for (int i = 3; i >= 0; i--)
            free(q[i]);
        bits |= (mallinfo2().arena < held) << 1;
        _exit(bits);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) != 9);
    return WEXITSTATUS(st);
}
#endif

/* myl_bridge_keep_memory: a 1 MiB message comes from the heap, and freed
 * messages stay there, where by default the first maps fresh pages and
 * freeing gives memory back to the kernel (to be mapped fresh again). */
static void test_keep_memory(void **state)
{
    (void)state;
#ifdef GLIBC_MALLOC
    assert_int_equal(malloc_habits(false), 3);
    assert_int_equal(malloc_habits(true), 0);
#elif !defined(__GLIBC__)
    assert_int_equal(myl_bridge_keep_memory(), -ENOTSUP);
#else
    printf("[ skip     ] a sanitizer's allocator is not glibc's\n");
#endif
}

MYL_TEST_MAIN("bridge_unit", cmocka_unit_test(test_rewind_replays_held),
              cmocka_unit_test(test_skip_keeps_hold), cmocka_unit_test(test_wire_roundtrip),
              cmocka_unit_test(test_step_inprocess), cmocka_unit_test(test_step_ack_refused),
              cmocka_unit_test(test_file_rings), cmocka_unit_test(test_ack_deferred),
              cmocka_unit_test(test_step_returns_on_room),
              cmocka_unit_test(test_step_import_full_ring),
              cmocka_unit_test(test_held_batch_close_acks), cmocka_unit_test(test_keep_memory),
              cmocka_unit_test(test_open_refuses_bad_options))
