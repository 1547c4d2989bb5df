/* Layer 2: the `compact` codec's primitives, and the little-endian loads and
 * stores that the FlatBuffers runtime (fb.h) shares.
 *
 * Wire format (docs/FLATBUFFERS.md, section "compact"): a message is its
 * fields in schema order, without tags, each encoded as
 *
 *   fixed     u8/i8/u16/i16/u32/i32/u64/i64/f32/f64, little-endian, unaligned
 *   bool      one byte, 0 or 1 (anything else is MYL_ECODEC)
 *   uvar      unsigned LEB128: 7 bits a byte, low group first, high bit set
 *             on every byte but the last; at most 10 bytes for a u64; the
 *             shortest form only (a last byte of 0 after the first byte is
 *             overlong: MYL_ECVARINT), never above the type's range
 *   svar      zigzag ((v << 1) ^ (v >> 63)) then uvar
 *   bytes     uvar length, then the bytes; strings are bytes (no NUL)
 *
 * Encoding writes into a caller buffer through a myl_cenc cursor, decoding
 * reads through a myl_cdec cursor; both check every access against the end
 * and record the first error, after which every call is a no-op (decoders
 * return 0 / empty). So a generated encoder or decoder is a straight run of
 * calls followed by one check of the cursor's err. Everything here is
 * static inline: the codec is the hot path.
 */
#ifndef MYELON_COMPACT_H
#define MYELON_COMPACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "myelon/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Byte order. The wire formats (compact and FlatBuffers) are little-endian.
 * A big-endian build swaps in these helpers; a host whose order the
 * compiler does not tell us is refused rather than silently wrong. */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) &&                                 \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define MYL_LITTLE_ENDIAN 1
#elif defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) &&                                  \
    __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define MYL_LITTLE_ENDIAN 0
#else
#error "myelon: cannot tell the host byte order (__BYTE_ORDER__ undefined)"
#endif

static inline uint16_t myl_le16(uint16_t v)
{
#if MYL_LITTLE_ENDIAN
    return v;
#else
    return __builtin_bswap16(v);
#endif
}

static inline uint32_t myl_le32(uint32_t v)
{
#if MYL_LITTLE_ENDIAN
    return v;
#else
    return __builtin_bswap32(v);
#endif
}

static inline uint64_t myl_le64(uint64_t v)
{
#if MYL_LITTLE_ENDIAN
    return v;
#else
    return __builtin_bswap64(v);
#endif
}

/* Unaligned little-endian loads and stores (memcpy compiles to one move). */
static inline uint16_t myl_ld16(const void *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return myl_le16(v);
}

static inline uint32_t myl_ld32(const void *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return myl_le32(v);
}

static inline uint64_t myl_ld64(const void *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return myl_le64(v);
}

static inline void myl_st16(void *p, uint16_t v)
{
    v = myl_le16(v);
    memcpy(p, &v, 2);
}

static inline void myl_st32(void *p, uint32_t v)
{
    v = myl_le32(v);
    memcpy(p, &v, 4);
}

static inline void myl_st64(void *p, uint64_t v)
{
    v = myl_le64(v);
    memcpy(p, &v, 8);
}

static inline float myl_ldf32(const void *p)
{
    uint32_t u = myl_ld32(p);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static inline double myl_ldf64(const void *p)
{
    uint64_t u = myl_ld64(p);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static inline void myl_stf32(void *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    myl_st32(p, u);
}

static inline void myl_stf64(void *p, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    myl_st64(p, u);
}

/* Longest uvar: ceil(64 / 7). */
#define MYL_COMPACT_UVAR_MAX 10

/* ---- encoding ---------------------------------------------------------- */

/* A run of bytes left where it lies instead of copied into a message
 * being built: n bytes at p, which belong at offset at of the message
 * (inserted there by a compact encoder; filling the unwritten hole [at,
 * at + n) of a FlatBuffers builder's arena). myl_frame_send_ext() copies
 * them straight into the frames, so a large byte field is copied once. */
typedef struct myl_ext {
    size_t at;
    const void *p;
    size_t n;
} myl_ext;

/* Byte fields of at least this many bytes become runs (myl_cenc_init_ext,
 * myl_fb_builder_defer); smaller ones are cheaper copied. */
#define MYL_EXT_MIN 4096u
/* Runs an encoder or builder records at most; later fields are copied. */
#define MYL_EXT_MAX 8u

typedef struct myl_cenc {
    uint8_t *start;
    uint8_t *p;
    uint8_t *end;
    int err;          /* first error: MYL_ETOOBIG when the buffer is too small */
    uint32_t next;    /* runs recorded in ext */
    uint32_t ext_cap; /* 0: every byte is written into the buffer */
    myl_ext *ext;
    size_t ext_len; /* their bytes, not in the buffer */
} myl_cenc;

static inline void myl_cenc_init(myl_cenc *e, void *buf, size_t cap)
{
    e->start = (uint8_t *)buf;
    e->p = e->start;
    e->end = buf ? e->start + cap : e->start; /* no arithmetic on NULL */
    e->err = 0;
    e->next = 0;
    e->ext_cap = 0;
    e->ext = NULL;
    e->ext_len = 0;
}

/* The same, but byte fields of MYL_EXT_MIN bytes or more (up to ext_cap of
 * them) are not copied: each is recorded in ext, at its offset in the
 * buffer, for myl_frame_send_ext() (the message is the buffer's
 * myl_cenc_len() bytes with the runs inserted). The caller's bytes must
 * stay unchanged until then. */
static inline void myl_cenc_init_ext(myl_cenc *e, void *buf, size_t cap, myl_ext *ext,
                                     uint32_t ext_cap)
{
    myl_cenc_init(e, buf, cap);
    e->ext = ext;
    e->ext_cap = ext ? ext_cap : 0;
}

/* Bytes written so far. */
static inline size_t myl_cenc_len(const myl_cenc *e)
{
    return (size_t)(e->p - e->start);
}

/* n bytes of room at the cursor, or NULL (and MYL_ETOOBIG) */
static inline uint8_t *myl_cenc_reserve(myl_cenc *e, size_t n)
{
    if (e->err)
        return NULL;
    if (n > (size_t)(e->end - e->p)) {
        e->err = MYL_ETOOBIG;
        return NULL;
    }
    uint8_t *q = e->p;
    e->p += n;
    return q;
}

static inline void myl_cenc_u8(myl_cenc *e, uint8_t v)
{
    uint8_t *q = myl_cenc_reserve(e, 1);
    if (q)
        *q = v;
}

static inline void myl_cenc_u16(myl_cenc *e, uint16_t v)
{
    uint8_t *q = myl_cenc_reserve(e, 2);
    if (q)
        myl_st16(q, v);
}

static inline void myl_cenc_u32(myl_cenc *e, uint32_t v)
{
    uint8_t *q = myl_cenc_reserve(e, 4);
    if (q)
        myl_st32(q, v);
}

static inline void myl_cenc_u64(myl_cenc *e, uint64_t v)
{
    uint8_t *q = myl_cenc_reserve(e, 8);
    if (q)
        myl_st64(q, v);
}

static inline void myl_cenc_i8(myl_cenc *e, int8_t v)
{
    myl_cenc_u8(e, (uint8_t)v);
}

static inline void myl_cenc_i16(myl_cenc *e, int16_t v)
{
    myl_cenc_u16(e, (uint16_t)v);
}

static inline void myl_cenc_i32(myl_cenc *e, int32_t v)
{
    myl_cenc_u32(e, (uint32_t)v);
}

static inline void myl_cenc_i64(myl_cenc *e, int64_t v)
{
    myl_cenc_u64(e, (uint64_t)v);
}

static inline void myl_cenc_f32(myl_cenc *e, float v)
{
    uint8_t *q = myl_cenc_reserve(e, 4);
    if (q)
        myl_stf32(q, v);
}

static inline void myl_cenc_f64(myl_cenc *e, double v)
{
    uint8_t *q = myl_cenc_reserve(e, 8);
    if (q)
        myl_stf64(q, v);
}

static inline void myl_cenc_bool(myl_cenc *e, bool v)
{
    myl_cenc_u8(e, v ? 1u : 0u);
}

/* Bytes the uvar encoding of v takes (1..10). */
static inline size_t myl_uvar_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline void myl_cenc_uvar(myl_cenc *e, uint64_t v)
{
    if (e->err)
        return;
    /* The fast case needs no length computation up front. */
    if ((size_t)(e->end - e->p) >= MYL_COMPACT_UVAR_MAX) {
        uint8_t *q = e->p;
        while (v >= 0x80) {
            *q++ = (uint8_t)(v | 0x80);
            v >>= 7;
        }
        *q++ = (uint8_t)v;
        e->p = q;
        return;
    }
    uint8_t *q = myl_cenc_reserve(e, myl_uvar_len(v));
    if (!q)
        return;
    while (v >= 0x80) {
        *q++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *q = (uint8_t)v;
}

static inline uint64_t myl_zigzag64(int64_t v)
{
    /* (v << 1) on the unsigned value: shifting a negative signed is UB */
    return ((uint64_t)v << 1) ^ (0 - ((uint64_t)v >> 63));
}

static inline int64_t myl_unzigzag64(uint64_t u)
{
    return (int64_t)((u >> 1) ^ (0 - (u & 1)));
}

static inline void myl_cenc_svar(myl_cenc *e, int64_t v)
{
    myl_cenc_uvar(e, myl_zigzag64(v));
}

/* Records len bytes at data as a run instead of copying them, when the
 * encoder takes runs and they are worth one; true if it did. */
static inline bool myl__cenc_defer(myl_cenc *e, const void *data, size_t len)
{
    if (len < MYL_EXT_MIN || e->next >= e->ext_cap || e->err)
        return false;
    if (len > SIZE_MAX - e->ext_len) {
        e->err = MYL_ETOOBIG;
        return true;
    }
    myl_ext *x = &e->ext[e->next++];
    x->at = (size_t)(e->p - e->start);
    x->p = data;
    x->n = len;
    e->ext_len += len;
    return true;
}

/* uvar length, then the bytes. */
static inline void myl_cenc_bytes(myl_cenc *e, const void *data, size_t len)
{
    myl_cenc_uvar(e, (uint64_t)len);
    if (myl__cenc_defer(e, data, len))
        return;
    uint8_t *q = myl_cenc_reserve(e, len);
    if (q && len)
        memcpy(q, data, len);
}

static inline void myl_cenc_str(myl_cenc *e, const char *s, size_t len)
{
    myl_cenc_bytes(e, s, len);
}

/* Records err (the first error wins); nothing more is written. Generated
 * encoders use it for values the wire cannot carry (MYL_EINVAL). */
static inline void myl_cenc_fail(myl_cenc *e, int err)
{
    if (!e->err)
        e->err = err;
}

/* Exactly len bytes, no length in front (fixed arrays of u8/i8). */
static inline void myl_cenc_raw(myl_cenc *e, const void *data, size_t len)
{
    if (myl__cenc_defer(e, data, len))
        return;
    uint8_t *q = myl_cenc_reserve(e, len);
    if (q && len)
        memcpy(q, data, len);
}

/* A char[cap] field: its bytes up to the first NUL (at most cap), as
 * bytes. */
static inline void myl_cenc_chars(myl_cenc *e, const char *s, size_t cap)
{
    const char *z = (const char *)memchr(s, 0, cap);
    myl_cenc_bytes(e, s, z ? (size_t)(z - s) : cap);
}

/* ---- decoding ---------------------------------------------------------- */

typedef struct myl_cdec {
    const uint8_t *start;
    const uint8_t *p;
    const uint8_t *end;
    int err; /* first error: MYL_ECTRUNC, MYL_ECVARINT, MYL_ECODEC */
} myl_cdec;

static inline void myl_cdec_init(myl_cdec *d, const void *buf, size_t len)
{
    d->start = (const uint8_t *)buf;
    d->p = d->start;
    d->end = buf ? d->start + len : d->start; /* no arithmetic on NULL */
    d->err = 0;
}

static inline size_t myl_cdec_left(const myl_cdec *d)
{
    return (size_t)(d->end - d->p);
}

static inline void myl_cdec_fail(myl_cdec *d, int err)
{
    if (!d->err)
        d->err = err;
    d->p = d->end; /* nothing more is read after an error */
}

/* n bytes at the cursor, or NULL (and MYL_ECTRUNC) */
static inline const uint8_t *myl_cdec_take(myl_cdec *d, size_t n)
{
    if (d->err)
        return NULL;
    if (n > (size_t)(d->end - d->p)) {
        myl_cdec_fail(d, MYL_ECTRUNC);
        return NULL;
    }
    const uint8_t *q = d->p;
    d->p += n;
    return q;
}

/* The decoder's verdict once every field is read: the first error, or
 * MYL_ECODEC when bytes are left over. */
static inline int myl_cdec_finish(const myl_cdec *d)
{
    if (d->err)
        return d->err;
    return d->p == d->end ? 0 : MYL_ECODEC;
}

static inline uint8_t myl_cdec_u8(myl_cdec *d)
{
    const uint8_t *q = myl_cdec_take(d, 1);
    return q ? *q : 0;
}

static inline uint16_t myl_cdec_u16(myl_cdec *d)
{
    const uint8_t *q = myl_cdec_take(d, 2);
    return q ? myl_ld16(q) : 0;
}

static inline uint32_t myl_cdec_u32(myl_cdec *d)
{
    const uint8_t *q = myl_cdec_take(d, 4);
    return q ? myl_ld32(q) : 0;
}

static inline uint64_t myl_cdec_u64(myl_cdec *d)
{
    const uint8_t *q = myl_cdec_take(d, 8);
    return q ? myl_ld64(q) : 0;
}

static inline int8_t myl_cdec_i8(myl_cdec *d)
{
    return (int8_t)myl_cdec_u8(d);
}

static inline int16_t myl_cdec_i16(myl_cdec *d)
{
    return (int16_t)myl_cdec_u16(d);
}

static inline int32_t myl_cdec_i32(myl_cdec *d)
{
    return (int32_t)myl_cdec_u32(d);
}

static inline int64_t myl_cdec_i64(myl_cdec *d)
{
    return (int64_t)myl_cdec_u64(d);
}

static inline float myl_cdec_f32(myl_cdec *d)
{
    const uint8_t *q = myl_cdec_take(d, 4);
    return q ? myl_ldf32(q) : 0.0f;
}

static inline double myl_cdec_f64(myl_cdec *d)
{
    const uint8_t *q = myl_cdec_take(d, 8);
    return q ? myl_ldf64(q) : 0.0;
}

static inline bool myl_cdec_bool(myl_cdec *d)
{
    uint8_t v = myl_cdec_u8(d);
    if (v > 1) {
        myl_cdec_fail(d, MYL_ECODEC);
        return false;
    }
    return v != 0;
}

/* A uvar no larger than max (UINT64_MAX, UINT32_MAX, ...): longer than 10
 * bytes, overlong (not the shortest form) or above max is MYL_ECVARINT; a
 * varint cut by the end of input is MYL_ECTRUNC. */
static inline uint64_t myl_cdec_uvar_max(myl_cdec *d, uint64_t max)
{
    if (d->err)
        return 0;
    const uint8_t *q = d->p;
    size_t left = (size_t)(d->end - q);
    /* The common one-byte case. */
    if (left && q[0] < 0x80) {
        if (q[0] > max) {
            myl_cdec_fail(d, MYL_ECVARINT);
            return 0;
        }
        d->p = q + 1;
        return q[0];
    }
    uint64_t v = 0;
    for (size_t i = 0; i < MYL_COMPACT_UVAR_MAX; i++) {
        if (i == left) {
            myl_cdec_fail(d, MYL_ECTRUNC);
            return 0;
        }
        uint8_t b = q[i];
        if (i == MYL_COMPACT_UVAR_MAX - 1 && b > 1) {
            /* the tenth byte holds bit 63 only: more is out of range, and
             * a continuation bit would make an eleventh byte */
            myl_cdec_fail(d, MYL_ECVARINT);
            return 0;
        }
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (b < 0x80) {
            if (i > 0 && b == 0) {
                myl_cdec_fail(d, MYL_ECVARINT); /* overlong */
                return 0;
            }
            if (v > max) {
                myl_cdec_fail(d, MYL_ECVARINT);
                return 0;
            }
            d->p = q + i + 1;
            return v;
        }
    }
    myl_cdec_fail(d, MYL_ECVARINT); /* not reached: byte 10 is checked above */
    return 0;
}

static inline uint64_t myl_cdec_uvar(myl_cdec *d)
{
    return myl_cdec_uvar_max(d, UINT64_MAX);
}

static inline uint32_t myl_cdec_uvar32(myl_cdec *d)
{
    return (uint32_t)myl_cdec_uvar_max(d, UINT32_MAX);
}

static inline int64_t myl_cdec_svar(myl_cdec *d)
{
    return myl_unzigzag64(myl_cdec_uvar(d));
}

/* An svar that must fit an int32_t. */
static inline int32_t myl_cdec_svar32(myl_cdec *d)
{
    return (int32_t)myl_unzigzag64(myl_cdec_uvar_max(d, UINT32_MAX));
}

/* Length-prefixed bytes, returned in place (no copy): *data points into the
 * input. A length above max_len is MYL_ECODEC, one beyond the input
 * MYL_ECTRUNC. Returns the length (0 on error, with *data NULL). */
static inline size_t myl_cdec_bytes(myl_cdec *d, const uint8_t **data, size_t max_len)
{
    *data = NULL;
    uint64_t n = myl_cdec_uvar(d);
    if (d->err)
        return 0;
    if (n > max_len) {
        myl_cdec_fail(d, MYL_ECODEC);
        return 0;
    }
    const uint8_t *q = myl_cdec_take(d, (size_t)n);
    if (!q)
        return 0;
    *data = q;
    return (size_t)n;
}

static inline size_t myl_cdec_str(myl_cdec *d, const char **s, size_t max_len)
{
    const uint8_t *q;
    size_t n = myl_cdec_bytes(d, &q, max_len);
    *s = (const char *)q;
    return n;
}

/* Length-prefixed bytes copied into dst (capacity cap). */
static inline size_t myl_cdec_bytes_copy(myl_cdec *d, void *dst, size_t cap)
{
    const uint8_t *q;
    size_t n = myl_cdec_bytes(d, &q, cap);
    if (n)
        memcpy(dst, q, n);
    return n;
}

/* Exactly len bytes copied into dst (fixed arrays of u8/i8). */
static inline void myl_cdec_raw(myl_cdec *d, void *dst, size_t len)
{
    const uint8_t *q = myl_cdec_take(d, len);
    if (q && len)
        memcpy(dst, q, len);
}

/* A char[cap] field: bytes of at most cap and without a NUL (the encoder
 * stops at the first; one inside would not re-encode the same: MYL_ECODEC),
 * copied, the rest zeroed. */
static inline void myl_cdec_chars(myl_cdec *d, char *dst, size_t cap)
{
    const uint8_t *q;
    size_t n = myl_cdec_bytes(d, &q, cap);
    if (n && memchr(q, 0, n)) {
        myl_cdec_fail(d, MYL_ECODEC);
        n = 0;
    }
    if (n)
        memcpy(dst, q, n);
    memset(dst + n, 0, cap - n);
}

/* A u16 uvar, and an svar that must fit an int16_t. */
static inline uint16_t myl_cdec_uvar16(myl_cdec *d)
{
    return (uint16_t)myl_cdec_uvar_max(d, UINT16_MAX);
}

static inline int16_t myl_cdec_svar16(myl_cdec *d)
{
    return (int16_t)myl_unzigzag64(myl_cdec_uvar_max(d, UINT16_MAX));
}

/* A count of sequence elements: no more than max (the elements still to
 * come take at least a byte each, so generated decoders pass the bytes
 * left, which bounds what a hostile count can make them allocate). */
static inline size_t myl_cdec_count(myl_cdec *d, size_t max)
{
    return (size_t)myl_cdec_uvar_max(d, (uint64_t)max);
}

/* ---- the decode arena ---------------------------------------------------- */

/* A string or bytes in place: p points into the message (not
 * NUL-terminated), n bytes. */
typedef struct myl_cstr {
    const char *p;
    size_t n;
} myl_cstr;

/* Caller memory that decoders of tables carve sequences and nested tables
 * out of (strings and [u8] stay in the message). No malloc: when it runs
 * out the decoder fails with MYL_ETOOBIG. Reset it between messages. */
typedef struct myl_carena {
    uint8_t *base;
    size_t cap;
    size_t used;
} myl_carena;

static inline void myl_carena_init(myl_carena *a, void *buf, size_t cap)
{
    a->base = (uint8_t *)buf;
    a->cap = buf ? cap : 0;
    a->used = 0;
}

static inline void myl_carena_reset(myl_carena *a)
{
    a->used = 0;
}

/* n (> 0) elements of size bytes aligned to align (a power of two) from a,
 * or NULL with MYL_ETOOBIG recorded on d (also when a is NULL). */
static inline void *myl_cdec_alloc(myl_cdec *d, myl_carena *a, size_t n, size_t size, size_t align)
{
    if (d->err)
        return NULL;
    if (a && a->base) {
        uintptr_t b = (uintptr_t)a->base;
        size_t off = (size_t)(((b + a->used + (align - 1)) & ~(uintptr_t)(align - 1)) - b);
        if (off <= a->cap && n <= (a->cap - off) / size) {
            a->used = off + n * size;
            return a->base + off;
        }
    }
    myl_cdec_fail(d, MYL_ETOOBIG);
    return NULL;
}

/* An element of a vector of unions in a table's C value: the member's
 * type code (0: none) and a pointer to its C value (NULL for none). */
typedef struct myl_cunion {
    uint8_t type;
    const void *value;
} myl_cunion;

/* Nesting generated table codecs accept: deeper is MYL_EINVAL when
 * encoding (a cycle in the caller's values) and MYL_ECODEC when decoding
 * (hostile input), never a deep stack. */
#define MYL_COMPACT_MAX_DEPTH 64

/* ---- for generated codecs ----
 *
 * myelonc's compact codecs (x.myl.c) use these to keep one line per field.
 * They expand to what the generated code would otherwise spell out. */

/* Decodes a sequence of E into arena a as dst.p, dst.n: a count bounded
 * by bound (myl_cdec_left(d), or SIZE_MAX when elements may take no
 * bytes), then stmt once for each element p[i]. On failure dst stays
 * empty and the error is on d. */
/* NOLINTBEGIN(bugprone-macro-parentheses): E and T are type names, stmt a
 * statement: neither can be parenthesised. */
#define MYL__CDEC_SEQ(d, a, dst, E, bound, stmt)                                                   \
    do {                                                                                           \
        size_t n_ = myl_cdec_count(d, bound);                                                      \
        if (n_) {                                                                                  \
            E *p = (E *)myl_cdec_alloc(d, a, n_, sizeof(E), alignof(E));                           \
            for (size_t i = 0; p && i < n_; i++)                                                   \
                stmt;                                                                              \
            (dst).p = p;                                                                           \
            (dst).n = p ? n_ : 0;                                                                  \
        }                                                                                          \
    } while (0)

/* A sequence of scalars or enums E, each read with get(d). */
#define MYL_CDEC_SEQ(d, a, dst, E, get)                                                            \
    MYL__CDEC_SEQ(d, a, dst, E, myl_cdec_left(d), p[i] = (E)get(d))
/* A sequence of strings (views into the message). */
#define MYL_CDEC_SEQ_STR(d, a, dst)                                                                \
    MYL__CDEC_SEQ(d, a, dst, myl_cstr, myl_cdec_left(d),                                           \
                  p[i].n = myl_cdec_str(d, &p[i].p, SIZE_MAX))
/* A sequence of events or structs T. */
#define MYL_CDEC_SEQ_RECORD(d, a, dst, T)                                                          \
    MYL__CDEC_SEQ(d, a, dst, T, myl_cdec_left(d), T##_compact_get(d, &p[i]))
/* A sequence of tables T at nesting depth depth. */
#define MYL_CDEC_SEQ_TABLE(d, a, dst, T, bound, depth)                                             \
    MYL__CDEC_SEQ(d, a, dst, T, bound, T##_compact_get(d, &p[i], a, depth))

/* Decodes one value into arena a by stmt on p, and points dst at it (dst
 * unchanged on failure, the error on d). */
#define MYL__CDEC_ONE(d, a, dst, E, stmt)                                                          \
    do {                                                                                           \
        E *p = (E *)myl_cdec_alloc(d, a, 1, sizeof(E), alignof(E));                                \
        if (p) {                                                                                   \
            stmt;                                                                                  \
            (dst) = p;                                                                             \
        }                                                                                          \
    } while (0)

/* A string union member: put from a const myl_cstr *src; get into a
 * myl_cstr from the arena (a view into the message) pointed to by dst. */
#define MYL_CENC_CSTR(e, src)                                                                      \
    myl_cenc_str(e, ((const myl_cstr *)(src))->p, ((const myl_cstr *)(src))->n)
#define MYL_CDEC_CSTR(d, a, dst)                                                                   \
    MYL__CDEC_ONE(d, a, dst, myl_cstr, p->n = myl_cdec_str(d, &p->p, SIZE_MAX))

/* One event or struct T; one table T at nesting depth depth. */
#define MYL_CDEC_RECORD(d, a, dst, T) MYL__CDEC_ONE(d, a, dst, T, T##_compact_get(d, p))
#define MYL_CDEC_TABLE(d, a, dst, T, depth)                                                        \
    MYL__CDEC_ONE(d, a, dst, T, T##_compact_get(d, p, a, depth))

/* T_compact_encode() and T_compact_decode() of an event or struct T, from
 * its T_compact_put() and T_compact_get(); static inline, as the steps
 * are, so that a program compiles only the codecs it calls. */
#define MYL_COMPACT_RECORD_CODEC(T)                                                                \
    static inline int T##_compact_encode(const T *m, void *buf, size_t cap, size_t *len)           \
    {                                                                                              \
        myl_cenc e;                                                                                \
        myl_cenc_init(&e, buf, cap);                                                               \
        T##_compact_put(&e, m);                                                                    \
        *len = myl_cenc_len(&e);                                                                   \
        return e.err;                                                                              \
    }                                                                                              \
    static inline int T##_compact_encode_ext(const T *m, void *buf, size_t cap, myl_ext *ext,      \
                                             uint32_t ext_cap, uint32_t *next, size_t *len)        \
    {                                                                                              \
        myl_cenc e;                                                                                \
        myl_cenc_init_ext(&e, buf, cap, ext, ext_cap);                                             \
        T##_compact_put(&e, m);                                                                    \
        *len = myl_cenc_len(&e);                                                                   \
        *next = e.next;                                                                            \
        return e.err;                                                                              \
    }                                                                                              \
    static inline int T##_compact_decode(T *m, const void *buf, size_t len)                        \
    {                                                                                              \
        myl_cdec d;                                                                                \
        myl_cdec_init(&d, buf, len);                                                               \
        T##_compact_get(&d, m);                                                                    \
        return myl_cdec_finish(&d);                                                                \
    }

/* The same for a table T, whose decoder takes an arena and whose steps
 * take the nesting depth. */
#define MYL_COMPACT_TABLE_CODEC(T)                                                                 \
    static inline int T##_compact_encode(const T *m, void *buf, size_t cap, size_t *len)           \
    {                                                                                              \
        myl_cenc e;                                                                                \
        myl_cenc_init(&e, buf, cap);                                                               \
        T##_compact_put(&e, m, 0);                                                                 \
        *len = myl_cenc_len(&e);                                                                   \
        return e.err;                                                                              \
    }                                                                                              \
    static inline int T##_compact_encode_ext(const T *m, void *buf, size_t cap, myl_ext *ext,      \
                                             uint32_t ext_cap, uint32_t *next, size_t *len)        \
    {                                                                                              \
        myl_cenc e;                                                                                \
        myl_cenc_init_ext(&e, buf, cap, ext, ext_cap);                                             \
        T##_compact_put(&e, m, 0);                                                                 \
        *len = myl_cenc_len(&e);                                                                   \
        *next = e.next;                                                                            \
        return e.err;                                                                              \
    }                                                                                              \
    static inline int T##_compact_decode(T *m, const void *buf, size_t len, myl_carena *arena)     \
    {                                                                                              \
        myl_cdec d;                                                                                \
        myl_cdec_init(&d, buf, len);                                                               \
        T##_compact_get(&d, m, arena, 0);                                                          \
        return myl_cdec_finish(&d);                                                                \
    }
/* NOLINTEND(bugprone-macro-parentheses) */

#ifdef __cplusplus
}
#endif

#endif
