/* The benchmark suite (bench/suite.c): shared declarations of its parts,
 * suite_ladder.c, suite_topo.c and suite_peers.c. */
#ifndef MYELON_BENCH_SUITE_H
#define MYELON_BENCH_SUITE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bench_util.h"
#include "suite_floor.h"

typedef struct suite {
    bool dry;        /* counting cases for the progress line: run nothing */
    bool smoke;      /* tiny counts, every payload checked in full */
    int trials;      /* round-trip blocks per case (floor and case alternate) */
    int iters;       /* round trips per block, at 64 B; fewer for large sizes */
    uint64_t bytes;  /* streaming: bytes moved per case, at most */
    uint64_t events; /* streaming: events per case, at most */
    int cpu_a, cpu_b;
    const char *out_dir;
    FILE *csv; /* the current group's CSV */
    const char *group;
    int step, steps;
    uint64_t t0;
    int failures; /* cases whose payloads or processes failed */
    bool tty;
} suite;

/* Returns true when the case should run (false in the counting pass);
 * prints the progress line. */
bool suite_case(suite *S, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One CSV row: case, wait mode, size, metric, value. */
void suite_row(suite *S, const char *name, uint32_t wait, uint64_t size, const char *metric,
               double value);
const char *suite_wait_name(uint32_t wait);
void suite_fail(suite *S, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Payloads: byte i is (i * 7 + 1) & 0xff, except that the first 8 bytes
 * (or the first byte of a shorter payload) hold the message's number. */
void pay_fill(uint8_t *b, size_t n);
void pay_stamp(uint8_t *b, size_t n, uint64_t seq);
/* Whether b holds message seq; every byte when full, else the number, the
 * middle and the last byte. */
bool pay_ok(const uint8_t *b, size_t n, uint64_t seq, bool full);

/* A round-trip case: opened on each side after fork(); the child echoes
 * iters messages (returns how many it found wrong), the parent sends
 * iters, timing each round trip (returns how many replies were wrong).
 * *seq counts messages across blocks on each side. */
typedef struct rt_ops {
    int (*open)(void *ctx, bool child);
    int (*echo)(void *ctx, int iters, uint64_t *seq);
    int (*ping)(void *ctx, int iters, uint64_t *seq, uint64_t *ns);
    void (*close)(void *ctx, bool child);
} rt_ops;

typedef struct rt_result {
    uint64_t p50, p99, floor_p50, floor_p99;
    bool ok;
} rt_result;

/* Run a round-trip case against a floor of floor_bytes in floor_wait,
 * alternating blocks in one pair of pinned processes; writes the rows
 * (case and floor p50/p99, ratio) and returns the figures. */
rt_result rt_run(suite *S, const char *name, uint32_t wait, uint64_t size, const rt_ops *ops,
                 void *ctx, uint32_t floor_bytes, uint32_t floor_wait, int iters);

/* The same, with both processes in a child of the suite (for libraries
 * that are not fork-safe). */
rt_result rt_run_iso(suite *S, const char *name, uint32_t wait, uint64_t size, const rt_ops *ops,
                     void *ctx, uint32_t floor_bytes, uint32_t floor_wait, int iters);

/* A streaming case: the parent sends n messages, the child receives them
 * (returns how many it found wrong). */
typedef struct st_ops {
    int (*open)(void *ctx, bool child);
    int (*recv)(void *ctx, uint64_t n);
    int (*send)(void *ctx, uint64_t n);
    void (*close)(void *ctx, bool child);
} st_ops;

/* events/s of a streaming case (0 on failure); writes events_per_s and
 * gb_per_s rows. */
double st_run(suite *S, const char *name, uint32_t wait, uint64_t size, const st_ops *ops,
              void *ctx, uint64_t n);

double st_run_iso(suite *S, const char *name, uint32_t wait, uint64_t size, const st_ops *ops,
                  void *ctx, uint64_t n);

/* Run the copy pipeline baseline of msg-byte messages; writes its rows
 * under the name "copy". */
double st_copy(suite *S, uint32_t wait, uint64_t size, uint64_t n);

/* A ring for a benchmark, created before fork() (unlinked name first). */
myl_ring *suite_ring(const char *name, uint32_t slot, uint64_t cap, uint32_t wait,
                     uint32_t producers);
/* Round-trip iterations and streaming counts scaled to a payload size. */
int suite_iters(const suite *S, uint64_t size);
uint64_t suite_count(const suite *S, uint64_t size);

/* The groups. */
void suite_floor_group(suite *S);
void suite_ladder(suite *S);
void suite_topo(suite *S);
void suite_peers(suite *S);
/* The ladder's layer (framed, compact, flatbuffers) in one process: n
 * round trips of size bytes, no waits (for callgrind); -1 on error, else
 * the number of wrong replies. */
int suite_ladder_cost(const char *layer, uint32_t size, int n);

/* Shared by the groups: the raw ring round trip and stream (suite.c). */
extern const rt_ops raw_rt_ops;
extern const st_ops raw_st_ops;
typedef struct raw_ctx {
    char ping[64], pong[64];
    uint32_t size, wait, batch;
    bool full;
    myl_ring *rp, *rq;
    myl_producer *p;
    myl_consumer *c;
    uint8_t *src, *dst;
} raw_ctx;
int raw_ctx_init(raw_ctx *x, const char *tag, uint32_t size, uint32_t wait, bool full,
                 bool two_rings);
void raw_ctx_fini(raw_ctx *x);

#endif
