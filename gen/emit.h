/* The C emitters' internal interface: the pieces of a schema's header and
 * source that each emitter writes (emit_c.c drives them in declaration
 * order), and the helpers they share (emit_common.c). */
#ifndef MYLC_EMIT_H
#define MYLC_EMIT_H

#include "mylc.h"
#include "template.h"

/* ---- shared helpers (emit_common.c) ---- */

/* printf into the compile's arena. */
const char *mylc_fmt(mylc_ctx *c, const char *f, ...) __attribute__((format(printf, 2, 3)));
/* A NUL-terminated copy of s in the compile's arena. */
const char *mylc_cstr(mylc_ctx *c, mylc_str s);

/* Forgets which sections have been explained: called once per header. */
void mylc_explain_reset(void);
/* Writes the shared explanation of section sec (the header template's
 * section <sec>_doc, if it has one) into h, the first time only. */
void mylc_explain_once(mylc_buf *h, const char *sec);
/* Section sec of the header template tpl_h and of the source template
 * tpl_s, each after a blank line: the header's into h (after its
 * explanation and doc, a declaration's "///" comment), the source's into
 * src (tpl_s NULL: nothing into src). */
void mylc_fill_both(mylc_buf *h, mylc_buf *src, const char *tpl_h, const char *tpl_s,
                    const char *sec, const mylc_hole *holes, mylc_str doc);
/* A schema's "///" doc comment as "///" lines at indent ind, wrapped at
 * the column limit. */
void mylc_emit_doc_at(mylc_buf *o, mylc_str doc, const char *ind);
void mylc_emit_doc(mylc_buf *o, mylc_str doc);

/* A brace-enclosed initializer list "decl {a, b, c};" laid out as
 * clang-format keeps it: on the line of its declaration if it fits, else
 * one item per line with an aligned index comment (mylc_init_list) or
 * without (mylc_init_short, for a few items). */
const char *mylc_init_list(mylc_ctx *c, const char *decl, const char *items[], uint32_t n);
const char *mylc_init_short(mylc_ctx *c, const char *decl, const char *items[], uint32_t n);

/* ---- types: enums, events, structs (emit_types.c) ---- */

void mylc_emit_enum(mylc_ctx *c, mylc_decl *d, mylc_buf *h, mylc_buf *src);
/* An event (sec "event") or a FlatBuffers struct (sec "struct"): the C
 * struct with the layout of layout.c, and its static asserts. */
void mylc_emit_record(mylc_ctx *c, mylc_decl *d, mylc_buf *h, const char *sec);

/* ---- codec compact (emit_compact.c, templates/compact.h) ---- */

/* An event's or struct's codec, after its C struct. */
void mylc_emit_compact_record(mylc_ctx *c, mylc_decl *d, mylc_buf *h);
/* A table's forward typedef, in declaration order. */
void mylc_emit_compact_table_decl(mylc_ctx *c, mylc_decl *d, mylc_buf *h);
/* A table's C struct and codec prototypes, after every declaration. */
void mylc_emit_compact_table(mylc_ctx *c, mylc_decl *d, mylc_buf *h);
/* A table's codec, after every table's struct. */
void mylc_emit_compact_table_body(mylc_ctx *c, mylc_decl *d, mylc_buf *h);
/* How a compact channel carrying x decodes a received message (the hole
 * DECODE of the compact channel sections). */
const char *mylc_compact_decode(mylc_ctx *c, const mylc_decl *x);
/* A bound of the arena bytes that decoding table x takes per byte of its
 * wire form: the C size, at most, of every type its decoding may carve
 * out of the arena, each once, plus alignment slack (each allocation takes
 * a wire byte or more; sequences of tables without fields excepted). */
uint64_t mylc_compact_arena_unit(mylc_ctx *c, const mylc_decl *x);

/* ---- channels (emit_chan.c) ---- */

/* A channel's shape (layer 1): its row's header and source sections. */
void mylc_emit_shape(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_buf *h, mylc_buf *src);
/* A typed channel's codec over its shape (layer 2). */
void mylc_emit_codec(mylc_ctx *c, mylc_decl *d, mylc_buf *h);

/* ---- FlatBuffers: tables and unions (emit_fb.c) ---- */

/* A table's forward declarations, in declaration order. */
void mylc_emit_fb_table_decl(mylc_ctx *c, mylc_decl *d, mylc_buf *h);
/* A table's readers, builders and verifier descriptor. */
void mylc_emit_fb_table(mylc_ctx *c, mylc_decl *d, mylc_buf *h, mylc_buf *src);
/* A union's type codes and member descriptors. */
void mylc_emit_fb_union(mylc_ctx *c, mylc_decl *d, mylc_buf *h, mylc_buf *src);
/* The C literal of a scalar or enum table field's default. */
const char *mylc_default_literal(mylc_ctx *c, const mylc_field *f);

#endif
