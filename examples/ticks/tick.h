/* The event the ticks example moves: one market-data tick, 64 bytes.
 * (Until myelonc generates it from schemas/ticks.myl, it is written here.) */
#ifndef TICKS_TICK_H
#define TICKS_TICK_H

#include <stdint.h>

typedef struct tick {
    uint64_t seq;
    uint64_t ts_ns;
    int64_t price;
    uint32_t qty;
    uint8_t side;
    char symbol[8];
    uint8_t pad[19];
    uint64_t check; /* FNV-1a of the bytes above */
} tick;

_Static_assert(sizeof(tick) == 64, "tick is one cache line");

static inline uint64_t tick_checksum(const tick *t)
{
    const uint8_t *p = (const uint8_t *)t;
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (unsigned i = 0; i < 56; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

#define TICKS_RING "myelon-ticks-demo"
#define TICKS_FINGERPRINT UINT64_C(0x7469636b73000001)

#endif
