/* The schema description API (myelon/compat.h) on descriptions myelonc
 * generated (tests/golden/pipes.myl, and tests/gen/fb/wide.myl's, longer
 * than a string literal may be): decode, the carried type by root
 * and by name, the compatibility mode, a damaged description, and the
 * channel-level comparison. */
#include <string.h>

#include "harness.h"
#include "myelon/compat.h"
#include "pipes.myl.h"
#include "wide.myl.h"

static myl_schema *decode(const myl_channel_desc *d)
{
    myl_schema *s = NULL;
    char why[128] = "";
    assert_int_equal(myl_schema_decode(d->schema, d->schema_len, &s, why, sizeof why), 0);
    assert_non_null(s);
    return s;
}

static void test_root_and_find(void **state)
{
    (void)state;
    /* An event channel: strict by default; its root is pipes.Order. */
    myl_schema *s = decode(&pipes_orders_desc);
    assert_true(myl_schema_type_count(s) >= 1);
    uint32_t root = myl_schema_root(s);
    assert_int_not_equal(root, MYL_SCHEMA_NO_TYPE);
    assert_true(root < myl_schema_type_count(s));
    assert_int_equal(myl_schema_find(s, "pipes.Order", strlen("pipes.Order")), root);
    /* The length decides, not a NUL: a prefix or a longer name is no
     * match. */
    assert_int_equal(myl_schema_find(s, "pipes.Order", strlen("pipes.Orde")), MYL_SCHEMA_NO_TYPE);
    assert_int_equal(myl_schema_find(s, "pipes.Orders", strlen("pipes.Orders")),
                     MYL_SCHEMA_NO_TYPE);
    assert_int_equal(myl_schema_find(s, "pipes.Nope", strlen("pipes.Nope")), MYL_SCHEMA_NO_TYPE);
    assert_int_equal(myl_schema_compat_mode(s), MYL_COMPAT_STRICT);
    myl_schema_free(s);

    /* A FlatBuffers table channel evolves by default. */
    s = decode(&pipes_quotes_fb_desc);
    assert_int_equal(myl_schema_find(s, "pipes.Quote", strlen("pipes.Quote")), myl_schema_root(s));
    assert_int_equal(myl_schema_compat_mode(s), MYL_COMPAT_EVOLVE);
    myl_schema_free(s);

    /* Bytes: no carried type. */
    s = decode(&pipes_raw_in_desc);
    assert_int_equal(myl_schema_root(s), MYL_SCHEMA_NO_TYPE);
    myl_schema_free(s);

    /* No schema. */
    assert_int_equal(myl_schema_root(NULL), MYL_SCHEMA_NO_TYPE);
    assert_int_equal(myl_schema_find(NULL, "pipes.Order", 11), MYL_SCHEMA_NO_TYPE);
    assert_int_equal(myl_schema_compat_mode(NULL), MYL_COMPAT_NONE);
    assert_int_equal(myl_schema_type_count(NULL), 0);
}

static void test_damaged_and_compat(void **state)
{
    (void)state;
    const myl_channel_desc *o = &pipes_orders_desc, *f = &pipes_fills_desc;
    /* Cut short: refused, saying why. */
    myl_schema *s = NULL;
    char why[128] = "";
    assert_int_equal(myl_schema_decode(o->schema, o->schema_len - 1, &s, why, sizeof why),
                     MYL_ECORRUPT);
    assert_null(s);
    assert_true(why[0] != '\0');
    /* However little room the reason has (none, one byte: no text fits),
     * corruption is MYL_ECORRUPT: a reason left empty was taken for an
     * allocation failure (-ENOMEM). */
    for (size_t cap = 0; cap < 4; cap++) {
        char small[4] = "";
        assert_int_equal(
            myl_schema_decode(o->schema, o->schema_len - 1, &s, cap ? small : NULL, cap),
            MYL_ECORRUPT);
        assert_null(s);
    }
    /* A channel is compatible with itself, not with another carried type. */
    assert_int_equal(
        myl_schema_compat(o->schema, o->schema_len, o->schema, o->schema_len, why, sizeof why), 0);
    why[0] = '\0';
    assert_int_equal(
        myl_schema_compat(o->schema, o->schema_len, f->schema, f->schema_len, why, sizeof why),
        MYL_EINCOMPAT);
    assert_true(why[0] != '\0');
}

/* A description longer than a string literal may be (4095 characters),
 * which the generated .c carries as bytes: whole, and it decodes. */
static void test_long_description(void **state)
{
    (void)state;
    assert_true(wide_customers_desc.schema_len > 4095);
    myl_schema *s = decode(&wide_customers_desc);
    uint32_t root = myl_schema_root(s);
    assert_int_equal(myl_schema_find(s, "wide.Customer", strlen("wide.Customer")), root);
    myl_schema_free(s);
    char why[128] = "";
    assert_int_equal(myl_schema_compat(wide_customers_desc.schema, wide_customers_desc.schema_len,
                                       wide_customers_desc.schema, wide_customers_desc.schema_len,
                                       why, sizeof why),
                     0);
}

/* Union members by type code, and descriptions of version 1 (a member
 * was its type index alone, codes 1, 2, ... in order) still read: a union
 * p.U of one table p.A, the root, in the two versions; and version 2
 * with A under code 2, or a string under code 1. */
#define HDR(v) 0x4d, 0x59, 0x4c, 0x53, v, 2, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0
#define TABLE_A 4, 3, 'p', '.', 'A', 0, 0
static const uint8_t union_v1[] = {HDR(1), 5, 3, 'p', '.', 'U', 1, 0, 1, 0, TABLE_A};
static const uint8_t union_v2[] = {HDR(2), 5, 3, 'p', '.', 'U', 1, 0, 1, 0, 15, 1, 0, TABLE_A};
static const uint8_t union_code2[] = {HDR(2), 5, 3, 'p', '.', 'U', 1, 0, 2, 0, 15, 1, 0, TABLE_A};
static const uint8_t union_str[] = {HDR(2), 5, 3, 'p', '.', 'U', 1, 0, 1, 0, 13, TABLE_A};
static const uint8_t union_dup[] = {HDR(2), 5, 3, 'p', '.', 'U', 2, 0, 1,      0,
                                    15,     1, 0, 1,   0,   15,  1, 0, TABLE_A};

static void test_union_codes(void **state)
{
    (void)state;
    char why[256];
    myl_schema *s = NULL;
    assert_int_equal(myl_schema_decode(union_v1, sizeof union_v1, &s, why, sizeof why), 0);
    myl_schema_free(s);
    assert_int_equal(
        myl_schema_compat(union_v1, sizeof union_v1, union_v2, sizeof union_v2, why, sizeof why),
        0);
    assert_int_equal(myl_schema_compat(union_v2, sizeof union_v2, union_code2, sizeof union_code2,
                                       why, sizeof why),
                     MYL_EINCOMPAT);
    assert_int_equal(
        myl_schema_compat(union_v2, sizeof union_v2, union_str, sizeof union_str, why, sizeof why),
        MYL_EINCOMPAT);
    assert_non_null(strstr(why, "string"));
    /* A code given twice: refused by the decoder. */
    assert_int_equal(myl_schema_decode(union_dup, sizeof union_dup, &s, why, sizeof why),
                     MYL_ECORRUPT);
    assert_null(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_root_and_find),
        cmocka_unit_test(test_damaged_and_compat),
        cmocka_unit_test(test_long_description),
        cmocka_unit_test(test_union_codes),
    };
    return myl_test_run("schema_desc", tests, sizeof tests / sizeof *tests);
}
