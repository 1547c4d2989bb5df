/* What the channel examples share: each program is run once, creates its
 * channel, runs itself again as the receiving process (fork + exec) and
 * sends; the receiver checks every message and exits 0 if all were right. */
#ifndef EXAMPLES_TWO_PROCS_H
#define EXAMPLES_TWO_PROCS_H

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "orders.myl.h"

#define TMO INT64_C(20000000000) /* 20 s: generous, the machine may be loaded */

/* Runs this program again as "<prog> recv NAME [ARG]". */
static pid_t spawn_receiver(const char *prog, const char *name, const char *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/proc/self/exe", prog, "recv", name, arg, (char *)NULL);
        perror("exec");
        _exit(127);
    }
    return pid;
}

/* 0 if the receiver exited with status 0. */
static int wait_receiver(pid_t pid)
{
    int st = 0;
    if (waitpid(pid, &st, 0) != pid)
        return 1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

#define CHECK(call)                                                                                \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_ < 0) {                                                                             \
            fprintf(stderr, "%s: %s\n", #call, myl_strerror(rc_));                                 \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

#endif
