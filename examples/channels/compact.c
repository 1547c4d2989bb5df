/* The compact codec: the sender fills a plain C struct (ex_Order) and
 * _sender_put() encodes it into the ring's frame; the receiver's
 * _receiver_get() decodes it back into a struct whose strings point into
 * the ring until _receiver_release(). Two processes: run with no
 * arguments. */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "two_procs.h"

#define N 2000u

static int receive(const char *name)
{
    myl_ring *r;
    CHECK(ex_orders_compact_attach(name, TMO, &r));
    ex_orders_compact_receiver rx;
    CHECK(ex_orders_compact_receiver_open(r, "reader", NULL, &rx));
    uint64_t arena_mem[64]; /* sequences and nested tables would go here */
    myl_carena arena;
    myl_carena_init(&arena, arena_mem, sizeof arena_mem);
    for (uint64_t i = 0; i < N; i++) {
        ex_Order o;
        CHECK(ex_orders_compact_receiver_get(&rx, &o, &arena, NULL, TMO));
        char want[16];
        int len = snprintf(want, sizeof want, "SYM%llu", (unsigned long long)(i % 50));
        int ok = o.id == i && o.qty == (i % 7 == 0 ? 1 : (uint32_t)i) &&
                 o.price == -(int64_t)i * 100 && o.symbol.n == (size_t)len &&
                 memcmp(o.symbol.p, want, (size_t)len) == 0;
        ex_orders_compact_receiver_release(&rx);
        if (!ok) {
            fprintf(stderr, "message %llu is wrong\n", (unsigned long long)i);
            return 1;
        }
    }
    ex_orders_compact_receiver_close(&rx);
    myl_ring_close(r);
    printf("compact: %u orders received and checked\n", N);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "recv"))
        return receive(argv[2]);
    char name[64];
    snprintf(name, sizeof name, "myl-example-compact-%d", (int)getpid());
    myl_ring *r = NULL;
    ex_orders_compact_sender tx;
    bool tx_open = false;
    pid_t pid = -1;
    TRY(ex_orders_compact_create(name, &r));
    TRY(ex_orders_compact_sender_open(r, NULL, &tx));
    tx_open = true;
    if ((pid = spawn_receiver(argv[0], name, NULL)) < 0)
        goto fail;
    /* A gated ring with no consumer yet does not wait for one: wait for
     * the receiver to register before sending. */
    TRY(wait_reader(myl_framer_producer(tx.f), pid));
    for (uint64_t i = 0; i < N; i++) {
        ex_Order o;
        ex_Order_init(&o); /* the schema's defaults: qty = 1 */
        o.id = i;
        if (i % 7)
            o.qty = (uint32_t)i;
        o.price = -(int64_t)i * 100;
        char sym[16];
        int len = snprintf(sym, sizeof sym, "SYM%llu", (unsigned long long)(i % 50));
        o.symbol = (myl_cstr){sym, (size_t)len};
        uint8_t buf[256]; /* used only when the encoding does not fit a frame */
        TRY(ex_orders_compact_sender_put(&tx, &o, buf, sizeof buf, 0, TMO));
    }
    ex_orders_compact_sender_close(&tx);
    int failed = wait_receiver(pid);
    myl_ring_close(r);
    CHECK(ex_orders_compact_unlink(name));
    printf("compact: %u orders sent, receiver %s\n", N, failed ? "FAILED" : "ok");
    return failed;
fail:
    stop_receiver(pid);
    if (tx_open)
        ex_orders_compact_sender_close(&tx);
    if (r) {
        myl_ring_close(r);
        ex_orders_compact_unlink(name);
    }
    return 1;
}
