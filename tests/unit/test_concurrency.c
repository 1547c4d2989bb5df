/* In-process concurrency: producer and consumer threads on one ring, one
 * stress body for every mode (SP/MP, 1..4 producers, 1..4 consumers,
 * gated/lossy, every wait strategy). Every consumer checks that each event
 * arrives exactly once, in order per producer, with intact contents, and
 * that the sum of what it saw equals the sum of what was sent.
 *
 * Built and run under TSan as well (label "concurrency"); the lossy case is
 * skipped there: a lossy reader copies a slot the writer may be rewriting
 * and detects it afterwards (seqlock style), a race TSan reports by design.
 * The machine may have 2 vCPUs: with more threads than cores, the rings
 * block or yield, never spin. */
#define _GNU_SOURCE
#include <pthread.h>

#include "unit_util.h"

#define MAX_THREADS 4

typedef struct ev {
    uint32_t producer;
    uint32_t batch; /* size of the claim it came from */
    uint64_t seq;   /* per producer: 0, 1, 2, ... */
    uint64_t payload[3];
    uint64_t check;
} ev;

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return x;
}

static void fill(ev *e, uint32_t producer, uint64_t seq, uint32_t batch)
{
    e->producer = producer;
    e->batch = batch;
    e->seq = seq;
    uint64_t k = ((uint64_t)producer << 48) ^ seq;
    for (int i = 0; i < 3; i++)
        e->payload[i] = mix(k * 3 + (uint64_t)i);
    e->check = mix(k ^ e->payload[0] ^ e->payload[1] ^ e->payload[2]);
}

static bool intact(const ev *e)
{
    uint64_t k = ((uint64_t)e->producer << 48) ^ e->seq;
    for (int i = 0; i < 3; i++)
        if (e->payload[i] != mix(k * 3 + (uint64_t)i))
            return false;
    return e->check == mix(k ^ e->payload[0] ^ e->payload[1] ^ e->payload[2]);
}

struct cfg {
    const char *tag;
    uint32_t producers; /* MYL_PRODUCERS_* */
    uint32_t mode;      /* MYL_MODE_* */
    uint32_t wait;      /* the ring's strategy */
    int nprod, ncons;
    uint64_t per_producer;
    uint64_t capacity;
    uint32_t batch_max;
};

struct shared {
    const struct cfg *cfg;
    myl_ring *ring;
    atomic_int producers_done;
};

struct pctx {
    struct shared *sh;
    uint32_t id;
    int rc;
    uint64_t sum;
};

struct cctx {
    struct shared *sh;
    myl_consumer *c;
    bool use_read;
    int rc;
    char why[160];
    uint64_t sum, delivered, lost;
};

static void *producer_main(void *arg)
{
    struct pctx *x = arg;
    const struct cfg *cfg = x->sh->cfg;
    myl_producer *p;
    x->rc = myl_producer_open(x->sh->ring, NULL, &p);
    if (x->rc != 0)
        return NULL;
    uint64_t rnd = mix(x->id + 1);
    for (uint64_t seq = 0; seq < cfg->per_producer;) {
        rnd = mix(rnd);
        uint32_t n = 1 + (uint32_t)(rnd % cfg->batch_max);
        if (n > cfg->per_producer - seq)
            n = (uint32_t)(cfg->per_producer - seq);
        if (n == 1 && (rnd >> 32) % 2 == 0) {
            ev e;
            fill(&e, x->id, seq, 1);
            x->rc = myl_producer_send(p, &e, MYL_UT_LIVENESS);
        } else {
            uint64_t s;
            x->rc = myl_producer_claim(p, n, &s, MYL_UT_LIVENESS);
            if (x->rc == 0) {
                for (uint32_t i = 0; i < n; i++)
                    fill(myl_producer_slot(p, s + i), x->id, seq + i, n);
                myl_producer_publish(p, s, n);
            }
        }
        if (x->rc != 0)
            break;
        for (uint32_t i = 0; i < n; i++)
            x->sum += mix(((uint64_t)x->id << 48) ^ (seq + i));
        seq += n;
    }
    myl_producer_close(p);
    atomic_fetch_add(&x->sh->producers_done, 1);
    return NULL;
}

/* Check one delivered event against what this consumer saw so far. */
static bool accept(struct cctx *x, uint64_t *next, const ev *e, bool lossy)
{
    int nprod = x->sh->cfg->nprod;
    if (!intact(e) || (int)e->producer >= nprod) {
        snprintf(x->why, sizeof x->why, "torn or foreign event (producer %u seq %llu)", e->producer,
                 (unsigned long long)e->seq);
        return false;
    }
    /* Gated: exactly the next one from that producer. Lossy: a later one
     * (events in between may be lost, never reordered or repeated). */
    if (lossy ? e->seq < next[e->producer] : e->seq != next[e->producer]) {
        snprintf(x->why, sizeof x->why, "producer %u: got seq %llu, expected %s%llu", e->producer,
                 (unsigned long long)e->seq, lossy ? ">= " : "",
                 (unsigned long long)next[e->producer]);
        return false;
    }
    next[e->producer] = e->seq + 1;
    x->sum += mix(((uint64_t)e->producer << 48) ^ e->seq);
    x->delivered++;
    return true;
}

static void *consumer_main(void *arg)
{
    struct cctx *x = arg;
    const struct cfg *cfg = x->sh->cfg;
    bool lossy = cfg->mode == MYL_MODE_LOSSY;
    uint64_t next[MAX_THREADS] = {0};
    uint64_t total = cfg->per_producer * (uint64_t)cfg->nprod;
    ev buf[32];
    while (x->delivered + x->lost < total) {
        /* Lossy: once every producer is done, what is not in the ring any
         * more has been counted lost; stop when nothing is left. */
        bool done = atomic_load(&x->sh->producers_done) == cfg->nprod;
        int64_t tmo = lossy && done ? 0 : MYL_UT_LIVENESS;
        if (x->use_read || lossy) {
            uint64_t l = 0;
            int64_t n = myl_consumer_read(x->c, buf, 32, &l, tmo);
            x->lost += l;
            if (n == MYL_ETIMEDOUT && lossy && done)
                break;
            if (n <= 0) {
                snprintf(x->why, sizeof x->why, "read: %s", myl_errname((int)n));
                x->rc = -1;
                return NULL;
            }
            for (int64_t i = 0; i < n; i++)
                if (!accept(x, next, &buf[i], lossy)) {
                    x->rc = -1;
                    return NULL;
                }
        } else {
            uint64_t s;
            int64_t n = myl_consumer_poll(x->c, 64, &s, tmo);
            if (n <= 0) {
                snprintf(x->why, sizeof x->why, "poll: %s", myl_errname((int)n));
                x->rc = -1;
                return NULL;
            }
            for (int64_t i = 0; i < n; i++)
                if (!accept(x, next, myl_consumer_slot(x->c, s + (uint64_t)i), false)) {
                    x->rc = -1;
                    return NULL;
                }
            myl_consumer_release(x->c, (uint32_t)n);
        }
    }
    x->rc = 0;
    return NULL;
}

static void stress(const struct cfg *cfg)
{
    myl_ring_opts o = myl_ut_opts(cfg->tag, MYL_BACKING_SHM);
    o.slot_size = sizeof(ev);
    o.producers = cfg->producers;
    o.mode = cfg->mode;
    o.wait = cfg->wait;
    o.capacity = cfg->capacity;
    myl_ring *r = myl_ut_create(&o);
    struct shared sh = {.cfg = cfg, .ring = r};
    atomic_init(&sh.producers_done, 0);
    struct pctx px[MAX_THREADS] = {{0}};
    struct cctx cx[MAX_THREADS] = {{0}};
    pthread_t pt[MAX_THREADS], ct[MAX_THREADS];
    /* Every consumer is registered before the first event is sent. */
    for (int i = 0; i < cfg->ncons; i++) {
        char id[16];
        snprintf(id, sizeof id, "c%d", i);
        cx[i].sh = &sh;
        cx[i].use_read = i % 2 == 1;
        assert_int_equal(myl_consumer_open(r, id, NULL, &cx[i].c), 0);
    }
    for (int i = 0; i < cfg->ncons; i++)
        assert_int_equal(pthread_create(&ct[i], NULL, consumer_main, &cx[i]), 0);
    for (int i = 0; i < cfg->nprod; i++) {
        px[i].sh = &sh;
        px[i].id = (uint32_t)i;
        assert_int_equal(pthread_create(&pt[i], NULL, producer_main, &px[i]), 0);
    }
    uint64_t sent_sum = 0;
    for (int i = 0; i < cfg->nprod; i++) {
        assert_int_equal(pthread_join(pt[i], NULL), 0);
        if (px[i].rc != 0)
            fprintf(stderr, "producer %d: %s\n", i, myl_errname(px[i].rc));
        assert_int_equal(px[i].rc, 0);
        sent_sum += px[i].sum;
    }
    uint64_t total = cfg->per_producer * (uint64_t)cfg->nprod;
    for (int i = 0; i < cfg->ncons; i++) {
        assert_int_equal(pthread_join(ct[i], NULL), 0);
        if (cx[i].rc != 0)
            fprintf(stderr, "%s consumer %d: %s\n", cfg->tag, i, cx[i].why);
        assert_int_equal(cx[i].rc, 0);
        assert_int_equal(cx[i].delivered + cx[i].lost, total);
        if (cfg->mode == MYL_MODE_GATED) {
            assert_int_equal(cx[i].lost, 0);
            assert_int_equal(cx[i].sum, sent_sum);
        }
        myl_consumer_stats cst;
        assert_int_equal(myl_ring_consumer_stats(r, cx[i].c->idx, &cst), 0);
        assert_int_equal(cst.consumed, cx[i].delivered);
        assert_int_equal(cst.lost, cx[i].lost);
        assert_int_equal(cst.skipped, 0);
        myl_consumer_close(cx[i].c);
    }
    myl_ring_stats st;
    assert_int_equal(myl_ring_stats_get(r, &st), 0);
    assert_int_equal(st.published, total);
    assert_int_equal(st.claim, total);
    myl_ut_destroy(r, &o);
}

/* Events per producer: a few seconds in all on 2 vCPUs, fewer under
 * sanitizers. */
#define N(n) ((uint64_t)(n) / MYL_UT_SCALE)

#define CASE(name, ...)                                                                            \
    static void name(void **state)                                                                 \
    {                                                                                              \
        (void)state;                                                                               \
        const struct cfg cfg = {.tag = #name, __VA_ARGS__};                                        \
        stress(&cfg);                                                                              \
    }

CASE(test_sp_1c_hybrid, .producers = MYL_PRODUCERS_SINGLE, .mode = MYL_MODE_GATED,
     .wait = MYL_WAIT_HYBRID, .nprod = 1, .ncons = 1, .per_producer = N(400000), .capacity = 256,
     .batch_max = 8)
CASE(test_sp_1c_spin, .producers = MYL_PRODUCERS_SINGLE, .mode = MYL_MODE_GATED,
     .wait = MYL_WAIT_SPIN, .nprod = 1, .ncons = 1, .per_producer = N(20000), .capacity = 64,
     .batch_max = 4)
CASE(test_sp_2c_block, .producers = MYL_PRODUCERS_SINGLE, .mode = MYL_MODE_GATED,
     .wait = MYL_WAIT_BLOCK, .nprod = 1, .ncons = 2, .per_producer = N(800000), .capacity = 128,
     .batch_max = 16)
CASE(test_sp_4c_yield, .producers = MYL_PRODUCERS_SINGLE, .mode = MYL_MODE_GATED,
     .wait = MYL_WAIT_YIELD, .nprod = 1, .ncons = 4, .per_producer = N(400000), .capacity = 64,
     .batch_max = 8)
CASE(test_sp_4c_block, .producers = MYL_PRODUCERS_SINGLE, .mode = MYL_MODE_GATED,
     .wait = MYL_WAIT_BLOCK, .nprod = 1, .ncons = 4, .per_producer = N(400000), .capacity = 1024,
     .batch_max = 32)
CASE(test_mp2_1c_block, .producers = MYL_PRODUCERS_MULTI, .mode = MYL_MODE_GATED,
     .wait = MYL_WAIT_BLOCK, .nprod = 2, .ncons = 1, .per_producer = N(400000), .capacity = 128,
     .batch_max = 8)
CASE(test_mp2_2c_hybrid, .producers = MYL_PRODUCERS_MULTI, .mode = MYL_MODE_GATED,
     .wait = MYL_WAIT_HYBRID, .nprod = 2, .ncons = 2, .per_producer = N(200000), .capacity = 256,
     .batch_max = 4)
CASE(test_mp2_4c_yield, .producers = MYL_PRODUCERS_MULTI, .mode = MYL_MODE_GATED,
     .wait = MYL_WAIT_YIELD, .nprod = 2, .ncons = 4, .per_producer = N(200000), .capacity = 64,
     .batch_max = 4)
CASE(test_mp4_1c_yield, .producers = MYL_PRODUCERS_MULTI, .mode = MYL_MODE_GATED,
     .wait = MYL_WAIT_YIELD, .nprod = 4, .ncons = 1, .per_producer = N(200000), .capacity = 128,
     .batch_max = 8)
CASE(test_mp4_2c_block, .producers = MYL_PRODUCERS_MULTI, .mode = MYL_MODE_GATED,
     .wait = MYL_WAIT_BLOCK, .nprod = 4, .ncons = 2, .per_producer = N(200000), .capacity = 256,
     .batch_max = 16)
CASE(test_mp4_4c_block, .producers = MYL_PRODUCERS_MULTI, .mode = MYL_MODE_GATED,
     .wait = MYL_WAIT_BLOCK, .nprod = 4, .ncons = 4, .per_producer = N(100000), .capacity = 64,
     .batch_max = 4)

#ifndef MYL_UT_TSAN
CASE(test_lossy_sp_2c, .producers = MYL_PRODUCERS_SINGLE, .mode = MYL_MODE_LOSSY,
     .wait = MYL_WAIT_BLOCK, .nprod = 1, .ncons = 2, .per_producer = N(600000), .capacity = 64,
     .batch_max = 8)
#else
static void test_lossy_sp_2c(void **state)
{
    (void)state;
    exit(MYL_TEST_SKIP); /* seqlock-style reads race by design; see the top */
}
#endif

MYL_TEST_MAIN("concurrency", cmocka_unit_test(test_sp_1c_hybrid), cmocka_unit_test(test_sp_1c_spin),
              cmocka_unit_test(test_sp_2c_block), cmocka_unit_test(test_sp_4c_yield),
              cmocka_unit_test(test_sp_4c_block), cmocka_unit_test(test_mp2_1c_block),
              cmocka_unit_test(test_mp2_2c_hybrid), cmocka_unit_test(test_mp2_4c_yield),
              cmocka_unit_test(test_mp4_1c_yield), cmocka_unit_test(test_mp4_2c_block),
              cmocka_unit_test(test_mp4_4c_block), cmocka_unit_test(test_lossy_sp_2c))
