/* Layout: sizes, offsets and alignment of events and structs; slot sizes
 * of channels; canonical text and fingerprints. Also the driver that runs
 * the phases in order (mylc_compile).
 *
 * Event layout: fields in declaration order, each at the next offset that
 * is a multiple of its alignment (its natural alignment, raised by an
 * explicit "align"); the struct's alignment is the largest field alignment
 * (raised by the event's "align"); its size is rounded up to it. Gaps are
 * emitted as explicit padding fields, so the C compiler never adds any.
 *
 * Canonical text: what the fingerprint hashes (64-bit FNV-1a, 0 mapped to
 * 1 since 0 means "no fingerprint" to the runtime). It holds the wire-
 * relevant facts only: types with their package-qualified names, sizes,
 * offsets, alignment, enum underlying types and values (sorted), table
 * field ids and defaults, union member order, channel codec and frames.
 * It holds no field or enum value names, no comments, no formatting.
 */
#include <stdlib.h>
#include <string.h>

#include "mylc.h"

static void qname(mylc_buf *b, const mylc_decl *d)
{
    mylc_buf_printf(b, "%s.%.*s", mylc_decl_pkg(d), (int)d->name.n, d->name.p);
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
    return (x + a - 1) & ~(a - 1);
}

static bool layout_record(mylc_ctx *c, mylc_decl *d);

/* Size and alignment of one element of t. */
static bool elem_layout(mylc_ctx *c, const mylc_type *t, uint64_t *size, uint32_t *align)
{
    if (t->base == MYLC_T_NAMED) {
        mylc_decl *x = t->decl;
        if (x->kind == MYLC_D_ENUM) {
            *size = *align = mylc_builtin_size(x->under.base);
            return true;
        }
        if (!layout_record(c, x))
            return false;
        *size = x->size;
        *align = x->align;
        return true;
    }
    *size = *align = mylc_builtin_size(t->base);
    return *size != 0;
}

static bool layout_record(mylc_ctx *c, mylc_decl *d)
{
    if (d->size)
        return true;
    if (d->mark == MYLC_MARK_LAYING_OUT)
        return false; /* failed before */
    d->mark = MYLC_MARK_LAYING_OUT;
    uint64_t cur = 0;
    uint32_t maxal = 1;
    for (mylc_field *f = d->fields; f; f = f->next) {
        uint64_t es;
        uint32_t ea;
        if (!elem_layout(c, &f->type, &es, &ea))
            return false;
        uint32_t fa = ea > f->align ? ea : f->align;
        uint64_t n = f->type.shape == MYLC_SHAPE_ARRAY ? f->type.count : 1;
        f->offset = align_up(cur, fa);
        f->size = es * n; /* both <= 2^26: no overflow */
        f->falign = fa;
        cur = f->offset + f->size;
        if (fa > maxal)
            maxal = fa;
        if (cur > MYLC_MAX_EVENT_SIZE) {
            mylc_error(c, d->schema->file, f->off, "%s '%.*s' is larger than 64 MiB",
                       mylc_kind_name(d->kind), (int)d->name.n, d->name.p);
            return false;
        }
    }
    /* flatc refuses a force_align below the natural alignment; .myl's
     * align only ever raises it (emit_fbs writes the effective one). */
    if (d->align && d->align < maxal && mylc_is_fbs_path(d->schema->file->path))
        mylc_error(c, d->schema->file, d->off,
                   "force_align %u of struct '%.*s' is below its natural alignment %u "
                   "(flatc refuses it)",
                   d->align, (int)d->name.n, d->name.p, maxal);
    if (d->align > maxal)
        maxal = d->align;
    d->align = maxal;
    d->size = align_up(cur, maxal);
    if (d->size > MYLC_MAX_EVENT_SIZE) {
        mylc_error(c, d->schema->file, d->off, "%s '%.*s' is larger than 64 MiB",
                   mylc_kind_name(d->kind), (int)d->name.n, d->name.p);
        d->size = 0;
        return false;
    }
    d->mark = MYLC_MARK_DONE;
    return true;
}

/* ---- canonical text ---- */

static int cmp_enumval(const void *a, const void *b)
{
    const mylc_enumval *x = *(mylc_enumval *const *)a, *y = *(mylc_enumval *const *)b;
    return x->u < y->u ? -1 : x->u > y->u;
}

static void canon_enum(const mylc_decl *d, mylc_buf *b)
{
    mylc_buf_puts(b, "enum ");
    qname(b, d);
    mylc_buf_printf(b, ":%s{", mylc_builtin_name(d->under.base));
    size_t n = 0;
    for (mylc_enumval *e = d->values; e; e = e->next)
        n++;
    mylc_enumval **v = malloc(sizeof *v * (n ? n : 1));
    n = 0;
    for (mylc_enumval *e = d->values; e; e = e->next)
        v[n++] = e;
    qsort(v, n, sizeof *v, cmp_enumval);
    bool sig = mylc_builtin_is_signed(d->under.base);
    for (size_t i = 0; i < n; i++) {
        if (sig)
            mylc_buf_printf(b, "%s%lld", i ? "," : "", (long long)v[i]->i);
        else
            mylc_buf_printf(b, "%s%llu", i ? "," : "", (unsigned long long)v[i]->u);
    }
    free(v);
    mylc_buf_putc(b, '}');
}

static void canon_record(const mylc_decl *d, mylc_buf *b);

/* While mylc_layout() computes fingerprints, the canonical text of each
 * enum, event and struct is kept (in this arena, on the declaration) the
 * first time it is written: a record's text includes those of the types
 * of its fields, so without it a chain of records or a table's sequence of
 * structs is written again for every declaration that refers to it. */
static mylc_arena *canon_arena;

static void canon_nested(mylc_decl *x, mylc_buf *b)
{
    if (x->canon.n) {
        mylc_buf_put(b, x->canon.p, x->canon.n);
        return;
    }
    size_t start = b->n;
    if (x->kind == MYLC_D_ENUM)
        canon_enum(x, b);
    else
        canon_record(x, b);
    if (canon_arena) {
        char *p = mylc_alloc(canon_arena, b->n - start + 1);
        memcpy(p, b->p + start, b->n - start);
        x->canon.p = p;
        x->canon.n = (uint32_t)(b->n - start);
    }
}

static void canon_type(const mylc_type *t, mylc_buf *b)
{
    if (t->shape == MYLC_SHAPE_VECTOR)
        mylc_buf_putc(b, '[');
    if (t->base != MYLC_T_NAMED) {
        mylc_buf_puts(b, mylc_builtin_name(t->base));
    } else {
        const mylc_decl *x = t->decl;
        switch (x->kind) {
        case MYLC_D_ENUM:
        case MYLC_D_EVENT:
        case MYLC_D_STRUCT:
            canon_nested(t->decl, b);
            break;
        default:
            mylc_buf_printf(b, "%s ", mylc_kind_name(x->kind));
            qname(b, x);
            break;
        }
    }
    if (t->shape == MYLC_SHAPE_VECTOR)
        mylc_buf_putc(b, ']');
    if (t->shape == MYLC_SHAPE_ARRAY)
        mylc_buf_printf(b, "[%llu]", (unsigned long long)t->count);
}

static void canon_default(const mylc_field *f, mylc_buf *b)
{
    const mylc_type *t = &f->type;
    const mylc_value *v = f->dflt;
    bool scalar =
        t->shape == MYLC_SHAPE_PLAIN &&
        (t->base == MYLC_T_NAMED ? t->decl->kind == MYLC_D_ENUM : mylc_builtins[t->base].scalar);
    if (!scalar)
        return;
    if (f->optional) {
        mylc_buf_puts(b, "=null");
        return;
    }
    if (!v) {
        mylc_buf_puts(b, "=0");
        return;
    }
    if (t->base == MYLC_T_NAMED && v->kind == MYLC_V_IDENT) {
        for (mylc_enumval *e = t->decl->values; e; e = e->next)
            if (mylc_str_same(e->name, v->text)) {
                mylc_buf_printf(b, "=%lld", (long long)e->i);
                return;
            }
    }
    if (v->kind == MYLC_V_BOOL) {
        mylc_buf_puts(b, mylc_str_eq(v->text, "true") ? "=1" : "=0");
        return;
    }
    /* Integers by value, in decimal (0x10, 16 and 016 are one default,
     * and 64-bit values keep every bit); floats as %.17g of the double. */
    if (v->kind == MYLC_V_INT) {
        uint64_t x = mylc_int_text(v->text);
        mylc_buf_printf(b, "=%s%llu", v->neg && x ? "-" : "", (unsigned long long)x);
        return;
    }
    char tmp[80];
    unsigned n = v->text.n < 70 ? v->text.n : 70;
    memcpy(tmp, v->text.p, n);
    tmp[n] = 0;
    double x = strtod(tmp, NULL);
    if (v->neg)
        x = -x;
    mylc_buf_printf(b, "=%.17g", x);
}

void mylc_canonical_default(const mylc_field *f, mylc_buf *b)
{
    canon_default(f, b);
}

static void canon_record(const mylc_decl *d, mylc_buf *b)
{
    mylc_buf_printf(b, "%s ", mylc_kind_name(d->kind));
    qname(b, d);
    if (d->kind == MYLC_D_TABLE) {
        mylc_buf_putc(b, '{');
        /* by id: the wire order */
        for (uint32_t id = 0; id < d->nids; id++)
            for (mylc_field *f = d->fields; f; f = f->next) {
                if (f->id != id)
                    continue;
                mylc_buf_printf(b, "%u:", id);
                canon_type(&f->type, b);
                canon_default(f, b);
                if (f->required)
                    mylc_buf_puts(b, " required");
                if (f->nested) {
                    mylc_buf_puts(b, " nested=");
                    qname(b, f->nested);
                }
                if (f->deprecated)
                    mylc_buf_puts(b, " deprecated");
                mylc_buf_putc(b, ';');
            }
        mylc_buf_putc(b, '}');
        return;
    }
    mylc_buf_printf(b, "(size=%llu,align=%u){", (unsigned long long)d->size, d->align);
    for (mylc_field *f = d->fields; f; f = f->next) {
        mylc_buf_printf(b, "%llu:", (unsigned long long)f->offset);
        canon_type(&f->type, b);
        if (f->align)
            mylc_buf_printf(b, " align=%u", f->align);
        mylc_buf_putc(b, ';');
    }
    mylc_buf_putc(b, '}');
}

/* Declarations reachable from d through named field types and union
 * members (for channels of tables): a worklist, not recursion, since a
 * chain of tables may be as long as the schema. */
static void push(mylc_decl *d, mylc_decl ***set, size_t *n, size_t *cap)
{
    if (d->mark == MYLC_MARK_REACHED)
        return;
    d->mark = MYLC_MARK_REACHED;
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        mylc_decl **ns = realloc(*set, sizeof *ns * *cap);
        if (!ns)
            abort();
        *set = ns;
    }
    (*set)[(*n)++] = d;
}

static void reach(mylc_decl *root, mylc_decl ***set, size_t *n, size_t *cap)
{
    push(root, set, n, cap);
    for (size_t i = 0; i < *n; i++) {
        mylc_decl *d = (*set)[i];
        for (mylc_field *f = d->fields; f; f = f->next)
            if (f->type.base == MYLC_T_NAMED && f->type.decl->kind != MYLC_D_ENUM)
                push(f->type.decl, set, n, cap);
        if (d->kind == MYLC_D_UNION)
            for (mylc_value *m = d->members; m; m = m->next) {
                mylc_decl *x = mylc_lookup_from(NULL, d, m->text, m->off, false);
                if (x)
                    push(x, set, n, cap);
            }
    }
}

static int cmp_qname(const void *a, const void *b)
{
    const mylc_decl *x = *(mylc_decl *const *)a, *y = *(mylc_decl *const *)b;
    int r = strcmp(mylc_decl_pkg(x), mylc_decl_pkg(y));
    if (r)
        return r;
    size_t n = x->name.n < y->name.n ? x->name.n : y->name.n;
    r = memcmp(x->name.p, y->name.p, n);
    return r ? r : (x->name.n > y->name.n) - (x->name.n < y->name.n);
}

void mylc_canonical_decl(mylc_decl *d, mylc_buf *b)
{
    switch (d->kind) {
    case MYLC_D_ENUM:
    case MYLC_D_EVENT:
    case MYLC_D_STRUCT:
        canon_nested(d, b);
        break;
    case MYLC_D_TABLE:
        canon_record(d, b);
        break;
    case MYLC_D_UNION:
        mylc_buf_puts(b, "union ");
        qname(b, d);
        mylc_buf_putc(b, '{');
        uint32_t i = 0;
        for (mylc_value *m = d->members; m; m = m->next) {
            mylc_decl *x = mylc_lookup_from(NULL, d, m->text, m->off, false);
            if (x)
                qname(b, x);
            else /* string */
                mylc_buf_put(b, m->text.p, m->text.n);
            if (m->code != ++i) /* a type code given out of sequence */
                mylc_buf_printf(b, "=%u", m->code);
            mylc_buf_puts(b, m->next ? "," : "");
        }
        mylc_buf_putc(b, '}');
        break;
    case MYLC_D_CHANNEL: {
        mylc_channel *ch = &d->chan;
        mylc_buf_puts(b, "channel{carries=");
        if (ch->carries.base == MYLC_T_BYTES) {
            mylc_buf_puts(b, "bytes");
        } else if (ch->carries.decl->kind == MYLC_D_EVENT) {
            canon_nested(ch->carries.decl, b);
        } else {
            mylc_decl **set = NULL;
            size_t n = 0, cap = 0;
            reach(ch->carries.decl, &set, &n, &cap);
            for (size_t i = 0; i < n; i++)
                set[i]->mark = MYLC_MARK_DONE;
            qname(b, ch->carries.decl);
            if (n) /* set is NULL when nothing is reachable */
                qsort(set, n, sizeof *set, cmp_qname);
            for (size_t i = 0; i < n; i++) {
                mylc_buf_putc(b, ';');
                mylc_canonical_decl(set[i], b);
            }
            free(set);
        }
        mylc_buf_printf(b, ";codec=%s", mylc_codecs[ch->codec].name);
        if (ch->framed) {
            mylc_buf_puts(b, ";frames=");
            for (uint32_t i = 0; i < ch->nframes; i++)
                mylc_buf_printf(b, "%s%llu", i ? "," : "", (unsigned long long)ch->frames[i]);
            mylc_buf_printf(b, ";max_message=%llu", (unsigned long long)ch->max_message);
        }
        if (ch->nlanes)
            mylc_buf_printf(b, ";lanes=%u", ch->nlanes);
        mylc_buf_putc(b, '}');
        break;
    }
    case MYLC_D_TOPOLOGY:
        mylc_buf_puts(b, "topology ");
        qname(b, d);
        mylc_buf_putc(b, '{');
        for (mylc_role *r = d->roles; r; r = r->next)
            mylc_buf_printf(b, "%.*s=%llu[%llu,%llu];", (int)r->name.n, r->name.p,
                            (unsigned long long)r->count, (unsigned long long)r->min,
                            (unsigned long long)r->max);
        for (mylc_route *r = d->routes; r; r = r->next) {
            static const char *const shapes[] = {"", " broadcast", " shared", " partitioned"};
            static const char *const parts[] = {" round_robin", " hash", " least_loaded"};
            mylc_buf_printf(b, "%.*s->%.*s:", (int)r->from->name.n, r->from->name.p,
                            (int)r->to->name.n, r->to->name.p);
            qname(b, r->channel);
            mylc_buf_puts(b, shapes[r->shape]);
            if (r->shape == MYLC_RS_PARTITIONED)
                mylc_buf_puts(b, parts[r->partition]);
            if (r->key)
                mylc_buf_printf(b, " %.*s", (int)r->key->name.n, r->key->name.p);
            if (r->track)
                mylc_buf_printf(b, " track %.*s", (int)r->track->name.n, r->track->name.p);
            mylc_buf_putc(b, ';');
        }
        mylc_buf_putc(b, '}');
        break;
    case MYLC_D_BRIDGE:
        break; /* deployment, not layout: no canonical text (see mylc_layout) */
    case MYLC_D_PIPELINE:
        mylc_buf_puts(b, "pipeline ");
        qname(b, d);
        mylc_buf_puts(b, "{input=");
        if (d->input)
            qname(b, d->input);
        for (mylc_stage *st = d->stages; st; st = st->next) {
            mylc_buf_printf(b, ";stage %.*s%s%s%s", (int)st->name.n, st->name.p,
                            st->durable ? " durable" : "", st->fsync ? " fsync" : "",
                            st->batch ? " batch" : "");
            for (uint32_t i = 0; i < st->nafter; i++)
                mylc_buf_printf(b, " after %.*s", (int)st->after[i]->name.n, st->after[i]->name.p);
            if (st->output) {
                mylc_buf_puts(b, " output ");
                qname(b, st->output);
            }
        }
        mylc_buf_putc(b, '}');
        break;
    }
}

static uint64_t fingerprint(const char *p, size_t n)
{
    uint64_t h = mylc_fnv1a(MYLC_FNV_OFFSET, p, n);
    return h ? h : 1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void mylc_layout(mylc_ctx *c, mylc_schema *s)
{
    for (mylc_decl *d = s->decls; d && !c->stop; d = d->next)
        if (d->kind == MYLC_D_EVENT || d->kind == MYLC_D_STRUCT)
            layout_record(c, d);
    if (c->errors)
        return;
    for (mylc_decl *d = s->decls; d && !c->stop; d = d->next) {
        if (d->kind != MYLC_D_CHANNEL || d->chan.framed)
            continue;
        mylc_decl *ev = d->chan.carries.decl;
        if (ev->align > 8) {
            mylc_error(c, s->file, d->chan.carries.off,
                       "event '%.*s' is aligned to %u bytes, but ring slots hold payloads at "
                       "8-byte alignment",
                       (int)ev->name.n, ev->name.p, ev->align);
            mylc_note(c, ev->schema->file, ev->off, "'%.*s' is declared here", (int)ev->name.n,
                      ev->name.p);
        }
        d->chan.slot_size = ev->size;
    }
    if (c->errors)
        return;
    /* Fingerprints: per declaration, then the schema's over the sorted
     * canonical texts of all its declarations. */
    char **texts = malloc(sizeof *texts * (s->ndecls ? s->ndecls : 1));
    size_t n = 0, total = 0;
    canon_arena = &c->arena;
    for (mylc_decl *d = s->decls; d; d = d->next) {
        /* A bridge says where a channel goes, not what it carries: the
         * two hosts of a bridge declare it differently (export, import)
         * and must still agree on the schema's fingerprint. */
        if (d->kind == MYLC_D_BRIDGE)
            continue;
        mylc_buf b = {0};
        mylc_canonical_decl(d, &b);
        d->fingerprint = fingerprint(b.p, b.n);
        if (d->kind == MYLC_D_CHANNEL)
            d->chan.fingerprint = d->fingerprint;
        texts[n++] = b.p;
        total += b.n + 1;
    }
    canon_arena = NULL;
    qsort(texts, n, sizeof *texts, cmp_str);
    mylc_buf all = {0};
    mylc_buf_puts(&all, "myelon 1\n");
    for (size_t i = 0; i < n; i++) {
        mylc_buf_puts(&all, texts[i]);
        mylc_buf_putc(&all, '\n');
        free(texts[i]);
    }
    (void)total;
    free(texts);
    s->fingerprint = fingerprint(all.p, all.n);
    mylc_buf_free(&all);
}

/* Checks t after the schemas it imports: a field's default names or
 * compares with the values of an imported enum, which the import's check
 * computes. Import cycles were refused by resolve. */
static void check_imports_first(mylc_ctx *c, mylc_schema *t)
{
    if (!t || t->mark == MYLC_MARK_CHECKED || c->stop)
        return;
    t->mark = MYLC_MARK_CHECKED;
    for (mylc_import *im = t->imports; im; im = im->next)
        if (im->file)
            check_imports_first(c, im->file->schema);
    mylc_check(c, t);
    if (t->fbs)
        mylc_fbs_check(c, t); /* parse_fbs.c */
    mylc_check_root(c, t);    /* root.c */
}

bool mylc_compile(mylc_ctx *c, mylc_file *f, mylc_schema **out)
{
    unsigned before = c->errors;
    mylc_schema *s = mylc_parse(c, f);
    *out = s;
    if (c->errors != before || c->stop)
        return false;
    mylc_resolve(c, s);
    bool syntax = false;
    for (unsigned i = 0; i < c->nfiles; i++)
        if (c->files[i]->schema && c->files[i]->schema->syntax_error)
            syntax = true;
    if (c->errors != before || syntax)
        return false;
    for (unsigned i = 0; i < c->nfiles && !c->stop; i++)
        check_imports_first(c, c->files[i]->schema);
    if (c->errors != before)
        return false;
    for (unsigned i = 0; i < c->nfiles && !c->stop; i++) {
        mylc_schema *t = c->files[i]->schema;
        if (t && t->mark != MYLC_MARK_LAID_OUT) {
            t->mark = MYLC_MARK_LAID_OUT;
            mylc_layout(c, t);
        }
    }
    return c->errors == before;
}
