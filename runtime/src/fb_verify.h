/* The verifier's body, included twice by fb.c: V(name) names a function
 * of this copy, VSTRICT(v) and VALIGN(v) are the modes (constants in the
 * copy for the default options, the options' fields in the other), so the
 * default verification carries no per-check test of its options. */

/* The official Verify(elem, elem_len). */
static inline bool V(inb)(const vctx *v, uint64_t off, uint64_t len)
{
    return len < v->size && off <= v->size - len;
}

/* V(inb)(v, off, len) for an offset off >= 1 (a table's, or a field's in
 * it): then off + len <= size is the same test, in one comparison (off
 * and len are below 2^40: no overflow). */
static inline bool V(inb1)(const vctx *v, uint64_t off, uint64_t len)
{
    return off + len <= v->size;
}

static inline bool V(aligned)(const vctx *v, uint64_t off, uint64_t a)
{
    (void)v; /* a constant mode does not read it */
    return (off & (a - 1)) == 0 || !VALIGN(v);
}

/* A struct at off aligned to a (> 4) relative to the outermost buffer's
 * start, as well as to this one's (V(aligned)): in a nested buffer, where
 * it lies in memory. Readers hand out typed pointers to structs (T_f(),
 * T_f_at(), T_f_as_m(), the lookup by key), and a misaligned one is
 * undefined behaviour (an aligned SIMD load faults). Checked unless the
 * outermost verifier's alignment checks are off (a nested buffer's own
 * are always on). Alignments of 4 or less need nothing more: a nested
 * buffer starts 4-aligned, after its vector's 4-aligned length. */
static inline bool V(abs_aligned)(const vctx *v, uint64_t off, uint32_t a)
{
    return a <= 4 || !v->abs_align || ((v->origin + off) & (a - 1)) == 0;
}

/* A vector of structs aligned above 4 (a u64 or a double in them, or
 * force_align) starts its elements where the struct's alignment says,
 * relative to its buffer and in memory (V(abs_aligned)), whatever the
 * mode, unless alignment checks are off: see V(abs_aligned). flatc's
 * builders always align them; flatc's verifier does not check (its
 * structs are byte-swapping wrappers). Elements of 4-byte alignment or
 * less follow the 4-aligned length: always aligned. */
static inline bool V(struct_elems_aligned)(const vctx *v, const myl_fb_field_desc *f,
                                           uint64_t target, uint32_t n)
{
    return f->kind != MYL_FB_K_VEC_STRUCT || f->align <= 4 || n == 0 ||
           (V(aligned)(v, target + 4, f->align) && V(abs_aligned)(v, target + 4, f->align));
}

/* The official VerifyOffset: an aligned, in-bounds uoffset, non-zero and
 * below 2^31, whose target has at least one byte in the buffer. */
static inline int V(voffset)(const vctx *v, uint64_t at, uint64_t *target)
{
    if (!V(aligned)(v, at, 4))
        return MYL_EFBALIGN;
    if (!V(inb)(v, at, 4))
        return MYL_EFBBOUNDS;
    uint32_t o = myl_ld32(v->buf + at);
    if (o == 0 || o > (uint32_t)INT32_MAX)
        return MYL_EFBOFFSET;
    if (!V(inb)(v, at + o, 1))
        return MYL_EFBBOUNDS;
    *target = at + o;
    return 0;
}

/* The official VerifyVectorOrString: returns the count and the end. */
static inline int V(vvector)(const vctx *v, uint64_t at, uint32_t elem_size, uint32_t *count,
                             uint64_t *end)
{
    if (!V(aligned)(v, at, 4))
        return MYL_EFBALIGN;
    if (!V(inb)(v, at, 4))
        return MYL_EFBBOUNDS;
    uint32_t n = myl_ld32(v->buf + at);
    /* The official n < MAX / elem_size (so that the byte size cannot
     * overflow), without a division: for integers, n < floor(M / e) is
     * (n + 1) * e <= M, and the product fits 64 bits. */
    if (((uint64_t)n + 1) * elem_size > MYL_FB_MAX_BUFFER_SIZE)
        return MYL_EFBVECLEN;
    uint64_t bytes = 4 + (uint64_t)elem_size * n;
    if (!V(inb)(v, at, bytes))
        return MYL_EFBBOUNDS;
    *count = n;
    *end = at + bytes;
    return 0;
}

static inline int V(vstring)(const vctx *v, uint64_t at, uint64_t *where)
{
    uint32_t n;
    uint64_t end;
    *where = at;
    int rc = V(vvector)(v, at, 1, &n, &end);
    if (rc)
        return rc;
    *where = end;
    if (!V(inb)(v, end, 1))
        return MYL_EFBBOUNDS;
    if (v->buf[end] != 0)
        return MYL_EFBSTRING;
    return 0;
}

static int V(vtable)(vctx *v, uint64_t t, const myl_fb_table_desc *d);

/* A union value that is a struct (flatc's VerifyField<S>(p, 0, align)) or
 * a string (VerifyString). */
static int V(vother)(vctx *v, uint64_t target, const myl_fb_union_member *m,
                     const myl_fb_table_desc *d, const myl_fb_field_desc *f)
{
    uint64_t where;
    int rc;
    switch (m->kind) {
    case MYL_FB_K_STRUCT:
        if (!V(aligned)(v, target, m->align ? m->align : 1) || !V(abs_aligned)(v, target, m->align))
            return vfail(v, MYL_EFBALIGN, target, d, f);
        if (!V(inb)(v, target, m->size))
            return vfail(v, MYL_EFBBOUNDS, target, d, f);
        return 0;
    case MYL_FB_K_STRING:
        rc = V(vstring)(v, target, &where);
        return rc ? vfail(v, rc, where, d, f) : 0;
    default:
        return vfail(v, MYL_EINVAL, target, d, f);
    }
}

static int V(vunion)(vctx *v, uint64_t t, uint64_t vt, uint32_t vsize, const myl_fb_table_desc *d,
                     const myl_fb_field_desc *f, bool present, uint64_t target)
{
    /* The type field, read as the official code reads it (absent: NONE);
     * checked here too so that descriptor order does not matter. */
    uint32_t vo = MYL_FB_VT(f->type_id);
    uint16_t to = vo < vsize ? myl_ld16(v->buf + vt + vo) : 0;
    uint8_t type = 0;
    if (to) {
        if (!V(inb)(v, t + to, 1))
            return vfail(v, MYL_EFBBOUNDS, t + to, d, f);
        type = v->buf[t + to];
    }
    const myl_fb_union_desc *u = f->un;
    if (type == 0) {
        if (VSTRICT(v) && present)
            return vfail(v, MYL_EFBUNION, t + to, d, f);
        return 0;
    }
    if (u && type <= u->count && !u->members[type - 1] && u->others &&
        u->others[type - 1].kind) /* a struct or a string */
    {
        /* flatc verifies an absent struct value as a struct at NULL:
         * rejected; an absent string (or table) passes */
        if (present)
            return V(vother)(v, target, &u->others[type - 1], d, f);
        if (VSTRICT(v) || u->others[type - 1].kind == MYL_FB_K_STRUCT)
            return vfail(v, MYL_EFBUNION, t + to, d, f);
        return 0;
    }
    if (!u || type > u->count || !u->members[type - 1]) {
        /* Unknown member: the official verifier accepts it (forward
         * compatibility), and so does ours unless strict. */
        if (VSTRICT(v))
            return vfail(v, MYL_EFBUNION, t + to, d, f);
        return 0;
    }
    if (!present) {
        if (VSTRICT(v))
            return vfail(v, MYL_EFBUNION, t + to, d, f);
        return 0;
    }
    return V(vtable)(v, target, u->members[type - 1]);
}

/* flatc's Verify<U>Vector(values, types) for a [U] whose values vector
 * (n uoffsets at `values`, or none: values == 0) was verified: the types
 * vector (field f->type_id, a [ubyte] verified before it) must be there
 * exactly when the values are, with the same length; then each value is
 * verified as the member table its type names (NONE and unknown types:
 * not verified). */
static int V(vunionvec)(vctx *v, uint64_t t, uint64_t vt, uint32_t vsize,
                        const myl_fb_table_desc *d, const myl_fb_field_desc *f, uint64_t values,
                        uint32_t n)
{
    uint32_t tvo = MYL_FB_VT(f->type_id);
    uint16_t tfo = tvo < vsize ? myl_ld16(v->buf + vt + tvo) : 0;
    if (!tfo || !values)
        return !tfo && !values ? 0 : vfail(v, MYL_EFBUNION, t, d, f);
    /* verified as its own field too; again here so that descriptor order
     * does not matter */
    uint64_t types, end;
    uint32_t tn;
    int rc = V(voffset)(v, t + tfo, &types);
    if (!rc)
        rc = V(vvector)(v, types, 1, &tn, &end);
    if (rc)
        return vfail(v, rc, t + tfo, d, f);
    if (tn != n)
        return vfail(v, MYL_EFBUNION, values, d, f);
    const myl_fb_union_desc *u = f->un;
    if (!u)
        return vfail(v, MYL_EINVAL, values, d, f);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t type = v->buf[types + 4 + i];
        uint64_t e = values + 4 + 4 * (uint64_t)i;
        if (type && type <= u->count && !u->members[type - 1] && u->others &&
            u->others[type - 1].kind) {
            rc = V(vother)(v, e + myl_ld32(v->buf + e), &u->others[type - 1], d, f);
            if (rc)
                return rc;
            continue;
        }
        if (type == 0 || type > u->count || !u->members[type - 1])
            continue;
        rc = V(vtable)(v, e + myl_ld32(v->buf + e), u->members[type - 1]);
        if (rc)
            return rc;
    }
    return 0;
}

static int V(vfield)(vctx *v, uint64_t t, uint64_t vt, uint32_t vsize, uint32_t objsize,
                     const myl_fb_table_desc *d, const myl_fb_field_desc *f)
{
    uint32_t vo = MYL_FB_VT(f->id);
    uint16_t fo = vo < vsize ? myl_ld16(v->buf + vt + vo) : 0;
    int rc;
    if (!fo) {
        if (f->flags & MYL_FB_F_REQUIRED)
            return vfail(v, MYL_EFBREQUIRED, t, d, f);
        /* strict: a type without a value; any mode: a struct member's
         * type without a value (flatc rejects it) */
        if (f->kind == MYL_FB_K_UNION && (VSTRICT(v) || (f->un && f->un->others)))
            return V(vunion)(v, t, vt, vsize, d, f, false, 0);
        if (f->kind == MYL_FB_K_VEC_UNION) /* types without values */
            return V(vunionvec)(v, t, vt, vsize, d, f, 0, 0);
        return 0;
    }
    uint64_t at = t + fo;
    uint32_t size, align;
    switch (f->kind) {
    case MYL_FB_K_SCALAR:
        size = align = f->size;
        break;
    case MYL_FB_K_UNION_TYPE:
        size = align = 1;
        break;
    case MYL_FB_K_STRUCT:
        size = f->size;
        align = f->align ? f->align : 1;
        break;
    default:
        size = align = 0; /* a uoffset: below */
        break;
    }
    if (size) {
        /* inline data: scalar, struct or union type */
        if (VSTRICT(v) && (uint32_t)fo + size > objsize)
            return vfail(v, MYL_EFBVTABLE, vt + vo, d, f);
        if (!V(aligned)(v, at, align) ||
            (f->kind == MYL_FB_K_STRUCT && !V(abs_aligned)(v, at, align)))
            return vfail(v, MYL_EFBALIGN, at, d, f);
        if (!V(inb)(v, at, size))
            return vfail(v, MYL_EFBBOUNDS, at, d, f);
        return 0;
    }
    if (VSTRICT(v) && (uint32_t)fo + 4 > objsize)
        return vfail(v, MYL_EFBVTABLE, vt + vo, d, f);
    uint64_t target;
    rc = V(voffset)(v, at, &target);
    if (rc)
        return vfail(v, rc, at, d, f);
    uint32_t n;
    uint64_t end, where;
    switch (f->kind) {
    case MYL_FB_K_STRING:
        rc = V(vstring)(v, target, &where);
        return rc ? vfail(v, rc, where, d, f) : 0;
    case MYL_FB_K_TABLE:
        return V(vtable)(v, target, f->table);
    case MYL_FB_K_VEC_SCALAR:
    case MYL_FB_K_VEC_STRUCT:
        if (f->size == 0)
            return vfail(v, MYL_EINVAL, at, d, f);
        rc = V(vvector)(v, target, f->size, &n, &end);
        if (rc)
            return vfail(v, rc, target, d, f);
        if (VSTRICT(v) && n) {
            uint32_t ea = f->kind == MYL_FB_K_VEC_SCALAR ? f->size : (f->align ? f->align : 1);
            if (((target + 4) & (ea - 1)) != 0)
                return vfail(v, MYL_EFBALIGN, target + 4, d, f);
        }
        if (!V(struct_elems_aligned)(v, f, target, n))
            return vfail(v, MYL_EFBALIGN, target + 4, d, f);
        return 0;
    case MYL_FB_K_VEC_STRING:
    case MYL_FB_K_VEC_TABLE:
        rc = V(vvector)(v, target, 4, &n, &end);
        if (rc)
            return vfail(v, rc, target, d, f);
        for (uint32_t i = 0; i < n; i++) {
            /* Elements are followed without the non-zero test that
             * field offsets get: that is what the official code does. */
            uint64_t e = target + 4 + 4 * (uint64_t)i;
            uint64_t o = e + myl_ld32(v->buf + e);
            if (f->kind == MYL_FB_K_VEC_STRING) {
                rc = V(vstring)(v, o, &where);
                if (rc)
                    return vfail(v, rc, where, d, f);
            } else {
                rc = V(vtable)(v, o, f->table);
                if (rc)
                    return rc;
            }
        }
        return 0;
    case MYL_FB_K_VEC_NESTED:
        rc = V(vvector)(v, target, 1, &n, &end);
        if (!rc)
            rc = vnested(v, target + 4, n, f->table);
        return rc ? vfail(v, rc, target, d, f) : 0;
    case MYL_FB_K_UNION:
        return V(vunion)(v, t, vt, vsize, d, f, true, target);
    case MYL_FB_K_VEC_UNION:
        rc = V(vvector)(v, target, 4, &n, &end);
        if (rc)
            return vfail(v, rc, target, d, f);
        return V(vunionvec)(v, t, vt, vsize, d, f, target, n);
    default:
        return vfail(v, MYL_EINVAL, at, d, f);
    }
}

static int V(vtable)(vctx *v, uint64_t t, const myl_fb_table_desc *d)
{
    if (!d)
        return vfail(v, MYL_EINVAL, t, d, NULL);
    if (!V(aligned)(v, t, 4))
        return vfail(v, MYL_EFBALIGN, t, d, NULL);
    if (!V(inb)(v, t, 4))
        return vfail(v, MYL_EFBBOUNDS, t, d, NULL);
    /* The vtable may sit before or after its table; the subtraction wraps
     * (as size_t does in the official code) and the bounds check catches
     * the result. */
    uint64_t vt = t - (uint64_t)(int64_t)(int32_t)myl_ld32(v->buf + t);
    v->depth++;
    v->tables++;
    if (v->depth > v->max_depth)
        return vfail(v, MYL_EFBDEPTH, t, d, NULL);
    if (v->tables > v->max_tables)
        return vfail(v, MYL_EFBTABLES, t, d, NULL);
    if (!V(aligned)(v, vt, 2))
        return vfail(v, MYL_EFBALIGN, vt, d, NULL);
    if (!V(inb)(v, vt, 2))
        return vfail(v, MYL_EFBBOUNDS, vt, d, NULL);
    uint32_t vsize = myl_ld16(v->buf + vt);
    if (vsize & 1)
        return vfail(v, MYL_EFBVTABLE, vt, d, NULL);
    if (!V(inb)(v, vt, vsize))
        return vfail(v, MYL_EFBBOUNDS, vt, d, NULL);
    uint32_t objsize = 0;
    if (VSTRICT(v)) {
        if (vsize < 4)
            return vfail(v, MYL_EFBVTABLE, vt, d, NULL);
        objsize = myl_ld16(v->buf + vt + 2);
        if (objsize < 4)
            return vfail(v, MYL_EFBVTABLE, vt, d, NULL);
        if (!V(inb)(v, t, objsize))
            return vfail(v, MYL_EFBBOUNDS, t, d, NULL);
    }
    const uint8_t *vtp = v->buf + vt;
    /* checked when absent: a union's value, a vector of unions */
    const uint32_t absent_kinds = 1u << MYL_FB_K_UNION | 1u << MYL_FB_K_VEC_UNION;
    const myl_fb_field_desc *end = d->fields + d->nfields;
    for (const myl_fb_field_desc *f = d->fields; f < end; f++) {
        uint32_t vo = MYL_FB_VT(f->id);
        uint16_t fo = vo < vsize ? myl_ld16(vtp + vo) : 0;
        uint32_t kind = f->kind;
        /* Fast paths for the common cases: a field absent and not
         * required (unless a union's value or a vector of unions: their
         * types are checked with them), checked first as most fields of a
         * wide table are; an inline value aligned and inside the buffer,
         * a string, a vector of scalars or structs, a table. Anything else
         * (and any failure, to report it) goes through V(vfield)(). */
        if (!fo) {
            if (!((f->flags & MYL_FB_F_REQUIRED) | ((1u << (kind & 31)) & absent_kinds)))
                continue;
        } else if (!VSTRICT(v)) {
            uint64_t at = t + fo; /* >= 1: t is */
            if (kind == MYL_FB_K_SCALAR) {
                if (V(aligned)(v, at, f->size) && V(inb1)(v, at, f->size))
                    continue;
            } else if (kind == MYL_FB_K_STRING) {
                uint64_t s, where;
                if (V(voffset)(v, at, &s) == 0 && V(vstring)(v, s, &where) == 0)
                    continue;
            } else if (kind == MYL_FB_K_VEC_SCALAR || kind == MYL_FB_K_VEC_STRUCT) {
                uint64_t s, end;
                uint32_t n;
                if (f->size && V(voffset)(v, at, &s) == 0 &&
                    V(vvector)(v, s, f->size, &n, &end) == 0 && V(struct_elems_aligned)(v, f, s, n))
                    continue;
            } else if (kind == MYL_FB_K_TABLE) {
                uint64_t s;
                if (V(voffset)(v, at, &s) == 0) {
                    int rc = V(vtable)(v, s, f->table);
                    if (rc)
                        return rc;
                    continue;
                }
            } else if (kind == MYL_FB_K_STRUCT || kind == MYL_FB_K_UNION_TYPE) {
                uint32_t size = kind == MYL_FB_K_STRUCT ? f->size : 1;
                uint32_t align = kind == MYL_FB_K_STRUCT && f->align ? f->align : 1;
                if (V(aligned)(v, at, align) && V(abs_aligned)(v, at, align) &&
                    V(inb1)(v, at, size))
                    continue;
            }
        }
        int rc = V(vfield)(v, t, vt, vsize, objsize, d, f);
        if (rc)
            return rc;
    }
    v->depth--;
    return 0;
}
