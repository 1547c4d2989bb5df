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
#include <signal.h>
#include <sys/wait.h>
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
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
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
