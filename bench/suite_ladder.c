/* The layer ladder: messages of 64 B .. 2 MB through the raw ring (one
 * slot of the message's size), framed rings (64 KiB frames), the compact
 * codec and FlatBuffers built and read in place (both over the generated
 * channels of bench/suite.myl, the same 64 KiB frames). Round trip against
 * the copy floor of the same size, streaming against the cross-core copy
 * pipeline; spin waits (two processes on two cores).
 *
 * Every layer ends with the payload in the receiver's own memory, checked:
 * copied out of the ring unless reassembly already copied it. The echo
 * server of the compact rung decodes and re-encodes, the FlatBuffers one
 * verifies, reads and builds a new message. */
#define _GNU_SOURCE
#include "suite.h"

#include <unistd.h>

#include "suite.myl.h"

enum { L_FRAMED, L_COMPACT, L_FB };
static const char *const layer_names[] = {"framed", "compact", "flatbuffers"};

#define MAX_MSG ((size_t)4 << 20)

typedef struct lad_ctx {
    int layer;
    uint32_t size;
    bool full;
    char na[64], nb[64];
    myl_ring *ra, *rb; /* created before fork: a = parent to child */
    myl_ring *ca, *cb; /* attached in the child */
    myl_framer *f;
    myl_defrag *d;
    suite_cblob_sender cs;
    suite_cblob_receiver cr;
    suite_fbblob_sender fs;
    suite_fbblob_receiver fr;
    uint8_t *src, *dst, *buf; /* buf: encoder or builder overflow, MAX_MSG */
} lad_ctx;

static const myl_frame_opts lad_fopts = {.size = sizeof(myl_frame_opts), .max_message = MAX_MSG};

static int lad_init(lad_ctx *x, int layer, uint32_t size, bool full, bool two)
{
    memset(x, 0, sizeof *x);
    x->layer = layer;
    x->size = size;
    x->full = full;
    snprintf(x->na, sizeof x->na, "myl-suite-lad-a-%d", (int)getpid());
    snprintf(x->nb, sizeof x->nb, "myl-suite-lad-b-%d", (int)getpid());
    int rc = 0;
    switch (layer) {
    case L_FRAMED:
        x->ra = suite_ring(x->na, 65536, 64, MYL_WAIT_SPIN, MYL_PRODUCERS_SINGLE);
        if (two)
            x->rb = suite_ring(x->nb, 65536, 64, MYL_WAIT_SPIN, MYL_PRODUCERS_SINGLE);
        break;
    case L_COMPACT:
        suite_cblob_unlink(x->na);
        rc = suite_cblob_create(x->na, &x->ra);
        if (two && rc == 0) {
            suite_cblob_unlink(x->nb);
            rc = suite_cblob_create(x->nb, &x->rb);
        }
        break;
    default:
        suite_fbblob_unlink(x->na);
        rc = suite_fbblob_create(x->na, &x->ra);
        if (two && rc == 0) {
            suite_fbblob_unlink(x->nb);
            rc = suite_fbblob_create(x->nb, &x->rb);
        }
        break;
    }
    x->src = malloc(size);
    x->dst = malloc(size);
    x->buf = malloc(MAX_MSG);
    pay_fill(x->src, size);
    return rc;
}

static void lad_fini(lad_ctx *x)
{
    if (x->ra)
        myl_ring_close(x->ra);
    if (x->rb)
        myl_ring_close(x->rb);
    myl_ring_unlink(MYL_BACKING_SHM, x->na);
    myl_ring_unlink(MYL_BACKING_SHM, x->nb);
    free(x->src);
    free(x->dst);
    free(x->buf);
}

/* Open the sending end on ring s and the receiving end on ring r (either
 * may be NULL). */
static int lad_open_ends(lad_ctx *x, myl_ring *s, myl_ring *r, const char *id)
{
    int rc = 0;
    switch (x->layer) {
    case L_FRAMED:
        if (s)
            rc = myl_framer_open(s, NULL, &lad_fopts, &x->f);
        if (r && rc == 0)
            rc = myl_defrag_open(r, id, NULL, &lad_fopts, &x->d);
        break;
    case L_COMPACT:
        if (s)
            rc = suite_cblob_sender_open(s, NULL, &x->cs);
        if (r && rc == 0)
            rc = suite_cblob_receiver_open(r, id, NULL, &x->cr);
        break;
    default:
        if (s)
            rc = suite_fbblob_sender_open(s, NULL, &x->fs);
        if (r && rc == 0)
            rc = suite_fbblob_receiver_open(r, id, NULL, &x->fr);
        break;
    }
    return rc;
}

static myl_producer *lad_producer(lad_ctx *x)
{
    switch (x->layer) {
    case L_FRAMED:
        return myl_framer_producer(x->f);
    case L_COMPACT:
        return myl_framer_producer(x->cs.f);
    default:
        return myl_framer_producer(x->fs.f);
    }
}

static int lad_open(void *ctx, bool child)
{
    lad_ctx *x = ctx;
    if (child) {
        myl_ring_opts o = {.size = sizeof o, .flags = MYL_SEG_PREFAULT};
        o.name = x->na;
        if (myl_ring_attach(&o, &x->ca) < 0)
            return -1;
        if (x->rb) {
            o.name = x->nb;
            if (myl_ring_attach(&o, &x->cb) < 0)
                return -1;
        }
        return lad_open_ends(x, x->cb, x->ca, "echo") < 0 ? -1 : 0;
    }
    if (lad_open_ends(x, x->ra, x->rb, "pinger") < 0)
        return -1;
    return myl_producer_wait_consumers(lad_producer(x), "echo", 1, 30000000000) < 0 ? -1 : 0;
}

static void lad_close(void *ctx, bool child)
{
    lad_ctx *x = ctx;
    if (x->f)
        myl_framer_close(x->f);
    if (x->d)
        myl_defrag_close(x->d);
    if (x->cs.f)
        suite_cblob_sender_close(&x->cs);
    if (x->cr.d)
        suite_cblob_receiver_close(&x->cr);
    if (x->fs.f)
        suite_fbblob_sender_close(&x->fs);
    if (x->fr.d)
        suite_fbblob_receiver_close(&x->fr);
    x->f = NULL;
    x->d = NULL;
    x->cs.f = NULL;
    x->cr.d = NULL;
    x->fs.f = NULL;
    x->fr.d = NULL;
    if (child) {
        if (x->ca)
            myl_ring_close(x->ca);
        if (x->cb)
            myl_ring_close(x->cb);
    }
}

/* Send one message of x->size bytes from p (its number already stamped). */
static int lad_send(lad_ctx *x, const uint8_t *p, uint64_t seq)
{
    switch (x->layer) {
    case L_FRAMED:
        return myl_frame_send(x->f, p, x->size, 0, MYL_FOREVER);
    case L_COMPACT: {
        suite_Blob m;
        suite_Blob_init(&m);
        m.seq = seq;
        m.data.p = p;
        m.data.n = x->size;
        return suite_cblob_sender_put(&x->cs, &m, x->buf, MAX_MSG, 0, MYL_FOREVER);
    }
    default: {
        myl_fb_builder b;
        myl_frame_span span;
        myl_fb_ref data, root;
        int rc =
            suite_fbblob_sender_build_begin(&x->fs, &b, x->buf, MAX_MSG, 0, &span, MYL_FOREVER);
        if (rc < 0)
            return rc;
        /* p stays unchanged until the commit: a large vector is copied
         * once, straight into the frames */
        myl_fb_builder_defer(&b);
        if ((rc = suite_Blob_create_data(&b, p, x->size, &data)) < 0 ||
            (rc = suite_Blob_create(&b, seq, data, &root)) < 0) {
            myl_frame_abort(x->fs.f, &span);
            return rc;
        }
        return suite_fbblob_sender_build_commit(&x->fs, &b, root, &span, 0, MYL_FOREVER);
    }
    }
}

/* Receive one message: *p and *seq describe its payload (in the ring, the
 * reassembly buffer or the decoded message), valid until lad_release().
 * *borrowed: still in the ring. */
static int lad_recv(lad_ctx *x, const uint8_t **p, size_t *n, uint64_t *seq, bool *borrowed)
{
    myl_frame_msg m;
    int rc;
    switch (x->layer) {
    case L_FRAMED:
        rc = myl_defrag_recv(x->d, &m, MYL_FOREVER);
        if (rc < 0)
            return rc;
        *p = m.data;
        *n = m.len;
        *seq = UINT64_MAX; /* the stamp is in the payload */
        *borrowed = m.borrowed;
        return 0;
    case L_COMPACT: {
        suite_Blob b;
        rc = suite_cblob_receiver_get(&x->cr, &b, NULL, &m, MYL_FOREVER);
        if (rc < 0)
            return rc;
        *p = b.data.p;
        *n = b.data.n;
        *seq = b.seq;
        *borrowed = m.borrowed;
        return 0;
    }
    default: {
        suite_Blob_table t;
        rc = suite_fbblob_receiver_read(&x->fr, &m, &t, MYL_FOREVER);
        if (rc < 0)
            return rc;
        myl_fb_vec v = suite_Blob_data(t);
        *p = v.data;
        *n = v.len;
        *seq = suite_Blob_seq(t);
        *borrowed = m.borrowed;
        return 0;
    }
    }
}

static void lad_release(lad_ctx *x)
{
    switch (x->layer) {
    case L_FRAMED:
        myl_defrag_release(x->d);
        break;
    case L_COMPACT:
        suite_cblob_receiver_release(&x->cr);
        break;
    default:
        suite_fbblob_receiver_release(&x->fr);
        break;
    }
}

/* Whether a received message is message seq: its length, the codec's
 * number (when it has one) and the payload. */
static bool lad_ok(const lad_ctx *x, const uint8_t *p, size_t n, uint64_t mseq, uint64_t seq)
{
    if (n != x->size)
        return false;
    if (mseq != UINT64_MAX && mseq != seq)
        return false;
    return pay_ok(p, n, seq, x->full);
}

static int lad_echo(void *ctx, int iters, uint64_t *seq)
{
    lad_ctx *x = ctx;
    int bad = 0;
    for (int i = 0; i < iters; i++) {
        const uint8_t *p;
        size_t n;
        uint64_t ms;
        bool borrowed;
        if (lad_recv(x, &p, &n, &ms, &borrowed) < 0)
            return bad + iters - i;
        if (!lad_ok(x, p, n, ms, *seq))
            bad++;
        /* reply with what came in (sent before the release: p may point
         * into the ring) */
        if (n != x->size || lad_send(x, p, *seq) < 0)
            bad++;
        lad_release(x);
        ++*seq;
    }
    return bad;
}

static int lad_ping(void *ctx, int iters, uint64_t *seq, uint64_t *ns)
{
    lad_ctx *x = ctx;
    int bad = 0;
    for (int i = 0; i < iters; i++) {
        pay_stamp(x->src, x->size, *seq);
        uint64_t t0 = now_ns();
        if (lad_send(x, x->src, *seq) < 0)
            return bad + iters - i;
        const uint8_t *p;
        size_t n;
        uint64_t ms;
        bool borrowed;
        if (lad_recv(x, &p, &n, &ms, &borrowed) < 0)
            return bad + iters - i;
        /* The reply ends in our memory: copied out of the ring, or
         * already copied by reassembly (checked there, before release). */
        bool ok = true;
        if (borrowed && n <= x->size)
            memcpy(x->dst, p, n);
        else
            ok = lad_ok(x, p, n, ms, *seq);
        lad_release(x);
        ns[i] = now_ns() - t0;
        if (borrowed)
            ok = lad_ok(x, x->dst, n, ms, *seq);
        if (!ok)
            bad++;
        ++*seq;
    }
    return bad;
}

static const rt_ops lad_rt_ops = {lad_open, lad_echo, lad_ping, lad_close};

static int lad_stream_recv(void *ctx, uint64_t total)
{
    lad_ctx *x = ctx;
    int bad = 0;
    for (uint64_t s = 0; s < total; s++) {
        const uint8_t *p;
        size_t n;
        uint64_t ms;
        bool borrowed;
        if (lad_recv(x, &p, &n, &ms, &borrowed) < 0)
            return bad + 1;
        const uint8_t *mine = p;
        if (borrowed && n <= x->size) {
            memcpy(x->dst, p, n);
            mine = x->dst;
        }
        if (!lad_ok(x, mine, n, ms, s))
            bad++;
        lad_release(x);
    }
    return bad;
}

static int lad_stream_send(void *ctx, uint64_t total)
{
    lad_ctx *x = ctx;
    for (uint64_t s = 0; s < total; s++) {
        pay_stamp(x->src, x->size, s);
        if (lad_send(x, x->src, s) < 0)
            return 1;
    }
    return 0;
}

static const st_ops lad_st_ops = {lad_open, lad_stream_recv, lad_stream_send, lad_close};

/* One process plays both sides: n round trips of the ping (send, receive
 * the reply, copy it out, check) and the echo (receive, check, reply). No
 * wait ever spins, so under callgrind the instruction count of
 * lad_cost_loop is the layer's own work per message (suite --cost). */
__attribute__((noinline)) static int lad_cost_loop(lad_ctx *ping, lad_ctx *echo, int n)
{
    int bad = 0;
    uint64_t ps = 0, es = 0;
    for (int i = 0; i < n; i++) {
        pay_stamp(ping->src, ping->size, ps);
        if (lad_send(ping, ping->src, ps) < 0)
            return n;
        bad += lad_echo(echo, 1, &es);
        const uint8_t *p;
        size_t len;
        uint64_t ms;
        bool borrowed;
        if (lad_recv(ping, &p, &len, &ms, &borrowed) < 0)
            return n;
        const uint8_t *mine = p;
        if (borrowed && len <= ping->size) {
            memcpy(ping->dst, p, len);
            mine = ping->dst;
        }
        if (!lad_ok(ping, mine, len, ms, ps))
            bad++;
        lad_release(ping);
        ps++;
    }
    return bad;
}

int suite_ladder_cost(const char *layer, uint32_t size, int n)
{
    int l = -1;
    for (int i = L_FRAMED; i <= L_FB; i++)
        if (!strcmp(layer, layer_names[i]))
            l = i;
    if (l < 0)
        return -1;
    lad_ctx a, b;
    if (lad_init(&a, l, size, false, true) < 0)
        return -1;
    /* the echo's ends on the same two rings, through a second context */
    b = a;
    b.src = b.dst = b.buf = NULL;
    b.buf = malloc(MAX_MSG);
    b.dst = malloc(size);
    int rc = -1;
    if (lad_open_ends(&b, a.rb, a.ra, "echo") == 0 &&
        lad_open_ends(&a, a.ra, a.rb, "pinger") == 0) {
        lad_cost_loop(&a, &b, 4); /* warm */
        rc = lad_cost_loop(&a, &b, n);
    }
    lad_close(&a, false);
    lad_close(&b, false);
    free(b.buf);
    free(b.dst);
    lad_fini(&a);
    return rc;
}

void suite_ladder(suite *S)
{
    static const uint32_t sizes[] = {64, 256, 1024, 4096, 16384, 65536, 262144, 1 << 20, 2 << 20};
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
        uint32_t size = sizes[z];
        int iters = suite_iters(S, size);
        uint64_t count = suite_count(S, size);
        /* round trips: raw, then the three framed layers */
        if (suite_case(S, "round trip %u B: raw", size)) {
            raw_ctx x;
            raw_ctx_init(&x, "lad", size, MYL_WAIT_SPIN, S->smoke, true);
            rt_run(S, "raw", MYL_WAIT_SPIN, size, &raw_rt_ops, &x, size, MYL_WAIT_SPIN, iters);
            raw_ctx_fini(&x);
        }
        for (int l = L_FRAMED; l <= L_FB; l++) {
            if (!suite_case(S, "round trip %u B: %s", size, layer_names[l]))
                continue;
            lad_ctx x;
            if (lad_init(&x, l, size, S->smoke, true) < 0)
                suite_fail(S, "ladder %s: create", layer_names[l]);
            else
                rt_run(S, layer_names[l], MYL_WAIT_SPIN, size, &lad_rt_ops, &x, size, MYL_WAIT_SPIN,
                       iters);
            lad_fini(&x);
        }
        /* streaming: the copy pipeline, the four layers, the pipeline
         * again (the baseline brackets the layers in time) */
        if (suite_case(S, "stream %u B: copy pipeline", size))
            st_copy(S, MYL_WAIT_SPIN, size, count);
        if (suite_case(S, "stream %u B: raw", size)) {
            raw_ctx x;
            raw_ctx_init(&x, "lads", size, MYL_WAIT_SPIN, S->smoke, false);
            st_run(S, "raw", MYL_WAIT_SPIN, size, &raw_st_ops, &x, count);
            raw_ctx_fini(&x);
        }
        for (int l = L_FRAMED; l <= L_FB; l++) {
            if (!suite_case(S, "stream %u B: %s", size, layer_names[l]))
                continue;
            lad_ctx x;
            if (lad_init(&x, l, size, S->smoke, false) < 0)
                suite_fail(S, "ladder %s: create", layer_names[l]);
            else
                st_run(S, layer_names[l], MYL_WAIT_SPIN, size, &lad_st_ops, &x, count);
            lad_fini(&x);
        }
        if (suite_case(S, "stream %u B: copy pipeline again", size))
            st_copy(S, MYL_WAIT_SPIN, size, count);
    }
}
