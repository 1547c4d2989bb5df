/* Resolve: load every import (transitively), detect missing files and
 * cycles, build each schema's table of names, and bind the type names of
 * fields, enums and unions to built-in types or declarations.
 *
 * Import search: a relative import is looked up next to the importing
 * file, then in each -I directory in order; the first file that exists
 * wins. A schema sees its own declarations and those of the schemas it
 * imports directly (not transitively); "pkg.Name" picks a package.
 */
#include <stdlib.h>
#include <string.h>

#include "mylc.h"

/* The literal without quotes; only \" and \\ are escapes in paths. */
static char *unquote(mylc_ctx *c, mylc_str lit)
{
    char *s = mylc_alloc(&c->arena, lit.n + 1);
    size_t k = 0;
    for (uint32_t i = 1; i + 1 < lit.n; i++) {
        if (lit.p[i] == '\\' && i + 2 < lit.n)
            i++;
        s[k++] = lit.p[i];
    }
    s[k] = 0;
    return s;
}

static bool exists(mylc_ctx *c, const char *path)
{
    if (c->mem_lookup) {
        size_t n;
        return c->mem_lookup(c->mem_ud, path, &n) != NULL;
    }
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

static char *join(mylc_ctx *c, const char *dir, size_t dn, const char *rel)
{
    mylc_buf b = {0};
    if (dn) {
        mylc_buf_put(&b, dir, dn);
        if (dir[dn - 1] != '/')
            mylc_buf_putc(&b, '/');
    }
    mylc_buf_puts(&b, rel);
    char *s = mylc_strdup(&c->arena, b.p, b.n);
    mylc_buf_free(&b);
    return s;
}

static mylc_file *find_import(mylc_ctx *c, mylc_schema *s, mylc_import *im)
{
    char *rel = unquote(c, im->path);
    if (!rel[0]) {
        mylc_error(c, s->file, im->off, "empty import path");
        return NULL;
    }
    if (strlen(rel) > 4096) {
        mylc_error(c, s->file, im->off, "import path is too long");
        return NULL;
    }
    if (rel[0] == '/')
        return mylc_load(c, rel, s->file, im->off);
    const char *slash = strrchr(s->file->path, '/');
    char *cand = join(c, s->file->path, slash ? (size_t)(slash - s->file->path + 1) : 0, rel);
    if (exists(c, cand))
        return mylc_load(c, cand, s->file, im->off);
    for (unsigned i = 0; i < c->nincdirs; i++) {
        cand = join(c, c->incdirs[i], strlen(c->incdirs[i]), rel);
        if (exists(c, cand))
            return mylc_load(c, cand, s->file, im->off);
    }
    mylc_error(c, s->file, im->off, "cannot find import '%s'%s", rel,
               c->nincdirs ? " (searched next to the schema and in the -I directories)"
                           : " (searched next to the schema; add directories with -I)");
    return NULL;
}

/* Marks: 0 new, 1 on the current import path, 2 done. */
static void walk(mylc_ctx *c, mylc_schema *s, mylc_schema **stack, unsigned depth)
{
    s->mark = MYLC_MARK_ON_PATH;
    stack[depth] = s;
    for (mylc_import *im = s->imports; im && !c->stop; im = im->next) {
        mylc_file *f = find_import(c, s, im);
        if (!f)
            continue;
        if (f == s->file) {
            mylc_error(c, s->file, im->off, "schema imports itself");
            continue;
        }
        im->file = f;
        mylc_schema *t = mylc_parse(c, f);
        /* .fbs files may include each other, as flatc allows: each is
         * read once, every name resolves across the cycle (names are
         * bound after every file is loaded), and the headers are
         * generated to be included in any order (emit_c.c) */
        if (t->mark == MYLC_MARK_ON_PATH && s->fbs && t->fbs)
            continue;
        if (t->mark == MYLC_MARK_ON_PATH) {
            mylc_buf b = {0};
            unsigned k = 0;
            while (k < depth && stack[k] != t) /* t is on stack[0..depth] */
                k++;
            for (; k <= depth; k++) {
                mylc_buf_puts(&b, stack[k]->file->path);
                mylc_buf_puts(&b, " -> ");
            }
            mylc_buf_puts(&b, f->path);
            mylc_error(c, s->file, im->off, "import cycle: %s", b.p);
            mylc_buf_free(&b);
            im->file = NULL;
            continue;
        }
        if (t->mark == MYLC_MARK_DONE)
            continue;
        if (depth + 1 >= MYLC_MAX_IMPORT_DEPTH) {
            mylc_error(c, s->file, im->off, "imports nested more than %d deep",
                       MYLC_MAX_IMPORT_DEPTH);
            im->file = NULL;
            continue;
        }
        walk(c, t, stack, depth + 1);
    }
    s->mark = MYLC_MARK_DONE;
}

static const char *kind_name(mylc_decl_kind k)
{
    static const char *const names[] = {"enum",    "event",    "struct",   "table", "union",
                                        "channel", "topology", "pipeline", "bridge"};
    return names[k];
}

const char *mylc_kind_name(mylc_decl_kind k)
{
    return kind_name(k);
}

/* "ns.name", in the arena. */
static const char *qualified(mylc_ctx *c, const char *ns, mylc_str name)
{
    size_t k = strlen(ns);
    char *q = mylc_alloc(&c->arena, k + name.n + 2);
    memcpy(q, ns, k);
    q[k] = '.';
    memcpy(q + k + 1, name.p, name.n);
    q[k + 1 + name.n] = 0;
    return q;
}

static void build_names(mylc_ctx *c, mylc_schema *s)
{
    for (mylc_decl *d = s->decls; d && !c->stop; d = d->next) {
        if (memchr(d->name.p, '.', d->name.n)) {
            mylc_error(c, s->file, d->off, "a declaration's name cannot contain '.'");
            continue;
        }
        if (mylc_builtin_lookup(d->name) != MYLC_T_NONE) {
            mylc_error(c, s->file, d->off, "'%.*s' is the name of a built-in type", (int)d->name.n,
                       d->name.p);
            continue;
        }
        /* a declaration in another namespace than its file's (.fbs):
         * under its qualified name */
        const char *key = d->name.p;
        uint32_t kn = d->name.n;
        if (d->pkg) {
            key = qualified(c, d->pkg, d->name);
            kn = (uint32_t)strlen(key);
        }
        if (d->fbs_ns) {
            const char *fq = d->fbs_ns[0] ? qualified(c, d->fbs_ns, d->name)
                                          : mylc_strdup(&c->arena, d->name.p, d->name.n);
            mylc_map_put(&s->fqnames, fq, (uint32_t)strlen(fq), d);
        }
        mylc_decl *prev = mylc_map_put(&s->names, key, kn, d);
        if (prev) {
            mylc_error(c, s->file, d->off, "duplicate name '%.*s'", (int)d->name.n, d->name.p);
            mylc_note(c, s->file, prev->off, "previous definition (%s) is here",
                      kind_name(prev->kind));
        }
    }
}

/* Offers the types (not channels, topologies or pipelines) of a schema. */
static void suggest_types(mylc_suggest *sg, const mylc_map *names)
{
    for (uint32_t i = 0; i < names->cap; i++) {
        const mylc_decl *d = names->e[i].v;
        if (names->e[i].k && d && d->kind <= MYLC_D_UNION)
            mylc_suggest_add(sg, names->e[i].k, names->e[i].n);
    }
}

mylc_decl *mylc_lookup(mylc_ctx *c, mylc_schema *s, mylc_str name, uint32_t off, bool report)
{
    const char *dot = NULL;
    for (uint32_t i = 0; i < name.n; i++)
        if (name.p[i] == '.')
            dot = name.p + i;
    mylc_str base = name;
    mylc_str pkg = {NULL, 0};
    if (dot) {
        pkg.p = name.p;
        pkg.n = (uint32_t)(dot - name.p);
        base.p = dot + 1;
        base.n = (uint32_t)(name.n - pkg.n - 1);
    }
    mylc_decl *found = NULL;
    if (!dot || mylc_str_eq(pkg, s->pkg))
        found = mylc_map_get(&s->names, base.p, base.n);
    else /* a declaration in another namespace of a .fbs file */
        found = mylc_map_get(&s->names, name.p, name.n);
    if (found)
        return found;
    mylc_decl *other = NULL;
    for (mylc_import *im = s->imports; im; im = im->next) {
        if (!im->file || !im->file->schema)
            continue;
        mylc_schema *t = im->file->schema;
        mylc_decl *d;
        if (dot && !mylc_str_eq(pkg, t->pkg))
            d = mylc_map_get(&t->names, name.p, name.n);
        else
            d = mylc_map_get(&t->names, base.p, base.n);
        if (!d || d == found)
            continue;
        if (found) {
            other = d;
            break;
        }
        found = d;
    }
    if (other && report) {
        mylc_error(c, s->file, off, "'%.*s' is ambiguous", (int)name.n, name.p);
        mylc_note(c, found->schema->file, found->off, "it may be %s.%.*s, defined here",
                  found->schema->pkg, (int)found->name.n, found->name.p);
        mylc_note(c, other->schema->file, other->off, "or %s.%.*s, defined here",
                  other->schema->pkg, (int)other->name.n, other->name.p);
    }
    if (!found && report) {
        /* A likely typo of a built-in or of a type in scope. */
        mylc_suggest sg;
        mylc_suggest_init(&sg, name.p, name.n);
        for (int b = MYLC_T_NONE + 1; b < MYLC_T_NAMED; b++)
            if (mylc_builtins[b].name)
                mylc_suggest_add(&sg, mylc_builtins[b].name,
                                 (uint32_t)strlen(mylc_builtins[b].name));
        suggest_types(&sg, &s->names);
        for (mylc_import *im = s->imports; im; im = im->next)
            if (im->file && im->file->schema)
                suggest_types(&sg, &im->file->schema->names);
        mylc_error(c, s->file, off, "unknown type '%.*s'%s", (int)name.n, name.p,
                   mylc_suggest_hint(&sg));
    }
    return found;
}

/* Does a reach b through imports (a == b counts)? */
static bool reaches(const mylc_schema *a, const mylc_schema *b)
{
    const mylc_schema *seen[MYLC_MAX_IMPORT_DEPTH * 4];
    unsigned nseen = 0, next = 0;
    seen[nseen++] = a;
    while (next < nseen) {
        const mylc_schema *t = seen[next++];
        if (t == b)
            return true;
        for (const mylc_import *im = t->imports; im; im = im->next) {
            const mylc_schema *u = im->file ? im->file->schema : NULL;
            bool dup = !u;
            for (unsigned i = 0; i < nseen && !dup; i++)
                dup = seen[i] == u;
            if (!dup && nseen < sizeof seen / sizeof seen[0])
                seen[nseen++] = u;
        }
    }
    return false;
}

bool mylc_in_cycle(const mylc_schema *a, const mylc_schema *b)
{
    return a != b && reaches(a, b) && reaches(b, a);
}

const char *mylc_decl_pkg(const mylc_decl *d)
{
    return d->pkg ? d->pkg : d->schema->pkg;
}

const char *mylc_decl_prefix(const mylc_decl *d)
{
    return d->prefix ? d->prefix : d->schema->prefix;
}

/* The declaration flatc's fully qualified name fq names, in s or a
 * schema s includes (transitively: flatc's symbol table holds every
 * included file's types). */
static mylc_decl *fq_find(mylc_schema *s, const char *fq, uint32_t n)
{
    mylc_schema *seen[MYLC_MAX_IMPORT_DEPTH * 4];
    unsigned nseen = 0, next = 0;
    seen[nseen++] = s;
    while (next < nseen) {
        mylc_schema *t = seen[next++];
        mylc_decl *d = mylc_map_get(&t->fqnames, fq, n);
        if (d)
            return d;
        for (mylc_import *im = t->imports; im; im = im->next) {
            mylc_schema *u = im->file ? im->file->schema : NULL;
            if (!u || !u->fbs)
                continue;
            bool dup = false;
            for (unsigned i = 0; i < nseen && !dup; i++)
                dup = seen[i] == u;
            if (!dup && nseen < sizeof seen / sizeof seen[0])
                seen[nseen++] = u;
        }
    }
    return NULL;
}

mylc_decl *mylc_lookup_fq(mylc_schema *s, mylc_str name)
{
    return s->fbs ? fq_find(s, name.p, name.n) : NULL;
}

mylc_decl *mylc_lookup_ns(mylc_ctx *c, mylc_schema *s, const char *ns, mylc_str name, uint32_t off,
                          bool report)
{
    if (ns && s->fbs) {
        /* flatc: ns.name, then name in each enclosing namespace, the last
         * one being the root: name as a fully qualified name */
        size_t k = strlen(ns);
        mylc_buf fq = {0};
        for (;;) {
            fq.n = 0;
            mylc_buf_put(&fq, ns, k);
            if (k)
                mylc_buf_putc(&fq, '.');
            mylc_buf_put(&fq, name.p, name.n);
            mylc_decl *d = fq_find(s, fq.p, (uint32_t)fq.n);
            if (d) {
                mylc_buf_free(&fq);
                return d;
            }
            if (!k)
                break;
            while (k > 0 && ns[k - 1] != '.')
                k--;
            if (k)
                k--; /* drop the '.' */
        }
        mylc_buf_free(&fq);
    }
    return mylc_lookup(c, s, name, off, report);
}

mylc_decl *mylc_lookup_from(mylc_ctx *c, const mylc_decl *from, mylc_str name, uint32_t off,
                            bool report)
{
    return mylc_lookup_ns(c, from->schema, from->fbs_ns, name, off, report);
}

/* Binds a type name written in declaration d; reports unknown names. */
static void bind(mylc_ctx *c, mylc_decl *d, mylc_type *t)
{
    t->base = mylc_builtin_lookup(t->name);
    if (t->base != MYLC_T_NONE)
        return;
    uint32_t off = t->shape == MYLC_SHAPE_VECTOR ? t->off + 1 : t->off;
    t->decl = mylc_lookup_from(c, d, t->name, off, true);
    if (t->decl)
        t->base = MYLC_T_NAMED;
}

static void bind_schema(mylc_ctx *c, mylc_schema *s)
{
    for (mylc_decl *d = s->decls; d && !c->stop; d = d->next) {
        switch (d->kind) {
        case MYLC_D_ENUM:
            d->under.base = mylc_builtin_lookup(d->under.name);
            break;
        case MYLC_D_EVENT:
        case MYLC_D_STRUCT:
        case MYLC_D_TABLE:
            for (mylc_field *f = d->fields; f && !c->stop; f = f->next)
                bind(c, d, &f->type);
            break;
        default:
            break;
        }
    }
}

void mylc_resolve(mylc_ctx *c, mylc_schema *root)
{
    mylc_schema *stack[MYLC_MAX_IMPORT_DEPTH];
    walk(c, root, stack, 0);
    for (unsigned i = 0; i < c->nfiles; i++) {
        mylc_schema *s = c->files[i]->schema;
        if (s && !s->resolved && !s->syntax_error) {
            build_names(c, s);
        }
    }
    for (unsigned i = 0; i < c->nfiles; i++) {
        mylc_schema *s = c->files[i]->schema;
        if (s && !s->resolved && !s->syntax_error) {
            bind_schema(c, s);
            s->resolved = true;
        }
    }
}
