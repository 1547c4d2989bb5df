/* libmyelon internals shared by the runtime's .c files. */
#ifndef MYELON_INTERNAL_H
#define MYELON_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "myelon/ring.h"

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t myl__now_ns(void);
/* A process's start time (field 22 of /proc/<pid>/stat, clock ticks since
 * boot); 0 when it cannot be read. */
uint64_t myl__proc_start_time(pid_t pid);
/* Is the process that registered as (pid, start_time) still running? A
 * reused pid has a different start time. */
bool myl__peer_alive(int32_t pid, uint64_t start_time);
/* Is a process with this pid running (not dead, not a zombie)? For entries
 * whose start time may not be written yet. */
bool myl__pid_alive(int32_t pid);
/* A named kill point for fault tests: the process dies of SIGKILL here when
 * the environment variable MYL_TEST_KILL_AT equals name (see
 * docs/ARCHITECTURE.md, "Kill points"). Slow paths only. */
void myl__fault_point(const char *name);
/* Shared (cross-process) futex wait on a 32-bit word while it equals val, at
 * most timeout_ns (< 0: no limit). Returns 0, -ETIMEDOUT, -EAGAIN, -EINTR. */
int myl__futex_wait(MYL__ATOMIC(uint32_t) * word, uint32_t val, int64_t timeout_ns);
int myl__futex_wake(MYL__ATOMIC(uint32_t) * word, int count);
/* FNV-1a, 64-bit. */
uint64_t myl__fnv1a(const void *data, size_t len, uint64_t h);
#define MYL__FNV_OFFSET UINT64_C(0xcbf29ce484222325)
/* Checksum of the immutable part of a header. */
uint64_t myl__header_checksum(const myl__seg_header *h);
/* Validate a mapped segment of map_size bytes against expectations; fills
 * the ring handle's derived fields. */
int myl__seg_validate(myl_ring *r, const myl_ring_opts *expect);
/* Deadline helpers: a deadline of UINT64_MAX never expires. */
uint64_t myl__deadline(int64_t timeout_ns);
/* Time left until deadline for a call taking a timeout: -1 (none) for
 * UINT64_MAX, else >= 0 (0: try once, do not wait). */
int64_t myl__left(uint64_t deadline);
/* Remaining time, clamped to [0, slice]; returns false when expired. */
bool myl__remaining(uint64_t deadline, int64_t slice, int64_t *out);

#endif
