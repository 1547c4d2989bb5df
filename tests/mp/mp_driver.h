/* The driver side of the multi-process tests: create a ring, fork/exec
 * mp_producer and mp_consumer processes, wait for them under a watchdog,
 * read their reports and check them against the segment's counters.
 *
 * mp_run() is the one body every mode goes through (SP/MP, gated/lossy,
 * shm/file, 1..N consumers): the cmocka tests in test_mp.c and the stress
 * command mp_stress both call it. The fault tests (tests/fault) use the
 * lower-level helpers to kill processes in between.
 */
#ifndef MYELON_TESTS_MP_DRIVER_H
#define MYELON_TESTS_MP_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "myelon/myelon.h"

#define MP_MAX_PROCS 16

typedef struct mp_cfg {
    const char *label; /* unique per run: the shm label, or the file's base name */
    uint32_t backing;  /* MYL_BACKING_SHM or MYL_BACKING_FILE */
    uint32_t producers_mode;
    uint32_t mode; /* MYL_MODE_GATED or MYL_MODE_LOSSY */
    uint32_t wait; /* the ring's strategy (MYL_WAIT_*) */
    uint32_t nprod, ncons;
    uint32_t slot;   /* payload bytes, a multiple of 8 */
    uint32_t batch;  /* producer claim batch */
    uint32_t cbatch; /* consumer poll batch */
    uint64_t capacity;
    uint32_t max_producers; /* MP producer table size; 0 = 16 */
    uint64_t count;         /* events per producer */
    bool copy;              /* consumers use myl_consumer_read */
    uint64_t pause_at;      /* lossy: consumer 0 forces an overrun here; 0 = none */
    uint32_t timeout_ms;    /* the children's waits; 0 = 30 s */
    uint32_t watchdog_s;    /* the whole run; 0 = 90 s */
} mp_cfg;

typedef struct mp_creport {
    uint64_t delivered, lost, skipped, overruns, start, end, bad;
    char rc[40];
    uint64_t count[64], first[64], last[64];
} mp_creport;

typedef struct mp_result {
    double seconds;
    uint64_t published;
    mp_creport cons[MP_MAX_PROCS];
    char err[1024];
} mp_result;

/* Run one configuration to the end and check everything; 0, or -1 with
 * the reason in res->err. */
int mp_run(const mp_cfg *cfg, mp_result *res);
/* The same on a ring that exists (not removed afterwards). */
int mp_run_on(const mp_cfg *cfg, myl_ring *r, mp_result *res);

/* ---- helpers ---- */

/* The ring's name as the runtime takes it: the label (shm), or a path in
 * $TMPDIR (default /tmp) (file). */
const char *mp_ring_name(const mp_cfg *cfg, char *buf, size_t size);
/* A scratch file path for this run: "<tmp>/<label>.<suffix>". */
const char *mp_tmp_path(const mp_cfg *cfg, const char *suffix, char *buf, size_t size);
/* Create the ring (removing a stale one of the same name first). */
int mp_create(const mp_cfg *cfg, myl_ring **out);
/* Close the ring (if any) and unlink it; 0 or -errno of the unlink. */
int mp_destroy(const mp_cfg *cfg, myl_ring *r);
/* Start a producer / consumer; extra is a NULL-terminated list of further
 * "--key", "value" strings (or NULL). Returns the pid, or -1. */
pid_t mp_spawn_producer(const mp_cfg *cfg, uint32_t id, const char *report,
                        const char *const *extra);
pid_t mp_spawn_consumer(const mp_cfg *cfg, const char *id, const char *report,
                        const char *const *extra);
/* Wait for pids[0..n) until deadline (CLOCK_MONOTONIC ns); statuses in
 * status[] (-1 for one not reaped). Returns how many are still running;
 * with kill_late they are then killed (SIGKILL) and reaped. */
int mp_wait(const pid_t *pids, int *status, int n, uint64_t deadline, bool kill_late);
/* Describe a wait status ("exit 3", "signal 9"). */
const char *mp_status_str(int status, char *buf, size_t size);
/* Read a consumer's / producer's report. 0 or -1. */
int mp_read_creport(const char *path, mp_creport *out);
int mp_read_preport(const char *path, uint64_t *published, char *rc, size_t rc_size);
/* The consumer table entry registered under id, or -1. */
int mp_find_consumer(const myl_ring *r, const char *id, myl_consumer_stats *out);
/* Check a report of a consumer that read everything of an mp_run. */
int mp_check_creport(const mp_cfg *cfg, const mp_creport *c, const char *who, char *err,
                     size_t size);
/* Parse an unsigned environment variable, or def. */
uint64_t mp_env_u64(const char *name, uint64_t def);

#endif
