/* FlatBuffers: the sender builds each Order directly in the ring's frame
 * (_sender_build_begin / _build_commit: no copy when it fits one frame);
 * the receiver's _receiver_read() verifies the buffer and reads the table
 * in place (ex_Order_id(t), ex_Order_symbol(t)): no decoding step. Two
 * processes: run with no arguments. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "two_procs.h"

#define N 2000u

static int receive(const char *name)
{
    myl_ring *r;
    CHECK(ex_orders_fb_attach(name, TMO, &r));
    ex_orders_fb_receiver rx;
    CHECK(ex_orders_fb_receiver_open(r, "reader", NULL, &rx));
    uint64_t in_place = 0;
    for (uint64_t i = 0; i < N; i++) {
        myl_frame_msg m;
        ex_Order_table t;
        CHECK(ex_orders_fb_receiver_read(&rx, &m, &t, TMO)); /* verified */
        char want[16];
        int len = snprintf(want, sizeof want, "SYM%llu", (unsigned long long)(i % 50));
        myl_fb_str sym = ex_Order_symbol(t);
        int ok = ex_Order_id(t) == i && ex_Order_qty(t) == (i % 7 == 0 ? 1 : (uint32_t)i) &&
                 ex_Order_price(t) == -(int64_t)i * 100 && sym.ptr && sym.len == (uint32_t)len &&
                 memcmp(sym.ptr, want, (size_t)len) == 0;
        in_place += m.borrowed; /* read where the sender wrote it */
        ex_orders_fb_receiver_release(&rx);
        if (!ok) {
            fprintf(stderr, "message %llu is wrong\n", (unsigned long long)i);
            return 1;
        }
    }
    ex_orders_fb_receiver_close(&rx);
    myl_ring_close(r);
    printf("flatbuffers: %u orders verified and read, %llu of them in place\n", N,
           (unsigned long long)in_place);
    return in_place > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "recv"))
        return receive(argv[2]);
    char name[64];
    snprintf(name, sizeof name, "myl-example-fb-%d", (int)getpid());
    myl_ring *r = NULL;
    ex_orders_fb_sender tx;
    bool tx_open = false;
    pid_t pid = -1;
    myl_fb_builder *b = NULL;
    TRY(ex_orders_fb_create(name, &r));
    TRY(ex_orders_fb_sender_open(r, NULL, &tx));
    tx_open = true;
    if ((pid = spawn_receiver(argv[0], name, NULL)) < 0)
        goto fail;
    TRY(wait_reader(myl_framer_producer(tx.f), pid));
    static uint64_t arena[512]; /* the builder's scratch (and overflow) memory */
    if (!(b = malloc(sizeof *b)))
        goto fail;
    for (uint64_t i = 0; i < N; i++) {
        myl_frame_span span;
        TRY(ex_orders_fb_sender_build_begin(&tx, b, arena, sizeof arena, 0, &span, TMO));
        char sym[16];
        int len = snprintf(sym, sizeof sym, "SYM%llu", (unsigned long long)(i % 50));
        myl_fb_ref s, root;
        TRY(myl_fb_create_string(b, sym, (size_t)len, &s)); /* children first */
        TRY(ex_Order_start(b));
        TRY(ex_Order_add_id(b, i));
        if (i % 7) /* absent fields read as the schema's default (qty = 1) */
            TRY(ex_Order_add_qty(b, (uint32_t)i));
        TRY(ex_Order_add_price(b, -(int64_t)i * 100));
        TRY(ex_Order_add_symbol(b, s));
        TRY(ex_Order_end(b, &root));
        TRY(ex_orders_fb_sender_build_commit(&tx, b, root, &span, 0, TMO));
    }
    free(b);
    ex_orders_fb_sender_close(&tx);
    int failed = wait_receiver(pid);
    myl_ring_close(r);
    CHECK(ex_orders_fb_unlink(name));
    printf("flatbuffers: %u orders built in place and sent, receiver %s\n", N,
           failed ? "FAILED" : "ok");
    return failed;
fail:
    stop_receiver(pid);
    free(b);
    if (tx_open)
        ex_orders_fb_sender_close(&tx);
    if (r) {
        myl_ring_close(r);
        ex_orders_fb_unlink(name);
    }
    return 1;
}
