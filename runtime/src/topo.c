/* Topologies: the control segment, the rings of every route, membership,
 * liveness, destination picking and re-dispatch (myelon/topo.h).
 *
 * The control segment is a ring segment whose first slot holds the control
 * block (layout.h, "topology control segments"): created by the owner with
 * the rings' own atomic create protocol, attached by the others with the
 * rings' owner, mode and header checks. Everything read from it is checked
 * again here: the counts against the schema's bounds, the sizes against the
 * mapping, the names against ours.
 *
 * Nothing here is on a ring's hot path. The checks (process liveness,
 * progress, shutdown) run in myl_topo_check, myl_topo_poll and
 * myl_topo_wait_ready only.
 *
 * Pairings of atomic operations used here:
 *   T1/a1  member state stored by its member (join, ready, leave) / loaded
 *          by the checks: pid, start time and epoch are written before
 *   T2/a2  shutdown flag and membership generation stored / loaded
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "myelon/topo.h"

_Static_assert(MYL_TOPO_MAX_ROLES == MYL_TOPO_CTL_ROLES, "role table size");
_Static_assert(MYL_TOPO_NAME_MAX == MYL_TOPO_CTL_NAME, "name size");
_Static_assert(MYL_TOPO_MAX_ROUTES == MYL_TOPO_CTL_ROUTES, "route table size");

#define DEF_STARTUP_NS INT64_C(10000000000)
#define DEF_PROGRESS_NS INT64_C(2000000000)
#define DEF_CHECK_NS INT64_C(10000000)
#define EVENT_QUEUE 256u
/* The payload of the control ring's slot 0 starts 8 bytes into the slot. */
#define CTL_PAD (MYL_TOPO_CTL_OFFSET - (uint32_t)sizeof(myl__slot))

/* Shadow states the owner keeps per member. */
enum { SH_NONE, SH_UP, SH_STALLED, SH_DEAD, SH_LEFT };

struct shadow {
    uint32_t epoch;  /* of the incarnation last seen */
    uint32_t status; /* SH_* */
    int32_t pid;
    uint64_t start_time;
    uint64_t sig;         /* progress signature: heartbeats and positions */
    uint64_t progress_at; /* when sig last changed */
    uint64_t since;       /* when it was found dead or stalled */
    bool acted;           /* the action for that has been applied */
    bool evicted;         /* out of rotation until its consumers are back
                           * (non-owners: check_dests) */
    bool erroring;        /* on_* = error: the checks report MYL_EPEERDEAD */
};

struct track_ent {
    uint64_t id;
    void *data;
    size_t len;
    uint32_t member;
    uint32_t epoch; /* the member's incarnation it was sent to */
    bool used;
    uint64_t key; /* the partitioning key it was sent with (myl_topo_track_key) */
    uint64_t seq; /* the order it was first sent in: re-dispatch keeps it */
};

struct myl_topo {
    const myl_topo_desc *desc;
    myl_liveness live;
    uint32_t backing;
    uint32_t role, index, me;
    bool owner;
    char instance[MYL_TOPO_NAME_MAX];
    char prefix[MYL_TOPO_NAME_MAX];
    uint32_t counts[MYL_TOPO_MAX_ROLES];
    uint32_t first[MYL_TOPO_MAX_ROLES]; /* member table index of each role's instance 0 */
    uint32_t nmembers;
    myl_ring *ctl_ring;
    myl__topo_ctl *ctl;
    myl__topo_member *members;
    int32_t owner_pid;
    uint64_t owner_start;
    uint32_t nrings[MYL_TOPO_MAX_ROUTES];
    /* rings per ring index: a group's count (lanes, size classes), else 1;
     * ring i of ring index k is rings[route][k * width + i] */
    uint32_t width[MYL_TOPO_MAX_ROUTES];
    myl_ring **rings[MYL_TOPO_MAX_ROUTES];
    uint32_t epoch; /* of our own join */
    struct shadow *sh;
    myl_topo_event evq[EVENT_QUEUE];
    uint32_t evhead, evcount;
    uint64_t next_check;
    bool shut;
    bool owner_gone;   /* non-owners: the owner's death or leave was reported */
    bool erroring;     /* a member's on_* = error applies: checks give MYL_EPEERDEAD */
    uint64_t rejected; /* messages skipped: failed verification or decoding */
    uint32_t rr[MYL_TOPO_MAX_ROUTES];
    /* re-dispatch */
    uint32_t track_max;
    struct track_ent *tt;
    uint32_t tcap, tcount;
    size_t tbytes;
    uint64_t tseq; /* the next track_ent.seq */
    /* while a resend fn runs (on): its message's key, id and first send
     * order, which the message keeps when it is tracked again; saved and
     * restored around each fn, which may re-dispatch in turn */
    struct resend {
        uint64_t key, id, seq;
        bool on;
    } resend;
    uint32_t *outst; /* per member */
};

/* ---- names and descriptors ---- */

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool valid_instance(const char *s)
{
    size_t n = s ? strnlen(s, MYL_TOPO_NAME_MAX) : 0;
    if (n == 0 || n >= MYL_TOPO_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '-')
            return false;
    return true;
}

/* Role names: [a-z_][a-z0-9_]*, short enough for "<role>.<index>" to be a
 * consumer id (31 bytes; indices have at most 4 digits). */
#define ROLE_NAME_MAX MYL_TOPO_ROLE_NAME_MAX

static bool valid_role_name(const char *s)
{
    size_t n = s ? strnlen(s, ROLE_NAME_MAX + 1) : 0;
    if (n == 0 || n > ROLE_NAME_MAX || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

/* Topology ("package.Topology") and route names: [A-Za-z0-9_.-], 1..63. */
static bool valid_name(const char *s, bool dots)
{
    size_t n = s ? strnlen(s, MYL_TOPO_NAME_MAX) : 0;
    if (n == 0 || n >= MYL_TOPO_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '-' && !(dots && s[i] == '.'))
            return false;
    return true;
}

/* A route's group (lanes, size classes): what myl_group_create() checks,
 * bar the name (the instance names its rings). */
static bool valid_group(const myl_group_opts *g)
{
    if ((g->kind != MYL_GROUP_CLASSES && g->kind != MYL_GROUP_LANES) || g->count == 0 ||
        g->count > MYL_GROUP_MAX)
        return false;
    if (g->kind == MYL_GROUP_CLASSES ? !g->frame_sizes : !g->lane_names)
        return false;
    for (uint32_t i = 0; i < g->count; i++) {
        uint32_t fs = g->frame_sizes ? g->frame_sizes[i] : g->frame_size;
        if (fs <= MYL_FRAME_HDR_SIZE || fs > MYL_MAX_SLOT_SIZE)
            return false;
        if (g->kind == MYL_GROUP_CLASSES && i > 0 && fs <= g->frame_sizes[i - 1])
            return false;
        if (g->kind == MYL_GROUP_LANES &&
            (!g->lane_names[i] || !valid_name(g->lane_names[i], false)))
            return false;
    }
    return true;
}

static int validate_desc(const myl_topo_desc *d)
{
    if (!d || !valid_name(d->name, true) || d->nroles == 0 || d->nroles > MYL_TOPO_MAX_ROLES ||
        d->nroutes > MYL_TOPO_MAX_ROUTES || !d->roles || (d->nroutes && !d->routes))
        return MYL_EINVAL;
    for (uint32_t i = 0; i < d->nroles; i++) {
        const myl_topo_role_desc *r = &d->roles[i];
        if (!valid_role_name(r->name) || r->min == 0 || r->min > r->count || r->count > r->max ||
            r->max > MYL_TOPO_MAX_INSTANCES)
            return MYL_EINVAL;
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(d->roles[j].name, r->name) == 0)
                return MYL_EINVAL;
    }
    /* The owner: exactly one instance. */
    if (d->roles[0].max != 1)
        return MYL_EINVAL;
    for (uint32_t i = 0; i < d->nroutes; i++) {
        const myl_topo_route_desc *r = &d->routes[i];
        if (!valid_name(r->name, false) || r->from >= d->nroles || r->to >= d->nroles ||
            r->shape > MYL_ROUTE_PARTITIONED || r->partition > MYL_PART_LEAST_LOADED)
            return MYL_EINVAL;
        if (r->group ? !valid_group(r->group) : !r->channel || r->channel->slot_size == 0)
            return MYL_EINVAL;
        /* Lossy rings have one producer. */
        uint32_t mode = r->group ? r->group->mode : r->channel->mode;
        if (r->shape == MYL_ROUTE_SHARED && mode == MYL_MODE_LOSSY)
            return MYL_EINVAL;
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(d->routes[j].name, r->name) == 0)
                return MYL_EINVAL;
    }
    return 0;
}

/* Rings of a route given the counts. */
static uint64_t route_rings(const myl_topo_route_desc *r, const uint32_t *counts)
{
    switch (r->shape) {
    case MYL_ROUTE_BROADCAST:
        return counts[r->from];
    case MYL_ROUTE_SHARED:
        return 1;
    default:
        return (uint64_t)counts[r->from] * counts[r->to];
    }
}

/* The resolved count of a role: cfg, else $MYELON_<TOPOLOGY>_<ROLE>, else the
 * schema's default; within the role's bounds. */
static int resolve_count(const myl_topo_desc *d, const myl_topo_cfg *cfg, uint32_t role,
                         uint32_t *out)
{
    const myl_topo_role_desc *r = &d->roles[role];
    uint32_t c = cfg->counts[role];
    if (c == 0) {
        char env[160];
        const char *t = strrchr(d->name, '.');
        t = t ? t + 1 : d->name;
        int n = snprintf(env, sizeof env, "MYELON_%s_%s", t, r->name);
        if (n < 0 || (size_t)n >= sizeof env)
            return MYL_EINVAL;
        for (char *p = env; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char)(*p - 'a' + 'A');
            else if (*p == '-' || *p == '.')
                *p = '_';
        const char *v = getenv(env);
        if (v && v[0]) {
            char *end;
            errno = 0;
            unsigned long long x = strtoull(v, &end, 10);
            if (*end || errno || v[0] == '-' || v[0] == '+' || v[0] == ' ')
                return MYL_EINVAL;
            if (x == 0 || x > r->max)
                return MYL_ERANGE;
            c = (uint32_t)x;
        }
    }
    if (c == 0)
        c = r->count;
    if (c < r->min || c > r->max)
        return MYL_ERANGE;
    *out = c;
    return 0;
}

static int fmt_name(const myl_topo *t, uint32_t route, uint32_t ring, char *out, size_t cap)
{
    int n;
    if (route == UINT32_MAX)
        n = snprintf(out, cap, "%s%s.%s", t->prefix, t->instance, t->desc->name);
    else
        n = snprintf(out, cap, "%s%s.%s.%s.%u", t->prefix, t->instance, t->desc->name,
                     t->desc->routes[route].name, ring);
    if (n < 0)
        return MYL_ENAME;
    if ((size_t)n >= cap)
        return MYL_EINVAL;
    return n;
}

int myl_topo_segment_name(const myl_topo *t, uint32_t route, uint32_t ring, char *out, size_t cap)
{
    if (!t || !out || cap == 0)
        return MYL_EINVAL;
    if (route != UINT32_MAX && (route >= t->desc->nroutes || ring >= t->nrings[route]))
        return MYL_EINVAL;
    return fmt_name(t, route, ring, out, cap);
}

/* The name of ring i of ring index k of route: the ring's name, or on a
 * route over a group the group ring's (<ring's name>.<lane> or .f<size>). */
static int fmt_sub_name(const myl_topo *t, uint32_t route, uint32_t k, uint32_t i, char *out,
                        size_t cap)
{
    const myl_group_opts *g = t->desc->routes[route].group;
    if (!g)
        return fmt_name(t, route, k, out, cap);
    char base[256];
    int rc = fmt_name(t, route, k, base, sizeof base);
    if (rc < 0)
        return rc;
    int n = g->kind == MYL_GROUP_CLASSES ? snprintf(out, cap, "%s.f%u", base, g->frame_sizes[i])
                                         : snprintf(out, cap, "%s.%s", base, g->lane_names[i]);
    if (n < 0)
        return MYL_ENAME;
    if ((size_t)n >= cap)
        return MYL_EINVAL;
    return n;
}

int myl_topo_member_id(const myl_topo *t, uint32_t role, uint32_t index, char *out, size_t cap)
{
    if (!t || !out || cap == 0 || role >= t->desc->nroles || index >= t->counts[role])
        return MYL_EINVAL;
    int n = snprintf(out, cap, "%s.%u", t->desc->roles[role].name, index);
    if (n < 0 || (size_t)n >= cap || n >= MYL_ID_MAX)
        return MYL_EINVAL;
    return n;
}

void myl_topo_cfg_init(myl_topo_cfg *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->size = (uint32_t)sizeof *cfg;
    cfg->backing = MYL_BACKING_SHM;
    cfg->liveness.startup_wait_ns = DEF_STARTUP_NS;
    cfg->liveness.progress_timeout_ns = DEF_PROGRESS_NS;
    cfg->liveness.check_interval_ns = DEF_CHECK_NS;
    cfg->liveness.on_dead = MYL_LIVE_EVICT;
    cfg->liveness.on_stall = MYL_LIVE_EVICT;
}

/* The configuration with every default applied. */
static int resolve_cfg(myl_topo *t, const myl_topo_cfg *in, myl_topo_cfg *cfg)
{
    myl_topo_cfg_init(cfg);
    if (in) {
        size_t n = in->size ? in->size : sizeof *in;
        if (n > sizeof *in || n < offsetof(myl_topo_cfg, counts))
            return MYL_EINVAL;
        memcpy(cfg, in, n);
    }
    if (cfg->backing > MYL_BACKING_FILE)
        return MYL_EINVAL;
    const char *inst = cfg->instance ? cfg->instance : getenv("MYELON_INSTANCE");
    if (!inst || !inst[0])
        inst = "default";
    if (!valid_instance(inst))
        return MYL_ENAME;
    const char *pre = cfg->prefix ? cfg->prefix : getenv("MYELON_PREFIX");
    if (!pre)
        pre = cfg->backing == MYL_BACKING_FILE ? "/tmp/" : "";
    if (strnlen(pre, MYL_TOPO_NAME_MAX) >= MYL_TOPO_NAME_MAX)
        return MYL_ENAME;
    memcpy(t->instance, inst, strlen(inst) + 1);
    memcpy(t->prefix, pre, strlen(pre) + 1);
    t->backing = cfg->backing;
    myl_liveness *l = &cfg->liveness;
    if (l->startup_wait_ns == 0)
        l->startup_wait_ns = DEF_STARTUP_NS;
    if (l->progress_timeout_ns == 0)
        l->progress_timeout_ns = DEF_PROGRESS_NS;
    if (l->check_interval_ns == 0)
        l->check_interval_ns = DEF_CHECK_NS;
    if (l->progress_timeout_ns < 0 || l->check_interval_ns < 0 || l->grace_ns < 0 ||
        l->on_dead > MYL_LIVE_IGNORE || l->on_stall > MYL_LIVE_IGNORE)
        return MYL_EINVAL;
    if (l->startup_wait_ns < 0)
        l->startup_wait_ns = MYL_FOREVER;
    t->live = *l;
    return 0;
}

/* ---- rings ---- */

uint32_t myl_topo_route_rings(const myl_topo *t, uint32_t route)
{
    return t && route < t->desc->nroutes ? t->nrings[route] : 0;
}

uint32_t myl_topo_ring_index(const myl_topo *t, uint32_t route, uint32_t src, uint32_t dst)
{
    if (!t || route >= t->desc->nroutes)
        return UINT32_MAX;
    const myl_topo_route_desc *r = &t->desc->routes[route];
    uint32_t cf = t->counts[r->from], ct = t->counts[r->to];
    if (src >= cf || dst >= ct)
        return UINT32_MAX;
    switch (r->shape) {
    case MYL_ROUTE_BROADCAST:
        return src;
    case MYL_ROUTE_SHARED:
        return 0;
    default:
        return src * ct + dst;
    }
}

myl_ring *myl_topo_ring(const myl_topo *t, uint32_t route, uint32_t ring)
{
    return myl_topo_group_ring(t, route, ring, 0);
}

uint32_t myl_topo_route_width(const myl_topo *t, uint32_t route)
{
    return t && route < t->desc->nroutes ? t->width[route] : 0;
}

myl_ring *myl_topo_group_ring(const myl_topo *t, uint32_t route, uint32_t ring, uint32_t i)
{
    if (!t || route >= t->desc->nroutes || ring >= t->nrings[route] || i >= t->width[route] ||
        !t->rings[route])
        return NULL;
    return t->rings[route][(size_t)ring * t->width[route] + i];
}

int myl_topo_group(const myl_topo *t, uint32_t route, uint32_t ring, myl_group *out)
{
    if (!t || !out || route >= t->desc->nroutes)
        return MYL_EINVAL;
    const myl_group_opts *o = t->desc->routes[route].group;
    if (!o)
        return MYL_EINVAL;
    memset(out, 0, sizeof *out);
    out->kind = o->kind;
    out->count = o->count;
    out->warn_pct = o->warn_pct ? o->warn_pct : 80u; /* group.c's defaults */
    out->crit_pct = o->crit_pct ? o->crit_pct : 90u;
    for (uint32_t i = 0; i < o->count; i++) {
        out->rings[i] = myl_topo_group_ring(t, route, ring, i);
        if (!out->rings[i])
            return MYL_EINVAL;
    }
    /* As myl_group_attach(): what the top ring takes in one claim. */
    const myl_ring *top = out->rings[o->count - 1];
    uint64_t top_max = (top->capacity / 2) * (top->slot_size - MYL_FRAME_HDR_SIZE);
    out->max_message = o->max_message ? o->max_message : top_max;
    return out->max_message > UINT32_MAX ? MYL_EINVAL : 0;
}

/* Does this member write or read ring k of route? (The owner holds all.) */
static bool uses_ring(const myl_topo *t, uint32_t route, uint32_t k)
{
    const myl_topo_route_desc *r = &t->desc->routes[route];
    if (t->owner)
        return true;
    uint32_t ct = t->counts[r->to];
    switch (r->shape) {
    case MYL_ROUTE_BROADCAST:
        return (r->from == t->role && k == t->index) || r->to == t->role;
    case MYL_ROUTE_SHARED:
        return r->from == t->role || r->to == t->role;
    default:
        return (r->from == t->role && k / ct == t->index) ||
               (r->to == t->role && k % ct == t->index);
    }
}

static void ring_opts(const myl_topo *t, uint32_t route, uint32_t i, const char *name,
                      myl_ring_opts *o)
{
    const myl_topo_desc *d = t->desc;
    const myl_topo_route_desc *r = &d->routes[route];
    const myl_group_opts *g = r->group;
    if (g) /* ring i of a group, as myl_group_create() makes it */
        *o = (myl_ring_opts){.size = sizeof *o,
                             .name = name,
                             .fingerprint = g->fingerprint,
                             .slot_size = g->frame_sizes ? g->frame_sizes[i] : g->frame_size,
                             .producers = g->producers,
                             .capacity = g->capacity,
                             .mode = g->mode,
                             .wait = g->wait,
                             .perm = g->perm,
                             .flags = g->flags,
                             .schema = g->schema,
                             .schema_len = g->schema_len};
    else
        myl_channel_ring_opts(r->channel, name, o);
    /* One backing for the whole instance: names come from one prefix. */
    o->backing = t->backing;
    /* Create; attach ignores them. The channel's fences (schema) stay. */
    o->flags =
        (o->flags & (MYL_SEG_FENCE_SYMMETRIC | MYL_SEG_FENCE_ASYMMETRIC)) | MYL_SEG_REPLACE_STALE;
    bool many = r->shape == MYL_ROUTE_BROADCAST || r->shape == MYL_ROUTE_SHARED;
    /* Readers: every destination instance, or the one of the pair (and a
     * spare entry for a restarted reader taking over). */
    o->max_consumers = many ? d->roles[r->to].max : 2u;
    if (r->shape == MYL_ROUTE_SHARED) {
        o->producers = MYL_PRODUCERS_MULTI;
        uint32_t m = d->roles[r->from].max;
        o->max_producers = m < MYL_MAX_PRODUCERS ? m : MYL_MAX_PRODUCERS;
    } else if (o->producers == MYL_PRODUCERS_MULTI) {
        o->max_producers = 2u; /* one writer, and a spare for a restart */
    }
}

static void close_rings(myl_topo *t, bool unlink_them)
{
    for (uint32_t i = 0; i < MYL_TOPO_MAX_ROUTES; i++) {
        if (!t->rings[i])
            continue;
        uint32_t w = t->width[i] ? t->width[i] : 1;
        for (uint32_t k = 0; k < t->nrings[i] * w; k++) {
            if (!t->rings[i][k])
                continue;
            if (unlink_them && t->rings[i][k]->created) {
                char name[256];
                if (fmt_sub_name(t, i, k / w, k % w, name, sizeof name) >= 0)
                    (void)myl_ring_unlink(t->backing, name);
            }
            myl_ring_close(t->rings[i][k]);
        }
        free(t->rings[i]);
        t->rings[i] = NULL;
    }
}

static int open_rings(myl_topo *t, uint64_t deadline)
{
    const myl_topo_desc *d = t->desc;
    uint64_t total = 0;
    for (uint32_t i = 0; i < d->nroutes; i++) {
        uint64_t n = route_rings(&d->routes[i], t->counts);
        const myl_topo_route_desc *r = &d->routes[i];
        t->width[i] = r->group ? r->group->count : 1u;
        total += n * t->width[i];
        if (r->shape == MYL_ROUTE_SHARED && t->counts[r->from] > MYL_MAX_PRODUCERS)
            return MYL_ERANGE;
        t->nrings[i] = (uint32_t)n;
    }
    if (total > MYL_TOPO_MAX_RINGS)
        return MYL_ERANGE;
    for (uint32_t i = 0; i < d->nroutes; i++) {
        uint32_t w = t->width[i];
        t->rings[i] = calloc(t->nrings[i] ? (size_t)t->nrings[i] * w : 1, sizeof(myl_ring *));
        if (!t->rings[i])
            return -ENOMEM;
        for (uint32_t k = 0; k < t->nrings[i] * w; k++) {
            if (!uses_ring(t, i, k / w))
                continue;
            char name[256];
            myl_ring_opts o;
            int rc = fmt_sub_name(t, i, k / w, k % w, name, sizeof name);
            if (rc < 0)
                return MYL_ENAME;
            ring_opts(t, i, k % w, name, &o);
            rc = t->owner ? myl_ring_create(&o, &t->rings[i][k])
                          : myl_ring_attach_wait(&o, myl__left(deadline), &t->rings[i][k]);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

/* ---- the control segment ---- */

static size_t ctl_size(uint32_t nmembers)
{
    return MYL_TOPO_CTL_MEMBERS_OFFSET + (size_t)nmembers * MYL_TOPO_MEMBER_SIZE;
}

/* Role names and routes: [MYL_TOPO_CTL_ROLES_OFFSET, members). */
static uint64_t names_checksum(const myl__topo_ctl *c)
{
    return myl__fnv1a((const uint8_t *)c + MYL_TOPO_CTL_ROLES_OFFSET,
                      MYL_TOPO_CTL_MEMBERS_OFFSET - MYL_TOPO_CTL_ROLES_OFFSET, MYL__FNV_OFFSET);
}

static char *ctl_role_name(myl__topo_ctl *c, uint32_t role)
{
    return (char *)c + MYL_TOPO_CTL_ROLES_OFFSET + (size_t)role * MYL_TOPO_ROLE_NAME;
}

static myl__topo_route *ctl_route(myl__topo_ctl *c, uint32_t route)
{
    return (myl__topo_route *)((uint8_t *)c + MYL_TOPO_CTL_ROUTES_OFFSET +
                               (size_t)route * MYL_TOPO_ROUTE_SIZE);
}

static uint64_t ctl_checksum(const myl__topo_ctl *c)
{
    return myl__fnv1a(c, offsetof(myl__topo_ctl, checksum), MYL__FNV_OFFSET);
}

static void ctl_init(myl_ring *r, void *arg)
{
    myl_topo *t = arg;
    myl__topo_ctl *c = (myl__topo_ctl *)(r->slots + MYL_TOPO_CTL_OFFSET);
    c->magic = MYL_TOPO_MAGIC;
    c->abi = MYL_TOPO_ABI;
    c->header_size = MYL_TOPO_CTL_HEADER_SIZE;
    c->fingerprint = t->desc->fingerprint;
    c->nroles = t->desc->nroles;
    c->nroutes = t->desc->nroutes;
    c->nmembers = t->nmembers;
    c->member_size = MYL_TOPO_MEMBER_SIZE;
    c->total_size = ctl_size(t->nmembers);
    c->owner_pid = (int32_t)getpid();
    c->owner_start_time = myl__proc_start_time(getpid());
    snprintf(c->topology, sizeof c->topology, "%s", t->desc->name);
    snprintf(c->instance, sizeof c->instance, "%s", t->instance);
    memcpy(c->counts, t->counts, sizeof c->counts);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    c->created_realtime_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    /* Names for tools (validate_desc bounded them: role names of at most
     * 24 bytes, route names of at most 63); the segment is zeroed. */
    for (uint32_t i = 0; i < t->desc->nroles; i++)
        snprintf(ctl_role_name(c, i), MYL_TOPO_ROLE_NAME, "%s", t->desc->roles[i].name);
    for (uint32_t i = 0; i < t->desc->nroutes; i++) {
        const myl_topo_route_desc *d = &t->desc->routes[i];
        myl__topo_route *e = ctl_route(c, i);
        snprintf(e->name, sizeof e->name, "%s", d->name);
        e->from = d->from;
        e->to = d->to;
        e->shape = d->shape;
        e->partition = d->partition;
        e->nrings = t->nrings[i];
        e->width = t->width[i];
    }
    c->members_offset = MYL_TOPO_CTL_MEMBERS_OFFSET;
    c->on_dead = t->live.on_dead + 1; /* for relays (myl_topo_peek) */
    c->names_checksum = names_checksum(c);
    c->checksum = ctl_checksum(c);
    myl__topo_member *m = (myl__topo_member *)((uint8_t *)c + MYL_TOPO_CTL_MEMBERS_OFFSET);
    for (uint32_t role = 0; role < t->desc->nroles; role++)
        for (uint32_t i = 0; i < t->counts[role]; i++) {
            m[t->first[role] + i].role = role;
            m[t->first[role] + i].index = i;
        }
}

static void set_first(myl_topo *t)
{
    t->nmembers = 0;
    for (uint32_t r = 0; r < t->desc->nroles; r++) {
        t->first[r] = t->nmembers;
        t->nmembers += t->counts[r];
    }
}

static void ctl_opts(const myl_topo *t, const char *name, myl_ring_opts *o)
{
    memset(o, 0, sizeof *o);
    o->size = (uint32_t)sizeof *o;
    o->backing = t->backing;
    o->name = name;
    o->fingerprint = t->desc->fingerprint;
    o->slot_size = t->owner ? CTL_PAD + (uint32_t)ctl_size(t->nmembers) : 0;
    o->capacity = t->owner ? 2 : 0;
    o->producers = MYL_PRODUCERS_SINGLE;
    o->mode = MYL_MODE_GATED;
    o->max_consumers = 1;
    /* No one waits on the control segment (its slots hold the member
     * table): fences on both sides, so that creating it never registers
     * the owner for other processes' membarriers (docs/ARCHITECTURE.md,
     * "Wake-ups"). */
    o->flags = MYL_SEG_REPLACE_STALE | MYL_SEG_FENCE_SYMMETRIC;
}

/* Check an attached control block against the descriptor and the mapping
 * (it is another process's memory) and take the counts from it. */
static int ctl_validate(myl_topo *t)
{
    myl_ring *r = t->ctl_ring;
    if (r->slot_size < CTL_PAD + MYL_TOPO_CTL_HEADER_SIZE || r->capacity < 2)
        return MYL_ECORRUPT;
    myl__topo_ctl *sc = (myl__topo_ctl *)(r->slots + MYL_TOPO_CTL_OFFSET);
    myl__topo_ctl c;
    memcpy(&c, sc, offsetof(myl__topo_ctl, shutdown)); /* a private copy of the identity */
    const myl_topo_desc *d = t->desc;
    if (c.magic != MYL_TOPO_MAGIC || c.header_size != MYL_TOPO_CTL_HEADER_SIZE ||
        c.member_size != MYL_TOPO_MEMBER_SIZE || c.checksum != ctl_checksum(&c))
        return MYL_ECORRUPT;
    if (c.abi != MYL_TOPO_ABI)
        return MYL_EVERSION; /* an instance of another layout version */
    if (c.members_offset != MYL_TOPO_CTL_MEMBERS_OFFSET)
        return MYL_ECORRUPT;
    if (c.fingerprint != d->fingerprint)
        return MYL_EFINGERPRINT;
    if (c.nroles != d->nroles || c.nroutes != d->nroutes ||
        strncmp(c.topology, d->name, sizeof c.topology) != 0 ||
        strncmp(c.instance, t->instance, sizeof c.instance) != 0)
        return MYL_ECORRUPT;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < d->nroles; i++) {
        if (c.counts[i] < d->roles[i].min || c.counts[i] > d->roles[i].max)
            return MYL_ECORRUPT;
        sum += c.counts[i];
    }
    if (sum != c.nmembers || c.total_size != ctl_size(c.nmembers) ||
        c.total_size > (uint64_t)r->slot_size - CTL_PAD)
        return MYL_ECORRUPT;
    /* The names, inside the mapping (total_size covers them): the same as
     * ours, as the fingerprint says they are. */
    if (names_checksum(sc) != c.names_checksum)
        return MYL_ECORRUPT;
    for (uint32_t i = 0; i < d->nroles; i++)
        if (strncmp(ctl_role_name(sc, i), d->roles[i].name, MYL_TOPO_ROLE_NAME) != 0)
            return MYL_ECORRUPT;
    for (uint32_t i = 0; i < d->nroutes; i++)
        if (strncmp(ctl_route(sc, i)->name, d->routes[i].name, MYL_TOPO_CTL_NAME) != 0)
            return MYL_ECORRUPT;
    memcpy(t->counts, c.counts, sizeof t->counts);
    set_first(t);
    t->owner_pid = c.owner_pid;
    t->owner_start = c.owner_start_time;
    return 0;
}

static void map_ctl(myl_topo *t)
{
    t->ctl = (myl__topo_ctl *)(t->ctl_ring->slots + MYL_TOPO_CTL_OFFSET);
    t->members = (myl__topo_member *)((uint8_t *)t->ctl + MYL_TOPO_CTL_MEMBERS_OFFSET);
}

static void bump_members(myl_topo *t)
{
    /* T2: pairs with a2 in wait_ready: a state change happened before. */
    atomic_fetch_add_explicit(&t->ctl->members_gen, 1, memory_order_release);
    (void)myl__futex_wake(&t->ctl->members_gen, INT32_MAX);
}

/* ---- membership ---- */

/* A member state word: MYL_TOPO_MEMBER_*, UINT32_MAX if it is no state;
 * the claimant of a JOINING entry in *claimant. */
static uint32_t decode_state(uint32_t raw, int32_t *claimant)
{
    *claimant = 0;
    if (raw & MYL_TOPO_JOINING_BIT) {
        if (raw & ~(MYL_TOPO_JOINING_BIT | MYL_TOPO_PID_MASK))
            return UINT32_MAX;
        *claimant = (int32_t)(raw & MYL_TOPO_PID_MASK);
        return MYL_TOPO_MEMBER_JOINING;
    }
    return raw <= MYL_TOPO_MEMBER_DEAD ? raw : UINT32_MAX;
}

static int join(myl_topo *t)
{
    myl__topo_member *m = &t->members[t->me];
    uint32_t mine = MYL_TOPO_JOINING_BIT | ((uint32_t)getpid() & MYL_TOPO_PID_MASK);
    for (int tries = 0;; tries++) {
        if (tries > 64)
            return MYL_EEXIST;
        uint32_t raw = myl__load_acquire(&m->state); /* a1: pairs with T1 */
        int32_t claimant;
        uint32_t st = decode_state(raw, &claimant);
        if (st == MYL_TOPO_MEMBER_JOINING && myl__pid_alive(claimant))
            return MYL_EEXIST;
        if (st == MYL_TOPO_MEMBER_UP &&
            myl__peer_alive(myl__load_relaxed(&m->pid), myl__load_relaxed(&m->start_time)))
            return MYL_EEXIST;
        /* FREE, LEFT, DEAD, an UP or JOINING entry of a dead process, or
         * garbage: ours to take. acq_rel CAS: T1. */
        if (myl__cas_strong(&m->state, &raw, mine))
            break;
    }
    uint64_t now = myl__now_ns();
    myl__store_relaxed(&m->pid, (int32_t)getpid());
    myl__store_relaxed(&m->start_time, myl__proc_start_time(getpid()));
    myl__store_relaxed(&m->heartbeat_ns, now);
    myl__store_relaxed(&m->joined_ns, now);
    myl__store_relaxed(&m->changed_ns, now);
    myl__store_relaxed(&m->rejected, 0); /* this incarnation's count */
    t->epoch = myl__load_relaxed(&m->epoch) + 1;
    /* T1: the epoch, with pid and start time, before any later state. */
    myl__store_release(&m->epoch, t->epoch);
    return 0;
}

/* Is our entry still ours (not taken by a restarted us, or by the owner
 * marking it dead)? */
static bool own_entry(const myl_topo *t, uint32_t *raw)
{
    myl__topo_member *m = &t->members[t->me];
    *raw = myl__load_acquire(&m->state); /* a1 */
    return myl__load_relaxed(&m->pid) == (int32_t)getpid() &&
           myl__load_relaxed(&m->epoch) == t->epoch;
}

int myl_topo_ready(myl_topo *t)
{
    if (!t)
        return MYL_EINVAL;
    myl__topo_member *m = &t->members[t->me];
    uint32_t raw;
    if (!own_entry(t, &raw))
        return MYL_EEVICTED;
    if (raw == MYL_TOPO_MEMBER_UP)
        return 0;
    uint32_t mine = MYL_TOPO_JOINING_BIT | ((uint32_t)getpid() & MYL_TOPO_PID_MASK);
    if (raw != mine || !myl__cas_strong(&m->state, &raw, MYL_TOPO_MEMBER_UP)) /* T1 */
        return MYL_EEVICTED;
    myl__store_relaxed(&m->changed_ns, myl__now_ns());
    myl__store_relaxed(&m->heartbeat_ns, myl__now_ns());
    bump_members(t);
    return 0;
}

/* Defined below. */
static void leave(myl_topo *t);

int myl_topo_mark(myl_topo *t, uint32_t state)
{
    if (!t || (state != MYL_TOPO_MEMBER_DEAD && state != MYL_TOPO_MEMBER_LEFT) ||
        (t->owner && state != MYL_TOPO_MEMBER_DEAD))
        return MYL_EINVAL;
    myl__topo_member *m = &t->members[t->me];
    uint32_t raw;
    if (!own_entry(t, &raw))
        return MYL_EEVICTED;
    int32_t claimant;
    uint32_t st = decode_state(raw, &claimant);
    if (st == MYL_TOPO_MEMBER_DEAD || st == MYL_TOPO_MEMBER_LEFT)
        return 0;
    if (st != MYL_TOPO_MEMBER_UP && !(st == MYL_TOPO_MEMBER_JOINING && claimant == getpid()))
        return MYL_EEVICTED;
    if (state == MYL_TOPO_MEMBER_LEFT) {
        leave(t);
        return 0;
    }
    /* T1: pairs with a1 in the owner's check_member, which reports an
     * active member whose entry says DEAD as dead. */
    if (!myl__cas_strong(&m->state, &raw, MYL_TOPO_MEMBER_DEAD))
        return MYL_EEVICTED;
    myl__store_relaxed(&m->changed_ns, myl__now_ns());
    bump_members(t);
    return 0;
}

static void leave(myl_topo *t)
{
    myl__topo_member *m = &t->members[t->me];
    uint32_t raw;
    if (!own_entry(t, &raw))
        return;
    int32_t claimant;
    uint32_t st = decode_state(raw, &claimant);
    if (st != MYL_TOPO_MEMBER_UP && !(st == MYL_TOPO_MEMBER_JOINING && claimant == getpid()))
        return;
    /* Which incarnation left, before the LEFT that publishes it (T1: the
     * next join's CAS reads our LEFT, and the owner reads the joiner's
     * epoch with a1), then put back if the entry was not ours to leave. */
    uint32_t prev = myl__load_relaxed(&m->left_epoch);
    myl__store_relaxed(&m->left_epoch, t->epoch);
    if (myl__cas_strong(&m->state, &raw, MYL_TOPO_MEMBER_LEFT)) { /* T1 */
        myl__store_relaxed(&m->changed_ns, myl__now_ns());
        bump_members(t);
    } else {
        myl__store_relaxed(&m->left_epoch, prev);
    }
}

/* ---- open and close ---- */

static void free_topo(myl_topo *t)
{
    for (uint32_t i = 0; i < t->tcap; i++)
        if (t->tt[i].used)
            free(t->tt[i].data);
    free(t->tt);
    free(t->outst);
    free(t->sh);
    free(t);
}

/* Unlinks the segment at name if the process (pid, start) created it. */
static void unlink_if_created_by(const myl_topo *t, const myl_ring_opts *o, int32_t pid,
                                 uint64_t start)
{
    myl_ring *r;
    if (myl_ring_attach(o, &r) < 0)
        return;
    /* Written once by the creator before the segment got its name. */
    bool theirs = r->hdr->creator_pid == pid && r->hdr->creator_start_time == start;
    myl_ring_close(r);
    if (theirs)
        (void)myl_ring_unlink(t->backing, o->name);
}

/* A restarted owner. The instance's control segment is there, valid, and
 * its owner is dead (kill -9, a crash), but members of it still run: their
 * entries keep its rings from being stale, so creating them again would be
 * MYL_EEXIST. Remove the dead owner's names, every ring it created (as
 * their headers say) and the control segment: the new instance is created
 * under them, and the members still attached to the old one see its owner
 * DEAD (MYL_EPEERDEAD) and reopen into the new one. A live owner, another
 * schema or anything unrecognised is left alone (the creates then say
 * MYL_EEXIST). Uses t's counts and owner fields, which the caller sets
 * again after. */
static void take_over_dead_owner(myl_topo *t)
{
    const myl_topo_desc *d = t->desc;
    char name[256];
    myl_ring_opts o;
    if (fmt_name(t, UINT32_MAX, 0, name, sizeof name) < 0)
        return;
    ctl_opts(t, name, &o);
    o.slot_size = 0; /* as a member attaches it: any size, validated below */
    o.capacity = 0;
    if (myl_ring_attach(&o, &t->ctl_ring) < 0) {
        t->ctl_ring = NULL;
        return;
    }
    int rc = ctl_validate(t); /* sets t->counts, owner_pid, owner_start */
    int32_t pid = t->owner_pid;
    uint64_t start = t->owner_start;
    bool dead = rc == 0 && !myl__peer_alive(pid, start);
    myl_ring_close(t->ctl_ring);
    t->ctl_ring = NULL;
    if (!dead)
        return;
    for (uint32_t i = 0; i < d->nroutes; i++) {
        const myl_topo_route_desc *r = &d->routes[i];
        uint64_t n = route_rings(r, t->counts);
        uint32_t w = r->group ? r->group->count : 1u;
        for (uint64_t k = 0; k < n * w && k < MYL_TOPO_MAX_RINGS; k++) {
            char rn[256];
            myl_ring_opts ro;
            if (fmt_sub_name(t, i, (uint32_t)(k / w), (uint32_t)(k % w), rn, sizeof rn) < 0)
                continue;
            ring_opts(t, i, (uint32_t)(k % w), rn, &ro);
            unlink_if_created_by(t, &ro, pid, start);
        }
    }
    unlink_if_created_by(t, &o, pid, start);
}

static int open_owner(myl_topo *t, const myl_topo_cfg *cfg, uint64_t deadline)
{
    const myl_topo_desc *d = t->desc;
    take_over_dead_owner(t);
    for (uint32_t r = 0; r < d->nroles; r++) {
        int rc = resolve_count(d, cfg, r, &t->counts[r]);
        if (rc < 0)
            return rc;
    }
    set_first(t);
    /* A live owner of this instance holds its names (the rings' first):
     * MYL_EEXIST, as for a member that is alive already. */
    int rc = open_rings(t, deadline);
    if (rc < 0)
        return rc == -EEXIST ? MYL_EEXIST : rc;
    char name[256];
    myl_ring_opts o;
    if (fmt_name(t, UINT32_MAX, 0, name, sizeof name) < 0)
        return MYL_ENAME;
    ctl_opts(t, name, &o);
    if ((rc = myl__ring_create_init(&o, ctl_init, t, &t->ctl_ring)) < 0)
        return rc == -EEXIST ? MYL_EEXIST : rc;
    map_ctl(t);
    t->owner_pid = t->ctl->owner_pid;
    t->owner_start = t->ctl->owner_start_time;
    return 0;
}

static int open_member(myl_topo *t, uint64_t deadline)
{
    char name[256];
    myl_ring_opts o;
    int rc;
    if (fmt_name(t, UINT32_MAX, 0, name, sizeof name) < 0)
        return MYL_ENAME;
    ctl_opts(t, name, &o);
    for (;;) {
        rc = myl_ring_attach_wait(&o, myl__left(deadline), &t->ctl_ring);
        if (rc < 0)
            return rc;
        rc = ctl_validate(t);
        if (rc == 0) {
            map_ctl(t);
            /* T2/a2: relaxed is enough for an advisory flag re-read later. */
            if (myl__load_acquire(&t->ctl->shutdown))
                rc = MYL_ECLOSED;
            else if (!myl__peer_alive(t->owner_pid, t->owner_start) ||
                     myl__load_acquire(&t->members[0].state) == MYL_TOPO_MEMBER_DEAD) /* a1 */
                rc = MYL_EPEERDEAD; /* a stale instance: its owner may be restarting */
        }
        if (rc != MYL_EPEERDEAD)
            break;
        myl_ring_close(t->ctl_ring);
        t->ctl_ring = NULL;
        int64_t slice;
        if (!myl__remaining(deadline, 5000000, &slice))
            return MYL_EPEERDEAD;
        struct timespec ts = {0, (long)slice};
        nanosleep(&ts, NULL);
    }
    if (rc < 0)
        return rc;
    if (t->index >= t->counts[t->role])
        return MYL_EINVAL;
    return open_rings(t, deadline);
}

int myl_topo_open(const myl_topo_desc *desc, const myl_topo_cfg *cfg, uint32_t role, uint32_t index,
                  myl_topo **out)
{
    if (!out)
        return MYL_EINVAL;
    *out = NULL;
    int rc = validate_desc(desc);
    if (rc < 0)
        return rc;
    if (role >= desc->nroles || index >= desc->roles[role].max)
        return MYL_EINVAL;
    myl_topo *t = calloc(1, sizeof *t);
    if (!t)
        return -ENOMEM;
    myl_topo_cfg c;
    t->desc = desc;
    t->role = role;
    t->index = index;
    t->owner = role == 0;
    if ((rc = resolve_cfg(t, cfg, &c)) < 0)
        goto fail;
    uint64_t deadline = myl__deadline(t->live.startup_wait_ns);
    rc = t->owner ? open_owner(t, &c, deadline) : open_member(t, deadline);
    if (rc < 0)
        goto fail;
    t->me = t->first[role] + index;
    /* nmembers >= 1: the owner's count is 1 (validated counts). */
    t->sh = calloc(t->nmembers ? t->nmembers : 1, sizeof *t->sh);
    t->outst = calloc(t->nmembers ? t->nmembers : 1, sizeof *t->outst);
    if (!t->sh || !t->outst) {
        rc = -ENOMEM;
        goto fail;
    }
    if (c.track) {
        t->track_max = c.track == 1 ? MYL_TOPO_TRACK_DEFAULT : c.track;
        if (t->track_max > MYL_TOPO_TRACK_MAX) {
            rc = MYL_EINVAL;
            goto fail;
        }
        t->tcap = 16;
        while (t->tcap < 2 * t->track_max)
            t->tcap <<= 1;
        t->tt = calloc(t->tcap, sizeof *t->tt);
        if (!t->tt) {
            rc = -ENOMEM;
            goto fail;
        }
    }
    if ((rc = join(t)) < 0)
        goto fail;
    *out = t;
    return 0;

fail:
    if (t->ctl_ring) {
        if (t->ctl_ring->created) {
            char name[256];
            if (fmt_name(t, UINT32_MAX, 0, name, sizeof name) >= 0)
                (void)myl_ring_unlink(t->backing, name);
        }
        myl_ring_close(t->ctl_ring);
    }
    close_rings(t, t->owner);
    free_topo(t);
    return rc;
}

/* myl_topo_peek, and with members the entries of the first cap members
 * (table order). */
static int peek(const myl_topo_desc *desc, const myl_topo_cfg *cfg, myl_topo_info *out,
                myl_topo_member_info *members, uint32_t cap)
{
    if (!out || (cap && !members))
        return MYL_EINVAL;
    memset(out, 0, sizeof *out);
    int rc = validate_desc(desc);
    if (rc < 0)
        return rc;
    myl_topo *t = calloc(1, sizeof *t);
    if (!t)
        return -ENOMEM;
    myl_topo_cfg c;
    t->desc = desc;
    t->role = 1; /* not the owner: ctl_opts attaches */
    char name[256];
    myl_ring_opts o;
    if ((rc = resolve_cfg(t, cfg, &c)) < 0 ||
        (rc = fmt_name(t, UINT32_MAX, 0, name, sizeof name)) < 0)
        goto out;
    ctl_opts(t, name, &o);
    if ((rc = myl_ring_attach(&o, &t->ctl_ring)) < 0) {
        t->ctl_ring = NULL;
        goto out;
    }
    if ((rc = ctl_validate(t)) < 0)
        goto out;
    map_ctl(t);
    memcpy(out->counts, t->counts, sizeof out->counts);
    out->owner_pid = t->owner_pid;
    /* Written once by the owner before the segment got its name. */
    out->created_ns = t->ctl->created_realtime_ns;
    out->on_dead = t->ctl->on_dead >= 1 && t->ctl->on_dead <= MYL_LIVE_IGNORE + 1
                       ? t->ctl->on_dead - 1
                       : UINT32_MAX;
    /* ctl_validate checked that the table holds nmembers entries. */
    for (uint32_t k = 0; k < cap && k < t->nmembers; k++) {
        myl__topo_member *m = &t->members[k];
        int32_t claimant;
        /* a1: pairs with T1 (the epoch, pid and start time before it). */
        uint32_t st = decode_state(myl__load_acquire(&m->state), &claimant);
        /* An UP entry of a dead process is dead (its owner has not
         * looked yet); garbage reads as no member. */
        if (st == MYL_TOPO_MEMBER_UP &&
            !myl__peer_alive(myl__load_relaxed(&m->pid), myl__load_relaxed(&m->start_time)))
            st = MYL_TOPO_MEMBER_DEAD;
        members[k].state = st == UINT32_MAX ? MYL_TOPO_MEMBER_FREE : st;
        members[k].epoch = myl__load_acquire(&m->epoch); /* a1 */
        /* Relaxed: an advisory time stamp. */
        members[k].heartbeat_ns = myl__load_relaxed(&m->heartbeat_ns);
    }
    /* a2: pairs with T2. */
    if (myl__load_acquire(&t->ctl->shutdown))
        rc = MYL_ECLOSED;
    else if (!myl__peer_alive(t->owner_pid, t->owner_start))
        rc = MYL_EPEERDEAD;
out:
    if (t->ctl_ring)
        myl_ring_close(t->ctl_ring);
    free_topo(t);
    return rc < 0 ? rc : 0;
}

int myl_topo_peek(const myl_topo_desc *desc, const myl_topo_cfg *cfg, myl_topo_info *out)
{
    return peek(desc, cfg, out, NULL, 0);
}

int myl_topo_peek_members(const myl_topo_desc *desc, const myl_topo_cfg *cfg, myl_topo_info *out,
                          myl_topo_member_info *members, uint32_t cap)
{
    return peek(desc, cfg, out, members, cap);
}

void myl_topo_close(myl_topo *t)
{
    if (!t)
        return;
    leave(t);
    if (t->owner) {
        (void)myl_topo_shutdown(t);
        char name[256];
        if (fmt_name(t, UINT32_MAX, 0, name, sizeof name) >= 0)
            (void)myl_ring_unlink(t->backing, name);
    }
    close_rings(t, t->owner);
    myl_ring_close(t->ctl_ring);
    free_topo(t);
}

uint32_t myl_topo_count(const myl_topo *t, uint32_t role)
{
    return t && role < t->desc->nroles ? t->counts[role] : 0;
}

uint32_t myl_topo_role(const myl_topo *t)
{
    return t ? t->role : 0;
}

uint32_t myl_topo_index(const myl_topo *t)
{
    return t ? t->index : 0;
}

/* ---- liveness ---- */

/* The role of member table entry k (from our own tables, never the
 * segment's). */
static uint32_t member_role(const myl_topo *t, uint32_t k)
{
    for (uint32_t r = t->desc->nroles; r-- > 0;)
        if (k >= t->first[r] && t->counts[r] > 0)
            return r;
    return 0;
}

static void push_event(myl_topo *t, uint32_t kind, uint32_t k, int32_t pid, uint64_t now)
{
    myl_topo_event ev;
    ev.kind = kind;
    ev.role = member_role(t, k);
    ev.index = k - t->first[ev.role];
    ev.pid = pid;
    ev.at_ns = now;
    if (t->evcount == EVENT_QUEUE) { /* full: the oldest goes */
        t->evhead = (t->evhead + 1) % EVENT_QUEUE;
        t->evcount--;
    }
    t->evq[(t->evhead + t->evcount) % EVENT_QUEUE] = ev;
    t->evcount++;
    if (t->live.alert)
        t->live.alert(t->live.alert_arg, &ev);
}

/* Calls fn for every ring member k reads. */
static void each_read_ring(myl_topo *t, uint32_t k, void (*fn)(myl_topo *, myl_ring *, void *),
                           void *arg)
{
    uint32_t role = member_role(t, k);
    uint32_t index = k - t->first[role];
    for (uint32_t i = 0; i < t->desc->nroutes; i++) {
        const myl_topo_route_desc *r = &t->desc->routes[i];
        if (r->to != role || !t->rings[i])
            continue;
        uint32_t cf = t->counts[r->from], ct = t->counts[r->to], w = t->width[i];
        for (uint32_t s = 0; s < cf; s++) {
            uint32_t ring = r->shape == MYL_ROUTE_SHARED      ? 0
                            : r->shape == MYL_ROUTE_BROADCAST ? s
                                                              : s * ct + index;
            for (uint32_t g = 0; g < w; g++)
                if (t->rings[i][(size_t)ring * w + g])
                    fn(t, t->rings[i][(size_t)ring * w + g], arg);
            if (r->shape == MYL_ROUTE_SHARED)
                break;
        }
    }
}

struct visit {
    uint32_t k;
    char id[MYL_ID_MAX];
    int32_t pid;
    uint64_t start;
    uint64_t sig;
    uint32_t missing; /* rings without an active entry of the member */
    int evicted;
    /* the eviction after a LEFT: the member's entry and the epoch that
     * left (NULL: an action's eviction) */
    const myl__topo_member *left;
    uint32_t left_epoch;
};

static void member_visit(myl_topo *t, uint32_t k, struct visit *v)
{
    memset(v, 0, sizeof *v);
    v->k = k;
    uint32_t role = member_role(t, k);
    (void)myl_topo_member_id(t, role, k - t->first[role], v->id, sizeof v->id);
    v->pid = t->sh[k].pid;
    v->start = t->sh[k].start_time;
}

/* The member's consumer entries in a ring: those with its id, ACTIVE. */
static bool is_members_entry(const myl__consumer_entry *e, const struct visit *v)
{
    return myl__load_acquire(&e->state) == MYL_ENTRY_ACTIVE && /* A4 (ring.c) */
           strncmp(e->id, v->id, MYL_ID_MAX) == 0;
}

static void progress_fn(myl_topo *t, myl_ring *r, void *arg)
{
    (void)t;
    struct visit *v = arg;
    bool found = false;
    for (uint32_t i = 0; i < r->max_consumers; i++) {
        myl__consumer_entry *e = &r->consumers[i];
        if (!is_members_entry(e, v) || e->pid != v->pid)
            continue;
        found = true;
        /* Relaxed: counters, compared with the last look only. */
        v->sig = v->sig * UINT64_C(1000003) + myl__load_relaxed(&e->seq);
        v->sig = v->sig * UINT64_C(1000003) + myl__load_relaxed(&e->heartbeat_ns);
    }
    if (!found)
        v->missing++;
}

static void evict_fn(myl_topo *t, myl_ring *r, void *arg)
{
    (void)t;
    struct visit *v = arg;
    for (uint32_t i = 0; i < r->max_consumers; i++) {
        myl__consumer_entry *e = &r->consumers[i];
        if (!is_members_entry(e, v))
            continue;
        /* After a LEFT: an entry of a rejoin of the same process has our
         * id and pid too. Its registration stored ACTIVE (R4 in ring.c)
         * after the join stored the new epoch (T1), and is_members_entry
         * read that ACTIVE (A4): the new epoch is seen here (a1), and the
         * entry is not the one that left. */
        if (v->left && myl__load_acquire(&v->left->epoch) != v->left_epoch)
            continue;
        /* Its own entries, and any other of that id whose process is gone. */
        if ((e->pid == v->pid || !myl__peer_alive(e->pid, e->start_time)) &&
            myl_ring_evict(r, i) == 0)
            v->evicted++;
    }
}

/* The member's progress signature (its heartbeat, and each of its
 * entries' position and heartbeat), and how many rings lack its entry. */
static void visit_progress(myl_topo *t, uint32_t k, struct visit *v)
{
    member_visit(t, k, v);
    v->sig = myl__load_relaxed(&t->members[k].heartbeat_ns);
    each_read_ring(t, k, progress_fn, v);
}

/* left: the epoch that left, for the eviction after its LEFT (NULL: an
 * action's eviction, of a dead or stalled member). */
static void evict_member(myl_topo *t, uint32_t k, const uint32_t *left)
{
    struct visit v;
    member_visit(t, k, &v);
    if (left) {
        v.left = &t->members[k];
        v.left_epoch = *left;
    }
    each_read_ring(t, k, evict_fn, &v);
    t->sh[k].evicted = true;
    /* The signature without the entries just evicted: their going is no
     * progress (a stalled member evicted read as RESUMED while still
     * stopped; test_sigstop_stalled). */
    visit_progress(t, k, &v);
    t->sh[k].sig = v.sig;
}

static void apply_action(myl_topo *t, uint32_t k, uint32_t action)
{
    struct shadow *s = &t->sh[k];
    s->acted = true;
    switch (action) {
    case MYL_LIVE_EVICT:
        evict_member(t, k, NULL);
        break;
    case MYL_LIVE_ERROR:
        s->erroring = true;
        break;
    case MYL_LIVE_SHUTDOWN:
        (void)myl_topo_shutdown(t);
        break;
    default:
        break;
    }
}

static bool any_erroring(const myl_topo *t)
{
    for (uint32_t k = 0; k < t->nmembers; k++)
        if (t->sh[k].erroring)
            return true;
    return false;
}

static void check_member(myl_topo *t, uint32_t k, uint64_t now)
{
    struct shadow *s = &t->sh[k];
    myl__topo_member *m = &t->members[k];
    int looks = 0;
again:;
    uint32_t raw = myl__load_acquire(&m->state); /* a1: pairs with T1 */
    int32_t claimant;
    uint32_t st = decode_state(raw, &claimant);
    uint32_t epoch = myl__load_acquire(&m->epoch); /* a1 */
    if (st == MYL_TOPO_MEMBER_JOINING && (s->status == SH_UP || s->status == SH_STALLED)) {
        /* The incarnation we saw up is gone: join() takes no UP entry of a
         * live process, so a joiner means that it left or died. Said now,
         * not once the joiner is up: a restart may take long before it is
         * ready (a model to load) or die before, and what was sent to the
         * dead one is to be re-dispatched meanwhile. Acting on it evicts
         * only its pid's entries and dead processes' (evict_fn), never
         * the joiner's. The joiner's JOINED comes with its UP (the epoch
         * branch below, which finds nothing more to report). */
        if (myl__load_relaxed(&m->left_epoch) == s->epoch) {
            s->status = SH_LEFT;
            s->erroring = false;
            push_event(t, MYL_TOPO_EV_LEFT, k, s->pid, now);
        } else {
            s->status = SH_DEAD;
            s->since = now;
            s->acted = false;
            push_event(t, MYL_TOPO_EV_DEAD, k, s->pid, now);
        }
        return;
    }
    if (epoch != s->epoch && st != MYL_TOPO_MEMBER_JOINING) {
        if ((s->status == SH_UP || s->status == SH_STALLED) &&
            myl__load_relaxed(&m->left_epoch) == s->epoch) {
            /* The last incarnation left and another joined between looks
             * (left_epoch: written before its LEFT, which the joiner's CAS
             * read before it stored the epoch we read with a1). Nothing to
             * evict: its receivers closed, and the entries under its id
             * may be the new incarnation's (the same process, say). */
            push_event(t, MYL_TOPO_EV_LEFT, k, s->pid, now);
        } else if (s->status == SH_UP || s->status == SH_STALLED) {
            /* The last incarnation died and was replaced between looks. */
            push_event(t, MYL_TOPO_EV_DEAD, k, s->pid, now);
            if (t->live.on_dead == MYL_LIVE_EVICT || t->live.on_dead == MYL_LIVE_SHUTDOWN)
                apply_action(t, k, t->live.on_dead);
        } else if (s->status == SH_DEAD && !s->acted &&
                   (t->live.on_dead == MYL_LIVE_EVICT || t->live.on_dead == MYL_LIVE_SHUTDOWN)) {
            /* Its death was reported at its successor's JOINING (above)
             * and the grace had not run out: acted on now, as above. */
            apply_action(t, k, t->live.on_dead);
        }
        s->epoch = epoch;
        s->status = SH_NONE;
        if (st == MYL_TOPO_MEMBER_UP || st == MYL_TOPO_MEMBER_LEFT || st == MYL_TOPO_MEMBER_DEAD) {
            s->pid = myl__load_relaxed(&m->pid);
            s->start_time = myl__load_relaxed(&m->start_time);
            s->status = SH_UP;
            s->acted = false;
            s->evicted = false;
            s->erroring = false;
            s->progress_at = now;
            s->sig = 0;
            push_event(t, MYL_TOPO_EV_JOINED, k, s->pid, now);
        }
    }
    bool active = s->status == SH_UP || s->status == SH_STALLED;
    if (active && st == MYL_TOPO_MEMBER_UP) {
        if (!myl__peer_alive(s->pid, s->start_time)) {
            MYL__TEST_POINT(MYL__TP_TOPO_PEER_GONE, t);
            /* Mark it in the table (tools, and a restart's join). The
             * state may have changed since we read it: a member that left
             * and then exited is gone, but LEFT, not DEAD (found by
             * test_topo_mp under load); look again. T1. */
            if (!myl__cas_strong(&m->state, &raw, MYL_TOPO_MEMBER_DEAD)) {
                if (++looks < 3)
                    goto again;
                return;
            }
            /* The CAS compared the state alone: the UP it replaced may be
             * a restart's, which joined (a new epoch) and was ready since
             * we read the state. Its ready's CAS stored that UP after the
             * epoch (T1) and our CAS read it (acquire): the epoch read now
             * is the restart's. Then the DEAD was not the dead one's to
             * store: put the UP back, unless the entry moved on again
             * (the restart marked, or a join took the DEAD), and look
             * again, which finds the death and the join by the epoch. */
            if (myl__load_relaxed(&m->epoch) != epoch) {
                uint32_t dead = MYL_TOPO_MEMBER_DEAD;
                (void)myl__cas_strong(&m->state, &dead, raw); /* T1 */
                if (++looks < 3)
                    goto again;
                return;
            }
            myl__store_relaxed(&m->changed_ns, now);
            bump_members(t);
            s->status = SH_DEAD;
            s->since = now;
            s->acted = false;
            push_event(t, MYL_TOPO_EV_DEAD, k, s->pid, now);
        } else {
            struct visit v;
            visit_progress(t, k, &v);
            if (s->evicted && v.missing == 0)
                s->evicted = false; /* its consumers are back */
            if (v.sig != s->sig) {
                s->sig = v.sig;
                s->progress_at = now;
                if (s->status == SH_STALLED) {
                    s->status = SH_UP;
                    s->erroring = false;
                    push_event(t, MYL_TOPO_EV_RESUMED, k, s->pid, now);
                }
            } else if (s->status == SH_UP &&
                       now - s->progress_at > (uint64_t)t->live.progress_timeout_ns) {
                s->status = SH_STALLED;
                s->since = now;
                s->acted = false;
                push_event(t, MYL_TOPO_EV_STALLED, k, s->pid, now);
            }
        }
    } else if (active && st == MYL_TOPO_MEMBER_LEFT) {
        s->status = SH_LEFT;
        s->erroring = false;
        push_event(t, MYL_TOPO_EV_LEFT, k, s->pid, now);
        /* Whatever it left registered: nothing waits on it. Evicted by its
         * id and pid, which a rejoin of the same process since our look
         * (a new epoch) has too: then what is registered under them may
         * be the new incarnation's, and nothing is evicted (as for a
         * leave and a rejoin between two looks, above); the next look
         * reports the join. Looked at here (a1: the joiner's CAS takes
         * the LEFT before it stores its epoch and registers), and for
         * each entry again before it is evicted (evict_fn). */
        if (myl__load_acquire(&m->state) == MYL_TOPO_MEMBER_LEFT &&
            myl__load_acquire(&m->epoch) == epoch)
            evict_member(t, k, &epoch);
    } else if (active && st == MYL_TOPO_MEMBER_DEAD) {
        s->status = SH_DEAD;
        s->since = now;
        s->acted = false;
        push_event(t, MYL_TOPO_EV_DEAD, k, s->pid, now);
    }
    if ((s->status == SH_DEAD || s->status == SH_STALLED) && !s->acted &&
        now - s->since >= (uint64_t)t->live.grace_ns)
        apply_action(t, k, s->status == SH_DEAD ? t->live.on_dead : t->live.on_stall);
}

/* Non-owners watch the owner only. */
static void check_owner(myl_topo *t, uint64_t now)
{
    if (t->owner_gone)
        return;
    myl__topo_member *m = &t->members[0];
    uint32_t raw = myl__load_acquire(&m->state); /* a1 */
    int32_t claimant;
    uint32_t st = decode_state(raw, &claimant);
    if (st == MYL_TOPO_MEMBER_LEFT) {
        t->owner_gone = true;
        t->shut = true;
        push_event(t, MYL_TOPO_EV_LEFT, 0, t->owner_pid, now);
    } else if (st == MYL_TOPO_MEMBER_DEAD || !myl__peer_alive(t->owner_pid, t->owner_start)) {
        /* Its process died, or (DEAD in its entry) a relay owning a
         * remote site marked it so: the owner it stands for is gone. */
        t->owner_gone = true;
        push_event(t, MYL_TOPO_EV_DEAD, 0, t->owner_pid, now);
        if (t->live.on_dead == MYL_LIVE_SHUTDOWN)
            (void)myl_topo_shutdown(t);
        else if (t->live.on_dead != MYL_LIVE_IGNORE)
            t->sh[0].erroring = true;
    }
}

/* Whether a ring has an EVICTED consumer entry: the cheap look first, so
 * that a member's id is formatted only when one is. */
static bool ring_has_evicted(const myl_ring *r)
{
    for (uint32_t i = 0; i < r->max_consumers; i++)
        if (myl__load_acquire(&r->consumers[i].state) == MYL_ENTRY_EVICTED) /* A4 (ring.c) */
            return true;
    return false;
}

/* Member id's entries in a ring: one EVICTED and none ACTIVE. */
static bool evicted_from(const myl_ring *r, const char *id)
{
    bool evicted = false;
    for (uint32_t i = 0; i < r->max_consumers; i++) {
        const myl__consumer_entry *e = &r->consumers[i];
        /* A4 (ring.c): the id was written before the entry went ACTIVE. */
        uint32_t st = myl__load_acquire(&e->state);
        if ((st != MYL_ENTRY_ACTIVE && st != MYL_ENTRY_EVICTED) ||
            strncmp(e->id, id, MYL_ID_MAX) != 0)
            continue;
        if (st == MYL_ENTRY_ACTIVE)
            return false;
        evicted = true;
    }
    return evicted;
}

/* Non-owners: a destination of one of our partitioned or direct routes
 * whose consumer entry in our ring to it was evicted (by the owner, which
 * found it stalled, or by an operator) and not yet taken again is out of
 * rotation until it is back, as the owner's shadow keeps it: the member
 * table says UP all along. What we would send there meanwhile, the member
 * skips when it rejoins at the live end. */
static void check_dests(myl_topo *t)
{
    for (uint32_t k = 0; k < t->nmembers; k++)
        t->sh[k].evicted = false;
    for (uint32_t i = 0; i < t->desc->nroutes; i++) {
        const myl_topo_route_desc *r = &t->desc->routes[i];
        if (r->from != t->role || !t->rings[i] ||
            (r->shape != MYL_ROUTE_PARTITIONED && r->shape != MYL_ROUTE_DIRECT))
            continue;
        for (uint32_t d = 0; d < t->counts[r->to]; d++) {
            uint32_t k = t->first[r->to] + d, ring = myl_topo_ring_index(t, i, t->index, d);
            char id[MYL_ID_MAX];
            bool named = false;
            for (uint32_t g = 0; ring != UINT32_MAX && g < t->width[i]; g++) {
                const myl_ring *rg = t->rings[i][(size_t)ring * t->width[i] + g];
                if (!rg || t->sh[k].evicted || !ring_has_evicted(rg))
                    continue;
                if (!named && myl_topo_member_id(t, r->to, d, id, sizeof id) < 0)
                    break;
                named = true;
                if (evicted_from(rg, id))
                    t->sh[k].evicted = true;
            }
        }
    }
}

static void run_checks(myl_topo *t, uint64_t now)
{
    t->next_check = now + (uint64_t)t->live.check_interval_ns;
    /* Our own heartbeat: only here, every check interval. Relaxed: an
     * advisory time stamp, compared with earlier looks only. */
    myl__store_relaxed(&t->members[t->me].heartbeat_ns, now);
    /* a2: pairs with T2 in myl_topo_shutdown. */
    if (!t->shut && myl__load_acquire(&t->ctl->shutdown))
        (void)myl_topo_shutdown(t);
    if (t->owner) {
        for (uint32_t k = 0; k < t->nmembers; k++)
            if (k != t->me)
                check_member(t, k, now);
    } else {
        check_owner(t, now);
        check_dests(t);
    }
    t->erroring = any_erroring(t);
}

static int check_status(const myl_topo *t)
{
    if (t->shut)
        return MYL_ECLOSED;
    return t->erroring ? MYL_EPEERDEAD : 0;
}

int myl_topo_check(myl_topo *t)
{
    if (!t)
        return MYL_EINVAL;
    uint64_t now = myl__now_ns();
    if (now >= t->next_check)
        run_checks(t, now);
    return check_status(t);
}

void myl_topo_beat(myl_topo *t)
{
    if (t) /* Relaxed: an advisory time stamp (see run_checks). */
        myl__store_relaxed(&t->members[t->me].heartbeat_ns, myl__now_ns());
}

void myl_topo_reject(myl_topo *t)
{
    if (!t)
        return;
    t->rejected++;
    /* Relaxed: a counter for tools, written by this member only. */
    myl__store_relaxed(&t->members[t->me].rejected, t->rejected);
}

uint64_t myl_topo_rejected(const myl_topo *t)
{
    return t ? t->rejected : 0;
}

int myl_topo_poll(myl_topo *t, myl_topo_event *ev, uint32_t max)
{
    if (!t || (max && !ev))
        return MYL_EINVAL;
    run_checks(t, myl__now_ns());
    uint32_t n = 0;
    while (n < max && t->evcount) {
        ev[n++] = t->evq[t->evhead];
        t->evhead = (t->evhead + 1) % EVENT_QUEUE;
        t->evcount--;
    }
    return n ? (int)n : check_status(t);
}

bool myl_topo_is_alive(const myl_topo *t, uint32_t role, uint32_t index)
{
    if (!t || role >= t->desc->nroles || index >= t->counts[role])
        return false;
    uint32_t k = t->first[role] + index;
    if (k == t->me)
        return true;
    if (t->owner)
        return t->sh[k].status == SH_UP;
    int32_t claimant;
    /* a1: pairs with T1. */
    return decode_state(myl__load_acquire(&t->members[k].state), &claimant) == MYL_TOPO_MEMBER_UP;
}

uint64_t myl_topo_last_seen(const myl_topo *t, uint32_t role, uint32_t index)
{
    if (!t || role >= t->desc->nroles || index >= t->counts[role])
        return 0;
    uint32_t k = t->first[role] + index;
    /* Relaxed: an advisory time stamp. */
    uint64_t hb = myl__load_relaxed(&t->members[k].heartbeat_ns);
    if (t->owner && t->sh[k].progress_at > hb && t->sh[k].status != SH_NONE)
        hb = t->sh[k].progress_at;
    return hb;
}

int myl_topo_member_state(const myl_topo *t, uint32_t role, uint32_t index)
{
    if (!t || role >= t->desc->nroles || index >= t->counts[role])
        return MYL_EINVAL;
    int32_t claimant;
    uint32_t st = decode_state(myl__load_acquire(&t->members[t->first[role] + index].state),
                               &claimant); /* a1 */
    return st == UINT32_MAX ? MYL_ECORRUPT : (int)st;
}

int myl_topo_wait_ready(myl_topo *t, int64_t timeout_ns)
{
    if (!t)
        return MYL_EINVAL;
    uint64_t deadline = myl__deadline(timeout_ns);
    uint32_t mask = t->live.required_roles;
    if (mask == 0)
        mask = UINT32_MAX;
    for (;;) {
        /* a2: pairs with T2: a change after this load changes the word. */
        uint32_t gen = myl__load_acquire(&t->ctl->members_gen);
        run_checks(t, myl__now_ns());
        if (t->shut)
            return MYL_ECLOSED;
        /* The owner died (as the polls report it, unless ignore): this
         * instance is stale, since a restarted owner makes a new one under
         * the same name and members join that; the member reopens rather
         * than wait out its timeout here for members that will not come. */
        if (t->owner_gone && t->live.on_dead != MYL_LIVE_IGNORE)
            return MYL_EPEERDEAD;
        bool all = true;
        for (uint32_t r = 0; r < t->desc->nroles && all; r++) {
            if (!(mask & (1u << r)))
                continue;
            for (uint32_t i = 0; i < t->counts[r] && all; i++) {
                uint32_t k = t->first[r] + i;
                if (k == t->me)
                    continue;
                myl__topo_member *m = &t->members[k];
                int32_t claimant;
                uint32_t st = decode_state(myl__load_acquire(&m->state), &claimant); /* a1 */
                all =
                    st == MYL_TOPO_MEMBER_UP &&
                    myl__peer_alive(myl__load_relaxed(&m->pid), myl__load_relaxed(&m->start_time));
            }
        }
        if (all)
            return 0;
        int64_t slice;
        if (!myl__remaining(deadline, t->live.check_interval_ns, &slice))
            return MYL_ETIMEDOUT;
        (void)myl__futex_wait(&t->ctl->members_gen, gen, slice);
    }
}

int myl_topo_shutdown(myl_topo *t)
{
    if (!t)
        return MYL_EINVAL;
    t->shut = true;
    /* T2: pairs with a2 in the checks of every member. */
    myl__store_release(&t->ctl->shutdown, 1u);
    bump_members(t);
    for (uint32_t i = 0; i < t->desc->nroutes; i++)
        for (uint32_t k = 0; t->rings[i] && k < t->nrings[i] * t->width[i]; k++)
            if (t->rings[i][k])
                (void)myl_ring_shutdown(t->rings[i][k]);
    return 0;
}

bool myl_topo_is_shut(const myl_topo *t)
{
    /* a2: pairs with T2. */
    return t && (t->shut || myl__load_acquire(&t->ctl->shutdown) != 0);
}

/* ---- picking a destination ---- */

static bool pickable(const myl_topo *t, uint32_t k)
{
    if (t->owner)
        return t->sh[k].status == SH_UP && !t->sh[k].evicted;
    int32_t claimant;
    /* Relaxed: a hint; the ring's own checks decide what a send does.
     * evicted: as our last check saw our rings to it (check_dests). */
    return decode_state(myl__load_relaxed(&t->members[k].state), &claimant) == MYL_TOPO_MEMBER_UP &&
           !t->sh[k].evicted;
}

/* Messages queued in our ring to destination dst of route. */
static uint64_t queued(const myl_topo *t, uint32_t route, uint32_t dst)
{
    const myl_topo_route_desc *r = &t->desc->routes[route];
    uint32_t src = r->from == t->role ? t->index : 0;
    uint32_t k = myl_topo_ring_index(t, route, src, dst);
    uint64_t sum = 0;
    /* every ring of a group (lanes, size classes): frames queued */
    for (uint32_t g = 0; k != UINT32_MAX && g < t->width[route]; g++) {
        myl_ring *ring = t->rings[route][(size_t)k * t->width[route] + g];
        if (!ring)
            continue;
        uint64_t claim = myl__load_relaxed(&ring->hdr->claim); /* a hint (relaxed) */
        uint64_t low = claim;
        for (uint32_t i = 0; i < ring->max_consumers; i++) {
            myl__consumer_entry *e = &ring->consumers[i];
            if (myl__load_relaxed(&e->state) != MYL_ENTRY_ACTIVE)
                continue;
            uint64_t s = myl__load_relaxed(&e->seq);
            if (s < low)
                low = s;
        }
        sum += claim - low;
    }
    return sum;
}

int myl_topo_pick(myl_topo *t, uint32_t route, uint64_t key)
{
    if (!t || route >= t->desc->nroutes)
        return MYL_EINVAL;
    const myl_topo_route_desc *r = &t->desc->routes[route];
    uint32_t n = t->counts[r->to], base = t->first[r->to];
    uint32_t mode = r->shape == MYL_ROUTE_PARTITIONED ? r->partition : MYL_PART_ROUND_ROBIN;
    if (mode == MYL_PART_LEAST_LOADED) {
        int best = MYL_EPEERDEAD;
        uint64_t best_load = UINT64_MAX;
        /* Ties go round robin: start after the last pick. */
        for (uint32_t j = 0; j < n; j++) {
            uint32_t d = (t->rr[route] + j) % n;
            if (!pickable(t, base + d))
                continue;
            uint64_t load = t->tt ? t->outst[base + d] : queued(t, route, d);
            if (load < best_load) {
                best_load = load;
                best = (int)d;
            }
        }
        if (best >= 0)
            t->rr[route] = (uint32_t)best + 1;
        return best;
    }
    uint32_t start = mode == MYL_PART_HASH ? (uint32_t)(key % n) : t->rr[route] % n;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t d = (start + j) % n;
        if (pickable(t, base + d)) {
            if (mode == MYL_PART_ROUND_ROBIN)
                t->rr[route] = d + 1;
            return (int)d;
        }
    }
    return MYL_EPEERDEAD;
}

/* ---- re-dispatch ---- */

static uint32_t thash(const myl_topo *t, uint64_t id)
{
    id ^= id >> 33;
    id *= UINT64_C(0xff51afd7ed558ccd);
    id ^= id >> 33;
    return (uint32_t)id & (t->tcap - 1);
}

static struct track_ent *tfind(const myl_topo *t, uint64_t id)
{
    for (uint32_t i = thash(t, id);; i = (i + 1) & (t->tcap - 1)) {
        struct track_ent *e = &t->tt[i];
        if (!e->used)
            return NULL;
        if (e->id == id)
            return e;
    }
}

/* Remove an entry (linear probing: shift the cluster after it back). */
static void tremove(myl_topo *t, struct track_ent *e)
{
    uint32_t mask = t->tcap - 1, i = (uint32_t)(e - t->tt);
    t->outst[e->member]--;
    t->tbytes -= e->len;
    t->tcount--;
    for (uint32_t j = (i + 1) & mask;; j = (j + 1) & mask) {
        struct track_ent *n = &t->tt[j];
        if (!n->used)
            break;
        uint32_t h = thash(t, n->id);
        /* n may move to i if its home h is not in (i, j]. */
        if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
            t->tt[i] = *n;
            i = j;
        }
    }
    memset(&t->tt[i], 0, sizeof t->tt[i]);
}

static void tinsert(myl_topo *t, const struct track_ent *n)
{
    uint32_t i = thash(t, n->id);
    while (t->tt[i].used)
        i = (i + 1) & (t->tcap - 1);
    t->tt[i] = *n;
    t->tt[i].used = true;
    t->tcount++;
    t->tbytes += n->len;
    t->outst[n->member]++;
}

int myl_topo_track(myl_topo *t, uint32_t role, uint32_t index, uint64_t id, const void *msg,
                   size_t len)
{
    return myl_topo_track_key(t, role, index, id, 0, msg, len);
}

int myl_topo_track_key(myl_topo *t, uint32_t role, uint32_t index, uint64_t id, uint64_t key,
                       const void *msg, size_t len)
{
    if (!t || !t->tt || role >= t->desc->nroles || index >= t->counts[role] || (len && !msg))
        return MYL_EINVAL;
    if (len > MYL_TOPO_TRACK_BYTES)
        return MYL_ETOOBIG;
    uint32_t k = t->first[role] + index;
    struct track_ent *e = tfind(t, id);
    size_t old = e ? e->len : 0;
    if (!e && t->tcount >= t->track_max)
        return MYL_EFULL;
    if (t->tbytes - old + len > MYL_TOPO_TRACK_BYTES)
        return MYL_EFULL;
    void *copy = malloc(len ? len : 1);
    if (!copy)
        return -ENOMEM;
    if (len)
        memcpy(copy, msg, len);
    if (e) { /* sent again (re-dispatched): the new destination owes the answer */
        free(e->data);
        t->outst[e->member]--;
        t->outst[k]++;
        t->tbytes = t->tbytes - old + len;
        e->data = copy;
        e->len = len;
        e->member = k;
        e->epoch = t->sh[k].epoch;
        e->key = key;
        return 0;
    }
    struct track_ent n = {.id = id,
                          .data = copy,
                          .len = len,
                          .member = k,
                          .epoch = t->sh[k].epoch,
                          .key = key,
                          .seq = t->resend.on && id == t->resend.id ? t->resend.seq : t->tseq++};
    tinsert(t, &n);
    return 0;
}

uint64_t myl_topo_resend_key(const myl_topo *t)
{
    return t ? t->resend.key : 0;
}

int myl_topo_answered(myl_topo *t, uint64_t id)
{
    if (!t || !t->tt)
        return MYL_EINVAL;
    struct track_ent *e = tfind(t, id);
    if (!e)
        return 0;
    free(e->data);
    tremove(t, e);
    return 1;
}

uint32_t myl_topo_outstanding(const myl_topo *t, uint32_t role, uint32_t index)
{
    if (!t || !t->tt || role >= t->desc->nroles || index >= t->counts[role])
        return 0;
    return t->outst[t->first[role] + index];
}

struct seq_id {
    uint64_t seq, id;
};

static int by_seq(const void *a, const void *b)
{
    uint64_t x = ((const struct seq_id *)a)->seq, y = ((const struct seq_id *)b)->seq;
    return x < y ? -1 : x > y;
}

int myl_topo_redispatch(myl_topo *t, uint32_t role, uint32_t index, myl_topo_resend_fn fn,
                        void *arg)
{
    if (!t || !t->tt || !fn || role >= t->desc->nroles || index >= t->counts[role])
        return MYL_EINVAL;
    uint32_t k = t->first[role] + index, n = t->outst[k];
    if (n == 0)
        return 0;
    struct seq_id *ids = malloc((size_t)n * sizeof *ids);
    if (!ids)
        return -ENOMEM;
    /* Not those sent to the incarnation that is up now (after a restart):
     * only what went to one that died, stalled or left; in the order they
     * were first sent (a destination sees one key's messages in order). */
    bool up = t->sh[k].status == SH_UP;
    uint32_t got = 0;
    for (uint32_t i = 0; i < t->tcap && got < n; i++)
        if (t->tt[i].used && t->tt[i].member == k && !(up && t->tt[i].epoch == t->sh[k].epoch))
            ids[got++] = (struct seq_id){t->tt[i].seq, t->tt[i].id};
    qsort(ids, got, sizeof *ids, by_seq);
    int handed = 0, first_err = 0;
    for (uint32_t i = 0; i < got; i++) {
        struct track_ent *e = tfind(t, ids[i].id);
        if (!e || e->member != k)
            continue;
        struct track_ent old = *e;
        tremove(t, e);
        /* fn may send it and track it again (under its new destination,
         * keeping its seq: tfind finds none, so track_key inserts anew);
         * anything else it tracks is new, after everything before. */
        struct resend outer = t->resend;
        t->resend = (struct resend){.key = old.key, .id = old.id, .seq = old.seq, .on = true};
        int rc = fn(arg, old.id, old.data, old.len);
        t->resend = outer;
        if (tfind(t, old.id)) {
            free(old.data);
            if (rc == 0)
                handed++;
        } else if (rc == 0) {
            free(old.data);
            handed++;
        } else {
            tinsert(t, &old); /* kept for a later try */
            if (!first_err)
                first_err = rc < 0 ? rc : MYL_EAGAIN;
            /* fn waited its whole timeout (a destination that does not
             * consume): the rest wait for the next call, so that one call
             * blocks the owner for one timeout, not one per message (found
             * by the relay's netns test, an owner stuck 60 s re-dispatching
             * to a member that looked up). */
            if (rc == MYL_ETIMEDOUT)
                break;
        }
    }
    free(ids);
    return handed || !first_err ? handed : first_err;
}
