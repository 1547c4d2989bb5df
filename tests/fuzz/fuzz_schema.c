/* fuzz_schema: the schema description decoder and the compatibility
 * comparison (runtime/src/compat.c) on fuzzed descriptions, as attach
 * reads them from a segment another process wrote: decoding must accept
 * or refuse cleanly and never read out of bounds, and a description that
 * decodes must compare without a breaking difference with itself, in
 * both the attach (symmetric) and the --check-compat (directed) modes.
 * Seeds: tests/fuzz/schema_corpus, the descriptions of the golden
 * schemas' channels (the .myl.c files in tests/golden) and a few damaged
 * ones. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "myelon/compat.h"
#include "myelon/error.h"

static bool count(void *ud, const myl_compat_diff *d)
{
    if (d->breaking)
        ++*(int *)ud;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[256];
    myl_schema *s = NULL;
    int rc = myl_schema_decode(data, size, &s, why, sizeof why);
    if (rc != 0) {
        if (rc != MYL_ECORRUPT && rc != -12 /* ENOMEM */)
            __builtin_trap();
        if (rc == MYL_ECORRUPT && (!why[0] || !memchr(why, 0, sizeof why)))
            __builtin_trap(); /* a refusal always says why */
        return 0;
    }
    int breaking = 0;
    if (myl_schema_compare(s, s, NULL, 0, 0, count, &breaking) < 0 || breaking)
        __builtin_trap();
    uint32_t n = myl_schema_type_count(s);
    for (uint32_t i = 0; i < n && i < 64; i++) {
        uint32_t pair[2] = {i, i};
        breaking = 0;
        if (myl_schema_compare(s, s, pair, 1, MYL_COMPAT_DIRECTED, count, &breaking) < 0 ||
            breaking)
            __builtin_trap();
    }
    if (myl_schema_compat(data, size, data, size, why, sizeof why) != 0)
        __builtin_trap();
    myl_schema_free(s);
    return 0;
}
