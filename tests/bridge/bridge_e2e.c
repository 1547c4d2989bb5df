/* End-to-end test of myelon-bridge: two rings, a producer process on the
 * first, an exporter and an importer process (the real tool) between
 * them, and this driver reading the second ring and checking that every
 * event (raw) or message (framed), stamped by the producer, arrives once
 * and in order. Faults: the exporter or the importer killed with SIGKILL
 * mid-stream (twice) and restarted. Handshake refusals: fingerprint and
 * kind mismatches, both sides must exit with status 2 and say why.
 *
 *   bridge_e2e BRIDGE_PATH raw|framed tcp|ipc|netns FAULT
 *
 * netns: two "hosts" as two network namespaces that tests/bridge/netns.sh
 * made, named with MYL_BRIDGE_NETNS="NS_A NS_B ADDR_A IFACE_A": the
 * exporter runs in NS_A bound to ADDR_A (an address the script gave
 * IFACE_A, its end of a veth pair), the importer in NS_B; this driver,
 * the producer and the rings stay where they are (shared memory is not
 * namespaced).
 *
 * FAULT: none, kill-export, kill-import, kill-export-held (the reader
 * stops for 300 ms before each kill: the importer waits on its full ring
 * with a backlog in ZeroMQ's queue when its peer dies), refuse-fp,
 * refuse-kind, lossy
 * (a lossy source ring: events may be lost, each loss counted, never a
 * duplicate or a reordering), pause
 * (the reader stops for 4 s mid-stream, longer than the bridge's peer
 * timeout: the producer must be held back, nothing lost), or
 * mp-skip (raw: a multi-producer exporter ring with slots claimed by
 * producers that died, and the exporter killed twice as well), options
 * (raw, tcp: the tool's other options, each with an effect the test
 * checks: file rings (--file), the importer binding and the exporter
 * connecting (--bind, --connect: both would bind without them), the
 * exporter's consumer id (--id: the producer waits for it), --live (events
 * published before the exporter registered must not arrive), --unregister
 * (its entry gone after SIGTERM; without it, in every other case, the
 * entry stays), the importer's state at a path of our choosing (--state),
 * and --hwm, --copy, --attach-ms given), or
 * linkcut (netns: IFACE_A down a third of the way in, for longer than
 * the peer timeout, then up: every event once and in order, and the
 * importer must have begun a new session).
 *
 * The kill faults kill twice, at a third and two thirds of the stream;
 * MYL_BRIDGE_KILLS=N kills N times, evenly spread (a stress run).
 *
 * Timing never decides a pass: the deadline (MYL_BRIDGE_DEADLINE_S,
 * default 150 s) only turns a hang into a failure. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "myelon/bridge.h"
#include "myelon/myelon.h"
#include "shm_left.h"
#include "stat_json.h"

#define SLOT_RAW 64u
#define SLOT_FRAMED 128u
#define CAPACITY 256u

/* The rings' slot size: SLOT_RAW or SLOT_FRAMED, or MYL_BRIDGE_SLOT
 * (8192 bytes or more: the exporter sends the slots without copying). */
static uint32_t slot_size;

static const char *bridge_path, *kind, *transport, *fault;
static bool framed, mp_skip, lossy_src, held;
static char ring_a[64], ring_b[64], endpoint[160], ipc_path[128];
static char err_export[128], err_import[128];
static uint64_t total;
static pid_t producer_pid, export_pid, import_pid;
static char ns_a[64], ns_b[64], addr_a[64], iface_a[64];
static bool netns;
static bool usr1_sent;
/* options: file rings, the importer's state at state_path, the
 * exporter's consumer id export_id (else the default, bridge-export) */
static bool opts_case;
static uint32_t backing = MYL_BACKING_SHM;
static char state_path[128];
static const char *export_id = "bridge-export";

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Whether process pid catches signal sig yet (/proc/<pid>/status,
 * SigCgt): a bridge restarted a moment ago may not have set its SIGUSR1
 * handler, and the signal's default action would end it. */
static bool catches(pid_t pid, int sig)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    unsigned long long mask = 0;
    bool found = false;
    while (!found && fgets(line, sizeof line, f))
        found = sscanf(line, "SigCgt: %llx", &mask) == 1;
    fclose(f);
    return found && (mask >> (sig - 1) & 1u);
}

static void cleanup(void)
{
    pid_t pids[] = {producer_pid, export_pid, import_pid};
    for (size_t i = 0; i < sizeof pids / sizeof pids[0]; i++)
        if (pids[i] > 0) {
            kill(pids[i], SIGKILL);
            waitpid(pids[i], NULL, 0);
        }
    const char *rings[] = {ring_a, ring_b};
    for (int i = 0; i < 2; i++) {
        char name[300], st[320];
        myl_ring_unlink(backing, rings[i]);
        if (backing == MYL_BACKING_FILE) {
            snprintf(st, sizeof st, "%s.bridge-export", rings[i]);
            unlink(st);
            snprintf(st, sizeof st, "%s.bridge-import", rings[i]);
            unlink(st);
        } else if (myl_shm_name(rings[i], name, sizeof name) > 0) {
            snprintf(st, sizeof st, "%s.bridge-export", name);
            shm_unlink(st);
            snprintf(st, sizeof st, "%s.bridge-import", name);
            shm_unlink(st);
        }
    }
    if (ipc_path[0])
        unlink(ipc_path);
    if (state_path[0])
        unlink(state_path);
    unlink(err_export);
    unlink(err_import);
}

/* After cleanup(): anything else of this run's in /dev/shm (its names
 * start with mylbr-PID-) is a leak, named and removed. */
static bool leaked(void)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "mylbr-%d-", (int)getpid());
    if (shm_left(prefix) == 0)
        return false;
    fprintf(stderr, "bridge_e2e %s %s %s: FAIL: shared memory left behind (above)\n", kind,
            transport, fault);
    return true;
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bridge_e2e %s %s %s: FAIL: ", kind, transport, fault);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    cleanup();
    exit(1);
}

/* A TCP port on 127.0.0.1 that is free now: bound to port 0 and read. */
static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(s, (struct sockaddr *)&a, &len) < 0)
        fail("cannot find a free port: %s", strerror(errno));
    close(s);
    return ntohs(a.sin_port);
}

static void create_ring(const char *name, uint64_t fp, bool multi, bool lossy)
{
    myl_ring_opts o = {.size = sizeof o,
                       .backing = backing,
                       .mode = lossy ? MYL_MODE_LOSSY : MYL_MODE_GATED,
                       .producers = multi ? MYL_PRODUCERS_MULTI : MYL_PRODUCERS_SINGLE,
                       .name = name,
                       .fingerprint = fp,
                       .slot_size = slot_size,
                       .capacity = CAPACITY,
                       .flags = MYL_SEG_REPLACE_STALE};
    myl_ring *r;
    int rc = myl_ring_create(&o, &r);
    if (rc < 0)
        fail("create %s: %s", name, myl_strerror(rc));
    myl_ring_close(r);
}

static myl_ring *attach(const char *name)
{
    myl_ring_opts o = {.size = sizeof o, .backing = backing, .name = name};
    myl_ring *r;
    int rc = myl_ring_attach(&o, &r);
    if (rc < 0)
        fail("attach %s: %s", name, myl_strerror(rc));
    return r;
}

/* ---- stamps ---- */

static uint64_t stamp_of(uint64_t i)
{
    return i * UINT64_C(0x9e3779b97f4a7c15) ^ UINT64_C(0x5bd1e995);
}

static size_t msg_len(uint64_t i)
{
    return 16 + (size_t)((i * 37) % 700); /* 1 to 7 frames of 104 bytes */
}

static void fill(uint8_t *buf, size_t len, uint64_t i)
{
    uint64_t s = stamp_of(i);
    memcpy(buf, &i, 8);
    memcpy(buf + 8, &s, 8);
    for (size_t j = 16; j < len; j++)
        buf[j] = (uint8_t)(i + j * 7);
}

static bool check(const uint8_t *buf, size_t len, uint64_t i)
{
    uint64_t id, s;
    memcpy(&id, buf, 8);
    memcpy(&s, buf + 8, 8);
    if (id != i || s != stamp_of(i))
        return false;
    for (size_t j = 16; j < len; j++)
        if (buf[j] != (uint8_t)(i + j * 7))
            return false;
    return true;
}

/* ---- the producer process ---- */

/* MP rings: a second producer that claims a slot and dies before
 * publishing it; consumers (the exporter) mark the slot skipped after the
 * stall time, and the bridge must carry the skip without losing or
 * repeating an event around it. */
static void hole(myl_ring *r)
{
    pid_t pid = fork();
    if (pid == 0) {
        myl_producer *p;
        uint64_t s;
        if (myl_producer_open(r, NULL, &p) == 0)
            while (myl_producer_claim(p, 1, &s, 100000000) == MYL_ETIMEDOUT)
                ;
        _exit(0); /* claimed, never published */
    }
    waitpid(pid, NULL, 0);
}

static void producer(void)
{
    myl_ring *r = attach(ring_a);
    uint8_t *buf = malloc(slot_size > 1024 ? slot_size : 1024);
    if (!buf)
        fail("out of memory");
    if (framed) {
        myl_framer *f;
        int rc = myl_framer_open(r, NULL, NULL, &f);
        if (rc < 0)
            fail("framer: %s", myl_strerror(rc));
        /* Wait for the exporter to register: it must see every message. */
        rc = myl_producer_wait_consumers(myl_framer_producer(f), export_id, 1, 60000000000);
        if (rc < 0)
            fail("producer: no exporter: %s", myl_strerror(rc));
        for (uint64_t i = 0; i < total;) {
            size_t len = msg_len(i);
            fill(buf, len, i);
            rc = myl_frame_send(f, buf, len, 7, 100000000);
            if (rc == 0)
                i++;
            else if (rc != MYL_ETIMEDOUT && rc != MYL_EPEERDEAD && rc != MYL_EAGAIN)
                fail("frame_send: %s", myl_strerror(rc));
            else if (rc == MYL_EPEERDEAD)
                usleep(10000); /* the exporter is being restarted */
        }
        myl_framer_close(f);
    } else {
        myl_producer *p;
        int rc = myl_producer_open(r, NULL, &p);
        if (rc < 0)
            fail("producer: %s", myl_strerror(rc));
        rc = myl_producer_wait_consumers(p, export_id, 1, 60000000000);
        if (rc < 0)
            fail("producer: no exporter: %s", myl_strerror(rc));
        for (uint64_t i = 0; i < total;) {
            if (mp_skip && i % (total / 8) == total / 16)
                hole(r);
            if (lossy_src && i % 32 == 0)
                usleep(200); /* a lossy producer never waits: give the bridge a chance */
            fill(buf, slot_size, i);
            rc = myl_producer_send(p, buf, 100000000);
            if (rc == 0)
                i++;
            else if (rc != MYL_ETIMEDOUT && rc != MYL_EPEERDEAD && rc != MYL_EAGAIN)
                fail("send: %s", myl_strerror(rc));
            else if (rc == MYL_EPEERDEAD)
                usleep(10000);
        }
        myl_producer_close(p);
    }
    free(buf);
    myl_ring_close(r);
    _exit(0);
}

/* options: events published before any consumer registered, stamped
 * beyond the stream's last; an exporter started live must not send them. */
static void publish_stale(void)
{
    myl_ring *r = attach(ring_a);
    myl_producer *p;
    uint8_t *buf = malloc(slot_size);
    int rc = buf ? myl_producer_open(r, NULL, &p) : -ENOMEM;
    if (rc < 0)
        fail("stale producer: %s", myl_strerror(rc));
    for (uint64_t k = 0; k < 3; k++) {
        fill(buf, slot_size, total + 1000 + k);
        rc = myl_producer_send(p, buf, 0);
        if (rc < 0)
            fail("stale event %" PRIu64 ": %s", k, myl_strerror(rc));
    }
    myl_producer_close(p);
    free(buf);
    myl_ring_close(r);
}

/* Whether the exporter's consumer entry is registered on the source ring. */
static bool export_registered(void)
{
    myl_ring *r = attach(ring_a);
    myl_consumer_stats cs;
    bool found = false;
    for (uint32_t i = 0; myl_ring_consumer_stats(r, i, &cs) == 0; i++)
        if (cs.state == MYL_ENTRY_ACTIVE && !strcmp(cs.id, export_id))
            found = true;
    myl_ring_close(r);
    return found;
}

/* ---- the bridge processes ---- */

static pid_t spawn_bridge(bool exporting, const char *extra)
{
    pid_t pid = fork();
    if (pid < 0)
        fail("fork: %s", strerror(errno));
    if (pid == 0) {
        const char *err = exporting ? err_export : err_import;
        int fd = open(err, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 2);
            close(fd);
        }
        const char *argv[40];
        int n = 0;
        if (netns) { /* on its "host" */
            argv[n++] = "ip";
            argv[n++] = "netns";
            argv[n++] = "exec";
            argv[n++] = exporting ? ns_a : ns_b;
        }
        argv[n++] = bridge_path;
        argv[n++] = exporting ? "--export" : "--import";
        argv[n++] = exporting ? ring_a : ring_b;
        argv[n++] = endpoint;
        argv[n++] = "--batch";
        argv[n++] = "32";
        argv[n++] = "--reconnect-ms";
        argv[n++] = "50";
        argv[n++] = "--timeout-ms";
        argv[n++] = held ? "500" : "2000"; /* held: many kills, each waited out */
        if (framed || (extra && !strcmp(extra, "--framed")))
            argv[n++] = "--framed";
        if (opts_case) {
            argv[n++] = "--file";
            argv[n++] = "--hwm";
            argv[n++] = "4";
            argv[n++] = "--attach-ms";
            argv[n++] = "10000";
            if (exporting) {
                argv[n++] = "--connect";
                argv[n++] = "--id";
                argv[n++] = export_id;
                argv[n++] = "--live";
                argv[n++] = "--unregister";
                argv[n++] = "--copy";
            } else {
                argv[n++] = "--bind";
                argv[n++] = "--state";
                argv[n++] = state_path;
            }
        }
        argv[n] = NULL;
        if (netns)
            execvp("ip", (char *const *)argv);
        else
            execv(bridge_path, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static void kill_and_restart(bool exporter)
{
    pid_t *pid = exporter ? &export_pid : &import_pid;
    if (held)
        usleep(300000); /* the importer on a full ring, a backlog queued */
    kill(*pid, SIGKILL);
    waitpid(*pid, NULL, 0);
    *pid = spawn_bridge(exporter, NULL);
}

static int stop_bridge(pid_t *pid)
{
    int st = 0;
    kill(*pid, SIGTERM);
    waitpid(*pid, &st, 0);
    *pid = 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static bool file_has(const char *path, const char *text)
{
    char buf[8192];
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, text) != NULL;
}

static void dump(const char *path)
{
    char buf[8192];
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    fprintf(stderr, "--- %s\n%s", path, buf);
}

static int wait_exit(pid_t *pid, uint64_t deadline)
{
    int st;
    while (now_ns() < deadline) {
        pid_t r = waitpid(*pid, &st, WNOHANG);
        if (r == *pid) {
            *pid = 0;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        usleep(10000);
    }
    return -1;
}

/* A bridge process that exits by itself (a bind that failed, a bad
 * option) ends the run at once, not at the deadline. */
static void check_bridges(void)
{
    pid_t *pids[] = {&export_pid, &import_pid};
    for (int i = 0; i < 2; i++) {
        int st;
        if (*pids[i] > 0 && waitpid(*pids[i], &st, WNOHANG) == *pids[i]) {
            *pids[i] = 0;
            dump(err_export);
            dump(err_import);
            fail("the %s exited by itself (status %d)", i ? "importer" : "exporter",
                 WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        }
    }
}

static void refusal(uint64_t deadline)
{
    bool kind_case = !strcmp(fault, "refuse-kind");
    create_ring(ring_a, 0x1111, false, false);
    create_ring(ring_b, kind_case ? 0x1111 : 0x2222, false, false);
    export_pid = spawn_bridge(true, NULL);
    import_pid = spawn_bridge(false, kind_case ? "--framed" : NULL);
    int ex = wait_exit(&export_pid, deadline), im = wait_exit(&import_pid, deadline);
    const char *why = kind_case ? "kind mismatch" : "fingerprint mismatch";
    if (ex != 2 || im != 2 || !file_has(err_export, why) || !file_has(err_import, why)) {
        dump(err_export);
        dump(err_import);
        fail("refusal: exporter exit %d, importer exit %d (want 2 and 2, both saying \"%s\")", ex,
             im, why);
    }
    cleanup();
    if (leaked())
        exit(1);
    printf("bridge_e2e %s %s %s: ok (both sides refused: %s)\n", kind, transport, fault, why);
    exit(0);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: bridge_e2e BRIDGE raw|framed tcp|ipc FAULT\n");
        return 2;
    }
    bridge_path = argv[1];
    kind = argv[2];
    transport = argv[3];
    fault = argv[4];
    framed = !strcmp(kind, "framed");
    mp_skip = !strcmp(fault, "mp-skip");
    held = !strcmp(fault, "kill-export-held");
    opts_case = !strcmp(fault, "options");
    lossy_src = !strcmp(fault, "lossy");
    const char *sl = getenv("MYL_BRIDGE_SLOT");
    slot_size = sl ? (uint32_t)strtoul(sl, NULL, 10) : framed ? SLOT_FRAMED : SLOT_RAW;
    if (slot_size < (framed ? SLOT_FRAMED : SLOT_RAW))
        fail("MYL_BRIDGE_SLOT=%s: too small", sl);
    const char *ev = getenv("MYL_BRIDGE_EVENTS");
    total = ev ? strtoull(ev, NULL, 10) : (framed ? 20000 : 60000);
    const char *nk = getenv("MYL_BRIDGE_KILLS");
    uint64_t nkills = nk ? strtoull(nk, NULL, 10) : 2;
    const char *dl = getenv("MYL_BRIDGE_DEADLINE_S");
    uint64_t deadline = now_ns() + (dl ? strtoull(dl, NULL, 10) : 150) * 1000000000ull;
    snprintf(ring_a, sizeof ring_a, "mylbr-%d-a", (int)getpid());
    snprintf(ring_b, sizeof ring_b, "mylbr-%d-b", (int)getpid());
    if (opts_case) {
        if (framed || strcmp(transport, "tcp"))
            fail("options: raw over tcp only");
        backing = MYL_BACKING_FILE;
        export_id = "e2e-opt";
        snprintf(ring_a, sizeof ring_a, "/tmp/mylbr-%d-a.ring", (int)getpid());
        snprintf(ring_b, sizeof ring_b, "/tmp/mylbr-%d-b.ring", (int)getpid());
        snprintf(state_path, sizeof state_path, "/tmp/mylbr-%d-import.state", (int)getpid());
    }
    snprintf(err_export, sizeof err_export, "/tmp/mylbr-%d-export.err", (int)getpid());
    snprintf(err_import, sizeof err_import, "/tmp/mylbr-%d-import.err", (int)getpid());
    netns = !strcmp(transport, "netns");
    if (netns) {
        const char *env = getenv("MYL_BRIDGE_NETNS");
        if (!env || sscanf(env, "%63s %63s %63s %63s", ns_a, ns_b, addr_a, iface_a) != 4)
            fail("netns: MYL_BRIDGE_NETNS=\"NS_A NS_B ADDR_A IFACE_A\" is not set "
                 "(tests/bridge/netns.sh sets it)");
        snprintf(endpoint, sizeof endpoint, "tcp://%s:%d", addr_a, 5000 + (int)(getpid() % 20000));
    } else if (!strcmp(transport, "tcp")) {
        snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", free_port());
    } else {
        snprintf(ipc_path, sizeof ipc_path, "/tmp/mylbr-%d.ipc", (int)getpid());
        snprintf(endpoint, sizeof endpoint, "ipc://%s", ipc_path);
    }
    signal(SIGPIPE, SIG_IGN);
    if (!strncmp(fault, "refuse-", 7))
        refusal(deadline);

    create_ring(ring_a, 0xb41d6e, mp_skip, lossy_src);
    create_ring(ring_b, 0xb41d6e, false, false);
    myl_ring *rb = attach(ring_b);
    myl_consumer_opts co = {.size = sizeof co, .start = MYL_START_OLDEST};
    myl_consumer *c = NULL;
    myl_defrag *d = NULL;
    int rc = framed ? myl_defrag_open(rb, "check", &co, NULL, &d)
                    : myl_consumer_open(rb, "check", &co, &c);
    if (rc < 0)
        fail("consumer: %s", myl_strerror(rc));

    if (opts_case)
        publish_stale();
    producer_pid = fork();
    if (producer_pid == 0)
        producer();
    export_pid = spawn_bridge(true, NULL);
    import_pid = spawn_bridge(false, NULL);

    bool kill_export = !strcmp(fault, "kill-export") || mp_skip || held,
         kill_import = !strcmp(fault, "kill-import");
    bool pause = !strcmp(fault, "pause");
    bool linkcut = !strcmp(fault, "linkcut");
    if (linkcut && !netns)
        fail("linkcut needs the netns transport");
    uint64_t link_up_at = 0, first_after_cut = 0, reconnects_before = 0;
    char import_state[320] = "";
    if (linkcut) {
        char shm_b[300];
        myl_shm_name(ring_b, shm_b, sizeof shm_b);
        snprintf(import_state, sizeof import_state, "%s.bridge-import", shm_b);
    }
    uint64_t got = 0, kills = 0, next_id = 0;
    uint8_t *buf = malloc(slot_size);
    if (!buf)
        fail("out of memory");
    while (lossy_src ? next_id < total : got < total) {
        if (now_ns() > deadline) {
            dump(err_export);
            dump(err_import);
            fail("hang: %" PRIu64 " of %" PRIu64 " delivered by the deadline", got, total);
        }
        if (pause && got == total / 2) {
            /* Stop reading for longer than the peer timeout: the importer
             * must wait on its full ring (not drop, not give up the
             * session), ZeroMQ's queues and the socket buffers fill, the
             * exporter stops reading, and the producer waits on its ring. */
            pause = false;
            myl_ring *ra = attach(ring_a);
            myl_ring_stats rs0, rs1;
            myl_ring_stats_get(ra, &rs0);
            sleep(4);
            myl_ring_stats_get(ra, &rs1);
            myl_ring_close(ra);
            if (waitpid(producer_pid, NULL, WNOHANG) != 0)
                fail("pause: the producer finished while nothing was read: not gated");
            printf("pause: producer at %" PRIu64 " -> %" PRIu64 " events while the reader "
                   "stood at %" PRIu64 "\n",
                   rs0.published, rs1.published, got);
        }
        if (linkcut && !link_up_at && got >= total / 3) {
            /* The link between the hosts goes down for longer than the
             * peer timeout (2 s), then up. Raw: we keep reading (what is
             * in the destination ring arrives, then nothing; the
             * importer's session times out during the cut). Framed: we
             * stop reading (the importer waits on its full ring, heard
             * by nobody; the exporter's session times out). */
            char cmd[256];
            myl_bridge_stats before_bs;
            if (myl_bridge_stats_read(MYL_BACKING_SHM, import_state, &before_bs, NULL, NULL) < 0)
                fail("cannot read the importer's state %s", import_state);
            reconnects_before = before_bs.reconnects;
            snprintf(cmd, sizeof cmd, "ip netns exec %s ip link set %s down", ns_a, iface_a);
            if (system(cmd) != 0)
                fail("%s failed", cmd);
            uint64_t until = now_ns() + 4000000000ull;
            while (now_ns() < until) {
                int64_t n = framed ? 0 : myl_consumer_read(c, buf, 1, NULL, 100000000);
                if (framed)
                    usleep(100000);
                if (n == 1) {
                    uint64_t id;
                    memcpy(&id, buf, 8);
                    if (!check(buf, slot_size, got))
                        fail("event %" PRIu64 " during the cut: got stamp %" PRIu64, got, id);
                    got++;
                }
            }
            snprintf(cmd, sizeof cmd, "ip netns exec %s ip link set %s up", ns_a, iface_a);
            if (system(cmd) != 0)
                fail("%s failed", cmd);
            link_up_at = now_ns();
        }
        if (link_up_at && !first_after_cut) {
            /* the importer's new session (its reconnects counter) */
            myl_bridge_stats now_bs;
            if (myl_bridge_stats_read(MYL_BACKING_SHM, import_state, &now_bs, NULL, NULL) == 0 &&
                now_bs.reconnects > reconnects_before)
                first_after_cut = now_ns();
        }
        if (!usr1_sent && got >= total / 2 && (export_pid <= 0 || catches(export_pid, SIGUSR1)) &&
            (import_pid <= 0 || catches(import_pid, SIGUSR1))) {
            /* Mid-stream, "print the counters and go on": the rest must
             * still arrive. (The tool used to stop its bridge on
             * SIGUSR1 for good: nothing more was bridged and the loop
             * spun; this read loop then ran into its deadline.) */
            usr1_sent = true;
            if (export_pid > 0) /* never 0: that would signal our group */
                kill(export_pid, SIGUSR1);
            if (import_pid > 0)
                kill(import_pid, SIGUSR1);
        }
        if ((kill_export || kill_import) && kills < nkills &&
            got >= total * (kills + 1) / (nkills + 1)) {
            kill_and_restart(kill_export);
            kills++;
        }
        if (framed) {
            myl_frame_msg m;
            rc = myl_defrag_recv(d, &m, 100000000);
            if (rc == MYL_ETIMEDOUT || rc == MYL_EPEERDEAD || rc == MYL_EAGAIN) {
                check_bridges();
                continue;
            }
            if (rc < 0)
                fail("recv: %s", myl_strerror(rc));
            uint64_t id = 0;
            if (m.len >= 8)
                memcpy(&id, m.data, 8);
            if (m.len != msg_len(got) || !check(m.data, m.len, got))
                fail("message %" PRIu64 ": got %zu bytes stamped %" PRIu64
                     " (a loss, a duplicate or a corruption)",
                     got, m.len, id);
            got++;
        } else {
            rc = (int)myl_consumer_read(c, buf, 1, NULL, 100000000);
            if (rc == MYL_ETIMEDOUT || rc == MYL_EPEERDEAD || rc == MYL_EAGAIN) {
                check_bridges();
                continue;
            }
            if (rc < 0)
                fail("read: %s", myl_strerror(rc));
            uint64_t id;
            memcpy(&id, buf, 8);
            /* A lossy source may lose events (counted), never repeat or
             * reorder them: the stamps only go up. */
            uint64_t want = lossy_src && id >= next_id && id < total ? id : got;
            if (!check(buf, slot_size, want))
                fail("event %" PRIu64 ": got the one stamped %" PRIu64
                     " (a loss, a duplicate or a corruption)",
                     want, id);
            got++;
            next_id = want + 1;
        }
    }
    /* Everything arrived: nothing more may (a late duplicate). */
    if (framed) {
        myl_frame_msg m;
        myl_defrag_release(d);
        rc = myl_defrag_recv(d, &m, 300000000);
    } else {
        rc = (int)myl_consumer_read(c, buf, 1, NULL, 300000000);
    }
    if (rc >= 0)
        fail("an event beyond the last one arrived (a duplicate)");
    free(buf);
    int st_p, ex, im;
    waitpid(producer_pid, &st_p, 0);
    producer_pid = 0;
    if (!WIFEXITED(st_p) || WEXITSTATUS(st_p) != 0)
        fail("the producer failed");
    /* SIGUSR1 prints the counters without stopping. */
    while (!catches(import_pid, SIGUSR1) && now_ns() < deadline)
        usleep(10000);
    kill(import_pid, SIGUSR1);
    while (!file_has(err_import, "myelon-bridge import: messages=") && now_ns() < deadline)
        usleep(10000);
    if (!file_has(err_import, "myelon-bridge import: messages="))
        fail("SIGUSR1 printed no counters");
    if (waitpid(import_pid, NULL, WNOHANG) != 0)
        fail("the importer exited on SIGUSR1");
    pid_t last_import_pid = import_pid;
    ex = stop_bridge(&export_pid);
    im = stop_bridge(&import_pid);
    if (ex != 0 || im != 0) {
        dump(err_export);
        dump(err_import);
        fail("bridges exited with %d and %d after SIGTERM", ex, im);
    }
    dump(err_export);
    dump(err_import);
    /* A stopped exporter stays registered (the ring keeps what it has not
     * sent) unless told to unregister (--unregister, the options case). */
    if (export_registered() == opts_case)
        fail("after SIGTERM the exporter's consumer %s is %s", export_id,
             opts_case ? "still registered (--unregister)" : "gone");
    /* The counters, as another process reads them from the state object. */
    char shm[300], st_name[320];
    myl_bridge_stats bs;
    bool exporting = true;
    if (opts_case) {
        snprintf(st_name, sizeof st_name, "%s.bridge-import", ring_b);
        if (access(st_name, F_OK) == 0)
            fail("--state %s given, but the importer wrote %s", state_path, st_name);
        snprintf(st_name, sizeof st_name, "%s", state_path);
    } else {
        myl_shm_name(ring_b, shm, sizeof shm);
        snprintf(st_name, sizeof st_name, "%s.bridge-import", shm);
    }
    rc = myl_bridge_stats_read(backing, st_name, &bs, &exporting, NULL);
    if (rc < 0 || exporting)
        fail("reading the importer's state %s: %s", st_name, myl_strerror(rc));
    uint64_t want_bytes = 0;
    for (uint64_t i = 0; i < total; i++)
        want_bytes += framed ? msg_len(i) : slot_size;
    /* Duplicates dropped by the importer are allowed (a replay it had
     * already published); drops are not, on a gated ring. The importer
     * counts a chunk (a quarter of its ring) before publishing it: each
     * SIGKILL of the importer may count one chunk twice (docs/BRIDGE.md). */
    uint64_t slack = kill_import ? kills * (CAPACITY / 4) : 0;
    if (lossy_src) {
        /* What did not arrive was counted as dropped, exactly. */
        if (bs.messages != got || bs.drops != total - got)
            fail("lossy: %" PRIu64 " of %" PRIu64 " arrived, importer counted messages %" PRIu64
                 " drops %" PRIu64,
                 got, total, bs.messages, bs.drops);
        total = got;
        want_bytes = got * slot_size;
        bs.drops = 0;
    }
    if (bs.messages < total || bs.messages > total + slack || bs.bytes < want_bytes ||
        (slack == 0 && bs.bytes != want_bytes) || bs.drops > 0)
        fail("importer counters: messages %" PRIu64 " bytes %" PRIu64 " drops %" PRIu64
             " (want %" PRIu64 " (+%" PRIu64 "), %" PRIu64 ", 0)",
             bs.messages, bs.bytes, bs.drops, total, slack, want_bytes);
    /* myelon-stat (MYL_BRIDGE_STAT: its path) shows the same counters
     * for the destination ring's importer. */
    const char *stat_tool = getenv("MYL_BRIDGE_STAT");
    if (stat_tool && *stat_tool) {
        char out[16384], want[512];
        if (stat_json(stat_tool, ring_b, out, sizeof out) < 0)
            fail("popen %s", stat_tool);
        snprintf(want, sizeof want,
                 "{\"side\":\"import\",\"state\":\"%s\",\"pid\":%d,\"alive\":false,\"kind\":\"%s\"",
                 st_name, (int)last_import_pid, framed ? "framed" : "raw");
        char *at = strstr(out, want);
        snprintf(want, sizeof want, "\"messages\":%" PRIu64 ",\"bytes\":%" PRIu64 ",", bs.messages,
                 bs.bytes);
        if (!at || !strstr(at, want))
            fail("myelon-stat --json does not show the importer's counters (%s):\n%s", want, out);
    }
    if (linkcut) {
        /* The cut outlasted the peer timeout: the importer gave the
         * session up and began a new one (a reconnect), and delivery went
         * on. The time it took is reported, not judged. */
        if (bs.reconnects < 1)
            fail("linkcut: the importer counted no reconnect");
        printf("linkcut: %" PRIu64 " reconnect(s); the importer's new session began %.0f ms after "
               "the link came up\n",
               bs.reconnects,
               first_after_cut ? (double)(first_after_cut - link_up_at) / 1e6 : -1.0);
    }
    if (mp_skip && (!file_has(err_import, " skipped=") || file_has(err_import, " skipped=0 ")))
        fail("mp-skip: the importer counted no skipped slot (the case did not happen)");
    if (framed)
        myl_defrag_close(d);
    else
        myl_consumer_close(c);
    myl_ring_close(rb);
    cleanup();
    if (leaked())
        return 1;
    printf("bridge_e2e %s %s %s: ok (%" PRIu64 " delivered once and in order, %" PRIu64 " kills)\n",
           kind, transport, fault, got, kills);
    return 0;
}
