/* Segments: naming, creation, attachment and validation.
 *
 * The segment header is input from another process, possibly a broken or
 * hostile one. Attach checks it fully (myl__seg_validate) and copies every
 * value the hot path uses into the process-local myl_ring, so a later
 * change to the shared header cannot send an index out of bounds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static bool is_safe_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '.' || ch == '_' || ch == '-';
}

int myl_shm_name(const char *label, char *out, size_t out_size)
{
    if (!label || !out)
        return MYL_EINVAL;
    const char *l = label[0] == '/' ? label + 1 : label;
    size_t len = strlen(l);
    if (len == 0)
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
        out[1 + i] = is_safe_char(l[i]) ? l[i] : '_';
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
    uint64_t producers_offset, consumers_offset, slots_offset, total_size;
    uint32_t stride;
};

static int compute_layout(uint32_t slot_size, uint64_t capacity, uint32_t max_producers,
                          uint32_t max_consumers, struct layout *lo)
{
    lo->stride = myl_ring_stride(slot_size);
    if (lo->stride == 0 || !is_pow2(capacity) || capacity < 2 || capacity > MYL_MAX_CAPACITY ||
        max_producers == 0 || max_producers > MYL_MAX_PRODUCERS || max_consumers == 0 ||
        max_consumers > MYL_MAX_CONSUMERS)
        return MYL_EINVAL;
    lo->producers_offset = MYL_SEG_HEADER_SIZE;
    lo->consumers_offset = lo->producers_offset + (uint64_t)max_producers * MYL_PRODUCER_ENTRY_SIZE;
    uint64_t end = lo->consumers_offset + (uint64_t)max_consumers * MYL_CONSUMER_ENTRY_SIZE;
    lo->slots_offset = (end + MYL_SLOTS_ALIGN - 1) & ~(uint64_t)(MYL_SLOTS_ALIGN - 1);
    /* capacity <= 2^32 and stride <= 2^26 + 64: no overflow in 64 bits. */
    lo->total_size = lo->slots_offset + capacity * lo->stride;
    return 0;
}

struct defaults {
    uint32_t backing, slot_size, producers, mode, wait, max_consumers, max_producers, perm, flags;
    uint64_t capacity, fingerprint;
    const char *name;
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
    if (d->flags & ~(MYL_SEG_PREFAULT | MYL_SEG_MLOCK | MYL_SEG_HUGEPAGES))
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
    rc = compute_layout(d.slot_size, d.capacity, d.max_producers, d.max_consumers, &lo);
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

static int open_backing(uint32_t backing, const char *name, bool create, uint32_t perm,
                        char *resolved, size_t resolved_size)
{
    int fd;
    if (backing == MYL_BACKING_SHM) {
        int rc = myl_shm_name(name, resolved, resolved_size);
        if (rc < 0)
            return rc;
        fd = shm_open(resolved, O_RDWR | (create ? O_CREAT | O_EXCL : 0), (mode_t)perm);
    } else {
        size_t len = strlen(name);
        if (len >= resolved_size)
            return MYL_ENAME;
        memcpy(resolved, name, len + 1);
        /* O_NOFOLLOW: a symlink planted at the path is refused (ELOOP). */
        fd = open(name, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT | O_EXCL : 0),
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
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, mflags, r->fd, 0);
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
    if (h.wait < MYL_WAIT_SPIN || h.wait > MYL_WAIT_HYBRID || h.flags != 0)
        return MYL_ECORRUPT;
    if (h.producer_mode == MYL_PRODUCERS_SINGLE && h.max_producers != 1)
        return MYL_ECORRUPT;
    if (compute_layout(h.slot_size, h.capacity, h.max_producers, h.max_consumers, &lo) < 0)
        return MYL_ECORRUPT;
    if (lo.stride != h.slot_stride || lo.producers_offset != h.producers_offset ||
        lo.consumers_offset != h.consumers_offset || lo.slots_offset != h.slots_offset ||
        lo.total_size != h.total_size)
        return MYL_ECORRUPT;
    if (h.total_size > r->map_size)
        return MYL_ETRUNCATED;
    if (expect) {
        if (expect->fingerprint && expect->fingerprint != h.fingerprint)
            return MYL_EFINGERPRINT;
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
    return 0;
}

int myl_ring_create(const myl_ring_opts *opts, myl_ring **out)
{
    struct defaults d;
    struct layout lo;
    int rc;
    if (!out)
        return MYL_EINVAL;
    *out = NULL;
    if ((rc = apply_defaults(opts, &d)) < 0)
        return rc;
    if ((rc = compute_layout(d.slot_size, d.capacity, d.max_producers, d.max_consumers, &lo)) < 0)
        return rc;
    if (lo.total_size > (uint64_t)SIZE_MAX)
        return MYL_ETOOBIG;
    myl_ring *r = calloc(1, sizeof *r);
    if (!r)
        return -ENOMEM;
    r->fd = -1;
    r->backing = d.backing;
    rc = open_backing(d.backing, d.name, true, d.perm, r->name, sizeof r->name);
    if (rc < 0)
        goto fail_free;
    r->fd = rc;
    r->created = true;
    /* The creation mode is exact, whatever the umask. */
    if (fchmod(r->fd, (mode_t)d.perm) != 0 || ftruncate(r->fd, (off_t)lo.total_size) != 0) {
        rc = -errno;
        goto fail_unlink;
    }
    if ((rc = map_segment(r, (size_t)lo.total_size, d.flags)) < 0)
        goto fail_unmap;

    myl__seg_header *h = (myl__seg_header *)r->base;
    h->magic = MYL_SEG_MAGIC;
    h->layout_version = MYL_LAYOUT_VERSION;
    h->fingerprint = d.fingerprint;
    h->slot_size = d.slot_size;
    h->slot_stride = lo.stride;
    h->capacity = d.capacity;
    h->producer_mode = d.producers;
    h->ring_mode = d.mode;
    h->wait = d.wait;
    h->max_consumers = d.max_consumers;
    h->max_producers = d.max_producers;
    h->flags = 0;
    h->total_size = lo.total_size;
    h->producers_offset = lo.producers_offset;
    h->consumers_offset = lo.consumers_offset;
    h->slots_offset = lo.slots_offset;
    h->creator_pid = (int32_t)getpid();
    h->creator_start_time = myl__proc_start_time(getpid());
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    h->created_realtime_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    snprintf(h->label, sizeof h->label, "%s", d.name);
    h->checksum = myl__header_checksum(h);
    fill_handle(r, h);
    /* R0: pairs with A0 in myl__seg_validate: the header is complete. */
    myl__store_release(&h->state, MYL_SEG_STATE_READY);
    *out = r;
    return 0;

fail_unmap:
    if (r->base)
        munmap(r->base, r->map_size);
fail_unlink:
    close(r->fd);
    if (d.backing == MYL_BACKING_SHM)
        shm_unlink(r->name);
    else
        unlink(r->name);
fail_free:
    free(r);
    return rc;
}

int myl_ring_attach(const myl_ring_opts *opts, myl_ring **out)
{
    struct stat st;
    int rc;
    if (!out || !opts)
        return MYL_EINVAL;
    *out = NULL;
    if (opts->backing > MYL_BACKING_FILE ||
        (opts->flags & ~(MYL_SEG_PREFAULT | MYL_SEG_MLOCK | MYL_SEG_HUGEPAGES)))
        return MYL_EINVAL;
    if (!opts->name || !opts->name[0])
        return MYL_ENAME;
    myl_ring *r = calloc(1, sizeof *r);
    if (!r)
        return -ENOMEM;
    r->backing = opts->backing;
    rc = open_backing(opts->backing, opts->name, false, 0, r->name, sizeof r->name);
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
    if ((rc = myl__seg_validate(r, opts)) < 0)
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
