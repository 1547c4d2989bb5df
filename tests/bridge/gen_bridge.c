/* The generated bridge entry points (myelonc, `bridge` declarations of
 * tests/golden/bridged.myl, compiled with MYL_WITH_BRIDGE): _opts() gives
 * the declared options, and a process running <out>_run() and one running
 * <in>_run() carry a channel between two rings, raw (quotes) and framed
 * (blobs): every message once, in order, checked by a typed reader; both
 * stop cleanly on SIGTERM (through the stop flag) with status 0.
 *
 * With TOOL and SCHEMA, the same run goes through myelon-bridge's schema
 * forms instead: `TOOL SCHEMA quotes_out --ring A --endpoint E` (the
 * declaration's direction and options) exports, `TOOL SCHEMA quotes --ring
 * B --import E --state S` (a channel; a state object under another name)
 * imports; first, the channel form is refused on a ring of the other
 * channel (its fingerprint). At the end, myelon-stat (MYL_BRIDGE_STAT: its
 * path) must find the importer's renamed state object from ring B.
 *
 *   gen_bridge raw|framed [TOOL SCHEMA] */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bridged.myl.h"

#define N_RAW 20000u
#define N_FRAMED 3000u

static volatile sig_atomic_t stop_flag;
static char ring_a[64], ring_b[64], state_b[80];

static void on_term(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void cleanup(void)
{
    const char *rings[] = {ring_a, ring_b};
    char st_shm[300];
    if (state_b[0] && myl_shm_name(state_b, st_shm, sizeof st_shm) > 0)
        shm_unlink(st_shm);
    for (int i = 0; i < 2; i++) {
        char shm[300], st[320];
        myl_ring_unlink(MYL_BACKING_SHM, rings[i]);
        if (myl_shm_name(rings[i], shm, sizeof shm) > 0) {
            snprintf(st, sizeof st, "%s.bridge-export", shm);
            shm_unlink(st);
            snprintf(st, sizeof st, "%s.bridge-import", shm);
            shm_unlink(st);
        }
    }
}

static void fail(const char *what, long v)
{
    fprintf(stderr, "gen_bridge: FAIL: %s (%ld)\n", what, v);
    cleanup();
    exit(1);
}

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(s, (struct sockaddr *)&a, &len) < 0)
        fail("no free port", errno);
    close(s);
    return ntohs(a.sin_port);
}

typedef int run_fn(const char *name, const char *endpoint, volatile sig_atomic_t *stop, char *err,
                   size_t err_size);

/* A process running one generated entry point until SIGTERM. */
static pid_t side(run_fn *run, const char *ring, const char *endpoint)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGTERM, on_term);
        alarm(240); /* a hang ends as a failure */
        char err[256] = "";
        int rc = run(ring, endpoint, &stop_flag, err, sizeof err);
        if (rc != 0)
            fprintf(stderr, "gen_bridge: run: %d: %s\n", rc, err);
        _exit(rc == 0 ? 0 : 1);
    }
    return pid;
}

/* A myelon-bridge process (the schema forms) until SIGTERM. */
static pid_t side_tool(char *const argv[])
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(240); /* a hang ends as a failure */
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* The channel form on a ring of another channel: refused at attach. */
static void check_refused(const char *tool, const char *schema, const char *channel,
                          const char *ring, const char *endpoint)
{
    char *const argv[] = {(char *)tool, (char *)schema, (char *)channel,  "--ring",
                          (char *)ring, "--export",     (char *)endpoint, "--attach-ms",
                          "200",        "--run-for-ms", "2000",           NULL};
    int st;
    pid_t pid = side_tool(argv);
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 1)
        fail("myelon-bridge attached a ring of another channel", st);
}

/* myelon-stat RING_B lists the importer under its renamed state object,
 * with every message counted. */
static void check_stat(const char *stat_tool, uint64_t messages)
{
    char cmd[512], out[16384], want[400], st_shm[300];
    if (myl_shm_name(state_b, st_shm, sizeof st_shm) < 0)
        fail("state name", 0);
    snprintf(cmd, sizeof cmd, "%s --json %s", stat_tool, ring_b);
    FILE *p = popen(cmd, "r");
    if (!p)
        fail("popen myelon-stat", errno);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    pclose(p);
    snprintf(want, sizeof want, "{\"side\":\"import\",\"state\":\"%s\"", st_shm);
    const char *at = strstr(out, want);
    snprintf(want, sizeof want, "\"messages\":%" PRIu64 ",", messages);
    if (!at || !strstr(at, want)) {
        fprintf(stderr, "%s\n", out);
        fail("myelon-stat does not show the importer's renamed state object", 0);
    }
}

/* Wait until the ring has an active consumer with this id. */
static void wait_consumer(myl_ring *r, const char *id)
{
    for (int t = 0; t < 30000; t++) {
        for (uint32_t i = 0; i < r->max_consumers; i++) {
            myl_consumer_stats cs;
            if (myl_ring_consumer_stats(r, i, &cs) == 0 && cs.state == MYL_ENTRY_ACTIVE &&
                !strcmp(cs.id, id))
                return;
        }
        usleep(1000);
    }
    fail("the exporter never registered", 0);
}

static void check_opts(void)
{
    myl_bridge_opts o;
    demo_bridged_quotes_out_opts(&o);
    if (o.size != sizeof o || o.kind != MYL_BRIDGE_RAW ||
        strcmp(o.endpoint, "tcp://0.0.0.0:5555") || o.hwm != 8 || o.batch != 64 ||
        o.reconnect_ns != 50000000 || o.peer_timeout_ns != 2000000000)
        fail("quotes_out_opts are not the declared options", 0);
    demo_bridged_quotes_in_opts(&o);
    if (o.kind != MYL_BRIDGE_RAW || strcmp(o.endpoint, "tcp://127.0.0.1:5555") || o.hwm ||
        o.batch || o.reconnect_ns || o.peer_timeout_ns)
        fail("quotes_in_opts are not the declared ones (defaults)", 0);
    demo_bridged_blobs_out_opts(&o);
    if (o.kind != MYL_BRIDGE_FRAMED || strcmp(o.endpoint, "ipc:///tmp/myelon-blobs"))
        fail("blobs_out_opts: not framed", 0);
}

int main(int argc, char **argv)
{
    bool framed = argc > 1 && !strcmp(argv[1], "framed");
    const char *tool = argc > 3 ? argv[2] : NULL, *schema = argc > 3 ? argv[3] : NULL;
    check_opts();
    snprintf(ring_a, sizeof ring_a, "mylgb-%d-a", (int)getpid());
    snprintf(ring_b, sizeof ring_b, "mylgb-%d-b", (int)getpid());
    snprintf(state_b, sizeof state_b, "mylgb-%d-renamed-state", (int)getpid());
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", free_port());
    cleanup();
    myl_ring *ra, *rb;
    int rc =
        framed ? demo_bridged_blobs_create(ring_a, &ra) : demo_bridged_quotes_create(ring_a, &ra);
    if (rc == 0)
        rc = framed ? demo_bridged_blobs_create(ring_b, &rb)
                    : demo_bridged_quotes_create(ring_b, &rb);
    if (rc < 0)
        fail("create", rc);
    /* The reader first, then the bridges (the importer's side attaches a
     * ring that exists; the exporter registers before anything is sent). */
    myl_consumer_opts co = {.size = sizeof co, .start = MYL_START_OLDEST};
    demo_bridged_quotes_consumer qc;
    demo_bridged_blobs_receiver br;
    rc = framed ? demo_bridged_blobs_receiver_open(rb, "check", &co, &br)
                : demo_bridged_quotes_consumer_open(rb, "check", &co, &qc);
    if (rc < 0)
        fail("reader", rc);
    pid_t ex, im;
    if (tool) {
        check_refused(tool, schema, framed ? "quotes" : "blobs", ring_a, endpoint);
        char *const ex_argv[] = {(char *)tool,
                                 (char *)schema,
                                 framed ? "blobs_out" : "quotes_out",
                                 "--ring",
                                 ring_a,
                                 "--endpoint",
                                 endpoint,
                                 NULL};
        char *const im_argv[] = {(char *)tool, (char *)schema, framed ? "blobs" : "quotes",
                                 "--ring",     ring_b,         "--import",
                                 endpoint,     "--state",      state_b,
                                 NULL};
        ex = side_tool(ex_argv);
        im = side_tool(im_argv);
    } else {
        ex = side(framed ? demo_bridged_blobs_out_run : demo_bridged_quotes_out_run, ring_a,
                  endpoint);
        im =
            side(framed ? demo_bridged_blobs_in_run : demo_bridged_quotes_in_run, ring_b, endpoint);
    }
    wait_consumer(ra, "bridge-export");

    pid_t prod = fork();
    if (prod == 0) { /* the producer, on host A */
        if (framed) {
            demo_bridged_blobs_sender s;
            if (demo_bridged_blobs_sender_open(ra, NULL, &s) < 0)
                _exit(2);
            uint8_t msg[4096];
            for (uint32_t i = 0; i < N_FRAMED; i++) {
                size_t len = 8 + (i * 37u) % 4000u;
                for (size_t k = 0; k < len; k++)
                    msg[k] = (uint8_t)(i + k);
                memcpy(msg, &i, 4);
                if (demo_bridged_blobs_sender_send(&s, msg, len, (uint16_t)(i % 7), MYL_FOREVER) <
                    0)
                    _exit(3);
            }
        } else {
            demo_bridged_quotes_producer p;
            if (demo_bridged_quotes_producer_open(ra, NULL, &p) < 0)
                _exit(2);
            for (uint64_t i = 0; i < N_RAW; i++) {
                demo_bridged_Quote q = {.seq = i,
                                        .price = -(int64_t)i * 3,
                                        .qty = (uint32_t)i * 7u,
                                        .venue = (uint16_t)(i % 11),
                                        .flags = (uint16_t)(i >> 3)};
                if (demo_bridged_quotes_producer_send(&p, &q, MYL_FOREVER) < 0)
                    _exit(3);
            }
        }
        _exit(0);
    }

    uint64_t want = framed ? N_FRAMED : N_RAW, got = 0;
    time_t deadline = time(NULL) + 180; /* only turns a hang into a failure */
    while (got < want) {
        if (time(NULL) > deadline)
            fail("hang: messages delivered by the deadline", (long)got);
        if (framed) {
            myl_frame_msg m;
            rc = demo_bridged_blobs_receiver_recv(&br, &m, 100000000);
            if (rc == MYL_ETIMEDOUT || rc == MYL_EAGAIN)
                continue;
            if (rc < 0)
                fail("recv", rc);
            uint32_t i = (uint32_t)got, id;
            size_t len = 8 + (i * 37u) % 4000u;
            memcpy(&id, m.data, 4);
            bool ok = m.len == len && id == i && m.kind == i % 7;
            for (size_t k = 4; ok && k < len; k++)
                ok = ((const uint8_t *)m.data)[k] == (uint8_t)(i + k);
            if (!ok)
                fail("message lost, repeated or corrupted at", (long)got);
            demo_bridged_blobs_receiver_release(&br);
            got++;
        } else {
            uint64_t s;
            int64_t n = demo_bridged_quotes_consumer_poll(&qc, 64, &s, 100000000);
            if (n == MYL_ETIMEDOUT || n == MYL_EAGAIN)
                continue;
            if (n < 0)
                fail("poll", (long)n);
            for (int64_t k = 0; k < n; k++, got++) {
                const demo_bridged_Quote *q =
                    demo_bridged_quotes_consumer_slot(&qc, s + (uint64_t)k);
                if (q->seq != got || q->price != -(int64_t)got * 3 ||
                    q->qty != (uint32_t)got * 7u || q->venue != got % 11 ||
                    q->flags != (uint16_t)(got >> 3))
                    fail("event lost, repeated or corrupted at", (long)got);
            }
            demo_bridged_quotes_consumer_release(&qc, (uint32_t)n);
        }
    }
    int st;
    waitpid(prod, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fail("the producer failed", st);
    pid_t sides[2] = {ex, im};
    for (int i = 0; i < 2; i++) {
        kill(sides[i], SIGTERM);
        waitpid(sides[i], &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            fail(tool ? "myelon-bridge did not stop cleanly on SIGTERM"
                      : "a generated _run() did not stop cleanly on its stop flag",
                 st);
    }
    const char *stat_tool = getenv("MYL_BRIDGE_STAT");
    if (tool && stat_tool && *stat_tool)
        check_stat(stat_tool, got);
    if (framed)
        demo_bridged_blobs_receiver_close(&br);
    else
        demo_bridged_quotes_consumer_close(&qc);
    myl_ring_close(ra);
    myl_ring_close(rb);
    cleanup();
    printf("gen_bridge %s: ok (%" PRIu64 " messages once and in order through %s)\n",
           framed ? "framed" : "raw", got,
           tool ? "myelon-bridge's schema forms" : "the generated entry points");
    return 0;
}
