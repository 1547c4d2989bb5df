/* libFuzzer target: the reassembler (myl_defrag) on frames a hostile or
 * broken producer could publish. The input is a run of frames, each a raw
 * 24-byte header followed by min(len, 40) data bytes; every frame is
 * published as it is and the receiver drained after each.
 *
 * Oracle (independent of how the reassembler works): every message it
 * delivers is a run of consecutive published frames f[j..j+k) of this
 * version with the same message id and kind, FIRST on f[j] and LAST on
 * f[j+k-1] only, indices 0..k-1, total equal to the delivered length on
 * each, the data lengths the split of that total into 40-byte frames, and
 * the delivered bytes their data in order; the runs of successive messages
 * do not overlap, and none is longer than max_message. Sanitizers catch any read outside a frame.
 * myl_defrag_position() after each message is the end of its run. Inputs
 * of odd size are received under myl_defrag_hold(), given back every 16
 * frames: the receiver's entry never moves back, and stays exactly where
 * the last give-back left it until a frame that may begin a message too
 * long to hold (more than half the ring: read in chunks, released as
 * read) comes; even then, no message received since the last give-back
 * goes back to the ring. Such a long message met while something is held
 * is MYL_EHELD: given back at once, the next receive does not say it
 * again.
 *
 * Seeds: tests/frame/corpus, written by tests/frame/make_defrag_seeds.py
 * (well-formed messages of 0 to 200 bytes, interleaved pads, and a few
 * broken sequences).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "myelon/myelon.h"

#define SLOT 64u
#define DATA (SLOT - MYL_FRAME_HDR_SIZE)
#define CAPACITY 64u
#define MAX_MSG (40u * DATA) /* above CAPACITY / 2 frames: chunked */
#define MAX_FRAMES 4096u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static myl_ring *g_ring;
static myl_producer *g_prod;
static char g_name[64];

static void cleanup(void)
{
    myl_producer_close(g_prod);
    myl_ring_close(g_ring);
    myl_ring_unlink(MYL_BACKING_SHM, g_name);
}

static void setup(void)
{
    snprintf(g_name, sizeof g_name, "myl-fuzz-defrag-%d", (int)getpid());
    myl_ring_unlink(MYL_BACKING_SHM, g_name);
    myl_ring_opts o = {.size = sizeof o,
                       .name = g_name,
                       .slot_size = SLOT,
                       .capacity = CAPACITY,
                       .producers = MYL_PRODUCERS_SINGLE,
                       .mode = MYL_MODE_GATED,
                       .wait = MYL_WAIT_YIELD};
    if (myl_ring_create(&o, &g_ring) < 0 || myl_producer_open(g_ring, NULL, &g_prod) < 0)
        abort();
    atexit(cleanup);
}

typedef struct frame {
    myl_frame_hdr h;
    uint8_t data[DATA];
} frame;

static frame g_frames[MAX_FRAMES];

/* Does f[j..j+k) make exactly message m? */
static int run_matches(uint32_t j, uint32_t k, const myl_frame_msg *m)
{
    for (uint32_t i = 0; i < k; i++) {
        const myl_frame_hdr *h = &g_frames[j + i].h;
        uint32_t want_len = (uint32_t)(m->len - (size_t)i * DATA < DATA ? m->len - i * DATA : DATA);
        uint8_t fl = (uint8_t)((i == 0 ? MYL_FRAME_FIRST : 0) | (i + 1 == k ? MYL_FRAME_LAST : 0));
        if (h->version != MYL_FRAME_VERSION || h->msg_id != g_frames[j].h.msg_id ||
            h->kind != m->kind || h->index != i || h->total != m->len || h->len != want_len ||
            h->flags != fl)
            return 0;
        if (want_len && memcmp(g_frames[j + i].data, (const uint8_t *)m->data + (size_t)i * DATA,
                               want_len) != 0)
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_ring)
        setup();
    myl_frame_opts fo = {.size = sizeof fo, .max_message = MAX_MSG};
    myl_defrag *d;
    if (myl_defrag_open(g_ring, "fuzz", NULL, &fo, &d) < 0)
        abort();
    uint32_t n = 0, next = 0; /* frames published; first frame a message may start at */
    size_t at = 0;
    /* Where this receiver starts (it takes no frame published before it
     * opened), the last give-back, and the entry's position. */
    uint64_t base = myl_defrag_position(d), given = base, seen = 0, held_from = UINT64_MAX;
    bool hold = size & 1, chunked = false;
    if (hold && myl_defrag_hold(d, true) < 0)
        abort();
    while (at + MYL_FRAME_HDR_SIZE <= size && n < MAX_FRAMES) {
        frame *f = &g_frames[n];
        memcpy(&f->h, data + at, MYL_FRAME_HDR_SIZE);
        at += MYL_FRAME_HDR_SIZE;
        size_t dl = f->h.len < DATA ? f->h.len : DATA;
        if (dl > size - at)
            dl = size - at;
        memset(f->data, 0, DATA);
        memcpy(f->data, data + at, dl);
        at += dl;
        uint64_t s;
        if (myl_producer_try_claim(g_prod, 1, &s) < 0)
            abort(); /* the receiver drains after every frame */
        uint8_t *slot = myl_producer_slot(g_prod, s);
        memcpy(slot, f, SLOT);
        myl_producer_publish(g_prod, s, 1);
        n++;
        if (f->h.index == 0 && (f->h.flags & MYL_FRAME_FIRST) && f->h.total > (CAPACITY / 2) * DATA)
            chunked = true;
        myl_frame_msg m;
        int r;
        bool was_held = false;
        while ((r = myl_defrag_recv(d, &m, 0)) == 0 || r == MYL_EHELD) {
            if (r == MYL_EHELD) {
                /* only under a hold that holds something, and once */
                if (!hold || was_held)
                    abort();
                was_held = true;
                given = myl_defrag_position(d);
                held_from = UINT64_MAX;
                if (myl_defrag_hold(d, true) < 0)
                    abort();
                continue;
            }
            was_held = false;
            if (m.len > MAX_MSG || (m.len && !m.data))
                abort();
            uint32_t k = m.len ? (uint32_t)((m.len + DATA - 1) / DATA) : 1;
            /* the message ends at or before the frame just published */
            uint32_t j = next;
            while (j + k <= n && !run_matches(j, k, &m))
                j++;
            if (j + k > n)
                abort(); /* delivered something that was not sent whole */
            next = j + k;
            if (myl_defrag_position(d) != base + next)
                abort();
            if (hold && k <= CAPACITY / 2 && held_from == UINT64_MAX)
                held_from = base + j; /* first message held since the give-back */
            myl_defrag_release(d);
        }
        if (hold && n % 16 == 0) {
            given = myl_defrag_position(d);
            held_from = UINT64_MAX;
            if (myl_defrag_hold(d, true) < 0)
                abort();
        }
        myl_consumer_stats cs;
        if (myl_ring_consumer_stats(g_ring, myl_defrag_consumer(d)->idx, &cs) < 0 ||
            cs.seq < seen || cs.seq > base + n)
            abort();
        if (hold && !chunked && cs.seq != given)
            abort(); /* held exactly where the last give-back left it */
        if (hold && cs.seq > held_from)
            abort(); /* a message held, not given back, went back to the ring */
        seen = cs.seq;
    }
    myl_defrag_close(d);
    return 0;
}
