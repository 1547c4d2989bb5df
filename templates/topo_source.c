/* Template of the topology part of a generated source file
 * (gen/emit_topo.c); conventions as in header.h. */

/* @@features */
#if !defined(_POSIX_C_SOURCE) && !defined(__cplusplus)
#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep, sched_yield */
#endif
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

/* @@topo */
MYLT_ROLES
MYLT_ROUTES
const myl_topo_desc MYLT_T_desc = {
    .name = "MYLT_LABEL",
    .fingerprint = UINT64_C(MYLT_FP),
    .nroles = MYLT_NROLES,
    .nroutes = MYLT_NROUTES,
    .roles = MYLT_T_ROLES,
    .routes = MYLT_T_ROUTES,
};

static uint64_t MYLT_T_NOW(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Waiting for input on several rings, round `idle` of a wait: spin for
 * `spin` rounds (a message is usually close), then yield for `yield`
 * rounds, then sleep 50 us a round. A role's rounds come from the wait
 * strategies of its inbound channels: all `spin`: spin only; all `yield`:
 * yield only; all `block`: sleep only; else (`hybrid`, or a mix) spin 64
 * rounds, yield 192, then sleep, so that an idle member never keeps a core
 * busy. Whether the caller is to read the clock after this round: every
 * 16th round while spinning (a round costs less than a clock read; not the
 * first, so that a wait that ends soon reads no clock), every round after. */
static bool MYLT_T_IDLE(uint32_t idle, uint32_t spin, uint32_t yield)
{
    if (idle < spin || spin == UINT32_MAX) {
        myl__cpu_relax();
        return (idle & 15u) == 15u;
    }
    if (idle - spin < yield) {
        sched_yield();
        return true;
    }
    struct timespec ts = {0, 50000};
    nanosleep(&ts, NULL);
    return true;
}

/* @@topo_hash */
/* A partitioning key's hash (splitmix64's finalizer). */
static inline uint64_t MYLT_T_HASH(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

/* @@role_open */
int MYLT_R_open(const myl_topo_cfg *cfgMYLT_INDEXPARAM, MYLT_R *ep)
{
    myl_topo_cfg def;
    char id[2 * MYL_TOPO_NAME_MAX];
    uint32_t n = 0;
    void *mem = NULL;
    MYLT_INDEXVAR
    if (!ep)
        return MYL_EINVAL;
    memset(ep, 0, sizeof *ep);
    if (!cfg) {
        myl_topo_cfg_init(&def);
        cfg = &def;
    }
    const myl_topo_desc *desc = &MYLT_T_desc;
    int rc = myl_topo_open(desc, cfg, MYLT_ROLE, index, &ep->topo);
    if (rc < 0)
        return rc;
    ep->index = index;
    ep->track_on = cfg->track != 0;
    ep->check_ns = cfg->liveness.check_interval_ns;
    if (ep->check_ns <= 0)
        ep->check_ns = 10000000;
    ep->resend_ns = cfg->liveness.progress_timeout_ns;
    if (ep->resend_ns <= 0)
        ep->resend_ns = 2000000000;
    rc = myl_topo_member_id(ep->topo, MYLT_ROLE, index, id, sizeof id);
    if (rc < 0)
        goto fail;
    (void)n;
    (void)mem;
    MYLT_OPENS
    rc = myl_topo_ready(ep->topo);
    if (rc < 0)
        goto fail;
    ep->check_at = MYLT_T_NOW();
    ep->check_at += (uint64_t)ep->check_ns;
    return 0;
fail:
    MYLT_R_close(ep);
    return rc;
}

void MYLT_R_close(MYLT_R *ep)
{
    if (!ep)
        return;
    MYLT_CLOSES
    if (ep->topo)
        myl_topo_close(ep->topo);
    memset(ep, 0, sizeof *ep);
}

/* @@open_tx */
n = MYLT_COUNT;
mem = calloc(n, sizeof *ep->MYLT_N_tx);
if (!mem) {
    rc = -ENOMEM;
    goto fail;
}
MYLT_SETARRAY
for (uint32_t i = 0; i < n; i++) {
    uint32_t ring = myl_topo_ring_index(ep->topo, MYLT_ROUTE, index, i);
    myl_ring *r = myl_topo_ring(ep->topo, MYLT_ROUTE, ring);
    MYLT_CHAN_MYLT_END *e = &ep->MYLT_N_tx[i];
    rc = MYL_EINVAL;
    if (r)
        rc = MYLT_CHAN_MYLT_END_open(r, NULL, e);
    if (rc < 0)
        goto fail;
    ep->MYLT_N_ntx++;
}

/* @@open_rx */
n = MYLT_COUNT;
mem = calloc(n, sizeof *ep->MYLT_N_rx);
if (!mem) {
    rc = -ENOMEM;
    goto fail;
}
MYLT_SETARRAY
for (uint32_t i = 0; i < n; i++) {
    uint32_t ring = myl_topo_ring_index(ep->topo, MYLT_ROUTE, i, index);
    myl_ring *r = myl_topo_ring(ep->topo, MYLT_ROUTE, ring);
    MYLT_CHAN_MYLT_END *e = &ep->MYLT_N_rx[i];
    rc = MYL_EINVAL;
    if (r)
        rc = MYLT_CHAN_MYLT_END_open(r, id, NULL, e);
    if (rc < 0)
        goto fail;
    ep->MYLT_N_nrx++;
}

/* @@rejoin_rx */
for (uint32_t i = 0; i < ep->MYLT_N_nrx; i++) {
    MYLT_CHAN_MYLT_END *old = &ep->MYLT_N_rx[i];
    if (old->MYLT_H && MYLT_CHECK == 0)
        continue;
    char id[2 * MYL_TOPO_NAME_MAX];
    int rc = myl_topo_member_id(ep->topo, MYLT_ROLE, ep->index, id, sizeof id);
    if (rc < 0)
        return rc;
    uint32_t ring = myl_topo_ring_index(ep->topo, MYLT_ROUTE, i, ep->index);
    myl_ring *r = myl_topo_ring(ep->topo, MYLT_ROUTE, ring);
    MYLT_CHAN_MYLT_END e;
    if (!r)
        return MYL_EINVAL;
    /* The new registration first; without a spare entry, after the
     * evicted one is given back. */
    rc = MYLT_CHAN_MYLT_END_open(r, id, NULL, &e);
    if (rc == MYL_EFULL && old->MYLT_H) {
        MYLT_CHAN_MYLT_END_close(old);
        rc = MYLT_CHAN_MYLT_END_open(r, id, NULL, &e);
    }
    if (rc < 0)
        return rc;
    MYLT_CHAN_MYLT_END_close(old);
    *old = e;
}

/* @@rejoin_rx_group */
for (uint32_t i = 0; i < ep->MYLT_N_nrx; i++) {
    MYLT_CHAN_receiver *old = &ep->MYLT_N_rx[i];
    if (old->r && myl_group_receiver_check(old->r) == 0)
        continue;
    char id[2 * MYL_TOPO_NAME_MAX];
    int rc = myl_topo_member_id(ep->topo, MYLT_ROLE, ep->index, id, sizeof id);
    if (rc < 0)
        return rc;
    MYLT_CHAN_receiver e;
    /* as for one ring (above) */
    rc = MYLT_CHAN_receiver_open(&ep->MYLT_N_grx[i], id, MYLT_RXFLAGS, &e);
    /* MYL_EEXIST: evicted in some of the group's rings only, it holds
     * its entries in the others; given back, they are free again */
    if ((rc == MYL_EFULL || rc == MYL_EEXIST) && old->r) {
        MYLT_CHAN_receiver_close(old);
        rc = MYLT_CHAN_receiver_open(&ep->MYLT_N_grx[i], id, MYLT_RXFLAGS, &e);
    }
    if (rc < 0)
        return rc;
    MYLT_CHAN_receiver_close(old);
    *old = e;
}

/* @@close_tx */
for (uint32_t i = 0; i < ep->MYLT_N_ntx; i++)
    MYLT_CHAN_MYLT_END_close(&ep->MYLT_N_tx[i]);
free(ep->MYLT_N_tx);

/* @@close_rx */
for (uint32_t i = 0; i < ep->MYLT_N_nrx; i++)
    MYLT_CHAN_MYLT_END_close(&ep->MYLT_N_rx[i]);
free(ep->MYLT_N_rx);

/* @@open_tx_group */
n = MYLT_COUNT;
mem = calloc(n, sizeof *ep->MYLT_N_tx);
if (!mem) {
    rc = -ENOMEM;
    goto fail;
}
MYLT_SETARRAY
mem = calloc(n, sizeof *ep->MYLT_N_gtx);
if (!mem) {
    rc = -ENOMEM;
    goto fail;
}
MYLT_SETGROUPS
for (uint32_t i = 0; i < n; i++) {
    uint32_t ring = myl_topo_ring_index(ep->topo, MYLT_ROUTE, index, i);
    rc = myl_topo_group(ep->topo, MYLT_ROUTE, ring, &ep->MYLT_N_gtx[i]);
    if (rc == 0)
        rc = MYLT_CHAN_sender_open(&ep->MYLT_N_gtx[i], NULL, &ep->MYLT_N_tx[i]);
    if (rc < 0)
        goto fail;
    ep->MYLT_N_ntx++;
}

/* @@open_rx_group */
n = MYLT_COUNT;
mem = calloc(n, sizeof *ep->MYLT_N_rx);
if (!mem) {
    rc = -ENOMEM;
    goto fail;
}
MYLT_SETARRAY
mem = calloc(n, sizeof *ep->MYLT_N_grx);
if (!mem) {
    rc = -ENOMEM;
    goto fail;
}
MYLT_SETGROUPS
for (uint32_t i = 0; i < n; i++) {
    uint32_t ring = myl_topo_ring_index(ep->topo, MYLT_ROUTE, i, index);
    rc = myl_topo_group(ep->topo, MYLT_ROUTE, ring, &ep->MYLT_N_grx[i]);
    if (rc == 0)
        rc = MYLT_CHAN_receiver_open(&ep->MYLT_N_grx[i], id, MYLT_RXFLAGS, &ep->MYLT_N_rx[i]);
    if (rc < 0)
        goto fail;
    ep->MYLT_N_nrx++;
}

/* @@close_tx_group */
for (uint32_t i = 0; i < ep->MYLT_N_ntx; i++)
    MYLT_CHAN_sender_close(&ep->MYLT_N_tx[i]);
free(ep->MYLT_N_tx);
free(ep->MYLT_N_gtx);

/* @@close_rx_group */
for (uint32_t i = 0; i < ep->MYLT_N_nrx; i++)
    MYLT_CHAN_receiver_close(&ep->MYLT_N_rx[i]);
free(ep->MYLT_N_rx);
free(ep->MYLT_N_grx);

/* @@arena_grow */
/* The decoding arena (compact tables), doubled after a message of len
 * bytes whose decoded form did not fit, up to what such a message can
 * need (unit bytes a wire byte: the C sizes of the types it may carve
 * out, gen/emit_compact.c): MYL_EAGAIN to decode again, else MYL_ETOOBIG
 * at the bound (or -ENOMEM), and the message is rejected. */
static int MYLT_GROWFN(MYLT_R *ep, size_t len, size_t unit)
{
    size_t max = len * unit + 4096u, cap = ep->arena.cap;
    if (len > (SIZE_MAX - 4096u) / unit)
        max = SIZE_MAX;
    if (cap >= max)
        return MYL_ETOOBIG;
    cap = cap > max / 2 ? max : 2 * cap;
    void *p = realloc(ep->arena_mem, cap);
    if (!p)
        return -ENOMEM;
    ep->arena_mem = p;
    myl_carena_init(&ep->arena, p, cap);
    return MYL_EAGAIN; /* decode again */
}

/* @@role_poll */
/* Registers again on every inbound ring where this member's receiver was
 * evicted (the owner found it stalled for its grace, or it was found dead
 * while stopped), or where opening again failed before: the owner puts it
 * back into rotation once all its entries are there. The new receiver
 * starts at the live end; what was queued for the evicted one is the
 * owner's to re-dispatch (a tracked route's messages, on STALLED). Run by
 * _poll between receives only, never by _events, which a handler may
 * call: the handler's message and receiver stay its own. The member's id
 * is formatted only for a receiver to be opened again. */
static int MYLT_REJOINFN(MYLT_R *ep)
{
    MYLT_REJOINS
    return 0;
}

/* Receives from inbound ring j (the rings of every inbound route, in
 * order): the number of messages handled, or an error. */
static int MYLT_POLLFN(MYLT_R *ep, const MYLT_R_handlers *h, void *user, uint32_t j)
{
    (void)ep;
    (void)h;
    (void)user;
    (void)j;
    MYLT_DISPATCH
    return 0;
}

int MYLT_R_events(MYLT_R *ep, const MYLT_R_handlers *h, void *user)
{
    myl_topo_event ev[16];
    int n = myl_topo_poll(ep->topo, ev, 16);
    if (n < 0)
        return n;
    for (int i = 0; i < n; i++)
        if (h && h->on_event)
            h->on_event(&ev[i], ep, user);
    ep->since_check = 0;
    ep->check_at = MYLT_T_NOW();
    ep->check_at += (uint64_t)ep->check_ns;
    int rc = myl_topo_check(ep->topo);
    return rc < 0 ? rc : n;
}

int MYLT_R_poll(MYLT_R *ep, const MYLT_R_handlers *h, void *user, int64_t timeout_ns)
{
    uint32_t total = 0;
    MYLT_TOTAL
    uint64_t start = 0;
    /* Nothing here writes shared memory or makes a system call until the
     * checks are due (every check interval) or the wait yields or sleeps:
     * this member's heartbeat is stored by the checks. */
    for (uint32_t idle = 0;; idle += idle < UINT32_MAX) {
        int got = 0;
        uint32_t j = ep->poll_next;
        for (uint32_t k = 0; k < total; k++) {
            int rc = MYLT_POLLFN(ep, h, user, j);
            if (rc == MYL_EEVICTED) /* lapped while evicted */
                rc = MYLT_REJOINFN(ep);
            if (rc < 0)
                return rc;
            got += rc;
            if (++j == total)
                j = 0;
        }
        if (total && ++ep->poll_next >= total)
            ep->poll_next = 0;
        if (got > 0) {
            /* Busy: one clock read every 4096 messages, and the checks
             * then if they are due. */
            ep->since_check += (uint32_t)got;
            if (ep->since_check >= 4096) {
                ep->since_check = 0;
                if (MYLT_T_NOW() >= ep->check_at) {
                    int rc = MYLT_R_events(ep, h, user);
                    if (rc >= 0)
                        rc = MYLT_REJOINFN(ep);
                    if (rc < 0)
                        return rc;
                }
            }
            return got;
        }
        if (timeout_ns == 0) {
            /* A poll that does not wait: no pause, and the clock (for the
             * checks) read on every 16th such call that found nothing. */
            if ((++ep->idle_calls & 15u) != 0)
                return 0;
        } else if (!MYLT_T_IDLE(idle, MYLT_SPINS, MYLT_YIELDS)) {
            continue;
        }
        uint64_t now = MYLT_T_NOW();
        if (!start)
            start = now;
        if (now >= ep->check_at) {
            int rc = MYLT_R_events(ep, h, user);
            if (rc >= 0)
                rc = MYLT_REJOINFN(ep);
            if (rc < 0)
                return rc;
        }
        if (timeout_ns >= 0 && now - start >= (uint64_t)timeout_ns)
            return 0;
    }
}

/* @@dispatch */
j -= MYLT_PREV;
if (j < ep->MYLT_N_nrx)
    return MYLT_RECVFN(ep, h, user, j);

/* @@recv_event */
static int MYLT_RECVFN(MYLT_R *ep, const MYLT_R_handlers *h, void *user, uint32_t i)
{
    myl_consumer *c = ep->MYLT_N_rx[i].c;
    uint64_t seq;
    if (!c) /* not open again yet */
        return 0;
    /* One event first, then (after handling it) up to 15 more: asking for
     * more at once would read the next slot, which the producer is about
     * to write, on the way to the first event. */
    int64_t n = myl_consumer_try_poll(c, 1, &seq);
    if (n == MYL_EAGAIN)
        return 0;
    if (n < 0)
        return (int)n;
    ep->from = MYLT_FROM;
    ep->repeat = false;
    int64_t done = 0;
    while (n > 0) {
        for (int64_t k = 0; k < n; k++) {
            const void *slot = myl_consumer_slot(c, seq + (uint64_t)k);
            MYLT_MSGDECL
            MYLT_ANSWERED
            int rc = 0;
            if (h && h->on_MYLT_N)
                rc = h->on_MYLT_N(msg, ep, user);
            if (rc < 0) {
                myl_consumer_release(c, (uint32_t)k + 1);
                return rc;
            }
        }
        myl_consumer_release(c, (uint32_t)n);
        done += n;
        if (done >= 16)
            break;
        n = myl_consumer_try_poll(c, (uint32_t)(16 - done), &seq);
        if (n < 0 && n != MYL_EAGAIN)
            return (int)n;
    }
    return (int)done;
}

/* @@recv_bytes */
static int MYLT_RECVFN(MYLT_R *ep, const MYLT_R_handlers *h, void *user, uint32_t i)
{
    myl_frame_msg m;
    if (!ep->MYLT_N_rx[i].d) /* not open again yet */
        return 0;
    int rc = MYLT_CHAN_receiver_recv(&ep->MYLT_N_rx[i], &m, 0);
    if (rc == MYL_EAGAIN || rc == MYL_ETIMEDOUT)
        return 0;
    if (rc < 0)
        return rc;
    ep->from = MYLT_FROM;
    ep->repeat = false;
    rc = 0;
    if (h && h->on_MYLT_N)
        rc = h->on_MYLT_N(&m, ep, user);
    MYLT_CHAN_receiver_release(&ep->MYLT_N_rx[i]);
    return rc < 0 ? rc : 1;
}

/* @@recv_compact */
static int MYLT_RECVFN(MYLT_R *ep, const MYLT_R_handlers *h, void *user, uint32_t i)
{
    MYLT_M msg;
    myl_frame_msg m;
    if (!ep->MYLT_N_rx[i].d) /* not open again yet */
        return 0;
    int rc = MYLT_CHAN_receiver_recv(&ep->MYLT_N_rx[i], &m, 0);
    if (rc == MYL_EAGAIN || rc == MYL_ETIMEDOUT)
        return 0;
    if (rc < 0)
        return rc;
    ep->from = MYLT_FROM;
    ep->repeat = false;
    MYLT_DECODE
    if (rc < 0) { /* not a valid MYLT_M: counted and skipped */
        MYLT_CHAN_receiver_release(&ep->MYLT_N_rx[i]);
        myl_topo_reject(ep->topo);
        return 0;
    }
    MYLT_ANSWERED
    if (h && h->on_MYLT_N)
        rc = h->on_MYLT_N(&msg, ep, user);
    MYLT_CHAN_receiver_release(&ep->MYLT_N_rx[i]);
    return rc < 0 ? rc : 1;
}

/* @@recv_fb */
static int MYLT_RECVFN(MYLT_R *ep, const MYLT_R_handlers *h, void *user, uint32_t i)
{
    MYLT_M_table msg;
    myl_frame_msg m;
    if (!ep->MYLT_N_rx[i].d) /* not open again yet */
        return 0;
    int rc = MYLT_CHAN_receiver_recv(&ep->MYLT_N_rx[i], &m, 0);
    if (rc == MYL_EAGAIN || rc == MYL_ETIMEDOUT)
        return 0;
    if (rc < 0)
        return rc;
    ep->from = MYLT_FROM;
    ep->repeat = false;
    if (MYLT_M_verify(m.data, m.len) < 0) { /* not a MYLT_M: counted and skipped */
        MYLT_CHAN_receiver_release(&ep->MYLT_N_rx[i]);
        myl_topo_reject(ep->topo);
        return 0;
    }
    msg.t = myl_fb_root(m.data);
    MYLT_ANSWERED
    if (h && h->on_MYLT_N)
        rc = h->on_MYLT_N(&msg, ep, user);
    MYLT_CHAN_receiver_release(&ep->MYLT_N_rx[i]);
    return rc < 0 ? rc : 1;
}

/* @@recv_group_bytes */
/* A group (lanes, size classes) holds the message received until the next
 * receive from it. */
static int MYLT_RECVFN(MYLT_R *ep, const MYLT_R_handlers *h, void *user, uint32_t i)
{
    myl_frame_msg m;
    uint32_t lane = 0;
    if (!ep->MYLT_N_rx[i].r) /* not open again yet */
        return 0;
    int rc = MYLT_CHAN_receiver_recv(&ep->MYLT_N_rx[i], &m, &lane, 0);
    if (rc == MYL_EAGAIN || rc == MYL_ETIMEDOUT)
        return 0;
    if (rc < 0)
        return rc;
    ep->from = MYLT_FROM;
    ep->repeat = false;
    ep->lane = lane;
    rc = 0;
    if (h && h->on_MYLT_N)
        rc = h->on_MYLT_N(&m, ep, user);
    return rc < 0 ? rc : 1;
}

/* @@recv_group_compact */
static int MYLT_RECVFN(MYLT_R *ep, const MYLT_R_handlers *h, void *user, uint32_t i)
{
    MYLT_M msg;
    myl_frame_msg m;
    uint32_t lane = 0;
    if (!ep->MYLT_N_rx[i].r) /* not open again yet */
        return 0;
    int rc = MYLT_CHAN_receiver_recv(&ep->MYLT_N_rx[i], &m, &lane, 0);
    if (rc == MYL_EAGAIN || rc == MYL_ETIMEDOUT)
        return 0;
    if (rc < 0)
        return rc;
    ep->from = MYLT_FROM;
    ep->repeat = false;
    ep->lane = lane;
    MYLT_DECODE
    if (rc < 0) { /* not a valid MYLT_M: counted and skipped */
        myl_topo_reject(ep->topo);
        return 0;
    }
    MYLT_ANSWERED
    if (h && h->on_MYLT_N)
        rc = h->on_MYLT_N(&msg, ep, user);
    return rc < 0 ? rc : 1;
}

/* @@recv_group_fb */
static int MYLT_RECVFN(MYLT_R *ep, const MYLT_R_handlers *h, void *user, uint32_t i)
{
    MYLT_M_table msg;
    myl_frame_msg m;
    uint32_t lane = 0;
    if (!ep->MYLT_N_rx[i].r) /* not open again yet */
        return 0;
    int rc = MYLT_CHAN_receiver_recv(&ep->MYLT_N_rx[i], &m, &lane, 0);
    if (rc == MYL_EAGAIN || rc == MYL_ETIMEDOUT)
        return 0;
    if (rc < 0)
        return rc;
    ep->from = MYLT_FROM;
    ep->repeat = false;
    ep->lane = lane;
    if (MYLT_M_verify(m.data, m.len) < 0) { /* not a MYLT_M: counted and skipped */
        myl_topo_reject(ep->topo);
        return 0;
    }
    msg.t = myl_fb_root(m.data);
    MYLT_ANSWERED
    if (h && h->on_MYLT_N)
        rc = h->on_MYLT_N(&msg, ep, user);
    return rc < 0 ? rc : 1;
}

/* @@pick_partitioned */
int pick = myl_topo_pick(ep->topo, MYLT_ROUTE, MYLT_KEY);
if (pick < 0)
    return pick;
uint32_t dst = (uint32_t)pick;
if (dst >= ep->MYLT_N_ntx)
    return MYL_EINVAL;

/* @@pick_to */
if (dst >= ep->MYLT_N_ntx)
    return MYL_EINVAL;

/* @@pick_one */
uint32_t dst = 0;
if (dst >= ep->MYLT_N_ntx)
    return MYL_EINVAL;

/* @@send_event */
int MYLT_R_send_MYLT_NAME(MYLT_R *epMYLT_DSTPARAM, const MYLT_M *ev, int64_t timeout_ns)
{
    MYLT_PICK
    MYLT_TRACK
    /* The ring's inline fast path (claim, a copy of the event's constant
     * size, publish); the out-of-line claim only waits for room. */
    myl_producer *p = ep->MYLT_N_tx[dst].p;
    uint64_t seq;
    int rc = myl_producer_try_claim(p, 1, &seq);
    if (rc == MYL_EAGAIN)
        rc = myl_producer_claim(p, 1, &seq, timeout_ns);
    if (rc == 0) {
        memcpy(myl_producer_slot(p, seq), ev, sizeof *ev);
        myl_producer_publish(p, seq, 1);
    }
    MYLT_UNTRACK
    return rc;
}

/* @@send_bytes */
int MYLT_R_send_MYLT_NAME(MYLT_R *epMYLT_DSTPARAM, const void *msg, size_t len, uint16_t kind,
                          int64_t timeout_ns)
{
    MYLT_PICK
    return MYLT_CHAN_sender_send(&ep->MYLT_N_tx[dst], MYLT_LANEmsg, len, kind, timeout_ns);
}

/* @@send_compact */
int MYLT_R_send_MYLT_NAME(MYLT_R *epMYLT_DSTPARAM, const MYLT_M *m, void *buf, size_t cap,
                          uint16_t kind, int64_t timeout_ns)
{
    MYLT_PICK
    return MYLT_CHAN_sender_put(&ep->MYLT_N_tx[dst], MYLT_LANEm, buf, cap, kind, timeout_ns);
}

/* @@send_compact_tracked */
int MYLT_R_send_MYLT_NAME(MYLT_R *epMYLT_DSTPARAM, const MYLT_M *m, void *buf, size_t cap,
                          uint16_t kind, int64_t timeout_ns)
{
    MYLT_PICK
    if (!ep->track_on)
        return MYLT_CHAN_sender_put(&ep->MYLT_N_tx[dst], MYLT_LANEm, buf, cap, kind, timeout_ns);
    if (!buf)
        return MYL_EINVAL; /* the copy kept for re-dispatch is made from buf */
    size_t len = 0;
    uint64_t id = (uint64_t)m->MYLT_F;
    int rc = MYLT_M_compact_encode(m, buf, cap, &len);
    if (rc < 0)
        return rc;
    rc = myl_topo_track_key(ep->topo, MYLT_TOROLE, dst, id, MYLT_TKEY, buf, len);
    if (rc < 0)
        return rc;
    rc = MYLT_CHAN_sender_send(&ep->MYLT_N_tx[dst], MYLT_LANEbuf, len, kind, timeout_ns);
    if (rc < 0)
        (void)myl_topo_answered(ep->topo, id);
    return rc;
}

/* @@send_fb */
int MYLT_R_begin_MYLT_NAME(MYLT_R *epMYLT_DSTPARAM, myl_fb_builder *b, void *arena,
                           size_t arena_cap, myl_frame_span *span, int64_t timeout_ns)
{
    MYLT_PICK
    ep->MYLT_N_dst = dst;
    MYLT_SAVEKEY
    return MYLT_CHAN_sender_build_begin(&ep->MYLT_N_tx[dst], b, arena, arena_cap, 0, span,
                                        timeout_ns);
}

/* @@send_fb_buffer */
int MYLT_R_send_MYLT_NAME(MYLT_R *epMYLT_DSTPARAM, const void *msg, size_t len, int64_t timeout_ns)
{
    MYLT_PICKMSG
    MYLT_TRACK
    int rc = MYLT_CHAN_sender_send(&ep->MYLT_N_tx[dst], MYLT_LANEmsg, len, 0, timeout_ns);
    MYLT_UNTRACK
    return rc;
}

/* @@commit_fb */
int MYLT_R_commit_MYLT_N(MYLT_R *ep, myl_fb_builder *b, myl_fb_ref root, const myl_frame_span *span,
                         int64_t timeout_ns)
{
    return MYLT_CHAN_sender_build_commit(&ep->MYLT_N_tx[ep->MYLT_N_dst], b, root, span, 0,
                                         timeout_ns);
}

/* @@commit_fb_tracked */
int MYLT_R_commit_MYLT_N(MYLT_R *ep, myl_fb_builder *b, myl_fb_ref root, const myl_frame_span *span,
                         int64_t timeout_ns)
{
    uint32_t dst = ep->MYLT_N_dst;
    MYLT_CHAN_sender *s = &ep->MYLT_N_tx[dst];
    if (!ep->track_on)
        return MYLT_CHAN_sender_build_commit(s, b, root, span, 0, timeout_ns);
    myl_fb_msg m;
    int rc = myl_fb_finish(b, root, NULL, MYL_FB_FINISH_AT_FRONT, &m);
    if (rc < 0) {
        myl_frame_abort(s->f, span);
        return rc;
    }
    /* Vectors left where they lie (myl_fb_builder_defer) fill their holes
     * now: the copy kept for re-dispatch, and the frame, need them whole. */
    for (uint32_t i = 0; i < m.next; i++)
        memcpy(m.data + m.ext[i].at, m.ext[i].p, m.ext[i].n);
    uint64_t id = (uint64_t)MYLT_M_MYLT_F(MYLT_M_root(m.data));
    rc = myl_topo_track_key(ep->topo, MYLT_TOROLE, dst, id, MYLT_TKEY, m.data, m.len);
    if (rc < 0) {
        myl_frame_abort(s->f, span);
        return rc;
    }
    if (m.in_place) {
        myl_frame_commit(s->f, span);
        return 0;
    }
    myl_frame_abort(s->f, span);
    rc = myl_frame_send(s->f, m.data, m.len, 0, timeout_ns);
    if (rc < 0)
        (void)myl_topo_answered(ep->topo, id);
    return rc;
}

/* @@resend */
static int MYLT_RESENDFN(void *arg, uint64_t id, const void *msg, size_t len)
{
    MYLT_R *ep = (MYLT_R *)arg;
    MYLT_REPICK
    uint64_t rkey = myl_topo_resend_key(ep->topo); /* tracked again with its key */
    int rc = myl_topo_track_key(ep->topo, MYLT_TOROLE, dst, id, rkey, msg, len);
    if (rc < 0)
        return rc;
    MYLT_RESEND
    if (rc < 0)
        (void)myl_topo_answered(ep->topo, id);
    return rc;
}

/* @@redispatch */
int MYLT_R_redispatch(MYLT_R *ep, uint32_t role, uint32_t index)
{
    switch (role) {
        MYLT_CASES
    default:
        return MYL_EINVAL;
    }
}
