/* myelon-stat: print rings' headers and counters, read from their segments
 * (table, JSON or Prometheus text), list rings, or remove orphaned
 * segments. The manual is docs/man/myelon-stat.1.scd.
 *
 * It attaches read-only (MYL_SEG_READONLY, mapped PROT_READ): read access
 * to the segment is enough, whoever owns it (the header is validated as
 * for any attach), and it never registers as a producer or consumer nor
 * writes a byte, so it does not disturb the ring. Two actions asked for
 * by name do write: --sweep and --unregister. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "myelon/myelon.h"
#include "stat.h"

static const char usage_text[] =
    "usage: myelon-stat [--file] [--json | --prometheus] [--watch SECONDS [--count N]] NAME...\n"
    "       myelon-stat [--file] [--json] --list [PREFIX]\n"
    "       myelon-stat [--file] --sweep [PREFIX]\n"
    "       myelon-stat [--file] --unregister ID NAME\n"
    "\n"
    "Prints the header and counters of each ring NAME (a shm label, or a file\n"
    "path with --file), attached read-only. A NAME that is no ring but the base\n"
    "name of a group (size classes or lanes) shows the group's rings, NAME.*.\n"
    "\n"
    "options:\n"
    "  --file           NAME and PREFIX are file paths (file-backed rings)\n"
    "  --json           print JSON, one object per line and refresh\n"
    "  --prometheus     print Prometheus text exposition format\n"
    "  --watch SECONDS  refresh every SECONDS (> 0) with a timestamp and per-second\n"
    "                   rates; a table is redrawn in place on a terminal\n"
    "  --count N        with --watch: stop after N refreshes\n"
    "  --list [PREFIX]  list the rings whose names start with PREFIX (default:\n"
    "                   all), the groups they form and the topologies whose\n"
    "                   control segments they are (a table, or --json)\n"
    "  --sweep [PREFIX] remove the caller's segments whose names start with PREFIX\n"
    "                   and whose processes are all dead (with --file, PREFIX is\n"
    "                   required)\n"
    "  --unregister ID  remove consumer ID from ring NAME when no live process has\n"
    "                   it (a detached durable reader, such as a pipeline's input,\n"
    "                   that will not come back, or a dead one): its producers stop\n"
    "                   waiting for it\n"
    "  --help           print this help and exit\n"
    "  --version        print the version and exit\n"
    "\n"
    "exit status: 0 success; 1 a ring could not be read, swept or unregistered\n"
    "from; 2 invalid command line.\n";

static int bad_usage(const char *fmt, const char *arg)
{
    fputs("myelon-stat: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'myelon-stat --help'.\n", stderr);
    return 2;
}

static void report(const char *what, int rc)
{
    fprintf(stderr, "myelon-stat: %s: %s (%s)\n", what, myl_strerror(rc), myl_errname(rc));
}

/* Take consumer id's entry over (a live one's is refused: MYL_EEXIST) and
 * close it: unregistered. The ring attached read-write for this only. */
static int unregister(uint32_t backing, const char *name, const char *id)
{
    myl_ring_opts o = {.size = sizeof o, .backing = backing, .name = name};
    myl_ring *r;
    int rc = myl_ring_attach(&o, &r);
    if (rc < 0) {
        report(name, rc);
        return 1;
    }
    myl_consumer_stats cs;
    bool found = false;
    for (uint32_t i = 0; !found && myl_ring_consumer_stats(r, i, &cs) == 0; i++)
        found = cs.state == MYL_ENTRY_ACTIVE && strncmp(cs.id, id, sizeof cs.id) == 0;
    myl_consumer *c = NULL;
    if (!found)
        fprintf(stderr, "myelon-stat: %s: no consumer '%s' is registered\n", name, id);
    else if ((rc = myl_consumer_open(r, id, NULL, &c)) == MYL_EEXIST)
        fprintf(stderr, "myelon-stat: %s: consumer '%s' is live (pid %d): stop it first\n", name,
                id, (int)cs.pid);
    else if (rc < 0)
        report(name, rc);
    if (c) {
        myl_consumer_close(c);
        printf("%s: consumer '%s' unregistered (it had read to %llu)\n", name, id,
               (unsigned long long)cs.seq);
    }
    myl_ring_close(r);
    return c && fflush(stdout) == 0 ? 0 : 1;
}

/* A group's member that is a ring and could not be read: said, and the
 * exit status is 1 (as for a ring named). */
static void unread_member(void *arg, const char *name, int rc)
{
    char shown[256];
    report(mst_printable(shown, sizeof shown, name), rc);
    *(int *)arg = 1;
}

/* ---- --list ---- */

static int list(uint32_t backing, const char *prefix, int json)
{
    mst_names all = {0};
    int rc = mst_scan(backing, prefix, &all);
    if (rc < 0) {
        mst_names_free(&all);
        report(prefix[0] ? prefix : "--list", rc);
        return 1;
    }
    mst_snaps rings = {0};
    for (size_t i = 0; i < all.n; i++)
        mst_snap_one(backing, all.v[i], &rings); /* what is not a readable ring is skipped */
    rc = mst_print_list(stdout, rings.v, rings.n, json);
    if (rc < 0)
        report("--list", rc);
    mst_snaps_free(&rings);
    mst_names_free(&all);
    return fflush(stdout) == 0 && rc == 0 ? 0 : 1;
}

/* ---- main ---- */

static void timestamp(char *buf, size_t size)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char s[32];
    strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, size, "%s.%03ldZ", s, ts.tv_nsec / 1000000);
}

enum { FMT_TABLE, FMT_JSON, FMT_PROM };

int main(int argc, char **argv)
{
    (void)mst_bus_guard_install(); /* a ring truncated while read: reported */
    uint32_t backing = MYL_BACKING_SHM;
    int fmt = FMT_TABLE, do_list = 0, do_sweep = 0, nfmt = 0;
    const char *unreg = NULL;
    double watch = 0;
    long long count = 0;
    /* The positional arguments, gathered in place at the front of argv
     * (only entries already read are overwritten). */
    char **pos = argv + 1;
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_text, stdout);
            return fflush(stdout) == 0 ? 0 : 1;
        } else if (!strcmp(a, "--version")) {
            printf("myelon-stat %s\n", MYL_VERSION_STRING);
            return fflush(stdout) == 0 ? 0 : 1;
        } else if (!strcmp(a, "--file")) {
            backing = MYL_BACKING_FILE;
        } else if (!strcmp(a, "--json")) {
            fmt = FMT_JSON;
            nfmt++;
        } else if (!strcmp(a, "--prometheus")) {
            fmt = FMT_PROM;
            nfmt++;
        } else if (!strcmp(a, "--list")) {
            do_list = 1;
        } else if (!strcmp(a, "--sweep")) {
            do_sweep = 1;
        } else if (!strcmp(a, "--unregister")) {
            if (i + 1 >= argc)
                return bad_usage("--unregister needs a consumer ID%s", "");
            unreg = argv[++i];
        } else if (!strcmp(a, "--watch")) {
            if (i + 1 >= argc)
                return bad_usage("--watch needs a number of seconds%s", "");
            char *end;
            const char *v = argv[++i];
            errno = 0;
            watch = strtod(v, &end);
            /* "0", "-1", "abc", "1x", "nan", "inf": none is a period. */
            if (end == v || *end || errno || !(watch > 0 && watch <= 86400))
                return bad_usage("--watch: '%s' is not a number of seconds in (0, 86400]", v);
        } else if (!strcmp(a, "--count")) {
            if (i + 1 >= argc)
                return bad_usage("--count needs a number%s", "");
            char *end;
            const char *v = argv[++i];
            errno = 0;
            count = strtoll(v, &end, 10);
            if (end == v || *end || errno || count <= 0)
                return bad_usage("--count: '%s' is not a positive integer", v);
        } else if (a[0] == '-' && a[1]) {
            return bad_usage("unknown option '%s'", a);
        } else {
            pos[npos++] = a;
        }
    }
    if (do_list + do_sweep > 1)
        return bad_usage("--list and --sweep do not combine%s", "");
    if (nfmt > 1)
        return bad_usage("--json and --prometheus do not combine%s", "");
    if (count && watch == 0)
        return bad_usage("--count goes with --watch%s", "");
    if (watch > 0 && fmt == FMT_PROM)
        return bad_usage("--watch and --prometheus do not combine (let Prometheus scrape "
                         "myelon-stat --prometheus instead)%s",
                         "");
    if (do_sweep && (nfmt || watch > 0))
        return bad_usage("--sweep prints a count: no --json, --prometheus or --watch%s", "");
    if (do_list && (fmt == FMT_PROM || watch > 0))
        return bad_usage("--list prints a table or JSON (--json): no --prometheus or "
                         "--watch%s",
                         "");
    if ((do_list || do_sweep) && npos > 1)
        return bad_usage("--list and --sweep take one PREFIX, not '%s' too", pos[1]);

    if (unreg) {
        if (do_list || do_sweep || nfmt || watch > 0 || npos != 1)
            return bad_usage("--unregister ID takes one ring NAME and no other option but "
                             "--file%s",
                             "");
        return unregister(backing, pos[0], unreg);
    }
    if (do_sweep) {
        if (backing == MYL_BACKING_FILE && !npos)
            return bad_usage("--file --sweep needs a path PREFIX%s", "");
        const char *prefix = npos ? pos[0] : "";
        int rc = myl_sweep(backing, prefix);
        if (rc < 0) {
            char what[4200];
            snprintf(what, sizeof what, "sweep %s", prefix);
            report(what, rc);
            return 1;
        }
        printf("removed %d orphaned segment name(s)\n", rc);
        return fflush(stdout) == 0 ? 0 : 1; /* a full disk or a closed pipe: said */
    }
    if (do_list)
        return list(backing, npos ? pos[0] : "", fmt == FMT_JSON);
    if (!npos)
        return bad_usage("no ring named (NAME...)%s", "");

    int status = 0, tty = isatty(STDOUT_FILENO);
    mst_snaps prev = {0};
    for (long long iter = 0;; iter++) {
        mst_snaps cur = {0};
        for (int i = 0; i < npos; i++) {
            int rc = mst_snap_name(backing, pos[i], &cur, unread_member, &status);
            if (rc < 0) {
                report(pos[i], rc);
                status = 1;
            }
        }
        char ts[64];
        timestamp(ts, sizeof ts);
        if (fmt == FMT_JSON) {
            mst_print_json(stdout, ts, cur.v, cur.n, watch > 0 ? prev.v : NULL, prev.n);
        } else if (fmt == FMT_PROM) {
            mst_print_prom(stdout, cur.v, cur.n);
        } else {
            if (watch > 0) {
                if (tty)
                    fputs("\033[H\033[J", stdout); /* redraw in place */
                printf("%s  every %gs  (rates per second since the previous refresh)\n\n", ts,
                       watch);
            }
            for (size_t k = 0; k < cur.n; k++) {
                if (k)
                    putchar('\n');
                mst_print_table(stdout, &cur.v[k],
                                watch > 0 ? mst_find(prev.v, prev.n, &cur.v[k]) : NULL);
            }
            if (watch > 0 && !tty)
                putchar('\n');
        }
        mst_snaps_free(&prev);
        prev = cur;
        if (fflush(stdout) != 0) {
            status = 1; /* stdout is gone (a closed pipe): stop */
            break;
        }
        if (watch == 0 || (count && iter + 1 >= count))
            break;
        struct timespec d = {(time_t)watch, (long)((watch - (double)(time_t)watch) * 1e9)};
        nanosleep(&d, NULL);
    }
    mst_snaps_free(&prev);
    return status;
}
