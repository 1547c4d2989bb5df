/* libFuzzer target: lexer, parser, resolver, checker and layout of myelonc
 * over arbitrary bytes, with imports served from memory ("a.myl" is the
 * input itself, "b.myl" a fixed small schema, anything else is missing),
 * and the emitters (C, .fbs) when the input compiles. Diagnostics go to /dev/null. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mylc.h"

static const char other[] = "myelon 1;\npackage b;\nenum E : u8 { X, Y }\n"
                            "event H { x: u32; e: E; }\ntable T { s: string; }\n";

typedef struct input {
    const uint8_t *data;
    size_t size;
} input;

static const char *lookup(void *ud, const char *path, size_t *len)
{
    const input *in = ud;
    if (strcmp(path, "a.myl") == 0) {
        *len = in->size;
        return (const char *)in->data;
    }
    if (strcmp(path, "b.myl") == 0) {
        *len = sizeof other - 1;
        return other;
    }
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink)
        sink = fopen("/dev/null", "w");
    input in = {data, size};
    mylc_ctx c;
    mylc_ctx_init(&c, sink);
    c.mem_lookup = lookup;
    c.mem_ud = &in;
    mylc_file *f = mylc_load(&c, "a.myl", NULL, 0);
    mylc_schema *s;
    if (f && mylc_compile(&c, f, &s)) {
        mylc_buf h = {0}, src = {0}, p = {0}, fbs = {0};
        mylc_emit(&c, s, &h, &src);
        mylc_emit_fbs(&c, s, &fbs);
        mylc_dump_schema(s, &p);
        mylc_buf_free(&fbs);
        mylc_buf_free(&h);
        mylc_buf_free(&src);
        mylc_buf_free(&p);
    }
    mylc_ctx_free(&c);
    return 0;
}
