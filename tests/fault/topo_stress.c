/* topo_stress: random kill -9 trials on a running topology (the test
 * topology of tests/mp/topo_common.h, real topo_worker processes).
 *
 * Each trial opens an instance with W workers (1..4), sends R requests by
 * myl_topo_pick with tracking on, and at a random point (after a random
 * number of sends) kills a random worker with SIGKILL; in half the trials
 * it restarts that worker (same index) once DEAD is reported, else leaves
 * it dead (and in a quarter of those it is left unreaped, a zombie, until
 * after the event). A trial fails when the scheduler hangs (any wait past
 * its deadline), when DEAD is not reported, when a request is lost or
 * accepted twice, or when an answer is wrong. Detection latency (kill to
 * event) is measured and printed, never judged.
 *
 *   topo_stress [--trials N] [--seed S] [--requests R] [--verbose]
 *   scripts/topo-stress.sh              # 100 trials
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "topo_driver.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static bool dead_seen(td *d, void *arg)
{
    return d->events[MYL_TOPO_EV_DEAD][*(uint32_t *)arg] > 0;
}

static bool rejoined(td *d, void *arg)
{
    uint32_t v = *(uint32_t *)arg;
    return d->events[MYL_TOPO_EV_JOINED][v] >= 2 && d->hellos[v] >= 2;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* One trial; 0, or -1 with the reason in d->err. */
static int trial(uint64_t *seed, uint64_t requests, uint64_t *latency, bool verbose, int no)
{
    td d;
    uint32_t workers = 1 + (uint32_t)(rng(seed) % 4);
    td_cfg cfg = {.workers = workers, .requests = requests, .deadline_s = 60};
    char tag[16];
    snprintf(tag, sizeof tag, "s%d", no);
    if (td_open(&d, &cfg, tag) < 0) {
        fprintf(stderr, "trial %d: %s\n", no, d.err);
        td_abort(&d);
        return -1;
    }
    uint32_t victim = (uint32_t)(rng(seed) % workers);
    uint64_t kill_at = 1 + rng(seed) % requests;
    int mode = (int)(rng(seed) % 4); /* 0,1: restart; 2: stay dead; 3: zombie for a while */
    uint64_t killed = 0;
    int rc = 0;
    for (uint64_t id = 1; id <= requests && rc == 0; id++) {
        rc = td_send(&d, id);
        if (rc == 0 && id == kill_at) {
            kill(d.pid[victim], SIGKILL);
            killed = now_ns();
            if (mode != 3) {
                rc = td_until(&d, dead_seen, &victim, "DEAD event");
                if (rc == 0 && td_reap(&d, victim) != 128 + SIGKILL)
                    rc = -1;
            }
            if (rc == 0 && mode <= 1 && workers > 0) {
                if (td_spawn(&d, victim, NULL) < 0)
                    rc = -1;
                else
                    rc = td_until(&d, rejoined, &victim, "JOINED after restart");
            }
        }
        if (rc == 0 && workers == 1 && killed && mode > 1)
            break; /* nobody left to answer: the rest cannot be sent */
    }
    if (rc == 0 && mode == 3) {
        rc = td_until(&d, dead_seen, &victim, "DEAD event (zombie)");
        if (rc == 0 && td_reap(&d, victim) != 128 + SIGKILL)
            rc = -1;
    }
    if (rc == 0 && !(workers == 1 && mode > 1)) {
        rc = td_until_answered(&d);
        if (rc == 0)
            rc = td_check_exactly_once(&d);
    } else if (rc == 0) {
        /* The only worker is gone for good: everything it answered was
         * accepted once, the rest is still tracked (none lost silently). */
        uint64_t open = myl_topo_outstanding(d.t, TOPO_ROLE_WORKERS, 0);
        uint64_t acc = 0;
        for (uint64_t id = 1; id <= d.nreq; id++) {
            if (d.accepted[id] > 1)
                rc = -1;
            acc += d.accepted[id];
        }
        uint64_t sent = kill_at;
        if (rc == 0 && acc + open != sent) {
            snprintf(d.err, sizeof d.err, "%llu accepted + %llu tracked != %llu sent",
                     (unsigned long long)acc, (unsigned long long)open, (unsigned long long)sent);
            rc = -1;
        }
    }
    if (rc == 0 && d.events[MYL_TOPO_EV_DEAD][victim] == 0) {
        snprintf(d.err, sizeof d.err, "no DEAD event");
        rc = -1;
    }
    if (rc == 0)
        *latency = d.event_ns[MYL_TOPO_EV_DEAD][victim] - killed;
    if (verbose || rc < 0)
        fprintf(rc < 0 ? stderr : stdout,
                "trial %d: %u workers, kill worker %u at request %llu, %s: %s%s (re-dispatched "
                "%llu, duplicates %llu)\n",
                no, workers, victim, (unsigned long long)kill_at,
                mode <= 1   ? "restart"
                : mode == 2 ? "stays dead"
                            : "zombie",
                rc < 0 ? "FAILED " : "ok", rc < 0 ? d.err : "", (unsigned long long)d.redispatched,
                (unsigned long long)d.dups);
    if (rc == 0)
        rc = td_close(&d, false);
    else
        td_abort(&d);
    return rc;
}

int main(int argc, char **argv)
{
    int trials = 100;
    uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20), requests = 600;
    bool verbose = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--trials") && i + 1 < argc)
            trials = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--requests") && i + 1 < argc)
            requests = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--verbose"))
            verbose = true;
        else {
            fprintf(stderr, "usage: %s [--trials N] [--seed S] [--requests R] [--verbose]\n",
                    argv[0]);
            return 2;
        }
    }
    if (trials <= 0 || requests == 0)
        return 2;
    printf("topo_stress: %d trials, %llu requests each, seed %llu\n", trials,
           (unsigned long long)requests, (unsigned long long)seed);
    if (seed == 0)
        seed = 1;
    uint64_t *lat = calloc((size_t)trials, sizeof *lat);
    int failed = 0, ok = 0;
    for (int i = 0; i < trials; i++) {
        uint64_t l = 0;
        if (trial(&seed, requests, &l, verbose, i) < 0)
            failed++;
        else
            lat[ok++] = l;
    }
    if (ok) {
        qsort(lat, (size_t)ok, sizeof *lat, cmp_u64);
        printf("DEAD detection after kill -9 (check interval 5 ms): median %.2f ms, max %.2f ms "
               "(measured, not judged)\n",
               (double)lat[ok / 2] / 1e6, (double)lat[ok - 1] / 1e6);
    }
    printf("topo_stress: %d passed, %d failed\n", ok, failed);
    free(lat);
    return failed ? 1 : 0;
}
