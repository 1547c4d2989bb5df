/* The root table of a schema and its file identifier (FlatBuffers'
 * root_type, file_identifier, file_extension), in both languages:
 *
 *   .myl   table Monster (root, file_identifier: "MONS", file_extension: "mon") { ... }
 *   .fbs   root_type Monster; file_identifier "MONS"; file_extension "mon";
 *
 * parse_fbs.c turns the .fbs statements into the .myl attributes of the
 * root table, so that both give the same AST and the same C: after the
 * root table's readers and builders, MYL_FB_ROOT(T, ident) (myelon/fb.h)
 * defines T_verify_buffer() (verifies the identifier, as flatc's
 * Verify<T>Buffer()) and T_finish_buffer() (writes it, as
 * Finish<T>Buffer()); <PREFIX>_FILE_IDENTIFIER and
 * <PREFIX>_FILE_EXTENSION name the strings.
 */
#include <string.h>

#include "mylc.h"

static mylc_attr *attr(mylc_attr *a, const char *name)
{
    for (; a; a = a->next)
        if (mylc_str_eq(a->name, name))
            return a;
    return NULL;
}

mylc_decl *mylc_root_table(const mylc_schema *s)
{
    for (mylc_decl *d = s->decls; d; d = d->next)
        if (d->kind == MYLC_D_TABLE && attr(d->attrs, "root"))
            return d;
    return NULL;
}

const mylc_value *mylc_root_attr(const mylc_decl *d, const char *name)
{
    mylc_attr *a = attr(d->attrs, name);
    return a ? a->value : NULL;
}

static const char *upper_prefix(mylc_ctx *c, mylc_schema *s, const char *what)
{
    return mylc_name_join(c, mylc_name_upper(c, s->prefix), what);
}

/* A string the generated C can paste into a literal as it is: printable
 * ASCII, no escape, no trigraph ("??="). */
static bool plain_string(const mylc_value *v)
{
    if (!v || v->kind != MYLC_V_STRING || v->text.n < 2)
        return false;
    for (uint32_t i = 1; i + 1 < v->text.n; i++) {
        char ch = v->text.p[i];
        if (ch < 0x20 || ch > 0x7e || ch == '\\' || (ch == '?' && v->text.p[i + 1] == '?'))
            return false;
    }
    return true;
}

void mylc_check_root(mylc_ctx *c, mylc_schema *s)
{
    mylc_decl *root = NULL;
    for (mylc_decl *d = s->decls; d; d = d->next) {
        if (d->kind != MYLC_D_TABLE)
            continue;
        mylc_attr *r = attr(d->attrs, "root");
        mylc_attr *id = attr(d->attrs, "file_identifier");
        mylc_attr *ext = attr(d->attrs, "file_extension");
        if (!r) {
            mylc_attr *x = id ? id : ext;
            if (x)
                mylc_error(c, s->file, x->off,
                           "'%.*s' belongs to the root table (add the attribute 'root')",
                           (int)x->name.n, x->name.p);
            continue;
        }
        if (root) {
            mylc_error(c, s->file, r->off, "a schema has one root table; '%.*s' is already",
                       (int)root->name.n, root->name.p);
            continue;
        }
        root = d;
        for (mylc_attr *x = id; x; x = NULL) {
            const mylc_value *v = x->value;
            if (!plain_string(v) || v->text.n != 6)
                mylc_error(c, s->file, v ? v->off : x->off,
                           "a file_identifier is a string of exactly 4 printable characters (no "
                           "escapes, no two '?' in a row)");
        }
        if (ext && !plain_string(ext->value))
            mylc_error(c, s->file, ext->value ? ext->value->off : ext->off,
                       "a file_extension is a string of printable characters (no escapes, no "
                       "two '?' in a row)");
        const char *verify = mylc_name_join(c, d->cname, "verify_buffer");
        const char *finish = mylc_name_join(c, d->cname, "finish_buffer");
        mylc_name_claim(c, verify, s->file, r->off, "root table");
        mylc_name_claim(c, finish, s->file, r->off, "root table");
        mylc_name_claim(c, mylc_name_join(c, d->cname, "verify_size_prefixed_buffer"), s->file,
                        r->off, "root table");
        mylc_name_claim(c, mylc_name_join(c, d->cname, "size_prefixed_root"), s->file, r->off,
                        "root table");
        if (id)
            mylc_name_claim(c, upper_prefix(c, s, "FILE_IDENTIFIER"), s->file, id->off,
                            "file identifier");
        if (ext)
            mylc_name_claim(c, upper_prefix(c, s, "FILE_EXTENSION"), s->file, ext->off,
                            "file extension");
    }
}

void mylc_emit_root(mylc_ctx *c, mylc_decl *d, mylc_buf *h)
{
    if (d->kind != MYLC_D_TABLE || !attr(d->attrs, "root"))
        return;
    mylc_schema *s = d->schema;
    const mylc_value *id = mylc_root_attr(d, "file_identifier");
    const mylc_value *ext = mylc_root_attr(d, "file_extension");
    mylc_buf_printf(
        h,
        "\n/* The root table (root_type): %s_verify_buffer(buf, len) verifies the "
        "file\n * identifier too, %s_finish_buffer(b, root, flags, &msg) writes it; "
        "with\n * MYL_FB_FINISH_SIZE_PREFIX in flags, _verify_size_prefixed_buffer() and\n"
        " * _size_prefixed_root() read the result. */\n",
        d->cname, d->cname);
    if (id)
        mylc_buf_printf(h, "#define %s %.*s\n", upper_prefix(c, s, "FILE_IDENTIFIER"),
                        (int)id->text.n, id->text.p);
    if (ext)
        mylc_buf_printf(h, "#define %s %.*s\n", upper_prefix(c, s, "FILE_EXTENSION"),
                        (int)ext->text.n, ext->text.p);
    mylc_buf_printf(h, "MYL_FB_ROOT(%s, %s)\n", d->cname,
                    id ? upper_prefix(c, s, "FILE_IDENTIFIER") : "NULL");
}
