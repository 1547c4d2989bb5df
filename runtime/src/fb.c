/* FlatBuffers: the verifier and the builder (see myelon/fb.h and
 * docs/FLATBUFFERS.md).
 *
 * The verifier mirrors the official C++ Verifier (flatbuffers 2.x,
 * verifier.h) check for check, so that both accept and reject the same
 * buffers: positions are uint64_t offsets from the buffer start (the buffer
 * is shorter than 2^31, so sums of a position and a u32 never wrap), and
 * "in bounds" is the official `len < size && off <= size - len`.
 *
 * The builder writes back to front like flatc's FlatBufferBuilder: an
 * object is known by its distance from the end of the region (myl_fb_ref),
 * so the bytes built so far can move to the arena by one memcpy and keep
 * every reference valid.
 */
#include <string.h>

#include "myelon/fb.h"

/* ---- verifier ---------------------------------------------------------- */

typedef struct vctx {
    const uint8_t *buf;
    uint64_t size;
    uint32_t depth;
    uint32_t tables;
    uint32_t max_depth;
    uint32_t max_tables;
    uint32_t nested; /* nested FlatBuffers around this one */
    uint32_t base;   /* tables deep the nested FlatBuffers around this one are */
    /* Where this buffer starts in the outermost one (0 there, the bytes
     * of a nested buffer's [ubyte] vector inside it), and whether the
     * outermost verifier checks alignment: then structs aligned above 4
     * must be aligned relative to the outermost buffer too, that is in
     * memory (fb_verify.h, abs_aligned). */
    uint64_t origin;
    bool abs_align;
    bool align;
    bool strict;
    myl_fb_verify_info *info;
} vctx;

static int vnested(vctx *outer, uint64_t at, uint32_t n, const myl_fb_table_desc *d);

#if defined(__GNUC__)
#define MYL__COLD __attribute__((cold, noinline))
#else
#define MYL__COLD
#endif

/* Failures are rare: kept out of line so the checks stay compact. */
MYL__COLD static int vfail(const vctx *v, int err, uint64_t off, const myl_fb_table_desc *t,
                           const myl_fb_field_desc *f)
{
    if (v->info) {
        v->info->offset = off;
        v->info->table = t ? t->name : NULL;
        v->info->field = f ? f->name : NULL;
    }
    return err;
}

#define V(name) name##_fast
#define VSTRICT(v) false
#define VALIGN(v) true
#include "fb_verify.h"
#undef V
#undef VSTRICT
#undef VALIGN

#define V(name) name##_any
#define VSTRICT(v) ((v)->strict)
#define VALIGN(v) ((v)->align)
#include "fb_verify.h"
#undef V
#undef VSTRICT
#undef VALIGN

/* A nested FlatBuffer (a [ubyte] field with nested_flatbuffer) of n bytes
 * at `at`, as flatc's VerifyNestedFlatBuffer(): at least 12 bytes, then a
 * verifier of its own over those bytes with the default depth limit and
 * alignment checks (whatever the outer options; strict stays strict), no
 * identifier. Unlike flatc, its tables count against the outer verifier's
 * limit (carried in and back out): each field that points at a nested
 * buffer verifies it again, and with its own count a buffer of nested
 * buffers pointed at from every table took exponential time (levels of 60
 * tables, each pointing at the next level: 2 s for 29 KB, two minutes
 * for 37 KB). And the tables deep all nested buffers together are capped
 * at MYL_FB_MAX_DEPTH_LIMIT, so that the recursion's stack stays bounded
 * (64 nested buffers of 64 levels each were 4,096). The nesting of nested
 * buffers is capped at MYL_FB_MAX_NESTED (flatc has no cap). Its
 * alignment is relative to its start as flatc's, and (unlike flatc, when
 * the outermost verifier checks alignment) its structs aligned above 4
 * must also be aligned relative to the outermost buffer's start: readers
 * hand out typed pointers to them, and a [ubyte] vector's bytes are only
 * 4-aligned unless its builder aligned them further. */
static int vnested(vctx *outer, uint64_t at, uint32_t n, const myl_fb_table_desc *d)
{
    if (!d)
        return MYL_EINVAL;
    if (n < MYL_FB_MIN_BUFFER_SIZE)
        return MYL_EFBSIZE;
    if (outer->nested >= MYL_FB_MAX_NESTED)
        return MYL_EFBDEPTH;
    vctx v;
    memset(&v, 0, sizeof v);
    v.buf = outer->buf + at;
    v.size = n;
    v.align = true;
    v.strict = outer->strict;
    v.base = outer->base + outer->depth;
    if (v.base >= MYL_FB_MAX_DEPTH_LIMIT)
        return MYL_EFBDEPTH;
    v.max_depth = MYL_FB_MAX_DEPTH_LIMIT - v.base < MYL_FB_DEFAULT_MAX_DEPTH
                      ? MYL_FB_MAX_DEPTH_LIMIT - v.base
                      : MYL_FB_DEFAULT_MAX_DEPTH;
    v.tables = outer->tables;
    v.max_tables = outer->max_tables;
    v.nested = outer->nested + 1;
    v.origin = outer->origin + at;
    v.abs_align = outer->abs_align;
    uint64_t t;
    int rc = voffset_any(&v, 0, &t);
    if (rc == 0)
        rc = v.strict ? vtable_any(&v, t, d) : vtable_fast(&v, t, d);
    outer->tables = v.tables;
    return rc;
}

int myl_fb_verify(const void *buf, size_t len, const myl_fb_table_desc *root,
                  const myl_fb_verify_opts *opts, myl_fb_verify_info *info)
{
    vctx v;
    memset(&v, 0, sizeof v);
    v.buf = (const uint8_t *)buf;
    v.size = len;
    v.info = info;
    v.align = true;
    v.max_depth = MYL_FB_DEFAULT_MAX_DEPTH;
    v.max_tables = MYL_FB_DEFAULT_MAX_TABLES;
    const char *ident = NULL;
    if (opts) {
        if (opts->size && opts->size < sizeof *opts)
            return vfail(&v, MYL_EINVAL, 0, NULL, NULL);
        v.align = !(opts->flags & MYL_FB_VERIFY_NO_ALIGN);
        v.strict = (opts->flags & MYL_FB_VERIFY_STRICT) != 0;
        if (opts->max_depth)
            v.max_depth = opts->max_depth;
        if (opts->max_tables)
            v.max_tables = opts->max_tables;
        ident = opts->ident;
    }
    if (v.max_depth > MYL_FB_MAX_DEPTH_LIMIT)
        v.max_depth = MYL_FB_MAX_DEPTH_LIMIT;
    v.abs_align = v.align;
    if (!root || (!buf && len))
        return vfail(&v, MYL_EINVAL, 0, NULL, NULL);
    /* size-prefixed: flatc's VerifySizePrefixedBuffer(), then the rest
     * from byte 4, positions still relative to buf */
    size_t start = opts && (opts->flags & MYL_FB_VERIFY_SIZE_PREFIXED) ? 4 : 0;
    if (start && (len <= 4 || myl_ld32(buf) != len - 4))
        return vfail(&v, MYL_EFBSIZE, 0, root, NULL);
    if (len < MYL_FB_MIN_BUFFER_SIZE || len >= MYL_FB_MAX_BUFFER_SIZE)
        return vfail(&v, MYL_EFBSIZE, 0, root, NULL);
    if (ident && !myl_fb_has_ident((const uint8_t *)buf + start, len - start, ident))
        return vfail(&v, MYL_EFBIDENT, start + 4, root, NULL);
    uint64_t t;
    int rc = voffset_any(&v, start, &t);
    if (rc)
        return vfail(&v, rc, 0, root, NULL);
    if (!v.strict && v.align)
        return vtable_fast(&v, t, root);
    return vtable_any(&v, t, root);
}

/* ---- builder ----------------------------------------------------------- */

void myl_fb_builder_init(myl_fb_builder *b, void *buf, size_t cap, void *arena, size_t arena_cap)
{
    myl__fb_builder_init(b, buf, cap, arena, arena_cap);
}

void myl_fb_builder_reset(myl_fb_builder *b)
{
    if (b->in_arena) {
        /* back to the first region: buf/cap were saved in the arena
         * fields' place, see grow() */
        uint8_t *a = b->buf;
        size_t ac = b->cap;
        b->buf = b->arena;
        b->cap = b->arena_cap;
        b->arena = a;
        b->arena_cap = ac;
    }
    myl__fb_builder_clear(b);
}

static int bfail(myl_fb_builder *b, int err)
{
    if (!b->err)
        b->err = err;
    return b->err;
}

/* grow() when the bytes do not fit the current region (or an error is
 * set): the move to the arena, or the error. */
static uint8_t *grow_slow(myl_fb_builder *b, size_t n)
{
    if (b->err)
        return NULL;
    if (n > MYL_FB_MAX_BUFFER_SIZE - 8 - b->head) {
        bfail(b, MYL_ETOOBIG);
        return NULL;
    }
    if (n > b->cap - b->head) {
        if (b->in_arena || !b->arena || b->head > b->arena_cap || n > b->arena_cap - b->head) {
            bfail(b, MYL_ETOOBIG);
            return NULL;
        }
        /* the arena's end must keep the alignments used so far */
        if (b->minalign > MYL_FB_REGION_ALIGN &&
            ((uintptr_t)(b->arena + b->arena_cap) & (b->minalign - 1)) != 0) {
            bfail(b, MYL_EINVAL);
            return NULL;
        }
        /* One copy to the arena's end; references are distances from the
         * end, so they stay valid. The first region is kept in the arena
         * fields for reset(). */
        if (b->head)
            memcpy(b->arena + b->arena_cap - b->head, b->buf + b->cap - b->head, b->head);
        uint8_t *r = b->buf;
        size_t rc = b->cap;
        b->buf = b->arena;
        b->cap = b->arena_cap;
        b->arena = r;
        b->arena_cap = rc;
        b->in_arena = 1;
    }
    b->head += n;
    return b->buf + b->cap - b->head;
}

/* n more bytes at the front of the data; NULL (and the error) if they fit
 * neither the region nor the arena. The common case, room in the region,
 * inline: every object and field grows the data once or twice. */
static inline uint8_t *grow(myl_fb_builder *b, size_t n)
{
    if (!b->err && myl__fb_fits(b, n)) {
        b->head += n;
        return b->buf + b->cap - b->head;
    }
    return grow_slow(b, n);
}

/* Alignment padding: a few bytes (under MYL_FB_MAX_ALIGN), zeroed inline. */
static int pad(myl_fb_builder *b, size_t n)
{
    if (!n)
        return b->err;
    uint8_t *p = grow(b, n);
    if (!p)
        return b->err;
    for (; n >= 4; n -= 4, p += 4)
        myl_st32(p, 0);
    for (; n; n--)
        *p++ = 0;
    return 0;
}

static void track_align(myl_fb_builder *b, size_t align)
{
    if (align > b->minalign)
        b->minalign = (uint32_t)align;
}

/* Pad so that head becomes a multiple of align. */
static int align_to(myl_fb_builder *b, size_t align)
{
    track_align(b, align);
    return pad(b, (size_t)(0 - b->head) & (align - 1));
}

/* Pad so that head + len becomes a multiple of align. */
static int prealign(myl_fb_builder *b, size_t len, size_t align)
{
    track_align(b, align);
    return pad(b, (size_t)(0 - (b->head + len)) & (align - 1));
}

/* An alignment the builder can honour: a power of two up to
 * MYL_FB_MAX_ALIGN; above the region alignment, only where the region's
 * end is aligned to it in memory (objects are aligned relative to it). */
static bool good_align(const myl_fb_builder *b, size_t a)
{
    if (a < 1 || a > MYL_FB_MAX_ALIGN || (a & (a - 1)) != 0)
        return false;
    return a <= MYL_FB_REGION_ALIGN || ((uintptr_t)(b->buf + b->cap) & (a - 1)) == 0;
}

static int not_nested(myl_fb_builder *b)
{
    if (b->err)
        return b->err;
    if (b->in_table || b->in_vector)
        return bfail(b, MYL_EINVAL);
    return 0;
}

int myl_fb_create_struct(myl_fb_builder *b, const void *s, size_t size, size_t align,
                         myl_fb_ref *out)
{
    *out = 0;
    if (not_nested(b))
        return b->err;
    if (!s || !size || !good_align(b, align))
        return bfail(b, MYL_EINVAL);
    if (prealign(b, size, align))
        return b->err;
    uint8_t *p = grow(b, size);
    if (!p)
        return b->err;
    memcpy(p, s, size);
    *out = (myl_fb_ref)b->head;
    return 0;
}

int myl_fb_create_string(myl_fb_builder *b, const char *s, size_t len, myl_fb_ref *out)
{
    *out = 0;
    if (not_nested(b))
        return b->err;
    if (len >= MYL_FB_MAX_BUFFER_SIZE || (!s && len))
        return bfail(b, len >= MYL_FB_MAX_BUFFER_SIZE ? MYL_ETOOBIG : MYL_EINVAL);
    if (prealign(b, len + 1, 4) || pad(b, 1))
        return b->err;
    uint8_t *p;
    if (len) {
        p = grow(b, len);
        if (!p)
            return b->err;
        memcpy(p, s, len);
    }
    if (align_to(b, 4))
        return b->err;
    p = grow(b, 4);
    if (!p)
        return b->err;
    myl_st32(p, (uint32_t)len);
    *out = (myl_fb_ref)b->head;
    return 0;
}

int myl_fb_vec_start(myl_fb_builder *b, size_t count, size_t elem_size, size_t align, void **elems)
{
    *elems = NULL;
    if (not_nested(b))
        return b->err;
    if (elem_size == 0 || !good_align(b, align))
        return bfail(b, MYL_EINVAL);
    if (count >= MYL_FB_MAX_BUFFER_SIZE / elem_size)
        return bfail(b, MYL_ETOOBIG);
    size_t bytes = count * elem_size;
    if (prealign(b, bytes, 4) || prealign(b, bytes, align))
        return b->err;
    uint8_t *p = NULL;
    if (bytes) {
        p = grow(b, bytes);
        if (!p)
            return b->err;
    }
    b->in_vector = 1;
    b->vec_count = (uint32_t)count;
    *elems = p; /* NULL for an empty vector */
    return 0;
}

int myl_fb_vec_end(myl_fb_builder *b, myl_fb_ref *out)
{
    *out = 0;
    if (b->err)
        return b->err;
    if (!b->in_vector)
        return bfail(b, MYL_EINVAL);
    b->in_vector = 0;
    /* head + 4 is 4-aligned: vec_start pre-aligned the data for it */
    uint8_t *p = grow(b, 4);
    if (!p)
        return b->err;
    myl_st32(p, b->vec_count);
    *out = (myl_fb_ref)b->head;
    return 0;
}

int myl_fb_create_vec_struct(myl_fb_builder *b, const void *elems, size_t count, size_t elem_size,
                             size_t align, myl_fb_ref *out)
{
    void *dst;
    *out = 0;
    if (!elems && count)
        return bfail(b, MYL_EINVAL);
    /* A large vector bound for the arena, with defer on, is left where it
     * lies: its room stays unwritten (see myl_fb_builder_defer). */
    bool defer = b->defer && !b->err && b->next < MYL_EXT_MAX && elem_size &&
                 count >= MYL_EXT_MIN / elem_size &&
                 (b->in_arena || count * elem_size > b->cap - b->head);
    if (myl_fb_vec_start(b, count, elem_size, align, &dst))
        return b->err;
    if (defer && b->in_arena) {
        b->ext[b->next].dist = (size_t)(b->buf + b->cap - (uint8_t *)dst);
        b->ext[b->next].p = elems;
        b->ext[b->next].n = count * elem_size;
        b->next++;
    } else if (dst && count) { /* dst is NULL only for an empty vector */
        memcpy(dst, elems, count * elem_size);
    }
    return myl_fb_vec_end(b, out);
}

int myl_fb_create_vec_scalar(myl_fb_builder *b, const void *elems, size_t count, size_t elem_size,
                             myl_fb_ref *out)
{
    *out = 0;
    if (elem_size != 1 && elem_size != 2 && elem_size != 4 && elem_size != 8)
        return bfail(b, MYL_EINVAL);
#if MYL_LITTLE_ENDIAN
    return myl_fb_create_vec_struct(b, elems, count, elem_size, elem_size, out);
#else
    void *dst;
    if (!elems && count)
        return bfail(b, MYL_EINVAL);
    if (myl_fb_vec_start(b, count, elem_size, elem_size, &dst))
        return b->err;
    const uint8_t *s = (const uint8_t *)elems;
    uint8_t *d = (uint8_t *)dst;
    for (size_t i = 0; i < count; i++, s += elem_size, d += elem_size) {
        uint16_t v16;
        uint32_t v32;
        uint64_t v64;
        switch (elem_size) {
        case 1:
            *d = *s;
            break;
        case 2:
            memcpy(&v16, s, 2);
            myl_st16(d, v16);
            break;
        case 4:
            memcpy(&v32, s, 4);
            myl_st32(d, v32);
            break;
        default:
            memcpy(&v64, s, 8);
            myl_st64(d, v64);
            break;
        }
    }
    return myl_fb_vec_end(b, out);
#endif
}

int myl_fb_create_vec_refs(myl_fb_builder *b, const myl_fb_ref *refs, size_t count, myl_fb_ref *out)
{
    void *dst;
    *out = 0;
    if (!refs && count)
        return bfail(b, MYL_EINVAL);
    size_t before = b->head;
    for (size_t i = 0; i < count; i++)
        if (refs[i] == 0 || refs[i] > before)
            return bfail(b, MYL_EINVAL);
    if (myl_fb_vec_start(b, count, 4, 4, &dst))
        return b->err;
    /* element i lies at distance head - 4 i from the end */
    uint8_t *d = (uint8_t *)dst; /* NULL only for an empty vector */
    for (size_t i = 0; d && i < count; i++)
        myl_st32(d + 4 * i, (uint32_t)(b->head - 4 * i - refs[i]));
    return myl_fb_vec_end(b, out);
}

/* Heapsort of refs by the tables they name (cmp on the tables' first
 * bytes, as built so far): in place, no memory, O(n log n). */
static void sift_down(const uint8_t *end, myl_fb_ref *refs, size_t i, size_t n, myl_fb_key_cmp cmp)
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            return;
        if (c + 1 < n && cmp(end - refs[c], end - refs[c + 1]) < 0)
            c++;
        if (cmp(end - refs[i], end - refs[c]) >= 0)
            return;
        myl_fb_ref t = refs[i];
        refs[i] = refs[c];
        refs[c] = t;
        i = c;
    }
}

int myl_fb_sort_refs(myl_fb_builder *b, myl_fb_ref *refs, size_t count, myl_fb_key_cmp cmp)
{
    if (b->err)
        return b->err;
    if ((!refs && count) || !cmp)
        return bfail(b, MYL_EINVAL);
    for (size_t i = 0; i < count; i++)
        if (refs[i] < 4 || refs[i] > b->head) /* a table is 4 bytes at least */
            return bfail(b, MYL_EINVAL);
    const uint8_t *end = b->buf + b->cap;
    for (size_t i = count / 2; i-- > 0;)
        sift_down(end, refs, i, count, cmp);
    for (size_t n = count; n > 1; n--) {
        myl_fb_ref t = refs[0];
        refs[0] = refs[n - 1];
        refs[n - 1] = t;
        sift_down(end, refs, 0, n - 1, cmp);
    }
    return 0;
}

static void swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t t = a[i];
        a[i] = b[i];
        b[i] = t;
    }
}

/* Heapsort of count structs of size bytes at e, by cmp: in place. */
static void sift_down_structs(uint8_t *e, size_t size, size_t i, size_t n, myl_fb_key_cmp cmp)
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            return;
        if (c + 1 < n && cmp(e + c * size, e + (c + 1) * size) < 0)
            c++;
        if (cmp(e + i * size, e + c * size) >= 0)
            return;
        swap_bytes(e + i * size, e + c * size, size);
        i = c;
    }
}

int myl_fb_sort_structs(myl_fb_builder *b, void *elems, size_t count, size_t elem_size,
                        myl_fb_key_cmp cmp)
{
    if (b->err)
        return b->err;
    if ((!elems && count) || !cmp || !elem_size)
        return bfail(b, MYL_EINVAL);
    uint8_t *e = elems;
    for (size_t i = count / 2; i-- > 0;)
        sift_down_structs(e, elem_size, i, count, cmp);
    for (size_t n = count; n > 1; n--) {
        swap_bytes(e, e + (n - 1) * elem_size, elem_size);
        sift_down_structs(e, elem_size, 0, n - 1, cmp);
    }
    return 0;
}

int myl_fb_table_start(myl_fb_builder *b)
{
    if (not_nested(b))
        return b->err;
    b->in_table = 1;
    b->nfields = 0;
    b->gap = 0;
    b->table_start = (uint32_t)b->head;
    return 0;
}

static uint8_t *add_field(myl_fb_builder *b, uint32_t id, size_t size, size_t align)
{
    if (b->err)
        return NULL;
    if (!b->in_table || MYL_FB_VT(id) + 2 > 0xffffu || id > 0xffffu) {
        bfail(b, MYL_EINVAL);
        return NULL;
    }
    if (b->nfields == MYL_FB_MAX_FIELDS) {
        bfail(b, MYL_ETOOBIG);
        return NULL;
    }
    /* a 4-byte field into the table's gap; a gap noted (fb.h,
     * myl__fb_gap_note) */
    if (size == 4 && b->gap)
        return myl__fb_gap_take(b, id);
    myl__fb_gap_note(b, (size_t)(0 - b->head) & (align - 1));
    if (align_to(b, align))
        return NULL;
    if (!grow(b, size))
        return NULL;
    return myl__fb_field_at(b, id, (uint32_t)b->head);
}

int myl_fb_add_u8(myl_fb_builder *b, uint32_t id, uint8_t v)
{
    uint8_t *p = add_field(b, id, 1, 1);
    if (p)
        *p = v;
    return b->err;
}

int myl_fb_add_u16(myl_fb_builder *b, uint32_t id, uint16_t v)
{
    uint8_t *p = add_field(b, id, 2, 2);
    if (p)
        myl_st16(p, v);
    return b->err;
}

int myl_fb_add_u32(myl_fb_builder *b, uint32_t id, uint32_t v)
{
    uint8_t *p = add_field(b, id, 4, 4);
    if (p)
        myl_st32(p, v);
    return b->err;
}

int myl_fb_add_u64(myl_fb_builder *b, uint32_t id, uint64_t v)
{
    uint8_t *p = add_field(b, id, 8, 8);
    if (p)
        myl_st64(p, v);
    return b->err;
}

int myl_fb_add_f32(myl_fb_builder *b, uint32_t id, float v)
{
    uint8_t *p = add_field(b, id, 4, 4);
    if (p)
        myl_stf32(p, v);
    return b->err;
}

int myl_fb_add_f64(myl_fb_builder *b, uint32_t id, double v)
{
    uint8_t *p = add_field(b, id, 8, 8);
    if (p)
        myl_stf64(p, v);
    return b->err;
}

int myl_fb_add_struct(myl_fb_builder *b, uint32_t id, const void *s, size_t size, size_t align)
{
    if (b->err)
        return b->err;
    if (!s || size == 0 || size > 0xffffu || !good_align(b, align) || size % align)
        return bfail(b, MYL_EINVAL);
    uint8_t *p = add_field(b, id, size, align);
    if (p)
        memcpy(p, s, size);
    return b->err;
}

int myl_fb_add_ref(myl_fb_builder *b, uint32_t id, myl_fb_ref ref)
{
    if (b->err)
        return b->err;
    /* ref must be an object finished before this table started */
    if (ref == 0 || ref > b->table_start)
        return bfail(b, MYL_EINVAL);
    uint8_t *p = add_field(b, id, 4, 4);
    if (p) /* the uoffset from the field (at the head or in the gap) */
        myl_st32(p, (uint32_t)(b->fields[b->nfields - 1].off - ref));
    return b->err;
}

int myl_fb_table_end(myl_fb_builder *b, myl_fb_ref *out)
{
    *out = 0;
    if (b->err)
        return b->err;
    if (!b->in_table)
        return bfail(b, MYL_EINVAL);
    uint32_t nslots = 0;
    for (uint32_t i = 0; i < b->nfields; i++)
        if (b->fields[i].id + 1 > nslots)
            nslots = b->fields[i].id + 1;
    const size_t vtsize = MYL_FB_VT(nslots);
    /* the soffset to the vtable (4-aligned), then the vtable below it */
    const size_t padn = (size_t)(0 - b->head) & 3;
    const size_t table = b->head + padn + 4;
    const size_t objsize = table - b->table_start;
    if (objsize > 0xffffu)
        return bfail(b, MYL_ETOOBIG);
    uint8_t *vt;
    if (myl__fb_fits(b, padn + 4 + vtsize)) {
        /* room in the region: one step */
        pad(b, padn);
        track_align(b, 4);
        b->head = table + vtsize;
        vt = b->buf + b->cap - b->head;
    } else {
        if (align_to(b, 4) || !grow(b, 4) || !(vt = grow(b, vtsize)))
            return b->err;
    }
    /* grow() may have moved everything to the arena */
    uint8_t *tp = b->buf + b->cap - table;
    myl_st16(vt, (uint16_t)vtsize);
    myl_st16(vt + 2, (uint16_t)objsize);
    for (size_t i = 4; i < vtsize; i += 2) /* absent fields; a few, stored inline */
        myl_st16(vt + i, 0);
    for (uint32_t i = 0; i < b->nfields; i++)
        myl_st16(vt + MYL_FB_VT(b->fields[i].id), (uint16_t)(table - b->fields[i].off));
    /* vtable = table - soffset: the vtable sits just below the table */
    myl_st32(tp, (uint32_t)(int32_t)(b->head - table));
    b->in_table = 0;
    b->nfields = 0;
    b->gap = 0;
    *out = (myl_fb_ref)table;
    return 0;
}

uint8_t *myl__fb_fixed_slow(myl_fb_builder *b, size_t vtsize, size_t objsize, size_t align,
                            size_t phase)
{
    if (b->err)
        return NULL;
    if (b->in_table || b->in_vector || objsize < 4 || objsize > 0xffffu || vtsize < 4 ||
        vtsize > 0xffffu || !good_align(b, align) || phase % 4 || phase >= align) {
        bfail(b, MYL_EINVAL);
        return NULL;
    }
    /* the table's start at phase modulo align: pad so that head + objsize
     * is, keeping the alignment tracked */
    track_align(b, align);
    if (pad(b, (size_t)(phase - (b->head + objsize)) & (align - 1)))
        return NULL;
    /* one step, so that a move to the arena takes both */
    uint8_t *p = grow(b, objsize + vtsize);
    return p ? p + vtsize : NULL;
}

int myl_fb_finish(myl_fb_builder *b, myl_fb_ref root, const char *ident, unsigned flags,
                  myl_fb_msg *out)
{
    out->data = NULL;
    out->len = 0;
    out->in_place = false;
    out->next = 0;
    if (b->err)
        return b->err;
    if (b->in_table || b->in_vector || root == 0 || root > b->head)
        return bfail(b, MYL_EINVAL);
    for (size_t i = 0; ident && i < MYL_FB_IDENT_LEN; i++)
        if (ident[i] == '\0')
            return bfail(b, MYL_EINVAL);
    size_t sp = flags & MYL_FB_FINISH_SIZE_PREFIX ? 4 : 0; /* the size prefix */
    size_t front = sp + 4 + (ident ? MYL_FB_IDENT_LEN : 0);
    track_align(b, 4);
    /* no room left for the front bytes: finished as usual, which moves
     * everything to the arena (or is MYL_ETOOBIG without one) */
    if ((flags & MYL_FB_FINISH_AT_FRONT) && !b->in_arena && front <= b->cap - b->head) {
        size_t fa = b->minalign > MYL_FB_REGION_ALIGN ? b->minalign : MYL_FB_REGION_ALIGN;
        if (((uintptr_t)b->buf & (fa - 1)) != 0)
            return bfail(b, MYL_EINVAL);
        /* the objects' start, cap - head, moves to o (by a multiple of
         * every alignment used) when packing, else stays */
        size_t o = b->cap - b->head;
        if ((flags & MYL_FB_FINISH_PACK) && b->head <= MYL_FB_PACK_MAX) {
            o = front + ((b->cap - b->head - front) & (b->minalign - 1));
            memmove(b->buf + o, b->buf + b->cap - b->head, b->head);
            for (size_t i = front; i < o; i++) /* under minalign bytes */
                b->buf[i] = 0;
        }
        size_t len = o + b->head;
        /* the root table lies at len - root from the region start */
        if (sp)
            myl_st32(b->buf, (uint32_t)(len - 4));
        myl_st32(b->buf + sp, (uint32_t)(len - root - sp));
        if (ident)
            memcpy(b->buf + sp + 4, ident, MYL_FB_IDENT_LEN);
        out->data = b->buf;
        out->len = len;
        out->in_place = true;
        return 0;
    }
    if (prealign(b, front, b->minalign))
        return b->err;
    if (ident) {
        uint8_t *p = grow(b, MYL_FB_IDENT_LEN);
        if (!p)
            return b->err;
        memcpy(p, ident, MYL_FB_IDENT_LEN);
    }
    uint8_t *p = grow(b, 4);
    if (!p)
        return b->err;
    myl_st32(p, (uint32_t)(b->head - root));
    if (sp) {
        p = grow(b, 4);
        if (!p)
            return b->err;
        myl_st32(p, (uint32_t)(b->head - 4));
    }
    out->data = p;
    out->len = b->head;
    out->in_place = !b->in_arena;
    /* the runs were recorded back to front: list them in order */
    if (b->in_arena)
        for (uint32_t i = 0; i < b->next; i++) {
            const size_t dist = b->ext[b->next - 1 - i].dist;
            out->ext[i].at = b->head - dist;
            out->ext[i].p = b->ext[b->next - 1 - i].p;
            out->ext[i].n = b->ext[b->next - 1 - i].n;
        }
    out->next = b->in_arena ? b->next : 0;
    return 0;
}
