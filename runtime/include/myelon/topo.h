/* Topologies: roles, routes, their rings, membership and liveness.
 *
 * A topology (a schema's `topology Fabric { ... }`) names roles (a
 * scheduler, N workers) and routes between them (scheduler -> workers :
 * requests). At run time one *instance* of it (a job id) is a control
 * segment holding the member table, plus the rings of every route, all named
 * from the instance name under an operator-set prefix. myelonc emits a
 * constant myl_topo_desc per topology and typed endpoints on top of this
 * API; hand-written code can use it directly.
 *
 * Who creates what: the *owner* role (role 0, exactly one instance: the
 * scheduler) creates the control segment and every ring, and unlinks them on
 * close. Other members attach, waiting up to the startup wait. Members join
 * the member table (pid, start time, heartbeat), and leave it on close; a
 * member that dies, stalls or leaves is reported to the owner as an event,
 * and its consumer entries in the rings it reads are evicted (by policy) so
 * that nothing blocks on it. A restarted member with the same index rejoins.
 *
 * Nothing here runs on the fast path: the ring hot paths stay as they are;
 * the checks run inside the endpoint's waits and in myl_topo_poll.
 */
#ifndef MYELON_TOPO_H
#define MYELON_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "myelon/channel.h"
#include "myelon/export.h"
#include "myelon/group.h"
#include "myelon/ring.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MYL_TOPO_MAX_ROLES 16u
#define MYL_TOPO_MAX_ROUTES 64u
#define MYL_TOPO_MAX_INSTANCES 1024u /* per role */
#define MYL_TOPO_NAME_MAX 64u        /* instance name and prefix, with the NUL */
#define MYL_TOPO_ROLE_NAME_MAX 24u   /* "<role>.<index>" is a consumer id */
/* Rings of one instance, over all routes: a direct route between two roles
 * of many instances has count(from) x count(to) of them. More: MYL_ERANGE. */
#define MYL_TOPO_MAX_RINGS 4096u
/* Re-dispatch memory (cfg.track): at most this many unanswered messages
 * (cfg.track = 1: the default; n > 1: n, up to MYL_TOPO_TRACK_MAX) and
 * this many bytes of copies in all; beyond, myl_topo_track gives
 * MYL_EFULL until answers come back. */
#define MYL_TOPO_TRACK_DEFAULT 4096u
#define MYL_TOPO_TRACK_MAX (1u << 20)
#define MYL_TOPO_TRACK_BYTES (64u << 20)

/* Route shapes. */
#define MYL_ROUTE_DIRECT                                                                           \
    0u                         /* one ring per (source, destination) instance pair:                \
                                  one per source when the destination has one */
#define MYL_ROUTE_BROADCAST 1u /* one ring per source instance, read by every destination */
#define MYL_ROUTE_SHARED                                                                           \
    2u                           /* one multi-producer ring: every source writes, every            \
                                    destination reads */
#define MYL_ROUTE_PARTITIONED 3u /* one ring per pair; one send call picks the destination */

/* How a partitioned route picks the destination. */
#define MYL_PART_ROUND_ROBIN 0u
#define MYL_PART_HASH 1u         /* by a key's hash (the caller hashes: myl_topo_pick) */
#define MYL_PART_LEAST_LOADED 2u /* fewest unanswered (tracked) or queued messages */

typedef struct myl_topo_role_desc {
    const char *name; /* [a-z_][a-z0-9_]*: part of member ids and env names */
    uint32_t count;   /* default instance count */
    uint32_t min;     /* run-time bounds of the count (1 <= min <= count <= max) */
    uint32_t max;
} myl_topo_role_desc;

typedef struct myl_topo_route_desc {
    const char *name;                /* unique in the topology; part of ring names */
    uint32_t from, to;               /* role indices */
    uint32_t shape;                  /* MYL_ROUTE_* */
    uint32_t partition;              /* MYL_PART_*, for MYL_ROUTE_PARTITIONED */
    const myl_channel_desc *channel; /* ring settings (one ring per channel) */
    /* A route over lanes or size classes: NULL for one ring, else each of
     * the route's rings above is a group of group->count rings (frame
     * sizes, lanes and settings from it; channel is then unused and may be
     * NULL; group->name is unused: the rings are named from the instance). */
    const myl_group_opts *group;
} myl_topo_route_desc;

typedef struct myl_topo_desc {
    const char *name;     /* "package.Topology" */
    uint64_t fingerprint; /* of roles, routes and channels; members must agree */
    uint32_t nroles;
    uint32_t nroutes;
    const myl_topo_role_desc *roles;
    const myl_topo_route_desc *routes;
} myl_topo_desc;

/* Events a member (the owner, usually) is told about. */
#define MYL_TOPO_EV_JOINED 1u  /* a member joined (or rejoined after a restart) */
#define MYL_TOPO_EV_DEAD 2u    /* its process died: kill -9, crash, zombie */
#define MYL_TOPO_EV_STALLED 3u /* alive, but no progress past the progress timeout */
#define MYL_TOPO_EV_LEFT 4u    /* it left gracefully (myl_topo_close) */
#define MYL_TOPO_EV_RESUMED 5u /* a stalled member made progress again */

typedef struct myl_topo_event {
    uint32_t kind;  /* MYL_TOPO_EV_* */
    uint32_t role;  /* role index */
    uint32_t index; /* instance index */
    int32_t pid;    /* the member's process */
    uint64_t at_ns; /* CLOCK_MONOTONIC when it was detected */
} myl_topo_event;

/* What happens to a member that died or stalled (after the grace period). */
#define MYL_LIVE_EVICT 0u    /* default: evict its ring entries, report the event, go on */
#define MYL_LIVE_ERROR 1u    /* report, and the endpoint's calls return MYL_EPEERDEAD */
#define MYL_LIVE_SHUTDOWN 2u /* report and shut the whole instance down gracefully */
#define MYL_LIVE_IGNORE 3u   /* report only */

typedef void (*myl_topo_alert_fn)(void *arg, const myl_topo_event *ev);

typedef struct myl_liveness {
    /* Roles (bit i = role i) all of whose instances must have joined before
     * myl_topo_wait_ready returns; 0 = every role. */
    uint32_t required_roles;
    int64_t startup_wait_ns;     /* attach and wait_ready; default 10 s */
    int64_t progress_timeout_ns; /* stalled after this long; default 2 s */
    int64_t check_interval_ns;   /* checks while waiting or polling; default 10 ms */
    int64_t grace_ns;            /* dead or stalled this long before the action; default 0 */
    uint32_t on_dead;            /* MYL_LIVE_*; default evict */
    uint32_t on_stall;           /* MYL_LIVE_*; default evict */
    myl_topo_alert_fn alert;     /* called for every event, in the detecting process */
    void *alert_arg;
} myl_liveness;

typedef struct myl_topo_cfg {
    uint32_t size;        /* sizeof(myl_topo_cfg), or 0 */
    uint32_t backing;     /* of the control segment: MYL_BACKING_SHM (default) or _FILE */
    const char *instance; /* [A-Za-z0-9_-]{1,63}; NULL: $MYELON_INSTANCE, else "default" */
    const char *prefix;   /* segment name prefix (a directory for files); NULL:
                             $MYELON_PREFIX, else "" (shm) or "/tmp/" (files) */
    /* Instance counts per role; 0: $MYELON_<TOPOLOGY>_<ROLE> (upper case,
     * e.g. MYELON_FABRIC_WORKERS=8), else the schema's default. Out of the
     * role's bounds: MYL_ERANGE. Only the owner's counts matter: the others
     * read them from the control segment. */
    uint32_t counts[MYL_TOPO_MAX_ROLES];
    /* Keep unanswered messages for re-dispatch: 0 off, 1 on with room for
     * MYL_TOPO_TRACK_DEFAULT of them, n > 1 room for n (see above). */
    uint32_t track;
    myl_liveness liveness;
} myl_topo_cfg;

/* Opaque. A handle is used by one thread at a time; one process may hold
 * several (of different members). */
typedef struct myl_topo myl_topo;

/* Defaults for every field. */
MYL_API void myl_topo_cfg_init(myl_topo_cfg *cfg);

/* Join the instance as member (role, index). The owner (role 0) creates the
 * control segment and every ring; the others attach, waiting up to the
 * startup wait. Errors: MYL_EINVAL (bad desc, role or index), MYL_ERANGE
 * (count out of bounds), MYL_EFINGERPRINT (the instance was made from
 * another schema), MYL_EEXIST (that member is alive already), MYL_ETIMEDOUT.
 * An owner restarted after its predecessor died takes the instance's names
 * over even while members of the old one still run; they see the owner
 * dead (MYL_EPEERDEAD) and reopen into the new one. */
MYL_API int myl_topo_open(const myl_topo_desc *desc, const myl_topo_cfg *cfg, uint32_t role,
                          uint32_t index, myl_topo **out);
/* What a running instance's control segment says, read without joining
 * it (relays, tools): its counts, its owner's process and when it was
 * created (which tells one incarnation of the instance from the next). */
typedef struct myl_topo_info {
    uint32_t counts[MYL_TOPO_MAX_ROLES];
    int32_t owner_pid;
    uint64_t created_ns; /* CLOCK_REALTIME */
    /* The owner's liveness.on_dead (MYL_LIVE_*), UINT32_MAX if it does not
     * say: whether it evicts a dead member's entries (a relay's stand-ins
     * wait for that before they go). */
    uint32_t on_dead;
} myl_topo_info;
/* Attach the instance's control segment (cfg: instance, prefix, backing;
 * no wait), check it as a member would, fill *out and detach. 0;
 * MYL_EPEERDEAD if its owner is dead, MYL_ECLOSED if it was shut down, or
 * an attach or validation error (MYL_ENOENT-like codes: no instance yet). */
MYL_API int myl_topo_peek(const myl_topo_desc *desc, const myl_topo_cfg *cfg, myl_topo_info *out);
/* One member's entry, as myl_topo_peek_members reads it. */
typedef struct myl_topo_member_info {
    /* MYL_TOPO_MEMBER_* (layout.h): FREE, JOINING, UP, LEFT or DEAD; an UP
     * entry whose process is gone reads DEAD (its owner has not looked
     * yet), an entry that is no state reads FREE */
    uint32_t state;
    uint32_t epoch;        /* its incarnation: every join bumps it */
    uint64_t heartbeat_ns; /* CLOCK_MONOTONIC of this host; compare with earlier reads only */
} myl_topo_member_info;
/* myl_topo_peek, and the member table: members[k] for the first cap
 * members in table order (role 0's, then role 1's, ...: member (role, i)
 * is k = i + the counts of the roles before role). A relay reports home
 * members to a remote site this way (docs/BRIDGE.md, "Topologies across
 * hosts"). */
MYL_API int myl_topo_peek_members(const myl_topo_desc *desc, const myl_topo_cfg *cfg,
                                  myl_topo_info *out, myl_topo_member_info *members, uint32_t cap);
/* Leave gracefully (peers see MYL_TOPO_EV_LEFT); the owner also shuts the
 * instance down (myl_topo_shutdown) and unlinks its segments. */
MYL_API void myl_topo_close(myl_topo *t);

/* Instance count of a role in this instance; 0 for a bad role. */
MYL_API uint32_t myl_topo_count(const myl_topo *t, uint32_t role);
MYL_API uint32_t myl_topo_role(const myl_topo *t);
MYL_API uint32_t myl_topo_index(const myl_topo *t);

/* Rings. A route's rings are numbered 0..myl_topo_route_rings-1:
 * broadcast: by source; shared: one; direct and partitioned: source *
 * count(to) + destination (by source when the destination has one
 * instance). myl_topo_ring gives this member's handle (borrowed, valid until
 * close) of ring (src, dst), or NULL when it does not use that ring (the
 * owner holds every ring). Each ring is made from its route's channel
 * descriptor (myl_channel_ring_opts) with the instance's backing (cfg),
 * max_consumers = the destination role's max (2 for a pair ring: its
 * reader and a restarted one), and, for shared routes, MYL_PRODUCERS_MULTI
 * with max_producers = the source role's max (at most MYL_MAX_PRODUCERS).
 * Readers register under myl_topo_member_id; the owner evicts those ids. */
MYL_API uint32_t myl_topo_route_rings(const myl_topo *t, uint32_t route);
MYL_API uint32_t myl_topo_ring_index(const myl_topo *t, uint32_t route, uint32_t src, uint32_t dst);
MYL_API myl_ring *myl_topo_ring(const myl_topo *t, uint32_t route, uint32_t ring);
/* Routes over lanes or size classes (desc->group): ring (src, dst) is a
 * group of myl_topo_route_width() rings (1 on other routes), ring i of it
 * named <ring's name>.<lane> or .f<frame size>, as myl_group_ring_name()
 * names a group's rings; myl_topo_ring() gives its ring 0,
 * myl_topo_group_ring() its ring i. myl_topo_group() fills *out (kind,
 * count, thresholds, max_message as myl_group_attach() would) with this
 * member's handles of the group's rings, for myl_group_sender_open() and
 * myl_group_receiver_open(): the rings stay the topology's (never
 * myl_group_close() it; *out must outlive the sender or receiver).
 * MYL_EINVAL for a route of one ring or a ring this member does not use. */
MYL_API uint32_t myl_topo_route_width(const myl_topo *t, uint32_t route);
MYL_API myl_ring *myl_topo_group_ring(const myl_topo *t, uint32_t route, uint32_t ring, uint32_t i);
MYL_API int myl_topo_group(const myl_topo *t, uint32_t route, uint32_t ring, myl_group *out);
/* The segment name of a ring: <prefix><instance>.<topology>.<route>.<ring>;
 * of the control segment with route = UINT32_MAX: <prefix><instance>.<topology>. */
MYL_API int myl_topo_segment_name(const myl_topo *t, uint32_t route, uint32_t ring, char *out,
                                  size_t cap);
/* The consumer id a member registers under in the rings it reads:
 * "<role>.<index>". */
MYL_API int myl_topo_member_id(const myl_topo *t, uint32_t role, uint32_t index, char *out,
                               size_t cap);

/* Mark this member up (its senders and receivers are open): the owner
 * reports it JOINED from then on. MYL_EEVICTED if the entry is no longer
 * ours (the owner found us dead, or a restarted us took it). */
MYL_API int myl_topo_ready(myl_topo *t);
/* Mark this member's own entry DEAD (as the owner marks a member whose
 * process died) or LEFT (as myl_topo_close does), keeping the handle and
 * its rings open. For a stand-in member: a relay that holds a member's
 * handle for a process on another host (libmyelon_bridge, docs/BRIDGE.md,
 * "Topologies across hosts") reports that process's death or leave this
 * way, and keeps the rings to see the owner act on it: the owner reports
 * MYL_TOPO_EV_DEAD (then applies on_dead) or MYL_TOPO_EV_LEFT, and evicts
 * the ring entries under the member's id from this process. Close the
 * handle after; a later incarnation opens anew. The owner may mark itself
 * DEAD (a relay owning a remote site whose home owner is gone): the other
 * members then see the owner dead (MYL_TOPO_EV_DEAD, MYL_EPEERDEAD), and
 * one that reopens waits for a new instance, as when an owner dies.
 * state: MYL_TOPO_MEMBER_DEAD or _LEFT (layout.h). MYL_EINVAL for another
 * state, or LEFT for the owner (close it); MYL_EEVICTED if the entry is no
 * longer ours. */
MYL_API int myl_topo_mark(myl_topo *t, uint32_t state);
/* Wait until every required member (liveness.required_roles, other than
 * the caller) is up: 0, MYL_ETIMEDOUT, MYL_ECLOSED if the instance was
 * shut down, or (a member's, unless on_dead is MYL_LIVE_IGNORE)
 * MYL_EPEERDEAD once the owner is dead: the instance is stale (a
 * restarted owner makes a new one, which members join), so the member
 * closes and opens again. Runs the checks meanwhile (the owner's JOINED
 * events). */
MYL_API int myl_topo_wait_ready(myl_topo *t, int64_t timeout_ns);
/* A member's state in the member table: MYL_TOPO_MEMBER_* (layout.h), or
 * MYL_EINVAL / MYL_ECORRUPT. For tools and tests; reads shared memory. */
MYL_API int myl_topo_member_state(const myl_topo *t, uint32_t role, uint32_t index);

/* Liveness. myl_topo_beat stores a heartbeat (no system call); the
 * endpoint's waits beat on their own, so only a handler that runs longer
 * than the progress timeout needs it. myl_topo_poll runs the checks now and
 * returns up to max pending events (>= 0) or an error; the waits also run
 * them every check interval and queue the events. */
MYL_API void myl_topo_beat(myl_topo *t);
/* When no event is pending, poll returns what myl_topo_check would. */
MYL_API int myl_topo_poll(myl_topo *t, myl_topo_event *ev, uint32_t max);
/* Owner: the member is up, not found dead, stalled or gone by the last
 * check (no system call). Others: its table entry says up. The caller
 * itself is always alive. */
MYL_API bool myl_topo_is_alive(const myl_topo *t, uint32_t role, uint32_t index);
/* CLOCK_MONOTONIC of the member's last heartbeat or progress; 0 if never. */
MYL_API uint64_t myl_topo_last_seen(const myl_topo *t, uint32_t role, uint32_t index);
/* For endpoints' wait loops (call it when idle: it reports a shutdown at
 * once): run the checks if the interval has passed, and store this
 * member's heartbeat then. The owner checks every member; the others
 * check the owner (its death is a DEAD event for role 0, and MYL_EPEERDEAD
 * unless on_dead is ignore; its leave is a LEFT event and a shutdown).
 * Returns MYL_EPEERDEAD (on_dead or on_stall = error, until that member
 * rejoins or resumes), MYL_ECLOSED (shut down) or 0. */
MYL_API int myl_topo_check(myl_topo *t);

/* Messages received and skipped because they failed verification
 * (FlatBuffers) or decoding (compact): the generated _poll calls
 * myl_topo_reject for each, which counts it here and in this member's
 * table entry (myelon-stat's "rejected"; reset when the member joins).
 * Only on that failure: no cost on the fast path. */
MYL_API void myl_topo_reject(myl_topo *t);
MYL_API uint64_t myl_topo_rejected(const myl_topo *t);

/* Shut the instance down gracefully: the control segment says so (every
 * member's next check returns MYL_ECLOSED) and every ring the caller holds
 * is shut down (ring waits return MYL_ECLOSED once their input is
 * drained). */
MYL_API int myl_topo_shutdown(myl_topo *t);
MYL_API bool myl_topo_is_shut(const myl_topo *t);

/* Partitioned routes: the destination for the next message from this
 * member (key: the key's hash for MYL_PART_HASH, else ignored). Skips
 * destinations that are not up; MYL_EPEERDEAD when none is. */
MYL_API int myl_topo_pick(myl_topo *t, uint32_t route, uint64_t key);

/* A string partitioning key as an integer one (`partitioned hash F` with F
 * a string or char[N] field): 64-bit FNV-1a of its n bytes. Deterministic
 * across processes, builds and machines (no seed), so that one key always
 * goes to the same destination of a given count. The generated code mixes
 * it further, as it does an integer key. p may be NULL when n is 0. */
static inline uint64_t myl_topo_hash_bytes(const void *p, size_t n)
{
    const unsigned char *b = (const unsigned char *)p;
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

/* The same of a char[cap] field: its bytes before the first NUL (all cap
 * of them when there is none), so that "abc" in a char[8] and the string
 * "abc" hash alike. */
static inline uint64_t myl_topo_hash_chars(const char *s, size_t cap)
{
    size_t n = 0;
    while (n < cap && s[n])
        n++;
    return myl_topo_hash_bytes(s, n);
}

/* Re-dispatch (cfg.track): the owner keeps a copy of each message sent to a
 * destination until the answer with the same id comes back. When a member
 * dies, myl_topo_redispatch hands each of its unanswered messages to fn
 * (which sends it elsewhere, say) and forgets those for which fn returns 0. */
typedef int (*myl_topo_resend_fn)(void *arg, uint64_t id, const void *msg, size_t len);
/* Tracking an id that is tracked already moves it to the new destination
 * (a re-dispatch): fn may call myl_topo_track itself. MYL_EFULL past the
 * limits above; MYL_EINVAL when tracking is off. */
MYL_API int myl_topo_track(myl_topo *t, uint32_t role, uint32_t index, uint64_t id, const void *msg,
                           size_t len);
/* The same, with the partitioning key the message was sent with (a hash
 * route's key before the mixing): a re-dispatch picks its new destination
 * by it, so one key's messages go on to one destination. */
MYL_API int myl_topo_track_key(myl_topo *t, uint32_t role, uint32_t index, uint64_t id,
                               uint64_t key, const void *msg, size_t len);
/* Inside a resend fn: the key its message was tracked with (0 outside, or
 * when tracked without one). */
MYL_API uint64_t myl_topo_resend_key(const myl_topo *t);
/* 1 if id was unanswered (it is forgotten now), 0 if not: a second answer
 * to a re-dispatched message, which the caller should drop. */
MYL_API int myl_topo_answered(myl_topo *t, uint64_t id);
MYL_API uint32_t myl_topo_outstanding(const myl_topo *t, uint32_t role, uint32_t index);
/* Only messages sent to an incarnation of the member that is not up now
 * (it died, stalled or left; a restarted member's own are left alone),
 * handed to fn in the order they were first sent (an order a message
 * re-dispatched before keeps). Returns how many messages fn took (returned 0 for), or fn's first
 * error if it took none; those it refused stay tracked as they were. After fn returns MYL_ETIMEDOUT
 * the call returns, the rest left for the next one: a call waits for at most one of fn's timeouts.
 */
MYL_API int myl_topo_redispatch(myl_topo *t, uint32_t role, uint32_t index, myl_topo_resend_fn fn,
                                void *arg);

#ifdef __cplusplus
}
#endif

#endif
