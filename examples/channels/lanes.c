/* Priority lanes: channel control has a "critical" and a "normal" lane,
 * one ring each. The sender names the lane of each message; the receiver
 * drains the highest non-empty lane first. Here the sender queues 40
 * normal orders, then 5 critical ones, and only then lets the receiver
 * start: the critical orders come out first, then the normal ones, each
 * lane in its own order. Two processes: run with no arguments. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "two_procs.h"

#define N_NORMAL 40u
#define N_CRITICAL 5u

static int receive(const char *name, int go_fd)
{
    myl_group *g;
    CHECK(ex_control_attach(name, TMO, &g));
    ex_control_receiver rx;
    CHECK(ex_control_receiver_open(g, "reader", 0, NULL, &rx)); /* NULL: default starvation guard */
    char go;
    if (read(go_fd, &go, 1) != 1) { /* wait until everything is queued */
        fprintf(stderr, "lanes: the sender ended before it said go\n");
        return 1;
    }
    for (uint64_t i = 0; i < N_CRITICAL + N_NORMAL; i++) {
        ex_Order o;
        uint32_t lane;
        CHECK(ex_control_receiver_get(&rx, &o, NULL, NULL, &lane, TMO));
        /* First the critical orders (ids 1000..), then the normal (0..). */
        uint32_t want_lane = i < N_CRITICAL ? ex_control_LANE_critical : ex_control_LANE_normal;
        uint64_t want_id = i < N_CRITICAL ? 1000 + i : i - N_CRITICAL;
        if (lane != want_lane || o.id != want_id) {
            fprintf(stderr, "message %llu: lane %s id %llu, expected lane %s id %llu\n",
                    (unsigned long long)i, ex_control_lane_names[lane], (unsigned long long)o.id,
                    ex_control_lane_names[want_lane], (unsigned long long)want_id);
            return 1;
        }
    }
    ex_control_receiver_close(&rx);
    myl_group_close(g);
    printf("lanes: %u critical orders first, then %u normal ones\n", N_CRITICAL, N_NORMAL);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "recv"))
        return receive(argv[2], atoi(argv[3]));
    char name[64];
    snprintf(name, sizeof name, "myl-example-lanes-%d", (int)getpid());
    myl_group *g = NULL;
    ex_control_sender tx;
    bool tx_open = false;
    pid_t pid = -1;
    int go[2] = {-1, -1};
    TRY(ex_control_create(name, &g)); /* rings NAME.critical, NAME.normal */
    TRY(ex_control_sender_open(g, NULL, &tx));
    tx_open = true;
    /* The receiver inherits the read end only: were the write end open in
     * it too, its read() would never see end-of-file, and a sender that
     * died before "go" would leave it waiting for ever. */
    if (pipe(go) != 0 || fcntl(go[1], F_SETFD, FD_CLOEXEC) != 0) {
        perror("pipe");
        goto fail;
    }
    char fd[16];
    snprintf(fd, sizeof fd, "%d", go[0]);
    if ((pid = spawn_receiver(argv[0], name, fd)) < 0)
        goto fail;
    close(go[0]);
    go[0] = -1;
    for (uint32_t lane = 0; lane < 2; lane++)
        TRY(wait_reader(myl_framer_producer(myl_group_sender_framer(tx.s, lane)), pid));
    uint8_t buf[128];
    for (uint64_t i = 0; i < N_NORMAL + N_CRITICAL; i++) {
        ex_Order o;
        ex_Order_init(&o);
        int critical = i >= N_NORMAL;
        o.id = critical ? 1000 + (i - N_NORMAL) : i;
        o.symbol = (myl_cstr){critical ? "HALT" : "ABC", critical ? 4u : 3u};
        TRY(ex_control_sender_put(&tx, critical ? ex_control_LANE_critical : ex_control_LANE_normal,
                                  &o, buf, sizeof buf, 0, TMO));
    }
    if (write(go[1], "g", 1) != 1) { /* now the receiver may start */
        perror("write");
        goto fail;
    }
    close(go[1]);
    go[1] = -1;
    ex_control_sender_close(&tx);
    int failed = wait_receiver(pid);
    myl_group_close(g);
    CHECK(ex_control_unlink(name));
    printf("lanes: %u orders sent on two lanes, receiver %s\n", N_NORMAL + N_CRITICAL,
           failed ? "FAILED" : "ok");
    return failed;
fail:
    stop_receiver(pid);
    for (int i = 0; i < 2; i++)
        if (go[i] >= 0)
            close(go[i]);
    if (tx_open)
        ex_control_sender_close(&tx);
    if (g) {
        myl_group_close(g);
        ex_control_unlink(name);
    }
    return 1;
}
