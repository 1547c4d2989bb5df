/* The operating-system edge of the runtime: clocks, process identity,
 * futexes and hashing. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#if defined(SYS_membarrier) && __has_include(<linux/membarrier.h>)
#include <linux/membarrier.h>
#define MYL__HAVE_MEMBARRIER 1
#endif
#endif

#include "internal.h"

uint64_t myl__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

/* Reads /proc/<pid>/stat: the start time (field 22, clock ticks since
 * boot) and the state letter (field 3). Returns false when it cannot be
 * read (no such process, another pid namespace, hidepid). */
static bool proc_stat(pid_t pid, uint64_t *start_time, char *state)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    /* The command name (field 2) may hold spaces and parentheses: fields
     * are counted from the last ')'. */
    char *p = strrchr(buf, ')');
    if (!p)
        return false;
    p++;
    while (*p == ' ')
        p++;
    *state = *p;
    /* Field 3 (state) is at p; field 22 is 19 fields further. */
    for (int field = 3; field < 22; field++) {
        while (*p && *p != ' ')
            p++;
        if (!*p)
            return false;
        while (*p == ' ')
            p++;
    }
    *start_time = strtoull(p, NULL, 10);
    return true;
}

uint64_t myl__proc_start_time(pid_t pid)
{
    uint64_t st = 0;
    char state;
    return proc_stat(pid, &st, &state) ? st : 0;
}

/* A zombie (Z) or a task being torn down (X) has run its last instruction:
 * it will never publish, release or unregister. kill(pid, 0) still
 * succeeds on it until its parent reaps it, so the state letter decides. */
static bool state_dead(char state)
{
    return state == 'Z' || state == 'X' || state == 'x';
}

bool myl__peer_alive(int32_t pid, uint64_t start_time)
{
    if (pid <= 0)
        return false;
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
        return false;
    uint64_t st;
    char state;
    /* /proc unreadable (another pid namespace, hidepid): the pid exists,
     * assume it is the same process. */
    if (!proc_stat((pid_t)pid, &st, &state))
        return true;
    if (state_dead(state))
        return false;
    return start_time == 0 || st == start_time;
}

bool myl_peer_alive(int32_t pid, uint64_t start_time)
{
    return myl__peer_alive(pid, start_time);
}

bool myl__pid_alive(int32_t pid)
{
    return myl__peer_alive(pid, 0);
}

/* MYL_TEST_KILL_AT names one fault point; the process that reaches it
 * kills itself with SIGKILL there. Read at every point (slow paths only),
 * not cached: a forked child sets it after its parent used the runtime. */
void myl__fault_point(const char *name)
{
    const char *t = getenv("MYL_TEST_KILL_AT");
    if (t && strcmp(t, name) == 0)
        raise(SIGKILL);
}

int myl__futex_wait(MYL__ATOMIC(uint32_t) * word, uint32_t val, int64_t timeout_ns)
{
#ifdef __linux__
    struct timespec ts, *tsp = NULL;
    if (timeout_ns >= 0) {
        ts.tv_sec = (time_t)(timeout_ns / 1000000000);
        ts.tv_nsec = (long)(timeout_ns % 1000000000);
        tsp = &ts;
    }
    /* FUTEX_WAIT, not _PRIVATE: the word lives in memory shared between
     * processes. */
    long rc = syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, val, tsp, NULL, 0);
    return rc == 0 ? 0 : -errno;
#else
    (void)word;
    (void)val;
    struct timespec ts = {0, timeout_ns >= 0 && timeout_ns < 1000000 ? timeout_ns : 1000000};
    nanosleep(&ts, NULL);
    return 0;
#endif
}

#ifdef MYL_TEST_HOOKS
void (*myl__test_hook)(int point, const void *ring);
int64_t myl__test_slice_ns;
#endif

/* The process's membarrier(2) capabilities, probed once per process (a
 * forked child probes again: registration is per address space; Linux
 * copies it on fork, and registering again is harmless). */
static _Atomic int32_t mb_pid;
static _Atomic int mb_caps;

/* Tests take capabilities away (a container that refuses the call) with
 * MYL_TEST_MEMBARRIER, a mask of MYL__MB_*: 3 when unset. */
static int test_caps_mask(void)
{
    const char *t = getenv("MYL_TEST_MEMBARRIER");
    return t && *t >= '0' && *t <= '3' && t[1] == '\0' ? *t - '0' : 3;
}

static int membarrier_probe(void)
{
    int caps = 0;
#ifdef MYL__HAVE_MEMBARRIER
    /* MYL_TEST_MEMBARRIER_NOREG (tests/mp/test_wakeup_mp.c): this process
     * never registers, so it really misses the sleepers' barriers. */
    long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    if (q > 0 && (q & MEMBARRIER_CMD_GLOBAL_EXPEDITED))
        caps |= MYL__MB_ISSUE;
    if (q > 0 && (q & MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) &&
        !getenv("MYL_TEST_MEMBARRIER_NOREG") &&
        syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) == 0)
        caps |= MYL__MB_REGISTERED;
#endif
    return caps;
}

int myl__membarrier_caps(void)
{
    int32_t pid = (int32_t)getpid();
    /* Relaxed: a racing second probe finds and registers the same. */
    if (atomic_load_explicit(&mb_pid, memory_order_acquire) != pid) {
        atomic_store_explicit(&mb_caps, membarrier_probe(), memory_order_relaxed);
        atomic_store_explicit(&mb_pid, pid, memory_order_release);
    }
    int caps = atomic_load_explicit(&mb_caps, memory_order_relaxed);
    /* The test mask applies per handle opened: read at every open, never
     * cached. */
    return caps & test_caps_mask();
}

int myl__membarrier_global(void)
{
#ifdef MYL__HAVE_MEMBARRIER
    return syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0) == 0 ? 0 : -errno;
#else
    return -ENOSYS;
#endif
}

int myl__futex_wake(MYL__ATOMIC(uint32_t) * word, int count)
{
#ifdef __linux__
    long rc = syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, count, NULL, NULL, 0);
    return rc < 0 ? -errno : (int)rc;
#else
    (void)word;
    (void)count;
    return 0;
#endif
}

bool myl__parse_seq_name(const char *name, const char *prefix, const char *suffix, uint64_t *seq)
{
    size_t pl = strlen(prefix), sl = strlen(suffix);
    if (strlen(name) != pl + 16 + sl || strncmp(name, prefix, pl) != 0 ||
        strcmp(name + pl + 16, suffix) != 0)
        return false;
    uint64_t v = 0;
    for (size_t i = pl; i < pl + 16; i++) {
        char ch = name[i];
        int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
        if (d < 0)
            return false;
        v = v << 4 | (uint64_t)d;
    }
    *seq = v;
    return true;
}

uint64_t myl__fnv1a(const void *data, size_t len, uint64_t h)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

uint64_t myl__deadline(int64_t timeout_ns)
{
    if (timeout_ns < 0)
        return UINT64_MAX;
    return myl__now_ns() + (uint64_t)timeout_ns;
}

bool myl__remaining(uint64_t deadline, int64_t slice, int64_t *out)
{
    if (deadline == UINT64_MAX) {
        *out = slice;
        return true;
    }
    uint64_t now = myl__now_ns();
    if (now >= deadline) {
        *out = 0;
        return false;
    }
    uint64_t left = deadline - now;
    *out = left < (uint64_t)slice ? (int64_t)left : slice;
    return true;
}

int64_t myl__left(uint64_t deadline)
{
    if (deadline == UINT64_MAX)
        return -1;
    uint64_t now = myl__now_ns();
    return now >= deadline ? 0 : (int64_t)(deadline - now);
}
