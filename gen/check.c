/* Check: the semantic rules of docs/myl.md, declaration by declaration.
 *
 * Every rule reports at the token it is about and goes on; a declaration
 * with errors is still checked as far as it makes sense, so that one run
 * reports all independent problems. Channel, topology and pipeline bodies
 * are interpreted here from their generic "key args ;" items.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "myelon/compat.h" /* MYL_COMPAT_* */
#include "myelon/frame.h"  /* MYL_FRAME_HDR_SIZE */
#include "myelon/group.h"  /* MYL_GROUP_MAX */
#include "myelon/layout.h" /* MYL_MAX_SLOT_SIZE, MYL_MAX_CAPACITY */
#include "myelon/ring.h"   /* MYL_PRODUCERS_*, MYL_MODE_*, MYL_WAIT_*, MYL_BACKING_* */
#include "myelon/topo.h"   /* MYL_TOPO_MAX_* */
#include "mylc.h"

/* myelonc's limits that are the runtime's (myelon/layout.h, group.h). */
/* Two macros of one value on purpose: misc-redundant-expression says so. */
/* NOLINTNEXTLINE(misc-redundant-expression) */
_Static_assert(MYLC_MAX_EVENT_SIZE == MYL_MAX_SLOT_SIZE, "an event fills one slot");
_Static_assert(MYLC_MAX_FRAMES <= MYL_GROUP_MAX && MYLC_MAX_LANES <= MYL_GROUP_MAX,
               "a group has at most MYL_GROUP_MAX rings");

#define ERR(c, s, off, ...) mylc_error((c), (s)->file, (off), __VA_ARGS__)
#define NOTE(c, s, off, ...) mylc_note((c), (s)->file, (off), __VA_ARGS__)
#define S(x) (int)(x).n, (x).p

/* ---- numbers ---- */

/* Parses an integer literal (decimal or 0x hex) and, where sizes is true,
 * a binary size suffix (K, Ki, KiB, M, Mi, MiB, G, Gi, GiB). */
static bool parse_uint(mylc_ctx *c, mylc_schema *s, const mylc_value *v, bool sizes, uint64_t *out)
{
    if (v->kind != MYLC_V_INT) {
        ERR(c, s, v->off, "expected an integer, found '%.*s'",
            (int)(v->text.n > 40 ? 40 : v->text.n), v->text.p);
        return false;
    }
    const char *p = v->text.p;
    uint32_t n = v->text.n, i = 0;
    uint64_t x = 0;
    bool over = false;
    if (n > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        i = 2;
        for (; i < n; i++) {
            int d = mylc_hex_digit(p[i]);
            if (d < 0)
                break;
            if (x >> 60)
                over = true;
            x = x * 16 + (uint64_t)d;
        }
        if (i == 2) {
            ERR(c, s, v->off, "invalid hexadecimal number");
            return false;
        }
    } else {
        for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
            uint64_t d = (uint64_t)(p[i] - '0');
            if (x > (UINT64_MAX - d) / 10)
                over = true;
            x = x * 10 + d;
        }
    }
    if (over) {
        ERR(c, s, v->off, "integer '%.*s' does not fit in 64 bits", (int)(n > 40 ? 40 : n), p);
        return false;
    }
    if (i < n) {
        mylc_str suf = {p + i, n - i};
        uint64_t mult = 0;
        if (mylc_str_eq(suf, "K") || mylc_str_eq(suf, "Ki") || mylc_str_eq(suf, "KiB"))
            mult = UINT64_C(1) << 10;
        else if (mylc_str_eq(suf, "M") || mylc_str_eq(suf, "Mi") || mylc_str_eq(suf, "MiB"))
            mult = UINT64_C(1) << 20;
        else if (mylc_str_eq(suf, "G") || mylc_str_eq(suf, "Gi") || mylc_str_eq(suf, "GiB"))
            mult = UINT64_C(1) << 30;
        if (!mult) {
            ERR(c, s, v->off + i,
                "invalid suffix '%.*s' on a number (sizes take K, KiB, M, MiB, G or GiB)",
                (int)(suf.n > 20 ? 20 : suf.n), suf.p);
            return false;
        }
        if (!sizes) {
            ERR(c, s, v->off + i, "a size suffix is not allowed here");
            return false;
        }
        if (x > UINT64_MAX / mult) {
            ERR(c, s, v->off, "size does not fit in 64 bits");
            return false;
        }
        x *= mult;
    }
    if (v->neg) {
        ERR(c, s, v->off, "expected a non-negative integer");
        return false;
    }
    *out = x;
    return true;
}

/* A built-in type's name as the schema spells it: FlatBuffers' (int,
 * ubyte, ...) in a .fbs schema, ours (i32, u8, ...) in a .myl one. */
static const char *type_name(const mylc_schema *s, mylc_builtin b)
{
    if (s->fbs && mylc_builtins[b].fbs)
        return mylc_builtins[b].fbs;
    return mylc_builtin_name(b);
}

/* An integer value for a type: magnitude and sign, range-checked. */
static bool int_for_type(mylc_ctx *c, mylc_schema *s, const mylc_value *v, mylc_builtin t,
                         uint64_t *bits, const char *what)
{
    mylc_value tmp = *v;
    tmp.neg = false;
    uint64_t mag;
    if (!parse_uint(c, s, &tmp, false, &mag))
        return false;
    unsigned nb = mylc_builtin_size(t) * 8;
    bool sig = mylc_builtin_is_signed(t);
    uint64_t max = sig        ? (UINT64_C(1) << (nb - 1)) - 1
                   : nb == 64 ? UINT64_MAX
                              : (UINT64_C(1) << nb) - 1;
    bool bad = v->neg ? (!sig && mag != 0) || (sig && mag > max + 1) : mag > max;
    if (bad) {
        ERR(c, s, v->off, "%s %s%.*s is out of range of %s", what, v->neg ? "-" : "",
            (int)(v->text.n > 40 ? 40 : v->text.n), v->text.p, type_name(s, t));
        return false;
    }
    *bits = v->neg ? (uint64_t)0 - mag : mag;
    return true;
}

/* A floating-point value for f32 or f64, range-checked as the C compiler
 * will read the generated literal: a value that rounds to infinity, or a
 * non-zero value that rounds to zero, is an error (gcc's -Woverflow: "floating
 * constant exceeds range", "truncated to zero"). */
static bool float_for_type(mylc_ctx *c, mylc_schema *s, const mylc_value *v, mylc_builtin t,
                           const char *what)
{
    const char *text = mylc_strdup(&c->arena, v->text.p, v->text.n);
    char *end = NULL;
    bool is_inf, is_zero;
    if (t == MYLC_T_F32) {
        float x = strtof(text, &end);
        is_inf = isinf(x);
        is_zero = x == 0.0f;
    } else {
        double x = strtod(text, &end);
        is_inf = isinf(x);
        is_zero = x == 0.0;
    }
    int shown = (int)(v->text.n > 40 ? 40 : v->text.n);
    if (end != text + v->text.n) {
        ERR(c, s, v->off, "%s %.*s is not a number", what, shown, v->text.p);
        return false;
    }
    /* Any non-zero digit before the exponent makes the value non-zero. */
    size_t mant = strcspn(text, "eE");
    bool nonzero = strcspn(text, "123456789") < mant;
    if (is_inf || (is_zero && nonzero)) {
        ERR(c, s, v->off, "%s %s%.*s is out of range of %s%s", what, v->neg ? "-" : "", shown,
            v->text.p, type_name(s, t), is_inf ? "" : " (it would round to 0)");
        return false;
    }
    return true;
}

static bool is_pow2(uint64_t x)
{
    return x && !(x & (x - 1));
}

/* ---- names ---- */

static void check_member_name(mylc_ctx *c, mylc_schema *s, mylc_str name, uint32_t off,
                              const char *what)
{
    if (memchr(name.p, '.', name.n))
        ERR(c, s, off, "%s name '%.*s' cannot contain '.'", what, S(name));
    else if (name.n && name.p[0] == '_')
        ERR(c, s, off, "%s name '%.*s' begins with '_' (reserved for generated code)", what,
            S(name));
    else if (mylc_is_reserved_word(name))
        ERR(c, s, off, "%s name '%.*s' is a C or C++ keyword", what, S(name));
    else if (strcmp(what, "field") == 0 && mylc_is_std_macro(name)) /* fields go unprefixed */
        ERR(c, s, off,
            "%s name '%.*s' is (or is reserved for) a macro of a C header the generated "
            "code includes, or of myelon",
            what, S(name));
    else {
        for (uint32_t i = 0; i + 1 < name.n; i++)
            if (name.p[i] == '_' && name.p[i + 1] == '_') {
                ERR(c, s, off, "%s name '%.*s' contains '__' (reserved in C++)", what, S(name));
                break;
            }
    }
}

static void check_decl_name(mylc_ctx *c, mylc_schema *s, mylc_decl *d)
{
    for (uint32_t i = 0; i + 1 < d->name.n; i++)
        if (d->name.p[i] == '_' && d->name.p[i + 1] == '_') {
            ERR(c, s, d->off, "name '%.*s' contains '__' (reserved in C++)", S(d->name));
            return;
        }
}

/* ---- attributes ---- */

typedef struct attr_spec {
    const char *name;
    bool takes_value;
} attr_spec;

/* Checks names, values and duplicates against an allow-list; returns the
 * attribute's index in attrs for lookups by name. */
static mylc_attr *find_attr(mylc_attr *a, const char *name)
{
    for (; a; a = a->next)
        if (mylc_str_eq(a->name, name))
            return a;
    return NULL;
}

static void check_attrs(mylc_ctx *c, mylc_schema *s, mylc_attr *attrs, const attr_spec *allowed,
                        const char *where)
{
    for (mylc_attr *a = attrs; a; a = a->next) {
        const attr_spec *sp = NULL;
        for (const attr_spec *x = allowed; x && x->name; x++)
            if (mylc_str_eq(a->name, x->name))
                sp = x;
        if (!sp) {
            mylc_suggest sg;
            mylc_suggest_init(&sg, a->name.p, a->name.n);
            for (const attr_spec *x = allowed; x && x->name; x++)
                mylc_suggest_add(&sg, x->name, (uint32_t)strlen(x->name));
            ERR(c, s, a->off, "attribute '%.*s' is not allowed on %s%s", S(a->name), where,
                mylc_suggest_hint(&sg));
            continue;
        }
        for (mylc_attr *b = attrs; b != a; b = b->next)
            if (mylc_str_same(a->name, b->name)) {
                ERR(c, s, a->off, "duplicate attribute '%.*s'", S(a->name));
                NOTE(c, s, b->off, "first given here");
                break;
            }
        if (sp->takes_value && !a->value)
            ERR(c, s, a->off, "attribute '%.*s' needs a value ('%.*s: N')", S(a->name), S(a->name));
        else if (!sp->takes_value && a->value)
            ERR(c, s, a->value->off, "attribute '%.*s' takes no value", S(a->name));
    }
}

static uint32_t align_attr(mylc_ctx *c, mylc_schema *s, mylc_attr *attrs)
{
    mylc_attr *a = find_attr(attrs, "align");
    uint64_t v;
    if (!a || !a->value || !parse_uint(c, s, a->value, false, &v))
        return 0;
    if (!is_pow2(v) || v > 4096) {
        ERR(c, s, a->value->off, "alignment must be a power of two from 1 to 4096");
        return 0;
    }
    return (uint32_t)v;
}

/* ---- enums ---- */

static int cmp_u64(const void *a, const void *b)
{
    const mylc_enumval *x = *(mylc_enumval *const *)a, *y = *(mylc_enumval *const *)b;
    return x->u < y->u ? -1 : x->u > y->u ? 1 : (x->off > y->off) - (x->off < y->off);
}

static void check_enum(mylc_ctx *c, mylc_schema *s, mylc_decl *d)
{
    mylc_builtin t = d->under.base;
    if (!mylc_builtin_is_int(t))
        ERR(c, s, d->under.off,
            "the underlying type of an enum must be an integer type (u8..u64, i8..i64), not "
            "'%.*s'",
            S(d->under.name));
    if (!d->values) {
        ERR(c, s, d->off, "enum '%.*s' has no values", S(d->name));
        return;
    }
    mylc_name_claim(c, d->cname, s->file, d->off, "enum");
    mylc_name_claim(c, mylc_name_join(c, d->cname, "name"), s->file, d->off, "enum");
    static const attr_spec enum_attrs[] = {{"bit_flags", false}, {NULL, false}};
    check_attrs(c, s, d->attrs, enum_attrs, "enums");
    mylc_attr *bf = find_attr(d->attrs, "bit_flags");
    d->bit_flags = bf != NULL;
    if (bf && mylc_builtin_is_int(t) && mylc_builtin_is_signed(t))
        ERR(c, s, bf->off,
            "a bit_flags enum needs an unsigned underlying type (u8..u64), not '%.*s' (flatc "
            "warns)",
            S(d->under.name));
    bool sig = mylc_builtin_is_signed(t);
    unsigned nb = mylc_builtin_size(t) * 8;
    uint64_t umax = nb == 64 ? UINT64_MAX : (UINT64_C(1) << nb) - 1;
    int64_t smax = nb ? (int64_t)((UINT64_C(1) << (nb - 1)) - 1) : 0;
    if (d->bit_flags) /* a value is a bit position */
        umax = smax = nb - 1;
    mylc_enumval *prevv = NULL; /* the previous value, if it was valid */
    uint32_t n = 0;
    mylc_map seen = {0};
    for (mylc_enumval *e = d->values; e && !c->stop; e = e->next, n++) {
        mylc_enumval *valid = prevv;
        prevv = NULL;
        check_member_name(c, s, e->name, e->off, "enum value");
        mylc_enumval *prev = mylc_map_put(&seen, e->name.p, e->name.n, e);
        if (prev) {
            ERR(c, s, e->off, "duplicate enum value '%.*s'", S(e->name));
            NOTE(c, s, prev->off, "previous definition is here");
        } else {
            const char *vn = mylc_strdup(&c->arena, e->name.p, e->name.n);
            mylc_name_claim(c, mylc_name_join(c, d->cname, vn), s->file, e->off, "enum value");
        }
        if (!mylc_builtin_is_int(t))
            continue;
        if (e->value) {
            if (!int_for_type(c, s, e->value, t, &e->u, "enum value"))
                continue;
        } else if (n == 0) {
            e->u = 0;
        } else if (!valid) {
            continue; /* the previous value was already reported */
        } else if (sig ? valid->i == smax : valid->u == umax) {
            ERR(c, s, e->off, "implicit value of '%.*s' (previous + 1) is out of range of %s",
                S(e->name), type_name(s, t));
            continue;
        } else {
            e->u = valid->u + 1;
        }
        e->i = (int64_t)e->u;
        if (d->bit_flags && e->u > umax) {
            ERR(c, s, e->value ? e->value->off : e->off,
                "bit position %llu of '%.*s' is out of range of %s (0 to %u)",
                (unsigned long long)e->u, S(e->name), type_name(s, t), nb - 1);
            continue;
        }
        e->ok = true;
        prevv = e;
    }
    mylc_map_free(&seen);
    /* bit_flags: the positions become the values (a copy keeps the
     * position for the implicit value of the next) */
    if (d->bit_flags)
        for (mylc_enumval *e = d->values; e; e = e->next)
            if (e->ok) {
                e->u = UINT64_C(1) << e->u;
                e->i = (int64_t)e->u;
            }
    /* Two names with one value: the name function could not tell them apart. */
    if (n && !c->stop) {
        mylc_enumval **v = calloc(n, sizeof *v);
        uint32_t k = 0;
        for (mylc_enumval *e = d->values; e && k < n; e = e->next)
            if (e->ok)
                v[k++] = e;
        qsort(v, k, sizeof *v, cmp_u64);
        for (uint32_t i = 1; i < k; i++)
            if (v[i]->u == v[i - 1]->u && !mylc_str_same(v[i]->name, v[i - 1]->name)) {
                ERR(c, s, v[i]->off, "enum value '%.*s' has the same value as '%.*s'",
                    S(v[i]->name), S(v[i - 1]->name));
                NOTE(c, s, v[i - 1]->off, "'%.*s' is here", S(v[i - 1]->name));
            }
        free(v);
    }
}

/* ---- events, structs, tables ---- */

static const char *decl_kind(const mylc_decl *d)
{
    return mylc_kind_name(d->kind);
}

/* "an event", "a table" */
static const char *a_kind(const mylc_decl *d)
{
    static const char *const names[] = {"an enum",    "an event",   "a struct",
                                        "a table",    "a union",    "a channel",
                                        "a topology", "a pipeline", "a bridge"};
    return names[d->kind];
}

static bool array_len(mylc_ctx *c, mylc_schema *s, mylc_type *t)
{
    uint64_t n;
    if (!t->len || !parse_uint(c, s, t->len, false, &n))
        return false;
    if (n == 0 || n > MYLC_MAX_ARRAY) {
        ERR(c, s, t->len->off, "array length must be from 1 to %u", MYLC_MAX_ARRAY);
        return false;
    }
    t->count = n;
    return true;
}

static void check_fixed_field(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_field *f)
{
    bool ev = d->kind == MYLC_D_EVENT;
    mylc_type *t = &f->type;
    if (t->shape == MYLC_SHAPE_VECTOR) {
        ERR(c, s, t->off, "vectors are not allowed in %ss (use a fixed array T[N]%s)", decl_kind(d),
            ev ? ", or a table" : "");
        return;
    }
    if (t->shape == MYLC_SHAPE_ARRAY)
        array_len(c, s, t);
    switch (t->base) {
    case MYLC_T_NONE:
        return;
    case MYLC_T_STRING:
    case MYLC_T_BYTES:
        ERR(c, s, t->off, "'%s' is variable-size and not allowed in %ss%s", type_name(s, t->base),
            decl_kind(d), ev ? " (use char[N])" : "");
        return;
    case MYLC_T_CHAR:
        if (!ev)
            ERR(c, s, t->off, "'char' is only allowed in events (use u8 or i8)");
        return;
    case MYLC_T_NAMED: {
        mylc_decl *x = t->decl;
        if (x->kind == MYLC_D_ENUM || x->kind == d->kind)
            return;
        if (ev && x->kind == MYLC_D_STRUCT)
            ERR(c, s, t->off, "struct '%.*s' cannot be used in an event (declare it as an event)",
                S(x->name));
        else if (!ev && x->kind == MYLC_D_EVENT)
            ERR(c, s, t->off, "event '%.*s' cannot be used in a struct (declare it as a struct)",
                S(x->name));
        else
            ERR(c, s, t->off,
                "%.*s is %s; %ss contain only scalars, enums, %sfixed arrays and other %ss",
                S(x->name), a_kind(x), decl_kind(d), ev ? "char[N], " : "", decl_kind(d));
        return;
    }
    default:
        return;
    }
}

static void check_table_field(mylc_ctx *c, mylc_schema *s, mylc_field *f)
{
    mylc_type *t = &f->type;
    if (t->shape == MYLC_SHAPE_ARRAY) {
        ERR(c, s, t->off, "fixed arrays are only allowed in events and structs (use [T])");
        return;
    }
    if (t->base == MYLC_T_CHAR || t->base == MYLC_T_BYTES) {
        ERR(c, s, t->off, "'%s' is not allowed in tables (use %s)", mylc_builtin_name(t->base),
            t->base == MYLC_T_CHAR ? "u8 or string" : "[u8]");
        return;
    }
    if (t->base != MYLC_T_NAMED)
        return;
    mylc_decl *x = t->decl;
    switch (x->kind) {
    case MYLC_D_ENUM:
    case MYLC_D_STRUCT:
    case MYLC_D_TABLE:
    case MYLC_D_UNION:
        return;
    case MYLC_D_EVENT:
        ERR(c, s, t->off, "event '%.*s' cannot be used in a table (use a struct)", S(x->name));
        return;
    default:
        ERR(c, s, t->off, "%.*s is %s, not a type", S(x->name), a_kind(x));
        return;
    }
}

static bool field_is_scalar(const mylc_field *f)
{
    if (f->type.shape != MYLC_SHAPE_PLAIN)
        return false;
    if (f->type.base == MYLC_T_NAMED)
        return f->type.decl->kind == MYLC_D_ENUM;
    return mylc_builtins[f->type.base].scalar;
}

static bool field_is_union(const mylc_field *f)
{
    return f->type.shape == MYLC_SHAPE_PLAIN && f->type.base == MYLC_T_NAMED &&
           f->type.decl->kind == MYLC_D_UNION;
}

/* A union or a vector of unions: two ids, the types' and the values'. */
static bool field_two_ids(const mylc_field *f)
{
    return f->type.base == MYLC_T_NAMED && f->type.decl && f->type.decl->kind == MYLC_D_UNION;
}

static void check_default(mylc_ctx *c, mylc_schema *s, mylc_field *f)
{
    mylc_value *v = f->dflt;
    mylc_type *t = &f->type;
    if (!v)
        return; /* an enum field without a value 0: check_enum_zero() */
    if (v->kind == MYLC_V_IDENT && mylc_str_eq(v->text, "null") && !v->neg) {
        /* an optional scalar: absent unless set, has_ tells */
        if (!field_is_scalar(f))
            ERR(c, s, v->off,
                "only scalar and enum fields can be optional ('= null'; other fields are "
                "optional already)");
        f->optional = true;
        return;
    }
    if (!field_is_scalar(f)) {
        ERR(c, s, v->off, "only scalar and enum fields can have a default value");
        return;
    }
    uint64_t bits;
    if (t->base == MYLC_T_NAMED) {
        mylc_decl *e = t->decl;
        if (find_attr(e->attrs, "bit_flags") && v->kind == MYLC_V_INT) {
            /* any combination of bits (flatc does not check them either) */
            int_for_type(c, s, v, e->under.base, &bits, "default");
            return;
        }
        if (v->kind == MYLC_V_IDENT) {
            for (mylc_enumval *x = e->values; x; x = x->next)
                if (mylc_str_same(x->name, v->text))
                    return;
            ERR(c, s, v->off, "'%.*s' is not a value of enum '%.*s'", S(v->text), S(e->name));
        } else if (v->kind == MYLC_V_INT) {
            if (!int_for_type(c, s, v, e->under.base, &bits, "default"))
                return;
            for (mylc_enumval *x = e->values; x; x = x->next)
                if (x->u == bits || (uint64_t)x->i == bits)
                    return;
            ERR(c, s, v->off, "default is not a value of enum '%.*s'", S(e->name));
        } else {
            ERR(c, s, v->off, "default of an enum field must be one of its values");
        }
        return;
    }
    if (t->base == MYLC_T_BOOL) {
        if (v->kind != MYLC_V_BOOL)
            ERR(c, s, v->off, "default of a bool field must be true or false");
        return;
    }
    if (t->base == MYLC_T_F32 || t->base == MYLC_T_F64) {
        if (v->kind == MYLC_V_IDENT &&
            (mylc_str_eq(v->text, "nan") || mylc_str_eq(v->text, "inf") ||
             mylc_str_eq(v->text, "infinity")))
            return; /* emit_fb.c: NAN, INFINITY, -INFINITY */
        if (v->kind != MYLC_V_FLOAT && v->kind != MYLC_V_INT)
            ERR(c, s, v->off, "default of a field of type '%s' must be a number",
                type_name(s, t->base));
        else if (v->kind == MYLC_V_INT) {
            uint64_t x;
            mylc_value tmp = *v;
            tmp.neg = false;
            parse_uint(c, s, &tmp, false, &x);
        } else {
            float_for_type(c, s, v, t->base, "default");
        }
        return;
    }
    if (v->kind != MYLC_V_INT) {
        ERR(c, s, v->off, "default of a field of type '%s' must be an integer",
            type_name(s, t->base));
        return;
    }
    int_for_type(c, s, v, t->base, &bits, "default");
}

static bool enum_has_zero(const mylc_decl *e)
{
    for (const mylc_enumval *x = e->values; x; x = x->next)
        if (x->u == 0)
            return true;
    return e->values == NULL; /* an enum without values is reported already */
}

/* A field of an enum type that has no value 0 starts as 0 all the same
 * when nothing sets it: a table field without a default, and every field
 * of a struct (FlatBuffers structs have no defaults; flatc rejects such a
 * struct: "default value of 0 for field e is not part of enum E"). Run
 * after every declaration was checked, because enum values are computed
 * by check_enum() and an enum may be declared after its use. */
static void check_enum_zero(mylc_ctx *c, mylc_schema *s, const mylc_decl *d)
{
    for (const mylc_field *f = d->fields; f; f = f->next) {
        if (!field_is_scalar(f) || f->type.base != MYLC_T_NAMED || f->dflt ||
            f->type.decl->bit_flags || enum_has_zero(f->type.decl))
            continue;
        if (d->kind == MYLC_D_TABLE)
            ERR(c, s, f->off,
                "enum '%.*s' has no value 0, so field '%.*s' needs an explicit default",
                S(f->type.decl->name), S(f->name));
        else
            ERR(c, s, f->off,
                "enum '%.*s' has no value 0, so it cannot be the type of struct field '%.*s' "
                "(struct fields have no defaults and start as 0)",
                S(f->type.decl->name), S(f->name));
    }
}

static const attr_spec event_attrs[] = {{"align", true}, {NULL, false}};
static const attr_spec field_event_attrs[] = {{"align", true}, {NULL, false}};
static const attr_spec field_struct_attrs[] = {{"key", false}, {NULL, false}};
static const attr_spec table_field_attrs[] = {
    {"deprecated", false}, {"required", false},         {"id", true},
    {"key", false},        {"nested_flatbuffer", true}, {NULL, false}};

static void check_fields_common(mylc_ctx *c, mylc_schema *s, mylc_decl *d)
{
    mylc_map seen = {0};
    for (mylc_field *f = d->fields; f && !c->stop; f = f->next) {
        check_member_name(c, s, f->name, f->off, "field");
        mylc_field *prev = mylc_map_put(&seen, f->name.p, f->name.n, f);
        if (prev) {
            ERR(c, s, f->off, "duplicate field '%.*s' in %s '%.*s'", S(f->name), decl_kind(d),
                S(d->name));
            NOTE(c, s, prev->off, "previous definition is here");
        }
    }
    mylc_map_free(&seen);
}

/* The C names generated for an event, struct or table (docs/myl.md §7),
 * claimed so that a field called "end" or a type called "T_table" is
 * reported here rather than as a redefinition in the generated C. */
static const char *const record_suffixes[] = {
    "compact_encode", "compact_encode_ext", "compact_decode", "compact_put", "compact_get", NULL};
static const char *const table_suffixes[] = {
    "table", "desc", "fields", "verify", "verify_with", "root", "start", "end", "finish", "init",
    /* the compact codec's */
    "compact_encode", "compact_encode_ext", "compact_decode", "compact_put", "compact_get",
    "vec_at", NULL};

static void claim_field(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_field *f, const char *pre,
                        const char *post)
{
    /* A union field x has no accessor T_x (T_x_type and T_x_as_<member>
     * instead): the name is kept, reserved, for one. */
    bool reserve = !pre && !post && field_is_union(f);
    const char *n = mylc_strdup(&c->arena, f->name.p, f->name.n);
    const char *name = mylc_name_join(c, d->cname, pre ? mylc_name_join(c, pre, n) : n);
    if (post)
        name = mylc_name_join(c, name, post);
    if (reserve)
        mylc_name_reserve(c, name, s->file, f->off, "field's accessor");
    else
        mylc_name_claim(c, name, s->file, f->off, "field's accessor");
}

static void claim_record_names(mylc_ctx *c, mylc_schema *s, mylc_decl *d)
{
    bool table = d->kind == MYLC_D_TABLE;
    bool live = false; /* a field the verifier's descriptor lists */
    for (mylc_field *f = d->fields; f; f = f->next)
        live = live || !f->deprecated;
    for (const char *const *x = table ? table_suffixes : record_suffixes; *x; x++) {
        const char *n = mylc_name_join(c, d->cname, *x);
        /* T_fields, the descriptor's array, exists only when not empty */
        if (table && !live && strcmp(*x, "fields") == 0)
            mylc_name_reserve(c, n, s->file, d->off, decl_kind(d));
        else
            mylc_name_claim(c, n, s->file, d->off, decl_kind(d));
    }
    if (!table)
        return;
    const char *create = mylc_name_join(c, d->cname, "create");
    if (mylc_fb_has_create(d))
        mylc_name_claim(c, create, s->file, d->off, decl_kind(d));
    else /* the name stays the table's: it may get one */
        mylc_name_reserve(c, create, s->file, d->off, decl_kind(d));
    mylc_map members = {0}; /* of the table's C value struct */
    for (mylc_field *f = d->fields; f; f = f->next) {
        if (f->deprecated || mylc_map_get(&members, f->name.p, f->name.n))
            continue; /* duplicates are reported already */
        mylc_map_put(&members, f->name.p, f->name.n, f);
        claim_field(c, s, d, f, NULL, NULL);
        claim_field(c, s, d, f, "has", NULL);
        claim_field(c, s, d, f, "add", NULL);
        if (f->type.shape == MYLC_SHAPE_VECTOR) {
            claim_field(c, s, d, f, NULL, "len");
            claim_field(c, s, d, f, NULL, "at");
            claim_field(c, s, d, f, "create", NULL);
            if (f->nested) /* nested_flatbuffer: a typed reader of its root */
                claim_field(c, s, d, f, NULL, "nested_root");
            const mylc_decl *x = f->type.base == MYLC_T_NAMED ? f->type.decl : NULL;
            bool keyed = false; /* a vector of a table or struct with a key field */
            bool rec = x && (x->kind == MYLC_D_TABLE || x->kind == MYLC_D_STRUCT);
            for (mylc_field *g = rec ? x->fields : NULL; g; g = g->next)
                keyed = keyed || find_attr(g->attrs, "key");
            if (keyed) {
                claim_field(c, s, d, f, NULL, "lookup_by_key");
                claim_field(c, s, d, f, NULL, "lookup_by_key_in");
                claim_field(c, s, d, f, NULL, "key_cmp");
                claim_field(c, s, d, f, NULL, "key_at");
            }
            if (x && x->kind == MYLC_D_UNION) {
                claim_field(c, s, d, f, NULL, "type_at");
                claim_field(c, s, d, f, NULL, "types");
                for (mylc_value *m = x->members; m; m = m->next) {
                    const char *mn = mylc_member_name(c, m);
                    bool dup = false; /* reported by check_union() */
                    for (mylc_value *p = x->members; p != m && !dup; p = p->next)
                        dup = strcmp(mylc_member_name(c, p), mn) == 0;
                    if (!dup)
                        claim_field(c, s, d, f, NULL, mylc_name_join(c, "at_as", mn));
                }
            }
        } else if (field_is_union(f)) {
            claim_field(c, s, d, f, NULL, "type");
            const mylc_decl *u = f->type.decl;
            for (mylc_value *m = u->members; m; m = m->next) {
                const char *mn = mylc_member_name(c, m);
                bool dup = false; /* reported by check_union() */
                for (mylc_value *p = u->members; p != m && !dup; p = p->next)
                    dup = strcmp(mylc_member_name(c, p), mn) == 0;
                if (!dup)
                    claim_field(c, s, d, f, NULL, mylc_name_join(c, "as", mn));
            }
        }
    }
    /* A union field x also makes member x_type of the table's C value:
     * a field called x_type collides with the accessor T_x_type above. */
    mylc_map_free(&members);
}

/* The key field of a table or struct (flatc's key): one per table or
 * struct, a scalar, enum or (in a table) string; a string key is required
 * (as flatc makes it). */
static void check_key(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_field *f, mylc_attr *key)
{
    if (d->key) {
        ERR(c, s, key->off, "only one field of a %s can be its key", decl_kind(d));
        NOTE(c, s, d->key->off, "'%.*s' is the key of %s '%.*s'", S(d->key->name), decl_kind(d),
             S(d->name));
        return;
    }
    bool str = f->type.shape == MYLC_SHAPE_PLAIN && f->type.base == MYLC_T_STRING;
    if (!str && !field_is_scalar(f)) {
        ERR(c, s, key->off, "%s",
            d->kind == MYLC_D_STRUCT ? "a struct's key must be a scalar or enum field"
                                     : "a key must be a scalar, enum or string field");
        return;
    }
    if (f->optional) {
        ERR(c, s, key->off, "an optional scalar ('= null') cannot be a key");
        return;
    }
    f->key = true;
    d->key = f;
    if (str)
        f->required = true;
}

/* nested_flatbuffer: "T": a [u8] field holding a FlatBuffer whose root is
 * table T (a name as a field's type names it). */
static void check_nested(mylc_ctx *c, mylc_schema *s, const mylc_decl *d, mylc_field *f,
                         mylc_value *v)
{
    if (f->type.shape != MYLC_SHAPE_VECTOR || f->type.base != MYLC_T_U8) {
        ERR(c, s, v->off, "nested_flatbuffer applies to [u8] (ubyte) fields only");
        return;
    }
    mylc_str n = v->text;
    if (v->kind != MYLC_V_STRING || n.n < 2) {
        ERR(c, s, v->off, "nested_flatbuffer takes a table's name as a string (\"T\")");
        return;
    }
    n.p++;
    n.n -= 2;
    mylc_decl *x = mylc_lookup_from(c, d, n, v->off, true);
    if (!x)
        return;
    if (x->kind != MYLC_D_TABLE) {
        ERR(c, s, v->off, "nested_flatbuffer names %s, not a table", a_kind(x));
        return;
    }
    f->nested = x;
}

static void check_record(mylc_ctx *c, mylc_schema *s, mylc_decl *d)
{
    mylc_name_claim(c, d->cname, s->file, d->off, decl_kind(d));
    if (!d->fields && d->kind != MYLC_D_TABLE) {
        ERR(c, s, d->off, "%s '%.*s' has no fields", decl_kind(d), S(d->name));
        return;
    }
    check_fields_common(c, s, d);
    if (d->kind != MYLC_D_TABLE) {
        check_attrs(c, s, d->attrs, event_attrs, d->kind == MYLC_D_EVENT ? "events" : "structs");
        d->align = align_attr(c, s, d->attrs);
        for (mylc_field *f = d->fields; f && !c->stop; f = f->next) {
            if (f->dflt)
                ERR(c, s, f->dflt->off,
                    "fields of %ss cannot have default values (they are plain data)", decl_kind(d));
            check_attrs(c, s, f->attrs,
                        d->kind == MYLC_D_EVENT ? field_event_attrs : field_struct_attrs,
                        d->kind == MYLC_D_EVENT ? "event fields" : "struct fields");
            f->align = align_attr(c, s, f->attrs);
            check_fixed_field(c, s, d, f);
            mylc_attr *key = find_attr(f->attrs, "key");
            if (key && d->kind == MYLC_D_STRUCT && f->type.base != MYLC_T_NONE)
                check_key(c, s, d, f, key); /* a struct's key: a scalar or enum */
        }
        claim_record_names(c, s, d);
        return;
    }
    /* the root table's attributes (root.c checks them) */
    static const attr_spec table_attrs[] = {
        {"root", false}, {"file_identifier", true}, {"file_extension", true}, {NULL, false}};
    check_attrs(c, s, d->attrs, table_attrs, "tables");
    /* tables */
    unsigned with_id = 0, total = 0;
    for (mylc_field *f = d->fields; f && !c->stop; f = f->next) {
        total++;
        check_attrs(c, s, f->attrs, table_field_attrs, "table fields");
        check_table_field(c, s, f);
        f->deprecated = find_attr(f->attrs, "deprecated") != NULL;
        mylc_attr *req = find_attr(f->attrs, "required");
        if (req) {
            f->required = true;
            if (f->type.base != MYLC_T_NONE && field_is_scalar(f))
                ERR(c, s, req->off,
                    "only non-scalar fields (string, vector, table, struct, "
                    "union) can be required");
        }
        if (f->type.base != MYLC_T_NONE)
            check_default(c, s, f);
        mylc_attr *key = find_attr(f->attrs, "key");
        if (key && f->type.base != MYLC_T_NONE)
            check_key(c, s, d, f, key);
        mylc_attr *nested = find_attr(f->attrs, "nested_flatbuffer");
        if (nested && nested->value && f->type.base != MYLC_T_NONE)
            check_nested(c, s, d, f, nested->value);
        if (find_attr(f->attrs, "id"))
            with_id++;
    }
    if (c->stop)
        return;
    if (with_id && with_id != total) {
        for (mylc_field *f = d->fields; f; f = f->next)
            if (!find_attr(f->attrs, "id")) {
                ERR(c, s, f->off,
                    "field '%.*s' has no id, but other fields of table '%.*s' do (give all or "
                    "none)",
                    S(f->name), S(d->name));
                break;
            }
        return;
    }
    /* Ids: a union field takes two (its type field id - 1, and id). */
    mylc_field **slot = NULL;
    uint32_t cap = 0, used = 0;
    bool ok = true;
    for (mylc_field *f = d->fields; f; f = f->next) {
        uint32_t width = field_two_ids(f) ? 2 : 1;
        uint64_t id;
        mylc_attr *a = find_attr(f->attrs, "id");
        if (a) {
            if (!a->value || !parse_uint(c, s, a->value, false, &id)) {
                ok = false;
                continue;
            }
            if (id > 32767) {
                ERR(c, s, a->value->off, "field id %llu is too large (at most 32767)",
                    (unsigned long long)id);
                ok = false;
                continue;
            }
            if (width == 2 && id == 0) {
                ERR(c, s, a->value->off,
                    "a union field's id must be at least 1 (its type field takes id - 1)");
                ok = false;
                continue;
            }
        } else {
            id = used + width - 1;
        }
        f->id = (uint32_t)id;
        if (id + 1 > used)
            used = (uint32_t)id + 1;
        if (used > cap) {
            uint32_t nc = used * 2;
            mylc_field **ns = realloc(slot, sizeof *ns * nc);
            if (!ns)
                abort();
            memset(ns + cap, 0, sizeof *ns * (nc - cap));
            slot = ns;
            cap = nc;
        }
        for (uint32_t k = 0; k < width; k++) {
            uint32_t i = (uint32_t)id - k;
            if (slot[i]) {
                ERR(c, s, a ? a->value->off : f->off, "field id %u is already used", i);
                NOTE(c, s, slot[i]->off, "by field '%.*s'", S(slot[i]->name));
                ok = false;
            } else {
                slot[i] = f;
            }
        }
    }
    if (ok && !c->stop)
        for (uint32_t i = 0; i < used; i++)
            if (!slot[i]) {
                ERR(c, s, d->off,
                    "field ids of table '%.*s' must be contiguous from 0; id %u is unused",
                    S(d->name), i);
                break;
            }
    d->nids = used;
    free(slot);
    claim_record_names(c, s, d);
}

static void check_union(mylc_ctx *c, mylc_schema *s, mylc_decl *d)
{
    mylc_name_claim(c, d->cname, s->file, d->off, "union");
    unsigned n = 0;
    if (!d->members)
        ERR(c, s, d->off, "union '%.*s' has no members", S(d->name));
    uint32_t prev = 0;
    for (mylc_value *m = d->members; m && !c->stop; m = m->next) {
        n++;
        const char *mn = mylc_member_name(c, m);
        uint32_t at = m->alias.n ? m->alias_off : m->off;
        if (strcmp(mn, "NONE") == 0) {
            ERR(c, s, at, "'NONE' is reserved in unions");
            continue;
        }
        for (mylc_value *p = d->members; p != m; p = p->next)
            if (strcmp(mylc_member_name(c, p), mn) == 0) {
                ERR(c, s, at, "duplicate union member '%s'%s", mn,
                    m->alias.n ? "" : " (give one an alias: 'Name: Type')");
                NOTE(c, s, p->alias.n ? p->alias_off : p->off, "first listed here");
                break;
            }
        /* type codes: 1, 2, ... or as given (1..255, each once) */
        uint64_t code = (uint64_t)prev + 1;
        if (m->uval && !int_for_type(c, s, m->uval, MYLC_T_U8, &code, "union member value"))
            continue;
        if (code == 0 || code > 255) {
            ERR(c, s, m->uval ? m->uval->off : at,
                "union member '%s' has type code %llu (from 1 to 255; 0 is NONE)", mn,
                (unsigned long long)code);
            continue;
        }
        m->code = (uint32_t)code;
        prev = m->code;
        for (mylc_value *p = d->members; p != m; p = p->next)
            if (p->code == m->code) {
                ERR(c, s, m->uval ? m->uval->off : at,
                    "union members '%s' and '%s' have the same type code %u",
                    mylc_member_name(c, p), mn, m->code);
                break;
            }
        if (mylc_str_eq(m->text, "string")) {
            if (!m->alias.n) /* flatc: "type referenced but not defined" */
                ERR(c, s, m->off, "a string member of a union needs a name ('Name: string')");
            continue;
        }
        mylc_decl *x = mylc_lookup_from(c, d, m->text, m->off, true);
        if (x && x->kind != MYLC_D_TABLE && x->kind != MYLC_D_STRUCT)
            ERR(c, s, m->off, "union members must be tables, structs or strings; '%.*s' is %s",
                S(m->text), a_kind(x));
    }
    if (n > 255)
        ERR(c, s, d->off, "union '%.*s' has %u members (at most 255)", S(d->name), n);
    static const char *const union_suffixes[] = {"NONE", "desc", "members", NULL};
    for (const char *const *x = union_suffixes; *x; x++)
        mylc_name_claim(c, mylc_name_join(c, d->cname, *x), s->file, d->off, "union");
    for (mylc_value *m = d->members; m; m = m->next) {
        const char *mn = mylc_member_name(c, m);
        bool dup = false; /* reported above */
        for (mylc_value *p = d->members; p != m && !dup; p = p->next)
            dup = strcmp(mylc_member_name(c, p), mn) == 0;
        if (!dup)
            mylc_name_claim(c, mylc_name_join(c, d->cname, mn), s->file,
                            m->alias.n ? m->alias_off : m->off, "union member");
    }
}

/* ---- nesting of events and structs: no cycles, bounded depth ---- */

/* Walks d at depth (0: a declaration walked from the top) and sets its
 * height: the levels of its deepest nesting, itself included. A field of
 * a type walked already adds that type's height, so the limit holds in
 * whatever order the declarations come. */
static void nest_walk(mylc_ctx *c, mylc_decl *d, mylc_decl **path, unsigned depth)
{
    d->mark = MYLC_MARK_ON_PATH;
    path[depth] = d;
    uint32_t height = 1;
    for (mylc_field *f = d->fields; f && !c->stop; f = f->next) {
        mylc_decl *x = f->type.decl;
        if (f->type.base != MYLC_T_NAMED || !x || x->kind != d->kind)
            continue;
        if (x->mark == MYLC_MARK_ON_PATH) {
            mylc_buf b = {0};
            unsigned k = 0;
            while (k < depth && path[k] != x) /* x is on path[0..depth] */
                k++;
            for (; k <= depth; k++)
                mylc_buf_printf(&b, "%.*s -> ", S(path[k]->name));
            mylc_buf_printf(&b, "%.*s", S(x->name));
            mylc_error(c, d->schema->file, f->type.off, "%s '%.*s' contains itself: %s",
                       decl_kind(x), S(x->name), b.p);
            mylc_buf_free(&b);
            continue;
        }
        uint32_t below = x->mark == MYLC_MARK_DONE ? x->height : 1;
        if (depth + below >= MYLC_MAX_NESTING) {
            mylc_error(c, d->schema->file, f->type.off, "%ss nested more than %d deep",
                       decl_kind(d), MYLC_MAX_NESTING);
            continue;
        }
        if (x->mark != MYLC_MARK_DONE)
            nest_walk(c, x, path, depth + 1);
        if (1 + x->height > height)
            height = 1 + x->height;
    }
    d->height = height;
    d->mark = MYLC_MARK_DONE;
}

/* ---- channel, topology and pipeline bodies ---- */

static mylc_prop *dup_key(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_prop *p)
{
    for (mylc_prop *q = d->props; q != p; q = q->next)
        if (!q->route && mylc_str_same(q->key, p->key)) {
            ERR(c, s, p->off, "duplicate '%.*s' in %s '%.*s'", S(p->key), decl_kind(d), S(d->name));
            NOTE(c, s, q->off, "first given here");
            return q;
        }
    return NULL;
}

static unsigned nargs(const mylc_prop *p)
{
    unsigned n = 0;
    for (mylc_value *v = p->args; v; v = v->next)
        n++;
    return n;
}

static bool one_arg(mylc_ctx *c, mylc_schema *s, mylc_prop *p)
{
    if (nargs(p) == 1)
        return true;
    ERR(c, s, p->args && p->args->next ? p->args->next->off : p->off,
        "'%.*s' takes exactly one value", S(p->key));
    return false;
}

/* A word from a fixed list (ending with a NULL word): its entry, or NULL
 * after an error. */
static const mylc_word *word(mylc_ctx *c, mylc_schema *s, mylc_prop *p, const mylc_word *words)
{
    if (!one_arg(c, s, p))
        return NULL;
    mylc_value *v = p->args;
    for (const mylc_word *w = words; w->word; w++)
        if (v->kind == MYLC_V_IDENT && mylc_str_eq(v->text, w->word))
            return w;
    mylc_buf b = {0};
    for (const mylc_word *w = words; w->word; w++)
        mylc_buf_printf(&b, "%s%s", w == words ? "" : (w[1].word ? ", " : " or "), w->word);
    mylc_suggest sg;
    mylc_suggest_init(&sg, v->text.p, v->text.n);
    for (const mylc_word *w = words; w->word; w++)
        mylc_suggest_add(&sg, w->word, (uint32_t)strlen(w->word));
    ERR(c, s, v->off, "invalid %.*s '%.*s' (expected %s)%s", S(p->key),
        (int)(v->text.n > 40 ? 40 : v->text.n), v->text.p, b.p, mylc_suggest_hint(&sg));
    mylc_buf_free(&b);
    return NULL;
}

static bool frame_size(mylc_ctx *c, mylc_schema *s, mylc_value *v, uint64_t *out)
{
    uint64_t x;
    if (!parse_uint(c, s, v, true, &x))
        return false;
    /* A frame holds a 24-byte header (myelon/frame.h) and some data. */
    if (x < 32 || x > MYLC_MAX_EVENT_SIZE) {
        ERR(c, s, v->off, "frame size %llu is out of range (32 bytes to 64 MiB)",
            (unsigned long long)x);
        return false;
    }
    if (x % 8) {
        ERR(c, s, v->off, "frame size %llu is not a multiple of 8", (unsigned long long)x);
        return false;
    }
    *out = x;
    return true;
}

static void claim_suffixes(mylc_ctx *c, mylc_schema *s, mylc_decl *d, const char *const *sfx)
{
    for (; sfx && *sfx; sfx++)
        mylc_name_claim(c, mylc_name_join(c, d->cname, *sfx), s->file, d->off, "channel");
}

/* The C names of a channel's binding, once its shape is known: those of
 * its shape's row, then those of its codec's row over that shape
 * (binding.c). */
static void claim_channel_names(mylc_ctx *c, mylc_schema *s, mylc_decl *d)
{
    d->chan.shape = mylc_channel_shape(&d->chan);
    const mylc_shape_row *shape = &mylc_shapes[d->chan.shape];
    claim_suffixes(c, s, d, shape->suffixes);
    claim_suffixes(c, s, d, mylc_codecs[d->chan.codec].over[d->chan.shape].suffixes);
    if (!shape->lanes)
        return;
    for (uint32_t i = 0; i < d->chan.nlanes; i++) {
        bool dup = false; /* reported already */
        for (uint32_t j = 0; j < i; j++)
            dup = dup || mylc_str_same(d->chan.lanes[i], d->chan.lanes[j]);
        if (!dup)
            mylc_name_claim(c, mylc_name_lane(c, d, i), s->file, d->off, "channel lane");
    }
}

/* ---- channel bodies: one row per item keyword ----
 *
 * Each item ("key args ;") is parsed by its row's function, which also
 * checks what can be checked of it alone; the checks across items follow,
 * in check_channel. */

/* The items a channel's body gave, for the checks across them. */
typedef struct chan_items {
    mylc_prop *carries, *capacity, *producers, *backing, *wait, *fences, *mode, *codec, *frame,
        *frames, *lanes, *max_message, *compat;
    bool codec_given; /* by 'codec' or by 'carries T codec C' */
    uint32_t codec_off;
} chan_items;

typedef struct chan_item chan_item;
typedef void chan_item_fn(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_prop *p, chan_items *it,
                          const chan_item *row);

struct chan_item {
    const char *key;
    chan_item_fn *parse;
    size_t at;              /* offsetof(chan_items, <the item>) */
    const mylc_word *words; /* item_word: its words */
    size_t field;           /* item_word: offsetof(mylc_channel, <the value>) */
};

/* A codec by name, as 'codec' or after 'carries T' (the value in p). */
static void codec_value(mylc_ctx *c, mylc_schema *s, mylc_channel *ch, mylc_prop *p)
{
    mylc_word words[MYLC_CODEC_COUNT + 1] = {{NULL, 0, NULL}};
    for (uint32_t k = 0; k < MYLC_CODEC_COUNT; k++)
        words[k] = (mylc_word){mylc_codecs[k].name, k, NULL};
    const mylc_word *w = word(c, s, p, words);
    if (w)
        ch->codec = (mylc_codec)w->value;
}

static void item_carries(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_prop *p, chan_items *it,
                         const chan_item *row)
{
    (void)row;
    mylc_channel *ch = &d->chan;
    mylc_value *v = p->args;
    if (!v) {
        ERR(c, s, p->off, "'carries' needs a type");
        return;
    }
    if (v->kind != MYLC_V_IDENT) {
        ERR(c, s, v->off, "'carries' needs a type name");
        return;
    }
    ch->carries.name = v->text;
    ch->carries.off = v->off;
    ch->has_carries = true;
    if (mylc_str_eq(v->text, "bytes")) {
        ch->carries.base = MYLC_T_BYTES;
    } else if (mylc_builtin_lookup(v->text) != MYLC_T_NONE) {
        ERR(c, s, v->off, "a channel carries an event, a table, a struct or bytes, not '%.*s'",
            S(v->text));
        ch->has_carries = false;
    } else {
        ch->carries.decl = mylc_lookup(c, s, v->text, v->off, true);
        ch->carries.base = ch->carries.decl ? MYLC_T_NAMED : MYLC_T_NONE;
        if (!ch->carries.decl)
            ch->has_carries = false;
    }
    v = v->next;
    if (v && v->kind == MYLC_V_IDENT && mylc_str_eq(v->text, "codec")) {
        mylc_prop tmp = *p;
        tmp.key = v->text;
        tmp.args = v->next;
        it->codec_given = true;
        it->codec_off = v->off;
        if (v->next)
            codec_value(c, s, ch, &tmp);
        else
            ERR(c, s, v->off, "'codec' needs a value (raw, compact or flatbuffers)");
    } else if (v) {
        ERR(c, s, v->off, "unexpected '%.*s' after the carried type (expected 'codec' or ';')",
            (int)(v->text.n > 40 ? 40 : v->text.n), v->text.p);
    }
}

static void item_codec(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_prop *p, chan_items *it,
                       const chan_item *row)
{
    (void)row;
    if (it->codec_given) {
        ERR(c, s, p->off, "codec given twice");
        NOTE(c, s, it->codec_off, "first given here");
        return;
    }
    it->codec_given = true;
    it->codec_off = p->off;
    codec_value(c, s, &d->chan, p);
}

static void item_capacity(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_prop *p, chan_items *it,
                          const chan_item *row)
{
    (void)it;
    (void)row;
    uint64_t x;
    if (!one_arg(c, s, p) || !parse_uint(c, s, p->args, true, &x))
        return;
    if (!is_pow2(x)) {
        uint64_t up = 1;
        while (up < x && up < MYL_MAX_CAPACITY)
            up <<= 1;
        ERR(c, s, p->args->off, "capacity %llu is not a power of two (try %llu)",
            (unsigned long long)x, (unsigned long long)up);
    } else if (x < 2 || x > MYL_MAX_CAPACITY) {
        ERR(c, s, p->args->off, "capacity %llu is out of range (2 to 4Gi events)",
            (unsigned long long)x);
    } else {
        d->chan.capacity = x;
    }
}

/* producers, backing, wait, fences, mode: a word, stored as the runtime's
 * value. */
static void item_word(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_prop *p, chan_items *it,
                      const chan_item *row)
{
    (void)it;
    const mylc_word *w = word(c, s, p, row->words);
    if (w)
        *(uint32_t *)(void *)((char *)&d->chan + row->field) = w->value;
}

static void item_frame(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_prop *p, chan_items *it,
                       const chan_item *row)
{
    (void)it;
    (void)row;
    if (one_arg(c, s, p) && frame_size(c, s, p->args, &d->chan.frames[0]))
        d->chan.nframes = 1;
}

static void item_frames(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_prop *p, chan_items *it,
                        const chan_item *row)
{
    (void)it;
    (void)row;
    mylc_channel *ch = &d->chan;
    unsigned n = 0;
    bool ok = true;
    for (mylc_value *v = p->args; v && ok; v = v->next) {
        if (n == MYLC_MAX_FRAMES) {
            ERR(c, s, v->off, "at most %d frame size classes", MYLC_MAX_FRAMES);
            ok = false;
            break;
        }
        ok = frame_size(c, s, v, &ch->frames[n]);
        if (ok && n && ch->frames[n] <= ch->frames[n - 1]) {
            ERR(c, s, v->off, "frame sizes must be listed in increasing order");
            ok = false;
        }
        n++;
    }
    if (!p->args)
        ERR(c, s, p->off, "'frames' needs one or more sizes");
    else if (ok)
        ch->nframes = n;
    ch->classes = true;
}

static void item_lanes(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_prop *p, chan_items *it,
                       const chan_item *row)
{
    (void)it;
    (void)row;
    mylc_channel *ch = &d->chan;
    unsigned n = 0;
    if (!p->args)
        ERR(c, s, p->off, "'lanes' needs one or more lane names");
    for (mylc_value *v = p->args; v; v = v->next) {
        if (v->kind != MYLC_V_IDENT || memchr(v->text.p, '.', v->text.n)) {
            ERR(c, s, v->off, "a lane name must be an identifier");
            break;
        }
        if (n == MYLC_MAX_LANES) {
            ERR(c, s, v->off, "at most %d lanes", MYLC_MAX_LANES);
            break;
        }
        /* A lane names a segment ("<channel>.<lane>"); the runtime takes
         * names of up to 32 bytes. */
        if (v->text.n > 32)
            ERR(c, s, v->off, "a lane name has at most 32 characters");
        for (mylc_value *q = p->args; q != v; q = q->next)
            if (mylc_str_same(q->text, v->text)) {
                ERR(c, s, v->off, "duplicate lane '%.*s'", S(v->text));
                NOTE(c, s, q->off, "first listed here");
            }
        ch->lanes[n++] = v->text;
    }
    ch->nlanes = n;
}

static void item_max_message(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_prop *p,
                             chan_items *it, const chan_item *row)
{
    (void)it;
    (void)row;
    uint64_t x;
    if (one_arg(c, s, p) && parse_uint(c, s, p->args, true, &x)) {
        if (x == 0 || x > (UINT64_C(1) << 30))
            ERR(c, s, p->args->off, "max_message must be from 1 byte to 1 GiB");
        else
            d->chan.max_message = x;
    }
}

#define ITEM(k, fn)                                                                                \
    {                                                                                              \
#k, fn, offsetof(chan_items, k), NULL, 0                                                   \
    }
#define WORD_ITEM(k, words)                                                                        \
    {                                                                                              \
#k, item_word, offsetof(chan_items, k), words, offsetof(mylc_channel, k)                   \
    }
/* In the order the "unknown channel property" message lists them. */
static const chan_item chan_items_table[] = {
    ITEM(carries, item_carries),
    ITEM(capacity, item_capacity),
    WORD_ITEM(producers, mylc_producers_words),
    WORD_ITEM(backing, mylc_backing_words),
    WORD_ITEM(wait, mylc_wait_words),
    WORD_ITEM(fences, mylc_fences_words),
    WORD_ITEM(mode, mylc_mode_words),
    ITEM(codec, item_codec),
    ITEM(frame, item_frame),
    ITEM(frames, item_frames),
    ITEM(lanes, item_lanes),
    ITEM(max_message, item_max_message),
    WORD_ITEM(compat, mylc_compat_words),
};
#undef ITEM
#undef WORD_ITEM
#define NITEMS (sizeof chan_items_table / sizeof chan_items_table[0])

static void unknown_item(mylc_ctx *c, mylc_schema *s, mylc_prop *p)
{
    mylc_buf b = {0};
    for (size_t i = 0; i < NITEMS; i++)
        mylc_buf_printf(&b, "%s%s",
                        i == 0           ? ""
                        : i + 1 < NITEMS ? ", "
                                         : " or ",
                        chan_items_table[i].key);
    mylc_suggest sg;
    mylc_suggest_init(&sg, p->key.p, p->key.n);
    for (size_t i = 0; i < NITEMS; i++)
        mylc_suggest_add(&sg, chan_items_table[i].key, (uint32_t)strlen(chan_items_table[i].key));
    ERR(c, s, p->off, "unknown channel property '%.*s' (expected %s)%s", S(p->key), b.p,
        mylc_suggest_hint(&sg));
    mylc_buf_free(&b);
}

/* 'compat': evolve is the default for FlatBuffers tables and allowed for
 * them only (docs/myl.md §8.1); the compact codec and raw events have no
 * tags, so both ends must be identical. */
static void check_compat_item(mylc_ctx *c, mylc_schema *s, mylc_channel *ch, chan_items *it)
{
    const mylc_decl *x = ch->carries.decl;
    bool fb = x && x->kind == MYLC_D_TABLE && ch->codec == MYLC_CODEC_FLATBUFFERS;
    if (!it->compat || !ch->compat) {
        ch->compat = fb ? MYL_COMPAT_EVOLVE : MYL_COMPAT_STRICT;
        return;
    }
    if (ch->compat != MYL_COMPAT_EVOLVE || fb)
        return;
    if (!x)
        ERR(c, s, it->compat->args->off,
            "'compat evolve' needs a table with codec flatbuffers; a channel of bytes has no "
            "schema to evolve");
    else if (ch->codec == MYLC_CODEC_COMPACT)
        ERR(c, s, it->compat->args->off,
            "'compat evolve' needs codec flatbuffers: the compact codec has no field tags, so "
            "both ends must be built from the same '%.*s' (use 'compat strict')",
            S(x->name));
    else
        ERR(c, s, it->compat->args->off,
            "'compat evolve' needs a table with codec flatbuffers; event '%.*s' is layout-fixed "
            "(use 'compat strict')",
            S(x->name));
    ch->compat = MYL_COMPAT_STRICT;
}

static void check_channel(mylc_ctx *c, mylc_schema *s, mylc_decl *d)
{
    mylc_channel *ch = &d->chan;
    /* the runtime's defaults (myelon/ring.h, myl_ring_opts) */
    ch->capacity = 4096;
    ch->producers = MYL_PRODUCERS_SINGLE;
    ch->backing = MYL_BACKING_SHM;
    ch->wait = MYL_WAIT_HYBRID;
    ch->mode = MYL_MODE_GATED;
    chan_items it = {0};
    check_member_name(c, s, d->name, d->off, "channel");
    for (mylc_prop *p = d->props; p && !c->stop; p = p->next) {
        if (p->route) {
            ERR(c, s, p->off, "routes ('a -> b : channel;') belong in a topology");
            continue;
        }
        if (dup_key(c, s, d, p))
            continue;
        const chan_item *row = NULL;
        for (size_t i = 0; i < NITEMS && !row; i++)
            if (mylc_str_eq(p->key, chan_items_table[i].key))
                row = &chan_items_table[i];
        if (!row) {
            unknown_item(c, s, p);
            continue;
        }
        *(mylc_prop **)(void *)((char *)&it + row->at) = p;
        row->parse(c, s, d, p, &it, row);
    }
    if (c->stop)
        return;
    /* The runtime refuses lossy multi-producer rings (docs/ARCHITECTURE.md,
     * "Lossy rings are single-producer"). */
    if (it.mode && it.producers && ch->mode == MYL_MODE_LOSSY &&
        ch->producers == MYL_PRODUCERS_MULTI) {
        ERR(c, s, it.mode->off,
            "a lossy channel has a single producer: a second one, preempted between claim and "
            "publish, could tear an event that no reader can detect");
        NOTE(c, s, it.producers->off, "'producers multi' is here");
    }
    if (it.fences && ch->wait != MYL_WAIT_BLOCK && ch->wait != MYL_WAIT_HYBRID) {
        ERR(c, s, it.fences->off,
            "'fences' orders the wake-ups of waits that sleep: it needs 'wait block' or "
            "'wait hybrid'");
        if (it.wait)
            NOTE(c, s, it.wait->off, "'wait %s' is here",
                 mylc_word_of(mylc_wait_words, ch->wait)->word);
    }
    if (it.frame && it.frames) {
        ERR(c, s, it.frames->off, "a channel has either 'frame' or 'frames', not both");
        NOTE(c, s, it.frame->off, "'frame' is here");
    }
    if (it.lanes && it.frames) {
        ERR(c, s, it.frames->off,
            "a channel with lanes has one frame size for every lane ('frame N'), not size classes");
        NOTE(c, s, it.lanes->off, "'lanes' is here");
    }
    if (!it.carries) {
        ERR(c, s, d->off, "channel '%.*s' needs a 'carries' item", S(d->name));
        return;
    }
    if (!ch->has_carries)
        return;
    mylc_decl *x = ch->carries.decl;
    if (ch->carries.base == MYLC_T_BYTES) {
        if (it.codec_given) {
            ERR(c, s, it.codec_off, "a channel that carries bytes has no codec");
            return;
        }
        ch->codec = MYLC_CODEC_RAW;
        ch->framed = true;
    } else if (x->kind == MYLC_D_EVENT) {
        if (ch->codec == MYLC_CODEC_FLATBUFFERS) {
            ERR(c, s, it.codec_off, "codec flatbuffers needs a table; '%.*s' is an event",
                S(x->name));
            return;
        }
        ch->framed = ch->codec != MYLC_CODEC_RAW;
    } else if (x->kind == MYLC_D_TABLE || x->kind == MYLC_D_STRUCT) {
        bool tab = x->kind == MYLC_D_TABLE;
        if (!it.codec_given) {
            /* a FlatBuffer's root is a table: structs travel compact */
            ch->codec = tab ? MYLC_CODEC_FLATBUFFERS : MYLC_CODEC_COMPACT;
        } else if (ch->codec == MYLC_CODEC_RAW) {
            ERR(c, s, it.codec_off, "codec raw needs an event; '%.*s' is %s", S(x->name),
                a_kind(x));
            return;
        } else if (ch->codec == MYLC_CODEC_FLATBUFFERS && !tab) {
            ERR(c, s, it.codec_off,
                "codec flatbuffers needs a table (a FlatBuffer's root is a table); '%.*s' is a "
                "struct: carry it in a table, or use codec compact",
                S(x->name));
            return;
        }
        ch->framed = true;
    } else {
        ERR(c, s, ch->carries.off,
            "a channel carries an event, a table, a struct or bytes; '%.*s' is %s", S(x->name),
            a_kind(x));
        return;
    }
    check_compat_item(c, s, ch, &it);
    if (!ch->framed) {
        mylc_prop *bad = it.frame         ? it.frame
                         : it.frames      ? it.frames
                         : it.max_message ? it.max_message
                                          : it.lanes;
        if (bad)
            ERR(c, s, bad->off,
                "'%.*s' applies to channels of variable-size messages; this one carries event "
                "'%.*s' (fixed size, one per slot)",
                S(bad->key), S(x->name));
        claim_channel_names(c, s, d);
        return;
    }
    if (!ch->nframes && !it.frame && !it.frames) {
        ch->nframes = 1;
        ch->frames[0] = 1024;
    }
    uint64_t largest = ch->nframes ? ch->frames[ch->nframes - 1] : 1024;
    if (!ch->max_message && !it.max_message)
        ch->max_message = largest > (UINT64_C(1) << 20) ? largest : (UINT64_C(1) << 20);
    else if (ch->max_message && ch->max_message < largest)
        ERR(c, s, it.max_message ? it.max_message->args->off : d->off,
            "max_message %llu is smaller than the largest frame (%llu)",
            (unsigned long long)ch->max_message, (unsigned long long)largest);
    /* Multi-producer rings claim a message's it.frames at once, so that no
     * other producer's it.frames interleave: a message must fit half the
     * ring (the runtime's limit; for size classes, of the largest class). */
    uint64_t one_claim = (ch->capacity / 2) * (largest - MYL_FRAME_HDR_SIZE);
    if (ch->producers == MYL_PRODUCERS_MULTI && ch->max_message > one_claim) {
        mylc_prop *at = it.max_message ? it.max_message : it.producers ? it.producers : d->props;
        ERR(c, s, at ? at->off : d->off,
            "max_message %llu does not fit half the ring (%llu frames of %llu data bytes = %llu), "
            "which a multi-producer channel claims at once",
            (unsigned long long)ch->max_message, (unsigned long long)(ch->capacity / 2),
            (unsigned long long)(largest - MYL_FRAME_HDR_SIZE), (unsigned long long)one_claim);
        if (!it.max_message)
            NOTE(c, s, d->off, "the default max_message is max(1 MiB, the largest frame)");
    }
    ch->slot_size = largest;
    claim_channel_names(c, s, d);
}

/* "Did you mean" over a list of words (NULL-terminated). */
static const char *words_hint(mylc_suggest *sg, mylc_str w, const char *const *words)
{
    mylc_suggest_init(sg, w.p, w.n);
    for (; *words; words++)
        mylc_suggest_add(sg, *words, (uint32_t)strlen(*words));
    return mylc_suggest_hint(sg);
}

/* "Did you mean" over the channels in scope (this schema's and its
 * imports'). */
static const char *channel_hint(mylc_suggest *sg, const mylc_schema *s, mylc_str w)
{
    mylc_suggest_init(sg, w.p, w.n);
    const mylc_map *maps[64];
    unsigned nmaps = 0;
    maps[nmaps++] = &s->names;
    for (const mylc_import *im = s->imports; im && nmaps < 64; im = im->next)
        if (im->file && im->file->schema)
            maps[nmaps++] = &im->file->schema->names;
    for (unsigned m = 0; m < nmaps; m++)
        for (uint32_t i = 0; i < maps[m]->cap; i++) {
            const mylc_decl *d = maps[m]->e[i].v;
            if (maps[m]->e[i].k && d && d->kind == MYLC_D_CHANNEL)
                mylc_suggest_add(sg, maps[m]->e[i].k, maps[m]->e[i].n);
        }
    return mylc_suggest_hint(sg);
}

static mylc_role *role_get(mylc_ctx *c, mylc_decl *d, mylc_str name, uint32_t off, bool *created)
{
    mylc_role **t = &d->roles;
    uint32_t i = 0;
    for (; *t; t = &(*t)->next, i++)
        if (mylc_str_same((*t)->name, name)) {
            *created = false;
            return *t;
        }
    mylc_role *r = mylc_alloc(&c->arena, sizeof *r);
    r->name = name;
    r->off = off;
    r->count = 1;
    r->min = 1;
    r->max = 0; /* not given: check_topology sets the default */
    r->index = i;
    *t = r;
    *created = true;
    return r;
}

/* A role's count and bounds: "[COUNT] [min N] [max N]". */
static void role_bounds(mylc_ctx *c, mylc_schema *s, mylc_prop *p, mylc_role *r)
{
    bool has_count = false, has_min = false, has_max = false;
    for (mylc_value *v = p->args; v; v = v->next) {
        uint64_t n;
        if (v->kind == MYLC_V_INT && v == p->args) {
            if (!parse_uint(c, s, v, false, &n))
                return;
            if (n < 1 || n > MYLC_MAX_ROLE_COUNT) {
                ERR(c, s, v->off, "role count must be from 1 to %d", MYLC_MAX_ROLE_COUNT);
                return;
            }
            r->count = n;
            has_count = true;
            continue;
        }
        bool is_min = v->kind == MYLC_V_IDENT && mylc_str_eq(v->text, "min");
        bool is_max = v->kind == MYLC_V_IDENT && mylc_str_eq(v->text, "max");
        if (!is_min && !is_max) {
            static const char *const bound_words[] = {"min", "max", NULL};
            mylc_suggest sg;
            const char *hint = v->kind == MYLC_V_IDENT ? words_hint(&sg, v->text, bound_words) : "";
            ERR(c, s, v->off,
                "unexpected '%.*s' in role '%.*s' (expected its count, 'min N' or 'max N')%s",
                (int)(v->text.n > 40 ? 40 : v->text.n), v->text.p, S(p->key), hint);
            return;
        }
        if ((is_min && has_min) || (is_max && has_max)) {
            ERR(c, s, v->off, "'%.*s' given twice for role '%.*s'", S(v->text), S(p->key));
            return;
        }
        if (!v->next) {
            ERR(c, s, v->off, "'%.*s' needs a number ('%.*s N')", S(v->text), S(v->text));
            return;
        }
        v = v->next;
        if (!parse_uint(c, s, v, false, &n))
            return;
        if (n < 1 || n > MYLC_MAX_ROLE_COUNT) {
            ERR(c, s, v->off, "role bound must be from 1 to %d", MYLC_MAX_ROLE_COUNT);
            return;
        }
        if (is_min) {
            r->min = n;
            has_min = true;
        } else {
            r->max = n;
            has_max = true;
        }
    }
    if (!has_count && has_min)
        r->count = r->min;
}

/* The message type a route's channel carries, or NULL for bytes. */
static mylc_decl *route_type(const mylc_route *rt)
{
    return rt->channel->chan.has_carries ? rt->channel->chan.carries.decl : NULL;
}

/* The key field of a route's message type (partitioned hash <field>: an
 * integer or, with strings, a string; track <field>: an integer), or NULL
 * after an error. */
static mylc_field *route_field(mylc_ctx *c, mylc_schema *s, mylc_route *rt, mylc_value *v,
                               const char *what, bool strings)
{
    mylc_decl *t = route_type(rt);
    if (!t) {
        ERR(c, s, v->off, "%s needs a message type with fields: channel '%.*s' carries bytes", what,
            S(rt->channel->name));
        return NULL;
    }
    for (mylc_field *f = t->fields; f; f = f->next) {
        if (!mylc_str_same(f->name, v->text))
            continue;
        mylc_builtin b =
            f->type.base == MYLC_T_NAMED && f->type.decl && f->type.decl->kind == MYLC_D_ENUM
                ? f->type.decl->under.base
                : f->type.base;
        /* A hash key may be a string, or a char[N] outside FlatBuffers
         * (hashed by its bytes: myl_topo_hash_bytes). */
        bool str = strings && ((f->type.shape == MYLC_SHAPE_PLAIN && b == MYLC_T_STRING) ||
                               (f->type.shape == MYLC_SHAPE_ARRAY && b == MYLC_T_CHAR &&
                                rt->channel->chan.codec != MYLC_CODEC_FLATBUFFERS));
        if (!str && (f->type.shape != MYLC_SHAPE_PLAIN || !mylc_builtin_is_int(b))) {
            ERR(c, s, v->off, "%s field '%.*s' of '%.*s' must be an integer%s", what, S(v->text),
                S(t->name), strings ? " or a string" : "");
            NOTE(c, t->schema, f->off, "declared here");
            return NULL;
        }
        if (f->deprecated) {
            ERR(c, s, v->off, "%s field '%.*s' of '%.*s' is deprecated", what, S(v->text),
                S(t->name));
            return NULL;
        }
        return f;
    }
    mylc_suggest sg;
    mylc_suggest_init(&sg, v->text.p, v->text.n);
    for (mylc_field *f = t->fields; f; f = f->next)
        mylc_suggest_add(&sg, f->name.p, f->name.n);
    ERR(c, s, v->off, "%s field '%.*s': '%.*s' has no such field%s", what,
        (int)(v->text.n > 40 ? 40 : v->text.n), v->text.p, S(t->name), mylc_suggest_hint(&sg));
    return NULL;
}

static const char *const route_shape_words[] = {"direct", "broadcast", "shared", "partitioned"};

/* The options after a route's channel: broadcast | shared | partitioned
 * [round_robin | hash <field> | least_loaded] | track <field>. */
static void route_options(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_route *rt, mylc_value *v)
{
    mylc_value *shape_at = NULL, *track_at = NULL;
    for (; v; v = v->next) {
        mylc_route_shape sh = MYLC_RS_DIRECT;
        if (v->kind == MYLC_V_IDENT && mylc_str_eq(v->text, "broadcast"))
            sh = MYLC_RS_BROADCAST;
        else if (v->kind == MYLC_V_IDENT && mylc_str_eq(v->text, "shared"))
            sh = MYLC_RS_SHARED;
        else if (v->kind == MYLC_V_IDENT && mylc_str_eq(v->text, "partitioned"))
            sh = MYLC_RS_PARTITIONED;
        if (sh != MYLC_RS_DIRECT) {
            if (shape_at) {
                ERR(c, s, v->off, "a route has one shape: '%.*s' after '%.*s'", S(v->text),
                    S(shape_at->text));
                return;
            }
            shape_at = v;
            rt->shape = sh;
            if (sh != MYLC_RS_PARTITIONED || !v->next || v->next->kind != MYLC_V_IDENT)
                continue;
            mylc_value *w = v->next;
            if (mylc_str_eq(w->text, "round_robin")) {
                v = w;
            } else if (mylc_str_eq(w->text, "least_loaded")) {
                rt->partition = MYLC_PART_LEAST_LOADED;
                v = w;
            } else if (mylc_str_eq(w->text, "hash")) {
                rt->partition = MYLC_PART_HASH;
                if (!w->next || w->next->kind != MYLC_V_IDENT) {
                    ERR(c, s, w->off, "'hash' needs the key field ('partitioned hash <field>')");
                    return;
                }
                v = w->next;
                rt->key = route_field(c, s, rt, v, "hash key", true);
            }
            continue;
        }
        if (v->kind == MYLC_V_IDENT && mylc_str_eq(v->text, "track")) {
            if (track_at) {
                ERR(c, s, v->off, "'track' given twice");
                return;
            }
            track_at = v;
            if (!v->next || v->next->kind != MYLC_V_IDENT) {
                ERR(c, s, v->off, "'track' needs the id field ('track <field>')");
                return;
            }
            v = v->next;
            rt->track = route_field(c, s, rt, v, "track", false);
            continue;
        }
        if (v->kind == MYLC_V_IDENT &&
            (mylc_str_eq(v->text, "round_robin") || mylc_str_eq(v->text, "least_loaded") ||
             mylc_str_eq(v->text, "hash"))) {
            ERR(c, s, v->off, "'%.*s' chooses among destinations: it follows 'partitioned'",
                S(v->text));
            return;
        }
        static const char *const route_words[] = {"broadcast",   "shared", "partitioned",  "track",
                                                  "round_robin", "hash",   "least_loaded", NULL};
        mylc_suggest sg;
        const char *hint = v->kind == MYLC_V_IDENT ? words_hint(&sg, v->text, route_words) : "";
        ERR(c, s, v->off,
            "unknown route option '%.*s' (expected broadcast, shared, partitioned or track)%s",
            (int)(v->text.n > 40 ? 40 : v->text.n), v->text.p, hint);
        return;
    }
    if (track_at && rt->from->index != 0)
        ERR(c, s, track_at->off,
            "only routes from the owner role (the first, '%.*s') can be tracked: the owner keeps "
            "the unanswered messages",
            S(d->roles->name));
    else if (track_at && rt->shape != MYLC_RS_DIRECT && rt->shape != MYLC_RS_PARTITIONED)
        ERR(c, s, track_at->off,
            "a %s route cannot be tracked: only direct and partitioned routes have one "
            "destination per message",
            route_shape_words[rt->shape]);
}

/* What a route's channel must be: able to take the route's producers
 * (lanes and size classes: every ring of the group). */
static void route_channel(mylc_ctx *c, mylc_schema *s, mylc_route *rt, uint32_t off)
{
    const mylc_channel *ch = &rt->channel->chan;
    if (rt->shape == MYLC_RS_SHARED && ch->mode == MYL_MODE_LOSSY)
        ERR(c, s, off,
            "a shared route has several producers on one ring, which a lossy channel ('%.*s') "
            "cannot have",
            S(rt->channel->name));
}

/* The names a route's calls use in its roles' APIs: the channel's name,
 * made unique per role with the other role's name. */
static const char *cstr_of(mylc_ctx *c, mylc_str n)
{
    return mylc_strdup(&c->arena, n.p, n.n);
}

static void route_names(mylc_ctx *c, mylc_decl *d)
{
    for (mylc_route *rt = d->routes; rt; rt = rt->next) {
        mylc_str ch = rt->channel->name;
        const char *chn = mylc_strdup(&c->arena, ch.p, ch.n);
        rt->name = mylc_name_join(
            c, mylc_name_join(c, cstr_of(c, rt->from->name), cstr_of(c, rt->to->name)), chn);
        bool out_twice = false, in_twice = false;
        for (mylc_route *q = d->routes; q; q = q->next) {
            if (q == rt || q->channel != rt->channel)
                continue;
            if (q->from == rt->from && q->to != rt->to)
                out_twice = true;
            if (q->to == rt->to && q->from != rt->from)
                in_twice = true;
        }
        rt->out_name =
            out_twice ? mylc_name_join(c, chn, mylc_name_join(c, "to", cstr_of(c, rt->to->name)))
                      : chn;
        rt->in_name =
            in_twice ? mylc_name_join(c, chn, mylc_name_join(c, "from", cstr_of(c, rt->from->name)))
                     : chn;
    }
}

/* A static helper or handler type of a topology: its name, an upper-case
 * word and a number (role names are lower case: no role type is one). */
static const char *topo_helper(mylc_ctx *c, const char *t, const char *word, uint32_t i)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%s%u", word, i);
    return mylc_name_join(c, t, tmp);
}

/* The C names of a topology's endpoints (emit_topo.c writes them): the
 * descriptor, role and route constants, and per role its type, calls and
 * the static helpers of the source file. */
static void claim_topology_names(mylc_ctx *c, mylc_schema *s, mylc_decl *d)
{
#define CLAIM(n, what) mylc_name_claim(c, (n), s->file, d->off, (what))
    const char *t = d->cname;
    mylc_name_reserve(c, t, s->file, d->off, "topology"); /* the prefix of its names */
    CLAIM(mylc_name_join(c, t, "desc"), "topology");
    CLAIM(mylc_name_join(c, t, "NOW"), "topology helper");
    CLAIM(mylc_name_join(c, t, "IDLE"), "topology helper");
    if (mylc_topo_hashed(d))
        CLAIM(mylc_name_join(c, t, "HASH"), "topology helper");
    CLAIM(mylc_name_join(c, t, "ROLES"), "topology helper");
    CLAIM(mylc_name_join(c, t, "ROUTES"), "topology helper");
    for (mylc_role *r = d->roles; r; r = r->next)
        CLAIM(mylc_name_join(c, mylc_name_join(c, t, "ROLE"), cstr_of(c, r->name)), "role");
    for (mylc_route *rt = d->routes; rt; rt = rt->next)
        CLAIM(mylc_name_join(c, mylc_name_join(c, t, "ROUTE"), rt->name), "route");
    for (mylc_role *r = d->roles; r; r = r->next) {
        const char *ty = mylc_name_join(c, t, cstr_of(c, r->name));
        CLAIM(ty, "topology role");
        static const char *const calls[] = {"open", "close", "handlers", "poll", "events", NULL};
        for (const char *const *k = calls; *k; k++)
            CLAIM(mylc_name_join(c, ty, *k), "topology role");
        CLAIM(topo_helper(c, t, "POLL", r->index), "topology helper");
        CLAIM(topo_helper(c, t, "REJOIN", r->index), "topology helper");
        CLAIM(mylc_name_join(c, ty, "event_fn"), "topology handler type");
        bool tracked = false, arena = false;
        for (mylc_route *rt = d->routes; rt; rt = rt->next) {
            if (rt->from == r) {
                tracked = tracked || rt->track;
                /* in place (begin/commit) over one ring; a group takes
                 * finished buffers (send) */
                bool fb = rt->channel->chan.codec == MYLC_CODEC_FLATBUFFERS &&
                          rt->channel->chan.shape != MYLC_CS_LANES &&
                          rt->channel->chan.shape != MYLC_CS_CLASSES;
                const char *to = rt->shape == MYLC_RS_DIRECT && rt->to->max > 1 ? "_to" : "";
                const char *n = rt->out_name;
                const char *call = *to ? mylc_name_join(c, n, "to") : n;
                CLAIM(mylc_name_join(c, ty, mylc_name_join(c, "send", call)), "route call");
                if (fb) {
                    CLAIM(mylc_name_join(c, ty, mylc_name_join(c, "begin", call)), "route call");
                    CLAIM(mylc_name_join(c, ty, mylc_name_join(c, "commit", n)), "route call");
                }
                if (rt->track)
                    CLAIM(topo_helper(c, t, "RESEND", rt->index), "topology helper");
            }
            if (rt->to == r) {
                /* compact tables decode into an arena (emit_topo.c) */
                const mylc_channel *ch = &rt->channel->chan;
                arena = arena || (ch->shape != MYLC_CS_RING && ch->codec == MYLC_CODEC_COMPACT &&
                                  ch->carries.decl && ch->carries.decl->kind == MYLC_D_TABLE);
                CLAIM(topo_helper(c, t, "RECV", rt->index), "topology helper");
                CLAIM(mylc_name_join(c, ty,
                                     mylc_name_join(c, mylc_name_join(c, "on", rt->in_name), "fn")),
                      "topology handler type");
            }
        }
        if (tracked)
            CLAIM(mylc_name_join(c, ty, "redispatch"), "topology role");
        if (arena)
            CLAIM(topo_helper(c, t, "GROW", r->index), "topology helper");
    }
#undef CLAIM
}

static bool role_name_ok(mylc_str n)
{
    for (uint32_t i = 0; i < n.n; i++) {
        char ch = n.p[i];
        if (!((ch >= 'a' && ch <= 'z') || ch == '_' || (i && ch >= '0' && ch <= '9')))
            return false;
    }
    return n.n > 0;
}

/* A role first named by a route (created) is a role of one instance, unless
 * its name is a likely typo of a declared role's: then it is an error with
 * the hint (declaring it says that it is meant). */
static void undeclared_role(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_role *r, bool created)
{
    if (!created)
        return;
    mylc_suggest sg;
    mylc_suggest_init(&sg, r->name.p, r->name.n);
    for (mylc_role *q = d->roles; q; q = q->next)
        if (q->declared)
            mylc_suggest_add(&sg, q->name.p, q->name.n);
    if (sg.best)
        ERR(c, s, r->off,
            "role '%.*s' is not declared%s (declare it, '%.*s;', if it is another role)",
            S(r->name), mylc_suggest_hint(&sg), S(r->name));
}

/* What the runtime's open refuses (runtime/src/topo.c), said here: a role
 * name longer than a consumer id allows, a route name ("<from>_<to>_<ch>")
 * longer than an instance name, and, at the default counts, more rings
 * than a topology may have or more producers than a shared ring takes
 * (counts chosen at run time are checked when the topology opens). */
static void topology_limits(mylc_ctx *c, mylc_schema *s, mylc_decl *d)
{
    for (mylc_role *r = d->roles; r; r = r->next)
        if (r->name.n > MYL_TOPO_ROLE_NAME_MAX)
            ERR(c, s, r->off, "role name '%.*s' is longer than %u characters (member ids)",
                S(r->name), MYL_TOPO_ROLE_NAME_MAX);
    uint64_t rings = 0;
    for (mylc_route *rt = d->routes; rt; rt = rt->next) {
        if (strlen(rt->name) >= MYL_TOPO_NAME_MAX)
            ERR(c, s, rt->off,
                "route name '%s' (<from>_<to>_<channel>) is longer than %u characters: shorten a "
                "role or the channel",
                rt->name, MYL_TOPO_NAME_MAX - 1);
        const mylc_channel *ch = &rt->channel->chan;
        uint64_t width = ch->shape == MYLC_CS_LANES     ? ch->nlanes
                         : ch->shape == MYLC_CS_CLASSES ? ch->nframes
                                                        : 1;
        uint64_t n = rt->shape == MYLC_RS_BROADCAST ? rt->from->count
                     : rt->shape == MYLC_RS_SHARED  ? 1
                                                    : rt->from->count * rt->to->count;
        rings += n * width;
        if (rt->shape == MYLC_RS_SHARED && rt->from->count > MYL_MAX_PRODUCERS)
            ERR(c, s, rt->off,
                "a shared route's ring takes at most %u producers; role '%.*s' has %llu by "
                "default",
                MYL_MAX_PRODUCERS, S(rt->from->name), (unsigned long long)rt->from->count);
    }
    if (rings > MYL_TOPO_MAX_RINGS)
        ERR(c, s, d->off, "topology '%.*s' needs %llu rings at its default counts, more than %u",
            S(d->name), (unsigned long long)rings, MYL_TOPO_MAX_RINGS);
}

static void check_topology(mylc_ctx *c, mylc_schema *s, mylc_decl *d)
{
    /* Declared roles first, so routes may name them in any order. */
    for (mylc_prop *p = d->props; p && !c->stop; p = p->next) {
        if (p->route)
            continue;
        check_member_name(c, s, p->key, p->off, "role");
        if (!role_name_ok(p->key))
            ERR(c, s, p->off,
                "role name '%.*s' must be lower case letters, digits and '_' (it names "
                "environment variables and member ids)",
                S(p->key));
        bool created;
        mylc_role *r = role_get(c, d, p->key, p->off, &created);
        if (!created) {
            ERR(c, s, p->off, "duplicate role '%.*s'", S(p->key));
            NOTE(c, s, r->off, "first declared here");
            continue;
        }
        r->declared = true;
        if (p->args)
            role_bounds(c, s, p, r);
    }
    /* Bounds: default [1, MYLC_MAX_ROLE_COUNT]; the owner (role 0) has one
     * instance, always. */
    for (mylc_role *r = d->roles; r; r = r->next) {
        if (r->index == 0 && (r->count > 1 || r->max > 1)) {
            ERR(c, s, r->off,
                "the owner role '%.*s' (the first declared) has exactly one instance: it "
                "creates the topology's rings",
                S(r->name));
            r->count = r->min = r->max = 1;
            continue;
        }
        if (!r->max)
            r->max = r->index == 0 ? 1 : MYLC_MAX_ROLE_COUNT;
        if (r->min > r->count || r->count > r->max)
            ERR(c, s, r->off,
                "role '%.*s': count %llu is not within its bounds [%llu, %llu] (min <= count <= "
                "max)",
                S(r->name), (unsigned long long)r->count, (unsigned long long)r->min,
                (unsigned long long)r->max);
    }
    mylc_route **tail = &d->routes;
    uint32_t nroutes = 0;
    for (mylc_prop *p = d->props; p && !c->stop; p = p->next) {
        if (!p->route)
            continue;
        bool created;
        mylc_route *rt = mylc_alloc(&c->arena, sizeof *rt);
        rt->off = p->off;
        rt->from = role_get(c, d, p->key, p->off, &created);
        undeclared_role(c, s, d, rt->from, created);
        rt->to = role_get(c, d, p->to, p->to_off, &created);
        undeclared_role(c, s, d, rt->to, created);
        if (rt->from == rt->to)
            ERR(c, s, p->to_off, "a route cannot lead from role '%.*s' to itself", S(p->key));
        mylc_value *v = p->args;
        if (!v || v->kind != MYLC_V_IDENT) {
            ERR(c, s, v ? v->off : p->off,
                "a route needs the channel it uses ('a -> b : channel;')");
            continue;
        }
        rt->channel = mylc_lookup(c, s, v->text, v->off, false);
        if (!rt->channel) {
            mylc_suggest sg;
            ERR(c, s, v->off, "unknown channel '%.*s'%s", S(v->text),
                channel_hint(&sg, s, v->text));
            continue;
        }
        if (rt->channel->kind != MYLC_D_CHANNEL) {
            ERR(c, s, v->off, "'%.*s' is %s, not a channel", S(v->text), a_kind(rt->channel));
            continue;
        }
        route_options(c, s, d, rt, v->next);
        route_channel(c, s, rt, v->off);
        bool dup = false;
        for (mylc_route *q = d->routes; q && !dup; q = q->next)
            if (q->from == rt->from && q->to == rt->to && q->channel == rt->channel) {
                ERR(c, s, p->off, "duplicate route");
                NOTE(c, s, q->off, "first given here");
                dup = true;
            }
        if (dup)
            continue;
        for (mylc_route *q = d->routes; q && rt->track; q = q->next)
            if (q->track && q->to == rt->to) {
                ERR(c, s, p->off,
                    "a second tracked route to role '%.*s': re-dispatch resends a member's "
                    "unanswered messages on the one tracked route to its role",
                    S(rt->to->name));
                NOTE(c, s, q->off, "first given here");
            }
        rt->index = nroutes++;
        *tail = rt;
        tail = &rt->next;
    }
    for (mylc_role *r = d->roles; r; r = r->next)
        if (!r->max) /* named by a route only */
            r->max = r->index == 0 ? 1 : MYLC_MAX_ROLE_COUNT;
    if (!d->routes && !c->stop)
        ERR(c, s, d->off, "topology '%.*s' has no routes", S(d->name));
    uint32_t nroles = 0;
    for (mylc_role *r = d->roles; r; r = r->next)
        nroles++;
    if (nroles > MYL_TOPO_MAX_ROLES)
        ERR(c, s, d->off, "topology '%.*s' has %u roles, more than %u", S(d->name), nroles,
            MYL_TOPO_MAX_ROLES);
    if (nroutes > MYL_TOPO_MAX_ROUTES)
        ERR(c, s, d->off, "topology '%.*s' has %u routes, more than %u", S(d->name), nroutes,
            MYL_TOPO_MAX_ROUTES);
    route_names(c, d);
    topology_limits(c, s, d);
    claim_topology_names(c, s, d);
}

static bool stage_word(mylc_str w)
{
    return mylc_str_eq(w, "durable") || mylc_str_eq(w, "fsync") || mylc_str_eq(w, "batch") ||
           mylc_str_eq(w, "after") || mylc_str_eq(w, "output");
}

static mylc_decl *channel_ref(mylc_ctx *c, mylc_schema *s, mylc_value *v)
{
    if (!v || v->kind != MYLC_V_IDENT) {
        ERR(c, s, v ? v->off : 0, "expected a channel name");
        return NULL;
    }
    mylc_decl *x = mylc_lookup(c, s, v->text, v->off, false);
    mylc_suggest sg;
    if (!x)
        ERR(c, s, v->off, "unknown channel '%.*s'%s", S(v->text), channel_hint(&sg, s, v->text));
    else if (x->kind != MYLC_D_CHANNEL) {
        ERR(c, s, v->off, "'%.*s' is %s, not a channel", S(v->text), a_kind(x));
        x = NULL;
    }
    return x;
}

static bool stage_cycle(mylc_ctx *c, mylc_schema *s, mylc_stage *st, unsigned depth)
{
    if (st->mark == MYLC_MARK_DONE)
        return false;
    if (st->mark == MYLC_MARK_ON_PATH) {
        ERR(c, s, st->off, "stage '%.*s' depends on itself through 'after'", S(st->name));
        return true;
    }
    st->mark = MYLC_MARK_ON_PATH;
    for (uint32_t i = 0; i < st->nafter && depth < 300; i++)
        if (stage_cycle(c, s, st->after[i], depth + 1))
            return true;
    st->mark = MYLC_MARK_DONE;
    return false;
}

#define MAX_STAGES 256

static void check_pipeline(mylc_ctx *c, mylc_schema *s, mylc_decl *d)
{
    mylc_prop *input = NULL;
    mylc_stage **tail = &d->stages;
    unsigned nstages = 0;
    for (mylc_prop *p = d->props; p && !c->stop; p = p->next) {
        if (p->route) {
            ERR(c, s, p->off, "routes ('a -> b : channel;') belong in a topology");
            continue;
        }
        if (mylc_str_eq(p->key, "input")) {
            if (input) {
                ERR(c, s, p->off, "a pipeline has one input");
                NOTE(c, s, input->off, "first given here");
                continue;
            }
            input = p;
            if (one_arg(c, s, p))
                d->input = channel_ref(c, s, p->args);
            continue;
        }
        if (!mylc_str_eq(p->key, "stage")) {
            static const char *const items[] = {"input", "stage", NULL};
            mylc_suggest sg;
            ERR(c, s, p->off, "unknown pipeline item '%.*s' (expected input or stage)%s", S(p->key),
                words_hint(&sg, p->key, items));
            continue;
        }
        mylc_value *v = p->args;
        if (!v || v->kind != MYLC_V_IDENT || stage_word(v->text)) {
            ERR(c, s, v ? v->off : p->off, "a stage needs a name ('stage NAME ...;')");
            continue;
        }
        if (++nstages > MAX_STAGES) {
            ERR(c, s, p->off, "at most %d stages per pipeline", MAX_STAGES);
            break;
        }
        mylc_stage *st = mylc_alloc(&c->arena, sizeof *st);
        st->name = v->text;
        st->off = v->off;
        check_member_name(c, s, v->text, v->off, "stage");
        for (mylc_stage *q = d->stages; q; q = q->next)
            if (mylc_str_same(q->name, st->name)) {
                ERR(c, s, v->off, "duplicate stage '%.*s'", S(st->name));
                NOTE(c, s, q->off, "first defined here");
            }
        *tail = st;
        tail = &st->next;
    }
    /* Second pass: options, now that every stage is known. */
    mylc_stage *st = d->stages;
    for (mylc_prop *p = d->props; p && st && !c->stop; p = p->next) {
        if (p->route || !mylc_str_eq(p->key, "stage") || !p->args ||
            !mylc_str_same(p->args->text, st->name) || p->args->off != st->off)
            continue;
        uint32_t nafter = 0;
        for (mylc_value *v = p->args->next; v; v = v->next)
            nafter++;
        st->after = mylc_alloc(&c->arena, sizeof *st->after * (nafter + 1));
        for (mylc_value *v = p->args->next; v;) {
            if (v->kind == MYLC_V_IDENT && mylc_str_eq(v->text, "durable")) {
                st->durable = true;
            } else if (v->kind == MYLC_V_IDENT && mylc_str_eq(v->text, "fsync")) {
                st->fsync = true;
                if (!st->durable)
                    ERR(c, s, v->off, "'fsync' needs 'durable' before it");
            } else if (v->kind == MYLC_V_IDENT && mylc_str_eq(v->text, "batch")) {
                st->batch = true;
            } else if (v->kind == MYLC_V_IDENT && mylc_str_eq(v->text, "after")) {
                mylc_value *a = v->next;
                if (!a || a->kind != MYLC_V_IDENT || stage_word(a->text))
                    ERR(c, s, v->off, "'after' needs one or more stage names");
                while (a && a->kind == MYLC_V_IDENT && !stage_word(a->text)) {
                    mylc_stage *dep = NULL;
                    for (mylc_stage *q = d->stages; q; q = q->next)
                        if (mylc_str_same(q->name, a->text))
                            dep = q;
                    if (!dep) {
                        mylc_suggest sg;
                        mylc_suggest_init(&sg, a->text.p, a->text.n);
                        for (mylc_stage *q = d->stages; q; q = q->next)
                            if (q != st)
                                mylc_suggest_add(&sg, q->name.p, q->name.n);
                        ERR(c, s, a->off, "unknown stage '%.*s'%s", S(a->text),
                            mylc_suggest_hint(&sg));
                    } else
                        st->after[st->nafter++] = dep;
                    v = a;
                    a = a->next;
                }
            } else if (v->kind == MYLC_V_IDENT && mylc_str_eq(v->text, "output")) {
                if (st->output)
                    ERR(c, s, v->off, "a stage has one output");
                st->output = channel_ref(c, s, v->next);
                if (v->next)
                    v = v->next;
            } else {
                static const char *const opts[] = {"durable", "fsync",  "batch",
                                                   "after",   "output", NULL};
                mylc_suggest sg;
                const char *hint = v->kind == MYLC_V_IDENT ? words_hint(&sg, v->text, opts) : "";
                ERR(c, s, v->off,
                    "unknown stage option '%.*s' (expected durable, fsync, batch, after or "
                    "output)%s",
                    (int)(v->text.n > 40 ? 40 : v->text.n), v->text.p, hint);
            }
            v = v->next;
        }
        st = st->next;
    }
    if (c->stop)
        return;
    for (st = d->stages; st; st = st->next)
        if (stage_cycle(c, s, st, 0))
            break;
    if (!input)
        ERR(c, s, d->off, "pipeline '%.*s' needs an 'input' channel", S(d->name));
    if (!d->stages)
        ERR(c, s, d->off, "pipeline '%.*s' has no stages", S(d->name));
}

/* ---- bridges (docs/myl.md, "Bridges") ---- */

static bool bridge_number(mylc_ctx *c, mylc_schema *s, mylc_prop *p, uint64_t lo, uint64_t hi,
                          uint64_t *out)
{
    uint64_t x;
    if (!one_arg(c, s, p) || !parse_uint(c, s, p->args, false, &x))
        return false;
    if (x < lo || x > hi) {
        ERR(c, s, p->args->off, "'%.*s' must be from %llu to %llu", S(p->key),
            (unsigned long long)lo, (unsigned long long)hi);
        return false;
    }
    *out = x;
    return true;
}

/* A ZeroMQ endpoint the library accepts: tcp://... or ipc://..., printable,
 * nothing to escape (it is emitted as a C string literal as written). */
static void bridge_endpoint(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_prop *p)
{
    if (!one_arg(c, s, p))
        return;
    mylc_value *v = p->args;
    if (v->kind != MYLC_V_STRING) {
        ERR(c, s, v->off, "'endpoint' takes a string (\"tcp://host:port\" or \"ipc:///path\")");
        return;
    }
    const char *t = v->text.p + 1;
    uint32_t n = v->text.n >= 2 ? v->text.n - 2 : 0;
    bool plain = n > 6 && n < 200;
    for (uint32_t i = 0; i < n && plain; i++)
        plain = t[i] > 0x20 && t[i] < 0x7f && t[i] != '"' && t[i] != '\\';
    if (!plain || (strncmp(t, "tcp://", 6) != 0 && strncmp(t, "ipc://", 6) != 0)) {
        ERR(c, s, v->off,
            "an endpoint is \"tcp://host:port\" or \"ipc:///path\" (printable, no spaces, "
            "quotes or backslashes, under 200 characters)");
        return;
    }
    d->bridge.endpoint = v->text;
}

static void check_bridge(mylc_ctx *c, mylc_schema *s, mylc_decl *d)
{
    mylc_bridge *b = &d->bridge;
    mylc_prop *chan = NULL, *dir = NULL, *endpoint = NULL, *topo = NULL;
    static const char *const keys[] = {"channel", "export",       "import",     "endpoint", "hwm",
                                       "batch",   "reconnect_ms", "timeout_ms", "topology", "role",
                                       NULL};
    /* <pkg>_<bridge>_run and _opts */
    mylc_name_reserve(c, d->cname, s->file, d->off, "bridge");
    for (mylc_prop *p = d->props; p && !c->stop; p = p->next) {
        if (p->route) {
            ERR(c, s, p->off, "routes ('a -> b : channel;') belong in a topology");
            continue;
        }
        if (dup_key(c, s, d, p))
            continue;
        if (mylc_str_eq(p->key, "channel")) {
            chan = p;
            if (one_arg(c, s, p))
                b->channel = channel_ref(c, s, p->args);
        } else if (mylc_str_eq(p->key, "export") || mylc_str_eq(p->key, "import")) {
            if (dir) {
                ERR(c, s, p->off, "a bridge either exports or imports its channel, not both");
                NOTE(c, s, dir->off, "'%.*s' is here", S(dir->key));
                continue;
            }
            dir = p;
            b->exporting = mylc_str_eq(p->key, "export");
            if (p->args)
                ERR(c, s, p->args->off, "'%.*s' takes no value", S(p->key));
        } else if (mylc_str_eq(p->key, "endpoint")) {
            endpoint = p;
            bridge_endpoint(c, s, d, p);
        } else if (mylc_str_eq(p->key, "hwm")) {
            bridge_number(c, s, p, 1, 1000000, &b->hwm);
        } else if (mylc_str_eq(p->key, "batch")) {
            bridge_number(c, s, p, 1, 65536, &b->batch);
        } else if (mylc_str_eq(p->key, "reconnect_ms")) {
            bridge_number(c, s, p, 1, 3600000, &b->reconnect_ms);
        } else if (mylc_str_eq(p->key, "timeout_ms")) {
            bridge_number(c, s, p, 1, 86400000, &b->timeout_ms);
        } else if (mylc_str_eq(p->key, "topology") || mylc_str_eq(p->key, "role")) {
            if (mylc_str_eq(p->key, "topology"))
                topo = p;
            (void)one_arg(c, s, p); /* resolved after the topologies are checked */
        } else {
            mylc_suggest sg;
            mylc_suggest_init(&sg, p->key.p, p->key.n);
            for (size_t i = 0; keys[i]; i++)
                mylc_suggest_add(&sg, keys[i], (uint32_t)strlen(keys[i]));
            ERR(c, s, p->off,
                "unknown bridge item '%.*s' (expected channel, export, import, endpoint, hwm, "
                "batch, reconnect_ms, timeout_ms, topology or role)%s",
                (int)(p->key.n > 40 ? 40 : p->key.n), p->key.p, mylc_suggest_hint(&sg));
        }
    }
    if (c->stop)
        return;
    if (topo) {
        /* A topology relay: the side (home or remote) is the host's. */
        if (chan || dir)
            ERR(c, s, (chan ? chan : dir)->off,
                "a bridge carries a channel (export or import) or relays a topology's role, "
                "not both");
        if (!endpoint)
            ERR(c, s, d->off, "bridge '%.*s' needs an 'endpoint'", S(d->name));
        b->channel = NULL;
        return;
    }
    if (!chan)
        ERR(c, s, d->off, "bridge '%.*s' needs a 'channel' (or a 'topology' and a 'role')",
            S(d->name));
    if (!dir)
        ERR(c, s, d->off, "bridge '%.*s' needs 'export' or 'import'", S(d->name));
    if (!endpoint)
        ERR(c, s, d->off, "bridge '%.*s' needs an 'endpoint'", S(d->name));
    const mylc_decl *x = b->channel;
    uint32_t at = chan && chan->args ? chan->args->off : d->off;
    if (x && x->schema != s) {
        ERR(c, s, at, "a bridge names a channel of its own schema ('%.*s' is imported)",
            S(x->name));
        b->channel = NULL;
    } else if (x && (x->chan.classes || x->chan.nlanes)) {
        /* one bridge carries one ring */
        ERR(c, s, at,
            "channel '%.*s' is a group of rings (%s): a bridge carries one ring ('frame N' or an "
            "event)",
            S(x->name), x->chan.classes ? "size classes" : "lanes");
        b->channel = NULL;
    }
}

/* A topology relay's topology and role, once the topologies are checked:
 * a topology of this schema, a role of it other than the owner, whose
 * routes to and from the other roles are direct or partitioned over one
 * ring (what libmyelon_bridge's relay carries). */
static void check_bridge_topology(mylc_ctx *c, mylc_schema *s, mylc_decl *d)
{
    mylc_prop *topo = NULL, *role = NULL;
    for (mylc_prop *p = d->props; p; p = p->next) {
        if (p->route)
            continue;
        if (mylc_str_eq(p->key, "topology"))
            topo = p;
        else if (mylc_str_eq(p->key, "role"))
            role = p;
    }
    if (!topo)
        return;
    if (!role) {
        ERR(c, s, d->off, "bridge '%.*s' relays a topology: it needs the remote 'role'",
            S(d->name));
        return;
    }
    mylc_value *tv = topo->args, *rv = role->args;
    if (!tv || !rv || tv->kind != MYLC_V_IDENT || rv->kind != MYLC_V_IDENT) {
        ERR(c, s, (tv && tv->kind != MYLC_V_IDENT) || !rv ? topo->off : role->off,
            "'topology' and 'role' take a name");
        return;
    }
    mylc_decl *t = mylc_lookup(c, s, tv->text, tv->off, false);
    if (!t) {
        ERR(c, s, tv->off, "unknown topology '%.*s'", S(tv->text));
        return;
    }
    if (t->kind != MYLC_D_TOPOLOGY || t->schema != s) {
        ERR(c, s, tv->off, "'%.*s' is %s, not a topology of this schema", S(tv->text),
            t->kind == MYLC_D_TOPOLOGY ? "an imported topology" : a_kind(t));
        return;
    }
    mylc_role *r = t->roles;
    while (r && !(r->name.n == rv->text.n && memcmp(r->name.p, rv->text.p, rv->text.n) == 0))
        r = r->next;
    if (!r) {
        ERR(c, s, rv->off, "topology '%.*s' has no role '%.*s'", S(t->name), S(rv->text));
        return;
    }
    if (r->index == 0) {
        ERR(c, s, rv->off,
            "role '%.*s' is the owner of topology '%.*s': the remote role is another one",
            S(r->name), S(t->name));
        return;
    }
    bool any = false;
    for (mylc_route *rt = t->routes; rt; rt = rt->next) {
        if (!rt->from || !rt->to || !rt->channel || !rt->name)
            continue; /* not resolved (the topology's errors say why) */
        if ((rt->from == r) == (rt->to == r))
            continue; /* not between the remote role and another */
        const mylc_decl *ch = rt->channel;
        if (ch->chan.classes || ch->chan.nlanes) {
            ERR(c, s, rv->off, "route %s is over %s: a relay carries routes of one ring per pair",
                rt->name, ch->chan.classes ? "size classes" : "lanes");
            return;
        }
        if (rt->shape != MYLC_RS_DIRECT && rt->shape != MYLC_RS_PARTITIONED) {
            ERR(c, s, rv->off,
                "route %s is %s: only direct and partitioned routes are relayed across hosts",
                rt->name, rt->shape == MYLC_RS_BROADCAST ? "broadcast" : "shared");
            return;
        }
        any = true;
    }
    if (!any) {
        ERR(c, s, rv->off, "role '%.*s' has no route to or from another role", S(r->name));
        return;
    }
    d->bridge.topology = t;
    d->bridge.role = r;
}

/* The C prefix of a package, namespace or file stem: every generated name
 * begins with it, so one that begins with '_', holds "__" (reserved in
 * C and C++) or is myelon's own ("myl": myl_ring would be the runtime's
 * type) is refused once, where it was set. */
static void check_prefix(mylc_ctx *c, mylc_schema *s, const char *prefix, uint32_t off,
                         bool from_stem)
{
    const char *why = prefix[0] == '_'       ? "begins with '_'"
                      : strstr(prefix, "__") ? "contains '__'"
                      : (prefix[0] | 0x20) == 'm' && (prefix[1] | 0x20) == 'y' &&
                              (prefix[2] | 0x20) == 'l' && prefix[3] == 0
                          ? "is myelon's own"
                          : NULL;
    if (!why)
        return;
    if (from_stem)
        ERR(c, s, off,
            "the C prefix '%s' (from the file's name) %s: give the schema a package "
            "('package name;')",
            prefix, why);
    else
        ERR(c, s, off, "the C prefix '%s' of this package %s", prefix, why);
}

void mylc_check(mylc_ctx *c, mylc_schema *s)
{
    check_prefix(c, s, s->prefix, s->has_package ? s->package_off : 0, !s->has_package);
    const char *seen = s->prefix;
    for (mylc_decl *d = s->decls; d; d = d->next) {
        const char *p = mylc_decl_prefix(d);
        if (p != seen && strcmp(p, seen) != 0) { /* a .fbs namespace of its own */
            check_prefix(c, s, p, d->off, false);
            seen = p;
        }
        d->cname = mylc_name_join(c, p, mylc_strdup(&c->arena, d->name.p, d->name.n));
    }
    for (mylc_decl *d = s->decls; d && !c->stop; d = d->next) {
        check_decl_name(c, s, d);
        switch (d->kind) {
        case MYLC_D_ENUM:
            check_enum(c, s, d);
            break;
        case MYLC_D_EVENT:
        case MYLC_D_STRUCT:
        case MYLC_D_TABLE:
            check_record(c, s, d);
            break;
        case MYLC_D_UNION:
            check_union(c, s, d);
            break;
        case MYLC_D_CHANNEL:
            check_channel(c, s, d);
            break;
        case MYLC_D_TOPOLOGY:
            break; /* below: routes need their channels checked */
        case MYLC_D_PIPELINE:
            check_pipeline(c, s, d);
            break;
        case MYLC_D_BRIDGE:
            break; /* below: the channel must be checked first */
        }
    }
    for (mylc_decl *d = s->decls; d && !c->stop; d = d->next)
        if (d->kind == MYLC_D_BRIDGE)
            check_bridge(c, s, d);
    for (mylc_decl *d = s->decls; d && !c->stop; d = d->next)
        if (d->kind == MYLC_D_TOPOLOGY)
            check_topology(c, s, d);
    for (mylc_decl *d = s->decls; d && !c->stop; d = d->next)
        if (d->kind == MYLC_D_BRIDGE)
            check_bridge_topology(c, s, d);
    /* Pipelines' emission needs their channels checked (emit_pipe.c). */
    for (mylc_decl *d = s->decls; d && !c->stop; d = d->next)
        if (d->kind == MYLC_D_PIPELINE)
            mylc_check_pipeline_emit(c, s, d);
    for (mylc_decl *d = s->decls; d && !c->stop; d = d->next)
        if (d->kind == MYLC_D_TABLE || d->kind == MYLC_D_STRUCT)
            check_enum_zero(c, s, d);
    /* .fbs files that include each other: their headers declare their
     * enums and structs in a first step, in no order between the files
     * (emit_c.c), so a struct cannot use one from across the cycle */
    for (mylc_decl *d = s->decls; d && !c->stop; d = d->next)
        for (mylc_field *f = d->kind == MYLC_D_STRUCT ? d->fields : NULL; f; f = f->next) {
            mylc_decl *x = f->type.base == MYLC_T_NAMED ? f->type.decl : NULL;
            if (x && x->schema != s && mylc_in_cycle(s, x->schema))
                ERR(c, s, f->type.off,
                    "a struct's field cannot be of %s '%s.%.*s', from a file that includes this "
                    "one back (an include cycle): declare it in a file outside the cycle",
                    mylc_kind_name(x->kind), mylc_decl_pkg(x), S(x->name));
        }
    mylc_decl *path[MYLC_MAX_NESTING];
    for (mylc_decl *d = s->decls; d && !c->stop; d = d->next)
        if ((d->kind == MYLC_D_EVENT || d->kind == MYLC_D_STRUCT) && d->mark == MYLC_MARK_NEW)
            nest_walk(c, d, path, 0);
}
