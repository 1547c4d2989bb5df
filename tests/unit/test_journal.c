/* The journal (journal.h): CRC32C against RFC 3720's vectors, the record
 * format across rotation and reopen, torn-tail recovery, corruption found
 * and located, I/O faults through the hooks (short writes, ENOSPC, EIO on
 * fsync: fatal, never retried), one writer per directory, and a writer
 * killed with SIGKILL at random instants whose durable records all
 * survive.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>

#include "unit_util.h"

/* ---- helpers ---- */

static int count_segments(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += !strncmp(e->d_name, "journal-", 8);
    closedir(d);
    return n;
}

/* The path of the segment with the largest first sequence. */
static void last_segment(const char *dir, char *out, size_t cap)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    char best[64] = "";
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (!strncmp(e->d_name, "journal-", 8) && strcmp(e->d_name, best) > 0)
            snprintf(best, sizeof best, "%.60s", e->d_name);
    closedir(d);
    assert_true(best[0] != '\0');
    snprintf(out, cap, "%s/%s", dir, best);
}

/* Payload of record seq: deterministic, length 0..200. */
static uint32_t payload(uint64_t seq, uint8_t *buf)
{
    uint32_t len = (uint32_t)((seq * 37u) % 201u);
    for (uint32_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(seq * 131u + i);
    return len;
}

static void append_n(myl_journal *j, uint64_t n)
{
    uint8_t b[256];
    for (uint64_t i = 0; i < n; i++) {
        uint64_t s = myl_journal_next_seq(j), got;
        uint32_t len = payload(s, b);
        assert_int_equal(myl_journal_append(j, s ^ 0xabcdu, b, len, &got), 0);
        assert_int_equal(got, s);
    }
}

/* Read the whole journal from `from`; check every record; return the count
 * and the reader's final status. */
static uint64_t read_all(const char *dir, uint64_t from, int *status)
{
    myl_journal_reader *r;
    assert_int_equal(myl_journal_reader_open(dir, from, &r), 0);
    myl_journal_record rec;
    uint8_t b[256];
    uint64_t n = 0, expect = from;
    int rc;
    while ((rc = myl_journal_read(r, &rec)) == 1) {
        assert_int_equal(rec.seq, expect);
        assert_int_equal(rec.type, rec.seq ^ 0xabcdu);
        uint32_t len = payload(rec.seq, b);
        assert_int_equal(rec.len, len);
        assert_memory_equal(rec.data, b, len);
        expect++;
        n++;
    }
    *status = rc;
    myl_journal_reader_close(r);
    return n;
}

/* Reopened (recovered), the journal holds at least at_least records,
 * every one of them readable; returns how many. */
static uint64_t reopen_holds(const char *dir, uint64_t at_least)
{
    myl_journal *j;
    assert_int_equal(myl_journal_open(dir, NULL, &j), 0);
    uint64_t next = myl_journal_next_seq(j);
    assert_true(next >= at_least);
    assert_int_equal(myl_journal_close(j), 0);
    int st;
    assert_int_equal(read_all(dir, 0, &st), next);
    assert_int_equal(st, 0);
    return next;
}

/* Where the data of the journal's last segment ends (the reader's
 * position after the last record). */
static uint64_t data_end(const char *dir)
{
    myl_journal_reader *r;
    assert_int_equal(myl_journal_reader_open(dir, 0, &r), 0);
    myl_journal_record rec;
    while (myl_journal_read(r, &rec) == 1)
        ;
    uint64_t off = 0;
    assert_int_equal(myl_journal_reader_where(r, NULL, 0, &off), 0);
    myl_journal_reader_close(r);
    return off;
}

/* ---- CRC32C ---- */

static void test_crc32c_vectors(void **state)
{
    (void)state;
    /* RFC 3720, appendix B.4, and the customary "123456789" check value. */
    uint8_t zeros[32] = {0}, ones[32], inc[32], dec[32];
    for (int i = 0; i < 32; i++) {
        ones[i] = 0xff;
        inc[i] = (uint8_t)i;
        dec[i] = (uint8_t)(31 - i);
    }
    uint32_t (*fns[2])(uint32_t, const void *, size_t) = {myl_crc32c, myl_crc32c_sw};
    for (int f = 0; f < 2; f++) {
        assert_int_equal(fns[f](0, zeros, 32), 0x8a9136aau);
        assert_int_equal(fns[f](0, ones, 32), 0x62a8ab43u);
        assert_int_equal(fns[f](0, inc, 32), 0x46dd794eu);
        assert_int_equal(fns[f](0, dec, 32), 0x113fdb5cu);
        assert_int_equal(fns[f](0, "123456789", 9), 0xe3069283u);
        assert_int_equal(fns[f](0, "", 0), 0u);
    }
    /* Hardware and software agree at every alignment and split. */
    uint8_t buf[300];
    uint64_t x = 88172645463325252u;
    for (size_t i = 0; i < sizeof buf; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        buf[i] = (uint8_t)x;
    }
    for (size_t off = 0; off < 16; off++)
        for (size_t len = 0; len < 280; len += 7) {
            uint32_t a = myl_crc32c(0, buf + off, len), b = myl_crc32c_sw(0, buf + off, len);
            assert_int_equal(a, b);
            size_t cut = len / 3;
            assert_int_equal(myl_crc32c(myl_crc32c(0, buf + off, cut), buf + off + cut, len - cut),
                             a);
        }
}

/* Long buffers go through three interleaved streams (768 bytes and up,
 * blocks of 256 and 8192 bytes): hardware and software agree around every
 * threshold, at odd alignments, and when the CRC is carried over a split. */
static void test_crc32c_long(void **state)
{
    (void)state;
    enum { N = 3 * 8192 * 2 + 3 * 256 * 2 + 64 };
    uint8_t *buf = malloc(N);
    assert_non_null(buf);
    uint64_t x = 2463534242u;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        buf[i] = (uint8_t)x;
    }
    static const size_t lens[] = {767,   768,   769,   775,   1535,  1536,  2304,  24575,
                                  24576, 24577, 25344, 25345, 49152, 49920, 50688, N - 16};
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++)
        for (size_t off = 0; off < 16; off += 3) {
            size_t len = lens[k];
            uint32_t a = myl_crc32c(0, buf + off, len), b = myl_crc32c_sw(0, buf + off, len);
            assert_int_equal(a, b);
            size_t cut = len / 5 + 1;
            assert_int_equal(myl_crc32c(myl_crc32c(0, buf + off, cut), buf + off + cut, len - cut),
                             a);
            assert_int_equal(myl_crc32c(0x12345678u, buf + off, len),
                             myl_crc32c_sw(0x12345678u, buf + off, len));
        }
    free(buf);
}

/* ---- format, rotation, reopen ---- */

/* Every payload length from 0 to 1100 (the writer's one-pass copy and CRC
 * below 768 bytes, copy then three-stream CRC above), from sources at
 * every alignment, on both write paths: the writer's CRCs equal the
 * reference's (myl_journal_chain_next recomputes each record's CRC from
 * the record as given: the chains differ at the first that does not), and
 * the reader (its own CRC pass, zero padding checked) reads back every
 * byte. */
static void test_record_layout(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("layout");
    static uint8_t src[1100 + 8];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (uint8_t)(i * 131u + 7u);
    for (int path = 0; path < 2; path++) {
        myl_ut_rm_rf(dir);
        myl_journal_opts o = {.size = sizeof o,
                              .sync = MYL_JOURNAL_SYNC_NONE,
                              .segment_bytes = 64 << 10,
                              .flags = path ? MYL_JOURNAL_WRITE : 0};
        myl_journal *j;
        assert_int_equal(myl_journal_open(dir, &o, &j), 0);
        uint64_t chain = MYL_JOURNAL_CHAIN_INIT;
        for (uint32_t len = 0; len <= 1100; len++) {
            const uint8_t *data = src + len % 8;
            uint64_t seq;
            assert_int_equal(myl_journal_append(j, len * 3u, data, len, &seq), 0);
            myl_journal_record rec = {.seq = seq, .type = len * 3u, .data = data, .len = len};
            chain = myl_journal_chain_next(chain, &rec);
            assert_true(myl_journal_chain(j) == chain);
            if (len % 7 == 0)
                assert_int_equal(myl_journal_commit(j), 0);
        }
        assert_int_equal(myl_journal_close(j), 0);
        myl_journal_reader *r;
        assert_int_equal(myl_journal_reader_open(dir, 0, &r), 0);
        myl_journal_record rec;
        for (uint32_t len = 0; len <= 1100; len++) {
            assert_int_equal(myl_journal_read(r, &rec), 1);
            assert_int_equal(rec.seq, len);
            assert_int_equal(rec.len, len);
            assert_true(rec.type == len * 3u);
            if (len)
                assert_memory_equal(rec.data, src + len % 8, len);
        }
        assert_int_equal(myl_journal_read(r, &rec), 0);
        myl_journal_reader_close(r);
    }
    myl_ut_rm_rf(dir);
}

/* The whole of a file (NULL when it does not exist). */
static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    uint8_t *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* The mapped path writes large commits with pwrite(2) and stores small
 * ones through the map: commits of 1 to 90 records, in runs of one size
 * and alternating, across rotations, under every sync policy, give
 * segment files whose bytes equal those of the write path and of the
 * mapped path that stores everything (MYL_JOURNAL_MAPPED_ONLY), up to
 * the zeros a mapped segment keeps past its data; the journal reads back
 * whole and reopens to go on. (Where first stores are cheap, SYNC_NONE
 * stores commits of any size, as MYL_JOURNAL_MAPPED_ONLY does here.) */
static void test_spill(void **state)
{
    (void)state;
    /* SYNC_NONE writes large commits only where first stores are dear
     * (the journal measures it once a process): say they are. */
    setenv("MYL_TEST_FIRST_STORE", "dear", 1);
    static const uint32_t syncs[][2] = {{MYL_JOURNAL_SYNC_BATCH, 0},
                                        {MYL_JOURNAL_SYNC_GROUP, 0},
                                        {MYL_JOURNAL_SYNC_NONE, 0},
                                        {MYL_JOURNAL_SYNC_NONE, MYL_JOURNAL_NO_THREAD}};
    static const uint32_t paths[] = {0, MYL_JOURNAL_MAPPED_ONLY, MYL_JOURNAL_WRITE};
    static const uint8_t sizes[] = {1, 1, 3, 60, 60, 60, 2, 90, 1, 40, 40, 5, 70, 1, 1, 1, 33};
    const char *dirs[3]; /* myl_ut_dir's buffers: four, in turn */
    for (size_t y = 0; y < sizeof syncs / sizeof syncs[0]; y++) {
        uint64_t total = 0;
        for (size_t p = 0; p < 3; p++) {
            dirs[p] = myl_ut_dir(p == 0 ? "spill0" : p == 1 ? "spill1" : "spill2");
            const char *dir = dirs[p];
            myl_ut_rm_rf(dir);
            myl_journal_opts o = {.size = sizeof o,
                                  .sync = syncs[y][0],
                                  .segment_bytes = 32 << 10,
                                  .flags = syncs[y][1] | paths[p]};
            myl_journal *j;
            assert_int_equal(myl_journal_open(dir, &o, &j), 0);
            for (int round = 0; round < 6; round++)
                for (size_t k = 0; k < sizeof sizes; k++) {
                    append_n(j, sizes[k]);
                    assert_int_equal(myl_journal_commit(j), 0);
                    assert_int_equal(myl_journal_written(j), myl_journal_next_seq(j));
                }
            total = myl_journal_next_seq(j);
            assert_int_equal(myl_journal_close(j), 0);
            int st;
            assert_int_equal(read_all(dir, 0, &st), total);
            assert_int_equal(st, 0);
        }
        assert_true(count_segments(dirs[0]) > 5); /* ~270 KiB in 32 KiB segments */
        /* Segment by segment, the same bytes; past the shorter file only
         * zeros. */
        DIR *d = opendir(dirs[0]);
        assert_non_null(d);
        struct dirent *e;
        int compared = 0;
        while ((e = readdir(d)) != NULL) {
            if (strncmp(e->d_name, "journal-", 8) != 0)
                continue;
            char path[512];
            size_t len[3];
            uint8_t *b[3];
            for (size_t p = 0; p < 3; p++) {
                snprintf(path, sizeof path, "%s/%s", dirs[p], e->d_name);
                b[p] = slurp(path, &len[p]);
                assert_non_null(b[p]);
            }
            for (size_t p = 1; p < 3; p++) {
                size_t n = len[0] < len[p] ? len[0] : len[p];
                assert_memory_equal(b[0], b[p], n);
                for (size_t i = n; i < len[0]; i++)
                    assert_int_equal(b[0][i], 0);
                for (size_t i = n; i < len[p]; i++)
                    assert_int_equal(b[p][i], 0);
            }
            for (size_t p = 0; p < 3; p++)
                free(b[p]);
            compared++;
        }
        closedir(d);
        assert_int_equal(compared, count_segments(dirs[1]));
        assert_int_equal(compared, count_segments(dirs[2]));
        /* Reopened (the last segment as a large commit left it), it goes
         * on, small commits and large. */
        myl_journal_opts o = {.size = sizeof o, .sync = syncs[y][0], .segment_bytes = 32 << 10};
        myl_journal *j;
        assert_int_equal(myl_journal_open(dirs[0], &o, &j), 0);
        assert_int_equal(myl_journal_recovered_bytes(j), 0);
        assert_int_equal(myl_journal_next_seq(j), total);
        append_n(j, 90);
        assert_int_equal(myl_journal_commit(j), 0);
        append_n(j, 1);
        assert_int_equal(myl_journal_commit(j), 0);
        assert_int_equal(myl_journal_close(j), 0);
        int st;
        assert_int_equal(read_all(dirs[0], 0, &st), total + 91);
        assert_int_equal(st, 0);
        for (size_t p = 0; p < 3; p++)
            myl_ut_rm_rf(dirs[p]);
    }
}

/* ENOSPC from a real file system (a 1 MiB tmpfs; as root): large commits
 * (pwrite), small ones (stores into the map, allocated ahead), every
 * commit in the map, SYNC_NONE with and without the allocating thread,
 * and the write path. The commit that meets the full file system fails
 * the journal for good, and nothing after the last good commit is
 * reported durable. Reopened on the still full file system it recovers or
 * says ENOSPC (a new segment needs room); once room is made, it recovers
 * every durable record. */
static void test_tmpfs_full(void **state)
{
    (void)state;
    setenv("MYL_TEST_FIRST_STORE", "dear", 1); /* SYNC_NONE's pwrite too */
    myl_ut_mount_tmpfs(1);
    char dir[128], ballast[128];
    snprintf(dir, sizeof dir, "%s/j", myl_ut_mnt());
    snprintf(ballast, sizeof ballast, "%s/ballast", myl_ut_mnt());
    static const uint8_t zeros[128 << 10];
    /* Segments of 2 MiB: one segment, whose large commits extend the file
     * with pwrite past the 64 KiB allocated ahead (there the file system
     * fills); of 64 KiB: allocated whole when started, so a new segment
     * is what fails. */
    static const struct {
        uint32_t sync, flags, batch, seg_kib;
    } cases[] = {
        {MYL_JOURNAL_SYNC_BATCH, 0, 60, 2048},
        {MYL_JOURNAL_SYNC_BATCH, 0, 60, 64},
        {MYL_JOURNAL_SYNC_BATCH, 0, 2, 2048},
        {MYL_JOURNAL_SYNC_GROUP, MYL_JOURNAL_MAPPED_ONLY, 60, 2048},
        {MYL_JOURNAL_SYNC_NONE, 0, 60, 2048},
        {MYL_JOURNAL_SYNC_NONE, MYL_JOURNAL_NO_THREAD, 60, 2048},
        {MYL_JOURNAL_SYNC_BATCH, MYL_JOURNAL_WRITE, 60, 2048},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        myl_ut_rm_rf(dir);
        FILE *f = fopen(ballast, "wb"); /* room to make later */
        assert_non_null(f);
        assert_int_equal(fwrite(zeros, 1, sizeof zeros, f), sizeof zeros);
        assert_int_equal(fclose(f), 0);
        myl_journal_opts o = {.size = sizeof o,
                              .sync = cases[c].sync,
                              .segment_bytes = (uint64_t)cases[c].seg_kib << 10,
                              /* group commit syncs by bytes before the file
                               * system fills, however fast it fills */
                              .group_bytes = 64 << 10,
                              .flags = cases[c].flags};
        myl_journal *j;
        assert_int_equal(myl_journal_open(dir, &o, &j), 0);
        uint64_t durable = 0;
        int rc = 0;
        for (int b = 0; b < 100000 && rc == 0; b++) {
            append_n(j, cases[c].batch);
            rc = myl_journal_commit(j);
            if (rc == 0)
                durable = myl_journal_durable(j);
        }
        assert_int_equal(rc, -ENOSPC);
        assert_true(durable > 0);
        /* The failed commit may have filled and synced its segment before
         * it failed to start the next: those records are durable. */
        assert_true(myl_journal_durable(j) >= durable);
        durable = myl_journal_durable(j);
        /* Group commit: written, not yet synced, is not durable. */
        if (cases[c].sync == MYL_JOURNAL_SYNC_GROUP)
            assert_true(myl_journal_written(j) >= durable);
        else
            assert_int_equal(myl_journal_written(j), durable);
        assert_int_equal(myl_journal_append(j, 0, "x", 1, NULL), -ENOSPC);
        assert_int_equal(myl_journal_commit(j), -ENOSPC);
        assert_int_equal(myl_journal_close(j), -ENOSPC);
        rc = myl_journal_open(dir, NULL, &j);
        assert_true(rc == 0 || rc == -ENOSPC);
        if (rc == 0)
            assert_int_equal(myl_journal_close(j), 0);
        assert_int_equal(unlink(ballast), 0);
        (void)reopen_holds(dir, durable);
    }
    myl_ut_rm_rf(dir);
    myl_ut_umount_tmpfs();
}

static void test_roundtrip_rotation(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("rot");
    myl_ut_rm_rf(dir);
    myl_journal_opts o = {.size = sizeof o, .sync = MYL_JOURNAL_SYNC_NONE, .segment_bytes = 4096};
    myl_journal *j;
    assert_int_equal(myl_journal_open(dir, &o, &j), 0);
    assert_int_equal(myl_journal_next_seq(j), 0);
    for (int b = 0; b < 20; b++) {
        append_n(j, 17);
        assert_int_equal(myl_journal_commit(j), 0);
        assert_int_equal(myl_journal_durable(j), (uint64_t)(b + 1) * 17);
    }
    assert_int_equal(myl_journal_close(j), 0);
    assert_true(count_segments(dir) > 5); /* ~27 KiB in 4 KiB segments */
    int st;
    assert_int_equal(read_all(dir, 0, &st), 340);
    assert_int_equal(st, 0);
    /* From the middle: the reader skips to the right segment. */
    assert_int_equal(read_all(dir, 200, &st), 140);
    assert_int_equal(st, 0);
    /* Reopen continues the sequence; a record larger than a segment gets
     * one of its own. */
    assert_int_equal(myl_journal_open(dir, &o, &j), 0);
    assert_int_equal(myl_journal_recovered_bytes(j), 0);
    assert_int_equal(myl_journal_next_seq(j), 340);
    append_n(j, 5);
    static uint8_t big[10000];
    uint64_t s;
    assert_int_equal(myl_journal_append(j, 1, big, sizeof big, &s), 0);
    assert_int_equal(s, 345);
    assert_int_equal(myl_journal_commit(j), 0);
    assert_int_equal(myl_journal_rotate(j), 0);
    assert_int_equal(myl_journal_rotate(j), 0); /* empty: no new segment */
    assert_int_equal(myl_journal_close(j), 0);
    myl_journal_reader *r;
    assert_int_equal(myl_journal_reader_open(dir, 345, &r), 0);
    myl_journal_record rec;
    assert_int_equal(myl_journal_read(r, &rec), 1);
    assert_int_equal(rec.seq, 345);
    assert_int_equal(rec.len, sizeof big);
    assert_int_equal(myl_journal_read(r, &rec), 0);
    myl_journal_reader_close(r);
    /* The same through the map, whatever the host's first stores cost
     * (MAPPED_ONLY: no pwrite of large commits): its segment is mapped
     * longer than segment_bytes. */
    o.flags |= MYL_JOURNAL_MAPPED_ONLY;
    assert_int_equal(myl_journal_open(dir, &o, &j), 0);
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7u);
    assert_int_equal(myl_journal_append(j, 1, big, sizeof big, &s), 0);
    assert_int_equal(s, 346);
    assert_int_equal(myl_journal_commit(j), 0);
    append_n(j, 3);
    assert_int_equal(myl_journal_close(j), 0);
    assert_int_equal(myl_journal_reader_open(dir, 346, &r), 0);
    assert_int_equal(myl_journal_read(r, &rec), 1);
    assert_int_equal(rec.seq, 346);
    assert_int_equal(rec.len, sizeof big);
    assert_memory_equal(rec.data, big, sizeof big);
    for (uint64_t k = 347; k < 350; k++) {
        assert_int_equal(myl_journal_read(r, &rec), 1);
        assert_int_equal(rec.seq, k);
    }
    assert_int_equal(myl_journal_read(r, &rec), 0);
    myl_journal_reader_close(r);
    myl_ut_rm_rf(dir);
}

/* A reader at the end sees what a writer appends later, in the same
 * segment and in the next. */
static void test_reader_follows_writer(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("follow");
    myl_ut_rm_rf(dir);
    myl_journal_opts o = {.size = sizeof o, .sync = MYL_JOURNAL_SYNC_NONE, .segment_bytes = 4096};
    myl_journal *j;
    assert_int_equal(myl_journal_open(dir, &o, &j), 0);
    append_n(j, 3);
    assert_int_equal(myl_journal_commit(j), 0);
    myl_journal_reader *r;
    assert_int_equal(myl_journal_reader_open(dir, 0, &r), 0);
    myl_journal_record rec;
    uint64_t seen = 0;
    while (myl_journal_read(r, &rec) == 1)
        assert_int_equal(rec.seq, seen++);
    assert_int_equal(seen, 3);
    append_n(j, 100); /* crosses into new segments */
    assert_int_equal(myl_journal_commit(j), 0);
    int rc;
    while ((rc = myl_journal_read(r, &rec)) == 1)
        assert_int_equal(rec.seq, seen++);
    assert_int_equal(rc, 0);
    assert_int_equal(seen, 103);
    myl_journal_reader_close(r);
    assert_int_equal(myl_journal_close(j), 0);
    myl_ut_rm_rf(dir);
}

/* A reader following a writer while the segments it has read are removed
 * behind it (a pipeline prunes what its snapshots cover), the one it is
 * on included once it has read it: it goes on reading. It used to match
 * the new list of segments by index, and stopped for good. */
static void test_reader_follows_pruning(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("prune");
    myl_ut_rm_rf(dir);
    myl_journal_opts o = {.size = sizeof o, .sync = MYL_JOURNAL_SYNC_NONE, .segment_bytes = 4096};
    myl_journal *j;
    assert_int_equal(myl_journal_open(dir, &o, &j), 0);
    myl_journal_reader *r;
    assert_int_equal(myl_journal_reader_open(dir, 0, &r), 0);
    myl_journal_record rec;
    uint64_t seen = 0;
    int rc;
    for (int round = 0; round < 20; round++) {
        append_n(j, 150); /* several segments a round */
        assert_int_equal(myl_journal_commit(j), 0);
        while ((rc = myl_journal_read(r, &rec)) == 1)
            assert_int_equal(rec.seq, seen++);
        assert_int_equal(rc, 0);
        assert_int_equal(seen, 150u * (unsigned)(round + 1));
        /* Remove every segment but the last (the one being written). */
        DIR *d = opendir(dir);
        assert_non_null(d);
        struct dirent *e;
        char last[256] = "", p[512];
        while ((e = readdir(d)) != NULL)
            if (!strncmp(e->d_name, "journal-", 8) && strcmp(e->d_name, last) > 0)
                snprintf(last, sizeof last, "%.200s", e->d_name);
        rewinddir(d);
        while ((e = readdir(d)) != NULL)
            if (!strncmp(e->d_name, "journal-", 8) && strcmp(e->d_name, last) != 0) {
                snprintf(p, sizeof p, "%.200s/%.200s", dir, e->d_name);
                assert_int_equal(unlink(p), 0);
            }
        closedir(d);
    }
    myl_journal_reader_close(r);
    assert_int_equal(myl_journal_close(j), 0);
    myl_ut_rm_rf(dir);
}

/* ---- recovery ---- */

static void write_journal(const char *dir, uint64_t n)
{
    myl_ut_rm_rf(dir);
    myl_journal_opts o = {.size = sizeof o, .sync = MYL_JOURNAL_SYNC_NONE, .segment_bytes = 4096};
    myl_journal *j;
    assert_int_equal(myl_journal_open(dir, &o, &j), 0);
    append_n(j, n);
    assert_int_equal(myl_journal_close(j), 0);
}

static void test_torn_tail(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("torn");
    char path[512];
    /* Cut the last segment at every byte of its last few records, by
     * truncating the file (a write(2) cut short) or by zeroing its end and
     * keeping the size (stores into a mapped segment, or pages, that a
     * crash lost): reopen keeps exactly the whole records before the cut. */
    for (int cut = 1; cut < 300; cut += 13) {
        write_journal(dir, 60);
        int st;
        uint64_t before = read_all(dir, 0, &st);
        assert_int_equal(before, 60);
        last_segment(dir, path, sizeof path);
        uint64_t end = data_end(dir);
        if (end < 32 + (uint64_t)cut)
            continue;
        bool zero = cut % 2 == 0;
        if (zero) {
            int fd = open(path, O_WRONLY);
            assert_true(fd >= 0);
            static const uint8_t zeros[300];
            assert_int_equal(pwrite(fd, zeros, (size_t)cut, (off_t)(end - (uint64_t)cut)), cut);
            close(fd);
        } else {
            assert_int_equal(truncate(path, (off_t)(end - (uint64_t)cut)), 0);
        }
        uint64_t good = read_all(dir, 0, &st);
        assert_true(good < 60);
        /* The reader stops at the torn record; zeros from a record boundary
         * on are the end of the data. */
        assert_int_equal(st, zero && data_end(dir) == end - (uint64_t)cut ? 0 : MYL_ECORRUPT);
        myl_journal *j;
        assert_int_equal(myl_journal_open(dir, NULL, &j), 0);
        assert_true(myl_journal_recovered_bytes(j) > 0 || st == 0);
        assert_int_equal(myl_journal_next_seq(j), good);
        append_n(j, 4);
        assert_int_equal(myl_journal_close(j), 0);
        assert_int_equal(read_all(dir, 0, &st), good + 4);
        assert_int_equal(st, 0);
    }
    /* Garbage after the last record, and a flipped payload byte in it. */
    write_journal(dir, 10);
    last_segment(dir, path, sizeof path);
    uint64_t end = data_end(dir);
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "garbage!garbage!garbage!garbage!", 32, (off_t)end), 32);
    close(fd);
    myl_journal *j;
    assert_int_equal(myl_journal_open(dir, NULL, &j), 0);
    assert_int_equal(myl_journal_recovered_bytes(j), 32);
    assert_int_equal(myl_journal_next_seq(j), 10);
    assert_int_equal(myl_journal_close(j), 0);
    assert_int_equal(data_end(dir), end);
    fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    uint8_t byte;
    assert_int_equal(pread(fd, &byte, 1, (off_t)end - 9), 1);
    byte ^= 0x40;
    assert_int_equal(pwrite(fd, &byte, 1, (off_t)end - 9), 1);
    close(fd);
    assert_int_equal(myl_journal_open(dir, NULL, &j), 0);
    assert_int_equal(myl_journal_next_seq(j), 9);
    assert_int_equal(myl_journal_close(j), 0);
    myl_ut_rm_rf(dir);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* A bad record with segments after it is corruption: open refuses, the
 * reader stops there and says where. */
static void test_corrupt_middle(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("corrupt");
    write_journal(dir, 200);
    assert_true(count_segments(dir) >= 3);
    char path[512];
    /* The first segment (first sequence 0). */
    snprintf(path, sizeof path, "%s/journal-%016x.myj", dir, 0);
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    uint8_t byte;
    /* Record 0 is empty (24 bytes at 32); record 1 (37 bytes of payload)
     * starts at 56: flip a byte of its payload. */
    off_t at = 56 + 24 + 10;
    assert_int_equal(pread(fd, &byte, 1, at), 1);
    byte ^= 1;
    assert_int_equal(pwrite(fd, &byte, 1, at), 1);
    close(fd);
    myl_journal *j;
    assert_int_equal(myl_journal_open(dir, NULL, &j), MYL_ECORRUPT);
    myl_journal_reader *r;
    assert_int_equal(myl_journal_reader_open(dir, 0, &r), 0);
    myl_journal_record rec;
    int rc;
    uint64_t n = 0;
    while ((rc = myl_journal_read(r, &rec)) == 1)
        n++;
    assert_int_equal(rc, MYL_ECORRUPT);
    assert_int_equal(myl_journal_read(r, &rec), MYL_ECORRUPT); /* and stays there */
    char where[512];
    uint64_t off;
    assert_int_equal(myl_journal_reader_where(r, where, sizeof where, &off), 0);
    assert_string_equal(where, path);
    assert_int_equal(off, 56);
    assert_int_equal(n, 1);
    myl_journal_reader_close(r);
    /* A segment missing from the middle is corruption too. */
    write_journal(dir, 200);
    char second[512];
    DIR *d = opendir(dir);
    char names[16][64];
    int k = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && k < 16)
        if (!strncmp(e->d_name, "journal-", 8))
            snprintf(names[k++], 64, "%.60s", e->d_name);
    closedir(d);
    qsort(names, (size_t)k, 64, cmp_name);
    snprintf(second, sizeof second, "%s/%s", dir, names[1]);
    assert_int_equal(unlink(second), 0);
    assert_int_equal(myl_journal_open(dir, NULL, &j), MYL_ECORRUPT);
    myl_ut_rm_rf(dir);
}

/* The chain: the writer's, every reader position's and the fold of
 * myl_journal_chain_next agree; a segment whose header does not continue
 * the chain of the one before (one of another history, spliced in, with
 * a valid header CRC) is corruption. */
static void test_chain(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("chain");
    write_journal(dir, 200);
    assert_true(count_segments(dir) >= 3);
    uint64_t fold[201];
    fold[0] = MYL_JOURNAL_CHAIN_INIT;
    myl_journal_reader *r;
    assert_int_equal(myl_journal_reader_open(dir, 0, &r), 0);
    myl_journal_record rec;
    for (uint64_t s = 0; s < 200; s++) {
        assert_int_equal(myl_journal_read(r, &rec), 1);
        fold[s + 1] = myl_journal_chain_next(fold[s], &rec);
        uint64_t c;
        assert_int_equal(myl_journal_reader_chain(r, &c), 0);
        assert_int_equal(c, fold[s + 1]);
    }
    myl_journal_reader_close(r);
    for (uint64_t s = 0; s <= 200; s++) {
        uint64_t c = 0;
        assert_int_equal(myl_journal_reader_open(dir, s, &r), 0);
        assert_int_equal(myl_journal_reader_chain(r, &c), 0);
        assert_int_equal(c, fold[s]);
        myl_journal_reader_close(r);
    }
    uint64_t c;
    assert_int_equal(myl_journal_reader_open(dir, 201, &r), 0);
    assert_int_equal(myl_journal_reader_chain(r, &c), MYL_EAGAIN);
    myl_journal_reader_close(r);
    myl_journal *j;
    assert_int_equal(myl_journal_open(dir, NULL, &j), 0);
    assert_int_equal(myl_journal_chain(j), fold[200]);
    assert_int_equal(myl_journal_close(j), 0);

    /* Re-chain the last segment's header (CRC made valid again). */
    char path[512];
    last_segment(dir, path, sizeof path);
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    uint8_t h[32];
    assert_int_equal(pread(fd, h, 32, 0), 32);
    h[24] ^= 0x01;
    memset(h + 12, 0, 4);
    uint32_t crc = myl_crc32c(0, h, 32);
    memcpy(h + 12, &crc, 4);
    assert_int_equal(pwrite(fd, h, 32, 0), 32);
    close(fd);
    assert_int_equal(myl_journal_open(dir, NULL, &j), MYL_ECORRUPT);
    int status;
    uint64_t first;
    assert_int_equal(sscanf(strrchr(path, '/') + 1, "journal-%16" SCNx64 ".myj", &first), 1);
    assert_int_equal(read_all(dir, 0, &status), first);
    assert_int_equal(status, MYL_ECORRUPT);
    /* Read from that segment on, the chain starts at its header's value
     * (a reader cannot check what it did not read). */
    assert_int_equal(myl_journal_reader_open(dir, first, &r), 0);
    assert_int_equal(myl_journal_reader_chain(r, &c), 0);
    assert_int_equal(c, fold[first] ^ 0x01);
    myl_journal_reader_close(r);
    myl_ut_rm_rf(dir);
}

/* A crash right after a new segment was created leaves it empty or with a
 * partial header: it is started again. */
static void test_partial_header(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("hdr");
    write_journal(dir, 5);
    char path[512];
    snprintf(path, sizeof path, "%s/journal-%016x.myj", dir, 5);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "MYLJR", 5), 5);
    close(fd);
    myl_journal *j;
    assert_int_equal(myl_journal_open(dir, NULL, &j), 0);
    assert_int_equal(myl_journal_next_seq(j), 5);
    append_n(j, 3);
    assert_int_equal(myl_journal_close(j), 0);
    int st;
    assert_int_equal(read_all(dir, 0, &st), 8);
    assert_int_equal(st, 0);
    myl_ut_rm_rf(dir);
}

/* A last segment whose header is wrong (a bit flipped) is corruption:
 * open fails and the segment stays, synced records and all. Only a
 * header never written (zeros, or a file shorter than one:
 * test_partial_header) marks a segment a crash left empty. Recovery used
 * to delete any last segment with a bad header. */
static void test_bad_header_kept(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("badhdr");
    write_journal(dir, 10);
    char path[512];
    snprintf(path, sizeof path, "%s/journal-%016x.myj", dir, 0);
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    uint8_t b;
    assert_int_equal(pread(fd, &b, 1, 24), 1);
    b ^= 1u;
    assert_int_equal(pwrite(fd, &b, 1, 24), 1);
    myl_journal *j;
    assert_int_equal(myl_journal_open(dir, NULL, &j), MYL_ECORRUPT);
    assert_int_equal(count_segments(dir), 1);
    /* Put back, everything is there. */
    b ^= 1u;
    assert_int_equal(pwrite(fd, &b, 1, 24), 1);
    close(fd);
    assert_int_equal(reopen_holds(dir, 10), 10);

    /* A header of zeros over records: never written, the segment starts
     * again (its records were never made durable with it). */
    write_journal(dir, 4);
    fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    uint8_t zero[32] = {0};
    assert_int_equal(pwrite(fd, zero, sizeof zero, 0), (ssize_t)sizeof zero);
    close(fd);
    assert_int_equal(myl_journal_open(dir, NULL, &j), 0);
    assert_int_equal(myl_journal_next_seq(j), 0);
    assert_int_equal(myl_journal_close(j), 0);
    myl_ut_rm_rf(dir);
}

/* Records longer than the max_record a journal is opened with later:
 * max_record limits appends only; recovery reads every record the format
 * allows (it used to take the first long one for a torn tail and cut it
 * and every synced record after it). */
static void test_reopen_smaller_max_record(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("maxrec");
    myl_ut_rm_rf(dir);
    myl_journal_opts o = {.size = sizeof o, .sync = MYL_JOURNAL_SYNC_BATCH};
    myl_journal *j;
    assert_int_equal(myl_journal_open(dir, &o, &j), 0);
    static uint8_t big[1000];
    for (int i = 0; i < 10; i++)
        assert_int_equal(myl_journal_append(j, 1, big, i == 5 ? 1000u : 8u, NULL), 0);
    assert_int_equal(myl_journal_commit(j), 0);
    assert_int_equal(myl_journal_close(j), 0);
    o.max_record = 512;
    assert_int_equal(myl_journal_open(dir, &o, &j), 0);
    assert_int_equal(myl_journal_next_seq(j), 10);
    assert_int_equal(myl_journal_recovered_bytes(j), 0);
    assert_int_equal(myl_journal_append(j, 1, big, 1000, NULL), MYL_ETOOBIG);
    assert_int_equal(myl_journal_close(j), 0);
    myl_ut_rm_rf(dir);
}

/* Records read from dir in order from 0 (sequence checked); *status is
 * the reader's final status. */
static uint64_t count_records(const char *dir, int *status)
{
    myl_journal_reader *r;
    assert_int_equal(myl_journal_reader_open(dir, 0, &r), 0);
    myl_journal_record rec;
    uint64_t n = 0;
    while ((*status = myl_journal_read(r, &rec)) == 1)
        assert_int_equal(rec.seq, n++);
    myl_journal_reader_close(r);
    return n;
}

/* segment_bytes not a multiple of 8: 4100 with 32-byte records (a
 * segment's data ends at 4096), 4115 with 40-byte ones (at 4112). Every
 * segment the writer closes reads whole, live and after close, in both
 * write paths. The mapped path used to allocate exactly segment_bytes and
 * leave a 3-4 byte zero stub after the last record, which the reader took
 * for a record cut short. The reader also takes such a stub, in a
 * segment an older writer left, for the end. */
static void test_odd_segment_bytes(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("oddseg");
    const uint64_t sizes[] = {4100, 4115};
    const uint32_t lens[] = {8, 16}; /* records of 32 and 40 bytes */
    const uint32_t flags[] = {0, MYL_JOURNAL_WRITE};
    int st;
    for (size_t f = 0; f < 2; f++) {
        for (size_t k = 0; k < 2; k++) {
            myl_ut_rm_rf(dir);
            myl_journal_opts o = {.size = sizeof o,
                                  .sync = MYL_JOURNAL_SYNC_BATCH,
                                  .segment_bytes = sizes[k],
                                  .flags = flags[f]};
            myl_journal *j;
            assert_int_equal(myl_journal_open(dir, &o, &j), 0);
            uint8_t b[16] = {0};
            for (uint64_t i = 0; i < 300; i++) {
                memcpy(b, &i, sizeof i);
                assert_int_equal(myl_journal_append(j, 1, b, lens[k], NULL), 0);
                assert_int_equal(myl_journal_commit(j), 0);
            }
            assert_true(count_segments(dir) > 2);
            assert_int_equal(count_records(dir, &st), 300);
            assert_int_equal(st, 0);
            assert_int_equal(myl_journal_close(j), 0);
            assert_int_equal(count_records(dir, &st), 300);
            assert_int_equal(st, 0);
            assert_int_equal(myl_journal_open(dir, &o, &j), 0);
            assert_int_equal(myl_journal_next_seq(j), 300);
            assert_int_equal(myl_journal_close(j), 0);
        }
    }
    /* A stub of 5 zero bytes right after the last record of a closed
     * segment, as the old writer left: the reader goes on to the next. */
    write_journal(dir, 40);
    assert_true(count_segments(dir) > 1);
    char path[512], where[512];
    snprintf(path, sizeof path, "%s/journal-%016x.myj", dir, 0);
    uint64_t end = 0, off = 0;
    myl_journal_reader *r;
    assert_int_equal(myl_journal_reader_open(dir, 0, &r), 0);
    myl_journal_record rec;
    while (myl_journal_read(r, &rec) == 1) {
        assert_int_equal(myl_journal_reader_where(r, where, sizeof where, &off), 0);
        if (strcmp(where, path) != 0)
            break;
        end = off;
    }
    myl_journal_reader_close(r);
    assert_true(end > 0);
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    struct stat sb;
    assert_int_equal(fstat(fd, &sb), 0);
    assert_true((uint64_t)sb.st_size > end + 5);
    assert_int_equal(ftruncate(fd, (off_t)(end + 5)), 0);
    close(fd);
    assert_int_equal(read_all(dir, 0, &st), 40);
    assert_int_equal(st, 0);
    myl_ut_rm_rf(dir);
}

/* A reader asked to start before the first record the directory still
 * holds (older segments removed after a snapshot): -ENOENT, not a reader
 * that starts later and gives the chain there as the chain asked for.
 * From 0 it reads all there is. */
static void test_reader_before_first(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("rdgap");
    write_journal(dir, 100);
    assert_true(count_segments(dir) > 2);
    char path[512];
    snprintf(path, sizeof path, "%s/journal-%016x.myj", dir, 0);
    assert_int_equal(unlink(path), 0);
    myl_journal_reader *r = NULL;
    assert_int_equal(myl_journal_reader_open(dir, 3, &r), -ENOENT);
    assert_null(r);
    assert_int_equal(myl_journal_reader_open(dir, 0, &r), 0);
    myl_journal_record rec;
    assert_int_equal(myl_journal_read(r, &rec), 1);
    uint64_t first = rec.seq;
    assert_true(first > 3);
    myl_journal_reader_close(r);
    int st;
    assert_int_equal(read_all(dir, first, &st), 100 - first);
    assert_int_equal(st, 0);
    myl_ut_rm_rf(dir);
}

/* A reader opened on a directory without segments (before the writer's
 * first) reads what is committed later. It used to return 0 for good. */
static void test_reader_empty_dir(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("rdempty");
    myl_ut_rm_rf(dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    myl_journal_reader *r;
    assert_int_equal(myl_journal_reader_open(dir, 0, &r), 0);
    myl_journal_record rec;
    assert_int_equal(myl_journal_read(r, &rec), 0);
    myl_journal *j;
    assert_int_equal(myl_journal_open(dir, NULL, &j), 0);
    append_n(j, 5);
    assert_int_equal(myl_journal_commit(j), 0);
    uint64_t seen = 0;
    int rc;
    while ((rc = myl_journal_read(r, &rec)) == 1)
        assert_int_equal(rec.seq, seen++);
    assert_int_equal(rc, 0);
    assert_int_equal(seen, 5);
    myl_journal_reader_close(r);
    assert_int_equal(myl_journal_close(j), 0);
    myl_ut_rm_rf(dir);
}

/* A reader at the end of a segment while the writer makes the next one:
 * the next is not there until its header is. The allocation hook runs
 * inside the making of a segment (after the file is opened, before the
 * header is stored), and reads there to the end. The segment used to be
 * made under its own name, so the reader met it without a header and
 * stopped for good with MYL_ECORRUPT. */
typedef struct mid_make {
    myl_journal_reader *r;
    bool armed;
    int calls, rc;
    uint64_t seen;
} mid_make;

static int read_in_alloc(void *arg, int fd, off_t off, off_t len)
{
    mid_make *m = arg;
    if (m->armed && off == 0) {
        m->calls++;
        myl_journal_record rec;
        while ((m->rc = myl_journal_read(m->r, &rec)) == 1)
            assert_int_equal(rec.seq, m->seen++);
    }
    int e = posix_fallocate(fd, off, len);
    errno = e;
    return e ? -1 : 0;
}

static void test_reader_at_new_segment(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("rdnew");
    myl_ut_rm_rf(dir);
    mid_make m = {.r = NULL};
    myl_journal_io io = {.alloc = read_in_alloc, .arg = &m};
    myl_journal_opts o = {.size = sizeof o,
                          .sync = MYL_JOURNAL_SYNC_NONE,
                          .flags = MYL_JOURNAL_NO_THREAD,
                          .segment_bytes = 4096,
                          .io = &io};
    myl_journal *j;
    assert_int_equal(myl_journal_open(dir, &o, &j), 0);
    append_n(j, 3);
    assert_int_equal(myl_journal_commit(j), 0);
    assert_int_equal(myl_journal_reader_open(dir, 0, &m.r), 0);
    m.armed = true;
    for (int i = 0; i < 10; i++) {
        append_n(j, 20); /* crosses into new segments */
        assert_int_equal(myl_journal_commit(j), 0);
    }
    assert_true(m.calls >= 2);
    assert_int_equal(m.rc, 0);
    myl_journal_record rec;
    int rc;
    while ((rc = myl_journal_read(m.r, &rec)) == 1)
        assert_int_equal(rec.seq, m.seen++);
    assert_int_equal(rc, 0);
    assert_int_equal(m.seen, 203);
    myl_journal_reader_close(m.r);
    assert_int_equal(myl_journal_close(j), 0);
    myl_ut_rm_rf(dir);
}

/* A writer killed with its segment allocated ahead of the data, a reader
 * with the segment mapped at that length, then a new writer's recovery:
 * the segment is cut back to the data and one zero record header, so the
 * reader's next read finds the end there, not a page past the end of the
 * file. Recovery used to cut it to the data's end: with that on a page
 * boundary, the reader's next read took SIGBUS. */
static void test_recovery_under_reader(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("rdrecov");
    myl_ut_rm_rf(dir);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        myl_journal_opts o = {
            .size = sizeof o, .sync = MYL_JOURNAL_SYNC_NONE, .flags = MYL_JOURNAL_NO_THREAD};
        myl_journal *j;
        if (myl_journal_open(dir, &o, &j) != 0)
            _exit(2);
        /* 127 records of 32 bytes after the 32-byte header: 4096 */
        uint8_t b[8] = {0};
        for (int i = 0; i < 127; i++)
            if (myl_journal_append(j, 7, b, sizeof b, NULL) != 0)
                _exit(3);
        _exit(myl_journal_commit(j) == 0 ? 0 : 4); /* no close: as if killed */
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char path[512];
    last_segment(dir, path, sizeof path);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_true(sb.st_size > 8192); /* allocated ahead */
    assert_int_equal(data_end(dir), 4096);
    myl_journal_reader *r;
    assert_int_equal(myl_journal_reader_open(dir, 0, &r), 0);
    myl_journal_record rec;
    uint64_t seen = 0;
    int rc;
    while ((rc = myl_journal_read(r, &rec)) == 1)
        assert_int_equal(rec.seq, seen++);
    assert_int_equal(rc, 0);
    assert_int_equal(seen, 127);
    myl_journal *j;
    assert_int_equal(myl_journal_open(dir, NULL, &j), 0);
    assert_int_equal(myl_journal_next_seq(j), 127);
    assert_int_equal(myl_journal_read(r, &rec), 0);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_size, 4096 + 24);
    append_n(j, 5);
    assert_int_equal(myl_journal_commit(j), 0);
    while ((rc = myl_journal_read(r, &rec)) == 1)
        assert_int_equal(rec.seq, seen++);
    assert_int_equal(rc, 0);
    assert_int_equal(seen, 132);
    myl_journal_reader_close(r);
    assert_int_equal(myl_journal_close(j), 0);
    /* The write path appends after the data, over the zeros, too. */
    myl_journal_opts w = {.size = sizeof w, .flags = MYL_JOURNAL_WRITE};
    assert_int_equal(myl_journal_open(dir, &w, &j), 0);
    append_n(j, 5);
    assert_int_equal(myl_journal_close(j), 0);
    int status;
    assert_int_equal(read_all(dir, 127, &status), 10);
    assert_int_equal(status, 0);
    myl_ut_rm_rf(dir);
}

/* Under SYNC_NONE, myl_journal_sync syncs every segment ended since the
 * last sync, not only the current one (a pipeline's rotate syncs the
 * journal before a snapshot that covers all of them), and skips one
 * removed meanwhile. It used to sync the current segment only. */
typedef struct sync_log {
    char names[32][64];
    int n;
} sync_log;

static int log_fsync(void *arg, int fd)
{
    sync_log *l = arg;
    char link[64], target[4200];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n > 0 && l->n < 32) {
        target[n] = '\0';
        const char *base = strrchr(target, '/');
        snprintf(l->names[l->n++], sizeof l->names[0], "%.60s", base ? base + 1 : target);
    }
    return fdatasync(fd);
}

static bool log_has(const sync_log *l, uint64_t first)
{
    char name[64];
    snprintf(name, sizeof name, "journal-%016" PRIx64 ".myj", first);
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->names[i], name) == 0)
            return true;
    return false;
}

static void test_sync_none_all_segments(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("synclazy");
    myl_ut_rm_rf(dir);
    sync_log l = {.n = 0};
    myl_journal_io io = {.fsync = log_fsync, .arg = &l};
    myl_journal_opts o = {.size = sizeof o,
                          .sync = MYL_JOURNAL_SYNC_NONE,
                          .flags = MYL_JOURNAL_NO_THREAD,
                          .segment_bytes = 4096,
                          .io = &io};
    myl_journal *j;
    assert_int_equal(myl_journal_open(dir, &o, &j), 0);
    append_n(j, 100);
    assert_int_equal(myl_journal_commit(j), 0);
    assert_int_equal(l.n, 0); /* SYNC_NONE: commits sync nothing */
    int segs = count_segments(dir);
    assert_true(segs >= 4);
    /* The first segment removed (pruned), as a pipeline may. */
    char path[512];
    snprintf(path, sizeof path, "%s/journal-%016x.myj", dir, 0);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(myl_journal_sync(j), 0);
    myl_journal_reader *r;
    assert_int_equal(myl_journal_reader_open(dir, 0, &r), 0);
    myl_journal_record rec;
    int synced = 0;
    uint64_t first = UINT64_MAX;
    while (myl_journal_read(r, &rec) == 1) {
        char where[512];
        uint64_t off;
        assert_int_equal(myl_journal_reader_where(r, where, sizeof where, &off), 0);
        const char *base = strrchr(where, '/');
        uint64_t f = strtoull(base + strlen("/journal-"), NULL, 16);
        if (f != first) {
            first = f;
            assert_true(log_has(&l, f));
            synced++;
        }
    }
    myl_journal_reader_close(r);
    assert_int_equal(synced, segs - 1);
    /* Synced once: the next sync has nothing of those to do. */
    int before = l.n;
    assert_int_equal(myl_journal_sync(j), 0);
    assert_int_equal(l.n, before);
    assert_int_equal(myl_journal_close(j), 0);
    myl_ut_rm_rf(dir);
}

/* ---- I/O faults ---- */

typedef struct fault_io {
    int short_writes;  /* write at most 5 bytes per call */
    int fail_write_at; /* this write call (1-based) fails with err; 0 = never */
    int fail_fsync_at; /* this fsync call fails with EIO; 0 = never */
    int fail_alloc_at; /* this alloc call fails with ENOSPC; 0 = never */
    int err;
    int writes, fsyncs, allocs;
    pthread_t owner; /* the test's thread */
    int foreign;     /* alloc calls from another thread (the journal's) */
} fault_io;

static int f_alloc(void *arg, int fd, off_t off, off_t len)
{
    fault_io *f = arg;
    f->allocs++;
    if (!pthread_equal(pthread_self(), f->owner))
        f->foreign++;
    if (f->fail_alloc_at && f->allocs >= f->fail_alloc_at) {
        errno = ENOSPC;
        return -1;
    }
    int e = posix_fallocate(fd, off, len);
    errno = e;
    return e ? -1 : 0;
}

static ssize_t f_write(void *arg, int fd, const void *buf, size_t len)
{
    fault_io *f = arg;
    f->writes++;
    if (f->fail_write_at && f->writes >= f->fail_write_at) {
        /* Half of it first, as a disk filling up mid-record would. */
        if (f->writes == f->fail_write_at && len > 1)
            return write(fd, buf, len / 2);
        errno = f->err;
        return -1;
    }
    return write(fd, buf, f->short_writes && len > 5 ? 5 : len);
}

static int f_fsync(void *arg, int fd)
{
    fault_io *f = arg;
    f->fsyncs++;
    if (f->fail_fsync_at && f->fsyncs == f->fail_fsync_at) {
        errno = EIO;
        return -1;
    }
    return fdatasync(fd);
}

static void test_short_writes(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("short");
    myl_ut_rm_rf(dir);
    fault_io f = {.short_writes = 1};
    myl_journal_io io = {.write = f_write, .fsync = f_fsync, .arg = &f};
    myl_journal_opts o = {.size = sizeof o, .segment_bytes = 4096, .io = &io};
    myl_journal *j;
    assert_int_equal(myl_journal_open(dir, &o, &j), 0);
    append_n(j, 50);
    assert_int_equal(myl_journal_commit(j), 0);
    assert_int_equal(myl_journal_close(j), 0);
    assert_true(f.writes > 100);
    int st;
    assert_int_equal(read_all(dir, 0, &st), 50);
    assert_int_equal(st, 0);
    myl_ut_rm_rf(dir);
}

static void test_enospc(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("nospc");
    myl_ut_rm_rf(dir);
    fault_io f = {.fail_write_at = 4, .err = ENOSPC};
    myl_journal_io io = {.write = f_write, .fsync = f_fsync, .arg = &f};
    myl_journal_opts o = {.size = sizeof o, .segment_bytes = 1 << 20, .io = &io};
    myl_journal *j;
    assert_int_equal(myl_journal_open(dir, &o, &j), 0); /* write 1: the header */
    uint64_t durable = 0;
    int rc = 0;
    for (int b = 0; b < 10 && rc == 0; b++) {
        append_n(j, 7);
        rc = myl_journal_commit(j);
        if (rc == 0)
            durable = myl_journal_durable(j);
    }
    assert_int_equal(rc, -ENOSPC);
    assert_int_equal(durable, 14); /* writes 2 and 3 */
    assert_int_equal(myl_journal_durable(j), 14);
    /* Fatal: everything after returns the same error. */
    assert_int_equal(myl_journal_append(j, 0, "x", 1, NULL), -ENOSPC);
    assert_int_equal(myl_journal_commit(j), -ENOSPC);
    assert_int_equal(myl_journal_sync(j), -ENOSPC);
    assert_int_equal(myl_journal_close(j), -ENOSPC);
    /* Reopen: the half-written batch is a torn tail. Its records that made
     * it whole stay (never reported durable, but intact); the rest goes. */
    assert_int_equal(myl_journal_open(dir, NULL, &j), 0);
    assert_true(myl_journal_recovered_bytes(j) > 0);
    assert_true(myl_journal_next_seq(j) >= 14 && myl_journal_next_seq(j) < 21);
    assert_int_equal(myl_journal_close(j), 0);
    myl_ut_rm_rf(dir);
}

static void test_fsync_eio_fatal(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("eio");
    myl_ut_rm_rf(dir);
    fault_io f = {.fail_fsync_at = 3};
    myl_journal_io io = {.write = f_write, .fsync = f_fsync, .arg = &f};
    myl_journal_opts o = {.size = sizeof o, .sync = MYL_JOURNAL_SYNC_BATCH, .io = &io};
    myl_journal *j;
    assert_int_equal(myl_journal_open(dir, &o, &j), 0); /* fsync 1: the new segment */
    append_n(j, 3);
    assert_int_equal(myl_journal_commit(j), 0); /* fsync 2 */
    assert_int_equal(myl_journal_durable(j), 3);
    append_n(j, 3);
    assert_int_equal(myl_journal_commit(j), -EIO); /* fsync 3 fails */
    /* Not durable, and never retried: no fsync call after the failure. */
    assert_int_equal(myl_journal_durable(j), 3);
    int calls = f.fsyncs;
    assert_int_equal(myl_journal_commit(j), -EIO);
    assert_int_equal(myl_journal_sync(j), -EIO);
    assert_int_equal(myl_journal_close(j), -EIO);
    assert_int_equal(f.fsyncs, calls);
    myl_ut_rm_rf(dir);
}

static void test_group_commit(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("group");
    myl_ut_rm_rf(dir);
    fault_io f = {0};
    myl_journal_io io = {.write = f_write, .fsync = f_fsync, .arg = &f};
    myl_journal_opts o = {.size = sizeof o,
                          .sync = MYL_JOURNAL_SYNC_GROUP,
                          .group_ns = UINT64_C(3600) * 1000000000u,
                          .group_bytes = 4000,
                          .io = &io};
    myl_journal *j;
    assert_int_equal(myl_journal_open(dir, &o, &j), 0);
    int base = f.fsyncs;
    append_n(j, 2);
    assert_int_equal(myl_journal_commit(j), 0);
    assert_int_equal(myl_journal_durable(j), 0); /* written, not yet synced */
    assert_int_equal(f.fsyncs, base);
    append_n(j, 60); /* past group_bytes */
    assert_int_equal(myl_journal_commit(j), 0);
    assert_int_equal(myl_journal_durable(j), 62);
    assert_int_equal(f.fsyncs, base + 1);
    append_n(j, 1);
    assert_int_equal(myl_journal_commit(j), 0);
    assert_int_equal(myl_journal_durable(j), 62);
    assert_int_equal(myl_journal_sync(j), 0);
    assert_int_equal(myl_journal_durable(j), 63);
    assert_int_equal(myl_journal_close(j), 0);
    myl_ut_rm_rf(dir);
}

/* The mapped path: a segment that cannot grow (ENOSPC from the
 * allocation) fails the journal like a failed write, with nothing past
 * the last commit reported written; a failed fdatasync is fatal and never
 * retried. Reopen recovers every committed record. */
static void mapped_enospc(const char *dir, uint32_t sync, uint32_t flags)
{
    myl_ut_rm_rf(dir);
    fault_io f = {.fail_alloc_at = 3, .owner = pthread_self()};
    myl_journal_io io = {.fsync = f_fsync, .alloc = f_alloc, .arg = &f};
    /* 4 KiB segments grow by at most a segment: alloc 1 is the first
     * segment, 2 the second, 3 fails. (SYNC_NONE: the journal's
     * allocating thread makes the calls, asked for a segment at a time.) */
    myl_journal_opts o = {
        .size = sizeof o, .sync = sync, .segment_bytes = 4096, .flags = flags, .io = &io};
    myl_journal *j;
    assert_int_equal(myl_journal_open(dir, &o, &j), 0);
    uint64_t durable = 0;
    int rc = 0;
    for (int b = 0; b < 100 && rc == 0; b++) {
        append_n(j, 7);
        rc = myl_journal_commit(j);
        if (rc == 0)
            durable = myl_journal_durable(j);
    }
    assert_int_equal(rc, -ENOSPC);
    assert_int_equal(f.allocs, 3);
    /* The thread under SYNC_NONE (unless NO_THREAD), inline otherwise. */
    bool threaded = sync == MYL_JOURNAL_SYNC_NONE && !(flags & MYL_JOURNAL_NO_THREAD);
    assert_int_equal(f.foreign, threaded ? 3 : 0);
    assert_true(durable > 7);
    /* The failed commit may have synced its first records into the full
     * segment before it failed to start the next: they are durable. */
    assert_true(myl_journal_durable(j) >= durable);
    durable = myl_journal_durable(j);
    assert_int_equal(myl_journal_written(j), durable);
    assert_int_equal(myl_journal_append(j, 0, "x", 1, NULL), -ENOSPC);
    assert_int_equal(myl_journal_commit(j), -ENOSPC);
    assert_int_equal(myl_journal_close(j), -ENOSPC);
    assert_int_equal(reopen_holds(dir, durable), durable);
}

static void test_mapped_faults(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("mapfault");
    mapped_enospc(dir, MYL_JOURNAL_SYNC_BATCH, 0);
    mapped_enospc(dir, MYL_JOURNAL_SYNC_NONE, 0);
    mapped_enospc(dir, MYL_JOURNAL_SYNC_NONE, MYL_JOURNAL_NO_THREAD);

    myl_ut_rm_rf(dir);
    fault_io g = {.fail_fsync_at = 3};
    myl_journal_io io = {.fsync = f_fsync, .arg = &g};
    myl_journal_opts o = {.size = sizeof o, .sync = MYL_JOURNAL_SYNC_BATCH, .io = &io};
    myl_journal *j;
    assert_int_equal(myl_journal_open(dir, &o, &j), 0); /* fsync 1: the new segment */
    append_n(j, 3);
    assert_int_equal(myl_journal_commit(j), 0); /* fsync 2 */
    assert_int_equal(myl_journal_durable(j), 3);
    append_n(j, 3);
    assert_int_equal(myl_journal_commit(j), -EIO); /* fsync 3 fails */
    assert_int_equal(myl_journal_durable(j), 3);
    int calls = g.fsyncs;
    assert_int_equal(myl_journal_commit(j), -EIO);
    assert_int_equal(myl_journal_sync(j), -EIO);
    assert_int_equal(myl_journal_rotate(j), -EIO);
    assert_int_equal(myl_journal_close(j), -EIO);
    assert_int_equal(g.fsyncs, calls);
    myl_ut_rm_rf(dir);
}

/* Under SYNC_NONE the allocating thread writes the zeros ahead of the
 * writer in whole, aligned 2 MiB steps (from a reopened segment's end:
 * first up to the next 2 MiB), and the segment is mapped at an address
 * aligned to 2 MiB, so that a file system with large folios gives the
 * map one page-table entry a step (journal.c, BG_STEP). */
typedef struct step_log {
    off_t off[64], len[64];
    int n;
} step_log;

static int log_alloc(void *arg, int fd, off_t off, off_t len)
{
    step_log *l = arg;
    if (l->n < 64) {
        l->off[l->n] = off;
        l->len[l->n] = len;
    }
    l->n++;
    int e = posix_fallocate(fd, off, len);
    errno = e;
    return e ? -1 : 0;
}

/* The start of the mapping of dir's segment 0 in this process, or 0. */
static uintptr_t segment_map_start(const char *dir)
{
    char name[4200], line[8400];
    snprintf(name, sizeof name, "%s/journal-0000000000000000.myj", dir);
    FILE *f = fopen("/proc/self/maps", "r");
    uintptr_t at = 0;
    while (f && fgets(line, sizeof line, f))
        if (strstr(line, name) && strstr(line, "rw-s")) {
            at = (uintptr_t)strtoull(line, NULL, 16);
            break;
        }
    if (f)
        fclose(f);
    return at;
}

static void test_alloc_steps(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("steps");
    const off_t step = (off_t)2 << 20;
    for (int round = 0; round < 2; round++) {
        if (round == 0)
            myl_ut_rm_rf(dir);
        step_log l = {.n = 0};
        myl_journal_io io = {.alloc = log_alloc, .arg = &l};
        myl_journal_opts o = {.size = sizeof o,
                              .sync = MYL_JOURNAL_SYNC_NONE,
                              .segment_bytes = (uint64_t)16 << 20,
                              .io = &io};
        myl_journal *j;
        assert_int_equal(myl_journal_open(dir, &o, &j), 0);
        uintptr_t at = segment_map_start(dir);
        assert_true(at != 0);
        assert_int_equal(at % (uintptr_t)step, 0);
        /* About 3 MiB of records a round (payload() makes 8-200 bytes). */
        for (int b = 0; b < 400; b++) {
            append_n(j, 64);
            assert_int_equal(myl_journal_commit(j), 0);
        }
        assert_int_equal(myl_journal_close(j), 0);
        assert_true(l.n >= 2 && l.n <= 64);
        for (int i = 0; i < l.n; i++) {
            /* Round 1 reopens a segment that ends mid-step: its first call
             * goes up to the next step boundary, then whole steps. */
            if (round == 1 && i == 0) {
                assert_int_equal((l.off[0] + l.len[0]) % step, 0);
                assert_true(l.len[0] <= step);
                continue;
            }
            assert_int_equal(l.off[i] % step, 0);
            assert_int_equal(l.len[i], step);
        }
    }
    assert_true(reopen_holds(dir, 800 * 64) >= 800 * 64);
    myl_ut_rm_rf(dir);
}

/* A crash of the machine can lose a mapped segment's pages out of order:
 * the data ends at a zero record header with records (or garbage) after
 * it. Recovery must zero all of that: records appended later would
 * otherwise end next to stale ones of the same sequences, which a reader
 * would take for records of this history. */
static void test_stale_tail(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("stale");
    myl_ut_rm_rf(dir);
    myl_journal_opts o = {.size = sizeof o, .sync = MYL_JOURNAL_SYNC_NONE};
    myl_journal *j;
    assert_int_equal(myl_journal_open(dir, &o, &j), 0);
    append_n(j, 50);
    assert_int_equal(myl_journal_commit(j), 0);
    uint64_t at50 = data_end(dir);
    append_n(j, 10);
    assert_int_equal(myl_journal_close(j), 0);
    char path[512];
    last_segment(dir, path, sizeof path);
    /* Lose the first 8 bytes of record 50 (its length and CRC). */
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "\0\0\0\0\0\0\0\0", 8, (off_t)at50), 8);
    close(fd);
    int st;
    assert_int_equal(read_all(dir, 0, &st), 50);
    assert_int_equal(st, 0); /* the end, as far as a reader can tell */
    assert_int_equal(myl_journal_open(dir, &o, &j), 0);
    assert_true(myl_journal_recovered_bytes(j) > 0);
    assert_int_equal(myl_journal_next_seq(j), 50);
    /* Records 50..54 again, of the same lengths, another type: stale 55
     * would start right after them. */
    uint8_t b[256];
    for (uint64_t s = 50; s < 55; s++)
        assert_int_equal(myl_journal_append(j, 999, b, payload(s, b), NULL), 0);
    assert_int_equal(myl_journal_close(j), 0);
    myl_journal_reader *r;
    assert_int_equal(myl_journal_reader_open(dir, 50, &r), 0);
    myl_journal_record rec;
    uint64_t n = 0;
    int rc;
    while ((rc = myl_journal_read(r, &rec)) == 1) {
        assert_int_equal(rec.type, 999);
        n++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(n, 5);
    myl_journal_reader_close(r);
    myl_ut_rm_rf(dir);
}

/* ---- API ---- */

static void test_api_errors(void **state)
{
    (void)state;
    const char *dir = myl_ut_dir("api");
    myl_ut_rm_rf(dir);
    myl_journal *j, *k;
    myl_journal_opts o = {.size = sizeof o, .segment_bytes = 100};
    assert_int_equal(myl_journal_open(dir, &o, &j), MYL_EINVAL);
    o.segment_bytes = 0;
    o.sync = 9;
    assert_int_equal(myl_journal_open(dir, &o, &j), MYL_EINVAL);
    assert_int_equal(myl_journal_open(NULL, NULL, &j), MYL_EINVAL);
    assert_int_equal(myl_journal_open("", NULL, &j), MYL_EINVAL);
    o.sync = 0;
    o.flags = 8; /* unknown */
    assert_int_equal(myl_journal_open(dir, &o, &j), MYL_EINVAL);
    o.flags = 0;
    o.max_record = 10;
    assert_int_equal(myl_journal_open(dir, &o, &j), 0);
    assert_int_equal(myl_journal_open(dir, NULL, &k), MYL_EBUSY); /* one writer */
    assert_int_equal(myl_journal_append(j, 0, "0123456789A", 11, NULL), MYL_ETOOBIG);
    assert_int_equal(myl_journal_append(j, 0, NULL, 3, NULL), MYL_EINVAL);
    assert_int_equal(myl_journal_append(j, 0, NULL, 0, NULL), 0); /* empty record */
    assert_int_equal(myl_journal_close(j), 0);
    assert_int_equal(myl_journal_open(dir, NULL, &k), 0); /* the lock went with close */
    assert_int_equal(myl_journal_next_seq(k), 1);
    assert_int_equal(myl_journal_close(k), 0);
    assert_int_equal(myl_journal_close(NULL), MYL_EINVAL);
    assert_int_equal(myl_journal_commit(NULL), MYL_EINVAL);
    myl_journal_reader *r;
    assert_int_equal(myl_journal_reader_open(NULL, 0, &r), MYL_EINVAL);
    myl_ut_rm_rf(dir);
}

/* A directory of exactly want bytes under base, made component by
 * component (each at most 200 bytes, as file systems allow). */
static void make_deep(char *p, size_t want, const char *base)
{
    size_t n = strlen(base);
    memcpy(p, base, n + 1);
    assert_true(mkdir(p, 0700) == 0 || errno == EEXIST);
    while (n < want) {
        size_t k = want - n - 1;
        if (k > 200)
            k = want - n - 1 - 200 < 2 ? 150 : 200;
        p[n++] = '/';
        memset(p + n, 'd', k);
        n += k;
        p[n] = 0;
        assert_true(mkdir(p, 0700) == 0 || errno == EEXIST);
    }
}

/* A directory too long for its segments' paths (4096 bytes with the
 * NUL) is refused by name, by the writer and the reader; one byte
 * shorter, everything fits and works. Before, the segment names were cut
 * short: the journal wrote files named otherwise, which no reader
 * found. */
static void test_long_dir(void **state)
{
    (void)state;
    const char *base = myl_ut_dir("longdir");
    myl_ut_rm_rf(base);
    static char p[4200];
    size_t fits = 4096 - sizeof "/journal-0123456789abcdef.myj";
    make_deep(p, fits + 1, base);
    myl_journal *j;
    myl_journal_reader *r;
    assert_int_equal(myl_journal_open(p, NULL, &j), MYL_ENAME);
    assert_int_equal(myl_journal_reader_open(p, 0, &r), MYL_ENAME);
    p[fits] = 0;
    p[fits - 1] = 'e'; /* a directory of its own, fits bytes long */
    assert_int_equal(mkdir(p, 0700), 0);
    assert_int_equal(myl_journal_open(p, NULL, &j), 0);
    assert_int_equal(myl_journal_append(j, 0, "abc", 3, NULL), 0);
    assert_int_equal(myl_journal_close(j), 0);
    assert_int_equal(myl_journal_reader_open(p, 0, &r), 0);
    myl_journal_record rec;
    assert_int_equal(myl_journal_read(r, &rec), 1);
    assert_int_equal(rec.len, 3);
    assert_memory_equal(rec.data, "abc", 3);
    myl_journal_reader_close(r);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base); /* deep: rm works below PATH_MAX */
    assert_int_equal(system(cmd), 0);
}

/* ---- kill -9 ---- */

/* A child appends and commits batches with SYNC_BATCH (or SYNC_NONE, where
 * durable means written: in the page cache), writing the durable
 * count to a pipe after each commit; it is killed at a random instant.
 * Every record it reported durable is there after reopen, and the records
 * form one gap-free sequence. */
static void test_killed_writer(void **state)
{
    (void)state;
    /* SYNC_NONE's large commits written with pwrite, whatever the host */
    setenv("MYL_TEST_FIRST_STORE", "dear", 1);
    const char *dir = myl_ut_dir("kill");
    uint64_t x = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 16;
    int trials = 20 / MYL_UT_SCALE + 2;
    for (int t = 0; t < trials; t++) {
        myl_ut_rm_rf(dir);
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            /* Trials 1 mod 3: the write path; 2 mod 3: SYNC_NONE (the
             * mapped path with its allocating thread), larger segments. */
            myl_journal_opts o = {.size = sizeof o,
                                  .segment_bytes = t % 3 == 2 ? 1u << 20 : 8192,
                                  .sync = t % 3 == 2 ? MYL_JOURNAL_SYNC_NONE : 0,
                                  .flags = t % 3 == 1 ? MYL_JOURNAL_WRITE : 0};
            myl_journal *j;
            if (myl_journal_open(dir, &o, &j) != 0)
                _exit(2);
            for (;;) {
                /* SYNC_NONE: up to 60 records, past the size from which
                 * the mapped path writes a commit with pwrite */
                append_n(j, 1 + myl_journal_next_seq(j) % (t % 3 == 2 ? 60 : 9));
                if (myl_journal_commit(j) != 0)
                    _exit(3);
                uint64_t d = myl_journal_durable(j);
                if (write(fds[1], &d, sizeof d) != sizeof d)
                    _exit(4);
            }
        }
        close(fds[1]);
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        myl_ut_nap((long)(1000000 + x % 40000000)); /* 1..41 ms */
        kill(pid, SIGKILL);
        int st;
        waitpid(pid, &st, 0);
        assert_true(WIFSIGNALED(st));
        uint64_t d, reported = 0;
        while (read(fds[0], &d, sizeof d) == sizeof d)
            reported = d;
        close(fds[0]);
        (void)reopen_holds(dir, reported);
    }
    myl_ut_rm_rf(dir);
}

MYL_TEST_MAIN("journal", cmocka_unit_test(test_crc32c_vectors), cmocka_unit_test(test_crc32c_long),
              cmocka_unit_test(test_record_layout), cmocka_unit_test(test_spill),
              cmocka_unit_test_teardown(test_tmpfs_full, myl_ut_teardown_mount),
              cmocka_unit_test(test_roundtrip_rotation),
              cmocka_unit_test(test_reader_follows_writer),
              cmocka_unit_test(test_reader_follows_pruning), cmocka_unit_test(test_torn_tail),
              cmocka_unit_test(test_corrupt_middle), cmocka_unit_test(test_chain),
              cmocka_unit_test(test_partial_header), cmocka_unit_test(test_short_writes),
              cmocka_unit_test(test_enospc), cmocka_unit_test(test_fsync_eio_fatal),
              cmocka_unit_test(test_group_commit), cmocka_unit_test(test_mapped_faults),
              cmocka_unit_test(test_alloc_steps), cmocka_unit_test(test_stale_tail),
              cmocka_unit_test(test_api_errors), cmocka_unit_test(test_killed_writer),
              cmocka_unit_test(test_long_dir), cmocka_unit_test(test_bad_header_kept),
              cmocka_unit_test(test_reopen_smaller_max_record),
              cmocka_unit_test(test_odd_segment_bytes), cmocka_unit_test(test_reader_before_first),
              cmocka_unit_test(test_reader_empty_dir), cmocka_unit_test(test_reader_at_new_segment),
              cmocka_unit_test(test_recovery_under_reader),
              cmocka_unit_test(test_sync_none_all_segments))
