/* Formats stdin with myelonc's formatter (gen/format.c) to stdout, for
 * fmt_diff.py, which compares it with clang-format. */
#include <stdio.h>

#include "format.h"

int main(void)
{
    mylc_buf in = {0}, out = {0};
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
        mylc_buf_put(&in, buf, n);
    mylc_format(&in, &out);
    if (out.n && fwrite(out.p, 1, out.n, stdout) != out.n)
        return 1;
    mylc_buf_free(&in);
    mylc_buf_free(&out);
    return 0;
}
