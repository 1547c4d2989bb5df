/* Schema descriptions: the decoder (hostile input) and the evolution rules
 * (docs/myl.md §8.1). Compiled into libmyelon and into myelonc, which
 * writes the descriptions (gen/describe.c) and compares whole schemas with
 * myl_schema_compare (--check-compat). Byte layout: docs/ARCHITECTURE.md,
 * "Schema description".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "myelon/compat.h"
#include "myelon/error.h"

typedef struct sref {
    uint8_t shape, base;
    uint32_t idx;   /* NAMED: a type index */
    uint32_t count; /* ARRAY: N */
} sref;

/* A field, an enum value or a union member. */
typedef struct sitem {
    const char *name;
    uint8_t nlen;
    uint8_t flags;   /* tables: MYL_SF_* */
    uint16_t id;     /* tables */
    uint16_t align;  /* events, structs: explicit alignment */
    uint32_t offset; /* events, structs */
    uint64_t value;  /* enums */
    sref t;          /* fields; union members: NAMED, idx */
    const char *dflt;
    uint8_t dlen;
} sitem;

typedef struct stype {
    uint8_t kind, under;
    const char *name;
    uint8_t nlen;
    uint16_t align;
    uint32_t size;
    uint32_t first, n; /* items */
} stype;

struct myl_schema {
    uint8_t *buf;
    size_t len;
    uint8_t codec, compat, nlanes, nframes;
    uint32_t max_message;
    uint32_t frames[16];
    uint32_t ntypes, root;
    stype *types;
    sitem *items;
    uint32_t nitems, capitems;
};

/* ---- decoding ---- */

typedef struct rd {
    const uint8_t *p;
    size_t n, pos;
    bool bad;
    bool nomem; /* bad because an allocation failed, not the bytes */
    char *why;
    size_t cap;
} rd;

static void vbad(rd *r, const char *fmt, va_list ap)
{
    if (r->bad)
        return;
    r->bad = true;
    if (!r->why || !r->cap)
        return;
    int k = snprintf(r->why, r->cap, "schema description, byte %zu: ", r->pos);
    if (k < 0 || (size_t)k >= r->cap)
        return;
    vsnprintf(r->why + k, r->cap - (size_t)k, fmt, ap);
}

static void bad(rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bad(rd *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vbad(r, fmt, ap);
    va_end(ap);
}

static const uint8_t *take(rd *r, size_t k)
{
    if (r->bad)
        return NULL;
    if (k > r->n - r->pos) {
        bad(r, "truncated");
        return NULL;
    }
    const uint8_t *p = r->p + r->pos;
    r->pos += k;
    return p;
}

static uint8_t u8(rd *r)
{
    const uint8_t *p = take(r, 1);
    return p ? p[0] : 0;
}

static uint16_t u16(rd *r)
{
    const uint8_t *p = take(r, 2);
    return p ? (uint16_t)(p[0] | p[1] << 8) : 0;
}

static uint32_t u32(rd *r)
{
    const uint8_t *p = take(r, 4);
    return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
             : 0;
}

static uint64_t u64(rd *r)
{
    uint64_t lo = u32(r);
    return lo | (uint64_t)u32(r) << 32;
}

static const char *str(rd *r, uint8_t *len)
{
    *len = u8(r);
    const uint8_t *p = take(r, *len);
    return p ? (const char *)p : "";
}

static sitem *new_item(myl_schema *s, rd *r)
{
    if (r->bad)
        return NULL;
    if (s->nitems == s->capitems) {
        uint32_t cap = s->capitems ? s->capitems * 2 : 64;
        sitem *ni = realloc(s->items, sizeof *ni * (size_t)cap);
        if (!ni) {
            r->bad = r->nomem = true;
            return NULL;
        }
        s->items = ni;
        s->capitems = cap;
    }
    sitem *it = &s->items[s->nitems++];
    memset(it, 0, sizeof *it);
    return it;
}

static void ref(rd *r, sref *t)
{
    t->shape = u8(r);
    t->base = u8(r);
    if (t->shape > MYL_SS_VECTOR || t->base > MYL_SB_NAMED || t->base == MYL_SB_NONE)
        bad(r, "bad field type");
    if (t->base == MYL_SB_NAMED)
        t->idx = u16(r);
    if (t->shape == MYL_SS_ARRAY)
        t->count = u32(r);
}

int myl_schema_decode(const void *buf, size_t len, myl_schema **out, char *why, size_t why_cap)
{
    if (why && why_cap)
        why[0] = 0;
    if (!out)
        return MYL_EINVAL;
    *out = NULL;
    myl_schema *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    rd r = {.why = why, .cap = why_cap};
    if (!buf || len > MYL_SCHEMA_MAX) {
        bad(&r, "missing or longer than %u bytes", MYL_SCHEMA_MAX);
        goto fail;
    }
    /* A private copy: the shared one may change while it is read. */
    s->buf = malloc(len ? len : 1);
    if (!s->buf) {
        free(s);
        return -ENOMEM;
    }
    memcpy(s->buf, buf, len);
    s->len = len;
    r.p = s->buf;
    r.n = len;
    uint8_t version = 0;
    if (u32(&r) != MYL_SCHEMA_MAGIC || (version = u8(&r)) < 1 || version > MYL_SCHEMA_VERSION) {
        bad(&r, "bad magic or version");
        goto fail;
    }
    s->codec = u8(&r);
    s->compat = u8(&r);
    s->nlanes = u8(&r);
    s->max_message = u32(&r);
    s->nframes = u8(&r);
    (void)u8(&r);
    s->ntypes = u16(&r);
    s->root = u16(&r);
    if (s->compat > MYL_COMPAT_EVOLVE || s->nframes > 16 || s->codec > 2)
        bad(&r, "bad channel properties");
    for (uint32_t i = 0; i < s->nframes && !r.bad; i++)
        s->frames[i] = u32(&r);
    if (s->root == 0xffff)
        s->root = MYL_SCHEMA_NO_TYPE;
    else if (s->root >= s->ntypes)
        bad(&r, "root type %u out of range", s->root);
    /* Each type takes at least 3 bytes: the count is bounded by the rest. */
    if (!r.bad && s->ntypes > (r.n - r.pos) / 3)
        bad(&r, "%u types do not fit", s->ntypes);
    if (r.bad)
        goto fail;
    s->types = calloc(s->ntypes ? s->ntypes : 1, sizeof *s->types);
    if (!s->types)
        goto nomem;
    for (uint32_t i = 0; i < s->ntypes && !r.bad; i++) {
        stype *t = &s->types[i];
        t->kind = u8(&r);
        t->name = str(&r, &t->nlen);
        if (!r.bad && (t->kind < MYL_SK_ENUM || t->kind > MYL_SK_UNION || t->nlen == 0))
            bad(&r, "bad type kind or name");
        t->first = s->nitems;
        uint32_t n = 0;
        switch (t->kind) {
        case MYL_SK_ENUM:
            t->under = u8(&r);
            if (t->under < 1 || t->under > 8)
                bad(&r, "bad enum type");
            n = u16(&r);
            for (uint32_t k = 0; k < n && !r.bad; k++) {
                sitem *it = new_item(s, &r);
                if (!it)
                    break;
                it->name = str(&r, &it->nlen);
                it->value = u64(&r);
                if (k && it->value <= s->items[s->nitems - 2].value)
                    bad(&r, "enum values not increasing");
            }
            break;
        case MYL_SK_EVENT:
        case MYL_SK_STRUCT:
            t->size = u32(&r);
            t->align = u16(&r);
            n = u16(&r);
            for (uint32_t k = 0; k < n && !r.bad; k++) {
                sitem *it = new_item(s, &r);
                if (!it)
                    break;
                it->name = str(&r, &it->nlen);
                it->offset = u32(&r);
                it->align = u16(&r);
                ref(&r, &it->t);
            }
            break;
        case MYL_SK_TABLE:
            n = u16(&r);
            for (uint32_t k = 0; k < n && !r.bad; k++) {
                sitem *it = new_item(s, &r);
                if (!it)
                    break;
                it->name = str(&r, &it->nlen);
                it->id = u16(&r);
                it->flags = u8(&r);
                ref(&r, &it->t);
                it->dflt = str(&r, &it->dlen);
                if (k && it->id <= s->items[s->nitems - 2].id)
                    bad(&r, "field ids not increasing");
            }
            break;
        case MYL_SK_UNION: {
            /* Members: version 2, u8 type code (1..255, each once) and a
             * ref (a plain table or struct, or string); version 1, the
             * type index alone, codes 1, 2, ... in order. */
            uint8_t seen[32] = {0};
            n = u16(&r);
            for (uint32_t k = 0; k < n && !r.bad; k++) {
                sitem *it = new_item(s, &r);
                if (!it)
                    break;
                if (version == 1) {
                    it->value = k + 1u;
                    it->t.base = MYL_SB_NAMED;
                    it->t.idx = u16(&r);
                } else {
                    it->value = u8(&r);
                    ref(&r, &it->t);
                    if (!r.bad && (it->t.shape != MYL_SS_PLAIN ||
                                   (it->t.base != MYL_SB_NAMED && it->t.base != MYL_SB_STRING)))
                        bad(&r, "bad union member type");
                }
                if (!r.bad && (it->value == 0 || it->value > 255 ||
                               (seen[it->value / 8] & (1u << (it->value % 8)))))
                    bad(&r, "union type code %u missing or repeated", (unsigned)it->value);
                else if (!r.bad)
                    seen[it->value / 8] |= (uint8_t)(1u << (it->value % 8));
            }
            break;
        }
        default:
            break;
        }
        t->n = s->nitems - t->first;
        if (!r.bad && t->n != n)
            goto nomem;
    }
    if (!r.bad && r.pos != r.n)
        bad(&r, "%zu bytes left over", r.n - r.pos);
    /* Every named reference within range. */
    for (uint32_t i = 0; i < s->nitems && !r.bad; i++)
        if (s->items[i].t.base == MYL_SB_NAMED && s->items[i].t.idx >= s->ntypes)
            bad(&r, "type index %u out of range", s->items[i].t.idx);
    if (r.bad) {
        if (r.nomem)
            goto nomem;
        goto fail;
    }
    *out = s;
    return 0;
nomem:
    myl_schema_free(s);
    return -ENOMEM;
fail:
    myl_schema_free(s);
    return MYL_ECORRUPT;
}

void myl_schema_free(myl_schema *s)
{
    if (!s)
        return;
    free(s->buf);
    free(s->types);
    free(s->items);
    free(s);
}

uint32_t myl_schema_type_count(const myl_schema *s)
{
    return s ? s->ntypes : 0;
}

uint32_t myl_schema_root(const myl_schema *s)
{
    return s ? s->root : MYL_SCHEMA_NO_TYPE;
}

uint32_t myl_schema_compat_mode(const myl_schema *s)
{
    return s ? s->compat : MYL_COMPAT_NONE;
}

uint32_t myl_schema_find(const myl_schema *s, const char *qname, size_t len)
{
    for (uint32_t i = 0; s && i < s->ntypes; i++)
        if (s->types[i].nlen == len && memcmp(s->types[i].name, qname, len) == 0)
            return i;
    return MYL_SCHEMA_NO_TYPE;
}

uint64_t myl_schema_hash(const void *buf, size_t len)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    const uint8_t *p = buf;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

/* ---- comparing ---- */

static const char *const base_names[] = {"?",    "u8",     "u16",   "u32",  "u64", "i8",
                                         "i16",  "i32",    "i64",   "f32",  "f64", "bool",
                                         "char", "string", "bytes", "named"};
static const char *const kind_names[] = {"?", "enum", "event", "struct", "table", "union"};

typedef struct pair {
    uint32_t o, n;
    bool strict; /* reached from an event: enums compare identity */
} pair;

typedef struct cmp {
    const myl_schema *o, *n;
    unsigned flags;
    myl_compat_fn fn;
    void *ud;
    int breaking;
    bool stop, nomem;
    uint32_t *seen; /* per new type: 1 + old type paired, 0 none */
    uint8_t *seen_strict;
    pair *work;
    size_t nwork, capwork;
} cmp;

static void vreport(cmp *c, bool breaking, uint32_t ot, uint32_t oi, uint32_t nt, uint32_t ni,
                    const char *fmt, va_list ap)
{
    if (c->stop)
        return;
    char msg[640];
    int k = 0;
    const stype *t = nt != MYL_SCHEMA_NO_TYPE   ? &c->n->types[nt]
                     : ot != MYL_SCHEMA_NO_TYPE ? &c->o->types[ot]
                                                : NULL;
    if (t)
        k = snprintf(msg, sizeof msg, "%s '%.*s': ", kind_names[t->kind], (int)t->nlen, t->name);
    if (k < 0 || (size_t)k >= sizeof msg)
        k = 0;
    vsnprintf(msg + k, sizeof msg - (size_t)k, fmt, ap);
    if (breaking)
        c->breaking++;
    myl_compat_diff d = {breaking, ot, nt, oi, ni, msg};
    if (c->fn && !c->fn(c->ud, &d))
        c->stop = true;
}

static void report(cmp *c, bool breaking, uint32_t ot, uint32_t oi, uint32_t nt, uint32_t ni,
                   const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static void report(cmp *c, bool breaking, uint32_t ot, uint32_t oi, uint32_t nt, uint32_t ni,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(c, breaking, ot, oi, nt, ni, fmt, ap);
    va_end(ap);
}

static void fmt_ref(const myl_schema *s, const sref *r, char *out, size_t cap)
{
    char inner[300];
    if (r->base == MYL_SB_NAMED) {
        const stype *t = &s->types[r->idx];
        snprintf(inner, sizeof inner, "%s %.*s", kind_names[t->kind], (int)t->nlen, t->name);
    } else {
        snprintf(inner, sizeof inner, "%s", base_names[r->base]);
    }
    if (r->shape == MYL_SS_VECTOR)
        snprintf(out, cap, "[%s]", inner);
    else if (r->shape == MYL_SS_ARRAY)
        snprintf(out, cap, "%s[%u]", inner, r->count);
    else
        snprintf(out, cap, "%s", inner);
}

static void push(cmp *c, uint32_t o, uint32_t n, bool strict)
{
    if (c->seen[n] == o + 1 && c->seen_strict[n] >= strict)
        return;
    if (c->seen[n] && c->seen[n] != o + 1)
        return; /* paired already (names are unique in a valid description) */
    c->seen[n] = o + 1;
    c->seen_strict[n] = strict;
    if (c->nwork == c->capwork) {
        size_t cap = c->capwork ? c->capwork * 2 : 32;
        pair *w = realloc(c->work, sizeof *w * cap);
        if (!w) {
            c->nomem = c->stop = true;
            return;
        }
        c->work = w;
        c->capwork = cap;
    }
    c->work[c->nwork++] = (pair){o, n, strict};
}

static bool same_str(const char *a, uint8_t an, const char *b, uint8_t bn)
{
    return an == bn && memcmp(a, b, an) == 0;
}

static bool same_name(const stype *a, const stype *b)
{
    return same_str(a->name, a->nlen, b->name, b->nlen);
}

/* Whether two field types are the same; pushes the pair of named types
 * they refer to. */
static bool same_ref(cmp *c, const sref *a, const sref *b, bool strict)
{
    if (a->shape != b->shape || a->base != b->base || a->count != b->count)
        return false;
    if (a->base != MYL_SB_NAMED)
        return true;
    const stype *x = &c->o->types[a->idx], *y = &c->n->types[b->idx];
    if (x->kind != y->kind || !same_name(x, y))
        return false;
    push(c, a->idx, b->idx, strict);
    return true;
}

#define ITEM(s, t, k) (&(s)->items[(s)->types[t].first + (k)])
#define NM(it) (int)(it)->nlen, (it)->name

static void cmp_enum(cmp *c, uint32_t ot, uint32_t nt, bool strict)
{
    const stype *a = &c->o->types[ot], *b = &c->n->types[nt];
    if (a->under != b->under) {
        report(c, true, ot, MYL_SCHEMA_NO_TYPE, nt, MYL_SCHEMA_NO_TYPE,
               "underlying type changed from %s to %s", base_names[a->under], base_names[b->under]);
        return;
    }
    bool dir = c->flags & MYL_COMPAT_DIRECTED;
    const char *why = strict ? "; the enum is part of an event, which is layout-fixed and "
                               "compared for identity"
                             : "";
    uint32_t i = 0, j = 0, only_o = 0, only_n = 0;
    while ((i < a->n || j < b->n) && !c->stop) {
        const sitem *x = i < a->n ? ITEM(c->o, ot, i) : NULL;
        const sitem *y = j < b->n ? ITEM(c->n, nt, j) : NULL;
        if (x && y && x->value == y->value) {
            if (!same_str(x->name, x->nlen, y->name, y->nlen))
                report(c, false, ot, i, nt, j, "value %lld renamed from '%.*s' to '%.*s'",
                       (long long)y->value, NM(x), NM(y));
            i++, j++;
        } else if (y && (!x || y->value < x->value)) {
            /* The same name with another value? */
            uint32_t k;
            for (k = 0; k < a->n; k++) {
                const sitem *z = ITEM(c->o, ot, k);
                if (same_str(z->name, z->nlen, y->name, y->nlen))
                    break;
            }
            if (k < a->n)
                report(c, true, ot, k, nt, j, "value '%.*s' changed from %lld to %lld", NM(y),
                       (long long)ITEM(c->o, ot, k)->value, (long long)y->value);
            else
                report(c, strict, ot, MYL_SCHEMA_NO_TYPE, nt, j, "value '%.*s' = %lld added%s",
                       NM(y), (long long)y->value, why);
            only_n++;
            j++;
        } else if (x) {
            uint32_t k;
            for (k = 0; k < b->n; k++) {
                const sitem *z = ITEM(c->n, nt, k);
                if (same_str(z->name, z->nlen, x->name, x->nlen))
                    break;
            }
            if (k == b->n)
                report(c, strict || dir, ot, i, nt, MYL_SCHEMA_NO_TYPE,
                       "value '%.*s' = %lld removed%s", NM(x), (long long)x->value,
                       strict ? why
                       : dir  ? "; writers built from OLD still write it"
                              : "");
            only_o++;
            i++;
        } else {
            break; /* not reached: x or y is there */
        }
    }
    if (!dir && !strict && only_o && only_n)
        report(c, true, ot, MYL_SCHEMA_NO_TYPE, nt, MYL_SCHEMA_NO_TYPE,
               "each side has values the other lacks");
}

static void cmp_record(cmp *c, uint32_t ot, uint32_t nt, bool strict)
{
    const stype *a = &c->o->types[ot], *b = &c->n->types[nt];
    bool ev = b->kind == MYL_SK_EVENT;
    int before = c->breaking;
    uint32_t n = a->n < b->n ? a->n : b->n;
    for (uint32_t k = 0; k < n && !c->stop; k++) {
        const sitem *x = ITEM(c->o, ot, k), *y = ITEM(c->n, nt, k);
        char tx[320], ty[320];
        if (!same_ref(c, &x->t, &y->t, strict || ev)) {
            fmt_ref(c->o, &x->t, tx, sizeof tx);
            fmt_ref(c->n, &y->t, ty, sizeof ty);
            report(c, true, ot, k, nt, k,
                   "field '%.*s' changed type from %s to %s; the layout is fixed", NM(y), tx, ty);
        } else if (x->offset != y->offset) {
            report(c, true, ot, k, nt, k, "field '%.*s' moved from offset %u to %u", NM(y),
                   x->offset, y->offset);
        } else if (x->align != y->align) {
            report(c, true, ot, k, nt, k, "field '%.*s' changed its alignment from %s%u to %s%u",
                   NM(y), x->align ? "" : "natural ", x->align ? x->align : 0u,
                   y->align ? "" : "natural ", y->align ? y->align : 0u);
        }
        if (!same_str(x->name, x->nlen, y->name, y->nlen))
            report(c, false, ot, k, nt, k, "field '%.*s' renamed to '%.*s'", NM(x), NM(y));
    }
    for (uint32_t k = n; k < b->n && !c->stop; k++)
        report(c, true, ot, MYL_SCHEMA_NO_TYPE, nt, k, "field '%.*s' added; the layout is fixed",
               NM(ITEM(c->n, nt, k)));
    for (uint32_t k = n; k < a->n && !c->stop; k++)
        report(c, true, ot, k, nt, MYL_SCHEMA_NO_TYPE, "field '%.*s' removed; the layout is fixed",
               NM(ITEM(c->o, ot, k)));
    if (c->breaking == before && (a->size != b->size || a->align != b->align))
        report(c, true, ot, MYL_SCHEMA_NO_TYPE, nt, MYL_SCHEMA_NO_TYPE,
               "size or alignment changed from %u/%u to %u/%u", a->size, a->align, b->size,
               b->align);
}

static void cmp_table(cmp *c, uint32_t ot, uint32_t nt)
{
    const stype *a = &c->o->types[ot], *b = &c->n->types[nt];
    bool dir = c->flags & MYL_COMPAT_DIRECTED;
    uint32_t i = 0, j = 0;
    while ((i < a->n || j < b->n) && !c->stop) {
        const sitem *x = i < a->n ? ITEM(c->o, ot, i) : NULL;
        const sitem *y = j < b->n ? ITEM(c->n, nt, j) : NULL;
        if (x && y && x->id == y->id) {
            char tx[320], ty[320];
            if (!same_ref(c, &x->t, &y->t, false)) {
                fmt_ref(c->o, &x->t, tx, sizeof tx);
                fmt_ref(c->n, &y->t, ty, sizeof ty);
                report(c, true, ot, i, nt, j,
                       "field '%.*s' (id %u) changed type from %s to %s; %s read garbage", NM(y),
                       y->id, tx, ty,
                       dir ? "readers built from OLD" : "readers built from the other version");
            } else if (!same_str(x->dflt, x->dlen, y->dflt, y->dlen)) {
                report(c, true, ot, i, nt, j,
                       "field '%.*s' (id %u) changed default from %.*s to %.*s; writers omit a "
                       "value equal to their default, so the other side reads another value",
                       NM(y), y->id, (int)x->dlen, x->dflt, (int)y->dlen, y->dflt);
            }
            if ((x->flags ^ y->flags) & MYL_SF_REQUIRED)
                report(c, true, ot, i, nt, j,
                       "field '%.*s' (id %u) %s required; buffers without it are rejected by "
                       "one side",
                       NM(y), y->id, y->flags & MYL_SF_REQUIRED ? "became" : "is no longer");
            if ((x->flags ^ y->flags) & MYL_SF_DEPRECATED)
                report(c, false, ot, i, nt, j, "field '%.*s' (id %u) %s", NM(y), y->id,
                       y->flags & MYL_SF_DEPRECATED ? "deprecated" : "no longer deprecated");
            if (!same_str(x->name, x->nlen, y->name, y->nlen))
                report(c, false, ot, i, nt, j, "field '%.*s' (id %u) renamed to '%.*s'", NM(x),
                       y->id, NM(y));
            i++, j++;
        } else if (y && (!x || y->id < x->id)) {
            if (y->flags & MYL_SF_REQUIRED)
                report(c, true, ot, MYL_SCHEMA_NO_TYPE, nt, j,
                       "required field '%.*s' (id %u) added; buffers from OLD writers lack it",
                       NM(y), y->id);
            else
                report(c, false, ot, MYL_SCHEMA_NO_TYPE, nt, j, "field '%.*s' (id %u) added", NM(y),
                       y->id);
            j++;
        } else if (x) {
            if (dir)
                report(c, true, ot, i, nt, MYL_SCHEMA_NO_TYPE,
                       "field '%.*s' (id %u) removed; deprecate it instead (OLD writers still "
                       "write it, and its id must not be reused)",
                       NM(x), x->id);
            else if (x->flags & MYL_SF_REQUIRED)
                report(c, true, ot, i, nt, MYL_SCHEMA_NO_TYPE,
                       "required field '%.*s' (id %u) is absent on the other side", NM(x), x->id);
            else
                report(c, false, ot, i, nt, MYL_SCHEMA_NO_TYPE,
                       "field '%.*s' (id %u) absent on the other side", NM(x), x->id);
            i++;
        } else {
            break; /* not reached: x or y is there */
        }
    }
}

/* A union member's type, for a message: its type's name, or "string". */
static const char *member_type(const myl_schema *s, const sitem *x, int *len)
{
    if (x->t.base != MYL_SB_NAMED) {
        *len = 6;
        return "string";
    }
    *len = s->types[x->t.idx].nlen;
    return s->types[x->t.idx].name;
}

/* Whether two members name the same type (kind and name, or both string),
 * without comparing the types themselves. */
static bool same_member_type(const cmp *c, const sitem *x, const sitem *y)
{
    if (x->t.base != y->t.base)
        return false;
    if (x->t.base != MYL_SB_NAMED)
        return true;
    const stype *p = &c->o->types[x->t.idx], *q = &c->n->types[y->t.idx];
    return p->kind == q->kind && same_name(p, q);
}

/* Members are matched by type code (what the wire carries), not by
 * place: a code whose type changed breaks, and so does a type that moved
 * to another code (each side's writers send it under a code the other
 * does not read as that type); one added is compatible, one removed
 * breaks a directed comparison (old writers still use it). */
static void cmp_union(cmp *c, uint32_t ot, uint32_t nt)
{
    const stype *a = &c->o->types[ot], *b = &c->n->types[nt];
    bool dir = c->flags & MYL_COMPAT_DIRECTED;
    uint32_t in_b[256], in_a[256]; /* item of each code, UINT32_MAX: none */
    memset(in_b, 0xff, sizeof in_b);
    memset(in_a, 0xff, sizeof in_a);
    for (uint32_t k = 0; k < b->n; k++)
        in_b[ITEM(c->n, nt, k)->value & 0xff] = k; /* codes 1..255, checked by decode */
    for (uint32_t k = 0; k < a->n; k++)
        in_a[ITEM(c->o, ot, k)->value & 0xff] = k;
    for (uint32_t k = 0; k < a->n && !c->stop; k++) {
        const sitem *x = ITEM(c->o, ot, k);
        uint32_t j = in_b[x->value & 0xff];
        int xl, yl;
        const char *xn = member_type(c->o, x, &xl);
        uint32_t moved = UINT32_MAX; /* the same type under a code OLD lacks */
        for (uint32_t m = 0; j == UINT32_MAX && m < b->n && moved == UINT32_MAX; m++) {
            const sitem *y = ITEM(c->n, nt, m);
            if (in_a[y->value & 0xff] == UINT32_MAX && same_member_type(c, x, y))
                moved = m;
        }
        if (moved != UINT32_MAX) {
            const sitem *y = ITEM(c->n, nt, moved);
            in_a[y->value & 0xff] = k; /* reported here, not as added */
            report(c, true, ot, k, nt, moved, "member %.*s moved from type code %u to %u", xl, xn,
                   (unsigned)x->value, (unsigned)y->value);
            continue;
        }
        if (j == UINT32_MAX) {
            report(c, dir, ot, k, nt, MYL_SCHEMA_NO_TYPE, "member %.*s (%u) %s", xl, xn,
                   (unsigned)x->value,
                   dir ? "removed; writers built from OLD still use its type code"
                       : "absent on the other side");
            continue;
        }
        const sitem *y = ITEM(c->n, nt, j);
        if (!same_ref(c, &x->t, &y->t, false)) {
            const char *yn = member_type(c->n, y, &yl);
            report(c, true, ot, k, nt, j, "type code %u changed from %.*s to %.*s",
                   (unsigned)x->value, xl, xn, yl, yn);
        }
    }
    for (uint32_t k = 0; k < b->n && !c->stop; k++) {
        const sitem *y = ITEM(c->n, nt, k);
        if (in_a[y->value & 0xff] != UINT32_MAX)
            continue;
        int yl;
        const char *yn = member_type(c->n, y, &yl);
        report(c, false, ot, MYL_SCHEMA_NO_TYPE, nt, k, "member %.*s (%u) added", yl, yn,
               (unsigned)y->value);
    }
}

static void cmp_pair(cmp *c, pair p)
{
    const stype *a = &c->o->types[p.o], *b = &c->n->types[p.n];
    if (a->kind != b->kind || !same_name(a, b)) {
        report(c, true, p.o, MYL_SCHEMA_NO_TYPE, p.n, MYL_SCHEMA_NO_TYPE,
               "was %s '%.*s' (types are matched by qualified name and kind)", kind_names[a->kind],
               (int)a->nlen, a->name);
        return;
    }
    switch (b->kind) {
    case MYL_SK_ENUM:
        cmp_enum(c, p.o, p.n, p.strict);
        break;
    case MYL_SK_EVENT:
    case MYL_SK_STRUCT:
        cmp_record(c, p.o, p.n, p.strict);
        break;
    case MYL_SK_TABLE:
        cmp_table(c, p.o, p.n);
        break;
    default:
        cmp_union(c, p.o, p.n);
        break;
    }
}

static void cmp_channel(cmp *c)
{
    const myl_schema *a = c->o, *b = c->n;
    const uint32_t X = MYL_SCHEMA_NO_TYPE;
    static const char *const codecs[] = {"raw", "compact", "flatbuffers"};
    if (a->codec != b->codec)
        report(c, true, X, X, X, X, "channel: codec changed from %s to %s", codecs[a->codec],
               codecs[b->codec]);
    bool fr = a->nframes != b->nframes;
    for (uint32_t i = 0; i < a->nframes && !fr; i++)
        fr = a->frames[i] != b->frames[i];
    if (fr)
        report(c, true, X, X, X, X, "channel: frame sizes changed");
    if (a->nlanes != b->nlanes)
        report(c, true, X, X, X, X, "channel: lanes changed from %u to %u", a->nlanes, b->nlanes);
    if (a->max_message != b->max_message)
        report(c, true, X, X, X, X, "channel: max_message changed from %u to %u", a->max_message,
               b->max_message);
    if ((a->root == X) != (b->root == X)) {
        report(c, true, X, X, X, X, "channel: one side carries bytes, the other a type");
    } else if (a->root != X) {
        const stype *x = &a->types[a->root], *y = &b->types[b->root];
        if (x->kind != y->kind || !same_name(x, y))
            report(c, true, X, X, X, X, "channel: carries %s '%.*s', was %s '%.*s'",
                   kind_names[y->kind], (int)y->nlen, y->name, kind_names[x->kind], (int)x->nlen,
                   x->name);
        else if (!(c->flags & MYL_COMPAT_NO_TYPES))
            push(c, a->root, b->root, false);
    }
}

int myl_schema_compare(const myl_schema *o, const myl_schema *n, const uint32_t *pairs,
                       size_t npairs, unsigned flags, myl_compat_fn fn, void *ud)
{
    if (!o || !n)
        return MYL_EINVAL;
    cmp c = {.o = o, .n = n, .flags = flags, .fn = fn, .ud = ud};
    c.seen = calloc(n->ntypes ? n->ntypes : 1, sizeof *c.seen);
    c.seen_strict = calloc(n->ntypes ? n->ntypes : 1, 1);
    if (!c.seen || !c.seen_strict) {
        free(c.seen);
        free(c.seen_strict);
        return -ENOMEM;
    }
    if (!pairs) {
        cmp_channel(&c);
    } else {
        for (size_t i = 0; i < npairs; i++)
            if (pairs[2 * i] < o->ntypes && pairs[2 * i + 1] < n->ntypes)
                push(&c, pairs[2 * i], pairs[2 * i + 1], false);
    }
    for (size_t i = 0; i < c.nwork && !c.stop; i++)
        cmp_pair(&c, c.work[i]);
    free(c.seen);
    free(c.seen_strict);
    free(c.work);
    return c.nomem ? -ENOMEM : c.breaking;
}

typedef struct first_reason {
    char *why;
    size_t cap;
} first_reason;

static bool stop_at_breaking(void *ud, const myl_compat_diff *d)
{
    first_reason *f = ud;
    if (!d->breaking)
        return true;
    if (f->why && f->cap)
        snprintf(f->why, f->cap, "%s", d->msg);
    return false;
}

int myl_schema_compat(const void *a, size_t alen, const void *b, size_t blen, char *why,
                      size_t why_cap)
{
    myl_schema *x = NULL, *y = NULL;
    int rc = myl_schema_decode(a, alen, &x, why, why_cap);
    if (rc == 0)
        rc = myl_schema_decode(b, blen, &y, why, why_cap);
    if (rc == 0) {
        first_reason f = {why, why_cap};
        if (why && why_cap)
            why[0] = 0;
        rc = myl_schema_compare(x, y, NULL, 0, 0, stop_at_breaking, &f);
        rc = rc > 0 ? MYL_EINCOMPAT : rc;
    }
    myl_schema_free(x);
    myl_schema_free(y);
    return rc;
}

#if defined(__STDC_NO_THREADS__) && !defined(__GNUC__)
static char last_reason[512];
#else
static _Thread_local char last_reason[512];
#endif

const char *myl_compat_last_reason(void)
{
    return last_reason;
}

/* Internal: the buffer attach writes its reason into (runtime only). */
char *myl__compat_reason_buf(size_t *cap);
char *myl__compat_reason_buf(size_t *cap)
{
    *cap = sizeof last_reason;
    return last_reason;
}
