/* The ticks example's helpers around the generated ticks_Tick (see
 * schemas/ticks.myl, compiled by myelonc into ticks.myl.h). */
#ifndef TICKS_TICK_H
#define TICKS_TICK_H

#include "ticks.myl.h"

/* FNV-1a of the 56 bytes before the checksum field. */
static inline uint64_t tick_checksum(const ticks_Tick *t)
{
    const uint8_t *p = (const uint8_t *)t;
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < offsetof(ticks_Tick, check); i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

#define TICKS_RING "myelon-ticks-demo"

#endif
