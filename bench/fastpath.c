/* The hot path's instruction count, for callgrind (instructions, unlike
 * seconds, repeat exactly on a noisy 2-vCPU machine):
 *
 *   valgrind --tool=callgrind build-bench/bench/fastpath [multi] [empty] [rounds]
 *
 * One thread, rounds (default 1,000,000) rounds of claim + publish + poll + release of a
 * 56-byte event on a single-producer (or, with multi=1, multi-producer)
 * ring; with empty=1 each round also polls an empty ring once, as a
 * spinning consumer does. Run with rounds 0 too: (total - set-up) / rounds
 * is the cost of a round, to compare between two builds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "myelon/myelon.h"

int main(int argc, char **argv)
{
    int multi = argc > 1 && atoi(argv[1]);
    int empty = argc > 2 && atoi(argv[2]);
    long rounds = argc > 3 ? atol(argv[3]) : 1000000;
    char name[64];
    snprintf(name, sizeof name, "myl-fastpath-%d", (int)getpid());
    myl_ring_opts o = {.size = sizeof o,
                       .name = name,
                       .slot_size = 56,
                       .capacity = 1024,
                       .producers = multi ? MYL_PRODUCERS_MULTI : MYL_PRODUCERS_SINGLE,
                       .wait = MYL_WAIT_SPIN};
    myl_ring *r;
    myl_producer *p;
    myl_consumer *c;
    if (myl_ring_create(&o, &r) != 0 || myl_producer_open(r, NULL, &p) != 0 ||
        myl_consumer_open(r, "c", NULL, &c) != 0) {
        fprintf(stderr, "fastpath: set-up failed\n");
        return 1;
    }
    uint64_t sum = 0;
    int rc = 0;
    for (int i = 0; i < rounds && rc == 0; i++) {
        uint64_t s;
        if (myl_producer_try_claim(p, 1, &s) != 0) {
            rc = 2;
            break;
        }
        memcpy(myl_producer_slot(p, s), &i, sizeof i);
        myl_producer_publish(p, s, 1);
        if (myl_consumer_try_poll(c, 1, &s) != 1) {
            rc = 3;
            break;
        }
        int v;
        memcpy(&v, myl_consumer_slot(c, s), sizeof v);
        sum += (uint64_t)v;
        myl_consumer_release(c, 1);
        if (empty && myl_consumer_try_poll(c, 1, &s) != MYL_EAGAIN)
            rc = 4;
    }
    printf("%llu\n", (unsigned long long)sum);
    myl_consumer_close(c);
    myl_producer_close(p);
    myl_ring_close(r);
    myl_ring_unlink(MYL_BACKING_SHM, name);
    return rc;
}
