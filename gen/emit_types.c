/* Emit: the C types of a schema's enums, events and structs (the types
 * every codec and channel builds on), from the header and source
 * templates. Tables' C types are the FlatBuffers emitter's (emit_fb.c) and
 * the compact codec's (emit_compact.c).
 */
#include <string.h>

#include "emit.h"

static const char *enum_literal(mylc_ctx *c, const mylc_decl *d, const mylc_enumval *e)
{
    switch (d->under.base) {
    case MYLC_T_U64:
        return mylc_fmt(c, "UINT64_C(%llu)", (unsigned long long)e->u);
    case MYLC_T_I64:
        if (e->i == INT64_MIN)
            return "INT64_MIN";
        return mylc_fmt(c, "INT64_C(%lld)", (long long)e->i);
    case MYLC_T_I32:
        if (e->i == INT32_MIN)
            return "INT32_MIN";
        return mylc_fmt(c, "%lld", (long long)e->i);
    case MYLC_T_U32:
        return mylc_fmt(c, "%lluu", (unsigned long long)e->u);
    default:
        return mylc_builtin_is_signed(d->under.base)
                   ? mylc_fmt(c, "%lld", (long long)e->i)
                   : mylc_fmt(c, "%llu", (unsigned long long)e->u);
    }
}

static const char *field_ctype(mylc_ctx *c, const mylc_field *f)
{
    if (f->type.base == MYLC_T_NAMED)
        return f->type.decl->cname;
    (void)c;
    return mylc_builtin_ctype(f->type.base);
}

void mylc_emit_enum(mylc_ctx *c, mylc_decl *d, mylc_buf *h, mylc_buf *src)
{
    mylc_buf vals = {0}, cases = {0};
    for (mylc_enumval *e = d->values; e; e = e->next) {
        const char *name = mylc_name_join(c, d->cname, mylc_cstr(c, e->name));
        if (vals.n)
            mylc_buf_putc(&vals, '\n');
        mylc_emit_doc(&vals, e->doc);
        mylc_buf_printf(&vals, "#define %s ((%s)%s)", name, d->cname, enum_literal(c, d, e));
        if (cases.n)
            mylc_buf_putc(&cases, '\n');
        mylc_buf_printf(&cases, "    case %s:\n        return \"%.*s\";", name, (int)e->name.n,
                        e->name.p);
    }
    mylc_hole holes[] = {
        {"NAME", mylc_cstr(c, d->name)},
        {"UNDER", mylc_builtin_name(d->under.base)},
        {"CTYPE", mylc_builtin_ctype(d->under.base)},
        {"TYPE", d->cname},
        {"VALUES", vals.p ? vals.p : ""},
        {"CASES", cases.p ? cases.p : ""},
        {NULL, NULL},
    };
    mylc_fill_both(h, src, mylc_tpl_header, mylc_tpl_source, "enum", holes, d->doc);
    mylc_buf_free(&vals);
    mylc_buf_free(&cases);
}

void mylc_emit_record(mylc_ctx *c, mylc_decl *d, mylc_buf *h, const char *sec)
{
    mylc_buf fields = {0}, asserts = {0};
    uint64_t cur = 0;
    unsigned pad = 0;
    bool first = true;
    uint32_t natural = 1;
    for (mylc_field *f = d->fields; f; f = f->next) {
        uint32_t ea = f->falign;
        if (!f->align && ea > natural)
            natural = ea;
        if (f->align && f->align > natural)
            natural = f->align;
    }
    for (mylc_field *f = d->fields; f; f = f->next) {
        if (f->offset > cur) {
            mylc_buf_printf(&fields, "    uint8_t _pad%u[%llu];\n", pad++,
                            (unsigned long long)(f->offset - cur));
        }
        mylc_emit_doc_at(&fields, f->doc, "    ");
        mylc_buf_puts(&fields, "    ");
        /* alignas only where the C compiler would not align by itself:
         * explicit field alignment, and the event's own (on its first
         * field, which raises the struct's alignment). */
        uint32_t want = f->align == f->falign ? f->align : 0; /* never reduces */
        if (first && d->align > natural && d->align > want)
            want = d->align;
        if (want)
            mylc_buf_printf(&fields, "alignas(%u) ", want);
        mylc_buf_printf(&fields, "%s %.*s", field_ctype(c, f), (int)f->name.n, f->name.p);
        if (f->type.shape == MYLC_SHAPE_ARRAY)
            mylc_buf_printf(&fields, "[%llu]", (unsigned long long)f->type.count);
        mylc_buf_puts(&fields, ";\n");
        cur = f->offset + f->size;
        first = false;
        if (asserts.n)
            mylc_buf_putc(&asserts, '\n');
        mylc_buf_printf(&asserts, "static_assert(offsetof(%s, %.*s) == %llu, \"%s.%.*s: offset\");",
                        d->cname, (int)f->name.n, f->name.p, (unsigned long long)f->offset,
                        d->cname, (int)f->name.n, f->name.p);
    }
    if (d->size > cur)
        mylc_buf_printf(&fields, "    uint8_t _pad%u[%llu];\n", pad++,
                        (unsigned long long)(d->size - cur));
    if (fields.n)
        fields.p[--fields.n] = 0;
    mylc_hole holes[] = {
        {"NAME", mylc_cstr(c, d->name)},
        {"TYPE", d->cname},
        {"SIZE", mylc_fmt(c, "%llu", (unsigned long long)d->size)},
        {"ALIGN", mylc_fmt(c, "%u", d->align)},
        {"FIELDS", fields.p},
        {"ASSERTS", asserts.p},
        {NULL, NULL},
    };
    mylc_explain_once(h, sec);
    mylc_buf_putc(h, '\n');
    mylc_emit_doc(h, d->doc);
    mylc_tpl_fill(h, mylc_tpl_section(mylc_tpl_header, sec), holes);
    mylc_buf_free(&fields);
    mylc_buf_free(&asserts);
}
