/* myelon-bridge: bridge a ring to another host over ZeroMQ.
 *
 *   myelon-bridge --export RING ENDPOINT [options]
 *   myelon-bridge --import RING ENDPOINT [options]
 *
 * The ring must exist (attached, validated as any attach is). Counters
 * are printed on exit and on SIGUSR1, and kept in the bridge's state
 * object (docs/BRIDGE.md). Exit status: 0 after SIGINT/SIGTERM or
 * --run-for, 2 when a handshake was refused, 1 on any other error. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "myelon/bridge.h"
#include "myelon/myelon.h"

static volatile sig_atomic_t stop_flag, usr1_flag;
static myl_bridge *the_bridge;

static void on_stop(int sig)
{
    (void)sig;
    stop_flag = 1;
    if (the_bridge)
        myl_bridge_stop(the_bridge);
}

static void on_usr1(int sig)
{
    (void)sig;
    usr1_flag = 1;
    if (the_bridge)
        myl_bridge_stop(the_bridge);
}

static void usage(FILE *f)
{
    fputs("usage: myelon-bridge --export|--import RING ENDPOINT [options]\n"
          "  RING           shm label (or file path with --file)\n"
          "  ENDPOINT       tcp://host:port or ipc://path\n"
          "  --framed       the ring is framed (layer 1); default raw\n"
          "  --file         RING is a file path (MYL_BACKING_FILE)\n"
          "  --bind         bind (default for --export)\n"
          "  --connect      connect (default for --import)\n"
          "  --hwm N        ZeroMQ high-water mark, batches (default 16)\n"
          "  --batch N      events per batch at most (default 256)\n"
          "  --reconnect-ms N  reconnect / handshake retry interval (default 100)\n"
          "  --timeout-ms N    peer silence that ends a session (default 3000)\n"
          "  --id ID        exporter's consumer id (default bridge-export)\n"
          "  --live         exporter, first registration: start live, not oldest\n"
          "  --unregister   exporter: unregister the consumer on exit\n"
          "  --state NAME   state object label/path (default RING.bridge-export|import)\n"
          "  --attach-ms N  wait this long for the ring to appear (default 5000)\n"
          "  --run-for-ms N exit after N ms (0: until SIGINT/SIGTERM)\n"
          "  --help         print this help and exit\n"
          "  --version      print the version and exit\n"
          "The manual is myelon-bridge(1); counters: myelon-stat RING.\n",
          f);
}

static void print_stats(const myl_bridge *b, const char *role)
{
    myl_bridge_stats s;
    myl_bridge_stats_get(b, &s);
    fprintf(stderr,
            "myelon-bridge %s: messages=%" PRIu64 " bytes=%" PRIu64 " frames=%" PRIu64
            " batches=%" PRIu64 " reconnects=%" PRIu64 " drops=%" PRIu64 " replayed=%" PRIu64
            " duplicates=%" PRIu64 " skipped=%" PRIu64 " bad=%" PRIu64 " refused=%" PRIu64
            " position=%" PRIu64 " state=%s\n",
            role, s.messages, s.bytes, s.frames, s.batches, s.reconnects, s.drops, s.replayed,
            s.duplicates, s.skipped, s.bad, s.refused, s.position, myl_bridge_state_name(b));
}

static int num(const char *s, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < 0)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    myl_bridge_opts o = {.size = sizeof o};
    const char *ring_name = NULL, *role = NULL;
    int exporting = -1;
    uint32_t backing = MYL_BACKING_SHM;
    long long attach_ms = 5000, run_for_ms = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        long long v = 0;
        bool has_val = i + 1 < argc;
        if ((!strcmp(a, "--export") || !strcmp(a, "--import")) && i + 2 < argc) {
            exporting = !strcmp(a, "--export");
            role = a + 2;
            ring_name = argv[++i];
            o.endpoint = argv[++i];
        } else if (!strcmp(a, "--framed")) {
            o.kind = MYL_BRIDGE_FRAMED;
        } else if (!strcmp(a, "--file")) {
            backing = MYL_BACKING_FILE;
        } else if (!strcmp(a, "--bind")) {
            o.bind = MYL_BRIDGE_BIND;
        } else if (!strcmp(a, "--connect")) {
            o.bind = MYL_BRIDGE_CONNECT;
        } else if (!strcmp(a, "--live")) {
            o.start = MYL_BRIDGE_START_LIVE;
        } else if (!strcmp(a, "--unregister")) {
            o.flags |= MYL_BRIDGE_UNREGISTER;
        } else if (!strcmp(a, "--id") && has_val) {
            o.consumer_id = argv[++i];
        } else if (!strcmp(a, "--state") && has_val) {
            o.state_name = argv[++i];
        } else if (!strcmp(a, "--hwm") && has_val && !num(argv[++i], &v) && v <= INT32_MAX) {
            o.hwm = (uint32_t)v;
        } else if (!strcmp(a, "--batch") && has_val && !num(argv[++i], &v) && v <= UINT32_MAX) {
            o.batch = (uint32_t)v;
        } else if (!strcmp(a, "--reconnect-ms") && has_val && !num(argv[++i], &v)) {
            o.reconnect_ns = v * 1000000;
        } else if (!strcmp(a, "--timeout-ms") && has_val && !num(argv[++i], &v)) {
            o.peer_timeout_ns = v * 1000000;
        } else if (!strcmp(a, "--attach-ms") && has_val && !num(argv[++i], &v)) {
            attach_ms = v;
        } else if (!strcmp(a, "--run-for-ms") && has_val && !num(argv[++i], &v)) {
            run_for_ms = v;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            printf("myelon-bridge %s\n", MYL_VERSION_STRING);
            return 0;
        } else {
            fprintf(stderr, "myelon-bridge: bad argument: %s\n", a);
            usage(stderr);
            return 1;
        }
    }
    if (exporting < 0) {
        usage(stderr);
        return 1;
    }
    myl_ring_opts ro = {.size = sizeof ro, .backing = backing, .name = ring_name};
    myl_ring *ring;
    int rc = myl_ring_attach_wait(&ro, attach_ms * 1000000, &ring);
    if (rc < 0) {
        fprintf(stderr, "myelon-bridge: %s: attach %s: %s\n", role, ring_name, myl_strerror(rc));
        return 1;
    }
    myl_bridge *b;
    rc = exporting ? myl_bridge_export_open(ring, &o, &b) : myl_bridge_import_open(ring, &o, &b);
    if (rc < 0) {
        myl_ring_close(ring);
        return 1;
    }
    the_bridge = b;
    struct sigaction sa = {0};
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    int64_t left = run_for_ms ? run_for_ms * 1000000 : MYL_FOREVER;
    for (;;) {
        int64_t slice = left < 0 || left > 200000000 ? 200000000 : left;
        rc = myl_bridge_run(b, slice);
        if (usr1_flag) {
            usr1_flag = 0;
            print_stats(b, role);
        }
        if (rc < 0 || stop_flag)
            break;
        if (left >= 0) {
            left -= slice;
            if (left <= 0)
                break;
        }
    }
    if (rc < 0)
        fprintf(stderr, "myelon-bridge: %s: %s\n", role, myl_bridge_error(b));
    print_stats(b, role);
    myl_bridge_stats st;
    myl_bridge_stats_get(b, &st);
    myl_bridge_close(b);
    myl_ring_close(ring);
    if (rc < 0)
        return st.refused ? 2 : 1;
    return 0;
}
