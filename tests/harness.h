/* Test harness: cmocka cases, each run in a child process with a watchdog,
 * so that a hang or a crash fails that case alone and every case starts
 * from a clean process. Exit status 77 from a case means "skipped". */
#ifndef MYELON_TEST_HARNESS_H
#define MYELON_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define MYL_TEST_SKIP 77

/* Per-case watchdog in seconds; MYL_TEST_TIMEOUT overrides. */
#ifndef MYL_TEST_CASE_TIMEOUT
#define MYL_TEST_CASE_TIMEOUT 120
#endif

/* A unique name for segments of this test process. */
static inline const char *myl_test_name(const char *tag)
{
    static char buf[8][96];
    static unsigned next;
    char *b = buf[next++ % 8];
    snprintf(b, 96, "myl-test-%d-%s", (int)getpid(), tag);
    return b;
}

/* What a case (the child pid, started at `since`) left in /dev/shm under
 * the names it makes (myl_test_name's "myl-test-PID-", unit_util.h's
 * "myl-ut-PID-"), removed; each named on stdout under the case's name
 * when report is set. Returns how many there were. A directory (a
 * file-backed ring's) goes with the files in it, one level: what the
 * tests make. Only this pid's names, and only those changed since the
 * case began: other tests (ctest -j), and what an earlier run whose pid
 * this was left, are not this case's. */
static inline size_t myl__test_sweep(pid_t pid, time_t since, const char *name, int report)
{
    char pre[2][40];
    snprintf(pre[0], sizeof pre[0], "myl-test-%d-", (int)pid);
    snprintf(pre[1], sizeof pre[1], "myl-ut-%d-", (int)pid);
    DIR *d = opendir("/dev/shm");
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, pre[0], strlen(pre[0])) != 0 &&
            strncmp(e->d_name, pre[1], strlen(pre[1])) != 0)
            continue;
        char path[512];
        struct stat sb;
        snprintf(path, sizeof path, "/dev/shm/%s", e->d_name);
        if (stat(path, &sb) != 0 || sb.st_ctime < since)
            continue;
        DIR *sub = unlink(path) == 0 ? NULL : opendir(path); /* a directory: EISDIR */
        if (sub) {
            struct dirent *f;
            while ((f = readdir(sub)) != NULL) {
                char fp[1024];
                if (strcmp(f->d_name, ".") != 0 && strcmp(f->d_name, "..") != 0 &&
                    snprintf(fp, sizeof fp, "%s/%s", path, f->d_name) < (int)sizeof fp)
                    unlink(fp);
            }
            closedir(sub);
            rmdir(path);
        }
        if (report)
            printf("[  LEFT    ] %s: /dev/shm/%s\n", name, e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

static inline int myl_test_run(const char *group, const struct CMUnitTest *tests, size_t n)
{
    const char *only = getenv("MYL_TEST_ONLY");
    const char *tmo = getenv("MYL_TEST_TIMEOUT");
    unsigned timeout = tmo ? (unsigned)atoi(tmo) : MYL_TEST_CASE_TIMEOUT;
    size_t failed = 0, passed = 0, skipped = 0, selected = 0;
    for (size_t i = 0; i < n; i++) {
        if (only && strcmp(only, tests[i].name) != 0)
            continue;
        selected++;
        fflush(NULL);
        /* A second early: the file system's clock may lag this one. */
        time_t since = time(NULL) - 1;
        pid_t pid = fork();
        if (pid == 0) {
            alarm(timeout);
            /* One case per child, through cmocka's public macro (it wants
             * an array, whose size it takes). */
            const struct CMUnitTest one[1] = {tests[i]};
            int rc = cmocka_run_group_tests_name(tests[i].name, one, NULL, NULL);
            _exit(rc == 0 ? 0 : 1);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        /* A case removes the shared memory it made (rings, a bridge's
         * state objects: they persist by design); whatever it left is
         * removed here, and fails a case that passed, so that a leak shows
         * instead of piling up in /dev/shm run after run. After a failure
         * it is only removed: the case could not clean up. */
        int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
        size_t left = myl__test_sweep(pid, since, tests[i].name, ok);
        if (ok && left) {
            failed++;
            printf("[  FAILED  ] %s: left %zu object(s) in /dev/shm\n", tests[i].name, left);
        } else if (ok) {
            passed++;
        } else if (WIFEXITED(st) && WEXITSTATUS(st) == MYL_TEST_SKIP) {
            skipped++;
            printf("[  SKIPPED ] %s\n", tests[i].name);
        } else {
            failed++;
            if (WIFSIGNALED(st))
                printf("[  FAILED  ] %s: killed by signal %d%s\n", tests[i].name, WTERMSIG(st),
                       WTERMSIG(st) == SIGALRM ? " (timeout)" : "");
            else
                printf("[  FAILED  ] %s: exit %d\n", tests[i].name, WEXITSTATUS(st));
        }
    }
    printf("%s: %zu passed, %zu failed, %zu skipped\n", group, passed, failed, skipped);
    /* A filter that selects nothing is a typo or a renamed case: fail
     * rather than report success for a run that tested nothing. */
    if (selected == 0) {
        printf("%s: no case named \"%s\" (MYL_TEST_ONLY)\n", group, only ? only : "");
        return 1;
    }
    if (failed)
        return 1;
    if (skipped && !passed)
        return MYL_TEST_SKIP;
    return 0;
}

#define MYL_TEST_MAIN(group, ...)                                                                  \
    int main(void)                                                                                 \
    {                                                                                              \
        const struct CMUnitTest tests_[] = {__VA_ARGS__};                                          \
        return myl_test_run(group, tests_, sizeof tests_ / sizeof tests_[0]);                      \
    }

#endif
