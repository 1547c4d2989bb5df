/* CRC32C (Castagnoli polynomial, RFC 3720), in software (slicing by 8)
 * and with the SSE4.2 crc32 instruction where the CPU has it (probed at
 * run time): 8 bytes an instruction, in three interleaved streams for
 * buffers of 768 bytes and more. */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"
#include "myelon/journal.h"

#define CRC32C_POLY 0x82f63b78u /* reflected */

static uint32_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (CRC32C_POLY & (0u - (c & 1u)));
        table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xffu];
}

uint32_t myl_crc32c_sw(uint32_t crc, const void *data, size_t len)
{
    pthread_once(&table_once, table_init);
    const uint8_t *p = data;
    uint32_t c = ~crc;
    while (len && ((uintptr_t)p & 7u)) {
        c = (c >> 8) ^ table[0][(c ^ *p++) & 0xffu];
        len--;
    }
    while (len >= 8) {
        uint32_t lo =
            (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        lo ^= c;
        c = table[7][lo & 0xffu] ^ table[6][(lo >> 8) & 0xffu] ^ table[5][(lo >> 16) & 0xffu] ^
            table[4][lo >> 24] ^ table[3][p[4]] ^ table[2][p[5]] ^ table[1][p[6]] ^ table[0][p[7]];
        p += 8;
        len -= 8;
    }
    while (len--)
        c = (c >> 8) ^ table[0][(c ^ *p++) & 0xffu];
    return ~c;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MYL__CRC_HW 1

/* Long buffers are cut into three blocks whose CRCs run in parallel: the
 * crc32 instruction has a latency of three cycles and a throughput of one,
 * so one dependent stream uses a third of it. The three register values
 * are then combined, each shifted over the bytes after it by a table
 * (the operator "append n zero bytes", as in Mark Adler's crc32c.c).
 * LONG and SHORT are powers of two (zeros_op below needs it). */
#define CRC_LONG ((size_t)8192)
#define CRC_SHORT ((size_t)256)

static uint32_t crc_long[4][256], crc_short[4][256];
static pthread_once_t shift_once = PTHREAD_ONCE_INIT;

/* The 32x32 GF(2) matrix mat (columns) times vec. */
static uint32_t gf2_times(const uint32_t *mat, uint32_t vec)
{
    uint32_t sum = 0;
    for (; vec; vec >>= 1, mat++)
        if (vec & 1u)
            sum ^= *mat;
    return sum;
}

static void gf2_square(uint32_t *square, const uint32_t *mat)
{
    for (int n = 0; n < 32; n++)
        square[n] = gf2_times(mat, mat[n]);
}

/* even = the operator appending len zero bytes to a CRC register; len a
 * power of two. */
static void zeros_op(uint32_t *even, size_t len)
{
    uint32_t odd[32];
    odd[0] = CRC32C_POLY; /* one zero bit */
    for (int n = 1; n < 32; n++)
        odd[n] = 1u << (n - 1);
    gf2_square(even, odd); /* two bits */
    gf2_square(odd, even); /* four bits */
    for (;;) {
        gf2_square(even, odd); /* one byte, then 4, 16, ... */
        len >>= 1;
        if (!len)
            return;
        gf2_square(odd, even); /* two bytes, then 8, 32, ... */
        len >>= 1;
        if (!len)
            break;
    }
    memcpy(even, odd, sizeof odd);
}

static void zeros_table(uint32_t zeros[4][256], size_t len)
{
    uint32_t op[32];
    zeros_op(op, len);
    for (uint32_t n = 0; n < 256; n++)
        for (int k = 0; k < 4; k++)
            zeros[k][n] = gf2_times(op, n << (8 * k));
}

static void shift_init(void)
{
    zeros_table(crc_long, CRC_LONG);
    zeros_table(crc_short, CRC_SHORT);
}

static uint32_t crc_shift(uint32_t zeros[4][256], uint32_t crc)
{
    return zeros[0][crc & 0xffu] ^ zeros[1][(crc >> 8) & 0xffu] ^ zeros[2][(crc >> 16) & 0xffu] ^
           zeros[3][crc >> 24];
}

__attribute__((target("sse4.2"))) static uint64_t crc3(uint32_t zeros[4][256], uint64_t c0,
                                                       const uint8_t **pp, size_t block)
{
    const uint8_t *p = *pp, *end = p + block;
    uint64_t c1 = 0, c2 = 0;
    do {
        uint64_t a, b, d;
        memcpy(&a, p, 8);
        memcpy(&b, p + block, 8);
        memcpy(&d, p + 2 * block, 8);
        c0 = __builtin_ia32_crc32di(c0, a);
        c1 = __builtin_ia32_crc32di(c1, b);
        c2 = __builtin_ia32_crc32di(c2, d);
        p += 8;
    } while (p < end);
    c0 = crc_shift(zeros, (uint32_t)c0) ^ (uint32_t)c1;
    c0 = crc_shift(zeros, (uint32_t)c0) ^ (uint32_t)c2;
    *pp = p + 2 * block;
    return c0;
}

/* The CRC register (not inverted) after data, from register c. */
__attribute__((target("sse4.2"))) static inline uint64_t crc_hw_reg(uint64_t c, const uint8_t *p,
                                                                    size_t len)
{
    if (len >= 3 * CRC_SHORT) {
        pthread_once(&shift_once, shift_init);
        while (len && ((uintptr_t)p & 7u)) {
            c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
            len--;
        }
        for (; len >= 3 * CRC_LONG; len -= 3 * CRC_LONG)
            c = crc3(crc_long, c, &p, CRC_LONG);
        for (; len >= 3 * CRC_SHORT; len -= 3 * CRC_SHORT)
            c = crc3(crc_short, c, &p, CRC_SHORT);
    }
    for (; len >= 8; len -= 8, p += 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c = __builtin_ia32_crc32di(c, v);
    }
    if (len >= 4) {
        uint32_t v;
        memcpy(&v, p, 4);
        c = __builtin_ia32_crc32si((uint32_t)c, v);
        p += 4;
        len -= 4;
    }
    while (len--)
        c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
    return c;
}

__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t crc, const void *data,
                                                            size_t len)
{
    return ~(uint32_t)crc_hw_reg(~crc, data, len);
}

__attribute__((target("sse4.2"))) static uint32_t crc32c_hw_tail32(const void *data, size_t len,
                                                                   uint32_t tail)
{
    uint64_t c = crc_hw_reg(UINT32_MAX, data, len);
    return ~__builtin_ia32_crc32si((uint32_t)c, tail);
}

/* myl__crc32c_record's short case: each 8 bytes loaded once, stored to
 * dst and fed to the crc32 instruction from the register, so the CRC is of
 * exactly the bytes stored (src may change meanwhile: shared memory) and
 * no load waits on the store just made. */
__attribute__((target("sse4.2"))) static uint32_t
crc32c_hw_record(uint8_t *dst, uint64_t seq, uint64_t type, const uint8_t *src, uint32_t len)
{
    uint64_t c = __builtin_ia32_crc32di(UINT32_MAX, seq);
    c = __builtin_ia32_crc32di(c, type);
    memcpy(dst, &seq, 8);
    memcpy(dst + 8, &type, 8);
    dst += 16;
    uint32_t n = len;
    for (; n >= 8; n -= 8, src += 8, dst += 8) {
        uint64_t v;
        memcpy(&v, src, 8);
        memcpy(dst, &v, 8);
        c = __builtin_ia32_crc32di(c, v);
    }
    if (n) {
        /* The last 1..7 bytes and the zero padding after them: one store. */
        uint64_t v = 0;
        memcpy(&v, src, n);
        memcpy(dst, &v, 8);
        const uint8_t *b = (const uint8_t *)&v;
        if (n >= 4) {
            uint32_t w;
            memcpy(&w, b, 4);
            c = __builtin_ia32_crc32si((uint32_t)c, w);
            b += 4;
            n -= 4;
        }
        while (n--)
            c = __builtin_ia32_crc32qi((uint32_t)c, *b++);
    }
    return ~__builtin_ia32_crc32si((uint32_t)c, len);
}

/* 0 unknown, 1 software, 2 hardware. Relaxed: every thread computes the
 * same value; a race only repeats the probe. */
static MYL__ATOMIC(uint32_t) impl;

static bool have_hw(void)
{
    uint32_t i = myl__load_relaxed(&impl);
    if (i == 0) {
        __builtin_cpu_init();
        i = __builtin_cpu_supports("sse4.2") ? 2u : 1u;
        myl__store_relaxed(&impl, i);
    }
    return i == 2;
}
#endif

uint32_t myl__crc32c_tail32(const void *data, size_t len, uint32_t tail)
{
#ifdef MYL__CRC_HW
    if (have_hw())
        return crc32c_hw_tail32(data, len, tail);
#endif
    return myl_crc32c_sw(myl_crc32c_sw(0, data, len), &tail, 4);
}

/* Copy, zero padding, then the CRC of the copy. */
static void record_copy(uint8_t *dst, uint64_t seq, uint64_t type, const void *src, uint32_t len)
{
    memcpy(dst, &seq, 8);
    memcpy(dst + 8, &type, 8);
    if (len)
        memcpy(dst + 16, src, len);
    size_t pad = (size_t)((8u - (len & 7u)) & 7u);
    if (pad)
        memset(dst + 16 + len, 0, pad);
}

static uint32_t record_sw(uint8_t *dst, uint64_t seq, uint64_t type, const void *src, uint32_t len)
{
    record_copy(dst, seq, type, src, len);
    return myl_crc32c_sw(myl_crc32c_sw(0, dst, 16 + (size_t)len), &len, 4);
}

#ifdef MYL__CRC_HW
__attribute__((target("sse4.2"))) static uint32_t
record_hw(uint8_t *dst, uint64_t seq, uint64_t type, const void *src, uint32_t len)
{
    if (len < 3 * CRC_SHORT)
        return crc32c_hw_record(dst, seq, type, src, len);
    /* Long payloads: the three-stream CRC over the copy. */
    record_copy(dst, seq, type, src, len);
    return crc32c_hw_tail32(dst, 16 + (size_t)len, len);
}
#endif

myl__crc32c_record_fn myl__crc32c_record(void)
{
#ifdef MYL__CRC_HW
    if (have_hw())
        return record_hw;
#endif
    return record_sw;
}

uint32_t myl_crc32c(uint32_t crc, const void *data, size_t len)
{
#ifdef MYL__CRC_HW
    if (have_hw())
        return crc32c_hw(crc, data, len);
#endif
    return myl_crc32c_sw(crc, data, len);
}
