/* Built out of tree against an installed myelon (find_package or
 * pkg-config): a ring round trip in one process. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <unistd.h>

#include <myelon/myelon.h>

int main(void)
{
    char name[64];
    snprintf(name, sizeof name, "myl-outoftree-%d", (int)getpid());
    myl_ring_opts o = {.size = sizeof o, .name = name, .slot_size = 8, .capacity = 16};
    myl_ring *r;
    myl_producer *p;
    myl_consumer *c;
    int rc = myl_ring_create(&o, &r);
    if (rc < 0 || (rc = myl_producer_open(r, NULL, &p)) < 0 ||
        (rc = myl_consumer_open(r, "app", NULL, &c)) < 0) {
        fprintf(stderr, "%s\n", myl_strerror(rc));
        return 1;
    }
    uint64_t v = 42, s;
    myl_producer_try_send(p, &v);
    int64_t n = myl_consumer_try_poll(c, 1, &s);
    uint64_t got = n == 1 ? *(const uint64_t *)myl_consumer_slot(c, s) : 0;
    myl_consumer_release(c, 1);
    myl_consumer_close(c);
    myl_producer_close(p);
    myl_ring_close(r);
    myl_ring_unlink(MYL_BACKING_SHM, name);
    printf("myelon %s out of tree: %s\n", MYL_VERSION_STRING, got == 42 ? "ok" : "FAILED");
    return got == 42 ? 0 : 1;
}
