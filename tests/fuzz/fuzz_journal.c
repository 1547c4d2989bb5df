/* fuzz_journal: the journal reader and recovery (journal.c) on fuzzed
 * segment files. The input is up to 4 chunks, each a little-endian u32
 * length and that many bytes: one segment file each, named after the
 * first sequence in its header (bytes 16..23) when it has one. The reader
 * walks everything from sequence 0, then myl_journal_open recovers the
 * directory (truncating a torn tail, refusing corruption) and the reader
 * walks it again: nothing may crash, hang or read out of bounds.
 *
 * fuzz_journal_seeds writes the seed corpus (tests/fuzz/journal_corpus)
 * with the real writer; `--check DIR` fails unless DIR holds exactly them.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "myelon/journal.h"

static char dir[128];
/* Where the walk puts a byte of each payload, so that every byte read
 * counts (a global: clang flags a local that is only written). */
static volatile uint8_t sink;

static void clear_dir(void)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
}

static void walk(void)
{
    myl_journal_reader *r;
    if (myl_journal_reader_open(dir, 0, &r) != 0)
        return;
    myl_journal_record rec;
    for (int i = 0; i < 100000 && myl_journal_read(r, &rec) == 1; i++)
        if (rec.len)
            sink ^= ((const uint8_t *)rec.data)[rec.len - 1];
    char where[512];
    uint64_t off;
    (void)myl_journal_reader_where(r, where, sizeof where, &off);
    myl_journal_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(dir, sizeof dir, "%s/myl-fuzz-journal-%d", base, (int)getpid());
    }
    clear_dir();
    rmdir(dir);
    /* Small segments: the mapped writer allocates its segment ahead. */
    myl_journal_opts o = {
        .size = sizeof o, .sync = MYL_JOURNAL_SYNC_NONE, .segment_bytes = 1 << 16};
    myl_journal *j;
    /* Create the directory (and its lock file) first. */
    if (myl_journal_open(dir, &o, &j) != 0)
        return 0;
    (void)myl_journal_close(j);
    clear_dir();
    for (int k = 0; k < 4 && size >= 4; k++) {
        uint32_t len;
        memcpy(&len, data, 4);
        data += 4;
        size -= 4;
        if (len > size)
            len = (uint32_t)size;
        uint64_t first = (uint64_t)k;
        if (len >= 24)
            memcpy(&first, data + 16, 8);
        char p[512];
        snprintf(p, sizeof p, "%s/journal-%016" PRIx64 ".myj", dir, first);
        FILE *f = fopen(p, "wb");
        if (f) {
            fwrite(data, 1, len, f);
            fclose(f);
        }
        data += len;
        size -= len;
    }
    walk();
    if (myl_journal_open(dir, &o, &j) == 0) {
        uint8_t b[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        (void)myl_journal_append(j, 7, b, sizeof b, NULL);
        (void)myl_journal_close(j);
        walk();
    }
    clear_dir();
    rmdir(dir);
    return 0;
}
