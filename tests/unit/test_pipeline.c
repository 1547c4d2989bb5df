/* The pipeline runtime (pipeline.h): create / recover /
 * recover_from_snapshot / rotate and their errors, the acknowledgement
 * gate (outputs held until durable; none released after a failed write
 * or fsync, and every one released survives recovery), the shadow
 * snapshot stage and ticks. The application and its model are in
 * pipeline_model.h; kill -9 at random instants is
 * tests/fault/pipeline_stress.c.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>

#include "pipeline_model.h"
#include "unit_util.h"

#define SEED 42u

/* ---- the application's side ---- */

static pm_state g_state, g_shadow;
static pm_output g_out[20000];
static size_t g_n_out;
static myl_pipeline *g_p; /* for the virtual clock */

static void deliver(void *arg, uint64_t seq, const void *data, uint32_t len)
{
    (void)arg;
    assert_int_equal(len, sizeof(pm_output));
    assert_true(g_n_out < sizeof g_out / sizeof g_out[0]);
    memcpy(&g_out[g_n_out], data, sizeof(pm_output));
    assert_int_equal(g_out[g_n_out].seq, seq);
    if (g_n_out)
        assert_true(g_out[g_n_out - 1].seq < seq); /* in order, once */
    g_n_out++;
}

static myl_pipeline_app app_of(bool shadow)
{
    myl_pipeline_app a = {.size = sizeof a,
                          .app_version = PM_VERSION,
                          .state = &g_state,
                          .shadow_state = shadow ? &g_shadow : NULL,
                          .reset = pm_reset,
                          .apply = pm_apply,
                          .save = pm_save,
                          .restore = pm_restore,
                          .deliver = deliver};
    return a;
}

static myl_pipeline_opts opts_of(uint32_t sync)
{
    myl_pipeline_opts o = {.size = sizeof o};
    o.journal.sync = sync;
    o.journal.segment_bytes = 4096; /* many segments */
    o.clock = pm_clock;
    o.clock_arg = &g_p;
    return o;
}

/* Run n steps of the input loop, committing every batch. */
static void run(myl_pipeline *p, uint64_t n, uint32_t batch)
{
    for (uint64_t i = 0; i < n; i++) {
        assert_int_equal(pm_step(p, SEED), 0);
        if ((i + 1) % batch == 0)
            assert_true(myl_pipeline_commit(p) >= 0);
    }
    assert_true(myl_pipeline_commit(p) >= 0);
}

/* The state and chain of p equal the model's for its next_seq records. */
static void check_model(myl_pipeline *p, uint64_t tick_ns)
{
    pm_state want;
    uint64_t chain;
    pm_model(SEED, tick_ns, myl_pipeline_next_seq(p), &want, &chain, NULL);
    assert_memory_equal(&g_state, &want, sizeof want);
    assert_int_equal(myl_pipeline_chain(p), chain);
}

/* Every output released is the model's, for a record below n. */
static void check_outputs(uint64_t n, uint64_t tick_ns)
{
    uint64_t *outs = calloc(n + 1, sizeof *outs);
    pm_state st;
    uint64_t chain;
    pm_model(SEED, tick_ns, n, &st, &chain, outs);
    for (size_t i = 0; i < g_n_out; i++) {
        assert_true(g_out[i].seq < n);
        assert_int_equal(g_out[i].value, outs[g_out[i].seq]);
    }
    free(outs);
}

static size_t count_files(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

/* Remove a pipeline directory (two levels). */
static void rm_pipeline(const char *dir)
{
    char sub[256];
    snprintf(sub, sizeof sub, "%.200s/journal", dir);
    myl_ut_rm_rf(sub);
    snprintf(sub, sizeof sub, "%.200s/snapshots", dir);
    myl_ut_rm_rf(sub);
    myl_ut_rm_rf(dir);
}

static void sub_path(char *out, size_t cap, const char *dir, const char *sub, uint64_t seq)
{
    if (!strcmp(sub, "snapshots"))
        snprintf(out, cap, "%s/snapshots/snapshot-%016llx.mys", dir, (unsigned long long)seq);
    else
        snprintf(out, cap, "%s/journal/journal-%016llx.myj", dir, (unsigned long long)seq);
}

static void reset_globals(void)
{
    memset(&g_state, 0x5a, sizeof g_state); /* reset or restore must set it */
    memset(&g_shadow, 0x5a, sizeof g_shadow);
    g_n_out = 0;
    g_p = NULL;
}

/* ---- lifecycle ---- */

static void test_create_recover(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("cr");
    rm_pipeline(dir);
    reset_globals();
    myl_pipeline_app a = app_of(false);
    myl_pipeline_opts o = opts_of(MYL_JOURNAL_SYNC_BATCH);
    assert_int_equal(myl_pipeline_create(dir, &a, &o, &g_p), 0);
    assert_int_equal(myl_pipeline_next_seq(g_p), 0);
    run(g_p, 500, 7);
    assert_int_equal(myl_pipeline_next_seq(g_p), 500);
    assert_int_equal(myl_pipeline_acked(g_p), 500);
    assert_int_equal(g_n_out, 500); /* no ticks: one output per record */
    check_model(g_p, 0);
    check_outputs(500, 0);
    uint64_t chain = myl_pipeline_chain(g_p);
    assert_int_equal(myl_pipeline_close(g_p), 0);

    /* Recover: no snapshot, the whole journal replayed, no output again. */
    reset_globals();
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &g_p), 0);
    assert_int_equal(myl_pipeline_next_seq(g_p), 500);
    assert_int_equal(myl_pipeline_base_seq(g_p), 0);
    assert_int_equal(myl_pipeline_chain(g_p), chain);
    assert_int_equal(g_n_out, 0);
    check_model(g_p, 0);
    /* It goes on from there. */
    run(g_p, 100, 10);
    check_model(g_p, 0);
    assert_int_equal(g_n_out, 100);
    assert_int_equal(g_out[0].seq, 500);
    assert_int_equal(myl_pipeline_close(g_p), 0);
    rm_pipeline(dir);
}

/* An application whose apply fails on its n-th call from now (0: never). */
static int g_apply_fail_in;

static int failing_apply(void *st, const myl_journal_record *rec, myl_pipeline_out *out)
{
    if (g_apply_fail_in > 0 && --g_apply_fail_in == 0)
        return -1234;
    return pm_apply(st, rec, out);
}

/* Recovery whose replay the application refuses: its error comes back,
 * nothing is open (the directory's lock is free) and nothing changed on
 * disk, so the next recovery replays the same records. */
static void test_replay_apply_fails(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("replayfail");
    rm_pipeline(dir);
    reset_globals();
    myl_pipeline_app a = app_of(false);
    myl_pipeline_opts o = opts_of(MYL_JOURNAL_SYNC_BATCH);
    assert_int_equal(myl_pipeline_create(dir, &a, &o, &g_p), 0);
    run(g_p, 100, 10);
    assert_int_equal(myl_pipeline_close(g_p), 0);

    myl_pipeline_app bad = a;
    bad.apply = failing_apply;
    g_apply_fail_in = 50;
    reset_globals();
    g_p = NULL;
    assert_int_equal(myl_pipeline_recover(dir, &bad, &o, &g_p), -1234);
    assert_null(g_p);
    assert_int_equal(g_apply_fail_in, 0);
    reset_globals();
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &g_p), 0);
    assert_int_equal(myl_pipeline_next_seq(g_p), 100);
    check_model(g_p, 0);
    assert_int_equal(myl_pipeline_close(g_p), 0);
    rm_pipeline(dir);
}

static void test_lifecycle_errors(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("err");
    rm_pipeline(dir);
    reset_globals();
    myl_pipeline_app a = app_of(false);
    myl_pipeline_opts o = opts_of(MYL_JOURNAL_SYNC_BATCH);
    myl_pipeline *p = NULL;
    /* No pipeline there. */
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &p), -ENOENT);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &p), -ENOENT); /* no journal/ */
    assert_null(p);
    /* Arguments. */
    assert_int_equal(myl_pipeline_create(NULL, &a, &o, &p), MYL_EINVAL);
    assert_int_equal(myl_pipeline_create(dir, NULL, &o, &p), MYL_EINVAL);
    myl_pipeline_app bad = a;
    bad.restore = NULL;
    assert_int_equal(myl_pipeline_create(dir, &bad, &o, &p), MYL_EINVAL);
    myl_pipeline_opts ob = o;
    ob.ack.n_clauses = 1;
    ob.ack.clause[0].target = MYL_ACK_TARGET_REPLICAS; /* reserved */
    ob.ack.clause[0].level = MYL_ACK_LOCAL_FSYNC;
    ob.ack.clause[0].quorum = 2;
    assert_int_equal(myl_pipeline_create(dir, &a, &ob, &p), MYL_EINVAL);
    ob.ack.clause[0].target = MYL_ACK_TARGET_LOCAL; /* quorum is for replicas */
    assert_int_equal(myl_pipeline_create(dir, &a, &ob, &p), MYL_EINVAL);
    ob.ack.clause[0].quorum = 0;
    ob.journal.sync = MYL_JOURNAL_SYNC_NONE; /* fsync level, journal never syncs */
    assert_int_equal(myl_pipeline_create(dir, &a, &ob, &p), MYL_EINVAL);
    ob.ack.n_clauses = MYL_ACK_MAX_CLAUSES + 1;
    assert_int_equal(myl_pipeline_create(dir, &a, &ob, &p), MYL_EINVAL);
    assert_int_equal(myl_pipeline_recover_from_snapshot(dir, NULL, &a, &o, &p), MYL_EINVAL);
    /* A directory too long for the paths below it (a snapshot's temporary
     * the longest) is refused by name, not cut short. */
    static char longdir[4096];
    size_t fits =
        sizeof longdir -
        sizeof "/snapshots/.snapshot-0123456789abcdef.2147483647.18446744073709551615.tmp";
    memset(longdir, 'd', fits + 1);
    longdir[0] = '/';
    assert_int_equal(myl_pipeline_create(longdir, &a, &o, &p), MYL_ENAME);
    assert_int_equal(myl_pipeline_recover(longdir, &a, &o, &p), MYL_ENAME);
    assert_null(p);

    assert_int_equal(myl_pipeline_create(dir, &a, &o, &p), 0);
    /* One handle per directory; a second create finds a journal. */
    myl_pipeline *q = NULL;
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &q), MYL_EBUSY);
    assert_int_equal(myl_pipeline_create(dir, &a, &o, &q), -EEXIST);
    assert_null(q);
    /* Ticks are the runtime's. */
    uint64_t t = 0;
    assert_int_equal(myl_pipeline_submit(p, MYL_PIPELINE_TICK, &t, 8, NULL), MYL_EINVAL);
    assert_int_equal(myl_pipeline_submit(p, PM_TYPE, NULL, 4, NULL), MYL_EINVAL);
    assert_int_equal(myl_pipeline_next_seq(p), 0);
    assert_int_equal(myl_pipeline_close(p), 0);
    assert_int_equal(myl_pipeline_create(dir, &a, &o, &p), -EEXIST);
    /* Snapshots left by another history, without a journal: not fresh
     * either (recovery would take them for the new one's). */
    char jd[256], jl[512];
    snprintf(jd, sizeof jd, "%.200s/journal", dir);
    myl_ut_rm_rf(jd);
    uint8_t pl[16 + sizeof(pm_state)] = {0};
    myl_snapshot_info info = {.seq = 5, .app_version = PM_VERSION, .size = sizeof pl};
    snprintf(jl, sizeof jl, "%.200s/snapshots", dir);
    assert_int_equal(myl_snapshot_write(jl, &info, pl), 0);
    assert_int_equal(myl_pipeline_create(dir, &a, &o, &p), -EEXIST);
    assert_null(p);
    /* A snapshot that is not there. */
    assert_int_equal(
        myl_pipeline_recover_from_snapshot(dir, "/nonexistent/snapshot.mys", &a, &o, &p), -ENOENT);
    assert_int_equal(myl_pipeline_close(NULL), MYL_EINVAL);
    assert_int_equal(myl_pipeline_rotate(NULL), MYL_EINVAL);
    assert_int_equal(myl_pipeline_commit(NULL), MYL_EINVAL);
    rm_pipeline(dir);
}

/* A reset that fails on its nth call (1: the state's; 2: the shadow's). */
static int g_reset_fail_at, g_reset_calls;

static int reset_failing(void *st)
{
    return ++g_reset_calls == g_reset_fail_at ? -EIO : pm_reset(st);
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* A create that fails leaves nothing it made, so that the corrected
 * create succeeds (it used to leave journal/, and -EEXIST for good):
 * journal options refused after the directories were made; the state's
 * reset failing after the journal was; the shadow's failing after the
 * trace file was. A directory that was there before stays. */
static void test_create_fails_clean(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("mkfail");
    char jd[512], sd[512], tp[512];
    snprintf(jd, sizeof jd, "%s/journal", dir);
    snprintf(sd, sizeof sd, "%s/snapshots", dir);
    snprintf(tp, sizeof tp, "%s/trace", dir);
    for (int k = 0; k < 3; k++) {
        rm_pipeline(dir);
        reset_globals();
        bool had_dir = k == 1;
        if (had_dir)
            assert_int_equal(mkdir(dir, 0700), 0);
        myl_pipeline_app a = app_of(k == 2);
        myl_pipeline_opts o = opts_of(MYL_JOURNAL_SYNC_BATCH);
        if (k == 0)
            o.journal.segment_bytes = 100; /* below the journal's minimum */
        a.reset = reset_failing;
        g_reset_calls = 0;
        g_reset_fail_at = k == 0 ? 0 : k;
        if (k == 2)
            o.flags |= MYL_PIPELINE_F_TRACE;
        myl_pipeline *p = NULL;
        assert_int_equal(myl_pipeline_create(dir, &a, &o, &p), k == 0 ? MYL_EINVAL : -EIO);
        assert_null(p);
        assert_false(exists(jd));
        assert_false(exists(sd));
        assert_false(exists(tp));
        assert_true(exists(dir) == had_dir);
        o.journal.segment_bytes = 4096;
        g_reset_fail_at = 0;
        assert_int_equal(myl_pipeline_create(dir, &a, &o, &p), 0);
        assert_int_equal(myl_pipeline_close(p), 0);
    }
    rm_pipeline(dir);
}

/* A snapshot at the sequence a rotate writes that recovery skipped
 * (corrupt) or refused (valid, of another history) is set aside
 * ("<name>.bad") and written again, not taken for this history's: it used
 * to count as the kept snapshot, and pruning then removed the valid older
 * one and the journal before it, so that the next recovery failed. */
static void test_rotate_over_bad_snapshot(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("badsnap");
    for (int k = 0; k < 2; k++) {
        rm_pipeline(dir);
        reset_globals();
        myl_pipeline_app a = app_of(false);
        myl_pipeline_opts o = opts_of(MYL_JOURNAL_SYNC_BATCH);
        o.keep_snapshots = 1;
        assert_int_equal(myl_pipeline_create(dir, &a, &o, &g_p), 0);
        run(g_p, 100, 16);
        assert_int_equal(myl_pipeline_rotate(g_p), 0); /* snapshot at 100 */
        run(g_p, 100, 16);
        assert_int_equal(myl_pipeline_close(g_p), 0);
        /* At 200: corrupt (k 0), or whole with another chain (k 1). */
        char sd[512], p200[512], bad[600];
        snprintf(sd, sizeof sd, "%s/snapshots", dir);
        sub_path(p200, sizeof p200, dir, "snapshots", 200);
        snprintf(bad, sizeof bad, "%s.bad", p200);
        uint8_t pl[16 + sizeof(pm_state)] = {0};
        myl_snapshot_info info = {
            .seq = 200, .chain = 123, .app_version = PM_VERSION, .size = sizeof pl};
        assert_int_equal(myl_snapshot_write(sd, &info, pl), 0);
        if (k == 0) {
            int fd = open(p200, O_RDWR);
            assert_true(fd >= 0);
            uint8_t b = 0xff;
            assert_int_equal(pwrite(fd, &b, 1, MYL_SNAPSHOT_HEADER + 3), 1);
            close(fd);
        }
        reset_globals();
        assert_int_equal(myl_pipeline_recover(dir, &a, &o, &g_p), 0);
        assert_int_equal(myl_pipeline_skipped_snapshots(g_p) + myl_pipeline_refused_snapshots(g_p),
                         1);
        assert_int_equal(myl_pipeline_base_seq(g_p), 100);
        assert_int_equal(myl_pipeline_next_seq(g_p), 200);
        assert_int_equal(myl_pipeline_rotate(g_p), 0); /* at 200: this one's */
        assert_true(exists(bad));
        assert_int_equal(myl_pipeline_close(g_p), 0);
        reset_globals();
        assert_int_equal(myl_pipeline_recover(dir, &a, &o, &g_p), 0);
        assert_int_equal(myl_pipeline_skipped_snapshots(g_p), 0);
        assert_int_equal(myl_pipeline_refused_snapshots(g_p), 0);
        assert_int_equal(myl_pipeline_base_seq(g_p), 200);
        check_model(g_p, 0);
        /* A rotate at a sequence whose snapshot is this history's: kept. */
        assert_int_equal(myl_pipeline_rotate(g_p), 0);
        assert_int_equal(myl_pipeline_close(g_p), 0);
    }
    rm_pipeline(dir);
}

/* Flip one payload byte of the snapshot of seq: corrupt (CRC). */
static void corrupt_snapshot(const char *dir, uint64_t seq)
{
    char path[512];
    sub_path(path, sizeof path, dir, "snapshots", seq);
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    uint8_t b;
    assert_int_equal(pread(fd, &b, 1, MYL_SNAPSHOT_HEADER + 3), 1);
    b ^= 1;
    assert_int_equal(pwrite(fd, &b, 1, MYL_SNAPSHOT_HEADER + 3), 1);
    close(fd);
}

/* A corrupt newest snapshot that recovery skipped counted among
 * keep_snapshots at the next prune, which removed the valid older one and
 * its journal: with the next newest corrupt too, nothing was left to
 * recover from. Recovery sets what it skipped aside. */
static void test_prune_after_skipped_snapshot(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("pruneskip");
    rm_pipeline(dir);
    reset_globals();
    myl_pipeline_app a = app_of(false);
    myl_pipeline_opts o = opts_of(MYL_JOURNAL_SYNC_BATCH);
    o.keep_snapshots = 2;
    assert_int_equal(myl_pipeline_create(dir, &a, &o, &g_p), 0);
    run(g_p, 100, 16);
    assert_int_equal(myl_pipeline_rotate(g_p), 0); /* at 100 */
    run(g_p, 100, 16);
    assert_int_equal(myl_pipeline_rotate(g_p), 0); /* at 200 */
    assert_int_equal(myl_pipeline_close(g_p), 0);
    corrupt_snapshot(dir, 200);
    reset_globals();
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &g_p), 0);
    assert_int_equal(myl_pipeline_skipped_snapshots(g_p), 1);
    assert_int_equal(myl_pipeline_base_seq(g_p), 100);
    char p200[512], bad[600];
    sub_path(p200, sizeof p200, dir, "snapshots", 200);
    snprintf(bad, sizeof bad, "%s.bad", p200);
    assert_true(exists(bad) && !exists(p200));
    run(g_p, 100, 16);
    assert_int_equal(myl_pipeline_rotate(g_p), 0); /* at 300: keeps 100 and 300 */
    assert_int_equal(myl_pipeline_close(g_p), 0);
    corrupt_snapshot(dir, 300);
    reset_globals();
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &g_p), 0);
    assert_int_equal(myl_pipeline_skipped_snapshots(g_p), 1);
    assert_int_equal(myl_pipeline_base_seq(g_p), 100);
    assert_int_equal(myl_pipeline_next_seq(g_p), 300);
    check_model(g_p, 0);
    assert_int_equal(myl_pipeline_close(g_p), 0);
    rm_pipeline(dir);
}

static void test_rotate_prunes(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("rot");
    rm_pipeline(dir);
    reset_globals();
    myl_pipeline_app a = app_of(false);
    myl_pipeline_opts o = opts_of(MYL_JOURNAL_SYNC_BATCH);
    o.keep_snapshots = 2;
    assert_int_equal(myl_pipeline_create(dir, &a, &o, &g_p), 0);
    char jd[512], sd[512];
    snprintf(jd, sizeof jd, "%s/journal", dir);
    snprintf(sd, sizeof sd, "%s/snapshots", dir);
    run(g_p, 300, 16);
    assert_int_equal(myl_pipeline_rotate(g_p), 0); /* snapshot at 300 */
    assert_int_equal(count_files(sd, "snapshot-"), 1);
    size_t segs = count_files(jd, "journal-");
    assert_true(segs > 2); /* 4 KiB segments: nothing pruned yet (one snapshot, needs 0..) */
    run(g_p, 300, 16);
    assert_int_equal(myl_pipeline_rotate(g_p), 0); /* 600 */
    /* An archived copy of the snapshot at 300, for later. */
    char arch[512], p300a[512];
    snprintf(arch, sizeof arch, "%s/archived-300.mys", dir);
    sub_path(p300a, sizeof p300a, dir, "snapshots", 300);
    assert_int_equal(link(p300a, arch), 0);
    run(g_p, 300, 16);
    assert_int_equal(myl_pipeline_rotate(g_p), 0); /* 900: 300 dropped */
    assert_int_equal(count_files(sd, "snapshot-"), 2);
    /* The first segment left starts at or before 600 (the oldest kept)
     * and after 0: the segments of [0, 600) are gone, save the one that
     * holds 600's predecessors. */
    char p600[512], p900[512], p300[512];
    sub_path(p300, sizeof p300, dir, "snapshots", 300);
    sub_path(p600, sizeof p600, dir, "snapshots", 600);
    sub_path(p900, sizeof p900, dir, "snapshots", 900);
    assert_int_equal(access(p300, F_OK), -1);
    assert_int_equal(access(p600, F_OK), 0);
    assert_int_equal(access(p900, F_OK), 0);
    char j0[512];
    sub_path(j0, sizeof j0, dir, "journal", 0);
    assert_int_equal(access(j0, F_OK), -1);
    run(g_p, 50, 16);
    check_model(g_p, 0);
    assert_int_equal(myl_pipeline_close(g_p), 0);

    /* Recover from the newest snapshot and the 50 records after it. */
    reset_globals();
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &g_p), 0);
    assert_int_equal(myl_pipeline_base_seq(g_p), 900);
    assert_int_equal(myl_pipeline_next_seq(g_p), 950);
    assert_int_equal(myl_pipeline_skipped_snapshots(g_p), 0);
    check_model(g_p, 0);
    assert_int_equal(myl_pipeline_close(g_p), 0);

    /* The newest snapshot corrupt: the previous one, and the journal
     * from there (kept for exactly this). */
    int fd = open(p900, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "X", 1, 100), 1);
    close(fd);
    reset_globals();
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &g_p), 0);
    assert_int_equal(myl_pipeline_base_seq(g_p), 600);
    assert_int_equal(myl_pipeline_skipped_snapshots(g_p), 1);
    assert_int_equal(myl_pipeline_next_seq(g_p), 950);
    check_model(g_p, 0);
    assert_int_equal(myl_pipeline_close(g_p), 0);

    /* recover_from_snapshot: that one, corrupt or not (the corrupt one
     * set aside by recovery, as "<name>.bad"). */
    reset_globals();
    char p900_bad[600];
    snprintf(p900_bad, sizeof p900_bad, "%s.bad", p900);
    assert_false(exists(p900));
    assert_int_equal(myl_pipeline_recover_from_snapshot(dir, p900_bad, &a, &o, &g_p), MYL_ECORRUPT);
    assert_int_equal(myl_pipeline_recover_from_snapshot(dir, p600, &a, &o, &g_p), 0);
    assert_int_equal(myl_pipeline_base_seq(g_p), 600);
    check_model(g_p, 0);
    assert_int_equal(myl_pipeline_close(g_p), 0);

    /* The archived snapshot at 300 is valid, but the journal no longer
     * reaches back to it (pruned up to 600's segment). */
    reset_globals();
    assert_int_equal(myl_pipeline_recover_from_snapshot(dir, arch, &a, &o, &g_p), MYL_ECORRUPT);
    assert_null(g_p);
    assert_int_equal(unlink(arch), 0);

    /* Both corrupt: the journal no longer reaches back to 0. */
    fd = open(p600, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "X", 1, 70), 1);
    close(fd);
    reset_globals();
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &g_p), MYL_ECORRUPT);
    assert_null(g_p);
    rm_pipeline(dir);
}

static void test_journal_gaps(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("gap");
    rm_pipeline(dir);
    reset_globals();
    myl_pipeline_app a = app_of(false);
    myl_pipeline_opts o = opts_of(MYL_JOURNAL_SYNC_BATCH);
    assert_int_equal(myl_pipeline_create(dir, &a, &o, &g_p), 0);
    run(g_p, 400, 16);
    assert_int_equal(myl_pipeline_close(g_p), 0);
    char jd[512];
    snprintf(jd, sizeof jd, "%s/journal", dir);
    assert_true(count_files(jd, "journal-") > 2);

    /* A snapshot ahead of the journal's end: the journal lost records the
     * snapshot proves were durable. */
    pm_state st;
    uint64_t chain;
    pm_model(SEED, 0, 400, &st, &chain, NULL);
    uint8_t pl[16 + sizeof st] = {0};
    memcpy(pl + 16, &st, sizeof st);
    myl_snapshot_info info = {
        .seq = 401, .chain = chain, .app_version = PM_VERSION, .size = sizeof pl};
    char sd[512], path[512];
    snprintf(sd, sizeof sd, "%s/snapshots", dir);
    assert_int_equal(myl_snapshot_write(sd, &info, pl), 0);
    reset_globals();
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &g_p), MYL_ECORRUPT);
    sub_path(path, sizeof path, dir, "snapshots", 401);
    assert_int_equal(unlink(path), 0);

    /* The same state at 400, but from an application of another version:
     * restore's error is passed through. */
    info.seq = 400;
    info.app_version = PM_VERSION + 1;
    assert_int_equal(myl_snapshot_write(sd, &info, pl), 0);
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &g_p), -1099);
    sub_path(path, sizeof path, dir, "snapshots", 400);
    assert_int_equal(unlink(path), 0);

    /* A bad record in a segment that is not the last: corruption, not a
     * torn tail (the journal refuses to open). */
    char seg1[512];
    {
        DIR *d = opendir(jd);
        assert_non_null(d);
        struct dirent *e;
        uint64_t second = UINT64_MAX, lowest = UINT64_MAX;
        while ((e = readdir(d)) != NULL) {
            unsigned long long v;
            if (sscanf(e->d_name, "journal-%16llx.myj", &v) == 1) {
                if (v < lowest) {
                    second = lowest;
                    lowest = v;
                } else if (v < second) {
                    second = v;
                }
            }
        }
        closedir(d);
        assert_true(second != UINT64_MAX);
        sub_path(seg1, sizeof seg1, dir, "journal", second);
    }
    int fd = open(seg1, O_RDWR);
    assert_true(fd >= 0);
    uint8_t byte, flipped;
    assert_int_equal(pread(fd, &byte, 1, 100), 1);
    flipped = (uint8_t)(byte ^ 0x40);
    assert_int_equal(pwrite(fd, &flipped, 1, 100), 1);
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &g_p), MYL_ECORRUPT);
    assert_null(g_p);
    assert_int_equal(pwrite(fd, &byte, 1, 100), 1);
    close(fd);

    /* The first segment removed, no snapshot: records [0, x) are gone. */
    sub_path(path, sizeof path, dir, "journal", 0);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &g_p), MYL_ECORRUPT);
    /* A snapshot at 400 with that gap is fine: nothing before it is needed. */
    info.app_version = PM_VERSION;
    assert_int_equal(myl_snapshot_write(sd, &info, pl), 0);
    reset_globals();
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &g_p), 0);
    assert_int_equal(myl_pipeline_next_seq(g_p), 400);
    check_model(g_p, 0);
    assert_int_equal(myl_pipeline_close(g_p), 0);
    rm_pipeline(dir);
}

/* Write a snapshot of the model's state after n records of seed's input,
 * carrying chain (the model's own when chain_of is NULL). */
static void model_snapshot(const char *dir, uint64_t seed, uint64_t n, const uint64_t *chain_of)
{
    pm_state st;
    uint64_t chain;
    pm_model(seed, 0, n, &st, &chain, NULL);
    uint8_t pl[16 + sizeof st] = {0};
    memcpy(pl + 16, &st, sizeof st);
    myl_snapshot_info info = {.seq = n,
                              .chain = chain_of ? *chain_of : chain,
                              .app_version = PM_VERSION,
                              .size = sizeof pl};
    char sd[512];
    snprintf(sd, sizeof sd, "%s/snapshots", dir);
    assert_int_equal(myl_snapshot_write(sd, &info, pl), 0);
}

/* A snapshot of another history (valid frame, a sequence the journal
 * holds, but a chain that is not the journal's there) is refused: recover
 * skips it and falls back, recover_from_snapshot says MYL_ECORRUPT. One
 * whose chain matches is taken, also after the journal's first segment is
 * gone (the chain then comes from a later segment's header). */
static void test_snapshot_chain(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("chain");
    rm_pipeline(dir);
    reset_globals();
    myl_pipeline_app a = app_of(false);
    myl_pipeline_opts o = opts_of(MYL_JOURNAL_SYNC_BATCH);
    assert_int_equal(myl_pipeline_create(dir, &a, &o, &g_p), 0);
    run(g_p, 400, 16);
    assert_int_equal(myl_pipeline_close(g_p), 0);

    /* Another history's state and chain at 300: replaying this journal's
     * [300, 400) on it would give a state no history has. */
    model_snapshot(dir, SEED + 1, 300, NULL);
    reset_globals();
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &g_p), 0);
    assert_int_equal(myl_pipeline_refused_snapshots(g_p), 1);
    assert_int_equal(myl_pipeline_skipped_snapshots(g_p), 0);
    assert_int_equal(myl_pipeline_base_seq(g_p), 0);
    assert_int_equal(myl_pipeline_next_seq(g_p), 400);
    check_model(g_p, 0);
    assert_int_equal(myl_pipeline_close(g_p), 0);
    char hostile[600];
    sub_path(hostile, sizeof hostile, dir, "snapshots", 300);
    strcat(hostile, ".bad"); /* set aside by the recovery that refused it */
    reset_globals();
    assert_int_equal(myl_pipeline_recover_from_snapshot(dir, hostile, &a, &o, &g_p), MYL_ECORRUPT);
    assert_null(g_p);
    assert_int_equal(unlink(hostile), 0);

    /* This history's state but a chain off by one bit: refused too. */
    pm_state st;
    uint64_t chain;
    pm_model(SEED, 0, 300, &st, &chain, NULL);
    chain ^= 1;
    model_snapshot(dir, SEED, 300, &chain);
    reset_globals();
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &g_p), 0);
    assert_int_equal(myl_pipeline_refused_snapshots(g_p), 1);
    assert_int_equal(myl_pipeline_base_seq(g_p), 0);
    check_model(g_p, 0);
    assert_int_equal(myl_pipeline_close(g_p), 0);
    assert_int_equal(unlink(hostile), 0);

    /* The genuine snapshots at 150 and 300 (mid-segment): 300 is taken;
     * with the hostile one back at 350 it is refused and 300 taken. */
    model_snapshot(dir, SEED, 150, NULL);
    model_snapshot(dir, SEED, 300, NULL);
    model_snapshot(dir, SEED + 1, 350, NULL);
    reset_globals();
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &g_p), 0);
    assert_int_equal(myl_pipeline_refused_snapshots(g_p), 1);
    assert_int_equal(myl_pipeline_base_seq(g_p), 300);
    check_model(g_p, 0);
    assert_int_equal(myl_pipeline_close(g_p), 0);

    /* The first segments gone (what the snapshot at 150 no longer needs):
     * the chain at 150 and 300 comes from the header of a later segment. */
    char jd[512];
    snprintf(jd, sizeof jd, "%s/journal", dir);
    myl_journal_reader *r;
    assert_int_equal(myl_journal_reader_open(jd, 150, &r), 0);
    char seg[512];
    assert_int_equal(myl_journal_reader_where(r, seg, sizeof seg, NULL), 0);
    myl_journal_reader_close(r);
    for (uint64_t f = 0; f < 150; f++) {
        sub_path(hostile, sizeof hostile, dir, "journal", f);
        if (strcmp(hostile, seg) != 0)
            (void)unlink(hostile);
        else
            break;
    }
    assert_true(strcmp(seg, jd) > 0);
    sub_path(hostile, sizeof hostile, dir, "journal", 0);
    assert_int_equal(access(hostile, F_OK), -1); /* segment 0 is gone */
    sub_path(hostile, sizeof hostile, dir, "snapshots", 300);
    assert_int_equal(unlink(hostile), 0);
    /* The hostile one at 350 was set aside by the recovery that refused
     * it: not refused again. */
    sub_path(hostile, sizeof hostile, dir, "snapshots", 350);
    assert_false(exists(hostile));
    strcat(hostile, ".bad");
    assert_true(exists(hostile));
    reset_globals();
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &g_p), 0);
    assert_int_equal(myl_pipeline_refused_snapshots(g_p), 0);
    assert_int_equal(myl_pipeline_base_seq(g_p), 150);
    check_model(g_p, 0);
    assert_int_equal(myl_pipeline_close(g_p), 0);
    rm_pipeline(dir);
}

/* The last segment's tail torn at many points: recovery truncates it and
 * the state is the model's for the records left, which are at least all
 * those acknowledged before the tear's record. */
static void test_torn_tail(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("torn");
    myl_pipeline_app a = app_of(false);
    myl_pipeline_opts o = opts_of(MYL_JOURNAL_SYNC_BATCH);
    o.journal.segment_bytes = 1 << 20;
    for (int cut = 1; cut < 120; cut += 7) {
        rm_pipeline(dir);
        reset_globals();
        assert_int_equal(myl_pipeline_create(dir, &a, &o, &g_p), 0);
        run(g_p, 100, 10);
        assert_int_equal(myl_pipeline_close(g_p), 0);
        char path[512];
        sub_path(path, sizeof path, dir, "journal", 0);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        /* A closed segment ends with one zero record header (24 bytes). */
        assert_int_equal(truncate(path, st.st_size - 24 - cut), 0);
        reset_globals();
        assert_int_equal(myl_pipeline_recover(dir, &a, &o, &g_p), 0);
        /* Records are 24 + 16 = 40 bytes: cutting c bytes loses ceil(c/40). */
        uint64_t lost = ((uint64_t)cut + 39) / 40;
        assert_int_equal(myl_pipeline_next_seq(g_p), 100 - lost);
        check_model(g_p, 0);
        run(g_p, 5, 5); /* and goes on at the right sequence */
        check_model(g_p, 0);
        assert_int_equal(myl_pipeline_close(g_p), 0);
    }
    rm_pipeline(dir);
}

/* ---- the acknowledgement gate ---- */

static void test_ack_levels(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("ack");
    myl_pipeline_app a = app_of(false);

    /* Group commit that has not synced yet: nothing released. */
    rm_pipeline(dir);
    reset_globals();
    myl_pipeline_opts o = opts_of(MYL_JOURNAL_SYNC_GROUP);
    o.journal.group_ns = UINT64_C(3600) * 1000000000u;
    o.journal.group_bytes = 1 << 30;
    assert_int_equal(myl_pipeline_create(dir, &a, &o, &g_p), 0);
    for (int i = 0; i < 10; i++)
        assert_int_equal(pm_step(g_p, SEED), 0);
    assert_int_equal(myl_pipeline_commit(g_p), 0);
    assert_int_equal(g_n_out, 0);
    assert_int_equal(myl_pipeline_acked(g_p), 0);
    /* rotate syncs: then they go. */
    assert_int_equal(myl_pipeline_rotate(g_p), 0);
    assert_int_equal(g_n_out, 10);
    assert_int_equal(myl_pipeline_acked(g_p), 10);
    assert_int_equal(myl_pipeline_close(g_p), 0);

    /* LOCAL_WRITE under group commit: released once written. */
    rm_pipeline(dir);
    reset_globals();
    o.ack.n_clauses = 1;
    o.ack.clause[0].level = MYL_ACK_LOCAL_WRITE;
    assert_int_equal(myl_pipeline_create(dir, &a, &o, &g_p), 0);
    for (int i = 0; i < 10; i++)
        assert_int_equal(pm_step(g_p, SEED), 0);
    assert_int_equal(g_n_out, 0); /* not before commit writes them */
    assert_int_equal(myl_pipeline_commit(g_p), 10);
    assert_int_equal(g_n_out, 10);
    assert_int_equal(myl_pipeline_close(g_p), 0);

    /* Two clauses: the strictest holds. */
    rm_pipeline(dir);
    reset_globals();
    o.ack.n_clauses = 2;
    o.ack.clause[1].level = MYL_ACK_LOCAL_FSYNC;
    assert_int_equal(myl_pipeline_create(dir, &a, &o, &g_p), 0);
    for (int i = 0; i < 10; i++)
        assert_int_equal(pm_step(g_p, SEED), 0);
    assert_int_equal(myl_pipeline_commit(g_p), 0);
    assert_int_equal(g_n_out, 0);
    assert_int_equal(myl_pipeline_close(g_p), 0); /* close syncs and releases */
    assert_int_equal(g_n_out, 10);
    rm_pipeline(dir);
}

/* I/O faults under the journal (its injection hook). */
typedef struct fault {
    long write_budget; /* bytes writes may take before failing (< 0: no limit) */
    int write_errno;   /* ENOSPC, EIO */
    size_t short_max;  /* each write takes at most this (0: all) */
    int fsync_fail_at; /* this fsync call fails with EIO (0: none) */
    int fsyncs;
} fault;

static ssize_t f_write(void *arg, int fd, const void *buf, size_t len)
{
    fault *f = arg;
    if (f->short_max && len > f->short_max)
        len = f->short_max;
    if (f->write_budget >= 0) {
        if (f->write_budget == 0) {
            errno = f->write_errno;
            return -1;
        }
        if ((long)len > f->write_budget)
            len = (size_t)f->write_budget; /* short, then the error */
        f->write_budget -= (long)len;
    }
    return write(fd, buf, len);
}

static int f_fsync(void *arg, int fd)
{
    fault *f = arg;
    if (++f->fsyncs == f->fsync_fail_at) {
        errno = EIO;
        return -1;
    }
    return fdatasync(fd);
}

/* A failed fsync is fatal: nothing released, never retried, every later
 * call fails; recovery then keeps every record released before. */
static void test_ack_fsync_failure(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("fsf");
    myl_pipeline_app a = app_of(false);
    for (int at = 2; at < 12; at += 3) {
        rm_pipeline(dir);
        reset_globals();
        fault f = {.write_budget = -1, .fsync_fail_at = at};
        myl_journal_io io = {.write = f_write, .fsync = f_fsync, .arg = &f};
        myl_pipeline_opts o = opts_of(MYL_JOURNAL_SYNC_BATCH);
        o.journal.io = &io;
        assert_int_equal(myl_pipeline_create(dir, &a, &o, &g_p), 0);
        int rc = 0;
        uint64_t released_before = 0;
        for (int i = 0; i < 200 && rc >= 0; i++) {
            if ((rc = pm_step(g_p, SEED)) < 0)
                break;
            if (i % 5 == 4) {
                released_before = g_n_out;
                rc = myl_pipeline_commit(g_p);
            }
        }
        assert_int_equal(rc, -EIO);
        assert_int_equal(g_n_out, released_before); /* the failed batch: none */
        int calls = f.fsyncs;
        assert_int_equal(myl_pipeline_commit(g_p), -EIO);
        assert_int_equal(pm_step(g_p, SEED), -EIO);
        assert_int_equal(myl_pipeline_rotate(g_p), -EIO);
        assert_int_equal(f.fsyncs, calls); /* never retried */
        assert_int_equal(g_n_out, released_before);
        assert_int_equal(myl_pipeline_close(g_p), -EIO);
        assert_int_equal(f.fsyncs, calls);
        /* Every output released is in the recovered state. */
        size_t n_out = g_n_out;
        reset_globals();
        g_n_out = n_out;
        myl_pipeline_opts plain = opts_of(MYL_JOURNAL_SYNC_BATCH);
        myl_pipeline *p = NULL;
        assert_int_equal(myl_pipeline_recover(dir, &a, &plain, &p), 0);
        g_p = p;
        check_model(p, 0);
        check_outputs(myl_pipeline_next_seq(p), 0);
        assert_true(myl_pipeline_next_seq(p) >= g_n_out);
        assert_int_equal(myl_pipeline_close(p), 0);
    }
    rm_pipeline(dir);
}

/* Short writes and then ENOSPC or EIO at every byte budget of a range:
 * what was released survives recovery, what was not may or may not. */
static void test_ack_write_faults(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("wf");
    myl_pipeline_app a = app_of(false);
    const int errs[2] = {ENOSPC, EIO};
    for (long budget = 0; budget < 6000; budget += 137) {
        rm_pipeline(dir);
        reset_globals();
        fault f = {.write_budget = budget, .write_errno = errs[budget % 2], .short_max = 13};
        myl_journal_io io = {.write = f_write, .fsync = f_fsync, .arg = &f};
        myl_pipeline_opts o = opts_of(budget % 3 ? MYL_JOURNAL_SYNC_BATCH : MYL_JOURNAL_SYNC_NONE);
        o.journal.io = &io;
        int rc = myl_pipeline_create(dir, &a, &o, &g_p);
        if (rc < 0) { /* the segment header itself failed */
            assert_int_equal(rc, -f.write_errno);
            continue;
        }
        for (int i = 0; i < 400 && rc >= 0; i++) {
            if ((rc = pm_step(g_p, SEED)) >= 0 && i % 9 == 8)
                rc = myl_pipeline_commit(g_p);
        }
        assert_int_equal(rc, -f.write_errno);
        uint64_t acked = myl_pipeline_acked(g_p);
        assert_int_equal(myl_pipeline_close(g_p), -f.write_errno);
        assert_true(g_n_out <= acked);
        size_t n_out = g_n_out;
        reset_globals();
        g_n_out = n_out;
        myl_pipeline_opts plain = opts_of(MYL_JOURNAL_SYNC_BATCH);
        myl_pipeline *p = NULL;
        assert_int_equal(myl_pipeline_recover(dir, &a, &plain, &p), 0);
        g_p = p;
        assert_true(myl_pipeline_next_seq(p) >= acked);
        check_model(p, 0);
        check_outputs(myl_pipeline_next_seq(p), 0);
        assert_int_equal(myl_pipeline_close(p), 0);
    }
    rm_pipeline(dir);
}

/* ---- the shadow stage and ticks ---- */

static void test_shadow_snapshots(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("sh");
    rm_pipeline(dir);
    reset_globals();
    myl_pipeline_app a = app_of(true);
    myl_pipeline_opts o = opts_of(MYL_JOURNAL_SYNC_GROUP);
    o.snapshot_every = 97;
    o.keep_snapshots = 3;
    o.tick_ns = 7 * PM_VT;
    assert_int_equal(myl_pipeline_create(dir, &a, &o, &g_p), 0);
    run(g_p, 2000, 13);
    assert_int_equal(myl_pipeline_rotate(g_p), 0); /* all durable now */
    uint64_t n = myl_pipeline_next_seq(g_p);
    uint64_t deadline = myl_ut_now() + (uint64_t)MYL_UT_LIVENESS;
    while (myl_pipeline_shadow_applied(g_p) < n && myl_ut_now() < deadline)
        myl_ut_nap(1000000);
    assert_int_equal(myl_pipeline_shadow_error(g_p), 0);
    assert_int_equal(myl_pipeline_shadow_applied(g_p), n);
    /* The shadow's copy is the main state. */
    assert_memory_equal(&g_shadow, &g_state, sizeof g_state);
    assert_true(g_state.ticks > 0);
    assert_true(myl_pipeline_shadow_snapshots(g_p) >= n / 97 - 1);
    check_model(g_p, o.tick_ns);
    assert_int_equal(myl_pipeline_close(g_p), 0);
    char sd[512];
    snprintf(sd, sizeof sd, "%s/snapshots", dir);
    assert_int_equal(count_files(sd, "snapshot-"), 3);

    /* Recover from the shadow's newest snapshot; the ticks go on where
     * they were (the tick state is in the snapshot). */
    reset_globals();
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &g_p), 0);
    assert_true(myl_pipeline_base_seq(g_p) >= n - 97);
    check_model(g_p, o.tick_ns);
    run(g_p, 500, 11);
    check_model(g_p, o.tick_ns);
    assert_int_equal(myl_pipeline_close(g_p), 0);
    rm_pipeline(dir);
}

/* The shadow stage never stalls the main path: with the shadow stuck in
 * save (its snapshot), the main path goes on submitting, committing and
 * rotating; the shadow catches up once let go. A main path that waited
 * for the shadow would hang here (the case's watchdog). */
static atomic_int g_hold_shadow, g_shadow_held;

static int save_holding(void *st, void **pl, uint64_t *size)
{
    if (st == &g_shadow) {
        atomic_store(&g_shadow_held, 1);
        while (atomic_load(&g_hold_shadow))
            myl_ut_nap(1000000);
    }
    return pm_save(st, pl, size);
}

static void test_shadow_never_stalls(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("stall");
    rm_pipeline(dir);
    reset_globals();
    myl_pipeline_app a = app_of(true);
    a.save = save_holding;
    myl_pipeline_opts o = opts_of(MYL_JOURNAL_SYNC_BATCH);
    o.snapshot_every = 100;
    atomic_store(&g_hold_shadow, 1);
    assert_int_equal(myl_pipeline_create(dir, &a, &o, &g_p), 0);
    run(g_p, 150, 10);
    uint64_t deadline = myl_ut_now() + (uint64_t)MYL_UT_LIVENESS;
    while (!atomic_load(&g_shadow_held) && myl_ut_now() < deadline)
        myl_ut_nap(1000000);
    assert_true(atomic_load(&g_shadow_held));
    uint64_t stuck = myl_pipeline_shadow_applied(g_p);
    assert_int_equal(stuck, 100);
    run(g_p, 3000, 10);
    assert_int_equal(myl_pipeline_rotate(g_p), 0);
    run(g_p, 100, 10);
    assert_int_equal(myl_pipeline_next_seq(g_p), 3250);
    assert_int_equal(myl_pipeline_acked(g_p), 3250);
    assert_int_equal(myl_pipeline_shadow_applied(g_p), stuck); /* still held */
    atomic_store(&g_hold_shadow, 0);
    deadline = myl_ut_now() + (uint64_t)MYL_UT_LIVENESS;
    while (myl_pipeline_shadow_applied(g_p) < 3250 && myl_ut_now() < deadline)
        myl_ut_nap(1000000);
    assert_int_equal(myl_pipeline_shadow_applied(g_p), 3250);
    assert_int_equal(myl_pipeline_shadow_error(g_p), 0);
    assert_memory_equal(&g_shadow, &g_state, sizeof g_state);
    assert_int_equal(myl_pipeline_close(g_p), 0);
    rm_pipeline(dir);
}

/* The shadow's copy of the application refuses record 500: the shadow
 * stops there and says why (myl_pipeline_shadow_error), writes no more
 * snapshots, the main path goes on (the shadow is off the hot path), and
 * close returns the shadow's error. */
static int shadow_refuses_500(void *st, const myl_journal_record *rec, myl_pipeline_out *out)
{
    if (st == &g_shadow && rec->seq == 500)
        return -EDOM;
    return pm_apply(st, rec, out);
}

static void test_shadow_apply_fails(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("shfail");
    rm_pipeline(dir);
    reset_globals();
    myl_pipeline_app a = app_of(true);
    a.apply = shadow_refuses_500;
    myl_pipeline_opts o = opts_of(MYL_JOURNAL_SYNC_BATCH);
    o.snapshot_every = 100;
    assert_int_equal(myl_pipeline_create(dir, &a, &o, &g_p), 0);
    run(g_p, 1000, 10);
    assert_int_equal(myl_pipeline_commit(g_p), 0);
    uint64_t deadline = myl_ut_now() + (uint64_t)MYL_UT_LIVENESS;
    while (myl_pipeline_shadow_error(g_p) == 0 && myl_ut_now() < deadline)
        myl_ut_nap(1000000);
    assert_int_equal(myl_pipeline_shadow_error(g_p), -EDOM);
    assert_int_equal(myl_pipeline_shadow_applied(g_p), 500);
    uint64_t snaps = myl_pipeline_shadow_snapshots(g_p);
    assert_int_equal(snaps, 5); /* after records 100, 200, ..., 500 */
    /* The main path goes on, past the shadow's refusal. */
    run(g_p, 1000, 10);
    assert_int_equal(myl_pipeline_rotate(g_p), 0);
    assert_int_equal(myl_pipeline_next_seq(g_p), 2000);
    assert_int_equal(myl_pipeline_acked(g_p), 2000);
    check_model(g_p, 0);
    assert_int_equal(myl_pipeline_shadow_applied(g_p), 500);
    assert_int_equal(myl_pipeline_shadow_snapshots(g_p), snaps);
    assert_int_equal(myl_pipeline_close(g_p), -EDOM);
    rm_pipeline(dir);
}

/* ---- input marks ---- */

/* An application that counts what apply sees; a mark must never reach it. */
typedef struct mark_app {
    uint64_t applied, sum;
} mark_app;

static int ma_reset(void *st)
{
    memset(st, 0, sizeof(mark_app));
    return 0;
}

static int ma_apply(void *st, const myl_journal_record *rec, myl_pipeline_out *out)
{
    (void)out;
    mark_app *m = st;
    if (rec->type == MYL_PIPELINE_INPUT || rec->len != 8)
        return MYL_ECORRUPT;
    uint64_t v;
    memcpy(&v, rec->data, 8);
    m->applied++;
    m->sum = m->sum * 31 + v;
    return 0;
}

static int ma_save(void *st, void **payload, uint64_t *size)
{
    *payload = malloc(sizeof(mark_app));
    if (!*payload)
        return -ENOMEM;
    memcpy(*payload, st, sizeof(mark_app));
    *size = sizeof(mark_app);
    return 0;
}

static int ma_restore(void *st, const void *payload, uint64_t size, uint32_t v)
{
    (void)v;
    if (size != sizeof(mark_app))
        return MYL_ECORRUPT;
    memcpy(st, payload, sizeof(mark_app));
    return 0;
}

/* Marks: journaled and chained, never applied; the position is the last
 * mark's first plus the input records after it (at most its n, ticks not
 * counted), recovered from the journal and, once the mark's segments are
 * pruned, from the snapshot. */
static void test_input_marks(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("marks");
    rm_pipeline(dir);
    static mark_app st;
    myl_pipeline_app a = {.size = sizeof a,
                          .app_version = 1,
                          .state = &st,
                          .reset = ma_reset,
                          .apply = ma_apply,
                          .save = ma_save,
                          .restore = ma_restore};
    myl_pipeline_opts o = {.size = sizeof o};
    o.journal.sync = MYL_JOURNAL_SYNC_NONE;
    o.journal.segment_bytes = 4096;
    o.keep_snapshots = 1;
    myl_pipeline *p;
    assert_int_equal(myl_pipeline_create(dir, &a, &o, &p), 0);
    uint64_t next = 0, v = 1;
    assert_int_equal(myl_pipeline_input_position(p, 7, &next), 0); /* no mark yet */
    assert_int_equal(myl_pipeline_input_mark(p, 7, 100, 0), MYL_EINVAL);
    assert_int_equal(myl_pipeline_submit(p, MYL_PIPELINE_INPUT, &v, 8, NULL), MYL_EINVAL);
    assert_int_equal(myl_pipeline_input_mark(p, 7, 100, 3), 0);
    assert_int_equal(myl_pipeline_input_position(p, 7, &next), 1);
    assert_int_equal(next, 100);
    for (v = 1; v <= 2; v++)
        assert_int_equal(myl_pipeline_submit(p, 1, &v, 8, NULL), 0);
    assert_int_equal(myl_pipeline_input_position(p, 7, &next), 1);
    assert_int_equal(next, 102);
    assert_int_equal(myl_pipeline_input_room(p, 7), 1);
    assert_int_equal(myl_pipeline_input_room(p, 8), 0);
    assert_int_equal(myl_pipeline_input_position(p, 8, &next), 0); /* another ring */
    assert_int_equal(st.applied, 2);
    assert_int_equal(myl_pipeline_next_seq(p), 3); /* the mark has a sequence */
    /* More records than the mark's n: not positions of its ring. */
    for (v = 3; v <= 4; v++)
        assert_int_equal(myl_pipeline_submit(p, 1, &v, 8, NULL), 0);
    assert_int_equal(myl_pipeline_input_position(p, 7, &next), 1);
    assert_int_equal(next, 103);
    assert_int_equal(myl_pipeline_input_room(p, 7), 0);
    assert_int_equal(myl_pipeline_input_close(p), 0); /* nothing to close */
    uint64_t sum = st.sum, chain = myl_pipeline_chain(p);
    assert_true(myl_pipeline_commit(p) >= 0);
    assert_int_equal(myl_pipeline_close(p), 0);

    /* Recovered from the journal: the same position, apply saw no mark. */
    memset(&st, 0x5a, sizeof st);
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &p), 0);
    assert_int_equal(st.applied, 4);
    assert_int_equal(st.sum, sum);
    assert_int_equal(myl_pipeline_chain(p), chain);
    assert_int_equal(myl_pipeline_input_position(p, 7, &next), 1);
    assert_int_equal(next, 103);
    /* A later mark of another ring replaces it. */
    assert_int_equal(myl_pipeline_input_mark(p, 9, 0, 200), 0);
    for (v = 0; v < 150; v++)
        assert_int_equal(myl_pipeline_submit(p, 1, &v, 8, NULL), 0);
    assert_int_equal(myl_pipeline_input_position(p, 7, &next), 0);
    /* Rotated: the snapshot carries the position, the mark's segments go. */
    assert_int_equal(myl_pipeline_rotate(p), 0);
    for (v = 0; v < 20; v++)
        assert_int_equal(myl_pipeline_submit(p, 1, &v, 8, NULL), 0);
    assert_int_equal(myl_pipeline_rotate(p), 0);
    assert_int_equal(myl_pipeline_close(p), 0);
    char first[512];
    snprintf(first, sizeof first, "%s/journal/journal-%016llx.myj", dir, 0ull);
    assert_int_equal(access(first, F_OK), -1); /* pruned: the mark is gone */
    memset(&st, 0x5a, sizeof st);
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &p), 0);
    assert_true(myl_pipeline_base_seq(p) > 0);
    assert_int_equal(st.applied, 174);
    assert_int_equal(myl_pipeline_input_position(p, 9, &next), 1);
    assert_int_equal(next, 170);
    /* Closed: a mark that counts nothing, the position kept. */
    assert_int_equal(myl_pipeline_input_room(p, 9), 30);
    assert_int_equal(myl_pipeline_input_close(p), 1);
    assert_int_equal(myl_pipeline_input_room(p, 9), 0);
    assert_int_equal(myl_pipeline_submit(p, 1, &v, 8, NULL), 0);
    assert_int_equal(myl_pipeline_input_position(p, 9, &next), 1);
    assert_int_equal(next, 170);
    /* Spans: each record's bytes 4..7 say how many positions it took. */
    assert_int_equal(myl_pipeline_input_mark_spans(p, 9, 170, 2), 0);
    for (uint32_t span = 3; span <= 9; span += 3) { /* 3, 6, then one past n */
        uint32_t r[2] = {span, span};
        assert_int_equal(myl_pipeline_submit(p, 1, r, 8, NULL), 0);
    }
    assert_int_equal(myl_pipeline_input_position(p, 9, &next), 1);
    assert_int_equal(next, 179);
    assert_int_equal(myl_pipeline_commit(p), 0);
    assert_int_equal(myl_pipeline_close(p), 0);
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &p), 0);
    assert_int_equal(myl_pipeline_input_position(p, 9, &next), 1);
    assert_int_equal(next, 179);
    /* A loop's rounds: a mark only where the last does not count on. */
    uint64_t seqs = myl_pipeline_next_seq(p);
    assert_int_equal(myl_pipeline_input_begin(p, 11, 50, 10, false), 1);
    assert_int_equal(myl_pipeline_input_room(p, 11), UINT32_MAX);
    for (v = 0; v < 3; v++)
        assert_int_equal(myl_pipeline_submit(p, 1, &v, 8, NULL), 0);
    assert_int_equal(myl_pipeline_input_begin(p, 11, 53, 10, false), 0);
    assert_int_equal(myl_pipeline_next_seq(p), seqs + 4);
    assert_int_equal(myl_pipeline_input_begin(p, 11, 60, 10, false), 1); /* elsewhere */
    assert_int_equal(myl_pipeline_input_begin(p, 11, 60, 10, true), 1);  /* other kind */
    assert_int_equal(myl_pipeline_input_begin(p, 12, 60, 10, true), 1);  /* other ring */
    assert_int_equal(myl_pipeline_next_seq(p), seqs + 7);
    assert_int_equal(myl_pipeline_close(p), 0);

    /* Marks a newer library wrote (a flag this one lacks, another
     * length) would be misread as positions: recovery refuses them. */
    uint32_t bad[2][2] = {{24, 2}, {28, 0}}; /* length, flags */
    for (int k = 0; k < 2; k++) {
        rm_pipeline(dir);
        assert_int_equal(myl_pipeline_create(dir, &a, &o, &p), 0);
        assert_int_equal(myl_pipeline_close(p), 0);
        char jd[512];
        snprintf(jd, sizeof jd, "%s/journal", dir);
        uint8_t m[28] = {0};
        memcpy(m + 20, &bad[k][1], 4);
        myl_journal *j;
        assert_int_equal(myl_journal_open(jd, NULL, &j), 0);
        assert_int_equal(myl_journal_append(j, MYL_PIPELINE_INPUT, m, bad[k][0], NULL), 0);
        assert_int_equal(myl_journal_close(j), 0);
        assert_int_equal(myl_pipeline_recover(dir, &a, &o, &p), MYL_EVERSION);
    }
    /* The same in a snapshot's prefix (u32 flags of the mark at 36). */
    rm_pipeline(dir);
    assert_int_equal(myl_pipeline_create(dir, &a, &o, &p), 0);
    assert_int_equal(myl_pipeline_input_mark_spans(p, 9, 0, 5), 0);
    uint32_t rec[2] = {0, 1};
    assert_int_equal(myl_pipeline_submit(p, 1, rec, 8, NULL), 0);
    assert_int_equal(myl_pipeline_rotate(p), 0);
    assert_int_equal(myl_pipeline_close(p), 0);
    char sd[512], snap[512];
    snprintf(sd, sizeof sd, "%s/snapshots", dir);
    myl_snapshot_info info;
    void *pl;
    assert_int_equal(myl_snapshot_latest(sd, snap, sizeof snap, &info), 0);
    assert_int_equal(myl_snapshot_load(snap, &info, &pl), 0);
    uint32_t fl;
    memcpy(&fl, (uint8_t *)pl + 36, 4);
    assert_int_equal(fl, 1); /* spans */
    fl |= 2;
    memcpy((uint8_t *)pl + 36, &fl, 4);
    assert_int_equal(unlink(snap), 0);
    assert_int_equal(myl_snapshot_write(sd, &info, pl), 0);
    free(pl);
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &p), MYL_EVERSION);
    rm_pipeline(dir);
}

/* A snapshot taken within a round (the shadow's, every snapshot_every
 * records) carries the rest of the round's mark: recovered from it, the
 * records after it still count, and the position is the round's end. */
static void test_mark_snapshot_mid_round(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("marksnap");
    rm_pipeline(dir);
    static mark_app st, sh;
    myl_pipeline_app a = {.size = sizeof a,
                          .app_version = 1,
                          .state = &st,
                          .shadow_state = &sh,
                          .reset = ma_reset,
                          .apply = ma_apply,
                          .save = ma_save,
                          .restore = ma_restore};
    myl_pipeline_opts o = {.size = sizeof o};
    o.journal.sync = MYL_JOURNAL_SYNC_NONE;
    o.snapshot_every = 3; /* after the mark and two records */
    myl_pipeline *p;
    assert_int_equal(myl_pipeline_create(dir, &a, &o, &p), 0);
    assert_int_equal(myl_pipeline_input_mark_spans(p, 9, 100, 256), 0);
    for (int i = 0; i < 6; i++) {
        uint32_t r[2] = {0, 2};
        assert_int_equal(myl_pipeline_submit(p, 1, r, 8, NULL), 0);
    }
    uint64_t next = 0;
    assert_int_equal(myl_pipeline_input_position(p, 9, &next), 1);
    assert_int_equal(next, 112);
    assert_int_equal(myl_pipeline_commit(p), 0);
    uint64_t deadline = myl_ut_now() + MYL_UT_LIVENESS;
    while (myl_pipeline_shadow_snapshots(p) < 2 && myl_ut_now() < deadline)
        sched_yield();
    assert_true(myl_pipeline_shadow_snapshots(p) >= 2); /* at 3 and at 6 */
    assert_int_equal(myl_pipeline_close(p), 0);
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &p), 0);
    assert_int_equal(myl_pipeline_base_seq(p), 6);
    assert_int_equal(myl_pipeline_input_position(p, 9, &next), 1);
    assert_int_equal(next, 112);
    assert_int_equal(myl_pipeline_close(p), 0);
    rm_pipeline(dir);
}

static void test_ticks(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("tick");
    rm_pipeline(dir);
    reset_globals();
    myl_pipeline_app a = app_of(false);
    myl_pipeline_opts o = opts_of(MYL_JOURNAL_SYNC_BATCH);
    o.tick_ns = 5 * PM_VT;
    assert_int_equal(myl_pipeline_create(dir, &a, &o, &g_p), 0);
    /* The hook alone: a tick at once (none yet), then not until due. */
    assert_int_equal(myl_pipeline_tick(g_p), 1);
    assert_int_equal(myl_pipeline_tick(g_p), 0);
    assert_int_equal(g_state.ticks, 1);
    run(g_p, 100, 10);
    /* The clock reads 5 records' worth at every fifth sequence: ticks at
     * 0, 5, 10, ... and inputs between them. */
    uint64_t n = myl_pipeline_next_seq(g_p);
    assert_int_equal(n, 125); /* 100 inputs, 4 between ticks */
    assert_int_equal(g_state.ticks, 25);
    assert_int_equal(g_state.last_tick, (n - 1) / 5 * 5 * PM_VT);
    check_model(g_p, o.tick_ns);
    assert_int_equal(myl_pipeline_commit(g_p), 0);
    uint64_t ticks = g_state.ticks;
    assert_int_equal(myl_pipeline_close(g_p), 0);
    /* Replayed, not re-generated: a clock that changed does not matter. */
    reset_globals();
    myl_pipeline_opts o2 = o;
    o2.tick_ns = 1000 * PM_VT;
    assert_int_equal(myl_pipeline_recover(dir, &a, &o2, &g_p), 0);
    assert_int_equal(g_state.ticks, ticks);
    assert_int_equal(myl_pipeline_close(g_p), 0);
    rm_pipeline(dir);
}

static uint64_t g_wall; /* a clock the test sets */

static uint64_t wall_clock(void *arg)
{
    (void)arg;
    return g_wall;
}

/* A clock that reads below the last tick (CLOCK_MONOTONIC after a reboot:
 * the last tick came back from the journal) ticks at once and on from
 * there; it waited for the old uptime, no tick for days. */
static void test_ticks_clock_restarted(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("tickboot");
    rm_pipeline(dir);
    reset_globals();
    myl_pipeline_app a = app_of(false);
    myl_pipeline_opts o = opts_of(MYL_JOURNAL_SYNC_BATCH);
    o.clock = wall_clock;
    o.tick_ns = 1000000;                /* 1 ms */
    g_wall = UINT64_C(864000000000000); /* up 10 days */
    assert_int_equal(myl_pipeline_create(dir, &a, &o, &g_p), 0);
    assert_int_equal(myl_pipeline_tick(g_p), 1);
    assert_int_equal(myl_pipeline_commit(g_p), 0);
    assert_int_equal(myl_pipeline_close(g_p), 0);
    reset_globals();
    g_wall = UINT64_C(60000000000); /* rebooted: up a minute */
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &g_p), 0);
    assert_int_equal(g_state.last_tick, UINT64_C(864000000000000));
    assert_int_equal(myl_pipeline_tick(g_p), 1);
    assert_int_equal(g_state.last_tick, g_wall);
    assert_int_equal(myl_pipeline_tick(g_p), 0); /* and not again until due */
    g_wall += 999999;
    assert_int_equal(myl_pipeline_tick(g_p), 0);
    g_wall += 1;
    assert_int_equal(myl_pipeline_tick(g_p), 1);
    assert_int_equal(g_state.ticks, 3);
    assert_int_equal(myl_pipeline_commit(g_p), 0);
    assert_int_equal(myl_pipeline_close(g_p), 0);
    rm_pipeline(dir);
}

/* Kill points of the lifecycle: a child killed at each restarts into the
 * model's state, with every output it released. */
static void test_kill_points(void **state)
{
    (void)state;
    static const char *const points[] = {
        "pipeline.commit.synced",   "pipeline.rotate.snapshotted", "pipeline.rotate.rotated",
        "pipeline.prune.partial",   "pipeline.shadow.snapshotted", "snapshot.synced",
        "pipeline.recover.replayed"};
    const char *dir = myl_ut_dir("kp");
    myl_pipeline_app a = app_of(true);
    myl_pipeline_opts o = opts_of(MYL_JOURNAL_SYNC_BATCH);
    o.snapshot_every = 50;
    o.tick_ns = 3 * PM_VT;
    for (size_t k = 0; k < sizeof points / sizeof points[0]; k++) {
        rm_pipeline(dir);
        reset_globals();
        /* Some history first, so that recovery has something to replay. */
        assert_int_equal(myl_pipeline_create(dir, &a, &o, &g_p), 0);
        run(g_p, 120, 10);
        assert_int_equal(myl_pipeline_close(g_p), 0);
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            setenv("MYL_TEST_KILL_AT", points[k], 1);
            g_p = NULL;
            if (myl_pipeline_recover(dir, &a, &o, &g_p) != 0)
                _exit(3);
            uint64_t sent = 0;
            for (int i = 0; i < 3000; i++) {
                if (pm_step(g_p, SEED) < 0)
                    _exit(4);
                if (i % 10 == 9) {
                    if (myl_pipeline_commit(g_p) < 0)
                        _exit(5);
                    /* Report the outputs released so far. */
                    for (; sent < g_n_out; sent++)
                        if (write(fds[1], &g_out[sent], sizeof g_out[0]) != sizeof g_out[0])
                            _exit(6);
                }
                if (i % 300 == 299 && myl_pipeline_rotate(g_p) < 0)
                    _exit(7);
            }
            /* The shadow may lag (a loaded machine): let it catch up. */
            uint64_t deadline = myl_ut_now() + (uint64_t)MYL_UT_LIVENESS;
            while (myl_pipeline_shadow_applied(g_p) < myl_pipeline_next_seq(g_p) &&
                   myl_ut_now() < deadline)
                myl_ut_nap(1000000);
            _exit(0); /* the point was never reached */
        }
        close(fds[1]);
        int st = 0;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
            fail_msg("%s: child status %#x", points[k], st);
        reset_globals();
        ssize_t got;
        while ((got = read(fds[0], &g_out[g_n_out], sizeof g_out[0])) == sizeof g_out[0])
            g_n_out++;
        close(fds[0]);
        myl_pipeline_app plain = app_of(false);
        assert_int_equal(myl_pipeline_recover(dir, &plain, &o, &g_p), 0);
        check_model(g_p, o.tick_ns);
        check_outputs(myl_pipeline_next_seq(g_p), o.tick_ns);
        assert_int_equal(myl_pipeline_close(g_p), 0);
    }
    rm_pipeline(dir);
}

/* ---- trace ---- */

static uint64_t bucket_sum(const myl_pipeline_hist *h)
{
    uint64_t n = 0;
    for (uint32_t b = 0; b < MYL_PIPELINE_HIST_BUCKETS; b++)
        n += h->bucket[b];
    return n;
}

static void test_hist_buckets(void **state)
{
    (void)state;
    /* Every bucket's range holds exactly the values that map to it, and
     * is at most 1/8 of its low end wide (exact below 8). */
    for (uint32_t b = 0; b + 1 < MYL_PIPELINE_HIST_BUCKETS; b++) {
        uint64_t lo = myl_pipeline_hist_low(b), hi = myl_pipeline_hist_low(b + 1) - 1;
        assert_true(lo <= hi);
        assert_int_equal(myl_pipeline_hist_bucket(lo), b);
        assert_int_equal(myl_pipeline_hist_bucket(hi), b);
        assert_int_equal(myl_pipeline_hist_bucket(hi + 1), b + 1);
        if (lo >= 8)
            assert_true(hi - lo + 1 <= lo / 8);
    }
    assert_int_equal(myl_pipeline_hist_bucket(UINT64_MAX), MYL_PIPELINE_HIST_BUCKETS - 1);
    assert_int_equal(myl_pipeline_hist_bucket(0), 0);
    /* Quantiles of a known histogram. */
    myl_pipeline_hist h;
    memset(&h, 0, sizeof h);
    for (uint64_t v = 1; v <= 1000; v++) {
        h.bucket[myl_pipeline_hist_bucket(v * 1000)]++;
        h.count++;
    }
    h.max_ns = 1000000;
    uint64_t p50 = myl_pipeline_hist_quantile(&h, 0.5);
    assert_true(p50 >= 500000 && p50 <= 500000 + 500000 / 8);
    assert_int_equal(myl_pipeline_hist_quantile(&h, 1.0), 1000000);
    assert_int_equal(myl_pipeline_hist_quantile(&h, 0.0), 0);
    memset(&h, 0, sizeof h);
    assert_int_equal(myl_pipeline_hist_quantile(&h, 0.5), 0);
}

static void test_trace(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("trace");
    rm_pipeline(dir);
    char tp[512];
    snprintf(tp, sizeof tp, "%s/trace", dir);
    unlink(tp);
    reset_globals();
    myl_pipeline_app a = app_of(false);
    myl_pipeline_opts o = opts_of(MYL_JOURNAL_SYNC_BATCH);
    myl_pipeline_trace *t = NULL;
    /* Off unless asked for. */
    assert_int_equal(myl_pipeline_create(dir, &a, &o, &g_p), 0);
    assert_int_equal(myl_pipeline_trace_open(dir, &t), -ENOENT);
    assert_int_equal(myl_pipeline_close(g_p), 0);
    o.flags = MYL_PIPELINE_F_TRACE;
    reset_globals();
    assert_int_equal(myl_pipeline_recover(dir, &a, &o, &g_p), 0);
    assert_int_equal(myl_pipeline_trace_open(dir, &t), 0);
    assert_int_equal(myl_pipeline_trace_pid(t), (int32_t)getpid());
    run(g_p, 300, 10); /* 30 commits, and one more at the end */
    assert_int_equal(myl_pipeline_rotate(g_p), 0);
    static const struct {
        uint32_t stage;
        const char *name;
        uint64_t count;
    } want[] = {{MYL_PIPELINE_STAGE_APPLY, "apply", 300},
                {MYL_PIPELINE_STAGE_COMMIT, "commit", 31},
                {MYL_PIPELINE_STAGE_ACK, "ack", 300},
                {MYL_PIPELINE_STAGE_SNAPSHOT, "snapshot", 1}};
    myl_pipeline_hist h;
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(myl_pipeline_trace_read(t, want[i].stage, &h), 0);
        assert_string_equal(h.name, want[i].name);
        assert_int_equal(h.count, want[i].count);
        assert_int_equal(bucket_sum(&h), h.count);
        assert_true(h.max_ns <= h.sum_ns);
        assert_true(myl_pipeline_hist_quantile(&h, 0.99) <= h.max_ns);
    }
    assert_int_equal(myl_pipeline_trace_read(t, MYL_PIPELINE_STAGES, &h), MYL_EINVAL);
    /* Another process reads the same counters. */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        myl_pipeline_trace *u;
        myl_pipeline_hist k;
        if (myl_pipeline_trace_open(dir, &u) != 0 ||
            myl_pipeline_trace_read(u, MYL_PIPELINE_STAGE_APPLY, &k) != 0 || k.count != 300)
            _exit(1);
        myl_pipeline_trace_close(u);
        _exit(0);
    }
    myl_ut_reap_child(pid);
    myl_pipeline_trace_close(t);
    assert_int_equal(myl_pipeline_close(g_p), 0);

    /* A hostile or damaged file is refused: wrong size, bad header. */
    struct stat st;
    assert_int_equal(stat(tp, &st), 0);
    int fd = open(tp, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "X", 1, 0), 1);
    assert_int_equal(myl_pipeline_trace_open(dir, &t), MYL_ECORRUPT);
    assert_int_equal(pwrite(fd, "M", 1, 0), 1);
    uint32_t bad = 7;
    assert_int_equal(pwrite(fd, &bad, 4, 12), 4); /* stages */
    assert_int_equal(myl_pipeline_trace_open(dir, &t), MYL_ECORRUPT);
    assert_int_equal(ftruncate(fd, st.st_size - 1), 0);
    assert_int_equal(myl_pipeline_trace_open(dir, &t), MYL_ECORRUPT);
    close(fd);
    unlink(tp);
    rm_pipeline(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_recover),
        cmocka_unit_test(test_lifecycle_errors),
        cmocka_unit_test(test_replay_apply_fails),
        cmocka_unit_test(test_rotate_prunes),
        cmocka_unit_test(test_journal_gaps),
        cmocka_unit_test(test_snapshot_chain),
        cmocka_unit_test(test_torn_tail),
        cmocka_unit_test(test_ack_levels),
        cmocka_unit_test(test_ack_fsync_failure),
        cmocka_unit_test(test_ack_write_faults),
        cmocka_unit_test(test_shadow_snapshots),
        cmocka_unit_test(test_input_marks),
        cmocka_unit_test(test_mark_snapshot_mid_round),
        cmocka_unit_test(test_ticks),
        cmocka_unit_test(test_ticks_clock_restarted),
        cmocka_unit_test(test_kill_points),
        cmocka_unit_test(test_hist_buckets),
        cmocka_unit_test(test_trace),
        cmocka_unit_test(test_create_fails_clean),
        cmocka_unit_test(test_rotate_over_bad_snapshot),
        cmocka_unit_test(test_prune_after_skipped_snapshot),
        cmocka_unit_test(test_shadow_never_stalls),
        cmocka_unit_test(test_shadow_apply_fails),
    };
    return myl_test_run("pipeline", tests, sizeof tests / sizeof tests[0]);
}
