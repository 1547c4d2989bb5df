/* Every public call of the layer-0 runtime and every error path it has:
 * error strings, shm naming, sizes, options, create/attach/unlink, file
 * backing, permissions, segment flags, shutdown, producer and consumer
 * registration, waits, stats, eviction. */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "unit_util.h"

/* ---- errors ---- */

static void test_error_table(void **state)
{
    (void)state;
    struct {
        int code;
        const char *name, *msg;
    } table[] = {
#define ROW(name, value, msg) {MYL_##name, "MYL_" #name, msg},
        MYL_ERROR_TABLE(ROW)
#undef ROW
    };
    size_t n = sizeof table / sizeof table[0];
    assert_true(n >= 23);
    for (size_t i = 0; i < n; i++) {
        assert_true(table[i].code < MYL_EBASE);
        assert_string_equal(myl_strerror(table[i].code), table[i].msg);
        assert_string_equal(myl_errname(table[i].code), table[i].name);
        for (size_t j = 0; j < i; j++)
            assert_int_not_equal(table[i].code, table[j].code);
    }
    assert_string_equal(myl_strerror(0), "success");
    assert_string_equal(myl_errname(0), "OK");
    /* -errno values: the C library's message and name. */
    int errs[] = {ENOENT, EEXIST, EPERM, ENOMEM, ELOOP, EACCES, EINVAL, EAGAIN};
    for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
        assert_string_equal(myl_strerror(-errs[i]), strerror(errs[i]));
#ifdef __GLIBC__
        assert_string_equal(myl_errname(-errs[i]), strerrorname_np(errs[i]));
#endif
    }
    assert_string_equal(myl_errname(-ENOENT), "ENOENT");
    /* Neither ours nor an errno: never NULL. */
    int odd[] = {1, 42, INT32_MAX, MYL_EBASE, MYL_EBASE - 500, INT32_MIN, -999};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        assert_non_null(myl_strerror(odd[i]));
        assert_non_null(myl_errname(odd[i]));
    }
    assert_string_equal(myl_strerror(1), "unknown error");
    assert_string_equal(myl_strerror(MYL_EBASE), "unknown error");
    assert_string_equal(myl_strerror(INT32_MIN), "unknown error");
    assert_string_equal(myl_errname(42), "UNKNOWN");
    assert_string_equal(myl_errname(MYL_EBASE - 500), "UNKNOWN");
}

/* ---- naming ---- */

static bool all_safe(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '.' || *s == '_' || *s == '-'))
            return false;
    return true;
}

static void test_shm_name(void **state)
{
    (void)state;
    char out[300], out2[300];
    /* A short, safe label is kept as it is, behind one '/'. */
    assert_int_equal(myl_shm_name("ticks.v1_a-b", out, sizeof out), 13);
    assert_string_equal(out, "/ticks.v1_a-b");
    assert_int_equal(myl_shm_name("/ticks", out, sizeof out), 6);
    assert_string_equal(out, "/ticks");
    /* Empty and missing. */
    assert_int_equal(myl_shm_name("", out, sizeof out), MYL_ENAME);
    assert_int_equal(myl_shm_name("/", out, sizeof out), MYL_ENAME);
    assert_int_equal(myl_shm_name(NULL, out, sizeof out), MYL_EINVAL);
    assert_int_equal(myl_shm_name("a", NULL, 10), MYL_EINVAL);
    /* Buffer too small: "/abc" needs 5 bytes with its NUL. */
    assert_int_equal(myl_shm_name("abc", out, 4), MYL_EINVAL);
    assert_int_equal(myl_shm_name("abc", out, 0), MYL_EINVAL);
    assert_int_equal(myl_shm_name("abc", out, 5), 4);
    assert_string_equal(out, "/abc");

    /* Odd characters: a safe prefix, '-', 16 hex digits of a hash. */
    int n = myl_shm_name("my ring/with:odd*chars", out, sizeof out);
    assert_int_equal(n, (int)strlen(out));
    assert_int_equal(out[0], '/');
    assert_true(all_safe(out + 1));
    assert_int_equal(strlen(out), 1 + strlen("my ring/with:odd*chars") + 17);
    assert_memory_equal(out, "/my_ring_with_odd_chars-", 24);
    for (int i = 24; i < n; i++)
        assert_non_null(strchr("0123456789abcdef", out[i]));
    /* Deterministic, and different labels with the same sanitized prefix
     * get different names. */
    assert_int_equal(myl_shm_name("my ring/with:odd*chars", out2, sizeof out2), n);
    assert_string_equal(out, out2);
    assert_true(myl_shm_name("my ring/with:odd?chars", out2, sizeof out2) > 0);
    assert_memory_equal(out, out2, 24);
    assert_string_not_equal(out, out2);
    /* "." and ".." are not names. */
    assert_true(myl_shm_name(".", out, sizeof out) > 0);
    assert_string_not_equal(out, "/.");
    assert_true(strlen(out) == 1 + 1 + 17);
    assert_true(myl_shm_name("..", out, sizeof out) > 0);
    assert_string_not_equal(out, "/..");

    /* Long labels: kept up to NAME_MAX - 1 characters, hashed beyond. */
    char lab[400];
    memset(lab, 'x', sizeof lab);
    lab[254] = '\0';
    assert_int_equal(myl_shm_name(lab, out, sizeof out), 255);
    assert_int_equal(strlen(out), 255);
    lab[254] = 'x';
    lab[255] = '\0';
    n = myl_shm_name(lab, out, sizeof out);
    assert_true(n > 0 && n < 255);
    assert_int_equal(n, (int)strlen(out));
    assert_true(all_safe(out + 1));
    lab[255] = 'x';
    lab[399] = '\0';
    assert_int_equal(myl_shm_name(lab, out2, sizeof out2), n);
    assert_string_not_equal(out, out2); /* same prefix, different hash */
    /* A hashed name needs room for prefix, '-', 16 digits and a NUL. */
    assert_int_equal(myl_shm_name(lab, out2, (size_t)n), MYL_EINVAL);
    assert_int_equal(myl_shm_name(lab, out2, (size_t)n + 1), n);

    /* The names work with shm_open: a ring under an odd label. */
    myl_ring_opts o = myl_ut_opts("x", MYL_BACKING_SHM);
    char label[128];
    snprintf(label, sizeof label, "odd label/%d:*?", (int)getpid());
    o.name = label;
    myl_ring *r = myl_ut_create(&o), *r2 = NULL;
    struct stat st;
    assert_int_equal(stat(myl_ut_shm_path(label), &st), 0);
    assert_int_equal(myl_ring_attach(&o, &r2), 0);
    myl_ring_close(r2);
    myl_ut_destroy(r, &o);
    assert_int_equal(stat(myl_ut_shm_path(label), &st), -1);
}

/* ---- sizes ---- */

static void test_stride(void **state)
{
    (void)state;
    assert_int_equal(myl_ring_stride(0), 0);
    assert_int_equal(myl_ring_stride(MYL_MAX_SLOT_SIZE + 1), 0);
    assert_int_equal(myl_ring_stride(UINT32_MAX), 0);
    /* 8-byte stamp + payload rounded to 8; small strides are powers of two
     * (they tile cache lines), larger ones multiples of 64. */
    assert_int_equal(myl_ring_stride(1), 16);
    assert_int_equal(myl_ring_stride(8), 16);
    assert_int_equal(myl_ring_stride(9), 32);
    assert_int_equal(myl_ring_stride(56), 64);
    assert_int_equal(myl_ring_stride(57), 128);
    assert_int_equal(myl_ring_stride(MYL_MAX_SLOT_SIZE), MYL_MAX_SLOT_SIZE + 64);
    for (uint32_t s = 1; s <= 5000; s++) {
        uint32_t st = myl_ring_stride(s);
        uint32_t raw = 8 + ((s + 7) & ~7u);
        assert_true(st >= raw);
        if (raw <= 64) {
            assert_true((st & (st - 1)) == 0);
            assert_true(st < 2 * raw);
        } else {
            assert_int_equal(st % 64, 0);
            assert_true(st < raw + 64);
        }
    }
}

static uint64_t expected_size(uint32_t slot, uint64_t cap, uint32_t maxp, uint32_t maxc)
{
    uint64_t tables = MYL_SEG_HEADER_SIZE + (uint64_t)maxp * MYL_PRODUCER_ENTRY_SIZE +
                      (uint64_t)maxc * MYL_CONSUMER_ENTRY_SIZE;
    uint64_t slots = (tables + MYL_SLOTS_ALIGN - 1) / MYL_SLOTS_ALIGN * MYL_SLOTS_ALIGN;
    return slots + cap * myl_ring_stride(slot);
}

static void test_segment_size(void **state)
{
    (void)state;
    struct {
        uint32_t slot, producers, maxp, maxc;
        uint64_t cap;
    } cfg[] = {
        {8, MYL_PRODUCERS_SINGLE, 0, 0, 0},        {24, MYL_PRODUCERS_SINGLE, 1, 1, 2},
        {100, MYL_PRODUCERS_MULTI, 0, 4, 1024},    {4096, MYL_PRODUCERS_MULTI, 64, 1024, 16},
        {1, MYL_PRODUCERS_MULTI, 3, 20, 1u << 20},
    };
    for (size_t i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
        myl_ring_opts o = myl_ut_opts("size", MYL_BACKING_SHM);
        o.slot_size = cfg[i].slot;
        o.producers = cfg[i].producers;
        o.max_producers = cfg[i].maxp;
        o.max_consumers = cfg[i].maxc;
        o.capacity = cfg[i].cap;
        /* Zero means the default: 4096 events, 16 consumers, 1 or 16
         * producers. */
        uint32_t maxp = cfg[i].maxp                               ? cfg[i].maxp
                        : cfg[i].producers == MYL_PRODUCERS_MULTI ? 16
                                                                  : 1;
        uint64_t want = expected_size(cfg[i].slot, cfg[i].cap ? cfg[i].cap : 4096, maxp,
                                      cfg[i].maxc ? cfg[i].maxc : 16);
        uint64_t got = 0;
        assert_int_equal(myl_ring_segment_size(&o, &got), 0);
        assert_int_equal(got, want);
        /* The object created has exactly that size. */
        myl_ring *r = myl_ut_create(&o);
        struct stat st;
        assert_int_equal(stat(myl_ut_shm_path(o.name), &st), 0);
        assert_int_equal((uint64_t)st.st_size, want);
        myl_ring_stats s;
        assert_int_equal(myl_ring_stats_get(r, &s), 0);
        assert_int_equal(s.segment_size, want);
        assert_int_equal(s.slot_stride, myl_ring_stride(cfg[i].slot));
        myl_ut_destroy(r, &o);
    }
    /* A size query needs no name. */
    myl_ring_opts o = {.size = sizeof o, .slot_size = 8, .capacity = 2};
    uint64_t got = 0;
    assert_int_equal(myl_ring_segment_size(&o, &got), 0);
    assert_int_equal(got, expected_size(8, 2, 1, 16));
    /* The largest slot is allowed (the size is only computed here). */
    o.slot_size = MYL_MAX_SLOT_SIZE;
    assert_int_equal(myl_ring_segment_size(&o, &got), 0);
    assert_int_equal(got, expected_size(MYL_MAX_SLOT_SIZE, 2, 1, 16));
    o.capacity = MYL_MAX_CAPACITY;
    o.slot_size = 8;
    assert_int_equal(myl_ring_segment_size(&o, &got), 0);
    assert_int_equal(got, expected_size(8, MYL_MAX_CAPACITY, 1, 16));
    /* Invalid options. */
    assert_int_equal(myl_ring_segment_size(NULL, &got), MYL_EINVAL);
    o.capacity = 3;
    assert_int_equal(myl_ring_segment_size(&o, &got), MYL_EINVAL);
    o.capacity = 2;
    o.slot_size = 0;
    assert_int_equal(myl_ring_segment_size(&o, &got), MYL_EINVAL);
}

/* ---- create / attach / unlink ---- */

static void expect_create_fails(myl_ring_opts o, int want)
{
    myl_ring *r = (myl_ring *)&o; /* must be reset to NULL */
    int rc = myl_ring_create(&o, &r);
    if (rc != want)
        fprintf(stderr, "create: got %s, want %s\n", myl_errname(rc), myl_errname(want));
    assert_int_equal(rc, want);
    assert_null(r);
    /* Nothing was left behind. */
    if (o.name && o.name[0] && o.backing <= MYL_BACKING_FILE) {
        myl_ring_opts a = {.size = sizeof a, .backing = o.backing, .name = o.name};
        assert_int_equal(myl_ring_attach(&a, &r), -ENOENT);
    }
}

static void test_create_invalid(void **state)
{
    (void)state;
    for (uint32_t b = MYL_BACKING_SHM; b <= MYL_BACKING_FILE; b++) {
        myl_ring_opts ok = myl_ut_opts("inv", b), o;
        (void)myl_ring_unlink(b, ok.name);
        myl_ring *r = NULL;
        assert_int_equal(myl_ring_create(NULL, &r), MYL_EINVAL);
        assert_int_equal(myl_ring_create(&ok, NULL), MYL_EINVAL);
#define BAD(field, value, err)                                                                     \
    do {                                                                                           \
        o = ok;                                                                                    \
        o.field = value;                                                                           \
        expect_create_fails(o, err);                                                               \
    } while (0)
        BAD(slot_size, 0, MYL_EINVAL);
        BAD(slot_size, MYL_MAX_SLOT_SIZE + 1, MYL_EINVAL);
        BAD(slot_size, UINT32_MAX, MYL_EINVAL);
        BAD(capacity, 3, MYL_EINVAL);
        BAD(capacity, 1, MYL_EINVAL);
        BAD(capacity, 4097, MYL_EINVAL);
        BAD(capacity, MYL_MAX_CAPACITY * 2, MYL_EINVAL);
        BAD(capacity, UINT64_MAX, MYL_EINVAL);
        BAD(max_consumers, MYL_MAX_CONSUMERS + 1, MYL_EINVAL);
        BAD(max_consumers, UINT32_MAX, MYL_EINVAL);
        BAD(producers, 3, MYL_EINVAL);
        BAD(mode, 3, MYL_EINVAL);
        BAD(wait, 5, MYL_EINVAL);
        BAD(max_producers, 2, MYL_EINVAL); /* single producer */
        BAD(perm, 01000, MYL_EINVAL);
        BAD(perm, 04600, MYL_EINVAL);
        BAD(flags, 0x8, MYL_EINVAL);
        BAD(flags, 0x80000000u, MYL_EINVAL);
        BAD(backing, 2, MYL_EINVAL);
        BAD(name, NULL, MYL_ENAME);
        BAD(name, "", MYL_ENAME);
        o = ok;
        o.producers = MYL_PRODUCERS_MULTI;
        o.max_producers = MYL_MAX_PRODUCERS + 1;
        expect_create_fails(o, MYL_EINVAL);
#undef BAD
        /* Zero consumers means the default, 16. */
        o = ok;
        o.max_consumers = 0;
        r = myl_ut_create(&o);
        assert_int_equal(r->max_consumers, 16);
        myl_ut_destroy(r, &o);
        /* The limits themselves are accepted. */
        o = ok;
        o.max_consumers = MYL_MAX_CONSUMERS;
        o.producers = MYL_PRODUCERS_MULTI;
        o.max_producers = MYL_MAX_PRODUCERS;
        o.capacity = 2;
        r = myl_ut_create(&o);
        assert_int_equal(r->max_consumers, MYL_MAX_CONSUMERS);
        assert_int_equal(r->max_producers, MYL_MAX_PRODUCERS);
        myl_ut_destroy(r, &o);
    }
    /* A path longer than the handle can hold. */
    char longpath[400];
    memset(longpath, 'p', sizeof longpath - 1);
    longpath[0] = '/';
    longpath[sizeof longpath - 1] = '\0';
    myl_ring_opts o = myl_ut_opts("inv", MYL_BACKING_FILE);
    o.name = longpath;
    myl_ring *r = NULL;
    assert_int_equal(myl_ring_create(&o, &r), MYL_ENAME);
    assert_int_equal(myl_ring_attach(&o, &r), MYL_ENAME);
    /* A shm label cannot fail for its length: it is hashed. */
    o.backing = MYL_BACKING_SHM;
    r = myl_ut_create(&o);
    myl_ut_destroy(r, &o);
}

static void test_create_exists_attach_missing(void **state)
{
    (void)state;
    for (uint32_t b = MYL_BACKING_SHM; b <= MYL_BACKING_FILE; b++) {
        myl_ring_opts o = myl_ut_opts("ex", b);
        myl_ring *r = myl_ut_create(&o), *r2 = NULL;
        assert_int_equal(myl_ring_create(&o, &r2), -EEXIST);
        assert_null(r2);
        /* The failed create did not remove the existing one. */
        assert_int_equal(myl_ring_attach(&o, &r2), 0);
        myl_ring_close(r2);
        myl_ut_destroy(r, &o);
        assert_int_equal(myl_ring_attach(&o, &r2), -ENOENT);
        assert_null(r2);
        assert_int_equal(myl_ring_unlink(b, o.name), -ENOENT);
    }
    myl_ring_opts o = myl_ut_opts("ex", MYL_BACKING_SHM);
    myl_ring *r = NULL;
    assert_int_equal(myl_ring_attach(NULL, &r), MYL_EINVAL);
    assert_int_equal(myl_ring_attach(&o, NULL), MYL_EINVAL);
    o.backing = 9;
    assert_int_equal(myl_ring_attach(&o, &r), MYL_EINVAL);
    o.backing = MYL_BACKING_SHM;
    o.name = NULL;
    assert_int_equal(myl_ring_attach(&o, &r), MYL_ENAME);
    o.name = "";
    assert_int_equal(myl_ring_attach(&o, &r), MYL_ENAME);
    assert_int_equal(myl_ring_unlink(MYL_BACKING_SHM, NULL), MYL_ENAME);
    assert_int_equal(myl_ring_unlink(MYL_BACKING_SHM, ""), MYL_ENAME);
    assert_int_equal(myl_ring_unlink(7, "x"), MYL_EINVAL);
    myl_ring_close(NULL); /* no-op */
}

static void test_attach_mismatch(void **state)
{
    (void)state;
    for (uint32_t b = MYL_BACKING_SHM; b <= MYL_BACKING_FILE; b++) {
        myl_ring_opts o = myl_ut_opts("mm", b);
        o.fingerprint = 0xfeedface12345678u;
        o.producers = MYL_PRODUCERS_MULTI;
        o.mode = MYL_MODE_GATED;
        o.wait = MYL_WAIT_YIELD;
        o.capacity = 16;
        o.slot_size = 40;
        myl_ring *r = myl_ut_create(&o), *a = NULL;
        /* Zero expectations accept whatever the segment holds. */
        myl_ring_opts e = {.size = sizeof e, .backing = b, .name = o.name};
        assert_int_equal(myl_ring_attach(&e, &a), 0);
        assert_int_equal(a->capacity, 16);
        assert_int_equal(a->slot_size, 40);
        assert_int_equal(a->producer_mode, MYL_PRODUCERS_MULTI);
        assert_int_equal(a->ring_mode, MYL_MODE_GATED);
        assert_int_equal(a->wait, MYL_WAIT_YIELD);
        myl_ring_stats s;
        assert_int_equal(myl_ring_stats_get(a, &s), 0);
        assert_int_equal(s.fingerprint, o.fingerprint);
        assert_int_equal(s.creator_pid, getpid());
        assert_int_equal(s.state, MYL_SEG_STATE_READY);
        myl_ring_close(a);
        /* Exact expectations match. */
        assert_int_equal(myl_ring_attach(&o, &a), 0);
        myl_ring_close(a);
#define MISMATCH(field, value, err)                                                                \
    do {                                                                                           \
        myl_ring_opts m = o;                                                                       \
        m.field = value;                                                                           \
        a = (myl_ring *)&m;                                                                        \
        assert_int_equal(myl_ring_attach(&m, &a), err);                                            \
        assert_null(a);                                                                            \
    } while (0)
        MISMATCH(fingerprint, 0xfeedface12345679u, MYL_EFINGERPRINT);
        MISMATCH(slot_size, 48, MYL_ESLOTSIZE);
        MISMATCH(capacity, 32, MYL_ECAPACITY);
        MISMATCH(producers, MYL_PRODUCERS_SINGLE, MYL_EPRODMODE);
        MISMATCH(mode, MYL_MODE_LOSSY, MYL_ERINGMODE);
#undef MISMATCH
        myl_ut_destroy(r, &o);
    }
}

struct creator_arg {
    myl_ring_opts o;
    myl_ring *r;
};

static void *late_creator(void *arg)
{
    struct creator_arg *c = arg;
    myl_ut_nap(30 * MYL_UT_MS);
    if (myl_ring_create(&c->o, &c->r) != 0)
        c->r = NULL;
    return NULL;
}

static void test_attach_wait(void **state)
{
    (void)state;
    for (uint32_t b = MYL_BACKING_SHM; b <= MYL_BACKING_FILE; b++) {
        myl_ring_opts o = myl_ut_opts("aw", b);
        (void)myl_ring_unlink(b, o.name);
        myl_ring *r = NULL;
        /* Nothing there: times out (a zero timeout is one try). */
        assert_int_equal(myl_ring_attach_wait(&o, 0, &r), MYL_ETIMEDOUT);
        assert_int_equal(myl_ring_attach_wait(&o, 20 * MYL_UT_MS, &r), MYL_ETIMEDOUT);
        assert_null(r);
        /* Created by another thread while we wait. */
        struct creator_arg c = {.o = o};
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, late_creator, &c), 0);
        assert_int_equal(myl_ring_attach_wait(&o, MYL_UT_LIVENESS, &r), 0);
        assert_int_equal(pthread_join(t, NULL), 0);
        assert_non_null(c.r);
        myl_ring_close(r);
        /* A mismatch is reported at once, not waited out. */
        myl_ring_opts m = o;
        m.slot_size = 99;
        assert_int_equal(myl_ring_attach_wait(&m, MYL_FOREVER, &r), MYL_ESLOTSIZE);
        myl_ut_destroy(c.r, &o);
    }
}

/* An object that exists but has no header yet (size 0, or still all
 * zeroes: the creator has sized it but not written it) is "not ready";
 * attach_wait waits for it. */
static void test_attach_not_ready(void **state)
{
    (void)state;
    const char *path = myl_ut_path("nr");
    unlink(path);
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    myl_ring_opts o = {.size = sizeof o, .backing = MYL_BACKING_FILE, .name = path};
    myl_ring *r = NULL;
    assert_int_equal(myl_ring_attach(&o, &r), MYL_ENOTREADY);
    assert_int_equal(ftruncate(fd, 8192), 0);
    assert_int_equal(myl_ring_attach(&o, &r), MYL_ENOTREADY);
    assert_int_equal(myl_ring_attach_wait(&o, 20 * MYL_UT_MS, &r), MYL_ETIMEDOUT);
    assert_null(r);
    /* A header whose magic is written but whose state is not. */
    myl_ring_opts v = myl_ut_opts("nr2", MYL_BACKING_FILE);
    myl_ring *good = myl_ut_create(&v);
    uint8_t hdr[MYL_SEG_HEADER_SIZE];
    memcpy(hdr, good->base, sizeof hdr);
    myl_ut_destroy(good, &v);
    uint32_t init = MYL_SEG_STATE_INIT;
    memcpy(hdr + offsetof(myl__seg_header, state), &init, 4);
    assert_int_equal(pwrite(fd, hdr, sizeof hdr, 0), (ssize_t)sizeof hdr);
    assert_int_equal(myl_ring_attach(&o, &r), MYL_ENOTREADY);
    /* Anything but zero in the magic is not a segment being created. */
    memset(hdr, 0xa5, 16);
    assert_int_equal(pwrite(fd, hdr, 16, 0), 16);
    assert_int_equal(myl_ring_attach(&o, &r), MYL_EBADMAGIC);
    close(fd);
    unlink(path);
}

static void test_attach_not_regular(void **state)
{
    (void)state;
    const char *path = myl_ut_path("fifo");
    unlink(path);
    assert_int_equal(mkfifo(path, 0600), 0);
    myl_ring_opts o = {.size = sizeof o, .backing = MYL_BACKING_FILE, .name = path};
    myl_ring *r = NULL;
    assert_int_equal(myl_ring_attach(&o, &r), MYL_ENAME);
    unlink(path);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(myl_ring_attach(&o, &r), -EISDIR);
    o.slot_size = 8;
    assert_int_equal(myl_ring_create(&o, &r), -EEXIST);
    rmdir(path);
}

static void test_symlink_refused(void **state)
{
    (void)state;
    myl_ring_opts o = myl_ut_opts("target", MYL_BACKING_FILE);
    myl_ring *r = myl_ut_create(&o), *a = NULL;
    char link[200];
    snprintf(link, sizeof link, "%s", myl_ut_path("link"));
    unlink(link);
    assert_int_equal(symlink(o.name, link), 0);
    myl_ring_opts l = o;
    l.name = link;
    assert_int_equal(myl_ring_attach(&l, &a), -ELOOP);
    assert_null(a);
    /* Creating through a planted symlink fails too and leaves the target. */
    assert_int_equal(myl_ring_create(&l, &a), -EEXIST);
    assert_int_equal(myl_ring_attach(&o, &a), 0);
    myl_ring_close(a);
    /* A dangling symlink: create must not follow it to make the target. */
    char target[200];
    snprintf(target, sizeof target, "%s", myl_ut_path("dangling"));
    unlink(target);
    unlink(link);
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(myl_ring_create(&l, &a), -EEXIST);
    struct stat st;
    assert_int_equal(lstat(target, &st), -1);
    assert_int_equal(errno, ENOENT);
    unlink(link);
    myl_ut_destroy(r, &o);
}

static void test_permissions(void **state)
{
    (void)state;
    /* The mode is exact whatever the umask. */
    mode_t old = umask(0077);
    for (uint32_t b = MYL_BACKING_SHM; b <= MYL_BACKING_FILE; b++) {
        uint32_t perms[] = {0, 0640, 0604, 0400};
        for (size_t i = 0; i < sizeof perms / sizeof perms[0]; i++) {
            myl_ring_opts o = myl_ut_opts("perm", b);
            o.perm = perms[i];
            myl_ring *r = myl_ut_create(&o);
            struct stat st;
            const char *path = b == MYL_BACKING_SHM ? myl_ut_shm_path(o.name) : o.name;
            assert_int_equal(stat(path, &st), 0);
            assert_true(S_ISREG(st.st_mode));
            assert_int_equal(st.st_mode & 07777, perms[i] ? perms[i] : 0600);
            myl_ut_destroy(r, &o);
        }
    }
    umask(old);
}

static void test_file_backing_end_to_end(void **state)
{
    (void)state;
    myl_ring_opts o = myl_ut_opts("e2e", MYL_BACKING_FILE);
    o.slot_size = 64;
    o.capacity = 16;
    o.fingerprint = 77;
    myl_ring *r = myl_ut_create(&o), *a = NULL;
    struct stat st;
    uint64_t size = 0;
    assert_int_equal(myl_ring_segment_size(&o, &size), 0);
    assert_int_equal(stat(o.name, &st), 0);
    assert_int_equal((uint64_t)st.st_size, size);
    /* Producer on the creator's handle, consumer on a second mapping. */
    assert_int_equal(myl_ring_attach(&o, &a), 0);
    myl_producer *p;
    myl_consumer *c;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    assert_int_equal(myl_consumer_open(a, "reader", NULL, &c), 0);
    uint8_t ev[64], out[64 * 4];
    for (int i = 0; i < 40; i++) {
        memset(ev, i, sizeof ev);
        assert_int_equal(myl_producer_send(p, ev, MYL_UT_LIVENESS), 0);
        if (i % 4 == 3) {
            int64_t n = myl_consumer_read(c, out, 4, NULL, MYL_UT_LIVENESS);
            assert_int_equal(n, 4);
            for (int k = 0; k < 4; k++)
                for (int j = 0; j < 64; j++)
                    assert_int_equal(out[k * 64 + j], i - 3 + k);
        }
    }
    myl_consumer_close(c);
    myl_producer_close(p);
    myl_ring_close(a);
    /* The data is in the file. */
    int fd = open(o.name, O_RDONLY);
    assert_true(fd >= 0);
    uint8_t b;
    uint64_t seq = 39, slot_off = r->slots - r->base + (seq & 15) * r->stride + 8;
    assert_int_equal(pread(fd, &b, 1, (off_t)slot_off), 1);
    assert_int_equal(b, 39);
    close(fd);
    myl_ut_destroy(r, &o);
}

/* Drop CAP_IPC_LOCK from the effective set, so that RLIMIT_MEMLOCK holds
 * even for root. Returns false if the kernel does not let us. */
static bool drop_ipc_lock(void)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) != 0)
        return false;
    d[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
    return syscall(SYS_capset, &h, d) == 0;
}

static long vm_locked_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

static void test_segment_flags(void **state)
{
    (void)state;
    uint32_t flags[] = {MYL_SEG_PREFAULT, MYL_SEG_HUGEPAGES, MYL_SEG_PREFAULT | MYL_SEG_HUGEPAGES};
    for (uint32_t b = MYL_BACKING_SHM; b <= MYL_BACKING_FILE; b++) {
        for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
            myl_ring_opts o = myl_ut_opts("flags", b);
            o.flags = flags[i];
            o.capacity = 1024;
            myl_ring *r = myl_ut_create(&o), *a = NULL;
            assert_int_equal(myl_ring_attach(&o, &a), 0);
            myl_producer *p;
            myl_consumer *c;
            assert_int_equal(myl_producer_open(r, NULL, &p), 0);
            assert_int_equal(myl_consumer_open(a, "c", NULL, &c), 0);
            uint8_t ev[24] = {7}, out[24];
            assert_int_equal(myl_producer_send(p, ev, 0), 0);
            assert_int_equal(myl_consumer_read(c, out, 1, NULL, 0), 1);
            assert_int_equal(out[0], 7);
            myl_consumer_close(c);
            myl_producer_close(p);
            myl_ring_close(a);
            myl_ut_destroy(r, &o);
        }
    }
    /* MLOCK: either the mapping is locked, or the failure is reported and
     * nothing is left behind. */
    myl_ring_opts o = myl_ut_opts("mlock", MYL_BACKING_SHM);
    o.flags = MYL_SEG_MLOCK;
    o.capacity = 1024;
    (void)myl_ring_unlink(o.backing, o.name);
    long before = vm_locked_kb();
    myl_ring *r = NULL;
    int rc = myl_ring_create(&o, &r);
#ifdef MYL_UT_ASAN
    /* AddressSanitizer makes mlock(2) a no-op that succeeds: what the
     * kernel would do cannot be observed in this build. */
    if (rc == 0)
        myl_ut_destroy(r, &o);
    assert_int_equal(rc, 0);
    return;
#endif
    if (rc == 0) {
        assert_true(vm_locked_kb() > before);
        myl_ut_destroy(r, &o);
    } else {
        assert_true(rc == -EPERM || rc == -ENOMEM || rc == -EAGAIN);
        assert_null(r);
    }
    /* Now make mlock fail: no CAP_IPC_LOCK and a zero limit. */
    struct rlimit rl = {0, 0};
    bool dropped = drop_ipc_lock();
    assert_int_equal(setrlimit(RLIMIT_MEMLOCK, &rl), 0);
    rc = myl_ring_create(&o, &r);
    if (rc == 0) {
        /* Still privileged: the lock must then be real. */
        assert_false(dropped);
        assert_true(vm_locked_kb() > before);
        myl_ut_destroy(r, &o);
        return;
    }
    assert_true(rc == -EPERM || rc == -ENOMEM);
    assert_null(r);
    myl_ring_opts a = {.size = sizeof a, .name = o.name};
    assert_int_equal(myl_ring_attach(&a, &r), -ENOENT);
    /* Attach honours the flag as well. */
    o.flags = 0;
    myl_ring *r0 = myl_ut_create(&o);
    a.flags = MYL_SEG_MLOCK;
    rc = myl_ring_attach(&a, &r);
    assert_true(rc == -EPERM || rc == -ENOMEM);
    assert_null(r);
    myl_ut_destroy(r0, &o);
}

/* ---- shutdown ---- */

struct waiter {
    int what; /* 0 poll, 1 claim, 2 wait_consumers */
    myl_consumer *c;
    myl_producer *p;
    int64_t rc;
};

/* The waiting call only: the handles are opened before the thread starts,
 * so that the shutdown may come before or during the wait. */
static void *waiter_main(void *arg)
{
    struct waiter *w = arg;
    uint64_t s;
    if (w->what == 0)
        w->rc = myl_consumer_poll(w->c, 1, &s, MYL_FOREVER);
    else if (w->what == 1)
        w->rc = myl_producer_claim(w->p, 1, &s, MYL_FOREVER);
    else
        w->rc = myl_producer_wait_consumers(w->p, "nobody", 1, MYL_FOREVER);
    return NULL;
}

static void test_shutdown(void **state)
{
    (void)state;
    uint32_t waits[] = {MYL_WAIT_BLOCK, MYL_WAIT_HYBRID, MYL_WAIT_YIELD, MYL_WAIT_SPIN};
    for (size_t wi = 0; wi < sizeof waits / sizeof waits[0]; wi++) {
        for (int what = 0; what < 3; what++) {
            myl_ring_opts o = myl_ut_opts("shut", MYL_BACKING_SHM);
            o.wait = waits[wi];
            myl_ring *r = myl_ut_create(&o);
            struct waiter w = {.what = what, .rc = 0};
            myl_consumer *gate = NULL;
            if (what == 0) {
                assert_int_equal(myl_consumer_open(r, "sleeper", NULL, &w.c), 0);
            } else {
                assert_int_equal(myl_producer_open(r, NULL, &w.p), 0);
            }
            if (what == 1) {
                /* A consumer that never reads: the ring fills up. */
                uint64_t s;
                assert_int_equal(myl_consumer_open(r, "gate", NULL, &gate), 0);
                while (myl_producer_try_claim(w.p, 1, &s) == 0)
                    myl_producer_publish(w.p, s, 1);
            }
            pthread_t t;
            assert_int_equal(pthread_create(&t, NULL, waiter_main, &w), 0);
            myl_ut_nap(20 * MYL_UT_MS); /* usually asleep by now; either way works */
            assert_int_equal(myl_ring_shutdown(r), 0);
            assert_int_equal(pthread_join(t, NULL), 0);
            assert_int_equal(w.rc, MYL_ECLOSED);
            myl_consumer_close(w.c);
            myl_producer_close(w.p);
            myl_consumer_close(gate);
            myl_ut_destroy(r, &o);
        }
    }
    /* After shutdown: no new peers, waits return at once, attach still
     * works and shows the state. */
    myl_ring_opts o = myl_ut_opts("shut2", MYL_BACKING_SHM);
    myl_ring *r = myl_ut_create(&o), *a;
    myl_producer *p;
    myl_consumer *c;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    assert_int_equal(myl_consumer_open(r, "c", NULL, &c), 0);
    assert_int_equal(myl_ring_shutdown(r), 0);
    myl_producer *p2 = NULL;
    myl_consumer *c2 = NULL;
    myl_producer_close(p);
    assert_int_equal(myl_producer_open(r, NULL, &p2), MYL_ECLOSED);
    assert_int_equal(myl_consumer_open(r, "c2", NULL, &c2), MYL_ECLOSED);
    uint64_t s;
    assert_int_equal(myl_consumer_poll(c, 1, &s, MYL_FOREVER), MYL_ECLOSED);
    assert_int_equal(myl_ring_attach(&o, &a), 0);
    myl_ring_stats st;
    assert_int_equal(myl_ring_stats_get(a, &st), 0);
    assert_int_equal(st.state, MYL_SEG_STATE_SHUTDOWN);
    myl_ring_close(a);
    assert_int_equal(myl_ring_shutdown(NULL), MYL_EINVAL);
    myl_consumer_close(c);
    myl_ut_destroy(r, &o);
}

/* ---- producers ---- */

static void test_producer_open(void **state)
{
    (void)state;
    myl_ring_opts o = myl_ut_opts("po", MYL_BACKING_SHM);
    o.wait = MYL_WAIT_SPIN;
    myl_ring *r = myl_ut_create(&o);
    myl_producer *p = (myl_producer *)r, *p2 = NULL;
    myl_producer_opts po = {.size = sizeof po};
    assert_int_equal(myl_producer_open(NULL, NULL, &p), MYL_EINVAL);
    assert_int_equal(myl_producer_open(r, NULL, NULL), MYL_EINVAL);
    po.on_dead_consumer = 2;
    assert_int_equal(myl_producer_open(r, &po, &p), MYL_EINVAL);
    assert_null(p);
    po.on_dead_consumer = MYL_DEAD_EVICT;
    /* A spin ring's peers never wake sleepers: no futex waits on it. */
    po.wait = MYL_WAIT_BLOCK;
    assert_int_equal(myl_producer_open(r, &po, &p), MYL_EWAIT);
    po.wait = MYL_WAIT_HYBRID;
    assert_int_equal(myl_producer_open(r, &po, &p), MYL_EWAIT);
    po.wait = 9;
    assert_int_equal(myl_producer_open(r, &po, &p), MYL_EWAIT);
    po.wait = MYL_WAIT_YIELD;
    assert_int_equal(myl_producer_open(r, &po, &p), 0);
    /* Single producer: a second one is refused while the first lives. */
    assert_int_equal(myl_producer_open(r, NULL, &p2), MYL_EBUSY);
    assert_null(p2);
    myl_ring_stats st;
    assert_int_equal(myl_ring_stats_get(r, &st), 0);
    assert_int_equal(st.producers, 1);
    myl_producer_close(p);
    assert_int_equal(myl_producer_open(r, NULL, &p2), 0);
    myl_producer_close(p2);
    myl_producer_close(NULL);

    /* Coordination: wait at open for consumers by id prefix. */
    myl_producer_opts co = {.size = sizeof co};
    co.coordination = 2;
    assert_int_equal(myl_producer_open(r, &co, &p), MYL_EINVAL);
    co.coordination = MYL_COORD_WAIT;
    co.coord_timeout_ns = -1;
    assert_int_equal(myl_producer_open(r, &co, &p), MYL_EINVAL);
    co.coord_timeout_ns = 10 * MYL_UT_MS;
    co.coord_count = 1;
    co.coord_prefix = "w";
    assert_int_equal(myl_producer_open(r, &co, &p), MYL_ETIMEDOUT);
    assert_null(p);
    myl_ring_stats pst;
    assert_int_equal(myl_ring_stats_get(r, &pst), 0);
    assert_int_equal(pst.producers, 0); /* the entry was given back */
    myl_consumer *wc;
    assert_int_equal(myl_consumer_open(r, "w1", NULL, &wc), 0);
    co.coord_timeout_ns = 0; /* no deadline: the consumer is there */
    assert_int_equal(myl_producer_open(r, &co, &p), 0);
    myl_producer_close(p);
    co.coord_prefix = NULL;
    co.coord_count = 2;
    co.coord_timeout_ns = MYL_UT_MS;
    assert_int_equal(myl_producer_open(r, &co, &p), MYL_ETIMEDOUT);
    myl_consumer_close(wc);
    myl_ut_destroy(r, &o);

    /* Spin and yield waits are allowed on a blocking ring. */
    o.wait = MYL_WAIT_BLOCK;
    o.producers = MYL_PRODUCERS_MULTI;
    o.max_producers = 2;
    r = myl_ut_create(&o);
    po.wait = MYL_WAIT_SPIN;
    myl_producer *ps[3];
    assert_int_equal(myl_producer_open(r, &po, &ps[0]), 0);
    po.wait = 0;
    assert_int_equal(myl_producer_open(r, &po, &ps[1]), 0);
    assert_int_equal(myl_producer_open(r, &po, &ps[2]), MYL_EFULL);
    myl_producer_close(ps[0]);
    assert_int_equal(myl_producer_open(r, &po, &ps[2]), 0);
    myl_producer_close(ps[1]);
    myl_producer_close(ps[2]);
    myl_ut_destroy(r, &o);
}

static void test_producer_calls(void **state)
{
    (void)state;
    for (uint32_t prod = MYL_PRODUCERS_SINGLE; prod <= MYL_PRODUCERS_MULTI; prod++) {
        myl_ring_opts o = myl_ut_opts("pc", MYL_BACKING_SHM);
        o.producers = prod;
        myl_ring *r = myl_ut_create(&o);
        myl_producer *p;
        myl_consumer *c;
        assert_int_equal(myl_producer_open(r, NULL, &p), 0);
        assert_int_equal(myl_consumer_open(r, "c", NULL, &c), 0);
        uint64_t s = 0;
        assert_int_equal(myl_producer_try_claim(p, 0, &s), MYL_EINVAL);
        assert_int_equal(myl_producer_try_claim(p, 9, &s), MYL_EINVAL);
        assert_int_equal(myl_producer_claim(p, 0, &s, 0), MYL_EINVAL);
        assert_int_equal(myl_producer_claim(NULL, 1, &s, 0), MYL_EINVAL);
        assert_int_equal(myl_producer_claim(p, 1, NULL, 0), MYL_EINVAL);
        assert_int_equal(myl_producer_send(p, NULL, 0), MYL_EINVAL);
        assert_int_equal(myl_producer_send(NULL, &s, 0), MYL_EINVAL);
        /* A whole ring in one claim. */
        assert_int_equal(myl_producer_claim(p, 8, &s, 0), 0);
        assert_int_equal(s, 0);
        for (uint64_t i = 0; i < 8; i++)
            memcpy(myl_producer_slot(p, s + i), &i, sizeof i);
        myl_producer_publish(p, s, 8);
        uint8_t ev[24] = {0};
        assert_int_equal(myl_producer_try_send(p, ev), MYL_EAGAIN);
        assert_int_equal(myl_producer_send(p, ev, 0), MYL_ETIMEDOUT);
        assert_int_equal(myl_producer_send(p, ev, 5 * MYL_UT_MS), MYL_ETIMEDOUT);
        assert_int_equal(myl_producer_claim(p, 1, &s, 5 * MYL_UT_MS), MYL_ETIMEDOUT);
        int64_t n = myl_consumer_poll(c, 100, &s, 0);
        assert_int_equal(n, 8);
        for (uint64_t i = 0; i < 8; i++)
            assert_memory_equal(myl_consumer_slot(c, s + i), &i, sizeof i);
        myl_consumer_release(c, 8);
        assert_int_equal(myl_producer_try_send(p, ev), 0);
        myl_consumer_close(c);
        myl_producer_close(p);
        myl_ut_destroy(r, &o);
    }
}

struct late_consumer {
    myl_ring *r;
    const char *ids[3];
    myl_consumer *c[3];
};

static void *late_consumers(void *arg)
{
    struct late_consumer *l = arg;
    for (int i = 0; i < 3; i++) {
        myl_ut_nap(5 * MYL_UT_MS);
        if (myl_consumer_open(l->r, l->ids[i], NULL, &l->c[i]) != 0)
            l->c[i] = NULL;
    }
    return NULL;
}

static void test_wait_consumers(void **state)
{
    (void)state;
    myl_ring_opts o = myl_ut_opts("wc", MYL_BACKING_SHM);
    myl_ring *r = myl_ut_create(&o);
    myl_producer *p;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    assert_int_equal(myl_producer_wait_consumers(NULL, "w", 1, 0), MYL_EINVAL);
    assert_int_equal(myl_producer_wait_consumers(p, NULL, 0, 0), 0);
    assert_int_equal(myl_producer_wait_consumers(p, NULL, 1, 0), MYL_ETIMEDOUT);
    assert_int_equal(myl_producer_wait_consumers(p, "w", 1, 10 * MYL_UT_MS), MYL_ETIMEDOUT);
    struct late_consumer l = {.r = r, .ids = {"worker-1", "other", "worker-2"}};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, late_consumers, &l), 0);
    assert_int_equal(myl_producer_wait_consumers(p, "worker-", 2, MYL_UT_LIVENESS), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    for (int i = 0; i < 3; i++)
        assert_non_null(l.c[i]);
    assert_int_equal(myl_producer_wait_consumers(p, "worker-", 2, 0), 0);
    assert_int_equal(myl_producer_wait_consumers(p, "worker-", 3, 0), MYL_ETIMEDOUT);
    assert_int_equal(myl_producer_wait_consumers(p, "", 3, 0), 0);
    assert_int_equal(myl_producer_wait_consumers(p, "other", 1, 0), 0);
    assert_int_equal(myl_producer_wait_consumers(p, "worker-1x", 1, 0), MYL_ETIMEDOUT);
    /* Closed consumers do not count. */
    myl_consumer_close(l.c[0]);
    assert_int_equal(myl_producer_wait_consumers(p, "worker-", 2, 0), MYL_ETIMEDOUT);
    assert_int_equal(myl_producer_wait_consumers(p, "worker-", 1, 0), 0);
    myl_consumer_close(l.c[1]);
    myl_consumer_close(l.c[2]);
    myl_producer_close(p);
    myl_ut_destroy(r, &o);
}

/* ---- consumers ---- */

static void test_consumer_open(void **state)
{
    (void)state;
    myl_ring_opts o = myl_ut_opts("co", MYL_BACKING_SHM);
    o.max_consumers = 3;
    o.wait = MYL_WAIT_YIELD;
    myl_ring *r = myl_ut_create(&o);
    myl_consumer *c = (myl_consumer *)r, *cs[4];
    myl_consumer_opts co = {.size = sizeof co};
    assert_int_equal(myl_consumer_open(NULL, "a", NULL, &c), MYL_EINVAL);
    assert_int_equal(myl_consumer_open(r, "a", NULL, NULL), MYL_EINVAL);
    assert_int_equal(myl_consumer_open(r, NULL, NULL, &c), MYL_EINVAL);
    assert_int_equal(myl_consumer_open(r, "", NULL, &c), MYL_EINVAL);
    char id[40];
    memset(id, 'i', sizeof id);
    id[39] = '\0';
    assert_int_equal(myl_consumer_open(r, id, NULL, &c), MYL_EINVAL);
    id[MYL_ID_MAX] = '\0'; /* 32 bytes: one too many */
    assert_int_equal(myl_consumer_open(r, id, NULL, &c), MYL_EINVAL);
    co.start = 2;
    assert_int_equal(myl_consumer_open(r, "a", &co, &c), MYL_EINVAL);
    co.start = MYL_START_LIVE;
    co.stall_ns = -1;
    assert_int_equal(myl_consumer_open(r, "a", &co, &c), MYL_EINVAL);
    co.stall_ns = 0;
    co.wait = MYL_WAIT_BLOCK;
    assert_int_equal(myl_consumer_open(r, "a", &co, &c), MYL_EWAIT);
    co.wait = MYL_WAIT_HYBRID;
    assert_int_equal(myl_consumer_open(r, "a", &co, &c), MYL_EWAIT);
    co.wait = 0;
    /* 31 bytes is the longest id. */
    id[MYL_ID_MAX - 1] = '\0';
    assert_int_equal(myl_consumer_open(r, id, &co, &cs[0]), 0);
    myl_consumer_stats cst;
    assert_int_equal(myl_ring_consumer_stats(r, cs[0]->idx, &cst), 0);
    assert_string_equal(cst.id, id);
    assert_int_equal(cst.state, MYL_ENTRY_ACTIVE);
    assert_int_equal(cst.pid, getpid());
    assert_true(cst.alive);
    /* A live id is unique. */
    assert_int_equal(myl_consumer_open(r, id, &co, &c), MYL_EEXIST);
    co.wait = MYL_WAIT_SPIN;
    assert_int_equal(myl_consumer_open(r, "b", &co, &cs[1]), 0);
    assert_int_equal(myl_consumer_open(r, "c", &co, &cs[2]), 0);
    /* The table is full. */
    assert_int_equal(myl_consumer_open(r, "d", &co, &cs[3]), MYL_EFULL);
    myl_ring_stats st;
    assert_int_equal(myl_ring_stats_get(r, &st), 0);
    assert_int_equal(st.consumers, 3);
    myl_consumer_close(cs[1]);
    assert_int_equal(myl_ring_consumer_stats(r, 1, &cst), 0);
    assert_int_equal(cst.state, MYL_ENTRY_FREE);
    assert_false(cst.alive);
    assert_int_equal(myl_consumer_open(r, "d", &co, &cs[3]), 0);
    assert_int_equal(myl_ring_stats_get(r, &st), 0);
    assert_int_equal(st.consumers, 3);
    myl_consumer_close(cs[0]);
    myl_consumer_close(cs[2]);
    myl_consumer_close(cs[3]);
    myl_consumer_close(NULL);
    assert_int_equal(myl_ring_stats_get(r, &st), 0);
    assert_int_equal(st.consumers, 0);
    myl_ut_destroy(r, &o);
}

static void test_consumer_calls(void **state)
{
    (void)state;
    myl_ring_opts o = myl_ut_opts("cc", MYL_BACKING_SHM);
    myl_ring *r = myl_ut_create(&o);
    myl_producer *p;
    myl_consumer *c;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    assert_int_equal(myl_consumer_open(r, "c", NULL, &c), 0);
    uint64_t s;
    uint8_t buf[24 * 8];
    assert_int_equal(myl_consumer_try_poll(c, 0, &s), MYL_EINVAL);
    assert_int_equal(myl_consumer_poll(c, 0, &s, 0), MYL_EINVAL);
    assert_int_equal(myl_consumer_poll(NULL, 1, &s, 0), MYL_EINVAL);
    assert_int_equal(myl_consumer_poll(c, 1, NULL, 0), MYL_EINVAL);
    assert_int_equal(myl_consumer_read(c, NULL, 1, NULL, 0), MYL_EINVAL);
    assert_int_equal(myl_consumer_read(NULL, buf, 1, NULL, 0), MYL_EINVAL);
    assert_int_equal(myl_consumer_try_poll(c, 1, &s), MYL_EAGAIN);
    assert_int_equal(myl_consumer_poll(c, 1, &s, 0), MYL_ETIMEDOUT);
    assert_int_equal(myl_consumer_poll(c, 1, &s, 5 * MYL_UT_MS), MYL_ETIMEDOUT);
    uint64_t lost = 99;
    assert_int_equal(myl_consumer_read(c, buf, 8, &lost, 5 * MYL_UT_MS), MYL_ETIMEDOUT);
    assert_int_equal(lost, 0);
    for (uint8_t i = 0; i < 5; i++) {
        uint8_t ev[24];
        memset(ev, i + 1, sizeof ev);
        assert_int_equal(myl_producer_try_send(p, ev), 0);
    }
    /* try_poll and valid; release 0 is a no-op. */
    assert_int_equal(myl_consumer_try_poll(c, 2, &s), 2);
    assert_int_equal(s, 0);
    assert_true(myl_consumer_valid(c, 0));
    assert_true(myl_consumer_valid(c, 1));
    assert_false(myl_consumer_valid(c, 5)); /* not written */
    myl_consumer_release(c, 0);
    assert_int_equal(myl_consumer_try_poll(c, 1, &s), 1);
    assert_int_equal(s, 0);
    assert_int_equal(((const uint8_t *)myl_consumer_slot(c, 0))[0], 1);
    myl_consumer_release(c, 1);
    /* read() returns what is known available, at least one event. */
    for (int got = 0; got < 4;) {
        lost = 99;
        int64_t n = myl_consumer_read(c, buf, 8, &lost, 0);
        assert_true(n >= 1 && n <= 4 - got);
        assert_int_equal(lost, 0);
        for (int i = 0; i < n; i++)
            assert_int_equal(buf[i * 24 + 23], got + i + 2);
        got += (int)n;
    }
    assert_int_equal(myl_consumer_poll(c, 8, &s, 0), MYL_ETIMEDOUT);
    assert_int_equal(myl_consumer_take_lost(c), 0);
    myl_consumer_stats cst;
    assert_int_equal(myl_ring_consumer_stats(r, c->idx, &cst), 0);
    assert_int_equal(cst.consumed, 5);
    assert_int_equal(cst.seq, 5);
    myl_consumer_close(c);
    myl_producer_close(p);
    myl_ut_destroy(r, &o);
}

/* ---- stats and eviction ---- */

static void test_stats_evict(void **state)
{
    (void)state;
    myl_ring_opts o = myl_ut_opts("ev", MYL_BACKING_SHM);
    o.max_consumers = 4;
    o.capacity = 4;
    myl_ring *r = myl_ut_create(&o);
    myl_ring_stats st;
    myl_consumer_stats cst;
    assert_int_equal(myl_ring_stats_get(NULL, &st), MYL_EINVAL);
    assert_int_equal(myl_ring_stats_get(r, NULL), MYL_EINVAL);
    assert_int_equal(myl_ring_consumer_stats(NULL, 0, &cst), MYL_EINVAL);
    assert_int_equal(myl_ring_consumer_stats(r, 0, NULL), MYL_EINVAL);
    assert_int_equal(myl_ring_consumer_stats(r, 4, &cst), MYL_EINVAL);
    assert_int_equal(myl_ring_consumer_stats(r, UINT32_MAX, &cst), MYL_EINVAL);
    assert_int_equal(myl_ring_evict(NULL, 0), MYL_EINVAL);
    assert_int_equal(myl_ring_evict(r, 4), MYL_EINVAL);
    assert_int_equal(myl_ring_evict(r, 0), MYL_EINVAL); /* free entry */
    assert_int_equal(myl_ring_reap(NULL), MYL_EINVAL);
    assert_int_equal(myl_ring_reap(r), 0);
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_equal(myl_ring_consumer_stats(r, i, &cst), 0);
        assert_int_equal(cst.state, MYL_ENTRY_FREE);
        assert_string_equal(cst.id, "");
    }
    assert_int_equal(myl_ring_stats_get(r, &st), 0);
    assert_int_equal(st.capacity, 4);
    assert_int_equal(st.slot_size, 24);
    assert_int_equal(st.slot_stride, myl_ring_stride(24));
    assert_int_equal(st.producer_mode, MYL_PRODUCERS_SINGLE);
    assert_int_equal(st.ring_mode, MYL_MODE_GATED);
    assert_int_equal(st.consumers + st.producers + st.claim + st.published, 0);

    myl_producer *p;
    myl_consumer *slow, *fast;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    assert_int_equal(myl_consumer_open(r, "slow", NULL, &slow), 0);
    assert_int_equal(myl_consumer_open(r, "fast", NULL, &fast), 0);
    uint8_t ev[24] = {0};
    for (int i = 0; i < 4; i++)
        assert_int_equal(myl_producer_try_send(p, ev), 0);
    assert_int_equal(myl_producer_try_send(p, ev), MYL_EAGAIN);
    uint64_t s;
    assert_int_equal(myl_consumer_try_poll(fast, 4, &s), 4);
    myl_consumer_release(fast, 4);
    assert_int_equal(myl_producer_try_send(p, ev), MYL_EAGAIN); /* slow gates */
    /* Evicting the slow one frees the producer and tells the consumer. */
    assert_int_equal(myl_consumer_check(slow), 0);
    assert_int_equal(myl_consumer_check(NULL), MYL_EINVAL);
    assert_int_equal(myl_group_receiver_check(NULL), MYL_EINVAL);
    assert_int_equal(myl_ring_evict(r, slow->idx), 0);
    assert_int_equal(myl_consumer_check(slow), MYL_EEVICTED); /* before any poll */
    assert_int_equal(myl_consumer_check(fast), 0);
    assert_int_equal(myl_ring_evict(r, slow->idx), MYL_EINVAL); /* not active any more */
    assert_int_equal(myl_ring_consumer_stats(r, slow->idx, &cst), 0);
    assert_int_equal(cst.state, MYL_ENTRY_EVICTED);
    assert_false(cst.alive);
    assert_string_equal(cst.id, "slow");
    assert_int_equal(myl_ring_stats_get(r, &st), 0);
    assert_int_equal(st.consumers, 1);
    /* What was published before the eviction can still be read; then the
     * consumer learns it was evicted instead of waiting forever. */
    assert_int_equal(myl_consumer_poll(slow, 4, &s, MYL_FOREVER), 4);
    assert_int_equal(s, 0);
    myl_consumer_release(slow, 4);
    assert_int_equal(myl_consumer_poll(slow, 1, &s, MYL_FOREVER), MYL_EEVICTED);
    assert_int_equal(myl_consumer_read(slow, ev, 1, NULL, MYL_FOREVER), MYL_EEVICTED);
    assert_int_equal(myl_producer_try_send(p, ev), 0);
    /* The evicted id can register again; it starts afresh at the head. */
    myl_consumer *again;
    assert_int_equal(myl_consumer_open(r, "slow", NULL, &again), 0);
    /* Not in the evicted entry while the process holding it lives (its
     * handle would store its releases there): another one. */
    assert_int_not_equal(again->idx, slow->idx);
    assert_int_equal(again->next, 5);
    assert_int_equal(myl_consumer_check(again), 0);
    assert_int_equal(myl_consumer_check(slow), MYL_EEVICTED);
    assert_int_equal(myl_ring_consumer_stats(r, again->idx, &cst), 0);
    assert_int_equal(cst.state, MYL_ENTRY_ACTIVE);
    assert_int_equal(cst.consumed, 0);
    uint32_t slow_idx = slow->idx, again_idx = again->idx;
    myl_consumer_close(again);
    myl_consumer_close(slow); /* frees its evicted entry */
    assert_int_equal(myl_ring_consumer_stats(r, slow_idx, &cst), 0);
    assert_int_equal(cst.state, MYL_ENTRY_FREE);
    assert_int_equal(myl_ring_consumer_stats(r, again_idx, &cst), 0);
    assert_int_equal(cst.state, MYL_ENTRY_FREE);

    /* An evicted consumer that the producer has lapped learns of its
     * eviction; it is not treated as a lossy reader that was overrun. */
    myl_consumer *lap;
    assert_int_equal(myl_consumer_open(r, "lap", NULL, &lap), 0);
    assert_int_equal(myl_ring_evict(r, lap->idx), 0);
    for (int i = 0; i < 5; i++) { /* seq 5..9: 9 overwrites 5 */
        assert_int_equal(myl_producer_try_send(p, ev), 0);
        assert_int_equal(myl_consumer_poll(fast, 1, &s, 0), 1);
        myl_consumer_release(fast, 1);
    }
    assert_int_equal(myl_consumer_try_poll(lap, 1, &s), MYL_EEVICTED);
    assert_int_equal(myl_consumer_poll(lap, 4, &s, MYL_FOREVER), MYL_EEVICTED);
    assert_int_equal(myl_ring_consumer_stats(r, lap->idx, &cst), 0);
    assert_int_equal(cst.overruns, 0);
    assert_int_equal(cst.lost, 0);
    myl_consumer_close(lap);
    myl_consumer_close(fast);
    myl_producer_close(p);
    assert_int_equal(myl_ring_stats_get(r, &st), 0);
    assert_int_equal(st.published, 10);
    assert_int_equal(st.producers, 0);
    myl_ut_destroy(r, &o);
}

MYL_TEST_MAIN("api", cmocka_unit_test(test_error_table), cmocka_unit_test(test_shm_name),
              cmocka_unit_test(test_stride), cmocka_unit_test(test_segment_size),
              cmocka_unit_test(test_create_invalid),
              cmocka_unit_test(test_create_exists_attach_missing),
              cmocka_unit_test(test_attach_mismatch), cmocka_unit_test(test_attach_wait),
              cmocka_unit_test(test_attach_not_ready), cmocka_unit_test(test_attach_not_regular),
              cmocka_unit_test(test_symlink_refused), cmocka_unit_test(test_permissions),
              cmocka_unit_test(test_file_backing_end_to_end), cmocka_unit_test(test_segment_flags),
              cmocka_unit_test(test_shutdown), cmocka_unit_test(test_producer_open),
              cmocka_unit_test(test_producer_calls), cmocka_unit_test(test_wait_consumers),
              cmocka_unit_test(test_consumer_open), cmocka_unit_test(test_consumer_calls),
              cmocka_unit_test(test_stats_evict))
