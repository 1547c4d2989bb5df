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
    myl_ring_opts o = {.size = sizeof o,
                       .name = TICKS_RING,
                       .fingerprint = TICKS_FINGERPRINT,
                       .slot_size = sizeof(tick),
                       .capacity = 1u << 14};
    myl_ring *r;
    int rc = myl_ring_attach_wait(&o, 5000000000, &r);
    if (rc < 0) {
        fprintf(stderr, "producer: attach: %s\n", myl_strerror(rc));
        return 1;
    }
    myl_producer *p;
    if ((rc = myl_producer_open(r, NULL, &p)) < 0 ||
        (rc = myl_producer_wait_consumers(p, "ticks-", consumers, 5000000000)) < 0) {
        fprintf(stderr, "producer: %s\n", myl_strerror(rc));
        return 1;
    }
    static const char *syms[] = {"AAPL", "MSFT", "NVDA", "AMZN"};
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < total;) {
        uint32_t n = total - i < 64 ? (uint32_t)(total - i) : 64;
        uint64_t s;
        if ((rc = myl_producer_claim(p, n, &s, 5000000000)) < 0) {
            fprintf(stderr, "producer: claim: %s\n", myl_strerror(rc));
            return 1;
        }
        for (uint32_t k = 0; k < n; k++, i++) {
            tick *t = myl_producer_slot(p, s + k);
            memset(t, 0, sizeof *t);
            t->seq = i;
            t->ts_ns = t0 + i;
            t->price = 100000 + (int64_t)(i % 977);
            t->qty = (uint32_t)(i % 100) + 1;
            t->side = (uint8_t)(i & 1);
            memcpy(t->symbol, syms[i % 4], 4);
            t->check = tick_checksum(t);
        }
        myl_producer_publish(p, s, n);
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    printf("producer: published %llu ticks in %.3f s (%.1f M/s)\n", (unsigned long long)total, secs,
           (double)total / secs / 1e6);
    myl_producer_close(p);
    myl_ring_close(r);
    return 0;
}
