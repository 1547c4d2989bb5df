/* Emit: the C header and source of a schema, from the templates embedded
 * at build time (templates/header.h, templates/source.c), filled by the
 * template engine (template.c) and laid out by the formatter (format.c)
 * in the style of the root .clang-format. This file is the driver
 * (mylc_emit: every declaration in order, each to the emitter of its
 * construct: types, compact codec, FlatBuffers, channels; emit.h).
 * docs/COMPILER.md describes the phases.
 */
#include <string.h>

#include "emit.h"
#include "format.h"
#include "myelon/version.h"

/* myelonc is versioned with the runtime it ships with, and writes code
 * for that runtime's ABI. */
#define MYLC_ABI MYL_ABI_VERSION
const char *const mylc_version = MYL_VERSION_STRING;

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

/* The headers of .fbs files that include each other (an include cycle, as
 * flatc allows) are written in steps: 1. declarations (enums, structs,
 * table and union types); 2. table readers and builders, and tables as C
 * values; 3. their codecs. Each step has a guard of its own and ends by
 * including the headers of the schema's peers in the cycle, which run
 * their next step; so in whichever order the headers are included, every
 * step of every header runs after the steps before it of all of them, and
 * each declaration precedes its use (structs and enums used across the
 * cycle by a struct are refused by check.c: step 1 has no order). */
static void step_break(mylc_ctx *c, mylc_schema *s, mylc_buf *h, const mylc_buf *peers, int next)
{
    const char *g = mylc_name_guard(c, s);
    mylc_buf_puts(h, "\n#ifdef __cplusplus\n}\n#endif\n");
    if (next == 2)
        mylc_buf_puts(h, "\n/* This file and the ones below include each other (an include cycle,\n"
                         " * as flatc allows): their headers are written in steps, each guarded\n"
                         " * on its own and ending with the others' headers, so that in any\n"
                         " * order of inclusion every declaration precedes its use. */");
    mylc_buf_put(h, peers->p, peers->n);
    if (next > 3) { /* the end: the others' last steps */
        mylc_buf_puts(h, "\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n");
        return;
    }
    mylc_buf_printf(h, "\n#endif\n\n#if defined(%s_H) && !defined(%s_H_%d)\n#define %s_H_%d\n", g,
                    g, next, g, next);
    mylc_buf_puts(h, "\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n");
}

static void emit_both(mylc_ctx *c, mylc_schema *s, mylc_buf *hout, mylc_buf *sout)
{
    mylc_buf h = {0}, src = {0}, imports = {0}, peers = {0};
    mylc_explain_reset();
    for (mylc_import *im = s->imports; im; im = im->next)
        if (im->file && im->file->schema)
            mylc_buf_printf(mylc_in_cycle(s, im->file->schema) ? &peers : &imports,
                            "\n#include \"%s.myl.h\"", im->file->schema->stem);
    mylc_hole holes[] = {
        {"VERSION", mylc_version},
        {"SCHEMA", base_name(s->file->path)},
        {"GUARD", mylc_name_guard(c, s)},
        {"STEM", s->stem},
        {"ABI", mylc_fmt(c, "%d", MYLC_ABI)},
        {"IMPORTS", imports.p ? imports.p : ""},
        {"FP", mylc_fmt(c, "0x%016llx", (unsigned long long)s->fingerprint)},
        {"FEATURES", mylc_topo_features(c, s)},
        {NULL, NULL},
    };
    mylc_tpl_fill(&h, mylc_tpl_section(mylc_tpl_header, "begin"), holes);
    mylc_tpl_fill(&src, mylc_tpl_section(mylc_tpl_source, "begin"), holes);
    for (mylc_decl *d = s->decls; d; d = d->next) {
        switch (d->kind) {
        case MYLC_D_ENUM:
            mylc_emit_enum(c, d, &h, &src);
            break;
        case MYLC_D_EVENT:
            mylc_emit_record(c, d, &h, "event");
            mylc_emit_compact_record(c, d, &h);
            break;
        case MYLC_D_STRUCT: /* a struct has an event's layout (FlatBuffers' struct rules) */
            mylc_emit_record(c, d, &h, "struct");
            mylc_emit_compact_record(c, d, &h);
            break;
        case MYLC_D_TABLE:
            mylc_emit_fb_table_decl(c, d, &h);
            mylc_emit_compact_table_decl(c, d, &h);
            break;
        case MYLC_D_UNION:
            mylc_emit_fb_union(c, d, &h, &src);
            break;
        case MYLC_D_CHANNEL:
            if (mylc_shapes[d->chan.shape].header)
                mylc_emit_shape(c, s, d, &h, &src);
            break;
        default:
            break;
        }
    }
    if (peers.n)
        step_break(c, s, &h, &peers, 2);
    /* Table bodies after every declaration: readers return handles of
     * tables declared anywhere in the schema. */
    for (mylc_decl *d = s->decls; d; d = d->next)
        if (d->kind == MYLC_D_TABLE)
            mylc_emit_fb_table(c, d, &h, &src);
    /* Tables as plain values, for codec compact: every table's struct,
     * then every table's codec (tables refer to each other). */
    for (mylc_decl *d = s->decls; d; d = d->next)
        if (d->kind == MYLC_D_TABLE)
            mylc_emit_compact_table(c, d, &h);
    if (peers.n)
        step_break(c, s, &h, &peers, 3);
    for (mylc_decl *d = s->decls; d; d = d->next)
        if (d->kind == MYLC_D_TABLE)
            mylc_emit_compact_table_body(c, d, &h);
    /* Typed channels use the codecs, verifiers and readers: after them,
     * codec by codec in the order of mylc_codecs. */
    for (int k = 0; k < MYLC_CODEC_COUNT; k++)
        for (mylc_decl *d = s->decls; d; d = d->next)
            if (d->kind == MYLC_D_CHANNEL && d->chan.codec == (mylc_codec)k &&
                mylc_codecs[k].over[d->chan.shape].header)
                mylc_emit_codec(c, d, &h);
    /* Topologies use the channels' typed endpoints (gen/emit_topo.c). */
    bool first = true;
    for (mylc_decl *d = s->decls; d; d = d->next)
        if (d->kind == MYLC_D_TOPOLOGY && d->routes) {
            mylc_emit_topology(c, s, d, &h, &src, first);
            first = false;
        }
    /* Pipelines use the channels' typed endpoints (gen/emit_pipe.c). */
    first = true;
    for (mylc_decl *d = s->decls; d; d = d->next)
        if (d->kind == MYLC_D_PIPELINE && d->input) {
            mylc_emit_pipeline(c, s, d, &h, &src, first);
            first = false;
        }
    mylc_emit_bridges(c, s, &h, &src);
    if (peers.n)
        step_break(c, s, &h, &peers, 4);
    mylc_buf_putc(&h, '\n');
    mylc_tpl_fill(&h, mylc_tpl_section(mylc_tpl_header, "end"), holes);
    mylc_format_fenced(&h, hout);
    mylc_format_fenced(&src, sout);
    mylc_buf_free(&h);
    mylc_buf_free(&src);
    mylc_buf_free(&imports);
    mylc_buf_free(&peers);
}

void mylc_emit(mylc_ctx *c, mylc_schema *s, mylc_buf *header, mylc_buf *source)
{
    emit_both(c, s, header, source);
}
