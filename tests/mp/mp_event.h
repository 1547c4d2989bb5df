/* The events the multi-process and fault tests move, shared by
 * mp_producer, mp_consumer and the drivers.
 *
 * Every byte of an event is derived from (producer id, per-producer
 * sequence), so a consumer can check an event completely without knowing
 * anything else: a torn event, a stale lap or a slot delivered twice shows
 * up as a mismatch. Slot sizes are multiples of 8, at least 8.
 *
 *   slot >= 32 (full form)                  slot 8..24 (compact form)
 *   +0  u32 producer                        +0  u64 producer << 56
 *   +4  u32 slot size                                | pseq << 16 (40 bits)
 *   +8  u64 pseq (per-producer sequence)             | check (16 bits)
 *   +16 u64 ring sequence it was written for  +8  u64 payload words...
 *   +24 u64 check
 *   +32 u64 payload words...
 *
 * payload word k = mp_mix(seed + k), seed = mp_mix(producer << 48 ^ pseq);
 * check = a word-wise hash of every other word (the compact form keeps its
 * low 16 bits).
 */
#ifndef MYELON_TESTS_MP_EVENT_H
#define MYELON_TESTS_MP_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define MP_FULL_MIN 32u
#define MP_PSEQ_BITS 40
#define MP_PSEQ_MASK ((UINT64_C(1) << MP_PSEQ_BITS) - 1)
#define MP_MAX_PRODUCERS 64u

/* Exit codes of mp_producer and mp_consumer. */
#define MP_EXIT_OK 0
#define MP_EXIT_FAIL 1     /* a check failed, or an unexpected error */
#define MP_EXIT_USAGE 2    /* bad arguments or setup */
#define MP_EXIT_PEERDEAD 3 /* MYL_EPEERDEAD */
#define MP_EXIT_TIMEDOUT 4 /* MYL_ETIMEDOUT */
#define MP_EXIT_CLOSED 5   /* MYL_ECLOSED */
#define MP_EXIT_EVICTED 6  /* MYL_EEVICTED */

/* splitmix64's finaliser. */
static inline uint64_t mp_mix(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

static inline uint64_t mp_hash_step(uint64_t h, uint64_t w)
{
    h = (h ^ w) * UINT64_C(0x100000001b3);
    return h ^ (h >> 29);
}

#define MP_HASH_INIT UINT64_C(0xcbf29ce484222325)

static inline uint64_t mp_seed(uint32_t producer, uint64_t pseq)
{
    return mp_mix(((uint64_t)producer << 48) ^ pseq);
}

/* Write event (producer, pseq) for ring sequence ring_seq into slot. */
static inline void mp_event_fill(void *slot, uint32_t slot_size, uint32_t producer, uint64_t pseq,
                                 uint64_t ring_seq)
{
    uint64_t *w = slot;
    uint32_t words = slot_size / 8;
    uint64_t seed = mp_seed(producer, pseq);
    uint64_t h = MP_HASH_INIT;
    if (slot_size >= MP_FULL_MIN) {
        uint64_t w0 = (uint64_t)producer | ((uint64_t)slot_size << 32);
        h = mp_hash_step(h, w0);
        h = mp_hash_step(h, pseq);
        h = mp_hash_step(h, ring_seq);
        for (uint32_t k = 4; k < words; k++) {
            uint64_t v = mp_mix(seed + k);
            h = mp_hash_step(h, v);
            w[k] = v;
        }
        w[0] = w0;
        w[1] = pseq;
        w[2] = ring_seq;
        w[3] = h;
    } else {
        uint64_t id = ((uint64_t)producer << 56) | ((pseq & MP_PSEQ_MASK) << 16);
        h = mp_hash_step(h, id);
        for (uint32_t k = 1; k < words; k++) {
            uint64_t v = mp_mix(seed + k);
            h = mp_hash_step(h, v);
            w[k] = v;
        }
        w[0] = id | (h & 0xffff);
    }
}

/* Check an event; on success fill producer, pseq and ring_seq (UINT64_MAX
 * in the compact form, which does not carry it). Returns NULL or what is
 * wrong. */
static inline const char *mp_event_check(const void *slot, uint32_t slot_size, uint32_t *producer,
                                         uint64_t *pseq, uint64_t *ring_seq)
{
    const uint64_t *w = slot;
    uint32_t words = slot_size / 8;
    uint64_t h = MP_HASH_INIT;
    uint32_t first;
    if (slot_size >= MP_FULL_MIN) {
        if ((uint32_t)(w[0] >> 32) != slot_size)
            return "bad slot size field";
        *producer = (uint32_t)w[0];
        *pseq = w[1];
        *ring_seq = w[2];
        h = mp_hash_step(h, w[0]);
        h = mp_hash_step(h, w[1]);
        h = mp_hash_step(h, w[2]);
        first = 4;
    } else {
        *producer = (uint32_t)(w[0] >> 56);
        *pseq = (w[0] >> 16) & MP_PSEQ_MASK;
        *ring_seq = UINT64_MAX;
        h = mp_hash_step(h, w[0] & ~UINT64_C(0xffff));
        first = 1;
    }
    if (*producer >= MP_MAX_PRODUCERS)
        return "bad producer id";
    uint64_t seed = mp_seed(*producer, *pseq);
    for (uint32_t k = first; k < words; k++) {
        if (w[k] != mp_mix(seed + k))
            return "payload differs from its derivation";
        h = mp_hash_step(h, w[k]);
    }
    if (slot_size >= MP_FULL_MIN ? w[3] != h : (w[0] & 0xffff) != (h & 0xffff))
        return "bad checksum";
    return NULL;
}

/* A record of the consumer's --log file: one per delivered event, written
 * before the event is released. */
typedef struct mp_log_rec {
    uint64_t ring_seq;
    uint64_t producer;
    uint64_t pseq;
} mp_log_rec;

#endif
