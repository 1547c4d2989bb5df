/* The pipeline runtime (pipeline.h): lifecycle, acknowledgement gate,
 * shadow snapshot stage and ticks over journal.c and snapshot.c.
 *
 *   <dir>/journal/    the journal's segments (journal.c)
 *   <dir>/snapshots/  snapshot-<seq>.mys (snapshot.c); the payload is the
 *                     pipeline's 16-byte prefix (u64 last tick value, u64
 *                     flags: bit 0 "a tick was applied") then the
 *                     application's own payload.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "internal.h"
#include "myelon/error.h"
#include "myelon/pipeline.h"
#include "myelon/snapshot.h"

#define PREFIX 16u
#define DEFAULT_KEEP 2u
#define DEFAULT_EVERY UINT64_C(65536)
#define SHADOW_NAP_NS INT64_C(50000000)

struct myl_pipeline_out {
    myl_pipeline *p;
    uint64_t seq;
    uint64_t t0; /* when it was submitted (trace), or 0 */
};

#define OUT_HEADER 24u /* u64 seq, u32 len, u32 0, u64 submitted at */

/* Where a run stands, which replay and the shadow track like the main
 * path: the last tick applied, and the input: the last mark's ring
 * instance, flags and n, the input records after it (at most n) and the
 * ring position after them. */
typedef struct run_state {
    uint64_t tick_last;
    bool tick_have;
    bool in_have;
    uint64_t in_source, in_next;
    uint32_t in_n, in_count, in_flags;
} run_state;

#define MARK_LEN 24u  /* u64 source, u64 first, u32 n, u32 flags */
#define MARK_SPANS 1u /* each record's payload bytes 4..7: its positions */
#define FLAG_TICK 1u
#define FLAG_INPUT 2u
#define INPUT_PREFIX 16u /* after PREFIX with FLAG_INPUT: u64 source, u64 next */
/* With FLAG_INPUT: after the input prefix, the mark's records yet to come
 * (u32 n less those seen) and its u32 flags, so that a snapshot taken
 * within a round counts the rest of it (snapshots without it: none). */
#define FLAG_MARK 4u
#define MARK_PREFIX 8u

struct myl_pipeline {
    char *dir, *jdir, *sdir;
    myl_pipeline_app app;
    myl_pipeline_opts o;
    uint32_t ack_level; /* the strictest local clause */
    myl_journal *j;
    uint64_t next_seq, chain, base_seq;
    run_state run;
    uint32_t skipped, refused;
    int failed;
    bool kill_commit; /* MYL_TEST_KILL_AT names the commit point */
    /* Held outputs: {u64 seq, u32 len, u32 0, data, pad to 8}. */
    uint8_t *outq;
    size_t out_head, out_len, out_cap;
    uint64_t acked;
    /* The shadow stage. */
    bool shadow_on;
    pthread_t shadow;
    _Atomic(uint64_t) durable; /* published by the main path for the shadow */
    _Atomic(uint32_t) wake, sleepers, stop;
    _Atomic(uint64_t) sh_applied, sh_snaps;
    _Atomic(int) sh_err;
    uint64_t sh_chain;
    run_state sh_run;
    pthread_mutex_t prune_lock;
    /* The shadow and rotate may snapshot the same sequence at once: the
     * temporary file's name is per process, so one writes at a time. */
    pthread_mutex_t snap_lock;
    struct trace_file *trace; /* the mapped <dir>/trace, or NULL */
};

uint64_t myl_pipeline_chain_next(uint64_t chain, const myl_journal_record *rec)
{
    return myl_journal_chain_next(chain, rec);
}

/* A mark this library does not know (another length, a flag it lacks:
 * a newer library's journal) would be misread as positions on the
 * input ring: refused, MYL_EVERSION. */
static int run_track(run_state *t, const myl_journal_record *rec)
{
    if (rec->type == MYL_PIPELINE_TICK) {
        if (rec->len == 8) {
            memcpy(&t->tick_last, rec->data, 8);
            t->tick_have = true;
        }
    } else if (rec->type == MYL_PIPELINE_INPUT) {
        const uint8_t *d = rec->data;
        uint32_t flags = 0;
        if (rec->len == MARK_LEN)
            memcpy(&flags, d + 20, 4);
        if (rec->len != MARK_LEN || (flags & ~MARK_SPANS))
            return MYL_EVERSION;
        memcpy(&t->in_source, d, 8);
        memcpy(&t->in_next, d + 8, 8);
        memcpy(&t->in_n, d + 16, 4);
        t->in_flags = flags;
        t->in_count = 0;
        t->in_have = true;
    } else if (t->in_have && t->in_count < t->in_n) {
        uint32_t span = 1;
        if ((t->in_flags & MARK_SPANS) && rec->len >= 8)
            memcpy(&span, (const uint8_t *)rec->data + 4, 4);
        t->in_count++;
        t->in_next += span;
    }
    return 0;
}

/* What apply is given: every record but the input marks. */
static bool applied_type(uint64_t type)
{
    return type != MYL_PIPELINE_INPUT;
}

/* ---- files ---- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The sequences of dir's files named prefix<16 hex>suffix, ascending. */
static int list_seqs(const char *dir, const char *prefix, const char *suffix, uint64_t **out,
                     size_t *n)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return -errno;
    size_t cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        uint64_t s;
        if (!myl__parse_seq_name(e->d_name, prefix, suffix, &s))
            continue;
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            uint64_t *g = realloc(*out, nc * sizeof *g);
            if (!g) {
                rc = -ENOMEM;
                break;
            }
            *out = g;
            cap = nc;
        }
        (*out)[(*n)++] = s;
    }
    closedir(d);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
        return rc;
    }
    if (*n)
        qsort(*out, *n, sizeof **out, cmp_u64);
    return 0;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = fsync(fd) == 0 ? 0 : -errno;
    close(fd);
    return rc;
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", dir, name);
    return s;
}

/* ---- trace ---- */

/* <dir>/trace: a 64-byte header, then MYL_PIPELINE_STAGES stages of 4 KiB:
 * name[16], u64 count, sum_ns, max_ns, u64 bucket[MYL_PIPELINE_HIST_BUCKETS]. */
typedef struct trace_stage {
    char name[16];
    _Atomic(uint64_t) count, sum, max;
    _Atomic(uint64_t) bucket[MYL_PIPELINE_HIST_BUCKETS];
    uint8_t pad[4096 - 16 - 8 * (3 + MYL_PIPELINE_HIST_BUCKETS)];
} trace_stage;

typedef struct trace_file {
    uint8_t magic[8];
    uint32_t version, stages, buckets, stage_bytes;
    int32_t pid;
    uint32_t zero;
    uint64_t created;
    uint8_t pad[24];
    trace_stage stage[MYL_PIPELINE_STAGES];
} trace_file;

_Static_assert(sizeof(trace_stage) == 4096, "trace stage is 4 KiB");
_Static_assert(offsetof(trace_file, stage) == 64, "trace header is 64 bytes");

static const uint8_t trace_magic[8] = {'M', 'Y', 'L', 'T', 'R', 'A', 'C', 'E'};
static const char *const stage_names[MYL_PIPELINE_STAGES] = {"apply", "commit", "ack", "snapshot"};

uint32_t myl_pipeline_hist_bucket(uint64_t ns)
{
    if (ns < 8)
        return (uint32_t)ns;
    uint32_t e = 63u - (uint32_t)__builtin_clzll(ns); /* >= 3 */
    return (e - 2u) * 8u + (uint32_t)((ns >> (e - 3u)) & 7u);
}

uint64_t myl_pipeline_hist_low(uint32_t b)
{
    if (b < 8)
        return b;
    if (b >= MYL_PIPELINE_HIST_BUCKETS)
        return UINT64_MAX;
    uint32_t e = b / 8u + 2u;
    return (UINT64_C(8) + (b % 8u)) << (e - 3u);
}

uint64_t myl_pipeline_hist_quantile(const myl_pipeline_hist *h, double q)
{
    if (!h || !(q > 0.0) || q > 1.0)
        return 0;
    uint64_t total = 0;
    for (uint32_t b = 0; b < MYL_PIPELINE_HIST_BUCKETS; b++)
        total += h->bucket[b];
    if (!total)
        return 0;
    uint64_t want = (uint64_t)(q * (double)total);
    if ((double)want < q * (double)total)
        want++;
    if (want == 0)
        want = 1;
    uint64_t seen = 0;
    for (uint32_t b = 0; b < MYL_PIPELINE_HIST_BUCKETS; b++) {
        seen += h->bucket[b];
        if (seen >= want) {
            uint64_t top =
                b + 1 < MYL_PIPELINE_HIST_BUCKETS ? myl_pipeline_hist_low(b + 1) - 1 : UINT64_MAX;
            return top < h->max_ns ? top : h->max_ns;
        }
    }
    return h->max_ns;
}

/* One sample of stage: lock-free, for any number of writers (the shadow
 * and the main path both write the snapshot stage). */
static void trace_add(myl_pipeline *p, uint32_t stage, uint64_t ns)
{
    if (!p->trace)
        return;
    trace_stage *t = &p->trace->stage[stage];
    /* Relaxed: counters read by other processes as a picture, not used to
     * order anything; count last so a reader rarely sees it ahead. */
    atomic_fetch_add_explicit(&t->bucket[myl_pipeline_hist_bucket(ns)], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&t->sum, ns, memory_order_relaxed);
    uint64_t m = atomic_load_explicit(&t->max, memory_order_relaxed);
    while (ns > m && !atomic_compare_exchange_weak_explicit(&t->max, &m, ns, memory_order_relaxed,
                                                            memory_order_relaxed))
        ;
    atomic_fetch_add_explicit(&t->count, 1, memory_order_relaxed);
}

static uint64_t trace_now(const myl_pipeline *p)
{
    return p->trace ? myl__now_ns() : 0;
}

/* Make <dir>/trace afresh: a temporary, initialised, renamed into place
 * (a reader maps the old one or the new one, whole). */
static int trace_create(myl_pipeline *p)
{
    char *path = join(p->dir, "trace");
    char tmp[4096];
    if (!path)
        return -ENOMEM;
    snprintf(tmp, sizeof tmp, "%s/.trace.%d.tmp", p->dir, (int)getpid());
    int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = 0;
    if (fd < 0 || ftruncate(fd, (off_t)sizeof(trace_file)) != 0) {
        rc = -errno;
        goto out;
    }
    void *m = mmap(NULL, sizeof(trace_file), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        rc = -errno;
        goto out;
    }
    trace_file *t = m;
    memcpy(t->magic, trace_magic, sizeof trace_magic);
    t->version = 1;
    t->stages = MYL_PIPELINE_STAGES;
    t->buckets = MYL_PIPELINE_HIST_BUCKETS;
    t->stage_bytes = sizeof(trace_stage);
    t->pid = (int32_t)getpid();
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    t->created = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    for (uint32_t i = 0; i < MYL_PIPELINE_STAGES; i++)
        snprintf(t->stage[i].name, sizeof t->stage[i].name, "%s", stage_names[i]);
    if (rename(tmp, path) != 0) {
        rc = -errno;
        munmap(m, sizeof(trace_file));
        goto out;
    }
    p->trace = t;
out:
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        unlink(tmp);
    free(path);
    return rc;
}

struct myl_pipeline_trace {
    const trace_file *t;
    int32_t pid; /* from the header as read at open */
};

int myl_pipeline_trace_open(const char *dir, myl_pipeline_trace **out)
{
    if (!out)
        return MYL_EINVAL;
    *out = NULL;
    if (!dir)
        return MYL_EINVAL;
    char *path = join(dir, "trace");
    if (!path)
        return -ENOMEM;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    free(path);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    /* Another process's file: every field the reader relies on checked.
     * The header is read, not mapped: a file truncated after fstat gives
     * a short read here, never a fault (the stages are mapped, and a
     * truncation while they are read faults the reader: see pipeline.h). */
    trace_file h;
    ssize_t got =
        st.st_size == (off_t)sizeof(trace_file) ? pread(fd, &h, offsetof(trace_file, stage), 0) : 0;
    if (got != (ssize_t)offsetof(trace_file, stage) ||
        memcmp(h.magic, trace_magic, sizeof trace_magic) != 0 || h.version != 1 ||
        h.stages != MYL_PIPELINE_STAGES || h.buckets != MYL_PIPELINE_HIST_BUCKETS ||
        h.stage_bytes != sizeof(trace_stage)) {
        int e = got < 0 ? -errno : MYL_ECORRUPT;
        close(fd);
        return e;
    }
    void *m = mmap(NULL, sizeof(trace_file), PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return -errno;
    const trace_file *t = m;
    myl_pipeline_trace *r = malloc(sizeof *r);
    if (!r) {
        munmap(m, sizeof(trace_file));
        return -ENOMEM;
    }
    r->t = t;
    r->pid = h.pid;
    *out = r;
    return 0;
}

void myl_pipeline_trace_close(myl_pipeline_trace *t)
{
    if (!t)
        return;
    munmap((void *)t->t, sizeof(trace_file));
    free(t);
}

int32_t myl_pipeline_trace_pid(const myl_pipeline_trace *t)
{
    return t ? t->pid : 0;
}

int myl_pipeline_trace_read(const myl_pipeline_trace *t, uint32_t stage, myl_pipeline_hist *out)
{
    if (!t || !out || stage >= MYL_PIPELINE_STAGES)
        return MYL_EINVAL;
    trace_stage *s = (trace_stage *)&t->t->stage[stage];
    memcpy(out->name, s->name, sizeof out->name);
    out->name[sizeof out->name - 1] = '\0';
    /* Relaxed: a picture of counters that move (see trace_add). */
    out->count = atomic_load_explicit(&s->count, memory_order_relaxed);
    out->sum_ns = atomic_load_explicit(&s->sum, memory_order_relaxed);
    out->max_ns = atomic_load_explicit(&s->max, memory_order_relaxed);
    for (uint32_t b = 0; b < MYL_PIPELINE_HIST_BUCKETS; b++)
        out->bucket[b] = atomic_load_explicit(&s->bucket[b], memory_order_relaxed);
    return 0;
}

/* ---- snapshots ---- */

/* Rename a snapshot recovery cannot use to "<path>.bad" (kept for a look,
 * never listed again): counted among keep_snapshots it would let pruning
 * remove the older ones that recovery falls back to, and their journal.
 * Best effort: true when it was renamed. */
static bool set_aside(const char *path)
{
    char bad[4096 + 8];
    snprintf(bad, sizeof bad, "%s.bad", path);
    return rename(path, bad) == 0;
}

/* A snapshot of info->seq exists already: -EEXIST when it is valid and of
 * this history (its chain is ours at seq; replay is deterministic, so it
 * holds the same state), 0 once it is set aside (renamed to
 * "<name>.bad", which no listing takes for a snapshot): corrupt, or of
 * another history. Recovery skipped such a file, and taken for this
 * history's newest it would let pruning remove the snapshots and journal
 * that recovery needs. */
static int same_snapshot(myl_pipeline *p, const myl_snapshot_info *info)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/snapshot-%016" PRIx64 ".mys", p->sdir, info->seq);
    myl_snapshot_info old;
    void *pl = NULL;
    int rc = myl_snapshot_load(path, &old, &pl);
    free(pl);
    if (rc == 0 && old.seq == info->seq && old.chain == info->chain)
        return -EEXIST;
    if (rc == -ENOENT)
        return 0; /* gone since: write again */
    if (rc < 0 && rc != MYL_ECORRUPT)
        return rc; /* could not read it: nothing is decided */
    if (!set_aside(path))
        return -errno;
    return fsync_dir(p->sdir);
}

/* Serialise state (the pipeline's prefix, then the application's payload)
 * and write the snapshot of seq. One that exists already and is valid and
 * of this history is the same state: success. */
static int write_snapshot(myl_pipeline *p, void *state, uint64_t seq, uint64_t chain,
                          const run_state *t)
{
    uint64_t t0 = trace_now(p);
    void *app_pl = NULL;
    uint64_t app_size = 0;
    int rc = p->app.save(state, &app_pl, &app_size);
    if (rc < 0)
        return rc;
    if (!app_pl && app_size) {
        return MYL_EINVAL;
    }
    uint32_t pre = PREFIX + (t->in_have ? INPUT_PREFIX + MARK_PREFIX : 0u);
    uint8_t *buf = malloc((size_t)(pre + app_size));
    if (!buf) {
        free(app_pl);
        return -ENOMEM;
    }
    uint64_t flags = (t->tick_have ? FLAG_TICK : 0u) | (t->in_have ? FLAG_INPUT | FLAG_MARK : 0u);
    memcpy(buf, &t->tick_last, 8);
    memcpy(buf + 8, &flags, 8);
    if (t->in_have) {
        uint32_t rest = t->in_n - t->in_count;
        memcpy(buf + PREFIX, &t->in_source, 8);
        memcpy(buf + PREFIX + 8, &t->in_next, 8);
        memcpy(buf + PREFIX + INPUT_PREFIX, &rest, 4);
        memcpy(buf + PREFIX + INPUT_PREFIX + 4, &t->in_flags, 4);
    }
    if (app_size)
        memcpy(buf + pre, app_pl, (size_t)app_size);
    free(app_pl);
    myl_snapshot_info info = {
        .seq = seq, .chain = chain, .app_version = p->app.app_version, .size = pre + app_size};
    pthread_mutex_lock(&p->snap_lock);
    rc = myl_snapshot_write(p->sdir, &info, buf);
    if (rc == -EEXIST && (rc = same_snapshot(p, &info)) == 0)
        rc = myl_snapshot_write(p->sdir, &info, buf); /* the other one set aside */
    pthread_mutex_unlock(&p->snap_lock);
    free(buf);
    if (rc == 0)
        trace_add(p, MYL_PIPELINE_STAGE_SNAPSHOT, trace_now(p) - t0);
    return rc == -EEXIST ? 0 : rc;
}

/* Restore state from a pipeline snapshot payload. */
static int restore_payload(myl_pipeline *p, void *state, const myl_snapshot_info *info,
                           const uint8_t *pl, run_state *t)
{
    if (info->size < PREFIX)
        return MYL_ECORRUPT;
    uint64_t flags;
    memcpy(&t->tick_last, pl, 8);
    memcpy(&flags, pl + 8, 8);
    if ((flags & ~(uint64_t)(FLAG_TICK | FLAG_INPUT | FLAG_MARK)) ||
        ((flags & FLAG_MARK) && !(flags & FLAG_INPUT)))
        return MYL_ECORRUPT;
    t->tick_have = (flags & FLAG_TICK) != 0;
    uint64_t pre = PREFIX;
    t->in_have = (flags & FLAG_INPUT) != 0;
    if (t->in_have) { /* the position as a mark of the records yet to come */
        uint64_t need = PREFIX + INPUT_PREFIX + ((flags & FLAG_MARK) ? MARK_PREFIX : 0u);
        if (info->size < need)
            return MYL_ECORRUPT;
        memcpy(&t->in_source, pl + PREFIX, 8);
        memcpy(&t->in_next, pl + PREFIX + 8, 8);
        t->in_n = t->in_count = t->in_flags = 0;
        if (flags & FLAG_MARK) {
            memcpy(&t->in_n, pl + PREFIX + INPUT_PREFIX, 4);
            memcpy(&t->in_flags, pl + PREFIX + INPUT_PREFIX + 4, 4);
            if (t->in_flags & ~MARK_SPANS)
                return MYL_EVERSION; /* a newer library's mark */
        }
        pre = need;
    }
    return p->app.restore(state, pl + pre, info->size - pre, info->app_version);
}

/* Remove snapshots beyond keep_snapshots, then the journal segments whose
 * records all precede the oldest kept snapshot (and the shadow's reader),
 * so that recovery can fall back to any kept snapshot.
 * Oldest first, the directory synced after each: a crash leaves a
 * contiguous suffix of the journal. */
static int prune(myl_pipeline *p)
{
    pthread_mutex_lock(&p->prune_lock);
    uint64_t *s = NULL, *g = NULL;
    size_t ns = 0, ng = 0;
    int rc = list_seqs(p->sdir, "snapshot-", ".mys", &s, &ns);
    if (rc < 0 || ns == 0)
        goto out;
    char path[4096];
    size_t drop = ns > p->o.keep_snapshots ? ns - p->o.keep_snapshots : 0;
    for (size_t i = 0; i < drop; i++) {
        snprintf(path, sizeof path, "%s/snapshot-%016" PRIx64 ".mys", p->sdir, s[i]);
        if (unlink(path) != 0 && errno != ENOENT) {
            rc = -errno;
            goto out;
        }
    }
    if (drop && (rc = fsync_dir(p->sdir)) < 0)
        goto out;
    /* Until keep_snapshots exist, the empty state is one of the fallbacks:
     * the journal stays whole. */
    if (ns < p->o.keep_snapshots)
        goto out;
    uint64_t bound = s[drop];
    if (p->shadow_on) {
        /* Pairs with the release store of sh_applied in shadow_main. */
        uint64_t a = atomic_load_explicit(&p->sh_applied, memory_order_acquire);
        if (a < bound)
            bound = a;
    }
    if ((rc = list_seqs(p->jdir, "journal-", ".myj", &g, &ng)) < 0)
        goto out;
    for (size_t i = 0; i + 1 < ng && g[i + 1] <= bound; i++) {
        snprintf(path, sizeof path, "%s/journal-%016" PRIx64 ".myj", p->jdir, g[i]);
        if (unlink(path) != 0 && errno != ENOENT) {
            rc = -errno;
            goto out;
        }
        if ((rc = fsync_dir(p->jdir)) < 0)
            goto out;
        myl__fault_point("pipeline.prune.partial");
    }
out:
    free(s);
    free(g);
    pthread_mutex_unlock(&p->prune_lock);
    return rc;
}

/* ---- the shadow stage ---- */

static void shadow_fail(myl_pipeline *p, int rc)
{
    /* Read by myl_pipeline_shadow_error; nothing else depends on it. */
    atomic_store_explicit(&p->sh_err, rc, memory_order_relaxed);
}

static void *shadow_main(void *arg)
{
    myl_pipeline *p = arg;
    uint64_t applied = atomic_load_explicit(&p->sh_applied, memory_order_relaxed);
    uint64_t last_snap = applied;
    bool retried = false;
    myl_journal_reader *r = NULL;
    int rc = myl_journal_reader_open(p->jdir, applied, &r);
    if (rc < 0) {
        shadow_fail(p, rc);
        return NULL;
    }
    /* Pairs with the release store in shadow_stop. */
    while (!atomic_load_explicit(&p->stop, memory_order_acquire)) {
        /* Pairs with the release store of durable in publish_durable: the
         * records below it are written whole. */
        uint64_t d = atomic_load_explicit(&p->durable, memory_order_acquire);
        bool stalled = false;
        while (applied < d && !atomic_load_explicit(&p->stop, memory_order_acquire)) {
            myl_journal_record rec;
            rc = myl_journal_read(r, &rec);
            if (rc < 0 && !retried) {
                /* The reader maps a segment at the size it had: a record
                 * the writer was still writing then looks torn to it. The
                 * record is durable now; a fresh reader maps it whole. */
                myl_journal_reader_close(r);
                r = NULL;
                if ((rc = myl_journal_reader_open(p->jdir, applied, &r)) < 0) {
                    shadow_fail(p, rc);
                    goto out;
                }
                retried = true;
                continue;
            }
            retried = false;
            if (rc == 0) {
                stalled = true; /* not visible yet: look again after a nap */
                break;
            }
            if (rc < 0 || rec.seq != applied) {
                shadow_fail(p, rc < 0 ? rc : MYL_ECORRUPT);
                goto out;
            }
            if (applied_type(rec.type) &&
                (rc = p->app.apply(p->app.shadow_state, &rec, NULL)) < 0) {
                shadow_fail(p, rc);
                goto out;
            }
            p->sh_chain = myl_pipeline_chain_next(p->sh_chain, &rec);
            if ((rc = run_track(&p->sh_run, &rec)) < 0) {
                shadow_fail(p, rc);
                goto out;
            }
            applied++;
            /* Pairs with the acquire load in prune (the journal floor). */
            atomic_store_explicit(&p->sh_applied, applied, memory_order_release);
            if (applied - last_snap >= p->o.snapshot_every) {
                rc = write_snapshot(p, p->app.shadow_state, applied, p->sh_chain, &p->sh_run);
                if (rc == 0)
                    rc = prune(p);
                if (rc < 0) {
                    shadow_fail(p, rc);
                    goto out;
                }
                last_snap = applied;
                atomic_fetch_add_explicit(&p->sh_snaps, 1, memory_order_relaxed);
                myl__fault_point("pipeline.shadow.snapshotted");
            }
        }
        /* Sleep until the main path publishes more (Dekker pair with
         * publish_durable: sleepers stored, fence, durable loaded here;
         * durable stored, fence, sleepers loaded there). */
        uint32_t w = atomic_load_explicit(&p->wake, memory_order_acquire);
        atomic_store_explicit(&p->sleepers, 1, memory_order_relaxed);
        atomic_thread_fence(memory_order_seq_cst);
        if (!stalled && atomic_load_explicit(&p->durable, memory_order_acquire) > applied) {
            atomic_store_explicit(&p->sleepers, 0, memory_order_relaxed);
            continue;
        }
        if (!atomic_load_explicit(&p->stop, memory_order_acquire))
            (void)myl__futex_wait(&p->wake, w, stalled ? SHADOW_NAP_NS / 50 : SHADOW_NAP_NS);
        atomic_store_explicit(&p->sleepers, 0, memory_order_relaxed);
    }
out:
    myl_journal_reader_close(r);
    return NULL;
}

static void publish_durable(myl_pipeline *p)
{
    uint64_t d = myl_journal_durable(p->j);
    if (!p->shadow_on)
        return;
    /* Pairs with the acquire loads in shadow_main. */
    atomic_store_explicit(&p->durable, d, memory_order_release);
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&p->sleepers, memory_order_relaxed)) {
        /* Pairs with the acquire load of wake before the shadow sleeps. */
        atomic_fetch_add_explicit(&p->wake, 1, memory_order_release);
        (void)myl__futex_wake(&p->wake, 1);
    }
}

static void shadow_stop(myl_pipeline *p)
{
    if (!p->shadow_on)
        return;
    /* Pairs with the acquire loads of stop in shadow_main. */
    atomic_store_explicit(&p->stop, 1, memory_order_release);
    atomic_fetch_add_explicit(&p->wake, 1, memory_order_release);
    (void)myl__futex_wake(&p->wake, 1);
    pthread_join(p->shadow, NULL);
    p->shadow_on = false;
}

/* ---- outputs and the acknowledgement gate ---- */

int myl_pipeline_emit(myl_pipeline_out *out, const void *data, uint32_t len)
{
    if (!out)
        return 0;
    if (!data && len)
        return MYL_EINVAL;
    myl_pipeline *p = out->p;
    size_t total = OUT_HEADER + (((size_t)len + 7u) & ~(size_t)7u);
    if (p->out_cap - p->out_len < total) {
        if (p->out_head) { /* compact first */
            memmove(p->outq, p->outq + p->out_head, p->out_len - p->out_head);
            p->out_len -= p->out_head;
            p->out_head = 0;
        }
        size_t nc = p->out_cap ? p->out_cap : 4096;
        while (nc - p->out_len < total)
            nc *= 2;
        if (nc != p->out_cap) {
            uint8_t *q = realloc(p->outq, nc);
            if (!q)
                return -ENOMEM;
            p->outq = q;
            p->out_cap = nc;
        }
    }
    uint8_t *e = p->outq + p->out_len;
    uint32_t zero = 0;
    memcpy(e, &out->seq, 8);
    memcpy(e + 8, &len, 4);
    memcpy(e + 12, &zero, 4);
    memcpy(e + 16, &out->t0, 8);
    if (len)
        memcpy(e + OUT_HEADER, data, len);
    memset(e + OUT_HEADER + len, 0, total - OUT_HEADER - len);
    p->out_len += total;
    return 0;
}

/* The inputs durable under the policy: [0, ack_point). */
static uint64_t ack_point(const myl_pipeline *p)
{
    switch (p->ack_level) {
    case MYL_ACK_NONE:
        return p->next_seq;
    case MYL_ACK_LOCAL_WRITE:
        return myl_journal_written(p->j);
    default: /* MYL_ACK_LOCAL_FSYNC: the journal syncs (checked at open) */
        return myl_journal_durable(p->j);
    }
}

static int release_outputs(myl_pipeline *p)
{
    if (p->failed)
        return 0; /* never: what was not durable before the failure is not now */
    uint64_t a = ack_point(p);
    uint64_t now = trace_now(p);
    int n = 0;
    while (p->out_head < p->out_len) {
        const uint8_t *e = p->outq + p->out_head;
        uint64_t seq;
        uint32_t len;
        memcpy(&seq, e, 8);
        memcpy(&len, e + 8, 4);
        if (seq >= a)
            break;
        if (p->trace) {
            uint64_t t0;
            memcpy(&t0, e + 16, 8);
            trace_add(p, MYL_PIPELINE_STAGE_ACK, now - t0);
        }
        if (p->app.deliver)
            p->app.deliver(p->app.deliver_arg, seq, e + OUT_HEADER, len);
        p->out_head += OUT_HEADER + (((size_t)len + 7u) & ~(size_t)7u);
        n++;
    }
    if (p->out_head == p->out_len)
        p->out_head = p->out_len = 0;
    if (a > p->acked)
        p->acked = a;
    return n;
}

/* ---- the main path ---- */

static int fail(myl_pipeline *p, int rc)
{
    if (!p->failed)
        p->failed = rc;
    return rc;
}

static int submit_one(myl_pipeline *p, uint64_t type, const void *data, uint32_t len, uint64_t *seq)
{
    uint64_t s;
    int rc = myl_journal_append(p->j, type, data, len, &s);
    if (rc == MYL_ETOOBIG || rc == MYL_EINVAL)
        return rc; /* refused, nothing journaled */
    if (rc < 0)
        return fail(p, rc);
    myl_journal_record rec = {.seq = s, .type = type, .data = len ? data : "", .len = len};
    myl_pipeline_out out = {p, s, trace_now(p)};
    /* Journaled and applied together: a failure of apply leaves a record
     * the state does not include, so it is fatal. */
    if (applied_type(type)) {
        if ((rc = p->app.apply(p->app.state, &rec, &out)) < 0)
            return fail(p, rc);
        if (p->trace)
            trace_add(p, MYL_PIPELINE_STAGE_APPLY, myl__now_ns() - out.t0);
    }
    p->chain = myl_journal_chain(p->j); /* the journal's, after rec */
    (void)run_track(&p->run, &rec);     /* ours: always known */
    p->next_seq = s + 1;
    if (seq)
        *seq = s;
    return 0;
}

static uint64_t clock_now(const myl_pipeline *p)
{
    return p->o.clock ? p->o.clock(p->o.clock_arg) : myl__now_ns();
}

int myl_pipeline_tick(myl_pipeline *p)
{
    if (!p)
        return MYL_EINVAL;
    if (p->failed)
        return p->failed;
    if (!p->o.tick_ns)
        return 0;
    uint64_t now = clock_now(p);
    /* A clock below the last tick started again (CLOCK_MONOTONIC after a
     * reboot; the last tick came from the snapshot or journal): tick now
     * and count from there, or ticks would wait for the old uptime. */
    if (p->run.tick_have && now >= p->run.tick_last && now - p->run.tick_last < p->o.tick_ns)
        return 0;
    int rc = submit_one(p, MYL_PIPELINE_TICK, &now, 8, NULL);
    return rc < 0 ? rc : 1;
}

/* n == 0: a mark that counts nothing (myl_pipeline_input_close). */
static int input_mark(myl_pipeline *p, uint64_t source, uint64_t first, uint32_t n, uint32_t flags)
{
    if (p->failed)
        return p->failed;
    uint8_t m[MARK_LEN];
    memcpy(m, &source, 8);
    memcpy(m + 8, &first, 8);
    memcpy(m + 16, &n, 4);
    memcpy(m + 20, &flags, 4);
    return submit_one(p, MYL_PIPELINE_INPUT, m, MARK_LEN, NULL);
}

int myl_pipeline_input_mark(myl_pipeline *p, uint64_t source, uint64_t first, uint32_t n)
{
    return !p || n == 0 ? MYL_EINVAL : input_mark(p, source, first, n, 0);
}

int myl_pipeline_input_mark_spans(myl_pipeline *p, uint64_t source, uint64_t first, uint32_t n)
{
    return !p || n == 0 ? MYL_EINVAL : input_mark(p, source, first, n, MARK_SPANS);
}

/* Whether the last mark is of this ring. */
static bool marks(const myl_pipeline *p, uint64_t source)
{
    return p->run.in_have && p->run.in_source == source;
}

int myl_pipeline_input_position(const myl_pipeline *p, uint64_t source, uint64_t *next)
{
    if (!p || !next)
        return MYL_EINVAL;
    if (!marks(p, source))
        return 0;
    *next = p->run.in_next;
    return 1;
}

uint32_t myl_pipeline_input_room(const myl_pipeline *p, uint64_t source)
{
    if (!p || !marks(p, source))
        return 0;
    return p->run.in_n - p->run.in_count;
}

int myl_pipeline_input_begin(myl_pipeline *p, uint64_t source, uint64_t first, uint32_t n,
                             bool spans)
{
    if (!p)
        return MYL_EINVAL;
    const run_state *t = &p->run;
    uint32_t flags = spans ? MARK_SPANS : 0u;
    if (marks(p, source) && t->in_next == first && t->in_flags == flags &&
        t->in_n - t->in_count >= n)
        return 0;
    int rc = input_mark(p, source, first, UINT32_MAX, flags);
    return rc < 0 ? rc : 1;
}

int myl_pipeline_input_close(myl_pipeline *p)
{
    if (!p)
        return MYL_EINVAL;
    if (p->failed)
        return p->failed;
    const run_state *t = &p->run;
    if (!t->in_have || t->in_count == t->in_n)
        return 0;
    int rc = input_mark(p, t->in_source, t->in_next, 0, t->in_flags);
    return rc < 0 ? rc : 1;
}

int myl_pipeline_submit(myl_pipeline *p, uint64_t type, const void *data, uint32_t len,
                        uint64_t *seq)
{
    if (!p || (!data && len) || type == MYL_PIPELINE_TICK || type == MYL_PIPELINE_INPUT)
        return MYL_EINVAL;
    if (p->failed)
        return p->failed;
    int rc = myl_pipeline_tick(p);
    if (rc < 0)
        return rc;
    return submit_one(p, type, data, len, seq);
}

int myl_pipeline_commit(myl_pipeline *p)
{
    if (!p)
        return MYL_EINVAL;
    if (p->failed)
        return p->failed;
    uint64_t t0 = trace_now(p);
    int rc = myl_journal_commit(p->j);
    if (rc < 0)
        return fail(p, rc);
    if (p->trace)
        trace_add(p, MYL_PIPELINE_STAGE_COMMIT, myl__now_ns() - t0);
    if (p->kill_commit)
        myl__fault_point("pipeline.commit.synced");
    publish_durable(p);
    return release_outputs(p);
}

int myl_pipeline_rotate(myl_pipeline *p)
{
    if (!p)
        return MYL_EINVAL;
    if (p->failed)
        return p->failed;
    int rc = myl_journal_sync(p->j);
    if (rc < 0)
        return fail(p, rc);
    publish_durable(p);
    (void)release_outputs(p);
    /* The state is that of records [0, next_seq), all durable now. */
    if ((rc = write_snapshot(p, p->app.state, p->next_seq, p->chain, &p->run)) < 0)
        return rc; /* not fatal: the journal is intact */
    myl__fault_point("pipeline.rotate.snapshotted");
    if ((rc = myl_journal_rotate(p->j)) < 0)
        return fail(p, rc);
    myl__fault_point("pipeline.rotate.rotated");
    return prune(p);
}

/* ---- open, recover, close ---- */

static int check_args(const myl_pipeline_app *app, const myl_pipeline_opts *opts, myl_pipeline *p)
{
    if (!app || (app->size && app->size < sizeof *app))
        return MYL_EINVAL;
    p->app = *app;
    if (!p->app.state || !p->app.reset || !p->app.apply || !p->app.save || !p->app.restore)
        return MYL_EINVAL;
    myl_pipeline_opts o = {0};
    if (opts) {
        if (opts->size && opts->size < sizeof o)
            return MYL_EINVAL;
        o = *opts;
    }
    if (!o.keep_snapshots)
        o.keep_snapshots = DEFAULT_KEEP;
    if (!o.snapshot_every)
        o.snapshot_every = DEFAULT_EVERY;
    if (o.journal.sync > MYL_JOURNAL_SYNC_NONE || o.ack.n_clauses > MYL_ACK_MAX_CLAUSES ||
        o.ack.reserved || (o.flags & ~MYL_PIPELINE_F_TRACE) || o.reserved)
        return MYL_EINVAL;
    bool syncs = o.journal.sync != MYL_JOURNAL_SYNC_NONE;
    uint32_t level = o.ack.n_clauses ? MYL_ACK_NONE
                     : syncs         ? MYL_ACK_LOCAL_FSYNC
                                     : MYL_ACK_LOCAL_WRITE;
    for (uint32_t i = 0; i < o.ack.n_clauses; i++) {
        const myl_ack_clause *c = &o.ack.clause[i];
        /* Replica clauses are reserved: no replication yet. */
        if (c->target != MYL_ACK_TARGET_LOCAL || c->level > MYL_ACK_LOCAL_FSYNC || c->quorum ||
            c->reserved)
            return MYL_EINVAL;
        if (c->level == MYL_ACK_LOCAL_FSYNC && !syncs)
            return MYL_EINVAL; /* would never be true */
        if (c->level > level)
            level = c->level;
    }
    p->ack_level = level;
    p->o = o;
    return 0;
}

static void pipeline_free(myl_pipeline *p)
{
    shadow_stop(p);
    if (p->j)
        (void)myl_journal_close(p->j);
    pthread_mutex_destroy(&p->prune_lock);
    pthread_mutex_destroy(&p->snap_lock);
    if (p->trace)
        munmap(p->trace, sizeof(trace_file));
    free(p->outq);
    free(p->dir);
    free(p->jdir);
    free(p->sdir);
    free(p);
}

/* Load the snapshot at path and check it is named for its sequence when
 * want_seq is given. */
static int load_snapshot(const char *path, uint64_t want_seq, bool check_name,
                         myl_snapshot_info *info, void **pl)
{
    int rc = myl_snapshot_load(path, info, pl);
    if (rc == 0 && check_name && info->seq != want_seq) {
        free(*pl);
        *pl = NULL;
        rc = MYL_ECORRUPT;
    }
    return rc;
}

/* Check a loaded snapshot against the journal, which holds records
 * [jfirst, jend): it must lie in that range (MYL_ECORRUPT: the journal
 * lost records the snapshot proves were durable, or has a gap after it),
 * and its chain must be the journal's chain at its sequence (1 if not: a
 * snapshot of another history, which no replay of this journal reaches). */
static int check_snapshot(const myl_pipeline *p, const myl_snapshot_info *info, uint64_t jfirst,
                          uint64_t jend)
{
    if (info->seq > jend || info->seq < jfirst)
        return MYL_ECORRUPT;
    myl_journal_reader *r;
    int rc = myl_journal_reader_open(p->jdir, info->seq, &r);
    if (rc < 0)
        return rc;
    uint64_t chain = 0;
    rc = myl_journal_reader_chain(r, &chain);
    myl_journal_reader_close(r);
    if (rc < 0)
        return rc == MYL_EAGAIN ? MYL_ECORRUPT : rc;
    return chain != info->chain;
}

/* Choose the snapshot: the one at path, or the newest valid one whose
 * chain matches the journal's; the ones skipped on the way (corrupt, or of
 * another history) are set aside. *pl NULL with rc 0: none (start from the
 * empty state). */
static int choose_snapshot(myl_pipeline *p, const char *path, uint64_t jfirst, uint64_t jend,
                           myl_snapshot_info *info, void **pl)
{
    *pl = NULL;
    int rc;
    if (path) {
        if ((rc = load_snapshot(path, 0, false, info, pl)) < 0)
            return rc;
        if ((rc = check_snapshot(p, info, jfirst, jend)) != 0) {
            free(*pl);
            *pl = NULL;
            return rc < 0 ? rc : MYL_ECORRUPT;
        }
        return 0;
    }
    uint64_t *s;
    size_t n;
    rc = list_seqs(p->sdir, "snapshot-", ".mys", &s, &n);
    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        return rc;
    char fp[4096];
    bool aside = false;
    for (size_t i = n; i-- > 0;) {
        snprintf(fp, sizeof fp, "%s/snapshot-%016" PRIx64 ".mys", p->sdir, s[i]);
        rc = load_snapshot(fp, s[i], true, info, pl);
        if (rc == 0 && (rc = check_snapshot(p, info, jfirst, jend)) != 0) {
            free(*pl);
            *pl = NULL;
            if (rc == 1) {
                p->refused++; /* another history's: skipped */
                aside |= set_aside(fp);
                rc = 0;
                continue;
            }
            break;
        }
        if (rc == MYL_ECORRUPT) {
            p->skipped++;
            aside |= set_aside(fp);
            rc = 0;
            continue;
        }
        break; /* loaded, or an error of the system */
    }
    free(s);
    if (aside && rc == 0)
        rc = fsync_dir(p->sdir);
    return rc;
}

/* Remove what a failed create made: the journal directory (all of it:
 * it did not exist before), the trace, and the pipeline and snapshot
 * directories where it made them (empty then: nothing was written there;
 * rmdir leaves one that is not). Best effort: the create's own error is
 * what the caller gets. */
static void undo_create(myl_pipeline *p, bool made_dir, bool made_sdir, bool made_jdir)
{
    if (made_jdir) {
        DIR *d = opendir(p->jdir);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                    continue;
                char *f = join(p->jdir, e->d_name);
                if (f)
                    (void)unlink(f);
                free(f);
            }
            closedir(d);
        }
        (void)rmdir(p->jdir);
    }
    if (p->trace && p->dir) { /* dir is set before any trace (for the analyzer) */
        char *t = join(p->dir, "trace");
        if (t)
            (void)unlink(t);
        free(t);
    }
    if (made_sdir)
        (void)rmdir(p->sdir);
    if (made_dir)
        (void)rmdir(p->dir);
}

static int open_pipeline(const char *dir, const char *snap_path, bool create,
                         const myl_pipeline_app *app, const myl_pipeline_opts *opts,
                         myl_pipeline **out)
{
    if (!out)
        return MYL_EINVAL;
    *out = NULL;
    if (!dir || !*dir || (snap_path && !*snap_path))
        return MYL_EINVAL;
    /* Every path below dir fits the 4096-byte buffers (PATH_MAX) of
     * pruning, the trace and the journal: the longest is a snapshot's
     * temporary, "/snapshots/.snapshot-<16 hex>.<pid>.<start>.tmp". */
    if (strlen(dir) >
        4096 - sizeof "/snapshots/.snapshot-0123456789abcdef.2147483647.18446744073709551615.tmp")
        return MYL_ENAME;
    myl_pipeline *p = calloc(1, sizeof *p);
    if (!p)
        return -ENOMEM;
    pthread_mutex_init(&p->prune_lock, NULL);
    pthread_mutex_init(&p->snap_lock, NULL);
    /* What a create made, removed again when it fails: a retry must not
     * find a half-made pipeline (-EEXIST). */
    bool made_dir = false, made_sdir = false, made_jdir = false;
    int rc = check_args(app, opts, p);
    if (rc < 0)
        goto fail;
    p->dir = strdup(dir);
    p->jdir = join(dir, "journal");
    p->sdir = join(dir, "snapshots");
    if (!p->dir || !p->jdir || !p->sdir) {
        rc = -ENOMEM;
        goto fail;
    }
    struct stat st;
    if (create) {
        if (mkdir(dir, 0700) == 0)
            made_dir = true;
        else if (errno != EEXIST) {
            rc = -errno;
            goto fail;
        }
        /* A journal, or snapshots of another history that recovery would
         * take for this one's, make it not fresh. */
        uint64_t *old;
        size_t n_old = 0;
        if (list_seqs(p->sdir, "snapshot-", ".mys", &old, &n_old) == 0)
            free(old);
        if (stat(p->jdir, &st) == 0 || n_old) {
            rc = -EEXIST;
            goto fail;
        }
        if (mkdir(p->sdir, 0700) == 0)
            made_sdir = true;
        else if (errno != EEXIST) {
            rc = -errno;
            goto fail;
        }
        if (mkdir(p->jdir, 0700) != 0) {
            rc = -errno;
            goto fail;
        }
        made_jdir = true;
    } else if (stat(dir, &st) != 0 || stat(p->jdir, &st) != 0) {
        rc = -errno;
        goto fail;
    }
    myl_journal_opts jo = p->o.journal;
    if ((rc = myl_journal_open(p->jdir, &jo, &p->j)) < 0)
        goto fail;
    if (create)
        (void)fsync_dir(dir);
    uint64_t jend = myl_journal_next_seq(p->j);
    uint64_t *g;
    size_t ng;
    if ((rc = list_seqs(p->jdir, "journal-", ".myj", &g, &ng)) < 0)
        goto fail;
    uint64_t jfirst = ng ? g[0] : jend;
    free(g);

    myl_snapshot_info info = {0};
    void *pl = NULL;
    p->chain = MYL_PIPELINE_CHAIN_INIT;
    if (!create && (rc = choose_snapshot(p, snap_path, jfirst, jend, &info, &pl)) < 0)
        goto fail;
    if (pl) {
        rc = restore_payload(p, p->app.state, &info, pl, &p->run);
        if (rc < 0) {
            free(pl);
            goto fail;
        }
        p->base_seq = info.seq;
        p->chain = info.chain;
    } else {
        if (jfirst != 0) { /* records [0, jfirst) are gone and no snapshot has them */
            rc = MYL_ECORRUPT;
            goto fail;
        }
        if ((rc = p->app.reset(p->app.state)) < 0)
            goto fail;
    }
    p->next_seq = p->base_seq;
    if (!create) {
        myl_journal_reader *r;
        if ((rc = myl_journal_reader_open(p->jdir, p->base_seq, &r)) < 0) {
            free(pl);
            goto fail;
        }
        myl_journal_record rec;
        while (p->next_seq < jend && (rc = myl_journal_read(r, &rec)) == 1) {
            if (rec.seq != p->next_seq) {
                rc = MYL_ECORRUPT;
                break;
            }
            if (applied_type(rec.type) && (rc = p->app.apply(p->app.state, &rec, NULL)) < 0)
                break;
            p->chain = myl_pipeline_chain_next(p->chain, &rec);
            if ((rc = run_track(&p->run, &rec)) < 0)
                break;
            p->next_seq++;
        }
        myl_journal_reader_close(r);
        /* The replayed chain must end where the journal's own does. */
        if (rc >= 0 && (p->next_seq != jend || p->chain != myl_journal_chain(p->j)))
            rc = MYL_ECORRUPT;
        if (rc < 0) {
            free(pl);
            goto fail;
        }
        myl__fault_point("pipeline.recover.replayed");
    }
    p->acked = p->next_seq;
    if ((p->o.flags & MYL_PIPELINE_F_TRACE) && (rc = trace_create(p)) < 0) {
        free(pl);
        goto fail;
    }
    atomic_init(&p->durable, myl_journal_durable(p->j));
    atomic_init(&p->sh_applied, p->base_seq);
    if (p->app.shadow_state) {
        p->sh_chain = pl ? info.chain : MYL_PIPELINE_CHAIN_INIT;
        rc = pl ? restore_payload(p, p->app.shadow_state, &info, pl, &p->sh_run)
                : p->app.reset(p->app.shadow_state);
        if (rc < 0) {
            free(pl);
            goto fail;
        }
        /* Set before the thread starts: its prune reads it. */
        p->shadow_on = true;
        if (pthread_create(&p->shadow, NULL, shadow_main, p) != 0) {
            p->shadow_on = false;
            free(pl);
            rc = -EAGAIN;
            goto fail;
        }
    }
    free(pl);
    const char *k = getenv("MYL_TEST_KILL_AT");
    p->kill_commit = k && strcmp(k, "pipeline.commit.synced") == 0;
    *out = p;
    return 0;
fail:
    if (create) {
        /* Closed first: the journal's files and the shadow's reader. */
        shadow_stop(p);
        if (p->j)
            (void)myl_journal_close(p->j);
        p->j = NULL;
        undo_create(p, made_dir, made_sdir, made_jdir);
    }
    pipeline_free(p);
    return rc;
}

int myl_pipeline_create(const char *dir, const myl_pipeline_app *app, const myl_pipeline_opts *opts,
                        myl_pipeline **out)
{
    return open_pipeline(dir, NULL, true, app, opts, out);
}

int myl_pipeline_recover(const char *dir, const myl_pipeline_app *app,
                         const myl_pipeline_opts *opts, myl_pipeline **out)
{
    return open_pipeline(dir, NULL, false, app, opts, out);
}

int myl_pipeline_recover_from_snapshot(const char *dir, const char *path,
                                       const myl_pipeline_app *app, const myl_pipeline_opts *opts,
                                       myl_pipeline **out)
{
    if (!path) {
        if (out)
            *out = NULL;
        return MYL_EINVAL;
    }
    return open_pipeline(dir, path, false, app, opts, out);
}

int myl_pipeline_close(myl_pipeline *p)
{
    if (!p)
        return MYL_EINVAL;
    int rc = p->failed;
    if (!rc) {
        rc = myl_journal_commit(p->j);
        if (rc == 0)
            rc = myl_journal_sync(p->j);
        if (rc < 0)
            fail(p, rc);
        else
            (void)release_outputs(p);
    }
    shadow_stop(p);
    int cr = myl_journal_close(p->j);
    p->j = NULL;
    if (rc == 0)
        rc = cr;
    if (rc == 0)
        rc = atomic_load_explicit(&p->sh_err, memory_order_relaxed);
    pipeline_free(p);
    return rc;
}

uint64_t myl_pipeline_next_seq(const myl_pipeline *p)
{
    return p ? p->next_seq : 0;
}

uint64_t myl_pipeline_acked(const myl_pipeline *p)
{
    return p ? p->acked : 0;
}

uint32_t myl_pipeline_refused_snapshots(const myl_pipeline *p)
{
    return p ? p->refused : 0;
}

uint64_t myl_pipeline_chain(const myl_pipeline *p)
{
    return p ? p->chain : 0;
}

uint64_t myl_pipeline_base_seq(const myl_pipeline *p)
{
    return p ? p->base_seq : 0;
}

uint32_t myl_pipeline_skipped_snapshots(const myl_pipeline *p)
{
    return p ? p->skipped : 0;
}

uint64_t myl_pipeline_shadow_applied(const myl_pipeline *p)
{
    /* Pairs with the release store in shadow_main. */
    return p ? atomic_load_explicit(&((myl_pipeline *)p)->sh_applied, memory_order_acquire) : 0;
}

uint64_t myl_pipeline_shadow_snapshots(const myl_pipeline *p)
{
    return p ? atomic_load_explicit(&((myl_pipeline *)p)->sh_snaps, memory_order_relaxed) : 0;
}

int myl_pipeline_shadow_error(const myl_pipeline *p)
{
    return p ? atomic_load_explicit(&((myl_pipeline *)p)->sh_err, memory_order_relaxed) : 0;
}
