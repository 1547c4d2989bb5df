/* The compact codec's primitives: exact encodings, round trips, and every
 * decoding error. */
#include "harness.h"

#include "myelon/myelon.h"

#include "compact_msg.h"

static size_t enc_uvar(uint64_t v, uint8_t *out)
{
    myl_cenc e;
    myl_cenc_init(&e, out, 16);
    myl_cenc_uvar(&e, v);
    assert_int_equal(e.err, 0);
    return myl_cenc_len(&e);
}

static void test_uvar_bytes(void **state)
{
    (void)state;
    static const struct {
        uint64_t v;
        size_t n;
        uint8_t b[10];
    } cases[] = {
        {0, 1, {0x00}},
        {1, 1, {0x01}},
        {127, 1, {0x7f}},
        {128, 2, {0x80, 0x01}},
        {300, 2, {0xac, 0x02}},
        {16383, 2, {0xff, 0x7f}},
        {16384, 3, {0x80, 0x80, 0x01}},
        {UINT32_MAX, 5, {0xff, 0xff, 0xff, 0xff, 0x0f}},
        {UINT64_C(1) << 63, 10, {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}},
        {UINT64_MAX, 10, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t out[16];
        size_t n = enc_uvar(cases[i].v, out);
        assert_int_equal(n, cases[i].n);
        assert_int_equal(myl_uvar_len(cases[i].v), cases[i].n);
        assert_memory_equal(out, cases[i].b, n);
        myl_cdec d;
        myl_cdec_init(&d, out, n);
        assert_true(myl_cdec_uvar(&d) == cases[i].v);
        assert_int_equal(myl_cdec_finish(&d), 0);
    }
}

static void test_zigzag(void **state)
{
    (void)state;
    assert_true(myl_zigzag64(0) == 0);
    assert_true(myl_zigzag64(-1) == 1);
    assert_true(myl_zigzag64(1) == 2);
    assert_true(myl_zigzag64(-2) == 3);
    assert_true(myl_zigzag64(INT64_MAX) == UINT64_MAX - 1);
    assert_true(myl_zigzag64(INT64_MIN) == UINT64_MAX);
    int64_t vals[] = {0, 1, -1, 63, -64, 64, -65, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        uint8_t buf[16];
        myl_cenc e;
        myl_cenc_init(&e, buf, sizeof buf);
        myl_cenc_svar(&e, vals[i]);
        myl_cdec d;
        myl_cdec_init(&d, buf, myl_cenc_len(&e));
        assert_true(myl_cdec_svar(&d) == vals[i]);
        assert_int_equal(myl_cdec_finish(&d), 0);
    }
    /* -64 takes one byte, -65 two */
    uint8_t buf[16];
    myl_cenc e;
    myl_cenc_init(&e, buf, sizeof buf);
    myl_cenc_svar(&e, -64);
    assert_int_equal(myl_cenc_len(&e), 1);
    myl_cenc_svar(&e, -65);
    assert_int_equal(myl_cenc_len(&e), 3);
}

static int dec_uvar_err(const uint8_t *b, size_t n, uint64_t max)
{
    myl_cdec d;
    myl_cdec_init(&d, b, n);
    uint64_t v = myl_cdec_uvar_max(&d, max);
    if (d.err)
        assert_true(v == 0);
    return d.err;
}

static void test_uvar_errors(void **state)
{
    (void)state;
    /* truncated */
    static const uint8_t t1[] = {0x80};
    assert_int_equal(dec_uvar_err(t1, 1, UINT64_MAX), MYL_ECTRUNC);
    assert_int_equal(dec_uvar_err(t1, 0, UINT64_MAX), MYL_ECTRUNC);
    static const uint8_t t2[] = {0xff, 0xff, 0xff};
    assert_int_equal(dec_uvar_err(t2, 3, UINT64_MAX), MYL_ECTRUNC);
    /* overlong: a zero last group after the first byte */
    static const uint8_t o1[] = {0x80, 0x00};
    assert_int_equal(dec_uvar_err(o1, 2, UINT64_MAX), MYL_ECVARINT);
    static const uint8_t o2[] = {0xff, 0x80, 0x00};
    assert_int_equal(dec_uvar_err(o2, 3, UINT64_MAX), MYL_ECVARINT);
    static const uint8_t o3[] = {0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    assert_int_equal(dec_uvar_err(o3, 10, UINT64_MAX), MYL_ECVARINT);
    /* over range: the tenth byte may only hold bit 63 */
    static const uint8_t r1[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    assert_int_equal(dec_uvar_err(r1, 10, UINT64_MAX), MYL_ECVARINT);
    /* eleven bytes */
    static const uint8_t r2[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00};
    assert_int_equal(dec_uvar_err(r2, 11, UINT64_MAX), MYL_ECVARINT);
    /* the type's range */
    static const uint8_t r3[] = {0x80, 0x80, 0x80, 0x80, 0x10}; /* 2^32 */
    assert_int_equal(dec_uvar_err(r3, 5, UINT32_MAX), MYL_ECVARINT);
    assert_int_equal(dec_uvar_err(r3, 5, UINT64_MAX), 0);
    static const uint8_t r4[] = {0x11};
    assert_int_equal(dec_uvar_err(r4, 1, 16), MYL_ECVARINT);
    assert_int_equal(dec_uvar_err(r4, 1, 17), 0);
    /* a lone zero is the canonical 0, not overlong */
    static const uint8_t z[] = {0x00};
    assert_int_equal(dec_uvar_err(z, 1, 0), 0);
}

static void test_fixed_roundtrip(void **state)
{
    (void)state;
    uint8_t buf[64];
    myl_cenc e;
    myl_cenc_init(&e, buf, sizeof buf);
    myl_cenc_u8(&e, 0xab);
    myl_cenc_i8(&e, -2);
    myl_cenc_u16(&e, 0x1234);
    myl_cenc_i16(&e, -3);
    myl_cenc_u32(&e, 0xdeadbeef);
    myl_cenc_i32(&e, INT32_MIN);
    myl_cenc_u64(&e, UINT64_C(0x0102030405060708));
    myl_cenc_i64(&e, INT64_MIN);
    myl_cenc_f32(&e, -0.75f);
    myl_cenc_f64(&e, 1e300);
    myl_cenc_bool(&e, true);
    myl_cenc_bool(&e, false);
    assert_int_equal(e.err, 0);
    assert_int_equal(myl_cenc_len(&e), 1 + 1 + 2 + 2 + 4 + 4 + 8 + 8 + 4 + 8 + 2);
    /* little-endian on the wire */
    assert_int_equal(buf[2], 0x34);
    assert_int_equal(buf[3], 0x12);
    assert_int_equal(buf[6], 0xef);
    assert_int_equal(buf[9], 0xde);
    assert_int_equal(buf[14], 0x08);
    assert_int_equal(buf[21], 0x01);
    myl_cdec d;
    myl_cdec_init(&d, buf, myl_cenc_len(&e));
    assert_int_equal(myl_cdec_u8(&d), 0xab);
    assert_int_equal(myl_cdec_i8(&d), -2);
    assert_int_equal(myl_cdec_u16(&d), 0x1234);
    assert_int_equal(myl_cdec_i16(&d), -3);
    assert_true(myl_cdec_u32(&d) == 0xdeadbeef);
    assert_true(myl_cdec_i32(&d) == INT32_MIN);
    assert_true(myl_cdec_u64(&d) == UINT64_C(0x0102030405060708));
    assert_true(myl_cdec_i64(&d) == INT64_MIN);
    assert_true(myl_cdec_f32(&d) == -0.75f);
    assert_true(myl_cdec_f64(&d) == 1e300);
    assert_true(myl_cdec_bool(&d));
    assert_false(myl_cdec_bool(&d));
    assert_int_equal(myl_cdec_finish(&d), 0);
}

static void test_decode_errors(void **state)
{
    (void)state;
    myl_cdec d;
    /* truncated fixed-width */
    static const uint8_t three[] = {1, 2, 3};
    myl_cdec_init(&d, three, 3);
    assert_true(myl_cdec_u32(&d) == 0);
    assert_int_equal(d.err, MYL_ECTRUNC);
    /* sticky: later reads return 0 and keep the first error */
    assert_int_equal(myl_cdec_u8(&d), 0);
    assert_true(myl_cdec_bool(&d) == false);
    assert_int_equal(myl_cdec_finish(&d), MYL_ECTRUNC);
    /* bool other than 0/1 */
    static const uint8_t two[] = {2};
    myl_cdec_init(&d, two, 1);
    assert_false(myl_cdec_bool(&d));
    assert_int_equal(myl_cdec_finish(&d), MYL_ECODEC);
    /* trailing bytes */
    myl_cdec_init(&d, three, 3);
    assert_int_equal(myl_cdec_u16(&d), 0x0201);
    assert_int_equal(d.err, 0);
    assert_int_equal(myl_cdec_finish(&d), MYL_ECODEC);
    /* bytes: longer than allowed, longer than the input */
    static const uint8_t b1[] = {5, 'a', 'b', 'c', 'd', 'e'};
    const uint8_t *p;
    myl_cdec_init(&d, b1, sizeof b1);
    assert_int_equal(myl_cdec_bytes(&d, &p, 4), 0);
    assert_null(p);
    assert_int_equal(d.err, MYL_ECODEC);
    myl_cdec_init(&d, b1, sizeof b1 - 1);
    assert_int_equal(myl_cdec_bytes(&d, &p, 64), 0);
    assert_int_equal(d.err, MYL_ECTRUNC);
    myl_cdec_init(&d, b1, sizeof b1);
    assert_int_equal(myl_cdec_bytes(&d, &p, 5), 5);
    assert_ptr_equal(p, b1 + 1);
    assert_int_equal(myl_cdec_finish(&d), 0);
    /* a length that is an overlong varint */
    static const uint8_t b2[] = {0x81, 0x00, 'x'};
    const char *s;
    myl_cdec_init(&d, b2, sizeof b2);
    assert_int_equal(myl_cdec_str(&d, &s, 64), 0);
    assert_int_equal(d.err, MYL_ECVARINT);
    /* copy into a fixed buffer */
    char out[8];
    myl_cdec_init(&d, b1, sizeof b1);
    assert_int_equal(myl_cdec_bytes_copy(&d, out, sizeof out), 5);
    assert_memory_equal(out, "abcde", 5);
    myl_cdec_init(&d, b1, sizeof b1);
    assert_int_equal(myl_cdec_bytes_copy(&d, out, 4), 0);
    assert_int_equal(d.err, MYL_ECODEC);
    /* svar32 out of range: zigzag(2^31) */
    uint8_t big[16];
    size_t n = enc_uvar(UINT64_C(1) << 32, big);
    myl_cdec_init(&d, big, n);
    (void)myl_cdec_svar32(&d);
    assert_int_equal(d.err, MYL_ECVARINT);
    /* empty input, NULL buffer */
    myl_cdec_init(&d, NULL, 0);
    assert_int_equal(myl_cdec_finish(&d), 0);
    assert_int_equal(myl_cdec_u8(&d), 0);
    assert_int_equal(d.err, MYL_ECTRUNC);
}

static void test_encode_bounds(void **state)
{
    (void)state;
    uint8_t buf[32];
    memset(buf, 0xee, sizeof buf);
    myl_cenc e;
    /* exact fit */
    myl_cenc_init(&e, buf, 4);
    myl_cenc_u32(&e, 7);
    assert_int_equal(e.err, 0);
    myl_cenc_u8(&e, 1);
    assert_int_equal(e.err, MYL_ETOOBIG);
    assert_int_equal(buf[4], 0xee);
    /* varints near the end: every size of room */
    for (size_t room = 0; room < 10; room++) {
        memset(buf, 0xee, sizeof buf);
        myl_cenc_init(&e, buf, room);
        myl_cenc_uvar(&e, UINT64_MAX);
        assert_int_equal(e.err, MYL_ETOOBIG);
        assert_int_equal(myl_cenc_len(&e), 0);
        assert_int_equal(buf[room], 0xee);
    }
    myl_cenc_init(&e, buf, 10);
    myl_cenc_uvar(&e, UINT64_MAX);
    assert_int_equal(e.err, 0);
    /* bytes whose length fits but the data does not */
    memset(buf, 0xee, sizeof buf);
    myl_cenc_init(&e, buf, 4);
    myl_cenc_bytes(&e, "hello", 5);
    assert_int_equal(e.err, MYL_ETOOBIG);
    assert_int_equal(buf[4], 0xee);
    /* sticky */
    myl_cenc_u8(&e, 1);
    assert_int_equal(e.err, MYL_ETOOBIG);
    myl_cenc_init(&e, NULL, 0);
    myl_cenc_u8(&e, 1);
    assert_int_equal(e.err, MYL_ETOOBIG);
}

static void test_message(void **state)
{
    (void)state;
    cm_msg m = {.kind = 3,
                .urgent = true,
                .port = 8080,
                .delta = -5,
                .id = UINT64_C(1) << 40,
                .offset = -1234567,
                .count = 300,
                .balance = INT32_MIN,
                .ratio = 0.5f,
                .price = 101.25,
                .blob = (const uint8_t *)"\x00\x01\x02",
                .blob_len = 3,
                .name = "tick",
                .name_len = 4,
                .nitems = 3,
                .items = {-1, 0, INT64_MAX}};
    uint8_t buf[256];
    size_t len;
    assert_int_equal(cm_encode(&m, buf, sizeof buf, &len), 0);
    cm_msg o;
    assert_int_equal(cm_decode(&o, buf, len), 0);
    assert_int_equal(o.kind, 3);
    assert_true(o.urgent);
    assert_int_equal(o.port, 8080);
    assert_int_equal(o.delta, -5);
    assert_true(o.id == UINT64_C(1) << 40);
    assert_true(o.offset == -1234567);
    assert_int_equal(o.count, 300);
    assert_true(o.balance == INT32_MIN);
    assert_true(o.ratio == 0.5f);
    assert_true(o.price == 101.25);
    assert_int_equal(o.blob_len, 3);
    assert_memory_equal(o.blob, "\x00\x01\x02", 3);
    assert_int_equal(o.name_len, 4);
    assert_memory_equal(o.name, "tick", 4);
    assert_int_equal(o.nitems, 3);
    assert_true(o.items[2] == INT64_MAX);
    /* every truncation fails with ECTRUNC, never reads past len (ASan) */
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, buf, cut);
        assert_int_equal(cm_decode(&o, copy, cut), MYL_ECTRUNC);
        free(copy);
    }
    /* too small an output buffer, at every size */
    for (size_t cap = 0; cap < len; cap++) {
        size_t l2;
        assert_int_equal(cm_encode(&m, buf, cap, &l2), MYL_ETOOBIG);
        assert_true(l2 <= cap);
    }
}

/* An encoder with runs (myl_cenc_init_ext): large byte fields are left
 * where they lie, and the buffer with the runs inserted is what the plain
 * encoder writes; no more runs than room for, the rest copied. */
static void test_encode_ext(void **state)
{
    (void)state;
    static uint8_t big[5][MYL_EXT_MIN + 3];
    for (size_t k = 0; k < 5; k++)
        for (size_t i = 0; i < sizeof big[k]; i++)
            big[k][i] = (uint8_t)(i * 13 + k);
    static uint8_t plain[6 * sizeof big[0]], with[6 * sizeof big[0]], joined[6 * sizeof big[0]];
    for (uint32_t cap = 0; cap <= 5; cap++) {
        myl_cenc e;
        myl_ext ext[5];
        for (int pass = 0; pass < 2; pass++) {
            if (pass == 0)
                myl_cenc_init(&e, plain, sizeof plain);
            else
                myl_cenc_init_ext(&e, with, sizeof with, ext, cap);
            myl_cenc_uvar(&e, 300);
            myl_cenc_bytes(&e, big[0], MYL_EXT_MIN - 1); /* too small: copied */
            myl_cenc_bytes(&e, big[1], sizeof big[1]);
            myl_cenc_raw(&e, big[2], MYL_EXT_MIN);
            myl_cenc_u32(&e, 7);
            myl_cenc_str(&e, (const char *)big[3], sizeof big[3]);
            myl_cenc_bytes(&e, big[4], sizeof big[4]);
            assert_int_equal(e.err, 0);
        }
        uint32_t want = cap < 4 ? cap : 4;
        assert_int_equal(e.next, want);
        /* the runs inserted at their offsets give the plain encoding */
        size_t w = 0, pos = 0, ext_len = 0;
        for (uint32_t i = 0; i < e.next; i++) {
            assert_true(ext[i].at >= pos && ext[i].n >= MYL_EXT_MIN);
            memcpy(joined + w, with + pos, ext[i].at - pos);
            w += ext[i].at - pos;
            memcpy(joined + w, ext[i].p, ext[i].n);
            w += ext[i].n;
            pos = ext[i].at;
            ext_len += ext[i].n;
        }
        memcpy(joined + w, with + pos, myl_cenc_len(&e) - pos);
        w += myl_cenc_len(&e) - pos;
        assert_int_equal(e.ext_len, ext_len);
        assert_int_equal(w, 2 + 2 + (MYL_EXT_MIN - 1) + 2 + sizeof big[1] + MYL_EXT_MIN + 4 + 2 +
                                sizeof big[3] + 2 + sizeof big[4]);
        assert_memory_equal(joined, plain, w);
    }
    /* a buffer too small for what is left in it is still MYL_ETOOBIG */
    myl_cenc e;
    myl_ext ext[2];
    uint8_t tiny[4];
    myl_cenc_init_ext(&e, tiny, sizeof tiny, ext, 2);
    myl_cenc_bytes(&e, big[1], sizeof big[1]); /* 2 bytes of length, a run */
    myl_cenc_u32(&e, 1);
    assert_int_equal(e.err, MYL_ETOOBIG);
}

MYL_TEST_MAIN("compact", cmocka_unit_test(test_encode_ext), cmocka_unit_test(test_uvar_bytes),
              cmocka_unit_test(test_zigzag), cmocka_unit_test(test_uvar_errors),
              cmocka_unit_test(test_fixed_roundtrip), cmocka_unit_test(test_decode_errors),
              cmocka_unit_test(test_encode_bounds), cmocka_unit_test(test_message))
