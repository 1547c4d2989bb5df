/* page_probe: what the first store to each new page of a shared file
 * mapping costs, and what takes that cost away. The journal's mapped
 * write path stores records into new pages of a segment; on some hosts
 * (guests whose page tables the hypervisor shadows) the first use of
 * each page-table entry costs microseconds, and a large commit then goes
 * faster by pwrite(2) (docs/ARCHITECTURE.md, "Large commits").
 *
 *   page_probe [--dir DIR] [--mib N] [--runs R]
 *
 * Each case makes a fresh N MiB file in DIR (default /tmp) the way the
 * inline allocation of a journal's segment does (zeros written with
 * pwrite, 64 KiB a call), maps it shared, prepares it as the case says,
 * then times one pass of 8-byte stores over every byte and reports ns per
 * 4 KiB page, with the minor faults the pass took per page. The last case
 * writes the zeros as the journal's allocating thread does (2 MiB a call,
 * each one large folio where the file system keeps them) and maps the
 * file at an address aligned to 2 MiB; its "prep" is the writing of the
 * zeros. Figures are printed, never judged: bench, not test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define PAGE 4096u

static size_t g_len = (size_t)64 << 20;

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static long minor_faults(void)
{
    struct rusage r;
    getrusage(RUSAGE_THREAD, &r);
    return r.ru_minflt;
}

static void store_pass(uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i += 8) {
        uint64_t v = i;
        memcpy(p + i, &v, 8);
        __asm__ volatile("" ::: "memory"); /* keep every store */
    }
}

/* One store per page (of the zero the page holds). */
static void touch_pages(uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i += PAGE)
        *(volatile uint8_t *)(p + i) = 0;
}

static void *touch_main(void *arg)
{
    touch_pages(arg, g_len);
    return NULL;
}

#define HUGE ((size_t)2 << 20)

/* A file of len zero bytes, written as the journal allocates: step bytes
 * a call (64 KiB or 2 MiB), one zero buffer. */
static int make_file(const char *path, size_t step)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    static uint8_t *zeros;
    if (!zeros && !(zeros = calloc(1, HUGE))) {
        close(fd);
        return -1;
    }
    for (size_t off = 0; off < g_len; off += step) {
        size_t n = g_len - off < step ? g_len - off : step;
        if (pwrite(fd, zeros, n, (off_t)off) != (ssize_t)n) {
            close(fd);
            return -1;
        }
    }
    return fd;
}

/* fd mapped shared for g_len bytes at an address aligned to 2 MiB (as
 * the journal maps a segment), or MAP_FAILED. */
static uint8_t *map_aligned(int fd)
{
    uint8_t *r = mmap(NULL, g_len + HUGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r == MAP_FAILED)
        return r;
    uint8_t *a = r + (HUGE - (uintptr_t)r % HUGE) % HUGE;
    uint8_t *p = mmap(a, g_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
    if (p == MAP_FAILED) {
        munmap(r, g_len + HUGE);
        return p;
    }
    if (a > r)
        munmap(r, (size_t)(a - r));
    munmap(a + g_len, (size_t)(r + HUGE - a));
    return p;
}

enum {
    C_PLAIN,
    C_POPULATE,
    C_OWN_TOUCH,
    C_OTHER_TOUCH,
    C_REMAP,
    C_KERNEL_COPY,
    C_HUGE_STEPS,
    C_COUNT
};

static const char *const case_names[C_COUNT] = {
    "first pass, nothing before",
    "after MADV_POPULATE_WRITE",
    "after one store a page (same thread)",
    "after one store a page (another thread)",
    "after a full pass, unmapped and mapped again",
    "pwrite(2) of the same bytes instead",
    "zeros 2 MiB a call, map aligned to 2 MiB",
};

/* ns per page of the timed pass for case c; *faults per page; *prep ns
 * per page of the preparation, when it is timed (else < 0). */
static double run_case(const char *path, int c, double *faults, double *prep)
{
    double pages = (double)(g_len / PAGE), r = -1;
    double t0 = now_ns();
    int fd = make_file(path, c == C_HUGE_STEPS ? HUGE : 65536);
    if (fd < 0)
        return -1;
    *prep = c == C_HUGE_STEPS ? (now_ns() - t0) / pages : -1;
    uint8_t *p = c == C_HUGE_STEPS ? map_aligned(fd)
                                   : mmap(NULL, g_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        goto out;
    t0 = now_ns();
    if (c == C_POPULATE) {
        if (madvise(p, g_len, MADV_POPULATE_WRITE) != 0) {
            munmap(p, g_len);
            goto out; /* an older kernel: no figure */
        }
        *prep = (now_ns() - t0) / pages;
    } else if (c == C_OWN_TOUCH) {
        touch_pages(p, g_len);
        *prep = (now_ns() - t0) / pages;
    } else if (c == C_OTHER_TOUCH) {
        pthread_t t;
        if (pthread_create(&t, NULL, touch_main, p) != 0) {
            munmap(p, g_len);
            goto out;
        }
        pthread_join(t, NULL);
        *prep = (now_ns() - t0) / pages;
    } else if (c == C_REMAP) {
        store_pass(p, g_len);
        munmap(p, g_len);
        p = mmap(NULL, g_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
            goto out;
    }
    long f0 = minor_faults();
    t0 = now_ns();
    if (c == C_KERNEL_COPY) {
        /* What the write path does: the same bytes from a buffer that
         * stays mapped, 64 KiB a call. */
        static uint8_t buf[65536];
        for (size_t off = 0; off < g_len; off += sizeof buf) {
            store_pass(buf, sizeof buf);
            if (pwrite(fd, buf, sizeof buf, (off_t)off) != (ssize_t)sizeof buf)
                break;
        }
    } else {
        store_pass(p, g_len);
    }
    r = (now_ns() - t0) / pages;
    *faults = (double)(minor_faults() - f0) / pages;
    munmap(p, g_len);
out:
    close(fd);
    unlink(path);
    return r;
}

int main(int argc, char **argv)
{
    const char *dir = "/tmp";
    int runs = 2;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dir") && i + 1 < argc) {
            dir = argv[++i];
        } else if (!strcmp(argv[i], "--mib") && i + 1 < argc) {
            g_len = (size_t)strtoul(argv[++i], NULL, 10) << 20;
        } else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: page_probe [--dir DIR] [--mib N] [--runs R]\n");
            return 2;
        }
    }
    if (g_len < PAGE || runs < 1) {
        fprintf(stderr, "page_probe: --mib and --runs must be at least 1\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/page_probe.%d", dir, (int)getpid());
    printf("page_probe: %zu MiB file in %s, one pass of 8-byte stores; ns per 4 KiB page\n",
           g_len >> 20, dir);
    printf("%-46s %10s %12s %12s\n", "case", "pass", "faults/page", "prep");
    for (int run = 0; run < runs; run++)
        for (int c = 0; c < C_COUNT; c++) {
            double faults = 0, prep = -1;
            double ns = run_case(path, c, &faults, &prep);
            if (ns < 0) {
                printf("%-46s %10s (%s)\n", case_names[c], "-", strerror(errno));
                continue;
            }
            if (prep >= 0)
                printf("%-46s %10.0f %12.3f %12.0f\n", case_names[c], ns, faults, prep);
            else
                printf("%-46s %10.0f %12.3f %12s\n", case_names[c], ns, faults, "-");
        }
    return 0;
}
