/* Groups of framed rings: size classes and priority lanes (myelon/group.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "myelon/group.h"

#define DEFAULT_WARN_PCT 80u
#define DEFAULT_CRIT_PCT 90u
#define DEFAULT_STARVE 16u
/* Ordered receivers wait this long for a missing id before giving up on it. */
#define ORDER_WAIT_NS UINT64_C(100000000)
#define ID_SHIFT 56
#define ID_MASK ((UINT64_C(1) << ID_SHIFT) - 1)

static bool lane_name_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 32)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return false;
    return true;
}

static uint32_t frame_size_of(const myl_group_opts *o, uint32_t i)
{
    return o->frame_sizes ? o->frame_sizes[i] : o->frame_size;
}

static int check_opts(const myl_group_opts *o)
{
    if (!o || !o->name || !o->name[0])
        return MYL_EINVAL;
    if ((o->kind != MYL_GROUP_CLASSES && o->kind != MYL_GROUP_LANES) || o->count == 0 ||
        o->count > MYL_GROUP_MAX)
        return MYL_EINVAL;
    if (o->kind == MYL_GROUP_CLASSES && !o->frame_sizes)
        return MYL_EINVAL;
    if (o->kind == MYL_GROUP_LANES && !o->lane_names)
        return MYL_EINVAL;
    for (uint32_t i = 0; i < o->count; i++) {
        uint32_t fs = frame_size_of(o, i);
        if (fs <= MYL_FRAME_HDR_SIZE || fs > MYL_MAX_SLOT_SIZE)
            return MYL_EINVAL;
        if (o->kind == MYL_GROUP_CLASSES && i > 0 && fs <= o->frame_sizes[i - 1])
            return MYL_EINVAL; /* strictly ascending */
        if (o->kind == MYL_GROUP_LANES && !lane_name_ok(o->lane_names[i]))
            return MYL_EINVAL;
    }
    uint32_t warn = o->warn_pct ? o->warn_pct : DEFAULT_WARN_PCT;
    uint32_t crit = o->crit_pct ? o->crit_pct : DEFAULT_CRIT_PCT;
    if (warn > 100 || crit > 100 || warn > crit)
        return MYL_EINVAL;
    return 0;
}

int myl_group_ring_name(const myl_group_opts *o, uint32_t i, char *out, size_t size)
{
    int rc = check_opts(o);
    if (rc < 0)
        return rc;
    if (i >= o->count || !out)
        return MYL_EINVAL;
    int n = o->kind == MYL_GROUP_CLASSES ? snprintf(out, size, "%s.f%u", o->name, o->frame_sizes[i])
                                         : snprintf(out, size, "%s.%s", o->name, o->lane_names[i]);
    return n < 0 || (size_t)n >= size ? MYL_ENAME : n;
}

static void ring_opts(const myl_group_opts *o, uint32_t i, const char *name, myl_ring_opts *ro)
{
    *ro = (myl_ring_opts){.size = sizeof *ro,
                          .backing = o->backing,
                          .name = name,
                          .fingerprint = o->fingerprint,
                          .slot_size = frame_size_of(o, i),
                          .producers = o->producers,
                          .capacity = o->capacity,
                          .mode = o->mode,
                          .wait = o->wait,
                          .max_consumers = o->max_consumers,
                          .max_producers = o->max_producers,
                          .perm = o->perm,
                          .flags = o->flags,
                          .schema = o->schema,
                          .schema_len = o->schema_len};
}

/* The largest message ring i takes: classes below the top hold a message
 * only when it fits one frame; the top class and every lane take the
 * group's max_message. */
static uint64_t ring_max(const myl_group *g, uint32_t i)
{
    if (g->kind == MYL_GROUP_CLASSES && i + 1 < g->count)
        return g->rings[i]->slot_size - MYL_FRAME_HDR_SIZE;
    return g->max_message;
}

static int open_rings(const myl_group_opts *o, bool create, myl_group **out)
{
    if (!out)
        return MYL_EINVAL;
    *out = NULL;
    int rc = check_opts(o);
    if (rc < 0)
        return rc;
    myl_group *g = calloc(1, sizeof *g);
    if (!g)
        return -ENOMEM;
    g->kind = o->kind;
    g->count = o->count;
    g->warn_pct = o->warn_pct ? o->warn_pct : DEFAULT_WARN_PCT;
    g->crit_pct = o->crit_pct ? o->crit_pct : DEFAULT_CRIT_PCT;
    uint32_t i;
    for (i = 0; i < o->count; i++) {
        char name[256];
        myl_ring_opts ro;
        if ((rc = myl_group_ring_name(o, i, name, sizeof name)) < 0)
            goto fail;
        ring_opts(o, i, name, &ro);
        rc = create ? myl_ring_create(&ro, &g->rings[i]) : myl_ring_attach(&ro, &g->rings[i]);
        if (rc < 0)
            goto fail;
    }
    /* The default max_message: what the top ring takes in one claim. */
    myl_ring *top = g->rings[o->count - 1];
    /* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): check_opts(): count >= 1 */
    uint64_t top_max = (top->capacity / 2) * (top->slot_size - MYL_FRAME_HDR_SIZE);
    g->max_message = o->max_message ? o->max_message : top_max;
    if (g->max_message > UINT32_MAX) {
        rc = MYL_EINVAL;
        goto fail;
    }
    *out = g;
    return 0;
fail:
    while (i-- > 0) {
        char name[256];
        myl_ring_close(g->rings[i]);
        if (create && myl_group_ring_name(o, i, name, sizeof name) >= 0)
            myl_ring_unlink(o->backing, name);
    }
    free(g);
    return rc;
}

int myl_group_create(const myl_group_opts *o, myl_group **out)
{
    return open_rings(o, true, out);
}

int myl_group_attach(const myl_group_opts *o, myl_group **out)
{
    return open_rings(o, false, out);
}

void myl_group_close(myl_group *g)
{
    if (!g)
        return;
    for (uint32_t i = 0; i < g->count; i++)
        myl_ring_close(g->rings[i]);
    free(g);
}

int myl_group_unlink(const myl_group_opts *o)
{
    int rc = check_opts(o);
    if (rc < 0)
        return rc;
    int first = 0;
    for (uint32_t i = 0; i < o->count; i++) {
        char name[256];
        if ((rc = myl_group_ring_name(o, i, name, sizeof name)) < 0)
            return rc;
        rc = myl_ring_unlink(o->backing, name);
        if (rc < 0 && !first)
            first = rc;
    }
    return first;
}

/* ---- sending ---- */

int myl_group_sender_open(myl_group *g, const myl_producer_opts *popts, myl_group_sender **out)
{
    if (!out)
        return MYL_EINVAL;
    *out = NULL;
    if (!g || g->count == 0 || g->count > MYL_GROUP_MAX)
        return MYL_EINVAL;
    myl_group_sender *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    s->g = g;
    for (uint32_t i = 0; i < g->count; i++) {
        myl_frame_opts fo = {.size = sizeof fo, .max_message = ring_max(g, i)};
        int rc = myl_framer_open(g->rings[i], popts, &fo, &s->f[i]);
        if (rc < 0) {
            myl_group_sender_close(s);
            return rc;
        }
    }
    /* Ids are numbered on ring 0's producer entry: its index tells senders
     * apart, and its counter continues across senders that reuse it. */
    myl_producer *p0 = s->f[0]->p;
    s->next_id =
        ((uint64_t)p0->idx << ID_SHIFT) | (myl__load_relaxed(&p0->ent->next_msg_id) & ID_MASK);
    *out = s;
    return 0;
}

void myl_group_sender_close(myl_group_sender *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->g->count; i++)
        myl_framer_close(s->f[i]);
    free(s);
}

/* Frames in use on a ring: claimed but not yet released by every consumer. */
static uint64_t in_use(const myl_ring *r)
{
    uint64_t claim = myl__load_acquire(&r->hdr->claim);
    uint64_t min = UINT64_MAX;
    for (uint32_t i = 0; i < r->max_consumers; i++) {
        myl__consumer_entry *e = &r->consumers[i];
        if (myl__load_acquire(&e->state) != MYL_ENTRY_ACTIVE) /* A4 */
            continue;
        uint64_t s = myl__load_acquire(&e->seq); /* A3 */
        if (s < min)
            min = s;
    }
    if (min == UINT64_MAX || min >= claim)
        return 0;
    /* A hostile or lagging table could report more than a ring holds. */
    return claim - min > r->capacity ? r->capacity : claim - min;
}

static void note_high_water(myl_framer *f)
{
    myl_producer *p = f->p;
    if (p->lossy || p->limit == UINT64_MAX)
        return;
    uint64_t end = p->multi ? myl__load_relaxed(&p->ring->hdr->claim) : p->next;
    uint64_t hw = myl__load_relaxed(&p->ent->high_water);
    /* The cached gate over-estimates the fill; check exactly only when the
     * estimate would raise the mark. */
    uint64_t base = p->limit - p->ring->capacity;
    if (end <= base || end - base <= hw)
        return;
    uint64_t used = in_use(p->ring);
    if (used > hw)
        myl__store_relaxed(&p->ent->high_water, used); /* single writer: this producer */
}

/* The ring a message of len bytes goes to, or MYL_EINVAL / MYL_ETOOBIG. */
static int pick_ring(const myl_group_sender *s, uint32_t lane, size_t len, uint32_t *ring)
{
    const myl_group *g = s->g;
    uint32_t i;
    if (g->kind == MYL_GROUP_LANES) {
        if (lane >= g->count)
            return MYL_EINVAL;
        i = lane;
    } else {
        for (i = 0; i + 1 < g->count; i++)
            if (len <= g->rings[i]->slot_size - MYL_FRAME_HDR_SIZE)
                break;
    }
    if (len > g->max_message)
        return MYL_ETOOBIG;
    *ring = i;
    return 0;
}

/* The id of the message about to be published, the counter advanced
 * and saved in ring 0's producer entry before it is: a sender killed
 * after publishing leaves the next id to its successor, never this one
 * again (as the framer's take_id). */
static uint64_t take_id(myl_group_sender *s)
{
    uint64_t id = s->next_id;
    s->next_id = (id & ~ID_MASK) | ((id + 1) & ID_MASK);
    /* Relaxed: read only by the next sender to open this entry. */
    myl__store_relaxed(&s->f[0]->p->ent->next_msg_id, s->next_id & ID_MASK);
    return id;
}

/* A send or commit that failed: its id is the next message's (an ordered
 * receiver waits for no gap). */
static void give_back_id(myl_group_sender *s, uint64_t id)
{
    s->next_id = id;
    myl__store_relaxed(&s->f[0]->p->ent->next_msg_id, id & ID_MASK);
}

int myl_group_send(myl_group_sender *s, uint32_t lane, const void *msg, size_t len, uint16_t kind,
                   int64_t timeout_ns)
{
    if (!s)
        return MYL_EINVAL;
    uint32_t i;
    int rc = pick_ring(s, lane, len, &i);
    if (rc < 0)
        return rc;
    uint64_t id = take_id(s);
    rc = myl__frame_send_id(s->f[i], msg, len, kind, id, timeout_ns);
    if (rc < 0) {
        give_back_id(s, id);
        return rc;
    }
    note_high_water(s->f[i]);
    return 0;
}

int myl_group_send_ext(myl_group_sender *s, uint32_t lane, const void *msg, size_t len,
                       const struct myl_ext *ext, size_t next, unsigned flags, uint16_t kind,
                       int64_t timeout_ns)
{
    if (!s)
        return MYL_EINVAL;
    size_t total;
    uint32_t i;
    int rc = myl__frame_ext_total(msg, len, ext, next, flags, &total);
    if (rc < 0 || (rc = pick_ring(s, lane, total, &i)) < 0)
        return rc;
    uint64_t id = take_id(s);
    rc = myl__frame_send_ext_id(s->f[i], msg, len, ext, next, flags, total, kind, id, timeout_ns);
    if (rc < 0) {
        give_back_id(s, id);
        return rc;
    }
    note_high_water(s->f[i]);
    return 0;
}

int myl_group_claim(myl_group_sender *s, uint32_t lane, size_t len, uint16_t kind,
                    myl_group_span *sp, int64_t timeout_ns)
{
    if (!s || !sp)
        return MYL_EINVAL;
    int rc = pick_ring(s, lane, len, &sp->ring);
    if (rc < 0)
        return rc;
    /* The id is taken at commit (myl_group_commit_len): an aborted claim
     * leaves no gap in the send order that an ordered receiver would wait
     * for, and messages sent while the claim is open take ids before it. */
    return myl__frame_claim_id(s->f[sp->ring], len, kind, s->next_id, &sp->f, timeout_ns);
}

int myl_group_claim_one(myl_group_sender *s, uint32_t lane, size_t len, uint16_t kind,
                        myl_group_span *sp, void **data, int64_t timeout_ns)
{
    if (!s || !sp)
        return MYL_EINVAL;
    int rc = pick_ring(s, lane, len, &sp->ring);
    if (rc < 0)
        return rc;
    /* the id is taken at commit, as for myl_group_claim() */
    return myl__frame_claim_one_id(s->f[sp->ring], len, kind, s->next_id, &sp->f, data, timeout_ns);
}

void *myl_group_claim_data(const myl_group_sender *s, const myl_group_span *sp, uint32_t i,
                           uint32_t *len)
{
    if (!s || !sp || sp->ring >= s->g->count)
        return NULL;
    return myl_frame_claim_data(s->f[sp->ring], &sp->f, i, len);
}

int myl_group_commit_len(myl_group_sender *s, myl_group_span *sp, size_t len)
{
    if (!s || !sp || sp->ring >= s->g->count)
        return MYL_EINVAL;
    /* The id now, not the claim's: a send or commit while this claim was
     * open took that one (the headers are written at the commit). */
    uint64_t id = take_id(s);
    sp->f.msg_id = id;
    int rc = myl_frame_commit_len(s->f[sp->ring], &sp->f, len);
    if (rc < 0)
        give_back_id(s, id);
    else
        note_high_water(s->f[sp->ring]);
    return rc;
}

void myl_group_abort(myl_group_sender *s, const myl_group_span *sp)
{
    if (!s || !sp || sp->ring >= s->g->count)
        return;
    myl__frame_pad(s->f[sp->ring], &sp->f);
}

static int level_of(const myl_group *g, uint32_t pct)
{
    return pct >= g->crit_pct   ? MYL_PRESSURE_CRITICAL
           : pct >= g->warn_pct ? MYL_PRESSURE_WARN
                                : MYL_PRESSURE_OK;
}

int myl_group_pressure(myl_group_sender *s, uint32_t i, uint32_t *pct)
{
    if (!s || i >= s->g->count)
        return MYL_EINVAL;
    const myl_ring *r = s->g->rings[i];
    uint32_t p = (uint32_t)(in_use(r) * 100 / r->capacity);
    if (pct)
        *pct = p;
    return level_of(s->g, p);
}

int myl_group_stats(const myl_group *g, uint32_t i, myl_group_ring_stats *out)
{
    if (!g || !out || i >= g->count)
        return MYL_EINVAL;
    const myl_ring *r = g->rings[i];
    memset(out, 0, sizeof *out);
    out->frame_size = r->slot_size;
    out->capacity = r->capacity;
    out->in_use = in_use(r);
    for (uint32_t k = 0; k < r->max_producers; k++) {
        uint64_t hw = myl__load_relaxed(&r->producers[k].high_water);
        if (hw > out->high_water)
            out->high_water = hw > r->capacity ? r->capacity : hw;
    }
    out->ratio_pct = (uint32_t)(out->in_use * 100 / r->capacity);
    out->level = level_of(g, out->ratio_pct);
    return 0;
}

/* ---- receiving ---- */

int myl_group_receiver_open(myl_group *g, const char *id, uint32_t flags,
                            const uint32_t *starve_after, myl_group_receiver **out)
{
    if (!out)
        return MYL_EINVAL;
    *out = NULL;
    if (!g || (flags & ~(MYL_GROUP_ORDERED | MYL_GROUP_COPY)))
        return MYL_EINVAL;
    myl_group_receiver *r = calloc(1, sizeof *r);
    if (!r)
        return -ENOMEM;
    r->g = g;
    r->flags = flags;
    r->last = UINT32_MAX;
    for (uint32_t i = 0; i < g->count; i++) {
        myl_frame_opts fo = {.size = sizeof fo, .max_message = ring_max(g, i)};
        myl_consumer_opts co = {.size = sizeof co,
                                .flags = flags & MYL_GROUP_COPY ? MYL_CONSUMER_COPY : 0};
        int rc = myl_defrag_open(g->rings[i], id, &co, &fo, &r->d[i]);
        if (rc < 0) {
            myl_group_receiver_close(r);
            return rc;
        }
        r->d[i]->group = true;
        r->starve_after[i] = starve_after && starve_after[i] ? starve_after[i] : DEFAULT_STARVE;
    }
    *out = r;
    return 0;
}

void myl_group_receiver_close(myl_group_receiver *r)
{
    if (!r)
        return;
    for (uint32_t i = 0; i < r->g->count; i++)
        myl_defrag_close(r->d[i]);
    free(r);
}

int myl_group_receiver_check(const myl_group_receiver *r)
{
    if (!r)
        return MYL_EINVAL;
    for (uint32_t i = 0; i < r->g->count; i++) {
        int rc = myl_consumer_check(myl_defrag_consumer(r->d[i]));
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Fill the look-ahead of every ring that has none; the first hard error
 * (not "nothing yet") is returned if nothing at all is held. */
static int fill(myl_group_receiver *r, bool *any)
{
    int err = 0;
    *any = false;
    for (uint32_t i = 0; i < r->g->count; i++) {
        if (!r->held[i]) {
            int rc = myl_defrag_recv(r->d[i], &r->msg[i], 0);
            if (rc == 0)
                r->held[i] = true;
            else if (rc != MYL_ETIMEDOUT && rc != MYL_EAGAIN && !err)
                err = rc;
        }
        *any |= r->held[i];
    }
    return err;
}

static uint32_t pick_lane(myl_group_receiver *r)
{
    /* The highest lane with a message, unless some lane reached its guard:
     * then the most overdue of those (ties: the higher lane). Two lanes can
     * reach their guards on the same delivery and only one is served, so a
     * lane waits at most starve_after + (lanes - 2) deliveries in a row. */
    uint32_t top = UINT32_MAX, starved = UINT32_MAX, overdue = 0;
    for (uint32_t i = 0; i < r->g->count; i++) {
        if (!r->held[i])
            continue;
        if (top == UINT32_MAX)
            top = i;
        if (r->passed[i] >= r->starve_after[i] &&
            (starved == UINT32_MAX || r->passed[i] - r->starve_after[i] > overdue)) {
            starved = i;
            overdue = r->passed[i] - r->starve_after[i];
        }
    }
    uint32_t pick = starved != UINT32_MAX ? starved : top;
    for (uint32_t i = 0; i < r->g->count; i++)
        if (r->held[i] && i != pick)
            r->passed[i]++;
    r->passed[pick] = 0;
    return pick;
}

/* Ordered: the held message that is its sender's next, if any; else, once
 * give_up, the held message with the lowest id (its predecessors are lost).
 * *first tells that the pick is the first message of a sender not seen
 * yet. */
static uint32_t pick_ordered(myl_group_receiver *r, bool give_up, bool *first)
{
    *first = false;
    uint32_t best = UINT32_MAX;
    for (uint32_t i = 0; i < r->g->count; i++) {
        if (!r->held[i])
            continue;
        uint64_t id = r->msg[i].msg_id;
        uint32_t who = (uint32_t)(id >> ID_SHIFT) & (MYL_MAX_PRODUCERS - 1);
        if (r->seen[who] && (id & ID_MASK) == r->expect[who])
            return i;
        if (best == UINT32_MAX || (id & ID_MASK) < (r->msg[best].msg_id & ID_MASK))
            best = i;
    }
    if (best == UINT32_MAX)
        return best;
    uint32_t who = (uint32_t)(r->msg[best].msg_id >> ID_SHIFT) & (MYL_MAX_PRODUCERS - 1);
    /* A sender not seen yet: start from the lowest id it has shown. */
    if (!r->seen[who] || give_up) {
        if (r->seen[who])
            r->order_gaps++;
        *first = !r->seen[who];
        return best;
    }
    return UINT32_MAX;
}

static void deliver(myl_group_receiver *r, uint32_t i, myl_frame_msg *m, uint32_t *ring)
{
    *m = r->msg[i];
    r->held[i] = false;
    r->last = i;
    r->stuck_since = 0; /* what it waited for came, or it gave up on it */
    uint32_t who = (uint32_t)(m->msg_id >> ID_SHIFT) & (MYL_MAX_PRODUCERS - 1);
    r->seen[who] = true;
    r->expect[who] = (m->msg_id + 1) & ID_MASK;
    if (ring)
        *ring = i;
}

int myl_group_recv(myl_group_receiver *r, myl_frame_msg *m, uint32_t *ring, int64_t timeout_ns)
{
    if (!r || !m)
        return MYL_EINVAL;
    if (r->last != UINT32_MAX) {
        myl_defrag_release(r->d[r->last]);
        r->last = UINT32_MAX;
    }
    myl_group *g = r->g;
    /* timeout 0 (a topology endpoint's poll): no clock read */
    uint64_t deadline = timeout_ns == 0 ? 0 : myl__deadline(timeout_ns);
    uint32_t spins = 0, turn = 0;
    for (;;) {
        bool any;
        int err = fill(r, &any);
        if (any) {
            uint32_t i;
            if (g->kind == MYL_GROUP_LANES) {
                i = pick_lane(r);
            } else if (r->flags & MYL_GROUP_ORDERED) {
                /* The wait for a missing id is timed across calls: a
                 * topology endpoint polls with timeout 0, and a clock that
                 * restarted at every call would wait for it forever. */
                uint64_t now = r->stuck_since ? myl__now_ns() : 0;
                bool give_up = r->stuck_since && now - r->stuck_since >= ORDER_WAIT_NS, first;
                i = pick_ordered(r, give_up, &first);
                if (i != UINT32_MAX && first) {
                    /* A sender's first message, seen on one ring while an
                     * earlier one was published on a ring that fill() had
                     * already looked at. Everything that sender published
                     * before it is visible now (the acquire of its
                     * publication, which pairs with the sender's release):
                     * one more look finds the earlier ones. */
                    (void)fill(r, &any); /* an error shows again next turn */
                    i = pick_ordered(r, give_up, &first);
                }
                if (i == UINT32_MAX && !r->stuck_since)
                    r->stuck_since = myl__now_ns();
            } else {
                for (i = 0; i < g->count && !r->held[i]; i++)
                    ;
            }
            if (i != UINT32_MAX) {
                deliver(r, i, m, ring);
                return 0;
            }
        } else if (err) {
            return err;
        }
        int64_t left = timeout_ns == 0 ? 0 : myl__left(deadline);
        if (left == 0)
            return MYL_ETIMEDOUT;
        /* Back off: spin, then yield, then wait on one ring at a time (a
         * futex wait there, and its liveness checks). */
        if (spins < 64) {
            spins++;
            myl__cpu_relax();
        } else if (spins < 128) {
            spins++;
            sched_yield();
        } else {
            uint32_t k = turn++ % g->count;
            if (r->held[k])
                continue;
            int64_t slice = left < 0 || left > 2000000 ? 2000000 : left;
            uint64_t s;
            int64_t n = myl_consumer_poll(r->d[k]->c, 1, &s, slice);
            if (n < 0 && n != MYL_ETIMEDOUT && n != MYL_EOVERRUN && !any)
                return (int)n;
        }
    }
}

myl_framer *myl_group_sender_framer(const myl_group_sender *s, uint32_t i)
{
    return i < s->g->count ? s->f[i] : NULL;
}

uint64_t myl_group_receiver_order_gaps(const myl_group_receiver *r)
{
    return r->order_gaps;
}
