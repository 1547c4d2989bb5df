/* myelonc --check-compat OLD NEW: the evolution rules of docs/myl.md §8.1
 * from OLD to NEW. Declarations are paired by name; types are compared by
 * runtime/src/compat.c over descriptions of both schemas (the code the
 * runtime runs at attach), and each difference is mapped back to the
 * declarations it came from: breaking ones become errors at NEW's place
 * with a note at OLD's, compatible ones lines of the summary.
 */
#include <stdlib.h>
#include <string.h>

#include "myelon/compat.h"
#include "mylc.h"

#define S(x) (int)(x).n, (x).p

typedef struct side {
    mylc_schema *s;
    mylc_decl **types;
    uint32_t ntypes;
    myl_schema *desc;
} side;

typedef struct run {
    mylc_ctx *cn; /* NEW's context: errors are counted there */
    side o, n;
    mylc_buf *summary;
    unsigned compatible;
    const mylc_decl *chan_o, *chan_n; /* channel-level comparisons */
} run;

static bool is_type(const mylc_decl *d)
{
    return d->kind <= MYLC_D_UNION;
}

static int cmp_u(const void *a, const void *b)
{
    const mylc_enumval *x = *(mylc_enumval *const *)a, *y = *(mylc_enumval *const *)b;
    return x->u < y->u ? -1 : x->u > y->u;
}

/* Where item k of a described type is: its field (tables: k-th by id),
 * enum value (k-th by value) or union member; its name in *name. */
static uint32_t item_off(const mylc_decl *d, uint32_t k, mylc_str *name)
{
    *name = d->name;
    if (k == MYL_SCHEMA_NO_TYPE)
        return d->off;
    switch (d->kind) {
    case MYLC_D_TABLE:
        for (uint32_t id = 0, rank = 0; id < d->nids; id++)
            for (mylc_field *f = d->fields; f; f = f->next)
                if (f->id == id && rank++ == k) {
                    *name = f->name;
                    return f->off;
                }
        break;
    case MYLC_D_ENUM: {
        uint32_t n = 0;
        for (mylc_enumval *e = d->values; e; e = e->next)
            n++;
        mylc_enumval **v = malloc(sizeof *v * (n ? n : 1));
        if (!v)
            abort();
        n = 0;
        for (mylc_enumval *e = d->values; e; e = e->next)
            v[n++] = e;
        qsort(v, n, sizeof *v, cmp_u);
        uint32_t off = d->off;
        if (k < n) {
            *name = v[k]->name;
            off = v[k]->off;
        }
        free(v);
        return off;
    }
    case MYLC_D_UNION: {
        uint32_t i = 0;
        for (mylc_value *m = d->members; m; m = m->next, i++)
            if (i == k) {
                *name = m->text;
                return m->off;
            }
        break;
    }
    default: {
        uint32_t i = 0;
        for (mylc_field *f = d->fields; f; f = f->next, i++)
            if (i == k) {
                *name = f->name;
                return f->off;
            }
        break;
    }
    }
    return d->off;
}

static void summary_line(run *r, const mylc_file *f, uint32_t off, const char *msg)
{
    uint32_t line, col;
    mylc_line_col((mylc_file *)f, off, &line, &col);
    mylc_buf_printf(r->summary, "compatible: %s:%u:%u: %s\n", f->path, line, col, msg);
    r->compatible++;
}

static bool on_diff(void *ud, const myl_compat_diff *d)
{
    run *r = ud;
    const mylc_decl *dn = NULL, *dold = NULL;
    uint32_t noff, ooff = 0;
    mylc_str nname, oname = {0};
    if (d->new_type == MYL_SCHEMA_NO_TYPE && d->old_type == MYL_SCHEMA_NO_TYPE) {
        dn = r->chan_n; /* channel-level */
        dold = r->chan_o;
        noff = dn->off;
        nname = dn->name;
        ooff = dold->off;
        oname = dold->name;
    } else {
        dn = d->new_type < r->n.ntypes ? r->n.types[d->new_type] : NULL;
        dold = d->old_type < r->o.ntypes ? r->o.types[d->old_type] : NULL;
        if (!dn)
            return true; /* not produced for type pairs: both sides are known */
        noff = item_off(dn, d->new_item, &nname);
        if (dold)
            ooff = item_off(dold, d->old_item, &oname);
    }
    const char *msg = d->msg;
    if (r->chan_n && d->new_type == MYL_SCHEMA_NO_TYPE && strncmp(msg, "channel: ", 9) == 0)
        msg += 9;
    if (!d->breaking) {
        mylc_buf m = {0};
        if (r->chan_n)
            mylc_buf_printf(&m, "channel '%.*s': ", S(r->chan_n->name));
        mylc_buf_puts(&m, msg);
        summary_line(r, dn->schema->file, noff, m.p);
        mylc_buf_free(&m);
        return true;
    }
    if (r->chan_n)
        mylc_error(r->cn, dn->schema->file, noff, "channel '%.*s': %s", S(r->chan_n->name), msg);
    else
        mylc_error(r->cn, dn->schema->file, noff, "%s", msg);
    if (dold)
        mylc_note(r->cn, dold->schema->file, ooff, "'%.*s' in OLD", S(oname));
    return true;
}

/* The declaration of s paired with d: of the same name, and in a .fbs
 * file with several namespaces of the same namespace (resolve.c keys
 * those outside the file's own by "pkg.Name"). */
static mylc_decl *find(mylc_schema *s, const mylc_decl *d)
{
    if (!d->pkg)
        return mylc_map_get(&s->names, d->name.p, d->name.n);
    mylc_buf k = {0};
    mylc_buf_printf(&k, "%s.%.*s", d->pkg, S(d->name));
    mylc_decl *r = mylc_map_get(&s->names, k.p, (uint32_t)k.n);
    mylc_buf_free(&k);
    return r;
}

static bool describe_side(side *x, mylc_decl **roots, uint32_t n)
{
    mylc_buf b = {0};
    bool ok = mylc_describe_types(roots, n, &b, &x->types, &x->ntypes);
    if (ok)
        ok = myl_schema_decode(b.p, b.n, &x->desc, NULL, 0) == 0;
    mylc_buf_free(&b);
    return ok;
}

/* Whether event e holds enum x, directly or in a nested event. */
static bool event_holds(const mylc_decl *e, const mylc_decl *x, unsigned depth)
{
    for (const mylc_field *f = e->fields; f && depth < MYLC_MAX_NESTING; f = f->next)
        if (f->type.base == MYLC_T_NAMED &&
            (f->type.decl == x ||
             (f->type.decl->kind == MYLC_D_EVENT && event_holds(f->type.decl, x, depth + 1))))
            return true;
    return false;
}

/* An enum of an event is compared as part of the event (for identity),
 * not on its own as well: it would be reported twice, once compatible. */
static bool in_event(const mylc_schema *s, const mylc_decl *x)
{
    for (const mylc_decl *d = s->decls; d && x->kind == MYLC_D_ENUM; d = d->next)
        if (d->kind == MYLC_D_EVENT && event_holds(d, x, 0))
            return true;
    return false;
}

static void compare_types(run *r)
{
    uint32_t n = 0;
    for (mylc_decl *d = r->n.s->decls; d; d = d->next)
        n++;
    mylc_decl **ro = malloc(sizeof *ro * (n ? n : 1)), **rn = malloc(sizeof *rn * (n ? n : 1));
    if (!ro || !rn)
        abort();
    uint32_t k = 0;
    for (mylc_decl *d = r->n.s->decls; d; d = d->next) {
        mylc_decl *o = is_type(d) ? find(r->o.s, d) : NULL;
        if (o && is_type(o) && in_event(r->n.s, d))
            continue;
        if (o && is_type(o)) {
            ro[k] = o;
            rn[k++] = d;
        } else if (is_type(d)) {
            mylc_buf m = {0};
            mylc_buf_printf(&m, "%s '%s.%.*s' added", mylc_kind_name(d->kind), mylc_decl_pkg(d),
                            S(d->name));
            summary_line(r, r->n.s->file, d->off, m.p);
            mylc_buf_free(&m);
        }
    }
    if (!describe_side(&r->o, ro, k) || !describe_side(&r->n, rn, k)) {
        mylc_error(r->cn, r->n.s->file, 0,
                   "the schemas exceed the limits of a schema description (docs/myl.md §8.3)");
    } else {
        uint32_t *pairs = malloc(sizeof *pairs * 2 * (k ? k : 1));
        if (!pairs)
            abort();
        for (uint32_t i = 0; i < k; i++)
            pairs[(size_t)2 * i] = pairs[(size_t)2 * i + 1] = i;
        myl_schema_compare(r->o.desc, r->n.desc, pairs, k, MYL_COMPAT_DIRECTED, on_diff, r);
        free(pairs);
    }
    free(ro);
    free(rn);
}

static void word_diff(run *r, const mylc_decl *o, const mylc_decl *n, const char *what,
                      const mylc_word *words, uint32_t a, uint32_t b)
{
    if (a == b)
        return;
    const mylc_word *x = mylc_word_of(words, a), *y = mylc_word_of(words, b);
    mylc_error(r->cn, n->schema->file, n->off,
               "channel '%.*s': %s changed from %s to %s; the runtime refuses to attach across it",
               S(n->name), what, x ? x->word : "?", y ? y->word : "?");
    mylc_note(r->cn, o->schema->file, o->off, "'%.*s' in OLD", S(o->name));
}

static void compare_channel(run *r, const mylc_decl *o, const mylc_decl *n)
{
    const mylc_channel *a = &o->chan, *b = &n->chan;
    mylc_buf x = {0}, y = {0};
    myl_schema *dx = NULL, *dy = NULL;
    if (mylc_describe_channel(o, &x) && mylc_describe_channel(n, &y) &&
        myl_schema_decode(x.p, x.n, &dx, NULL, 0) == 0 &&
        myl_schema_decode(y.p, y.n, &dy, NULL, 0) == 0) {
        r->chan_o = o;
        r->chan_n = n;
        myl_schema_compare(dx, dy, NULL, 0, MYL_COMPAT_DIRECTED | MYL_COMPAT_NO_TYPES, on_diff, r);
        r->chan_o = r->chan_n = NULL;
    }
    myl_schema_free(dx);
    myl_schema_free(dy);
    mylc_buf_free(&x);
    mylc_buf_free(&y);
    if (a->capacity != b->capacity) {
        mylc_error(r->cn, n->schema->file, n->off,
                   "channel '%.*s': capacity changed from %llu to %llu; the runtime refuses to "
                   "attach across it",
                   S(n->name), (unsigned long long)a->capacity, (unsigned long long)b->capacity);
        mylc_note(r->cn, o->schema->file, o->off, "'%.*s' in OLD", S(o->name));
    }
    word_diff(r, o, n, "producers", mylc_producers_words, a->producers, b->producers);
    word_diff(r, o, n, "mode", mylc_mode_words, a->mode, b->mode);
    word_diff(r, o, n, "backing", mylc_backing_words, a->backing, b->backing);
    bool strict = a->compat == MYL_COMPAT_STRICT || b->compat == MYL_COMPAT_STRICT;
    if (strict && a->fingerprint != b->fingerprint) {
        mylc_error(r->cn, n->schema->file, n->off,
                   "channel '%.*s' is compat strict (%s): what it carries changed, and its peers "
                   "must be built from identical schemas",
                   S(n->name),
                   b->carries.base != MYLC_T_NAMED         ? "bytes"
                   : b->carries.decl->kind == MYLC_D_EVENT ? "an event, layout-fixed"
                   : b->codec == MYLC_CODEC_COMPACT        ? "codec compact, no field tags"
                                                           : "by its 'compat' property");
        mylc_note(r->cn, o->schema->file, o->off, "'%.*s' in OLD", S(o->name));
    }
    if (a->compat != b->compat && a->fingerprint == b->fingerprint) {
        mylc_buf m = {0};
        mylc_buf_printf(&m, "channel '%.*s': compat changed from %s to %s", S(n->name),
                        mylc_word_of(mylc_compat_words, a->compat)->word,
                        mylc_word_of(mylc_compat_words, b->compat)->word);
        summary_line(r, n->schema->file, n->off, m.p);
        mylc_buf_free(&m);
    }
}

int mylc_check_compat(mylc_ctx *cn, mylc_schema *old, mylc_schema *nw, mylc_buf *summary)
{
    run r = {.cn = cn, .summary = summary};
    r.o.s = old;
    r.n.s = nw;
    unsigned before = cn->errors;
    compare_types(&r);
    for (mylc_decl *d = nw->decls; d && !cn->stop; d = d->next) {
        mylc_decl *o = find(old, d);
        if (is_type(d))
            continue;
        if (!o || o->kind != d->kind) {
            mylc_buf m = {0};
            mylc_buf_printf(&m, "%s '%.*s' added", mylc_kind_name(d->kind), S(d->name));
            summary_line(&r, nw->file, d->off, m.p);
            mylc_buf_free(&m);
        } else if (d->kind == MYLC_D_CHANNEL) {
            compare_channel(&r, o, d);
        } else if (o->fingerprint != d->fingerprint) {
            mylc_error(cn, nw->file, d->off,
                       "%s '%.*s' changed; its members must be built from the same %s "
                       "(their fingerprints are compared)",
                       mylc_kind_name(d->kind), S(d->name), mylc_kind_name(d->kind));
            mylc_note(cn, old->file, o->off, "'%.*s' in OLD", S(o->name));
        }
    }
    for (mylc_decl *o = old->decls; o && !cn->stop; o = o->next) {
        mylc_decl *d = find(nw, o);
        if (d && (d->kind == o->kind || (is_type(d) && is_type(o))))
            continue;
        mylc_buf m = {0};
        if (is_type(o))
            mylc_buf_printf(&m, "%s '%s.%.*s' removed", mylc_kind_name(o->kind), mylc_decl_pkg(o),
                            S(o->name));
        else
            mylc_buf_printf(&m, "%s '%.*s' removed", mylc_kind_name(o->kind), S(o->name));
        summary_line(&r, old->file, o->off, m.p);
        mylc_buf_free(&m);
    }
    myl_schema_free(r.o.desc);
    myl_schema_free(r.n.desc);
    free(r.o.types);
    free(r.n.types);
    mylc_buf_printf(summary, "check-compat: %u breaking, %u compatible\n", cn->errors - before,
                    r.compatible);
    return (int)(cn->errors - before);
}
