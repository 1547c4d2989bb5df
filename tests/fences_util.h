/* What fences a ring created here gets by default (docs/ARCHITECTURE.md,
 * "Wake-ups"): a hybrid ring is asymmetric only where this process may
 * issue and receive membarrier(2), so tests of the fence choice compare
 * with a ring made here rather than assume the host. */
#ifndef MYELON_TESTS_FENCES_UTIL_H
#define MYELON_TESTS_FENCES_UTIL_H

#include <stdbool.h>

#include "harness.h"
#include "myelon/ring.h"

/* Whether a hybrid ring created with the default flags gets asymmetric
 * fences here. */
static inline bool myl_test_default_asym(void)
{
    const char *name = myl_test_name("fence-probe");
    myl_ring_opts o = {
        .size = sizeof o, .name = name, .slot_size = 64, .capacity = 8, .wait = MYL_WAIT_HYBRID};
    myl_ring *r;
    myl_ring_unlink(MYL_BACKING_SHM, name);
    assert_int_equal(myl_ring_create(&o, &r), 0);
    bool asym = r->asym;
    myl_ring_close(r);
    myl_ring_unlink(MYL_BACKING_SHM, name);
    return asym;
}

#endif
