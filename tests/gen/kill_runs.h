/* What the generated runners' kill tests share (test_pipe_gen.c,
 * test_pipe_codecs.c): a runner forked again and again on the same input
 * ring and directory, killed with SIGKILL at a random point of its share
 * of the messages while the test sends them, the last run given all that
 * is left; then the journal read back, input by input. */
#ifndef MYELON_TESTS_GEN_KILL_RUNS_H
#define MYELON_TESTS_GEN_KILL_RUNS_H

#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "myelon/myelon.h"

typedef struct kill_plan {
    myl_ring *in;   /* the input ring, mapped before the forks */
    uint64_t total; /* messages sent over all runs */
    int runs;
    /* In the child: open the pipeline on in and run it; never returns. */
    void (*child)(void *arg);
    /* Send message id (from 1): 0, or MYL_EAGAIN / MYL_ETIMEDOUT to try
     * again. */
    int (*send)(void *arg, uint64_t id);
    void *arg;
} kill_plan;

static inline void kill_runs(const kill_plan *k)
{
    uint64_t sent = 0;
    uint64_t deadline = (uint64_t)time(NULL) + 120;
    assert_true(k->runs > 0 && k->total >= (uint64_t)k->runs); /* a share each */
    /* The kill points, again with MYL_KILL_SEED (the kills still land
     * where the runner happens to be). */
    const char *e = getenv("MYL_KILL_SEED");
    unsigned seed = e ? (unsigned)strtoul(e, NULL, 10) : (unsigned)getpid();
    print_message("kill points from seed %u (MYL_KILL_SEED)\n", seed);
    srand(seed);
    for (int run = 0; run < k->runs; run++) {
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            k->child(k->arg);
            _exit(4);
        }
        /* Registered (the entry the killed run left, taken over: it
         * resumes at that run's last release): only then may the ring
         * fill, or its producer would find the entry's process dead. */
        myl_consumer_stats cs;
        do {
            assert_true((uint64_t)time(NULL) < deadline);
            sched_yield();
        } while (myl_ring_consumer_stats(k->in, 0, &cs) != 0 || cs.pid != pid ||
                 cs.state != MYL_ENTRY_ACTIVE);
        /* Messages up to a random point of this run's share (the runner
         * takes them as they come), and the kill there, while it is
         * busy; the last run gets the rest and is killed only once
         * everything is released. */
        uint64_t share = k->total / (uint64_t)k->runs, until = k->total;
        uint64_t at = sent + share / 2 + (uint64_t)rand() % share;
        if (run < k->runs - 1 && at < k->total)
            until = at;
        while (sent < until) {
            int rc = k->send(k->arg, sent + 1);
            if (rc == MYL_EAGAIN || rc == MYL_ETIMEDOUT) {
                assert_true((uint64_t)time(NULL) < deadline);
                sched_yield();
                continue;
            }
            assert_int_equal(rc, 0);
            sent++;
        }
        myl_ring_stats rs;
        myl_ring_stats_get(k->in, &rs);
        while (run == k->runs - 1 && cs.seq < rs.published) {
            assert_true((uint64_t)time(NULL) < deadline);
            sched_yield();
            assert_int_equal(myl_ring_consumer_stats(k->in, 0, &cs), 0);
        }
        assert_int_equal(kill(pid, SIGKILL), 0);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));
    }
}

/* Each record of dir's journal but the input marks, in order, given to
 * check with the number it should carry (1, 2, ...); a torn tail ends
 * it. Returns how many; *marks gets the marks. */
static inline uint64_t
each_input(const char *dir, void (*check)(void *arg, const myl_journal_record *rec, uint64_t want),
           void *arg, uint64_t *marks)
{
    char jdir[128];
    snprintf(jdir, sizeof jdir, "%s/journal", dir);
    myl_journal_reader *r;
    assert_int_equal(myl_journal_reader_open(jdir, 0, &r), 0);
    myl_journal_record rec;
    uint64_t n = 0;
    int rc;
    *marks = 0;
    while ((rc = myl_journal_read(r, &rec)) == 1) {
        if (rec.type == MYL_PIPELINE_INPUT)
            (*marks)++;
        else
            check(arg, &rec, ++n);
    }
    myl_journal_reader_close(r);
    assert_true(rc >= 0 || rc == MYL_ECORRUPT || rc == MYL_ETRUNCATED); /* a torn tail */
    return n;
}

#endif
