/* Helpers shared by the benchmark programs: clock, CPU pinning, error
 * exit, sorting, and spin-wait rings created for a benchmark. */
#ifndef MYELON_BENCH_UTIL_H
#define MYELON_BENCH_UTIL_H

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static inline void check(int rc, const char *what)
{
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", what, myl_strerror(rc));
        exit(1);
    }
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

#endif
