/* Layer 0: the raw ring of fixed-size events in shared memory.
 *
 * One process creates a segment (myl_ring_create), others attach to it
 * (myl_ring_attach) with the same expectations. On a ring handle a process
 * opens a producer (myl_producer_open) or registers a consumer by id
 * (myl_consumer_open). The hot path (claim, slot, publish, poll, release) is
 * inline and makes no system call and no allocation; everything that waits
 * or touches the OS is in ring.c.
 *
 * Producer:                               Consumer:
 *   uint64_t s;                             uint64_t s;
 *   myl_producer_claim(p, 1, &s, t);        int64_t n = myl_consumer_poll(c, 64, &s, t);
 *   memcpy(myl_producer_slot(p, s), ..);    for (i = 0; i < n; i++) use(myl_consumer_slot(c, s +
 * i)); myl_producer_publish(p, s, 1);          myl_consumer_release(c, n);
 */
#ifndef MYELON_RING_H
#define MYELON_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "myelon/atomics.h"
#include "myelon/error.h"
#include "myelon/export.h"
#include "myelon/layout.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Backing. */
#define MYL_BACKING_SHM 0u  /* POSIX shared memory, shm_open(3) */
#define MYL_BACKING_FILE 1u /* a regular file, mmap'ed */
/* Producer modes. */
#define MYL_PRODUCERS_SINGLE 1u
#define MYL_PRODUCERS_MULTI 2u
/* Ring modes. */
#define MYL_MODE_GATED 1u /* strict broadcast: producer waits for the slowest consumer */
#define MYL_MODE_LOSSY 2u /* producer never waits; consumers detect overrun; single producer */
/* Wait strategies. */
#define MYL_WAIT_SPIN 1u
#define MYL_WAIT_YIELD 2u
#define MYL_WAIT_BLOCK 3u  /* futex */
#define MYL_WAIT_HYBRID 4u /* spin a while, then futex */
/* Segment flags. */
#define MYL_SEG_PREFAULT 0x1u  /* MAP_POPULATE */
#define MYL_SEG_MLOCK 0x2u     /* mlock(2) the mapping; failure is an error */
#define MYL_SEG_HUGEPAGES 0x4u /* madvise(MADV_HUGEPAGE) where available */
/* Attach: a read-only handle for observers (opened O_RDONLY, mapped
 * PROT_READ): statistics work, every call that writes fails with
 * MYL_EREADONLY. Not for create. */
#define MYL_SEG_READONLY 0x8u
/* Create: if the name is taken by a stale segment (one of ours whose
 * creator, producers and consumers are all dead), replace it atomically
 * with the new one. A live or foreign segment still gives -EEXIST. Ignored
 * by attach, so that one set of options serves both. */
#define MYL_SEG_REPLACE_STALE 0x10u
/* Attach: accept a segment owned by trusted_uid as well as one owned by
 * the caller's effective uid. */
#define MYL_SEG_TRUST_UID 0x20u
/* Attach with MYL_SEG_READONLY only: skip the owner and mode checks (an
 * observer such as myelon-stat, which only reads and validates). */
#define MYL_SEG_ANY_OWNER 0x40u
/* Create: how wakers and sleepers of a block or hybrid ring order their
 * wake-up check (docs/ARCHITECTURE.md, "Wake-ups"). By default a hybrid
 * ring uses asymmetric fences where membarrier(2) allows (publish and
 * release need no fence; a sleeper pays an IPI to every CPU running a
 * registered thread) and a block ring, whose every wait sleeps, fences on
 * both sides. MYL_SEG_FENCE_ASYMMETRIC asks for asymmetric fences on a
 * block ring too, MYL_SEG_FENCE_SYMMETRIC for fences on a hybrid ring;
 * both at once is MYL_EINVAL. Ignored by attach: the ring's choice is in
 * its header. */
#define MYL_SEG_FENCE_ASYMMETRIC 0x80u
#define MYL_SEG_FENCE_SYMMETRIC 0x100u
/* Consumer start positions. */
#define MYL_START_LIVE 0u   /* the next event published after registration */
#define MYL_START_OLDEST 1u /* the oldest event still in the ring */
/* Producer coordination modes. */
#define MYL_COORD_IMMEDIATE 0u
#define MYL_COORD_WAIT 1u
/* What a waiting producer does about a dead consumer. */
#define MYL_DEAD_ERROR 0u /* return MYL_EPEERDEAD */
#define MYL_DEAD_EVICT 1u /* evict it (counted) and go on */

/* How a waiter that may sleep on a futex orders its announcement against
 * the peer's store (docs/ARCHITECTURE.md, "Wake-ups"; internal). */
#define MYL__SLEEP_FENCE 0u      /* a seq_cst fence; peers fence too */
#define MYL__SLEEP_MEMBARRIER 1u /* membarrier(GLOBAL_EXPEDITED); peers may not fence */
#define MYL__SLEEP_POLL 2u       /* cannot order: never sleeps on the futex, polls */

/* Timeouts are in nanoseconds; this one means "no deadline" (a call still
 * returns when a peer it depends on died or the ring was shut down). */
#define MYL_FOREVER INT64_C(-1)

/* Options for creating and attaching. Zero means "default" in every field.
 * On attach, a zero expectation (fingerprint, slot_size, capacity, modes)
 * accepts whatever the segment holds; a non-zero one must match.
 * Attach also checks who owns the segment: its owner must be the caller's
 * effective uid (or trusted_uid with MYL_SEG_TRUST_UID), else MYL_EOWNER,
 * and its mode bits no wider than perm (default 0600), else MYL_EMODE: a
 * name squatted by another user is refused, never read or written. */
typedef struct myl_ring_opts {
    uint32_t size;          /* sizeof(myl_ring_opts), or 0 */
    uint32_t backing;       /* MYL_BACKING_SHM (default) or MYL_BACKING_FILE */
    const char *name;       /* shm label (any text) or file path */
    uint64_t fingerprint;   /* schema fingerprint; 0 = none */
    uint32_t slot_size;     /* payload bytes per event; required to create */
    uint32_t producers;     /* MYL_PRODUCERS_SINGLE (default) or _MULTI */
    uint64_t capacity;      /* events, power of two; default 4096 */
    uint32_t mode;          /* MYL_MODE_GATED (default) or _LOSSY */
    uint32_t wait;          /* MYL_WAIT_*; default MYL_WAIT_HYBRID */
    uint32_t max_consumers; /* default 16 */
    uint32_t max_producers; /* default 1 (single) or 16 (multi) */
    uint32_t perm;          /* creation mode bits; on attach the widest accepted; default 0600 */
    uint32_t flags;         /* MYL_SEG_* */
    uint32_t trusted_uid;   /* attach with MYL_SEG_TRUST_UID: another owner accepted */
    uint32_t reserved;      /* 0 */
    /* The schema description of what the ring carries (myelon/compat.h;
     * generated per channel): create stores it in the segment; attach
     * compares it with the segment's when the fingerprints differ, and
     * attaches a compatible evolution of a 'compat evolve' channel
     * (docs/myl.md §8.3). NULL: fingerprints decide. */
    const void *schema;
    uint32_t schema_len;
} myl_ring_opts;

typedef struct myl_ring {
    uint8_t *base;
    size_t map_size;
    myl__seg_header *hdr;
    myl__producer_entry *producers;
    myl__consumer_entry *consumers;
    uint8_t *slots;
    uint64_t capacity;
    uint64_t mask;
    uint32_t stride;
    uint32_t slot_size;
    uint64_t fingerprint; /* validated at attach; the shared header's may change */
    uint32_t max_consumers;
    uint32_t max_producers;
    uint32_t producer_mode;
    uint32_t ring_mode;
    uint32_t wait;
    uint32_t backing;
    int fd;
    bool created;
    bool read_only; /* attached with MYL_SEG_READONLY: mapped PROT_READ */
    bool asym;      /* the header's MYL_HDR_ASYM_FENCE: sleepers issue membarrier */
    char name[256]; /* the shm object name or file path */
    /* The attacher's own fingerprint when attach accepted it as a
     * compatible evolution of the segment's (0 otherwise). */
    uint64_t evolved_fingerprint;
} myl_ring;

typedef struct myl_producer_opts {
    uint32_t size;
    uint32_t on_dead_consumer; /* MYL_DEAD_ERROR (default) or MYL_DEAD_EVICT */
    uint32_t wait;             /* 0 = the ring's strategy */
    uint32_t spin;             /* hybrid: spins before blocking; 0 = default */
    /* Coordination: MYL_COORD_IMMEDIATE (default) returns at once;
     * MYL_COORD_WAIT makes open wait until coord_count live consumers whose
     * ids start with coord_prefix (NULL = any) are registered, at most
     * coord_timeout_ns (0 = no deadline), else it fails with that error. */
    uint32_t coordination;
    uint32_t coord_count;
    const char *coord_prefix;
    int64_t coord_timeout_ns;
} myl_producer_opts;

typedef struct myl_producer {
    myl_ring *ring;
    myl__producer_entry *ent;
    uint32_t idx;
    bool multi;
    bool lossy;
    bool marks;         /* write CLAIM stamps before the payload */
    bool wake_check;    /* consumers may sleep on a futex */
    bool wake_fence;    /* F1: a full fence before the waiter check (else a compiler barrier) */
    uint8_t sleep_mode; /* MYL__SLEEP_*: how a claim that sleeps orders itself (F2) */
    uint32_t gen;       /* consumer generation the gate was computed under */
    uint64_t next;      /* SP: next sequence to claim */
    uint64_t limit;     /* claims may end at or below this without a rescan */
    uint64_t published;
    uint32_t on_dead_consumer;
    uint32_t wait;
    uint32_t spin;
    uint64_t reclaim_at; /* next look for dead registrants (CLOCK_MONOTONIC ns) */
} myl_producer;

typedef struct myl_consumer_opts {
    uint32_t size;
    uint32_t start; /* MYL_START_LIVE (default) or MYL_START_OLDEST */
    uint32_t wait;  /* 0 = the ring's strategy */
    uint32_t spin;  /* hybrid: most spins before blocking (adapted); 0 = default */
    /* How long an unpublished slot may stay claimed by a dead producer
     * before it is marked skipped. 0 = default (100 ms). */
    int64_t stall_ns;
    uint32_t flags; /* MYL_CONSUMER_* */
    uint32_t reserved;
} myl_consumer_opts;

/* Framed receivers (myl_defrag, groups, generated channels) copy every
 * message out of the ring before delivering it, single-frame ones too:
 * what a receiver verifies or decodes cannot change under it, whatever a
 * broken or hostile writer does to the ring afterwards. Costs one copy. */
#define MYL_CONSUMER_COPY 0x1u
/* Its waits do not store its entry's heartbeat (stored at registration
 * only): for a consumer whose liveness is another's, as a bridge exporter
 * that stands in for a remote topology member, whose owner must see the
 * member stall, not the exporter wait (docs/BRIDGE.md). */
#define MYL_CONSUMER_NO_BEAT 0x2u
/* Its hybrid waits always spin their whole `spin` before sleeping: the
 * budget is not adapted to how soon waits were answered (docs/
 * ARCHITECTURE.md, "Waiting, timeouts and liveness"). For a consumer on a
 * core of its own, whose spin costs no other thread anything and whose
 * first event after a quiet spell should still be caught spinning. */
#define MYL_CONSUMER_FIXED_SPIN 0x4u

typedef struct myl_consumer {
    myl_ring *ring;
    myl__consumer_entry *ent;
    uint32_t idx;
    bool lossy;
    bool wake_check;    /* producers may sleep on a futex */
    bool wake_fence;    /* F2: a full fence before the waiter check (else a compiler barrier) */
    uint8_t sleep_mode; /* MYL__SLEEP_*: how a poll that sleeps orders itself (F1) */
    uint64_t next;      /* next sequence to read; published to ent->seq on release */
    uint64_t avail_end; /* [next, avail_end) known published */
    uint64_t consumed;
    uint64_t lost; /* lost events not yet reported by myl_consumer_take_lost */
    uint64_t overruns;
    uint64_t skipped;
    uint32_t wait;
    uint32_t spin;
    int64_t stall_ns;
    uint32_t epoch; /* the entry's registration epoch when we took it */
    /* MP rings: recovery of slots claimed by producers that died. The
     * stall clock lives here, not in one poll call, so that it runs across
     * try_poll loops and short timeouts alike. */
    bool multi;
    uint32_t idle;        /* empty polls since the last recovery check */
    uint64_t check_at;    /* next recovery check (CLOCK_MONOTONIC ns) */
    uint64_t stall_seq;   /* the unmarked slot the stall clock runs for */
    uint64_t stall_since; /* 0: the clock is not running */
    uint64_t stall_claim; /* the claim cursor when the clock started */
    bool no_beat;         /* MYL_CONSUMER_NO_BEAT */
    uint32_t spin_now;    /* hybrid: the next wait's spin budget, adapted (ring.c) */
    uint64_t spin_ns64;   /* hybrid: least time seen for 64 spin steps; 0 = not yet */
    bool fixed_spin;      /* MYL_CONSUMER_FIXED_SPIN: spin_now stays spin */
} myl_consumer;

/* ---- segments and rings (ring.c, segment.c) ---- */

/* Create a new segment; fails with -EEXIST if the name is taken (unless
 * MYL_SEG_REPLACE_STALE and the segment there is stale), MYL_ENOSPC if its
 * memory cannot be reserved. The segment is built under a temporary name
 * and appears under its own only once complete (docs/ARCHITECTURE.md,
 * "Segment lifecycle"): a creator killed half-way leaves no segment. */
MYL_API int myl_ring_create(const myl_ring_opts *opts, myl_ring **out);
/* Attach to an existing, ready segment, validating it against opts. A
 * file that another process truncates between attach's size check and its
 * read of the header faults it (SIGBUS), as any truncated mapping does
 * (myl_ring_check; myl__ring_map, below, for a reader that catches it). */
MYL_API int myl_ring_attach(const myl_ring_opts *opts, myl_ring **out);
/* Attach, retrying while the segment does not exist yet or is still being
 * initialised, until timeout_ns. */
MYL_API int myl_ring_attach_wait(const myl_ring_opts *opts, int64_t timeout_ns, myl_ring **out);
/* Unmap and free the handle (does not unlink; does not shut down). */
MYL_API void myl_ring_close(myl_ring *ring);
/* Remove the segment's name (shm_unlink or unlink). */
MYL_API int myl_ring_unlink(uint32_t backing, const char *name);
/* Remove orphaned segments: those owned by the caller whose creator,
 * producers and consumers are all dead, among the shm objects whose names
 * start with prefix (a label prefix; MYL_BACKING_SHM) or the files whose
 * paths start with prefix (MYL_BACKING_FILE: "dir/name-prefix"), and the
 * temporary objects of creators that died half-way. A segment that is not
 * recognisably a myelon segment is never removed. Returns how many names
 * were removed, or an error. */
MYL_API int myl_sweep(uint32_t backing, const char *prefix);
/* Slow-path health check of a handle: MYL_ETRUNCATED if the segment was
 * truncated below its mapping (touching the lost part would raise
 * SIGBUS), else 0. One fstat; the hot path never checks. */
MYL_API int myl_ring_check(const myl_ring *ring);
/* The segment's instance: a hash of its creator (pid and start time) and
 * creation time, the same in every process that attaches it and another
 * once the ring is created again under its name (whose positions start
 * again at 0). Never 0; 0 for NULL. */
MYL_API uint64_t myl_ring_instance(const myl_ring *ring);
/* Mark the ring shut down: every waiting call returns MYL_ECLOSED. */
MYL_API int myl_ring_shutdown(myl_ring *ring);
/* The portable shm object name for a label: a leading '/', then the label
 * if it is short and made of [A-Za-z0-9._-], else a safe prefix of it and a
 * 16-digit hash. Returns the name's length or MYL_ENAME/MYL_EINVAL. */
MYL_API int myl_shm_name(const char *label, char *out, size_t out_size);
/* Bytes a segment with these options occupies. */
MYL_API int myl_ring_segment_size(const myl_ring_opts *opts, uint64_t *out);
/* Slot stride (stamp + payload, rounded) for a payload size. */
MYL_API uint32_t myl_ring_stride(uint32_t slot_size);

/* ---- producers ---- */

MYL_API int myl_producer_open(myl_ring *ring, const myl_producer_opts *opts, myl_producer **out);
MYL_API void myl_producer_close(myl_producer *p);
/* Claim n consecutive slots, waiting with the producer's strategy. */
MYL_API int myl_producer_claim(myl_producer *p, uint32_t n, uint64_t *seq, int64_t timeout_ns);
/* Copy one event in and publish it, waiting as claim does. */
MYL_API int myl_producer_send(myl_producer *p, const void *event, int64_t timeout_ns);
/* Wait until n live consumers whose ids start with prefix are registered. */
MYL_API int myl_producer_wait_consumers(myl_producer *p, const char *prefix, uint32_t n,
                                        int64_t timeout_ns);
/* Out-of-line slow paths of the inline calls. */
MYL_API int myl__producer_try_claim(myl_producer *p, uint32_t n, uint64_t *seq);
MYL_API void myl__wake_consumers(myl_ring *ring, myl_producer *p);

/* ---- consumers ---- */

/* Register a consumer by id (1..31 bytes). A live consumer with the same id
 * is MYL_EEXIST; a dead one's entry is taken over. */
MYL_API int myl_consumer_open(myl_ring *ring, const char *id, const myl_consumer_opts *opts,
                              myl_consumer **out);
/* Unregister (the producer stops gating on it) and free the handle. */
MYL_API void myl_consumer_close(myl_consumer *c);
/* Free the handle but keep the registration, owned by no process: the
 * position keeps gating the ring (nothing is lost while no one reads),
 * and the next open of the id, in any process, resumes there. For a
 * durable reader (a pipeline's input) that stops and comes back; to
 * unregister for good, open the id and close it. */
MYL_API void myl_consumer_detach(myl_consumer *c);
/* MYL_EEVICTED once the consumer's entry was evicted (a producer's or a
 * topology owner's policy found it dead or stalled), or taken by another
 * registration since; else 0 (MYL_EINVAL for NULL). Polls on a gated ring
 * report an eviction only when the producer laps the consumer, which it
 * may never do once it stops sending there (a topology owner takes an
 * evicted member out of rotation): a consumer that may be stopped for long
 * looks now and then, and opens again under its id to rejoin (the new
 * registration starts at the live end). Two loads of shared memory, no
 * system call; in the process that opened the consumer. */
MYL_API int myl_consumer_check(const myl_consumer *c);
/* Wait until at least one event is available; return how many (<= max),
 * the first in *seq. Lossy rings: MYL_EOVERRUN when overrun (the consumer
 * has then moved on; myl_consumer_take_lost() tells how many were lost).
 * timeout_ns 0 does not wait: with nothing there it answers at once
 * (MYL_ETIMEDOUT, or MYL_ECLOSED after a shutdown) and is not counted as
 * a wait; < 0 waits without a limit. */
MYL_API int64_t myl_consumer_poll(myl_consumer *c, uint32_t max, uint64_t *seq, int64_t timeout_ns);
/* Copy up to max events into dst (max * slot_size bytes); waits as poll
 * does. On lossy rings each copy is validated after it is taken, so torn
 * events are never returned; *lost (if not NULL) receives events lost. */
MYL_API int64_t myl_consumer_read(myl_consumer *c, void *dst, uint32_t max, uint64_t *lost,
                                  int64_t timeout_ns);
MYL_API int64_t myl__consumer_scan(myl_consumer *c, uint32_t max);
/* MP rings: look for slots whose producer died before publishing them
 * (rate-limited; out of line). */
MYL_API void myl__consumer_recover(myl_consumer *c);
MYL_API void myl__wake_producers(myl_ring *ring, myl_consumer *c);

/* Internal, exported for libmyelon_bridge only (not API; may change):
 * myl__consumer_hold reads n more events but reports only the sequences
 * below released as released (the producer's gate and a restarted
 * consumer go by it): layer 1 holds the frames of a message it copies
 * until the message is released, a bridge exporter holds what its peer
 * has not acknowledged. myl__consumer_rewind moves the read position back
 * to the released one, so that the held events are polled again (a bridge
 * replays them after a reconnect); gated rings only.
 * myl__consumer_detach frees the handle
 * but leaves its entry registered, owned by no process (pid 0), as if its
 * process had died: its position keeps gating the ring, and the next open
 * of its id, in any process (this one included), resumes there. */
MYL_API void myl__consumer_hold(myl_consumer *c, uint32_t n, uint64_t released); /* bridge */
MYL_API void myl__consumer_rewind(myl_consumer *c);                              /* bridge */
MYL_API void myl__consumer_detach(myl_consumer *c);                              /* bridge */

/* Internal, exported for myelon-stat and libmyelon_health only (not API;
 * may change): myl_ring_attach in its two steps, for a reader that
 * catches a segment truncated under it (tools/stat.c). myl__ring_map
 * opens, checks (owner, size) and maps the segment as attach does, and
 * reads nothing through the mapping; myl__ring_validate then reads and
 * validates the header as attach does. A file truncated after the size
 * check faults (SIGBUS) the second step only, whose caller can catch it
 * with its own handler and still close the ring (myl_ring_close), as it
 * does after an error from it. */
MYL_API int myl__ring_map(const myl_ring_opts *opts, myl_ring **out);      /* stat */
MYL_API int myl__ring_validate(myl_ring *ring, const myl_ring_opts *opts); /* stat */

/* ---- counters and introspection (work from any process) ---- */

typedef struct myl_ring_stats {
    uint64_t capacity;
    uint32_t slot_size;
    uint32_t slot_stride;
    uint32_t producer_mode;
    uint32_t ring_mode;
    uint32_t state;
    uint32_t consumers; /* active entries */
    uint32_t producers; /* active entries */
    int32_t creator_pid;
    uint64_t fingerprint;
    uint64_t claim;     /* next sequence to claim */
    uint64_t published; /* sum over producer entries */
    uint64_t producer_waits;
    uint64_t futex_wakes;
    uint64_t segment_size;
    uint32_t schema_len;  /* bytes of the stored schema description (0: none) */
    uint64_t schema_hash; /* myl_schema_hash() of it: a name for its version */
} myl_ring_stats;

typedef struct myl_consumer_stats {
    char id[MYL_ID_MAX];
    uint32_t state; /* MYL_ENTRY_* */
    int32_t pid;
    bool alive;
    uint64_t seq;
    uint64_t consumed;
    uint64_t waits;
    uint64_t overruns;
    uint64_t lost;
    uint64_t skipped;
    uint64_t dropped;    /* framed rings: partial messages dropped */
    uint64_t bad_frames; /* framed rings: frames rejected */
    uint64_t schema_fp;  /* fingerprint of the schema it was built from (0: unknown) */
} myl_consumer_stats;

/* One producer table entry. Its counters survive the producer's exit (an
 * entry freed by close keeps them until the next producer takes it). */
typedef struct myl_producer_stats {
    uint32_t state; /* MYL_ENTRY_* */
    int32_t pid;
    bool alive; /* state is ACTIVE and the process (pid, start time) lives */
    uint64_t published;
    uint64_t waits;        /* times it waited for free slots */
    uint64_t wakes;        /* futex wake calls it made */
    uint64_t heartbeat_ns; /* CLOCK_MONOTONIC ns at open, then while it waits
                              (at most every 10 ms); 0: never */
} myl_producer_stats;

MYL_API int myl_ring_stats_get(const myl_ring *ring, myl_ring_stats *out);
/* Stats of consumer table entry idx (0 .. max_consumers-1). */
MYL_API int myl_ring_consumer_stats(const myl_ring *ring, uint32_t idx, myl_consumer_stats *out);
/* Stats of producer table entry idx (0 .. max_producers-1). Works on a ring
 * attached read-only (MYL_SEG_READONLY) too, as do the two above; a state
 * word that is no MYL_ENTRY_* value (a foreign writer) is passed on as is. */
MYL_API int myl_ring_producer_stats(const myl_ring *ring, uint32_t idx, myl_producer_stats *out);
/* Whether process pid is alive, as the runtime judges its peers: a pid
 * that does not exist, or whose /proc state is zombie or dead, is dead;
 * with start_time not 0, a pid whose /proc start time (clock ticks since
 * boot, field 22 of /proc/PID/stat) differs is a reused pid, so dead too.
 * Where /proc cannot be read (another pid namespace, hidepid) an existing
 * pid counts as alive. For tools that read pids out of segments and state
 * files (myelon-stat). */
MYL_API bool myl_peer_alive(int32_t pid, uint64_t start_time);
/* Evict consumer table entry idx (the producer stops gating on it). */
MYL_API int myl_ring_evict(myl_ring *ring, uint32_t idx);
/* Evict every registered consumer whose process is dead; returns how many. */
MYL_API int myl_ring_reap(myl_ring *ring);

/* Whether a peer built with fingerprint fp may use the ring: the ring's
 * own fingerprint, or the one its attach accepted as a compatible
 * evolution (generated endpoints check this). */
static inline bool myl_ring_accepts(const myl_ring *ring, uint64_t fp)
{
    return ring->fingerprint == fp || (fp != 0 && ring->evolved_fingerprint == fp);
}

/* The schema fingerprint the ring was created with (as validated). */
static inline uint64_t myl_ring_fingerprint(const myl_ring *ring)
{
    return ring->fingerprint;
}

/* ---- the hot path ---- */

/* Test builds only (MYL_TEST_HOOKS; tests/unit/test_wakeup.c): a hook at
 * every step of the sleep and wake paths, so that a test can pause either
 * side there (and at a step of the topology owner's checks,
 * test_topo_race.c). Compiled out of everything users build. */
#define MYL__TP_SLEEP_BEGIN 1     /* a waiter is about to read the wake word */
#define MYL__TP_SLEEP_WORD 2      /* ... read it, is about to announce itself */
#define MYL__TP_SLEEP_ANNOUNCED 3 /* ... counted in the waiters, before its barrier */
#define MYL__TP_SLEEP_ORDERED 4   /* ... after its barrier, before the re-check */
#define MYL__TP_SLEEP_CHECKED 5   /* ... re-checked (not ready), before the futex wait */
#define MYL__TP_WAKE_STORED 6     /* publish/release: stored, before the barrier */
#define MYL__TP_WAKE_ORDERED 7    /* ... after the barrier, before the waiter check */
#define MYL__TP_WAKE_SEEN 8       /* ... saw a waiter, before bumping the wake word */
#define MYL__TP_WAKE_BUMPED 9     /* ... bumped it, before the futex wake */
/* A topology owner found a member's process gone, before it marks the
 * member's entry DEAD (the second argument is the owner's myl_topo). */
#define MYL__TP_TOPO_PEER_GONE 10
#ifdef MYL_TEST_HOOKS
extern void (*myl__test_hook)(int point, const void *ring);
extern int64_t myl__test_slice_ns;
#define MYL__TEST_POINT(point, ring)                                                               \
    do {                                                                                           \
        if (myl__test_hook)                                                                        \
            myl__test_hook((point), (ring));                                                       \
    } while (0)
#else
#define MYL__TEST_POINT(point, ring) ((void)0)
#endif

/* The waking side of F1/F2 (docs/ARCHITECTURE.md, "Wake-ups"): orders
 * the caller's store (a stamp, a released sequence) before its load of the
 * waiter count. A full fence, unless every sleeper of the ring issues
 * membarrier(GLOBAL_EXPEDITED) and this process is registered for it:
 * then the sleeper's barrier runs on this thread, and only the compiler
 * must keep the order. */
static inline void myl__wake_barrier(bool fence)
{
    if (fence)
        myl__fence_seq_cst();
    else
        myl__signal_fence_seq_cst();
}

static inline myl__slot *myl__slot_at(const myl_ring *r, uint64_t seq)
{
    return (myl__slot *)(r->slots + (size_t)(seq & r->mask) * r->stride);
}

/* The CLAIM marks (with the producer's table index) of n slots claimed
 * from s, on lossy and multi-producer rings. */
static inline void myl__producer_mark(const myl_producer *p, uint64_t s, uint32_t n)
{
    uint64_t owner = ((uint64_t)p->idx & MYL_STAMP_OWNER_MASK) << MYL_STAMP_OWNER_SHIFT;
    for (uint32_t i = 0; i < n; i++)
        myl__store_relaxed(&myl__slot_at(p->ring, s + i)->stamp,
                           MYL_STAMP_CLAIM | owner | ((s + i + 1) & MYL_STAMP_SEQ_MASK));
    /* Orders the CLAIM marks before the payload stores that follow, so a
     * lossy reader's re-check (A5) sees the mark if it saw new bytes. */
    myl__fence_release();
}

/* myl_producer_try_claim() on a ring whose claims are marked: several
 * producers, or a lossy ring. */
static inline int myl__producer_try_claim_marked(myl_producer *p, uint32_t n, uint64_t *seq)
{
    myl_ring *r = p->ring;
    uint64_t s;
    /* A1 (both branches): pairs with R3 in consumer registration (the
     * generation bump). A refresh starts over, out of line: nothing is
     * claimed yet. */
    if (!p->multi) {
        s = p->next;
        if (!p->lossy && (s + n > p->limit || myl__load_acquire(&r->hdr->consumer_gen) != p->gen))
            return myl__producer_try_claim(p, n, seq);
        p->next = s + n;
        /* Relaxed: claim is read by tools and registering consumers only. */
        myl__store_relaxed(&r->hdr->claim, s + n);
    } else {
        s = myl__load_relaxed(&r->hdr->claim);
        do {
            if (!p->lossy &&
                (s + n > p->limit || myl__load_acquire(&r->hdr->consumer_gen) != p->gen))
                return myl__producer_try_claim(p, n, seq);
            /* acq_rel: orders our claim among the other producers' claims. */
        } while (!myl__cas_weak(&r->hdr->claim, &s, s + n));
    }
    myl__producer_mark(p, s, n);
    *seq = s;
    return 0;
}

/* Claim n slots without waiting: 0 and the first sequence in *seq, or
 * MYL_EAGAIN when the slowest consumer is too far behind. Inline: the
 * claim when the room is known; a refresh of the consumers' positions
 * (the room known ran out, or a consumer registered) in
 * myl__producer_try_claim(). */
static inline int myl_producer_try_claim(myl_producer *p, uint32_t n, uint64_t *seq)
{
    myl_ring *r = p->ring;
    if (n == 0 || n > r->capacity)
        return MYL_EINVAL;
    if (p->marks)
        return myl__producer_try_claim_marked(p, n, seq);
    uint64_t s = p->next;
    /* A1: pairs with R3 in consumer registration (generation bump). */
    if (s + n > p->limit || myl__load_acquire(&r->hdr->consumer_gen) != p->gen)
        return myl__producer_try_claim(p, n, seq);
    p->next = s + n;
    /* Relaxed: claim is read by tools and registering consumers only. */
    myl__store_relaxed(&r->hdr->claim, s + n);
    *seq = s;
    return 0;
}

/* The writable payload of a claimed sequence. */
static inline void *myl_producer_slot(const myl_producer *p, uint64_t seq)
{
    return (uint8_t *)myl__slot_at(p->ring, seq) + sizeof(myl__slot);
}

/* Publish n claimed slots starting at seq. */
static inline void myl_producer_publish(myl_producer *p, uint64_t seq, uint32_t n)
{
    myl_ring *r = p->ring;
    for (uint32_t i = 0; i < n; i++) {
        /* R1: pairs with A2 in the consumer's stamp poll: the payload written
         * before it is visible to whoever sees the stamp. */
        myl__store_release(&myl__slot_at(r, seq + i)->stamp, (seq + i + 1) & MYL_STAMP_SEQ_MASK);
    }
    if (!p->multi)
        /* R6: pairs with A6 in tools that read the published cursor. */
        myl__store_release(&r->hdr->cursor, seq + n);
    p->published += n;
    myl__store_relaxed(&p->ent->published, p->published);
    if (p->wake_check) {
        /* Dekker with the consumer's waiter registration (F1 in ring.c):
         * either we see its waiter count, or it sees our stamp. */
        MYL__TEST_POINT(MYL__TP_WAKE_STORED, r);
        myl__wake_barrier(p->wake_fence);
        MYL__TEST_POINT(MYL__TP_WAKE_ORDERED, r);
        if (myl__load_relaxed(&r->hdr->cons_waiters) != 0)
            myl__wake_consumers(r, p);
    }
}

/* Claim, copy and publish one event without waiting. */
static inline int myl_producer_try_send(myl_producer *p, const void *event)
{
    uint64_t s;
    int rc = myl_producer_try_claim(p, 1, &s);
    if (rc < 0)
        return rc;
    memcpy(myl_producer_slot(p, s), event, p->ring->slot_size);
    myl_producer_publish(p, s, 1);
    return 0;
}

/* Every this many empty polls, an MP consumer checks for slots abandoned by
 * dead producers: a try_poll loop recovers as a waiting poll does. */
#define MYL__IDLE_CHECK 256u

static inline int64_t myl__consumer_empty(myl_consumer *c)
{
    if (c->multi && ++c->idle >= MYL__IDLE_CHECK)
        myl__consumer_recover(c);
    return MYL_EAGAIN;
}

/* How many events are available now (up to max), the first in *seq;
 * MYL_EAGAIN when none, MYL_EOVERRUN when a lossy consumer was overrun. */
static inline int64_t myl_consumer_try_poll(myl_consumer *c, uint32_t max, uint64_t *seq)
{
    if (max == 0)
        return MYL_EINVAL;
    *seq = c->next;
    if (c->avail_end > c->next) {
        /* Lossy rings: the window cached by an earlier poll may have been
         * overwritten since. A reader whose myl_consumer_valid() failed
         * releases the events before the bad one and polls again; re-check
         * the first stamp (A2 as below) so that this poll reports the
         * overrun, instead of returning the same overwritten window forever
         * (a livelock found by tests/mp). Gated rings cannot be overwritten. */
        if (!c->lossy || myl__load_acquire(&myl__slot_at(c->ring, c->next)->stamp) ==
                             ((c->next + 1) & MYL_STAMP_SEQ_MASK)) {
            uint64_t n = c->avail_end - c->next;
            return (int64_t)(n < max ? n : max);
        }
        c->avail_end = c->next;
    }
    /* Fast case: one event, stamp exact. A2: pairs with R1 in publish. */
    uint64_t v = myl__load_acquire(&myl__slot_at(c->ring, c->next)->stamp);
    if (v == ((c->next + 1) & MYL_STAMP_SEQ_MASK)) {
        if (max == 1) {
            c->avail_end = c->next + 1;
            return 1;
        }
    } else if (v < MYL_STAMP_SKIP && v < ((c->next + 1) & MYL_STAMP_SEQ_MASK)) {
        return myl__consumer_empty(c); /* an older lap: not yet written */
    }
    int64_t n = myl__consumer_scan(c, max);
    *seq = c->next;
    return n;
}

static inline const void *myl_consumer_slot(const myl_consumer *c, uint64_t seq)
{
    return (const uint8_t *)myl__slot_at(c->ring, seq) + sizeof(myl__slot);
}

/* Lossy rings: true if the event at seq is still the one that was polled
 * (call after reading it in place; a false means it was overwritten: release
 * the events before seq and poll again, which reports the overrun). */
static inline bool myl_consumer_valid(const myl_consumer *c, uint64_t seq)
{
    /* Orders the caller's reads of the payload before the re-check. */
    myl__fence_acquire();
    /* A5: pairs with the producer's CLAIM mark + release fence. */
    return myl__load_relaxed(&myl__slot_at(c->ring, seq)->stamp) ==
           ((seq + 1) & MYL_STAMP_SEQ_MASK);
}

/* Release n events (those polled first): the producer may reuse them. */
static inline void myl_consumer_release(myl_consumer *c, uint32_t n)
{
    if (n == 0)
        return;
    c->next += n;
    if (c->avail_end < c->next)
        c->avail_end = c->next;
    /* R2: pairs with A3 in the producer's gate scan: our reads of the slots
     * happen before the producer may overwrite them. */
    myl__store_release(&c->ent->seq, c->next);
    c->consumed += n;
    myl__store_relaxed(&c->ent->consumed, c->consumed);
    if (c->wake_check) {
        /* Dekker with the producer's waiter registration (F2 in ring.c). */
        MYL__TEST_POINT(MYL__TP_WAKE_STORED, c->ring);
        myl__wake_barrier(c->wake_fence);
        MYL__TEST_POINT(MYL__TP_WAKE_ORDERED, c->ring);
        if (myl__load_relaxed(&c->ring->hdr->prod_waiters) != 0)
            myl__wake_producers(c->ring, c);
    }
}

/* Events lost to overruns since the last call (lossy rings). */
static inline uint64_t myl_consumer_take_lost(myl_consumer *c)
{
    uint64_t l = c->lost;
    c->lost = 0;
    return l;
}

#ifdef __cplusplus
}
#endif

#endif
