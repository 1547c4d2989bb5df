/* Two .fbs files that include each other (tests/fbs/ring_a.fbs and
 * ring_b.fbs, an include cycle as flatc allows): the C that myelonc
 * generates from them, on flatc's buffer of ring.json (argv[1]):
 *   1. our verifier accepts it, our readers follow the references across
 *      the cycle both ways (fields, vectors, a sorted one found by key,
 *      union members), what ring.json sets is read back;
 *   2. every field read is written again with our builders (argv[2]
 *      receives the copy): our verifier accepts it and interop_ring.sh has
 *      flatc decode both to the same JSON.
 * flatc's own C++ for files that include each other does not compile
 * (each generated header needs the other's types first), hence C here and
 * flatc's JSON as the reference. The headers are included in the order
 * opposite to the sources' (ring_a.myl.c includes ring_a.myl.h first). */
#include "ring_b.myl.h"
#include "ring_a.myl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_failures;

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c);                  \
            g_failures++;                                                                          \
        }                                                                                          \
    } while (0)

static bool str_is(myl_fb_str s, const char *want)
{
    return s.ptr && s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0;
}

static myl_fb_ref copy_str(myl_fb_builder *b, myl_fb_str s)
{
    myl_fb_ref r = 0;
    if (s.ptr)
        myl_fb_create_string(b, s.ptr, s.len, &r);
    return r;
}

static myl_fb_ref copy_a(myl_fb_builder *b, Ring_A_table t, unsigned depth);

static myl_fb_ref copy_b(myl_fb_builder *b, Ring_Back_B_table t, unsigned depth)
{
    if (!t.t || depth > 8)
        return 0;
    myl_fb_ref tag = copy_str(b, Ring_Back_B_tag(t));
    myl_fb_ref a = copy_a(b, Ring_Back_B_a(t), depth + 1), as = 0, shades = 0, r = 0;
    if (Ring_Back_B_has_as(t)) {
        uint32_t n = Ring_Back_B_as_len(t);
        myl_fb_ref *v = calloc(n + 1, sizeof *v);
        for (uint32_t i = 0; v && i < n; i++)
            v[i] = copy_a(b, Ring_Back_B_as_at(t, i), depth + 1);
        if (v)
            Ring_Back_B_create_as(b, v, n, &as);
        free(v);
    }
    if (Ring_Back_B_has_shades(t)) {
        uint32_t n = Ring_Back_B_shades_len(t);
        Ring_Back_Shade *v = calloc(n + 1, sizeof *v);
        for (uint32_t i = 0; v && i < n; i++)
            v[i] = Ring_Back_B_shades_at(t, i);
        if (v)
            Ring_Back_B_create_shades(b, v, n, &shades);
        free(v);
    }
    Ring_Back_B_start(b);
    if (tag)
        Ring_Back_B_add_tag(b, tag);
    if (a)
        Ring_Back_B_add_a(b, a);
    if (as)
        Ring_Back_B_add_as(b, as);
    if (shades)
        Ring_Back_B_add_shades(b, shades);
    Ring_Back_B_end(b, &r);
    return r;
}

static myl_fb_ref copy_a(myl_fb_builder *b, Ring_A_table t, unsigned depth)
{
    if (!t.t || depth > 8)
        return 0;
    myl_fb_ref name = copy_str(b, Ring_A_name(t));
    myl_fb_ref bb = copy_b(b, Ring_A_b(t), depth + 1), bs = 0, link = 0, r = 0;
    if (Ring_A_has_bs(t)) {
        /* given in reverse: _create_ sorts them by key */
        uint32_t n = Ring_A_bs_len(t);
        myl_fb_ref *v = calloc(n + 1, sizeof *v);
        for (uint32_t i = 0; v && i < n; i++)
            v[i] = copy_b(b, Ring_A_bs_at(t, n - 1 - i), depth + 1);
        if (v)
            Ring_A_create_bs(b, v, n, &bs);
        free(v);
    }
    Ring_Link type = Ring_A_link_type(t);
    if (type == Ring_Link_A)
        link = copy_a(b, Ring_A_link_as_A(t), depth + 1);
    else if (type == Ring_Link_Ring_Back_B)
        link = copy_b(b, Ring_A_link_as_Ring_Back_B(t), depth + 1);
    Ring_A_start(b);
    if (name)
        Ring_A_add_name(b, name);
    if (bb)
        Ring_A_add_b(b, bb);
    if (bs)
        Ring_A_add_bs(b, bs);
    Ring_A_add_color(b, Ring_A_color(t));
    if (link)
        Ring_A_add_link(b, type, link);
    Ring_A_end(b, &r);
    return r;
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static alignas(16) unsigned char buf[1 << 16];
    *n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s FLATC_BUFFER OUR_BUFFER_OUT\n", argv[0]);
        return 2;
    }
    size_t n = 0;
    const unsigned char *theirs = slurp(argv[1], &n);
    CHECK(theirs && n >= 12);
    if (!theirs)
        return 1;
    /* 1. flatc's buffer, through the cycle both ways */
    CHECK(Ring_A_verify_buffer(theirs, n) == 0);
    Ring_A_table root = Ring_A_root(theirs);
    CHECK(str_is(Ring_A_name(root), "first") && Ring_A_color(root) == Ring_Color_Green);
    Ring_Back_B_table b1 = Ring_A_b(root);
    CHECK(str_is(Ring_Back_B_tag(b1), "b1"));
    Ring_A_table inner = Ring_Back_B_a(b1);
    CHECK(str_is(Ring_A_name(inner), "inner") && Ring_A_color(inner) == Ring_Color_Blue);
    CHECK(str_is(Ring_Back_B_tag(Ring_A_b(inner)), "deep"));
    CHECK(Ring_A_link_type(inner) == Ring_Link_A &&
          str_is(Ring_A_name(Ring_A_link_as_A(inner)), "self"));
    CHECK(Ring_Back_B_shades_len(b1) == 3 &&
          Ring_Back_B_shades_at(b1, 0) == Ring_Back_Shade_Light &&
          Ring_Back_B_shades_at(b1, 1) == Ring_Back_Shade_Dark);
    /* sorted by flatc (ring.json gives them out of order), found by key */
    CHECK(Ring_A_bs_len(root) == 3 && str_is(Ring_Back_B_tag(Ring_A_bs_at(root, 0)), "ant"));
    Ring_Back_B_table mole = Ring_A_bs_lookup_by_key(root, "mole", 4);
    CHECK(Ring_Back_B_as_len(mole) == 2 &&
          Ring_A_color(Ring_Back_B_as_at(mole, 1)) == Ring_Color_Red);
    CHECK(Ring_A_bs_lookup_by_key(root, "moles", 5).t == NULL);
    CHECK(Ring_A_link_type(root) == Ring_Link_Ring_Back_B &&
          str_is(Ring_Back_B_tag(Ring_A_link_as_Ring_Back_B(root)), "via union") &&
          Ring_A_link_as_A(root).t == NULL);
    CHECK(strcmp(RING_FILE_IDENTIFIER, "RNGA") == 0);
    /* cut in half: refused */
    CHECK(Ring_A_verify_buffer(theirs, n / 2) != 0);

    /* 2. copied through our readers and builders */
    static alignas(16) uint8_t region[1 << 16];
    myl_fb_builder b;
    myl_fb_builder_init(&b, region, sizeof region, NULL, 0);
    myl_fb_ref r = copy_a(&b, root, 0);
    myl_fb_msg msg;
    int rc = Ring_A_finish_buffer(&b, r, 0, &msg);
    CHECK(rc == 0);
    if (rc != 0)
        return 1;
    CHECK(Ring_A_verify_buffer(msg.data, msg.len) == 0);
    CHECK(str_is(Ring_Back_B_tag(Ring_A_bs_at(Ring_A_root(msg.data), 0)), "ant"));
    FILE *out = fopen(argv[2], "wb");
    CHECK(out && fwrite(msg.data, 1, msg.len, out) == msg.len);
    if (out)
        CHECK(fclose(out) == 0);
    if (g_failures) {
        fprintf(stderr, "%d failures\n", g_failures);
        return 1;
    }
    printf("ok: %zu-byte flatc buffer, %zu-byte copy\n", n, (size_t)msg.len);
    return 0;
}
