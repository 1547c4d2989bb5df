/* The formatter of myelonc's C output (format.c). */
#ifndef MYLC_FORMAT_H
#define MYLC_FORMAT_H

#include "mylc.h"

/* The column limit of the root .clang-format. */
#define MYLC_COLUMNS 100

/* Appends in, laid out as clang-format lays out the C the emitter
 * writes, to out. Comments and preprocessor lines are copied. */
void mylc_format(mylc_buf *in, mylc_buf *out);

/* As mylc_format(), construct by construct; a top-level construct that
 * does not fit the column limit in any layout (a name longer than a line)
 * is written between "// clang-format off" and "// clang-format on". */
void mylc_format_fenced(mylc_buf *in, mylc_buf *out);

#endif
