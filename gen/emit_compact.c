/* Emit: codec compact (layer 2) of every event, struct and table, from
 * the sections of templates/compact.h.
 *
 * Every event, struct and table gets a compact encoder and decoder (as
 * protoc gives every message its codec): a straight run of steps in wire
 * order (events and structs: field order; tables: id order, without
 * deprecated fields), one error check by the caller. Each step is a
 * section of the template, filled with the field; this file only chooses
 * the section. The codecs are static inline in the header, so that a
 * program compiles only those it calls (docs/COMPILER.md, "Why the
 * compact codec is inline"). docs/myl.md, "The compact codec", is the
 * wire format.
 */
#include <stdlib.h>
#include <string.h>

#include "emit.h"

/* Appends section sec of the compact template, filled with holes, to o,
 * each line indented by indent more spaces (a step inside a loop or an
 * if). */
static void step(mylc_buf *o, const char *sec, const mylc_hole *holes, unsigned indent)
{
    static const char spaces[] = "        ";
    mylc_str t = mylc_tpl_section(mylc_tpl_compact, sec);
    if (!indent) {
        mylc_tpl_fill(o, t, holes);
        return;
    }
    static mylc_buf scratch; /* reused: steps are filled one at a time */
    scratch.n = 0;
    mylc_tpl_fill(&scratch, t, holes);
    const char *p = scratch.p, *end = scratch.p + scratch.n;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        eol = eol ? eol + 1 : end;
        for (unsigned k = indent; *p != '\n' && k;) {
            unsigned n = k < sizeof spaces - 1 ? k : (unsigned)(sizeof spaces - 1);
            mylc_buf_put(o, spaces, n);
            k -= n;
        }
        mylc_buf_put(o, p, (size_t)(eol - p));
        p = eol;
    }
}

/* A step whose holes are the value V, its type T and one more. */
static void step3(mylc_buf *o, const char *sec, const char *v, const char *t, const char *k,
                  const char *kv, unsigned indent)
{
    mylc_hole holes[] = {{"V", v}, {"T", t ? t : ""}, {k ? k : "FN", kv ? kv : ""}, {NULL, NULL}};
    step(o, sec, holes, indent);
}

/* A step wrapped around an inner one (a loop, an if): the inner step's
 * text, without its final newline, fills STEP. */
static void wrap(mylc_buf *o, const char *sec, const char *v, const char *count, mylc_buf *inner,
                 unsigned indent)
{
    if (inner->n)
        inner->p[--inner->n] = 0;
    mylc_hole holes[] = {{"V", v}, {"COUNT", count}, {"STEP", inner->p}, {NULL, NULL}};
    step(o, sec, holes, indent);
    inner->n = 0;
}

static bool is_kind(const mylc_type *t, mylc_decl_kind k)
{
    return t->base == MYLC_T_NAMED && t->decl->kind == k;
}

/* Events and structs: their steps take the value's address. */
static bool is_record(const mylc_type *t)
{
    return t->base == MYLC_T_NAMED && t->decl->kind != MYLC_D_ENUM;
}

/* The scalar under a scalar or enum type. */
static mylc_builtin scalar_of(const mylc_type *t)
{
    return t->base == MYLC_T_NAMED ? t->decl->under.base : t->base;
}

/* One value of type t (not an array or vector) at lvalue v. */
static void put_one(const mylc_type *t, const char *v, mylc_buf *o, unsigned indent)
{
    if (is_record(t))
        step3(o, "put_record", v, t->decl->cname, NULL, NULL, indent);
    else
        step3(o, "put_scalar", v, NULL, "FN", mylc_builtins[scalar_of(t)].cput, indent);
}

static void get_one(const mylc_type *t, const char *v, mylc_buf *o, unsigned indent)
{
    if (is_record(t))
        step3(o, "get_record", v, t->decl->cname, NULL, NULL, indent);
    else if (t->base == MYLC_T_NAMED || t->base == MYLC_T_CHAR) /* enums, char: a cast */
        step3(o, "get_cast", v,
              t->base == MYLC_T_NAMED ? t->decl->cname : mylc_builtin_ctype(t->base), "FN",
              mylc_builtins[scalar_of(t)].cget, indent);
    else
        step3(o, "get_scalar", v, NULL, "FN", mylc_builtins[t->base].cget, indent);
}

void mylc_emit_compact_record(mylc_ctx *c, mylc_decl *d, mylc_buf *h)
{
    mylc_buf put = {0}, get = {0}, inner = {0};
    for (mylc_field *f = d->fields; f; f = f->next) {
        const mylc_type *t = &f->type;
        const char *v = mylc_fmt(c, "m->%.*s", (int)f->name.n, f->name.p);
        const char *count = mylc_fmt(c, "%llu", (unsigned long long)t->count);
        if (t->shape != MYLC_SHAPE_ARRAY) {
            put_one(t, v, &put, 0);
            get_one(t, v, &get, 0);
        } else if (t->base == MYLC_T_CHAR) {
            step3(&put, "put_chars", v, NULL, "COUNT", count, 0);
            step3(&get, "get_chars", v, NULL, "COUNT", count, 0);
        } else if (t->base == MYLC_T_U8 || t->base == MYLC_T_I8) {
            step3(&put, "put_raw", v, NULL, "COUNT", count, 0);
            step3(&get, "get_raw", v, NULL, "COUNT", count, 0);
        } else {
            const char *vi = mylc_fmt(c, "%s[i]", v);
            put_one(t, vi, &inner, 4);
            wrap(&put, "each", v, count, &inner, 0);
            get_one(t, vi, &inner, 4);
            wrap(&get, "each", v, count, &inner, 0);
        }
    }
    if (!put.n)
        mylc_buf_puts(&put, "    (void)e;\n    (void)m;\n");
    if (!get.n)
        mylc_buf_puts(&get, "    (void)d;\n");
    put.p[--put.n] = 0;
    get.p[--get.n] = 0;
    mylc_hole holes[] = {
        {"NAME", mylc_cstr(c, d->name)},
        {"T", d->cname},
        {"PUT", put.p},
        {"GET", get.p},
        {NULL, NULL},
    };
    mylc_fill_both(h, NULL, mylc_tpl_compact, NULL, "compact_record", holes, (mylc_str){"", 0});
    mylc_buf_free(&put);
    mylc_buf_free(&get);
    mylc_buf_free(&inner);
}

/* ---- tables ---- */

/* The C type of one element of a table field's value (vectors: of an
 * element). */
static const char *cvalue_type(const mylc_type *t)
{
    if (t->shape == MYLC_SHAPE_VECTOR && is_kind(t, MYLC_D_UNION))
        return "myl_cunion"; /* each element a type and a value */
    if (t->base == MYLC_T_STRING)
        return "myl_cstr";
    if (t->base == MYLC_T_NAMED)
        return t->decl->cname;
    return mylc_builtin_ctype(t->base);
}

/* A table's fields in wire order, without deprecated ones. f is the name
 * the loop declares, so it cannot be parenthesised. */
/* NOLINTBEGIN(bugprone-macro-parentheses) */
#define FOR_WIRE_FIELDS(d, f)                                                                      \
    for (uint32_t id_ = 0; id_ < (d)->nids; id_++)                                                 \
        for (mylc_field *f = (d)->fields; f; f = f->next)                                          \
            if (f->id == id_ && !f->deprecated)
/* NOLINTEND(bugprone-macro-parentheses) */

static bool table_encodes_bytes(const mylc_decl *d)
{
    FOR_WIRE_FIELDS(d, f)
    return true;
    return false;
}

/* The member of a table's C struct that holds field f. */
static void member(mylc_ctx *c, const mylc_field *f, mylc_buf *o)
{
    const mylc_type *t = &f->type;
    const char *sec = "member_value";
    if (t->shape == MYLC_SHAPE_VECTOR)
        sec = "member_seq";
    else if (is_kind(t, MYLC_D_UNION))
        sec = "member_union";
    else if (is_kind(t, MYLC_D_TABLE) || is_kind(t, MYLC_D_STRUCT))
        sec = "member_ptr";
    else if (f->optional) /* default null: a has_ flag beside it */
        sec = "member_optional";
    mylc_hole holes[] = {{"T", cvalue_type(t)}, {"F", mylc_cstr(c, f->name)}, {NULL, NULL}};
    step(o, sec, holes, 0);
}

/* The cases of union u's members, the value at pointer lvalue pv (put,
 * into pc) and gv (get, into gc; either buffer NULL: not wanted),
 * indented by indent: a table, a struct or (NULL) a string member. */
static void union_cases(mylc_ctx *c, const mylc_decl *u, const char *pv, const char *gv,
                        mylc_buf *pc, mylc_buf *gc, unsigned indent)
{
    for (const mylc_value *mv = u->members; mv; mv = mv->next) {
        mylc_decl *md = mylc_str_eq(mv->text, "string")
                            ? NULL
                            : mylc_lookup_from(c, u, mv->text, mv->off, false);
        const char *code = mylc_name_join(c, u->cname, mylc_member_name(c, mv));
        const char *kind = !md ? "_string" : md->kind == MYLC_D_STRUCT ? "_struct" : "";
        const char *T = md ? md->cname : "";
        mylc_hole ph[] = {{"V", pv ? pv : ""}, {"T", T}, {"CODE", code}, {NULL, NULL}};
        mylc_hole gh[] = {{"V", gv ? gv : ""}, {"T", T}, {"CODE", code}, {NULL, NULL}};
        if (pc)
            step(pc, mylc_fmt(c, "put_union_case%s", kind), ph, indent);
        if (gc)
            step(gc, mylc_fmt(c, "get_union_case%s", kind), gh, indent);
    }
}

/* Fills section sec (put_union, get_union_vec, ...) with the value v,
 * union u, the NONE case's action and the member cases (each without
 * its final newline once here). */
static void union_step(mylc_buf *o, const char *sec, const char *v, const mylc_decl *u,
                       mylc_buf *none, mylc_buf *cases)
{
    mylc_buf *bufs[] = {none, cases};
    for (size_t i = 0; i < 2; i++)
        if (bufs[i]->n)
            bufs[i]->p[--bufs[i]->n] = 0;
    mylc_hole holes[] = {{"V", v},
                         {"U", u->cname},
                         {"NONE", none->p ? none->p : ""},
                         {"CASES", cases->p ? cases->p : ""},
                         {NULL, NULL}};
    step(o, sec, holes, 0);
    mylc_buf_free(none);
    mylc_buf_free(cases);
}

/* A union field: its type byte, then the member it names. */
static void union_field(mylc_ctx *c, const mylc_field *f, const char *v, mylc_buf *put,
                        mylc_buf *get)
{
    const mylc_decl *u = f->type.decl;
    mylc_buf pc = {0}, gc = {0}, pn = {0}, gn = {0};
    union_cases(c, u, v, v, &pc, &gc, 0);
    static const mylc_hole none[] = {{NULL, NULL}};
    if (f->required) {
        step(&pn, "put_union_required", none, 0);
        step(&gn, "get_union_required", none, 0);
    }
    union_step(put, "put_union", v, u, &pn, &pc);
    union_step(get, "get_union", v, u, &gn, &gc);
}

/* A [U] field: a count, then each element's type (u8) and, unless NONE,
 * its member; decoded into the arena as myl_cunion elements. The cases
 * sit in a loop: the put ones a level deeper than a union field's, the
 * get ones two (a block around the loop). */
static void union_vec(mylc_ctx *c, const mylc_field *f, const char *v, mylc_buf *put, mylc_buf *get)
{
    const mylc_decl *u = f->type.decl;
    mylc_buf pc = {0}, gc = {0}, pn = {0}, gn = {0};
    union_cases(c, u, "x->value", NULL, &pc, NULL, 4);
    union_cases(c, u, NULL, "q[i].value", NULL, &gc, 8);
    union_step(put, "put_union_vec", v, u, &pn, &pc);
    union_step(get, "get_union_vec", v, u, &gn, &gc);
}

/* The steps of table field f into put and get, and its default (if not
 * zero) into dflt; *arena when its decoding allocates. */
static void table_field(mylc_ctx *c, const mylc_field *f, mylc_buf *put, mylc_buf *get,
                        mylc_buf *dflt, bool *arena)
{
    const mylc_type *t = &f->type;
    const char *v = mylc_fmt(c, "m->%.*s", (int)f->name.n, f->name.p);
    mylc_buf inner = {0};
    if (t->shape == MYLC_SHAPE_VECTOR && is_kind(t, MYLC_D_UNION)) {
        *arena = true;
        union_vec(c, f, v, put, get);
    } else if (t->shape == MYLC_SHAPE_VECTOR) {
        mylc_builtin b = t->base;
        if (b == MYLC_T_U8 || b == MYLC_T_I8) { /* bytes, read in place */
            step3(put, "put_bytes", v, NULL, NULL, NULL, 0);
            step3(get, b == MYLC_T_U8 ? "get_bytes" : "get_bytes_i8", v, NULL, NULL, NULL, 0);
            return;
        }
        *arena = true;
        const char *T = cvalue_type(t);
        mylc_type one = *t; /* an element */
        one.shape = MYLC_SHAPE_PLAIN;
        bool tab = is_kind(t, MYLC_D_TABLE);
        const char *vi = mylc_fmt(c, "%s.p[i]", v);
        if (b == MYLC_T_STRING)
            step3(&inner, "put_str", vi, NULL, NULL, NULL, 4);
        else if (tab)
            step3(&inner, "put_table", vi, T, NULL, NULL, 4);
        else
            put_one(&one, vi, &inner, 4);
        wrap(put, "put_seq", v, "", &inner, 0);
        /* Every element but those of a table without fields takes a byte
         * or more: the bytes left bound the count; the arena bounds the
         * rest. */
        if (b == MYLC_T_STRING)
            step3(get, "get_seq_str", v, NULL, NULL, NULL, 0);
        else if (tab)
            step3(get, "get_seq_table", v, T, "BOUND",
                  table_encodes_bytes(t->decl) ? "myl_cdec_left(d)" : "SIZE_MAX", 0);
        else if (is_record(&one))
            step3(get, "get_seq_record", v, T, NULL, NULL, 0);
        else
            step3(get, "get_seq", v, T, "FN", mylc_builtins[scalar_of(&one)].cget, 0);
    } else if (t->base == MYLC_T_STRING) {
        step3(put, "put_str", v, NULL, NULL, NULL, 0);
        step3(get, "get_str", v, NULL, NULL, NULL, 0);
    } else if (is_kind(t, MYLC_D_TABLE) || is_kind(t, MYLC_D_STRUCT)) {
        *arena = true;
        const char *T = t->decl->cname;
        bool tab = t->decl->kind == MYLC_D_TABLE;
        step3(&inner, tab ? "put_ptr_table" : "put_ptr_record", v, T, NULL, NULL, 4);
        wrap(put, f->required ? "put_ptr_required" : "put_ptr", v, "", &inner, 0);
        step3(&inner, tab ? "get_ptr_table" : "get_ptr_record", v, T, NULL, NULL, 4);
        wrap(get, f->required ? "get_ptr_required" : "get_ptr", v, "", &inner, 0);
    } else if (is_kind(t, MYLC_D_UNION)) {
        *arena = true;
        union_field(c, f, v, put, get);
    } else if (f->optional) {
        /* default null: a bool, then the value if there is one */
        const char *has = mylc_fmt(c, "m->has_%.*s", (int)f->name.n, f->name.p);
        put_one(t, v, &inner, 4);
        wrap(put, "put_optional", has, "", &inner, 0);
        get_one(t, v, &inner, 4);
        wrap(get, "get_optional", has, "", &inner, 0);
    } else {
        /* scalars and enums: always on the wire; defaults from _init */
        put_one(t, v, put, 0);
        get_one(t, v, get, 0);
        const char *dv = mylc_default_literal(c, f);
        if (f->dflt && strcmp(dv, "0") != 0 && strcmp(dv, "false") != 0)
            step3(dflt, "default", v, NULL, "DEFAULT", dv, 0);
    }
    mylc_buf_free(&inner);
}

void mylc_emit_compact_table_decl(mylc_ctx *c, mylc_decl *d, mylc_buf *h)
{
    mylc_hole holes[] = {{"NAME", mylc_cstr(c, d->name)}, {"T", d->cname}, {NULL, NULL}};
    mylc_fill_both(h, NULL, mylc_tpl_compact, NULL, "compact_table_decl", holes, (mylc_str){"", 0});
}

void mylc_emit_compact_table(mylc_ctx *c, mylc_decl *d, mylc_buf *h)
{
    mylc_buf members = {0};
    FOR_WIRE_FIELDS(d, f)
    member(c, f, &members);
    if (!members.n) {
        static const mylc_hole none[] = {{NULL, NULL}};
        step(&members, "member_none", none, 0);
    }
    members.p[--members.n] = 0;
    mylc_hole holes[] = {
        {"NAME", mylc_cstr(c, d->name)},
        {"T", d->cname},
        {"MEMBERS", members.p},
        {NULL, NULL},
    };
    mylc_fill_both(h, NULL, mylc_tpl_compact, NULL, "compact_table", holes, (mylc_str){"", 0});
    mylc_buf_free(&members);
}

void mylc_emit_compact_table_body(mylc_ctx *c, mylc_decl *d, mylc_buf *h)
{
    mylc_buf put = {0}, get = {0}, dflt = {0};
    bool arena = false;
    FOR_WIRE_FIELDS(d, f)
    table_field(c, f, &put, &get, &dflt, &arena);
    if (!put.n)
        mylc_buf_puts(&put, "    (void)m;\n");
    if (!arena)
        mylc_buf_puts(&get, "    (void)a;\n");
    put.p[--put.n] = 0;
    get.p[--get.n] = 0;
    if (dflt.n)
        dflt.p[--dflt.n] = 0;
    mylc_hole holes[] = {
        {"T", d->cname}, {"DEFAULTS", dflt.p ? dflt.p : ""}, {"PUT", put.p}, {"GET", get.p},
        {NULL, NULL},
    };
    mylc_buf_putc(h, '\n');
    mylc_tpl_fill(h, mylc_tpl_section(mylc_tpl_compact, "compact_table_body"), holes);
    mylc_buf_free(&put);
    mylc_buf_free(&get);
    mylc_buf_free(&dflt);
}

const char *mylc_compact_decode(mylc_ctx *c, const mylc_decl *x)
{
    mylc_buf b = {0};
    mylc_hole holes[] = {{"T", x->cname}, {NULL, NULL}};
    step(&b, x->kind == MYLC_D_TABLE ? "decode_table" : "decode_record", holes, 0);
    b.p[--b.n] = 0;
    const char *r = mylc_strdup(&c->arena, b.p, b.n);
    mylc_buf_free(&b);
    return r;
}

/* The types decoding d may allocate, each once (walking tables; events
 * and structs hold none), and an upper bound of their C sizes. */
struct units {
    const mylc_decl **seen;
    size_t n, cap;
    uint64_t sum;
};

static void unit_add(mylc_ctx *c, struct units *u, const mylc_decl *d);

static void unit_union(mylc_ctx *c, struct units *u, const mylc_decl *un)
{
    for (const mylc_value *mv = un->members; mv; mv = mv->next)
        if (mylc_str_eq(mv->text, "string"))
            u->sum += 16; /* a myl_cstr */
        else
            unit_add(c, u, mylc_lookup_from(c, un, mv->text, mv->off, false));
}

/* A table field's C size at most: 16 for a pointer and a count (a
 * sequence, a string), a pointer and a type (a union) or a flag and a
 * scalar (an optional one); an array its elements; 8 more for padding. */
static uint64_t field_bound(const mylc_type *t)
{
    uint64_t one = 16;
    if (t->shape == MYLC_SHAPE_ARRAY) {
        uint64_t elem = t->base == MYLC_T_NAMED && t->decl->kind != MYLC_D_ENUM ? t->decl->size : 8;
        one = t->count * elem;
    }
    return one + 8;
}

static void unit_add(mylc_ctx *c, struct units *u, const mylc_decl *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < u->n; i++)
        if (u->seen[i] == d)
            return;
    if (u->n == u->cap) {
        u->cap = u->cap ? 2 * u->cap : 16;
        const mylc_decl **ns = realloc(u->seen, u->cap * sizeof *ns);
        if (!ns)
            abort();
        u->seen = ns;
    }
    u->seen[u->n++] = d;
    if (d->kind != MYLC_D_TABLE) {
        u->sum += d->size + 8;
        return;
    }
    u->sum += 8;
    FOR_WIRE_FIELDS(d, f)
    {
        const mylc_type *t = &f->type;
        bool vec = t->shape == MYLC_SHAPE_VECTOR;
        u->sum += field_bound(t);
        if (is_kind(t, MYLC_D_UNION)) {
            u->sum += vec ? 16 : 0; /* a myl_cunion element */
            unit_union(c, u, t->decl);
        } else if (is_kind(t, MYLC_D_TABLE) || is_kind(t, MYLC_D_STRUCT) ||
                   is_kind(t, MYLC_D_EVENT)) {
            unit_add(c, u, t->decl);
        } else if (vec) {
            u->sum += 16; /* an element: a scalar, or a myl_cstr */
        }
    }
}

uint64_t mylc_compact_arena_unit(mylc_ctx *c, const mylc_decl *x)
{
    struct units u;
    memset(&u, 0, sizeof u);
    unit_add(c, &u, x);
    free(u.seen);
    return u.sum + 64; /* and an allocation's alignment slack */
}
