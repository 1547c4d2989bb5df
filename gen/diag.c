/* Diagnostics: "file:line:col: error: message", the source line, a caret.
 *
 * Columns count bytes from 1 (as GCC's -fdiagnostics-column-unit=byte); a
 * UTF-8 BOM does not count. Long lines are shown as a window around the
 * column, and bytes that are not printable ASCII are shown as '?', so that
 * hostile input cannot flood or confuse the terminal.
 */
#include <stdlib.h>
#include <string.h>

#include "mylc.h"

#define SHOW_MAX 160 /* bytes of a source line shown around the column */

static void build_lines(mylc_file *f)
{
    uint32_t n = 1;
    for (uint32_t i = 0; i < f->len; i++)
        if (f->text[i] == '\n')
            n++;
    f->lines = malloc(sizeof *f->lines * n);
    if (!f->lines) {
        fputs("myelonc: out of memory\n", stderr);
        abort();
    }
    f->lines[0] = f->start;
    n = 1;
    for (uint32_t i = 0; i < f->len; i++)
        if (f->text[i] == '\n')
            f->lines[n++] = i + 1;
    f->nlines = n;
}

void mylc_line_col(mylc_file *f, uint32_t off, uint32_t *line, uint32_t *col)
{
    if (!f->lines)
        build_lines(f);
    if (off > f->len)
        off = f->len;
    uint32_t lo = 0, hi = f->nlines;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (f->lines[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    *line = lo + 1;
    *col = off >= f->lines[lo] ? off - f->lines[lo] + 1 : 1;
}

static void show_line(FILE *out, mylc_file *f, uint32_t line, uint32_t col)
{
    uint32_t b = f->lines[line - 1];
    uint32_t e = b;
    while (e < f->len && f->text[e] != '\n')
        e++;
    if (e > b && f->text[e - 1] == '\r')
        e--;
    uint32_t len = e - b;
    uint32_t from = 0;
    if (len > SHOW_MAX) {
        from = col > SHOW_MAX / 2 ? col - SHOW_MAX / 2 : 0;
        if (from + SHOW_MAX > len)
            from = len - SHOW_MAX;
        len = from + SHOW_MAX;
    }
    char shown[SHOW_MAX + 8];
    uint32_t k = 0;
    for (uint32_t i = from; i < len; i++) {
        unsigned char ch = (unsigned char)f->text[b + i];
        shown[k++] = (char)((ch == '\t' || (ch >= 32 && ch < 127)) ? ch : '?');
    }
    shown[k] = 0;
    fprintf(out, "%s%s\n", from ? "..." : "", shown);
    /* Tabs are copied into the caret line so that it lines up. */
    if (from)
        fputs("   ", out);
    uint32_t c = col - 1 < from ? 0 : col - 1 - from;
    for (uint32_t i = 0; i < c && i < k; i++)
        fputc(shown[i] == '\t' ? '\t' : ' ', out);
    for (uint32_t i = k; i < c; i++)
        fputc(' ', out);
    fputs("^\n", out);
}

static void report(mylc_ctx *c, const mylc_file *cf, uint32_t off, const char *kind,
                   const char *fmt, va_list ap)
{
    mylc_file *f = (mylc_file *)cf;
    if (f) {
        uint32_t line, col;
        mylc_line_col(f, off, &line, &col);
        fprintf(c->err, "%s:%u:%u: %s: ", f->path, line, col, kind);
        vfprintf(c->err, fmt, ap);
        fputc('\n', c->err);
        show_line(c->err, f, line, col);
    } else {
        fprintf(c->err, "myelonc: %s: ", kind);
        vfprintf(c->err, fmt, ap);
        fputc('\n', c->err);
    }
}

void mylc_error(mylc_ctx *c, const mylc_file *f, uint32_t off, const char *fmt, ...)
{
    c->errors++;
    if (c->stop) {
        c->suppress_notes = true;
        return;
    }
    if (c->errors > MYLC_MAX_ERRORS) {
        fprintf(c->err, "myelonc: error: too many errors (%d), stopping\n", MYLC_MAX_ERRORS);
        c->stop = true;
        c->suppress_notes = true;
        return;
    }
    c->suppress_notes = false;
    va_list ap;
    va_start(ap, fmt);
    report(c, f, off, "error", fmt, ap);
    va_end(ap);
}

void mylc_note(mylc_ctx *c, const mylc_file *f, uint32_t off, const char *fmt, ...)
{
    if (c->suppress_notes)
        return;
    va_list ap;
    va_start(ap, fmt);
    report(c, f, off, "note", fmt, ap);
    va_end(ap);
}

/* ---- "did you mean" ---- */

static unsigned char lower(unsigned char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch | 0x20) : ch;
}

/* Optimal string alignment distance (Levenshtein plus adjacent
 * transpositions), case-insensitive; words longer than 63 bytes are not
 * compared (UINT_MAX). */
static unsigned edit_distance(const char *a, uint32_t an, const char *b, uint32_t bn)
{
    enum { MAXW = 64 };
    if (an >= MAXW || bn >= MAXW)
        return ~0u;
    unsigned d[MAXW][MAXW];
    for (uint32_t i = 0; i <= an; i++)
        d[i][0] = i;
    for (uint32_t j = 0; j <= bn; j++)
        d[0][j] = j;
    for (uint32_t i = 1; i <= an; i++)
        for (uint32_t j = 1; j <= bn; j++) {
            unsigned cost = lower((unsigned char)a[i - 1]) != lower((unsigned char)b[j - 1]);
            unsigned v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 &&
                lower((unsigned char)a[i - 1]) == lower((unsigned char)b[j - 2]) &&
                lower((unsigned char)a[i - 2]) == lower((unsigned char)b[j - 1]) &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[an][bn];
}

/* Are a and b anagrams (ignoring case)? */
static bool same_letters(const char *a, uint32_t an, const char *b, uint32_t bn)
{
    if (an != bn)
        return false;
    unsigned count[256] = {0};
    for (uint32_t i = 0; i < an; i++) {
        count[lower((unsigned char)a[i])]++;
        count[lower((unsigned char)b[i])]--;
    }
    for (unsigned i = 0; i < 256; i++)
        if (count[i])
            return false;
    return true;
}

void mylc_suggest_init(mylc_suggest *sg, const char *word, uint32_t n)
{
    memset(sg, 0, sizeof *sg);
    sg->word = word;
    sg->n = n;
    sg->dist = ~0u;
}

void mylc_suggest_add(mylc_suggest *sg, const char *cand, uint32_t n)
{
    if (!cand || (n == sg->n && memcmp(cand, sg->word, n) == 0))
        return; /* the word itself is no suggestion */
    unsigned max = sg->n <= 4 ? 1 : sg->n <= 8 ? 2 : 3;
    unsigned d = edit_distance(sg->word, sg->n, cand, n);
    /* A distance as large as the word (or the candidate) is a rewrite,
     * not a typo: "x" is not a typo of "u8". */
    if (d > max || d >= sg->n || d >= n || d > sg->dist)
        return;
    /* Between two as close, letters swapped beat a letter changed: "u46"
     * is "u64" rather than "u16". Otherwise the first offered stays. */
    if (d == sg->dist && !(same_letters(cand, n, sg->word, sg->n) &&
                           !same_letters(sg->best, sg->best_n, sg->word, sg->n)))
        return;
    sg->best = cand;
    sg->best_n = n;
    sg->dist = d;
}

const char *mylc_suggest_hint(mylc_suggest *sg)
{
    if (!sg->best)
        return "";
    snprintf(sg->hint, sizeof sg->hint, "; did you mean '%.*s'?",
             (int)(sg->best_n > 60 ? 60 : sg->best_n), sg->best);
    return sg->hint;
}
