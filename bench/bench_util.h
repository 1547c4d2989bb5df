/* Helpers shared by the benchmark programs: clock, CPU pinning, error
 * exit, sorting and percentiles, spin-wait rings created for a benchmark,
 * and the raw ring ping-pong both ring_bench and topo_bench time. */
#ifndef MYELON_BENCH_UTIL_H
#define MYELON_BENCH_UTIL_H

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "myelon/myelon.h"

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        fprintf(stderr, "warning: cannot pin to cpu %d: %s\n", cpu, strerror(errno));
}

static inline int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Undo pin(): any CPU the process may use. */
static inline void unpin(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int i = 0; i < CPU_SETSIZE; i++)
        CPU_SET(i, &set);
    (void)sched_setaffinity(0, sizeof set, &set);
}

/* The p-quantile of n sorted values; 0 when there are none. */
static inline uint64_t pct(const uint64_t *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

/* In a child just forked from `parent`: be killed when the parent ends, so
 * that a killed benchmark leaves no child spinning on a core; a parent that
 * ended before the request took effect (the child was reparented) ends the
 * child here. */
static inline void die_with_parent(pid_t parent)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
        perror("prctl(PR_SET_PDEATHSIG)");
    if (getppid() != parent)
        _exit(1);
}

/* Reap child pid: true if it exited with status 0; otherwise says on
 * stderr how `what` ended and returns false. */
static inline bool reap_ok(pid_t pid, const char *what)
{
    int st;
    if (waitpid(pid, &st, 0) != pid) {
        fprintf(stderr, "%s: waitpid: %s\n", what, strerror(errno));
        return false;
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return true;
    if (WIFSIGNALED(st))
        fprintf(stderr, "%s: killed by signal %d\n", what, WTERMSIG(st));
    else
        fprintf(stderr, "%s: exit status %d\n", what, WEXITSTATUS(st));
    return false;
}

/* rc, or exit with what failed if it is an error. */
static inline int check(int rc, const char *what)
{
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", what, myl_strerror(rc));
        exit(1);
    }
    return rc;
}

static inline myl_ring *ring_new(const char *name, uint32_t slot, uint64_t cap)
{
    myl_ring_opts o = {.size = sizeof o,
                       .name = name,
                       .slot_size = slot,
                       .capacity = cap,
                       .wait = MYL_WAIT_SPIN,
                       .flags = MYL_SEG_PREFAULT};
    myl_ring *r;
    myl_ring_unlink(MYL_BACKING_SHM, name);
    check(myl_ring_create(&o, &r), name);
    return r;
}

static inline myl_ring *ring_get(const char *name)
{
    myl_ring_opts o = {.size = sizeof o, .name = name, .flags = MYL_SEG_PREFAULT};
    myl_ring *r;
    check(myl_ring_attach(&o, &r), name);
    return r;
}

/* ---- waits that give up when the peer process ended ----
 *
 * A benchmark's two processes spin on each other. A child dies with its
 * parent (die_with_parent() above, or the suite's child_start()); but a
 * parent spinning on a child that died would spin for ever. So a wait
 * asks, every BENCH_CHECK_LOOKS looks that found nothing (or at once after
 * a sleep that timed out), whether a child of this process has ended:
 * waitid(WNOWAIT), which leaves the child to the caller's waitpid(). The
 * benchmarks run one child at a time, so that child is the peer. Once it
 * has ended, the wait takes one more look (whatever the child published
 * before it ended is visible by then) and gives up if that finds nothing
 * too. The timed path pays one counter test per look that failed; a round
 * trip's wait is over long before the first check. */
#define BENCH_CHECK_LOOKS (1u << 16)

typedef struct bench_wait {
    uint32_t looks;
    bool ended; /* the peer has ended: the next empty look gives up */
} bench_wait;

static inline bool bench_child_ended(void)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    /* No children (ECHILD) in a child: its parent's end kills it. */
    return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid != 0;
}

/* Call after each look that found nothing (`now`: after a sleep that timed
 * out). True when the wait should give up: the peer had ended before that
 * look. */
static inline bool bench_wait_give_up(bench_wait *w, bool now)
{
    if (w->ended)
        return true;
    if ((++w->looks % BENCH_CHECK_LOOKS == 0 || now) && bench_child_ended())
        w->ended = true;
    return false;
}

/* A spin wait's step after an empty look: relax, or exit 1 if the peer
 * process has ended. */
static inline void bench_spin(bench_wait *w, const char *what)
{
    if (bench_wait_give_up(w, false)) {
        fprintf(stderr, "%s: the peer process ended; giving up\n", what);
        exit(1);
    }
    myl__cpu_relax();
}

static inline void spin_poll_one(myl_consumer *c, uint64_t *s)
{
    bench_wait w = {0};
    while (myl_consumer_try_poll(c, 1, s) <= 0)
        bench_spin(&w, "ring poll");
}

static inline void spin_claim(myl_producer *p, uint32_t n, uint64_t *s)
{
    bench_wait w = {0};
    while (myl_producer_try_claim(p, n, s) != 0)
        bench_spin(&w, "ring claim");
}

/* The raw ping-pong's ends, the echo in the child (it attaches both rings
 * by name, then raises *go) and the pinger in the parent (it waits for *go
 * and for the echo's registration on the ping ring). Both exit on error. */
static inline void echo_open(const char *ping, const char *pong, _Atomic uint64_t *go,
                             myl_consumer **c, myl_producer **p)
{
    myl_ring *a = ring_get(ping), *b = ring_get(pong);
    check(myl_consumer_open(a, "echo", NULL, c), "echo consumer");
    check(myl_producer_open(b, NULL, p), "echo producer");
    atomic_store(go, 1);
}

static inline void pinger_open(myl_ring *ping, myl_ring *pong, _Atomic uint64_t *go,
                               myl_producer **p, myl_consumer **c)
{
    check(myl_producer_open(ping, NULL, p), "pinger producer");
    check(myl_consumer_open(pong, "pinger", NULL, c), "pinger consumer");
    bench_wait w = {0};
    while (!atomic_load(go))
        bench_spin(&w, "wait for the echo");
    /* The echo registered on ping before go: wait until it is counted. */
    check(myl_producer_wait_consumers(*p, "echo", 1, 30000000000), "wait echo");
}

/* Raw ring ping-pong, echo side: answer `iters` events of `payload` bytes
 * from c with a copy on p, spinning. */
static inline void ring_echo(myl_consumer *c, myl_producer *p, uint32_t payload, int iters)
{
    for (int i = 0; i < iters; i++) {
        uint64_t s, o;
        spin_poll_one(c, &s);
        spin_claim(p, 1, &o);
        memcpy(myl_producer_slot(p, o), myl_consumer_slot(c, s), payload);
        myl_consumer_release(c, 1);
        myl_producer_publish(p, o, 1);
    }
}

/* Raw ring ping-pong, timing side: `iters` round trips of msg (payload
 * bytes, at least 8: its first 8 are overwritten by a sequence number,
 * starting at *seq, that the echo must bring back). With reply (payload
 * bytes) each answer is copied out of the ring into it whole, as the floor
 * probe copies its reply out (ring_bench); with NULL only the sequence
 * number is read, as topo_bench's endpoints read their answer's fields in
 * place. Stores each round trip's ns in lat (when not NULL); returns how
 * many answers were wrong. */
static inline uint64_t ring_ping(myl_producer *p, myl_consumer *c, const void *msg,
                                 uint32_t payload, void *reply, int iters, uint64_t *seq,
                                 uint64_t *lat)
{
    uint64_t bad = 0;
    for (int i = 0; i < iters; i++) {
        uint64_t s, r, want = (*seq)++, got;
        uint64_t t0 = now_ns();
        spin_claim(p, 1, &s);
        memcpy(myl_producer_slot(p, s), msg, payload);
        memcpy(myl_producer_slot(p, s), &want, sizeof want);
        myl_producer_publish(p, s, 1);
        spin_poll_one(c, &r);
        const void *in = myl_consumer_slot(c, r);
        if (reply) {
            memcpy(reply, in, payload);
            in = reply;
        }
        memcpy(&got, in, sizeof got);
        myl_consumer_release(c, 1);
        uint64_t dt = now_ns() - t0;
        bad += got != want;
        if (lat)
            lat[i] = dt;
    }
    return bad;
}

#endif
