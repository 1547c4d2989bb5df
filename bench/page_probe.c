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
 * journal allocates a segment (zeros written with pwrite, 64 KiB a call),
 * maps it shared, prepares it as the case says, then times one pass of
 * 8-byte stores over every byte and reports ns per 4 KiB page, with the
 * minor faults the pass took per page. Figures are printed, never
 * judged: bench, not test.
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

/* A file of len zero bytes, written as the journal allocates. */
static int make_file(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    static const uint8_t zeros[65536];
    for (size_t off = 0; off < g_len; off += sizeof zeros)
        if (pwrite(fd, zeros, sizeof zeros, (off_t)off) != (ssize_t)sizeof zeros) {
            close(fd);
            return -1;
        }
    return fd;
}

enum { C_PLAIN, C_POPULATE, C_OWN_TOUCH, C_OTHER_TOUCH, C_REMAP, C_KERNEL_COPY, C_COUNT };

static const char *const case_names[C_COUNT] = {
    "first pass, nothing before",
    "after MADV_POPULATE_WRITE",
    "after one store a page (same thread)",
    "after one store a page (another thread)",
    "after a full pass, unmapped and mapped again",
    "pwrite(2) of the same bytes instead",
};

/* ns per page of the timed pass for case c; *faults per page; *prep ns
 * per page of the preparation, when it is timed (else < 0). */
static double run_case(const char *path, int c, double *faults, double *prep)
{
    int fd = make_file(path);
    if (fd < 0)
        return -1;
    double pages = (double)(g_len / PAGE), r = -1;
    *prep = -1;
    uint8_t *p = mmap(NULL, g_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        goto out;
    double t0 = now_ns();
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
