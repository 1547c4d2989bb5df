/* libFuzzer target: the segment header parser and validator.
 *
 * The input is written to a file and attached with MYL_BACKING_FILE, as a
 * segment another (broken or hostile) process left behind. Attach must
 * refuse it with an error or accept it; if it accepts, every call that
 * reads the segment (stats, every consumer entry, a consumer that polls
 * and reads, a producer that claims and publishes, reaping) must behave:
 * no out-of-bounds access, no undefined behaviour, no hang. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz/fuzz_files.h"
#include "myelon/myelon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[128];

static void remove_file(void)
{
    unlink(path);
}

static void exercise(myl_ring *r)
{
    myl_ring_stats st;
    if (myl_ring_stats_get(r, &st) != 0)
        abort();
    for (uint32_t i = 0; i < r->max_consumers; i++) {
        myl_consumer_stats cst;
        if (myl_ring_consumer_stats(r, i, &cst) != 0 || strlen(cst.id) >= MYL_ID_MAX)
            abort();
    }
    myl_consumer *c = NULL;
    myl_consumer_opts co = {.size = sizeof co, .wait = MYL_WAIT_SPIN, .stall_ns = 1};
    if (myl_consumer_open(r, "fuzz", &co, &c) == 0) {
        for (int i = 0; i < 4; i++) {
            uint64_t s;
            int64_t n = myl_consumer_try_poll(c, 4, &s);
            if (n > 0) {
                volatile uint8_t sink = *(const uint8_t *)myl_consumer_slot(c, s + (uint64_t)n - 1);
                (void)sink;
                (void)myl_consumer_valid(c, s);
                myl_consumer_release(c, (uint32_t)n);
            }
        }
        uint64_t s;
        int64_t n = myl_consumer_poll(c, 2, &s, 0);
        if (n > 0)
            myl_consumer_release(c, (uint32_t)n);
        if (r->slot_size <= 4096) {
            static uint8_t buf[2 * 4096];
            (void)myl_consumer_read(c, buf, 2, NULL, 0);
        }
        (void)myl_consumer_take_lost(c);
    }
    myl_producer *p = NULL;
    myl_producer_opts po = {.size = sizeof po, .wait = MYL_WAIT_SPIN};
    if (myl_producer_open(r, &po, &p) == 0) {
        uint64_t s;
        if (myl_producer_try_claim(p, 1, &s) == 0) {
            memset(myl_producer_slot(p, s), 0xab, r->slot_size);
            myl_producer_publish(p, s, 1);
        }
        myl_producer_close(p);
    }
    (void)myl_ring_reap(r);
    myl_consumer_close(c);
}

static void attach_bytes(const uint8_t *data, size_t size)
{
    if (fuzz_write_file(path, data, size) != 0)
        abort();
    myl_ring_opts o = {.size = sizeof o, .backing = MYL_BACKING_FILE, .name = path};
    myl_ring *r = NULL;
    int rc = myl_ring_attach(&o, &r);
    if (rc == 0) {
        exercise(r);
        myl_ring_close(r);
    } else if (r != NULL || rc >= 0 || myl_errname(rc)[0] == 'U') {
        abort(); /* a failure must be a known code, and leave no handle */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) {
        const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(path, sizeof path, "%s/myl-fuzz-segment-%d.seg", dir, (int)getpid());
        atexit(remove_file);
    }
    if (size > (1u << 20)) /* larger inputs add nothing a header parser sees */
        return 0;
    /* The bytes as they are: the checksum, magic, version and state checks. */
    attach_bytes(data, size);
    /* The same bytes with the checksum made right, as a corrupting writer
     * that knows the format would: the structural checks behind it. */
    if (size >= MYL_SEG_HEADER_SIZE) {
        uint8_t *copy = malloc(size);
        memcpy(copy, data, size);
        uint64_t c = fuzz_header_checksum(copy);
        memcpy(copy + offsetof(myl__seg_header, checksum), &c, sizeof c);
        if (memcmp(copy, data, size) != 0)
            attach_bytes(copy, size);
        free(copy);
    }
    return 0;
}
