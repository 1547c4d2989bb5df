/* Layer 3: FlatBuffers in place — readers, a descriptor-driven verifier and
 * a builder that writes into a caller's buffer (a claimed frame) without
 * allocating.
 *
 * The byte format is the official FlatBuffers one (flatc reads what this
 * builds, this reads what flatc builds); docs/FLATBUFFERS.md states every
 * assumption. In short, all integers little-endian:
 *
 *   buffer   u32 root uoffset | [4-byte file identifier] | ... objects ...
 *   uoffset  u32, added to its own address, always points forward
 *   table    i32 soffset: vtable = table - soffset; then the fields
 *   vtable   u16 vtable size | u16 table size | u16 offset per field id
 *            (0 or beyond the vtable: field absent, reads as its default)
 *   vector   u32 count, then the elements (scalars, structs, uoffsets)
 *   string   u32 length, the bytes, a NUL
 *
 * Readers (static inline) trust their input: use them on a buffer that
 * myl_fb_verify() accepted, or that this process built. They take the
 * table as `const uint8_t *` and accept NULL (an absent nested table), so
 * that every field of an absent table reads as its default.
 *
 * Generated code (myelonc) is thin wrappers over these plus `const`
 * descriptor tables (myl_fb_table_desc) for the verifier.
 */
#ifndef MYELON_FB_H
#define MYELON_FB_H

#include <math.h> /* NAN, INFINITY: defaults of generated float fields */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "myelon/compact.h" /* little-endian loads and stores */
#include "myelon/error.h"
#include "myelon/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest buffer the format addresses (soffsets are signed 32-bit), and the
 * smallest that can hold a root offset and an empty table with its vtable:
 * the official library's FLATBUFFERS_MAX_BUFFER_SIZE / _MIN_BUFFER_SIZE. */
#define MYL_FB_MAX_BUFFER_SIZE UINT32_C(0x7fffffff)
#define MYL_FB_MIN_BUFFER_SIZE 12u
#define MYL_FB_IDENT_LEN 4u
/* The vtable entry of field id. */
#define MYL_FB_VT(id) (4u + 2u * (uint32_t)(id))

/* ---- readers ----------------------------------------------------------- */

typedef struct myl_fb_str {
    const char *ptr; /* NUL-terminated; NULL when absent */
    uint32_t len;
} myl_fb_str;

typedef struct myl_fb_vec {
    const uint8_t *data; /* the first element; NULL when absent */
    uint32_t len;        /* elements */
} myl_fb_vec;

/* Scalars at an address (struct members, vector elements). */
static inline uint8_t myl_fb_rd_u8(const uint8_t *p)
{
    return *p;
}
static inline int8_t myl_fb_rd_i8(const uint8_t *p)
{
    return (int8_t)*p;
}
static inline bool myl_fb_rd_bool(const uint8_t *p)
{
    return *p != 0;
}
static inline uint16_t myl_fb_rd_u16(const uint8_t *p)
{
    return myl_ld16(p);
}
static inline int16_t myl_fb_rd_i16(const uint8_t *p)
{
    return (int16_t)myl_ld16(p);
}
static inline uint32_t myl_fb_rd_u32(const uint8_t *p)
{
    return myl_ld32(p);
}
static inline int32_t myl_fb_rd_i32(const uint8_t *p)
{
    return (int32_t)myl_ld32(p);
}
static inline uint64_t myl_fb_rd_u64(const uint8_t *p)
{
    return myl_ld64(p);
}
static inline int64_t myl_fb_rd_i64(const uint8_t *p)
{
    return (int64_t)myl_ld64(p);
}
static inline float myl_fb_rd_f32(const uint8_t *p)
{
    return myl_ldf32(p);
}
static inline double myl_fb_rd_f64(const uint8_t *p)
{
    return myl_ldf64(p);
}

/* Follow the uoffset stored at p. */
static inline const uint8_t *myl_fb_deref(const uint8_t *p)
{
    return p + myl_ld32(p);
}

/* The root table of a buffer. */
static inline const uint8_t *myl_fb_root(const void *buf)
{
    return myl_fb_deref((const uint8_t *)buf);
}

/* Whether the buffer carries file identifier ident (4 characters), with the
 * official library's semantics (strncmp over 4 bytes). */
/* The root table of a size-prefixed buffer (MYL_FB_FINISH_SIZE_PREFIX). */
static inline const uint8_t *myl_fb_size_prefixed_root(const void *buf)
{
    return myl_fb_root((const uint8_t *)buf + 4);
}

static inline bool myl_fb_has_ident(const void *buf, size_t len, const char *ident)
{
    if (len < 8)
        return false;
    const char *id = (const char *)buf + 4;
    for (unsigned i = 0; i < MYL_FB_IDENT_LEN; i++) {
        if (id[i] != ident[i])
            return false;
        if (id[i] == '\0')
            return true;
    }
    return true;
}

/* Offset of field id inside table t, or 0 when the field is absent. */
static inline uint16_t myl_fb_field_off(const uint8_t *t, uint32_t id)
{
    const uint8_t *vt = t - (int32_t)myl_ld32(t);
    uint32_t vo = MYL_FB_VT(id);
    return vo < myl_ld16(vt) ? myl_ld16(vt + vo) : (uint16_t)0;
}

/* Address of field id's value in table t (NULL: absent, or t NULL). */
static inline const uint8_t *myl_fb_field(const uint8_t *t, uint32_t id)
{
    if (!t)
        return NULL;
    uint16_t o = myl_fb_field_off(t, id);
    return o ? t + o : NULL;
}

/* Presence test: the field is in the buffer (a scalar equal to its default
 * is normally not written, so it tests absent). */
static inline bool myl_fb_present(const uint8_t *t, uint32_t id)
{
    return myl_fb_field(t, id) != NULL;
}

/* The readers below test t for NULL first, then branch on the field's
 * offset, an integer, as flatc's readers do. Testing the field's address
 * against NULL instead (myl_fb_field()) makes compilers predict the field
 * present and move each absent field's default out of line: a taken jump
 * per absent field (docs/PERFORMANCE.md, "FlatBuffers readers and
 * verifier against flatc"). */
#define MYL_FB__GET(name, type)                                                                    \
    static inline type myl_fb_get_##name(const uint8_t *t, uint32_t id, type def)                  \
    {                                                                                              \
        if (!t)                                                                                    \
            return def;                                                                            \
        uint16_t o = myl_fb_field_off(t, id);                                                      \
        return o ? myl_fb_rd_##name(t + o) : def;                                                  \
    }
MYL_FB__GET(u8, uint8_t)
MYL_FB__GET(i8, int8_t)
MYL_FB__GET(bool, bool)
MYL_FB__GET(u16, uint16_t)
MYL_FB__GET(i16, int16_t)
MYL_FB__GET(u32, uint32_t)
MYL_FB__GET(i32, int32_t)
MYL_FB__GET(u64, uint64_t)
MYL_FB__GET(i64, int64_t)
MYL_FB__GET(f32, float)
MYL_FB__GET(f64, double)
#undef MYL_FB__GET

/* A struct stored inline in the table: its first byte, or NULL. Members are
 * read with myl_fb_rd_*(s + member offset). */
static inline const uint8_t *myl_fb_get_struct(const uint8_t *t, uint32_t id)
{
    return myl_fb_field(t, id);
}

/* The object a uoffset field points to: a table, string or vector. */
static inline const uint8_t *myl_fb_get_ref(const uint8_t *t, uint32_t id)
{
    if (!t)
        return NULL;
    uint16_t o = myl_fb_field_off(t, id);
    return o ? myl_fb_deref(t + o) : NULL;
}

/* A nested table (NULL when absent). */
static inline const uint8_t *myl_fb_get_table(const uint8_t *t, uint32_t id)
{
    return myl_fb_get_ref(t, id);
}

static inline myl_fb_str myl_fb_str_at(const uint8_t *s)
{
    myl_fb_str r;
    r.ptr = s ? (const char *)s + 4 : NULL;
    r.len = s ? myl_ld32(s) : 0;
    return r;
}

static inline myl_fb_str myl_fb_get_str(const uint8_t *t, uint32_t id)
{
    myl_fb_str r = {NULL, 0};
    if (!t)
        return r;
    uint16_t o = myl_fb_field_off(t, id);
    if (o) {
        const uint8_t *s = myl_fb_deref(t + o);
        r.ptr = (const char *)s + 4;
        r.len = myl_ld32(s);
    }
    return r;
}

static inline myl_fb_vec myl_fb_vec_at(const uint8_t *v)
{
    myl_fb_vec r;
    r.data = v ? v + 4 : NULL;
    r.len = v ? myl_ld32(v) : 0;
    return r;
}

static inline myl_fb_vec myl_fb_get_vec(const uint8_t *t, uint32_t id)
{
    myl_fb_vec r = {NULL, 0};
    if (!t)
        return r;
    uint16_t o = myl_fb_field_off(t, id);
    if (o) {
        const uint8_t *v = myl_fb_deref(t + o);
        r.data = v + 4;
        r.len = myl_ld32(v);
    }
    return r;
}

/* What myl__fb_get_vec_nj() reads in place of what is not there: bytes
 * 0-3 a vtable of no fields, 4-7 a table using it, 8-9 an absent field's
 * offset (0), 12-15 a uoffset to 16-19, a vector of no elements. */
static const uint8_t myl__fb_none[20] = {4, 0, 4, 0, 4, 0, 0, 0, 0, 0,
                                         0, 0, 4, 0, 0, 0, 0, 0, 0, 0};

/* myl_fb_get_vec() without a jump: a NULL table, a short vtable and an
 * absent field each select an address in myl__fb_none, and the same loads
 * follow, so that a compiler can hoist the whole lookup out of a loop (a
 * load behind a test cannot be; flatc's accessors test nothing and are).
 * More instructions when the vector is absent, so it serves the element
 * accessors T_f_at(t, i), called only when i < T_f_len(t), and the
 * per-query lookups by struct key, whose short search the lookup's loads
 * would otherwise lead on every pass (docs/PERFORMANCE.md, "lookups by
 * struct key and element accessors hoisted"). */
static inline myl_fb_vec myl__fb_get_vec_nj(const uint8_t *t, uint32_t id)
{
    const uint8_t *tt = t ? t : myl__fb_none + 4;
    const uint8_t *vt = tt - (int32_t)myl_ld32(tt);
    uint32_t vo = MYL_FB_VT(id);
    uint16_t o = myl_ld16(vo < myl_ld16(vt) ? vt + vo : myl__fb_none + 8);
    const uint8_t *v = myl_fb_deref(o ? tt + o : myl__fb_none + 12);
    myl_fb_vec r;
    r.data = o ? v + 4 : NULL;
    r.len = myl_ld32(v);
    return r;
}

/* Element i of a vector (i < v.len, which the caller checks). */
static inline const uint8_t *myl_fb_vec_elem(myl_fb_vec v, uint32_t i, uint32_t elem_size)
{
    return v.data + (size_t)i * elem_size;
}

/* Element i (< v.len) of a vector of structs S, in place. */
#define MYL_FB_VEC_STRUCT_AT(v, i, S) ((const S *)myl_fb_vec_elem((v), (i), sizeof(S)))

#define MYL_FB__VEC(name, type, size)                                                              \
    static inline type myl_fb_vec_##name(myl_fb_vec v, uint32_t i)                                 \
    {                                                                                              \
        return myl_fb_rd_##name(v.data + (size_t)i * (size));                                      \
    }
MYL_FB__VEC(u8, uint8_t, 1)
MYL_FB__VEC(i8, int8_t, 1)
MYL_FB__VEC(bool, bool, 1)
MYL_FB__VEC(u16, uint16_t, 2)
MYL_FB__VEC(i16, int16_t, 2)
MYL_FB__VEC(u32, uint32_t, 4)
MYL_FB__VEC(i32, int32_t, 4)
MYL_FB__VEC(u64, uint64_t, 8)
MYL_FB__VEC(i64, int64_t, 8)
MYL_FB__VEC(f32, float, 4)
MYL_FB__VEC(f64, double, 8)
#undef MYL_FB__VEC

/* Element i of a vector of strings / of tables. */
static inline myl_fb_str myl_fb_vec_str(myl_fb_vec v, uint32_t i)
{
    return myl_fb_str_at(myl_fb_deref(v.data + (size_t)i * 4));
}

static inline const uint8_t *myl_fb_vec_table(myl_fb_vec v, uint32_t i)
{
    return myl_fb_deref(v.data + (size_t)i * 4);
}

/* A union is two fields: its u8 type (id - 1 in flatc's numbering) and the
 * uoffset of its value, a table of the member type. Type 0 is NONE. */
static inline uint8_t myl_fb_get_union_type(const uint8_t *t, uint32_t type_id)
{
    return myl_fb_get_u8(t, type_id, 0);
}

static inline const uint8_t *myl_fb_get_union(const uint8_t *t, uint32_t value_id)
{
    return myl_fb_get_ref(t, value_id);
}

/* ---- verifier ---------------------------------------------------------- */

/* Field kinds of a descriptor. */
enum {
    MYL_FB_K_SCALAR = 1, /* size 1, 2, 4 or 8 (bool, enums: their scalar) */
    MYL_FB_K_STRUCT,     /* inline struct: size, align */
    MYL_FB_K_STRING,
    MYL_FB_K_TABLE,      /* table: its descriptor */
    MYL_FB_K_VEC_SCALAR, /* size: the element's */
    MYL_FB_K_VEC_STRUCT, /* size, align: the element's */
    MYL_FB_K_VEC_STRING,
    MYL_FB_K_VEC_TABLE,  /* table: the elements' descriptor */
    MYL_FB_K_UNION_TYPE, /* the u8 type field of a union */
    MYL_FB_K_UNION,      /* the value: type_id names its type field; un its members */
    MYL_FB_K_VEC_NESTED, /* [ubyte] holding a FlatBuffer whose root is a `table` */
    MYL_FB_K_VEC_UNION   /* [U]: uoffsets to the values; type_id names the [ubyte] of types */
};

/* Nested FlatBuffers inside nested FlatBuffers the verifier follows. */
#define MYL_FB_MAX_NESTED 64u

/* Field flags. */
#define MYL_FB_F_REQUIRED 0x1u

struct myl_fb_table_desc;
struct myl_fb_union_desc;

typedef struct myl_fb_field_desc {
    const char *name;                      /* for diagnostics */
    uint16_t id;                           /* field id: vtable entry MYL_FB_VT(id) */
    uint8_t kind;                          /* MYL_FB_K_* */
    uint8_t flags;                         /* MYL_FB_F_* */
    uint32_t size;                         /* scalar, struct or element size */
    uint32_t align;                        /* struct alignment (STRUCT, VEC_STRUCT) */
    uint16_t type_id;                      /* UNION: id of the union's type field */
    const struct myl_fb_table_desc *table; /* TABLE, VEC_TABLE */
    const struct myl_fb_union_desc *un;    /* UNION */
} myl_fb_field_desc;

/* A union member that is not a table: kind MYL_FB_K_STRUCT (size,
 * align) or MYL_FB_K_STRING; kind 0 for a table or no member. */
typedef struct myl_fb_union_member {
    uint8_t kind;
    uint32_t size;
    uint32_t align;
} myl_fb_union_member;

typedef struct myl_fb_union_desc {
    const char *name;
    uint32_t count; /* member types 1 .. count */
    /* members[type - 1]: the member's table, NULL for one that is not a
     * table (then others says what it is; neither: not verified, like an
     * unknown type) */
    const struct myl_fb_table_desc *const *members;
    const myl_fb_union_member *others; /* NULL, or others[type - 1] */
} myl_fb_union_desc;

typedef struct myl_fb_table_desc {
    const char *name;
    uint32_t nfields;
    const myl_fb_field_desc *fields; /* deprecated fields are left out */
} myl_fb_table_desc;

/* Verifier flags. */
#define MYL_FB_VERIFY_NO_ALIGN 0x1u /* like check_alignment = false */
/* Beyond the official verifier (it accepts what these reject): vtables of
 * at least 4 bytes whose table size covers every field (MYL_EFBVTABLE),
 * table objects inside the buffer, union types that are known and agree
 * with the value's presence (MYL_EFBUNION), vector elements aligned to
 * their size or struct alignment (MYL_EFBALIGN). */
#define MYL_FB_VERIFY_STRICT 0x2u
/* The buffer starts with a u32 size prefix: the byte count after it, which
 * must be len - 4 (flatc's VerifySizePrefixedBuffer()); the root offset
 * and identifier follow it. */
#define MYL_FB_VERIFY_SIZE_PREFIXED 0x4u

#define MYL_FB_DEFAULT_MAX_DEPTH 64u
#define MYL_FB_DEFAULT_MAX_TABLES 1000000u
/* The verifier recurses once per nesting level: max_depth is capped here. */
#define MYL_FB_MAX_DEPTH_LIMIT 1024u

typedef struct myl_fb_verify_opts {
    uint32_t size;       /* sizeof(myl_fb_verify_opts), or 0 */
    uint32_t flags;      /* MYL_FB_VERIFY_* */
    uint32_t max_depth;  /* nested tables; 0 = 64 */
    uint32_t max_tables; /* tables in the buffer; 0 = 1000000 */
    const char *ident;   /* file identifier (4 characters) required, or NULL */
} myl_fb_verify_opts;

/* Where verification failed. */
typedef struct myl_fb_verify_info {
    uint64_t offset;   /* byte offset in the buffer */
    const char *table; /* name of the table being verified, or NULL */
    const char *field; /* name of its field, or NULL */
} myl_fb_verify_info;

/* Verify that buf[0, len) is a FlatBuffer whose root is a `root` table:
 * 0, or the first MYL_EFB* found (with info filled in when not NULL).
 * Accepts and rejects what the official C++ Verifier accepts and rejects
 * for the same schema and limits (unless MYL_FB_VERIFY_STRICT). Every
 * offset is checked against len before it is followed, with overflow-safe
 * arithmetic; no input makes it read outside buf. */
MYL_API int myl_fb_verify(const void *buf, size_t len, const myl_fb_table_desc *root,
                          const myl_fb_verify_opts *opts, myl_fb_verify_info *info);

/* ---- builder ----------------------------------------------------------- */

/* An object built: its distance from the end of the buffer (0: none). */
typedef uint32_t myl_fb_ref;

/* Fields one table may set (their ids are free up to 32765). */
#define MYL_FB_MAX_FIELDS 256u
/* Alignment the builder supports (structs, vectors, the buffer): flatc's
 * FLATBUFFERS_MAX_ALIGNMENT. Regions end on an 8-byte boundary; an object
 * aligned above 8 needs the region's end (buf + cap, and the arena's)
 * aligned to it in memory too, else MYL_EINVAL: give such builders
 * 32-aligned regions whose size is a multiple of 32. */
#define MYL_FB_MAX_ALIGN 32u
/* What a region's end is rounded down to. */
#define MYL_FB_REGION_ALIGN 8u

typedef struct myl_fb_builder {
    uint8_t *buf; /* current region: objects grow down from buf + cap */
    size_t cap;
    size_t head; /* bytes in use at the end of the region */
    uint8_t *arena;
    size_t arena_cap;
    int err; /* first error, sticky: every later call is a no-op */
    uint8_t in_arena;
    uint8_t in_table;
    uint8_t in_vector;
    uint8_t defer; /* myl_fb_builder_defer(): large vectors in the arena become runs */
    uint32_t minalign;
    uint32_t table_start; /* head when the table began */
    uint32_t vec_count;
    uint32_t nfields;
    /* A 4-byte gap of alignment padding in the current table, 0 if none:
     * the head a 4-byte field written there has (myl__fb_field()). */
    uint32_t gap;
    struct {
        uint32_t id;
        uint32_t off; /* head after the field was written */
    } fields[MYL_FB_MAX_FIELDS];
    uint32_t next; /* runs in ext */
    struct {
        size_t dist; /* the hole's distance from the end of the region */
        const void *p;
        size_t n;
    } ext[MYL_EXT_MAX];
} myl_fb_builder;

/* A finished message. */
typedef struct myl_fb_msg {
    uint8_t *data;
    size_t len;
    bool in_place; /* built in the first region (not moved to the arena) */
    /* Only from a builder with myl_fb_builder_defer(): the vectors left
     * where they lie, each filling the unwritten hole [at, at + n) of data
     * (in order of at). Such a message is whole only as sent by
     * myl_frame_send_ext(..., MYL_FRAME_EXT_HOLES, ...). */
    uint32_t next;
    myl_ext ext[MYL_EXT_MAX];
} myl_fb_msg;

/* Finish flags. */
/* Put the root uoffset (and identifier) at the start of the region, pointing
 * forward to the root table at its tail: the message is the whole region,
 * the bytes between are padding, nothing is moved. Needs a region starting
 * on an 8-byte boundary; ignored (a normal finish) once in the arena, and
 * when the objects left the region too little room for the front bytes
 * (the normal finish then moves them to the arena: not in place). */
#define MYL_FB_FINISH_AT_FRONT 0x1u
/* Put a u32 size prefix before the root uoffset: the bytes after it (as
 * flatc's FinishSizePrefixed()); read with myl_fb_size_prefixed_root(),
 * verify with MYL_FB_VERIFY_SIZE_PREFIXED. At front, the size is the
 * region's less 4. */
#define MYL_FB_FINISH_SIZE_PREFIX 0x2u
/* With MYL_FB_FINISH_AT_FRONT: when what was built is at most
 * MYL_FB_PACK_MAX bytes, move it to just after the root uoffset (and
 * identifier): the message is then only as long as it needs, in the
 * fewest cache lines (a small message built at the tail of a 64 KiB
 * frame would otherwise span the frame's first line and its last). Larger
 * messages stay where they are (AT_FRONT alone). */
#define MYL_FB_FINISH_PACK 0x4u
#define MYL_FB_PACK_MAX 1024u

/* Build into buf[0, cap) (a claimed frame's data, say); when that is too
 * small, the bytes built so far are copied once to the end of arena[0,
 * arena_cap) and building goes on there. arena may be NULL: running out of
 * room is then MYL_ETOOBIG. Neither is ever written outside its bounds. */
MYL_API void myl_fb_builder_init(myl_fb_builder *b, void *buf, size_t cap, void *arena,
                                 size_t arena_cap);
/* Start over in the same regions. */
MYL_API void myl_fb_builder_reset(myl_fb_builder *b);
/* From now on, a vector of scalars or structs of MYL_EXT_MIN bytes or more
 * that goes to the arena (up to MYL_EXT_MAX of them) is not copied there:
 * its room is left unwritten, and myl_fb_finish() lists it in the
 * message's ext for myl_frame_send_ext(), which copies it once, from the
 * caller's memory straight into the frames. The caller's vectors must stay
 * unchanged until then. For senders only: the arena's copy is not a whole
 * message. Cleared by myl_fb_builder_init(), kept by _reset(). */
static inline void myl_fb_builder_defer(myl_fb_builder *b)
{
    b->defer = 1;
}

/* Objects: strings and vectors are built outside tables; each returns 0 or
 * the builder's (sticky) error and stores the object's reference. */
MYL_API int myl_fb_create_string(myl_fb_builder *b, const char *s, size_t len, myl_fb_ref *out);
/* A struct standing alone (a union's value), in wire format. */
MYL_API int myl_fb_create_struct(myl_fb_builder *b, const void *s, size_t size, size_t align,
                                 myl_fb_ref *out);
/* count scalars of elem_size (1, 2, 4, 8) in host order. */
MYL_API int myl_fb_create_vec_scalar(myl_fb_builder *b, const void *elems, size_t count,
                                     size_t elem_size, myl_fb_ref *out);
/* count structs, each already in wire format (little-endian, padded). */
MYL_API int myl_fb_create_vec_struct(myl_fb_builder *b, const void *elems, size_t count,
                                     size_t elem_size, size_t align, myl_fb_ref *out);
/* A vector of strings or tables from their references. */
MYL_API int myl_fb_create_vec_refs(myl_fb_builder *b, const myl_fb_ref *refs, size_t count,
                                   myl_fb_ref *out);
/* Compares two tables by their key field (<0, 0, >0), for sorting. */
typedef int (*myl_fb_key_cmp)(const uint8_t *a, const uint8_t *b);
/* Sorts the references of count tables built before by their key (cmp),
 * in place, as flatc's CreateVectorOfSortedTables(): then
 * myl_fb_create_vec_refs() gives a vector that lookups by key can search
 * with a binary search. Equal keys keep no particular order. */
MYL_API int myl_fb_sort_refs(myl_fb_builder *b, myl_fb_ref *refs, size_t count, myl_fb_key_cmp cmp);
/* Sorts count structs of elem_size bytes (elems, wire format) by their key
 * (cmp on two structs' first bytes), in place, as flatc's
 * CreateVectorOfSortedStructs(): then myl_fb_create_vec_struct() gives a
 * vector that lookups by key can search. Equal keys keep no particular
 * order. */
MYL_API int myl_fb_sort_structs(myl_fb_builder *b, void *elems, size_t count, size_t elem_size,
                                myl_fb_key_cmp cmp);
/* Or reserve a vector and write its count elements in place (wire format,
 * e.g. with myl_st32()), then end it. Nothing else may be built between. */
MYL_API int myl_fb_vec_start(myl_fb_builder *b, size_t count, size_t elem_size, size_t align,
                             void **elems);
MYL_API int myl_fb_vec_end(myl_fb_builder *b, myl_fb_ref *out);

/* Tables: start, add fields (any order, each id once), end. Scalars are
 * always written: generated code skips a value equal to its default, as
 * flatc does. */
MYL_API int myl_fb_table_start(myl_fb_builder *b);
MYL_API int myl_fb_add_u8(myl_fb_builder *b, uint32_t id, uint8_t v);
MYL_API int myl_fb_add_u16(myl_fb_builder *b, uint32_t id, uint16_t v);
MYL_API int myl_fb_add_u32(myl_fb_builder *b, uint32_t id, uint32_t v);
MYL_API int myl_fb_add_u64(myl_fb_builder *b, uint32_t id, uint64_t v);
MYL_API int myl_fb_add_f32(myl_fb_builder *b, uint32_t id, float v);
MYL_API int myl_fb_add_f64(myl_fb_builder *b, uint32_t id, double v);
/* A struct in wire format, stored inline. */
MYL_API int myl_fb_add_struct(myl_fb_builder *b, uint32_t id, const void *s, size_t size,
                              size_t align);
/* A uoffset to a string, vector or table built before (ref != 0). */
MYL_API int myl_fb_add_ref(myl_fb_builder *b, uint32_t id, myl_fb_ref ref);
MYL_API int myl_fb_table_end(myl_fb_builder *b, myl_fb_ref *out);

/* Finish with root table `root` and an optional 4-character identifier. */
MYL_API int myl_fb_finish(myl_fb_builder *b, myl_fb_ref root, const char *ident, unsigned flags,
                          myl_fb_msg *out);

/* Bytes built so far. */
static inline size_t myl_fb_builder_size(const myl_fb_builder *b)
{
    return b->head;
}

/* ---- the builder's set-up, inline (generated senders set up a builder
 * for every message; myl_fb_builder_init() and _reset() are these) ---- */

/* Usable size of a region: its end rounded down to MYL_FB_REGION_ALIGN, so
 * that the alignment of every object (relative to the end) is also its
 * alignment in memory. */
static inline size_t myl__fb_region_cap(const uint8_t *buf, size_t cap)
{
    if (!buf)
        return 0;
    uintptr_t end = (uintptr_t)buf + cap;
    if (end < (uintptr_t)buf)
        return 0;
    uintptr_t aend = end & ~(uintptr_t)(MYL_FB_REGION_ALIGN - 1);
    return aend < (uintptr_t)buf ? 0 : (size_t)(aend - (uintptr_t)buf);
}

/* Nothing built, no error, in the first region (which must be b->buf). */
static inline void myl__fb_builder_clear(myl_fb_builder *b)
{
    b->head = 0;
    b->err = 0;
    b->in_arena = 0;
    b->in_table = 0;
    b->in_vector = 0;
    b->minalign = 1;
    b->table_start = 0;
    b->vec_count = 0;
    b->nfields = 0;
    b->gap = 0;
    b->next = 0;
}

static inline void myl__fb_builder_init(myl_fb_builder *b, void *buf, size_t cap, void *arena,
                                        size_t arena_cap)
{
    b->buf = (uint8_t *)buf;
    b->cap = myl__fb_region_cap(b->buf, cap);
    b->arena = (uint8_t *)arena;
    b->arena_cap = myl__fb_region_cap(b->arena, arena_cap);
    b->defer = 0;
    myl__fb_builder_clear(b);
}

/* ---- the builder's inline fast paths ----
 *
 * The generated T_start / T_add_f / T_create_f call these: the common case
 * (no error, room in the current region, a scalar field or a small vector)
 * inline, with the bytes each call above writes; anything else falls back
 * to that call, which checks and reports it. */

/* Field ids the fast path takes: those whose vtable entry fits a u16
 * vtable (MYL_FB_VT(id) + 2 <= 0xffff). */
#define MYL__FB_FAST_ID 32764u

/* Zero n bytes (n < 8): a field's or a vector's alignment padding. */
static inline void myl__fb_zero(uint8_t *p, size_t n)
{
    if (n & 4) {
        myl_st32(p, 0);
        p += 4;
    }
    if (n & 2) {
        myl_st16(p, 0);
        p += 2;
    }
    if (n & 1)
        *p = 0;
}

/* Whether need more bytes fit the current region and the buffer's size
 * limit: the inline paths' test, and grow()'s in fb.c. */
static inline bool myl__fb_fits(const myl_fb_builder *b, size_t need)
{
    return need <= b->cap - b->head && need <= MYL_FB_MAX_BUFFER_SIZE - 8 - b->head;
}

/* need bytes taken at the head (they fit: myl__fb_fits()), the first padn
 * of them, just below the old front, alignment padding, zeroed; what
 * they hold is aligned to align. The old front. */
static inline uint8_t *myl__fb_take(myl_fb_builder *b, size_t padn, size_t need, size_t align)
{
    uint8_t *front = b->buf + b->cap - b->head;
    myl__fb_zero(front - padn, padn);
    b->head += need;
    if (align > b->minalign)
        b->minalign = (uint32_t)align;
    return front;
}

/* Fields go down from the head as they are added, each aligned to its
 * size, so a table whose 8-byte field comes after its 4-byte ones (in the
 * head's order) gets 4 bytes of padding; with a vector's end before it,
 * a 64-byte Blob{u64, [u8]} took 104 bytes where 96 do, and a third cache
 * line. The builder remembers that gap (one at a time) and puts the next
 * 4-byte field of the table in it: the same table whatever the order
 * the fields are added in. myl__fb_gap_note() records padding of padn
 * bytes about to be written at the head; myl__fb_gap_take() places field
 * id in the gap. The exported add functions (fb.c) do the same. */
static inline void myl__fb_gap_note(myl_fb_builder *b, size_t padn)
{
    if (padn >= 4 && !(b->head & 3) && !b->gap)
        b->gap = (uint32_t)b->head + 4;
}

/* Record field id as written at head offset off; its address. */
static inline uint8_t *myl__fb_field_at(myl_fb_builder *b, uint32_t id, uint32_t off)
{
    b->fields[b->nfields].id = id;
    b->fields[b->nfields].off = off;
    b->nfields++;
    return b->buf + b->cap - off;
}

static inline uint8_t *myl__fb_gap_take(myl_fb_builder *b, uint32_t id)
{
    uint32_t off = b->gap;
    b->gap = 0;
    return myl__fb_field_at(b, id, off);
}

/* Room for a scalar field of size bytes (1, 2, 4 or 8, aligned to its
 * size) in the open table, recorded as field id: where to store it, or
 * NULL when the fast path does not apply (the caller then takes
 * myl_fb_add_*). As add_field() in fb.c. */
static inline uint8_t *myl__fb_field(myl_fb_builder *b, uint32_t id, size_t size)
{
    const size_t padn = (size_t)(0 - b->head) & (size - 1);
    const size_t need = padn + size;
    if (b->err || !b->in_table || id > MYL__FB_FAST_ID || b->nfields >= MYL_FB_MAX_FIELDS ||
        !myl__fb_fits(b, need))
        return NULL;
    if (size == 4 && b->gap) /* into the gap: the table stays as small */
        return myl__fb_gap_take(b, id);
    myl__fb_gap_note(b, padn);
    myl__fb_take(b, padn, need, size);
    return myl__fb_field_at(b, id, (uint32_t)b->head);
}

/* myl__fb_add_<name>(b, id, v): a scalar field of C type C, size bytes,
 * stored at p by `store`. */
#define MYL__FB_ADD_FAST(name, C, size, store)                                                     \
    static inline int myl__fb_add_##name(myl_fb_builder *b, uint32_t id, C v)                      \
    {                                                                                              \
        uint8_t *p = myl__fb_field(b, id, size);                                                   \
        if (!p)                                                                                    \
            return myl_fb_add_##name(b, id, v);                                                    \
        store;                                                                                     \
        return 0;                                                                                  \
    }
MYL__FB_ADD_FAST(u8, uint8_t, 1, *p = v)
MYL__FB_ADD_FAST(u16, uint16_t, 2, myl_st16(p, v))
MYL__FB_ADD_FAST(u32, uint32_t, 4, myl_st32(p, v))
MYL__FB_ADD_FAST(u64, uint64_t, 8, myl_st64(p, v))
MYL__FB_ADD_FAST(f32, float, 4, myl_stf32(p, v))
MYL__FB_ADD_FAST(f64, double, 8, myl_stf64(p, v))

/* A reference to an object finished before the table started: the uoffset
 * from the field to it. */
static inline int myl__fb_add_ref(myl_fb_builder *b, uint32_t id, myl_fb_ref ref)
{
    uint8_t *p;
    if (ref == 0 || ref > b->table_start || !(p = myl__fb_field(b, id, 4)))
        return myl_fb_add_ref(b, id, ref);
    /* the uoffset from the field (at its off, the head or the gap) */
    myl_st32(p, (uint32_t)(b->fields[b->nfields - 1].off - ref));
    return 0;
}

static inline int myl__fb_table_start(myl_fb_builder *b)
{
    if (b->err || b->in_table || b->in_vector)
        return myl_fb_table_start(b);
    b->in_table = 1;
    b->nfields = 0;
    b->gap = 0;
    b->table_start = (uint32_t)b->head;
    return 0;
}

/* A vector of count scalars of elem_size bytes (1, 2, 4 or 8) in host
 * order, as myl_fb_create_vec_scalar(): inline on a little-endian host
 * when it fits the region and is not one that defer leaves in place. */
static inline int myl__fb_create_vec(myl_fb_builder *b, const void *elems, size_t count,
                                     size_t elem_size, myl_fb_ref *out)
{
    const size_t a = elem_size > 4 ? elem_size : 4;
    if (!MYL_LITTLE_ENDIAN || b->err || b->in_table || b->in_vector || (!elems && count) ||
        count > (MYL_FB_MAX_BUFFER_SIZE - 8) / elem_size)
        return myl_fb_create_vec_scalar(b, elems, count, elem_size, out);
    const size_t bytes = count * elem_size;
    const size_t padn = (size_t)(0 - (b->head + bytes)) & (a - 1);
    const size_t need = padn + bytes + 4;
    if (!myl__fb_fits(b, need) || (b->defer && bytes >= MYL_EXT_MIN))
        return myl_fb_create_vec_scalar(b, elems, count, elem_size, out);
    uint8_t *front = myl__fb_take(b, padn, need, a);
    if (bytes)
        memcpy(front - padn - bytes, elems, bytes);
    myl_st32(front - need, (uint32_t)count);
    *out = (myl_fb_ref)b->head;
    return 0;
}

/* ---- tables in one step (T_create()) ----
 *
 * myelonc lays out each table whose fields allow it once, at compile
 * time: every field at a fixed offset (largest alignment first, the
 * soffset's 4 bytes shared), and the vtable as a constant. T_create()
 * then writes the vtable, zeroes the table and stores each field, without
 * the bookkeeping of _start(), _add_*() and _end(). */

/* Room for a table whose start lies at phase modulo align (an
 * alignment of 4 or 8, phase 0 or 4), and below it its vtable, the n
 * entries of vt (size in bytes, the table's size in bytes, soffset
 * included, then each field's offset, 0 for none): the table's address,
 * with the vtable and soffset written and every other byte zero; NULL on
 * an error (sticky in b). */
MYL_API uint8_t *myl__fb_fixed_slow(myl_fb_builder *b, size_t vtsize, size_t objsize, size_t align,
                                    size_t phase);
static inline uint8_t *myl__fb_fixed(myl_fb_builder *b, const uint16_t *vt, size_t n, size_t align,
                                     size_t phase)
{
    const size_t vtsize = 2 * n, objsize = vt[1];
    const size_t padn = (size_t)(phase - (b->head + objsize)) & (align - 1);
    const size_t need = padn + objsize + vtsize;
    uint8_t *t;
    if (b->err || b->in_table || b->in_vector || !myl__fb_fits(b, need)) {
        t = myl__fb_fixed_slow(b, vtsize, objsize, align, phase);
        if (!t)
            return NULL;
    } else {
        t = myl__fb_take(b, padn, need, align) - padn - objsize;
    }
    memset(t, 0, objsize);
    myl_st32(t, (uint32_t)vtsize); /* vtable = table - soffset: just below */
    for (size_t i = 0; i < n; i++)
        myl_st16(t - vtsize + 2 * i, vt[i]);
    return t;
}

/* Of a table's two layouts (its start 0 or 4 off 8, each object's size
 * given), the one that needs less padding in front of it: 0 or 1. */
static inline unsigned myl__fb_fixed_row(const myl_fb_builder *b, size_t objsize0, size_t objsize1)
{
    const size_t pad0 = (size_t)(0 - (b->head + objsize0)) & 7;
    const size_t pad1 = (size_t)(4 - (b->head + objsize1)) & 7;
    return pad1 < pad0;
}

/* The reference field at offset fo of table t (vtable entry at byte vo of
 * a vtable of vtsize bytes): the uoffset to ref, an object finished
 * before the table; ref 0 leaves the field absent. */
static inline void myl__fb_fixed_ref(myl_fb_builder *b, uint8_t *t, size_t vtsize, size_t objsize,
                                     size_t vo, size_t fo, myl_fb_ref ref)
{
    const size_t at = (size_t)(b->buf + b->cap - t); /* the table's reference */
    if (ref == 0)
        myl_st16(t - vtsize + vo, 0);
    else if (ref > at - objsize)
        b->err = b->err ? b->err : MYL_EINVAL;
    else
        myl_st32(t + fo, (uint32_t)(at - fo - ref));
}

/* The struct field at offset fo of table t, copied from s (size bytes in
 * wire format); s NULL leaves the field absent. */
static inline void myl__fb_fixed_struct(uint8_t *t, size_t vtsize, size_t vo, size_t fo,
                                        const void *s, size_t size)
{
    if (s)
        memcpy(t + fo, s, size);
    else
        myl_st16(t - vtsize + vo, 0);
}

/* 0 and the table's reference, or the builder's error. */
static inline int myl__fb_fixed_end(myl_fb_builder *b, const uint8_t *t, myl_fb_ref *out)
{
    if (!t || b->err) {
        *out = 0;
        return b->err;
    }
    *out = (myl_fb_ref)(b->buf + b->cap - t);
    return 0;
}

/* myl_fb_finish(b, root, NULL, MYL_FB_FINISH_AT_FRONT | MYL_FB_FINISH_PACK,
 * out), as generated senders finish a message built in a claimed frame:
 * inline when nothing is wrong, the message is small enough to pack, no
 * alignment above MYL_FB_REGION_ALIGN was used and the region starts on
 * it; anything else, by myl_fb_finish(). */
static inline int myl__fb_finish_packed(myl_fb_builder *b, myl_fb_ref root, myl_fb_msg *out)
{
    const size_t head = b->head;
    if (b->err || b->in_table || b->in_vector || b->in_arena || root == 0 || root > head ||
        head > MYL_FB_PACK_MAX || b->cap - head < 4 || b->minalign > MYL_FB_REGION_ALIGN ||
        ((uintptr_t)b->buf & (MYL_FB_REGION_ALIGN - 1)) != 0)
        return myl_fb_finish(b, root, NULL, MYL_FB_FINISH_AT_FRONT | MYL_FB_FINISH_PACK, out);
    /* the root uoffset is 4-aligned: so is what follows it */
    if (b->minalign < 4)
        b->minalign = 4;
    /* the objects move from cap - head to o, by a multiple of minalign,
     * just after the root uoffset; the few bytes between are zeroed */
    const size_t from = b->cap - head;
    const size_t o = 4 + ((from - 4) & (b->minalign - 1));
    memmove(b->buf + o, b->buf + from, head);
    myl__fb_zero(b->buf + 4, o - 4);
    myl_st32(b->buf, (uint32_t)(o + head - root));
    out->data = b->buf;
    out->len = o + head;
    out->in_place = true;
    out->next = 0;
    return 0;
}

/* ---- accessors of generated tables ----
 *
 * myelonc writes one line per table (MYL_FB_TABLE) and one per field: these
 * macros define the functions of that table or field (readers on a
 * T_table handle, builders on a myl_fb_builder), as static inline functions
 * named after the table T and the field f. They are for generated code;
 * the generated header and docs/FLATBUFFERS.md list what each defines. */

/* ---- verifying a flat root table inline (a generated T_verify()) ----
 *
 * For a table whose fields are all scalars, structs, strings and vectors
 * of scalars or structs, myelonc unrolls myl_fb_verify()'s default checks
 * (runtime/src/fb_verify.h) into T_verify(): each helper makes the same
 * tests as there and is true when they pass, without the descriptor's
 * interpretation. A buffer any of them doubts goes on to myl_fb_verify(),
 * which decides and says why: the helpers may be stricter than the
 * verifier, never laxer (test_fb_gen mutates buffers against both). */
typedef struct myl__fb_vq {
    const uint8_t *p;
    uint64_t size;
    uint64_t t;  /* the root table */
    uint64_t vt; /* its vtable */
    uint32_t vsize;
} myl__fb_vq;

/* The buffer's size, its root uoffset, the root table and its vtable. */
static inline bool myl__fb_vq_root(myl__fb_vq *q, const void *buf, size_t len)
{
    const uint8_t *p = (const uint8_t *)buf;
    if (!p || len < MYL_FB_MIN_BUFFER_SIZE || len >= MYL_FB_MAX_BUFFER_SIZE)
        return false;
    const uint64_t size = len, t = myl_ld32(p);
    if (t == 0 || t > (uint64_t)INT32_MAX || (t & 3) || t > size - 4)
        return false;
    /* wraps as in the verifier: the bounds test catches it */
    const uint64_t vt = t - (uint64_t)(int64_t)(int32_t)myl_ld32(p + t);
    if ((vt & 1) || vt > size - 2)
        return false;
    const uint32_t vsize = myl_ld16(p + vt);
    if ((vsize & 1) || vsize >= size || vt > size - vsize)
        return false;
    q->p = p;
    q->size = size;
    q->t = t;
    q->vt = vt;
    q->vsize = vsize;
    return true;
}

/* The root table's field at vtable byte vo: its offset, 0 when absent. */
static inline uint32_t myl__fb_vq_field(const myl__fb_vq *q, uint32_t vo)
{
    return vo < q->vsize ? myl_ld16(q->p + q->vt + vo) : 0;
}

/* An inline field (scalar or struct) of size bytes aligned to align. */
static inline bool myl__fb_vq_inline(const myl__fb_vq *q, uint32_t vo, uint32_t size,
                                     uint32_t align, bool required)
{
    const uint32_t fo = myl__fb_vq_field(q, vo);
    const uint64_t at = q->t + fo;
    if (!fo)
        return !required;
    return !(at & (align - 1)) && at + size <= q->size;
}

/* A vector of elem-byte elements (a string: elem 1, and a 0 after it). */
static inline bool myl__fb_vq_vector(const myl__fb_vq *q, uint32_t vo, uint32_t elem, bool required,
                                     bool string)
{
    const uint32_t fo = myl__fb_vq_field(q, vo);
    if (!fo)
        return !required;
    const uint64_t at = q->t + fo, size = q->size;
    if ((at & 3) || at > size - 4)
        return false;
    const uint64_t o = myl_ld32(q->p + at), s = at + o;
    if (o == 0 || o > (uint64_t)INT32_MAX || (s & 3) || s > size - 4)
        return false;
    const uint64_t n = myl_ld32(q->p + s);
    if ((n + 1) * elem > MYL_FB_MAX_BUFFER_SIZE)
        return false;
    const uint64_t bytes = 4 + elem * n;
    if (bytes >= size || s > size - bytes)
        return false;
    return !string || (s + bytes < size && q->p[s + bytes] == 0);
}

/* A vector of structs aligned above 4, already checked by
 * myl__fb_vq_vector(): its elements start at that alignment (when it has
 * any), as myl_fb_verify() requires (fb_verify.h, struct_elems_aligned). */
static inline bool myl__fb_vq_elems_aligned(const myl__fb_vq *q, uint32_t vo, uint32_t align)
{
    const uint32_t fo = myl__fb_vq_field(q, vo);
    if (!fo)
        return true;
    const uint64_t s = q->t + fo + myl_ld32(q->p + q->t + fo);
    return myl_ld32(q->p + s) == 0 || ((s + 4) & (align - 1)) == 0;
}

/* T_verify_with(), T_root(), T_start(), T_end(), T_finish(), and
 * T_vec_at(v, i): element i (< v.len) of a vector of T, read from a
 * vector looked up once (myl_fb_vec v = U_f(u)) rather than per element
 * by U_f_at(u, i). T_verify() is generated (the flat form above) or
 * MYL_FB_VERIFY(T). */
#define MYL_FB_VERIFY(T)                                                                           \
    static inline int T##_verify(const void *buf, size_t len)                                      \
    {                                                                                              \
        return myl_fb_verify(buf, len, &T##_desc, NULL, NULL);                                     \
    }
#define MYL_FB_TABLE(T)                                                                            \
    static inline T##_table T##_vec_at(myl_fb_vec v, uint32_t i)                                   \
    {                                                                                              \
        T##_table r = {myl_fb_vec_table(v, i)};                                                    \
        return r;                                                                                  \
    }                                                                                              \
    static inline int T##_verify_with(const void *buf, size_t len, const myl_fb_verify_opts *opts, \
                                      myl_fb_verify_info *info)                                    \
    {                                                                                              \
        return myl_fb_verify(buf, len, &T##_desc, opts, info);                                     \
    }                                                                                              \
    static inline T##_table T##_root(const void *buf)                                              \
    {                                                                                              \
        T##_table r = {myl_fb_root(buf)};                                                          \
        return r;                                                                                  \
    }                                                                                              \
    static inline int T##_start(myl_fb_builder *b)                                                 \
    {                                                                                              \
        return myl__fb_table_start(b);                                                             \
    }                                                                                              \
    static inline int T##_end(myl_fb_builder *b, myl_fb_ref *out)                                  \
    {                                                                                              \
        return myl_fb_table_end(b, out);                                                           \
    }                                                                                              \
    static inline int T##_finish(myl_fb_builder *b, myl_fb_ref root, const char *ident,            \
                                 unsigned flags, myl_fb_msg *out)                                  \
    {                                                                                              \
        return myl_fb_finish(b, root, ident, flags, out);                                          \
    }

/* The root table T of a schema (root_type), ident its file identifier (4
 * characters) or NULL: T_verify_buffer(buf, len) verifies the buffer and
 * its identifier, as flatc's Verify<T>Buffer(); T_finish_buffer(b, root,
 * flags, &msg) finishes it with the identifier, as Finish<T>Buffer(). */
#define MYL_FB_ROOT(T, ident)                                                                      \
    static inline int T##_verify_buffer(const void *buf, size_t len)                               \
    {                                                                                              \
        myl_fb_verify_opts o = {sizeof(myl_fb_verify_opts), 0, 0, 0, ident};                       \
        return myl_fb_verify(buf, len, &T##_desc, &o, NULL);                                       \
    }                                                                                              \
    static inline int T##_verify_size_prefixed_buffer(const void *buf, size_t len)                 \
    {                                                                                              \
        myl_fb_verify_opts o = {sizeof(myl_fb_verify_opts), MYL_FB_VERIFY_SIZE_PREFIXED, 0, 0,     \
                                ident};                                                            \
        return myl_fb_verify(buf, len, &T##_desc, &o, NULL);                                       \
    }                                                                                              \
    static inline T##_table T##_size_prefixed_root(const void *buf)                                \
    {                                                                                              \
        T##_table r = {myl_fb_size_prefixed_root(buf)};                                            \
        return r;                                                                                  \
    }                                                                                              \
    static inline int T##_finish_buffer(myl_fb_builder *b, myl_fb_ref root, unsigned flags,        \
                                        myl_fb_msg *out)                                           \
    {                                                                                              \
        return myl_fb_finish(b, root, ident, flags, out);                                          \
    }

/* T_has_f(): the field is in the buffer. */
#define MYL_FB__HAS(T, f, id)                                                                      \
    static inline bool T##_has_##f(T##_table t)                                                    \
    {                                                                                              \
        return myl_fb_present(t.t, id);                                                            \
    }

/* T_add_f(b, ref): a string, vector or table built before. */
#define MYL_FB__ADD_REF(T, f, id)                                                                  \
    static inline int T##_add_##f(myl_fb_builder *b, myl_fb_ref v)                                 \
    {                                                                                              \
        return myl__fb_add_ref(b, id, v);                                                          \
    }

/* A scalar or enum of C type C, read with myl_fb_get_<get>(), written with
 * myl_fb_add_<add>(b, id, (W)v) unless equal to the default def. */
#define MYL_FB_SCALAR(T, f, id, C, get, def, add, W)                                               \
    static inline C T##_##f(T##_table t)                                                           \
    {                                                                                              \
        return (C)myl_fb_get_##get(t.t, id, def);                                                  \
    }                                                                                              \
    MYL_FB__HAS(T, f, id)                                                                          \
    static inline int T##_add_##f(myl_fb_builder *b, C v)                                          \
    {                                                                                              \
        if (v == (def))                                                                            \
            return b->err;                                                                         \
        return myl__fb_add_##add(b, id, (W)v);                                                     \
    }

/* The same for a float field whose default is NaN: a NaN is not written
 * (as flatc, which takes NaN for equal to a NaN default). */
#define MYL_FB_SCALAR_NAN(T, f, id, C, get, add, W)                                                \
    static inline C T##_##f(T##_table t)                                                           \
    {                                                                                              \
        return (C)myl_fb_get_##get(t.t, id, (C)NAN);                                               \
    }                                                                                              \
    MYL_FB__HAS(T, f, id)                                                                          \
    static inline int T##_add_##f(myl_fb_builder *b, C v)                                          \
    {                                                                                              \
        if (v != v)                                                                                \
            return b->err;                                                                         \
        return myl__fb_add_##add(b, id, (W)v);                                                     \
    }

/* An optional scalar (default null, flatc's "= null"): T_f() is its value
 * or 0 when absent (T_has_f() tells which); T_add_f() always writes it, so
 * a field left null is one whose T_add_f() is not called. */
#define MYL_FB_SCALAR_OPT(T, f, id, C, get, add, W)                                                \
    static inline C T##_##f(T##_table t)                                                           \
    {                                                                                              \
        return (C)myl_fb_get_##get(t.t, id, 0);                                                    \
    }                                                                                              \
    MYL_FB__HAS(T, f, id)                                                                          \
    static inline int T##_add_##f(myl_fb_builder *b, C v)                                          \
    {                                                                                              \
        return myl__fb_add_##add(b, id, (W)v);                                                     \
    }

/* A string: T_f() (data NULL when absent), T_add_f(b, ref). */
#define MYL_FB_STRING(T, f, id)                                                                    \
    static inline myl_fb_str T##_##f(T##_table t)                                                  \
    {                                                                                              \
        return myl_fb_get_str(t.t, id);                                                            \
    }                                                                                              \
    MYL_FB__HAS(T, f, id)                                                                          \
    MYL_FB__ADD_REF(T, f, id)

/* A struct S of size bytes: T_f() in place (NULL when absent). */
#define MYL_FB_STRUCT(T, f, id, S, size, align)                                                    \
    static inline const S *T##_##f(T##_table t)                                                    \
    {                                                                                              \
        return (const S *)myl_fb_get_struct(t.t, id);                                              \
    }                                                                                              \
    MYL_FB__HAS(T, f, id)                                                                          \
    static inline int T##_add_##f(myl_fb_builder *b, const S *v)                                   \
    {                                                                                              \
        return myl_fb_add_struct(b, id, v, size, align);                                           \
    }

/* A table M: T_f() (a NULL handle when absent). */
#define MYL_FB_SUBTABLE(T, f, id, M)                                                               \
    static inline M##_table T##_##f(T##_table t)                                                   \
    {                                                                                              \
        M##_table r = {myl_fb_get_table(t.t, id)};                                                 \
        return r;                                                                                  \
    }                                                                                              \
    MYL_FB__HAS(T, f, id)                                                                          \
    MYL_FB__ADD_REF(T, f, id)

/* A union U (type field tid): T_f_type(), T_add_f(b, type, ref). */
#define MYL_FB_UNION(T, f, id, tid, U)                                                             \
    static inline U T##_##f##_type(T##_table t)                                                    \
    {                                                                                              \
        return (U)myl_fb_get_union_type(t.t, tid);                                                 \
    }                                                                                              \
    MYL_FB__HAS(T, f, id)                                                                          \
    static inline int T##_add_##f(myl_fb_builder *b, U type, myl_fb_ref v)                         \
    {                                                                                              \
        myl_fb_add_u8(b, tid, type);                                                               \
        return myl_fb_add_ref(b, id, v);                                                           \
    }

/* T_f_as_m(): a struct member S (in place, NULL unless the type is code)
 * or a string member (ptr NULL unless the type is code). */
#define MYL_FB_UNION_STRUCT(T, f, id, tid, m, S, code)                                             \
    static inline const S *T##_##f##_as_##m(T##_table t)                                           \
    {                                                                                              \
        if (myl_fb_get_union_type(t.t, tid) != (code))                                             \
            return NULL;                                                                           \
        return (const S *)myl_fb_get_union(t.t, id);                                               \
    }
#define MYL_FB_UNION_STRING(T, f, id, tid, m, code)                                                \
    static inline myl_fb_str T##_##f##_as_##m(T##_table t)                                         \
    {                                                                                              \
        myl_fb_str r = {NULL, 0};                                                                  \
        const uint8_t *p =                                                                         \
            myl_fb_get_union_type(t.t, tid) == (code) ? myl_fb_get_union(t.t, id) : NULL;          \
        if (p) {                                                                                   \
            r.ptr = (const char *)p + 4;                                                           \
            r.len = myl_ld32(p);                                                                   \
        }                                                                                          \
        return r;                                                                                  \
    }

/* T_f_as_m(): the union's value as table M when its type is code, else a
 * NULL handle. */
#define MYL_FB_UNION_MEMBER(T, f, id, tid, m, M, code)                                             \
    static inline M##_table T##_##f##_as_##m(T##_table t)                                          \
    {                                                                                              \
        M##_table r = {NULL};                                                                      \
        if (myl_fb_get_union_type(t.t, tid) == (code))                                             \
            r.t = myl_fb_get_union(t.t, id);                                                       \
        return r;                                                                                  \
    }

/* Every vector: T_f() (data NULL, len 0 when absent), T_has_f(), T_f_len()
 * (MYL_FB__VECTOR_READ; a vector of unions adds its own T_add_f), and
 * T_add_f(b, ref); the element type's macro adds T_f_at(t, i) (i < length,
 * which the caller checks) and T_create_f(). */
#define MYL_FB__VECTOR_READ(T, f, id)                                                              \
    static inline myl_fb_vec T##_##f(T##_table t)                                                  \
    {                                                                                              \
        return myl_fb_get_vec(t.t, id);                                                            \
    }                                                                                              \
    MYL_FB__HAS(T, f, id)                                                                          \
    static inline uint32_t T##_##f##_len(T##_table t)                                              \
    {                                                                                              \
        return myl_fb_get_vec(t.t, id).len;                                                        \
    }
#define MYL_FB__VECTOR(T, f, id)                                                                   \
    MYL_FB__VECTOR_READ(T, f, id)                                                                  \
    MYL_FB__ADD_REF(T, f, id)

/* [E] of scalars (size bytes, read with myl_fb_vec_<get>()): T_create_f()
 * from n elements in host order. */
#define MYL_FB_VEC_SCALAR(T, f, id, E, get, size)                                                  \
    MYL_FB__VECTOR(T, f, id)                                                                       \
    static inline E T##_##f##_at(T##_table t, uint32_t i)                                          \
    {                                                                                              \
        return (E)myl_fb_vec_##get(myl__fb_get_vec_nj(t.t, id), i);                                \
    }                                                                                              \
    static inline int T##_create_##f(myl_fb_builder *b, const E *v, size_t n, myl_fb_ref *out)     \
    {                                                                                              \
        return myl__fb_create_vec(b, v, n, size, out);                                             \
    }

/* [string]: T_create_f() from the references of n strings. */
#define MYL_FB_VEC_STRING(T, f, id)                                                                \
    MYL_FB__VECTOR(T, f, id)                                                                       \
    static inline myl_fb_str T##_##f##_at(T##_table t, uint32_t i)                                 \
    {                                                                                              \
        return myl_fb_vec_str(myl__fb_get_vec_nj(t.t, id), i);                                     \
    }                                                                                              \
    static inline int T##_create_##f(myl_fb_builder *b, const myl_fb_ref *refs, size_t n,          \
                                     myl_fb_ref *out)                                              \
    {                                                                                              \
        return myl_fb_create_vec_refs(b, refs, n, out);                                            \
    }

/* [S] of structs: T_f_at() in place, T_create_f() from n structs. */
#define MYL_FB_VEC_STRUCT(T, f, id, S, size, align)                                                \
    MYL_FB__VECTOR(T, f, id)                                                                       \
    static inline const S *T##_##f##_at(T##_table t, uint32_t i)                                   \
    {                                                                                              \
        return (const S *)myl_fb_vec_elem(myl__fb_get_vec_nj(t.t, id), i, size);                   \
    }                                                                                              \
    static inline int T##_create_##f(myl_fb_builder *b, const S *v, size_t n, myl_fb_ref *out)     \
    {                                                                                              \
        return myl_fb_create_vec_struct(b, v, n, size, align, out);                                \
    }

/* c ? yes : no as a conditional move. gcc emits one for ?: here; clang
 * (14) turns a select in a loop into a jump, even one marked
 * __builtin_unpredictable(), and sees through arithmetic on a bool, so
 * the bool is hidden from it. */
static inline uint32_t myl__fb_pick(bool c, uint32_t yes, uint32_t no)
{
#if defined(__clang__)
    uint32_t m = c;
    __asm__("" : "+r"(m));
    return no + ((yes - no) & (0u - m));
#else
    return c ? yes : no;
#endif
}

/* Lookups by key: which binary search is faster depends on the CPU, by
 * a factor of up to three, so the search asks (MYL_FB_SEARCH_JUMPS).
 *
 * Without jumps: at each step, which half is kept is a conditional move.
 * The search takes bit-length-of-n steps, each waiting for its probe's
 * key (on a vector of tables, four dependent loads), so its length
 * depends on n alone; base ends on the last element whose key is not
 * above the key (or on the first), found when its key equals the key.
 * With jumps: flatc's (bsearch()'s) loop, which stops at an element with
 * the key; the CPU guesses each step and runs ahead, a wrong guess costs
 * a pipeline refill. On an Intel Xeon guest of this project's machines
 * the moves measured 0.84x flatc's LookupByKey() and the jumps 1.16x; on
 * an AMD EPYC guest the jumps 0.82x and the moves 2.4-2.9x
 * (docs/PERFORMANCE.md). So: jumps on AMD CPUs, moves elsewhere.
 *
 * On a sorted vector (what FlatBuffers defines lookups on) both find
 * what flatc's LookupByKey() finds: an element with the key, or none (of
 * several with the key, the moves find the last, the jumps any one, as
 * bsearch() does). On a vector out of order, what either search finds
 * is unspecified and may differ from flatc's; an element found still has
 * the key, and no element out of bounds is read. */
#if defined(MYL_FB_SEARCH)
/* 1: always jumps, 0: always moves (tests run both on any CPU) */
#define MYL_FB_SEARCH_JUMPS() (MYL_FB_SEARCH != 0)
#elif defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
/* a load and a compare: libgcc's CPU model, set before constructors run */
#define MYL_FB_SEARCH_JUMPS() (__builtin_cpu_is("amd") != 0)
#else
#define MYL_FB_SEARCH_JUMPS() 0
#endif

#define MYL__FB_KEY_SEARCH(v, key_at, key, found)                                                  \
    do {                                                                                           \
        uint32_t base_ = 0, n_ = (v).len;                                                          \
        if (MYL_FB_SEARCH_JUMPS()) {                                                               \
            (found) = UINT32_MAX;                                                                  \
            while (base_ < n_) {                                                                   \
                /* one add and a shift on the probe's chain; 64 bits: no overflow */               \
                uint32_t mid_ = (uint32_t)(((uint64_t)base_ + n_) >> 1);                           \
                if (key_at((v), mid_) < (key)) {                                                   \
                    base_ = mid_ + 1;                                                              \
                } else if ((key) < key_at((v), mid_)) {                                            \
                    n_ = mid_;                                                                     \
                } else {                                                                           \
                    (found) = mid_;                                                                \
                    break;                                                                         \
                }                                                                                  \
            }                                                                                      \
            break;                                                                                 \
        }                                                                                          \
        while (n_ > 1) {                                                                           \
            uint32_t half_ = n_ / 2;                                                               \
            /* a conditional move, not a jump: see myl__fb_pick() */                               \
            base_ = myl__fb_pick(key_at((v), base_ + half_) <= (key), base_ + half_, base_);       \
            n_ -= half_;                                                                           \
        }                                                                                          \
        (found) = (v).len && !(key_at((v), base_) < (key)) && !((key) < key_at((v), base_))        \
                      ? base_                                                                      \
                      : UINT32_MAX;                                                                \
    } while (0)

/* [S] of structs sorted by S's key field k (attribute key), a scalar of C
 * type C: as MYL_FB_VEC_STRUCT, but T_create_f() sorts v in place first
 * (myl_fb_sort_structs()), and T_f_lookup_by_key(t, key) finds the
 * element whose key equals key by a binary search (NULL when there is
 * none, or the vector is absent); T_f_lookup_by_key_in(v, key) the same
 * in the vector v = T_f(t) looked up once, for many lookups. */
#define MYL_FB_VEC_STRUCT_KEY(T, f, id, S, size, align, C, k)                                      \
    static inline int T##_##f##_key_cmp(const uint8_t *a, const uint8_t *b)                        \
    {                                                                                              \
        C x = ((const S *)(const void *)a)->k, y = ((const S *)(const void *)b)->k;                \
        return (x > y) - (x < y);                                                                  \
    }                                                                                              \
    static inline C T##_##f##_key_at(myl_fb_vec v, uint32_t i)                                     \
    {                                                                                              \
        return ((const S *)myl_fb_vec_elem(v, i, size))->k;                                        \
    }                                                                                              \
    MYL_FB__VECTOR(T, f, id)                                                                       \
    static inline const S *T##_##f##_at(T##_table t, uint32_t i)                                   \
    {                                                                                              \
        return (const S *)myl_fb_vec_elem(myl__fb_get_vec_nj(t.t, id), i, size);                   \
    }                                                                                              \
    static inline int T##_create_##f(myl_fb_builder *b, S v[], size_t n, myl_fb_ref *out)          \
    {                                                                                              \
        int rc = myl_fb_sort_structs(b, v, n, size, T##_##f##_key_cmp);                            \
        return rc ? rc : myl_fb_create_vec_struct(b, v, n, size, align, out);                      \
    }                                                                                              \
    static inline const S *T##_##f##_lookup_by_key_in(myl_fb_vec v, C key)                         \
    {                                                                                              \
        uint32_t i;                                                                                \
        MYL__FB_KEY_SEARCH(v, T##_##f##_key_at, key, i);                                           \
        return i != UINT32_MAX ? (const S *)myl_fb_vec_elem(v, i, size) : NULL;                    \
    }                                                                                              \
    static inline const S *T##_##f##_lookup_by_key(T##_table t, C key)                             \
    {                                                                                              \
        /* the search written out again, not a call of _in: the same code                          \
         * inlined through a call was laid out with an extra jump a step */                        \
        myl_fb_vec v = myl__fb_get_vec_nj(t.t, id);                                                \
        uint32_t i;                                                                                \
        MYL__FB_KEY_SEARCH(v, T##_##f##_key_at, key, i);                                           \
        return i != UINT32_MAX ? (const S *)myl_fb_vec_elem(v, i, size) : NULL;                    \
    }

/* [M] of tables: T_create_f() from the references of n tables. */
/* [ubyte] (nested_flatbuffer: M): the bytes, as MYL_FB_VEC_SCALAR, and
 * T_f_nested_root(t), the root table of the FlatBuffer they hold (a NULL
 * handle when absent; the verifier verified it as an M buffer).
 * T_create_f() places the bytes (a finished M buffer) at align, the
 * largest alignment of the structs an M buffer can hold (myelonc works it
 * out; as flatc's ForceVectorAlignment() before CreateVector()): their
 * structs are then aligned in memory (T_f() and T_f_at() of a struct are
 * typed pointers). Above 8,
 * that needs the region's end aligned to it (as a struct of that
 * alignment does): else MYL_EINVAL. */
#define MYL_FB_VEC_NESTED(T, f, id, M, align)                                                      \
    MYL_FB__VECTOR(T, f, id)                                                                       \
    static inline uint8_t T##_##f##_at(T##_table t, uint32_t i)                                    \
    {                                                                                              \
        return myl_fb_vec_u8(myl__fb_get_vec_nj(t.t, id), i);                                      \
    }                                                                                              \
    static inline int T##_create_##f(myl_fb_builder *b, const uint8_t *v, size_t n,                \
                                     myl_fb_ref *out)                                              \
    {                                                                                              \
        return (align) <= 4 ? myl__fb_create_vec(b, v, n, 1, out)                                  \
                            : myl_fb_create_vec_struct(b, v, n, 1, align, out);                    \
    }                                                                                              \
    static inline M##_table T##_##f##_nested_root(T##_table t)                                     \
    {                                                                                              \
        myl_fb_vec v = myl_fb_get_vec(t.t, id);                                                    \
        M##_table r = {v.data && v.len >= 4 ? myl_fb_root(v.data) : NULL};                         \
        return r;                                                                                  \
    }

/* [U] of a union U: two vectors, the types (field tid, [ubyte]) and the
 * values (field id, uoffsets to tables). T_f() is the values' vector,
 * T_f_len() its length, T_f_type_at(t, i) the type of element i (i <
 * length, which the caller checks; the verifier checked that both vectors
 * have one length), T_f_types(t) the types' vector, for a loop that
 * looks it up once ((U)myl_fb_vec_u8(v, i)); T_create_f(b, types, refs,
 * n, &types_ref, &values_ref) builds both (every element a table: refs
 * non-zero) and T_add_f(b, types_ref, values_ref) adds both. */
#define MYL_FB_VEC_UNION(T, f, id, tid, U)                                                         \
    MYL_FB__VECTOR_READ(T, f, id)                                                                  \
    static inline U T##_##f##_type_at(T##_table t, uint32_t i)                                     \
    {                                                                                              \
        return (U)myl_fb_vec_u8(myl__fb_get_vec_nj(t.t, tid), i);                                  \
    }                                                                                              \
    static inline myl_fb_vec T##_##f##_types(T##_table t)                                          \
    {                                                                                              \
        return myl_fb_get_vec(t.t, tid);                                                           \
    }                                                                                              \
    static inline int T##_create_##f(myl_fb_builder *b, const U *types, const myl_fb_ref *refs,    \
                                     size_t n, myl_fb_ref *types_out, myl_fb_ref *values_out)      \
    {                                                                                              \
        myl_fb_create_vec_scalar(b, types, n, 1, types_out);                                       \
        return myl_fb_create_vec_refs(b, refs, n, values_out);                                     \
    }                                                                                              \
    static inline int T##_add_##f(myl_fb_builder *b, myl_fb_ref types, myl_fb_ref values)          \
    {                                                                                              \
        myl_fb_add_ref(b, tid, types);                                                             \
        return myl_fb_add_ref(b, id, values);                                                      \
    }

/* T_f_at_as_m(t, i) of a struct member S (NULL unless element i is one)
 * or a string member (ptr NULL unless element i is one). */
#define MYL_FB_VEC_UNION_STRUCT(T, f, id, tid, m, S, code)                                         \
    static inline const S *T##_##f##_at_as_##m(T##_table t, uint32_t i)                            \
    {                                                                                              \
        if (myl_fb_vec_u8(myl__fb_get_vec_nj(t.t, tid), i) != (code))                              \
            return NULL;                                                                           \
        return (const S *)myl_fb_vec_table(myl__fb_get_vec_nj(t.t, id), i);                        \
    }
#define MYL_FB_VEC_UNION_STRING(T, f, id, tid, m, code)                                            \
    static inline myl_fb_str T##_##f##_at_as_##m(T##_table t, uint32_t i)                          \
    {                                                                                              \
        myl_fb_str r = {NULL, 0};                                                                  \
        if (myl_fb_vec_u8(myl__fb_get_vec_nj(t.t, tid), i) == (code))                              \
            r = myl_fb_vec_str(myl__fb_get_vec_nj(t.t, id), i);                                    \
        return r;                                                                                  \
    }

/* T_f_at_as_m(t, i): element i of a [U] as table M when its type is code,
 * else a NULL handle. */
#define MYL_FB_VEC_UNION_MEMBER(T, f, id, tid, m, M, code)                                         \
    static inline M##_table T##_##f##_at_as_##m(T##_table t, uint32_t i)                           \
    {                                                                                              \
        M##_table r = {NULL};                                                                      \
        if (myl_fb_vec_u8(myl__fb_get_vec_nj(t.t, tid), i) == (code))                              \
            r.t = myl_fb_vec_table(myl__fb_get_vec_nj(t.t, id), i);                                \
        return r;                                                                                  \
    }

#define MYL_FB_VEC_TABLE(T, f, id, M)                                                              \
    MYL_FB__VECTOR(T, f, id)                                                                       \
    static inline M##_table T##_##f##_at(T##_table t, uint32_t i)                                  \
    {                                                                                              \
        M##_table r = {myl_fb_vec_table(myl__fb_get_vec_nj(t.t, id), i)};                          \
        return r;                                                                                  \
    }                                                                                              \
    static inline int T##_create_##f(myl_fb_builder *b, const myl_fb_ref *refs, size_t n,          \
                                     myl_fb_ref *out)                                              \
    {                                                                                              \
        return myl_fb_create_vec_refs(b, refs, n, out);                                            \
    }

/* [M] of tables sorted by M's key field (attribute key): as
 * MYL_FB_VEC_TABLE, but T_create_f() sorts refs in place first, and
 * T_f_lookup_by_key(t, key) finds the element whose key equals key by a
 * binary search (a NULL handle when there is none, or the vector is
 * absent); T_f_lookup_by_key_in(v, key) the same in the vector v = T_f(t)
 * looked up once, for many lookups. A scalar key of C type C, read with
 * myl_fb_get_<get>(e, kid, def); a string key (MYL_FB_VEC_TABLE_SKEY) is
 * looked up by (key, len): sorted as flatc sorts strings (bytes, then
 * length), compared in lookups as its LookupByKey() compares them
 * (strcmp: up to a NUL). */
#define MYL_FB__VEC_TABLE_SORTED(T, f, id, M)                                                      \
    MYL_FB__VECTOR(T, f, id)                                                                       \
    static inline M##_table T##_##f##_at(T##_table t, uint32_t i)                                  \
    {                                                                                              \
        M##_table r = {myl_fb_vec_table(myl__fb_get_vec_nj(t.t, id), i)};                          \
        return r;                                                                                  \
    }                                                                                              \
    static inline int T##_create_##f(myl_fb_builder *b, myl_fb_ref *refs, size_t n,                \
                                     myl_fb_ref *out)                                              \
    {                                                                                              \
        myl_fb_sort_refs(b, refs, n, T##_##f##_key_cmp);                                           \
        return myl_fb_create_vec_refs(b, refs, n, out);                                            \
    }

#define MYL_FB_VEC_TABLE_KEY(T, f, id, M, C, get, kid, def)                                        \
    static inline int T##_##f##_key_cmp(const uint8_t *a, const uint8_t *b)                        \
    {                                                                                              \
        C x = (C)myl_fb_get_##get(a, kid, def), y = (C)myl_fb_get_##get(b, kid, def);              \
        return (x > y) - (x < y);                                                                  \
    }                                                                                              \
    /* the key of element i: keys are nearly always present, and compilers                         \
     * predict a field address non-NULL */                                                         \
    static inline C T##_##f##_key_at(myl_fb_vec v, uint32_t i)                                     \
    {                                                                                              \
        const uint8_t *kp = myl_fb_field(myl_fb_vec_table(v, i), kid);                             \
        return kp ? (C)myl_fb_rd_##get(kp) : (C)(def);                                             \
    }                                                                                              \
    MYL_FB__VEC_TABLE_SORTED(T, f, id, M)                                                          \
    static inline M##_table T##_##f##_lookup_by_key_in(myl_fb_vec v, C key)                        \
    {                                                                                              \
        M##_table r = {NULL};                                                                      \
        uint32_t i;                                                                                \
        MYL__FB_KEY_SEARCH(v, T##_##f##_key_at, key, i);                                           \
        if (i != UINT32_MAX)                                                                       \
            r.t = myl_fb_vec_table(v, i);                                                          \
        return r;                                                                                  \
    }                                                                                              \
    static inline M##_table T##_##f##_lookup_by_key(T##_table t, C key)                            \
    {                                                                                              \
        /* written out again, as for structs */                                                    \
        myl_fb_vec v = myl_fb_get_vec(t.t, id);                                                    \
        M##_table r = {NULL};                                                                      \
        uint32_t i;                                                                                \
        MYL__FB_KEY_SEARCH(v, T##_##f##_key_at, key, i);                                           \
        if (i != UINT32_MAX)                                                                       \
            r.t = myl_fb_vec_table(v, i);                                                          \
        return r;                                                                                  \
    }

/* memcmp(a, b, n)'s sign, inline: keys are short, and a call into the C
 * library's memcmp cost a lookup by string key 1.5x flatc's strcmp() on
 * an AMD EPYC guest. Eight bytes at a time, as big-endian numbers, so
 * that the first differing byte decides; the tail by an overlapping load
 * (or bytes, under 8). From 8 to 16 bytes (most keys) without the loop:
 * the first 8, and the last 8 only when those are equal (1.25x flatc's
 * lookup by string key with the loop, 1.03-1.09x without, on an AMD EPYC
 * guest; a select of both words without the branch measured 1.3-1.6x,
 * as it waits for both loads). */
static inline int myl__fb_bytes_cmp(const char *a, const char *b, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
    if (n >= 8 && n <= 16) {
        /* The first 8 bytes, else the last 8 (overlapping under 16). */
        uint64_t x0, y0, x1, y1;
        memcpy(&x0, a, 8);
        memcpy(&y0, b, 8);
        memcpy(&x1, a + n - 8, 8);
        memcpy(&y1, b + n - 8, 8);
        uint64_t x = x0 != y0 ? x0 : x1, y = x0 != y0 ? y0 : y1;
        x = __builtin_bswap64(x);
        y = __builtin_bswap64(y);
        return (x > y) - (x < y);
    }
    if (n >= 8) {
        for (size_t i = 0;; i += 8) {
            if (i + 8 > n)
                i = n - 8;
            uint64_t x, y;
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            if (x != y) {
                x = __builtin_bswap64(x);
                y = __builtin_bswap64(y);
                return x < y ? -1 : 1;
            }
            if (i + 8 >= n)
                return 0;
        }
    }
#endif
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
}

/* Strings as flatc orders them: bytes (memcmp), then the shorter first. */
static inline int myl_fb_str_cmp(const char *a, size_t na, const char *b, size_t nb)
{
    int c = memcmp(a, b, na < nb ? na : nb);
    return c ? c : (na > nb) - (na < nb);
}

/* Lookups compare as flatc's LookupByKey() does, strcmp(a, key): a is a
 * string of a verified buffer, NUL-terminated (absent: ""), key its first
 * kl bytes, none of them NUL. Equal to myl_fb_str_cmp() on strings without
 * NULs. memcmp() finds the first difference where strcmp() would (a NUL of
 * a before it is one, as key has none), at memcmp()'s speed. */
static inline int myl_fb_str_ccmp(myl_fb_str a, const char *key, size_t kl)
{
    size_t n = a.len < kl ? a.len : kl;
    int c = n ? myl__fb_bytes_cmp(a.ptr, key, n) : 0;
    if (c || a.len < kl)
        return c ? c : -1; /* a ends first: its NUL sorts before key's byte */
    /* equal over kl bytes: strcmp() goes on to a[kl] (a's NUL when a.len
     * == kl, absent a included) */
    return a.ptr && a.ptr[kl] != '\0';
}

/* The length of a lookup key: up to its first NUL, at most len. */
static inline size_t myl_fb_key_len(const char *key, size_t len)
{
    const char *z = key ? (const char *)memchr(key, 0, len) : NULL;
    return !key ? 0 : z ? (size_t)(z - key) : len;
}

/* The search of a string key in v (r.t stays NULL when none has it). */
#define MYL__FB_SKEY_SEARCH(v, kid, key, len, r)                                                   \
    do {                                                                                           \
        uint32_t lo = 0, hi = (v).len;                                                             \
        size_t kl = myl_fb_key_len(key, len);                                                      \
        if (!(key))                                                                                \
            (key) = "";                                                                            \
        while (lo < hi) {                                                                          \
            uint32_t mid = (uint32_t)(((uint64_t)lo + hi) >> 1); /* as MYL__FB_KEY_SEARCH */       \
            const uint8_t *e = myl_fb_vec_table((v), mid);                                         \
            int c = myl_fb_str_ccmp(myl_fb_get_str(e, kid), key, kl);                              \
            if (c < 0) {                                                                           \
                lo = mid + 1;                                                                      \
            } else if (c > 0) {                                                                    \
                hi = mid;                                                                          \
            } else {                                                                               \
                (r).t = e;                                                                         \
                break;                                                                             \
            }                                                                                      \
        }                                                                                          \
    } while (0)

#define MYL_FB_VEC_TABLE_SKEY(T, f, id, M, kid)                                                    \
    static inline int T##_##f##_key_cmp(const uint8_t *a, const uint8_t *b)                        \
    {                                                                                              \
        myl_fb_str x = myl_fb_get_str(a, kid), y = myl_fb_get_str(b, kid);                         \
        return myl_fb_str_cmp(x.ptr ? x.ptr : "", x.len, y.ptr ? y.ptr : "", y.len);               \
    }                                                                                              \
    MYL_FB__VEC_TABLE_SORTED(T, f, id, M)                                                          \
    static inline M##_table T##_##f##_lookup_by_key_in(myl_fb_vec v, const char *key, size_t len)  \
    {                                                                                              \
        M##_table r = {NULL};                                                                      \
        MYL__FB_SKEY_SEARCH(v, kid, key, len, r);                                                  \
        return r;                                                                                  \
    }                                                                                              \
    static inline M##_table T##_##f##_lookup_by_key(T##_table t, const char *key, size_t len)      \
    {                                                                                              \
        myl_fb_vec v = myl_fb_get_vec(t.t, id);                                                    \
        M##_table r = {NULL};                                                                      \
        MYL__FB_SKEY_SEARCH(v, kid, key, len, r);                                                  \
        return r;                                                                                  \
    }

#ifdef __cplusplus
}
#endif

#endif
