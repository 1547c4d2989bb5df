/* libFuzzer target: the FlatBuffers verifier (with the interop schema's
 * descriptors) on arbitrary bytes, in every mode. Whatever it accepts is
 * walked with the readers (ASan catches a read outside the input), and
 * strict mode never accepts what the default mode rejects. */
#include <stdlib.h>
#include <string.h>

#include "interop_desc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    /* an exact-size, 8-aligned copy: reads past size hit ASan's redzone */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);
    static const unsigned modes[] = {0, MYL_FB_VERIFY_STRICT, MYL_FB_VERIFY_NO_ALIGN};
    int rcs[3];
    for (size_t i = 0; i < 3; i++) {
        myl_fb_verify_opts o = {.size = sizeof o, .flags = modes[i]};
        rcs[i] = myl_fb_verify(buf, size, &mylt_Monster_desc, &o, NULL);
        if (rcs[i] == 0)
            (void)mylt_walk(myl_fb_root(buf));
        else if (rcs[i] > -1100 || rcs[i] < -1111)
            abort(); /* only the verifier's own codes */
    }
    if (rcs[1] == 0 && rcs[0] != 0)
        abort(); /* strict accepted what the default rejected */
    if (rcs[0] == 0 && rcs[2] != 0)
        abort(); /* not checking alignment rejected what checking accepted */
    free(buf);
    return 0;
}
