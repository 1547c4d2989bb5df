/* Layer 1: fragmentation and reassembly of variable-length messages over a
 * ring of fixed-size frames. See myelon/frame.h for the frame layout. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "myelon/compact.h"
#include "myelon/frame.h"

/* Message ids carry the sending producer's table index in their top byte,
 * so that receivers can follow each producer's sequence of ids. */
#define MSG_ID_SHIFT 56
#define MSG_ID_COUNTER_MASK ((UINT64_C(1) << MSG_ID_SHIFT) - 1)

static uint32_t data_max_of(const myl_ring *r)
{
    return r->slot_size > MYL_FRAME_HDR_SIZE ? r->slot_size - MYL_FRAME_HDR_SIZE : 0;
}

static uint32_t frames_for(uint32_t data_max, uint64_t len)
{
    if (len <= data_max) /* one frame: the common case, without a division */
        return 1;
    return (uint32_t)((len + data_max - 1) / data_max);
}

uint32_t myl_frame_count(const myl_ring *r, size_t len)
{
    uint32_t dm = r ? data_max_of(r) : 0;
    if (dm == 0 || len > UINT32_MAX)
        return 0;
    return frames_for(dm, len);
}

/* The largest message the options allow on this ring, or 0 if invalid. */
static uint64_t max_message_of(const myl_ring *r, const myl_frame_opts *fo)
{
    uint32_t dm = data_max_of(r);
    if (dm == 0)
        return 0;
    uint64_t one_claim = (r->capacity / 2) * (uint64_t)dm;
    uint64_t want = fo && fo->max_message ? fo->max_message : one_claim;
    if (want > UINT32_MAX)
        return 0;
    /* Multi-producer rings claim a message's frames at once, so that no
     * other producer's frames interleave with them. */
    if (r->producer_mode == MYL_PRODUCERS_MULTI && want > one_claim)
        return 0;
    return want;
}

int myl_framer_open(myl_ring *r, const myl_producer_opts *popts, const myl_frame_opts *fopts,
                    myl_framer **out)
{
    if (!out)
        return MYL_EINVAL;
    *out = NULL;
    if (!r)
        return MYL_EINVAL;
    uint64_t max = max_message_of(r, fopts);
    if (max == 0)
        return MYL_EINVAL;
    myl_framer *f = calloc(1, sizeof *f);
    if (!f)
        return -ENOMEM;
    int rc = myl_producer_open(r, popts, &f->p);
    if (rc < 0) {
        free(f);
        return rc;
    }
    f->data_max = data_max_of(r);
    f->max_claim = (uint32_t)(r->capacity / 2);
    f->max_message = max;
    /* Ids continue where the entry's previous producer stopped. */
    f->next_id = ((uint64_t)f->p->idx << MSG_ID_SHIFT) |
                 (myl__load_relaxed(&f->p->ent->next_msg_id) & MSG_ID_COUNTER_MASK);
    *out = f;
    return 0;
}

void myl_framer_close(myl_framer *f)
{
    if (!f)
        return;
    myl_producer_close(f->p);
    free(f);
}

static void write_header(myl_framer *f, uint64_t seq, uint8_t flags, uint16_t kind, uint64_t msg_id,
                         uint32_t total, uint32_t index, uint32_t len)
{
    myl_frame_hdr h = {.len = len,
                       .flags = flags,
                       .version = MYL_FRAME_VERSION,
                       .kind = kind,
                       .msg_id = msg_id,
                       .total = total,
                       .index = index};
    memcpy(myl_producer_slot(f->p, seq), &h, sizeof h);
}

/* Frame i of a message of total bytes: its data length and flags. */
static uint32_t frame_len(const myl_framer *f, uint32_t total, uint32_t i)
{
    uint64_t off = (uint64_t)i * f->data_max;
    uint64_t left = total > off ? total - off : 0;
    return left < f->data_max ? (uint32_t)left : f->data_max;
}

static uint8_t frame_flags(uint32_t i, uint32_t frames)
{
    return (uint8_t)((i == 0 ? MYL_FRAME_FIRST : 0) | (i + 1 == frames ? MYL_FRAME_LAST : 0));
}

/* n frames' slots: the inline claim, and the waiting one only when the
 * ring is full. */
static inline int claim_slots(myl_framer *f, uint32_t n, uint64_t *s, int64_t timeout_ns)
{
    int rc = myl_producer_try_claim(f->p, n, s);
    return rc == MYL_EAGAIN ? myl_producer_claim(f->p, n, s, timeout_ns) : rc;
}

static uint64_t take_id(myl_framer *f)
{
    uint64_t id = f->next_id;
    f->next_id = (f->next_id & ~MSG_ID_COUNTER_MASK) | ((f->next_id + 1) & MSG_ID_COUNTER_MASK);
    /* Relaxed: read only by the next producer to open this entry. */
    myl__store_relaxed(&f->p->ent->next_msg_id, f->next_id & MSG_ID_COUNTER_MASK);
    return id;
}

int myl_frame_send(myl_framer *f, const void *msg, size_t len, uint16_t kind, int64_t timeout_ns)
{
    if (!f || (!msg && len))
        return MYL_EINVAL;
    if (len > f->max_message)
        return MYL_ETOOBIG;
    return myl__frame_send_id(f, msg, len, kind, take_id(f), timeout_ns);
}

/* The bytes of a message in several pieces (myl_frame_send_ext), read in
 * order: the pieces of msg between the runs, and the runs. */
typedef struct gather {
    const uint8_t *msg;
    size_t len;
    const myl_ext *ext;
    size_t next;
    bool holes;
    size_t pos; /* in msg */
    size_t i;   /* the next run */
    size_t off; /* in run i, once pos has reached it */
} gather;

static void gather_copy(gather *g, uint8_t *dst, size_t n)
{
    while (n) {
        if (g->i < g->next && g->pos == g->ext[g->i].at) {
            const myl_ext *x = &g->ext[g->i];
            size_t k = x->n - g->off < n ? x->n - g->off : n;
            if (k)
                memcpy(dst, (const uint8_t *)x->p + g->off, k);
            dst += k;
            n -= k;
            g->off += k;
            if (g->off == x->n) {
                g->i++;
                g->off = 0;
                if (g->holes)
                    g->pos += x->n;
            }
            continue;
        }
        size_t stop = g->i < g->next ? g->ext[g->i].at : g->len;
        size_t k = stop - g->pos < n ? stop - g->pos : n;
        memcpy(dst, g->msg + g->pos, k);
        dst += k;
        n -= k;
        g->pos += k;
    }
}

/* Copies the message's len bytes from src, or from g (src NULL). */
static int send_frames(myl_framer *f, const uint8_t *src, gather *g, size_t len, uint16_t kind,
                       uint64_t id, int64_t timeout_ns)
{
    if (len > f->max_message)
        return MYL_ETOOBIG;
    uint32_t total = (uint32_t)len;
    uint32_t frames = frames_for(f->data_max, total);
    if (frames == 1) { /* the common case, without the loop's arithmetic */
        uint64_t s;
        int rc = claim_slots(f, 1, &s, timeout_ns);
        if (rc < 0)
            return rc;
        write_header(f, s, MYL_FRAME_FIRST | MYL_FRAME_LAST, kind, id, total, 0, total);
        uint8_t *dst = (uint8_t *)myl_producer_slot(f->p, s) + MYL_FRAME_HDR_SIZE;
        if (src && total)
            memcpy(dst, src, total);
        else if (total)
            gather_copy(g, dst, total);
        myl_producer_publish(f->p, s, 1);
        return 0;
    }
    /* The clock is read only if a claim has to wait. */
    uint64_t deadline = 0;
    /* Single-producer rings send long messages in chunks of half a ring;
     * if a later chunk cannot be claimed in time the receivers drop the
     * partial message (counted), as they would after a crash. */
    for (uint32_t i = 0; i < frames;) {
        uint32_t chunk = frames - i < f->max_claim ? frames - i : f->max_claim;
        uint64_t s;
        int rc = myl_producer_try_claim(f->p, chunk, &s);
        if (rc == MYL_EAGAIN) {
            if (!deadline)
                deadline = myl__deadline(timeout_ns);
            rc = myl_producer_claim(f->p, chunk, &s, myl__left(deadline));
        }
        if (rc < 0)
            return rc;
        for (uint32_t k = 0; k < chunk; k++, i++) {
            uint32_t fl = frame_len(f, total, i);
            write_header(f, s + k, frame_flags(i, frames), kind, id, total, i, fl);
            uint8_t *dst = (uint8_t *)myl_producer_slot(f->p, s + k) + MYL_FRAME_HDR_SIZE;
            if (!fl)
                continue;
            if (src)
                memcpy(dst, src + (size_t)i * f->data_max, fl);
            else
                gather_copy(g, dst, fl);
        }
        myl_producer_publish(f->p, s, chunk);
    }
    return 0;
}

int myl__frame_send_id(myl_framer *f, const void *msg, size_t len, uint16_t kind, uint64_t id,
                       int64_t timeout_ns)
{
    return send_frames(f, msg, NULL, len, kind, id, timeout_ns);
}

int myl__frame_ext_total(const void *msg, size_t len, const myl_ext *ext, size_t next,
                         unsigned flags, size_t *total)
{
    if ((!msg && len) || (!ext && next) || (flags & ~MYL_FRAME_EXT_HOLES))
        return MYL_EINVAL;
    bool holes = flags & MYL_FRAME_EXT_HOLES;
    /* in order, in bounds, not overlapping; the total without overflow */
    size_t t = len, from = 0;
    for (size_t i = 0; i < next; i++) {
        const myl_ext *x = &ext[i];
        if (x->at < from || x->at > len || (!x->p && x->n))
            return MYL_EINVAL;
        if (holes) {
            if (x->n > len - x->at)
                return MYL_EINVAL;
            from = x->at + x->n;
        } else {
            if (x->n > SIZE_MAX - t)
                return MYL_ETOOBIG;
            t += x->n;
            from = x->at;
        }
    }
    *total = t;
    return 0;
}

int myl__frame_send_ext_id(myl_framer *f, const void *msg, size_t len, const myl_ext *ext,
                           size_t next, unsigned flags, size_t total, uint16_t kind, uint64_t id,
                           int64_t timeout_ns)
{
    if (next == 0)
        return myl__frame_send_id(f, msg, len, kind, id, timeout_ns);
    gather g = {
        .msg = msg, .len = len, .ext = ext, .next = next, .holes = flags & MYL_FRAME_EXT_HOLES};
    return send_frames(f, NULL, &g, total, kind, id, timeout_ns);
}

int myl_frame_send_ext(myl_framer *f, const void *msg, size_t len, const myl_ext *ext, size_t next,
                       unsigned flags, uint16_t kind, int64_t timeout_ns)
{
    size_t total;
    if (!f)
        return MYL_EINVAL;
    int rc = myl__frame_ext_total(msg, len, ext, next, flags, &total);
    if (rc < 0)
        return rc;
    if (total > f->max_message)
        return MYL_ETOOBIG;
    return myl__frame_send_ext_id(f, msg, len, ext, next, flags, total, kind, take_id(f),
                                  timeout_ns);
}

/* Claims the frames of a len-byte message (their headers are written at
 * the commit); the id is the framer's next (take) or the caller's (a
 * group's). */
static int claim(myl_framer *f, size_t len, uint16_t kind, bool take, uint64_t id,
                 myl_frame_span *c, int64_t timeout_ns)
{
    if (!f || !c)
        return MYL_EINVAL;
    if (len > f->max_message)
        return MYL_ETOOBIG;
    uint32_t frames = frames_for(f->data_max, len);
    if (frames > f->max_claim)
        return MYL_ETOOBIG; /* in-place messages are claimed at once */
    uint64_t s;
    int rc = claim_slots(f, frames, &s, timeout_ns);
    if (rc < 0)
        return rc;
    *c = (myl_frame_span){.seq = s,
                          .frames = frames,
                          .len = (uint32_t)len,
                          .msg_id = take ? take_id(f) : id,
                          .kind = kind};
    /* The headers are written at the commit, just before the stamps: a
     * receiver waiting for the first frame polls its stamp, in the line
     * the header shares, and a header written now would take that line
     * from it twice (here and at the commit) while the caller builds. */
    return 0;
}

/* The headers of a claimed message of len (<= the claimed) bytes, at the
 * commit; frames the message does not need become padding. */
static void write_all_headers(myl_framer *f, const myl_frame_span *c, uint32_t len)
{
    uint32_t frames = frames_for(f->data_max, len);
    for (uint32_t i = 0; i < frames; i++)
        write_header(f, c->seq + i, frame_flags(i, frames), c->kind, c->msg_id, len, i,
                     frame_len(f, len, i));
    for (uint32_t i = frames; i < c->frames; i++)
        write_header(f, c->seq + i, MYL_FRAME_PAD, 0, c->msg_id, 0, 0, 0);
}

/* write_all_headers(), with the common case inline: one frame. */
static inline void write_headers(myl_framer *f, const myl_frame_span *c, uint32_t len)
{
    if (c->frames == 1 && len <= f->data_max)
        write_header(f, c->seq, MYL_FRAME_FIRST | MYL_FRAME_LAST, c->kind, c->msg_id, len, 0, len);
    else
        write_all_headers(f, c, len);
}

int myl_frame_claim(myl_framer *f, size_t len, uint16_t kind, myl_frame_span *c, int64_t timeout_ns)
{
    return claim(f, len, kind, true, 0, c, timeout_ns);
}

int myl__frame_claim_id(myl_framer *f, size_t len, uint16_t kind, uint64_t id, myl_frame_span *c,
                        int64_t timeout_ns)
{
    return claim(f, len, kind, false, id, c, timeout_ns);
}

void *myl_frame_claim_data(const myl_framer *f, const myl_frame_span *c, uint32_t i, uint32_t *len)
{
    if (!f || !c || i >= c->frames)
        return NULL;
    if (len)
        *len = frame_len(f, c->len, i);
    return (uint8_t *)myl_producer_slot(f->p, c->seq + i) + MYL_FRAME_HDR_SIZE;
}

/* claim() for a message of one frame, with that frame's data. */
static inline int claim_one(myl_framer *f, size_t len, uint16_t kind, bool take, uint64_t id,
                            myl_frame_span *c, void **data, int64_t timeout_ns)
{
    if (!f || !c || !data)
        return MYL_EINVAL;
    if (len > f->data_max || len > f->max_message)
        return MYL_ETOOBIG;
    uint64_t s;
    int rc = claim_slots(f, 1, &s, timeout_ns);
    if (rc < 0)
        return rc;
    *c = (myl_frame_span){.seq = s,
                          .frames = 1,
                          .len = (uint32_t)len,
                          .msg_id = take ? take_id(f) : id,
                          .kind = kind};
    *data = (uint8_t *)myl_producer_slot(f->p, s) + MYL_FRAME_HDR_SIZE;
    return 0;
}

int myl_frame_claim_one(myl_framer *f, size_t len, uint16_t kind, myl_frame_span *c, void **data,
                        int64_t timeout_ns)
{
    return claim_one(f, len, kind, true, 0, c, data, timeout_ns);
}

int myl__frame_claim_one_id(myl_framer *f, size_t len, uint16_t kind, uint64_t id,
                            myl_frame_span *c, void **data, int64_t timeout_ns)
{
    return claim_one(f, len, kind, false, id, c, data, timeout_ns);
}

void myl_frame_commit(myl_framer *f, const myl_frame_span *c)
{
    write_headers(f, c, c->len);
    myl_producer_publish(f->p, c->seq, c->frames);
}

int myl_frame_commit_len(myl_framer *f, myl_frame_span *c, size_t len)
{
    if (!f || !c)
        return MYL_EINVAL;
    if (len > c->len) {
        myl_frame_abort(f, c);
        return MYL_EINVAL;
    }
    c->len = (uint32_t)len;
    write_headers(f, c, c->len);
    myl_producer_publish(f->p, c->seq, c->frames);
    return 0;
}

void myl__frame_pad(myl_framer *f, const myl_frame_span *c)
{
    for (uint32_t i = 0; i < c->frames; i++)
        write_header(f, c->seq + i, MYL_FRAME_PAD, 0, c->msg_id, 0, 0, 0);
    myl_producer_publish(f->p, c->seq, c->frames);
}

void myl_frame_abort(myl_framer *f, const myl_frame_span *c)
{
    /* The message id goes back when it was the last one taken, so that the
     * next message reuses it: receivers skip the padding without noting
     * its id, and see no gap (an abort followed by a send, the fallback of
     * an encoder whose message outgrew the frame, is not a lost message). */
    uint64_t after = (c->msg_id & ~MSG_ID_COUNTER_MASK) | ((c->msg_id + 1) & MSG_ID_COUNTER_MASK);
    if (f->next_id == after) {
        f->next_id = c->msg_id;
        /* Relaxed: read only by the next producer to open this entry. */
        myl__store_relaxed(&f->p->ent->next_msg_id, f->next_id & MSG_ID_COUNTER_MASK);
    }
    myl__frame_pad(f, c);
}

/* ---- receiving ---- */

int myl_defrag_open(myl_ring *r, const char *id, const myl_consumer_opts *copts,
                    const myl_frame_opts *fopts, myl_defrag **out)
{
    if (!out)
        return MYL_EINVAL;
    *out = NULL;
    if (!r)
        return MYL_EINVAL;
    uint64_t max = max_message_of(r, fopts);
    if (max == 0)
        return MYL_EINVAL;
    myl_defrag *d = calloc(1, sizeof *d);
    if (!d)
        return -ENOMEM;
    d->buf = malloc(max ? (size_t)max : 1);
    if (!d->buf) {
        free(d);
        return -ENOMEM;
    }
    int rc = myl_consumer_open(r, id, copts, &d->c);
    if (rc < 0) {
        free(d->buf);
        free(d);
        return rc;
    }
    d->data_max = data_max_of(r);
    d->max_message = max;
    d->copy = copts && (copts->flags & MYL_CONSUMER_COPY);
    d->lend = !d->copy && !d->c->lossy;
    d->dropped = myl__load_relaxed(&d->c->ent->dropped);
    d->bad_frames = myl__load_relaxed(&d->c->ent->bad_frames);
    *out = d;
    return 0;
}

void myl_defrag_close(myl_defrag *d)
{
    if (!d)
        return;
    myl_consumer_close(d->c);
    free(d->buf);
    free(d);
}

void myl_defrag_detach(myl_defrag *d)
{
    if (!d)
        return;
    myl_consumer_detach(d->c);
    free(d->buf);
    free(d);
}

static void count_dropped(myl_defrag *d)
{
    if (!d->in_msg)
        return;
    d->in_msg = false;
    d->dropped++;
    myl__store_relaxed(&d->c->ent->dropped, d->dropped);
}

static void count_bad(myl_defrag *d)
{
    d->bad_frames++;
    myl__store_relaxed(&d->c->ent->bad_frames, d->bad_frames);
    count_dropped(d);
}

/* Under a hold, the entry may have moved past batch_start while nothing
 * was held (a slot of a dead producer skipped, mark_skipped): the hold
 * goes on from there, never back (a producer that saw it may have
 * reused the slot). */
static inline void batch_sync(myl_defrag *d)
{
    /* Our own entry: only this consumer writes its seq. */
    uint64_t seq = myl__load_relaxed(&d->c->ent->seq);
    if (seq > d->batch_start)
        d->batch_start = seq;
}

/* Done with n frames read: released, or under myl_defrag_hold() kept
 * from batch_start. */
static inline void give_back(myl_defrag *d, uint32_t n)
{
    if (d->batch) {
        batch_sync(d);
        myl__consumer_hold(d->c, n, d->batch_start);
    } else {
        myl_consumer_release(d->c, n);
    }
}

/* myl_defrag_release(), inline in myl_defrag_recv(). */
static inline void release_pending(myl_defrag *d)
{
    if (d->pending) {
        give_back(d, d->pending);
        d->pending = 0;
    }
    /* Frames of a copied message, held since they were read: released
     * with the message (delivered, or dropped for a new one), never while
     * it is still being put together; holding them again would move the
     * entry's seq back (and the producer's gate with it). Under a batch
     * hold they stay held from batch_start. */
    if (d->held && !d->in_msg) {
        if (!d->batch)
            myl__consumer_hold(d->c, 0, d->c->next);
        d->held = false;
    }
    d->kept = false;
}

void myl_defrag_release(myl_defrag *d)
{
    if (d)
        release_pending(d);
}

/* Where the next message received begins: after the last one received,
 * or at the first frame of the one being put together. */
static uint64_t next_start(const myl_defrag *d)
{
    return d->in_msg ? d->msg_start : d->c->next + d->pending;
}

uint64_t myl_defrag_position(const myl_defrag *d)
{
    return d ? next_start(d) : 0;
}

int myl_defrag_hold(myl_defrag *d, bool on)
{
    if (!d || (on && d->c->lossy))
        return MYL_EINVAL;
    /* A message lent and not yet released is neither given back nor
     * before the new hold's start (its frame is not read yet), nor is a
     * copied one (received, or being put together: held from its first
     * frame), unless it is one too long to hold (released as read). */
    uint64_t to = (d->in_msg && d->hold) || d->kept ? d->msg_start : d->c->next;
    if (d->batch) {
        batch_sync(d);
        if (to < d->batch_start)
            to = d->batch_start; /* never back */
        myl__consumer_hold(d->c, 0, to);
    }
    d->batch = on;
    d->batch_start = on ? to : 0;
    return 0;
}

/* Is h a well-formed frame for this ring (on its own)? */
static bool frame_ok(const myl_defrag *d, const myl_frame_hdr *h)
{
    if (h->version != MYL_FRAME_VERSION || (h->flags & ~7u) || h->len > d->data_max)
        return false;
    if (h->flags & MYL_FRAME_PAD)
        return true;
    if (h->total > d->max_message)
        return false;
    uint32_t frames = frames_for(d->data_max, h->total);
    if (h->index >= frames)
        return false;
    bool first = h->index == 0, last = h->index + 1 == frames;
    if (first != !!(h->flags & MYL_FRAME_FIRST) || last != !!(h->flags & MYL_FRAME_LAST))
        return false;
    /* Every frame but the last is full; the last holds the rest. */
    uint64_t expect = last ? h->total - (uint64_t)h->index * d->data_max : d->data_max;
    return h->len == expect;
}

/* A whole message in one frame (FIRST | LAST, index 0, len == total): the
 * common case, which frame_ok() accepts, checked in fewer steps. */
static bool one_frame_ok(const myl_defrag *d, const myl_frame_hdr *h)
{
    return h->flags == (MYL_FRAME_FIRST | MYL_FRAME_LAST) && h->version == MYL_FRAME_VERSION &&
           h->index == 0 && h->len == h->total && h->len <= d->data_max &&
           h->total <= d->max_message;
}

static void note_id(myl_defrag *d, uint64_t id)
{
    if (d->have_id && id != d->expect_id && (id >> MSG_ID_SHIFT) == (d->expect_id >> MSG_ID_SHIFT))
        d->id_gaps++;
    d->have_id = true;
    d->expect_id = (id & ~MSG_ID_COUNTER_MASK) | ((id + 1) & MSG_ID_COUNTER_MASK);
}

/* One frame: lend it in place until release. */
static inline void lend(myl_defrag *d, myl_frame_msg *m, const uint8_t *slot,
                        const myl_frame_hdr *h)
{
    m->data = slot + MYL_FRAME_HDR_SIZE;
    m->len = h->len;
    m->msg_id = h->msg_id;
    m->kind = h->kind;
    m->borrowed = true;
    d->pending = 1;
}

int myl_defrag_recv(myl_defrag *d, myl_frame_msg *m, int64_t timeout_ns)
{
    if (!d || !m)
        return MYL_EINVAL;
    release_pending(d);
    myl_consumer *c = d->c;
    uint64_t s;
    if (d->lend && !d->in_msg && myl_consumer_try_poll(c, 1, &s) == 1) {
        /* The common case, without the loop: a whole message in one frame,
         * there already, lent in place until release. Anything else is
         * polled again (the same frame) and taken apart by the loop. */
        const uint8_t *slot = myl_consumer_slot(c, s);
        myl_frame_hdr h;
        memcpy(&h, slot, sizeof h);
        if (one_frame_ok(d, &h)) {
            if (!d->group)
                note_id(d, h.msg_id);
            lend(d, m, slot, &h);
            return 0;
        }
    }
    uint64_t deadline = 0; /* read the clock only if we have to wait */
    for (;;) {
        int64_t n = myl_consumer_try_poll(c, 1, &s);
        if (n == MYL_EAGAIN && timeout_ns == 0) {
            n = myl_consumer_poll(c, 1, &s, 0); /* no clock read */
        } else if (n == MYL_EAGAIN) {
            if (!deadline)
                deadline = myl__deadline(timeout_ns);
            n = myl_consumer_poll(c, 1, &s, myl__left(deadline));
        }
        if (n == MYL_EOVERRUN) {
            count_dropped(d); /* frames of it were lost */
            continue;
        }
        if (n < 0)
            return (int)n;
        const uint8_t *slot = myl_consumer_slot(c, s);
        myl_frame_hdr h;
        memcpy(&h, slot, sizeof h);
        if (c->lossy && !myl_consumer_valid(c, s)) {
            myl_consumer_release(c, 1); /* overwritten: the next poll reports it */
            continue;
        }
        if (!one_frame_ok(d, &h) && !frame_ok(d, &h)) {
            give_back(d, 1);
            count_bad(d);
            continue;
        }
        if (h.flags & MYL_FRAME_PAD) {
            /* Our senders never pad inside their own message: padding
             * there (after a sender that died mid-message, from the one
             * that took its place, or from a broken sender) ends the
             * message being put together, dropped. Kept, it would
             * be delivered from frames that do not follow each other, and
             * holding its frames again after the release would take the
             * producer's gate back. */
            give_back(d, 1);
            count_dropped(d);
            continue;
        }
        if (h.index == 0) {
            count_dropped(d); /* a new message while one was incomplete */
            bool hold = !c->lossy && frames_for(d->data_max, h.total) <= c->ring->capacity / 2;
            /* A message too long to hold is released as it is read, and
             * everything before it with it: under a batch hold, it waits
             * until the batch has been given back (MYL_EHELD; not read:
             * the same frame comes first again). */
            if (!hold && d->batch) {
                batch_sync(d);
                if (d->batch_start != s)
                    return MYL_EHELD;
            }
            if (!d->group)
                note_id(d, h.msg_id);
            if (h.flags & MYL_FRAME_LAST && d->lend) {
                lend(d, m, slot, &h);
                return 0;
            }
            d->in_msg = true;
            d->msg_start = s;
            d->hold = hold;
            d->msg_id = h.msg_id;
            d->total = h.total;
            d->kind = h.kind;
            d->next_index = 0;
            d->filled = 0;
        } else if (!d->in_msg || h.msg_id != d->msg_id || h.index != d->next_index ||
                   h.total != d->total || h.kind != d->kind) {
            /* A continuation that does not continue anything we hold. */
            give_back(d, 1);
            count_bad(d);
            continue;
        }
        memcpy(d->buf + d->filled, slot + MYL_FRAME_HDR_SIZE, h.len);
        if (c->lossy && !myl_consumer_valid(c, s)) {
            myl_consumer_release(c, 1);
            count_dropped(d);
            continue;
        }
        /* Held until the message is released (lossy rings keep nothing
         * for a restart: released at once, as are chunked messages). */
        if (d->hold) {
            if (d->batch)
                batch_sync(d);
            myl__consumer_hold(c, 1, d->batch ? d->batch_start : d->msg_start);
            d->held = true;
        } else {
            myl_consumer_release(c, 1);
            if (d->batch) /* nothing else held: see MYL_EHELD above */
                d->batch_start = c->next;
        }
        d->filled += h.len;
        d->next_index++;
        if (h.flags & MYL_FRAME_LAST) {
            d->in_msg = false;
            d->kept = d->hold;
            m->data = d->buf;
            m->len = d->filled;
            m->msg_id = d->msg_id;
            m->kind = d->kind;
            m->borrowed = false;
            return 0;
        }
    }
}

void myl_defrag_stats_get(const myl_defrag *d, myl_defrag_stats *out)
{
    out->dropped = d->dropped;
    out->bad_frames = d->bad_frames;
    out->id_gaps = d->id_gaps;
}

myl_producer *myl_framer_producer(const myl_framer *f)
{
    return f->p;
}

myl_consumer *myl_defrag_consumer(const myl_defrag *d)
{
    return d->c;
}

uint64_t myl_framer_next_id(const myl_framer *f)
{
    return f->next_id;
}
