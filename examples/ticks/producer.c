/* Publishes N ticks into the ring, in batches claimed in place. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "myelon/myelon.h"
#include "tick.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    uint64_t total = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    uint32_t consumers = argc > 2 ? (uint32_t)atoi(argv[2]) : 1;
    myl_ring *r;
    int rc = ticks_ticks_attach(TICKS_RING, 5000000000, &r);
    if (rc < 0) {
        fprintf(stderr, "producer: attach: %s\n", myl_strerror(rc));
        return 1;
    }
    /* Coordination: start publishing once the consumers are there. */
    myl_producer_opts po = {.size = sizeof po,
                            .coordination = MYL_COORD_WAIT,
                            .coord_prefix = "ticks-",
                            .coord_count = consumers,
                            .coord_timeout_ns = 5000000000};
    ticks_ticks_producer p;
    if ((rc = ticks_ticks_producer_open(r, &po, &p)) < 0) {
        fprintf(stderr, "producer: %s\n", myl_strerror(rc));
        return 1;
    }
    static const char *syms[] = {"AAPL", "MSFT", "NVDA", "AMZN"};
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < total;) {
        uint32_t n = total - i < 64 ? (uint32_t)(total - i) : 64;
        uint64_t s;
        if ((rc = ticks_ticks_producer_claim(&p, n, &s, 5000000000)) < 0) {
            fprintf(stderr, "producer: claim: %s\n", myl_strerror(rc));
            return 1;
        }
        for (uint32_t k = 0; k < n; k++, i++) {
            ticks_Tick *t = ticks_ticks_producer_slot(&p, s + k);
            memset(t, 0, sizeof *t);
            t->seq = i;
            t->ts_ns = t0 + i;
            t->price = 100000 + (int64_t)(i % 977);
            t->qty = (uint32_t)(i % 100) + 1;
            t->side = (i & 1) ? ticks_Side_SELL : ticks_Side_BUY;
            memcpy(t->symbol, syms[i % 4], 4);
            t->check = tick_checksum(t);
        }
        ticks_ticks_producer_publish(&p, s, n);
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    printf("producer: published %llu ticks in %.3f s (%.1f M/s)\n", (unsigned long long)total, secs,
           (double)total / secs / 1e6);
    ticks_ticks_producer_close(&p);
    myl_ring_close(r);
    return 0;
}
