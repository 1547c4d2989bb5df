/* myelon-health: serve the health of rings on one TCP port (probe line,
 * status page, Prometheus metrics) until SIGINT or SIGTERM. A thin
 * command line over libmyelon_health (myelon/health.h); the manual is
 * docs/man/myelon-health.1.scd. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "myelon/health.h"
#include "myelon/myelon.h"

static const char usage_text[] =
    "usage: myelon-health [--file] [--bind ADDR] [--port PORT] [--prefix PREFIX]\n"
    "                     [--probe-ms MS] [NAME...]\n"
    "\n"
    "Serves the health of the rings NAME (a ring, or the base name of a group:\n"
    "NAME.*) and of every ring whose name starts with PREFIX, on one TCP port,\n"
    "until interrupted (SIGINT, SIGTERM). Rings are attached read-only at each\n"
    "request.\n"
    "\n"
    "  a connection that sends nothing for MS milliseconds, closes its side, or\n"
    "  sends something other than an HTTP request gets one line and is closed:\n"
    "               myelon ok 2 rings | myelon degraded 2 rings: REASONS\n"
    "  GET /        an HTML status page (rings, producers, consumers, lag)\n"
    "  GET /health  the status line; HTTP 200 when ok, 503 when degraded\n"
    "  GET /metrics the Prometheus text exposition format\n"
    "\n"
    "options:\n"
    "  --file            NAME and PREFIX are file paths (file-backed rings)\n"
    "  --bind ADDR       address to listen on (default 127.0.0.1)\n"
    "  --port PORT       TCP port (default 0: one the system chooses)\n"
    "  --prefix PREFIX   also report every ring whose name starts with PREFIX\n"
    "  --probe-ms MS     how long a silent connection is waited for (default 500)\n"
    "  --help            print this help and exit\n"
    "  --version         print the version and exit\n"
    "\n"
    "Once listening it prints 'myelon-health: listening on ADDR port PORT' on\n"
    "standard output.\n"
    "\n"
    "exit status: 0 stopped by a signal; 1 could not listen; 2 invalid command\n"
    "line.\n";

static int bad_usage(const char *fmt, const char *arg)
{
    fputs("myelon-health: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'myelon-health --help'.\n", stderr);
    return 2;
}

static int number(const char *v, long max, long *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (end == v || *end || errno || n < 0 || n > max)
        return -1;
    *out = n;
    return 0;
}

int main(int argc, char **argv)
{
    myl_health_config c = {.size = sizeof c};
    /* The ring names, gathered in place at the front of argv (only
     * entries already read are overwritten). */
    char **names = argv + 1;
    size_t n = 0;
    long v;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_text, stdout);
            return fflush(stdout) == 0 ? 0 : 1;
        } else if (!strcmp(a, "--version")) {
            printf("myelon-health %s\n", MYL_VERSION_STRING);
            return fflush(stdout) == 0 ? 0 : 1;
        } else if (!strcmp(a, "--file")) {
            c.backing = MYL_BACKING_FILE;
        } else if (!strcmp(a, "--bind")) {
            if (!next)
                return bad_usage("--bind needs an address%s", "");
            c.bind = argv[++i];
        } else if (!strcmp(a, "--port")) {
            if (!next || number(next, 65535, &v) < 0)
                return bad_usage("--port: '%s' is not a port (0 to 65535)", next ? next : "");
            c.port = (uint16_t)v;
            i++;
        } else if (!strcmp(a, "--prefix")) {
            if (!next)
                return bad_usage("--prefix needs a prefix%s", "");
            c.prefix = argv[++i];
        } else if (!strcmp(a, "--probe-ms")) {
            if (!next || number(next, 60000, &v) < 0 || v == 0)
                return bad_usage("--probe-ms: '%s' is not a number of milliseconds in [1, 60000]",
                                 next ? next : "");
            c.probe_ms = (uint32_t)v;
            i++;
        } else if (a[0] == '-' && a[1]) {
            return bad_usage("unknown option '%s'", a);
        } else if (!a[0]) {
            return bad_usage("an empty ring name%s", "");
        } else {
            names[n++] = argv[i];
        }
    }
    if (!n && !c.prefix)
        return bad_usage("no ring named (NAME... or --prefix PREFIX)%s", "");
    c.rings = (const char *const *)names;
    c.nrings = n;

    /* Signals are taken by sigwait below: blocked here, before the
     * library's threads start, so that they inherit the mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    myl_health *h;
    /* A ring truncated under a request is reported, not fatal. */
    (void)myl_health_catch_truncation();
    int rc = myl_health_start(&c, &h);
    if (rc < 0) {
        fprintf(stderr, "myelon-health: cannot listen on %s port %u: %s (%s)\n",
                c.bind ? c.bind : "127.0.0.1", c.port, myl_strerror(rc), myl_errname(rc));
        return 1;
    }
    printf("myelon-health: listening on %s port %u\n", c.bind ? c.bind : "127.0.0.1",
           myl_health_port(h));
    fflush(stdout);
    int sig;
    sigwait(&set, &sig);
    myl_health_stop(h);
    return 0;
}
