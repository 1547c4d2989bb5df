/* Schema descriptions (myelon/compat.h): the bytes myelonc writes into a
 * channel's binding, which the creator of its ring stores in the segment,
 * and the descriptions of whole schemas --check-compat compares. The
 * decoder and the comparison are runtime/src/compat.c, compiled into both
 * myelonc and libmyelon. Byte layout: docs/ARCHITECTURE.md, "Schema
 * description".
 */
#include <stdlib.h>
#include <string.h>

#include "myelon/compat.h"
#include "mylc.h"

_Static_assert(MYLC_T_NAMED == MYL_SB_NAMED && MYLC_T_BOOL == MYL_SB_BOOL &&
                   MYLC_T_STRING == MYL_SB_STRING && MYLC_T_BYTES == MYL_SB_BYTES,
               "mylc_builtin numbers the description's base types");
_Static_assert(MYLC_CODEC_RAW == 0 && MYLC_CODEC_COMPACT == 1 && MYLC_CODEC_FLATBUFFERS == 2,
               "the description's codec numbers");

typedef struct desc {
    mylc_decl **types;
    uint32_t n, cap;
    bool too_big;
} desc;

static uint32_t index_of(desc *d, mylc_decl *x)
{
    for (uint32_t i = 0; i < d->n; i++)
        if (d->types[i] == x)
            return i;
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        mylc_decl **t = realloc(d->types, sizeof *t * d->cap);
        if (!t)
            abort();
        d->types = t;
    }
    d->types[d->n] = x;
    return d->n++;
}

static void put8(mylc_buf *b, unsigned v)
{
    mylc_buf_putc(b, (char)(v & 0xff));
}

static void put16(desc *d, mylc_buf *b, uint64_t v)
{
    if (v > 0xffff)
        d->too_big = true;
    put8(b, (unsigned)v);
    put8(b, (unsigned)(v >> 8));
}

static void put32(mylc_buf *b, uint64_t v)
{
    for (int i = 0; i < 4; i++)
        put8(b, (unsigned)(v >> 8 * i));
}

static void put64(mylc_buf *b, uint64_t v)
{
    put32(b, v);
    put32(b, v >> 32);
}

static void putstr(desc *d, mylc_buf *b, const char *p, size_t n)
{
    if (n > 255)
        d->too_big = true;
    n = n > 255 ? 255 : n;
    put8(b, (unsigned)n);
    mylc_buf_put(b, p, n);
}

static void qname(desc *d, mylc_buf *b, const mylc_decl *x)
{
    mylc_buf q = {0};
    mylc_buf_printf(&q, "%s.%.*s", mylc_decl_pkg(x), (int)x->name.n, x->name.p);
    putstr(d, b, q.p, q.n);
    mylc_buf_free(&q);
}

static void putref(desc *d, mylc_buf *b, const mylc_type *t)
{
    put8(b, t->shape == MYLC_SHAPE_ARRAY    ? MYL_SS_ARRAY
            : t->shape == MYLC_SHAPE_VECTOR ? MYL_SS_VECTOR
                                            : MYL_SS_PLAIN);
    put8(b, t->base);
    if (t->base == MYLC_T_NAMED)
        put16(d, b, index_of(d, t->decl));
    if (t->shape == MYLC_SHAPE_ARRAY)
        put32(b, t->count);
}

static int cmp_value(const void *a, const void *b)
{
    const mylc_enumval *x = *(mylc_enumval *const *)a, *y = *(mylc_enumval *const *)b;
    return x->u < y->u ? -1 : x->u > y->u;
}

static void put_type(desc *d, mylc_buf *b, mylc_decl *x)
{
    static const unsigned kinds[] = {
        [MYLC_D_ENUM] = MYL_SK_ENUM,     [MYLC_D_EVENT] = MYL_SK_EVENT,
        [MYLC_D_STRUCT] = MYL_SK_STRUCT, [MYLC_D_TABLE] = MYL_SK_TABLE,
        [MYLC_D_UNION] = MYL_SK_UNION,
    };
    put8(b, kinds[x->kind]);
    qname(d, b, x);
    uint32_t n = 0;
    switch (x->kind) {
    case MYLC_D_ENUM: {
        for (mylc_enumval *e = x->values; e; e = e->next)
            n++;
        mylc_enumval **v = malloc(sizeof *v * (n ? n : 1));
        if (!v)
            abort();
        n = 0;
        for (mylc_enumval *e = x->values; e; e = e->next)
            v[n++] = e;
        qsort(v, n, sizeof *v, cmp_value);
        put8(b, x->under.base);
        put16(d, b, n);
        for (uint32_t i = 0; i < n; i++) {
            putstr(d, b, v[i]->name.p, v[i]->name.n);
            put64(b, v[i]->u);
        }
        free(v);
        break;
    }
    case MYLC_D_EVENT:
    case MYLC_D_STRUCT:
        for (mylc_field *f = x->fields; f; f = f->next)
            n++;
        put32(b, x->size);
        put16(d, b, x->align);
        put16(d, b, n);
        for (mylc_field *f = x->fields; f; f = f->next) {
            putstr(d, b, f->name.p, f->name.n);
            put32(b, f->offset);
            put16(d, b, f->align);
            putref(d, b, &f->type);
        }
        break;
    case MYLC_D_TABLE:
        for (mylc_field *f = x->fields; f; f = f->next)
            n++;
        put16(d, b, n);
        /* by id: the order the comparison walks */
        for (uint32_t id = 0; id < x->nids; id++)
            for (mylc_field *f = x->fields; f; f = f->next) {
                if (f->id != id)
                    continue;
                putstr(d, b, f->name.p, f->name.n);
                put16(d, b, f->id);
                put8(b,
                     (f->required ? MYL_SF_REQUIRED : 0) | (f->deprecated ? MYL_SF_DEPRECATED : 0));
                putref(d, b, &f->type);
                mylc_buf dv = {0};
                mylc_canonical_default(f, &dv);
                putstr(d, b, dv.n ? dv.p + 1 : "", dv.n ? dv.n - 1 : 0); /* without '=' */
                mylc_buf_free(&dv);
            }
        break;
    default: /* union */
        for (mylc_value *m = x->members; m; m = m->next)
            n++;
        put16(d, b, n);
        /* each: its type code, then its type as a ref (a table or struct
         * of this description, or string) */
        for (mylc_value *m = x->members; m; m = m->next) {
            mylc_decl *t = mylc_lookup_from(NULL, x, m->text, m->off, false);
            put8(b, m->code);
            put8(b, MYL_SS_PLAIN);
            put8(b, t ? MYL_SB_NAMED : MYL_SB_STRING);
            if (t)
                put16(d, b, index_of(d, t));
        }
        break;
    }
}

/* The header, then every type from index 0 on (types reached are appended
 * to d as they are met, so the loop ends when none is new). */
static bool describe(desc *d, const mylc_channel *ch, mylc_buf *out)
{
    mylc_buf b = {0};
    put32(&b, MYL_SCHEMA_MAGIC);
    put8(&b, MYL_SCHEMA_VERSION);
    put8(&b, ch ? (unsigned)ch->codec : 0);
    put8(&b, ch ? ch->compat : MYL_COMPAT_NONE);
    put8(&b, ch ? ch->nlanes : 0);
    put32(&b, ch && ch->framed ? ch->max_message : 0);
    uint32_t nframes = ch && ch->framed ? ch->nframes : 0;
    put8(&b, nframes);
    put8(&b, 0);
    size_t ntypes_at = b.n;
    put16(d, &b, 0);
    put16(d, &b, d->n ? 0 : 0xffff);
    for (uint32_t i = 0; i < nframes; i++)
        put32(&b, ch->frames[i]);
    for (uint32_t i = 0; i < d->n; i++)
        put_type(d, &b, d->types[i]);
    if (d->n > 0xfffe || b.n > MYL_SCHEMA_MAX)
        d->too_big = true;
    b.p[ntypes_at] = (char)(d->n & 0xff);
    b.p[ntypes_at + 1] = (char)(d->n >> 8 & 0xff);
    if (!d->too_big)
        mylc_buf_put(out, b.p, b.n);
    mylc_buf_free(&b);
    return !d->too_big;
}

bool mylc_describe_channel(const mylc_decl *ch, mylc_buf *out)
{
    desc d = {0};
    if (ch->chan.carries.base == MYLC_T_NAMED)
        index_of(&d, ch->chan.carries.decl);
    bool ok = describe(&d, &ch->chan, out);
    free(d.types);
    return ok;
}

bool mylc_describe_types(mylc_decl **roots, uint32_t nroots, mylc_buf *out, mylc_decl ***types,
                         uint32_t *ntypes)
{
    desc d = {0};
    for (uint32_t i = 0; i < nroots; i++)
        index_of(&d, roots[i]);
    bool ok = describe(&d, NULL, out);
    *types = d.types;
    *ntypes = d.n;
    return ok;
}
