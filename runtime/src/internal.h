/* libmyelon internals shared by the runtime's .c files. */
#ifndef MYELON_INTERNAL_H
#define MYELON_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "myelon/compat.h"
#include "myelon/group.h"
#include "myelon/ring.h"

/* Out of line, so that the fast path that calls it stays short (no
 * register saves for a loop it does not run). */
#if defined(__GNUC__)
#define MYL__NOINLINE __attribute__((noinline))
#else
#define MYL__NOINLINE
#endif

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
/* membarrier(2) (docs/ARCHITECTURE.md, "Wake-ups"): what this process
 * can do, probed once per process: MYL__MB_ISSUE, it may issue
 * MEMBARRIER_CMD_GLOBAL_EXPEDITED; MYL__MB_REGISTERED, it registered with
 * MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, so that every such barrier
 * issued by any process reaches its threads. The environment variable
 * MYL_TEST_MEMBARRIER (a digit 0-3) masks the result, for tests. */
#define MYL__MB_ISSUE 1
#define MYL__MB_REGISTERED 2
int myl__membarrier_caps(void);
/* MEMBARRIER_CMD_GLOBAL_EXPEDITED: 0, or a negative errno. */
int myl__membarrier_global(void);
/* The sleeping side of F1/F2, after the waiter announced itself (ring.c):
 * true if it may now sleep on the futex, false if it must poll instead. */
bool myl__sleep_barrier(uint32_t sleep_mode);
/* How handles of this process order wake-ups on ring r: the waking side's
 * fence (true: full) and the sleeping side's MYL__SLEEP_* mode. */
void myl__wake_modes(const myl_ring *r, bool *wake_fence, uint8_t *sleep_mode);
/* myl__consumer_hold and myl__consumer_rewind are declared in ring.h
 * (exported for libmyelon_bridge). */
/* Is name exactly prefix, 16 lower-case hex digits and suffix (the file
 * names of journal segments and snapshots)? *seq gets the number. */
bool myl__parse_seq_name(const char *name, const char *prefix, const char *suffix, uint64_t *seq);
/* FNV-1a, 64-bit. */
uint64_t myl__fnv1a(const void *data, size_t len, uint64_t h);
/* CRC32C (from 0) of data[0, len) and then the 4 bytes of tail (in the
 * host's order): one dispatch and one pass, for the journal's records. */
uint32_t myl__crc32c_tail32(const void *data, size_t len, uint32_t tail);
/* Lays a journal record's body out at dst: seq, type, the len bytes of
 * src, zero padding to a multiple of 8 (dst has room for pad8(16 + len)
 * bytes); returns myl__crc32c_tail32(dst, 16 + len, len), computed from
 * the bytes as stored (in the pass that copies them, for short payloads:
 * src may be shared memory that changes meanwhile). */
typedef uint32_t (*myl__crc32c_record_fn)(uint8_t *dst, uint64_t seq, uint64_t type,
                                          const void *src, uint32_t len);
/* The implementation for this CPU (hardware CRC or tables). */
myl__crc32c_record_fn myl__crc32c_record(void);
/* The calling thread's buffer behind myl_compat_last_reason() (compat.c). */
char *myl__compat_reason_buf(size_t *cap);
#define MYL__FNV_OFFSET UINT64_C(0xcbf29ce484222325)
/* Checksum of the immutable part of a header. */
uint64_t myl__header_checksum(const myl__seg_header *h);
/* Validate a mapped segment of map_size bytes against expectations; fills
 * the ring handle's derived fields. */
int myl__seg_validate(myl_ring *r, const myl_ring_opts *expect);
/* myl_ring_create, with init(r, arg) called on the mapped, zero-filled
 * segment before it is marked READY and given its name (topo.c writes its
 * control block into the slots this way: attachers see all or nothing). */
int myl__ring_create_init(const myl_ring_opts *opts, void (*init)(myl_ring *r, void *arg),
                          void *arg, myl_ring **out);
/* Deadline helpers: a deadline of UINT64_MAX never expires. */
uint64_t myl__deadline(int64_t timeout_ns);
/* Time left until deadline for a call taking a timeout: -1 (none) for
 * UINT64_MAX, else >= 0 (0: try once, do not wait). */
int64_t myl__left(uint64_t deadline);
/* Remaining time, clamped to [0, slice]; returns false when expired. */
bool myl__remaining(uint64_t deadline, int64_t slice, int64_t *out);
/* A consumer's adaptive hybrid spin (ring.c): after a wait that began at
 * t0 and ended at step iter (found: it got what it waited for), set the
 * next wait's budget c->spin_now; and, at step 64 of a wait still
 * spinning there, note how long those steps took (c->spin_ns64). */
void myl__adapt_spin(myl_consumer *c, uint32_t iter, bool found, uint64_t t0);
void myl__note_spin(myl_consumer *c, uint32_t iter, uint64_t t0, uint64_t now);

/* ---- the handles public headers declare opaque ---- */

/* myl_framer: the sending side of a framed ring (frame.c). */
struct myl_framer {
    myl_producer *p;
    uint32_t data_max; /* data bytes per frame */
    uint32_t max_claim;
    uint64_t max_message;
    uint64_t next_id;
};

/* myl_defrag: the receiving side of a framed ring, a consumer and its
 * reassembly (frame.c). */
struct myl_defrag {
    myl_consumer *c;
    uint32_t data_max;
    uint64_t max_message;
    uint8_t *buf; /* reassembly buffer of max_message bytes */
    /* the message being reassembled */
    bool in_msg;
    uint64_t msg_id;
    uint32_t total;
    uint32_t next_index;
    uint32_t filled;
    uint16_t kind;
    uint32_t pending; /* frames to release with the delivered message */
    /* the first frame of the message being copied: frames read since are
     * held, not released, so that a consumer restarted after a crash reads
     * the whole message again instead of losing it; not for messages of
     * more than half a ring (sent in chunks: holding would deadlock) */
    uint64_t msg_start;
    bool hold;
    bool held; /* frames are held: released once their message is delivered or dropped */
    bool kept; /* a copied message delivered, its frames held until it is released */
    /* myl_defrag_hold(): nothing received is given back; the entry stays
     * at batch_start (where the first message received since begins) */
    bool batch;
    uint64_t batch_start;
    uint64_t expect_id;
    bool have_id;
    bool group; /* ids are a group's send order: do not count gaps here */
    bool copy;  /* MYL_CONSUMER_COPY: never lend a frame in place */
    bool lend;  /* neither copy nor a lossy ring: one-frame messages are lent */
    /* counters (also kept in the consumer's table entry) */
    uint64_t dropped;
    uint64_t bad_frames;
    uint64_t id_gaps;
};

/* Send with a caller-chosen message id (groups number messages across
 * their rings). */
/* myl_frame_send_ext's checks of the runs: 0 and the message's total
 * length, or MYL_EINVAL / MYL_ETOOBIG. */
int myl__frame_ext_total(const void *msg, size_t len, const struct myl_ext *ext, size_t next,
                         unsigned flags, size_t *total);
/* myl_frame_send_ext with the caller's message id, after those checks
 * (total <= the framer's max_message). */
int myl__frame_send_ext_id(myl_framer *f, const void *msg, size_t len, const struct myl_ext *ext,
                           size_t next, unsigned flags, size_t total, uint16_t kind, uint64_t id,
                           int64_t timeout_ns);
int myl__frame_send_id(myl_framer *f, const void *msg, size_t len, uint16_t kind, uint64_t id,
                       int64_t timeout_ns);
/* Publish claimed frames as padding, the message id left alone (groups
 * take their ids at commit). */
void myl__frame_pad(myl_framer *f, const myl_frame_span *c);
/* Claim with a caller-chosen message id (groups). */
int myl__frame_claim_id(myl_framer *f, size_t len, uint16_t kind, uint64_t id, myl_frame_span *c,
                        int64_t timeout_ns);
int myl__frame_claim_one_id(myl_framer *f, size_t len, uint16_t kind, uint64_t id,
                            myl_frame_span *c, void **data, int64_t timeout_ns);

/* myl_group_sender (group.c). */
struct myl_group_sender {
    myl_group *g;
    myl_framer *f[MYL_GROUP_MAX];
    uint64_t next_id; /* send order across the group's rings */
};

/* myl_group_receiver (group.c). */
struct myl_group_receiver {
    myl_group *g;
    myl_defrag *d[MYL_GROUP_MAX];
    uint32_t flags;
    /* ordered: one message held back per ring until it is next */
    bool held[MYL_GROUP_MAX];
    myl_frame_msg msg[MYL_GROUP_MAX];
    uint64_t expect[MYL_MAX_PRODUCERS]; /* next id per sender */
    bool seen[MYL_MAX_PRODUCERS];
    uint32_t last; /* ring of the message delivered last (to release) */
    /* lanes: times each lane was passed over while it had messages */
    uint32_t passed[MYL_GROUP_MAX];
    uint32_t starve_after[MYL_GROUP_MAX];
    uint64_t order_gaps; /* ordered: ids given up on (lost or never sent) */
    /* ordered: when it first held messages and none was next (0: it is
     * not waiting), kept across calls of myl_group_recv */
    uint64_t stuck_since;
};

#endif
