/* The journal: an append-only, checksummed record log in a directory of
 * segment files, the durable stage of a pipeline.
 *
 * A writer appends records and commits them (myl_journal_commit makes them
 * written and, per the sync policy, fdatasyncs the segment). By default a
 * segment is mapped (MAP_SHARED) and allocated ahead of its data (zeros
 * written past its end, a step at a time; under SYNC_NONE by a thread the
 * journal starts for it, ahead of the writer): append stores a record
 * straight into the map and commit is a store, not a write(2). (The
 * thread writes 2 MiB a call and the map is aligned to 2 MiB, so that a
 * file system with large folios maps each step with one page-table
 * entry.) A large commit (over 1 KiB under a sync policy; over 4 KiB under
 * SYNC_NONE on hosts where a first store to a page costs microseconds, as
 * the journal measures in each new segment) is buffered and written with
 * pwrite(2) instead, and the commit after it
 * too while commits stay that large (MYL_JOURNAL_MAPPED_ONLY: never).
 * With MYL_JOURNAL_WRITE (or a write hook) append buffers and commit
 * write()s.
 * The records are the same either way. A record is in the page cache once
 * stored: records appended and never committed may survive a crash (they
 * were never written or durable; keeping them is harmless). myl_journal_durable is the count of
 * records that survive a crash of the process and, with a sync policy, of the machine: the sequence
 * other stages gate on. A segment that would grow past segment_bytes is closed and the next one
 * started (rotation).
 *
 * Opening a journal recovers it: a torn tail of the last segment (a record
 * cut short or failing its CRC, left by a crash mid-write) is truncated; a
 * bad record anywhere else is corruption and open fails. A reader walks
 * the records in order from any sequence and stops at the first torn or
 * corrupt one, saying where (myl_journal_reader_where).
 *
 * A write or fsync that fails is fatal to the handle: the journal is never
 * retried and then treated as durable (after a failed fsync the kernel may
 * have dropped the dirty pages). Every later call returns the same error;
 * reopen to recover. Byte layouts: docs/ARCHITECTURE.md, "Journal".
 *
 * One writer per directory (an advisory lock: MYL_EBUSY for a second).
 * A handle belongs to the process that opened it: a forked child must not
 * use it (the journal's allocating thread is not in the child).
 */
#ifndef MYELON_JOURNAL_H
#define MYELON_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "myelon/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CRC32C (Castagnoli, RFC 3720): crc is the value so far (0 to start).
 * Uses the SSE4.2 crc32 instruction where the CPU has it (three
 * interleaved streams for buffers of 768 bytes and more). */
MYL_API uint32_t myl_crc32c(uint32_t crc, const void *data, size_t len);
/* The software implementation, for tests and benchmarks. */
MYL_API uint32_t myl_crc32c_sw(uint32_t crc, const void *data, size_t len);

#define MYL_JOURNAL_SYNC_BATCH 0u /* fdatasync every commit (the default) */
#define MYL_JOURNAL_SYNC_GROUP                                                                     \
    1u                           /* group commit: fdatasync once group_ns or group_bytes passed    \
                                  */
#define MYL_JOURNAL_SYNC_NONE 2u /* never fsync: the page cache is the limit */

/* I/O hooks for fault injection in tests: each NULL member is the system
 * call. write returns what write(2) returns (setting errno); fsync what
 * fdatasync(2) returns; alloc (the mapped path's allocation of a segment's
 * file ahead of its data: zeros written there) 0, or -1 setting errno;
 * under SYNC_NONE it is called from the journal's allocating thread. A
 * write hook selects the write path. */
typedef struct myl_journal_io {
    ssize_t (*write)(void *arg, int fd, const void *buf, size_t len);
    int (*fsync)(void *arg, int fd);
    void *arg;
    int (*alloc)(void *arg, int fd, off_t off, off_t len);
} myl_journal_io;

/* myl_journal_opts.flags */
#define MYL_JOURNAL_WRITE 1u /* write(2) each commit instead of the mapped segment */
/* SYNC_NONE on the mapped path: allocate inline, without the journal's
 * allocating thread (a host with one core, or busy ones: the thread
 * then competes with the writer; docs/PERFORMANCE.md) */
#define MYL_JOURNAL_NO_THREAD 2u
/* The mapped path: store every commit through the map, also large ones
 * (written with pwrite(2) by default: see ARCHITECTURE.md, "The
 * journal"). A record's length and CRC are then stored last, so a reader
 * racing a commit never meets a record half written. */
#define MYL_JOURNAL_MAPPED_ONLY 4u

typedef struct myl_journal_opts {
    uint32_t size;          /* sizeof(myl_journal_opts), or 0 */
    uint32_t sync;          /* MYL_JOURNAL_SYNC_*; default BATCH */
    uint64_t segment_bytes; /* rotate past this; default 64 MiB, at least 4 KiB; rounded up to 8 */
    uint64_t group_ns;      /* SYNC_GROUP: longest time between syncs; default 1 ms */
    uint64_t group_bytes;   /* SYNC_GROUP: most bytes between syncs; default 1 MiB */
    uint32_t max_record;    /* largest payload; default 16 MiB */
    uint32_t flags;         /* MYL_JOURNAL_WRITE, _NO_THREAD, _MAPPED_ONLY, or 0 */
    const myl_journal_io *io;
} myl_journal_opts;

typedef struct myl_journal myl_journal;

/* Open (creating dir and the first segment if needed) and recover.
 * MYL_ENAME: dir is too long for its segments' paths to fit PATH_MAX. */
MYL_API int myl_journal_open(const char *dir, const myl_journal_opts *opts, myl_journal **out);
/* Commit, sync (unless SYNC_NONE) and close. Returns the first error. */
MYL_API int myl_journal_close(myl_journal *j);
/* Buffer one record; *seq (may be NULL) gets its sequence. Records are
 * numbered from 0 without gaps. MYL_ETOOBIG past max_record. */
MYL_API int myl_journal_append(myl_journal *j, uint64_t type, const void *data, uint32_t len,
                               uint64_t *seq);
/* Write every buffered record; fdatasync per the policy. */
MYL_API int myl_journal_commit(myl_journal *j);
/* Write and fdatasync now, whatever the policy: every record written so
 * far (under SYNC_NONE the segments ended since the last sync too) and
 * the directory. */
MYL_API int myl_journal_sync(myl_journal *j);
/* Close the current segment (synced) and start the next one. */
MYL_API int myl_journal_rotate(myl_journal *j);
/* The next sequence append will give. */
MYL_API uint64_t myl_journal_next_seq(const myl_journal *j);
/* Records [0, durable) are durable: written and, unless SYNC_NONE, synced
 * (SYNC_NONE: written to the kernel). */
MYL_API uint64_t myl_journal_durable(const myl_journal *j);
/* Records [0, written) are written to the kernel (survive the process,
 * not the machine, until durable). */
MYL_API uint64_t myl_journal_written(const myl_journal *j);
/* The chain after the last record appended (below). */
MYL_API uint64_t myl_journal_chain(const myl_journal *j);
/* Bytes truncated from a torn tail when the journal was opened. */
MYL_API uint64_t myl_journal_recovered_bytes(const myl_journal *j);

typedef struct myl_journal_record {
    uint64_t seq;
    uint64_t type; /* the application's record type (a fingerprint, say) */
    const void *data;
    uint32_t len;
} myl_journal_record;

/* The chain: a running 64-bit value over every record from sequence 0,
 * each step mixing in the record's CRC32C (which covers its sequence,
 * type, payload and length), its length and its type. Each segment's
 * header holds the chain at its first sequence, so the chain at any
 * sequence the journal holds is known even after older segments were
 * removed, and a snapshot that carries it can be checked against the
 * journal (pipeline.h). Opening a journal checks that every segment
 * continues the chain of the one before. */
#define MYL_JOURNAL_CHAIN_INIT UINT64_C(0xcbf29ce484222325)
MYL_API uint64_t myl_journal_chain_next(uint64_t chain, const myl_journal_record *rec);

typedef struct myl_journal_reader myl_journal_reader;

/* Read the records of dir from sequence from_seq on (0: all there are);
 * MYL_ENAME as myl_journal_open; -ENOENT when from_seq is before the
 * first record the directory still holds (older segments removed). */
MYL_API int myl_journal_reader_open(const char *dir, uint64_t from_seq, myl_journal_reader **out);
/* 1 and *rec (valid until the next call) for a record, 0 at the end,
 * MYL_ECORRUPT at a torn or corrupt record (then every later call too). */
MYL_API int myl_journal_read(myl_journal_reader *r, myl_journal_record *rec);
/* The chain over every record before the reader's position (from_seq
 * right after open, then the sequence after the last record read).
 * MYL_EAGAIN while from_seq is past the records there are;
 * MYL_ECORRUPT as read. */
MYL_API int myl_journal_reader_chain(const myl_journal_reader *r, uint64_t *chain);
/* Where the reader stopped or is: segment path and byte offset in it. */
MYL_API int myl_journal_reader_where(const myl_journal_reader *r, char *path, size_t cap,
                                     uint64_t *offset);
MYL_API void myl_journal_reader_close(myl_journal_reader *r);

#ifdef __cplusplus
}
#endif

#endif
