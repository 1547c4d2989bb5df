/* What the channel examples share: each program is run once, creates its
 * channel, runs itself again as the receiving process (fork + exec) and
 * sends; the receiver checks every message and exits 0 if all were right.
 * A sender that fails ends the receiver and removes the channel. */
#ifndef EXAMPLES_TWO_PROCS_H
#define EXAMPLES_TWO_PROCS_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "orders.myl.h"

#define TMO INT64_C(20000000000) /* 20 s: generous, the machine may be loaded */

/* Runs this program again as "<prog> recv NAME [ARG]"; -1 if fork failed. */
static pid_t spawn_receiver(const char *prog, const char *name, const char *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/proc/self/exe", prog, "recv", name, arg, (char *)NULL);
        perror("exec");
        _exit(127);
    }
    if (pid < 0)
        perror("fork");
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

/* The sender failed: end the receiver (it may be waiting for messages
 * that will not come) and reap it. */
static void stop_receiver(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* The receiver: report a failed call and exit 1 (the sender cleans up). */
#define CHECK(call)                                                                                \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_ < 0) {                                                                             \
            fprintf(stderr, "%s: %s\n", #call, myl_strerror(rc_));                                 \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

/* The sender: report a failed call and go to its label `fail`, which ends
 * the receiver, closes what is open and removes the channel's segments,
 * so that none is left behind in /dev/shm. */
#define TRY(call)                                                                                  \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_ < 0) {                                                                             \
            fprintf(stderr, "%s: %s\n", #call, myl_strerror(rc_));                                 \
            goto fail;                                                                             \
        }                                                                                          \
    } while (0)

#endif
