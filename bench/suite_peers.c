/* Peers: the transports users would pick instead, on the same machine in
 * the same run: pipe, Unix domain socket, TCP loopback, POSIX message
 * queue, eventfd + shared memory, ZeroMQ ipc, nng ipc. Round trips at
 * 0 B, 64 B, 1 KB and 4 KB (each against the floor of the same size with
 * a futex wait: every peer blocks in the kernel), 64 B streaming, and the
 * ring in every wait mode beside them; the ratio of each peer to the ring
 * is written and printed.
 *
 * Messages: byte streams (pipe, socket, TCP) carry a 4-byte length and
 * the payload, written with one write(2) per message and read through a
 * buffer; the others are message transports. The eventfd peer is a ring
 * of 256 slots in shared memory, one eventfd for "published" and one for
 * "released" (counts, so a reader takes every pending message per read).
 * The ring's "0 B" is its smallest slot, 8 bytes. Every echo server and
 * every streaming receiver checks each payload (length, number, bytes). */
#define _GNU_SOURCE
#include "suite.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef MYL_SUITE_ZMQ
#include <zmq.h>
#endif
#ifdef MYL_SUITE_NNG
#include <nng/nng.h>
#include <nng/protocol/pair1/pair.h>
#endif

enum { P_PIPE, P_UDS, P_TCP, P_MQ, P_EVENTFD, P_ZMQ, P_NNG, P_COUNT };
static const char *const peer_names[] = {"pipe",        "unix socket", "tcp loopback", "posix mq",
                                         "eventfd+shm", "zeromq ipc",  "nng ipc"};

#define PEER_MAX 4096u
#define EFD_SLOTS 256u
#define EFD_SLOT (8u + PEER_MAX)
#define RBUF (256u * 1024u)

typedef struct efd_dir {
    int data, credit; /* eventfds: published, released */
    uint8_t *slots;   /* shared: EFD_SLOTS x EFD_SLOT */
    uint64_t pos;     /* this side's next slot */
    uint64_t avail;   /* reader: published, not yet read; writer: credits */
    uint64_t done;    /* reader: read since the last credit */
} efd_dir;

typedef struct peer_ctx {
    int kind;
    uint32_t size;
    bool full;
    /* fds: [0] the parent's, [1] the child's (pipes: read, write) */
    int pa[2], pb[2];
    int sv[2];
    int lsock, sock;
    uint16_t port;
    char mqa[64], mqb[64];
    mqd_t mq_in, mq_out;
    efd_dir ea, eb; /* a: parent to child, b: child to parent */
    efd_dir *e_in, *e_out;
    char url[128];
    void *zctx, *zsock;
#ifdef MYL_SUITE_NNG
    nng_socket ns;
#endif
    int in_fd, out_fd;
    uint8_t *rbuf;
    size_t rpos, rend;
    uint8_t *src, *dst, *wbuf;
} peer_ctx;

static int peer_init(peer_ctx *x, int kind, uint32_t size, bool full)
{
    memset(x, 0, sizeof *x);
    x->kind = kind;
    x->size = size;
    x->full = full;
    x->lsock = x->sock = -1;
    x->src = malloc(PEER_MAX + 8);
    x->dst = malloc(PEER_MAX + 8);
    x->wbuf = malloc(PEER_MAX + 8);
    x->rbuf = malloc(RBUF);
    pay_fill(x->src, PEER_MAX);
    int pid = (int)getpid();
    static int serial;
    serial++;
    switch (kind) {
    case P_PIPE:
        if (pipe(x->pa) < 0 || pipe(x->pb) < 0)
            return -1;
        return 0;
    case P_UDS:
        return socketpair(AF_UNIX, SOCK_STREAM, 0, x->sv);
    case P_TCP: {
        x->lsock = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t al = sizeof a;
        if (x->lsock < 0 || bind(x->lsock, (struct sockaddr *)&a, sizeof a) < 0 ||
            listen(x->lsock, 1) < 0 || getsockname(x->lsock, (struct sockaddr *)&a, &al) < 0)
            return -1;
        x->port = ntohs(a.sin_port);
        return 0;
    }
    case P_MQ: {
        snprintf(x->mqa, sizeof x->mqa, "/myl-suite-mq-a-%d-%d", pid, serial);
        snprintf(x->mqb, sizeof x->mqb, "/myl-suite-mq-b-%d-%d", pid, serial);
        struct mq_attr at = {.mq_maxmsg = 10, .mq_msgsize = PEER_MAX};
        mq_unlink(x->mqa);
        mq_unlink(x->mqb);
        mqd_t a = mq_open(x->mqa, O_CREAT | O_RDWR, 0600, &at);
        mqd_t b = mq_open(x->mqb, O_CREAT | O_RDWR, 0600, &at);
        if (a == (mqd_t)-1 || b == (mqd_t)-1)
            return -1;
        mq_close(a);
        mq_close(b);
        return 0;
    }
    case P_EVENTFD: {
        efd_dir *d[2] = {&x->ea, &x->eb};
        for (int i = 0; i < 2; i++) {
            d[i]->data = eventfd(0, 0);
            d[i]->credit = eventfd(0, 0);
            d[i]->slots = mmap(NULL, (size_t)EFD_SLOTS * EFD_SLOT, PROT_READ | PROT_WRITE,
                               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
            if (d[i]->data < 0 || d[i]->credit < 0 || d[i]->slots == MAP_FAILED)
                return -1;
        }
        return 0;
    }
    case P_ZMQ:
    case P_NNG:
        snprintf(x->url, sizeof x->url, "ipc:///tmp/myl-suite-%s-%d-%d",
                 kind == P_ZMQ ? "zmq" : "nng", pid, serial);
        return 0;
    }
    return -1;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void peer_fini(peer_ctx *x)
{
    if (x->kind == P_PIPE) {
        close_fd(&x->pa[0]);
        close_fd(&x->pa[1]);
        close_fd(&x->pb[0]);
        close_fd(&x->pb[1]);
    } else if (x->kind == P_UDS) {
        close_fd(&x->sv[0]);
        close_fd(&x->sv[1]);
    } else if (x->kind == P_TCP) {
        close_fd(&x->lsock);
    } else if (x->kind == P_MQ) {
        mq_unlink(x->mqa);
        mq_unlink(x->mqb);
    } else if (x->kind == P_EVENTFD) {
        efd_dir *d[2] = {&x->ea, &x->eb};
        for (int i = 0; i < 2; i++) {
            close_fd(&d[i]->data);
            close_fd(&d[i]->credit);
            munmap(d[i]->slots, (size_t)EFD_SLOTS * EFD_SLOT);
        }
    } else if (x->kind == P_ZMQ || x->kind == P_NNG) {
        unlink(x->url + strlen("ipc://"));
    }
    free(x->src);
    free(x->dst);
    free(x->wbuf);
    free(x->rbuf);
}

/* ZeroMQ and nng connect in the background and retry with a back-off:
 * the parent dials before the child listens, so ZeroMQ's first retry
 * comes 100 ms later, and nng's dial is as late. A message sent at once
 * would wait for that inside the timed window (rt_run and st_run start
 * timing when the child has opened). So open ends with one untimed
 * message each way, WARM_MSG from the parent and back from the child:
 * the timed window starts on a connection that carries messages. It is
 * not one of the counted and checked messages. */
#if defined(MYL_SUITE_ZMQ) || defined(MYL_SUITE_NNG)
#define WARM_MS 30000 /* the warm-up's bound: the peer failed */
static const uint8_t warm_msg[4] = {'w', 'a', 'r', 'm'};

/* The parent: send, then receive the echo; the child: the other way. */
static int warm_up(int (*sendf)(peer_ctx *, const uint8_t *, uint32_t),
                   int64_t (*recvf)(peer_ctx *, uint8_t *), peer_ctx *x, bool child)
{
    uint8_t b[PEER_MAX];
    if (!child && sendf(x, warm_msg, sizeof warm_msg) < 0)
        return -1;
    if (recvf(x, b) != (int64_t)sizeof warm_msg || memcmp(b, warm_msg, sizeof warm_msg) != 0)
        return -1;
    return child ? sendf(x, warm_msg, sizeof warm_msg) : 0;
}
#endif

#ifdef MYL_SUITE_ZMQ
static int zmq_send1(peer_ctx *x, const uint8_t *b, uint32_t n)
{
    return zmq_send(x->zsock, b, n, 0) == (int)n ? 0 : -1;
}

static int64_t zmq_recv1(peer_ctx *x, uint8_t *b)
{
    int r = zmq_recv(x->zsock, b, PEER_MAX, 0);
    return r < 0 || r > (int)PEER_MAX ? -1 : r;
}

static int zmq_open_warm(peer_ctx *x, bool child)
{
    x->zctx = zmq_ctx_new();
    x->zsock = x->zctx ? zmq_socket(x->zctx, ZMQ_PAIR) : NULL;
    if (!x->zsock)
        return -1;
    if ((child ? zmq_bind(x->zsock, x->url) : zmq_connect(x->zsock, x->url)) != 0)
        return -1;
    int ms = WARM_MS, forever = -1;
    zmq_setsockopt(x->zsock, ZMQ_SNDTIMEO, &ms, sizeof ms);
    zmq_setsockopt(x->zsock, ZMQ_RCVTIMEO, &ms, sizeof ms);
    int rc = warm_up(zmq_send1, zmq_recv1, x, child);
    zmq_setsockopt(x->zsock, ZMQ_SNDTIMEO, &forever, sizeof forever);
    zmq_setsockopt(x->zsock, ZMQ_RCVTIMEO, &forever, sizeof forever);
    return rc;
}
#endif

#ifdef MYL_SUITE_NNG
static int nng_send1(peer_ctx *x, const uint8_t *b, uint32_t n)
{
    return nng_send(x->ns, (void *)(uintptr_t)b, n, 0) ? -1 : 0;
}

static int64_t nng_recv1(peer_ctx *x, uint8_t *b)
{
    size_t sz = PEER_MAX;
    return nng_recv(x->ns, b, &sz, 0) != 0 ? -1 : (int64_t)sz;
}

static int nng_open_warm(peer_ctx *x, bool child)
{
    if (nng_pair1_open(&x->ns) != 0)
        return -1;
    if (child ? nng_listen(x->ns, x->url, NULL, 0) != 0
              : nng_dial(x->ns, x->url, NULL, NNG_FLAG_NONBLOCK) != 0)
        return -1;
    nng_socket_set_ms(x->ns, NNG_OPT_SENDTIMEO, WARM_MS);
    nng_socket_set_ms(x->ns, NNG_OPT_RECVTIMEO, WARM_MS);
    int rc = warm_up(nng_send1, nng_recv1, x, child);
    nng_socket_set_ms(x->ns, NNG_OPT_SENDTIMEO, NNG_DURATION_INFINITE);
    nng_socket_set_ms(x->ns, NNG_OPT_RECVTIMEO, NNG_DURATION_INFINITE);
    return rc;
}
#endif

static int peer_open(void *ctx, bool child)
{
    peer_ctx *x = ctx;
    x->rpos = x->rend = 0;
    switch (x->kind) {
    case P_PIPE:
        x->in_fd = child ? x->pa[0] : x->pb[0];
        x->out_fd = child ? x->pb[1] : x->pa[1];
        return 0;
    case P_UDS:
        x->in_fd = x->out_fd = child ? x->sv[1] : x->sv[0];
        return 0;
    case P_TCP: {
        int one = 1;
        if (child) {
            x->sock = accept(x->lsock, NULL, NULL);
        } else {
            x->sock = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in a = {.sin_family = AF_INET,
                                    .sin_port = htons(x->port),
                                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
            if (connect(x->sock, (struct sockaddr *)&a, sizeof a) < 0)
                return -1;
        }
        if (x->sock < 0)
            return -1;
        setsockopt(x->sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        x->in_fd = x->out_fd = x->sock;
        return 0;
    }
    case P_MQ:
        x->mq_in = mq_open(child ? x->mqa : x->mqb, O_RDONLY);
        x->mq_out = mq_open(child ? x->mqb : x->mqa, O_WRONLY);
        return x->mq_in == (mqd_t)-1 || x->mq_out == (mqd_t)-1 ? -1 : 0;
    case P_EVENTFD:
        x->e_in = child ? &x->ea : &x->eb;
        x->e_out = child ? &x->eb : &x->ea;
        x->e_in->pos = x->e_in->avail = x->e_in->done = 0;
        x->e_out->pos = 0;
        x->e_out->avail = EFD_SLOTS;
        return 0;
    case P_ZMQ:
#ifdef MYL_SUITE_ZMQ
        return zmq_open_warm(x, child);
#else
        return -1;
#endif
    case P_NNG:
#ifdef MYL_SUITE_NNG
        return nng_open_warm(x, child);
#else
        return -1;
#endif
    }
    return -1;
}

static void peer_close(void *ctx, bool child)
{
    peer_ctx *x = ctx;
    (void)child;
    switch (x->kind) {
    case P_TCP:
        close_fd(&x->sock);
        break;
    case P_MQ:
        mq_close(x->mq_in);
        mq_close(x->mq_out);
        break;
#ifdef MYL_SUITE_ZMQ
    case P_ZMQ: {
        int zero = 0;
        zmq_setsockopt(x->zsock, ZMQ_LINGER, &zero, sizeof zero);
        zmq_close(x->zsock);
        zmq_ctx_term(x->zctx);
        break;
    }
#endif
#ifdef MYL_SUITE_NNG
    case P_NNG:
        nng_close(x->ns);
        break;
#endif
    default:
        break;
    }
}

static bool write_all(int fd, const void *b, size_t n)
{
    const uint8_t *p = b;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Buffered read of exactly n bytes from a byte stream. */
static bool read_exact(peer_ctx *x, void *out, size_t n)
{
    uint8_t *o = out;
    while (n) {
        if (x->rpos == x->rend) {
            ssize_t r = read(x->in_fd, x->rbuf, RBUF);
            if (r <= 0)
                return false;
            x->rpos = 0;
            x->rend = (size_t)r;
        }
        size_t k = x->rend - x->rpos < n ? x->rend - x->rpos : n;
        memcpy(o, x->rbuf + x->rpos, k);
        x->rpos += k;
        o += k;
        n -= k;
    }
    return true;
}

static bool efd_get(int fd, uint64_t *v)
{
    return read(fd, v, 8) == 8;
}

static bool efd_add(int fd, uint64_t v)
{
    return write(fd, &v, 8) == 8;
}

static int peer_send(peer_ctx *x, const uint8_t *b, uint32_t n)
{
    switch (x->kind) {
    case P_PIPE:
    case P_UDS:
    case P_TCP:
        memcpy(x->wbuf, &n, 4);
        memcpy(x->wbuf + 4, b, n);
        return write_all(x->out_fd, x->wbuf, 4 + (size_t)n) ? 0 : -1;
    case P_MQ:
        return mq_send(x->mq_out, (const char *)b, n, 0);
    case P_EVENTFD: {
        efd_dir *d = x->e_out;
        if (d->avail == 0) {
            uint64_t v;
            if (!efd_get(d->credit, &v))
                return -1;
            d->avail += v;
        }
        uint8_t *s = d->slots + (size_t)(d->pos % EFD_SLOTS) * EFD_SLOT;
        memcpy(s, &n, 4);
        memcpy(s + 8, b, n);
        d->pos++;
        d->avail--;
        /* write(2) on the eventfd orders the slot's bytes before it for
         * the reader's read(2) */
        return efd_add(d->data, 1) ? 0 : -1;
    }
#ifdef MYL_SUITE_ZMQ
    case P_ZMQ:
        return zmq_send1(x, b, n);
#endif
#ifdef MYL_SUITE_NNG
    case P_NNG:
        return nng_send1(x, b, n);
#endif
    default:
        return -1;
    }
}

/* Receive one message into b (PEER_MAX bytes); its length, or -1. */
static int64_t peer_recv(peer_ctx *x, uint8_t *b)
{
    switch (x->kind) {
    case P_PIPE:
    case P_UDS:
    case P_TCP: {
        uint32_t n;
        if (!read_exact(x, &n, 4) || n > PEER_MAX || !read_exact(x, b, n))
            return -1;
        return n;
    }
    case P_MQ: {
        ssize_t r = mq_receive(x->mq_in, (char *)b, PEER_MAX, NULL);
        return r < 0 ? -1 : r;
    }
    case P_EVENTFD: {
        efd_dir *d = x->e_in;
        if (d->avail == 0) {
            /* give back what was read, then wait for more */
            if (d->done && !efd_add(d->credit, d->done))
                return -1;
            d->done = 0;
            uint64_t v;
            if (!efd_get(d->data, &v))
                return -1;
            d->avail = v;
        }
        const uint8_t *s = d->slots + (size_t)(d->pos % EFD_SLOTS) * EFD_SLOT;
        uint32_t n;
        memcpy(&n, s, 4);
        if (n > PEER_MAX)
            return -1;
        memcpy(b, s + 8, n);
        d->pos++;
        d->avail--;
        d->done++;
        /* a writer out of credits waits for these */
        if (d->done >= EFD_SLOTS / 4) {
            if (!efd_add(d->credit, d->done))
                return -1;
            d->done = 0;
        }
        return n;
    }
#ifdef MYL_SUITE_ZMQ
    case P_ZMQ:
        return zmq_recv1(x, b);
#endif
#ifdef MYL_SUITE_NNG
    case P_NNG:
        return nng_recv1(x, b);
#endif
    default:
        return -1;
    }
}

static int peer_echo(void *ctx, int iters, uint64_t *seq)
{
    peer_ctx *x = ctx;
    int bad = 0;
    for (int i = 0; i < iters; i++) {
        int64_t n = peer_recv(x, x->dst);
        if (n < 0)
            return bad + iters - i;
        if ((uint64_t)n != x->size || !pay_ok(x->dst, x->size, *seq, x->full))
            bad++;
        if (peer_send(x, x->dst, (uint32_t)n) < 0)
            return bad + iters - i;
        ++*seq;
    }
    return bad;
}

static int peer_ping(void *ctx, int iters, uint64_t *seq, uint64_t *ns)
{
    peer_ctx *x = ctx;
    int bad = 0;
    for (int i = 0; i < iters; i++) {
        pay_stamp(x->src, x->size, *seq);
        uint64_t t0 = now_ns();
        if (peer_send(x, x->src, x->size) < 0)
            return bad + iters - i;
        int64_t n = peer_recv(x, x->dst);
        ns[i] = now_ns() - t0;
        if (n < 0)
            return bad + iters - i;
        if ((uint64_t)n != x->size || !pay_ok(x->dst, x->size, *seq, x->full))
            bad++;
        ++*seq;
    }
    return bad;
}

static int peer_stream_recv(void *ctx, uint64_t total)
{
    peer_ctx *x = ctx;
    int bad = 0;
    for (uint64_t s = 0; s < total; s++) {
        int64_t n = peer_recv(x, x->dst);
        if (n < 0)
            return bad + 1;
        if ((uint64_t)n != x->size || !pay_ok(x->dst, x->size, s, x->full))
            bad++;
    }
    /* the eventfd writer may be waiting for the last credits */
    if (x->kind == P_EVENTFD && x->e_in->done)
        efd_add(x->e_in->credit, x->e_in->done);
    return bad;
}

static int peer_stream_send(void *ctx, uint64_t total)
{
    peer_ctx *x = ctx;
    for (uint64_t s = 0; s < total; s++) {
        pay_stamp(x->src, x->size, s);
        if (peer_send(x, x->src, x->size) < 0)
            return 1;
    }
    return 0;
}

static const rt_ops peer_rt_ops = {peer_open, peer_echo, peer_ping, peer_close};
static const st_ops peer_st_ops = {peer_open, peer_stream_recv, peer_stream_send, peer_close};

static bool peer_built(int kind)
{
#ifndef MYL_SUITE_ZMQ
    if (kind == P_ZMQ)
        return false;
#endif
#ifndef MYL_SUITE_NNG
    if (kind == P_NNG)
        return false;
#endif
    (void)kind;
    return true;
}

void suite_peers(suite *S)
{
    static const uint32_t sizes[] = {0, 64, 1024, 4096};
    static const uint32_t waits[] = {MYL_WAIT_SPIN, MYL_WAIT_YIELD, MYL_WAIT_BLOCK,
                                     MYL_WAIT_HYBRID};
    for (size_t z = 0; z < 4; z++) {
        uint32_t size = sizes[z];
        int iters = S->smoke ? S->iters : S->iters / 2;
        uint64_t ring_p50[5] = {0};
        for (size_t w = 0; w < 4; w++) {
            if (!suite_case(S, "round trip %u B: myelon ring, %s", size, suite_wait_name(waits[w])))
                continue;
            raw_ctx x;
            raw_ctx_init(&x, "peer", size, waits[w], S->smoke, true);
            rt_result r =
                rt_run(S, "myelon", waits[w], size, &raw_rt_ops, &x, size, waits[w], iters);
            ring_p50[waits[w]] = r.ok ? r.p50 : 0;
            raw_ctx_fini(&x);
        }
        if (!S->dry)
            printf("\nround trip %u B, p50 (ratio to the ring spinning / blocking):\n", size);
        for (int k = 0; k < P_COUNT; k++) {
            if (!peer_built(k))
                continue;
            if (!suite_case(S, "round trip %u B: %s", size, peer_names[k]))
                continue;
            peer_ctx x;
            if (peer_init(&x, k, size, S->smoke) < 0) {
                suite_fail(S, "%s: set-up failed", peer_names[k]);
                peer_fini(&x);
                continue;
            }
            rt_result r = (k == P_ZMQ || k == P_NNG ? rt_run_iso : rt_run)(
                S, peer_names[k], MYL_WAIT_BLOCK, size, &peer_rt_ops, &x, size, MYL_WAIT_BLOCK,
                iters);
            peer_fini(&x);
            if (!r.ok)
                continue;
            double rs = ring_p50[MYL_WAIT_SPIN] ? (double)r.p50 / ring_p50[MYL_WAIT_SPIN] : 0;
            double rb = ring_p50[MYL_WAIT_BLOCK] ? (double)r.p50 / ring_p50[MYL_WAIT_BLOCK] : 0;
            suite_row(S, peer_names[k], MYL_WAIT_BLOCK, size, "ratio_to_myelon_spin", rs);
            suite_row(S, peer_names[k], MYL_WAIT_BLOCK, size, "ratio_to_myelon_block", rb);
            printf("  %-14s %9llu ns  %7.1fx  %6.1fx\n", peer_names[k], (unsigned long long)r.p50,
                   rs, rb);
        }
        fflush(stdout);
    }
    /* 64 B streaming */
    uint64_t count = suite_count(S, 64);
    if (S->smoke && count > 2000)
        count = 2000;
    double ring_eps = 0;
    static const uint32_t sw[] = {MYL_WAIT_SPIN, MYL_WAIT_BLOCK};
    for (size_t w = 0; w < 2; w++) {
        if (!suite_case(S, "stream 64 B: myelon ring, %s, batches of 64", suite_wait_name(sw[w])))
            continue;
        raw_ctx x;
        raw_ctx_init(&x, "peers", 64, sw[w], S->smoke, false);
        x.batch = 64;
        double e = st_run(S, "myelon", sw[w], 64, &raw_st_ops, &x, count);
        if (sw[w] == MYL_WAIT_SPIN)
            ring_eps = e;
        raw_ctx_fini(&x);
    }
    if (!S->dry)
        printf("\nstreaming 64 B, events/s (the ring spinning: %.0f):\n", ring_eps);
    for (int k = 0; k < P_COUNT; k++) {
        if (!peer_built(k))
            continue;
        if (!suite_case(S, "stream 64 B: %s", peer_names[k]))
            continue;
        peer_ctx x;
        if (peer_init(&x, k, 64, S->smoke) < 0) {
            suite_fail(S, "%s: set-up failed", peer_names[k]);
            peer_fini(&x);
            continue;
        }
        double e = (k == P_ZMQ || k == P_NNG ? st_run_iso : st_run)(
            S, peer_names[k], MYL_WAIT_BLOCK, 64, &peer_st_ops, &x, count);
        peer_fini(&x);
        if (e > 0) {
            suite_row(S, peer_names[k], MYL_WAIT_BLOCK, 64, "myelon_spin_over_peer", ring_eps / e);
            printf("  %-14s %12.0f  (ring %.1fx)\n", peer_names[k], e, ring_eps / e);
        }
    }
    fflush(stdout);
}
