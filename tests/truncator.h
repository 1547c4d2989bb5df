/* A process that truncates a file-backed ring's file and restores it over
 * and over (to one page, or to nothing, then back to its size), for tests
 * of readers that must survive a segment truncated while they attach to
 * it or read it (myelon-stat, the health endpoint). It dies with its
 * parent, even one that dies of SIGBUS, and otherwise when killed
 * (myl_test_truncator_stop). */
#ifndef MYELON_TESTS_TRUNCATOR_H
#define MYELON_TESTS_TRUNCATOR_H

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
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

/* The truncator: the file cut to `to` bytes, held hold_ns, its size
 * restored; with rewrite, the bytes past the cut (as they were when it
 * started) written back, else they come back as zeros. */
static inline pid_t myl_test_truncator_run(const char *path, off_t to, long hold_ns, bool rewrite)
{
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_true(to < sb.st_size);
    size_t tail = (size_t)(sb.st_size - to);
    char *bytes = NULL;
    if (rewrite) {
        bytes = malloc(tail);
        assert_non_null(bytes);
        int rfd = open(path, O_RDONLY);
        assert_true(rfd >= 0);
        assert_int_equal(pread(rfd, bytes, tail, to), (ssize_t)tail);
        close(rfd);
    }
    fflush(NULL);
    pid_t kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(path, O_WRONLY);
        if (fd < 0)
            _exit(1);
        for (;;) {
            if (ftruncate(fd, to) != 0)
                _exit(1);
            struct timespec hold = {0, hold_ns};
            if (hold_ns)
                nanosleep(&hold, NULL);
            if (ftruncate(fd, sb.st_size) != 0)
                _exit(1);
            if (rewrite && pwrite(fd, bytes, tail, to) != (ssize_t)tail)
                _exit(1);
            struct timespec ts = {0, 50000};
            nanosleep(&ts, NULL);
        }
    }
    free(bytes);
    return kid;
}

/* hold_ns: how long each truncation (to one page) lasts before the size
 * is restored (0: restored at once; a reader that reads a little at a
 * time needs the short file to last to be caught by it). */
static inline pid_t myl_test_truncator_hold(const char *path, long hold_ns)
{
    return myl_test_truncator_run(path, 4096, hold_ns, false);
}

static inline pid_t myl_test_truncator(const char *path)
{
    return myl_test_truncator_hold(path, 0);
}

/* To zero bytes and back, with the file's content written back each
 * time: a reader that attaches finds a ring most of the time, and now
 * and then a file cut under its attach. */
static inline pid_t myl_test_truncator_zero(const char *path)
{
    return myl_test_truncator_run(path, 0, 0, true);
}

static inline void myl_test_truncator_stop(pid_t kid)
{
    kill(kid, SIGKILL);
    waitpid(kid, NULL, 0);
}

#endif
