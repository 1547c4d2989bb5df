/* FlatBuffers runtime: readers on hand-assembled bytes, the builder (tail,
 * at-front, arena fallback, misuse), and every verifier error. The interop
 * with flatc's C++ is tests/fb/interop_test.cc. */
#include "harness.h"

#include "myelon/myelon.h"

#include "interop_desc.h"

static const myl_fb_verify_opts k_opts = {.size = sizeof k_opts, .ident = MYLT_IDENT};
static const myl_fb_verify_opts k_strict = {
    .size = sizeof k_strict, .flags = MYL_FB_VERIFY_STRICT, .ident = MYLT_IDENT};

/* 8-aligned scratch */
static uint64_t g_buf[1024];
static uint64_t g_arena[2048];

static myl_fb_msg build(int which)
{
    myl_fb_msg m;
    assert_int_equal(mylt_build_sample_buf(which, g_buf, sizeof g_buf, NULL, 0, 0, &m), 0);
    return m;
}

/* A buffer laid out by hand from the format description, independent of
 * our builder:
 *   0  u32 root = 12
 *   4  "MYLT"
 *   8  vtable: size 10, table size 12, field 0 at 4, field 1 absent,
 *      field 2 at 8
 *  18  pad
 *  20  table (not at 12: the root offset says 12, see below)
 * Field ids follow Weapon: 0 name (string), 1 damage (i16, absent). */
static void test_readers_handmade(void **state)
{
    (void)state;
    uint8_t b[64];
    memset(b, 0, sizeof b);
    myl_st32(b + 0, 16); /* root table at 16 */
    memcpy(b + 4, "MYLT", 4);
    /* vtable at 8: 8 bytes: size 8, table size 8, name at +4, damage absent
     * (beyond the vtable: 4 + 2 * 1 = 6 < 8, so it is in it, with 0) */
    myl_st16(b + 8, 8);
    myl_st16(b + 10, 8);
    myl_st16(b + 12, 4);
    myl_st16(b + 14, 0);
    /* table at 16: soffset 8 (vtable = 16 - 8), name uoffset at 20 */
    myl_st32(b + 16, 8);
    myl_st32(b + 20, 8); /* string at 28 */
    myl_st32(b + 28, 3);
    memcpy(b + 32, "abc", 4);
    size_t len = 36;
    assert_int_equal(myl_fb_verify(b, len, &mylt_Weapon_desc, &k_strict, NULL), 0);
    const uint8_t *t = myl_fb_root(b);
    assert_ptr_equal(t, b + 16);
    assert_true(myl_fb_has_ident(b, len, "MYLT"));
    assert_false(myl_fb_has_ident(b, len, "MYLU"));
    assert_false(myl_fb_has_ident(b, 7, "MYLT"));
    assert_int_equal(myl_fb_field_off(t, MYLT_WEAPON_NAME), 4);
    assert_true(myl_fb_present(t, MYLT_WEAPON_NAME));
    assert_false(myl_fb_present(t, MYLT_WEAPON_DAMAGE));
    assert_false(myl_fb_present(t, 7)); /* beyond the vtable */
    myl_fb_str s = myl_fb_get_str(t, MYLT_WEAPON_NAME);
    assert_int_equal(s.len, 3);
    assert_string_equal(s.ptr, "abc");
    assert_int_equal(myl_fb_get_i16(t, MYLT_WEAPON_DAMAGE, 7), 7);
    /* now damage present: widen the table with an i16 at +8 */
    myl_st16(b + 14, 8);
    myl_st16(b + 10, 10);
    myl_st16(b + 24, (uint16_t)-300);
    assert_int_equal(myl_fb_verify(b, len, &mylt_Weapon_desc, &k_strict, NULL), 0);
    assert_int_equal(myl_fb_get_i16(t, MYLT_WEAPON_DAMAGE, 7), -300);
    /* NULL tables read as defaults */
    assert_int_equal(myl_fb_get_i16(NULL, MYLT_WEAPON_DAMAGE, 7), 7);
    assert_null(myl_fb_get_str(NULL, 0).ptr);
    assert_null(myl_fb_get_vec(NULL, 0).data);
    assert_false(myl_fb_present(NULL, 0));
}

static void test_samples_roundtrip(void **state)
{
    (void)state;
    for (int which = 0; which < 3; which++) {
        myl_fb_msg m = build(which);
        assert_true(m.in_place);
        assert_int_equal(m.len % 8, 0);
        assert_int_equal(((uintptr_t)m.data) % 8, 0);
        assert_true(myl_fb_has_ident(m.data, m.len, MYLT_IDENT));
        myl_fb_verify_info info = {0};
        int rc = myl_fb_verify(m.data, m.len, &mylt_Monster_desc, &k_opts, &info);
        if (rc)
            fprintf(stderr, "%s at %llu (%s.%s)\n", myl_strerror(rc),
                    (unsigned long long)info.offset, info.table ? info.table : "-",
                    info.field ? info.field : "-");
        assert_int_equal(rc, 0);
        assert_int_equal(myl_fb_verify(m.data, m.len, &mylt_Monster_desc, &k_strict, NULL), 0);
        assert_int_equal(mylt_check_sample(myl_fb_root(m.data), which), 0);
    }
    /* the deprecated field an old writer set is in the bytes, untouched */
    myl_fb_msg m = build(MYLT_SAMPLE_FULL);
    assert_int_equal(myl_fb_get_u32(myl_fb_root(m.data), MYLT_MONSTER_OLD_HP, 100), 77);
    /* same input, same bytes */
    static uint64_t other[1024];
    myl_fb_msg m2;
    assert_int_equal(mylt_build_sample_buf(0, other, sizeof other, NULL, 0, 0, &m2), 0);
    assert_int_equal(m.len, m2.len);
    assert_memory_equal(m.data, m2.data, m.len);
}

static void test_at_front(void **state)
{
    (void)state;
    uint8_t *region = (uint8_t *)g_buf;
    size_t cap = 3004; /* not a multiple of 8: the builder uses 3000 */
    memset(g_buf, 0xa5, sizeof g_buf);
    myl_fb_msg m;
    assert_int_equal(
        mylt_build_sample_buf(MYLT_SAMPLE_FULL, region, cap, NULL, 0, MYL_FB_FINISH_AT_FRONT, &m),
        0);
    assert_ptr_equal(m.data, region);
    assert_int_equal(m.len, 3000);
    assert_true(m.in_place);
    assert_int_equal(region[3000], 0xa5); /* nothing written beyond */
    assert_memory_equal(region + 4, MYLT_IDENT, 4);
    assert_int_equal(myl_fb_verify(m.data, m.len, &mylt_Monster_desc, &k_strict, NULL), 0);
    assert_int_equal(mylt_check_sample(myl_fb_root(m.data), MYLT_SAMPLE_FULL), 0);
    /* the tail form of the same message holds the same objects */
    myl_fb_msg t = build(MYLT_SAMPLE_FULL);
    assert_true(m.len > t.len);
    assert_int_equal(myl_ld32(m.data) - (m.len - t.len), myl_ld32(t.data));
    /* an unaligned region cannot take the root offset at its start */
    myl_fb_builder b;
    myl_fb_ref root;
    myl_fb_builder_init(&b, region + 4, 1000, NULL, 0);
    mylt_build_sample(&b, MYLT_SAMPLE_MINIMAL, &root);
    assert_int_equal(myl_fb_finish(&b, root, NULL, MYL_FB_FINISH_AT_FRONT, &m), MYL_EINVAL);
    /* exactly full: the message ends where the front bytes begin */
    myl_fb_builder_init(&b, region, 4096, NULL, 0);
    mylt_build_sample(&b, MYLT_SAMPLE_MINIMAL, &root);
    size_t used = myl_fb_builder_size(&b);
    myl_fb_builder_init(&b, region, used + 8, NULL, 0);
    mylt_build_sample(&b, MYLT_SAMPLE_MINIMAL, &root);
    assert_int_equal(myl_fb_finish(&b, root, MYLT_IDENT, MYL_FB_FINISH_AT_FRONT, &m), 0);
    assert_int_equal(myl_fb_verify(m.data, m.len, &mylt_Monster_desc, &k_strict, NULL), 0);
    /* the smallest region (a multiple of 8) with 4 bytes to spare: room
     * for the root offset, and for the identifier only if 8 are left */
    size_t c = (used + 4 + 7) & ~(size_t)7;
    myl_fb_builder_init(&b, region, c, NULL, 0);
    mylt_build_sample(&b, MYLT_SAMPLE_MINIMAL, &root);
    assert_int_equal(myl_fb_finish(&b, root, MYLT_IDENT, MYL_FB_FINISH_AT_FRONT, &m),
                     c - used >= 8 ? 0 : MYL_ETOOBIG);
    myl_fb_builder_init(&b, region, c - 8, NULL, 0);
    mylt_build_sample(&b, MYLT_SAMPLE_MINIMAL, &root);
    assert_int_equal(myl_fb_finish(&b, root, NULL, MYL_FB_FINISH_AT_FRONT, &m), MYL_ETOOBIG);
    myl_fb_builder_init(&b, region, c, NULL, 0);
    mylt_build_sample(&b, MYLT_SAMPLE_MINIMAL, &root);
    assert_int_equal(myl_fb_finish(&b, root, NULL, MYL_FB_FINISH_AT_FRONT, &m), 0);
    assert_false(myl_fb_has_ident(m.data, m.len, MYLT_IDENT));
    myl_fb_verify_opts noid = {.size = sizeof noid};
    assert_int_equal(myl_fb_verify(m.data, m.len, &mylt_Monster_desc, &noid, NULL), 0);
    /* objects that fill the region but for under the front bytes (8 with
     * the identifier): with an arena, the message is finished there, not
     * refused */
    static uint64_t arena[512];
    size_t full = (used + 7) & ~(size_t)7;
    myl_fb_builder_init(&b, region, full, arena, sizeof arena);
    mylt_build_sample(&b, MYLT_SAMPLE_MINIMAL, &root);
    assert_false(b.in_arena);
    assert_int_equal(myl_fb_finish(&b, root, MYLT_IDENT, MYL_FB_FINISH_AT_FRONT, &m), 0);
    assert_false(m.in_place);
    assert_int_equal(myl_fb_verify(m.data, m.len, &mylt_Monster_desc, &k_strict, NULL), 0);
    assert_int_equal(mylt_check_sample(myl_fb_root(m.data), MYLT_SAMPLE_MINIMAL), 0);
}

static void test_arena_fallback(void **state)
{
    (void)state;
    /* guard bytes around both regions */
    uint8_t *region = (uint8_t *)g_buf + 64;
    uint8_t *arena = (uint8_t *)g_arena + 64;
    memset(g_buf, 0x5a, sizeof g_buf);
    memset(g_arena, 0x5a, sizeof g_arena);
    myl_fb_msg m;
    assert_int_equal(mylt_build_sample_buf(MYLT_SAMPLE_FULL, region, 128, arena, 4096,
                                           MYL_FB_FINISH_AT_FRONT, &m),
                     0);
    assert_false(m.in_place);
    assert_true(m.data >= arena && m.data + m.len == arena + 4096);
    assert_int_equal(myl_fb_verify(m.data, m.len, &mylt_Monster_desc, &k_strict, NULL), 0);
    assert_int_equal(mylt_check_sample(myl_fb_root(m.data), MYLT_SAMPLE_FULL), 0);
    /* identical to a message built directly */
    myl_fb_msg d;
    static uint64_t direct[1024];
    assert_int_equal(mylt_build_sample_buf(MYLT_SAMPLE_FULL, direct, sizeof direct, NULL, 0, 0, &d),
                     0);
    assert_int_equal(d.len, m.len);
    assert_memory_equal(d.data, m.data, m.len);
    for (size_t i = 0; i < 64; i++) {
        assert_int_equal(((uint8_t *)g_buf)[i], 0x5a);
        assert_int_equal(region[128 + i], 0x5a);
        assert_int_equal(((uint8_t *)g_arena)[i], 0x5a);
        assert_int_equal(arena[4096 + i], 0x5a);
    }
    /* too small for both: ETOOBIG, nothing written outside */
    memset(g_arena, 0x5a, sizeof g_arena);
    assert_int_equal(mylt_build_sample_buf(MYLT_SAMPLE_FULL, region, 128, arena, 256, 0, &m),
                     MYL_ETOOBIG);
    assert_null(m.data);
    for (size_t i = 0; i < 64; i++) {
        assert_int_equal(((uint8_t *)g_arena)[i], 0x5a);
        assert_int_equal(arena[256 + i], 0x5a);
    }
    /* no arena */
    assert_int_equal(mylt_build_sample_buf(MYLT_SAMPLE_FULL, region, 128, NULL, 0, 0, &m),
                     MYL_ETOOBIG);
    /* every region size from 0 up: in place or in the arena, never wrong */
    myl_fb_msg t = build(MYLT_SAMPLE_FULL);
    for (size_t cap = 0; cap <= t.len + 16; cap += 8) {
        assert_int_equal(mylt_build_sample_buf(MYLT_SAMPLE_FULL, region, cap, arena, 4096, 0, &m),
                         0);
        assert_int_equal(m.in_place, cap >= t.len);
        assert_int_equal(m.len, t.len);
        assert_memory_equal(m.data, t.data, t.len);
    }
    /* reset returns to the first region */
    myl_fb_builder b;
    myl_fb_ref root;
    myl_fb_builder_init(&b, region, 64, arena, 4096);
    mylt_build_sample(&b, MYLT_SAMPLE_FULL, &root);
    assert_int_equal(b.in_arena, 1);
    myl_fb_builder_reset(&b);
    mylt_build_sample(&b, MYLT_SAMPLE_MINIMAL, &root);
    assert_int_equal(myl_fb_finish(&b, root, MYLT_IDENT, 0, &m), 0);
    assert_true(m.in_place);
    assert_true(m.data >= region && m.data < region + 64);
}

static void test_builder_misuse(void **state)
{
    (void)state;
    myl_fb_builder b;
    myl_fb_ref r, s;
    myl_fb_msg m;
    myl_fb_builder_init(&b, g_buf, sizeof g_buf, NULL, 0);
    /* a field outside a table */
    assert_int_equal(myl_fb_add_u32(&b, 0, 1), MYL_EINVAL);
    /* sticky: everything after fails the same way */
    assert_int_equal(myl_fb_create_string(&b, "x", 1, &s), MYL_EINVAL);
    assert_int_equal(s, 0);
    myl_fb_builder_reset(&b);
    assert_int_equal(myl_fb_create_string(&b, "x", 1, &s), 0);
    /* building an object inside a table */
    assert_int_equal(myl_fb_table_start(&b), 0);
    assert_int_equal(myl_fb_create_string(&b, "y", 1, &r), MYL_EINVAL);
    myl_fb_builder_reset(&b);
    /* a table inside a table */
    assert_int_equal(myl_fb_table_start(&b), 0);
    assert_int_equal(myl_fb_table_start(&b), MYL_EINVAL);
    myl_fb_builder_reset(&b);
    /* a reference to nothing, or to something not yet finished */
    assert_int_equal(myl_fb_table_start(&b), 0);
    assert_int_equal(myl_fb_add_ref(&b, 0, 0), MYL_EINVAL);
    myl_fb_builder_reset(&b);
    assert_int_equal(myl_fb_create_string(&b, "x", 1, &s), 0);
    assert_int_equal(myl_fb_table_start(&b), 0);
    assert_int_equal(myl_fb_add_ref(&b, 0, s + 100), MYL_EINVAL);
    myl_fb_builder_reset(&b);
    /* end without start, vec_end without start */
    assert_int_equal(myl_fb_table_end(&b, &r), MYL_EINVAL);
    myl_fb_builder_reset(&b);
    assert_int_equal(myl_fb_vec_end(&b, &r), MYL_EINVAL);
    myl_fb_builder_reset(&b);
    /* bad alignment, bad scalar size, bad struct */
    void *p;
    assert_int_equal(myl_fb_vec_start(&b, 1, 4, 3, &p), MYL_EINVAL);
    myl_fb_builder_reset(&b);
    assert_int_equal(myl_fb_vec_start(&b, 1, 4, 64, &p), MYL_EINVAL);
    myl_fb_builder_reset(&b);
    assert_int_equal(myl_fb_create_vec_scalar(&b, "abc", 1, 3, &r), MYL_EINVAL);
    myl_fb_builder_reset(&b);
    assert_int_equal(myl_fb_table_start(&b), 0);
    assert_int_equal(myl_fb_add_struct(&b, 0, "abcdef", 6, 4), MYL_EINVAL);
    myl_fb_builder_reset(&b);
    /* vector length that cannot exist */
    assert_int_equal(myl_fb_vec_start(&b, SIZE_MAX / 2, 8, 8, &p), MYL_ETOOBIG);
    myl_fb_builder_reset(&b);
    /* finish: bad root, bad identifier, open table */
    assert_int_equal(myl_fb_finish(&b, 0, NULL, 0, &m), MYL_EINVAL);
    myl_fb_builder_reset(&b);
    mylt_build_sample(&b, MYLT_SAMPLE_MINIMAL, &r);
    assert_int_equal(myl_fb_finish(&b, r, "AB", 0, &m), MYL_EINVAL);
    myl_fb_builder_reset(&b);
    mylt_build_sample(&b, MYLT_SAMPLE_MINIMAL, &r);
    assert_int_equal(myl_fb_table_start(&b), 0);
    assert_int_equal(myl_fb_finish(&b, r, NULL, 0, &m), MYL_EINVAL);
    /* too many fields in one table */
    myl_fb_builder_reset(&b);
    assert_int_equal(myl_fb_table_start(&b), 0);
    for (uint32_t i = 0; i < MYL_FB_MAX_FIELDS; i++)
        assert_int_equal(myl_fb_add_u8(&b, i, 1), 0);
    assert_int_equal(myl_fb_add_u8(&b, MYL_FB_MAX_FIELDS, 1), MYL_ETOOBIG);
    /* an empty table and a high field id make valid buffers */
    myl_fb_builder_reset(&b);
    assert_int_equal(myl_fb_table_start(&b), 0);
    assert_int_equal(myl_fb_add_u32(&b, 1000, 0x01020304), 0);
    assert_int_equal(myl_fb_table_end(&b, &r), 0);
    assert_int_equal(myl_fb_finish(&b, r, NULL, 0, &m), 0);
    static const myl_fb_field_desc f[] = {
        {.name = "far", .id = 1000, .kind = MYL_FB_K_SCALAR, .size = 4}};
    static const myl_fb_table_desc far = {"Far", 1, f};
    assert_int_equal(myl_fb_verify(m.data, m.len, &far, NULL, NULL), 0);
    assert_true(myl_fb_get_u32(myl_fb_root(m.data), 1000, 0) == 0x01020304);
}

/* Patch a built buffer and expect an error (and where). */
static int verify_buf(const uint8_t *p, size_t len, const myl_fb_verify_opts *o,
                      myl_fb_verify_info *info)
{
    return myl_fb_verify(p, len, &mylt_Monster_desc, o, info);
}

static uint8_t *copy_of(myl_fb_msg m)
{
    static uint64_t c[1024];
    memcpy(c, m.data, m.len);
    return (uint8_t *)c;
}

static void test_verify_errors(void **state)
{
    (void)state;
    myl_fb_verify_info info;
    myl_fb_msg m = build(MYLT_SAMPLE_MINIMAL);
    uint8_t *b = copy_of(m);
    size_t len = m.len;
    assert_int_equal(verify_buf(b, len, &k_opts, NULL), 0);
    /* size */
    assert_int_equal(verify_buf(b, 11, &k_opts, NULL), MYL_EFBSIZE);
    assert_int_equal(verify_buf(b, 0, &k_opts, NULL), MYL_EFBSIZE);
    assert_int_equal(myl_fb_verify(NULL, 0, &mylt_Monster_desc, NULL, NULL), MYL_EFBSIZE);
    assert_int_equal(myl_fb_verify(b, len, NULL, NULL, NULL), MYL_EINVAL);
    myl_fb_verify_opts small = {.size = 4};
    assert_int_equal(verify_buf(b, len, &small, NULL), MYL_EINVAL);
    /* identifier */
    myl_fb_verify_opts other = {.size = sizeof other, .ident = "XXXX"};
    assert_int_equal(verify_buf(b, len, &other, &info), MYL_EFBIDENT);
    assert_int_equal(info.offset, 4);
    assert_int_equal(verify_buf(b, len, NULL, NULL), 0); /* not asked for */
    /* root offset: zero, negative, beyond, misaligned */
    uint32_t root = myl_ld32(b);
    myl_st32(b, 0);
    assert_int_equal(verify_buf(b, len, &k_opts, NULL), MYL_EFBOFFSET);
    myl_st32(b, 0x80000000u);
    assert_int_equal(verify_buf(b, len, &k_opts, NULL), MYL_EFBOFFSET);
    myl_st32(b, (uint32_t)len);
    assert_int_equal(verify_buf(b, len, &k_opts, NULL), MYL_EFBBOUNDS);
    myl_st32(b, root + 2);
    assert_int_equal(verify_buf(b, len, &k_opts, NULL), MYL_EFBALIGN);
    myl_fb_verify_opts noalign = {.size = sizeof noalign, .flags = MYL_FB_VERIFY_NO_ALIGN};
    assert_int_not_equal(verify_buf(b, len, &noalign, NULL), MYL_EFBALIGN);
    myl_st32(b, root);
    /* vtable: odd size, out of bounds, misaligned */
    uint8_t *t = b + root;
    uint32_t vt = root - myl_ld32(t);
    uint16_t vsize = myl_ld16(b + vt);
    myl_st16(b + vt, (uint16_t)(vsize + 1));
    assert_int_equal(verify_buf(b, len, &k_opts, &info), MYL_EFBVTABLE);
    assert_int_equal(info.offset, vt);
    assert_string_equal(info.table, "Monster");
    myl_st16(b + vt, (uint16_t)(len + 2));
    assert_int_equal(verify_buf(b, len, &k_opts, NULL), MYL_EFBBOUNDS);
    myl_st16(b + vt, vsize);
    int32_t so = (int32_t)myl_ld32(t);
    myl_st32(t, (uint32_t)(so + 1));
    assert_int_equal(verify_buf(b, len, &k_opts, NULL), MYL_EFBALIGN);
    myl_st32(t, (uint32_t)(int32_t)-100000);
    assert_int_equal(verify_buf(b, len, &k_opts, NULL), MYL_EFBBOUNDS);
    myl_st32(t, (uint32_t)so);
    /* strict vtable rules: a 2-byte vtable is accepted by the official
     * verifier (no fields) but not by ours in strict mode */
    myl_st16(b + vt, 2);
    assert_int_equal(verify_buf(b, len, &k_opts, NULL), MYL_EFBREQUIRED); /* name gone */
    assert_int_equal(verify_buf(b, len, &k_strict, NULL), MYL_EFBVTABLE);
    myl_st16(b + vt, vsize);
    uint16_t objsize = myl_ld16(b + vt + 2);
    myl_st16(b + vt + 2, 4);
    assert_int_equal(verify_buf(b, len, &k_opts, NULL), 0);
    assert_int_equal(verify_buf(b, len, &k_strict, &info), MYL_EFBVTABLE);
    assert_string_equal(info.field, "name");
    myl_st16(b + vt + 2, objsize);
    /* the string: not terminated, too long, out of bounds */
    uint16_t fo = myl_fb_field_off(t, MYLT_MONSTER_NAME);
    uint32_t so_ = root + fo;
    uint32_t str = so_ + myl_ld32(b + so_);
    assert_int_equal(myl_ld32(b + str), 1);
    b[str + 5] = 'x';
    assert_int_equal(verify_buf(b, len, &k_opts, &info), MYL_EFBSTRING);
    assert_string_equal(info.field, "name");
    assert_int_equal(info.offset, str + 5);
    b[str + 5] = 0;
    myl_st32(b + str, 0x7fffffff);
    assert_int_equal(verify_buf(b, len, &k_opts, NULL), MYL_EFBVECLEN);
    myl_st32(b + str, 0x7ffffffe);
    assert_int_equal(verify_buf(b, len, &k_opts, NULL), MYL_EFBBOUNDS);
    myl_st32(b + str, 1);
    assert_int_equal(verify_buf(b, len, &k_opts, NULL), 0);
    /* required */
    myl_st16(b + vt + MYL_FB_VT(MYLT_MONSTER_NAME), 0);
    assert_int_equal(verify_buf(b, len, &k_opts, &info), MYL_EFBREQUIRED);
    assert_string_equal(info.field, "name");
}

static void test_verify_vectors_unions(void **state)
{
    (void)state;
    myl_fb_msg m = build(MYLT_SAMPLE_FULL);
    uint8_t *b = copy_of(m);
    size_t len = m.len;
    myl_fb_verify_info info;
    const uint8_t *t = myl_fb_root(b);
    /* a scalar vector whose count overruns the buffer */
    myl_fb_vec v = myl_fb_get_vec(t, MYLT_MONSTER_VALUES);
    uint8_t *cnt = (uint8_t *)v.data - 4;
    myl_st32(cnt, 1000);
    assert_int_equal(verify_buf(b, len, &k_opts, &info), MYL_EFBBOUNDS);
    assert_string_equal(info.field, "values");
    myl_st32(cnt, 0x7fffffff / 8);
    assert_int_equal(verify_buf(b, len, &k_opts, NULL), MYL_EFBVECLEN);
    myl_st32(cnt, 3);
    /* a string in a vector of strings, unterminated */
    v = myl_fb_get_vec(t, MYLT_MONSTER_TAGS);
    myl_fb_str s = myl_fb_vec_str(v, 0);
    ((char *)s.ptr)[s.len] = '!';
    assert_int_equal(verify_buf(b, len, &k_opts, &info), MYL_EFBSTRING);
    assert_string_equal(info.field, "tags");
    ((char *)s.ptr)[s.len] = 0;
    /* a table in a vector of tables: its vtable made odd */
    v = myl_fb_get_vec(t, MYLT_MONSTER_WEAPONS);
    const uint8_t *w = myl_fb_vec_table(v, 0);
    uint8_t *wvt = (uint8_t *)w - (int32_t)myl_ld32(w);
    uint16_t ws = myl_ld16(wvt);
    myl_st16(wvt, (uint16_t)(ws | 1));
    assert_int_equal(verify_buf(b, len, &k_opts, &info), MYL_EFBVTABLE);
    assert_string_equal(info.table, "Weapon");
    myl_st16(wvt, ws);
    assert_int_equal(verify_buf(b, len, &k_strict, NULL), 0);
    /* unions: an unknown type passes (as in the official verifier), but not
     * in strict mode; NONE with a value likewise */
    uint8_t *type = (uint8_t *)myl_fb_field(t, MYLT_MONSTER_EQUIPPED_TYPE);
    *type = 7;
    assert_int_equal(verify_buf(b, len, &k_opts, NULL), 0);
    assert_int_equal(verify_buf(b, len, &k_strict, &info), MYL_EFBUNION);
    assert_string_equal(info.field, "equipped");
    *type = 0;
    assert_int_equal(verify_buf(b, len, &k_opts, NULL), 0);
    assert_int_equal(verify_buf(b, len, &k_strict, NULL), MYL_EFBUNION);
    /* the value is verified as the type says */
    *type = MYLT_EQUIPMENT_SHIELD;
    (void)verify_buf(b, len, &k_opts, NULL); /* either verdict; must not crash */
    *type = MYLT_EQUIPMENT_WEAPON;
    assert_int_equal(verify_buf(b, len, &k_strict, NULL), 0);
    /* a zero uoffset to the union value */
    uint8_t *uv = (uint8_t *)myl_fb_field(t, MYLT_MONSTER_EQUIPPED);
    uint32_t keep = myl_ld32(uv);
    myl_st32(uv, 0);
    assert_int_equal(verify_buf(b, len, &k_opts, &info), MYL_EFBOFFSET);
    myl_st32(uv, keep);
    /* a struct field misaligned: its vtable entry moved by 4 */
    uint8_t *mvt = (uint8_t *)t - (int32_t)myl_ld32(t);
    uint16_t pos = myl_ld16(mvt + MYL_FB_VT(MYLT_MONSTER_POS));
    myl_st16(mvt + MYL_FB_VT(MYLT_MONSTER_POS), (uint16_t)(pos + 4));
    assert_int_equal(verify_buf(b, len, &k_opts, &info), MYL_EFBALIGN);
    assert_string_equal(info.field, "pos");
    myl_st16(mvt + MYL_FB_VT(MYLT_MONSTER_POS), pos);
    assert_int_equal(verify_buf(b, len, &k_strict, NULL), 0);
}

static void test_verify_limits(void **state)
{
    (void)state;
    /* the full sample has 11 tables (Monster x3, Weapon x4, Row x3,
     * Shield) and nests 3 deep (Monster > Monster > Shield / Monster) */
    myl_fb_msg m = build(MYLT_SAMPLE_FULL);
    myl_fb_verify_opts o = {.size = sizeof o, .max_tables = 10};
    assert_int_equal(verify_buf(m.data, m.len, &o, NULL), MYL_EFBTABLES);
    o.max_tables = 11;
    assert_int_equal(verify_buf(m.data, m.len, &o, NULL), 0);
    o.max_tables = 0;
    o.max_depth = 2;
    assert_int_equal(verify_buf(m.data, m.len, &o, NULL), MYL_EFBDEPTH);
    o.max_depth = 3;
    assert_int_equal(verify_buf(m.data, m.len, &o, NULL), 0);
    /* a chain of monsters: 64 deep passes the default limit, 65 does not */
    for (int depth = 63; depth <= 66; depth++) {
        myl_fb_builder b;
        myl_fb_ref r = 0, name;
        myl_fb_builder_init(&b, g_buf, sizeof g_buf, NULL, 0);
        for (int i = 0; i < depth; i++) {
            myl_fb_create_string(&b, "n", 1, &name);
            myl_fb_table_start(&b);
            myl_fb_add_ref(&b, MYLT_MONSTER_NAME, name);
            if (r)
                myl_fb_add_ref(&b, MYLT_MONSTER_ENEMY, r);
            assert_int_equal(myl_fb_table_end(&b, &r), 0);
        }
        myl_fb_msg c;
        assert_int_equal(myl_fb_finish(&b, r, NULL, 0, &c), 0);
        assert_int_equal(myl_fb_verify(c.data, c.len, &mylt_Monster_desc, NULL, NULL),
                         depth <= 64 ? 0 : MYL_EFBDEPTH);
    }
}

/* Every byte of every sample set to several values, and every truncation:
 * the verifier never crashes (ASan/UBSan builds), and whatever it accepts
 * the readers can walk. The differential test against the official C++
 * verifier is interop_test.cc. */
static void test_verify_mutations(void **state)
{
    (void)state;
    static uint64_t mb[1024];
    size_t accepted = 0, rejected = 0;
    for (int which = 0; which < 3; which++) {
        myl_fb_msg m = build(which);
        for (size_t i = 0; i < m.len; i++) {
            static const uint8_t vals[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
            for (size_t k = 0; k < sizeof vals / sizeof vals[0] + 8; k++) {
                memcpy(mb, m.data, m.len);
                uint8_t *p = (uint8_t *)mb;
                if (k < sizeof vals)
                    p[i] = vals[k];
                else
                    p[i] ^= (uint8_t)(1u << (k - sizeof vals));
                int rc = myl_fb_verify(p, m.len, &mylt_Monster_desc, NULL, NULL);
                if (rc == 0) {
                    accepted++;
                    (void)mylt_walk(myl_fb_root(p));
                } else {
                    assert_true(rc <= -1100 && rc >= -1111);
                    rejected++;
                }
                if (myl_fb_verify(p, m.len, &mylt_Monster_desc, &k_strict, NULL) == 0)
                    (void)mylt_walk(myl_fb_root(p));
            }
        }
        for (size_t cut = 0; cut < m.len; cut++) {
            uint8_t *p = malloc(cut ? cut : 1);
            memcpy(p, m.data, cut);
            if (myl_fb_verify(p, cut, &mylt_Monster_desc, NULL, NULL) == 0)
                (void)mylt_walk(myl_fb_root(p));
            free(p);
        }
    }
    /* both outcomes happen: the mutations are not all harmless, nor all
     * fatal */
    assert_true(accepted > 100);
    assert_true(rejected > 100);
}

/* Alignment above 8 (force_align: 16, 32): honoured where the region's
 * end is aligned to it, refused (MYL_EINVAL) where not, and across the
 * move to an arena only if the arena's end is aligned too. */
static void test_big_align(void **state)
{
    (void)state;
    _Alignas(32) static uint8_t region[512], arena[4096];
    static const uint8_t s16[16] = {1, 2, 3}, s32[32] = {4, 5, 6};
    for (size_t end = 512; end >= 512 - 32; end -= 8) {
        myl_fb_builder b;
        myl_fb_builder_init(&b, region, end, NULL, 0);
        myl_fb_ref str, vec, root;
        myl_fb_create_string(&b, "odd", 3, &str);
        int rc = myl_fb_create_vec_struct(&b, s32, 1, 32, 32, &vec);
        assert_int_equal(rc, end % 32 ? MYL_EINVAL : 0);
        if (rc)
            continue;
        myl_fb_table_start(&b);
        myl_fb_add_ref(&b, 0, str);
        myl_fb_add_struct(&b, 1, s16, 16, 16);
        myl_fb_add_ref(&b, 2, vec);
        myl_fb_table_end(&b, &root);
        myl_fb_msg m;
        assert_int_equal(myl_fb_finish(&b, root, NULL, 0, &m), 0);
        /* relative to the buffer's start and in memory */
        const uint8_t *t = myl_fb_root(m.data);
        assert_int_equal((uintptr_t)myl_fb_get_struct(t, 1) % 16, 0);
        assert_int_equal((uintptr_t)(myl_fb_get_struct(t, 1) - m.data) % 16, 0);
        assert_int_equal((uintptr_t)myl_fb_get_vec(t, 2).data % 32, 0);
        assert_int_equal(myl_fb_get_struct(t, 1)[0], 1);
        assert_int_equal(myl_fb_get_vec(t, 2).data[0], 4);
        assert_int_equal(m.len % 32, 0);
    }
    /* into an arena whose end is not 32-aligned: refused at the move */
    myl_fb_builder b;
    myl_fb_builder_init(&b, region, 64, arena, sizeof arena - 8);
    myl_fb_ref vec, str;
    assert_int_equal(myl_fb_create_vec_struct(&b, s32, 1, 32, 32, &vec), 0);
    assert_int_equal(myl_fb_create_string(&b, "a long string to leave the region", 33, &str),
                     MYL_EINVAL);
    myl_fb_builder_init(&b, region, 64, arena, sizeof arena);
    assert_int_equal(myl_fb_create_vec_struct(&b, s32, 1, 32, 32, &vec), 0);
    assert_int_equal(myl_fb_create_string(&b, "a long string to leave the region", 33, &str), 0);
}

static int cmp_key0(const uint8_t *a, const uint8_t *b)
{
    uint32_t x = myl_fb_get_u32(a, 0, 0), y = myl_fb_get_u32(b, 0, 0);
    return (x > y) - (x < y);
}

/* myl_fb_sort_refs(): tables built out of order (some keys equal, some
 * absent: read as 0), in a region so small that the builder moves to the
 * arena half way; sorted by key, whatever the count. */
static void test_sort_refs(void **state)
{
    (void)state;
    static uint8_t region[256], arena[1 << 16];
    static const size_t counts[] = {0, 1, 2, 3, 7, 64, 513};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        size_t n = counts[c];
        myl_fb_builder b;
        myl_fb_builder_init(&b, region, sizeof region, arena, sizeof arena);
        myl_fb_ref refs[513];
        uint32_t x = 12345;
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            myl_fb_table_start(&b);
            if (i % 5)
                myl_fb_add_u32(&b, 0, (x >> 8) % 100);
            myl_fb_table_end(&b, &refs[i]);
        }
        assert_int_equal(myl_fb_sort_refs(&b, refs, n, cmp_key0), 0);
        myl_fb_ref vec, root;
        myl_fb_create_vec_refs(&b, refs, n, &vec);
        myl_fb_table_start(&b);
        myl_fb_add_ref(&b, 0, vec);
        myl_fb_table_end(&b, &root);
        myl_fb_msg m;
        assert_int_equal(myl_fb_finish(&b, root, NULL, 0, &m), 0);
        assert_true(n < 8 || !m.in_place);
        myl_fb_vec v = myl_fb_get_vec(myl_fb_root(m.data), 0);
        assert_int_equal(v.len, n);
        for (uint32_t i = 1; i < v.len; i++)
            assert_true(cmp_key0(myl_fb_vec_table(v, i - 1), myl_fb_vec_table(v, i)) <= 0);
    }
    myl_fb_builder b;
    myl_fb_builder_init(&b, region, sizeof region, NULL, 0);
    myl_fb_ref bad[1] = {0};
    assert_int_equal(myl_fb_sort_refs(&b, bad, 1, cmp_key0), MYL_EINVAL);
}

/* A 6-byte struct: a u16 key after 4 bytes of payload (its index). */
static int cmp_skey(const uint8_t *a, const uint8_t *b)
{
    uint16_t x = (uint16_t)(a[4] | a[5] << 8), y = (uint16_t)(b[4] | b[5] << 8);
    return (x > y) - (x < y);
}

/* myl_fb_sort_structs(): structs of an odd size (some keys equal), sorted
 * in place by key whatever the count, each moved whole (its payload, the
 * index it started at, comes along: every index once). */
static void test_sort_structs(void **state)
{
    (void)state;
    static uint8_t region[64];
    static const size_t counts[] = {0, 1, 2, 3, 7, 64, 513};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        size_t n = counts[c];
        uint8_t e[513 * 6], seen[513] = {0};
        uint16_t keys[513];
        uint32_t x = 777;
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            keys[i] = (uint16_t)((x >> 8) % 50);
            myl_st32(&e[i * 6], (uint32_t)i);
            myl_st16(&e[i * 6 + 4], keys[i]);
        }
        myl_fb_builder b;
        myl_fb_builder_init(&b, region, sizeof region, NULL, 0);
        assert_int_equal(myl_fb_sort_structs(&b, n ? e : NULL, n, 6, cmp_skey), 0);
        for (size_t i = 0; i < n; i++) {
            uint32_t from = myl_ld32(&e[i * 6]);
            assert_true(from < n && !seen[from]);
            seen[from] = 1;
            assert_int_equal(myl_ld16(&e[i * 6 + 4]), keys[from]);
            if (i)
                assert_true(cmp_skey(&e[(i - 1) * 6], &e[i * 6]) <= 0);
        }
    }
    myl_fb_builder b;
    myl_fb_builder_init(&b, region, sizeof region, NULL, 0);
    assert_int_equal(myl_fb_sort_structs(&b, NULL, 1, 6, cmp_skey), MYL_EINVAL);
    myl_fb_builder_init(&b, region, sizeof region, NULL, 0);
    uint8_t one[6] = {0};
    assert_int_equal(myl_fb_sort_structs(&b, one, 1, 0, cmp_skey), MYL_EINVAL);
}

/* MYL_FB_FINISH_PACK: a small message moves to just after the root
 * offset, verifies and reads as before, in as few bytes as it needs; a
 * larger one stays at the tail. */
static void test_pack(void **state)
{
    (void)state;
    static const int samples[] = {MYLT_SAMPLE_FULL, MYLT_SAMPLE_MINIMAL, MYLT_SAMPLE_DEFAULTS};
    static const unsigned extra[] = {0, MYL_FB_FINISH_SIZE_PREFIX};
    uint8_t *region = (uint8_t *)g_buf;
    for (size_t k = 0; k < 3; k++)
        for (size_t x = 0; x < 2; x++)
            for (int id = 0; id < 2; id++) {
                myl_fb_builder b;
                myl_fb_ref root;
                myl_fb_msg m;
                memset(g_buf, 0xa5, sizeof g_buf);
                myl_fb_builder_init(&b, region, 4096, NULL, 0);
                mylt_build_sample(&b, samples[k], &root);
                size_t used = myl_fb_builder_size(&b);
                unsigned fl = MYL_FB_FINISH_AT_FRONT | MYL_FB_FINISH_PACK | extra[x];
                assert_int_equal(myl_fb_finish(&b, root, id ? MYLT_IDENT : NULL, fl, &m), 0);
                assert_true(m.in_place);
                assert_ptr_equal(m.data, region);
                size_t front = (extra[x] ? 4 : 0) + 4 + (id ? 4 : 0);
                if (used <= MYL_FB_PACK_MAX) {
                    assert_true(m.len >= front + used && m.len < front + used + 32);
                } else {
                    assert_int_equal(m.len, 4096);
                }
                myl_fb_verify_opts o = {.size = sizeof o,
                                        .flags = MYL_FB_VERIFY_STRICT |
                                                 (extra[x] ? MYL_FB_VERIFY_SIZE_PREFIXED : 0),
                                        .ident = id ? MYLT_IDENT : NULL};
                assert_int_equal(myl_fb_verify(m.data, m.len, &mylt_Monster_desc, &o, NULL), 0);
                const uint8_t *rt =
                    extra[x] ? myl_fb_size_prefixed_root(m.data) : myl_fb_root(m.data);
                assert_int_equal(mylt_check_sample(rt, samples[k]), 0);
                if (extra[x])
                    assert_int_equal(myl_ld32(m.data), m.len - 4);
            }
}

/* One step of a random build, applied through the inline fast paths the
 * generated code calls (fast) or the exported functions (slow). */
typedef struct fp_op {
    int what; /* 0..5 a scalar of 1, 2, 4, 8 bytes, f32, f64; 6 a ref; 7 a vector */
    uint32_t id;
    uint64_t v;
    size_t elem, count;
} fp_op;

static int fp_apply(myl_fb_builder *b, const fp_op *o, bool fast, myl_fb_ref ref,
                    const uint8_t *src, myl_fb_ref *out)
{
    switch (o->what) {
    case 0:
        return fast ? myl__fb_add_u8(b, o->id, (uint8_t)o->v)
                    : myl_fb_add_u8(b, o->id, (uint8_t)o->v);
    case 1:
        return fast ? myl__fb_add_u16(b, o->id, (uint16_t)o->v)
                    : myl_fb_add_u16(b, o->id, (uint16_t)o->v);
    case 2:
        return fast ? myl__fb_add_u32(b, o->id, (uint32_t)o->v)
                    : myl_fb_add_u32(b, o->id, (uint32_t)o->v);
    case 3:
        return fast ? myl__fb_add_u64(b, o->id, o->v) : myl_fb_add_u64(b, o->id, o->v);
    case 4:
        return fast ? myl__fb_add_f32(b, o->id, (float)o->v)
                    : myl_fb_add_f32(b, o->id, (float)o->v);
    case 5:
        return fast ? myl__fb_add_f64(b, o->id, (double)o->v)
                    : myl_fb_add_f64(b, o->id, (double)o->v);
    case 6:
        return fast ? myl__fb_add_ref(b, o->id, ref) : myl_fb_add_ref(b, o->id, ref);
    default:
        return fast ? myl__fb_create_vec(b, src, o->count, o->elem, out)
                    : myl_fb_create_vec_scalar(b, src, o->count, o->elem, out);
    }
}

/* Builds n random tables (each after a vector or two, with scalar fields
 * and references to those vectors) into a region of cap bytes plus an
 * arena; returns the finished message, or the error. */
enum { FP_FINISH, FP_PACK, FP_PACK_INLINE }; /* how fp_build() finishes */

static int fp_build(uint8_t *region, size_t cap, uint8_t *arena, size_t acap, bool fast,
                    uint32_t seed, bool defer, int fin, myl_fb_msg *m)
{
    static uint8_t src[9000];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (uint8_t)(i * 7 + 3);
    myl_fb_builder b;
    myl_fb_builder_init(&b, region, cap, arena, acap);
    if (defer)
        myl_fb_builder_defer(&b);
    uint32_t r = seed;
    myl_fb_ref last = 0, vec = 0;
    for (int t = 0; t < 6; t++) {
        /* a vector (sometimes empty, sometimes large) before each table */
        r = r * 1103515245u + 12345u;
        fp_op vo = {.what = 7, .elem = (size_t)1 << ((r >> 8) % 4), .count = (r >> 12) % 40};
        if ((r >> 20) % 7 == 0)
            vo.count = 4100 / vo.elem + (r >> 24) % 3; /* MYL_EXT_MIN bytes or more */
        int rc = fp_apply(&b, &vo, fast, 0, src, &vec);
        if (rc)
            return rc;
        rc = fast ? myl__fb_table_start(&b) : myl_fb_table_start(&b);
        if (rc)
            return rc;
        uint32_t nf = 1 + (r >> 16) % 9;
        for (uint32_t i = 0; i < nf; i++) {
            r = r * 1103515245u + 12345u;
            fp_op o = {
                .what = (int)((r >> 9) % 7), .id = i * 2 + (r >> 5) % 2, .v = r * 0x9e3779b9ull};
            if ((r >> 3) % 31 == 0)
                o.id = 40000; /* beyond the vtable's reach: the slow path's error */
            rc = fp_apply(&b, &o, fast, o.what == 6 && last && (r >> 14) % 2 ? last : vec, src,
                          NULL);
            if (rc)
                return rc;
        }
        rc = myl_fb_table_end(&b, &last);
        if (rc)
            return rc;
    }
    if (fin == FP_PACK_INLINE)
        return myl__fb_finish_packed(&b, last, m);
    return myl_fb_finish(&b, last, NULL,
                         fin == FP_PACK ? MYL_FB_FINISH_AT_FRONT | MYL_FB_FINISH_PACK : 0, m);
}

/* Two finished messages of the same length, placement and runs. */
static void fp_same_shape(const myl_fb_msg *m1, const myl_fb_msg *m2)
{
    assert_int_equal(m1->len, m2->len);
    assert_int_equal(m1->in_place, m2->in_place);
    assert_int_equal(m1->next, m2->next);
    for (uint32_t i = 0; i < m1->next; i++) {
        assert_int_equal(m1->ext[i].at, m2->ext[i].at);
        assert_int_equal(m1->ext[i].n, m2->ext[i].n);
    }
}

/* A table of a u64 and a vector's reference, built after the vector (whose
 * end leaves the head 4 bytes off 8) in both orders, through the inline
 * paths or the exported ones: the u64's padding is a gap the reference
 * goes into, so the message packs into 96 bytes either way (104 when the
 * reference went below the padding: a third cache line for a frame's
 * data at 32 bytes into its slot). An aligned-16 struct leaves a gap too,
 * which a 4-byte scalar can take. Every message verifies and reads back,
 * and the inline paths make messages as long as the exported ones. */
static const myl_fb_field_desc gap_fields[] = {
    {"seq", 0, MYL_FB_K_SCALAR, 0, 8, 0, 0, NULL, NULL},
    {"data", 1, MYL_FB_K_VEC_SCALAR, 0, 1, 0, 0, NULL, NULL},
    {"n", 2, MYL_FB_K_SCALAR, 0, 4, 0, 0, NULL, NULL},
    {"wide", 3, MYL_FB_K_STRUCT, 0, 16, 16, 0, NULL, NULL}};
static const myl_fb_table_desc gap_desc = {"Gap", 4, gap_fields};

static size_t gap_build(bool fast, int order, bool wide, uint8_t *region, myl_fb_msg *m)
{
    uint8_t data[64];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7);
    struct {
        uint64_t lo, hi;
    } w = {1, 2};
    myl_fb_builder b;
    myl_fb_builder_init(&b, region, 4096, NULL, 0);
    myl_fb_ref v, root;
    assert_int_equal(myl_fb_create_vec_scalar(&b, data, sizeof data, 1, &v), 0);
    assert_int_equal(b.head % 8, 4);
    assert_int_equal(fast ? myl__fb_table_start(&b) : myl_fb_table_start(&b), 0);
    for (int k = 0; k < 2; k++) {
        if (k == order) {
            assert_int_equal(fast ? myl__fb_add_u64(&b, 0, 12345) : myl_fb_add_u64(&b, 0, 12345),
                             0);
            if (wide)
                assert_int_equal(myl_fb_add_struct(&b, 3, &w, sizeof w, 16), 0);
        } else {
            assert_int_equal(fast ? myl__fb_add_ref(&b, 1, v) : myl_fb_add_ref(&b, 1, v), 0);
            if (wide)
                assert_int_equal(fast ? myl__fb_add_u32(&b, 2, 77) : myl_fb_add_u32(&b, 2, 77), 0);
        }
    }
    assert_int_equal(myl_fb_table_end(&b, &root), 0);
    assert_int_equal(
        fast ? myl__fb_finish_packed(&b, root, m)
             : myl_fb_finish(&b, root, NULL, MYL_FB_FINISH_AT_FRONT | MYL_FB_FINISH_PACK, m),
        0);
    myl_fb_verify_opts strict = {.size = sizeof strict, .flags = MYL_FB_VERIFY_STRICT};
    assert_int_equal(myl_fb_verify(m->data, m->len, &gap_desc, &strict, NULL), 0);
    const uint8_t *t = myl_fb_root(m->data);
    assert_int_equal(myl_fb_get_u64(t, 0, 0), 12345);
    myl_fb_vec got = myl_fb_get_vec(t, 1);
    assert_int_equal(got.len, sizeof data);
    assert_memory_equal(got.data, data, sizeof data);
    if (wide) {
        assert_int_equal(myl_fb_get_u32(t, 2, 0), 77);
        assert_memory_equal(myl_fb_field(t, 3), &w, sizeof w);
    }
    return m->len;
}

static void test_gap(void **state)
{
    (void)state;
    static uint64_t region[512];
    size_t len[2][2][2];
    for (int fast = 0; fast < 2; fast++)
        for (int order = 0; order < 2; order++)
            for (int wide = 0; wide < 2; wide++) {
                myl_fb_msg m;
                len[fast][order][wide] = gap_build(fast, order, wide, (uint8_t *)region, &m);
            }
    for (int order = 0; order < 2; order++)
        for (int wide = 0; wide < 2; wide++) {
            assert_int_equal(len[1][order][wide], len[0][order][wide]);
            if (!wide)
                assert_int_equal(len[0][order][wide], 96);
        }
}

/* The inline fast paths of the generated builders (myl__fb_add_*,
 * myl__fb_create_vec, myl__fb_table_start) write the same bytes as the
 * exported functions, and fail the same way, in every region size: from
 * too small for anything (each call falls back, the move to the arena
 * happening at every point of the build) to roomy. */
static void test_fast_paths(void **state)
{
    (void)state;
    static uint64_t r1[2048], r2[2048], a1[4096], a2[4096];
    int compared = 0, failed = 0;
    for (uint32_t seed = 1; seed <= 60; seed++)
        for (size_t cap = 0; cap <= 1024; cap += 8 + cap / 4)
            for (int d = 0; d < 2; d++) {
                memset(r1, 0xa5, sizeof r1);
                memset(r2, 0x5a, sizeof r2);
                memset(a1, 0xa5, sizeof a1);
                memset(a2, 0x5a, sizeof a2);
                myl_fb_msg m1, m2;
                int e1 = fp_build((uint8_t *)r1, cap, (uint8_t *)a1, sizeof a1, true, seed, d,
                                  FP_FINISH, &m1);
                int e2 = fp_build((uint8_t *)r2, cap, (uint8_t *)a2, sizeof a2, false, seed, d,
                                  FP_FINISH, &m2);
                assert_int_equal(e1, e2);
                if (e1) {
                    failed++;
                    continue;
                }
                fp_same_shape(&m1, &m2);
                for (uint32_t i = 0; i < m1.next; i++) {
                    /* a hole's bytes are unwritten: compare them as equal */
                    memset((uint8_t *)m1.data + m1.ext[i].at, 0, m1.ext[i].n);
                    memset((uint8_t *)m2.data + m2.ext[i].at, 0, m2.ext[i].n);
                }
                assert_memory_equal(m1.data, m2.data, m1.len);
                compared++;
            }
    /* both kinds of outcome were seen */
    assert_true(compared > 100);
    assert_true(failed > 10);
}

/* myl__fb_finish_packed(), the generated senders' inline finish, gives
 * what myl_fb_finish(..., MYL_FB_FINISH_AT_FRONT | MYL_FB_FINISH_PACK)
 * gives: the same bytes, length and runs, or the same error, in every
 * region size (packed, too large to pack, moved to the arena) and with
 * the region starting off its alignment (MYL_EINVAL). */
static void test_finish_packed(void **state)
{
    (void)state;
    static uint64_t r1[2048], r2[2048], a1[4096], a2[4096];
    int packed = 0, unpacked = 0, failed = 0;
    for (uint32_t seed = 1; seed <= 160; seed++)
        for (size_t cap = 0; cap <= 2048; cap += 8 + cap / 3)
            for (size_t off = 0; off <= 4; off += 4)
                for (int d = 0; d < 2; d++) {
                    memset(r1, 0xa5, sizeof r1);
                    memset(r2, 0xa5, sizeof r2);
                    memset(a1, 0xa5, sizeof a1);
                    memset(a2, 0xa5, sizeof a2);
                    myl_fb_msg m1, m2;
                    int e1 = fp_build((uint8_t *)r1 + off, cap, (uint8_t *)a1, sizeof a1, true,
                                      seed, d, FP_PACK_INLINE, &m1);
                    int e2 = fp_build((uint8_t *)r2 + off, cap, (uint8_t *)a2, sizeof a2, true,
                                      seed, d, FP_PACK, &m2);
                    assert_int_equal(e1, e2);
                    if (e1) {
                        failed++;
                        continue;
                    }
                    fp_same_shape(&m1, &m2);
                    /* at the same place: in the region, or in the arena */
                    const uint8_t *b1 = m1.in_place ? (uint8_t *)r1 : (uint8_t *)a1;
                    const uint8_t *b2 = m2.in_place ? (uint8_t *)r2 : (uint8_t *)a2;
                    assert_int_equal((const uint8_t *)m1.data - b1, (const uint8_t *)m2.data - b2);
                    assert_memory_equal(r1, r2, sizeof r1);
                    assert_memory_equal(a1, a2, sizeof a1);
                    if (m1.in_place && m1.len < cap)
                        packed++;
                    else
                        unpacked++;
                }
    assert_true(packed > 100);
    assert_true(unpacked > 100);
    assert_true(failed > 10);
    /* the finish's own refusals */
    myl_fb_builder b;
    myl_fb_msg m;
    myl_fb_ref v;
    uint8_t one = 1;
    myl_fb_builder_init(&b, g_buf, 256, NULL, 0);
    assert_int_equal(myl_fb_create_vec_scalar(&b, &one, 1, 1, &v), 0);
    assert_int_equal(myl__fb_finish_packed(&b, 0, &m), MYL_EINVAL);
    myl_fb_builder_init(&b, g_buf, 256, NULL, 0);
    assert_int_equal(myl_fb_create_vec_scalar(&b, &one, 1, 1, &v), 0);
    assert_int_equal(myl__fb_finish_packed(&b, v + 4, &m), MYL_EINVAL);
    myl_fb_builder_init(&b, g_buf, 256, NULL, 0);
    assert_int_equal(myl_fb_table_start(&b), 0);
    assert_int_equal(myl__fb_finish_packed(&b, 4, &m), MYL_EINVAL);
    assert_null(m.data);
}

/* myl_fb_builder_defer: large vectors bound for the arena are not copied
 * there; the holes they leave, filled from the runs, give the bytes of the
 * same message built without defer. At most MYL_EXT_MAX runs. */
static void test_defer(void **state)
{
    (void)state;
    enum { NV = MYL_EXT_MAX + 2, VN = MYL_EXT_MIN + 5 };
    static uint8_t vec[NV][VN];
    static uint8_t arena_a[(NV + 2) * VN + 4096], arena_b[(NV + 2) * VN + 4096],
        whole[(NV + 2) * VN + 4096];
    static uint64_t region_a[64], region_b[64];
    for (size_t k = 0; k < NV; k++)
        for (size_t i = 0; i < VN; i++)
            vec[k][i] = (uint8_t)(i * 31 + k);
    myl_fb_msg ma, mb;
    for (int pass = 0; pass < 2; pass++) {
        myl_fb_builder b;
        uint8_t *arena = pass ? arena_b : arena_a;
        memset(arena, 0x5a, sizeof arena_a);
        myl_fb_builder_init(&b, pass ? region_b : region_a, sizeof region_a, arena, sizeof arena_a);
        if (pass)
            myl_fb_builder_defer(&b);
        myl_fb_ref refs[NV + 1], small, root;
        assert_int_equal(myl_fb_create_vec_scalar(&b, vec[0], 10, 1, &small), 0);
        for (size_t k = 0; k < NV; k++) /* u8, and u32 (aligned 4) */
            assert_int_equal(k & 1 ? myl_fb_create_vec_scalar(&b, vec[k], VN / 4, 4, &refs[k])
                                   : myl_fb_create_vec_scalar(&b, vec[k], VN, 1, &refs[k]),
                             0);
        assert_int_equal(myl_fb_table_start(&b), 0);
        for (size_t k = 0; k < NV; k++)
            assert_int_equal(myl_fb_add_ref(&b, (uint32_t)k, refs[k]), 0);
        assert_int_equal(myl_fb_add_ref(&b, NV, small), 0);
        assert_int_equal(myl_fb_table_end(&b, &root), 0);
        assert_int_equal(myl_fb_finish(&b, root, NULL, MYL_FB_FINISH_AT_FRONT | MYL_FB_FINISH_PACK,
                                       pass ? &mb : &ma),
                         0);
    }
    assert_false(ma.in_place);
    assert_false(mb.in_place);
    assert_int_equal(ma.next, 0);
    assert_int_equal(mb.next, MYL_EXT_MAX);
    assert_int_equal(mb.len, ma.len);
    memcpy(whole, mb.data, mb.len);
    size_t from = 0;
    for (uint32_t i = 0; i < mb.next; i++) {
        assert_true(mb.ext[i].at >= from && mb.ext[i].at + mb.ext[i].n <= mb.len);
        /* the hole was never written */
        assert_int_equal(mb.data[mb.ext[i].at], 0x5a);
        assert_int_equal(mb.data[mb.ext[i].at + mb.ext[i].n - 1], 0x5a);
        memcpy(whole + mb.ext[i].at, mb.ext[i].p, mb.ext[i].n);
        from = mb.ext[i].at + mb.ext[i].n;
    }
    assert_memory_equal(whole, ma.data, ma.len);
    /* a vector that fits the first region is copied there, defer or not */
    myl_fb_builder b;
    static uint64_t roomy[(2 * VN) / 8 + 64];
    myl_fb_builder_init(&b, roomy, sizeof roomy, arena_b, sizeof arena_b);
    myl_fb_builder_defer(&b);
    myl_fb_ref r, root;
    assert_int_equal(myl_fb_create_vec_scalar(&b, vec[0], VN, 1, &r), 0);
    assert_int_equal(myl_fb_table_start(&b), 0);
    assert_int_equal(myl_fb_add_ref(&b, 0, r), 0);
    assert_int_equal(myl_fb_table_end(&b, &root), 0);
    assert_int_equal(myl_fb_finish(&b, root, NULL, 0, &mb), 0);
    assert_true(mb.in_place);
    assert_int_equal(mb.next, 0);
}

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

/* The inline compare of string keys (fb.h, myl__fb_bytes_cmp) orders as
 * memcmp() does: every length 0-40, equal, and differing at each position
 * (by the high bit, by one, by the byte's other bits), both ways round. */
static void test_bytes_cmp(void **state)
{
    (void)state;
    char a[48], b[48];
    for (size_t n = 0; n <= 40; n++) {
        for (size_t i = 0; i < n; i++)
            a[i] = (char)('a' + (i * 7) % 26);
        memcpy(b, a, n);
        assert_int_equal(myl__fb_bytes_cmp(a, b, n), 0);
        static const unsigned char flips[] = {0x80, 0x01, 0x7e};
        for (size_t at = 0; at < n; at++)
            for (size_t f = 0; f < sizeof flips; f++) {
                memcpy(b, a, n);
                b[at] = (char)((unsigned char)b[at] ^ flips[f]);
                assert_int_equal(myl__fb_bytes_cmp(a, b, n), sign(memcmp(a, b, n)));
                assert_int_equal(myl__fb_bytes_cmp(b, a, n), sign(memcmp(b, a, n)));
                /* a later difference does not outvote an earlier one */
                if (at + 1 < n) {
                    b[n - 1] = (char)((unsigned char)b[n - 1] ^ 0xffu);
                    assert_int_equal(myl__fb_bytes_cmp(a, b, n), sign(memcmp(a, b, n)));
                }
            }
    }
}

MYL_TEST_MAIN("fb", cmocka_unit_test(test_bytes_cmp), cmocka_unit_test(test_fast_paths),
              cmocka_unit_test(test_gap), cmocka_unit_test(test_pack),
              cmocka_unit_test(test_finish_packed), cmocka_unit_test(test_defer),
              cmocka_unit_test(test_readers_handmade), cmocka_unit_test(test_sort_refs),
              cmocka_unit_test(test_sort_structs), cmocka_unit_test(test_big_align),
              cmocka_unit_test(test_samples_roundtrip), cmocka_unit_test(test_at_front),
              cmocka_unit_test(test_arena_fallback), cmocka_unit_test(test_builder_misuse),
              cmocka_unit_test(test_verify_errors), cmocka_unit_test(test_verify_vectors_unions),
              cmocka_unit_test(test_verify_limits), cmocka_unit_test(test_verify_mutations))
