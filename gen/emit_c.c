/* Emit: the C header and source of a schema, from the templates embedded
 * at build time (templates/header.h, templates/source.c).
 *
 * Output is written in the style of the root .clang-format directly (an
 * installed myelonc gives the same bytes whether or not clang-format is
 * installed): the templates are clang-formatted, and after the holes are
 * filled, reflow() re-joins and re-wraps the declarations whose length
 * changed, the way clang-format does (bin-packed arguments aligned after
 * the opening parenthesis, column limit 100). A ctest checks that
 * clang-format leaves every golden file unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include "mylc.h"
#include "myelon/version.h"

/* myelonc is versioned with the runtime it ships with, and writes code
 * for that runtime's ABI. */
#define MYLC_ABI MYL_ABI_VERSION
const char *const mylc_version = MYL_VERSION_STRING;

extern const char mylc_tpl_header[];
extern const char mylc_tpl_source[];

#define COLUMNS 100

/* ---- templates ---- */

typedef struct hole {
    const char *name;
    const char *value;
} hole;

/* The text of section name: from the line after its marker to the next
 * marker (or the end), without surrounding blank lines. */
static mylc_str section(const char *tpl, const char *name)
{
    char marker[64];
    snprintf(marker, sizeof marker, "/* @@%s */\n", name);
    const char *b = strstr(tpl, marker);
    mylc_str r = {"", 0};
    if (!b)
        return r;
    b += strlen(marker);
    const char *e = strstr(b, "/* @@");
    if (!e)
        e = b + strlen(b);
    while (e > b && (e[-1] == '\n'))
        e--;
    r.p = b;
    r.n = (uint32_t)(e - b);
    return r;
}

static bool is_hole_char(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

static const char *hole_value(const hole *h, const char *name, size_t n)
{
    for (; h->name; h++)
        if (strlen(h->name) == n && memcmp(h->name, name, n) == 0)
            return h->value;
    fprintf(stderr, "myelonc: internal error: template hole MYLT_%.*s has no value\n", (int)n,
            name);
    abort();
}

/* Fills the holes of a section into out, followed by a newline. */
static void fill(mylc_buf *out, mylc_str sec, const hole *holes)
{
    const char *p = sec.p, *end = sec.p + sec.n;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        /* A line that is only a hole becomes the hole's lines. */
        const char *q = p;
        while (q < eol && *q == ' ')
            q++;
        if (eol - q > 5 && memcmp(q, "MYLT_", 5) == 0) {
            const char *r = q + 5;
            while (r < eol && is_hole_char(*r))
                r++;
            if (r == eol) {
                const char *v = hole_value(holes, q + 5, (size_t)(r - q - 5));
                if (*v) {
                    mylc_buf_puts(out, v);
                    mylc_buf_putc(out, '\n');
                }
                p = eol < end ? eol + 1 : end;
                continue;
            }
        }
        for (q = p; q < eol;) {
            if (eol - q > 5 && memcmp(q, "MYLT_", 5) == 0 && is_hole_char(q[5])) {
                const char *r = q + 5;
                while (r < eol && is_hole_char(*r))
                    r++;
                mylc_buf_puts(out, hole_value(holes, q + 5, (size_t)(r - q - 5)));
                q = r;
            } else {
                mylc_buf_putc(out, *q++);
            }
        }
        mylc_buf_putc(out, '\n');
        p = eol < end ? eol + 1 : end;
    }
}

/* ---- reflow: what clang-format would do to the lines we change ---- */

static int paren_balance(const char *p, size_t n)
{
    int depth = 0;
    bool str = false;
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        if (str) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                str = false;
        } else if (ch == '"') {
            str = true;
        } else if (ch == '(') {
            depth++;
        } else if (ch == ')') {
            depth--;
        }
    }
    return depth;
}

static bool is_ident_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
}

/* Pieces of a call or declaration: the head up to and including the first
 * '(' and its first argument, then one piece per further argument at
 * depth 1 (the separating ", " dropped, the comma kept). */
typedef struct pieces {
    const char *p[64];
    size_t n[64];
    unsigned count;
} pieces;

static bool split_args(const char *p, size_t n, const char *from, pieces *out)
{
    int depth = 0;
    bool str = false;
    const char *piece = from;
    out->count = 0;
    for (const char *q = p; q < p + n; q++) {
        char ch = *q;
        bool split = false;
        if (str) {
            if (ch == '\\')
                q++;
            else if (ch == '"')
                str = false;
        } else if (ch == '"') {
            str = true;
        } else if (ch == '(') {
            depth++;
        } else if (ch == ')') {
            depth--;
        } else if (ch == ',' && depth == 1 && q + 1 < p + n && q[1] == ' ') {
            split = true;
        }
        if (q < from || (!split && q + 1 < p + n))
            continue;
        if (out->count == 64)
            return false;
        out->p[out->count] = piece;
        out->n[out->count++] = (size_t)(q - piece) + 1;
        if (split) {
            q++;
            piece = q + 1;
        }
    }
    return true;
}

/* Greedy bin-packing of pieces, continuation lines indented to col; the
 * first line already holds `first` columns. Returns false if a line
 * would overflow (when check is set), else writes. */
static bool pack(mylc_buf *out, const pieces *pc, size_t first, size_t col, bool check)
{
    size_t line = first;
    for (unsigned i = 0; i < pc->count; i++) {
        size_t len = pc->n[i];
        if (line == first && i == 0) {
            line += len;
        } else if (line + 1 + len <= COLUMNS) {
            if (!check)
                mylc_buf_putc(out, ' ');
            line += 1 + len;
        } else {
            if (!check) {
                mylc_buf_putc(out, '\n');
                for (size_t k = 0; k < col; k++)
                    mylc_buf_putc(out, ' ');
            }
            line = col + len;
        }
        if (line > COLUMNS && check)
            return false;
        if (!check)
            mylc_buf_put(out, pc->p[i], len);
    }
    if (!check)
        mylc_buf_putc(out, '\n');
    return true;
}

static bool starts_with_word(const char *p, size_t n, const char *w)
{
    size_t k = strlen(w);
    return n > k && memcmp(p, w, k) == 0 && !is_ident_char(p[k]);
}

/* Wraps one logical line the way clang-format (LLVM base, column limit
 * 100, arguments bin-packed) does for the declarations and calls we emit:
 *   1. it fits: one line;
 *   2. arguments aligned after the '(' fit: that;
 *   3. a declaration fits once its return type is on a line of its own;
 *   4. else break after the '(' and indent the arguments by 4 (putting
 *      the return type on its own line first if even "name(" overflows).
 * Statements are left alone (the templates keep them short). */
static void wrap(mylc_buf *out, const char *p, size_t n)
{
    const char *t = p;
    while (t < p + n && *t == ' ')
        t++;
    const char *open = memchr(p, '(', n);
    if (n <= COLUMNS || !open || starts_with_word(t, n - (size_t)(t - p), "if") ||
        starts_with_word(t, n - (size_t)(t - p), "return") ||
        starts_with_word(t, n - (size_t)(t - p), "while") ||
        starts_with_word(t, n - (size_t)(t - p), "for")) {
        mylc_buf_put(out, p, n);
        mylc_buf_putc(out, '\n');
        return;
    }
    pieces pc;
    if (!split_args(p, n, p, &pc)) {
        mylc_buf_put(out, p, n);
        mylc_buf_putc(out, '\n');
        return;
    }
    size_t col = (size_t)(open - p) + 1;
    if (pack(out, &pc, 0, col, true)) {
        pack(out, &pc, 0, col, false);
        return;
    }
    const char *name = open;
    while (name > p && is_ident_char(name[-1]))
        name--;
    bool decl = name > t && (name[-1] == ' ' || name[-1] == '*');
    const char *head_end = name;
    while (head_end > p && head_end[-1] == ' ')
        head_end--;
    if (decl && (size_t)(p + n - name) <= COLUMNS) {
        mylc_buf_put(out, p, (size_t)(head_end - p));
        mylc_buf_putc(out, '\n');
        mylc_buf_put(out, name, (size_t)(p + n - name));
        mylc_buf_putc(out, '\n');
        return;
    }
    const char *start = p;
    if (decl && (size_t)(open - p) + 1 > COLUMNS) {
        mylc_buf_put(out, p, (size_t)(head_end - p));
        mylc_buf_putc(out, '\n');
        start = name;
    }
    size_t indent = (size_t)(t - p);
    if (start == name)
        indent = 0;
    mylc_buf_put(out, start, (size_t)(open - start) + 1);
    mylc_buf_putc(out, '\n');
    if (!split_args(open, (size_t)(p + n - open), open + 1, &pc)) {
        mylc_buf_put(out, open + 1, (size_t)(p + n - open - 1));
        mylc_buf_putc(out, '\n');
        return;
    }
    for (size_t k = 0; k < indent + 4; k++)
        mylc_buf_putc(out, ' ');
    pack(out, &pc, indent + 4, indent + 4, false);
}

static void reflow(mylc_buf *in, mylc_buf *out)
{
    const char *p = in->p, *end = in->p + in->n;
    mylc_buf logical = {0};
    bool comment = false;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        const char *t = p;
        while (t < eol && *t == ' ')
            t++;
        bool is_comment = comment || (eol - t >= 2 && t[0] == '/' && t[1] == '*');
        if (is_comment) {
            comment = !(eol - p >= 2 && eol[-2] == '*' && eol[-1] == '/');
        }
        if (is_comment || *t == '#') {
            mylc_buf_put(out, p, (size_t)(eol - p));
            mylc_buf_putc(out, '\n');
            p = eol < end ? eol + 1 : end;
            continue;
        }
        logical.n = 0;
        mylc_buf_put(&logical, p, (size_t)(eol - p));
        int bal = paren_balance(p, (size_t)(eol - p));
        p = eol < end ? eol + 1 : end;
        while (bal > 0 && p < end) {
            eol = memchr(p, '\n', (size_t)(end - p));
            if (!eol)
                eol = end;
            t = p;
            while (t < eol && *t == ' ')
                t++;
            mylc_buf_putc(&logical, ' ');
            mylc_buf_put(&logical, t, (size_t)(eol - t));
            bal += paren_balance(t, (size_t)(eol - t));
            p = eol < end ? eol + 1 : end;
        }
        wrap(out, logical.p ? logical.p : "", logical.n);
    }
    mylc_buf_free(&logical);
}

/* ---- values ---- */

static const char *fmt(mylc_ctx *c, const char *f, ...) __attribute__((format(printf, 2, 3)));
static const char *fmt(mylc_ctx *c, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char tmp[512];
    int n = vsnprintf(tmp, sizeof tmp, f, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof tmp) {
        char *s = mylc_alloc(&c->arena, (size_t)n + 1);
        va_start(ap, f);
        vsnprintf(s, (size_t)n + 1, f, ap);
        va_end(ap);
        return s;
    }
    return mylc_strdup(&c->arena, tmp, (size_t)n);
}

const char *mylc_builtin_ctype(mylc_builtin b)
{
    switch (b) {
    case MYLC_T_U8:
        return "uint8_t";
    case MYLC_T_U16:
        return "uint16_t";
    case MYLC_T_U32:
        return "uint32_t";
    case MYLC_T_U64:
        return "uint64_t";
    case MYLC_T_I8:
        return "int8_t";
    case MYLC_T_I16:
        return "int16_t";
    case MYLC_T_I32:
        return "int32_t";
    case MYLC_T_I64:
        return "int64_t";
    case MYLC_T_F32:
        return "float";
    case MYLC_T_F64:
        return "double";
    case MYLC_T_BOOL:
        return "bool";
    case MYLC_T_CHAR:
        return "char";
    default:
        return "void";
    }
}

static const char *enum_literal(mylc_ctx *c, const mylc_decl *d, const mylc_enumval *e)
{
    switch (d->under.base) {
    case MYLC_T_U64:
        return fmt(c, "UINT64_C(%llu)", (unsigned long long)e->u);
    case MYLC_T_I64:
        if (e->i == INT64_MIN)
            return "INT64_MIN";
        return fmt(c, "INT64_C(%lld)", (long long)e->i);
    case MYLC_T_I32:
        if (e->i == INT32_MIN)
            return "INT32_MIN";
        return fmt(c, "%lld", (long long)e->i);
    case MYLC_T_U32:
        return fmt(c, "%lluu", (unsigned long long)e->u);
    default:
        return mylc_builtin_is_signed(d->under.base) ? fmt(c, "%lld", (long long)e->i)
                                                     : fmt(c, "%llu", (unsigned long long)e->u);
    }
}

static const char *field_ctype(mylc_ctx *c, const mylc_field *f)
{
    if (f->type.base == MYLC_T_NAMED)
        return f->type.decl->cname;
    (void)c;
    return mylc_builtin_ctype(f->type.base);
}

static const char *cstr(mylc_ctx *c, mylc_str s)
{
    return mylc_strdup(&c->arena, s.p, s.n);
}

/* ---- sections ---- */

static void emit_enum(mylc_ctx *c, mylc_decl *d, mylc_buf *h, mylc_buf *src)
{
    mylc_buf vals = {0}, cases = {0};
    for (mylc_enumval *e = d->values; e; e = e->next) {
        const char *name = mylc_name_join(c, d->cname, cstr(c, e->name));
        if (vals.n)
            mylc_buf_putc(&vals, '\n');
        mylc_buf_printf(&vals, "#define %s ((%s)%s)", name, d->cname, enum_literal(c, d, e));
        if (cases.n)
            mylc_buf_putc(&cases, '\n');
        mylc_buf_printf(&cases, "    case %s:\n        return \"%.*s\";", name, (int)e->name.n,
                        e->name.p);
    }
    hole holes[] = {
        {"NAME", cstr(c, d->name)},
        {"UNDER", mylc_builtin_name(d->under.base)},
        {"CTYPE", mylc_builtin_ctype(d->under.base)},
        {"TYPE", d->cname},
        {"VALUES", vals.p ? vals.p : ""},
        {"CASES", cases.p ? cases.p : ""},
        {NULL, NULL},
    };
    mylc_buf_putc(h, '\n');
    fill(h, section(mylc_tpl_header, "enum"), holes);
    mylc_buf_putc(src, '\n');
    fill(src, section(mylc_tpl_source, "enum"), holes);
    mylc_buf_free(&vals);
    mylc_buf_free(&cases);
}

static void emit_event(mylc_ctx *c, mylc_decl *d, mylc_buf *h)
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
        mylc_buf_puts(&fields, "    ");
        /* alignas only where the C compiler would not align by itself:
         * explicit field alignment, and the event's own (on its first
         * field, which raises the struct's alignment). */
        uint32_t want = f->align;
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
    hole holes[] = {
        {"NAME", cstr(c, d->name)},
        {"TYPE", d->cname},
        {"SIZE", fmt(c, "%llu", (unsigned long long)d->size)},
        {"ALIGN", fmt(c, "%u", d->align)},
        {"FIELDS", fields.p},
        {"ASSERTS", asserts.p},
        {NULL, NULL},
    };
    mylc_buf_putc(h, '\n');
    fill(h, section(mylc_tpl_header, "event"), holes);
    mylc_buf_free(&fields);
    mylc_buf_free(&asserts);
}

static const char *const producers_names[] = {"", "MYL_PRODUCERS_SINGLE", "MYL_PRODUCERS_MULTI"};
static const char *const mode_names[] = {"", "MYL_MODE_GATED", "MYL_MODE_LOSSY"};
static const char *const wait_names[] = {"", "MYL_WAIT_SPIN", "MYL_WAIT_YIELD", "MYL_WAIT_BLOCK",
                                         "MYL_WAIT_HYBRID"};
static const char *const backing_names[] = {"MYL_BACKING_SHM", "MYL_BACKING_FILE"};

static void emit_channel(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_buf *h, mylc_buf *src)
{
    mylc_channel *ch = &d->chan;
    hole holes[] = {
        {"NAME", cstr(c, d->name)},
        {"CHAN", d->cname},
        {"EVENT", ch->carries.decl->cname},
        {"LABEL", fmt(c, "%s.%.*s", s->pkg, (int)d->name.n, d->name.p)},
        {"FP", fmt(c, "0x%016llx", (unsigned long long)ch->fingerprint)},
        {"CAPACITY", fmt(c, "%llu", (unsigned long long)ch->capacity)},
        {"PRODUCERS", producers_names[ch->producers]},
        {"MODE", mode_names[ch->mode]},
        {"WAIT", wait_names[ch->wait]},
        {"BACKING", backing_names[ch->backing]},
        {NULL, NULL},
    };
    mylc_buf_putc(h, '\n');
    fill(h, section(mylc_tpl_header, "channel"), holes);
    mylc_buf_putc(src, '\n');
    fill(src, section(mylc_tpl_source, "channel"), holes);
}

/* A brace-enclosed initializer list "{a, b, c}" in a layout clang-format
 * keeps: on the line of its declaration if it fits, else one item per
 * line, each with an aligned comment giving its index (without the
 * comments clang-format would lay the items out in columns). */
static const char *init_list(mylc_ctx *c, const char *decl, const char *items[], uint32_t n)
{
    mylc_buf b = {0};
    size_t len = strlen(decl) + 2, widest = 0; /* " {" */
    for (uint32_t i = 0; i < n; i++) {
        size_t w = strlen(items[i]);
        len += w + (i ? 2 : 0);
        widest = w > widest ? w : widest;
    }
    len += 2; /* "};" */
    if (len <= COLUMNS) {
        mylc_buf_printf(&b, "%s {", decl);
        for (uint32_t i = 0; i < n; i++)
            mylc_buf_printf(&b, "%s%s", i ? ", " : "", items[i]);
        mylc_buf_puts(&b, "};");
    } else {
        mylc_buf_printf(&b, "%s {\n", decl);
        for (uint32_t i = 0; i < n; i++)
            mylc_buf_printf(&b, "    %s,%*s // %u\n", items[i], (int)(widest - strlen(items[i])),
                            "", i);
        mylc_buf_puts(&b, "};");
    }
    const char *r = mylc_strdup(&c->arena, b.p, b.n);
    mylc_buf_free(&b);
    return r;
}

/* Framed byte channels (layer 1): one framed ring, or a group of them
 * (size classes, lanes). */
static void emit_framed(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_chan_kind k, mylc_buf *h,
                        mylc_buf *src)
{
    mylc_channel *ch = &d->chan;
    uint32_t count = k == MYLC_CK_CLASSES ? ch->nframes : ch->nlanes;
    const char *items[MYLC_MAX_FRAMES + MYLC_MAX_LANES];
    mylc_buf consts = {0};
    const char *array = "";
    if (k == MYLC_CK_CLASSES) {
        for (uint32_t i = 0; i < count; i++)
            items[i] = fmt(c, "%llu", (unsigned long long)ch->frames[i]);
        array = init_list(c, fmt(c, "const uint32_t %s_frame_sizes[%u] =", d->cname, count), items,
                          count);
    } else if (k == MYLC_CK_LANES) {
        for (uint32_t i = 0; i < count; i++) {
            items[i] = fmt(c, "\"%.*s\"", (int)ch->lanes[i].n, ch->lanes[i].p);
            mylc_buf_printf(&consts, "%s#define %s %uu", i ? "\n" : "", mylc_name_lane(c, d, i), i);
        }
        array = init_list(c, fmt(c, "const char *const %s_lane_names[%u] =", d->cname, count),
                          items, count);
    }
    hole holes[] = {
        {"NAME", cstr(c, d->name)},
        {"CHAN", d->cname},
        {"LABEL", fmt(c, "%s.%.*s", s->pkg, (int)d->name.n, d->name.p)},
        {"FP", fmt(c, "0x%016llx", (unsigned long long)ch->fingerprint)},
        {"CAPACITY", fmt(c, "%llu", (unsigned long long)ch->capacity)},
        {"PRODUCERS", producers_names[ch->producers]},
        {"MODE", mode_names[ch->mode]},
        {"WAIT", wait_names[ch->wait]},
        {"BACKING", backing_names[ch->backing]},
        {"FRAME", fmt(c, "%llu", (unsigned long long)ch->frames[ch->nframes - 1])},
        {"MAXMSG", fmt(c, "%llu", (unsigned long long)ch->max_message)},
        {"COUNT", fmt(c, "%u", count)},
        {"LANECONSTS", consts.p ? consts.p : ""},
        {"ARRAY", array},
        {NULL, NULL},
    };
    const char *kind = k == MYLC_CK_FRAMED ? "framed" : k == MYLC_CK_CLASSES ? "classes" : "lanes";
    mylc_buf_putc(h, '\n');
    fill(h, section(mylc_tpl_header, kind), holes);
    mylc_buf_putc(src, '\n');
    fill(src, section(mylc_tpl_source, kind), holes);
    if (k != MYLC_CK_FRAMED) {
        mylc_buf_putc(src, '\n');
        fill(src, section(mylc_tpl_source, "group"), holes);
        mylc_buf_putc(src, '\n');
        fill(src, section(mylc_tpl_source, k == MYLC_CK_CLASSES ? "classes_recv" : "lanes_recv"),
             holes);
    }
    mylc_buf_free(&consts);
}

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

static void emit_both(mylc_ctx *c, mylc_schema *s, mylc_buf *hout, mylc_buf *sout)
{
    mylc_buf h = {0}, src = {0}, imports = {0};
    for (mylc_import *im = s->imports; im; im = im->next)
        if (im->file && im->file->schema)
            mylc_buf_printf(&imports, "%s#include \"%s.myl.h\"", imports.n ? "\n" : "\n",
                            im->file->schema->stem);
    hole holes[] = {
        {"VERSION", mylc_version},
        {"SCHEMA", base_name(s->file->path)},
        {"GUARD", mylc_name_guard(c, s)},
        {"STEM", s->stem},
        {"ABI", fmt(c, "%d", MYLC_ABI)},
        {"IMPORTS", imports.p ? imports.p : ""},
        {"FP", fmt(c, "0x%016llx", (unsigned long long)s->fingerprint)},
        {NULL, NULL},
    };
    fill(&h, section(mylc_tpl_header, "begin"), holes);
    fill(&src, section(mylc_tpl_source, "begin"), holes);
    for (mylc_decl *d = s->decls; d; d = d->next) {
        switch (d->kind) {
        case MYLC_D_ENUM:
            emit_enum(c, d, &h, &src);
            break;
        case MYLC_D_EVENT:
            emit_event(c, d, &h);
            break;
        case MYLC_D_CHANNEL: {
            /* Channels of codecs over frames (compact, flatbuffers) arrive
             * with the codec layers; raw and byte channels are bound now. */
            mylc_chan_kind k = mylc_channel_kind(&d->chan);
            if (k == MYLC_CK_RAW)
                emit_channel(c, s, d, &h, &src);
            else if (k != MYLC_CK_NONE)
                emit_framed(c, s, d, k, &h, &src);
            break;
        }
        default:
            break;
        }
    }
    mylc_buf_putc(&h, '\n');
    fill(&h, section(mylc_tpl_header, "end"), holes);
    reflow(&h, hout);
    reflow(&src, sout);
    mylc_buf_free(&h);
    mylc_buf_free(&src);
    mylc_buf_free(&imports);
}

void mylc_emit(mylc_ctx *c, mylc_schema *s, mylc_buf *header, mylc_buf *source)
{
    emit_both(c, s, header, source);
}
