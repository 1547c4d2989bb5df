/* Multi-process data path: real mp_producer and mp_consumer programs,
 * fork/exec'ed by mp_run(), in every mode. Each consumer checks every event
 * (contents, exactly once and in order per producer on gated rings,
 * strictly increasing and never torn on lossy ones) and the driver checks
 * its report against the producers' reports and the segment's counters.
 *
 * MYL_MP_EVENTS overrides the events per case (split among producers),
 * MYL_MP_WATCHDOG the seconds a case may take (default 90).
 */
#include "harness.h"

#include "mp_driver.h"

#define SP MYL_PRODUCERS_SINGLE
#define MP MYL_PRODUCERS_MULTI
#define GATED MYL_MODE_GATED
#define LOSSY MYL_MODE_LOSSY
#define SHM MYL_BACKING_SHM
#define FILE_ MYL_BACKING_FILE

typedef struct mp_case {
    const char *name;
    mp_cfg cfg;
    uint64_t events; /* in all, split among producers */
} mp_case;

/* Rings oversubscribe two cores: block and hybrid (futex) or yield waits,
 * spin only where processes fit. Lossy cases force an overrun on consumer
 * c0 (pause_at) so that the loss accounting is always exercised. */
#define G(nm, pm, np, nc, bk, sl, cap, w, b, cb, ev)                                               \
    {                                                                                              \
#nm, {.producers_mode = pm,                                                                \
             .mode = GATED,                                                                        \
             .nprod = np,                                                                          \
             .ncons = nc,                                                                          \
             .backing = bk,                                                                        \
             .slot = sl,                                                                           \
             .capacity = cap,                                                                      \
             .wait = w,                                                                            \
             .batch = b,                                                                           \
             .cbatch = cb },                                                                       \
             ev                                                                                    \
    }
#define L(nm, nc, bk, sl, cp, ev)                                                                  \
    {                                                                                              \
#nm, {.producers_mode = SP,                                                                \
             .mode = LOSSY,                                                                        \
             .nprod = 1,                                                                           \
             .ncons = nc,                                                                          \
             .backing = bk,                                                                        \
             .slot = sl,                                                                           \
             .capacity = 256,                                                                      \
             .wait = MYL_WAIT_HYBRID,                                                              \
             .batch = 8,                                                                           \
             .cbatch = 32,                                                                         \
             .copy = cp,                                                                           \
             .pause_at = 1000 },                                                                   \
             ev                                                                                    \
    }
#define HY MYL_WAIT_HYBRID

static const mp_case cases[] = {
    /* SP and MP (2, 4 producers) x 1, 2, 4 consumers. */
    G(sp_gated_1c, SP, 1, 1, SHM, 64, 1024, HY, 8, 64, 60000),
    G(sp_gated_2c, SP, 1, 2, SHM, 64, 1024, HY, 8, 64, 60000),
    G(sp_gated_4c, SP, 1, 4, SHM, 64, 1024, HY, 8, 64, 60000),
    G(mp2_gated_1c, MP, 2, 1, SHM, 64, 1024, HY, 8, 64, 60000),
    G(mp2_gated_2c, MP, 2, 2, SHM, 64, 1024, HY, 8, 64, 60000),
    G(mp2_gated_4c, MP, 2, 4, SHM, 64, 1024, HY, 8, 64, 60000),
    G(mp4_gated_1c, MP, 4, 1, SHM, 64, 1024, HY, 8, 64, 60000),
    G(mp4_gated_2c, MP, 4, 2, SHM, 64, 1024, HY, 8, 64, 60000),
    G(mp4_gated_4c, MP, 4, 4, SHM, 64, 1024, HY, 8, 64, 60000),
    /* Slot sizes: 8 (compact events), 200, 4096. */
    G(sp_gated_slot8, SP, 1, 2, SHM, 8, 1024, HY, 16, 64, 60000),
    G(sp_gated_slot200, SP, 1, 2, SHM, 200, 1024, HY, 8, 64, 40000),
    G(sp_gated_slot4096, SP, 1, 2, SHM, 4096, 256, HY, 4, 16, 10000),
    G(mp2_gated_slot8, MP, 2, 2, SHM, 8, 1024, HY, 16, 64, 60000),
    G(mp4_gated_slot200, MP, 4, 2, SHM, 200, 1024, HY, 8, 64, 40000),
    G(mp2_gated_slot4096, MP, 2, 2, SHM, 4096, 256, HY, 4, 16, 10000),
    /* mmap'ed files. */
    G(sp_gated_file_2c, SP, 1, 2, FILE_, 64, 1024, HY, 8, 64, 40000),
    G(mp2_gated_file_4c, MP, 2, 4, FILE_, 64, 1024, HY, 8, 64, 40000),
    G(mp4_gated_file_1c, MP, 4, 1, FILE_, 200, 1024, HY, 8, 64, 40000),
    /* Wait strategies, batch 1, and a tiny ring (constant gating, wraps). */
    G(sp_gated_block, SP, 1, 2, SHM, 64, 1024, MYL_WAIT_BLOCK, 8, 64, 40000),
    G(mp2_gated_yield, MP, 2, 2, SHM, 64, 1024, MYL_WAIT_YIELD, 8, 64, 40000),
    G(sp_gated_spin, SP, 1, 1, SHM, 64, 1024, MYL_WAIT_SPIN, 8, 64, 40000),
    G(mp4_gated_batch1, MP, 4, 4, SHM, 64, 1024, HY, 1, 1, 20000),
    G(mp4_gated_cap16, MP, 4, 2, SHM, 64, 16, HY, 4, 8, 20000),
    G(sp_gated_cap2, SP, 1, 2, SHM, 64, 2, HY, 1, 2, 10000),
    /* Lossy (single-producer only: the runtime refuses MP + lossy, which
     * could tear events under preemption): delivered + lost == published,
     * exactly, per consumer, and no torn event is ever delivered. */
    L(sp_lossy_1c, 1, SHM, 64, false, 60000),
    L(sp_lossy_2c, 2, SHM, 64, false, 60000),
    L(sp_lossy_4c, 4, SHM, 64, false, 60000),
    L(sp_lossy_copy_2c, 2, SHM, 64, true, 60000),
    L(sp_lossy_copy_4c, 4, SHM, 200, true, 60000),
    L(sp_lossy_slot8, 2, SHM, 8, false, 60000),
    L(sp_lossy_slot200, 2, SHM, 200, false, 60000),
    L(sp_lossy_slot4096, 2, SHM, 4096, false, 20000),
    L(sp_lossy_slot4096_copy, 2, SHM, 4096, true, 20000),
    L(sp_lossy_file_2c, 2, FILE_, 200, false, 40000),
    L(sp_lossy_file_copy_4c, 4, FILE_, 64, true, 40000),
};

static void run_case(void **state)
{
    const mp_case *c = *state;
    mp_cfg cfg = c->cfg;
    uint64_t events = mp_env_u64("MYL_MP_EVENTS", c->events);
    cfg.label = myl_test_name(c->name);
    cfg.count = events / cfg.nprod;
    cfg.watchdog_s = (uint32_t)mp_env_u64("MYL_MP_WATCHDOG", 0);
    if (cfg.count == 0)
        cfg.count = 1;
    if (cfg.pause_at && cfg.count * cfg.nprod < cfg.pause_at + 4 * cfg.capacity)
        cfg.count = (cfg.pause_at + 4 * cfg.capacity) / cfg.nprod + 1;
    mp_result res;
    int rc = mp_run(&cfg, &res);
    printf("[ %-8s ] %s: %llu events, %.2f s%s%s\n", rc ? "FAIL" : "ok", c->name,
           (unsigned long long)(cfg.count * cfg.nprod), res.seconds, rc ? ": " : "",
           rc ? res.err : "");
    if (cfg.mode == LOSSY && rc == 0)
        for (uint32_t i = 0; i < cfg.ncons; i++)
            printf("             c%u: delivered %llu, lost %llu in %llu overruns\n", i,
                   (unsigned long long)res.cons[i].delivered, (unsigned long long)res.cons[i].lost,
                   (unsigned long long)res.cons[i].overruns);
    assert_int_equal(rc, 0);
}

int main(void)
{
    enum { N = sizeof cases / sizeof cases[0] };
    struct CMUnitTest tests[N];
    for (size_t i = 0; i < N; i++)
        tests[i] = (struct CMUnitTest){cases[i].name, run_case, NULL, NULL, (void *)&cases[i]};
    return myl_test_run("mp", tests, N);
}
