/* The benchmark suite: every shape users compare transports by, each
 * beside a baseline measured in the same run, written as CSV.
 *
 *   suite [--smoke] [--out DIR] [--only floor|ladder|topo|peers]
 *         [--trials N] [--iters N] [--bytes N] [--events N] [--cpus A,B]
 *   suite --cost framed|compact|flatbuffers SIZE N
 *
 * Groups (one CSV each in DIR, default docs/bench; meta.csv says where and
 * when it ran):
 *   floor   the ring's round trip at 8, 56 and 64 B in every wait mode,
 *           against the floor probe in the same mode (floor.csv);
 *   ladder  64 B .. 2 MB: raw ring, framed, compact, FlatBuffers in place;
 *           round trip against the copy floor and streaming against the
 *           cross-core copy pipeline (ladder.csv);
 *   topo    1->1, 1->4 broadcast, 4->1 and 8->1 producers, lanes under
 *           mixed priorities, size classes under mixed sizes (topo.csv);
 *   peers   pipe, Unix socket, TCP loopback, POSIX mq, eventfd + shared
 *           memory, ZeroMQ ipc, nng ipc against the ring (peers.csv).
 *
 * --smoke runs every case with tiny counts and checks every payload byte
 * (the ctest bench_suite_smoke): speed is never judged, a wrong payload or
 * a failed process is (exit status 1). A progress line goes to stderr.
 *
 * --cost runs N round trips of one ladder layer in one process (the
 * ping's and the echo's work, no waits) for an instruction count:
 *   valgrind --tool=callgrind --toggle-collect=lad_cost_loop suite --cost ... */
#define _GNU_SOURCE
#include "suite.h"

#include <stdarg.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

/* ---- progress, CSV ---- */

bool suite_case(suite *S, const char *fmt, ...)
{
    S->step++;
    if (S->dry)
        return false;
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    uint64_t s = (now_ns() - S->t0) / 1000000000u;
    fprintf(stderr, "%s[%3d/%3d %3llu:%02llu] %-6s %-52s%s", S->tty ? "\r" : "", S->step, S->steps,
            (unsigned long long)(s / 60), (unsigned long long)(s % 60), S->group, what,
            S->tty ? "" : "\n");
    fflush(stderr);
    return true;
}

const char *suite_wait_name(uint32_t wait)
{
    switch (wait) {
    case MYL_WAIT_SPIN:
        return "spin";
    case MYL_WAIT_YIELD:
        return "yield";
    case MYL_WAIT_BLOCK:
        return "block";
    case MYL_WAIT_HYBRID:
        return "hybrid";
    default:
        return "-";
    }
}

void suite_row(suite *S, const char *name, uint32_t wait, uint64_t size, const char *metric,
               double value)
{
    if (S->csv)
        fprintf(S->csv, "%s,%s,%llu,%s,%.6g\n", name, suite_wait_name(wait),
                (unsigned long long)size, metric, value);
}

void suite_fail(suite *S, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%sFAIL: ", S->tty ? "\n" : "");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    S->failures++;
}

/* ---- payloads ---- */

void pay_fill(uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i * 7u + 1u);
}

void pay_stamp(uint8_t *b, size_t n, uint64_t seq)
{
    if (n >= 8)
        memcpy(b, &seq, 8);
    else if (n)
        b[0] = (uint8_t)seq;
}

bool pay_ok(const uint8_t *b, size_t n, uint64_t seq, bool full)
{
    if (n >= 8) {
        uint64_t s;
        memcpy(&s, b, 8);
        if (s != seq)
            return false;
    } else if (n && b[0] != (uint8_t)seq) {
        return false;
    }
    size_t first = n >= 8 ? 8 : 1;
    if (full) {
        for (size_t i = first; i < n; i++)
            if (b[i] != (uint8_t)(i * 7u + 1u))
                return false;
        return true;
    }
    if (n > first && b[n - 1] != (uint8_t)((n - 1) * 7u + 1u))
        return false;
    if (n / 2 >= first && b[n / 2] != (uint8_t)((n / 2) * 7u + 1u))
        return false;
    return true;
}

/* ---- scaling ---- */

int suite_iters(const suite *S, uint64_t size)
{
    if (S->smoke)
        return S->iters;
    /* about 64 MiB each way per block at most, and at least 20 */
    uint64_t n = ((uint64_t)64 << 20) / (size ? size : 1);
    if (n > (uint64_t)S->iters)
        n = (uint64_t)S->iters;
    return n < 20 ? 20 : (int)n;
}

uint64_t suite_count(const suite *S, uint64_t size)
{
    uint64_t n = S->bytes / (size ? size : 1);
    if (n > S->events)
        n = S->events;
    return n < 4 ? 4 : n;
}

myl_ring *suite_ring(const char *name, uint32_t slot, uint64_t cap, uint32_t wait,
                     uint32_t producers)
{
    myl_ring_opts o = {.size = sizeof o,
                       .name = name,
                       .slot_size = slot,
                       .capacity = cap,
                       .wait = wait,
                       .producers = producers,
                       .flags = MYL_SEG_PREFAULT};
    myl_ring *r;
    myl_ring_unlink(MYL_BACKING_SHM, name);
    check(myl_ring_create(&o, &r), name);
    return r;
}

/* ---- runners ---- */

typedef struct sync_page {
    _Atomic int ready; /* child: 1 opened, -1 failed */
    _Atomic uint64_t done_ns;
} sync_page;

static sync_page *sync_new(void)
{
    sync_page *k = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (k == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    memset(k, 0, sizeof *k);
    return k;
}

/* The child: die with the parent, pin. */
static void child_start(int cpu)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    pin(cpu);
}

static bool wait_ready(sync_page *k)
{
    uint64_t deadline = now_ns() + 30000000000u;
    while (atomic_load(&k->ready) == 0 && now_ns() < deadline)
        sched_yield();
    return atomic_load(&k->ready) == 1;
}

static bool child_ok(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return false;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static uint64_t pctl(const uint64_t *v, size_t n, double p)
{
    return n ? v[(size_t)(p * (double)(n - 1) + 0.5)] : 0;
}

static void rt_rows(suite *S, const char *name, uint32_t wait, uint64_t size, const rt_result *r,
                    uint32_t floor_bytes)
{
    suite_row(S, name, wait, size, "rt_p50_ns", (double)r->p50);
    suite_row(S, name, wait, size, "rt_p99_ns", (double)r->p99);
    suite_row(S, name, wait, size, "floor_p50_ns", (double)r->floor_p50);
    suite_row(S, name, wait, size, "floor_p99_ns", (double)r->floor_p99);
    suite_row(S, name, wait, size, "floor_lines", (double)sf_floor_lines(floor_bytes));
    suite_row(S, name, wait, size, "ratio_p50_to_floor",
              r->floor_p50 ? (double)r->p50 / (double)r->floor_p50 : 0);
}

rt_result rt_run(suite *S, const char *name, uint32_t wait, uint64_t size, const rt_ops *ops,
                 void *ctx, uint32_t floor_bytes, uint32_t floor_wait, int iters)
{
    rt_result r = {0};
    int trials = S->trials;
    sf_floor *fl = sf_floor_new(floor_bytes, floor_wait);
    if (!fl) {
        suite_fail(S, "%s: floor", name);
        return r;
    }
    sync_page *k = sync_new();
    pid_t pid = fork();
    if (pid == 0) {
        child_start(S->cpu_b);
        uint64_t seq = 0;
        int bad = 0;
        if (ops->open(ctx, true) < 0) {
            atomic_store(&k->ready, -1);
            _exit(2);
        }
        atomic_store(&k->ready, 1);
        for (int t = 0; t < trials; t++) {
            if (sf_floor_echo(fl, iters) < 0)
                _exit(2); /* the pinger ended (it kills us first, as a rule) */
            bad += ops->echo(ctx, iters, &seq);
        }
        ops->close(ctx, true);
        if (bad)
            fprintf(stderr, "\n%s %s %llu B: echo server saw %d wrong payloads\n", name,
                    suite_wait_name(wait), (unsigned long long)size, bad);
        _exit(bad ? 3 : 0);
    }
    pin(S->cpu_a);
    uint64_t *cs = calloc((size_t)trials * (size_t)iters, 8);
    uint64_t *fs = calloc((size_t)trials * (size_t)iters, 8);
    size_t n = 0;
    int bad = 0;
    bool opened = ops->open(ctx, false) == 0;
    if (opened && wait_ready(k)) {
        uint64_t seq = 0;
        for (int t = 0; t < trials; t++) {
            /* -1: the echo process ended (child_ok() below says how) */
            if (sf_floor_ping(fl, iters, fs + n) < 0)
                break;
            bad += ops->ping(ctx, iters, &seq, cs + n);
            n += (size_t)iters;
        }
    } else {
        kill(pid, SIGKILL);
    }
    bool cok = child_ok(pid);
    if (opened)
        ops->close(ctx, false);
    r.ok = opened && cok && bad == 0 && n > 0;
    if (!r.ok) {
        suite_fail(S, "%s %s %llu B: %s", name, suite_wait_name(wait), (unsigned long long)size,
                   !opened ? "open failed"
                   : !cok  ? "echo process failed"
                           : "wrong replies");
    } else {
        qsort(cs, n, 8, cmp_u64);
        qsort(fs, n, 8, cmp_u64);
        r.p50 = pctl(cs, n, 0.5);
        r.p99 = pctl(cs, n, 0.99);
        r.floor_p50 = pctl(fs, n, 0.5);
        r.floor_p99 = pctl(fs, n, 0.99);
        rt_rows(S, name, wait, size, &r, floor_bytes);
    }
    free(cs);
    free(fs);
    munmap(k, 4096);
    sf_floor_free(fl);
    return r;
}

static void st_rows(suite *S, const char *name, uint32_t wait, uint64_t size, double eps)
{
    suite_row(S, name, wait, size, "events_per_s", eps);
    suite_row(S, name, wait, size, "gb_per_s", eps * (double)size / 1e9);
}

double st_run(suite *S, const char *name, uint32_t wait, uint64_t size, const st_ops *ops,
              void *ctx, uint64_t n)
{
    sync_page *k = sync_new();
    pid_t pid = fork();
    if (pid == 0) {
        child_start(S->cpu_b);
        if (ops->open(ctx, true) < 0) {
            atomic_store(&k->ready, -1);
            _exit(2);
        }
        atomic_store(&k->ready, 1);
        int bad = ops->recv(ctx, n);
        atomic_store(&k->done_ns, now_ns());
        ops->close(ctx, true);
        if (bad)
            fprintf(stderr, "\n%s %llu B: receiver saw %d wrong payloads\n", name,
                    (unsigned long long)size, bad);
        _exit(bad ? 3 : 0);
    }
    pin(S->cpu_a);
    bool opened = ops->open(ctx, false) == 0;
    uint64_t t0 = 0;
    int bad = 0;
    if (opened && wait_ready(k)) {
        t0 = now_ns();
        bad = ops->send(ctx, n);
    } else {
        kill(pid, SIGKILL);
    }
    bool cok = child_ok(pid);
    uint64_t t1 = atomic_load(&k->done_ns);
    if (opened)
        ops->close(ctx, false);
    munmap(k, 4096);
    if (!opened || !cok || bad || t1 <= t0) {
        suite_fail(S, "%s stream %llu B: %s", name, (unsigned long long)size,
                   !opened ? "open failed"
                   : bad   ? "send failed"
                           : "receiver failed");
        return 0;
    }
    double eps = (double)n * 1e9 / (double)(t1 - t0);
    st_rows(S, name, wait, size, eps);
    return eps;
}

/* Isolated runs: the whole case (both processes) runs in a child of the
 * suite, for libraries that cannot be used again after a fork() of a
 * process that used them (nng, ZeroMQ); the rows are written here. */
typedef struct iso_page {
    rt_result rt;
    double eps;
    int failures;
} iso_page;

static iso_page *iso_begin(suite *S, pid_t *pid)
{
    iso_page *k = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (k == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    memset(k, 0, sizeof *k);
    fflush(NULL);
    *pid = fork();
    if (*pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        S->csv = NULL;
        S->failures = 0;
    }
    return k;
}

static bool iso_end(suite *S, iso_page *k, pid_t pid)
{
    bool ok = child_ok(pid) && k->failures == 0;
    if (!ok)
        S->failures++;
    return ok;
}

rt_result rt_run_iso(suite *S, const char *name, uint32_t wait, uint64_t size, const rt_ops *ops,
                     void *ctx, uint32_t floor_bytes, uint32_t floor_wait, int iters)
{
    pid_t pid;
    iso_page *k = iso_begin(S, &pid);
    if (pid == 0) {
        k->rt = rt_run(S, name, wait, size, ops, ctx, floor_bytes, floor_wait, iters);
        k->failures = S->failures;
        _exit(0);
    }
    rt_result r = {0};
    if (iso_end(S, k, pid) && k->rt.ok) {
        r = k->rt;
        rt_rows(S, name, wait, size, &r, floor_bytes);
    }
    munmap(k, 4096);
    return r;
}

double st_run_iso(suite *S, const char *name, uint32_t wait, uint64_t size, const st_ops *ops,
                  void *ctx, uint64_t n)
{
    pid_t pid;
    iso_page *k = iso_begin(S, &pid);
    if (pid == 0) {
        k->eps = st_run(S, name, wait, size, ops, ctx, n);
        k->failures = S->failures;
        _exit(0);
    }
    double e = 0;
    if (iso_end(S, k, pid) && k->eps > 0) {
        e = k->eps;
        st_rows(S, name, wait, size, e);
    }
    munmap(k, 4096);
    return e;
}

static int copy_open(void *ctx, bool child)
{
    (void)ctx;
    (void)child;
    return 0;
}
static int copy_recv(void *ctx, uint64_t n)
{
    return sf_pipe_recv(ctx, n) < 0 ? 1 : 0;
}
static int copy_send(void *ctx, uint64_t n)
{
    return sf_pipe_send(ctx, n) < 0 ? 1 : 0;
}
static void copy_close(void *ctx, bool child)
{
    (void)ctx;
    (void)child;
}
static const st_ops copy_ops = {copy_open, copy_recv, copy_send, copy_close};

double st_copy(suite *S, uint32_t wait, uint64_t size, uint64_t n)
{
    sf_pipe *p = sf_pipe_new(size, wait);
    if (!p) {
        suite_fail(S, "copy pipeline %llu B", (unsigned long long)size);
        return 0;
    }
    double e = st_run(S, "copy", wait, size, &copy_ops, p, n);
    sf_pipe_free(p);
    return e;
}

/* ---- the raw ring: round trip and stream ---- */

int raw_ctx_init(raw_ctx *x, const char *tag, uint32_t size, uint32_t wait, bool full,
                 bool two_rings)
{
    memset(x, 0, sizeof *x);
    x->size = size;
    x->wait = wait;
    x->full = full;
    x->batch = 1;
    uint32_t slot = size ? size : 8; /* a ring's slot is 8 bytes at least */
    snprintf(x->ping, sizeof x->ping, "myl-suite-%s-a-%d", tag, (int)getpid());
    snprintf(x->pong, sizeof x->pong, "myl-suite-%s-b-%d", tag, (int)getpid());
    uint32_t stride = myl_ring_stride(slot);
    uint64_t cap = 4;
    /* round trip: a few slots; stream: about 1 MiB of ring */
    uint64_t budget = two_rings ? 4u * stride : ((uint64_t)1 << 20);
    while (cap * 2 * stride <= budget || cap < 4)
        cap *= 2;
    x->rp = suite_ring(x->ping, slot, cap, wait, MYL_PRODUCERS_SINGLE);
    if (two_rings)
        x->rq = suite_ring(x->pong, slot, cap, wait, MYL_PRODUCERS_SINGLE);
    x->src = malloc(slot);
    x->dst = malloc(slot);
    pay_fill(x->src, slot);
    return 0;
}

void raw_ctx_fini(raw_ctx *x)
{
    myl_ring_close(x->rp);
    myl_ring_unlink(MYL_BACKING_SHM, x->ping);
    if (x->rq) {
        myl_ring_close(x->rq);
        myl_ring_unlink(MYL_BACKING_SHM, x->pong);
    }
    free(x->src);
    free(x->dst);
}

static myl_ring *attach(const char *name)
{
    myl_ring_opts o = {.size = sizeof o, .name = name, .flags = MYL_SEG_PREFAULT};
    myl_ring *r;
    return myl_ring_attach(&o, &r) == 0 ? r : NULL;
}

static int raw_open(void *ctx, bool child)
{
    raw_ctx *x = ctx;
    if (child) {
        myl_ring *a = attach(x->ping), *b = x->rq ? attach(x->pong) : NULL;
        if (!a || (x->rq && !b))
            return -1;
        if (myl_consumer_open(a, "echo", NULL, &x->c) < 0)
            return -1;
        if (b && myl_producer_open(b, NULL, &x->p) < 0)
            return -1;
        return 0;
    }
    if (myl_producer_open(x->rp, NULL, &x->p) < 0)
        return -1;
    if (x->rq && myl_consumer_open(x->rq, "pinger", NULL, &x->c) < 0)
        return -1;
    return myl_producer_wait_consumers(x->p, "echo", 1, 30000000000) < 0 ? -1 : 0;
}

static void raw_close(void *ctx, bool child)
{
    raw_ctx *x = ctx;
    if (x->p)
        myl_producer_close(x->p);
    if (x->c)
        myl_consumer_close(x->c);
    x->p = NULL;
    x->c = NULL;
    (void)child;
}

/* The raw ring's waits are bounded: the runtime's own liveness checks
 * answer MYL_EPEERDEAD soon after the peer process died, and a live peer
 * that stops answering for RAW_STALL_NS fails the case (MYL_ETIMEDOUT).
 * The bound costs a clock read when a wait starts, after the fast
 * try_poll/try_claim found nothing, while the event is still on its way. */
#define RAW_STALL_NS INT64_C(60000000000) /* 60 s: generous, on a loaded machine */

static inline uint64_t raw_poll(myl_consumer *c, uint32_t max, int64_t *n)
{
    uint64_t s;
    *n = myl_consumer_try_poll(c, max, &s);
    if (*n <= 0) {
        *n = myl_consumer_poll(c, max, &s, RAW_STALL_NS);
        if (*n < 0)
            fprintf(stderr, "\nraw ring poll: %s\n", myl_strerror((int)*n));
    }
    return s;
}

/* 0, or an error (said on stderr). */
static inline int raw_claim(myl_producer *p, uint32_t n, uint64_t *s)
{
    int rc = myl_producer_try_claim(p, n, s);
    if (rc != 0) {
        rc = myl_producer_claim(p, n, s, RAW_STALL_NS);
        if (rc < 0)
            fprintf(stderr, "\nraw ring claim: %s\n", myl_strerror(rc));
    }
    return rc;
}

static int raw_echo(void *ctx, int iters, uint64_t *seq)
{
    raw_ctx *x = ctx;
    int bad = 0;
    uint32_t slot = x->size ? x->size : 8;
    for (int i = 0; i < iters; i++) {
        int64_t n;
        uint64_t s = raw_poll(x->c, 1, &n);
        if (n != 1)
            return bad + iters - i;
        const uint8_t *in = myl_consumer_slot(x->c, s);
        if (!pay_ok(in, x->size, *seq, x->full))
            bad++;
        uint64_t o;
        if (raw_claim(x->p, 1, &o) < 0)
            return bad + iters - i;
        memcpy(myl_producer_slot(x->p, o), in, slot);
        myl_consumer_release(x->c, 1);
        myl_producer_publish(x->p, o, 1);
        ++*seq;
    }
    return bad;
}

static int raw_ping(void *ctx, int iters, uint64_t *seq, uint64_t *ns)
{
    raw_ctx *x = ctx;
    int bad = 0;
    uint32_t slot = x->size ? x->size : 8;
    for (int i = 0; i < iters; i++) {
        pay_stamp(x->src, x->size, *seq);
        uint64_t t0 = now_ns(), s;
        if (raw_claim(x->p, 1, &s) < 0)
            return bad + iters - i;
        memcpy(myl_producer_slot(x->p, s), x->src, slot);
        myl_producer_publish(x->p, s, 1);
        int64_t n;
        uint64_t r = raw_poll(x->c, 1, &n);
        if (n != 1)
            return bad + iters - i;
        memcpy(x->dst, myl_consumer_slot(x->c, r), slot);
        myl_consumer_release(x->c, 1);
        ns[i] = now_ns() - t0;
        if (!pay_ok(x->dst, x->size, *seq, x->full))
            bad++;
        ++*seq;
    }
    return bad;
}

const rt_ops raw_rt_ops = {raw_open, raw_echo, raw_ping, raw_close};

/* Stream: the producer claims batches of up to x->batch in place and
 * writes every payload; the consumer copies every payload out and checks
 * it. */
static int raw_recv(void *ctx, uint64_t total)
{
    raw_ctx *x = ctx;
    int bad = 0;
    for (uint64_t got = 0; got < total;) {
        int64_t n;
        uint64_t s = raw_poll(x->c, x->batch, &n);
        if (n <= 0)
            return bad + 1;
        for (int64_t i = 0; i < n; i++) {
            memcpy(x->dst, myl_consumer_slot(x->c, s + (uint64_t)i), x->size);
            if (!pay_ok(x->dst, x->size, got + (uint64_t)i, x->full))
                bad++;
        }
        myl_consumer_release(x->c, (uint32_t)n);
        got += (uint64_t)n;
    }
    return bad;
}

static int raw_send(void *ctx, uint64_t total)
{
    raw_ctx *x = ctx;
    for (uint64_t e = 0; e < total;) {
        uint32_t n = total - e < x->batch ? (uint32_t)(total - e) : x->batch;
        uint64_t s;
        if (raw_claim(x->p, n, &s) < 0)
            return 1;
        for (uint32_t i = 0; i < n; i++) {
            uint8_t *w = myl_producer_slot(x->p, s + i);
            memcpy(w, x->src, x->size);
            pay_stamp(w, x->size, e + i);
        }
        myl_producer_publish(x->p, s, n);
        e += n;
    }
    return 0;
}

const st_ops raw_st_ops = {raw_open, raw_recv, raw_send, raw_close};

/* ---- group: the floor, in every wait mode ---- */

static const uint32_t waits[] = {MYL_WAIT_SPIN, MYL_WAIT_YIELD, MYL_WAIT_BLOCK, MYL_WAIT_HYBRID};

void suite_floor_group(suite *S)
{
    static const uint32_t sizes[] = {8, 56, 64};
    for (size_t w = 0; w < 4; w++) {
        for (size_t z = 0; z < 3; z++) {
            if (!suite_case(S, "ring %u B, %s, floor of %u line(s)", sizes[z],
                            suite_wait_name(waits[w]), sf_floor_lines(sizes[z])))
                continue;
            raw_ctx x;
            raw_ctx_init(&x, "floor", sizes[z], waits[w], S->smoke, true);
            rt_run(S, "ring", waits[w], sizes[z], &raw_rt_ops, &x, sizes[z], waits[w],
                   suite_iters(S, sizes[z]));
            raw_ctx_fini(&x);
        }
        if (suite_case(S, "copy pipeline 64 B, %s", suite_wait_name(waits[w])))
            st_copy(S, waits[w], 64, suite_count(S, 64));
    }
}

/* ---- main ---- */

static void meta(suite *S, const char *path, int argc, char **argv)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    char model[256] = "unknown";
    FILE *ci = fopen("/proc/cpuinfo", "r");
    if (ci) {
        char line[512];
        while (fgets(line, sizeof line, ci)) {
            if (!strncmp(line, "model name", 10)) {
                char *c = strchr(line, ':');
                if (c) {
                    c++;
                    while (*c == ' ' || *c == '\t')
                        c++;
                    c[strcspn(c, "\n")] = 0;
                    snprintf(model, sizeof model, "%s", c);
                }
                break;
            }
        }
        fclose(ci);
    }
    for (char *c = model; *c; c++)
        if (*c == ',')
            *c = ';';
    struct utsname u;
    uname(&u);
    double load[3] = {0, 0, 0};
    if (getloadavg(load, 3) < 0)
        load[0] = -1;
    time_t t = time(NULL);
    char date[64];
    strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&t));
    fprintf(f, "key,value\n");
    fprintf(f, "date,%s\n", date);
    fprintf(f, "cpu,%s\n", model);
    fprintf(f, "cpus_online,%ld\n", sysconf(_SC_NPROCESSORS_ONLN));
    fprintf(f, "kernel,%s %s\n", u.sysname, u.release);
    fprintf(f, "myelon,%s\n", MYL_VERSION_STRING);
    fprintf(f, "loadavg_at_start,%.2f\n", load[0]);
    fprintf(f, "mode,%s\n", S->smoke ? "smoke" : "full");
    fprintf(f, "trials,%d\n", S->trials);
    fprintf(f, "iters,%d\n", S->iters);
    fprintf(f, "cpus,%d+%d\n", S->cpu_a, S->cpu_b);
    fprintf(f, "command,");
    for (int i = 0; i < argc; i++)
        fprintf(f, "%s%s", i ? " " : "", strchr(argv[i], '/') && i == 0 ? "suite" : argv[i]);
    fprintf(f, "\n");
    fclose(f);
}

typedef struct group {
    const char *name;
    void (*run)(suite *);
} group;

int main(int argc, char **argv)
{
    suite S = {.trials = 5,
               .iters = 2000,
               .bytes = (uint64_t)256 << 20,
               .events = 2000000,
               .cpu_a = 0,
               .cpu_b = 1,
               .out_dir = "docs/bench"};
    const char *only = NULL;
    bool smoke = false;
    int trials = 0, iters = 0;
    uint64_t bytes = 0, events = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--smoke"))
            smoke = true;
        else if (!strcmp(argv[i], "--out") && i + 1 < argc)
            S.out_dir = argv[++i];
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--trials") && i + 1 < argc)
            trials = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
            iters = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--bytes") && i + 1 < argc)
            bytes = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--events") && i + 1 < argc)
            events = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--cpus") && i + 1 < argc)
            sscanf(argv[++i], "%d,%d", &S.cpu_a, &S.cpu_b);
        else if (!strcmp(argv[i], "--cost") && i + 3 < argc) {
            /* --cost LAYER SIZE N: one process, no waits (callgrind) */
            const char *layer = argv[i + 1];
            int rc = suite_ladder_cost(layer, (uint32_t)strtoul(argv[i + 2], NULL, 10),
                                       atoi(argv[i + 3]));
            if (rc != 0)
                fprintf(stderr, "%s: --cost %s: %s\n", argv[0], layer,
                        rc < 0 ? "failed" : "wrong replies");
            return rc != 0;
        } else {
            fprintf(stderr,
                    "usage: %s [--smoke] [--out DIR] [--only floor|ladder|topo|peers] "
                    "[--trials N] [--iters N] [--bytes N] [--events N] [--cpus A,B]\n"
                    "       %s --cost framed|compact|flatbuffers SIZE N\n",
                    argv[0], argv[0]);
            return 2;
        }
    }
    if (smoke) {
        S.smoke = true;
        S.trials = 1;
        S.iters = 8;
        S.bytes = (uint64_t)4 << 20;
        S.events = 2000;
    }
    if (trials > 0)
        S.trials = trials;
    if (iters > 0)
        S.iters = iters;
    if (bytes)
        S.bytes = bytes;
    if (events)
        S.events = events;
    S.tty = isatty(2);
    mkdir(S.out_dir, 0755);
    char path[1024];
    /* meta.csv describes a whole run; a run of one group (--only) writes
     * only that group's meta file, below */
    snprintf(path, sizeof path, "%s/meta.csv", S.out_dir);
    if (!only || access(path, F_OK) != 0)
        meta(&S, path, argc, argv);

    static const group groups[] = {{"floor", suite_floor_group},
                                   {"ladder", suite_ladder},
                                   {"topo", suite_topo},
                                   {"peers", suite_peers}};
    size_t ng = sizeof groups / sizeof groups[0];
    S.dry = true;
    for (size_t g = 0; g < ng; g++)
        if (!only || !strcmp(only, groups[g].name))
            groups[g].run(&S);
    S.steps = S.step;
    S.step = 0;
    S.dry = false;
    S.t0 = now_ns();
    for (size_t g = 0; g < ng; g++) {
        if (only && strcmp(only, groups[g].name))
            continue;
        snprintf(path, sizeof path, "%s/%s.csv", S.out_dir, groups[g].name);
        S.csv = fopen(path, "w");
        if (!S.csv) {
            perror(path);
            return 1;
        }
        fprintf(S.csv, "case,wait,size,metric,value\n");
        /* each group's own machine and time, for a report that merges
         * runs of single groups (--only) */
        snprintf(path, sizeof path, "%s/meta-%s.csv", S.out_dir, groups[g].name);
        meta(&S, path, argc, argv);
        S.group = groups[g].name;
        groups[g].run(&S);
        fclose(S.csv);
        S.csv = NULL;
    }
    uint64_t s = (now_ns() - S.t0) / 1000000000u;
    fprintf(stderr, "%s%d cases in %llu:%02llu, %d failed; CSV in %s\n", S.tty ? "\n" : "", S.steps,
            (unsigned long long)(s / 60), (unsigned long long)(s % 60), S.failures, S.out_dir);
    return S.failures ? 1 : 0;
}
