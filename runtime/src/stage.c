/* Pipeline stages: consumers gated on other consumers (stage.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "myelon/stage.h"

struct myl_stage {
    myl_consumer *c;
    myl_ring *ring;
    uint32_t n;
    char ids[MYL_STAGE_MAX_DEPS][MYL_ID_MAX];
    uint32_t idx[MYL_STAGE_MAX_DEPS];   /* the dependency's entry; UINT32_MAX: not found */
    uint64_t seen[MYL_STAGE_MAX_DEPS];  /* the highest position it was seen releasing */
    uint32_t epoch[MYL_STAGE_MAX_DEPS]; /* of the registration seen in idx */
    bool found[MYL_STAGE_MAX_DEPS];     /* seen registered at least once */
};

/* Find the ACTIVE entry registered as id, or UINT32_MAX. */
static uint32_t find_entry(myl_ring *r, const char *id)
{
    for (uint32_t i = 0; i < r->max_consumers; i++) {
        myl__consumer_entry *e = &r->consumers[i];
        /* A4: pairs with R4, the registrant's release of ACTIVE after it
         * wrote the entry's id and seq. */
        if (myl__load_acquire(&e->state) == MYL_ENTRY_ACTIVE && strncmp(e->id, id, MYL_ID_MAX) == 0)
            return i;
    }
    return UINT32_MAX;
}

/* Dependency k's released position. The entry it was last seen in still
 * tells it while it holds the same registration (same epoch): ACTIVE, or
 * FREE or EVICTED after it closed or was evicted (its final position,
 * until the id registers again: in any entry, so the table is searched
 * while the old one stays closed). Otherwise the table is searched by id;
 * while the id is nowhere, the position holds at the last one seen. */
static uint64_t dep_pos(myl_stage *s, uint32_t k)
{
    myl_ring *r = s->ring;
    uint32_t i = s->idx[k];
    if (i != UINT32_MAX) {
        myl__consumer_entry *e = &r->consumers[i];
        /* A3: pairs with R2, the dependency's release store of its position
         * after its reads of the events below it; and with the release
         * store of a new registrant, which takes the entry (CAS) before it
         * writes seq: if v is a new registrant's, the loads below see its
         * CLAIMING or later state and epoch, and v is not used. */
        uint64_t v = myl__load_acquire(&e->seq);
        uint32_t st = myl__load_acquire(&e->state); /* A4 */
        uint32_t ep = myl__load_relaxed(&e->epoch);
        bool same = ep == s->epoch[k] &&
                    (st == MYL_ENTRY_FREE || st == MYL_ENTRY_EVICTED ||
                     (st == MYL_ENTRY_ACTIVE && strncmp(e->id, s->ids[k], MYL_ID_MAX) == 0));
        if (same) {
            if (v > s->seen[k])
                s->seen[k] = v;
            if (st == MYL_ENTRY_ACTIVE)
                return s->seen[k];
            /* Closed or evicted: registered again elsewhere, or not yet
             * (the old entry is kept: it tells if it is taken again). */
            uint32_t j = find_entry(r, s->ids[k]);
            if (j == UINT32_MAX)
                return s->seen[k];
            i = j;
            goto adopt;
        }
    }
    i = find_entry(r, s->ids[k]);
    s->idx[k] = i;
    if (i == UINT32_MAX)
        return s->found[k] ? s->seen[k] : 0;
adopt:
    s->idx[k] = i;
    myl__consumer_entry *e = &r->consumers[i];
    s->epoch[k] = myl__load_relaxed(&e->epoch); /* after find_entry's A4 */
    uint64_t v = myl__load_acquire(&e->seq);    /* A3, as above */
    if (!s->found[k] || v > s->seen[k])
        s->seen[k] = v;
    s->found[k] = true;
    return s->seen[k];
}

uint64_t myl_stage_barrier(myl_stage *s)
{
    if (!s)
        return 0;
    uint64_t b = UINT64_MAX;
    for (uint32_t k = 0; k < s->n; k++) {
        uint64_t v = dep_pos(s, k);
        if (v < b)
            b = v;
    }
    return b;
}

int myl_stage_open(myl_ring *r, const char *id, const char *const *after, uint32_t n_after,
                   const myl_consumer_opts *opts, int64_t timeout_ns, myl_stage **out)
{
    if (!out)
        return MYL_EINVAL;
    *out = NULL;
    if (!r || !id || n_after > MYL_STAGE_MAX_DEPS || (n_after && !after))
        return MYL_EINVAL;
    for (uint32_t k = 0; k < n_after; k++) {
        if (!after[k] || !after[k][0] || strnlen(after[k], MYL_ID_MAX) >= MYL_ID_MAX ||
            strncmp(after[k], id, MYL_ID_MAX) == 0)
            return MYL_EINVAL;
        for (uint32_t m = 0; m < k; m++)
            if (strncmp(after[k], after[m], MYL_ID_MAX) == 0)
                return MYL_EINVAL;
    }
    myl_stage *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    s->ring = r;
    s->n = n_after;
    for (uint32_t k = 0; k < n_after; k++) {
        memcpy(s->ids[k], after[k], strnlen(after[k], MYL_ID_MAX - 1));
        s->idx[k] = UINT32_MAX;
    }
    /* Wait for the dependencies to register: until then the stage would
     * hold at position 0, which is right but says nothing useful. */
    uint64_t deadline = myl__deadline(timeout_ns);
    for (;;) {
        uint32_t gen = myl__load_acquire(&r->hdr->consumer_gen); /* A1: pairs with R3 */
        uint32_t missing = 0;
        for (uint32_t k = 0; k < n_after; k++)
            missing += find_entry(r, s->ids[k]) == UINT32_MAX;
        if (!missing)
            break;
        int64_t slice;
        if (!myl__remaining(deadline, INT64_C(20000000), &slice)) {
            free(s);
            return MYL_ETIMEDOUT;
        }
        (void)myl__futex_wait(&r->hdr->consumer_gen, gen, slice);
    }
    int rc = myl_consumer_open(r, id, opts, &s->c);
    if (rc < 0) {
        free(s);
        return rc;
    }
    (void)myl_stage_barrier(s);
    *out = s;
    return 0;
}

void myl_stage_close(myl_stage *s)
{
    if (!s)
        return;
    myl_consumer_close(s->c);
    free(s);
}

myl_consumer *myl_stage_consumer(myl_stage *s)
{
    return s ? s->c : NULL;
}

const void *myl_stage_slot(const myl_stage *s, uint64_t seq)
{
    return myl_consumer_slot(s->c, seq);
}

void myl_stage_release(myl_stage *s, uint32_t n)
{
    if (!s || n == 0)
        return;
    myl_consumer_release(s->c, n); /* R2 */
    /* Dekker with a dependent's waiter registration in wait_deps: either it
     * sees our new position, or we see it waiting and wake it (F1; a
     * compiler barrier on asymmetric rings, ring.c). */
    myl__wake_barrier(s->c->wake_fence);
    if (myl__load_relaxed(&s->ring->hdr->cons_waiters) != 0)
        myl__wake_consumers(s->ring, NULL);
}

/* Wait until the barrier passes next (true), or the deadline (false). */
static bool wait_deps(myl_stage *s, uint64_t next, uint64_t deadline)
{
    myl_ring *r = s->ring;
    myl_consumer *c = s->c;
    /* Hybrid: the consumer's adapted budget (myl__adapt_spin, ring.c). */
    uint32_t spin = c->wait == MYL_WAIT_SPIN     ? UINT32_MAX
                    : c->wait == MYL_WAIT_HYBRID ? c->spin_now
                                                 : c->spin;
    uint64_t t0 = c->wait == MYL_WAIT_HYBRID ? myl__now_ns() : 0;
    for (uint32_t i = 0;; i++) {
        if (myl_stage_barrier(s) > next) {
            if (t0)
                myl__adapt_spin(c, i, true, t0);
            return true;
        }
        if (myl__load_relaxed(&r->hdr->state) == MYL_SEG_STATE_SHUTDOWN)
            return true; /* the caller's poll reports it */
        if (i < spin) {
            myl__cpu_relax();
            if (i == 64 && t0)
                myl__note_spin(c, i, t0, myl__now_ns());
            if ((i & 1023) != 1023 || deadline == UINT64_MAX || myl__now_ns() < deadline)
                continue;
            return false;
        }
        if (c->wait == MYL_WAIT_YIELD) {
            if (deadline != UINT64_MAX && myl__now_ns() >= deadline)
                return false;
            sched_yield();
            continue;
        }
        int64_t slice;
        if (!myl__remaining(deadline, INT64_C(20000000), &slice)) {
            if (t0)
                myl__adapt_spin(c, i, false, t0);
            return false;
        }
        /* Acquire: pairs with the waker's release increment. */
        uint32_t w = myl__load_acquire(&r->hdr->cons_wake);
        atomic_fetch_add_explicit(&r->hdr->cons_waiters, 1, memory_order_seq_cst);
        /* F1: pairs with the barrier in myl_stage_release. */
        bool may_sleep = myl__sleep_barrier(s->c->sleep_mode);
        if (myl_stage_barrier(s) <= next) {
            if (may_sleep) {
                (void)myl__futex_wait(&r->hdr->cons_wake, w, slice);
            } else {
                struct timespec ts = {0, 50000}; /* MYL__SLEEP_POLL: poll */
                nanosleep(&ts, NULL);
            }
        }
        atomic_fetch_sub_explicit(&r->hdr->cons_waiters, 1, memory_order_seq_cst);
    }
}

int64_t myl_stage_poll(myl_stage *s, uint32_t max, uint64_t *seq, int64_t timeout_ns)
{
    if (!s || !seq || max == 0)
        return MYL_EINVAL;
    if (s->n == 0)
        return myl_consumer_poll(s->c, max, seq, timeout_ns);
    uint64_t deadline = myl__deadline(timeout_ns);
    for (;;) {
        uint64_t next = s->c->next, bar = myl_stage_barrier(s);
        if (bar > next) {
            /* Below the barrier every event is published (a dependency
             * released it): the poll does not wait. */
            uint64_t allowed = bar - next;
            int64_t n = myl_consumer_poll(s->c, allowed < max ? (uint32_t)allowed : max, seq,
                                          myl__left(deadline));
            /* A slot a dead producer left is skipped inside the poll,
             * which then counts on from past it: the window is cut at
             * the barrier again (nothing at or past it is this stage's). */
            if (n > 0 && *seq + (uint64_t)n > bar)
                n = *seq < bar ? (int64_t)(bar - *seq) : 0;
            if (n != MYL_EAGAIN && n != 0)
                return n;
        }
        if (myl__load_relaxed(&s->ring->hdr->state) == MYL_SEG_STATE_SHUTDOWN)
            return MYL_ECLOSED;
        if (!wait_deps(s, next, deadline))
            return MYL_ETIMEDOUT;
    }
}
