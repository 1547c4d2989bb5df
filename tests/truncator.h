/* A process that truncates a file-backed ring's file and restores it over
 * and over (to one page, then back to its size), for tests of readers
 * that must survive a segment truncated while they read it (myelon-stat,
 * the health endpoint). It dies with its parent, even one that dies of
 * SIGBUS, and otherwise when killed (myl_test_truncator_stop). */
#ifndef MYELON_TESTS_TRUNCATOR_H
#define MYELON_TESTS_TRUNCATOR_H

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "myelon/myelon.h"

/* A file-backed ring at path (a leftover removed) whose tables span
 * pages (64 consumers): a truncation to one page keeps its header and
 * cuts its tables. */
static inline myl_ring *myl_test_truncatable_ring(const char *path)
{
    myl_ring_opts o = {.size = sizeof o,
                       .backing = MYL_BACKING_FILE,
                       .name = path,
                       .slot_size = 16,
                       .capacity = 8,
                       .max_consumers = 64};
    myl_ring *r = NULL;
    (void)unlink(path);
    assert_int_equal(myl_ring_create(&o, &r), 0);
    return r;
}

/* hold_ns: how long each truncation lasts before the size is restored
 * (0: restored at once; a reader that reads a little at a time needs the
 * short file to last to be caught by it). */
static inline pid_t myl_test_truncator_hold(const char *path, long hold_ns)
{
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    fflush(NULL);
    pid_t kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(path, O_WRONLY);
        if (fd < 0)
            _exit(1);
        for (;;) {
            if (ftruncate(fd, 4096) != 0)
                _exit(1);
            struct timespec hold = {0, hold_ns};
            if (hold_ns)
                nanosleep(&hold, NULL);
            if (ftruncate(fd, sb.st_size) != 0)
                _exit(1);
            struct timespec ts = {0, 50000};
            nanosleep(&ts, NULL);
        }
    }
    return kid;
}

static inline pid_t myl_test_truncator(const char *path)
{
    return myl_test_truncator_hold(path, 0);
}

static inline void myl_test_truncator_stop(pid_t kid)
{
    kill(kid, SIGKILL);
    waitpid(kid, NULL, 0);
}

#endif
