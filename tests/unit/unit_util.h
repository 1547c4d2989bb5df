/* Helpers shared by the runtime's unit tests: segment names, file paths,
 * forked peers that die on purpose, sanitizer detection and the header
 * checksum (re-implemented here from the layout's definition, so that a
 * test corrupting a header can make it pass the checksum and reach the
 * deeper checks). */
#ifndef MYELON_UNIT_UTIL_H
#define MYELON_UNIT_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#include "myelon/myelon.h"

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MYL_UT_TSAN 1
#endif
#if __has_feature(address_sanitizer)
#define MYL_UT_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) && !defined(MYL_UT_TSAN)
#define MYL_UT_TSAN 1
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(MYL_UT_ASAN)
#define MYL_UT_ASAN 1
#endif
#if defined(MYL_UT_TSAN) || defined(MYL_UT_ASAN)
#define MYL_UT_SANITIZED 1
#define MYL_UT_SCALE 10 /* divide iteration counts by this under sanitizers */
#else
#define MYL_UT_SCALE 1
#endif

#define MYL_UT_SEC INT64_C(1000000000)
#define MYL_UT_MS INT64_C(1000000)
/* Liveness bound for calls that must return: generous, never a measure. */
#define MYL_UT_LIVENESS (30 * MYL_UT_SEC)

/* A file path for a file-backed segment of this test process. */
static inline const char *myl_ut_path(const char *tag)
{
    static char buf[8][160];
    static unsigned next;
    char *b = buf[next++ % 8];
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(b, 160, "%s/myl-ut-%d-%s.seg", dir, (int)getpid(), tag);
    return b;
}

/* Options for a small ring; the name depends on the backing. */
static inline myl_ring_opts myl_ut_opts(const char *tag, uint32_t backing)
{
    myl_ring_opts o = {.size = sizeof o,
                       .backing = backing,
                       .name = backing == MYL_BACKING_FILE ? myl_ut_path(tag) : myl_test_name(tag),
                       .slot_size = 24,
                       .capacity = 8,
                       .wait = MYL_WAIT_HYBRID};
    return o;
}

/* Remove a leftover of an earlier failed run, then create. */
static inline myl_ring *myl_ut_create(const myl_ring_opts *o)
{
    myl_ring *r = NULL;
    (void)myl_ring_unlink(o->backing, o->name);
    int rc = myl_ring_create(o, &r);
    if (rc != 0)
        fprintf(stderr, "create %s: %s\n", o->name, myl_errname(rc));
    assert_int_equal(rc, 0);
    assert_non_null(r);
    return r;
}

static inline void myl_ut_destroy(myl_ring *r, const myl_ring_opts *o)
{
    myl_ring_close(r);
    assert_int_equal(myl_ring_unlink(o->backing, o->name), 0);
}

/* The /dev/shm path of a shm label (Linux). */
static inline const char *myl_ut_shm_path(const char *label)
{
    static char path[512];
    char name[300];
    assert_true(myl_shm_name(label, name, sizeof name) > 0);
    snprintf(path, sizeof path, "/dev/shm%s", name);
    return path;
}

/* FNV-1a over bytes [0, 120) of the header, the state word read as 0: the
 * layout's definition of the header checksum (layout.h). */
static inline uint64_t myl_ut_checksum(const void *hdr)
{
    uint8_t buf[offsetof(myl__seg_header, checksum)];
    memcpy(buf, hdr, sizeof buf);
    memset(buf + offsetof(myl__seg_header, state), 0, sizeof(uint32_t));
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < sizeof buf; i++) {
        h ^= buf[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static inline void myl_ut_fix_checksum(void *hdr)
{
    uint64_t c = myl_ut_checksum(hdr);
    memcpy((uint8_t *)hdr + offsetof(myl__seg_header, checksum), &c, sizeof c);
}

/* Wait for a forked child and check it exited with status 0. */
static inline void myl_ut_reap_child(pid_t pid)
{
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

/* Sleep a little (for polling loops that wait on another thread/process). */
static inline void myl_ut_nap(long ns)
{
    struct timespec ts = {0, ns};
    nanosleep(&ts, NULL);
}

static inline uint64_t myl_ut_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A directory path of this test process (not created), for journals and
 * snapshots: /dev/shm when writable, else /tmp. */
static inline const char *myl_ut_dir(const char *tag)
{
    static char buf[4][200];
    static unsigned next;
    char *b = buf[next++ % 4];
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(b, 200, "%s/myl-ut-%d-%s.d", base, (int)getpid(), tag);
    return b;
}

/* Remove dir and the files in it (one level: what the tests make). */
static inline void myl_ut_rm_rf(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%.200s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* ---- cases as root ---- */

/* A case that needs root ends as skipped without it. */
static inline void myl_ut_need_root(const char *what)
{
    if (geteuid() != 0) {
        printf("[ skip     ] %s needs root\n", what);
        fflush(stdout);
        exit(MYL_TEST_SKIP);
    }
}

/* Where myl_ut_mount_tmpfs mounted its tmpfs ("" when it is not). */
static inline char *myl_ut_mnt(void)
{
    static char mnt[64];
    return mnt;
}

/* A tmpfs of `mib` MiB mounted on a fresh directory, myl_ut_mnt(): a
 * small file system to fill (ENOSPC). The case ends as skipped where it
 * cannot be mounted. Removed by myl_ut_umount_tmpfs, or after a failed
 * case by the teardown myl_ut_teardown_mount. */
static inline void myl_ut_mount_tmpfs(unsigned mib)
{
    myl_ut_need_root("mounting a tmpfs");
    char *mnt = myl_ut_mnt();
    snprintf(mnt, 64, "/tmp/myl-tmpfs-XXXXXX");
    assert_non_null(mkdtemp(mnt));
    char opt[32];
    snprintf(opt, sizeof opt, "size=%um", mib);
    if (mount("tmpfs", mnt, "tmpfs", 0, opt) != 0) {
        printf("[ skip     ] cannot mount a tmpfs: %s\n", strerror(errno));
        fflush(stdout);
        rmdir(mnt);
        exit(MYL_TEST_SKIP);
    }
}

static inline void myl_ut_umount_tmpfs(void)
{
    char *mnt = myl_ut_mnt();
    assert_int_equal(umount(mnt), 0);
    assert_int_equal(rmdir(mnt), 0);
    mnt[0] = '\0';
}

static inline int myl_ut_teardown_mount(void **state)
{
    (void)state;
    char *mnt = myl_ut_mnt();
    if (mnt[0]) {
        (void)umount2(mnt, MNT_DETACH);
        (void)rmdir(mnt);
    }
    return 0;
}

#endif
