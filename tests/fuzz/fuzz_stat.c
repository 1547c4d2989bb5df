/* libFuzzer target: myelon-stat's reader (tools/stat.c) on a segment and
 * a bridge state object that another (broken or hostile) process left.
 *
 * Input: byte 0 flags (bit 0: make the segment header's checksum right,
 * so that the checks behind it are reached), bytes 1-2 the length B of
 * the bridge state (little endian), then the segment, whose last B bytes
 * (when there are that many) are written instead to the ring's default
 * export state name beside it. Both live in a directory of their own, so
 * that the bridge scan sees only them. The snapshot (mst_snap_one), every
 * rendering of it (table with and without rates, JSON, Prometheus, the
 * list as text and JSON) and the state's own read must behave: no
 * out-of-bounds access, no undefined behaviour, and the strings the
 * renderings print from shared memory printable. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz/fuzz_files.h"
#include "myelon/myelon.h"
#include "stat.h"
#include "state.h" /* bridge/src: the state object's default name */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], seg[128], state[192];

static void remove_files(void)
{
    unlink(state);
    unlink(seg);
    rmdir(dir);
}

static void printable_or_trap(const char *s)
{
    for (; *s; s++)
        if (*s < 0x20 || *s > 0x7e)
            __builtin_trap();
}

static void render(const mst_snaps *s)
{
    FILE *f = fopen("/dev/null", "w");
    if (!f)
        abort();
    for (size_t i = 0; i < s->n; i++) {
        const mst_ring *r = &s->v[i];
        for (uint32_t k = 0; k < r->ncons; k++)
            printable_or_trap(r->cons[k].s.id);
        for (uint32_t k = 0; k < r->nbridge; k++)
            printable_or_trap(r->bridge[k].state);
        printable_or_trap(r->ctl.topology);
        printable_or_trap(r->ctl.instance);
        mst_print_table(f, r, NULL);
        mst_print_table(f, r, r);
    }
    mst_print_json(f, "2026-01-01T00:00:00Z", s->v, s->n, s->v, s->n);
    mst_print_prom(f, s->v, s->n);
    (void)mst_print_list(f, s->v, s->n, false);
    (void)mst_print_list(f, s->v, s->n, true);
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/myl-fuzz-stat-%d", (int)getpid());
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            abort();
        snprintf(seg, sizeof seg, "%s/ring.seg", dir);
        snprintf(state, sizeof state, "%s%s", seg, MYL__BR_SUFFIX_EXPORT);
        atexit(remove_files);
    }
    if (size < 3 || size > (1u << 20))
        return 0;
    uint8_t flags = data[0];
    size_t blen = (size_t)data[1] | (size_t)data[2] << 8;
    data += 3;
    size -= 3;
    size_t slen = blen <= size ? size - blen : size;
    uint8_t *copy = malloc(slen ? slen : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, slen);
    if ((flags & 1) && slen >= MYL_SEG_HEADER_SIZE) {
        uint64_t c = fuzz_header_checksum(copy);
        memcpy(copy + offsetof(myl__seg_header, checksum), &c, sizeof c);
    }
    if (fuzz_write_file(seg, copy, slen) != 0)
        abort();
    free(copy);
    unlink(state);
    if (blen <= size && fuzz_write_file(state, data + slen, blen) != 0)
        abort();

    mst_snaps s = {0};
    (void)mst_snap_one(MYL_BACKING_FILE, seg, &s);
    render(&s);
    mst_snaps_free(&s);
    mst_bridge b;
    if (mst_bridge_read(MYL_BACKING_FILE, state, &b) == 0)
        printable_or_trap(b.state);
    return 0;
}
