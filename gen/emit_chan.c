/* Emit: channels, as the rows of binding.c say (docs/COMPILER.md, "How to
 * add a channel shape or codec"): a channel's shape (layer 1) from its
 * row's sections, then a typed channel's codec (layer 2) over that shape.
 */
#include <string.h>

#include "emit.h"
#include "format.h"
#include "myelon/frame.h" /* MYL_FRAME_HDR_SIZE */

/* Data bytes of a channel's (largest) frame, as a C literal. */
/* The longest string literal C11 guarantees (5.2.4.1: 4095 characters),
 * which -pedantic holds generated code to. */
#define MYLC_MAX_LITERAL 4095u

static const char *frame_data(mylc_ctx *c, const mylc_channel *ch)
{
    return mylc_fmt(c, "%lluu",
                    (unsigned long long)(ch->frames[ch->nframes - 1] - MYL_FRAME_HDR_SIZE));
}

/* The channel's schema description (docs/myl.md §8.3) as a file-local
 * array <channel>_schema: a string literal of 16 escaped bytes a line
 * (the array has room for its NUL; *len is the description's length, 0
 * when it exceeds the format's limits), laid out as clang-format lays out
 * a declaration too long for one line. */
static const char *schema_array(mylc_ctx *c, const mylc_decl *d, size_t *len)
{
    mylc_buf blob = {0}, b = {0};
    if (!mylc_describe_channel(d, &blob))
        blob.n = 0;
    *len = blob.n;
    if (blob.n > MYLC_MAX_LITERAL) {
        /* Longer than the string literal C guarantees (4095 characters:
         * -pedantic warns): bytes, 16 a line, fenced from clang-format,
         * whose layout of a long list of numbers is its own. */
        mylc_buf_printf(&b,
                        "/* The channel's schema description (%zu bytes; myelon/compat.h). */\n"
                        "// clang-format off\n"
                        "static const uint8_t %s_schema[%zu] = {",
                        blob.n, d->cname, blob.n);
        for (size_t i = 0; i < blob.n; i++)
            mylc_buf_printf(&b, "%s0x%02x%s", i % 16 ? " " : "\n    ",
                            (unsigned)(unsigned char)blob.p[i], i + 1 < blob.n ? "," : "");
        mylc_buf_puts(&b, "\n};\n// clang-format on");
        const char *r = mylc_strdup(&c->arena, b.p, b.n);
        mylc_buf_free(&b);
        mylc_buf_free(&blob);
        return r;
    }
    /* The literal in lines of at most 64 characters: printable bytes as
     * themselves (the names in the description read as text), the others
     * as octal escapes, three digits only where a digit follows. */
    mylc_buf lit = {0};
    size_t width = 0, lines = 1;
    mylc_buf_putc(&lit, '"');
    for (size_t i = 0; i < blob.n; i++) {
        if (width >= 64) {
            mylc_buf_puts(&lit, "\"\n\"");
            width = 0;
            lines++;
        }
        unsigned char ch = (unsigned char)blob.p[i];
        unsigned char next = i + 1 < blob.n ? (unsigned char)blob.p[i + 1] : 0;
        size_t at = lit.n;
        if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\' && ch != '?') {
            mylc_buf_putc(&lit, (char)ch);
        } else {
            /* an octal escape: printf's "\\%o" (or "%03o" before a digit)
             * by hand, as descriptions are most of a channel's bytes */
            char oct[3] = {(char)('0' + (ch >> 6)), (char)('0' + ((ch >> 3) & 7)),
                           (char)('0' + (ch & 7))};
            unsigned skip = next >= '0' && next <= '9' ? 0 : ch < 8 ? 2 : ch < 64 ? 1 : 0;
            mylc_buf_putc(&lit, '\\');
            mylc_buf_put(&lit, oct + skip, 3 - skip);
        }
        width += lit.n - at;
    }
    mylc_buf_putc(&lit, '"');
    /* Laid out as clang-format lays out the declaration: on one line if
     * it fits, else the literal's lines under it, indented (twice when
     * the declaration itself needs two lines). */
    const char *decl = mylc_fmt(c, "static const uint8_t %s_schema[%zu] =", d->cname, blob.n + 1);
    const char *name = mylc_fmt(c, "%s_schema[%zu] =", d->cname, blob.n + 1);
    mylc_buf_printf(&b, "/* The channel's schema description (%zu bytes; myelon/compat.h). */\n",
                    blob.n);
    const char *indent = "    ";
    if (lines == 1 && strlen(decl) + lit.n + 2 <= MYLC_COLUMNS) {
        mylc_buf_printf(&b, "%s ", decl);
    } else if (strlen(decl) <= MYLC_COLUMNS) {
        mylc_buf_printf(&b, "%s\n    ", decl);
    } else if (lines == 1 && 4 + strlen(name) + lit.n + 2 <= MYLC_COLUMNS) {
        mylc_buf_printf(&b, "static const uint8_t\n    %s ", name);
    } else {
        mylc_buf_printf(&b, "static const uint8_t\n    %s\n        ", name);
        indent = "        ";
    }
    for (const char *p = lit.p, *e = lit.p + lit.n; p < e; p++) {
        mylc_buf_putc(&b, *p);
        if (*p == '\n')
            mylc_buf_puts(&b, indent);
    }
    mylc_buf_putc(&b, ';');
    mylc_buf_free(&lit);
    const char *r = mylc_strdup(&c->arena, b.p, b.n);
    mylc_buf_free(&b);
    mylc_buf_free(&blob);
    return r;
}

/* A channel's shape (layer 1): its row's header section, then its source
 * sections, every hole a shape's sections use filled. */
void mylc_emit_shape(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_buf *h, mylc_buf *src)
{
    mylc_channel *ch = &d->chan;
    const mylc_shape_row *row = &mylc_shapes[ch->shape];
    uint32_t count = row->sizes ? ch->nframes : row->lanes ? ch->nlanes : 0;
    const char *items[MYLC_MAX_FRAMES + MYLC_MAX_LANES];
    mylc_buf consts = {0};
    const char *array = "";
    size_t schema_len = 0;
    if (row->sizes) {
        for (uint32_t i = 0; i < count; i++)
            items[i] = mylc_fmt(c, "%llu", (unsigned long long)ch->frames[i]);
        array = mylc_init_list(
            c, mylc_fmt(c, "const uint32_t %s_frame_sizes[%u] =", d->cname, count), items, count);
    } else if (row->lanes) {
        for (uint32_t i = 0; i < count; i++) {
            items[i] = mylc_fmt(c, "\"%.*s\"", (int)ch->lanes[i].n, ch->lanes[i].p);
            mylc_buf_printf(&consts, "%s#define %s %uu", i ? "\n" : "", mylc_name_lane(c, d, i), i);
        }
        array = mylc_init_list(
            c, mylc_fmt(c, "const char *const %s_lane_names[%u] =", d->cname, count), items, count);
    }
    mylc_hole holes[] = {
        {"NAME", mylc_cstr(c, d->name)},
        {"CHAN", d->cname},
        {"EVENT", ch->carries.decl ? ch->carries.decl->cname : ""},
        {"LABEL", mylc_fmt(c, "%s.%.*s", s->pkg, (int)d->name.n, d->name.p)},
        {"FP", mylc_fmt(c, "0x%016llx", (unsigned long long)ch->fingerprint)},
        {"CAPACITY", mylc_fmt(c, "%llu", (unsigned long long)ch->capacity)},
        {"PRODUCERS", mylc_word_of(mylc_producers_words, ch->producers)->macro},
        {"MODE", mylc_word_of(mylc_mode_words, ch->mode)->macro},
        {"WAIT", mylc_word_of(mylc_wait_words, ch->wait)->macro},
        {"RINGFLAGS", ch->fences ? mylc_word_of(mylc_fences_words, ch->fences)->macro : "0"},
        {"BACKING", mylc_word_of(mylc_backing_words, ch->backing)->macro},
        {"FRAME",
         ch->nframes ? mylc_fmt(c, "%llu", (unsigned long long)ch->frames[ch->nframes - 1]) : ""},
        {"MAXMSG", mylc_fmt(c, "%llu", (unsigned long long)ch->max_message)},
        {"COUNT", mylc_fmt(c, "%u", count)},
        {"LANECONSTS", consts.p ? consts.p : ""},
        {"ARRAY", array},
        {"SCHEMA", schema_array(c, d, &schema_len)},
        {"SCHEMALEN", mylc_fmt(c, "%zuu", schema_len)},
        {NULL, NULL},
    };
    mylc_explain_once(h, row->header);
    mylc_buf_putc(h, '\n');
    mylc_emit_doc(h, d->doc);
    mylc_tpl_fill(h, mylc_tpl_section(mylc_tpl_header, row->header), holes);
    for (size_t i = 0; i < sizeof row->source / sizeof row->source[0] && row->source[i]; i++) {
        mylc_buf_putc(src, '\n');
        mylc_tpl_fill(src, mylc_tpl_section(mylc_tpl_source, row->source[i]), holes);
    }
    mylc_buf_free(&consts);
}

/* How a codec's channels decode a received message (the hole DECODE), by
 * codec: NULL when its sections have no such hole. */
static const char *(*const codec_decode[MYLC_CODEC_COUNT])(mylc_ctx *c, const mylc_decl *x) = {
    [MYLC_CODEC_COMPACT] = mylc_compact_decode,
};

/* A typed channel's codec over its shape (layer 2), after the shape's
 * code: the codec row's section for the shape, then, for a group, its
 * typed receive. */
void mylc_emit_codec(mylc_ctx *c, mylc_decl *d, mylc_buf *h)
{
    const mylc_channel *ch = &d->chan;
    const mylc_codec_part *part = &mylc_codecs[ch->codec].over[ch->shape];
    const char *decode =
        codec_decode[ch->codec] ? codec_decode[ch->codec](c, ch->carries.decl) : "";
    const char *ring = mylc_shapes[ch->shape].ring;
    mylc_hole holes[] = {
        {"NAME", mylc_cstr(c, d->name)},
        {"CHAN", d->cname},
        {"T", ch->carries.decl->cname},
        {"DATA", frame_data(c, ch)},
        {"DECODE", decode},
        {"RING", ring ? ring : ""},
        {NULL, NULL},
    };
    mylc_explain_once(h, part->header);
    mylc_buf_putc(h, '\n');
    mylc_tpl_fill(h, mylc_tpl_section(mylc_tpl_header, part->header), holes);
    if (part->group) {
        mylc_buf_putc(h, '\n');
        mylc_tpl_fill(h, mylc_tpl_section(mylc_tpl_header, part->group), holes);
    }
}
