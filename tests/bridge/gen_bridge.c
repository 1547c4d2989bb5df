/* The generated bridge entry points (myelonc, `bridge` declarations of
 * tests/golden/bridged.myl, compiled with MYL_WITH_BRIDGE): _opts() gives
 * the declared options, and a process running <out>_run() and one running
 * <in>_run() carry a channel between two rings: every message once, in
 * order, checked by a typed reader; both
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
 * Kinds: raw (quotes), framed (blobs), compact (fills: typed _put/_get)
 * and fb (orders: FlatBuffers built in place, verified and read in place
 * at the far end; some span several frames).
 *
 * Under tests/bridge/netns.sh --run (MYL_BRIDGE_NETNS), the exporter runs
 * in one network namespace and the importer in another: two hosts.
 *
 *   gen_bridge raw|framed|compact|fb [TOOL SCHEMA] */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
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
#include "shm_left.h"
#include "stat_json.h"
#include "netns.h"

#define N_RAW 20000u
#define N_FRAMED 3000u

static volatile sig_atomic_t stop_flag;
/* MYL_BRIDGE_NETNS (tests/bridge/netns.sh --run): "NS_A NS_B ADDR_A IFACE";
 * the exporter's side runs in NS_A, the importer's in NS_B. */
static char ns_a[64], ns_b[64], addr_a[64];
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
static pid_t side(run_fn *run, const char *ring, const char *endpoint, const char *ns)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        enter_netns("gen_bridge: ", ns);
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
static pid_t side_tool(char *const argv[], const char *ns)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        enter_netns("gen_bridge: ", ns);
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
    int st = 0;
    pid_t pid = side_tool(argv, "");
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 1)
        fail("myelon-bridge attached a ring of another channel", st);
}

/* myelon-stat RING_B lists the importer under its renamed state object,
 * with every message counted. */
static void check_stat(const char *stat_tool, uint64_t messages)
{
    char out[16384], want[400], st_shm[300];
    if (myl_shm_name(state_b, st_shm, sizeof st_shm) < 0)
        fail("state name", 0);
    if (stat_json(stat_tool, ring_b, out, sizeof out) < 0)
        fail("popen myelon-stat", errno);
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

enum kind { K_RAW, K_FRAMED, K_COMPACT, K_FB };
static const struct {
    const char *name, *channel, *out, *wrong; /* wrong: a channel of another format */
    uint32_t n;
    run_fn *run_out, *run_in;
} kinds[] = {
    {"raw", "quotes", "quotes_out", "blobs", N_RAW, demo_bridged_quotes_out_run,
     demo_bridged_quotes_in_run},
    {"framed", "blobs", "blobs_out", "quotes", N_FRAMED, demo_bridged_blobs_out_run,
     demo_bridged_blobs_in_run},
    {"compact", "fills", "fills_out", "orders", N_RAW, demo_bridged_fills_out_run,
     demo_bridged_fills_in_run},
    {"fb", "orders", "orders_out", "fills", N_FRAMED, demo_bridged_orders_out_run,
     demo_bridged_orders_in_run},
};

static int create(int k, const char *name, myl_ring **r)
{
    switch (k) {
    case K_RAW:
        return demo_bridged_quotes_create(name, r);
    case K_FRAMED:
        return demo_bridged_blobs_create(name, r);
    case K_COMPACT:
        return demo_bridged_fills_create(name, r);
    default:
        return demo_bridged_orders_create(name, r);
    }
}

/* Message i of each kind, as sent and as checked. */
static size_t blob_len(uint32_t i)
{
    return 8 + (i * 37u) % 4000u;
}

static demo_bridged_Fill fill_of(uint64_t i)
{
    demo_bridged_Fill f = {.order = i, .price = -(int64_t)i * 3, .qty = (uint32_t)i * 7u};
    return f;
}

/* An order's note: long enough now and then that the message outgrows
 * its 512-byte frame and travels in several. */
static size_t note_len(uint32_t i)
{
    return (i * 131u) % 1500u;
}

static void build_order(demo_bridged_orders_sender *s, uint32_t i)
{
    static uint8_t arena[8192];
    static char note[1500];
    myl_fb_builder b;
    myl_frame_span sp;
    if (demo_bridged_orders_sender_build_begin(&s[0], &b, arena, sizeof arena, (uint16_t)(i % 5),
                                               &sp, MYL_FOREVER) < 0)
        _exit(3);
    char sym[16];
    int n = snprintf(sym, sizeof sym, "SYM%u", i % 100u);
    demo_bridged_Fill fills[3];
    uint32_t nf = i % 4u;
    for (uint32_t k = 0; k < nf; k++)
        fills[k] = fill_of(i * 4u + k);
    for (size_t k = 0; k < note_len(i); k++)
        note[k] = (char)('a' + (i + k) % 26);
    myl_fb_ref rsym, rfills, rnote, root;
    myl_fb_create_string(&b, sym, (size_t)n, &rsym);
    demo_bridged_Order_create_fills(&b, fills, nf, &rfills);
    myl_fb_create_string(&b, note, note_len(i), &rnote);
    demo_bridged_Order_start(&b);
    demo_bridged_Order_add_id(&b, i);
    demo_bridged_Order_add_symbol(&b, rsym);
    demo_bridged_Order_add_qty(&b, (int32_t)(i % 1000u) - 500);
    demo_bridged_Order_add_fills(&b, rfills);
    demo_bridged_Order_add_note(&b, rnote);
    demo_bridged_Order_end(&b, &root);
    if (demo_bridged_orders_sender_build_commit(&s[0], &b, root, &sp, (uint16_t)(i % 5),
                                                MYL_FOREVER) < 0)
        _exit(3);
}

static bool order_ok(demo_bridged_Order_table t, uint32_t i)
{
    char sym[16];
    int n = snprintf(sym, sizeof sym, "SYM%u", i % 100u);
    myl_fb_str s = demo_bridged_Order_symbol(t), note = demo_bridged_Order_note(t);
    if (demo_bridged_Order_id(t) != i || demo_bridged_Order_qty(t) != (int32_t)(i % 1000u) - 500 ||
        s.len != (uint32_t)n || memcmp(s.ptr, sym, s.len) || note.len != note_len(i) ||
        demo_bridged_Order_fills_len(t) != i % 4u)
        return false;
    for (size_t k = 0; k < note.len; k++)
        if (note.ptr[k] != (char)('a' + (i + k) % 26))
            return false;
    for (uint32_t k = 0; k < i % 4u; k++) {
        const demo_bridged_Fill *f = demo_bridged_Order_fills_at(t, k);
        demo_bridged_Fill w = fill_of(i * 4u + k);
        if (f->order != w.order || f->price != w.price || f->qty != w.qty)
            return false;
    }
    return true;
}

/* The producer, on host A: every message of the kind, in order. */
static void produce(int k, myl_ring *ra)
{
    switch (k) {
    case K_RAW: {
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
        break;
    }
    case K_FRAMED: {
        demo_bridged_blobs_sender s;
        if (demo_bridged_blobs_sender_open(ra, NULL, &s) < 0)
            _exit(2);
        uint8_t msg[4096];
        for (uint32_t i = 0; i < N_FRAMED; i++) {
            size_t len = blob_len(i);
            for (size_t k = 0; k < len; k++)
                msg[k] = (uint8_t)(i + k);
            memcpy(msg, &i, 4);
            if (demo_bridged_blobs_sender_send(&s, msg, len, (uint16_t)(i % 7), MYL_FOREVER) < 0)
                _exit(3);
        }
        break;
    }
    case K_COMPACT: {
        demo_bridged_fills_sender s;
        if (demo_bridged_fills_sender_open(ra, NULL, &s) < 0)
            _exit(2);
        uint8_t buf[256];
        for (uint64_t i = 0; i < N_RAW; i++) {
            demo_bridged_Fill f = fill_of(i);
            if (demo_bridged_fills_sender_put(&s, &f, buf, sizeof buf, (uint16_t)(i % 3),
                                              MYL_FOREVER) < 0)
                _exit(3);
        }
        break;
    }
    default: {
        demo_bridged_orders_sender s;
        if (demo_bridged_orders_sender_open(ra, NULL, &s) < 0)
            _exit(2);
        for (uint32_t i = 0; i < N_FRAMED; i++)
            build_order(&s, i);
        break;
    }
    }
}

typedef struct reader {
    demo_bridged_quotes_consumer qc;
    demo_bridged_blobs_receiver br;
    demo_bridged_fills_receiver fr;
    demo_bridged_orders_receiver orr;
} reader;

static int reader_open(int k, myl_ring *rb, reader *x)
{
    myl_consumer_opts co = {.size = sizeof co, .start = MYL_START_OLDEST};
    switch (k) {
    case K_RAW:
        return demo_bridged_quotes_consumer_open(rb, "check", &co, &x->qc);
    case K_FRAMED:
        return demo_bridged_blobs_receiver_open(rb, "check", &co, &x->br);
    case K_COMPACT:
        return demo_bridged_fills_receiver_open(rb, "check", &co, &x->fr);
    default:
        return demo_bridged_orders_receiver_open(rb, "check", &co, &x->orr);
    }
}

static void reader_close(int k, reader *x)
{
    if (k == K_RAW)
        demo_bridged_quotes_consumer_close(&x->qc);
    else if (k == K_FRAMED)
        demo_bridged_blobs_receiver_close(&x->br);
    else if (k == K_COMPACT)
        demo_bridged_fills_receiver_close(&x->fr);
    else
        demo_bridged_orders_receiver_close(&x->orr);
}

/* Reads what arrived (at most one poll's worth) and checks it against
 * message *got onwards; returns how many it checked. */
static uint64_t read_some(int k, reader *x, uint64_t got)
{
    int rc;
    myl_frame_msg m;
    uint32_t i = (uint32_t)got;
    switch (k) {
    case K_RAW: {
        uint64_t s;
        int64_t n = demo_bridged_quotes_consumer_poll(&x->qc, 64, &s, 100000000);
        if (n == MYL_ETIMEDOUT || n == MYL_EAGAIN)
            return 0;
        if (n < 0)
            fail("poll", (long)n);
        for (int64_t j = 0; j < n; j++) {
            uint64_t e = got + (uint64_t)j;
            const demo_bridged_Quote *q =
                demo_bridged_quotes_consumer_slot(&x->qc, s + (uint64_t)j);
            if (q->seq != e || q->price != -(int64_t)e * 3 || q->qty != (uint32_t)e * 7u ||
                q->venue != e % 11 || q->flags != (uint16_t)(e >> 3))
                fail("event lost, repeated or corrupted at", (long)e);
        }
        demo_bridged_quotes_consumer_release(&x->qc, (uint32_t)n);
        return (uint64_t)n;
    }
    case K_FRAMED: {
        rc = demo_bridged_blobs_receiver_recv(&x->br, &m, 100000000);
        if (rc == MYL_ETIMEDOUT || rc == MYL_EAGAIN)
            return 0;
        if (rc < 0)
            fail("recv", rc);
        uint32_t id;
        size_t len = blob_len(i);
        memcpy(&id, m.data, 4);
        bool ok = m.len == len && id == i && m.kind == i % 7;
        for (size_t j = 4; ok && j < len; j++)
            ok = ((const uint8_t *)m.data)[j] == (uint8_t)(i + j);
        if (!ok)
            fail("message lost, repeated or corrupted at", (long)got);
        demo_bridged_blobs_receiver_release(&x->br);
        return 1;
    }
    case K_COMPACT: {
        demo_bridged_Fill f;
        rc = demo_bridged_fills_receiver_get(&x->fr, &f, NULL, &m, 100000000);
        if (rc == MYL_ETIMEDOUT || rc == MYL_EAGAIN)
            return 0;
        if (rc < 0)
            fail("compact get", rc);
        demo_bridged_Fill w = fill_of(got);
        if (f.order != w.order || f.price != w.price || f.qty != w.qty || m.kind != got % 3)
            fail("compact message lost, repeated or corrupted at", (long)got);
        demo_bridged_fills_receiver_release(&x->fr);
        return 1;
    }
    default: {
        demo_bridged_Order_table t;
        rc = demo_bridged_orders_receiver_read(&x->orr, &m, &t, 100000000);
        if (rc == MYL_ETIMEDOUT || rc == MYL_EAGAIN)
            return 0;
        if (rc < 0)
            fail("FlatBuffers read (verify)", rc);
        if (!order_ok(t, i) || m.kind != i % 5)
            fail("FlatBuffers message lost, repeated or corrupted at", (long)got);
        demo_bridged_orders_receiver_release(&x->orr);
        return 1;
    }
    }
}

int main(int argc, char **argv)
{
    int k = -1;
    for (int j = 0; argc > 1 && j < 4; j++)
        if (!strcmp(argv[1], kinds[j].name))
            k = j;
    if (k < 0) {
        fprintf(stderr, "usage: gen_bridge raw|framed|compact|fb [TOOL SCHEMA]\n");
        return 2;
    }
    const char *tool = argc > 3 ? argv[2] : NULL, *schema = argc > 3 ? argv[3] : NULL;
    check_opts();
    snprintf(ring_a, sizeof ring_a, "mylgb-%d-a", (int)getpid());
    snprintf(ring_b, sizeof ring_b, "mylgb-%d-b", (int)getpid());
    snprintf(state_b, sizeof state_b, "mylgb-%d-renamed-state", (int)getpid());
    char endpoint[96];
    const char *netns = getenv("MYL_BRIDGE_NETNS");
    if (netns && *netns) {
        char iface[64];
        if (sscanf(netns, "%63s %63s %63s %63s", ns_a, ns_b, addr_a, iface) != 4)
            fail("MYL_BRIDGE_NETNS: want NS_A NS_B ADDR_A IFACE", 0);
        /* host A's address, in a namespace of its own: any port is free */
        snprintf(endpoint, sizeof endpoint, "tcp://%s:5599", addr_a);
    } else {
        snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", free_port());
    }
    cleanup();
    myl_ring *ra = NULL, *rb = NULL;
    int rc = create(k, ring_a, &ra);
    if (rc == 0)
        rc = create(k, ring_b, &rb);
    if (rc < 0)
        fail("create", rc);
    /* The reader first, then the bridges (the importer's side attaches a
     * ring that exists; the exporter registers before anything is sent). */
    reader x;
    if ((rc = reader_open(k, rb, &x)) < 0)
        fail("reader", rc);
    pid_t ex, im;
    if (tool) {
        check_refused(tool, schema, kinds[k].wrong, ring_a, endpoint);
        char *const ex_argv[] = {(char *)tool,
                                 (char *)schema,
                                 (char *)kinds[k].out,
                                 "--ring",
                                 ring_a,
                                 "--endpoint",
                                 endpoint,
                                 NULL};
        char *const im_argv[] = {(char *)tool, (char *)schema, (char *)kinds[k].channel,
                                 "--ring",     ring_b,         "--import",
                                 endpoint,     "--state",      state_b,
                                 NULL};
        ex = side_tool(ex_argv, ns_a);
        im = side_tool(im_argv, ns_b);
    } else {
        ex = side(kinds[k].run_out, ring_a, endpoint, ns_a);
        im = side(kinds[k].run_in, ring_b, endpoint, ns_b);
    }
    wait_consumer(ra, "bridge-export");

    pid_t prod = fork();
    if (prod == 0) {
        produce(k, ra);
        _exit(0);
    }

    uint64_t want = kinds[k].n, got = 0;
    time_t deadline = time(NULL) + 180; /* only turns a hang into a failure */
    while (got < want) {
        if (time(NULL) > deadline)
            fail("hang: messages delivered by the deadline", (long)got);
        got += read_some(k, &x, got);
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
    reader_close(k, &x);
    myl_ring_close(ra);
    myl_ring_close(rb);
    cleanup();
    /* Anything else of this run's in /dev/shm is a leak. */
    char prefix[32];
    snprintf(prefix, sizeof prefix, "mylgb-%d-", (int)getpid());
    if (shm_left(prefix) > 0) {
        fprintf(stderr, "gen_bridge %s: FAIL: shared memory left behind (above)\n", kinds[k].name);
        return 1;
    }
    printf("gen_bridge %s: ok (%" PRIu64 " messages once and in order through %s)\n", kinds[k].name,
           got, tool ? "myelon-bridge's schema forms" : "the generated entry points");
    return 0;
}
