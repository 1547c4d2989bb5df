/* An out-of-tree program built with add_myelon_schema(): one Segment sent
 * and received through the generated typed channel. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <unistd.h>

#include "app.myl.h"

int main(void)
{
    char name[64];
    snprintf(name, sizeof name, "myl-schema-project-%d", (int)getpid());
    myl_ring *r;
    app_segs_producer p;
    app_segs_consumer c;
    int rc = app_segs_create(name, &r);
    if (rc < 0 || (rc = app_segs_producer_open(r, NULL, &p)) < 0 ||
        (rc = app_segs_consumer_open(r, "app", NULL, &c)) < 0) {
        fprintf(stderr, "%s\n", myl_strerror(rc));
        return 1;
    }
    app_Segment s = {.a = {.x = 1, .y = 2}, .b = {.x = 3, .y = 4}, .id = 77};
    uint64_t seq;
    rc = app_segs_producer_try_send(&p, &s);
    int ok = rc == 0 && app_segs_consumer_try_poll(&c, 1, &seq) == 1 &&
             app_segs_consumer_slot(&c, seq)->id == 77 && app_segs_consumer_slot(&c, seq)->b.y == 4;
    app_segs_consumer_release(&c, 1);
    app_segs_consumer_close(&c);
    app_segs_producer_close(&p);
    myl_ring_close(r);
    myl_ring_unlink(MYL_BACKING_SHM, name);
    printf("schema project: %s (Segment is %zu bytes)\n", ok ? "ok" : "FAILED",
           sizeof(app_Segment));
    return ok ? 0 : 1;
}
