/* Helpers shared by the C emitters (emit.h): values into the compile's
 * arena, shared explanations written once per header, sections of both
 * templates, and "///" doc comments.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "emit.h"
#include "format.h"

const char *mylc_fmt(mylc_ctx *c, const char *f, ...)
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

const char *mylc_cstr(mylc_ctx *c, mylc_str s)
{
    return mylc_strdup(&c->arena, s.p, s.n);
}

/* The sections whose shared explanation (section <name>_doc of the header
 * or compact template) this header has: each is written once, before the first
 * section of its name, instead of once per channel or table. Reset for
 * every header (mylc_explain_reset). */
static struct {
    const char *sec[64];
    unsigned n;
} explained;

void mylc_explain_once(mylc_buf *h, const char *sec)
{
    for (unsigned i = 0; i < explained.n; i++)
        if (strcmp(explained.sec[i], sec) == 0)
            return;
    char name[64];
    snprintf(name, sizeof name, "%s_doc", sec);
    mylc_str t;
    if (!mylc_tpl_find(mylc_tpl_header, name, &t) && !mylc_tpl_find(mylc_tpl_compact, name, &t))
        return; /* no shared explanation */
    if (explained.n == sizeof explained.sec / sizeof explained.sec[0])
        return; /* more sections than the table holds: never expected */
    explained.sec[explained.n++] = sec;
    static const mylc_hole none[] = {{NULL, NULL}};
    mylc_buf_putc(h, '\n');
    mylc_tpl_fill(h, t, none);
}

void mylc_explain_reset(void)
{
    explained.n = 0;
}

void mylc_fill_both(mylc_buf *h, mylc_buf *src, const char *tpl_h, const char *tpl_s,
                    const char *sec, const mylc_hole *holes, mylc_str doc)
{
    mylc_explain_once(h, sec);
    mylc_buf_putc(h, '\n');
    mylc_emit_doc(h, doc);
    mylc_tpl_fill(h, mylc_tpl_section(tpl_h, sec), holes);
    if (tpl_s) {
        mylc_buf_putc(src, '\n');
        mylc_tpl_fill(src, mylc_tpl_section(tpl_s, sec), holes);
    }
}

/* A schema's "///" doc comment as "///" lines at indent ind, above the
 * declaration it documents (as flatc and protoc carry them). Lines are
 * wrapped at spaces to fit the column limit, trailing blanks and
 * backslashes (a line splice) dropped. */
void mylc_emit_doc_at(mylc_buf *o, mylc_str doc, const char *ind)
{
    const char *p = doc.p, *end = doc.p + doc.n;
    size_t room = MYLC_COLUMNS - strlen(ind) - 4; /* after "/// " */
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        const char *b = p, *e = eol;
        while (b < e && *b == ' ')
            b++;
        if (e - b >= 3 && memcmp(b, "///", 3) == 0)
            b += 3;
        if (b < e && *b == ' ')
            b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\\'))
            e--;
        do {
            const char *cut = e;
            if ((size_t)(e - b) > room) {
                cut = b + room;
                while (cut > b && *cut != ' ')
                    cut--;
                if (cut == b) { /* one long word: up to the next space */
                    cut = b + room;
                    while (cut < e && *cut != ' ')
                        cut++;
                }
            }
            const char *ce = cut;
            while (ce > b && (ce[-1] == ' ' || ce[-1] == '\\'))
                ce--;
            if (ce > b)
                mylc_buf_printf(o, "%s/// %.*s\n", ind, (int)(ce - b), b);
            else
                mylc_buf_printf(o, "%s///\n", ind);
            b = cut;
            while (b < e && *b == ' ')
                b++;
        } while (b < e);
        p = eol < end ? eol + 1 : end;
    }
}

void mylc_emit_doc(mylc_buf *o, mylc_str doc)
{
    mylc_emit_doc_at(o, doc, "");
}

/* A brace-enclosed initializer list "{a, b, c}" in a layout clang-format
 * keeps: on the line of its declaration if it fits, else one item per
 * line, each with an aligned comment giving its index (without the
 * comments clang-format would lay the items out in columns). */
const char *mylc_init_list(mylc_ctx *c, const char *decl, const char *items[], uint32_t n)
{
    mylc_buf b = {0};
    size_t len = strlen(decl) + 2, widest = 0; /* " {" */
    for (uint32_t i = 0; i < n; i++) {
        size_t w = strlen(items[i]);
        len += w + (i ? 2 : 0);
        widest = w > widest ? w : widest;
    }
    len += 2; /* "};" */
    if (len <= MYLC_COLUMNS) {
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

/* "decl {a, b, c};" on one line if it fits, else one item a line (a
 * trailing comma makes clang-format keep that). */
const char *mylc_init_short(mylc_ctx *c, const char *decl, const char *items[], uint32_t n)
{
    mylc_buf b = {0};
    mylc_buf_printf(&b, "%s {", decl);
    for (uint32_t i = 0; i < n; i++)
        mylc_buf_printf(&b, "%s%s", i ? ", " : "", items[i]);
    mylc_buf_puts(&b, "};");
    if (b.n > MYLC_COLUMNS) {
        b.n = 0;
        mylc_buf_printf(&b, "%s {\n", decl);
        for (uint32_t i = 0; i < n; i++)
            mylc_buf_printf(&b, "    %s,\n", items[i]);
        mylc_buf_puts(&b, "};");
    }
    const char *r = mylc_strdup(&c->arena, b.p, b.n);
    mylc_buf_free(&b);
    return r;
}
