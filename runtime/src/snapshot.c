/* Snapshots (snapshot.h).
 *
 *   header (64 bytes): "MYLSNAP1", u32 format version (1), u32 CRC32C of
 *   the header with this field 0, u64 seq, u64 chain, u32 app_version,
 *   u32 0, u64 payload size, u32 payload CRC32C, then zeros to 64.
 *   payload: size bytes.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "myelon/error.h"
#include "myelon/journal.h"
#include "myelon/snapshot.h"

#define SNAP_VERSION 1u

static const uint8_t snap_magic[8] = {'M', 'Y', 'L', 'S', 'N', 'A', 'P', '1'};

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
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

static void header(uint8_t h[MYL_SNAPSHOT_HEADER], const myl_snapshot_info *info,
                   const void *payload)
{
    memset(h, 0, MYL_SNAPSHOT_HEADER);
    memcpy(h, snap_magic, sizeof snap_magic);
    put32(h + 8, SNAP_VERSION);
    put64(h + 16, info->seq);
    put64(h + 24, info->chain);
    put32(h + 32, info->app_version);
    put64(h + 40, info->size);
    put32(h + 48, myl_crc32c(0, payload, (size_t)info->size));
    put32(h + 12, myl_crc32c(0, h, MYL_SNAPSHOT_HEADER));
}

/* The header alone: magic, version, its CRC, the zeros; info filled in
 * (size as the header says: the caller checks it against the bytes). */
static int check_header(const uint8_t h[MYL_SNAPSHOT_HEADER], myl_snapshot_info *info)
{
    if (memcmp(h, snap_magic, sizeof snap_magic) != 0 || get32(h + 8) != SNAP_VERSION)
        return MYL_ECORRUPT;
    uint8_t c[MYL_SNAPSHOT_HEADER];
    memcpy(c, h, sizeof c);
    memset(c + 12, 0, 4);
    if (myl_crc32c(0, c, sizeof c) != get32(h + 12))
        return MYL_ECORRUPT;
    for (size_t i = 52; i < MYL_SNAPSHOT_HEADER; i++)
        if (h[i] != 0)
            return MYL_ECORRUPT;
    if (get32(h + 36) != 0)
        return MYL_ECORRUPT;
    info->seq = get64(h + 16);
    info->chain = get64(h + 24);
    info->app_version = get32(h + 32);
    info->reserved = 0;
    info->size = get64(h + 40);
    return 0;
}

int myl_snapshot_parse(const void *buf, size_t len, myl_snapshot_info *info, const void **payload)
{
    if (!buf || !info || !payload)
        return MYL_EINVAL;
    const uint8_t *h = buf;
    myl_snapshot_info in;
    if (len < MYL_SNAPSHOT_HEADER || check_header(h, &in) < 0 ||
        in.size != len - MYL_SNAPSHOT_HEADER ||
        myl_crc32c(0, h + MYL_SNAPSHOT_HEADER, (size_t)in.size) != get32(h + 48))
        return MYL_ECORRUPT;
    *info = in;
    *payload = h + MYL_SNAPSHOT_HEADER;
    return 0;
}

/* Read len bytes at off, through short reads: 0, or -1 (errno; EIO at
 * an early end of file). */
static int read_at(int fd, void *buf, size_t len, off_t off)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t n = pread(fd, p, len, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        p += n;
        len -= (size_t)n;
        off += n;
    }
    return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Remove the temporaries of writers that died mid-write:
 * ".snapshot-<16 hex seq>.<pid>.<start>.tmp" whose pid no longer runs the
 * process that started at <start> (myl__proc_start_time: a pid reused,
 * after a container restarts, say, is another process), and the
 * ".snapshot-<seq>.<pid>.tmp" of older writers whose pid is not running. */
static void sweep_temps(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        size_t len = strlen(n);
        if (strncmp(n, ".snapshot-", 10) != 0 || len < 10 + 16 + 1 + 1 + 4 || n[26] != '.' ||
            strcmp(n + len - 4, ".tmp") != 0 || n[27] < '1' || n[27] > '9')
            continue;
        char *end;
        long pid = strtol(n + 27, &end, 10);
        unsigned long long start = 0;
        if (*end == '.' && end != n + len - 4 && end[1] >= '0' && end[1] <= '9')
            start = strtoull(end + 1, &end, 10);
        if (end != n + len - 4 || pid <= 0 || pid >= INT32_MAX)
            continue;
        if (!myl__peer_alive((int32_t)pid, (uint64_t)start)) {
            char p[4096];
            if (snprintf(p, sizeof p, "%s/%s", dir, n) < (int)sizeof p)
                unlink(p);
        }
    }
    closedir(d);
}

int myl_snapshot_write(const char *dir, const myl_snapshot_info *info, const void *payload)
{
    if (!dir || !*dir || !info || (!payload && info->size) || info->reserved)
        return MYL_EINVAL;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return -errno;
    char path[4096], tmp[4096];
    if (snprintf(path, sizeof path, "%s/snapshot-%016" PRIx64 ".mys", dir, info->seq) >=
            (int)sizeof path ||
        snprintf(tmp, sizeof tmp, "%s/.snapshot-%016" PRIx64 ".%d.%" PRIu64 ".tmp", dir, info->seq,
                 (int)getpid(), myl__proc_start_time(getpid())) >= (int)sizeof tmp)
        return MYL_ENAME;
    if (access(path, F_OK) == 0)
        return -EEXIST;
    sweep_temps(dir);
    uint8_t h[MYL_SNAPSHOT_HEADER];
    header(h, info, payload ? payload : "");
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    int rc = write_all(fd, h, sizeof h);
    if (rc == 0 && info->size)
        rc = write_all(fd, payload, (size_t)info->size);
    if (rc == 0 && fsync(fd) != 0)
        rc = -errno;
    if (close(fd) != 0 && rc == 0)
        rc = -errno;
    myl__fault_point("snapshot.synced");
    /* link(2), not rename(2): it fails rather than replace a snapshot
     * another writer put there in the meantime. */
    if (rc == 0 && link(tmp, path) != 0)
        rc = -errno;
    unlink(tmp);
    if (rc == 0) {
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || fsync(dfd) != 0)
            rc = -errno;
        if (dfd >= 0)
            close(dfd);
    }
    return rc;
}

int myl_snapshot_load(const char *path, myl_snapshot_info *info, void **payload)
{
    if (!path || !info || !payload)
        return MYL_EINVAL;
    *payload = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    /* The header first, and nothing allocated until it is whole and
     * matches the file's size: a damaged file (a size of 100 GiB, say)
     * is corrupt, to be passed over, not a failed allocation. The
     * payload is read straight into the buffer handed back. */
    struct stat st;
    uint8_t h[MYL_SNAPSHOT_HEADER];
    myl_snapshot_info in = {0};
    int rc = 0;
    /* A file that cannot be read whole is corrupt, as it always was. */
    if (fstat(fd, &st) != 0)
        rc = -errno;
    else if (!S_ISREG(st.st_mode) || st.st_size < (off_t)MYL_SNAPSHOT_HEADER ||
             read_at(fd, h, sizeof h, 0) != 0 || check_header(h, &in) < 0 ||
             in.size != (uint64_t)st.st_size - MYL_SNAPSHOT_HEADER || in.size > SIZE_MAX - 1)
        rc = MYL_ECORRUPT;
    void *out = NULL;
    if (rc == 0 && !(out = malloc(in.size ? (size_t)in.size : 1)))
        rc = -ENOMEM;
    if (rc == 0 && read_at(fd, out, (size_t)in.size, MYL_SNAPSHOT_HEADER) != 0)
        rc = MYL_ECORRUPT; /* cut short since */
    if (rc == 0 && myl_crc32c(0, out, (size_t)in.size) != get32(h + 48))
        rc = MYL_ECORRUPT;
    close(fd);
    if (rc < 0) {
        free(out);
        return rc;
    }
    *info = in;
    *payload = out;
    return 0;
}

static bool parse_name(const char *name, uint64_t *seq)
{
    return myl__parse_seq_name(name, "snapshot-", ".mys", seq);
}

int myl_snapshot_latest(const char *dir, char *path, size_t cap, myl_snapshot_info *info)
{
    if (!dir || !path || !cap || !info)
        return MYL_EINVAL;
    /* Try the names from the highest sequence down until one is valid. */
    uint64_t below = UINT64_MAX;
    bool bounded = false;
    for (;;) {
        DIR *d = opendir(dir);
        if (!d)
            return -errno;
        uint64_t best = 0;
        bool any = false;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            uint64_t s;
            if (parse_name(e->d_name, &s) && (!bounded || s < below) && (!any || s > best)) {
                best = s;
                any = true;
            }
        }
        closedir(d);
        if (!any)
            return -ENOENT;
        if (snprintf(path, cap, "%s/snapshot-%016" PRIx64 ".mys", dir, best) >= (int)cap)
            return MYL_ENAME;
        void *p;
        int rc = myl_snapshot_load(path, info, &p);
        if (rc == 0) {
            free(p);
            if (info->seq == best)
                return 0;
        } else if (rc != MYL_ECORRUPT) {
            return rc;
        }
        below = best;
        bounded = true;
    }
}
