/* Command-line parsing shared by mp_producer and mp_consumer: every option
 * is "--key value". */
#ifndef MYELON_TESTS_MP_ARGS_H
#define MYELON_TESTS_MP_ARGS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "myelon/myelon.h"

static inline int mp_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

static inline int mp_parse_enum(const char *s, const char *const names[], const uint32_t values[],
                                size_t n, uint32_t *out)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = values[i];
            return 0;
        }
    return -1;
}

static inline int mp_parse_backing(const char *s, uint32_t *out)
{
    static const char *const n[] = {"shm", "file"};
    static const uint32_t v[] = {MYL_BACKING_SHM, MYL_BACKING_FILE};
    return mp_parse_enum(s, n, v, 2, out);
}

static inline int mp_parse_producers(const char *s, uint32_t *out)
{
    static const char *const n[] = {"single", "multi", "sp", "mp"};
    static const uint32_t v[] = {MYL_PRODUCERS_SINGLE, MYL_PRODUCERS_MULTI, MYL_PRODUCERS_SINGLE,
                                 MYL_PRODUCERS_MULTI};
    return mp_parse_enum(s, n, v, 4, out);
}

static inline int mp_parse_mode(const char *s, uint32_t *out)
{
    static const char *const n[] = {"gated", "lossy"};
    static const uint32_t v[] = {MYL_MODE_GATED, MYL_MODE_LOSSY};
    return mp_parse_enum(s, n, v, 2, out);
}

static inline int mp_parse_wait(const char *s, uint32_t *out)
{
    static const char *const n[] = {"spin", "yield", "block", "hybrid"};
    static const uint32_t v[] = {MYL_WAIT_SPIN, MYL_WAIT_YIELD, MYL_WAIT_BLOCK, MYL_WAIT_HYBRID};
    return mp_parse_enum(s, n, v, 4, out);
}

static inline const char *mp_wait_name(uint32_t w)
{
    switch (w) {
    case MYL_WAIT_SPIN:
        return "spin";
    case MYL_WAIT_YIELD:
        return "yield";
    case MYL_WAIT_BLOCK:
        return "block";
    default:
        return "hybrid";
    }
}

static inline int64_t mp_ms_to_ns(uint64_t ms)
{
    return ms == 0 ? MYL_FOREVER : (int64_t)ms * 1000000;
}

static inline uint64_t mp_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

static inline void mp_sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    nanosleep(&ts, NULL);
}

/* The exit code for a myelon error. */
static inline int mp_exit_code(int rc)
{
    switch (rc) {
    case MYL_EPEERDEAD:
        return 3;
    case MYL_ETIMEDOUT:
        return 4;
    case MYL_ECLOSED:
        return 5;
    case MYL_EEVICTED:
        return 6;
    default:
        return 1;
    }
}

#endif
