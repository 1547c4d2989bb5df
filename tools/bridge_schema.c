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

int mbr_resolve(const char *path, const char *name, const char **incdirs, unsigned nincdirs,
                mbr_target *t)
{
    memset(t, 0, sizeof *t);
    mylc_ctx ctx;
    mylc_ctx_init(&ctx, stderr);
    ctx.incdirs = incdirs;
    ctx.nincdirs = nincdirs;
    mylc_schema *s = NULL;
    mylc_file *f = mylc_load(&ctx, path, NULL, 0);
    int rc = -1;
    if (!f || !mylc_compile(&ctx, f, &s)) {
        if (ctx.errors)
            fprintf(stderr, "myelon-bridge: %s: %u error%s\n", path, ctx.errors,
                    ctx.errors == 1 ? "" : "s");
        goto out;
    }
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
