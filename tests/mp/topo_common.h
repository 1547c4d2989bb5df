/* The test topology of the topology tests (tests/mp, tests/fault, unit):
 * what myelonc would emit for
 *
 *   topology Fabric {
 *     scheduler;
 *     workers 4 max 16;
 *     scheduler -> workers : requests partitioned least_loaded track id;
 *     workers -> scheduler : responses;           // direct: one ring per worker
 *     scheduler -> workers : control broadcast;
 *     workers -> scheduler : hello shared;
 *   }
 *
 * with raw event channels, written by hand. Every route shape is used:
 * requests are partitioned, responses direct, control broadcast, and each
 * worker says hello on the shared ring once per start.
 */
#ifndef MYELON_TESTS_TOPO_COMMON_H
#define MYELON_TESTS_TOPO_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "myelon/myelon.h"

#define TOPO_ROLE_SCHED 0u
#define TOPO_ROLE_WORKERS 1u
#define TOPO_R_REQUESTS 0u
#define TOPO_R_RESPONSES 1u
#define TOPO_R_CONTROL 2u
#define TOPO_R_HELLO 3u
#define TOPO_MAX_WORKERS 16u

typedef struct topo_req {
    uint64_t id;
    uint64_t x;
} topo_req;

typedef struct topo_resp {
    uint64_t id;
    uint64_t y; /* topo_answer(x) */
    uint32_t worker;
    int32_t pid;
} topo_resp;

#define TOPO_CMD_QUIT 1u /* leave gracefully */
#define TOPO_CMD_EXIT 2u /* _exit at once without leaving (a crash, say) */
#define TOPO_ALL UINT32_MAX

typedef struct topo_ctl_msg {
    uint32_t cmd;
    uint32_t target; /* a worker index or TOPO_ALL */
} topo_ctl_msg;

typedef struct topo_hello {
    uint32_t worker;
    int32_t pid;
} topo_hello;

/* The deterministic "inference": every answer is checkable. */
static inline uint64_t topo_answer(uint64_t x)
{
    return x * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
}

/* FNV-1a, 64-bit, written here rather than taken from the runtime: the
 * tests that forge a control block compute its checksums themselves. */
static inline uint64_t topo_fnv(const void *p, size_t n)
{
    const uint8_t *b = (const uint8_t *)p;
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

/* Blocking rings; flags: the ring's fences (0: symmetric, block's default). */
#define TOPO_CHANNEL(nm, sz, fp, flags)                                                            \
    {                                                                                              \
        nm, fp, 64, sz, MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, MYL_WAIT_BLOCK, MYL_BACKING_SHM,     \
            NULL, 0, flags                                                                         \
    }

static const myl_channel_desc topo_ch_req = TOPO_CHANNEL("req", 32, 0x1111, 0);
static const myl_channel_desc topo_ch_resp = TOPO_CHANNEL("resp", 32, 0x2222, 0);
/* Sleepers on the control route issue membarrier where they can. */
static const myl_channel_desc topo_ch_ctl =
    TOPO_CHANNEL("ctl", 16, 0x3333, MYL_SEG_FENCE_ASYMMETRIC);
static const myl_channel_desc topo_ch_hello = TOPO_CHANNEL("hello", 16, 0x4444, 0);

static const myl_topo_role_desc topo_roles[] = {
    {"scheduler", 1, 1, 1},
    {"workers", 4, 1, TOPO_MAX_WORKERS},
};

static const myl_topo_route_desc topo_routes[] = {
    {"scheduler_workers_requests", 0, 1, MYL_ROUTE_PARTITIONED, MYL_PART_LEAST_LOADED, &topo_ch_req,
     NULL},
    {"workers_scheduler_responses", 1, 0, MYL_ROUTE_DIRECT, 0, &topo_ch_resp, NULL},
    {"scheduler_workers_control", 0, 1, MYL_ROUTE_BROADCAST, 0, &topo_ch_ctl, NULL},
    {"workers_scheduler_hello", 1, 0, MYL_ROUTE_SHARED, 0, &topo_ch_hello, NULL},
};

#define TOPO_FINGERPRINT UINT64_C(0x70706f6c6f677931)

static const myl_topo_desc topo_desc = {
    "test.Fabric", TOPO_FINGERPRINT, 2, 4, topo_roles, topo_routes,
};

#endif
