/* Writes fuzz_journal's seed corpus with the real journal writer, and
 * fuzz_snapshot's with the real snapshot writer:
 *   fuzz_journal_seeds <dir> <snapdir>          write the seeds
 *   fuzz_journal_seeds --check <dir> <snapdir>  exit 1 unless the dirs
 *                                               hold exactly them
 * Each seed is fuzz_journal's input format: (u32 length, bytes) per
 * segment file, in sequence order. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "myelon/journal.h"
#include "myelon/snapshot.h"

static int cmp_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* A journal of n records in segments of seg bytes, written to tmp and
 * packed into out; cut bytes removed from the end (a torn tail). */
static size_t make(const char *tmp, uint32_t n, uint64_t seg, size_t cut, uint8_t *out, size_t cap)
{
    myl_journal_opts o = {.size = sizeof o, .sync = MYL_JOURNAL_SYNC_NONE, .segment_bytes = seg};
    myl_journal *j;
    if (myl_journal_open(tmp, &o, &j) != 0)
        return 0;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t b[40];
        uint32_t len = (i * 7u) % 40u;
        for (uint32_t k = 0; k < len; k++)
            b[k] = (uint8_t)(i + k);
        myl_journal_append(j, 0x5eed0000u + i, b, len, NULL);
    }
    if (myl_journal_close(j) != 0)
        return 0;
    char names[8][64];
    int k = 0;
    DIR *d = opendir(tmp);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL && k < 8)
        if (!strncmp(e->d_name, "journal-", 8))
            snprintf(names[k++], 64, "%.60s", e->d_name);
    if (d)
        closedir(d);
    qsort(names, (size_t)k, 64, cmp_name);
    size_t len = 0;
    for (int i = 0; i < k && i < 4; i++) {
        char p[800];
        snprintf(p, sizeof p, "%s/%s", tmp, names[i]);
        FILE *f = fopen(p, "rb");
        if (!f)
            return 0;
        uint32_t n32 = (uint32_t)fread(out + len + 4, 1, cap - len - 4, f);
        fclose(f);
        unlink(p);
        memcpy(out + len, &n32, 4);
        len += 4 + n32;
    }
    char lock[512];
    snprintf(lock, sizeof lock, "%s/journal.lock", tmp);
    unlink(lock);
    rmdir(tmp);
    return len > cut ? len - cut : 0;
}

/* Compare file with img[0, len), or write it. */
static int emit(const char *file, const uint8_t *img, size_t len, bool check, const char *argv0)
{
    static uint8_t have[(1 << 16) + 1];
    FILE *f = fopen(file, check ? "rb" : "wb");
    int bad = 0;
    if (check) {
        size_t n = f ? fread(have, 1, sizeof have, f) : 0;
        if (n != len || memcmp(have, img, len) != 0) {
            fprintf(stderr, "%s differs from what %s makes (regenerate: see its header)\n", file,
                    argv0);
            bad = 1;
        }
    } else if (!f || fwrite(img, 1, len, f) != len) {
        perror(file);
        bad = 1;
    }
    if (f)
        fclose(f);
    return bad;
}

/* A snapshot of seq with a payload of n bytes, as its file holds it. */
static size_t make_snapshot(const char *tmp, uint64_t seq, uint32_t n, uint8_t *out, size_t cap)
{
    uint8_t pl[256];
    for (uint32_t i = 0; i < n; i++)
        pl[i] = (uint8_t)(i * 13u);
    myl_snapshot_info in = {
        .seq = seq, .chain = seq * 0x9e3779b97f4a7c15u, .app_version = 1, .size = n};
    char path[300];
    snprintf(path, sizeof path, "%s/snapshot-%016llx.mys", tmp, (unsigned long long)seq);
    if (myl_snapshot_write(tmp, &in, pl) != 0)
        return 0;
    FILE *f = fopen(path, "rb");
    size_t len = f ? fread(out, 1, cap, f) : 0;
    if (f)
        fclose(f);
    unlink(path);
    rmdir(tmp);
    return len;
}

int main(int argc, char **argv)
{
    bool check = argc == 4 && strcmp(argv[1], "--check") == 0;
    if (argc != 3 && !check) {
        fprintf(stderr, "usage: %s [--check] <dir> <snapdir>\n", argv[0]);
        return 2;
    }
    const char *dir = argv[argc - 2], *snapdir = argv[argc - 1];
    char tmp[128];
    snprintf(tmp, sizeof tmp, "/tmp/myl-journal-seeds-%d", (int)getpid());
    static const struct {
        const char *name;
        uint32_t n;
        uint64_t seg;
        size_t cut;
    } seeds[] = {{"one-segment", 12, 4096, 0},
                 {"three-segments", 300, 4096, 0},
                 {"torn-tail", 20, 4096, 24 + 11}, /* past the zero end marker */
                 {"empty", 0, 4096, 0}};
    static uint8_t img[1 << 16];
    int bad = 0;
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        size_t len = make(tmp, seeds[i].n, seeds[i].seg, seeds[i].cut, img, sizeof img);
        if (!len) {
            fprintf(stderr, "%s: could not make the seed\n", seeds[i].name);
            return 1;
        }
        char file[512];
        snprintf(file, sizeof file, "%s/%s.bin", dir, seeds[i].name);
        bad += emit(file, img, len, check, argv[0]);
    }
    static const uint32_t snaps[] = {0, 40, 200};
    for (size_t i = 0; i < sizeof snaps / sizeof snaps[0]; i++) {
        size_t len = make_snapshot(tmp, 77 + i, snaps[i], img, sizeof img);
        if (!len) {
            fprintf(stderr, "snapshot %zu: could not make the seed\n", i);
            return 1;
        }
        char file[512];
        snprintf(file, sizeof file, "%s/payload-%u.mys", snapdir, snaps[i]);
        bad += emit(file, img, len, check, argv[0]);
    }
    return bad ? 1 : 0;
}
