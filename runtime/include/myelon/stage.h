/* Pipeline stages: consumers that gate on other consumers (the
 * Disruptor's dependency barrier).
 *
 * A stage is a consumer of a ring (registered by id like any other) that
 * also names the stages it runs *after*: it sees an event only once every
 * one of them has released it. `matching after journal` reads a record
 * only after the journal stage released it, which the journal does once the
 * record is durable; `response after matching` only after matching. The
 * producer is gated by the slowest stage, as by any consumer.
 *
 * Stages may be threads of one process or separate processes on the same
 * segment: dependencies are found by id in the ring's consumer table.
 * A dependency that is not registered (yet, or any more: it died and was
 * evicted, or closed) holds its dependents at the last position it was
 * seen releasing, never beyond: a stage never sees an event its
 * dependencies have not released. A dependency that re-registers under its
 * id (a restart, resuming its position) is found again.
 *
 * Polling and releasing go through myl_stage_*, not myl_consumer_*:
 * myl_stage_release wakes dependents that sleep (one fence and one load
 * per release when nobody sleeps).
 */
#ifndef MYELON_STAGE_H
#define MYELON_STAGE_H

#include <stdint.h>

#include "myelon/export.h"
#include "myelon/ring.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MYL_STAGE_MAX_DEPS 8u

typedef struct myl_stage myl_stage; /* opaque */

/* Register consumer id on ring, after the stages named in after[0..n_after)
 * (ids of consumers of the same ring). Waits up to timeout_ns for the
 * dependencies to register (MYL_ETIMEDOUT). The stage starts where
 * opts->start says, like any consumer (a stage that re-registers after its
 * process died resumes where it stopped): open every stage before the
 * producer publishes if all must see everything. MYL_EINVAL for more than
 * MYL_STAGE_MAX_DEPS dependencies, an id after itself or a repeated one. */
MYL_API int myl_stage_open(myl_ring *ring, const char *id, const char *const *after,
                           uint32_t n_after, const myl_consumer_opts *opts, int64_t timeout_ns,
                           myl_stage **out);
MYL_API void myl_stage_close(myl_stage *s);

/* Like myl_consumer_poll, bounded by what every dependency released: up to
 * max events from *seq on, MYL_ETIMEDOUT, MYL_ECLOSED, or another error of
 * myl_consumer_poll. */
MYL_API int64_t myl_stage_poll(myl_stage *s, uint32_t max, uint64_t *seq, int64_t timeout_ns);
/* The event at seq (polled, not yet released). */
MYL_API const void *myl_stage_slot(const myl_stage *s, uint64_t seq);
/* Release the first n polled events; wakes sleeping dependents. */
MYL_API void myl_stage_release(myl_stage *s, uint32_t n);
/* The underlying consumer (stats, id, position). */
MYL_API myl_consumer *myl_stage_consumer(myl_stage *s);
/* The position every dependency has released up to (UINT64_MAX: none). */
MYL_API uint64_t myl_stage_barrier(myl_stage *s);

#ifdef __cplusplus
}
#endif

#endif
