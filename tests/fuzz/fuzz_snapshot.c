/* fuzz_snapshot: the snapshot frame parser (snapshot.c) on fuzzed images:
 * it must accept only what a writer made, and never read out of bounds.
 * Seeds: tests/fuzz/snapshot_corpus, made by fuzz_journal_seeds. */
#include <stddef.h>
#include <stdint.h>

#include "myelon/snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    myl_snapshot_info info;
    const void *payload;
    if (myl_snapshot_parse(data, size, &info, &payload) == 0) {
        /* Accepted: the payload lies inside the image, after the header. */
        const uint8_t *p = payload;
        if (p != data + MYL_SNAPSHOT_HEADER || info.size != size - MYL_SNAPSHOT_HEADER)
            __builtin_trap();
    }
    return 0;
}
