/* Segments: naming, creation, attachment and validation.
 *
 * The segment header is input from another process, possibly a broken or
 * hostile one. Attach checks it fully (myl__seg_validate) and copies every
 * value the hot path uses into the process-local myl_ring, so a later
 * change to the shared header cannot send an index out of bounds.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#if defined(__APPLE__)
#define MYL__SHM_NAME_MAX 31 /* PSHMNAMLEN */
#else
#define MYL__SHM_NAME_MAX NAME_MAX
#endif
#define MYL__DEFAULT_CAPACITY 4096u
#define MYL__DEFAULT_CONSUMERS 16u
#define MYL__DEFAULT_PRODUCERS_MP 16u
/* Where shm_open(3) keeps its objects on Linux (glibc and musl): the
 * atomic create protocol renames /dev/shm paths. Elsewhere create falls
 * back to building the segment under its own name. */
#define MYL__SHM_DIR "/dev/shm"
/* Temporary names of segments being built: ".myl-tmp-<pid>-<start>-<n>". */
#define MYL__TMP_PREFIX ".myl-tmp-"
#define MYL__FENCE_FLAGS (MYL_SEG_FENCE_ASYMMETRIC | MYL_SEG_FENCE_SYMMETRIC)
#define MYL__CREATE_FLAGS                                                                          \
    (MYL_SEG_PREFAULT | MYL_SEG_MLOCK | MYL_SEG_HUGEPAGES | MYL_SEG_REPLACE_STALE |                \
     MYL__FENCE_FLAGS)
#define MYL__ATTACH_FLAGS                                                                          \
    (MYL_SEG_PREFAULT | MYL_SEG_MLOCK | MYL_SEG_HUGEPAGES | MYL_SEG_REPLACE_STALE |                \
     MYL_SEG_READONLY | MYL_SEG_TRUST_UID | MYL_SEG_ANY_OWNER | MYL__FENCE_FLAGS)

/* A kill point of the lifecycle (myl__fault_point: MYL_TEST_KILL_AT). */
static void kill_point(const char *point)
{
    myl__fault_point(point);
}

static bool is_safe_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '.' || ch == '_' || ch == '-';
}

/* Does the last component of path start with the prefix of creators'
 * temporaries? myl_sweep removes such objects by the pid in their name,
 * whatever prefix it is given: a segment may not be named so. */
static bool temp_named(const char *path)
{
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    return strncmp(base, MYL__TMP_PREFIX, strlen(MYL__TMP_PREFIX)) == 0;
}

int myl_shm_name(const char *label, char *out, size_t out_size)
{
    if (!label || !out)
        return MYL_EINVAL;
    const char *l = label[0] == '/' ? label + 1 : label;
    size_t len = strlen(l);
    if (len == 0 || temp_named(l))
        return MYL_ENAME;
    bool safe = len <= MYL__SHM_NAME_MAX - 1 && strcmp(l, ".") != 0 && strcmp(l, "..") != 0;
    for (size_t i = 0; safe && i < len; i++)
        safe = is_safe_char(l[i]);
    if (safe) {
        if (len + 2 > out_size)
            return MYL_EINVAL;
        out[0] = '/';
        memcpy(out + 1, l, len + 1);
        return (int)(len + 1);
    }
    /* '/' + prefix + '-' + 16 hex digits. */
    size_t prefix = MYL__SHM_NAME_MAX - 1 - 17;
    if (prefix > 32)
        prefix = 32;
    if (prefix > len)
        prefix = len;
    if (1 + prefix + 17 + 1 > out_size)
        return MYL_EINVAL;
    out[0] = '/';
    for (size_t i = 0; i < prefix; i++)
        out[1 + i] = (char)(is_safe_char(l[i]) ? l[i] : '_');
    /* Hash the label without its optional leading '/', as the safe path
     * does: "/x y" and "x y" name the same segment. */
    uint64_t h = myl__fnv1a(l, len, MYL__FNV_OFFSET);
    int n = snprintf(out + 1 + prefix, out_size - 1 - prefix, "-%016llx", (unsigned long long)h);
    return (int)(1 + prefix) + n;
}

uint32_t myl_ring_stride(uint32_t slot_size)
{
    if (slot_size == 0 || slot_size > MYL_MAX_SLOT_SIZE)
        return 0;
    uint32_t raw = (uint32_t)sizeof(myl__slot) + ((slot_size + 7u) & ~7u);
    if (raw > 64)
        return (raw + 63u) & ~63u;
    /* Small slots: a power of two, so they tile cache lines exactly. */
    uint32_t s = 16;
    while (s < raw)
        s <<= 1;
    return s;
}

static bool is_pow2(uint64_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

/* The layout a set of options implies; opts already defaulted. */
struct layout {
    uint64_t producers_offset, consumers_offset, schema_offset, slots_offset, total_size;
    uint32_t stride;
};

static int compute_layout(uint32_t slot_size, uint64_t capacity, uint32_t max_producers,
                          uint32_t max_consumers, uint32_t schema_len, struct layout *lo)
{
    lo->stride = myl_ring_stride(slot_size);
    if (lo->stride == 0 || !is_pow2(capacity) || capacity < 2 || capacity > MYL_MAX_CAPACITY ||
        max_producers == 0 || max_producers > MYL_MAX_PRODUCERS || max_consumers == 0 ||
        max_consumers > MYL_MAX_CONSUMERS)
        return MYL_EINVAL;
    lo->producers_offset = MYL_SEG_HEADER_SIZE;
    lo->consumers_offset = lo->producers_offset + (uint64_t)max_producers * MYL_PRODUCER_ENTRY_SIZE;
    uint64_t end = lo->consumers_offset + (uint64_t)max_consumers * MYL_CONSUMER_ENTRY_SIZE;
    if (schema_len > MYL_SCHEMA_MAX)
        return MYL_EINVAL;
    lo->schema_offset = schema_len ? end : 0;
    end += schema_len;
    lo->slots_offset = (end + MYL_SLOTS_ALIGN - 1) & ~(uint64_t)(MYL_SLOTS_ALIGN - 1);
    /* capacity <= 2^32 and stride <= 2^26 + 64: no overflow in 64 bits. */
    lo->total_size = lo->slots_offset + capacity * lo->stride;
    return 0;
}

struct defaults {
    uint32_t backing, slot_size, producers, mode, wait, max_consumers, max_producers, perm, flags;
    uint64_t capacity, fingerprint;
    const char *name;
    const void *schema;
    uint32_t schema_len;
};

static int apply_defaults(const myl_ring_opts *o, struct defaults *d)
{
    if (!o)
        return MYL_EINVAL;
    d->backing = o->backing;
    d->name = o->name;
    d->fingerprint = o->fingerprint;
    d->slot_size = o->slot_size;
    d->producers = o->producers ? o->producers : MYL_PRODUCERS_SINGLE;
    d->capacity = o->capacity ? o->capacity : MYL__DEFAULT_CAPACITY;
    d->mode = o->mode ? o->mode : MYL_MODE_GATED;
    d->wait = o->wait ? o->wait : MYL_WAIT_HYBRID;
    d->max_consumers = o->max_consumers ? o->max_consumers : MYL__DEFAULT_CONSUMERS;
    d->max_producers = o->max_producers                      ? o->max_producers
                       : d->producers == MYL_PRODUCERS_MULTI ? MYL__DEFAULT_PRODUCERS_MP
                                                             : 1u;
    d->perm = o->perm ? o->perm : 0600u;
    d->flags = o->flags;
    d->schema = o->schema;
    d->schema_len = o->schema ? o->schema_len : 0;
    if (d->backing > MYL_BACKING_FILE || !d->name || !d->name[0])
        return d->name && d->name[0] ? MYL_EINVAL : MYL_ENAME;
    if (d->producers != MYL_PRODUCERS_SINGLE && d->producers != MYL_PRODUCERS_MULTI)
        return MYL_EINVAL;
    if (d->mode != MYL_MODE_GATED && d->mode != MYL_MODE_LOSSY)
        return MYL_EINVAL;
    /* Lossy rings have one producer: a second producer preempted between
     * claim and publish for a lap could tear an event that readers cannot
     * detect (docs/ARCHITECTURE.md, "Lossy rings are single-producer"). */
    if (d->mode == MYL_MODE_LOSSY && d->producers == MYL_PRODUCERS_MULTI)
        return MYL_EINVAL;
    if (d->wait < MYL_WAIT_SPIN || d->wait > MYL_WAIT_HYBRID)
        return MYL_EINVAL;
    if (d->producers == MYL_PRODUCERS_SINGLE && d->max_producers != 1)
        return MYL_EINVAL;
    if (d->perm & ~0777u)
        return MYL_EINVAL;
    if ((d->flags & ~MYL__CREATE_FLAGS) || (d->flags & MYL__FENCE_FLAGS) == MYL__FENCE_FLAGS)
        return MYL_EINVAL;
    return 0;
}

int myl_ring_segment_size(const myl_ring_opts *opts, uint64_t *out)
{
    struct defaults d;
    struct layout lo;
    if (!opts || !out)
        return MYL_EINVAL;
    /* The size does not depend on the name: a size query (tools, generated
     * code sizing a ring before naming it) need not give one. */
    myl_ring_opts o = *opts;
    if (!o.name || !o.name[0])
        o.name = "-";
    int rc = apply_defaults(&o, &d);
    if (rc < 0)
        return rc;
    rc = compute_layout(d.slot_size, d.capacity, d.max_producers, d.max_consumers, d.schema_len,
                        &lo);
    if (rc < 0)
        return rc;
    *out = lo.total_size;
    return 0;
}

uint64_t myl__header_checksum(const myl__seg_header *h)
{
    uint8_t buf[offsetof(myl__seg_header, checksum)];
    memcpy(buf, h, sizeof buf);
    memset(buf + offsetof(myl__seg_header, state), 0, sizeof(uint32_t));
    return myl__fnv1a(buf, sizeof buf, MYL__FNV_OFFSET);
}

static int open_backing(uint32_t backing, const char *name, bool create, bool read_only,
                        uint32_t perm, char *resolved, size_t resolved_size)
{
    int fd;
    /* O_NONBLOCK: a FIFO planted at the name (/dev/shm is world-writable)
     * would block a read-only open until a writer came; it opens at once
     * and is refused as not a regular file. No effect on regular files. */
    int access = read_only ? O_RDONLY | O_NONBLOCK : O_RDWR;
    if (backing == MYL_BACKING_SHM) {
        int rc = myl_shm_name(name, resolved, resolved_size);
        if (rc < 0)
            return rc;
        fd = shm_open(resolved, access | (create ? O_CREAT | O_EXCL : 0), (mode_t)perm);
    } else {
        size_t len = strlen(name);
        if (len >= resolved_size || temp_named(name))
            return MYL_ENAME;
        memcpy(resolved, name, len + 1);
        /* O_NOFOLLOW: a symlink planted at the path is refused (ELOOP). */
        fd = open(name, access | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT | O_EXCL : 0),
                  (mode_t)perm);
    }
    if (fd < 0)
        return -errno;
    return fd;
}

static int map_segment(myl_ring *r, size_t size, uint32_t flags)
{
    int mflags = MAP_SHARED;
#ifdef MAP_POPULATE
    if (flags & MYL_SEG_PREFAULT)
        mflags |= MAP_POPULATE;
#endif
    int prot = r->read_only ? PROT_READ : PROT_READ | PROT_WRITE;
    void *p = mmap(NULL, size, prot, mflags, r->fd, 0);
    if (p == MAP_FAILED)
        return -errno;
    r->base = p;
    r->map_size = size;
#ifdef MADV_HUGEPAGE
    if (flags & MYL_SEG_HUGEPAGES)
        (void)madvise(p, size, MADV_HUGEPAGE); /* best effort: not all filesystems can */
#endif
    if ((flags & MYL_SEG_MLOCK) && mlock(p, size) != 0)
        return -errno;
    return 0;
}

/* The filesystem path of a resolved name: the file itself, or the shm
 * object under MYL__SHM_DIR. */
static int fs_path(uint32_t backing, const char *resolved, char *out, size_t size)
{
    int n = backing == MYL_BACKING_SHM ? snprintf(out, size, "%s%s", MYL__SHM_DIR, resolved)
                                       : snprintf(out, size, "%s", resolved);
    return n < 0 || (size_t)n >= size ? MYL_ENAME : 0;
}

/* Create the temporary object a segment is built in, beside its name (in
 * MYL__SHM_DIR for shm, in the file's directory for files), with mode
 * perm. Returns the fd; tmp_obj gets the name to shm_open/unlink it by,
 * tmp_fs its path. */
static int open_temp(uint32_t backing, const char *pub_fs, uint32_t perm, char *tmp_obj,
                     size_t obj_size, char *tmp_fs, size_t fs_size)
{
    static MYL__ATOMIC(uint32_t) counter;
    pid_t pid = getpid();
    unsigned long long start = (unsigned long long)myl__proc_start_time(pid);
    const char *slash = strrchr(pub_fs, '/');
    int dirlen = backing == MYL_BACKING_FILE && slash ? (int)(slash - pub_fs) + 1 : 0;
    for (int tries = 0; tries < 16; tries++) {
        /* Relaxed: a number unique within the process; orders nothing. */
        unsigned n = atomic_fetch_add_explicit(&counter, 1, memory_order_relaxed);
        int fd, k;
        if (backing == MYL_BACKING_SHM) {
            k = snprintf(tmp_obj, obj_size, "/" MYL__TMP_PREFIX "%d-%llu-%u", (int)pid, start, n);
            if (k < 0 || (size_t)k >= obj_size || fs_path(backing, tmp_obj, tmp_fs, fs_size) < 0)
                return MYL_ENAME;
            fd = shm_open(tmp_obj, O_RDWR | O_CREAT | O_EXCL, (mode_t)perm);
        } else {
            k = snprintf(tmp_fs, fs_size, "%.*s" MYL__TMP_PREFIX "%d-%llu-%u", dirlen, pub_fs,
                         (int)pid, start, n);
            if (k < 0 || (size_t)k >= fs_size || (size_t)k >= obj_size)
                return MYL_ENAME;
            memcpy(tmp_obj, tmp_fs, (size_t)k + 1);
            fd = open(tmp_fs, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_CREAT | O_EXCL, (mode_t)perm);
        }
        if (fd >= 0)
            return fd;
        if (errno != EEXIST)
            return -errno;
    }
    return -EEXIST;
}

/* Does path name the file open as fd? */
static bool same_file(int fd, int dfd, const char *path)
{
    struct stat a, b;
    return fstat(fd, &a) == 0 && fstatat(dfd, path, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
           a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Give the finished temporary its name, never over an existing one. */
static int move_noreplace(const char *from, const char *to)
{
#if defined(__linux__) && defined(RENAME_NOREPLACE)
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
        return -errno;
#endif
    /* Filesystems without RENAME_NOREPLACE: link(2) never replaces either;
     * the temporary name goes afterwards (a creator killed in between
     * leaves a second name, which myl_sweep removes). */
    if (link(from, to) != 0)
        return -errno;
    kill_point("create.linked");
    (void)unlink(from);
    return 0;
}

/* May the process holding a table entry in state st (whose entry records
 * pid and start) be alive? An entry being taken carries its claimant's pid
 * in the state word (layout.h); one that resumes an ACTIVE entry counts
 * its previous owner too. Unknown state values count as alive: a segment
 * we cannot read is not ours to judge stale. */
static bool holder_alive(uint32_t st, int32_t pid, uint64_t start)
{
    if (st == MYL_ENTRY_FREE || st == MYL_ENTRY_EVICTED)
        return false;
    if (st & MYL_ENTRY_CLAIMING_BIT)
        return myl__pid_alive((int32_t)(st & MYL_ENTRY_PID_MASK)) ||
               ((st & MYL_ENTRY_RESUME_BIT) && myl__peer_alive(pid, start));
    if (st == MYL_ENTRY_ACTIVE || st == MYL_ENTRY_CLAIMING)
        return myl__peer_alive(pid, start);
    return true;
}

/* 1 if every process the mapped segment records is dead: its creator and
 * the holder of every producer and consumer entry in use; 0 if one may be
 * alive or the segment is not recognisably a myelon segment (never ours
 * to judge). t is a read-only mapping. */
static int ring_stale(myl_ring *t)
{
    const myl__seg_header *sh = (const myl__seg_header *)t->base;
    myl__seg_header h;
    /* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): t is mapped */
    memcpy(&h, sh, sizeof h);
    /* A0: pairs with R0 in myl_ring_create. */
    uint32_t state = myl__load_acquire(&((myl__seg_header *)t->base)->state);
    if (state == MYL_SEG_STATE_INIT) {
        /* Only the fallback protocol builds a segment under its own name;
         * it records the creator first (see myl_ring_create). */
        return h.magic == MYL_SEG_MAGIC && h.creator_pid > 0 &&
               !myl__peer_alive(h.creator_pid, h.creator_start_time);
    }
    if (myl__seg_validate(t, NULL) < 0)
        return 0;
    memcpy(&h, sh, sizeof h); /* as validated */
    if (myl__peer_alive(h.creator_pid, h.creator_start_time))
        return 0;
    for (uint32_t i = 0; i < t->max_producers; i++) {
        myl__producer_entry *e = &t->producers[i];
        uint32_t st = myl__load_acquire(&e->state); /* A4: pairs with R4 in ring.c */
        if (holder_alive(st, e->pid, e->start_time))
            return 0;
    }
    for (uint32_t i = 0; i < t->max_consumers; i++) {
        myl__consumer_entry *e = &t->consumers[i];
        uint32_t st = myl__load_acquire(&e->state); /* A4 */
        if (holder_alive(st, e->pid, e->start_time))
            return 0;
    }
    return 1;
}

/* Read len bytes at offset 0 of fd into buf: 0, or -1 if the file is
 * shorter (or unreadable). */
static int read_prefix(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

/* Is the segment open as fd (read-only) stale? 1 yes, 0 no (or not a
 * segment of ours), MYL_EOWNER if another user's, or -errno.
 * Judged on a copy of the header and the tables (all that ring_stale and
 * a validation without expectations read), taken with pread() rather
 * than through a mapping: a file another process truncates meanwhile
 * reads short, where a mapping would raise SIGBUS in the creator or
 * sweeper looking at it. */
static int seg_stale(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return 0;
    if (st.st_uid != geteuid())
        return MYL_EOWNER;
    if ((uint64_t)st.st_size < MYL_SEG_HEADER_SIZE || (uint64_t)st.st_size > (uint64_t)SIZE_MAX)
        return 0;
    myl__seg_header h;
    if (read_prefix(fd, &h, sizeof h) < 0)
        return 0;
    /* Untrusted sizes, bounded before they size anything; validation
     * checks them against the layout. */
    if (h.max_producers > MYL_MAX_PRODUCERS || h.max_consumers > MYL_MAX_CONSUMERS)
        return 0;
    size_t len = MYL_SEG_HEADER_SIZE + (size_t)h.max_producers * MYL_PRODUCER_ENTRY_SIZE +
                 (size_t)h.max_consumers * MYL_CONSUMER_ENTRY_SIZE;
    if (len > (uint64_t)st.st_size)
        return 0;
    void *copy = aligned_alloc(MYL_SLOTS_ALIGN,
                               (len + MYL_SLOTS_ALIGN - 1) & ~(size_t)(MYL_SLOTS_ALIGN - 1));
    if (!copy)
        return -ENOMEM;
    int stale = 0;
    myl__seg_header again;
    if (read_prefix(fd, copy, len) == 0) {
        /* The header's table sizes sized the copy: a header that changed
         * them in between is not judged (the copy's tables would be
         * longer than what was read); validation holds the rest of the
         * copy to them. */
        memcpy(&again, copy, sizeof again);
        if (again.max_producers == h.max_producers && again.max_consumers == h.max_consumers) {
            myl_ring t;
            memset(&t, 0, sizeof t);
            t.fd = fd;
            t.read_only = true;
            t.base = copy;
            /* The file's size, so that validation takes the layout as
             * whole: only the copied prefix is read (see above). */
            t.map_size = (size_t)st.st_size;
            stale = ring_stale(&t);
        }
    }
    free(copy);
    return stale;
}

/* Take the exclusive flock replacers and sweepers serialise on, waiting at
 * most about 100 ms: they hold it only to judge one segment, and a lock
 * held longer (by anything else) must not hang create or sweep. */
static int lock_briefly(int fd)
{
    for (int i = 0; i < 100; i++) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return 0;
        if (errno != EWOULDBLOCK && errno != EINTR)
            return -errno;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return -EWOULDBLOCK;
}

/* Remove (or with tmp_fs, replace by that file) the segment named name in
 * directory dfd if it is stale. Replacers and sweepers serialise on an
 * exclusive flock of the old segment, and re-check under it that the name
 * still refers to it: a segment that replaced it meanwhile is not judged
 * by what was true of the old one. Returns 1 done, 0 not stale, -EAGAIN
 * the name changed under us (look again), or an error. */
static int retire_stale(int dfd, const char *name, const char *tmp_fs)
{
    struct stat st;
    /* Only regular files are opened: not a FIFO, device or symlink that
     * happens to match a sweep's prefix. */
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? -EAGAIN : -errno;
    if (!S_ISREG(st.st_mode))
        return 0;
    int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOENT ? -EAGAIN : errno == ELOOP ? 0 : -errno;
    int rc = lock_briefly(fd);
    if (rc == -EWOULDBLOCK) {
        rc = 0; /* held too long by someone: not judged, left alone */
    } else if (rc == 0 && !same_file(fd, dfd, name)) {
        rc = -EAGAIN;
    } else if (rc == 0 && (rc = seg_stale(fd)) == 1) {
        kill_point("create.replace_locked");
        if (tmp_fs)
            rc = renameat(AT_FDCWD, tmp_fs, dfd, name) == 0 ? 1 : -errno;
        else
            rc = unlinkat(dfd, name, 0) == 0 ? 1 : errno == ENOENT ? 0 : -errno;
    }
    close(fd); /* drops the lock */
    return rc;
}

/* Give the finished temporary its public name. */
static int publish(const char *tmp_fs, const char *pub_fs, bool replace)
{
    for (int tries = 0; tries < 16; tries++) {
        int rc = move_noreplace(tmp_fs, pub_fs);
        if (rc != -EEXIST || !replace)
            return rc;
        rc = retire_stale(AT_FDCWD, pub_fs, tmp_fs);
        if (rc == 1)
            return 0;
        if (rc == 0)
            return -EEXIST;
        if (rc != -EAGAIN)
            return rc;
    }
    return -EEXIST;
}

/* Reserve the segment's memory now, so that a full disk or /dev/shm is an
 * error of create rather than a SIGBUS at the first touch of a page. */
static int reserve(int fd, uint64_t size)
{
    int e;
    do
        e = posix_fallocate(fd, 0, (off_t)size);
    while (e == EINTR);
    if (e == ENOSPC || e == EDQUOT)
        return MYL_ENOSPC;
    /* A filesystem that cannot reserve (nor emulate it): the segment works
     * as before, unreserved (docs/ARCHITECTURE.md, "Segment lifecycle"). */
    if (e == EOPNOTSUPP || e == EINVAL)
        return 0;
    return -e;
}

static void fill_handle(myl_ring *r, const myl__seg_header *h)
{
    r->hdr = (myl__seg_header *)r->base;
    r->producers = (myl__producer_entry *)(r->base + h->producers_offset);
    r->consumers = (myl__consumer_entry *)(r->base + h->consumers_offset);
    r->slots = r->base + h->slots_offset;
    r->capacity = h->capacity;
    r->mask = h->capacity - 1;
    r->stride = h->slot_stride;
    r->slot_size = h->slot_size;
    r->fingerprint = h->fingerprint;
    r->max_consumers = h->max_consumers;
    r->max_producers = h->max_producers;
    r->producer_mode = h->producer_mode;
    r->ring_mode = h->ring_mode;
    r->wait = h->wait;
    r->asym = (h->flags & MYL_HDR_ASYM_FENCE) != 0;
}

struct first_breaking {
    char *why;
    size_t cap;
};

/* Keeps the first breaking difference and stops there. */
static bool first_breaking(void *ud, const myl_compat_diff *d)
{
    struct first_breaking *f = ud;
    if (!d->breaking)
        return true;
    snprintf(f->why, f->cap, "%s", d->msg);
    return false;
}

/* An attacher whose fingerprint differs from the segment's: accepted when
 * both descriptions say 'compat evolve' and are compatible evolutions of
 * one another (docs/myl.md §8.3). The description is copied out of the
 * segment (h is the caller's private copy of the header, validated: the
 * range is inside total_size, itself inside the mapping) and decoded with
 * every bound checked. The reason goes to myl_compat_last_reason(). */
static int check_evolution(const myl_ring *r, const myl__seg_header *h, const myl_ring_opts *o)
{
    size_t cap;
    char *why = myl__compat_reason_buf(&cap);
    if (!o->schema || !o->schema_len || !h->schema_len) {
        snprintf(why, cap,
                 "fingerprint %016llx differs from the segment's %016llx, and %s has no schema "
                 "description",
                 (unsigned long long)o->fingerprint, (unsigned long long)h->fingerprint,
                 h->schema_len ? "the attacher" : "the segment");
        return MYL_EFINGERPRINT;
    }
    uint8_t *copy = malloc(h->schema_len);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, r->base + h->schema_offset, h->schema_len);
    int rc = 0;
    myl_schema *seg = NULL, *own = NULL;
    if (myl_schema_hash(copy, h->schema_len) != h->schema_hash) {
        snprintf(why, cap, "the segment's schema description does not match its hash");
        rc = MYL_ECORRUPT;
    } else if ((rc = myl_schema_decode(copy, h->schema_len, &seg, why, cap)) == 0 &&
               (rc = myl_schema_decode(o->schema, o->schema_len, &own, why, cap)) == 0) {
        if (myl_schema_compat_mode(seg) != MYL_COMPAT_EVOLVE ||
            myl_schema_compat_mode(own) != MYL_COMPAT_EVOLVE) {
            snprintf(why, cap,
                     "fingerprint %016llx differs from the segment's %016llx, and the channel is "
                     "compat strict on %s side",
                     (unsigned long long)o->fingerprint, (unsigned long long)h->fingerprint,
                     myl_schema_compat_mode(seg) != MYL_COMPAT_EVOLVE ? "the segment's"
                                                                      : "the attacher's");
            rc = MYL_EFINGERPRINT;
        } else {
            struct first_breaking fb = {why, cap};
            why[0] = 0;
            rc = myl_schema_compare(seg, own, NULL, 0, 0, first_breaking, &fb);
            rc = rc > 0 ? MYL_EINCOMPAT : rc;
        }
    }
    myl_schema_free(seg);
    myl_schema_free(own);
    free(copy);
    return rc;
}

int myl__seg_validate(myl_ring *r, const myl_ring_opts *expect)
{
    if (r->map_size < MYL_SEG_HEADER_SIZE)
        return MYL_ETRUNCATED;
    /* Work on a private copy: the shared header may change under us. */
    myl__seg_header h;
    memcpy(&h, r->base, sizeof h);
    /* A0: pairs with R0 in myl_ring_create: a READY state means the rest of
     * the header was written before it. */
    uint32_t state = myl__load_acquire(&((myl__seg_header *)r->base)->state);
    /* The creator sizes the object (zero-filled) before it writes magic and
     * version, with plain stores: a zero there under an INIT state is a
     * segment being created, not a foreign file, and attach_wait must keep
     * waiting for it rather than fail with EBADMAGIC/EVERSION. */
    if (state == MYL_SEG_STATE_INIT && (h.magic == 0 || h.layout_version == 0))
        return MYL_ENOTREADY;
    if (h.magic != MYL_SEG_MAGIC)
        return MYL_EBADMAGIC;
    if (h.layout_version != MYL_LAYOUT_VERSION)
        return MYL_EVERSION;
    if (state == MYL_SEG_STATE_INIT)
        return MYL_ENOTREADY;
    if (state != MYL_SEG_STATE_READY && state != MYL_SEG_STATE_SHUTDOWN)
        return MYL_ECORRUPT;
    memcpy(&h, r->base, sizeof h); /* re-read after the acquire */
    if (h.checksum != myl__header_checksum(&h))
        return MYL_ECORRUPT;
    struct layout lo;
    if (h.producer_mode != MYL_PRODUCERS_SINGLE && h.producer_mode != MYL_PRODUCERS_MULTI)
        return MYL_ECORRUPT;
    if (h.ring_mode != MYL_MODE_GATED && h.ring_mode != MYL_MODE_LOSSY)
        return MYL_ECORRUPT;
    if (h.ring_mode == MYL_MODE_LOSSY && h.producer_mode == MYL_PRODUCERS_MULTI)
        return MYL_ECORRUPT;
    if (h.wait < MYL_WAIT_SPIN || h.wait > MYL_WAIT_HYBRID || (h.flags & ~MYL_HDR_ASYM_FENCE) != 0)
        return MYL_ECORRUPT;
    if (h.producer_mode == MYL_PRODUCERS_SINGLE && h.max_producers != 1)
        return MYL_ECORRUPT;
    if (compute_layout(h.slot_size, h.capacity, h.max_producers, h.max_consumers, h.schema_len,
                       &lo) < 0)
        return MYL_ECORRUPT;
    if (lo.schema_offset != h.schema_offset || h.schema_reserved != 0)
        return MYL_ECORRUPT;
    if (lo.stride != h.slot_stride || lo.producers_offset != h.producers_offset ||
        lo.consumers_offset != h.consumers_offset || lo.slots_offset != h.slots_offset ||
        lo.total_size != h.total_size)
        return MYL_ECORRUPT;
    if (h.total_size > r->map_size)
        return MYL_ETRUNCATED;
    uint64_t evolved = 0;
    if (expect) {
        if (expect->fingerprint && expect->fingerprint != h.fingerprint) {
            int rc = check_evolution(r, &h, expect);
            if (rc < 0)
                return rc;
            evolved = expect->fingerprint;
        }
        if (expect->slot_size && expect->slot_size != h.slot_size)
            return MYL_ESLOTSIZE;
        if (expect->capacity && expect->capacity != h.capacity)
            return MYL_ECAPACITY;
        if (expect->producers && expect->producers != h.producer_mode)
            return MYL_EPRODMODE;
        if (expect->mode && expect->mode != h.ring_mode)
            return MYL_ERINGMODE;
    }
    fill_handle(r, &h);
    r->evolved_fingerprint = evolved;
    return 0;
}

int myl_ring_create(const myl_ring_opts *opts, myl_ring **out)
{
    return myl__ring_create_init(opts, NULL, NULL, out);
}

int myl__ring_create_init(const myl_ring_opts *opts, void (*init)(myl_ring *r, void *arg),
                          void *arg, myl_ring **out)
{
    struct defaults d;
    struct layout lo;
    int rc;
    if (!out)
        return MYL_EINVAL;
    *out = NULL;
    if ((rc = apply_defaults(opts, &d)) < 0)
        return rc;
    if ((rc = compute_layout(d.slot_size, d.capacity, d.max_producers, d.max_consumers,
                             d.schema_len, &lo)) < 0)
        return rc;
    if (d.schema_len) {
        myl_schema *sd = NULL;
        size_t cap;
        char *why = myl__compat_reason_buf(&cap);
        rc = myl_schema_decode(d.schema, d.schema_len, &sd, why, cap);
        myl_schema_free(sd);
        if (rc < 0)
            return rc == MYL_ECORRUPT ? MYL_EINVAL : rc;
    }
    if (lo.total_size > (uint64_t)SIZE_MAX)
        return MYL_ETOOBIG;
    myl_ring *r = calloc(1, sizeof *r);
    if (!r)
        return -ENOMEM;
    r->fd = -1;
    r->backing = d.backing;
    char pub_fs[512], tmp_obj[512], tmp_fs[512];
    bool replace = (d.flags & MYL_SEG_REPLACE_STALE) != 0;
    if (d.backing == MYL_BACKING_SHM) {
        rc = myl_shm_name(d.name, r->name, sizeof r->name);
    } else {
        rc = strlen(d.name) < sizeof r->name && !temp_named(d.name) ? 0 : MYL_ENAME;
        if (rc == 0)
            memcpy(r->name, d.name, strlen(d.name) + 1);
    }
    if (rc < 0 || (rc = fs_path(d.backing, r->name, pub_fs, sizeof pub_fs)) < 0)
        goto fail_free;
    /* A taken name fails early, before the work; the rename decides. */
    struct stat st;
    if (!replace && lstat(pub_fs, &st) == 0) {
        rc = -EEXIST;
        goto fail_free;
    }
    /* The segment is built under a temporary name and renamed to its own
     * once READY (docs/ARCHITECTURE.md, "Segment lifecycle"). Fallback
     * where shm objects are not files under MYL__SHM_DIR: build it under
     * its own name, recording the creator first. */
    bool atomic =
        d.backing == MYL_BACKING_FILE || (stat(MYL__SHM_DIR, &st) == 0 && S_ISDIR(st.st_mode));
    rc = atomic
             ? open_temp(d.backing, pub_fs, d.perm, tmp_obj, sizeof tmp_obj, tmp_fs, sizeof tmp_fs)
             : -ENOTSUP;
    if (d.backing == MYL_BACKING_SHM &&
        (rc == -ENOTSUP || rc == -ENAMETOOLONG || (rc >= 0 && !same_file(rc, AT_FDCWD, tmp_fs)))) {
        if (rc >= 0) {
            close(rc);
            shm_unlink(tmp_obj);
        }
        atomic = false;
        rc = open_backing(d.backing, d.name, true, false, d.perm, r->name, sizeof r->name);
    }
    if (rc < 0)
        goto fail_free;
    r->fd = rc;
    r->created = true;
    kill_point("create.open");
    /* The creation mode is exact, whatever the umask. */
    if (fchmod(r->fd, (mode_t)d.perm) != 0 || ftruncate(r->fd, (off_t)lo.total_size) != 0) {
        rc = -errno;
        goto fail_unlink;
    }
    if ((rc = reserve(r->fd, lo.total_size)) < 0)
        goto fail_unlink;
    kill_point("create.sized");
    if ((rc = map_segment(r, (size_t)lo.total_size, d.flags)) < 0)
        goto fail_unmap;

    myl__seg_header *h = (myl__seg_header *)r->base;
    /* The creator first: under the fallback protocol a segment in INIT
     * whose creator died is recognised as stale by it. */
    h->creator_pid = (int32_t)getpid();
    h->creator_start_time = myl__proc_start_time(getpid());
    h->magic = MYL_SEG_MAGIC;
    h->layout_version = MYL_LAYOUT_VERSION;
    kill_point("create.header");
    h->fingerprint = d.fingerprint;
    h->slot_size = d.slot_size;
    h->slot_stride = lo.stride;
    h->capacity = d.capacity;
    h->producer_mode = d.producers;
    h->ring_mode = d.mode;
    h->wait = d.wait;
    h->max_consumers = d.max_consumers;
    h->max_producers = d.max_producers;
    /* Asymmetric wake-up fences when this process can both issue the
     * heavy barrier and receive it (docs/ARCHITECTURE.md, "Wake-ups"):
     * decided once, for the ring's life; rings that never sleep keep 0.
     * By default only a hybrid ring: a block ring's every wait sleeps, and
     * its sleeper's membarrier (an IPI to each CPU running a registered
     * thread) cost more than the fences it saves (measured 8-9 us a sleep
     * on an AMD EPYC guest, twice the round trip; docs/PERFORMANCE.md). */
    bool asym = d.wait == MYL_WAIT_HYBRID  ? !(d.flags & MYL_SEG_FENCE_SYMMETRIC)
                : d.wait == MYL_WAIT_BLOCK ? (d.flags & MYL_SEG_FENCE_ASYMMETRIC) != 0
                                           : false;
    h->flags = asym && myl__membarrier_caps() == (MYL__MB_ISSUE | MYL__MB_REGISTERED)
                   ? MYL_HDR_ASYM_FENCE
                   : 0;
    h->total_size = lo.total_size;
    h->producers_offset = lo.producers_offset;
    h->consumers_offset = lo.consumers_offset;
    h->slots_offset = lo.slots_offset;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    h->created_realtime_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    snprintf(h->label, sizeof h->label, "%s", d.name);
    if (d.schema_len) {
        memcpy(r->base + lo.schema_offset, d.schema, d.schema_len);
        h->schema_offset = lo.schema_offset;
        h->schema_len = d.schema_len;
        h->schema_hash = myl_schema_hash(d.schema, d.schema_len);
    }
    h->checksum = myl__header_checksum(h);
    fill_handle(r, h);
    /* The caller's contents (a topology's control block in the slots), in
     * place before the segment is READY and has its name: attachers never
     * see a segment without them. */
    if (init)
        init(r, arg);
    /* R0: pairs with A0 in myl__seg_validate: the header is complete. */
    myl__store_release(&h->state, MYL_SEG_STATE_READY);
    kill_point("create.ready");
    if (atomic && (rc = publish(tmp_fs, pub_fs, replace)) < 0)
        goto fail_unmap;
    kill_point("create.published");
    *out = r;
    return 0;

fail_unmap:
    if (r->base)
        munmap(r->base, r->map_size);
fail_unlink:
    close(r->fd);
    if (!atomic && d.backing == MYL_BACKING_SHM)
        shm_unlink(r->name);
    else if (atomic && d.backing == MYL_BACKING_SHM)
        shm_unlink(tmp_obj);
    else
        unlink(tmp_fs);
fail_free:
    free(r);
    return rc;
}

/* The owner must be the caller (or the uid it trusts) and the mode no
 * wider than it asked: another user could otherwise create the name first
 * and read (or feed) everything. */
static int check_owner(const struct stat *st, const myl_ring_opts *o)
{
    if (o->flags & MYL_SEG_ANY_OWNER)
        return 0;
    if (st->st_uid != geteuid() &&
        !((o->flags & MYL_SEG_TRUST_UID) && st->st_uid == (uid_t)o->trusted_uid))
        return MYL_EOWNER;
    uint32_t perm = o->perm ? o->perm : 0600u;
    if ((uint32_t)st->st_mode & 0777u & ~perm)
        return MYL_EMODE;
    return 0;
}

/* myl_ring_attach's first step: open, check and map the segment; nothing
 * is read from the mapping (see ring.h). */
int myl__ring_map(const myl_ring_opts *opts, myl_ring **out)
{
    struct stat st;
    int rc;
    if (!out)
        return MYL_EINVAL;
    *out = NULL;
    if (!opts)
        return MYL_EINVAL;
    if (opts->backing > MYL_BACKING_FILE || (opts->flags & ~MYL__ATTACH_FLAGS) ||
        (opts->perm & ~0777u) ||
        ((opts->flags & MYL_SEG_ANY_OWNER) && !(opts->flags & MYL_SEG_READONLY)))
        return MYL_EINVAL;
    if (!opts->name || !opts->name[0])
        return MYL_ENAME;
    myl_ring *r = calloc(1, sizeof *r);
    if (!r)
        return -ENOMEM;
    r->backing = opts->backing;
    r->read_only = (opts->flags & MYL_SEG_READONLY) != 0;
    rc = open_backing(opts->backing, opts->name, false, r->read_only, 0, r->name, sizeof r->name);
    if (rc < 0)
        goto fail_free;
    r->fd = rc;
    if (fstat(r->fd, &st) != 0) {
        rc = -errno;
        goto fail_close;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = MYL_ENAME;
        goto fail_close;
    }
    if ((rc = check_owner(&st, opts)) < 0)
        goto fail_close;
    if (st.st_size == 0) {
        rc = MYL_ENOTREADY; /* the creator has not sized it yet */
        goto fail_close;
    }
    if ((uint64_t)st.st_size < MYL_SEG_HEADER_SIZE) {
        rc = MYL_ETRUNCATED;
        goto fail_close;
    }
    if ((uint64_t)st.st_size > (uint64_t)SIZE_MAX) {
        rc = MYL_ETOOBIG;
        goto fail_close;
    }
    if ((rc = map_segment(r, (size_t)st.st_size, opts->flags)) < 0)
        goto fail_unmap;
    *out = r;
    return 0;

fail_unmap:
    if (r->base)
        munmap(r->base, r->map_size);
fail_close:
    close(r->fd);
fail_free:
    free(r);
    return rc;
}

/* The second: the header read through the mapping and validated (the
 * step that faults if the file was truncated after the first's fstat). */
int myl__ring_validate(myl_ring *r, const myl_ring_opts *opts)
{
    if (!r || !opts)
        return MYL_EINVAL;
    return myl__seg_validate(r, opts);
}

int myl_ring_attach(const myl_ring_opts *opts, myl_ring **out)
{
    if (!out)
        return MYL_EINVAL;
    myl_ring *r;
    int rc = myl__ring_map(opts, &r);
    *out = NULL;
    if (rc < 0)
        return rc;
    if ((rc = myl__ring_validate(r, opts)) < 0) {
        myl_ring_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

int myl_ring_attach_wait(const myl_ring_opts *opts, int64_t timeout_ns, myl_ring **out)
{
    uint64_t deadline = myl__deadline(timeout_ns);
    for (;;) {
        int rc = myl_ring_attach(opts, out);
        if (rc != -ENOENT && rc != MYL_ENOTREADY)
            return rc;
        int64_t slice;
        if (!myl__remaining(deadline, 1000000, &slice))
            return MYL_ETIMEDOUT;
        struct timespec ts = {0, (long)slice};
        nanosleep(&ts, NULL);
    }
}

void myl_ring_close(myl_ring *r)
{
    if (!r)
        return;
    if (r->base)
        munmap(r->base, r->map_size);
    if (r->fd >= 0)
        close(r->fd);
    free(r);
}

int myl_ring_unlink(uint32_t backing, const char *name)
{
    char resolved[256];
    if (!name || !name[0])
        return MYL_ENAME;
    if (backing == MYL_BACKING_SHM) {
        int rc = myl_shm_name(name, resolved, sizeof resolved);
        if (rc < 0)
            return rc;
        return shm_unlink(resolved) == 0 ? 0 : -errno;
    }
    if (backing == MYL_BACKING_FILE)
        return unlink(name) == 0 ? 0 : -errno;
    return MYL_EINVAL;
}

uint64_t myl_ring_instance(const myl_ring *r)
{
    if (!r)
        return 0;
    /* Identity fields: written once by the creator before the segment was
     * published (attach validated the header's checksum over them). */
    const myl__seg_header *h = r->hdr;
    uint64_t x = myl__fnv1a(&h->creator_pid, sizeof h->creator_pid, MYL__FNV_OFFSET);
    x = myl__fnv1a(&h->creator_start_time, sizeof h->creator_start_time, x);
    x = myl__fnv1a(&h->created_realtime_ns, sizeof h->created_realtime_ns, x);
    return x ? x : 1;
}

int myl_ring_check(const myl_ring *r)
{
    struct stat st;
    if (!r)
        return MYL_EINVAL;
    if (fstat(r->fd, &st) != 0)
        return -errno;
    return (uint64_t)st.st_size < (uint64_t)r->map_size ? MYL_ETRUNCATED : 0;
}

/* A creator's temporary ".myl-tmp-<pid>-<start>-<n>" whose creator is
 * dead (a live creator is still building it). */
static bool orphan_temp(int dfd, const char *name)
{
    int pid;
    unsigned long long start;
    unsigned n;
    struct stat st;
    /* sscanf reports no overflow (cert-err34-c); names are our own temp files */
    /* NOLINTNEXTLINE(cert-err34-c) */
    if (sscanf(name + strlen(MYL__TMP_PREFIX), "%d-%llu-%u", &pid, &start, &n) != 3 || pid <= 0)
        return false;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
        st.st_uid != geteuid())
        return false;
    return !myl__peer_alive(pid, (uint64_t)start);
}

int myl_sweep(uint32_t backing, const char *prefix)
{
    char dir[512];
    const char *base;
    if (!prefix)
        return MYL_EINVAL;
    if (backing == MYL_BACKING_SHM) {
        snprintf(dir, sizeof dir, "%s", MYL__SHM_DIR);
        base = prefix[0] == '/' ? prefix + 1 : prefix;
        if (strchr(base, '/'))
            return MYL_ENAME;
    } else if (backing == MYL_BACKING_FILE) {
        const char *slash = strrchr(prefix, '/');
        if (!slash) {
            snprintf(dir, sizeof dir, ".");
            base = prefix;
        } else {
            size_t n = slash == prefix ? 1 : (size_t)(slash - prefix);
            if (n >= sizeof dir)
                return MYL_ENAME;
            memcpy(dir, prefix, n);
            dir[n] = '\0';
            base = slash + 1;
        }
    } else {
        return MYL_EINVAL;
    }
    DIR *dp = opendir(dir);
    if (!dp)
        return -errno;
    int dfd = dirfd(dp);
    size_t blen = strlen(base), tlen = strlen(MYL__TMP_PREFIX);
    int removed = 0, first_err = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        const char *n = e->d_name;
        if (!strcmp(n, ".") || !strcmp(n, ".."))
            continue;
        int rc = 0;
        if (!strncmp(n, MYL__TMP_PREFIX, tlen)) {
            if (orphan_temp(dfd, n))
                rc = unlinkat(dfd, n, 0) == 0 ? 1 : errno == ENOENT ? 0 : -errno;
        } else if (!strncmp(n, base, blen)) {
            rc = retire_stale(dfd, n, NULL);
            if (rc == MYL_EOWNER || rc == -EAGAIN || rc == -EACCES)
                rc = 0; /* another user's, or gone: not ours to sweep */
        }
        if (rc == 1)
            removed++;
        else if (rc < 0 && !first_err)
            first_err = rc;
    }
    closedir(dp);
    return removed ? removed : first_err;
}
