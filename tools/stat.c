/* The stats module of myelon-stat (tools/stat.h). */
#define _POSIX_C_SOURCE 200809L
#include "stat.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "state.h" /* bridge/src: the bridge's state object */

MYL__STATIC_ASSERT(sizeof(((mst_bridge *)0)->c) / sizeof(uint64_t) == MYL__BR_NCOUNTERS,
                   "one slot per bridge counter");

/* ---- topologies ---- */

/* A name from the control block: at most cap bytes, NUL-padded or not,
 * printable characters only. */
static void ctl_str(char *out, const char *in, size_t cap)
{
    size_t n = strnlen(in, cap);
    for (size_t i = 0; i < n; i++)
        out[i] = in[i];
    for (size_t i = 0; i < n; i++)
        if (out[i] < 0x20 || out[i] > 0x7e)
            out[i] = '?';
    out[n] = '\0';
}

static void printable(char *s)
{
    for (; *s; s++)
        if (*s < 0x20 || *s > 0x7e)
            *s = '?';
}

/* A ring's name for text output, made printable as ids are: names come
 * from the command line but also from directory scans (groups, --list),
 * where anyone who can create a file puts control bytes (ESC, BEL) that
 * a terminal would obey. JSON and Prometheus escape names instead. */
const char *mst_printable(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src);
    printable(dst);
    return dst;
}

/* The control block of a topology's control segment (slot 0), checked
 * like any input from another process before a byte of it is used: 0 (t
 * filled in, counts[0 .. nroles) summing to nmembers, inside the mapping),
 * 1 (a control block of another layout version), 2 (inconsistent), or -1
 * (no control block: an ordinary ring). */
static int topo_read(const myl_ring *r, mst_topo *t, uint32_t counts[MYL_TOPO_CTL_ROLES])
{
    memset(t, 0, sizeof *t);
    if (r->slot_size < MYL_TOPO_CTL_OFFSET - 8 + MYL_TOPO_CTL_HEADER_SIZE || r->capacity < 2)
        return -1;
    const myl__topo_ctl *c = (const myl__topo_ctl *)(r->slots + MYL_TOPO_CTL_OFFSET);
    uint64_t room = r->slot_size - (MYL_TOPO_CTL_OFFSET - 8);
    if (c->magic != MYL_TOPO_MAGIC || c->header_size != MYL_TOPO_CTL_HEADER_SIZE ||
        c->member_size != MYL_TOPO_MEMBER_SIZE)
        return -1;
    ctl_str(t->topology, c->topology, sizeof c->topology);
    ctl_str(t->instance, c->instance, sizeof c->instance);
    if (c->abi != MYL_TOPO_ABI) {
        t->abi = c->abi;
        return t->status = 1;
    }
    uint32_t nroles = c->nroles, nroutes = c->nroutes, nmembers = c->nmembers;
    memcpy(counts, c->counts, sizeof c->counts);
    uint64_t sum = 0;
    for (uint32_t i = 0; i < MYL_TOPO_CTL_ROLES; i++)
        sum += i < nroles ? counts[i] : 0;
    if (nroles == 0 || nroles > MYL_TOPO_CTL_ROLES || nroutes > MYL_TOPO_CTL_ROUTES ||
        c->members_offset != MYL_TOPO_CTL_MEMBERS_OFFSET || room < MYL_TOPO_CTL_MEMBERS_OFFSET ||
        sum != nmembers || nmembers > (room - MYL_TOPO_CTL_MEMBERS_OFFSET) / MYL_TOPO_MEMBER_SIZE)
        return t->status = 2;
    t->nroles = nroles;
    t->nroutes = nroutes;
    t->nmembers = nmembers;
    t->owner_pid = c->owner_pid;
    /* Relaxed: a snapshot for display. */
    t->shutdown = atomic_load_explicit(&c->shutdown, memory_order_relaxed) != 0;
    const myl__topo_member *m =
        (const myl__topo_member *)((const uint8_t *)c + MYL_TOPO_CTL_MEMBERS_OFFSET);
    for (uint32_t i = 0; i < nmembers; i++) {
        /* Relaxed: a snapshot for display. */
        uint32_t st = atomic_load_explicit(&m[i].state, memory_order_relaxed);
        t->up += st == MYL_TOPO_MEMBER_UP; /* a joining word has the JOINING bit */
    }
    return 0;
}

/* A topology control segment (named ctl): its roles, its rings (named
 * from ctl, as myl_topo names them) and its member table. */
static void topology_text(FILE *f, const myl_ring *r, const char *ctl)
{
    mst_topo info;
    uint32_t counts[MYL_TOPO_CTL_ROLES];
    int st = topo_read(r, &info, counts);
    if (st < 0)
        return;
    const char *topo = info.topology, *inst = info.instance;
    if (st == 1) {
        fprintf(f, "  topology     %s instance %s: layout version %u, not this tool's (%u)\n", topo,
                inst, info.abi, MYL_TOPO_ABI);
        return;
    }
    if (st == 2) {
        fprintf(f, "  topology     %s instance %s: control block inconsistent\n", topo, inst);
        return;
    }
    myl__topo_ctl *c = (myl__topo_ctl *)(r->slots + MYL_TOPO_CTL_OFFSET);
    uint32_t nroles = info.nroles, nroutes = info.nroutes, nmembers = info.nmembers;
    char ctl_name[sizeof((mst_ring *)0)->name];
    mst_printable(ctl_name, sizeof ctl_name, ctl);
    fprintf(f, "  topology     %s instance %s, %u members, owner pid %d, %s\n", topo, inst,
            nmembers, info.owner_pid, info.shutdown ? "shut down" : "running");
    char roles[MYL_TOPO_CTL_ROLES][MYL_TOPO_ROLE_NAME + 1];
    int width = 4;
    fprintf(f, "  roles       ");
    for (uint32_t i = 0; i < nroles; i++) {
        ctl_str(roles[i],
                (const char *)c + MYL_TOPO_CTL_ROLES_OFFSET + (size_t)i * MYL_TOPO_ROLE_NAME,
                MYL_TOPO_ROLE_NAME);
        if (!roles[i][0])
            snprintf(roles[i], sizeof roles[i], "%u", i);
        int n = (int)strlen(roles[i]);
        width = n > width ? n : width;
        fprintf(f, "%s %s x%u", i ? "," : "", roles[i], counts[i]);
    }
    fputc('\n', f);
    static const char *shapes[] = {"direct", "broadcast", "shared", "partitioned"};
    uint64_t rings = 0;
    for (uint32_t i = 0; i < nroutes; i++) {
        const myl__topo_route *e =
            (const myl__topo_route *)((const uint8_t *)c + MYL_TOPO_CTL_ROUTES_OFFSET +
                                      (size_t)i * MYL_TOPO_ROUTE_SIZE);
        char rn[MYL_TOPO_CTL_NAME + 1];
        ctl_str(rn, e->name, sizeof e->name);
        uint32_t from = e->from, to = e->to, shape = e->shape, n = e->nrings;
        if (from >= nroles || to >= nroles || shape > 3) {
            fprintf(f, "  route        %s: inconsistent\n", rn);
            continue;
        }
        /* The ring count the shape and counts give, never the stored one
         * alone: it bounds the loop below. */
        uint64_t want = shape == 1   ? counts[from]
                        : shape == 2 ? 1
                                     : (uint64_t)counts[from] * counts[to];
        /* a route over lanes or size classes: each ring is a group of
         * `width` segments, <ring>.<lane> or <ring>.f<frame size> */
        uint32_t gw = e->width;
        char group[64] = "";
        if (gw > 1 && gw <= 16)
            snprintf(group, sizeof group, ", each a group of %u (lanes or size classes)", gw);
        else if (gw > 16)
            snprintf(group, sizeof group, ", group width %u (inconsistent)", gw);
        fprintf(f, "  route        %s: %s -> %s, %s, %u ring%s%s%s\n", rn, roles[from], roles[to],
                shapes[shape], n, n == 1 ? "" : "s", group, n == want ? "" : " (inconsistent)");
        if (n != want || rings + n > MYL_TOPO_MAX_RINGS)
            continue;
        rings += n;
        for (uint32_t k = 0; k < n; k++) {
            char src[48], dst[48];
            if (shape == 1) { /* broadcast: by source */
                snprintf(src, sizeof src, "%s.%u", roles[from], k);
                snprintf(dst, sizeof dst, "%s.*", roles[to]);
            } else if (shape == 2) { /* shared */
                snprintf(src, sizeof src, "%s.*", roles[from]);
                snprintf(dst, sizeof dst, "%s.*", roles[to]);
            } else {
                snprintf(src, sizeof src, "%s.%u", roles[from], k / counts[to]);
                snprintf(dst, sizeof dst, "%s.%u", roles[to], k % counts[to]);
            }
            fprintf(f, "    ring       %s.%s.%u  %s -> %s\n", ctl_name, rn, k, src, dst);
        }
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    static const char *names[] = {"free", "joining", "up", "left", "dead"};
    fprintf(f, "  %-*s %-5s %-8s %-7s %6s %14s %9s\n", width, "role", "index", "state", "pid",
            "epoch", "heartbeat age", "rejected");
    myl__topo_member *m = (myl__topo_member *)((uint8_t *)c + MYL_TOPO_CTL_MEMBERS_OFFSET);
    /* Roles and indices from the validated counts, never the entries. */
    uint32_t role = 0, index = 0;
    for (uint32_t i = 0; i < nmembers; i++, index++) {
        while (role < nroles && index >= counts[role]) {
            role++;
            index = 0;
        }
        if (role >= nroles)
            break;
        /* Relaxed: a snapshot for display. */
        uint32_t st = atomic_load_explicit(&m[i].state, memory_order_relaxed);
        uint64_t hb = atomic_load_explicit(&m[i].heartbeat_ns, memory_order_relaxed);
        const char *sn = (st & MYL_TOPO_JOINING_BIT) ? "joining" : st <= 4 ? names[st] : "?";
        char age[32] = "-";
        if (hb && hb <= now)
            snprintf(age, sizeof age, "%.1f ms", (double)(now - hb) / 1e6);
        fprintf(f, "  %-*s %-5u %-8s %-7d %6u %14s %9llu\n", width, roles[role], index, sn,
                atomic_load_explicit(&m[i].pid, memory_order_relaxed),
                atomic_load_explicit(&m[i].epoch, memory_order_relaxed), age,
                (unsigned long long)atomic_load_explicit(&m[i].rejected, memory_order_relaxed));
    }
}

/* ---- bridges ---- */

int mst_bridge_read(uint32_t backing, const char *name, mst_bridge *out)
{
    memset(out, 0, sizeof *out);
    /* O_NONBLOCK: a FIFO planted at the name (/dev/shm is world-writable)
     * would block the open until a writer came, and myelon-stat or the
     * health endpoint with it; it opens at once and is refused below as
     * not a regular file (as segments are, open_backing in segment.c). */
    int fd = backing == MYL_BACKING_SHM
                 ? shm_open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0)
                 : open(name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    /* A copy of the page by pread, never a mapping: a state object that
     * its writer (or anyone of its user) truncates cannot fault us, and
     * nothing below reads past what was copied. A counter being written
     * at that moment may be read torn: these are statistics. */
    union {
        myl__br_state st;
        unsigned char page[MYL__BR_STATE_SIZE];
    } u;
    struct stat sb;
    int rc = 0;
    ssize_t n = 0;
    if (fstat(fd, &sb) != 0 ||
        (S_ISREG(sb.st_mode) && (n = pread(fd, u.page, sizeof u.page, 0)) < 0))
        rc = -errno;
    else if (!S_ISREG(sb.st_mode))
        rc = MYL_EBADMAGIC;
    close(fd);
    if (rc < 0)
        return rc;
    if ((size_t)n < sizeof u.st || u.st.magic != MYL__BR_STATE_MAGIC ||
        u.st.version != MYL__BR_STATE_VERSION ||
        (u.st.role != MYL__BR_ROLE_EXPORT && u.st.role != MYL__BR_ROLE_IMPORT))
        return MYL_EBADMAGIC;
    out->exporting = u.st.role == MYL__BR_ROLE_EXPORT;
    out->dev = (uint64_t)sb.st_dev;
    out->ino = (uint64_t)sb.st_ino;
    out->pid = u.st.pid;
    out->alive = myl_peer_alive(out->pid, 0);
    out->kind = u.st.kind;
    out->fingerprint = u.st.fingerprint;
    for (int i = 0; i < MYL__BR_NCOUNTERS; i++)
        /* Relaxed: a private copy; statistics. */
        out->c[i] = atomic_load_explicit(&u.st.counter[i], memory_order_relaxed);
    snprintf(out->state, sizeof out->state, "%s", name);
    printable(out->state);
    memcpy(out->ring, u.st.ring, sizeof out->ring - 1); /* terminated by the memset */
    return 0;
}

/* Is b (read, not yet counted) a state object already counted? Compared
 * by file, not by name: one object has several names (a file ring named
 * "rv" has its default "rv.bridge-export", which the scan of its
 * directory finds as "./rv.bridge-export"; "/rv" and "//rv..."). */
static bool bridge_taken(const mst_ring *out, const mst_bridge *b)
{
    for (uint32_t i = 0; i < out->nbridge; i++)
        if (out->bridge[i].dev == b->dev && out->bridge[i].ino == b->ino)
            return true;
    return false;
}

/* State objects under other names (myelon-bridge --state): the page-sized
 * ones in /dev/shm (shm rings) or in the ring file's directory whose ring
 * name is this ring's. */
static void scan_bridges(const myl_ring *r, mst_ring *out)
{
    char dir[sizeof r->name];
    const char *prefix = "/";
    if (r->backing == MYL_BACKING_SHM) {
        snprintf(dir, sizeof dir, "/dev/shm");
    } else {
        snprintf(dir, sizeof dir, "%s", r->name);
        char *slash = strrchr(dir, '/');
        if (slash)
            slash[slash == dir] = '\0';
        else
            snprintf(dir, sizeof dir, ".");
        prefix = NULL;
    }
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while (out->nbridge < MST_MAX_BRIDGES && (e = readdir(d)) != NULL) {
        struct stat sb;
        char name[sizeof out->bridge[0].state];
        if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(sb.st_mode) || sb.st_size != MYL__BR_STATE_SIZE)
            continue;
        int n = prefix ? snprintf(name, sizeof name, "/%s", e->d_name)
                       : snprintf(name, sizeof name, "%s/%s", dir, e->d_name);
        if (n < 0 || (size_t)n >= sizeof name)
            continue;
        mst_bridge *b = &out->bridge[out->nbridge];
        if (mst_bridge_read(r->backing, name, b) == 0 && !strcmp(b->ring, r->name) &&
            !bridge_taken(out, b))
            out->nbridge++;
    }
    closedir(d);
}

/* The ring's bridge sides: under their default state names, then any
 * other state object that names the ring; exporters first. */
static void take_bridges(const myl_ring *r, mst_ring *out)
{
    static const char *suffix[2] = {MYL__BR_SUFFIX_EXPORT, MYL__BR_SUFFIX_IMPORT};
    for (int k = 0; k < 2; k++) {
        char name[sizeof r->name + 32];
        snprintf(name, sizeof name, "%s%s", r->name, suffix[k]);
        mst_bridge *b = &out->bridge[out->nbridge];
        /* The role must be the one the name says. */
        if (mst_bridge_read(r->backing, name, b) == 0 && b->exporting == (k == 0))
            out->nbridge++;
    }
    scan_bridges(r, out);
    for (uint32_t i = 1; i < out->nbridge; i++) /* stable: exporters first */
        for (uint32_t j = i; j > 0 && out->bridge[j].exporting && !out->bridge[j - 1].exporting;
             j--) {
            mst_bridge t = out->bridge[j];
            out->bridge[j] = out->bridge[j - 1];
            out->bridge[j - 1] = t;
        }
}

/* ---- snapshots ---- */

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- a segment truncated while a snapshot reads it ----
 *
 * myl_ring_check looks at the size once (and attach before it reads the
 * header); another process that can write the file may truncate it
 * before the snapshot (or attach) reads, and the read then faults
 * (SIGBUS). The executables (myelon-stat, myelon-health) install
 * on_bus (mst_bus_guard_install); while a snapshot reads (mst_guarded),
 * this thread's bus_jmp is armed and the fault jumps back to mst_guarded:
 * mst_snap_one then drops the snapshot and reports the ring as truncated,
 * myl_health_pipeline_metrics counts the trace as an error. The library installs
 * no handler of its own: an application embedding the health endpoint
 * that wants this installs the guard itself. What a snapshot holds when
 * it jumps: the ring (closed), its arrays (freed) and the memstream of a
 * topology's text (bus_mem: closed). */
static _Thread_local sigjmp_buf *bus_jmp;
static _Thread_local FILE *bus_mem;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
    (void)si;
    (void)uc;
    if (bus_jmp)
        siglongjmp(*bus_jmp, 1);
    signal(sig, SIG_DFL); /* a fault outside a snapshot: as without us */
    raise(sig);
}

int mst_bus_guard_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_bus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGBUS, &sa, NULL) == 0 ? 0 : -errno;
}

int mst_guarded(int (*fn)(void *arg), void *arg)
{
    sigjmp_buf jb;
    if (sigsetjmp(jb, 1)) {
        /* A segment was truncated while fn read it (on_bus). */
        bus_jmp = NULL;
        if (bus_mem) {
            fclose(bus_mem);
            bus_mem = NULL;
        }
        return MYL_ETRUNCATED;
    }
    bus_jmp = &jb;
    int rc = fn(arg);
    bus_jmp = NULL;
    return rc;
}

int mst_take(const myl_ring *r, const char *name, mst_ring *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", name);
    out->t = now_mono();
    myl_ring_stats_get(r, &out->s);
    out->wait = r->wait;
    out->asym = r->asym;
    out->prod = calloc(r->max_producers ? r->max_producers : 1, sizeof *out->prod);
    out->cons = calloc(r->max_consumers ? r->max_consumers : 1, sizeof *out->cons);
    if (!out->prod || !out->cons) {
        mst_free(out);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < r->max_producers; i++) {
        mst_producer *p = &out->prod[out->nprod];
        if (myl_ring_producer_stats(r, i, &p->s) < 0 || p->s.state == MYL_ENTRY_FREE)
            continue;
        p->idx = i;
        if (p->s.state == MYL_ENTRY_ACTIVE)
            out->producers_registered++;
        out->producers_alive += p->s.alive;
        out->nprod++;
    }
    /* A topology's control segment: a summary, and its member table as text. */
    uint32_t counts[MYL_TOPO_CTL_ROLES];
    out->has_ctl = topo_read(r, &out->ctl, counts) >= 0;
    size_t len = 0;
    FILE *m = open_memstream(&out->topology, &len);
    if (m) {
        bus_mem = m; /* closed by mst_snap_one if the read faults */
        topology_text(m, r, name);
        bus_mem = NULL;
        fclose(m);
        if (len == 0) {
            free(out->topology);
            out->topology = NULL;
        }
    }
    for (uint32_t i = 0; i < r->max_consumers; i++) {
        mst_consumer *c = &out->cons[out->ncons];
        if (myl_ring_consumer_stats(r, i, &c->s) < 0 || c->s.state == MYL_ENTRY_FREE)
            continue;
        c->idx = i;
        printable(c->s.id);
        c->lag = out->s.claim > c->s.seq ? out->s.claim - c->s.seq : 0;
        if (c->s.state == MYL_ENTRY_ACTIVE)
            out->consumers_registered++;
        out->consumers_alive += c->s.alive;
        out->ncons++;
    }
    take_bridges(r, out);
    return 0;
}

void mst_free(mst_ring *s)
{
    free(s->prod);
    free(s->cons);
    free(s->topology);
    s->topology = NULL;
    s->prod = NULL;
    s->cons = NULL;
    s->nprod = s->ncons = 0;
}

const mst_ring *mst_find(const mst_ring *rings, size_t n, const mst_ring *like)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rings[i].name, like->name) && rings[i].s.creator_pid == like->s.creator_pid &&
            rings[i].s.segment_size == like->s.segment_size)
            return &rings[i];
    return NULL;
}

static const mst_consumer *find_consumer(const mst_ring *r, const mst_consumer *like)
{
    for (uint32_t i = 0; r && i < r->ncons; i++)
        if (r->cons[i].idx == like->idx && !strcmp(r->cons[i].s.id, like->s.id))
            return &r->cons[i];
    return NULL;
}

static const mst_bridge *find_bridge(const mst_ring *r, const mst_bridge *like)
{
    for (uint32_t i = 0; r && i < r->nbridge; i++)
        if (r->bridge[i].exporting == like->exporting && r->bridge[i].pid == like->pid)
            return &r->bridge[i];
    return NULL;
}

static const char *bridge_side(const mst_bridge *b)
{
    return b->exporting ? "export" : "import";
}

static const char *bridge_kind(const mst_bridge *b)
{
    return b->kind == 1 ? "raw" : b->kind == 2 ? "framed" : "?";
}

/* The counters by name, in the order of myl_bridge_stats (JSON keys). */
static const char *const bridge_counter[MYL__BR_NCOUNTERS] = {
    "messages", "bytes",      "frames", "batches", "reconnects", "drops",
    "replayed", "duplicates", "bad",    "refused", "position",   "skipped"};

/* Per-second rate of a counter between two snapshots; negative when there
 * is none (no earlier snapshot, or the counter went back: a new ring or a
 * reused entry). */
static double rate(uint64_t cur, uint64_t prev, double dt)
{
    if (dt <= 0 || cur < prev)
        return -1;
    return (double)(cur - prev) / dt;
}

static const char *state_name(uint32_t s)
{
    static const char *names[] = {"free", "claiming", "active", "evicted"};
    return s < 4 ? names[s] : "?";
}

static const char *ring_state(uint32_t s)
{
    return s == MYL_SEG_STATE_READY      ? "ready"
           : s == MYL_SEG_STATE_SHUTDOWN ? "shutdown"
           : s == MYL_SEG_STATE_INIT     ? "init"
                                         : "?";
}

static const char *mode_name(uint32_t m, const char *a, const char *b)
{
    return m == 1 ? a : m == 2 ? b : "?";
}

/* ---- table ---- */

static void fmt_rate(char *buf, size_t size, double r)
{
    if (r < 0)
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%.1f", r);
}

static const char *wait_name(uint32_t w)
{
    static const char *const names[] = {"?", "spin", "yield", "block", "hybrid"};
    return w < sizeof names / sizeof names[0] ? names[w] : "?";
}

/* How the ring's wakers and sleepers order the wake-up check
 * (docs/ARCHITECTURE.md, "Wake-ups"); "none" where no waiter sleeps. */
static const char *fences_name(const mst_ring *r)
{
    if (r->wait != MYL_WAIT_BLOCK && r->wait != MYL_WAIT_HYBRID)
        return "none";
    return r->asym ? "asymmetric" : "symmetric";
}

void mst_print_table(FILE *f, const mst_ring *cur, const mst_ring *prev)
{
    const myl_ring_stats *s = &cur->s;
    double dt = prev ? cur->t - prev->t : 0;
    char name[sizeof cur->name];
    fprintf(f, "ring %s\n", mst_printable(name, sizeof name, cur->name));
    fprintf(f, "  state        %s\n", ring_state(s->state));
    fprintf(f, "  slots        %llu x %u bytes (stride %u), %s producer, %s\n",
            (unsigned long long)s->capacity, s->slot_size, s->slot_stride,
            mode_name(s->producer_mode, "single", "multi"),
            mode_name(s->ring_mode, "gated", "lossy"));
    fprintf(f, "  wait         %s, fences %s%s\n", wait_name(cur->wait), fences_name(cur),
            cur->asym ? " (a sleeper issues membarrier)" : "");
    fprintf(f, "  fingerprint  %016llx\n", (unsigned long long)s->fingerprint);
    if (s->schema_len)
        fprintf(f, "  schema       %u-byte description, version %016llx\n", s->schema_len,
                (unsigned long long)s->schema_hash);
    else
        fprintf(f, "  schema       no description (fingerprint only)\n");
    fprintf(f, "  creator pid  %d, segment %llu bytes\n", s->creator_pid,
            (unsigned long long)s->segment_size);
    fprintf(f, "  claimed      %llu\n", (unsigned long long)s->claim);
    if (prev) {
        char r[32];
        fmt_rate(r, sizeof r, rate(s->published, prev->s.published, dt));
        fprintf(f, "  published    %llu (%s/s)\n", (unsigned long long)s->published, r);
    } else {
        fprintf(f, "  published    %llu\n", (unsigned long long)s->published);
    }
    fprintf(f, "  producers    %u registered, %u alive, waits %llu, futex wakes %llu\n",
            cur->producers_registered, cur->producers_alive, (unsigned long long)s->producer_waits,
            (unsigned long long)s->futex_wakes);
    fprintf(f, "  consumers    %u registered, %u alive\n", cur->consumers_registered,
            cur->consumers_alive);
    if (cur->nprod) {
        fprintf(f, "  %-4s %-8s %-7s %5s %12s %8s %8s\n", "prod", "state", "pid", "alive",
                "published", "waits", "wakes");
        for (uint32_t i = 0; i < cur->nprod; i++) {
            const mst_producer *p = &cur->prod[i];
            fprintf(f, "  %-4u %-8s %-7d %5s %12llu %8llu %8llu\n", p->idx, state_name(p->s.state),
                    p->s.pid, p->s.alive ? "yes" : "no", (unsigned long long)p->s.published,
                    (unsigned long long)p->s.waits, (unsigned long long)p->s.wakes);
        }
    }
    if (cur->ncons) {
        fprintf(f, "  %-4s %-31s %-8s %-7s %5s %12s %12s %10s", "cons", "id", "state", "pid",
                "alive", "seq", "consumed", "lag");
        if (prev)
            fprintf(f, " %10s", "consumed/s");
        fprintf(f, " %8s %8s %10s %8s\n", "waits", "overruns", "lost", "skipped");
        for (uint32_t i = 0; i < cur->ncons; i++) {
            const mst_consumer *c = &cur->cons[i];
            fprintf(f, "  %-4u %-31s %-8s %-7d %5s %12llu %12llu %10llu", c->idx, c->s.id,
                    state_name(c->s.state), c->s.pid, c->s.alive ? "yes" : "no",
                    (unsigned long long)c->s.seq, (unsigned long long)c->s.consumed,
                    (unsigned long long)c->lag);
            if (prev) {
                const mst_consumer *pc = find_consumer(prev, c);
                char r[32];
                fmt_rate(r, sizeof r, pc ? rate(c->s.consumed, pc->s.consumed, dt) : -1);
                fprintf(f, " %10s", r);
            }
            fprintf(f, " %8llu %8llu %10llu %8llu\n", (unsigned long long)c->s.waits,
                    (unsigned long long)c->s.overruns, (unsigned long long)c->s.lost,
                    (unsigned long long)c->s.skipped);
        }
        /* Consumers built from another (compatible) version of the schema. */
        for (uint32_t i = 0; i < cur->ncons; i++) {
            const mst_consumer *c = &cur->cons[i];
            if (c->s.schema_fp && c->s.schema_fp != s->fingerprint)
                fprintf(f, "  cons %u attached with schema %016llx (a compatible evolution)\n",
                        c->idx, (unsigned long long)c->s.schema_fp);
        }
    }
    if (cur->nbridge) {
        fprintf(f, "  %-6s %-7s %5s %-6s %12s %14s", "bridge", "pid", "alive", "kind", "messages",
                "bytes");
        if (prev)
            fprintf(f, " %10s", "messages/s");
        fprintf(f, " %10s %10s %10s %10s %8s %8s %12s\n", "reconnects", "drops", "replayed",
                "duplicates", "bad", "refused", "position");
        for (uint32_t i = 0; i < cur->nbridge; i++) {
            const mst_bridge *b = &cur->bridge[i];
            fprintf(f, "  %-6s %-7d %5s %-6s %12llu %14llu", bridge_side(b), b->pid,
                    b->alive ? "yes" : "no", bridge_kind(b), (unsigned long long)b->c[0],
                    (unsigned long long)b->c[1]);
            if (prev) {
                const mst_bridge *pb = find_bridge(prev, b);
                char r[32];
                fmt_rate(r, sizeof r, pb ? rate(b->c[0], pb->c[0], dt) : -1);
                fprintf(f, " %10s", r);
            }
            fprintf(f, " %10llu %10llu %10llu %10llu %8llu %8llu %12llu\n",
                    (unsigned long long)b->c[4], (unsigned long long)b->c[5],
                    (unsigned long long)b->c[6], (unsigned long long)b->c[7],
                    (unsigned long long)b->c[8], (unsigned long long)b->c[9],
                    (unsigned long long)b->c[10]);
        }
    }
    if (cur->topology)
        fputs(cur->topology, f);
}

/* ---- JSON ---- */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p > 0x7e)
            fprintf(f, "\\u%04x", *p); /* bytes past ASCII as Latin-1: valid JSON */
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void json_rate(FILE *f, const char *key, double r)
{
    if (r < 0)
        fprintf(f, ",\"%s\":null", key);
    else
        fprintf(f, ",\"%s\":%.3f", key, r);
}

void mst_print_json(FILE *f, const char *timestamp, const mst_ring *rings, size_t n,
                    const mst_ring *prev, size_t nprev)
{
    fputs("{\"time\":", f);
    json_str(f, timestamp);
    fputs(",\"rings\":[", f);
    for (size_t k = 0; k < n; k++) {
        const mst_ring *r = &rings[k];
        const myl_ring_stats *s = &r->s;
        const mst_ring *pr = prev ? mst_find(prev, nprev, r) : NULL;
        double dt = pr ? r->t - pr->t : 0;
        fputs(k ? ",{\"name\":" : "{\"name\":", f);
        json_str(f, r->name);
        fprintf(f,
                ",\"state\":\"%s\",\"capacity\":%llu,\"slot_size\":%u,\"slot_stride\":%u,"
                "\"producer_mode\":\"%s\",\"ring_mode\":\"%s\",\"fingerprint\":\"%016llx\","
                "\"creator_pid\":%d,\"segment_size\":%llu,\"claimed\":%llu,\"published\":%llu,"
                "\"producer_waits\":%llu,\"futex_wakes\":%llu,"
                "\"producers_registered\":%u,\"producers_alive\":%u,"
                "\"consumers_registered\":%u,\"consumers_alive\":%u,"
                "\"schema_len\":%u,\"schema_version\":\"%016llx\",\"wait\":\"%s\","
                "\"fences\":\"%s\"",
                ring_state(s->state), (unsigned long long)s->capacity, s->slot_size, s->slot_stride,
                mode_name(s->producer_mode, "single", "multi"),
                mode_name(s->ring_mode, "gated", "lossy"), (unsigned long long)s->fingerprint,
                s->creator_pid, (unsigned long long)s->segment_size, (unsigned long long)s->claim,
                (unsigned long long)s->published, (unsigned long long)s->producer_waits,
                (unsigned long long)s->futex_wakes, r->producers_registered, r->producers_alive,
                r->consumers_registered, r->consumers_alive, s->schema_len,
                (unsigned long long)s->schema_hash, wait_name(r->wait), fences_name(r));
        if (prev)
            json_rate(f, "published_per_s", pr ? rate(s->published, pr->s.published, dt) : -1);
        fputs(",\"producers\":[", f);
        for (uint32_t i = 0; i < r->nprod; i++) {
            const mst_producer *p = &r->prod[i];
            fprintf(f,
                    "%s{\"index\":%u,\"state\":\"%s\",\"pid\":%d,\"alive\":%s,"
                    "\"published\":%llu,\"waits\":%llu,\"wakes\":%llu}",
                    i ? "," : "", p->idx, state_name(p->s.state), p->s.pid,
                    p->s.alive ? "true" : "false", (unsigned long long)p->s.published,
                    (unsigned long long)p->s.waits, (unsigned long long)p->s.wakes);
        }
        fputs("],\"consumers\":[", f);
        for (uint32_t i = 0; i < r->ncons; i++) {
            const mst_consumer *c = &r->cons[i];
            fprintf(f, "%s{\"index\":%u,\"id\":", i ? "," : "", c->idx);
            json_str(f, c->s.id);
            fprintf(f,
                    ",\"state\":\"%s\",\"pid\":%d,\"alive\":%s,\"seq\":%llu,\"consumed\":%llu,"
                    "\"lag\":%llu,\"waits\":%llu,\"overruns\":%llu,\"lost\":%llu,"
                    "\"skipped\":%llu,\"dropped\":%llu,\"bad_frames\":%llu,"
                    "\"schema_fingerprint\":\"%016llx\"",
                    state_name(c->s.state), c->s.pid, c->s.alive ? "true" : "false",
                    (unsigned long long)c->s.seq, (unsigned long long)c->s.consumed,
                    (unsigned long long)c->lag, (unsigned long long)c->s.waits,
                    (unsigned long long)c->s.overruns, (unsigned long long)c->s.lost,
                    (unsigned long long)c->s.skipped, (unsigned long long)c->s.dropped,
                    (unsigned long long)c->s.bad_frames, (unsigned long long)c->s.schema_fp);
            if (prev) {
                const mst_consumer *pc = find_consumer(pr, c);
                json_rate(f, "consumed_per_s", pc ? rate(c->s.consumed, pc->s.consumed, dt) : -1);
            }
            fputc('}', f);
        }
        fputs("],\"bridges\":[", f);
        for (uint32_t i = 0; i < r->nbridge; i++) {
            const mst_bridge *b = &r->bridge[i];
            fprintf(f, "%s{\"side\":\"%s\",\"state\":", i ? "," : "", bridge_side(b));
            json_str(f, b->state);
            fprintf(f, ",\"pid\":%d,\"alive\":%s,\"kind\":\"%s\",\"fingerprint\":\"%016llx\"",
                    b->pid, b->alive ? "true" : "false", bridge_kind(b),
                    (unsigned long long)b->fingerprint);
            for (int k = 0; k < MYL__BR_NCOUNTERS; k++)
                fprintf(f, ",\"%s\":%llu", bridge_counter[k], (unsigned long long)b->c[k]);
            if (prev) {
                const mst_bridge *pb = find_bridge(pr, b);
                json_rate(f, "messages_per_s", pb ? rate(b->c[0], pb->c[0], dt) : -1);
            }
            fputc('}', f);
        }
        fputs("]}", f);
    }
    fputs("]}\n", f);
}

/* ---- the list of rings, groups and topologies ---- */

static bool is_class_suffix(const char *s)
{
    if (*s++ != 'f' || !*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* owner[i]: the index of the topology control segment whose rings ring i
 * is one of (its name is "<control segment>.<route>.<k>"), else -1. */
static void topo_owners(const mst_ring *rings, size_t n, long *owner)
{
    for (size_t i = 0; i < n; i++)
        owner[i] = -1;
    for (size_t j = 0; j < n; j++) {
        if (!rings[j].has_ctl || rings[j].ctl.status != 0)
            continue;
        size_t len = strlen(rings[j].name);
        for (size_t i = 0; i < n; i++)
            if (i != j && strncmp(rings[i].name, rings[j].name, len) == 0 &&
                rings[i].name[len] == '.')
                owner[i] = (long)j;
    }
}

/* The group starting at ring i: rings "base.suffix" created together (one
 * creator, one fingerprint, one capacity, as myl_group_create makes them)
 * that are two or more, or whose suffix is a size class (f<bytes>); no
 * topology's rings. A segment does not record its group, so this is an
 * inference; channels of one package ("pkg.a", "pkg.b") created by another
 * process or for another type are not taken for a group. Names are
 * sorted, so a group's rings are adjacent. Returns the end of the run
 * starting at i (i + 1 at least); *base_len is the base's length, 0 when
 * the run is no group. */
static size_t group_at(const mst_ring *r, size_t n, const long *owner, size_t i, size_t *base_len)
{
    *base_len = 0;
    const char *dot = strrchr(r[i].name, '.');
    size_t len = dot ? (size_t)(dot - r[i].name) : 0, j = i + 1;
    if (!dot || len == 0 || owner[i] >= 0 || r[i].has_ctl)
        return j;
    while (j < n && owner[j] < 0 && !r[j].has_ctl && strncmp(r[j].name, r[i].name, len + 1) == 0 &&
           !strchr(r[j].name + len + 1, '.') && r[j].s.creator_pid == r[i].s.creator_pid &&
           r[j].s.fingerprint == r[i].s.fingerprint && r[j].s.capacity == r[i].s.capacity)
        j++;
    if (j - i >= 2 || is_class_suffix(dot + 1))
        *base_len = len;
    return j;
}

static const char *topo_state(const mst_topo *t)
{
    return t->status == 1 ? "other layout version"
           : t->status    ? "inconsistent"
           : t->shutdown  ? "shut down"
                          : "running";
}

static size_t topo_rings(const long *owner, size_t n, size_t j)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += owner[i] == (long)j;
    return k;
}

static void list_text(FILE *f, const mst_ring *rings, size_t n, const long *owner)
{
    int w = 40; /* the name column: as wide as the longest name */
    for (size_t i = 0; i < n; i++)
        if ((int)strlen(rings[i].name) > w)
            w = (int)strlen(rings[i].name);
    fprintf(f, "%-*s %10s %10s %9s %9s %12s\n", w, "NAME", "SLOTS", "SLOT_BYTES", "PRODUCERS",
            "CONSUMERS", "PUBLISHED");
    char name[sizeof rings[0].name];
    for (size_t i = 0; i < n; i++) {
        const mst_ring *r = &rings[i];
        char p[32], c[32];
        snprintf(p, sizeof p, "%u/%u", r->producers_alive, r->producers_registered);
        snprintf(c, sizeof c, "%u/%u", r->consumers_alive, r->consumers_registered);
        fprintf(f, "%-*s %10llu %10u %9s %9s %12llu\n", w,
                mst_printable(name, sizeof name, r->name), (unsigned long long)r->s.capacity,
                r->s.slot_size, p, c, (unsigned long long)r->s.published);
    }
    int header = 0;
    for (size_t i = 0, len; i < n;) {
        size_t j = group_at(rings, n, owner, i, &len);
        if (len) {
            if (!header++)
                fprintf(f, "\ngroups (myelon-stat BASE shows a group's rings):\n");
            fprintf(f, "  %.*s:", (int)len, mst_printable(name, sizeof name, rings[i].name));
            for (size_t k = i; k < j; k++)
                fprintf(f, " %s", mst_printable(name, sizeof name, rings[k].name) + len + 1);
            fputc('\n', f);
        }
        i = j;
    }
    header = 0;
    for (size_t j = 0; j < n; j++) {
        const mst_topo *t = &rings[j].ctl;
        if (!rings[j].has_ctl)
            continue;
        if (!header++)
            fprintf(f, "\ntopologies (myelon-stat NAME shows roles, routes and members):\n");
        fprintf(f, "  %s: %s instance %s, %s", mst_printable(name, sizeof name, rings[j].name),
                t->topology, t->instance, topo_state(t));
        if (t->status == 0)
            fprintf(f, ", %u/%u members up, %zu ring(s) listed", t->up, t->nmembers,
                    topo_rings(owner, n, j));
        fputc('\n', f);
    }
    fprintf(f, "%zu ring(s) (producers and consumers: alive/registered)\n", n);
}

static void list_json(FILE *f, const mst_ring *rings, size_t n, const long *owner)
{
    fputs("{\"rings\":[", f);
    for (size_t i = 0; i < n; i++) {
        const mst_ring *r = &rings[i];
        fputs(i ? ",{\"name\":" : "{\"name\":", f);
        json_str(f, r->name);
        fprintf(f,
                ",\"state\":\"%s\",\"capacity\":%llu,\"slot_size\":%u,\"fingerprint\":\"%016llx\","
                "\"creator_pid\":%d,\"published\":%llu,\"producers_registered\":%u,"
                "\"producers_alive\":%u,\"consumers_registered\":%u,\"consumers_alive\":%u,"
                "\"topology\":",
                ring_state(r->s.state), (unsigned long long)r->s.capacity, r->s.slot_size,
                (unsigned long long)r->s.fingerprint, r->s.creator_pid,
                (unsigned long long)r->s.published, r->producers_registered, r->producers_alive,
                r->consumers_registered, r->consumers_alive);
        if (owner[i] >= 0)
            json_str(f, rings[owner[i]].name);
        else
            fputs("null", f);
        fputc('}', f);
    }
    fputs("],\"groups\":[", f);
    int first = 1;
    for (size_t i = 0, len; i < n;) {
        size_t j = group_at(rings, n, owner, i, &len);
        if (len) {
            char base[sizeof rings[i].name];
            snprintf(base, sizeof base, "%.*s", (int)len, rings[i].name);
            fputs(first ? "{\"base\":" : ",{\"base\":", f);
            first = 0;
            json_str(f, base);
            fputs(",\"rings\":[", f);
            for (size_t k = i; k < j; k++) {
                if (k > i)
                    fputc(',', f);
                json_str(f, rings[k].name);
            }
            fputs("]}", f);
        }
        i = j;
    }
    fputs("],\"topologies\":[", f);
    first = 1;
    for (size_t j = 0; j < n; j++) {
        const mst_topo *t = &rings[j].ctl;
        if (!rings[j].has_ctl)
            continue;
        fputs(first ? "{\"name\":" : ",{\"name\":", f);
        first = 0;
        json_str(f, rings[j].name);
        fputs(",\"topology\":", f);
        json_str(f, t->topology);
        fputs(",\"instance\":", f);
        json_str(f, t->instance);
        fprintf(f, ",\"state\":\"%s\"", topo_state(t));
        if (t->status == 0) {
            fprintf(f, ",\"owner_pid\":%d,\"roles\":%u,\"routes\":%u,\"members\":%u,\"up\":%u",
                    t->owner_pid, t->nroles, t->nroutes, t->nmembers, t->up);
            fputs(",\"rings\":[", f);
            int k = 0;
            for (size_t i = 0; i < n; i++)
                if (owner[i] == (long)j) {
                    if (k++)
                        fputc(',', f);
                    json_str(f, rings[i].name);
                }
            fputc(']', f);
        }
        fputc('}', f);
    }
    fputs("]}\n", f);
}

int mst_print_list(FILE *f, const mst_ring *rings, size_t n, bool json)
{
    long *owner = malloc((n ? n : 1) * sizeof *owner);
    if (!owner)
        return -ENOMEM;
    topo_owners(rings, n, owner);
    if (json)
        list_json(f, rings, n, owner);
    else
        list_text(f, rings, n, owner);
    free(owner);
    return 0;
}

/* ---- Prometheus ---- */

/* Label values: escape backslash, quote and newline (ids are printable
 * ASCII already; ring names come from the command line or a directory). */
/* The length of the UTF-8 sequence at s (1-4), or 0 when it is not one
 * (a stray continuation byte, an overlong form, a surrogate, past
 * U+10FFFF, or cut short by the string's end). */
static size_t utf8_seq(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n = c < 0x80             ? 1
               : (c & 0xe0) == 0xc0 ? 2
               : (c & 0xf0) == 0xe0 ? 3
               : (c & 0xf8) == 0xf0 ? 4
                                    : 0;
    if (n <= 1)
        return n;
    uint32_t cp = c & (0x7fu >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) /* also the NUL that ends the string */
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

void mst_prom_escape(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = utf8_seq(p);
        if (n == 0) {
            /* Label values must be UTF-8 (the text format): a byte that
             * is not is written as U+FFFD. */
            fputs("\xef\xbf\xbd", f);
            p++;
            continue;
        }
        if (*p == '\\' || *p == '"')
            fputc('\\', f);
        if (*p == '\n')
            fputs("\\n", f);
        else
            fwrite(p, 1, n, f);
        p += n;
    }
}

static void prom_family(FILE *f, const char *metric, const char *type, const char *help)
{
    fprintf(f, "# HELP myelon_%s %s\n# TYPE myelon_%s %s\n", metric, help, metric, type);
}

enum {
    RING_CAPACITY,
    RING_SLOT,
    RING_SEGMENT,
    RING_CLAIMED,
    RING_PUBLISHED,
    RING_PWAITS,
    RING_WAKES,
    RING_PREG,
    RING_PALIVE,
    RING_CREG,
    RING_CALIVE,
    RING_N
};

static uint64_t ring_value(const mst_ring *r, int m)
{
    switch (m) {
    case RING_CAPACITY:
        return r->s.capacity;
    case RING_SLOT:
        return r->s.slot_size;
    case RING_SEGMENT:
        return r->s.segment_size;
    case RING_CLAIMED:
        return r->s.claim;
    case RING_PUBLISHED:
        return r->s.published;
    case RING_PWAITS:
        return r->s.producer_waits;
    case RING_WAKES:
        return r->s.futex_wakes;
    case RING_PREG:
        return r->producers_registered;
    case RING_PALIVE:
        return r->producers_alive;
    case RING_CREG:
        return r->consumers_registered;
    default:
        return r->consumers_alive;
    }
}

enum { PROD_PUBLISHED, PROD_WAITS, PROD_WAKES, PROD_ALIVE, PROD_N };

static uint64_t prod_value(const mst_producer *p, int m)
{
    switch (m) {
    case PROD_PUBLISHED:
        return p->s.published;
    case PROD_WAITS:
        return p->s.waits;
    case PROD_WAKES:
        return p->s.wakes;
    default:
        return p->s.alive;
    }
}

enum {
    CONS_CONSUMED,
    CONS_LAG,
    CONS_WAITS,
    CONS_OVERRUNS,
    CONS_LOST,
    CONS_SKIPPED,
    CONS_DROPPED,
    CONS_BAD,
    CONS_ALIVE,
    CONS_N
};

static uint64_t cons_value(const mst_consumer *c, int m)
{
    switch (m) {
    case CONS_CONSUMED:
        return c->s.consumed;
    case CONS_LAG:
        return c->lag;
    case CONS_WAITS:
        return c->s.waits;
    case CONS_OVERRUNS:
        return c->s.overruns;
    case CONS_LOST:
        return c->s.lost;
    case CONS_SKIPPED:
        return c->s.skipped;
    case CONS_DROPPED:
        return c->s.dropped;
    case CONS_BAD:
        return c->s.bad_frames;
    default:
        return c->s.alive;
    }
}

void mst_print_prom(FILE *f, const mst_ring *rings, size_t n)
{
    static const struct {
        const char *metric, *type, *help;
    } ring_m[RING_N] = {
        {"ring_capacity_slots", "gauge", "Slots in the ring."},
        {"ring_slot_size_bytes", "gauge", "Payload bytes per slot."},
        {"ring_segment_size_bytes", "gauge", "Bytes of the ring's shared memory segment."},
        {"ring_claimed_slots_total", "counter", "Slots claimed by producers (the claim cursor)."},
        {"ring_published_events_total", "counter", "Events published, summed over producers."},
        {"ring_producer_waits_total", "counter", "Times producers waited for free slots."},
        {"ring_futex_wakes_total", "counter", "Futex wake calls made for sleeping peers."},
        {"ring_producers_registered", "gauge", "Producer table entries in use."},
        {"ring_producers_alive", "gauge", "Registered producers whose process is alive."},
        {"ring_consumers_registered", "gauge", "Consumer table entries in use."},
        {"ring_consumers_alive", "gauge", "Registered consumers whose process is alive."},
    };
    static const struct {
        const char *metric, *type, *help;
    } prod_m[PROD_N] = {
        {"producer_published_events_total", "counter", "Events this producer entry published."},
        {"producer_waits_total", "counter", "Times this producer waited for free slots."},
        {"producer_futex_wakes_total", "counter", "Futex wake calls this producer made."},
        {"producer_alive", "gauge", "1 if the producer's process is alive, else 0."},
    };
    static const struct {
        const char *metric, *type, *help;
    } cons_m[CONS_N] = {
        {"consumer_consumed_events_total", "counter", "Events this consumer released."},
        {"consumer_lag_events", "gauge",
         "Events claimed on the ring and not yet released by "
         "this consumer."},
        {"consumer_waits_total", "counter", "Times this consumer waited for events."},
        {"consumer_overruns_total", "counter", "Times a lossy ring overran this consumer."},
        {"consumer_lost_events_total", "counter", "Events lost to overruns (lossy rings)."},
        {"consumer_skipped_events_total", "counter", "Slots skipped, left by dead producers."},
        {"consumer_dropped_messages_total", "counter", "Partial messages dropped (framed rings)."},
        {"consumer_bad_frames_total", "counter", "Frames rejected (framed rings)."},
        {"consumer_alive", "gauge", "1 if the consumer's process is alive, else 0."},
    };
    for (int m = 0; m < RING_N; m++) {
        prom_family(f, ring_m[m].metric, ring_m[m].type, ring_m[m].help);
        for (size_t k = 0; k < n; k++) {
            fprintf(f, "myelon_%s{ring=\"", ring_m[m].metric);
            mst_prom_escape(f, rings[k].name);
            fprintf(f, "\"} %llu\n", (unsigned long long)ring_value(&rings[k], m));
        }
    }
    prom_family(f, "ring_info", "gauge",
                "Always 1: the ring's wait mode and wake fences as labels.");
    for (size_t k = 0; k < n; k++) {
        fputs("myelon_ring_info{ring=\"", f);
        mst_prom_escape(f, rings[k].name);
        fprintf(f, "\",wait=\"%s\",fences=\"%s\"} 1\n", wait_name(rings[k].wait),
                fences_name(&rings[k]));
    }
    for (int m = 0; m < PROD_N; m++) {
        prom_family(f, prod_m[m].metric, prod_m[m].type, prod_m[m].help);
        for (size_t k = 0; k < n; k++)
            for (uint32_t i = 0; i < rings[k].nprod; i++) {
                fprintf(f, "myelon_%s{ring=\"", prod_m[m].metric);
                mst_prom_escape(f, rings[k].name);
                fprintf(f, "\",producer=\"%u\"} %llu\n", rings[k].prod[i].idx,
                        (unsigned long long)prod_value(&rings[k].prod[i], m));
            }
    }
    /* The bridge's counters, in the order of myl_bridge_stats, then alive. */
    static const struct {
        const char *metric, *type, *help;
    } bridge_m[MYL__BR_NCOUNTERS + 1] = {
        {"bridge_messages_total", "counter",
         "Bridge: messages sent for the first time (export) or published (import); framed "
         "rings: whole messages."},
        {"bridge_bytes_total", "counter", "Bridge: payload bytes of those messages."},
        {"bridge_frames_total", "counter", "Bridge: events (framed rings: frames) of those."},
        {"bridge_batches_total", "counter", "Bridge: batches sent (export) or accepted (import)."},
        {"bridge_reconnects_total", "counter", "Bridge: sessions begun after the first."},
        {"bridge_drops_total", "counter",
         "Bridge: events lost, to lossy overruns (export) or sequence gaps (import)."},
        {"bridge_replayed_events_total", "counter",
         "Bridge: events sent again after a reconnect (export)."},
        {"bridge_duplicate_events_total", "counter",
         "Bridge: events received again and not published (import)."},
        {"bridge_bad_messages_total", "counter", "Bridge: network messages that did not decode."},
        {"bridge_refused_handshakes_total", "counter", "Bridge: handshakes refused."},
        {"bridge_position", "gauge",
         "Bridge: the acknowledged sequence (export) or the next expected one (import)."},
        {"bridge_skipped_slots_total", "counter",
         "Bridge: source slots skipped, claimed by producers that died (import)."},
        {"bridge_alive", "gauge", "1 if the bridge side's process is alive, else 0."},
    };
    for (int m = 0; m < CONS_N; m++) {
        prom_family(f, cons_m[m].metric, cons_m[m].type, cons_m[m].help);
        for (size_t k = 0; k < n; k++)
            for (uint32_t i = 0; i < rings[k].ncons; i++) {
                fprintf(f, "myelon_%s{ring=\"", cons_m[m].metric);
                mst_prom_escape(f, rings[k].name);
                fprintf(f, "\",consumer=\"");
                mst_prom_escape(f, rings[k].cons[i].s.id);
                /* The entry too: a dead consumer's entry and a live one may
                 * share an id, and a series needs a label set of its own. */
                fprintf(f, "\",entry=\"%u\"} %llu\n", rings[k].cons[i].idx,
                        (unsigned long long)cons_value(&rings[k].cons[i], m));
            }
    }
    for (int m = 0; m <= MYL__BR_NCOUNTERS; m++) {
        prom_family(f, bridge_m[m].metric, bridge_m[m].type, bridge_m[m].help);
        for (size_t k = 0; k < n; k++)
            for (uint32_t i = 0; i < rings[k].nbridge; i++) {
                const mst_bridge *b = &rings[k].bridge[i];
                fprintf(f, "myelon_%s{ring=\"", bridge_m[m].metric);
                mst_prom_escape(f, rings[k].name);
                /* The state object too: two exporters may read one ring
                 * (docs/BRIDGE.md), and a series needs a label set of its
                 * own. */
                fprintf(f, "\",side=\"%s\",state=\"", bridge_side(b));
                mst_prom_escape(f, b->state);
                fprintf(f, "\"} %llu\n",
                        (unsigned long long)(m < MYL__BR_NCOUNTERS ? b->c[m] : b->alive));
            }
    }
}
/* ---- names: a directory scan (myelon-stat --list, group base names, prefixes) ---- */

int mst_names_add(mst_names *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(s)))
        return -ENOMEM;
    l->n++;
    return 0;
}

void mst_names_free(mst_names *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of regular files starting with prefix: shm labels in /dev/shm (a
 * label made of [A-Za-z0-9._-] is its object's name there), or paths in
 * the prefix's directory. Creators' temporaries are left out. Sorted. */
int mst_scan(uint32_t backing, const char *prefix, mst_names *out)
{
    char dir[4096];
    const char *base = prefix;
    if (backing == MYL_BACKING_SHM) {
        snprintf(dir, sizeof dir, "/dev/shm");
    } else {
        const char *slash = strrchr(prefix, '/');
        if (slash) {
            size_t len = (size_t)(slash - prefix);
            if (len >= sizeof dir)
                return -ENAMETOOLONG;
            memcpy(dir, prefix, len);
            dir[len] = '\0';
            if (len == 0)
                snprintf(dir, sizeof dir, "/");
            base = slash + 1;
        } else {
            snprintf(dir, sizeof dir, ".");
        }
    }
    DIR *d = opendir(dir);
    if (!d)
        return -errno;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.' || strncmp(e->d_name, base, strlen(base)) != 0)
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        /* shm: the label; a file: the path as the prefix spelt it */
        rc = mst_names_add(out,
                           backing == MYL_BACKING_SHM || !strchr(prefix, '/') ? e->d_name : path);
    }
    closedir(d);
    if (rc == 0 && out->n)
        qsort(out->v, out->n, sizeof *out->v, cmp_str);
    return rc;
}

/* ---- snapshots of rings named or found by prefix ---- */

void mst_snaps_free(mst_snaps *s)
{
    for (size_t i = 0; i < s->n; i++)
        mst_free(&s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

typedef struct take_arg {
    const myl_ring *r;
    const char *name;
    mst_ring *snap;
} take_arg;

static int take_guarded(void *arg)
{
    take_arg *a = arg;
    return mst_take(a->r, a->name, a->snap);
}

typedef struct validate_arg {
    myl_ring *r;
    const myl_ring_opts *o;
} validate_arg;

static int validate_guarded(void *arg)
{
    validate_arg *a = arg;
    return myl__ring_validate(a->r, a->o);
}

/* Attach read-only, check, take a snapshot, close. Attach in its two
 * steps, the header's read guarded: a file truncated after attach looked
 * at its size faults that read, and the ring, mapped by then, is closed
 * (with no fingerprint to check, validation allocates nothing). */
int mst_snap_one(uint32_t backing, const char *name, mst_snaps *out)
{
    myl_ring_opts o = {.size = sizeof o,
                       .backing = backing,
                       .name = name,
                       .flags = MYL_SEG_READONLY | MYL_SEG_ANY_OWNER};
    myl_ring *r;
    int rc = myl__ring_map(&o, &r);
    if (rc < 0)
        return rc;
    validate_arg va = {r, &o};
    if ((rc = mst_guarded(validate_guarded, &va)) < 0) {
        myl_ring_close(r);
        return rc;
    }
    if ((rc = myl_ring_check(r)) < 0) { /* truncated: reading it would SIGBUS */
        myl_ring_close(r);
        return rc;
    }
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 8;
        mst_ring *v = realloc(out->v, cap * sizeof *v);
        if (!v) {
            myl_ring_close(r);
            return -ENOMEM;
        }
        out->v = v;
        out->cap = cap;
    }
    mst_ring *snap = &out->v[out->n];
    memset(snap, 0, sizeof *snap);
    take_arg ta = {r, name, snap};
    rc = mst_guarded(take_guarded, &ta);
    if (rc == MYL_ETRUNCATED)
        mst_free(snap); /* cut short: what it had taken */
    myl_ring_close(r);
    /* Once: a ring named twice (a group's base and one of its rings, say)
     * would give the Prometheus text two series with one label set. */
    if (rc == 0 && mst_find(out->v, out->n, &out->v[out->n]))
        mst_free(&out->v[out->n]);
    else if (rc == 0)
        out->n++;
    return rc;
}

bool mst_not_a_ring(uint32_t backing, const char *name, int rc)
{
    if (rc == MYL_EBADMAGIC || rc == MYL_ENAME || rc == -ENOENT)
        return true;
    if (rc != MYL_ETRUNCATED && rc != MYL_ENOTREADY)
        return false;
    /* Empty or shorter than a header, which attach refuses before it
     * reads a byte (or zeroes where the magic goes): a segment cut short
     * still starts with its magic, a file of something else does not.
     * Opened as mst_bridge_read opens: no FIFO can block this. */
    char shm[sizeof((myl_ring *)0)->name];
    int fd = -1;
    if (backing != MYL_BACKING_SHM)
        fd = open(name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    else if (myl_shm_name(name, shm, sizeof shm) >= 0)
        fd = shm_open(shm, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
    if (fd < 0)
        return errno == ENOENT; /* gone since; else unreadable: reported */
    struct stat sb;
    uint64_t magic = 0;
    bool segment = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
                   pread(fd, &magic, sizeof magic, 0) == (ssize_t)sizeof magic &&
                   magic == MYL_SEG_MAGIC;
    close(fd);
    return !segment;
}

/* A ring, or the rings of the group whose base name it is. */
int mst_snap_name(uint32_t backing, const char *name, mst_snaps *out, mst_unread_fn *unread,
                  void *arg)
{
    int rc = mst_snap_one(backing, name, out);
    if (rc != -ENOENT)
        return rc;
    char prefix[4096];
    if ((size_t)snprintf(prefix, sizeof prefix, "%s.", name) >= sizeof prefix)
        return rc;
    mst_names members = {0};
    size_t before = out->n, failed = 0;
    if (mst_scan(backing, prefix, &members) == 0)
        for (size_t i = 0; i < members.n; i++) {
            int mrc = mst_snap_one(backing, members.v[i], out);
            /* What is no ring is no member (a bridge's state object, a
             * note); a ring that cannot be read is one, and said. */
            if (mrc < 0 && !mst_not_a_ring(backing, members.v[i], mrc)) {
                failed++;
                if (unread)
                    unread(arg, members.v[i], mrc);
            }
        }
    mst_names_free(&members);
    return out->n > before || failed ? 0 : rc;
}
