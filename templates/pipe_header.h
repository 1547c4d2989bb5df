/* Template of the pipeline part of a generated header (gen/emit_pipe.c);
 * conventions as in header.h: MYLT_<NAME> holes, sections from their @@
 * marker to the next one, a section <name>_doc written once per header. */

/* @@pipe_doc */
/* Pipelines (docs/myl.md, "Pipelines"; runtime API myelon/pipeline.h): a
 * durable pipeline in a directory, its records journaled before any output
 * they cause is released. Per pipeline P: P_TYPE (the journal's record type:
 * the input channel's fingerprint) and P_SYNC (the journal's sync policy:
 * `fsync batch`, `fsync` or neither on the durable stage); per stage S that
 * is not the journal a handler type P_S_fn (the input event and, for a stage
 * with `output CHANNEL`, a typed sender: P_S_send() holds the output until
 * its input is durable, then sends it on the output ring and hands it to
 * P_handlers.S_released); P_handlers (the stages, called in an order that
 * respects `after`, for every record and again on replay, plus the state's
 * reset, save and restore); P_cfg, which P_cfg_init() fills with defaults
 * and the schema's sync policy. The runner P (keep it in place while open):
 * _create(), _recover() (newest valid snapshot, then the journal), _open()
 * (recover, else create); _submit() and _commit() by hand, or _run(): the
 * input loop, which polls the input ring (cfg.input), submits, runs the tick
 * hook, commits and releases, until _stop() (from a signal handler or
 * another thread); _snapshot() (sync, snapshot, new journal segment, prune);
 * _close() (the input is detached, not unregistered: the next open resumes
 * where it stopped). Every call returns 0 or a negative error.
 * The input and outputs may be event channels or channels over one framed
 * ring (bytes, compact, FlatBuffers). A message of a framed input is
 * journaled as it came (an 8-byte prefix holding its kind and the ring
 * positions it took, 0 for one submitted by hand, then its bytes), after
 * a check that apply will take it (compact: it decodes; FlatBuffers: it
 * verifies); _run() skips and counts (rejected) one that does not.
 * Handlers get bytes as (msg, len, kind), a compact message decoded (a
 * table's arrays in an arena of cfg.arena_bytes per state), a FlatBuffer
 * as its verified root; a framed output's _send() takes bytes or a
 * finished FlatBuffer (msg, len, kind) or a compact value (m, kind), and
 * its _released callback gets the message's bytes. */
#include <myelon/pipeline.h>

/* @@pipe */
/* Pipeline MYLT_NAME: input MYLT_INCHAN (MYLT_IN); MYLT_STAGELIST. */
#define MYLT_T_TYPE UINT64_C(MYLT_FP)
#define MYLT_T_SYNC MYLT_SYNC
MYLT_OUTTYPES
typedef int MYLT_T_tick_fn(void *state, uint64_t seq, uint64_t now_ns);
MYLT_STAGETYPES

typedef struct MYLT_T_handlers {
    MYLT_STAGEFIELDS
    MYLT_T_tick_fn *on_tick;
    int (*reset)(void *state);
    int (*save)(void *state, void **payload, uint64_t *size);
    int (*restore)(void *state, const void *payload, uint64_t size, uint32_t app_version);
    MYLT_RELEASEDFIELDS
    void *released_arg;
    uint32_t app_version;
} MYLT_T_handlers;

typedef struct MYLT_T_cfg {
    void *state;
    void *shadow_state;
    myl_pipeline_opts opts;
    myl_ring *input;
    const char *input_id;
    MYLT_CFGRINGS
    int64_t send_timeout_ns;
} MYLT_T_cfg;

struct MYLT_T;
typedef struct MYLT_T_ctx {
    struct MYLT_T *px;
    void *state;
    MYLT_CTXFIELDS
} MYLT_T_ctx;

typedef struct MYLT_T {
    myl_pipeline *p;
    myl_pipeline_app app;
    MYLT_T_handlers h;
    MYLT_T_ctx main;
    MYLT_T_ctx shadow;
    MYLT_INCHAN_MYLT_RX rx;
    bool rx_on;
    /* the input ring's instance, and its first position that a run
     * before a restart did not journal (what is below: skipped) */
    uint64_t in_source;
    uint64_t skip_until;
    uint32_t held; /* events polled, journaled, released after the commit */
    bool holding;  /* framed: what is received is given back after the commit */
    MYLT_TXFIELDS
    MYLT_PXFIELDS
    int64_t send_timeout_ns;
    uint64_t dropped;
    uint64_t rejected;
    uint64_t lost; /* input events a lossy ring overwrote before the poll */
    int error;
    MYL__ATOMIC(uint32_t) stop;
} MYLT_T;

void MYLT_T_cfg_init(MYLT_T_cfg *cfg);
int MYLT_T_create(const char *dir, const MYLT_T_cfg *cfg, const MYLT_T_handlers *h, MYLT_T *px);
int MYLT_T_recover(const char *dir, const MYLT_T_cfg *cfg, const MYLT_T_handlers *h, MYLT_T *px);
int MYLT_T_open(const char *dir, const MYLT_T_cfg *cfg, const MYLT_T_handlers *h, MYLT_T *px);
MYLT_SUBMITDECL
int MYLT_T_commit(MYLT_T *px);
int MYLT_T_run(MYLT_T *px);
void MYLT_T_stop(MYLT_T *px);
int MYLT_T_snapshot(MYLT_T *px);
int MYLT_T_close(MYLT_T *px);
MYLT_SENDCALLS
