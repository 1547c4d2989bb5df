/* mp_producer: publishes --count events (0 = until stopped) of producer
 * --id into a ring, in batches claimed in place. Used by the tests in
 * tests/mp and tests/fault; see mp_event.h for the events.
 *
 *   mp_producer --name N [--backing shm|file] [--producers single|multi]
 *               [--mode gated|lossy] [--slot S] [--count C] [--id P]
 *               [--batch B] [--wait spin|yield|block|hybrid]
 *               [--consumers M] [--prefix ID-PREFIX] [--timeout-ms T]
 *               [--on-dead error|evict|retry] [--die-at K]
 *               [--create CAPACITY] [--report FILE]
 *
 * --consumers: wait until M consumers whose ids start with --prefix are
 * registered before publishing. --on-dead retry: on MYL_EPEERDEAD keep
 * trying (a consumer with the dead one's id may come back) until
 * --timeout-ms passes without progress. --die-at K: publish the events
 * before K of the batch holding K, then kill -9 itself, leaving claimed
 * slots unpublished. --create: create the ring (else attach to it).
 *
 * Exit codes: see MP_EXIT_* in mp_event.h. The report (stdout, or --report)
 * is one line "published=N rc=NAME".
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mp_args.h"
#include "mp_event.h"

#define DEAD_RETRY 2u

static const char *report_path;
static uint64_t published;
/* Global, so that they stay reachable (LeakSanitizer) when the program
 * exits on an error without closing them: it must not free the producer
 * entry, whose liveness the consumers then judge. */
static myl_ring *r;
static myl_producer *p;

static int finish(int rc)
{
    FILE *f = report_path ? fopen(report_path, "w") : stdout;
    if (f) {
        fprintf(f, "published=%llu rc=%s\n", (unsigned long long)published, myl_errname(rc));
        if (f != stdout)
            fclose(f);
    }
    if (rc < 0)
        fprintf(stderr, "mp_producer: %s after %llu events\n", myl_strerror(rc),
                (unsigned long long)published);
    return rc < 0 ? mp_exit_code(rc) : MP_EXIT_OK;
}

static int usage(const char *msg)
{
    fprintf(stderr, "mp_producer: %s\n", msg);
    return MP_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    myl_ring_opts o = {.size = sizeof o, .slot_size = 64, .producers = MYL_PRODUCERS_SINGLE};
    const char *prefix = "";
    uint64_t count = 1000, id = 0, batch = 1, consumers = 0, timeout_ms = 30000;
    uint64_t die_at = UINT64_MAX, create = 0, slot = 64;
    uint32_t on_dead = MYL_DEAD_ERROR, wait = 0;
    o.mode = MYL_MODE_GATED;
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return usage("option without a value");
        i++;
        int bad = 0;
        if (!strcmp(k, "--name"))
            o.name = v;
        else if (!strcmp(k, "--backing"))
            bad = mp_parse_backing(v, &o.backing);
        else if (!strcmp(k, "--producers"))
            bad = mp_parse_producers(v, &o.producers);
        else if (!strcmp(k, "--mode"))
            bad = mp_parse_mode(v, &o.mode);
        else if (!strcmp(k, "--slot"))
            bad = mp_parse_u64(v, &slot);
        else if (!strcmp(k, "--count"))
            bad = mp_parse_u64(v, &count);
        else if (!strcmp(k, "--id"))
            bad = mp_parse_u64(v, &id);
        else if (!strcmp(k, "--batch"))
            bad = mp_parse_u64(v, &batch);
        else if (!strcmp(k, "--wait"))
            bad = mp_parse_wait(v, &wait);
        else if (!strcmp(k, "--consumers"))
            bad = mp_parse_u64(v, &consumers);
        else if (!strcmp(k, "--prefix"))
            prefix = v;
        else if (!strcmp(k, "--timeout-ms"))
            bad = mp_parse_u64(v, &timeout_ms);
        else if (!strcmp(k, "--on-dead")) {
            static const char *const n[] = {"error", "evict", "retry"};
            static const uint32_t vals[] = {MYL_DEAD_ERROR, MYL_DEAD_EVICT, DEAD_RETRY};
            bad = mp_parse_enum(v, n, vals, 3, &on_dead);
        } else if (!strcmp(k, "--die-at"))
            bad = mp_parse_u64(v, &die_at);
        else if (!strcmp(k, "--create"))
            bad = mp_parse_u64(v, &create);
        else if (!strcmp(k, "--report"))
            report_path = v;
        else
            return usage(k);
        if (bad)
            return usage(k);
    }
    if (!o.name || slot < 8 || slot % 8 || slot > (1u << 20) || id >= MP_MAX_PRODUCERS ||
        batch == 0 || batch > 4096)
        return usage("need --name; --slot a multiple of 8; --id < 64; --batch 1..4096");
    o.slot_size = (uint32_t)slot;
    int64_t timeout = mp_ms_to_ns(timeout_ms);

    int rc;
    if (create) {
        o.capacity = create;
        o.wait = wait ? wait : MYL_WAIT_HYBRID;
        rc = myl_ring_create(&o, &r);
    } else {
        rc = myl_ring_attach_wait(&o, timeout, &r);
    }
    if (rc < 0) {
        fprintf(stderr, "mp_producer: %s: %s\n", create ? "create" : "attach", myl_strerror(rc));
        return MP_EXIT_USAGE;
    }
    myl_producer_opts po = {.size = sizeof po,
                            .on_dead_consumer = on_dead == DEAD_RETRY ? MYL_DEAD_ERROR : on_dead,
                            .wait = wait};
    if ((rc = myl_producer_open(r, &po, &p)) < 0) {
        fprintf(stderr, "mp_producer: open: %s\n", myl_strerror(rc));
        return MP_EXIT_USAGE;
    }
    if (consumers &&
        (rc = myl_producer_wait_consumers(p, prefix, (uint32_t)consumers, timeout)) < 0)
        return finish(rc);

    uint64_t retry_since = 0;
    for (uint64_t i = 0; count == 0 || i < count;) {
        uint32_t n = (uint32_t)(count && count - i < batch ? count - i : batch);
        uint64_t s;
        rc = myl_producer_claim(p, n, &s, timeout);
        if (rc == MYL_EPEERDEAD && on_dead == DEAD_RETRY) {
            /* A consumer died holding us back; its successor resumes at its
             * sequence. Keep trying while it is given time to come back. */
            uint64_t now = mp_now_ns();
            if (!retry_since)
                retry_since = now;
            if (timeout >= 0 && now - retry_since > (uint64_t)timeout)
                return finish(MYL_ETIMEDOUT);
            mp_sleep_ns(1000000);
            continue;
        }
        if (rc < 0)
            return finish(rc);
        retry_since = 0;
        uint32_t keep = n;
        if (die_at >= i && die_at < i + n)
            keep = (uint32_t)(die_at - i);
        for (uint32_t k = 0; k < keep; k++)
            mp_event_fill(myl_producer_slot(p, s + k), o.slot_size, (uint32_t)id, i + k, s + k);
        if (keep < n) {
            /* The fault under test: claimed slots [s + keep, s + n) are
             * never published. */
            myl_producer_publish(p, s, keep);
            published += keep;
            fflush(NULL);
            kill(getpid(), SIGKILL);
            pause();
        }
        myl_producer_publish(p, s, n);
        published += n;
        i += n;
    }
    myl_producer_close(p);
    myl_ring_close(r);
    return finish(0);
}
