/* Hostile segments: a valid segment is written out, corrupted, and
 * attached. Each corruption must give its specific error, never a crash or
 * a hang (the build under ASan+UBSan makes "never a crash" strict). When a
 * corrupted segment still attaches (the part that was hit is not
 * validated), every call that reads the segment is exercised on it.
 *
 * The header checksum is recomputed after a corruption where the test
 * means to reach the structural checks behind it. */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "unit_util.h"

#define HDR(field) offsetof(myl__seg_header, field)

/* ---- images ---- */

struct image {
    uint8_t *buf;
    size_t len;
};

/* A valid segment's bytes, optionally with a producer, consumers and a few
 * events, so that the tables are not empty. */
static struct image make_image(uint32_t producers, uint32_t mode, uint64_t cap, bool busy)
{
    myl_ring_opts o = myl_ut_opts("img", MYL_BACKING_FILE);
    o.producers = producers;
    o.mode = mode;
    o.capacity = cap;
    o.max_consumers = 4;
    o.fingerprint = 0x1122334455667788u;
    myl_ring *r = myl_ut_create(&o);
    if (busy) {
        myl_producer *p;
        myl_consumer *c;
        assert_int_equal(myl_producer_open(r, NULL, &p), 0);
        assert_int_equal(myl_consumer_open(r, "img-consumer", NULL, &c), 0);
        uint8_t ev[24];
        for (int i = 0; i < 5; i++) {
            memset(ev, i, sizeof ev);
            assert_int_equal(myl_producer_try_send(p, ev), 0);
        }
        uint64_t s;
        assert_int_equal(myl_consumer_try_poll(c, 2, &s), 2);
        myl_consumer_release(c, 2);
        /* Leave both registered: the entries are ACTIVE in the image and
         * belong to this (live) process. */
        free(p);
        free(c);
    }
    struct image im = {malloc(r->map_size), r->map_size};
    memcpy(im.buf, r->base, im.len);
    myl_ut_destroy(r, &o);
    return im;
}

static void put32(struct image *im, size_t off, uint32_t v)
{
    memcpy(im->buf + off, &v, sizeof v);
}

static void put64(struct image *im, size_t off, uint64_t v)
{
    memcpy(im->buf + off, &v, sizeof v);
}

static uint64_t get64(const struct image *im, size_t off)
{
    uint64_t v;
    memcpy(&v, im->buf + off, sizeof v);
    return v;
}

/* Write len bytes of an image as a segment named name. */
static void write_segment(uint32_t backing, const char *name, const uint8_t *buf, size_t len)
{
    int fd;
    if (backing == MYL_BACKING_FILE) {
        fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
    } else {
        char shm[300];
        assert_true(myl_shm_name(name, shm, sizeof shm) > 0);
        fd = shm_open(shm, O_RDWR | O_CREAT, 0600);
        if (fd >= 0)
            assert_int_equal(ftruncate(fd, 0), 0);
    }
    assert_true(fd >= 0);
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, buf + off, len - off);
        assert_true(n > 0);
        off += (size_t)n;
    }
    close(fd);
}

/* Every call that reads a segment, on one that attached. Results are free
 * (the segment is garbage); what matters is that each returns. */
static void exercise(myl_ring *r)
{
    myl_ring_stats st;
    assert_int_equal(myl_ring_stats_get(r, &st), 0);
    assert_int_equal(st.capacity, r->capacity);
    for (uint32_t i = 0; i < r->max_consumers; i++) {
        myl_consumer_stats cst;
        assert_int_equal(myl_ring_consumer_stats(r, i, &cst), 0);
        assert_true(strlen(cst.id) < MYL_ID_MAX);
    }
    myl_consumer *c = NULL;
    myl_consumer_opts co = {.size = sizeof co, .wait = MYL_WAIT_SPIN, .stall_ns = 1};
    int rc = myl_consumer_open(r, "hostile-test", &co, &c);
    assert_true(rc == 0 || rc == MYL_EFULL || rc == MYL_ECLOSED || rc == MYL_EEXIST);
    if (c) {
        for (int i = 0; i < 4; i++) {
            uint64_t s;
            int64_t n = myl_consumer_try_poll(c, 4, &s);
            if (n > 0) {
                (void)myl_consumer_valid(c, s);
                (void)*(const volatile uint8_t *)myl_consumer_slot(c, s);
                myl_consumer_release(c, (uint32_t)n);
            }
        }
        uint64_t s;
        (void)myl_consumer_poll(c, 4, &s, 0);
        uint8_t buf[4 * 256];
        if (r->slot_size <= 256)
            (void)myl_consumer_read(c, buf, 4, NULL, 0);
        (void)myl_consumer_take_lost(c);
    }
    myl_producer *p = NULL;
    myl_producer_opts po = {.size = sizeof po, .wait = MYL_WAIT_SPIN};
    rc = myl_producer_open(r, &po, &p);
    assert_true(rc == 0 || rc == MYL_EBUSY || rc == MYL_EFULL || rc == MYL_ECLOSED);
    if (p) {
        uint64_t s;
        if (myl_producer_try_claim(p, 1, &s) == 0)
            myl_producer_publish(p, s, 1);
        (void)myl_producer_claim(p, 1, &s, 0);
        myl_producer_close(p);
    }
    (void)myl_ring_reap(r);
    myl_consumer_close(c);
    assert_int_equal(myl_ring_stats_get(r, &st), 0);
}

static bool is_myl_code(int rc)
{
    switch (rc) {
#define CASE_(name, value, msg) case MYL_##name:
        MYL_ERROR_TABLE(CASE_)
#undef CASE_
        return true;
    default:
        return false;
    }
}

/* Attach to the bytes, expecting want (0: must attach). Returns the code. */
static int try_bytes(uint32_t backing, const uint8_t *buf, size_t len, int want)
{
    const char *name =
        backing == MYL_BACKING_FILE ? myl_ut_path("hostile") : myl_test_name("hostile");
    write_segment(backing, name, buf, len);
    myl_ring_opts o = {.size = sizeof o, .backing = backing, .name = name};
    myl_ring *r = NULL;
    int rc = myl_ring_attach(&o, &r);
    if (want != INT32_MIN && rc != want)
        fprintf(stderr, "attach: got %s, want %s\n", myl_errname(rc), myl_errname(want));
    if (want != INT32_MIN)
        assert_int_equal(rc, want);
    assert_true(rc == 0 || is_myl_code(rc));
    if (rc == 0) {
        exercise(r);
        myl_ring_close(r);
    } else {
        assert_null(r);
    }
    assert_int_equal(myl_ring_unlink(backing, name), 0);
    return rc;
}

#define ANY INT32_MIN

static void try_image(const struct image *im, int want)
{
    try_bytes(MYL_BACKING_FILE, im->buf, im->len, want);
    try_bytes(MYL_BACKING_SHM, im->buf, im->len, want);
}

/* ---- cases ---- */

static void test_valid_image_attaches(void **state)
{
    (void)state;
    /* The baseline: the images the other cases corrupt are valid. */
    for (uint32_t prod = MYL_PRODUCERS_SINGLE; prod <= MYL_PRODUCERS_MULTI; prod++)
        for (uint32_t mode = MYL_MODE_GATED; mode <= MYL_MODE_LOSSY; mode++) {
            if (prod == MYL_PRODUCERS_MULTI && mode == MYL_MODE_LOSSY)
                continue; /* refused: lossy rings are single-producer */
            struct image im = make_image(prod, mode, 8, true);
            try_image(&im, 0);
            assert_int_equal(myl_ut_checksum(im.buf), get64(&im, HDR(checksum)));
            free(im.buf);
        }
}

static void test_truncated(void **state)
{
    (void)state;
    struct image im = make_image(MYL_PRODUCERS_SINGLE, MYL_MODE_GATED, 8, true);
    try_bytes(MYL_BACKING_FILE, im.buf, 0, MYL_ENOTREADY); /* not sized yet */
    size_t lens[] = {1, 8, 100, MYL_SEG_HEADER_SIZE - 1};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        try_bytes(MYL_BACKING_FILE, im.buf, lens[i], MYL_ETRUNCATED);
        try_bytes(MYL_BACKING_SHM, im.buf, lens[i], MYL_ETRUNCATED);
    }
    /* A whole header, but the tables or slots are cut off. */
    size_t cut[] = {MYL_SEG_HEADER_SIZE, MYL_SEG_HEADER_SIZE + 100, 4096, im.len - 1};
    for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
        try_bytes(MYL_BACKING_FILE, im.buf, cut[i], MYL_ETRUNCATED);
        try_bytes(MYL_BACKING_SHM, im.buf, cut[i], MYL_ETRUNCATED);
    }
    /* Longer than the header says is fine. */
    uint8_t *big = calloc(1, im.len + 8192);
    memcpy(big, im.buf, im.len);
    try_bytes(MYL_BACKING_FILE, big, im.len + 8192, 0);
    free(big);
    free(im.buf);
}

static void test_identity(void **state)
{
    (void)state;
    struct image im = make_image(MYL_PRODUCERS_MULTI, MYL_MODE_GATED, 8, true);
    struct image c = {malloc(im.len), im.len};
#define RESET() memcpy(c.buf, im.buf, im.len)
    RESET();
    put64(&c, HDR(magic), MYL_SEG_MAGIC ^ 1);
    try_image(&c, MYL_EBADMAGIC);
    RESET();
    put64(&c, HDR(magic), 0); /* zero magic on a READY segment */
    try_image(&c, MYL_EBADMAGIC);
    RESET();
    memcpy(c.buf, "MYELONR2", 8);
    try_image(&c, MYL_EBADMAGIC);
    RESET();
    put32(&c, HDR(layout_version), MYL_LAYOUT_VERSION + 1);
    try_image(&c, MYL_EVERSION);
    RESET();
    put32(&c, HDR(layout_version), 0);
    try_image(&c, MYL_EVERSION);
    RESET();
    put32(&c, HDR(layout_version), UINT32_MAX);
    myl_ut_fix_checksum(c.buf); /* the version is checked before the checksum */
    try_image(&c, MYL_EVERSION);
    /* State: INIT is "not ready", SHUTDOWN attaches, garbage is corrupt.
     * The checksum reads the state as 0, so it still holds. */
    RESET();
    put32(&c, HDR(state), MYL_SEG_STATE_INIT);
    try_image(&c, MYL_ENOTREADY);
    RESET();
    put32(&c, HDR(state), MYL_SEG_STATE_SHUTDOWN);
    try_image(&c, 0);
    uint32_t bad_states[] = {3, 4, 0x100, 0xdeadbeef, UINT32_MAX};
    for (size_t i = 0; i < sizeof bad_states / sizeof bad_states[0]; i++) {
        RESET();
        put32(&c, HDR(state), bad_states[i]);
        try_image(&c, MYL_ECORRUPT);
    }
    /* A field changed without the checksum: caught by the checksum. */
    RESET();
    put32(&c, HDR(slot_size), 32);
    try_image(&c, MYL_ECORRUPT);
    RESET();
    put64(&c, HDR(fingerprint), 1);
    try_image(&c, MYL_ECORRUPT);
    RESET();
    put64(&c, HDR(checksum), get64(&c, HDR(checksum)) ^ 0x100);
    try_image(&c, MYL_ECORRUPT);
    /* The label is not part of the identity. */
    RESET();
    memset(c.buf + HDR(label), 'L', MYL_LABEL_MAX); /* no NUL */
    try_image(&c, 0);
    free(c.buf);
    free(im.buf);
#undef RESET
}

/* Structural fields with the checksum recomputed, so the checks behind it
 * are reached. */
static void test_structure(void **state)
{
    (void)state;
    for (uint32_t prod = MYL_PRODUCERS_SINGLE; prod <= MYL_PRODUCERS_MULTI; prod++) {
        struct image im = make_image(prod, MYL_MODE_GATED, 8, false);
        struct image c = {malloc(im.len), im.len};
        const struct {
            size_t off;
            int width; /* 4 or 8 */
            uint64_t value;
            int want;
        } cases[] = {
            {HDR(capacity), 8, 12, MYL_ECORRUPT},
            {HDR(capacity), 8, 0, MYL_ECORRUPT},
            {HDR(capacity), 8, 1, MYL_ECORRUPT},
            {HDR(capacity), 8, 7, MYL_ECORRUPT},
            {HDR(capacity), 8, MYL_MAX_CAPACITY * 2, MYL_ECORRUPT},
            {HDR(capacity), 8, UINT64_MAX, MYL_ECORRUPT},
            {HDR(capacity), 8, UINT64_C(1) << 63, MYL_ECORRUPT},
            {HDR(slot_size), 4, 0, MYL_ECORRUPT},
            {HDR(slot_size), 4, MYL_MAX_SLOT_SIZE + 1, MYL_ECORRUPT},
            {HDR(slot_size), 4, UINT32_MAX, MYL_ECORRUPT},
            {HDR(slot_size), 4, 25, MYL_ECORRUPT}, /* stride mismatch: 24 -> 40 */
            {HDR(slot_size), 4, 17, 0},            /* same stride (32): consistent */
            {HDR(slot_stride), 4, 16, MYL_ECORRUPT},
            {HDR(slot_stride), 4, 0, MYL_ECORRUPT},
            {HDR(slot_stride), 4, UINT32_MAX, MYL_ECORRUPT},
            {HDR(max_consumers), 4, 0, MYL_ECORRUPT},
            {HDR(max_consumers), 4, MYL_MAX_CONSUMERS + 1, MYL_ECORRUPT},
            {HDR(max_consumers), 4, UINT32_MAX, MYL_ECORRUPT},
            {HDR(max_consumers), 4, 12, MYL_ECORRUPT}, /* slots no longer at 4096 */
            {HDR(max_producers), 4, 0, MYL_ECORRUPT},
            {HDR(max_producers), 4, MYL_MAX_PRODUCERS + 1, MYL_ECORRUPT},
            {HDR(max_producers), 4, UINT32_MAX, MYL_ECORRUPT},
            {HDR(producer_mode), 4, 0, MYL_ECORRUPT},
            {HDR(producer_mode), 4, 3, MYL_ECORRUPT},
            {HDR(ring_mode), 4, 0, MYL_ECORRUPT},
            {HDR(ring_mode), 4, 3, MYL_ECORRUPT},
            {HDR(wait), 4, 0, MYL_ECORRUPT},
            {HDR(wait), 4, 5, MYL_ECORRUPT},
            {HDR(flags), 4, 2, MYL_ECORRUPT}, /* 1 is MYL_HDR_ASYM_FENCE */
            {HDR(flags), 4, 0x80000000u, MYL_ECORRUPT},
            {HDR(producers_offset), 8, MYL_SEG_HEADER_SIZE + 8, MYL_ECORRUPT},
            {HDR(producers_offset), 8, 0, MYL_ECORRUPT},
            {HDR(producers_offset), 8, UINT64_MAX, MYL_ECORRUPT},
            {HDR(consumers_offset), 8, 0, MYL_ECORRUPT},
            {HDR(consumers_offset), 8, UINT64_MAX - 100, MYL_ECORRUPT},
            {HDR(slots_offset), 8, 4096 * 100, MYL_ECORRUPT},
            {HDR(slots_offset), 8, 8, MYL_ECORRUPT},
            {HDR(total_size), 8, 0, MYL_ECORRUPT},
            {HDR(total_size), 8, UINT64_MAX, MYL_ECORRUPT},
            {HDR(creator_pid), 4, 0, 0}, /* informative only */
            {HDR(creator_pid), 4, (uint32_t)-7, 0},
            {HDR(creator_start_time), 8, UINT64_MAX, 0},
            {HDR(created_realtime_ns), 8, 0, 0},
            {HDR(fingerprint), 8, 0, 0},
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            memcpy(c.buf, im.buf, im.len);
            if (cases[i].width == 4)
                put32(&c, cases[i].off, (uint32_t)cases[i].value);
            else
                put64(&c, cases[i].off, cases[i].value);
            myl_ut_fix_checksum(c.buf);
            if (try_bytes(MYL_BACKING_FILE, c.buf, c.len, ANY) != cases[i].want)
                fprintf(stderr, "case %zu (offset %zu = %llu)\n", i, cases[i].off,
                        (unsigned long long)cases[i].value);
            try_image(&c, cases[i].want);
        }
        /* A single-producer ring with a producer table of 2. */
        memcpy(c.buf, im.buf, im.len);
        put32(&c, HDR(producer_mode), MYL_PRODUCERS_SINGLE);
        put32(&c, HDR(max_producers), 2);
        myl_ut_fix_checksum(c.buf);
        try_image(&c, MYL_ECORRUPT);
        /* A consistent header that describes a bigger segment than the
         * object: capacity doubled, total size to match. */
        memcpy(c.buf, im.buf, im.len);
        uint64_t cap = get64(&c, HDR(capacity));
        uint32_t stride;
        memcpy(&stride, c.buf + HDR(slot_stride), 4);
        put64(&c, HDR(capacity), cap * 2);
        put64(&c, HDR(total_size), get64(&c, HDR(total_size)) + cap * stride);
        myl_ut_fix_checksum(c.buf);
        try_image(&c, MYL_ETRUNCATED);
        /* ... and the largest one that can be described. */
        memcpy(c.buf, im.buf, im.len);
        uint32_t big_slot = MYL_MAX_SLOT_SIZE;
        uint32_t big_stride = myl_ring_stride(big_slot);
        put32(&c, HDR(slot_size), big_slot);
        put32(&c, HDR(slot_stride), big_stride);
        put64(&c, HDR(capacity), MYL_MAX_CAPACITY);
        put64(&c, HDR(total_size),
              get64(&c, HDR(slots_offset)) + MYL_MAX_CAPACITY * (uint64_t)big_stride);
        myl_ut_fix_checksum(c.buf);
        try_image(&c, MYL_ETRUNCATED);
        free(c.buf);
        free(im.buf);
    }
}

/* Every single-bit flip of the header. Flips in the validated part (the
 * identity, line 1 and the checksum: bytes [0, 128)) must be refused;
 * flips beyond (label, hot words) are not validated at attach, and then
 * every call must still behave. */
static void test_bit_flips(void **state)
{
    (void)state;
    struct image im = make_image(MYL_PRODUCERS_MULTI, MYL_MODE_GATED, 8, true);
    uint8_t *c = malloc(im.len);
    int refused = 0, attached = 0;
    for (size_t byte = 0; byte < MYL_SEG_HEADER_SIZE; byte++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(c, im.buf, im.len);
            c[byte] ^= (uint8_t)(1u << bit);
            int rc = try_bytes(MYL_BACKING_FILE, c, im.len, ANY);
            if (byte < HDR(label)) {
                if (rc == 0)
                    fprintf(stderr, "flip of byte %zu bit %d attached\n", byte, bit);
                assert_int_not_equal(rc, 0);
                bool state_word = byte >= HDR(state) && byte < HDR(state) + 4;
                if (state_word)
                    assert_true(rc == MYL_ENOTREADY || rc == MYL_ECORRUPT);
                else if (byte < 8)
                    assert_int_equal(rc, MYL_EBADMAGIC);
                else if (byte < 12)
                    assert_int_equal(rc, MYL_EVERSION);
                else
                    assert_int_equal(rc, MYL_ECORRUPT);
            }
            if (rc == 0)
                attached++;
            else
                refused++;
        }
    }
    assert_int_equal(refused + attached, MYL_SEG_HEADER_SIZE * 8);
    assert_true(refused >= (int)HDR(label) * 8);
    /* The same for the validated bytes of a shm segment. */
    for (size_t byte = 0; byte < HDR(label); byte += 7) {
        memcpy(c, im.buf, im.len);
        c[byte] ^= 0x10;
        assert_int_not_equal(try_bytes(MYL_BACKING_SHM, c, im.len, ANY), 0);
    }
    free(c);
    free(im.buf);
}

static uint64_t rnd_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Random multi-byte corruption of the header, half the time with the
 * checksum recomputed: any error code, no crash. */
static void test_random_headers(void **state)
{
    (void)state;
    struct image im = make_image(MYL_PRODUCERS_MULTI, MYL_MODE_GATED, 8, true);
    uint8_t *c = malloc(im.len);
    uint64_t x = 0x243f6a8885a308d3u;
    int iters = 3000 / MYL_UT_SCALE, attached = 0;
    static const uint64_t interesting[] = {0,
                                           1,
                                           2,
                                           3,
                                           7,
                                           8,
                                           16,
                                           64,
                                           4096,
                                           0x7fffffff,
                                           0xffffffff,
                                           UINT64_MAX,
                                           UINT64_C(1) << 32,
                                           UINT64_C(1) << 63};
    for (int it = 0; it < iters; it++) {
        memcpy(c, im.buf, im.len);
        int n = 1 + (int)(rnd_next(&x) % 6);
        for (int k = 0; k < n; k++) {
            size_t off = (size_t)(rnd_next(&x) % 128);
            if (rnd_next(&x) % 2) {
                c[off] = (uint8_t)rnd_next(&x);
            } else {
                uint64_t v = interesting[rnd_next(&x) % (sizeof interesting / sizeof(uint64_t))];
                size_t w = rnd_next(&x) % 2 ? 4 : 8;
                off &= ~(w - 1);
                memcpy(c + off, &v, w); /* little-endian: the low bytes */
            }
        }
        if (rnd_next(&x) % 2)
            myl_ut_fix_checksum(c);
        if (try_bytes(MYL_BACKING_FILE, c, im.len, ANY) == 0)
            attached++;
    }
    /* Some inputs happen to stay valid (e.g. an informative field changed
     * and the checksum fixed); most must not. */
    assert_true(attached < iters / 2);
    free(c);
    free(im.buf);
}

/* Garbage in the consumer and producer tables: attach does not look at
 * them, so every call that does must cope. */
static void test_hostile_tables(void **state)
{
    (void)state;
    for (uint32_t prod = MYL_PRODUCERS_SINGLE; prod <= MYL_PRODUCERS_MULTI; prod++) {
        struct image im = make_image(prod, MYL_MODE_GATED, 8, true);
        uint64_t coff = get64(&im, HDR(consumers_offset));
        uint64_t poff = get64(&im, HDR(producers_offset));
#define CE(i, field)                                                                               \
    (coff + (uint64_t)(i)*MYL_CONSUMER_ENTRY_SIZE + offsetof(myl__consumer_entry, field))
#define PE(i, field)                                                                               \
    (poff + (uint64_t)(i)*MYL_PRODUCER_ENTRY_SIZE + offsetof(myl__producer_entry, field))
        /* 0: the image's own consumer, left alone (alive: this process).
         * 1: garbage state, id without NUL, seq at the end of time. */
        put32(&im, CE(1, state), 0xdeadbeef);
        put32(&im, CE(1, pid), 12345);
        memset(im.buf + CE(1, id), 'A', MYL_ID_MAX);
        put64(&im, CE(1, seq), UINT64_MAX);
        /* 2: ACTIVE, impossible pid, id without NUL, garbage counters. */
        put32(&im, CE(2, state), MYL_ENTRY_ACTIVE);
        put32(&im, CE(2, pid), (uint32_t)-5);
        memset(im.buf + CE(2, id), 'B', MYL_ID_MAX);
        put64(&im, CE(2, seq), UINT64_MAX - 3);
        put64(&im, CE(2, consumed), UINT64_MAX);
        put64(&im, CE(2, lost), UINT64_MAX);
        /* 3: ACTIVE as pid 1 with a start time that is not init's. */
        put32(&im, CE(3, state), MYL_ENTRY_ACTIVE);
        put32(&im, CE(3, pid), 1);
        put64(&im, CE(3, start_time), UINT64_MAX);
        memcpy(im.buf + CE(3, id), "victim", 7);
        put64(&im, CE(3, seq), 3);
        /* Producer entries: the image's own (0), then garbage. */
        if (prod == MYL_PRODUCERS_MULTI) {
            put32(&im, PE(1, state), 0x77777777);
            put32(&im, PE(2, state), MYL_ENTRY_ACTIVE);
            put32(&im, PE(2, pid), 0);
            put64(&im, PE(2, published), UINT64_MAX);
            put32(&im, PE(3, state), MYL_ENTRY_CLAIMING); /* stuck mid-registration */
        } else {
            put32(&im, PE(0, state), 0x77777777);
        }
#undef CE
#undef PE
        const char *name = myl_ut_path("tables");
        write_segment(MYL_BACKING_FILE, name, im.buf, im.len);
        myl_ring_opts o = {.size = sizeof o, .backing = MYL_BACKING_FILE, .name = name};
        myl_ring *r;
        assert_int_equal(myl_ring_attach(&o, &r), 0);
        myl_consumer_stats cst;
        assert_int_equal(myl_ring_consumer_stats(r, 1, &cst), 0);
        assert_int_equal(strlen(cst.id), MYL_ID_MAX - 1);
        assert_int_equal(cst.state, 0xdeadbeef);
        assert_false(cst.alive);
        assert_int_equal(myl_ring_consumer_stats(r, 2, &cst), 0);
        assert_int_equal(strlen(cst.id), MYL_ID_MAX - 1);
        assert_false(cst.alive);
        assert_int_equal(myl_ring_consumer_stats(r, 3, &cst), 0);
        assert_string_equal(cst.id, "victim");
        assert_false(cst.alive); /* pid 1 exists, but it is not that process */
        myl_ring_stats st;
        assert_int_equal(myl_ring_stats_get(r, &st), 0);
        assert_int_equal(st.consumers, 3);
        /* An id that matches the garbage one up to its missing NUL is a
         * different id. */
        char id31[MYL_ID_MAX];
        memset(id31, 'A', MYL_ID_MAX - 1);
        id31[MYL_ID_MAX - 1] = '\0';
        myl_consumer *c31 = NULL, *victim = NULL;
        assert_int_equal(myl_consumer_open(r, id31, NULL, &c31), MYL_EFULL); /* 4 entries used */
        /* The dead "victim" can be taken over, and resumes at its seq. */
        assert_int_equal(myl_consumer_open(r, "victim", NULL, &victim), 0);
        assert_int_equal(victim->idx, 3);
        assert_int_equal(victim->next, 3);
        uint64_t s;
        assert_int_equal(myl_consumer_poll(victim, 8, &s, 0), 2); /* seqs 3 and 4 */
        myl_consumer_release(victim, 2);
        myl_consumer_close(victim);
        /* Reaping evicts the dead garbage entry (2); the garbage state (1)
         * is not a registration and is left alone. */
        int reaped = myl_ring_reap(r);
        assert_int_equal(reaped, 1);
        assert_int_equal(myl_ring_consumer_stats(r, 2, &cst), 0);
        assert_int_equal(cst.state, MYL_ENTRY_EVICTED);
        exercise(r);
        myl_ring_close(r);
        unlink(name);
        free(im.buf);
    }
}

/* Hostile slot stamps. */
static void test_hostile_stamps(void **state)
{
    (void)state;
    /* A CLAIM mark whose owner index is beyond the producer table, on a
     * slot a consumer waits on: nobody can publish it, so it is skipped. */
    uint64_t owners[] = {50, 63, 1 /* a free entry */};
    for (size_t k = 0; k < sizeof owners / sizeof owners[0]; k++) {
        myl_ring_opts o = myl_ut_opts("stamp", MYL_BACKING_SHM);
        o.producers = MYL_PRODUCERS_MULTI;
        o.max_producers = 2;
        myl_ring *r = myl_ut_create(&o);
        myl_producer *p;
        myl_consumer *c;
        myl_consumer_opts co = {.size = sizeof co, .stall_ns = MYL_UT_MS};
        assert_int_equal(myl_producer_open(r, NULL, &p), 0);
        assert_int_equal(myl_consumer_open(r, "c", &co, &c), 0);
        uint64_t s;
        assert_int_equal(myl_producer_try_claim(p, 2, &s), 0);
        memset(myl_producer_slot(p, 1), 0x5a, 24);
        myl_producer_publish(p, 1, 1);
        atomic_store(&myl__slot_at(r, 0)->stamp,
                     MYL_STAMP_CLAIM | (owners[k] << MYL_STAMP_OWNER_SHIFT) | 1);
        assert_int_equal(myl_consumer_poll(c, 4, &s, MYL_UT_LIVENESS), 1);
        assert_int_equal(s, 1);
        assert_int_equal(((const uint8_t *)myl_consumer_slot(c, 1))[0], 0x5a);
        assert_int_equal(c->skipped, 1);
        myl_consumer_release(c, 1);
        myl_consumer_close(c);
        myl_producer_close(p);
        myl_ut_destroy(r, &o);
    }
    /* Random stamps in every slot, gated and lossy, SP and MP: consumers
     * poll, read and time out; nothing crashes or hangs. */
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (uint32_t prod = MYL_PRODUCERS_SINGLE; prod <= MYL_PRODUCERS_MULTI; prod++) {
        for (uint32_t mode = MYL_MODE_GATED; mode <= MYL_MODE_LOSSY; mode++) {
            if (prod == MYL_PRODUCERS_MULTI && mode == MYL_MODE_LOSSY)
                continue; /* refused: lossy rings are single-producer */
            for (int round = 0; round < 20; round++) {
                myl_ring_opts o = myl_ut_opts("stamps", MYL_BACKING_SHM);
                o.producers = prod;
                o.mode = mode;
                o.max_producers = prod == MYL_PRODUCERS_MULTI ? 3 : 0;
                myl_ring *r = myl_ut_create(&o);
                myl_consumer *c;
                myl_consumer_opts co = {.size = sizeof co, .stall_ns = 1};
                assert_int_equal(myl_consumer_open(r, "c", &co, &c), 0);
                for (uint64_t i = 0; i < r->capacity; i++) {
                    uint64_t v = rnd_next(&x);
                    switch (rnd_next(&x) % 4) {
                    case 0:
                        v &= MYL_STAMP_SEQ_MASK; /* some lap */
                        break;
                    case 1:
                        v = (v % 40) | (rnd_next(&x) % 2 ? MYL_STAMP_SKIP : 0);
                        break;
                    case 2:
                        v = MYL_STAMP_CLAIM |
                            (v & (MYL_STAMP_OWNER_MASK << MYL_STAMP_OWNER_SHIFT)) | (i + 1);
                        break;
                    default:
                        break; /* anything */
                    }
                    atomic_store(&myl__slot_at(r, i)->stamp, v);
                }
                atomic_store(&r->hdr->claim, rnd_next(&x) % 64);
                uint8_t buf[24 * 8];
                for (int i = 0; i < 8; i++) {
                    uint64_t s;
                    int64_t n = myl_consumer_try_poll(c, 8, &s);
                    if (n > 0)
                        myl_consumer_release(c, (uint32_t)n);
                    n = myl_consumer_poll(c, 8, &s, 100000);
                    assert_true(n > 0 || is_myl_code((int)n));
                    if (n > 0)
                        myl_consumer_release(c, (uint32_t)n);
                    n = myl_consumer_read(c, buf, 8, NULL, 0);
                    assert_true(n > 0 || is_myl_code((int)n));
                }
                exercise(r);
                myl_consumer_close(c);
                myl_ut_destroy(r, &o);
            }
        }
    }
}

MYL_TEST_MAIN("hostile", cmocka_unit_test(test_valid_image_attaches),
              cmocka_unit_test(test_truncated), cmocka_unit_test(test_identity),
              cmocka_unit_test(test_structure), cmocka_unit_test(test_bit_flips),
              cmocka_unit_test(test_random_headers), cmocka_unit_test(test_hostile_tables),
              cmocka_unit_test(test_hostile_stamps))
