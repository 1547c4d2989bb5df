/* The channel binding myelonc generates from schemas/ticks.myl, used end
 * to end by two processes: this one creates the ring and produces through
 * the typed wrappers; a child exec'ed from this binary attaches by the
 * generated descriptor and consumes. Also: the fingerprint the generated
 * code bakes in is what the runtime checks on attach. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>

#include "harness.h"

#include "ticks.myl.h"

#define N_EVENTS 200000u
#define ROLE_ENV "MYLC_MP_CONSUMER"

static uint64_t checksum(const ticks_Tick *t)
{
    const uint8_t *p = (const uint8_t *)t;
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < offsetof(ticks_Tick, check); i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

/* The consumer process: attach by name, read every event in order. */
static int consume(const char *name)
{
    myl_ring *r;
    int rc = ticks_ticks_attach(name, INT64_C(10000000000), &r);
    if (rc < 0) {
        fprintf(stderr, "consumer: attach: %s\n", myl_strerror(rc));
        return 2;
    }
    ticks_ticks_consumer c;
    if ((rc = ticks_ticks_consumer_open(r, "c-gen", NULL, &c)) < 0) {
        fprintf(stderr, "consumer: open: %s\n", myl_strerror(rc));
        return 3;
    }
    uint64_t expect = 0;
    while (expect < N_EVENTS) {
        uint64_t s;
        int64_t n = ticks_ticks_consumer_poll(&c, 64, &s, INT64_C(10000000000));
        if (n < 0) {
            fprintf(stderr, "consumer: poll: %s\n", myl_strerror((int)n));
            return 4;
        }
        for (int64_t i = 0; i < n; i++, expect++) {
            const ticks_Tick *t = ticks_ticks_consumer_slot(&c, s + (uint64_t)i);
            if (t->seq != expect || t->check != checksum(t) || t->side != (expect & 1) ||
                memcmp(t->symbol, "MYLC", 4) != 0) {
                fprintf(stderr, "consumer: bad event at %llu\n", (unsigned long long)expect);
                return 5;
            }
        }
        ticks_ticks_consumer_release(&c, (uint32_t)n);
    }
    ticks_ticks_consumer_close(&c);
    myl_ring_close(r);
    return 0;
}

__attribute__((constructor)) static void consumer_role(void)
{
    const char *name = getenv(ROLE_ENV);
    if (name)
        _exit(consume(name));
}

static void test_two_processes(void **state)
{
    (void)state;
    const char *name = myl_test_name("gen-ticks");
    myl_ring_unlink(ticks_ticks_desc.backing, name);
    myl_ring *r;
    assert_int_equal(ticks_ticks_create(name, &r), 0);
    ticks_ticks_producer p;
    assert_int_equal(ticks_ticks_producer_open(r, NULL, &p), 0);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv(ROLE_ENV, name, 1);
        char *argv[] = {(char *)"test_myelonc_binding_mp", NULL};
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    assert_int_equal(myl_producer_wait_consumers(p.p, "c-gen", 1, INT64_C(10000000000)), 0);
    for (uint64_t i = 0; i < N_EVENTS;) {
        uint32_t n = N_EVENTS - i < 32 ? (uint32_t)(N_EVENTS - i) : 32;
        uint64_t s;
        assert_int_equal(ticks_ticks_producer_claim(&p, n, &s, INT64_C(10000000000)), 0);
        for (uint32_t k = 0; k < n; k++, i++) {
            ticks_Tick *t = ticks_ticks_producer_slot(&p, s + k);
            memset(t, 0, sizeof *t);
            t->seq = i;
            t->side = (ticks_Side)(i & 1 ? ticks_Side_SELL : ticks_Side_BUY);
            memcpy(t->symbol, "MYLC", 4);
            t->check = checksum(t);
        }
        ticks_ticks_producer_publish(&p, s, n);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    ticks_ticks_producer_close(&p);
    myl_ring_close(r);
    /* The generated _unlink removes the name; a second time it is gone. */
    assert_int_equal(ticks_ticks_unlink(name), 0);
    assert_int_equal(ticks_ticks_unlink(name), -ENOENT);
}

/* A ring created for another schema (another fingerprint) is refused by
 * the runtime on attach and by the typed endpoints. */
static void test_fingerprint_mismatch(void **state)
{
    (void)state;
    const char *name = myl_test_name("gen-fp");
    myl_ring_unlink(MYL_BACKING_SHM, name);
    myl_ring_opts o;
    myl_channel_ring_opts(&ticks_ticks_desc, name, &o);
    o.fingerprint ^= 1;
    myl_ring *other;
    assert_int_equal(myl_ring_create(&o, &other), 0);
    myl_ring *r;
    assert_int_equal(ticks_ticks_attach(name, 0, &r), MYL_EFINGERPRINT);
    /* A refused open leaves the handle NULL (closing it is harmless);
     * no ring or no handle is MYL_EINVAL, not a crash. */
    ticks_ticks_producer p = {(myl_producer *)&p};
    assert_int_equal(ticks_ticks_producer_open(other, NULL, &p), MYL_EFINGERPRINT);
    assert_null(p.p);
    ticks_ticks_producer_close(&p);
    ticks_ticks_consumer c = {(myl_consumer *)&c};
    assert_int_equal(ticks_ticks_consumer_open(other, "c", NULL, &c), MYL_EFINGERPRINT);
    assert_null(c.c);
    assert_int_equal(ticks_ticks_producer_open(NULL, NULL, &p), MYL_EINVAL);
    assert_int_equal(ticks_ticks_consumer_open(NULL, "c", NULL, &c), MYL_EINVAL);
    assert_int_equal(ticks_ticks_producer_open(other, NULL, NULL), MYL_EINVAL);
    assert_int_equal(ticks_ticks_consumer_open(other, "c", NULL, NULL), MYL_EINVAL);
    myl_ring_close(other);
    assert_int_equal(myl_ring_unlink(MYL_BACKING_SHM, name), 0);
}

static void test_descriptor(void **state)
{
    (void)state;
    assert_int_equal(ticks_ticks_desc.slot_size, sizeof(ticks_Tick));
    assert_int_equal(sizeof(ticks_Tick), 64);
    assert_int_equal(ticks_ticks_desc.capacity, 16384);
    assert_int_equal(ticks_ticks_desc.producers, MYL_PRODUCERS_SINGLE);
    assert_int_equal(ticks_feed_desc.mode, MYL_MODE_LOSSY);
    assert_string_equal(ticks_ticks_desc.name, "ticks.ticks");
    assert_string_equal(ticks_Side_name(ticks_Side_SELL), "SELL");
    assert_null(ticks_Side_name((ticks_Side)7));
    assert_int_not_equal(ticks_ticks_desc.fingerprint, 0);
}

MYL_TEST_MAIN("myelonc_binding_mp", cmocka_unit_test(test_descriptor),
              cmocka_unit_test(test_fingerprint_mismatch), cmocka_unit_test(test_two_processes))
