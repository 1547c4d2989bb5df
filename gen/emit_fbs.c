/* Emit: the FlatBuffers schema (.fbs) equivalent to a schema's enums,
 * structs, tables and unions (myelonc --emit-fbs), for flatc and the other
 * FlatBuffers tools.
 *
 * Every table field gets its id explicitly (a union field the id of its
 * value; flatc puts its hidden type field at id - 1, as myelonc does), so
 * the .fbs fixes the same wire layout whatever the order of fields. Enums
 * and structs come first, then unions, then tables (see below). Enum
 * values are written in ascending order (flatc requires it), each with its
 * value. Declarations FlatBuffers has no equivalent for (events, channels,
 * topologies, pipelines) are listed in comments. Imports become includes
 * of the imported schemas' .fbs files (myelonc --emit-fbs writes one per
 * schema compiled). A schema's "///" doc comments are carried over as
 * "///" lines (flatc keeps them as the declarations' documentation).
 */
#include <stdlib.h>
#include <string.h>

#include "mylc.h"

/* flatc's limits that .myl does not share. */
#define FBS_MAX_ALIGN 32u
#define FBS_MAX_ARRAY 65535u

/* The FlatBuffers namespace a declaration is in: a .fbs one's own ("" for
 * none: the file's stem stands in for one only in myelon's names), a .myl
 * one's package. */
static const char *fbs_ns(const mylc_decl *d)
{
    return d->fbs_ns ? d->fbs_ns : mylc_decl_pkg(d);
}

/* A declaration's name as seen from declaration from: bare in its own
 * namespace or in the root one (flatc looks a name up in the current
 * namespace, its parents, then the root), qualified otherwise. */
static void type_ref(mylc_buf *b, const mylc_decl *from, const mylc_decl *d)
{
    const char *ns = fbs_ns(d);
    if (ns[0] && strcmp(ns, fbs_ns(from)) != 0)
        mylc_buf_printf(b, "%s.", ns);
    mylc_buf_printf(b, "%.*s", (int)d->name.n, d->name.p);
}

static void base_ref(mylc_buf *b, const mylc_decl *from, const mylc_type *t)
{
    if (t->base == MYLC_T_NAMED)
        type_ref(b, from, t->decl);
    else
        mylc_buf_puts(b, mylc_builtins[t->base].fbs);
}

/* A "///" doc comment (lines as lexed: blanks, "///", text) as "///"
 * lines at indent ind, trailing blanks and backslashes dropped (flatc
 * copies the lines into C++, where a backslash would splice the next). */
static void emit_doc(mylc_buf *b, mylc_str doc, const char *ind)
{
    const char *p = doc.p, *end = doc.p + doc.n;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        const char *t = p, *e = eol;
        while (t < e && (*t == ' ' || *t == '\t'))
            t++;
        if (e - t >= 3 && memcmp(t, "///", 3) == 0)
            t += 3;
        while (e > t && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\\'))
            e--;
        mylc_buf_printf(b, "%s///%.*s\n", ind, (int)(e - t), t);
        p = eol < end ? eol + 1 : end;
    }
}

/* The attributes a .fbs schema gave that have no effect here (parse_fbs.c),
 * written back as they were: ", a, b: 1" after attributes already written
 * (first: none were). */
static void emit_fbs_attrs(mylc_buf *b, const mylc_attr *a, bool first)
{
    for (; a; a = a->next) {
        mylc_buf_printf(b, "%s%.*s", first ? "" : ", ", (int)a->name.n, a->name.p);
        if (a->value)
            mylc_buf_printf(b, ": %s%.*s", a->value->neg ? "-" : "", (int)a->value->text.n,
                            a->value->text.p);
        first = false;
    }
}

/* " (a, b: 1)" for a declaration's attributes from a .fbs schema. */
static void emit_decl_attrs(mylc_buf *b, const mylc_attr *a)
{
    if (!a)
        return;
    mylc_buf_puts(b, " (");
    emit_fbs_attrs(b, a, true);
    mylc_buf_putc(b, ')');
}

static bool has_attr(const mylc_attr *a, const char *name)
{
    for (; a; a = a->next)
        if (mylc_str_eq(a->name, name))
            return true;
    return false;
}

static int cmp_enumval(const void *pa, const void *pb)
{
    const mylc_enumval *a = *(mylc_enumval *const *)pa, *b = *(mylc_enumval *const *)pb;
    if (a->u == b->u)
        return 0;
    return a->u < b->u ? -1 : 1;
}

static int cmp_enumval_signed(const void *pa, const void *pb)
{
    const mylc_enumval *a = *(mylc_enumval *const *)pa, *b = *(mylc_enumval *const *)pb;
    if (a->i == b->i)
        return 0;
    return a->i < b->i ? -1 : 1;
}

static void emit_enum(const mylc_decl *d, mylc_buf *b)
{
    size_t n = 0;
    for (mylc_enumval *e = d->values; e; e = e->next)
        n++;
    mylc_enumval **v = malloc(sizeof *v * (n ? n : 1));
    if (!v)
        abort();
    n = 0;
    for (mylc_enumval *e = d->values; e; e = e->next)
        v[n++] = e;
    bool sgn = mylc_builtin_is_signed(d->under.base);
    qsort(v, n, sizeof *v, sgn ? cmp_enumval_signed : cmp_enumval);
    mylc_buf_putc(b, '\n');
    emit_doc(b, d->doc, "");
    mylc_buf_printf(b, "enum %.*s : %s", (int)d->name.n, d->name.p,
                    mylc_builtins[d->under.base].fbs);
    if (d->bit_flags) {
        mylc_buf_puts(b, " (bit_flags");
        emit_fbs_attrs(b, d->fbs_attrs, false);
        mylc_buf_putc(b, ')');
    } else {
        emit_decl_attrs(b, d->fbs_attrs);
    }
    mylc_buf_puts(b, " {\n");
    for (size_t i = 0; i < n; i++) {
        emit_doc(b, v[i]->doc, "  ");
        if (d->bit_flags) { /* the bit positions, as flatc reads them */
            unsigned pos = 0;
            while (pos < 63 && !(v[i]->u >> pos & 1))
                pos++;
            mylc_buf_printf(b, "  %.*s = %u", (int)v[i]->name.n, v[i]->name.p, pos);
        } else if (sgn)
            mylc_buf_printf(b, "  %.*s = %lld", (int)v[i]->name.n, v[i]->name.p,
                            (long long)v[i]->i);
        else
            mylc_buf_printf(b, "  %.*s = %llu", (int)v[i]->name.n, v[i]->name.p,
                            (unsigned long long)v[i]->u);
        mylc_buf_puts(b, i + 1 < n ? ",\n" : "\n");
    }
    mylc_buf_puts(b, "}\n");
    free(v);
}

/* A struct's alignment where the schema set one (0: none): the
 * effective one, at least the natural alignment, which is all flatc's
 * force_align accepts (align in .myl only ever raises it). */
static uint32_t explicit_align(const mylc_decl *d)
{
    for (const mylc_attr *a = d->attrs; a; a = a->next)
        if (mylc_str_eq(a->name, "align") && a->value)
            return d->align;
    return 0;
}

static void emit_struct(const mylc_decl *d, mylc_buf *b)
{
    uint32_t align = explicit_align(d);
    mylc_buf_putc(b, '\n');
    if (align > FBS_MAX_ALIGN)
        mylc_buf_printf(
            b, "// note: aligned to %u bytes in the .myl schema; flatc allows at most %u\n", align,
            FBS_MAX_ALIGN);
    emit_doc(b, d->doc, "");
    mylc_buf_printf(b, "struct %.*s", (int)d->name.n, d->name.p);
    if (align && align <= FBS_MAX_ALIGN) {
        mylc_buf_printf(b, " (force_align: %u", align);
        emit_fbs_attrs(b, d->fbs_attrs, false);
        mylc_buf_putc(b, ')');
    } else {
        emit_decl_attrs(b, d->fbs_attrs);
    }
    mylc_buf_puts(b, " {\n");
    for (const mylc_field *f = d->fields; f; f = f->next) {
        if (f->type.shape == MYLC_SHAPE_ARRAY && f->type.count > FBS_MAX_ARRAY)
            mylc_buf_printf(b, "  // note: %llu elements; flatc allows at most %u\n",
                            (unsigned long long)f->type.count, FBS_MAX_ARRAY);
        emit_doc(b, f->doc, "  ");
        mylc_buf_printf(b, "  %.*s:", (int)f->name.n, f->name.p);
        if (f->type.shape == MYLC_SHAPE_ARRAY) {
            mylc_buf_putc(b, '[');
            base_ref(b, d, &f->type);
            mylc_buf_printf(b, ":%llu]", (unsigned long long)f->type.count);
        } else {
            base_ref(b, d, &f->type);
        }
        if (f->key) {
            mylc_buf_puts(b, " (key");
            emit_fbs_attrs(b, f->fbs_attrs, false);
            mylc_buf_putc(b, ')');
        } else {
            emit_decl_attrs(b, f->fbs_attrs);
        }
        mylc_buf_puts(b, ";\n");
    }
    mylc_buf_puts(b, "}\n");
}

/* A default as flatc reads it: numbers in decimal, enum values by name. */
static void emit_default(const mylc_field *f, mylc_buf *b)
{
    const mylc_value *v = f->dflt;
    mylc_buf_puts(b, " = ");
    if (v->kind == MYLC_V_INT) {
        unsigned long long x = mylc_int_text(v->text);
        if (f->type.base == MYLC_T_NAMED && f->type.decl->kind == MYLC_D_ENUM) {
            for (const mylc_enumval *e = f->type.decl->values; e; e = e->next)
                if (v->neg ? (e->i == -(long long)x) : (e->u == x)) {
                    mylc_buf_printf(b, "%.*s", (int)e->name.n, e->name.p);
                    return;
                }
        }
        mylc_buf_printf(b, "%s%llu", v->neg ? "-" : "", x);
    } else if (v->kind == MYLC_V_IDENT) {
        /* an enum value, maybe written Enum.VALUE */
        const char *dot = memchr(v->text.p, '.', v->text.n);
        const char *p = dot ? dot + 1 : v->text.p;
        mylc_buf_printf(b, "%s%.*s", v->neg ? "-" : "", (int)(v->text.p + v->text.n - p), p);
    } else {
        mylc_buf_printf(b, "%s%.*s", v->neg ? "-" : "", (int)v->text.n, v->text.p);
    }
}

static void emit_table(const mylc_schema *s, const mylc_decl *d, mylc_buf *b)
{
    mylc_buf_putc(b, '\n');
    emit_doc(b, d->doc, "");
    mylc_buf_printf(b, "table %.*s", (int)d->name.n, d->name.p);
    emit_decl_attrs(b, d->fbs_attrs);
    mylc_buf_puts(b, " {\n");
    for (const mylc_field *f = d->fields; f; f = f->next) {
        emit_doc(b, f->doc, "  ");
        mylc_buf_printf(b, "  %.*s:", (int)f->name.n, f->name.p);
        if (f->type.shape == MYLC_SHAPE_VECTOR) {
            mylc_buf_putc(b, '[');
            base_ref(b, d, &f->type);
            mylc_buf_putc(b, ']');
        } else {
            base_ref(b, d, &f->type);
        }
        if (f->dflt)
            emit_default(f, b);
        /* From a .fbs schema: ids only where it gave them, so that flatc
         * sees the same schema (its binary schema lists the attributes). */
        bool first = true;
        if (!s->fbs || has_attr(f->attrs, "id")) {
            mylc_buf_printf(b, " (id: %u", f->id);
            first = false;
        }
        /* a string key is required without saying so (as in flatc) */
        if (f->required && (!f->key || has_attr(f->attrs, "required"))) {
            mylc_buf_puts(b, first ? " (required" : ", required");
            first = false;
        }
        if (f->key) {
            mylc_buf_puts(b, first ? " (key" : ", key");
            first = false;
        }
        const mylc_attr *nested = NULL;
        for (const mylc_attr *a = f->attrs; a; a = a->next)
            if (mylc_str_eq(a->name, "nested_flatbuffer") && a->value)
                nested = a;
        if (nested) {
            mylc_buf_printf(b, "%snested_flatbuffer: %.*s", first ? " (" : ", ",
                            (int)nested->value->text.n, nested->value->text.p);
            first = false;
        }
        if (f->deprecated) {
            mylc_buf_puts(b, first ? " (deprecated" : ", deprecated");
            first = false;
        }
        if (f->fbs_attrs) {
            mylc_buf_puts(b, first ? " (" : "");
            emit_fbs_attrs(b, f->fbs_attrs, first);
            first = false;
        }
        mylc_buf_puts(b, first ? ";\n" : ");\n");
    }
    mylc_buf_puts(b, "}\n");
}

static void emit_union(mylc_ctx *c, const mylc_decl *d, mylc_buf *b)
{
    mylc_buf_putc(b, '\n');
    emit_doc(b, d->doc, "");
    mylc_buf_printf(b, "union %.*s", (int)d->name.n, d->name.p);
    emit_decl_attrs(b, d->fbs_attrs);
    mylc_buf_puts(b, " {\n");
    for (const mylc_value *m = d->members; m; m = m->next) {
        mylc_decl *t = mylc_lookup_from(c, d, m->text, m->off, false);
        mylc_buf ref = {0};
        if (t)
            type_ref(&ref, d, t);
        else /* not reached after check; written as in the schema */
            mylc_buf_printf(&ref, "%.*s", (int)m->text.n, m->text.p);
        /* flatc names a member by its alias, else by the type as written
         * ('.' as '_'): an alias keeps the name where the reference
         * written here differs */
        const char *name = mylc_member_name(c, m);
        bool alias = m->alias.n > 0 || strlen(name) != ref.n;
        for (size_t i = 0; !alias && i < ref.n; i++)
            alias = name[i] != (ref.p[i] == '.' ? '_' : ref.p[i]);
        mylc_buf_puts(b, "  ");
        if (alias)
            mylc_buf_printf(b, "%s: ", name);
        mylc_buf_put(b, ref.p, ref.n);
        if (m->uval)
            mylc_buf_printf(b, " = %u", m->code);
        mylc_buf_puts(b, m->next ? ",\n" : "\n");
        mylc_buf_free(&ref);
    }
    mylc_buf_puts(b, "}\n");
}

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

void mylc_emit_fbs(mylc_ctx *c, mylc_schema *s, mylc_buf *b)
{
    mylc_buf_printf(b, "// Generated by myelonc %s from %s. DO NOT EDIT.\n", mylc_version,
                    base_name(s->file->path));
    mylc_buf_puts(b, "// The FlatBuffers schema of its enums, structs, tables and unions.\n");
    bool any = false;
    for (mylc_import *im = s->imports; im; im = im->next)
        if (im->file && im->file->schema) {
            mylc_buf_printf(b, "%sinclude \"%s.fbs\";\n", any ? "" : "\n", im->file->schema->stem);
            any = true;
        }
    /* a .fbs schema without a namespace has none (its stem stands in for
     * one only in myelon's names) */
    const char *ns = "";
    if (!s->fbs || s->has_package) {
        ns = s->pkg;
        mylc_buf_printf(b, "\nnamespace %s;\n", ns);
    }
    if (s->fbs && s->fbs->attributes) {
        mylc_buf_putc(b, '\n');
        for (const mylc_value *v = s->fbs->attributes; v; v = v->next)
            mylc_buf_printf(b, "attribute \"%.*s\";\n", (int)v->text.n, v->text.p);
    }
    /* From .myl: unions before tables (flatc gives a union field's hidden
     * type field its id (id - 1) only if it already knows the type is a
     * union). From .fbs: in the order given, which flatc took as it is
     * (and needs, with several namespaces: a name used before its
     * declaration is taken to be in the namespace it is used in). */
    bool given_order = s->fbs != NULL;
    mylc_buf skipped = {0};
    for (int pass = 0; pass < (given_order ? 1 : 3); pass++) {
        for (mylc_decl *d = s->decls; d; d = d->next) {
            /* each declaration in its namespace */
            bool now = given_order ? d->kind <= MYLC_D_UNION && d->kind != MYLC_D_EVENT
                       : pass == 0 ? d->kind == MYLC_D_ENUM || d->kind == MYLC_D_STRUCT
                       : pass == 1 ? d->kind == MYLC_D_UNION
                                   : d->kind == MYLC_D_TABLE;
            if (now && strcmp(fbs_ns(d), ns) != 0) {
                ns = fbs_ns(d);
                mylc_buf_printf(b, "\nnamespace%s%s;\n", ns[0] ? " " : "", ns);
            }
            if (!now && d->kind <= MYLC_D_UNION && d->kind != MYLC_D_EVENT)
                continue;
            switch (d->kind) {
            case MYLC_D_ENUM:
                emit_enum(d, b);
                break;
            case MYLC_D_STRUCT:
                emit_struct(d, b);
                break;
            case MYLC_D_UNION:
                emit_union(c, d, b);
                break;
            case MYLC_D_TABLE:
                emit_table(s, d, b);
                break;
            default:
                if (pass == 0)
                    mylc_buf_printf(&skipped, "//   %s %.*s\n", mylc_kind_name(d->kind),
                                    (int)d->name.n, d->name.p);
                break;
            }
        }
    }
    if (s->fbs && (s->fbs->root_type || s->fbs->file_ident || s->fbs->file_ext)) {
        mylc_buf_putc(b, '\n');
        /* in another namespace than the last one: fully qualified (flatc
         * looks root_type's name up as one first) */
        const mylc_decl *r = s->fbs->root;
        if (r && strcmp(fbs_ns(r), ns) != 0)
            mylc_buf_printf(b, "root_type %s%s%.*s;\n", fbs_ns(r), fbs_ns(r)[0] ? "." : "",
                            (int)r->name.n, r->name.p);
        else if (s->fbs->root_type)
            mylc_buf_printf(b, "root_type %.*s;\n", (int)s->fbs->root_type->text.n,
                            s->fbs->root_type->text.p);
        if (s->fbs->file_ident)
            mylc_buf_printf(b, "file_identifier %.*s;\n", (int)s->fbs->file_ident->text.n,
                            s->fbs->file_ident->text.p);
        if (s->fbs->file_ext)
            mylc_buf_printf(b, "file_extension %.*s;\n", (int)s->fbs->file_ext->text.n,
                            s->fbs->file_ext->text.p);
    }
    mylc_decl *root = s->fbs ? NULL : mylc_root_table(s);
    if (root) {
        const mylc_value *id = mylc_root_attr(root, "file_identifier");
        const mylc_value *ext = mylc_root_attr(root, "file_extension");
        mylc_buf_printf(b, "\nroot_type %.*s;\n", (int)root->name.n, root->name.p);
        if (id)
            mylc_buf_printf(b, "file_identifier %.*s;\n", (int)id->text.n, id->text.p);
        if (ext)
            mylc_buf_printf(b, "file_extension %.*s;\n", (int)ext->text.n, ext->text.p);
    }
    if (skipped.n) {
        mylc_buf_puts(b, "\n// Not FlatBuffers types (myelon rings and their wiring), left out:\n");
        mylc_buf_put(b, skipped.p, skipped.n);
    }
    mylc_buf_free(&skipped);
}
