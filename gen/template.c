/* The template engine: sections of the embedded templates and their
 * holes. A template is real C (templates/header.h, templates/source.c)
 * cut into sections by marker comments; every MYLT_<NAME> in a section
 * is a hole, filled with a value by name. See template.h.
 */
#include <stdlib.h>
#include <string.h>

#include "mylc.h"
#include "template.h"

/* The text of section name: from the line after its marker to the next
 * marker (or the end), without the blank lines and indentation before
 * that marker. A marker may be indented: the sections of a function body
 * (templates/compact.h) are cut out of the function they read as. */
static bool find_section(const char *tpl, const char *name, mylc_str *r)
{
    char marker[64];
    snprintf(marker, sizeof marker, "/* @@%s */\n", name);
    const char *b = strstr(tpl, marker);
    if (!b)
        return false;
    b += strlen(marker);
    const char *e = strstr(b, "/* @@");
    if (!e)
        e = b + strlen(b);
    while (e > b && (e[-1] == '\n' || e[-1] == ' '))
        e--;
    r->p = b;
    r->n = (uint32_t)(e - b);
    return true;
}

/* Sections are looked up once per field or declaration: a cache of the
 * ones found saves a scan of the whole template each time (the templates
 * are constant, so entries never go stale). */
bool mylc_tpl_find(const char *tpl, const char *name, mylc_str *sec)
{
    static struct {
        const char *tpl;
        const char *key; /* the caller's pointer: most names are literals,
                          * so a match is usually the first compare */
        char name[48];
        mylc_str sec;
        bool found;
    } cache[128];
    static unsigned n;
    for (unsigned i = 0; i < n; i++)
        if (cache[i].key == name && cache[i].tpl == tpl && strcmp(cache[i].name, name) == 0) {
            *sec = cache[i].sec;
            return cache[i].found;
        }
    for (unsigned i = 0; i < n; i++)
        if (cache[i].tpl == tpl && strcmp(cache[i].name, name) == 0) {
            *sec = cache[i].sec;
            return cache[i].found;
        }
    mylc_str r = {"", 0};
    bool found = find_section(tpl, name, &r);
    size_t len = strlen(name);
    if (n < sizeof cache / sizeof cache[0] && len < sizeof cache[0].name) {
        cache[n].tpl = tpl;
        cache[n].key = name;
        memcpy(cache[n].name, name, len + 1);
        cache[n].sec = r;
        cache[n].found = found;
        n++;
    }
    *sec = r;
    return found;
}

mylc_str mylc_tpl_section(const char *tpl, const char *name)
{
    mylc_str r;
    if (!mylc_tpl_find(tpl, name, &r)) {
        fprintf(stderr, "myelonc: internal error: no template section '%s'\n", name);
        abort();
    }
    return r;
}

static bool is_hole_char(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

static const char *hole_value(const mylc_hole *h, const char *name, size_t n)
{
    for (; h->name; h++)
        if (h->name[0] == name[0] && strncmp(h->name, name, n) == 0 && h->name[n] == 0)
            return h->value;
    fprintf(stderr, "myelonc: internal error: template mylc_hole MYLT_%.*s has no value\n", (int)n,
            name);
    abort();
}

/* Fills the holes of a section into out, followed by a newline. */
void mylc_tpl_fill(mylc_buf *out, mylc_str sec, const mylc_hole *holes)
{
    const char *p = sec.p, *end = sec.p + sec.n;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        /* A line that is only a mylc_hole becomes the mylc_hole's lines. */
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
            /* the text up to the next hole in one piece */
            const char *m = q;
            while ((m = memchr(m, 'M', (size_t)(eol - m))) != NULL &&
                   !(eol - m > 5 && memcmp(m, "MYLT_", 5) == 0 && is_hole_char(m[5])))
                m++;
            if (!m) {
                mylc_buf_put(out, q, (size_t)(eol - q));
                break;
            }
            mylc_buf_put(out, q, (size_t)(m - q));
            const char *r = m + 5;
            while (r < eol && is_hole_char(*r))
                r++;
            mylc_buf_puts(out, hole_value(holes, m + 5, (size_t)(r - m - 5)));
            q = r;
        }
        mylc_buf_putc(out, '\n');
        p = eol < end ? eol + 1 : end;
    }
}
