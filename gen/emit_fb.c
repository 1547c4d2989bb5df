/* Emit: FlatBuffers (layer 3) readers, builders and verifier descriptors
 * of tables and unions, from the fb_* sections of templates/header.h and
 * templates/source.c (structs are types: emit_types.c). Each table field
 * picks one section by its type; this file only chooses sections and
 * fills their holes. docs/FLATBUFFERS.md describes the generated API.
 */
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "format.h"

/* The shared helpers (emit.h) by the short names this file's emitters
 * have always used. */
#define fmt mylc_fmt
#define cstr mylc_cstr
#define explain_once mylc_explain_once
#define emit_doc mylc_emit_doc
#define init_list mylc_init_list
#define init_short mylc_init_short

/* ---- FlatBuffers: structs, tables, unions (layer 3) ---- */

static bool is_fb_scalar(const mylc_type *t)
{
    /* resolve() gave every named type its decl. */
    /* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
    return t->base != MYLC_T_NAMED || t->decl->kind == MYLC_D_ENUM;
}

/* The scalar under a scalar or enum type. */
static mylc_builtin scalar_of(const mylc_type *t)
{
    return t->base == MYLC_T_NAMED ? t->decl->under.base : t->base;
}

static const char *scalar_ctype(const mylc_type *t)
{
    return t->base == MYLC_T_NAMED ? t->decl->cname : mylc_builtin_ctype(t->base);
}

/* A C literal of an integer bit pattern of scalar type b. */
static const char *int_literal(mylc_ctx *c, mylc_builtin b, uint64_t u)
{
    int64_t i = (int64_t)u;
    switch (b) {
    case MYLC_T_U64:
        return fmt(c, "UINT64_C(%llu)", (unsigned long long)u);
    case MYLC_T_I64:
        return i == INT64_MIN ? "INT64_MIN" : fmt(c, "INT64_C(%lld)", (long long)i);
    case MYLC_T_I32:
        return i == INT32_MIN ? "INT32_MIN" : fmt(c, "%lld", (long long)i);
    case MYLC_T_U32:
        return fmt(c, "%lluu", (unsigned long long)u);
    default:
        return mylc_builtin_is_signed(b) ? fmt(c, "%lld", (long long)i)
                                         : fmt(c, "%llu", (unsigned long long)u);
    }
}

/* A field's default as a C expression of its type. */
static const char *default_literal(mylc_ctx *c, const mylc_field *f)
{
    const mylc_type *t = &f->type;
    const mylc_value *v = f->optional ? NULL : f->dflt; /* null: 0 when absent */
    mylc_builtin b = scalar_of(t);
    if (t->base == MYLC_T_NAMED) {
        uint64_t bits = 0;
        if (v && v->kind == MYLC_V_IDENT) {
            const char *dot = memchr(v->text.p, '.', v->text.n);
            mylc_str n = v->text;
            if (dot) {
                n.p = dot + 1;
                n.n = (uint32_t)(v->text.p + v->text.n - n.p);
            }
            for (const mylc_enumval *e = t->decl->values; e; e = e->next)
                if (mylc_str_same(e->name, n))
                    return mylc_name_join(c, t->decl->cname, cstr(c, e->name));
        } else if (v) {
            bits = mylc_int_text(v->text);
            if (v->neg)
                bits = (uint64_t)0 - bits;
        }
        for (const mylc_enumval *e = t->decl->values; e; e = e->next)
            if (e->u == bits || (uint64_t)e->i == bits)
                return mylc_name_join(c, t->decl->cname, cstr(c, e->name));
        return fmt(c, "(%s)%s", t->decl->cname, int_literal(c, b, bits));
    }
    if (b == MYLC_T_BOOL)
        return v && mylc_str_eq(v->text, "true") ? "true" : "false";
    if (b == MYLC_T_F32 || b == MYLC_T_F64) {
        const char *sfx = b == MYLC_T_F32 ? "f" : "";
        if (!v)
            return fmt(c, "0.0%s", sfx);
        if (v->kind == MYLC_V_IDENT) /* nan, inf, infinity (check.c) */
            return mylc_str_eq(v->text, "nan") ? "NAN" : v->neg ? "-INFINITY" : "INFINITY";
        if (v->kind == MYLC_V_INT)
            return fmt(c, "%s%llu.0%s", v->neg ? "-" : "",
                       (unsigned long long)mylc_int_text(v->text), sfx);
        if (memchr(v->text.p, 'x', v->text.n) || memchr(v->text.p, 'X', v->text.n)) {
            /* A hexadecimal float (C99, but C++ only from C++17): as a
             * decimal literal of the same double (17 digits: exact). */
            char text[80], dec[40];
            snprintf(text, sizeof text, "%.*s", (int)v->text.n, v->text.p);
            snprintf(dec, sizeof dec, "%.17g", strtod(text, NULL));
            return fmt(c, "%s%s%s%s", v->neg ? "-" : "", dec, strpbrk(dec, ".en") ? "" : ".0", sfx);
        }
        return fmt(c, "%s%.*s%s", v->neg ? "-" : "", (int)v->text.n, v->text.p, sfx);
    }
    uint64_t bits = 0;
    if (v) {
        bits = mylc_int_text(v->text);
        if (v->neg)
            bits = (uint64_t)0 - bits;
    }
    return int_literal(c, b, bits);
}

/* The myl_fb_add_* suffix for a scalar and the C type it takes. */
static void add_call(mylc_ctx *c, mylc_builtin b, const char **add, const char **wtype)
{
    switch (b) {
    case MYLC_T_F32:
    case MYLC_T_F64:
        *add = mylc_builtins[b].fb;
        *wtype = mylc_builtin_ctype(b);
        return;
    default: {
        uint32_t sz = mylc_builtin_size(b);
        *add = fmt(c, "u%u", sz * 8);
        *wtype = fmt(c, "uint%u_t", sz * 8);
        return;
    }
    }
}

/* A union member's declaration (a table or struct), or NULL for a
 * string member. */
static mylc_decl *union_member(mylc_ctx *c, const mylc_decl *u, const mylc_value *mv)
{
    if (mylc_str_eq(mv->text, "string"))
        return NULL;
    return mylc_lookup_from(c, u, mv->text, mv->off, false);
}

/* fb_start_align(): a declaration x reached, a struct's alignment taken,
 * a table or union queued in seen (pointers) once. */
static void fb_reach(const mylc_decl *x, mylc_buf *seen, uint32_t *align)
{
    if (x->kind == MYLC_D_STRUCT) {
        if (x->align > *align)
            *align = x->align;
        return;
    }
    if (x->kind != MYLC_D_TABLE && x->kind != MYLC_D_UNION)
        return;
    for (size_t k = 0; k < seen->n; k += sizeof x)
        if (memcmp(seen->p + k, &x, sizeof x) == 0)
            return;
    mylc_buf_put(seen, (const char *)&x, sizeof x);
}

/* The largest alignment the start of a FlatBuffer whose root is table
 * root can need: that of the largest struct it can hold (inline, in a
 * vector, as a union's member), through its tables, unions and nested
 * buffers (theirs start aligned relative to it); 1 if none. A nested
 * buffer's bytes are placed at it (T_create_f), so that its structs are
 * aligned in memory (docs/FLATBUFFERS.md, "Nested buffers aligned"). */
static uint32_t fb_start_align(mylc_ctx *c, const mylc_decl *root)
{
    mylc_buf seen = {0}; /* the tables and unions met */
    uint32_t align = 1;
    fb_reach(root, &seen, &align);
    for (size_t next = 0; next < seen.n; next += sizeof root) {
        const mylc_decl *d;
        memcpy(&d, seen.p + next, sizeof d);
        if (d->kind == MYLC_D_UNION) {
            for (const mylc_value *mv = d->members; mv; mv = mv->next) {
                const mylc_decl *md = union_member(c, d, mv); /* NULL: a string */
                if (md)
                    fb_reach(md, &seen, &align);
            }
            continue;
        }
        for (const mylc_field *f = d->fields; f; f = f->next) {
            if (f->deprecated)
                continue;
            if (f->nested)
                fb_reach(f->nested, &seen, &align);
            else if (f->type.base == MYLC_T_NAMED && f->type.decl)
                fb_reach(f->type.decl, &seen, &align);
        }
    }
    mylc_buf_free(&seen);
    return align;
}

/* The descriptor entry of a field (one line of an initializer). */
static void field_desc(mylc_ctx *c, const mylc_field *f, mylc_buf *o)
{
    const mylc_type *t = &f->type;
    const char *name = cstr(c, f->name);
    const char *flags = f->required ? "MYL_FB_F_REQUIRED" : "0";
    const mylc_decl *x = t->base == MYLC_T_NAMED ? t->decl : NULL;
    if (x && x->kind == MYLC_D_UNION && t->shape == MYLC_SHAPE_VECTOR) {
        /* [U]: a [ubyte] of types, then the values */
        mylc_buf_printf(o, "    {\"%s_type\", %u, MYL_FB_K_VEC_SCALAR, 0, 1, 0, 0, NULL, NULL},\n",
                        name, f->id - 1);
        mylc_buf_printf(o, "    {\"%s\", %u, MYL_FB_K_VEC_UNION, %s, 0, 0, %u, NULL, &%s_desc},\n",
                        name, f->id, flags, f->id - 1, x->cname);
        return;
    }
    if (x && x->kind == MYLC_D_UNION) {
        mylc_buf_printf(o, "    {\"%s_type\", %u, MYL_FB_K_UNION_TYPE, 0, 1, 0, 0, NULL, NULL},\n",
                        name, f->id - 1);
        mylc_buf_printf(o, "    {\"%s\", %u, MYL_FB_K_UNION, %s, 0, 0, %u, NULL, &%s_desc},\n",
                        name, f->id, flags, f->id - 1, x->cname);
        return;
    }
    bool vec = t->shape == MYLC_SHAPE_VECTOR;
    const char *kind;
    uint64_t size = 0;
    uint32_t align = 0;
    const char *table = "NULL";
    if (t->base == MYLC_T_STRING) {
        kind = vec ? "MYL_FB_K_VEC_STRING" : "MYL_FB_K_STRING";
    } else if (f->nested) {
        kind = "MYL_FB_K_VEC_NESTED"; /* the bytes, then the buffer they hold */
        size = 1;
        table = fmt(c, "&%s_desc", f->nested->cname);
    } else if (is_fb_scalar(t)) {
        kind = vec ? "MYL_FB_K_VEC_SCALAR" : "MYL_FB_K_SCALAR";
        size = mylc_builtin_size(scalar_of(t));
    } else if (x->kind == MYLC_D_STRUCT) {
        kind = vec ? "MYL_FB_K_VEC_STRUCT" : "MYL_FB_K_STRUCT";
        size = x->size;
        align = x->align;
    } else {
        kind = vec ? "MYL_FB_K_VEC_TABLE" : "MYL_FB_K_TABLE";
        table = fmt(c, "&%s_desc", x->cname);
    }
    mylc_buf_printf(o, "    {\"%s\", %u, %s, %s, %llu, %u, 0, %s, NULL},\n", name, f->id, kind,
                    flags, (unsigned long long)size, align, table);
}

/* One line per field: the MYL_FB_* macro of its kind (myelon/fb.h) defines
 * its readers and builders. */
static void emit_fb_field(mylc_ctx *c, mylc_decl *d, mylc_field *f, mylc_buf *h)
{
    const mylc_type *t = &f->type;
    const mylc_decl *x = t->base == MYLC_T_NAMED ? t->decl : NULL;
    const char *sec;
    const char *ctype = "", *get = "", *def = "", *add = "", *w = "", *s = "", *m = "", *u = "",
               *e = "", *size = "", *align = "", *kid = "";
    if (t->shape == MYLC_SHAPE_VECTOR) {
        if (t->base == MYLC_T_STRING) {
            sec = "fb_vec_string";
        } else if (f->nested) {
            sec = "fb_vec_nested"; /* [u8] holding a FlatBuffer */
            m = f->nested->cname;
            align = fmt(c, "%u", fb_start_align(c, f->nested));
        } else if (is_fb_scalar(t)) {
            sec = "fb_vec_scalar";
            e = scalar_ctype(t);
            get = mylc_builtins[scalar_of(t)].fb;
            size = fmt(c, "%u", mylc_builtin_size(scalar_of(t)));
        } else if (x->kind == MYLC_D_STRUCT) {
            sec = "fb_vec_struct";
            e = x->cname;
            size = fmt(c, "%llu", (unsigned long long)x->size);
            align = fmt(c, "%u", x->align);
            if (x->key) { /* sorted by the key member: lookup by key */
                sec = "fb_vec_struct_key";
                ctype = scalar_ctype(&x->key->type);
                kid = cstr(c, x->key->name);
            }
        } else if (x->kind == MYLC_D_UNION) {
            sec = "fb_vec_union"; /* two vectors: types and values */
            u = x->cname;
        } else if (x->key) {
            /* sorted by the element's key: lookup by key (fb.h) */
            const mylc_field *k = x->key;
            e = x->cname;
            kid = fmt(c, "%u", k->id);
            if (k->type.base == MYLC_T_STRING) {
                sec = "fb_vec_table_skey";
            } else {
                sec = "fb_vec_table_key";
                ctype = scalar_ctype(&k->type);
                get = mylc_builtins[scalar_of(&k->type)].fb;
                def = default_literal(c, k);
            }
        } else {
            sec = "fb_vec_table";
            e = x->cname;
        }
    } else if (t->base == MYLC_T_STRING) {
        sec = "fb_string";
    } else if (is_fb_scalar(t)) {
        sec = "fb_scalar";
        ctype = scalar_ctype(t);
        get = mylc_builtins[scalar_of(t)].fb;
        def = default_literal(c, f);
        add_call(c, scalar_of(t), &add, &w);
        if (f->optional)
            sec = "fb_scalar_opt"; /* no default: always written */
        else if (strcmp(def, "NAN") == 0)
            sec = "fb_scalar_nan"; /* NaN == NaN is false */
    } else if (x->kind == MYLC_D_STRUCT) {
        sec = "fb_struct";
        s = x->cname;
        size = fmt(c, "%llu", (unsigned long long)x->size);
        align = fmt(c, "%u", x->align);
    } else if (x->kind == MYLC_D_TABLE) {
        sec = "fb_subtable";
        m = x->cname;
    } else {
        sec = "fb_union";
        u = x->cname;
    }
    mylc_hole holes[] = {
        {"T", d->cname},
        {"F", cstr(c, f->name)},
        {"ID", fmt(c, "%u", f->id)},
        {"TID", fmt(c, "%u", f->id ? f->id - 1 : 0)},
        {"CTYPE", ctype},
        {"GET", get},
        {"DEF", def},
        {"ADD", add},
        {"W", w},
        {"S", s},
        {"M", m},
        {"U", u},
        {"E", e},
        {"SIZE", size},
        {"ALIGN", align},
        {"KID", kid},
        {NULL, NULL},
    };
    emit_doc(h, f->doc);
    mylc_tpl_fill(h, mylc_tpl_section(mylc_tpl_header, sec), holes);
    if (x && x->kind == MYLC_D_UNION) {
        for (const mylc_value *mv = x->members; mv; mv = mv->next) {
            mylc_decl *md = union_member(c, x, mv); /* NULL: a string */
            mylc_hole mh[] = {
                {"T", d->cname},
                {"F", cstr(c, f->name)},
                {"ID", fmt(c, "%u", f->id)},
                {"TID", fmt(c, "%u", f->id - 1)},
                {"U", x->cname},
                {"M", md ? md->cname : ""},
                {"MN", mylc_member_name(c, mv)},
                {NULL, NULL},
            };
            const char *ms = !md ? "string" : md->kind == MYLC_D_STRUCT ? "struct" : "member";
            bool vec = t->shape == MYLC_SHAPE_VECTOR;
            mylc_tpl_fill(
                h,
                mylc_tpl_section(mylc_tpl_header, fmt(c, "fb_%sunion_%s", vec ? "vec_" : "", ms)),
                mh);
        }
    }
}

/* ---- T_create(): a table's layout fixed at compile time ---- */

/* What an inline item of a fixed table holds. */
typedef enum fixed_role {
    FIXED_SCALAR, /* a scalar or enum, stored by value */
    FIXED_REF,    /* a uoffset: string, vector, table or union value */
    FIXED_STRUCT, /* copied from a pointer */
    FIXED_TYPE,   /* a union's type byte */
} fixed_role;

/* One inline item: a field, or a union's type. */
typedef struct fixed_item {
    const mylc_field *f;
    fixed_role role;
    const char *ctype; /* the parameter's C type (a struct's, for a pointer) */
    mylc_builtin scalar;
    uint32_t slot;   /* vtable slot (field id) */
    uint32_t size;   /* bytes in the table */
    uint32_t align;  /* a power of two */
    uint32_t off[2]; /* from the table's start, at either phase */
} fixed_item;

/* Most alignment first, then most bytes, then slot: the order items are
 * placed in. */
static int fixed_cmp(const void *a, const void *b)
{
    const fixed_item *x = a, *y = b;
    if (x->align != y->align)
        return x->align > y->align ? -1 : 1;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    return x->slot < y->slot ? -1 : x->slot > y->slot;
}

/* The inline items of table d in slot order (it: room for 2 * nids), or
 * false when it cannot have a fixed layout: an optional scalar (present
 * or not at run time), a vector of unions (two vectors for one field), a
 * struct aligned above MYL_FB_REGION_ALIGN (which the builder honours in
 * some regions only). */
static bool fixed_items(const mylc_decl *d, fixed_item *it, uint32_t *n)
{
    *n = 0;
    for (uint32_t id = 0; id < d->nids; id++)
        for (const mylc_field *f = d->fields; f; f = f->next) {
            if (f->id != id || f->deprecated)
                continue;
            const mylc_type *t = &f->type;
            const mylc_decl *x = t->base == MYLC_T_NAMED ? t->decl : NULL;
            if (t->base == MYLC_T_NAMED && !x)
                return false; /* unresolved: reported already */
            fixed_item e = {f, FIXED_REF, "myl_fb_ref", MYLC_T_U32, f->id, 4, 4, {0, 0}};
            if (t->shape == MYLC_SHAPE_VECTOR) {
                if (x && x->kind == MYLC_D_UNION)
                    return false;
            } else if (x && x->kind == MYLC_D_UNION) {
                fixed_item ty = {f, FIXED_TYPE, x->cname, MYLC_T_U8, f->id - 1, 1, 1, {0, 0}};
                it[(*n)++] = ty;
            } else if (x && x->kind == MYLC_D_STRUCT) {
                if (x->align > 8 || x->size > 0xffffu)
                    return false;
                e.role = FIXED_STRUCT;
                e.ctype = x->cname;
                e.size = (uint32_t)x->size;
                e.align = x->align ? x->align : 1;
            } else if (t->base != MYLC_T_STRING && (!x || x->kind == MYLC_D_ENUM)) {
                if (f->optional)
                    return false;
                e.role = FIXED_SCALAR;
                e.scalar = x ? x->under.base : t->base;
                e.ctype = x ? x->cname : mylc_builtin_ctype(t->base);
                e.size = e.align = mylc_builtin_size(e.scalar);
            }
            it[(*n)++] = e;
        }
    return true;
}

/* Offsets for the items (sorted by fixed_cmp) in a table that starts at
 * phase (0 or 4) modulo 8: each at the first offset at which it is
 * aligned and overlaps neither the soffset [0, 4) nor an item placed
 * before. A table with 8-byte items gets both layouts, so that the
 * builder can take the one that needs no padding in front of it (the
 * head is 4 off 8 after an odd number of 4-byte words, a string's or a
 * vector's end, as often as not). The object's size, 0 when over 0xffff
 * bytes. */
static uint32_t fixed_place(fixed_item *it, uint32_t n, uint32_t phase)
{
    const uint32_t k = phase ? 1 : 0;
    uint32_t size = 4;
    for (uint32_t i = 0; i < n; i++) {
        const uint32_t a = it[i].align;
        uint32_t o = 4;
        for (;;) {
            o = ((o + phase + a - 1) & ~(a - 1)) - phase;
            uint32_t j = 0;
            for (; j < i; j++)
                if (o < it[j].off[k] + it[j].size && it[j].off[k] < o + it[i].size)
                    break;
            if (j == i)
                break;
            o = it[j].off[k] + it[j].size; /* past the item in the way */
        }
        it[i].off[k] = o;
        if (o + it[i].size > size)
            size = o + it[i].size;
        if (size > 0xffffu)
            return 0;
    }
    return size;
}

/* Table d's items placed (*n of them, sorted by placement; free() it),
 * the object's size at either phase and its alignment, or NULL when it
 * has no T_create(). */
static fixed_item *fixed_layout(const mylc_decl *d, uint32_t *n, uint32_t objsize[2],
                                uint32_t *align)
{
    fixed_item *it = calloc(2 * (size_t)d->nids + 1, sizeof *it);
    if (!it || !fixed_items(d, it, n) || 4 + 2 * d->nids > 0xffffu) {
        free(it);
        return NULL;
    }
    qsort(it, *n, sizeof *it, fixed_cmp);
    *align = 4;
    for (uint32_t i = 0; i < *n; i++)
        *align = it[i].align > *align ? it[i].align : *align;
    objsize[0] = fixed_place(it, *n, 0);
    objsize[1] = fixed_place(it, *n, 4);
    if (!objsize[0] || !objsize[1]) {
        free(it);
        return NULL;
    }
    return it;
}

bool mylc_fb_has_create(const mylc_decl *d)
{
    uint32_t n, objsize[2], align;
    fixed_item *it = fixed_layout(d, &n, objsize, &align);
    free(it);
    return it != NULL;
}

/* The offset of slot s at phase k in the placed items, 0 for none; its
 * name. */
static uint32_t fixed_slot(mylc_ctx *c, const fixed_item *it, uint32_t n, uint32_t s, uint32_t k,
                           const char **name)
{
    *name = "(deprecated)";
    for (uint32_t i = 0; i < n; i++)
        if (it[i].slot == s) {
            *name = fmt(c, "%s%s", cstr(c, it[i].f->name), it[i].role == FIXED_TYPE ? "_type" : "");
            return it[i].off[k];
        }
    return 0;
}

/* The declaration of vtable var at phase k: on one line, else one entry
 * a line, named (a trailing comma keeps clang-format from packing
 * them). */
static void fixed_vtable(mylc_ctx *c, const mylc_decl *d, const fixed_item *it, uint32_t n,
                         uint32_t objsize, uint32_t k, const char *var, mylc_buf *vt)
{
    const uint32_t vtsize = 4 + 2 * d->nids;
    const char *name;
    const size_t start = vt->n;
    mylc_buf_printf(vt, "    static const uint16_t %s[%u] = {%u, %u", var, vtsize / 2, vtsize,
                    objsize);
    for (uint32_t s = 0; s < d->nids; s++)
        mylc_buf_printf(vt, ", %u", fixed_slot(c, it, n, s, k, &name));
    mylc_buf_puts(vt, "};");
    if (vt->n - start <= MYLC_COLUMNS)
        return;
    /* the comments aligned one space after the widest entry */
    int w = (int)strlen(fmt(c, "%u,", objsize > vtsize ? objsize : vtsize));
    for (uint32_t s = 0; s < d->nids; s++) {
        int ws = (int)strlen(fmt(c, "%u,", fixed_slot(c, it, n, s, k, &name)));
        w = ws > w ? ws : w;
    }
    vt->n = start;
    mylc_buf_printf(vt, "    static const uint16_t %s[%u] = {\n", var, vtsize / 2);
    mylc_buf_printf(vt, "        %-*s // the vtable's bytes\n", w, fmt(c, "%u,", vtsize));
    mylc_buf_printf(vt, "        %-*s // the table's bytes", w, fmt(c, "%u,", objsize));
    for (uint32_t s = 0; s < d->nids; s++) {
        uint32_t off = fixed_slot(c, it, n, s, k, &name);
        mylc_buf_printf(vt, "\n        %-*s // %s", w, fmt(c, "%u,", off), name);
    }
    mylc_buf_puts(vt, "\n    };");
}

/* T_create(b, fields..., &ref): see the fb_table_doc template. */
static void emit_fb_create(mylc_ctx *c, mylc_decl *d, mylc_buf *h)
{
    uint32_t n, objsize[2], align;
    fixed_item *it = fixed_layout(d, &n, objsize, &align);
    if (!it)
        return;
    const uint32_t vtsize = 4 + 2 * d->nids;
    /* a table of 8-byte items has two layouts: offsets from the row
     * chosen, myl_o; else constants */
    const bool two = align > 4;
    mylc_buf vt = {0}, params = {0}, stores = {0};
    if (two) {
        fixed_vtable(c, d, it, n, objsize[0], 0, "myl_vt0", &vt);
        mylc_buf_putc(&vt, '\n');
        fixed_vtable(c, d, it, n, objsize[1], 1, "myl_vt1", &vt);
        mylc_buf_puts(&vt, "\n    const unsigned myl_r = myl__fb_fixed_row(myl_b, myl_vt0[1], "
                           "myl_vt1[1]);\n"
                           "    const uint16_t *myl_o = myl_r ? myl_vt1 : myl_vt0;");
    } else {
        fixed_vtable(c, d, it, n, objsize[0], 0, "myl_vt", &vt);
    }
    const char *osize = two ? "myl_o[1]" : fmt(c, "%u", objsize[0]);
    /* parameters in slot order (as T_add_*()), stores in table order */
    mylc_buf_puts(&params, "myl_fb_builder *myl_b,");
    for (uint32_t s = 0; s < d->nids; s++)
        for (uint32_t i = 0; i < n; i++) {
            const char *name = cstr(c, it[i].f->name);
            if (it[i].slot != s)
                continue;
            if (it[i].role == FIXED_TYPE)
                mylc_buf_printf(&params, " %s %s_type,", it[i].ctype, name);
            else if (it[i].role == FIXED_STRUCT)
                mylc_buf_printf(&params, " const %s *%s,", it[i].ctype, name);
            else
                mylc_buf_printf(&params, " %s %s,", it[i].ctype, name);
        }
    for (uint32_t i = 0; i < n; i++) {
        const char *name = cstr(c, it[i].f->name);
        const char *nl = stores.n ? "\n" : "";
        const uint32_t vo = 4 + 2 * it[i].slot;
        const char *o = two ? fmt(c, "myl_o[%u]", 2 + it[i].slot) : fmt(c, "%u", it[i].off[0]);
        switch (it[i].role) {
        case FIXED_TYPE:
            mylc_buf_printf(&stores, "%s    myl_t[%s] = (uint8_t)%s_type;", nl, o, name);
            break;
        case FIXED_REF:
            mylc_buf_printf(&stores, "%s    myl__fb_fixed_ref(myl_b, myl_t, %u, %s, %u, %s, %s);",
                            nl, vtsize, osize, vo, o, name);
            break;
        case FIXED_STRUCT:
            mylc_buf_printf(&stores, "%s    myl__fb_fixed_struct(myl_t, %u, %u, %s, %s, %u);", nl,
                            vtsize, vo, o, name, it[i].size);
            break;
        case FIXED_SCALAR: {
            const char *add, *w;
            add_call(c, it[i].scalar, &add, &w);
            if (it[i].size == 1)
                mylc_buf_printf(&stores, "%s    myl_t[%s] = (uint8_t)%s;", nl, o, name);
            else if (it[i].scalar == MYLC_T_F32 || it[i].scalar == MYLC_T_F64)
                mylc_buf_printf(&stores, "%s    myl_st%s(myl_t + %s, %s);", nl, add, o, name);
            else
                mylc_buf_printf(&stores, "%s    myl_st%u(myl_t + %s, (%s)%s);", nl, it[i].size * 8,
                                o, w, name);
            break;
        }
        }
    }
    mylc_hole holes[] = {
        {"T", d->cname},
        {"PARAMS", params.p},
        {"N", fmt(c, "%u", vtsize / 2)},
        {"VTDECL", vt.p},
        {"VT", two ? "myl_o" : "myl_vt"},
        {"ALIGN", fmt(c, "%u", align)},
        {"PHASE", two ? "4 * myl_r" : "0"},
        {"STORES", stores.p ? stores.p : ""},
        {NULL, NULL},
    };
    mylc_tpl_fill(h, mylc_tpl_section(mylc_tpl_header, "fb_create"), holes);
    mylc_buf_free(&vt);
    mylc_buf_free(&params);
    mylc_buf_free(&stores);
    free(it);
}

/* Field f's check, unrolled (fb.h, myl__fb_vq_*), or NULL when f is not
 * flat: a table, a union, a nested buffer, a vector of strings or tables
 * (checked one by one). */
static const char *flat_check(mylc_ctx *c, const mylc_field *f)
{
    const mylc_type *t = &f->type;
    const mylc_decl *x = t->base == MYLC_T_NAMED ? t->decl : NULL;
    const char *req = f->required ? "true" : "false";
    const uint32_t vo = 4 + 2 * f->id;
    if ((t->base == MYLC_T_NAMED && !x) || f->nested)
        return NULL;
    if (t->shape == MYLC_SHAPE_VECTOR) {
        uint64_t elem = 0;
        if (t->base != MYLC_T_STRING && (!x || x->kind == MYLC_D_ENUM))
            elem = mylc_builtin_size(x ? x->under.base : t->base);
        else if (x && x->kind == MYLC_D_STRUCT)
            elem = x->size;
        if (!elem || elem > 0xffffu)
            return NULL;
        if (x && x->kind == MYLC_D_STRUCT && x->align > 4)
            return fmt(c,
                       "ok = ok && myl__fb_vq_vector(&q, %u, %u, %s, false) && "
                       "myl__fb_vq_elems_aligned(&q, %u, %u);",
                       vo, (unsigned)elem, req, vo, x->align);
        return fmt(c, "ok = ok && myl__fb_vq_vector(&q, %u, %u, %s, false);", vo, (unsigned)elem,
                   req);
    }
    if (t->base == MYLC_T_STRING)
        return fmt(c, "ok = ok && myl__fb_vq_vector(&q, %u, 1, %s, true);", vo, req);
    if (!x || x->kind == MYLC_D_ENUM) {
        uint32_t sz = mylc_builtin_size(x ? x->under.base : t->base);
        return fmt(c, "ok = ok && myl__fb_vq_inline(&q, %u, %u, %u, %s);", vo, sz, sz, req);
    }
    if (x->kind == MYLC_D_STRUCT && x->size <= 0xffffu)
        return fmt(c, "ok = ok && myl__fb_vq_inline(&q, %u, %llu, %u, %s);", vo,
                   (unsigned long long)x->size, x->align ? x->align : 1, req);
    return NULL;
}

/* T_verify(): for a flat table, its checks unrolled; else
 * myl_fb_verify() over the descriptor. */
static void emit_fb_verify(mylc_ctx *c, const mylc_decl *d, mylc_buf *h)
{
    mylc_buf checks = {0};
    bool flat = true;
    for (uint32_t id = 0; flat && id < d->nids; id++)
        for (const mylc_field *f = d->fields; flat && f; f = f->next) {
            if (f->id != id || f->deprecated)
                continue;
            const char *chk = flat_check(c, f);
            flat = chk != NULL;
            if (chk)
                mylc_buf_printf(&checks, "%s    %s", checks.n ? "\n" : "", chk);
        }
    mylc_hole holes[] = {
        {"T", d->cname},
        {"CHECKS", checks.p ? checks.p : ""},
        {NULL, NULL},
    };
    mylc_tpl_fill(h, mylc_tpl_section(mylc_tpl_header, flat ? "fb_verify_flat" : "fb_verify"),
                  holes);
    mylc_buf_free(&checks);
}

void mylc_emit_fb_table_decl(mylc_ctx *c, mylc_decl *d, mylc_buf *h)
{
    mylc_hole holes[] = {{"NAME", cstr(c, d->name)}, {"T", d->cname}, {NULL, NULL}};
    explain_once(h, "fb_table_decl");
    mylc_buf_putc(h, '\n');
    emit_doc(h, d->doc);
    mylc_tpl_fill(h, mylc_tpl_section(mylc_tpl_header, "fb_table_decl"), holes);
}

void mylc_emit_fb_union(mylc_ctx *c, mylc_decl *d, mylc_buf *h, mylc_buf *src)
{
    mylc_buf vals = {0};
    const char *items[256], *others[256];
    unsigned n = 0; /* the highest type code */
    bool any_other = false;
    for (const mylc_value *mv = d->members; mv; mv = mv->next) {
        mylc_decl *md = union_member(c, d, mv);
        for (; n < mv->code; n++) {
            items[n] = "NULL"; /* a code no member has: not verified */
            others[n] = "{0, 0, 0}";
        }
        if (md && md->kind == MYLC_D_TABLE) {
            items[mv->code - 1] = fmt(c, "&%s_desc", md->cname);
        } else {
            /* a struct or a string */
            any_other = true;
            others[mv->code - 1] =
                md ? fmt(c, "{MYL_FB_K_STRUCT, %llu, %u}", (unsigned long long)md->size, md->align)
                   : "{MYL_FB_K_STRING, 0, 0}";
        }
        mylc_buf_printf(&vals, "%s#define %s ((%s)%u)", vals.n ? "\n" : "",
                        mylc_name_join(c, d->cname, mylc_member_name(c, mv)), d->cname, mv->code);
    }
    const char *members = init_list(
        c, fmt(c, "static const myl_fb_table_desc *const %s_members[%u] =", d->cname, n), items, n);
    if (any_other)
        members = fmt(
            c, "%s\n%s", members,
            init_list(c, fmt(c, "static const myl_fb_union_member %s_others[%u] =", d->cname, n),
                      others, n));
    const char *di[] = {fmt(c, "\"%.*s\"", (int)d->name.n, d->name.p), fmt(c, "%u", n),
                        fmt(c, "%s_members", d->cname),
                        any_other ? fmt(c, "%s_others", d->cname) : "NULL"};
    const char *desc = init_short(c, fmt(c, "const myl_fb_union_desc %s_desc =", d->cname), di, 4);
    mylc_hole holes[] = {
        {"NAME", cstr(c, d->name)}, {"TYPE", d->cname}, {"VALUES", vals.p ? vals.p : ""},
        {"MEMBERS", members},       {"DESC", desc},     {NULL, NULL},
    };
    explain_once(h, "fb_union_decl");
    mylc_buf_putc(h, '\n');
    emit_doc(h, d->doc);
    mylc_tpl_fill(h, mylc_tpl_section(mylc_tpl_header, "fb_union_decl"), holes);
    mylc_buf_putc(src, '\n');
    mylc_tpl_fill(src, mylc_tpl_section(mylc_tpl_source, "fb_union"), holes);
    mylc_buf_free(&vals);
}

/* Readers, builders and the verifier's descriptor of a table. Fields in
 * id order (the wire order); deprecated fields get neither. */
void mylc_emit_fb_table(mylc_ctx *c, mylc_decl *d, mylc_buf *h, mylc_buf *src)
{
    mylc_buf fields = {0};
    unsigned count = 0;
    for (uint32_t id = 0; id < d->nids; id++)
        for (mylc_field *f = d->fields; f; f = f->next)
            if (f->id == id && !f->deprecated) {
                if (!fields.n)
                    mylc_buf_printf(&fields, "static const myl_fb_field_desc %s_fields[] = {\n",
                                    d->cname);
                field_desc(c, f, &fields);
                bool un = f->type.base == MYLC_T_NAMED && f->type.decl->kind == MYLC_D_UNION;
                count += un ? 2 : 1;
            }
    if (fields.n)
        mylc_buf_puts(&fields, "};\n");
    const char *di[] = {fmt(c, "\"%.*s\"", (int)d->name.n, d->name.p), fmt(c, "%u", count),
                        count ? fmt(c, "%s_fields", d->cname) : "NULL"};
    mylc_hole holes[] = {
        {"NAME", cstr(c, d->name)},
        {"T", d->cname},
        {"FIELDS", fields.p ? fields.p : ""},
        {"DESC", init_short(c, fmt(c, "const myl_fb_table_desc %s_desc =", d->cname), di, 3)},
        {NULL, NULL},
    };
    explain_once(h, "fb_table");
    mylc_buf_putc(h, '\n');
    mylc_tpl_fill(h, mylc_tpl_section(mylc_tpl_header, "fb_table"), holes);
    for (uint32_t id = 0; id < d->nids; id++)
        for (mylc_field *f = d->fields; f; f = f->next)
            if (f->id == id && !f->deprecated)
                emit_fb_field(c, d, f, h);
    emit_fb_verify(c, d, h);
    emit_fb_create(c, d, h);
    mylc_emit_root(c, d, h); /* root.c */
    mylc_buf_putc(src, '\n');
    mylc_tpl_fill(src, mylc_tpl_section(mylc_tpl_source, "fb_table"), holes);
    mylc_buf_free(&fields);
}

const char *mylc_default_literal(mylc_ctx *c, const mylc_field *f)
{
    return default_literal(c, f);
}
