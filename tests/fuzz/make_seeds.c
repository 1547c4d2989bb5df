/* Makes the seed corpus of fuzz_segment: valid segments of several
 * configurations, small (a few slots), with registered peers, events and
 * the odd stamp, written through the runtime itself.
 *
 *   fuzz_make_seeds <dir>          write the seeds into dir
 *   fuzz_make_seeds --check <dir>  exit 1 unless dir holds exactly them
 *
 * Everything that depends on the run (pids, start times, clocks, the path
 * the segment was created under) is replaced by fixed values and the
 * header checksum recomputed, so the seeds are the same bytes every time.
 * Peers get a pid that no process can have (dead peers, on any machine). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "myelon/myelon.h"

#define DEAD_PID INT32_MAX

struct seed {
    const char *name;
    uint32_t producers, mode, wait, slot_size, max_consumers, max_producers;
    uint64_t capacity, fingerprint;
    int events;   /* published */
    int consumed; /* by a registered consumer */
    int claimed;  /* claimed, never published (MP: a CLAIM mark) */
    bool shutdown;
    bool asym; /* MYL_HDR_ASYM_FENCE, whatever this machine's membarrier */
};

static const struct seed seeds[] = {
    {"sp-gated-empty", MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, MYL_WAIT_HYBRID, 8, 1, 1, 2, 0, 0, 0,
     0, false, false},
    {"sp-gated-busy", MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, MYL_WAIT_BLOCK, 56, 2, 1, 16,
     0x0123456789abcdefu, 11, 4, 0, false, false},
    {"sp-lossy-lapped", MYL_PRODUCERS_SINGLE, MYL_MODE_LOSSY, MYL_WAIT_SPIN, 1, 1, 1, 4, 0, 10, 0,
     0, false, false},
    {"mp-gated-claimed", MYL_PRODUCERS_MULTI, MYL_MODE_GATED, MYL_WAIT_YIELD, 24, 3, 3, 8, 42, 5, 2,
     2, false, false},
    {"mp-gated-full", MYL_PRODUCERS_MULTI, MYL_MODE_GATED, MYL_WAIT_HYBRID, 100, 4, 2, 4, 7, 3, 0,
     1, false, false},
    {"sp-gated-shutdown", MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, MYL_WAIT_HYBRID, 16, 2, 1, 8, 0, 3,
     1, 0, true, false},
    {"sp-gated-asym", MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, MYL_WAIT_BLOCK, 8, 2, 1, 8, 0, 5, 2, 0,
     false, true},
};

static uint64_t checksum(const uint8_t *hdr)
{
    uint8_t buf[offsetof(myl__seg_header, checksum)];
    memcpy(buf, hdr, sizeof buf);
    memset(buf + offsetof(myl__seg_header, state), 0, sizeof(uint32_t));
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < sizeof buf; i++) {
        h ^= buf[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

/* Build one seed; returns a malloc'ed image of *len bytes, or NULL. */
static uint8_t *build(const struct seed *sd, size_t *len)
{
    char path[128];
    snprintf(path, sizeof path, "/tmp/myl-seed-%d-%s.seg", (int)getpid(), sd->name);
    unlink(path);
    myl_ring_opts o = {.size = sizeof o,
                       .backing = MYL_BACKING_FILE,
                       .name = path,
                       .fingerprint = sd->fingerprint,
                       .slot_size = sd->slot_size,
                       .producers = sd->producers,
                       .capacity = sd->capacity,
                       .mode = sd->mode,
                       .wait = sd->wait,
                       .max_consumers = sd->max_consumers,
                       .max_producers = sd->max_producers};
    myl_ring *r;
    int rc = myl_ring_create(&o, &r);
    if (rc != 0) {
        fprintf(stderr, "%s: create: %s\n", sd->name, myl_strerror(rc));
        return NULL;
    }
    myl_producer *p;
    myl_consumer *c = NULL;
    if (myl_producer_open(r, NULL, &p) != 0)
        goto fail;
    if (myl_consumer_open(r, "seed-consumer", NULL, &c) != 0)
        goto fail;
    uint8_t *ev = calloc(1, sd->slot_size);
    for (int i = 0; i < sd->events; i++) {
        memset(ev, 'a' + i, sd->slot_size);
        if (myl_producer_try_send(p, ev) != 0) {
            free(ev);
            goto fail;
        }
    }
    free(ev);
    for (int k = 0; k < sd->consumed;) {
        uint64_t s;
        int64_t n = myl_consumer_try_poll(c, (uint32_t)(sd->consumed - k), &s);
        if (n <= 0)
            break;
        myl_consumer_release(c, (uint32_t)n);
        k += (int)n;
    }
    if (sd->claimed > 0) {
        uint64_t s;
        if (myl_producer_try_claim(p, (uint32_t)sd->claimed, &s) != 0)
            goto fail;
    }
    if (sd->shutdown)
        myl_ring_shutdown(r);

    /* Make the bytes independent of this run (and of whether this machine
     * has membarrier, which decides the flag at creation). */
    myl__seg_header *h = r->hdr;
    h->flags = sd->asym ? MYL_HDR_ASYM_FENCE : 0;
    h->creator_pid = DEAD_PID;
    h->creator_start_time = 0;
    h->created_realtime_ns = 0;
    memset(h->label, 0, sizeof h->label);
    snprintf(h->label, sizeof h->label, "seed-%s", sd->name);
    for (uint32_t i = 0; i < r->max_producers; i++) {
        r->producers[i].pid = r->producers[i].pid ? DEAD_PID : 0;
        r->producers[i].start_time = 0;
        r->producers[i].heartbeat_ns = 0;
    }
    for (uint32_t i = 0; i < r->max_consumers; i++) {
        r->consumers[i].pid = r->consumers[i].pid ? DEAD_PID : 0;
        r->consumers[i].start_time = 0;
        r->consumers[i].heartbeat_ns = 0;
    }
    h->checksum = checksum(r->base);
    *len = r->map_size;
    uint8_t *img = malloc(*len);
    memcpy(img, r->base, *len);
    free(p); /* not closed: the entries stay registered, as in a crash */
    free(c);
    myl_ring_close(r);
    unlink(path);
    return img;

fail:
    fprintf(stderr, "%s: could not build\n", sd->name);
    myl_ring_close(r);
    unlink(path);
    return NULL;
}

int main(int argc, char **argv)
{
    bool check = argc == 3 && strcmp(argv[1], "--check") == 0;
    if (argc != 2 && !check) {
        fprintf(stderr, "usage: %s [--check] <dir>\n", argv[0]);
        return 2;
    }
    const char *dir = argv[argc - 1];
    int bad = 0;
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        size_t len = 0;
        uint8_t *img = build(&seeds[i], &len);
        if (!img)
            return 1;
        char file[512];
        snprintf(file, sizeof file, "%s/%s.seg", dir, seeds[i].name);
        if (check) {
            FILE *f = fopen(file, "rb");
            uint8_t *have = malloc(len + 1);
            size_t n = f ? fread(have, 1, len + 1, f) : 0;
            if (f)
                fclose(f);
            if (n != len || memcmp(have, img, len) != 0) {
                fprintf(stderr, "%s differs from what %s makes (regenerate: %s %s)\n", file,
                        argv[0], argv[0], dir);
                bad++;
            }
            free(have);
        } else {
            FILE *f = fopen(file, "wb");
            if (!f || fwrite(img, 1, len, f) != len || fclose(f) != 0) {
                perror(file);
                return 1;
            }
            printf("%s (%zu bytes)\n", file, len);
        }
        free(img);
    }
    return bad ? 1 : 0;
}
