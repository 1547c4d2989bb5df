/* Naming: the one place where generated C names are made, and where they
 * are claimed so that two schema constructs that would produce the same C
 * name are reported (with a note at the first) instead of emitted.
 *
 *   type T in package a.b           a_b_T
 *   enum value V of enum E          a_b_E_V          (and a_b_E_name())
 *   channel c                       a_b_c_<suffix>   (the rows of its shape and codec,
 *                                                     binding.c)
 *   lane l of channel c             a_b_c_LANE_l
 *   schema file x.myl               X_MYL_H, X_MYL_FINGERPRINT
 */
#include <stdlib.h>
#include <string.h>

#include "mylc.h"

/* C11 and C++20 keywords, and identifiers that standard headers the
 * generated code includes define as macros. */
static const char *const reserved[] = {
    "alignas",
    "alignof",
    "and",
    "and_eq",
    "asm",
    "assert",
    "atomic_cancel",
    "atomic_commit",
    "atomic_noexcept",
    "auto",
    "bitand",
    "bitor",
    "bool",
    "break",
    "case",
    "catch",
    "char",
    "char16_t",
    "char32_t",
    "char8_t",
    "class",
    "co_await",
    "co_return",
    "co_yield",
    "compl",
    "complex",
    "concept",
    "const",
    "const_cast",
    "consteval",
    "constexpr",
    "constinit",
    "continue",
    "decltype",
    "default",
    "delete",
    "do",
    "double",
    "dynamic_cast",
    "else",
    "enum",
    "errno",
    "explicit",
    "export",
    "extern",
    "false",
    "float",
    "for",
    "friend",
    "goto",
    "if",
    "imaginary",
    "inline",
    "int",
    "long",
    "mutable",
    "namespace",
    "new",
    "noexcept",
    "noreturn",
    "not",
    "not_eq",
    "nullptr",
    "NULL",
    "offsetof",
    "operator",
    "or",
    "or_eq",
    "private",
    "protected",
    "public",
    "reflexpr",
    "register",
    "reinterpret_cast",
    "requires",
    "restrict",
    "return",
    "short",
    "signed",
    "sizeof",
    "static",
    "static_assert",
    "static_cast",
    "struct",
    "switch",
    "synchronized",
    "template",
    "this",
    "thread_local",
    "throw",
    "true",
    "try",
    "typedef",
    "typeid",
    "typename",
    "union",
    "unsigned",
    "using",
    "virtual",
    "void",
    "volatile",
    "wchar_t",
    "while",
    "xor",
    "xor_eq",
};

bool mylc_is_reserved_word(mylc_str name)
{
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (mylc_str_eq(name, reserved[i]))
            return true;
    /* _Bool, _Static_assert, ... and anything of the implementation. */
    if (name.n >= 2 && name.p[0] == '_' && name.p[1] >= 'A' && name.p[1] <= 'Z')
        return true;
    return false;
}

/* Macros of the standard headers the generated code includes (stdint.h,
 * stddef.h, string.h, assert.h, math.h, errno.h through myelon, ...) and
 * of myelon itself: a field of that name is a struct member and a
 * parameter, which the macro would replace. The names C and POSIX reserve
 * for those headers' macros, plus the ones that are neither. */
static const char *const macros[] = {
    "NAN", "INFINITY", "HUGE_VAL", "HUGE_VALF", "HUGE_VALL", "EOF", "BUFSIZ", "SEEK_SET",
    "SEEK_CUR", "SEEK_END", "CHAR_BIT", "EXIT_SUCCESS", "EXIT_FAILURE", "FD_SETSIZE", "FP_NAN",
    "FP_INFINITE", "FP_ZERO", "FP_NORMAL", "FP_SUBNORMAL", "MATH_ERRNO", "MATH_ERREXCEPT",
    "math_errhandling", "stdin", "stdout", "stderr", "CLOCKS_PER_SEC", "TIME_UTC", "NDEBUG",
    /* GNU C's predefined ones (gcc -std=gnu11, g++), and endian.h's and
     * sys/select.h's in their default (GNU) modes */
    "linux", "unix", "i386", "BYTE_ORDER", "LITTLE_ENDIAN", "BIG_ENDIAN", "PDP_ENDIAN", "NFDBITS",
    /* sys/wait.h's, through stdlib.h */
    "WNOHANG", "WUNTRACED", "WCONTINUED", "WEXITED", "WNOWAIT", "WSTOPPED"};

static bool has_prefix(mylc_str s, const char *p)
{
    size_t n = strlen(p);
    return s.n > n && memcmp(s.p, p, n) == 0;
}

static bool has_suffix(mylc_str s, const char *x)
{
    size_t n = strlen(x);
    return s.n > n && memcmp(s.p + s.n - n, x, n) == 0;
}

bool mylc_is_std_macro(mylc_str name)
{
    for (size_t i = 0; i < sizeof macros / sizeof macros[0]; i++)
        if (mylc_str_eq(name, macros[i]))
            return true;
    bool upper = true; /* upper-case letters, digits and '_' */
    for (uint32_t i = 0; i < name.n; i++)
        upper = upper && ((name.p[i] >= 'A' && name.p[i] <= 'Z') ||
                          (name.p[i] >= '0' && name.p[i] <= '9') || name.p[i] == '_');
    /* myelon's own (MYL_*, myl_*: its headers' macros and functions), and
     * another schema's include guard and fingerprint */
    if (has_prefix(name, "MYL_") || has_prefix(name, "myl_") || has_suffix(name, "_MYL_H") ||
        has_suffix(name, "_MYL_FINGERPRINT"))
        return true;
    if (!upper)
        return false;
    /* errno.h: E<digit or upper>...; stdint.h and limits.h: ..._MAX,
     * ..._MIN, INTn_C; pthread.h, signal.h, stdatomic.h, inttypes.h;
     * math.h: FP_* (FP_ILOGB0) and, in GNU and XSI modes, M_* (M_PI);
     * time.h and sched.h (topology sources): CLOCK_*, TIMER_*, SCHED_*. */
    if (name.n >= 2 && name.p[0] == 'E')
        return true;
    return has_suffix(name, "_MAX") || has_suffix(name, "_MIN") || has_suffix(name, "_C") ||
           has_suffix(name, "_WIDTH") || has_prefix(name, "PTHREAD_") || has_prefix(name, "SIG") ||
           has_prefix(name, "ATOMIC_") || has_prefix(name, "PRI") || has_prefix(name, "SCN") ||
           has_prefix(name, "FLT_") || has_prefix(name, "DBL_") || has_prefix(name, "LDBL_") ||
           has_prefix(name, "FP_") || has_prefix(name, "M_") || has_prefix(name, "CLOCK_") ||
           has_prefix(name, "TIMER_") || has_prefix(name, "SCHED_");
}

const char *mylc_name_lane(mylc_ctx *c, const mylc_decl *d, uint32_t i)
{
    const mylc_str *l = &d->chan.lanes[i];
    return mylc_name_join(c, mylc_name_join(c, d->cname, "LANE"),
                          mylc_strdup(&c->arena, l->p, l->n));
}

const char *mylc_name_join(mylc_ctx *c, const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *s = mylc_alloc(&c->arena, na + nb + 2);
    memcpy(s, a, na);
    s[na] = '_';
    memcpy(s + na + 1, b, nb);
    s[na + 1 + nb] = '\0';
    return s;
}

const char *mylc_member_name(mylc_ctx *c, const mylc_value *m)
{
    mylc_str n = m->alias.n ? m->alias : m->text;
    char *s = mylc_strdup(&c->arena, n.p, n.n);
    for (char *p = s; *p; p++)
        if (*p == '.')
            *p = '_';
    return s;
}

const char *mylc_name_type(mylc_ctx *c, mylc_schema *s, mylc_str name)
{
    char *n = mylc_strdup(&c->arena, name.p, name.n);
    return mylc_name_join(c, s->prefix, n);
}

const char *mylc_name_upper(mylc_ctx *c, const char *a)
{
    size_t n = strlen(a);
    char *s = mylc_strdup(&c->arena, a, n);
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch >= 'a' && ch <= 'z')
            s[i] = (char)(ch - 'a' + 'A');
        else if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')))
            s[i] = '_';
    }
    return s;
}

/* X_MYL_H for x.myl: headers are included by their bare stem, so stems are
 * unique among the headers one program includes, and so are these. */
const char *mylc_name_guard(mylc_ctx *c, mylc_schema *s)
{
    const char *u = mylc_name_upper(c, s->stem);
    if (u[0] >= '0' && u[0] <= '9')
        u = mylc_name_join(c, "M", u);
    return mylc_name_join(c, u, "MYL");
}

typedef struct claim {
    const mylc_file *file;
    uint32_t off;
    const char *what;
    bool reserved; /* nothing generates it yet */
} claim;

static void claim_name(mylc_ctx *c, const char *cname, const mylc_file *f, uint32_t off,
                       const char *what, bool reserved)
{
    claim *cl = mylc_alloc(&c->arena, sizeof *cl);
    cl->file = f;
    cl->off = off;
    cl->what = what;
    cl->reserved = reserved;
    claim *prev = mylc_map_put(&c->cnames, cname, (uint32_t)strlen(cname), cl);
    if (prev) {
        mylc_error(c, f, off, "the C name '%s' of this %s is already used", cname, what);
        mylc_note(c, prev->file, prev->off, "by this %s", prev->what);
    }
}

void mylc_name_claim(mylc_ctx *c, const char *cname, const mylc_file *f, uint32_t off,
                     const char *what)
{
    claim_name(c, cname, f, off, what, false);
}

void mylc_name_reserve(mylc_ctx *c, const char *cname, const mylc_file *f, uint32_t off,
                       const char *what)
{
    claim_name(c, cname, f, off, what, true);
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void mylc_dump_claims(mylc_ctx *c, mylc_schema *s, mylc_buf *out)
{
    const mylc_map *m = &c->cnames;
    const char **lines = mylc_alloc(&c->arena, sizeof *lines * (m->len + 1));
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->cap; i++) {
        const mylc_map_ent *e = &m->e[i];
        if (!e->k)
            continue;
        const claim *cl = e->v;
        mylc_buf b = {0};
        mylc_buf_printf(&b, "%s %.*s",
                        cl->file != s->file ? "import"
                        : cl->reserved      ? "reserved"
                                            : "own",
                        (int)e->n, e->k);
        lines[n++] = mylc_strdup(&c->arena, b.p, b.n);
        mylc_buf_free(&b);
    }
    qsort(lines, n, sizeof *lines, cmp_line);
    mylc_buf_printf(out, "prefix %s\n", s->prefix);
    for (uint32_t i = 0; i < n; i++)
        mylc_buf_printf(out, "%s\n", lines[i]);
}
