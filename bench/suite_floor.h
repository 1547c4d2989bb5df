/* Baselines of the benchmark suite (bench/suite.c), in every wait mode:
 *
 * - the round-trip floor: `bytes` of payload and a 32-bit flag after them
 *   (so 0..56 B move one cache line each way, 64 B two) bounced between
 *   two processes; the side that waits spins, yields, sleeps on a futex or
 *   spins then sleeps (MYL_WAIT_SPIN, _YIELD, _BLOCK, _HYBRID);
 * - the cross-core copy pipeline: messages copied into 64 KiB chunks of a
 *   shared buffer and out again on the other core, one counter each way,
 *   no protocol at all (the layer-1 benchmark's baseline, with waits).
 *
 * Both live in one MAP_SHARED mapping made before fork(); the parent and
 * the child call their side. ring_bench uses the same floor (library
 * bench_floor), so every round-trip ratio in docs/PERFORMANCE.md is taken
 * against one probe. */
#ifndef MYELON_BENCH_SUITE_FLOOR_H
#define MYELON_BENCH_SUITE_FLOOR_H

#include <stddef.h>
#include <stdint.h>

typedef struct sf_floor sf_floor;

/* A floor for payloads of `bytes` (0 .. 4 MiB) in wait mode `wait`; NULL
 * on failure. Call before fork(). */
sf_floor *sf_floor_new(uint32_t bytes, uint32_t wait);
void sf_floor_free(sf_floor *f);
/* Cache lines one direction moves: payload and flag. */
uint32_t sf_floor_lines(uint32_t bytes);
/* Waits give up when the peer process has ended (bench_util.h,
 * bench_wait): the calls below then return -1. */

/* Child: answer iters requests, copying each payload into the reply. */
int sf_floor_echo(sf_floor *f, int iters);
/* Parent: iters round trips, ns[i] the i-th; the reply is copied out. */
int sf_floor_ping(sf_floor *f, int iters, uint64_t *ns);

typedef struct sf_pipe sf_pipe;

/* The copy pipeline for messages of `msg` bytes in wait mode `wait`. */
sf_pipe *sf_pipe_new(size_t msg, uint32_t wait);
void sf_pipe_free(sf_pipe *p);
/* Child: receive count messages (copied out). Returns 0, or -1 if a
 * message's bytes were not the sender's or the sender ended. */
int sf_pipe_recv(sf_pipe *p, uint64_t count);
/* Parent: send count messages (copied in): 0, or -1 if the receiver
 * ended. */
int sf_pipe_send(sf_pipe *p, uint64_t count);

#endif
