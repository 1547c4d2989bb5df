/* bridge_bench: a ring bridged over ZeroMQ (libmyelon_bridge) against
 * plain ZeroMQ and plain TCP between the same two loopback endpoints, in
 * one run (docs/PERFORMANCE.md, "Bridge"; scripts/bench-bridge.sh):
 *
 *   stream  64 B events: producer -> ring -> exporter -> tcp -> importer
 *           -> ring -> reader, against a ZeroMQ PUSH socket sending the
 *           same 64 B messages to a PULL socket (events per second);
 *   rtt     64 B round trip: two bridges (ping and pong) against a ZeroMQ
 *           PAIR ping-pong (median and p99); once with every bridge side
 *           a process of its own, once in-process (the pinger and the
 *           echo each drive their two bridges with myl_bridge_step());
 *   large   1 MiB events through the bridge against the same messages
 *           written on a plain TCP connection (bytes per second); the
 *           bridge twice: sending the slots without copying them (the
 *           default for such slots), and copying them (MYL_BRIDGE_COPY).
 *           Rings of 16 such slots, batches of 2 (--large-slots,
 *           --large-batch): both rings (32 MiB) about fit a last-level
 *           cache, where rings of 32 moved 25-40 % less (PERFORMANCE.md).
 *           And a third time with in-process bridges: the producer's
 *           process steps its exporter, the reader's its importer, so
 *           two processes move the bytes, as in the TCP baseline.
 *           And plain ZeroMQ PUSH/PULL moving the same messages, sent
 *           without copying (what the bridge's transport does alone).
 *
 * Every role is its own process, as in a deployment (the bridge sides as
 * myelon-bridge would run them), except in the in-process round trip and
 * 1 MiB flow. Every message of every case is checked: its stamp (its
 * index) and every byte after it; a lost, repeated, reordered or
 * corrupted message fails the run (exit 1). Speed is reported, never
 * judged (the smoke test runs --smoke). --only FLOWS measures a subset
 * (stream, rtt, inproc, large), each flow with its baseline. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "bench_util.h"
#include "myelon/bridge.h"

#define SMALL 64u
#define LARGE (1u << 20)
#define STOP_STAMP UINT64_MAX

/* What a child reports through its pipe. */
typedef struct result {
    int ok;
    uint64_t n;        /* messages checked */
    double secs;       /* timed part (after the warm-up) */
    uint64_t p50, p99; /* rtt: ns */
    char err[240];
} result;

static uint64_t warmup = 2000;
static uint32_t ring_wait; /* MYL_WAIT_*: 0, the default (hybrid) */
static int child_alarm = 600;

/* ---- payloads: word k of message i is i * K + k; word 0 is i (the stamp) ---- */

static void fill(uint8_t *p, size_t len, uint64_t i)
{
    uint64_t w = i;
    memcpy(p, &w, 8);
    for (size_t k = 1; k < len / 8; k++) {
        w = i * UINT64_C(0x9e3779b97f4a7c15) + k;
        memcpy(p + 8 * k, &w, 8);
    }
}

static bool check_msg(const uint8_t *p, size_t len, uint64_t i)
{
    uint64_t w;
    memcpy(&w, p, 8);
    if (w != i)
        return false;
    for (size_t k = 1; k < len / 8; k++) {
        memcpy(&w, p + 8 * k, 8);
        if (w != i * UINT64_C(0x9e3779b97f4a7c15) + k)
            return false;
    }
    return true;
}

static uint64_t stamp(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

static result fail_r(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static result fail_r(const char *fmt, ...)
{
    result r = {0};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r.err, sizeof r.err, fmt, ap);
    va_end(ap);
    return r;
}

/* ---- processes ---- */

typedef result (*role_fn)(const void *arg);

typedef struct child {
    pid_t pid;
    int fd;
} child;

static child spawn(role_fn fn, const void *arg)
{
    int p[2];
    if (pipe(p) != 0) {
        perror("pipe");
        exit(1);
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        close(p[0]);
        alarm((unsigned)child_alarm); /* a hang ends as a failure, never as a wait */
        result r = fn(arg);
        if (write(p[1], &r, sizeof r) != (ssize_t)sizeof r)
            _exit(2);
        _exit(r.ok ? 0 : 1);
    }
    close(p[1]);
    return (child){pid, p[0]};
}

static result collect(child c, const char *who)
{
    result r;
    ssize_t n = read(c.fd, &r, sizeof r);
    close(c.fd);
    int st = 0;
    waitpid(c.pid, &st, 0);
    if (n != (ssize_t)sizeof r) {
        r = fail_r("%s: no result (%s %d)", who, WIFSIGNALED(st) ? "signal" : "exit",
                   WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    }
    return r;
}

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(s, (struct sockaddr *)&a, &len) < 0) {
        perror("free port");
        exit(1);
    }
    close(s);
    return ntohs(a.sin_port);
}

/* ---- rings and the bridge sides ---- */

static char names[8][96];
static int nnames;

static const char *ring_name(const char *what, int trial)
{
    char *n = names[nnames++ % 8];
    snprintf(n, sizeof names[0], "mylbb-%d-%d-%s", (int)getpid(), trial, what);
    return n;
}

static void remove_ring(const char *name)
{
    myl_ring_unlink(MYL_BACKING_SHM, name);
    char shm[256], st[300];
    if (myl_shm_name(name, shm, sizeof shm) < 0)
        return;
    snprintf(st, sizeof st, "%s.bridge-export", shm);
    shm_unlink(st);
    snprintf(st, sizeof st, "%s.bridge-import", shm);
    shm_unlink(st);
}

static void create_ring(const char *name, uint32_t slot, uint64_t capacity)
{
    remove_ring(name);
    myl_ring_opts o = {.size = sizeof o,
                       .name = name,
                       .slot_size = slot,
                       .capacity = capacity,
                       .wait = ring_wait,
                       .flags = MYL_SEG_REPLACE_STALE};
    myl_ring *r;
    check(myl_ring_create(&o, &r), name);
    myl_ring_close(r);
}

static myl_ring *attach(const char *name)
{
    myl_ring_opts o = {.size = sizeof o, .name = name};
    myl_ring *r;
    for (int i = 0; i < 5000; i++) {
        int rc = myl_ring_attach(&o, &r);
        if (rc == 0)
            return r;
        usleep(1000);
    }
    return NULL;
}

/* Wait until the ring has an active consumer with this id (the bridge's
 * exporter, a reader): a gated ring without it would not keep events. */
static bool wait_consumer(const char *ring, const char *id)
{
    myl_ring *r = attach(ring);
    if (!r)
        return false;
    for (int t = 0; t < 20000; t++) {
        for (uint32_t i = 0; i < r->max_consumers; i++) {
            myl_consumer_stats cs;
            if (myl_ring_consumer_stats(r, i, &cs) == 0 && cs.state == MYL_ENTRY_ACTIVE &&
                !strcmp(cs.id, id)) {
                myl_ring_close(r);
                return true;
            }
        }
        usleep(1000);
    }
    myl_ring_close(r);
    return false;
}

typedef struct side_arg {
    const char *ring;
    char endpoint[64];
    bool exporting;
    uint32_t batch;
    uint32_t flags; /* myl_bridge_opts.flags */
} side_arg;

static myl_bridge *volatile the_bridge;
static volatile sig_atomic_t stop_flag;

static void on_term(int sig)
{
    (void)sig;
    stop_flag = 1;
    if (the_bridge)
        myl_bridge_stop(the_bridge);
}

/* One side of a bridge, until SIGTERM. */
static result bridge_side(const void *arg)
{
    const side_arg *a = arg;
    signal(SIGTERM, on_term);
    (void)myl_bridge_keep_memory(); /* as myelon-bridge does */
    myl_ring *r = attach(a->ring);
    if (!r)
        return fail_r("bridge: attach %s", a->ring);
    myl_bridge_opts o = {
        .size = sizeof o, .endpoint = a->endpoint, .batch = a->batch, .flags = a->flags};
    myl_bridge *b;
    int rc = a->exporting ? myl_bridge_export_open(r, &o, &b) : myl_bridge_import_open(r, &o, &b);
    if (rc < 0)
        return fail_r("bridge open: %s", myl_strerror(rc));
    the_bridge = b;
    while (!stop_flag && (rc = myl_bridge_run(b, 100000000)) >= 0) {
    }
    result res = {.ok = rc >= 0};
    if (rc < 0)
        snprintf(res.err, sizeof res.err, "bridge: %s", myl_bridge_error(b));
    the_bridge = NULL;
    myl_bridge_close(b);
    myl_ring_close(r);
    return res;
}

static void stop_child(child c)
{
    kill(c.pid, SIGTERM);
}

/* ---- stream: 64 B events ---- */

typedef struct flow_arg {
    const char *ring, *dst; /* producer: its ring, and the ring whose reader must exist */
    char endpoint[64];
    uint32_t size;
    uint64_t n; /* timed messages, after the warm-up */
} flow_arg;

/* A producer on a bridged ring: warm-up + n events, stamped 0.. */
static result ring_producer(const void *arg)
{
    const flow_arg *a = arg;
    myl_ring *r = attach(a->ring);
    if (!r || !wait_consumer(a->ring, "bridge-export") || !wait_consumer(a->dst, "bench"))
        return fail_r("producer: rings not ready");
    myl_producer *p;
    int rc = myl_producer_open(r, NULL, &p);
    if (rc < 0)
        return fail_r("producer open: %s", myl_strerror(rc));
    uint8_t *buf = malloc(a->size);
    for (uint64_t i = 0; i < warmup + a->n; i++) {
        uint64_t s;
        if (a->size > 4096) { /* large: filled in place */
            rc = myl_producer_claim(p, 1, &s, MYL_FOREVER);
            if (rc < 0)
                return fail_r("claim: %s", myl_strerror(rc));
            fill(myl_producer_slot(p, s), a->size, i);
            myl_producer_publish(p, s, 1);
        } else {
            fill(buf, a->size, i);
            if ((rc = myl_producer_send(p, buf, MYL_FOREVER)) < 0)
                return fail_r("send: %s", myl_strerror(rc));
        }
    }
    free(buf);
    myl_producer_close(p);
    myl_ring_close(r);
    return (result){.ok = 1, .n = warmup + a->n};
}

/* The reader of the destination ring: checks every event. */
static result ring_reader(const void *arg)
{
    const flow_arg *a = arg;
    myl_ring *r = attach(a->ring);
    if (!r)
        return fail_r("reader: attach");
    myl_consumer_opts co = {.size = sizeof co, .start = MYL_START_OLDEST};
    myl_consumer *c;
    int rc = myl_consumer_open(r, "bench", &co, &c);
    if (rc < 0)
        return fail_r("reader open: %s", myl_strerror(rc));
    uint64_t i = 0, total = warmup + a->n, t0 = 0;
    while (i < total) {
        uint64_t s;
        int64_t n = myl_consumer_poll(c, 256, &s, 1000000000);
        if (n == MYL_ETIMEDOUT || n == MYL_EAGAIN)
            continue;
        if (n < 0)
            return fail_r("poll: %s", myl_strerror((int)n));
        for (int64_t k = 0; k < n; k++, i++) {
            const uint8_t *m = myl_consumer_slot(c, s + (uint64_t)k);
            if (!check_msg(m, a->size, i))
                return fail_r("event %" PRIu64 ": got stamp %" PRIu64
                              " or wrong bytes (lost, repeated or corrupted)",
                              i, stamp(m));
            if (i + 1 == warmup)
                t0 = now_ns();
        }
        myl_consumer_release(c, (uint32_t)n);
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    /* Nothing more may come (a duplicate). */
    uint64_t s;
    if (myl_consumer_poll(c, 1, &s, 200000000) > 0)
        return fail_r("an event after the last one (a duplicate)");
    myl_consumer_close(c);
    myl_ring_close(r);
    return (result){.ok = 1, .n = a->n, .secs = secs};
}

static result zmq_pusher(const void *arg)
{
    const flow_arg *a = arg;
    void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_PUSH);
    if (zmq_connect(s, a->endpoint) != 0)
        return fail_r("zmq connect: %s", zmq_strerror(zmq_errno()));
    uint8_t buf[SMALL];
    for (uint64_t i = 0; i < warmup + a->n; i++) {
        fill(buf, SMALL, i);
        if (zmq_send(s, buf, SMALL, 0) != (int)SMALL)
            return fail_r("zmq send: %s", zmq_strerror(zmq_errno()));
    }
    zmq_close(s); /* linger: everything queued is delivered first */
    zmq_ctx_term(ctx);
    return (result){.ok = 1, .n = warmup + a->n};
}

static result zmq_puller(const void *arg)
{
    const flow_arg *a = arg;
    void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_PULL);
    if (zmq_bind(s, a->endpoint) != 0)
        return fail_r("zmq bind: %s", zmq_strerror(zmq_errno()));
    uint8_t buf[SMALL + 1];
    uint64_t total = warmup + a->n, t0 = 0;
    for (uint64_t i = 0; i < total; i++) {
        int n = zmq_recv(s, buf, sizeof buf, 0);
        if (n != (int)SMALL || !check_msg(buf, SMALL, i))
            return fail_r("zmq message %" PRIu64 ": %d bytes, stamp %" PRIu64, i, n, stamp(buf));
        if (i + 1 == warmup)
            t0 = now_ns();
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    int zero = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return (result){.ok = 1, .n = a->n, .secs = secs};
}

/* ---- large: plain TCP ---- */

static int tcp_listen(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 1) != 0)
        return -1;
    return s;
}

static int full_io(int fd, uint8_t *p, size_t len, bool wr)
{
    while (len) {
        ssize_t n = wr ? write(fd, p, len) : read(fd, p, len);
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

typedef struct tcp_arg {
    int port;
    int lfd; /* receiver: the listening socket (made before the sender starts) */
    uint64_t n;
} tcp_arg;

static result tcp_sender(const void *arg)
{
    const tcp_arg *a = arg;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)a->port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(s, (struct sockaddr *)&sa, sizeof sa) != 0)
        return fail_r("tcp connect failed");
    uint8_t *buf = malloc(LARGE);
    for (uint64_t i = 0; i < warmup + a->n; i++) {
        fill(buf, LARGE, i);
        if (full_io(s, buf, LARGE, true) != 0)
            return fail_r("tcp write failed");
    }
    free(buf);
    close(s);
    return (result){.ok = 1, .n = warmup + a->n};
}

static result tcp_receiver(const void *arg)
{
    const tcp_arg *a = arg;
    int s = accept(a->lfd, NULL, NULL);
    if (s < 0)
        return fail_r("tcp accept failed");
    uint8_t *buf = malloc(LARGE);
    uint64_t total = warmup + a->n, t0 = 0;
    for (uint64_t i = 0; i < total; i++) {
        if (full_io(s, buf, LARGE, false) != 0 || !check_msg(buf, LARGE, i))
            return fail_r("tcp message %" PRIu64 " short or wrong", i);
        if (i + 1 == warmup)
            t0 = now_ns();
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    if (read(s, buf, 1) != 0)
        return fail_r("tcp: bytes after the last message");
    free(buf);
    close(s);
    return (result){.ok = 1, .n = a->n, .secs = secs};
}

/* Step an in-process exporter until the importer acknowledged everything
 * below want, for at most ns; the acknowledged position. */
static uint64_t step_until_acked(myl_bridge *ex, uint64_t want, uint64_t ns)
{
    myl_bridge_stats st;
    uint64_t end = now_ns() + ns;
    do {
        myl_bridge_step(ex, 1000000);
        myl_bridge_stats_get(ex, &st);
    } while (st.position < want && now_ns() < end);
    return st.position;
}

/* ---- large: plain ZeroMQ ---- */

/* The same 1 MiB messages over ZeroMQ PUSH/PULL between the same
 * endpoints, with ZeroMQ's default settings (a high-water mark of 1,000
 * messages): what plain ZeroMQ moves, the bridge's transport. The sender
 * hands ZeroMQ buffers of a pool of --large-slots without copying
 * (zmq_msg_init_data), as the exporter hands it the ring's slots, and
 * fills a buffer again once ZeroMQ let go of it; the receiver checks
 * each message in ZeroMQ's own, as a reader checks the ring's. Both keep
 * freed memory (myl_bridge_keep_memory), as bridge processes do. */
typedef struct zl_arg {
    char endpoint[64];
    uint64_t n, slots;
} zl_arg;

static void zl_free(void *data, void *hint)
{
    (void)data;
    /* Release: pairs with the acquire in zmq_large_sender (the buffer is
     * free once ZeroMQ's I/O thread is done reading it). */
    atomic_store_explicit((atomic_int *)hint, 0, memory_order_release);
}

static result zmq_large_sender(const void *arg)
{
    const zl_arg *a = arg;
    (void)myl_bridge_keep_memory();
    void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_PUSH);
    if (zmq_connect(s, a->endpoint) != 0)
        return fail_r("zmq connect: %s", zmq_strerror(zmq_errno()));
    uint8_t *pool[64];
    atomic_int busy[64];
    for (uint64_t k = 0; k < a->slots; k++) {
        if (!(pool[k] = malloc(LARGE)))
            return fail_r("zmq large: out of memory");
        atomic_init(&busy[k], 0);
    }
    for (uint64_t i = 0; i < warmup + a->n; i++) {
        uint64_t k = i % a->slots;
        /* Acquire: pairs with the release in zl_free. */
        while (atomic_load_explicit(&busy[k], memory_order_acquire))
            sched_yield();
        fill(pool[k], LARGE, i);
        atomic_store_explicit(&busy[k], 1, memory_order_relaxed); /* ours until zl_free */
        zmq_msg_t m;
        if (zmq_msg_init_data(&m, pool[k], LARGE, zl_free, &busy[k]) != 0 ||
            zmq_msg_send(&m, s, 0) != (int)LARGE)
            return fail_r("zmq large send: %s", zmq_strerror(zmq_errno()));
    }
    zmq_close(s); /* linger: everything queued is delivered first */
    zmq_ctx_term(ctx);
    for (uint64_t k = 0; k < a->slots; k++)
        free(pool[k]);
    return (result){.ok = 1, .n = warmup + a->n};
}

static result zmq_large_receiver(const void *arg)
{
    const zl_arg *a = arg;
    (void)myl_bridge_keep_memory();
    void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_PULL);
    if (zmq_bind(s, a->endpoint) != 0)
        return fail_r("zmq bind: %s", zmq_strerror(zmq_errno()));
    uint64_t total = warmup + a->n, t0 = 0;
    for (uint64_t i = 0; i < total; i++) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, s, 0) < 0)
            return fail_r("zmq large recv: %s", zmq_strerror(zmq_errno()));
        if (zmq_msg_size(&m) != LARGE || !check_msg(zmq_msg_data(&m), LARGE, i))
            return fail_r("zmq large message %" PRIu64 " short or wrong", i);
        zmq_msg_close(&m);
        if (i + 1 == warmup)
            t0 = now_ns();
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    zmq_close(s);
    zmq_ctx_term(ctx);
    return (result){.ok = 1, .n = a->n, .secs = secs};
}

/* ---- large: in-process bridges ---- */

/* The 1 MiB flow with in-process bridges: the producer's process steps
 * its exporter and the reader's its importer (myl_bridge_step), so two
 * processes move the bytes, as in the TCP baseline (plus ZeroMQ's I/O
 * threads), where the flow above runs four. */
typedef struct large_arg {
    const char *ring;
    char endpoint[64];
    uint32_t batch;
    uint64_t n;
} large_arg;

static result large_inproc_producer(const void *arg)
{
    const large_arg *a = arg;
    (void)myl_bridge_keep_memory();
    myl_ring *r = attach(a->ring);
    if (!r)
        return fail_r("large producer: attach");
    myl_bridge_opts o = {.size = sizeof o, .endpoint = a->endpoint, .batch = a->batch};
    myl_bridge *ex;
    myl_producer *p;
    int rc = myl_bridge_export_open(r, &o, &ex);
    if (rc < 0 || (rc = myl_producer_open(r, NULL, &p)) < 0)
        return fail_r("large producer open: %s", myl_strerror(rc));
    uint64_t total = warmup + a->n;
    result res = {.ok = 1, .n = total};
    for (uint64_t i = 0; i < total && res.ok; i++) {
        uint64_t s;
        while ((rc = myl_producer_try_claim(p, 1, &s)) == MYL_EAGAIN)
            if ((rc = myl_bridge_step(ex, 1000000)) < 0)
                break;
        if (rc < 0) {
            res = fail_r("large producer: %s (%s)", myl_strerror(rc), myl_bridge_error(ex));
            break;
        }
        fill(myl_producer_slot(p, s), LARGE, i);
        myl_producer_publish(p, s, 1);
        if ((rc = myl_bridge_step(ex, 0)) < 0)
            res = fail_r("large export: %s (%s)", myl_strerror(rc), myl_bridge_error(ex));
    }
    /* Everything sent and acknowledged before closing. */
    uint64_t acked = res.ok ? step_until_acked(ex, total, 30000000000u) : total;
    if (acked < total)
        res = fail_r("large producer: %" PRIu64 " of %" PRIu64 " acknowledged", acked, total);
    myl_producer_close(p);
    myl_bridge_close(ex);
    myl_ring_close(r);
    return res;
}

static result large_inproc_reader(const void *arg)
{
    const large_arg *a = arg;
    (void)myl_bridge_keep_memory();
    myl_ring *r = attach(a->ring);
    if (!r)
        return fail_r("large reader: attach");
    myl_consumer_opts co = {.size = sizeof co, .start = MYL_START_OLDEST};
    myl_consumer *c;
    myl_bridge_opts o = {.size = sizeof o, .endpoint = a->endpoint, .batch = a->batch};
    myl_bridge *im;
    int rc = myl_consumer_open(r, "bench", &co, &c);
    if (rc < 0 || (rc = myl_bridge_import_open(r, &o, &im)) < 0)
        return fail_r("large reader open: %s", myl_strerror(rc));
    uint64_t i = 0, total = warmup + a->n, t0 = 0, last = now_ns();
    result res = {.ok = 1, .n = a->n};
    while (i < total && res.ok) {
        uint64_t s;
        int64_t n = myl_consumer_try_poll(c, 256, &s);
        if (n == MYL_EAGAIN) {
            if ((rc = myl_bridge_step(im, 1000000)) < 0)
                res = fail_r("large import: %s (%s)", myl_strerror(rc), myl_bridge_error(im));
            else if (now_ns() - last > 30000000000u)
                res = fail_r("large reader: no event for 30 s after %" PRIu64, i);
            continue;
        }
        last = now_ns();
        if (n < 0) {
            res = fail_r("large poll: %s", myl_strerror((int)n));
            break;
        }
        for (int64_t k = 0; k < n && res.ok; k++, i++) {
            if (!check_msg(myl_consumer_slot(c, s + (uint64_t)k), LARGE, i))
                res = fail_r("large event %" PRIu64 " lost, repeated or corrupted", i);
            if (i + 1 == warmup)
                t0 = now_ns();
        }
        myl_consumer_release(c, (uint32_t)n);
    }
    res.secs = (double)(now_ns() - t0) / 1e9;
    /* Acknowledge the last batches, so the producer can finish. */
    uint64_t end = now_ns() + 200000000u;
    while (res.ok && now_ns() < end)
        if (myl_bridge_step(im, 1000000) > 0)
            res = fail_r("large reader: an event after the last one (a duplicate)");
    myl_consumer_close(c);
    myl_bridge_close(im);
    myl_ring_close(r);
    return res;
}

/* ---- round trips ---- */

typedef struct rtt_arg {
    const char *out, *in; /* rings: we produce on out, read in (bridged) */
    const char *out_dst;  /* the ring our out is imported into */
    char endpoint[64];    /* zmq */
    bool pinger;
    uint64_t n;
} rtt_arg;

static int cmp_u64_(const void *a, const void *b)
{
    return cmp_u64(a, b);
}

static result rtt_finish(uint64_t *lat, uint64_t n)
{
    qsort(lat, n, sizeof *lat, cmp_u64_);
    result r = {.ok = 1, .n = n, .p50 = pct(lat, n, 0.5), .p99 = pct(lat, n, 0.99)};
    free(lat);
    return r;
}

static result ring_rtt(const void *arg)
{
    const rtt_arg *a = arg;
    myl_ring *ro = attach(a->out), *ri = attach(a->in);
    if (!ro || !ri)
        return fail_r("rtt: attach");
    myl_consumer_opts co = {.size = sizeof co, .start = MYL_START_OLDEST};
    myl_consumer *c;
    myl_producer *p;
    int rc = myl_consumer_open(ri, "bench", &co, &c);
    if (rc < 0 || (rc = myl_producer_open(ro, NULL, &p)) < 0)
        return fail_r("rtt open: %s", myl_strerror(rc));
    uint8_t buf[SMALL];
    if (!a->pinger) { /* echo until the stop stamp */
        for (uint64_t i = 0;; i++) {
            int64_t n;
            while ((n = myl_consumer_read(c, buf, 1, NULL, 1000000000)) == MYL_ETIMEDOUT ||
                   n == MYL_EAGAIN) {
            }
            if (n != 1)
                return fail_r("echo read: %s", myl_strerror((int)n));
            if (stamp(buf) == STOP_STAMP)
                break;
            if (!check_msg(buf, SMALL, i))
                return fail_r("echo: ping %" PRIu64 " got stamp %" PRIu64, i, stamp(buf));
            if ((rc = myl_producer_send(p, buf, MYL_FOREVER)) < 0)
                return fail_r("echo send: %s", myl_strerror(rc));
        }
        return (result){.ok = 1};
    }
    if (!wait_consumer(a->out, "bridge-export") || !wait_consumer(a->out_dst, "bench"))
        return fail_r("rtt: rings not ready");
    uint64_t total = warmup + a->n, *lat = malloc(a->n * sizeof *lat);
    for (uint64_t i = 0; i < total; i++) {
        fill(buf, SMALL, i);
        uint64_t t = now_ns();
        if ((rc = myl_producer_send(p, buf, MYL_FOREVER)) < 0)
            return fail_r("ping send: %s", myl_strerror(rc));
        int64_t n;
        while ((n = myl_consumer_read(c, buf, 1, NULL, 1000000000)) == MYL_ETIMEDOUT ||
               n == MYL_EAGAIN) {
        }
        if (n != 1 || !check_msg(buf, SMALL, i))
            return fail_r("pong %" PRIu64 ": stamp %" PRIu64, i, stamp(buf));
        if (i >= warmup)
            lat[i - warmup] = now_ns() - t;
    }
    memset(buf, 0xff, SMALL);
    myl_producer_send(p, buf, MYL_FOREVER);
    myl_consumer_close(c);
    myl_producer_close(p);
    return rtt_finish(lat, a->n);
}

/* The in-process bridge: each side's process drives its own two bridges
 * with myl_bridge_step() (no bridge processes; a message takes no extra
 * hop). in_ep / out_ep: the endpoints of the bridges of its in and out
 * rings; the pinger's out exporter binds, its in importer connects. */
typedef struct inproc_arg {
    rtt_arg r;
    char out_ep[64], in_ep[64];
} inproc_arg;

/* Step both bridges until an event is in c (or an error). */
static int64_t inproc_read(myl_bridge *ex, myl_bridge *im, myl_consumer *c, uint8_t *buf)
{
    for (;;) {
        int64_t n = myl_consumer_read(c, buf, 1, NULL, 0);
        if (n != MYL_EAGAIN && n != MYL_ETIMEDOUT)
            return n;
        int rc = myl_bridge_step(ex, 0);
        if (rc >= 0)
            rc = myl_bridge_step(im, 1000000);
        if (rc < 0)
            return rc;
    }
}

static result ring_rtt_inproc(const void *arg)
{
    const inproc_arg *a = arg;
    myl_ring *ro = attach(a->r.out), *ri = attach(a->r.in);
    if (!ro || !ri)
        return fail_r("inproc: attach");
    myl_bridge_opts eo = {.size = sizeof eo, .endpoint = a->out_ep},
                    io = {.size = sizeof io, .endpoint = a->in_ep};
    myl_bridge *ex, *im;
    int rc = myl_bridge_export_open(ro, &eo, &ex);
    if (rc < 0 || (rc = myl_bridge_import_open(ri, &io, &im)) < 0)
        return fail_r("inproc bridge open: %s", myl_strerror(rc));
    myl_consumer_opts co = {.size = sizeof co, .start = MYL_START_OLDEST};
    myl_consumer *c;
    myl_producer *p;
    rc = myl_consumer_open(ri, "bench", &co, &c);
    if (rc < 0 || (rc = myl_producer_open(ro, NULL, &p)) < 0)
        return fail_r("inproc open: %s", myl_strerror(rc));
    uint8_t buf[SMALL];
    result res = {.ok = 1};
    uint64_t total = warmup + a->r.n, *lat = a->r.pinger ? malloc(a->r.n * sizeof *lat) : NULL;
    for (uint64_t i = 0;; i++) {
        if (a->r.pinger) {
            if (i == total)
                break;
            fill(buf, SMALL, i);
        }
        uint64_t t = now_ns();
        if (a->r.pinger && ((rc = myl_producer_send(p, buf, MYL_FOREVER)) < 0 ||
                            (rc = myl_bridge_step(ex, 0)) < 0)) {
            res = fail_r("inproc ping: %s", myl_strerror(rc));
            break;
        }
        int64_t n = inproc_read(ex, im, c, buf);
        if (n != 1) {
            res = fail_r("inproc read: %s", myl_strerror((int)n));
            break;
        }
        if (!a->r.pinger && stamp(buf) == STOP_STAMP)
            break;
        if (!check_msg(buf, SMALL, i)) {
            res = fail_r("inproc %" PRIu64 ": stamp %" PRIu64, i, stamp(buf));
            break;
        }
        if (a->r.pinger) {
            if (i >= warmup)
                lat[i - warmup] = now_ns() - t;
        } else if ((rc = myl_producer_send(p, buf, MYL_FOREVER)) < 0 ||
                   (rc = myl_bridge_step(ex, 0)) < 0) {
            res = fail_r("inproc echo: %s", myl_strerror(rc));
            break;
        }
    }
    if (a->r.pinger) {
        /* The stop stamp, pushed out and acknowledged before closing. */
        memset(buf, 0xff, SMALL);
        myl_producer_send(p, buf, MYL_FOREVER);
        (void)step_until_acked(ex, total + 1, 2000000000u);
        if (res.ok)
            res = rtt_finish(lat, a->r.n);
        else
            free(lat);
    }
    myl_consumer_close(c);
    myl_producer_close(p);
    myl_bridge_close(ex);
    myl_bridge_close(im);
    myl_ring_close(ro);
    myl_ring_close(ri);
    return res;
}

static result zmq_rtt(const void *arg)
{
    const rtt_arg *a = arg;
    void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_PAIR);
    if ((a->pinger ? zmq_connect(s, a->endpoint) : zmq_bind(s, a->endpoint)) != 0)
        return fail_r("zmq: %s", zmq_strerror(zmq_errno()));
    uint8_t buf[SMALL + 1];
    result r = {.ok = 1};
    if (!a->pinger) {
        for (uint64_t i = 0;; i++) {
            int n = zmq_recv(s, buf, sizeof buf, 0);
            if (n == 1)
                break; /* stop */
            if (n != (int)SMALL || !check_msg(buf, SMALL, i))
                return fail_r("zmq echo: ping %" PRIu64 " wrong", i);
            zmq_send(s, buf, SMALL, 0);
        }
    } else {
        uint64_t total = warmup + a->n, *lat = malloc(a->n * sizeof *lat);
        for (uint64_t i = 0; i < total; i++) {
            fill(buf, SMALL, i);
            uint64_t t = now_ns();
            zmq_send(s, buf, SMALL, 0);
            int n = zmq_recv(s, buf, sizeof buf, 0);
            if (n != (int)SMALL || !check_msg(buf, SMALL, i))
                return fail_r("zmq pong %" PRIu64 " wrong", i);
            if (i >= warmup)
                lat[i - warmup] = now_ns() - t;
        }
        zmq_send(s, "x", 1, 0);
        r = rtt_finish(lat, a->n);
    }
    zmq_close(s); /* default linger: the stop message goes out */
    zmq_ctx_term(ctx);
    return r;
}

/* ---- the cases ---- */

static int failures;

static result report_fail(const char *cs, result r)
{
    if (!r.ok) {
        fprintf(stderr, "%s: FAIL: %s\n", cs, r.err);
        failures++;
    }
    return r;
}

/* A bridged flow src -> dst: bridges, reader, producer. */
static result bridged_flow(int trial, uint32_t size, uint64_t cap, uint32_t batch, uint32_t flags,
                           uint64_t n, const char *cs)
{
    const char *src = ring_name("src", trial), *dst = ring_name("dst", trial);
    create_ring(src, size, cap);
    create_ring(dst, size, cap);
    side_arg ex = {.ring = src, .exporting = true, .batch = batch, .flags = flags},
             im = {.ring = dst, .batch = batch};
    snprintf(ex.endpoint, sizeof ex.endpoint, "tcp://127.0.0.1:%d", free_port());
    memcpy(im.endpoint, ex.endpoint, sizeof im.endpoint);
    flow_arg rd = {.ring = dst, .size = size, .n = n},
             pr = {.ring = src, .dst = dst, .size = size, .n = n};
    child e = spawn(bridge_side, &ex), i = spawn(bridge_side, &im), rc = spawn(ring_reader, &rd),
          pc = spawn(ring_producer, &pr);
    result r = report_fail(cs, collect(rc, "reader"));
    if (!r.ok) /* the producer may wait forever on a ring nobody reads */
        kill(pc.pid, SIGKILL);
    report_fail(cs, collect(pc, "producer"));
    stop_child(e);
    stop_child(i);
    report_fail(cs, collect(e, "exporter"));
    report_fail(cs, collect(i, "importer"));
    remove_ring(src);
    remove_ring(dst);
    return r;
}

static result zmq_stream(uint64_t n)
{
    flow_arg a = {.n = n};
    snprintf(a.endpoint, sizeof a.endpoint, "tcp://127.0.0.1:%d", free_port());
    child rcv = spawn(zmq_puller, &a), snd = spawn(zmq_pusher, &a);
    result r = report_fail("zmq-stream", collect(rcv, "puller"));
    if (!r.ok)
        kill(snd.pid, SIGKILL);
    report_fail("zmq-stream", collect(snd, "pusher"));
    return r;
}

static result tcp_large(uint64_t n)
{
    tcp_arg a = {.port = free_port(), .n = n};
    a.lfd = tcp_listen(a.port);
    if (a.lfd < 0)
        return report_fail("tcp-large", fail_r("listen failed"));
    child rcv = spawn(tcp_receiver, &a), snd = spawn(tcp_sender, &a);
    close(a.lfd);
    result r = report_fail("tcp-large", collect(rcv, "receiver"));
    if (!r.ok)
        kill(snd.pid, SIGKILL);
    report_fail("tcp-large", collect(snd, "sender"));
    return r;
}

static result zmq_large(uint64_t n, uint64_t slots)
{
    zl_arg a = {.n = n, .slots = slots};
    snprintf(a.endpoint, sizeof a.endpoint, "tcp://127.0.0.1:%d", free_port());
    child rcv = spawn(zmq_large_receiver, &a), snd = spawn(zmq_large_sender, &a);
    result r = report_fail("zmq-large", collect(rcv, "receiver"));
    if (!r.ok)
        kill(snd.pid, SIGKILL);
    report_fail("zmq-large", collect(snd, "sender"));
    return r;
}

static result zmq_rtt_case(uint64_t n)
{
    rtt_arg echo = {.pinger = false}, ping = {.pinger = true, .n = n};
    snprintf(echo.endpoint, sizeof echo.endpoint, "tcp://127.0.0.1:%d", free_port());
    memcpy(ping.endpoint, echo.endpoint, sizeof ping.endpoint);
    child e = spawn(zmq_rtt, &echo), p = spawn(zmq_rtt, &ping);
    result r = report_fail("zmq-rtt", collect(p, "pinger"));
    if (!r.ok)
        kill(e.pid, SIGKILL);
    report_fail("zmq-rtt", collect(e, "echo"));
    return r;
}

static result bridge_rtt_case(int trial, uint64_t n)
{
    /* host 1: ping-out, pong-in; host 2: ping-in, pong-out */
    const char *po = ring_name("ping-out", trial), *pi = ring_name("ping-in", trial),
               *qo = ring_name("pong-out", trial), *qi = ring_name("pong-in", trial);
    const char *rings[4] = {po, pi, qo, qi};
    for (int k = 0; k < 4; k++)
        create_ring(rings[k], SMALL, 4096);
    side_arg s[4] = {{.ring = po, .exporting = true},
                     {.ring = pi},
                     {.ring = qo, .exporting = true},
                     {.ring = qi}};
    snprintf(s[0].endpoint, sizeof s[0].endpoint, "tcp://127.0.0.1:%d", free_port());
    memcpy(s[1].endpoint, s[0].endpoint, sizeof s[0].endpoint);
    snprintf(s[2].endpoint, sizeof s[2].endpoint, "tcp://127.0.0.1:%d", free_port());
    memcpy(s[3].endpoint, s[2].endpoint, sizeof s[2].endpoint);
    child b[4];
    for (int k = 0; k < 4; k++)
        b[k] = spawn(bridge_side, &s[k]);
    rtt_arg echo = {.out = qo, .in = pi, .out_dst = qi},
            ping = {.out = po, .in = qi, .out_dst = pi, .pinger = true, .n = n};
    child e = spawn(ring_rtt, &echo), p = spawn(ring_rtt, &ping);
    result r = report_fail("bridge-rtt", collect(p, "pinger"));
    if (!r.ok)
        kill(e.pid, SIGKILL);
    report_fail("bridge-rtt", collect(e, "echo"));
    for (int k = 0; k < 4; k++) {
        stop_child(b[k]);
        report_fail("bridge-rtt", collect(b[k], "bridge"));
        remove_ring(rings[k]);
    }
    return r;
}

/* The same round trip with in-process bridges (myl_bridge_step). */
static result bridge_rtt_inproc_case(int trial, uint64_t n)
{
    const char *po = ring_name("ip-ping-out", trial), *pi = ring_name("ip-ping-in", trial),
               *qo = ring_name("ip-pong-out", trial), *qi = ring_name("ip-pong-in", trial);
    const char *rings[4] = {po, pi, qo, qi};
    for (int k = 0; k < 4; k++)
        create_ring(rings[k], SMALL, 4096);
    inproc_arg ping = {.r = {.out = po, .in = qi, .pinger = true, .n = n}},
               echo = {.r = {.out = qo, .in = pi}};
    snprintf(ping.out_ep, sizeof ping.out_ep, "tcp://127.0.0.1:%d", free_port());
    snprintf(echo.out_ep, sizeof echo.out_ep, "tcp://127.0.0.1:%d", free_port());
    memcpy(echo.in_ep, ping.out_ep, sizeof echo.in_ep);
    memcpy(ping.in_ep, echo.out_ep, sizeof ping.in_ep);
    child e = spawn(ring_rtt_inproc, &echo), p = spawn(ring_rtt_inproc, &ping);
    result r = report_fail("bridge-rtt-inproc", collect(p, "pinger"));
    if (!r.ok)
        kill(e.pid, SIGKILL);
    report_fail("bridge-rtt-inproc", collect(e, "echo"));
    for (int k = 0; k < 4; k++)
        remove_ring(rings[k]);
    return r;
}

/* The 1 MiB flow with in-process bridges. */
static result bridge_large_inproc_case(int trial, uint64_t cap, uint32_t batch, uint64_t n)
{
    const char *src = ring_name("ip-src", trial), *dst = ring_name("ip-dst", trial);
    create_ring(src, LARGE, cap);
    create_ring(dst, LARGE, cap);
    large_arg pr = {.ring = src, .batch = batch, .n = n},
              rd = {.ring = dst, .batch = batch, .n = n};
    snprintf(pr.endpoint, sizeof pr.endpoint, "tcp://127.0.0.1:%d", free_port());
    memcpy(rd.endpoint, pr.endpoint, sizeof rd.endpoint);
    child rc = spawn(large_inproc_reader, &rd), pc = spawn(large_inproc_producer, &pr);
    result r = report_fail("bridge-large-inproc", collect(rc, "reader"));
    if (!r.ok)
        kill(pc.pid, SIGKILL);
    report_fail("bridge-large-inproc", collect(pc, "producer"));
    remove_ring(src);
    remove_ring(dst);
    return r;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(const double *in, int n)
{
    double v[50];
    memcpy(v, in, (size_t)n * sizeof *v);
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The flows a run measures (--only), each with its baseline. */
enum { F_STREAM = 1, F_RTT = 2, F_INPROC = 4, F_LARGE = 8, F_ALL = 15 };

/* A comma-separated list of flow names as F_* bits; 0 if a name is
 * unknown or none is given. */
static unsigned parse_flows(const char *list)
{
    static const char *const names[] = {"stream", "rtt", "inproc", "large"};
    unsigned bits = 0;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        unsigned b = 0;
        for (unsigned k = 0; k < 4; k++)
            if (n == strlen(names[k]) && !strncmp(p, names[k], n))
                b = 1u << k;
        if (!b)
            return 0;
        bits |= b;
        p += n + (p[n] == ',');
    }
    return bits;
}

int main(int argc, char **argv)
{
    uint64_t n_stream = 1000000, n_rtt = 20000, n_large = 400, large_slots = 16, large_batch = 2;
    int runs = 3;
    unsigned only = F_ALL;
    const char *csv = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--smoke")) {
            n_stream = 20000, n_rtt = 300, n_large = 20, runs = 1, warmup = 200;
            child_alarm = 240;
        } else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--stream") && i + 1 < argc) {
            n_stream = strtoull(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--rtt") && i + 1 < argc) {
            n_rtt = strtoull(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--large") && i + 1 < argc) {
            n_large = strtoull(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--large-batch") && i + 1 < argc) {
            large_batch = strtoull(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--large-slots") && i + 1 < argc) {
            large_slots = strtoull(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--wait") && i + 1 < argc) {
            const char *w = argv[++i];
            ring_wait = !strcmp(w, "spin")    ? MYL_WAIT_SPIN
                        : !strcmp(w, "block") ? MYL_WAIT_BLOCK
                        : !strcmp(w, "yield") ? MYL_WAIT_YIELD
                                              : MYL_WAIT_HYBRID;
        } else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
            only = parse_flows(argv[++i]);
            if (!only) {
                fprintf(stderr, "bridge_bench: --only: a comma-separated subset of "
                                "stream,rtt,inproc,large\n");
                return 2;
            }
        } else if (!strcmp(argv[i], "--csv") && i + 1 < argc) {
            csv = argv[++i];
        } else {
            fprintf(stderr, "usage: bridge_bench [--smoke] [--runs R] [--stream N] [--rtt N] "
                            "[--large N] [--large-slots S] [--large-batch B] "
                            "[--wait hybrid|block|yield|spin] [--only FLOWS] [--csv FILE]\n"
                            "  FLOWS: a comma-separated subset of stream,rtt,inproc,large\n");
            return 2;
        }
    }
    if (runs < 1 || runs > 50 || n_stream < 1 || n_rtt < 1 || n_large < 1) {
        fprintf(stderr, "bridge_bench: counts must be positive, runs 1..50\n");
        return 2;
    }
    if (large_slots < 2 || large_slots > 64 || (large_slots & (large_slots - 1)) ||
        large_batch < 1 || large_batch > large_slots) {
        fprintf(stderr, "bridge_bench: --large-slots a power of two 2..64, --large-batch "
                        "1..slots\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    enum { ZS, BS, ZR50, ZR99, BR50, BR99, IR50, IR99, TL, ZL, BL, BLC, BLI, NM };
    static const char *label[NM] = {
        "zmq-stream events/s",      "bridge-stream events/s",   "zmq-rtt p50 us",
        "zmq-rtt p99 us",           "bridge-rtt p50 us",        "bridge-rtt p99 us",
        "inproc-bridge-rtt p50 us", "inproc-bridge-rtt p99 us", "tcp-large MB/s",
        "zmq-large MB/s",           "bridge-large MB/s",        "bridge-large-copy MB/s",
        "inproc-bridge-large MB/s"};
    static const unsigned flow_of[NM] = {
        F_STREAM, F_STREAM, F_RTT | F_INPROC, F_RTT | F_INPROC, F_RTT,   F_RTT,  F_INPROC,
        F_INPROC, F_LARGE,  F_LARGE,          F_LARGE,          F_LARGE, F_LARGE};
    double v[NM][50] = {{0}};
    uint64_t large_warm = warmup > 20 ? 20 : warmup;
    for (int t = 0; t < runs; t++) {
        result r;
        if (only & F_STREAM) {
            r = zmq_stream(n_stream);
            v[ZS][t] = r.ok ? (double)r.n / r.secs : 0;
            r = bridged_flow(t, SMALL, 65536, 0, 0, n_stream, "bridge-stream");
            v[BS][t] = r.ok ? (double)r.n / r.secs : 0;
        }
        if (only & (F_RTT | F_INPROC)) {
            r = zmq_rtt_case(n_rtt);
            v[ZR50][t] = (double)r.p50 / 1e3, v[ZR99][t] = (double)r.p99 / 1e3;
        }
        if (only & F_RTT) {
            r = bridge_rtt_case(t, n_rtt);
            v[BR50][t] = (double)r.p50 / 1e3, v[BR99][t] = (double)r.p99 / 1e3;
        }
        if (only & F_INPROC) {
            r = bridge_rtt_inproc_case(t, n_rtt);
            v[IR50][t] = (double)r.p50 / 1e3, v[IR99][t] = (double)r.p99 / 1e3;
        }
        if (only & F_LARGE) {
            uint64_t w = warmup;
            warmup = large_warm;
            r = tcp_large(n_large);
            v[TL][t] = r.ok ? (double)r.n * LARGE / r.secs / 1e6 : 0;
            r = zmq_large(n_large, large_slots);
            v[ZL][t] = r.ok ? (double)r.n * LARGE / r.secs / 1e6 : 0;
            r = bridged_flow(t, LARGE, large_slots, (uint32_t)large_batch, 0, n_large,
                             "bridge-large");
            v[BL][t] = r.ok ? (double)r.n * LARGE / r.secs / 1e6 : 0;
            r = bridged_flow(t, LARGE, large_slots, (uint32_t)large_batch, MYL_BRIDGE_COPY, n_large,
                             "bridge-large-copy");
            v[BLC][t] = r.ok ? (double)r.n * LARGE / r.secs / 1e6 : 0;
            r = bridge_large_inproc_case(t, large_slots, (uint32_t)large_batch, n_large);
            v[BLI][t] = r.ok ? (double)r.n * LARGE / r.secs / 1e6 : 0;
            warmup = w;
        }
        fprintf(stderr, "run %d:", t + 1);
        if (only & F_STREAM)
            fprintf(stderr, " stream zmq %.0f bridge %.0f ev/s;", v[ZS][t], v[BS][t]);
        if (only & (F_RTT | F_INPROC))
            fprintf(stderr, " rtt p50 zmq %.1f us;", v[ZR50][t]);
        if (only & F_RTT)
            fprintf(stderr, " bridge %.1f us;", v[BR50][t]);
        if (only & F_INPROC)
            fprintf(stderr, " in-process %.1f us;", v[IR50][t]);
        if (only & F_LARGE)
            fprintf(stderr,
                    " 1 MiB tcp %.0f zmq %.0f bridge %.0f (copying %.0f, in-process %.0f) MB/s",
                    v[TL][t], v[ZL][t], v[BL][t], v[BLC][t], v[BLI][t]);
        fputc('\n', stderr);
    }
    double m[NM];
    for (int k = 0; k < NM; k++)
        m[k] = median(v[k], runs);
    printf("bridge_bench: %d run(s), medians;", runs);
    if (only & F_STREAM)
        printf(" stream %" PRIu64 " x 64 B;", n_stream);
    if (only & (F_RTT | F_INPROC))
        printf(" rtt %" PRIu64 " x 64 B;", n_rtt);
    if (only & F_LARGE)
        printf(" large %" PRIu64 " x 1 MiB;", n_large);
    printf(" every message checked\n");
    for (int k = 0; k < NM; k++)
        if (only & flow_of[k])
            printf("  %-24s %14.1f\n", label[k], m[k]);
    if (only & F_STREAM)
        printf("  ratio stream  bridge/zmq      %6.2fx  (target >= 0.8)\n",
               m[ZS] > 0 ? m[BS] / m[ZS] : 0);
    if (only & F_RTT)
        printf("  ratio rtt p50 bridge/zmq      %6.2fx  (target <= 1.2; bridge processes)\n",
               m[ZR50] > 0 ? m[BR50] / m[ZR50] : 0);
    if (only & F_INPROC)
        printf("  ratio rtt p50 in-process/zmq  %6.2fx  (target <= 1.2; myl_bridge_step)\n",
               m[ZR50] > 0 ? m[IR50] / m[ZR50] : 0);
    if (only & F_LARGE) {
        printf("  ratio 1 MiB   bridge/tcp      %6.2fx  (target >= 0.8)\n",
               m[TL] > 0 ? m[BL] / m[TL] : 0);
        printf("  ratio 1 MiB   copying/tcp     %6.2fx  (MYL_BRIDGE_COPY: the copy the default "
               "avoids)\n",
               m[TL] > 0 ? m[BLC] / m[TL] : 0);
        printf("  ratio 1 MiB   in-process/tcp  %6.2fx  (target >= 0.8; myl_bridge_step)\n",
               m[TL] > 0 ? m[BLI] / m[TL] : 0);
        printf("  ratio 1 MiB   zmq/tcp         %6.2fx  (plain ZeroMQ PUSH/PULL, zero copy)\n",
               m[TL] > 0 ? m[ZL] / m[TL] : 0);
        printf("  ratio 1 MiB   bridge/zmq      %6.2fx  (in-process/zmq %.2fx)\n",
               m[ZL] > 0 ? m[BL] / m[ZL] : 0, m[ZL] > 0 ? m[BLI] / m[ZL] : 0);
    }
    if (csv) {
        FILE *f = fopen(csv, "w");
        if (f) {
            fprintf(f, "metric,median");
            for (int t = 0; t < runs; t++)
                fprintf(f, ",run%d", t + 1);
            fputc('\n', f);
            for (int k = 0; k < NM; k++) {
                if (!(only & flow_of[k]))
                    continue;
                fprintf(f, "%s,%.1f", label[k], m[k]);
                for (int t = 0; t < runs; t++)
                    fprintf(f, ",%.1f", v[k][t]);
                fputc('\n', f);
            }
            fclose(f);
        }
    }
    if (failures) {
        fprintf(stderr,
                "bridge_bench: %d failure(s): a message was lost, repeated, reordered or "
                "corrupted, or a process failed\n",
                failures);
        return 1;
    }
    return 0;
}
