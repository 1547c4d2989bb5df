/* The scheduler side of the topology tests: owns an instance of the test
 * topology (topo_common.h), fork/execs topo_worker processes, sends
 * requests by myl_topo_pick with tracking on, checks every answer, and
 * re-dispatches a dead worker's unanswered requests. Used by test_topo_mp
 * (tests/mp) and topo_stress (tests/fault).
 *
 * Nothing here decides on time: every wait has a deadline (td_cfg
 * .deadline_s) that only turns a hang into a failure.
 */
#ifndef MYELON_TESTS_TOPO_DRIVER_H
#define MYELON_TESTS_TOPO_DRIVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "topo_common.h"

typedef struct td {
    myl_topo *t;
    uint32_t n;
    char instance[64];
    myl_producer *req[TOPO_MAX_WORKERS];
    myl_producer *ctl;
    myl_consumer *resp[TOPO_MAX_WORKERS];
    myl_consumer *hello;
    pid_t pid[TOPO_MAX_WORKERS];
    bool reaped[TOPO_MAX_WORKERS];
    int exit_status[TOPO_MAX_WORKERS];
    /* answers, by request id (1..nreq) */
    uint64_t nreq;
    uint8_t *accepted; /* times myl_topo_answered() said 1 */
    uint64_t answers, dups, bad;
    uint64_t by_worker[TOPO_MAX_WORKERS]; /* answers from each worker's ring */
    pid_t watch_pid;                      /* answers from this process: */
    uint64_t watch_answers;
    uint64_t hellos[TOPO_MAX_WORKERS];
    /* events seen, by kind and worker index */
    uint32_t events[6][TOPO_MAX_WORKERS];
    uint64_t event_ns[6][TOPO_MAX_WORKERS]; /* when the last one came */
    uint32_t sched_events;                  /* events about the scheduler itself */
    bool pending_redispatch[TOPO_MAX_WORKERS];
    uint64_t redispatched;
    uint32_t deadline_s;
    char err[512];
} td;

typedef struct td_cfg {
    uint32_t workers;
    uint64_t requests; /* ids 1..requests */
    int64_t progress_timeout_ns;
    uint32_t on_stall;
    uint32_t deadline_s; /* hang guard of every wait; 0 = 60 */
} td_cfg;

/* Open the instance, spawn the workers, wait until all are up and said
 * hello. 0 or -1 (reason in d->err). */
int td_open(td *d, const td_cfg *cfg, const char *tag);
/* Spawn worker i (again); extra: NULL-terminated extra arguments. */
pid_t td_spawn(td *d, uint32_t i, const char *const *extra);
/* Send request id (1..nreq), to the worker myl_topo_pick chooses,
 * tracked; pumps meanwhile. 0 or -1. */
int td_send(td *d, uint64_t id);
/* One round: drain every response ring, take events (re-dispatching for
 * DEAD), retry pending re-dispatches. Returns how many things happened. */
int td_pump(td *d);
/* Pump until cond(d, arg) or the deadline; 0 or -1. */
int td_until(td *d, bool (*cond)(td *, void *), void *arg, const char *what);
/* Pump until every request 1..nreq is answered; 0 or -1. */
int td_until_answered(td *d);
/* Check: every id answered exactly once, every answer right. 0 or -1. */
int td_check_exactly_once(td *d);
/* A control message to one worker or TOPO_ALL. */
int td_control(td *d, uint32_t cmd, uint32_t target);
/* Wait for worker i's process to end (reaps it); its exit status or -1. */
int td_reap(td *d, uint32_t i);
/* Tell every worker to leave, reap them, close. 0 or -1. */
int td_close(td *d, bool check_left);
/* Kill whatever is left and close (after a failure). */
void td_abort(td *d);

#endif
