/* The lexer: a hand-written scanner over a length-delimited buffer (NUL
 * bytes are input like any other). Tokens are views into the source.
 *
 *   identifier  [A-Za-z_][A-Za-z0-9_]* ( '.' [A-Za-z_][A-Za-z0-9_]* )*
 *   integer     [0-9]+ | 0x[0-9A-Fa-f]+, then an optional size suffix [A-Za-z]+
 *   float       [0-9]+ '.' [0-9]+ ( [eE] [+-]? [0-9]+ )? | [0-9]+ [eE] [+-]? [0-9]+
 *   string      '"' ( [^"\\\n] | '\\' any )* '"'
 *   punctuation ; : , { } ( ) [ ] = - ->
 *   comments    // to the end of the line, and / * ... * / (not nested);
 *               "///" lines right before a token are its doc comment
 *
 * Errors are reported and the offending bytes skipped, so that one run
 * reports as much as it can; a run of bad bytes gives one error.
 */
#include <string.h>

#include "parse.h"

static const struct {
    const char *word;
    int type;
} keywords[] = {
    {"myelon", MYL_TK_MYELON},     {"package", MYL_TK_PACKAGE},   {"import", MYL_TK_IMPORT},
    {"enum", MYL_TK_ENUM},         {"event", MYL_TK_EVENT},       {"struct", MYL_TK_STRUCT},
    {"table", MYL_TK_TABLE},       {"union", MYL_TK_UNION},       {"channel", MYL_TK_CHANNEL},
    {"topology", MYL_TK_TOPOLOGY}, {"pipeline", MYL_TK_PIPELINE}, {"true", MYL_TK_TRUE},
    {"false", MYL_TK_FALSE},       {"bridge", MYL_TK_BRIDGE},
};

const char *mylc_tok_name(int type)
{
    switch (type) {
    case 0:
        return "end of file";
    case MYL_TK_SEMI:
        return "';'";
    case MYL_TK_COLON:
        return "':'";
    case MYL_TK_COMMA:
        return "','";
    case MYL_TK_LBRACE:
        return "'{'";
    case MYL_TK_RBRACE:
        return "'}'";
    case MYL_TK_LPAREN:
        return "'('";
    case MYL_TK_RPAREN:
        return "')'";
    case MYL_TK_LBRACK:
        return "'['";
    case MYL_TK_RBRACK:
        return "']'";
    case MYL_TK_EQ:
        return "'='";
    case MYL_TK_MINUS:
        return "'-'";
    case MYL_TK_ARROW:
        return "'->'";
    case MYL_TK_INT:
        return "integer";
    case MYL_TK_FLOAT:
        return "number";
    case MYL_TK_STRING:
        return "string";
    case MYL_TK_ID:
        return "identifier";
    default:
        for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
            if (keywords[i].type == type)
                return keywords[i].word;
        return "token";
    }
}

void mylc_lex_init(mylc_lexer *lx, mylc_ctx *c, mylc_file *f)
{
    lx->ctx = c;
    lx->file = f;
    lx->pos = f->start;
}

static bool is_alpha(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

static bool is_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_xdigit(int ch)
{
    return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static bool is_space(int ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

/* Could ch begin a token or be skipped as blank or comment? */
static bool is_start(int ch)
{
    return is_space(ch) || is_alpha(ch) || is_digit(ch) ||
           (ch != 0 && strchr(";:,{}()[]=-\"/", ch) != NULL);
}

/* An exponent at s[i] (mark: 'e' for decimal, 'p' for hexadecimal, either
 * case, then an optional sign and digits): the index past it, or i when
 * there is none. */
static uint32_t exponent(const char *s, uint32_t n, uint32_t i, char mark)
{
    if (i >= n || (s[i] | 0x20) != mark)
        return i;
    uint32_t k = i + 1;
    if (k < n && (s[k] == '+' || s[k] == '-'))
        k++;
    if (k >= n || !is_digit((unsigned char)s[k]))
        return i;
    while (k < n && is_digit((unsigned char)s[k]))
        k++;
    return k;
}

mylc_tok mylc_lex_next(mylc_lexer *lx)
{
    const char *s = lx->file->text;
    uint32_t n = lx->file->len;
    uint32_t i;
    mylc_tok t;
again:
    i = lx->pos;
    t.type = 0;
    t.doc.p = s;
    t.doc.n = 0;
    for (;;) {
        while (i < n && is_space((unsigned char)s[i]))
            i++;
        if (i + 1 < n && s[i] == '/' && s[i + 1] == '/') {
            /* "///" (not "////") starts or continues a doc comment; any
             * other comment ends it. */
            bool doc = i + 2 < n && s[i + 2] == '/' && !(i + 3 < n && s[i + 3] == '/');
            uint32_t b = i;
            while (i < n && s[i] != '\n')
                i++;
            if (!doc) {
                t.doc.n = 0;
            } else {
                if (!t.doc.n)
                    t.doc.p = s + b;
                t.doc.n = (uint32_t)(s + i - t.doc.p);
            }
            continue;
        }
        if (i + 1 < n && s[i] == '/' && s[i + 1] == '*') {
            uint32_t b = i;
            i += 2;
            while (i + 1 < n && !(s[i] == '*' && s[i + 1] == '/'))
                i++;
            if (i + 1 >= n) {
                mylc_error(lx->ctx, lx->file, b, "unterminated comment");
                i = n;
            } else {
                i += 2;
            }
            t.doc.n = 0;
            continue;
        }
        break;
    }
    t.off = i;
    t.s.p = s + i;
    if (i >= n) {
        lx->pos = n;
        t.s.n = 0;
        return t;
    }
    unsigned char ch = (unsigned char)s[i];
    /* A number's explicit '+' (flatc takes "= +5"): not part of it. */
    if (ch == '+' && i + 1 < n &&
        (is_digit((unsigned char)s[i + 1]) ||
         (s[i + 1] == '.' && i + 2 < n && is_digit((unsigned char)s[i + 2])))) {
        i++;
        t.off = i;
        t.s.p = s + i;
        ch = (unsigned char)s[i];
    }
    uint32_t b = i;
    if (is_alpha(ch)) {
        for (;;) {
            while (i < n && (is_alpha((unsigned char)s[i]) || is_digit((unsigned char)s[i])))
                i++;
            if (i + 1 < n && s[i] == '.' && is_alpha((unsigned char)s[i + 1])) {
                i++;
                continue;
            }
            break;
        }
        t.type = MYL_TK_ID;
        if (i - b > MYLC_MAX_IDENT)
            mylc_error(lx->ctx, lx->file, b, "identifier is too long (%u bytes; at most %u)", i - b,
                       MYLC_MAX_IDENT);
        for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
            if (strlen(keywords[k].word) == i - b && memcmp(keywords[k].word, s + b, i - b) == 0)
                t.type = keywords[k].type;
    } else if (is_digit(ch) || (ch == '.' && i + 1 < n && is_digit((unsigned char)s[i + 1]))) {
        /* Numbers as C and flatc write them: 12, 0x1f, 1.5, .5, 5., 1e-3,
         * and hexadecimal floats (0x1.8p3). */
        t.type = MYL_TK_INT;
        if (ch == '0' && i + 1 < n && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
            i += 2;
            while (i < n && is_xdigit((unsigned char)s[i]))
                i++;
            uint32_t k = i;
            if (k < n && s[k] == '.')
                for (k++; k < n && is_xdigit((unsigned char)s[k]);)
                    k++;
            uint32_t e = exponent(s, n, k, 'p');
            if (e != k) {
                t.type = MYL_TK_FLOAT;
                i = e;
            }
        } else {
            while (i < n && is_digit((unsigned char)s[i]))
                i++;
            /* a fraction, or a bare point ("5.") that no name follows */
            if (i < n && s[i] == '.' &&
                (i + 1 >= n || !(is_alpha((unsigned char)s[i + 1]) || s[i + 1] == '.'))) {
                t.type = MYL_TK_FLOAT;
                i++;
                while (i < n && is_digit((unsigned char)s[i]))
                    i++;
            }
            uint32_t e = exponent(s, n, i, 'e');
            if (e != i) {
                t.type = MYL_TK_FLOAT;
                i = e;
            }
        }
        /* A size suffix ("64KiB") belongs to the integer; the checker
         * decides where one is allowed. */
        while (i < n && (is_alpha((unsigned char)s[i]) || is_digit((unsigned char)s[i])))
            i++;
        if (i - b > 64)
            mylc_error(lx->ctx, lx->file, b, "number is too long");
    } else if (ch == '"') {
        t.type = MYL_TK_STRING;
        i++;
        while (i < n && s[i] != '"' && s[i] != '\n') {
            if (s[i] == '\\' && i + 1 < n && s[i + 1] != '\n')
                i++;
            i++;
        }
        if (i < n && s[i] == '"') {
            i++;
        } else {
            mylc_error(lx->ctx, lx->file, b, "unterminated string");
        }
        if (i - b > MYLC_MAX_STRING)
            mylc_error(lx->ctx, lx->file, b, "string is too long (%u bytes; at most %u)", i - b,
                       MYLC_MAX_STRING);
    } else {
        i++;
        switch (ch) {
        case ';':
            t.type = MYL_TK_SEMI;
            break;
        case ':':
            t.type = MYL_TK_COLON;
            break;
        case ',':
            t.type = MYL_TK_COMMA;
            break;
        case '{':
            t.type = MYL_TK_LBRACE;
            break;
        case '}':
            t.type = MYL_TK_RBRACE;
            break;
        case '(':
            t.type = MYL_TK_LPAREN;
            break;
        case ')':
            t.type = MYL_TK_RPAREN;
            break;
        case '[':
            t.type = MYL_TK_LBRACK;
            break;
        case ']':
            t.type = MYL_TK_RBRACK;
            break;
        case '=':
            t.type = MYL_TK_EQ;
            break;
        case '-':
            t.type = MYL_TK_MINUS;
            if (i < n && s[i] == '>') {
                t.type = MYL_TK_ARROW;
                i++;
            }
            break;
        default:
            /* Not a token: report the whole run of such bytes once. */
            while (i < n && !is_start((unsigned char)s[i]))
                i++;
            if (ch == 0)
                mylc_error(lx->ctx, lx->file, b, "invalid NUL byte in input");
            else if (ch >= 0x80)
                mylc_error(lx->ctx, lx->file, b,
                           "non-ASCII byte 0x%02x outside a comment or string", ch);
            else if (ch < 32 || ch == 127)
                mylc_error(lx->ctx, lx->file, b, "invalid control character 0x%02x", ch);
            else
                mylc_error(lx->ctx, lx->file, b, "unexpected character '%c'", ch);
            lx->pos = i;
            goto again;
        }
    }
    t.s.n = i - b;
    lx->pos = i;
    return t;
}
