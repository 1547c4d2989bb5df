/* The runner myelonc generates for a pipeline (tests/golden/pipes.myl,
 * pipeline Book), through its typed API: stage handlers called in an
 * order that respects `after`, outputs held until commit and released in
 * order on the released callbacks and the output rings, nothing sent
 * during replay, recovery into the same state, the input loop over a ring
 * until _stop, snapshots, and the errors of the calls. */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kill_runs.h"
#include "pipes.myl.h"

typedef struct state {
    uint64_t sum;      /* of order ids, in order: a hash of the sequence */
    uint32_t calls[8]; /* per stage: handler calls */
    char trail[8];     /* the stages of the last record, in call order */
    uint32_t ntrail;
} state;

typedef struct seen {
    uint32_t fills, audits;
    uint64_t last_fill_seq;
    uint64_t fill_ids[64];
} seen;

static void step(state *s, char c)
{
    if (s->ntrail < sizeof s->trail)
        s->trail[s->ntrail++] = c;
}

static int on_risk(void *arg, uint64_t seq, const pipes_Order *in)
{
    state *s = arg;
    (void)seq;
    s->ntrail = 0;
    step(s, 'r');
    s->calls[0]++;
    s->sum = s->sum * 31u + in->id;
    return 0;
}

static int on_match(void *arg, uint64_t seq, const pipes_Order *in)
{
    state *s = arg;
    (void)seq;
    (void)in;
    step(s, 'm');
    s->calls[1]++;
    return 0;
}

static int on_report(void *arg, uint64_t seq, const pipes_Order *in, pipes_Book_report_out *out)
{
    state *s = arg;
    (void)seq;
    step(s, 'p');
    s->calls[2]++;
    pipes_Fill f = {.id = in->id, .price = in->price, .qty = in->qty};
    return pipes_Book_report_send(out, &f);
}

static int on_audit(void *arg, uint64_t seq, const pipes_Order *in, pipes_Book_audit_out *out)
{
    state *s = arg;
    step(s, 'a');
    s->calls[3]++;
    pipes_Audit a = {.seq = seq, .id = in->id};
    return pipes_Book_audit_send(out, &a);
}

static int on_reset(void *arg)
{
    memset(arg, 0, sizeof(state));
    return 0;
}

static int on_save(void *arg, void **payload, uint64_t *size)
{
    *payload = malloc(8);
    if (!*payload)
        return -ENOMEM;
    memcpy(*payload, &((state *)arg)->sum, 8);
    *size = 8;
    return 0;
}

static int on_restore(void *arg, const void *payload, uint64_t size, uint32_t v)
{
    if (size != 8 || v != 3)
        return MYL_ECORRUPT;
    memset(arg, 0, sizeof(state));
    memcpy(&((state *)arg)->sum, payload, 8);
    return 0;
}

static void on_fill(void *arg, uint64_t seq, const pipes_Fill *m)
{
    seen *w = arg;
    assert_true(w->fills == 0 || seq > w->last_fill_seq); /* in sequence order */
    w->last_fill_seq = seq;
    if (w->fills < 64)
        w->fill_ids[w->fills] = m->id;
    w->fills++;
}

static void on_audit_out(void *arg, uint64_t seq, const pipes_Audit *m)
{
    seen *w = arg;
    assert_int_equal(m->seq, seq);
    w->audits++;
}

static void handlers(pipes_Book_handlers *h, seen *w)
{
    memset(h, 0, sizeof *h);
    h->report = on_report;
    h->match = on_match;
    h->risk = on_risk;
    h->audit = on_audit;
    h->reset = on_reset;
    h->save = on_save;
    h->restore = on_restore;
    h->report_released = on_fill;
    h->audit_released = on_audit_out;
    h->released_arg = w;
    h->app_version = 3;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void make_dir(char *dir)
{
    strcpy(dir, "/tmp/myl-pipegen-XXXXXX");
    assert_non_null(mkdtemp(dir));
}

static void remove_dir(const char *dir)
{
    assert_int_equal(nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void test_by_hand(void **unused)
{
    (void)unused;
    char dir[64];
    make_dir(dir);
    static state st, st2;
    seen w = {0};
    pipes_Book_cfg cfg;
    pipes_Book_cfg_init(&cfg);
    /* `stage journal durable fsync;` groups commits */
    assert_int_equal(cfg.opts.journal.sync, MYL_JOURNAL_SYNC_GROUP);
    assert_int_equal(pipes_Book_SYNC, MYL_JOURNAL_SYNC_GROUP);
    cfg.state = &st;
    pipes_Book_handlers h;
    handlers(&h, &w);
    pipes_Book px;
    assert_int_equal(pipes_Book_recover(dir, &cfg, &h, &px), -ENOENT);
    assert_int_equal(pipes_Book_create(dir, &cfg, &h, &px), 0);
    for (uint64_t i = 1; i <= 10; i++) {
        pipes_Order o = {.id = i, .price = (int64_t)i * 10, .qty = 1};
        uint64_t seq;
        assert_int_equal(pipes_Book_submit(&px, &o, &seq), 0);
        assert_int_equal(seq, i - 1);
        /* declared report, match, journal, risk, audit; after: risk after
         * journal, match after risk, report after match, audit after
         * journal: r, m, p, a */
        assert_int_equal(st.ntrail, 4);
        assert_memory_equal(st.trail, "rmpa", 4);
    }
    assert_int_equal(w.fills, 0); /* held: nothing durable yet */
    assert_int_equal(w.audits, 0);
    assert_int_equal(pipes_Book_snapshot(&px), 0); /* syncs: releases */
    assert_int_equal(w.fills, 10);
    assert_int_equal(w.audits, 10);
    for (uint32_t i = 0; i < 10; i++)
        assert_int_equal(w.fill_ids[i], i + 1);
    assert_int_equal(pipes_Book_submit(&px, NULL, NULL), MYL_EINVAL);
    pipes_Order o = {.id = 11, .qty = 1};
    assert_int_equal(pipes_Book_submit(&px, &o, NULL), 0);
    uint64_t sum = st.sum;
    assert_int_equal(pipes_Book_close(&px), 0); /* commits and syncs */
    assert_int_equal(w.fills, 11);
    /* Recovery: the snapshot (10 records), then one record replayed,
     * whose outputs are not sent again. */
    cfg.state = &st2;
    assert_int_equal(pipes_Book_open(dir, &cfg, &h, &px), 0);
    assert_int_equal(st2.sum, sum);
    assert_int_equal(st2.calls[0], 1);
    assert_int_equal(w.fills, 11);
    assert_int_equal(myl_pipeline_next_seq(px.p), 11);
    assert_int_equal(pipes_Book_close(&px), 0);
    /* A second handle on the directory is refused; create over it too. */
    assert_int_equal(pipes_Book_open(dir, &cfg, &h, &px), 0);
    pipes_Book px2;
    assert_int_equal(pipes_Book_open(dir, &cfg, &h, &px2), MYL_EBUSY);
    assert_int_equal(pipes_Book_close(&px), 0);
    assert_int_equal(pipes_Book_create(dir, &cfg, &h, &px2), -EEXIST);
    /* Bad arguments. */
    pipes_Book_handlers bad = h;
    bad.reset = NULL;
    assert_int_equal(pipes_Book_open(dir, &cfg, &bad, &px), MYL_EINVAL);
    assert_int_equal(pipes_Book_open(NULL, &cfg, &h, &px), MYL_EINVAL);
    assert_int_equal(pipes_Book_run(NULL), MYL_EINVAL);
    assert_int_equal(pipes_Book_snapshot(NULL), MYL_EINVAL);
    remove_dir(dir);
}

typedef struct runner {
    pipes_Book *px;
    int rc;
} runner;

static void *run_thread(void *p)
{
    runner *r = p;
    r->rc = pipes_Book_run(r->px);
    return NULL;
}

static void test_run_over_rings(void **unused)
{
    (void)unused;
    char dir[64], in_name[96], out_name[96];
    make_dir(dir);
    snprintf(in_name, sizeof in_name, "%s", myl_test_name("pipe-in"));
    snprintf(out_name, sizeof out_name, "%s", myl_test_name("pipe-fills"));
    myl_ring *in, *fills;
    assert_int_equal(pipes_orders_create(in_name, &in), 0);
    assert_int_equal(pipes_fills_create(out_name, &fills), 0);
    pipes_fills_consumer rx;
    assert_int_equal(pipes_fills_consumer_open(fills, "reader", NULL, &rx), 0);
    static state st;
    seen w = {0};
    pipes_Book_cfg cfg;
    pipes_Book_cfg_init(&cfg);
    cfg.state = &st;
    cfg.input = in;
    cfg.report_ring = fills;
    pipes_Book_handlers h;
    handlers(&h, &w);
    pipes_Book px;
    assert_int_equal(pipes_Book_open(dir, &cfg, &h, &px), 0);
    pipes_orders_producer tx;
    assert_int_equal(pipes_orders_producer_open(in, NULL, &tx), 0);
    runner r = {&px, 1};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, run_thread, &r), 0);
    enum { N = 3000 };
    uint64_t got = 0, sent = 0;
    uint64_t deadline = (uint64_t)time(NULL) + 60;
    /* Both rings hold 1024: send and receive in turn, or the runner,
     * blocked on a full fills ring, would stop reading orders. */
    while (got < N) {
        while (sent < N) {
            pipes_Order o = {.id = sent + 1, .qty = 1};
            int rc = pipes_orders_producer_try_send(&tx, &o);
            if (rc == MYL_EAGAIN)
                break;
            assert_int_equal(rc, 0);
            sent++;
        }
        uint64_t s;
        int64_t n = pipes_fills_consumer_try_poll(&rx, 64, &s);
        if (n == MYL_EAGAIN) {
            assert_true((uint64_t)time(NULL) < deadline);
            sched_yield();
            continue;
        }
        assert_true(n > 0);
        for (int64_t k = 0; k < n; k++)
            assert_int_equal(pipes_fills_consumer_slot(&rx, s + (uint64_t)k)->id, ++got);
        pipes_fills_consumer_release(&rx, (uint32_t)n);
    }
    pipes_Book_stop(&px);
    pthread_join(t, NULL);
    assert_int_equal(r.rc, 0);
    /* N orders and the input marks before each batch; the last mark's
     * position is past them all. */
    assert_true(myl_pipeline_next_seq(px.p) > N);
    uint64_t next = 0;
    assert_int_equal(myl_pipeline_input_position(px.p, myl_ring_instance(in), &next), 1);
    assert_int_equal(next, N);
    assert_int_equal(myl_pipeline_input_position(px.p, myl_ring_instance(in) ^ 1, &next), 0);
    assert_int_equal(px.dropped, 0);
    /* One mark serves every round that starts where the last ended; an
     * order submitted by hand closes it (a mark that counts nothing), so
     * that it does not move the ring's position. */
    uint64_t seqs = myl_pipeline_next_seq(px.p);
    assert_int_equal(seqs, N + 1);
    assert_true(myl_pipeline_input_room(px.p, myl_ring_instance(in)) > 0);
    pipes_Order o = {.id = N + 1, .qty = 1};
    assert_int_equal(pipes_Book_submit(&px, &o, NULL), 0);
    assert_int_equal(myl_pipeline_next_seq(px.p), seqs + 2);
    assert_int_equal(myl_pipeline_input_room(px.p, myl_ring_instance(in)), 0);
    assert_int_equal(myl_pipeline_input_position(px.p, myl_ring_instance(in), &next), 1);
    assert_int_equal(next, N);
    assert_int_equal(pipes_Book_submit(&px, &o, NULL), 0);
    assert_int_equal(myl_pipeline_next_seq(px.p), seqs + 3); /* closed already */
    assert_int_equal(pipes_Book_close(&px), 0);
    pipes_orders_producer_close(&tx);
    pipes_fills_consumer_close(&rx);
    myl_ring_close(in);
    myl_ring_close(fills);
    pipes_orders_unlink(in_name);
    pipes_fills_unlink(out_name);
    remove_dir(dir);
}

/* The input loop killed (SIGKILL) at random points while it journals
 * orders from a ring, and restarted on the same ring and directory each
 * time: the journal holds every order exactly once, in order. Without the
 * input marks, a run killed between its records and the ring's release
 * journals that round again after the restart. */
typedef struct book_kill {
    myl_ring *in;
    const char *dir;
    pipes_orders_producer tx;
} book_kill;

/* Called in the commit, after the journal's write and before the input
 * goes back to the ring: a nap now and then makes kills land there, where
 * only the marks keep a round from being journaled twice. */
static void napping_fill(void *arg, uint64_t seq, const pipes_Fill *m)
{
    static uint32_t calls;
    if (++calls % 16u == 0) {
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
    on_fill(arg, seq, m);
}

static void book_child(void *arg)
{
    book_kill *k = arg;
    static state st;
    static seen w;
    pipes_Book_cfg cfg;
    pipes_Book_cfg_init(&cfg);
    cfg.state = &st;
    cfg.input = k->in; /* mapped before the fork: shared */
    pipes_Book_handlers h;
    handlers(&h, &w);
    h.report_released = napping_fill;
    pipes_Book px;
    int rc = pipes_Book_open(k->dir, &cfg, &h, &px);
    if (rc == 0)
        rc = pipes_Book_run(&px);
    _exit(rc == 0 ? 0 : 3);
}

static int book_send(void *arg, uint64_t id)
{
    book_kill *k = arg;
    pipes_Order o = {.id = id, .qty = 1};
    return pipes_orders_producer_try_send(&k->tx, &o);
}

static void check_order(void *arg, const myl_journal_record *rec, uint64_t want)
{
    (void)arg;
    assert_int_equal(rec->type, pipes_Book_TYPE);
    assert_int_equal(rec->len, sizeof(pipes_Order));
    pipes_Order o;
    memcpy(&o, rec->data, sizeof o);
    if (o.id != want)
        fail_msg("journal record %llu: order %llu, expected %llu (a round journaled twice?)",
                 (unsigned long long)rec->seq, (unsigned long long)o.id, (unsigned long long)want);
}

static void test_restart_journals_once(void **unused)
{
    (void)unused;
    char dir[64], in_name[96];
    make_dir(dir);
    snprintf(in_name, sizeof in_name, "%s", myl_test_name("pipe-kill"));
    book_kill k = {.dir = dir};
    assert_int_equal(pipes_orders_create(in_name, &k.in), 0);
    assert_int_equal(pipes_orders_producer_open(k.in, NULL, &k.tx), 0);
    enum { N = 24000, RUNS = 8 };
    kill_plan plan = {k.in, N, RUNS, book_child, book_send, &k};
    kill_runs(&plan);
    uint64_t marks = 0;
    assert_int_equal(each_input(dir, check_order, NULL, &marks), N);
    assert_true(marks > 0);
    print_message("%d runs killed, %llu orders journaled once, %llu marks\n", RUNS,
                  (unsigned long long)N, (unsigned long long)marks);
    pipes_orders_producer_close(&k.tx);
    myl_ring_close(k.in);
    pipes_orders_unlink(in_name);
    remove_dir(dir);
}

/* The orders journaled in dir's journal; marks counted in *marks. */
static uint64_t count_orders(const char *dir, uint64_t *marks)
{
    char jdir[128];
    snprintf(jdir, sizeof jdir, "%s/journal", dir);
    myl_journal_reader *r;
    assert_int_equal(myl_journal_reader_open(jdir, 0, &r), 0);
    myl_journal_record rec;
    uint64_t n = 0;
    *marks = 0;
    while (myl_journal_read(r, &rec) == 1) {
        if (rec.type == MYL_PIPELINE_INPUT)
            (*marks)++;
        else if (rec.type == pipes_Book_TYPE)
            n++;
    }
    myl_journal_reader_close(r);
    return n;
}

/* Until the input's consumer released everything below seq. */
static void wait_released(myl_ring *in, uint64_t seq)
{
    myl_consumer_stats cs;
    uint64_t deadline = (uint64_t)time(NULL) + 60;
    do {
        assert_true((uint64_t)time(NULL) < deadline);
        sched_yield();
        assert_int_equal(myl_ring_consumer_stats(in, 0, &cs), 0);
    } while (cs.seq < seq);
}

static void send_orders(pipes_orders_producer *tx, uint64_t *id, int n)
{
    for (int i = 0; i < n; i++) {
        pipes_Order o = {.id = (*id)++, .qty = 1};
        assert_int_equal(pipes_orders_producer_try_send(tx, &o), 0);
    }
}

/* An output that cannot be sent (its ring full, a short send timeout)
 * fails the run after the commit; its inputs, journaled, still go back
 * to the ring: the next run does not journal them again. */
static void test_output_error_releases_input(void **unused)
{
    (void)unused;
    char dir[64], in_name[96], out_name[96];
    make_dir(dir);
    snprintf(in_name, sizeof in_name, "%s", myl_test_name("pe-in"));
    snprintf(out_name, sizeof out_name, "%s", myl_test_name("pe-fills"));
    myl_ring *in, *fills;
    assert_int_equal(pipes_orders_create(in_name, &in), 0);
    assert_int_equal(pipes_fills_create(out_name, &fills), 0);
    pipes_fills_consumer rx;
    assert_int_equal(pipes_fills_consumer_open(fills, "reader", NULL, &rx), 0);
    pipes_fills_producer ftx;
    assert_int_equal(pipes_fills_producer_open(fills, NULL, &ftx), 0);
    pipes_Fill f = {.id = 1};
    while (pipes_fills_producer_try_send(&ftx, &f) == 0)
        ;
    pipes_fills_producer_close(&ftx);
    static state st;
    seen w = {0};
    pipes_Book_cfg cfg;
    pipes_Book_cfg_init(&cfg);
    cfg.state = &st;
    cfg.input = in;
    cfg.report_ring = fills;
    cfg.send_timeout_ns = 1000;
    pipes_Book_handlers h;
    handlers(&h, &w);
    pipes_Book px;
    assert_int_equal(pipes_Book_open(dir, &cfg, &h, &px), 0);
    pipes_orders_producer tx;
    assert_int_equal(pipes_orders_producer_open(in, NULL, &tx), 0);
    uint64_t id = 1;
    send_orders(&tx, &id, 10);
    assert_true(pipes_Book_run(&px) < 0); /* the fills ring is full */
    send_orders(&tx, &id, 10);
    assert_true(pipes_Book_run(&px) < 0);
    assert_true(pipes_Book_run(&px) < 0);
    myl_consumer_stats cs;
    assert_int_equal(myl_ring_consumer_stats(in, 0, &cs), 0);
    assert_int_equal(cs.seq, 20); /* all given back */
    (void)pipes_Book_close(&px);
    uint64_t marks = 0;
    assert_int_equal(count_orders(dir, &marks), 20);
    pipes_orders_producer_close(&tx);
    pipes_fills_consumer_close(&rx);
    myl_ring_close(in);
    myl_ring_close(fills);
    pipes_orders_unlink(in_name);
    pipes_fills_unlink(out_name);
    remove_dir(dir);
}

/* A pipeline closed cleanly and opened again: what was sent while it
 * was closed waits in the ring (its input's position stays registered)
 * and is journaled once when it comes back. */
static void test_clean_restart_keeps_position(void **unused)
{
    (void)unused;
    char dir[64], in_name[96];
    make_dir(dir);
    snprintf(in_name, sizeof in_name, "%s", myl_test_name("pe-clean"));
    myl_ring *in;
    assert_int_equal(pipes_orders_create(in_name, &in), 0);
    static state st;
    seen w = {0};
    pipes_Book_cfg cfg;
    pipes_Book_cfg_init(&cfg);
    cfg.state = &st;
    cfg.input = in;
    pipes_Book_handlers h;
    handlers(&h, &w);
    pipes_orders_producer tx;
    assert_int_equal(pipes_orders_producer_open(in, NULL, &tx), 0);
    uint64_t id = 1;
    for (int round = 0; round < 3; round++) {
        pipes_Book px;
        assert_int_equal(pipes_Book_open(dir, &cfg, &h, &px), 0);
        send_orders(&tx, &id, 5);
        runner r = {&px, 1};
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, run_thread, &r), 0);
        wait_released(in, id - 1); /* everything sent so far journaled */
        pipes_Book_stop(&px);
        pthread_join(t, NULL);
        assert_int_equal(r.rc, 0);
        assert_int_equal(pipes_Book_close(&px), 0);
        send_orders(&tx, &id, 5); /* while it is closed */
    }
    pipes_Book px;
    assert_int_equal(pipes_Book_open(dir, &cfg, &h, &px), 0);
    runner r = {&px, 1};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, run_thread, &r), 0);
    wait_released(in, id - 1);
    pipes_Book_stop(&px);
    pthread_join(t, NULL);
    assert_int_equal(pipes_Book_close(&px), 0);
    uint64_t marks = 0;
    assert_int_equal(count_orders(dir, &marks), id - 1); /* 30, each once */
    pipes_orders_producer_close(&tx);
    myl_ring_close(in);
    pipes_orders_unlink(in_name);
    remove_dir(dir);
}

typedef struct sampled {
    uint64_t count, last_id;
    bool ordered;
} sampled;

static int on_sample(void *arg, uint64_t seq, const pipes_Order *in)
{
    sampled *s = arg;
    (void)seq;
    if (in->id <= s->last_id)
        s->ordered = false;
    s->last_id = in->id;
    s->count++;
    return 0;
}

static int sample_reset(void *arg)
{
    sampled *s = arg;
    *s = (sampled){.ordered = true};
    return 0;
}

static int sample_save(void *arg, void **payload, uint64_t *size)
{
    if (!(*payload = malloc(sizeof(sampled))))
        return -ENOMEM;
    memcpy(*payload, arg, sizeof(sampled));
    *size = sizeof(sampled);
    return 0;
}

static int sample_restore(void *arg, const void *payload, uint64_t size, uint32_t v)
{
    (void)v;
    if (size != sizeof(sampled))
        return MYL_ECORRUPT;
    memcpy(arg, payload, sizeof(sampled));
    return 0;
}

static void *run_sample(void *p)
{
    pipes_Sample *px = p;
    intptr_t rc = pipes_Sample_run(px);
    return (void *)rc;
}

/* A lossy input lapped before the run polls it: the run counts what the
 * producer overwrote (lost) and goes on from where the ring resumes,
 * instead of failing with MYL_EOVERRUN. */
static void test_lossy_input_goes_on(void **unused)
{
    (void)unused;
    char dir[64], in_name[96];
    make_dir(dir);
    snprintf(in_name, sizeof in_name, "%s", myl_test_name("pe-lossy"));
    myl_ring *in;
    assert_int_equal(pipes_orders_lossy_create(in_name, &in), 0);
    sampled st = {.ordered = true};
    pipes_Sample_cfg cfg;
    pipes_Sample_cfg_init(&cfg);
    cfg.state = &st;
    cfg.input = in;
    pipes_Sample_handlers h;
    memset(&h, 0, sizeof h);
    h.count = on_sample;
    h.reset = sample_reset;
    h.save = sample_save;
    h.restore = sample_restore;
    pipes_Sample px;
    assert_int_equal(pipes_Sample_open(dir, &cfg, &h, &px), 0);
    pipes_orders_lossy_producer tx;
    assert_int_equal(pipes_orders_lossy_producer_open(in, NULL, &tx), 0);
    uint64_t id = 1;
    for (; id <= 200; id++) { /* 64 slots: the first 136 are overwritten */
        pipes_Order o = {.id = id, .qty = 1};
        assert_int_equal(pipes_orders_lossy_producer_send(&tx, &o, 0), 0);
    }
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, run_sample, &px), 0);
    wait_released(in, 200);
    for (; id <= 210; id++) {
        pipes_Order o = {.id = id, .qty = 1};
        assert_int_equal(pipes_orders_lossy_producer_send(&tx, &o, 0), 0);
    }
    wait_released(in, 210);
    pipes_Sample_stop(&px);
    void *rc;
    pthread_join(t, &rc);
    assert_int_equal((intptr_t)rc, 0);
    /* the ring resumed half a ring behind its head: 200 - 32 lost */
    assert_int_equal(px.lost, 168);
    assert_int_equal(st.count, 42);
    assert_int_equal(st.last_id, 210);
    assert_true(st.ordered);
    assert_int_equal(pipes_Sample_close(&px), 0);
    pipes_orders_lossy_producer_close(&tx);
    myl_ring_close(in);
    pipes_orders_lossy_unlink(in_name);
    remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_hand),
        cmocka_unit_test(test_run_over_rings),
        cmocka_unit_test(test_restart_journals_once),
        cmocka_unit_test(test_output_error_releases_input),
        cmocka_unit_test(test_clean_restart_keeps_position),
        cmocka_unit_test(test_lossy_input_goes_on),
    };
    return myl_test_run("pipe_gen", tests, sizeof tests / sizeof tests[0]);
}
