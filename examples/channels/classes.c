/* Size classes: channel blobs has three rings, of 64-, 256- and 1024-byte
 * frames. Each message goes to the smallest class whose frame holds it
 * whole (the largest, fragmented, when none does), so small messages do
 * not pay for big frames. The receiver (MYL_GROUP_ORDERED) gets them back
 * in the order they were sent. Two processes: run with no arguments. */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "two_procs.h"

#define N 3000u

/* Message i: its length cycles through every class and past the largest. */
static size_t msg_len(uint64_t i)
{
    static const size_t lens[] = {8, 40, 41, 200, 233, 900, 1001, 5000};
    return lens[i % (sizeof lens / sizeof lens[0])];
}

static void fill(uint8_t *p, size_t len, uint64_t i)
{
    memcpy(p, &i, sizeof i);
    for (size_t k = sizeof i; k < len; k++)
        p[k] = (uint8_t)(i + k);
}

static int receive(const char *name)
{
    myl_group *g;
    CHECK(ex_blobs_attach(name, TMO, &g));
    ex_blobs_receiver rx;
    CHECK(ex_blobs_receiver_open(g, "reader", MYL_GROUP_ORDERED, &rx));
    uint64_t per_class[ex_blobs_CLASSES] = {0};
    static uint8_t want[8192];
    for (uint64_t i = 0; i < N; i++) {
        myl_frame_msg m;
        uint32_t cls;
        CHECK(ex_blobs_receiver_recv(&rx, &m, &cls, TMO)); /* valid until the next call */
        size_t len = msg_len(i);
        fill(want, len, i);
        if (m.len != len || memcmp(m.data, want, len) != 0 || cls >= ex_blobs_CLASSES) {
            fprintf(stderr, "message %llu is wrong or out of order\n", (unsigned long long)i);
            return 1;
        }
        per_class[cls]++;
    }
    ex_blobs_receiver_close(&rx);
    myl_group_close(g);
    printf("classes: %u messages in send order; by class:", N);
    for (uint32_t c = 0; c < ex_blobs_CLASSES; c++)
        printf(" %u-byte frames %llu", ex_blobs_frame_sizes[c], (unsigned long long)per_class[c]);
    printf("\n");
    for (uint32_t c = 0; c < ex_blobs_CLASSES; c++)
        if (!per_class[c])
            return 1; /* every class is used by this mix of lengths */
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "recv"))
        return receive(argv[2]);
    char name[64];
    snprintf(name, sizeof name, "myl-example-classes-%d", (int)getpid());
    myl_group *g = NULL;
    ex_blobs_sender tx;
    bool tx_open = false;
    pid_t pid = -1;
    TRY(ex_blobs_create(name, &g)); /* rings NAME.f64, NAME.f256, NAME.f1024 */
    TRY(ex_blobs_sender_open(g, NULL, &tx));
    tx_open = true;
    if ((pid = spawn_receiver(argv[0], name, NULL)) < 0)
        goto fail;
    for (uint32_t c = 0; c < ex_blobs_CLASSES; c++) /* the receiver is on every ring */
        TRY(wait_reader(myl_framer_producer(myl_group_sender_framer(tx.s, c)), pid));
    static uint8_t msg[8192];
    for (uint64_t i = 0; i < N; i++) {
        size_t len = msg_len(i);
        fill(msg, len, i);
        TRY(ex_blobs_sender_send(&tx, msg, len, 0, TMO));
    }
    ex_blobs_sender_close(&tx);
    int failed = wait_receiver(pid);
    myl_group_close(g);
    CHECK(ex_blobs_unlink(name));
    printf("classes: %u messages sent, receiver %s\n", N, failed ? "FAILED" : "ok");
    return failed;
fail:
    stop_receiver(pid);
    if (tx_open)
        ex_blobs_sender_close(&tx);
    if (g) {
        myl_group_close(g);
        ex_blobs_unlink(name);
    }
    return 1;
}
