/* Topologies in one process (and forked children where a death is
 * needed): naming, counts from cfg / environment / defaults and their
 * bounds, bad descriptors and names, fingerprint mismatch, a hostile
 * control segment, membership events, picking, re-dispatch bookkeeping,
 * policies and shutdown. The multi-process cases are in tests/mp.
 */
#define _GNU_SOURCE
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "harness.h"
#include "topo_common.h"

static myl_topo_cfg base_cfg(const char *tag)
{
    static char inst[8][64];
    static unsigned n;
    char *b = inst[n++ % 8];
    snprintf(b, 64, "myl-test-%d-%s", (int)getpid(), tag); /* the harness checks these */
    myl_topo_cfg c;
    myl_topo_cfg_init(&c);
    c.instance = b;
    c.liveness.startup_wait_ns = INT64_C(2000000000);
    c.liveness.check_interval_ns = 1; /* every poll checks */
    return c;
}

static myl_topo *open_owner(myl_topo_cfg *c)
{
    myl_topo *t = NULL;
    assert_int_equal(myl_topo_open(&topo_desc, c, 0, 0, &t), 0);
    assert_int_equal(myl_topo_ready(t), 0);
    return t;
}

static void test_names(void **state)
{
    (void)state;
    myl_topo_cfg c = base_cfg("names");
    myl_topo *t = open_owner(&c);
    char name[256], want[256];
    assert_true(myl_topo_segment_name(t, UINT32_MAX, 0, name, sizeof name) > 0);
    snprintf(want, sizeof want, "%s.test.Fabric", c.instance);
    assert_string_equal(name, want);
    assert_true(myl_topo_segment_name(t, TOPO_R_REQUESTS, 3, name, sizeof name) > 0);
    snprintf(want, sizeof want, "%s.test.Fabric.scheduler_workers_requests.3", c.instance);
    assert_string_equal(name, want);
    assert_int_equal(myl_topo_segment_name(t, TOPO_R_REQUESTS, 4, name, sizeof name), MYL_EINVAL);
    assert_int_equal(myl_topo_segment_name(t, TOPO_R_REQUESTS, 3, name, 8), MYL_EINVAL);
    /* The names are the shm objects'. */
    snprintf(want, sizeof want, "/dev/shm/%s.test.Fabric", c.instance);
    struct stat st;
    assert_int_equal(stat(want, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(myl_topo_member_id(t, 1, 3, name, sizeof name), 9);
    assert_string_equal(name, "workers.3");
    assert_int_equal(myl_topo_member_id(t, 1, 4, name, sizeof name), MYL_EINVAL);
    assert_int_equal(myl_topo_member_id(t, 0, 0, name, sizeof name), 11);
    /* Ring counts and numbering per shape, default count 4. */
    assert_int_equal(myl_topo_count(t, 1), 4);
    assert_int_equal(myl_topo_count(t, 2), 0);
    assert_int_equal(myl_topo_route_rings(t, TOPO_R_REQUESTS), 4);
    assert_int_equal(myl_topo_route_rings(t, TOPO_R_RESPONSES), 4);
    assert_int_equal(myl_topo_route_rings(t, TOPO_R_CONTROL), 1);
    assert_int_equal(myl_topo_route_rings(t, TOPO_R_HELLO), 1);
    assert_int_equal(myl_topo_ring_index(t, TOPO_R_REQUESTS, 0, 2), 2);
    assert_int_equal(myl_topo_ring_index(t, TOPO_R_RESPONSES, 3, 0), 3);
    assert_int_equal(myl_topo_ring_index(t, TOPO_R_HELLO, 3, 0), 0);
    assert_int_equal(myl_topo_ring_index(t, TOPO_R_CONTROL, 0, 3), 0);
    assert_int_equal(myl_topo_ring_index(t, TOPO_R_REQUESTS, 1, 0), UINT32_MAX);
    assert_int_equal(myl_topo_ring_index(t, TOPO_R_REQUESTS, 0, 4), UINT32_MAX);
    for (uint32_t k = 0; k < 4; k++)
        assert_non_null(myl_topo_ring(t, TOPO_R_REQUESTS, k));
    assert_null(myl_topo_ring(t, TOPO_R_REQUESTS, 4));
    assert_null(myl_topo_ring(t, 9, 0));
    /* Ring options: shared is multi-producer, sized to the role's max. */
    myl_ring *h = myl_topo_ring(t, TOPO_R_HELLO, 0);
    assert_int_equal(h->producer_mode, MYL_PRODUCERS_MULTI);
    assert_int_equal(h->max_producers, TOPO_MAX_WORKERS);
    assert_int_equal(myl_topo_ring(t, TOPO_R_CONTROL, 0)->max_consumers, TOPO_MAX_WORKERS);
    assert_int_equal(myl_topo_ring(t, TOPO_R_REQUESTS, 0)->max_consumers, 2);
    assert_int_equal(myl_topo_ring(t, TOPO_R_REQUESTS, 0)->fingerprint, 0x1111);
    /* A worker uses only its own rings. */
    myl_topo *w;
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 2, &w), 0);
    assert_int_equal(myl_topo_role(w), 1);
    assert_int_equal(myl_topo_index(w), 2);
    assert_non_null(myl_topo_ring(w, TOPO_R_REQUESTS, 2));
    assert_null(myl_topo_ring(w, TOPO_R_REQUESTS, 1));
    assert_non_null(myl_topo_ring(w, TOPO_R_RESPONSES, 2));
    assert_null(myl_topo_ring(w, TOPO_R_RESPONSES, 0));
    assert_non_null(myl_topo_ring(w, TOPO_R_CONTROL, 0));
    assert_non_null(myl_topo_ring(w, TOPO_R_HELLO, 0));
    myl_topo_close(w);
    myl_topo_close(t);
    /* The owner's close removed every segment. */
    assert_int_equal(stat(want, &st), -1);
}

static void test_counts(void **state)
{
    (void)state;
    myl_topo *t;
    myl_topo_cfg c = base_cfg("counts");
    setenv("MYELON_FABRIC_WORKERS", "8", 1);
    t = open_owner(&c);
    assert_int_equal(myl_topo_count(t, 1), 8);
    assert_int_equal(myl_topo_route_rings(t, TOPO_R_REQUESTS), 8);
    /* Another member reads the owner's counts, not its own environment. */
    setenv("MYELON_FABRIC_WORKERS", "2", 1);
    myl_topo *w;
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 7, &w), 0);
    assert_int_equal(myl_topo_count(w, 1), 8);
    myl_topo_close(w);
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 8, &w), MYL_EINVAL);
    myl_topo_close(t);
    /* cfg beats the environment. */
    c.counts[1] = 3;
    t = open_owner(&c);
    assert_int_equal(myl_topo_count(t, 1), 3);
    myl_topo_close(t);
    c.counts[1] = 0;
    /* Out of bounds, from either source: MYL_ERANGE. */
    setenv("MYELON_FABRIC_WORKERS", "17", 1);
    assert_int_equal(myl_topo_open(&topo_desc, &c, 0, 0, &t), MYL_ERANGE);
    setenv("MYELON_FABRIC_WORKERS", "0", 1);
    assert_int_equal(myl_topo_open(&topo_desc, &c, 0, 0, &t), MYL_ERANGE);
    setenv("MYELON_FABRIC_WORKERS", "4x", 1);
    assert_int_equal(myl_topo_open(&topo_desc, &c, 0, 0, &t), MYL_EINVAL);
    setenv("MYELON_FABRIC_WORKERS", "-1", 1);
    assert_int_equal(myl_topo_open(&topo_desc, &c, 0, 0, &t), MYL_EINVAL);
    unsetenv("MYELON_FABRIC_WORKERS");
    c.counts[1] = 17;
    assert_int_equal(myl_topo_open(&topo_desc, &c, 0, 0, &t), MYL_ERANGE);
    c.counts[0] = 2;
    c.counts[1] = 0;
    assert_int_equal(myl_topo_open(&topo_desc, &c, 0, 0, &t), MYL_ERANGE);
    c.counts[0] = 0;
    /* The default. */
    t = open_owner(&c);
    assert_int_equal(myl_topo_count(t, 1), 4);
    myl_topo_close(t);
    assert_string_equal(myl_strerror(MYL_ERANGE), "instance count out of the schema's bounds");
    assert_string_equal(myl_errname(MYL_ERANGE), "MYL_ERANGE");
}

static void test_bad_config(void **state)
{
    (void)state;
    myl_topo *t = NULL;
    myl_topo_cfg c = base_cfg("bad");
    static const char *bad_names[] = {
        "a b", "x/y", "a.b", "ü",
        "0123456789012345678901234567890123456789012345678901234567890123"};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        myl_topo_cfg b = c;
        b.instance = bad_names[i];
        assert_int_equal(myl_topo_open(&topo_desc, &b, 0, 0, &t), MYL_ENAME);
    }
    myl_topo_cfg b = c;
    b.prefix = "0123456789012345678901234567890123456789012345678901234567890123";
    assert_int_equal(myl_topo_open(&topo_desc, &b, 0, 0, &t), MYL_ENAME);
    b = c;
    b.liveness.on_dead = 9;
    assert_int_equal(myl_topo_open(&topo_desc, &b, 0, 0, &t), MYL_EINVAL);
    b = c;
    b.size = 1;
    assert_int_equal(myl_topo_open(&topo_desc, &b, 0, 0, &t), MYL_EINVAL);
    /* Role and index. */
    assert_int_equal(myl_topo_open(&topo_desc, &c, 2, 0, &t), MYL_EINVAL);
    assert_int_equal(myl_topo_open(&topo_desc, &c, 0, 1, &t), MYL_EINVAL);
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 16, &t), MYL_EINVAL);
    assert_int_equal(myl_topo_open(NULL, &c, 0, 0, &t), MYL_EINVAL);
    /* Descriptors. */
    myl_topo_role_desc roles[2];
    myl_topo_route_desc routes[4];
    myl_topo_desc d;
#define RESET()                                                                                    \
    do {                                                                                           \
        memcpy(roles, topo_roles, sizeof roles);                                                   \
        memcpy(routes, topo_routes, sizeof routes);                                                \
        d = topo_desc;                                                                             \
        d.roles = roles;                                                                           \
        d.routes = routes;                                                                         \
    } while (0)
    RESET();
    roles[0].max = 2; /* the owner has one instance */
    roles[0].count = 2;
    assert_int_equal(myl_topo_open(&d, &c, 0, 0, &t), MYL_EINVAL);
    RESET();
    roles[1].name = "Workers";
    assert_int_equal(myl_topo_open(&d, &c, 0, 0, &t), MYL_EINVAL);
    RESET();
    roles[1].min = 5; /* min > count */
    assert_int_equal(myl_topo_open(&d, &c, 0, 0, &t), MYL_EINVAL);
    RESET();
    roles[1].max = MYL_TOPO_MAX_INSTANCES + 1;
    assert_int_equal(myl_topo_open(&d, &c, 0, 0, &t), MYL_EINVAL);
    RESET();
    routes[1].from = 2;
    assert_int_equal(myl_topo_open(&d, &c, 0, 0, &t), MYL_EINVAL);
    RESET();
    routes[2].name = routes[1].name; /* duplicate */
    assert_int_equal(myl_topo_open(&d, &c, 0, 0, &t), MYL_EINVAL);
    RESET();
    routes[0].name = "a.b";
    assert_int_equal(myl_topo_open(&d, &c, 0, 0, &t), MYL_EINVAL);
    RESET();
    routes[0].shape = 7;
    assert_int_equal(myl_topo_open(&d, &c, 0, 0, &t), MYL_EINVAL);
    RESET();
    d.nroles = 0;
    assert_int_equal(myl_topo_open(&d, &c, 0, 0, &t), MYL_EINVAL);
    RESET();
    d.name = "bad name";
    assert_int_equal(myl_topo_open(&d, &c, 0, 0, &t), MYL_EINVAL);
    assert_null(t);
}

/* A member made from another schema (another fingerprint): refused. */
static void test_fingerprint_mismatch(void **state)
{
    (void)state;
    myl_topo_cfg c = base_cfg("fp");
    myl_topo *t = open_owner(&c);
    myl_topo *t2 = NULL;
    assert_int_equal(myl_topo_open(&topo_desc, &c, 0, 0, &t2), MYL_EEXIST); /* a live owner */
    assert_null(t2);
    myl_topo_desc other = topo_desc;
    other.fingerprint ^= 1;
    myl_topo *w = NULL;
    assert_int_equal(myl_topo_open(&other, &c, 1, 0, &w), MYL_EFINGERPRINT);
    assert_null(w);
    /* Same fingerprint, other bounds: the segment does not fit the
     * descriptor (a lying fingerprint). */
    myl_topo_role_desc roles[2];
    memcpy(roles, topo_roles, sizeof roles);
    roles[1].max = 2;
    roles[1].count = 2;
    other = topo_desc;
    other.roles = roles;
    assert_int_equal(myl_topo_open(&other, &c, 1, 0, &w), MYL_ECORRUPT);
    myl_topo_close(t);
    /* No instance at all: the startup wait runs out. */
    c.liveness.startup_wait_ns = 20000000;
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 0, &w), MYL_ETIMEDOUT);
}

/* The control block is another process's memory: a forged one (with a
 * checksum that matches) is refused, never trusted. */
static void test_hostile_control(void **state)
{
    (void)state;
    myl_topo_cfg c = base_cfg("hostile");
    myl_topo *t = open_owner(&c);
    char name[256];
    myl_topo_segment_name(t, UINT32_MAX, 0, name, sizeof name);
    myl_ring_opts o = {.name = name};
    myl_ring *r;
    assert_int_equal(myl_ring_attach(&o, &r), 0);
    myl__topo_ctl *ctl = (myl__topo_ctl *)(r->slots + MYL_TOPO_CTL_OFFSET);
    myl__topo_ctl saved;
    memcpy(&saved, ctl, offsetof(myl__topo_ctl, shutdown));
    myl_topo *w = NULL;
    /* A changed count, checksum not updated. */
    ctl->counts[1] = 16;
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 0, &w), MYL_ECORRUPT);
    /* Updated: the member table no longer fits (nmembers, total size). */
    ctl->checksum = topo_fnv(ctl, offsetof(myl__topo_ctl, checksum));
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 0, &w), MYL_ECORRUPT);
    /* A count out of the schema's bounds, everything else consistent. */
    ctl->counts[1] = 5000;
    ctl->nmembers = 5001;
    ctl->total_size = MYL_TOPO_CTL_MEMBERS_OFFSET + 5001ull * MYL_TOPO_MEMBER_SIZE;
    ctl->checksum = topo_fnv(ctl, offsetof(myl__topo_ctl, checksum));
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 0, &w), MYL_ECORRUPT);
    /* Another instance's block. */
    memcpy(ctl, &saved, offsetof(myl__topo_ctl, shutdown));
    ctl->instance[0] ^= 1;
    ctl->checksum = topo_fnv(ctl, offsetof(myl__topo_ctl, checksum));
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 0, &w), MYL_ECORRUPT);
    memcpy(ctl, &saved, offsetof(myl__topo_ctl, shutdown));
    /* Another layout version (checksum updated): said so. */
    ctl->abi = MYL_TOPO_ABI + 1;
    ctl->checksum = topo_fnv(ctl, offsetof(myl__topo_ctl, checksum));
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 0, &w), MYL_EVERSION);
    memcpy(ctl, &saved, offsetof(myl__topo_ctl, shutdown));
    /* A role name changed: the names checksum no longer matches; with it
     * updated (and the header's), the name is not the schema's. */
    char *role1 = (char *)ctl + MYL_TOPO_CTL_ROLES_OFFSET + MYL_TOPO_ROLE_NAME;
    assert_string_equal(role1, "workers");
    role1[0] = 'W';
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 0, &w), MYL_ECORRUPT);
    ctl->names_checksum = topo_fnv((uint8_t *)ctl + MYL_TOPO_CTL_ROLES_OFFSET,
                                   MYL_TOPO_CTL_MEMBERS_OFFSET - MYL_TOPO_CTL_ROLES_OFFSET);
    ctl->checksum = topo_fnv(ctl, offsetof(myl__topo_ctl, checksum));
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 0, &w), MYL_ECORRUPT);
    role1[0] = 'w';
    memcpy(ctl, &saved, offsetof(myl__topo_ctl, shutdown));
    /* Garbage in a member's state word is taken over, not trusted. */
    myl__topo_member *m = (myl__topo_member *)((uint8_t *)ctl + MYL_TOPO_CTL_MEMBERS_OFFSET);
    atomic_store(&m[2].state, 0x12345678u);
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 1, &w), 0);
    assert_int_equal(myl_topo_member_state(t, 1, 1), MYL_TOPO_MEMBER_JOINING);
    assert_int_equal(myl_topo_ready(w), 0);
    assert_int_equal(myl_topo_member_state(t, 1, 1), MYL_TOPO_MEMBER_UP);
    myl_topo_close(w);
    myl_ring_close(r);
    myl_topo_close(t);
}

static uint32_t count_events(myl_topo *t, uint32_t kind, uint32_t role, uint32_t index)
{
    myl_topo_event ev[32];
    uint32_t n = 0;
    int k = myl_topo_poll(t, ev, 32);
    for (int i = 0; i < k; i++)
        if (ev[i].kind == kind && ev[i].role == role && ev[i].index == index)
            n++;
    return n;
}

/* Events of one member, by kind (one poll). */
static void kinds(myl_topo *t, uint32_t role, uint32_t index, uint32_t out[6])
{
    myl_topo_event ev[32];
    memset(out, 0, 6 * sizeof out[0]);
    int k = myl_topo_poll(t, ev, 32);
    for (int i = 0; i < k; i++)
        if (ev[i].role == role && ev[i].index == index && ev[i].kind < 6)
            out[ev[i].kind]++;
}

static void test_membership(void **state)
{
    (void)state;
    myl_topo_cfg c = base_cfg("member");
    c.counts[1] = 2;
    myl_topo *t = open_owner(&c);
    assert_int_equal(myl_topo_wait_ready(t, 10000000), MYL_ETIMEDOUT);
    assert_false(myl_topo_is_alive(t, 1, 0));
    assert_true(myl_topo_is_alive(t, 0, 0)); /* itself */
    myl_topo *w0, *w1, *dup;
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 0, &w0), 0);
    assert_int_equal(myl_topo_count(w0, 1), 2);
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 0, &dup), MYL_EEXIST); /* alive */
    assert_int_equal(myl_topo_member_state(t, 1, 0), MYL_TOPO_MEMBER_JOINING);
    assert_int_equal(count_events(t, MYL_TOPO_EV_JOINED, 1, 0), 0); /* not ready yet */
    assert_int_equal(myl_topo_ready(w0), 0);
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 1, &w1), 0);
    assert_int_equal(myl_topo_ready(w1), 0);
    assert_int_equal(myl_topo_wait_ready(t, INT64_C(5000000000)), 0);
    assert_int_equal(myl_topo_wait_ready(w1, INT64_C(5000000000)), 0);
    assert_true(myl_topo_is_alive(t, 1, 0));
    assert_true(myl_topo_last_seen(t, 1, 1) > 0);
    myl_topo_beat(w1);
    assert_int_equal(count_events(t, MYL_TOPO_EV_JOINED, 1, 1), 1); /* queued by wait_ready */
    myl_topo_close(w1);
    assert_int_equal(count_events(t, MYL_TOPO_EV_LEFT, 1, 1), 1);
    assert_false(myl_topo_is_alive(t, 1, 1));
    /* A rejoin of the same index is a new incarnation: JOINED again. */
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 1, &w1), 0);
    assert_int_equal(myl_topo_ready(w1), 0);
    assert_int_equal(count_events(t, MYL_TOPO_EV_JOINED, 1, 1), 1);
    assert_true(myl_topo_is_alive(t, 1, 1));
    assert_int_equal(myl_topo_check(w0), 0);
    /* The owner's close: a shutdown every member sees. */
    myl_topo_close(t);
    assert_true(myl_topo_is_shut(w0));
    assert_int_equal(myl_topo_check(w0), MYL_ECLOSED);
    myl_topo_event ev[4];
    assert_int_equal(myl_topo_poll(w1, ev, 4), 1);
    assert_int_equal(ev[0].kind, MYL_TOPO_EV_LEFT);
    assert_int_equal(ev[0].role, 0);
    myl_topo_close(w0);
    myl_topo_close(w1);
}

/* myl_topo_shutdown by an owner that stays open: both handles say shut,
 * the member's next check is MYL_ECLOSED, a request published before is
 * still read (the ring drains), then the member's read and the owner's
 * send, once it has to wait, return MYL_ECLOSED. */
static void test_explicit_shutdown(void **state)
{
    (void)state;
    myl_topo_cfg c = base_cfg("shut");
    c.counts[1] = 1;
    myl_topo *t = open_owner(&c), *w;
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 0, &w), 0);
    assert_int_equal(myl_topo_ready(w), 0);
    assert_int_equal(myl_topo_wait_ready(t, INT64_C(5000000000)), 0);
    uint32_t k = myl_topo_ring_index(t, TOPO_R_REQUESTS, 0, 0);
    char id[64];
    assert_true(myl_topo_member_id(w, 1, 0, id, sizeof id) > 0);
    myl_consumer *q;
    myl_producer *p;
    assert_int_equal(myl_consumer_open(myl_topo_ring(w, TOPO_R_REQUESTS, k), id, NULL, &q), 0);
    assert_int_equal(myl_producer_open(myl_topo_ring(t, TOPO_R_REQUESTS, k), NULL, &p), 0);
    uint64_t rq[4] = {7, 42, 0, 0}, got[4] = {0}; /* a whole slot: the channel's 32 bytes */
    assert_int_equal(myl_producer_send(p, rq, 0), 0);
    assert_false(myl_topo_is_shut(w));
    assert_int_equal(myl_topo_check(w), 0);

    assert_int_equal(myl_topo_shutdown(t), 0);
    assert_true(myl_topo_is_shut(t));
    assert_true(myl_topo_is_shut(w));
    assert_int_equal(myl_topo_check(w), MYL_ECLOSED);
    assert_int_equal(myl_consumer_read(q, got, 1, NULL, INT64_C(1000000000)), 1);
    assert_int_equal(got[0], 7);
    assert_int_equal(myl_consumer_read(q, got, 1, NULL, INT64_C(1000000000)), MYL_ECLOSED);
    /* The owner's sends: the hot path does not look (a send with room
     * publishes), a send that has to wait for room returns MYL_ECLOSED. */
    int rc;
    uint32_t sent = 0;
    while ((rc = myl_producer_send(p, rq, INT64_C(1000000000))) == 0)
        sent++;
    assert_int_equal(rc, MYL_ECLOSED);
    assert_int_equal(sent, 64); /* the ring's capacity, all free */
    assert_int_equal(myl_topo_shutdown(NULL), MYL_EINVAL);
    myl_producer_close(p);
    myl_consumer_close(q);
    myl_topo_close(w);
    myl_topo_close(t);
}

/* Stand-ins (libmyelon_bridge's relay): a member marked DEAD or LEFT by
 * its own handle is reported so by the owner, which evicts its entries;
 * an owner marked DEAD is dead to the members (their wait_ready ends,
 * unless they ignore it), and one reopening waits; myl_topo_peek reads
 * the counts without joining. */
static void test_mark_and_peek(void **state)
{
    (void)state;
    myl_topo_cfg c = base_cfg("mark");
    c.counts[1] = 2;
    myl_topo_info info;
    assert_true(myl_topo_peek(&topo_desc, &c, &info) < 0); /* no instance yet */
    myl_topo *t = open_owner(&c);
    assert_int_equal(myl_topo_peek(&topo_desc, &c, &info), 0);
    assert_int_equal(info.counts[0], 1);
    assert_int_equal(info.counts[1], 2);
    assert_int_equal(info.owner_pid, getpid());
    assert_true(info.created_ns > 0);
    assert_int_equal(info.on_dead, MYL_LIVE_EVICT); /* the default, as the owner says */
    assert_int_equal(myl_topo_member_state(t, 1, 0), MYL_TOPO_MEMBER_FREE); /* no join */
    myl_topo *w0, *w1;
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 0, &w0), 0);
    assert_int_equal(myl_topo_ready(w0), 0);
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 1, &w1), 0);
    assert_int_equal(myl_topo_ready(w1), 0);
    assert_int_equal(myl_topo_wait_ready(t, INT64_C(5000000000)), 0);
    assert_int_equal(myl_topo_mark(w0, MYL_TOPO_MEMBER_UP), MYL_EINVAL);
    assert_int_equal(myl_topo_mark(t, MYL_TOPO_MEMBER_LEFT), MYL_EINVAL);
    /* A stand-in's consumer entry, under the member's id, from this
     * process: the owner evicts it with the member. */
    char id[MYL_ID_MAX];
    assert_true(myl_topo_member_id(w0, 1, 0, id, sizeof id) > 0);
    myl_ring *ring = myl_topo_ring(w0, 0, myl_topo_ring_index(w0, 0, 0, 0));
    assert_non_null(ring);
    myl_consumer *cons;
    assert_int_equal(myl_consumer_open(ring, id, NULL, &cons), 0);
    assert_int_equal(myl_topo_mark(w0, MYL_TOPO_MEMBER_DEAD), 0);
    assert_int_equal(myl_topo_mark(w0, MYL_TOPO_MEMBER_DEAD), 0); /* again: nothing */
    assert_int_equal(count_events(t, MYL_TOPO_EV_DEAD, 1, 0), 1);
    assert_false(myl_topo_is_alive(t, 1, 0));
    myl_ring_stats rs;
    assert_int_equal(myl_ring_stats_get(ring, &rs), 0);
    assert_int_equal(rs.consumers, 0); /* evicted */
    myl_consumer_close(cons);
    myl_topo_close(w0);
    assert_int_equal(myl_topo_mark(w1, MYL_TOPO_MEMBER_LEFT), 0);
    assert_int_equal(count_events(t, MYL_TOPO_EV_LEFT, 1, 1), 1);
    assert_int_equal(myl_topo_member_state(t, 1, 1), MYL_TOPO_MEMBER_LEFT);
    myl_topo_close(w1);
    /* The owner marked DEAD: a member sees it dead, a new one waits. */
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 0, &w0), 0);
    assert_int_equal(myl_topo_ready(w0), 0);
    myl_topo_cfg ign = c;
    ign.liveness.on_dead = MYL_LIVE_IGNORE;
    assert_int_equal(myl_topo_open(&topo_desc, &ign, 1, 1, &w1), 0);
    assert_int_equal(myl_topo_ready(w1), 0);
    assert_int_equal(myl_topo_mark(t, MYL_TOPO_MEMBER_DEAD), 0);
    assert_int_equal(count_events(w0, MYL_TOPO_EV_DEAD, 0, 0), 1);
    assert_int_equal(myl_topo_check(w0), MYL_EPEERDEAD);
    /* the owner is required (every role): its death ends a wait_ready,
     * unless the member ignores it */
    assert_int_equal(myl_topo_wait_ready(w0, INT64_C(5000000000)), MYL_EPEERDEAD);
    assert_int_equal(myl_topo_wait_ready(w1, 20000000), MYL_ETIMEDOUT);
    myl_topo_close(w1);
    myl_topo_cfg quick = c;
    quick.liveness.startup_wait_ns = 30000000;
    assert_int_equal(myl_topo_open(&topo_desc, &quick, 1, 1, &w1), MYL_EPEERDEAD);
    myl_topo_close(w0);
    myl_topo_close(t);
}

/* A child joins, ready, and dies without leaving. */
static pid_t child_member(const myl_topo_cfg *c, uint32_t index, bool wait_exit)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        myl_topo *w;
        int rc = myl_topo_open(&topo_desc, c, 1, index, &w);
        if (rc == 0)
            rc = myl_topo_ready(w);
        char b = rc == 0 ? 1 : 0;
        (void)!write(p[1], &b, 1);
        _exit(0);
    }
    char b = 0;
    assert_int_equal(read(p[0], &b, 1), 1);
    assert_int_equal(b, 1);
    close(p[0]);
    close(p[1]);
    if (wait_exit)
        assert_int_equal(waitpid(pid, NULL, 0), pid);
    return pid;
}

/* myl_topo_peek_members reads the member table without joining: each
 * entry's state and epoch as the members set them, and an UP entry whose
 * process is gone as DEAD before the owner has looked (a relay reports
 * home members to a remote site this way). */
static void test_peek_members(void **state)
{
    (void)state;
    myl_topo_cfg c = base_cfg("peekm");
    c.counts[1] = 3;
    myl_topo *t = open_owner(&c);
    myl_topo_info info;
    myl_topo_member_info m[4];
    memset(m, 0xff, sizeof m);
    assert_int_equal(myl_topo_peek_members(&topo_desc, &c, &info, m, 4), 0);
    assert_int_equal(info.counts[1], 3);
    assert_int_equal(m[0].state, MYL_TOPO_MEMBER_UP); /* the owner */
    for (int k = 1; k < 4; k++)
        assert_int_equal(m[k].state, MYL_TOPO_MEMBER_FREE);
    assert_int_equal(myl_topo_peek_members(&topo_desc, &c, &info, NULL, 1), MYL_EINVAL);
    myl_topo *w0, *w1;
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 0, &w0), 0);
    assert_int_equal(myl_topo_ready(w0), 0);
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 1, &w1), 0);
    assert_int_equal(myl_topo_ready(w1), 0);
    child_member(&c, 2, true); /* joins, and dies without leaving */
    myl_topo_beat(w0);
    assert_int_equal(myl_topo_peek_members(&topo_desc, &c, &info, m, 4), 0);
    assert_int_equal(m[1].state, MYL_TOPO_MEMBER_UP);
    assert_int_equal(m[1].epoch, 1);
    assert_true(m[1].heartbeat_ns > 0);
    assert_int_equal(m[2].state, MYL_TOPO_MEMBER_UP);
    assert_int_equal(m[3].state, MYL_TOPO_MEMBER_DEAD); /* the owner has not looked */
    assert_int_equal(myl_topo_member_state(t, 1, 2), MYL_TOPO_MEMBER_UP);
    assert_int_equal(myl_topo_mark(w0, MYL_TOPO_MEMBER_DEAD), 0);
    assert_int_equal(myl_topo_mark(w1, MYL_TOPO_MEMBER_LEFT), 0);
    assert_int_equal(myl_topo_peek_members(&topo_desc, &c, &info, m, 2), 0); /* two only */
    assert_int_equal(m[1].state, MYL_TOPO_MEMBER_DEAD);
    assert_int_equal(m[2].state, MYL_TOPO_MEMBER_UP); /* not read: as before */
    assert_int_equal(myl_topo_peek_members(&topo_desc, &c, &info, m, 4), 0);
    assert_int_equal(m[2].state, MYL_TOPO_MEMBER_LEFT);
    myl_topo_close(w0);
    myl_topo_close(w1);
    /* A new incarnation: a new epoch. */
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 1, &w1), 0);
    assert_int_equal(myl_topo_ready(w1), 0);
    assert_int_equal(myl_topo_peek_members(&topo_desc, &c, &info, m, 4), 0);
    assert_int_equal(m[2].state, MYL_TOPO_MEMBER_UP);
    assert_int_equal(m[2].epoch, 2);
    myl_topo_close(w1);
    myl_topo_close(t);
}

static void on_alert(void *arg, const myl_topo_event *ev)
{
    (void)ev;
    *(int *)arg += 1;
}

static void test_policies(void **state)
{
    (void)state;
    /* error: DEAD makes the checks fail until the member rejoins. */
    myl_topo_cfg c = base_cfg("pol");
    int count = 0;
    c.counts[1] = 2;
    c.liveness.on_dead = MYL_LIVE_ERROR;
    c.liveness.alert = on_alert;
    c.liveness.alert_arg = &count;
    myl_topo *t = open_owner(&c);
    child_member(&c, 0, true);
    uint32_t k[6];
    kinds(t, 1, 0, k);
    assert_int_equal(k[MYL_TOPO_EV_JOINED], 1);
    assert_int_equal(k[MYL_TOPO_EV_DEAD], 1);
    assert_int_equal(count, 2); /* the alert saw both */
    assert_int_equal(myl_topo_check(t), MYL_EPEERDEAD);
    assert_int_equal(myl_topo_member_state(t, 1, 0), MYL_TOPO_MEMBER_DEAD);
    /* Rejoin (this process, same index): the error ends. */
    myl_topo *w;
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 0, &w), 0);
    assert_int_equal(myl_topo_ready(w), 0);
    assert_int_equal(count_events(t, MYL_TOPO_EV_JOINED, 1, 0), 1);
    assert_int_equal(myl_topo_check(t), 0);
    myl_topo_close(w);
    myl_topo_close(t);

    /* shutdown: DEAD shuts the instance down. */
    c = base_cfg("pol2");
    c.counts[1] = 2;
    c.liveness.on_dead = MYL_LIVE_SHUTDOWN;
    t = open_owner(&c);
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 1, &w), 0);
    child_member(&c, 0, true);
    kinds(t, 1, 0, k);
    assert_int_equal(k[MYL_TOPO_EV_DEAD], 1);
    assert_true(myl_topo_is_shut(t));
    assert_int_equal(myl_topo_check(w), MYL_ECLOSED);
    myl_topo_close(w);
    myl_topo_close(t);

    /* evict (default): the dead member's consumer entries go. */
    c = base_cfg("pol3");
    c.counts[1] = 1;
    c.liveness.grace_ns = 0;
    t = open_owner(&c);
    int p[2];
    assert_int_equal(pipe(p), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        myl_topo *cw;
        myl_consumer *cc;
        char id[MYL_ID_MAX];
        int rc = myl_topo_open(&topo_desc, &c, 1, 0, &cw);
        myl_topo_member_id(cw, 1, 0, id, sizeof id);
        if (rc == 0)
            rc = myl_consumer_open(myl_topo_ring(cw, TOPO_R_REQUESTS, 0), id, NULL, &cc);
        if (rc == 0)
            rc = myl_topo_ready(cw);
        char b = rc == 0;
        (void)!write(p[1], &b, 1);
        _exit(0);
    }
    char b = 0;
    assert_int_equal(read(p[0], &b, 1), 1);
    assert_int_equal(b, 1);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
    myl_ring *rq = myl_topo_ring(t, TOPO_R_REQUESTS, 0);
    myl_ring_stats rs;
    myl_ring_stats_get(rq, &rs);
    assert_int_equal(rs.consumers, 1); /* dead, still registered */
    kinds(t, 1, 0, k);
    assert_int_equal(k[MYL_TOPO_EV_DEAD], 1);
    myl_ring_stats_get(rq, &rs);
    assert_int_equal(rs.consumers, 0); /* evicted */
    myl_consumer_stats cs;
    assert_int_equal(myl_ring_consumer_stats(rq, 0, &cs), 0);
    assert_int_equal(cs.state, MYL_ENTRY_EVICTED);
    assert_string_equal(cs.id, "workers.0");
    assert_int_equal(myl_topo_pick(t, TOPO_R_REQUESTS, 0), MYL_EPEERDEAD);
    myl_topo_close(t);
    close(p[0]);
    close(p[1]);
}

static void test_pick(void **state)
{
    (void)state;
    myl_topo_route_desc routes[4];
    memcpy(routes, topo_routes, sizeof routes);
    myl_topo_desc d = topo_desc;
    d.routes = routes;
    routes[0].partition = MYL_PART_ROUND_ROBIN;
    routes[2].shape = MYL_ROUTE_PARTITIONED;
    routes[2].partition = MYL_PART_HASH;
    myl_topo_cfg c = base_cfg("pick");
    c.counts[1] = 4;
    c.track = 1;
    myl_topo *t;
    assert_int_equal(myl_topo_open(&d, &c, 0, 0, &t), 0);
    assert_int_equal(myl_topo_pick(t, 0, 0), MYL_EPEERDEAD); /* nobody up */
    myl_topo *w[4];
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_equal(myl_topo_open(&d, &c, 1, i, &w[i]), 0);
        assert_int_equal(myl_topo_ready(w[i]), 0);
    }
    assert_int_equal(myl_topo_wait_ready(t, INT64_C(5000000000)), 0);
    /* Round robin. */
    int seen[4] = {0};
    for (int i = 0; i < 8; i++) {
        int dst = myl_topo_pick(t, 0, 0);
        assert_true(dst >= 0 && dst < 4);
        seen[dst]++;
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(seen[i], 2);
    /* Hash: the same key, the same destination; a member not up is
     * skipped (the next one). */
    int h = myl_topo_pick(t, 2, 12345);
    assert_int_equal(h, (int)(12345 % 4));
    assert_int_equal(myl_topo_pick(t, 2, 12345), h);
    myl_topo_close(w[h]);
    myl_topo_event ev[8];
    assert_true(myl_topo_poll(t, ev, 8) >= 1);
    assert_int_equal(myl_topo_pick(t, 2, 12345), (h + 1) % 4);
    for (int i = 0; i < 8; i++)
        assert_int_not_equal(myl_topo_pick(t, 0, 0), h);
    /* Least loaded, by outstanding (tracked) messages. */
    myl_topo_close(t);
    for (uint32_t i = 0; i < 4; i++)
        if ((int)i != h)
            myl_topo_close(w[i]);
    c = base_cfg("pick2");
    c.counts[1] = 3;
    c.track = 1;
    assert_int_equal(myl_topo_open(&topo_desc, &c, 0, 0, &t), 0);
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(myl_topo_open(&topo_desc, &c, 1, i, &w[i]), 0);
        assert_int_equal(myl_topo_ready(w[i]), 0);
    }
    assert_int_equal(myl_topo_wait_ready(t, INT64_C(5000000000)), 0);
    uint64_t msg = 7;
    assert_int_equal(myl_topo_track(t, 1, 0, 1, &msg, sizeof msg), 0);
    assert_int_equal(myl_topo_track(t, 1, 0, 2, &msg, sizeof msg), 0);
    assert_int_equal(myl_topo_track(t, 1, 1, 3, &msg, sizeof msg), 0);
    assert_int_equal(myl_topo_pick(t, TOPO_R_REQUESTS, 0), 2);
    assert_int_equal(myl_topo_track(t, 1, 2, 4, &msg, sizeof msg), 0);
    assert_int_equal(myl_topo_track(t, 1, 2, 5, &msg, sizeof msg), 0);
    assert_int_equal(myl_topo_pick(t, TOPO_R_REQUESTS, 0), 1);
    for (uint32_t i = 0; i < 3; i++)
        myl_topo_close(w[i]);
    myl_topo_close(t);

    /* Least loaded, untracked: by the messages queued in each member's
     * ring (published, not released by its consumer). */
    c = base_cfg("pick3");
    c.counts[1] = 3;
    assert_int_equal(myl_topo_open(&topo_desc, &c, 0, 0, &t), 0);
    myl_producer *p[3];
    myl_consumer *q[3];
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(myl_topo_open(&topo_desc, &c, 1, i, &w[i]), 0);
        assert_int_equal(myl_topo_ready(w[i]), 0);
        uint32_t k = myl_topo_ring_index(t, TOPO_R_REQUESTS, 0, i);
        assert_int_equal(myl_producer_open(myl_topo_ring(t, TOPO_R_REQUESTS, k), NULL, &p[i]), 0);
        char id[64];
        assert_true(myl_topo_member_id(w[i], 1, i, id, sizeof id) > 0);
        assert_int_equal(
            myl_consumer_open(myl_topo_ring(w[i], TOPO_R_REQUESTS, k), id, NULL, &q[i]), 0);
    }
    assert_int_equal(myl_topo_wait_ready(t, INT64_C(5000000000)), 0);
    uint64_t rq[4] = {1, 2, 0, 0}; /* a whole slot: the channel's 32 bytes */
    const uint32_t load[3] = {3, 1, 2};
    for (uint32_t i = 0; i < 3; i++)
        for (uint32_t j = 0; j < load[i]; j++)
            assert_int_equal(myl_producer_try_send(p[i], rq), 0);
    assert_int_equal(myl_topo_pick(t, TOPO_R_REQUESTS, 0), 1);
    assert_int_equal(myl_producer_try_send(p[1], rq), 0);
    assert_int_equal(myl_producer_try_send(p[1], rq), 0); /* 3, 3, 2 */
    assert_int_equal(myl_topo_pick(t, TOPO_R_REQUESTS, 0), 2);
    uint64_t seq;
    assert_int_equal(myl_consumer_try_poll(q[0], 3, &seq), 3);
    myl_consumer_release(q[0], 3); /* 0, 3, 2 */
    assert_int_equal(myl_topo_pick(t, TOPO_R_REQUESTS, 0), 0);
    for (uint32_t i = 0; i < 3; i++) {
        myl_consumer_close(q[i]);
        myl_producer_close(p[i]);
        myl_topo_close(w[i]);
    }
    myl_topo_close(t);
}

/* A sender that is not the owner keeps an evicted member out of rotation
 * too: the member table says UP all along (the member did not leave), and
 * only the owner's shadow knew; a non-owner now looks at its own rings to
 * each destination at every check (topo.c check_dests). */
static void test_pick_evicted_by_peer(void **state)
{
    (void)state;
    static const myl_topo_role_desc roles[] = {
        {"scheduler", 1, 1, 1},
        {"workers", 2, 1, 4},
        {"feeders", 1, 1, 1},
    };
    static const myl_topo_route_desc routes[] = {
        {"feeders_workers_jobs", 2, 1, MYL_ROUTE_PARTITIONED, MYL_PART_ROUND_ROBIN, &topo_ch_req,
         NULL},
    };
    const myl_topo_desc d = {"test.Feed", UINT64_C(0x6665656466656564), 3, 1, roles, routes};
    myl_topo_cfg c = base_cfg("feed");
    myl_topo *t, *w[2], *f;
    assert_int_equal(myl_topo_open(&d, &c, 0, 0, &t), 0);
    assert_int_equal(myl_topo_ready(t), 0);
    myl_consumer *q[2];
    myl_ring *ring[2];
    char id[2][64];
    for (uint32_t i = 0; i < 2; i++) {
        assert_int_equal(myl_topo_open(&d, &c, 1, i, &w[i]), 0);
        assert_true(myl_topo_member_id(w[i], 1, i, id[i], sizeof id[i]) > 0);
        ring[i] = myl_topo_ring(w[i], 0, myl_topo_ring_index(w[i], 0, 0, i));
        assert_int_equal(myl_consumer_open(ring[i], id[i], NULL, &q[i]), 0);
        assert_int_equal(myl_topo_ready(w[i]), 0);
    }
    assert_int_equal(myl_topo_open(&d, &c, 2, 0, &f), 0);
    assert_int_equal(myl_topo_ready(f), 0);
    assert_int_equal(myl_topo_wait_ready(t, INT64_C(5000000000)), 0);
    myl_topo_event ev[8];
    assert_true(myl_topo_poll(f, ev, 8) >= 0);
    int seen[2] = {0};
    for (int i = 0; i < 4; i++) {
        int dst = myl_topo_pick(f, 0, 0);
        assert_true(dst == 0 || dst == 1);
        seen[dst]++;
    }
    assert_int_equal(seen[0], 2);
    /* Worker 0's entry evicted (as the owner does with a stalled member):
     * after the feeder's next check, worker 1 only. */
    assert_int_equal(myl_ring_evict(myl_topo_ring(t, 0, 0), 0), 0);
    assert_int_equal(myl_topo_member_state(f, 1, 0), MYL_TOPO_MEMBER_UP);
    assert_true(myl_topo_poll(f, ev, 8) >= 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(myl_topo_pick(f, 0, 0), 1);
    /* Both evicted: nobody to pick. */
    assert_int_equal(myl_ring_evict(myl_topo_ring(t, 0, 1), 0), 0);
    assert_true(myl_topo_poll(f, ev, 8) >= 0);
    assert_int_equal(myl_topo_pick(f, 0, 0), MYL_EPEERDEAD);
    /* Worker 0 opens its receiver again (what the generated _poll does):
     * back in rotation at the next check. */
    myl_consumer_close(q[0]);
    assert_int_equal(myl_consumer_open(ring[0], id[0], NULL, &q[0]), 0);
    assert_true(myl_topo_poll(f, ev, 8) >= 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(myl_topo_pick(f, 0, 0), 0);
    for (uint32_t i = 0; i < 2; i++) {
        myl_consumer_close(q[i]);
        myl_topo_close(w[i]);
    }
    myl_topo_close(f);
    myl_topo_close(t);
}

struct resend_log {
    uint64_t ids[16];
    int n;
    uint64_t refuse; /* this id: fn fails */
    bool stall;      /* every id: fn times out */
    myl_topo *t;
    uint32_t to; /* re-track under this index, or UINT32_MAX */
};

static int resend(void *arg, uint64_t id, const void *msg, size_t len)
{
    struct resend_log *l = arg;
    if (id == l->refuse)
        return MYL_EAGAIN;
    l->ids[l->n++] = id;
    if (l->stall)
        return MYL_ETIMEDOUT;
    if (l->to != UINT32_MAX)
        return myl_topo_track(l->t, 1, l->to, id, msg, len);
    return 0;
}

/* Resends to worker `to`, and while resending `extra_after` tracks a new
 * message `extra` there as well (a handler that sends as it re-dispatches). */
struct resend_more {
    myl_topo *t;
    uint32_t to;
    uint64_t extra_after, extra;
    uint64_t ids[16];
    int n;
};

static int resend_more_fn(void *arg, uint64_t id, const void *msg, size_t len)
{
    struct resend_more *m = arg;
    m->ids[m->n++] = id;
    int rc = myl_topo_track(m->t, 1, m->to, id, msg, len);
    if (rc == 0 && id == m->extra_after)
        rc = myl_topo_track(m->t, 1, m->to, m->extra, &m->extra, sizeof m->extra);
    return rc;
}

/* Resends to worker `to`; while resending `nest_at`, re-dispatches worker
 * `nest_from` first (to `to` as well), then tracks its own message. */
struct resend_nested {
    myl_topo *t;
    uint32_t to, nest_from;
    uint64_t nest_at;
    struct resend_more inner;
};

static int resend_nested_fn(void *arg, uint64_t id, const void *msg, size_t len)
{
    struct resend_nested *m = arg;
    if (id == m->nest_at)
        (void)myl_topo_redispatch(m->t, 1, m->nest_from, resend_more_fn, &m->inner);
    return myl_topo_track(m->t, 1, m->to, id, msg, len);
}

/* A re-dispatched message keeps its first send order; a message tracked
 * anew while one is resent comes after everything tracked before it; a
 * resend that re-dispatches in turn leaves the outer message its order. */
static void test_redispatch_order(void **state)
{
    (void)state;
    myl_topo_cfg c = base_cfg("order");
    c.counts[1] = 3;
    c.track = 16;
    myl_topo *t = open_owner(&c);
    for (uint64_t id = 1; id <= 3; id++)
        assert_int_equal(myl_topo_track(t, 1, 0, id, &id, sizeof id), 0);
    struct resend_more m = {.t = t, .to = 1, .extra_after = 1, .extra = 9};
    assert_int_equal(myl_topo_redispatch(t, 1, 0, resend_more_fn, &m), 3);
    assert_int_equal(m.n, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(m.ids[i], (uint64_t)i + 1);
    assert_int_equal(myl_topo_outstanding(t, 1, 1), 4);
    struct resend_more m2 = {.t = t, .to = 2, .extra_after = UINT64_MAX};
    assert_int_equal(myl_topo_redispatch(t, 1, 1, resend_more_fn, &m2), 4);
    assert_int_equal(m2.n, 4);
    const uint64_t want[4] = {1, 2, 3, 9};
    for (int i = 0; i < 4; i++)
        assert_int_equal(m2.ids[i], want[i]);
    myl_topo_close(t);

    /* First sent: 1 to worker 0, 2 to worker 1, 3 to worker 0. Worker
     * 0's resend of 1 re-dispatches worker 1 (2, to worker 2) before it
     * tracks 1 there: worker 2 then holds 1, 2, 3 in that order. */
    t = open_owner(&c);
    uint64_t v = 0;
    assert_int_equal(myl_topo_track(t, 1, 0, 1, &v, sizeof v), 0);
    assert_int_equal(myl_topo_track(t, 1, 1, 2, &v, sizeof v), 0);
    assert_int_equal(myl_topo_track(t, 1, 0, 3, &v, sizeof v), 0);
    struct resend_nested nm = {.t = t, .to = 2, .nest_from = 1, .nest_at = 1};
    nm.inner = (struct resend_more){.t = t, .to = 2, .extra_after = UINT64_MAX};
    assert_int_equal(myl_topo_redispatch(t, 1, 0, resend_nested_fn, &nm), 2);
    assert_int_equal(nm.inner.n, 1);
    struct resend_more m3 = {.t = t, .to = 0, .extra_after = UINT64_MAX};
    assert_int_equal(myl_topo_redispatch(t, 1, 2, resend_more_fn, &m3), 3);
    assert_int_equal(m3.n, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(m3.ids[i], (uint64_t)i + 1);
    myl_topo_close(t);
}

static void test_tracking(void **state)
{
    (void)state;
    myl_topo_cfg c = base_cfg("track");
    c.counts[1] = 2;
    myl_topo *t = open_owner(&c);
    uint64_t v = 1;
    assert_int_equal(myl_topo_track(t, 1, 0, 1, &v, sizeof v), MYL_EINVAL); /* off */
    assert_int_equal(myl_topo_answered(t, 1), MYL_EINVAL);
    myl_topo_close(t);
    c.track = 3; /* at most three */
    t = open_owner(&c);
    for (uint64_t id = 1; id <= 3; id++)
        assert_int_equal(myl_topo_track(t, 1, 0, id, &id, sizeof id), 0);
    assert_int_equal(myl_topo_track(t, 1, 1, 4, &v, sizeof v), MYL_EFULL);
    assert_int_equal(myl_topo_outstanding(t, 1, 0), 3);
    assert_int_equal(myl_topo_answered(t, 2), 1);
    assert_int_equal(myl_topo_answered(t, 2), 0); /* a second answer */
    assert_int_equal(myl_topo_outstanding(t, 1, 0), 2);
    assert_int_equal(myl_topo_track(t, 1, 1, 4, &v, sizeof v), 0);
    /* Re-tracking moves an id. */
    assert_int_equal(myl_topo_track(t, 1, 1, 3, &v, sizeof v), 0);
    assert_int_equal(myl_topo_outstanding(t, 1, 0), 1);
    assert_int_equal(myl_topo_outstanding(t, 1, 1), 2);
    assert_int_equal(myl_topo_track(t, 1, 2, 9, &v, sizeof v), MYL_EINVAL);
    /* Re-dispatch worker 1's: 3 refused (kept), 4 handed over. Worker 1
     * never joined, so nothing of it is "up". */
    struct resend_log l = {.refuse = 3, .t = t, .to = UINT32_MAX};
    assert_int_equal(myl_topo_redispatch(t, 1, 1, resend, &l), 1);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.ids[0], 4);
    assert_int_equal(myl_topo_outstanding(t, 1, 1), 1);
    assert_int_equal(myl_topo_answered(t, 4), 0);
    /* Refused again: the error. */
    l.n = 0;
    assert_int_equal(myl_topo_redispatch(t, 1, 1, resend, &l), MYL_EAGAIN);
    /* A destination that times out: one try per call, the rest kept. */
    assert_int_equal(myl_topo_track(t, 1, 1, 5, &v, sizeof v), 0);
    l.refuse = 0;
    l.stall = true;
    assert_int_equal(myl_topo_redispatch(t, 1, 1, resend, &l), MYL_ETIMEDOUT);
    assert_int_equal(l.n, 1);
    assert_int_equal(myl_topo_outstanding(t, 1, 1), 2);
    assert_int_equal(myl_topo_answered(t, 5), 1);
    l.stall = false;
    l.n = 0;
    /* Handed to worker 0 (re-tracked there). */
    l.to = 0;
    assert_int_equal(myl_topo_redispatch(t, 1, 1, resend, &l), 1);
    assert_int_equal(myl_topo_outstanding(t, 1, 1), 0);
    assert_int_equal(myl_topo_outstanding(t, 1, 0), 2);
    assert_int_equal(myl_topo_answered(t, 3), 1);
    assert_int_equal(myl_topo_answered(t, 1), 1);
    assert_int_equal(myl_topo_outstanding(t, 1, 0), 0);
    /* Many ids through a small table: the probing stays consistent. */
    myl_topo_close(t);
    c.track = 64;
    t = open_owner(&c);
    for (int round = 0; round < 50; round++) {
        for (uint64_t id = 0; id < 64; id++)
            assert_int_equal(myl_topo_track(t, 1, id & 1, id * 1024 + (uint64_t)round, &id, 8), 0);
        for (uint64_t id = 0; id < 64; id += 2)
            assert_int_equal(myl_topo_answered(t, id * 1024 + (uint64_t)round), 1);
        for (uint64_t id = 1; id < 64; id += 2)
            assert_int_equal(myl_topo_answered(t, id * 1024 + (uint64_t)round), 1);
        assert_int_equal(myl_topo_outstanding(t, 1, 0) + myl_topo_outstanding(t, 1, 1), 0);
    }
    myl_topo_close(t);
}

/* A member that leaves and rejoins between two of the owner's checks is
 * reported LEFT then JOINED, not DEAD (its leave is recorded in the entry
 * as the epoch that left); one that dies and is replaced between checks
 * is still DEAD then JOINED. */
/* A child process that opens worker `index` (role 1) and is ready, then
 * waits to be killed; returned once it is up. */
static pid_t fork_worker_up(const myl_topo_cfg *c, uint32_t index)
{
    int up[2];
    assert_int_equal(pipe(up), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        myl_topo *o;
        char b = myl_topo_open(&topo_desc, c, 1, index, &o) == 0 && myl_topo_ready(o) == 0;
        (void)!write(up[1], &b, 1);
        for (;;)
            pause();
    }
    char b = 0;
    assert_int_equal(read(up[0], &b, 1), 1);
    assert_int_equal(b, 1);
    close(up[0]);
    close(up[1]);
    return pid;
}

static void test_quick_rejoin(void **state)
{
    (void)state;
    myl_topo_cfg c = base_cfg("rejoin");
    c.counts[1] = 2;
    myl_topo *t = open_owner(&c);
    myl_topo *w;
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 0, &w), 0);
    assert_int_equal(myl_topo_ready(w), 0);
    uint32_t k[6];
    kinds(t, 1, 0, k);
    assert_int_equal(k[MYL_TOPO_EV_JOINED], 1);
    /* leave and rejoin, no check between */
    myl_topo_close(w);
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 0, &w), 0);
    assert_int_equal(myl_topo_ready(w), 0);
    kinds(t, 1, 0, k);
    assert_int_equal(k[MYL_TOPO_EV_DEAD], 0);
    assert_int_equal(k[MYL_TOPO_EV_LEFT], 1);
    assert_int_equal(k[MYL_TOPO_EV_JOINED], 1);
    assert_true(myl_topo_is_alive(t, 1, 0));
    myl_topo_close(w);
    /* index 1: a child joins and is seen up, then is killed and replaced
     * with no check between: DEAD, then JOINED */
    pid_t pid = fork_worker_up(&c, 1);
    kinds(t, 1, 1, k);
    assert_int_equal(k[MYL_TOPO_EV_JOINED], 1);
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
    myl_topo *w1;
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 1, &w1), 0);
    assert_int_equal(myl_topo_ready(w1), 0);
    kinds(t, 1, 1, k);
    assert_int_equal(k[MYL_TOPO_EV_DEAD], 1);
    assert_int_equal(k[MYL_TOPO_EV_LEFT], 0);
    assert_int_equal(k[MYL_TOPO_EV_JOINED], 1);
    myl_topo_close(w1);
    myl_topo_close(t);
}

/* The member of test_rejoin_in_left_check: its configuration, and the
 * incarnation and reader that rejoin from the owner's LEFT alert. */
struct rejoin {
    const myl_topo_cfg *c;
    myl_topo *w;
    myl_consumer *cons;
    int lefts;
};

static myl_consumer *open_reader(myl_topo *w)
{
    char id[32];
    assert_true(myl_topo_member_id(w, TOPO_ROLE_WORKERS, 0, id, sizeof id) > 0);
    myl_ring *r = myl_topo_ring(w, TOPO_R_REQUESTS, myl_topo_ring_index(w, TOPO_R_REQUESTS, 0, 0));
    myl_consumer *cons = NULL;
    assert_int_equal(myl_consumer_open(r, id, NULL, &cons), 0);
    return cons;
}

static void rejoin_on_left(void *arg, const myl_topo_event *ev)
{
    struct rejoin *j = arg;
    if (ev->kind != MYL_TOPO_EV_LEFT || ev->role != TOPO_ROLE_WORKERS || j->lefts++)
        return;
    assert_int_equal(myl_topo_open(&topo_desc, j->c, TOPO_ROLE_WORKERS, 0, &j->w), 0);
    j->cons = open_reader(j->w);
    assert_int_equal(myl_topo_ready(j->w), 0);
}

/* A member that leaves and rejoins (the same process, a new epoch) while
 * the owner is between its look at the LEFT and the eviction of what the
 * member left registered: here, from the alert of that LEFT, which runs
 * in between. The owner evicts by the member's id and pid, which the new
 * incarnation's reader has too: it evicted that reader, and the member
 * was left out of rotation. Now it looks at the entry again first. */
static void test_rejoin_in_left_check(void **state)
{
    (void)state;
    myl_topo_cfg c = base_cfg("leftrace");
    c.counts[1] = 1;
    struct rejoin j = {.c = &c};
    c.liveness.alert = rejoin_on_left;
    c.liveness.alert_arg = &j;
    myl_topo *t = open_owner(&c);
    myl_topo *w;
    assert_int_equal(myl_topo_open(&topo_desc, &c, TOPO_ROLE_WORKERS, 0, &w), 0);
    myl_consumer *cons = open_reader(w);
    assert_int_equal(myl_topo_ready(w), 0);
    uint32_t k[6];
    kinds(t, TOPO_ROLE_WORKERS, 0, k);
    assert_int_equal(k[MYL_TOPO_EV_JOINED], 1);
    myl_consumer_close(cons);
    myl_topo_close(w);
    kinds(t, TOPO_ROLE_WORKERS, 0, k); /* LEFT: the alert rejoins */
    assert_int_equal(k[MYL_TOPO_EV_LEFT], 1);
    assert_int_equal(k[MYL_TOPO_EV_DEAD], 0);
    assert_non_null(j.cons);
    assert_int_equal(myl_consumer_check(j.cons), 0);
    kinds(t, TOPO_ROLE_WORKERS, 0, k);
    assert_int_equal(k[MYL_TOPO_EV_JOINED], 1);
    assert_int_equal(k[MYL_TOPO_EV_DEAD] + k[MYL_TOPO_EV_LEFT], 0);
    assert_int_equal(myl_consumer_check(j.cons), 0);
    assert_true(myl_topo_is_alive(t, TOPO_ROLE_WORKERS, 0));
    assert_int_equal(myl_topo_pick(t, TOPO_R_REQUESTS, 0), 0);
    myl_consumer_close(j.cons);
    myl_topo_close(j.w);
    myl_topo_close(t);
}

static int count_resend(void *arg, uint64_t id, const void *m, size_t n)
{
    (void)id;
    (void)m;
    (void)n;
    ++*(int *)arg;
    return 0;
}

/* A worker up, killed, and restarted before the owner looks: the restart
 * sits in JOINING (between open and ready), maybe for long (a model to
 * load), maybe dying there. The dead incarnation is reported DEAD at
 * once, its tracked request re-dispatched, and it is no longer picked;
 * the restart's JOINED comes with its ready, with no second DEAD. The
 * owner used to skip a JOINING entry altogether: the death went
 * unreported, the dead worker stayed alive to pick, and nothing was
 * re-dispatched until some incarnation was up; never, if the restart
 * died while joining. */
static void test_restart_joining(void **state)
{
    (void)state;
    myl_topo_cfg c = base_cfg("joinrst");
    c.counts[1] = 1;
    c.track = 1;
    myl_topo *t = open_owner(&c);
    for (int dies = 1; dies >= 0; dies--) {
        pid_t pid = fork_worker_up(&c, 0);
        uint32_t k[6];
        kinds(t, 1, 0, k);
        assert_int_equal(k[MYL_TOPO_EV_JOINED], 1);
        assert_true(myl_topo_is_alive(t, 1, 0));
        uint64_t req = 42;
        assert_int_equal(myl_topo_track(t, 1, 0, 7, &req, sizeof req), 0);
        kill(pid, SIGKILL);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
        /* The restart joins before the owner looks. */
        myl_topo *w = NULL;
        if (dies) {
            fflush(NULL);
            pid = fork();
            if (pid == 0)
                _exit(myl_topo_open(&topo_desc, &c, 1, 0, &w) == 0 ? 0 : 1);
            int st = 0;
            assert_int_equal(waitpid(pid, &st, 0), pid);
            assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        } else {
            assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 0, &w), 0);
        }
        kinds(t, 1, 0, k);
        assert_int_equal(k[MYL_TOPO_EV_DEAD], 1);
        assert_int_equal(k[MYL_TOPO_EV_JOINED], 0);
        assert_false(myl_topo_is_alive(t, 1, 0));
        int handed = 0;
        assert_int_equal(myl_topo_redispatch(t, 1, 0, count_resend, &handed), 1);
        assert_int_equal(handed, 1);
        kinds(t, 1, 0, k); /* nothing more while it joins */
        assert_int_equal(k[MYL_TOPO_EV_DEAD] + k[MYL_TOPO_EV_JOINED] + k[MYL_TOPO_EV_LEFT], 0);
        if (!dies) {
            assert_int_equal(myl_topo_ready(w), 0);
            kinds(t, 1, 0, k);
            assert_int_equal(k[MYL_TOPO_EV_JOINED], 1);
            assert_int_equal(k[MYL_TOPO_EV_DEAD], 0);
            assert_true(myl_topo_is_alive(t, 1, 0));
            myl_topo_close(w);
            kinds(t, 1, 0, k);
            assert_int_equal(k[MYL_TOPO_EV_LEFT], 1);
        }
    }
    myl_topo_close(t);
}

/* An owner killed while a worker runs, then restarted: it takes over the
 * dead owner's names (before, the worker's entries kept the rings from
 * being stale: MYL_EEXIST). The worker sees the owner dead and reopens
 * into the new instance. A live owner is never taken over. */
static void test_owner_restart(void **state)
{
    (void)state;
    myl_topo_cfg c = base_cfg("orestart");
    c.counts[1] = 2;
    int go[2], up[2];
    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(up), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) { /* the first owner: up, then killed */
        myl_topo *o;
        char b = myl_topo_open(&topo_desc, &c, 0, 0, &o) == 0 && myl_topo_ready(o) == 0;
        (void)!write(up[1], &b, 1);
        (void)!read(go[0], &b, 1);
        for (;;)
            pause();
    }
    char b = 0;
    assert_int_equal(read(up[0], &b, 1), 1);
    assert_int_equal(b, 1);
    myl_topo *w;
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 0, &w), 0);
    /* It reads its request ring, as an endpoint does: a live consumer
     * entry, so that ring is not stale. */
    myl_consumer *rx;
    uint32_t k = myl_topo_ring_index(w, TOPO_R_REQUESTS, 0, 0);
    assert_int_equal(
        myl_consumer_open(myl_topo_ring(w, TOPO_R_REQUESTS, k), "workers.0", NULL, &rx), 0);
    assert_int_equal(myl_topo_ready(w), 0);
    /* A second owner while the first lives: refused. */
    myl_topo *o2;
    assert_int_equal(myl_topo_open(&topo_desc, &c, 0, 0, &o2), MYL_EEXIST);
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
    close(go[0]);
    close(go[1]);
    close(up[0]);
    close(up[1]);
    /* The restarted owner. */
    assert_int_equal(myl_topo_open(&topo_desc, &c, 0, 0, &o2), 0);
    assert_int_equal(myl_topo_ready(o2), 0);
    /* The old worker: its owner is dead; it reopens and joins the new one. */
    assert_int_equal(myl_topo_check(w), MYL_EPEERDEAD);
    myl_consumer_close(rx);
    myl_topo_close(w);
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 0, &w), 0);
    assert_int_equal(myl_topo_ready(w), 0);
    assert_int_equal(count_events(o2, MYL_TOPO_EV_JOINED, 1, 0), 1);
    assert_int_equal(myl_topo_check(w), 0);
    myl_topo_close(w);
    myl_topo_close(o2);
}

MYL_TEST_MAIN("topo", cmocka_unit_test(test_names), cmocka_unit_test(test_counts),
              cmocka_unit_test(test_bad_config), cmocka_unit_test(test_fingerprint_mismatch),
              cmocka_unit_test(test_hostile_control), cmocka_unit_test(test_membership),
              cmocka_unit_test(test_explicit_shutdown), cmocka_unit_test(test_policies),
              cmocka_unit_test(test_pick), cmocka_unit_test(test_pick_evicted_by_peer),
              cmocka_unit_test(test_tracking), cmocka_unit_test(test_redispatch_order),
              cmocka_unit_test(test_owner_restart), cmocka_unit_test(test_quick_rejoin),
              cmocka_unit_test(test_rejoin_in_left_check), cmocka_unit_test(test_restart_joining),
              cmocka_unit_test(test_mark_and_peek), cmocka_unit_test(test_peek_members))
