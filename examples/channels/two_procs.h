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

/* The sender: waits until the receiver (pid) is registered as "reader" on
 * p's ring, a tenth of a second at a time, so that a receiver that died
 * before it registered ends the wait at once rather than after TMO. */
static int wait_reader(myl_producer *p, pid_t pid)
{
    const int64_t slice = INT64_C(100000000);
    for (int64_t waited = 0; waited < TMO; waited += slice) {
        int rc = myl_producer_wait_consumers(p, "reader", 1, slice);
        if (rc != MYL_ETIMEDOUT)
            return rc;
        siginfo_t si;
        si.si_pid = 0; /* not exited: waitid leaves it 0 */
        if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid)
            return MYL_EPEERDEAD; /* exited (not reaped: wait_receiver does) */
    }
    return MYL_ETIMEDOUT;
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
