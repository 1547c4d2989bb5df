/* myelon-bridge: bridge a ring to another host over ZeroMQ.
 *
 *   myelon-bridge --export RING ENDPOINT [options]
 *   myelon-bridge --import RING ENDPOINT [options]
 *   myelon-bridge SCHEMA CHANNEL --export|--import ENDPOINT [options]
 *   myelon-bridge SCHEMA BRIDGE [options]
 *   myelon-bridge SCHEMA TOPOLOGY --role R --home|--remote ENDPOINT [options]
 *
 * The ring must exist (attached, validated as any attach is). The schema
 * forms read a .myl or .fbs schema with myelonc's front end: the ring's
 * label, framing and fingerprint come from the channel (and, for a bridge
 * declaration, the direction, endpoint and options too), so the attach
 * refuses a ring of another wire format. Counters
 * are printed on exit and on SIGUSR1, and kept in the bridge's state
 * object (docs/BRIDGE.md). Exit status: 0 after SIGINT/SIGTERM or
 * --run-for, 2 when a handshake was refused, 1 on any other error.
 *
 * The topology form runs a relay (myelon/topo_relay.h; docs/BRIDGE.md,
 * "Topologies across hosts") for the remote role R of a topology: --home
 * on the owner's host (connects to ENDPOINT), --remote on R's host (binds
 * ENDPOINT). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bridge_schema.h"
#include "myelon/bridge.h"
#include "myelon/myelon.h"
#include "myelon/topo_relay.h"

static volatile sig_atomic_t stop_flag, usr1_flag;
static myl_bridge *the_bridge;
static myl_topo_relay *the_relay;

static void on_stop(int sig)
{
    (void)sig;
    /* Still starting (waiting for the ring, --attach-ms): nothing to
     * close or print yet; stopped as promised, status 0. */
    if (!the_bridge && !the_relay)
        _exit(0);
    stop_flag = 1;
    if (the_bridge)
        myl_bridge_stop(the_bridge);
    if (the_relay)
        myl_topo_relay_stop(the_relay);
}

/* Only a flag: the run loops return every 200 ms to look at it. (It used
 * to stop the bridge too, which is for good: every later run returned at
 * once and nothing was bridged again.) */
static void on_usr1(int sig)
{
    (void)sig;
    usr1_flag = 1;
}

static void signals(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The next run's timeout: 200 ms at most (so that signals' flags are
 * looked at), up to the --run-for-ms deadline (0: none); 0 once it passed. */
static int64_t next_slice(uint64_t deadline)
{
    const int64_t slice = 200000000;
    if (!deadline)
        return slice;
    uint64_t now = now_ns();
    if (now >= deadline)
        return 0;
    return deadline - now < (uint64_t)slice ? (int64_t)(deadline - now) : slice;
}

static void usage(FILE *f)
{
    fputs("usage: myelon-bridge --export|--import RING ENDPOINT [options]\n"
          "       myelon-bridge SCHEMA CHANNEL --export|--import ENDPOINT [options]\n"
          "       myelon-bridge SCHEMA BRIDGE [options]\n"
          "       myelon-bridge SCHEMA TOPOLOGY --role R --home|--remote ENDPOINT [options]\n"
          "       myelon-bridge SCHEMA RELAY --home|--remote [ENDPOINT] [options]\n"
          "  RING           shm label (or file path with --file)\n"
          "  ENDPOINT       tcp://host:port or ipc://path\n"
          "  SCHEMA         a .myl or .fbs schema; CHANNEL one of its channels (the\n"
          "                 ring's label, framing and fingerprint come from it),\n"
          "                 BRIDGE one of its bridge declarations (its channel,\n"
          "                 direction, endpoint and options; options here override)\n"
          "  -I DIR         schema forms: search DIR for imports (repeatable)\n"
          "  --ring NAME    schema forms: the ring's label or path (default: the\n"
          "                 channel's, package.channel)\n"
          "  --endpoint E   schema forms: override the declared endpoint\n"
          "  --framed       the ring is framed (layer 1); default raw\n"
          "  --file         RING is a file path (MYL_BACKING_FILE)\n"
          "  --bind         bind (default for --export)\n"
          "  --connect      connect (default for --import)\n"
          "  --hwm N        window and ZeroMQ high-water mark, batches (default 16)\n"
          "  --batch N      events per batch at most (default 256)\n"
          "  --reconnect-ms N  reconnect / handshake retry interval (default 100)\n"
          "  --timeout-ms N    peer silence that ends a session (default 3000)\n"
          "  --id ID        exporter's consumer id (default bridge-export)\n"
          "  --live         exporter, first registration: start live, not oldest\n"
          "  --unregister   exporter: unregister the consumer on exit\n"
          "  --copy         exporter: copy slots of 8 KiB or more into batches, not zero copy\n"
          "  --state NAME   state object label/path (default RING.bridge-export|import)\n"
          "  --attach-ms N  wait this long for the ring to appear (default 5000)\n"
          "  --run-for-ms N exit after N ms (0: until SIGINT/SIGTERM)\n"
          "  topology form (a relay for the remote role R of TOPOLOGY):\n"
          "  --role R       the role whose members run on the remote host\n"
          "  --home E       on the owner's host: connect to the remote relay at E\n"
          "  --remote E     on R's host: bind E (tcp://host:port: control at port,\n"
          "                 relayed ring j at port+1+j)\n"
          "  --instance I   the instance (default $MYELON_INSTANCE, else default)\n"
          "  --prefix P     this host's segment prefix (default $MYELON_PREFIX)\n"
          "  --check-ms N   membership report interval (default 10)\n"
          "  RELAY          a bridge declaration of a topology's role (its topology,\n"
          "                 role, endpoint and options; the command line overrides)\n"
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

/* The schema forms: what the schema says, where the command line said
 * nothing (a zero option is "not given", as in myl_bridge_opts). */
static void from_schema(const mbr_target *t, myl_bridge_opts *o, int *exporting, myl_ring_opts *ro)
{
    if (!ro->name)
        ro->name = t->label;
    ro->backing = t->backing;
    ro->fingerprint = t->fingerprint;
    ro->schema = t->schema;
    ro->schema_len = t->schema_len;
    o->kind = t->framed ? MYL_BRIDGE_FRAMED : MYL_BRIDGE_RAW;
    if (!t->declared)
        return;
    if (*exporting < 0)
        *exporting = t->exporting;
    if (!o->endpoint)
        o->endpoint = t->endpoint;
    if (!o->hwm)
        o->hwm = (uint32_t)t->hwm;
    if (!o->batch)
        o->batch = (uint32_t)t->batch;
    if (!o->reconnect_ns)
        o->reconnect_ns = (int64_t)t->reconnect_ms * 1000000;
    if (!o->peer_timeout_ns)
        o->peer_timeout_ns = (int64_t)t->timeout_ms * 1000000;
}

/* The numeric options, with a bridge declaration's bounds where it has
 * the same option (docs/myl.md, "Bridges"); the two run times up to what
 * nanoseconds in an int64_t hold. 0 in val[] is "not given" but for
 * --attach-ms, whose default is 5000. */
enum { N_HWM, N_BATCH, N_RECONNECT, N_TIMEOUT, N_CHECK, N_ATTACH, N_RUN_FOR, N_COUNT };
#define MS_MAX (INT64_MAX / 1000000)
static const struct {
    const char *name;
    long long min, max;
    bool ring, topo; /* taken by the ring and schema forms, by the topology form */
} numeric[N_COUNT] = {
    [N_HWM] = {"--hwm", 1, 1000000, true, true},
    [N_BATCH] = {"--batch", 1, 65536, true, true},
    [N_RECONNECT] = {"--reconnect-ms", 1, 3600000, true, true},
    [N_TIMEOUT] = {"--timeout-ms", 1, 86400000, true, true},
    [N_CHECK] = {"--check-ms", 1, 3600000, false, true},
    [N_ATTACH] = {"--attach-ms", 0, MS_MAX, true, false},
    [N_RUN_FOR] = {"--run-for-ms", 0, MS_MAX, true, true},
};

/* argv[*i], if it is a numeric option of the form (topo or not): 1 with
 * its value in val[] and *i at the value, 0 if it is no such option, -1
 * (said on stderr) if its value is missing or out of bounds. */
static int numeric_opt(int argc, char **argv, int *i, bool topo, long long val[N_COUNT])
{
    int k = 0;
    while (k < N_COUNT &&
           (strcmp(argv[*i], numeric[k].name) != 0 || !(topo ? numeric[k].topo : numeric[k].ring)))
        k++;
    if (k == N_COUNT)
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "myelon-bridge: %s needs a value\n", numeric[k].name);
        return -1;
    }
    const char *s = argv[++*i];
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || errno || v < numeric[k].min || v > numeric[k].max) {
        fprintf(stderr, "myelon-bridge: %s: '%s' is not an integer in [%lld, %lld]\n",
                numeric[k].name, s, numeric[k].min, numeric[k].max);
        return -1;
    }
    val[k] = v;
    return 1;
}

/* The topology form: myelon-bridge SCHEMA TOPOLOGY --role R --home|--remote E. */
static int topology_main(mbr_topology *t, int argc, char **argv, int first)
{
    myl_topo_cfg cfg;
    myl_topo_cfg_init(&cfg);
    myl_topo_relay_opts o = {.size = sizeof o, .cfg = &cfg};
    const char *role = NULL;
    long long val[N_COUNT] = {0};
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        bool has_val = i + 1 < argc;
        int n = numeric_opt(argc, argv, &i, true, val);
        if (n < 0)
            return 1;
        if (n > 0)
            continue;
        if (!strcmp(a, "-I") && has_val) {
            i++; /* read by main */
        } else if (!strcmp(a, "--role") && has_val) {
            role = argv[++i];
        } else if (!strcmp(a, "--home") || !strcmp(a, "--remote")) {
            /* The endpoint may follow (a declaration gives a default). */
            o.side = !strcmp(a, "--home") ? MYL_RELAY_HOME : MYL_RELAY_REMOTE;
            if (has_val &&
                (!strncmp(argv[i + 1], "tcp://", 6) || !strncmp(argv[i + 1], "ipc://", 6)))
                o.endpoint = argv[++i];
        } else if (!strcmp(a, "--endpoint") && has_val) {
            o.endpoint = argv[++i];
        } else if (!strcmp(a, "--instance") && has_val) {
            cfg.instance = argv[++i];
        } else if (!strcmp(a, "--prefix") && has_val) {
            cfg.prefix = argv[++i];
        } else if (!strcmp(a, "--file")) {
            cfg.backing = MYL_BACKING_FILE;
        } else {
            fprintf(stderr, "myelon-bridge: bad argument for a topology: %s\n", a);
            usage(stderr);
            return 1;
        }
    }
    cfg.liveness.check_interval_ns = val[N_CHECK] * 1000000;
    o.peer_timeout_ns = val[N_TIMEOUT] * 1000000;
    o.reconnect_ns = val[N_RECONNECT] * 1000000;
    o.hwm = (uint32_t)val[N_HWM];
    o.batch = (uint32_t)val[N_BATCH];
    long long run_for_ms = val[N_RUN_FOR];
    if (t->declared) { /* the declaration's, where the command line said nothing */
        if (!role)
            role = t->role;
        if (!o.endpoint)
            o.endpoint = t->endpoint;
        if (!o.hwm)
            o.hwm = (uint32_t)t->hwm;
        if (!o.batch)
            o.batch = (uint32_t)t->batch;
        if (!o.reconnect_ns)
            o.reconnect_ns = (int64_t)t->reconnect_ms * 1000000;
        if (!o.peer_timeout_ns)
            o.peer_timeout_ns = (int64_t)t->timeout_ms * 1000000;
    }
    if (!role || !o.endpoint || !o.side) {
        fprintf(stderr,
                "myelon-bridge: %s is a topology: give --role R and --home or --remote "
                "ENDPOINT\n",
                t->desc.name);
        return 1;
    }
    o.role = UINT32_MAX;
    for (uint32_t i = 0; i < t->desc.nroles; i++)
        if (!strcmp(t->desc.roles[i].name, role))
            o.role = i;
    if (o.role == UINT32_MAX) {
        fprintf(stderr, "myelon-bridge: topology %s has no role '%s'\n", t->desc.name, role);
        return 1;
    }
    uint64_t deadline = run_for_ms ? now_ns() + (uint64_t)run_for_ms * 1000000u : 0;
    signals();
    int rc = myl_topo_relay_open(&t->desc, &o, &the_relay);
    if (rc < 0)
        return 1;
    for (int64_t slice; (slice = next_slice(deadline)) > 0;) {
        rc = myl_topo_relay_run(the_relay, slice);
        if (usr1_flag) {
            usr1_flag = 0;
            fprintf(stderr, "myelon-bridge: topology %s: %u rings relayed, %u members up\n",
                    t->desc.name, myl_topo_relay_rings(the_relay), myl_topo_relay_up(the_relay));
        }
        if (rc < 0 || stop_flag)
            break;
    }
    bool refused = rc == MYL_EFINGERPRINT || rc == MYL_EINVAL;
    if (rc < 0)
        fprintf(stderr, "myelon-bridge: topology %s: %s\n", t->desc.name,
                myl_topo_relay_error(the_relay));
    myl_topo_relay_close(the_relay);
    the_relay = NULL;
    return rc < 0 ? (refused ? 2 : 1) : 0;
}

int main(int argc, char **argv)
{
    /* Large messages reuse freed memory (docs/BRIDGE.md, "Performance");
     * where the C library cannot, they map fresh pages as before. */
    (void)myl_bridge_keep_memory();
    myl_bridge_opts o = {.size = sizeof o};
    const char *ring_name = NULL, *role = NULL;
    int exporting = -1;
    uint32_t backing = MYL_BACKING_SHM;
    long long val[N_COUNT] = {[N_ATTACH] = 5000};
    /* The schema forms: SCHEMA NAME first; then --export/--import take
     * only the endpoint. */
    const char *schema = NULL, *decl = NULL;
    const char *incdirs[64];
    unsigned nincdirs = 0;
    int first = 1;
    if (argc > 2 && argv[1][0] != '-' && argv[2][0] != '-') {
        schema = argv[1];
        decl = argv[2];
        first = 3;
    }
    if (schema) {
        for (int i = first; i < argc; i++)
            if (!strcmp(argv[i], "-I") && i + 1 < argc && nincdirs < 64)
                incdirs[nincdirs++] = argv[++i];
        static mbr_topology topo;
        int found = mbr_topology_resolve(schema, decl, incdirs, nincdirs, &topo);
        if (found < 0)
            return 1;
        if (found) {
            int rc = topology_main(&topo, argc, argv, first);
            mbr_topology_free(&topo);
            return rc;
        }
        nincdirs = 0; /* read again below */
    }
    int nvals = schema ? 1 : 2;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        bool has_val = i + 1 < argc;
        int n = numeric_opt(argc, argv, &i, false, val);
        if (n < 0)
            return 1;
        if (n > 0)
            continue;
        if ((!strcmp(a, "--export") || !strcmp(a, "--import")) && i + nvals < argc) {
            exporting = !strcmp(a, "--export");
            if (!schema)
                ring_name = argv[++i];
            o.endpoint = argv[++i];
        } else if (schema && !strcmp(a, "-I") && has_val && nincdirs < 64) {
            incdirs[nincdirs++] = argv[++i];
        } else if (schema && !strcmp(a, "--ring") && has_val) {
            ring_name = argv[++i];
        } else if (schema && !strcmp(a, "--endpoint") && has_val) {
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
        } else if (!strcmp(a, "--copy")) {
            o.flags |= MYL_BRIDGE_COPY;
        } else if (!strcmp(a, "--id") && has_val) {
            o.consumer_id = argv[++i];
        } else if (!strcmp(a, "--state") && has_val) {
            o.state_name = argv[++i];
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
    o.hwm = (uint32_t)val[N_HWM];
    o.batch = (uint32_t)val[N_BATCH];
    o.reconnect_ns = val[N_RECONNECT] * 1000000;
    o.peer_timeout_ns = val[N_TIMEOUT] * 1000000;
    long long attach_ms = val[N_ATTACH], run_for_ms = val[N_RUN_FOR];
    myl_ring_opts ro = {.size = sizeof ro, .backing = backing, .name = ring_name};
    mbr_target t = {0};
    if (schema) {
        if (mbr_resolve(schema, decl, incdirs, nincdirs, &t) < 0)
            return 1;
        from_schema(&t, &o, &exporting, &ro);
    }
    if (exporting < 0 || !o.endpoint) {
        if (schema)
            fprintf(stderr, "myelon-bridge: %s is a channel: give --export or --import ENDPOINT\n",
                    decl);
        else
            usage(stderr);
        mbr_free(&t);
        return 1;
    }
    role = exporting ? "export" : "import";
    uint64_t deadline = run_for_ms ? now_ns() + (uint64_t)run_for_ms * 1000000u : 0;
    signals(); /* SIGTERM while waiting for the ring: status 0 (on_stop) */
    myl_ring *ring;
    int rc = myl_ring_attach_wait(&ro, attach_ms * 1000000, &ring);
    mbr_free(&t);
    if (rc < 0) {
        fprintf(stderr, "myelon-bridge: %s: attach %s: %s\n", role, ro.name, myl_strerror(rc));
        return 1;
    }
    myl_bridge *b;
    rc = exporting ? myl_bridge_export_open(ring, &o, &b) : myl_bridge_import_open(ring, &o, &b);
    if (rc < 0) {
        myl_ring_close(ring);
        return 1;
    }
    /* The state object's counters outlive runs: a refusal is one that
     * this run counted and ended with. */
    myl_bridge_stats st;
    myl_bridge_stats_get(b, &st);
    uint64_t refused0 = st.refused;
    the_bridge = b;
    for (int64_t slice; (slice = next_slice(deadline)) > 0;) {
        rc = myl_bridge_run(b, slice);
        if (usr1_flag) {
            usr1_flag = 0;
            print_stats(b, role);
        }
        if (rc < 0 || stop_flag)
            break;
    }
    if (rc < 0)
        fprintf(stderr, "myelon-bridge: %s: %s\n", role, myl_bridge_error(b));
    print_stats(b, role);
    myl_bridge_stats_get(b, &st);
    myl_bridge_close(b);
    myl_ring_close(ring);
    bool refused = st.refused > refused0 && (rc == MYL_EFINGERPRINT || rc == MYL_ESLOTSIZE ||
                                             rc == MYL_EVERSION || rc == MYL_EINVAL);
    if (rc < 0)
        return refused ? 2 : 1;
    return 0;
}
