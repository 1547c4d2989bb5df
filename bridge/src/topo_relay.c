/* libmyelon_bridge: a topology across two hosts (myelon/topo_relay.h; the
 * design, the control link and the failure behaviour are in
 * docs/BRIDGE.md, "Topologies across hosts").
 *
 * Each relayed ring has a bridge of its own (an exporter or an importer),
 * run by a thread of its own with myl_bridge_run, so that a bridge waiting
 * on a full ring holds up neither the others nor the control link. The
 * relay's thread runs the control link and the membership:
 *
 *   home:   learns the instance's counts and the peer members' entries
 *           (the home members of other roles that R's routes reach) with
 *           myl_topo_peek_members (no join) and sends them (STATUS) every
 *           check interval; on each STATE from
 *           the remote relay, opens a stand-in member (myl_topo_open, its
 *           bridges, myl_topo_ready) for each remote member reported up,
 *           beats it while the remote member's heartbeat moves, and retires
 *           it when the member leaves (myl_topo_mark LEFT), dies, is
 *           replaced by a new incarnation or the link goes silent
 *           (myl_topo_mark DEAD: the owner reports DEAD and evicts); a
 *           retired stand-in is closed once the owner has evicted its
 *           exporters' entries, and only then may the member stand in
 *           again (its new exporters register under the same id);
 *   remote: opens the remote site as its owner with the counts from home,
 *           runs a bridge per relayed ring, follows its members' events and
 *           reports each member's state, incarnation and last heartbeat
 *           (STATE) every check interval; when no STATUS came for the peer
 *           timeout, marks its owner entry DEAD (the members see their
 *           owner dead and reopen) and its peer stand-ins DEAD, and
 *           makes the site anew on the next STATUS; stands in at the
 *           remote site for each peer member STATUS says up (myl_topo_open,
 *           myl_topo_ready), beats it when its heartbeat at home moved, and
 *           marks it DEAD or LEFT as home says (then closes it, once its own
 *           owner handle has acted).
 *
 * Control messages (little-endian): magic, version, type, the topology's
 * fingerprint, the remote role, the role count; STATUS: its sequence
 * number, the counts, the peer member count, then per peer member its
 * state, incarnation (epoch) and heartbeat at home; STATE: the remote
 * relay's nonce (a new one per run), the sequence number of the last
 * STATUS it had, the member count, then per member its state, incarnation
 * and last-seen time.
 *
 * The echoed sequence number fences off stale STATEs: once the link has
 * been silent, home acts on no STATE composed before the remote relay had
 * a STATUS sent after the silence. A cut link holds what was queued on it
 * and delivers it when restored: STATEs from before the remote relay gave
 * its site up, saying the members are up, which would stand them in for a
 * moment only to retire them on the next STATE. */
#define _GNU_SOURCE
#include "myelon/topo_relay.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "myelon/bridge.h"
#include "wire.h"

#define CTL_MAGIC 0x5254594du /* "MYTR" */
#define CTL_VERSION 3u
#define CTL_STATUS 1u
#define CTL_STATE 2u
#define CTL_REFUSE 3u /* the header alone: the refusing side's topology and role */
#define CTL_HDR 28u
#define CTL_MEMBER 16u
#define CTL_STATE_FIXED 20u /* nonce, echoed sequence, member count */
#define CTL_STATE_MAX (CTL_HDR + CTL_STATE_FIXED + MYL_TOPO_MAX_INSTANCES * CTL_MEMBER)
/* STATUS: sequence number, counts, peer count, then per peer member. */
#define CTL_STATUS_FIXED(nroles) (8u + 4u * (nroles) + 4u)
#define CTL_STATUS_MAX                                                                             \
    (CTL_HDR + CTL_STATUS_FIXED(MYL_TOPO_MAX_ROLES) +                                              \
     (MYL_TOPO_MAX_ROLES - 2u) * MYL_TOPO_MAX_INSTANCES * CTL_MEMBER)
#define CTL_MAX (CTL_STATUS_MAX > CTL_STATE_MAX ? CTL_STATUS_MAX : CTL_STATE_MAX)

/* A remote member's state as the remote relay reports it. */
enum { RM_NONE, RM_UP, RM_STALLED, RM_LEFT, RM_DEAD };

#define DEF_PEER_NS INT64_C(3000000000)
#define DEF_RECONNECT_NS INT64_C(100000000)
#define PEEK_NS UINT64_C(100000000)

struct link {
    uint32_t route, ring, member;
    bool exporting; /* this side exports (reads the ring) */
    char endpoint[600];
    myl_bridge *b;
    pthread_t th;
    bool running;
    atomic_bool done;
    int rc;
    uint64_t retry_at;
    /* home: it ended while its member was up; started again only once the
     * member's heartbeat at the remote site has moved from seen_end (an
     * exporter evicted by the owner because the member stalled would
     * otherwise register again at once, which the owner takes for the
     * member's progress: RESUMED while it is still stopped). */
    bool await_seen;
    uint64_t seen_end;
};

struct mirror {
    myl_topo *t;    /* home: the stand-in, open while mirrored up */
    bool ready;     /* home: its bridges run and it is marked ready */
    bool going;     /* home: marked DEAD or LEFT, waiting for the owner to
                       evict its ring entries before it is closed */
    bool died;      /* home: going, and marked DEAD */
    uint64_t nonce; /* home: the remote incarnation mirrored */
    uint32_t inc;
    uint64_t seen;  /* home: its last heartbeat, as last reported */
    uint32_t state; /* remote: RM_* from the site's events */
    uint32_t rinc;  /* remote: incarnations (JOINED events) */
};

/* A peer member: a home member of a role other than the owner's and R's
 * that one of R's relayed routes reaches (R's members send to it or read
 * from it). Home reports its entry in STATUS; the remote relay stands in
 * for it at the remote site while home says it is up, so that the remote
 * members see it (myl_topo_wait_ready, partitioned routes' picks, tools),
 * as home sees R's members through the home relay's stand-ins. */
struct peer {
    uint32_t role, index;
    uint32_t state, epoch; /* home: as last peeked (RM_*, the entry's epoch) */
    uint64_t seen;         /* its heartbeat at home: as last peeked, or (remote) reported */
    myl_topo *t;           /* remote: its stand-in, open while home says it is up */
    bool warned;           /* remote: a failure to stand in for it was reported */
};

struct myl_topo_relay {
    const myl_topo_desc *desc;
    myl_topo_relay_opts o;
    myl_topo_cfg cfg;
    char instance[MYL_TOPO_NAME_MAX], prefix[MYL_TOPO_NAME_MAX];
    char endpoint[512];
    void *ctx, *sock;
    volatile sig_atomic_t stop;
    char err[320];
    bool have_counts;
    uint32_t counts[MYL_TOPO_MAX_ROLES];
    uint64_t created;       /* home: the instance's incarnation the counts are of */
    uint32_t owner_on_dead; /* home: the owner's on_dead (myl_topo_peek) */
    uint32_t n;             /* members of the remote role */
    struct mirror *m;
    struct link *links;
    uint32_t nlinks;
    struct peer *p; /* peer members, role by role (both sides alike) */
    uint32_t np;
    myl_topo_member_info *tab; /* home: the member table, peeked */
    myl_topo *site;            /* remote: the remote site, as its owner */
    bool site_dead;            /* remote: its owner marked DEAD (home silent) */
    uint64_t nonce;
    /* home: the last STATUS's sequence number (from the nonce on) and that
     * of the last one before the link went silent; remote: the last
     * STATUS's, echoed in STATE. */
    uint64_t seq, fence;
    uint64_t last_rx, last_tx, next_peek;
    /* How often a STATUS or STATE goes out: every check interval, or every
     * quarter of the peer timeout where that is shorter, since they are
     * also the link's heartbeats (a silence of a peer timeout ends it). */
    uint64_t tick;
    bool linked; /* home: a STATE came within the peer timeout */
    uint8_t buf[CTL_MAX];
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void set_err(myl_topo_relay *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    fprintf(stderr, "myelon-bridge: topology %s: %s\n", r->desc->name, r->err);
}

/* ---- what is relayed ---- */

static bool relayed(const myl_topo_relay *r, const myl_topo_route_desc *rt)
{
    return (rt->from == r->o.role) != (rt->to == r->o.role);
}

/* Role q's members are peers: neither the owner's role nor R, and a
 * relayed route joins q and R. */
static bool peer_role(const myl_topo_relay *r, uint32_t q)
{
    if (q == 0 || q == r->o.role)
        return false;
    for (uint32_t i = 0; i < r->desc->nroutes; i++) {
        const myl_topo_route_desc *rt = &r->desc->routes[i];
        if (relayed(r, rt) && (rt->from == q || rt->to == q))
            return true;
    }
    return false;
}

/* Peer members of these counts. */
static uint32_t count_peers(const myl_topo_relay *r, const uint32_t *counts)
{
    uint32_t np = 0;
    for (uint32_t q = 0; q < r->desc->nroles; q++)
        np += peer_role(r, q) ? counts[q] : 0;
    return np;
}

static int check_desc(myl_topo_relay *r)
{
    const myl_topo_desc *d = r->desc;
    if (r->o.role == 0 || r->o.role >= d->nroles) {
        set_err(r, "the remote role must be one of roles 1..%u (role 0, %s, is the owner)",
                d->nroles ? d->nroles - 1 : 0, d->nroles ? d->roles[0].name : "?");
        return MYL_EINVAL;
    }
    static const char *const shapes[] = {"direct", "broadcast", "shared", "partitioned"};
    uint32_t any = 0;
    for (uint32_t i = 0; i < d->nroutes; i++) {
        const myl_topo_route_desc *rt = &d->routes[i];
        if (!relayed(r, rt))
            continue;
        if (rt->group) {
            set_err(r, "route %s is over lanes or size classes: not relayed across hosts",
                    rt->name);
            return MYL_EINVAL;
        }
        if (rt->shape != MYL_ROUTE_DIRECT && rt->shape != MYL_ROUTE_PARTITIONED) {
            set_err(r,
                    "route %s is %s: only direct and partitioned routes are relayed across "
                    "hosts",
                    rt->name, rt->shape < 4 ? shapes[rt->shape] : "?");
            return MYL_EINVAL;
        }
        any++;
    }
    if (!any) {
        set_err(r, "role %s has no route to or from another role", d->roles[r->o.role].name);
        return MYL_EINVAL;
    }
    return 0;
}

/* Ring j's endpoint: tcp://host:port -> port + 1 + j, else <endpoint>.j. */
static int link_endpoint(const char *ep, uint32_t j, char *out, size_t cap)
{
    const char *colon = strrchr(ep, ':');
    int n;
    if (strncmp(ep, "tcp://", 6) == 0 && colon && colon[1]) {
        char *end;
        errno = 0;
        unsigned long port = strtoul(colon + 1, &end, 10);
        if (*end || errno || port == 0 || port + 1 + j > 65535)
            return MYL_EINVAL;
        n = snprintf(out, cap, "%.*s:%lu", (int)(colon - ep), ep, port + 1 + j);
    } else {
        n = snprintf(out, cap, "%s.%u", ep, j);
    }
    return n < 0 || (size_t)n >= cap ? MYL_EINVAL : 0;
}

/* The relayed rings, numbered in route order then ring order: the same on
 * both sides (the same counts). */
static int make_links(myl_topo_relay *r)
{
    const myl_topo_desc *d = r->desc;
    uint32_t R = r->o.role, total = 0;
    for (uint32_t i = 0; i < d->nroutes; i++)
        if (relayed(r, &d->routes[i]))
            total += r->counts[d->routes[i].from] * r->counts[d->routes[i].to];
    r->links = calloc(total ? total : 1, sizeof *r->links);
    r->m = calloc(r->counts[R], sizeof *r->m);
    uint32_t np = count_peers(r, r->counts);
    r->p = calloc(np ? np : 1, sizeof *r->p);
    if (!r->links || !r->m || !r->p)
        return -ENOMEM;
    r->n = r->counts[R];
    r->np = 0;
    for (uint32_t q = 0; q < d->nroles; q++)
        for (uint32_t i = 0; peer_role(r, q) && i < r->counts[q]; i++, r->np++) {
            r->p[r->np].role = q;
            r->p[r->np].index = i;
        }
    uint32_t j = 0;
    for (uint32_t i = 0; i < d->nroutes; i++) {
        const myl_topo_route_desc *rt = &d->routes[i];
        if (!relayed(r, rt))
            continue;
        uint32_t ct = r->counts[rt->to], nr = r->counts[rt->from] * ct;
        for (uint32_t k = 0; k < nr; k++, j++) {
            struct link *l = &r->links[j];
            l->route = i;
            l->ring = k;
            l->member = rt->to == R ? k % ct : k / ct;
            /* Rings into R: home exports, remote imports. */
            l->exporting = (rt->to == R) == (r->o.side == MYL_RELAY_HOME);
            atomic_init(&l->done, false);
            if (link_endpoint(r->endpoint, j, l->endpoint, sizeof l->endpoint) < 0) {
                set_err(r, "endpoint %s: no room for ring %u", r->endpoint, j);
                return MYL_EINVAL;
            }
        }
    }
    r->nlinks = j;
    return 0;
}

static void free_links(myl_topo_relay *r)
{
    free(r->links);
    free(r->m);
    free(r->p);
    r->links = NULL;
    r->m = NULL;
    r->p = NULL;
    r->nlinks = r->n = r->np = 0;
    r->have_counts = false;
}

/* ---- the bridges ---- */

static void *link_thread(void *arg)
{
    struct link *l = arg;
    l->rc = myl_bridge_run(l->b, MYL_FOREVER);
    /* Release: pairs with the acquire in the supervision (l->rc). */
    atomic_store_explicit(&l->done, true, memory_order_release);
    return NULL;
}

static void link_stop(struct link *l)
{
    if (!l->b)
        return;
    if (l->running) {
        myl_bridge_stop(l->b);
        pthread_join(l->th, NULL);
        l->running = false;
    }
    myl_bridge_close(l->b);
    l->b = NULL;
    atomic_store_explicit(&l->done, false, memory_order_relaxed);
}

/* A home exporter's entry that a relay process which died left under
 * member id `id`: evicted, so that the new exporter registers afresh and
 * starts at what is sent next. Taken over instead, it would resume at its
 * released position and send again what the member's earlier incarnation
 * was sent and had not acknowledged when the relay died, answered or left
 * for the owner to re-dispatch: answered twice. Entries of this process
 * stay (pid 0 is a bridge of this relay closed to be started again: it
 * resumes, exactly once). Only for an owner that does not evict a dead
 * member's entries (on_dead error or ignore); one that does evicts it on
 * the DEAD that brought this stand-in. */
static void evict_earlier(myl_ring *ring, const char *id)
{
    for (uint32_t k = 0; k < ring->max_consumers; k++) {
        myl_consumer_stats cs;
        if (myl_ring_consumer_stats(ring, k, &cs) == 0 && cs.state == MYL_ENTRY_ACTIVE &&
            cs.pid > 0 && !cs.alive && strncmp(cs.id, id, MYL_ID_MAX) == 0)
            (void)myl_ring_evict(ring, k);
    }
}

static int link_start(myl_topo_relay *r, struct link *l, myl_topo *t)
{
    myl_ring *ring = myl_topo_ring(t, l->route, l->ring);
    if (!ring)
        return MYL_EINVAL;
    const myl_topo_route_desc *rt = &r->desc->routes[l->route];
    char id[MYL_ID_MAX];
    /* Home exporter: reads as the remote member would (its id: the owner
     * evicts it with the member); remote exporter: as the home reader. */
    uint32_t ct = r->counts[rt->to];
    int rc = myl_topo_member_id(t, rt->to, l->ring % ct, id, sizeof id);
    if (rc < 0)
        return rc;
    /* Not under a peer member's id, though: the remote site's owner (this
     * relay) would count the exporter's position as the peer's progress
     * and evict it with the peer (stalled, dead or gone), dropping what
     * it had not delivered; the peer's judge is home's owner, which sees
     * the member itself. */
    if (r->o.side == MYL_RELAY_REMOTE && peer_role(r, rt->to)) {
        char mid[MYL_ID_MAX];
        memcpy(mid, id, sizeof mid);
        int n = snprintf(id, sizeof id, "%s.relay", mid);
        if (n < 0 || (size_t)n >= sizeof id)
            snprintf(id, sizeof id, "relay.%u.%u", rt->to, l->ring % ct);
    }
    myl_bridge_opts o = {
        .size = sizeof o,
        /* Slots verbatim on both sides: framed rings'
         * frames too (counted as events). */
        .kind = MYL_BRIDGE_RAW,
        .endpoint = l->endpoint,
        .bind = r->o.side == MYL_RELAY_REMOTE ? MYL_BRIDGE_BIND : MYL_BRIDGE_CONNECT,
        .hwm = r->o.hwm,
        .batch = r->o.batch,
        .reconnect_ns = r->o.reconnect_ns,
        .peer_timeout_ns = r->o.peer_timeout_ns,
        .consumer_id = id,
        /* A home exporter's entry is the remote member's, to its owner:
         * the member's heartbeat (its stand-in's), not the exporter's
         * waits, says whether it is alive. */
        .flags = r->o.side == MYL_RELAY_HOME ? MYL_BRIDGE_NO_BEAT : 0,
        /* Home exporters from what is sent next: what an
         * earlier incarnation of the member left in the
         * ring is the owner's to re-dispatch (it saw that
         * one die or leave), not the new one's. */
        .start = r->o.side == MYL_RELAY_HOME ? MYL_BRIDGE_START_LIVE : MYL_BRIDGE_START_OLDEST};
    if (r->o.side == MYL_RELAY_HOME && l->exporting &&
        (r->owner_on_dead == MYL_LIVE_ERROR || r->owner_on_dead == MYL_LIVE_IGNORE))
        evict_earlier(ring, id);
    rc = l->exporting ? myl_bridge_export_open(ring, &o, &l->b)
                      : myl_bridge_import_open(ring, &o, &l->b);
    if (rc < 0) {
        l->b = NULL;
        return rc;
    }
    atomic_store_explicit(&l->done, false, memory_order_relaxed);
    if (pthread_create(&l->th, NULL, link_thread, l) != 0) {
        myl_bridge_close(l->b);
        l->b = NULL;
        return -EAGAIN;
    }
    l->running = true;
    return 0;
}

/* A bridge that ended (its exporter evicted, say): closed, and started
 * again after the reconnect interval while its site or member is up (at
 * home: once the member has shown life since). */
static void supervise(myl_topo_relay *r, uint64_t now)
{
    for (uint32_t j = 0; j < r->nlinks; j++) {
        struct link *l = &r->links[j];
        const struct mirror *m = r->o.side == MYL_RELAY_HOME ? &r->m[l->member] : NULL;
        myl_topo *t = m ? (m->ready ? m->t : NULL) : r->site;
        if (l->b && atomic_load_explicit(&l->done, memory_order_acquire)) {
            fprintf(stderr, "myelon-bridge: topology %s: ring %u ended: %s\n", r->desc->name, j,
                    myl_bridge_error(l->b));
            link_stop(l);
            l->retry_at = now + (uint64_t)r->o.reconnect_ns;
            if (m) {
                l->await_seen = true;
                l->seen_end = m->seen;
            }
        }
        if (m && l->await_seen && m->seen == l->seen_end)
            continue;
        if (!l->b && t && now >= l->retry_at) {
            if (link_start(r, l, t) < 0)
                l->retry_at = now + (uint64_t)r->o.reconnect_ns;
            else
                l->await_seen = false;
        }
    }
}

static void member_links(myl_topo_relay *r, uint32_t i, myl_topo *t, bool start)
{
    for (uint32_t j = 0; j < r->nlinks; j++) {
        struct link *l = &r->links[j];
        if (l->member != i)
            continue;
        if (!start) {
            link_stop(l);
            l->retry_at = 0;
            l->await_seen = false;
        } else if (!l->b && link_start(r, l, t) < 0) {
            l->retry_at = now_ns() + (uint64_t)r->o.reconnect_ns;
        }
    }
}

/* ---- control messages ---- */

static size_t put_hdr(myl_topo_relay *r, uint32_t type)
{
    myl__br_put32(r->buf, CTL_MAGIC);
    myl__br_put32(r->buf + 4, CTL_VERSION);
    myl__br_put32(r->buf + 8, type);
    myl__br_put64(r->buf + 12, r->desc->fingerprint);
    myl__br_put32(r->buf + 20, r->o.role);
    myl__br_put32(r->buf + 24, r->desc->nroles);
    return CTL_HDR;
}

static void send_msg(myl_topo_relay *r, size_t len, uint64_t now)
{
    (void)zmq_send(r->sock, r->buf, len, ZMQ_DONTWAIT); /* lost: the next one says it */
    r->last_tx = now;
}

/* The header of a message from the other relay: 0, MYL_EAGAIN to ignore
 * it (garbage), or a refusal. */
static int check_hdr(myl_topo_relay *r, const uint8_t *p, size_t n, uint32_t want)
{
    if (n < CTL_HDR || myl__br_get32(p) != CTL_MAGIC)
        return MYL_EAGAIN;
    if (myl__br_get32(p + 4) != CTL_VERSION) {
        set_err(r, "the other relay speaks control version %u, this one %u", myl__br_get32(p + 4),
                CTL_VERSION);
        return MYL_EINVAL;
    }
    uint32_t type = myl__br_get32(p + 8);
    if (type != want && type != CTL_REFUSE)
        return MYL_EAGAIN;
    if (myl__br_get64(p + 12) != r->desc->fingerprint) {
        set_err(r,
                "fingerprint mismatch: this relay's topology %016" PRIx64
                ", the other's %016" PRIx64,
                r->desc->fingerprint, myl__br_get64(p + 12));
        return MYL_EFINGERPRINT;
    }
    if (myl__br_get32(p + 20) != r->o.role || myl__br_get32(p + 24) != r->desc->nroles) {
        set_err(r, "role mismatch: this relay relays role %u, the other role %u", r->o.role,
                myl__br_get32(p + 20));
        return MYL_EINVAL;
    }
    if (type == CTL_REFUSE) {
        set_err(r, "refused by the other relay");
        return MYL_EINVAL;
    }
    return 0;
}

/* ---- remote side ---- */

static void close_site(myl_topo_relay *r)
{
    for (uint32_t j = 0; j < r->nlinks; j++)
        link_stop(&r->links[j]);
    for (uint32_t j = 0; j < r->np; j++) { /* they leave (LEFT), before the site goes */
        myl_topo_close(r->p[j].t);
        r->p[j].t = NULL;
    }
    if (r->site)
        myl_topo_close(r->site);
    r->site = NULL;
    r->site_dead = false;
    free_links(r);
}

static int open_site(myl_topo_relay *r, const uint32_t *counts)
{
    myl_topo_cfg c = r->cfg;
    memcpy(c.counts, counts, sizeof c.counts);
    memcpy(r->counts, counts, sizeof r->counts);
    int rc = make_links(r);
    if (rc == 0)
        rc = myl_topo_open(r->desc, &c, 0, 0, &r->site);
    if (rc == 0)
        rc = myl_topo_ready(r->site);
    if (rc < 0) {
        set_err(r, "opening the remote site: %s", myl_strerror(rc));
        if (r->site)
            myl_topo_close(r->site);
        r->site = NULL;
        free_links(r);
        return rc;
    }
    r->have_counts = true;
    r->nonce++; /* a new site: new incarnations of every member */
    for (uint32_t j = 0; j < r->nlinks; j++)
        if (link_start(r, &r->links[j], r->site) < 0)
            r->links[j].retry_at = now_ns() + (uint64_t)r->o.reconnect_ns;
    fprintf(stderr,
            "myelon-bridge: topology %s: remote site %s%s open, %u %s, %u rings, peer timeout "
            "%lld ms\n",
            r->desc->name, r->prefix, r->instance, r->n, r->desc->roles[r->o.role].name, r->nlinks,
            (long long)(r->o.peer_timeout_ns / 1000000));
    return 0;
}

static void remote_events(myl_topo_relay *r);

/* Peer member q is no longer up at home (it left, died, or another
 * incarnation joined): its stand-in marked LEFT or DEAD, the site's owner
 * (this relay's handle) told at once, so that it reports the event and
 * applies its policy now (nothing of q's to evict here: the exporters of
 * the rings into q read under ids of their own, link_start), then
 * closed. */
static void peer_retire(myl_topo_relay *r, struct peer *q, bool dead, const char *why)
{
    (void)myl_topo_mark(q->t, dead ? MYL_TOPO_MEMBER_DEAD : MYL_TOPO_MEMBER_LEFT);
    remote_events(r);
    myl_topo_close(q->t);
    q->t = NULL;
    fprintf(stderr, "myelon-bridge: topology %s: %s.%u %s at the remote site (%s)\n", r->desc->name,
            r->desc->roles[q->role].name, q->index, dead ? "dead" : "left", why);
}

/* Peer member q is up at home: a stand-in for it at the remote site. It
 * beats only when q's heartbeat at home has moved (remote_peers). */
static void peer_stand_in(myl_topo_relay *r, struct peer *q)
{
    myl_topo_cfg c = r->cfg;
    c.liveness.startup_wait_ns = 1000000; /* the site is ours, and open */
    int rc = myl_topo_open(r->desc, &c, q->role, q->index, &q->t);
    if (rc == 0 && (rc = myl_topo_ready(q->t)) < 0)
        myl_topo_close(q->t);
    if (rc < 0) {
        q->t = NULL;
        if (!q->warned) /* tried again on every STATUS: said once */
            set_err(r, "stand-in %s.%u at the remote site: %s", r->desc->roles[q->role].name,
                    q->index, myl_strerror(rc));
    }
    q->warned = rc < 0;
}

/* The peer members' entries at home, from STATUS (p: the first). */
static void remote_peers(myl_topo_relay *r, const uint8_t *p)
{
    for (uint32_t j = 0; j < r->np; j++, p += CTL_MEMBER) {
        struct peer *q = &r->p[j];
        uint32_t st = myl__br_get32(p), epoch = myl__br_get32(p + 4);
        uint64_t seen = myl__br_get64(p + 8);
        if (q->t && (st != RM_UP || epoch != q->epoch))
            peer_retire(r, q, st == RM_DEAD || st == RM_UP,
                        st == RM_UP     ? "replaced at home"
                        : st == RM_DEAD ? "died at home"
                                        : "left home");
        if (!q->t && st == RM_UP) {
            peer_stand_in(r, q);
            q->epoch = epoch;
            q->seen = seen;
        } else if (q->t && seen != q->seen) {
            /* It moves at home: its stand-in beats here (its own checks
             * look at this site's owner, this relay: nothing to act on). */
            q->seen = seen;
            (void)myl_topo_check(q->t);
        }
    }
}

static int remote_status(myl_topo_relay *r, const uint8_t *p, size_t n, uint64_t now)
{
    const myl_topo_desc *d = r->desc;
    if (n < CTL_HDR + CTL_STATUS_FIXED(d->nroles))
        return 0;
    uint32_t counts[MYL_TOPO_MAX_ROLES] = {0};
    for (uint32_t i = 0; i < d->nroles; i++) {
        counts[i] = myl__br_get32(p + CTL_HDR + 8 + (size_t)4 * i);
        if (counts[i] < d->roles[i].min || counts[i] > d->roles[i].max)
            return 0; /* not a count of this topology: ignored */
    }
    const uint8_t *pp = p + CTL_HDR + 8 + (size_t)4 * d->nroles;
    uint32_t np = myl__br_get32(pp);
    if (np != count_peers(r, counts) ||
        n != CTL_HDR + CTL_STATUS_FIXED(d->nroles) + (size_t)np * CTL_MEMBER)
        return 0; /* not of these counts: ignored */
    r->last_rx = now;
    r->seq = myl__br_get64(p + CTL_HDR);
    if (r->site && memcmp(counts, r->counts, sizeof counts) != 0) {
        fprintf(stderr, "myelon-bridge: topology %s: the home instance's counts changed\n",
                d->name);
        close_site(r);
    }
    if (r->site_dead) { /* home is back: a new site (its members reopen into it) */
        fprintf(stderr, "myelon-bridge: topology %s: home is back: the remote site again\n",
                d->name);
        close_site(r);
    }
    if (!r->site)
        (void)open_site(r, counts); /* tried again on the next STATUS */
    if (r->site && r->np == np)
        remote_peers(r, pp + 4);
    return 0;
}

static void remote_events(myl_topo_relay *r)
{
    myl_topo_event ev[32];
    int n;
    while ((n = myl_topo_poll(r->site, ev, 32)) > 0) {
        for (int i = 0; i < n; i++) {
            if (ev[i].role != r->o.role || ev[i].index >= r->n)
                continue;
            struct mirror *m = &r->m[ev[i].index];
            switch (ev[i].kind) {
            case MYL_TOPO_EV_JOINED:
                m->rinc++;
                m->state = RM_UP;
                break;
            case MYL_TOPO_EV_RESUMED:
                m->state = RM_UP;
                break;
            case MYL_TOPO_EV_STALLED:
                m->state = RM_STALLED;
                break;
            case MYL_TOPO_EV_LEFT:
                m->state = RM_LEFT;
                break;
            default:
                m->state = RM_DEAD;
                break;
            }
        }
        if (n < 32)
            break;
    }
}

static void remote_send_state(myl_topo_relay *r, uint64_t now)
{
    size_t len = put_hdr(r, CTL_STATE);
    myl__br_put64(r->buf + len, r->nonce);
    myl__br_put64(r->buf + len + 8, r->seq);
    myl__br_put32(r->buf + len + 16, r->n);
    len += CTL_STATE_FIXED;
    for (uint32_t i = 0; i < r->n; i++, len += CTL_MEMBER) {
        myl__br_put32(r->buf + len, r->m[i].state);
        myl__br_put32(r->buf + len + 4, r->m[i].rinc);
        myl__br_put64(r->buf + len + 8, myl_topo_last_seen(r->site, r->o.role, i));
    }
    send_msg(r, len, now);
}

/* ---- home side ---- */

/* Does the exporter entry under this member's id, from this process,
 * still hold ring (route, ring) of stand-in t? With evict, it no longer
 * does: evicted by the relay itself (an owner that does not evict a dead
 * member's entries: on_dead error or ignore). A closed exporter's entry
 * is owned by no process (pid 0, myl__consumer_detach) and holds the ring
 * all the same: a new stand-in's exporter would resume it, sending again
 * what the member's earlier incarnation left for the owner to
 * re-dispatch. */
static bool entry_held(const myl_topo_relay *r, myl_topo *t, const struct link *l, bool evict)
{
    myl_ring *ring = myl_topo_ring(t, l->route, l->ring);
    char id[MYL_ID_MAX];
    if (!ring || myl_topo_member_id(t, r->o.role, l->member, id, sizeof id) < 0)
        return false;
    bool held = false;
    for (uint32_t k = 0; k < ring->max_consumers; k++) {
        myl_consumer_stats cs;
        if (myl_ring_consumer_stats(ring, k, &cs) == 0 && cs.state == MYL_ENTRY_ACTIVE &&
            (cs.pid == (int32_t)getpid() || cs.pid == 0) && strncmp(cs.id, id, sizeof id) == 0)
            held |= !evict || myl_ring_evict(ring, k) < 0;
    }
    return held;
}

/* Retire the stand-in of member i: marked DEAD (the owner reports DEAD,
 * applies on_dead) or LEFT, its bridges stopped, and kept open (going)
 * until the owner has evicted the home exporters' entries: a new stand-in
 * of the member registers under the same id, which the owner's eviction
 * of the old one, were it still to come, would hit. */
static void retire(myl_topo_relay *r, uint32_t i, bool dead, const char *why)
{
    struct mirror *m = &r->m[i];
    if (!m->t || m->going)
        return;
    member_links(r, i, NULL, false);
    (void)myl_topo_mark(m->t, dead ? MYL_TOPO_MEMBER_DEAD : MYL_TOPO_MEMBER_LEFT);
    m->ready = false;
    m->going = true;
    m->died = dead;
    fprintf(stderr, "myelon-bridge: topology %s: %s.%u %s at home (%s)\n", r->desc->name,
            r->desc->roles[r->o.role].name, i, dead ? "dead" : "left", why);
}

/* Stand-ins retired whose entries the owner has evicted: closed. An
 * owner that does not evict a dead member's entries (on_dead error or
 * ignore, as myl_topo_peek says) never will: the relay evicts its own, or
 * the member could never stand in again. */
static void reap_going(myl_topo_relay *r)
{
    bool self = r->owner_on_dead == MYL_LIVE_ERROR || r->owner_on_dead == MYL_LIVE_IGNORE;
    for (uint32_t i = 0; i < r->n; i++) {
        struct mirror *m = &r->m[i];
        if (!m->going)
            continue;
        bool held = false;
        for (uint32_t j = 0; j < r->nlinks && !held; j++)
            held = r->links[j].member == i && r->links[j].exporting &&
                   entry_held(r, m->t, &r->links[j], self && m->died);
        if (held)
            continue;
        myl_topo_close(m->t);
        m->t = NULL;
        m->going = false;
    }
}

/* Every stand-in closed at once (the relay closes, or the instance is
 * gone): they leave. */
static void home_reset(myl_topo_relay *r, const char *why)
{
    for (uint32_t i = 0; i < r->n; i++) {
        struct mirror *m = &r->m[i];
        if (!m->t)
            continue;
        member_links(r, i, NULL, false);
        myl_topo_close(m->t);
        m->t = NULL;
        m->ready = false;
        if (!m->going)
            fprintf(stderr, "myelon-bridge: topology %s: %s.%u left at home (%s)\n", r->desc->name,
                    r->desc->roles[r->o.role].name, i, why);
        m->going = false;
    }
    free_links(r);
}

/* The remote member i is up: a stand-in for it (joining), its bridges,
 * then ready once every bridge runs (a home exporter cannot register while
 * an earlier one's entry is still there). */
static void stand_in(myl_topo_relay *r, uint32_t i)
{
    struct mirror *m = &r->m[i];
    if (!m->t) {
        myl_topo_cfg c = r->cfg;
        c.liveness.startup_wait_ns = 1000000; /* the instance is there (peeked) */
        int rc = myl_topo_open(r->desc, &c, r->o.role, i, &m->t);
        if (rc < 0) {
            m->t = NULL;
            set_err(r, "stand-in %s.%u: %s", r->desc->roles[r->o.role].name, i, myl_strerror(rc));
            return;
        }
        if (myl_topo_count(m->t, r->o.role) != r->n) { /* another instance since the peek */
            myl_topo_close(m->t);
            m->t = NULL;
            return;
        }
    }
    member_links(r, i, m->t, true);
    for (uint32_t j = 0; j < r->nlinks; j++)
        if (r->links[j].member == i && !r->links[j].b)
            return; /* tried again on the next STATE */
    int rc = myl_topo_ready(m->t);
    if (rc < 0) {
        set_err(r, "stand-in %s.%u: %s", r->desc->roles[r->o.role].name, i, myl_strerror(rc));
        member_links(r, i, NULL, false);
        myl_topo_close(m->t);
        m->t = NULL;
        return;
    }
    m->ready = true;
}

static int home_state(myl_topo_relay *r, const uint8_t *p, size_t n, uint64_t now)
{
    if (!r->have_counts || n < CTL_HDR + CTL_STATE_FIXED)
        return 0;
    uint64_t nonce = myl__br_get64(p + CTL_HDR);
    uint64_t echo = myl__br_get64(p + CTL_HDR + 8);
    uint32_t cnt = myl__br_get32(p + CTL_HDR + 16);
    if (cnt != r->n || n != CTL_HDR + CTL_STATE_FIXED + (size_t)cnt * CTL_MEMBER)
        return 0; /* of other counts: the remote site is being made again */
    r->last_rx = now;
    r->linked = true;
    /* Only a STATE that answers a STATUS sent after the last silence (in
     * (fence, seq], counted from the fence so that the sequence may wrap;
     * another run's numbers fall outside w.h.p.) speaks for the members:
     * one from before may say up members the remote relay has since given
     * up. */
    if (echo - r->fence - 1 >= r->seq - r->fence)
        return 0;
    for (uint32_t i = 0; i < cnt; i++) {
        const uint8_t *e = p + CTL_HDR + CTL_STATE_FIXED + (size_t)i * CTL_MEMBER;
        uint32_t st = myl__br_get32(e), inc = myl__br_get32(e + 4);
        uint64_t seen = myl__br_get64(e + 8);
        struct mirror *m = &r->m[i];
        if (m->going)
            continue; /* the owner has not acted on the last one yet */
        if (m->t && !m->ready) {
            if (st != RM_UP)
                retire(r, i, true, "gone before its stand-in was ready");
        } else if (m->t) {
            if (nonce != m->nonce || inc != m->inc || st == RM_DEAD)
                retire(r, i, true,
                       nonce != m->nonce ? "the remote relay restarted"
                       : inc != m->inc   ? "replaced at the remote site"
                                         : "died at the remote site");
            else if (st == RM_LEFT || st == RM_NONE)
                retire(r, i, false, "left the remote site");
            else if (seen != m->seen) {
                m->seen = seen;
                if (st == RM_UP) {
                    /* It moves there: its stand-in beats here, and looks
                     * at the owner (a dead or shut owner: start over). */
                    int rc = myl_topo_check(m->t);
                    if (rc == MYL_EPEERDEAD || rc == MYL_ECLOSED) {
                        home_reset(r, rc == MYL_ECLOSED ? "the instance was shut down"
                                                        : "the owner died");
                        return 0;
                    }
                }
            }
        }
        if (!m->going && !m->ready && st == RM_UP) {
            stand_in(r, i);
            if (m->ready) {
                m->nonce = nonce;
                m->inc = inc;
                m->seen = seen;
            }
        }
    }
    return 0;
}

/* The home instance: its counts (and a new incarnation of it). */
static void home_peek(myl_topo_relay *r, uint64_t now)
{
    if (now < r->next_peek)
        return;
    r->next_peek = now + PEEK_NS;
    myl_topo_info info;
    int rc = myl_topo_peek_members(r->desc, &r->cfg, &info, r->tab,
                                   MYL_TOPO_MAX_ROLES * MYL_TOPO_MAX_INSTANCES);
    if (rc == 0)
        r->owner_on_dead = info.on_dead;
    if (rc < 0) {
        if (r->have_counts)
            home_reset(r, rc == MYL_EPEERDEAD ? "the owner died" : "the instance is gone");
        return;
    }
    if (r->have_counts &&
        (info.created_ns != r->created || memcmp(info.counts, r->counts, sizeof r->counts) != 0))
        home_reset(r, "a new instance");
    if (!r->have_counts) {
        memcpy(r->counts, info.counts, sizeof r->counts);
        r->created = info.created_ns;
        if (make_links(r) < 0) {
            free_links(r);
            return;
        }
        r->have_counts = true;
        fprintf(stderr,
                "myelon-bridge: topology %s: home instance %s%s found, %u %s, %u rings, peer "
                "timeout %lld ms\n",
                r->desc->name, r->prefix, r->instance, r->n, r->desc->roles[r->o.role].name,
                r->nlinks, (long long)(r->o.peer_timeout_ns / 1000000));
    }
    /* The peer members' entries (the table is of these counts: a peek of
     * others reset the relay above). */
    for (uint32_t j = 0; j < r->np; j++) {
        struct peer *q = &r->p[j];
        uint32_t k = q->index;
        for (uint32_t role = 0; role < q->role; role++)
            k += r->counts[role];
        const myl_topo_member_info *e = &r->tab[k];
        q->state = e->state == MYL_TOPO_MEMBER_UP     ? RM_UP
                   : e->state == MYL_TOPO_MEMBER_LEFT ? RM_LEFT
                   : e->state == MYL_TOPO_MEMBER_DEAD ? RM_DEAD
                                                      : RM_NONE;
        q->epoch = e->epoch;
        q->seen = e->heartbeat_ns;
    }
}

/* ---- open, run, close ---- */

int myl_topo_relay_open(const myl_topo_desc *desc, const myl_topo_relay_opts *opts,
                        myl_topo_relay **out)
{
    if (!out)
        return MYL_EINVAL;
    *out = NULL;
    if (!desc || !opts || !opts->endpoint)
        return MYL_EINVAL;
    size_t n = opts->size ? opts->size : sizeof *opts;
    if (n > sizeof *opts)
        return MYL_EINVAL;
    myl_topo_relay *r = calloc(1, sizeof *r);
    if (!r)
        return -ENOMEM;
    r->desc = desc;
    memcpy(&r->o, opts, n);
    if (r->o.cfg)
        r->cfg = *r->o.cfg;
    else
        myl_topo_cfg_init(&r->cfg);
    if (!r->o.peer_timeout_ns)
        r->o.peer_timeout_ns = DEF_PEER_NS;
    if (!r->o.reconnect_ns)
        r->o.reconnect_ns = DEF_RECONNECT_NS;
    if (!r->cfg.liveness.check_interval_ns)
        r->cfg.liveness.check_interval_ns = 10000000;
    /* Instance and prefix resolved once (as myl_topo_open would), kept. */
    const char *inst = r->cfg.instance ? r->cfg.instance : getenv("MYELON_INSTANCE");
    const char *pre = r->cfg.prefix ? r->cfg.prefix : getenv("MYELON_PREFIX");
    /* A name cut short would be another instance's, or another site's. */
    bool fits =
        snprintf(r->instance, sizeof r->instance, "%s", inst && inst[0] ? inst : "default") <
            (int)sizeof r->instance &&
        snprintf(r->prefix, sizeof r->prefix, "%s",
                 pre                                  ? pre
                 : r->cfg.backing == MYL_BACKING_FILE ? "/tmp/"
                                                      : "") < (int)sizeof r->prefix &&
        snprintf(r->endpoint, sizeof r->endpoint, "%s", opts->endpoint) < (int)sizeof r->endpoint;
    r->cfg.instance = r->instance;
    r->cfg.prefix = r->prefix;
    int rc = 0;
    if (!fits) {
        set_err(r, "instance or prefix longer than %u bytes, or endpoint than %zu",
                MYL_TOPO_NAME_MAX - 1, sizeof r->endpoint - 1);
        rc = MYL_ENAME;
    } else if (r->o.side != MYL_RELAY_HOME && r->o.side != MYL_RELAY_REMOTE) {
        set_err(r, "side must be home or remote");
        rc = MYL_EINVAL;
    } else if (!myl__br_time_ok(r->o.reconnect_ns) || !myl__br_time_ok(r->o.peer_timeout_ns) ||
               r->cfg.liveness.check_interval_ns < 0) {
        set_err(r, "invalid options: reconnect_ns and peer_timeout_ns must be in [0, INT32_MAX "
                   "ms], check_interval_ns not negative");
        rc = MYL_EINVAL;
    }
    r->tick = (uint64_t)r->cfg.liveness.check_interval_ns;
    if (r->tick > (uint64_t)r->o.peer_timeout_ns / 4)
        r->tick = (uint64_t)r->o.peer_timeout_ns / 4;
    if (rc == 0)
        rc = check_desc(r);
    if (rc == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        r->nonce =
            ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^ ((uint64_t)getpid() << 40);
        r->seq = r->fence = r->nonce;  /* home: no STATE is current before a STATUS */
        r->owner_on_dead = UINT32_MAX; /* home: not known before a peek */
        if (r->o.side == MYL_RELAY_HOME &&
            !(r->tab =
                  calloc((size_t)MYL_TOPO_MAX_ROLES * MYL_TOPO_MAX_INSTANCES, sizeof *r->tab))) {
            set_err(r, "out of memory");
            rc = -ENOMEM;
        }
    }
    if (rc == 0) {
        r->ctx = zmq_ctx_new();
        r->sock = r->ctx ? zmq_socket(r->ctx, ZMQ_DEALER) : NULL;
        int linger = 0, hwm = 4, immediate = 1;
        int ivl = (int)(r->o.reconnect_ns / 1000000);
        if (ivl < 1)
            ivl = 1;
        bool bind = r->o.side == MYL_RELAY_REMOTE;
        if (!r->sock || zmq_setsockopt(r->sock, ZMQ_LINGER, &linger, sizeof linger) ||
            zmq_setsockopt(r->sock, ZMQ_SNDHWM, &hwm, sizeof hwm) ||
            zmq_setsockopt(r->sock, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl) ||
            (!bind && zmq_setsockopt(r->sock, ZMQ_IMMEDIATE, &immediate, sizeof immediate)) ||
            (bind ? zmq_bind(r->sock, r->endpoint) : zmq_connect(r->sock, r->endpoint))) {
            set_err(r, "%s %s: %s", bind ? "bind" : "connect", r->endpoint,
                    zmq_strerror(zmq_errno()));
            rc = MYL_EINVAL;
        }
    }
    if (rc < 0) {
        myl_topo_relay_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

static int step(myl_topo_relay *r, uint64_t now)
{
    int rc = 0;
    for (;;) {
        int n = zmq_recv(r->sock, r->buf, sizeof r->buf, ZMQ_DONTWAIT);
        if (n < 0)
            break;
        if ((size_t)n > sizeof r->buf)
            continue; /* truncated: not ours */
        uint32_t want = r->o.side == MYL_RELAY_HOME ? CTL_STATE : CTL_STATUS;
        rc = check_hdr(r, r->buf, (size_t)n, want);
        if (rc == MYL_EAGAIN) {
            rc = 0;
            continue;
        }
        if (rc < 0) {
            /* Tell the other side why (a refusal is not answered). */
            if (myl__br_get32(r->buf + 8) != CTL_REFUSE)
                send_msg(r, put_hdr(r, CTL_REFUSE), now);
            return rc;
        }
        if (r->o.side == MYL_RELAY_HOME)
            rc = home_state(r, r->buf, (size_t)n, now);
        else
            rc = remote_status(r, r->buf, (size_t)n, now);
        if (rc < 0 && rc != MYL_EEXIST)
            return rc;
        rc = 0;
    }
    if (r->o.side == MYL_RELAY_HOME) {
        home_peek(r, now);
        reap_going(r);
        if (r->linked && now - r->last_rx > (uint64_t)r->o.peer_timeout_ns) {
            r->linked = false;
            r->fence = r->seq;
            /* Every stand-in marked DEAD before any of their bridges is
             * stopped (which takes a while): an owner that saw the first
             * one DEAD re-dispatches its messages, and should not pick
             * another that is going too, whose ring nobody reads any
             * more (its send would wait the whole resend timeout). */
            for (uint32_t i = 0; i < r->n; i++)
                if (r->m[i].t && !r->m[i].going)
                    (void)myl_topo_mark(r->m[i].t, MYL_TOPO_MEMBER_DEAD);
            for (uint32_t i = 0; i < r->n; i++)
                retire(r, i, true, "the link to the remote relay is silent");
        }
        if (r->have_counts && now - r->last_tx >= r->tick) {
            size_t len = put_hdr(r, CTL_STATUS);
            myl__br_put64(r->buf + len, ++r->seq);
            len += 8;
            for (uint32_t i = 0; i < r->desc->nroles; i++, len += 4)
                myl__br_put32(r->buf + len, r->counts[i]);
            myl__br_put32(r->buf + len, r->np);
            len += 4;
            for (uint32_t j = 0; j < r->np; j++, len += CTL_MEMBER) {
                myl__br_put32(r->buf + len, r->p[j].state);
                myl__br_put32(r->buf + len + 4, r->p[j].epoch);
                myl__br_put64(r->buf + len + 8, r->p[j].seen);
            }
            send_msg(r, len, now);
        }
    } else if (r->site) {
        if (!r->site_dead && now - r->last_rx > (uint64_t)r->o.peer_timeout_ns) {
            /* Home silent (its owner or relay gone, or the link): the
             * remote members see their owner dead, as they would the
             * home owner's death on one host. */
            r->site_dead = true;
            (void)myl_topo_mark(r->site, MYL_TOPO_MEMBER_DEAD);
            fprintf(stderr,
                    "myelon-bridge: topology %s: home silent: the remote site's owner is "
                    "dead to its members\n",
                    r->desc->name);
            /* What home said of the peer members is no longer known: their
             * stand-ins go DEAD (as home's stand-ins of R's members do on
             * the same silence), not UP with a heartbeat that stopped. */
            for (uint32_t j = 0; j < r->np; j++)
                if (r->p[j].t)
                    peer_retire(r, &r->p[j], true, "home is silent");
        }
        remote_events(r);
        if (now - r->last_tx >= r->tick)
            remote_send_state(r, now);
    }
    supervise(r, now);
    return rc;
}

int myl_topo_relay_run(myl_topo_relay *r, int64_t timeout_ns)
{
    if (!r)
        return MYL_EINVAL;
    uint64_t deadline = timeout_ns < 0 ? UINT64_MAX : now_ns() + (uint64_t)timeout_ns;
    /* Awake for the next STATUS or STATE, home's next peek at its
     * instance, and the deadline, whichever comes first. */
    uint64_t every = r->tick;
    if (r->o.side == MYL_RELAY_HOME && every > PEEK_NS)
        every = PEEK_NS;
    if (every < 1000000) /* ZeroMQ polls in ms: never a busy loop */
        every = 1000000;
    while (!r->stop) {
        uint64_t now = now_ns();
        int rc = step(r, now);
        if (rc < 0)
            return rc;
        if (now >= deadline)
            break;
        uint64_t wait = deadline - now < every ? deadline - now : every;
        zmq_pollitem_t it = {.socket = r->sock, .events = ZMQ_POLLIN};
        (void)zmq_poll(&it, 1, (long)((wait + 999999) / 1000000));
    }
    return 0;
}

void myl_topo_relay_stop(myl_topo_relay *r)
{
    if (r)
        r->stop = 1;
}

uint32_t myl_topo_relay_rings(const myl_topo_relay *r)
{
    return r ? r->nlinks : 0;
}

uint32_t myl_topo_relay_up(const myl_topo_relay *r)
{
    uint32_t up = 0;
    for (uint32_t i = 0; r && r->m && i < r->n; i++)
        up += r->o.side == MYL_RELAY_HOME ? r->m[i].ready : r->m[i].state == RM_UP;
    return up;
}

const char *myl_topo_relay_error(const myl_topo_relay *r)
{
    return r ? r->err : "";
}

void myl_topo_relay_close(myl_topo_relay *r)
{
    if (!r)
        return;
    if (r->o.side == MYL_RELAY_HOME)
        home_reset(r, "the relay closed");
    else
        close_site(r);
    if (r->sock)
        zmq_close(r->sock);
    if (r->ctx)
        zmq_ctx_term(r->ctx);
    free(r->tab);
    free(r);
}
