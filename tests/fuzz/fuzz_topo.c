/* libFuzzer target: a topology's control segment as a broken or hostile
 * member leaves it (topo.c).
 *
 * Each input runs one instance of the test topology (tests/mp/
 * topo_common.h: a scheduler, two workers): the owner opens it, then the
 * input is written over the control segment and the calls that read it
 * run. Input:
 *   byte 0   flags: F_IDENTITY, F_JOIN_FIRST, F_WORKER, F_ERROR, F_SHUT
 *   byte 1   the worker's index (may be out of range)
 *   byte 2-3 with F_IDENTITY: where in the identity block and role/route
 *            tables (bytes [0, MYL_TOPO_CTL_MEMBERS_OFFSET) of the block)
 *            the next bytes go, and how many (byte 3 % 64); both
 *            checksums are then made to match, so that the checks past
 *            them are reached
 *   rest     over the member table (every word a member writes: state,
 *            pid, start time, heartbeat, epoch, left epoch, times,
 *            rejected), from its start
 * F_JOIN_FIRST: the worker joins before the input is written, so that its
 * own entry is overwritten under it. Then the owner's check, poll, pick,
 * member states, liveness and outstanding counts, peek and peek_members,
 * and the worker's open (or its check, poll and beat if it joined) must
 * return an error or a result in bounds: no out-of-bounds access, no
 * undefined behaviour, no hang (waits are 1 ms). */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mp/topo_common.h"
#include "myelon/myelon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define F_IDENTITY 0x01u
#define F_JOIN_FIRST 0x02u
#define F_WORKER 0x04u
#define F_ERROR 0x08u
#define F_SHUT 0x10u

#define WORKERS 2u

static void check_events(const myl_topo_event *ev, int n, uint32_t max)
{
    if (n > (int)max)
        __builtin_trap();
    for (int i = 0; i < n; i++)
        if (ev[i].kind > MYL_TOPO_EV_RESUMED || ev[i].role >= 2 ||
            ev[i].index >= (ev[i].role ? WORKERS : 1u))
            __builtin_trap();
}

static void exercise_owner(myl_topo *t, const myl_topo_cfg *c)
{
    myl_topo_event ev[8];
    (void)myl_topo_check(t);
    for (int i = 0; i < 2; i++) {
        int n = myl_topo_poll(t, ev, 8);
        if (n >= 0)
            check_events(ev, n, 8);
    }
    for (uint32_t role = 0; role < 3; role++)
        for (uint32_t i = 0; i < WORKERS + 1; i++) {
            int st = myl_topo_member_state(t, role, i);
            if (st > (int)MYL_TOPO_MEMBER_DEAD)
                __builtin_trap();
            (void)myl_topo_is_alive(t, role, i);
            (void)myl_topo_last_seen(t, role, i);
            (void)myl_topo_outstanding(t, role, i);
        }
    for (uint32_t r = 0; r < 5; r++) {
        int d = myl_topo_pick(t, r, r * UINT64_C(0x9e3779b97f4a7c15));
        if (d >= (int)WORKERS)
            __builtin_trap();
    }
    myl_topo_info info;
    myl_topo_member_info m[WORKERS + 2];
    (void)myl_topo_peek(&topo_desc, c, &info);
    int n = myl_topo_peek_members(&topo_desc, c, &info, m, WORKERS + 2);
    if (n >= 0)
        for (uint32_t k = 0; k < WORKERS + 1; k++)
            if (m[k].state > MYL_TOPO_MEMBER_DEAD)
                __builtin_trap();
}

static void exercise_worker(myl_topo *w)
{
    myl_topo_event ev[8];
    myl_topo_beat(w);
    (void)myl_topo_check(w);
    int n = myl_topo_poll(w, ev, 8);
    if (n >= 0)
        check_events(ev, n, 8);
    (void)myl_topo_is_alive(w, 0, 0);
    (void)myl_topo_member_state(w, 1, myl_topo_index(w));
    myl_topo_reject(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t flags = data[0], windex = data[1];
    data += 2;
    size -= 2;

    char inst[64];
    snprintf(inst, sizeof inst, "myl-fuzz-%d-topo", (int)getpid());
    myl_topo_cfg c;
    myl_topo_cfg_init(&c);
    c.instance = inst;
    c.counts[1] = WORKERS;
    c.liveness.startup_wait_ns = 1000000;
    c.liveness.check_interval_ns = 1; /* every poll checks */
    c.liveness.on_dead = (flags & F_ERROR) ? MYL_LIVE_ERROR : MYL_LIVE_EVICT;
    c.liveness.on_stall = c.liveness.on_dead;

    myl_topo *t = NULL, *w = NULL;
    if (myl_topo_open(&topo_desc, &c, 0, 0, &t) != 0)
        return 0; /* /dev/shm full, say: nothing to fuzz */
    if (myl_topo_ready(t) != 0)
        abort();
    if ((flags & F_WORKER) && (flags & F_JOIN_FIRST) &&
        myl_topo_open(&topo_desc, &c, 1, windex, &w) == 0)
        (void)myl_topo_ready(w);

    char name[256];
    myl_ring *r = NULL;
    myl_ring_opts o = {.name = name};
    if (myl_topo_segment_name(t, UINT32_MAX, 0, name, sizeof name) < 0 ||
        myl_ring_attach(&o, &r) != 0)
        abort();
    uint8_t *ctl = r->slots + MYL_TOPO_CTL_OFFSET;
    myl__topo_ctl *h = (myl__topo_ctl *)ctl;

    if ((flags & F_IDENTITY) && size >= 2) {
        size_t at = ((size_t)data[0] << 8 | data[1]) % MYL_TOPO_CTL_MEMBERS_OFFSET;
        size_t n = size >= 3 ? data[2] % 64u : 0;
        data += size >= 3 ? 3 : 2;
        size -= size >= 3 ? 3 : 2;
        if (n > size)
            n = size;
        if (n > MYL_TOPO_CTL_MEMBERS_OFFSET - at)
            n = MYL_TOPO_CTL_MEMBERS_OFFSET - at;
        memcpy(ctl + at, data, n);
        data += n;
        size -= n;
        h->names_checksum = topo_fnv(ctl + MYL_TOPO_CTL_ROLES_OFFSET,
                                     MYL_TOPO_CTL_MEMBERS_OFFSET - MYL_TOPO_CTL_ROLES_OFFSET);
        h->checksum = topo_fnv(ctl, offsetof(myl__topo_ctl, checksum));
    }
    if (flags & F_SHUT)
        atomic_store_explicit(&h->shutdown, 1u, memory_order_relaxed);
    /* The member table as the owner made it: (1 + WORKERS) entries. */
    size_t table = (1u + WORKERS) * (size_t)MYL_TOPO_MEMBER_SIZE;
    memcpy(ctl + MYL_TOPO_CTL_MEMBERS_OFFSET, data, size < table ? size : table);

    exercise_owner(t, &c);
    if (w)
        exercise_worker(w);
    else if ((flags & F_WORKER) && myl_topo_open(&topo_desc, &c, 1, windex, &w) == 0)
        exercise_worker(w);
    exercise_owner(t, &c);

    myl_topo_close(w);
    myl_ring_close(r);
    myl_topo_close(t);
    return 0;
}
