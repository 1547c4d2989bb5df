/* Reads ticks in place, checking order and checksums. */
#include <stdio.h>
#include <stdlib.h>

#include "myelon/myelon.h"
#include "tick.h"

int main(int argc, char **argv)
{
    const char *id = argc > 1 ? argv[1] : "ticks-0";
    uint64_t total = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000;
    myl_ring *r;
    ticks_ticks_consumer c;
    int rc = ticks_ticks_attach(TICKS_RING, 5000000000, &r);
    if (rc < 0 || (rc = ticks_ticks_consumer_open(r, id, NULL, &c)) < 0) {
        fprintf(stderr, "%s: %s\n", id, myl_strerror(rc));
        return 1;
    }
    uint64_t got = 0, bad = 0, notional = 0;
    while (got < total) {
        uint64_t s;
        int64_t n = ticks_ticks_consumer_poll(&c, 256, &s, 5000000000);
        if (n < 0) {
            fprintf(stderr, "%s: poll: %s after %llu ticks\n", id, myl_strerror((int)n),
                    (unsigned long long)got);
            return 1;
        }
        for (int64_t k = 0; k < n; k++) {
            const ticks_Tick *t = ticks_ticks_consumer_slot(&c, s + (uint64_t)k);
            if (t->seq != got || t->check != tick_checksum(t))
                bad++;
            notional += (uint64_t)t->price * t->qty;
            got++;
        }
        ticks_ticks_consumer_release(&c, (uint32_t)n);
    }
    printf("%s: received %llu ticks, %llu bad, notional %llu\n", id, (unsigned long long)got,
           (unsigned long long)bad, (unsigned long long)notional);
    ticks_ticks_consumer_close(&c);
    myl_ring_close(r);
    return bad ? 1 : 0;
}
