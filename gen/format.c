/* The formatter: lays out filled templates the way clang-format, with
 * the root .clang-format (LLVM base, 4-space indent, column limit 100),
 * would, so that an installed myelonc writes the same bytes whether or
 * not clang-format is installed. The templates are clang-formatted; once
 * their holes are filled, the declarations and calls whose length changed
 * are re-joined and re-wrapped (arguments bin-packed and aligned after the
 * opening parenthesis). A construct that no layout fits (a name longer
 * than a line) is fenced with clang-format off/on (mylc_format_fenced).
 * docs/COMPILER.md, "The formatter", says what is guaranteed and how
 * tests/gen/property checks it.
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
        } else if (ch == '(' || ch == '{') {
            depth++;
        } else if (ch == ')' || ch == '}') {
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

static void spaces(mylc_buf *out, size_t n)
{
    for (size_t k = 0; k < n; k++)
        mylc_buf_putc(out, ' ');
}

/* "if (a OP b)" over the limit: a break after the last operator at the
 * condition's top level that leaves a first line within the limit, the
 * rest aligned with the condition (as clang-format breaks after binary
 * operators). False if there is none, or the rest does not fit either. */
static bool wrap_condition(mylc_buf *out, const char *p, size_t n, const char *t)
{
    static const char *const ops[] = {" || ", " && ", " != ", " == "};
    const char *cond = t + 4, *cut = NULL;
    int depth = 0;
    for (const char *q = cond; q + 4 <= p + n; q++) {
        if (*q == '(')
            depth++;
        else if (*q == ')')
            depth--;
        else if (depth == 0 && *q == ' ' && (size_t)(q - p) + 3 <= MYLC_COLUMNS)
            for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
                if (memcmp(q, ops[k], 4) == 0)
                    cut = q + 3;
    }
    size_t col = (size_t)(cond - p);
    /* the rest must fit, unless it is one token too long for any line */
    if (!cut || (col + (size_t)(p + n - cut - 1) > MYLC_COLUMNS &&
                 memchr(cut + 1, ' ', (size_t)(p + n - cut - 1))))
        return false;
    mylc_buf_put(out, p, (size_t)(cut - p));
    mylc_buf_putc(out, '\n');
    spaces(out, col);
    mylc_buf_put(out, cut + 1, (size_t)(p + n - cut - 1));
    mylc_buf_putc(out, '\n');
    return true;
}

/* E of a static_assert and its comma, starting at column col: on one
 * line, else broken after its "==" (the rest indented by 4), else after
 * the comma of its offsetof (the rest aligned after that '('). Writes
 * unless check; false if none fits. */
static bool put_assert_expr(mylc_buf *out, const char *e, const char *comma, size_t col, int how,
                            bool check)
{
    size_t elen = (size_t)(comma - e) + 1;
    const char *eq = NULL, *inner = NULL;
    for (const char *q = e; q + 4 < comma; q++)
        if (memcmp(q, " == ", 4) == 0)
            eq = q;
    if (memcmp(e, "offsetof(", 9) == 0)
        inner = memchr(e, ',', (size_t)(comma - e));
    if (how == 0 && col + elen <= MYLC_COLUMNS) {
        if (!check)
            mylc_buf_put(out, e, elen);
        return true;
    }
    if (how == 1 && eq && col + (size_t)(eq - e) + 3 <= MYLC_COLUMNS &&
        col + 4 + (size_t)(comma - eq - 4) + 1 <= MYLC_COLUMNS) {
        if (!check) {
            mylc_buf_put(out, e, (size_t)(eq - e) + 3);
            mylc_buf_putc(out, '\n');
            spaces(out, col + 4);
            mylc_buf_put(out, eq + 4, (size_t)(comma - eq - 4) + 1);
        }
        return true;
    }
    if (how == 2 && inner && inner[1] == ' ' && col + (size_t)(inner - e) + 1 <= MYLC_COLUMNS &&
        col + 9 + (size_t)(comma - inner - 2) + 1 <= MYLC_COLUMNS) {
        if (!check) {
            mylc_buf_put(out, e, (size_t)(inner - e) + 1);
            mylc_buf_putc(out, '\n');
            spaces(out, col + 9);
            mylc_buf_put(out, inner + 2, (size_t)(comma - inner - 2) + 1);
        }
        return true;
    }
    return false;
}

/* A string literal s (quotes included) and the tail after it, starting at
 * column col, split the way clang-format splits string literals that do
 * not fit: after the last space that keeps a piece within the limit, else
 * after the last '/', else after the last other character that is not a
 * letter or digit; continuation pieces aligned at col. Writes unless
 * check; returns the number of pieces, 0 if one has no place to split. */
static unsigned put_split_string(mylc_buf *out, const char *s, size_t n, size_t tail, size_t col,
                                 bool check)
{
    const char *c = s + 1, *end = s + n - tail - 1; /* the content */
    for (unsigned pieces = 1;; pieces++) {
        size_t left = (size_t)(end - c);
        if (col + 1 + left + 1 + tail <= MYLC_COLUMNS) {
            if (!check) {
                mylc_buf_putc(out, '"');
                mylc_buf_put(out, c, left);
                mylc_buf_putc(out, '"');
                mylc_buf_put(out, end + 1, tail);
            }
            return pieces;
        }
        size_t max = MYLC_COLUMNS - col - 2, space = 0, slash = 0, word = 0;
        for (size_t k = 0; k < max && k + 1 < left; k++) {
            if (c[k] == '\\')
                return 0; /* escapes: not generated in messages */
            if (c[k] == ' ')
                space = k;
            else if (c[k] == '/')
                slash = k;
            if (!is_ident_char(c[k]) || c[k] == '_')
                word = k;
        }
        size_t cut = space ? space + 1 : slash ? slash + 1 : word ? word + 1 : 0;
        if (!cut)
            return 0;
        if (!check) {
            mylc_buf_putc(out, '"');
            mylc_buf_put(out, c, cut);
            mylc_buf_puts(out, "\"\n");
            spaces(out, col);
        }
        c += cut;
    }
}

/* "static_assert(E, "message");" over the limit, as clang-format lays it
 * out when the message fits without being split: E after the '(' and the
 * message aligned with it on a line of its own, else both indented by 4
 * (on one line if they fit), E broken by put_assert_expr() if it must.
 * False when none of these fits (a message clang-format would split). */
static bool wrap_static_assert(mylc_buf *out, const char *p, size_t n, const char *t)
{
    const char *e = t + 14, *comma = NULL;
    int depth = 0;
    for (const char *q = e; q < p + n && *q != '"'; q++) {
        if (*q == '(')
            depth++;
        else if (*q == ')')
            depth--;
        else if (*q == ',' && depth == 0)
            comma = q;
    }
    if (!comma || comma[1] != ' ' || comma[2] != '"')
        return false;
    size_t ind = (size_t)(t - p), col = ind + 14;
    size_t elen = (size_t)(comma - e) + 1, mlen = (size_t)(p + n - comma - 2);
    /* in clang-format's order of preference, measured (after the '(' or
     * indented; E whole, broken after "==" or inside offsetof): at file
     * scope, and in a block */
    typedef struct {
        bool indented;
        int how;
    } choice;
    static const choice top[] = {{false, 0}, {false, 1}, {false, 2},
                                 {true, 0},  {true, 1},  {true, 2}};
    static const choice block[] = {{false, 0}, {false, 1}, {true, 0},
                                   {false, 2}, {true, 1},  {true, 2}};
    const choice *order = ind ? block : top;
    /* first without splitting the message, then splitting it (a message
     * that must be split starts right after an E that fits the first line,
     * its pieces aligned with it) */
    for (size_t k = 0; k < 12; k++) {
        size_t after = col + elen + 1;
        unsigned here = k == 6 && col + elen <= MYLC_COLUMNS
                            ? put_split_string(out, comma + 2, mlen, 2, after, true)
                            : 0;
        unsigned below = here ? put_split_string(out, comma + 2, mlen, 2, col, true) : 0;
        if (here && (!below || here <= below)) {
            mylc_buf_put(out, p, (size_t)(comma - p) + 2);
            put_split_string(out, comma + 2, mlen, 2, after, false);
            mylc_buf_putc(out, '\n');
            return true;
        }
        size_t c = order[k % 6].indented ? ind + 4 : col;
        bool split = k >= 6;
        if ((split ? !put_split_string(out, comma + 2, mlen, 2, c, true)
                   : c + mlen > MYLC_COLUMNS) ||
            !put_assert_expr(out, e, comma, c, order[k % 6].how, true))
            continue;
        if (order[k % 6].indented) {
            mylc_buf_put(out, p, ind + 14);
            mylc_buf_putc(out, '\n');
            spaces(out, c);
            if (!split && order[k % 6].how == 0 && c + elen + 1 + mlen <= MYLC_COLUMNS) {
                mylc_buf_put(out, e, (size_t)(p + n - e));
                mylc_buf_putc(out, '\n');
                return true;
            }
        } else {
            mylc_buf_put(out, p, (size_t)(e - p));
        }
        put_assert_expr(out, e, comma, c, order[k % 6].how, false);
        mylc_buf_putc(out, '\n');
        spaces(out, c);
        if (split)
            put_split_string(out, comma + 2, mlen, 2, c, false);
        else
            mylc_buf_put(out, comma + 2, mlen);
        mylc_buf_putc(out, '\n');
        return true;
    }
    return false;
}

/* Breaks p (n bytes) after its first cut bytes, the rest indented by
 * 4 more than the line, if the rest then fits. */
static bool break_after(mylc_buf *out, const char *p, size_t n, const char *t, size_t cut)
{
    size_t ind = (size_t)(t - p) + 4;
    const char *r = p + cut;
    while (r < p + n && *r == ' ')
        r++;
    if (cut > MYLC_COLUMNS || ind + (size_t)(p + n - r) > MYLC_COLUMNS)
        return false;
    mylc_buf_put(out, p, cut);
    mylc_buf_putc(out, '\n');
    spaces(out, ind);
    mylc_buf_put(out, r, (size_t)(p + n - r));
    mylc_buf_putc(out, '\n');
    return true;
}

/* Lines without a call to lay out: "alignas(N) T name;" (a break after
 * the alignas) and "T *v = &x;" (after the '='). */
static bool wrap_simple(mylc_buf *out, const char *p, size_t n, const char *t)
{
    size_t rest = n - (size_t)(t - p);
    if (rest > 8 && memcmp(t, "alignas(", 8) == 0) {
        const char *close = memchr(t, ')', rest);
        return close && break_after(out, p, n, t, (size_t)(close - p) + 1);
    }
    if (memchr(t, '(', rest) == NULL) {
        const char *eq = strstr(t, " = ");
        if (eq)
            return (size_t)(eq - p) + 2 < n && break_after(out, p, n, t, (size_t)(eq - p) + 2);
        /* "extern const T name;": a break before the declarator ('*' first) */
        const char *name = p + n - 1;
        while (name > t && name[-1] != ' ')
            name--;
        if (name <= t || p[n - 1] != ';' || memchr(t, '{', rest) || memchr(t, '"', rest))
            return false;
        if (*name != '*' && name - t > 1) {
            const char *prev = name - 1;
            while (prev > t && prev[-1] != ' ')
                prev--;
            if (*prev == '*' && (size_t)(t - p) + 4 + (size_t)(p + n - prev) <= MYLC_COLUMNS)
                name = prev;
        }
        return break_after(out, p, n, t, (size_t)(name - p) - 1);
    }
    return false;
}

/* A cast of a call that fits once the cast ends a line, when no layout of
 * the call fits: "return (T *)f(a);", "v = (T)f(a);". */
static bool wrap_cast(mylc_buf *out, const char *p, size_t n, const char *t)
{
    size_t rest = n - (size_t)(t - p);
    /* a cast: "(" right after "return " or "= ", closed before a name */
    const char *cast = NULL;
    bool ret = starts_with_word(t, rest, "return") && t[7] == '(';
    if (ret)
        cast = t + 7;
    else {
        const char *eq = strstr(t, " = (");
        if (eq && !memchr(t, '(', (size_t)(eq - t)))
            cast = eq + 3;
    }
    if (!cast)
        return false;
    const char *close = memchr(cast, ')', (size_t)(p + n - cast));
    if (!close || close + 1 >= p + n || !is_ident_char(close[1]) ||
        memchr(cast + 1, '(', (size_t)(close - cast - 1)))
        return false;
    size_t head = (size_t)(close - p) + 1;
    /* an assignment breaks after its '=' first (cheaper for clang-format
     * than after a cast), the call then after its '(' */
    const char *call = memchr(close, '(', (size_t)(p + n - close));
    size_t ind = (size_t)(t - p) + 4;
    if (!ret && call && ind + (size_t)(call - cast) + 1 <= MYLC_COLUMNS &&
        ind + 4 + (size_t)(p + n - call - 1) <= MYLC_COLUMNS) {
        mylc_buf_put(out, p, (size_t)(cast - p) - 1);
        mylc_buf_putc(out, '\n');
        spaces(out, ind);
        mylc_buf_put(out, cast, (size_t)(call - cast) + 1);
        mylc_buf_putc(out, '\n');
        spaces(out, ind + 4);
        mylc_buf_put(out, call + 1, (size_t)(p + n - call - 1));
        mylc_buf_putc(out, '\n');
        return true;
    }
    /* only when the cast ends within the limit but the call does not */
    return head <= MYLC_COLUMNS && break_after(out, p, n, t, head);
}

/* A call that fits no bin-packed layout because an argument is itself
 * too long: clang-format breaks after the '(' and puts every argument on
 * a line of its own, indented by 4, an argument that starts with a cast
 * broken after it (indented by 4 more). False if that does not fit. */
static bool wrap_one_per_line(mylc_buf *out, const char *p, size_t n, const char *t,
                              const char *open, const pieces *args)
{
    size_t ind = (size_t)(t - p) + 4;
    if ((size_t)(open - p) + 1 > MYLC_COLUMNS || args->count < 2)
        return false;
    for (int pass = 0; pass < 2; pass++) {
        if (pass)
            mylc_buf_put(out, p, (size_t)(open - p) + 1);
        for (unsigned i = 0; i < args->count; i++) {
            const char *a = args->p[i];
            size_t len = args->n[i];
            if (pass) {
                mylc_buf_putc(out, '\n');
                spaces(out, ind);
            }
            if (ind + len <= MYLC_COLUMNS) {
                if (pass)
                    mylc_buf_put(out, a, len);
                continue;
            }
            const char *close = *a == '(' ? memchr(a, ')', len) : NULL;
            if (!close || ind + (size_t)(close - a) + 1 > MYLC_COLUMNS ||
                ind + 4 + (size_t)(a + len - close - 1) > MYLC_COLUMNS)
                return false;
            if (pass) {
                mylc_buf_put(out, a, (size_t)(close - a) + 1);
                mylc_buf_putc(out, '\n');
                spaces(out, ind + 4);
                mylc_buf_put(out, close + 1, (size_t)(a + len - close - 1));
            }
        }
    }
    mylc_buf_putc(out, '\n');
    (void)n;
    return true;
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
    if (n <= MYLC_COLUMNS) {
        mylc_buf_put(out, p, n);
        mylc_buf_putc(out, '\n');
        return;
    }
    const char *t = p;
    while (t < p + n && *t == ' ')
        t++;
    size_t rest = n - (size_t)(t - p);
    /* the first '(' of a call or declaration (not of a cast) */
    const char *open = *t == '{' ? t : NULL; /* an item of an initializer */
    for (const char *q = t + 1; !open && q < p + n && *q != '"'; q++)
        if (*q == '(' && is_ident_char(q[-1])) {
            open = q;
            break;
        }
    if (starts_with_word(t, rest, "if") && wrap_condition(out, p, n, t))
        return;
    if (wrap_simple(out, p, n, t))
        return;
    if (rest > 14 && memcmp(t, "static_assert(", 14) == 0 && wrap_static_assert(out, p, n, t))
        return;
    if (n <= MYLC_COLUMNS || !open || starts_with_word(t, rest, "if") ||
        starts_with_word(t, rest, "while") || starts_with_word(t, rest, "for")) {
        mylc_buf_put(out, p, n);
        mylc_buf_putc(out, '\n');
        return;
    }
    /* "T v = {expr};": a break after the '{', the rest indented by 4 */
    const char *brace = memchr(t, '{', rest);
    if (brace && brace - t > 3 && memcmp(brace - 3, " = {", 4) == 0 && p[n - 1] == ';' &&
        brace < open && (size_t)(p + n - brace - 1) + (size_t)(t - p) + 4 <= MYLC_COLUMNS) {
        mylc_buf_put(out, p, (size_t)(brace - p) + 1);
        mylc_buf_putc(out, '\n');
        spaces(out, (size_t)(t - p) + 4);
        mylc_buf_put(out, brace + 1, (size_t)(p + n - brace - 1));
        mylc_buf_putc(out, '\n');
        return;
    }
    const char *name = open;
    while (name > p && is_ident_char(name[-1]))
        name--;
    /* a declaration, or a macro call at file scope (clang-format takes it
     * for one: a break after its '(' costs as much) */
    bool decl = (name > t && (name[-1] == ' ' || name[-1] == '*') &&
                 !starts_with_word(t, rest, "return") && !memchr(t, '=', (size_t)(name - t))) ||
                (name == p && *p != ' ');
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
    /* 6: an assignment broken after its '=' (22, plus 15), the rest on one
     * line indented by 4 */
    const char *eq = decl ? NULL : memchr(t, '=', (size_t)(open - t));
    if (eq && eq > t && eq[-1] == ' ' && eq[1] == ' ' &&
        ind + (size_t)(p + n - eq - 2) <= MYLC_COLUMNS && 37 < best_cost) {
        mylc_buf_put(out, p, (size_t)(eq - p) + 1);
        mylc_buf_putc(out, '\n');
        spaces(out, ind);
        mylc_buf_put(out, eq + 2, (size_t)(p + n - eq - 2));
        mylc_buf_putc(out, '\n');
        return;
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
        if (wrap_cast(out, p, n, t))
            return;
        if (split_args(open, (size_t)(p + n - open), open + 1, &pc4) &&
            wrap_one_per_line(out, p, n, t, open, &pc4))
            return;
        mylc_buf_put(out, p, n);
        mylc_buf_putc(out, '\n');
        return;
    }
}

/* May clang-format move words into this comment line (BreakableComment's
 * mayReflowContent): not empty, not a list item or tag. */
static bool may_reflow(const char *c, size_t n)
{
    static const char *const special[] = {"@", "TODO", "FIXME", "XXX", "-# ", "- ", "+ ", "* "};
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++) {
        size_t k = strlen(special[i]);
        if (n >= k && memcmp(c, special[i], k) == 0)
            return false;
    }
    if (n >= 2 && c[0] >= '1' && c[0] <= '9' &&
        (c[1] == '.' || (n >= 3 && c[1] >= '0' && c[1] <= '9' && c[2] == '.')))
        return false;
    bool punct0 = n > 0 && !is_ident_char(c[0]) && c[0] != ' ';
    bool punct1 = n > 1 && !is_ident_char(c[1]) && c[1] != ' ';
    return n >= 2 && c[n - 1] != '\\' && !(punct0 && punct1);
}

/* A block comment (its lines, each with its newline, in text), written as
 * clang-format's comment reflow leaves it: from a line over the limit to
 * the end of its paragraph (up to a line that may not take words from the
 * one before, or the comment's end), the words are filled again, greedily,
 * into lines of at most the column limit. Other lines are kept. */
static void put_comment(mylc_buf *out, mylc_buf *text)
{
    enum { MAX_LINES = 256 };
    const char *ls[MAX_LINES], *cs[MAX_LINES], *es[MAX_LINES];
    unsigned nl = 0;
    bool over = false;
    const char *p = text->p, *end = text->p + text->n;
    for (const char *q = p; q < end && nl < MAX_LINES;) {
        const char *eol = memchr(q, '\n', (size_t)(end - q));
        if (!eol)
            eol = end;
        over |= (size_t)(eol - q) > MYLC_COLUMNS;
        const char *c = q;
        while (c < eol && *c == ' ')
            c++;
        if (nl == 0 && eol - c >= 2 && c[0] == '/' && c[1] == '*')
            c += 2;
        else if (nl > 0 && c < eol && c[0] == '*' && !(eol - c >= 2 && c[1] == '/'))
            c += 1;
        if (c < eol && *c == ' ')
            c++;
        ls[nl] = q, cs[nl] = c, es[nl++] = eol;
        q = eol < end ? eol + 1 : end;
    }
    if (!over || nl == MAX_LINES) {
        mylc_buf_put(out, p, (size_t)(end - p));
        return;
    }
    size_t indent = 0;
    while (p + indent < end && p[indent] == ' ')
        indent++;
    mylc_buf line = {0};
    for (unsigned i = 0; i < nl;) {
        if ((size_t)(es[i] - ls[i]) <= MYLC_COLUMNS) {
            mylc_buf_put(out, ls[i], (size_t)(es[i] - ls[i]));
            mylc_buf_putc(out, '\n');
            i++;
            continue;
        }
        unsigned j = i + 1;
        while (j < nl && may_reflow(cs[j], (size_t)(es[j] - cs[j])))
            j++;
        /* lines i .. j-1 are one paragraph: fill its words again */
        line.n = 0;
        mylc_buf_put(&line, ls[i], (size_t)(cs[i] - ls[i]));
        size_t prefix = line.n;
        for (unsigned k = i; k < j; k++) {
            for (const char *w = cs[k]; w < es[k];) {
                while (w < es[k] && *w == ' ')
                    w++;
                const char *we = w;
                while (we < es[k] && *we != ' ')
                    we++;
                if (we == w)
                    break;
                size_t wn = (size_t)(we - w);
                if (line.n > prefix && line.n + 1 + wn > MYLC_COLUMNS) {
                    mylc_buf_put(out, line.p, line.n);
                    mylc_buf_putc(out, '\n');
                    line.n = 0;
                    spaces(&line, indent);
                    mylc_buf_puts(&line, " * ");
                    prefix = line.n;
                }
                if (line.n > prefix)
                    mylc_buf_putc(&line, ' ');
                mylc_buf_put(&line, w, wn);
                w = we;
            }
        }
        mylc_buf_put(out, line.p, line.n);
        mylc_buf_putc(out, '\n');
        i = j;
    }
    mylc_buf_free(&line);
}

/* "#define NAME VALUE" over the limit: clang-format breaks after the name
 * and puts the escaped newline's backslash at the last column. */
static void wrap(mylc_buf *out, const char *p, size_t n);

static void put_define(mylc_buf *out, const char *p, size_t n)
{
    const char *sp =
        n > MYLC_COLUMNS && strncmp(p, "#define ", 8) == 0 ? memchr(p + 8, ' ', n - 8) : NULL;
    if (!sp) {
        mylc_buf_put(out, p, n);
        mylc_buf_putc(out, '\n');
        return;
    }
    size_t head = (size_t)(sp - p);
    mylc_buf_put(out, p, head);
    spaces(out, head + 2 <= MYLC_COLUMNS ? MYLC_COLUMNS - 1 - head : 1);
    mylc_buf_puts(out, "\\\n");
    /* the value, laid out as code indented by 4; every line but the last
     * ends with a backslash in the last column */
    mylc_buf body = {0}, lines = {0};
    mylc_buf_puts(&body, "    ");
    mylc_buf_put(&body, sp + 1, n - head - 1);
    wrap(&lines, body.p, body.n);
    const char *q = lines.p, *end = lines.p + lines.n;
    while (q < end) {
        const char *eol = memchr(q, '\n', (size_t)(end - q));
        if (!eol)
            eol = end;
        size_t len = (size_t)(eol - q);
        mylc_buf_put(out, q, len);
        if (eol + 1 < end) {
            spaces(out, len + 2 <= MYLC_COLUMNS ? MYLC_COLUMNS - 1 - len : 1);
            mylc_buf_putc(out, '\\');
        }
        mylc_buf_putc(out, '\n');
        q = eol < end ? eol + 1 : end;
    }
    mylc_buf_free(&body);
    mylc_buf_free(&lines);
}

/* The head "TYPE NAME = {" of an initializer whose items follow on lines
 * of their own, over the limit: clang-format breaks after the '=' (the
 * brace indented by 4) or, if that does not fit, before the name; either
 * way the items move 4 columns right. Returns the items' extra indent. */
static size_t put_init_head(mylc_buf *out, const char *p, size_t n)
{
    if (n <= MYLC_COLUMNS || n < 4 || memcmp(p + n - 4, " = {", 4) != 0 || *p == ' ') {
        mylc_buf_put(out, p, n);
        mylc_buf_putc(out, '\n');
        return 0;
    }
    if (n - 2 <= MYLC_COLUMNS) {
        mylc_buf_put(out, p, n - 2);
        mylc_buf_puts(out, "\n    {\n");
        return 4;
    }
    /* the declarator: its name, or the "*" or "*const" before it (clang-format
     * breaks before a '*' rather than before a name) */
    const char *name = p + n - 4;
    while (name > p && name[-1] != ' ')
        name--;
    if (*name != '*' && name - p > 1) {
        const char *prev = name - 1;
        while (prev > p && prev[-1] != ' ')
            prev--;
        if (*prev == '*' && 4 + (size_t)(p + n - prev) <= MYLC_COLUMNS)
            name = prev;
    }
    if (name <= p)
        name = p + 1;
    mylc_buf_put(out, p, (size_t)(name - p - 1));
    mylc_buf_puts(out, "\n    ");
    mylc_buf_put(out, name, (size_t)(p + n - name));
    mylc_buf_putc(out, '\n');
    return 4;
}

/* "typedef struct A A;" over the limit: a break before the second name. */
static bool put_typedef(mylc_buf *out, const char *p, size_t n)
{
    if (n <= MYLC_COLUMNS || strncmp(p, "typedef struct ", 15) != 0 || p[n - 1] != ';')
        return false;
    const char *sp = memchr(p + 15, ' ', n - 15);
    if (!sp || memchr(sp + 1, ' ', (size_t)(p + n - sp - 1)))
        return false;
    mylc_buf_put(out, p, (size_t)(sp - p));
    mylc_buf_puts(out, "\n    ");
    mylc_buf_put(out, sp + 1, (size_t)(p + n - sp - 1));
    mylc_buf_putc(out, '\n');
    return true;
}

/* Lays out the lines from p to end (whole constructs) into out. */
static void format_lines(const char *p, const char *end, mylc_buf *out)
{
    mylc_buf logical = {0}, comment = {0};
    size_t extra = 0; /* items of an initializer whose head was broken */
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        const char *t = p;
        while (t < eol && *t == ' ')
            t++;
        if (eol - t >= 2 && t[0] == '/' && t[1] == '*') {
            if (eol - p <= MYLC_COLUMNS && eol[-2] == '*' && eol[-1] == '/') {
                mylc_buf_put(out, p, (size_t)(eol - p) + (eol < end)); /* one short line */
                p = eol < end ? eol + 1 : end;
                continue;
            }
            comment.n = 0;
            for (;;) {
                mylc_buf_put(&comment, p, (size_t)(eol - p));
                mylc_buf_putc(&comment, '\n');
                bool last = eol - p >= 2 && eol[-2] == '*' && eol[-1] == '/';
                p = eol < end ? eol + 1 : end;
                if (last || p >= end)
                    break;
                eol = memchr(p, '\n', (size_t)(end - p));
                if (!eol)
                    eol = end;
            }
            put_comment(out, &comment);
            continue;
        }
        if (*t == '#') {
            put_define(out, p, (size_t)(eol - p));
            p = eol < end ? eol + 1 : end;
            continue;
        }
        logical.n = 0;
        spaces(&logical, extra);
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
        const char *lp = logical.p ? logical.p : "";
        if (extra && logical.n == extra + 2 && memcmp(lp + extra, "};", 2) == 0) {
            mylc_buf_puts(out, "};\n");
            extra = 0;
        } else if (!extra && logical.n > 4 && memcmp(lp + logical.n - 4, " = {", 4) == 0) {
            extra = put_init_head(out, lp, logical.n);
        } else if (logical.n <= MYLC_COLUMNS) {
            mylc_buf_put(out, lp, logical.n);
            mylc_buf_putc(out, '\n');
        } else if (!put_typedef(out, lp, logical.n)) {
            wrap(out, lp, logical.n);
        }
    }
    mylc_buf_free(&logical);
    mylc_buf_free(&comment);
}

void mylc_format(mylc_buf *in, mylc_buf *out)
{
    format_lines(in->p, in->p + in->n, out);
}

/* The change in bracket depth over one line of C, skipping string and
 * character literals and comments; *block carries an open block comment
 * from one line to the next. */
static int line_depth(const char *p, const char *eol, bool *block)
{
    int depth = 0;
    for (const char *q = p; q < eol; q++) {
        if (*block) {
            if (*q == '*' && q + 1 < eol && q[1] == '/')
                *block = false, q++;
            continue;
        }
        if (*q == '/' && q + 1 < eol && q[1] == '/')
            break;
        if (*q == '/' && q + 1 < eol && q[1] == '*') {
            *block = true, q++;
        } else if (*q == '"' || *q == '\'') {
            for (char quote = *q++; q < eol && *q != quote; q++)
                if (*q == '\\')
                    q++;
        } else if (*q == '(' || *q == '[' || *q == '{') {
            depth++;
        } else if (*q == ')' || *q == ']' || *q == '}') {
            depth--;
        }
    }
    return depth;
}

/* The last character of a line that is not a space, or 0. */
static char last_char(const char *p, const char *eol)
{
    while (eol > p && eol[-1] == ' ')
        eol--;
    if (eol == p)
        return 0;
    return eol[-1];
}

/* Does any line of b[from..] pass the column limit? */
static bool overflows(const mylc_buf *b, size_t from)
{
    const char *p = b->p + from, *end = b->p + b->n;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        if ((size_t)(eol - p) > MYLC_COLUMNS)
            return true;
        p = eol + 1;
    }
    return false;
}

void mylc_format_fenced(mylc_buf *in, mylc_buf *out)
{
    const char *p = in->p, *end = in->p + in->n;
    mylc_buf chunk = {0};
    while (p < end) {
        /* one top-level construct: from a line at depth 0 to the line that
         * brings the depth back to 0 and ends it (';', '}', or a ')' not
         * followed by a function body); a comment block, a preprocessor
         * line (with its continuations), a blank line and the brace lines
         * of extern "C" are constructs of their own */
        const char *start = p, *eol;
        int depth = 0;
        bool block = false;
        for (;;) {
            eol = memchr(p, '\n', (size_t)(end - p));
            if (!eol)
                eol = end;
            const char *next = eol < end ? eol + 1 : end;
            const char *t = p;
            while (t < eol && *t == ' ')
                t++;
            bool first = p == start;
            char last = last_char(p, eol);
            if (first && (t == eol || *t == '#' || (eol - t >= 2 && t[0] == '/' && t[1] == '*') ||
                          (eol - t == 12 && memcmp(t, "extern \"C\" {", 12) == 0) ||
                          (eol - t == 1 && *t == '}'))) {
                bool comment = t < eol && *t == '/';
                if (*t == '#')
                    while (last_char(p, eol) == '\\' && next < end) {
                        p = next;
                        eol = memchr(p, '\n', (size_t)(end - p));
                        eol = eol ? eol : end;
                        next = eol < end ? eol + 1 : end;
                    }
                if (comment)
                    while (!(eol - p >= 2 && eol[-2] == '*' && eol[-1] == '/') && next < end) {
                        p = next;
                        eol = memchr(p, '\n', (size_t)(end - p));
                        eol = eol ? eol : end;
                        next = eol < end ? eol + 1 : end;
                    }
                p = next;
                break;
            }
            depth += line_depth(p, eol, &block);
            p = next;
            if (p >= end)
                break;
            if (depth > 0 || block)
                continue;
            if (last == ';' || last == '}')
                break;
            if (last == ')') {
                const char *n2 = p;
                while (n2 < end && *n2 == ' ')
                    n2++;
                if (n2 >= end || *n2 != '{')
                    break;
            }
        }
        /* a construct that no layout fits within the column limit (a name
         * longer than a line) is fenced off from clang-format, whose
         * choices then depend on its per-character excess penalty */
        chunk.n = 0;
        format_lines(start, p, &chunk);
        if (overflows(&chunk, 0)) {
            mylc_buf_puts(out, "// clang-format off\n");
            mylc_buf_put(out, chunk.p, chunk.n);
            mylc_buf_puts(out, "// clang-format on\n");
        } else {
            mylc_buf_put(out, chunk.p, chunk.n);
        }
    }
    mylc_buf_free(&chunk);
}
