/* Template of the compact codec (codec compact, docs/myl.md "The compact
 * codec") in a generated header: every event, struct and table gets
 * static inline codec functions, so a program compiles (and a compiler
 * optimises) only the codecs it calls, as with flatc's inline C++. Real C
 * with named holes, as header.h; emit_compact.c fills it. The body of a
 * codec is a run of steps, one section each (further down), in wire
 * order: the sections of myl_compact_steps() below are cut out of one
 * function so that they read, compile and format as the C they become. */

/* @@compact_record_doc */
/* Codec compact (docs/myl.md, "The compact codec") of every event and
 * struct: <T>_compact_encode() into buf[0, cap) (*len: the bytes written)
 * and _decode(), 0 or an error; _put() and _get() are the steps that
 * other codecs call. Codecs are static inline: a program compiles only
 * those it uses. */

/* @@compact_record */
static inline void MYLT_T_compact_put(myl_cenc *e, const MYLT_T *m)
{
    MYLT_PUT
}

static inline void MYLT_T_compact_get(myl_cdec *d, MYLT_T *m)
{
    memset(m, 0, sizeof *m);
    MYLT_GET
}

MYL_COMPACT_RECORD_CODEC(MYLT_T)

/* @@compact_table_decl_doc */
/* Tables as plain C values (codec compact), defined further down. */

/* @@compact_table_decl */
typedef struct MYLT_T MYLT_T;

/* @@compact_table_doc */
/* Tables as plain C values, for codec compact (docs/myl.md, "The compact
 * codec"). Absent structs, tables and union values are NULL; strings and
 * [u8]/[i8] point into the decoded message, other sequences and nested
 * tables into the decoder's arena; an optional scalar f (default null)
 * has a bool has_f beside it, and a vector of unions is of myl_cunion
 * (a type code and a pointer to the member's value). <T>_init() sets the
 * defaults; _compact_encode() and _decode() as for events, decoding into
 * arena. The codecs are defined after every table's declaration (tables refer to
 * each other). */

/* @@compact_table */
/* table MYLT_NAME */
struct MYLT_T {
    MYLT_MEMBERS
};

static inline void MYLT_T_compact_put(myl_cenc *e, const MYLT_T *m, unsigned depth);
static inline void MYLT_T_compact_get(myl_cdec *d, MYLT_T *m, myl_carena *a, unsigned depth);

/* @@compact_table_body */
static inline void MYLT_T_init(MYLT_T *m)
{
    memset(m, 0, sizeof *m);
    MYLT_DEFAULTS
}

static inline void MYLT_T_compact_put(myl_cenc *e, const MYLT_T *m, unsigned depth)
{
    if (depth >= MYL_COMPACT_MAX_DEPTH) {
        myl_cenc_fail(e, MYL_EINVAL);
        return;
    }
    MYLT_PUT
}

static inline void MYLT_T_compact_get(myl_cdec *d, MYLT_T *m, myl_carena *a, unsigned depth)
{
    MYLT_T_init(m);
    if (depth >= MYL_COMPACT_MAX_DEPTH) {
        myl_cdec_fail(d, MYL_ECODEC);
        return;
    }
    MYLT_GET
}

MYL_COMPACT_TABLE_CODEC(MYLT_T)

/* @@- */
/* The members of a table's C struct, one section per kind of field: a
 * sequence, a union (its type and its value), a struct or table (a
 * pointer, NULL when absent), a scalar, enum or string. */
struct myl_compact_members {
    /* @@member_seq */
    struct {
        const MYLT_T *p;
        size_t n;
    } MYLT_F;
    /* @@member_union */
    MYLT_T MYLT_F_type;
    const void *MYLT_F;
    /* @@member_ptr */
    const MYLT_T *MYLT_F;
    /* @@member_value */
    MYLT_T MYLT_F;
    /* @@member_optional */
    bool has_MYLT_F;
    MYLT_T MYLT_F;
    /* @@member_none */
    uint8_t unused; /* C has no empty structs */
    /* @@- */
};

/* The steps of the codecs' bodies. MYLT_V is the field (m->name, or an
 * element m->name.p[i]); MYLT_T its C type; MYLT_FN the runtime's
 * myl_cenc_* or myl_cdec_* function of a scalar (builtins.c); MYLT_STEP
 * the step of each element, or of a present value. */
static void myl_compact_steps(myl_cenc *e, myl_cdec *d, myl_carena *a, unsigned depth)
{
    /* @@put_scalar */
    MYLT_FN(e, MYLT_V);
    /* @@get_scalar */
    MYLT_V = MYLT_FN(d);
    /* @@get_cast */
    MYLT_V = (MYLT_T)MYLT_FN(d);
    /* @@put_record */
    MYLT_T_compact_put(e, &MYLT_V);
    /* @@get_record */
    MYLT_T_compact_get(d, &MYLT_V);
    /* @@put_chars */
    myl_cenc_chars(e, MYLT_V, MYLT_COUNT);
    /* @@get_chars */
    myl_cdec_chars(d, MYLT_V, MYLT_COUNT);
    /* @@put_raw */
    myl_cenc_raw(e, MYLT_V, MYLT_COUNT);
    /* @@get_raw */
    myl_cdec_raw(d, MYLT_V, MYLT_COUNT);
    /* @@each */
    for (size_t i = 0; i < MYLT_COUNT; i++) {
        MYLT_STEP
    }
    /* @@put_bytes */
    myl_cenc_bytes(e, MYLT_V.p, MYLT_V.n);
    /* @@get_bytes */
    MYLT_V.n = myl_cdec_bytes(d, &MYLT_V.p, SIZE_MAX);
    /* @@get_bytes_i8 */
    {
        const uint8_t *q;
        MYLT_V.n = myl_cdec_bytes(d, &q, SIZE_MAX);
        MYLT_V.p = (const int8_t *)q;
    }
    /* @@put_str */
    myl_cenc_str(e, MYLT_V.p, MYLT_V.n);
    /* @@get_str */
    MYLT_V.n = myl_cdec_str(d, &MYLT_V.p, SIZE_MAX);
    /* @@put_table */
    MYLT_T_compact_put(e, &MYLT_V, depth + 1);
    /* @@put_seq */
    myl_cenc_uvar(e, MYLT_V.n);
    for (size_t i = 0; i < MYLT_V.n; i++) {
        MYLT_STEP
    }
    /* @@get_seq */
    MYL_CDEC_SEQ(d, a, MYLT_V, MYLT_T, MYLT_FN);
    /* @@get_seq_str */
    MYL_CDEC_SEQ_STR(d, a, MYLT_V);
    /* @@get_seq_record */
    MYL_CDEC_SEQ_RECORD(d, a, MYLT_V, MYLT_T);
    /* @@get_seq_table */
    MYL_CDEC_SEQ_TABLE(d, a, MYLT_V, MYLT_T, MYLT_BOUND, depth + 1);
    /* @@put_ptr_record */
    MYLT_T_compact_put(e, MYLT_V);
    /* @@put_ptr_table */
    MYLT_T_compact_put(e, MYLT_V, depth + 1);
    /* @@get_ptr_record */
    MYL_CDEC_RECORD(d, a, MYLT_V, MYLT_T);
    /* @@get_ptr_table */
    MYL_CDEC_TABLE(d, a, MYLT_V, MYLT_T, depth + 1);
    /* @@put_ptr */
    myl_cenc_bool(e, MYLT_V != NULL);
    if (MYLT_V) {
        MYLT_STEP
    }
    /* @@put_ptr_required */
    myl_cenc_bool(e, MYLT_V != NULL);
    if (MYLT_V) {
        MYLT_STEP
    } else {
        myl_cenc_fail(e, MYL_EINVAL); /* required */
    }
    /* @@get_ptr */
    if (myl_cdec_bool(d)) {
        MYLT_STEP
    }
    /* @@get_ptr_required */
    if (myl_cdec_bool(d)) {
        MYLT_STEP
    } else {
        myl_cdec_fail(d, MYL_ECODEC); /* required */
    }
    /* @@put_union */
    myl_cenc_u8(e, MYLT_V_type);
    switch (MYLT_V_type) {
    case MYLT_U_NONE:
        MYLT_NONE
        break;
        MYLT_CASES
    default:
        myl_cenc_fail(e, MYL_EINVAL);
    }
    /* @@get_union */
    MYLT_V_type = (MYLT_U)myl_cdec_u8(d);
    switch (MYLT_V_type) {
    case MYLT_U_NONE:
        MYLT_NONE
        break;
        MYLT_CASES
    default:
        myl_cdec_fail(d, MYL_ECODEC);
    }
    /* @@- */
    /* A union's cases (MYLT_CASES above), and what its NONE case does when
     * the field is required (MYLT_NONE above). */
    switch (0) {
    case 0:
        /* @@put_union_required */
        myl_cenc_fail(e, MYL_EINVAL); /* required */
        /* @@get_union_required */
        myl_cdec_fail(d, MYL_ECODEC); /* required */
        /* @@put_union_case */
    case MYLT_CODE:
        if (MYLT_V)
            MYLT_T_compact_put(e, (const MYLT_T *)MYLT_V, depth + 1);
        else
            myl_cenc_fail(e, MYL_EINVAL);
        break;
        /* @@get_union_case */
    case MYLT_CODE: {
        MYL_CDEC_TABLE(d, a, MYLT_V, MYLT_T, depth + 1);
        break;
    }
        /* @@put_union_case_struct */
    case MYLT_CODE:
        if (MYLT_V)
            MYLT_T_compact_put(e, (const MYLT_T *)MYLT_V);
        else
            myl_cenc_fail(e, MYL_EINVAL);
        break;
        /* @@get_union_case_struct */
    case MYLT_CODE: {
        MYL_CDEC_RECORD(d, a, MYLT_V, MYLT_T);
        break;
    }
        /* @@put_union_case_string */
    case MYLT_CODE:
        if (MYLT_V)
            MYL_CENC_CSTR(e, MYLT_V);
        else
            myl_cenc_fail(e, MYL_EINVAL);
        break;
        /* @@get_union_case_string */
    case MYLT_CODE: {
        MYL_CDEC_CSTR(d, a, MYLT_V);
        break;
    }
        /* @@- */
    }
    /* @@put_optional */
    myl_cenc_bool(e, MYLT_V);
    if (MYLT_V) {
        MYLT_STEP
    }
    /* @@get_optional */
    MYLT_V = myl_cdec_bool(d);
    if (MYLT_V) {
        MYLT_STEP
    }
    /* @@put_union_vec */
    myl_cenc_uvar(e, MYLT_V.n);
    for (size_t i = 0; i < MYLT_V.n; i++) {
        const myl_cunion *x = &MYLT_V.p[i];
        myl_cenc_u8(e, x->type);
        switch (x->type) {
        case MYLT_U_NONE:
            break;
            MYLT_CASES
        default:
            myl_cenc_fail(e, MYL_EINVAL);
        }
    }
    /* @@get_union_vec */
    {
        size_t n = myl_cdec_count(d, myl_cdec_left(d));
        myl_cunion *q = NULL;
        if (n)
            q = (myl_cunion *)myl_cdec_alloc(d, a, n, sizeof *q, alignof(myl_cunion));
        for (size_t i = 0; q && i < n; i++) {
            q[i].type = myl_cdec_u8(d);
            q[i].value = NULL;
            switch (q[i].type) {
            case MYLT_U_NONE:
                break;
                MYLT_CASES
            default:
                myl_cdec_fail(d, MYL_ECODEC);
            }
        }
        MYLT_V.p = q;
        MYLT_V.n = q ? n : 0;
    }
    /* @@default */
    MYLT_V = MYLT_DEFAULT;
    /* @@- */
}

/* @@- */
/* How a compact channel's _receiver_get() decodes the message m it
 * received into *out: an event or struct, a table into arena. */
static int myl_compact_decode_steps(const myl_frame_msg *m, myl_carena *arena)
{
    int rc;
    /* @@decode_record */
    (void)arena;
    rc = MYLT_T_compact_decode(out, m->data, m->len);
    /* @@decode_table */
    if (arena)
        myl_carena_reset(arena);
    rc = MYLT_T_compact_decode(out, m->data, m->len, arena);
    /* @@- */
    return rc;
}
