/* The pipeline runtime: the lifecycle of a durable pipeline, composing the
 * journal (journal.h) and snapshots (snapshot.h) with the application's
 * state machine (issue 10, items 3-7).
 *
 * A pipeline is a directory: "journal/" (the journal's segments) and
 * "snapshots/" (snapshot files), plus "trace" (latency histograms, when
 * asked for). Input
 * records go through myl_pipeline_submit: journaled (buffered), then
 * applied to the application's state at once (the matching stage runs
 * beside the journal, LMAX-style); what apply emits is held. Commit writes
 * and syncs the journal per its policy; outputs whose input is durable
 * under the acknowledgement policy are then released, in sequence order,
 * to the application's deliver callback (the response stage). A client
 * therefore never sees an output whose input recovery could lose.
 *
 * Recovery: the newest valid snapshot (corrupt ones, and ones whose chain
 * value is not the journal's at their sequence, are skipped), its
 * payload restored, then every journal record after its sequence replayed
 * through apply (outputs discarded); the journal's torn tail is truncated
 * first. A process killed at any instant restarts into the state of the
 * records it journaled and did not lose, which include every record whose
 * output it released.
 *
 * The shadow snapshot stage (optional) is a thread that replays the
 * durable journal on a second copy of the state and writes a snapshot
 * every snapshot_every records, so the main path never stops to
 * serialise its state. Ticks are records too: a timer hook in the input
 * loop journals a tick (type MYL_PIPELINE_TICK, payload the u64 clock
 * value), so replay sees them at the same place.
 *
 * One pipeline handle per directory (the journal's lock: MYL_EBUSY). The
 * calls on a handle are for one thread (the input loop). Byte layouts and
 * the recovery algorithm: docs/ARCHITECTURE.md, "Pipelines".
 */
#ifndef MYELON_PIPELINE_H
#define MYELON_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "myelon/export.h"
#include "myelon/journal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The record type of ticks ("MYLTICK1"); applications may not submit it. */
#define MYL_PIPELINE_TICK UINT64_C(0x314b4349544c594d)
/* The record type of input marks ("MYLINPT1", myl_pipeline_input_mark);
 * journaled and chained, never applied; applications may not submit it. */
#define MYL_PIPELINE_INPUT UINT64_C(0x3154504e494c594d)

/* ---- acknowledgement policy: levels, clauses, policy ---- */

/* Levels: how durable an input must be before its output is released. */
#define MYL_ACK_NONE 0u        /* at once (no durability: tests, caches) */
#define MYL_ACK_LOCAL_WRITE 1u /* written to the local kernel (survives the process) */
#define MYL_ACK_LOCAL_FSYNC 2u /* written and fdatasynced locally (survives the machine) */
/* Targets of a clause. */
#define MYL_ACK_TARGET_LOCAL 0u
#define MYL_ACK_TARGET_REPLICAS 1u /* reserved for replication: MYL_EINVAL today */
#define MYL_ACK_MAX_CLAUSES 4u

typedef struct myl_ack_clause {
    uint32_t target; /* MYL_ACK_TARGET_* */
    uint32_t level;  /* MYL_ACK_* */
    uint32_t quorum; /* replicas: how many must reach level; 0 for LOCAL */
    uint32_t reserved;
} myl_ack_clause;

/* Every clause must hold (AND). No clauses: one LOCAL clause at
 * LOCAL_FSYNC, or LOCAL_WRITE when the journal never syncs. A LOCAL_FSYNC
 * clause with a journal that never syncs is MYL_EINVAL. */
typedef struct myl_ack_policy {
    uint32_t n_clauses;
    uint32_t reserved;
    myl_ack_clause clause[MYL_ACK_MAX_CLAUSES];
} myl_ack_policy;

/* ---- the application ---- */

typedef struct myl_pipeline_out myl_pipeline_out; /* opaque: apply's output sink */

/* Emit one output of the record being applied (copied). out is NULL
 * during replay and in the shadow stage: then a no-op returning 0. */
MYL_API int myl_pipeline_emit(myl_pipeline_out *out, const void *data, uint32_t len);

typedef struct myl_pipeline_app {
    uint32_t size;        /* sizeof(myl_pipeline_app), or 0 */
    uint32_t app_version; /* the snapshot payload's format */
    void *state;          /* the state callbacks get */
    void *shadow_state;   /* a second copy for the shadow stage, or NULL */
    /* Make state the empty state (no record applied). */
    int (*reset)(void *state);
    /* Apply one record (ticks included). Deterministic: the same records
     * in the same order give the same state. A negative return fails the
     * pipeline. */
    int (*apply)(void *state, const myl_journal_record *rec, myl_pipeline_out *out);
    /* Serialise state: *payload malloc'ed (the runtime frees it). */
    int (*save)(void *state, void **payload, uint64_t *size);
    /* Load a payload save produced (app_version: the writer's). */
    int (*restore)(void *state, const void *payload, uint64_t size, uint32_t app_version);
    /* Outputs released under the policy, in sequence order. */
    void (*deliver)(void *arg, uint64_t seq, const void *data, uint32_t len);
    void *deliver_arg;
} myl_pipeline_app;

typedef struct myl_pipeline_opts {
    uint32_t size;           /* sizeof(myl_pipeline_opts), or 0 */
    uint32_t keep_snapshots; /* snapshots kept by rotate and the shadow; default 2 */
    myl_journal_opts journal;
    myl_ack_policy ack;
    /* Shadow stage (needs app->shadow_state): records between its
     * snapshots; 0: 65536. */
    uint64_t snapshot_every;
    /* Ticks: every tick_ns of clock (0: none). clock NULL: CLOCK_MONOTONIC.
     * A clock below the last tick (restarted: a reboot) ticks at once. */
    uint64_t tick_ns;
    uint64_t (*clock)(void *arg);
    void *clock_arg;
    uint32_t flags; /* MYL_PIPELINE_F_* */
    uint32_t reserved;
} myl_pipeline_opts;

/* Keep per-stage latency histograms in <dir>/trace (below). */
#define MYL_PIPELINE_F_TRACE 1u

typedef struct myl_pipeline myl_pipeline;

/* A new pipeline in dir (created if missing; -EEXIST if it holds a
 * journal or snapshots already). state is reset. MYL_ENAME (here and in
 * the recoveries below): dir is too long for the paths below it to fit
 * PATH_MAX. */
MYL_API int myl_pipeline_create(const char *dir, const myl_pipeline_app *app,
                                const myl_pipeline_opts *opts, myl_pipeline **out);
/* Recover dir: the newest valid snapshot, then the journal after it.
 * -ENOENT: no pipeline there. MYL_ECORRUPT: the journal is corrupt before
 * its tail, does not reach back to the snapshot (or to 0 without one), or
 * ends before the newest valid snapshot. A snapshot whose chain is not the
 * journal's at its sequence is skipped (myl_pipeline_refused_snapshots).
 * Snapshots skipped or refused are renamed "<name>.bad" (kept, never
 * counted again: pruning keeps keep_snapshots usable ones). Errors of
 * restore and apply are returned as they are. */
MYL_API int myl_pipeline_recover(const char *dir, const myl_pipeline_app *app,
                                 const myl_pipeline_opts *opts, myl_pipeline **out);
/* Recover from the snapshot file at path (a kept or archived one), then
 * the journal of dir after it. Errors as myl_snapshot_load and recover;
 * MYL_ECORRUPT too for a snapshot whose chain is not the journal's. */
MYL_API int myl_pipeline_recover_from_snapshot(const char *dir, const char *path,
                                               const myl_pipeline_app *app,
                                               const myl_pipeline_opts *opts, myl_pipeline **out);
/* Sync the journal, snapshot the state (synchronously), start a new
 * journal segment, and remove snapshots beyond keep_snapshots and the
 * journal segments the oldest kept snapshot no longer needs. */
MYL_API int myl_pipeline_rotate(myl_pipeline *p);
/* Commit, stop the shadow stage, close. Returns the first error. */
MYL_API int myl_pipeline_close(myl_pipeline *p);

/* Journal and apply one input record (after a tick, if one is due);
 * *seq (may be NULL) gets its sequence. type MYL_PIPELINE_TICK or
 * MYL_PIPELINE_INPUT: MYL_EINVAL. */
MYL_API int myl_pipeline_submit(myl_pipeline *p, uint64_t type, const void *data, uint32_t len,
                                uint64_t *seq);
/* Write (and per the journal's policy sync) what was submitted, then
 * release the outputs the policy allows. Returns the count released.
 * Under group commit, call it from the idle loop as well: with nothing
 * new it syncs once group_ns has passed, releasing what waited. */
MYL_API int myl_pipeline_commit(myl_pipeline *p);
/* The timer hook of the input loop: journal and apply a tick if one is due
 * (1), else 0. submit calls it too. */
MYL_API int myl_pipeline_tick(myl_pipeline *p);

/* Input positions, so that a loop restarted on the same input ring
 * journals each of its events once. Before it submits a batch of n
 * events taken from ring positions [first, first + n) of the ring
 * instance `source` (myl_ring_instance), the input loop journals a mark;
 * the events then follow, one record each, in order (ticks may come in
 * between). A mark is not applied (apply never sees one) and outputs
 * nothing. MYL_EINVAL for n == 0. */
MYL_API int myl_pipeline_input_mark(myl_pipeline *p, uint64_t source, uint64_t first, uint32_t n);
/* As myl_pipeline_input_mark, for inputs that take more than one ring
 * position each (a framed ring's message: its frames, and frames skipped
 * before it, myl_defrag_position): each input record after the mark
 * holds, as a u32 at bytes 4..7 of its payload, the positions it took
 * (a record of fewer than 8 bytes takes one). */
MYL_API int myl_pipeline_input_mark_spans(myl_pipeline *p, uint64_t source, uint64_t first,
                                          uint32_t n);
/* After recovery (and as marks are journaled): 1 and *next, the first
 * ring position of `source` not journaled (a mark's first plus the
 * positions of the input records after it, at most n of them), if the
 * last mark recovered names source; else 0 (no mark, or one of another ring instance). */
MYL_API int myl_pipeline_input_position(const myl_pipeline *p, uint64_t source, uint64_t *next);
/* The input records the last mark still counts, if it names source (else
 * 0): a loop whose next batch starts at the position and fits in the
 * room need not journal a new mark (a mark of n = UINT32_MAX serves a
 * loop for good). */
MYL_API uint32_t myl_pipeline_input_room(const myl_pipeline *p, uint64_t source);
/* Before a batch of up to n input records from ring positions starting
 * at first: nothing (0) if the last mark names source, counts on from
 * first (its position) for n more records and is of the same kind (spans
 * or not); else a mark of n = UINT32_MAX at first, of that kind (1). An
 * input loop calls it each round: in a steady run, and after a restart
 * that resumes at the position, one mark serves every round. */
MYL_API int myl_pipeline_input_begin(myl_pipeline *p, uint64_t source, uint64_t first, uint32_t n,
                                     bool spans);
/* Before input records that are not from the marked ring (submitted by
 * hand while a mark still counts): journals a mark that counts nothing,
 * at the position, so they do not move it. 1 if it did, 0 if no mark
 * counts anything. */
MYL_API int myl_pipeline_input_close(myl_pipeline *p);

/* The sequence the next record gets (= records applied). */
MYL_API uint64_t myl_pipeline_next_seq(const myl_pipeline *p);
/* Inputs [0, acked) are durable under the policy; their outputs released. */
MYL_API uint64_t myl_pipeline_acked(const myl_pipeline *p);
/* The chain value after the last record applied (see myl_pipeline_chain_next). */
MYL_API uint64_t myl_pipeline_chain(const myl_pipeline *p);
/* The sequence of the snapshot recovery started from (0: none). */
MYL_API uint64_t myl_pipeline_base_seq(const myl_pipeline *p);
/* Snapshots recovery skipped as corrupt. */
MYL_API uint32_t myl_pipeline_skipped_snapshots(const myl_pipeline *p);
/* Snapshots recovery skipped because their chain is not the journal's at
 * their sequence (a snapshot of another history). */
MYL_API uint32_t myl_pipeline_refused_snapshots(const myl_pipeline *p);
/* The shadow stage: records applied, snapshots written, its error (0).
 * A shadow that failed (its apply, a snapshot, the journal's read) has
 * stopped for good at that record; the main path is not affected, and
 * myl_pipeline_close() returns the error. */
MYL_API uint64_t myl_pipeline_shadow_applied(const myl_pipeline *p);
MYL_API uint64_t myl_pipeline_shadow_snapshots(const myl_pipeline *p);
MYL_API int myl_pipeline_shadow_error(const myl_pipeline *p);

/* ---- trace: per-stage latency histograms ----
 *
 * With MYL_PIPELINE_F_TRACE the pipeline keeps, in the shared file
 * <dir>/trace (made afresh by every create or recover, renamed into
 * place), one histogram per stage, updated lock-free (relaxed atomic
 * adds: a reader may see a bucket counted before the total). Any process
 * may map it read-only and render it (myelon-stat, a health endpoint).
 * Buckets are log-linear: values 0..7 ns exactly, then 8 buckets per power
 * of two (at most 12.5% wide), MYL_PIPELINE_HIST_BUCKETS in all. */
#define MYL_PIPELINE_STAGE_APPLY 0u    /* apply of one record */
#define MYL_PIPELINE_STAGE_COMMIT 1u   /* journal commit: write and sync */
#define MYL_PIPELINE_STAGE_ACK 2u      /* submit to release of an output */
#define MYL_PIPELINE_STAGE_SNAPSHOT 3u /* a snapshot written (shadow or rotate) */
#define MYL_PIPELINE_STAGES 4u
#define MYL_PIPELINE_HIST_BUCKETS 496u

typedef struct myl_pipeline_hist {
    char name[16]; /* "apply", "commit", "ack", "snapshot" */
    uint64_t count, sum_ns, max_ns;
    uint64_t bucket[MYL_PIPELINE_HIST_BUCKETS];
} myl_pipeline_hist;

typedef struct myl_pipeline_trace myl_pipeline_trace;

/* Map <dir>/trace read-only. MYL_ECORRUPT for a bad header or size.
 * The trace is another process's file: one that a process truncates while
 * myl_pipeline_trace_read copies from it faults the reader (SIGBUS), as
 * any truncated mapping does; open itself reads the header, never faults.
 * myl_health_pipeline_metrics, with myl_health_catch_truncation, counts
 * such a trace as an error instead. */
MYL_API int myl_pipeline_trace_open(const char *dir, myl_pipeline_trace **out);
MYL_API void myl_pipeline_trace_close(myl_pipeline_trace *t);
/* The pid of the pipeline that writes the trace. */
MYL_API int32_t myl_pipeline_trace_pid(const myl_pipeline_trace *t);
/* Copy stage's histogram (MYL_EINVAL past MYL_PIPELINE_STAGES). */
MYL_API int myl_pipeline_trace_read(const myl_pipeline_trace *t, uint32_t stage,
                                    myl_pipeline_hist *out);
/* The bucket of a value, and the lowest value of a bucket (the highest is
 * the next bucket's lowest minus one). */
MYL_API uint32_t myl_pipeline_hist_bucket(uint64_t ns);
MYL_API uint64_t myl_pipeline_hist_low(uint32_t bucket);
/* An upper bound of the q-quantile (0 < q <= 1): the top of the bucket
 * holding it, at most max_ns. 0 for an empty histogram. */
MYL_API uint64_t myl_pipeline_hist_quantile(const myl_pipeline_hist *h, double q);

/* The chain: the journal's (myl_journal_chain_next: a running 64-bit value
 * over every record's CRC32C, length and type), from
 * MYL_PIPELINE_CHAIN_INIT; snapshots carry it, and recovery takes only a
 * snapshot whose chain is the journal's at its sequence. */
#define MYL_PIPELINE_CHAIN_INIT MYL_JOURNAL_CHAIN_INIT
MYL_API uint64_t myl_pipeline_chain_next(uint64_t chain, const myl_journal_record *rec);

#ifdef __cplusplus
}
#endif

#endif
