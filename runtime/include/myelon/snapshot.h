/* Snapshots: the runtime's framing around an application's state, written
 * atomically, for pipelines' recovery (snapshot, then the journal after
 * it).
 *
 * The application produces and restores the payload (its own format, with
 * its own version number); the runtime owns the frame: magic, format
 * version, the journal sequence the state includes (records [0, seq)
 * applied), a chain value (the journal's running hash at seq, say, so
 * that recovery can tell a snapshot from another history), the payload's
 * length and CRC32C, and the header's own CRC32C. A snapshot is written to
 * a temporary file, fsynced, renamed into place and the directory fsynced:
 * a crash leaves either the old set of snapshots or the new one, never a
 * partial file under a snapshot's name. Byte layout: docs/ARCHITECTURE.md,
 * "Snapshots".
 */
#ifndef MYELON_SNAPSHOT_H
#define MYELON_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "myelon/export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MYL_SNAPSHOT_HEADER 64u

typedef struct myl_snapshot_info {
    uint64_t seq;         /* journal records [0, seq) are in the state */
    uint64_t chain;       /* the application's or journal's chain value at seq */
    uint32_t app_version; /* the payload's format, the application's */
    uint32_t reserved;
    uint64_t size; /* payload bytes */
} myl_snapshot_info;

/* Write dir/snapshot-<seq, 16 hex digits>.mys atomically (creating dir).
 * -EEXIST if a snapshot for seq exists already. A writer killed mid-write
 * leaves a temporary (.snapshot-<seq>.<pid>.<start time>.tmp), which the
 * next write removes once that process no longer runs (its pid gone, or
 * running another process). */
MYL_API int myl_snapshot_write(const char *dir, const myl_snapshot_info *info, const void *payload);
/* Parse a snapshot image in memory: on success *payload points into buf.
 * MYL_ECORRUPT for a bad magic, version, CRC or length. */
MYL_API int myl_snapshot_parse(const void *buf, size_t len, myl_snapshot_info *info,
                               const void **payload);
/* Load a snapshot file; *payload is malloc'ed (free it). MYL_ECORRUPT
 * for a file parse would refuse (its header is checked, and its size
 * against the file's, before anything is allocated). */
MYL_API int myl_snapshot_load(const char *path, myl_snapshot_info *info, void **payload);
/* The newest valid snapshot of dir (the highest seq whose file is valid;
 * invalid ones are skipped): its path and info. -ENOENT if none. */
MYL_API int myl_snapshot_latest(const char *dir, char *path, size_t cap, myl_snapshot_info *info);

#ifdef __cplusplus
}
#endif

#endif
