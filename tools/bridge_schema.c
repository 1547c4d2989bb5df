/* myelon-bridge SCHEMA NAME: see bridge_schema.h. */
#include "bridge_schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mylc.h"

static bool name_is(const mylc_decl *d, const char *name)
{
    return d->name.n == strlen(name) && memcmp(d->name.p, name, d->name.n) == 0;
}

/* The declaration's endpoint literal, quotes off; endpoints hold no
 * escapes (docs/myl.md, "Bridges"), so one with a backslash is refused. */
static bool endpoint_of(const mylc_bridge *b, char *out, size_t cap)
{
    mylc_str e = b->endpoint;
    if (e.n < 2 || e.n - 2 >= cap || memchr(e.p, '\\', e.n))
        return false;
    memcpy(out, e.p + 1, e.n - 2);
    out[e.n - 2] = '\0';
    return true;
}

static int from_channel(const char *path, const mylc_decl *ch, mbr_target *t)
{
    const mylc_channel *c = &ch->chan;
    if (c->shape == MYLC_CS_CLASSES || c->shape == MYLC_CS_LANES) {
        fprintf(stderr,
                "myelon-bridge: %s: channel %.*s is a group of rings (%s); a bridge carries "
                "one ring\n",
                path, (int)ch->name.n, ch->name.p,
                c->shape == MYLC_CS_LANES ? "lanes" : "size classes");
        return -1;
    }
    int n = snprintf(t->label, sizeof t->label, "%s.%.*s", ch->schema->pkg, (int)ch->name.n,
                     ch->name.p);
    if (n < 0 || (size_t)n >= sizeof t->label) {
        fprintf(stderr, "myelon-bridge: %s: channel label too long\n", path);
        return -1;
    }
    t->backing = c->backing;
    t->fingerprint = c->fingerprint;
    t->framed = c->framed;
    mylc_buf desc = {0};
    if (mylc_describe_channel(ch, &desc) && desc.n) {
        t->schema = malloc(desc.n);
        if (t->schema) {
            memcpy(t->schema, desc.p, desc.n);
            t->schema_len = (uint32_t)desc.n;
        }
    }
    mylc_buf_free(&desc);
    return 0;
}

/* The schema at path, compiled by myelonc's front end in ctx (which the
 * caller frees), or NULL after its errors were reported. */
static mylc_schema *load(mylc_ctx *ctx, const char *path, const char **incdirs, unsigned nincdirs)
{
    mylc_ctx_init(ctx, stderr);
    ctx->incdirs = incdirs;
    ctx->nincdirs = nincdirs;
    mylc_schema *s = NULL;
    mylc_file *f = mylc_load(ctx, path, NULL, 0);
    if (!f || !mylc_compile(ctx, f, &s)) {
        if (ctx->errors)
            fprintf(stderr, "myelon-bridge: %s: %u error%s\n", path, ctx->errors,
                    ctx->errors == 1 ? "" : "s");
        return NULL;
    }
    return s;
}

int mbr_resolve(const char *path, const char *name, const char **incdirs, unsigned nincdirs,
                mbr_target *t)
{
    memset(t, 0, sizeof *t);
    mylc_ctx ctx;
    mylc_schema *s = load(&ctx, path, incdirs, nincdirs);
    int rc = -1;
    if (!s)
        goto out;
    for (const mylc_decl *d = s->decls; d; d = d->next) {
        if (!name_is(d, name))
            continue;
        if (d->kind == MYLC_D_CHANNEL) {
            rc = from_channel(path, d, t);
            goto out;
        }
        if (d->kind == MYLC_D_BRIDGE && d->bridge.channel) {
            const mylc_bridge *b = &d->bridge;
            if (!endpoint_of(b, t->endpoint, sizeof t->endpoint)) {
                fprintf(stderr, "myelon-bridge: %s: bridge %s: bad endpoint\n", path, name);
                goto out;
            }
            t->declared = true;
            t->exporting = b->exporting;
            t->hwm = b->hwm;
            t->batch = b->batch;
            t->reconnect_ms = b->reconnect_ms;
            t->timeout_ms = b->timeout_ms;
            rc = from_channel(path, b->channel, t);
            goto out;
        }
        break;
    }
    fprintf(stderr, "myelon-bridge: %s declares no channel or bridge named '%s'\n", path, name);
out:
    mylc_ctx_free(&ctx);
    return rc;
}

void mbr_free(mbr_target *t)
{
    free(t->schema);
    t->schema = NULL;
}

static char *keep(mbr_topology *t, const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    memcpy(s, p, n);
    s[n] = '\0';
    t->strings[t->nstrings++] = s;
    return s;
}

static int topology_of(const char *path, const mylc_decl *d, mbr_topology *t)
{
    uint32_t nroles = 0, nroutes = 0;
    for (const mylc_role *r = d->roles; r; r = r->next) {
        if (nroles == MYL_TOPO_MAX_ROLES)
            return -1;
        myl_topo_role_desc *o = &t->roles[nroles++];
        if (!(o->name = keep(t, r->name.p, r->name.n)))
            return -1;
        o->count = (uint32_t)r->count;
        o->min = (uint32_t)r->min;
        o->max = (uint32_t)r->max;
    }
    for (const mylc_route *rt = d->routes; rt; rt = rt->next) {
        if (nroutes == MYL_TOPO_MAX_ROUTES)
            return -1;
        const mylc_decl *ch = rt->channel;
        const mylc_channel *c = &ch->chan;
        if (c->shape == MYLC_CS_CLASSES || c->shape == MYLC_CS_LANES) {
            fprintf(stderr,
                    "myelon-bridge: %s: topology %.*s: route %s is over %s; a relay carries "
                    "routes of one ring\n",
                    path, (int)d->name.n, d->name.p, rt->name,
                    c->shape == MYLC_CS_LANES ? "lanes" : "size classes");
            return -1;
        }
        uint32_t i = nroutes++;
        myl_channel_desc *cd = &t->chans[i];
        char label[256];
        int n =
            snprintf(label, sizeof label, "%s.%.*s", ch->schema->pkg, (int)ch->name.n, ch->name.p);
        if (n < 0 || (size_t)n >= sizeof label || !(cd->name = keep(t, label, (size_t)n)))
            return -1;
        cd->fingerprint = c->fingerprint;
        cd->capacity = c->capacity;
        cd->slot_size = (uint32_t)c->slot_size;
        cd->producers = c->producers;
        cd->mode = c->mode;
        cd->wait = c->wait;
        cd->backing = c->backing;
        mylc_buf desc = {0};
        if (mylc_describe_channel(ch, &desc) && desc.n && (t->schemas[i] = malloc(desc.n))) {
            memcpy(t->schemas[i], desc.p, desc.n);
            cd->schema = t->schemas[i];
            cd->schema_len = (uint32_t)desc.n;
        }
        mylc_buf_free(&desc);
        myl_topo_route_desc *o = &t->routes[i];
        if (!(o->name = keep(t, rt->name, strlen(rt->name))))
            return -1;
        o->from = rt->from->index;
        o->to = rt->to->index;
        o->shape = (uint32_t)rt->shape;
        o->partition = (uint32_t)rt->partition;
        o->channel = cd;
    }
    char label[256];
    int n = snprintf(label, sizeof label, "%s.%.*s", d->schema->pkg, (int)d->name.n, d->name.p);
    if (n < 0 || (size_t)n >= sizeof label || !(t->desc.name = keep(t, label, (size_t)n)))
        return -1;
    t->desc.fingerprint = d->fingerprint;
    t->desc.nroles = nroles;
    t->desc.nroutes = nroutes;
    t->desc.roles = t->roles;
    t->desc.routes = t->routes;
    return 1;
}

int mbr_topology_resolve(const char *path, const char *name, const char **incdirs,
                         unsigned nincdirs, mbr_topology *t)
{
    memset(t, 0, sizeof *t);
    mylc_ctx ctx;
    mylc_schema *s = load(&ctx, path, incdirs, nincdirs);
    int rc = -1;
    if (!s)
        goto out;
    rc = 0;
    for (const mylc_decl *d = s->decls; d; d = d->next) {
        if (d->kind == MYLC_D_TOPOLOGY && name_is(d, name)) {
            rc = topology_of(path, d, t);
            break;
        }
        if (d->kind == MYLC_D_BRIDGE && name_is(d, name) && d->bridge.topology && d->bridge.role) {
            const mylc_bridge *b = &d->bridge;
            if (!endpoint_of(b, t->endpoint, sizeof t->endpoint) ||
                b->role->name.n >= sizeof t->role) {
                fprintf(stderr, "myelon-bridge: %s: bridge %s: bad endpoint or role\n", path, name);
                rc = -1;
                break;
            }
            memcpy(t->role, b->role->name.p, b->role->name.n);
            t->role[b->role->name.n] = '\0';
            t->declared = true;
            t->hwm = b->hwm;
            t->batch = b->batch;
            t->reconnect_ms = b->reconnect_ms;
            t->timeout_ms = b->timeout_ms;
            rc = topology_of(path, b->topology, t);
            break;
        }
    }
out:
    mylc_ctx_free(&ctx);
    if (rc < 0)
        mbr_topology_free(t);
    return rc;
}

void mbr_topology_free(mbr_topology *t)
{
    for (unsigned i = 0; i < t->nstrings; i++)
        free(t->strings[i]);
    for (unsigned i = 0; i < MYL_TOPO_MAX_ROUTES; i++)
        free(t->schemas[i]);
    memset(t, 0, sizeof *t);
}
