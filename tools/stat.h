/* The stats module of myelon-stat and libmyelon_health (module mst_*): a
 * snapshot of one ring (header counters, producer and consumer tables)
 * read from a read-only mapping, its three renderings (table, JSON,
 * Prometheus text), and the lookup of rings by name, group or prefix. Everything is
 * read from shared memory that another process may write: snapshots copy
 * and bound what they read, and ids are reduced to printable ASCII. */
#ifndef MYELON_TOOLS_STAT_H
#define MYELON_TOOLS_STAT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "myelon/myelon.h"

typedef struct mst_producer {
    uint32_t idx;
    myl_producer_stats s;
} mst_producer;

typedef struct mst_consumer {
    uint32_t idx;
    myl_consumer_stats s; /* s.id printable ASCII */
    uint64_t lag;         /* claimed sequences not yet released */
} mst_consumer;

/* A topology's control segment, in brief. */
typedef struct mst_topo {
    int status; /* 0 read; 1 another layout version (abi); 2 inconsistent */
    uint32_t abi;
    char topology[65], instance[65]; /* printable ASCII */
    int32_t owner_pid;
    bool shutdown;
    uint32_t nroles, nroutes, nmembers, up; /* up: members in state "up" */
} mst_topo;

/* A bridge side of the ring (docs/BRIDGE.md): its state object, found
 * under the default name (the ring's name with ".bridge-export" or
 * ".bridge-import" appended), copied and checked. */
typedef struct mst_bridge {
    bool exporting;
    int32_t pid;
    bool alive;
    uint32_t kind; /* 1 raw, 2 framed (as the state says; anything else shown as "?") */
    uint64_t fingerprint;
    uint64_t c[12];    /* the counters, in the order of myl_bridge_stats */
    char state[300];   /* the state object's name */
    char ring[256];    /* the bridged ring's name, as the state says ("" if it does not) */
    uint64_t dev, ino; /* the state object's file: two names of one file are one side */
} mst_bridge;

#define MST_MAX_BRIDGES 4

typedef struct mst_ring {
    char name[256];
    double t; /* CLOCK_MONOTONIC seconds when taken */
    myl_ring_stats s;
    uint32_t wait; /* the ring's MYL_WAIT_* */
    bool asym;     /* asymmetric wake fences: a sleeper issues membarrier */
    uint32_t producers_registered, producers_alive;
    uint32_t consumers_registered, consumers_alive;
    uint32_t nprod, ncons;
    mst_producer *prod;
    mst_consumer *cons;
    char *topology; /* a topology's control segment: its member table, or NULL */
    bool has_ctl;   /* a topology's control segment: ctl summarises it */
    mst_topo ctl;
    uint32_t nbridge; /* bridge sides found: export first */
    mst_bridge bridge[MST_MAX_BRIDGES];
} mst_ring;

/* Install the SIGBUS handler that turns a segment truncated while a
 * snapshot (mst_snap_one) reads it into MYL_ETRUNCATED for that ring,
 * instead of the process dying. For executables: a library must not take
 * a process's signal. 0 or -errno. */
int mst_bus_guard_install(void);

/* fn(arg) with the guard armed: what fn returns, or MYL_ETRUNCATED when a
 * segment it read was truncated under it (with the guard installed; fn
 * was cut short, and what it held is the caller's to release). */
int mst_guarded(int (*fn)(void *arg), void *arg);

/* Snapshot of an attached ring (myl_ring_check passed), with the counters
 * of its bridge sides, if any. 0 or -ENOMEM. */
int mst_take(const myl_ring *r, const char *name, mst_ring *out);
void mst_free(mst_ring *s);

/* Read a bridge's state object (shm object name or path) into *out.
 * 0, a negative errno, or MYL_EBADMAGIC when it is not a whole bridge
 * state (too short, wrong magic, version or role). */
int mst_bridge_read(uint32_t backing, const char *name, mst_bridge *out);

/* src (a ring's name) in dst for text output: at most size - 1 bytes,
 * every byte outside printable ASCII (ESC, BEL, ...) as '?'. Returns dst. */
const char *mst_printable(char *dst, size_t size, const char *src);

/* The table: prev (the same ring's previous snapshot, or NULL) adds
 * per-second rates. */
void mst_print_table(FILE *f, const mst_ring *cur, const mst_ring *prev);
/* One JSON object for n rings: {"time": ..., "rings": [...]}; prev (an
 * array of nprev earlier snapshots, matched by name) adds rates. */
void mst_print_json(FILE *f, const char *timestamp, const mst_ring *rings, size_t n,
                    const mst_ring *prev, size_t nprev);
/* Prometheus text exposition format, every family once with HELP and TYPE. */
void mst_print_prom(FILE *f, const mst_ring *rings, size_t n);
/* s as a Prometheus label value: backslash, double quote and newline
 * escaped, bytes that are not UTF-8 written as U+FFFD (label values must
 * be UTF-8). */
void mst_prom_escape(FILE *f, const char *s);

/* The list (myelon-stat --list): a table of the rings (sorted by name),
 * then the groups they form (size classes, lanes: "base.suffix" rings
 * created together) and the topologies whose control segments are among
 * them, with their rings; or the same as one JSON object
 * {"rings":[...],"groups":[...],"topologies":[...]}. 0 or -ENOMEM. */
int mst_print_list(FILE *f, const mst_ring *rings, size_t n, bool json);

/* The earlier snapshot of the same ring (same name and creator), or NULL. */
const mst_ring *mst_find(const mst_ring *rings, size_t n, const mst_ring *like);

/* ---- finding and snapshotting rings by name ---- */

/* A list of names (strings owned by the list). */
typedef struct mst_names {
    char **v;
    size_t n, cap;
} mst_names;

int mst_names_add(mst_names *l, const char *s);
void mst_names_free(mst_names *l);

/* Names of regular files starting with prefix: shm labels in /dev/shm, or
 * paths (as the prefix spells them) for file-backed rings; creators'
 * temporaries left out; sorted. 0 or a negative errno. */
int mst_scan(uint32_t backing, const char *prefix, mst_names *out);

/* A growing array of snapshots. */
typedef struct mst_snaps {
    mst_ring *v;
    size_t n, cap;
} mst_snaps;

void mst_snaps_free(mst_snaps *s);
/* Attach the ring read-only, check it, append its snapshot, close it.
 * 0 or a negative errno / MYL_E* code (nothing appended). */
int mst_snap_one(uint32_t backing, const char *name, mst_snaps *out);
/* Told of a ring that was found (a group's member, a prefix's match) but
 * could not be read: its name (as found: not made printable) and the
 * error, a negative errno or MYL_E* code. */
typedef void mst_unread_fn(void *arg, const char *name, int rc);
/* Whether rc, what mst_snap_one(backing, name) returned, means there is
 * no ring at name rather than one that cannot be read: no myelon segment
 * there (MYL_EBADMAGIC; also a file too short for a header that does not
 * start with the segment magic), not a regular file (MYL_ENAME), or gone
 * (-ENOENT). Everything else (truncated, corrupt, not ready, of another
 * layout version, unreadable) is a ring that cannot be read. */
bool mst_not_a_ring(uint32_t backing, const char *name, int rc);
/* A ring, or, when no ring has that name, the rings of the group whose
 * base name it is (name.*); a member that cannot be read (as
 * mst_not_a_ring judges) is given to unread (if not NULL) with arg. 0
 * when something was appended or given to unread. */
int mst_snap_name(uint32_t backing, const char *name, mst_snaps *out, mst_unread_fn *unread,
                  void *arg);

#endif
