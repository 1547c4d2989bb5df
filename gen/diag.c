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
