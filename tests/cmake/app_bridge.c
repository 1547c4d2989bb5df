/* Built out of tree against an installed myelon with libmyelon_bridge
 * (find_package: myelon::bridge; pkg-config: myelon-bridge): two rings
 * bridged in one process (myl_bridge_step, over an ipc endpoint), 1,000
 * events through, in order. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <myelon/bridge.h>
#include <myelon/myelon.h>

#define EVENTS 1000u

static char names[2][64];

static int make_ring(int i, myl_ring **out)
{
    snprintf(names[i], sizeof names[i], "myl-outoftree-br%d-%c", (int)getpid(), "ab"[i]);
    myl_ring_opts o = {.size = sizeof o, .name = names[i], .slot_size = 64, .capacity = 64};
    return myl_ring_create(&o, out);
}

/* The rings, and the state objects the bridges left beside them. */
static void remove_all(void)
{
    for (int i = 0; i < 2; i++) {
        char shm[300], st[320];
        myl_ring_unlink(MYL_BACKING_SHM, names[i]);
        if (myl_shm_name(names[i], shm, sizeof shm) > 0) {
            snprintf(st, sizeof st, "%s.bridge-%s", shm, i ? "import" : "export");
            shm_unlink(st);
        }
    }
}

int main(void)
{
    char ep[128];
    snprintf(ep, sizeof ep, "ipc:///tmp/myl-outoftree-br%d.sock", (int)getpid());
    myl_ring *a = NULL, *b = NULL;
    myl_bridge *ex = NULL, *im = NULL;
    myl_producer *p = NULL;
    myl_consumer *c = NULL;
    myl_bridge_opts eo = {.size = sizeof eo, .endpoint = ep};
    myl_bridge_opts io = {.size = sizeof io, .endpoint = ep};
    myl_consumer_opts co = {.size = sizeof co, .start = MYL_START_OLDEST};
    int rc;
    if ((rc = make_ring(0, &a)) < 0 || (rc = make_ring(1, &b)) < 0 ||
        (rc = myl_bridge_export_open(a, &eo, &ex)) < 0 ||
        (rc = myl_bridge_import_open(b, &io, &im)) < 0 ||
        (rc = myl_consumer_open(b, "app", &co, &c)) < 0 ||
        (rc = myl_producer_open(a, NULL, &p)) < 0) {
        fprintf(stderr, "setup: %s\n", myl_strerror(rc));
        remove_all();
        return 1;
    }
    uint64_t sent = 0, got = 0, event[8] = {0}; /* a slot's 64 bytes */
    bool ok = true;
    for (int steps = 0; ok && got < EVENTS && steps < 100000; steps++) {
        while (sent < EVENTS && (event[0] = sent, myl_producer_try_send(p, event)) == 0)
            sent++;
        ok = myl_bridge_step(ex, 1000000) >= 0 && myl_bridge_step(im, 1000000) >= 0;
        uint64_t s;
        int64_t n = myl_consumer_try_poll(c, 64, &s);
        for (int64_t k = 0; ok && k < n; k++, got++) {
            uint64_t v;
            memcpy(&v, myl_consumer_slot(c, s + (uint64_t)k), sizeof v);
            ok = v == got;
        }
        if (n > 0)
            myl_consumer_release(c, (uint32_t)n);
    }
    myl_producer_close(p);
    myl_consumer_close(c);
    myl_bridge_close(ex);
    myl_bridge_close(im);
    myl_ring_close(a);
    myl_ring_close(b);
    remove_all();
    unlink(ep + strlen("ipc://"));
    ok = ok && got == EVENTS;
    printf("myelon bridge out of tree: %llu of %u events in order: %s\n", (unsigned long long)got,
           EVENTS, ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
