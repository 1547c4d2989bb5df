/* The formatter: lays out filled templates the way clang-format, with
 * the root .clang-format (LLVM base, 4-space indent, column limit 100),
 * would, so that an installed myelonc writes the same bytes whether or
 * not clang-format is installed. The templates are clang-formatted; once
 * their holes are filled, the declarations and calls whose length changed
 * are re-joined and re-wrapped (arguments bin-packed and aligned after the
 * opening parenthesis). docs/COMPILER.md, "The formatter", says what is
 * guaranteed and how tests/gen/property checks it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "format.h"

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
 * first line already holds `first` columns. Returns the number of lines,
 * or 0 if a line would overflow (when check is set); writes unless check. */
static unsigned pack(mylc_buf *out, const pieces *pc, size_t first, size_t col, bool check)
{
    size_t line = first;
    unsigned lines = 1;
    for (unsigned i = 0; i < pc->count; i++) {
        size_t len = pc->n[i];
        if (line == first && i == 0) {
            line += len;
        } else if (line + 1 + len <= MYLC_COLUMNS) {
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
            lines++;
        }
        if (line > MYLC_COLUMNS && check)
            return 0;
        if (!check)
            mylc_buf_put(out, pc->p[i], len);
    }
    if (!check)
        mylc_buf_putc(out, '\n');
    return lines;
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
 *   3. a declaration fits once its return type is on a line of its own
 *      (arguments aligned after the '(' if they do not fit one line);
 *   4. else break after the '(' and indent the arguments by 4 (putting
 *      the return type on its own line first if even "name(" overflows).
 * Statements are left alone (the templates keep them short). */
static void wrap(mylc_buf *out, const char *p, size_t n)
{
    const char *t = p;
    while (t < p + n && *t == ' ')
        t++;
    const char *open = memchr(p, '(', n);
    if (n <= MYLC_COLUMNS || !open || starts_with_word(t, n - (size_t)(t - p), "if") ||
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
    const char *name = open;
    while (name > p && is_ident_char(name[-1]))
        name--;
    bool decl = name > t && (name[-1] == ' ' || name[-1] == '*');
    const char *head_end = name;
    while (head_end > p && head_end[-1] == ' ')
        head_end--;
    size_t indent = (size_t)(t - p);
    /* The layouts clang-format weighs, with its penalties (TokenAnnotator's
     * split penalties, 20 per binding level, and 15 for the first break on
     * a nesting level):
     *   2: arguments aligned after the '(', bin-packed;
     *   3: the return type on a line of its own (a declaration whose name
     *      starts at column 6 or more), then as 2;
     *   4: a break after the '(', arguments indented by 4, bin-packed;
     *   5: 3 and 4.
     * A break after an argument's comma costs 41, one before the name 80,
     * one after a declaration's '(' 140 (a call's: 59). The cheapest layout
     * that fits wins, the earlier one on a tie. */
    unsigned best = 0, best_cost = UINT32_MAX;
    pieces pc2, pc3, pc4, pc5;
    size_t col2 = (size_t)(open - p) + 1, col3 = (size_t)(open - name) + 1;
    bool name_break = decl && (size_t)(name - p) >= 6;
    unsigned paren = decl ? 155 : 74;
    if (split_args(p, n, p, &pc2)) {
        unsigned l = pack(out, &pc2, 0, col2, true);
        if (l)
            best = 2, best_cost = (l > 1 ? 15 : 0) + 41 * (l - 1);
    }
    if (name_break && split_args(name, (size_t)(p + n - name), name, &pc3)) {
        unsigned l = pack(out, &pc3, 0, col3, true);
        unsigned cost = 95 + (l > 1 ? 15 : 0) + 41 * (l - 1);
        if (l && cost < best_cost)
            best = 3, best_cost = cost;
    }
    size_t ind = indent + 4;
    if (col2 <= MYLC_COLUMNS && split_args(open, (size_t)(p + n - open), open + 1, &pc4)) {
        unsigned l = pack(out, &pc4, ind, ind, true);
        unsigned cost = paren + 41 * (l - 1);
        if (l && cost < best_cost)
            best = 4, best_cost = cost;
    }
    if (name_break && split_args(open, (size_t)(p + n - open), open + 1, &pc5)) {
        unsigned l = pack(out, &pc5, 4, 4, true);
        unsigned cost = 95 + paren + 41 * (l - 1);
        if (l && cost < best_cost)
            best = 5, best_cost = cost;
    }
    switch (best) {
    case 2:
        pack(out, &pc2, 0, col2, false);
        return;
    case 3:
        mylc_buf_put(out, p, (size_t)(head_end - p));
        mylc_buf_putc(out, '\n');
        pack(out, &pc3, 0, col3, false);
        return;
    case 4:
        mylc_buf_put(out, p, (size_t)(open - p) + 1);
        mylc_buf_putc(out, '\n');
        for (size_t k = 0; k < ind; k++)
            mylc_buf_putc(out, ' ');
        pack(out, &pc4, ind, ind, false);
        return;
    case 5:
        mylc_buf_put(out, p, (size_t)(head_end - p));
        mylc_buf_putc(out, '\n');
        mylc_buf_put(out, name, (size_t)(open - name) + 1);
        mylc_buf_puts(out, "\n    ");
        pack(out, &pc5, 4, 4, false);
        return;
    default:
        mylc_buf_put(out, p, n);
        mylc_buf_putc(out, '\n');
        return;
    }
}

void mylc_format(mylc_buf *in, mylc_buf *out)
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
