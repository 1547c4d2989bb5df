/* libFuzzer target: the compact decoder on arbitrary bytes. The encoding
 * is canonical (shortest varints, bools 0/1, no trailing bytes), so an
 * input that decodes must re-encode to exactly itself. */
#include <stdlib.h>
#include <string.h>

#include "compact_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *in = malloc(size ? size : 1);
    if (!in)
        return 0;
    if (size)
        memcpy(in, data, size);
    cm_msg m;
    int rc = cm_decode(&m, in, size);
    if (rc == 0) {
        uint8_t out[512];
        size_t len = 0;
        if (cm_encode(&m, out, sizeof out, &len) != 0 || len != size || memcmp(out, in, size))
            abort();
    } else if (rc != MYL_ECTRUNC && rc != MYL_ECVARINT && rc != MYL_ECODEC) {
        abort();
    }
    free(in);
    return 0;
}
