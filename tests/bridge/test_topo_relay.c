/* A topology across two "hosts" on one machine (docs/BRIDGE.md,
 * "Topologies across hosts"): the home site under one prefix, the remote
 * site under another, joined by two relays (myl_topo_relay, one per site)
 * over TCP on the loopback. The boss (this process, the owner) and the
 * hands (child processes, on the remote site) use the GENERATED endpoints
 * of tests/bridge/farm.myl, the same calls as on one host.
 *
 *   test_topo_relay [PORT]      (default: from the pid; $MYL_TEST_PORT)
 *
 * With $MYL_TOPO_RELAY_TOOL (myelon-bridge) and $MYL_TOPO_RELAY_SCHEMA
 * (farm.myl) the relays are the tool's topology form instead of
 * myl_topo_relay calls in forked children; with $MYL_TOPO_RELAY_DECLARED
 * too, the tool runs farm.myl's declaration farm_hands. Without them,
 * $MYL_TOPO_RELAY_CHECK_MS sets the relays' check interval.
 *
 * Checked end to end: every job is answered, each once (bar re-dispatched
 * ones, which may be answered twice: the duplicate is counted, never a
 * second first answer), by the hand it reached (ep->from), with its stamp,
 * and in order per hand while nothing fails. Faults:
 *   1. a hand stopped with jobs queued, then killed with SIGKILL: the boss
 *      sees it DEAD and re-dispatches its unanswered jobs to the other;
 *   2. the hand restarted: the boss sees it JOINED, and it answers again;
 *   3. the remote relay killed with SIGKILL and restarted: the boss sees
 *      the hands DEAD (the link silent), then JOINED again once the hands
 *      have reopened into the new remote site; jobs flow again;
 *   4. the home relay killed with SIGKILL, silent for longer than the peer
 *      timeout, and restarted: the boss sees the hands DEAD (their
 *      stand-ins' process died), then JOINED again; meanwhile the hands
 *      saw their owner (the remote relay, for home) dead and reopened;
 *   5. under netns.sh only: the link cut for longer than the peer timeout
 *      (DEAD at home), then restored (JOINED again, with no LEFT from the
 *      stale STATEs the link delivers; both hands answer again);
 *   6. with $MYL_TOPO_RELAY_STALL: a hand stopped past the progress
 *      timeout: STALLED at home and its jobs re-dispatched, not RESUMED
 *      while stopped; continued: RESUMED, and it answers.
 * Exit 0 on success; 1 with a message on failure. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "farm.myl.h"
#include "myelon/topo_relay.h"
#include "netns.h"
#include "relay_test.h"

#define MAXJOBS 8000u

static char endpoint[128];      /* the remote relay binds it */
static char home_endpoint[128]; /* the home relay connects to it */
/* Under tests/bridge/netns.sh --run ($MYL_BRIDGE_NETNS: "NS_A NS_B ADDR_A
 * IFACE_A"): the remote relay in NS_A bound to ADDR_A, the home relay in
 * NS_B; the boss and the hands stay here (shared memory is not
 * network-namespaced). */
static char ns_a[64], ns_b[64], addr_a[64], iface_a[64];

/* MYL_TOPO_RELAY_DECLARED: each relay's stderr (home, remote), appended
 * across restarts. */
static char relay_log[2][64];

/* ---- children ---- */

static int relay_main(uint32_t side)
{
    enter_netns("", side == MYL_RELAY_HOME ? ns_b : ns_a);
    const char *ep = side == MYL_RELAY_HOME ? home_endpoint : endpoint;
    const char *tool = getenv("MYL_TOPO_RELAY_TOOL"), *schema = getenv("MYL_TOPO_RELAY_SCHEMA");
    if (tool && schema && getenv("MYL_TOPO_RELAY_DECLARED")) {
        /* The declaration farm_hands: its role, and its timeout (1 s; 3 s
         * by default, which the relay's log must not say); the test's
         * endpoint. The log goes to relay_log, read at the end. */
        int fd =
            open(relay_log[side == MYL_RELAY_HOME ? 0 : 1], O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 2);
            close(fd);
        }
        execl(tool, tool, schema, "farm_hands", side == MYL_RELAY_HOME ? "--home" : "--remote", ep,
              "--instance", instance, "--prefix", side == MYL_RELAY_HOME ? "h-" : "r-",
              (char *)NULL);
        perror("exec");
        return 127;
    }
    if (tool && schema) { /* the tool's topology form, from the schema */
        execl(tool, tool, schema, "Farm", "--role", "hands",
              side == MYL_RELAY_HOME ? "--home" : "--remote", ep, "--instance", instance,
              "--prefix", side == MYL_RELAY_HOME ? "h-" : "r-", "--timeout-ms", "1000",
              (char *)NULL);
        perror("exec");
        return 127;
    }
    myl_topo_cfg c;
    cfg_for(&c, side == MYL_RELAY_HOME ? "h-" : "r-");
    /* $MYL_TOPO_RELAY_CHECK_MS: the relays' check interval, above the peer
     * timeout (their control messages must still go out often enough to
     * keep the link alive). */
    const char *check_ms = getenv("MYL_TOPO_RELAY_CHECK_MS");
    if (check_ms)
        c.liveness.check_interval_ns = strtoll(check_ms, NULL, 10) * 1000000;
    myl_topo_relay_opts o = {.size = sizeof o,
                             .side = side,
                             .role = farm_Farm_ROLE_hands,
                             .endpoint = ep,
                             .cfg = &c,
                             .peer_timeout_ns = 1000000000};
    return relay_serve(&farm_Farm_desc, &o);
}

/* The relay logs, copied to stderr and removed: 0 when both say that the
 * declared peer timeout of 1 s is in force, else -1. */
static int check_relay_logs(void)
{
    int rc = 0;
    for (int i = 0; i < 2; i++) {
        char buf[16384];
        FILE *f = fopen(relay_log[i], "r");
        size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f)
            fclose(f);
        buf[n] = 0;
        fprintf(stderr, "--- %s relay's log\n%s", i ? "remote" : "home", buf);
        unlink(relay_log[i]);
        if (!strstr(buf, "peer timeout 1000 ms")) {
            fprintf(stderr,
                    "FAILED: the %s relay's log does not say \"peer timeout 1000 ms\" "
                    "(farm_hands declares timeout 1000)\n",
                    i ? "remote" : "home");
            rc = -1;
        }
    }
    return rc;
}

static uint32_t opens;        /* a hand's successful opens */
static uint32_t owner_deaths; /* DEAD events of its owner it saw */
/* The same per hand index, counted across the hand's restarts and shared
 * with the test's process (mapped before the hands are spawned): phase 5
 * waits on it while home is down. */
static _Atomic uint32_t *shared_deaths;

static void hand_event(const myl_topo_event *ev, farm_Farm_hands *ep, void *user)
{
    (void)user;
    if (ev->role != farm_Farm_ROLE_boss || ev->kind != MYL_TOPO_EV_DEAD)
        return;
    owner_deaths++;
    /* Relaxed: the test's process polls until it sees the count grow. */
    atomic_fetch_add_explicit(&shared_deaths[ep->index], 1, memory_order_relaxed);
}

static int hand_job(const farm_Job *msg, farm_Farm_hands *ep, void *user)
{
    (void)user;
    farm_Done d = {.id = msg->id,
                   .hand = ep->index,
                   .pid = (int32_t)getpid(),
                   .n = msg->n,
                   .opens = opens,
                   .owner_deaths = owner_deaths};
    int rc;
    while ((rc = farm_Farm_hands_send_done(ep, &d, 100000000)) == MYL_ETIMEDOUT && !stopping)
        ;
    return rc;
}

/* A hand: opens, answers, and reopens after any error (the remote site's
 * owner, the relay, died or left) until SIGTERM. */
static int hand_main(uint32_t index)
{
    child_signals();
    myl_topo_cfg c;
    cfg_for(&c, "r-");
    farm_Farm_hands_handlers h = {.on_jobs = hand_job, .on_event = hand_event};
    while (!stopping) {
        farm_Farm_hands ep;
        int rc = farm_Farm_hands_open(&c, index, &ep);
        if (rc < 0) {
            nap_ms(20);
            continue;
        }
        opens++;
        while (!stopping && (rc = farm_Farm_hands_poll(&ep, &h, NULL, 50000000)) >= 0)
            ;
        farm_Farm_hands_close(&ep);
    }
    return 0;
}

/* ---- the boss ---- */

struct boss {
    farm_Farm_boss ep;
    uint8_t answers[MAXJOBS + 1];
    uint64_t last[4];   /* per hand: the last id answered */
    uint32_t opens[4];  /* per hand: its opens, as its last answer says */
    uint32_t deaths[4]; /* per hand: its owner's deaths it saw, likewise */
    uint64_t sent, answered, dups, redispatched;
    bool order; /* check the order per hand */
    bool pending[4];
    uint32_t dead[4], joined[4], left[4], stalled[4], resumed[4];
    char err[256];
};

static int fail(struct boss *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->err, sizeof b->err, fmt, ap);
    va_end(ap);
    return -1;
}

static int on_done(const farm_Done *m, farm_Farm_boss *ep, void *user)
{
    struct boss *b = user;
    if (m->id == 0 || m->id > b->sent || m->hand >= 4)
        return fail(b, "answer with id %llu (sent %llu), hand %u", (unsigned long long)m->id,
                    (unsigned long long)b->sent, m->hand);
    if (m->n != stamp(m->id))
        return fail(b, "answer %llu: stamp %llx, not %llx", (unsigned long long)m->id,
                    (unsigned long long)m->n, (unsigned long long)stamp(m->id));
    if (ep->from != m->hand)
        return fail(b, "answer %llu from ring %u says hand %u", (unsigned long long)m->id, ep->from,
                    m->hand);
    if (b->answers[m->id]) {
        b->dups++;
        return 0;
    }
    if (b->order && m->id <= b->last[m->hand])
        return fail(b, "hand %u answered %llu after %llu", m->hand, (unsigned long long)m->id,
                    (unsigned long long)b->last[m->hand]);
    b->last[m->hand] = m->id;
    b->opens[m->hand] = m->opens;
    b->deaths[m->hand] = m->owner_deaths;
    b->answers[m->id] = 1;
    b->answered++;
    return 0;
}

static void on_event(const myl_topo_event *ev, farm_Farm_boss *ep, void *user)
{
    (void)ep;
    struct boss *b = user;
    if (ev->role != farm_Farm_ROLE_hands || ev->index >= 4)
        return;
    fprintf(stderr, "boss: event %u for hands.%u\n", ev->kind, ev->index);
    if (ev->kind == MYL_TOPO_EV_DEAD || ev->kind == MYL_TOPO_EV_STALLED ||
        ev->kind == MYL_TOPO_EV_LEFT) {
        b->dead[ev->index] += ev->kind == MYL_TOPO_EV_DEAD;
        b->left[ev->index] += ev->kind == MYL_TOPO_EV_LEFT;
        b->stalled[ev->index] += ev->kind == MYL_TOPO_EV_STALLED;
        b->pending[ev->index] = true;
    } else if (ev->kind == MYL_TOPO_EV_JOINED) {
        b->joined[ev->index]++;
    } else if (ev->kind == MYL_TOPO_EV_RESUMED) {
        b->resumed[ev->index]++;
    }
}

static const farm_Farm_boss_handlers handlers = {.on_done = on_done, .on_event = on_event};

static int pump(struct boss *b, int64_t timeout_ns)
{
    int rc = farm_Farm_boss_poll(&b->ep, &handlers, b, timeout_ns);
    if (rc < 0 && rc != MYL_EPEERDEAD)
        return b->err[0] ? -1 : fail(b, "boss poll: %s", myl_strerror(rc));
    if (b->err[0])
        return -1;
    for (uint32_t i = 0; i < 4; i++)
        if (b->pending[i]) {
            int n = farm_Farm_boss_redispatch(&b->ep, farm_Farm_ROLE_hands, i);
            if (n >= 0) {
                b->redispatched += (uint64_t)n;
                b->pending[i] = myl_topo_outstanding(b->ep.topo, farm_Farm_ROLE_hands, i) != 0;
            }
        }
    return 0;
}

/* Send n more jobs (retrying while no hand is up), then wait for every
 * answer. */
static int run_jobs(struct boss *b, uint32_t n, bool wait_all)
{
    uint64_t deadline = now_ns() + UINT64_C(60000000000);
    uint64_t until = b->sent + n;
    if (until > MAXJOBS)
        return fail(b, "too many jobs (%llu sent, %llu answered)", (unsigned long long)b->sent,
                    (unsigned long long)b->answered);
    while (b->sent < until) {
        farm_Job j = {.id = b->sent + 1, .n = stamp(b->sent + 1)};
        int rc = farm_Farm_boss_send_jobs(&b->ep, &j, 100000000);
        if (rc == 0)
            b->sent++;
        else if (rc != MYL_EPEERDEAD && rc != MYL_ETIMEDOUT && rc != MYL_EFULL)
            return fail(b, "send job %llu: %s", (unsigned long long)j.id, myl_strerror(rc));
        if (pump(b, 0) < 0)
            return -1;
        if (now_ns() > deadline)
            return fail(b, "sending timed out at job %llu", (unsigned long long)b->sent);
    }
    while (wait_all && b->answered < b->sent) {
        if (pump(b, 10000000) < 0)
            return -1;
        if (now_ns() > deadline)
            return fail(b, "%llu of %llu jobs answered", (unsigned long long)b->answered,
                        (unsigned long long)b->sent);
    }
    return 0;
}

static int wait_for(struct boss *b, uint32_t *counter, uint32_t want, const char *what)
{
    uint64_t deadline = now_ns() + UINT64_C(30000000000);
    while (*counter < want) {
        if (pump(b, 10000000) < 0)
            return -1;
        if (now_ns() > deadline)
            return fail(b, "no %s within 30 s", what);
    }
    return 0;
}

/* Until both hands have seen their owner DEAD more than d0 and d1 times
 * (shared_deaths), the boss pumping meanwhile. */
static int wait_owner_deaths(struct boss *b, uint32_t d0, uint32_t d1)
{
    uint64_t deadline = now_ns() + UINT64_C(30000000000);
    /* Relaxed: hand_event's stores; polled until they grow. */
    while (atomic_load_explicit(&shared_deaths[0], memory_order_relaxed) <= d0 ||
           atomic_load_explicit(&shared_deaths[1], memory_order_relaxed) <= d1) {
        if (pump(b, 10000000) < 0)
            return -1;
        if (now_ns() > deadline)
            return fail(b, "the hands did not see their owner DEAD within 30 s of home's death");
    }
    return 0;
}

/* Until something more than `from` jobs has been re-dispatched. */
static int wait_for_redispatch(struct boss *b, uint64_t from)
{
    uint64_t deadline = now_ns() + UINT64_C(30000000000);
    while (b->redispatched <= from) {
        if (pump(b, 10000000) < 0)
            return -1;
        if (now_ns() > deadline)
            return fail(b, "nothing re-dispatched within 30 s");
    }
    return 0;
}

/* Until both relays say `up` hands are up (myl_topo_relay_up: stand-ins
 * ready at home, members up at the remote site) and relay 4 rings each
 * (myl_topo_relay_rings: two routes, a ring per hand on each). Relays run
 * by the tool (MYL_TOPO_RELAY_TOOL) say nothing: not checked. */
static int wait_views(struct boss *b, uint32_t up, const char *when)
{
    if (getenv("MYL_TOPO_RELAY_TOOL") && getenv("MYL_TOPO_RELAY_SCHEMA"))
        return 0;
    uint64_t deadline = now_ns() + UINT64_C(30000000000);
    for (;;) {
        uint32_t v[4];
        for (uint32_t side = MYL_RELAY_HOME, i = 0; side <= MYL_RELAY_REMOTE; side++) {
            /* Relaxed: relay_serve's stores; polled until they match. */
            v[i++] = atomic_load_explicit(&relay_views[side].rings, memory_order_relaxed);
            v[i++] = atomic_load_explicit(&relay_views[side].up, memory_order_relaxed);
        }
        if (v[0] == 4 && v[1] == up && v[2] == 4 && v[3] == up)
            return 0;
        if (pump(b, 10000000) < 0)
            return -1;
        if (now_ns() > deadline)
            return fail(b,
                        "%s: the relays say %u rings, %u up (home) and %u rings, %u up "
                        "(remote), not 4 rings and %u up within 30 s",
                        when, v[0], v[1], v[2], v[3], up);
    }
}

/* Jobs until each hand has answered one sent from now on: both are
 * back, whatever stale states the link delivered once restored. */
static int both_answer(struct boss *b)
{
    uint64_t mark = b->sent, deadline = now_ns() + UINT64_C(30000000000);
    while (b->last[0] <= mark || b->last[1] <= mark) {
        /* Two every 10 ms or so (no more than 8 unanswered: some may sit
         * with a hand that is not back): a hand's return takes time, not
         * jobs. */
        if ((b->sent - b->answered < 8 && run_jobs(b, 2, false) < 0) || pump(b, 0) < 0)
            return -1;
        nap_ms(10);
        if (now_ns() > deadline)
            return fail(b,
                        "not both hands answering within 30 s (last answers %llu, %llu; mark %llu)",
                        (unsigned long long)b->last[0], (unsigned long long)b->last[1],
                        (unsigned long long)mark);
    }
    return run_jobs(b, 0, true);
}

/* test_topo_relay --refuse: options out of bounds are refused at open;
 * a home relay of another topology (the same but for its fingerprint) is
 * refused by name on both sides: each run returns MYL_EFINGERPRINT and
 * says "fingerprint mismatch". */
static int refuse_main(void)
{
    myl_topo_desc other = farm_Farm_desc;
    other.fingerprint ^= 1;
    myl_topo_cfg c;
    cfg_for(&c, "h-");
    myl_topo_relay_opts o = {.size = sizeof o,
                             .side = MYL_RELAY_REMOTE,
                             .role = farm_Farm_ROLE_hands,
                             .endpoint = endpoint,
                             .cfg = &c};
    myl_topo_relay *remote, *home;
    /* Options out of bounds are refused at open: times below 0 or above
     * ZeroMQ's int milliseconds, a negative check interval; names that
     * would be cut short (another instance's, another site's). */
    myl_topo_relay_opts bad[6] = {o, o, o, o, o, o};
    int want[6] = {MYL_EINVAL, MYL_EINVAL, MYL_EINVAL, MYL_ENAME, MYL_ENAME, MYL_ENAME};
    bad[0].peer_timeout_ns = -1;
    bad[1].reconnect_ns = (int64_t)INT32_MAX * 1000000 + 1;
    myl_topo_cfg badc[3] = {c, c, c};
    badc[0].liveness.check_interval_ns = -1;
    bad[2].cfg = &badc[0];
    char longname[600];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    longname[MYL_TOPO_NAME_MAX] = 0; /* one byte too many, with the NUL */
    badc[1].instance = longname;
    bad[3].cfg = &badc[1];
    badc[2].prefix = longname;
    bad[4].cfg = &badc[2];
    char longep[600];
    snprintf(longep, sizeof longep, "ipc:///tmp/%0580d", 0);
    bad[5].endpoint = longep;
    remote = (myl_topo_relay *)&remote; /* NULL after every failure */
    if (myl_topo_relay_open(NULL, &o, &remote) != MYL_EINVAL || remote ||
        myl_topo_relay_open(&farm_Farm_desc, &o, NULL) != MYL_EINVAL) {
        fprintf(stderr, "FAILED: NULL arguments not refused\n");
        return 1;
    }
    for (int i = 0; i < 6; i++) {
        remote = (myl_topo_relay *)&remote;
        if (myl_topo_relay_open(&farm_Farm_desc, &bad[i], &remote) != want[i] || remote) {
            fprintf(stderr, "FAILED: bad options %d not refused\n", i);
            return 1;
        }
    }
    if (myl_topo_relay_open(&farm_Farm_desc, &o, &remote) < 0)
        return 1;
    o.side = MYL_RELAY_HOME;
    if (myl_topo_relay_open(&other, &o, &home) < 0)
        return 1;
    /* The home relay speaks once it has the counts: an instance of its
     * (other) topology. */
    farm_Farm_boss ep;
    int rc = myl_topo_open(&other, &c, 0, 0, &ep.topo);
    int rh = 0, rr = 0;
    uint64_t deadline = now_ns() + UINT64_C(10000000000);
    while (rc == 0 && (rh == 0 || rr == 0) && now_ns() < deadline) {
        /* Each side refuses: the remote one on the home one's STATUS, the
         * home one on the remote one's REFUSE. */
        if (rh == 0)
            rh = myl_topo_relay_run(home, 20000000);
        if (rr == 0)
            rr = myl_topo_relay_run(remote, 20000000);
    }
    fprintf(stderr, "home: %s (%s)\nremote: %s (%s)\n", myl_strerror(rh),
            myl_topo_relay_error(home), myl_strerror(rr), myl_topo_relay_error(remote));
    bool ok = rc == 0 && rr == MYL_EFINGERPRINT && rh == MYL_EFINGERPRINT &&
              strstr(myl_topo_relay_error(remote), "fingerprint mismatch") != NULL &&
              strstr(myl_topo_relay_error(home), "fingerprint mismatch") != NULL;
    myl_topo_relay_close(home);
    myl_topo_relay_close(remote);
    if (rc == 0)
        myl_topo_close(ep.topo);
    fprintf(stderr, "%s\n", ok ? "ok: refused" : "FAILED: not refused as expected");
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    setvbuf(stderr, NULL, _IONBF, 0);
    bool refuse = argc > 1 && !strcmp(argv[1], "--refuse");
    if (refuse) {
        argc--;
        argv++;
    }
    const char *p = argc > 1 ? argv[1] : getenv("MYL_TEST_PORT");
    const char *netns = getenv("MYL_BRIDGE_NETNS");
    /* (The endpoint's address exists only in the test's own network
     * namespaces, where nothing else takes ports: no check is needed.) */
    unsigned port = p       ? (unsigned)atoi(p)
                    : netns ? 20000u + (unsigned)getpid() % 780u * 16u
                            : free_block(97u);
    snprintf(instance, sizeof instance, "trl%d", (int)getpid());
    if (getenv("MYL_TOPO_RELAY_DECLARED"))
        for (int i = 0; i < 2; i++)
            snprintf(relay_log[i], sizeof relay_log[i], "/tmp/trl%d-%s.log", (int)getpid(),
                     i ? "remote" : "home");
    if (netns && sscanf(netns, "%63s %63s %63s %63s", ns_a, ns_b, addr_a, iface_a) != 4) {
        fprintf(stderr, "MYL_BRIDGE_NETNS: %s\n", netns);
        return 1;
    }
    snprintf(endpoint, sizeof endpoint, "tcp://%s:%u", netns ? addr_a : "127.0.0.1", port);
    snprintf(home_endpoint, sizeof home_endpoint, "%s", endpoint);
    signal(SIGPIPE, SIG_IGN);

    if (refuse) {
        /* Both relays are this process's, under "h-": their bridges'
         * state objects too, on every path. */
        int r = refuse_main();
        if (remove_states("h-") > 0 && r == 0) {
            fprintf(stderr, "FAILED: shared memory left behind (above)\n");
            r = 1;
        }
        return r;
    }
    static struct boss b;
    myl_topo_cfg c;
    cfg_for(&c, "h-");
    c.track = 1;
    c.liveness.required_roles = 1u << farm_Farm_ROLE_hands;
    /* $MYL_TOPO_RELAY_ON_DEAD=error|ignore: an owner that does not evict a
     * dead member's entries (the relay then evicts its stand-in's own, or
     * the member could not stand in again). */
    const char *od = getenv("MYL_TOPO_RELAY_ON_DEAD");
    if (od)
        c.liveness.on_dead = !strcmp(od, "error") ? MYL_LIVE_ERROR : MYL_LIVE_IGNORE;
    int rc = farm_Farm_boss_open(&c, &b.ep);
    if (rc < 0) {
        fprintf(stderr, "boss open: %s\n", myl_strerror(rc));
        return 1;
    }
    void *sd = mmap(NULL, 4 * sizeof *shared_deaths, PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (relay_views_map() < 0 || sd == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    shared_deaths = sd; /* zero-filled */
    pid_t home = spawn(relay_main, MYL_RELAY_HOME);
    pid_t remote = spawn(relay_main, MYL_RELAY_REMOTE);
    pid_t hands[2] = {spawn(hand_main, 0), spawn(hand_main, 1)};
    int ok = 0;

    /* 0. Both hands up at home, through the relays. */
    if (wait_for(&b, &b.joined[0], 1, "hands.0 JOINED") < 0 ||
        wait_for(&b, &b.joined[1], 1, "hands.1 JOINED") < 0 || wait_views(&b, 2, "phase 0") < 0)
        goto out;
    fprintf(stderr, "phase 0: both hands joined at home\n");
    /* 1. Jobs and answers, in order per hand. */
    b.order = true;
    if (run_jobs(&b, 400, true) < 0)
        goto out;
    if (b.last[0] == 0 || b.last[1] == 0) {
        fail(&b, "a hand answered nothing (%llu, %llu)", (unsigned long long)b.last[0],
             (unsigned long long)b.last[1]);
        goto out;
    }
    fprintf(stderr, "phase 1: %llu jobs answered once each, in order per hand\n",
            (unsigned long long)b.answered);
    /* 2. hands.1 stopped with jobs queued, then killed: DEAD at home,
     *    its jobs re-dispatched to hands.0. */
    b.order = false;
    reap(hands[1], SIGSTOP);
    if (run_jobs(&b, 60, false) < 0)
        goto out;
    uint32_t owed = myl_topo_outstanding(b.ep.topo, farm_Farm_ROLE_hands, 1);
    reap(hands[1], SIGKILL);
    hands[1] = 0;
    if (wait_for(&b, &b.dead[1], 1, "hands.1 DEAD") < 0 || run_jobs(&b, 0, true) < 0 ||
        wait_views(&b, 1, "phase 2") < 0)
        goto out;
    if (owed == 0 || b.redispatched < owed) {
        fail(&b, "hands.1 owed %u jobs when killed, %llu re-dispatched", owed,
             (unsigned long long)b.redispatched);
        goto out;
    }
    fprintf(stderr, "phase 2: hands.1 killed owing %u jobs: DEAD at home, %llu re-dispatched\n",
            owed, (unsigned long long)b.redispatched);
    /* 3. hands.1 restarted: JOINED at home, answers again. */
    hands[1] = spawn(hand_main, 1);
    if (wait_for(&b, &b.joined[1], 2, "hands.1 JOINED again") < 0 ||
        wait_views(&b, 2, "phase 3") < 0)
        goto out;
    uint64_t before = b.last[1];
    if (run_jobs(&b, 200, true) < 0)
        goto out;
    if (b.last[1] == before) {
        fail(&b, "the restarted hands.1 answered nothing");
        goto out;
    }
    fprintf(stderr, "phase 3: hands.1 rejoined and answers\n");
    /* 4. The remote relay killed and restarted. */
    uint32_t d0 = b.dead[0], j0 = b.joined[0], j1 = b.joined[1];
    reap(remote, SIGKILL);
    remote = 0;
    if (wait_for(&b, &b.dead[0], d0 + 1, "hands.0 DEAD after the relay's death") < 0)
        goto out;
    remote = spawn(relay_main, MYL_RELAY_REMOTE);
    if (wait_for(&b, &b.joined[0], j0 + 1, "hands.0 JOINED after the relay's restart") < 0 ||
        wait_for(&b, &b.joined[1], j1 + 1, "hands.1 JOINED after the relay's restart") < 0 ||
        run_jobs(&b, 200, true) < 0)
        goto out;
    fprintf(stderr, "phase 4: the remote relay restarted; both hands rejoined and answer\n");
    /* 5. The home relay killed and restarted: its stand-ins die with it
     *    (DEAD at home, as any member's process), then stand in again. */
    d0 = b.dead[0];
    j0 = b.joined[0];
    j1 = b.joined[1];
    uint32_t o0 = b.opens[0], o1 = b.opens[1], k0 = b.deaths[0], k1 = b.deaths[1];
    uint32_t s0 = atomic_load_explicit(&shared_deaths[0], memory_order_relaxed),
             s1 = atomic_load_explicit(&shared_deaths[1], memory_order_relaxed);
    reap(home, SIGKILL);
    home = 0;
    if (wait_for(&b, &b.dead[0], d0 + 1, "hands.0 DEAD after the home relay's death") < 0)
        goto out;
    /* Home silent for longer than the peer timeout: the remote relay marks
     * the remote site's owner dead, so the hands reopen (into a new remote
     * site once home is back). Waited for, not timed: on a loaded machine
     * the remote relay may take longer than the timeout to notice. */
    if (wait_owner_deaths(&b, s0, s1) < 0)
        goto out;
    home = spawn(relay_main, MYL_RELAY_HOME);
    if (wait_for(&b, &b.joined[0], j0 + 1, "hands.0 JOINED after the home relay's restart") < 0 ||
        wait_for(&b, &b.joined[1], j1 + 1, "hands.1 JOINED after the home relay's restart") < 0 ||
        run_jobs(&b, 200, true) < 0 || wait_views(&b, 2, "phase 5") < 0)
        goto out;
    if (b.opens[0] <= o0 || b.opens[1] <= o1 || b.deaths[0] <= k0 || b.deaths[1] <= k1) {
        fail(&b,
             "the hands did not see their owner dead and reopen while home was silent "
             "(owner deaths %u -> %u, %u -> %u; opens %u -> %u, %u -> %u)",
             k0, b.deaths[0], k1, b.deaths[1], o0, b.opens[0], o1, b.opens[1]);
        goto out;
    }
    fprintf(stderr, "phase 5: the home relay killed, silent until the hands saw their owner "
                    "dead, restarted; they reopened, rejoined and answer\n");
    if (netns) {
        /* 6. The link cut (the remote host's end down for 2 s, longer
         *    than the 1 s peer timeout), then up: DEAD, then JOINED. */
        char cmd[256];
        d0 = b.dead[0];
        j0 = b.joined[0];
        uint32_t l0 = b.left[0], l1 = b.left[1];
        snprintf(cmd, sizeof cmd, "ip -n %s link set %s down", ns_a, iface_a);
        if (system(cmd) != 0) {
            fail(&b, "%s failed", cmd);
            goto out;
        }
        rc = wait_for(&b, &b.dead[0], d0 + 1, "hands.0 DEAD while the link is cut");
        nap_ms(1000);
        snprintf(cmd, sizeof cmd, "ip -n %s link set %s up", ns_a, iface_a);
        if (system(cmd) != 0 && rc == 0)
            rc = fail(&b, "%s failed", cmd);
        if (rc < 0 || wait_for(&b, &b.joined[0], j0 + 1, "hands.0 JOINED after the cut") < 0 ||
            run_jobs(&b, 200, true) < 0 || both_answer(&b) < 0)
            goto out;
        /* Nothing left: the STATEs queued on the cut link (the members up,
         * then leaving the site the remote relay gave up) are stale once
         * delivered, and the home relay acts on none of them. */
        if (b.left[0] != l0 || b.left[1] != l1) {
            fail(&b, "LEFT at home after the cut (%u, %u times): a stale STATE acted on",
                 b.left[0] - l0, b.left[1] - l1);
            goto out;
        }
        fprintf(stderr, "phase 6: the link cut and restored: DEAD, then JOINED; answers\n");
    }
    if (getenv("MYL_TOPO_RELAY_STALL")) {
        /* 7. hands.1 stopped (SIGSTOP) past the progress timeout with jobs
         *    queued: its stand-in stops beating, so the home owner finds it
         *    STALLED and its jobs go to hands.0; then continued: RESUMED,
         *    or (evicted at the remote site meanwhile, it reopens) DEAD
         *    and JOINED again; both hands answer. */
        uint32_t s1 = b.stalled[1], r1 = b.resumed[1], j1s = b.joined[1];
        uint64_t redis = b.redispatched;
        reap(hands[1], SIGSTOP);
        if (run_jobs(&b, 40, false) < 0 ||
            wait_for(&b, &b.stalled[1], s1 + 1, "hands.1 STALLED at home") < 0)
            goto out;
        if (wait_for_redispatch(&b, redis) < 0)
            goto out;
        /* Still stopped for a while: not RESUMED (its stand-in beats only
         * while its heartbeat at the remote site moves). */
        uint64_t still = now_ns() + UINT64_C(1000000000);
        while (now_ns() < still)
            if (pump(&b, 10000000) < 0)
                goto out;
        if (b.resumed[1] != r1) {
            fail(&b, "hands.1 RESUMED at home while stopped");
            goto out;
        }
        kill(hands[1], SIGCONT);
        uint64_t deadline = now_ns() + UINT64_C(30000000000);
        while (b.resumed[1] == r1 && b.joined[1] == j1s) {
            if (pump(&b, 10000000) < 0)
                goto out;
            if (now_ns() > deadline) {
                fail(&b, "hands.1 neither RESUMED nor JOINED again within 30 s");
                goto out;
            }
        }
        if (both_answer(&b) < 0)
            goto out;
        fprintf(stderr,
                "phase 7: hands.1 stopped: STALLED at home, %llu re-dispatched; continued: "
                "%s; answers\n",
                (unsigned long long)(b.redispatched - redis),
                b.resumed[1] != r1 ? "RESUMED" : "JOINED again");
    }
    if (b.answered != b.sent) {
        fail(&b, "%llu answered of %llu", (unsigned long long)b.answered,
             (unsigned long long)b.sent);
        goto out;
    }
    if (b.dups > b.redispatched) {
        fail(&b, "%llu duplicate answers, %llu re-dispatched", (unsigned long long)b.dups,
             (unsigned long long)b.redispatched);
        goto out;
    }
    ok = 1;
    fprintf(stderr,
            "ok: %llu jobs, each answered once (%llu re-dispatched, %llu duplicates "
            "dropped)\n",
            (unsigned long long)b.sent, (unsigned long long)b.redispatched,
            (unsigned long long)b.dups);
out:
    if (!ok)
        fprintf(stderr, "FAILED: %s\n", b.err);
    reap(hands[0], SIGTERM);
    reap(hands[1], SIGTERM);
    reap(remote, SIGTERM);
    reap(home, SIGTERM);
    farm_Farm_boss_close(&b.ep);
    if (reap_hung > 0 && ok) {
        fprintf(stderr, "FAILED: %u children did not exit when told (above)\n", reap_hung);
        ok = 0;
    }
    if (remove_states("h-") + remove_states("r-") > 0 && ok) {
        fprintf(stderr, "FAILED: shared memory left behind (above)\n");
        ok = 0;
    }
    if (relay_log[0][0] && check_relay_logs() < 0)
        ok = 0;
    return ok ? 0 : 1;
}
