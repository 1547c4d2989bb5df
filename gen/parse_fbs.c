/* The FlatBuffers schema (.fbs) front end: flatc's schema language parsed
 * (fbs_grammar.y) into the AST the .myl front end builds, so that resolve,
 * check, layout and the emitters treat both alike: `myelonc x.fbs` gives
 * the readers, builders and verifier `myelonc x.myl` gives for the same
 * types, and a .myl schema can `import "x.fbs"` and carry its tables.
 *
 * How .fbs maps onto the AST (docs/FLATBUFFERS.md, "Using existing .fbs
 * schemas", lists every construct and its status):
 *
 *   include "y.fbs";          an import
 *   namespace A.B;            the package; after declarations (flatc
 *                             allows any number of namespaces), the
 *                             package and C prefix of the declarations
 *                             that follow (mylc_decl pkg, prefix; fbs_ns
 *                             for flatc's name resolution, resolve.c)
 *   table, struct, enum, union  the same declarations; scalar type names
 *                             (byte, ubyte, ..., int8, ..., float64) become
 *                             the built-in types (i8, u8, ..., f64)
 *   id, deprecated, required  the table field attributes of .myl
 *   force_align: N (struct)   the struct attribute align: N
 *   attribute "x"; and the attributes that only steer flatc's generators
 *   (shared, native_*, cpp_*, original_order, private, csharp_partial)
 *                             kept aside (fbs_attrs) for --emit-fbs; they
 *                             change nothing in the wire format
 *   root_type, file_identifier, file_extension  the schema's mylc_fbs_info
 *
 *   bit_flags (enum)          the enum attribute bit_flags
 *   = null                    an optional scalar, as in .myl
 *
 * What myelon cannot express yet (key, nested_flatbuffer, flexbuffer, hash,
 * union aliases, rpc_service, ...) is an error naming the construct, never
 * a syntax error.
 *
 * Tokens come from the .myl lexer and are re-coded here: FlatBuffers'
 * keywords are its own, every other word (event, channel, ...) a name.
 */
#include <stdlib.h>
#include <string.h>

#include "parse_fbs.h"

bool mylc_is_fbs_path(const char *path)
{
    size_t n = strlen(path);
    return n > 4 && strcmp(path + n - 4, ".fbs") == 0;
}

/* ---- tokens ---- */

static const struct {
    const char *word;
    int type;
} fbs_keywords[] = {
    {"include", FBS_TK_INCLUDE},
    {"native_include", FBS_TK_NATIVE_INCLUDE},
    {"namespace", FBS_TK_NAMESPACE},
    {"attribute", FBS_TK_ATTRIBUTE},
    {"table", FBS_TK_TABLE},
    {"struct", FBS_TK_STRUCT},
    {"enum", FBS_TK_ENUM},
    {"union", FBS_TK_UNION},
    {"root_type", FBS_TK_ROOT_TYPE},
    {"file_extension", FBS_TK_FILE_EXTENSION},
    {"file_identifier", FBS_TK_FILE_IDENTIFIER},
    {"rpc_service", FBS_TK_RPC_SERVICE},
    {"true", FBS_TK_TRUE},
    {"false", FBS_TK_FALSE},
};

static const char *fbs_tok_name(int type)
{
    switch (type) {
    case 0:
        return "end of file";
    case FBS_TK_SEMI:
        return "';'";
    case FBS_TK_COLON:
        return "':'";
    case FBS_TK_COMMA:
        return "','";
    case FBS_TK_LBRACE:
        return "'{'";
    case FBS_TK_RBRACE:
        return "'}'";
    case FBS_TK_LPAREN:
        return "'('";
    case FBS_TK_RPAREN:
        return "')'";
    case FBS_TK_LBRACK:
        return "'['";
    case FBS_TK_RBRACK:
        return "']'";
    case FBS_TK_EQ:
        return "'='";
    case FBS_TK_MINUS:
        return "'-'";
    case FBS_TK_INT:
        return "integer";
    case FBS_TK_FLOAT:
        return "number";
    case FBS_TK_STRING:
        return "string";
    case FBS_TK_ID:
        return "identifier";
    default:
        for (size_t i = 0; i < sizeof fbs_keywords / sizeof fbs_keywords[0]; i++)
            if (fbs_keywords[i].type == type)
                return fbs_keywords[i].word;
        return "token";
    }
}

static bool is_keyword(int type)
{
    return type >= FBS_TK_INCLUDE && type <= FBS_TK_FALSE;
}

static bool is_toplevel(int type)
{
    return type >= FBS_TK_INCLUDE && type <= FBS_TK_RPC_SERVICE;
}

/* The .myl lexer's token as a .fbs token; -1: not one (reported). */
static int recode(mylc_fbs_state *st, const mylc_tok *t)
{
    switch (t->type) {
    case 0:
        return 0;
    case MYL_TK_SEMI:
        return FBS_TK_SEMI;
    case MYL_TK_COLON:
        return FBS_TK_COLON;
    case MYL_TK_COMMA:
        return FBS_TK_COMMA;
    case MYL_TK_LBRACE:
        return FBS_TK_LBRACE;
    case MYL_TK_RBRACE:
        return FBS_TK_RBRACE;
    case MYL_TK_LPAREN:
        return FBS_TK_LPAREN;
    case MYL_TK_RPAREN:
        return FBS_TK_RPAREN;
    case MYL_TK_LBRACK:
        return FBS_TK_LBRACK;
    case MYL_TK_RBRACK:
        return FBS_TK_RBRACK;
    case MYL_TK_EQ:
        return FBS_TK_EQ;
    case MYL_TK_MINUS:
        return FBS_TK_MINUS;
    case MYL_TK_INT:
        return FBS_TK_INT;
    case MYL_TK_FLOAT:
        return FBS_TK_FLOAT;
    case MYL_TK_STRING:
        return FBS_TK_STRING;
    case MYL_TK_ARROW:
        mylc_error(st->ctx, st->file, t->off, "unexpected '->'");
        return -1;
    default: /* a name, or a .myl keyword */
        for (size_t i = 0; i < sizeof fbs_keywords / sizeof fbs_keywords[0]; i++)
            if (mylc_str_eq(t->s, fbs_keywords[i].word))
                return fbs_keywords[i].type;
        return FBS_TK_ID;
    }
}

/* ---- the driver ---- */

static bool at_line_start(const mylc_file *f, uint32_t off)
{
    return off == f->start || f->text[off - 1] == '\n';
}

/* The character a punctuation token stands for, for the checks both
 * front ends share (mylc_groups_*, mylc_value_missing); 0 for others. */
static char punct_char(int type)
{
    switch (type) {
    case FBS_TK_LPAREN:
        return '(';
    case FBS_TK_RPAREN:
        return ')';
    case FBS_TK_LBRACK:
        return '[';
    case FBS_TK_RBRACK:
        return ']';
    case FBS_TK_LBRACE:
        return '{';
    case FBS_TK_RBRACE:
        return '}';
    case FBS_TK_SEMI:
        return ';';
    case FBS_TK_EQ:
        return '=';
    case FBS_TK_COMMA:
        return ',';
    default:
        return 0;
    }
}

static bool feed(mylc_fbs_state *st, void *p, mylc_tok t)
{
    st->error = st->failed = false;
    mylcFbsParse(p, t.type, t);
    if (st->error || st->failed)
        return false;
    if (t.type == FBS_TK_LBRACE)
        st->depth++;
    else if (t.type == FBS_TK_RBRACE && st->depth > 0)
        st->depth--;
    mylc_groups_feed(&st->groups, punct_char(t.type), t.off);
    st->prev = t;
    return true;
}

static void reset_state(mylc_fbs_state *st)
{
    memset(&st->prev, 0, sizeof st->prev);
    st->prev.type = -1;
    st->depth = 0;
    st->groups.n = 0;
}

/* A C identifier from a dotted name or a file stem (as parse.c makes it). */
static char *make_prefix(mylc_ctx *c, const char *p, size_t n)
{
    char *s = mylc_alloc(&c->arena, n + 2);
    size_t k = 0;
    if (n == 0 || (p[0] >= '0' && p[0] <= '9'))
        s[k++] = 'm';
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
        s[k++] = (char)(ok ? ch : '_');
    }
    s[k] = 0;
    return s;
}

mylc_schema *mylc_parse_fbs(mylc_ctx *c, mylc_file *f)
{
    if (f->schema)
        return f->schema;
    mylc_schema *s = mylc_alloc(&c->arena, sizeof *s);
    s->file = f;
    s->decls_tail = &s->decls;
    const char *b = strrchr(f->path, '/');
    b = b ? b + 1 : f->path;
    size_t n = strlen(b) - 4; /* without ".fbs" */
    s->stem = mylc_strdup(&c->arena, b, n);
    s->pkg = s->stem;
    s->prefix = make_prefix(c, s->stem, n);
    s->fbs = mylc_alloc(&c->arena, sizeof *s->fbs);
    f->schema = s;

    mylc_pstate ps;
    memset(&ps, 0, sizeof ps);
    ps.ctx = c;
    ps.file = f;
    ps.schema = s;
    mylc_fbs_state st;
    memset(&st, 0, sizeof st);
    st.p = &ps;
    st.ctx = c;
    st.file = f;
    st.schema = s;
    st.ns = "";
    reset_state(&st);
    mylc_lexer lx;
    mylc_lex_init(&lx, c, f);
    void *p = mylcFbsParseAlloc(malloc, &st);
    unsigned depth = 0; /* while skipping */
    bool skipping = false;
    for (;;) {
        mylc_tok t = mylc_lex_next(&lx);
        t.type = recode(&st, &t);
        if (t.type < 0)
            continue;
        if (skipping) {
            if (t.type == 0)
                break;
            /* the next top-level item: a keyword at depth 0 or one that
             * begins its line */
            if (is_toplevel(t.type) && (depth == 0 || at_line_start(f, t.off))) {
                skipping = false;
                reset_state(&st);
                p = mylcFbsParseAlloc(malloc, &st);
            } else {
                if (t.type == FBS_TK_LBRACE)
                    depth++;
                else if (t.type == FBS_TK_RBRACE && depth > 0)
                    depth--;
                continue;
            }
        }
        if (feed(&st, p, t)) {
            if (t.type == 0)
                break;
            continue;
        }
        s->syntax_error = true;
        mylcFbsParseFree(p, free);
        p = NULL;
        if (t.type == 0 || c->stop)
            break;
        depth = st.depth;
        if (is_toplevel(t.type) && at_line_start(f, t.off)) {
            /* restart at the declaration the error ran into */
            reset_state(&st);
            p = mylcFbsParseAlloc(malloc, &st);
            if (feed(&st, p, t))
                continue;
            mylcFbsParseFree(p, free);
            p = NULL;
            depth = st.depth;
        }
        if (t.type == FBS_TK_LBRACE)
            depth++;
        else if (t.type == FBS_TK_RBRACE && depth > 0)
            depth--;
        skipping = true;
    }
    if (p)
        mylcFbsParseFree(p, free);
    return s;
}

/* ---- errors ---- */

static void describe(const mylc_tok *t, char *out, size_t n)
{
    if (t->type == FBS_TK_ID || t->type == FBS_TK_INT || t->type == FBS_TK_FLOAT) {
        unsigned len = t->s.n > 40 ? 40 : t->s.n;
        snprintf(out, n, "%s '%.*s'%s", fbs_tok_name(t->type), (int)len, t->s.p,
                 t->s.n > 40 ? "..." : "");
    } else if (is_keyword(t->type)) {
        snprintf(out, n, "keyword '%s'", fbs_tok_name(t->type));
    } else {
        snprintf(out, n, "%s", fbs_tok_name(t->type));
    }
}

void mylc_fbs_syntax_error(mylc_fbs_state *st, int major, const mylc_tok *tok)
{
    mylc_tok t = *tok;
    t.type = major;
    if (major == 0)
        t.off = st->file->len;
    st->error = true;
    const mylc_tok *pv = &st->prev;
    uint32_t pv_end = pv->off + pv->s.n;
    /* inside '(' or '[', the end of an item or of the file: the group
     * was never closed (not a ';' forgotten) */
    char gc = punct_char(major);
    if ((major == 0 || gc) && mylc_groups_error(st->ctx, st->file, &st->groups, gc,
                                                major == 0 && pv->type > 0 ? pv_end : t.off))
        return;
    /* a token on a new line after one that cannot end an item: a
     * forgotten ';' at the end of the previous line */
    if (pv->type > 0 && pv->type != FBS_TK_SEMI && pv->type != FBS_TK_LBRACE &&
        pv->type != FBS_TK_RBRACE && pv->type != FBS_TK_COMMA && major != FBS_TK_SEMI &&
        (major == 0 || memchr(st->file->text + pv_end, '\n', t.off - pv_end) != NULL) &&
        (major == FBS_TK_RBRACE || major == FBS_TK_ID || major == 0 || is_keyword(major))) {
        mylc_error(st->ctx, st->file, pv_end, "expected ';' after %s", fbs_tok_name(pv->type));
        return;
    }
    /* on the same line, a '}' after what ends a field: its ';' */
    if (major == FBS_TK_RBRACE &&
        (pv->type == FBS_TK_ID || pv->type == FBS_TK_INT || pv->type == FBS_TK_FLOAT ||
         pv->type == FBS_TK_STRING || pv->type == FBS_TK_RBRACK || pv->type == FBS_TK_RPAREN ||
         is_keyword(pv->type))) {
        mylc_error(st->ctx, st->file, pv_end, "expected ';' after %s", fbs_tok_name(pv->type));
        return;
    }
    if (mylc_value_missing(st->ctx, st->file, punct_char(pv->type), gc, major == 0, pv_end))
        return;
    char d[80];
    describe(&t, d, sizeof d);
    if (st->depth == 0 && major != 0 && !is_toplevel(major) &&
        (pv->type <= 0 || pv->type == FBS_TK_SEMI || pv->type == FBS_TK_RBRACE)) {
        mylc_error(st->ctx, st->file, t.off,
                   "expected a declaration (table, struct, enum, union, namespace, include, "
                   "root_type, ...), found %s",
                   d);
        return;
    }
    if (major == 0 && st->depth > 0) {
        mylc_error(st->ctx, st->file, t.off, "missing '}' at the end of the file");
        return;
    }
    mylc_error(st->ctx, st->file, t.off, "syntax error: unexpected %s", d);
}

void mylc_fbs_stack_overflow(mylc_fbs_state *st)
{
    st->failed = true;
    mylc_error(st->ctx, st->file, st->prev.off, "input nested too deeply");
}

void mylc_fbs_unsupported(mylc_fbs_state *st, const mylc_tok *at, const char *what)
{
    if (strcmp(what, "rpc_service") == 0)
        mylc_error(st->ctx, st->file, at->off,
                   "rpc_service is not supported (myelon has no RPC layer; channels carry "
                   "tables between processes)");
    else if (strcmp(what, "native_include") == 0)
        mylc_error(st->ctx, st->file, at->off,
                   "native_include is not supported (it names a C++ header for flatc's object "
                   "API)");
    else if (strcmp(what, "json") == 0)
        mylc_error(st->ctx, st->file, at->off,
                   "a JSON object in a schema is not supported (myelonc reads schemas, not data)");
    else
        mylc_error(st->ctx, st->file, at->off, "%s is not supported", what);
}

/* ---- items ---- */

void mylc_fbs_include(mylc_fbs_state *st, const mylc_tok *kw, const mylc_tok *path)
{
    mylc_schema *s = st->schema;
    if (s->ndecls)
        mylc_error(st->ctx, st->file, kw->off, "includes must come before declarations");
    mylc_import *im = mylc_alloc(&st->ctx->arena, sizeof *im);
    im->path = path->s;
    im->off = path->off;
    mylc_import **tail = &s->imports;
    while (*tail)
        tail = &(*tail)->next;
    *tail = im;
}

void mylc_fbs_namespace(mylc_fbs_state *st, const mylc_tok *kw, const mylc_tok *name)
{
    (void)kw;
    mylc_schema *s = st->schema;
    mylc_ctx *c = st->ctx;
    st->ns = name ? mylc_strdup(&c->arena, name->s.p, name->s.n) : "";
    st->ns_pkg = st->ns_prefix = NULL;
    if (!s->ndecls) {
        /* before any declaration: the file's namespace (the last such) */
        s->has_package = name != NULL;
        if (name) {
            s->package_off = name->off;
            s->package = name->s;
            s->pkg = mylc_strdup(&c->arena, name->s.p, name->s.n);
            s->prefix = make_prefix(c, name->s.p, name->s.n);
        } else {
            s->pkg = s->stem;
            s->prefix = make_prefix(c, s->stem, strlen(s->stem));
        }
        return;
    }
    /* after declarations (flatc allows any number): those that follow
     * are in this namespace, with its package and C prefix unless it is
     * the file's; none gives them the file's stem */
    if (name ? s->has_package && mylc_str_same(s->package, name->s) : !s->has_package)
        return;
    st->ns_pkg = name ? st->ns : s->stem;
    st->ns_prefix = make_prefix(c, st->ns_pkg, strlen(st->ns_pkg));
}

/* A name as declared: "x" or x. */
static mylc_str unquoted(const mylc_tok *t)
{
    mylc_str r = t->s;
    if (t->type == FBS_TK_STRING && r.n >= 2) {
        r.p++;
        r.n -= 2;
    }
    return r;
}

void mylc_fbs_attribute(mylc_fbs_state *st, const mylc_tok *kw, const mylc_tok *name)
{
    (void)kw;
    mylc_value *v = mylc_p_value(st->p, MYLC_V_IDENT, name, NULL);
    v->text = unquoted(name);
    mylc_value **tail = &st->schema->fbs->attributes;
    while (*tail)
        tail = &(*tail)->next;
    *tail = v;
}

static bool once(mylc_fbs_state *st, mylc_value *prev, const mylc_tok *kw, const char *what)
{
    if (!prev)
        return true;
    mylc_error(st->ctx, st->file, kw->off, "duplicate '%s'", what);
    mylc_note(st->ctx, st->file, prev->off, "first given here");
    return false;
}

void mylc_fbs_root_type(mylc_fbs_state *st, const mylc_tok *kw, const mylc_tok *name)
{
    mylc_fbs_info *x = st->schema->fbs;
    if (once(st, x->root_type, kw, "root_type")) {
        x->root_type = mylc_p_value(st->p, MYLC_V_IDENT, name, NULL);
        x->root_ns = st->ns;
    }
}

void mylc_fbs_file_ident(mylc_fbs_state *st, const mylc_tok *kw, const mylc_tok *s)
{
    mylc_fbs_info *x = st->schema->fbs;
    if (!once(st, x->file_ident, kw, "file_identifier"))
        return;
    if (unquoted(s).n != 4 || memchr(s->s.p, '\\', s->s.n)) {
        mylc_error(st->ctx, st->file, s->off,
                   "a file_identifier must be exactly 4 characters (no escapes)");
        return;
    }
    x->file_ident = mylc_p_value(st->p, MYLC_V_STRING, s, NULL);
}

void mylc_fbs_file_ext(mylc_fbs_state *st, const mylc_tok *kw, const mylc_tok *s)
{
    mylc_fbs_info *x = st->schema->fbs;
    if (once(st, x->file_ext, kw, "file_extension"))
        x->file_ext = mylc_p_value(st->p, MYLC_V_STRING, s, NULL);
}

void mylc_fbs_decl(mylc_fbs_state *st, mylc_decl *d)
{
    *st->schema->decls_tail = d;
    st->schema->decls_tail = &d->next;
    st->schema->ndecls++;
}

/* ---- attributes ---- */

/* flatc's attributes that only steer its code generators (the object API,
 * C#, private declarations, the builder's field order): no effect on the
 * wire format or on what myelon generates. Kept for --emit-fbs. */
static const char *const generator_attrs[] = {"shared",
                                              "native_inline",
                                              "native_default",
                                              "native_custom_alloc",
                                              "native_type",
                                              "cpp_type",
                                              "native_type_pack_name",
                                              "cpp_ptr_type",
                                              "cpp_ptr_type_get",
                                              "cpp_str_type",
                                              "cpp_str_flex_ctor",
                                              "original_order",
                                              "private",
                                              "csharp_partial",
                                              NULL};

/* flatc's attributes with a meaning myelon does not implement yet. */
static const struct {
    const char *name, *why;
} planned_attrs[] = {
    {"key", "'key' is supported on table and struct fields only (sorted vectors, lookup by "
            "key)"},
    {"nested_flatbuffer", "'nested_flatbuffer' is supported on table fields only"},
    {"flexbuffer", "'flexbuffer' fields are not supported (declare the field as [ubyte])"},
    {"hash", "'hash' attributes are not supported yet"},
    {"bit_flags", "'bit_flags' is an attribute of enums only"},
    {"streaming", "'streaming' belongs to rpc_service, which is not supported"},
    {"idempotent", "'idempotent' belongs to rpc_service, which is not supported"},
};

static bool in_list(const char *const *l, mylc_str n)
{
    for (; *l; l++)
        if (mylc_str_eq(n, *l))
            return true;
    return false;
}

static mylc_attr *mk_attr(mylc_fbs_state *st, const mylc_attr *a, const char *name)
{
    mylc_attr *r = mylc_alloc(&st->ctx->arena, sizeof *r);
    *r = *a;
    r->next = NULL;
    if (name) {
        r->name.p = name;
        r->name.n = (uint32_t)strlen(name);
    }
    return r;
}

/* Splits attrs (as parsed, in order) into those the AST keeps (names in
 * keep; force_align renamed to align when align is set) and those without
 * effect (*aside); reports the rest. */
static mylc_attr *split_attrs(mylc_fbs_state *st, mylc_attr *attrs, const char *const *keep,
                              bool align, mylc_attr **aside, const char *where)
{
    mylc_attr *out = NULL, **ot = &out, **at = aside;
    for (mylc_attr *a = attrs; a; a = a->next) {
        if (keep && in_list(keep, a->name)) {
            *ot = mk_attr(st, a, NULL);
            ot = &(*ot)->next;
            continue;
        }
        if (mylc_str_eq(a->name, "force_align")) {
            if (align) {
                *ot = mk_attr(st, a, "align");
                ot = &(*ot)->next;
            } else {
                mylc_error(st->ctx, st->file, a->off,
                           "'force_align' is supported on structs only (not on %s)", where);
            }
            continue;
        }
        bool planned = false;
        for (size_t i = 0; i < sizeof planned_attrs / sizeof planned_attrs[0]; i++)
            if (mylc_str_eq(a->name, planned_attrs[i].name)) {
                mylc_error(st->ctx, st->file, a->off, "%s", planned_attrs[i].why);
                planned = true;
            }
        if (planned)
            continue;
        if (mylc_str_eq(a->name, "id") || mylc_str_eq(a->name, "deprecated") ||
            mylc_str_eq(a->name, "required")) {
            /* where .myl has no such attribute: the checker says so */
            *ot = mk_attr(st, a, NULL);
            ot = &(*ot)->next;
            continue;
        }
        /* flatc's generator attributes, and the schema's own (checked
         * against the declarations once the includes are parsed) */
        *at = mk_attr(st, a, NULL);
        at = &(*at)->next;
    }
    return out;
}

static const char *const table_field_keep[] = {"id",  "deprecated",        "required",
                                               "key", "nested_flatbuffer", NULL};
static const char *const struct_field_keep[] = {"key", NULL};
static const char *const enum_keep[] = {"bit_flags", NULL};

/* ---- declarations ---- */

static mylc_decl *new_decl(mylc_fbs_state *st, mylc_decl_kind kind, const mylc_tok *kw,
                           const mylc_tok *name)
{
    mylc_decl *d = mylc_alloc(&st->ctx->arena, sizeof *d);
    d->kind = kind;
    d->name = name->s;
    d->off = name->off;
    d->schema = st->schema;
    d->doc = kw->doc;
    d->fbs_ns = st->ns;
    d->pkg = st->ns_pkg;
    d->prefix = st->ns_prefix;
    return d;
}

mylc_decl *mylc_fbs_record(mylc_fbs_state *st, mylc_decl_kind kind, const mylc_tok *kw,
                           const mylc_tok *name, mylc_attr *attrs, mylc_field *fields)
{
    mylc_decl *d = new_decl(st, kind, kw, name);
    bool table = kind == MYLC_D_TABLE;
    d->attrs = split_attrs(st, attrs, NULL, !table, &d->fbs_attrs, table ? "tables" : "structs");
    mylc_field *r = NULL;
    while (fields) {
        mylc_field *n = fields->next;
        fields->next = r;
        r = fields;
        fields = n;
    }
    for (mylc_field *f = r; f; f = f->next)
        f->attrs = split_attrs(st, f->attrs, table ? table_field_keep : struct_field_keep, false,
                               &f->fbs_attrs, table ? "table fields" : "struct fields");
    d->fields = r;
    return d;
}

mylc_decl *mylc_fbs_enum(mylc_fbs_state *st, const mylc_tok *kw, const mylc_tok *name,
                         const mylc_tok *under, mylc_attr *attrs, mylc_enumval *vals)
{
    mylc_decl *d = new_decl(st, MYLC_D_ENUM, kw, name);
    d->attrs = split_attrs(st, attrs, enum_keep, false, &d->fbs_attrs, "enums");
    d->under.shape = MYLC_SHAPE_PLAIN;
    if (under) {
        mylc_type t;
        mylc_fbs_type(st, &t, MYLC_SHAPE_PLAIN, under, NULL, NULL);
        d->under.name = t.name;
        d->under.off = under->off;
    } else {
        mylc_error(st->ctx, st->file, name->off,
                   "enum '%.*s' needs an underlying integer type (': ubyte', say), as flatc "
                   "requires",
                   (int)name->s.n, name->s.p);
        d->under.name.p = "i16";
        d->under.name.n = 3;
        d->under.off = name->off;
    }
    mylc_enumval *r = NULL;
    while (vals) {
        mylc_enumval *n = vals->next;
        vals->next = r;
        r = vals;
        vals = n;
    }
    d->values = r;
    return d;
}

mylc_decl *mylc_fbs_union(mylc_fbs_state *st, const mylc_tok *kw, const mylc_tok *name,
                          mylc_attr *attrs, mylc_value *members)
{
    mylc_decl *d = new_decl(st, MYLC_D_UNION, kw, name);
    d->attrs = split_attrs(st, attrs, NULL, false, &d->fbs_attrs, "unions");
    d->members = members;
    return d;
}

mylc_enumval *mylc_fbs_enumval(mylc_fbs_state *st, const mylc_tok *name, mylc_value *v,
                               mylc_attr *attrs)
{
    if (attrs)
        mylc_error(st->ctx, st->file, attrs->off, "attributes on enum values are not supported");
    mylc_enumval *e = mylc_p_enumval(st->p, name, v);
    return e;
}

mylc_value *mylc_fbs_member(mylc_fbs_state *st, const mylc_tok *alias, const mylc_tok *type,
                            mylc_value *v)
{
    return mylc_p_member(st->p, alias, type, v);
}

mylc_field *mylc_fbs_field(mylc_fbs_state *st, const mylc_tok *name, const mylc_type *t,
                           mylc_value *dflt, mylc_attr *attrs)
{
    /* null (optional scalars), nan, inf, -inf, infinity: as in .myl
     * (check.c); mylc_p_value() reported a '-' before any other name */
    /* flatc takes 0 and 1 for bools */
    if (dflt && dflt->kind == MYLC_V_INT && !dflt->neg && t->shape == MYLC_SHAPE_PLAIN &&
        mylc_str_eq(t->name, "bool") &&
        (mylc_str_eq(dflt->text, "0") || mylc_str_eq(dflt->text, "1"))) {
        bool one = dflt->text.p[0] == '1';
        dflt->kind = MYLC_V_BOOL;
        dflt->text.p = one ? "true" : "false";
        dflt->text.n = one ? 4 : 5;
    }
    mylc_field *f = mylc_p_field(st->p, name, t, dflt, attrs);
    return f;
}

/* FlatBuffers' scalar type names and the built-in types they are. */
static const struct {
    const char *fbs, *myl;
} fbs_types[] = {
    {"bool", "bool"},   {"byte", "i8"},       {"ubyte", "u8"},   {"short", "i16"},
    {"ushort", "u16"},  {"int", "i32"},       {"uint", "u32"},   {"long", "i64"},
    {"ulong", "u64"},   {"float", "f32"},     {"double", "f64"}, {"int8", "i8"},
    {"uint8", "u8"},    {"int16", "i16"},     {"uint16", "u16"}, {"int32", "i32"},
    {"uint32", "u32"},  {"int64", "i64"},     {"uint64", "u64"}, {"float32", "f32"},
    {"float64", "f64"}, {"string", "string"},
};

void mylc_fbs_type(mylc_fbs_state *st, mylc_type *out, mylc_type_shape shape, const mylc_tok *name,
                   mylc_value *len, const mylc_tok *open)
{
    mylc_p_type(st->p, out, shape, name, len, open);
    for (size_t i = 0; i < sizeof fbs_types / sizeof fbs_types[0]; i++)
        if (mylc_str_eq(name->s, fbs_types[i].fbs)) {
            out->name.p = fbs_types[i].myl;
            out->name.n = (uint32_t)strlen(fbs_types[i].myl);
            return;
        }
    if (mylc_builtin_lookup(name->s) != MYLC_T_NONE) {
        /* a .myl built-in (u8, char, bytes, ...) is no FlatBuffers type */
        mylc_error(st->ctx, st->file, name->off,
                   "unknown type '%.*s' (FlatBuffers has no such type)", (int)name->s.n, name->s.p);
    }
}

/* ---- after check ---- */

/* Is attribute n declared in s or a schema it includes (transitively, as
 * flatc sees them)? */
static bool declared(mylc_schema *s, mylc_str n, unsigned depth)
{
    if (!s || !s->fbs || depth > MYLC_MAX_IMPORT_DEPTH)
        return false;
    for (mylc_value *v = s->fbs->attributes; v; v = v->next)
        if (mylc_str_same(v->text, n))
            return true;
    for (mylc_import *im = s->imports; im; im = im->next)
        if (im->file && declared(im->file->schema, n, depth + 1))
            return true;
    return false;
}

/* flatc's own attributes, for "did you mean" */
static const char *const flatc_attrs[] = {
    "id",   "deprecated", "required",    "key",       "nested_flatbuffer", "flexbuffer",
    "hash", "bit_flags",  "force_align", "streaming", "idempotent",        NULL};

static void check_declared(mylc_ctx *c, mylc_schema *s, const mylc_attr *a)
{
    for (; a; a = a->next) {
        if (in_list(generator_attrs, a->name) || declared(s, a->name, 0))
            continue;
        /* a misspelt attribute of flatc's or of the schema's own */
        mylc_suggest sg;
        mylc_suggest_init(&sg, a->name.p, a->name.n);
        for (const char *const *l = flatc_attrs; *l; l++)
            mylc_suggest_add(&sg, *l, (uint32_t)strlen(*l));
        for (const char *const *l = generator_attrs; *l; l++)
            mylc_suggest_add(&sg, *l, (uint32_t)strlen(*l));
        for (mylc_value *v = s->fbs ? s->fbs->attributes : NULL; v; v = v->next)
            mylc_suggest_add(&sg, v->text.p, v->text.n);
        const char *hint = mylc_suggest_hint(&sg);
        if (*hint)
            mylc_error(c, s->file, a->off, "unknown attribute '%.*s'%s", (int)a->name.n, a->name.p,
                       hint);
        else
            mylc_error(c, s->file, a->off,
                       "unknown attribute '%.*s' (declare it first: attribute \"%.*s\";)",
                       (int)a->name.n, a->name.p, (int)a->name.n, a->name.p);
    }
}

void mylc_fbs_check(mylc_ctx *c, mylc_schema *s)
{
    mylc_fbs_info *x = s->fbs;
    if (!x)
        return;
    for (mylc_decl *d = s->decls; d; d = d->next) {
        check_declared(c, s, d->fbs_attrs);
        for (mylc_field *f = d->fields; f; f = f->next)
            check_declared(c, s, f->fbs_attrs);
    }
    if (!x->root_type)
        return;
    /* flatc: the name as a fully qualified one, then in the namespace
     * root_type is given in */
    mylc_decl *d = mylc_lookup_fq(s, x->root_type->text);
    if (!d)
        d = mylc_lookup_ns(c, s, x->root_ns, x->root_type->text, x->root_type->off, true);
    if (d && d->kind != MYLC_D_TABLE) {
        mylc_error(c, s->file, x->root_type->off, "root_type '%.*s' is not a table",
                   (int)x->root_type->text.n, x->root_type->text.p);
        return;
    }
    if (d && d->schema != s) {
        mylc_error(c, s->file, x->root_type->off,
                   "a root_type from an included schema is not supported yet (declare it there)");
        return;
    }
    if (!d)
        return;
    x->root = d;
    /* the .myl form (root.c): attributes of the root table */
    static const char *const names[] = {"root", "file_identifier", "file_extension"};
    mylc_value *vals[] = {NULL, x->file_ident, x->file_ext};
    mylc_attr **tail = &d->attrs;
    while (*tail)
        tail = &(*tail)->next;
    for (int i = 0; i < 3; i++) {
        if (i > 0 && !vals[i])
            continue;
        mylc_attr *a = mylc_alloc(&c->arena, sizeof *a);
        a->name.p = names[i];
        a->name.n = (uint32_t)strlen(names[i]);
        a->off = i ? vals[i]->off : x->root_type->off;
        a->value = vals[i];
        *tail = a;
        tail = &a->next;
    }
}
