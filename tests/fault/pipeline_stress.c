/* pipeline_stress: kill -9 a process running a pipeline at random
 * instants, recover, and check (scripts/pipeline-stress.sh runs 1,000
 * trials; ctest a short smoke).
 *
 * Each trial forks a child that recovers the pipeline directory (creates
 * it the first time) and runs the input loop of tests/unit/pipeline_model.h
 * (tick hook, one input, a commit every batch, a rotate every so often, a
 * shadow snapshot stage in half the trials, the trace in half) under a random journal sync
 * policy (batch, group commit, none) and segment size, writing every
 * output the pipeline releases to a pipe: those are the acknowledgements a
 * client saw. The child dies by SIGKILL from a random timer, at a random
 * step of its own loop, or at one of the named kill points
 * (MYL_TEST_KILL_AT). The parent then recovers the directory itself and
 * checks:
 *   - recovery succeeds;
 *   - the state and the chain equal the model's replay of exactly the
 *     records recovered (nothing applied twice, nothing skipped);
 *   - every acknowledged record is among them, with the model's output
 *     value (no acknowledged record lost);
 *   - no record is acknowledged twice, across all trials of a directory.
 * A directory carries on for --per-dir trials (recoveries of
 * recoveries), then a new one starts. Exit status 1 if any check failed.
 *
 *   pipeline_stress [--trials N] [--seed S] [--per-dir K] [--dir BASE] [--verbose]
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../unit/pipeline_model.h"
#include "myelon/error.h"

static const char *const points[] = {
    "pipeline.commit.synced",    "pipeline.rotate.snapshotted", "pipeline.rotate.rotated",
    "pipeline.prune.partial",    "pipeline.shadow.snapshotted", "snapshot.synced",
    "pipeline.recover.replayed",
};
#define N_POINTS (sizeof points / sizeof points[0])

static uint64_t rng_state;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t rnd(void)
{
    rng_state += UINT64_C(0x9e3779b97f4a7c15);
    return pm_mix(rng_state);
}

typedef struct config {
    uint32_t sync;
    bool shadow;
    uint64_t snapshot_every, rotate_every, segment_bytes, max_steps;
    uint32_t keep, batch, flags;
    int mode; /* 0 named point, 1 self-kill at a step, 2 timer */
    const char *point;
    uint64_t kill_step;
    long timer_us;
} config;

static pm_state g_state, g_shadow;
static myl_pipeline *g_p;
static int g_ack_fd = -1;

static void deliver(void *arg, uint64_t seq, const void *data, uint32_t len)
{
    (void)arg;
    pm_output o;
    if (len != sizeof o) {
        fprintf(stderr, "child: output of %u bytes\n", len);
        _exit(20);
    }
    memcpy(&o, data, sizeof o);
    if (o.seq != seq)
        _exit(21);
    /* 16 bytes < PIPE_BUF: written whole or not at all. */
    if (write(g_ack_fd, &o, sizeof o) != (ssize_t)sizeof o)
        _exit(22);
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

static myl_pipeline_opts opts_of(const config *c, uint64_t tick_ns)
{
    myl_pipeline_opts o = {.size = sizeof o};
    o.journal.sync = c->sync;
    o.journal.segment_bytes = c->segment_bytes;
    o.journal.group_ns = 200000; /* 0.2 ms */
    o.journal.group_bytes = 2048;
    o.keep_snapshots = c->keep;
    o.snapshot_every = c->snapshot_every;
    o.tick_ns = tick_ns;
    o.clock = pm_clock;
    o.clock_arg = &g_p;
    o.flags = c->flags;
    return o;
}

static void child(const char *dir, const config *c, uint64_t seed, uint64_t tick_ns)
{
    if (c->mode == 0)
        setenv("MYL_TEST_KILL_AT", c->point, 1);
    myl_pipeline_app a = app_of(c->shadow);
    myl_pipeline_opts o = opts_of(c, tick_ns);
    char jd[4200];
    snprintf(jd, sizeof jd, "%.4000s/journal", dir);
    struct stat st;
    int rc = stat(jd, &st) == 0 ? myl_pipeline_recover(dir, &a, &o, &g_p)
                                : myl_pipeline_create(dir, &a, &o, &g_p);
    if (rc < 0) {
        fprintf(stderr, "child: open: %s\n", myl_errname(rc));
        _exit(10);
    }
    for (uint64_t i = 0; i < c->max_steps; i++) {
        if (c->mode == 1 && i == c->kill_step)
            raise(SIGKILL);
        if ((rc = pm_step(g_p, seed)) < 0)
            break;
        if ((i + 1) % c->batch == 0 && (rc = myl_pipeline_commit(g_p)) < 0)
            break;
        if (c->rotate_every && (i + 1) % c->rotate_every == 0 &&
            (rc = myl_pipeline_rotate(g_p)) < 0)
            break;
    }
    if (rc < 0) {
        fprintf(stderr, "child: run: %s\n", myl_errname(rc));
        _exit(11);
    }
    rc = myl_pipeline_close(g_p);
    _exit(rc < 0 ? 12 : 0);
}

static void rm_dir(const char *dir)
{
    static const char *const subs[] = {"journal", "snapshots", ""};
    char p[4096];
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, subs[i]);
        DIR *d = opendir(p);
        if (!d)
            continue;
        struct dirent *e;
        char f[8192];
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.' && (!e->d_name[1] || !strcmp(e->d_name, "..")))
                continue;
            snprintf(f, sizeof f, "%s/%s", p, e->d_name);
            unlink(f);
        }
        closedir(d);
        rmdir(p);
    }
}

int main(int argc, char **argv)
{
    long trials = 100, per_dir = 10;
    uint64_t seed = (uint64_t)time(NULL);
    bool verbose = false;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--trials") && i + 1 < argc)
            trials = atol(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--per-dir") && i + 1 < argc)
            per_dir = atol(argv[++i]);
        else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            base = argv[++i];
        else if (!strcmp(argv[i], "--verbose"))
            verbose = true;
        else {
            fprintf(stderr,
                    "usage: %s [--trials N] [--seed S] [--per-dir K] [--dir BASE] [--verbose]\n",
                    argv[0]);
            return 2;
        }
    }
    if (per_dir < 1)
        per_dir = 1;
    printf("pipeline_stress: seed %" PRIu64 ", %ld trials\n", seed, trials);
    fflush(stdout);
    rng_state = seed;
    char dir[4096];
    int dirs = 0;
    snprintf(dir, sizeof dir, "%s/myl-pstress-%d-%d.d", base, (int)getpid(), dirs);
    uint64_t data_seed = 0, tick_ns = 0;
    uint8_t *acked = NULL; /* per record of the directory: acknowledged */
    size_t acked_cap = 0;
    long failures = 0, by_mode[3] = {0}, clean_exits = 0, acks_total = 0;
    uint64_t records_total = 0;
    bool fresh = false;
    for (long t = 0; t < trials; t++) {
        if (t % per_dir == 0 || fresh) {
            fresh = false;
            rm_dir(dir);
            data_seed = rnd();
            tick_ns = rnd() % 3 ? (2 + rnd() % 20) * PM_VT : 0;
            if (acked)
                memset(acked, 0, acked_cap);
        }
        config c = {0};
        c.sync = (uint32_t)(rnd() % 3);
        c.shadow = rnd() % 2;
        c.snapshot_every = 20 + rnd() % 300;
        c.rotate_every = rnd() % 2 ? 50 + rnd() % 1000 : 0;
        c.segment_bytes = UINT64_C(4096) << (rnd() % 4);
        c.keep = 1 + (uint32_t)(rnd() % 3);
        c.batch = 1 + (uint32_t)(rnd() % 64);
        c.flags = rnd() % 2 ? MYL_PIPELINE_F_TRACE : 0;
        c.max_steps = 2000 + rnd() % 8000;
        c.mode = (int)(rnd() % 4);
        if (c.mode == 3)
            c.mode = 2;
        c.point = points[rnd() % N_POINTS];
        c.kill_step = rnd() % c.max_steps;
        c.timer_us = (long)(rnd() % 30000);
        by_mode[c.mode]++;

        int fds[2];
        if (pipe(fds) != 0) {
            perror("pipe");
            return 2;
        }
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 2;
        }
        if (pid == 0) {
            close(fds[0]);
            g_ack_fd = fds[1];
            child(dir, &c, data_seed, tick_ns);
        }
        close(fds[1]);
        /* Drain the acknowledgements while the child runs (a full pipe
         * would block it), killing it when the timer expires; EOF when it
         * is gone. */
        uint64_t kill_at = c.mode == 2 ? now_ns() + (uint64_t)c.timer_us * 1000u : UINT64_MAX;
        pm_output *acks = NULL;
        size_t n_acks = 0, cap_acks = 0;
        for (;;) {
            if (n_acks == cap_acks) {
                cap_acks = cap_acks ? cap_acks * 2 : 1024;
                acks = realloc(acks, cap_acks * sizeof *acks);
                if (!acks)
                    return 2;
            }
            if (kill_at != UINT64_MAX) {
                uint64_t now = now_ns();
                if (now >= kill_at) {
                    kill(pid, SIGKILL);
                    kill_at = UINT64_MAX;
                    continue;
                }
                struct pollfd pf = {fds[0], POLLIN, 0};
                uint64_t left = kill_at - now;
                struct timespec ts = {(time_t)(left / 1000000000u), (long)(left % 1000000000u)};
                if (ppoll(&pf, 1, &ts, NULL) == 0)
                    continue;
            }
            ssize_t n = read(fds[0], &acks[n_acks], sizeof *acks);
            if (n == (ssize_t)sizeof *acks)
                n_acks++;
            else if (n < 0 && errno == EINTR)
                continue;
            else
                break;
        }
        close(fds[0]);
        int st = 0;
        waitpid(pid, &st, 0);
        bool bad = false;
        char why[256] = "";
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
            clean_exits++;
        } else if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)) {
            bad = true;
            snprintf(why, sizeof why, "child status %#x", st);
        }

        /* Recover and check. */
        g_p = NULL;
        myl_pipeline_app a = app_of(false);
        myl_pipeline_opts o = opts_of(&c, tick_ns);
        int rc = myl_pipeline_recover(dir, &a, &o, &g_p);
        uint64_t n = 0;
        char jd[4200];
        snprintf(jd, sizeof jd, "%.4000s/journal", dir);
        struct stat jst;
        if (rc == -ENOENT && n_acks == 0 && stat(jd, &jst) != 0) {
            /* Killed inside create, before journal/ was made: no pipeline
             * yet, nothing acknowledged; the next child creates it. */
        } else if (rc < 0) {
            bad = true;
            snprintf(why, sizeof why, "recover: %s", myl_errname(rc));
        } else {
            n = myl_pipeline_next_seq(g_p);
            records_total = n;
            uint64_t *outs = malloc((size_t)(n + 1) * sizeof *outs);
            pm_state want;
            uint64_t chain;
            pm_model(data_seed, tick_ns, n, &want, &chain, outs);
            if (memcmp(&want, &g_state, sizeof want) != 0 || chain != myl_pipeline_chain(g_p)) {
                bad = true;
                snprintf(why, sizeof why, "state or chain differs from the model's at %" PRIu64, n);
            }
            if (n > acked_cap) {
                size_t nc = acked_cap ? acked_cap : 4096;
                while (nc < n)
                    nc *= 2;
                acked = realloc(acked, nc);
                if (!acked)
                    return 2;
                memset(acked + acked_cap, 0, nc - acked_cap);
                acked_cap = nc;
            }
            for (size_t i = 0; i < n_acks && !bad; i++) {
                uint64_t s = acks[i].seq;
                if (s >= n) {
                    bad = true;
                    snprintf(why, sizeof why,
                             "acknowledged record %" PRIu64 " lost (recovered %" PRIu64 ")", s, n);
                } else if (acks[i].value != outs[s]) {
                    bad = true;
                    snprintf(why, sizeof why,
                             "record %" PRIu64 " acknowledged with %" PRIx64 ", model %" PRIx64, s,
                             acks[i].value, outs[s]);
                } else if (acked[s]) {
                    bad = true;
                    snprintf(why, sizeof why, "record %" PRIu64 " acknowledged twice", s);
                } else {
                    acked[s] = 1;
                }
            }
            free(outs);
            rc = myl_pipeline_close(g_p);
            if (rc < 0 && !bad) {
                bad = true;
                snprintf(why, sizeof why, "close: %s", myl_errname(rc));
            }
        }
        acks_total += (long)n_acks;
        if (bad)
            failures++;
        if (bad || verbose)
            printf("trial %ld: %s sync %u shadow %d mode %d%s%s steps %" PRIu64
                   " acks %zu records %" PRIu64 "%s%s\n",
                   t, bad ? "FAIL" : "ok", c.sync, (int)c.shadow, c.mode, c.mode == 0 ? " at " : "",
                   c.mode == 0 ? c.point : "", c.max_steps, n_acks, n, bad ? ": " : "", why);
        free(acks);
        if (bad) {
            /* Keep the evidence; go on in a new directory. */
            printf("  (directory kept: %s)\n", dir);
            snprintf(dir, sizeof dir, "%s/myl-pstress-%d-%d.d", base, (int)getpid(), ++dirs);
            fresh = true;
        }
        fflush(stdout);
    }
    rm_dir(dir);
    free(acked);
    printf("pipeline_stress: %ld trials, %ld failed; killed by timer %ld, at a step %ld, at a "
           "named point %ld (%ld ran to the end); %ld acknowledgements checked; last directory "
           "%" PRIu64 " records\n",
           trials, failures, by_mode[2], by_mode[1], by_mode[0], clean_exits, acks_total,
           records_total);
    return failures ? 1 : 0;
}
