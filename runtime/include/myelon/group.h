/* Groups of framed rings: size classes and priority lanes.
 *
 * Size classes (`frames 64, 256, 1024` in a schema): one framed ring per
 * frame size. A sender puts each message in the smallest class whose frame
 * holds it whole (the largest class, fragmented, when none does). Each
 * sender numbers its messages across all classes, so a receiver can
 * restore the send order (MYL_GROUP_ORDERED).
 *
 * Priority lanes (`lanes critical, high, low`): one framed ring per lane,
 * highest priority first. The sender names the lane; the receiver drains
 * the highest non-empty lane, except that a lane passed over starve_after
 * times in a row while it had messages is served next (a weighted guard
 * against starvation; when several lanes reach their guards at once the
 * most overdue goes first, so a lane waits at most starve_after + lanes - 2
 * deliveries in a row).
 *
 * Ring i of a group named "base" is the segment "base.<suffix>", where the
 * suffix is "f<frame size>" for classes and the lane name for lanes.
 *
 * Receivers of a group wait on several rings at once; they poll them in
 * turn and back off (yield, then short sleeps) rather than sleep on one
 * futex.
 */
#ifndef MYELON_GROUP_H
#define MYELON_GROUP_H

#include "myelon/frame.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MYL_GROUP_CLASSES 1u
#define MYL_GROUP_LANES 2u
#define MYL_GROUP_MAX 16u
#define MYL_GROUP_ORDERED 0x1u /* receiver: deliver in each sender's order */
#define MYL_GROUP_COPY 0x2u    /* receiver: MYL_CONSUMER_COPY on every ring */

/* Backpressure levels. */
#define MYL_PRESSURE_OK 0
#define MYL_PRESSURE_WARN 1
#define MYL_PRESSURE_CRITICAL 2

typedef struct myl_group_opts {
    uint32_t size;
    uint32_t kind;  /* MYL_GROUP_CLASSES or MYL_GROUP_LANES */
    uint32_t count; /* rings, 1 .. MYL_GROUP_MAX */
    const char *name;
    uint32_t backing;
    /* classes: strictly ascending frame sizes (count of them); lanes: a
     * frame size per lane, or NULL for frame_size on every lane */
    const uint32_t *frame_sizes;
    uint32_t frame_size;
    const char *const *lane_names; /* lanes: count names, highest first */
    uint64_t capacity;             /* frames per ring */
    uint32_t producers;
    uint32_t mode;
    uint32_t wait;
    uint32_t max_consumers;
    uint32_t max_producers;
    uint32_t perm;
    uint32_t flags; /* MYL_SEG_* for every ring (a schema's `fences`) */
    uint64_t fingerprint;
    uint64_t max_message; /* 0 = what the largest ring allows */
    uint32_t warn_pct;    /* backpressure thresholds, % of capacity: 80, 90 */
    uint32_t crit_pct;
    /* every ring's schema description (myl_ring_opts.schema), or NULL */
    const uint8_t *schema;
    uint32_t schema_len;
} myl_group_opts;

typedef struct myl_group {
    uint32_t kind;
    uint32_t count;
    uint32_t warn_pct;
    uint32_t crit_pct;
    uint64_t max_message;
    myl_ring *rings[MYL_GROUP_MAX];
} myl_group;

/* A group's sending and receiving ends. Opaque (their fields are the
 * runtime's, runtime/src/internal.h), so that a new field does not change
 * the ABI. myl_group stays visible: generated code checks its rings. */
typedef struct myl_group_sender myl_group_sender;
typedef struct myl_group_receiver myl_group_receiver;

typedef struct myl_group_ring_stats {
    uint32_t frame_size;
    uint64_t capacity;
    uint64_t in_use;     /* frames published or claimed, not yet released by all */
    uint64_t high_water; /* largest in_use a sender has seen */
    uint32_t ratio_pct;  /* in_use / capacity */
    int level;           /* MYL_PRESSURE_* */
} myl_group_ring_stats;

MYL_API int myl_group_create(const myl_group_opts *opts, myl_group **out);
MYL_API int myl_group_attach(const myl_group_opts *opts, myl_group **out);
MYL_API void myl_group_close(myl_group *g);
MYL_API int myl_group_unlink(const myl_group_opts *opts);
/* The name of ring i of a group ("base.f64", "base.critical"). */
MYL_API int myl_group_ring_name(const myl_group_opts *opts, uint32_t i, char *out, size_t size);

MYL_API int myl_group_sender_open(myl_group *g, const myl_producer_opts *popts,
                                  myl_group_sender **out);
MYL_API void myl_group_sender_close(myl_group_sender *s);
/* Send a message: classes pick the ring by size (lane is ignored); lanes
 * send on ring lane. */
MYL_API int myl_group_send(myl_group_sender *s, uint32_t lane, const void *msg, size_t len,
                           uint16_t kind, int64_t timeout_ns);
/* The same for a message plus runs of bytes that lie elsewhere, as
 * myl_frame_send_ext() (flags: MYL_FRAME_EXT_HOLES or 0): each run is
 * copied once, straight into the frames. Classes pick the ring by the
 * message's whole length, runs included. */
struct myl_ext;
MYL_API int myl_group_send_ext(myl_group_sender *s, uint32_t lane, const void *msg, size_t len,
                               const struct myl_ext *ext, size_t next, unsigned flags,
                               uint16_t kind, int64_t timeout_ns);
/* A message claimed in place on one ring of a group. */
typedef struct myl_group_span {
    myl_frame_span f;
    uint32_t ring;
} myl_group_span;

/* Claim the frames of a len-byte message in place: on ring lane (lanes)
 * or in the class myl_group_send() would pick (classes). Write frame i's
 * data through myl_group_claim_data(), then commit (the claimed length or
 * less) or abort (receivers skip it; it takes no place in the send order). */
MYL_API int myl_group_claim(myl_group_sender *s, uint32_t lane, size_t len, uint16_t kind,
                            myl_group_span *sp, int64_t timeout_ns);
MYL_API void *myl_group_claim_data(const myl_group_sender *s, const myl_group_span *sp, uint32_t i,
                                   uint32_t *len);
/* myl_group_claim() and myl_group_claim_data(sp, 0) in one call, for a
 * message that fits one frame of the ring picked: MYL_ETOOBIG when it
 * does not (above the lane's frame, or the largest class's). */
MYL_API int myl_group_claim_one(myl_group_sender *s, uint32_t lane, size_t len, uint16_t kind,
                                myl_group_span *sp, void **data, int64_t timeout_ns);
MYL_API int myl_group_commit_len(myl_group_sender *s, myl_group_span *sp, size_t len);
MYL_API void myl_group_abort(myl_group_sender *s, const myl_group_span *sp);
/* The sender's view of ring i's fill: percentage and level. */
MYL_API int myl_group_pressure(myl_group_sender *s, uint32_t i, uint32_t *pct);

/* starve_after: lanes, per lane (NULL: 16 for every lane). */
MYL_API int myl_group_receiver_open(myl_group *g, const char *id, uint32_t flags,
                                    const uint32_t *starve_after, myl_group_receiver **out);
MYL_API void myl_group_receiver_close(myl_group_receiver *r);
/* MYL_EEVICTED when the receiver's consumer in any ring of the group was
 * evicted, as myl_consumer_check() (ring.h) says; else 0. */
MYL_API int myl_group_receiver_check(const myl_group_receiver *r);
/* Next message; *ring (if not NULL) receives the ring (class or lane) it
 * came from. The message stays valid until the next call. */
MYL_API int myl_group_recv(myl_group_receiver *r, myl_frame_msg *m, uint32_t *ring,
                           int64_t timeout_ns);

MYL_API int myl_group_stats(const myl_group *g, uint32_t i, myl_group_ring_stats *out);
/* The framer of the sender's ring i; NULL when i is not a ring of the
 * group. */
MYL_API myl_framer *myl_group_sender_framer(const myl_group_sender *s, uint32_t i);
/* Ordered receivers: message ids given up on (lost or never sent). */
MYL_API uint64_t myl_group_receiver_order_gaps(const myl_group_receiver *r);

#ifdef __cplusplus
}
#endif

#endif
