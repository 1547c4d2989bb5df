/* The byte layout of a myelon ring segment (layout version 2).
 *
 * A segment is one POSIX shared-memory object or one mmap'ed file. It is
 * shared by processes that do not trust each other's correctness: every
 * length, offset and index read from it is validated before use (see
 * myl__seg_validate() in runtime/src/segment.c).
 *
 *   offset 0                                                     (1024 bytes)
 *   +----------------------------------------------------------------------+
 *   | line 0  identity: magic, version, state, fingerprint, slot size,      |
 *   |         stride, capacity, producer/ring mode, wait, table sizes       |
 *   | line 1  offsets, total size, creator pid + start time, checksum       |
 *   | line 2  label (the name the segment was created under, for tools)     |
 *   | 192     schema description: offset, length, hash (0 if none)          |
 *   | 256     claim   : next sequence to claim      (own 128-byte pair)     |
 *   | 384     cursor  : next sequence to publish, SP (own 128-byte pair)    |
 *   | 512     consumer wake word + waiter count     (own 128-byte pair)     |
 *   | 640     producer wake word + waiter count     (own 128-byte pair)     |
 *   | 768     consumer generation (futex word) + registered count           |
 *   | 896     reserved                                                      |
 *   +----------------------------------------------------------------------+
 *   | producer table: max_producers x 128 bytes                            |
 *   +----------------------------------------------------------------------+
 *   | consumer table: max_consumers x 256 bytes; each entry's sequence      |
 *   | alone in the first 128 bytes, its identity and counters in the rest  |
 *   +----------------------------------------------------------------------+
 *   | schema description: schema_len bytes (myelon/compat.h), if any        |
 *   +----------------------------------------------------------------------+
 *   | padding to 4096                                                      |
 *   +----------------------------------------------------------------------+
 *   | slots: capacity x stride; each slot = 8-byte stamp + payload          |
 *   +----------------------------------------------------------------------+
 *
 * Slot stamps (the per-slot "available buffer" of the Disruptor, and the
 * word a consumer polls, like the length word of an Aeron record):
 *
 *   bit 63     CLAIM  a producer is writing this slot (lossy or MP rings)
 *   bit 62     SKIP   the slot's producer died; consumers skip it
 *   bits 56-61 owner  producer table index, with CLAIM
 *   bits 0-55  sequence + 1 (0 = never written)
 *
 * A slot is published for sequence s when its stamp is exactly s + 1.
 */
#ifndef MYELON_LAYOUT_H
#define MYELON_LAYOUT_H

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#include <atomic>
#define MYL__ATOMIC(T) std::atomic<T>
#else
#include <stdatomic.h>
#define MYL__ATOMIC(T) _Atomic(T)
#endif

#define MYL_LAYOUT_VERSION 2u
/* "MYELONR1" read as a little-endian u64. */
#define MYL_SEG_MAGIC UINT64_C(0x31524e4f4c45594d)

/* Header flags (the header's flags word; any other bit is corrupt). */
/* The ring's sleepers order their waiter announcement with
 * membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) (or never sleep on the
 * futex), so that publish and release in registered processes need no
 * fence (docs/ARCHITECTURE.md, "Wake-ups"). Set at creation, never
 * changed. */
#define MYL_HDR_ASYM_FENCE 0x1u

#define MYL_SEG_STATE_INIT 0u
#define MYL_SEG_STATE_READY 1u
#define MYL_SEG_STATE_SHUTDOWN 2u

#define MYL_STAMP_CLAIM (UINT64_C(1) << 63)
#define MYL_STAMP_SKIP (UINT64_C(1) << 62)
#define MYL_STAMP_OWNER_SHIFT 56
#define MYL_STAMP_OWNER_MASK UINT64_C(0x3f)
#define MYL_STAMP_SEQ_MASK ((UINT64_C(1) << 56) - 1)

#define MYL_ID_MAX 32 /* consumer id: up to 31 bytes and a NUL */
#define MYL_LABEL_MAX 64
#define MYL_MAX_PRODUCERS 64 /* the owner field has 6 bits */
#define MYL_MAX_CONSUMERS 1024
#define MYL_MAX_SLOT_SIZE (UINT32_C(1) << 26) /* 64 MiB */
#define MYL_MAX_CAPACITY (UINT64_C(1) << 32)
#define MYL_SEG_HEADER_SIZE 1024u
#define MYL_PRODUCER_ENTRY_SIZE 128u
#define MYL_CONSUMER_ENTRY_SIZE 256u
#define MYL_SLOTS_ALIGN 4096u

/* Entry states, for both tables. */
#define MYL_ENTRY_FREE 0u
#define MYL_ENTRY_CLAIMING 1u /* as reported by stats; in the table, see below */
#define MYL_ENTRY_ACTIVE 2u
#define MYL_ENTRY_EVICTED 3u
/* An entry being taken holds its claimant's pid in the state word itself,
 * set by the same CAS that takes it, so that an entry whose claimant was
 * killed mid-registration is recognised and given back (it would otherwise
 * stay CLAIMING for good: a frozen producer gate, a full producer table).
 *   bit 31     CLAIMING
 *   bit 30     RESUME: the claimant takes over an ACTIVE entry (its sequence
 *              or its claimed slots matter); given back, it is ACTIVE again
 *   bits 22-29 zero (any other value is not a state: left alone)
 *   bits 0-21  the claimant's pid (Linux's pid_max is at most 2^22) */
#define MYL_ENTRY_CLAIMING_BIT 0x80000000u
#define MYL_ENTRY_RESUME_BIT 0x40000000u
#define MYL_ENTRY_PID_MASK 0x003fffffu

typedef struct myl__seg_header {
    /* line 0: identity, written once by the creator before state */
    uint64_t magic;
    uint32_t layout_version;
    MYL__ATOMIC(uint32_t) state;
    uint64_t fingerprint;
    uint32_t slot_size;
    uint32_t slot_stride;
    uint64_t capacity;
    uint32_t producer_mode;
    uint32_t ring_mode;
    uint32_t wait;
    uint32_t max_consumers;
    uint32_t max_producers;
    uint32_t flags; /* MYL_HDR_* */
    /* line 1 */
    uint64_t total_size;
    uint64_t producers_offset;
    uint64_t consumers_offset;
    uint64_t slots_offset;
    int32_t creator_pid;
    uint32_t reserved0;
    uint64_t creator_start_time;
    uint64_t created_realtime_ns;
    uint64_t checksum; /* FNV-1a of bytes [0, 120) with state read as 0 */
    /* line 2 */
    char label[MYL_LABEL_MAX];
    /* 192: the carried type's description (myelon/compat.h), written once
     * by the creator before state; schema_offset is where the layout puts
     * it (after the consumer table) or 0 with schema_len 0 */
    uint64_t schema_offset;
    uint32_t schema_len;
    uint32_t schema_reserved;
    uint64_t schema_hash; /* myl_schema_hash() of the description */
    /* lines 4..: hot words, each pair of lines to itself */
    alignas(128) MYL__ATOMIC(uint64_t) claim;
    alignas(128) MYL__ATOMIC(uint64_t) cursor;
    alignas(128) MYL__ATOMIC(uint32_t) cons_wake;
    MYL__ATOMIC(uint32_t) cons_waiters;
    alignas(128) MYL__ATOMIC(uint32_t) prod_wake;
    MYL__ATOMIC(uint32_t) prod_waiters;
    alignas(128) MYL__ATOMIC(uint32_t) consumer_gen;
    MYL__ATOMIC(uint32_t) consumers_registered;
    /* Consumer registration lock (myl_consumer_open): 0, or its holder's
     * pid << 32 | the low 32 bits of its start time. Zero in segments
     * made before it (this was reserved), so the layout is unchanged. */
    alignas(128) MYL__ATOMIC(uint64_t) reg_lock;
    uint8_t reserved1[120];
} myl__seg_header;

typedef struct myl__producer_entry {
    MYL__ATOMIC(uint32_t) state;
    int32_t pid;
    uint64_t start_time;
    /* counters: written by the owning producer only (relaxed stores) */
    MYL__ATOMIC(uint64_t) published;
    MYL__ATOMIC(uint64_t) waits;
    MYL__ATOMIC(uint64_t) wakes;
    MYL__ATOMIC(uint64_t) heartbeat_ns;
    /* layer 1: the next message id, so that ids continue across the
     * producers that use this entry one after another */
    MYL__ATOMIC(uint64_t) next_msg_id;
    /* groups: the largest number of frames this producer saw in use */
    MYL__ATOMIC(uint64_t) high_water;
    /* the fingerprint of the schema this producer was built from (differs
     * from the header's when it attached as a compatible evolution; 0: not
     * known), written at registration (relaxed: read by tools only) */
    MYL__ATOMIC(uint64_t) schema_fp;
    uint8_t reserved[56];
} myl__producer_entry;

typedef struct myl__consumer_entry {
    /* next sequence this consumer will read: all below it are released */
    alignas(128) MYL__ATOMIC(uint64_t) seq;
    alignas(128) MYL__ATOMIC(uint32_t) state;
    int32_t pid;
    uint64_t start_time;
    char id[MYL_ID_MAX];
    /* counters: written by the owning consumer only (relaxed stores) */
    MYL__ATOMIC(uint64_t) consumed;
    MYL__ATOMIC(uint64_t) waits;
    MYL__ATOMIC(uint64_t) overruns;
    MYL__ATOMIC(uint64_t) lost;
    MYL__ATOMIC(uint64_t) skipped;
    MYL__ATOMIC(uint64_t) heartbeat_ns;
    /* layer 1 (framed rings): partial messages dropped, frames rejected */
    MYL__ATOMIC(uint64_t) dropped;
    MYL__ATOMIC(uint64_t) bad_frames;
    /* bumped by every registration that takes the entry, so that a stale
     * handle of an earlier registration (even in the same process) can
     * tell that the entry is no longer its own */
    MYL__ATOMIC(uint32_t) epoch;
    uint32_t reserved;
    /* as the producer entry's schema_fp */
    MYL__ATOMIC(uint64_t) schema_fp;
} myl__consumer_entry;

/* ---- topology control segments (topo.c; docs/ARCHITECTURE.md,
 * "Topologies") ----
 *
 * A topology instance's control segment is a ring segment as above (so
 * that creation, attach checks, stale detection and sweep are the rings'
 * own): fingerprint = the topology's, capacity 2, one single producer and
 * one consumer entry, neither ever used. Slot 0's payload holds the control
 * block at MYL_TOPO_CTL_OFFSET bytes from the slot's start (stamp and
 * padding before it, so that it is cache-line aligned):
 *
 *   0    header (512 bytes): identity and resolved counts, written once by
 *        the owner before the segment gets its name; checksummed
 *   384  hot words: shutdown flag, membership generation (futex word)
 *   512  role names: 16 x 32 bytes, NUL-padded (for tools)
 *   1024 routes: 64 x 96 bytes: name, roles, shape, ring count (for tools)
 *        (role names and routes: written with the header, checksummed in
 *        it through names_checksum)
 *   7168 member table: nmembers x 64 bytes, role by role (role 0 first),
 *        instance by instance
 */
/* "MYLTOPO1" read as a little-endian u64. */
#define MYL_TOPO_MAGIC UINT64_C(0x314f504f544c594d)
#define MYL_TOPO_ABI 2u         /* 2: role names, routes and rejected counters */
#define MYL_TOPO_CTL_OFFSET 64u /* from the start of slot 0 */
#define MYL_TOPO_CTL_HEADER_SIZE 512u
#define MYL_TOPO_MEMBER_SIZE 64u
#define MYL_TOPO_CTL_ROLES 16u  /* = MYL_TOPO_MAX_ROLES (topo.h) */
#define MYL_TOPO_CTL_ROUTES 64u /* = MYL_TOPO_MAX_ROUTES (topo.h) */
#define MYL_TOPO_CTL_NAME 64u
#define MYL_TOPO_ROLE_NAME 32u  /* a role name's bytes, NUL-padded */
#define MYL_TOPO_ROUTE_SIZE 96u /* a route entry */
#define MYL_TOPO_CTL_ROLES_OFFSET 512u
#define MYL_TOPO_CTL_ROUTES_OFFSET                                                                 \
    (MYL_TOPO_CTL_ROLES_OFFSET + MYL_TOPO_CTL_ROLES * MYL_TOPO_ROLE_NAME)
#define MYL_TOPO_CTL_MEMBERS_OFFSET                                                                \
    (MYL_TOPO_CTL_ROUTES_OFFSET + MYL_TOPO_CTL_ROUTES * MYL_TOPO_ROUTE_SIZE)

/* Member states. A member taking its entry holds its pid in the state word
 * (MYL_TOPO_JOINING_BIT | pid, one CAS) until it is ready, so that an entry
 * whose claimant was killed half-way is recognised and taken again. */
#define MYL_TOPO_MEMBER_FREE 0u
#define MYL_TOPO_MEMBER_JOINING 1u /* as reported; in the table, see above */
#define MYL_TOPO_MEMBER_UP 2u
#define MYL_TOPO_MEMBER_LEFT 3u
#define MYL_TOPO_MEMBER_DEAD 4u
#define MYL_TOPO_JOINING_BIT 0x80000000u
#define MYL_TOPO_PID_MASK 0x003fffffu

typedef struct myl__topo_ctl {
    /* identity, written once by the owner before the segment is published */
    uint64_t magic;
    uint32_t abi;
    uint32_t header_size; /* MYL_TOPO_CTL_HEADER_SIZE */
    uint64_t fingerprint; /* the topology's (also the ring header's) */
    uint32_t nroles;
    uint32_t nroutes;
    uint32_t nmembers;    /* sum of counts */
    uint32_t member_size; /* MYL_TOPO_MEMBER_SIZE */
    uint64_t total_size;  /* header + member table */
    int32_t owner_pid;
    uint32_t reserved0;
    uint64_t owner_start_time;
    char topology[MYL_TOPO_CTL_NAME]; /* "package.Topology", NUL-terminated */
    char instance[MYL_TOPO_CTL_NAME];
    uint32_t counts[MYL_TOPO_CTL_ROLES]; /* resolved instance counts per role */
    uint64_t created_realtime_ns;
    uint64_t names_checksum; /* FNV-1a of bytes [512, MYL_TOPO_CTL_MEMBERS_OFFSET) */
    uint32_t members_offset; /* MYL_TOPO_CTL_MEMBERS_OFFSET */
    uint32_t on_dead;        /* the owner's liveness.on_dead + 1; 0: not said */
    uint8_t reserved1[32];
    uint64_t checksum; /* FNV-1a of bytes [0, 312) */
    uint8_t reserved2[64];
    /* hot words, written after creation */
    alignas(64) MYL__ATOMIC(uint32_t) shutdown; /* 1: shut down gracefully */
    MYL__ATOMIC(uint32_t) members_gen;          /* bumped on ready/leave; futex word */
    uint8_t reserved3[120];
} myl__topo_ctl;

/* A route, for tools: its name and what myl_topo_route_desc says. */
typedef struct myl__topo_route {
    char name[MYL_TOPO_CTL_NAME]; /* NUL-padded */
    uint32_t from, to;            /* role indices */
    uint32_t shape;               /* MYL_ROUTE_* (topo.h) */
    uint32_t partition;           /* MYL_PART_* */
    uint32_t nrings;              /* in this instance */
    uint32_t width; /* rings per ring above: a group's count (lanes, size classes); 0 or 1: one */
    uint32_t reserved[2];
} myl__topo_route;

typedef struct myl__topo_member {
    MYL__ATOMIC(uint32_t) state; /* MYL_TOPO_MEMBER_* or JOINING_BIT | pid */
    MYL__ATOMIC(int32_t) pid;
    MYL__ATOMIC(uint64_t) start_time; /* /proc start time of pid */
    MYL__ATOMIC(uint64_t) heartbeat_ns;
    MYL__ATOMIC(uint32_t) epoch; /* bumped by every join: a restart is a new epoch */
    uint32_t role;               /* for tools; written by the owner at creation */
    uint32_t index;
    /* the last epoch that left gracefully (written by the member before its
     * LEFT, T1), so that a leave and a rejoin between two checks is told
     * from a death and a restart; 0: none (older instances wrote 0) */
    MYL__ATOMIC(uint32_t) left_epoch;
    MYL__ATOMIC(uint64_t) joined_ns;  /* CLOCK_MONOTONIC of the last join */
    MYL__ATOMIC(uint64_t) changed_ns; /* of the last state change */
    /* messages this member received and skipped because they failed
     * verification or decoding (written by the member, for tools) */
    MYL__ATOMIC(uint64_t) rejected;
} myl__topo_member;

typedef struct myl__slot {
    MYL__ATOMIC(uint64_t) stamp;
    /* payload follows: slot_size bytes, 8-aligned */
} myl__slot;

#ifdef __cplusplus
#define MYL__STATIC_ASSERT static_assert
#else
#define MYL__STATIC_ASSERT _Static_assert
#endif

MYL__STATIC_ASSERT(sizeof(MYL__ATOMIC(uint64_t)) == 8, "lock-free 64-bit atomics required");
MYL__STATIC_ASSERT(sizeof(myl__seg_header) == MYL_SEG_HEADER_SIZE, "header size");
MYL__STATIC_ASSERT(offsetof(myl__seg_header, state) == 12, "state offset");
MYL__STATIC_ASSERT(offsetof(myl__seg_header, fingerprint) == 16, "fingerprint offset");
MYL__STATIC_ASSERT(offsetof(myl__seg_header, slot_size) == 24, "slot_size offset");
MYL__STATIC_ASSERT(offsetof(myl__seg_header, capacity) == 32, "capacity offset");
MYL__STATIC_ASSERT(offsetof(myl__seg_header, flags) == 60, "flags offset");
MYL__STATIC_ASSERT(offsetof(myl__seg_header, total_size) == 64, "total_size offset");
MYL__STATIC_ASSERT(offsetof(myl__seg_header, creator_pid) == 96, "creator_pid offset");
MYL__STATIC_ASSERT(offsetof(myl__seg_header, checksum) == 120, "checksum offset");
MYL__STATIC_ASSERT(offsetof(myl__seg_header, label) == 128, "label offset");
MYL__STATIC_ASSERT(offsetof(myl__seg_header, schema_offset) == 192, "schema_offset offset");
MYL__STATIC_ASSERT(offsetof(myl__seg_header, schema_hash) == 208, "schema_hash offset");
MYL__STATIC_ASSERT(offsetof(myl__seg_header, claim) == 256, "claim offset");
MYL__STATIC_ASSERT(offsetof(myl__seg_header, cursor) == 384, "cursor offset");
MYL__STATIC_ASSERT(offsetof(myl__seg_header, cons_wake) == 512, "cons_wake offset");
MYL__STATIC_ASSERT(offsetof(myl__seg_header, prod_wake) == 640, "prod_wake offset");
MYL__STATIC_ASSERT(offsetof(myl__seg_header, consumer_gen) == 768, "consumer_gen offset");
MYL__STATIC_ASSERT(sizeof(myl__producer_entry) == MYL_PRODUCER_ENTRY_SIZE, "producer entry size");
MYL__STATIC_ASSERT(offsetof(myl__producer_entry, published) == 16, "published offset");
MYL__STATIC_ASSERT(offsetof(myl__producer_entry, next_msg_id) == 48, "next_msg_id offset");
MYL__STATIC_ASSERT(sizeof(myl__consumer_entry) == MYL_CONSUMER_ENTRY_SIZE, "consumer entry size");
MYL__STATIC_ASSERT(offsetof(myl__consumer_entry, state) == 128, "consumer state offset");
MYL__STATIC_ASSERT(offsetof(myl__consumer_entry, id) == 144, "consumer id offset");
MYL__STATIC_ASSERT(offsetof(myl__consumer_entry, consumed) == 176, "consumed offset");
MYL__STATIC_ASSERT(offsetof(myl__consumer_entry, dropped) == 224, "dropped offset");
MYL__STATIC_ASSERT(offsetof(myl__consumer_entry, schema_fp) == 248, "consumer schema_fp offset");
MYL__STATIC_ASSERT(offsetof(myl__producer_entry, schema_fp) == 64, "producer schema_fp offset");
MYL__STATIC_ASSERT(sizeof(myl__slot) == 8, "slot stamp size");
MYL__STATIC_ASSERT(sizeof(myl__topo_ctl) == MYL_TOPO_CTL_HEADER_SIZE, "topology header size");
MYL__STATIC_ASSERT(offsetof(myl__topo_ctl, fingerprint) == 16, "topology fingerprint offset");
MYL__STATIC_ASSERT(offsetof(myl__topo_ctl, owner_pid) == 48, "topology owner offset");
MYL__STATIC_ASSERT(offsetof(myl__topo_ctl, topology) == 64, "topology name offset");
MYL__STATIC_ASSERT(offsetof(myl__topo_ctl, instance) == 128, "topology instance offset");
MYL__STATIC_ASSERT(offsetof(myl__topo_ctl, counts) == 192, "topology counts offset");
MYL__STATIC_ASSERT(offsetof(myl__topo_ctl, checksum) == 312, "topology checksum offset");
MYL__STATIC_ASSERT(offsetof(myl__topo_ctl, shutdown) == 384, "topology shutdown offset");
MYL__STATIC_ASSERT(offsetof(myl__topo_ctl, names_checksum) == 264, "topology names checksum");
MYL__STATIC_ASSERT(offsetof(myl__topo_ctl, members_offset) == 272, "topology members offset");
MYL__STATIC_ASSERT(offsetof(myl__topo_ctl, on_dead) == 276, "topology on_dead offset");
MYL__STATIC_ASSERT(sizeof(myl__topo_route) == MYL_TOPO_ROUTE_SIZE, "route entry size");
MYL__STATIC_ASSERT(MYL_TOPO_CTL_MEMBERS_OFFSET == 7168, "topology member table offset");
MYL__STATIC_ASSERT(sizeof(myl__topo_member) == MYL_TOPO_MEMBER_SIZE, "member entry size");
MYL__STATIC_ASSERT(offsetof(myl__topo_member, rejected) == 56, "member rejected offset");
MYL__STATIC_ASSERT(offsetof(myl__topo_member, heartbeat_ns) == 16, "member heartbeat offset");
MYL__STATIC_ASSERT(offsetof(myl__topo_member, epoch) == 24, "member epoch offset");
MYL__STATIC_ASSERT(offsetof(myl__topo_member, joined_ns) == 40, "member joined offset");

#endif
