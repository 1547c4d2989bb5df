/* What the topology relay tests share (test_topo_relay.c,
 * test_topo_relay_peers.c): the clock, the stamp jobs carry, the children
 * (forked, stopped by SIGTERM), the topology configuration every process
 * of a site uses, a relay run until SIGTERM, and a block of 16 free TCP
 * ports. Include once, after the generated header and topo_relay.h. */
#ifndef MYL_TESTS_RELAY_TEST_H
#define MYL_TESTS_RELAY_TEST_H

#include <arpa/inet.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "myelon/topo_relay.h"

static char instance[32];
static volatile sig_atomic_t stopping;
static myl_topo_relay *the_relay;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* What a job's answer must carry back. */
static uint64_t stamp(uint64_t id)
{
    return id * UINT64_C(0x9e3779b97f4a7c15) ^ UINT64_C(0x5eed);
}

static void on_term(int sig)
{
    (void)sig;
    stopping = 1;
    if (the_relay)
        myl_topo_relay_stop(the_relay);
}

static void cfg_for(myl_topo_cfg *c, const char *prefix)
{
    myl_topo_cfg_init(c);
    c->instance = instance;
    c->prefix = prefix;
    c->liveness.check_interval_ns = 10000000;
    c->liveness.progress_timeout_ns = 5000000000;
    c->liveness.startup_wait_ns = 30000000000;
}

static void child_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
}

/* A relay of topology d run in this (child) process until SIGTERM: 0, or
 * 2 when it fails (its error on stderr). */
static int relay_serve(const myl_topo_desc *d, const myl_topo_relay_opts *o)
{
    child_signals();
    int rc = myl_topo_relay_open(d, o, &the_relay);
    if (rc < 0)
        return 2;
    while (!stopping && (rc = myl_topo_relay_run(the_relay, MYL_FOREVER)) == 0)
        ;
    if (rc < 0)
        fprintf(stderr, "relay: %s\n", myl_topo_relay_error(the_relay));
    myl_topo_relay_close(the_relay);
    return rc < 0 ? 2 : 0;
}

static pid_t spawn(int (*fn)(uint32_t), uint32_t arg)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        exit(fn(arg)); /* exit, not _exit: a sanitizer's leak check runs */
    return pid;
}

/* Signal a child and, unless it was SIGSTOP, wait for it (continued
 * first, in case it was stopped, unless the signal was SIGKILL). */
static void reap(pid_t pid, int sig)
{
    if (pid <= 0)
        return;
    kill(pid, sig);
    if (sig == SIGSTOP)
        return;
    if (sig != SIGKILL)
        kill(pid, SIGCONT);
    (void)waitpid(pid, NULL, 0);
}

/* A block of 16 ports (the relay's control port and one per ring) that
 * are free on 127.0.0.1 now, below Linux's ephemeral range (32768 and up:
 * ZeroMQ's outgoing connections take ports there, and so do other tests
 * running at the same time), starting from one picked by the pid (salt
 * tells tests that run at once apart). */
static unsigned free_block(unsigned salt)
{
    for (unsigned t = 0; t < 64; t++) {
        unsigned base = 20000u + ((unsigned)getpid() + t * salt) % 780u * 16u, k = 0;
        for (; k < 16; k++) {
            int fd = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in a = {.sin_family = AF_INET,
                                    .sin_port = htons((uint16_t)(base + k)),
                                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
            bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
            if (fd >= 0)
                close(fd);
            if (!ok)
                break;
        }
        if (k == 16)
            return base;
    }
    return 20000u + (unsigned)getpid() % 780u * 16u;
}

#endif
