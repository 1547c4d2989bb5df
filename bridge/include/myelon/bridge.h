/* libmyelon_bridge: a ring bridged to another host over ZeroMQ.
 *
 * An exporter attaches a local ring as an ordinary consumer and sends its
 * events in batches; an importer receives them and publishes them into a
 * local ring as its (single) producer. Raw rings carry fixed-size events;
 * framed rings carry their frames verbatim, so that message boundaries,
 * kinds and ids arrive as they were sent.
 *
 *   exporter:                               importer:
 *     myl_bridge *b;                          myl_bridge *b;
 *     myl_bridge_export_open(ring, &o, &b);   myl_bridge_import_open(ring, &o, &b);
 *     while (myl_bridge_run(b, t) >= 0) ..;   while (myl_bridge_run(b, t) >= 0) ..;
 *     myl_bridge_close(b);                    myl_bridge_close(b);
 *
 * Delivery on gated rings: every event exactly once and in order, across
 * reconnects and either side being killed (docs/BRIDGE.md, "Delivery
 * guarantee"). A separate library: libmyelon stays libc-only. */
#ifndef MYELON_BRIDGE_H
#define MYELON_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>

#include "myelon/ring.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the ring carries; both sides must say the same. */
#define MYL_BRIDGE_RAW 1u    /* fixed-size events */
#define MYL_BRIDGE_FRAMED 2u /* layer-1 frames (myelon/frame.h) */

/* Which side of the connection binds. */
#define MYL_BRIDGE_BIND_DEFAULT 0u /* the exporter binds, the importer connects */
#define MYL_BRIDGE_BIND 1u
#define MYL_BRIDGE_CONNECT 2u

/* Options; zero means "default" in every field. The times become
 * ZeroMQ's int milliseconds: 0 to INT32_MAX ms, others are refused. */
typedef struct myl_bridge_opts {
    uint32_t size;           /* sizeof(myl_bridge_opts), or 0 */
    uint32_t kind;           /* MYL_BRIDGE_RAW (default) or _FRAMED */
    const char *endpoint;    /* a ZeroMQ endpoint: tcp://host:port, ipc://path; required */
    uint32_t bind;           /* MYL_BRIDGE_BIND_* */
    uint32_t hwm;            /* the window (hwm - 2 batches unacked) and ZeroMQ's marks, in batches
                                (docs/BRIDGE.md); default 16 */
    uint32_t batch;          /* events per batch at most; default 256 */
    int64_t reconnect_ns;    /* ZeroMQ reconnect interval and HELLO retry; default 100 ms */
    int64_t peer_timeout_ns; /* silence after which a session is given up; default 3 s */
    const char *consumer_id; /* exporter: its consumer id; default "bridge-export" */
    uint32_t start;          /* exporter, first registration: MYL_BRIDGE_START_* (default oldest) */
    uint32_t flags;          /* MYL_BRIDGE_UNREGISTER, MYL_BRIDGE_COPY, MYL_BRIDGE_NO_BEAT */
    /* The bridge's state object (counters; the importer's delivered
     * position): a shm label (shm rings) or a file path (file rings).
     * NULL: the ring's label or path with ".bridge-export" or
     * ".bridge-import" appended. */
    const char *state_name;
} myl_bridge_opts;

/* myl_bridge_opts.start */
#define MYL_BRIDGE_START_OLDEST 1u
#define MYL_BRIDGE_START_LIVE 2u
/* myl_bridge_opts.flags: myl_bridge_close() unregisters the exporter's
 * consumer. By default it stays registered, as after a crash (owned by no
 * process): the ring keeps (and its producer waits for) what the bridge
 * has not delivered, and the next exporter with the same consumer id, in
 * this process or another, resumes there. */
#define MYL_BRIDGE_UNREGISTER 0x1u
/* myl_bridge_opts.flags: an exporter on a gated ring with slots of
 * MYL_BRIDGE_ZC_MIN bytes or more hands the slots to ZeroMQ without
 * copying them (one frame per event, docs/BRIDGE.md, "Wire format");
 * this flag makes it copy them into one frame per batch instead, as it
 * does for smaller slots and lossy rings. */
#define MYL_BRIDGE_COPY 0x2u
/* myl_bridge_opts.flags: the exporter's consumer does not beat while it
 * waits (MYL_CONSUMER_NO_BEAT): a topology relay's home exporter, whose
 * entry stands for a remote member (myelon/topo_relay.h). */
#define MYL_BRIDGE_NO_BEAT 0x4u
#define MYL_BRIDGE_ZC_MIN 8192u

typedef struct myl_bridge myl_bridge;

/* Counters, also kept in the state object for other processes. */
typedef struct myl_bridge_stats {
    uint64_t messages;   /* export: events sent for the first time; import: published.
                            Framed rings: whole messages (frames flagged LAST) */
    uint64_t bytes;      /* payload bytes of those (framed: message data bytes) */
    uint64_t frames;     /* events (framed: frames) sent / published */
    uint64_t batches;    /* batches sent / received */
    uint64_t reconnects; /* sessions begun after the first */
    uint64_t drops;      /* events lost: lossy overruns (export) or gaps (import) */
    uint64_t replayed;   /* export: events sent again after a reconnect */
    uint64_t duplicates; /* import: events received again and not published */
    uint64_t bad;        /* messages from the network that did not decode */
    uint64_t refused;    /* handshakes refused */
    uint64_t position;   /* export: released (acknowledged) sequence; import: next expected */
    uint64_t skipped;    /* import: remote slots skipped (claimed by a producer that died
                            before publishing: never events) */
} myl_bridge_stats;

/* Open a bridge: 0 with *out set, or a negative code with *out NULL and
 * the reason on stderr (MYL_EINVAL: a NULL argument, no endpoint, or
 * options out of range; others: the socket, the consumer or producer,
 * the state object). */
MYL_API int myl_bridge_export_open(myl_ring *ring, const myl_bridge_opts *opts, myl_bridge **out);
/* The ring must be single-producer: the importer is its producer. */
MYL_API int myl_bridge_import_open(myl_ring *ring, const myl_bridge_opts *opts, myl_bridge **out);
/* Run for at most timeout_ns (MYL_FOREVER: until stopped or an error).
 * 0 on timeout or after myl_bridge_stop(); MYL_EFINGERPRINT,
 * MYL_ESLOTSIZE or MYL_EINVAL when a handshake was refused (by either
 * side: myl_bridge_error() says why); other negative codes on failure. */
MYL_API int myl_bridge_run(myl_bridge *b, int64_t timeout_ns);
/* One step, for a bridge driven by the application's own loop (the
 * in-process bridge: no process or thread of its own, so a message takes
 * no extra hop): does the work that is ready (acknowledgements,
 * handshakes, heartbeats, and sending what the ring holds or publishing
 * what arrived), waiting at most timeout_ns for some (0: never waits;
 * MYL_FOREVER: until something moves); returns as soon as a pass moved
 * events (an importer: after the first batch it published) or, an
 * exporter, released slots of its ring (acknowledged: room for a
 * producer that steps its own exporter while it waits). An importer
 * never waits past the deadline for room in its ring (its caller may be
 * the ring's reader): what does not fit of a batch is kept, and the next
 * step or run publishes it before it reads the socket again. Returns how
 * many events it sent (export, replays included) or published (import),
 * 0 if none, or an error as myl_bridge_run. Call it often enough for
 * heartbeats (a quarter of peer_timeout_ns) when idle. An exporter reads
 * acknowledgements once a millisecond while fewer than half its window
 * of batches and half its ring wait for them, at every step beyond; an
 * importer acknowledges what it published on its first step a
 * millisecond later (at once when the exporter asks, and on close), so
 * keep stepping an importer while its exporter's ring should drain. */
MYL_API int myl_bridge_step(myl_bridge *b, int64_t timeout_ns);
/* Make a running (or the next) myl_bridge_run return soon. Async-signal-safe. */
MYL_API void myl_bridge_stop(myl_bridge *b);
MYL_API void myl_bridge_stats_get(const myl_bridge *b, myl_bridge_stats *out);
/* The last refusal or failure, as text ("" if none). */
MYL_API const char *myl_bridge_error(const myl_bridge *b);
/* The state object's name (shm object name or file path). */
MYL_API const char *myl_bridge_state_name(const myl_bridge *b);
/* Read a bridge's counters from its state object, from any process of
 * the same user (a monitoring tool): backing is the ring's
 * (MYL_BACKING_SHM: name is a shm object name such as
 * myl_bridge_state_name() gives; MYL_BACKING_FILE: a path). *exporting
 * (if not NULL) says which side it is, *pid (if not NULL) the process
 * that last opened it. MYL_EBADMAGIC if it is not a bridge state. */
MYL_API int myl_bridge_stats_read(uint32_t backing, const char *name, myl_bridge_stats *out,
                                  bool *exporting, int32_t *pid);
/* Close the socket and the ring handles the bridge opened (not the ring). */
MYL_API void myl_bridge_close(myl_bridge *b);

/* Process-wide, for a process that bridges large messages: keep the
 * memory of freed messages in the C library's heap instead of handing
 * it back to the kernel (glibc: mallopt M_MMAP_THRESHOLD 32 MiB,
 * M_TRIM_THRESHOLD 1 GiB). ZeroMQ allocates every received message
 * larger than its 8 KiB batch buffer; with the default thresholds those
 * pages go back to the kernel and come back fresh, which on hosts where
 * a page's first use is dear (page tables shadowed by the hypervisor)
 * cost 1 MiB events about 40 % of their throughput (docs/BRIDGE.md,
 * "Performance"). The price: the process keeps what it once held.
 * myelon-bridge calls it; the library never does on its own. 0, or
 * -ENOTSUP where the C library has no such setting. */
MYL_API int myl_bridge_keep_memory(void);

#ifdef __cplusplus
}
#endif

#endif
