/* A small application for the pipeline tests (test_pipeline.c, and
 * tests/fault/pipeline_stress.c) and an independent model of it.
 *
 * The state is 16 accounts. Input record s (type PM_TYPE) is a function
 * of (seed, s) alone: account idx, delta; apply sets
 * acct[idx] = acct[idx] * 31 + delta + s (order-sensitive, so a record
 * applied twice or skipped changes the state) and emits {s, new value}.
 * Ticks (every tick_ns of a virtual clock that reads next_seq * PM_VT)
 * count and remember their time. The model replays what the input loop
 * would produce for n records without any of the runtime.
 */
#ifndef MYELON_PIPELINE_MODEL_H
#define MYELON_PIPELINE_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "myelon/pipeline.h"

#define PM_TYPE UINT64_C(0x5049504554455354)
#define PM_VT UINT64_C(1000) /* virtual ns per record */
#define PM_VERSION 3u

typedef struct pm_state {
    uint64_t acct[16];
    uint64_t applied, ticks, last_tick;
} pm_state;

typedef struct pm_input {
    uint32_t idx, pad;
    uint64_t delta;
} pm_input;

typedef struct pm_output {
    uint64_t seq, value;
} pm_output;

static inline uint64_t pm_mix(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    return x ^ (x >> 33);
}

static inline pm_input pm_input_at(uint64_t seed, uint64_t s)
{
    uint64_t h = pm_mix(seed * UINT64_C(0x9e3779b97f4a7c15) + s);
    pm_input in = {(uint32_t)(h % 16u), 0, pm_mix(h)};
    return in;
}

static inline int pm_reset(void *st)
{
    memset(st, 0, sizeof(pm_state));
    return 0;
}

static inline int pm_apply(void *st, const myl_journal_record *rec, myl_pipeline_out *out)
{
    pm_state *s = st;
    if (rec->type == MYL_PIPELINE_TICK) {
        if (rec->len != 8)
            return -1;
        memcpy(&s->last_tick, rec->data, 8);
        s->ticks++;
        s->applied++;
        return 0;
    }
    pm_input in;
    if (rec->type != PM_TYPE || rec->len != sizeof in)
        return -1;
    memcpy(&in, rec->data, sizeof in);
    if (in.idx >= 16)
        return -1;
    s->acct[in.idx] = s->acct[in.idx] * 31u + in.delta + rec->seq;
    s->applied++;
    pm_output o = {rec->seq, s->acct[in.idx]};
    return myl_pipeline_emit(out, &o, sizeof o);
}

static inline int pm_save(void *st, void **pl, uint64_t *size)
{
    void *b = malloc(sizeof(pm_state));
    if (!b)
        return -1;
    memcpy(b, st, sizeof(pm_state));
    *pl = b;
    *size = sizeof(pm_state);
    return 0;
}

static inline int pm_restore(void *st, const void *pl, uint64_t size, uint32_t version)
{
    if (size != sizeof(pm_state) || version != PM_VERSION)
        return -1000 - 99; /* an application error, passed through */
    memcpy(st, pl, sizeof(pm_state));
    return 0;
}

/* The virtual clock: the pipeline's next sequence times PM_VT. */
static inline uint64_t pm_clock(void *arg)
{
    myl_pipeline *const *pp = arg;
    return *pp ? myl_pipeline_next_seq(*pp) * PM_VT : 0;
}

/* The model: what n records of the input loop "tick hook, then one input"
 * are (ticks every tick_ns, 0: none), the state after them, the chain, and
 * (if outs) the output value of every input seq (0 for ticks). */
static inline void pm_model(uint64_t seed, uint64_t tick_ns, uint64_t n, pm_state *st,
                            uint64_t *chain, uint64_t *outs)
{
    pm_reset(st);
    uint64_t c = MYL_PIPELINE_CHAIN_INIT, last = 0;
    bool have = false;
    uint64_t s = 0;
    while (s < n) {
        uint64_t now = s * PM_VT;
        if (tick_ns && (!have || now < last || now - last >= tick_ns)) {
            myl_journal_record r = {s, MYL_PIPELINE_TICK, &now, 8};
            pm_apply(st, &r, NULL);
            c = myl_pipeline_chain_next(c, &r);
            if (outs)
                outs[s] = 0;
            last = now;
            have = true;
            if (++s >= n)
                break;
        }
        pm_input in = pm_input_at(seed, s);
        myl_journal_record r = {s, PM_TYPE, &in, sizeof in};
        pm_apply(st, &r, NULL);
        c = myl_pipeline_chain_next(c, &r);
        if (outs)
            outs[s] = st->acct[in.idx];
        s++;
    }
    *chain = c;
}

/* One step of the input loop: the tick hook, then input next_seq. */
static inline int pm_step(myl_pipeline *p, uint64_t seed)
{
    int rc = myl_pipeline_tick(p);
    if (rc < 0)
        return rc;
    pm_input in = pm_input_at(seed, myl_pipeline_next_seq(p));
    return myl_pipeline_submit(p, PM_TYPE, &in, sizeof in, NULL);
}

#endif
