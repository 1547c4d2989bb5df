/* libmyelon_bridge: the wire format (docs/BRIDGE.md, "Wire format").
 *
 * Every message is one ZeroMQ frame (a 16-byte header and a body, all
 * integers little-endian), except BATCHZ: its header frame, then one
 * frame per event (count frames of slot_size bytes each, ZMQ_SNDMORE on
 * all but the last), so that an exporter can hand its ring slots to
 * ZeroMQ without copying them.
 *
 *   +0  u32 magic    "MYLB" (0x424c594d)
 *   +4  u8  version  3
 *   +5  u8  type     HELLO 1, WELCOME 2, REFUSE 3, BATCH 4, ACK 5, PING 6,
 *                    BATCHZ 7
 *   +6  u16 flags    BATCH, BATCHZ: MYL__BR_F_ACK_NOW or 0; zero in the rest
 *   +8  u64 session  the importer's nonce of the session
 *
 * The decoder is the only code that reads bytes from the network; it
 * checks every length and field it can on its own (the callers check the
 * rest against their ring). */
#ifndef MYELON_BRIDGE_WIRE_H
#define MYELON_BRIDGE_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* Little-endian integers at any address: the wire format's and the
 * topology relay's control messages'. */
static inline void myl__br_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline void myl__br_put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t myl__br_get32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static inline uint64_t myl__br_get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

#define MYL__BR_MAGIC 0x424c594du
#define MYL__BR_VERSION 3u
/* A batch's flag: acknowledge it at once (the exporter has half its
 * window or half its ring waiting for acknowledgements); without it the
 * importer may wait up to MYL__BR_ACK_DELAY_NS. */
#define MYL__BR_F_ACK_NOW 1u
#define MYL__BR_ACK_DELAY_NS 1000000u
#define MYL__BR_HDR 16u

#define MYL__BR_HELLO 1u
#define MYL__BR_WELCOME 2u
#define MYL__BR_REFUSE 3u
#define MYL__BR_BATCH 4u
#define MYL__BR_ACK 5u
#define MYL__BR_PING 6u
#define MYL__BR_BATCHZ 7u

#define MYL__BR_HELLO_SIZE (MYL__BR_HDR + 40u)
#define MYL__BR_WELCOME_SIZE (MYL__BR_HDR + 24u)
#define MYL__BR_ACK_SIZE (MYL__BR_HDR + 8u)
#define MYL__BR_BATCH_HDR (MYL__BR_HDR + 24u)
#define MYL__BR_REFUSE_TEXT_MAX 200u

/* "No sequence": a HELLO from an importer with nothing published yet. */
#define MYL__BR_NONE UINT64_MAX

/* The largest batch a decoder accepts (events and bytes). */
#define MYL__BR_MAX_COUNT 65536u
#define MYL__BR_MAX_BYTES (64u << 20)
/* The most event frames a BATCHZ announces. */
#define MYL__BR_MAX_PARTS 4096u

/* The options' times (reconnect interval, peer timeout) become ZeroMQ's
 * int milliseconds: 0 (the default) to INT32_MAX ms, about 24 days. */
#define MYL__BR_MAX_TIME_NS ((int64_t)INT32_MAX * 1000000)
#define myl__br_time_ok(ns) ((ns) >= 0 && (ns) <= MYL__BR_MAX_TIME_NS)

typedef struct myl__br_msg {
    uint32_t type;
    uint64_t session;
    /* HELLO */
    uint64_t fingerprint;
    uint32_t slot_size; /* HELLO, BATCH */
    uint32_t kind;
    uint32_t mode;   /* HELLO: the importer ring's MYL_MODE_*; WELCOME: the exporter's */
    uint64_t next;   /* HELLO: next expected sequence (or NONE); ACK: all below delivered */
    uint64_t stream; /* HELLO: the stream next refers to; WELCOME: the exporter's */
    /* WELCOME */
    uint64_t start;
    /* REFUSE */
    uint32_t reason; /* a MYL_E* code, negated: positive on the wire */
    char text[MYL__BR_REFUSE_TEXT_MAX + 1];
    /* BATCH */
    uint64_t first;
    uint64_t prev; /* where the session's previous batch ended: [prev, first)
                      were skipped slots (a dead producer's claims) */
    uint32_t count;
    uint32_t flags;         /* BATCH, BATCHZ: MYL__BR_F_* */
    const uint8_t *payload; /* BATCH: count * slot_size bytes, inside the input;
                               BATCHZ: NULL (the events are the next frames) */
} myl__br_msg;

/* Decode one message of len bytes. 0; MYL_EVERSION for a message with our
 * magic and another version (m->session is set, so that it can be
 * refused); MYL_EINVAL for anything else that is not a well-formed
 * message of this version. */
int myl__br_decode(const void *buf, size_t len, myl__br_msg *m);

/* Encoders: write into buf (at least the returned size) and return the
 * size. */
size_t myl__br_put_hdr(uint8_t *buf, uint32_t type, uint64_t session);
size_t myl__br_hello(uint8_t *buf, const myl__br_msg *m);
/* mode: the exporter ring's MYL_MODE_* (a lossy source has gaps). */
size_t myl__br_welcome(uint8_t *buf, uint64_t session, uint64_t stream, uint64_t start,
                       uint32_t mode);
size_t myl__br_refuse(uint8_t *buf, uint64_t session, uint32_t reason, const char *text);
size_t myl__br_ack(uint8_t *buf, uint64_t session, uint64_t next);
/* The header of a batch; the count * slot_size payload bytes follow. */
size_t myl__br_batch_hdr(uint8_t *buf, uint64_t session, uint64_t first, uint64_t prev,
                         uint32_t count, uint32_t slot_size);
/* The header frame of a BATCHZ (its whole first frame); count frames of
 * slot_size bytes follow. */
size_t myl__br_batchz_hdr(uint8_t *buf, uint64_t session, uint64_t first, uint64_t prev,
                          uint32_t count, uint32_t slot_size);
/* Set the flags (MYL__BR_F_*) of the BATCH or BATCHZ header at buf. */
void myl__br_set_flags(uint8_t *buf, uint32_t flags);

#endif
