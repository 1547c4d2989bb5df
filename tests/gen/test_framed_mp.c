/* The framed byte-channel bindings myelonc generates from
 * tests/golden/framed.myl, used end to end by two processes (fork + exec of
 * this binary): one framed ring (fragmented messages, in-place claims, an
 * aborted claim), size classes (ordered receive; every class hit, the
 * largest with fragmented messages) and priority lanes (delivery in
 * priority order). Also: generated descriptors, fingerprint refusal by
 * attach and by the endpoints, attach timeouts, and the channels' fences
 * in the rings they make. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>

#include "harness.h"

#include "fences_util.h"
#include "framed.myl.h"

#define ROLE_ENV "MYLC_FRAMED_ROLE"
#define NAME_ENV "MYLC_FRAMED_NAME"
#define FD_ENV "MYLC_FRAMED_FD"
#define TMO INT64_C(20000000000) /* generous: the machine may be loaded */

#define N_BLOBS 3000u
#define N_SIZED 4000u
#define N_LANE 20u /* messages per lane, fewer than a lane's capacity */

/* Message i: its index in the first 8 bytes, then a pattern of i. */
static void fill_msg(uint8_t *p, size_t len, uint64_t i)
{
    memcpy(p, &i, sizeof i);
    for (size_t k = sizeof i; k < len; k++)
        p[k] = (uint8_t)(i * 131u + k * 7u);
}

static bool msg_ok(const uint8_t *p, size_t len, uint64_t i)
{
    uint64_t got;
    if (len < sizeof got)
        return false;
    memcpy(&got, p, sizeof got);
    if (got != i)
        return false;
    for (size_t k = sizeof got; k < len; k++)
        if (p[k] != (uint8_t)(i * 131u + k * 7u))
            return false;
    return true;
}

/* blobs: up to 64 KiB over 1 KiB frames (1000 data bytes each). */
static size_t blob_len(uint64_t i)
{
    static const size_t sizes[] = {8, 999, 1000, 1001, 4096, 65536, 12345, 2000, 64, 30000};
    return sizes[i % (sizeof sizes / sizeof sizes[0])];
}

/* sized: frames 64, 256, 1024, 4096, 16384, i.e. 40, 232, 1000, 4072 and
 * 16360 data bytes; the cycle puts messages in every class, at both ends of
 * each, and beyond the largest frame (fragmented in the largest class). */
static const uint32_t sized_data[] = {40, 232, 1000, 4072, 16360};

static size_t sized_len(uint64_t i)
{
    static const size_t sizes[] = {8,    40,   41,    232,   233,   1000,  1001,
                                   4072, 4073, 16360, 16361, 40000, 100000};
    return sizes[i % (sizeof sizes / sizeof sizes[0])];
}

static uint32_t sized_class(size_t len)
{
    uint32_t c = 0;
    while (c + 1 < demo_framed_sized_CLASSES && len > sized_data[c])
        c++;
    return c;
}

static size_t lane_len(uint64_t i)
{
    return 8 + (size_t)(i % 5) * 100; /* up to 2 frames of 232 data bytes */
}

/* ---- the receiving processes ---- */

static int recv_blobs(const char *name)
{
    myl_ring *r;
    int rc = demo_framed_blobs_attach(name, TMO, &r);
    if (rc < 0)
        return fprintf(stderr, "blobs: attach: %s\n", myl_strerror(rc)), 2;
    demo_framed_blobs_receiver rx;
    if ((rc = demo_framed_blobs_receiver_open(r, "r-blobs", NULL, &rx)) < 0)
        return fprintf(stderr, "blobs: open: %s\n", myl_strerror(rc)), 3;
    for (uint64_t i = 0; i < N_BLOBS; i++) {
        myl_frame_msg m;
        if ((rc = demo_framed_blobs_receiver_recv(&rx, &m, TMO)) < 0)
            return fprintf(stderr, "blobs: recv %llu: %s\n", (unsigned long long)i,
                           myl_strerror(rc)),
                   4;
        if (m.len != blob_len(i) || !msg_ok(m.data, m.len, i) || m.kind != (uint16_t)(i & 7))
            return fprintf(stderr, "blobs: bad message %llu (len %zu)\n", (unsigned long long)i,
                           m.len),
                   5;
        demo_framed_blobs_receiver_release(&rx);
    }
    demo_framed_blobs_receiver_close(&rx);
    myl_ring_close(r);
    return 0;
}

static int recv_sized(const char *name)
{
    myl_group *g;
    int rc = demo_framed_sized_attach(name, TMO, &g);
    if (rc < 0)
        return fprintf(stderr, "sized: attach: %s\n", myl_strerror(rc)), 2;
    demo_framed_sized_receiver rx;
    if ((rc = demo_framed_sized_receiver_open(g, "r-sized", MYL_GROUP_ORDERED, &rx)) < 0)
        return fprintf(stderr, "sized: open: %s\n", myl_strerror(rc)), 3;
    uint64_t per_class[demo_framed_sized_CLASSES] = {0};
    for (uint64_t i = 0; i < N_SIZED; i++) {
        myl_frame_msg m;
        uint32_t cls = UINT32_MAX;
        if ((rc = demo_framed_sized_receiver_recv(&rx, &m, &cls, TMO)) < 0)
            return fprintf(stderr, "sized: recv %llu: %s\n", (unsigned long long)i,
                           myl_strerror(rc)),
                   4;
        /* Ordered: message i is the i-th delivered, whatever its class. */
        if (m.len != sized_len(i) || !msg_ok(m.data, m.len, i))
            return fprintf(stderr, "sized: message %llu out of order or bad (len %zu)\n",
                           (unsigned long long)i, m.len),
                   5;
        if (cls != sized_class(m.len))
            return fprintf(stderr, "sized: message %llu of %zu bytes came in class %u\n",
                           (unsigned long long)i, m.len, cls),
                   6;
        per_class[cls]++;
    }
    for (uint32_t c = 0; c < demo_framed_sized_CLASSES; c++)
        if (per_class[c] == 0)
            return fprintf(stderr, "sized: class %u never used\n", c), 7;
    demo_framed_sized_receiver_close(&rx);
    myl_group_close(g);
    return 0;
}

static int recv_control(const char *name, int go_fd)
{
    myl_group *g;
    int rc = demo_framed_control_attach(name, TMO, &g);
    if (rc < 0)
        return fprintf(stderr, "control: attach: %s\n", myl_strerror(rc)), 2;
    /* No starvation guard within this test's few messages: pure priority. */
    const uint32_t starve[demo_framed_control_LANES] = {1000, 1000, 1000};
    demo_framed_control_receiver rx;
    if ((rc = demo_framed_control_receiver_open(g, "r-control", 0, starve, &rx)) < 0)
        return fprintf(stderr, "control: open: %s\n", myl_strerror(rc)), 3;
    /* Every lane holds all its messages before the first receive. */
    char go;
    if (read(go_fd, &go, 1) != 1)
        return fprintf(stderr, "control: no go\n"), 4;
    for (uint32_t lane = 0; lane < demo_framed_control_LANES; lane++) {
        for (uint64_t k = 0; k < N_LANE; k++) {
            myl_frame_msg m;
            uint32_t got = UINT32_MAX;
            if ((rc = demo_framed_control_receiver_recv(&rx, &m, &got, TMO)) < 0)
                return fprintf(stderr, "control: recv: %s\n", myl_strerror(rc)), 5;
            /* Lane L's k-th message carries index L * N_LANE + k. */
            uint64_t i = lane * N_LANE + k;
            if (got != lane || m.kind != lane || m.len != lane_len(i) || !msg_ok(m.data, m.len, i))
                return fprintf(stderr, "control: expected lane %u message %llu, got lane %u\n",
                               lane, (unsigned long long)k, got),
                       6;
        }
    }
    demo_framed_control_receiver_close(&rx);
    myl_group_close(g);
    return 0;
}

__attribute__((constructor)) static void receiver_role(void)
{
    const char *role = getenv(ROLE_ENV), *name = getenv(NAME_ENV);
    if (!role || !name)
        return;
    if (strcmp(role, "blobs") == 0)
        _exit(recv_blobs(name));
    if (strcmp(role, "sized") == 0)
        _exit(recv_sized(name));
    if (strcmp(role, "control") == 0)
        _exit(recv_control(name, getenv(FD_ENV) ? atoi(getenv(FD_ENV)) : -1));
    _exit(100);
}

/* ---- the sending side (the test process) ---- */

static pid_t spawn(const char *role, const char *name, int fd)
{
    pid_t pid = fork();
    if (pid == 0) {
        char fds[16];
        snprintf(fds, sizeof fds, "%d", fd);
        setenv(ROLE_ENV, role, 1);
        setenv(NAME_ENV, name, 1);
        setenv(FD_ENV, fds, 1);
        char *argv[] = {(char *)"test_myelonc_framed_mp", NULL};
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    return pid;
}

static void reap(pid_t pid)
{
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_framed_ring(void **state)
{
    (void)state;
    const char *name = myl_test_name("gen-blobs");
    myl_ring_unlink(demo_framed_blobs_desc.backing, name);
    myl_ring *r;
    assert_int_equal(demo_framed_blobs_create(name, &r), 0);
    demo_framed_blobs_sender tx;
    assert_int_equal(demo_framed_blobs_sender_open(r, NULL, &tx), 0);
    static uint8_t buf[65537];
    /* Above max_message: refused, nothing sent. */
    assert_int_equal(demo_framed_blobs_sender_send(&tx, buf, 65537, 0, 0), MYL_ETOOBIG);

    pid_t pid = spawn("blobs", name, -1);
    assert_true(pid > 0);
    assert_int_equal(myl_producer_wait_consumers(myl_framer_producer(tx.f), "r-blobs", 1, TMO), 0);
    for (uint64_t i = 0; i < N_BLOBS; i++) {
        size_t len = blob_len(i);
        if (i % 3 == 1) {
            /* In place: an aborted claim first (receivers skip it), then
             * the message frame by frame. */
            myl_frame_span sp;
            assert_int_equal(demo_framed_blobs_sender_claim(&tx, 100, 0, &sp, TMO), 0);
            demo_framed_blobs_sender_abort(&tx, &sp);
            assert_int_equal(demo_framed_blobs_sender_claim(&tx, len, (uint16_t)(i & 7), &sp, TMO),
                             0);
            fill_msg(buf, len, i);
            size_t at = 0;
            for (uint32_t f = 0; f < sp.frames; f++) {
                uint32_t n = 0;
                uint8_t *d = demo_framed_blobs_sender_claim_data(&tx, &sp, f, &n);
                assert_non_null(d);
                memcpy(d, buf + at, n);
                at += n;
            }
            assert_int_equal(at, len);
            demo_framed_blobs_sender_commit(&tx, &sp);
        } else {
            fill_msg(buf, len, i);
            assert_int_equal(demo_framed_blobs_sender_send(&tx, buf, len, (uint16_t)(i & 7), TMO),
                             0);
        }
    }
    reap(pid);
    demo_framed_blobs_sender_close(&tx);
    myl_ring_close(r);
    assert_int_equal(demo_framed_blobs_unlink(name), 0);
    assert_int_equal(demo_framed_blobs_unlink(name), -ENOENT);
}

static void test_size_classes_ordered(void **state)
{
    (void)state;
    const char *name = myl_test_name("gen-sized");
    demo_framed_sized_unlink(name);
    myl_group *g;
    assert_int_equal(demo_framed_sized_create(name, &g), 0);
    demo_framed_sized_sender tx;
    assert_int_equal(demo_framed_sized_sender_open(g, NULL, &tx), 0);
    pid_t pid = spawn("sized", name, -1);
    assert_true(pid > 0);
    for (uint32_t c = 0; c < demo_framed_sized_CLASSES; c++)
        assert_int_equal(
            myl_producer_wait_consumers(myl_framer_producer(myl_group_sender_framer(tx.s, c)),
                                        "r-sized", 1, TMO),
            0);
    static uint8_t buf[100000];
    for (uint64_t i = 0; i < N_SIZED; i++) {
        size_t len = sized_len(i);
        fill_msg(buf, len, i);
        assert_int_equal(demo_framed_sized_sender_send(&tx, buf, len, 0, TMO), 0);
    }
    reap(pid);
    demo_framed_sized_sender_close(&tx);
    myl_group_close(g);
    assert_int_equal(demo_framed_sized_unlink(name), 0);
}

static void test_lanes_priority(void **state)
{
    (void)state;
    const char *name = myl_test_name("gen-control");
    demo_framed_control_unlink(name);
    myl_group *g;
    assert_int_equal(demo_framed_control_create(name, &g), 0);
    demo_framed_control_sender tx;
    assert_int_equal(demo_framed_control_sender_open(g, NULL, &tx), 0);
    int go[2];
    assert_int_equal(pipe(go), 0);
    pid_t pid = spawn("control", name, go[0]);
    assert_true(pid > 0);
    close(go[0]);
    for (uint32_t l = 0; l < demo_framed_control_LANES; l++)
        assert_int_equal(
            myl_producer_wait_consumers(myl_framer_producer(myl_group_sender_framer(tx.s, l)),
                                        "r-control", 1, TMO),
            0);
    /* Lowest priority first: the receiver must still deliver critical,
     * then high, then low. */
    static const uint32_t order[] = {demo_framed_control_LANE_low, demo_framed_control_LANE_high,
                                     demo_framed_control_LANE_critical};
    uint8_t buf[512];
    for (uint64_t k = 0; k < N_LANE; k++) {
        for (size_t j = 0; j < 3; j++) {
            uint32_t lane = order[j];
            uint64_t i = lane * N_LANE + k;
            fill_msg(buf, lane_len(i), i);
            assert_int_equal(
                demo_framed_control_sender_send(&tx, lane, buf, lane_len(i), (uint16_t)lane, TMO),
                0);
        }
    }
    assert_int_equal(write(go[1], "g", 1), 1);
    close(go[1]);
    reap(pid);
    demo_framed_control_sender_close(&tx);
    myl_group_close(g);
    assert_int_equal(demo_framed_control_unlink(name), 0);
}

/* Rings and groups made for another schema (another fingerprint) are
 * refused on attach and by the endpoints; attaching to nothing times out. */
static void test_fingerprint_and_timeouts(void **state)
{
    (void)state;
    const char *rname = myl_test_name("gen-fp-ring");
    const char *gname = myl_test_name("gen-fp-group");
    const char *none = myl_test_name("gen-none");
    myl_ring_unlink(MYL_BACKING_SHM, rname);
    myl_ring_opts ro;
    myl_channel_ring_opts(&demo_framed_blobs_desc, rname, &ro);
    ro.fingerprint ^= 1;
    myl_ring *other;
    assert_int_equal(myl_ring_create(&ro, &other), 0);
    myl_ring *r;
    assert_int_equal(demo_framed_blobs_attach(rname, 0, &r), MYL_EFINGERPRINT);
    demo_framed_blobs_sender tx = {(myl_framer *)&tx};
    assert_int_equal(demo_framed_blobs_sender_open(other, NULL, &tx), MYL_EFINGERPRINT);
    assert_null(tx.f); /* NULL after a refusal */
    demo_framed_blobs_receiver rx = {(myl_defrag *)&rx};
    assert_int_equal(demo_framed_blobs_receiver_open(other, "r", NULL, &rx), MYL_EFINGERPRINT);
    assert_null(rx.d);
    assert_int_equal(demo_framed_blobs_sender_open(NULL, NULL, &tx), MYL_EINVAL);
    assert_int_equal(demo_framed_blobs_receiver_open(other, "r", NULL, NULL), MYL_EINVAL);
    myl_ring_close(other);
    assert_int_equal(myl_ring_unlink(MYL_BACKING_SHM, rname), 0);

    myl_group_opts go;
    demo_framed_control_opts(gname, &go);
    demo_framed_control_unlink(gname);
    go.fingerprint ^= 1;
    myl_group *og;
    assert_int_equal(myl_group_create(&go, &og), 0);
    myl_group *g;
    assert_int_equal(demo_framed_control_attach(gname, 0, &g), MYL_EFINGERPRINT);
    assert_int_equal(demo_framed_control_attach(gname, INT64_C(1000000000), &g), MYL_EFINGERPRINT);
    demo_framed_control_sender gtx = {(myl_group_sender *)&gtx};
    assert_int_equal(demo_framed_control_sender_open(og, NULL, &gtx), MYL_EFINGERPRINT);
    assert_null(gtx.s);
    demo_framed_control_receiver grx = {(myl_group_receiver *)&grx};
    assert_int_equal(demo_framed_control_receiver_open(og, "r", 0, NULL, &grx), MYL_EFINGERPRINT);
    assert_null(grx.r);
    assert_int_equal(demo_framed_control_sender_open(NULL, NULL, &gtx), MYL_EINVAL);
    assert_int_equal(demo_framed_control_receiver_open(NULL, "r", 0, NULL, &grx), MYL_EINVAL);
    /* A group of another channel's shape. */
    demo_framed_sized_sender stx;
    assert_int_equal(demo_framed_sized_sender_open(og, NULL, &stx), MYL_EINVAL);
    myl_group_close(og);
    assert_int_equal(myl_group_unlink(&go), 0);

    demo_framed_sized_unlink(none);
    assert_int_equal(demo_framed_sized_attach(none, 0, &g), -ENOENT);
    assert_int_equal(demo_framed_sized_attach(none, INT64_C(20000000), &g), MYL_ETIMEDOUT);
}

static void test_descriptors(void **state)
{
    (void)state;
    assert_string_equal(demo_framed_blobs_desc.name, "demo.framed.blobs");
    assert_int_equal(demo_framed_blobs_desc.slot_size, 1024);
    assert_int_equal(demo_framed_blobs_frame_opts.max_message, 65536);
    assert_int_not_equal(demo_framed_blobs_desc.fingerprint, 0);
    assert_int_equal(demo_framed_sized_desc.kind, MYL_GROUP_CLASSES);
    assert_int_equal(demo_framed_sized_desc.count, 5);
    assert_int_equal(demo_framed_sized_CLASSES, 5);
    assert_ptr_equal(demo_framed_sized_desc.frame_sizes, demo_framed_sized_frame_sizes);
    assert_int_equal(demo_framed_sized_frame_sizes[4], 16384);
    assert_int_equal(demo_framed_sized_desc.max_message, 1048576);
    assert_int_equal(demo_framed_sized_desc.capacity, 256);
    assert_int_equal(demo_framed_control_desc.kind, MYL_GROUP_LANES);
    assert_int_equal(demo_framed_control_desc.frame_size, 256);
    assert_int_equal(demo_framed_control_LANE_critical, 0);
    assert_int_equal(demo_framed_control_LANE_low, 2);
    assert_string_equal(demo_framed_control_lane_names[demo_framed_control_LANE_high], "high");
    assert_int_equal(demo_framed_shared_desc.producers, MYL_PRODUCERS_MULTI);
    assert_int_equal(demo_framed_shared_desc.backing, MYL_BACKING_FILE);
    assert_int_equal(demo_framed_single_class_desc.mode, MYL_MODE_LOSSY);
    char ring0[128];
    assert_true(myl_group_ring_name(&demo_framed_control_desc, 0, ring0, sizeof ring0) > 0);
    assert_string_equal(ring0, "demo.framed.control.critical");
}

/* A channel's `fences` reach the rings its create makes: blobs and every
 * ring of sized fence on both sides although hybrid (asymmetric by
 * default), shared sleeps with membarrier although it blocks (symmetric
 * by default), control keeps the hybrid default. What the default gives
 * depends on whether this process may use membarrier (fences_util.h). */
static void test_fences(void **state)
{
    (void)state;
    myl_ring *r;
    myl_group *g;
    bool asym = myl_test_default_asym();
    if (!asym)
        printf("[ info     ] no membarrier here: every ring fences on both sides\n");

    assert_int_equal(demo_framed_blobs_desc.flags, MYL_SEG_FENCE_SYMMETRIC);
    const char *name = myl_test_name("gen-fence-blobs");
    myl_ring_unlink(MYL_BACKING_SHM, name);
    assert_int_equal(demo_framed_blobs_create(name, &r), 0);
    assert_false(r->asym);
    myl_ring_close(r);
    assert_int_equal(demo_framed_blobs_unlink(name), 0);

    name = myl_test_name("gen-fence-sized");
    demo_framed_sized_unlink(name);
    assert_int_equal(demo_framed_sized_create(name, &g), 0);
    for (uint32_t i = 0; i < demo_framed_sized_CLASSES; i++)
        assert_false(g->rings[i]->asym);
    myl_group_close(g);
    demo_framed_sized_unlink(name);

    name = myl_test_name("gen-fence-control");
    demo_framed_control_unlink(name);
    assert_int_equal(demo_framed_control_create(name, &g), 0);
    for (uint32_t i = 0; i < demo_framed_control_LANES; i++)
        assert_int_equal(g->rings[i]->asym, asym);
    myl_group_close(g);
    demo_framed_control_unlink(name);

    char path[128];
    snprintf(path, sizeof path, "/tmp/myl-gen-fence-shared-%d.seg", (int)getpid());
    demo_framed_shared_unlink(path);
    assert_int_equal(demo_framed_shared_create(path, &r), 0);
    assert_int_equal(r->asym, asym);
    myl_ring_close(r);
    assert_int_equal(demo_framed_shared_unlink(path), 0);
}

MYL_TEST_MAIN("myelonc_framed_mp", cmocka_unit_test(test_descriptors),
              cmocka_unit_test(test_fingerprint_and_timeouts), cmocka_unit_test(test_framed_ring),
              cmocka_unit_test(test_size_classes_ordered), cmocka_unit_test(test_lanes_priority),
              cmocka_unit_test(test_fences))
