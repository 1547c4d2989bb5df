/* Baselines of the benchmark suite: see suite_floor.h. */
#define _GNU_SOURCE
#include "suite_floor.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "myelon/myelon.h"

#define SF_LINE 64u
#define SF_SPIN 2000u /* hybrid: spins before sleeping, as the ring's default */
/* A sleep's bound: a post wakes the sleeper at once, so this only sets how
 * soon a wait on a peer that died notices (sf_wait). */
#define SF_SLEEP_NS 100000000

/* A value one side posts and the other waits for, and whether the waiter
 * sleeps on it. */
typedef struct sf_word {
    _Atomic uint32_t val;
    _Atomic uint32_t sleeping;
} sf_word;

/* Sleep while *w == seen; true if the sleep timed out. */
static bool sf_futex_wait(_Atomic uint32_t *w, uint32_t seen)
{
    struct timespec ts = {0, SF_SLEEP_NS};
    return syscall(SYS_futex, (uint32_t *)w, FUTEX_WAIT, seen, &ts, NULL, 0) != 0 &&
           errno == ETIMEDOUT;
}

static void sf_futex_wake(_Atomic uint32_t *w)
{
    syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* Wait until w->val - want is >= 0 (wrapping). */
static inline bool sf_reached(uint32_t v, uint32_t want)
{
    return (int32_t)(v - want) >= 0;
}

/* False if the peer process ended before posting (bench_util.h). */
static bool sf_wait(sf_word *w, uint32_t want, uint32_t mode)
{
    uint32_t spins = 0;
    bench_wait bw = {0};
    bool timed_out = false;
    for (;;) {
        /* Acquire pairs with the release store in sf_post(). */
        uint32_t v = atomic_load_explicit(&w->val, memory_order_acquire);
        if (sf_reached(v, want))
            return true;
        if (bench_wait_give_up(&bw, timed_out))
            return false;
        timed_out = false;
        if (mode == MYL_WAIT_SPIN || (mode == MYL_WAIT_HYBRID && spins++ < SF_SPIN)) {
            myl__cpu_relax();
            continue;
        }
        if (mode == MYL_WAIT_YIELD) {
            sched_yield();
            continue;
        }
        /* Dekker with sf_post(): announce, then look again; seq_cst pairs
         * with the poster's fence between its store of val and its load of
         * sleeping, so one of us sees the other. */
        atomic_store_explicit(&w->sleeping, 1, memory_order_seq_cst);
        v = atomic_load_explicit(&w->val, memory_order_seq_cst);
        if (!sf_reached(v, want))
            timed_out = sf_futex_wait(&w->val, v);
        atomic_store_explicit(&w->sleeping, 0, memory_order_relaxed);
    }
}

static void sf_post(sf_word *w, uint32_t v, uint32_t mode)
{
    /* Release pairs with the acquire load in sf_wait(): the payload
     * written before is visible to the waiter. */
    atomic_store_explicit(&w->val, v, memory_order_release);
    if (mode == MYL_WAIT_BLOCK || mode == MYL_WAIT_HYBRID) {
        /* Pairs with the waiter's seq_cst store of sleeping (sf_wait). */
        atomic_thread_fence(memory_order_seq_cst);
        if (atomic_load_explicit(&w->sleeping, memory_order_relaxed))
            sf_futex_wake(&w->val);
    }
}

/* ---- round-trip floor ---- */

struct sf_floor {
    uint32_t bytes, wait;
    size_t dir;          /* bytes of one direction's region, whole lines */
    size_t flag_off;     /* the flag's offset in a region */
    uint8_t *req, *resp; /* the two regions (shared) */
    uint8_t *src, *dst;  /* the pinger's private buffers */
    size_t map;
    uint32_t seq; /* round trips done: private to each process */
};

uint32_t sf_floor_lines(uint32_t bytes)
{
    size_t flag = ((size_t)bytes + 7u) & ~(size_t)7u;
    return (uint32_t)((flag + sizeof(sf_word) + SF_LINE - 1) / SF_LINE);
}

sf_floor *sf_floor_new(uint32_t bytes, uint32_t wait)
{
    if (bytes > (4u << 20))
        return NULL;
    sf_floor *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->bytes = bytes;
    f->wait = wait;
    f->flag_off = ((size_t)bytes + 7u) & ~(size_t)7u;
    f->dir = (size_t)sf_floor_lines(bytes) * SF_LINE;
    /* One line between the directions' regions, so that the request's and
     * the reply's lines are never neighbours (adjacent-line prefetch). */
    f->map = 2 * f->dir + SF_LINE;
    void *m = mmap(NULL, f->map, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    f->src = malloc(bytes + 1u);
    f->dst = malloc(bytes + 1u);
    if (m == MAP_FAILED || !f->src || !f->dst) {
        if (m != MAP_FAILED)
            munmap(m, f->map);
        free(f->src);
        free(f->dst);
        free(f);
        return NULL;
    }
    memset(m, 0, f->map);
    f->req = m;
    f->resp = (uint8_t *)m + f->dir + SF_LINE;
    memset(f->src, 0x5a, bytes + 1u);
    return f;
}

void sf_floor_free(sf_floor *f)
{
    if (!f)
        return;
    munmap(f->req, f->map);
    free(f->src);
    free(f->dst);
    free(f);
}

static inline sf_word *sf_flag(const sf_floor *f, uint8_t *region)
{
    return (sf_word *)(void *)(region + f->flag_off);
}

int sf_floor_echo(sf_floor *f, int iters)
{
    sf_word *in = sf_flag(f, f->req), *out = sf_flag(f, f->resp);
    uint32_t v = f->seq;
    for (int i = 0; i < iters; i++) {
        v++;
        if (!sf_wait(in, v, f->wait))
            return -1;
        memcpy(f->resp, f->req, f->bytes);
        sf_post(out, v, f->wait);
    }
    f->seq = v;
    return 0;
}

int sf_floor_ping(sf_floor *f, int iters, uint64_t *ns)
{
    sf_word *out = sf_flag(f, f->req), *in = sf_flag(f, f->resp);
    uint32_t v = f->seq;
    for (int i = 0; i < iters; i++) {
        v++;
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        memcpy(f->req, f->src, f->bytes);
        sf_post(out, v, f->wait);
        if (!sf_wait(in, v, f->wait))
            return -1;
        memcpy(f->dst, f->resp, f->bytes);
        clock_gettime(CLOCK_MONOTONIC, &b);
        ns[i] = (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000u + (uint64_t)b.tv_nsec -
                (uint64_t)a.tv_nsec;
    }
    f->seq = v;
    return 0;
}

/* ---- copy pipeline ---- */

#define SF_CHUNK (64u * 1024u)
#define SF_CHUNKS 64u

struct sf_pipe {
    size_t msg;
    uint32_t wait;
    sf_word *head; /* chunks written (own line) */
    sf_word *tail; /* chunks read (own line) */
    uint8_t *buf;
    uint8_t *src, *dst;
    size_t map;
};

sf_pipe *sf_pipe_new(size_t msg, uint32_t wait)
{
    sf_pipe *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->msg = msg;
    p->wait = wait;
    p->map = 4 * SF_LINE + (size_t)SF_CHUNKS * SF_CHUNK;
    uint8_t *m = mmap(NULL, p->map, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    p->src = malloc(msg ? msg : 1);
    p->dst = malloc(msg ? msg : 1);
    if (m == MAP_FAILED || !p->src || !p->dst) {
        if (m != MAP_FAILED)
            munmap(m, p->map);
        free(p->src);
        free(p->dst);
        free(p);
        return NULL;
    }
    memset(m, 0, 4 * SF_LINE);
    p->head = (sf_word *)(void *)m;
    p->tail = (sf_word *)(void *)(m + 2 * SF_LINE);
    p->buf = m + 4 * SF_LINE;
    for (size_t i = 0; i < msg; i++)
        p->src[i] = (uint8_t)(i * 7u + 1u);
    return p;
}

void sf_pipe_free(sf_pipe *p)
{
    if (!p)
        return;
    munmap(p->head, p->map);
    free(p->src);
    free(p->dst);
    free(p);
}

/* Small messages are packed into a chunk as long as they fit, so that a
 * 64 B message costs a 64 B copy and a counter update, not a chunk. */
int sf_pipe_recv(sf_pipe *p, uint64_t count)
{
    uint32_t tail = 0;
    size_t off_in_chunk = 0;
    for (uint64_t m = 0; m < count; m++) {
        for (size_t off = 0; off < p->msg || (p->msg == 0 && off == 0);) {
            size_t n = p->msg - off < SF_CHUNK ? p->msg - off : SF_CHUNK;
            if (off_in_chunk + n > SF_CHUNK) {
                off_in_chunk = 0;
                tail++;
                sf_post(p->tail, tail, p->wait);
            }
            if (!sf_wait(p->head, tail + 1, p->wait))
                return -1;
            memcpy(p->dst + off, p->buf + (size_t)(tail % SF_CHUNKS) * SF_CHUNK + off_in_chunk, n);
            off_in_chunk += n;
            off += n;
            if (n == 0)
                break;
        }
        if (p->msg && (p->dst[0] != p->src[0] || p->dst[p->msg - 1] != p->src[p->msg - 1]))
            return -1;
    }
    return 0;
}

int sf_pipe_send(sf_pipe *p, uint64_t count)
{
    uint32_t head = 0;
    size_t off_in_chunk = 0;
    for (uint64_t m = 0; m < count; m++) {
        for (size_t off = 0; off < p->msg || (p->msg == 0 && off == 0);) {
            size_t n = p->msg - off < SF_CHUNK ? p->msg - off : SF_CHUNK;
            if (off_in_chunk + n > SF_CHUNK) {
                off_in_chunk = 0;
                head++;
                sf_post(p->head, head, p->wait);
            }
            /* The chunk being written must have been read: at most
             * SF_CHUNKS - 1 chunks ahead of the reader. */
            if (!sf_wait(p->tail, head + 1 - SF_CHUNKS, p->wait))
                return -1;
            memcpy(p->buf + (size_t)(head % SF_CHUNKS) * SF_CHUNK + off_in_chunk, p->src + off, n);
            off_in_chunk += n;
            off += n;
            if (n == 0)
                break;
        }
    }
    /* The last, partly filled chunk. */
    sf_post(p->head, head + 1, p->wait);
    return 0;
}
