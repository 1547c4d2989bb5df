/* One peer of the schema evolution test (test_evolve.sh): built three
 * times, from tests/gen/evolve/v1, v2 and v3 of orders.myl (EVO_VERSION),
 * so that processes built from different versions of a schema meet on one
 * ring, as in a fleet upgraded one process at a time.
 *
 *   evolve_peer_vN recv create|attach NAME FROM N   read N orders a peer
 *                                                  built from version FROM
 *                                                  sent, check every field
 *   evolve_peer_vN send create|attach NAME N        build and send N orders
 *   evolve_peer_vN hold orders|ticks NAME           create the ring, exit
 *   evolve_peer_vN refused orders|ticks NAME CODE   attach must fail with
 *                                                  CODE (MYL_E... name) and
 *                                                  a reason
 *   evolve_peer_vN unlink orders|ticks NAME
 *   evolve_peer_vN topo-sched INSTANCE N           the owner of topology
 *                                                  Shop: send N orders to
 *                                                  its worker, wait until
 *                                                  it left
 *   evolve_peer_vN topo-work INSTANCE FROM N       its worker: join, read
 *                                                  and check N orders
 *   evolve_peer_vN corrupt orders NAME hash|body  damage the description
 *                                                  stored in the segment (a
 *                                                  hostile peer): its bytes
 *                                                  only, or its bytes and
 *                                                  the hash that covers them
 *
 * Readers of newer data: a v1 reader of v2 orders ignores the fields it
 * does not know (price, account, Leg.venue) and sees a value of Side it
 * has no name for; a v2 reader of v1 orders reads the missing fields as
 * their defaults. Exit status 0 when every check holds. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "orders.myl.h"

#define TMO INT64_C(30000000000) /* generous: the machine may be loaded */

static int fails;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "v%d: check failed: %s: ", EVO_VERSION, #cond);                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            if (++fails > 10)                                                                      \
                exit(1);                                                                           \
        }                                                                                          \
    } while (0)

static int die(const char *what, int rc)
{
    fprintf(stderr, "v%d: %s: %s (%s)%s%s\n", EVO_VERSION, what, myl_strerror(rc), myl_errname(rc),
            myl_compat_last_reason()[0] ? ": " : "", myl_compat_last_reason());
    exit(1);
}

/* What a sender of version v puts in order i. */
static uint8_t side_of(int v, uint64_t i)
{
    return v == 2 && i % 3 == 2 ? 2 : (uint8_t)(i % 2);
}

static int build(myl_fb_builder *b, uint64_t i, myl_fb_ref *root)
{
    myl_fb_ref legs[2], vec, note;
    for (uint32_t k = 0; k < 2; k++) {
#if EVO_VERSION == 2
        myl_fb_ref venue;
        myl_fb_create_string(b, "X", 1, &venue);
#endif
        evo_Leg_start(b);
        evo_Leg_add_px(b, (int64_t)(i * 10 + k));
        evo_Leg_add_qty(b, k + 1);
#if EVO_VERSION == 2
        evo_Leg_add_venue(b, venue);
#endif
        evo_Leg_end(b, &legs[k]);
    }
    evo_Order_create_legs(b, legs, 2, &vec);
    char text[32];
    int n = snprintf(text, sizeof text, "n%" PRIu64, i);
    myl_fb_create_string(b, text, (size_t)n, &note);
#if EVO_VERSION == 2
    myl_fb_ref account;
    myl_fb_create_string(b, "acct", 4, &account);
#endif
    evo_Order_start(b);
    evo_Order_add_id(b, i);
    evo_Order_add_qty(b, (uint32_t)(i % 10)); /* 7 is the default: not written */
    evo_Order_add_side(b, side_of(EVO_VERSION, i));
#if EVO_VERSION != 2
    evo_Order_add_note(b, note); /* v2 deprecated it */
#endif
    evo_Order_add_legs(b, vec);
#if EVO_VERSION == 2
    evo_Order_add_price(b, (int64_t)(i * 3));
    evo_Order_add_account(b, account);
#endif
    return evo_Order_end(b, root);
}

static void check(evo_Order_table t, int from, uint64_t i)
{
    CHECK(evo_Order_id(t) == i, "id %" PRIu64 " at %" PRIu64, evo_Order_id(t), i);
    CHECK(evo_Order_qty(t) == i % 10, "qty %u at %" PRIu64, (unsigned)evo_Order_qty(t), i);
    CHECK(evo_Order_side(t) == side_of(from, i), "side %u at %" PRIu64, evo_Order_side(t), i);
    /* a value this version has no name for reads as itself */
    CHECK((evo_Side_name(evo_Order_side(t)) != NULL) == (EVO_VERSION == 2 || evo_Order_side(t) < 2),
          "name of side %u", evo_Order_side(t));
    CHECK(evo_Order_legs_len(t) == 2, "legs %u", evo_Order_legs_len(t));
    for (uint32_t k = 0; k < 2 && k < evo_Order_legs_len(t); k++) {
        evo_Leg_table l = evo_Order_legs_at(t, k);
        CHECK(evo_Leg_px(l) == (int64_t)(i * 10 + k), "leg px");
        CHECK(evo_Leg_qty(l) == k + 1, "leg qty");
#if EVO_VERSION == 2
        myl_fb_str venue = evo_Leg_venue(l);
        if (from == 2)
            CHECK(venue.ptr && venue.len == 1 && venue.ptr[0] == 'X', "venue");
        else
            CHECK(!venue.ptr && !evo_Leg_has_venue(l), "venue absent reads as absent");
#endif
    }
#if EVO_VERSION == 2
    /* fields v1 does not have: their defaults when a v1 peer wrote it */
    CHECK(evo_Order_price(t) == (from == 2 ? (int64_t)(i * 3) : -1), "price %" PRId64,
          evo_Order_price(t));
    CHECK(evo_Order_has_account(t) == (from == 2), "account presence");
#else
    myl_fb_str note = evo_Order_note(t);
    char text[32];
    int n = snprintf(text, sizeof text, "n%" PRIu64, i);
    if (from == 2) /* deprecated in v2: never written */
        CHECK(!note.ptr, "note written by v2");
    else
        CHECK(note.ptr && note.len == (size_t)n && memcmp(note.ptr, text, (size_t)n) == 0, "note");
#endif
}

static myl_ring *open_ring(const char *how, const char *name)
{
    myl_ring *r;
    int rc =
        strcmp(how, "create") == 0 ? evo_orders_create(name, &r) : evo_orders_attach(name, TMO, &r);
    if (rc < 0)
        die(how, rc);
    return r;
}

static int recv_orders(const char *how, const char *name, int from, uint64_t n)
{
    myl_ring *r = open_ring(how, name);
    evo_orders_receiver rx;
    int rc = evo_orders_receiver_open(r, "rx", NULL, &rx);
    if (rc < 0)
        die("receiver_open", rc);
    for (uint64_t i = 0; i < n; i++) {
        myl_frame_msg m;
        evo_Order_table t;
        if ((rc = evo_orders_receiver_read(&rx, &m, &t, TMO)) < 0)
            die("receiver_read", rc);
        check(t, from, i);
        evo_orders_receiver_release(&rx);
    }
    evo_orders_receiver_close(&rx);
    if (strcmp(how, "create") == 0)
        evo_orders_unlink(name);
    myl_ring_close(r);
    return fails ? 1 : 0;
}

static int send_orders(const char *how, const char *name, uint64_t n)
{
    myl_ring *r = open_ring(how, name);
    evo_orders_sender tx;
    int rc = evo_orders_sender_open(r, NULL, &tx);
    if (rc < 0)
        die("sender_open", rc);
    if ((rc = myl_producer_wait_consumers(myl_framer_producer(tx.f), "rx", 1, TMO)) < 0)
        die("wait_consumers", rc);
    static myl_fb_builder b;
    static uint8_t arena[4096];
    for (uint64_t i = 0; i < n; i++) {
        myl_frame_span sp;
        myl_fb_ref root;
        if ((rc = evo_orders_sender_build_begin(&tx, &b, arena, sizeof arena, 0, &sp, TMO)) < 0)
            die("build_begin", rc);
        build(&b, i, &root);
        if ((rc = evo_orders_sender_build_commit(&tx, &b, root, &sp, 0, TMO)) < 0)
            die("build_commit", rc);
    }
    evo_orders_sender_close(&tx);
    if (strcmp(how, "create") == 0) {
        /* wait for the receiver to finish before removing the name */
        myl_ring_stats st;
        do {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
            myl_ring_stats_get(r, &st);
        } while (st.consumers > 0);
        evo_orders_unlink(name);
    }
    myl_ring_close(r);
    return 0;
}

static void topo_cfg(myl_topo_cfg *cfg, const char *instance)
{
    myl_topo_cfg_init(cfg);
    cfg->instance = instance;
}

static bool worker_left;

static void on_sched_event(const myl_topo_event *ev, evo_Shop_sched *ep, void *user)
{
    (void)ep;
    (void)user;
    if (ev->role == evo_Shop_ROLE_work && ev->kind == MYL_TOPO_EV_LEFT)
        worker_left = true;
}

static int topo_sched(const char *instance, uint64_t n)
{
    myl_topo_cfg cfg;
    topo_cfg(&cfg, instance);
    evo_Shop_sched ep;
    int rc = evo_Shop_sched_open(&cfg, &ep);
    if (rc < 0)
        die("sched_open", rc);
    if ((rc = myl_producer_wait_consumers(myl_framer_producer(ep.orders_tx[0].f), "", 1, TMO)) < 0)
        die("wait for the worker", rc);
    static myl_fb_builder b;
    static uint8_t arena[4096];
    for (uint64_t i = 0; i < n; i++) {
        myl_frame_span sp;
        myl_fb_ref root;
        if ((rc = evo_Shop_sched_begin_orders_to(&ep, 0, &b, arena, sizeof arena, &sp, TMO)) < 0)
            die("begin_orders", rc);
        build(&b, i, &root);
        if ((rc = evo_Shop_sched_commit_orders(&ep, &b, root, &sp, TMO)) < 0)
            die("commit_orders", rc);
    }
    evo_Shop_sched_handlers h = {.on_event = on_sched_event};
    uint64_t deadline = (uint64_t)time(NULL) + 30;
    while (!worker_left && (uint64_t)time(NULL) < deadline)
        if ((rc = evo_Shop_sched_poll(&ep, &h, NULL, INT64_C(100000000))) < 0)
            die("sched_poll", rc);
    evo_Shop_sched_close(&ep);
    return worker_left ? 0 : 1;
}

typedef struct work_state {
    int from;
    uint64_t next;
} work_state;

static int on_order(const evo_Order_table *t, evo_Shop_work *ep, void *user)
{
    (void)ep;
    work_state *w = user;
    check(*t, w->from, w->next++);
    return 0;
}

static int topo_work(const char *instance, int from, uint64_t n)
{
    myl_topo_cfg cfg;
    topo_cfg(&cfg, instance);
    evo_Shop_work ep;
    int rc;
    /* the owner may not have made the instance yet */
    for (int tries = 0; (rc = evo_Shop_work_open(&cfg, 0, &ep)) < 0; tries++) {
        if ((rc != -ENOENT && rc != MYL_ENOTREADY && rc != MYL_ETIMEDOUT) || tries > 300)
            die("work_open", rc);
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
    }
    evo_Shop_work_handlers h = {.on_orders = on_order};
    work_state w = {from, 0};
    while (w.next < n)
        if ((rc = evo_Shop_work_poll(&ep, &h, &w, TMO)) <= 0)
            die("work_poll", rc ? rc : MYL_ETIMEDOUT);
    evo_Shop_work_close(&ep);
    return fails ? 1 : 0;
}

static int code_of(const char *s)
{
    if (strcmp(s, "EINCOMPAT") == 0)
        return MYL_EINCOMPAT;
    if (strcmp(s, "EFINGERPRINT") == 0)
        return MYL_EFINGERPRINT;
    if (strcmp(s, "ECORRUPT") == 0)
        return MYL_ECORRUPT;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "recv") == 0)
        return recv_orders(argv[2], argv[3], atoi(argv[4]), strtoull(argv[5], NULL, 10));
    if (argc == 4 && strcmp(argv[1], "topo-sched") == 0)
        return topo_sched(argv[2], strtoull(argv[3], NULL, 10));
    if (argc == 5 && strcmp(argv[1], "topo-work") == 0)
        return topo_work(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 10));
    if (argc == 5 && strcmp(argv[1], "send") == 0)
        return send_orders(argv[2], argv[3], strtoull(argv[4], NULL, 10));
    bool ticks = argc >= 4 && strcmp(argv[2], "ticks") == 0;
    myl_ring *r = NULL;
    int rc;
    if (argc == 4 && strcmp(argv[1], "hold") == 0) {
        rc = ticks ? evo_ticks_create(argv[3], &r) : evo_orders_create(argv[3], &r);
        if (rc < 0)
            die("create", rc);
        myl_ring_close(r);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "unlink") == 0)
        return (ticks ? evo_ticks_unlink(argv[3]) : evo_orders_unlink(argv[3])) < 0;
    if (argc == 5 && strcmp(argv[1], "corrupt") == 0) {
        if ((rc = evo_orders_attach(argv[3], 0, &r)) < 0)
            die("attach", rc);
        myl__seg_header *h = r->hdr;
        if (!h->schema_len || h->schema_offset + h->schema_len > r->map_size)
            die("no description", MYL_ECORRUPT);
        uint8_t *d = r->base + h->schema_offset;
        /* a type count far beyond the bytes, and a root out of range */
        d[14] = 0xff;
        d[15] = 0x7f;
        d[16] = 0xfe;
        if (strcmp(argv[4], "body") == 0)
            h->schema_hash = myl_schema_hash(d, h->schema_len);
        myl_ring_close(r);
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "refused") == 0) {
        rc = ticks ? evo_ticks_attach(argv[3], 0, &r) : evo_orders_attach(argv[3], 0, &r);
        if (rc != code_of(argv[4])) {
            fprintf(stderr, "v%d: attach: %s, expected %s\n", EVO_VERSION, myl_errname(rc),
                    argv[4]);
            myl_ring_close(r);
            return 1;
        }
        printf("v%d refused (%s): %s\n", EVO_VERSION, myl_errname(rc), myl_compat_last_reason());
        return myl_compat_last_reason()[0] ? 0 : 1;
    }
    fprintf(stderr, "usage: see the comment at the top of evolve_peer.c\n");
    return 2;
}
