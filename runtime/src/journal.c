/* The journal: segment files of checksummed records (journal.h; byte
 * layout in docs/ARCHITECTURE.md, "Journal").
 *
 *   segment  "journal-<first seq, 16 hex digits>.myj":
 *            header (32 bytes): magic "MYLJRNL1", u32 version (3; 2 is
 *            read too), u32 CRC32C of the header with this field 0, u64
 *            first sequence, u64 chain value at the first sequence (the
 *            chain of every record before it, myl_journal_chain_next)
 *   record   u32 payload length, u32 CRC32C, u64 sequence, u64 type,
 *            payload, zero padding to a multiple of 8. The CRC covers the
 *            sequence, the type, the payload and then the length.
 *   end      the data ends at the end of the file or at a record boundary
 *            whose first 8 bytes (length and CRC) are zero and which is
 *            not a valid record; every byte after it is zero (version 3:
 *            a segment is allocated ahead of its data and written through
 *            a shared mapping, so its file is longer than its data).
 * All integers little-endian (the host's order: the runtime is x86-64 and
 * aarch64 only; a big-endian host fails the magic check).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "internal.h"
#include "myelon/error.h"
#include "myelon/journal.h"

static const uint8_t seg_magic[8] = {'M', 'Y', 'L', 'J', 'R', 'N', 'L', '1'};
#define SEG_VERSION 3u
#define SEG_VERSION_OLD 2u /* the same records; the file ends with the data */
#define SEG_HEADER 32u
#define REC_HEADER 24u
#define DEFAULT_SEGMENT (UINT64_C(64) << 20)
#define MIN_SEGMENT 4096u
#define DEFAULT_GROUP_NS UINT64_C(1000000)
#define DEFAULT_GROUP_BYTES (UINT64_C(1) << 20)
#define DEFAULT_MAX_RECORD (16u << 20)
/* The mapped path allocates a segment's file this far ahead of its data.
 * The zeros ahead are dirty pages: under a sync policy every sync writes
 * them out, and without one 1 MiB measured slower and bimodal
 * (docs/PERFORMANCE.md). */
#define GROW_BYTES (UINT64_C(64) << 10)
/* SYNC_NONE: a thread of the journal allocates the file this far ahead of
 * the writer, BG_STEP a call, and the writer asks for more once it is
 * within half of it, so it rarely waits (docs/PERFORMANCE.md). A step is
 * one aligned 2 MiB of the file, written in one call: where the file
 * system keeps large folios (ext4 since Linux 6.16, xfs) its pages are
 * then one 2 MiB folio, which the segment's map (aligned to 2 MiB)
 * reaches through one page-table entry instead of 512. Where the
 * hypervisor shadows page tables the first store through each entry
 * costs microseconds: measured 16x fewer nanoseconds a page of stores
 * (docs/ARCHITECTURE.md, "Large commits"). */
#define HUGE_BYTES (UINT64_C(2) << 20)
#define BG_AHEAD (UINT64_C(4) << 20)
#define BG_STEP HUGE_BYTES
/* The mapped path writes a commit larger than this with pwrite(2) rather
 * than storing it through the map (under a sync policy; without one, the
 * second, on hosts where first stores are dear): where the first store to
 * each new page of a mapping costs microseconds (page tables shadowed by
 * the hypervisor), the kernel's copy is several times cheaper for whole
 * pages, while a system call a commit costs more than the stores of a
 * small one (docs/ARCHITECTURE.md, "Large commits"). */
#define SPILL_SYNC (UINT64_C(1) << 10)
#define SPILL_NONE (UINT64_C(4) << 10)
/* A first store dearer than this is a hypervisor's, not a TLB miss's. */
#define DEAR_FIRST_STORE_NS 1500u

static uint64_t pad8(uint64_t n)
{
    return (n + 7u) & ~UINT64_C(7);
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint32_t record_crc(uint32_t len, uint64_t seq, uint64_t type, const void *data)
{
    uint8_t h[16];
    memcpy(h, &seq, 8);
    memcpy(h + 8, &type, 8);
    uint32_t c = myl_crc32c(0, h, sizeof h);
    c = myl_crc32c(c, data, len);
    return myl_crc32c(c, &len, 4);
}

/* One step of the chain: record crc (which covers its sequence, type,
 * payload and length) after chain c. For a given record the step is a
 * bijection of c (xor, odd multiply, xorshift), so two different histories
 * reach one chain value only through a collision of the record's bits. */
static uint64_t chain_step(uint64_t c, uint32_t crc, uint32_t len, uint64_t type)
{
    c ^= ((uint64_t)len << 32) | crc;
    c *= UINT64_C(0x9e3779b97f4a7c15);
    c ^= c >> 32;
    c ^= type;
    c *= UINT64_C(0xbf58476d1ce4e5b9);
    c ^= c >> 29;
    return c;
}

uint64_t myl_journal_chain_next(uint64_t chain, const myl_journal_record *rec)
{
    if (!rec)
        return chain;
    uint32_t crc = record_crc(rec->len, rec->seq, rec->type, rec->len ? rec->data : "");
    return chain_step(chain, crc, rec->len, rec->type);
}

static void header_bytes(uint8_t h[SEG_HEADER], uint64_t first, uint64_t chain)
{
    memset(h, 0, SEG_HEADER);
    memcpy(h, seg_magic, sizeof seg_magic);
    uint32_t v = SEG_VERSION;
    memcpy(h + 8, &v, 4);
    memcpy(h + 16, &first, 8);
    memcpy(h + 24, &chain, 8);
    uint32_t c = myl_crc32c(0, h, SEG_HEADER);
    memcpy(h + 12, &c, 4);
}

/* A segment's header is valid and names first sequence *first, with the
 * chain *chain before it. */
static bool header_valid(const uint8_t *h, uint64_t *first, uint64_t *chain)
{
    if (memcmp(h, seg_magic, sizeof seg_magic) != 0 ||
        (get32(h + 8) != SEG_VERSION && get32(h + 8) != SEG_VERSION_OLD))
        return false;
    uint8_t c[SEG_HEADER];
    memcpy(c, h, SEG_HEADER);
    memset(c + 12, 0, 4);
    if (myl_crc32c(0, c, SEG_HEADER) != get32(h + 12))
        return false;
    *first = get64(h + 16);
    *chain = get64(h + 24);
    return true;
}

/* The record at off in buf[0, size): its total size (> 0), 0 for a torn
 * or corrupt one. Everything read from the file is bounds-checked. */
static uint64_t record_at(const uint8_t *buf, uint64_t size, uint64_t off, uint64_t want_seq,
                          uint32_t max_record, myl_journal_record *rec, uint64_t *chain)
{
    if (!buf || off > size || size - off < REC_HEADER)
        return 0;
    const uint8_t *p = buf + off;
    uint32_t len = get32(p);
    if (len > max_record || size - off - REC_HEADER < len)
        return 0;
    uint64_t seq = get64(p + 8), type = get64(p + 16);
    /* record_crc's value, over sequence, type and payload as they lie. */
    if (seq != want_seq || myl__crc32c_tail32(p + 8, 16 + (size_t)len, len) != get32(p + 4))
        return 0;
    /* The padding is written with the record: a record whose padding is
     * cut was torn mid-write (and never synced). */
    uint64_t total = pad8(REC_HEADER + (uint64_t)len);
    if (total > size - off)
        return 0;
    for (uint64_t i = REC_HEADER + (uint64_t)len; i < total; i++)
        if (p[i] != 0)
            return 0;
    if (rec) {
        rec->seq = seq;
        rec->type = type;
        rec->data = p + REC_HEADER;
        rec->len = len;
    }
    *chain = chain_step(*chain, get32(p + 4), len, type);
    return total;
}

/* The end of the last nonzero byte in buf[from, size), or from. */
static uint64_t nonzero_end(const uint8_t *buf, uint64_t from, uint64_t size)
{
    uint64_t end = size;
    while (end > from && (end & 7u))
        if (buf[--end])
            return end + 1;
    while (end >= from + 8 && get64(buf + end - 8) == 0)
        end -= 8;
    while (end > from && buf[end - 1] == 0)
        end--;
    return end;
}

/* Where record_at found no record at off: END when the data ends there
 * (the end of the file, or 8 zero bytes of length and CRC: nothing was
 * written there yet), SHORT when the file ends inside the record (a write
 * cut short, or a file grown since it was mapped), BAD otherwise (a whole
 * record that fails its checks: torn or corrupt). */
enum { AT_END, AT_SHORT, AT_BAD };

static int no_record_at(const uint8_t *buf, uint64_t size, uint64_t off, uint32_t max_record)
{
    if (!buf || off >= size) /* no map: an empty file */
        return AT_END;
    if (size - off < 8) /* zeros: a segment cut at a size not a multiple of 8 */
        return nonzero_end(buf, off, size) == off ? AT_END : AT_SHORT;
    if (get64(buf + off) == 0)
        return AT_END;
    uint32_t len = get32(buf + off);
    if (size - off < REC_HEADER ||
        (len <= max_record && pad8(REC_HEADER + (uint64_t)len) > size - off))
        return AT_SHORT;
    return AT_BAD;
}

/* ---- the segment list ---- */

typedef struct seg_list {
    uint64_t *first; /* first sequences, ascending */
    size_t n;
} seg_list;

static bool parse_name(const char *name, uint64_t *first)
{
    return myl__parse_seq_name(name, "journal-", ".myj", first);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int list_segments(const char *dir, seg_list *out)
{
    out->first = NULL;
    out->n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return -errno;
    size_t cap = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        uint64_t f;
        if (!parse_name(e->d_name, &f))
            continue;
        if (out->n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            uint64_t *g = realloc(out->first, nc * sizeof *g);
            if (!g) {
                rc = -ENOMEM;
                break;
            }
            out->first = g;
            cap = nc;
        }
        out->first[out->n++] = f;
    }
    closedir(d);
    if (rc < 0) {
        free(out->first);
        out->first = NULL;
        out->n = 0;
        return rc;
    }
    if (out->n)
        qsort(out->first, out->n, sizeof *out->first, cmp_u64);
    return 0;
}

/* The longest directory whose segment paths fit the 4096-byte buffers
 * below (PATH_MAX); longer ones are refused at open (MYL_ENAME), never
 * cut short into another file's name. */
#define MAX_DIR (4096 - sizeof "/journal-0123456789abcdef.myj")

static void seg_path(char *out, size_t cap, const char *dir, uint64_t first)
{
    snprintf(out, cap, "%s/journal-%016" PRIx64 ".myj", dir, first);
}

/* A whole segment file mapped read-only. */
typedef struct seg_map {
    const uint8_t *p;
    uint64_t size;
} seg_map;

static int map_segment(const char *path, seg_map *m)
{
    m->p = NULL;
    m->size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    m->size = (uint64_t)st.st_size;
    if (m->size > 0) {
        /* Shared: a reader at the end of a segment sees what the writer
         * stores there later (the mapped write path does not grow the
         * file record by record). */
        void *p = mmap(NULL, (size_t)m->size, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            int e = -errno;
            close(fd);
            return e;
        }
        m->p = p;
    }
    close(fd);
    return 0;
}

static void unmap_segment(seg_map *m)
{
    if (m->p)
        munmap((void *)m->p, (size_t)m->size);
    m->p = NULL;
}

/* Walk the records of a mapped segment from its first sequence: the
 * sequence after the last good record, and where the good ones end;
 * *chain goes from the header's value to the one after the last good
 * record. */
static void walk(const seg_map *m, uint64_t first, uint32_t max_record, uint64_t *next_seq,
                 uint64_t *end, uint64_t *chain)
{
    uint64_t off = SEG_HEADER, seq = first;
    for (;;) {
        uint64_t n = record_at(m->p, m->size, off, seq, max_record, NULL, chain);
        if (!n)
            break;
        off += n;
        seq++;
    }
    *next_seq = seq;
    *end = off;
}

/* ---- the writer ---- */

/* The allocating thread (mapped path, SYNC_NONE): it extends the current
 * segment's file (io.alloc) from alloc up to want, BG_STEP a call, so
 * that the page-cache pages are made off the writer's thread. The writer
 * stores into the map only below an alloc it read under mu after the call
 * that made it returned, so the zeros written never land on a record;
 * it detaches the segment (waiting out a call in progress) before it
 * truncates or closes the file. A failed allocation is kept in err and
 * fails the journal when the writer needs the space (as seg_grow does). */
typedef struct grower {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t work; /* the thread waits for want > alloc, or stop */
    pthread_cond_t done; /* the writer waits for alloc, or for !busy */
    const myl_journal_io *io;
    int fd; /* the segment being allocated, or -1 */
    uint64_t alloc, want;
    /* BG_STEP, or GROW_BYTES once a step failed (a file system nearly
     * full: the space there is used to its end before the journal fails) */
    uint64_t step;
    int err;
    bool busy, stop;
} grower;

struct myl_journal {
    char *dir;
    int dir_fd;
    int lock_fd;
    int fd;            /* the current segment */
    uint64_t seg_size; /* its bytes written (committed) */
    uint64_t seg_first;
    myl_journal_opts o;
    myl_journal_io io;
    bool mapped; /* the mapped write path (not MYL_JOURNAL_WRITE) */
    /* Mapped: the current segment, mapped for seg_cap bytes; its file is
     * seg_alloc bytes long (allocated, zero past the data). Records are
     * appended straight into the map at [seg_size, map_end) and count as
     * written at the next commit; map_seq and map_chain are the sequence
     * and chain after them. */
    uint8_t *map;
    uint64_t seg_cap, seg_alloc, map_end, map_seq, map_chain;
    /* append stores into the map straight up to here (seg_alloc, or with
     * the allocating thread a little before it: there it asks for more) */
    uint64_t grow_at;
    grower *bg; /* the allocating thread, or NULL (inline) */
    /* A commit of more than spill bytes is written with pwrite(2), not
     * stored through the map (spill_run). spilling: the last commit was
     * one, so this one's records are buffered from the first (commits
     * come in runs of one size). */
    uint64_t spill;
    bool spilling;
    /* SYNC_NONE where first stores are dear, with the allocating thread:
     * each new segment measures whether its map makes them cheap (large
     * folios: map_stores_cheap) and spills only if not. */
    bool probe_spill;
    myl__crc32c_record_fn put; /* lays a record's body out, returns its CRC */
    uint8_t *buf;              /* appended, not yet written */
    size_t buf_len, buf_cap;
    uint64_t next_seq;    /* of the next append */
    uint64_t written_seq; /* records [0, written_seq) are written */
    uint64_t durable_seq;
    uint64_t chain;         /* after the last record appended */
    uint64_t written_chain; /* after record written_seq - 1 */
    uint64_t unsynced_bytes;
    /* SYNC_NONE: the first sequences of segments ended, and whether the
     * directory changed, since the last myl_journal_sync, which syncs
     * them too (it promises every record written, not the last
     * segment's). */
    uint64_t *lazy;
    size_t nlazy, lazy_cap;
    bool dir_lazy;
    uint64_t last_sync_ns;
    uint64_t recovered;
    int failed; /* the first fatal error, or 0 */
};

static bool first_store_dear;
static bool first_store_forced; /* by MYL_TEST_FIRST_STORE */

/* Measure, once a process, what the first store through a page-table
 * entry costs: on 16 pages of anonymous memory whose entries
 * MADV_POPULATE_WRITE made (so that no fault is timed), the median of
 * their first stores. A TLB miss costs ~0.1 us; a PVM guest's shadow
 * page tables ~5 us. Without MADV_POPULATE_WRITE (before Linux 5.14)
 * nothing is measured and stores count as cheap, as they were before.
 * Tests choose with MYL_TEST_FIRST_STORE=dear or cheap. */
static void probe_first_store(void)
{
    const char *t = getenv("MYL_TEST_FIRST_STORE");
    if (t) {
        first_store_dear = strcmp(t, "dear") == 0;
        first_store_forced = true;
        return;
    }
    enum { N = 16 };
    size_t len = (size_t)N * 4096u;
    uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return;
#ifdef MADV_POPULATE_WRITE
    if (madvise(p, len, MADV_POPULATE_WRITE) == 0) {
        uint64_t ns[N];
        for (size_t i = 0; i < N; i++) {
            uint64_t t0 = myl__now_ns();
            *(volatile uint8_t *)(p + i * 4096u) = 1;
            ns[i] = myl__now_ns() - t0;
        }
        qsort(ns, N, sizeof ns[0], cmp_u64);
        first_store_dear = ns[N / 2] > DEAR_FIRST_STORE_NS;
    }
#endif
    munmap(p, len);
}

static ssize_t sys_write(void *arg, int fd, const void *buf, size_t len)
{
    (void)arg;
    return write(fd, buf, len);
}

static int sys_fsync(void *arg, int fd)
{
    (void)arg;
    return fdatasync(fd);
}

/* Allocate [off, off + len) of a segment's file (past its end) by
 * writing zeros: the blocks are reserved (or ENOSPC is said) now, and the
 * pages are in the page cache, so that the stores into the map that
 * follow neither read them in nor meet a full disk (SIGBUS). (Faulting
 * them in ahead with MADV_POPULATE_WRITE measured slower, not faster:
 * instead of the zeros, and also after them in the allocating thread,
 * which made the writer's page-table entries for it: no-fsync appends at
 * batch 16 went from 0.40x the raw ring to 0.33x on an Intel Xeon.)
 * posix_fallocate would reserve the blocks too, but each page would then
 * be read in (zero-filled) at its first store: slower on ext4. */
static int sys_alloc(void *arg, int fd, off_t off, off_t len)
{
    (void)arg;
    static const uint8_t zeros[65536];
    struct iovec iov[32];
    while (len > 0) {
        /* Up to 2 MiB a call (BG_STEP: one call makes one large folio),
         * every piece the same zero buffer. */
        int k = 0;
        for (off_t left = len; left > 0 && k < 32; k++) {
            size_t n = left < (off_t)sizeof zeros ? (size_t)left : sizeof zeros;
            iov[k].iov_base = (void *)zeros;
            iov[k].iov_len = n;
            left -= (off_t)n;
        }
        ssize_t w = pwritev(fd, iov, k, off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        off += w;
        len -= w;
    }
    return 0;
}

/* Write all of buf, through short writes. A failure is fatal. */
static int write_all(myl_journal *j, int fd, const uint8_t *buf, size_t len)
{
    while (len) {
        ssize_t n = j->io.write(j->io.arg, fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return j->failed = n < 0 ? -errno : -EIO;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static int sync_fd(myl_journal *j, int fd)
{
    /* Never retried: after a failed fdatasync the kernel may have dropped
     * the dirty pages, and a later success would not bring them back.
     * On the mapped path fdatasync writes the pages stored through the
     * shared mapping too (what msync(MS_SYNC) would do, for the file). */
    if (j->io.fsync(j->io.arg, fd) != 0)
        return j->failed = errno ? -errno : -EIO;
    return 0;
}

static int sync_dir(myl_journal *j)
{
    if (fsync(j->dir_fd) != 0)
        return j->failed = -errno;
    return 0;
}

/* append stores straight into the map up to here: the allocated length
 * (or a point before it where it asks the thread for more), never past
 * segment_bytes (a record that would end past it starts a new segment).
 * 0 without a map (seg_unmap_rw). */
static void set_grow_at(myl_journal *j, uint64_t at)
{
    j->grow_at = at < j->o.segment_bytes ? at : j->o.segment_bytes;
}

static void *grower_main(void *arg)
{
    grower *g = arg;
    pthread_mutex_lock(&g->mu);
    for (;;) {
        while (!g->stop && (g->fd < 0 || g->err || g->alloc >= g->want))
            pthread_cond_wait(&g->work, &g->mu);
        if (g->stop)
            break;
        int fd = g->fd;
        /* Up to the next multiple of BG_STEP: from there on whole,
         * aligned steps (a segment reopened by recovery may end anywhere). */
        uint64_t from = g->alloc, to = (from / g->step + 1) * g->step;
        if (to > g->want)
            to = g->want;
        g->busy = true;
        pthread_mutex_unlock(&g->mu);
        errno = 0;
        int r = g->io->alloc(g->io->arg, fd, (off_t)from, (off_t)(to - from));
        int e = errno ? -errno : -EIO;
        pthread_mutex_lock(&g->mu);
        g->busy = false;
        if (r != 0 && to - from > GROW_BYTES)
            g->step = GROW_BYTES; /* and again, smaller */
        else if (r != 0)
            g->err = e;
        else
            g->alloc = to;
        pthread_cond_broadcast(&g->done);
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

/* Start the allocating thread; without one (pthread_create failed) the
 * writer allocates inline. */
static void grower_start(myl_journal *j)
{
    grower *g = calloc(1, sizeof *g);
    if (!g)
        return;
    g->io = &j->io;
    g->fd = -1;
    if (pthread_mutex_init(&g->mu, NULL) != 0) {
        free(g);
        return;
    }
    /* The thread takes no signals: they are the application's. */
    sigset_t all, old;
    sigfillset(&all);
    bool ok = pthread_cond_init(&g->work, NULL) == 0 && pthread_cond_init(&g->done, NULL) == 0 &&
              pthread_sigmask(SIG_SETMASK, &all, &old) == 0;
    if (ok) {
        ok = pthread_create(&g->thread, NULL, grower_main, g) == 0;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    if (!ok) {
        /* A cond that was initialised and never waited on needs no
         * destroy to release anything on Linux; destroy what we know. */
        pthread_mutex_destroy(&g->mu);
        free(g);
        return;
    }
    j->bg = g;
}

static void grower_stop(myl_journal *j)
{
    grower *g = j->bg;
    if (!g)
        return;
    pthread_mutex_lock(&g->mu);
    g->stop = true;
    pthread_cond_signal(&g->work);
    pthread_mutex_unlock(&g->mu);
    pthread_join(g->thread, NULL);
    pthread_cond_destroy(&g->work);
    pthread_cond_destroy(&g->done);
    pthread_mutex_destroy(&g->mu);
    free(g);
    j->bg = NULL;
}

/* The thread allocates the segment fd from alloc on. */
static void grower_attach(myl_journal *j, int fd, uint64_t alloc)
{
    grower *g = j->bg;
    pthread_mutex_lock(&g->mu);
    g->fd = fd;
    g->alloc = g->want = alloc;
    g->step = BG_STEP;
    g->err = 0;
    pthread_mutex_unlock(&g->mu);
}

/* The thread leaves the current segment alone from now on (a call in
 * progress is waited out); j->seg_alloc becomes the file's length. */
static void grower_detach(myl_journal *j)
{
    grower *g = j->bg;
    if (!g)
        return;
    pthread_mutex_lock(&g->mu);
    while (g->busy)
        pthread_cond_wait(&g->done, &g->mu);
    if (g->fd >= 0 && g->alloc > j->seg_alloc)
        j->seg_alloc = g->alloc;
    g->fd = -1;
    pthread_mutex_unlock(&g->mu);
    set_grow_at(j, j->seg_alloc);
}

/* Wait until the thread has allocated the current segment up to end,
 * asking it for BG_AHEAD more. 0, or the allocation's error (not yet
 * fatal: the caller decides). */
static int grower_wait(myl_journal *j, uint64_t end)
{
    grower *g = j->bg;
    /* In whole steps (the segment's size need not be one). */
    uint64_t want = (end + BG_AHEAD + BG_STEP - 1) / BG_STEP * BG_STEP;
    if (want > j->seg_cap)
        want = j->seg_cap > end ? j->seg_cap : end;
    pthread_mutex_lock(&g->mu);
    if (want > g->want) {
        g->want = want;
        pthread_cond_signal(&g->work);
    }
    while (g->alloc < end && !g->err)
        pthread_cond_wait(&g->done, &g->mu);
    uint64_t a = g->alloc;
    int err = g->err;
    pthread_mutex_unlock(&g->mu);
    if (a < end)
        return err;
    j->seg_alloc = a;
    /* Ask again once within half the distance ahead (or at a, where the
     * thread is behind: then the writer waits a step at a time, not a
     * record at a time). */
    set_grow_at(j, a - end > BG_AHEAD / 2 ? a - BG_AHEAD / 2 : a);
    return 0;
}

/* Mapped: make the current segment's file at least end bytes long,
 * allocated (so that a store into the map never meets a full disk: that
 * would be SIGBUS), GROW_BYTES ahead where the segment has room. A failure
 * (ENOSPC) is fatal, like a failed write. */
static int seg_grow(myl_journal *j, uint64_t end)
{
    if (end <= j->seg_alloc)
        return 0;
    if (j->bg) {
        int rc = grower_wait(j, end);
        return rc < 0 ? (j->failed = rc) : 0;
    }
    uint64_t want = j->seg_alloc + GROW_BYTES;
    if (want > j->seg_cap)
        want = j->seg_cap;
    if (want < end)
        want = end;
    if (j->io.alloc(j->io.arg, j->fd, (off_t)j->seg_alloc, (off_t)(want - j->seg_alloc)) != 0)
        return j->failed = errno ? -errno : -EIO;
    j->seg_alloc = want;
    set_grow_at(j, want);
    return 0;
}

/* Mapped: map the current segment (fd) for cap bytes, at an address
 * aligned to 2 MiB when it is that long (so that the kernel may map a
 * 2 MiB folio of the file with one page-table entry: BG_STEP): the map
 * replaces part of a reservation 2 MiB longer, and the rest of that is
 * given back. */
static int seg_map_rw(myl_journal *j, uint64_t cap)
{
    size_t len = (size_t)((cap + 4095u) & ~UINT64_C(4095));
    size_t slack = len >= HUGE_BYTES ? (size_t)HUGE_BYTES : 0;
    uint8_t *r =
        mmap(NULL, len + slack, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED)
        return j->failed = -errno;
    /* r moved up to the next multiple of slack (a power of two). */
    uint8_t *a = slack ? r + ((slack - (uintptr_t)r % slack) % slack) : r;
    void *p = mmap(a, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, j->fd, 0);
    if (p == MAP_FAILED) {
        int e = -errno;
        munmap(r, len + slack);
        return j->failed = e;
    }
    if (a > r)
        munmap(r, (size_t)(a - r));
    if (r + len + slack > a + len)
        munmap(a + len, (size_t)(r + len + slack - (a + len)));
    j->map = p;
    j->seg_cap = cap;
    return 0;
}

static void seg_unmap_rw(myl_journal *j)
{
    if (j->map)
        munmap(j->map, (size_t)j->seg_cap);
    j->map = NULL;
    j->grow_at = 0; /* no straight stores without a map */
}

/* Whether first stores into the current, new segment's map are cheap:
 * its first BG_STEP was allocated in one call, and where the file system
 * made that one large folio, the header's store made the one page-table
 * entry that maps all of it. The least of the first stores into the
 * three pages after the header's (zero past the data: a zero stored
 * there changes nothing a reader sees). Only once that much is
 * allocated, in a segment at least a step long. */
static bool map_stores_cheap(myl_journal *j)
{
    if (j->seg_cap < BG_STEP || j->seg_alloc < UINT64_C(4) * 4096u)
        return false;
    uint64_t best = UINT64_MAX;
    for (size_t i = 1; i < 4; i++) {
        uint64_t t0 = myl__now_ns();
        *(volatile uint8_t *)(j->map + i * 4096u) = 0;
        uint64_t dt = myl__now_ns() - t0;
        best = dt < best ? dt : best;
    }
    return best <= DEAR_FIRST_STORE_NS;
}

/* A new segment is made under this name, then renamed to its own once
 * its header is there: a segment never appears without one, so a reader
 * never meets a half-made one, and a kill in between cannot leave a
 * headerless segment that recovery would start again with the wrong
 * chain after the ones before it were pruned. Never a segment's name
 * (parse_name); one a crash left behind is removed before the next is
 * made. Renamed, not linked: the writer's map and descriptor then name
 * the segment (pmap, lsof), not a removed file. */
#define SEG_TEMP "journal.new"

/* SEG_TEMP renamed to name, which must not exist (O_EXCL's rule: a
 * segment is never replaced). 0, or -1 with errno. */
static int rename_new(int dir_fd, const char *name)
{
    if (renameat2(dir_fd, SEG_TEMP, dir_fd, name, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    /* A file system without the flag: the writer's lock keeps others
     * from making segments, so looking first is enough. */
    struct stat sb;
    if (fstatat(dir_fd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
        errno = EEXIST;
        return -1;
    }
    return renameat(dir_fd, SEG_TEMP, dir_fd, name);
}

/* Create the segment starting at first, room for at least min_cap bytes,
 * and make it current. */
static int new_segment(myl_journal *j, uint64_t first, uint64_t min_cap)
{
    char name[64];
    snprintf(name, sizeof name, "journal-%016" PRIx64 ".myj", first);
    if (unlinkat(j->dir_fd, SEG_TEMP, 0) != 0 && errno != ENOENT)
        return j->failed = -errno;
    int fd = openat(j->dir_fd, SEG_TEMP,
                    (j->mapped ? O_RDWR : O_WRONLY) | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return j->failed = -errno;
    uint8_t h[SEG_HEADER];
    header_bytes(h, first, j->written_chain);
    int rc;
    if (j->mapped) {
        /* The file before the map: a crash in between leaves a last
         * segment without a header, which recovery removes. */
        j->fd = fd;
        j->seg_alloc = j->grow_at = 0;
        j->seg_cap = min_cap > j->o.segment_bytes ? min_cap : j->o.segment_bytes;
        if (j->bg)
            grower_attach(j, fd, 0);
        rc = seg_grow(j, SEG_HEADER);
        if (rc == 0)
            rc = seg_map_rw(j, j->seg_cap);
        if (rc == 0 && !j->map)
            rc = -EIO; /* mapped without a map: cannot happen */
        if (rc == 0)
            memcpy(j->map, h, sizeof h);
        if (rc == 0 && j->probe_spill)
            j->spill = map_stores_cheap(j) ? UINT64_MAX : SPILL_NONE;
        j->fd = -1;
    } else {
        rc = write_all(j, fd, h, sizeof h);
    }
    if (rc == 0 && j->o.sync != MYL_JOURNAL_SYNC_NONE)
        rc = sync_fd(j, fd);
    /* Every store into the previous segment's map before the name that
     * tells a reader it is finished (pairs with reader_refresh's fence).
     * The name taken fails as O_EXCL would: a segment is never replaced. */
    atomic_thread_fence(memory_order_seq_cst);
    if (rc == 0 && rename_new(j->dir_fd, name) != 0)
        rc = j->failed = -errno;
    if (rc < 0)
        (void)unlinkat(j->dir_fd, SEG_TEMP, 0);
    if (rc == 0 && j->o.sync != MYL_JOURNAL_SYNC_NONE)
        rc = sync_dir(j);
    if (rc < 0) {
        grower_detach(j);
        seg_unmap_rw(j);
        close(fd);
        return rc;
    }
    j->fd = fd;
    j->seg_first = first;
    j->seg_size = j->map_end = SEG_HEADER;
    if (j->o.sync == MYL_JOURNAL_SYNC_NONE) {
        /* its header and name for the next myl_journal_sync */
        j->unsynced_bytes += SEG_HEADER;
        j->dir_lazy = true;
    }
    return 0;
}

/* SYNC_NONE: the current segment, ended unsynced, is remembered for the
 * next myl_journal_sync (synced now if it cannot be). */
static int remember_lazy(myl_journal *j)
{
    if (j->nlazy == j->lazy_cap) {
        size_t cap = j->lazy_cap ? j->lazy_cap * 2 : 8;
        uint64_t *l = realloc(j->lazy, cap * sizeof *l);
        if (!l)
            return sync_fd(j, j->fd);
        j->lazy = l;
        j->lazy_cap = cap;
    }
    j->lazy[j->nlazy++] = j->seg_first;
    return 0;
}

/* Close the current segment, synced (unless SYNC_NONE: remembered). */
static int end_segment(myl_journal *j)
{
    int rc = 0;
    if (j->fd >= 0) {
        if (j->o.sync != MYL_JOURNAL_SYNC_NONE && j->unsynced_bytes)
            rc = sync_fd(j, j->fd);
        else if (j->o.sync == MYL_JOURNAL_SYNC_NONE)
            rc = remember_lazy(j);
        if (rc == 0) {
            j->durable_seq = j->written_seq;
            j->unsynced_bytes = 0;
        }
        grower_detach(j);
        /* Give back what was allocated ahead, but keep one zero record
         * header after the data: a reader that mapped the file longer
         * reads up to there and no further, and never past the end of
         * the file (SIGBUS). Not synced, and a failure only leaves more
         * zeros: either way the data ends where it ends. */
        if (rc == 0 && j->mapped && j->seg_size + REC_HEADER < j->seg_alloc)
            (void)!ftruncate(j->fd, (off_t)(j->seg_size + REC_HEADER));
        seg_unmap_rw(j);
        close(j->fd);
        j->fd = -1;
    }
    return rc;
}

/* Recover the directory: check every segment, truncate a torn tail of the
 * last, and open it for appending. */
static int recover(myl_journal *j)
{
    seg_list l;
    int rc = list_segments(j->dir, &l);
    if (rc < 0)
        return rc;
    /* The oldest segments may have been removed (after a snapshot): the
     * first one left may start anywhere. */
    uint64_t seq = l.n ? l.first[0] : 0, chain = MYL_JOURNAL_CHAIN_INIT;
    char path[4096];
    for (size_t i = 0; i < l.n && rc == 0; i++) {
        seg_path(path, sizeof path, j->dir, l.first[i]);
        seg_map m;
        if ((rc = map_segment(path, &m)) < 0)
            break;
        bool last = i + 1 == l.n;
        uint64_t first = 0, next = 0, end = 0, hchain = 0;
        bool hdr = m.p && m.size >= SEG_HEADER && header_valid(m.p, &first, &hchain);
        /* The first segment left gives the chain; every later one must
         * continue it (a segment of another history is corruption). */
        if (hdr && i == 0)
            chain = hchain;
        if (!hdr || first != l.first[i] || first != seq || hchain != chain) {
            /* A last segment whose header never made it to disk (a crash
             * right after creating it: shorter than a header, or its
             * header still zeros) holds nothing: start it again. A header
             * there that is wrong is corruption like any other: deleting
             * it would take the records after it, synced ones included. */
            bool unwritten = m.size < SEG_HEADER || nonzero_end(m.p, 0, SEG_HEADER) == 0;
            unmap_segment(&m);
            if (last && unwritten && l.first[i] == seq) {
                j->recovered += m.size;
                if (unlink(path) != 0)
                    rc = -errno;
                else
                    rc = sync_dir(j);
                break;
            }
            rc = MYL_ECORRUPT;
            break;
        }
        /* Every record the format allows: max_record limits appends, and
         * a journal written with a larger one is read whole. */
        walk(&m, first, UINT32_MAX, &next, &end, &chain);
        /* Past the data everything must be zero: anything else is a torn
         * tail (a write, or pages of a mapped segment, that a crash cut
         * short) and must go, or records written there later could end
         * next to stale ones. */
        uint64_t dirty = nonzero_end(m.p, end, m.size);
        uint64_t size = m.size;
        unmap_segment(&m);
        if (dirty > end && !last) {
            rc = MYL_ECORRUPT; /* a bad record with segments after it */
            break;
        }
        /* The last segment ends in one zero record header after the data,
         * as end_segment leaves one: a reader that mapped the file longer
         * (a torn tail, a mapped segment's allocation) stops there, and
         * never reads past the end of the file (SIGBUS). The zeros first,
         * then the rest cut off. */
        static const uint8_t zero_hdr[REC_HEADER];
        uint64_t keep = end + REC_HEADER;
        if (last && size != keep) {
            int fd = open(path, O_WRONLY | O_CLOEXEC);
            if (fd < 0 || pwrite(fd, zero_hdr, sizeof zero_hdr, (off_t)end) != REC_HEADER ||
                (size > keep && ftruncate(fd, (off_t)keep) != 0) ||
                (dirty > end && fdatasync(fd) != 0)) {
                rc = -errno;
                if (fd >= 0)
                    close(fd);
                break;
            }
            close(fd);
            j->recovered += dirty - end;
        }
        seq = next;
        if (last) {
            /* Appended to at end, over the zero header (not O_APPEND). */
            int fd = open(path, (j->mapped ? O_RDWR : O_WRONLY) | O_CLOEXEC);
            if (fd < 0 || (!j->mapped && lseek(fd, (off_t)end, SEEK_SET) != (off_t)end)) {
                rc = -errno;
                if (fd >= 0)
                    close(fd);
                break;
            }
            j->fd = fd;
            j->seg_first = first;
            j->seg_size = j->map_end = end;
            if (j->mapped) {
                j->seg_alloc = end;
                rc = seg_map_rw(j, end > j->o.segment_bytes ? end : j->o.segment_bytes);
                if (rc < 0) {
                    j->failed = 0; /* open fails; close sees no error to return */
                    break;
                }
                set_grow_at(j, end);
                if (j->bg)
                    grower_attach(j, fd, end);
            }
        }
    }
    free(l.first);
    if (rc < 0)
        return rc;
    j->next_seq = j->written_seq = j->durable_seq = j->map_seq = seq;
    j->chain = j->written_chain = j->map_chain = chain;
    if (j->fd < 0)
        rc = new_segment(j, seq, 0);
    return rc;
}

/* Open the directory and take the writer's lock. */
static int lock_dir(myl_journal *j, const char *dir, char *lock, size_t cap)
{
    if (!(j->dir = strdup(dir)))
        return -ENOMEM;
    if (snprintf(lock, cap, "%s/journal.lock", dir) >= (int)cap)
        return MYL_ENAME;
    j->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (j->dir_fd >= 0)
        j->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (j->dir_fd < 0 || j->lock_fd < 0)
        return -errno;
    if (flock(j->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return errno == EWOULDBLOCK ? MYL_EBUSY : -errno;
    return 0;
}

int myl_journal_open(const char *dir, const myl_journal_opts *opts, myl_journal **out)
{
    if (!out)
        return MYL_EINVAL;
    *out = NULL;
    if (!dir || !*dir)
        return MYL_EINVAL;
    if (strlen(dir) > MAX_DIR)
        return MYL_ENAME;
    myl_journal_opts o = {0};
    if (opts) {
        if (opts->size && opts->size < sizeof o)
            return MYL_EINVAL;
        o = *opts;
    }
    if (o.sync > MYL_JOURNAL_SYNC_NONE ||
        (o.flags & ~(MYL_JOURNAL_WRITE | MYL_JOURNAL_NO_THREAD | MYL_JOURNAL_MAPPED_ONLY)))
        return MYL_EINVAL;
    if (!o.segment_bytes)
        o.segment_bytes = DEFAULT_SEGMENT;
    if (o.segment_bytes < MIN_SEGMENT || o.segment_bytes > SIZE_MAX / 2)
        return MYL_EINVAL;
    /* Records are 8-byte aligned: a segment's allocation that is not
     * would end in a stub shorter than a length word. */
    o.segment_bytes = (o.segment_bytes + 7u) & ~(uint64_t)7u;
    if (!o.group_ns)
        o.group_ns = DEFAULT_GROUP_NS;
    if (!o.group_bytes)
        o.group_bytes = DEFAULT_GROUP_BYTES;
    if (!o.max_record)
        o.max_record = DEFAULT_MAX_RECORD;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return -errno;
    myl_journal *j = calloc(1, sizeof *j);
    if (!j)
        return -ENOMEM;
    j->o = o;
    j->fd = j->lock_fd = j->dir_fd = -1;
    /* A write hook asks for the write path: it is what it injects into. */
    j->mapped = !(o.flags & MYL_JOURNAL_WRITE) && !(o.io && o.io->write);
    j->io.write = o.io && o.io->write ? o.io->write : sys_write;
    j->io.fsync = o.io && o.io->fsync ? o.io->fsync : sys_fsync;
    j->io.alloc = o.io && o.io->alloc ? o.io->alloc : sys_alloc;
    j->io.arg = o.io ? o.io->arg : NULL;
    j->put = myl__crc32c_record();
    /* Under a sync policy the sync dominates, and large commits written
     * measured no slower on hosts where stores are cheap; without one,
     * the stores are 1.7x faster there (Intel Xeon guests). */
    j->spill = UINT64_MAX;
    if (j->mapped && !(o.flags & MYL_JOURNAL_MAPPED_ONLY)) {
        static pthread_once_t probed = PTHREAD_ONCE_INIT;
        if (o.sync != MYL_JOURNAL_SYNC_NONE) {
            j->spill = SPILL_SYNC;
        } else {
            pthread_once(&probed, probe_first_store);
            if (first_store_dear)
                j->spill = SPILL_NONE;
        }
    }
    /* Without a sync the writer is bound by making page-cache pages:
     * a thread makes them ahead of it. (With one, the sync dominates, and
     * pages allocated further ahead are more zeros for it to write.) */
    if (j->mapped && o.sync == MYL_JOURNAL_SYNC_NONE && !(o.flags & MYL_JOURNAL_NO_THREAD))
        grower_start(j);
    j->probe_spill = j->spill == SPILL_NONE && j->bg && !first_store_forced;
    char lock[4096];
    int rc = lock_dir(j, dir, lock, sizeof lock);
    if (rc == 0)
        rc = recover(j);
    if (rc < 0) {
        j->failed = 0;
        (void)myl_journal_close(j);
        return rc;
    }
    j->last_sync_ns = myl__now_ns();
    *out = j;
    return 0;
}

/* Lay record (seq, type, data, len) out at p, total bytes with padding,
 * and return its CRC. */
static uint32_t put_record(const myl_journal *j, uint8_t *p, uint64_t seq, uint64_t type,
                           const void *data, uint32_t len)
{
    /* record_crc's value, of the bytes as stored (sequence, type, payload,
     * then the length), in the pass that copies them for short payloads;
     * the padding to pad8(REC_HEADER + len) is zeroed with them. */
    uint32_t crc = j->put(p + 8, seq, type, data, len);
    /* Length and CRC last, in one store: until then the record's first 8
     * bytes are zero (the map is zero past the data) and a reader takes
     * them for the end. */
    uint64_t head = (uint64_t)len | (uint64_t)crc << 32;
    memcpy(p, &head, 8);
    return crc;
}

int myl_journal_append(myl_journal *j, uint64_t type, const void *data, uint32_t len, uint64_t *seq)
{
    if (!j || (!data && len))
        return MYL_EINVAL;
    if (j->failed)
        return j->failed;
    if (len > j->o.max_record)
        return MYL_ETOOBIG;
    size_t total = (size_t)pad8(REC_HEADER + (uint64_t)len);
    uint64_t s = j->next_seq;
    uint32_t crc;
    /* Into the map while this commit is small; a large one's records are
     * buffered and written at the commit. */
    bool straight =
        j->buf_len == 0 && j->map && !j->spilling && j->map_end - j->seg_size + total <= j->spill;
    /* With the allocating thread, ask it for more first (an error here
     * is left for commit to meet, as inline allocation leaves it). */
    if (straight && j->map_end + total > j->grow_at && j->bg &&
        j->map_end + total <= j->o.segment_bytes && j->map_end + total <= j->seg_cap)
        (void)grower_wait(j, j->map_end + total);
    /* grow_at is 0 without a map and at most segment_bytes. */
    if (straight && j->map_end + total <= j->grow_at) {
        /* Straight into the mapped segment: no copy, no system call. */
        crc = put_record(j, j->map + j->map_end, s, type, data, len);
        j->map_end += total;
        j->chain = chain_step(j->chain, crc, len, type);
        j->map_seq = s + 1;
        j->map_chain = j->chain;
    } else {
        if (j->buf_cap - j->buf_len < total) {
            size_t nc = j->buf_cap ? j->buf_cap : 4096;
            while (nc - j->buf_len < total)
                nc *= 2;
            uint8_t *b = realloc(j->buf, nc);
            if (!b)
                return -ENOMEM;
            j->buf = b;
            j->buf_cap = nc;
        }
        crc = put_record(j, j->buf + j->buf_len, s, type, data, len);
        j->buf_len += total;
        j->chain = chain_step(j->chain, crc, len, type);
    }
    j->next_seq++;
    if (seq)
        *seq = s;
    return 0;
}

/* Mapped: write a large run of whole records with pwrite(2), the
 * kernel's copy, rather than storing it through new pages of the map.
 * Inline, past what is allocated the write allocates (the file then ends
 * at the data; the zeros for later stores are written when they are
 * needed); with the allocating thread the file past its allocation is
 * the thread's to write, so it is waited for as a store would be. As on
 * the write path, a reader racing the call can meet its records half
 * copied (torn); what commit reported written is whole. */
static int spill_run(myl_journal *j, const uint8_t *p, size_t run)
{
    uint64_t end = j->seg_size + run;
    if (j->bg) {
        int rc = seg_grow(j, end);
        if (rc < 0)
            return rc;
    }
    for (size_t done = 0; done < run;) {
        ssize_t w = pwrite(j->fd, p + done, run - done, (off_t)(j->seg_size + done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return j->failed = w < 0 ? -errno : -EIO;
        done += (size_t)w;
    }
    if (end > j->seg_alloc)
        j->seg_alloc = end; /* grow_at stays below the old length */
    return 0;
}

/* Put run bytes of whole records at the end of the current segment. */
static int put_run(myl_journal *j, const uint8_t *p, size_t run)
{
    if (!j->mapped)
        return write_all(j, j->fd, p, run);
    if (run > j->spill)
        return spill_run(j, p, run);
    if (j->seg_size + run > j->seg_cap) {
        /* One record larger than the segment, alone in it: map it longer. */
        seg_unmap_rw(j);
        int rc = seg_map_rw(j, j->seg_size + run);
        if (rc < 0)
            return rc;
    }
    int rc = seg_grow(j, j->seg_size + run);
    if (rc == 0 && !j->map)
        rc = -EIO; /* mapped without a map: cannot happen */
    if (rc == 0)
        memcpy(j->map + j->seg_size, p, run);
    return rc;
}

/* Write the buffer, rotating wherever the segment would grow too large
 * (one record larger than a segment gets a segment of its own). Records
 * appended straight into the map come first: they are written already. */
static int write_buffered(myl_journal *j)
{
    j->spilling = j->map_end - j->seg_size + j->buf_len > j->spill;
    if (j->map_end > j->seg_size) {
        j->unsynced_bytes += j->map_end - j->seg_size;
        j->seg_size = j->map_end;
        j->written_seq = j->map_seq;
        j->written_chain = j->map_chain;
    }
    size_t off = 0;
    uint64_t seq = j->written_seq;
    while (off < j->buf_len) {
        /* As many whole records as fit the current segment: all of them,
         * most of the time, and then their count and chain are known
         * without a walk. */
        size_t run = 0;
        uint64_t n = 0, chain = j->written_chain;
        if (off == 0 && j->seg_size + j->buf_len <= j->o.segment_bytes) {
            run = j->buf_len;
            n = j->next_seq - seq;
            chain = j->chain;
        }
        size_t first_total = 0;
        while (off + run < j->buf_len) {
            const uint8_t *p = j->buf + off + run;
            uint32_t len = get32(p);
            size_t total = (size_t)pad8(REC_HEADER + (uint64_t)len);
            bool empty = j->seg_size == SEG_HEADER && run == 0;
            if (run == 0)
                first_total = total;
            if (!empty && j->seg_size + run + total > j->o.segment_bytes)
                break;
            chain = chain_step(chain, get32(p + 4), len, get64(p + 16));
            run += total;
            n++;
        }
        if (run == 0) {
            int rc = end_segment(j);
            if (rc == 0)
                rc = new_segment(j, seq, SEG_HEADER + (uint64_t)first_total);
            if (rc < 0)
                return rc;
            continue;
        }
        int rc = put_run(j, j->buf + off, run);
        if (rc < 0)
            return rc;
        j->seg_size += run;
        j->map_end = j->seg_size;
        j->unsynced_bytes += run;
        off += run;
        seq += n;
        j->written_seq = j->map_seq = seq;
        j->written_chain = j->map_chain = chain;
    }
    j->buf_len = 0;
    return 0;
}

/* SYNC_NONE: the segments ended since the last sync. One removed
 * meanwhile (pruned) has nothing left to keep. */
static int sync_lazy(myl_journal *j)
{
    char path[4096];
    for (size_t i = 0; i < j->nlazy; i++) {
        seg_path(path, sizeof path, j->dir, j->lazy[i]);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT)
            continue;
        if (fd < 0)
            return j->failed = -errno;
        int rc = sync_fd(j, fd);
        close(fd);
        if (rc < 0)
            return rc;
    }
    j->nlazy = 0;
    return 0;
}

static int sync_now(myl_journal *j)
{
    int rc = sync_lazy(j);
    if (rc == 0 && j->unsynced_bytes)
        rc = sync_fd(j, j->fd);
    if (rc == 0 && j->dir_lazy) {
        /* the segments' names after their contents */
        rc = sync_dir(j);
        j->dir_lazy = rc < 0;
    }
    if (rc < 0)
        return rc;
    j->unsynced_bytes = 0;
    j->durable_seq = j->written_seq;
    j->last_sync_ns = myl__now_ns();
    return 0;
}

int myl_journal_commit(myl_journal *j)
{
    if (!j)
        return MYL_EINVAL;
    if (j->failed)
        return j->failed;
    int rc = write_buffered(j);
    if (rc < 0)
        return rc;
    switch (j->o.sync) {
    case MYL_JOURNAL_SYNC_NONE:
        j->durable_seq = j->written_seq;
        return 0;
    case MYL_JOURNAL_SYNC_BATCH:
        return sync_now(j);
    default: /* MYL_JOURNAL_SYNC_GROUP */
        if (j->unsynced_bytes >= j->o.group_bytes ||
            myl__now_ns() - j->last_sync_ns >= j->o.group_ns)
            return sync_now(j);
        return 0;
    }
}

int myl_journal_sync(myl_journal *j)
{
    if (!j)
        return MYL_EINVAL;
    if (j->failed)
        return j->failed;
    int rc = write_buffered(j);
    return rc < 0 ? rc : sync_now(j);
}

int myl_journal_rotate(myl_journal *j)
{
    if (!j)
        return MYL_EINVAL;
    if (j->failed)
        return j->failed;
    int rc = write_buffered(j);
    if (rc == 0 && j->seg_size == SEG_HEADER)
        return 0; /* the current segment is empty: it is the next one */
    if (rc == 0)
        rc = end_segment(j);
    if (rc == 0)
        rc = new_segment(j, j->written_seq, 0);
    return rc;
}

uint64_t myl_journal_next_seq(const myl_journal *j)
{
    return j ? j->next_seq : 0;
}

uint64_t myl_journal_chain(const myl_journal *j)
{
    return j ? j->chain : 0;
}

uint64_t myl_journal_durable(const myl_journal *j)
{
    return j ? j->durable_seq : 0;
}

uint64_t myl_journal_written(const myl_journal *j)
{
    return j ? j->written_seq : 0;
}

uint64_t myl_journal_recovered_bytes(const myl_journal *j)
{
    return j ? j->recovered : 0;
}

int myl_journal_close(myl_journal *j)
{
    if (!j)
        return MYL_EINVAL;
    int rc = j->failed;
    if (rc == 0 && j->fd >= 0) {
        rc = write_buffered(j);
        if (rc == 0)
            rc = end_segment(j);
    }
    grower_detach(j);
    grower_stop(j);
    seg_unmap_rw(j);
    if (j->fd >= 0)
        close(j->fd);
    if (j->lock_fd >= 0)
        close(j->lock_fd); /* drops the lock */
    if (j->dir_fd >= 0)
        close(j->dir_fd);
    free(j->lazy);
    free(j->buf);
    free(j->dir);
    free(j);
    return rc;
}

/* ---- the reader ---- */

struct myl_journal_reader {
    char *dir;
    seg_list segs;
    size_t cur; /* index into segs of the mapped segment */
    seg_map map;
    uint64_t off;
    uint64_t seq;   /* expected next */
    uint64_t chain; /* after record seq - 1 */
    uint64_t from;
    int err;
};

/* Map segment cur; expect is the sequence it must start at (the one after
 * the previous segment's last record), or UINT64_MAX for the first. */
static int reader_map(myl_journal_reader *r, uint64_t expect)
{
    char path[4096];
    seg_path(path, sizeof path, r->dir, r->segs.first[r->cur]);
    unmap_segment(&r->map);
    int rc = map_segment(path, &r->map);
    if (rc < 0)
        return rc;
    uint64_t first, chain;
    if (!r->map.p || r->map.size < SEG_HEADER || !header_valid(r->map.p, &first, &chain) ||
        first != r->segs.first[r->cur] ||
        (expect != UINT64_MAX && (first != expect || chain != r->chain))) {
        r->off = 0;
        return MYL_ECORRUPT;
    }
    r->seq = first;
    r->chain = chain;
    r->off = SEG_HEADER;
    return 0;
}

/* At the end of what the current segment shows: list the segments again
 * (*later: one after the current exists) and map the current one again if
 * its size changed (the write path grows it record by record, the mapped
 * path a step at a time, and gives back the rest when it moves on).
 * Segments before the current one may have been removed meanwhile (a
 * pipeline prunes what its snapshots cover), the current one too once a
 * later one exists: the new list is taken from the current segment's
 * first sequence on, not by index. */
static int reader_refresh(myl_journal_reader *r, bool *later)
{
    /* List first, then look at the current segment again: a writer that
     * started a new segment before the listing had finished the current
     * one before it (written, or stored into the shared mapping before
     * the system call that created the next file), so what the current
     * one shows after the listing is final. */
    seg_list l;
    int rc = list_segments(r->dir, &l);
    if (rc < 0)
        return rc;
    uint64_t cf = r->segs.first[r->cur];
    size_t k = 0;
    while (k < l.n && l.first[k] <= cf)
        k++;
    *later = k < l.n;
    if (*later) {
        /* The current segment, then those after it. */
        uint64_t *f = malloc((l.n - k + 1) * sizeof *f);
        if (!f) {
            free(l.first);
            return -ENOMEM;
        }
        f[0] = cf;
        memcpy(f + 1, l.first + k, (l.n - k) * sizeof *f);
        free(r->segs.first);
        r->segs.first = f;
        r->segs.n = l.n - k + 1;
        r->cur = 0;
    }
    free(l.first);
    atomic_thread_fence(memory_order_seq_cst); /* pairs with the fence in new_segment */
    char path[4096];
    seg_path(path, sizeof path, r->dir, cf);
    struct stat st;
    if (stat(path, &st) != 0) {
        /* Removed: it was complete (only a segment with a successor is). */
        return errno == ENOENT ? 0 : -errno;
    }
    if ((uint64_t)st.st_size != r->map.size) {
        uint64_t off = r->off;
        unmap_segment(&r->map);
        if ((rc = map_segment(path, &r->map)) < 0)
            return rc;
        r->off = off;
    }
    return 0;
}

/* List the segments and map the one that holds r->from: at open, and at
 * each read while the directory has none (a reader may start before the
 * writer's first segment). A failed map is the reader's error; a failed
 * listing, or r->from before the first segment left, the return. */
static int reader_start(myl_journal_reader *r)
{
    free(r->segs.first);
    int rc = list_segments(r->dir, &r->segs);
    if (rc < 0)
        return rc;
    if (r->from && r->segs.n && r->from < r->segs.first[0]) {
        /* Removed (after a snapshot): starting at the first left would
         * read as if nothing were missing, the chain there taken for the
         * chain at from_seq. */
        return -ENOENT;
    }
    /* Start at the last segment whose first sequence is <= from. */
    r->cur = 0;
    while (r->cur + 1 < r->segs.n && r->segs.first[r->cur + 1] <= r->from)
        r->cur++;
    if (r->segs.n)
        r->err = reader_map(r, UINT64_MAX);
    return 0;
}

int myl_journal_reader_open(const char *dir, uint64_t from_seq, myl_journal_reader **out)
{
    if (!out)
        return MYL_EINVAL;
    *out = NULL;
    if (!dir)
        return MYL_EINVAL;
    if (strlen(dir) > MAX_DIR)
        return MYL_ENAME;
    myl_journal_reader *r = calloc(1, sizeof *r);
    if (!r)
        return -ENOMEM;
    r->dir = strdup(dir);
    r->from = from_seq;
    int rc = r->dir ? reader_start(r) : -ENOMEM;
    if (rc < 0) {
        myl_journal_reader_close(r);
        return rc;
    }
    /* Skip to from_seq now, as far as the segment goes, so that
     * myl_journal_reader_chain knows the chain there. */
    while (!r->err && r->seq < from_seq && r->off < r->map.size) {
        uint64_t n = record_at(r->map.p, r->map.size, r->off, r->seq, UINT32_MAX, NULL, &r->chain);
        if (!n)
            break; /* read says so */
        r->off += n;
        r->seq++;
    }
    *out = r;
    return 0;
}

int myl_journal_reader_chain(const myl_journal_reader *r, uint64_t *chain)
{
    if (!r || !chain)
        return MYL_EINVAL;
    if (r->err)
        return r->err;
    if (r->cur >= r->segs.n || r->seq < r->from)
        return MYL_EAGAIN;
    *chain = r->chain;
    return 0;
}

int myl_journal_read(myl_journal_reader *r, myl_journal_record *rec)
{
    if (!r || !rec)
        return MYL_EINVAL;
    bool refreshed = false;
    for (;;) {
        if (r->err)
            return r->err;
        if (r->segs.n == 0) {
            int rc = reader_start(r);
            if (rc < 0)
                return r->err = rc;
            if (r->segs.n == 0)
                return 0; /* none yet */
            continue;
        }
        uint64_t n = record_at(r->map.p, r->map.size, r->off, r->seq, UINT32_MAX, rec, &r->chain);
        if (n) {
            r->off += n;
            r->seq++;
            refreshed = false;
            if (rec->seq < r->from)
                continue;
            return 1;
        }
        int at = no_record_at(r->map.p, r->map.size, r->off, UINT32_MAX);
        if (at == AT_BAD)
            return r->err = MYL_ECORRUPT;
        /* The end of what the segment shows (or a record cut short): a
         * writer may have added to it since, or gone on to the next. */
        bool later = false;
        if (!refreshed) {
            int rc = reader_refresh(r, &later);
            if (rc < 0)
                return r->err = rc;
            refreshed = true;
            if (record_at(r->map.p, r->map.size, r->off, r->seq, UINT32_MAX, NULL, &(uint64_t){0}))
                continue;
            at = no_record_at(r->map.p, r->map.size, r->off, UINT32_MAX);
        }
        if (at != AT_END)
            return r->err = MYL_ECORRUPT; /* torn: cut inside a record */
        if (!later || r->cur + 1 >= r->segs.n)
            return 0; /* the end so far */
        r->cur++;
        refreshed = false;
        r->err = reader_map(r, r->seq);
    }
}

int myl_journal_reader_where(const myl_journal_reader *r, char *path, size_t cap, uint64_t *offset)
{
    if (!r)
        return MYL_EINVAL;
    if (r->cur >= r->segs.n)
        return MYL_EINVAL;
    if (path && cap)
        seg_path(path, cap, r->dir, r->segs.first[r->cur]);
    if (offset)
        *offset = r->off;
    return 0;
}

void myl_journal_reader_close(myl_journal_reader *r)
{
    if (!r)
        return;
    unmap_segment(&r->map);
    free(r->segs.first);
    free(r->dir);
    free(r);
}
