/* The ring's slow paths: registration, gating, waiting, liveness and
 * recovery. The hot path is inline in myelon/ring.h.
 *
 * Pairings of atomic operations used here and in ring.h:
 *   R0/A0  header state published by the creator / checked on attach
 *   R1/A2  slot stamp stored by publish / loaded by consumers
 *   R2/A3  consumer sequence stored by release / loaded by the gate scan
 *   R3/A1  consumer generation bumped by registration / checked by claims
 *   R4/A4  table entry state stored by its owner / loaded by scans and tools
 *   F1     consumer waiter registration vs. publish (Dekker; see below)
 *   F2     producer waiter registration vs. release (Dekker; see below)
 *
 * F1/F2 ("Wake-ups" in docs/ARCHITECTURE.md): the waker stores (stamp,
 * released sequence), then loads the waiter count; the sleeper increments
 * the waiter count, then re-checks the store. Each side needs a full
 * barrier between its two accesses, or both may miss the other. On a ring
 * without MYL_HDR_ASYM_FENCE both use a seq_cst fence. On a ring with it,
 * the sleeper issues membarrier(GLOBAL_EXPEDITED), which runs a full
 * barrier on every thread of every registered process, and a waker in a
 * registered process needs only a compiler barrier; a waker that is not
 * registered fences; a sleeper that cannot issue the membarrier never
 * sleeps on the futex (it polls), so nobody's missing fence can hurt it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define MYL__DEFAULT_SPIN 2000u
/* The least spin budget an adapted hybrid wait keeps (myl__adapt_spin). */
#define MYL__MIN_SPIN 16u
/* Waits sleep at most this long at a time, so that peer liveness and
 * shutdown are noticed even with no deadline. */
#define MYL__SLICE_NS INT64_C(20000000)
#define MYL__DEFAULT_STALL_NS INT64_C(100000000)
/* How often a stalled consumer or a held-up producer looks at its peers. */
#define MYL__CHECK_NS UINT64_C(1000000)
/* A waiter that cannot order its announcement (MYL__SLEEP_POLL) sleeps
 * this long between checks instead of waiting on the futex. */
#define MYL__POLL_SLEEP_NS INT64_C(50000)

void myl__wake_modes(const myl_ring *r, bool *wake_fence, uint8_t *sleep_mode)
{
    int caps = r->asym ? myl__membarrier_caps() : 0;
    /* F1/F2: on an asymmetric ring, a registered process receives every
     * sleeper's barrier and may skip its own; others fence. */
    *wake_fence = !(r->asym && (caps & MYL__MB_REGISTERED));
    *sleep_mode = !r->asym                 ? MYL__SLEEP_FENCE
                  : (caps & MYL__MB_ISSUE) ? MYL__SLEEP_MEMBARRIER
                                           : MYL__SLEEP_POLL;
}

bool myl__sleep_barrier(uint32_t sleep_mode)
{
    /* membarrier runs a full barrier on the caller too (before and after
     * the remote ones), so a successful call orders our announcement
     * before our re-check, as the fence does. */
    if (sleep_mode == MYL__SLEEP_MEMBARRIER && myl__membarrier_global() == 0)
        return true;
    myl__fence_seq_cst();
    /* A failed membarrier (refused after the probe) leaves wakers that
     * skip their fence unordered with us: poll instead of sleeping. */
    return sleep_mode == MYL__SLEEP_FENCE;
}

static uint32_t pick_wait(const myl_ring *r, uint32_t wanted)
{
    return wanted ? wanted : r->wait;
}

/* A waiter may sleep on a futex only if the ring's peers check for
 * sleepers, which they do when the ring was created for block or hybrid. */
static bool wait_allowed(const myl_ring *r, uint32_t w)
{
    if (w < MYL_WAIT_SPIN || w > MYL_WAIT_HYBRID)
        return false;
    if (w == MYL_WAIT_BLOCK || w == MYL_WAIT_HYBRID)
        return r->wait == MYL_WAIT_BLOCK || r->wait == MYL_WAIT_HYBRID;
    return true;
}

static bool ring_shut(const myl_ring *r)
{
    /* Relaxed: shutdown is advisory and re-checked on every wait slice. */
    return myl__load_relaxed(&r->hdr->state) == MYL_SEG_STATE_SHUTDOWN;
}

/* The state word of an entry this process takes (see layout.h). */
static uint32_t claiming_state(bool resume)
{
    return MYL_ENTRY_CLAIMING_BIT | (resume ? MYL_ENTRY_RESUME_BIT : 0u) |
           ((uint32_t)getpid() & MYL_ENTRY_PID_MASK);
}

static bool is_claiming(uint32_t st)
{
    uint32_t flags = MYL_ENTRY_CLAIMING_BIT | MYL_ENTRY_RESUME_BIT;
    return st == MYL_ENTRY_CLAIMING ||
           ((st & MYL_ENTRY_CLAIMING_BIT) && (st & ~(flags | MYL_ENTRY_PID_MASK)) == 0);
}

/* An entry left CLAIMING by a process that died: give it back, ACTIVE (with
 * its dead owner, so that the usual dead-peer rules apply) if the claimant
 * was resuming it, else FREE. A bare MYL_ENTRY_CLAIMING names nobody (a
 * hostile or foreign writer): given back too. */
static bool reclaim_entry(MYL__ATOMIC(uint32_t) * state)
{
    uint32_t st = myl__load_acquire(state); /* A4 */
    if (!is_claiming(st))
        return false;
    int32_t pid = (st & MYL_ENTRY_CLAIMING_BIT) ? (int32_t)(st & MYL_ENTRY_PID_MASK) : 0;
    if (pid > 0 && myl__pid_alive(pid))
        return false;
    uint32_t to = (st & MYL_ENTRY_RESUME_BIT) ? MYL_ENTRY_ACTIVE : MYL_ENTRY_FREE;
    /* R4: the entry's fields are whatever the claimant left; an ACTIVE
     * entry given back keeps the sequence it was resumed at. */
    return myl__cas_strong(state, &st, to);
}

/* Give back every entry whose claimant died mid-registration. */
static void reclaim_dead_claims(myl_ring *r)
{
    for (uint32_t i = 0; i < r->max_producers; i++)
        (void)reclaim_entry(&r->producers[i].state);
    bool any = false;
    for (uint32_t i = 0; i < r->max_consumers; i++)
        any |= reclaim_entry(&r->consumers[i].state);
    if (any) {
        /* R3: producers rescan the table (a frozen gate may now move). */
        atomic_fetch_add_explicit(&r->hdr->consumer_gen, 1, memory_order_seq_cst);
        myl__wake_producers(r, NULL);
    }
}

int myl_ring_shutdown(myl_ring *r)
{
    if (!r)
        return MYL_EINVAL;
    if (r->read_only)
        return MYL_EREADONLY;
    myl__store_release(&r->hdr->state, MYL_SEG_STATE_SHUTDOWN);
    /* Wake every sleeper so that it sees the state. */
    atomic_fetch_add_explicit(&r->hdr->cons_wake, 1, memory_order_release);
    atomic_fetch_add_explicit(&r->hdr->prod_wake, 1, memory_order_release);
    atomic_fetch_add_explicit(&r->hdr->consumer_gen, 1, memory_order_release);
    myl__futex_wake(&r->hdr->cons_wake, INT32_MAX);
    myl__futex_wake(&r->hdr->prod_wake, INT32_MAX);
    myl__futex_wake(&r->hdr->consumer_gen, INT32_MAX);
    return 0;
}

/* ---- producers ---- */

/* Is producer entry e registered (ACTIVE) and its process dead? */
static bool producer_dead(const myl__producer_entry *e)
{
    return myl__load_acquire(&e->state) == MYL_ENTRY_ACTIVE && /* A4 */
           !myl__peer_alive(e->pid, e->start_time);
}

/* Is any registered producer dead? */
static bool any_producer_dead(myl_ring *r)
{
    for (uint32_t i = 0; i < r->max_producers; i++)
        if (producer_dead(&r->producers[i]))
            return true;
    return false;
}

/* Slot seq (a claimed sequence) claimed but neither marked nor published:
 * its claimer is between its claim and its mark, or died there. */
static bool unmarked(uint64_t stamp, uint64_t seq)
{
    return (stamp & MYL_STAMP_SEQ_MASK) < ((seq + 1) & MYL_STAMP_SEQ_MASK);
}

/* Skip the slots in [from, to) (at most a ring) still unmarked. */
static void skip_unmarked_range(myl_ring *r, uint64_t from, uint64_t to)
{
    if (to - from > r->capacity)
        to = from + r->capacity;
    for (uint64_t t = from; t < to; t++) {
        myl__slot *slot = myl__slot_at(r, t);
        uint64_t v = myl__load_acquire(&slot->stamp); /* A2 */
        if (unmarked(v, t))
            (void)myl__cas_strong(&slot->stamp, &v,
                                  MYL_STAMP_SKIP | ((t + 1) & MYL_STAMP_SEQ_MASK));
    }
}

/* A producer taking over a dead one's entry (MP): the dead one may have
 * claimed slots and died before marking them. Nothing in those slots names
 * it, and once its entry is ours no dead producer is left for consumers to
 * blame (recover_stall), so they would wait for good. Give the slots
 * claimed now a stall period to be marked by their (live) claimers, then
 * skip those still unmarked. Costs open a stall period only when such
 * slots exist. */
static void skip_unmarked_claims(myl_ring *r)
{
    /* Acquire: pairs with the claimers' CAS of the cursor. */
    uint64_t hi = myl__load_acquire(&r->hdr->claim);
    uint64_t lo = hi > r->capacity ? hi - r->capacity : 0;
    bool any = false;
    for (uint64_t t = lo; t < hi && !any; t++)
        any = unmarked(myl__load_acquire(&myl__slot_at(r, t)->stamp), t); /* A2 */
    if (!any)
        return;
    struct timespec ts = {0, 1000000};
    for (uint64_t until = myl__now_ns() + (uint64_t)MYL__DEFAULT_STALL_NS; myl__now_ns() < until;)
        nanosleep(&ts, NULL);
    skip_unmarked_range(r, lo, hi);
}

int myl_producer_open(myl_ring *r, const myl_producer_opts *opts, myl_producer **out)
{
    myl_producer_opts o = {0};
    if (!out)
        return MYL_EINVAL;
    *out = NULL;
    if (!r)
        return MYL_EINVAL;
    if (r->read_only)
        return MYL_EREADONLY;
    if (opts)
        o = *opts;
    if (o.on_dead_consumer > MYL_DEAD_EVICT || o.coordination > MYL_COORD_WAIT ||
        o.coord_timeout_ns < 0)
        return MYL_EINVAL;
    uint32_t w = pick_wait(r, o.wait);
    if (!wait_allowed(r, w))
        return MYL_EWAIT;
    if (ring_shut(r))
        return MYL_ECLOSED;
    reclaim_dead_claims(r);

    /* Take a free entry, else the entry of a producer that died. Free
     * entries first: on MP rings a dead producer's entry, left as it is,
     * is what lets consumers recover the slots it claimed (recover_stall). */
    uint32_t idx = UINT32_MAX;
    bool takeover = false;
    for (uint32_t i = 0; i < r->max_producers && idx == UINT32_MAX; i++) {
        uint32_t st = MYL_ENTRY_FREE;
        if (myl__cas_strong(&r->producers[i].state, &st, claiming_state(false)))
            idx = i;
    }
    for (uint32_t i = 0; i < r->max_producers && idx == UINT32_MAX; i++) {
        myl__producer_entry *e = &r->producers[i];
        uint32_t st = MYL_ENTRY_ACTIVE;
        if (producer_dead(e) && myl__cas_strong(&e->state, &st, claiming_state(true))) {
            idx = i;
            takeover = true;
        }
    }
    if (idx == UINT32_MAX)
        return r->producer_mode == MYL_PRODUCERS_SINGLE ? MYL_EBUSY : MYL_EFULL;
    myl__fault_point("producer_open.claimed");
    if (takeover && r->producer_mode == MYL_PRODUCERS_MULTI) {
        /* The dead producer's CLAIM marks name this entry as their owner;
         * once we are active under it, consumers would take them for ours
         * and wait on them forever (every consumer stalls, and we with
         * them: found by tests/fault). Turn them into skips first; the
         * entry is CLAIMING meanwhile, so a consumer's recover_stall may
         * race us to the same CAS, with the same result. */
        for (uint64_t i = 0; i < r->capacity; i++) {
            myl__slot *slot = (myl__slot *)(r->slots + (size_t)i * r->stride);
            uint64_t v = myl__load_acquire(&slot->stamp); /* A2 */
            if ((v & MYL_STAMP_CLAIM) &&
                ((v >> MYL_STAMP_OWNER_SHIFT) & MYL_STAMP_OWNER_MASK) == idx)
                (void)myl__cas_strong(&slot->stamp, &v, MYL_STAMP_SKIP | (v & MYL_STAMP_SEQ_MASK));
        }
        myl__fault_point("producer_open.takeover");
        skip_unmarked_claims(r);
    }

    myl_producer *p = calloc(1, sizeof *p);
    if (!p) {
        /* R4: give the entry back as it was taken. */
        myl__store_release(&r->producers[idx].state, takeover ? MYL_ENTRY_ACTIVE : MYL_ENTRY_FREE);
        return -ENOMEM;
    }
    myl__producer_entry *e = &r->producers[idx];
    p->ring = r;
    p->ent = e;
    p->idx = idx;
    p->multi = r->producer_mode == MYL_PRODUCERS_MULTI;
    p->lossy = r->ring_mode == MYL_MODE_LOSSY;
    /* Readers of a slot that is being rewritten must be able to tell: lossy
     * readers may be reading the previous lap, and MP consumers need to know
     * the owner of a claimed slot if it dies before publishing. */
    p->marks = p->lossy || p->multi;
    p->wake_check = r->wait == MYL_WAIT_BLOCK || r->wait == MYL_WAIT_HYBRID;
    myl__wake_modes(r, &p->wake_fence, &p->sleep_mode);
    p->on_dead_consumer = o.on_dead_consumer;
    p->wait = w;
    p->spin = o.spin ? o.spin : MYL__DEFAULT_SPIN;
    p->gen = myl__load_acquire(&r->hdr->consumer_gen) - 1; /* force a first scan (A1) */
    p->limit = 0;
    if (!p->multi) {
        /* Continue after what was published: a dead predecessor's claimed
         * but unpublished slots are claimed again. A6: pairs with R6. */
        uint64_t next = myl__load_acquire(&r->hdr->cursor);
        /* publish stores the slot stamps before the cursor: a predecessor
         * killed between the two published slots past the cursor, which
         * consumers may have read already. Rewriting those sequences would
         * lose events silently; continue after the last published stamp.
         * A2: pairs with R1 in publish. */
        for (uint64_t i = 0; i < r->capacity; i++, next++)
            if (myl__load_acquire(&myl__slot_at(r, next)->stamp) !=
                ((next + 1) & MYL_STAMP_SEQ_MASK))
                break;
        p->next = next;
        myl__store_relaxed(&r->hdr->claim, next);
        myl__store_release(&r->hdr->cursor, next); /* R6 */
    }
    /* The entry's counters continue, whether it is taken over from a dead
     * producer or reused after a clean close: myl_ring_stats sums them as
     * the ring's totals, which must never go back (tests/mp found
     * "published" losing a closed producer's events when a second producer
     * opened after it and reset the entry). */
    p->published = myl__load_relaxed(&e->published);
    e->pid = (int32_t)getpid();
    e->start_time = myl__proc_start_time(getpid());
    /* for tools; published with the entry by R4 */
    myl__store_relaxed(&e->schema_fp,
                       r->evolved_fingerprint ? r->evolved_fingerprint : r->fingerprint);
    myl__store_relaxed(&e->heartbeat_ns, myl__now_ns());
    myl__fault_point("producer_open.written");
    /* R4: pairs with A4 in scans: pid and start time are set. */
    myl__store_release(&e->state, MYL_ENTRY_ACTIVE);
    if (o.coordination == MYL_COORD_WAIT) {
        int rc = myl_producer_wait_consumers(p, o.coord_prefix, o.coord_count,
                                             o.coord_timeout_ns ? o.coord_timeout_ns : MYL_FOREVER);
        if (rc < 0) {
            myl_producer_close(p);
            return rc;
        }
    }
    *out = p;
    return 0;
}

void myl_producer_close(myl_producer *p)
{
    if (!p)
        return;
    /* R4: the entry may be taken by another producer. */
    myl__store_release(&p->ent->state, MYL_ENTRY_FREE);
    free(p);
}

static int producer_refresh(myl_producer *p, uint64_t end)
{
    myl_ring *r = p->ring;
    /* A1: pairs with R3 (a registration bumps the generation after writing
     * its entry): a generation we have seen has its entries visible. */
    uint32_t gen = myl__load_acquire(&r->hdr->consumer_gen);
    uint64_t min = UINT64_MAX;
    bool registering = false;
    for (uint32_t i = 0; i < r->max_consumers; i++) {
        myl__consumer_entry *e = &r->consumers[i];
        uint32_t st = myl__load_acquire(&e->state); /* A4 */
        registering |= is_claiming(st);
        if (st != MYL_ENTRY_ACTIVE)
            continue;
        uint64_t s = myl__load_acquire(&e->seq); /* A3: pairs with R2 in release */
        if (s < min)
            min = s;
    }
    /* With no consumer the producer is not gated; a consumer registering
     * later changes the generation and is seen by the next claim. */
    uint64_t limit = min == UINT64_MAX ? UINT64_MAX : min + r->capacity;
    if (registering && limit > p->limit) {
        /* A consumer taking over a dead one's entry (to resume at its
         * sequence) passes through CLAIMING, which does not gate: raising
         * the limit now would let us overwrite the very events it resumes
         * at (tests/fault found a resumed gated consumer overrun). Keep the
         * limit until the registration is done; p->gen is left stale, so
         * the next claim scans again. (A registrant killed inside
         * myl_consumer_open leaves the entry CLAIMING: it is given back
         * here, at most once a millisecond, and the next claim rescans.) */
        uint64_t now = myl__now_ns();
        if (now >= p->reclaim_at) {
            p->reclaim_at = now + MYL__CHECK_NS;
            reclaim_dead_claims(r);
        }
        return end <= p->limit ? 0 : MYL_EAGAIN;
    }
    p->gen = gen;
    p->limit = limit;
    return end <= p->limit ? 0 : MYL_EAGAIN;
}

void myl__wake_consumers(myl_ring *r, myl_producer *p)
{
    MYL__TEST_POINT(MYL__TP_WAKE_SEEN, r);
    /* Release: pairs with the sleeper's acquire load of the wake word. */
    atomic_fetch_add_explicit(&r->hdr->cons_wake, 1, memory_order_release);
    MYL__TEST_POINT(MYL__TP_WAKE_BUMPED, r);
    myl__futex_wake(&r->hdr->cons_wake, INT32_MAX);
    if (p)
        myl__store_relaxed(&p->ent->wakes, myl__load_relaxed(&p->ent->wakes) + 1);
}

void myl__wake_producers(myl_ring *r, myl_consumer *c)
{
    (void)c;
    MYL__TEST_POINT(MYL__TP_WAKE_SEEN, r);
    /* Release: pairs with the sleeper's acquire load of the wake word. */
    atomic_fetch_add_explicit(&r->hdr->prod_wake, 1, memory_order_release);
    MYL__TEST_POINT(MYL__TP_WAKE_BUMPED, r);
    myl__futex_wake(&r->hdr->prod_wake, INT32_MAX);
}

/* The active consumer that gates the producer at or below limit, dead: evict
 * it (policy) or report. Returns 0 when nothing is wrong or it was evicted. */
static int check_gating_consumers(myl_producer *p)
{
    myl_ring *r = p->ring;
    int rc = 0;
    reclaim_dead_claims(r);
    for (uint32_t i = 0; i < r->max_consumers; i++) {
        myl__consumer_entry *e = &r->consumers[i];
        if (myl__load_acquire(&e->state) != MYL_ENTRY_ACTIVE) /* A4 */
            continue;
        if (myl__peer_alive(e->pid, e->start_time))
            continue;
        if (p->on_dead_consumer == MYL_DEAD_EVICT) {
            myl_ring_evict(r, i);
            p->gen = myl__load_relaxed(&r->hdr->consumer_gen) - 1; /* rescan */
        } else {
            rc = MYL_EPEERDEAD;
        }
    }
    return rc;
}

/* A consumer's hybrid waits adapt their spin phase (docs/ARCHITECTURE.md,
 * "Waiting, timeouts and liveness"). A spin pays only when the peer
 * answers within it; where it does not (a chain of processes handing one
 * message along, more threads than CPUs), spinning takes the CPU from the
 * thread that has the work, and the wait sleeps anyway. So each consumer
 * keeps the budget of its next wait (spin_now, at most the configured
 * spin) and the least time seen for 64 steps of the spin phase
 * (spin_ns64, measured at step 64 of a wait that was still spinning
 * there). When a wait ends:
 *   - ended in its spin phase with what it waited for: double the budget;
 *   - slept and ended within what the full spin would have lasted (a full
 *     spin would have caught it): double the budget;
 *   - slept and ended (got it, or timed out) later than that: halve it,
 *     down to MYL__MIN_SPIN.
 * Until a spin phase has been measured nothing shrinks. Doubling brings
 * a budget back to the full spin within log2(spin / 16) waits once the
 * peer answers quickly again. A pipeline stage's wait on the stages it
 * runs after (wait_deps in stage.c) shares its consumer's budget.
 *
 * Producers do not adapt. A producer waits only on a full ring, for
 * consumers that are behind and release in bursts; one that had learnt to
 * sleep at once slept while those consumers held the CPUs, and its wake-up
 * waited for one: with three processes on two vCPUs (the ticks demo) a
 * producer's handful of long waits took its budget to the least, and the
 * run went from 6.6 to 5.0 M events/s (docs/PERFORMANCE.md, 2026-12-07).
 * Nor does a consumer opened with MYL_CONSUMER_FIXED_SPIN (its spin is
 * still timed, for no one but the tests to see). */
void myl__adapt_spin(myl_consumer *c, uint32_t iter, bool found, uint64_t t0)
{
    if (c->fixed_spin)
        return;
    /* Only a wait that slept, with the spin measured, can say the full
     * spin would not have caught what it waited for. */
    if (iter >= c->spin_now && c->spin_ns64 != 0) {
        uint64_t ns64 = c->spin_ns64, per = c->spin / 64 + 1; /* the full spin, saturated */
        uint64_t full = ns64 > UINT64_MAX / per ? UINT64_MAX : ns64 * per;
        if (myl__now_ns() - t0 > full) {
            c->spin_now = c->spin_now / 2 < MYL__MIN_SPIN ? MYL__MIN_SPIN : c->spin_now / 2;
            return;
        }
    }
    if (found)
        c->spin_now = c->spin_now > c->spin / 2 ? c->spin : c->spin_now * 2;
}

/* Step 64 of a hybrid wait that is still spinning: note how long the 64
 * steps took (the least seen; a preempted measurement only errs long). */
void myl__note_spin(myl_consumer *c, uint32_t iter, uint64_t t0, uint64_t now)
{
    if (iter == 64 && c->spin_now > 64 && t0 != 0 && (c->spin_ns64 == 0 || now - t0 < c->spin_ns64))
        c->spin_ns64 = now - t0 ? now - t0 : 1;
}

/* Does step iter of a wait sleep? A spinning wait (spin, yield, the spin
 * phase of hybrid) reads the clock only every 64 steps: a clock read per
 * step delays noticing the very event it spins for (tens of ns). */
static bool sleeping(uint32_t strategy, uint32_t spin, uint32_t iter)
{
    return strategy == MYL_WAIT_BLOCK || (strategy == MYL_WAIT_HYBRID && iter >= spin);
}

/* One step of a wait: spin, yield or sleep on a futex word. waiters is the
 * count the peer checks (F1/F2) before waking; sleep_mode how we order our
 * announcement with its store. */
static void wait_step(const myl_ring *r, uint32_t strategy, uint32_t spin, uint32_t sleep_mode,
                      uint32_t *iter, MYL__ATOMIC(uint32_t) * word, MYL__ATOMIC(uint32_t) * waiters,
                      uint64_t deadline, bool (*ready)(void *), void *arg)
{
    (*iter)++;
    if (strategy == MYL_WAIT_SPIN) {
        myl__cpu_relax();
        return;
    }
    if (strategy == MYL_WAIT_YIELD || (strategy == MYL_WAIT_HYBRID && *iter < spin)) {
        if (strategy == MYL_WAIT_YIELD)
            sched_yield();
        else
            myl__cpu_relax();
        return;
    }
    int64_t slice, max_slice = MYL__SLICE_NS;
#ifdef MYL_TEST_HOOKS
    if (myl__test_slice_ns > 0)
        max_slice = myl__test_slice_ns;
#endif
    if (!myl__remaining(deadline, max_slice, &slice) || slice == 0)
        return;
    (void)r;
    MYL__TEST_POINT(MYL__TP_SLEEP_BEGIN, r);
    /* Acquire: pairs with the waker's release increment. */
    uint32_t w = myl__load_acquire(word);
    MYL__TEST_POINT(MYL__TP_SLEEP_WORD, r);
    atomic_fetch_add_explicit(waiters, 1, memory_order_seq_cst);
    MYL__TEST_POINT(MYL__TP_SLEEP_ANNOUNCED, r);
    /* F1/F2: after announcing ourselves, re-check; the peer's barrier
     * after its store guarantees one of us sees the other. */
    bool may_sleep = myl__sleep_barrier(sleep_mode);
    MYL__TEST_POINT(MYL__TP_SLEEP_ORDERED, r);
    if (!ready(arg)) {
        MYL__TEST_POINT(MYL__TP_SLEEP_CHECKED, r);
        if (may_sleep) {
            (void)myl__futex_wait(word, w, slice);
        } else {
            struct timespec ts = {0, slice < MYL__POLL_SLEEP_NS ? slice : MYL__POLL_SLEEP_NS};
            nanosleep(&ts, NULL);
        }
    }
    atomic_fetch_sub_explicit(waiters, 1, memory_order_seq_cst);
}

struct claim_ctx {
    myl_producer *p;
    uint32_t n;
};

static bool claim_ready(void *arg)
{
    struct claim_ctx *c = arg;
    myl_producer *p = c->p;
    if (ring_shut(p->ring))
        return true;
    uint64_t start = p->multi ? myl__load_relaxed(&p->ring->hdr->claim) : p->next;
    return producer_refresh(p, start + c->n) == 0;
}

/* myl_producer_try_claim() in general: several producers, claim marks,
 * and a refresh of the consumers' positions when the room known runs out
 * (or a consumer registered). */
int myl__producer_try_claim(myl_producer *p, uint32_t n, uint64_t *seq)
{
    myl_ring *r = p->ring;
    if (n == 0 || n > r->capacity)
        return MYL_EINVAL;
    uint64_t s;
    if (!p->multi) {
        s = p->next;
        /* A1: pairs with R3 in consumer registration (generation bump). */
        if (!p->lossy && (s + n > p->limit || myl__load_acquire(&r->hdr->consumer_gen) != p->gen)) {
            int rc = producer_refresh(p, s + n);
            if (rc < 0)
                return rc;
        }
        p->next = s + n;
        /* Relaxed: claim is read by tools and registering consumers only. */
        myl__store_relaxed(&r->hdr->claim, s + n);
    } else {
        s = myl__load_relaxed(&r->hdr->claim);
        for (;;) {
            if (!p->lossy &&
                (s + n > p->limit || myl__load_acquire(&r->hdr->consumer_gen) != p->gen)) {
                int rc = producer_refresh(p, s + n); /* A1 as above */
                if (rc < 0)
                    return rc;
            }
            /* acq_rel: orders our claim among the other producers' claims. */
            if (myl__cas_weak(&r->hdr->claim, &s, s + n))
                break;
        }
    }
    if (p->marks)
        myl__producer_mark(p, s, n);
    *seq = s;
    return 0;
}

/* myl_producer_claim() once the ring is full: wait for room. */
MYL__NOINLINE static int claim_wait(myl_producer *p, uint32_t n, uint64_t *seq, int64_t timeout_ns)
{
    int rc;
    myl_ring *r = p->ring;
    uint64_t deadline = myl__deadline(timeout_ns);
    uint64_t next_check = 0; /* set at the first look at the clock */
    uint32_t iter = 0;
    struct claim_ctx ctx = {p, n};
    myl__store_relaxed(&p->ent->waits, myl__load_relaxed(&p->ent->waits) + 1);
    for (;;) {
        if (ring_shut(r))
            return MYL_ECLOSED;
        /* A full ring's producer spins its whole budget: it does not adapt
         * (myl__adapt_spin says why). */
        wait_step(r, p->wait, p->spin, p->sleep_mode, &iter, &r->hdr->prod_wake,
                  &r->hdr->prod_waiters, deadline, claim_ready, &ctx);
        rc = myl_producer_try_claim(p, n, seq);
        if (rc != MYL_EAGAIN)
            return rc;
        if ((iter & 63) == 0 || sleeping(p->wait, p->spin, iter)) {
            uint64_t now = myl__now_ns();
            if (next_check == 0)
                next_check = now + MYL__CHECK_NS;
            if (deadline != UINT64_MAX && now >= deadline)
                return MYL_ETIMEDOUT;
            if (now >= next_check) {
                next_check = now + 10000000;
                myl__store_relaxed(&p->ent->heartbeat_ns, now);
                rc = check_gating_consumers(p);
                if (rc < 0)
                    return rc;
            }
        }
    }
}

int myl_producer_claim(myl_producer *p, uint32_t n, uint64_t *seq, int64_t timeout_ns)
{
    if (!p || !seq)
        return MYL_EINVAL;
    int rc = myl_producer_try_claim(p, n, seq);
    return rc == MYL_EAGAIN ? claim_wait(p, n, seq, timeout_ns) : rc;
}

int myl_producer_send(myl_producer *p, const void *event, int64_t timeout_ns)
{
    uint64_t s;
    if (!p || !event)
        return MYL_EINVAL;
    int rc = myl_producer_claim(p, 1, &s, timeout_ns);
    if (rc < 0)
        return rc;
    memcpy(myl_producer_slot(p, s), event, p->ring->slot_size);
    myl_producer_publish(p, s, 1);
    return 0;
}

static uint32_t count_consumers(myl_ring *r, const char *prefix)
{
    size_t plen = prefix ? strnlen(prefix, MYL_ID_MAX) : 0;
    uint32_t n = 0;
    for (uint32_t i = 0; i < r->max_consumers; i++) {
        myl__consumer_entry *e = &r->consumers[i];
        if (myl__load_acquire(&e->state) != MYL_ENTRY_ACTIVE) /* A4: id is written */
            continue;
        if (plen && strncmp(e->id, prefix, plen) != 0)
            continue;
        if (myl__peer_alive(e->pid, e->start_time))
            n++;
    }
    return n;
}

int myl_producer_wait_consumers(myl_producer *p, const char *prefix, uint32_t n, int64_t timeout_ns)
{
    if (!p)
        return MYL_EINVAL;
    myl_ring *r = p->ring;
    uint64_t deadline = myl__deadline(timeout_ns);
    for (;;) {
        /* Acquire: pairs with R3; snapshot before counting so that a
         * registration after the count changes the word we sleep on. */
        uint32_t gen = myl__load_acquire(&r->hdr->consumer_gen);
        if (count_consumers(r, prefix) >= n)
            return 0;
        if (ring_shut(r))
            return MYL_ECLOSED;
        int64_t slice;
        if (!myl__remaining(deadline, MYL__SLICE_NS, &slice))
            return MYL_ETIMEDOUT;
        (void)myl__futex_wait(&r->hdr->consumer_gen, gen, slice);
    }
}

/* ---- consumers ---- */

/* The registration lock (the header's reg_lock): one consumer_open at a
 * time per ring, across processes, from its scan for the id to its entry
 * published. Without it two processes could both find the id unused and
 * take two entries under it, which the rule "a live consumer's id is
 * unique" forbids. Its value names the holder (pid << 32 | the low 32
 * bits of its start time): a holder killed inside is taken over. A live
 * holder that keeps it past REG_LOCK_WAIT_NS (stopped, say) is not waited
 * for: the registration goes on without the lock, as before it existed,
 * rather than hang. */
#define REG_LOCK_WAIT_NS INT64_C(200000000)

static uint64_t reg_lock_value(void)
{
    pid_t pid = getpid();
    return (uint64_t)(uint32_t)pid << 32 | (uint32_t)myl__proc_start_time(pid);
}

static bool reg_holder_alive(uint64_t v)
{
    int32_t pid = (int32_t)(v >> 32);
    if (!myl__pid_alive(pid))
        return false;
    uint64_t st = myl__proc_start_time(pid);
    return st == 0 || (uint32_t)st == (uint32_t)v; /* /proc unreadable: alive */
}

static bool reg_lock(myl_ring *r, uint64_t mine)
{
    uint64_t deadline = 0;
    for (;;) {
        uint64_t cur = 0;
        /* L1: acq_rel CAS, pairs with L2 of the previous holder (its
         * entry, written before, is seen by our scan). */
        if (myl__cas_strong(&r->hdr->reg_lock, &cur, mine))
            return true;
        if (!reg_holder_alive(cur)) {
            if (myl__cas_strong(&r->hdr->reg_lock, &cur, mine)) /* L1 */
                return true;
            continue;
        }
        uint64_t now = myl__now_ns();
        if (!deadline)
            deadline = now + (uint64_t)REG_LOCK_WAIT_NS;
        else if (now >= deadline)
            return false;
        struct timespec ts = {0, 20000};
        nanosleep(&ts, NULL);
    }
}

static void reg_unlock(myl_ring *r, uint64_t mine, bool held)
{
    uint64_t cur = mine;
    /* L2: release (acq_rel CAS), pairs with L1: the entry we published
     * before is seen by the next holder's scan. Only if still ours. */
    if (held)
        (void)myl__cas_strong(&r->hdr->reg_lock, &cur, UINT64_C(0));
}

static bool valid_id(const char *id)
{
    if (!id)
        return false;
    size_t len = strnlen(id, MYL_ID_MAX);
    return len > 0 && len < MYL_ID_MAX;
}

static int consumer_register(myl_ring *r, const char *id, const myl_consumer_opts *opts, uint32_t w,
                             myl_consumer **out)
{
    myl_consumer_opts o = *opts;
    /* A consumer with this id already in the table: refuse it if alive,
     * take it over (resuming where it stopped) if its process died. An
     * evicted entry under the id is reused only once its holder is gone:
     * a live holder's handle still stores its position there on every
     * release until it notices, which would move a new registrant's gate
     * past events it has not read (and its close, checking the entry and
     * freeing it in two steps, could free the new one's). */
    uint32_t idx = UINT32_MAX;
    bool resume = false;
    for (uint32_t i = 0; i < r->max_consumers; i++) {
        myl__consumer_entry *e = &r->consumers[i];
        uint32_t st = myl__load_acquire(&e->state); /* A4 */
        if (st != MYL_ENTRY_ACTIVE && st != MYL_ENTRY_EVICTED)
            continue;
        if (strncmp(e->id, id, MYL_ID_MAX) != 0)
            continue;
        bool alive = myl__peer_alive(e->pid, e->start_time);
        if (st == MYL_ENTRY_ACTIVE && alive)
            return MYL_EEXIST;
        if (st == MYL_ENTRY_EVICTED && alive)
            continue;
        if (myl__cas_strong(&e->state, &st, claiming_state(st == MYL_ENTRY_ACTIVE))) {
            idx = i;
            resume = st == MYL_ENTRY_ACTIVE;
            break;
        }
    }
    for (uint32_t i = 0; i < r->max_consumers && idx == UINT32_MAX; i++) {
        uint32_t st = MYL_ENTRY_FREE;
        if (myl__cas_strong(&r->consumers[i].state, &st, claiming_state(false)))
            idx = i;
    }
    /* No free entry: an evicted one whose process is gone has nobody left
     * to tell of its eviction. Without this, consumers that were evicted
     * or reaped after dying would hold their entries for good, and the
     * table would fill up with the dead (until each id came back). */
    for (uint32_t i = 0; i < r->max_consumers && idx == UINT32_MAX; i++) {
        myl__consumer_entry *e = &r->consumers[i];
        uint32_t st = MYL_ENTRY_EVICTED;
        if (myl__load_acquire(&e->state) == MYL_ENTRY_EVICTED && /* A4 */
            !myl__peer_alive(e->pid, e->start_time) &&
            myl__cas_strong(&e->state, &st, claiming_state(false)))
            idx = i;
    }
    if (idx == UINT32_MAX)
        return MYL_EFULL;
    myl__fault_point("consumer_open.claimed");

    myl_consumer *c = calloc(1, sizeof *c);
    if (!c) {
        /* R4: give the entry back as it was taken. */
        myl__store_release(&r->consumers[idx].state, resume ? MYL_ENTRY_ACTIVE : MYL_ENTRY_FREE);
        return -ENOMEM;
    }
    myl__consumer_entry *e = &r->consumers[idx];
    c->ring = r;
    c->ent = e;
    c->idx = idx;
    c->lossy = r->ring_mode == MYL_MODE_LOSSY;
    c->wake_check = !c->lossy && (r->wait == MYL_WAIT_BLOCK || r->wait == MYL_WAIT_HYBRID);
    myl__wake_modes(r, &c->wake_fence, &c->sleep_mode);
    c->wait = w;
    c->spin = c->spin_now = o.spin ? o.spin : MYL__DEFAULT_SPIN;
    c->spin_ns64 = 0;
    c->stall_ns = o.stall_ns ? o.stall_ns : MYL__DEFAULT_STALL_NS;
    c->no_beat = (o.flags & MYL_CONSUMER_NO_BEAT) != 0;
    c->fixed_spin = (o.flags & MYL_CONSUMER_FIXED_SPIN) != 0;
    c->multi = r->producer_mode == MYL_PRODUCERS_MULTI;
    /* A resumed entry holds this id already: rewriting it would leave it
     * torn (zeroed) if we were killed here and the entry given back. */
    if (!resume) {
        memset(e->id, 0, sizeof e->id);
        memcpy(e->id, id, strnlen(id, MYL_ID_MAX - 1));
    }
    e->pid = (int32_t)getpid();
    e->start_time = myl__proc_start_time(getpid());
    /* for tools; published with the entry by its state's release store */
    myl__store_relaxed(&e->schema_fp,
                       r->evolved_fingerprint ? r->evolved_fingerprint : r->fingerprint);
    if (resume) {
        c->next = myl__load_relaxed(&e->seq);
        c->consumed = myl__load_relaxed(&e->consumed);
    } else {
        /* Start at the claim position: claims beyond it are at most one
         * in-flight batch ahead of the generation check (see ARCHITECTURE). */
        uint64_t head = myl__load_acquire(&r->hdr->claim);
        if (o.start == MYL_START_OLDEST && !c->lossy)
            c->next = head > r->capacity ? head - r->capacity : 0;
        else if (o.start == MYL_START_OLDEST)
            c->next = head > r->capacity / 2 ? head - r->capacity / 2 : 0;
        else
            c->next = head;
        myl__store_relaxed(&e->consumed, 0);
        myl__store_relaxed(&e->waits, 0);
        myl__store_relaxed(&e->overruns, 0);
        myl__store_relaxed(&e->lost, 0);
        myl__store_relaxed(&e->skipped, 0);
        myl__store_relaxed(&e->dropped, 0);
        myl__store_relaxed(&e->bad_frames, 0);
    }
    c->avail_end = c->next;
    c->overruns = myl__load_relaxed(&e->overruns);
    c->skipped = myl__load_relaxed(&e->skipped);
    myl__store_relaxed(&e->heartbeat_ns, myl__now_ns());
    myl__store_release(&e->seq, c->next); /* R2 */
    /* Still CLAIMING: nobody else writes the entry. */
    c->epoch = myl__load_relaxed(&e->epoch) + 1;
    myl__store_relaxed(&e->epoch, c->epoch);
    myl__fault_point("consumer_open.written");
    myl__store_release(&e->state, MYL_ENTRY_ACTIVE); /* R4 */
    /* R3: pairs with A1: producers rescan the table after this. seq_cst,
     * so that it is ordered with our later loads of the claim cursor. */
    atomic_fetch_add_explicit(&r->hdr->consumer_gen, 1, memory_order_seq_cst);
    atomic_fetch_add_explicit(&r->hdr->consumers_registered, 1, memory_order_relaxed);
    myl__futex_wake(&r->hdr->consumer_gen, INT32_MAX);
    *out = c;
    return 0;
}

int myl_consumer_open(myl_ring *r, const char *id, const myl_consumer_opts *opts,
                      myl_consumer **out)
{
    myl_consumer_opts o = {0};
    if (!out)
        return MYL_EINVAL;
    *out = NULL;
    if (!r || !valid_id(id))
        return MYL_EINVAL;
    if (r->read_only)
        return MYL_EREADONLY;
    if (opts)
        o = *opts;
    if (o.start > MYL_START_OLDEST || o.stall_ns < 0 ||
        (o.flags & ~(MYL_CONSUMER_COPY | MYL_CONSUMER_NO_BEAT | MYL_CONSUMER_FIXED_SPIN)))
        return MYL_EINVAL;
    uint32_t w = pick_wait(r, o.wait);
    if (!wait_allowed(r, w))
        return MYL_EWAIT;
    if (ring_shut(r))
        return MYL_ECLOSED;
    reclaim_dead_claims(r);
    uint64_t lockv = reg_lock_value();
    bool locked = reg_lock(r, lockv);
    int rc = consumer_register(r, id, &o, w, out);
    reg_unlock(r, lockv, locked);
    return rc;
}

void myl__consumer_hold(myl_consumer *c, uint32_t n, uint64_t released)
{
    c->next += n;
    if (c->avail_end < c->next)
        c->avail_end = c->next;
    uint64_t prev = myl__load_relaxed(&c->ent->seq);
    /* R2: pairs with A3 in the gate scan, as in myl_consumer_release. */
    myl__store_release(&c->ent->seq, released);
    c->consumed += n;
    myl__store_relaxed(&c->ent->consumed, c->consumed);
    if (c->wake_check && released != prev) {
        /* Dekker with the producer's waiter registration (F2). */
        myl__wake_barrier(c->wake_fence);
        if (myl__load_relaxed(&c->ring->hdr->prod_waiters) != 0)
            myl__wake_producers(c->ring, c);
    }
}

void myl__consumer_rewind(myl_consumer *c)
{
    /* Our own entry: nobody else writes its seq while we are registered. */
    uint64_t released = myl__load_relaxed(&c->ent->seq);
    /* Never forward (a caller that released past next would skip events),
     * never below what the ring may already have overwritten (gated rings
     * cannot have: the producer waits for released). */
    if (released <= c->next) {
        c->next = released;
        c->avail_end = released;
    }
}

void myl_consumer_close(myl_consumer *c)
{
    if (!c)
        return;
    myl_ring *r = c->ring;
    uint32_t st = MYL_ENTRY_ACTIVE;
    /* Only free our own entry: it may have been evicted and retaken, by
     * another process or by this one (the epoch tells). While we live,
     * nobody retakes it once evicted (consumer_register), so the check
     * and the CAS cannot straddle a retake. */
    myl__fault_point("consumer_close");
    if (c->ent->pid == (int32_t)getpid() && myl__load_acquire(&c->ent->epoch) == c->epoch) {
        if (myl__cas_strong(&c->ent->state, &st, MYL_ENTRY_FREE)) {
            atomic_fetch_add_explicit(&r->hdr->consumer_gen, 1, memory_order_seq_cst);
            atomic_fetch_sub_explicit(&r->hdr->consumers_registered, 1, memory_order_relaxed);
            /* A producer waiting on us may now go on. */
            myl__wake_producers(r, c);
        } else if (st == MYL_ENTRY_EVICTED) {
            /* Evicted (no longer gating, no longer counted): freed, not
             * left for a new registrant to wait for our death. */
            (void)myl__cas_strong(&c->ent->state, &st, MYL_ENTRY_FREE);
        }
    }
    free(c);
}

void myl__consumer_detach(myl_consumer *c)
{
    if (!c)
        return;
    uint32_t st = MYL_ENTRY_ACTIVE;
    /* Only our own entry (as in myl_consumer_close). It passes through
     * CLAIMING with RESUME, as a takeover does: producers keep their
     * limit meanwhile (CLAIMING does not gate; see the gate scan), and if
     * we are killed here it is given back ACTIVE (reclaim_entry). */
    if (c->ent->pid == (int32_t)getpid() && myl__load_acquire(&c->ent->epoch) == c->epoch &&
        myl__cas_strong(&c->ent->state, &st, claiming_state(true))) {
        c->ent->pid = 0; /* no process: never alive, so anyone may resume it */
        c->ent->start_time = 0;
        /* R4: the fields above are published with ACTIVE. */
        myl__store_release(&c->ent->state, MYL_ENTRY_ACTIVE);
    }
    free(c);
}

void myl_consumer_detach(myl_consumer *c)
{
    myl__consumer_detach(c);
}

static int check_self(myl_consumer *c)
{
    /* A4: evicted, or the entry reused after an eviction. */
    if (myl__load_acquire(&c->ent->state) != MYL_ENTRY_ACTIVE || c->ent->pid != (int32_t)getpid() ||
        myl__load_acquire(&c->ent->epoch) != c->epoch)
        return MYL_EEVICTED;
    return 0;
}

int myl_consumer_check(const myl_consumer *c)
{
    if (!c)
        return MYL_EINVAL;
    /* A4: evicted, or taken by another registration since (each bumps the
     * epoch). Without check_self's getpid(), a system call that a member
     * checking a hundred rings every 10 ms would pay for each (about 1 µs
     * in a VM): the handle is its opener's. */
    if (myl__load_acquire(&c->ent->state) != MYL_ENTRY_ACTIVE ||
        myl__load_acquire(&c->ent->epoch) != c->epoch)
        return MYL_EEVICTED;
    return 0;
}

/* Skip a slot whose producer died between claim and publish (MP), or move a
 * lossy consumer past an overrun. */
static void mark_skipped(myl_consumer *c)
{
    /* A consumer that holds what it read (myl__consumer_hold: a bridge
     * exporter waiting for acknowledgements) has released less than it
     * read: the skip must not release the held events with it; the
     * holder releases past the skipped slot when it releases past it.
     * Our own entry: nobody else writes its seq. */
    bool holding = myl__load_relaxed(&c->ent->seq) != c->next;
    c->next++;
    c->avail_end = c->next;
    c->skipped++;
    myl__store_relaxed(&c->ent->skipped, c->skipped);
    if (!holding)
        myl__store_release(&c->ent->seq, c->next); /* R2 */
}

static int64_t overrun(myl_consumer *c)
{
    myl_ring *r = c->ring;
    uint64_t head = myl__load_acquire(&r->hdr->claim);
    /* Resume half a ring behind the head: the oldest slots are the next to
     * be overwritten. Everything between is counted lost, exactly. */
    uint64_t resume = head > r->capacity / 2 ? head - r->capacity / 2 : 0;
    if (resume <= c->next)
        resume = c->next + 1;
    uint64_t lost = resume - c->next;
    c->lost += lost;
    c->overruns++;
    c->next = resume;
    c->avail_end = resume;
    myl__store_relaxed(&c->ent->overruns, c->overruns);
    myl__store_relaxed(&c->ent->lost, myl__load_relaxed(&c->ent->lost) + lost);
    myl__store_release(&c->ent->seq, c->next); /* R2 */
    return MYL_EOVERRUN;
}

int64_t myl__consumer_scan(myl_consumer *c, uint32_t max)
{
    myl_ring *r = c->ring;
    uint64_t n = 0;
    while (n < max) {
        uint64_t s = c->next + n;
        uint64_t exp = (s + 1) & MYL_STAMP_SEQ_MASK;
        uint64_t v = myl__load_acquire(&myl__slot_at(r, s)->stamp); /* A2 */
        if (v == exp) {
            n++;
            continue;
        }
        if (v == (MYL_STAMP_SKIP | exp)) {
            if (n > 0)
                break;
            mark_skipped(c);
            continue;
        }
        if ((v & MYL_STAMP_SEQ_MASK) > exp) {
            /* A later lap: overrun (lossy), or a registration race. */
            if (n > 0)
                break;
            /* On a gated ring the producer laps only a consumer it no longer
             * gates on: an evicted one must learn that it was evicted, not
             * skip ahead as if it were a lossy reader. */
            if (!c->lossy && check_self(c) < 0)
                return MYL_EEVICTED;
            return overrun(c);
        }
        break;
    }
    c->avail_end = c->next + n;
    return n ? (int64_t)n : myl__consumer_empty(c);
}

/* MP rings: the slot the consumer waits on stays unpublished. If its
 * claimer died, mark it skipped so that every consumer moves on, and with it
 * every other slot the dead claimer left: recovery takes one check, however
 * many slots were abandoned, and never depends on how long one poll call
 * waits (the stall clock lives in the handle). */
static void recover_stall(myl_consumer *c, uint64_t now)
{
    myl_ring *r = c->ring;
    uint64_t s = c->next;
    uint64_t exp = (s + 1) & MYL_STAMP_SEQ_MASK;
    /* The claim cursor before the stamp and the owner's entry: a producer
     * that takes a dead owner's entry claims only after it is ACTIVE, so
     * every slot below hi that bears the owner's mark is the dead one's.
     * Acquire: pairs with the claimers' CAS of the cursor. */
    uint64_t hi = myl__load_acquire(&r->hdr->claim);
    uint64_t v = myl__load_acquire(&myl__slot_at(r, s)->stamp); /* A2 */
    if (hi <= s || v == exp || v == (MYL_STAMP_SKIP | exp) || (v & MYL_STAMP_SEQ_MASK) > exp) {
        c->stall_since = 0; /* not claimed yet, ready, or a later lap */
        return;
    }
    uint64_t end = hi - s > r->capacity ? s + r->capacity : hi;
    if (v & MYL_STAMP_CLAIM && (v & MYL_STAMP_SEQ_MASK) == exp) {
        c->stall_since = 0;
        uint32_t owner = (uint32_t)((v >> MYL_STAMP_OWNER_SHIFT) & MYL_STAMP_OWNER_MASK);
        if (owner < r->max_producers) {
            myl__producer_entry *e = &r->producers[owner];
            if (myl__load_acquire(&e->state) == MYL_ENTRY_ACTIVE && /* A4 */
                myl__peer_alive(e->pid, e->start_time))
                return;
        } /* else a hostile stamp: nobody can publish it */
        for (uint64_t t = s; t < end; t++) {
            myl__slot *slot = myl__slot_at(r, t);
            uint64_t w = myl__load_acquire(&slot->stamp); /* A2 */
            uint64_t te = (t + 1) & MYL_STAMP_SEQ_MASK;
            if ((w & MYL_STAMP_CLAIM) && (w & MYL_STAMP_SEQ_MASK) == te &&
                ((w >> MYL_STAMP_OWNER_SHIFT) & MYL_STAMP_OWNER_MASK) == owner)
                (void)myl__cas_strong(&slot->stamp, &w, MYL_STAMP_SKIP | te);
        }
        return;
    }
    /* Claimed but never marked: the claimer is between its claim and its
     * mark, or died there, and nothing names it. Start the clock; once it
     * has run stall_ns, every slot already claimed when it started and
     * still unmarked is blamed on a dead producer, if there is one. */
    if (c->stall_since == 0 || c->stall_seq != s) {
        c->stall_seq = s;
        c->stall_since = now ? now : 1;
        c->stall_claim = hi;
        return;
    }
    if (now - c->stall_since < (uint64_t)c->stall_ns || !any_producer_dead(r))
        return;
    skip_unmarked_range(r, s, c->stall_claim < end ? c->stall_claim : end);
    c->stall_since = 0;
}

void myl__consumer_recover(myl_consumer *c)
{
    c->idle = 0;
    uint64_t now = myl__now_ns();
    if (now < c->check_at)
        return;
    c->check_at = now + MYL__CHECK_NS;
    recover_stall(c, now);
}

/* Are all registered producers dead (and at least one registered)? */
static bool producers_dead(myl_ring *r)
{
    bool any = false;
    for (uint32_t i = 0; i < r->max_producers; i++) {
        myl__producer_entry *e = &r->producers[i];
        if (myl__load_acquire(&e->state) != MYL_ENTRY_ACTIVE) /* A4 */
            continue;
        if (myl__peer_alive(e->pid, e->start_time))
            return false;
        any = true;
    }
    return any;
}

struct poll_ctx {
    myl_consumer *c;
};

static bool poll_ready(void *arg)
{
    myl_consumer *c = ((struct poll_ctx *)arg)->c;
    if (ring_shut(c->ring))
        return true;
    uint64_t v = myl__load_acquire(&myl__slot_at(c->ring, c->next)->stamp); /* A2 */
    uint64_t exp = (c->next + 1) & MYL_STAMP_SEQ_MASK;
    /* Only a SKIP of this lap is news: a slot skipped one lap earlier keeps
     * its SKIP stamp until it is rewritten, and treating that as "ready"
     * would turn a blocking wait into a busy loop. */
    return v == exp || v == (MYL_STAMP_SKIP | exp);
}

int64_t myl_consumer_poll(myl_consumer *c, uint32_t max, uint64_t *seq, int64_t timeout_ns)
{
    if (!c || !seq)
        return MYL_EINVAL;
    int64_t n = myl_consumer_try_poll(c, max, seq);
    if (n != MYL_EAGAIN)
        return n;
    myl_ring *r = c->ring;
    /* Not waiting: what the loop below would answer once the deadline has
     * passed, without its spin rounds, clock reads and wait counter (a
     * shared write), which cost an empty poll of a receiver (a topology
     * endpoint's, a group's) about 2,500 instructions. */
    if (timeout_ns == 0)
        return ring_shut(r) ? MYL_ECLOSED : MYL_ETIMEDOUT;
    uint64_t deadline = myl__deadline(timeout_ns);
    uint64_t now, next_check = 0; /* set at the first look at the clock */
    uint32_t iter = 0;
    struct poll_ctx ctx = {c};
    uint64_t t0 = c->wait == MYL_WAIT_HYBRID ? myl__now_ns() : 0; /* myl__adapt_spin */
    myl__store_relaxed(&c->ent->waits, myl__load_relaxed(&c->ent->waits) + 1);
    for (;;) {
        wait_step(r, c->wait, c->spin_now, c->sleep_mode, &iter, &r->hdr->cons_wake,
                  &r->hdr->cons_waiters, deadline, poll_ready, &ctx);
        n = myl_consumer_try_poll(c, max, seq);
        if (n != MYL_EAGAIN) {
            if (t0 && n > 0)
                myl__adapt_spin(c, iter, true, t0);
            return n;
        }
        if ((iter & 63) != 0 && !sleeping(c->wait, c->spin_now, iter))
            continue;
        now = myl__now_ns();
        myl__note_spin(c, iter, t0, now);
        if (next_check == 0)
            next_check = now + MYL__CHECK_NS;
        if (ring_shut(r))
            return MYL_ECLOSED;
        if (deadline != UINT64_MAX && now >= deadline) {
            if (t0)
                myl__adapt_spin(c, iter, false, t0);
            /* A wait that ends before its first check (a short timeout, or
             * a thread descheduled past it) still says whether it was
             * evicted: a stale handle must not read as a quiet ring. */
            int rc = check_self(c);
            return rc < 0 ? rc : MYL_ETIMEDOUT;
        }
        if (now < next_check)
            continue;
        next_check = now + 10000000;
        if (!c->no_beat)
            myl__store_relaxed(&c->ent->heartbeat_ns, now);
        int rc = check_self(c);
        if (rc < 0)
            return rc;
        if (c->multi) {
            c->check_at = now + MYL__CHECK_NS;
            recover_stall(c, now);
        }
        reclaim_dead_claims(r);
        if (producers_dead(r)) {
            /* Drain what is there first; then report the dead peer. */
            n = myl_consumer_try_poll(c, max, seq);
            if (n != MYL_EAGAIN)
                return n;
            if (r->producer_mode == MYL_PRODUCERS_SINGLE ||
                myl__load_acquire(&r->hdr->claim) <= c->next)
                return MYL_EPEERDEAD;
        }
    }
}

int64_t myl_consumer_read(myl_consumer *c, void *dst, uint32_t max, uint64_t *lost,
                          int64_t timeout_ns)
{
    if (!c || !dst)
        return MYL_EINVAL;
    uint32_t size = c->ring->slot_size;
    /* One deadline for the whole call. A retry after an overrun gets what
     * is left of it, and always at least one retry (with a zero timeout,
     * the events the overrun resumed at are there now). Without the bound,
     * a hostile segment whose stamps all read as later laps kept this loop
     * going forever, whatever the timeout. */
    uint64_t deadline = myl__deadline(timeout_ns);
    for (uint32_t tries = 0;; tries++) {
        uint64_t s;
        if (tries > 1 && deadline != UINT64_MAX && myl__now_ns() >= deadline) {
            if (lost)
                *lost = myl_consumer_take_lost(c);
            return MYL_ETIMEDOUT;
        }
        int64_t n = myl_consumer_poll(c, max, &s, tries ? myl__left(deadline) : timeout_ns);
        if (n == MYL_EOVERRUN)
            continue; /* lost is counted; read from where we resumed */
        if (n < 0) {
            if (lost)
                *lost = myl_consumer_take_lost(c);
            return n;
        }
        int64_t got = 0;
        for (int64_t i = 0; i < n; i++) {
            memcpy((uint8_t *)dst + (size_t)got * size, myl_consumer_slot(c, s + (uint64_t)i),
                   size);
            if (c->lossy && !myl_consumer_valid(c, s + (uint64_t)i))
                break; /* overwritten while we copied: the rest is newer laps */
            got++;
        }
        myl_consumer_release(c, (uint32_t)got);
        if (got < n) {
            (void)myl__consumer_scan(c, 1); /* sees the later lap: counts the loss */
            if (got == 0)
                continue;
        }
        if (lost)
            *lost = myl_consumer_take_lost(c);
        return got;
    }
}

/* ---- counters and introspection ---- */

int myl_ring_stats_get(const myl_ring *r, myl_ring_stats *out)
{
    if (!r || !out)
        return MYL_EINVAL;
    memset(out, 0, sizeof *out);
    out->capacity = r->capacity;
    out->slot_size = r->slot_size;
    out->slot_stride = r->stride;
    out->producer_mode = r->producer_mode;
    out->ring_mode = r->ring_mode;
    out->state = myl__load_acquire(&r->hdr->state);
    out->creator_pid = r->hdr->creator_pid;
    out->fingerprint = r->hdr->fingerprint;
    out->claim = myl__load_acquire(&r->hdr->claim);
    out->segment_size = r->map_size;
    out->schema_len = r->hdr->schema_len;
    out->schema_hash = r->hdr->schema_hash;
    for (uint32_t i = 0; i < r->max_producers; i++) {
        myl__producer_entry *e = &r->producers[i];
        if (myl__load_acquire(&e->state) == MYL_ENTRY_ACTIVE)
            out->producers++;
        /* Counters survive the producer's exit: sum every entry. */
        out->published += myl__load_relaxed(&e->published);
        out->producer_waits += myl__load_relaxed(&e->waits);
        out->futex_wakes += myl__load_relaxed(&e->wakes);
    }
    for (uint32_t i = 0; i < r->max_consumers; i++)
        if (myl__load_acquire(&r->consumers[i].state) == MYL_ENTRY_ACTIVE)
            out->consumers++;
    return 0;
}

int myl_ring_consumer_stats(const myl_ring *r, uint32_t idx, myl_consumer_stats *out)
{
    if (!r || !out || idx >= r->max_consumers)
        return MYL_EINVAL;
    myl__consumer_entry *e = &r->consumers[idx];
    memset(out, 0, sizeof *out);
    out->state = myl__load_acquire(&e->state); /* A4 */
    if (is_claiming(out->state))
        out->state = MYL_ENTRY_CLAIMING;
    memcpy(out->id, e->id, MYL_ID_MAX - 1); /* a hostile id may lack its NUL */
    out->id[MYL_ID_MAX - 1] = '\0';
    out->pid = e->pid;
    out->alive = out->state == MYL_ENTRY_ACTIVE && myl__peer_alive(e->pid, e->start_time);
    out->seq = myl__load_acquire(&e->seq);
    out->consumed = myl__load_relaxed(&e->consumed);
    out->waits = myl__load_relaxed(&e->waits);
    out->overruns = myl__load_relaxed(&e->overruns);
    out->lost = myl__load_relaxed(&e->lost);
    out->skipped = myl__load_relaxed(&e->skipped);
    out->dropped = myl__load_relaxed(&e->dropped);
    out->bad_frames = myl__load_relaxed(&e->bad_frames);
    out->schema_fp = myl__load_relaxed(&e->schema_fp);
    return 0;
}

int myl_ring_producer_stats(const myl_ring *r, uint32_t idx, myl_producer_stats *out)
{
    if (!r || !out || idx >= r->max_producers)
        return MYL_EINVAL;
    myl__producer_entry *e = &r->producers[idx];
    memset(out, 0, sizeof *out);
    /* A4: pairs with the registration's release store of state (R4), made
     * after pid and start_time. */
    out->state = myl__load_acquire(&e->state);
    if (is_claiming(out->state))
        out->state = MYL_ENTRY_CLAIMING;
    out->pid = e->pid;
    out->alive = out->state == MYL_ENTRY_ACTIVE && myl__peer_alive(e->pid, e->start_time);
    /* Counters: single-writer relaxed stores by the entry's owner; a
     * reader needs no ordering with them. */
    out->published = myl__load_relaxed(&e->published);
    out->waits = myl__load_relaxed(&e->waits);
    out->wakes = myl__load_relaxed(&e->wakes);
    out->heartbeat_ns = myl__load_relaxed(&e->heartbeat_ns);
    return 0;
}

int myl_ring_evict(myl_ring *r, uint32_t idx)
{
    if (!r || idx >= r->max_consumers)
        return MYL_EINVAL;
    if (r->read_only)
        return MYL_EREADONLY;
    uint32_t st = MYL_ENTRY_ACTIVE;
    if (!myl__cas_strong(&r->consumers[idx].state, &st, MYL_ENTRY_EVICTED))
        return MYL_EINVAL;
    atomic_fetch_add_explicit(&r->hdr->consumer_gen, 1, memory_order_seq_cst); /* R3 */
    atomic_fetch_sub_explicit(&r->hdr->consumers_registered, 1, memory_order_relaxed);
    myl__wake_producers(r, NULL);
    return 0;
}

int myl_ring_reap(myl_ring *r)
{
    if (!r)
        return MYL_EINVAL;
    if (r->read_only)
        return MYL_EREADONLY;
    reclaim_dead_claims(r);
    int n = 0;
    for (uint32_t i = 0; i < r->max_consumers; i++) {
        myl__consumer_entry *e = &r->consumers[i];
        if (myl__load_acquire(&e->state) == MYL_ENTRY_ACTIVE &&
            !myl__peer_alive(e->pid, e->start_time) && myl_ring_evict(r, i) == 0)
            n++;
    }
    return n;
}
