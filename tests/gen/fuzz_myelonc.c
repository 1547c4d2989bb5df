/* libFuzzer target: lexer, parser, resolver, checker and layout of myelonc
 * over arbitrary bytes, with imports served from memory ("a.myl" is the
 * input itself, "b.myl" a fixed small schema, anything else is missing),
 * and the emitters (C, .fbs) when the input compiles. Every input is also
 * compiled as a FlatBuffers schema ("a.fbs", including "b.fbs" or
 * "cycle.fbs", which includes "a.fbs" back: an include cycle whose other
 * half refers to the input's table `a.Back`), through the .fbs front end.
 * Diagnostics go to /dev/null. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mylc.h"

static const char other[] = "myelon 1;\npackage b;\nenum E : u8 { X, Y }\n"
                            "event H { x: u32; e: E; }\ntable T { s: string; }\n";

static const char other_fbs[] = "namespace b;\nenum E : ubyte { X, Y }\n"
                                "struct H { x: uint; e: E; }\ntable T { s: string; }\n";

static const char cycle_fbs[] = "include \"a.fbs\";\nnamespace cyc;\n"
                                "table Ring { back: a.Back; n: int; rings: [cyc.Ring]; }\n";

typedef struct input {
    const uint8_t *data;
    size_t size;
} input;

static const char *lookup(void *ud, const char *path, size_t *len)
{
    const input *in = ud;
    if (strcmp(path, "a.myl") == 0 || strcmp(path, "a.fbs") == 0) {
        *len = in->size;
        return (const char *)in->data;
    }
    if (strcmp(path, "b.myl") == 0) {
        *len = sizeof other - 1;
        return other;
    }
    if (strcmp(path, "b.fbs") == 0) {
        *len = sizeof other_fbs - 1;
        return other_fbs;
    }
    if (strcmp(path, "cycle.fbs") == 0) {
        *len = sizeof cycle_fbs - 1;
        return cycle_fbs;
    }
    return NULL;
}

static void compile(FILE *sink, const uint8_t *data, size_t size, const char *path)
{
    input in = {data, size};
    mylc_ctx c;
    mylc_ctx_init(&c, sink);
    c.mem_lookup = lookup;
    c.mem_ud = &in;
    mylc_file *f = mylc_load(&c, path, NULL, 0);
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
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink)
        sink = fopen("/dev/null", "w");
    compile(sink, data, size, "a.myl");
    compile(sink, data, size, "a.fbs");
    return 0;
}
