/* Loading files and parsing them: the driver that feeds the lexer's tokens
 * to the lemon parser, recovers from syntax errors, and the helpers the
 * grammar's actions call to build the AST.
 *
 * Error recovery: after a syntax error the parser instance is dropped and
 * tokens are skipped up to the next top-level keyword that is either at
 * brace depth 0 or the first thing on its line; a fresh parser starts there.
 * Declarations completed before the error are kept (for --dump-ast), but a
 * schema with syntax errors is not checked further.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse.h"

void mylc_ctx_init(mylc_ctx *c, FILE *err)
{
    memset(c, 0, sizeof *c);
    c->err = err;
}

void mylc_ctx_free(mylc_ctx *c)
{
    for (unsigned i = 0; i < c->nfiles; i++) {
        free(c->files[i]->lines);
        if (c->files[i]->schema) {
            mylc_map_free(&c->files[i]->schema->names);
            mylc_map_free(&c->files[i]->schema->fqnames);
        }
    }
    free(c->files);
    mylc_map_free(&c->cnames);
    mylc_arena_free(&c->arena);
}

static mylc_file *add_file(mylc_ctx *c, const char *path, char *text, size_t len)
{
    mylc_file *f = mylc_alloc(&c->arena, sizeof *f);
    f->path = mylc_strdup(&c->arena, path, strlen(path));
    f->text = text;
    f->len = (uint32_t)len;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        f->start = 3;
    if (c->nfiles == c->capfiles) {
        c->capfiles = c->capfiles ? c->capfiles * 2 : 16;
        mylc_file **nf = realloc(c->files, sizeof *nf * c->capfiles);
        if (!nf) {
            fputs("myelonc: out of memory\n", stderr);
            abort();
        }
        c->files = nf;
    }
    c->files[c->nfiles++] = f;
    return f;
}

mylc_file *mylc_load_mem(mylc_ctx *c, const char *path, const char *text, size_t len)
{
    if (len > MYLC_MAX_FILE_SIZE) {
        mylc_error(c, NULL, 0, "%s: file is too large (at most %u bytes)", path,
                   MYLC_MAX_FILE_SIZE);
        return NULL;
    }
    for (unsigned i = 0; i < c->nfiles; i++)
        if (strcmp(c->files[i]->path, path) == 0)
            return c->files[i];
    mylc_file *f = add_file(c, path, mylc_strdup(&c->arena, text, len), len);
    f->dev = 0;
    f->ino = c->nfiles;
    return f;
}

mylc_file *mylc_load(mylc_ctx *c, const char *path, const mylc_file *from, uint32_t off)
{
    if (c->mem_lookup) {
        size_t len;
        const char *text = c->mem_lookup(c->mem_ud, path, &len);
        if (!text) {
            mylc_error(c, from, off, "cannot open '%s': %s", path, strerror(ENOENT));
            return NULL;
        }
        return mylc_load_mem(c, path, text, len);
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        mylc_error(c, from, off, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        mylc_error(c, from, off, "cannot read '%s': not a regular file", path);
        close(fd);
        return NULL;
    }
    for (unsigned i = 0; i < c->nfiles; i++)
        if (c->files[i]->dev == (uint64_t)st.st_dev && c->files[i]->ino == (uint64_t)st.st_ino) {
            close(fd);
            return c->files[i];
        }
    if (st.st_size > (off_t)MYLC_MAX_FILE_SIZE) {
        mylc_error(c, from, off, "'%s' is too large (%lld bytes; at most %u)", path,
                   (long long)st.st_size, MYLC_MAX_FILE_SIZE);
        close(fd);
        return NULL;
    }
    size_t len = (size_t)st.st_size;
    char *text = mylc_alloc(&c->arena, len + 1);
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, text + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    text[got] = 0;
    mylc_file *f = add_file(c, path, text, got);
    f->dev = (uint64_t)st.st_dev;
    f->ino = (uint64_t)st.st_ino;
    return f;
}

/* ---- the driver ---- */

static bool is_toplevel(int type)
{
    switch (type) {
    case MYL_TK_MYELON:
    case MYL_TK_PACKAGE:
    case MYL_TK_IMPORT:
    case MYL_TK_ENUM:
    case MYL_TK_EVENT:
    case MYL_TK_STRUCT:
    case MYL_TK_TABLE:
    case MYL_TK_UNION:
    case MYL_TK_CHANNEL:
    case MYL_TK_TOPOLOGY:
    case MYL_TK_PIPELINE:
    case MYL_TK_BRIDGE:
        return true;
    default:
        return false;
    }
}

static bool at_line_start(const mylc_file *f, uint32_t off)
{
    return off == f->start || f->text[off - 1] == '\n';
}

static char *make_stem(mylc_ctx *c, const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strlen(b);
    if (n > 4 && strcmp(b + n - 4, ".myl") == 0)
        n -= 4;
    return mylc_strdup(&c->arena, b, n);
}

/* A C identifier from a dotted name or a file stem. */
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

static void reset_state(mylc_pstate *st)
{
    memset(&st->prev, 0, sizeof st->prev);
    st->prev.type = -1;
    st->prev2 = st->prev;
    st->suspect = st->prev;
    st->depth = 0;
    st->groups.n = 0;
}

void mylc_groups_feed(mylc_groups *g, char c, uint32_t off)
{
    if (c == '(' || c == '[') {
        if (g->n < MYLC_BRACES) {
            g->off[g->n] = off;
            g->open[g->n] = c;
        }
        g->n++;
    } else if ((c == ')' || c == ']') && g->n > 0) {
        g->n--;
    }
}

bool mylc_groups_error(mylc_ctx *c, mylc_file *f, const mylc_groups *g, char found, uint32_t at)
{
    if (g->n == 0 || g->n > MYLC_BRACES)
        return false;
    char open = g->open[g->n - 1];
    char close = open == '(' ? ')' : ']';
    bool wrong_close = (found == ')' || found == ']') && found != close;
    if (found != 0 && found != ';' && found != '{' && found != '}' && !wrong_close)
        return false;
    mylc_error(c, f, g->off[g->n - 1], "missing '%c': this '%c' is not closed", close, open);
    if (found == 0)
        mylc_note(c, f, at, "the file ends here");
    else
        mylc_note(c, f, at, "'%c' found here", found);
    return true;
}

bool mylc_value_missing(mylc_ctx *c, mylc_file *f, char prev, char found, bool eof, uint32_t at)
{
    if (prev != '=' || !(eof || (found && strchr(";,})", found))))
        return false;
    mylc_error(c, f, at, "expected a value after '='");
    return true;
}

/* The character a punctuation token stands for, for the checks both
 * front ends share (mylc_groups_*, mylc_value_missing); 0 for others. */
static char punct_char(int type)
{
    switch (type) {
    case MYL_TK_LPAREN:
        return '(';
    case MYL_TK_RPAREN:
        return ')';
    case MYL_TK_LBRACK:
        return '[';
    case MYL_TK_RBRACK:
        return ']';
    case MYL_TK_LBRACE:
        return '{';
    case MYL_TK_RBRACE:
        return '}';
    case MYL_TK_SEMI:
        return ';';
    case MYL_TK_EQ:
        return '=';
    case MYL_TK_COMMA:
        return ',';
    default:
        return 0;
    }
}

/* A top-level keyword that begins its line. */
static bool kw_at_line_start(const mylc_pstate *st, const mylc_tok *t)
{
    return t->type > 0 && is_toplevel(t->type) && at_line_start(st->file, t->off);
}

/* Feeds one token to the parser; false on a syntax error. Braces and the
 * tokens before are tracked for the error messages. */
static bool feed(mylc_pstate *st, void *p, mylc_tok t)
{
    st->error = st->failed = false;
    mylcParse(p, t.type, t);
    if (st->error || st->failed)
        return false;
    if (t.type == MYL_TK_LBRACE) {
        if (st->depth < MYLC_BRACES)
            st->brace_off[st->depth] = t.off;
        st->depth++;
    } else if (t.type == MYL_TK_RBRACE && st->depth > 0) {
        if (--st->depth == 0)
            st->suspect.type = -1;
    }
    mylc_groups_feed(&st->groups, punct_char(t.type), t.off);
    if (st->depth > 0 && t.type == MYL_TK_ID && kw_at_line_start(st, &st->prev))
        st->suspect = st->prev;
    st->prev2 = st->prev;
    st->prev = t;
    return true;
}

mylc_schema *mylc_parse(mylc_ctx *c, mylc_file *f)
{
    if (f->schema)
        return f->schema;
    if (mylc_is_fbs_path(f->path))
        return mylc_parse_fbs(c, f);
    mylc_schema *s = mylc_alloc(&c->arena, sizeof *s);
    s->file = f;
    s->decls_tail = &s->decls;
    s->stem = make_stem(c, f->path);
    s->pkg = s->stem;
    s->prefix = make_prefix(c, s->stem, strlen(s->stem));
    f->schema = s;

    mylc_pstate st;
    memset(&st, 0, sizeof st);
    st.ctx = c;
    st.file = f;
    st.schema = s;
    reset_state(&st);
    mylc_lexer lx;
    mylc_lex_init(&lx, c, f);
    void *p = mylcParseAlloc(malloc, &st);
    unsigned depth = 0; /* while skipping */
    bool skipping = false;
    for (;;) {
        mylc_tok t = mylc_lex_next(&lx);
        if (skipping) {
            if (t.type == 0)
                break;
            /* A keyword at the top level or beginning a line; or, at the
             * top level, any word beginning a line (the next item,
             * misspelt: its own error, not the first one's shadow). */
            if ((is_toplevel(t.type) && (depth == 0 || at_line_start(f, t.off))) ||
                (depth == 0 && t.type == MYL_TK_ID && at_line_start(f, t.off))) {
                skipping = false;
                reset_state(&st);
                p = mylcParseAlloc(malloc, &st);
            } else {
                if (t.type == MYL_TK_LBRACE)
                    depth++;
                else if (t.type == MYL_TK_RBRACE && depth > 0)
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
        mylcParseFree(p, free);
        p = NULL;
        if (t.type == 0 || c->stop)
            break;
        /* Restart at the declaration the error ran into, so that it is
         * parsed (and its own errors reported): the keyword that began a
         * line inside braces ("}" left out before "event B"), or the
         * failing token itself when a keyword begins its line. */
        mylc_tok replay[3];
        unsigned nr = 0;
        if (st.depth > 0 && st.suspect.type > 0 && st.suspect.off == st.prev2.off) {
            replay[nr++] = st.prev2;
            replay[nr++] = st.prev;
        } else if (st.depth > 0 && ((st.suspect.type > 0 && st.suspect.off == st.prev.off) ||
                                    (t.type == MYL_TK_ID && kw_at_line_start(&st, &st.prev)))) {
            replay[nr++] = st.prev;
        }
        if (nr || kw_at_line_start(&st, &t))
            replay[nr++] = t;
        depth = st.depth;
        if (nr) {
            reset_state(&st);
            p = mylcParseAlloc(malloc, &st);
            bool ok = true;
            for (unsigned k = 0; k < nr && ok; k++)
                ok = feed(&st, p, replay[k]);
            if (ok)
                continue;
            mylcParseFree(p, free);
            p = NULL;
            if (c->stop)
                break;
            depth = st.depth;
        }
        if (t.type == MYL_TK_LBRACE)
            depth++;
        else if (t.type == MYL_TK_RBRACE && depth > 0)
            depth--;
        skipping = true;
    }
    if (p)
        mylcParseFree(p, free);
    if (!s->has_header && !s->syntax_error)
        mylc_error(c, f, f->start, "expected 'myelon 1;' at the start of the schema");
    return s;
}

/* ---- actions ---- */

static void describe(const mylc_tok *t, char *out, size_t n)
{
    if (t->type == MYL_TK_ID || t->type == MYL_TK_INT || t->type == MYL_TK_FLOAT) {
        unsigned len = t->s.n > 40 ? 40 : t->s.n;
        snprintf(out, n, "%s '%.*s'%s", mylc_tok_name(t->type), (int)len, t->s.p,
                 t->s.n > 40 ? "..." : "");
    } else if (t->type >= MYL_TK_MYELON && t->type <= MYL_TK_FALSE) {
        snprintf(out, n, "keyword '%s'", mylc_tok_name(t->type));
    } else {
        snprintf(out, n, "%s", mylc_tok_name(t->type));
    }
}

/* The next byte after off that is not blank or inside a comment. */
static char next_char(const mylc_file *f, uint32_t off)
{
    while (off < f->len) {
        char ch = f->text[off];
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
            off++;
        } else if (ch == '/' && off + 1 < f->len && f->text[off + 1] == '/') {
            while (off < f->len && f->text[off] != '\n')
                off++;
        } else {
            return ch;
        }
    }
    return 0;
}

/* Can this token end what comes before a ';' (a name, a value, a type)? */
static bool ends_item(int type)
{
    return type == MYL_TK_ID || type == MYL_TK_INT || type == MYL_TK_FLOAT ||
           type == MYL_TK_STRING || type == MYL_TK_RBRACK || type == MYL_TK_RPAREN ||
           (type >= MYL_TK_MYELON && type <= MYL_TK_BRIDGE);
}

static const char *const decl_words[] = {"myelon",   "package", "import", "enum",    "event",
                                         "struct",   "table",   "union",  "channel", "topology",
                                         "pipeline", "bridge",  NULL};

/* Where a declaration was expected and a word came: a keyword misspelt, or
 * another IDL's word for one. */
static const char *keyword_hint(const mylc_tok *t, mylc_suggest *sg)
{
    static const struct {
        const char *word, *hint;
    } foreign[] = {
        {"message", "; did you mean 'table' (or 'event', for a fixed-size message)?"},
        {"namespace", "; did you mean 'package'?"},
        {"include", "; did you mean 'import'?"},
        {"syntax", "; a schema begins with 'myelon 1;'"},
    };
    for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++)
        if (t->s.n == strlen(foreign[i].word) && memcmp(t->s.p, foreign[i].word, t->s.n) == 0)
            return foreign[i].hint;
    mylc_suggest_init(sg, t->s.p, t->s.n);
    for (const char *const *w = decl_words; *w; w++)
        mylc_suggest_add(sg, *w, (uint32_t)strlen(*w));
    return mylc_suggest_hint(sg);
}

void mylc_p_syntax_error(mylc_pstate *st, int major, const mylc_tok *tok)
{
    mylc_tok t = *tok;
    t.type = major;
    if (major == 0)
        t.off = st->file->len;
    st->error = true;
    const mylc_tok *pv = &st->prev;
    uint32_t pv_end = pv->off + pv->s.n;
    /* Inside '(' or '[', the end of an item or of the file: the group was
     * never closed (not a ';' forgotten). */
    char gc = punct_char(major);
    if ((major == 0 || gc) && mylc_groups_error(st->ctx, st->file, &st->groups, gc,
                                                major == 0 && pv->type > 0 ? pv_end : t.off))
        return;
    /* A token on a new line after something that cannot end an item is
     * most often a forgotten ';': say so, at the end of the previous line. */
    if (pv->type > 0 && pv->type != MYL_TK_SEMI && pv->type != MYL_TK_LBRACE &&
        pv->type != MYL_TK_RBRACE && pv->type != MYL_TK_COMMA && major != MYL_TK_SEMI &&
        (major == 0 || memchr(st->file->text + pv_end, '\n', t.off - pv_end) != NULL) &&
        (major == MYL_TK_RBRACE || major == MYL_TK_ID || major == 0 || major >= MYL_TK_MYELON)) {
        mylc_error(st->ctx, st->file, pv_end, "expected ';' after %s", mylc_tok_name(pv->type));
        return;
    }
    /* Inside braces, a declaration's keyword beginning a line (then its
     * name), or the end of the file: the '{' was never closed. */
    if (st->depth > 0) {
        const mylc_tok *next = NULL;
        if (st->suspect.type > 0)
            next = &st->suspect;
        else if (major == MYL_TK_ID && kw_at_line_start(st, pv))
            next = pv;
        else if (kw_at_line_start(st, &t))
            next = &t;
        if (next || major == 0) {
            unsigned i = st->depth > MYLC_BRACES ? MYLC_BRACES : st->depth;
            mylc_error(st->ctx, st->file, st->brace_off[i - 1],
                       "missing '}': this '{' is not closed");
            if (next)
                mylc_note(st->ctx, st->file, next->off, "the next declaration begins here");
            else
                mylc_note(st->ctx, st->file, pv->type > 0 ? pv_end : t.off, "the file ends here");
            return;
        }
    }
    /* On the same line: a name followed by ':' starts the next field, and
     * a '}' ends the block, so the item before it lacks its ';'. */
    if (ends_item(pv->type) &&
        (major == MYL_TK_RBRACE ||
         ((major == MYL_TK_ID || (major >= MYL_TK_MYELON && major <= MYL_TK_FALSE)) &&
          next_char(st->file, t.off + t.s.n) == ':'))) {
        mylc_error(st->ctx, st->file, pv_end, "expected ';' after %s", mylc_tok_name(pv->type));
        return;
    }
    if (mylc_value_missing(st->ctx, st->file, punct_char(pv->type), gc, major == 0, pv_end))
        return;
    char d[80];
    describe(&t, d, sizeof d);
    /* Between items at the top level: not a declaration. */
    if (st->depth == 0 && major != 0 && !is_toplevel(major) &&
        (pv->type <= 0 || pv->type == MYL_TK_SEMI || pv->type == MYL_TK_RBRACE)) {
        mylc_suggest sg;
        const char *hint = major == MYL_TK_ID ? keyword_hint(&t, &sg) : "";
        mylc_error(st->ctx, st->file, t.off,
                   "expected a declaration (enum, event, struct, table, union, channel, topology, "
                   "pipeline, bridge), found %s%s",
                   d, hint);
        return;
    }
    mylc_error(st->ctx, st->file, t.off, "syntax error: unexpected %s", d);
}

void mylc_p_stack_overflow(mylc_pstate *st)
{
    st->failed = true;
    mylc_error(st->ctx, st->file, st->prev.off, "input nested too deeply");
}

static uint32_t item_start(mylc_pstate *st)
{
    return st->items++;
}

void mylc_p_header(mylc_pstate *st, const mylc_tok *kw, const mylc_tok *ver)
{
    mylc_schema *s = st->schema;
    uint32_t n = item_start(st);
    if (s->has_header) {
        mylc_error(st->ctx, st->file, kw->off, "duplicate 'myelon' header");
        mylc_note(st->ctx, st->file, s->header_off, "first header is here");
        return;
    }
    s->has_header = true;
    s->header_off = kw->off;
    if (n != 0)
        mylc_error(st->ctx, st->file, kw->off, "the 'myelon' header must come first in the schema");
    if (!mylc_str_eq(ver->s, "1"))
        mylc_error(st->ctx, st->file, ver->off,
                   "unsupported language version '%.*s' (this myelonc reads version 1)",
                   (int)(ver->s.n > 20 ? 20 : ver->s.n), ver->s.p);
}

void mylc_p_package(mylc_pstate *st, const mylc_tok *kw, const mylc_tok *name)
{
    mylc_schema *s = st->schema;
    item_start(st);
    if (s->has_package) {
        mylc_error(st->ctx, st->file, kw->off, "duplicate 'package' statement");
        mylc_note(st->ctx, st->file, s->package_off, "first package statement is here");
        return;
    }
    if (s->ndecls || s->imports)
        mylc_error(st->ctx, st->file, kw->off,
                   "'package' must come before imports and declarations");
    s->has_package = true;
    s->package_off = name->off;
    s->package = name->s;
    s->pkg = mylc_strdup(&st->ctx->arena, name->s.p, name->s.n);
    s->prefix = make_prefix(st->ctx, name->s.p, name->s.n);
}

void mylc_p_import(mylc_pstate *st, const mylc_tok *kw, const mylc_tok *path)
{
    mylc_schema *s = st->schema;
    item_start(st);
    if (s->ndecls)
        mylc_error(st->ctx, st->file, kw->off, "imports must come before declarations");
    mylc_import *im = mylc_alloc(&st->ctx->arena, sizeof *im);
    im->path = path->s;
    im->off = path->off;
    mylc_import **tail = &s->imports;
    while (*tail)
        tail = &(*tail)->next;
    *tail = im;
}

void mylc_p_decl(mylc_pstate *st, mylc_decl *d)
{
    item_start(st);
    *st->schema->decls_tail = d;
    st->schema->decls_tail = &d->next;
    st->schema->ndecls++;
}

static mylc_decl *new_decl(mylc_pstate *st, mylc_decl_kind kind, const mylc_tok *name)
{
    mylc_decl *d = mylc_alloc(&st->ctx->arena, sizeof *d);
    d->kind = kind;
    d->name = name->s;
    d->off = name->off;
    d->schema = st->schema;
    return d;
}

mylc_decl *mylc_p_enum(mylc_pstate *st, const mylc_tok *kw, const mylc_tok *name,
                       const mylc_tok *under, mylc_attr *attrs, mylc_enumval *vals)
{
    mylc_decl *d = new_decl(st, MYLC_D_ENUM, name);
    d->doc = kw->doc;
    d->attrs = attrs;
    d->under.shape = MYLC_SHAPE_PLAIN;
    d->under.name = under->s;
    d->under.off = under->off;
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

mylc_decl *mylc_p_record(mylc_pstate *st, mylc_decl_kind kind, const mylc_tok *kw,
                         const mylc_tok *name, mylc_attr *attrs, mylc_field *fields)
{
    mylc_decl *d = new_decl(st, kind, name);
    d->doc = kw->doc;
    d->attrs = attrs;
    mylc_field *r = NULL;
    while (fields) {
        mylc_field *n = fields->next;
        fields->next = r;
        r = fields;
        fields = n;
    }
    d->fields = r;
    return d;
}

mylc_decl *mylc_p_union(mylc_pstate *st, const mylc_tok *kw, const mylc_tok *name,
                        mylc_value *members)
{
    mylc_decl *d = new_decl(st, MYLC_D_UNION, name);
    d->doc = kw->doc;
    d->members = members;
    return d;
}

mylc_decl *mylc_p_body(mylc_pstate *st, mylc_decl_kind kind, const mylc_tok *kw,
                       const mylc_tok *name, mylc_prop *props)
{
    mylc_decl *d = new_decl(st, kind, name);
    d->doc = kw->doc;
    mylc_prop *r = NULL;
    while (props) {
        mylc_prop *n = props->next;
        props->next = r;
        r = props;
        props = n;
    }
    d->props = r;
    return d;
}

mylc_enumval *mylc_p_enumval(mylc_pstate *st, const mylc_tok *name, mylc_value *v)
{
    mylc_enumval *e = mylc_alloc(&st->ctx->arena, sizeof *e);
    e->name = name->s;
    e->off = name->off;
    e->value = v;
    e->doc = name->doc;
    return e;
}

mylc_value *mylc_p_value(mylc_pstate *st, mylc_value_kind kind, const mylc_tok *t,
                         const mylc_tok *minus)
{
    mylc_value *v = mylc_alloc(&st->ctx->arena, sizeof *v);
    v->kind = kind;
    v->text = t->s;
    v->off = minus ? minus->off : t->off;
    v->neg = minus != NULL;
    /* "-inf" and "-infinity" are the only names with a sign (float
     * defaults) */
    if (minus && kind == MYLC_V_IDENT && !mylc_str_eq(t->s, "inf") &&
        !mylc_str_eq(t->s, "infinity"))
        mylc_error(st->ctx, st->file, minus->off, "syntax error: unexpected '-'");
    return v;
}

mylc_value *mylc_p_member(mylc_pstate *st, const mylc_tok *alias, const mylc_tok *type,
                          mylc_value *v)
{
    mylc_value *m = mylc_p_value(st, MYLC_V_IDENT, type, NULL);
    if (alias) {
        m->alias = alias->s;
        m->alias_off = alias->off;
    }
    m->uval = v;
    return m;
}

mylc_value *mylc_p_values_done(mylc_value *rev)
{
    mylc_value *r = NULL;
    while (rev) {
        mylc_value *n = rev->next;
        rev->next = r;
        r = rev;
        rev = n;
    }
    return r;
}

mylc_attr *mylc_p_attr(mylc_pstate *st, const mylc_tok *name, mylc_value *v)
{
    mylc_attr *a = mylc_alloc(&st->ctx->arena, sizeof *a);
    a->name = name->s;
    a->off = name->off;
    a->value = v;
    return a;
}

mylc_attr *mylc_p_attrs_done(mylc_attr *rev)
{
    mylc_attr *r = NULL;
    while (rev) {
        mylc_attr *n = rev->next;
        rev->next = r;
        r = rev;
        rev = n;
    }
    return r;
}

mylc_field *mylc_p_field(mylc_pstate *st, const mylc_tok *name, const mylc_type *t,
                         mylc_value *dflt, mylc_attr *attrs)
{
    mylc_field *f = mylc_alloc(&st->ctx->arena, sizeof *f);
    f->name = name->s;
    f->off = name->off;
    f->type = *t;
    f->dflt = dflt;
    f->attrs = attrs;
    f->doc = name->doc;
    return f;
}

void mylc_p_type(mylc_pstate *st, mylc_type *out, mylc_type_shape shape, const mylc_tok *name,
                 mylc_value *len, const mylc_tok *open)
{
    (void)st;
    memset(out, 0, sizeof *out);
    out->shape = shape;
    out->name = name->s;
    out->off = open ? open->off : name->off;
    out->len = len;
}

mylc_prop *mylc_p_prop(mylc_pstate *st, const mylc_tok *key, const mylc_tok *to, mylc_value *args)
{
    mylc_prop *p = mylc_alloc(&st->ctx->arena, sizeof *p);
    p->key = key->s;
    p->off = key->off;
    if (to) {
        p->route = true;
        p->to = to->s;
        p->to_off = to->off;
    }
    p->args = args;
    return p;
}
