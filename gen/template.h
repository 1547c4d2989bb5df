/* The template engine of myelonc's C emitter (template.c). */
#ifndef MYLC_TEMPLATE_H
#define MYLC_TEMPLATE_H

#include "mylc.h"

/* The embedded templates (templates/header.h and templates/source.c). */
extern const char mylc_tpl_header[];
extern const char mylc_tpl_source[];
/* The compact codec's sections (templates/compact.h). */
extern const char mylc_tpl_compact[];
/* Topologies' sections (templates/topo_header.h, topo_source.c) and the
 * stubs of --stubs (templates/topo_stub.c). */
extern const char mylc_tpl_topo_header[];
extern const char mylc_tpl_topo_source[];
extern const char mylc_tpl_topo_stub[];
/* Pipelines' sections and stubs (templates/pipe_header.h, pipe_source.c,
 * pipe_stub.c). */
extern const char mylc_tpl_pipe_header[];
extern const char mylc_tpl_pipe_source[];
extern const char mylc_tpl_pipe_stub[];

/* A hole's value: MYLT_<name> becomes value. Arrays end with {NULL, NULL}. */
typedef struct mylc_hole {
    const char *name;
    const char *value;
} mylc_hole;

/* The text of section name of tpl: from the line after its marker
 * comment to the next marker (or the end), without trailing blank lines
 * and indentation. A section that does not exist is an internal error
 * (abort): a misspelt name never yields an empty string. */
mylc_str mylc_tpl_section(const char *tpl, const char *name);
/* The same for a section that may not exist (a shared explanation):
 * false, and *sec empty, when tpl has no section name. */
bool mylc_tpl_find(const char *tpl, const char *name, mylc_str *sec);

/* Appends section sec to out with its holes filled, followed by a newline.
 * A line that is only a hole becomes the hole's lines, or nothing when the
 * value is empty. A hole without a value is an internal error (abort). */
void mylc_tpl_fill(mylc_buf *out, mylc_str sec, const mylc_hole *holes);

#endif
