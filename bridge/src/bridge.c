/* libmyelon_bridge: exporter and importer (myelon/bridge.h; the protocol
 * and its guarantee are in docs/BRIDGE.md). */
#define _GNU_SOURCE
#include "myelon/bridge.h"

#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "myelon/frame.h"
#include "state.h"
#include "wire.h"

#define ROLE_EXPORT MYL__BR_ROLE_EXPORT
#define ID_MAX MYL__BR_PEER_MAX
#define ROLE_IMPORT MYL__BR_ROLE_IMPORT

/* ---- the state object ----
 *
 * One page, shared memory (a shm object, or a file next to a file ring):
 * the counters (readable by other processes: myelon-stat reads them) and,
 * for an importer, the mapping from its ring's sequences to the remote
 * stream's, which is what lets a restarted importer know what it
 * delivered (docs/BRIDGE.md, "Where the positions live"). Its layout is
 * in state.h, shared with tools/stat.c. */
#define STATE_MAGIC MYL__BR_STATE_MAGIC
#define STATE_VERSION MYL__BR_STATE_VERSION
#define STATE_SIZE MYL__BR_STATE_SIZE
#define NCOUNTERS MYL__BR_NCOUNTERS
/* How often an exporter reads its socket for ACKs when nothing presses
 * (export_run): ZeroMQ's own pace for looking at a socket's commands. */
#define PROBE_NS 1000000u

typedef myl__br_state_map state_map;
typedef myl__br_state bridge_state;

MYL__STATIC_ASSERT(sizeof(myl_bridge_stats) == NCOUNTERS * sizeof(uint64_t), "counters");

enum {
    C_MESSAGES = MYL__BR_C_MESSAGES,
    C_BYTES = MYL__BR_C_BYTES,
    C_FRAMES = MYL__BR_C_FRAMES,
    C_BATCHES = MYL__BR_C_BATCHES,
    C_RECONNECTS = MYL__BR_C_RECONNECTS,
    C_DROPS = MYL__BR_C_DROPS,
    C_REPLAYED = MYL__BR_C_REPLAYED,
    C_DUPLICATES = MYL__BR_C_DUPLICATES,
    C_BAD = MYL__BR_C_BAD,
    C_REFUSED = MYL__BR_C_REFUSED,
    C_POSITION = MYL__BR_C_POSITION,
    C_SKIPPED = MYL__BR_C_SKIPPED
};

/* A BATCHZ in ZeroMQ's hands: the ring slots from `first` on that its
 * event frames point at, and how many of those frames ZeroMQ has not let
 * go of yet. zc_free (on ZeroMQ's I/O thread, or on ours when a send
 * fails) counts them down; the slots are released only once the importer
 * has acknowledged them and no record below them has frames left. */
typedef struct zc_rec {
    uint64_t first;
    _Atomic uint32_t refs;
} zc_rec;

struct myl_bridge {
    uint32_t role;
    uint32_t kind;
    myl_ring *ring;
    bool lossy;
    myl_bridge_opts o;
    void *ctx;
    void *sock;
    /* The socket's ZMQ_FD, and (exporter) whether it tells of new input
     * now: true only after a receive found nothing (it processed every command
     * ZeroMQ had for the socket; anything new signals the descriptor).
     * Any other call on the socket (a send processes commands too)
     * clears it, and a wait then asks zmq_poll, which looks at the
     * socket's state first. A wait on the descriptor alone is one
     * system call where zmq_poll makes four (docs/BRIDGE.md,
     * "Performance"). */
    int fd;
    bool fd_armed;
    int rcvtimeo; /* importer: the socket's ZMQ_RCVTIMEO (ms; -1: ZeroMQ's default) */
    /* Exporter: when to read the socket for ACKs next while nothing
     * presses (a window or ring half held presses; see export_run). */
    uint64_t probe_at;
    bridge_state *st;
    char state_name[300];
    /* myl_bridge_stop, from another thread or a signal handler: relaxed,
     * a flag looked at on every pass, ordered with nothing else. */
    atomic_int stop;
    char err[320];
    uint64_t instance; /* this side's ring identity */
    uint64_t session;  /* 0: none */
    bool had_session;
    bool heard; /* exporter: the importer acknowledged in this session */
    uint64_t last_rx, last_tx;
    uint64_t self_check_at; /* exporter: when to look for its eviction next */
    int refusing;           /* exporter: the refusal's code, answered until refuse_until */
    /* Exporter (a ROUTER socket): the routing ids of the session's
     * importer and of the sender of the message being handled. Only the
     * session's importer gets batches: a second importer that connects is
     * told the exporter is busy, not dealt part of the stream. */
    uint8_t peer[ID_MAX], from[ID_MAX];
    size_t peer_len, from_len;
    bool peer_lost; /* no connection has the session's id: sends wait for its next message */
    /* A restarted exporter prefers its last session's importer (its id
     * from the state object) to any other: until prefer_until (a few
     * reconnect intervals, for it to connect again) whether connected or
     * not, then as long as a connection has its id (it asks again only
     * after its own peer timeout, a standby every reconnect interval). */
    bool prefer;
    uint64_t prefer_until;
    uint64_t refuse_until;
    uint8_t ctl[MYL__BR_HDR + 8 + MYL__BR_REFUSE_TEXT_MAX + 64];
    /* exporter */
    myl_consumer *c;
    uint64_t acked;    /* released: the importer has everything below */
    uint64_t sent_hw;  /* sequences below were sent at least once */
    uint64_t sent_end; /* where this session's last batch ended */
    uint8_t *buf;
    size_t buf_len;
    bool pending; /* buf holds a batch ZeroMQ would not take yet */
    /* Zero copy (gated rings, slots of MYL_BRIDGE_ZC_MIN bytes or more):
     * the pending batch is a BATCHZ whose header is in buf and whose
     * events are the slots [pend_first, pend_first + pend_count). */
    bool zc, pend_zc;
    uint64_t pend_first, pend_prev;
    uint32_t pend_count;
    uint32_t pend_flags; /* its MYL__BR_F_* */
    zc_rec *recs;
    uint32_t nrecs;
    /* The window: the ends of the batches sent and not acknowledged
     * (gated rings), at most `window` of them. Bounded so that the
     * importer's receive queue never reaches its high-water mark: ZeroMQ
     * then keeps reading the connection (and answering its heartbeats)
     * while the importer waits on a full ring. */
    uint64_t *ends;
    uint32_t window, in_flight, head;
    uint32_t batch;
    /* importer */
    myl_producer *p;
    uint64_t next;   /* next remote sequence expected (MYL__BR_NONE: any) */
    uint64_t stream; /* the remote stream next refers to (0: none) */
    uint64_t nonce;  /* the HELLO awaiting its WELCOME */
    uint64_t expect_rx;
    bool src_lossy; /* the exporter's ring is lossy (its WELCOME says) */
    uint64_t last_hello;
    zmq_msg_t *parts; /* a BATCHZ's event frames, nparts of room */
    uint32_t nparts;
    /* A batch the ring had no room for before the deadline of the step
     * (or run) that received it: its message (and a BATCHZ's frames, in
     * parts[0, held_nparts)) kept, its events from held_i on published
     * by the next step or run before the socket is read again. A step
     * never waits beyond its deadline for room in the ring: the thread
     * that steps an importer may be the one that reads the ring. */
    bool held;
    zmq_msg_t held_msg;
    uint32_t held_i, held_nparts;
    uint64_t deadline; /* of the running step or run */
    /* An ACK ZeroMQ would not take (the high-water mark of the socket's
     * outgoing pipe, reached when its I/O thread lags): sent again as
     * soon as the socket is writable, never dropped, or the exporter
     * waits for it until the next heartbeat. */
    bool ack_due;
    /* Batches published and not acknowledged yet: acknowledged by ack_at
     * (MYL__BR_ACK_DELAY_NS after the first), or at once when a batch
     * asks (MYL__BR_F_ACK_NOW). A round trip then sends one message a
     * leg, not two. */
    bool ack_owed;
    uint64_t ack_at;
    bool test_refuse_acks; /* MYL_TEST_BRIDGE_ACK_REFUSE: tests only */
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void set_err(myl_bridge *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->err, sizeof b->err, fmt, ap);
    va_end(ap);
}

static void count(myl_bridge *b, int i, uint64_t n)
{
    /* Relaxed: a statistic, written by this process only. */
    myl__store_relaxed(&b->st->counter[i], myl__load_relaxed(&b->st->counter[i]) + n);
}

static void set_counter(myl_bridge *b, int i, uint64_t v)
{
    myl__store_relaxed(&b->st->counter[i], v); /* relaxed: a statistic */
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    /* FNV-1a over the 8 bytes of v. */
    for (int i = 0; i < 8; i++) {
        h ^= (uint8_t)(v >> (8 * i));
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

/* A ring's identity: its creation (time, process) and name. A ring
 * created again under the same name is another stream. */
static uint64_t ring_instance(const myl_ring *r)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    h = mix(h, r->hdr->created_realtime_ns);
    h = mix(h, (uint64_t)(uint32_t)r->hdr->creator_pid);
    h = mix(h, r->hdr->creator_start_time);
    for (const char *s = r->name; *s; s++)
        h = mix(h, (uint8_t)*s);
    return h ? h : 1;
}

static bool stopping(const myl_bridge *b)
{
    /* Relaxed: pairs with the store in myl_bridge_stop (a flag only). */
    return atomic_load_explicit(&b->stop, memory_order_relaxed) != 0;
}

static uint64_t fresh_nonce(void)
{
    /* Bridges run in threads of one process (a topology relay's): relaxed,
     * a counter that only has to differ, ordered with nothing. */
    static _Atomic uint64_t counter;
    uint64_t k = atomic_fetch_add_explicit(&counter, 1, memory_order_relaxed) + 1;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)getpid() << 40) ^
                 (k * UINT64_C(0x9e3779b97f4a7c15));
    /* splitmix64 */
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x ? x : 1;
}

/* b->peer into the state object: the length last, zero meanwhile (read
 * only by a later incarnation of this side, after this one is gone). */
static void store_peer(myl_bridge *b)
{
    b->st->peer_len = 0;
    memcpy(b->st->peer, b->peer, b->peer_len);
    b->st->peer_len = (uint32_t)b->peer_len;
}

static int open_state(myl_bridge *b)
{
    const char *suffix = b->role == ROLE_EXPORT ? MYL__BR_SUFFIX_EXPORT : MYL__BR_SUFFIX_IMPORT;
    int fd;
    bool shm = b->ring->backing == MYL_BACKING_SHM;
    if (b->o.state_name) {
        if (shm) {
            int rc = myl_shm_name(b->o.state_name, b->state_name, sizeof b->state_name);
            if (rc < 0)
                return rc;
        } else if (snprintf(b->state_name, sizeof b->state_name, "%s", b->o.state_name) >=
                   (int)sizeof b->state_name) {
            return MYL_ENAME;
        }
    } else if (snprintf(b->state_name, sizeof b->state_name, "%s%s", b->ring->name, suffix) >=
               (int)sizeof b->state_name) {
        return MYL_ENAME;
    }
    if (shm)
        fd = shm_open(b->state_name, O_RDWR | O_CREAT, 0600);
    else
        fd = open(b->state_name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        set_err(b, "state object %s: %s", b->state_name, strerror(errno));
        return -errno;
    }
    struct stat sb;
    if (fstat(fd, &sb) < 0 || (sb.st_size < STATE_SIZE && ftruncate(fd, STATE_SIZE) < 0)) {
        int e = errno;
        close(fd);
        set_err(b, "state object %s: %s", b->state_name, strerror(e));
        return -e;
    }
    if (sb.st_uid != geteuid()) {
        close(fd);
        set_err(b, "state object %s is owned by another user", b->state_name);
        return MYL_EOWNER;
    }
    void *m = mmap(NULL, STATE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED) {
        set_err(b, "state object %s: %s", b->state_name, strerror(errno));
        return -errno;
    }
    b->st = m;
    if (b->st->magic == 0) {
        memset(b->st, 0, sizeof *b->st);
        b->st->version = STATE_VERSION;
        b->st->role = b->role;
        b->st->kind = b->kind;
        b->st->fingerprint = b->ring->fingerprint;
        b->st->magic = STATE_MAGIC;
    } else if (b->st->magic != STATE_MAGIC || b->st->version != STATE_VERSION ||
               b->st->role != b->role) {
        set_err(b, "state object %s is not a %s bridge's state", b->state_name,
                b->role == ROLE_EXPORT ? "exporter" : "importer");
        return MYL_EBADMAGIC;
    }
    b->st->pid = (int32_t)getpid();
    /* Whole, NUL-padded: readers find renamed state objects by it. */
    char ring[MYL__BR_RING_NAME] = {0};
    snprintf(ring, sizeof ring, "%s", b->ring->name);
    memcpy(b->st->ring, ring, sizeof ring);
    b->st->kind = b->kind;
    b->st->fingerprint = b->ring->fingerprint;
    /* peer: the exporter's last importer, the importer's own routing id
     * (kept, so that the importer restarted is the same peer to it). Ids
     * are ours only: never a zero first byte (ZeroMQ's own). */
    uint32_t n = b->st->peer_len;
    if (n && n <= ID_MAX && b->st->peer[0] != 0) {
        memcpy(b->peer, b->st->peer, n);
        b->peer_len = n;
        b->prefer = b->role == ROLE_EXPORT;
        b->prefer_until = now_ns() + 3 * (uint64_t)b->o.reconnect_ns + 100000000u;
    } else if (b->role == ROLE_IMPORT) {
        uint64_t r = fresh_nonce();
        b->peer[0] = 'm';
        memcpy(b->peer + 1, &r, 8);
        b->peer_len = 9;
        store_peer(b);
    }
    return 0;
}

/* One ZeroMQ context per process, shared by its bridges: one I/O thread
 * in all, not one per bridge (on few cores, every extra thread competes
 * with the ones that have work; an in-process exporter and importer pair
 * measured faster on one). A child of fork() does not inherit the I/O
 * thread, so a context made by another pid is left alone (not
 * terminated: its thread is not ours) and a new one is made. */
static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static void *ctx_shared;
static pid_t ctx_pid;
static int ctx_refs;

static void *ctx_get(void)
{
    pthread_mutex_lock(&ctx_lock);
    if (ctx_shared && ctx_pid != getpid())
        ctx_shared = NULL, ctx_refs = 0;
    if (!ctx_shared && (ctx_shared = zmq_ctx_new()) != NULL)
        ctx_pid = getpid();
    void *c = ctx_shared;
    if (c)
        ctx_refs++;
    pthread_mutex_unlock(&ctx_lock);
    return c;
}

static void ctx_put(void *c)
{
    pthread_mutex_lock(&ctx_lock);
    /* A context this process did not make (inherited over fork) is not
     * ours to terminate. */
    bool last = c == ctx_shared && ctx_pid == getpid() && --ctx_refs == 0;
    if (last)
        ctx_shared = NULL;
    pthread_mutex_unlock(&ctx_lock);
    if (last) /* outside the lock: term waits for the sockets to close */
        zmq_ctx_term(c);
}

static int open_socket(myl_bridge *b)
{
    b->ctx = ctx_get();
    if (!b->ctx)
        return -errno;
    /* The exporter a ROUTER, so that it sends to the session's importer
     * only (a DEALER deals its messages round robin to every peer); the
     * importer a DEALER with a routing id of its own, which a connection
     * it makes again keeps (ZMQ_ROUTER_HANDOVER on the exporter). */
    bool exp = b->role == ROLE_EXPORT;
    b->sock = zmq_socket(b->ctx, exp ? ZMQ_ROUTER : ZMQ_DEALER);
    b->rcvtimeo = -1; /* ZeroMQ's default: block */
    if (!b->sock)
        return -errno;
    int one = 1;
    int hwm = (int)b->o.hwm;
    int linger = 500;
    int reconnect = (int)(b->o.reconnect_ns / 1000000);
    int hb = (int)(b->o.peer_timeout_ns / 4000000);
    int hb_timeout = (int)(b->o.peer_timeout_ns / 1000000);
    /* Two libzmq (4.3) aborts decide how the importer's socket is set.
     * With ZMQ_IMMEDIATE, a connecting socket whose connection died ends
     * that connection's inbound queue at once, undrained: when that
     * happens between two frames of a BATCHZ, the next receive fails an
     * assertion ("!_more", fq.cpp; the exporter killed while the importer
     * had a backlog). Without it, the queue outlives the connection, and
     * if it was full (the engine stopped reading) when the connection was
     * replaced, reading it aborts ("_input_stopped",
     * stream_engine_base.cpp; a reader stopped for longer than the peer
     * timeout). So the importer never sets ZMQ_IMMEDIATE and its receive
     * queue has no high-water mark: ZeroMQ never stops reading for it,
     * and what it holds is bounded by the exporter's window (hwm - 2
     * batches in flight, b->window), not by ZeroMQ. What the importer
     * sends while disconnected (HELLOs, one nonce; ACKs) waits for the
     * next connection, where a HELLO repeated or a message of another
     * session is ignored. A connecting exporter sets ZMQ_IMMEDIATE:
     * nothing is queued for a connection that is down, and a connection
     * that dies takes its queue (with the zero-copy frames in it, which
     * hold ring slots) along; it receives single frames only. */
    int immediate = 1, unbounded = 0;
    int64_t maxsize = (int64_t)MYL__BR_BATCH_HDR + MYL__BR_MAX_BYTES;
    if (reconnect < 1)
        reconnect = 1;
    if (hb < 10)
        hb = 10;
    bool bind = b->o.bind == MYL_BRIDGE_BIND ||
                (b->o.bind == MYL_BRIDGE_BIND_DEFAULT && b->role == ROLE_EXPORT);
    if (zmq_setsockopt(b->sock, ZMQ_SNDHWM, &hwm, sizeof hwm) ||
        zmq_setsockopt(b->sock, ZMQ_RCVHWM, b->role == ROLE_EXPORT ? &hwm : &unbounded,
                       sizeof hwm) ||
        zmq_setsockopt(b->sock, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_setsockopt(b->sock, ZMQ_RECONNECT_IVL, &reconnect, sizeof reconnect) ||
        zmq_setsockopt(b->sock, ZMQ_HEARTBEAT_IVL, &hb, sizeof hb) ||
        zmq_setsockopt(b->sock, ZMQ_HEARTBEAT_TIMEOUT, &hb_timeout, sizeof hb_timeout) ||
        zmq_setsockopt(b->sock, ZMQ_MAXMSGSIZE, &maxsize, sizeof maxsize) ||
        (exp && zmq_setsockopt(b->sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one)) ||
        (exp && zmq_setsockopt(b->sock, ZMQ_ROUTER_HANDOVER, &one, sizeof one)) ||
        (!exp && zmq_setsockopt(b->sock, ZMQ_ROUTING_ID, b->peer, b->peer_len)) ||
        (!bind && b->role == ROLE_EXPORT &&
         zmq_setsockopt(b->sock, ZMQ_IMMEDIATE, &immediate, sizeof immediate))) {
        set_err(b, "zmq_setsockopt: %s", zmq_strerror(zmq_errno()));
        return MYL_EINVAL;
    }
    int rc = bind ? zmq_bind(b->sock, b->o.endpoint) : zmq_connect(b->sock, b->o.endpoint);
    if (rc != 0) {
        set_err(b, "%s %s: %s", bind ? "bind" : "connect", b->o.endpoint,
                zmq_strerror(zmq_errno()));
        return MYL_EINVAL;
    }
    size_t fdlen = sizeof b->fd;
    if (zmq_getsockopt(b->sock, ZMQ_FD, &b->fd, &fdlen) != 0) {
        set_err(b, "zmq_getsockopt(ZMQ_FD): %s", zmq_strerror(zmq_errno()));
        return MYL_EINVAL;
    }
    return 0;
}

/* Wait up to ms for the socket to be readable (or writable, out), or
 * for a command that may make it so. */
/* Returns whether ZeroMQ said the socket is writable (out only). */
static bool wait_socket(myl_bridge *b, bool out, long ms)
{
    if (b->fd_armed && !out) {
        struct pollfd p = {.fd = b->fd, .events = POLLIN};
        (void)poll(&p, 1, (int)ms);
        return false;
    }
    zmq_pollitem_t it = {.socket = b->sock,
                         .events = (short)(ZMQ_POLLIN | (out ? ZMQ_POLLOUT : 0))};
    int n = zmq_poll(&it, 1, ms);
    b->fd_armed = false;
    return out && n > 0 && (it.revents & ZMQ_POLLOUT);
}

static int common_open(myl_ring *ring, const myl_bridge_opts *opts, uint32_t role, myl_bridge **out)
{
    if (!ring || !opts || !out || !opts->endpoint)
        return MYL_EINVAL;
    *out = NULL;
    myl_bridge *b = calloc(1, sizeof *b);
    if (!b)
        return -ENOMEM;
    b->role = role;
    b->ring = ring;
    b->o = *opts;
    b->kind = b->o.kind ? b->o.kind : MYL_BRIDGE_RAW;
    if (!b->o.hwm)
        b->o.hwm = 16;
    if (!b->o.batch)
        b->o.batch = 256;
    if (!b->o.reconnect_ns)
        b->o.reconnect_ns = 100000000;
    if (!b->o.peer_timeout_ns)
        b->o.peer_timeout_ns = 3000000000;
    if (!b->o.consumer_id)
        b->o.consumer_id = "bridge-export";
    b->lossy = ring->ring_mode == MYL_MODE_LOSSY;
    b->instance = ring_instance(ring);
    b->next = MYL__BR_NONE;
    *out = b;
    const char *bad = NULL;
    if (b->kind != MYL_BRIDGE_RAW && b->kind != MYL_BRIDGE_FRAMED)
        bad = "kind is neither MYL_BRIDGE_RAW nor MYL_BRIDGE_FRAMED";
    else if (b->kind == MYL_BRIDGE_FRAMED && ring->slot_size <= MYL_FRAME_HDR_SIZE)
        bad = "a framed bridge needs slots larger than a frame header";
    else if (!myl__br_time_ok(b->o.reconnect_ns) || !myl__br_time_ok(b->o.peer_timeout_ns))
        bad = "reconnect_ns and peer_timeout_ns must be in [0, INT32_MAX ms]";
    else if (b->o.start > MYL_BRIDGE_START_LIVE)
        bad = "unknown start";
    else if (b->o.flags & ~(MYL_BRIDGE_UNREGISTER | MYL_BRIDGE_COPY | MYL_BRIDGE_NO_BEAT))
        bad = "unknown flags";
    else if (b->o.hwm > INT32_MAX)
        bad = "hwm above INT32_MAX";
    if (bad) {
        set_err(b, "invalid options: %s", bad);
        return MYL_EINVAL;
    }
    return open_state(b);
}

/* ---- exporter ---- */

/* An open that failed: says why on stderr and closes what it made (b is
 * NULL when the arguments were, or calloc failed). */
static int open_failed(myl_bridge *b, int rc, const char *role)
{
    if (b) {
        if (!b->err[0])
            set_err(b, "%s", myl_strerror(rc));
        fprintf(stderr, "myelon-bridge: %s: %s\n", role, b->err);
        myl_bridge_close(b);
    }
    return rc;
}

int myl_bridge_export_open(myl_ring *ring, const myl_bridge_opts *opts, myl_bridge **out)
{
    myl_bridge *b = NULL;
    if (!out)
        return MYL_EINVAL;
    *out = NULL;
    int rc = common_open(ring, opts, ROLE_EXPORT, &b);
    /* The socket first: a bind that fails (the port is taken) must not
     * leave the consumer registered under this live process, where a
     * retry in the same process would find it taken (MYL_EEXIST) and the
     * ring would keep gating on it. */
    if (rc == 0)
        rc = open_socket(b);
    if (rc == 0) {
        myl_consumer_opts co = {
            .size = sizeof co,
            .start = b->o.start == MYL_BRIDGE_START_LIVE ? MYL_START_LIVE : MYL_START_OLDEST,
            .flags = b->o.flags & MYL_BRIDGE_NO_BEAT ? MYL_CONSUMER_NO_BEAT : 0};
        rc = myl_consumer_open(ring, b->o.consumer_id, &co, &b->c);
        if (rc < 0)
            set_err(b, "consumer %s: %s", b->o.consumer_id, myl_strerror(rc));
    }
    if (rc == 0) {
        uint64_t bytes_max = MYL__BR_MAX_BYTES / ring->slot_size;
        b->batch = b->o.batch;
        if (b->batch > MYL__BR_MAX_COUNT)
            b->batch = MYL__BR_MAX_COUNT;
        if (b->batch > bytes_max)
            b->batch = (uint32_t)(bytes_max ? bytes_max : 1);
        if (b->batch > ring->capacity)
            b->batch = (uint32_t)ring->capacity;
        b->buf = malloc(MYL__BR_BATCH_HDR + (size_t)b->batch * ring->slot_size);
        /* The batches in flight: what bounds the importer's receive
         * queue (open_socket); hwm - 2 leaves room for a WELCOME or two
         * in the hwm messages it held when it had that mark. */
        b->window = b->o.hwm > 2 ? b->o.hwm - 2 : 1;
        b->ends = calloc(b->window, sizeof *b->ends);
        if (!b->buf || !b->ends)
            rc = -ENOMEM;
        /* Zero copy: a lossy ring may overwrite a slot while ZeroMQ reads
         * it, and for small slots a frame per event costs more than the
         * copy saves. The records: the window's batches, and as many
         * again of earlier sessions that ZeroMQ may still hold (a batch
         * finds none free: it is copied). */
        b->zc =
            !b->lossy && ring->slot_size >= MYL_BRIDGE_ZC_MIN && !(b->o.flags & MYL_BRIDGE_COPY);
        if (b->zc && b->batch > MYL__BR_MAX_PARTS)
            b->batch = MYL__BR_MAX_PARTS;
        if (rc == 0 && b->zc) {
            b->nrecs = 2 * b->window + 8;
            b->recs = calloc(b->nrecs, sizeof *b->recs);
            if (!b->recs)
                rc = -ENOMEM;
        }
    }
    if (rc == 0) {
        /* Everything below the released position was delivered by an
         * earlier run (or is not ours to send). */
        b->acked = myl__load_relaxed(&b->c->ent->seq);
        b->sent_hw = b->acked;
        set_counter(b, C_POSITION, b->acked);
    }
    if (rc < 0)
        return open_failed(b, rc, "export");
    *out = b;
    return 0;
}

/* A frame after a message's first (a ROUTER's routing id): ZeroMQ
 * takes it, or drops it with the rest of the message when the connection
 * cannot, but a signal can interrupt the call before it looks (EINTR),
 * which would leave the message open and make the next message's first
 * frame part of it: tried again until ZeroMQ answers. */
static int send_more(void *sock, const void *buf, size_t len, int flags)
{
    int rc;
    while ((rc = zmq_send(sock, buf, len, ZMQ_DONTWAIT | flags)) < 0 && zmq_errno() == EINTR) {
    }
    return rc;
}

static int msg_send_more(zmq_msg_t *m, void *sock, int flags)
{
    int rc;
    while ((rc = zmq_msg_send(m, sock, ZMQ_DONTWAIT | flags)) < 0 && zmq_errno() == EINTR) {
    }
    return rc;
}

/* A frame after a message's first, received: the same (a signal before
 * ZeroMQ looks would make the rest of the message read as new ones). */
static int recv_more(void *sock, void *buf, size_t len)
{
    int rc;
    while ((rc = zmq_recv(sock, buf, len, ZMQ_DONTWAIT)) < 0 && zmq_errno() == EINTR) {
    }
    return rc;
}

static int msg_recv_more(zmq_msg_t *m, void *sock)
{
    int rc;
    while ((rc = zmq_msg_recv(m, sock, ZMQ_DONTWAIT)) < 0 && zmq_errno() == EINTR) {
    }
    return rc;
}

/* A control message in b->ctl: the importer's to its exporter, the
 * exporter's to the routing id `to` (ZMQ_ROUTER_MANDATORY: MYL_EAGAIN at
 * the high-water mark, -EHOSTUNREACH when no connection has that id). */
static int send_ctl_to(myl_bridge *b, const uint8_t *to, size_t to_len, size_t len)
{
    b->fd_armed = false;
    int rc = b->role == ROLE_EXPORT ? zmq_send(b->sock, to, to_len, ZMQ_DONTWAIT | ZMQ_SNDMORE)
                                    : zmq_send(b->sock, b->ctl, len, ZMQ_DONTWAIT);
    if (rc >= 0 && b->role == ROLE_EXPORT)
        rc = send_more(b->sock, b->ctl, len, 0);
    if (rc < 0)
        return zmq_errno() == EAGAIN ? MYL_EAGAIN : -zmq_errno();
    b->last_tx = now_ns();
    return 0;
}

/* The importer's, or the exporter's answer to the message it handles. */
static int send_ctl(myl_bridge *b, size_t len)
{
    return send_ctl_to(b, b->from, b->from_len, len);
}

/* ---- exporter: what the ring may have back ----
 *
 * A gated ring's slot is released (its producer may overwrite it) only
 * when the importer has acknowledged it and, with zero copy, when ZeroMQ
 * no longer reads it: its I/O thread sends a frame after zmq_msg_send
 * returned, and a frame of an earlier session (a dead connection's queue)
 * may outlive the acknowledgement of the same sequence sent again. */

static void zc_free(void *data, void *hint)
{
    (void)data;
    zc_rec *r = hint;
    /* Release: pairs with the acquire loads in zc_floor and zc_take:
     * ZeroMQ's reads of the slot happen before the slot is released (or
     * the record reused). */
    atomic_fetch_sub_explicit(&r->refs, 1, memory_order_release);
}

/* The lowest sequence whose slot ZeroMQ may still read; UINT64_MAX if
 * none. */
static uint64_t zc_floor(const myl_bridge *b)
{
    uint64_t f = UINT64_MAX;
    for (uint32_t i = 0; i < b->nrecs; i++) {
        /* Acquire: pairs with the release in zc_free. */
        if (atomic_load_explicit(&b->recs[i].refs, memory_order_acquire) != 0 &&
            b->recs[i].first < f)
            f = b->recs[i].first;
    }
    return f;
}

static zc_rec *zc_take(myl_bridge *b)
{
    for (uint32_t i = 0; i < b->nrecs; i++) {
        /* Acquire: pairs with the release in zc_free. */
        if (atomic_load_explicit(&b->recs[i].refs, memory_order_acquire) == 0)
            return &b->recs[i];
    }
    return NULL;
}

static uint64_t released_pos(const myl_bridge *b)
{
    return myl__load_relaxed(&b->c->ent->seq); /* our own entry */
}

/* Where the release may go: acknowledged, not read by ZeroMQ any more,
 * never back. */
static uint64_t release_pos(const myl_bridge *b)
{
    uint64_t r = b->acked, cur = released_pos(b);
    if (b->zc) {
        uint64_t f = zc_floor(b);
        if (f < r)
            r = f;
    }
    return r > cur ? r : cur;
}

/* Acknowledgements press: half the window of batches, or half the ring,
 * waits for them (gated rings). The exporter then reads its socket at
 * every pass and asks the importer to acknowledge at once. */
static bool acks_press(const myl_bridge *b)
{
    return !b->lossy && (b->in_flight * 2 >= b->window ||
                         (b->c->next - released_pos(b)) * 2 >= b->ring->capacity);
}

static void release_update(myl_bridge *b)
{
    uint64_t r = release_pos(b);
    if (r != released_pos(b))
        myl__consumer_hold(b->c, 0, r);
}

/* Read on to `to` (events the ring holds, polled before), releasing no
 * more than release_pos allows. */
static void advance_to(myl_bridge *b, uint64_t to)
{
    while (b->c->next < to) {
        uint64_t s, want = to - b->c->next;
        int64_t n = myl_consumer_try_poll(b->c, want > 4096 ? 4096 : (uint32_t)want, &s);
        if (n <= 0)
            break;
        myl__consumer_hold(b->c, (uint32_t)n, release_pos(b));
    }
}

/* Back to the first unacknowledged event, to send it again: the ring
 * rewinds to its released position, which lags the acknowledged one
 * while ZeroMQ holds frames of the slots between; those are acknowledged,
 * so they are read past, not sent again. Gated rings. */
static void rewind_unacked(myl_bridge *b)
{
    myl__consumer_rewind(b->c);
    advance_to(b, b->acked);
}

static void drop_held(myl_bridge *b)
{
    if (!b->held)
        return;
    for (uint32_t i = 0; i < b->held_nparts; i++)
        zmq_msg_close(&b->parts[i]);
    zmq_msg_close(&b->held_msg);
    b->held = false;
}

static void end_session(myl_bridge *b)
{
    drop_held(b); /* the next session sends its events again */
    if (b->role == ROLE_EXPORT) {
        b->pending = false;
        b->in_flight = 0;
        if (!b->lossy)
            rewind_unacked(b); /* the unacknowledged are sent again */
    }
    b->session = 0;
    b->peer_lost = false;
    b->ack_due = false;
    b->ack_owed = false;
}

/* The message handled came from the session's importer: its connection
 * is where batches go (the same importer may have connected again). */
static void note_peer(myl_bridge *b)
{
    if (b->from_len != b->peer_len || memcmp(b->from, b->peer, b->from_len) != 0) {
        memcpy(b->peer, b->from, b->from_len);
        b->peer_len = b->from_len;
        store_peer(b); /* for a restarted exporter */
    }
    b->peer_lost = false;
    b->prefer = false;
}

/* A control message to the session's importer; its connection gone
 * (-EHOSTUNREACH), sends wait until it is heard from again. */
static int send_peer(myl_bridge *b, size_t len)
{
    int rc = send_ctl_to(b, b->peer, b->peer_len, len);
    if (rc == -EHOSTUNREACH)
        b->peer_lost = true;
    return rc;
}

/* Whether a connection has the session's importer's id (again, after
 * one was lost: its reconnection keeps the id): a PING it takes as a
 * heartbeat, sent to see (ZMQ_ROUTER_MANDATORY). */
static bool peer_connected(myl_bridge *b)
{
    int rc = send_peer(b, myl__br_put_hdr(b->ctl, MYL__BR_PING, b->session));
    if (rc == 0 || rc == MYL_EAGAIN)
        b->peer_lost = false;
    return !b->peer_lost; /* send_peer set it on -EHOSTUNREACH */
}

static const char *kind_name(uint32_t k)
{
    return k == MYL_BRIDGE_RAW ? "raw" : k == MYL_BRIDGE_FRAMED ? "framed" : "unknown";
}

/* Refuse a HELLO (or a message of another protocol version). With a
 * session on, it is not the session's importer's (whose HELLOs all
 * match): another peer that connected to the port, misconfigured. It is
 * told why, and the session goes on; only a refusal without a session
 * ends the exporter, as the pairing it was started for is wrong. Busy
 * (another importer has, or had, the session) never ends it. */
static int refuse(myl_bridge *b, uint64_t session, int code, const char *fmt, ...)
{
    char text[MYL__BR_REFUSE_TEXT_MAX + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    set_err(b, "refused the importer: %s", text);
    if ((b->session && session != b->session) || code == MYL_EBUSY) {
        count(b, C_REFUSED, 1);
        (void)send_ctl(b, myl__br_refuse(b->ctl, session, (uint32_t)-code, text));
        return 0;
    }
    if (!b->refusing) {
        count(b, C_REFUSED, 1);
        /* Answer the importer's HELLOs for a while before giving up: a
         * REFUSE sent once can be lost with the connection it was queued
         * on (seen in tests), and the importer must hear why. */
        b->refusing = code;
        b->refuse_until = now_ns() + 10 * (uint64_t)b->o.reconnect_ns + 500000000u;
    }
    (void)send_ctl(b, myl__br_refuse(b->ctl, session, (uint32_t)-code, text));
    return code;
}

static int export_hello(myl_bridge *b, const myl__br_msg *m)
{
    if (m->fingerprint != b->ring->fingerprint)
        return refuse(b, m->session, MYL_EFINGERPRINT,
                      "fingerprint mismatch: exporter ring %016llx, importer ring %016llx",
                      (unsigned long long)b->ring->fingerprint, (unsigned long long)m->fingerprint);
    if (m->slot_size != b->ring->slot_size)
        return refuse(b, m->session, MYL_ESLOTSIZE,
                      "slot size mismatch: exporter ring %u bytes, importer ring %u bytes",
                      b->ring->slot_size, m->slot_size);
    if (m->kind != b->kind)
        return refuse(b, m->session, MYL_EINVAL,
                      "kind mismatch: exporter ring is %s, importer ring is %s", kind_name(b->kind),
                      kind_name(m->kind));
    if (b->refusing)
        return 0; /* on the way out */
    /* Another importer while the session's is connected: not served (it
     * would take the session over, and the first one's stream with it),
     * but told, and it asks again: a standby. */
    bool same = b->from_len == b->peer_len && !memcmp(b->from, b->peer, b->peer_len);
    bool other = !same && m->session != b->session, held = false;
    if (other && b->session) {
        held = peer_connected(b);
    } else if (other && b->prefer) {
        held = now_ns() < b->prefer_until || peer_connected(b);
        b->prefer = held; /* gone: preferred no more */
    }
    if (held)
        return refuse(b, m->session, MYL_EBUSY,
                      "busy: another importer holds this exporter's session");
    bool again = b->session && m->session == b->session;
    if (again && b->heard) {
        /* A HELLO sent before its WELCOME came, read late: the importer
         * has the session (it acknowledged). */
        return 0;
    }
    /* A HELLO repeated before the importer acknowledged anything: its
     * WELCOME is late or was lost (ZeroMQ drops what was queued on a
     * connection that dies), and until one comes the importer drops
     * this session's batches. The session starts again: the unacknowledged
     * are sent again after a new WELCOME. An importer whose first WELCOME
     * was only late ignores the second, sees the next batch not continue
     * the last one and asks for a new session: one round trip more. */
    if (b->session)
        end_session(b);
    else if (!b->lossy)
        rewind_unacked(b);
    /* The importer has more than was acknowledged (the ACKs were lost when
     * the connection or this process died): release those, do not send
     * them again. Only sequences the ring still holds published. */
    if (!b->lossy && m->stream == b->instance && m->next != MYL__BR_NONE && m->next > b->acked) {
        advance_to(b, m->next);
        b->acked = b->c->next;
        release_update(b);
        if (b->sent_hw < b->acked)
            b->sent_hw = b->acked;
        set_counter(b, C_POSITION, b->acked);
    }
    uint64_t start = b->lossy ? b->c->next : b->acked;
    if (send_ctl(b, myl__br_welcome(b->ctl, m->session, b->instance, start, b->ring->ring_mode)) <
        0)
        return 0; /* the importer asks again */
    if (b->had_session && !again)
        count(b, C_RECONNECTS, 1);
    b->had_session = true;
    b->heard = false;
    b->session = m->session;
    note_peer(b);
    b->sent_end = start;
    b->last_rx = now_ns();
    return 0;
}

static void export_ack(myl_bridge *b, uint64_t next)
{
    if (b->lossy)
        return;
    if (next > b->acked && next <= b->c->next) {
        b->acked = next;
        release_update(b);
        set_counter(b, C_POSITION, next);
        while (b->in_flight && b->ends[b->head] <= next) {
            b->head = (b->head + 1) % b->window;
            b->in_flight--;
        }
    } else if (next > b->c->next) {
        count(b, C_BAD, 1); /* acknowledges what was never sent */
    }
}

/* The rest of a message that has more frames than ours: read and
 * dropped (a ROUTER gives a message whole, so none is waited for). */
static void drop_rest(myl_bridge *b)
{
    int more = 1;
    size_t len = sizeof more;
    while (zmq_getsockopt(b->sock, ZMQ_RCVMORE, &more, &len) == 0 && more) {
        uint8_t sink[64];
        if (recv_more(b->sock, sink, sizeof sink) < 0)
            break;
    }
}

static int export_recv(myl_bridge *b)
{
    uint8_t in[MYL__BR_HELLO_SIZE + 64];
    for (;;) {
        /* The sender's routing id, then its message. */
        int idn = zmq_recv(b->sock, b->from, sizeof b->from, ZMQ_DONTWAIT);
        b->fd_armed = idn < 0 && zmq_errno() == EAGAIN;
        if (idn < 0)
            return zmq_errno() == EAGAIN || zmq_errno() == EINTR ? 0 : -zmq_errno();
        b->from_len = (size_t)idn < sizeof b->from ? (size_t)idn : sizeof b->from;
        int more = 0;
        size_t ml = sizeof more;
        int n = zmq_getsockopt(b->sock, ZMQ_RCVMORE, &more, &ml) == 0 && more
                    ? recv_more(b->sock, in, sizeof in)
                    : -1;
        drop_rest(b);
        if (n < 0) {
            count(b, C_BAD, 1); /* a routing id alone */
            continue;
        }
        myl__br_msg m;
        int rc = (size_t)n > sizeof in ? MYL_EINVAL : myl__br_decode(in, (size_t)n, &m);
        if (rc == MYL_EVERSION) {
            (void)refuse(b, m.session, MYL_EVERSION,
                         "protocol version mismatch: exporter speaks %u", MYL__BR_VERSION);
            continue;
        }
        if (rc < 0) {
            count(b, C_BAD, 1);
            continue;
        }
        if (m.type == MYL__BR_HELLO) {
            (void)export_hello(b, &m); /* a refusal ends the run after a grace period */
        } else if (m.session != b->session || b->session == 0) {
            continue; /* an earlier session's */
        } else if (m.type == MYL__BR_ACK || m.type == MYL__BR_PING) {
            note_peer(b);
            b->last_rx = now_ns();
            if (m.type == MYL__BR_ACK) {
                b->heard = true;
                export_ack(b, m.next);
            }
        } else {
            count(b, C_BAD, 1);
        }
    }
}

static void note_payload(myl_bridge *b, const uint8_t *slot)
{
    if (b->kind == MYL_BRIDGE_FRAMED) {
        myl_frame_hdr h;
        memcpy(&h, slot, sizeof h);
        if (h.version == MYL_FRAME_VERSION && !(h.flags & MYL_FRAME_PAD) &&
            h.len <= b->ring->slot_size - MYL_FRAME_HDR_SIZE) {
            count(b, C_BYTES, h.len);
            if (h.flags & MYL_FRAME_LAST)
                count(b, C_MESSAGES, 1);
        }
    } else {
        count(b, C_MESSAGES, 1);
        count(b, C_BYTES, b->ring->slot_size);
    }
}

/* Send the pending batch: 1 if sent, 0 if ZeroMQ would not take it yet
 * (*blocked), or an error. */
static int send_pending(myl_bridge *b, bool *blocked)
{
    uint32_t ss = b->ring->slot_size, k = b->pend_count;
    zc_rec *r = NULL;
    if (b->pend_zc && (r = zc_take(b)) == NULL) {
        /* Every record is in ZeroMQ's hands (earlier sessions' frames
         * on a dead connection's queue): this batch is copied. */
        for (uint32_t i = 0; i < k; i++)
            memcpy(b->buf + MYL__BR_BATCH_HDR + (size_t)i * ss,
                   myl_consumer_slot(b->c, b->pend_first + i), ss);
        b->buf_len = myl__br_batch_hdr(b->buf, b->session, b->pend_first, b->pend_prev, k, ss) +
                     (size_t)k * ss;
        myl__br_set_flags(b->buf, b->pend_flags);
        b->pend_zc = false;
    }
    /* The importer's routing id, then (BATCHZ) the header frame, with
     * more to come. ZeroMQ checks the high-water mark on a message's
     * first frame only, and a ROUTER's other frames do not fail. */
    bool zc = r != NULL; /* b->pend_zc, kept where the calls cannot reach */
    b->fd_armed = false;
    if (zmq_send(b->sock, b->peer, b->peer_len, ZMQ_DONTWAIT | ZMQ_SNDMORE) < 0) {
        if (zmq_errno() == EHOSTUNREACH) {
            b->peer_lost = true; /* sent when it is heard from again */
            return 0;
        }
        if (zmq_errno() == EAGAIN || zmq_errno() == EINTR) {
            *blocked = true; /* the high-water mark: backpressure */
            return 0;
        }
        return -zmq_errno();
    }
    if (send_more(b->sock, b->buf, b->buf_len, zc ? ZMQ_SNDMORE : 0) < 0)
        return -zmq_errno();
    if (zc) {
        r->first = b->pend_first;
        /* Relaxed: ZeroMQ's queue hands the frames (and with them the
         * record) to its I/O thread with its own synchronisation. */
        atomic_store_explicit(&r->refs, k, memory_order_relaxed);
        for (uint32_t i = 0; i < k; i++) {
            zmq_msg_t part;
            /* ZeroMQ only reads the slot: the copy drops the const. */
            const void *cslot = myl_consumer_slot(b->c, b->pend_first + i);
            void *slot;
            memcpy(&slot, &cslot, sizeof slot);
            int rc = zmq_msg_init_data(&part, slot, ss, zc_free, r);
            if (rc == 0) {
                rc = msg_send_more(&part, b->sock, i + 1 < k ? ZMQ_SNDMORE : 0);
                if (rc < 0)
                    zmq_msg_close(&part); /* not taken: zc_free runs now */
            } else {
                zc_free(slot, r);
            }
            if (rc < 0) {
                /* A frame not taken (no memory for it, or the socket
                 * closed under us): the frames not made are no one's. The
                 * message is ended with an empty frame, so that the
                 * next one does not continue it; the importer finds it
                 * short and drops it, and a new session (its HELLO) sends
                 * the batch again. */
                atomic_fetch_sub_explicit(&r->refs, k - i - 1, memory_order_release);
                (void)send_more(b->sock, "", 0, 0);
                end_session(b);
                return 1;
            }
        }
    }
    b->pending = false;
    b->last_tx = now_ns();
    count(b, C_BATCHES, 1);
    return 1;
}

/* Send what the ring holds: 1 if something moved, 0 if idle or blocked
 * (*blocked), or an error. */
static int export_pump(myl_bridge *b, bool *blocked)
{
    *blocked = false;
    if (b->pending)
        return send_pending(b, blocked);
    if (!b->lossy && b->in_flight == b->window)
        return 0; /* wait for acknowledgements */
    uint64_t s;
    int64_t n = myl_consumer_try_poll(b->c, b->batch, &s);
    if (n == MYL_EAGAIN)
        return 0;
    if (n == MYL_EOVERRUN) {
        count(b, C_DROPS, myl_consumer_take_lost(b->c));
        return 1;
    }
    if (n < 0)
        return (int)n;
    uint32_t ss = b->ring->slot_size;
    uint8_t *dst = b->buf + MYL__BR_BATCH_HDR;
    uint32_t k = (uint32_t)n;
    if (!b->zc) {
        for (k = 0; k < (uint32_t)n; k++) {
            memcpy(dst + (size_t)k * ss, myl_consumer_slot(b->c, s + k), ss);
            if (b->lossy && !myl_consumer_valid(b->c, s + k))
                break; /* overwritten: the next poll reports it */
        }
    }
    if (b->lossy)
        myl_consumer_release(b->c, k);
    else
        myl__consumer_hold(b->c, k, release_pos(b)); /* held until sent and acknowledged */
    if (k == 0)
        return 1;
    for (uint32_t i = 0; i < k; i++) {
        if (s + i >= b->sent_hw) {
            count(b, C_FRAMES, 1);
            /* gated: the slot is held, it reads as what is sent */
            note_payload(b, b->zc ? (const uint8_t *)myl_consumer_slot(b->c, s + i)
                                  : dst + (size_t)i * ss);
        } else {
            count(b, C_REPLAYED, 1);
        }
    }
    if (b->sent_hw < s + k)
        b->sent_hw = s + k;
    b->pend_first = s;
    b->pend_prev = b->sent_end;
    b->pend_count = k;
    b->pend_zc = b->zc;
    if (b->zc)
        b->buf_len = myl__br_batchz_hdr(b->buf, b->session, s, b->sent_end, k, ss);
    else
        b->buf_len = myl__br_batch_hdr(b->buf, b->session, s, b->sent_end, k, ss) + (size_t)k * ss;
    b->sent_end = s + k;
    if (!b->lossy) {
        b->ends[(b->head + b->in_flight) % b->window] = s + k;
        b->in_flight++;
    }
    /* The importer acknowledges a batch within MYL__BR_ACK_DELAY_NS, at
     * once when asked: when acknowledgements press. */
    b->pend_flags = acks_press(b) ? MYL__BR_F_ACK_NOW : 0;
    myl__br_set_flags(b->buf, b->pend_flags);
    b->pending = true;
    bool blk;
    int rc = export_pump(b, &blk);
    return rc < 0 ? rc : 1;
}

/* Events this side moved so far: sent (export, replays included) or
 * published (import). */
static uint64_t moved_events(const myl_bridge *b)
{
    /* Relaxed: our own counters. */
    uint64_t n = atomic_load_explicit(&b->st->counter[C_FRAMES], memory_order_relaxed);
    if (b->role == ROLE_EXPORT)
        n += atomic_load_explicit(&b->st->counter[C_REPLAYED], memory_order_relaxed);
    return n;
}

/* Milliseconds for zmq_poll: what is left until deadline, rounded up, at
 * most cap. */
static long poll_ms(uint64_t deadline, long cap)
{
    uint64_t now = now_ns();
    if (now >= deadline)
        return 0;
    uint64_t ms = (deadline - now + 999999) / 1000000;
    return ms < (uint64_t)cap ? (long)ms : cap;
}

/* The exporter's loop. once (myl_bridge_step): return as soon as a pass
 * moved events. Every pass does the work that is ready before the
 * deadline is looked at, so a zero timeout still does one pass. */
static int export_run(myl_bridge *b, uint64_t deadline, bool once)
{
    uint64_t hb = (uint64_t)b->o.peer_timeout_ns / 4;
    uint64_t start = moved_events(b), released = released_pos(b);
    bool said_writable = false; /* by the last wait, for the session's socket */
    while (!stopping(b)) {
        /* The socket is read after every wait, and otherwise while ACKs
         * press (half the window, or half the ring, held) or every
         * PROBE_NS: where nothing waits for them, an application calling
         * myl_bridge_step(b, 0) in its loop pays ZeroMQ's check of the
         * socket (a system call when nothing came) once a PROBE_NS, not
         * once a call. */
        uint64_t t = now_ns();
        if (!b->session || b->refusing || acks_press(b) || t >= b->probe_at) {
            int rc = export_recv(b);
            if (rc < 0)
                return rc;
            b->probe_at = t + PROBE_NS;
        }
        if (b->zc)
            release_update(b); /* ZeroMQ let go of frames since the last pass */
        uint64_t now = now_ns();
        if (b->refusing) {
            if (now >= b->refuse_until)
                return b->refusing;
            if (now >= deadline)
                return 0;
            wait_socket(b, false, poll_ms(deadline, 10));
            continue;
        }
        if (b->session && now - b->last_rx > (uint64_t)b->o.peer_timeout_ns)
            end_session(b); /* wait for the importer's next HELLO */
        /* Evicted (a topology owner's action on the member the exporter
         * stands for, say)? The ring's own waits look only after a
         * millisecond of waiting, and a window full of unacknowledged
         * events does not wait on the ring at all: look every 10 ms. */
        if (now >= b->self_check_at) {
            b->self_check_at = now + 10000000;
            int rc = myl_consumer_check(b->c);
            if (rc < 0)
                return rc;
        }
        bool blocked = false;
        int moved = 0;
        if (b->session && b->peer_lost)
            (void)peer_connected(b); /* back (the same id): the batches go on */
        if (b->session && !b->peer_lost) {
            moved = export_pump(b, &blocked);
            if (moved < 0)
                return moved;
            /* Heartbeats only with nothing in flight: the importer hears
             * batches otherwise, and a PING must not take a place in its
             * receive queue while it waits on a full ring. */
            if (!moved && !blocked && (b->lossy || b->in_flight == 0) && now - b->last_tx > hb)
                (void)send_peer(b, myl__br_put_hdr(b->ctl, MYL__BR_PING, b->session));
        }
        /* A step also ends when acknowledgements made room in the ring:
         * its caller may be the ring's producer, waiting for that room
         * (it would otherwise wait on its own ring until the deadline). */
        if (once && (moved_events(b) != start || released_pos(b) != released))
            break;
        if (now >= deadline)
            break;
        if (moved)
            continue;
        /* Wait for the socket (blocked, window full, or no session) or for
         * the ring. */
        bool window_full = !b->lossy && b->in_flight == b->window;
        /* Every slot of the ring held (sent and not acknowledged, or not
         * let go by ZeroMQ yet): its producer cannot publish before a
         * release, so the socket is what to wait for (waiting on the ring
         * delayed the ACKs by up to the ring wait below). */
        bool ring_held = !b->lossy && b->c->next - released_pos(b) >= b->ring->capacity;
        /* A ROUTER is writable when any of its connections is: with a
         * standby importer connected, a wait for the session's connection
         * to be writable returns at once. Said writable and blocked
         * again: a 1 ms nap instead. */
        bool nap = blocked && said_writable;
        said_writable = false;
        if (b->session && !b->peer_lost && !blocked && !window_full && !ring_held) {
            /* While ACKs press, a short ring wait: they are read between
             * ring waits. Otherwise ACKs can wait (importers send them
             * up to MYL__BR_ACK_DELAY_NS late anyway), and every wait on
             * a ring that ends asleep costs a wake-up and, in the hybrid
             * wait, a membarrier() (docs/ARCHITECTURE.md, "Wake-ups"): a
             * 200 µs cap with a batch in flight (most of the time, with
             * ACKs deferred) woke bridge processes several times a
             * round trip. */
            uint64_t s, left = deadline - now, cap = acks_press(b) ? 200000u : 2000000u;
            int64_t n = myl_consumer_poll(b->c, 1, &s, (int64_t)(left < cap ? left : cap));
            if (n == MYL_EOVERRUN)
                count(b, C_DROPS, myl_consumer_take_lost(b->c));
            if (n < 0 && n != MYL_ETIMEDOUT && n != MYL_EAGAIN && n != MYL_EPEERDEAD &&
                n != MYL_EOVERRUN)
                return (int)n;
        } else {
            /* Acknowledged but not released: ZeroMQ's free callbacks do
             * not wake the socket, so look again soon. */
            bool frees_due = b->zc && b->acked > released_pos(b);
            said_writable =
                wait_socket(b, blocked && !nap, poll_ms(deadline, frees_due || nap ? 1 : 10));
        }
        b->probe_at = 0; /* read the socket after a wait */
    }
    return once ? (int)(moved_events(b) - start) : 0;
}

/* ---- importer ---- */

static void load_map(myl_bridge *b)
{
    /* Acquire: pairs with the release in store_map. */
    uint32_t sel = myl__load_acquire(&b->st->sel);
    if (sel != 1 && sel != 2)
        return;
    state_map m = b->st->map[sel - 1];
    if (m.local != b->instance || m.stream == 0)
        return; /* another ring's */
    b->stream = m.stream;
    b->next = b->p->next + m.delta;
}

/* Remote sequence `remote` goes to local sequence `local` next. */
static void store_map(myl_bridge *b, uint64_t remote, uint64_t local)
{
    uint32_t sel = myl__load_relaxed(&b->st->sel);
    uint32_t other = sel == 1 ? 2u : 1u;
    b->st->map[other - 1] =
        (state_map){.stream = b->stream, .delta = remote - local, .local = b->instance};
    /* Release: pairs with the acquire in load_map: the mapping is whole
     * before it is current. */
    myl__store_release(&b->st->sel, other);
}

int myl_bridge_import_open(myl_ring *ring, const myl_bridge_opts *opts, myl_bridge **out)
{
    myl_bridge *b = NULL;
    if (!out)
        return MYL_EINVAL;
    *out = NULL;
    int rc = common_open(ring, opts, ROLE_IMPORT, &b);
    if (rc == 0 && ring->producer_mode != MYL_PRODUCERS_SINGLE) {
        set_err(b, "the importer's ring must be single-producer");
        rc = MYL_EPRODMODE;
    }
    if (rc == 0) {
        rc = myl_producer_open(ring, NULL, &b->p);
        if (rc < 0)
            set_err(b, "producer: %s", myl_strerror(rc));
    }
    if (rc == 0) {
        b->test_refuse_acks = getenv("MYL_TEST_BRIDGE_ACK_REFUSE") != NULL;
        load_map(b);
        set_counter(b, C_POSITION, b->next == MYL__BR_NONE ? 0 : b->next);
        rc = open_socket(b);
    }
    if (rc < 0)
        return open_failed(b, rc, "import");
    *out = b;
    return 0;
}

/* retry: the run loop sending an ACK refused before (ack_due). */
static void send_ack(myl_bridge *b, bool retry)
{
    int rc = 0;
    b->ack_owed = false;
    if (b->test_refuse_acks && !retry)
        rc = MYL_EAGAIN; /* every ACK but the run loop's retries, as at the high-water mark */
    else if (b->session && b->next != MYL__BR_NONE)
        rc = send_ctl(b, myl__br_ack(b->ctl, b->session, b->next));
    else if (b->session)
        rc = send_ctl(b, myl__br_put_hdr(b->ctl, MYL__BR_PING, b->session));
    b->ack_due = b->session && rc < 0;
}

/* Publish events [i, count) of a batch, remote sequences first + i: 0
 * once all are, MYL_EAGAIN (b->held_i: the first not published) when the
 * ring had no room for them before the deadline or a stop, another
 * negative code on failure. */
static int import_publish(myl_bridge *b, const myl__br_msg *m, uint32_t i)
{
    uint32_t ss = b->ring->slot_size;
    uint32_t chunk_max = (uint32_t)(b->ring->capacity / 4 ? b->ring->capacity / 4 : 1);
    uint64_t hb = (uint64_t)b->o.peer_timeout_ns / 4;
    while (i < m->count) {
        uint32_t k = m->count - i < chunk_max ? m->count - i : chunk_max;
        uint64_t s;
        int rc = myl_producer_try_claim(b->p, k, &s);
        if (rc == MYL_EAGAIN) {
            uint64_t now = now_ns();
            if (now >= b->deadline || stopping(b)) {
                b->held_i = i;
                return MYL_EAGAIN;
            }
            uint64_t left = b->deadline - now;
            rc = myl_producer_claim(b->p, k, &s, (int64_t)(left < 20000000u ? left : 20000000u));
        }
        if (rc == MYL_EAGAIN || rc == MYL_ETIMEDOUT || rc == MYL_EPEERDEAD) {
            /* The ring is full: we stop reading the socket (backpressure),
             * but tell the exporter we are alive. */
            uint64_t now = now_ns();
            if (now - b->last_tx > hb)
                send_ack(b, false);
            if (rc == MYL_EPEERDEAD) {
                struct timespec ts = {0, 10000000};
                nanosleep(&ts, NULL);
            }
            continue;
        }
        if (rc < 0)
            return rc;
        for (uint32_t j = 0; j < k; j++) {
            /* The one copy on this side: from ZeroMQ's message into the
             * claimed slot. */
            const uint8_t *src =
                m->payload ? m->payload + (size_t)(i + j) * ss : zmq_msg_data(&b->parts[i + j]);
            memcpy(myl_producer_slot(b->p, s + j), src, ss);
            count(b, C_FRAMES, 1);
            note_payload(b, src);
        }
        myl_producer_publish(b->p, s, k);
        i += k;
        b->next += k;
        set_counter(b, C_POSITION, b->next);
        b->last_rx = now_ns();
    }
    return 0;
}

/* Events were published: acknowledged within MYL__BR_ACK_DELAY_NS (and
 * on close). */
static void owe_ack(myl_bridge *b)
{
    if (!b->ack_owed && !b->ack_due) {
        b->ack_owed = true;
        b->ack_at = now_ns() + MYL__BR_ACK_DELAY_NS;
    }
}

/* A batch is all published: acknowledge it at once when it asks,
 * otherwise within MYL__BR_ACK_DELAY_NS. */
static void batch_published(myl_bridge *b, uint32_t flags)
{
    if (flags & MYL__BR_F_ACK_NOW)
        send_ack(b, false);
    else
        owe_ack(b);
}

static int import_batch(myl_bridge *b, const myl__br_msg *m)
{
    if (m->slot_size != b->ring->slot_size) {
        count(b, C_BAD, 1);
        return 0;
    }
    if (m->prev != b->expect_rx) {
        /* A batch went missing in this session (ZeroMQ dropped a pipe):
         * start a new session, which resends from what we have. */
        end_session(b);
        b->last_hello = 0;
        return 0;
    }
    count(b, C_BATCHES, 1);
    /* [prev, first): on a gated source, slots its ring skipped (claimed
     * by a producer that died), not events; on a lossy source, events
     * the exporter lost to overruns. */
    uint64_t declared = b->src_lossy ? 0 : m->first - m->prev;
    b->expect_rx = m->first + m->count;
    uint32_t i = 0;
    if (b->next != MYL__BR_NONE && m->first < b->next) {
        uint64_t dup = b->next - m->first;
        if (dup >= m->count) {
            count(b, C_DUPLICATES, m->count);
            send_ack(b, false);
            return 0;
        }
        i = (uint32_t)dup;
        count(b, C_DUPLICATES, i);
    }
    uint64_t seq = m->first + i;
    if (b->next != seq) {
        /* The first event of a stream, or a gap (lossy rings; or an
         * exporter that no longer has what we miss): record the new
         * mapping before publishing anything under it. */
        if (b->next != MYL__BR_NONE && seq > b->next) {
            uint64_t gap = seq - b->next, sk = gap < declared ? gap : declared;
            count(b, C_SKIPPED, sk);
            count(b, C_DROPS, gap - sk);
        }
        store_map(b, seq, b->p->next);
        b->next = seq;
    }
    int rc = import_publish(b, m, i);
    if (rc == MYL_EAGAIN) {
        b->held = true; /* import_recv keeps the message */
        if (b->held_i > i)
            owe_ack(b); /* what fits is acknowledged meanwhile */
        return 0;
    }
    if (rc < 0)
        return rc;
    batch_published(b, m->flags);
    return 0;
}

/* Publish the rest of a held batch: 0 once it is all published (or
 * none is held), MYL_EAGAIN while the ring still has no room, another
 * negative code on failure. */
static int import_resume(myl_bridge *b)
{
    if (!b->held)
        return 0;
    /* Decoded once already when it came: it decodes the same. */
    myl__br_msg m;
    int rc = myl__br_decode(zmq_msg_data(&b->held_msg), zmq_msg_size(&b->held_msg), &m);
    if (rc == 0) {
        /* A full ring is no silence of the exporter's: we do not read. */
        b->last_rx = now_ns();
        uint32_t from = b->held_i;
        rc = import_publish(b, &m, from);
        if (rc == MYL_EAGAIN) {
            if (b->held_i > from)
                owe_ack(b);
            return rc;
        }
    }
    drop_held(b);
    if (rc < 0)
        return rc;
    batch_published(b, m.flags);
    return 0;
}

/* The frames after a message's first: a BATCHZ's events (count frames of
 * slot_size bytes, into b->parts: *got of them) or, after any other
 * message, frames that do not belong (read and dropped). 0, or
 * MYL_EINVAL when they are not what the message announced. */
static int recv_parts(myl_bridge *b, bool more, const myl__br_msg *m, uint32_t *got)
{
    bool want = m && m->type == MYL__BR_BATCHZ, bad = !want && more;
    uint32_t n = 0;
    *got = 0;
    if (want && b->nparts < m->count) {
        /* m->count <= MYL__BR_MAX_PARTS (the decoder checked) */
        zmq_msg_t *p = realloc(b->parts, (size_t)m->count * sizeof *p);
        if (p) {
            b->parts = p;
            b->nparts = m->count;
        } else {
            bad = true;
        }
    }
    while (more) {
        bool keep = want && !bad && n < m->count;
        zmq_msg_t scratch, *part = keep ? &b->parts[n] : &scratch;
        zmq_msg_init(part);
        /* A message's frames arrive together: the rest are there. */
        if (msg_recv_more(part, b->sock) < 0) {
            zmq_msg_close(part);
            bad = true;
            break;
        }
        more = zmq_msg_more(part);
        if (keep && zmq_msg_size(part) == m->slot_size) {
            n++;
        } else {
            bad = true;
            zmq_msg_close(part);
        }
    }
    if (want && n != m->count)
        bad = true;
    if (bad) {
        for (uint32_t i = 0; i < n; i++)
            zmq_msg_close(&b->parts[i]);
        n = 0;
    }
    *got = n;
    return bad ? MYL_EINVAL : 0;
}

/* Receive and handle up to 64 messages, the first waited for up to
 * wait_ms (0: not at all); once (myl_bridge_step): stop after the first
 * that moved events, so a step that has what it waited for does not ask
 * the socket once more. The wait is ZeroMQ's own, in a blocking receive:
 * one system call to wait and one to read the wake-up, where a receive
 * that finds nothing and a zmq_poll after it make five (docs/BRIDGE.md,
 * "Performance"). */
static int import_recv(myl_bridge *b, bool once, long wait_ms)
{
    uint64_t start = moved_events(b);
    for (int budget = 64; budget > 0 && !stopping(b); budget--) {
        if (once && moved_events(b) != start)
            return 0;
        int flags = ZMQ_DONTWAIT;
        if (budget == 64 && wait_ms > 0) {
            int ms = (int)wait_ms;
            if (ms != b->rcvtimeo && zmq_setsockopt(b->sock, ZMQ_RCVTIMEO, &ms, sizeof ms) == 0)
                b->rcvtimeo = ms;
            flags = ms == b->rcvtimeo ? 0 : ZMQ_DONTWAIT;
        }
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, b->sock, flags) < 0) {
            int e = zmq_errno();
            zmq_msg_close(&msg);
            return e == EAGAIN || e == EINTR ? 0 : -e;
        }
        myl__br_msg m;
        int rc = myl__br_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &m);
        uint32_t nparts = 0;
        bool bad_parts = false;
        if (zmq_msg_more(&msg) || (rc == 0 && m.type == MYL__BR_BATCHZ))
            bad_parts = recv_parts(b, zmq_msg_more(&msg), rc == 0 ? &m : NULL, &nparts) < 0;
        if (rc == MYL_EVERSION && b->nonce && m.session == b->nonce) {
            /* Our HELLO answered in another protocol version: an exporter
             * of another version refusing it. */
            set_err(b, "refused by the exporter: protocol version mismatch (importer speaks %u)",
                    MYL__BR_VERSION);
            count(b, C_REFUSED, 1);
        } else if (rc < 0 || bad_parts) {
            /* Not ours, or bad parts (lost, as a batch ZeroMQ dropped: the
             * next one's prev says so): counted and ignored. */
            count(b, C_BAD, 1);
            rc = 0;
        } else if (m.type == MYL__BR_WELCOME && b->nonce && m.session == b->nonce) {
            if (b->had_session)
                count(b, C_RECONNECTS, 1);
            b->had_session = true;
            b->session = b->nonce;
            b->nonce = 0;
            if (m.stream != b->stream || b->next == MYL__BR_NONE) {
                /* Another stream (or the first): it begins here for us;
                 * nothing before is a duplicate, anything missing after
                 * is counted. Recorded before anything is published. */
                b->stream = m.stream;
                b->next = m.start;
                store_map(b, m.start, b->p->next);
            }
            b->expect_rx = m.start;
            b->src_lossy = m.mode == MYL_MODE_LOSSY;
            b->last_rx = now_ns();
        } else if (m.type == MYL__BR_REFUSE && m.session &&
                   (m.session == b->nonce || m.session == b->session) &&
                   m.reason == (uint32_t)-MYL_EBUSY) {
            /* Another importer has the session: asked again every
             * reconnect interval, served once that one is gone. Never an
             * end, even late (naming the session a later HELLO got). */
            count(b, C_REFUSED, 1);
            set_err(b, "refused by the exporter: %s", m.text);
        } else if (m.type == MYL__BR_REFUSE && m.session &&
                   (m.session == b->nonce || m.session == b->session)) {
            count(b, C_REFUSED, 1);
            set_err(b, "refused by the exporter: %s", m.text);
            zmq_msg_close(&msg);
            /* The reason as sent (unsigned, from the wire), compared
             * before any negation. */
            uint32_t why = m.reason;
            return why == (uint32_t)-MYL_EFINGERPRINT ? MYL_EFINGERPRINT
                   : why == (uint32_t)-MYL_ESLOTSIZE  ? MYL_ESLOTSIZE
                   : why == (uint32_t)-MYL_EVERSION   ? MYL_EVERSION
                                                      : MYL_EINVAL;
        } else if (b->session && m.session == b->session) {
            b->last_rx = now_ns();
            if (m.type == MYL__BR_BATCH || m.type == MYL__BR_BATCHZ)
                rc = import_batch(b, &m);
            else if (m.type != MYL__BR_PING && m.type != MYL__BR_WELCOME)
                count(b, C_BAD, 1); /* a WELCOME repeated: the session goes on */
        }
        if (b->held) {
            /* The ring had no room for all of it: kept for the next
             * step or run, the socket not read until it is published. */
            zmq_msg_init(&b->held_msg);
            zmq_msg_move(&b->held_msg, &msg);
            b->held_nparts = nparts;
            zmq_msg_close(&msg);
            return rc;
        }
        for (uint32_t i = 0; i < nparts; i++)
            zmq_msg_close(&b->parts[i]);
        zmq_msg_close(&msg);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The importer's loop; once as for export_run. */
static int import_run(myl_bridge *b, uint64_t deadline, bool once)
{
    uint64_t hb = (uint64_t)b->o.peer_timeout_ns / 4;
    uint64_t start = moved_events(b);
    while (!stopping(b)) {
        uint64_t now = now_ns();
        if (b->session && now - b->last_rx > (uint64_t)b->o.peer_timeout_ns) {
            end_session(b);
            b->last_hello = 0;
        }
        if (!b->session && now - b->last_hello >= (uint64_t)b->o.reconnect_ns) {
            /* Retries keep the nonce: a WELCOME slower than the retry
             * interval still finds its HELLO's session. */
            if (!b->nonce)
                b->nonce = fresh_nonce();
            myl__br_msg h = {.session = b->nonce,
                             .fingerprint = b->ring->fingerprint,
                             .slot_size = b->ring->slot_size,
                             .kind = b->kind,
                             .mode = b->ring->ring_mode,
                             .next = b->next,
                             .stream = b->stream};
            (void)send_ctl(b, myl__br_hello(b->ctl, &h));
            b->last_hello = now;
        } else if (b->session &&
                   (b->ack_due || (b->ack_owed && now >= b->ack_at) || now - b->last_tx > hb)) {
            send_ack(b, b->ack_due);
        }
        /* A batch the ring had no room for comes first: the socket is not
         * read until it is all published (backpressure). import_publish
         * waits for room until the deadline. */
        if (b->held) {
            int rc = import_resume(b);
            if (rc < 0 && rc != MYL_EAGAIN)
                return rc;
            if (b->held || (once && moved_events(b) != start) || now_ns() >= deadline)
                break;
        }
        /* An ACK ZeroMQ would not take waits for the socket to be
         * writable (below); otherwise the receive waits, until an owed
         * ACK is due at the latest. */
        long ms = poll_ms(deadline, 10);
        if (b->ack_owed) {
            long due = poll_ms(b->ack_at, 10);
            ms = due < ms ? due : ms;
        }
        int rc = import_recv(b, once, b->ack_due ? 0 : ms);
        if (rc < 0)
            return rc;
        if ((once && moved_events(b) != start) || now_ns() >= deadline)
            break;
        if (b->ack_due)
            wait_socket(b, true, poll_ms(deadline, 10));
    }
    return once ? (int)(moved_events(b) - start) : 0;
}

/* ---- common ---- */

/* myl_bridge_run (once false) and myl_bridge_step (once true). */
static int run(myl_bridge *b, int64_t timeout_ns, bool once)
{
    if (!b)
        return MYL_EINVAL;
    uint64_t deadline = timeout_ns < 0 ? UINT64_MAX : now_ns() + (uint64_t)timeout_ns;
    b->deadline = deadline;
    int rc = b->role == ROLE_EXPORT ? export_run(b, deadline, once) : import_run(b, deadline, once);
    if (rc < 0 && !b->err[0])
        set_err(b, "%s", myl_strerror(rc));
    return rc;
}

int myl_bridge_run(myl_bridge *b, int64_t timeout_ns)
{
    return run(b, timeout_ns, false);
}

int myl_bridge_step(myl_bridge *b, int64_t timeout_ns)
{
    return run(b, timeout_ns, true);
}

void myl_bridge_stop(myl_bridge *b)
{
    if (b)
        atomic_store_explicit(&b->stop, 1, memory_order_relaxed); /* read by stopping() */
}

void myl_bridge_stats_get(const myl_bridge *b, myl_bridge_stats *out)
{
    uint64_t v[NCOUNTERS];
    for (int i = 0; i < NCOUNTERS; i++)
        v[i] = myl__load_relaxed(&b->st->counter[i]); /* relaxed: statistics */
    memcpy(out, v, sizeof *out);
}

const char *myl_bridge_error(const myl_bridge *b)
{
    return b ? b->err : "";
}

const char *myl_bridge_state_name(const myl_bridge *b)
{
    return b ? b->state_name : "";
}

int myl_bridge_stats_read(uint32_t backing, const char *name, myl_bridge_stats *out,
                          bool *exporting, int32_t *pid)
{
    if (!name || !out || backing > MYL_BACKING_FILE)
        return MYL_EINVAL;
    int fd =
        backing == MYL_BACKING_SHM ? shm_open(name, O_RDONLY, 0) : open(name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat sb;
    if (fstat(fd, &sb) < 0 || sb.st_size < STATE_SIZE) {
        close(fd);
        return MYL_EBADMAGIC;
    }
    void *m = mmap(NULL, STATE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return -errno;
    const bridge_state *st = m;
    int rc = 0;
    if (st->magic != STATE_MAGIC || st->version != STATE_VERSION ||
        (st->role != ROLE_EXPORT && st->role != ROLE_IMPORT)) {
        rc = MYL_EBADMAGIC;
    } else {
        uint64_t v[NCOUNTERS];
        for (int i = 0; i < NCOUNTERS; i++)
            v[i] = myl__load_relaxed(&st->counter[i]); /* relaxed: statistics */
        memcpy(out, v, sizeof *out);
        if (exporting)
            *exporting = st->role == ROLE_EXPORT;
        if (pid)
            *pid = st->pid;
    }
    munmap(m, STATE_SIZE);
    return rc;
}

/* Wait until ZeroMQ let go of every zero-copy frame: true, or false after
 * the linger period and more. */
static bool zc_wait(myl_bridge *b)
{
    uint64_t until = now_ns() + 10000000000u;
    while (zc_floor(b) != UINT64_MAX) {
        if (now_ns() > until)
            return false;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return true;
}

void myl_bridge_close(myl_bridge *b)
{
    if (!b)
        return;
    drop_held(b); /* not published: the next importer has it sent again */
    if (b->sock && b->role == ROLE_IMPORT && (b->ack_owed || b->ack_due))
        send_ack(b, true); /* what was published, told before leaving (linger) */
    if (b->sock)
        zmq_close(b->sock);
    if (b->ctx)
        ctx_put(b->ctx);
    /* Zero copy: ZeroMQ may go on reading slots after zmq_close (for the
     * linger period, on its I/O thread): neither the ring nor the records
     * are given back before it lets go of them. */
    bool held = b->recs && !zc_wait(b);
    if (held)
        fprintf(stderr, "myelon-bridge: export: ZeroMQ still holds frames of ring slots; "
                        "the consumer stays registered\n");
    if (b->c && (b->o.flags & MYL_BRIDGE_UNREGISTER) && !held)
        myl_consumer_close(b->c);
    else if (held)
        free(b->c); /* stays ours: ZeroMQ may still read the slots it holds */
    else
        myl__consumer_detach(b->c); /* stays registered, as after a crash: the
                                       ring keeps what was not sent, and the
                                       next exporter, in this process too,
                                       resumes there */
    if (b->p)
        myl_producer_close(b->p);
    if (b->st)
        munmap(b->st, STATE_SIZE);
    free(b->buf);
    free(b->ends);
    if (!held)
        free(b->recs); /* else left: zc_free may still write to them */
    free(b->parts);
    free(b);
}

int myl_bridge_keep_memory(void)
{
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
    /* 32 MiB is the largest mmap threshold glibc takes on 64-bit hosts;
     * larger messages still get (and give back) a mapping of their own. */
    if (mallopt(M_MMAP_THRESHOLD, 32 << 20) != 1 || mallopt(M_TRIM_THRESHOLD, 1 << 30) != 1)
        return -EINVAL;
    return 0;
#else
    return -ENOTSUP;
#endif
}
