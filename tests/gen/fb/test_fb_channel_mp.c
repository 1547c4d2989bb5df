/* A typed FlatBuffers channel generated from tests/gen/fb/fbgen.myl, used
 * by two processes (fork + exec of this binary): the sender builds
 * Monsters in place in claimed frames (small ones) or through an arena
 * (large ones, sent fragmented), and sends a few buffers that do not
 * verify; the receiver reads each message in place with _receiver_read()
 * and checks every value, and gets MYL_EFB* errors for the bad ones. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>

#include "harness.h"

#include "fbgen.myl.h"

#define ROLE_ENV "MYLC_FBCHAN_ROLE"
#define NAME_ENV "MYLC_FBCHAN_NAME"
#define TMO INT64_C(20000000000)
#define N_MSGS 2000u

/* Message i: name "m<i>", i32v = i, and i % 97 tags when i % 10 == 9 (a
 * message larger than a frame), else i % 3 tags. Every 100th message is
 * preceded by a buffer that does not verify (kind 1). */
static uint32_t ntags(uint64_t i)
{
    return i % 10 == 9 ? (uint32_t)(i % 97) + 20 : (uint32_t)(i % 3);
}

static int recv_role(const char *name)
{
    myl_ring *r;
    int rc = fbgen_monsters_attach(name, TMO, &r);
    if (rc < 0)
        return fprintf(stderr, "attach: %s\n", myl_strerror(rc)), 2;
    fbgen_monsters_receiver rx;
    if ((rc = fbgen_monsters_receiver_open(r, "r", NULL, &rx)) < 0)
        return fprintf(stderr, "open: %s\n", myl_strerror(rc)), 3;
    uint64_t bad = 0, zero_copy = 0;
    for (uint64_t i = 0; i < N_MSGS;) {
        myl_frame_msg m;
        fbgen_Monster_table t;
        rc = fbgen_monsters_receiver_read(&rx, &m, &t, TMO);
        if (rc < 0 && rc != MYL_ETIMEDOUT && m.kind == 1) {
            bad++;
            continue;
        }
        if (rc < 0)
            return fprintf(stderr, "read %llu: %s\n", (unsigned long long)i, myl_strerror(rc)), 4;
        char want[32];
        snprintf(want, sizeof want, "m%llu", (unsigned long long)i);
        myl_fb_str n = fbgen_Monster_name(t);
        if (m.kind != 0 || n.len != strlen(want) || memcmp(n.ptr, want, n.len) != 0 ||
            fbgen_Monster_i32v(t) != (int32_t)i || fbgen_Monster_tags_len(t) != ntags(i) ||
            fbgen_Monster_u8v(t) != 200)
            return fprintf(stderr, "bad message %llu\n", (unsigned long long)i), 5;
        for (uint32_t k = 0; k < ntags(i); k++)
            if (fbgen_Monster_tags_at(t, k).len != k)
                return fprintf(stderr, "bad tag %u of %llu\n", k, (unsigned long long)i), 6;
        zero_copy += m.borrowed;
        fbgen_monsters_receiver_release(&rx);
        i++;
    }
    fbgen_monsters_receiver_close(&rx);
    myl_ring_close(r);
    if (bad != N_MSGS / 100)
        return fprintf(stderr, "%llu bad messages seen\n", (unsigned long long)bad), 7;
    if (zero_copy == 0)
        return fprintf(stderr, "no message read in place\n"), 8;
    return 0;
}

/* The lanes role: N_LANE_MSGS messages, i on lane i % 2, each lane in
 * order; message i has an inventory of inv_len(i) bytes, (i + k) & 0xff,
 * of which the large ones (past a frame) were deferred by the sender and
 * copied once, from its memory straight into the lane's frames. */
#define N_LANE_MSGS 400u

static size_t inv_len(uint64_t i)
{
    return i % 8 == 7 ? 6000 + (size_t)(i % 13) * 100 : (size_t)(i % 40);
}

static int recv_lanes(const char *name)
{
    myl_group *g;
    int rc = fbgen_monsters_lanes_attach(name, TMO, &g);
    if (rc < 0)
        return fprintf(stderr, "lanes: attach: %s\n", myl_strerror(rc)), 2;
    fbgen_monsters_lanes_receiver rx;
    if ((rc = fbgen_monsters_lanes_receiver_open(g, "r", 0, NULL, &rx)) < 0)
        return fprintf(stderr, "lanes: open: %s\n", myl_strerror(rc)), 3;
    uint64_t next[2] = {0, 1}, large = 0;
    for (unsigned got = 0; got < N_LANE_MSGS; got++) {
        myl_frame_msg m;
        fbgen_Monster_table t;
        uint32_t lane = 99;
        if ((rc = fbgen_monsters_lanes_receiver_read(&rx, &m, &t, &lane, TMO)) < 0)
            return fprintf(stderr, "lanes: read %u: %s\n", got, myl_strerror(rc)), 4;
        if (lane > 1)
            return fprintf(stderr, "lanes: lane %u\n", lane), 5;
        uint64_t i = next[lane];
        next[lane] += 2;
        char want[32];
        snprintf(want, sizeof want, "m%llu", (unsigned long long)i);
        myl_fb_str n = fbgen_Monster_name(t);
        myl_fb_vec inv = fbgen_Monster_inventory(t);
        if (n.len != strlen(want) || memcmp(n.ptr, want, n.len) != 0 ||
            fbgen_Monster_i32v(t) != (int32_t)i || inv.len != inv_len(i))
            return fprintf(stderr, "lanes: bad message %llu on lane %u\n", (unsigned long long)i,
                           lane),
                   6;
        for (uint32_t k = 0; k < inv.len; k++)
            if (inv.data[k] != (uint8_t)(i + k))
                return fprintf(stderr, "lanes: message %llu: inventory byte %u\n",
                               (unsigned long long)i, k),
                       7;
        large += m.len > 4096;
    }
    fbgen_monsters_lanes_receiver_close(&rx);
    myl_group_close(g);
    if (large != N_LANE_MSGS / 8)
        return fprintf(stderr, "lanes: %llu large messages\n", (unsigned long long)large), 8;
    return 0;
}

static myl_fb_ref build(myl_fb_builder *b, uint64_t i)
{
    static const char spaces[128] = {0};
    char name[32];
    int len = snprintf(name, sizeof name, "m%llu", (unsigned long long)i);
    myl_fb_ref refs[128], tags = 0, nm, root;
    for (uint32_t k = 0; k < ntags(i); k++)
        myl_fb_create_string(b, spaces, k, &refs[k]);
    if (ntags(i))
        fbgen_Monster_create_tags(b, refs, ntags(i), &tags);
    myl_fb_create_string(b, name, (size_t)len, &nm);
    fbgen_Monster_start(b);
    fbgen_Monster_add_name(b, nm);
    fbgen_Monster_add_i32v(b, (int32_t)i);
    if (tags)
        fbgen_Monster_add_tags(b, tags);
    fbgen_Monster_end(b, &root);
    return root;
}

/* The receiving process: this binary again, in role (receiver_role()). */
static pid_t spawn(const char *role, const char *name)
{
    pid_t pid = fork();
    if (pid == 0) {
        setenv(ROLE_ENV, role, 1);
        setenv(NAME_ENV, name, 1);
        char *argv[] = {(char *)"test_myelonc_fb_channel_mp", NULL};
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    assert_true(pid > 0);
    return pid;
}

/* It exited, and with 0: every check it made passed. */
static void reap(pid_t pid)
{
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_fb_channel(void **state)
{
    (void)state;
    const char *name = myl_test_name("gen-monsters");
    myl_ring_unlink(fbgen_monsters_desc.backing, name);
    myl_ring *r;
    assert_int_equal(fbgen_monsters_create(name, &r), 0);
    fbgen_monsters_sender tx;
    assert_int_equal(fbgen_monsters_sender_open(r, NULL, &tx), 0);
    pid_t pid = spawn("recv", name);
    assert_int_equal(myl_producer_wait_consumers(myl_framer_producer(tx.f), "r", 1, TMO), 0);
    static uint64_t arena[8192];
    myl_fb_builder *b = malloc(sizeof *b);
    assert_non_null(b);
    unsigned in_frame = 0;
    for (uint64_t i = 0; i < N_MSGS; i++) {
        if (i % 100 == 50) {
            uint8_t junk[64];
            memset(junk, 0xff, sizeof junk);
            assert_int_equal(fbgen_monsters_sender_send(&tx, junk, sizeof junk, 1, TMO), 0);
        }
        myl_frame_span sp;
        assert_int_equal(
            fbgen_monsters_sender_build_begin(&tx, b, arena, sizeof arena, 0, &sp, TMO), 0);
        myl_fb_ref root = build(b, i);
        in_frame += !b->in_arena;
        assert_int_equal(fbgen_monsters_sender_build_commit(&tx, b, root, &sp, 0, TMO), 0);
    }
    assert_true(in_frame > 0 && in_frame < N_MSGS);
    free(b);
    reap(pid);
    fbgen_monsters_sender_close(&tx);
    myl_ring_close(r);
    assert_int_equal(myl_ring_unlink(fbgen_monsters_desc.backing, name), 0);
}

/* The table over lanes, in one process: built in the caller's memory,
 * sent on either lane with one copy, read in place after verification;
 * a buffer that does not verify is refused with its error. */
static void test_fb_lanes(void **state)
{
    (void)state;
    const char *name = myl_test_name("gen-mlanes");
    fbgen_monsters_lanes_unlink(name);
    myl_group *g;
    assert_int_equal(fbgen_monsters_lanes_create(name, &g), 0);
    fbgen_monsters_lanes_sender tx;
    fbgen_monsters_lanes_receiver rx;
    assert_int_equal(fbgen_monsters_lanes_sender_open(g, NULL, &tx), 0);
    assert_int_equal(fbgen_monsters_lanes_receiver_open(g, "r", MYL_GROUP_COPY, NULL, &rx), 0);
    static uint64_t mem[4096];
    myl_fb_builder *b = malloc(sizeof *b);
    assert_non_null(b);
    /* half built in the caller's memory and sent, half built in place in
     * a claimed lane frame (those larger than a frame through the arena) */
    static uint64_t arena[8192];
    unsigned in_frame = 0, via_arena = 0;
    for (uint64_t i = 0; i < 40; i++) {
        uint32_t lane = i % 2 ? fbgen_monsters_lanes_LANE_lo : fbgen_monsters_lanes_LANE_hi;
        if (i % 4 < 2) {
            myl_fb_builder_init(b, mem, sizeof mem, NULL, 0);
            myl_fb_ref root = build(b, i);
            assert_int_equal(fbgen_monsters_lanes_sender_send_built(&tx, lane, b, root, 0, TMO), 0);
        } else {
            myl_group_span sp;
            assert_int_equal(fbgen_monsters_lanes_sender_build_begin(&tx, lane, b, arena,
                                                                     sizeof arena, 0, &sp, TMO),
                             0);
            myl_fb_ref root = build(b, i);
            in_frame += !b->in_arena;
            via_arena += b->in_arena;
            assert_int_equal(fbgen_monsters_lanes_sender_build_commit(&tx, b, root, &sp, 0, TMO),
                             0);
        }
    }
    assert_true(in_frame > 0 && via_arena > 0);
    uint8_t junk[64];
    memset(junk, 0xff, sizeof junk);
    assert_int_equal(fbgen_monsters_lanes_sender_send(&tx, fbgen_monsters_lanes_LANE_lo, junk,
                                                      sizeof junk, 1, TMO),
                     0);
    /* the high lane drains first (within the starvation guard), each lane
     * in order */
    uint64_t next[2] = {0, 1};
    unsigned got = 0, bad = 0;
    for (;;) {
        myl_frame_msg m;
        fbgen_Monster_table t;
        uint32_t lane = 99;
        int rc = fbgen_monsters_lanes_receiver_read(&rx, &m, &t, &lane, 0);
        if (rc == MYL_ETIMEDOUT || rc == MYL_EAGAIN)
            break;
        if (rc < 0) {
            assert_int_equal(m.kind, 1);
            assert_true(rc <= MYL_EFBBOUNDS && rc >= MYL_EFBSIZE);
            bad++;
            continue;
        }
        assert_true(lane < 2);
        assert_false(m.borrowed); /* MYL_GROUP_COPY: never read in the ring */
        uint64_t i = next[lane];
        next[lane] += 2;
        char want[32];
        snprintf(want, sizeof want, "m%llu", (unsigned long long)i);
        myl_fb_str n = fbgen_Monster_name(t);
        assert_int_equal(n.len, strlen(want));
        assert_memory_equal(n.ptr, want, n.len);
        assert_int_equal(fbgen_Monster_i32v(t), (int32_t)i);
        assert_int_equal(fbgen_Monster_tags_len(t), ntags(i));
        got++;
    }
    assert_int_equal(got, 40);
    assert_int_equal(bad, 1);
    free(b);
    fbgen_monsters_lanes_receiver_close(&rx);
    fbgen_monsters_lanes_sender_close(&tx);
    myl_group_close(g);
    assert_int_equal(fbgen_monsters_lanes_unlink(name), 0);
}

/* The lanes across two processes, built in place in claimed lane frames
 * with the large inventories deferred: a message past a frame goes
 * through the arena, and its inventory is copied once at the commit,
 * from the sender's memory into the lane's frames (myl_group_send_ext());
 * the receiving process checks every byte, per lane in order. */
static void test_fb_lanes_mp(void **state)
{
    (void)state;
    const char *name = myl_test_name("gen-mlanes-mp");
    fbgen_monsters_lanes_unlink(name);
    myl_group *g;
    assert_int_equal(fbgen_monsters_lanes_create(name, &g), 0);
    fbgen_monsters_lanes_sender tx;
    assert_int_equal(fbgen_monsters_lanes_sender_open(g, NULL, &tx), 0);
    pid_t pid = spawn("lanes", name);
    for (uint32_t l = 0; l < fbgen_monsters_lanes_LANES; l++)
        assert_int_equal(myl_producer_wait_consumers(
                             myl_framer_producer(myl_group_sender_framer(tx.s, l)), "r", 1, TMO),
                         0);
    static uint64_t arena[2048];
    static uint8_t inv[8192];
    myl_fb_builder *b = malloc(sizeof *b);
    assert_non_null(b);
    unsigned in_frame = 0, deferred = 0;
    for (uint64_t i = 0; i < N_LANE_MSGS; i++) {
        uint32_t lane = i % 2 ? fbgen_monsters_lanes_LANE_lo : fbgen_monsters_lanes_LANE_hi;
        size_t n = inv_len(i);
        for (size_t k = 0; k < n; k++)
            inv[k] = (uint8_t)(i + k);
        /* the arena holds junk: a deferred inventory's room in it stays
         * unwritten, so the receiver sees inv's bytes only if they were
         * copied from inv at the commit */
        memset(arena, 0xab, sizeof arena);
        myl_group_span sp;
        assert_int_equal(
            fbgen_monsters_lanes_sender_build_begin(&tx, lane, b, arena, sizeof arena, 0, &sp, TMO),
            0);
        /* inv stays unchanged until the commit */
        myl_fb_builder_defer(b);
        char nm[32];
        int len = snprintf(nm, sizeof nm, "m%llu", (unsigned long long)i);
        myl_fb_ref iv, sn, root;
        assert_int_equal(fbgen_Monster_create_inventory(b, inv, n, &iv), 0);
        assert_int_equal(myl_fb_create_string(b, nm, (size_t)len, &sn), 0);
        fbgen_Monster_start(b);
        fbgen_Monster_add_name(b, sn);
        fbgen_Monster_add_i32v(b, (int32_t)i);
        fbgen_Monster_add_inventory(b, iv);
        assert_int_equal(fbgen_Monster_end(b, &root), 0);
        in_frame += !b->in_arena;
        deferred += b->next; /* vectors left for the commit to copy */
        assert_int_equal(fbgen_monsters_lanes_sender_build_commit(&tx, b, root, &sp, 0, TMO), 0);
    }
    assert_true(in_frame > 0 && deferred == N_LANE_MSGS / 8);
    free(b);
    reap(pid);
    fbgen_monsters_lanes_sender_close(&tx);
    myl_group_close(g);
    assert_int_equal(fbgen_monsters_lanes_unlink(name), 0);
}

__attribute__((constructor)) static void receiver_role(void)
{
    const char *role = getenv(ROLE_ENV), *name = getenv(NAME_ENV);
    if (role && name)
        _exit(strcmp(role, "lanes") == 0 ? recv_lanes(name) : recv_role(name));
}

MYL_TEST_MAIN("myelonc_fb_channel_mp", cmocka_unit_test(test_fb_channel),
              cmocka_unit_test(test_fb_lanes), cmocka_unit_test(test_fb_lanes_mp))
