/* A topology across two "hosts" with a third home role (docs/BRIDGE.md,
 * "Topologies across hosts"): tests/bridge/crew.myl's boss (this process,
 * the owner) and clerks (child processes) at home under one prefix, the
 * hands (child processes) at the remote site under another, joined by two
 * relays (myl_topo_relay, forked) relaying the hands over TCP on the
 * loopback, through a forwarder (relay_test.h: the link, which phase 8
 * silences). A job goes boss -> hand -> clerk (partitioned: the hand picks
 * a clerk that is up in its site's member table) -> the same hand
 * (direct) -> boss.
 *
 *   test_topo_relay_peers [PORT]      (default: free ports near the pid)
 *
 * Under tests/bridge/netns.sh --run, each relay runs in a network
 * namespace of its own, linked directly, and phase 8 takes the link down.
 *
 * With $MYL_TOPO_RELAY_TOOL (myelon-bridge) and $MYL_TOPO_RELAY_SCHEMA
 * (crew.myl) the relays are the tool's topology form (its progress
 * timeout is the default, 2 s, which phase 5 also exceeds).
 *
 * Each hand waits with myl_topo_wait_ready for every role (the clerks
 * too) before it serves anything, so that no job is answered unless the
 * remote site shows the clerks up. Checked: every job answered, with its
 * stamp, by the hand it reached, through a clerk, and once (bar jobs the
 * boss re-dispatched when a hand's stand-in went, in phase 6 or when the
 * link is slow under load: a second answer is counted, and there are no
 * more of them than re-dispatches); and the clerks' states at home
 * mirrored in the remote site's member table (myl_topo_peek_members
 * there):
 *   1. both clerks UP at the remote site, both serve;
 *   2. clerk 1 killed with SIGKILL: DEAD at the remote site, and the hands
 *      pick clerk 0 alone;
 *   3. clerk 1 restarted: UP again (a new incarnation), and it serves;
 *   4. clerk 1 closed (SIGTERM): LEFT at the remote site, clerk 0 alone;
 *   5. clerk 1 started again, then stopped (SIGSTOP) with jobs queued for
 *      it, for longer than the remote site's progress timeout (the relays
 *      run with 1 s) but not home's (10 s): the rings into it at the
 *      remote site keep their bridge throughout (the remote site must not
 *      evict it, dropping what it had not delivered: home's owner judges
 *      the clerk); continued, every job is answered;
 *   6. the remote relay killed with SIGKILL and restarted: the hands
 *      reopen into its new site and wait for every role again, the clerks
 *      UP there anew, and both serve;
 *   7. the home relay killed with SIGKILL, 100 jobs in flight: the hands
 *      DEAD at home (their stand-ins' process), and, home silent past the
 *      peer timeout, the clerks DEAD at the remote site (what home said of
 *      them is no longer known); restarted: the clerks UP in a new remote
 *      site, the hands JOINED at home again and never LEFT there (no stale
 *      STATE acted on), and both clerks and both hands serve (the jobs in
 *      flight re-dispatched, every one answered);
 *   8. the link silent (the forwarder stopped with SIGSTOP: connections
 *      open, nothing passes), 100 jobs in flight, for 1 s past the DEADs
 *      on both sides; restored (what was queued on it delivered, stale):
 *      as in 7.
 * Exit 0 on success; 1 with a message on failure. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crew.myl.h"
#include "myelon/topo_relay.h"
#include "netns.h"
#include "relay_test.h"

#define MAXJOBS 2000u

static char endpoint[128];      /* the remote relay binds it */
static char home_endpoint[128]; /* the home relay connects to it: the forwarder */
/* Under tests/bridge/netns.sh --run ($MYL_BRIDGE_NETNS: "NS_A NS_B ADDR_A
 * IFACE_A"): the remote relay in NS_A bound to ADDR_A, the home relay in
 * NS_B connected to it (no forwarder: phase 8 takes NS_A's end of the
 * link down instead); everything else here (shared memory is not
 * network-namespaced). */
static char ns_a[64], ns_b[64], addr_a[64], iface_a[64];
static pid_t fwd;        /* the forwarder, when not under netns.sh */
static pid_t home_relay; /* the home relay */

/* ---- children ---- */

static int relay_main(uint32_t side)
{
    enter_netns("", side == MYL_RELAY_HOME ? ns_b : ns_a);
    const char *ep = side == MYL_RELAY_HOME ? home_endpoint : endpoint;
    const char *tool = getenv("MYL_TOPO_RELAY_TOOL"), *schema = getenv("MYL_TOPO_RELAY_SCHEMA");
    if (tool && schema) {
        execl(tool, tool, schema, "Crew", "--role", "hands",
              side == MYL_RELAY_HOME ? "--home" : "--remote", ep, "--instance", instance,
              "--prefix", side == MYL_RELAY_HOME ? "ph-" : "pr-", "--timeout-ms", "1000",
              (char *)NULL);
        perror("exec");
        return 127;
    }
    myl_topo_cfg c;
    cfg_for(&c, side == MYL_RELAY_HOME ? "ph-" : "pr-");
    c.liveness.progress_timeout_ns = 1000000000; /* phase 5; the boss's is 10 s */
    myl_topo_relay_opts o = {.size = sizeof o,
                             .side = side,
                             .role = crew_Crew_ROLE_hands,
                             .endpoint = ep,
                             .cfg = &c,
                             .peer_timeout_ns = 1000000000};
    return relay_serve(&crew_Crew_desc, &o);
}

static int clerk_note(const crew_Note *msg, crew_Crew_clerks *ep, void *user)
{
    (void)user;
    crew_Ack a = {.id = msg->id, .n = msg->n, .hand = msg->hand, .clerk = ep->index};
    int rc;
    while ((rc = crew_Crew_clerks_send_acks_to(ep, msg->hand, &a, 100000000)) == MYL_ETIMEDOUT &&
           !stopping)
        ;
    return rc;
}

/* A clerk (home): opens, answers, reopens after an error; closes (LEFT)
 * on SIGTERM. */
static int clerk_main(uint32_t index)
{
    child_signals();
    myl_topo_cfg c;
    cfg_for(&c, "ph-");
    crew_Crew_clerks_handlers h = {.on_notes = clerk_note};
    while (!stopping) {
        crew_Crew_clerks ep;
        int rc = crew_Crew_clerks_open(&c, index, &ep);
        if (rc < 0) {
            nap_ms(20);
            continue;
        }
        while (!stopping && (rc = crew_Crew_clerks_poll(&ep, &h, NULL, 50000000)) >= 0)
            ;
        crew_Crew_clerks_close(&ep);
    }
    return 0;
}

static int hand_job(const crew_Job *msg, crew_Crew_hands *ep, void *user)
{
    (void)user;
    crew_Note n = {.id = msg->id, .n = msg->n, .hand = ep->index};
    int rc;
    /* MYL_EPEERDEAD: no clerk up in this site's table (yet). */
    while ((rc = crew_Crew_hands_send_notes(ep, &n, 100000000)) == MYL_ETIMEDOUT ||
           rc == MYL_EPEERDEAD) {
        if (stopping)
            return rc;
        nap_ms(1);
    }
    return rc;
}

static int hand_ack(const crew_Ack *msg, crew_Crew_hands *ep, void *user)
{
    (void)user;
    crew_Done d = {.id = msg->id, .n = msg->n, .hand = msg->hand, .clerk = msg->clerk};
    if (msg->hand != ep->index || ep->from != msg->clerk)
        d.n = 0; /* the boss fails on it */
    int rc;
    while ((rc = crew_Crew_hands_send_done(ep, &d, 100000000)) == MYL_ETIMEDOUT && !stopping)
        ;
    return rc;
}

/* The member table of the remote site as hand index sees it (state and
 * epoch per member, in table order), when its wait for every role fails:
 * which member never came up. */
static void print_site(uint32_t index, const myl_topo_cfg *c)
{
    myl_topo_info info;
    myl_topo_member_info tab[8];
    int rc = myl_topo_peek_members(&crew_Crew_desc, c, &info, tab, 8);
    if (rc < 0) {
        fprintf(stderr, "hands.%u: the site: %s\n", index, myl_strerror(rc));
        return;
    }
    uint32_t n = 0;
    for (uint32_t r = 0; r < MYL_TOPO_MAX_ROLES; r++)
        n += info.counts[r];
    fprintf(stderr, "hands.%u: the site (owner pid %d), its members' state/epoch:", index,
            (int)info.owner_pid);
    for (uint32_t k = 0; k < 8 && k < n; k++)
        fprintf(stderr, " %u/%u", tab[k].state, tab[k].epoch);
    fputc('\n', stderr);
}

/* A hand (remote): opens, waits for EVERY role to be up at its site (the
 * clerks too: the relay stands in for them there), then serves; exits
 * with status 3 if the wait times out. */
static int hand_main(uint32_t index)
{
    child_signals();
    myl_topo_cfg c;
    cfg_for(&c, "pr-");
    c.liveness.required_roles = 0; /* every role */
    crew_Crew_hands_handlers h = {.on_jobs = hand_job, .on_acks = hand_ack};
    while (!stopping) {
        crew_Crew_hands ep;
        int rc = crew_Crew_hands_open(&c, index, &ep);
        if (rc < 0) {
            nap_ms(20);
            continue;
        }
        rc = myl_topo_wait_ready(ep.topo, 15000000000);
        if (rc == MYL_EPEERDEAD) { /* the relay restarted meanwhile: its new site */
            crew_Crew_hands_close(&ep);
            continue;
        }
        if (rc < 0) {
            fprintf(stderr, "hands.%u: wait_ready: %s\n", index, myl_strerror(rc));
            print_site(index, &c);
            crew_Crew_hands_close(&ep);
            return 3;
        }
        while (!stopping && (rc = crew_Crew_hands_poll(&ep, &h, NULL, 50000000)) >= 0)
            ;
        crew_Crew_hands_close(&ep);
    }
    return 0;
}

/* ---- the boss ---- */

struct boss {
    crew_Crew_boss ep;
    uint8_t answers[MAXJOBS + 1];
    uint64_t sent, answered, dups, redispatched;
    bool pending[2];      /* a hand's stand-in went: its jobs to re-dispatch */
    uint64_t by_clerk[2]; /* answers through each clerk, this batch */
    uint64_t by_hand[2];  /* answers from each hand, this batch */
    uint32_t joined[2], dead[2], left[2];
    pid_t hands[2];
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

static int on_done(const crew_Done *m, crew_Crew_boss *ep, void *user)
{
    struct boss *b = user;
    if (m->id == 0 || m->id > b->sent || m->hand >= 2 || m->clerk >= 2)
        return fail(b, "answer with id %llu (sent %llu), hand %u, clerk %u",
                    (unsigned long long)m->id, (unsigned long long)b->sent, m->hand, m->clerk);
    if (m->n != stamp(m->id))
        return fail(b, "answer %llu: stamp %llx, not %llx", (unsigned long long)m->id,
                    (unsigned long long)m->n, (unsigned long long)stamp(m->id));
    if (ep->from != m->hand)
        return fail(b, "answer %llu from ring %u says hand %u", (unsigned long long)m->id, ep->from,
                    m->hand);
    if (b->answers[m->id]) { /* re-dispatched, and answered by both */
        b->dups++;
        return 0;
    }
    b->answers[m->id] = 1;
    b->answered++;
    b->by_clerk[m->clerk]++;
    b->by_hand[m->hand]++;
    return 0;
}

static void on_event(const myl_topo_event *ev, crew_Crew_boss *ep, void *user)
{
    (void)ep;
    struct boss *b = user;
    fprintf(stderr, "boss: event %u for role %u index %u\n", ev->kind, ev->role, ev->index);
    if (ev->role != crew_Crew_ROLE_hands || ev->index >= 2)
        return;
    if (ev->kind == MYL_TOPO_EV_JOINED)
        b->joined[ev->index]++;
    else if (ev->kind != MYL_TOPO_EV_RESUMED)
        b->pending[ev->index] = true;
    b->dead[ev->index] += ev->kind == MYL_TOPO_EV_DEAD;
    b->left[ev->index] += ev->kind == MYL_TOPO_EV_LEFT;
}

static const crew_Crew_boss_handlers handlers = {.on_done = on_done, .on_event = on_event};

static int pump(struct boss *b, int64_t timeout_ns)
{
    int rc = crew_Crew_boss_poll(&b->ep, &handlers, b, timeout_ns);
    if (rc < 0 && rc != MYL_EPEERDEAD)
        return b->err[0] ? -1 : fail(b, "boss poll: %s", myl_strerror(rc));
    if (b->err[0])
        return -1;
    /* A hand's stand-in that went (the link silent, the remote relay
     * restarted) may have taken jobs with it: sent again elsewhere. */
    for (uint32_t i = 0; i < 2; i++)
        if (b->pending[i]) {
            int n = crew_Crew_boss_redispatch(&b->ep, crew_Crew_ROLE_hands, i);
            if (n >= 0) {
                b->redispatched += (uint64_t)n;
                b->pending[i] = myl_topo_outstanding(b->ep.topo, crew_Crew_ROLE_hands, i) != 0;
            }
        }
    for (int i = 0; i < 2; i++) {
        int st;
        if (b->hands[i] > 0 && waitpid(b->hands[i], &st, WNOHANG) == b->hands[i]) {
            b->hands[i] = 0;
            return fail(b, "hands.%d exited (status %d): its wait for every role failed", i,
                        WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        }
    }
    return 0;
}

/* n more jobs sent, not waited for (in flight when a fault comes). */
static int send_only(struct boss *b, uint32_t n)
{
    uint64_t deadline = now_ns() + UINT64_C(30000000000);
    uint64_t until = b->sent + n;
    if (until > MAXJOBS)
        return fail(b, "too many jobs");
    while (b->sent < until) {
        crew_Job j = {.id = b->sent + 1, .n = stamp(b->sent + 1)};
        int rc = crew_Crew_boss_send_jobs(&b->ep, &j, 10000000);
        if (rc == 0)
            b->sent++;
        else if (rc != MYL_EPEERDEAD && rc != MYL_ETIMEDOUT)
            return fail(b, "send job %llu: %s", (unsigned long long)j.id, myl_strerror(rc));
        if (pump(b, 0) < 0)
            return -1;
        if (now_ns() > deadline)
            return fail(b, "sending timed out at job %llu", (unsigned long long)b->sent);
    }
    return 0;
}

/* n more jobs, then every job answered; the clerks and the hands that
 * answered counted. */
static int run_jobs(struct boss *b, uint32_t n)
{
    memset(b->by_clerk, 0, sizeof b->by_clerk);
    memset(b->by_hand, 0, sizeof b->by_hand);
    if (send_only(b, n) < 0)
        return -1;
    uint64_t deadline = now_ns() + UINT64_C(30000000000);
    while (b->answered < b->sent) {
        if (pump(b, 10000000) < 0)
            return -1;
        if (now_ns() > deadline)
            return fail(b, "%llu of %llu jobs answered within 30 s",
                        (unsigned long long)b->answered, (unsigned long long)b->sent);
    }
    return 0;
}

/* clerks.k's entry in the remote site's member table. */
static int remote_clerk(uint32_t k, myl_topo_member_info *out)
{
    myl_topo_cfg c;
    cfg_for(&c, "pr-");
    myl_topo_info info;
    myl_topo_member_info tab[8];
    int rc = myl_topo_peek_members(&crew_Crew_desc, &c, &info, tab, 8);
    if (rc < 0)
        return rc;
    *out = tab[info.counts[crew_Crew_ROLE_boss] + info.counts[crew_Crew_ROLE_hands] + k];
    return 0;
}

/* Until clerks.k's entry at the remote site says state (and, for UP, an
 * incarnation after epoch). */
static int wait_remote(struct boss *b, uint32_t k, uint32_t state, uint32_t *epoch)
{
    static const char *const names[] = {"FREE", "JOINING", "UP", "LEFT", "DEAD"};
    uint64_t deadline = now_ns() + UINT64_C(30000000000);
    myl_topo_member_info e = {0};
    for (;;) {
        if (remote_clerk(k, &e) == 0 && e.state == state &&
            (state != MYL_TOPO_MEMBER_UP || e.epoch > *epoch))
            break;
        if (pump(b, 10000000) < 0)
            return -1;
        if (now_ns() > deadline)
            return fail(b, "clerks.%u not %s at the remote site within 30 s (%s)", k, names[state],
                        e.state < 5 ? names[e.state] : "?");
    }
    *epoch = e.epoch;
    fprintf(stderr, "clerks.%u %s at the remote site (epoch %u)\n", k, names[state], e.epoch);
    return 0;
}

/* Until *counter reaches want. */
static int wait_count(struct boss *b, const uint32_t *counter, uint32_t want, const char *what)
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

/* The hands' event counts before a fault. */
struct marks {
    uint32_t dead[2], joined[2], left[2];
};

static struct marks marks_now(const struct boss *b)
{
    struct marks m;
    memcpy(m.dead, b->dead, sizeof m.dead);
    memcpy(m.joined, b->joined, sizeof m.joined);
    memcpy(m.left, b->left, sizeof m.left);
    return m;
}

/* After the remote site was given up (the remote relay restarted, home
 * silent past the peer timeout): the clerks UP in the new site (new
 * epochs), each hand JOINED at home again since the marks, and 200 jobs
 * through both clerks and both hands. The new site may still be settling
 * when the hands have joined: a remote relay just started can take home
 * for silent before home's relay reaches it, give its site up and open
 * another, and the hands leave and join once more (seen in CI's TSan
 * stage while another test held the forwarder's ports, dcc6df0; not seen
 * since). So a run during which a hand left or died is run again once
 * that hand has joined again, three runs at most. */
static int site_again(struct boss *b, const struct marks *m, const char *after)
{
    uint32_t epoch[2] = {0, 0}; /* a new site: new epochs */
    if (wait_remote(b, 0, MYL_TOPO_MEMBER_UP, &epoch[0]) < 0 ||
        wait_remote(b, 1, MYL_TOPO_MEMBER_UP, &epoch[1]) < 0)
        return -1;
    uint32_t need[2] = {m->joined[0] + 1, m->joined[1] + 1}; /* JOINED counts to wait for */
    for (int run = 1;; run++) {
        uint64_t deadline = now_ns() + UINT64_C(30000000000);
        while (b->joined[0] < need[0] || b->joined[1] < need[1]) {
            if (pump(b, 10000000) < 0)
                return -1;
            if (now_ns() > deadline)
                return fail(b, "the hands did not join at home again within 30 s %s", after);
        }
        struct marks before = marks_now(b);
        if (run_jobs(b, 200) < 0)
            return -1;
        if (b->by_clerk[0] && b->by_clerk[1] && b->by_hand[0] && b->by_hand[1])
            return 0;
        bool churn = false;
        for (int i = 0; i < 2; i++) {
            bool gone = b->left[i] != before.left[i] || b->dead[i] != before.dead[i];
            need[i] = gone ? before.joined[i] + 1 : 0;
            churn = churn || gone;
        }
        if (!churn || run == 3)
            return fail(b,
                        "a clerk or a hand served nothing %s (clerks %llu, %llu; hands %llu, "
                        "%llu; run %d)",
                        after, (unsigned long long)b->by_clerk[0],
                        (unsigned long long)b->by_clerk[1], (unsigned long long)b->by_hand[0],
                        (unsigned long long)b->by_hand[1], run);
        fprintf(stderr, "%s: a hand left or died during run %d (the site settling): again\n", after,
                run);
    }
}

/* Home silent to the remote relay (its relay dead, or the link): both
 * hands' stand-ins DEAD at home (since the marks), and the clerks' stand-ins
 * DEAD at the remote site: what its table said of them is no longer
 * known. */
static int home_silent(struct boss *b, const struct marks *m, const char *why)
{
    char what[96];
    uint32_t epoch = 0;
    for (uint32_t i = 0; i < 2; i++) {
        snprintf(what, sizeof what, "hands.%u DEAD at home (%s)", i, why);
        if (wait_count(b, &b->dead[i], m->dead[i] + 1, what) < 0)
            return -1;
    }
    return wait_remote(b, 0, MYL_TOPO_MEMBER_DEAD, &epoch) < 0 ||
                   wait_remote(b, 1, MYL_TOPO_MEMBER_DEAD, &epoch) < 0
               ? -1
               : 0;
}

/* The faults that silence home to the remote relay (on) and end it.
 * The link: the forwarder stopped or continued, or under netns.sh the
 * remote host's end of the veth pair down or up. */
static int link_fault(struct boss *b, bool on)
{
    if (!ns_a[0])
        return kill(fwd, on ? SIGSTOP : SIGCONT) == 0 ? 0 : fail(b, "cannot signal the forwarder");
    char cmd[256];
    snprintf(cmd, sizeof cmd, "ip -n %s link set %s %s", ns_a, iface_a, on ? "down" : "up");
    return system(cmd) == 0 ? 0 : fail(b, "%s failed", cmd);
}

/* The home relay: killed with SIGKILL, or started again. */
static int home_fault(struct boss *b, bool on)
{
    (void)b;
    if (on) {
        reap(home_relay, SIGKILL);
        home_relay = 0;
    } else {
        home_relay = spawn(relay_main, MYL_RELAY_HOME);
    }
    return 0;
}

/* Home silent to the remote relay through fault, with 100 jobs in flight
 * (the boss re-dispatches them): home_silent, then 1 s more (home closes
 * the hands' stand-ins, the hands leave the site the remote relay gave
 * up, and a silent link holds the STATEs that said them up, then LEFT:
 * once delivered, home must act on none of them, as they answer STATUSes
 * from before the silence); then the fault ended: site_again, and the
 * hands never LEFT at home. */
static int silent_phase(struct boss *b, int (*fault)(struct boss *, bool), const char *why,
                        const char *after)
{
    struct marks m = marks_now(b);
    if (send_only(b, 100) < 0)
        return -1;
    int rc = fault(b, true);
    if (rc == 0)
        rc = home_silent(b, &m, why);
    for (uint64_t t0 = now_ns(); rc == 0 && now_ns() - t0 < UINT64_C(1000000000);)
        rc = pump(b, 10000000);
    if (fault(b, false) < 0 || rc < 0 || site_again(b, &m, after) < 0)
        return -1;
    if (b->left[0] != m.left[0] || b->left[1] != m.left[1])
        return fail(b, "LEFT at home %s (%u, %u times): a stale STATE acted on", after,
                    b->left[0] - m.left[0], b->left[1] - m.left[1]);
    return 0;
}

/* Ring hands.i -> clerks.1 at the remote site (the boss's name for it
 * at home, under the remote prefix), attached to read its consumer table. */
static myl_ring *remote_note_ring(struct boss *b, uint32_t i)
{
    char name[256];
    uint32_t route = crew_Crew_ROUTE_hands_clerks_notes;
    if (myl_topo_segment_name(b->ep.topo, route, myl_topo_ring_index(b->ep.topo, route, i, 1), name,
                              sizeof name) < 0 ||
        strncmp(name, "ph-", 3) != 0)
        return NULL;
    name[1] = 'r';
    myl_ring_opts o = {.size = sizeof o, .name = name};
    myl_ring *r;
    return myl_ring_attach(&o, &r) == 0 ? r : NULL;
}

/* Does ring r have an active reader (the bridge into clerk 1)? */
static bool read_by_bridge(myl_ring *r)
{
    for (uint32_t k = 0; k < r->max_consumers; k++) {
        myl_consumer_stats cs;
        if (myl_ring_consumer_stats(r, k, &cs) == 0 && cs.state == MYL_ENTRY_ACTIVE)
            return true;
    }
    return false;
}

int main(int argc, char **argv)
{
    setvbuf(stderr, NULL, _IONBF, 0);
    const char *p = argc > 1 ? argv[1] : getenv("MYL_TEST_PORT");
    const char *netns = getenv("MYL_BRIDGE_NETNS");
    if (netns && sscanf(netns, "%63s %63s %63s %63s", ns_a, ns_b, addr_a, iface_a) != 4) {
        fprintf(stderr, "MYL_BRIDGE_NETNS: %s\n", netns);
        return 1;
    }
    /* (Under netns.sh the endpoint's address exists only in the test's own
     * namespaces, where nothing else takes ports: no check is needed.) */
    unsigned port = p       ? (unsigned)atoi(p)
                    : netns ? 20000u + (unsigned)getpid() % 780u * 16u
                            : free_block(89u);
    unsigned fwd_port = netns ? port : free_block_apart(port, 83u);
    snprintf(instance, sizeof instance, "trp%d", (int)getpid());
    snprintf(endpoint, sizeof endpoint, "tcp://%s:%u", netns ? addr_a : "127.0.0.1", port);
    snprintf(home_endpoint, sizeof home_endpoint, "tcp://%s:%u", netns ? addr_a : "127.0.0.1",
             fwd_port);
    signal(SIGPIPE, SIG_IGN);

    static struct boss b;
    myl_topo_cfg c;
    cfg_for(&c, "ph-");
    c.liveness.required_roles = 1u << crew_Crew_ROLE_hands;
    c.track = 1;
    c.liveness.progress_timeout_ns = 10000000000; /* phase 5 stops a clerk for 4 s */
    int rc = crew_Crew_boss_open(&c, &b.ep);
    if (rc < 0) {
        fprintf(stderr, "boss open: %s\n", myl_strerror(rc));
        return 1;
    }
    if (!netns)
        fwd = spawn_forwarder(fwd_port, port); /* the link, home to remote */
    home_relay = spawn(relay_main, MYL_RELAY_HOME);
    pid_t remote = spawn(relay_main, MYL_RELAY_REMOTE);
    pid_t clerks[2] = {spawn(clerk_main, 0), spawn(clerk_main, 1)};
    b.hands[0] = spawn(hand_main, 0);
    b.hands[1] = spawn(hand_main, 1);
    uint32_t epoch[2] = {0, 0};
    int ok = 0;

    /* 1. Both hands up at home; both clerks up at the remote site (the
     * hands' wait for every role returns), and both serve. */
    uint64_t deadline = now_ns() + UINT64_C(30000000000);
    while (!b.joined[0] || !b.joined[1]) {
        if (pump(&b, 10000000) < 0)
            goto out;
        if (now_ns() > deadline) {
            fail(&b, "the hands did not join at home within 30 s");
            goto out;
        }
    }
    if (wait_remote(&b, 0, MYL_TOPO_MEMBER_UP, &epoch[0]) < 0 ||
        wait_remote(&b, 1, MYL_TOPO_MEMBER_UP, &epoch[1]) < 0 || run_jobs(&b, 200) < 0)
        goto out;
    if (!b.by_clerk[0] || !b.by_clerk[1]) {
        fail(&b, "a clerk served nothing (%llu, %llu)", (unsigned long long)b.by_clerk[0],
             (unsigned long long)b.by_clerk[1]);
        goto out;
    }
    fprintf(stderr, "phase 1: 200 jobs through both clerks\n");

    /* 2. Clerk 1 killed: DEAD at the remote site; the hands pick clerk 0. */
    reap(clerks[1], SIGKILL);
    clerks[1] = 0;
    if (wait_remote(&b, 1, MYL_TOPO_MEMBER_DEAD, &epoch[1]) < 0 || run_jobs(&b, 100) < 0)
        goto out;
    if (b.by_clerk[1]) {
        fail(&b, "%llu jobs went through the dead clerk", (unsigned long long)b.by_clerk[1]);
        goto out;
    }
    fprintf(stderr, "phase 2: clerk 1 DEAD at the remote site, 100 jobs through clerk 0\n");

    /* 3. Clerk 1 restarted: UP again, a new incarnation, and it serves. */
    clerks[1] = spawn(clerk_main, 1);
    if (wait_remote(&b, 1, MYL_TOPO_MEMBER_UP, &epoch[1]) < 0 || run_jobs(&b, 200) < 0)
        goto out;
    if (!b.by_clerk[1]) {
        fail(&b, "the restarted clerk served nothing");
        goto out;
    }
    fprintf(stderr, "phase 3: clerk 1 UP again at the remote site, and serving\n");

    /* 4. Clerk 1 closed: LEFT at the remote site; clerk 0 alone. */
    reap(clerks[1], SIGTERM);
    clerks[1] = 0;
    if (wait_remote(&b, 1, MYL_TOPO_MEMBER_LEFT, &epoch[1]) < 0 || run_jobs(&b, 100) < 0)
        goto out;
    if (b.by_clerk[1]) {
        fail(&b, "%llu jobs went through the clerk that left", (unsigned long long)b.by_clerk[1]);
        goto out;
    }
    fprintf(stderr, "phase 4: clerk 1 LEFT at the remote site, 100 jobs through clerk 0\n");

    /* 5. Clerk 1 back, then stopped for 4 s with jobs queued for it: 75 a
     * hand, more than its ring at home holds (64: the bridge into it stops
     * moving, which the remote site took for the clerk's stall); a hand
     * whose ring to it is full goes on with clerk 0 (its send times out and
     * the next pick is clerk 0); then continued. */
    clerks[1] = spawn(clerk_main, 1);
    if (wait_remote(&b, 1, MYL_TOPO_MEMBER_UP, &epoch[1]) < 0)
        goto out;
    myl_ring *notes[2] = {remote_note_ring(&b, 0), remote_note_ring(&b, 1)};
    if (!notes[0] || !notes[1]) {
        fail(&b, "cannot attach the remote site's rings to clerk 1");
        goto out;
    }
    uint32_t unread = 0; /* looks that found a ring into clerk 1 without its bridge */
    kill(clerks[1], SIGSTOP);
    if (send_only(&b, 300) < 0)
        goto out;
    /* Looking every 10 ms: an evicted bridge is started again only after
     * the reconnect interval (100 ms). */
    for (uint64_t t0 = now_ns(); now_ns() - t0 < UINT64_C(4000000000);) {
        if (pump(&b, 10000000) < 0)
            goto out;
        unread += !read_by_bridge(notes[0]) + !read_by_bridge(notes[1]);
    }
    myl_ring_close(notes[0]);
    myl_ring_close(notes[1]);
    if (unread) {
        fail(&b, "the remote site evicted the bridge into the stopped clerk (%u looks)", unread);
        goto out;
    }
    uint64_t stopped = b.answered;
    kill(clerks[1], SIGCONT);
    if (run_jobs(&b, 0) < 0)
        goto out;
    fprintf(stderr,
            "phase 5: clerk 1 stopped for 4 s (%llu of %llu jobs answered meanwhile), then every "
            "job answered\n",
            (unsigned long long)stopped, (unsigned long long)b.sent);

    /* 6. The remote relay killed and restarted: the hands see their owner
     * dead and reopen into the new remote site, where they wait for every
     * role again: the clerks must stand in there anew. */
    struct marks m = marks_now(&b);
    reap(remote, SIGKILL);
    remote = spawn(relay_main, MYL_RELAY_REMOTE);
    if (site_again(&b, &m, "after the remote relay's restart") < 0)
        goto out;
    fprintf(stderr, "phase 6: the remote relay restarted, both clerks UP in its new site, 200 "
                    "jobs through both\n");

    /* 7. The home relay killed with SIGKILL (silent_phase): its
     * stand-ins' process is gone (both hands DEAD at home); home silent
     * past the peer timeout, the remote relay gives its site up and the
     * clerks' stand-ins there go DEAD; restarted, a new site, the clerks
     * UP in it, the hands JOINED at home again, and jobs through both. */
    if (silent_phase(&b, home_fault, "its stand-in's process killed",
                     "after the home relay's restart") < 0)
        goto out;
    fprintf(stderr, "phase 7: the home relay killed: the hands DEAD at home, the clerks DEAD at "
                    "the remote site; restarted: UP in a new site, 200 jobs through both\n");

    /* 8. The link silent (silent_phase; the forwarder stopped: connections
     * open, nothing passes; under netns.sh, the veth end down): the hands
     * DEAD at home (the link is silent), the clerks DEAD at the remote
     * site; restored (what was queued on it delivered, stale): as in 7. */
    if (silent_phase(&b, link_fault, "the link silent", "after the link's silence") < 0)
        goto out;
    fprintf(stderr, "phase 8: the link silent: the hands DEAD at home, the clerks DEAD at the "
                    "remote site; restored: UP in a new site, 200 jobs through both\n");
    ok = 1;
out:
    if (!ok)
        fprintf(stderr, "FAIL: %s\n", b.err);
    for (int i = 0; i < 2; i++) {
        reap(b.hands[i], SIGTERM);
        reap(clerks[i], SIGTERM);
    }
    reap(remote, SIGTERM);
    reap(home_relay, SIGTERM);
    reap(fwd, SIGKILL);
    crew_Crew_boss_close(&b.ep);
    if (reap_hung > 0 && ok) {
        fprintf(stderr, "FAIL: %u children did not exit when told (above)\n", reap_hung);
        ok = 0;
    }
    if (remove_states("ph-") + remove_states("pr-") > 0 && ok) {
        fprintf(stderr, "FAIL: shared memory left behind (above)\n");
        ok = 0;
    }
    if (ok && b.dups > b.redispatched) {
        fprintf(stderr, "FAIL: %llu second answers, %llu jobs re-dispatched\n",
                (unsigned long long)b.dups, (unsigned long long)b.redispatched);
        ok = 0;
    }
    if (ok)
        fprintf(stderr, "ok: %llu jobs, each answered (%llu re-dispatched, %llu answered twice)\n",
                (unsigned long long)b.answered, (unsigned long long)b.redispatched,
                (unsigned long long)b.dups);
    return ok ? 0 : 1;
}
