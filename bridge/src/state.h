/* The bridge's state object (docs/BRIDGE.md, "The state object"): one
 * page of shared memory per bridge side, written by the bridge
 * (bridge.c) and read by monitoring tools (tools/stat.c, which does not
 * link libmyelon_bridge: libzmq stays out of myelon-stat and
 * libmyelon_health). Internal: the layout is what docs/BRIDGE.md
 * documents, checked by the assertions below. */
#ifndef MYELON_BRIDGE_STATE_H
#define MYELON_BRIDGE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "myelon/myelon.h"

#define MYL__BR_STATE_MAGIC UINT64_C(0x3145544154534c4d) /* "MLSTATE1" */
#define MYL__BR_STATE_VERSION 1u
#define MYL__BR_STATE_SIZE 4096u
#define MYL__BR_NCOUNTERS 12
#define MYL__BR_RING_NAME 256
#define MYL__BR_PEER_MAX 255 /* ZeroMQ's longest routing id */
#define MYL__BR_ROLE_EXPORT 1u
#define MYL__BR_ROLE_IMPORT 2u
/* The default state object names: the ring's name (shm object name or
 * path) with one of these appended. */
#define MYL__BR_SUFFIX_EXPORT ".bridge-export"
#define MYL__BR_SUFFIX_IMPORT ".bridge-import"

typedef struct myl__br_state_map {
    uint64_t stream; /* the exporter ring's identity */
    uint64_t delta;  /* remote sequence = local sequence + delta (mod 2^64) */
    uint64_t local;  /* the importer ring's identity the mapping holds for */
} myl__br_state_map;

typedef struct myl__br_state {
    uint64_t magic; /* written last on creation */
    uint32_t version;
    uint32_t role;
    int32_t pid;
    uint32_t kind;
    uint64_t fingerprint;
    /* importer: which of map[] is current (1 or 2; 0 = none). The other
     * one is written first, then this flips: a kill -9 anywhere leaves one
     * whole mapping. */
    MYL__ATOMIC(uint32_t) sel;
    uint32_t reserved;
    myl__br_state_map map[2];
    /* the counters of myl_bridge_stats, in its order; written by the
     * bridge only (relaxed), read by anyone */
    MYL__ATOMIC(uint64_t) counter[MYL__BR_NCOUNTERS];
    /* The bridged ring's name (shm object name or path), NUL-padded,
     * written at every open, so that a state object under another name
     * (--state) is still found by its ring. All zero in objects written
     * before it existed. */
    char ring[MYL__BR_RING_NAME];
    /* A ZeroMQ routing id (peer_len 0: none): the exporter's last
     * session's importer's, which a restarted exporter serves before
     * another; the importer's own, kept across its restarts */
    uint32_t peer_len;
    uint8_t peer[MYL__BR_PEER_MAX];
} myl__br_state;

MYL__STATIC_ASSERT(sizeof(myl__br_state) <= MYL__BR_STATE_SIZE, "state fits its page");
/* The layout docs/BRIDGE.md documents for other readers. */
MYL__STATIC_ASSERT(offsetof(myl__br_state, pid) == 16, "pid offset");
MYL__STATIC_ASSERT(offsetof(myl__br_state, sel) == 32, "selector offset");
MYL__STATIC_ASSERT(offsetof(myl__br_state, map) == 40, "mappings offset");
MYL__STATIC_ASSERT(offsetof(myl__br_state, counter) == 88, "counters offset");
MYL__STATIC_ASSERT(offsetof(myl__br_state, ring) == 184, "ring name offset");
MYL__STATIC_ASSERT(offsetof(myl__br_state, peer_len) == 440, "peer offset");

/* Indices of counter[], in the order of myl_bridge_stats. */
enum {
    MYL__BR_C_MESSAGES,
    MYL__BR_C_BYTES,
    MYL__BR_C_FRAMES,
    MYL__BR_C_BATCHES,
    MYL__BR_C_RECONNECTS,
    MYL__BR_C_DROPS,
    MYL__BR_C_REPLAYED,
    MYL__BR_C_DUPLICATES,
    MYL__BR_C_BAD,
    MYL__BR_C_REFUSED,
    MYL__BR_C_POSITION,
    MYL__BR_C_SKIPPED
};

#endif
