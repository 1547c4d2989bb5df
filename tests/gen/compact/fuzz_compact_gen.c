/* libFuzzer target: the compact decoders myelonc generates from
 * tests/gen/compact/cgen.myl, on arbitrary bytes. The input is decoded as
 * each of Monster (a table: recursion, unions, every kind of sequence),
 * Order (a table with a required nested table), Sample (an event) and
 * Vec3 (a struct). The encoding is canonical (one encoding per value:
 * shortest varints, bools 0/1, no trailing bytes), so an input that
 * decodes must re-encode to exactly itself, in a buffer of exactly its
 * size; one byte less must be MYL_ETOOBIG. An input that does not decode
 * must fail with a compact error (or MYL_ETOOBIG when a table's arena runs
 * out). A table that decoded is also decoded again with an arena one byte
 * short of what it used, which must fail with MYL_ETOOBIG.
 *
 * Seeds (corpus/): each file is one valid message of the type its name
 * starts with (monster_*, order_*, sample_*, vec3_*), written once by a
 * throwaway program (not kept) that filled values with the generated
 * _init() and plain assignments and wrote the output of the generated
 * cgen_<T>_compact_encode(): monster_default (only the required name),
 * monster_small (scalars at their extremes, a few short sequences, a
 * Weapon in the union), monster_shield (a Shield with tags, voids, enum
 * values outside the enum), monster_large (100 tags, long vectors: more
 * than one 256-byte frame), monster_recursive (enemy of an enemy, Nothing
 * in the union), order, sample_min, sample_max, vec3. Each was checked to
 * decode as its type and re-encode to the same bytes. */
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgen.myl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool compact_err(int rc, bool arena)
{
    return rc == MYL_ECTRUNC || rc == MYL_ECVARINT || rc == MYL_ECODEC ||
           (arena && rc == MYL_ETOOBIG);
}

/* out: size bytes of the caller's; short: size - 1 bytes (NULL when size
 * is 0), both allocated to their exact size so that a write past the end
 * is caught by ASan. */
#define CHECK_REENCODE(T, val)                                                                     \
    do {                                                                                           \
        size_t len_ = 0;                                                                           \
        if (T##_compact_encode((val), out, size, &len_) != 0 || len_ != size ||                    \
            (size && memcmp(out, in, size) != 0))                                                  \
            abort();                                                                               \
        if (size && T##_compact_encode((val), shorter, size - 1, &len_) != MYL_ETOOBIG)            \
            abort();                                                                               \
    } while (0)

/* Decoded again with an arena one byte short of what the first decode
 * used (same base address, so the same alignment padding). */
#define CHECK_ARENA_SHORT(T, val)                                                                  \
    do {                                                                                           \
        size_t used_ = arena.used;                                                                 \
        if (used_) {                                                                               \
            myl_carena a2_;                                                                        \
            myl_carena_init(&a2_, arena_mem, used_ - 1);                                           \
            if (T##_compact_decode((val), in, size, &a2_) != MYL_ETOOBIG)                          \
                abort();                                                                           \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static alignas(16) uint8_t arena_mem[64 * 1024];
    uint8_t *in = malloc(size ? size : 1);
    uint8_t *out = malloc(size ? size : 1);
    uint8_t *shorter = size > 1 ? malloc(size - 1) : NULL;
    if (!in || !out || (size > 1 && !shorter))
        abort();
    if (size)
        memcpy(in, data, size);
    myl_carena arena;
    int rc;

    cgen_Monster mon;
    myl_carena_init(&arena, arena_mem, sizeof arena_mem);
    rc = cgen_Monster_compact_decode(&mon, in, size, &arena);
    if (rc == 0) {
        CHECK_REENCODE(cgen_Monster, &mon);
        CHECK_ARENA_SHORT(cgen_Monster, &mon);
    } else if (!compact_err(rc, true)) {
        abort();
    }

    cgen_Order ord;
    myl_carena_init(&arena, arena_mem, sizeof arena_mem);
    rc = cgen_Order_compact_decode(&ord, in, size, &arena);
    if (rc == 0) {
        if (!ord.pick) /* required */
            abort();
        CHECK_REENCODE(cgen_Order, &ord);
        CHECK_ARENA_SHORT(cgen_Order, &ord);
    } else if (!compact_err(rc, true)) {
        abort();
    }

    cgen_Sample smp;
    rc = cgen_Sample_compact_decode(&smp, in, size);
    if (rc == 0)
        CHECK_REENCODE(cgen_Sample, &smp);
    else if (!compact_err(rc, false))
        abort();

    cgen_Vec3 vec;
    rc = cgen_Vec3_compact_decode(&vec, in, size);
    if (rc == 0)
        CHECK_REENCODE(cgen_Vec3, &vec);
    else if (!compact_err(rc, false))
        abort();

    free(shorter);
    free(out);
    free(in);
    return 0;
}
