/* libFuzzer target: our verifier against the official C++ Verifier on
 * arbitrary bytes (alignment checks on and off). They must agree; when
 * both accept, our readers and flatc's accessors must return the same
 * values. */
#include <cstdlib>
#include <cstring>
#include <vector>

#include "compare.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    std::vector<uint64_t> words(size / 8 + 1);
    if (size)
        std::memcpy(words.data(), data, size);
    const uint8_t *buf = reinterpret_cast<const uint8_t *>(words.data());
    for (int align = 1; align >= 0; align--) {
        mylt_cmp::Verdicts v = mylt_cmp::verify_both(buf, size, 64, 1000000, align != 0);
        if (!mylt_cmp::agree(v, align != 0))
            std::abort();
        if (v.ours == 0) {
            (void)mylt_walk(myl_fb_root(buf));
            if (align && mylt_cmp::flatc_safe(buf, size)) {
                mylt_cmp::Diff d;
                d.verbose = false;
                mylt_cmp::monster(d, myl_fb_root(buf), mylt::GetMonster(buf));
                if (d.count)
                    std::abort();
            }
        }
    }
    return 0;
}
