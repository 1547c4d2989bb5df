/* Layer 1: variable-length messages over a ring of fixed-size frames.
 *
 * A framed ring is a layer-0 ring whose slot is one frame: a 24-byte frame
 * header and up to (slot_size - 24) bytes of message data. A message that
 * does not fit in one frame is cut into consecutive frames of the same
 * message id, the first flagged FIRST and the last LAST.
 *
 *   frame (slot payload)
 *   +0  u32 len      data bytes in this frame
 *   +4  u8  flags    FIRST 0x1, LAST 0x2, PAD 0x4 (an aborted claim)
 *   +5  u8  version  1
 *   +6  u16 kind     the sender's message kind
 *   +8  u64 msg_id   per-producer message counter
 *   +16 u32 total    length of the whole message
 *   +20 u32 index    this frame's position in the message
 *   +24 data
 *
 * A frame is input from another process: the receiver checks every field
 * against the ring's geometry and against the message being reassembled;
 * a frame that does not fit is counted (bad_frames) and skipped, and a
 * partial message is dropped and counted (dropped), never delivered.
 */
#ifndef MYELON_FRAME_H
#define MYELON_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "myelon/ring.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MYL_FRAME_HDR_SIZE 24u
#define MYL_FRAME_VERSION 1u
#define MYL_FRAME_FIRST 0x1u
#define MYL_FRAME_LAST 0x2u
#define MYL_FRAME_PAD 0x4u

typedef struct myl_frame_hdr {
    uint32_t len;
    uint8_t flags;
    uint8_t version;
    uint16_t kind;
    uint64_t msg_id;
    uint32_t total;
    uint32_t index;
} myl_frame_hdr;

MYL__STATIC_ASSERT(sizeof(myl_frame_hdr) == MYL_FRAME_HDR_SIZE, "frame header size");
MYL__STATIC_ASSERT(offsetof(myl_frame_hdr, msg_id) == 8, "msg_id offset");
MYL__STATIC_ASSERT(offsetof(myl_frame_hdr, total) == 16, "total offset");

typedef struct myl_frame_opts {
    uint32_t size;
    /* Largest message accepted, in bytes. 0 = the default: what half the
     * ring holds (multi-producer rings cannot exceed that, because a
     * message's frames are claimed at once). */
    uint64_t max_message;
} myl_frame_opts;

/* The sending side of a framed ring. Opaque (its fields are the runtime's,
 * runtime/src/internal.h), so that a new field does not change the ABI. */
typedef struct myl_framer myl_framer;

/* A message claimed in place: frames [seq, seq + frames). */
typedef struct myl_frame_span {
    uint64_t seq;
    uint32_t frames;
    uint32_t len;
    uint64_t msg_id;
    uint16_t kind; /* written to the headers at the commit */
} myl_frame_span;

/* A received message. data stays valid until myl_defrag_release(). */
typedef struct myl_frame_msg {
    const void *data;
    size_t len;
    uint64_t msg_id;
    uint16_t kind;
    bool borrowed; /* data points into the ring (zero copy) */
} myl_frame_msg;

/* The receiving side of a framed ring: a consumer and its reassembly.
 * Opaque, as myl_framer. */
typedef struct myl_defrag myl_defrag;

/* A receiver's counters (also kept in the consumer's table entry, except
 * id_gaps). */
typedef struct myl_defrag_stats {
    uint64_t dropped;    /* partial messages dropped */
    uint64_t bad_frames; /* frames rejected */
    uint64_t id_gaps;    /* message ids skipped by a sender (lost messages) */
} myl_defrag_stats;

/* Frames a message of len bytes needs on this ring. */
MYL_API uint32_t myl_frame_count(const myl_ring *ring, size_t len);

MYL_API int myl_framer_open(myl_ring *ring, const myl_producer_opts *popts,
                            const myl_frame_opts *fopts, myl_framer **out);
MYL_API void myl_framer_close(myl_framer *f);
/* Copy a message in and publish it (MYL_ETOOBIG above max_message: nothing
 * is sent). */
MYL_API int myl_frame_send(myl_framer *f, const void *msg, size_t len, uint16_t kind,
                           int64_t timeout_ns);
/* Copy a message in from several places and publish it: msg[0, len) with
 * next runs of bytes (myl_ext, myelon/compact.h) that lie elsewhere, in
 * order of ext[i].at, not overlapping. Without MYL_FRAME_EXT_HOLES, run i
 * is inserted before msg[ext[i].at] (the message is len plus the runs'
 * bytes): an encoder's output that left its large byte fields where they
 * were. With it, run i fills msg[at, at + n), whose bytes were never
 * written (the message is len bytes): a FlatBuffers builder's arena. The
 * runs' bytes are copied once, straight into the frames. MYL_EINVAL for
 * runs out of order or out of bounds, MYL_ETOOBIG above max_message. */
#define MYL_FRAME_EXT_HOLES 0x1u
struct myl_ext;
MYL_API int myl_frame_send_ext(myl_framer *f, const void *msg, size_t len,
                               const struct myl_ext *ext, size_t next, unsigned flags,
                               uint16_t kind, int64_t timeout_ns);
/* Claim the frames of a message of len bytes to write it in place; write
 * frame i's data through myl_frame_claim_data(), then commit or abort. */
MYL_API int myl_frame_claim(myl_framer *f, size_t len, uint16_t kind, myl_frame_span *c,
                            int64_t timeout_ns);
MYL_API void *myl_frame_claim_data(const myl_framer *f, const myl_frame_span *c, uint32_t i,
                                   uint32_t *len);
/* myl_frame_claim() and myl_frame_claim_data(c, 0) in one call, for a
 * message that fits one frame: len bytes at most a frame's data
 * (MYL_ETOOBIG above, or above max_message); *data receives them. */
MYL_API int myl_frame_claim_one(myl_framer *f, size_t len, uint16_t kind, myl_frame_span *c,
                                void **data, int64_t timeout_ns);
MYL_API void myl_frame_commit(myl_framer *f, const myl_frame_span *c);
/* Commit a claimed message shortened to len (<= the claimed length) bytes,
 * for a writer that claimed room for the most it could write (an encoder):
 * frames it no longer needs are published as padding. len above the claim
 * aborts the claim and returns MYL_EINVAL. */
MYL_API int myl_frame_commit_len(myl_framer *f, myl_frame_span *c, size_t len);
/* Publish the claimed frames as padding: receivers skip them. The
 * message id goes back to the framer when no claim was taken since, so
 * the next message reuses it and receivers count no id gap. */
MYL_API void myl_frame_abort(myl_framer *f, const myl_frame_span *c);

MYL_API int myl_defrag_open(myl_ring *ring, const char *id, const myl_consumer_opts *copts,
                            const myl_frame_opts *fopts, myl_defrag **out);
MYL_API void myl_defrag_close(myl_defrag *d);
/* As close, but the receiver's registration stays (myl_consumer_detach),
 * at what it last gave back: the next open of its id resumes there. */
MYL_API void myl_defrag_detach(myl_defrag *d);
/* Wait for the next whole message. */
MYL_API int myl_defrag_recv(myl_defrag *d, myl_frame_msg *m, int64_t timeout_ns);
/* Done with the message last received: its frames may be reused. */
MYL_API void myl_defrag_release(myl_defrag *d);
/* Hold what is received, for a receiver that must not lose a message it
 * received but has not yet made durable (a pipeline's input loop: frames
 * go back to the ring only once the journal has them). With on, from now
 * on nothing received and released is given back to the ring: the
 * receiver's entry (the producers' gate, and where a receiver restarted
 * under the same id begins) stays where the hold began. Each call, on or
 * off, first gives back everything received and released before it; on
 * starts a new hold there. Under a hold, a message too long to hold (more
 * than half the ring, sent in chunks) is released as it is read: recv
 * returns MYL_EHELD at once, whatever its timeout, rather than begin one
 * while anything is held; give back, then receive again. MYL_EINVAL
 * with on, on a lossy ring (it keeps nothing for anyone). */
MYL_API int myl_defrag_hold(myl_defrag *d, bool on);
/* The ring position where the next message received begins: after the
 * last one received (and frames skipped before it), or at the first
 * frame of one being put together. The difference of two positions is
 * the frames a receiver restarted there reads again (but for those of a
 * message too long to hold, released as they are read). */
MYL_API uint64_t myl_defrag_position(const myl_defrag *d);
/* The receiver's counters. */
MYL_API void myl_defrag_stats_get(const myl_defrag *d, myl_defrag_stats *out);
/* The producer a framer sends through (to wait for consumers, or read its
 * counters). */
MYL_API myl_producer *myl_framer_producer(const myl_framer *f);
/* The consumer a defrag receives through (its table entry holds the
 * receiver's shared counters: myl_ring_consumer_stats()). */
MYL_API myl_consumer *myl_defrag_consumer(const myl_defrag *d);
/* The message id the framer's next message takes. */
MYL_API uint64_t myl_framer_next_id(const myl_framer *f);

#ifdef __cplusplus
}
#endif

#endif
