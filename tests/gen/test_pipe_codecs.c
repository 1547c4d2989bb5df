/* Pipelines over framed channels (tests/golden/pipes.myl: Bytes, Compact,
 * Flat, Small): each runs its generated input loop over real rings, its
 * input bytes, compact or FlatBuffers messages journaled and handed to the
 * handlers decoded, its outputs of every kind held until durable and then
 * sent (checked by receivers of each output ring), a message that does not
 * decode or verify skipped and counted (never journaled), and recovery
 * replaying the journal into the same state without sending again. */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "kill_runs.h"
#include "pipes.myl.h"

enum { N = 120, WAIT_S = 60 };

/* The state: a hash of everything the handlers saw, in order. */
typedef struct state {
    uint64_t hash;
    uint64_t records;
} state;

static void mix(state *s, uint64_t v)
{
    s->hash = (s->hash ^ v) * UINT64_C(0x100000001b3);
}

static void mix_bytes(state *s, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        mix(s, b[i]);
    mix(s, n);
}

static int on_reset(void *arg)
{
    memset(arg, 0, sizeof(state));
    return 0;
}

static int on_save(void *arg, void **payload, uint64_t *size)
{
    if (!(*payload = malloc(sizeof(state))))
        return -ENOMEM;
    memcpy(*payload, arg, sizeof(state));
    *size = sizeof(state);
    return 0;
}

static int on_restore(void *arg, const void *payload, uint64_t size, uint32_t v)
{
    if (size != sizeof(state) || v != 1)
        return MYL_ECORRUPT;
    memcpy(arg, payload, sizeof(state));
    return 0;
}

/* The Bytes pipeline's handlers: its two stages, the state callbacks
 * above, nothing released to anyone. */
static void bytes_handlers(pipes_Bytes_handlers *h, pipes_Bytes_echo_fn *echo,
                           pipes_Bytes_fill_fn *fill)
{
    memset(h, 0, sizeof *h);
    h->echo = echo;
    h->fill = fill;
    h->reset = on_reset;
    h->save = on_save;
    h->restore = on_restore;
    h->app_version = 1;
}

/* Released outputs: counted, in sequence order per output. */
typedef struct seen {
    uint64_t n[2];
    uint64_t last[2];
} seen;

static void saw(seen *w, int i, uint64_t seq)
{
    assert_true(w->n[i] == 0 || seq > w->last[i]);
    w->last[i] = seq;
    w->n[i]++;
}

static void released_a(void *arg, uint64_t seq, const void *msg, size_t len, uint16_t kind)
{
    (void)msg;
    (void)len;
    (void)kind;
    saw(arg, 0, seq);
}

static void released_b(void *arg, uint64_t seq, const void *msg, size_t len, uint16_t kind)
{
    (void)msg;
    (void)len;
    (void)kind;
    saw(arg, 1, seq);
}

static void released_fill(void *arg, uint64_t seq, const pipes_Fill *m)
{
    assert_int_equal(m->id, seq);
    saw(arg, 1, seq);
}

/* The message of input i: its bytes (a length from 0 to 1,500: up to
 * seven frames), and its symbol for the tables. */
static size_t bytes_of(uint64_t i, unsigned char *b)
{
    size_t n = (size_t)((i * 97u) % 1501u);
    for (size_t k = 0; k < n; k++)
        b[k] = (unsigned char)(i * 31u + k);
    return n;
}

static void sym_of(uint64_t i, char *s, size_t cap)
{
    snprintf(s, cap, "SYM%llu", (unsigned long long)i);
}

/* ---- the handlers ---- */

/* Bytes: echo (at most 1 KiB: raw_out's max_message) with kind + 1, and a
 * Fill of the length. */
static int bytes_echo(void *arg, uint64_t seq, const void *msg, size_t len, uint16_t kind,
                      pipes_Bytes_echo_out *out)
{
    state *s = arg;
    (void)seq;
    mix_bytes(s, msg, len);
    mix(s, kind);
    s->records++;
    return pipes_Bytes_echo_send(out, msg, len > 1024 ? 1024 : len, (uint16_t)(kind + 1));
}

static int bytes_fill(void *arg, uint64_t seq, const void *msg, size_t len, uint16_t kind,
                      pipes_Bytes_fill_out *out)
{
    (void)arg;
    (void)msg;
    (void)kind;
    pipes_Fill f = {.id = seq, .price = 1, .qty = (uint32_t)len};
    return pipes_Bytes_fill_send(out, &f);
}

/* Compact: a Fill (compact) of the quote and an Ack (FlatBuffers) of it. */
static int send_ack(uint64_t id, const char *note, size_t n,
                    int (*send)(void *, const void *, size_t, uint16_t), void *out)
{
    unsigned char buf[512];
    myl_fb_builder b;
    myl_fb_ref str, root;
    myl_fb_msg m;
    myl_fb_builder_init(&b, buf, sizeof buf, NULL, 0);
    int rc = myl_fb_create_string(&b, note, n, &str);
    if (rc == 0)
        rc = pipes_Ack_start(&b);
    if (rc == 0)
        rc = pipes_Ack_add_id(&b, id);
    if (rc == 0)
        rc = pipes_Ack_add_note(&b, str);
    if (rc == 0)
        rc = pipes_Ack_end(&b, &root);
    if (rc == 0)
        rc = pipes_Ack_finish(&b, root, NULL, 0, &m);
    return rc < 0 ? rc : send(out, m.data, m.len, 7);
}

static int compact_ack_send(void *out, const void *msg, size_t len, uint16_t kind)
{
    return pipes_Compact_ack_send(out, msg, len, kind);
}

static int flat_ack_send(void *out, const void *msg, size_t len, uint16_t kind)
{
    return pipes_Flat_ack_send(out, msg, len, kind);
}

static void mix_quote(state *s, uint64_t id, const char *sym, size_t n, int64_t px,
                      const int64_t *legs, size_t nlegs)
{
    mix(s, id);
    mix_bytes(s, sym, n);
    mix(s, (uint64_t)px);
    for (size_t i = 0; i < nlegs; i++)
        mix(s, (uint64_t)legs[i]);
    mix(s, nlegs);
    s->records++;
}

static int compact_price(void *arg, uint64_t seq, const pipes_Quote *in,
                         pipes_Compact_price_out *out)
{
    mix_quote(arg, in->id, in->sym.p, in->sym.n, in->px, in->legs.p, in->legs.n);
    pipes_Fill f = {.id = seq, .price = in->px, .qty = (uint32_t)in->legs.n};
    return pipes_Compact_price_send(out, &f, 3);
}

static int compact_ack(void *arg, uint64_t seq, const pipes_Quote *in, pipes_Compact_ack_out *out)
{
    (void)arg;
    (void)seq;
    return send_ack(in->id, in->sym.p, in->sym.n, compact_ack_send, out);
}

static int flat_ack(void *arg, uint64_t seq, pipes_Quote_table in, pipes_Flat_ack_out *out)
{
    (void)seq;
    myl_fb_str sym = pipes_Quote_sym(in);
    int64_t legs[16] = {0};
    uint32_t nl = pipes_Quote_legs_len(in);
    assert_true(nl <= 16);
    for (uint32_t i = 0; i < nl; i++)
        legs[i] = pipes_Quote_legs_at(in, i);
    mix_quote(arg, pipes_Quote_id(in), sym.ptr, sym.len, pipes_Quote_px(in), legs, nl);
    return send_ack(pipes_Quote_id(in), sym.ptr, sym.len, flat_ack_send, out);
}

static int flat_echo(void *arg, uint64_t seq, pipes_Quote_table in, pipes_Flat_echo_out *out)
{
    (void)arg;
    myl_fb_str sym = pipes_Quote_sym(in);
    (void)seq;
    return pipes_Flat_echo_send(out, sym.ptr, sym.len, 9);
}

static int small_count(void *arg, uint64_t seq, const pipes_Fill *in)
{
    state *s = arg;
    mix(s, seq);
    mix(s, in->id);
    mix(s, (uint64_t)in->price);
    mix(s, in->qty);
    s->records++;
    return 0;
}

/* ---- the input messages ---- */

static void quote_of(uint64_t i, pipes_Quote *q, char *sym, int64_t *legs)
{
    pipes_Quote_init(q);
    sym_of(i, sym, 32);
    size_t nl = (size_t)(i % 5u);
    for (size_t k = 0; k < nl; k++)
        legs[k] = (int64_t)(i * 10 + k) - 300;
    q->id = i;
    q->sym = (myl_cstr){sym, strlen(sym)};
    q->px = (int64_t)i * 3 - 100;
    q->legs.p = legs;
    q->legs.n = nl;
}

/* Input i of a pipeline of kind k ('b'ytes, 'c'ompact, 'f'latbuffers)
 * encoded into buf: its length. */
static size_t input_of(char k, uint64_t i, unsigned char *buf, size_t cap)
{
    if (k == 'b')
        return bytes_of(i, buf);
    pipes_Quote q;
    char sym[32];
    int64_t legs[8];
    quote_of(i, &q, sym, legs);
    size_t len = 0;
    if (k == 'c') {
        assert_int_equal(pipes_Quote_compact_encode(&q, buf, cap, &len), 0);
        return len;
    }
    unsigned char tmp[1024];
    myl_fb_builder b;
    myl_fb_ref s, l, root;
    myl_fb_msg m;
    myl_fb_builder_init(&b, tmp, sizeof tmp, NULL, 0);
    assert_int_equal(myl_fb_create_string(&b, q.sym.p, q.sym.n, &s), 0);
    assert_int_equal(pipes_Quote_create_legs(&b, legs, q.legs.n, &l), 0);
    assert_int_equal(pipes_Quote_start(&b), 0);
    assert_int_equal(pipes_Quote_add_id(&b, q.id), 0);
    assert_int_equal(pipes_Quote_add_sym(&b, s), 0);
    assert_int_equal(pipes_Quote_add_px(&b, q.px), 0);
    assert_int_equal(pipes_Quote_add_legs(&b, l), 0);
    assert_int_equal(pipes_Quote_end(&b, &root), 0);
    assert_int_equal(pipes_Quote_finish(&b, root, NULL, 0, &m), 0);
    assert_true(m.len <= cap);
    memcpy(buf, m.data, m.len);
    return m.len;
}

/* The state after inputs 1..n of kind k, by the handlers themselves (no
 * pipeline). */
static void model(char k, uint64_t n, state *s)
{
    memset(s, 0, sizeof *s);
    for (uint64_t i = 1; i <= n; i++) {
        unsigned char b[2048];
        size_t len = input_of(k, i, b, sizeof b);
        if (k == 'b') {
            mix_bytes(s, b, len);
            mix(s, i % 7u);
            s->records++;
            continue;
        }
        pipes_Quote q;
        char sym[32];
        int64_t legs[8];
        quote_of(i, &q, sym, legs);
        mix_quote(s, q.id, q.sym.p, q.sym.n, q.px, q.legs.p, q.legs.n);
    }
}

/* ---- plumbing ---- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void make_dir(char *dir)
{
    strcpy(dir, "/tmp/myl-pipecodec-XXXXXX");
    assert_non_null(mkdtemp(dir));
}

static void remove_dir(const char *dir)
{
    assert_int_equal(nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

typedef struct runner {
    int (*run)(void *px);
    void *px;
    int rc;
} runner;

static void *run_thread(void *p)
{
    runner *r = p;
    r->rc = r->run(r->px);
    return NULL;
}

static int run_bytes(void *px)
{
    return pipes_Bytes_run(px);
}
static int run_compact(void *px)
{
    return pipes_Compact_run(px);
}
static int run_flat(void *px)
{
    return pipes_Flat_run(px);
}

/* Send inputs 1..N of kind k on the input ring (and, after input bad_at,
 * a message that does not decode), while draining the outputs with drain
 * (which returns how many it took), until want outputs came. */
typedef struct feed {
    char k;
    myl_framer *tx;
    uint64_t sent, bad_at;
    bool bad_sent;
} feed;

static bool feed_some(feed *f)
{
    unsigned char b[2048];
    bool any = false;
    while (f->sent < N) {
        if (f->sent == f->bad_at && !f->bad_sent) {
            static const unsigned char junk[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                                 0xff, 0xff, 0xff, 0xff, 0x01};
            int rc = myl_frame_send(f->tx, junk, sizeof junk, 0, 0);
            if (rc == MYL_EAGAIN || rc == MYL_ETIMEDOUT)
                break;
            assert_int_equal(rc, 0);
            f->bad_sent = true;
            continue;
        }
        uint64_t i = f->sent + 1;
        size_t len = input_of(f->k, i, b, sizeof b);
        int rc = myl_frame_send(f->tx, b, len, (uint16_t)(i % 7u), 0);
        if (rc == MYL_EAGAIN || rc == MYL_ETIMEDOUT)
            break;
        assert_int_equal(rc, 0);
        f->sent++;
        any = true;
    }
    return any;
}

/* After a run over ring in that took every message: N inputs and the
 * input marks before the rounds (sequences each, so more than N), and
 * the journal's input position at the end of the ring. Returns the
 * sequences taken. */
static uint64_t check_marked(const myl_pipeline *p, myl_ring *in)
{
    uint64_t seqs = myl_pipeline_next_seq(p), next = 0;
    assert_true(seqs > N);
    myl_ring_stats rs;
    myl_ring_stats_get(in, &rs);
    assert_int_equal(myl_pipeline_input_position(p, myl_ring_instance(in), &next), 1);
    assert_int_equal(next, rs.published);
    return seqs;
}

/* ---- the tests ---- */

static void test_bytes_over_rings(void **unused)
{
    (void)unused;
    char dir[64], n_in[96], n_out[96], n_fill[96];
    make_dir(dir);
    snprintf(n_in, sizeof n_in, "%s", myl_test_name("pc-raw-in"));
    snprintf(n_out, sizeof n_out, "%s", myl_test_name("pc-raw-out"));
    snprintf(n_fill, sizeof n_fill, "%s", myl_test_name("pc-fills"));
    myl_ring *in, *out, *fills;
    assert_int_equal(pipes_raw_in_create(n_in, &in), 0);
    assert_int_equal(pipes_raw_out_create(n_out, &out), 0);
    assert_int_equal(pipes_fills_create(n_fill, &fills), 0);
    pipes_raw_out_receiver rx;
    pipes_fills_consumer fx;
    assert_int_equal(pipes_raw_out_receiver_open(out, "r", NULL, &rx), 0);
    assert_int_equal(pipes_fills_consumer_open(fills, "r", NULL, &fx), 0);
    static state st, st2;
    seen w = {{0}, {0}};
    pipes_Bytes_cfg cfg;
    pipes_Bytes_cfg_init(&cfg);
    assert_int_equal(cfg.opts.journal.sync, MYL_JOURNAL_SYNC_BATCH);
    cfg.state = &st;
    cfg.input = in;
    cfg.echo_ring = out;
    cfg.fill_ring = fills;
    pipes_Bytes_handlers h;
    bytes_handlers(&h, bytes_echo, bytes_fill);
    h.echo_released = released_a;
    h.fill_released = released_fill;
    h.released_arg = &w;
    pipes_Bytes px;
    assert_int_equal(pipes_Bytes_create(dir, &cfg, &h, &px), 0);
    pipes_raw_in_sender tx;
    assert_int_equal(pipes_raw_in_sender_open(in, NULL, &tx), 0);
    runner r = {run_bytes, &px, 1};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, run_thread, &r), 0);
    feed f = {'b', tx.f, 0, UINT64_MAX, true};
    uint64_t echoes = 0, nfills = 0, last = 0;
    uint64_t deadline = (uint64_t)time(NULL) + WAIT_S;
    unsigned char want[2048];
    while (echoes < N || nfills < N) {
        bool any = feed_some(&f);
        myl_frame_msg m;
        int rc = pipes_raw_out_receiver_recv(&rx, &m, 0);
        if (rc == 0) {
            uint64_t i = ++echoes;
            size_t len = bytes_of(i, want);
            if (len > 1024)
                len = 1024;
            assert_int_equal(m.len, len);
            assert_memory_equal(m.data, want, len);
            assert_int_equal(m.kind, i % 7u + 1);
            pipes_raw_out_receiver_release(&rx);
            any = true;
        } else {
            assert_true(rc == MYL_EAGAIN || rc == MYL_ETIMEDOUT);
        }
        uint64_t s;
        int64_t n = pipes_fills_consumer_try_poll(&fx, 64, &s);
        if (n > 0) {
            for (int64_t k = 0; k < n; k++) {
                const pipes_Fill *fl = pipes_fills_consumer_slot(&fx, s + (uint64_t)k);
                assert_true(nfills == 0 || fl->id > last); /* sequences: marks between */
                last = fl->id;
                assert_int_equal(fl->qty, bytes_of(nfills + 1, want));
                nfills++;
            }
            pipes_fills_consumer_release(&fx, (uint32_t)n);
            any = true;
        }
        if (!any) {
            assert_true((uint64_t)time(NULL) < deadline);
            sched_yield();
        }
    }
    pipes_Bytes_stop(&px);
    pthread_join(t, NULL);
    assert_int_equal(r.rc, 0);
    (void)check_marked(px.p, in);
    assert_int_equal(px.dropped, 0);
    assert_int_equal(w.n[0], N);
    assert_int_equal(w.n[1], N);
    state m;
    model('b', N, &m);
    assert_memory_equal(&st, &m, sizeof m);
    /* Submitted by hand; a message above max_message is refused. */
    static unsigned char big[4097];
    assert_int_equal(pipes_Bytes_submit(&px, big, sizeof big, 0, NULL), MYL_ETOOBIG);
    assert_int_equal(pipes_Bytes_submit(&px, NULL, 1, 0, NULL), MYL_EINVAL);
    assert_int_equal(pipes_Bytes_close(&px), 0);
    /* Recovery replays every record into the same state, sends nothing. */
    cfg.state = &st2;
    cfg.input = NULL;
    assert_int_equal(pipes_Bytes_recover(dir, &cfg, &h, &px), 0);
    assert_memory_equal(&st2, &m, sizeof m);
    assert_int_equal(w.n[0], N);
    assert_int_equal(pipes_Bytes_close(&px), 0);
    pipes_raw_in_sender_close(&tx);
    pipes_raw_out_receiver_close(&rx);
    pipes_fills_consumer_close(&fx);
    myl_ring_close(in);
    myl_ring_close(out);
    myl_ring_close(fills);
    pipes_raw_in_unlink(n_in);
    pipes_raw_out_unlink(n_out);
    pipes_fills_unlink(n_fill);
    remove_dir(dir);
}

/* Compact and Flat: quotes in; acks (FlatBuffers) out and a second output
 * (compact fills, or bytes); one junk message skipped and counted. */
static void test_tables_over_rings(char k)
{
    char dir[64], n_in[96], n_ack[96], n_two[96];
    make_dir(dir);
    snprintf(n_in, sizeof n_in, "%s", myl_test_name(k == 'c' ? "pc-qc" : "pc-qf"));
    snprintf(n_ack, sizeof n_ack, "%s", myl_test_name(k == 'c' ? "pc-ack-c" : "pc-ack-f"));
    snprintf(n_two, sizeof n_two, "%s", myl_test_name(k == 'c' ? "pc-fc" : "pc-ro"));
    myl_ring *in, *acks, *two;
    assert_int_equal(
        k == 'c' ? pipes_quotes_c_create(n_in, &in) : pipes_quotes_fb_create(n_in, &in), 0);
    assert_int_equal(pipes_acks_fb_create(n_ack, &acks), 0);
    assert_int_equal(
        k == 'c' ? pipes_fills_c_create(n_two, &two) : pipes_raw_out_create(n_two, &two), 0);
    pipes_acks_fb_receiver arx;
    pipes_fills_c_receiver frx;
    pipes_raw_out_receiver brx;
    assert_int_equal(pipes_acks_fb_receiver_open(acks, "r", NULL, &arx), 0);
    if (k == 'c')
        assert_int_equal(pipes_fills_c_receiver_open(two, "r", NULL, &frx), 0);
    else
        assert_int_equal(pipes_raw_out_receiver_open(two, "r", NULL, &brx), 0);
    static state st, st2;
    memset(&st, 0, sizeof st);
    memset(&st2, 0, sizeof st2);
    seen w = {{0}, {0}};
    pipes_Compact cpx;
    pipes_Flat fpx;
    pipes_Compact_cfg ccfg;
    pipes_Flat_cfg fcfg;
    pipes_Compact_handlers ch;
    pipes_Flat_handlers fh;
    runner r = {k == 'c' ? run_compact : run_flat, k == 'c' ? (void *)&cpx : (void *)&fpx, 1};
    if (k == 'c') {
        pipes_Compact_cfg_init(&ccfg);
        assert_true(ccfg.arena_bytes >= 8 * 4096);
        ccfg.state = &st;
        ccfg.input = in;
        ccfg.price_ring = two;
        ccfg.ack_ring = acks;
        memset(&ch, 0, sizeof ch);
        ch.price = compact_price;
        ch.ack = compact_ack;
        ch.reset = on_reset;
        ch.save = on_save;
        ch.restore = on_restore;
        ch.price_released = released_b;
        ch.ack_released = released_a;
        ch.released_arg = &w;
        ch.app_version = 1;
        assert_int_equal(pipes_Compact_create(dir, &ccfg, &ch, &cpx), 0);
    } else {
        pipes_Flat_cfg_init(&fcfg);
        fcfg.state = &st;
        fcfg.input = in;
        fcfg.echo_ring = two;
        fcfg.ack_ring = acks;
        memset(&fh, 0, sizeof fh);
        fh.ack = flat_ack;
        fh.echo = flat_echo;
        fh.reset = on_reset;
        fh.save = on_save;
        fh.restore = on_restore;
        fh.echo_released = released_b;
        fh.ack_released = released_a;
        fh.released_arg = &w;
        fh.app_version = 1;
        assert_int_equal(pipes_Flat_create(dir, &fcfg, &fh, &fpx), 0);
    }
    myl_framer *ftx;
    pipes_quotes_c_sender ctx;
    pipes_quotes_fb_sender ftxs;
    if (k == 'c') {
        assert_int_equal(pipes_quotes_c_sender_open(in, NULL, &ctx), 0);
        ftx = ctx.f;
    } else {
        assert_int_equal(pipes_quotes_fb_sender_open(in, NULL, &ftxs), 0);
        ftx = ftxs.f;
    }
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, run_thread, &r), 0);
    feed f = {k, ftx, 0, N / 2, false};
    uint64_t nacks = 0, ntwo = 0, last = 0;
    uint64_t deadline = (uint64_t)time(NULL) + WAIT_S;
    while (nacks < N || ntwo < N) {
        bool any = feed_some(&f);
        myl_frame_msg m;
        pipes_Ack_table ack;
        int rc = pipes_acks_fb_receiver_read(&arx, &m, &ack, 0);
        if (rc == 0) {
            uint64_t i = ++nacks;
            char sym[32];
            sym_of(i, sym, sizeof sym);
            assert_int_equal(pipes_Ack_id(ack), i);
            assert_string_equal(pipes_Ack_note(ack).ptr, sym);
            assert_int_equal(m.kind, 7);
            pipes_acks_fb_receiver_release(&arx);
            any = true;
        } else {
            assert_true(rc == MYL_EAGAIN || rc == MYL_ETIMEDOUT);
        }
        if (k == 'c') {
            pipes_Fill fl;
            rc = pipes_fills_c_receiver_get(&frx, &fl, NULL, &m, 0);
            if (rc == 0) {
                uint64_t i = ++ntwo;
                /* sequences, with input marks between */
                assert_true(i == 1 || fl.id > last);
                last = fl.id;
                assert_int_equal(fl.price, (int64_t)i * 3 - 100);
                assert_int_equal(fl.qty, i % 5u);
                assert_int_equal(m.kind, 3);
                pipes_fills_c_receiver_release(&frx);
                any = true;
            }
        } else {
            rc = pipes_raw_out_receiver_recv(&brx, &m, 0);
            if (rc == 0) {
                uint64_t i = ++ntwo;
                char sym[32];
                sym_of(i, sym, sizeof sym);
                assert_int_equal(m.len, strlen(sym));
                assert_memory_equal(m.data, sym, m.len);
                assert_int_equal(m.kind, 9);
                pipes_raw_out_receiver_release(&brx);
                any = true;
            }
        }
        if (rc < 0)
            assert_true(rc == MYL_EAGAIN || rc == MYL_ETIMEDOUT);
        if (!any) {
            assert_true((uint64_t)time(NULL) < deadline);
            sched_yield();
        }
    }
    state m;
    model(k, N, &m);
    if (k == 'c') {
        pipes_Compact_stop(&cpx);
        pthread_join(t, NULL);
        assert_int_equal(r.rc, 0);
        uint64_t seqs = check_marked(cpx.p, in);
        assert_int_equal(cpx.rejected, 1);
        assert_int_equal(cpx.dropped, 0);
        /* By hand: a quote, then junk refused as the ring's was. */
        pipes_Quote q;
        char sym[32];
        int64_t legs[8];
        quote_of(N + 1, &q, sym, legs);
        uint64_t seq;
        assert_int_equal(pipes_Compact_submit(&cpx, &q, 0, &seq), 0);
        assert_int_equal(seq, seqs);
        mix_quote(&m, q.id, q.sym.p, q.sym.n, q.px, q.legs.p, q.legs.n);
        assert_int_equal(pipes_Compact_close(&cpx), 0);
        ccfg.state = &st2;
        ccfg.input = NULL;
        assert_int_equal(pipes_Compact_recover(dir, &ccfg, &ch, &cpx), 0);
        assert_int_equal(myl_pipeline_next_seq(cpx.p), seqs + 1);
        assert_int_equal(pipes_Compact_close(&cpx), 0);
        pipes_quotes_c_sender_close(&ctx);
        pipes_fills_c_receiver_close(&frx);
    } else {
        pipes_Flat_stop(&fpx);
        pthread_join(t, NULL);
        assert_int_equal(r.rc, 0);
        uint64_t seqs = check_marked(fpx.p, in);
        assert_int_equal(fpx.rejected, 1);
        assert_int_equal(fpx.dropped, 0);
        /* By hand: junk is refused with the verifier's error, nothing
         * journaled; a quote is taken. */
        static const unsigned char junk[] = {1, 2, 3};
        assert_true(pipes_Flat_submit(&fpx, junk, sizeof junk, 0, NULL) < 0);
        assert_int_equal(myl_pipeline_next_seq(fpx.p), seqs);
        unsigned char b[2048];
        size_t len = input_of('f', N + 1, b, sizeof b);
        assert_int_equal(pipes_Flat_submit(&fpx, b, len, 0, NULL), 0);
        model('f', N + 1, &m);
        assert_int_equal(pipes_Flat_close(&fpx), 0);
        fcfg.state = &st2;
        fcfg.input = NULL;
        assert_int_equal(pipes_Flat_recover(dir, &fcfg, &fh, &fpx), 0);
        assert_int_equal(myl_pipeline_next_seq(fpx.p), seqs + 1);
        assert_int_equal(pipes_Flat_close(&fpx), 0);
        pipes_quotes_fb_sender_close(&ftxs);
        pipes_raw_out_receiver_close(&brx);
    }
    assert_memory_equal(&st, &m, sizeof m);
    assert_memory_equal(&st2, &m, sizeof m);
    assert_int_equal(w.n[0], N + 1);
    assert_int_equal(w.n[1], N + 1);
    pipes_acks_fb_receiver_close(&arx);
    myl_ring_close(in);
    myl_ring_close(acks);
    myl_ring_close(two);
    if (k == 'c') {
        pipes_quotes_c_unlink(n_in);
        pipes_fills_c_unlink(n_two);
    } else {
        pipes_quotes_fb_unlink(n_in);
        pipes_raw_out_unlink(n_two);
    }
    pipes_acks_fb_unlink(n_ack);
    remove_dir(dir);
}

static void test_compact_over_rings(void **unused)
{
    (void)unused;
    test_tables_over_rings('c');
}

static void test_flat_over_rings(void **unused)
{
    (void)unused;
    test_tables_over_rings('f');
}

/* A compact event input, by hand, with a shadow stage: the journal's
 * records decoded on replay as on the way in. */
static void test_small_by_hand(void **unused)
{
    (void)unused;
    char dir[64];
    make_dir(dir);
    static state st, sh, st2;
    pipes_Small_cfg cfg;
    pipes_Small_cfg_init(&cfg);
    cfg.state = &st;
    cfg.shadow_state = &sh;
    cfg.opts.snapshot_every = 16;
    pipes_Small_handlers h;
    memset(&h, 0, sizeof h);
    h.count = small_count;
    h.reset = on_reset;
    h.save = on_save;
    h.restore = on_restore;
    h.app_version = 1;
    pipes_Small px;
    assert_int_equal(pipes_Small_create(dir, &cfg, &h, &px), 0);
    for (uint64_t i = 0; i < 100; i++) {
        pipes_Fill fl = {.id = i * 7, .price = -(int64_t)i, .qty = (uint32_t)i};
        assert_int_equal(pipes_Small_submit(&px, &fl, 0, NULL), 0);
        if (i % 10 == 9)
            assert_true(pipes_Small_commit(&px) >= 0);
    }
    assert_int_equal(pipes_Small_close(&px), 0);
    cfg.state = &st2;
    cfg.shadow_state = NULL;
    assert_int_equal(pipes_Small_recover(dir, &cfg, &h, &px), 0);
    assert_memory_equal(&st2, &st, sizeof st);
    assert_int_equal(st.records, 100);
    assert_int_equal(pipes_Small_close(&px), 0);
    remove_dir(dir);
}

/* Nest: a message of 200 empty nested tables is 800-odd bytes, and more
 * than its 12 KiB arena decoded. A submit by hand journaled it unchecked:
 * the apply failed, and so did every recovery of the pipeline after. It
 * is refused now, as the run's poll refuses it, and nothing is journaled. */
static int nest_count(void *arg, uint64_t seq, const pipes_Outer *in)
{
    (void)seq;
    state *s = arg;
    mix(s, in->id);
    s->records++;
    return 0;
}

static void test_compact_submit_checked(void **unused)
{
    (void)unused;
    char dir[64];
    make_dir(dir);
    static state st;
    pipes_Nest_cfg cfg;
    pipes_Nest_cfg_init(&cfg);
    cfg.state = &st;
    pipes_Nest_handlers h;
    memset(&h, 0, sizeof h);
    h.count = nest_count;
    h.reset = on_reset;
    h.save = on_save;
    h.restore = on_restore;
    h.app_version = 1;
    pipes_Nest px;
    assert_int_equal(pipes_Nest_create(dir, &cfg, &h, &px), 0);
    static pipes_Inner xs[200];
    for (int i = 0; i < 200; i++)
        pipes_Inner_init(&xs[i]);
    pipes_Outer big;
    pipes_Outer_init(&big);
    big.id = 1;
    big.xs.p = xs;
    big.xs.n = 200;
    uint64_t seq = 99;
    assert_int_equal(pipes_Nest_submit(&px, &big, 0, &seq), MYL_ETOOBIG);
    pipes_Outer small;
    pipes_Outer_init(&small);
    small.id = 2;
    small.xs.p = xs;
    small.xs.n = 3;
    assert_int_equal(pipes_Nest_submit(&px, &small, 0, &seq), 0);
    assert_int_equal(seq, 0); /* the first record: the refused one was not journaled */
    assert_true(pipes_Nest_commit(&px) >= 0);
    assert_int_equal(pipes_Nest_close(&px), 0);
    memset(&st, 0, sizeof st);
    assert_int_equal(pipes_Nest_recover(dir, &cfg, &h, &px), 0);
    assert_int_equal(st.records, 1);
    assert_int_equal(pipes_Nest_close(&px), 0);
    remove_dir(dir);
}

/* Huge: an input of up to 32 MiB, past the journal's default record
 * limit (16 MiB): _cfg_init raises it, so a 20 MiB message is journaled
 * and replayed (it failed with MYL_ETOOBIG, and the run lost it). */
static size_t huge_len;

static int huge_take(void *arg, uint64_t seq, const void *msg, size_t len, uint16_t kind)
{
    (void)seq;
    (void)kind;
    state *s = arg;
    const uint8_t *b = msg;
    assert_int_equal(len, huge_len);
    assert_true(b[0] == 0x5a && b[len - 1] == 0xa5);
    s->records++;
    return 0;
}

static void test_huge_input(void **unused)
{
    (void)unused;
    char dir[64];
    make_dir(dir);
    static state st;
    pipes_Huge_cfg cfg;
    pipes_Huge_cfg_init(&cfg);
    assert_true(cfg.opts.journal.max_record >= 8u + (32u << 20));
    cfg.state = &st;
    pipes_Huge_handlers h;
    memset(&h, 0, sizeof h);
    h.take = huge_take;
    h.reset = on_reset;
    h.save = on_save;
    h.restore = on_restore;
    h.app_version = 1;
    pipes_Huge px;
    assert_int_equal(pipes_Huge_create(dir, &cfg, &h, &px), 0);
    huge_len = (size_t)20 << 20;
    uint8_t *msg = calloc(1, huge_len);
    assert_non_null(msg);
    msg[0] = 0x5a;
    msg[huge_len - 1] = 0xa5;
    assert_int_equal(pipes_Huge_submit(&px, msg, huge_len, 0, NULL), 0);
    assert_true(pipes_Huge_commit(&px) >= 0);
    assert_int_equal(pipes_Huge_close(&px), 0);
    memset(&st, 0, sizeof st);
    assert_int_equal(pipes_Huge_recover(dir, &cfg, &h, &px), 0);
    assert_int_equal(st.records, 1);
    assert_int_equal(pipes_Huge_close(&px), 0);
    free(msg);
    remove_dir(dir);
}

/* Stage handlers of the Bytes pipeline that only count (no output rings:
 * what they send is released to nobody). */
static int count_echo(void *arg, uint64_t seq, const void *msg, size_t len, uint16_t kind,
                      pipes_Bytes_echo_out *out)
{
    (void)seq;
    (void)out;
    state *s = arg;
    mix_bytes(s, msg, len);
    mix(s, kind);
    s->records++;
    return 0;
}

static int count_fill(void *arg, uint64_t seq, const void *msg, size_t len, uint16_t kind,
                      pipes_Bytes_fill_out *out)
{
    (void)arg;
    (void)seq;
    (void)msg;
    (void)len;
    (void)kind;
    (void)out;
    return 0;
}

/* Message i of the kill test: its id, then filler; 8 to 1,508 bytes (one
 * to seven frames of raw_in). */
static size_t kill_msg(uint64_t i, unsigned char *b)
{
    size_t n = 8 + (size_t)((i * 97u) % 1501u);
    memcpy(b, &i, 8);
    for (size_t k = 8; k < n; k++)
        b[k] = (unsigned char)(i * 31u + k);
    return n;
}

/* The framed input loop killed (SIGKILL) at random points while it
 * journals messages of one to seven frames from a ring, and restarted on
 * the same ring and directory each time: the journal holds every message
 * exactly once, in order, each record with the frames it took. Without
 * the receiver's hold, a kill before the commit loses what the journal
 * still buffered; without the marks, what was journaled before the kill
 * comes again. */
typedef struct bytes_kill {
    myl_ring *in;
    const char *dir;
    pipes_raw_in_sender tx;
    unsigned char b[2048];
} bytes_kill;

static void bytes_child(void *arg)
{
    bytes_kill *k = arg;
    static state st;
    pipes_Bytes_cfg cfg;
    pipes_Bytes_cfg_init(&cfg);
    cfg.opts.journal.sync = MYL_JOURNAL_SYNC_NONE; /* a kill, not a crash */
    cfg.state = &st;
    cfg.input = k->in; /* mapped before the fork: shared */
    pipes_Bytes_handlers h;
    bytes_handlers(&h, count_echo, count_fill);
    pipes_Bytes px;
    int rc = pipes_Bytes_open(k->dir, &cfg, &h, &px);
    if (rc == 0)
        rc = pipes_Bytes_run(&px);
    _exit(rc == 0 ? 0 : 3);
}

static int bytes_send(void *arg, uint64_t id)
{
    bytes_kill *k = arg;
    size_t len = kill_msg(id, k->b);
    return pipes_raw_in_sender_send(&k->tx, k->b, len, (uint16_t)(id % 7u), 0);
}

static void check_bytes(void *arg, const myl_journal_record *rec, uint64_t want)
{
    bytes_kill *k = arg;
    assert_int_equal(rec->type, pipes_Bytes_TYPE);
    const unsigned char *d = rec->data;
    uint32_t kind, span;
    uint64_t id = 0;
    assert_true(rec->len >= 16);
    memcpy(&kind, d, 4);
    memcpy(&span, d + 4, 4);
    memcpy(&id, d + 8, 8);
    if (id != want)
        fail_msg("journal record %llu: message %llu, expected %llu (journaled twice, or lost?)",
                 (unsigned long long)rec->seq, (unsigned long long)id, (unsigned long long)want);
    size_t len = kill_msg(want, k->b);
    assert_int_equal(rec->len, 8 + len);
    assert_memory_equal(d + 8, k->b, len);
    assert_int_equal(kind, want % 7u);
    assert_int_equal(span, myl_frame_count(k->in, len));
}

static void test_restart_journals_once(void **unused)
{
    (void)unused;
    char dir[64], in_name[96];
    make_dir(dir);
    snprintf(in_name, sizeof in_name, "%s", myl_test_name("pc-kill"));
    static bytes_kill k;
    k.dir = dir;
    assert_int_equal(pipes_raw_in_create(in_name, &k.in), 0);
    assert_int_equal(pipes_raw_in_sender_open(k.in, NULL, &k.tx), 0);
    enum { MSGS = 6000, RUNS = 8 };
    kill_plan plan = {k.in, MSGS, RUNS, bytes_child, bytes_send, &k};
    kill_runs(&plan);
    uint64_t marks = 0;
    assert_int_equal(each_input(dir, check_bytes, &k, &marks), MSGS);
    assert_true(marks > 0);
    print_message("%d runs killed, %llu messages journaled once, %llu marks\n", RUNS,
                  (unsigned long long)MSGS, (unsigned long long)marks);
    pipes_raw_in_sender_close(&k.tx);
    myl_ring_close(k.in);
    pipes_raw_in_unlink(in_name);
    remove_dir(dir);
}

/* An output that cannot be sent fails the framed run after its commit;
 * the round, journaled, is still given back: its sender is not gated for
 * good, and nothing is journaled twice. */
static void test_output_error_gives_back(void **unused)
{
    (void)unused;
    char dir[64], n_in[96], n_out[96];
    make_dir(dir);
    snprintf(n_in, sizeof n_in, "%s", myl_test_name("pc-err-in"));
    snprintf(n_out, sizeof n_out, "%s", myl_test_name("pc-err-out"));
    myl_ring *in, *out;
    assert_int_equal(pipes_raw_in_create(n_in, &in), 0);
    assert_int_equal(pipes_raw_out_create(n_out, &out), 0);
    pipes_raw_out_receiver rx;
    assert_int_equal(pipes_raw_out_receiver_open(out, "r", NULL, &rx), 0);
    pipes_raw_out_sender os;
    assert_int_equal(pipes_raw_out_sender_open(out, NULL, &os), 0);
    while (pipes_raw_out_sender_send(&os, "x", 1, 1, 0) == 0)
        ;
    pipes_raw_out_sender_close(&os);
    static state st;
    pipes_Bytes_cfg cfg;
    pipes_Bytes_cfg_init(&cfg);
    cfg.opts.journal.sync = MYL_JOURNAL_SYNC_NONE;
    cfg.state = &st;
    cfg.input = in;
    cfg.echo_ring = out;
    cfg.send_timeout_ns = 1000;
    pipes_Bytes_handlers h;
    bytes_handlers(&h, bytes_echo, count_fill);
    pipes_Bytes px;
    assert_int_equal(pipes_Bytes_create(dir, &cfg, &h, &px), 0);
    pipes_raw_in_sender tx;
    assert_int_equal(pipes_raw_in_sender_open(in, NULL, &tx), 0);
    uint64_t sent = 0;
    for (int run = 0; run < 4; run++) {
        while (pipes_raw_in_sender_send(&tx, "hello", 5, 1, 0) == 0)
            sent++;
        assert_true(pipes_Bytes_run(&px) < 0); /* raw_out is full */
        myl_consumer_stats cs;
        myl_ring_stats rs;
        assert_int_equal(myl_ring_consumer_stats(in, 0, &cs), 0);
        myl_ring_stats_get(in, &rs);
        assert_int_equal(cs.seq, rs.published); /* given back */
    }
    assert_true(sent > 64); /* more than a ring's worth went through */
    (void)pipes_Bytes_close(&px);
    char jdir[96];
    snprintf(jdir, sizeof jdir, "%s/journal", dir);
    myl_journal_reader *r;
    assert_int_equal(myl_journal_reader_open(jdir, 0, &r), 0);
    myl_journal_record rec;
    uint64_t n = 0;
    while (myl_journal_read(r, &rec) == 1)
        n += rec.type == pipes_Bytes_TYPE;
    myl_journal_reader_close(r);
    assert_int_equal(n, sent);
    pipes_raw_in_sender_close(&tx);
    pipes_raw_out_receiver_close(&rx);
    myl_ring_close(in);
    myl_ring_close(out);
    pipes_raw_in_unlink(n_in);
    pipes_raw_out_unlink(n_out);
    remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytes_over_rings),
        cmocka_unit_test(test_compact_over_rings),
        cmocka_unit_test(test_flat_over_rings),
        cmocka_unit_test(test_small_by_hand),
        cmocka_unit_test(test_compact_submit_checked),
        cmocka_unit_test(test_huge_input),
        cmocka_unit_test(test_restart_journals_once),
        cmocka_unit_test(test_output_error_gives_back),
    };
    return myl_test_run("pipe_codecs", tests, sizeof tests / sizeof tests[0]);
}
