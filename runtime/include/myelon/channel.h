/* Channel descriptors: a channel's ring settings as a schema fixes them.
 * myelonc emits one `const myl_channel_desc` per channel; the generated
 * create/attach functions turn it into ring options here. */
#ifndef MYELON_CHANNEL_H
#define MYELON_CHANNEL_H

#include <stdint.h>
#include <string.h>

#include "myelon/ring.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct myl_channel_desc {
    const char *name;      /* default segment label (shm) or file path (mmap) */
    uint64_t fingerprint;  /* of the channel's wire format; checked on attach */
    uint64_t capacity;     /* events, a power of two */
    uint32_t slot_size;    /* bytes per event */
    uint32_t producers;    /* MYL_PRODUCERS_* */
    uint32_t mode;         /* MYL_MODE_* */
    uint32_t wait;         /* MYL_WAIT_* */
    uint32_t backing;      /* MYL_BACKING_* */
    const uint8_t *schema; /* its schema description (myelon/compat.h), or NULL */
    uint32_t schema_len;
    /* Creation flags the schema fixes: MYL_SEG_FENCE_SYMMETRIC or
     * _ASYMMETRIC (the channel's `fences`), or 0 for the runtime's choice. */
    uint32_t flags;
} myl_channel_desc;

/* Ring options from a descriptor; name overrides the default unless NULL.
 * Callers may adjust the result (perm, flags, max_consumers) before use. */
static inline void myl_channel_ring_opts(const myl_channel_desc *d, const char *name,
                                         myl_ring_opts *o)
{
    memset(o, 0, sizeof *o);
    o->size = (uint32_t)sizeof *o;
    o->backing = d->backing;
    o->name = name ? name : d->name;
    o->fingerprint = d->fingerprint;
    o->slot_size = d->slot_size;
    o->producers = d->producers;
    o->capacity = d->capacity;
    o->mode = d->mode;
    o->wait = d->wait;
    o->schema = d->schema;
    o->schema_len = d->schema_len;
    o->flags = d->flags;
}

#ifdef __cplusplus
}
#endif

#endif
