/* myelon-stat: print a ring's header and counters, read from its segment;
 * or remove orphaned segments.
 *
 *   myelon-stat [--file] [--prometheus] [--watch SECONDS] NAME...
 *   myelon-stat [--file] --sweep [PREFIX]
 *
 * NAME is a shm label (as given to myl_ring_create) or, with --file, a path.
 * A topology's control segment (<prefix><instance>.<package.Topology>,
 * docs/ARCHITECTURE.md, "Topologies") is shown with its member table:
 * each member's role and index, state, pid and heartbeat age.
 * It attaches read-only (MYL_SEG_READONLY): read access to the segment is
 * enough, whoever owns it (the header is validated as for any attach), and
 * it never registers as a producer or consumer, so it does not disturb the
 * ring. --sweep removes, with myl_sweep(), the caller's segments whose
 * names start with PREFIX (default: all; with --file a path prefix,
 * required) and whose creator, producers and consumers are all dead.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "myelon/myelon.h"

static const char *mode_name(uint32_t m, const char *a, const char *b)
{
    return m == 1 ? a : m == 2 ? b : "?";
}

static const char *state_name(uint32_t s)
{
    static const char *names[] = {"free", "claiming", "active", "evicted"};
    return s < 4 ? names[s] : "?";
}

/* Label values in Prometheus text: escape backslash, quote and newline. */
static void prom_label(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            fputc('\\', f);
        if (*s == '\n') {
            fputs("\\n", f);
            continue;
        }
        fputc(*s, f);
    }
}

static void print_human(const char *name, const myl_ring *r)
{
    myl_ring_stats s;
    myl_ring_stats_get(r, &s);
    printf("ring %s\n", name);
    printf("  state        %s\n", s.state == MYL_SEG_STATE_READY      ? "ready"
                                  : s.state == MYL_SEG_STATE_SHUTDOWN ? "shutdown"
                                                                      : "?");
    printf("  slots        %llu x %u bytes (stride %u), %s producer, %s\n",
           (unsigned long long)s.capacity, s.slot_size, s.slot_stride,
           mode_name(s.producer_mode, "single", "multi"), mode_name(s.ring_mode, "gated", "lossy"));
    printf("  fingerprint  %016llx\n", (unsigned long long)s.fingerprint);
    printf("  creator pid  %d, segment %llu bytes\n", s.creator_pid,
           (unsigned long long)s.segment_size);
    printf("  claimed      %llu\n", (unsigned long long)s.claim);
    printf("  published    %llu\n", (unsigned long long)s.published);
    printf("  producers    %u active, waits %llu, futex wakes %llu\n", s.producers,
           (unsigned long long)s.producer_waits, (unsigned long long)s.futex_wakes);
    printf("  consumers    %u active\n", s.consumers);
    printf("  %-4s %-31s %-8s %-7s %5s %12s %12s %8s %8s %10s %8s\n", "slot", "id", "state", "pid",
           "alive", "seq", "consumed", "waits", "overruns", "lost", "skipped");
    for (uint32_t i = 0; i < r->max_consumers; i++) {
        myl_consumer_stats c;
        if (myl_ring_consumer_stats(r, i, &c) < 0 || c.state == MYL_ENTRY_FREE)
            continue;
        printf("  %-4u %-31s %-8s %-7d %5s %12llu %12llu %8llu %8llu %10llu %8llu\n", i, c.id,
               state_name(c.state), c.pid, c.alive ? "yes" : "no", (unsigned long long)c.seq,
               (unsigned long long)c.consumed, (unsigned long long)c.waits,
               (unsigned long long)c.overruns, (unsigned long long)c.lost,
               (unsigned long long)c.skipped);
    }
}

static void print_prom(const char *name, const myl_ring *r)
{
    myl_ring_stats s;
    myl_ring_stats_get(r, &s);
#define RING_METRIC(metric, value)                                                                 \
    do {                                                                                           \
        printf("myelon_" metric "{ring=\"");                                                       \
        prom_label(stdout, name);                                                                  \
        printf("\"} %llu\n", (unsigned long long)(value));                                         \
    } while (0)
    RING_METRIC("capacity", s.capacity);
    RING_METRIC("slot_size_bytes", s.slot_size);
    RING_METRIC("claimed_total", s.claim);
    RING_METRIC("published_total", s.published);
    RING_METRIC("producer_waits_total", s.producer_waits);
    RING_METRIC("futex_wakes_total", s.futex_wakes);
    RING_METRIC("producers_active", s.producers);
    RING_METRIC("consumers_active", s.consumers);
#undef RING_METRIC
    for (uint32_t i = 0; i < r->max_consumers; i++) {
        myl_consumer_stats c;
        if (myl_ring_consumer_stats(r, i, &c) < 0 || c.state == MYL_ENTRY_FREE)
            continue;
        struct {
            const char *metric;
            uint64_t value;
        } m[] = {{"consumer_consumed_total", c.consumed},
                 {"consumer_waits_total", c.waits},
                 {"consumer_overruns_total", c.overruns},
                 {"consumer_lost_total", c.lost},
                 {"consumer_skipped_total", c.skipped},
                 {"consumer_lag", s.claim > c.seq ? s.claim - c.seq : 0},
                 {"consumer_alive", c.alive}};
        for (size_t k = 0; k < sizeof m / sizeof m[0]; k++) {
            printf("myelon_%s{ring=\"", m[k].metric);
            prom_label(stdout, name);
            printf("\",consumer=\"");
            prom_label(stdout, c.id);
            printf("\"} %llu\n", (unsigned long long)m[k].value);
        }
    }
}

/* A topology control segment: the control block in slot 0, checked like
 * any input from another process before a byte of it is used. */
static void print_topology(const myl_ring *r)
{
    if (r->slot_size < MYL_TOPO_CTL_OFFSET - 8 + MYL_TOPO_CTL_HEADER_SIZE || r->capacity < 2)
        return;
    const myl__topo_ctl *c = (const myl__topo_ctl *)(r->slots + MYL_TOPO_CTL_OFFSET);
    uint64_t room = r->slot_size - (MYL_TOPO_CTL_OFFSET - 8);
    if (c->magic != MYL_TOPO_MAGIC || c->header_size != MYL_TOPO_CTL_HEADER_SIZE ||
        c->member_size != MYL_TOPO_MEMBER_SIZE || c->nroles == 0 ||
        c->nroles > MYL_TOPO_MAX_ROLES || c->nmembers > (room - MYL_TOPO_CTL_HEADER_SIZE) / 64)
        return;
    printf("  topology     %.63s instance %.63s, %u members, owner pid %d, %s\n", c->topology,
           c->instance, c->nmembers, c->owner_pid,
           atomic_load_explicit(&((myl__topo_ctl *)c)->shutdown, memory_order_relaxed) ? "shut down"
                                                                                       : "running");
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    static const char *names[] = {"free", "joining", "up", "left", "dead"};
    printf("  %-4s %-5s %-8s %-7s %6s %14s\n", "role", "index", "state", "pid", "epoch",
           "heartbeat age");
    myl__topo_member *m = (myl__topo_member *)((uint8_t *)c + MYL_TOPO_CTL_HEADER_SIZE);
    for (uint32_t i = 0; i < c->nmembers; i++) {
        /* Relaxed: a snapshot for display. */
        uint32_t st = atomic_load_explicit(&m[i].state, memory_order_relaxed);
        uint64_t hb = atomic_load_explicit(&m[i].heartbeat_ns, memory_order_relaxed);
        const char *sn = (st & MYL_TOPO_JOINING_BIT) ? "joining" : st <= 4 ? names[st] : "?";
        char age[32] = "-";
        if (hb && hb <= now)
            snprintf(age, sizeof age, "%.1f ms", (double)(now - hb) / 1e6);
        printf("  %-4u %-5u %-8s %-7d %6u %14s\n", m[i].role, m[i].index, sn,
               atomic_load_explicit(&m[i].pid, memory_order_relaxed),
               atomic_load_explicit(&m[i].epoch, memory_order_relaxed), age);
    }
}

static int usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [--file] [--prometheus] [--watch SECONDS] NAME...\n"
            "       %s [--file] --sweep [PREFIX]\n"
            "  NAME        shm label of a ring (or a file path with --file)\n"
            "  --file      NAME is an mmap'ed file\n"
            "  --prometheus  print Prometheus text exposition format\n"
            "  --watch S   print again every S seconds until interrupted\n"
            "  --sweep     remove orphaned segments (all their processes dead)\n"
            "              whose names start with PREFIX\n",
            argv0, argv0);
    return 2;
}

int main(int argc, char **argv)
{
    uint32_t backing = MYL_BACKING_SHM;
    int prom = 0, first = 0, sweep = 0;
    double watch = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--file"))
            backing = MYL_BACKING_FILE;
        else if (!strcmp(argv[i], "--prometheus"))
            prom = 1;
        else if (!strcmp(argv[i], "--sweep"))
            sweep = 1;
        else if (!strcmp(argv[i], "--watch") && i + 1 < argc) {
            char *end;
            watch = strtod(argv[++i], &end);
            if (end == argv[i] || *end || !(watch >= 0 && watch < 1e9))
                return usage(argv[0]);
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return usage(argv[0]) - 2;
        else if (argv[i][0] == '-')
            return usage(argv[0]);
        else if (!first)
            first = i;
    }
    if (sweep) {
        if (backing == MYL_BACKING_FILE && !first)
            return usage(argv[0]);
        const char *prefix = first ? argv[first] : "";
        int rc = myl_sweep(backing, prefix);
        if (rc < 0) {
            fprintf(stderr, "myelon-stat: sweep %s: %s (%s)\n", prefix, myl_strerror(rc),
                    myl_errname(rc));
            return 1;
        }
        printf("removed %d orphaned segment name(s)\n", rc);
        return 0;
    }
    if (!first)
        return usage(argv[0]);
    int status = 0;
    do {
        for (int i = first; i < argc; i++) {
            if (argv[i][0] == '-') {
                if (!strcmp(argv[i], "--watch"))
                    i++;
                continue;
            }
            myl_ring_opts o = {.size = sizeof o,
                               .backing = backing,
                               .name = argv[i],
                               .flags = MYL_SEG_READONLY | MYL_SEG_ANY_OWNER};
            myl_ring *r;
            int rc = myl_ring_attach(&o, &r);
            if (rc == 0 && (rc = myl_ring_check(r)) < 0)
                myl_ring_close(r); /* truncated: reading it would SIGBUS */
            if (rc < 0) {
                fprintf(stderr, "myelon-stat: %s: %s (%s)\n", argv[i], myl_strerror(rc),
                        myl_errname(rc));
                status = 1;
                continue;
            }
            if (prom)
                print_prom(argv[i], r);
            else {
                print_human(argv[i], r);
                print_topology(r);
            }
            myl_ring_close(r);
        }
        if (fflush(stdout) != 0)
            return 1; /* stdout is gone (a closed pipe): stop watching */
        if (watch > 0) {
            struct timespec ts = {(time_t)watch, (long)((watch - (double)(time_t)watch) * 1e9)};
            nanosleep(&ts, NULL);
        }
    } while (watch > 0);
    return status;
}
