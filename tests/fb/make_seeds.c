/* Writes the seed corpora of the fb fuzz targets:
 *   <dir>/verify/ours-NAME.fb   the interop samples as our builder makes them
 *   <dir>/compact/NAME.bin      compact messages (valid, and a few broken)
 * The flatc-made seeds (<dir>/verify/flatc-NAME.bin) are copies of the
 * sample_*.bin files the build makes with `flatc -b`. */
#include <stdio.h>
#include <string.h>

#include "compact_msg.h"
#include "interop_desc.h"

static int write_file(const char *dir, const char *name, const void *p, size_t n)
{
    char path[4096];
    int n_path = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n_path < 0 || (size_t)n_path >= sizeof path) {
        fprintf(stderr, "path too long: %s/%s\n", dir, name);
        return 1;
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n) {
        perror(path);
        if (f)
            fclose(f);
        return 1;
    }
    return fclose(f) != 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <tests/fb/corpus>\n", argv[0]);
        return 2;
    }
    char dir[4096];
    static uint64_t buf[1024];
    int err = 0;
    snprintf(dir, sizeof dir, "%s/verify", argv[1]);
    static const char *names[] = {"ours-full.fb", "ours-minimal.fb", "ours-defaults.fb"};
    for (int which = 0; which < 3; which++) {
        myl_fb_msg m;
        if (mylt_build_sample_buf(which, buf, sizeof buf, NULL, 0, 0, &m))
            return 1;
        err |= write_file(dir, names[which], m.data, m.len);
    }
    myl_fb_msg m;
    if (mylt_build_sample_buf(MYLT_SAMPLE_FULL, buf, 1200, NULL, 0, MYL_FB_FINISH_AT_FRONT, &m))
        return 1;
    err |= write_file(dir, "ours-full-at-front.fb", m.data, m.len);

    snprintf(dir, sizeof dir, "%s/compact", argv[1]);
    cm_msg c = {.kind = 3,
                .urgent = true,
                .port = 8080,
                .delta = -5,
                .id = UINT64_C(1) << 40,
                .offset = -1234567,
                .count = 300,
                .balance = -2,
                .ratio = 0.5f,
                .price = 101.25,
                .blob = (const uint8_t *)"\x00\x01\x02",
                .blob_len = 3,
                .name = "tick",
                .name_len = 4,
                .nitems = 3,
                .items = {-1, 0, INT64_MAX}};
    size_t len;
    uint8_t out[512];
    if (cm_encode(&c, out, sizeof out, &len))
        return 1;
    err |= write_file(dir, "full.bin", out, len);
    err |= write_file(dir, "truncated.bin", out, len - 3);
    cm_msg z;
    memset(&z, 0, sizeof z);
    if (cm_encode(&z, out, sizeof out, &len))
        return 1;
    err |= write_file(dir, "zero.bin", out, len);
    c.id = UINT64_MAX;
    c.offset = INT64_MIN;
    c.count = UINT32_MAX;
    c.balance = INT32_MIN;
    c.nitems = 16;
    if (cm_encode(&c, out, sizeof out, &len))
        return 1;
    err |= write_file(dir, "extremes.bin", out, len);
    return err;
}
