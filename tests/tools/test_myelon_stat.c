/* myelon-stat reads a live ring's counters from another process, read-only,
 * and sweeps orphaned segments. */
#include "harness.h"

#include <errno.h>
#include <sys/stat.h>

#include "myelon/myelon.h"
#include "topo_common.h"

static char *run(const char *args)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s %s 2>&1", MYELON_STAT_PATH, args);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    static char out[16384];
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = '\0';
    int st = pclose(f);
    assert_int_equal(WEXITSTATUS(st), 0);
    return out;
}

static void test_stat_counts(void **state)
{
    (void)state;
    const char *name = myl_test_name("stat");
    myl_ring_opts o = {.size = sizeof o, .name = name, .slot_size = 16, .capacity = 64};
    myl_ring *r;
    myl_ring_unlink(MYL_BACKING_SHM, name);
    assert_int_equal(myl_ring_create(&o, &r), 0);
    myl_producer *p;
    myl_consumer *c;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    assert_int_equal(myl_consumer_open(r, "reader-1", NULL, &c), 0);
    uint64_t ev[2] = {1, 2}, s;
    for (int i = 0; i < 10; i++)
        assert_int_equal(myl_producer_try_send(p, ev), 0);
    assert_int_equal(myl_consumer_try_poll(c, 4, &s), 4);
    myl_consumer_release(c, 4);

    char args[256];
    snprintf(args, sizeof args, "%s", name);
    char *out = run(args);
    assert_non_null(strstr(out, "published    10\n"));
    assert_non_null(strstr(out, "reader-1"));
    assert_non_null(strstr(out, "1 active"));

    snprintf(args, sizeof args, "--prometheus %s", name);
    out = run(args);
    char want[256];
    snprintf(want, sizeof want, "myelon_published_total{ring=\"%s\"} 10\n", name);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof want,
             "myelon_consumer_consumed_total{ring=\"%s\",consumer=\"reader-1\"} 4\n", name);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof want, "myelon_consumer_lag{ring=\"%s\",consumer=\"reader-1\"} 6\n", name);
    assert_non_null(strstr(out, want));

    myl_consumer_close(c);
    myl_producer_close(p);
    myl_ring_close(r);
    myl_ring_unlink(MYL_BACKING_SHM, name);
}

static void test_stat_missing_ring(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s myl-test-no-such-ring-%d 2>&1", MYELON_STAT_PATH, (int)getpid());
    FILE *f = popen(cmd, "r");
    char out[1024];
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = '\0';
    int st = pclose(f);
    assert_int_equal(WEXITSTATUS(st), 1);
    assert_non_null(strstr(out, "ENOENT"));
}

/* An observer attaches read-only, whatever the ring's mode and owner: a
 * 0444 ring (which no read-write attach of the owner accepts) is shown. */
static void test_stat_readonly(void **state)
{
    (void)state;
    const char *name = myl_test_name("statro");
    myl_ring_opts o = {.size = sizeof o, .name = name, .slot_size = 16, .capacity = 64};
    o.perm = 0444;
    myl_ring *r, *a;
    myl_ring_unlink(MYL_BACKING_SHM, name);
    assert_int_equal(myl_ring_create(&o, &r), 0);
    myl_ring_opts ao = {.size = sizeof ao, .name = name};
    assert_int_equal(myl_ring_attach(&ao, &a), MYL_EMODE);
    char *out = run(name);
    assert_non_null(strstr(out, "published    0\n"));
    myl_ring_close(r);
    myl_ring_unlink(MYL_BACKING_SHM, name);
}

/* --sweep removes a segment whose processes all died, not a live one. */
static void test_stat_sweep(void **state)
{
    (void)state;
    const char *dead = myl_test_name("sweep-dead"), *live = myl_test_name("sweep-live");
    myl_ring_opts o = {.size = sizeof o, .name = dead, .slot_size = 16, .capacity = 64};
    myl_ring *r, *a;
    myl_ring_unlink(MYL_BACKING_SHM, dead);
    myl_ring_unlink(MYL_BACKING_SHM, live);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(myl_ring_create(&o, &r) == 0 ? 0 : 1); /* leaves it behind */
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_int_equal(WEXITSTATUS(st), 0);
    myl_ring_opts lo = o;
    lo.name = live;
    assert_int_equal(myl_ring_create(&lo, &r), 0);
    char args[256];
    snprintf(args, sizeof args, "--sweep myl-test-%d-sweep-", (int)getpid());
    char *out = run(args);
    assert_non_null(strstr(out, "removed 1 orphaned"));
    assert_int_equal(myl_ring_attach(&o, &a), -ENOENT);
    assert_int_equal(myl_ring_attach(&lo, &a), 0);
    myl_ring_close(a);
    myl_ring_close(r);
    assert_int_equal(myl_ring_unlink(MYL_BACKING_SHM, live), 0);
}

/* A topology's control segment: its members and their heartbeats. */
static void test_stat_topology(void **state)
{
    (void)state;
    myl_topo_cfg c;
    myl_topo_cfg_init(&c);
    char inst[64];
    snprintf(inst, sizeof inst, "stat%d", (int)getpid());
    c.instance = inst;
    c.counts[1] = 2;
    myl_topo *t, *w;
    assert_int_equal(myl_topo_open(&topo_desc, &c, 0, 0, &t), 0);
    assert_int_equal(myl_topo_ready(t), 0);
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 1, &w), 0);
    assert_int_equal(myl_topo_ready(w), 0);
    char name[128], line[160];
    myl_topo_segment_name(t, UINT32_MAX, 0, name, sizeof name);
    const char *out = run(name);
    snprintf(line, sizeof line, "topology     test.Fabric instance %s, 3 members, owner pid %d",
             inst, (int)getpid());
    assert_non_null(strstr(out, line));
    assert_non_null(strstr(out, "running"));
    /* scheduler.0 up, workers.0 free, workers.1 up; heartbeats shown */
    assert_non_null(strstr(out, "  0    0     up"));
    assert_non_null(strstr(out, "  1    0     free"));
    assert_non_null(strstr(out, "  1    1     up"));
    assert_non_null(strstr(out, " ms\n"));
    myl_topo_close(w);
    myl_topo_close(t);
}

MYL_TEST_MAIN("myelon_stat", cmocka_unit_test(test_stat_counts),
              cmocka_unit_test(test_stat_missing_ring), cmocka_unit_test(test_stat_readonly),
              cmocka_unit_test(test_stat_sweep), cmocka_unit_test(test_stat_topology))
