/* Helpers of the fuzz targets that hand their input to the runtime as a
 * file another process left behind (fuzz_segment, fuzz_stat). */
#ifndef MYELON_TESTS_FUZZ_FILES_H
#define MYELON_TESTS_FUZZ_FILES_H

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "myelon/myelon.h"

/* Write size bytes to path (created or truncated). 0 or -1. */
static inline int fuzz_write_file(const char *path, const uint8_t *data, size_t size)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -1;
    for (size_t off = 0; off < size;) {
        ssize_t n = write(fd, data + off, size - off);
        if (n <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)n;
    }
    close(fd);
    return 0;
}

/* FNV-1a over header bytes [0, 120), the state word read as 0: the
 * layout's header checksum, so that inputs can get past it. */
static inline uint64_t fuzz_header_checksum(const uint8_t *h)
{
    uint64_t x = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < offsetof(myl__seg_header, checksum); i++) {
        bool state =
            i >= offsetof(myl__seg_header, state) && i < offsetof(myl__seg_header, state) + 4;
        x ^= state ? 0 : h[i];
        x *= UINT64_C(0x100000001b3);
    }
    return x;
}

#endif
