/* The generated entry points of bridge declarations (docs/myl.md,
 * "Bridges"): <pkg>_<bridge>_opts() and _run(), calling libmyelon_bridge.
 * Emitted behind MYL_WITH_BRIDGE in both files: generated code stays
 * libc-only (with libmyelon) for whoever does not define it, and only who
 * does links myelon::bridge (and so libzmq). */
#include <stdio.h>

#include "mylc.h"

#define S(x) (int)(x).n, (x).p

static bool any_bridge(const mylc_schema *s)
{
    for (const mylc_decl *d = s->decls; d; d = d->next)
        if (d->kind == MYLC_D_BRIDGE && d->bridge.channel)
            return true;
    return false;
}

void mylc_emit_bridges(mylc_ctx *c, mylc_schema *s, mylc_buf *h, mylc_buf *src)
{
    (void)c;
    if (!any_bridge(s))
        return;
    mylc_buf_puts(
        h, "\n/* Bridges: a channel carried to or from another host by libmyelon_bridge\n"
           " * (docs/BRIDGE.md). Declared only with MYL_WITH_BRIDGE defined (then link\n"
           " * myelon::bridge); without it this header and its source need no more than\n"
           " * libmyelon.\n"
           " *\n"
           " * <bridge>_opts() fills o with the declared options. <bridge>_run() attaches\n"
           " * the channel's ring (name: NULL for the channel's default; it may not exist\n"
           " * yet), opens the bridge (endpoint: NULL for the declared one) and runs it\n"
           " * until *stop is non-zero (stop may be NULL) or it fails: 0 when stopped, else\n"
           " * a negative MYL_E* code (MYL_EFINGERPRINT, MYL_ESLOTSIZE or MYL_EINVAL: a\n"
           " * handshake was refused, by either side); err (if not NULL) gets the reason. */\n"
           "#ifdef MYL_WITH_BRIDGE\n"
           "#ifdef __cplusplus\n"
           "}\n"
           "#endif\n"
           "#include <signal.h>\n"
           "#include <stddef.h>\n\n"
           "#include \"myelon/bridge.h\"\n"
           "#ifdef __cplusplus\n"
           "extern \"C\" {\n"
           "#endif\n");
    mylc_buf_puts(src, "\n#ifdef MYL_WITH_BRIDGE\n#include <stdio.h>\n");
    for (const mylc_decl *d = s->decls; d; d = d->next) {
        if (d->kind != MYLC_D_BRIDGE || !d->bridge.channel)
            continue;
        const mylc_bridge *b = &d->bridge;
        const mylc_decl *ch = b->channel;
        const char *dir = b->exporting ? "export" : "import";
        mylc_buf_printf(h,
                        "\n/* bridge %.*s: %ss channel %.*s %s %.*s */\n"
                        "void %s_opts(myl_bridge_opts *o);\n"
                        "int %s_run(const char *name, const char *endpoint, volatile "
                        "sig_atomic_t *stop, char *err,\n"
                        "           size_t err_size);\n",
                        S(d->name), dir, S(ch->name), b->exporting ? "to" : "from", S(b->endpoint),
                        d->cname, d->cname);
        mylc_buf_printf(src,
                        "\nvoid %s_opts(myl_bridge_opts *o)\n"
                        "{\n"
                        "    *o = (myl_bridge_opts){.size = sizeof *o,\n"
                        "                           .kind = %s,\n"
                        "                           .endpoint = %.*s,\n"
                        "                           .hwm = %lluu,\n"
                        "                           .batch = %lluu,\n"
                        "                           .reconnect_ns = INT64_C(%llu) * 1000000,\n"
                        "                           .peer_timeout_ns = INT64_C(%llu) * 1000000};\n"
                        "}\n",
                        d->cname, ch->chan.framed ? "MYL_BRIDGE_FRAMED" : "MYL_BRIDGE_RAW",
                        S(b->endpoint), (unsigned long long)b->hwm, (unsigned long long)b->batch,
                        (unsigned long long)b->reconnect_ms, (unsigned long long)b->timeout_ms);
        mylc_buf_printf(
            src,
            "\nint %s_run(const char *name, const char *endpoint, volatile sig_atomic_t *stop, "
            "char *err,\n"
            "           size_t err_size)\n"
            "{\n"
            "    myl_ring *ring = NULL;\n"
            "    int rc;\n"
            "    do /* the ring may not exist yet */\n"
            "        rc = %s_attach(name, 100000000, &ring);\n"
            "    while (rc == MYL_ETIMEDOUT && !(stop && *stop));\n"
            "    if (rc < 0) {\n"
            "        if (err && err_size)\n"
            "            snprintf(err, err_size, \"attach: %%s\", myl_strerror(rc));\n"
            "        return stop && *stop && rc == MYL_ETIMEDOUT ? 0 : rc;\n"
            "    }\n"
            "    myl_bridge_opts o;\n"
            "    %s_opts(&o);\n"
            "    if (endpoint)\n"
            "        o.endpoint = endpoint;\n"
            "    myl_bridge *b = NULL;\n"
            "    rc = myl_bridge_%s_open(ring, &o, &b);\n"
            "    while (rc == 0 && !(stop && *stop)) {\n"
            "        rc = myl_bridge_run(b, 100000000);\n"
            "        if (rc > 0)\n"
            "            rc = 0;\n"
            "    }\n"
            "    if (rc < 0 && err && err_size) {\n"
            "        const char *why = b ? myl_bridge_error(b) : \"\";\n"
            "        snprintf(err, err_size, \"%%s\", *why ? why : myl_strerror(rc));\n"
            "    }\n"
            "    myl_bridge_close(b);\n"
            "    myl_ring_close(ring);\n"
            "    return rc;\n"
            "}\n",
            d->cname, ch->cname, d->cname, dir);
    }
    mylc_buf_puts(h, "#endif /* MYL_WITH_BRIDGE */\n");
    mylc_buf_puts(src, "#endif /* MYL_WITH_BRIDGE */\n");
}
